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

#include "cmd/complete.h"
#include "cmd/fleet.h"
#include "cmd/histfile.h"
#include "cmd/line.h"
#include "engine/pagenames.h"
#include "transport/transport.h"
#include "util/paths.h"
#include "util/text.h"
#include "util/xmalloc.h"

#define SHELL_HISTORY_SIZE 1000

static volatile sig_atomic_t shell_interrupted;
static struct cmd_ctx *shell_ctx; /* for the completion callback */

static void
shell_on_sigint(int sig)
{
    (void)sig;
    /* A replay onto many drives stops between commands, shows its table,
     * and the shell goes on. */
    if (fleet_interrupt())
        return;
    shell_interrupted = 1;
}

static char *
shell_prompt(EditLine *el)
{
    (void)el;
    return (char *)"modecon> ";
}

static unsigned char
shell_complete(EditLine *el, int ch)
{
    const LineInfo *li = el_line(el);
    static const char *const extra[] = { "quit", NULL };
    struct cmd_completion c;
    (void)ch;

    char *before = xstrndup(li->buffer, (size_t)(li->cursor - li->buffer));
    cmd_complete(shell_ctx, before, extra, &c);
    free(before);
    unsigned char result = CC_ERROR;
    size_t common = cmd_completion_common(&c);
    if (c.n == 1) {
        el_insertstr(el, c.words[0] + c.prefix_len);
        result = CC_REFRESH;
    } else if (c.n > 1 && common > c.prefix_len) {
        /* The longest prefix they share first, then the list. */
        char *more = xstrndup(c.words[0] + c.prefix_len, common - c.prefix_len);
        el_insertstr(el, more);
        free(more);
        result = CC_REFRESH;
    } else if (c.n > 1) {
        fputc('\n', stdout);
        /* Drive names come from files and portals: shown as the output
         * of commands is (util/text.h). */
        for (size_t i = 0; i < c.n; i++) {
            char *word = text_visible(c.words[i], false);
            printf("%s%s", word, i + 1 < c.n ? "  " : "\n");
            free(word);
        }
        result = CC_REDISPLAY;
    }
    cmd_completion_free(&c);
    return result;
}

/* The history file, loaded into 'hist'; NULL (and said once on stderr)
 * when there is none to keep: the shell then goes on without one. */
static char *
shell_history_open(History *hist)
{
    struct err err;
    err_clear(&err);
    char *dir = paths_state_dir(NULL, &err);
    char *path = dir != NULL ? xasprintf("%s/history", dir) : NULL;
    free(dir);
    if (path != NULL && histfile_load(hist, path, &err) != 0) {
        free(path);
        path = NULL;
    }
    if (path == NULL) {
        char *why = text_visible(err.msg, false);
        fprintf(stderr, "modecon: %s; the shell keeps no history\n", why);
        free(why);
    }
    return path;
}

/* Save the history where it was loaded from, saying on stderr when it
 * cannot be. */
static void
shell_history_close(History *hist, char *path)
{
    struct err err;

    if (path == NULL)
        return;
    err_clear(&err);
    if (histfile_save(hist, path, &err) != 0) {
        char *why = text_visible(err.msg, false);
        fprintf(stderr, "modecon: %s; this session's history is lost\n", why);
        free(why);
    }
    free(path);
}

/* The line editor: emacs keys, the history, Tab completing. */
static EditLine *
shell_editor(History *hist)
{
    EditLine *el = el_init("modecon", stdin, stdout, stderr);

    if (el == NULL)
        abort(); /* libedit fails only when out of memory */
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, shell_prompt);
    el_set(el, EL_HIST, history, hist);
    el_set(el, EL_ADDFN, "modecon-complete", "complete a word", shell_complete);
    el_set(el, EL_BIND, "^I", "modecon-complete", NULL);
    return el;
}

/* The next line typed that is not blank, with *skip its leading blanks;
 * NULL at Ctrl-D.  A line Ctrl-C abandoned is skipped. */
