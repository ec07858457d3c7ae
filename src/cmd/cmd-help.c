/* help [COMMAND]: usage from the command table. */
#include <stdlib.h>

#include "cmd/cmd.h"

static enum cmd_status cmd_help_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_help_options[] = {
    { NULL, false, NULL, NULL },
};

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .args = "[COMMAND]",
    .summary = "describe the commands, or one command",
    .options = cmd_help_options,
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_help_exec,
};

static enum cmd_status
cmd_help_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *entry = NULL;
    struct err err;

    err_clear(&err);
    if (args->argc == 1 && (entry = cmd_find(args->argv[0], &err)) == NULL)
        return cmd_error(ctx, &err);
    char *text = cmd_usage(entry);
    cmd_print_text(ctx, text);
    free(text);
    return CMD_OK;
}
