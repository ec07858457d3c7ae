/* Page definition files: the shipped ones, broken ones, and the rules for
 * where definitions come from. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/field.h"
#include "engine/pagedef.h"
#include "testutil.h"

static void
dump_problems(const struct pagedb *db)
{
    for (size_t i = 0; i < db->nproblems; i++)
        cr_log_error("%s", db->problems[i]);
}

Test(pagedef, every_shipped_page_loads_and_passes_the_checker)
{
    struct pagedb db;
    static const struct {
        uint8_t code;
        uint8_t pdt;
    } want[] = { { 0x01, 5 }, { 0x03, 5 }, { 0x05, 5 }, { 0x08, 5 },
                 { 0x0a, 5 }, { 0x0d, 5 }, { 0x0e, 5 }, { 0x1a, 5 },
                 { 0x1c, 5 }, { 0x1d, 5 }, { 0x2a, 5 }, { 0x0a, 0 } };

    pagedb_init(&db);
    int refused = pagedb_load_dir(&db, MODECON_SOURCE_DATADIR "/pages");
    dump_problems(&db);
    cr_assert_eq(refused, 0);
    cr_assert_eq(db.nproblems, 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct page_def *pd =
            pagedb_find(&db, want[i].code, 0, want[i].pdt, NULL, NULL);
        cr_assert_not_null(pd, "no definition of page 0x%02x for type %u",
                           want[i].code, want[i].pdt);
        cr_assert_not_null(pd->help, "page 0x%02x has no help", pd->code);
        for (size_t f = 0; f < pd->nfields; f++)
            if (pd->fields[f].kind != FIELD_RESERVED)
                cr_assert_not_null(pd->fields[f].help, "%s: %s has no help",
                                   pd->path, pd->fields[f].acronym);
    }
    /* Spot checks of positions against the standard's tables. */
    static const struct {
        uint8_t code;
        const char *acronym;
        unsigned byte, bit, width;
    } where[] = {
        { 0x05, "WR_T", 2, 3, 4 },     { 0x05, "BUFE", 2, 6, 1 },
        { 0x05, "PACK_S", 10, 7, 32 }, { 0x08, "WCE", 2, 2, 1 },
        { 0x01, "RRC", 3, 7, 8 },      { 0x1d, "DISP", 4, 1, 1 },
        { 0x1c, "INTT", 4, 7, 32 },    { 0x1a, "IACT", 4, 7, 32 },
    };
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        const struct page_def *pd =
            pagedb_find(&db, where[i].code, 0, 5, NULL, NULL);
        const struct field_def *fd = NULL;
        for (size_t f = 0; f < pd->nfields; f++)
            if (pd->fields[f].acronym &&
                strcmp(pd->fields[f].acronym, where[i].acronym) == 0)
                fd = &pd->fields[f];
        cr_assert_not_null(fd, "page 0x%02x has no %s", where[i].code,
                           where[i].acronym);
        cr_assert(fd->byte == where[i].byte && fd->bit == where[i].bit &&
                      fd->width == where[i].width,
                  "%s at %u.%u width %u", fd->acronym, fd->byte, fd->bit,
                  fd->width);
    }
    pagedb_fini(&db);
}

/* A broken file and the start of the message it must give.  Inline
 * arrays: Criterion copies parameters into the test's own process, where
 * pointers into this one mean nothing. */
struct broken {
    char text[160];
    char message[128];
};

