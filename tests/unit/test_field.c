/* Field values in page bytes: every kind, round trips, lookups. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/field.h"
#include "testutil.h"

static struct page_def *
test_page(struct pagedb *db)
{
    static const char *const text =
        "page 0x30\nname \"Test\"\nlengths 0x16\n"
        "field F 2.7 flag\n"
        "field E 2.6-4 enum\n  value 0 ZERO\n  value 5 FIVE\n"
        "field   2.3-0 reserved\n"
        "field N 3-5 number\n  range 0 1000000\n"
        "field T 6-9 ascii\n"
        "field H 10-11 hex\n"
        "repeat D at 12 size 4 count 10-11\n"
        "  field S 0-1 number\n  field R 2.0 flag\n"
        "  field   2.7-1 reserved\n  field   3 reserved\n"
        "end\n";
    pagedb_init(db);
    struct page_def *pd = pagedef_parse(db, "t.page", text);
    cr_assert_not_null(pd, "%s", db->nproblems ? db->problems[0] : "");
    return pd;
}

Test(field, every_kind_round_trips_through_the_page_bytes)
{
    struct pagedb db;
    struct page_def *pd = test_page(&db);
    uint8_t page[0x18] = { 0x30, 0x16 };
    struct field_ref *refs;
    struct err err;
    char text[64];

    page[11] = 2; /* two descriptors */
    size_t n = field_list(pd, page, sizeof page, &refs);
    cr_assert_eq(n, 5 + 2 * 2, "F E N T H and S.0 R.0 S.1 R.1");
    cr_assert_str_eq(refs[5].acronym, "S.0");
    cr_assert_str_eq(refs[8].acronym, "R.1");

    static const struct {
        const char *field, *value, *shown;
    } cases[] = {
        { "F", "1", "1" },           { "E", "five", "FIVE (5)" },
        { "E", "3", "3" },           { "N", "0x0f4240", "1000000" },
        { "T", "AB", "\"AB  \"" },   { "H", "00 02", "00 02" },
        { "S.1", "65535", "65535" }, { "R.1", "1", "1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        const struct field_ref *ref =
            field_find(refs, n, cases[i].field, "page 0x30", &err);
        cr_assert_not_null(ref, "%s", err.msg);
        cr_assert_eq(field_parse_set(page, ref, cases[i].value, &err), 0,
                     "%s=%s: %s", cases[i].field, cases[i].value, err.msg);
        field_format(page, ref, text, sizeof text);
        cr_assert_str_eq(text, cases[i].shown, "%s", cases[i].field);
    }
    /* The bytes are where the standard's tables put them. */
    uint8_t want[] = { 0x30, 0x16, 0xb0, 0x0f, 0x42, 0x40,
                       'A',  'B',  ' ',  ' ',  0x00, 0x02 };
    cr_assert_arr_eq(page, want, sizeof want);
    cr_assert_eq(page[16], 0xff);
    cr_assert_eq(page[17], 0xff);
    cr_assert_eq(page[18], 0x01);
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, values_outside_the_field_are_refused_with_what_is_allowed)
{
    struct pagedb db;
    struct page_def *pd = test_page(&db);
    uint8_t page[0x18] = { 0x30, 0x16 };
    struct field_ref *refs;
    struct err err;
    size_t n = field_list(pd, page, sizeof page, &refs);

    static const struct {
        const char *field, *value, *message;
    } cases[] = {
        { "F", "2", "F=2: the field holds 0 to 1 (1 bit)" },
        { "E", "SIX",
          "E=SIX: expected a number from 0 to 7 or one of ZERO, "
          "FIVE" },
        { "N", "1000001", "N=1000001: expected 0 to 1000000" },
        { "N", "-1", "N=-1: expected a number from 0 to 16777215" },
        { "N", "012", "N=012: expected a number" },
        { "T", "ABCDE", "T: 'ABCDE' is 5 characters, the field holds 4" },
        { "H", "00", "H: expected 2 bytes of hex, found 1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        const struct field_ref *ref =
            field_find(refs, n, cases[i].field, "page 0x30", &err);
        cr_assert_eq(field_parse_set(page, ref, cases[i].value, &err), -1);
        cr_assert(err.usage);
        cr_assert_eq(
            strncmp(err.msg, cases[i].message, strlen(cases[i].message)), 0,
            "got: %s", err.msg);
    }
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, names_any_case_unique_prefix_and_positions)
{
    struct pagedb db;
    struct page_def *pd = test_page(&db);
    uint8_t page[0x18] = { 0x30, 0x16 };
    struct field_ref *refs;
    struct err err;
    size_t n = field_list(pd, page, sizeof page, &refs);

    err_clear(&err);
    cr_assert_str_eq(field_find(refs, n, "e", "p", &err)->acronym, "E");
    cr_assert_null(field_find(refs, n, "Q", "page 0x30", &err));
    cr_assert_str_eq(err.msg, "page 0x30 has no field 'Q'; its fields are: "
                              "F E N T H");
    /* Byte 2 bit 5 is E's; bit 2 is reserved, so no field. */
    cr_assert_str_eq(field_at(refs, n, 2, 5)->acronym, "E");
    cr_assert_null(field_at(refs, n, 2, 2));
    cr_assert_str_eq(field_at(refs, n, 4, -1)->acronym, "N");
    uint8_t mask[0x18] = { 0 };
    mask[2] = 0x60;
    cr_assert_eq(field_mask_state(mask, refs[1].fd, 0), -1, "E partly");
    cr_assert_eq(field_mask_state(mask, refs[0].fd, 0), 0, "F no");
    mask[2] = 0x70;
    cr_assert_eq(field_mask_state(mask, refs[1].fd, 0), 1, "E yes");
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, a_short_page_lists_only_the_fields_it_holds)
{
    struct pagedb db;
    struct page_def *pd = test_page(&db);
    uint8_t page[8] = { 0x30, 0x06 };
    struct field_ref *refs;

    /* As a drive that reports a shorter page than the standard's. */
    size_t n = field_list(pd, page, sizeof page, &refs);
    cr_assert_eq(n, 3, "F E N fit in 8 bytes");
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, wide_and_unaligned_fields_keep_their_neighbours)
{
    uint8_t page[12] = { 0x30, 0x0a, 0xf5, 0x00, 0x5a };
    /* sdparm's 2:3:12: bits 3-0 of byte 2 and all of byte 3. */
    struct field_def odd = {
        .kind = FIELD_NUMBER, .byte = 2, .bit = 3, .width = 12
    };
    field_set(page, &odd, 0, 0xabc);
    cr_assert_eq(page[2], 0xfa, "bits 7-4 of byte 2 kept");
    cr_assert_eq(page[3], 0xbc);
    cr_assert_eq(page[4], 0x5a, "byte 4 untouched");
    cr_assert_eq(field_get(page, &odd, 0), 0xabc);

    struct field_def wide = {
        .kind = FIELD_NUMBER, .byte = 3, .bit = 7, .width = 64
    };
    field_set(page, &wide, 0, UINT64_C(0xfedcba9876543210));
    cr_assert_eq(field_get(page, &wide, 0), UINT64_C(0xfedcba9876543210));
    cr_assert_eq(page[3], 0xfe);
    cr_assert_eq(page[10], 0x10);
    cr_assert_eq(page[11], 0x00, "the byte after it untouched");
    cr_assert_eq(page[2], 0xfa);
}

Test(field, values_with_blanks_or_signs_are_refused)
{
    struct field_def fd = { .acronym = (char *)"N",
                            .kind = FIELD_NUMBER,
                            .byte = 2,
                            .bit = 7,
                            .width = 64 };
    struct field_ref ref = { .fd = &fd, .base = 0, .acronym = "N" };
    uint8_t page[10] = { 0x30, 0x08 };
    struct err err;

    static const char *const bad[] = {
        " 1", " -1", "-1", "+1", "", "1 ", "0x", "18446744073709551616"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&err);
        cr_assert_eq(field_parse_set(page, &ref, bad[i], &err), -1, "'%s'",
                     bad[i]);
        cr_assert(err.usage);
    }
    for (size_t i = 2; i < sizeof page; i++)
        cr_assert_eq(page[i], 0, "nothing written");
}
