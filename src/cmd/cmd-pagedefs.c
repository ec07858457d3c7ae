/* pagedefs check [DIR]: load page definition files and report every fault. */
#include <string.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"

static enum cmd_status cmd_pagedefs_exec(struct cmd_ctx *ctx,
                                         const struct cmd_args *args);

static const struct cmd_option cmd_pagedefs_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_pagedefs_entry = {
    .name = "pagedefs",
    .args = "check [DIR]",
    .summary = "check page definition files (the built-in and the user's, "
               "or those in DIR)",
    .options = cmd_pagedefs_options,
    .min_args = 1,
    .max_args = 2,
    .exec = cmd_pagedefs_exec,
};

static enum cmd_status
cmd_pagedefs_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct pagedb db;
    struct err err;
    size_t fields = 0;

    err_clear(&err);
    if (strcmp(args->argv[0], "check") != 0) {
        err_usage(&err, "pagedefs: expected 'check [DIR]', found '%s'",
                  args->argv[0]);
        return cmd_error(ctx, &err);
    }
    pagedb_init(&db);
    if (args->argc == 2)
        pagedb_load_dir(&db, args->argv[1]);
    else
        pagedb_load_default(&db);
    for (size_t i = 0; i < db.nproblems; i++)
        cmd_warn(ctx, "%s", db.problems[i]);
    /* Not a fault of any one file, so no problem: the pages keep their
     * codes, and the user learns why the name is refused. */
    size_t nshared;
    char **shared = pagenames_shared(&db, &nshared);
    for (size_t i = 0; i < nshared; i++)
        cmd_warn(ctx,
                 "note: definitions give one page name to several pages: "
                 "%s; the name is refused as ambiguous, give the page's "
                 "code",
                 shared[i]);
    pagenames_words_free(shared, nshared);
    for (size_t i = 0; i < db.npages; i++) {
        fields += db.pages[i]->nfields;
        for (size_t r = 0; r < db.pages[i]->nrepeats; r++)
            fields += db.pages[i]->repeats[r].nfields;
    }
    enum cmd_status status = db.nproblems ? CMD_USAGE : CMD_OK;
    cmd_print(ctx, "%zu page%s, %zu field definitions: %zu problem%s",
              db.npages, db.npages == 1 ? "" : "s", fields, db.nproblems,
              db.nproblems == 1 ? "" : "s");
    pagedb_fini(&db);
    return status;
}
