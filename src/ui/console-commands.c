/* The console's own commands (ui/console.h): moving in the panes, the
 * screens and the prompt, and their table, which console_run dispatches
 * through; any other line goes to the drive in view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"
#include "ui/console-internal.h"
#include "ui/worker.h"
#include "util/xmalloc.h"

/* The selected page as the command language names it, for completion. */
static void
console_select_page(struct console *con, const struct mode_page_info *mp)
{
    free(con->ctx->selected_page);
    con->ctx->selected_page =
        mp->subpage ? xasprintf("0x%02x,0x%02x", mp->code, mp->subpage)
                    : xasprintf("0x%02x", mp->code);
}

static size_t
console_pane_count(struct console *con)
{
    struct console_drive *d = console_drive(con);
    switch (con->focus) {
    case PANE_DRIVES:
        return con->ndrives;
    case PANE_PAGES:
        return d ? d->snap.npages : 0;
    case PANE_FIELDS:
        return con->fields.nrows;
    }
    return 0;
}

static size_t *
console_pane_cursor(struct console *con)
{
    switch (con->focus) {
    case PANE_DRIVES:
        return &con->drive_cursor;
    case PANE_PAGES:
        return &con->page_cursor;
    case PANE_FIELDS:
        break;
    }
    return &con->field_cursor;
}

static void
console_cursor(struct console *con, const char *how)
{
    size_t n = console_pane_count(con), *cur = console_pane_cursor(con);
    size_t was = *cur, page = 10;

    if (n == 0)
        return;
    if (strcmp(how, "up") == 0)
        *cur = *cur > 0 ? *cur - 1 : 0;
    else if (strcmp(how, "down") == 0)
        *cur = *cur + 1 < n ? *cur + 1 : n - 1;
    else if (strcmp(how, "page-up") == 0)
        *cur = *cur > page ? *cur - page : 0;
    else if (strcmp(how, "page-down") == 0)
        *cur = *cur + page < n ? *cur + page : n - 1;
    else if (strcmp(how, "first") == 0)
        *cur = 0;
    else if (strcmp(how, "last") == 0)
        *cur = n - 1;
    else
        console_log(con, true,
                    "cursor: expected up, down, page-up, page-down, first or "
                    "last, got '%s'",
                    how);
    if (*cur == was)
        return;
    console_clear_error(con);
    if (con->focus == PANE_DRIVES)
        console_drive_selected(con);
}

static void
console_focus(struct console *con, const char *where)
{
    if (strcmp(where, "next") == 0)
        con->focus = (enum console_pane)((con->focus + 1) % 3);
    else if (strcmp(where, "previous") == 0)
        con->focus = (enum console_pane)((con->focus + 2) % 3);
    else if (strcmp(where, "drives") == 0)
        con->focus = PANE_DRIVES;
    else if (strcmp(where, "pages") == 0)
        con->focus = PANE_PAGES;
    else if (strcmp(where, "fields") == 0)
        con->focus = PANE_FIELDS;
    else
        console_log(con, true,
                    "focus: expected next, previous, drives, pages or "
                    "fields, got '%s'",
                    where);
}

static void
console_activate(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    switch (con->focus) {
    case PANE_DRIVES:
        con->focus = PANE_PAGES;
        break;
    case PANE_PAGES: {
        if (con->page_cursor >= d->snap.npages)
            return;
        const struct mode_page_info *mp = &d->snap.pages[con->page_cursor];
        char line[32];
        console_select_page(con, mp);
        snprintf(line, sizeof line, "page %s", con->ctx->selected_page);
        con->field_cursor = 0;
        con->focus = PANE_FIELDS;
        console_run(con, line);
        break;
    }
    case PANE_FIELDS:
        console_edit_field(con, false);
        break;
    }
}

/* Staged edits are not left behind unsaid: the first q names them, the
 * next one leaves. */
void
console_quit(struct console *con, const char *arg)
{
    (void)arg;
    for (size_t i = 0; i < con->ndrives && !con->quit_asked; i++) {
        const struct drive_snapshot *s = &con->drives[i].snap;
        /* A drive with a command of the user's in hand may be
         * committing them right now (its own polls and reads commit
         * nothing): asked afresh, as the last look may predate the key. */
        struct worker *w = con->drives[i].worker;
        if (s->pending_edits == 0 || (w != NULL && worker_has_user_jobs(w)))
            continue;
        con->quit_asked = true;
        console_log(con, true,
                    "%s: %d staged edit%s of page %s not sent: c commits, d "
                    "discards; q again leaves without them",
                    s->uri, s->pending_edits, s->pending_edits == 1 ? "" : "s",
                    s->pending_page);
        return;
    }
    con->quit = true;
}

/* r: the page again, or, on a drive that has not answered INQUIRY or
 * listed its pages yet, the drive itself. */
