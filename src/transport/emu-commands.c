/* The emulated drive's commands other than MODE SENSE and MODE SELECT:
 * INQUIRY, TEST UNIT READY, REQUEST SENSE, START STOP UNIT, PREVENT ALLOW
 * MEDIUM REMOVAL, WRITE and GET CONFIGURATION. */
#include <stdlib.h>
#include <string.h>

#include "transport/emu-internal.h"

/* SPC-4 6.6: standard INQUIRY data only; no VPD pages are emulated. */
void
emu_inquiry(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_drive *drive = et->drive;
    uint16_t alloc = emu_be16(&io->cdb[3]);
    uint8_t d[EMU_INQUIRY_LEN];

    if (!emu_transfer_ok(et, io, XFER_IN, alloc, 3))
        return;
    if (io->cdb[1] & 0x01) {
        emu_fail_field(et, io, 0x24, true, 1, 0);
        return;
    }
    if (io->cdb[2] != 0) {
        emu_fail_field(et, io, 0x24, true, 2, 7);
        return;
    }
    memset(d, ' ', sizeof d);
    d[0] = drive->peripheral_type;
    d[1] = drive->removable ? 0x80 : 0x00;
    d[2] = drive->version;
    d[3] = 0x02; /* response data format 2 */
    d[4] = EMU_INQUIRY_LEN - 5;
    d[5] = d[6] = d[7] = 0;
    memcpy(&d[8], drive->vendor, strlen(drive->vendor));
    memcpy(&d[16], drive->product, strlen(drive->product));
    memcpy(&d[32], drive->revision, strlen(drive->revision));
    emu_data_in(io, d, sizeof d, alloc);
}

void
emu_test_unit_ready(struct emu_transport *et, struct scsi_io *io)
{
    if (!emu_transfer_ok(et, io, XFER_NONE, 0, 0) || emu_no_medium(et, io) ||
        emu_not_ready(et, io))
        return;
    emu_good(io, 0);
}

/* REQUEST SENSE (SPC-4): the sense data of the current condition, with
 * GOOD status; the DESC bit picks the format. */
void
emu_request_sense(struct emu_transport *et, struct scsi_io *io)
{
    uint8_t alloc = io->cdb[4], d[EMU_SENSE_FIXED];
    struct emu_sense s;
    uint8_t len;

    if (!emu_transfer_ok(et, io, XFER_IN, alloc, 4))
        return;
    if (!emu_not_ready_sense(et, &s)) {
        memset(&s, 0, sizeof s);
        if (emu_medium_now(&et->sf.state) == EMU_MEDIUM_NONE) {
            s.key = 0x02;
            s.asc = 0x3a;
        }
    }
    len = emu_sense_build(et->drive, io->cdb[1] & 0x01, &s, d);
    emu_data_in(io, d, len, alloc);
}

/* START STOP UNIT (MMC-6): LoEj with Start loads, without it ejects. */
void
emu_start_stop_unit(struct emu_transport *et, struct scsi_io *io)
{
    struct emu_state *st = &et->sf.state;
    bool loej = io->cdb[4] & 0x02, start = io->cdb[4] & 0x01;
    enum emu_medium now = emu_medium_now(st);

    if (!emu_transfer_ok(et, io, XFER_NONE, 0, 0))
        return;
    /* A power condition makes the drive ignore Start and LoEj. */
    if ((io->cdb[4] >> 4) != 0 || !loej) {
        if (!loej && start && now == EMU_MEDIUM_NONE) {
            emu_fail(et, io, 0x02, 0x3a, 0x00);
            return;
        }
        {
            emu_good(io, 0);
            return;
        }
    }
    if (!start) {
        if (st->prevent) {
            emu_fail(et, io, 0x05, 0x53, 0x02);
            return;
        }
        /* A drive does not give up a disc it is formatting or writing. */
        if (now == EMU_MEDIUM_FORMATTING || now == EMU_MEDIUM_LONG_WRITE) {
            emu_not_ready(et, io);
            return;
        }
        if (st->medium != EMU_MEDIUM_NONE) {
            st->medium = EMU_MEDIUM_NONE;
            et->sf.dirty = true;
        }
        {
            emu_good(io, 0);
            return;
        }
    }
    if (st->medium == EMU_MEDIUM_NONE) {
        /* The disc that comes back is the drive file's: still write
         * protected if it was. */
        st->medium = et->drive->medium == EMU_MEDIUM_WRITE_PROTECTED
                         ? EMU_MEDIUM_WRITE_PROTECTED
                         : EMU_MEDIUM_PRESENT;
        et->sf.dirty = true;
    }
    emu_good(io, 0);
}

/* PREVENT ALLOW MEDIUM REMOVAL (SPC-4, MMC-6): bit 0 of the Prevent
 * field locks the tray. */
