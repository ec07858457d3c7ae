/* Splitting a line of the command language. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmd/line.h"

static void
expect_words(const char *text, size_t ncmds, const char *const *want)
{
    struct cmd_line line;
    struct err err;
    size_t w = 0;

    err_clear(&err);
    cr_assert_eq(cmd_line_parse(text, &line, &err), 0, "%s: %s", text, err.msg);
    cr_assert_eq(line.ncmds, ncmds, "%s: %zu commands", text, line.ncmds);
    for (size_t c = 0; c < line.ncmds; c++) {
        for (int i = 0; i < line.cmds[c].argc; i++, w++)
            cr_assert_str_eq(line.cmds[c].argv[i], want[w], "%s: word %zu",
                             text, w);
        cr_assert_str_eq(want[w++], "|", "%s: end of command %zu", text, c);
        cr_assert_null(line.cmds[c].argv[line.cmds[c].argc]);
    }
    cmd_line_free(&line);
}

Test(line, splits_commands_words_quotes_and_comments)
{
    static const char *const a[] = { "get", "emu:dvd-writer", "5", "|" };
    expect_words("  get emu:dvd-writer 5  ", 1, a);
    static const char *const b[] = {
        "get", "x", "5", "|", "show", "x", "8", "|"
    };
    expect_words("get x 5;show x 8", 2, b);
    static const char *const c[] = { "set", "x", "5", "MCN=a; b", "|" };
    expect_words("set x 5 'MCN=a; b'", 1, c);
    static const char *const d[] = { "set", "x", "5", "T=say \"hi\"", "|" };
    expect_words("set x 5 \"T=say \\\"hi\\\"\"", 1, d);
    static const char *const e[] = { "get", "x", "5", "|" };
    expect_words("get x 5 # and a comment; get y 6", 1, e);
    static const char *const f[] = { "get", "a#b", "|" };
    expect_words("get a#b", 1, f);
    static const char *const g[] = { "x", "|", "y", "|" };
    expect_words("x;;\ny", 2, g);
    expect_words("# nothing but a comment", 0, NULL);
    expect_words("", 0, NULL);
    static const char *const h[] = { "get", "a;b", "|" };
    expect_words("get a\\;b", 1, h);
    /* A replay file's line keeps its newline; tabs are blanks too. */
    static const char *const i[] = { "get", "x", "5", "|" };
    expect_words("get\tx 5\n", 1, i);
    expect_words(" \t\n", 0, NULL);
    /* A plain command next to a quoted one: each is split its own way. */
    static const char *const j[] = { "get", "x", "|", "set", "x", "a b", "|" };
    expect_words("get x; set x 'a b'", 2, j);
}

/* 'text' is refused as bad usage with exactly 'msg'. */
static void
expect_refused(const char *text, const char *msg)
{
    struct cmd_line line;
    struct err err;

    err_clear(&err);
    cr_assert_eq(cmd_line_parse(text, &line, &err), -1, "%s: accepted", text);
    cr_assert(err.usage, "%s: not a usage error", text);
    cr_assert_str_eq(err.msg, msg, "%s", text);
}

Test(line, a_trailing_backslash_is_refused)
{
    expect_refused("get x\\",
                   "expected a character after the backslash at column 6");
    expect_refused("get x; get y\\\n",
                   "expected a character after the backslash at column 13");
    /* A backslash before a newline inside the line joins the lines. */
    static const char *const joined[] = { "get", "xy", "|" };
    expect_words("get x\\\ny", 1, joined);
}

Test(line, unterminated_quotes_name_their_column)
{
    expect_refused("get 'emu:x 5",
                   "expected a closing ' for the quote at column 5");
    expect_refused("set x 5 T=\"abc",
                   "expected a closing \" for the quote at column 11");
}
