#include "engine/lock.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/paths.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

struct drive_lock {
    int fd;
    long pid; /* getpid() is a system call each time; it cannot change */
    char drive[256];
};

#define LOCK_LABEL_LEN 128

int
lock_open(const char *drive, struct drive_lock **out, struct err *err)
{
    char *dir = paths_state_dir("locks", err), *path;
    int fd;

    if (dir == NULL)
        return -1;
    path = paths_key_file(dir, drive, ".lock");
    free(dir);
    /* Not through a link (which would create its target) nor a FIFO. */
    fd = statefile_open(path, O_RDWR | O_CREAT, 0600, err);
    if (fd < 0) {
        err_prefix(err, "lock file");
        free(path);
        return -1;
    }
    free(path);
    *out = xmalloc(sizeof **out);
    (*out)->fd = fd;
    (*out)->pid = (long)getpid();
    snprintf((*out)->drive, sizeof(*out)->drive, "%s", drive);
    return 0;
}

void
lock_close(struct drive_lock *lock)
{
    if (lock == NULL)
        return;
    close(lock->fd); /* drops the flock if it is held */
    free(lock);
}

int
lock_acquire(struct drive_lock *lock, const char *client, struct err *err)
{
    if (flock(lock->fd, LOCK_EX | LOCK_NB) != 0) {
        char owner[LOCK_LABEL_LEN + 1];
        ssize_t n = pread(lock->fd, owner, sizeof owner - 1, 0);
        owner[n > 0 ? n : 0] = '\0';
        owner[strcspn(owner, "\n")] = '\0';
        return err_set(err, E_IMAPI_RECORDER_LOCKED,
                       "%s is in exclusive use by %s", lock->drive,
                       owner[0] ? owner : "another process");
    }
    /* Record who holds it, for the next process that is refused.  The
     * label has a fixed size, so one pwrite replaces the last holder's
     * without truncating the file (which costs a journal commit on ext4);
     * if it cannot be written the lock still holds, only unlabelled. */
    char who[LOCK_LABEL_LEN];
    memset(who, '\n', sizeof who);
    int n = snprintf(who, sizeof who, "%s (pid %ld)", client, lock->pid);
    if (n >= 0 && (size_t)n < sizeof who)
        who[n] = '\n';
    ssize_t written = pwrite(lock->fd, who, sizeof who, 0);
    (void)written;
    return 0;
}

void
lock_release(struct drive_lock *lock)
{
    /* The label stays for the next holder to overwrite: removing the file
     * would race with a process about to lock it. */
    flock(lock->fd, LOCK_UN);
}
