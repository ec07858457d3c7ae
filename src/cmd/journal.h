/*
 * The journal: every command that changed a drive, as the text that
 * replays it, in $XDG_STATE_HOME/modecon/journal.  A session starts with a
 * header (time, modecon's version), and each drive's first command with
 * its INQUIRY identity, so that a replay on another drive can warn.
 */
#ifndef MODECON_CMD_JOURNAL_H
#define MODECON_CMD_JOURNAL_H

#include "cmd/cmd.h"

/* The command as text that parses back to the same words; secrets in
 * drive URIs are left out.  Returns a new string. */
char *journal_canonical(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                        const struct cmd_args *args);

/* Append a command that ran; failures to write are warnings. */
void journal_record(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                    const struct cmd_args *args);

/* A word quoted for the command language when it needs it.  Returns a new
 * string. */
char *journal_quote(const char *word);

#endif
