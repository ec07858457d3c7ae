#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw.h"

const char bench_raw_label[] = "raw SG_IO";

struct bench_raw {
    int fd;
    uint8_t buf[65535];
};

struct bench_raw *
bench_raw_open(const char *uri)
{
    struct bench_raw *raw = calloc(1, sizeof *raw);

    raw->fd = open(uri, O_RDWR | O_NONBLOCK);
    if (raw->fd < 0)
        raw->fd = open(uri, O_RDONLY | O_NONBLOCK);
    if (raw->fd < 0) {
        fprintf(stderr, "bench: %s: %s\n", uri, strerror(errno));
        exit(1);
    }
    return raw;
}

void
bench_raw_send(struct bench_raw *raw, const uint8_t *cdb, size_t len,
               uint32_t alloc)
{
    uint8_t sense[64];
    struct sg_io_hdr hdr = {
        .interface_id = 'S',
        .dxfer_direction = SG_DXFER_FROM_DEV,
        .cmd_len = (unsigned char)len,
        .mx_sb_len = sizeof sense,
        .dxfer_len = alloc,
        .dxferp = raw->buf,
        .cmdp = (unsigned char *)cdb,
        .sbp = sense,
        .timeout = 10000,
    };

    if (alloc > sizeof raw->buf || ioctl(raw->fd, SG_IO, &hdr) != 0 ||
        hdr.status != 0 || hdr.host_status != 0) {
        fprintf(stderr,
                "bench: raw SG_IO failed (status 0x%02x, host 0x%02x)\n",
                hdr.status, hdr.host_status);
        exit(1);
    }
}

void
bench_raw_close(struct bench_raw *raw)
{
    close(raw->fd);
    free(raw);
}
