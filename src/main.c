/* modecon: a console for the mode pages of optical and other SCSI drives. */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/changes.h"
#include "cmd/cmd.h"
#include "cmd/fleet.h"
#include "cmd/line.h"
#include "shell.h"
#include "transport/transport.h"
#include "ui/console.h"
#include "util/text.h"
#include "util/xmalloc.h"

static void
main_out(void *arg, const char *text)
{
    (void)arg;
    fputs(text, stdout);
    fputc('\n', stdout);
}

static void
main_err(void *arg, const char *text)
{
    (void)arg;
    fflush(stdout); /* keep the two streams in order on a terminal */
    fprintf(stderr, "modecon: %s\n", text);
}

/*
 * The command line has no Ctrl-C of its own: SIGINT and SIGTERM end the
 * process as usual, but one that comes while a MODE SELECT is with the
 * drive waits, saying so, until its answer is in the audit log and the
 * undo record, so that they say what the drive did; a second ends it at
 * once.
 */

/* A SIGINT or SIGTERM that came while a MODE SELECT was in flight, or 0. */
static volatile sig_atomic_t main_pending_signal;
/* One that stopped a replay onto many drives, or 0: the process ends by
 * it once the table is out. */
static volatile sig_atomic_t main_fleet_signal;
/* The progress of a replay onto many drives is drawn in place: a line
 * written under it would be drawn over, so the drawing says it. */
static volatile sig_atomic_t main_progress_in_place;

