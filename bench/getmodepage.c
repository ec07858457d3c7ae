/*
 * What modecon costs over libiscsi itself for GetModePage on an iSCSI LUN.
 *
 * The modecon path is the engine's recorder_get_mode_page (the transport,
 * the trace hook, the engine's parsing and checks).  The raw path sends
 * the very CDBs that call sent, taken from its trace, through libiscsi's
 * own synchronous API on a session of its own.  Both run in one process
 * against one target, interleaved in rounds so that the target's and the
 * network stack's moods fall on both alike; the figure is the median of
 * the rounds' ratios.
 *
 * usage: bench_iscsi_overhead URI [CALLS] [PAGE]
 *   (default 2000 calls of page 0x2a; bench/iscsi.sh starts a tgt target)
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "engine/recorder.h"
#include "raw.h"
#include "transport/trace.h"
#include "util/hex.h"

#define BENCH_MAX_CDBS 8

struct bench_cdb {
    uint8_t cdb[16];
    size_t len;
    uint32_t alloc; /* bytes the drive may return */
};

static void bench_fail(const char *what, const char *why)
    __attribute__((noreturn));

static void
bench_fail(const char *what, const char *why)
{
    fprintf(stderr, "bench: %s: %s\n", what, why);
    exit(1);
}

/* The CDBs one call sent, from its trace. */
static size_t
bench_read_trace(const char *path, struct bench_cdb *cdbs)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t room = 0, n = 0;

    if (f == NULL)
        bench_fail(path, "cannot read the trace");
    /* Whole lines, however much data a command moved. */
    while (getline(&line, &room, f) > 0 && n < BENCH_MAX_CDBS) {
        json_t *obj = json_loads(line, 0, NULL);
        const char *hex = json_string_value(json_object_get(obj, "cdb"));
        struct err err;
        uint8_t *bytes;
        size_t len;
        err_clear(&err);
        if (hex == NULL || hex_parse(hex, &bytes, &len, &err) != 0 ||
            len < 10 || len > 16)
            bench_fail(path, "a trace line without a CDB");
        if (bytes[0] != 0x5a) /* MODE SENSE(10), SPC-4 6.14 */
            bench_fail(path,
                       "GetModePage sent a CDB other than MODE SENSE(10)");
        memcpy(cdbs[n].cdb, bytes, len);
        cdbs[n].len = len;
        cdbs[n].alloc = (uint32_t)bytes[7] << 8 | bytes[8];
        n++;
        free(bytes);
        json_decref(obj);
    }
    free(line);
    fclose(f);
    return n;
}

static void
bench_raw_call(struct bench_raw *raw, const struct bench_cdb *cdbs,
               size_t ncdbs)
{
    for (size_t i = 0; i < ncdbs; i++)
        bench_raw_send(raw, cdbs[i].cdb, cdbs[i].len, cdbs[i].alloc);
}

static void
bench_modecon_call(struct recorder *rec, uint8_t page)
{
    struct err err;
    uint8_t *data;
    size_t len;

    err_clear(&err);
    if (recorder_get_mode_page(rec, page, 0, MODE_REQUEST_CURRENT, &data, &len,
                               &err) != 0)
        bench_fail("GetModePage", err.msg);
    free(data);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DRIVE [CALLS>=50] [PAGE]\n", argv[0]);
        return 2;
    }
    const char *uri = argv[1];
    long calls = argc > 2 ? atol(argv[2]) : 2000;
    uint8_t page = (uint8_t)(argc > 3 ? strtoul(argv[3], NULL, 0) : 0x2a);
    char trace_path[] = "/tmp/modecon-bench-trace-XXXXXX";
    struct recorder_options opts;
    struct recorder *rec;
    struct err err;

    if (calls < 50) {
        fprintf(stderr, "usage: %s DRIVE [CALLS>=50] [PAGE]\n", argv[0]);
        return 2;
    }
    err_clear(&err);
    recorder_options_init(&opts);
    if (recorder_open(uri, &opts, &rec, &err) != 0)
        bench_fail(uri, err.msg);
    /* The first call also takes the UNIT ATTENTION of a new login. */
    bench_modecon_call(rec, page);

    int fd = mkstemp(trace_path);
    struct trace *trace = fd >= 0 ? trace_open(trace_path, &err) : NULL;
    if (trace == NULL)
        bench_fail(trace_path, "cannot write a trace");
    close(fd);
    recorder_transport(rec)->trace = trace;
    bench_modecon_call(rec, page);
    recorder_transport(rec)->trace = NULL;
    trace_close(trace);
    struct bench_cdb cdbs[BENCH_MAX_CDBS];
    size_t ncdbs = bench_read_trace(trace_path, cdbs);
    unlink(trace_path);
    if (ncdbs == 0)
        bench_fail(trace_path, "GetModePage sent no command");

    /* A new iSCSI session's UNIT ATTENTION is the raw library's to take. */
    struct bench_raw *raw = bench_raw_open(uri);
    bench_raw_call(raw, cdbs, ncdbs);

    long per_round = 50, rounds = calls / per_round;
    struct bench_rounds br;
    bench_rounds_init(&br, "call", per_round, rounds);
    for (long r = 0; r < rounds; r++) {
        /* Each path goes first in every other round. */
        double spent[2];
        for (int k = 0; k < 2; k++) {
            bool modecon_turn = (k + r) % 2 == 1;
            double t0 = bench_now();
            for (long i = 0; i < per_round; i++) {
                if (modecon_turn)
                    bench_modecon_call(rec, page);
                else
                    bench_raw_call(raw, cdbs, ncdbs);
            }
            spent[modecon_turn] = bench_now() - t0;
        }
        bench_rounds_add(&br, spent[0], spent[1]);
    }
    printf("drive                %s\n", recorder_name(rec));
    printf("calls                %ld GetModePage of page 0x%02x (%zu CDB%s "
           "each, %u bytes asked)\n",
           per_round * rounds, page, ncdbs, ncdbs == 1 ? "" : "s",
           cdbs[0].alloc);
    bench_rounds_report(&br, bench_raw_label, "modecon engine");
    bench_raw_close(raw);
    recorder_free(rec);
    return 0;
}
