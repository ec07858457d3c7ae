#include "cmd/ctx.h"

#include <stdlib.h>
#include <string.h>

#include "transport/trace.h"
#include "util/xmalloc.h"

void
cmd_ctx_init(struct cmd_ctx *ctx, const struct cmd_output *output)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->output = output;
    recorder_options_init(&ctx->recorder);
    err_clear(&ctx->last_error);
}

void
cmd_ctx_fini(struct cmd_ctx *ctx)
{
    for (size_t i = 0; i < ctx->ndrives; i++) {
        recorder_free(ctx->drives[i].rec);
        free(ctx->drives[i].uri);
    }
    free(ctx->drives);
    ctx->drives = NULL;
    ctx->ndrives = 0;
    free(ctx->selected_drive);
    free(ctx->selected_page);
    free(ctx->journal_data);
    ctx->journal_data = NULL;
    cmd_stage_clear(ctx);
    cmd_read_back_clear(ctx);
    for (size_t i = 0; i < ctx->nsession_lines; i++)
        free(ctx->session_lines[i]);
    free(ctx->session_lines);
    ctx->session_lines = NULL;
    free(ctx->session_ran);
    ctx->session_ran = NULL;
    ctx->nsession_lines = 0;
    ctx->selected_drive = ctx->selected_page = NULL;
    ctx->pagedb_loaded = false;
    trace_close(ctx->trace);
    ctx->trace = NULL;
}

void
cmd_stage_clear(struct cmd_ctx *ctx)
{
    for (int i = 0; i < ctx->stage_nwords; i++)
        free(ctx->stage_words[i]);
    free(ctx->stage_words);
    free(ctx->stage_forced);
    ctx->stage_forced = NULL;
    free(ctx->stage_drive);
    free(ctx->stage_page);
    free(ctx->stage_base);
    ctx->stage_base = NULL;
    ctx->stage_base_len = 0;
    ctx->stage_words = NULL;
    ctx->stage_nwords = 0;
    ctx->stage_drive = ctx->stage_page = NULL;
}

void
cmd_read_back_clear(struct cmd_ctx *ctx)
{
    free(ctx->read_back.current);
    memset(&ctx->read_back, 0, sizeof ctx->read_back);
}

char *
cmd_stage_describe(const struct cmd_ctx *ctx)
{
    if (ctx->stage_nwords == 0)
        return NULL;
    char *words = xstrdup("");
    for (int i = 0; i < ctx->stage_nwords; i++) {
        char *joined =
            xasprintf("%s%s%s", words, i ? " " : "", ctx->stage_words[i]);
        free(words);
        words = joined;
    }
    char *text =
        xasprintf("%s: %d staged edit%s of page %s not sent (%s)",
                  ctx->stage_drive, ctx->stage_nwords,
                  ctx->stage_nwords == 1 ? "" : "s", ctx->stage_page, words);
    free(words);
    return text;
}