static void
main_die(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
main_on_signal(int sig)
{
    static const char waiting[] =
        "\nmodecon: interrupted while a MODE SELECT is with the drive: "
        "waiting for its answer, so that the audit log and the undo record "
        "say what it did (again to leave at once)\n";

    static const char stopping[] =
        "\nmodecon: interrupted: each drive stops after the command it is "
        "running, and the table follows (again to leave at once)\n";

    /* A replay onto many drives stops between commands and still says
     * what reached each drive. */
    if (main_fleet_signal == 0 && main_pending_signal == 0 &&
        fleet_interrupt()) {
        main_fleet_signal = sig;
        if (!main_progress_in_place) {
            ssize_t ignored =
                write(STDERR_FILENO, stopping, sizeof stopping - 1);
            (void)ignored;
        }
        return;
    }
    /* Raised inside its handler, the signal waits until it returns. */
    if (!changes_in_flight() || main_pending_signal != 0) {
        main_die(sig);
        return;
    }
    main_pending_signal = sig;
    ssize_t ignored = write(STDERR_FILENO, waiting, sizeof waiting - 1);
    (void)ignored;
}

/* The last MODE SELECT in flight is answered and recorded: an
 * interruption that waited for it ends the process now. */
static void
main_on_settled(const char *outcome)
{
    if (main_pending_signal == 0)
        return;
    fprintf(stderr,
            "modecon: the MODE SELECT's outcome (%s) is in the audit "
            "log; stopping as asked\n",
            outcome);
    fflush(NULL);
    main_die(main_pending_signal);
}

static void
main_guard_signals(void)
{
    struct sigaction sa;

    changes_on_settled(main_on_settled);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = main_on_signal;
    /* The wait for the drive goes on after the handler. */
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/*
 * The progress of a replay onto many drives on a terminal (standard
 * error): a line of totals and one per drive, drawn over the last ones
 * in place.  Drives that do not fit the terminal's height are counted,
 * the running ones shown first; no line is longer than the terminal is
 * wide, so that each takes one row to go back over.
 */
static size_t main_progress_drawn; /* rows drawn by the last call */

/* Which rows to show first: running, then those that failed or stopped,
 * then waiting, then the rest. */
static int
main_progress_rank(const struct cmd_progress_row *row)
{
    if (strcmp(row->state, "running") == 0)
        return 0;
    if (strcmp(row->state, "failed") == 0 ||
        strcmp(row->state, "not applied") == 0 ||
        strcmp(row->state, "stopped") == 0)
        return 1;
    return strcmp(row->state, "waiting") == 0 ? 2 : 3;
}

/* 'text' cut to 'width' characters (UTF-8), a line of its own. */
static void
main_progress_line(FILE *out, const char *text, int width)
{
    int chars = 0;
    const char *p = text;

    for (; *p != '\0'; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == width)
            break;
    }
    fprintf(out, "\033[2K%.*s\n", (int)(p - text), text);
}

/* A drive's name in 'width' columns: whole when it fits, else its head
 * and tail around a '~' (as the console cuts names), for drives of one
 * rack differ at the end (a LUN, a file) and at the start (a host). */
static void
main_progress_name(const char *name, int width, char *buf, size_t size)
{
    int len = (int)strlen(name);

    if (len <= width || width < 3) {
        snprintf(buf, size, "%.*s", width, name);
        return;
    }
    int head = (width - 1) / 3, tail = width - 1 - head;
    snprintf(buf, size, "%.*s~%s", head, name, name + len - tail);
}

/* The first 'shown' drives' lines, each cut to 'width': all in their
 * order when they fit, else the running first.  How many were drawn. */
static size_t
main_progress_rows(FILE *out, const struct cmd_progress_row *rows, size_t nrows,
                   size_t shown, int width)
{
    char line[512], name[256];
    int drive_width = 8;

    for (size_t i = 0; i < nrows; i++) {
        int w = (int)strlen(rows[i].drive);
        drive_width = w > drive_width ? w : drive_width;
    }
    drive_width = drive_width < width / 2 ? drive_width : width / 2;
    size_t drawn = 0;
    for (int rank = shown < nrows ? 0 : -1; rank < 4 && drawn < shown; rank++) {
        for (size_t i = 0; i < nrows && drawn < shown; i++) {
            const struct cmd_progress_row *row = &rows[i];
            if (rank >= 0 && main_progress_rank(row) != rank)
                continue;
            main_progress_name(row->drive, drive_width, name, sizeof name);
            snprintf(
                line, sizeof line, "%-*s  %-11s %6.1f s  command %u of %u  %s",
                drive_width, name, row->state, row->elapsed,
                row->command < row->commands ? row->command : row->commands,
                row->commands, row->doing);
            main_progress_line(out, line, width);
            drawn++;
        }
        if (rank < 0)
            break;
    }
    return drawn;
}

static void
main_progress(void *arg, const struct cmd_progress_row *rows, size_t nrows,
              bool final)
{
    struct winsize ws;
    int width = 80, height = 24;
    size_t counts[4] = { 0 };
    char *text = NULL, line[512];
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    (void)arg;
    if (out == NULL)
        return;
    /* From now until the last drawing, a Ctrl-C is said by the drawing
     * (main_on_signal). */
    main_progress_in_place = !final;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
        ws.ws_row > 0) {
        width = ws.ws_col;
        height = ws.ws_row;
    }
    width = width > 1 ? width - 1 : 1;
    if (main_progress_drawn > 0)
        fprintf(out, "\r\033[%zuA", main_progress_drawn);
    for (size_t i = 0; i < nrows; i++)
        counts[main_progress_rank(&rows[i])]++;
    /* An interruption is said in the drawing, which would draw over a
     * line written under it. */
    bool stopping = fleet_stopping();
    /* Room for the totals, the interruption and a line for the cursor. */
    size_t above = stopping ? 2 : 1;
    size_t room = height > (int)above + 2 ? (size_t)height - above - 1 : 1;
    size_t shown = nrows < room ? nrows : room;
    snprintf(line, sizeof line,
             "replay: %zu drive%s: %zu running, %zu waiting, %zu failed or "
             "stopped, %zu done%s",
             nrows, nrows == 1 ? "" : "s", counts[0], counts[2], counts[1],
             counts[3], shown < nrows ? " (the running ones first)" : "");
    main_progress_line(out, line, width);
    if (stopping)
        main_progress_line(out,
                           "interrupted: each drive stops after the command "
                           "it is running",
                           width);
    size_t drawn = main_progress_rows(out, rows, nrows, shown, width);
    /* Rows of a longer last drawing are cleared. */
    for (size_t i = drawn + above; i < main_progress_drawn; i++)
        fputs("\033[2K\n", out);
    size_t lines = drawn + above > main_progress_drawn ? drawn + above
                                                       : main_progress_drawn;
    fclose(out);
    fflush(stdout);
    fputs(text, stderr);
    fflush(stderr);
    free(text);
    main_progress_drawn = final ? 0 : lines;
}

