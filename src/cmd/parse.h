/*
 * A command's words split into options and positional arguments, with
 * the global options applied to the context wherever they appear, and the
 * selected drive and page put where the words leave them out.
 */
#ifndef MODECON_CMD_PARSE_H
#define MODECON_CMD_PARSE_H

#include <stdbool.h>

#include "cmd/ctx.h"
#include "cmd/table.h"
#include "util/err.h"

/* Apply a global option (name without "--"); a usage error when unknown
 * or its value is bad. */
int cmd_global_option(struct cmd_ctx *ctx, const char *name, const char *value,
                      struct err *err);

/* Apply the global options among 'argv' (up to a "--") and take them out
 * of it, leaving the other words in order in argv[0..*argc): for a front
 * end's arguments, as cmd_run_argv does for a command's.  A usage error
 * for a missing or bad value. */
int cmd_take_global_options(struct cmd_ctx *ctx, const char *front_end,
                            int *argc, char **argv, struct err *err);

/*
 * Split 'argv' (argv[0] is the command's name) for 'entry' into *args,
 * whose argv is a new array the caller frees whatever the result.  "-h"
 * or "--help" sets *help, and nothing else is checked.  -1 with a usage
 * error for a bad option or the wrong number of arguments.
 */
int cmd_parse(struct cmd_ctx *ctx, const struct cmd_entry *entry, int argc,
              char **argv, struct cmd_args *args, bool *help, struct err *err);

#endif