ParameterizedTestParameters(pagedef, broken_files_name_line_column_and_what)
{
    static struct broken cases[] = {
        { "", "x.page:1:1: expected 'page CODE', found an empty file" },
        { "name \"X\"\n", "x.page:1:1: expected 'page CODE' first" },
        { "page 0x40\n", "x.page:1:6: expected the page code (a number from "
                         "0 to 62" },
        { "page 5\nname X\n", "x.page:2:6: expected the page's name in "
                              "double quotes, found 'X'" },
        { "page 5\nname \"X\nlengths 10\n",
          "x.page:2:6: expected a closing '\"'" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2.8 flag\n",
          "x.page:4:9: expected a position: BYTE.BIT" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2.0-3 number\n",
          "x.page:4:9: expected a position" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 colour\n",
          "x.page:4:11: expected a kind: flag, number, enum, ascii, hex or "
          "reserved, found 'colour'" },
        { "page 5\nname \"X\"\nlengths 10\nfield a 2 number\n",
          "x.page:4:7: expected an acronym of upper case letters" },
        { "page 5\nname \"X\"\nlengths 10\nfield 2 number\n",
          "x.page:4:7: expected an acronym before the position of a number "
          "field" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  value 1 B\n",
          "x.page:5:3: expected 'value' lines only under an enum field" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  colour 3\n",
          "x.page:5:3: expected one of field, repeat, end, unit, scale" },
        { "page 5\nname \"X\"\nfield A 2 number\n",
          "x.page:1:1: expected a 'lengths' line" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat R at 4 size 2\n",
          "x.page:4:1: expected 'end' for the repeat group of line 4" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  range 9 3\n",
          "x.page:5:11: expected the highest value to be at least the "
          "lowest" },
        { "page 5 subpage 0\n", "x.page:1:16: expected a subpage from 1" },
        /* The checker. */
        { "page 5\nname \"X\"\nlengths 2\nfield A 2 number\nfield B 2.3 "
          "flag\n",
          "x.page:5: B overlaps A (line 4) at byte 2 bit 3" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 4 number\n",
          "x.page:4: A: byte 4 is outside the page (4 bytes" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 2.7 flag\nfield A 2.6 "
          "flag\n",
          "x.page:5: A: the acronym is already used on line 4" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 2.1-0 enum\n",
          "x.page:4: A: expected 'value' lines for an enum" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 2.1-0 enum\n  value 4 "
          "FOUR\n",
          "x.page:4: A: value 4 (FOUR) does not fit in 2 bits" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 2.1-0 flag\n",
          "x.page:4: A: expected a flag to be one bit, it is 2" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 2.3-0 ascii\n",
          "x.page:4: A: expected ascii to be whole bytes" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 1 number\n",
          "x.page:4: A: byte 1 is the page header" },
        /* Repeat groups. */
        { "page 5\nname \"X\"\nlengths 10\nfield A 2-5 number\nrepeat G "
          "at 4 size 2\n  field B 0 number\nend\n",
          "x.page:4: A: bytes 2-5 run into repeat G, which starts at byte 4" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  danger when 0 "
          "\"a\"\n  danger when 1 \"b\"\n",
          "x.page:6:3: expected one danger per field" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  danger lower "
          "\"a\"\n  danger higher \"b\"\n",
          "x.page:6:3: expected one danger per field" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  danger \"a\"\n"
          "  danger lower \"b\"\n",
          "x.page:6:3: expected one danger per field" },
        { "page 5\nname \"X\"\nlengths 2\nfield A 2-3 ascii\n  danger lower "
          "\"a\"\n",
          "x.page:4: A: expected 'danger lower' and 'danger higher' only on "
          "a number" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  danger when "
          "\"a\"\n",
          "x.page:5:15: expected the dangerous value" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat G at 4 size 2\n  field "
          "B 0 number\n  field B 1 number\nend\n",
          "x.page:6: B: the acronym is already used on line 5" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat G at 4 size 2\nend\n"
          "repeat H at 6 size 2\nend\n",
          "x.page:6: repeat H: expected at most one repeat group" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat G at 4 size 2 count "
          "0-1\nend\n",
          "x.page:4: repeat G: expected the count in the page after its "
          "header" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat G at 4 size 2\n  field "
          "B 0 number\nend\n  unit ms\n",
          "x.page:7:3: expected one of field, repeat, end" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat G at 4 size 2\nrepeat H "
          "at 6 size 2\n",
          "x.page:5:1: expected 'end' before another 'repeat' (groups do not "
          "nest)" },
        { "page 5\nname \"X\"\nlengths 10\nend\n",
          "x.page:4:1: expected 'end' only after 'repeat'" },
        { "page 5\n\"name\"\n", "x.page:2:1: expected a keyword, found a "
                                "string" },
        { "page 5\nname \"X\"\nlengths 10\nrepeat G at 10 size 4\nend\n",
          "x.page:4: repeat G: descriptors from byte 10 of 4 bytes do not fit "
          "in the page (12 bytes)" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  help "
          "\"a\"\n  unit ms\n  unit s\n",
          "x.page:7:3: expected one unit a field" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 number\n  scale 0\n",
          "x.page:5:9: expected a scale of 1 or more" },
        { "page 5\nname \"X\"\nlengths 10\nfield A 2 enum\n  value 1 B\n"
          "  value 1 C\n",
          "x.page:6:11: expected each value and name once; 'C' or 1 is "
          "already a value" },
    };
    return cr_make_param_array(struct broken, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct broken *c, pagedef,
                  broken_files_name_line_column_and_what)
{
    struct pagedb db;

    pagedb_init(&db);
    struct page_def *pd = pagedef_parse(&db, "x.page", c->text);
    if (pd != NULL) {
        cr_assert_neq(pagedef_check(&db, pd), 0, "accepted: %s", c->text);
        pagedef_free(pd);
    }
    cr_assert_geq(db.nproblems, 1);
    cr_assert_eq(strncmp(db.problems[0], c->message, strlen(c->message)), 0,
                 "got: %s\nwant: %s...", db.problems[0], c->message);
    pagedb_fini(&db);
}

static const char *const good_page =
    "page 0x30\n"
    "name \"Test\"\n"
    "applies mmc\n"
    "lengths 0x16\n"
    "help \"A page with one field of every kind.\"\n"
    "field F   2.7 flag \"A flag\"\n"
    "field E   2.6-4 enum \"An enum\"\n"
    "  value 0 ZERO\n"
    "  value 5 FIVE \"Five\"\n"
    "field     2.3-0 reserved\n"
    "field N   3-5 number \"Across bytes\" # a comment\n"
    "  danger when 0 \"0 turns it off;\"\n"
    "  danger \"think twice.\"\n"
    "  unit ms\n"
    "  scale 100\n"
    "  range 0 1000\n"
    "field T   6-9 ascii \"Text\"\n"
    "field H   10-11 hex\n"
    "repeat D at 12 size 4 count 10-11\n"
    "  field S 0-1 number \"Speed\"\n"
    "  field R 2.0 flag\n"
    "  field   2.7-1 reserved\n"
    "  field   3 reserved\n"
    "end\n";

Test(pagedef, a_page_with_every_kind_parses_with_its_attributes)
{
    struct pagedb db;

    pagedb_init(&db);
    struct page_def *pd = pagedef_parse(&db, "good.page", good_page);
    dump_problems(&db);
    cr_assert_not_null(pd);
    cr_assert_eq(pagedef_check(&db, pd), 0);
    cr_assert_eq(pd->code, 0x30);
    cr_assert_eq(pd->applies, 1u << 5);
    cr_assert_eq(pagedef_max_len(pd), 0x18);
    cr_assert_eq(pd->nfields, 6);
    const struct field_def *e = &pd->fields[1];
    cr_assert_str_eq(e->acronym, "E");
    cr_assert_eq(e->byte, 2);
    cr_assert_eq(e->bit, 6);
    cr_assert_eq(e->width, 3);
    cr_assert_eq(e->nvalues, 2);
    cr_assert_str_eq(e->values[1].name, "FIVE");
    cr_assert_str_eq(e->values[1].desc, "Five");
    const struct field_def *n = &pd->fields[3];
    cr_assert_eq(n->width, 24);
    cr_assert_str_eq(n->unit, "ms");
    cr_assert_eq(n->scale, 100);
    cr_assert(n->has_range);
    cr_assert_eq(n->max, 1000);
    cr_assert_str_eq(n->danger, "0 turns it off; think twice.");
    cr_assert_eq(n->danger_dir, FIELD_DANGER_WHEN);
    cr_assert_eq(n->danger_when, 0);
    /* Only a change to the value the danger names is warned of. */
    struct field_ref ref = { .fd = n, .base = 0, .acronym = "N" };
    uint8_t was[0x18] = { 0x30, 0x16, 0, 0, 0, 3 };
    uint8_t page[0x18] = { 0x30, 0x16, 0, 0, 0, 3 };
    cr_assert_not(field_change_is_dangerous(was, page, &ref));
    page[5] = 0;
    cr_assert(field_change_is_dangerous(was, page, &ref));
    cr_assert_not(field_change_is_dangerous(page, was, &ref));
    cr_assert_null(pd->fields[0].danger);
    cr_assert_not(field_change_is_dangerous(
        was, page, &(struct field_ref){ .fd = &pd->fields[0] }));
    cr_assert_eq(pd->nrepeats, 1);
    cr_assert_eq(pd->repeats[0].at, 12);
    cr_assert_eq(pd->repeats[0].count_width, 16);
    pagedef_free(pd);
    pagedb_fini(&db);
}

Test(pagedef, later_definitions_replace_and_vendor_pages_win,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct pagedb db;
    char *a = testutil_write_file("a.page", "page 0x08\nname \"Built-in\"\n"
                                            "applies mmc\nlengths 10\n");
    char *b = testutil_write_file("b.page", "page 0x08\nname \"Corrected\"\n"
                                            "applies mmc\nlengths 10\n");
    char *v =
        testutil_write_file("v.page", "page 0x08\nname \"Vendor's\"\napplies "
                                      "mmc\nvendor \"ACME*\" product \"DVD*\"\n"
                                      "lengths 10\n");

    pagedb_init(&db);
    cr_assert_eq(pagedb_load_file(&db, a), 0);
    cr_assert_eq(pagedb_load_file(&db, b), 0);
    cr_assert_eq(pagedb_load_file(&db, v), 0);
    cr_assert_eq(db.npages, 2);
    cr_assert_str_eq(pagedb_find(&db, 8, 0, 5, "MODECON", "X")->name,
                     "Corrected");
    cr_assert_str_eq(pagedb_find(&db, 8, 0, 5, "ACME CO", "DVD-9")->name,
                     "Vendor's");
    cr_assert_str_eq(pagedb_find(&db, 8, 0, 5, "ACME CO", "CD-ROM")->name,
                     "Corrected");
    cr_assert_null(pagedb_find(&db, 8, 0, 0, "ACME", "DVD"),
                   "an mmc page is not a disk's");
    /* A later vendor definition with another pattern replaces it too. */
    char *w =
        testutil_write_file("w.page", "page 0x08\nname \"Vendor's, later\"\n"
                                      "applies mmc\nvendor \"ACME CO\"\n"
                                      "lengths 10\n");
    cr_assert_eq(pagedb_load_file(&db, w), 0);
    cr_assert_str_eq(pagedb_find(&db, 8, 0, 5, "ACME CO", "DVD-9")->name,
                     "Vendor's, later");
    free(w);
    pagedb_fini(&db);
    free(a);
    free(b);
    free(v);
}

Test(pagedef, files_that_are_not_text_are_refused,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct pagedb db;
    char *path = testutil_write_file("nul.page", "page 5\n");
    FILE *f = fopen(path, "a");
    fwrite("name \0\"X\"\n", 1, 10, f);
    fclose(f);

    pagedb_init(&db);
    cr_assert_eq(pagedb_load_file(&db, path), -1);
    cr_assert_not_null(strstr(db.problems[0], "NUL byte at offset 12"), "%s",
                       db.problems[0]);
    cr_assert_eq(pagedb_load_file(&db, "/nonexistent/x.page"), -1);
    cr_assert_not_null(strstr(db.problems[1], "/nonexistent/x.page"));
    pagedb_fini(&db);
    free(path);
}

Test(pagedef, a_danger_names_the_direction_it_warns_of)
{
    static const char *const text =
        "page 0x30\nname \"T\"\nlengths 4\n"
        "field LOW 2 number \"Timer\"\n"
        "  danger lower \"A short time\"\n  danger \"wears the motor.\"\n"
        "field HIGH 3 number\n  danger higher \"Too many\"\n"
        "field ANY 4 number\n  danger \"Any change\"\n"
        "field TO 5.0 flag\n  danger when 1 \"Set\"\n";
    struct pagedb db;

    pagedb_init(&db);
    struct page_def *pd = pagedef_parse(&db, "d.page", text);
    dump_problems(&db);
    cr_assert_not_null(pd);
    cr_assert_eq(pagedef_check(&db, pd), 0);
    cr_assert_eq(pd->fields[0].danger_dir, FIELD_DANGER_LOWER);
    cr_assert_str_eq(pd->fields[0].danger, "A short time wears the motor.");
    cr_assert_eq(pd->fields[1].danger_dir, FIELD_DANGER_HIGHER);
    cr_assert_eq(pd->fields[2].danger_dir, FIELD_DANGER_ANY);
    cr_assert_eq(pd->fields[3].danger_dir, FIELD_DANGER_WHEN);
    cr_assert_eq(pd->fields[3].danger_when, 1);
    static const char *const said[] = { "warned when lowered",
                                        "warned when raised",
                                        "warned on any change",
                                        "warned when set to 1" };
    for (size_t i = 0; i < 4; i++) {
        char when[64];
        field_danger_when(&pd->fields[i], when, sizeof when);
        cr_assert_str_eq(when, said[i]);
    }
    pagedef_free(pd);
    pagedb_fini(&db);
}

enum generated {
    FLAG_FIELDS,
    ENUM_VALUES,
    LENGTHS,
    WORDS
};

/* Page 30h with 'n' generated items of one kind, each as the format
 * writes it. */
static char *
generated_page(enum generated kind, int n)
{
    char *text = malloc(128 + (size_t)n * 32), *p = text;

    cr_assert_not_null(text);
    p += sprintf(p, "page 0x30\nname \"Test\"\napplies mmc\n");
    switch (kind) {
    case FLAG_FIELDS: /* 64 bytes of flags */
        p += sprintf(p, "lengths 0x41\n");
        for (int i = 0; i < n; i++)
            p += sprintf(p, "field F%d %d.%d flag\n", i, i / 8 + 2, 7 - i % 8);
        break;
    case ENUM_VALUES: /* every value of byte 2 */
        p += sprintf(p, "lengths 0x02\nfield E 2 enum\n");
        for (int i = 0; i < n; i++)
            p += sprintf(p, "  value %d V%d\n", i, i);
        break;
    case LENGTHS:
        p += sprintf(p, "lengths");
        for (int i = 0; i < n; i++)
            p += sprintf(p, " %d", i + 2);
        p += sprintf(p, "\n");
        break;
    case WORDS: /* "lengths" and n - 1 numbers on one line */
        p += sprintf(p, "lengths");
        for (int i = 1; i < n; i++)
            p += sprintf(p, " %d", i + 1);
        p += sprintf(p, "\n");
        break;
    }
    return text;
}

/* Whether 'text' parses and checks clean, or else its first problem
 * starts with what 'problem' says (after the "x.page:LINE:COL: "). */
static void
expect_page_def(const char *text, const char *problem)
{
    struct pagedb db;

    pagedb_init(&db);
    struct page_def *pd = pagedef_parse(&db, "x.page", text);
    if (problem == NULL) {
        dump_problems(&db);
        cr_assert_not_null(pd);
        cr_assert_eq(pagedef_check(&db, pd), 0);
        cr_assert_eq(db.nproblems, 0);
        pagedef_free(pd);
    } else {
        if (pd != NULL)
            pagedef_free(pd);
        cr_assert_geq(db.nproblems, 1);
        cr_assert_not_null(strstr(db.problems[0], problem), "got: %s",
                           db.problems[0]);
    }
    pagedb_fini(&db);
}

/* Each bound of the format at its limit and one past it. */
Test(pagedef, each_bound_holds_at_the_limit_and_not_past_it)
{
    static const struct {
        enum generated kind;
        int limit;
        const char *at, *past;
    } bounds[] = {
        { FLAG_FIELDS, 512, NULL, "more than 512 fields" },
        { ENUM_VALUES, 256, NULL, "more than 256 values" },
        { LENGTHS, 16, NULL, "expected at most 16 lengths" },
        /* 64 words are read (and then found too many lengths) */
        { WORDS, 64, "expected at most 16 lengths",
          "more than 64 words on a line" },
    };
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        char *text = generated_page(bounds[i].kind, bounds[i].limit);
        expect_page_def(text, bounds[i].at);
        free(text);
        text = generated_page(bounds[i].kind, bounds[i].limit + 1);
        expect_page_def(text, bounds[i].past);
        free(text);
    }
}
