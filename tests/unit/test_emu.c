/*
 * The emulated drive through transport_emu_ops with raw CDBs: every
 * answer is checked byte for byte against what a real drive sends.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "transport/emu.h"
#include "transport/transport.h"
#include "util/xmalloc.h"

static void
emu_setup(void)
{
    testutil_fresh_state();
}

TestSuite(emu, .init = emu_setup);

static struct transport *
emu_open(const char *target)
{
    struct transport *tp = NULL;
    struct err err;

    err_clear(&err);
    cr_assert_eq(transport_emu_ops.open(target, &tp, &err), 0, "%s: %s", target,
                 err.msg);
    cr_assert_not_null(tp);
    return tp;
}

/* The usage error an open of 'target' fails with. */
static struct err
emu_open_fails(const char *target)
{
    struct transport *tp = NULL;
    struct err err;

    err_clear(&err);
    cr_assert_eq(transport_emu_ops.open(target, &tp, &err), -1, "%s opened",
                 target);
    cr_assert(err.usage, "%s: not a usage error: %s", target, err.msg);
    return err;
}

static void
emu_run(struct transport *tp, struct scsi_io *io, const uint8_t *cdb,
        uint8_t cdb_len, enum xfer_dir dir, uint8_t *buf, uint32_t len)
{
    struct err err;

    memset(io, 0, sizeof *io);
    memcpy(io->cdb, cdb, cdb_len);
    io->cdb_len = cdb_len;
    io->dir = dir;
    io->buf = buf;
    io->len = len;
    err_clear(&err);
    cr_assert_eq(transport_emu_ops.exec(tp, io, &err), 0, "%s", err.msg);
}

static void
emu_good(const struct scsi_io *io)
{
    cr_assert_eq(io->status, SCSI_STATUS_GOOD,
                 "status 0x%02x, sense %02x/%02x/%02x", io->status,
                 io->sense[2], io->sense[12], io->sense[13]);
    cr_assert_eq(io->sense_len, 0);
}

/* CHECK CONDITION with fixed sense 70h: key/ASC/ASCQ and the three
 * sense-key specific bytes (all zero when 'sks' is NULL). */
static void
emu_sense(const struct scsi_io *io, uint8_t key, uint8_t asc, uint8_t ascq,
          const char *sks)
{
    uint8_t want[18] = { 0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq };

    if (sks != NULL) {
        size_t len;
        uint8_t *b = testutil_hex(sks, &len);
        cr_assert_eq(len, 3);
        memcpy(&want[15], b, 3);
        free(b);
    }
    cr_assert_eq(io->status, SCSI_STATUS_CHECK_CONDITION);
    cr_assert_eq(io->sense_len, 18);
    cr_assert_arr_eq(io->sense, want, 18,
                     "sense %02x %02x %02x ... %02x/%02x sks %02x %02x %02x",
                     io->sense[0], io->sense[1], io->sense[2], io->sense[12],
                     io->sense[13], io->sense[15], io->sense[16],
                     io->sense[17]);
    cr_assert_eq(io->resid, io->len);
}

static void
emu_bytes(const uint8_t *got, const char *hex)
{
    size_t len;
    uint8_t *want = testutil_hex(hex, &len);

    for (size_t i = 0; i < len; i++)
        cr_assert_eq(got[i], want[i], "byte %zu: 0x%02x, expected 0x%02x", i,
                     got[i], want[i]);
    free(want);
}

static void
emu_tur(struct transport *tp, struct scsi_io *io)
{
    static const uint8_t cdb[6] = { 0x00 };
    emu_run(tp, io, cdb, 6, XFER_NONE, NULL, 0);
}

static void
emu_mode_sense(struct transport *tp, struct scsi_io *io, unsigned pc,
               uint8_t page, uint8_t subpage, bool dbd, uint8_t *buf,
               uint16_t alloc)
{
    uint8_t cdb[10] = { 0x5a,
                        dbd ? 0x08 : 0x00,
                        (uint8_t)(pc << 6 | page),
                        subpage,
                        0,
                        0,
                        0,
                        (uint8_t)(alloc >> 8),
                        (uint8_t)alloc,
                        0 };
    emu_run(tp, io, cdb, 10, XFER_IN, buf, alloc);
}

/* MODE SELECT(10) of a parameter list given in hex. */
static void
emu_mode_select(struct transport *tp, struct scsi_io *io, uint8_t byte1,
                const char *hex)
{
    size_t len;
    uint8_t *list = testutil_hex(hex, &len);
    uint8_t cdb[10] = { 0x55,         byte1, 0, 0, 0, 0, 0, (uint8_t)(len >> 8),
                        (uint8_t)len, 0 };

    emu_run(tp, io, cdb, 10, XFER_OUT, list, (uint32_t)len);
    free(list);
}

/* One page (DBD=1) as MODE SENSE returns it, header skipped. */
static const uint8_t *
emu_page(struct transport *tp, unsigned pc, uint8_t page, uint8_t *buf,
         uint16_t alloc)
{
    struct scsi_io io;

    emu_mode_sense(tp, &io, pc, page, 0, true, buf, alloc);
    emu_good(&io);
    return buf + 8;
}

#define HDR10 "00 00 00 00 00 00 00 00 "
#define PG08  "08 0a 04 00 00 00 00 00 00 00 00 00"
#define CH08  "08 0a 05 00 00 00 00 00 00 00 00 00"

/* A small drive file in the test directory; returns "PATH". */
static char *
emu_drive(const char *name, const char *medium, const char *behaviour,
          const char *pages)
{
    char *text =
        xasprintf("{\"modecon_drive\": 1,\n"
                  " \"inquiry\": {\"vendor\": \"TEST\", \"product\": \"DRIVE\","
                  " \"revision\": \"0.1\"},\n"
                  " \"configuration\": {\"profiles\": [\"0x0010\", \"0x0008\"],"
                  " \"current_profile\": \"0x0010\"},\n"
                  " \"medium\": %s,\n"
                  " \"behaviour\": {%s},\n"
                  " \"mode_pages\": [%s]}\n",
                  medium, behaviour, pages);
    char *path = testutil_write_file(name, text);

    free(text);
    return path;
}

static const char emu_page08[] = "{\"page\": \"0x08\", \"savable\": true,"
                                 " \"current\": \"" PG08 "\","
                                 " \"changeable\": \"" CH08 "\"}";

