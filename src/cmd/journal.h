/*
 * The journal: every command that changed a drive, as the text that
 * replays it, in $XDG_STATE_HOME/modecon/journal.  A process's lines
 * come under its header (modecon's version, the time of its first record,
 * its pid), repeated whenever another process wrote in between, and each
 * drive's first command of such a run of lines with its INQUIRY identity,
 * so that a replay on another drive can warn.
 */
#ifndef MODECON_CMD_JOURNAL_H
#define MODECON_CMD_JOURNAL_H

#include "cmd/ctx.h"
#include "cmd/table.h"

/* The command as text that parses back to the same words; secrets in
 * drive URIs are left out.  Returns a new string. */
char *journal_canonical(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                        const struct cmd_args *args);

/* Whether the journal can be opened for a record (it is no link, no FIFO,
 * the state directory is the user's own): checked before a command that
 * may change a drive, so that no change goes out that the journal cannot
 * take for such a reason.  -1 with err set, saying nothing was sent. */
int journal_check(struct err *err);

/* Append a command that ran, as one record (with the process's header
 * and the drive's identity when the lines above are not this process's
 * own, or do not name the drive) written whole or not at all, in one
 * write: records of processes and threads never mix.  -1 with err set
 * when it could not be written. */
int journal_record(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                   const struct cmd_args *args, struct err *err);

/* A word quoted for the command language when it needs it.  Returns a new
 * string. */
char *journal_quote(const char *word);

#endif
