#define _GNU_SOURCE /* memfd_create */
#include "cmd/histfile.h"

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/atomicfile.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

/* Far more than the 1000 lines the shell and the console keep. */
#define HISTFILE_MAX (16u << 20)

int
histfile_load(struct history *h, const char *path, struct err *err)
{
    HistEvent ev;
    int fd = statefile_open(path, O_RDONLY, 0, err);

    if (fd < 0) {
        if (err->os_errno != ENOENT)
            return -1;
        err_clear(err);
        return 0;
    }
    /* libedit reads a history only by name.  The name given is that of
     * the descriptor just checked, so the file loaded is the regular file
     * checked, whatever has taken its name since.  Without /proc the
     * name itself is read: only the user can put something there between
     * the check and the read, as paths_state_dir refuses a state
     * directory anyone else can write in. */
    char *name = xasprintf("/proc/self/fd/%d", fd);
    if (access(name, R_OK) != 0) {
        free(name);
        name = xstrdup(path);
    }
    /* A file that is not a history (no libedit header) loads nothing,
     * and is replaced by the next save as a damaged one would be. */
    history(h, &ev, H_LOAD, name);
    free(name);
    close(fd);
    return 0;
}

int
histfile_save(struct history *h, const char *path, struct err *err)
{
    HistEvent ev;
    size_t len = 0;
    char *text = NULL;
    int rc = -1;

    /* libedit writes a history to a FILE * it can fchmod: an anonymous
     * file in memory, whose bytes then replace the file whole. */
    int fd = memfd_create("modecon-history", MFD_CLOEXEC);
    FILE *fp = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (fp == NULL) {
        int e = errno;
        err_set(err, E_FAIL, "cannot write %s: %s", path, strerror(e));
        err->os_errno = e;
        if (fd >= 0)
            close(fd);
        return -1;
    }
    errno = 0;
    if (history(h, &ev, H_SAVE_FP, fp) < 0 || fflush(fp) != 0) {
        err_set(err, E_FAIL, "cannot write %s: %s", path,
                errno != 0 ? strerror(errno) : "libedit could not save it");
        goto done;
    }
    text = statefile_read_fd(fileno(fp), path, HISTFILE_MAX, &len, err);
    if (text == NULL)
        goto done;
    /* Flushed before the rename: after a crash or a power loss the file
     * is the old history or the new one, never a torn or an empty one. */
    rc = atomicfile_write(path, text, len, 0600, true, err);
done:
    free(text);
    fclose(fp);
    return rc;
}