/* --- INQUIRY ---------------------------------------------------------- */

Test(emu, inquiry_identity_and_truncation)
{
    struct transport *tp = emu_open("dvd-writer");
    static const uint8_t cdb96[6] = { 0x12, 0, 0, 0, 96, 0 };
    static const uint8_t cdb8[6] = { 0x12, 0, 0, 0, 8, 0 };
    uint8_t buf[96];
    struct scsi_io io;

    cr_assert_str_eq(tp->name, "emu:dvd-writer");
    cr_assert_eq(tp->ops, &transport_emu_ops);
    emu_run(tp, &io, cdb96, 6, XFER_IN, buf, sizeof buf);
    emu_good(&io);
    cr_assert_eq(io.resid, 96 - 36);
    emu_bytes(buf, "05 80 05 02 1f 00 00 00 4d 4f 44 45 43 4f 4e 20"
                   "44 56 44 2d 52 57 20 57 52 49 54 45 52 20 20 20"
                   "31 2e 30 30");
    memset(buf, 0xee, sizeof buf);
    emu_run(tp, &io, cdb8, 6, XFER_IN, buf, 8);
    emu_good(&io);
    cr_assert_eq(io.resid, 0);
    cr_assert_eq(buf[8], 0xee, "wrote past the allocation length");
    transport_emu_ops.close(tp);
}

Test(emu, inquiry_evpd_is_invalid_field_in_cdb)
{
    struct transport *tp = emu_open("dvd-writer");
    static const uint8_t cdb[6] = { 0x12, 0x01, 0x80, 0, 96, 0 };
    uint8_t buf[96];
    struct scsi_io io;

    emu_run(tp, &io, cdb, 6, XFER_IN, buf, sizeof buf);
    /* SKSV, C/D=1 (CDB), BPV, bit 0 of byte 1. */
    emu_sense(&io, 0x05, 0x24, 0x00, "c8 00 01");
    transport_emu_ops.close(tp);
}

Test(emu, unknown_and_six_byte_opcodes_are_invalid)
{
    struct transport *tp = emu_open("dvd-writer");
    static const uint8_t sense6[6] = { 0x1a, 0x08, 0x08, 0, 255, 0 };
    static const uint8_t read_cap[10] = { 0x25 };
    uint8_t buf[255];
    struct scsi_io io;

    emu_run(tp, &io, sense6, 6, XFER_IN, buf, sizeof buf);
    emu_sense(&io, 0x05, 0x20, 0x00, NULL);
    emu_run(tp, &io, read_cap, 10, XFER_IN, buf, 8);
    emu_sense(&io, 0x05, 0x20, 0x00, NULL);
    transport_emu_ops.close(tp);
}

Test(emu, transfer_that_does_not_fit_the_cdb_is_refused)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;
    uint8_t cdb[10] = { 0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 64, 0 };

    /* Data-out for a data-in command. */
    emu_run(tp, &io, cdb, 10, XFER_OUT, buf, sizeof buf);
    emu_sense(&io, 0x05, 0x24, 0x00, "cf 00 07");
    /* A buffer smaller than the allocation length. */
    emu_run(tp, &io, cdb, 10, XFER_IN, buf, 20);
    emu_sense(&io, 0x05, 0x24, 0x00, "cf 00 07");
    transport_emu_ops.close(tp);
}

/* --- MODE SENSE(10) --------------------------------------------------- */

Test(emu, mode_sense_every_page_control)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_sense(tp, &io, 0, 0x01, 0, true, buf, sizeof buf);
    emu_good(&io);
    cr_assert_eq(io.resid, 64 - 20);
    /* Mode data length 18, no block descriptor, PS set: savable. */
    emu_bytes(buf,
              "00 12 00 00 00 00 00 00 81 0a c4 10 00 00 00 00 10 00 00 00");
    emu_bytes(emu_page(tp, 1, 0x01, buf, sizeof buf),
              "81 0a c6 ff 00 00 00 00 ff 00 00 00");
    emu_bytes(emu_page(tp, 2, 0x01, buf, sizeof buf),
              "81 0a c0 20 00 00 00 00 10 00 00 00");
    emu_bytes(emu_page(tp, 3, 0x01, buf, sizeof buf),
              "81 0a c4 20 00 00 00 00 10 00 00 00");
    /* An unsavable page: no PS, and its saved values are its defaults. */
    emu_bytes(emu_page(tp, 0, 0x05, buf, sizeof buf),
              "05 32 62 05 08 10 00 00 00 00 00 00 00 10 00 96");
    emu_bytes(emu_page(tp, 3, 0x05, buf, sizeof buf),
              "05 32 41 04 08 00 00 00 00 00 00 00 00 00 00 96");
    transport_emu_ops.close(tp);
}

Test(emu, mode_sense_all_pages_in_file_order)
{
    static const uint8_t codes[] = { 0x81, 0x83, 0x05, 0x88, 0x8d,
                                     0x0e, 0x9a, 0x9c, 0x1d, 0x2a };
    static const uint8_t lens[] = { 12, 8, 52, 12, 8, 16, 12, 12, 12, 48 };
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[1024];
    struct scsi_io io;
    size_t pos = 8;

    emu_mode_sense(tp, &io, 0, 0x3f, 0x00, true, buf, sizeof buf);
    emu_good(&io);
    cr_assert_eq(io.resid, sizeof buf - 200);
    emu_bytes(buf, "00 c6 00 00 00 00 00 00");
    for (size_t i = 0; i < sizeof codes; i++) {
        cr_assert_eq(buf[pos], codes[i], "page %zu", i);
        cr_assert_eq(buf[pos + 1] + 2, lens[i], "page %zu", i);
        pos += lens[i];
    }
    cr_assert_eq(pos, 200);
    /* 3Fh/FFh: the same, since this drive has no subpages. */
    emu_mode_sense(tp, &io, 0, 0x3f, 0xff, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 c6");
    transport_emu_ops.close(tp);
}

Test(emu, mode_sense_truncates_but_reports_the_full_length)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    uint8_t cdb[10] = { 0x5a, 0x08, 0x3f, 0, 0, 0, 0, 0, 20, 0 };
    struct scsi_io io;

    memset(buf, 0xee, sizeof buf);
    emu_run(tp, &io, cdb, 10, XFER_IN, buf, sizeof buf);
    emu_good(&io);
    cr_assert_eq(io.resid, 64 - 20);
    emu_bytes(buf,
              "00 c6 00 00 00 00 00 00 81 0a c4 10 00 00 00 00 10 00 00 00 ee");
    transport_emu_ops.close(tp);
}

