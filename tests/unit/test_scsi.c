#include <criterion/criterion.h>
#include <stdlib.h>

#include "engine/scsi.h"
#include "testutil.h"

Test(scsi, mode_sense10_cdb)
{
    struct scsi_io io = { 0 };
    uint8_t buf[512];
    uint8_t want[10] = { 0x5a, 0x08, 0x85, 0x00, 0, 0, 0, 0x02, 0x00, 0 };

    scsi_build_mode_sense10(&io, 2, 0x05, 0, true, buf, sizeof buf);
    cr_assert_eq(io.cdb_len, 10);
    cr_assert_arr_eq(io.cdb, want, 10);
    cr_assert_eq(io.dir, XFER_IN);
    cr_assert_eq(io.len, 512);
}

Test(scsi, mode_select10_cdb_sets_pf_and_sp_only_when_saving)
{
    struct scsi_io io = { 0 };
    uint8_t list[58] = { 0 };
    uint8_t current[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0x00, 0x3a, 0 };
    uint8_t saved[10] = { 0x55, 0x11, 0, 0, 0, 0, 0, 0x00, 0x3a, 0 };

    scsi_build_mode_select10(&io, false, list, sizeof list);
    cr_assert_arr_eq(io.cdb, current, 10);
    cr_assert_eq(io.dir, XFER_OUT);
    scsi_build_mode_select10(&io, true, list, sizeof list);
    cr_assert_arr_eq(io.cdb, saved, 10);
}

