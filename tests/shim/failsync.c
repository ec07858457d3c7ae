/*
 * A failing disk for the tests, preloaded into modecon (LD_PRELOAD).
 * The calls named in FAILSYNC_CALLS (any of fsync, fdatasync and rename,
 * which covers renameat and renameat2; "fsync,fdatasync" if unset) fail
 * with EIO on a file or directory whose absolute path matches the shell
 * pattern FAILSYNC_MATCH (fnmatch without FNM_PATHNAME, so '*' matches
 * '/' too): "STATE/modecon/undo" is the directory alone,
 * "STATE/modecon/undo/?*" the files in it.  A rename fails when either
 * of its paths matches.  Everything else goes to the C library.  Each
 * refused call is appended to the file FAILSYNC_LOG, if set, as
 * "CALL PATH", so that a test can tell that the call it meant to fail
 * was made at all.
 *
 * With FAILSYNC_LOG_ONLY set (not empty), nothing fails: every call of
 * those (whatever FAILSYNC_CALLS and FAILSYNC_MATCH say) is appended to
 * FAILSYNC_LOG, "fsync PATH", "fdatasync PATH" or "rename FROM TO" (also
 * for renameat and renameat2), in the order made, before it is passed on,
 * so that a test can check the order of flushes and renames.
 *
 * A test matches a directory, not a file name, so that it holds for any
 * layout of the files inside the directory it names.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);
int rename(const char *from, const char *to);
int renameat(int fromdir, const char *from, int todir, const char *to);
int renameat2(int fromdir, const char *from, int todir, const char *to,
              unsigned flags);

static void *
failsync_next(const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (fn == NULL)
        abort(); /* no C library below: nothing sensible to do */
    return fn;
}

/* Whether 'call' is one of those FAILSYNC_CALLS names. */
static int
failsync_selected(const char *call)
{
    const char *calls = getenv("FAILSYNC_CALLS");
    size_t len = strlen(call);

    if (calls == NULL)
        calls = "fsync,fdatasync";
    for (const char *p = calls; (p = strstr(p, call)) != NULL; p += len) {
        int starts = p == calls || p[-1] == ',' || p[-1] == ' ';
        int ends = p[len] == '\0' || p[len] == ',' || p[len] == ' ';
        if (starts && ends)
            return 1;
    }
    return 0;
}

static int
failsync_matches(const char *path)
{
    const char *match = getenv("FAILSYNC_MATCH");
    return match != NULL && *match != '\0' && path != NULL &&
           fnmatch(match, path, 0) == 0;
}

/* The path 'fd' was opened with, or "" when unknown. */
static void
failsync_fd_path(int fd, char *buf, size_t len)
{
    char link[64];
    ssize_t n;

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, buf, len - 1);
    buf[n < 0 ? 0 : n] = '\0';
}

/* 'name' relative to directory 'dirfd' as an absolute path, when it can
 * be told. */
static void
failsync_at_path(int dirfd, const char *name, char *buf, size_t len)
{
    if (name[0] == '/' || dirfd == AT_FDCWD) {
        snprintf(buf, len, "%s", name);
        return;
    }
    char dir[PATH_MAX];
    failsync_fd_path(dirfd, dir, sizeof dir);
    /* A path longer than the buffer is cut: it then matches no pattern. */
    if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
        buf[0] = '\0';
}

static int
failsync_log_only(void)
{
    const char *only = getenv("FAILSYNC_LOG_ONLY");
    return only != NULL && *only != '\0';
}

/* Append "CALL PATH[ TO]" to FAILSYNC_LOG, if set.  O_APPEND and one
 * write: the lines of processes and threads do not mix. */
static void
failsync_log(const char *call, const char *path, const char *to)
{
    const char *log = getenv("FAILSYNC_LOG");

    if (log == NULL || *log == '\0')
        return;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        char line[2 * PATH_MAX + 32];
        int n = snprintf(line, sizeof line, "%s %s%s%s\n", call, path,
                         to != NULL ? " " : "", to != NULL ? to : "");
        if (n > 0 && write(fd, line, (size_t)n) < 0)
            n = 0; /* the log is for the test; the call goes on */
        close(fd);
    }
}

/* Refuse 'call' on 'path': log it and fail with EIO. */
static int
failsync_refuse(const char *call, const char *path)
{
    failsync_log(call, path, NULL);
    errno = EIO;
    return -1;
}

static int
failsync_fd(const char *call, int fd)
{
    char path[PATH_MAX];

    if (failsync_log_only()) {
        failsync_fd_path(fd, path, sizeof path);
        failsync_log(call, path, NULL);
        return 0;
    }
    if (!failsync_selected(call))
        return 0;
    failsync_fd_path(fd, path, sizeof path);
    return failsync_matches(path) ? failsync_refuse(call, path) : 0;
}

int
fsync(int fd)
{
    static int (*next)(int);
    if (next == NULL)
        next = (int (*)(int))failsync_next("fsync");
    return failsync_fd("fsync", fd) != 0 ? -1 : next(fd);
}

int
fdatasync(int fd)
{
    static int (*next)(int);
    if (next == NULL)
        next = (int (*)(int))failsync_next("fdatasync");
    return failsync_fd("fdatasync", fd) != 0 ? -1 : next(fd);
}

static int
failsync_rename_refused(const char *call, const char *from, const char *to)
{
    if (failsync_log_only()) {
        failsync_log(call, from, to);
        return 0;
    }
    if (!failsync_selected("rename"))
        return 0;
    if (failsync_matches(from))
        return failsync_refuse(call, from);
    if (failsync_matches(to))
        return failsync_refuse(call, to);
    return 0;
}

int
rename(const char *from, const char *to)
{
    static int (*next)(const char *, const char *);
    if (next == NULL)
        next = (int (*)(const char *, const char *))failsync_next("rename");
    return failsync_rename_refused("rename", from, to) != 0 ? -1
                                                            : next(from, to);
}

int
renameat(int fromdir, const char *from, int todir, const char *to)
{
    static int (*next)(int, const char *, int, const char *);
    char a[PATH_MAX], b[PATH_MAX];
    if (next == NULL)
        next = (int (*)(int, const char *, int, const char *))failsync_next(
            "renameat");
    failsync_at_path(fromdir, from, a, sizeof a);
    failsync_at_path(todir, to, b, sizeof b);
    return failsync_rename_refused("renameat", a, b) != 0
               ? -1
               : next(fromdir, from, todir, to);
}

int
renameat2(int fromdir, const char *from, int todir, const char *to,
          unsigned flags)
{
    static int (*next)(int, const char *, int, const char *, unsigned);
    char a[PATH_MAX], b[PATH_MAX];
    if (next == NULL)
        next = (int (*)(int, const char *, int, const char *,
                        unsigned))failsync_next("renameat2");
    failsync_at_path(fromdir, from, a, sizeof a);
    failsync_at_path(todir, to, b, sizeof b);
    return failsync_rename_refused("renameat2", a, b) != 0
               ? -1
               : next(fromdir, from, todir, to, flags);
}
