#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/text.h"

static void
expect_visible(const char *text, bool lines, const char *want)
{
    char *got = text_visible(text, lines);
    cr_assert_str_eq(got, want);
    free(got);
    cr_assert_eq(text_is_safe(text, lines), strcmp(text, want) == 0,
                 "text_is_safe disagrees with text_visible on \"%s\"", want);
}

Test(text, escape_sequences_show_as_text)
{
    expect_visible("iqn.x:\x1b]0;TGTPWN\x07\x1b[31mEVIL", false,
                   "iqn.x:\\x1b]0;TGTPWN\\x07\\x1b[31mEVIL");
    /* DEL, and C1 CSI encoded as UTF-8: a terminal acts on both. */
    expect_visible("a\x7f"
                   "b\xc2\x9b"
                   "31m",
                   false, "a\\x7fb\\x9b31m");
    expect_visible("cr\rlf\nht\t", false, "cr\\x0dlf\\x0aht\\x09");
}

Test(text, marks_that_make_text_read_otherwise_are_shown)
{
    /* A right-to-left override shows "txt.exe" as "exe.txt"; a line
     * separator makes one line look like two. */
    expect_visible("drive\xe2\x80\xaetxt.exe", false, "drive\\u202etxt.exe");
    expect_visible("a\xe2\x80\xa8"
                   "b\xe2\x81\xa6"
                   "c\xe2\x80\x8f",
                   true, "a\\u2028b\\u2066c\\u200f");
    /* Their neighbours stay: an en dash, a zero-width joiner. */
    expect_visible("a\xe2\x80\x93"
                   "b\xe2\x80\x8d",
                   false,
                   "a\xe2\x80\x93"
                   "b\xe2\x80\x8d");
}

Test(text, whole_lines_keep_their_layout)
{
    expect_visible("a\tb\nc\rd", true, "a\tb\nc\\x0dd");
}

Test(text, utf8_text_stays_as_it_is)
{
    expect_visible("40 \xc2\xb5s \xe2\x94\x82 \xf0\x9f\x92\xbf \xef\xbf\xbd",
                   false,
                   "40 \xc2\xb5s \xe2\x94\x82 \xf0\x9f\x92\xbf \xef\xbf\xbd");
}

Test(text, bytes_that_are_not_utf8_show_as_replacement_characters)
{
    /* A lone CSI byte, a Latin-1 e acute, a cut sequence, an overlong
     * ESC, a surrogate. */
    expect_visible("\x9b"
                   "31m",
                   false,
                   "\xef\xbf\xbd"
                   "31m");
    expect_visible("caf\xe9", false, "caf\xef\xbf\xbd");
    expect_visible("\xe2\x94x", false, "\xef\xbf\xbdx");
    expect_visible("\xc0\x9b", false, "\xef\xbf\xbd\xef\xbf\xbd");
    expect_visible("\xe0\x80\x9b", false, "\xef\xbf\xbd");
    expect_visible("\xed\xa0\x80", false, "\xef\xbf\xbd");
}

Test(text, json_text_is_made_utf8_and_keeps_its_control_characters)
{
    char *got = text_utf8("a\x1b\xff\xc2\x9b\xc2\xb5\xe2\x94");

    cr_assert_str_eq(got, "a\x1b\xef\xbf\xbd\xc2\x9b\xc2\xb5\xef\xbf\xbd");
    free(got);
}

Test(text, an_excerpt_is_cut_between_characters_and_says_so)
{
    char buf[64];

    cr_assert_eq(text_excerpt(buf, sizeof buf, "short", 10, false), 0);
    cr_assert_str_eq(buf, "short");
    cr_assert_eq(text_excerpt(buf, sizeof buf, "exactly10!", 10, false), 0);
    cr_assert_str_eq(buf, "exactly10!");
    cr_assert_eq(text_excerpt(buf, sizeof buf, "eleven char", 10, false), 11);
    cr_assert_str_eq(buf, "eleven cha...");
    cr_assert_eq(
        text_excerpt(buf, sizeof buf, "\xc2\xb5\x1b\xc2\xb5", 2, false), 5);
    cr_assert_str_eq(buf, "\xc2\xb5\\x1b...");
    /* A small buffer cuts sooner, never inside a character. */
    cr_assert_eq(text_excerpt(buf, 8, "\xc2\xb5\xc2\xb5\xc2\xb5", 10, false),
                 6);
    cr_assert_str_eq(buf, "\xc2\xb5\xc2\xb5...");
}

