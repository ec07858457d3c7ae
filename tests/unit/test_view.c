/*
 * The console's screens, drawn without a terminal: drives run on the
 * test's thread, keys and commands go through the console as a user's
 * would, and the canvas is compared with tests/data/screens/CASE.txt
 * (MODECON_UPDATE_SCREENS=1 rewrites them).
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/line.h"
#include "testutil.h"
#include "ui/console.h"
#include "ui/term.h"
#include "ui/view.h"

static struct cmd_ctx ctx;
static struct console con;

static void
setup(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    testutil_fresh_state();
    cmd_ctx_init(&ctx, &testutil_quiet_output);
    cmd_pagedb(&ctx);
    console_init(&con, &ctx, NULL);
}

static void
teardown(void)
{
    console_fini(&con);
    cmd_ctx_fini(&ctx);
}

static char *
render(int rows, int cols)
{
    struct canvas cv;
    char *text = NULL;
    size_t len = 0;
    int r, c;

    canvas_init(&cv, rows, cols);
    view_render(&con, &cv, &r, &c);
    FILE *f = open_memstream(&text, &len);
    canvas_dump(&cv, f);
    fclose(f);
    canvas_fini(&cv);
    return text;
}

static void
expect_screen(const char *name, int rows, int cols)
{
    char *got = render(rows, cols);
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/screens/%s.txt",
             getenv("MODECON_DATA_DIR"), name);
    if (getenv("MODECON_UPDATE_SCREENS") != NULL) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "%s", path);
        fputs(got, f);
        fclose(f);
    }
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s: missing (MODECON_UPDATE_SCREENS=1 makes it)",
                       path);
    char want[16384];
    size_t n = fread(want, 1, sizeof want - 1, f);
    want[n] = '\0';
    fclose(f);
    cr_assert_str_eq(got, want, "%s differs; the screen was:\n%s", path, got);
    free(got);
}

static void
keys(const char *seq)
{
    for (const char *k = seq; *k != '\0'; k++)
        console_key(&con, *k == '\n' ? TERM_KEY_ENTER : *k);
}

/* The page's row in the drive's list, for the cursor. */
static void
goto_page(unsigned code)
{
    struct console_drive *d = console_drive(&con);
    for (size_t i = 0; i < d->snap.npages; i++)
        if (d->snap.pages[i].code == code)
            con.page_cursor = i;
    console_run(&con, "focus pages");
    console_run(&con, "activate");
}

static void
goto_field(const char *acronym)
{
    for (size_t i = 0; i < con.fields.nrows; i++)
        if (strcmp(con.fields.rows[i].ref.acronym, acronym) == 0)
            con.field_cursor = i;
    cr_assert_str_eq(console_field(&con)->ref.acronym, acronym);
}

/* The drive's page 05 with the cursor on 'acronym'. */
static void
open_field(const char *uri, const char *acronym)
{
    console_add_drive(&con, uri, false);
    console_collect(&con);
    goto_page(0x05);
    goto_field(acronym);
}

TestSuite(view, .init = setup, .fini = teardown);

Test(view, start_lists_drives_with_identity_and_medium)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_add_drive(&con, "emu:cd-atapi?fault=sense:02/3a/00@00", false);
    console_collect(&con);
    expect_screen("start-80x24", 24, 80);
}

Test(view, a_page_shows_every_field_with_four_values)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    goto_page(0x05);
    cr_assert_eq(con.focus, PANE_FIELDS);
    expect_screen("page05-80x24", 24, 80);
    expect_screen("page05-132x43", 43, 132);
}

Test(view, an_enum_is_picked_from_its_legend_and_staged)
{
    open_field("emu:dvd-writer", "WR_T");
    keys("\n");
    cr_assert_eq(con.mode, MODE_PICK);
    expect_screen("pick-wr_t", 24, 80);
    keys("k\n"); /* TAO, above SAO */
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_STAGED);
    cr_assert_str_eq(console_field(&con)->staged, "TAO (1)");
    expect_screen("staged-wr_t", 24, 80);
}

Test(view, commit_confirms_then_marks_each_field_applied)
{
    open_field("emu:dvd-writer", "WR_T");
    keys("\nk\nc");
    cr_assert_eq(con.mode, MODE_CONFIRM);
    expect_screen("confirm-wr_t", 24, 80);
    keys("y");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED);
    cr_assert_str_eq(console_field(&con)->current, "TAO (1)");
    expect_screen("applied-wr_t", 24, 80);
}

/* The whole log, for a failure's message (static storage). */
static const char *log_text(void);
static const char *log_line(const char *prefix);

Test(view, r_c_open_and_close_say_what_they_did_and_focus_a_pane)
{
    open_field("emu:dvd-writer", "WR_T");
    /* r says the page was read again, not just its code. */
    keys("r");
    cr_assert_not_null(log_line("emu:dvd-writer: page 0x05 read again"), "%s",
                       log_text());
    /* c on another page names the staged edits' page as every message
     * does, however the page was typed. */
    keys("\nk\n");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_STAGED);
    goto_page(0x08);
    keys("c");
    cr_assert_not_null(log_line("the staged edits are for page 0x05, not this "
                                "one"),
                       "%s", log_text());
    keys("d");
    /* :open leaves the focus on the pages of the drive opened, :close of
     * the drive in view on the Drives list. */
    console_run(&con, "focus fields");
    console_run(&con, "open emu:ignoring");
    cr_assert_eq(con.focus, PANE_PAGES);
    console_run(&con, "focus fields");
    console_run(&con, "open emu:dvd-writer");
    cr_assert_eq(con.focus, PANE_PAGES);
    console_run(&con, "open emu:ignoring");
    console_run(&con, "focus fields");
    console_run(&con, "close");
    cr_assert_eq(con.focus, PANE_DRIVES, "%s", log_text());
}

/* The whole log, for a failure's message (static storage). */
static const char *
log_text(void)
{
    static char text[16384];
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < con.nlog && used + 1 < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s\n",
                                 con.log[i].text);
    return text;
}

