/*
 * The emulated MMC drive: answers CDBs the way a real drive does at the
 * byte level, from a drive file and a state file shared by every process
 * (emu.h).  It moves bytes only: the engine above builds the CDBs and maps
 * the sense to HRESULTs, and is tested against this.  It never prints.
 */
#include "transport/emu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/modepage.h"
#include "transport/types.h"
#include "util/paths.h"
#include "util/xmalloc.h"

/* Operation codes of SPC-4 and MMC-6. */
enum emu_opcode {
    EMU_OP_TEST_UNIT_READY = 0x00,
    EMU_OP_REQUEST_SENSE = 0x03,
    EMU_OP_INQUIRY = 0x12,
    EMU_OP_START_STOP_UNIT = 0x1b,
    EMU_OP_PREVENT_ALLOW = 0x1e,
    EMU_OP_WRITE10 = 0x2a,
    EMU_OP_GET_CONFIGURATION = 0x46,
    EMU_OP_MODE_SELECT10 = 0x55,
    EMU_OP_MODE_SENSE10 = 0x5a,
    EMU_OP_WRITE12 = 0xaa,
};

#define EMU_BLOCK_DESC    8    /* short block descriptor, SPC-4 7.5.6 */
#define EMU_BLOCK_SIZE    2048 /* logical block of every MMC medium here */
#define EMU_INQUIRY_LEN   36   /* standard INQUIRY data, SPC-4 6.6.2 */
#define EMU_SENSE_FIXED   18   /* SPC-4 4.5.3 */
#define EMU_ALL_FEATURES  3    /* profile list, core, removable medium */
#define EMU_FEATURES_SIZE (8 + 4 + 4 * EMU_MAX_PROFILES + 12 + 8)

struct emu_transport {
    struct transport base;
    struct emu_drive *drive;
    struct emu_state_file sf;
    /* Generations this opener has been told about: a newer one in the
     * state is a UNIT ATTENTION it has not had yet. */
    uint64_t seen_power_gen;
    uint64_t seen_mode_gen;
};

/* What an answer says went wrong. */
struct emu_sense {
    uint8_t key, asc, ascq;
    bool has_sks;
    uint8_t sks[3]; /* sense-key specific bytes, SPC-4 4.5.2.4 */
};

static uint16_t
emu_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
emu_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void
emu_put_be16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Sense data in the drive's format into 'out' (at least 18 bytes);
 * returns its length. */
static uint8_t
emu_sense_build(const struct emu_drive *drive, bool descriptor,
                const struct emu_sense *s, uint8_t *out)
{
    if (descriptor) {
        /* Descriptor format, SPC-4 4.5.2, with the sense-key specific
         * descriptor (type 02h, 4.5.2.4) when there is one. */
        memset(out, 0, 16);
        out[0] = 0x72;
        out[1] = s->key;
        out[2] = s->asc;
        out[3] = s->ascq;
        if (!s->has_sks)
            return 8;
        out[7] = 8;
        out[8] = 0x02;
        out[9] = 0x06;
        memcpy(&out[12], s->sks, 3);
        return 16;
    }
    /* Fixed format, SPC-4 4.5.3: 10 additional bytes. */
    memset(out, 0, EMU_SENSE_FIXED);
    out[0] = drive->behaviour.response_code;
    out[2] = s->key;
    out[7] = EMU_SENSE_FIXED - 8;
    out[12] = s->asc;
    out[13] = s->ascq;
    if (s->has_sks)
        memcpy(&out[15], s->sks, 3);
    return EMU_SENSE_FIXED;
}

static void
emu_reply_sense(struct emu_transport *et, struct scsi_io *io,
                const struct emu_sense *s)
{
    io->status = SCSI_STATUS_CHECK_CONDITION;
    io->resid = io->len;
    io->sense_len = emu_sense_build(
        et->drive, et->drive->behaviour.descriptor_sense, s, io->sense);
}

static void
emu_fail(struct emu_transport *et, struct scsi_io *io, uint8_t key, uint8_t asc,
         uint8_t ascq)
{
    struct emu_sense s = { key, asc, ascq, false, { 0 } };
    emu_reply_sense(et, io, &s);
}