#define MAIN_INPUT_MAX (1u << 20)

static char *
main_read_input(void *arg, struct err *err)
{
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);

    (void)arg;
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len - 1, stdin);
        len += n;
        if (len > MAIN_INPUT_MAX) {
            free(buf);
            err_usage(err, "standard input: more than %u bytes",
                      MAIN_INPUT_MAX);
            return NULL;
        }
        if (n == 0)
            break;
        /* Room for one byte past the limit, so that input of exactly
         * the limit is read whole and one byte more is seen. */
        if (len + 1 == cap) {
            cap = cap * 2 > MAIN_INPUT_MAX + 2 ? MAIN_INPUT_MAX + 2 : cap * 2;
            buf = xrealloc(buf, cap);
        }
    }
    if (ferror(stdin)) {
        free(buf);
        err_usage(err, "standard input: %s", strerror(errno));
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static bool main_batch;

/* In batch mode a program reads one stream: diagnostics go inside the
 * command's %begin/%end block on standard output. */
static void
main_err_batch(void *arg, const char *text)
{
    (void)arg;
    printf("%s\n", text);
}

/*
 * A CHAP password for a drive that the URI, the environment and the file
 * do not give: asked on the terminal, without echo, as ssh and sudo ask.
 * Not in the console, which owns the terminal.
 */
static int
main_ask_password(const char *who, char *buf, size_t len)
{
    struct termios old, quiet;
    size_t n = 0;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    bool done = false;

    if (fd < 0)
        return -1;
    if (tcgetattr(fd, &old) != 0) {
        close(fd);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ICANON;
    fflush(stdout);
    dprintf(fd, "CHAP password for %s: ", who);
    tcsetattr(fd, TCSAFLUSH, &quiet);
    while (!done) {
        char c;
        ssize_t got = read(fd, &c, 1);
        if (got <= 0 || c == '\n' || c == '\r')
            done = true;
        else if (n + 1 < len)
            buf[n++] = c;
    }
    buf[n] = '\0';
    tcsetattr(fd, TCSAFLUSH, &old);
    dprintf(fd, "\n");
    close(fd);
    return 0;
}

/*
 * Every user of the machine reads a process's argv (ps, /proc/PID/cmdline):
 * a CHAP password in it is overwritten at once, and modecon runs on copies
 * (which give theirs to the drives' logins, see cmd_run_argv).  Returns
 * the copies; *exposed tells whether there was a password.
 */
static char **
main_hide_passwords(int argc, char **argv, bool *exposed)
{
    char **copies = xcalloc((size_t)argc + 1, sizeof *copies);

    *exposed = false;
    for (int i = 0; i < argc; i++) {
        copies[i] = xstrdup(argv[i]);
        char *shown = transport_redact(argv[i]);
        if (strcmp(shown, argv[i]) != 0) {
            explicit_bzero(argv[i], strlen(argv[i]));
            memcpy(argv[i], shown, strlen(shown));
            *exposed = true;
        }
        free(shown);
    }
    return copies;
}

static void
main_free_copies(int argc, char **copies)
{
    for (int i = 0; i < argc; i++) {
        explicit_bzero(copies[i], strlen(copies[i]));
        free(copies[i]);
    }
    free(copies);
}

static bool
main_takes_value(const char *name)
{
    for (size_t i = 0; cmd_global_options[i].name != NULL; i++)
        if (strcmp(name, cmd_global_options[i].name) == 0)
            return cmd_global_options[i].has_arg;
    return false;
}

static int main_run(int argc, char **argv, bool exposed);

int
main(int argc, char **argv)
{
    bool exposed;
    const char *env_password = getenv("MODECON_ISCSI_PASSWORD");
    const char *libiscsi_password = getenv("LIBISCSI_CHAP_PASSWORD");
    char **copies = main_hide_passwords(argc, argv, &exposed);

    /* Every message from here on quotes clean words (an unknown option,
     * a word left over, a bad option value): each copy gives its
     * password to the drives' logins now.  Not the line after -c, whose
     * words are unquoted first (a password may hold a quote) and taken
     * one by one when the line runs. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(copies[i - 1], "-c") == 0)
            continue;
        transport_take_secrets(copies[i]);
        /* A word that only looks like a URI ("scsi://u%PW@h", a typo)
         * names no drive to log in to: it runs as ps shows it. */
        if (strcmp(copies[i], argv[i]) != 0) {
            explicit_bzero(copies[i], strlen(copies[i]));
            free(copies[i]);
            copies[i] = xstrdup(argv[i]);
        }
    }
    if (exposed || (env_password != NULL && env_password[0] != '\0') ||
        (libiscsi_password != NULL && libiscsi_password[0] != '\0'))
        transport_hold_secret();
    /* Option parsing moves the words about: modecon runs on a list of
     * its own, and frees each copy once. */
    char **words = xcalloc((size_t)argc + 1, sizeof *words);
    memcpy(words, copies, (size_t)argc * sizeof *words);
    int status = main_run(argc, words, exposed);

    free(words);
    main_free_copies(argc, copies);
    return status;
}

/* The options before the command: -c LINE (*script), --batch, the global
 * ones; *first moves past them.  1 when an option did all there is to do
 * (--version, --help) with its exit status in *status; -1 with err set on
 * a usage error. */
static int
main_options(struct cmd_ctx *ctx, struct cmd_output *output, int argc,
             char **argv, int *first, const char **script, int *status,
             struct err *err)
{
    while (*first < argc && argv[*first][0] == '-' &&
           strcmp(argv[*first], "-") != 0) {
        const char *word = argv[*first];
        if (strcmp(word, "--version") == 0) {
            printf("modecon %s\n", MODECON_VERSION);
            *status = 0;
            return 1;
        }
        if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
            char *help[] = { (char *)"help", NULL };
            *status = (int)cmd_run_argv(ctx, 1, help);
            return 1;
        }
        if (strcmp(word, "--batch") == 0) {
            main_batch = ctx->batch = true;
            output->err = main_err_batch;
            (*first)++;
            continue;
        }
        if (strcmp(word, "-c") == 0) {
            if (*first + 1 >= argc)
                return err_usage(err, "-c needs a line of commands");
            *script = argv[*first + 1];
            *first += 2;
            continue;
        }
        if (strncmp(word, "--", 2) != 0)
            return err_usage(err, "unknown option '%s' (see 'modecon help')",
                             word);
        const char *name = word + 2, *eq = strchr(name, '=');
        char key[32];
        snprintf(key, sizeof key, "%.*s",
                 (int)(eq ? (size_t)(eq - name) : strlen(name)), name);
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL && main_takes_value(key)) {
            if (*first + 1 >= argc)
                return err_usage(err, "--%s needs a value", key);
            value = argv[++*first];
        }
        if (cmd_global_option(ctx, key, value ? value : "", err) != 0)
            return -1;
        (*first)++;
    }
    return 0;
}