/* The last log line that starts with 'prefix', or NULL. */
static const char *
log_line(const char *prefix)
{
    for (size_t i = con.nlog; i-- > 0;)
        if (strncmp(con.log[i].text, prefix, strlen(prefix)) == 0)
            return con.log[i].text;
    return NULL;
}

Test(view, an_undo_after_a_commit_clears_its_marks)
{
    open_field("emu:dvd-writer", "WR_T");
    keys("\nk\ncy");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED);
    console_run(&con, "undo");
    cr_assert_not_null(
        log_line("emu:dvd-writer: undoing 'modecon console: set' of page 0x05"),
        "%s", log_text());
    /* The commit's marks would call the field not applied now. */
    cr_assert_str_eq(console_field(&con)->current, "SAO (2)");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_NONE);
}

Test(view, a_change_of_another_drive_leaves_the_commit_marks)
{
    open_field("emu:dvd-writer", "WR_T");
    keys("\nk\ncy");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED);
    /* Taken by another drive, and refused by this one: neither changes
     * what the commit did here. */
    console_run(&con, "set emu:ignoring caching WCE=0");
    console_run(&con, "set emu:dvd-writer 0x2a D_R_W=0 --force");
    cr_assert_not_null(
        log_line("emu:dvd-writer: E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS"),
        "%s", log_text());
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED, "%s",
                 log_text());
    console_run(&con, "set emu:dvd-writer caching WCE=0");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_NONE);
}

Test(view, a_command_on_another_drive_is_logged_under_that_drive)
{
    open_field("emu:dvd-writer", "WR_T");
    console_run(&con, "get emu:cd-atapi 1");
    cr_assert_not_null(log_line("emu:cd-atapi: 01 06"), "%s", log_text());
    cr_assert_null(log_line("emu:dvd-writer: 01 06"));
}

Test(view, open_brings_a_drive_into_view_adding_it_when_not_listed)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_add_drive(&con, "emu:ignoring", false);
    console_collect(&con);
    cr_assert_eq(con.drive_cursor, 0);
    console_run(&con, "open emu:ignoring");
    cr_assert_eq(con.drive_cursor, 1);
    cr_assert_not_null(log_line("emu:ignoring: in view"), "%s", log_text());
    /* A drive outside the list joins it, in view. */
    console_run(&con, "open emu:cd-atapi");
    cr_assert_eq(con.ndrives, 3);
    cr_assert_eq(con.drive_cursor, 2);
    cr_assert_str_eq(con.drives[2].snap.uri, "emu:cd-atapi");
    cr_assert(con.drives[2].snap.identified, "%s", log_text());
    cr_assert_not_null(log_line("emu:cd-atapi: added to the Drives list"), "%s",
                       log_text());
    /* What is no drive is refused, and not added. */
    console_run(&con, "open nothing-here");
    cr_assert_eq(con.ndrives, 3);
    cr_assert_not_null(log_line("open: 'nothing-here' is not a drive"), "%s",
                       log_text());
    /* A misspelt fault or an emulated drive that does not exist is
     * refused as the command line refuses it, with its message, and
     * neither added nor brought into view. */
    console_run(&con, "open emu:dvd-writer?fault=bogus");
    console_run(&con, "open emu:nosuch");
    console_run(&con, "open emu:/nonexistent/x.json");
    cr_assert_eq(con.ndrives, 3, "%s", log_text());
    cr_assert_eq(con.drive_cursor, 2);
    cr_assert_not_null(log_line("open: emu:dvd-writer?fault=bogus: fault spec "
                                "'bogus': expected one of"),
                       "%s", log_text());
    cr_assert_not_null(log_line("open: emu:nosuch: unknown drive 'nosuch'"),
                       "%s", log_text());
    cr_assert_not_null(log_line("open: emu:/nonexistent/x.json: cannot open "
                                "drive file"),
                       "%s", log_text());
    console_run(&con, "open emu:ignoring");
    cr_assert_eq(con.drive_cursor, 1);
    /* Inside a longer line it is undone, and the next command still
     * goes to the drive in view. */
    console_run(&con, "open emu:cd-atapi; page caching");
    console_run(&con, "open");
    cr_assert_not_null(
        log_line("emu:ignoring: open: the console's commands go to the drive "
                 "in view"),
        "%s", log_text());
    cr_assert_not_null(log_line("emu:ignoring: emu:ignoring"), "%s",
                       log_text());
}

Test(view, close_removes_a_drive_naming_its_staged_edits_first)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_add_drive(&con, "emu:ignoring", false);
    console_add_drive(&con, "emu:cd-atapi", false);
    console_collect(&con);
    console_run(&con, "open emu:ignoring");
    console_run(&con, "page 5");
    console_run(&con, "edit TRACK_M=4");
    cr_assert_eq(con.drives[1].snap.pending_edits, 1, "%s", log_text());
    /* The first names the edits and keeps the drive. */
    console_run(&con, "close");
    cr_assert_eq(con.ndrives, 3);
    cr_assert_not_null(log_line("emu:ignoring: 1 staged edit of page 0x05 "
                                "not sent"),
                       "%s", log_text());
    /* Another command in between asks again. */
    console_run(&con, "cursor first");
    console_run(&con, "close emu:ignoring");
    cr_assert_eq(con.ndrives, 3);
    console_run(&con, "close emu:ignoring");
    cr_assert_eq(con.ndrives, 2);
    cr_assert_not_null(log_line("emu:ignoring: closed"), "%s", log_text());
    cr_assert_str_eq(con.drives[1].snap.uri, "emu:cd-atapi");
    /* The drive in view, the last of the list: the one before it takes
     * its place. */
    console_run(&con, "open emu:cd-atapi");
    console_run(&con, "close");
    cr_assert_eq(con.ndrives, 1);
    cr_assert_eq(con.drive_cursor, 0);
    cr_assert_str_eq(console_drive(&con)->snap.uri, "emu:dvd-writer");
    console_run(&con, "close emu:cd-atapi");
    cr_assert_not_null(log_line("close: emu:cd-atapi is not in the Drives "
                                "list"),
                       "%s", log_text());
    console_run(&con, "close");
    cr_assert_eq(con.ndrives, 0);
    console_run(&con, "close");
    cr_assert_not_null(log_line("close: no drive to close"), "%s", log_text());
}

