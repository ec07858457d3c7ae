/*
 * The console's main loop: wait for a key or a worker, hand keys to the
 * console, draw a frame.  Nothing here waits on a drive.  Ctrl-C, SIGTERM
 * and q end the loop the same way, so the terminal is always restored;
 * ncurses itself handles SIGTSTP (suspend, then redraw on fg) and
 * SIGWINCH (a resize key).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/changes.h"
#include "transport/transport.h"
#include "ui/console.h"
#include "ui/term.h"
#include "ui/view.h"
#include "ui/worker.h"
#include "util/paths.h"
#include "util/xmalloc.h"

static volatile sig_atomic_t ui_signal;

static void
ui_on_signal(int sig)
{
    ui_signal = sig;
}

/* The console's own context reports into the message log. */
static void
ui_out(void *arg, const char *text)
{
    console_log(arg, false, "%s", text);
}

static void
ui_err(void *arg, const char *text)
{
    console_log(arg, true, "%s", text);
}

struct ui_uris {
    char **uris;
    size_t n;
};

static void
ui_add_uri(struct ui_uris *u, const char *uri)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->uris[i], uri) == 0)
            return;
    u->uris = xrealloc(u->uris, (u->n + 1) * sizeof *u->uris);
    u->uris[u->n++] = xstrdup(uri);
}

/* The drives file: one URI a line, '#' comments. */
static void
ui_config_drives(struct console *con, struct ui_uris *u)
{
    char *path = paths_config_file("drives"), line[1024];
    FILE *f = path ? fopen(path, "r") : NULL;
    int lineno = 0;

    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *text = line + strspn(line, " \t");
        text[strcspn(text, "#\r\n")] = '\0';
        size_t len = strlen(text);
        while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
            text[--len] = '\0';
        if (len == 0)
            continue;
        if (!transport_uri_known(text))
            console_log(con, true,
                        "%s:%d: '%s' is not a drive URI: expected emu:NAME "
                        "or emu:PATH.json",
                        path, lineno, text);
        else
            ui_add_uri(u, text);
    }
    if (f != NULL)
        fclose(f);
    free(path);
}

static int
ui_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static bool
ui_any_busy(const struct console *con)
{
    for (size_t i = 0; i < con->ndrives; i++)
        if (con->drives[i].busy)
            return true;
    return false;
}

/* 'console --poll SECONDS' before the drives: taken off the list. */
static int
ui_poll_option(char ***extra, int *nextra, int *poll_ms)
{
    if (*nextra == 0 || strncmp((*extra)[0], "--poll", 6) != 0)
        return 0;
    const char *value = NULL;
    int used = 1;
    if ((*extra)[0][6] == '=')
        value = (*extra)[0] + 7;
    else if ((*extra)[0][6] == '\0' && *nextra > 1) {
        value = (*extra)[1];
        used = 2;
    }
    char *end = NULL;
    double seconds = value != NULL ? strtod(value, &end) : -1;
    if (value == NULL || end == value || *end != '\0' || !(seconds >= 0) ||
        seconds > 3600) {
        fprintf(stderr,
                "modecon: console --poll: expected SECONDS from 0 (never) "
                "to 3600, e.g. --poll 2\n");
        return -1;
    }
    *poll_ms = (int)(seconds * 1000 + 0.5);
    *extra += used;
    *nextra -= used;
    return 0;
}

/* The command line checked before the terminal is taken: 0, or the exit
 * status.  The drives named come out of 'extra', the poll time (or -1,
 * console_init's default) into *poll_ms. */
static int
ui_check_args(char ***extra, int *nextra, int *poll_ms)
{
    *poll_ms = -1;
    if (ui_poll_option(extra, nextra, poll_ms) != 0)
        return 2;
    for (int i = 0; i < *nextra; i++) {
        if (!transport_uri_known((*extra)[i])) {
            fprintf(stderr,
                    "modecon: '%s' is not a drive: expected %s (see "
                    "'modecon list')\n",
                    (*extra)[i], TRANSPORT_URI_FORMS);
            return 2;
        }
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "modecon: the console needs a terminal; 'modecon "
                        "help' lists the commands that do not\n");
        return 2;
    }
    return 0;
}

/* The console with its history file, before any drive. */
static void
ui_console_init(struct console *con, struct cmd_ctx *ctx)
{
    struct err err;

    err_clear(&err);
    /* The console's command history is a file in the state directory.
     * Earlier builds made a directory of that name instead (and so kept
     * no history); an empty one is removed for the file to take its
     * place. */
    char *dir = paths_state_dir(NULL, &err);
    char *history = dir ? xasprintf("%s/console-history", dir) : NULL;
    if (history != NULL)
        rmdir(history);
    console_init(con, ctx, history);
    if (dir == NULL)
        console_log(con, true, "%s; the console's history is not kept",
                    err.msg);
    free(history);
    free(dir);
}

/* Every drive, each once: those named on the command line first (they
 * are the ones wanted), then those found, then the drives file's. */
