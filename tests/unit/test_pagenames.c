/* Page arguments: codes as the screens show them, names from the page
 * definitions, and what is refused rather than guessed. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pagedef.h"
#include "engine/pagenames.h"
#include "testutil.h"

static struct pagedb db;

static void
load_shipped(void)
{
    pagedb_init(&db);
    cr_assert_eq(pagedb_load_dir(&db, MODECON_SOURCE_DATADIR "/pages"), 0);
}

static void
unload(void)
{
    pagedb_fini(&db);
}

/* The page 'text' names; asserts that it parses. */
static unsigned
page_of(const char *text)
{
    uint8_t code = 0xff, subpage = 0xff;
    struct err err;

    err_clear(&err);
    cr_assert_eq(pagenames_parse(&db, text, &code, &subpage, &err), 0,
                 "'%s' refused: %s", text, err.msg);
    return (unsigned)code << 8 | subpage;
}

/* The message refusing 'text' (a usage error); asserts that it is one. */
static const char *
refusal(const char *text)
{
    static struct err err;
    uint8_t code, subpage;

    err_clear(&err);
    cr_assert_eq(pagenames_parse(&db, text, &code, &subpage, &err), -1,
                 "'%s' was taken as page 0x%02x", text, code);
    cr_assert(err.usage);
    return err.msg;
}

#define PAGE(code, sub) ((unsigned)(code) << 8 | (sub))

Test(pagenames, a_code_with_a_base_or_a_hex_letter_is_hex, .init = load_shipped,
     .fini = unload)
{
    cr_assert_eq(page_of("0x1a"), PAGE(0x1a, 0));
    cr_assert_eq(page_of("0X1A"), PAGE(0x1a, 0));
    cr_assert_eq(page_of("1Ah"), PAGE(0x1a, 0));
    cr_assert_eq(page_of("1a"), PAGE(0x1a, 0));
    cr_assert_eq(page_of("0D"), PAGE(0x0d, 0));
    cr_assert_eq(page_of("2A"), PAGE(0x2a, 0));
    cr_assert_eq(page_of("0x10"), PAGE(0x10, 0));
}

Test(pagenames, a_bare_number_both_readings_agree_on_is_that_page,
     .init = load_shipped, .fini = unload)
{
    cr_assert_eq(page_of("5"), PAGE(0x05, 0));
    cr_assert_eq(page_of("05"), PAGE(0x05, 0));
    cr_assert_eq(page_of("0"), PAGE(0x00, 0));
    cr_assert_eq(page_of("9"), PAGE(0x09, 0));
}

Test(pagenames, a_bare_number_read_two_ways_is_refused_naming_both,
     .init = load_shipped, .fini = unload)
{
    cr_assert_str_eq(refusal("10"),
                     "page '10' is ambiguous: 0x10 read as hex, as pages are "
                     "listed, or 0x0a read as decimal; write 0x10 or 0x0a");
    cr_assert_not_null(strstr(refusal("26"), "0x26 read as hex"));
    cr_assert_not_null(strstr(refusal("26"), "0x1a read as decimal"));
    cr_assert_not_null(strstr(refusal("0x40"), "from 0x00 to 0x3e"));
    cr_assert_not_null(strstr(refusal("3Fh"), "from 0x00 to 0x3e"));
}

Test(pagenames, a_subpage_follows_the_same_rules_after_a_comma_or_slash,
     .init = load_shipped, .fini = unload)
{
    cr_assert_eq(page_of("1a,1"), PAGE(0x1a, 0x01));
    cr_assert_eq(page_of("0x1a/0x01"), PAGE(0x1a, 0x01));
    cr_assert_eq(page_of("1a/0f"), PAGE(0x1a, 0x0f));
    cr_assert_eq(page_of("caching,2"), PAGE(0x08, 0x02));
    const char *msg = refusal("1a,10");
    cr_assert_not_null(strstr(msg, "page '1a,10': subpage '10' is ambiguous"),
                       "%s", msg);
    cr_assert_not_null(strstr(refusal("10/1"), "page '10' is ambiguous"));
    cr_assert_not_null(strstr(refusal("1a,0xff"), "from 0 to 0xfe"));
}