/* Copy the data directory's drive file 'name' to 'path'. */
static void
copy_drive_file(const char *name, const char *path)
{
    char from[512], buf[65536];
    snprintf(from, sizeof from, "%s/drives/%s", getenv("MODECON_DATA_DIR"),
             name);
    FILE *in = fopen(from, "r"), *out = fopen(path, "w");
    cr_assert(in != NULL && out != NULL, "%s -> %s", from, path);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

Test(view, refresh_identifies_a_drive_that_failed_at_first)
{
    char path[600], uri[620];
    snprintf(path, sizeof path, "%s/x.json", getenv("XDG_STATE_HOME"));
    snprintf(uri, sizeof uri, "emu:%s", path);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{ \"this is\": \"not a drive\" ", f);
    fclose(f);
    console_add_drive(&con, uri, false);
    console_collect(&con);
    struct console_drive *d = console_drive(&con);
    cr_assert(!d->snap.identified && d->snap.failed);
    cr_assert(!d->snap.pages_known);

    copy_drive_file("dvd-writer.json", path);
    console_run(&con, "refresh");
    d = console_drive(&con);
    cr_assert(d->snap.identified, "%s", log_text());
    cr_assert(d->snap.pages_known);
    cr_assert_str_eq(d->snap.id.product, "DVD-RW WRITER");
    cr_assert_not_null(log_line(uri), "%s", log_text());
    char want[700];
    snprintf(want, sizeof want, "%s: identified: MODECON DVD-RW WRITER", uri);
    cr_assert_not_null(log_line(want), "%s", log_text());
    /* Once known, r reads the page again, as ever. */
    goto_page(0x05);
    console_run(&con, "refresh");
    cr_assert(console_drive(&con)->snap.has_page);
}

/* Another process changes the drive: its own context and recorder. */
static void
another_process(const char *line)
{
    struct cmd_ctx other;
    cmd_ctx_init(&other, &testutil_quiet_output);
    cr_assert_eq(cmd_run_line(&other, line), CMD_OK, "%s", line);
    cmd_ctx_fini(&other);
}

Test(view, a_change_by_another_is_marked_and_the_consoles_own_is_not)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    goto_page(0x08);
    goto_field("WCE");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_NONE);
    cr_assert_str_eq(console_field(&con)->current, "1");

    /* The UNIT ATTENTION 2A/01 it raises, met by the poll, has the page
     * read again. */
    another_process("set emu:dvd-writer caching WCE=0");
    console_poll_unthreaded(&con);
    console_collect(&con);
    const struct field_row *wce = console_field(&con);
    cr_assert_eq(wce->change, FIELD_CHANGE_OUTSIDE, "%s", log_text());
    cr_assert_str_eq(wce->current, "0");
    cr_assert_str_eq(wce->was, "was 1");
    cr_assert_not_null(log_line("emu:dvd-writer: page 0x08 changed on the "
                                "drive, not by this console (marked ^): "
                                "WCE 0 (was 1)"),
                       "%s", log_text());
    char *screen = render(24, 80);
    cr_assert_not_null(strstr(screen, "|^ WCE"), "%s", screen);
    free(screen);
    /* Read again with nothing changed: the mark stays. */
    console_run(&con, "refresh");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_OUTSIDE);

    /* This console's own commit is no outside change. */
    keys("\ncy");
    wce = console_field(&con);
    cr_assert_eq(wce->change, FIELD_CHANGE_APPLIED, "%s", log_text());
    cr_assert_str_eq(wce->current, "1");
    console_poll_unthreaded(&con);
    console_collect(&con);
    console_run(&con, "refresh");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED);

    /* A power cycle brings back the saved values: 0, saved by another. */
    another_process("set emu:dvd-writer caching WCE=0 --save");
    another_process("set emu:dvd-writer caching WCE=1");
    console_run(&con, "refresh");
    another_process("power-cycle emu:dvd-writer");
    console_run(&con, "refresh");
    wce = console_field(&con);
    cr_assert_eq(wce->change, FIELD_CHANGE_OUTSIDE, "%s", log_text());
    cr_assert_str_eq(wce->current, "0");
    cr_assert_str_eq(wce->was, "was 1");
    /* Another page shows no marks of this one. */
    goto_page(0x05);
    for (size_t i = 0; i < con.fields.nrows; i++)
        cr_assert_neq(con.fields.rows[i].change, FIELD_CHANGE_OUTSIDE);
}

Test(view, the_page_title_says_how_old_its_values_are)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    goto_page(0x08);
    double read_at = console_drive(&con)->snap.read_at;
    cr_assert_gt(read_at, 0);
    con.now = read_at + 2;
    char *screen = render(24, 100);
    cr_assert_null(strstr(screen, "ago"), "%s", screen);
    free(screen);
    con.now = read_at + 12.2;
    screen = render(24, 100);
    cr_assert_not_null(
        strstr(screen, "0x08 Caching, read 12 s ago, 12 bytes, savable"), "%s",
        screen);
    free(screen);
}

Test(view, the_help_scrolls_to_every_command)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    console_run(&con, "show-help");
    char *first = render(24, 80);
    cr_assert(strstr(first, "Up/Down scroll") != NULL, "%s", first);
    cr_assert(strstr(first, "undo DRIVE") == NULL, "%s", first);
    for (size_t i = 0; i < console_help_length(); i++)
        console_key(&con, TERM_KEY_DOWN);
    cr_assert_eq(con.mode, MODE_HELP);
    bool seen = false;
    for (size_t i = 0; i < console_help_length() && !seen; i++) {
        char *screen = render(24, 80);
        seen = strstr(screen, "undo DRIVE") != NULL;
        free(screen);
        console_key(&con, TERM_KEY_UP);
    }
    cr_assert(seen, "'undo' never came into view");
    console_key(&con, 'x');
    cr_assert_eq(con.mode, MODE_NORMAL);
    free(first);
}