/*
 * ILLEGAL REQUEST pointing at the offending field (SPC-4 4.5.2.4.2): C/D
 * says CDB or parameter list, the field pointer is the byte (for a
 * parameter list, counted from its start, header included) and the bit
 * pointer the field's most significant bit.
 */
static void
emu_fail_field(struct emu_transport *et, struct scsi_io *io, uint8_t asc,
               bool in_cdb, size_t byte, unsigned bit)
{
    struct emu_sense s = { 0x05, asc, 0x00, false, { 0 } };

    if (et->drive->behaviour.field_pointers) {
        s.has_sks = true;
        s.sks[0] = (uint8_t)(0x80 | (in_cdb ? 0x40 : 0) | 0x08 | (bit & 7));
        emu_put_be16(&s.sks[1], byte);
    }
    emu_reply_sense(et, io, &s);
}

/* The progress indication of a long operation, SPC-4 4.5.2.4.4: a
 * fraction of 65536. */
static void
emu_progress(const struct emu_drive *drive, struct emu_sense *s)
{
    uint32_t progress = (uint32_t)drive->progress_percent * 65536u / 100u;

    s->has_sks = true;
    s->sks[0] = 0x80;
    emu_put_be16(&s->sks[1], progress > 0xffff ? 0xffff : progress);
}

/* The medium now: becoming-ready ends at its deadline. */
static enum emu_medium
emu_medium_now(const struct emu_state *st)
{
    if (st->medium == EMU_MEDIUM_BECOMING_READY &&
        emu_state_now_ms() >= st->ready_at_ms)
        return EMU_MEDIUM_PRESENT;
    return st->medium;
}

/* The NOT READY sense of the drive's condition (SPC-4 4.5.6, ASC 04h);
 * false when it is ready, or merely has no medium. */
static bool
emu_not_ready_sense(struct emu_transport *et, struct emu_sense *s)
{
    memset(s, 0, sizeof *s);
    s->key = 0x02;
    s->asc = 0x04;
    switch (emu_medium_now(&et->sf.state)) {
    case EMU_MEDIUM_BECOMING_READY:
        s->ascq = 0x01;
        return true;
    case EMU_MEDIUM_FORMATTING:
        s->ascq = 0x04;
        emu_progress(et->drive, s);
        return true;
    case EMU_MEDIUM_LONG_WRITE:
        s->ascq = 0x08;
        emu_progress(et->drive, s);
        return true;
    case EMU_MEDIUM_PRESENT:
    case EMU_MEDIUM_NONE:
    case EMU_MEDIUM_WRITE_PROTECTED:
        break;
    }
    return false;
}

/* Answer NOT READY if the drive is busy becoming ready, formatting or
 * writing; true when it answered. */
static bool
emu_not_ready(struct emu_transport *et, struct scsi_io *io)
{
    struct emu_sense s;

    if (!emu_not_ready_sense(et, &s))
        return false;
    emu_reply_sense(et, io, &s);
    return true;
}

static bool
emu_no_medium(struct emu_transport *et, struct scsi_io *io)
{
    if (emu_medium_now(&et->sf.state) != EMU_MEDIUM_NONE)
        return false;
    emu_fail(et, io, 0x02, 0x3a, 0x00);
    return true;
}

/*
 * The caller's buffer must suit what the CDB moves: data-in for an
 * allocation length, data-out for a parameter list length, nothing for
 * commands without data.  A mismatch is the caller's bug, answered as an
 * invalid field in the CDB at the length field rather than trusted.
 */
static bool
emu_transfer_ok(struct emu_transport *et, struct scsi_io *io, enum xfer_dir dir,
                uint32_t need, size_t field)
{
    bool ok;

    if (dir == XFER_NONE)
        ok = io->len == 0;
    else
        ok =
            need == 0 || (io->dir == dir && io->len >= need && io->buf != NULL);
    if (!ok)
        emu_fail_field(et, io, 0x24, true, field, 7);
    return ok;
}

