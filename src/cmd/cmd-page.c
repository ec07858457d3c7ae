/* page [PAGE]: select the page that later commands may leave out. */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_page_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_page_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_page_entry = {
    .name = "page",
    .args = "[PAGE]",
    .summary = "select a page for the commands that follow (none: show it)",
    .options = cmd_page_options,
    .min_args = 0,
    .max_args = 1,
    .flags = CMD_SELECTS,
    .exec = cmd_page_exec,
};

static enum cmd_status
cmd_page_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    uint8_t code, subpage;
    struct err err;

    err_clear(&err);
    if (args->argc == 0) {
        if (ctx->selected_page == NULL)
            cmd_print(ctx, "no page selected: 'page PAGE' selects one");
        else
            cmd_print(ctx, "%s", ctx->selected_page);
        return CMD_OK;
    }
    const struct pagedb *db = cmd_pagedb(ctx);
    if (pagenames_parse(db, args->argv[0], &code, &subpage, &err) != 0)
        return cmd_error(ctx, &err);
    free(ctx->selected_page);
    ctx->selected_page = xstrdup(args->argv[0]);
    char label[128];
    cmd_page_label(pagenames_def(db, code, subpage, NULL), code, subpage, label,
                   sizeof label);
    cmd_print(ctx, "%s selected", label);
    return CMD_OK;
}
