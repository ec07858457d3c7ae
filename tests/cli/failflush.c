/* LD_PRELOAD shim for tests/cli/durability.sh: fsync and fdatasync of a
 * file whose path holds $MODECON_FAIL_FLUSH fail with EIO, as on a
 * failing disk; every other call goes through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

static int
failflush_matches(int fd)
{
    const char *want = getenv("MODECON_FAIL_FLUSH");
    char link[64], path[PATH_MAX];

    if (want == NULL || want[0] == '\0')
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return strstr(path, want) != NULL;
}

/* The next definition of 'name' (libc's). */
static int (*failflush_next(const char *name))(int)
{
    void *sym = dlsym(RTLD_NEXT, name);
    int (*real)(int);

    memcpy(&real, &sym, sizeof real);
    return real;
}

int
fsync(int fd)
{
    int (*real)(int) = failflush_next("fsync");

    if (failflush_matches(fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int
fdatasync(int fd)
{
    int (*real)(int) = failflush_next("fdatasync");

    if (failflush_matches(fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}
