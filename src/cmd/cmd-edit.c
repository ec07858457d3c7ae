/* edit [DRIVE] [PAGE] FIELD=VALUE...: stage changes without sending them. */
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "engine/pagenames.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_edit_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_edit_options[] = {
    { "force", false, NULL,
      "stage fields the drive does not let change, and enum values the "
      "legend does not name",
      0 },
    { NULL, false, NULL, NULL, 0 },
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

/* One page however it is spelt: "5", "0x05", "write-parameters". */
static bool
cmd_edit_same_page(struct cmd_ctx *ctx, const char *a, const char *b)
{
    const struct pagedb *db = cmd_pagedb(ctx);
    uint8_t code_a, sub_a, code_b, sub_b;
    struct err err;

    err_clear(&err);
    if (pagenames_parse(db, a, &code_a, &sub_a, &err) != 0 ||
        pagenames_parse(db, b, &code_b, &sub_b, &err) != 0)
        return strcmp(a, b) == 0;
    return code_a == code_b && sub_a == sub_b;
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
    if (ctx->stage_drive != NULL &&
        (strcmp(ctx->stage_drive, drive) != 0 ||
         !cmd_edit_same_page(ctx, ctx->stage_page, page))) {
        err_usage(&err,
                  "edits are staged for %s page %s: commit or discard "
                  "them first",
                  ctx->stage_drive, ctx->stage_page);
        return cmd_error(ctx, &err);
    }
    /* The staged words and the new ones, checked together on the page as
     * the drive holds it now; a new word replaces a staged one that sets
     * the same bits.  The stage changes only once they pass. */
    int nstaged = ctx->stage_nwords;
    char **words = xcalloc((size_t)(nstaged + nnew) + 1, sizeof *words);
    for (int i = 0; i < nstaged; i++)
        words[i] = ctx->stage_words[i];
    for (int i = 0; i < nnew; i++)
        words[nstaged + i] = args->argv[2 + i];
    int rc =
        edit_plan_build_staged(ctx, drive, page, words, nstaged + nnew, nstaged,
                               force, ctx->stage_forced, &plan, &err);
    free(words);
    if (rc != 0) {
        edit_plan_free(&plan);
        return cmd_error(ctx, &err);
    }
    /* The new stage: the words not replaced, in the order typed.  When
     * none of them changes a value any more, the page is as the drive has
     * it and nothing is staged, as after discard: a stage left behind
     * would keep the page marked as edited and counted at quit, for a
     * commit that sends nothing.  Among words that do change something a
     * word asking for what the drive has now stays: it is checked again
     * at commit, against the drive as it is then. */
    int nwords = nstaged + nnew, kept = 0;
    bool changes = false;
    char **stage = xcalloc((size_t)nwords + 1, sizeof *stage);
    bool *stage_forced = xcalloc((size_t)nwords + 1, sizeof *stage_forced);
    char notes[8][320];
    int nnotes = 0;
    for (int i = 0; i < nwords; i++) {
        bool was_staged = i < nstaged;
        if (was_staged && plan.overridden[i])
            continue;
        stage_forced[kept] = was_staged ? ctx->stage_forced[i] : force;
        stage[kept++] = xstrdup(was_staged ? ctx->stage_words[i]
                                           : args->argv[2 + i - nstaged]);
        if (edit_plan_word_changes(&plan, i)) {
            changes = true;
            continue;
        }
        const struct field_ref *ref = &plan.refs[plan.word_refs[i]];
        bool back = false;
        for (int j = 0; j < nstaged && !was_staged; j++)
            back |= plan.overridden[j] && edit_plan_words_overlap(&plan, i, j);
        field_format(plan.before, ref, old, sizeof old);
        if (nnotes < (int)(sizeof notes / sizeof *notes))
            snprintf(
                notes[nnotes++], sizeof *notes, "%s: %s %s%s", ref->acronym,
                was_staged ? "the drive has"
                : back     ? "back to"
                           : "already",
                old, was_staged ? " now, as staged" : ", as the drive has it");
    }
    for (int i = 0; i < nstaged; i++)
        free(ctx->stage_words[i]);
    free(ctx->stage_words);
    free(ctx->stage_forced);
    ctx->stage_words = stage;
    ctx->stage_forced = stage_forced;
    ctx->stage_nwords = kept;
    if (!changes)
        cmd_stage_clear(ctx);
    else if (ctx->stage_drive == NULL) {
        ctx->stage_drive = xstrdup(drive);
        ctx->stage_page = xstrdup(page);
    }
    for (size_t i = 0; i < plan.nrefs; i++) {
        field_format(plan.before, &plan.refs[i], old, sizeof old);
        field_format(plan.page, &plan.refs[i], new, sizeof new);
        if (strcmp(old, new) != 0)
            cmd_print(ctx, "%s: %s -> %s (staged)", plan.refs[i].acronym, old,
                      new);
    }
    for (int i = 0; i < nnotes; i++)
        cmd_print(ctx, "%s%s", notes[i],
                  i == nnotes - 1 && !changes ? "; nothing is staged" : "");
    edit_plan_free(&plan);
    return CMD_OK;
}
