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

/* Flush the directory holding 'path', so that a rename or a new file in
 * it is on disk too.  -1 with errno of the call that failed. */
static int
atomicfile_sync_dir(const char *path)
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

/* The length of the file open on 'fd' up to the end of its last whole
 * record, its last newline ('size' when it ends in one, or when 'fd' cannot
 * be read); -1 with errno when a read fails otherwise. */
static off_t
atomicfile_whole_length(int fd, off_t size)
{
    char block[4096];
    off_t end = size;

    while (end > 0) {
        off_t start = end > (off_t)sizeof block ? end - (off_t)sizeof block : 0;
        ssize_t n = pread(fd, block, (size_t)(end - start), start);
        if (n < 0 && errno == EINTR)
            continue;
        /* A descriptor open for writing only (a trace) cannot tell. */
        if (n < 0 && errno == EBADF && end == size)
            return size;
        if (n < 0)
            return -1;
        if (n != end - start) {
            errno = EIO; /* shorter than fstat said: changed under the lock */
            return -1;
        }
        for (ssize_t i = n; i > 0; i--)
            if (block[i - 1] == '\n')
                return start + i;
        end = start;
    }
    return 0;
}

/* The note for a torn tail of 'dropped' bytes at 'whole' that was cut
 * off: what it began with, bounded and made visible, so that a technician
 * can tell what was lost. */
static void
atomicfile_note_torn(int fd, const char *path, off_t whole, off_t dropped,
                     struct err *err)
{
    char start[4 * ERR_QUOTE_CHARS + 1], excerpt[ERR_QUOTE_MAX];
    ssize_t n = pread(fd, start, sizeof start - 1, whole);

    start[n > 0 ? n : 0] = '\0';
    if (text_excerpt(excerpt, sizeof excerpt - 3, start, ERR_QUOTE_CHARS,
                     false) == 0 &&
        n < dropped)
        strcat(excerpt, "...");
    /* A note, not an error: S_OK, and the cutting of err's messages. */
    err_set(err, S_OK,
            "%s: its last record \"%s\" (%lld bytes) had no newline at its "
            "end: it was cut short (a crash, a full disk) and is removed",
            path, excerpt, (long long)dropped);
}

int
atomicfile_append_fd(int fd, const char *path, const void *data, size_t len,
                     struct err *err)
{
    struct stat st;
    off_t whole;
    int rc = 0;

    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return atomicfile_os_error(err, errno, "cannot lock", path);
    if (fstat(fd, &st) != 0) {
        atomicfile_os_error(err, errno, "cannot stat", path);
        flock(fd, LOCK_UN);
        return -1;
    }
    /* A record cut short before (a crash, a full disk in an older modecon)
     * never was whole: ending it with a newline would make it look whole,
     * and a replay would run what remains of it as another command.  It
     * is cut off, under the lock, before this record goes after the last
     * whole one.  A device such as /dev/full has no length. */
    whole = S_ISREG(st.st_mode) ? atomicfile_whole_length(fd, st.st_size) : 0;
    if (whole < 0) {
        atomicfile_os_error(err, errno, "cannot read", path);
        flock(fd, LOCK_UN);
        return -1;
    }
    if (S_ISREG(st.st_mode) && whole < st.st_size) {
        atomicfile_note_torn(fd, path, whole, st.st_size - whole, err);
        if (ftruncate(fd, whole) != 0) {
            atomicfile_os_error(err, errno,
                                "cannot cut the incomplete last "
                                "record of",
                                path);
            flock(fd, LOCK_UN);
            return -1;
        }
    }
    if (atomicfile_write_all(fd, data, len) != 0) {
        atomicfile_os_error(err, errno, "cannot write", path);
        /* Cut back to the whole records, so that the file holds whole
         * records only. */
        if (S_ISREG(st.st_mode) && ftruncate(fd, whole) != 0) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n,
                     "; its last record is incomplete");
        }
        rc = -1;
    }
    flock(fd, LOCK_UN);
    return rc;
}

int
atomicfile_append(const char *path, const void *data, size_t len,
                  struct err *err)
{
    int fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);
    struct stat st;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        atomicfile_os_error(err, errno, "cannot stat", path);
        close(fd);
        return -1;
    }
    if (atomicfile_append_fd(fd, path, data, len, err) != 0) {
        close(fd);
        return -1;
    }
    /* A new file is a new directory entry, which needs flushing too. */
    if (fdatasync(fd) != 0 || (st.st_size == 0 && atomicfile_sync_dir(path))) {
        atomicfile_os_error(err, errno, "cannot flush", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
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
