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
    bool read_only; /* no write permission: the kernel filters commands */
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

static int
sg_open(const char *target, struct transport **out, struct err *err)
{
    char path[256];

    if (strlen(target) + strlen("/dev/") >= sizeof path)
        return err_usage(err, "/dev/%.40s...: the device name is too long",
                         target);
    snprintf(path, sizeof path, "/dev/%s", target);
    /* Only a SCSI device: a sg node, or a block device the SCSI layer
     * drives.  Opening anything else under /dev could have effects (a
     * watchdog arms, a tape rewinds). */
    struct stat node;
    if (stat(path, &node) != 0)
        return sg_open_error(path, errno, err);
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

/* CD/DVD devices (SPC-4 table 48): the drives found without being named.
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
        if (strncmp(e->d_name, "sg", 2) != 0 ||
            sg_peripheral_type(dir, e->d_name) != SG_TYPE_MMC)
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