Test(view, the_log_wraps_long_lines_whole)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    console_log(&con, false,
                "a long line about restoring /tmp/somewhere/a-snapshot.json: "
                "wrote 1 page value set, 9 already as in it, 0 not taken in "
                "full, the end");
    console_log(&con, false,
                "and a longer one still: restoring /tmp/somewhere/else/a-"
                "snapshot.json wrote 1 page value set, 9 already as in it, "
                "0 not taken in full; the last words");
    console_run(&con, "show-log");
    char *screen = render(24, 80);
    cr_assert(strstr(screen, "the last words") != NULL, "%s", screen);
    cr_assert(strstr(screen, "the end") != NULL, "%s", screen);
    cr_assert(strstr(screen, "~") == NULL, "%s", screen);
    free(screen);
}

Test(view, a_drive_that_ignores_the_change_shows_it_not_applied)
{
    open_field("emu:ignoring", "WR_T");
    keys("\nk\ncy");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_NOT_APPLIED);
    cr_assert_str_eq(console_field(&con)->current, "SAO (2)");
}

Test(view, a_locked_field_is_refused_and_named)
{
    open_field("emu:dvd-writer", "MCVAL");
    cr_assert_eq(console_field(&con)->changeable, 0);
    keys("\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert(con.has_error);
    cr_assert(console_field(&con)->rejected);
    cr_assert_null(console_drive(&con)->snap.stage_words);
    expect_screen("locked-mcval", 24, 80);
}

Test(view, a_drive_error_shows_hresult_sense_and_the_field)
{
    /* Forced past the checks, the drive itself refuses the locked field
     * and points at it. */
    open_field("emu:dvd-writer", "MCVAL");
    console_run(&con, "edit --force MCVAL=1");
    console_run(&con, "commit --force");
    cr_assert(con.has_error);
    cr_assert_eq(con.error.hr, 0xC0AA0208u);
    cr_assert(console_field(&con)->rejected, "MCVAL not marked");
    expect_screen("rejected-mcval", 24, 80);
    /* The console goes on: a key still moves the cursor, and the error
     * stays until the selection moves. */
    keys("k");
    cr_assert(!con.has_error);
}

Test(view, a_drive_with_no_medium_and_a_hung_one_show_their_state)
{
    console_add_drive(&con, "emu:cd-atapi?fault=sense:02/3a/00@00", false);
    console_add_drive(&con, "emu:dvd-writer?fault=gone", false);
    char *wp = testutil_drive_variant("dvd-writer", "wp.json",
                                      "\"state\": \"present\"",
                                      "\"state\": \"write-protected\"");
    console_add_drive(&con, wp, false);
    free(wp);
    console_collect(&con);
    cr_assert_eq(con.drives[0].snap.media, MEDIA_NONE);
    cr_assert_eq(con.drives[2].snap.media, MEDIA_WRITE_PROTECTED);
    cr_assert(con.drives[1].snap.failed);
    cr_assert_eq(con.drives[1].snap.error.hr, 0x80070037u);
    /* A busy drive shows how long it has been at it. */
    con.drives[0].busy = true;
    snprintf(con.drives[0].busy_job, sizeof con.drives[0].busy_job,
             "page 0x05");
    con.drives[0].busy_since = 100.0;
    con.now = 103.25;
    expect_screen("media-states", 24, 80);
    /* Selecting the drive that vanished says why at once. */
    con.drives[0].busy = false;
    keys("j");
    cr_assert(con.has_error);
    cr_assert_eq(con.error.hr, 0x80070037u);
    char *text = render(24, 80);
    cr_assert(strstr(text, "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)") != NULL,
              "%s", text);
    free(text);
}

Test(view, a_drive_that_vanishes_while_shown_says_so_at_once)
{
    /* INQUIRY and the page list answer, and the first TEST UNIT READY;
     * then the drive is gone. */
    console_add_drive(&con, "emu:dvd-writer?fault=gone@00+1", false);
    console_add_drive(&con, "emu:cd-atapi", false);
    console_collect(&con);
    cr_assert_eq(con.drives[0].snap.media, MEDIA_READY);
    cr_assert(!con.has_error);
    console_poll_unthreaded(&con);
    console_collect(&con);
    cr_assert_eq(con.drives[0].snap.media_error.hr, 0x80070037u);
    cr_assert(con.has_error);
    cr_assert_eq(con.error.hr, 0x80070037u);
    cr_assert(con.log[con.nlog - 1].is_error);
    cr_assert(strstr(con.log[con.nlog - 1].text,
                     "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)") != NULL,
              "%s", con.log[con.nlog - 1].text);
    expect_screen("vanished", 24, 80);
    /* The other drive is still there to work with. */
    keys("j\n");
    cr_assert(!con.has_error);
    cr_assert_gt(con.drives[1].snap.npages, 0);
}

Test(view, the_hex_view_highlights_the_selected_field)
{
    open_field("emu:dvd-writer", "WR_T");
    console_run(&con, "toggle-hex");
    expect_screen("hex-wr_t", 24, 80);
}

Test(view, a_value_is_checked_as_it_is_typed)
{
    open_field("emu:dvd-writer", "APL");
    keys("\n");
    cr_assert_eq(con.mode, MODE_PROMPT);
    cr_assert_str_eq(con.prompt.text, "150");
    keys("9999999");
    cr_assert_str_neq(con.prompt_check, "");
    expect_screen("value-apl-bad", 24, 80);
    keys("\n"); /* refused: the prompt stays */
    cr_assert_eq(con.mode, MODE_PROMPT);
    for (int i = 0; i < 7; i++)
        console_key(&con, TERM_KEY_BACKSPACE);
    keys("300");
    cr_assert_str_eq(con.prompt_check, "");
    keys("\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_str_eq(console_field(&con)->staged, "300 blocks");
}

Test(view, the_help_screen_lists_keys_and_commands)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    keys("?");
    /* Tall enough for every entry, however many commands there are and
     * however many rows a long one wraps to. */
    char *text = render(3 * (int)console_help_length() + 2, 100);
    cr_assert(strstr(text, "confirm-commit") != NULL, "%s", text);
    cr_assert(strstr(text, "F1, ?") != NULL, "%s", text);
    /* ... and every command of the command language. */
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        char want[64];
        snprintf(want, sizeof want, " %s ", cmd_table[i]->name);
        cr_assert(strstr(text, want) != NULL, "%s missing:\n%s",
                  cmd_table[i]->name, text);
    }
    free(text);
}