static const char *
shell_next_line(EditLine *el, size_t *skip)
{
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
            return NULL;
        }
        /* A Ctrl-C that came while libedit was busy rather than waiting
         * for a key did not end the line: the line is still abandoned,
         * keys typed after it included, so that nothing runs that the
         * user meant to drop. */
        if (shell_interrupted) {
            shell_interrupted = 0;
            fputs("(abandoned by Ctrl-C)\n", stdout);
            explicit_bzero((char *)line, strlen(line));
            continue;
        }
        *skip = strspn(line, " \t");
        if (line[*skip] != '\n' && line[*skip] != '\0')
            return line;
    }
}

/* The staged edits as the console's q names them, shown as the output
 * of commands is (util/text.h): the words are the user's, the drive's
 * name may come from a file. */
static char *
shell_staged(const struct cmd_ctx *ctx)
{
    char *text = cmd_stage_describe(ctx);
    char *shown = text_visible(text, false);

    free(text);
    return shown;
}

/* The answer to a question, a line read from the terminal as it is (the
 * line editor is done with it): whether it starts with y.  End of input
 * or an error is no. */
static bool
shell_answer_yes(void)
{
    char c, first = 0;
    ssize_t n;

    while ((n = read(STDIN_FILENO, &c, 1)) == 1 && c != '\n')
        if (first == 0 && c != ' ' && c != '\t')
            first = c;
    if (n != 1)
        fputc('\n', stdout);
    return first == 'y' || first == 'Y';
}

/* Whether the shell may end, at Ctrl-D or 'quit': staged edits are never
 * dropped unsaid.  On a terminal they are named and y leaves without them
 * (anything else stays, as the console's q does not leave at once); with
 * input that is no terminal (a script piped in), the shell ends with a
 * warning naming them, and *status says it failed. */
static bool
shell_may_leave(const struct cmd_ctx *ctx, bool quit, enum cmd_status *status)
{
    if (ctx->stage_nwords == 0)
        return true;
    char *staged = shell_staged(ctx);
    if (!isatty(STDIN_FILENO)) {
        fflush(stdout);
        fprintf(stderr,
                "modecon: warning: %s: dropped as the shell ends (%s) "
                "before a commit\n",
                staged, quit ? "'quit'" : "its input ended");
        free(staged);
        *status = CMD_FAILED;
        return true;
    }
    printf("%s: leave without them? y leaves; anything else stays (commit "
           "sends them, discard drops them) [y/N] ",
           staged);
    fflush(stdout);
    free(staged);
    bool yes = shell_answer_yes();
    /* A Ctrl-C at the question is a no, not a line to abandon next. */
    shell_interrupted = 0;
    if (yes)
        return true;
    fputs("staying: the edits are still staged\n", stdout);
    return false;
}

int
shell_run(struct cmd_ctx *ctx)
{
    History *hist = history_init();
    struct sigaction sa, old_sa;
    enum cmd_status last = CMD_OK;
    const char *line;
    size_t skip;
    HistEvent ev;

    if (hist == NULL)
        abort(); /* libedit fails only when out of memory */
    shell_ctx = ctx;
    ctx->front = "shell";
    history(hist, &ev, H_SETSIZE, SHELL_HISTORY_SIZE);
    history(hist, &ev, H_SETUNIQUE, 1);
    char *hist_path = shell_history_open(hist);
    EditLine *el = shell_editor(hist);

    /* Ctrl-C abandons the line being typed, not the shell. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = shell_on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);

    for (;;) {
        line = shell_next_line(el, &skip);
        if (line == NULL) {
            if (shell_may_leave(ctx, false, &last))
                break;
            continue;
        }
        /* Passwords in drive URIs never reach the history file. */
        char *clean = transport_redact(line);
        history(hist, &ev, H_ENTER, clean);
        free(clean);
        if (strncmp(line + skip, "quit", 4) == 0 &&
            strspn(line + skip + 4, " \t\n") == strlen(line + skip + 4)) {
            if (shell_may_leave(ctx, true, &last))
                break;
            continue;
        }
        last = cmd_run_line(ctx, line);
        /* The line may hold a password, which the drive's login has
         * taken: libedit hands modecon this buffer and reads it no more
         * (its next line is written afresh). */
        explicit_bzero((char *)line, strlen(line));
        fflush(stdout);
    }
    shell_history_close(hist, hist_path);
    sigaction(SIGINT, &old_sa, NULL);
    history_end(hist);
    el_end(el);
    return (int)last;
}
