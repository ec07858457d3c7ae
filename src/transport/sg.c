/*
 * Local drives: /dev/sgN and /dev/srN through the SG_IO ioctl of the
 * Linux SCSI generic layer (the sg and block drivers both take it).  The
 * device is opened with O_NONBLOCK, so that a drive without a disc opens,
 * and read-write where it may be (MODE SELECT needs it), else read-only.
 */
#include "transport/sg.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <scsi/sg.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/types.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

/* Host (adapter) status of an SG_IO answer, from the kernel's
 * include/scsi/scsi_status.h: why no SCSI status came back. */
#define SG_DID_OK         0x00
#define SG_DID_NO_CONNECT 0x01
#define SG_DID_BUS_BUSY   0x02
#define SG_DID_TIME_OUT   0x03
#define SG_DID_BAD_TARGET 0x04
#define SG_DID_ABORT      0x05
#define SG_DRIVER_TIMEOUT 0x06 /* driver_status, low nibble */
#define SG_DRIVER_MASK    0x0f

struct sg_transport {
    struct transport base;
    int fd;           /* -1 after a reopen failed: see reopen_errno */
    int reopen_errno; /* why the device could not be opened again */
    int claim_fd;     /* a block node's O_EXCL descriptor, or -1 */
    bool read_only;   /* no write permission: the kernel filters commands */
    bool block;       /* /dev/srN (a block device) rather than /dev/sgN */
    bool exclusive;   /* claimed */
};

/* Appends to the text out[0, len) of which *n bytes are used, as much as
 * fits. */