Test(view, a_small_terminal_says_so)
{
    char *text = render(8, 30);
    cr_assert(strstr(text, "terminal 30x8: modecon needs\n80x24\nq quits") !=
                  NULL,
              "%s", text);
    free(text);
    text = render(23, 100);
    cr_assert(strstr(text, "terminal 100x23: modecon needs 80x24") != NULL,
              "%s", text);
    free(text);
}

/* Below the minimum size nothing on a drive is shown, so no key acts on
 * one: Enter, e, c and ':' change nothing; q still leaves. */
Test(view, a_small_terminal_ignores_the_keys_that_act_on_drives)
{
    open_field("emu:dvd-writer", "BUFE");
    con.screen_rows = 10;
    con.screen_cols = 40;
    keys("\nec:edit BUFE=0\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_eq(console_drive(&con)->snap.nstage_words, 0);
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_NONE);
    con.screen_rows = 24;
    con.screen_cols = 80;
    keys("\n");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_STAGED);
    con.screen_rows = 10;
    keys("q");
    cr_assert(!con.quit); /* the staged edit is named first */
    keys("q");
    cr_assert(con.quit);
}

/* The key bar at 80 columns, the usual terminal: it cannot hold every
 * key, and keeps help, quit and commit over the rest. */
Test(view, an_80_column_key_bar_keeps_help_and_quit)
{
    char *text = render(24, 80);
    const char *bar = strrchr(text, '\n');
    while (bar > text && bar[-1] != '\n' && bar[-1] != '\0')
        bar--;
    cr_assert(strstr(bar, "F1 help") != NULL, "%s", bar);
    cr_assert(strstr(bar, "q quit") != NULL, "%s", bar);
    cr_assert(strstr(bar, "c commit") != NULL, "%s", bar);
    cr_assert(strstr(bar, "L log") == NULL, "%s", bar);
    free(text);
}

/* The smallest screen still shows all four kinds of value. */
Test(view, an_80_column_screen_shows_every_kind_of_value)
{
    open_field("emu:dvd-writer", "WR_T");
    char *text = render(24, 80);
    cr_assert(strstr(text, "DEFAULT") != NULL, "%s", text);
    cr_assert(strstr(text, "SAVED") != NULL, "%s", text);
    free(text);
}

/* Staged edits are named before they would be lost: the first q says so
 * and stays, the next leaves; c on another page points at theirs. */
Test(view, staged_edits_are_named_before_quit_and_on_another_page)
{
    open_field("emu:dvd-writer", "WR_T");
    keys("\nk\n");
    goto_page(0x08);
    console_collect(&con);
    keys("c");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_not_null(
        log_line("the staged edits are for page 0x05, not this one"), "%s",
        log_text());
    keys("q");
    cr_assert(!con.quit);
    cr_assert_not_null(
        log_line("emu:dvd-writer: 1 staged edit of page 0x05 not sent"), "%s",
        log_text());
    keys("q");
    cr_assert(con.quit);
}

/* Without staged edits, q leaves at once. */
Test(view, q_leaves_at_once_with_nothing_staged)
{
    open_field("emu:dvd-writer", "WR_T");
    keys("q");
    cr_assert(con.quit);
}

/* A page the drive cannot save is not offered saving: s says so and the
 * dialog stays for y or n. */
Test(view, a_page_that_cannot_be_saved_is_not_offered_saving)
{
    open_field("emu:dvd-writer", "WR_T");
    cr_assert(!console_page_savable(&con));
    keys("\nk\nc");
    cr_assert_eq(con.mode, MODE_CONFIRM);
    char *text = render(24, 80);
    cr_assert(strstr(text, "s commit and save") == NULL, "%s", text);
    free(text);
    keys("s");
    cr_assert_eq(con.mode, MODE_CONFIRM);
    cr_assert_not_null(log_line("this page is not savable on this drive"), "%s",
                       log_text());
    keys("y");
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED);
    goto_page(0x08);
    console_collect(&con);
    cr_assert(console_page_savable(&con));
}

/* The value pre-filled is selected: typing replaces it (it was appended:
 * 150 and 1234 made 1501234), a key that moves keeps it for editing. */
Test(view, a_value_typed_replaces_the_one_prefilled)
{
    open_field("emu:dvd-writer", "APL");
    keys("e");
    cr_assert_str_eq(con.prompt.text, "150");
    cr_assert(con.prompt.selected);
    keys("1234");
    cr_assert_str_eq(con.prompt.text, "1234");
    keys("\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_str_eq(console_field(&con)->staged, "1234 blocks");
}

Test(view, moving_in_the_prefilled_value_edits_it)
{
    static const struct {
        int key;
        const char *then_9;
    } cases[] = {
        { TERM_KEY_LEFT, "1590" },     { TERM_KEY_RIGHT, "1509" },
        { TERM_KEY_HOME, "9150" },     { TERM_KEY_END, "1509" },
        { TERM_KEY_BACKSPACE, "159" }, { TERM_KEY_DELETE, "9" },
    };
    open_field("emu:dvd-writer", "APL");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        keys("e");
        cr_assert(con.prompt.selected);
        console_key(&con, cases[i].key);
        cr_assert(!con.prompt.selected);
        keys("9");
        cr_assert_str_eq(con.prompt.text, cases[i].then_9, "key %zu", i);
        keys("\x1b");
        cr_assert_eq(con.mode, MODE_NORMAL);
    }
}