Test(emu, mode_sense_block_descriptor_unless_dbd)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_sense(tp, &io, 0, 0x08, 0, false, buf, sizeof buf);
    emu_good(&io);
    cr_assert_eq(io.resid, 64 - 28);
    emu_bytes(buf, "00 1a 00 00 00 00 00 08 00 00 00 00 00 00 08 00"
                   "88 0a 04 00 00 00 00 00 00 00 00 00");
    emu_mode_sense(tp, &io, 0, 0x08, 0, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 12 00 00 00 00 00 00 88 0a 04");
    transport_emu_ops.close(tp);
}

Test(emu, mode_sense_unknown_page_and_subpage)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_sense(tp, &io, 0, 0x3e, 0, true, buf, sizeof buf);
    /* SKSV, C/D, BPV, bit 5 of CDB byte 2: the page code. */
    emu_sense(&io, 0x05, 0x24, 0x00, "cd 00 02");
    emu_mode_sense(tp, &io, 0, 0x08, 0x01, true, buf, sizeof buf);
    emu_sense(&io, 0x05, 0x24, 0x00, "cf 00 03");
    emu_mode_sense(tp, &io, 0, 0x3f, 0x05, true, buf, sizeof buf);
    emu_sense(&io, 0x05, 0x24, 0x00, "cf 00 03");
    /* Subpage FFh of a page without subpages is the page itself. */
    emu_mode_sense(tp, &io, 0, 0x08, 0xff, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 12 00 00 00 00 00 00 88 0a 04");
    transport_emu_ops.close(tp);
}

