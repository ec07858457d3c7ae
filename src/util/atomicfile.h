/*
 * State files are replaced whole: the new contents go to a temporary file
 * in the same directory, which is then renamed over the old one, so a
 * reader (or a process killed half-way) sees the old file or the new one,
 * never a torn one.
 */
#ifndef MODECON_UTIL_ATOMICFILE_H
#define MODECON_UTIL_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Write 'len' bytes to 'path' atomically with 'mode'.  With 'durable' the
 * data is flushed to disk before the rename, and the directory after it,
 * so the new file survives a power loss.  The temporary file has a name
 * nobody can predict and is created exclusively, so nothing planted
 * beside 'path' is written through; a 'path' that is not a regular file
 * (a symbolic link, a FIFO) is refused, naming what it is. */
int atomicfile_write(const char *path, const void *data, size_t len,
                     unsigned mode, bool durable, struct err *err);

/* Read a whole file (at most 'max' bytes) into a new NUL-terminated
 * buffer.  Returns NULL with err set; err->os_errno is ENOENT when the file
 * does not exist. */
char *atomicfile_read(const char *path, size_t max, size_t *len,
                      struct err *err);

#endif
