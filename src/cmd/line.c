#include "cmd/line.h"

#include <histedit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/journal.h"
#include "cmd/parse.h"
#include "transport/transport.h"
#include "util/xmalloc.h"

void
cmd_line_free(struct cmd_line *line)
{
    for (size_t i = 0; i < line->ncmds; i++)
        free(line->cmds[i].argv); /* words and array are one block */
    free(line->cmds);
    memset(line, 0, sizeof *line);
}

/* Store words as one command: the argv array and the strings in one
 * block, freed as one. */
static void
cmd_line_add(struct cmd_line *line, int argc, const char *const *words,
             const size_t *lens)
{
    size_t bytes = ((size_t)argc + 1) * sizeof(char *);
    for (int i = 0; i < argc; i++)
        bytes += lens[i] + 1;
    char **argv = xmalloc(bytes);
    char *text = (char *)(argv + argc + 1);
    for (int i = 0; i < argc; i++) {
        argv[i] = text;
        memcpy(text, words[i], lens[i]);
        text[lens[i]] = '\0';
        text += lens[i] + 1;
    }
    argv[argc] = NULL;
    line->cmds = xrealloc(line->cmds, (line->ncmds + 1) * sizeof *line->cmds);
    line->cmds[line->ncmds].argc = argc;
    line->cmds[line->ncmds].argv = argv;
    line->ncmds++;
}

#define LINE_MAX_WORDS 256

/*
 * Words of one command, text[start, end).  Quotes and backslashes are
 * libedit's tokenizer's to undo; a segment with neither ('plain') splits
 * at blanks, which is what the tokenizer would do, without its cost.
 */
static int
cmd_line_words(Tokenizer *tok, const char *text, size_t start, size_t end,
               bool plain, struct cmd_line *line, struct err *err)
{
    const char *words[LINE_MAX_WORDS];
    size_t lens[LINE_MAX_WORDS];
    int argc = 0;

    if (plain) {
        for (size_t i = start; i < end;) {
            while (i < end && (text[i] == ' ' || text[i] == '\t' ||
                               text[i] == '\n' || text[i] == '\r'))
                i++;
            if (i == end)
                break;
            if (argc == LINE_MAX_WORDS)
                return err_usage(err, "more than %d words in one command",
                                 LINE_MAX_WORDS);
            words[argc] = text + i;
            while (i < end && text[i] != ' ' && text[i] != '\t' &&
                   text[i] != '\n' && text[i] != '\r')
                i++;
            lens[argc] = (size_t)(text + i - words[argc]);
            argc++;
        }
    } else {
        const LineInfo li = { .buffer = text + start,
                              .cursor = text + end,
                              .lastchar = text + end };
        const char **argv;
        tok_reset(tok);
        if (tok_line(tok, &li, &argc, &argv, NULL, NULL) != 0) {
            char *part = xstrndup(text + start, end - start);
            char *shown = transport_redact(part);
            err_usage(err, "cannot split '%s' into words", shown);
            free(shown);
            free(part);
            return -1;
        }
        if (argc > LINE_MAX_WORDS)
            return err_usage(err, "more than %d words in one command",
                             LINE_MAX_WORDS);
        for (int i = 0; i < argc; i++) {
            words[i] = argv[i];
            lens[i] = strlen(argv[i]);
        }
    }
    if (argc > 0)
        cmd_line_add(line, argc, words, lens);
    return 0;
}

/* One tokenizer a thread, made on first use: tok_init allocates its
 * buffers, which cost more than splitting a short line. */
static _Thread_local Tokenizer *line_tokenizer;

void
cmd_line_thread_done(void)
{
    if (line_tokenizer != NULL)
        tok_end(line_tokenizer);
    line_tokenizer = NULL;
}