/* GOOD with the first 'alloc' bytes of a 'total'-byte answer (SPC-4
 * 4.2.5.6: the allocation length truncates, the answer's own length
 * fields keep the full size). */
static void
emu_data_in(struct scsi_io *io, const uint8_t *data, size_t total,
            uint32_t alloc)
{
    size_t n = total < alloc ? total : alloc;

    if (n > 0)
        memcpy(io->buf, data, n);
    io->status = SCSI_STATUS_GOOD;
    io->resid = io->len - (uint32_t)n;
}

static void
emu_good(struct scsi_io *io, uint32_t transferred)
{
    io->status = SCSI_STATUS_GOOD;
    io->resid = io->len - transferred;
}

/* SPC-4 6.6: standard INQUIRY data only; no VPD pages are emulated. */
static void
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

static void
emu_test_unit_ready(struct emu_transport *et, struct scsi_io *io)
{
    if (!emu_transfer_ok(et, io, XFER_NONE, 0, 0) || emu_no_medium(et, io) ||
        emu_not_ready(et, io))
        return;
    emu_good(io, 0);
}

/* REQUEST SENSE (SPC-4): the sense data of the current condition, with
 * GOOD status; the DESC bit picks the format. */
static void
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
static void
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
static void
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
static void
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
static void
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

/* The values MODE SENSE returns for page 'i' under page control 'pc'. */
static const uint8_t *
emu_page_values(const struct emu_transport *et, size_t i, unsigned pc)
{
    const struct emu_page *pg = &et->drive->pages[i];

    switch (pc) {
    case 0:
        return et->sf.state.current[i];
    case 1:
        return pg->changeable;
    case 2:
        return pg->defaults;
    default:
        /* Pages that cannot be saved come back after power on with
         * their defaults, so those are their "saved" values. */
        return pg->has_saved ? et->sf.state.saved[i] : pg->defaults;
    }
}

/* Which pages a MODE SENSE page code and subpage code select (SPC-4
 * 6.13, table "mode page code usage"); false with the answer sent when
 * none may be. */
static bool
emu_mode_sense_select(struct emu_transport *et, struct scsi_io *io,
                      uint8_t code, uint8_t sub, bool *selected)
{
    const struct emu_drive *drive = et->drive;
    bool any = false;

    if (code == MODE_PAGE_ALL) {
        if (!drive->behaviour.all_pages) {
            emu_fail_field(et, io, 0x24, true, 2, 5);
            return false;
        }
        if (sub != 0 && sub != MODE_SUBPAGE_ALL) {
            emu_fail_field(et, io, 0x24, true, 3, 7);
            return false;
        }
        /* 3Fh/00h: every page_0 format page; 3Fh/FFh: subpages too. */
        for (size_t i = 0; i < drive->npages; i++)
            selected[i] = sub == MODE_SUBPAGE_ALL || !drive->pages[i].spf;
        return true;
    }
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        if (pg->code != code)
            continue;
        any = true;
        selected[i] = sub == MODE_SUBPAGE_ALL || pg->subpage == sub;
    }
    if (!any) {
        emu_fail_field(et, io, 0x24, true, 2, 5);
        return false;
    }
    for (size_t i = 0; i < drive->npages; i++)
        if (selected[i])
            return true;
    emu_fail_field(et, io, 0x24, true, 3, 7);
    return false;
}