static void
console_refresh(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    if (d->snap.identified && d->snap.pages_known) {
        con->refresh_drive = con->drive_cursor;
        con->refresh_seq = console_send(con, con->drive_cursor, "page");
        if (d->worker == NULL)
            console_collect(con);
        return;
    }
    console_log(con, false, "%s: identifying the drive again", d->snap.uri);
    if (d->worker != NULL) {
        worker_identify(d->worker);
        return;
    }
    drive_session_identify(d->session);
    console_hold(d, ++d->sync_seq);
    console_collect(con);
}

/* The console's own commands, for the help screen and for console_run
 * (anything else is a line of the command language for the drive in
 * view).  Each runs with the command's first argument, or "". */
static void
console_toggle_hex(struct console *con, const char *arg)
{
    (void)arg;
    con->show_hex = !con->show_hex;
}

static void
console_show_log(struct console *con, const char *arg)
{
    (void)arg;
    con->log_top = 0;
    con->mode = MODE_LOG;
}

static void
console_show_help(struct console *con, const char *arg)
{
    (void)arg;
    con->help_top = 0;
    con->mode = MODE_HELP;
}

static void
console_prompt(struct console *con, const char *arg)
{
    (void)arg;
    prompt_open(&con->prompt, ":", "");
    con->prompt_is_value = false;
    con->prompt_check[0] = '\0';
    con->mode = MODE_PROMPT;
}

static void
console_dismiss(struct console *con, const char *arg)
{
    (void)arg;
    console_clear_error(con);
}

static void
console_redraw(struct console *con, const char *arg)
{
    (void)arg;
    con->redraw = true;
}

/* clang-format off */
const struct console_command console_commands[] = {
    { "cursor", "up|down|page-up|page-down|first|last", "move in the focused pane", console_cursor },
    { "focus", "next|previous|drives|pages|fields", "move to another pane", console_focus },
    { "activate", "", "open the drive, show the page, or edit the field under the cursor", console_activate },
    { "edit-field", "", "type a new value for the field under the cursor (an enum's name or number)", console_edit_typed },
    { "confirm-commit", "", "show the staged edits as 'diff' does, then commit on y or s; with drives tagged, each tagged drive's dry run, then y sends to those that passed", console_confirm_commit },
    { "confirm-undo", "", "show what undo of the drive's last command sends, then undo it on y; with drives tagged, each tagged drive's own", console_confirm_undo },
    { "confirm-defaults", "", "show what defaults of the page in view sends, then send it on y or s; with drives tagged, on each tagged drive (y)", console_confirm_defaults },
    { "tag", "[DRIVE]", "tag the drive in view (or DRIVE), or untag it: c, u and D then act on every tagged drive", console_tag },
    { "tag-all", "", "untag every drive, or, when none is tagged, tag them all", console_tag_all },
    { "compare", "", "the page in view on every tagged drive side by side, values that differ from the first marked", console_compare_start },
    { "refresh", "", "read the selected page again; identify again a drive that has not answered yet", console_refresh },
    { "toggle-hex", "", "the page as bytes, the selected field's bits highlighted", console_toggle_hex },
    { "show-log", "", "the recent messages", console_show_log },
    { "show-help", "", "this screen", console_show_help },
    { "prompt", "", "the command line (history: Up, Down; Tab completes)", console_prompt },
    { "dismiss", "", "clear the error shown", console_dismiss },
    { "redraw", "", "draw the whole screen again", console_redraw },
    { "close", "[DRIVE]", "remove a drive from the Drives list (the one in view by default); 'open DRIVE' adds one", console_close },
    { "quit", "", "leave the console", console_quit },
    { NULL, NULL, NULL, NULL },
};
/* clang-format on */

/* A console command by name, or NULL. */
static const struct console_command *
console_command_find(const char *name)
{
    for (size_t i = 0; console_commands[i].name != NULL; i++)
        if (strcmp(console_commands[i].name, name) == 0)
            return &console_commands[i];
    return NULL;
}

void
console_run(struct console *con, const char *line)
{
    char word[32] = "", arg[512] = "";

    if (sscanf(line, " %31s %511s", word, arg) < 1)
        return;
    if (strcmp(word, "quit") != 0)
        con->quit_asked = false;
    /* ':' itself, on the way to the second ':close', keeps the question. */
    if (strcmp(word, "close") != 0 && strcmp(word, "prompt") != 0) {
        free(con->close_asked);
        con->close_asked = NULL;
    }
    const struct console_command *cc = console_command_find(word);
    if (cc == NULL && strcmp(word, "open") == 0 && arg[0] != '\0' &&
        console_open_line(con, line)) {
        explicit_bzero(arg, sizeof arg);
        return;
    }
    if (cc == NULL) {
        if (con->ndrives == 0) {
            char *shown = transport_redact(line);
            console_log(con, true, "no drive to run '%s' on", shown);
            free(shown);
            return;
        }
        console_send(con, con->drive_cursor, line);
        if (con->drives[con->drive_cursor].worker == NULL)
            console_collect(con);
        return;
    }
    cc->exec(con, arg);
}
