#include "util/applog.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/statefile.h"
#include "util/xmalloc.h"

static atomic_ullong applog_bytes, applog_flushes;

void
applog_counts(struct applog_counts *out)
{
    out->bytes = atomic_load(&applog_bytes);
    out->flushes = atomic_load(&applog_flushes);
}

void
applog_count(unsigned long long bytes, unsigned long long flushes)
{
    atomic_fetch_add(&applog_bytes, bytes);
    atomic_fetch_add(&applog_flushes, flushes);
}

static int
applog_os_error(struct err *err, const char *what, const char *path)
{
    int e = errno;
    err_set(err, E_FAIL, "%s %s: %s", what, path, strerror(e));
    err->os_errno = e;
    return -1;
}

int
applog_open(const char *path, int flags, struct err *err)
{
    return statefile_open(path, flags, 0600, err);
}

/* Flush the directory holding 'path', so that a new file in it is on
 * disk too. */
static int
applog_sync_dir(const char *path)
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

/* The length of 'fd' without a last line that lacks its newline. */
static off_t
applog_whole_length(int fd, off_t size)
{
    char buf[4096];
    off_t end = size;

    while (end > 0) {
        size_t n = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
        if (pread(fd, buf, n, end - (off_t)n) != (ssize_t)n)
            return -1;
        for (size_t i = n; i > 0; i--)
            if (buf[i - 1] == '\n')
                return end - (off_t)n + (off_t)i;
        end -= (off_t)n;
    }
    return 0;
}

int
applog_append(const char *path, const char *data, size_t len, off_t keep,
              bool flush, struct err *err)
{
    int fd = applog_open(path, O_RDWR | O_CREAT | O_APPEND, err);
    struct stat st;

    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
        applog_os_error(err, "cannot lock", path);
        close(fd);
        return -1;
    }
    off_t whole = keep >= 0 ? keep : applog_whole_length(fd, st.st_size);
    if (whole < 0 || (whole < st.st_size && ftruncate(fd, whole) != 0)) {
        applog_os_error(err, "cannot cut the torn last record of", path);
        close(fd);
        return -1;
    }
    if (whole > st.st_size)
        whole = st.st_size;
    /* One call: a record is never interleaved, and a kill leaves at most
     * one torn line, which the next append cuts off. */
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            applog_os_error(err, "cannot write", path);
            /* Cut back to whole records; the error above stands. */
            if (ftruncate(fd, whole) != 0) {
                size_t used = strlen(err->msg);
                snprintf(err->msg + used, sizeof err->msg - used,
                         "; its last record is incomplete");
            }
            close(fd);
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    applog_count(len, (flush ? 1 : 0) + (st.st_size == 0 ? 1 : 0));
    /* A new file is a new directory entry, flushed once, when it is
     * made, whether or not this line is. */
    if ((flush && fdatasync(fd) != 0) ||
        (st.st_size == 0 && applog_sync_dir(path) != 0)) {
        applog_os_error(err, "cannot flush", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* From 'fd', the bytes from 'from' to its end (at most 'size'). */
static char *
applog_read_fd(int fd, const char *path, size_t from, size_t size, size_t *len,
               struct err *err)
{
    char *buf = xmalloc(size - from + 1);
    size_t have = 0;

    while (have < size - from) {
        ssize_t n =
            pread(fd, buf + have, size - from - have, (off_t)(from + have));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            applog_os_error(err, "cannot read", path);
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        have += (size_t)n;
    }
    buf[have] = '\0';
    *len = have;
    return buf;
}

char *
applog_read(const char *path, size_t max, size_t *len, struct err *err)
{
    int fd = applog_open(path, O_RDONLY, err);
    struct stat st;
    char *text = NULL;
    size_t have = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0)
        applog_os_error(err, "cannot stat", path);
    else if ((size_t)st.st_size > max)
        err_set(err, E_FAIL, "%s is too large (%lld bytes, at most %zu)", path,
                (long long)st.st_size, max);
    else
        text = applog_read_fd(fd, path, 0, (size_t)st.st_size, &have, err);
    close(fd);
    if (text != NULL && len != NULL)
        *len = have;
    return text;
}

int
applog_truncate(const char *path, off_t len, struct err *err)
{
    int fd = applog_open(path, O_WRONLY, err);

    if (fd < 0)
        return -1;
    int rc = ftruncate(fd, len);
    if (rc != 0)
        applog_os_error(err, "cannot cut the torn last record of", path);
    close(fd);
    return rc;
}

char *
applog_read_tail(const char *path, size_t max, struct err *err)
{
    int fd = applog_open(path, O_RDONLY, err);
    struct stat st;
    size_t have = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0) {
        applog_os_error(err, "cannot stat", path);
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size, from = size > max ? size - max : 0;
    char *buf = applog_read_fd(fd, path, from, size, &have, err);
    close(fd);
    /* A tail cut inside a line starts at the next one. */
    if (buf != NULL && from > 0) {
        char *nl = strchr(buf, '\n');
        size_t skip = nl ? (size_t)(nl + 1 - buf) : have;
        memmove(buf, buf + skip, have - skip + 1);
    }
    return buf;
}
