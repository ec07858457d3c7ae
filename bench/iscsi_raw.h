/* libiscsi used directly, for comparison: its header cannot meet
 * modecon's transport.h in one file (both define enum scsi_status). */
#ifndef MODECON_BENCH_ISCSI_RAW_H
#define MODECON_BENCH_ISCSI_RAW_H

#include <stddef.h>
#include <stdint.h>

struct bench_raw;

/* Log in to the LUN of an iscsi:// URI with libiscsi's own URL parser and
 * full connect; exits with a message on failure. */
struct bench_raw *bench_raw_open(const char *uri);

/* One data-in command, synchronously; exits unless the status is GOOD. */
void bench_raw_send(struct bench_raw *raw, const uint8_t *cdb, size_t len,
                    uint32_t alloc);

void bench_raw_close(struct bench_raw *raw);

#endif