Test(emu, mode_sense_subpages)
{
    char *path = emu_drive(
        "sub.json", "{\"state\": \"present\"}", "",
        "{\"page\": \"0x0a\", \"current\": \"0a 0a 02 00 00 00 00 00 00 00 "
        "02 00\"},"
        "{\"page\": \"0x0a\", \"subpage\": \"0x01\", \"current\": "
        "\"4a 01 00 04 04 00 00 00\"},"
        "{\"page\": \"0x08\", \"current\": \"" PG08 "\"}");
    char *uri = xasprintf("%s", path);
    struct transport *tp = emu_open(uri);
    uint8_t buf[128];
    struct scsi_io io;

    emu_mode_sense(tp, &io, 0, 0x0a, 0xff, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 1a 00 00 00 00 00 00 0a 0a 02 00 00 00 00 00 00 00 "
                   "02 00 4a 01 00 04 04 00 00 00");
    emu_mode_sense(tp, &io, 0, 0x0a, 0x01, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 0e 00 00 00 00 00 00 4a 01 00 04 04 00 00 00");
    emu_mode_sense(tp, &io, 0, 0x0a, 0x02, true, buf, sizeof buf);
    emu_sense(&io, 0x05, 0x24, 0x00, "cf 00 03");
    /* 3Fh/00h leaves sub_page format pages out; 3Fh/FFh has them. */
    emu_mode_sense(tp, &io, 0, 0x3f, 0x00, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 1e 00 00 00 00 00 00 0a 0a");
    cr_assert_eq(buf[20], 0x08);
    emu_mode_sense(tp, &io, 0, 0x3f, 0xff, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 26 00 00 00 00 00 00 0a 0a");
    cr_assert_eq(buf[20], 0x4a);
    cr_assert_eq(buf[28], 0x08);
    transport_emu_ops.close(tp);
    free(uri);
    free(path);
}

/* --- MODE SELECT(10) -------------------------------------------------- */

Test(emu, mode_select_change_is_seen_by_a_later_open)
{
    struct transport *tp = emu_open("dvd-writer"), *other;
    uint8_t buf[64];
    struct scsi_io io;

    /* WCE off. */
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    cr_assert_eq(io.resid, 0);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 00 00");
    transport_emu_ops.close(tp);

    other = emu_open("dvd-writer");
    emu_tur(other, &io);
    emu_good(&io); /* opened after the change: no UNIT ATTENTION */
    emu_bytes(emu_page(other, 0, 0x08, buf, sizeof buf), "88 0a 00 00");
    /* Saved and default values are untouched without SP. */
    emu_bytes(emu_page(other, 3, 0x08, buf, sizeof buf), "88 0a 04 00");
    emu_bytes(emu_page(other, 2, 0x08, buf, sizeof buf), "88 0a 04 00");
    transport_emu_ops.close(other);
}

Test(emu, mode_select_sp_saves_and_power_cycle_restores)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[128];
    struct scsi_io io;
    struct err err;

    /* Standby timer 0x0bb8 in current and saved values. */
    emu_mode_select(tp, &io, 0x11, HDR10 "1a 0a 00 03 00 00 00 32 00 00 0b b8");
    emu_good(&io);
    emu_bytes(emu_page(tp, 3, 0x1a, buf, sizeof buf),
              "9a 0a 00 03 00 00 00 32 00 00 0b b8");
    /* WCE off in current values only. */
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);

    err_clear(&err);
    cr_assert_eq(transport_emu_ops.control(tp, TRANSPORT_CONTROL_POWER_CYCLE,
                                           NULL, &err),
                 0, "%s", err.msg);
    emu_tur(tp, &io);
    emu_good(&io); /* the one who cycled the power knows */
    emu_bytes(emu_page(tp, 0, 0x1a, buf, sizeof buf),
              "9a 0a 00 03 00 00 00 32 00 00 0b b8");
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 04 00");
    /* Page 01's current values (read retry count 10h, unlike its saved
     * 20h) were saved along by SP; unsavable page 05 gets its defaults. */
    emu_bytes(emu_page(tp, 0, 0x01, buf, sizeof buf), "81 0a c4 10");
    emu_bytes(emu_page(tp, 0, 0x05, buf, sizeof buf),
              "05 32 41 04 08 00 00 00 00 00 00 00 00 00 00 96");
    transport_emu_ops.close(tp);
}

Test(emu, mode_select_sp_saves_every_savable_page)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    /* SPC-4 6.11: SP saves all savable pages, not only those sent. */
    emu_mode_select(tp, &io, 0x11, HDR10 "1c 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    emu_bytes(emu_page(tp, 3, 0x08, buf, sizeof buf), "88 0a 00 00");
    emu_bytes(emu_page(tp, 3, 0x1c, buf, sizeof buf), "9c 0a 00 00");
    emu_bytes(emu_page(tp, 3, 0x01, buf, sizeof buf), "81 0a c4 10");
    /* Defaults never change. */
    emu_bytes(emu_page(tp, 2, 0x08, buf, sizeof buf), "88 0a 04 00");
    transport_emu_ops.close(tp);
}

Test(emu, mode_select_cdb_errors)
{
    struct transport *tp = emu_open("dvd-writer");
    struct scsi_io io;

    /* PF=0: byte 1 bit 4. */
    emu_mode_select(tp, &io, 0x00, HDR10 PG08);
    emu_sense(&io, 0x05, 0x24, 0x00, "cc 00 01");
    /* SP=1 for unsavable page 05: byte 1 bit 0. */
    emu_mode_select(tp, &io, 0x11,
                    HDR10 "05 32 62 05 08 10 00 00 00 00 00 00 00 10 00 96"
                          "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                          "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                          "00 00 00 00");
    emu_sense(&io, 0x05, 0x24, 0x00, "c8 00 01");
    /* An empty list is no error. */
    emu_mode_select(tp, &io, 0x10, "");
    emu_good(&io);
    transport_emu_ops.close(tp);
}

Test(emu, mode_select_parameter_list_length_errors)
{
    struct transport *tp = emu_open("dvd-writer");
    struct scsi_io io;

    emu_mode_select(tp, &io, 0x10, "00 00 00 00");
    emu_sense(&io, 0x05, 0x1a, 0x00, NULL);
    /* A block descriptor length the list does not hold. */
    emu_mode_select(tp, &io, 0x10, "00 00 00 00 00 00 00 08");
    emu_sense(&io, 0x05, 0x1a, 0x00, NULL);
    /* A page that runs past the end of the list. */
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 04 00");
    emu_sense(&io, 0x05, 0x1a, 0x00, NULL);
    transport_emu_ops.close(tp);
}

Test(emu, mode_select_parameter_list_errors_point_at_the_byte)
{
    struct transport *tp = emu_open("dvd-writer");
    struct scsi_io io;

    /* Mode data length is reserved: byte 0 of the list, C/D=0. */
    emu_mode_select(tp, &io, 0x10, "00 12 00 00 00 00 00 00 " PG08);
    emu_sense(&io, 0x05, 0x26, 0x00, "8f 00 00");
    /* A block descriptor: byte 6. */
    emu_mode_select(tp, &io, 0x10,
                    "00 00 00 00 00 00 00 08 00 00 00 00 00 00 08 00 " PG08);
    emu_sense(&io, 0x05, 0x26, 0x00, "8f 00 06");
    /* PS=1: byte 8 bit 7. */
    emu_mode_select(tp, &io, 0x10, HDR10 "88 0a 04 00 00 00 00 00 00 00 00 00");
    emu_sense(&io, 0x05, 0x26, 0x00, "8f 00 08");
    /* Unknown page 3Eh: the page code, byte 8 bit 5. */
    emu_mode_select(tp, &io, 0x10, HDR10 "3e 02 00 00");
    emu_sense(&io, 0x05, 0x26, 0x00, "8d 00 08");
    /* Page length 0x0c, not 0x0a: byte 9. */
    emu_mode_select(tp, &io, 0x10,
                    HDR10 "08 0c 04 00 00 00 00 00 00 00 00 00 00 00");
    emu_sense(&io, 0x05, 0x26, 0x00, "8f 00 09");
    transport_emu_ops.close(tp);
}

Test(emu, mode_select_non_changeable_bit_exact_sense)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;

    /* Page 08 byte 2 bit 1 is not changeable (mask 05h): list byte 10. */
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 06 00 00 00 00 00 00 00 00 00");
    emu_sense(&io, 0x05, 0x26, 0x00, "89 00 0a");
    emu_bytes(io.sense,
              "70 00 05 00 00 00 00 0a 00 00 00 00 26 00 00 89 00 0a");
    /* Several bits in byte 3: the pointer names the highest. */
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 04 30 00 00 00 00 00 00 00 00");
    emu_sense(&io, 0x05, 0x26, 0x00, "8d 00 0b");
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 04 00");
    transport_emu_ops.close(tp);
}

Test(emu, mode_select_list_is_all_or_nothing)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;

    /* A good page 08 change, then page 1A with reserved byte 2 set at
     * list byte 8 + 12 + 2 = 22. */
    emu_mode_select(tp, &io, 0x10,
                    HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00"
                          "1a 0a 80 03 00 00 00 32 00 00 07 08");
    emu_sense(&io, 0x05, 0x26, 0x00, "8f 00 16");
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 04 00");
    /* Both good: both applied. */
    emu_mode_select(tp, &io, 0x10,
                    HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00"
                          "1a 0a 00 01 00 00 00 32 00 00 07 08");
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 00 00");
    emu_bytes(emu_page(tp, 0, 0x1a, buf, sizeof buf), "9a 0a 00 01");
    transport_emu_ops.close(tp);
}

Test(emu, ignoring_drive_takes_anything_and_changes_nothing)
{
    struct transport *tp = emu_open("ignoring");
    uint8_t buf[64];
    struct scsi_io io;

    emu_bytes(emu_page(tp, 1, 0x08, buf, sizeof buf), CH08);
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    emu_mode_select(tp, &io, 0x01, HDR10 "88 0a ff ff");
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), PG08);
    /* Like tgt: no saved values. */
    emu_mode_sense(tp, &io, 3, 0x08, 0, true, buf, sizeof buf);
    emu_sense(&io, 0x05, 0x39, 0x00, NULL);
    transport_emu_ops.close(tp);
}

