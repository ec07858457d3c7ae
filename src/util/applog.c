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
#include "util/text.h"
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

/* The length of the file open on 'fd' up to the end of its last whole
 * record, its last newline ('size' when it ends in one, or when 'fd' cannot
 * be read); -1 with errno when a read fails otherwise. */
static off_t
applog_whole_length(int fd, off_t size)
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
applog_note_torn(int fd, const char *path, off_t whole, off_t dropped,
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
applog_append_fd(int fd, const char *path, const void *data, size_t len,
                 struct err *err)
{
    struct stat st;
    off_t whole;
    int rc = 0;

    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return applog_os_error(err, "cannot lock", path);
    if (fstat(fd, &st) != 0) {
        applog_os_error(err, "cannot stat", path);
        flock(fd, LOCK_UN);
        return -1;
    }
    /* A record cut short before (a crash, a full disk in an older modecon)
     * never was whole: ending it with a newline would make it look whole,
     * and a replay would run what remains of it as another command.  It
     * is cut off, under the lock, before this record goes after the last
     * whole one.  A device such as /dev/full has no length. */
    whole = S_ISREG(st.st_mode) ? applog_whole_length(fd, st.st_size) : 0;
    if (whole < 0) {
        applog_os_error(err, "cannot read", path);
        flock(fd, LOCK_UN);
        return -1;
    }
    if (S_ISREG(st.st_mode) && whole < st.st_size) {
        applog_note_torn(fd, path, whole, st.st_size - whole, err);
        if (ftruncate(fd, whole) != 0) {
            applog_os_error(err,
                            "cannot cut the incomplete last "
                            "record of",
                            path);
            flock(fd, LOCK_UN);
            return -1;
        }
    }
    if (statefile_write_all(fd, data, len) != 0) {
        applog_os_error(err, "cannot write", path);
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
applog_append(const char *path, const char *data, size_t len, bool flush,
              struct err *err)
{
    int fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);
    struct stat st;
    struct err note;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        applog_os_error(err, "cannot stat", path);
        close(fd);
        return -1;
    }
    /* A torn last line cut off here is one its reader already left out. */
    err_clear(&note);
    if (applog_append_fd(fd, path, data, len, &note) != 0) {
        *err = note;
        close(fd);
        return -1;
    }
    applog_count(len, (flush ? 1 : 0) + (st.st_size == 0 ? 1 : 0));
    /* A new file is a new directory entry, flushed once, when it is
     * made, whether or not this line is. */
    if ((flush && fdatasync(fd) != 0) ||
        (st.st_size == 0 && statefile_sync_dir(path) != 0)) {
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

int
applog_truncate(const char *path, off_t len, struct err *err)
{
    int fd = statefile_open(path, O_WRONLY, 0600, err);

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
    int fd = statefile_open(path, O_RDONLY, 0600, err);
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
