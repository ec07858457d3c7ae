/*
 * The interactive shell: el_gets() line editing, tab completion of
 * command names, drives, pages and field names, and a history kept
 * between sessions in the state directory (mode 0600, 1000 lines).  Every
 * line goes through cmd_run_line, as -c and replay files do.
 */
#include "shell.h"

#include <sys/stat.h>

#include <errno.h>
#include <histedit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/journal.h"
#include "cmd/line.h"
#include "engine/pagenames.h"
#include "transport/transport.h"
#include "util/paths.h"
#include "util/xmalloc.h"

#define SHELL_HISTORY_SIZE 1000

static volatile sig_atomic_t shell_interrupted;
static struct cmd_ctx *shell_ctx; /* for the completion callback */

static void
shell_on_sigint(int sig)
{
    (void)sig;
    shell_interrupted = 1;
}

static char *
shell_prompt(EditLine *el)
{
    (void)el;
    return (char *)"modecon> ";
}

/* Candidates for the word being typed. */
struct shell_candidates {
    char **words;
    size_t n;
};

static void
shell_offer(struct shell_candidates *c, const char *prefix, size_t plen,
            const char *word, const char *suffix)
{
    if (strncasecmp(word, prefix, plen) != 0)
        return;
    c->words = xrealloc(c->words, (c->n + 1) * sizeof *c->words);
    c->words[c->n++] = xasprintf("%s%s", word, suffix);
}

/* Field acronyms of the page named in the line, or of the selected one. */
static void
shell_offer_fields(struct shell_candidates *c, const char *prefix, size_t plen,
                   const char *line)
{
    const struct pagedb *db = cmd_pagedb(shell_ctx);
    uint8_t code = 0xff, subpage = 0;
    struct err err;
    struct cmd_line parsed;

    err_clear(&err);
    if (cmd_line_parse(line, &parsed, &err) == 0 && parsed.ncmds > 0) {
        struct cmd_words *w = &parsed.cmds[parsed.ncmds - 1];
        for (int i = 1; i < w->argc; i++) {
            err_clear(&err);
            if (pagenames_parse(w->argv[i], &code, &subpage, &err) == 0)
                break;
            code = 0xff;
        }
        cmd_line_free(&parsed);
    }
    err_clear(&err);
    if (code == 0xff && shell_ctx->selected_page != NULL &&
        pagenames_parse(shell_ctx->selected_page, &code, &subpage, &err) != 0)
        return;
    for (size_t i = 0; code != 0xff && i < db->npages; i++) {
        const struct page_def *pd = db->pages[i];
        if (pd->code != code || pd->subpage != subpage)
            continue;
        for (size_t f = 0; f < pd->nfields; f++)
            if (pd->fields[f].acronym != NULL)
                shell_offer(c, prefix, plen, pd->fields[f].acronym, "=");
        break;
    }
}

