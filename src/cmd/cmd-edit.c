/* edit [DRIVE] [PAGE] FIELD=VALUE...: stage changes without sending them. */
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "cmd/journal.h"
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
    .flags = CMD_DRIVE_ARG | CMD_PAGE_ARG | CMD_SELECTS,
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

/* Edits are staged for one page of one drive at a time. */
static int
cmd_edit_check_stage(struct cmd_ctx *ctx, const char *drive, const char *page,
                     struct err *err)
{
    if (ctx->stage_drive == NULL ||
        (strcmp(ctx->stage_drive, drive) == 0 &&
         cmd_edit_same_page(ctx, ctx->stage_page, page)))
        return 0;
    return err_usage(err,
                     "edits are staged for %s page %s: commit or discard "
                     "them first",
                     ctx->stage_drive, ctx->stage_page);
}

/* The staged words and the new ones, checked together on the page as
 * the drive holds it now; a new word replaces a staged one that sets the
 * same bits. */
static int
cmd_edit_plan(struct cmd_ctx *ctx, const struct cmd_args *args, bool force,
              struct edit_plan *plan, struct err *err)
{
    int nstaged = ctx->stage_nwords, nnew = args->argc - 2;
    char **words = xcalloc((size_t)(nstaged + nnew) + 1, sizeof *words);

    for (int i = 0; i < nstaged; i++)
        words[i] = ctx->stage_words[i];
    for (int i = 0; i < nnew; i++)
        words[nstaged + i] = args->argv[2 + i];
    /* On the page as the drive has it now, read again by every edit:
     * what edit says ("as the drive has it") and the values the staged
     * words are checked against must be the drive's, whatever another
     * program or a power cycle did since the last edit. */
    int rc = edit_plan_build_on(ctx, args->argv[0], args->argv[1], NULL, 0,
                                words, nstaged + nnew, nstaged, force,
                                ctx->stage_forced, plan, err);
    free(words);
    return rc;
}

/* Words that ask for what the drive has: said after the changes. */
struct edit_notes {
    char text[8][320];
    int n;
};

/* Word 'i' of the plan changes no value: note what the drive has. */
static void
cmd_edit_note_unchanged(const struct edit_plan *plan, int i, int nstaged,
                        struct edit_notes *notes)
{
    const struct field_ref *ref = &plan->refs[plan->word_refs[i]];
    bool was_staged = i < nstaged, back = false;
    char old[160];

    for (int j = 0; j < nstaged && !was_staged; j++)
        back |= plan->overridden[j] && edit_plan_words_overlap(plan, i, j);
    field_format(plan->before, ref, old, sizeof old);
    if (notes->n < (int)(sizeof notes->text / sizeof *notes->text))
        snprintf(notes->text[notes->n++], sizeof *notes->text, "%s: %s %s%s",
                 ref->acronym,
                 was_staged ? "the drive has"
                 : back     ? "back to"
                            : "already",
                 old, was_staged ? " now, as staged" : ", as the drive has it");
}

/* The new stage: the words not replaced, in the order typed.  When none
 * of them changes a value any more, the page is as the drive has it and
 * nothing is staged, as after discard: a stage left behind would keep the
 * page marked as edited and counted at quit, for a commit that sends
 * nothing.  Among words that do change something a word asking for what
 * the drive has now stays: it is checked again at commit, against the
 * drive as it is then.  Returns whether anything is staged. */
static bool
cmd_edit_restage(struct cmd_ctx *ctx, const struct cmd_args *args, bool force,
                 const struct edit_plan *plan, struct edit_notes *notes)
{
    int nstaged = ctx->stage_nwords, nwords = nstaged + args->argc - 2;
    int kept = 0;
    bool changes = false;
    char **stage = xcalloc((size_t)nwords + 1, sizeof *stage);
    bool *stage_forced = xcalloc((size_t)nwords + 1, sizeof *stage_forced);

    for (int i = 0; i < nwords; i++) {
        bool was_staged = i < nstaged;
        if (was_staged && plan->overridden[i])
            continue;
        stage_forced[kept] = was_staged ? ctx->stage_forced[i] : force;
        stage[kept++] = xstrdup(was_staged ? ctx->stage_words[i]
                                           : args->argv[2 + i - nstaged]);
        if (edit_plan_word_changes(plan, i))
            changes = true;
        else
            cmd_edit_note_unchanged(plan, i, nstaged, notes);
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
        ctx->stage_drive = xstrdup(args->argv[0]);
        ctx->stage_page = xstrdup(args->argv[1]);
    }
    return changes;
}

/* old -> new per field the stage changes, then the notes. */
static void
cmd_edit_show(struct cmd_ctx *ctx, const struct edit_plan *plan,
              const struct edit_notes *notes, bool changes)
{
    char old[160], new[160];

    for (size_t i = 0; i < plan->nrefs; i++) {
        field_format(plan->before, &plan->refs[i], old, sizeof old);
        field_format(plan->page, &plan->refs[i], new, sizeof new);
        if (strcmp(old, new) != 0)
            cmd_print(ctx, "%s: %s -> %s (staged)", plan->refs[i].acronym, old,
                      new);
    }
    for (int i = 0; i < notes->n; i++)
        cmd_print(ctx, "%s%s", notes->text[i],
                  i == notes->n - 1 && !changes ? "; nothing is staged" : "");
}

/* A command line of one command ends with it, and its staged edits with
 * it: refused before the drive is asked anything, naming the ways that
 * stage and send in one session. */
static enum cmd_status
cmd_edit_alone(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    char *line = xstrdup("edit");
    bool plain = true;
    struct err err;

    for (int i = 0; i < args->argc; i++) {
        char *word = journal_quote(args->argv[i]);
        /* Shown inside the single quotes of -c: a word that needs quotes
         * of its own is left to the user. */
        plain = plain && strcmp(word, args->argv[i]) == 0;
        char *joined = xasprintf("%s %s", line, word);
        free(word);
        free(line);
        line = joined;
    }
    err_clear(&err);
    err_usage(&err,
              "edit: staged edits last as long as the session that stages "
              "them, and a single command line ends with its command, so "
              "nothing was read or staged; stage, check and send in one "
              "session: modecon -c '%s; diff; commit', modecon shell, or "
              "the console (modecon console)",
              plain ? line : "edit DRIVE PAGE FIELD=VALUE...");
    free(line);
    return cmd_error(ctx, &err);
}

/* Check the new words with the staged ones; the stage changes only once
 * they pass. */
static enum cmd_status
cmd_edit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    bool force = cmd_arg_flag(&cmd_edit_entry, args, "force");
    struct edit_plan plan;
    struct edit_notes notes = { .n = 0 };
    struct err err;

    err_clear(&err);
    /* The command of the command line itself, not one of a file that
     * command replays, which is a session of its own. */
    if (ctx->lone_command && ctx->depth == 0 && ctx->depth_exec == 1)
        return cmd_edit_alone(ctx, args);
    if (cmd_edit_check_stage(ctx, args->argv[0], args->argv[1], &err) != 0)
        return cmd_error(ctx, &err);
    if (cmd_edit_plan(ctx, args, force, &plan, &err) != 0) {
        edit_plan_free(&plan);
        return cmd_error(ctx, &err);
    }
    bool changes = cmd_edit_restage(ctx, args, force, &plan, &notes);
    if (changes)
        edit_plan_keep_base(ctx, &plan);
    cmd_edit_show(ctx, &plan, &notes, changes);
    edit_plan_free(&plan);
    return CMD_OK;
}
