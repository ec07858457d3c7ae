#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdio.h>
#include <stdlib.h>

#include "raw.h"

const char bench_raw_label[] = "raw libiscsi";

struct bench_raw {
    struct iscsi_context *iscsi;
    int lun;
};

static void
bench_raw_fail(const char *what, struct iscsi_context *iscsi)
{
    fprintf(stderr, "bench: %s: %s\n", what, iscsi_get_error(iscsi));
    exit(1);
}

struct bench_raw *
bench_raw_open(const char *uri)
{
    struct bench_raw *raw = calloc(1, sizeof *raw);

    raw->iscsi = iscsi_create_context("iqn.2026-11.invalid.modecon:bench-raw");
    struct iscsi_url *url = iscsi_parse_full_url(raw->iscsi, uri);
    if (url == NULL)
        bench_raw_fail(uri, raw->iscsi);
    iscsi_set_targetname(raw->iscsi, url->target);
    iscsi_set_session_type(raw->iscsi, ISCSI_SESSION_NORMAL);
    iscsi_set_header_digest(raw->iscsi, ISCSI_HEADER_DIGEST_NONE);
    if (iscsi_full_connect_sync(raw->iscsi, url->portal, url->lun) != 0)
        bench_raw_fail(uri, raw->iscsi);
    raw->lun = url->lun;
    iscsi_destroy_url(url);
    return raw;
}

void
bench_raw_send(struct bench_raw *raw, const uint8_t *cdb, size_t len,
               uint32_t alloc)
{
    struct scsi_task *task = scsi_create_task((int)len, (unsigned char *)cdb,
                                              SCSI_XFER_READ, (int)alloc);

    if (task == NULL ||
        iscsi_scsi_command_sync(raw->iscsi, raw->lun, task, NULL) == NULL ||
        task->status != SCSI_STATUS_GOOD)
        bench_raw_fail("raw command", raw->iscsi);
    scsi_free_scsi_task(task);
}

void
bench_raw_close(struct bench_raw *raw)
{
    iscsi_logout_sync(raw->iscsi);
    iscsi_destroy_context(raw->iscsi);
    free(raw);
}
