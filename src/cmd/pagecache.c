#include "cmd/pagecache.h"

#include <stdio.h>

#include "cmd/output.h"
#include "engine/pagenames.h"

const struct pagedb *
cmd_pagedb(struct cmd_ctx *ctx)
{
    if (!ctx->pagedb_loaded) {
        pagedb_init(&ctx->pagedb);
        pagedb_load_default(&ctx->pagedb);
        for (size_t i = 0; i < ctx->pagedb.nproblems; i++)
            cmd_warn(ctx, "page definitions: %s", ctx->pagedb.problems[i]);
        ctx->pagedb_loaded = true;
        /* Drives opened from now on name pages in their messages. */
        ctx->recorder.pages = &ctx->pagedb;
    }
    return &ctx->pagedb;
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
