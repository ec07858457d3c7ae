/*
 * What the engine and the command layer cost over the raw transport.
 *
 * One cycle is a technician's edit: get a page, set it with one changeable
 * bit flipped (read current and changeable values, send MODE SELECT, read
 * the page back).  Three paths run it:
 *   raw       the same five CDBs straight through the transport;
 *   engine    recorder_get_mode_page and recorder_set_mode_page, with no
 *             record of changes: the engine's own work;
 *   commands  "get" and "set" through the command layer, which also keeps
 *             the undo record and the audit log (the durable writes).
 * All three run in one process on one open drive (one initiator, so none
 * sees another's changes as a UNIT ATTENTION), interleaved in rounds of 20
 * cycles, each path first in turn, so that disk and cache effects fall on
 * all alike; each ratio is the median of the rounds' ratios, which a stray
 * slow round does not move.  Every path sends the same five CDBs a cycle
 * (BENCH_TRACE shows them), so a ratio is the cost of the layers alone.
 *
 * The engine's own cost is CPU time, CLOCK_PROCESS_CPUTIME_ID: it counts
 * every thread of the process (a transport may work on a thread of its
 * own) to the nanosecond, and leaves out the time spent waiting for the
 * disk to flush and for the other programs on the machine, which is what
 * makes wall-clock figures wander.  Wall-clock ratios are printed too:
 * they are what a user waits for, flushes included.
 *
 * The durable writes are counted per MODE SELECT (bytes written, flushes
 * of files and directories), for the first and the last tenth of the
 * rounds apart: the undo record keeps 32 commands per drive, and a long
 * run shows whether its cost grows with the record.
 *
 * usage: bench_engine_overhead [CYCLES] [DRIVE] [raw|engine|commands]
 *   (default 2000 emu:dvd-writer, all paths; naming one path runs only it,
 *   for profiling each under callgrind).  BENCH_TRACE=FILE traces every
 *   CDB of every path to FILE, as --trace does (and costs as much).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cmd/changes.h"
#include "cmd/cmd.h"
#include "engine/scsi.h"
#include "util/applog.h"
#include "util/hex.h"

enum {
    PATH_RAW,
    PATH_ENGINE,
    PATH_COMMANDS,
    PATHS
};
static const char *const path_names[PATHS] = { "raw", "engine", "commands" };
static const char *const path_labels[PATHS] = { "raw transport", "engine",
                                                "engine + commands" };

enum {
    CYCLES_PER_ROUND = 20
};

/* The drive and the two versions of page 05 every path writes in turn:
 * as it was, and with one changeable bit flipped, so that every set
 * really changes the drive. */
struct bench_drive {
    const char *uri;
    struct cmd_ctx ctx;
    struct recorder *rec;
    struct transport *tp;
    uint8_t *page[2];
    size_t len;
    char *hex[2];
};

/* Seconds of one round of one path, on both clocks. */
struct bench_time {
    double wall, cpu;
};

/* What the command path's rounds wrote to the logs, and their CPU time,
 * which parsing the record back would make grow with it. */
struct bench_writes {
    unsigned long long bytes, flushes;
    long selects;
    double cpu;
};

struct bench_run {
    long rounds;
    bool run[PATHS];
    struct bench_time total[PATHS];
    /* Per round: the ratio of engine and commands to raw, per clock. */
    double *wall_ratio[PATHS], *cpu_ratio[PATHS];
    /* Per round of the command path. */
    struct bench_writes *writes;
};

static void
bench_check(int rc, const char *what, const struct err *err)
{
    if (rc != 0) {
        fprintf(stderr, "bench: %s failed: %s\n", what, err->msg);
        exit(1);
    }
}

static double
bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_raw_exec(struct transport *tp, struct scsi_io *io)
{
    struct err err;

    err_clear(&err);
    bench_check(transport_exec(tp, io, &err), "raw command", &err);
    if (io->status != SCSI_STATUS_GOOD) {
        fprintf(stderr, "bench: raw command 0x%02x answered status 0x%02x\n",
                io->cdb[0], io->status);
        exit(1);
    }
}

/* The engine's CDBs for one cycle, without the engine. */
static void
bench_raw_cycle(struct transport *tp, const uint8_t *page, size_t len)
{
    uint8_t buf[512], list[8 + 256] = { 0 };
    struct scsi_io io;

    for (int pc = 0; pc < 3; pc++) { /* get; then current, changeable */
        memset(&io, 0, sizeof io);
        scsi_build_mode_sense10(&io, pc == 2 ? 1 : 0, 0x05, 0, true, buf,
                                sizeof buf);
        bench_raw_exec(tp, &io);
    }
    memcpy(list + 8, page, len);
    list[8] &= 0x7f;
    memset(&io, 0, sizeof io);
    scsi_build_mode_select10(&io, false, list, (uint16_t)(8 + len));
    bench_raw_exec(tp, &io);
    memset(&io, 0, sizeof io); /* read back */
    scsi_build_mode_sense10(&io, 0, 0x05, 0, true, buf, sizeof buf);
    bench_raw_exec(tp, &io);
}

