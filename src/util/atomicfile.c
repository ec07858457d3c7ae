#include "util/atomicfile.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xmalloc.h"

static int
atomicfile_os_error(struct err *err, const char *what, const char *path)
{
    int e = errno;
    err_set(err, E_FAIL, "%s %s: %s", what, path, strerror(e));
    err->os_errno = e;
    return -1;
}

/* Flush the directory holding 'path', so that a rename or a new file in
 * it is on disk too. */
static int
atomicfile_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xasprintf("%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

    free(dir);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    return rc;
}

/* Write all of 'len' bytes; -1 with errno on failure. */
static int
atomicfile_write_all(int fd, const char *p, size_t left)
{
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    return 0;
}

int
atomicfile_append(const char *path, const void *data, size_t len,
                  struct err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct stat st;

    if (fd < 0)
        return atomicfile_os_error(err, "cannot open", path);
    if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
        atomicfile_os_error(err, "cannot lock", path);
        close(fd);
        return -1;
    }
    if (atomicfile_write_all(fd, data, len) != 0) {
        atomicfile_os_error(err, "cannot write", path);
        if (ftruncate(fd, st.st_size) != 0) {
            /* The error above stands; the torn record is named too. */
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n,
                     "; its last record is incomplete");
        }
        close(fd);
        return -1;
    }
    /* A new file is a new directory entry, which needs flushing too. */
    if (fdatasync(fd) != 0 || (st.st_size == 0 && atomicfile_sync_dir(path))) {
        atomicfile_os_error(err, "cannot flush", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int
atomicfile_write(const char *path, const void *data, size_t len, unsigned mode,
                 bool durable, struct err *err)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    /* The file the user named is what the message names: the temporary
     * one beside it fails for the same reason (no such directory, no
     * permission, a full disk). */
    if (fd < 0) {
        atomicfile_os_error(err, "cannot write", path);
        free(tmp);
        return -1;
    }
    if (atomicfile_write_all(fd, data, len) != 0)
        goto fail;
    if (durable && fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0 || (durable && atomicfile_sync_dir(path) != 0))
        goto fail;
    free(tmp);
    return 0;
fail:
    atomicfile_os_error(err, "cannot write", path);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

char *
atomicfile_read(const char *path, size_t max, size_t *len, struct err *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; anything but
     * a regular file is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    char *buf;
    size_t have = 0;

    if (fd < 0) {
        atomicfile_os_error(err, "cannot open", path);
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        atomicfile_os_error(err, "cannot stat", path);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, E_FAIL, "%s is not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        err_set(err, E_FAIL, "%s is too large (%lld bytes, at most %zu)", path,
                (long long)st.st_size, max);
        close(fd);
        return NULL;
    }
    buf = xmalloc((size_t)st.st_size + 1);
    while (have < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            atomicfile_os_error(err, "cannot read", path);
            free(buf);
            close(fd);
            return NULL;
        }
        if (n == 0)
            break;
        have += (size_t)n;
    }
    close(fd);
    buf[have] = '\0';
    if (len != NULL)
        *len = have;
    return buf;
}
