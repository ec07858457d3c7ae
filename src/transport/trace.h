/*
 * --trace FILE: one JSON object a line for every command any transport
 * executes: drive, cdb, data_out, data_in, sense (hex), status, ms, and
 * "error" when no status was obtained.  Each line goes out whole or not at
 * all, under an flock, so that concurrent processes tracing to one file do
 * not interleave.
 */
#ifndef MODECON_TRANSPORT_TRACE_H
#define MODECON_TRANSPORT_TRACE_H

#include "transport/types.h"

struct trace *trace_open(const char *path, struct err *err);
void trace_close(struct trace *trace);

/* Record one executed command; 'failure' is the exec error, or NULL. */
void trace_record(struct trace *trace, const char *drive,
                  const struct scsi_io *io, const struct err *failure,
                  double ms);

/* -1 with err set when lines could not be written since the last call
 * (a full disk, /dev/full): how many and why. */
int trace_take_failure(struct trace *trace, struct err *err);

#endif