void
emu_prevent_allow(struct emu_transport *et, struct scsi_io *io)
{
    bool prevent = io->cdb[4] & 0x01;

    if (!emu_transfer_ok(et, io, XFER_NONE, 0, 0))
        return;
    if (et->sf.state.prevent != prevent) {
        et->sf.state.prevent = prevent;
        et->sf.dirty = true;
    }
    emu_good(io, 0);
}

/* WRITE(10) and WRITE(12), MMC-6 6.44/6.45: only the medium's answers
 * are emulated; the emulator keeps no user data and drops what is
 * written. */
void
emu_write(struct emu_transport *et, struct scsi_io *io)
{
    bool ten = io->cdb[0] == EMU_OP_WRITE10;
    uint32_t blocks = ten ? emu_be16(&io->cdb[7]) : emu_be32(&io->cdb[6]);
    uint64_t bytes = (uint64_t)blocks * EMU_BLOCK_SIZE;

    if (bytes > UINT32_MAX) {
        emu_fail_field(et, io, 0x24, true, ten ? 7 : 6, 7);
        return;
    }
    if (!emu_transfer_ok(et, io, XFER_OUT, (uint32_t)bytes, ten ? 7 : 6) ||
        emu_no_medium(et, io) || emu_not_ready(et, io))
        return;
    if (emu_medium_now(&et->sf.state) == EMU_MEDIUM_WRITE_PROTECTED) {
        emu_fail(et, io, 0x07, 0x27, 0x00);
        return;
    }
    emu_good(io, (uint32_t)bytes);
}

/* One feature descriptor (MMC-6 5.3); returns its length. */
static size_t
emu_feature(const struct emu_drive *drive, uint16_t code, uint16_t profile,
            uint8_t *p)
{
    size_t len;

    emu_put_be16(p, code);
    switch (code) {
    case 0x0000: /* Profile List, 5.3.1: version 0, persistent, current */
        p[2] = 0x03;
        p[3] = (uint8_t)(4 * drive->nprofiles);
        for (size_t i = 0; i < drive->nprofiles; i++) {
            uint8_t *d = &p[4 + 4 * i];
            emu_put_be16(d, drive->profiles[i]);
            d[2] = drive->profiles[i] == profile ? 0x01 : 0x00;
            d[3] = 0;
        }
        return 4 + 4 * drive->nprofiles;
    case 0x0001: /* Core, 5.3.2: version 2 */
        len = 12;
        memset(p + 2, 0, len - 2);
        p[2] = 0x0b;
        p[3] = 8;
        p[7] = drive->atapi ? 0x02 : 0x01; /* physical interface standard */
        p[8] = 0x01;                       /* DBE */
        return len;
    case 0x0003: /* Removable Medium, 5.3.4: version 2 */
        len = 8;
        memset(p + 2, 0, len - 2);
        p[2] = 0x0b;
        p[3] = 4;
        p[4] = 0x20 | 0x10 | 0x08 | 0x01; /* tray, Load, Eject, Lock */
        return len;
    default:
        abort(); /* only the features of emu_get_configuration's table */
    }
}

/* MMC-6 6.6: the feature header with the current profile, then the
 * features that RT and the starting feature number select. */
void
emu_get_configuration(struct emu_transport *et, struct scsi_io *io)
{
    static const uint16_t features[EMU_ALL_FEATURES] = { 0x0000, 0x0001,
                                                         0x0003 };
    const struct emu_drive *drive = et->drive;
    uint8_t rt = io->cdb[1] & 0x03, d[EMU_FEATURES_SIZE];
    uint16_t start = emu_be16(&io->cdb[2]), alloc = emu_be16(&io->cdb[7]);
    uint16_t profile = 0;
    size_t len = 8;

    if (!emu_transfer_ok(et, io, XFER_IN, alloc, 7))
        return;
    if (rt == 3) {
        emu_fail_field(et, io, 0x24, true, 1, 1);
        return;
    }
    if (emu_not_ready(et, io))
        return;
    /* Profile 0000h: no current profile, as without a medium. */
    if (emu_medium_now(&et->sf.state) != EMU_MEDIUM_NONE)
        profile = drive->current_profile;
    memset(d, 0, 8);
    emu_put_be16(&d[6], profile);
    /* Every emulated feature is persistent and current, so RT 1 (the
     * current ones) selects as RT 0 does. */
    for (size_t i = 0; i < EMU_ALL_FEATURES; i++)
        if (rt == 2 ? features[i] == start : features[i] >= start)
            len += emu_feature(drive, features[i], profile, &d[len]);
    /* The data length counts the bytes after itself. */
    d[0] = d[1] = 0;
    emu_put_be16(&d[2], len - 4);
    emu_data_in(io, d, len, alloc);
}