Test(pagenames, a_name_is_the_definitions_or_its_imapi_word,
     .init = load_shipped, .fini = unload)
{
    cr_assert_eq(page_of("power-condition"), PAGE(0x1a, 0));
    cr_assert_eq(page_of("Power Condition"), PAGE(0x1a, 0));
    cr_assert_eq(page_of("Read/Write Error Recovery"), PAGE(0x01, 0));
    cr_assert_eq(page_of("fault-failure-reporting-control"), PAGE(0x1c, 0));
    cr_assert_eq(page_of("mm-capabilities-and-mechanical-status"),
                 PAGE(0x2a, 0));
    /* The words of the IMAPI names, as scripts and journals have them. */
    cr_assert_eq(page_of("legacy-capabilities"), PAGE(0x2a, 0));
    cr_assert_eq(page_of("informational-exceptions"), PAGE(0x1c, 0));
    cr_assert_eq(page_of("timeout-and-protect"), PAGE(0x1d, 0));
    cr_assert_eq(page_of("time-out-and-protect"), PAGE(0x1d, 0));
}

Test(pagenames, a_unique_prefix_is_enough_and_a_shared_one_is_refused,
     .init = load_shipped, .fini = unload)
{
    cr_assert_eq(page_of("cach"), PAGE(0x08, 0));
    cr_assert_eq(page_of("write"), PAGE(0x05, 0));
    cr_assert_eq(page_of("legacy"), PAGE(0x2a, 0));
    /* Both of 0x1d's words begin so: one page, no doubt. */
    cr_assert_eq(page_of("t"), PAGE(0x1d, 0));
    /* A whole word wins over the longer words it begins. */
    cr_assert_eq(page_of("control"), PAGE(0x0a, 0));
    cr_assert_str_eq(refusal("c"),
                     "page 'c' is ambiguous: it could be caching (0x08), "
                     "control (0x0a), cd-device-parameters (0x0d) or "
                     "cd-audio-control (0x0e); write more of the name");
    cr_assert_not_null(strstr(refusal("frobnicate"), "caching, control"));
}

Test(pagenames, a_name_two_definitions_give_to_two_pages_is_refused,
     .init = load_shipped, .fini = unload)
{
    testutil_fresh_state();
    char *path = testutil_write_file("20-caching.page", "page 0x20\n"
                                                        "name \"Caching\"\n"
                                                        "applies mmc\n"
                                                        "lengths 0x02\n");
    cr_assert_eq(pagedb_load_file(&db, path), 0, "%s",
                 db.nproblems ? db.problems[0] : "");
    free(path);
    const char *msg = refusal("caching");
    cr_assert_not_null(strstr(msg, "caching (0x08) or caching (0x20)"), "%s",
                       msg);
    cr_assert_eq(page_of("0x20"), PAGE(0x20, 0));
    cr_assert_eq(page_of("8"), PAGE(0x08, 0));
    size_t n;
    char **shared = pagenames_shared(&db, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(shared[0], "caching (0x08, 0x20)");
    pagenames_words_free(shared, n);
}

Test(pagenames, without_definitions_only_numbers_are_pages)
{
    uint8_t code, subpage;
    struct err err;

    err_clear(&err);
    cr_assert_eq(pagenames_parse(NULL, "1a", &code, &subpage, &err), 0);
    cr_assert_eq(code, 0x1a);
    cr_assert_eq(pagenames_parse(NULL, "caching", &code, &subpage, &err), -1);
    cr_assert_str_eq(err.msg, "page 'caching': expected a page code from "
                              "0x00 to 0x3e");
}

Test(pagenames, words_and_codes_are_written_one_way)
{
    char word[64], code[PAGENAMES_CODE_LEN];

    pagenames_word("Time-out and Protect", word, sizeof word);
    cr_assert_str_eq(word, "time-out-and-protect");
    pagenames_word("Read/Write Error Recovery", word, sizeof word);
    cr_assert_str_eq(word, "read-write-error-recovery");
    pagenames_word("IMAPI_MODE_PAGE_TYPE_LEGACY_CAPABILITIES", word,
                   sizeof word);
    cr_assert_str_eq(word, "legacy-capabilities");
    pagenames_word("  (MRW)  ", word, sizeof word);
    cr_assert_str_eq(word, "mrw");
    pagenames_word("Caching", word, 4);
    cr_assert_str_eq(word, "cac");
    pagenames_code(0x1a, 0, code);
    cr_assert_str_eq(code, "0x1a");
    pagenames_code(0x1a, 0xfe, code);
    cr_assert_str_eq(code, "0x1a,0xfe");
}
