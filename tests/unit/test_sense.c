#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scsi.h"
#include "engine/sense.h"
#include "testutil.h"

Test(sense, fixed_format_with_field_pointer)
{
    /* The worked example of SPC-4 4.5.2.4.2 as a drive sends it: 05/26/00,
     * SKSV, C/D=0, BPV, bit 3, field pointer 3. */
    size_t len;
    uint8_t *raw = testutil_hex(
        "70 00 05 00 00 00 00 10 00 00 00 00 26 00 00 8b 00 03", &len);
    struct sense s;

    cr_assert(sense_decode(raw, len, &s));
    cr_assert_eq(s.key, 5);
    cr_assert_eq(s.asc, 0x26);
    cr_assert_eq(s.ascq, 0x00);
    cr_assert(s.sksv);
    cr_assert_not(s.field_in_cdb);
    cr_assert(s.bit_valid);
    cr_assert_eq(s.bit, 3);
    cr_assert_eq(s.field, 3);
    cr_assert_not(s.descriptor);
    free(raw);
}

Test(sense, atapi_response_code_f0_is_masked)
{
    size_t len;
    uint8_t *raw = testutil_hex(
        "f0 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00 00 00", &len);
    struct sense s;

    cr_assert(sense_decode(raw, len, &s));
    cr_assert_eq(s.response_code, 0x70);
    cr_assert_eq(s.key, 5);
    cr_assert_eq(s.asc, 0x20);
    free(raw);
}

Test(sense, descriptor_format_with_sense_key_specific_descriptor)
{
    /* 72h, ILLEGAL REQUEST 24/00, one SKS descriptor: C/D=1, BPV, bit 5,
     * CDB byte 2. */
    size_t len;
    uint8_t *raw =
        testutil_hex("72 05 24 00 00 00 00 08 02 06 00 00 cd 00 02 00", &len);
    struct sense s;

    cr_assert(sense_decode(raw, len, &s));
    cr_assert(s.descriptor);
    cr_assert_eq(s.key, 5);
    cr_assert_eq(s.asc, 0x24);
    cr_assert(s.sksv);
    cr_assert(s.field_in_cdb);
    cr_assert_eq(s.bit, 5);
    cr_assert_eq(s.field, 2);
    free(raw);
}

Test(sense, not_ready_progress_in_fixed_and_descriptor_format)
{
    size_t len;
    uint8_t *fixed = testutil_hex(
        "70 00 02 00 00 00 00 0a 00 00 00 00 04 04 00 80 40 00", &len);
    struct sense s;

    cr_assert(sense_decode(fixed, len, &s));
    cr_assert(s.has_progress);
    cr_assert_eq(sense_progress_permille(s.progress), 250);
    free(fixed);

    uint8_t *desc =
        testutil_hex("72 02 04 04 00 00 00 08 0a 06 02 04 04 00 c0 00", &len);
    cr_assert(sense_decode(desc, len, &s));
    cr_assert(s.has_progress);
    cr_assert_eq(sense_progress_permille(s.progress), 750);
    free(desc);
}

Test(sense, short_and_unknown_sense_is_not_decoded)
{
    uint8_t junk[4] = { 0x7f, 0, 5, 0 };
    uint8_t one[1] = { 0x70 };
    struct sense s;

    cr_assert_not(sense_decode(junk, sizeof junk, &s));
    cr_assert_not(sense_decode(one, sizeof one, &s));
    cr_assert_not(sense_decode(junk, 0, &s));
}

Test(sense, fixed_sense_cut_short_keeps_what_arrived)
{
    /* Additional sense length says 10 but only 14 bytes arrived: ASC and
     * ASCQ are there, the sense-key-specific bytes are not. */
    uint8_t raw[14] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x26, 0x01 };
    struct sense s;

    cr_assert(sense_decode(raw, sizeof raw, &s));
    cr_assert_eq(s.asc, 0x26);
    cr_assert_eq(s.ascq, 0x01);
    cr_assert_not(s.sksv);
}