int
cmd_line_parse(const char *text, struct cmd_line *line, struct err *err)
{
    if (line_tokenizer == NULL)
        line_tokenizer = tok_init(NULL);
    Tokenizer *tok = line_tokenizer;
    size_t len = strlen(text), start = 0, quote_col = 0;
    char quote = 0;
    bool word_start = true, quoted = false;
    int rc = 0;

    memset(line, 0, sizeof *line);
    if (tok == NULL)
        abort(); /* libedit fails only when out of memory */
    /* Most lines hold one command with nothing to undo: split them at
     * once rather than walk them character by character. */
    size_t plain = strcspn(text, ";#'\"\\\n");
    if (plain == len || (plain == len - 1 && text[plain] == '\n')) {
        rc = cmd_line_words(tok, text, 0, plain, true, line, err);
        if (rc != 0)
            cmd_line_free(line);
        return rc;
    }
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
        /* libedit's tokenizer reads past the end of a line that ends in a
         * backslash: such a line never reaches it. */
        if (c == '\\' && (text[i + 1] == '\0' ||
                          (text[i + 1] == '\n' && text[i + 2] == '\0'))) {
            rc = err_usage(err,
                           "expected a character after the backslash at "
                           "column %zu",
                           i + 1);
            break;
        }
        if (c == '\\') {
            i++;
            word_start = false;
            quoted = true;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            quoted = true;
            quote_col = i + 1;
            word_start = false;
            continue;
        }
        bool end =
            c == '\0' || c == ';' || c == '\n' || (c == '#' && word_start);
        if (end) {
            rc = cmd_line_words(tok, text, start, i, !quoted, line, err);
            if (c == '#') {
                /* The comment runs to the end of the line. */
                while (i < len && text[i] != '\n')
                    i++;
            }
            start = i + 1;
            word_start = true;
            quoted = false;
            continue;
        }
        word_start = c == ' ' || c == '\t';
    }
    if (rc != 0)
        cmd_line_free(line);
    return rc;
}

enum cmd_status
cmd_run_words(struct cmd_ctx *ctx, const struct cmd_words *w)
{
    if (ctx->stop != NULL && atomic_load(ctx->stop)) {
        struct err err;
        /* Nor the commands after it: a replay stops here whatever
         * --keep-going says, with this one error. */
        ctx->keep_going = false;
        err_clear(&err);
        err_set(&err, E_FAIL, "interrupted: '%s' and what follows not run",
                w->argv[0]);
        return cmd_error(ctx, &err);
    }
    unsigned seq = ++ctx->batch_seq;

    if (ctx->batch)
        cmd_print(ctx, "%%begin %u", seq);
    enum cmd_status status = cmd_run_argv(ctx, w->argc, w->argv);
    if (ctx->batch)
        cmd_print(ctx, "%%%s %u", status == CMD_OK ? "end" : "error", seq);
    return status;
}

enum cmd_status
cmd_run_line(struct cmd_ctx *ctx, const char *text)
{
    enum cmd_status first = CMD_OK;
    struct cmd_line line;
    struct err err;
    size_t recorded = SIZE_MAX; /* this line's place in the session's */

    err_clear(&err);
    /* The session's lines, for 'history', without secrets. */
    if (text[strspn(text, " \t\n")] != '\0' && ctx->depth == 0) {
        char *clean = transport_redact(text);
        clean[strcspn(clean, "\n")] = '\0';
        ctx->session_lines =
            xrealloc(ctx->session_lines,
                     (ctx->nsession_lines + 1) * sizeof *ctx->session_lines);
        ctx->session_ran =
            xrealloc(ctx->session_ran,
                     (ctx->nsession_lines + 1) * sizeof *ctx->session_ran);
        ctx->session_ran[ctx->nsession_lines] = 0;
        recorded = ctx->nsession_lines;
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
        enum cmd_status status = cmd_run_words(ctx, &line.cmds[i]);
        if (recorded != SIZE_MAX && i < 64 &&
            (status == CMD_OK || status == CMD_NOT_APPLIED))
            ctx->session_ran[recorded] |= UINT64_C(1) << i;
        if (status != CMD_OK && first == CMD_OK)
            first = status;
        if (status != CMD_OK && !ctx->keep_going)
            break;
    }
    cmd_line_free(&line);
    return first;
}

int
cmd_check_words(struct cmd_ctx *ctx, const struct cmd_words *w, struct err *err)
{
    const struct cmd_entry *entry;
    struct cmd_args args;
    bool help;

    if (w->argc < 1)
        return err_usage(err, "no command");
    /* What the command would be given: no password in what it quotes. */
    for (int i = 0; i < w->argc; i++)
        transport_take_secrets(w->argv[i]);
    if ((entry = cmd_find(w->argv[0], err)) == NULL)
        return -1;
    int rc = cmd_parse(ctx, entry, w->argc, w->argv, &args, &help, err);
    if (rc == 0)
        free(journal_canonical(ctx, entry, &args));
    free(args.argv);
    return rc;
}