/* MODE SENSE(10), SPC-4 6.14, with the mode parameter list of 7.5. */
static void
emu_mode_sense(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_drive *drive = et->drive;
    const struct emu_behaviour *bh = &drive->behaviour;
    bool dbd = io->cdb[1] & 0x08;
    unsigned pc = io->cdb[2] >> 6;
    uint8_t code = io->cdb[2] & MODE_PAGE_CODE, sub = io->cdb[3];
    uint16_t alloc = emu_be16(&io->cdb[7]);
    size_t total, bdl, pos;
    bool *selected;
    uint8_t *d;

    if (!emu_transfer_ok(et, io, XFER_IN, alloc, 7))
        return;
    if ((pc == 1 && !bh->report_changeable) ||
        (pc == 2 && !bh->report_default)) {
        emu_fail_field(et, io, 0x24, true, 2, 7);
        return;
    }
    if (pc == 3 && !bh->saving) {
        emu_fail(et, io, 0x05, 0x39, 0x00);
        return;
    }
    selected = xcalloc(drive->npages + 1, sizeof *selected);
    if (!emu_mode_sense_select(et, io, code, sub, selected) ||
        emu_not_ready(et, io)) {
        free(selected);
        return;
    }
    /* Saved values a snapshot could not read: asked alone, the page
     * refuses the PC field (SPC-4 6.13.5); among all pages it is left
     * out. */
    if (pc == 3) {
        size_t nselected = 0, nunknown = 0;
        for (size_t i = 0; i < drive->npages; i++) {
            if (!selected[i])
                continue;
            nselected++;
            if (drive->pages[i].saved_unknown) {
                nunknown++;
                selected[i] = false;
            }
        }
        if (nunknown > 0 && nunknown == nselected) {
            emu_fail_field(et, io, 0x24, true, 2, 7);
            free(selected);
            return;
        }
    }

    bdl = bh->block_descriptor && !dbd ? EMU_BLOCK_DESC : 0;
    total = MODE_HEADER10_LEN + bdl;
    for (size_t i = 0; i < drive->npages; i++)
        if (selected[i])
            total += drive->pages[i].len;
    d = xcalloc(1, total);
    /* The mode data length excludes itself and is that of the whole
     * answer, however much the allocation length lets through. */
    emu_put_be16(&d[0], total - 2);
    d[2] = bh->medium_type;
    /* The WP bit, as drives with a write-protect tab report it. */
    if (emu_medium_now(&et->sf.state) == EMU_MEDIUM_WRITE_PROTECTED)
        d[3] = 0x80;
    emu_put_be16(&d[6], bdl);
    if (bdl != 0)
        emu_put_be16(&d[MODE_HEADER10_LEN + 6], EMU_BLOCK_SIZE);
    pos = MODE_HEADER10_LEN + bdl;
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        if (!selected[i])
            continue;
        memcpy(&d[pos], emu_page_values(et, i, pc), pg->len);
        if (pg->savable)
            d[pos] |= MODE_PAGE_PS;
        pos += pg->len;
    }
    emu_data_in(io, d, total, alloc);
    free(d);
    free(selected);
}

/* A page found in a MODE SELECT parameter list. */
struct emu_select_page {
    size_t index;  /* in drive->pages */
    size_t offset; /* in the parameter list */
};

/* Check one page at 'off' of the parameter list (SPC-4 7.5.7); returns
 * its index in the drive, or -1 with the answer sent. */
static long
emu_mode_select_check(struct emu_transport *et, struct scsi_io *io,
                      const uint8_t *list, size_t list_len, size_t off,
                      bool save)
{
    const uint8_t *p = &list[off];
    size_t left = list_len - off, hdr, len, index;
    struct mode_page_header h = mode_page_header_decode(p, left);
    const struct emu_page *pg;
    const uint8_t *cur;
    bool spf;

    if (!h.complete) {
        emu_fail(et, io, 0x05, 0x1a, 0x00);
        return -1;
    }
    spf = h.spf;
    hdr = h.header_len;
    len = h.page_length;
    if (left - hdr < len) {
        emu_fail(et, io, 0x05, 0x1a, 0x00);
        return -1;
    }
    /* PS is reserved in MODE SELECT (SPC-4 7.5.7). */
    if (h.ps) {
        emu_fail_field(et, io, 0x26, false, off, 7);
        return -1;
    }
    pg = emu_drive_find_page(et->drive, h.code, h.subpage, spf, &index);
    if (pg == NULL) {
        emu_fail_field(et, io, 0x26, false, off, 5);
        return -1;
    }
    /* The page length must be the one MODE SENSE reports (SPC-4 7.5.7). */
    if (hdr + len != pg->len) {
        emu_fail_field(et, io, 0x26, false, off + (spf ? 2 : 1), 7);
        return -1;
    }
    if (save && !pg->has_saved) {
        emu_fail_field(et, io, 0x24, true, 1, 0);
        return -1;
    }
    /* Only bits the changeable values mark may differ from the current
     * ones (SPC-4 6.11). */
    cur = et->sf.state.current[index];
    for (size_t j = hdr; j < pg->len; j++) {
        unsigned diff =
            (unsigned)(cur[j] ^ p[j]) & ~(unsigned)pg->changeable[j];
        unsigned bit = 7;
        if ((diff & 0xff) == 0)
            continue;
        while (!(diff & (1u << bit)))
            bit--;
        emu_fail_field(et, io, 0x26, false, off + j, bit);
        return -1;
    }
    return (long)index;
}