/* GetModePage, then SetModePage with read-back, as a program linking the
 * engine does. */
static void
bench_engine_cycle(struct recorder *rec, const uint8_t *page, size_t len)
{
    struct set_options opts = { .verify = true };
    struct set_report rep = { 0 };
    struct err err;
    uint8_t *got;
    size_t got_len;

    err_clear(&err);
    bench_check(recorder_get_mode_page(rec, 0x05, 0, MODE_REQUEST_CURRENT, &got,
                                       &got_len, &err),
                "engine get", &err);
    free(got);
    bench_check(recorder_set_mode_page(rec, MODE_REQUEST_CURRENT, page, len,
                                       &opts, &rep, &err),
                "engine set", &err);
    set_report_fini(&rep);
}

static void
bench_command_cycle(struct cmd_ctx *ctx, const char *drive, char *hex)
{
    char *get[] = { (char *)"get", (char *)drive, (char *)"5", NULL };
    char *set[] = { (char *)"set",    (char *)drive, (char *)"5",
                    (char *)"--data", hex,           NULL };

    if (cmd_run_argv(ctx, 3, get) != CMD_OK ||
        cmd_run_argv(ctx, 5, set) != CMD_OK) {
        fprintf(stderr, "bench: command cycle failed\n");
        exit(1);
    }
}

static void
bench_drive_open(struct bench_drive *d, const char *uri)
{
    static const struct cmd_output output = { bench_discard, bench_complain,
                                              NULL, NULL, NULL };
    struct err err;
    uint8_t *chg;
    size_t chg_len;

    d->uri = uri;
    err_clear(&err);
    cmd_ctx_init(&d->ctx, &output);
    d->ctx.trace_path = getenv("BENCH_TRACE"); /* checking the CDBs sent */
    bench_check(cmd_open_drive(&d->ctx, uri, &d->rec, &err), "open", &err);
    d->tp = recorder_transport(d->rec);
    bench_check(recorder_get_mode_page(d->rec, 0x05, 0, MODE_REQUEST_CURRENT,
                                       &d->page[0], &d->len, &err),
                "get", &err);
    bench_check(recorder_get_mode_page(d->rec, 0x05, 0, MODE_REQUEST_CHANGEABLE,
                                       &chg, &chg_len, &err),
                "get changeable", &err);
    d->page[1] = malloc(d->len);
    memcpy(d->page[1], d->page[0], d->len);
    for (size_t i = 2; i < d->len && i < chg_len; i++) {
        if (chg[i] != 0) {
            d->page[1][i] ^= (uint8_t)(chg[i] & -chg[i]);
            break;
        }
    }
    free(chg);
    d->hex[0] = hex_format(d->page[0], d->len, 16);
    d->hex[1] = hex_format(d->page[1], d->len, 16);
}

static void
bench_drive_close(struct bench_drive *d)
{
    cmd_ctx_fini(&d->ctx);
    for (int v = 0; v < 2; v++) {
        free(d->hex[v]);
        free(d->page[v]);
    }
}

/* 'cycles' cycles of one path; what they took on both clocks. */
static struct bench_time
bench_path_round(struct bench_drive *d, int path, long cycles)
{
    static const struct recorder_hooks no_record = { 0 };
    struct bench_time t = { -bench_now(), -bench_cpu_now() };

    /* The engine path keeps no record of its changes: that is the
     * command layer's, which the command path measures. */
    if (path == PATH_ENGINE)
        recorder_set_hooks(d->rec, &no_record);
    for (long i = 0; i < cycles; i++) {
        int v = (int)((i + 1) % 2);
        if (path == PATH_RAW)
            bench_raw_cycle(d->tp, d->page[v], d->len);
        else if (path == PATH_ENGINE)
            bench_engine_cycle(d->rec, d->page[v], d->len);
        else
            bench_command_cycle(&d->ctx, d->uri, d->hex[v]);
    }
    t.wall += bench_now();
    t.cpu += bench_cpu_now();
    if (path == PATH_ENGINE)
        changes_watch(&d->ctx, d->rec);
    return t;
}

/* One round: each path in turn, the same cycles.  Which path goes first
 * turns round by round: the one after the command path runs while the
 * disk still writes out its flushes, and with caches it evicted. */
static void
bench_round(struct bench_run *run, struct bench_drive *d, long r, long cycles)
{
    struct bench_time t[PATHS] = { { 0, 0 } };

    for (int turn = 0; turn < PATHS; turn++) {
        int p = (int)((r + turn) % PATHS);
        if (!run->run[p])
            continue;
        struct applog_counts before, after;
        applog_counts(&before);
        t[p] = bench_path_round(d, p, cycles);
        applog_counts(&after);
        run->total[p].wall += t[p].wall;
        run->total[p].cpu += t[p].cpu;
        if (p == PATH_COMMANDS) {
            run->writes[r].bytes = after.bytes - before.bytes;
            run->writes[r].flushes = after.flushes - before.flushes;
            run->writes[r].selects = cycles; /* one set per cycle */
            run->writes[r].cpu = t[p].cpu;
        }
    }
    for (int p = PATH_ENGINE; p < PATHS && run->run[PATH_RAW]; p++) {
        if (run->run[p]) {
            run->wall_ratio[p][r] = t[p].wall / t[PATH_RAW].wall;
            run->cpu_ratio[p][r] = t[p].cpu / t[PATH_RAW].cpu;
        }
    }
}

