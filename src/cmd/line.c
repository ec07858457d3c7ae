#include "cmd/line.h"

#include <histedit.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/journal.h"
#include "util/xmalloc.h"

void
cmd_line_free(struct cmd_line *line)
{
    for (size_t i = 0; i < line->ncmds; i++) {
        for (int w = 0; w < line->cmds[i].argc; w++)
            free(line->cmds[i].argv[w]);
        free(line->cmds[i].argv);
    }
    free(line->cmds);
    memset(line, 0, sizeof *line);
}

/* Words of one command, text[start, end), by libedit's tokenizer, which
 * reads the range in place. */
static int
cmd_line_words(Tokenizer *tok, const char *text, size_t start, size_t end,
               struct cmd_line *line, struct err *err)
{
    const LineInfo li = { .buffer = text + start,
                          .cursor = text + end,
                          .lastchar = text + end };
    const char **argv;
    int argc;

    tok_reset(tok);
    if (tok_line(tok, &li, &argc, &argv, NULL, NULL) != 0)
        return err_usage(err, "cannot split '%.*s' into words",
                         (int)(end - start), text + start);
    if (argc == 0)
        return 0;
    line->cmds = xrealloc(line->cmds, (line->ncmds + 1) * sizeof *line->cmds);
    struct cmd_words *cw = &line->cmds[line->ncmds++];
    cw->argc = argc;
    cw->argv = xcalloc((size_t)argc + 1, sizeof *cw->argv);
    for (int i = 0; i < argc; i++)
        cw->argv[i] = xstrdup(argv[i]);
    return 0;
}

/* One tokenizer a thread, made on first use: tok_init allocates its
 * buffers, which cost more than splitting a short line. */
static _Thread_local Tokenizer *line_tokenizer;

int
cmd_line_parse(const char *text, struct cmd_line *line, struct err *err)
{
    if (line_tokenizer == NULL)
        line_tokenizer = tok_init(NULL);
    Tokenizer *tok = line_tokenizer;
    size_t len = strlen(text), start = 0, quote_col = 0;
    char quote = 0;
    bool word_start = true;
    int rc = 0;

    memset(line, 0, sizeof *line);
    if (tok == NULL)
        abort(); /* libedit fails only when out of memory */
    /* Find the unquoted ';' and '#' first: the tokenizer knows neither. */
    for (size_t i = 0; i <= len && rc == 0; i++) {
        char c = text[i];
        if (quote != 0) {
            if (c == '\0')
                rc = err_usage(err,
                               "expected a closing %c for the quote at "
                               "column %zu",
                               quote, quote_col);
            else if (c == '\\' && quote == '"' && text[i + 1] != '\0')
                i++;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\\' && text[i + 1] != '\0') {
            i++;
            word_start = false;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            quote_col = i + 1;
            word_start = false;
            continue;
        }
        bool end =
            c == '\0' || c == ';' || c == '\n' || (c == '#' && word_start);
        if (end) {
            rc = cmd_line_words(tok, text, start, i, line, err);
            if (c == '#') {
                /* The comment runs to the end of the line. */
                while (i < len && text[i] != '\n')
                    i++;
            }
            start = i + 1;
            word_start = true;
            continue;
        }
        word_start = c == ' ' || c == '\t';
    }
    if (rc != 0)
        cmd_line_free(line);
    return rc;
}

enum cmd_status
cmd_run_line(struct cmd_ctx *ctx, const char *text)
{
    enum cmd_status first = CMD_OK;
    struct cmd_line line;
    struct err err;

    err_clear(&err);
    /* The session's lines, for 'history', without secrets. */
    if (text[strspn(text, " \t\n")] != '\0' && ctx->depth == 0) {
        char *clean = journal_redact_line(text);
        clean[strcspn(clean, "\n")] = '\0';
        ctx->session_lines =
            xrealloc(ctx->session_lines,
                     (ctx->nsession_lines + 1) * sizeof *ctx->session_lines);
        ctx->session_lines[ctx->nsession_lines++] = clean;
    }
    if (cmd_line_parse(text, &line, &err) != 0) {
        if (ctx->batch)
            cmd_print(ctx, "%%begin %u", ++ctx->batch_seq);
        enum cmd_status status = cmd_error(ctx, &err);
        if (ctx->batch)
            cmd_print(ctx, "%%error %u", ctx->batch_seq);
        return status;
    }
    for (size_t i = 0; i < line.ncmds; i++) {
        unsigned seq = ++ctx->batch_seq;
        if (ctx->batch)
            cmd_print(ctx, "%%begin %u", seq);
        enum cmd_status status =
            cmd_run_argv(ctx, line.cmds[i].argc, line.cmds[i].argv);
        if (ctx->batch)
            cmd_print(ctx, "%%%s %u", status == CMD_OK ? "end" : "error", seq);
        if (status != CMD_OK && first == CMD_OK)
            first = status;
        if (status != CMD_OK && !ctx->keep_going)
            break;
    }
    cmd_line_free(&line);
    return first;
}
