#include "cmd/pagecache.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/output.h"
#include "engine/pagenames.h"
#include "util/atomicfile.h"
#include "util/paths.h"

/*
 * The page definitions and the user's vendor sense rules, parsed once per
 * process and shared, read-only, by every context: the command line's,
 * the console's and each console drive's, whose workers run at once.
 * pthread_once makes the first user, on whatever thread, load them, and
 * the others wait for it and see them whole; nothing writes them after.
 * They last until the process ends.  What loading found wrong is kept and
 * reported by each context as it first uses them, as before.
 */
#define PAGECACHE_SENSE_MAP_MAX (1u << 20) /* bytes */

static pthread_once_t pagecache_once = PTHREAD_ONCE_INIT;
static struct pagedb pagecache_db;
static struct sense_map pagecache_rules;
static char pagecache_rules_problem[ERR_MSG_MAX]; /* "" when none */

static void
pagecache_load_rules(void)
{
    char *path = paths_config_file("vendor-sense"), *text = NULL;
    struct err err;

    err_clear(&err);
    if (path != NULL)
        text = atomicfile_read(path, PAGECACHE_SENSE_MAP_MAX, NULL, &err);
    if ((text == NULL && path != NULL && err.os_errno != ENOENT) ||
        (text != NULL && sense_map_parse(text, path, &pagecache_rules, &err)))
        snprintf(pagecache_rules_problem, sizeof pagecache_rules_problem, "%s",
                 err.msg);
    free(text);
    free(path);
}

static void
pagecache_load(void)
{
    pagedb_init(&pagecache_db);
    pagedb_load_default(&pagecache_db);
    pagecache_load_rules();
}

const struct pagedb *
cmd_pagedb(struct cmd_ctx *ctx)
{
    pthread_once(&pagecache_once, pagecache_load);
    if (!ctx->pagedb_loaded) {
        for (size_t i = 0; i < pagecache_db.nproblems; i++)
            cmd_warn(ctx, "page definitions: %s", pagecache_db.problems[i]);
        ctx->pagedb_loaded = true;
        /* Drives opened from now on name pages in their messages. */
        ctx->recorder.pages = &pagecache_db;
    }
    return &pagecache_db;
}

const struct pagedb *
cmd_pagedb_if_loaded(const struct cmd_ctx *ctx)
{
    return ctx->pagedb_loaded ? &pagecache_db : NULL;
}

void
cmd_load_sense_map(struct cmd_ctx *ctx)
{
    pthread_once(&pagecache_once, pagecache_load);
    ctx->sense_map_loaded = true;
    if (pagecache_rules_problem[0] != '\0')
        cmd_warn(ctx, "warning: vendor sense rules not used: %s",
                 pagecache_rules_problem);
    ctx->recorder.sense_map = &pagecache_rules;
}

int
cmd_page_def(struct cmd_ctx *ctx, struct recorder *rec, uint8_t code,
             uint8_t subpage, const struct page_def **pd, struct err *err)
{
    struct scsi_identity id;

    if (recorder_inquiry(rec, &id, err) != 0)
        return -1;
    *pd = pagedb_find(cmd_pagedb(ctx), code, subpage, id.peripheral_type,
                      id.vendor, id.product);
    return 0;
}

void
cmd_page_label(const struct page_def *pd, uint8_t code, uint8_t subpage,
               char *buf, size_t len)
{
    char at[PAGENAMES_CODE_LEN];

    pagenames_code(code, subpage, at);
    snprintf(buf, len, "page %s%s%s%s", at, pd ? " (" : "", pd ? pd->name : "",
             pd ? ")" : "");
}