static int
bench_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The middle value; of an even count, the mean of the two middle ones. */
static double
bench_median(double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, bench_compare);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Bytes and flushes per MODE SELECT over rounds [from, to). */
static void
bench_print_writes(const char *label, const struct bench_writes *w, long from,
                   long to)
{
    struct bench_writes sum = { 0, 0, 0, 0 };

    for (long r = from; r < to; r++) {
        sum.cpu += w[r].cpu;
        sum.bytes += w[r].bytes;
        sum.flushes += w[r].flushes;
        sum.selects += w[r].selects;
    }
    printf("%-26s %.0f bytes written, %.2f flushes, %.1f us CPU  (%ld MODE "
           "SELECTs)\n",
           label, (double)sum.bytes / (double)sum.selects,
           (double)sum.flushes / (double)sum.selects,
           sum.cpu / (double)sum.selects * 1e6, sum.selects);
}

static void
bench_report(struct bench_run *run, const char *drive, long cycles)
{
    printf("drive                      %s\n", drive);
    printf("cycles                     %ld (get + set + read-back, 5 CDBs "
           "on the raw path), rounds of %d\n",
           cycles, CYCLES_PER_ROUND);
    for (int p = 0; p < PATHS; p++) {
        if (run->run[p])
            printf("%-26s %7.1f us wall, %7.1f us CPU a cycle\n",
                   path_labels[p], run->total[p].wall / (double)cycles * 1e6,
                   run->total[p].cpu / (double)cycles * 1e6);
    }
    for (int p = PATH_ENGINE; p < PATHS && run->run[PATH_RAW]; p++) {
        if (!run->run[p])
            continue;
        printf("%-9s/ raw, CPU       median %.3f, totals %.3f%s\n",
               path_names[p], bench_median(run->cpu_ratio[p], run->rounds),
               run->total[p].cpu / run->total[PATH_RAW].cpu,
               p == PATH_ENGINE ? "  (goal: at most 1.05)" : "");
        printf("%-9s/ raw, wall      median %.3f, totals %.3f\n", path_names[p],
               bench_median(run->wall_ratio[p], run->rounds),
               run->total[p].wall / run->total[PATH_RAW].wall);
    }
    if (run->run[PATH_COMMANDS]) {
        long tenth = run->rounds >= 10 ? run->rounds / 10 : 1;
        bench_print_writes("per MODE SELECT, all", run->writes, 0, run->rounds);
        bench_print_writes("  first tenth of rounds", run->writes, 0, tenth);
        bench_print_writes("  last tenth of rounds", run->writes,
                           run->rounds - tenth, run->rounds);
    }
}

static void
bench_run_init(struct bench_run *run, long cycles, const char *only)
{
    memset(run, 0, sizeof *run);
    run->rounds = (cycles + CYCLES_PER_ROUND - 1) / CYCLES_PER_ROUND;
    for (int p = 0; p < PATHS; p++) {
        run->run[p] = *only == '\0' || strcmp(only, path_names[p]) == 0;
        run->wall_ratio[p] = calloc((size_t)run->rounds, sizeof(double));
        run->cpu_ratio[p] = calloc((size_t)run->rounds, sizeof(double));
    }
    run->writes = calloc((size_t)run->rounds, sizeof *run->writes);
}

static void
bench_run_fini(struct bench_run *run)
{
    for (int p = 0; p < PATHS; p++) {
        free(run->wall_ratio[p]);
        free(run->cpu_ratio[p]);
    }
    free(run->writes);
}

int
main(int argc, char **argv)
{
    long cycles = argc > 1 ? atol(argv[1]) : 2000;
    const char *drive = argc > 2 ? argv[2] : "emu:dvd-writer";
    const char *only = argc > 3 ? argv[3] : "";
    char state[] = "/tmp/modecon-bench-XXXXXX";
    struct bench_drive d;
    struct bench_run run;

    if (cycles < 1 ||
        (*only != '\0' && strcmp(only, "raw") != 0 &&
         strcmp(only, "engine") != 0 && strcmp(only, "commands") != 0)) {
        fprintf(stderr, "usage: bench_engine_overhead [CYCLES>=1] [DRIVE] "
                        "[raw|engine|commands]\n");
        return 2;
    }
    if (getenv("XDG_STATE_HOME") == NULL && mkdtemp(state) != NULL)
        setenv("XDG_STATE_HOME", state, 1);

    bench_drive_open(&d, drive);
    bench_run_init(&run, cycles, only);
    for (long r = 0, left = cycles; r < run.rounds; r++) {
        long n = left < CYCLES_PER_ROUND ? left : CYCLES_PER_ROUND;
        bench_round(&run, &d, r, n);
        left -= n;
    }
    bench_report(&run, drive, cycles);
    bench_run_fini(&run);
    bench_drive_close(&d);
    return 0;
}
