/* discard: drop the staged changes. */
#include "cmd/cmd.h"

static enum cmd_status cmd_discard_exec(struct cmd_ctx *ctx,
                                        const struct cmd_args *args);

static const struct cmd_option cmd_discard_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_discard_entry = {
    .name = "discard",
    .args = "",
    .summary = "drop the staged changes",
    .options = cmd_discard_options,
    .min_args = 0,
    .max_args = 0,
    .flags = CMD_SELECTS,
    .exec = cmd_discard_exec,
};

static enum cmd_status
cmd_discard_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    (void)args;
    if (ctx->stage_drive == NULL) {
        cmd_print(ctx, "nothing staged");
        return CMD_OK;
    }
    cmd_print(ctx, "discarded %d staged edit%s of %s page %s",
              ctx->stage_nwords, ctx->stage_nwords == 1 ? "" : "s",
              ctx->stage_drive, ctx->stage_page);
    cmd_stage_clear(ctx);
    return CMD_OK;
}
