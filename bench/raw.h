/*
 * The raw path the GetModePage benchmark compares modecon with: the same
 * CDBs sent without modecon, by the transport's own library or system
 * call.  One implementation is linked into each benchmark: iscsi_raw.c
 * (libiscsi, whose header cannot meet modecon's transport.h in one file)
 * and sg_raw.c (the SG_IO ioctl).
 */
#ifndef MODECON_BENCH_RAW_H
#define MODECON_BENCH_RAW_H

#include <stddef.h>
#include <stdint.h>

struct bench_raw;

/* What the raw path is, for the report: "raw libiscsi". */
extern const char bench_raw_label[];

/* Open the drive the way the library does on its own; exits with a
 * message on failure. */
struct bench_raw *bench_raw_open(const char *uri);

/* One data-in command, synchronously; exits unless the status is GOOD. */
void bench_raw_send(struct bench_raw *raw, const uint8_t *cdb, size_t len,
                    uint32_t alloc);

void bench_raw_close(struct bench_raw *raw);

#endif