Test(text, err_quote_bounds_and_shows_a_string_from_outside)
{
    char quoted[ERR_QUOTE_MAX];
    char *huge = malloc(100001);

    cr_assert_str_eq(err_quote(quoted, "app\x1b]52;c;SGk=\x07"),
                     "\"app\\x1b]52;c;SGk=\\x07\"");
    memset(huge, 'V', 100000);
    huge[100000] = '\0';
    err_quote(quoted, huge);
    cr_assert_str_eq(quoted + ERR_QUOTE_CHARS + 1, "...\" (100000 bytes)");
    cr_assert_eq(strspn(quoted + 1, "V"), ERR_QUOTE_CHARS);
    /* Sixty escapes still fit. */
    memset(huge, '\x1b', 100000);
    err_quote(quoted, huge);
    cr_assert_str_eq(quoted + 1 + 4 * ERR_QUOTE_CHARS, "...\" (100000 bytes)");
    free(huge);
}

Test(text, a_huge_argument_never_pushes_the_reason_out_of_an_error)
{
    struct err err;
    char *huge = malloc(10000001);

    memset(huge, 'A', 10000000);
    huge[10000000] = '\0';
    err_clear(&err);
    err_usage(&err, "%s:%u: page '%s': expected %s (%d, %zu, %.3s, %c%%)",
              "r.txt", 7u, huge, "a page code", -5, (size_t)42, "abcdef", 'x');
    cr_assert(strstr(err.msg, "r.txt:7: page 'AAAA") == err.msg, "%s", err.msg);
    cr_assert(strstr(err.msg, "A... (10000000 bytes)': expected a page code "
                              "(-5, 42, abc, x%)") != NULL,
              "%s", err.msg);
    /* A message that fits is left as printf writes it. */
    err_usage(&err, "%-6s|%*d|%.*s|%lu|%llx", "ab", 4, 7, 2, "xyz", 9ul,
              255ull);
    cr_assert_str_eq(err.msg, "ab    |   7|xy|9|ff");
    /* Cut or not, the message is the same when it fits after cutting
     * (the rarely used conversions too). */
    err_usage(&err, "%s %-6s|%*d|%.*s|%lu|%llx|%5.1f|%hhu", huge, "ab", 4, 7, 2,
              "xyz", 9ul, 255ull, 2.25, (unsigned char)200);
    cr_assert(strstr(err.msg,
                     "A... (10000000 bytes) ab    |   7|xy|9|ff|  2.2|200") !=
                  NULL,
              "%s", err.msg);
    free(huge);
}

Test(text, a_long_text_of_modecons_own_loses_only_its_end)
{
    struct err err;
    char usage[601];

    memset(usage, 'u', 600);
    usage[600] = '\0';
    err_clear(&err);
    err_usage(&err, "set: expected DRIVE PAGE\n%s", usage);
    cr_assert_lt(strlen(err.msg), ERR_MSG_MAX);
    cr_assert(strncmp(err.msg, "set: expected DRIVE PAGE\nuuuu", 29) == 0);
    cr_assert(strstr(err.msg, "u... (600 bytes)") != NULL, "%s", err.msg);
    /* Room is left for prefixes: most of the text stays all the same. */
    cr_assert(strspn(err.msg + 25, "u") > 350, "%s", err.msg);
}

/* A string of 'n' copies of 'unit'. */
static char *
repeated(const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *text = malloc(n * len + 1);

    for (size_t i = 0; i < n; i++)
        memcpy(text + i * len, unit, len);
    text[n * len] = '\0';
    return text;
}

static bool
ends_with(const char *text, const char *end)
{
    size_t n = strlen(text), m = strlen(end);
    return n >= m && strcmp(text + n - m, end) == 0;
}

/* Each "\x" in 'text' starts a whole "\xHH". */
static bool
escapes_whole(const char *text)
{
    for (const char *p = text; (p = strstr(p, "\\x")) != NULL; p += 2)
        if (strspn(p + 2, "0123456789abcdef") < 2)
            return false;
    return true;
}

/* Characters of two bytes, and control characters that show as four: the
 * message is cut to fit in bytes, between characters, and keeps its
 * reason. */
