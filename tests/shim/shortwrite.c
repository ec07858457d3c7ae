/*
 * LD_PRELOAD shim: a disk that fills up under one file.  The first
 * write() of more than one byte to the file named by SHORTWRITE_FILE (its
 * absolute path, as /proc/self/fd shows it) writes only half of it and
 * returns that count, as write(2) does when the disk fills part-way; every
 * later one fails with ENOSPC.  Other files are written as usual.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int shortwrite_full;

static int
shortwrite_is_target(int fd)
{
    const char *want = getenv("SHORTWRITE_FILE");
    char link[64], path[4096];
    ssize_t n;

    if (want == NULL)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return strcmp(path, want) == 0;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
    if (len > 1 && shortwrite_is_target(fd)) {
        if (shortwrite_full) {
            errno = ENOSPC;
            return -1;
        }
        shortwrite_full = 1;
        len /= 2;
    }
    return syscall(SYS_write, fd, buf, len);
}
