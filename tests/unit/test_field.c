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
        /* Forced: E=3 is a number the legend does not name. */
        cr_assert_eq(field_parse_value(page, ref, cases[i].value, true, &err),
                     0, "%s=%s: %s", cases[i].field, cases[i].value, err.msg);
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

/* Fields with units: a timer counting 100 ms steps, a time-out in
 * seconds, a speed, a count of blocks, a timer with a range, and numbers
 * whose danger has a direction. */
static struct page_def *
unit_page(struct pagedb *db)
{
    static const char *const text =
        "page 0x31\nname \"Units\"\nlengths 0x1a\n"
        "field IACT 2-5 number \"Idle timer\"\n  unit ms\n  scale 100\n"
        "field G1 6-7 number \"Group time-out\"\n  unit s\n"
        "field SPD 8-9 number \"Write speed\"\n  unit kB/s\n"
        "field BLK 10-11 number \"Packet size\"\n  unit blocks\n"
        "field LIM 12-13 number \"Short timer\"\n  unit ms\n  scale 100\n"
        "  range 10 100\n"
        "field RET 14 number\n  danger lower \"fewer retries\"\n"
        "field UP 15 number\n  danger higher \"more\"\n"
        "field ANY 16 number\n  danger \"any change\"\n"
        "field E 17.2-0 enum \"Write type\"\n  value 0 PACKET\n"
        "  value 1 TAO\n"
        "field 17.7-3 reserved\n"
        "field TXT 18-27 ascii\n  danger \"any change of the text\"\n";
    pagedb_init(db);
    struct page_def *pd = pagedef_parse(db, "u.page", text);
    cr_assert_not_null(pd, "%s", db->nproblems ? db->problems[0] : "");
    cr_assert_eq(pagedef_check(db, pd), 0, "%s",
                 db->nproblems ? db->problems[0] : "");
    return pd;
}