/* The selection is drawn as selected text; the cursor after it. */
Test(view, the_prefilled_value_is_shown_selected)
{
    struct canvas cv;
    int r, c;

    open_field("emu:dvd-writer", "APL");
    keys("e");
    canvas_init(&cv, 24, 80);
    view_render(&con, &cv, &r, &c);
    cr_assert_eq(r, 23);
    cr_assert_eq(c, 9); /* "APL = 150" */
    cr_assert_eq(canvas_cell(&cv, 23, 6)->style, STYLE_SELECTED);
    cr_assert_eq(canvas_cell(&cv, 23, 8)->style, STYLE_SELECTED);
    keys("7");
    view_render(&con, &cv, &r, &c);
    cr_assert_eq(canvas_cell(&cv, 23, 6)->style, STYLE_NORMAL);
    cr_assert_eq(canvas_cell(&cv, 23, 6)->glyph, '7');
    canvas_fini(&cv);
}

/* Keys typed while a key's job is with a drive wait for its answer and
 * are then applied in order; Esc drops them, a second q leaves. */
Test(view, keys_typed_ahead_wait_for_the_answer_in_order)
{
    open_field("emu:dvd-writer", "WR_T");
    /* A job in flight, as a worker's would be. */
    con.await_drive = 0;
    con.await_seq = 1000;
    keys("\n"); /* opens the pick list, once the answer is in */
    console_key(&con, TERM_KEY_UP);
    keys("\nc");
    cr_assert_eq(con.ntyped, 4);
    cr_assert_eq(con.mode, MODE_NORMAL);
    char *text = render(24, 80);
    cr_assert(strstr(text, "4 keys waiting for emu:dvd-writer") != NULL, "%s",
              text);
    free(text);
    con.await_seq = 0;
    console_collect(&con);
    cr_assert_eq(con.ntyped, 0);
    cr_assert_eq(con.mode, MODE_CONFIRM, "the c came before the edit");
    keys("n");

    con.await_seq = 1000;
    keys("jj\x1b");
    cr_assert_eq(con.ntyped, 0);
    cr_assert_eq(con.await_seq, 0);
    cr_assert_str_eq(console_field(&con)->ref.acronym, "WR_T");
    cr_assert(strstr(con.log[con.nlog - 1].text, "Esc: 2 keys typed") != NULL,
              "%s", con.log[con.nlog - 1].text);

    /* With no key waiting, Esc waits its turn as any key would. */
    con.await_seq = 1000;
    keys("\x1b");
    cr_assert_eq(con.ntyped, 1);
    con.await_seq = 0;
    console_collect(&con);
    cr_assert_eq(con.ntyped, 0);

    /* q again behind a waiting q leaves without waiting for the drive,
     * naming the staged edit first as q does. */
    con.await_seq = 1000;
    keys("q");
    cr_assert(!con.quit);
    keys("q");
    cr_assert(!con.quit, "q left with an edit staged and not named");
    cr_assert(strstr(con.log[con.nlog - 1].text, "staged edit") != NULL, "%s",
              con.log[con.nlog - 1].text);
    keys("q");
    cr_assert(con.quit);

    /* A q typed into a prompt that keys waiting will open is text, not
     * a second q: the line is typed whole and the console stays. */
    con.quit = false;
    con.await_seq = 1000;
    keys(":help q");
    keys("q");
    cr_assert(!con.quit, "a q typed into a prompt left the console");
    con.await_seq = 0;
    console_collect(&con);
    cr_assert_eq(con.mode, MODE_PROMPT);
    cr_assert_str_eq(con.prompt.text, "help qq");
}

/* A command typed at ':' whose answer is more than a line opens it whole,
 * scrolled with the arrows, closed with Esc. */
Test(view, a_commands_output_is_shown_whole)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    con.screen_rows = 24;
    con.screen_cols = 80;
    keys(":show 5\n");
    cr_assert_eq(con.mode, MODE_OUTPUT);
    cr_assert_gt(con.noutput, 22);
    char *text = render(24, 80);
    cr_assert(strstr(text, "\n BUFE ") != NULL, "%s", text);
    cr_assert(strstr(text, "\n SUBHDR ") == NULL, "%s", text);
    cr_assert(strstr(text, "lines 1-22 of") != NULL, "%s", text);
    free(text);
    keys("G");
    text = render(24, 80);
    cr_assert(strstr(text, "\n SUBHDR ") != NULL, "%s", text);
    cr_assert(strstr(text, "\n page 0x05") == NULL, "%s", text);
    free(text);
    /* The UNIT column is past the 80th: Right brings it in. */
    console_key(&con, TERM_KEY_RIGHT);
    console_key(&con, TERM_KEY_RIGHT);
    console_key(&con, TERM_KEY_RIGHT);
    console_key(&con, TERM_KEY_RIGHT);
    text = render(24, 80);
    cr_assert(strstr(text, "blocks") != NULL, "%s", text);
    free(text);
    keys("\x1b");
    cr_assert_eq(con.mode, MODE_NORMAL);
    /* A one-line answer stays on the message line. */
    keys(":page 5\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    /* Keys typed behind a command whose answer opens the view are not
     * swallowed by it: the first it does not use closes it and acts. */
    keys(":show 5\n");
    cr_assert_eq(con.mode, MODE_OUTPUT);
    keys("?");
    cr_assert_eq(con.mode, MODE_HELP, "the view swallowed the key");
}

/* The help's columns fit: at 80 columns and more no line is cut, long
 * heads and summaries are broken at spaces instead (they were cut with
 * "~", the summaries at 80 columns, the heads at 22). */