/* Apply a checked list; SP saves every savable page, those sent
 * included (SPC-4 6.11). */
static void
emu_mode_select_apply(struct emu_transport *et, const uint8_t *list,
                      const struct emu_select_page *pages, size_t npages,
                      bool save)
{
    const struct emu_drive *drive = et->drive;
    struct emu_state *st = &et->sf.state;
    bool changed = false;

    for (size_t k = 0; k < npages; k++) {
        size_t i = pages[k].index, len = drive->pages[i].len;
        if (memcmp(st->current[i], &list[pages[k].offset], len) != 0) {
            memcpy(st->current[i], &list[pages[k].offset], len);
            changed = true;
        }
    }
    for (size_t i = 0; save && i < drive->npages; i++) {
        size_t len = drive->pages[i].len;
        if (st->saved[i] != NULL &&
            memcmp(st->saved[i], st->current[i], len) != 0) {
            memcpy(st->saved[i], st->current[i], len);
            et->sf.dirty = true;
        }
    }
    if (!changed)
        return;
    et->sf.dirty = true;
    /* Other openers learn of it through 06/2A/01 (SPC-4 6.11); this one
     * made the change and does not. */
    if (drive->behaviour.unit_attention_on_change) {
        st->mode_gen++;
        et->seen_mode_gen = st->mode_gen;
    }
}

/* PF and SP of a MODE SELECT CDB; false with the answer sent. */
static bool
emu_mode_select_cdb_ok(struct emu_transport *et, struct scsi_io *io, bool save)
{
    /* PF=1: only the SPC page format is understood. */
    if (!(io->cdb[1] & 0x10)) {
        emu_fail_field(et, io, 0x24, true, 1, 4);
        return false;
    }
    if (save && !et->drive->behaviour.saving) {
        emu_fail_field(et, io, 0x24, true, 1, 0);
        return false;
    }
    return true;
}

/*
 * A drive that checks nothing: every page of the list that it has takes
 * the bytes sent after its header, as many as were sent and the page
 * holds, whatever its changeable values say; SP is not looked at and
 * nothing is saved.  The page header stays the drive's own, so that the
 * drive's later answers stay well formed.  Such a drive is what shows
 * that modecon's own checks, not the drive's, keep a bad page from
 * being applied.
 */
static void
emu_mode_select_unchecked(struct emu_transport *et, struct scsi_io *io,
                          const uint8_t *list, size_t list_len)
{
    const struct emu_drive *drive = et->drive;
    size_t off = MODE_HEADER10_LEN;
    bool changed = false;

    if (list_len >= MODE_HEADER10_LEN)
        off += emu_be16(&list[6]);
    while (off + 2 <= list_len) {
        const uint8_t *p = &list[off];
        struct mode_page_header h = mode_page_header_decode(p, list_len - off);
        size_t index;
        if (!h.complete)
            break;
        size_t hdr = h.header_len, len = hdr + h.page_length;
        size_t sent = len < list_len - off ? len : list_len - off;
        const struct emu_page *pg =
            emu_drive_find_page(drive, h.code, h.subpage, h.spf, &index);
        if (pg != NULL) {
            size_t n = sent < pg->len ? sent : pg->len;
            uint8_t *cur = et->sf.state.current[index];
            if (n > hdr && memcmp(cur + hdr, p + hdr, n - hdr) != 0) {
                memcpy(cur + hdr, p + hdr, n - hdr);
                changed = true;
            }
        }
        off += len;
    }
    if (changed) {
        et->sf.dirty = true;
        if (drive->behaviour.unit_attention_on_change) {
            et->sf.state.mode_gen++;
            et->seen_mode_gen = et->sf.state.mode_gen;
        }
    }
    emu_good(io, (uint32_t)list_len);
}

