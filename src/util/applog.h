/*
 * Append-only files of lines: the audit log, a drive's undo record, the
 * journal, a --trace.  A record is one line written in one call; a process
 * killed part-way through one leaves a last line without its newline, which
 * readers ignore and the next append cuts off first, so the file reads whole
 * after a crash at any byte.
 */
#ifndef MODECON_UTIL_APPLOG_H
#define MODECON_UTIL_APPLOG_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Append one record of 'len' bytes to the file open on 'fd' (O_APPEND),
 * whole or not at all: under an flock, so records of processes never
 * interleave; a write that fails part-way (a full disk) is cut back to
 * the last whole record, and err names the failing call's cause.  A last
 * record cut off before (no newline at its end: a crash, a full disk) is
 * removed first, since it never was whole, and on success err->msg then
 * holds a note saying so for the caller to show (err->hr stays S_OK);
 * that takes 'fd' open for reading too.  'path' names the file in errors.
 * Not flushed to disk. */
int applog_append_fd(int fd, const char *path, const void *data, size_t len,
                     struct err *err);

/* Append 'len' bytes of whole lines to 'path' (created with mode 0600,
 * opened by statefile_open, so never through a link nor into a FIFO), as
 * applog_append_fd does.  With 'flush' the data reaches the disk before
 * the call returns; a new file's directory entry always does. */
int applog_append(const char *path, const char *data, size_t len, bool flush,
                  struct err *err);
/* Cut 'path' back to its first 'len' bytes. */
int applog_truncate(const char *path, off_t len, struct err *err);

/* The last 'max' bytes of 'path' (all of a smaller file), from the start
 * of a line, NUL-terminated; NULL with err set (os_errno ENOENT when the
 * file does not exist). */
char *applog_read_tail(const char *path, size_t max, struct err *err);

/* What this process has written to its logs, for the benchmarks: bytes
 * and flushes (of files and of directories). */
struct applog_counts {
    unsigned long long bytes;
    unsigned long long flushes;
};
void applog_counts(struct applog_counts *out);
/* Count a log written another way (rewritten whole). */
void applog_count(unsigned long long bytes, unsigned long long flushes);

#endif