Test(emu, unchecked_drive_writes_what_it_is_sent_and_saves_nothing)
{
    char *path = emu_drive("unchecked.json", "{\"state\": \"present\"}",
                           "\"mode_select\": \"unchecked\"", emu_page08);
    struct transport *tp = emu_open(path);
    uint8_t buf[64];
    struct scsi_io io;

    /* Bits the changeable values lock, PS set and SP=1, PF=0: all taken;
     * the page header stays the drive's. */
    emu_mode_select(tp, &io, 0x01, HDR10 "88 0a ff 80 00 00 00 00 00 00 00 01");
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf),
              "88 0a ff 80 00 00 00 00 00 00 00 01");
    /* Nothing saved. */
    emu_bytes(emu_page(tp, 3, 0x08, buf, sizeof buf), "88 0a 04 00");
    /* A short page changes the bytes it has; a long one those the page
     * has; an unknown page and a cut-off header change nothing. */
    emu_mode_select(tp, &io, 0x10, HDR10 "08 02 11 22");
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf),
              "88 0a 11 22 00 00 00 00 00 00 00 01");
    emu_mode_select(tp, &io, 0x10,
                    HDR10 "08 0c 33 00 00 00 00 00 00 00 00 00 77 77");
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf),
              "88 0a 33 00 00 00 00 00 00 00 00 00");
    emu_mode_select(tp, &io, 0x10, HDR10 "1a 02 01 01 08");
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 33 00");
    transport_emu_ops.close(tp);

    /* What it took stays for the next opener. */
    tp = emu_open(path);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 33 00");
    transport_emu_ops.close(tp);
    free(path);
}

/* --- Old ATAPI drive and sense formats -------------------------------- */

Test(emu, cd_atapi_rejects_like_qemu_ide_cd)
{
    struct transport *tp = emu_open("cd-atapi");
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_sense(tp, &io, 0, 0x01, 0, true, buf, sizeof buf);
    emu_good(&io);
    emu_bytes(buf, "00 0e 70 00 00 00 00 00 01 06 00 05 00 00 00 00");
    emu_mode_sense(tp, &io, 0, 0x3f, 0, true, buf, sizeof buf);
    emu_bytes(io.sense,
              "f0 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00");
    cr_assert_eq(io.sense_len, 18);
    emu_mode_sense(tp, &io, 1, 0x01, 0, true, buf, sizeof buf);
    emu_bytes(io.sense, "f0 00 05 00 00 00 00 0a 00 00 00 00 24 00");
    emu_mode_sense(tp, &io, 2, 0x01, 0, true, buf, sizeof buf);
    emu_bytes(io.sense, "f0 00 05 00 00 00 00 0a 00 00 00 00 24 00");
    emu_mode_sense(tp, &io, 3, 0x01, 0, true, buf, sizeof buf);
    emu_bytes(io.sense, "f0 00 05 00 00 00 00 0a 00 00 00 00 39 00");
    emu_mode_select(tp, &io, 0x10, HDR10 "01 06 00 05 00 00 00 00");
    cr_assert_eq(io.status, SCSI_STATUS_CHECK_CONDITION);
    emu_bytes(io.sense, "f0 00 05 00 00 00 00 0a 00 00 00 00 20 00");
    transport_emu_ops.close(tp);
}

Test(emu, descriptor_sense_carries_the_field_pointer)
{
    char *path = emu_drive("desc.json", "{\"state\": \"present\"}",
                           "\"sense_format\": \"descriptor\"", emu_page08);
    struct transport *tp = emu_open(path);
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_sense(tp, &io, 0, 0x3e, 0, true, buf, sizeof buf);
    cr_assert_eq(io.status, SCSI_STATUS_CHECK_CONDITION);
    cr_assert_eq(io.sense_len, 16);
    emu_bytes(io.sense, "72 05 24 00 00 00 00 08 02 06 00 00 cd 00 02 00");
    /* Without a sense-key specific part: the 8-byte header alone. */
    emu_mode_sense(tp, &io, 0, 0x08, 0, true, buf, 8);
    emu_good(&io);
    static const uint8_t bad[10] = { 0xff };
    emu_run(tp, &io, bad, 10, XFER_NONE, NULL, 0);
    cr_assert_eq(io.sense_len, 8);
    emu_bytes(io.sense, "72 05 20 00 00 00 00 00");
    transport_emu_ops.close(tp);
    free(path);
}

/* --- UNIT ATTENTION --------------------------------------------------- */