/* 'modecon shell' or 'modecon console DRIVE...' (argv[0]), with the
 * global options among their arguments too, as every command takes them;
 * -1 with err set on a usage error. */
static int
main_front_end(struct cmd_ctx *ctx, int argc, char **argv, int *status,
               struct err *err)
{
    int nrest = argc - 1;

    if (cmd_take_global_options(ctx, argv[0], &nrest, argv + 1, err) != 0)
        return -1;
    if (strcmp(argv[0], "console") == 0) {
        /* The console owns the terminal once it starts: a password that
         * must be asked for is asked first. */
        for (int i = 1; i < 1 + nrest; i++) {
            transport_take_secrets(argv[i]);
            transport_ask_secret(argv[i]);
        }
        transport_set_password_prompt(NULL);
        *status = console_main(ctx, argv + 1, nrest);
        return 0;
    }
    if (nrest > 0)
        return err_usage(err, "shell takes no arguments but global options");
    *status = shell_run(ctx);
    return 0;
}

/* Edits the -c line staged and did not send end with it: said on
 * stderr (in --batch too, outside the commands' blocks), without failing
 * the line, which may be a preview ('edit ...; diff'). */
static void
main_note_staged(const struct cmd_ctx *ctx)
{
    char *staged = cmd_stage_describe(ctx);

    if (staged == NULL)
        return;
    char *shown = text_visible(staged, false);
    fflush(stdout);
    fprintf(stderr,
            "modecon: note: %s: they end with the -c line (commit in the "
            "line sends them)\n",
            shown);
    free(shown);
    free(staged);
}

