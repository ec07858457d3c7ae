/*
 * A 10,000-command replay against an emulated drive: commands per second
 * and time per command for reads (get) and for changes (set with read-back
 * verification), and what share of a command parsing and dispatch take
 * (splitting the line with libedit's tokenizer and finding the command).
 *
 * usage: bench_replay [COMMANDS] [DRIVE]   (default 10000 emu:dvd-writer)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cmd/cmd.h"
#include "cmd/line.h"

/* A replay file of 'n' lines made by 'line'; returns its path. */
static char *
bench_file(const char *dir, const char *name, long n,
           void (*line)(FILE *, long, const char *), const char *drive)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    for (long i = 0; i < n; i++)
        line(f, i, drive);
    fclose(f);
    return path;
}

static void
bench_get_line(FILE *f, long i, const char *drive)
{
    fprintf(f, "get %s %s\n", drive, i % 2 ? "write-parameters" : "8");
}

static void
bench_set_line(FILE *f, long i, const char *drive)
{
    fprintf(f, "set %s caching RCD=%ld\n", drive, i % 2);
}

/* Seconds to replay 'path' in a fresh context. */
static double
bench_replay(const char *path)
{
    static const struct cmd_output output = { bench_discard, bench_complain,
                                              NULL, NULL, NULL };
    char *argv[] = { (char *)"replay", (char *)path, NULL };
    struct cmd_ctx ctx;

    cmd_ctx_init(&ctx, &output);
    double t0 = bench_now();
    if (cmd_run_argv(&ctx, 2, argv) != CMD_OK) {
        fprintf(stderr, "bench: replay %s failed\n", path);
        exit(1);
    }
    double t = bench_now() - t0;
    cmd_ctx_fini(&ctx);
    return t;
}

/* Seconds to split every line and find its command, without running:
 * the lines are read first and the loop is timed as a whole, so that the
 * clock is not read twice a line. */
static double
bench_parse(const char *path)
{
    FILE *f = fopen(path, "r");
    char **lines = NULL, buf[256];
    size_t n = 0;
    struct err err;

    while (fgets(buf, sizeof buf, f) != NULL) {
        lines = realloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = strdup(buf);
    }
    fclose(f);
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        struct cmd_line parsed;
        err_clear(&err);
        if (cmd_line_parse(lines[i], &parsed, &err) != 0 ||
            cmd_find(parsed.cmds[0].argv[0], &err) == NULL)
            bench_complain(NULL, err.msg);
        cmd_line_free(&parsed);
    }
    double t = bench_now() - t0;
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    return t;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    const char *drive = argc > 2 ? argv[2] : "emu:dvd-writer";
    char dir[] = "/tmp/modecon-bench-replay-XXXXXX";

    if (n < 2 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "usage: bench_replay [COMMANDS>=2] [DRIVE]\n");
        return 2;
    }
    if (getenv("XDG_STATE_HOME") == NULL)
        setenv("XDG_STATE_HOME", dir, 1);
    char *gets = bench_file(dir, "gets.cmd", n / 2, bench_get_line, drive);
    char *sets = bench_file(dir, "sets.cmd", n - n / 2, bench_set_line, drive);

    double t_get = bench_replay(gets), t_set = bench_replay(sets);
    double p_get = bench_parse(gets), p_set = bench_parse(sets);
    long n_get = n / 2, n_set = n - n / 2;

    printf("drive                  %s\n", drive);
    printf("commands               %ld (%ld get, %ld set with read-back)\n", n,
           n_get, n_set);
    printf("whole replay           %.0f commands/s\n", n / (t_get + t_set));
    printf("get                    %.1f us/command\n", t_get / n_get * 1e6);
    printf("set + verify           %.1f us/command\n", t_set / n_set * 1e6);
    printf("parse and dispatch     %.2f us/command: %.2f%% of a get, %.2f%% "
           "of a set (goal: under 5%%)\n",
           (p_get + p_set) / n * 1e6, p_get / t_get * 100, p_set / t_set * 100);
    unlink(gets);
    unlink(sets);
    free(gets);
    free(sets);
    return 0;
}