/* MODE SELECT(10), SPC-4 6.12 and 6.11: every page is checked before any is
 * applied, so a list is taken whole or not at all. */
static void
emu_mode_select(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_behaviour *bh = &et->drive->behaviour;
    bool save = io->cdb[1] & 0x01;
    uint16_t list_len = emu_be16(&io->cdb[7]);
    const uint8_t *list = io->buf;
    struct emu_select_page *pages;
    size_t npages = 0, off, bdl;

    if (!emu_transfer_ok(et, io, XFER_OUT, list_len, 7) ||
        (bh->mode_select == EMU_SELECT_APPLY &&
         !emu_mode_select_cdb_ok(et, io, save)) ||
        (bh->select_needs_medium && emu_no_medium(et, io)) ||
        emu_not_ready(et, io))
        return;
    if (bh->mode_select == EMU_SELECT_IGNORE) {
        emu_good(io, list_len);
        return;
    }
    if (bh->mode_select == EMU_SELECT_UNCHECKED) {
        emu_mode_select_unchecked(et, io, list, list_len);
        return;
    }
    /* A zero-length list is no error and changes nothing (SPC-4 6.11). */
    if (list_len == 0) {
        emu_good(io, 0);
        return;
    }
    if (list_len < MODE_HEADER10_LEN) {
        emu_fail(et, io, 0x05, 0x1a, 0x00);
        return;
    }
    /* The mode data length is reserved in MODE SELECT (SPC-4 7.5.5). */
    if (emu_be16(&list[0]) != 0) {
        emu_fail_field(et, io, 0x26, false, 0, 7);
        return;
    }
    bdl = emu_be16(&list[6]);
    if (list_len < MODE_HEADER10_LEN + bdl) {
        emu_fail(et, io, 0x05, 0x1a, 0x00);
        return;
    }
    /* MMC prescribes that drives take no block descriptors. */
    if (bdl != 0) {
        emu_fail_field(et, io, 0x26, false, 6, 7);
        return;
    }

    pages = xcalloc(list_len / 2 + 1, sizeof *pages);
    for (off = MODE_HEADER10_LEN; off < list_len;) {
        long index = emu_mode_select_check(et, io, list, list_len, off, save);
        if (index < 0) {
            free(pages);
            return;
        }
        pages[npages].index = (size_t)index;
        pages[npages].offset = off;
        npages++;
        off += et->drive->pages[index].len;
    }
    emu_mode_select_apply(et, list, pages, npages, save);
    free(pages);
    emu_good(io, list_len);
}

struct emu_command {
    uint8_t opcode;
    uint8_t cdb_len;
    bool keeps_attention; /* reported without consuming UNIT ATTENTION */
    void (*run)(struct emu_transport *et, struct scsi_io *io);
};

static const struct emu_command emu_commands[] = {
    { EMU_OP_TEST_UNIT_READY, 6, false, emu_test_unit_ready },
    { EMU_OP_REQUEST_SENSE, 6, true, emu_request_sense },
    { EMU_OP_INQUIRY, 6, true, emu_inquiry },
    { EMU_OP_START_STOP_UNIT, 6, false, emu_start_stop_unit },
    { EMU_OP_PREVENT_ALLOW, 6, false, emu_prevent_allow },
    { EMU_OP_WRITE10, 10, false, emu_write },
    { EMU_OP_GET_CONFIGURATION, 10, false, emu_get_configuration },
    { EMU_OP_MODE_SELECT10, 10, false, emu_mode_select },
    { EMU_OP_MODE_SENSE10, 10, false, emu_mode_sense },
    { EMU_OP_WRITE12, 12, false, emu_write },
};