Test(emu, unit_attention_once_for_other_openers_only)
{
    struct transport *a = emu_open("dvd-writer");
    struct transport *b = emu_open("dvd-writer");
    static const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
    static const uint8_t request_sense[6] = { 0x03, 0, 0, 0, 18, 0 };
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_select(a, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    emu_tur(a, &io);
    emu_good(&io);

    struct transport *c = emu_open("dvd-writer");
    /* INQUIRY and REQUEST SENSE answer without consuming it. */
    emu_run(b, &io, inquiry, 6, XFER_IN, buf, 36);
    emu_good(&io);
    emu_run(b, &io, request_sense, 6, XFER_IN, buf, 18);
    emu_good(&io);
    emu_bytes(buf, "70 00 00 00 00 00 00 0a 00 00 00 00 00 00");
    emu_tur(b, &io);
    emu_sense(&io, 0x06, 0x2a, 0x01, NULL);
    emu_tur(b, &io);
    emu_good(&io);
    emu_tur(c, &io); /* opened after the change */
    emu_good(&io);

    transport_emu_ops.close(a);
    transport_emu_ops.close(b);
    transport_emu_ops.close(c);
}

Test(emu, power_cycle_gives_others_power_on_attention)
{
    struct transport *a = emu_open("dvd-writer");
    struct transport *b = emu_open("dvd-writer");
    struct scsi_io io;
    struct err err;

    emu_mode_select(a, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    err_clear(&err);
    cr_assert_eq(
        transport_emu_ops.control(a, TRANSPORT_CONTROL_POWER_CYCLE, NULL, &err),
        0);
    /* Power on supersedes the pending mode change. */
    emu_tur(b, &io);
    emu_sense(&io, 0x06, 0x29, 0x00, NULL);
    emu_tur(b, &io);
    emu_good(&io);
    emu_tur(a, &io);
    emu_good(&io);
    err_clear(&err);
    cr_assert_eq(
        transport_emu_ops.control(a, (enum transport_control_op)99, NULL, &err),
        -1);
    cr_assert_eq(err.hr, E_INVALIDARG);
    transport_emu_ops.close(a);
    transport_emu_ops.close(b);
}

Test(emu, unit_attention_reaches_another_process)
{
    struct transport *tp = emu_open("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        struct transport *child = NULL;
        struct scsi_io cio;
        struct err err;
        size_t len;
        uint8_t *list = testutil_hex(HDR10 "1c 0a 08 03 00 00 00 00 00 00 "
                                           "00 00",
                                     &len);
        uint8_t cdb[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, (uint8_t)len, 0 };

        err_clear(&err);
        if (transport_emu_ops.open("dvd-writer", &child, &err) != 0)
            _exit(2);
        memset(&cio, 0, sizeof cio);
        memcpy(cio.cdb, cdb, 10);
        cio.cdb_len = 10;
        cio.dir = XFER_OUT;
        cio.buf = list;
        cio.len = (uint32_t)len;
        if (transport_emu_ops.exec(child, &cio, &err) != 0 ||
            cio.status != SCSI_STATUS_GOOD)
            _exit(3);
        transport_emu_ops.close(child);
        free(list);
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d",
              WEXITSTATUS(status));
    emu_tur(tp, &io);
    emu_sense(&io, 0x06, 0x2a, 0x01, NULL);
    emu_bytes(emu_page(tp, 0, 0x1c, buf, sizeof buf), "9c 0a 08 03");
    transport_emu_ops.close(tp);
}

/* --- Medium states ---------------------------------------------------- */

Test(emu, no_medium)
{
    char *path = emu_drive("none.json", "{\"state\": \"none\"}",
                           "\"mode_select_needs_medium\": true", emu_page08);
    struct transport *tp = emu_open(path);
    static const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
    static const uint8_t request_sense[6] = { 0x03, 0, 0, 0, 18, 0 };
    uint8_t buf[64];
    struct scsi_io io;

    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x3a, 0x00, NULL);
    emu_run(tp, &io, inquiry, 6, XFER_IN, buf, 36);
    emu_good(&io);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 04 00");
    emu_mode_select(tp, &io, 0x10, HDR10 PG08);
    emu_sense(&io, 0x02, 0x3a, 0x00, NULL);
    emu_run(tp, &io, request_sense, 6, XFER_IN, buf, 18);
    emu_good(&io);
    emu_bytes(buf, "70 00 02 00 00 00 00 0a 00 00 00 00 3a 00 00 00 00 00");
    transport_emu_ops.close(tp);
    free(path);
}

Test(emu, becoming_ready_until_its_time)
{
    char *slow = emu_drive("slow.json",
                           "{\"state\": \"becoming-ready\", "
                           "\"ready_after_ms\": 600000}",
                           "", emu_page08);
    char *fast = emu_drive("fast.json",
                           "{\"state\": \"becoming-ready\", "
                           "\"ready_after_ms\": 0}",
                           "", emu_page08);
    struct transport *tp = emu_open(slow), *ready;
    static const uint8_t getconf[10] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
    uint8_t buf[64];
    struct scsi_io io;

    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x04, 0x01, NULL);
    emu_mode_sense(tp, &io, 0, 0x08, 0, true, buf, sizeof buf);
    emu_sense(&io, 0x02, 0x04, 0x01, NULL);
    emu_mode_select(tp, &io, 0x10, HDR10 PG08);
    emu_sense(&io, 0x02, 0x04, 0x01, NULL);
    emu_run(tp, &io, getconf, 10, XFER_IN, buf, 8);
    emu_sense(&io, 0x02, 0x04, 0x01, NULL);
    transport_emu_ops.close(tp);

    ready = emu_open(fast);
    emu_tur(ready, &io);
    emu_good(&io);
    transport_emu_ops.close(ready);
    free(slow);
    free(fast);
}

Test(emu, power_cycle_makes_the_drive_become_ready_again)
{
    char *path = emu_drive("spin.json",
                           "{\"state\": \"becoming-ready\", "
                           "\"ready_after_ms\": 300}",
                           "", emu_page08);
    struct transport *tp = emu_open(path);
    struct scsi_io io;
    struct err err;
    int polls = 0;

    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x04, 0x01, NULL);
    do {
        usleep(20000);
        emu_tur(tp, &io);
    } while (io.status != SCSI_STATUS_GOOD && ++polls < 100);
    emu_good(&io);
    err_clear(&err);
    cr_assert_eq(transport_emu_ops.control(tp, TRANSPORT_CONTROL_POWER_CYCLE,
                                           NULL, &err),
                 0);
    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x04, 0x01, NULL);
    transport_emu_ops.close(tp);
    free(path);
}

Test(emu, long_operations_report_progress)
{
    char *fmt = emu_drive("fmt.json",
                          "{\"state\": \"format-in-progress\", "
                          "\"progress_percent\": 25}",
                          "", emu_page08);
    char *wr = emu_drive("wr.json",
                         "{\"state\": \"long-write-in-progress\", "
                         "\"progress_percent\": 50}",
                         "", emu_page08);
    static const uint8_t request_sense[6] = { 0x03, 0, 0, 0, 18, 0 };
    struct transport *tp = emu_open(fmt);
    uint8_t buf[32];
    struct scsi_io io;

    /* 25% of 65536 is 4000h, in the sense-key specific bytes. */
    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x04, 0x04, "80 40 00");
    emu_run(tp, &io, request_sense, 6, XFER_IN, buf, 18);
    emu_good(&io);
    emu_bytes(buf, "70 00 02 00 00 00 00 0a 00 00 00 00 04 04 00 80 40 00");
    transport_emu_ops.close(tp);

    tp = emu_open(wr);
    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x04, 0x08, "80 80 00");
    transport_emu_ops.close(tp);
    free(fmt);
    free(wr);
}