Test(text, an_error_is_cut_in_bytes_and_keeps_its_reason)
{
    struct err err;
    char *path = repeated("\xc3\xa9", 300), *escapes = repeated("\x1b", 700);

    err_clear(&err);
    err_set(&err, E_FAIL, "cannot write %s: %s", path,
            "No space left on device");
    cr_assert(ends_with(err.msg, "... (600 bytes): No space left on device"),
              "%s", err.msg);
    cr_assert(strncmp(err.msg, "cannot write \xc3\xa9\xc3\xa9", 17) == 0);
    cr_assert(text_is_safe(err.msg, false), "%s", err.msg);

    err_set(&err, E_FAIL, "value %s: %s", escapes, "expected a number");
    cr_assert(ends_with(err.msg, "... (700 bytes): expected a number"), "%s",
              err.msg);
    cr_assert(escapes_whole(err.msg), "%s", err.msg);
    cr_assert(strncmp(err.msg, "value \\x1b\\x1b", 14) == 0);
    free(path);
    free(escapes);
}

/* More arguments from outside than excerpts leave room for: they are cut
 * shorter still, and the reason stays. */
Test(text, many_long_arguments_still_leave_the_reason)
{
    struct err err;
    char *e = repeated("\x1b", 300);

    err_clear(&err);
    err_usage(&err, "%s %s %s %s %s %s %s %s: %s", e, e, e, e, e, e, e, e,
              "the reason");
    cr_assert_lt(strlen(err.msg), ERR_MSG_MAX);
    cr_assert(ends_with(err.msg, "(300 bytes): the reason"), "%s", err.msg);
    cr_assert(escapes_whole(err.msg), "%s", err.msg);
    free(e);
}

/* A prefix on a full message takes out its middle: the prefix names where,
 * the end says why, and no character is split. */
Test(text, a_prefix_never_cuts_the_reason)
{
    struct err err;
    char *dots = repeated("/.", 300), path[700];

    snprintf(path, sizeof path, "/dev%s/full", dots);
    err_clear(&err);
    err_set(&err, E_FAIL, "cannot write %s: %s", path,
            "No space left on device");
    err_prefix(&err, "--trace: 1 command not traced");
    cr_assert(strncmp(err.msg,
                      "--trace: 1 command not traced: cannot write "
                      "/dev/./.",
                      52) == 0,
              "%s", err.msg);
    cr_assert(ends_with(err.msg, "(609 bytes): No space left on device"), "%s",
              err.msg);

    /* A message of modecon's own filled to its last byte with two-byte
     * characters and escapes, prefixed over and over. */
    memset(err.msg, 0, sizeof err.msg);
    for (size_t i = 0; i + 6 < sizeof err.msg - 1; i += 6)
        memcpy(err.msg + i, "\xc3\xa9\\x1b", 6);
    size_t n = strlen(err.msg);
    memcpy(err.msg + n - 6, ": why", 6);
    for (int i = 0; i < 4; i++) {
        err_prefix(&err, "prefix %d \xc3\xa9", i);
        cr_assert_lt(strlen(err.msg), ERR_MSG_MAX);
        cr_assert(ends_with(err.msg, ": why"), "%s", err.msg);
        cr_assert(text_is_safe(err.msg, false), "%s", err.msg);
        cr_assert(escapes_whole(err.msg), "%s", err.msg);
    }
    cr_assert(strncmp(err.msg, "prefix 3 \xc3\xa9: prefix 2", 21) == 0, "%s",
              err.msg);
    free(dots);
}

Test(text, the_encoder_and_the_decoder_agree_at_every_length_boundary)
{
    static const uint32_t points[] = { 0x00,    0x41,   0x7f,    0x80,
                                       0xb5,    0x7ff,  0x800,   0x2502,
                                       0xfffd,  0xffff, 0x10000, 0x1f4bf,
                                       0x10ffff };
    static const size_t lengths[] = { 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4 };

    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        char buf[5];
        size_t n = text_encode(points[i], buf);
        cr_assert_eq(n, lengths[i], "U+%04X: %zu bytes", points[i], n);
        buf[n] = '\0';
        if (points[i] == 0)
            continue; /* NUL ends the text the decoder reads */
        const char *p = buf;
        cr_assert_eq(text_next_char(&p), points[i], "U+%04X", points[i]);
        cr_assert_eq(p, buf + n);
    }
}