static void __attribute__((format(printf, 4, 5)))
sg_append(char *out, size_t len, size_t *n, const char *fmt, ...)
{
    va_list ap;

    if (*n >= len)
        return;
    va_start(ap, fmt);
    int w = vsnprintf(out + *n, len - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n += (size_t)w;
}

/* Appends "comm (pid N)" for each process that has 'node' open (this one
 * too, for a descriptor other than 'own_fd'), and "mounted on DIR" for
 * each mount of it, to the text 'out': who to ask when the device is busy.
 * Other users' processes are visible to root only. */
static void
sg_holders(const struct stat *node, int own_fd, char *out, size_t len)
{
    DIR *proc = opendir("/proc");
    struct dirent *p;
    size_t n = strlen(out);
    int found = 0;

    while (proc != NULL && (p = readdir(proc)) != NULL) {
        char *end, dir[64];
        long pid = strtol(p->d_name, &end, 10);
        if (*end != '\0' || pid <= 0)
            continue;
        bool self = pid == (long)getpid();
        snprintf(dir, sizeof dir, "/proc/%ld/fd", pid);
        DIR *fds = opendir(dir);
        struct dirent *f;
        bool holds = false;
        while (fds != NULL && !holds && (f = readdir(fds)) != NULL) {
            char fd_path[PATH_MAX];
            struct stat st;
            snprintf(fd_path, sizeof fd_path, "%s/%s", dir, f->d_name);
            holds = f->d_name[0] != '.' &&
                    !(self && atoi(f->d_name) == own_fd) &&
                    stat(fd_path, &st) == 0 &&
                    (st.st_mode & S_IFMT) == (node->st_mode & S_IFMT) &&
                    st.st_rdev == node->st_rdev;
        }
        if (fds != NULL)
            closedir(fds);
        if (!holds)
            continue;
        char comm[64] = "?";
        snprintf(dir, sizeof dir, "/proc/%ld/comm", pid);
        FILE *c = fopen(dir, "r");
        if (c != NULL) {
            if (fgets(comm, sizeof comm, c) != NULL)
                comm[strcspn(comm, "\n")] = '\0';
            fclose(c);
        }
        if (found++ < 3)
            sg_append(out, len, &n, "%s%s (pid %ld)", found > 1 ? ", " : "",
                      comm, pid);
    }
    if (proc != NULL)
        closedir(proc);
    if (found > 3)
        sg_append(out, len, &n, " and %d more", found - 3);

    /* /proc/self/mountinfo (proc(5)): field 3 is MAJOR:MINOR, 5 the
     * mount point. */
    FILE *mounts =
        S_ISBLK(node->st_mode) ? fopen("/proc/self/mountinfo", "r") : NULL;
    char line[1024];
    while (mounts != NULL && fgets(line, sizeof line, mounts) != NULL) {
        unsigned maj, min;
        char where[512];
        if (sscanf(line, "%*s %*s %u:%u %*s %511s", &maj, &min, where) == 3 &&
            maj == major(node->st_rdev) && min == minor(node->st_rdev))
            sg_append(out, len, &n, "%smounted on %s", found++ > 0 ? ", " : "",
                      where);
    }
    if (mounts != NULL)
        fclose(mounts);
    if (found == 0)
        sg_append(out, len, &n,
                  "no holder found: other users' programs are visible to "
                  "root only, or it has closed since");
}

/* Why the device cannot be opened, in the user's terms. */
/* E_IMAPI_RECORDER_LOCKED: "PATH<state> (<holders>)<advice>", the holders
 * found other than this process's 'own_fd'. */
static void
sg_locked_error(const char *path, int own_fd, const char *state,
                const char *advice, struct err *err)
{
    char who[512] = "";
    struct stat node;

    if (stat(path, &node) == 0)
        sg_holders(&node, own_fd, who, sizeof who);
    err_set(err, E_IMAPI_RECORDER_LOCKED, "%s%s (%s)%s", path, state, who,
            advice);
}

static int
sg_open_error(const char *path, int e, struct err *err)
{
    struct stat st;

    switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
        err_set(err, HRESULT_ERROR_DEV_NOT_EXIST, "%s: no such device (%s)",
                path, strerror(e));
        break;
    case EACCES:
    case EPERM:
        /* The group is worth naming only when it may read and write the
         * node and is not root's own. */
        if (stat(path, &st) == 0 && (st.st_mode & 0060) == 0060 &&
            st.st_gid != 0 && getgrgid(st.st_gid) != NULL)
            err_set(err, E_ACCESS_DENIED,
                    "%s: permission denied: the group '%s' may open it "
                    "(sudo usermod -aG %s $USER, then log in again)",
                    path, getgrgid(st.st_gid)->gr_name,
                    getgrgid(st.st_gid)->gr_name);
        else
            err_set(err, E_ACCESS_DENIED,
                    "%s: permission denied: only root may open it", path);
        break;
    case EBUSY:
        sg_locked_error(path, -1,
                        ": another program holds the device exclusively", "",
                        err);
        break;
    default:
        err_set(err, E_FAIL, "%s: cannot open: %s", path, strerror(e));
        break;
    }
    err->os_errno = e;
    return -1;
}

/* "scsi:H:C:T:L", the drive whatever its node: /dev/sr0 and /dev/sg0 of
 * one drive lock as one.  Falls back to the node's device number. */
static void
sg_identity(int fd, const char *path, char *id, size_t len)
{
    struct stat st;
    char link[PATH_MAX], target[PATH_MAX];

    snprintf(id, len, "%s", path);
    if (fstat(fd, &st) != 0)
        return;
    snprintf(link, sizeof link, "/sys/dev/%s/%u:%u/device",
             S_ISBLK(st.st_mode) ? "block" : "char", major(st.st_rdev),
             minor(st.st_rdev));
    if (realpath(link, target) != NULL)
        snprintf(id, len, "scsi:%s", strrchr(target, '/') + 1);
    else
        snprintf(id, len, "dev:%u:%u", major(st.st_rdev), minor(st.st_rdev));
}

/* The sg driver's character major (Documentation/admin-guide/devices). */
#define SG_CHAR_MAJOR 21

/* A sg node, or a whole block device of the SCSI layer (it has a
 * scsi_device in sysfs; a partition or a loop device does not). */
