#include "cmd/drives.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/changes.h"
#include "cmd/output.h"
#include "cmd/pagecache.h"
#include "engine/pagenames.h"
#include "transport/trace.h"
#include "transport/transport.h"
#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/xmalloc.h"

unsigned long
cmd_selects_answered(const struct cmd_ctx *ctx)
{
    unsigned long n = 0;

    for (size_t i = 0; i < ctx->ndrives; i++)
        n += ctx->drives[i].changes;
    return n;
}

unsigned long
cmd_selects_changed(const struct cmd_ctx *ctx)
{
    unsigned long n = 0;

    for (size_t i = 0; i < ctx->ndrives; i++)
        n += ctx->drives[i].changes - ctx->drives[i].kept;
    return n;
}

struct cmd_drive *
cmd_drive_entry(struct cmd_ctx *ctx, const char *uri)
{
    for (size_t i = 0; i < ctx->ndrives; i++)
        if (strcmp(ctx->drives[i].uri, uri) == 0)
            return &ctx->drives[i];
    return NULL;
}

int
cmd_open_trace(struct cmd_ctx *ctx, struct err *err)
{
    if (ctx->trace_path != NULL && ctx->trace == NULL) {
        ctx->trace = trace_open(ctx->trace_path, err);
        if (ctx->trace == NULL)
            return -1;
    }
    ctx->recorder.trace = ctx->trace;
    return 0;
}

const char *
cmd_drive_uri(const struct cmd_ctx *ctx, const char *uri)
{
    return ctx->drive_override != NULL ? ctx->drive_override : uri;
}

struct recorder *
cmd_kept_drive(struct cmd_ctx *ctx, const char *uri)
{
    struct cmd_drive *cd = cmd_drive_entry(ctx, uri);

    if (cd == NULL)
        return NULL;
    /* --trace given after the drive was opened traces it too. */
    if (ctx->trace != NULL)
        recorder_transport(cd->rec)->trace = ctx->trace;
    recorder_set_client(cd->rec, ctx->recorder.client);
    return cd->rec;
}

void
cmd_keep_drive(struct cmd_ctx *ctx, const char *uri, struct recorder *rec)
{
    ctx->drives =
        xrealloc(ctx->drives, (ctx->ndrives + 1) * sizeof *ctx->drives);
    ctx->drives[ctx->ndrives] =
        (struct cmd_drive){ .uri = xstrdup(uri), .rec = rec };
    ctx->ndrives++;
}

void
cmd_drives_simulate(struct cmd_ctx *ctx, bool forget)
{
    for (size_t i = 0; i < ctx->ndrives; i++) {
        recorder_simulate(ctx->drives[i].rec, ctx->simulating);
        if (forget)
            recorder_simulation_drop(ctx->drives[i].rec);
    }
}

/* Open 'uri' exactly as given, or find it open already. */
static int
cmd_open_uri(struct cmd_ctx *ctx, const char *uri, struct recorder **rec,
             struct err *err)
{
    if (cmd_open_trace(ctx, err) != 0)
        return -1;
    if (!ctx->sense_map_loaded)
        cmd_load_sense_map(ctx);
    cmd_pagedb(ctx); /* the drive's messages name its pages */
    *rec = cmd_kept_drive(ctx, uri);
    if (*rec == NULL) {
        if (recorder_open(uri, &ctx->recorder, rec, err) != 0)
            return -1;
        changes_watch(ctx, *rec);
        cmd_keep_drive(ctx, uri, *rec);
    }
    recorder_simulate(*rec, ctx->simulating);
    return 0;
}

int
cmd_open_drive(struct cmd_ctx *ctx, const char *uri, struct recorder **rec,
               struct err *err)
{
    return cmd_open_uri(ctx, cmd_drive_uri(ctx, uri), rec, err);
}

unsigned long
cmd_drive_changes(const struct cmd_ctx *ctx, const struct recorder *rec)
{
    for (size_t i = 0; i < ctx->ndrives; i++)
        if (ctx->drives[i].rec == rec)
            return ctx->drives[i].changes;
    return 0;
}

int
cmd_open_drive_or_file(struct cmd_ctx *ctx, const char *arg,
                       struct recorder **rec, struct err *err)
{
    if (!paths_is_json_file(arg) || transport_uri_known(arg))
        return cmd_open_drive(ctx, arg, rec, err);
    char *uri = xasprintf("emu:%s", arg);
    int rc = cmd_open_uri(ctx, uri, rec, err);
    free(uri);
    return rc;
}

int
cmd_open_page(struct cmd_ctx *ctx, const char *drive, const char *page,
              struct recorder **rec, uint8_t *code, uint8_t *subpage,
              const struct page_def **pd, struct err *err)
{
    *pd = NULL;
    if (pagenames_parse(cmd_pagedb(ctx), page, code, subpage, err) != 0 ||
        cmd_open_drive(ctx, drive, rec, err) != 0)
        return -1;
    return cmd_page_def(ctx, *rec, *code, *subpage, pd, err);
}
