#include "util/paths.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xmalloc.h"

static int
paths_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
paths_data_dir(const char *sub)
{
    const char *env = getenv("MODECON_DATA_DIR");
    char exe[PATH_MAX], *candidate;

    if (env != NULL && *env != '\0') {
        candidate = xasprintf("%s/%s", env, sub);
        if (paths_is_dir(candidate))
            return candidate;
        free(candidate);
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            candidate =
                xasprintf("%s/../%s/%s", exe, MODECON_RELATIVE_DATADIR, sub);
            if (paths_is_dir(candidate))
                return candidate;
            free(candidate);
        }
    }
    candidate = xasprintf("%s/%s", MODECON_SOURCE_DATADIR, sub);
    if (paths_is_dir(candidate))
        return candidate;
    free(candidate);
    return NULL;
}

int
paths_mkdirs(const char *path, unsigned mode, struct err *err)
{
    char *copy = xstrdup(path);

    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, mode) != 0 && errno != EEXIST) {
            int e = errno;
            err_set(err, E_FAIL, "cannot create directory %s: %s", copy,
                    strerror(e));
            err->os_errno = e;
            free(copy);
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(copy);
    return 0;
}

int
paths_check_private_dir(const char *dir, struct err *err)
{
    struct stat st;

    /* lstat: a link in its place would lead modecon's files wherever its
     * owner pointed it. */
    if (lstat(dir, &st) != 0) {
        int e = errno;
        err_set(err, E_FAIL, "cannot use the state directory %s: %s", dir,
                strerror(e));
        err->os_errno = e;
        return -1;
    }
    if (S_ISLNK(st.st_mode))
        return err_set(err, E_FAIL,
                       "the state directory %s is a symbolic link: modecon "
                       "does not follow links in place of its directories; "
                       "set XDG_STATE_HOME to a directory of your own",
                       dir);
    if (!S_ISDIR(st.st_mode))
        return err_set(err, E_FAIL, "the state directory %s is not a directory",
                       dir);
    /* Whoever can write in it can put a link or a FIFO in place of the
     * undo record, the journal or a lock, or remove them. */
    if (st.st_uid != geteuid())
        return err_set(err, E_FAIL,
                       "the state directory %s belongs to user %ld, not to "
                       "you (user %ld): another user could change the files "
                       "modecon keeps there; set XDG_STATE_HOME to a "
                       "directory of your own",
                       dir, (long)st.st_uid, (long)geteuid());
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return err_set(err, E_FAIL,
                       "the state directory %s can be written by others "
                       "(mode %04o): they could change the files modecon "
                       "keeps there; make it yours alone: chmod 700 %s",
                       dir, (unsigned)(st.st_mode & 07777), dir);
    return 0;
}

/* Whether a directory or link of user 'uid' is in safe hands: the user's
 * own, or the system's. */
static bool
paths_trusted_owner(uid_t uid)
{
    return uid == geteuid() || uid == 0;
}

/* No link on the way to 'path' that another user owns: that user could
 * point it, and the state directory with it, elsewhere. */
