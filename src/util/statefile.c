#include "util/statefile.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xmalloc.h"

const char *
statefile_kind(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFLNK:
        return "a symbolic link";
    case S_IFIFO:
        return "a FIFO";
    case S_IFDIR:
        return "a directory";
    case S_IFSOCK:
        return "a socket";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    default:
        return "not a file";
    }
}

int
statefile_refuse(const char *path, mode_t mode, struct err *err)
{
    if (S_ISLNK(mode)) {
        err_set(err, E_FAIL,
                "%s is a symbolic link, not a regular file: modecon does "
                "not follow links in place of its files",
                path);
        err->os_errno = ELOOP;
        return -1;
    }
    err_set(err, E_FAIL, "%s is %s, not a regular file", path,
            statefile_kind(mode));
    err->os_errno = EINVAL;
    return -1;
}

static int
statefile_os_error(struct err *err, int e, const char *what, const char *path)
{
    err_set(err, E_FAIL, "%s %s: %s", what, path, strerror(e));
    err->os_errno = e;
    return -1;
}

int
statefile_open(const char *path, int flags, unsigned mode, struct err *err)
{
    /* O_NOFOLLOW: a link in the file's place is not followed (with O_CREAT
     * a dangling one is not created either).  O_NONBLOCK: opening a FIFO
     * must not wait for its other end, here or in every process then
     * waiting for a lock this one holds. */
    int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
    struct stat st;

    if (fd < 0) {
        int e = errno;
        /* ELOOP is a link; ENXIO a FIFO opened for writing with no reader;
         * EISDIR a directory: name what is there rather than the errno. */
        if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
            return statefile_refuse(path, st.st_mode, err);
        return statefile_os_error(err, e, "cannot open", path);
    }
    if (fstat(fd, &st) != 0) {
        statefile_os_error(err, errno, "cannot stat", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        statefile_refuse(path, st.st_mode, err);
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        statefile_os_error(err, errno, "cannot open", path);
        close(fd);
        return -1;
    }
    return fd;
}

char *
statefile_read_fd(int fd, const char *path, size_t max, size_t *len,
                  struct err *err)
{
    struct stat st;
    size_t have = 0;
    char *buf;

    if (fstat(fd, &st) != 0) {
        statefile_os_error(err, errno, "cannot stat", path);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        statefile_refuse(path, st.st_mode, err);
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        err_set(err, E_FAIL, "%s is too large (%lld bytes, at most %zu)", path,
                (long long)st.st_size, max);
        return NULL;
    }
    buf = xmalloc((size_t)st.st_size + 1);
    while (have < (size_t)st.st_size) {
        ssize_t n =
            pread(fd, buf + have, (size_t)st.st_size - have, (off_t)have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            statefile_os_error(err, errno, "cannot read", path);
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        have += (size_t)n;
    }
    buf[have] = '\0';
    if (len != NULL)
        *len = have;
    return buf;
}

char *
statefile_read(const char *path, size_t max, size_t *len, struct err *err)
{
    int fd = statefile_open(path, O_RDONLY, 0, err);
    char *text;

    if (fd < 0)
        return NULL;
    text = statefile_read_fd(fd, path, max, len, err);
    close(fd);
    return text;
}

/* Flush the directory holding 'path', so that a rename or a new file in
 * it is on disk too.  -1 with errno of the call that failed. */
int
statefile_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xasprintf("%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1, e;

    e = errno;
    free(dir);
    if (fd >= 0) {
        rc = fsync(fd);
        e = errno;
        close(fd);
    }
    errno = e;
    return rc;
}

/* Write all of 'len' bytes; -1 with errno on failure.  A short write is
 * followed by another of the rest, whose failure gives the cause (a short
 * write itself sets no errno). */
int
statefile_write_all(int fd, const char *p, size_t left)
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