static bool
sg_is_scsi_node(const struct stat *node)
{
    char link[PATH_MAX];
    struct stat st;

    if (S_ISCHR(node->st_mode))
        return major(node->st_rdev) == SG_CHAR_MAJOR;
    if (!S_ISBLK(node->st_mode))
        return false;
    snprintf(link, sizeof link, "/sys/dev/block/%u:%u/device/scsi_device",
             major(node->st_rdev), minor(node->st_rdev));
    return stat(link, &st) == 0;
}

/* A node that does not exist when it is opened is most often a mistake in
 * its name: HRESULT_ERROR_DEV_NOT_EXIST, as bad input (exit status 2), and
 * which drives there are.  (A drive that goes while open fails its next
 * command with the same HRESULT and the cable advice.) */
static int
sg_no_such_node(const char *path, struct err *err)
{
    char **uris = NULL, found[256] = "";
    size_t count = 0, n = 0;

    sg_list_drives("/sys", &uris, &count, err);
    for (size_t i = 0; i < count; i++) {
        if (n < sizeof found)
            n += (size_t)snprintf(found + n, sizeof found - n, "%s%s",
                                  i > 0 ? ", " : "", uris[i]);
        free(uris[i]);
    }
    free(uris);
    if (count == 0)
        err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                "%s: no such device, and no local CD/DVD drive was found; "
                "'modecon list' shows the drives there are",
                path);
    else
        err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                "%s: no such device; the local CD/DVD drives are %s", path,
                found);
    err->usage = true;
    err->os_errno = ENOENT;
    return -1;
}

/* Room for "/dev/" and a device's name. */
#define SG_PATH_LEN 256

static int
sg_check(const char *target, struct err *err)
{
    if (strlen(target) + strlen("/dev/") >= SG_PATH_LEN)
        return err_usage(err, "/dev/%.40s...: the device name is too long",
                         target);
    const char *query = strchr(target, '?');
    if (query != NULL)
        return err_usage(err,
                         "/dev/%s: unknown parameter '%.*s'; a local drive "
                         "takes ?fault=SPEC[,SPEC...]",
                         target, (int)strcspn(query + 1, "=&"), query + 1);
    return 0;
}

static int
sg_open(const char *target, struct transport **out, struct err *err)
{
    char path[SG_PATH_LEN];

    if (sg_check(target, err) != 0)
        return -1;
    snprintf(path, sizeof path, "/dev/%s", target);
    /* Only a SCSI device: a sg node, or a block device the SCSI layer
     * drives.  Opening anything else under /dev could have effects (a
     * watchdog arms, a tape rewinds). */
    struct stat node;
    if (stat(path, &node) != 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? sg_no_such_node(path, err)
                   : sg_open_error(path, errno, err);
    if (!sg_is_scsi_node(&node))
        return err_usage(err,
                         "%s is not a SCSI device: expected /dev/sgN or "
                         "/dev/srN",
                         path);
    bool read_only = false;
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == EROFS || errno == EACCES)) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        read_only = true;
    }
    if (fd < 0)
        return sg_open_error(path, errno, err);
    struct sg_transport *st = xcalloc(1, sizeof *st);
    st->base.ops = &transport_sg_ops;
    st->fd = fd;
    st->read_only = read_only;
    st->block = S_ISBLK(node.st_mode);
    st->claim_fd = -1;
    snprintf(st->base.name, sizeof st->base.name, "%s", path);
    sg_identity(fd, path, st->base.id, sizeof st->base.id);
    *out = &st->base;
    return 0;
}