Test(field, values_are_shown_in_their_real_unit_with_the_raw_count)
{
    struct pagedb db;
    struct page_def *pd = unit_page(&db);
    uint8_t page[28] = { 0x31, 0x1a };
    struct field_ref *refs;
    struct err err;
    char text[64];
    size_t n = field_list(pd, page, sizeof page, &refs);

    static const struct {
        const char *field;
        uint64_t raw;
        const char *shown, *typed;
    } cases[] = {
        { "IACT", 300, "30 s (300)", "30s" },
        { "IACT", 900, "90 s (900)", "90s" },
        { "IACT", 36000, "1 h (36000)", "1h" },
        { "IACT", 6000, "10 min (6000)", "10min" },
        { "IACT", 15, "1500 ms (15)", "1500ms" },
        { "IACT", 0, "0 s (0)", "0s" },
        { "G1", 90, "90 s", "90s" },
        { "G1", 120, "2 min", "2min" },
        { "SPD", 5540, "5540 kB/s", "5540" },
        { "BLK", 16, "16 blocks", "16" },
        { "RET", 3, "3", "3" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        const struct field_ref *ref =
            field_find(refs, n, cases[i].field, "page 0x31", &err);
        cr_assert_not_null(ref);
        field_set(page, ref->fd, ref->base, cases[i].raw);
        field_format(page, ref, text, sizeof text);
        cr_assert_str_eq(text, cases[i].shown, "%s", cases[i].field);
        field_format_typeable(page, ref, text, sizeof text);
        cr_assert_str_eq(text, cases[i].typed, "%s", cases[i].field);
        /* What is typed back reads as the same count. */
        field_set(page, ref->fd, ref->base, 1);
        cr_assert_eq(field_parse_set(page, ref, cases[i].typed, &err), 0,
                     "%s=%s: %s", cases[i].field, cases[i].typed, err.msg);
        cr_assert_eq(field_get(page, ref->fd, ref->base), cases[i].raw);
    }
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, quantities_are_typed_in_real_units)
{
    struct pagedb db;
    struct page_def *pd = unit_page(&db);
    uint8_t page[28] = { 0x31, 0x1a };
    struct field_ref *refs;
    struct err err;
    size_t n = field_list(pd, page, sizeof page, &refs);

    static const struct {
        const char *field, *value;
        uint64_t raw;
    } cases[] = {
        { "IACT", "5s", 50 },        { "IACT", "5 s", 50 },
        { "IACT", "500ms", 5 },      { "IACT", "1.5s", 15 },
        { "IACT", "10min", 6000 },   { "IACT", "1h", 36000 },
        { "IACT", "300steps", 300 }, { "IACT", "300 steps", 300 },
        { "IACT", "0", 0 },          { "IACT", "0x10 steps", 16 },
        { "G1", "90", 90 },          { "G1", "2min", 120 },
        { "G1", "2000 ms", 2 },      { "SPD", "5540", 5540 },
        { "SPD", "5540kB/s", 5540 }, { "SPD", "5xCD", 882 },
        { "SPD", "40xCD", 7056 },    { "SPD", "0xCDsteps", 205 },
        { "SPD", "1xDVD", 1385 },    { "SPD", "2.4xDVD", 3324 },
        { "SPD", "0 xCD", 0 },       { "SPD", "2 xBD", 8991 },
        { "SPD", "0x10", 16 },       { "BLK", "16 blocks", 16 },
        { "BLK", "16", 16 },         { "LIM", "10s", 100 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        const struct field_ref *ref =
            field_find(refs, n, cases[i].field, "page 0x31", &err);
        cr_assert_not_null(ref);
        cr_assert_eq(field_parse_set(page, ref, cases[i].value, &err), 0,
                     "%s=%s: %s", cases[i].field, cases[i].value, err.msg);
        cr_assert_eq(field_get(page, ref->fd, ref->base), cases[i].raw,
                     "%s=%s: %llu", cases[i].field, cases[i].value,
                     (unsigned long long)field_get(page, ref->fd, ref->base));
    }
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, quantities_that_are_no_whole_step_or_ambiguous_are_refused)
{
    struct pagedb db;
    struct page_def *pd = unit_page(&db);
    uint8_t page[28] = { 0x31, 0x1a };
    struct field_ref *refs;
    struct err err;
    size_t n = field_list(pd, page, sizeof page, &refs);

    static const struct {
        const char *field, *value, *message;
    } cases[] = {
        { "IACT", "150ms",
          "IACT=150ms: the idle timer counts steps of 100 ms: 100 ms or "
          "200 ms" },
        { "IACT", "5000",
          "IACT=5000 is ambiguous: the idle timer counts steps of 100 ms: "
          "5000 ms = 50 steps, or 5000 steps = 500 s; write IACT=5000ms or "
          "IACT=5000steps" },
        { "IACT", "1.5", "IACT=1.5 needs a unit" },
        { "IACT", "1.5steps", "IACT=1.5steps: a count of steps is a whole" },
        { "IACT", "5 parsecs",
          "IACT=5 parsecs: 'parsecs' is no unit of the "
          "idle timer, which is typed as a time" },
        { "G1", "1.5s",
          "G1=1.5s: the group time-out is a whole number of s: "
          "1 s or 2 s" },
        { "G1", "5kB/s", "G1=5kB/s: 'kB/s' is no unit" },
        { "SPD", "4495.5kB/s",
          "SPD=4495.5kB/s: the write speed is a whole "
          "number of kB/s: 4495 kB/s or 4496 kB/s" },
        /* A multiple of a disc's 1x speed follows the same rule. */
        { "SPD", "8xCD",
          "SPD=8xCD is 1411.2 kB/s: the write speed is a whole number of "
          "kB/s: 1411 kB/s or 1412 kB/s" },
        { "SPD", "1.5xCD", "SPD=1.5xCD is 264.6 kB/s: the write speed" },
        { "SPD", "1xBD", "SPD=1xBD is 4495.5 kB/s: the write speed" },
        /* Hex digits and a unit's letters mix. */
        { "SPD", "0xCD",
          "SPD=0xCD is ambiguous: the hex number 0xCD is 205 kB/s, or 0 "
          "times 1x CD is 0 kB/s; write SPD=205kB/s or SPD=0kB/s" },
        { "SPD", "0xBD", "SPD=0xBD is ambiguous: the hex number 0xBD is 189" },
        { "SPD", "0xDVD",
          "SPD=0xDVD is ambiguous: the hex number 0xDVD is 13" },
        { "SPD", "0x10xCD", "SPD=0x10xCD is ambiguous: hex digits" },
        { "IACT", "0x1Es",
          "IACT=0x1Es is ambiguous: hex digits and a unit's letters mix, so a "
          "number with a unit is written in decimal (a hex count takes the "
          "word steps); write IACT=30s or IACT=30steps" },
        /* Case tells kilobits from kilobytes, ms from Ms. */
        { "SPD", "1411kb/s",
          "SPD=1411kb/s: 'kb/s' is no unit of the write speed (units are "
          "case-sensitive: 'kB/s')" },
        { "IACT", "5Ms", "IACT=5Ms: 'Ms' is no unit of the idle timer" },
        { "IACT", "5S", "IACT=5S: 'S' is no unit" },
        { "BLK", "16 Blocks", "BLK=16 Blocks: 'Blocks' is no unit" },
        /* Blanks only between the number and the unit. */
        { "IACT", "5 m s",
          "IACT=5 m s: blanks may stand only between the number and the "
          "unit" },
        { "SPD", "8x CD", "SPD=8x CD: blanks may stand only" },
        /* Only what would be accepted is suggested: 16 ms is no whole
         * number of 100 ms steps. */
        { "IACT", "0x10",
          "IACT=0x10 is ambiguous: the idle timer counts steps of 100 ms: "
          "16 ms (not a whole number of steps), or 16 steps = 1600 ms; "
          "write IACT=16steps" },
        { "SPD", "5s", "SPD=5s: 's' is no unit of the write speed" },
        { "BLK", "2h", "BLK=2h: 'h' is no unit" },
        { "LIM", "20s", "LIM=20s: expected 1 s to 10 s (100 ms steps)" },
        { "G1", "20h", "G1=20h: the field holds 0 s to 65535 s (16 bits)" },
        { "E", "3",
          "E=3: 3 is no value of Write type (reserved or undefined); its "
          "values are 0 PACKET, 1 TAO; --force sends it anyway" },
        /* No number at all: what a quantity of the field is typed as, and
         * its range in the unit, not the bare count of steps. */
        { "IACT", "abc",
          "IACT=abc: expected a time (30s, 500ms, 1.5s, 10min, 1h) or a "
          "count of steps (300steps), 0 s to 429496729500 ms" },
        { "IACT", "", "IACT=: expected a time (30s, 500ms" },
        { "IACT", "-5s", "IACT=-5s: expected a time (30s, 500ms" },
        { "IACT", "nan", "IACT=nan: expected a time (30s, 500ms" },
        { "LIM", "x",
          "LIM=x: expected a time (30s, 500ms, 1.5s, 10min, 1h) or a "
          "count of steps (300steps), 1 s to 10 s" },
        { "G1", "x",
          "G1=x: expected a time (30s, 500ms, 1.5s, 10min, 1h) or a "
          "number of s, 0 s to 65535 s" },
        { "SPD", "fast",
          "SPD=fast: expected a speed in kB/s (kB = 1000 bytes) or as "
          "NxCD" },
        { "BLK", "many",
          "BLK=many: expected a number of blocks, 0 blocks to 65535 blocks" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        const struct field_ref *ref =
            field_find(refs, n, cases[i].field, "page 0x31", &err);
        cr_assert_not_null(ref);
        cr_assert_eq(field_parse_set(page, ref, cases[i].value, &err), -1,
                     "%s=%s accepted", cases[i].field, cases[i].value);
        cr_assert(err.usage);
        cr_assert_eq(
            strncmp(err.msg, cases[i].message, strlen(cases[i].message)), 0,
            "got: %s", err.msg);
        /* Every value a refusal suggests ("write A=1s or A=10steps") is
         * accepted. */
        const char *write = strstr(err.msg, "; write ");
        char suggested[ERR_MSG_MAX];
        snprintf(suggested, sizeof suggested, "%s",
                 write != NULL ? write + strlen("; write ") : "");
        for (char *word = strtok(suggested, " "); word != NULL;
             word = strtok(NULL, " ")) {
            char *eq = strchr(word, '=');
            if (strcmp(word, "or") == 0)
                continue;
            cr_assert_not_null(eq, "%s: %s", cases[i].value, word);
            struct err ignored;
            uint8_t scratch[28] = { 0x31, 0x1a };
            err_clear(&ignored);
            cr_assert_eq(field_parse_set(scratch, ref, eq + 1, &ignored), 0,
                         "%s suggests %s: %s", cases[i].value, word,
                         ignored.msg);
        }
    }
    /* Forced, a number the legend does not name goes. */
    err_clear(&err);
    const struct field_ref *e = field_find(refs, n, "E", "page 0x31", &err);
    cr_assert_eq(field_parse_value(page, e, "3", true, &err), 0, "%s", err.msg);
    cr_assert_eq(field_get(page, e->fd, e->base), 3);
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(field, a_danger_is_warned_of_only_in_its_direction)
{
    struct pagedb db;
    struct page_def *pd = unit_page(&db);
    uint8_t before[28] = { 0x31, 0x1a }, after[28] = { 0x31, 0x1a };
    struct field_ref *refs;
    struct err err;
    size_t n = field_list(pd, before, sizeof before, &refs);

    static const struct {
        const char *field;
        uint64_t from, to;
        bool warned;
    } cases[] = {
        { "RET", 5, 3, true },        { "RET", 3, 5, false },
        { "RET", 3, 3, false },       { "UP", 3, 5, true },
        { "UP", 5, 3, false },        { "ANY", 5, 3, true },
        { "ANY", 3, 5, true },        { "ANY", 3, 3, false },
        { "BLK", 3, 5, false },       { "TXT", 0x41, 0x42, true },
        { "TXT", 0x41, 0x41, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        const struct field_ref *ref =
            field_find(refs, n, cases[i].field, "page 0x31", &err);
        cr_assert_not_null(ref);
        field_set(before, ref->fd, ref->base, cases[i].from);
        field_set(after, ref->fd, ref->base, cases[i].to);
        cr_assert_eq(field_change_is_dangerous(before, after, ref),
                     cases[i].warned, "%s %llu -> %llu", cases[i].field,
                     (unsigned long long)cases[i].from,
                     (unsigned long long)cases[i].to);
    }
    free(refs);
    pagedef_free(pd);
    pagedb_fini(&db);
}
