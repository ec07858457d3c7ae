/*
 * modecon's own files (the journal, the audit log, the undo records, the
 * emulated drives' state, the lock files) live where another local user
 * may have planted something in their place: a symbolic link to a file of
 * the user's, or a FIFO that hangs whoever opens it.  They are opened
 * here, never through a link, never waiting, and only when they are
 * regular files; anything else is refused at once, naming the file and
 * what it is.
 */
#ifndef MODECON_UTIL_STATEFILE_H
#define MODECON_UTIL_STATEFILE_H

#include <sys/types.h>

#include <stddef.h>

#include "util/err.h"

/* Open 'path' with 'flags' (O_RDONLY, O_RDWR | O_CREAT, O_WRONLY |
 * O_APPEND | O_CREAT ...) and 'mode' for a new file, close-on-exec and
 * blocking as usual once open.  Returns the descriptor, or -1 with err set
 * and err->os_errno the failing call's errno (ENOENT when the file does
 * not exist and O_CREAT was not asked; ELOOP for a symbolic link, EINVAL
 * for any other file that is not a regular one). */
int statefile_open(const char *path, int flags, unsigned mode, struct err *err);

/* Read a whole file opened by statefile_open (at most 'max' bytes), as
 * atomicfile_read does. */
char *statefile_read(const char *path, size_t max, size_t *len,
                     struct err *err);

/* Read all of the regular file open on 'fd' (at most 'max' bytes) into a
 * new NUL-terminated buffer; 'path' names it in errors.  The descriptor
 * stays open.  NULL with err set. */
char *statefile_read_fd(int fd, const char *path, size_t max, size_t *len,
                        struct err *err);

/* What a file of st_mode 'mode' is, for a refusal: "a FIFO", "a symbolic
 * link", "a directory"... */
const char *statefile_kind(mode_t mode);

/* Refuse, in err, 'path' that is not a regular file ('mode' from lstat or
 * fstat): "PATH is a FIFO, not a regular file".  Returns -1. */
int statefile_refuse(const char *path, mode_t mode, struct err *err);

/* Flush the directory holding 'path', so that a rename or a new file in
 * it is on disk too.  -1 with errno of the call that failed. */
int statefile_sync_dir(const char *path);

/* Write all of 'len' bytes to 'fd'; -1 with errno on failure (ENOSPC for
 * a write that took nothing). */
int statefile_write_all(int fd, const char *data, size_t len);

#endif