static int
sg_reopen(struct sg_transport *st, bool exclusive)
{
    int flags = (st->read_only ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_CLOEXEC;

    if (st->fd >= 0)
        close(st->fd);
    st->fd = open(st->base.name, flags | (exclusive ? O_EXCL : 0));
    st->reopen_errno = st->fd < 0 ? errno : 0;
    return st->fd >= 0 ? 0 : -1;
}

/*
 * Exclusive use of a local drive is the kernel's O_EXCL, which keeps out
 * only the openers of that node.  On /dev/sgN it is refused while any
 * other descriptor of the node is open (this process's own too, so the
 * node is closed and opened again), and keeps every other opener of sgN
 * out.  On /dev/srN it is refused while a mount or another exclusive
 * opener holds the drive, and keeps those out, but not plain openers; the
 * plain descriptor stays, and a second one holds the claim.
 */
static int
sg_claim(struct transport *tp, bool exclusive, struct err *err)
{
    struct sg_transport *st = (struct sg_transport *)tp;
    int e;

    /* The sg driver refuses O_EXCL on a read-only open (EPERM), and a
     * read-only device cannot take MODE SELECT unless the process may do
     * raw I/O: the kernel's filter refuses it with the reason. */
    if (exclusive == st->exclusive || (exclusive && st->read_only))
        return 0;
    if (st->block) {
        if (!exclusive) {
            close(st->claim_fd);
            st->claim_fd = -1;
            st->exclusive = false;
            return 0;
        }
        st->claim_fd =
            open(tp->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_EXCL);
        e = errno;
        st->exclusive = st->claim_fd >= 0;
    } else {
        st->exclusive = sg_reopen(st, exclusive) == 0 && exclusive;
        e = st->reopen_errno;
        if (st->fd < 0 && exclusive)
            sg_reopen(st, false); /* usable as before, if it can be */
    }
    if (st->exclusive == exclusive)
        return 0;
    if (e != EBUSY)
        return sg_open_error(tp->name, e, err);

    if (st->block)
        sg_locked_error(tp->name, st->fd, " is held exclusively elsewhere",
                        ": unmount it or close that program, then try "
                        "again; nothing was changed",
                        err);
    else
        sg_locked_error(tp->name, st->fd, " is open in another program",
                        ": close it, or go through the drive's /dev/srN; "
                        "nothing was changed",
                        err);
    err->os_errno = e;
    return -1;
}

static int
sg_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    struct sg_transport *st = (struct sg_transport *)tp;

    /* A node that could not be opened again after a claim (another
     * program took it in between) is tried once more. */
    if (st->fd < 0 && sg_reopen(st, false) != 0)
        return sg_open_error(tp->name, st->reopen_errno, err);
    struct sg_io_hdr hdr = {
        .interface_id = 'S',
        .dxfer_direction = io->dir == XFER_IN    ? SG_DXFER_FROM_DEV
                           : io->dir == XFER_OUT ? SG_DXFER_TO_DEV
                                                 : SG_DXFER_NONE,
        .cmd_len = io->cdb_len,
        .mx_sb_len = sizeof io->sense,
        .dxfer_len = io->len,
        .dxferp = io->buf,
        .cmdp = io->cdb,
        .sbp = io->sense,
        .timeout = io->timeout_ms,
    };

    if (ioctl(st->fd, SG_IO, &hdr) != 0) {
        int e = errno;
        err->os_errno = e;
        if (e == ENODEV || e == ENXIO)
            return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                           "%s: the device has gone away (%s)", tp->name,
                           strerror(e));
        /* The kernel's command filter lets a device opened read-only
         * take only commands that change nothing, unless the process
         * may do raw I/O; nothing reached the drive. */
        if (e == EPERM)
            return err_set(err, E_ACCESS_DENIED,
                           "%s: the kernel refused command 0x%02x before "
                           "sending it: %s",
                           tp->name, io->cdb[0],
                           st->read_only
                               ? "the device is open read-only (no write "
                                 "permission on it)"
                               : "only root may send it");
        if (e == EINTR)
            return err_set(err, E_FAIL,
                           "%s: interrupted while waiting for command "
                           "0x%02x, which may have reached the drive",
                           tp->name, io->cdb[0]);
        return err_set(err, E_FAIL, "%s: SG_IO failed: %s", tp->name,
                       strerror(e));
    }
    switch (hdr.host_status) {
    case SG_DID_OK:
        break;
    case SG_DID_TIME_OUT:
    case SG_DID_ABORT:
        return err_set(err, E_IMAPI_RECORDER_COMMAND_TIMEOUT,
                       "%s: no answer within %u ms", tp->name, io->timeout_ms);
    case SG_DID_NO_CONNECT:
    case SG_DID_BAD_TARGET:
        return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                       "%s: the device has gone away (host status 0x%02x)",
                       tp->name, hdr.host_status);
    default:
        return err_set(err, E_FAIL,
                       "%s: the adapter failed the command (host "
                       "status 0x%02x)",
                       tp->name, hdr.host_status);
    }
    if ((hdr.driver_status & SG_DRIVER_MASK) == SG_DRIVER_TIMEOUT)
        return err_set(err, E_IMAPI_RECORDER_COMMAND_TIMEOUT,
                       "%s: no answer within %u ms", tp->name, io->timeout_ms);
    io->status = hdr.status;
    io->sense_len = hdr.sb_len_wr;
    io->resid = hdr.resid > 0 ? (uint32_t)hdr.resid : 0;
    return 0;
}

