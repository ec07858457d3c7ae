#include "util/atomicfile.h"

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

int
atomicfile_write(const char *path, const void *data, size_t len, unsigned mode,
                 bool durable, struct err *err)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    const char *p = data;
    size_t left = len;
    int fd;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        atomicfile_os_error(err, "cannot create", tmp);
        free(tmp);
        return -1;
    }
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        p += n;
        left -= (size_t)n;
    }
    if (durable && fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
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
