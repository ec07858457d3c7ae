/*
 * Completion of the word being typed, for every front end that edits a
 * line (the shell, the console's command line): command names first,
 * then drive URIs, page names and the field names of the page the line or
 * the selection names.
 */
#ifndef MODECON_CMD_COMPLETE_H
#define MODECON_CMD_COMPLETE_H

#include "cmd/cmd.h"

struct cmd_completion {
    char **words; /* each with what follows it: "get ", "WR_T=" */
    size_t n;
    size_t prefix_len; /* bytes of the word already typed */
};

/*
 * The candidates for the word that ends 'before' (the line up to the
 * cursor).  'extra' (NULL-terminated, or NULL) are more command names the
 * front end itself knows ("quit").
 */
void cmd_complete(struct cmd_ctx *ctx, const char *before,
                  const char *const *extra, struct cmd_completion *c);
void cmd_completion_free(struct cmd_completion *c);

/* Bytes that every candidate shares. */
size_t cmd_completion_common(const struct cmd_completion *c);

#endif
