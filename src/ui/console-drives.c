/* ':open' and ':close': the Drives list grows and shrinks while the
 * console runs, and the drive in view follows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/line.h"
#include "transport/transport.h"
#include "ui/console-internal.h"
#include "ui/worker.h"
#include "util/xmalloc.h"

ptrdiff_t
console_find_drive(const struct console *con, const char *uri)
{
    for (size_t i = 0; i < con->ndrives; i++)
        if (strcmp(con->drives[i].snap.uri, uri) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/* Bring drive 'i' into view. */
static void
console_view_drive(struct console *con, size_t i)
{
    if (i == con->drive_cursor)
        return;
    con->drive_cursor = i;
    console_clear_error(con);
    console_drive_selected(con);
}

/* The drive under the cursor became the one in view. */
void
console_drive_selected(struct console *con)
{
    con->page_cursor = 0;
    con->field_cursor = 0;
    /* A drive that failed says why as soon as it is selected. */
    if (con->drives[con->drive_cursor].snap.failed)
        console_show_drive_error(con, &con->drives[con->drive_cursor].snap);
    console_refresh_fields(con);
}

/* Whether ':open' may add 'uri': a name the command line would refuse as
 * bad input is refused here too, with the same message.  An emulated
 * drive is opened to see that its file is there and is a drive (that
 * reads a file and sends no CDB); any other is only checked for its form,
 * since opening it could wait on a drive that hangs. */
static int
console_open_check(const char *uri, struct err *err)
{
    if (!transport_uri_known(uri))
        return err_usage(err, "'%s' is not a drive: expected %s", uri,
                         TRANSPORT_URI_FORMS);
    if (transport_check_name(uri, err) != 0)
        return -1;
    if (strcmp(transport_scheme(uri), "emu") != 0)
        return 0;
    struct transport *tp = NULL;
    if (transport_open(uri, NULL, &tp, err) != 0)
        return err->usage ? -1 : 0;
    transport_close(tp);
    return 0;
}

/* ':open DRIVE': the console's commands go to the drive in view, so
 * opening a drive brings it into view, added to the Drives list when it
 * is not there yet.  A drive that does not answer is added all the same,
 * showing its error, and asked again as any drive that failed at first
 * (':close' removes it); a misspelt or unknown drive is refused. */
static void
console_open(struct console *con, const char *uri)
{
    ptrdiff_t at = console_find_drive(con, uri);

    if (at >= 0) {
        console_view_drive(con, (size_t)at);
        /* The drive opened is the one to work on: its pages next. */
        con->focus = PANE_PAGES;
        console_log(con, false, "%s: in view", uri);
        return;
    }
    struct err err;
    err_clear(&err);
    if (console_open_check(uri, &err) != 0) {
        char line[ERR_MSG_MAX + 600];
        /* The message names the drive already, or is told which. */
        if (strstr(err.msg, uri) != NULL)
            snprintf(line, sizeof line, "open: %s", err.msg);
        else
            snprintf(line, sizeof line, "open: %s: %s", uri, err.msg);
        char *lines[] = { line };
        console_log(con, true, "%s", line);
        console_show_error(con, &err, lines, 1);
        console_refresh_fields(con);
        return;
    }
    /* The drives the console started with have workers: so does this
     * one (the screen tests run theirs on the caller's thread). */
    bool threaded =
        con->ndrives == 0 ? con->notify_fd >= 0 : con->drives[0].worker != NULL;
    console_log(con, false, "%s: added to the Drives list", uri);
    console_add_drive(con, uri, threaded);
    console_view_drive(con, con->ndrives - 1);
    con->focus = PANE_PAGES;
    if (!threaded)
        console_collect(con);
}

/* ':open DRIVE' alone on the line, the drive's URI a word of the command
 * language (quoted when it holds spaces or quotes, as a password may):
 * opened, its URI kept, shown and listed without its password.  False
 * when the line is more than that, for the drive in view to run. */
bool
console_open_line(struct console *con, const char *line)
{
    struct cmd_line parsed;
    struct err err;

    err_clear(&err);
    if (cmd_line_parse(line, &parsed, &err) != 0) {
        console_log(con, true, "open: %s", err.msg);
        return true;
    }
    bool alone = parsed.ncmds == 1 && parsed.cmds[0].argc == 2;
    if (alone) {
        transport_take_secrets(parsed.cmds[0].argv[1]);
        console_open(con, parsed.cmds[0].argv[1]);
    }
    cmd_line_free(&parsed);
    return alone;
}

/* ':close [DRIVE]': the drive leaves the Drives list once its worker has
 * stopped.  Staged edits are not dropped unsaid (the first ':close'
 * names them, as q does), and a command of the user's still with the
 * drive (a MODE SELECT, perhaps) is waited for rather than cut off. */
void
console_close(struct console *con, const char *uri)
{
    if (con->ndrives == 0) {
        console_log(con, true, "close: no drive to close");
        return;
    }
    ptrdiff_t at = uri[0] != '\0' ? console_find_drive(con, uri)
                                  : (ptrdiff_t)con->drive_cursor;
    if (at < 0) {
        console_log(con, true, "close: %s is not in the Drives list", uri);
        return;
    }
    size_t i = (size_t)at;
    struct console_drive *d = &con->drives[i];
    char *name = xstrdup(d->snap.uri);
    if (d->worker != NULL && worker_has_user_jobs(d->worker)) {
        console_log(con, true,
                    "%s: a command is still with the drive: ':close' again "
                    "once it has answered",
                    name);
        free(name);
        return;
    }
    bool asked =
        con->close_asked != NULL && strcmp(con->close_asked, name) == 0;
    free(con->close_asked);
    con->close_asked = NULL;
    if (d->snap.pending_edits > 0 && !asked) {
        con->close_asked = xstrdup(name);
        console_log(con, true,
                    "%s: %d staged edit%s of page %s not sent: c commits, d "
                    "discards; ':close' again closes without them",
                    name, d->snap.pending_edits,
                    d->snap.pending_edits == 1 ? "" : "s",
                    d->snap.pending_page);
        free(name);
        return;
    }
    console_drive_free(d);
    memmove(d, d + 1, (con->ndrives - i - 1) * sizeof *d);
    con->ndrives--;
    /* Keys wait only on a drive with a command of the user's, which is
     * never the one closed; the drives after it move up one. */
    if (con->await_drive > i)
        con->await_drive--;
    if (con->output_drive > i)
        con->output_drive--;
    if (con->confirm_drive == i)
        con->confirm_seq = 0;
    else if (con->confirm_drive > i)
        con->confirm_drive--;
    if (con->refresh_drive == i)
        con->refresh_seq = 0;
    else if (con->refresh_drive > i)
        con->refresh_drive--;
    if (i == con->drive_cursor) {
        /* The list changed and no page is in view: the next move is to
         * pick a drive. */
        con->focus = PANE_DRIVES;
        con->confirm_seq = 0; /* a dialog of the drive closed */
        if (con->drive_cursor >= con->ndrives && con->drive_cursor > 0)
            con->drive_cursor--;
        console_clear_error(con);
        con->page_cursor = con->field_cursor = 0;
        if (con->ndrives > 0)
            console_drive_selected(con);
        else
            console_refresh_fields(con);
    } else if (i < con->drive_cursor) {
        con->drive_cursor--;
    }
    console_log(con, false, "%s: closed", name);
    free(name);
}