Test(view, the_help_screen_fits_every_width)
{
    static const int widths[] = { 80, 100, 132, 200 };

    keys("?");
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        char *text = render(200, widths[w]);
        cr_assert(strchr(text, '~') == NULL, "%d columns:\n%s", widths[w],
                  text);
        cr_assert(strstr(text, "--data HEX") != NULL, "%d columns:\n%s",
                  widths[w], text);
        cr_assert(strstr(text, "page-down|first|last") != NULL,
                  "%d columns:\n%s", widths[w], text);
        free(text);
    }
}

/* A page name is cut after a whole word when that keeps most of it, and
 * shown whole when the terminal has room: the pages pane grows with it. */
Test(view, page_names_are_cut_at_words_and_whole_when_there_is_room)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    char *text = render(24, 80);
    cr_assert(strstr(text, " 0x01 Read/Write~   12 S") != NULL, "%s", text);
    /* "Write~" would keep too little of it. */
    cr_assert(strstr(text, " 0x05 Write Param~  52") != NULL, "%s", text);
    free(text);
    text = render(30, 100);
    cr_assert(strstr(text, " 0x01 Read/Write Error Recovery   ") != NULL, "%s",
              text);
    cr_assert(strstr(text, " 0x2a MM Capabilities and Mechanical~ ") != NULL,
              "%s", text);
    free(text);
    text = render(40, 132);
    cr_assert(strstr(text, " 0x2a MM Capabilities and Mechanical Status  48") !=
                  NULL,
              "%s", text);
    free(text);
    /* The fields keep their NAME column and all four values. */
    goto_page(0x05);
    text = render(40, 132);
    cr_assert(strstr(text, "NAME") != NULL, "%s", text);
    cr_assert(strstr(text, "SAVED") != NULL, "%s", text);
    free(text);
}

/* A value refused on Enter stays, selected: what is typed next replaces
 * it (it was appended: 300 then 300s made 300300s). */
Test(view, a_refused_value_is_replaced_by_what_is_typed_next)
{
    open_field("emu:dvd-writer", "APL");
    keys("e");
    keys("abc\n");
    cr_assert_eq(con.mode, MODE_PROMPT, "a refused value left the prompt");
    cr_assert(con.prompt.selected);
    keys("160");
    cr_assert_str_eq(con.prompt.text, "160");
    keys("\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_str_eq(console_field(&con)->staged, "160 blocks");
}

/* A command line typed at ':' is remembered without the password of a
 * drive URI in it: the history file is written from the same list. */
Test(view, the_command_history_keeps_no_password)
{
    char path[] = "/tmp/modecon-history-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    prompt_fini(&con.prompt);
    struct err err;
    err_clear(&err);
    cr_assert_eq(prompt_init(&con.prompt, path, &err), 0, "%s", err.msg);
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    keys(":help iscsi://bob%s3cretpw@127.0.0.1/iqn.2026-12.x:cd/0\n");
    FILE *f = fopen(path, "r");
    char file[4096] = "";
    size_t n = f ? fread(file, 1, sizeof file - 1, f) : 0;
    file[n] = '\0';
    if (f != NULL)
        fclose(f);
    unlink(path);
    cr_assert_null(strstr(file, "s3cretpw"), "the history file: %s", file);
    cr_assert_not_null(strstr(file, "bob@127.0.0.1"), "the history file: %s",
                       file);
    console_collect(&con);
    con.mode = MODE_NORMAL;
    keys(":");
    console_key(&con, TERM_KEY_UP);
    cr_assert_not_null(strstr(con.prompt.text, "iscsi://bob@127.0.0.1"),
                       "history: '%s'", con.prompt.text);
    cr_assert_null(strstr(con.prompt.text, "s3cretpw"), "%s", con.prompt.text);
}

/* True when any byte the prompt holds, to its whole capacity, still
 * holds 'secret'. */
static bool
prompt_holds(const struct prompt *p, const char *secret)
{
    size_t n = strlen(secret);
    for (size_t at = 0; at + n <= p->cap; at++)
        if (memcmp(p->text + at, secret, n) == 0)
            return true;
    return false;
}

/* What is typed at ':' may hold a password: once the line is run or
 * dropped, no byte of the prompt holds it, nor does a shorter text set
 * over a longer one, nor what Ctrl-K and Ctrl-U take away. */
Test(view, the_prompt_keeps_nothing_of_a_line_once_run)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_collect(&con);
    /* Longer than the room the prompt starts with: it grows on the way. */
    keys(":help iscsi://bob%s3cretpw@127.0.0.1/iqn.2026-12.x:cd/0\n");
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert(!prompt_holds(&con.prompt, "s3cretpw"));
    console_collect(&con);

    keys(":help iscsi://bob%dr0pped@127.0.0.1/iqn.2026-12.x:cd/0");
    cr_assert(prompt_holds(&con.prompt, "dr0pped"));
    keys("\x1b"); /* Esc */
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert(!prompt_holds(&con.prompt, "dr0pped"));

    prompt_open(&con.prompt, ":", "open iscsi://bob%l0ngone@h/iqn.x:y/0");
    prompt_open(&con.prompt, ":", "x");
    cr_assert(!prompt_holds(&con.prompt, "l0ngone"));
    prompt_open(&con.prompt, ":", "open iscsi://bob%k1lled@h/iqn.x:y/0");
    con.prompt.cursor = 4;
    prompt_key(&con.prompt, 'k' & 0x1f);
    cr_assert_str_eq(con.prompt.text, "open");
    cr_assert(!prompt_holds(&con.prompt, "k1lled"));
    prompt_key(&con.prompt, 'u' & 0x1f);
    cr_assert(!prompt_holds(&con.prompt, "open"));
}

/* Every console command runs its own entry of the table, rather than
 * going to a drive as a line of the command language would, and every
 * key runs a console command or a command of the language. */
