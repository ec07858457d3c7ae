/* diff: what commit would send: old -> new per field, the CDB and the
 * parameter list. */
#include "cmd/cmd.h"
#include "cmd/edit.h"

static enum cmd_status cmd_diff_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_diff_options[] = {
    { "save", false, NULL, "as commit --save would send it", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_diff_entry = {
    .name = "diff",
    .args = "",
    .summary = "show the staged changes and the MODE SELECT they make",
    .options = cmd_diff_options,
    .min_args = 0,
    .max_args = 0,
    .flags = 0,
    .exec = cmd_diff_exec,
};

static enum cmd_status
cmd_diff_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct edit_plan plan;
    enum cmd_status status;
    struct err err;

    if (ctx->stage_drive == NULL) {
        cmd_print(ctx, "nothing staged ('edit FIELD=VALUE' stages changes)");
        return CMD_OK;
    }
    err_clear(&err);
    /* Against the page as it is now: another change since 'edit' shows. */
    if (edit_plan_build(ctx, ctx->stage_drive, ctx->stage_page,
                        ctx->stage_words, ctx->stage_nwords, true, &plan,
                        &err) != 0) {
        status = cmd_error(ctx, &err);
    } else {
        struct edit ed = {
            .rec = plan.rec,
            .pd = plan.pd,
            .label = plan.label,
            .rt = cmd_arg_flag(&cmd_diff_entry, args, "save")
                      ? MODE_REQUEST_SAVED
                      : MODE_REQUEST_CURRENT,
            .before = plan.before,
            .page = plan.page,
            .len = plan.len,
            .refs = plan.refs,
            .nrefs = plan.nrefs,
            .opts = { .dry_run = true, .force = true },
        };
        status = edit_commit(ctx, &ed);
    }
    edit_plan_free(&plan);
    return status;
}
