/* commit: send the staged changes in one MODE SELECT, as 'set' does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_commit_exec(struct cmd_ctx *ctx,
                                       const struct cmd_args *args);

static const struct cmd_option cmd_commit_options[] = {
    { "save", false, NULL, "write the saved values too", 0 },
    { "force", false, NULL, "send even when the edit fails the checks", 0 },
    { "no-verify", false, NULL, "do not read the page back", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_commit_entry = {
    .name = "commit",
    .args = "",
    .summary = "send the staged changes and verify them",
    .options = cmd_commit_options,
    .min_args = 0,
    .max_args = 0,
    /* The journal records the 'set' it runs, which replays alone. */
    .flags = CMD_MUTATES | CMD_NO_JOURNAL,
    .exec = cmd_commit_exec,
};

/* The fields staged with --force, "WR_T,LINK_S" for --force-field, or
 * NULL when none was: each goes out forced, and only it; the others are
 * checked as they were when staged and as 'diff' showed them. */
static char *
cmd_commit_forced(const struct cmd_ctx *ctx)
{
    char *forced = NULL;
    size_t forced_len = 0;

    for (int i = 0; i < ctx->stage_nwords; i++) {
        if (ctx->stage_forced == NULL || !ctx->stage_forced[i])
            continue;
        const char *word = ctx->stage_words[i];
        size_t len = strcspn(word, "=");
        forced = xrealloc(forced, forced_len + len + 2);
        if (forced_len > 0)
            forced[forced_len++] = ',';
        memcpy(forced + forced_len, word, len);
        forced_len += len;
        forced[forced_len] = '\0';
    }
    return forced;
}

/* With the drive held: refuse when its page is no longer the one the
 * staged words were checked against and diff (or the console's dialog)
 * showed them on, naming the first byte that changed, so that what goes
 * out is what was shown or nothing.  The page read here is kept by the
 * recorder while the drive is held, so the set that follows reads it
 * from there: no CDB more.  Refused, the stage takes the drive's values
 * as its own, so that diff shows the words on them. */
static int
cmd_commit_check_base(struct cmd_ctx *ctx, struct recorder *rec,
                      struct err *err)
{
    uint8_t *now = NULL;
    size_t now_len = 0;
    char label[128];

    if (ctx->stage_base == NULL)
        return 0;
    struct mode_page_header head =
        mode_page_header_decode(ctx->stage_base, ctx->stage_base_len);
    if (recorder_get_mode_page(rec, head.code, head.subpage,
                               MODE_REQUEST_CURRENT, &now, &now_len, err) != 0)
        return -1;
    snprintf(label, sizeof label, "%s: page 0x%02x", ctx->stage_drive,
             head.code);
    if (!recorder_changed_since(now, now_len, ctx->stage_base,
                                ctx->stage_base_len, label, err)) {
        free(now);
        return 0;
    }
    free(ctx->stage_base);
    ctx->stage_base = now;
    ctx->stage_base_len = now_len;
    return -1;
}

/* The staged words sent as the 'set' they make, which the journal
 * records. */
static enum cmd_status
cmd_commit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    static const char *const flags[] = { "save", "force", "no-verify" };
    struct err err;

    err_clear(&err);
    if (ctx->stage_drive == NULL) {
        err_usage(&err, "commit: nothing staged ('edit FIELD=VALUE' stages "
                        "changes)");
        return cmd_error(ctx, &err);
    }
    int n = 0;
    char **argv = xcalloc((size_t)ctx->stage_nwords + 8, sizeof *argv);
    argv[n++] = (char *)"set";
    argv[n++] = ctx->stage_drive;
    argv[n++] = ctx->stage_page;
    for (int i = 0; i < ctx->stage_nwords; i++)
        argv[n++] = ctx->stage_words[i];
    char flag[3][16];
    for (int i = 0; i < 3; i++) {
        if (!cmd_arg_flag(&cmd_commit_entry, args, flags[i]))
            continue;
        snprintf(flag[i], sizeof flag[i], "--%s", flags[i]);
        argv[n++] = flag[i];
    }
    /* commit --force forces them all. */
    char *forced = cmd_commit_forced(ctx);
    if (forced != NULL && !cmd_arg_flag(&cmd_commit_entry, args, "force")) {
        argv[n++] = (char *)"--force-field";
        argv[n++] = forced;
    }
    /* Held from reading the page to its read-back: the words go out on
     * the values the drive holds then, read once, and those are the
     * values they were shown on. */
    struct recorder *rec;
    enum cmd_status status;
    if (cmd_open_drive(ctx, ctx->stage_drive, &rec, &err) != 0 ||
        recorder_acquire_exclusive(rec, &err) != 0) {
        status = cmd_error(ctx, &err);
    } else {
        if (cmd_commit_check_base(ctx, rec, &err) != 0)
            status = cmd_error(ctx, &err);
        else
            status = cmd_run_argv(ctx, n, argv);
        recorder_release_exclusive(rec);
    }
    free(argv);
    free(forced);
    /* Sent: nothing is staged any more; refused: the edits stay to mend. */
    if (status == CMD_OK || status == CMD_NOT_APPLIED)
        cmd_stage_clear(ctx);
    return status;
}
