/*
 * What the engine and the command layer cost over the raw transport.
 *
 * One cycle is a technician's edit: get a page, set it with one changeable
 * bit flipped (the engine reads current and changeable values, sends MODE
 * SELECT and reads the page back).  The command path runs it as "get" and
 * "set" through the command layer; the raw path sends the same five CDBs
 * straight through the transport.  Both run in one process, interleaved in
 * rounds of 20 cycles so that disk and cache effects fall on both alike;
 * the figure is the median of the rounds' ratios, which a stray slow
 * rename of the emulator's state file does not move.
 *
 * usage: bench_engine_overhead [CYCLES] [DRIVE] [raw|commands]
 *   (default 2000 emu:dvd-writer, both paths; naming one path runs only it,
 *   for profiling each under callgrind)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cmd/cmd.h"
#include "engine/scsi.h"
#include "util/applog.h"
#include "util/hex.h"

static void
bench_check(int rc, const char *what, const struct err *err)
{
    if (rc != 0) {
        fprintf(stderr, "bench: %s failed: %s\n", what, err->msg);
        exit(1);
    }
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
bench_raw_cycle(struct transport *tp, uint8_t *page, size_t len)
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

int
main(int argc, char **argv)
{
    static const struct cmd_output output = { bench_discard, bench_complain,
                                              NULL, NULL };
    long cycles = argc > 1 ? atol(argv[1]) : 2000;
    const char *drive = argc > 2 ? argv[2] : "emu:dvd-writer";
    const char *only = argc > 3 ? argv[3] : "";
    bool run_raw = strcmp(only, "commands") != 0;
    bool run_commands = strcmp(only, "raw") != 0;
    char state[] = "/tmp/modecon-bench-XXXXXX";
    struct recorder *rec;
    struct cmd_ctx ctx;
    struct err err;
    uint8_t *page[2], *chg;
    size_t len, chg_len;
    char *hex[2];

    if (cycles < 20) {
        fprintf(stderr, "usage: bench_engine_overhead [CYCLES>=20] [DRIVE] "
                        "[raw|commands]\n");
        return 2;
    }
    if (getenv("XDG_STATE_HOME") == NULL && mkdtemp(state) != NULL)
        setenv("XDG_STATE_HOME", state, 1);

    /* Two versions of page 05: as it is, and with one changeable bit
     * flipped, so that every set really changes the drive. */
    /* Both paths share the drive the command layer keeps open: one
     * initiator, so neither sees the other's changes as a UNIT ATTENTION. */
    err_clear(&err);
    cmd_ctx_init(&ctx, &output);
    bench_check(cmd_open_drive(&ctx, drive, &rec, &err), "open", &err);
    bench_check(recorder_get_mode_page(rec, 0x05, 0, MODE_REQUEST_CURRENT,
                                       &page[0], &len, &err),
                "get", &err);
    bench_check(recorder_get_mode_page(rec, 0x05, 0, MODE_REQUEST_CHANGEABLE,
                                       &chg, &chg_len, &err),
                "get changeable", &err);
    page[1] = malloc(len);
    memcpy(page[1], page[0], len);
    for (size_t i = 2; i < len; i++) {
        if (chg[i] != 0) {
            page[1][i] ^= (uint8_t)(chg[i] & -chg[i]);
            break;
        }
    }
    hex[0] = hex_format(page[0], len, 16);
    hex[1] = hex_format(page[1], len, 16);
    struct transport *tp = recorder_transport(rec);

    long per_round = 20, rounds = cycles / per_round;
    struct applog_counts logged0, logged1;
    applog_counts(&logged0);
    struct bench_rounds br;
    bench_rounds_init(&br, "cycle", per_round, rounds);
    for (long r = 0; r < rounds; r++) {
        double t0 = bench_now();
        for (long i = 0; run_raw && i < per_round; i++)
            bench_raw_cycle(tp, page[(i + 1) % 2], len);
        double t1 = bench_now();
        for (long i = 0; run_commands && i < per_round; i++)
            bench_command_cycle(&ctx, drive, hex[(i + 1) % 2]);
        double t2 = bench_now();
        bench_rounds_add(&br, t1 - t0, t2 - t1);
    }
    printf("drive                %s\n", drive);
    printf("cycles               %ld (get + set + read-back, 5 CDBs each)\n",
           per_round * rounds);
    bench_rounds_report(&br, "raw transport", "engine + commands");
    /* What the undo record and the audit log cost each MODE SELECT (one
     * per set): bytes written, and flushes of files and directories. */
    applog_counts(&logged1);
    if (run_commands) {
        long selects = per_round * rounds;
        printf("record per MODE SELECT  %.0f bytes written, %.2f flushes\n",
               (double)(logged1.bytes - logged0.bytes) / (double)selects,
               (double)(logged1.flushes - logged0.flushes) / (double)selects);
    }
    cmd_ctx_fini(&ctx);
    free(hex[0]);
    free(hex[1]);
    free(page[0]);
    free(page[1]);
    free(chg);
    return 0;
}
