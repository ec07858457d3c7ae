/* The emulated drive's MODE SENSE(10) and MODE SELECT(10) (SPC-4 6.14 and
 * 6.12): current, changeable, default and saved values from the drive
 * file and the state file. */
#include <stdlib.h>
#include <string.h>

#include "transport/emu-internal.h"
#include "transport/modepage.h"
#include "util/xmalloc.h"

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

/* Saved values a snapshot could not read: asked alone, the page refuses
 * the PC field (SPC-4 6.13.5); among all pages it is left out of
 * 'selected'.  False with the answer sent when none is left. */
static bool
emu_mode_sense_known_saved(struct emu_transport *et, struct scsi_io *io,
                           bool *selected)
{
    const struct emu_drive *drive = et->drive;
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
        return false;
    }
    return true;
}

/* The mode parameter list of the selected pages under page control 'pc'
 * (SPC-4 7.5), sent as far as the allocation length lets it. */
static void
emu_mode_sense_answer(struct emu_transport *et, struct scsi_io *io, unsigned pc,
                      bool dbd, const bool *selected, uint16_t alloc)
{
    const struct emu_drive *drive = et->drive;
    const struct emu_behaviour *bh = &drive->behaviour;
    size_t bdl = bh->block_descriptor && !dbd ? EMU_BLOCK_DESC : 0;
    size_t total = MODE_HEADER10_LEN + bdl, pos;
    uint8_t *d;

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
}

/* MODE SENSE(10), SPC-4 6.14, with the mode parameter list of 7.5. */
void
emu_mode_sense(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_drive *drive = et->drive;
    const struct emu_behaviour *bh = &drive->behaviour;
    bool dbd = io->cdb[1] & 0x08;
    unsigned pc = io->cdb[2] >> 6;
    uint8_t code = io->cdb[2] & MODE_PAGE_CODE, sub = io->cdb[3];
    uint16_t alloc = emu_be16(&io->cdb[7]);
    bool *selected;

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
    if (emu_mode_sense_select(et, io, code, sub, selected) &&
        !emu_not_ready(et, io) &&
        (pc != 3 || emu_mode_sense_known_saved(et, io, selected)))
        emu_mode_sense_answer(et, io, pc, dbd, selected, alloc);
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
void
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