/* What the words after the options ask for: the -c line, a front end, or
 * a command; with none, the console on a terminal and help elsewhere. */
static int
main_dispatch(struct cmd_ctx *ctx, int argc, char **argv, int first,
              const char *script, int *status, struct err *err)
{
    if (script != NULL) {
        if (first < argc)
            return err_usage(err, "-c takes the whole line: '%s' is left over",
                             argv[first]);
        main_guard_signals();
        *status = (int)cmd_run_line(ctx, script);
        main_note_staged(ctx);
    } else if (first < argc && (strcmp(argv[first], "shell") == 0 ||
                                strcmp(argv[first], "console") == 0)) {
        return main_front_end(ctx, argc - first, argv + first, status, err);
    } else if (first >= argc && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        transport_set_password_prompt(NULL);
        *status = console_main(ctx, NULL, 0);
    } else if (first >= argc) {
        /* No terminal for the console: say what else there is. */
        char *help[] = { (char *)"help", NULL };
        cmd_run_argv(ctx, 1, help);
        *status = CMD_USAGE;
    } else {
        main_guard_signals();
        ctx->lone_command = true;
        *status = (int)cmd_run_argv(ctx, argc - first, argv + first);
    }
    return 0;
}

static int
main_run(int argc, char **argv, bool exposed)
{
    struct cmd_output output = {
        .out = main_out,
        .err = main_err,
        .read_input = main_read_input,
        .arg = NULL,
    };
    const char *script = NULL;
    struct cmd_ctx ctx;
    struct err err;
    int first = 1, status = 0;

    err_clear(&err);
    cmd_ctx_init(&ctx, &output);
    if (exposed)
        cmd_warn(&ctx,
                 "a CHAP password was on the command line, where other "
                 "users of this machine could read it until modecon hid "
                 "it: give it in a file of mode 0600 named by "
                 "MODECON_ISCSI_PASSWORD_FILE, in MODECON_ISCSI_PASSWORD, "
                 "or at the prompt (docs/drives.md: CHAP passwords)");
    transport_set_password_prompt(main_ask_password);
    int rc =
        main_options(&ctx, &output, argc, argv, &first, &script, &status, &err);
    /* Progress drawn in place needs a terminal to draw on and a reader
     * at it; a program reading --batch output gets plain lines. */
    const char *term = getenv("TERM");
    if (!main_batch && isatty(STDERR_FILENO) && term != NULL &&
        strcmp(term, "dumb") != 0)
        output.progress = main_progress;
    if (rc == 0)
        rc = main_dispatch(&ctx, argc, argv, first, script, &status, &err);
    if (rc < 0)
        status = (int)cmd_error(&ctx, &err);
    /* Interrupted, a replay onto many drives still showed its table; the
     * process ends as the signal asks, so that the shell sees it. */
    if (main_fleet_signal != 0 && fleet_interrupted()) {
        fflush(NULL);
        main_die(main_fleet_signal);
    }
    cmd_ctx_fini(&ctx);
    if (rc == 0)
        fflush(stdout);
    return status;
}