Test(sense, asc_text_comes_from_libsgutils2)
{
    char text[160];
    sense_asc_text(0x26, 0x00, text, sizeof text);
    cr_assert_str_eq(text, "invalid field in parameter list");
    sense_asc_text(0x3a, 0x00, text, sizeof text);
    cr_assert_str_eq(text, "medium not present");
}

/* One row of the sense to HRESULT table (README.md, "Errors"). */
struct mapping {
    uint8_t opcode, cdb1, key, asc, ascq;
    uint32_t hr;
};

ParameterizedTestParameters(sense, maps_every_row_of_the_table)
{
    static struct mapping rows[] = {
        { 0x5a, 0x08, 0x5, 0x24, 0x00, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
        { 0x5a, 0x08, 0x5, 0x39, 0x00, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
        { 0x55, 0x10, 0x5, 0x26, 0x00,
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { 0x55, 0x10, 0x5, 0x26, 0x02,
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { 0x55, 0x10, 0x5, 0x1a, 0x00,
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { 0x55, 0x10, 0x5, 0x64, 0x00,
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { 0x55, 0x10, 0x5, 0x24, 0x00,
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { 0x55, 0x11, 0x5, 0x24, 0x00, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
        { 0x55, 0x11, 0x5, 0x39, 0x00, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
        { 0x55, 0x10, 0x5, 0x20, 0x00, E_FAIL },
        { 0x00, 0x00, 0x2, 0x3a, 0x00, E_IMAPI_RECORDER_MEDIA_NO_MEDIA },
        { 0x00, 0x00, 0x2, 0x3a, 0x02, E_IMAPI_RECORDER_MEDIA_NO_MEDIA },
        { 0x5a, 0x08, 0x2, 0x04, 0x01, E_IMAPI_RECORDER_MEDIA_BECOMING_READY },
        { 0x5a, 0x08, 0x2, 0x04, 0x04,
          E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS },
        { 0x5a, 0x08, 0x2, 0x04, 0x07, E_IMAPI_RECORDER_MEDIA_BUSY },
        { 0x5a, 0x08, 0x2, 0x04, 0x08, E_IMAPI_RECORDER_MEDIA_BUSY },
        { 0x00, 0x00, 0x2, 0x04, 0x02, E_FAIL },
        { 0x55, 0x10, 0x7, 0x27, 0x00, E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED },
        { 0x2a, 0x00, 0x7, 0x27, 0x05, E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED },
        { 0x2a, 0x00, 0x3, 0x0c, 0x09, E_IMAPI_LOSS_OF_STREAMING },
        { 0x00, 0x00, 0x5, 0x30, 0x00, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE },
        { 0x00, 0x00, 0x2, 0x30, 0x02, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE },
        { 0x00, 0x00, 0x2, 0x30, 0x10, E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED },
        { 0x5a, 0x08, 0x6, 0x29, 0x00, E_FAIL },
        { 0x5a, 0x08, 0x6, 0x2a, 0x01, E_FAIL },
        { 0x5a, 0x08, 0x4, 0x44, 0x00, E_FAIL },
        { 0x5a, 0x08, 0xb, 0x00, 0x00, E_FAIL },
    };
    return cr_make_param_array(struct mapping, rows,
                               sizeof rows / sizeof rows[0]);
}

ParameterizedTest(struct mapping *row, sense, maps_every_row_of_the_table)
{
    struct scsi_io io = { 0 };
    struct err err;

    io.cdb[0] = row->opcode;
    io.cdb[1] = row->cdb1;
    io.cdb_len = 10;
    io.status = SCSI_STATUS_CHECK_CONDITION;
    io.sense[0] = 0x70;
    io.sense[2] = row->key;
    io.sense[7] = 10;
    io.sense[12] = row->asc;
    io.sense[13] = row->ascq;
    io.sense_len = 18;
    err_clear(&err);
    cr_assert_eq(sense_check(&io, &err), -1);
    cr_assert_eq(err.hr, row->hr,
                 "%02x/%02x/%02x on opcode %02x: got 0x%08X, want 0x%08X",
                 row->key, row->asc, row->ascq, row->opcode, err.hr, row->hr);
    /* Every error keeps the raw sense and the command. */
    cr_assert(err.has_scsi);
    cr_assert_eq(err.sense_len, 18);
    cr_assert_arr_eq(err.sense, io.sense, 18);
    cr_assert_eq(err.cdb[0], row->opcode);
}

static int
check_status(uint8_t status, uint8_t sense_len, struct err *err)
{
    struct scsi_io io = { 0 };
    io.cdb[0] = 0x5a;
    io.cdb_len = 10;
    io.status = status;
    io.sense_len = sense_len;
    io.sense[0] = 0x70;
    io.sense[2] = 0x1; /* RECOVERED ERROR, when there is sense */
    io.sense[7] = 10;
    err_clear(err);
    return sense_check(&io, err);
}

Test(sense, statuses_other_than_check_condition)
{
    struct err err;

    cr_assert_eq(check_status(SCSI_STATUS_GOOD, 0, &err), 0);
    cr_assert_eq(check_status(SCSI_STATUS_RESERVATION_CONFLICT, 0, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_LOCKED);
    cr_assert_eq(check_status(SCSI_STATUS_BUSY, 0, &err), -1);
    cr_assert_eq(err.hr, E_FAIL);
    cr_assert_eq(check_status(SCSI_STATUS_TASK_SET_FULL, 0, &err), -1);
    cr_assert_eq(err.hr, E_FAIL);
    cr_assert_eq(check_status(0x7e, 0, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    /* CHECK CONDITION with no sense data at all. */
    cr_assert_eq(check_status(SCSI_STATUS_CHECK_CONDITION, 0, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    /* RECOVERED ERROR: the command completed. */
    cr_assert_eq(check_status(SCSI_STATUS_CHECK_CONDITION, 18, &err), 0);
}

/* A CHECK CONDITION of MODE SENSE(10) with 'key'/'asc'/'ascq', mapped
 * with 'map' for a drive of 'vendor'. */
static uint32_t
check_mapped(const struct sense_map *map, const char *vendor, uint8_t key,
             uint8_t asc, uint8_t ascq, struct err *err)
{
    struct scsi_io io = { 0 };
    io.cdb[0] = 0x5a;
    io.cdb_len = 10;
    io.status = SCSI_STATUS_CHECK_CONDITION;
    io.sense[0] = 0x70;
    io.sense[2] = key;
    io.sense[7] = 10;
    io.sense[12] = asc;
    io.sense[13] = ascq;
    io.sense_len = 18;
    err_clear(err);
    cr_assert_eq(sense_check_mapped(&io, map, vendor, err), -1);
    return err->hr;
}

Test(sense, vendor_rules_come_before_the_table)
{
    struct sense_map map;
    struct err err;

    err_clear(&err);
    cr_assert_eq(
        sense_map_parse("# comment\n"
                        "02/B0/*  E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN\n"
                        "\n"
                        "05/b1/00 E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH"
                        " plextor  # one vendor\n"
                        "02/3a/00 E_FAIL\n",
                        "rules", &map, &err),
        0, "%s", err.msg);
    cr_assert_eq(map.count, 3);
    cr_assert_eq(check_mapped(&map, "", 0x2, 0xb0, 0x07, &err),
                 E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN);
    cr_assert(strstr(err.msg, "(as rules:2 says)") != NULL, "%s", err.msg);
    cr_assert(err.has_scsi);
    /* The vendor compares without case; another vendor, or one not yet
     * known, gets the table's answer. */
    cr_assert_eq(check_mapped(&map, "PLEXTOR", 0x5, 0xb1, 0x00, &err),
                 E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH);
    cr_assert_eq(check_mapped(&map, "HL-DT-ST", 0x5, 0xb1, 0x00, &err), E_FAIL);
    cr_assert_eq(check_mapped(&map, "", 0x5, 0xb1, 0x00, &err), E_FAIL);
    cr_assert_eq(check_mapped(&map, "", 0x5, 0xb1, 0x01, &err), E_FAIL);
    /* A rule overrides the table, too. */
    cr_assert_eq(check_mapped(&map, "", 0x2, 0x3a, 0x00, &err), E_FAIL);
    cr_assert_eq(check_mapped(NULL, "", 0x2, 0x3a, 0x00, &err),
                 E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
    sense_map_fini(&map);
}

Test(sense, a_bad_vendor_rule_names_its_line)
{
    static const struct {
        const char *text, *says;
    } bad[] = {
        { "02/b0 E_FAIL\n", "rules:1: '02/b0': expected KK/AA/QQ HRESULT" },
        { "\n02/b0/0 E_FAIL\n", "rules:2: '02/b0/0'" },
        { "02/b0/zz E_FAIL\n", "rules:1: '02/b0/zz'" },
        { "02/b0/00\n", "rules:1: '02/b0/00': expected KK/AA/QQ HRESULT" },
        { "1f/b0/00 E_FAIL\n", "rules:1: sense key 1f: expected 00 to 0f" },
        { "02/b0/00 S_OK\n", "rules:1: 'S_OK': expected the name of an error" },
        { "02/b0/00 E_NOPE\n", "rules:1: 'E_NOPE'" },
        { "02/b0/00 E_FAIL NINECHARS\n", "'NINECHARS': expected one" },
        { "02/b0/00 E_FAIL A B\n", "'A': expected one INQUIRY vendor" },
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sense_map map;
        struct err err;
        err_clear(&err);
        cr_assert_eq(sense_map_parse(bad[i].text, "rules", &map, &err), -1,
                     "accepted: %s", bad[i].text);
        cr_assert(err.usage);
        cr_assert(strstr(err.msg, bad[i].says) != NULL, "%s", err.msg);
        cr_assert_eq(map.count, 0);
        cr_assert_null(map.rules);
    }
}

Test(sense, key_names_are_spc4s)
{
    static const char *const names[16] = {
        "NO SENSE",        "RECOVERED ERROR", "NOT READY",
        "MEDIUM ERROR",    "HARDWARE ERROR",  "ILLEGAL REQUEST",
        "UNIT ATTENTION",  "DATA PROTECT",    "BLANK CHECK",
        "VENDOR SPECIFIC", "COPY ABORTED",    "ABORTED COMMAND",
        "RESERVED",        "VOLUME OVERFLOW", "MISCOMPARE",
        "COMPLETED",
    };
    char buf[32];

    for (uint8_t key = 0; key < 16; key++)
        cr_assert_str_eq(sense_key_name(key, buf, sizeof buf), names[key]);
    cr_assert_str_eq(sense_key_name(0x05, buf, 6), "ILLEG");
}

Test(sense, message_names_the_key_in_capitals)
{
    struct scsi_io io = { .cdb = { 0x55, 0x10 },
                          .cdb_len = 10,
                          .status = SCSI_STATUS_CHECK_CONDITION,
                          .sense = { 0x70, 0, 0x09, 0, 0, 0, 0, 10 },
                          .sense_len = 18 };
    struct err err;

    err_clear(&err);
    cr_assert_eq(sense_check(&io, &err), -1);
    cr_assert_str_eq(err.msg, "MODE SELECT(10) failed with VENDOR SPECIFIC");
}

/* The bytes of 'hex' in a heap block of exactly 'len' of them, so that the
 * address sanitizer stops any read past what the drive returned. */
static bool
decode_exactly(const char *hex, size_t len, struct sense *s)
{
    size_t all;
    uint8_t *raw = testutil_hex(hex, &all);
    cr_assert_leq(len, all);
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, raw, len);
    bool ok = sense_decode(exact, len, s);
    free(exact);
    free(raw);
    return ok;
}

Test(sense, a_progress_descriptor_cut_short_is_not_read)
{
    /* The descriptor says 6 bytes follow; the transfer stops 2 short of
     * its progress field, whose bytes lie right behind in the buffer. */
    const char *hex = "72 02 04 04 00 00 00 08 0a 06 02 04 04 00 c0 00";
    struct sense s;

    cr_assert(decode_exactly(hex, 14, &s));
    cr_assert_eq(s.key, SENSE_NOT_READY);
    cr_assert_not(s.has_progress);
    cr_assert(decode_exactly(hex, 16, &s));
    cr_assert(s.has_progress);
    cr_assert_eq(s.progress, 0xc000);
}

Test(sense, bytes_past_the_additional_length_are_not_read)
{
    /* Additional sense length 6: the sense-key-specific bytes 15-17 were
     * transferred but are not sense data. */
    uint8_t fixed[18] = { 0x70, 0, 0x02, 0,    0,    0, 0,    6,    0,
                          0,    0, 0,    0x04, 0x04, 0, 0x80, 0x40, 0 };
    /* Descriptor sense of 8 bytes (additional length 0) followed by what
     * looks like a progress descriptor. */
    uint8_t desc[16] = { 0x72, 0x02, 0x04, 0x04, 0,    0, 0,    0,
                         0x0a, 0x06, 0x02, 0x04, 0x04, 0, 0xc0, 0 };
    struct sense s;

    cr_assert(sense_decode(fixed, sizeof fixed, &s));
    cr_assert_eq(s.asc, 0x04);
    cr_assert_not(s.has_progress);
    cr_assert_not(s.sksv);
    cr_assert(sense_decode(desc, sizeof desc, &s));
    cr_assert_eq(s.asc, 0x04);
    cr_assert_not(s.has_progress);
}

Test(sense, descriptors_running_past_the_end_are_ignored)
{
    /* A whole sense key specific descriptor, then one whose length (ffh)
     * runs far past the additional length and the transfer. */
    const char *chain = "72 05 24 00 00 00 00 0c 02 06 00 00 cd 00 02 00"
                        " 0a ff 00 00";
    /* A progress descriptor's type as the very last byte. */
    const char *lone = "72 02 04 04 00 00 00 01 0a";
    struct sense s;

    cr_assert(decode_exactly(chain, 20, &s));
    cr_assert(s.sksv);
    cr_assert(s.field_in_cdb);
    cr_assert_eq(s.field, 2);
    cr_assert_not(s.has_progress);
    cr_assert(decode_exactly(lone, 9, &s));
    cr_assert_eq(s.key, SENSE_NOT_READY);
    cr_assert_not(s.has_progress);
}

Test(sense, descriptor_sense_with_bit_7_set_keeps_its_descriptors)
{
    /* Bit 7 of byte 0 is reserved in descriptor sense (SPC-4 4.5.2.1);
     * a drive that sets it still means 72h. */
    const char *hex = "f2 05 24 00 00 00 00 08 02 06 00 00 cd 00 02 00";
    struct sense s;

    cr_assert(decode_exactly(hex, 16, &s));
    cr_assert(s.descriptor);
    cr_assert(s.sksv);
    cr_assert_eq(s.field, 2);
}

Test(sense, any_prefix_of_any_bytes_decodes_within_its_length)
{
    /* Every length of random sense, in blocks of exactly that length:
     * headers whose lengths lie, descriptors of any length. */
    uint8_t raw[SCSI_SENSE_MAX];
    unsigned seed = 20;

    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof raw; i++)
            raw[i] = (uint8_t)rand_r(&seed);
        raw[0] = (uint8_t)(0x70 + round % 4) | (round & 4 ? 0x80 : 0);
        size_t len = (size_t)rand_r(&seed) % (sizeof raw + 1);
        if (round % 3 == 0 && len > 8)
            raw[7] = (uint8_t)(len - 8 + rand_r(&seed) % 5);
        uint8_t *exact = malloc(len ? len : 1);
        memcpy(exact, raw, len);
        struct sense s;
        sense_decode(exact, len, &s);
        free(exact);
    }
}
