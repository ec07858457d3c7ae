/*
 * Append-only logs of JSON lines (the audit log, a drive's undo record).
 * A record is one line written in one call; a process killed part-way
 * through one leaves a last line without its newline, which readers
 * ignore and the next append cuts off first, so the file reads whole
 * after a crash at any byte.
 */
#ifndef MODECON_UTIL_APPLOG_H
#define MODECON_UTIL_APPLOG_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Open a state file 'path' with 'flags' (O_CREAT with mode 0600 where
 * asked), never through a symlink, and refuse anything but a regular
 * file (a FIFO would hang the open), naming it.  The one place that
 * opens the files of this module.  Returns the descriptor, or -1 with err
 * set ("PATH is a FIFO, not a regular file"; err->os_errno ENOENT when it
 * does not exist, ELOOP for a symbolic link, EINVAL for another kind). */
int applog_open(const char *path, int flags, struct err *err);

/* Append 'len' bytes of whole lines to 'path' under an flock.  First the
 * file is cut back to 'keep' bytes when it is longer (a record the
 * reader found torn), or with 'keep' -1 to its last newline.  With
 * 'flush' the data reaches the disk before the call returns; a new
 * file's directory entry always does. */
int applog_append(const char *path, const char *data, size_t len, off_t keep,
                  bool flush, struct err *err);

/* The whole of 'path', NUL-terminated, in a new buffer of *len bytes; a
 * file over 'max' bytes is refused.  NULL with err set (os_errno ENOENT
 * when the file does not exist). */
char *applog_read(const char *path, size_t max, size_t *len, struct err *err);

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