/* The command for an opcode, or NULL when this drive does not know it. */
static const struct emu_command *
emu_command_find(const struct emu_drive *drive, uint8_t opcode)
{
    if (opcode == EMU_OP_MODE_SELECT10 &&
        drive->behaviour.mode_select == EMU_SELECT_UNSUPPORTED)
        return NULL;
    if (opcode == EMU_OP_GET_CONFIGURATION && !drive->has_configuration)
        return NULL;
    for (size_t i = 0; i < sizeof emu_commands / sizeof emu_commands[0]; i++)
        if (emu_commands[i].opcode == opcode)
            return &emu_commands[i];
    return NULL;
}

/* A pending UNIT ATTENTION is reported once, power on before mode
 * parameter changes, which it supersedes (SAM-5); true when it was. */
static bool
emu_unit_attention(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_state *st = &et->sf.state;

    if (st->power_gen != et->seen_power_gen) {
        et->seen_power_gen = st->power_gen;
        et->seen_mode_gen = st->mode_gen;
        emu_fail(et, io, 0x06, 0x29, 0x00);
        return true;
    }
    if (st->mode_gen != et->seen_mode_gen) {
        et->seen_mode_gen = st->mode_gen;
        emu_fail(et, io, 0x06, 0x2a, 0x01);
        return true;
    }
    return false;
}

static void
emu_dispatch(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_command *cmd = emu_command_find(et->drive, io->cdb[0]);

    /* UNIT ATTENTION comes first, even before an unknown opcode. */
    if ((cmd == NULL || !cmd->keeps_attention) && emu_unit_attention(et, io))
        return;
    if (cmd == NULL)
        emu_fail(et, io, 0x05, 0x20, 0x00);
    else if (io->cdb_len < cmd->cdb_len)
        emu_fail(et, io, 0x05, 0x24, 0x00);
    else
        cmd->run(et, io);
}

static int
emu_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    struct emu_transport *et = (struct emu_transport *)tp;

    io->status = SCSI_STATUS_GOOD;
    io->sense_len = 0;
    io->resid = io->len;
    if (emu_state_lock(&et->sf, et->drive, err) != 0)
        return -1;
    emu_dispatch(et, io);
    return emu_state_unlock(&et->sf, et->drive, err);
}

static int
emu_control(struct transport *tp, enum transport_control_op op, void *arg,
            struct err *err)
{
    struct emu_transport *et = (struct emu_transport *)tp;

    (void)arg;
    if (op != TRANSPORT_CONTROL_POWER_CYCLE)
        return err_set(err, E_INVALIDARG, "%s: unknown control operation %d",
                       tp->name, (int)op);
    if (emu_state_lock(&et->sf, et->drive, err) != 0)
        return -1;
    emu_state_power_cycle(&et->sf.state, et->drive);
    et->sf.dirty = true;
    /* Whoever cycles the power knows; the other openers get 06/29/00. */
    et->seen_power_gen = et->sf.state.power_gen;
    et->seen_mode_gen = et->sf.state.mode_gen;
    return emu_state_unlock(&et->sf, et->drive, err);
}

static void
emu_close(struct transport *tp)
{
    struct emu_transport *et = (struct emu_transport *)tp;

    emu_state_close(&et->sf, et->drive);
    emu_drive_free(et->drive);
    free(et);
}

static bool
emu_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool
emu_name_valid(const char *name)
{
    if (*name == '\0')
        return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!emu_name_char(*p))
            return false;
    return true;
}

static int
emu_bad_name(const char *target, struct err *err)
{
    return err_usage(err,
                     "'%s' is not a drive: expected emu:NAME (letters, "
                     "digits, '-' and '_') or emu:PATH.json",
                     target);
}

/* "a, b, c": the drives in the data directory, for messages. */
static void
emu_known_drives(char *buf, size_t len)
{
    size_t count = 0, used = 0;
    char **uris = NULL;
    struct err ignored;

    buf[0] = '\0';
    err_clear(&ignored);
    if (emu_list_drives(&uris, &count, &ignored) != 0)
        return;
    for (size_t i = 0; i < count; i++) {
        if (used < len)
            used +=
                (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i > 0 ? ", " : "", uris[i] + strlen("emu:"));
        free(uris[i]);
    }
    free(uris);
}

