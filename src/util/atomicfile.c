#include "util/atomicfile.h"

#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/statefile.h"
#include "util/text.h"
#include "util/xmalloc.h"

static int
atomicfile_os_error(struct err *err, int e, const char *what, const char *path)
{
    err_set(err, E_FAIL, "%s %s: %s", what, path, strerror(e));
    err->os_errno = e;
    return -1;
}

/* Create 'path'.tmp.RANDOM beside 'path', exclusively: a name another
 * user cannot predict, and nothing already there (a planted link least of
 * all) is opened.  Returns the descriptor and sets *tmp, or -1 with errno
 * set. */
static int
atomicfile_create_temp(const char *path, unsigned mode, char **tmp)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char random[10];
        char suffix[sizeof random + 1];

        if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random)
            return -1;
        for (size_t i = 0; i < sizeof random; i++)
            suffix[i] = alphabet[random[i] % (sizeof alphabet - 1)];
        suffix[sizeof random] = '\0';
        *tmp = xasprintf("%s.tmp.%s", path, suffix);
        int fd = open(
            *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0)
            return fd;
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        errno = e;
        if (e != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

int
atomicfile_write(const char *path, const void *data, size_t len, unsigned mode,
                 bool durable, struct err *err)
{
    struct stat st;
    char *tmp = NULL;
    int fd, e;

    /* The rename below would replace a link or a FIFO without following
     * it; refusing says what is in the file's place instead. */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return statefile_refuse(path, st.st_mode, err);
    fd = atomicfile_create_temp(path, mode, &tmp);
    /* The file the user named is what the message names: the temporary
     * one beside it fails for the same reason (no such directory, no
     * permission, a full disk). */
    if (fd < 0)
        return atomicfile_os_error(err, errno, "cannot write", path);
    if (statefile_write_all(fd, data, len) != 0)
        goto fail;
    if (durable && fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0 || (durable && statefile_sync_dir(path) != 0))
        goto fail;
    free(tmp);
    return 0;
fail:
    e = errno;
    atomicfile_os_error(err, e, "cannot write", path);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

char *
atomicfile_read(const char *path, size_t max, size_t *len, struct err *err)
{
    /* A file the user named may be a link (to a drive file, a script);
     * O_NONBLOCK: opening a FIFO must not wait for a writer, and anything
     * but a regular file is refused when read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    char *text;

    if (fd < 0) {
        atomicfile_os_error(err, errno, "cannot open", path);
        return NULL;
    }
    text = statefile_read_fd(fd, path, max, len, err);
    close(fd);
    return text;
}