static unsigned char
shell_complete(EditLine *el, int ch)
{
    const LineInfo *li = el_line(el);
    const char *start = li->cursor;
    (void)ch;

    while (start > li->buffer && start[-1] != ' ' && start[-1] != ';')
        start--;
    size_t plen = (size_t)(li->cursor - start);
    char *prefix = xstrndup(start, plen);
    char *before = xstrndup(li->buffer, (size_t)(start - li->buffer));
    const char *cmd_start = strrchr(before, ';');
    cmd_start = cmd_start ? cmd_start + 1 : before;
    bool first_word = strspn(cmd_start, " ") == strlen(cmd_start);
    struct shell_candidates c = { NULL, 0 };

    if (first_word) {
        for (size_t i = 0; cmd_table[i] != NULL; i++)
            shell_offer(&c, prefix, plen, cmd_table[i]->name, " ");
        shell_offer(&c, prefix, plen, "quit", "");
    } else {
        char **uris;
        size_t nuris;
        struct err err;
        err_clear(&err);
        if (transport_list_drives(&uris, &nuris, &err) == 0) {
            for (size_t i = 0; i < nuris; i++)
                shell_offer(&c, prefix, plen, uris[i], " ");
            transport_free_list(uris, nuris);
        }
        size_t npages;
        const struct page_name *names = pagenames_all(&npages);
        for (size_t i = 0; i < npages; i++)
            shell_offer(&c, prefix, plen, names[i].name, " ");
        shell_offer_fields(&c, prefix, plen, before);
    }

    unsigned char result = CC_ERROR;
    if (c.n == 1) {
        el_insertstr(el, c.words[0] + plen);
        result = CC_REFRESH;
    } else if (c.n > 1) {
        /* The longest prefix they share, then the list. */
        size_t common = strlen(c.words[0]);
        for (size_t i = 1; i < c.n; i++) {
            size_t k = 0;
            while (k < common && c.words[i][k] == c.words[0][k])
                k++;
            common = k;
        }
        if (common > plen) {
            char *more = xstrndup(c.words[0] + plen, common - plen);
            el_insertstr(el, more);
            free(more);
            result = CC_REFRESH;
        } else {
            fputc('\n', stdout);
            for (size_t i = 0; i < c.n; i++)
                printf("%s%s", c.words[i], i + 1 < c.n ? "  " : "\n");
            result = CC_REDISPLAY;
        }
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.words[i]);
    free(c.words);
    free(prefix);
    free(before);
    return result;
}

static char *
shell_history_path(void)
{
    struct err err;
    err_clear(&err);
    char *dir = paths_state_dir(NULL, &err);
    if (dir == NULL)
        return NULL;
    char *path = xasprintf("%s/history", dir);
    free(dir);
    return path;
}

int
shell_run(struct cmd_ctx *ctx)
{
    EditLine *el = el_init("modecon", stdin, stdout, stderr);
    History *hist = history_init();
    char *hist_path = shell_history_path();
    struct sigaction sa, old_sa;
    enum cmd_status last = CMD_OK;
    HistEvent ev;

    if (el == NULL || hist == NULL)
        abort(); /* libedit fails only when out of memory */
    shell_ctx = ctx;
    history(hist, &ev, H_SETSIZE, SHELL_HISTORY_SIZE);
    history(hist, &ev, H_SETUNIQUE, 1);
    if (hist_path != NULL)
        history(hist, &ev, H_LOAD, hist_path);
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, shell_prompt);
    el_set(el, EL_HIST, history, hist);
    el_set(el, EL_ADDFN, "modecon-complete", "complete a word", shell_complete);
    el_set(el, EL_BIND, "^I", "modecon-complete", NULL);

    /* Ctrl-C abandons the line being typed, not the shell. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = shell_on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);

    for (;;) {
        int count;
        const char *line = el_gets(el, &count);
        if (line == NULL) {
            if (shell_interrupted) {
                shell_interrupted = 0;
                fputc('\n', stdout);
                el_reset(el);
                continue;
            }
            fputc('\n', stdout); /* Ctrl-D */
            break;
        }
        size_t skip = strspn(line, " \t");
        if (line[skip] == '\n' || line[skip] == '\0')
            continue;
        /* Passwords in drive URIs never reach the history file. */
        char *clean = journal_redact_line(line);
        history(hist, &ev, H_ENTER, clean);
        free(clean);
        if (strncmp(line + skip, "quit", 4) == 0 &&
            strspn(line + skip + 4, " \t\n") == strlen(line + skip + 4))
            break;
        last = cmd_run_line(ctx, line);
        fflush(stdout);
    }
    if (hist_path != NULL) {
        /* Commands may carry what others should not read: the file is
         * created private, and made so if it already existed. */
        mode_t old_mask = umask(077);
        history(hist, &ev, H_SAVE, hist_path);
        umask(old_mask);
        chmod(hist_path, 0600);
        free(hist_path);
    }
    sigaction(SIGINT, &old_sa, NULL);
    history_end(hist);
    el_end(el);
    return (int)last;
}