static void
sg_close(struct transport *tp)
{
    struct sg_transport *st = (struct sg_transport *)tp;

    if (st->fd >= 0)
        close(st->fd);
    if (st->claim_fd >= 0)
        close(st->claim_fd);
    free(st);
}

const struct transport_ops transport_sg_ops = {
    .scheme = "sg",
    .open = sg_open,
    .check = sg_check,
    .exec = sg_exec,
    .control = NULL,
    .claim = sg_claim,
    .close = sg_close,
};

/* The one entry of directory 'dir' (its only child), or false. */
static bool
sg_only_child(const char *dir, char *name, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;

    if (d == NULL)
        return false;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(name, len, "%s", e->d_name);
        found = true;
        break;
    }
    closedir(d);
    return found;
}

static int
sg_compare(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* sg2 before sg10 */
    size_t lx = strlen(x), ly = strlen(y);
    return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x, y);
}

/* CD/DVD devices (SPC-4 6.6.2): the drives found without being named.
 * A disk or an enclosure is reached by naming its /dev/sgN. */
#define SG_TYPE_MMC 5

/* The peripheral device type sysfs shows for 'dir'/'name', or -1. */
static int
sg_peripheral_type(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s/device/type", dir, name);
    FILE *f = fopen(path, "r");
    int type = -1;

    free(path);
    if (f == NULL)
        return -1;
    if (fscanf(f, "%d", &type) != 1)
        type = -1;
    fclose(f);
    return type;
}

/* The entries of 'dir' named PREFIX<digits>, of type 5 when 'mmc_only'
 * (a sg node may be any device; an sr node is always a CD/DVD drive), or
 * -1 when 'dir' is missing. */
static int
sg_scan(const char *dir, const char *prefix, bool mmc_only, char ***names,
        size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(prefix);
        if (strncmp(e->d_name, prefix, len) != 0 ||
            strspn(e->d_name + len, "0123456789") != strlen(e->d_name + len) ||
            e->d_name[len] == '\0' ||
            (mmc_only && sg_peripheral_type(dir, e->d_name) != SG_TYPE_MMC))
            continue;
        *names = xrealloc(*names, (*n + 1) * sizeof **names);
        (*names)[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    return 0;
}

int
sg_list_drives(const char *sysfs, char ***uris, size_t *count, struct err *err)
{
    char dir[PATH_MAX];
    char **names = NULL;
    size_t n = 0;
    bool sr_only = false;

    (void)err;
    snprintf(dir, sizeof dir, "%s/class/scsi_generic", sysfs);
    if (sg_scan(dir, "sg", true, &names, &n) != 0) {
        /* No sg driver: the sr driver's nodes take SG_IO too. */
        snprintf(dir, sizeof dir, "%s/class/block", sysfs);
        sg_scan(dir, "sr", false, &names, &n);
        sr_only = true;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, sg_compare);
    *uris = xrealloc(*uris, (*count + n + 1) * sizeof **uris);
    for (size_t i = 0; i < n; i++) {
        char child[256];
        char *block = xasprintf("%s/%s/device/block", dir, names[i]);
        bool cd = !sr_only && sg_only_child(block, child, sizeof child) &&
                  strncmp(child, "sr", 2) == 0;
        free(block);
        (*uris)[(*count)++] = xasprintf("/dev/%s", cd ? child : names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}