Test(scsi, inquiry_cdb_and_identity)
{
    struct scsi_io io = { 0 };
    uint8_t buf[96];
    uint8_t want[6] = { 0x12, 0, 0, 0, 96, 0 };
    struct scsi_identity id;
    struct err err;
    size_t len;
    uint8_t *data =
        testutil_hex("05 80 05 02 1f 00 00 00 4d 4f 44 45 43 4f 4e 20"
                     "44 56 44 2d 52 57 20 57 52 49 54 45 52 20 20 20"
                     "31 2e 30 30",
                     &len);

    scsi_build_inquiry(&io, buf, sizeof buf);
    cr_assert_arr_eq(io.cdb, want, 6);
    err_clear(&err);
    cr_assert_eq(scsi_parse_inquiry(data, len, &id, &err), 0);
    cr_assert_eq(id.peripheral_type, 5);
    cr_assert(id.removable);
    cr_assert_str_eq(id.vendor, "MODECON");
    cr_assert_str_eq(id.product, "DVD-RW WRITER");
    cr_assert_str_eq(id.revision, "1.00");
    cr_assert_eq(scsi_parse_inquiry(data, 20, &id, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    free(data);
}

static int
parse(const char *hex, size_t alloc, struct mode_data *md, struct err *err)
{
    size_t len;
    uint8_t *data = testutil_hex(hex, &len);
    err_clear(err);
    int rc = scsi_parse_mode_data(data, len, alloc, md, err);
    free(data);
    return rc;
}

Test(scsi, parses_pages_after_block_descriptors)
{
    struct mode_data md;
    struct err err;

    /* 8 header + 8 block descriptor + page 08 (12) + subpage 0a/01 (8). */
    cr_assert_eq(parse("00 22 00 00 00 00 00 08"
                       "00 00 00 00 00 00 08 00"
                       "88 0a 04 00 00 00 00 00 00 00 00 00"
                       "4a 01 00 04 01 02 03 04",
                       512, &md, &err),
                 0, "%s", err.msg);
    cr_assert_eq(md.block_descriptor_len, 8);
    cr_assert_eq(md.npages, 2);
    cr_assert_eq(md.pages[0].code, 0x08);
    cr_assert(md.pages[0].ps);
    cr_assert_eq(md.pages[0].offset, 16);
    cr_assert_eq(md.pages[0].length, 12);
    cr_assert_eq(md.pages[1].code, 0x0a);
    cr_assert(md.pages[1].spf);
    cr_assert_eq(md.pages[1].subpage, 0x01);
    cr_assert_eq(md.pages[1].length, 8);
}

Test(scsi, answer_cut_by_allocation_length_asks_again)
{
    struct mode_data md;
    struct err err;

    /* The drive has 0x3a + 2 bytes but only 16 fitted. */
    cr_assert_eq(
        parse("00 3a 00 00 00 00 00 00 05 32 00 00 00 00 00 00", 16, &md, &err),
        1);
    cr_assert_eq(md.total, 0x3c);
}

Test(scsi, lengths_that_disagree_are_invalid_responses)
{
    static const char *const broken[] = {
        /* fewer bytes than the header */
        "00 06 00 00 00",
        /* mode data length beyond what arrived, allocation not full */
        "00 20 00 00 00 00 00 00 08 02 00 00",
        /* block descriptor length beyond the data */
        "00 0a 00 00 00 00 00 10 08 02 00 00",
        /* page length beyond the data */
        "00 0a 00 00 00 00 00 00 08 0a 00 00",
        /* a lone byte where a page header should be */
        "00 07 00 00 00 00 00 00 08",
        /* mode data length shorter than the header itself */
        "00 02 00 00 00 00 00 00",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        struct mode_data md;
        struct err err;
        cr_assert_eq(parse(broken[i], 512, &md, &err), -1, "case %zu", i);
        cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                     "case %zu", i);
        cr_assert_neq(err.msg[0], '\0');
    }
}

Test(scsi, transfer_count_larger_than_the_data_is_not_trusted)
{
    struct mode_data md;
    struct err err;
    size_t len;
    /* A drive (QEMU does) that reports the whole allocation transferred:
     * only the mode data length counts. */
    uint8_t *data = testutil_hex("00 0a 00 00 00 00 00 00 08 02 04 00", &len);
    uint8_t buf[64] = { 0 };
    memcpy(buf, data, len);
    err_clear(&err);
    cr_assert_eq(scsi_parse_mode_data(buf, sizeof buf, sizeof buf, &md, &err),
                 0);
    cr_assert_eq(md.npages, 1);
    cr_assert_eq(md.usable, 12);
    free(data);
}

/* GET CONFIGURATION data (MMC-6 5.2): feature header, Profile List (0000h)
 * with DVD+RW current, Core (0001h) with ATAPI, then a feature to skip. */
#define CONFIG_ANSWER                      \
    "00 00 00 24 00 00 00 1a "             \
    "00 00 03 08 00 1a 01 00 00 08 00 00 " \
    "00 01 0b 08 00 00 00 02 00 00 00 00 " \
    "00 02 03 04 01 00 00 00"

Test(scsi, configuration_gives_profiles_in_order_and_the_interface)
{
    struct scsi_configuration cfg;
    struct err err;
    size_t len;
    uint8_t *data = testutil_hex(CONFIG_ANSWER, &len);

    err_clear(&err);
    cr_assert_eq(scsi_parse_configuration(data, len, &cfg, &err), 0);
    cr_assert_eq(cfg.current_profile, 0x001a);
    cr_assert_eq(cfg.nprofiles, 2);
    cr_assert_eq(cfg.profiles[0], 0x001a);
    cr_assert_eq(cfg.profiles[1], 0x0008);
    cr_assert_eq(cfg.interface, 2);
    free(data);
}

Test(scsi, configuration_cut_short_or_overstated_keeps_what_arrived)
{
    struct scsi_configuration cfg;
    struct err err;
    size_t len;
    uint8_t *data = testutil_hex(CONFIG_ANSWER, &len);

    /* Cut in the Core feature: the profiles stand, no interface. */
    err_clear(&err);
    cr_assert_eq(scsi_parse_configuration(data, 24, &cfg, &err), 0);
    cr_assert_eq(cfg.nprofiles, 2);
    cr_assert_eq(cfg.interface, 0);
    /* A data length far past the transfer is not believed. */
    data[0] = 0xff;
    cr_assert_eq(scsi_parse_configuration(data, len, &cfg, &err), 0);
    cr_assert_eq(cfg.interface, 2);
    /* Less than the feature header is a broken answer. */
    cr_assert_eq(scsi_parse_configuration(data, 7, &cfg, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    free(data);
}

Test(scsi, mode_page_header_in_both_formats)
{
    /* page_0 format: PS, page 05h, 0x3e bytes after the header */
    const uint8_t page0[] = { 0x85, 0x3e };
    /* sub_page format: page 1Ch subpage 01h, 0x0a bytes */
    const uint8_t sub[] = { 0x5c, 0x01, 0x00, 0x0a };
    struct mode_page_header h;

    cr_assert((h = mode_page_header_decode(page0, sizeof page0)).complete);
    cr_assert(h.ps);
    cr_assert_not(h.spf);
    cr_assert_eq(h.code, 0x05);
    cr_assert_eq(h.subpage, 0);
    cr_assert_eq(h.header_len, 2);
    cr_assert_eq(h.page_length, 0x3e);

    cr_assert((h = mode_page_header_decode(sub, sizeof sub)).complete);
    cr_assert_not(h.ps);
    cr_assert(h.spf);
    cr_assert_eq(h.code, 0x1c);
    cr_assert_eq(h.subpage, 0x01);
    cr_assert_eq(h.header_len, 4);
    cr_assert_eq(h.page_length, 0x0a);
}

Test(scsi, mode_page_header_cut_short_keeps_byte_0_only)
{
    const uint8_t sub[] = { 0x5c, 0x01, 0x00, 0x0a };
    struct mode_page_header h;

    cr_assert_not((h = mode_page_header_decode(sub, 3)).complete);
    cr_assert(h.spf);
    cr_assert_eq(h.code, 0x1c);
    cr_assert_eq(h.header_len, 4);
    cr_assert_eq(h.subpage, 0);
    cr_assert_eq(h.page_length, 0);
    cr_assert_not((h = mode_page_header_decode(sub, 0)).complete);
    cr_assert_eq(h.header_len, 0);
    cr_assert_not(
        (h = mode_page_header_decode((const uint8_t[]){ 0x05 }, 1)).complete);
    cr_assert_eq(h.header_len, 2);
}

Test(scsi, a_page_header_cut_short_says_which)
{
    struct mode_data md;
    struct err err;

    /* one byte of a page_0 header at byte 8 */
    cr_assert_eq(parse("00 07 00 00 00 00 00 00 05", 512, &md, &err), -1);
    cr_assert_str_eq(err.msg, "MODE SENSE(10) page header at byte 8 runs "
                              "past the 9 bytes of mode data");
    /* three bytes of a sub_page header (SPF set) */
    cr_assert_eq(parse("00 09 00 00 00 00 00 00 5c 01 00", 512, &md, &err), -1);
    cr_assert_str_eq(err.msg, "MODE SENSE(10) subpage header at byte 8 runs "
                              "past the 11 bytes of mode data");
}
