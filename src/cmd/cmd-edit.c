/* edit [DRIVE] [PAGE] FIELD=VALUE...: stage changes without sending them. */
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_edit_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_edit_options[] = {
    { "force", false, NULL, "stage fields the drive does not let change" },
    { NULL, false, NULL, NULL },
};

const struct cmd_entry cmd_edit_entry = {
    .name = "edit",
    .args = "DRIVE PAGE FIELD=VALUE...",
    .summary = "stage field changes; diff shows them, commit sends them",
    .options = cmd_edit_options,
    .min_args = 3,
    .max_args = 64,
    .flags = CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .exec = cmd_edit_exec,
};

/* Whether two FIELD=VALUE words name the same field, as spelt. */
static bool
cmd_edit_same_field(const char *a, const char *b)
{
    size_t la = strcspn(a, "="), lb = strcspn(b, "=");
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* Whether one of the new words names a staged word's field again. */
static bool
cmd_edit_named_again(const char *staged, char *const *fresh, int nfresh)
{
    for (int j = 0; j < nfresh; j++)
        if (cmd_edit_same_field(staged, fresh[j]))
            return true;
    return false;
}

/* Drop the staged words that a new word names again: the new value
 * replaces the staged one, as the user meant. */
static void
cmd_edit_unstage(struct cmd_ctx *ctx, char *const *fresh, int nfresh)
{
    int kept = 0;

    for (int i = 0; i < ctx->stage_nwords; i++) {
        if (cmd_edit_named_again(ctx->stage_words[i], fresh, nfresh))
            free(ctx->stage_words[i]);
        else
            ctx->stage_words[kept++] = ctx->stage_words[i];
    }
    ctx->stage_nwords = kept;
}

static enum cmd_status
cmd_edit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const char *drive = args->argv[0], *page = args->argv[1];
    bool force = cmd_arg_flag(&cmd_edit_entry, args, "force");
    int nnew = args->argc - 2;
    struct edit_plan plan;
    struct err err;
    char old[160], new[160];

    err_clear(&err);
    if (ctx->stage_drive != NULL && (strcmp(ctx->stage_drive, drive) != 0 ||
                                     strcmp(ctx->stage_page, page) != 0)) {
        err_usage(&err,
                  "edits are staged for %s page %s: commit or discard "
                  "them first",
                  ctx->stage_drive, ctx->stage_page);
        return cmd_error(ctx, &err);
    }
    /* The staged words the new ones leave standing, and the new ones,
     * checked together on the page as the drive holds it now.  The stage
     * changes only once they pass. */
    char **words =
        xcalloc((size_t)(ctx->stage_nwords + nnew) + 1, sizeof *words);
    int nwords = 0;
    for (int i = 0; i < ctx->stage_nwords; i++)
        if (!cmd_edit_named_again(ctx->stage_words[i], args->argv + 2, nnew))
            words[nwords++] = ctx->stage_words[i];
    for (int i = 0; i < nnew; i++)
        words[nwords++] = args->argv[2 + i];
    int rc =
        edit_plan_build(ctx, drive, page, words, nwords, force, &plan, &err);
    free(words);
    if (rc != 0) {
        edit_plan_free(&plan);
        return cmd_error(ctx, &err);
    }
    cmd_edit_unstage(ctx, args->argv + 2, nnew);
    if (ctx->stage_drive == NULL) {
        ctx->stage_drive = xstrdup(drive);
        ctx->stage_page = xstrdup(page);
    }
    ctx->stage_words =
        xrealloc(ctx->stage_words,
                 (size_t)(ctx->stage_nwords + nnew) * sizeof *ctx->stage_words);
    for (int i = 0; i < nnew; i++)
        ctx->stage_words[ctx->stage_nwords++] = xstrdup(args->argv[2 + i]);
    for (size_t i = 0; i < plan.nrefs; i++) {
        field_format(plan.before, &plan.refs[i], old, sizeof old);
        field_format(plan.page, &plan.refs[i], new, sizeof new);
        if (strcmp(old, new) != 0)
            cmd_print(ctx, "%s: %s -> %s (staged)", plan.refs[i].acronym, old,
                      new);
    }
    edit_plan_free(&plan);
    return CMD_OK;
}