/* Where the drive file of 'target' is and the key of its state file. */
static int
emu_resolve(const char *target, char **path, char **key, struct err *err)
{
    if (paths_is_json_file(target)) {
        /* A path: the state is keyed by a readable slug of the base name
         * and a hash of the real path.  The '.' keeps it apart from drive
         * names, which have none. */
        char *real = realpath(target, NULL), slug[41];
        const char *base = strrchr(target, '/');
        size_t n;

        if (real == NULL)
            return err_usage(err, "cannot open drive file %s: %s", target,
                             strerror(errno));
        base = base ? base + 1 : target;
        n = strlen(base) - 5;
        if (n > sizeof slug - 1)
            n = sizeof slug - 1;
        for (size_t i = 0; i < n; i++)
            slug[i] = emu_name_char(base[i]) ? base[i] : '_';
        slug[n] = '\0';
        *key =
            xasprintf("%s.%016llx", slug,
                      (unsigned long long)emu_drive_hash(real, strlen(real)));
        free(real);
        *path = xstrdup(target);
        return 0;
    }
    if (!emu_name_valid(target))
        return emu_bad_name(target, err);
    char *dir = paths_data_dir("drives");
    if (dir == NULL)
        return err_usage(err,
                         "unknown drive '%s': no drives directory was found "
                         "(set MODECON_DATA_DIR to the directory that holds "
                         "drives/)",
                         target);
    *path = xasprintf("%s/%s.json", dir, target);
    if (access(*path, F_OK) != 0) {
        char names[256];
        emu_known_drives(names, sizeof names);
        err_usage(err, "unknown drive '%s': looked for %s (drives there: %s)",
                  target, *path, names[0] ? names : "none");
        free(dir);
        free(*path);
        *path = NULL;
        return -1;
    }
    free(dir);
    *key = xstrdup(target);
    return 0;
}

static int
emu_check(const char *target, struct err *err)
{
    if (strlen(target) + strlen("emu:") >= TRANSPORT_NAME_LEN)
        return err_usage(err, "emu:%.40s...: the drive name is too long",
                         target);
    /* transport_open took fault= away: anything left is misspelt. */
    const char *query = strchr(target, '?');
    if (query != NULL)
        return err_usage(err,
                         "emu:%s: unknown parameter '%.*s'; an emulated "
                         "drive takes ?fault=SPEC[,SPEC...]",
                         target, (int)strcspn(query + 1, "=&"), query + 1);
    if (!paths_is_json_file(target) && !emu_name_valid(target))
        return emu_bad_name(target, err);
    return 0;
}

static int
emu_open(const char *target, struct transport **out, struct err *err)
{
    struct emu_transport *et;
    struct emu_drive *drive;
    char *path = NULL, *key = NULL;

    if (emu_check(target, err) != 0)
        return -1;
    if (emu_resolve(target, &path, &key, err) != 0)
        return -1;
    if (emu_drive_load(path, path, &drive, err) != 0) {
        free(path);
        free(key);
        return -1;
    }
    free(path);
    et = xcalloc(1, sizeof *et);
    et->base.ops = &transport_emu_ops;
    snprintf(et->base.name, sizeof et->base.name, "emu:%s", target);
    /* The state key names the drive's state whatever the spelling. */
    snprintf(et->base.id, sizeof et->base.id, "emu:%s", key);
    et->drive = drive;
    if (emu_state_open(&et->sf, drive, key, err) != 0) {
        free(key);
        emu_drive_free(drive);
        free(et);
        return -1;
    }
    free(key);
    /* Changes made before this open are no news to it. */
    et->seen_power_gen = et->sf.state.power_gen;
    et->seen_mode_gen = et->sf.state.mode_gen;
    *out = &et->base;
    return 0;
}

const struct transport_ops transport_emu_ops = {
    .scheme = "emu",
    .open = emu_open,
    .check = emu_check,
    .exec = emu_exec,
    .control = emu_control,
    .close = emu_close,
};