Test(emu, write_protected_medium)
{
    char *path = emu_drive("wp.json", "{\"state\": \"write-protected\"}", "",
                           emu_page08);
    struct transport *tp = emu_open(path);
    static const uint8_t write10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    static const uint8_t write12[12] = { 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    uint8_t *data = xcalloc(1, 2048);
    struct scsi_io io;

    static const uint8_t sense_header[10] = { 0x5a, 0x08, 0x3f, 0, 0,
                                              0,    0,    0,    8, 0 };
    uint8_t header[8];

    emu_tur(tp, &io);
    emu_good(&io);
    emu_run(tp, &io, write10, 10, XFER_OUT, data, 2048);
    emu_sense(&io, 0x07, 0x27, 0x00, NULL);
    emu_run(tp, &io, write12, 12, XFER_OUT, data, 2048);
    emu_sense(&io, 0x07, 0x27, 0x00, NULL);
    /* The WP bit of the mode parameter header, and without the disc (after
     * an eject) no longer. */
    emu_run(tp, &io, sense_header, 10, XFER_IN, header, 8);
    emu_good(&io);
    cr_assert_eq(header[3], 0x80);
    static const uint8_t eject[6] = { 0x1b, 0, 0, 0, 0x02, 0 };
    emu_run(tp, &io, eject, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    emu_run(tp, &io, sense_header, 10, XFER_IN, header, 8);
    emu_good(&io);
    cr_assert_eq(header[3], 0x00);
    transport_emu_ops.close(tp);
    free(data);
    free(path);
}

Test(emu, eject_load_and_prevent_persist)
{
    struct transport *tp = emu_open("dvd-writer"), *other;
    static const uint8_t eject[6] = { 0x1b, 0, 0, 0, 0x02, 0 };
    static const uint8_t load[6] = { 0x1b, 0, 0, 0, 0x03, 0 };
    static const uint8_t prevent[6] = { 0x1e, 0, 0, 0, 0x01, 0 };
    static const uint8_t allow[6] = { 0x1e, 0, 0, 0, 0x00, 0 };
    struct scsi_io io;

    emu_run(tp, &io, eject, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    emu_tur(tp, &io);
    emu_sense(&io, 0x02, 0x3a, 0x00, NULL);
    other = emu_open("dvd-writer");
    emu_tur(other, &io);
    emu_sense(&io, 0x02, 0x3a, 0x00, NULL);
    emu_run(other, &io, load, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    emu_tur(tp, &io);
    emu_good(&io);
    emu_run(tp, &io, prevent, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    emu_run(other, &io, eject, 6, XFER_NONE, NULL, 0);
    emu_sense(&io, 0x05, 0x53, 0x02, NULL);
    emu_run(tp, &io, allow, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    emu_run(other, &io, eject, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    transport_emu_ops.close(tp);
    transport_emu_ops.close(other);
}

/* --- GET CONFIGURATION ------------------------------------------------ */

Test(emu, get_configuration_current_profile_with_and_without_medium)
{
    struct transport *tp = emu_open("dvd-writer");
    static const uint8_t all[10] = { 0x46, 0, 0, 0, 0, 0, 0, 0x01, 0, 0 };
    static const uint8_t core[10] = { 0x46, 2, 0, 1, 0, 0, 0, 0, 64, 0 };
    static const uint8_t header[10] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
    static const uint8_t eject[6] = { 0x1b, 0, 0, 0, 0x02, 0 };
    uint8_t buf[256];
    struct scsi_io io;

    emu_run(tp, &io, all, 10, XFER_IN, buf, 256);
    emu_good(&io);
    /* 8 + (4 + 9 * 4) + 12 + 8 = 68 bytes; data length 64. */
    cr_assert_eq(io.resid, 256 - 68);
    emu_bytes(buf, "00 00 00 40 00 00 00 1a"
                   "00 00 03 24 00 1a 01 00 00 1b 00 00 00 11 00 00"
                   "00 14 00 00 00 13 00 00 00 10 00 00 00 0a 00 00"
                   "00 09 00 00 00 08 00 00"
                   "00 01 0b 08 00 00 00 01 01 00 00 00"
                   "00 03 0b 04 39 00 00 00");
    emu_run(tp, &io, core, 10, XFER_IN, buf, 64);
    emu_good(&io);
    cr_assert_eq(io.resid, 64 - 20);
    emu_bytes(buf, "00 00 00 10 00 00 00 1a 00 01 0b 08");
    emu_run(tp, &io, header, 10, XFER_IN, buf, 8);
    emu_good(&io);
    cr_assert_eq(io.resid, 0);
    emu_bytes(buf, "00 00 00 40 00 00 00 1a");

    emu_run(tp, &io, eject, 6, XFER_NONE, NULL, 0);
    emu_good(&io);
    emu_run(tp, &io, all, 10, XFER_IN, buf, 256);
    emu_good(&io);
    emu_bytes(buf, "00 00 00 40 00 00 00 00 00 00 03 24 00 1a 00 00");
    transport_emu_ops.close(tp);
}

/* --- State file ------------------------------------------------------- */

static char *
emu_state_path(const char *key)
{
    return xasprintf("%s/modecon/emu/%s.state", getenv("XDG_STATE_HOME"), key);
}

Test(emu, read_only_commands_do_not_rewrite_the_state)
{
    struct transport *tp = emu_open("dvd-writer");
    char *path = emu_state_path("dvd-writer");
    uint8_t buf[512];
    struct stat before, after;
    struct scsi_io io;

    cr_assert_eq(stat(path, &before), 0, "no state file %s", path);
    emu_mode_sense(tp, &io, 0, 0x3f, 0, true, buf, sizeof buf);
    emu_good(&io);
    emu_tur(tp, &io);
    emu_good(&io);
    cr_assert_eq(stat(path, &after), 0);
    cr_assert_eq(before.st_ino, after.st_ino);
    cr_assert_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    cr_assert_eq(stat(path, &after), 0);
    cr_assert_neq(before.st_ino, after.st_ino);
    transport_emu_ops.close(tp);
    free(path);
}

Test(emu, corrupt_state_is_replaced_by_a_fresh_one)
{
    struct transport *tp = emu_open("dvd-writer");
    char *path = emu_state_path("dvd-writer");
    uint8_t buf[64];
    struct scsi_io io;
    FILE *f;

    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    transport_emu_ops.close(tp);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"modecon_emu_state\": 1, \"pages\": [tru", f);
    fclose(f);
    tp = emu_open("dvd-writer");
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 04 00");
    transport_emu_ops.close(tp);
    free(path);
}

Test(emu, state_of_an_edited_drive_file_starts_over)
{
    char *path =
        emu_drive("edit.json", "{\"state\": \"present\"}", "", emu_page08);
    struct transport *tp = emu_open(path);
    uint8_t buf[64];
    struct scsi_io io;

    emu_mode_select(tp, &io, 0x10, HDR10 "08 0a 00 00 00 00 00 00 00 00 00 00");
    emu_good(&io);
    transport_emu_ops.close(tp);
    /* Same content: the change is still there. */
    free(emu_drive("edit.json", "{\"state\": \"present\"}", "", emu_page08));
    tp = emu_open(path);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 00 00");
    transport_emu_ops.close(tp);
    /* Another drive file at the same path: a fresh drive. */
    free(emu_drive("edit.json", "{\"state\": \"present\"}",
                   "\"field_pointers\": false", emu_page08));
    tp = emu_open(path);
    emu_bytes(emu_page(tp, 0, 0x08, buf, sizeof buf), "88 0a 04 00");
    transport_emu_ops.close(tp);
    free(path);
}

/* --- Opening and malformed drive files -------------------------------- */

Test(emu, unknown_drive_name_says_where_it_looked)
{
    struct err err = emu_open_fails("no-such-drive");

    cr_assert(strstr(err.msg, "no-such-drive") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "drives/no-such-drive.json") != NULL, "%s",
              err.msg);
    cr_assert(strstr(err.msg, "dvd-writer") != NULL, "%s", err.msg);
    err = emu_open_fails("bad name!");
    cr_assert(strstr(err.msg, "emu:NAME") != NULL, "%s", err.msg);
}

/* Open a drive file with 'text'; the message must hold each of the
 * strings that follow. */
static void
emu_malformed(const char *text, const char *want1, const char *want2)
{
    char *path = testutil_write_file("x.json", text);
    struct err err = emu_open_fails(path);

    cr_assert(strstr(err.msg, path) != NULL, "no file name: %s", err.msg);
    cr_assert(strstr(err.msg, want1) != NULL, "no '%s': %s", want1, err.msg);
    cr_assert(want2 == NULL || strstr(err.msg, want2) != NULL, "no '%s': %s",
              want2, err.msg);
    free(path);
}

#define DRIVE_HEAD                                             \
    "{\"modecon_drive\": 1, \"inquiry\": {\"vendor\": \"T\", " \
    "\"product\": \"P\", \"revision\": \"1\"}, "

/* The pages of a drive file add up to at most 65519 bytes: with the
 * header and a block descriptor, what one MODE SENSE(10) can return. */
Test(emu, drive_pages_up_to_what_mode_sense_can_return)
{
    for (size_t total = 65519; total <= 65520; total++) {
        /* Page 08h (12 bytes) and subpage 30h,01 making up the rest. */
        size_t len = total - 12;
        char *hex = xmalloc(len * 3 + 1), *p = hex;
        p += sprintf(p, "70 01 %02zx %02zx", (len - 4) >> 8, (len - 4) & 0xff);
        for (size_t i = 4; i < len; i++)
            p += sprintf(p, " 00");
        char *pages = xasprintf("%s, {\"page\": \"0x30\", \"subpage\": "
                                "\"0x01\", \"current\": \"%s\"}",
                                emu_page08, hex);
        char *path = emu_drive(total == 65519 ? "at.json" : "past.json",
                               "{\"state\": \"present\"}",
                               "\"block_descriptor\": \"unless_dbd\"", pages);
        if (total == 65519) {
            struct transport *tp = emu_open(path);
            uint8_t *buf = xmalloc(65535);
            struct scsi_io io;
            /* Every page and subpage with a block descriptor: all of it
             * fits in the largest allocation length. */
            emu_mode_sense(tp, &io, 0, 0x3f, 0xff, false, buf, 65535);
            emu_good(&io);
            cr_assert_eq(io.resid, 0);
            cr_assert_eq((buf[0] << 8 | buf[1]) + 2, 65535);
            free(buf);
            transport_emu_ops.close(tp);
        } else {
            struct err err = emu_open_fails(path);
            cr_assert_not_null(strstr(err.msg, "more than 65519 bytes"), "%s",
                               err.msg);
        }
        free(path);
        free(pages);
        free(hex);
    }
}

Test(emu, malformed_drive_files_are_usage_errors)
{
    emu_malformed("{\"modecon_drive\": 1,\n  \"inquiry\": {,}}",
                  "line 2 column", NULL);
    emu_malformed(DRIVE_HEAD "\"behaviour\": 5, \"mode_pages\": []}",
                  "behaviour: expected an object, found an integer", NULL);
    emu_malformed(DRIVE_HEAD "\"behaviour\": {\"saving\": \"yes\"}, "
                             "\"mode_pages\": []}",
                  "behaviour.saving: expected true or false", NULL);
    emu_malformed(DRIVE_HEAD "\"behaviour\": {\"savng\": true}, "
                             "\"mode_pages\": []}",
                  "behaviour.savng: unknown member", NULL);
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"08 0a zz\"}]}",
                  "mode_pages[0].current: hex data", "'z' is not a hex digit");
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"08 0a 04 00\"}]}",
                  "mode_pages[0].current: the page length (byte 1) is 0x0a",
                  "2 bytes follow");
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"" PG08 "\"}, {\"page\": "
                             "\"0x1a\", \"current\": \"" PG08 "\"}]}",
                  "mode_pages[1].current: byte 0 says page 0x08", NULL);
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"" PG08 "\", \"changeable\": "
                             "\"08 0a 05 00 00 00 00 00\"}]}",
                  "mode_pages[0].changeable: expected 12 bytes of hex like "
                  "the current page, found 8",
                  NULL);
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"88 0a 04 00 00 00 00 00 00 00 "
                             "00 00\"}]}",
                  "mode_pages[0].current: PS (byte 0 bit 7) must be 0", NULL);
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"" PG08 "\", \"changeable\": "
                             "\"88 0a 04 00 00 00 00 00 00 00 00 00\"}]}",
                  "mode_pages[0].changeable: PS (byte 0 bit 7) must be 0",
                  NULL);
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": \"0x08\", "
                             "\"current\": \"" PG08 "\", \"saved\": \"" PG08
                             "\"}]}",
                  "mode_pages[0].saved: saved values need", NULL);
    emu_malformed(DRIVE_HEAD "\"mode_pages\": [{\"page\": 300, "
                             "\"current\": \"" PG08 "\"}]}",
                  "mode_pages[0].page: expected a number from 0 to 63", NULL);
    emu_malformed(DRIVE_HEAD "\"medium\": {\"state\": \"ajar\"}, "
                             "\"mode_pages\": []}",
                  "medium.state: expected \"present\" or \"none\"",
                  "found \"ajar\"");
    emu_malformed("[1, 2]", "expected a JSON object", NULL);
}