Test(view, every_console_command_and_key_runs_something)
{
    for (size_t i = 0; console_commands[i].name != NULL; i++) {
        cr_assert_not_null(console_commands[i].exec, "%s",
                           console_commands[i].name);
        size_t logged = con.nlog;
        console_run(&con, console_commands[i].name);
        for (size_t k = logged; k < con.nlog; k++)
            cr_assert_null(strstr(con.log[k].text, "no drive to run"), "%s: %s",
                           console_commands[i].name, con.log[k].text);
        con.mode = MODE_NORMAL;
    }
    for (size_t i = 0; console_keys[i].command != NULL; i++) {
        char word[32];
        cr_assert_eq(sscanf(console_keys[i].command, "%31s", word), 1);
        bool known = false;
        for (size_t k = 0; console_commands[k].name != NULL; k++)
            known = known || strcmp(console_commands[k].name, word) == 0;
        for (size_t k = 0; cmd_table[k] != NULL; k++)
            known = known || strcmp(cmd_table[k]->name, word) == 0;
        cr_assert(known, "the key %s runs '%s', which is no command",
                  console_keys[i].name ? console_keys[i].name : "?",
                  console_keys[i].command);
    }
}

/* Two of three drives tagged: c shows each tagged drive's dry run, the
 * ATAPI drive's refused (it has no Caching page), y sends to the one
 * that passed and shows each outcome; the third drive is neither asked
 * nor changed; = compares the page across the tagged drives. */
Test(view, tagged_drives_are_checked_then_sent_to_and_compared)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_add_drive(&con, "emu:cd-atapi", false);
    console_add_drive(&con, "emu:ignoring", false);
    console_collect(&con);
    keys("tjtk");
    cr_assert_eq(console_tagged(&con), 2);
    goto_page(0x08);
    goto_field("WCE");
    keys("\nc");
    cr_assert_eq(con.mode, MODE_FLEET);
    cr_assert_eq(con.fleet.phase, FLEET_READY);
    cr_assert_eq(con.fleet.ndrives, 2);
    cr_assert_eq(con.fleet.drives[0].state, FLEET_PASSES);
    cr_assert_eq(con.fleet.drives[1].state, FLEET_REFUSED);
    cr_assert(con.fleet.drives[1].other_model);
    expect_screen("tags-precheck-80x24", 24, 80);
    keys("y");
    cr_assert_eq(con.fleet.phase, FLEET_DONE);
    cr_assert_eq(con.fleet.drives[0].state, FLEET_APPLIED);
    cr_assert_eq(con.fleet.drives[1].state, FLEET_REFUSED);
    expect_screen("tags-outcome-80x24", 24, 80);
    console_key(&con, 0x1b);
    cr_assert_eq(con.mode, MODE_NORMAL);
    cr_assert_eq(console_field(&con)->change, FIELD_CHANGE_APPLIED);
    expect_screen("tags-marked-80x24", 24, 80);
    cr_assert_eq(con.drives[2].snap.sent_select, false);
    keys("=");
    cr_assert_eq(con.mode, MODE_COMPARE);
    expect_screen("tags-compare-80x24", 24, 80);
    keys("T");
    cr_assert_eq(con.mode, MODE_NORMAL);
    keys("T");
    cr_assert_eq(console_tagged(&con), 0);
}

/* The comparison marks what differs from the first tagged drive that has
 * the page's values, and names it, when the first tagged drive has none
 * (the ATAPI drive has no Caching page). */
Test(view, compare_marks_differences_from_the_first_drive_with_values)
{
    console_add_drive(&con, "emu:cd-atapi", false);
    console_add_drive(&con, "emu:dvd-writer", false);
    console_add_drive(&con, "emu:ignoring", false);
    console_collect(&con);
    keys("T");
    cr_assert_eq(console_tagged(&con), 3);
    another_process("set emu:dvd-writer caching WCE=0");
    keys("j");
    goto_page(0x08);
    keys("=");
    cr_assert_eq(con.mode, MODE_COMPARE);
    expect_screen("tags-compare-first-unread-80x24", 24, 80);
    char *screen = render(24, 80);
    cr_assert_not_null(strstr(screen, "*1"), "%s", screen);
    cr_assert_not_null(strstr(screen, "* differs from emu:dvd-writer"), "%s",
                       screen);
    free(screen);
}

/* A definition of the Caching page for one product only, in the
 * directory $MODECON_PAGES names, before the definitions are loaded
 * (once a process). */
static void
setup_with_own_caching(void)
{
    char dir[600], path[700];
    testutil_fresh_state();
    snprintf(dir, sizeof dir, "%s/pages", getenv("XDG_STATE_HOME"));
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/08-ignoring.page", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("# Caching page of one product (SBC-3 6.4.5)\n"
          "page 0x08\nname \"Caching\"\napplies mmc\nlengths 0x0a\n"
          "vendor \"MODECON\" product \"IGNORING*\"\n"
          "field WBUF 2.2 flag \"Write buffer\"\n"
          "field RCD 2.0 flag \"Read cache disable\"\n"
          "field 2.7-3 reserved\nfield 2.1 reserved\n",
          f);
    fclose(f);
    setenv("MODECON_PAGES", dir, 1);
    setup();
}

/* A drive whose own definition of the page differs (one for its vendor
 * and product) is not decoded with the drive in view's: the drives are
 * compared byte by byte. */
TestSuite(view_own_pages, .init = setup_with_own_caching, .fini = teardown);

Test(view_own_pages, compare_of_drives_with_their_own_definitions_shows_bytes)
{
    console_add_drive(&con, "emu:dvd-writer", false);
    console_add_drive(&con, "emu:ignoring", false);
    console_collect(&con);
    keys("T");
    goto_page(0x08);
    keys("=");
    cr_assert_eq(con.mode, MODE_COMPARE);
    expect_screen("tags-compare-own-definitions-80x24", 24, 80);
    char *screen = render(24, 80);
    cr_assert_not_null(strstr(screen, "BYTE"), "%s", screen);
    free(screen);
}