static int
paths_check_links_to(const char *path, struct err *err)
{
    char *copy = xstrdup(path);
    int rc = 0;

    for (char *p = copy + 1; rc == 0; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        struct stat st;
        *p = '\0';
        if (lstat(copy, &st) == 0 && S_ISLNK(st.st_mode) &&
            !paths_trusted_owner(st.st_uid))
            rc = err_set(err, E_FAIL,
                         "%s, on the way to the state directory, is a "
                         "symbolic link of user %ld: they could point it "
                         "elsewhere; set XDG_STATE_HOME to a directory of "
                         "your own",
                         copy, (long)st.st_uid);
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(copy);
    return rc;
}

/* The directories above the state directory 'base', as the system finds
 * them (links resolved): each must be the user's or the system's, and
 * writable by nobody else unless sticky (as /tmp is), where others cannot
 * rename or remove what is not theirs.  Else another user could put a
 * directory of theirs in place of the state directory. */
static int
paths_check_parents(const char *base, struct err *err)
{
    char *parent = xstrdup(base), *slash = strrchr(parent, '/');
    char resolved[PATH_MAX];
    int rc = 0;

    if (slash != NULL)
        slash[slash == parent ? 1 : 0] = '\0';
    if (paths_check_links_to(parent, err) != 0) {
        free(parent);
        return -1;
    }
    if (realpath(parent, resolved) == NULL) {
        int e = errno;
        err_set(err, E_FAIL, "cannot use the state directory in %s: %s", parent,
                strerror(e));
        err->os_errno = e;
        free(parent);
        return -1;
    }
    free(parent);
    for (;;) {
        struct stat st;
        if (stat(resolved, &st) != 0) {
            int e = errno;
            rc =
                err_set(err, E_FAIL, "cannot use the state directory in %s: %s",
                        resolved, strerror(e));
            err->os_errno = e;
        } else if (!paths_trusted_owner(st.st_uid)) {
            rc = err_set(err, E_FAIL,
                         "%s, above the state directory, belongs to user "
                         "%ld: they could replace the state directory; set "
                         "XDG_STATE_HOME to a directory of your own",
                         resolved, (long)st.st_uid);
        } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
                   !(st.st_mode & S_ISVTX)) {
            rc = err_set(err, E_FAIL,
                         "%s, above the state directory, can be written by "
                         "others (mode %04o) and is not sticky: they could "
                         "replace the state directory; chmod go-w %s, or set "
                         "XDG_STATE_HOME to a directory of your own",
                         resolved, (unsigned)(st.st_mode & 07777), resolved);
        }
        if (rc != 0 || strcmp(resolved, "/") == 0)
            break;
        char *last = strrchr(resolved, '/');
        last[last == resolved ? 1 : 0] = '\0'; /* "/a" goes up to "/" */
    }
    return rc;
}

char *
paths_state_dir(const char *sub, struct err *err)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *base, *dir;

    if (xdg != NULL && xdg[0] == '/')
        base = xasprintf("%s/modecon", xdg);
    else if (home != NULL && *home != '\0')
        base = xasprintf("%s/.local/state/modecon", home);
    else {
        err_set(err, E_FAIL, "no state directory: set XDG_STATE_HOME or HOME");
        return NULL;
    }
    dir = sub ? xasprintf("%s/%s", base, sub) : xstrdup(base);
    /* Checked on every use: a directory opened up since is refused before
     * anything in it is trusted. */
    if (paths_mkdirs(dir, 0700, err) != 0 ||
        paths_check_parents(base, err) != 0 ||
        paths_check_private_dir(base, err) != 0 ||
        (sub != NULL && paths_check_private_dir(dir, err) != 0)) {
        free(base);
        free(dir);
        return NULL;
    }
    free(base);
    return dir;
}

char *
paths_config_file(const char *name)
{
    const char *config = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");

    if (config != NULL && *config != '\0')
        return xasprintf("%s/modecon/%s", config, name);
    if (home != NULL && *home != '\0')
        return xasprintf("%s/.config/modecon/%s", home, name);
    return NULL;
}

char *
paths_key_file(const char *dir, const char *key, const char *suffix)
{
    char slug[64];
    uint64_t hash = 1469598103934665603ull; /* FNV-1a */
    size_t n = 0;

    for (const char *p = key; *p != '\0'; p++) {
        hash = (hash ^ (unsigned char)*p) * 1099511628211ull;
        if (n + 1 < sizeof slug)
            slug[n++] = (strchr("abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
                                *p) != NULL)
                            ? *p
                            : '_';
    }
    slug[n] = '\0';
    return xasprintf("%s/%s-%016llx%s", dir, slug, (unsigned long long)hash,
                     suffix);
}

bool
paths_is_json_file(const char *name)
{
    size_t len = strlen(name);

    return len > 5 && strcmp(name + len - 5, ".json") == 0;
}