static void
ui_add_drives(struct console *con, char **extra, int nextra)
{
    struct ui_uris uris = { NULL, 0 };
    struct err err;

    for (int i = 0; i < nextra; i++)
        ui_add_uri(&uris, extra[i]);
    char **found = NULL;
    size_t nfound = 0;
    err_clear(&err);
    if (transport_list_drives(&found, &nfound, &err) == 0) {
        for (size_t i = 0; i < nfound; i++)
            ui_add_uri(&uris, found[i]);
        transport_free_list(found, nfound);
    } else {
        console_log(con, true, "listing drives: %s", err.msg);
    }
    ui_config_drives(con, &uris);
    for (size_t i = 0; i < uris.n; i++) {
        console_add_drive(con, uris.uris[i], true);
        free(uris.uris[i]);
    }
    free(uris.uris);
}

/* The workers' answers taken, and a frame drawn at the terminal's size. */
static void
ui_draw_frame(struct console *con, struct canvas *cv)
{
    int rows, cols, cursor_row = 0, cursor_col = 0;

    con->now = worker_now();
    term_size(&rows, &cols);
    con->screen_rows = rows;
    con->screen_cols = cols;
    console_collect(con);
    if (rows != cv->rows || cols != cv->cols || con->redraw) {
        canvas_fini(cv);
        canvas_init(cv, rows, cols);
        if (con->redraw)
            term_draw(cv, -1, -1); /* a blank frame: all cells again */
        con->redraw = false;
    }
    view_render(con, cv, &cursor_row, &cursor_col);
    term_draw(cv, cursor_row, cursor_col);
}

/* Wait for a key or a worker's note (drained); false when poll fails. */
static bool
ui_wait(const struct console *con, int notify_fd)
{
    struct pollfd pfd[2] = { { term_fd(), POLLIN, 0 },
                             { notify_fd, POLLIN, 0 } };
    /* Busy drives show their elapsed time: tick while any is. */
    int n = poll(pfd, 2, ui_any_busy(con) ? 100 : 500);
    if (n < 0 && errno != EINTR)
        return false;
    if (pfd[1].revents & POLLIN) {
        char drain[64];
        while (read(notify_fd, drain, sizeof drain) > 0)
            ;
    }
    return true;
}

/* A signal caught since the last frame. */
static void
ui_take_signal(struct console *con)
{
    if (ui_signal == 0)
        return;
    int sig = ui_signal;
    ui_signal = 0;
    /* Ctrl-C never waits behind keys typed before it: they are dropped.
     * It leaves a prompt or a dialog first, then the console. */
    if (sig == SIGINT)
        console_drop_typed(con, "Ctrl-C");
    if (sig == SIGINT && con->mode == MODE_FLEET)
        console_fleet_leave(con); /* before y, it says nothing was sent */
    else if (sig == SIGINT && con->mode != MODE_NORMAL)
        con->mode = MODE_NORMAL;
    else
        con->quit = true;
}

/* A MODE SELECT with a drive is waited for, so that its answer reaches
 * the audit log and the undo record; asked again, the console leaves at
 * once.  *leaving: the console is waiting so. */
static void
ui_leave_after_selects(struct console *con, bool *leaving)
{
    if (con->quit && !*leaving && changes_in_flight()) {
        *leaving = true;
        con->quit = false;
        console_drop_typed(con, "leaving");
        console_log(con, true,
                    "waiting for a drive's answer to a MODE SELECT, so "
                    "that it is recorded; q or Ctrl-C again leaves at "
                    "once");
    }
    if (*leaving && !changes_in_flight())
        con->quit = true;
}

/* Frames, keys and answers until the console is left. */
static void
ui_loop(struct console *con, int notify_fd)
{
    int rows, cols;
    struct canvas cv;
    bool leaving = false;

    term_size(&rows, &cols);
    canvas_init(&cv, rows, cols);
    while (!con->quit) {
        ui_draw_frame(con, &cv);
        if (!ui_wait(con, notify_fd))
            break;
        ui_take_signal(con);
        for (int key; !con->quit && (key = term_key()) != TERM_KEY_NONE;) {
            if (key == TERM_KEY_RESIZE)
                term_size(&con->screen_rows, &con->screen_cols);
            else
                console_key(con, key);
        }
        ui_leave_after_selects(con, &leaving);
    }
    term_stop();
    canvas_fini(&cv);
}

int
console_main(struct cmd_ctx *ctx, char **extra, int nextra)
{
    const struct cmd_output *saved_output = ctx->output;
    struct cmd_output output = { ui_out, ui_err, NULL, NULL, NULL };
    struct console con;
    int fds[2], poll_ms;

    setlocale(LC_ALL, "");
    int status = ui_check_args(&extra, &nextra, &poll_ms);
    if (status != 0)
        return status;
    if (ui_pipe(fds) != 0) {
        perror("modecon: pipe");
        return 1;
    }
    ui_console_init(&con, ctx);
    output.arg = &con;
    ctx->output = &output;
    con.notify_fd = fds[1];
    if (poll_ms >= 0)
        con.poll_ms = poll_ms;
    cmd_pagedb(ctx); /* page names for every drive's list */
    ui_add_drives(&con, extra, nextra);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ui_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    const char *no_color = getenv("NO_COLOR");
    if (term_start(no_color != NULL && *no_color != '\0') == 0) {
        ui_loop(&con, fds[0]);
        status = 0;
    } else {
        status = 1;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    console_fini(&con);
    ctx->output = saved_output;
    close(fds[0]);
    close(fds[1]);
    return status;
}
