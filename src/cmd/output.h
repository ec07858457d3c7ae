/*
 * What commands show, through the context's output sink: they never
 * print themselves.  Text from outside (drive answers, file names, page
 * definitions) is shown as text, whatever escape sequences it holds.
 */
#ifndef MODECON_CMD_OUTPUT_H
#define MODECON_CMD_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "cmd/ctx.h"
#include "util/err.h"

void cmd_print(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line of text as it is, without formatting. */
void cmd_print_text(struct cmd_ctx *ctx, const char *text);
void cmd_warn(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cmd_print_json(struct cmd_ctx *ctx, json_t *json); /* steals json */

/* A drive among others that failed, as JSON: {"drive": its URI without a
 * password, "error": {"hresult": NAME, "hresult_value": "0x...",
 * "message": TEXT}}.  A new reference. */
json_t *cmd_drive_error_json(const char *drive, const struct err *err);
/* Report the error of a drive, named by its URI (without a password)
 * where its message does not name it already: a drive file's error names
 * the file, a missing node its path.  Among others ('alone' false) it
 * returns CMD_FAILED: one drive failing, even by bad input, is no misuse
 * of the command, and the others are still shown.  A drive named alone
 * keeps its error's own status (bad input is CMD_USAGE), as get's does. */
enum cmd_status cmd_drive_error(struct cmd_ctx *ctx, const char *drive,
                                const struct err *err, bool alone);
/* Report err and return the exit status it calls for. */
enum cmd_status cmd_error(struct cmd_ctx *ctx, const struct err *err);

#endif
