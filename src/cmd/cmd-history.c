/* history [save FILE]: the lines of this session, or a replayable script
 * of them. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "util/atomicfile.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_history_exec(struct cmd_ctx *ctx,
                                        const struct cmd_args *args);

static const struct cmd_option cmd_history_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_history_entry = {
    .name = "history",
    .args = "[save FILE]",
    .summary = "list this session's commands, or save them as a script",
    .options = cmd_history_options,
    .min_args = 0,
    .max_args = 2,
    .flags = 0,
    .exec = cmd_history_exec,
};

static enum cmd_status
cmd_history_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct err err;
    /* The 'history' line itself is the last; it is left out. */
    size_t n = ctx->nsession_lines ? ctx->nsession_lines - 1 : 0;

    err_clear(&err);
    if (args->argc == 0) {
        for (size_t i = 0; i < n; i++)
            cmd_print(ctx, "%4zu  %s", i + 1, ctx->session_lines[i]);
        return CMD_OK;
    }
    if (args->argc != 2 || strcmp(args->argv[0], "save") != 0) {
        err_usage(&err, "history: expected nothing, or 'save FILE'");
        return cmd_error(ctx, &err);
    }
    char when[32];
    time_t now = time(NULL);
    struct tm utc;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
    char *text =
        xasprintf("# modecon %s history saved %s\n", MODECON_VERSION, when);
    for (size_t i = 0; i < n; i++) {
        const char *line = ctx->session_lines[i];
        /* The script replays the work, not the looking back at it. */
        if (strncmp(line + strspn(line, " \t"), "history", 7) == 0)
            continue;
        char *joined = xasprintf("%s%s\n", text, line);
        free(text);
        text = joined;
    }
    int rc =
        atomicfile_write(args->argv[1], text, strlen(text), 0644, true, &err);
    free(text);
    if (rc != 0) {
        err.usage = true;
        return cmd_error(ctx, &err);
    }
    cmd_print(ctx, "saved to %s", args->argv[1]);
    return CMD_OK;
}
