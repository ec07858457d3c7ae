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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/transport.h"
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
    int fd;
};

/* Why the device cannot be opened, in the user's terms. */
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
        if (stat(path, &st) == 0 && getgrgid(st.st_gid) != NULL)
            err_set(err, E_ACCESS_DENIED,
                    "%s: permission denied: it may be opened by root and "
                    "the group '%s' (add yourself with 'usermod -aG %s')",
                    path, getgrgid(st.st_gid)->gr_name,
                    getgrgid(st.st_gid)->gr_name);
        else
            err_set(err, E_ACCESS_DENIED, "%s: permission denied", path);
        break;
    case EBUSY:
        err_set(err, E_IMAPI_RECORDER_LOCKED,
                "%s: another program holds the device exclusively", path);
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

static int
sg_open(const char *target, struct transport **out, struct err *err)
{
    char path[256];

    if (strlen(target) + strlen("/dev/") >= sizeof path)
        return err_usage(err, "/dev/%.40s...: the device name is too long",
                         target);
    snprintf(path, sizeof path, "/dev/%s", target);
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == EROFS || errno == EACCES))
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return sg_open_error(path, errno, err);

    /* Only devices that take SG_IO: a disk partition or a tty does not. */
    int version = 0;
    if (ioctl(fd, SG_GET_VERSION_NUM, &version) != 0 && errno == ENOTTY) {
        struct sg_io_hdr probe = { .interface_id = 'S' };
        if (ioctl(fd, SG_IO, &probe) != 0 && errno == ENOTTY) {
            close(fd);
            return err_usage(err,
                             "%s is not a SCSI device (it takes no SG_IO): "
                             "expected /dev/sgN or /dev/srN",
                             path);
        }
    }
    struct sg_transport *st = xcalloc(1, sizeof *st);
    st->base.ops = &transport_sg_ops;
    st->fd = fd;
    snprintf(st->base.name, sizeof st->base.name, "%s", path);
    sg_identity(fd, path, st->base.id, sizeof st->base.id);
    *out = &st->base;
    return 0;
}

static int
sg_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    struct sg_transport *st = (struct sg_transport *)tp;
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
        /* The block layer lets a reader send only commands that cannot
         * change anything, unless the process may do raw I/O. */
        if (e == EPERM)
            return err_set(err, E_ACCESS_DENIED,
                           "%s: the kernel refused command 0x%02x to a "
                           "device open read-only: use the drive's "
                           "/dev/sgN, which opens read-write",
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

    close(st->fd);
    free(st);
}

const struct transport_ops transport_sg_ops = {
    .scheme = "sg",
    .open = sg_open,
    .exec = sg_exec,
    .control = NULL,
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

int
sg_list_drives(const char *sysfs, char ***uris, size_t *count, struct err *err)
{
    char dir[PATH_MAX];
    char **names = NULL;
    size_t n = 0;
    DIR *d;
    struct dirent *e;

    (void)err;
    snprintf(dir, sizeof dir, "%s/class/scsi_generic", sysfs);
    d = opendir(dir);
    if (d == NULL)
        return 0; /* no sg driver: no local drives */
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "sg", 2) != 0)
            continue;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, sg_compare);
    for (size_t i = 0; i < n; i++) {
        char child[256];
        char *block = xasprintf("%s/%s/device/block", dir, names[i]);
        *uris = xrealloc(*uris, (*count + 1) * sizeof **uris);
        bool cd = sg_only_child(block, child, sizeof child) &&
                  strncmp(child, "sr", 2) == 0;
        free(block);
        if (cd)
            (*uris)[(*count)++] = xasprintf("/dev/%s", child);
        else
            (*uris)[(*count)++] = xasprintf("/dev/%s", names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}
