#include "ui/console.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/changes.h"
#include "cmd/complete.h"
#include "cmd/journal.h"
#include "cmd/line.h"
#include "engine/errfmt.h"
#include "engine/pagenames.h"
#include "transport/emu.h"
#include "transport/transport.h"
#include "ui/term.h"
#include "ui/worker.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

void
console_init(struct console *con, struct cmd_ctx *ctx, const char *history)
{
    memset(con, 0, sizeof *con);
    con->ctx = ctx;
    con->notify_fd = -1;
    con->poll_ms = 2000; /* 'console --poll SECONDS' sets another */
    struct err err;
    err_clear(&err);
    if (prompt_init(&con->prompt, history, &err) != 0)
        console_log(con, true, "%s; the console's history is not kept",
                    err.msg);
}

/* How long a worker's job in progress is waited for when its drive is
 * closed or the console leaves. */
#define CONSOLE_STOP_GRACE_MS 300

static void
console_free_lines(char ***lines, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*lines)[i]);
    free(*lines);
    *lines = NULL;
    *n = 0;
}

static void
console_commit_free(struct commit_record *c)
{
    free(c->before);
    free(c->sent);
    memset(c, 0, sizeof *c);
}

static void
console_output_free(struct console *con)
{
    for (size_t i = 0; i < con->noutput; i++)
        free(con->output[i].text);
    free(con->output);
    con->output = NULL;
    con->noutput = 0;
}

/* Stop the drive's worker (a job hung on the drive is left to end on
 * its own, after a grace time) and free what the console kept of it. */
static void
console_drive_free(struct console_drive *d)
{
    if (d->worker != NULL)
        worker_stop(d->worker, CONSOLE_STOP_GRACE_MS);
    if (d->session != NULL) {
        drive_session_fini(d->session);
        free(d->session);
    }
    drive_snapshot_free(&d->snap);
    drive_snapshot_free(&d->pending);
    console_commit_free(&d->commit);
}

void
console_fini(struct console *con)
{
    /* Ask every worker to stop first, so that hung ones use up their
     * grace time together rather than one after another. */
    for (size_t i = 0; i < con->ndrives; i++)
        if (con->drives[i].worker != NULL)
            worker_quit(con->drives[i].worker);
    for (size_t i = 0; i < con->ndrives; i++)
        console_drive_free(&con->drives[i]);
    free(con->drives);
    free(con->close_asked);
    for (size_t i = 0; i < 2; i++)
        free(con->watch_paths[i]);
    worker_gate_release(con->gate);
    for (size_t i = 0; i < con->nlog; i++)
        free(con->log[i].text);
    console_free_lines(&con->confirm_lines, &con->nconfirm);
    free(con->confirm_cmd);
    console_free_lines(&con->error_lines, &con->nerror_lines);
    console_free_lines(&con->completions, &con->ncompletions);
    console_output_free(con);
    free(con->typed);
    field_model_free(&con->fields);
    prompt_fini(&con->prompt);
}

void
console_log(struct console *con, bool is_error, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (con->nlog == CONSOLE_LOG_MAX) {
        free(con->log[0].text);
        memmove(con->log, con->log + 1,
                (CONSOLE_LOG_MAX - 1) * sizeof *con->log);
        con->nlog--;
    }
    con->log[con->nlog].is_error = is_error;
    con->log[con->nlog].text = xstrdup(buf);
    con->nlog++;
}

struct console_drive *
console_drive(struct console *con)
{
    return con->ndrives ? &con->drives[con->drive_cursor] : NULL;
}

const struct field_row *
console_field(const struct console *con)
{
    if (con->fields.nrows == 0 || con->field_cursor >= con->fields.nrows)
        return NULL;
    return &con->fields.rows[con->field_cursor];
}

void
console_refresh_fields(struct console *con)
{
    struct console_drive *d = console_drive(con);

    field_model_free(&con->fields);
    if (d == NULL)
        return;
    field_model_build(&con->fields, &d->snap, d->commit.len ? &d->commit : NULL,
                      con->has_error ? &con->error : NULL);
    if (con->field_cursor >= con->fields.nrows)
        con->field_cursor = con->fields.nrows ? con->fields.nrows - 1 : 0;
}

static struct console_drive *
console_new_drive(struct console *con)
{
    con->drives =
        xrealloc(con->drives, (con->ndrives + 1) * sizeof *con->drives);
    struct console_drive *d = &con->drives[con->ndrives++];
    memset(d, 0, sizeof *d);
    return d;
}

/* Hold a finished snapshot until console_collect takes it, as a worker's
 * would be. */
static void
console_hold(struct console_drive *d, unsigned seq)
{
    drive_snapshot_free(&d->pending);
    drive_snapshot_copy(&d->pending, &d->session->snap);
    d->pending.job_seq = seq;
    d->has_pending = true;
}

void
console_add_drive(struct console *con, const char *uri, bool threaded)
{
    struct console_drive *d = console_new_drive(con);

    drive_snapshot_init(&d->snap, uri);
    if (threaded) {
        if (con->gate == NULL)
            con->gate = worker_gate_new(CMD_SCAN_PARALLEL);
        d->worker = worker_start(uri, con->ctx, con->gate, con->notify_fd,
                                 con->poll_ms);
        return;
    }
    d->session = xmalloc(sizeof *d->session);
    drive_session_init(d->session, uri, con->ctx);
    drive_session_identify(d->session);
    console_hold(d, ++d->sync_seq);
}

void
console_poll_unthreaded(struct console *con)
{
    for (size_t i = 0; i < con->ndrives; i++) {
        struct console_drive *d = &con->drives[i];
        if (d->session == NULL)
            continue;
        bool changed = drive_session_poll(d->session);
        /* As a worker's poll: the page again after a UNIT ATTENTION. */
        if (drive_session_attention(d->session) &&
            drive_session_reload(d->session))
            changed = true;
        if (changed)
            console_hold(d, 0);
    }
}

static void console_feed(struct console *con);

/* Send a line to drive 'i': its worker, or at once when it has none. */
static unsigned
console_send(struct console *con, size_t i, const char *line)
{
    struct console_drive *d = &con->drives[i];
    unsigned seq =
        d->worker != NULL ? worker_send(d->worker, line) : ++d->sync_seq;

    /* The keys typed after this one wait for its answer: what they do
     * depends on it (an edit staged, a page shown, a dialog opened). */
    con->await_drive = i;
    con->await_seq = seq;
    if (con->output_wanted) {
        con->output_wanted = false;
        con->output_drive = i;
        con->output_seq = seq;
    }
    if (d->worker == NULL) {
        drive_session_run(d->session, line);
        console_hold(d, seq);
    }
    return seq;
}

static void
console_clear_error(struct console *con)
{
    if (!con->has_error)
        return;
    con->has_error = false;
    console_free_lines(&con->error_lines, &con->nerror_lines);
    console_refresh_fields(con);
}

/* Show an error under the editor: the lines as given, the field it names
 * marked. */
static void
console_show_error(struct console *con, const struct err *err,
                   char *const *lines, size_t n)
{
    console_free_lines(&con->error_lines, &con->nerror_lines);
    con->has_error = true;
    con->error = *err;
    con->error_lines = xcalloc(n ? n : 1, sizeof *con->error_lines);
    for (size_t i = 0; i < n; i++)
        con->error_lines[con->nerror_lines++] = xstrdup(lines[i]);
}

/* A drive's failure under the editor: the error itself, whole (warnings
 * and notes before it are in the log), then what to try. */
static void
console_show_drive_error(struct console *con, const struct drive_snapshot *snap)
{
    char line[1024], advice[512];
    char *shown[2] = { errfmt_line(&snap->error, line, sizeof line), advice };
    const char *tip = hresult_advice(snap->error.hr);

    snprintf(advice, sizeof advice, "try: %s", tip);
    console_show_error(con, &snap->error, shown,
                       !snap->error.usage && tip[0] ? 2 : 1);
}

/* A medium poll that starts or stops failing: a drive that vanishes or
 * hangs between commands is told at once, in the log and, when it is the
 * drive in view, under the editor. */
static void
console_media_change(struct console *con, size_t i,
                     const struct drive_snapshot *snap)
{
    char line[1024];

    if (snap->media_error.hr == S_OK) {
        console_log(con, false, "%s: answers again", snap->uri);
        return;
    }
    console_log(con, true, "%s: %s", snap->uri,
                errfmt_line(&snap->media_error, line, sizeof line));
    if (i == con->drive_cursor) {
        struct drive_snapshot shown = { .error = snap->media_error };
        console_show_drive_error(con, &shown);
    }
}

/* The answer to a command typed at ':' in a view of its own when the
 * message line cannot show it whole.  A failure is shown under the
 * editor instead, as any command's is, its notes in the message log. */
static void
console_output_open(struct console *con, const struct drive_snapshot *snap)
{
    con->output_seq = 0;
    if (snap->failed)
        return;
    int room = (con->screen_cols > 0 ? con->screen_cols : CONSOLE_MIN_COLS) - 2;
    if (snap->nlines == 0 || con->mode != MODE_NORMAL ||
        (snap->nlines == 1 && canvas_text_width(snap->lines[0].text) <= room))
        return;
    console_output_free(con);
    con->output = xcalloc(snap->nlines, sizeof *con->output);
    for (size_t k = 0; k < snap->nlines; k++) {
        con->output[k].is_error = snap->lines[k].is_error;
        con->output[k].text = xstrdup(snap->lines[k].text);
    }
    con->noutput = snap->nlines;
    con->output_top = con->output_left = 0;
    con->mode = MODE_OUTPUT;
}

/* The page in view changed on the drive, not by this console: the
 * fields it changed are marked, the log names them, and the marks of the
 * last commit, which no longer tell what the drive holds, go. */
static void
console_outside_change(struct console *con, struct console_drive *d,
                       const struct drive_snapshot *snap)
{
    struct field_model m;
    char names[256] = "";
    size_t n = 0;

    console_commit_free(&d->commit);
    field_model_build(&m, snap, NULL, NULL);
    for (size_t k = 0; k < m.nrows; k++) {
        const struct field_row *row = &m.rows[k];
        if (row->change != FIELD_CHANGE_OUTSIDE)
            continue;
        size_t len = strlen(names);
        /* Six fields are named; a list cut short still ends in "...". */
        if (n++ < 6 && snprintf(names + len, sizeof names - len, "%s%s %s (%s)",
                                len ? ", " : "", row->ref.acronym, row->current,
                                row->was) >= (int)(sizeof names - len))
            n = 7;
    }
    field_model_free(&m);
    char code[PAGENAMES_CODE_LEN];
    pagenames_code(snap->code, snap->subpage, code);
    if (n == 0)
        console_log(con, false,
                    "%s: page %s changed on the drive, not by this console",
                    snap->uri, code);
    else
        console_log(con, false,
                    "%s: page %s changed on the drive, not by this console "
                    "(marked ^): %s%s",
                    snap->uri, code, names, n > 6 ? ", ..." : "");
}

static void
console_accept(struct console *con, size_t i, struct drive_snapshot *snap)
{
    struct console_drive *d = &con->drives[i];
    bool selected = i == con->drive_cursor;
    bool new_job = snap->job_seq != 0 && snap->job_seq != d->last_seq;

    /* r's read of the page says what it did, rather than the code that
     * 'page' answers. */
    bool refreshed = new_job && i == con->refresh_drive &&
                     snap->job_seq == con->refresh_seq && !snap->failed &&
                     snap->has_page;
    if (refreshed) {
        char code[PAGENAMES_CODE_LEN];
        pagenames_code(snap->code, snap->subpage, code);
        console_log(con, false, "%s: page %s read again", snap->uri, code);
        con->refresh_seq = 0;
    }
    if (new_job) {
        d->last_seq = snap->job_seq;
        for (size_t k = 0; k < snap->nlines && !refreshed; k++) {
            const char *label =
                snap->lines[k].drive ? snap->lines[k].drive : snap->uri;
            const char *text = snap->lines[k].text;
            size_t n = strlen(label);
            /* A line that names its drive already is not labelled twice. */
            if (strncmp(text, label, n) == 0 && text[n] == ':')
                console_log(con, snap->lines[k].is_error, "%s", text);
            else
                console_log(con, snap->lines[k].is_error, "%s: %s", label,
                            text);
        }
        /* A MODE SELECT by another command ('undo', 'set', 'restore')
         * leaves the last commit's marks telling of values since
         * replaced. */
        if (snap->sent_select && snap->job_seq != d->commit_seq)
            console_commit_free(&d->commit);
        if (selected && snap->failed)
            console_show_drive_error(con, snap);
        else if (selected && con->has_error)
            console_clear_error(con);
        if (i == con->output_drive && snap->job_seq == con->output_seq)
            console_output_open(con, snap);
        if (snap->job_seq == con->confirm_seq) {
            con->confirm_seq = 0;
            console_free_lines(&con->confirm_lines, &con->nconfirm);
            if (!snap->failed && snap->nlines > 0) {
                static const char sent_nothing[] = "dry run: nothing was sent";
                con->confirm_lines = xcalloc(snap->nlines, sizeof(char *));
                for (size_t k = 0; k < snap->nlines; k++)
                    /* The dry run ends saying it sent nothing; the dialog
                     * is about to send it. */
                    if (strncmp(snap->lines[k].text, sent_nothing,
                                sizeof sent_nothing - 1) != 0)
                        con->confirm_lines[con->nconfirm++] =
                            xstrdup(snap->lines[k].text);
                con->confirm_top = 0;
                con->mode = MODE_CONFIRM;
            }
        }
    }
    if (i == con->await_drive && con->await_seq != 0 &&
        snap->job_seq >= con->await_seq)
        con->await_seq = 0;
    if (snap->job_seq == 0 && snap->media_error.hr != d->snap.media_error.hr)
        console_media_change(con, i, snap);
    if (snap->outside_changes != d->snap.outside_changes)
        console_outside_change(con, d, snap);
    /* A drive that failed to answer at first, found again by the poll or
     * r: its row and pages fill in, and the log says so. */
    if (snap->identified && snap->pages_known &&
        !(d->snap.identified && d->snap.pages_known) && d->snap.failed) {
        console_log(con, false, "%s: identified: %s %s %s, %zu pages",
                    snap->uri, snap->id.vendor, snap->id.product,
                    snap->id.revision, snap->npages);
        if (selected && con->has_error && !snap->failed)
            console_clear_error(con);
    }
    drive_snapshot_free(&d->snap);
    d->snap = *snap;
    memset(snap, 0, sizeof *snap);
    if (d->snap.npages > 0 && con->page_cursor >= d->snap.npages && selected)
        con->page_cursor = d->snap.npages - 1;
    if (selected)
        console_refresh_fields(con);
}

/* How often the watched files are looked at (seconds): a change by
 * another modecon shows within about this and a page's read. */
#define CONSOLE_WATCH_S 0.25

/* The drive in view has its page read on every poll, and at once when
 * it comes into view or a watched file changes: another modecon process
 * changed a drive (a 'set', a 'power-cycle', another console).  Which
 * drive does not matter: a read that finds the same values costs two
 * MODE SENSEs.  No CDB goes out for the files themselves. */
static void
console_watch(struct console *con)
{
    struct console_drive *d = console_drive(con);

    for (size_t i = 0; i < con->ndrives; i++)
        if (con->drives[i].worker != NULL)
            worker_watch(con->drives[i].worker, i == con->drive_cursor);
    if (d == NULL || d->worker == NULL)
        return;
    bool reload = d->worker != con->watched;
    con->watched = d->worker;
    if (con->now - con->watch_at >= CONSOLE_WATCH_S) {
        con->watch_at = con->now;
        struct err err;
        err_clear(&err);
        if (con->watch_paths[0] == NULL) {
            con->watch_paths[0] = changes_audit_path(&err);
            con->watch_paths[1] = emu_state_dir(&err);
        }
        for (size_t i = 0; i < 2; i++) {
            struct stat st;
            long long mark[3] = { -1, 0, 0 };
            if (con->watch_paths[i] != NULL &&
                stat(con->watch_paths[i], &st) == 0) {
                mark[0] = (long long)st.st_size;
                mark[1] = (long long)st.st_mtim.tv_sec;
                mark[2] = (long long)st.st_mtim.tv_nsec;
            }
            if (memcmp(mark, con->watch_marks[i], sizeof mark) != 0)
                reload = true;
            memcpy(con->watch_marks[i], mark, sizeof mark);
        }
    }
    if (reload && d->snap.has_page)
        worker_reload(d->worker);
}

bool
console_collect(struct console *con)
{
    bool changed = false;

    console_watch(con);

    for (size_t i = 0; i < con->ndrives; i++) {
        struct console_drive *d = &con->drives[i];
        struct drive_snapshot snap;
        if (d->worker != NULL) {
            char job[128];
            double since = 0;
            bool busy = worker_busy(d->worker, job, sizeof job, &since);
            if (busy != d->busy || (busy && strcmp(job, d->busy_job) != 0))
                changed = true;
            d->busy = busy;
            if (busy) {
                snprintf(d->busy_job, sizeof d->busy_job, "%s", job);
                d->busy_since = since;
            }
            if (worker_take(d->worker, &snap)) {
                console_accept(con, i, &snap);
                changed = true;
            }
        } else if (d->has_pending) {
            d->has_pending = false;
            snap = d->pending;
            memset(&d->pending, 0, sizeof d->pending);
            console_accept(con, i, &snap);
            changed = true;
        }
    }
    console_feed(con);
    return changed;
}

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

/* The drive under the cursor became the one in view. */
static void
console_drive_selected(struct console *con)
{
    con->page_cursor = 0;
    con->field_cursor = 0;
    /* A drive that failed says why as soon as it is selected. */
    if (con->drives[con->drive_cursor].snap.failed)
        console_show_drive_error(con, &con->drives[con->drive_cursor].snap);
    console_refresh_fields(con);
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

/* The drive 'uri' in the Drives list, or -1. */
static ptrdiff_t
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

/* ':close [DRIVE]': the drive leaves the Drives list once its worker has
 * stopped.  Staged edits are not dropped unsaid (the first ':close'
 * names them, as q does), and a command of the user's still with the
 * drive (a MODE SELECT, perhaps) is waited for rather than cut off. */
static void
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

/* The page of the selected field with the staged edits, to edit from. */
static const uint8_t *
console_edit_base(const struct console_drive *d)
{
    return d->snap.staged ? d->snap.staged
                          : d->snap.values[MODE_REQUEST_CURRENT];
}

/* Stage FIELD=VALUE on the selected drive, as 'edit' does. */
static void
console_stage(struct console *con, const char *field, const char *value)
{
    char *word = xasprintf("%s=%s", field, value);
    char *quoted = journal_quote(word);
    char *line = xasprintf("edit %s", quoted);
    console_run(con, line);
    free(line);
    free(quoted);
    free(word);
}

/* What is wrong with the value typed for the field, or "". */
static void
console_check_value(struct console *con)
{
    const struct field_row *fr = console_field(con);
    struct console_drive *d = console_drive(con);
    struct err err;

    con->prompt_check[0] = '\0';
    if (fr == NULL || d == NULL || con->prompt.len == 0)
        return;
    size_t len = d->snap.lens[MODE_REQUEST_CURRENT];
    uint8_t *copy = xmalloc(len);
    memcpy(copy, console_edit_base(d), len);
    err_clear(&err);
    if (field_parse_set(copy, &fr->ref, con->prompt.text, &err) != 0)
        snprintf(con->prompt_check, sizeof con->prompt_check, "%s", err.msg);
    free(copy);
}

/* Edit the field under the cursor: a flag toggles; an enum opens its
 * legend to pick from, or, when 'typed' (e), the value prompt as any
 * other field, for its name or number. */
static void
console_edit_field(struct console *con, bool typed)
{
    const struct field_row *fr = console_field(con);
    struct console_drive *d = console_drive(con);

    if (fr == NULL || d == NULL)
        return;
    if (fr->changeable == 0) {
        struct err err;
        char line[300];
        err_usage(&err, "%s", "");
        err.field_byte = (int)(fr->ref.base + fr->ref.fd->byte);
        err.field_bit = (int)fr->ref.fd->bit;
        snprintf(line, sizeof line,
                 "%s is not changeable on this drive (its changeable value is "
                 "0): nothing was staged; ':edit --force %s=VALUE' stages it "
                 "anyway",
                 fr->ref.acronym, fr->ref.acronym);
        char *lines[] = { line };
        console_log(con, true, "%s: %s", d->snap.uri, line);
        console_show_error(con, &err, lines, 1);
        console_refresh_fields(con);
        return;
    }
    const struct field_def *fd = fr->ref.fd;
    uint64_t value = field_get(console_edit_base(d), fd, fr->ref.base);
    if (fd->kind == FIELD_FLAG) {
        char text[4];
        snprintf(text, sizeof text, "%u", value ? 0u : 1u);
        console_stage(con, fr->ref.acronym, text);
        return;
    }
    if (fd->kind == FIELD_ENUM && fd->nvalues > 0 && !typed) {
        con->pick_cursor = 0;
        for (size_t i = 0; i < fd->nvalues; i++)
            if (fd->values[i].value == value)
                con->pick_cursor = i;
        con->mode = MODE_PICK;
        return;
    }
    char label[64], text[32] = "";
    snprintf(label, sizeof label, "%s = ", fr->ref.acronym);
    if (fd->kind == FIELD_NUMBER || fd->kind == FIELD_ENUM)
        field_format_typeable(console_edit_base(d), &fr->ref, text,
                              sizeof text);
    prompt_open(&con->prompt, label, text);
    prompt_select_all(&con->prompt);
    con->prompt_is_value = true;
    snprintf(con->value_field, sizeof con->value_field, "%s", fr->ref.acronym);
    con->mode = MODE_PROMPT;
    console_check_value(con);
}

/* e: the value prompt, an enum's too, for its name or number. */
static void
console_edit_typed(struct console *con, const char *arg)
{
    (void)arg;
    console_edit_field(con, true);
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

static void
console_confirm_commit(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    if ((d->snap.nstage_words == 0 || d->snap.staged == NULL) &&
        d->snap.pending_edits > 0) {
        console_log(con, true,
                    "the staged edits are for page %s, not this one: open "
                    "it to commit them, or d discards them",
                    d->snap.pending_page);
        return;
    }
    if (d->snap.nstage_words == 0 || d->snap.staged == NULL) {
        console_log(con, true,
                    "nothing is staged for this page: edit a field first "
                    "(Enter or e)");
        return;
    }
    con->confirm_kind = CONFIRM_COMMIT;
    con->confirm_seq = console_send(con, con->drive_cursor, "diff");
    if (d->worker == NULL)
        console_collect(con);
}

/* Undo or defaults: the command's dry run fills the dialog, and y runs
 * 'line' itself (s with --save), so the dialog shows what is sent. */
static void
console_confirm_run(struct console *con, enum console_confirm kind, char *line)
{
    struct console_drive *d = console_drive(con);
    if (d == NULL) {
        free(line);
        return;
    }
    char *dry = xasprintf("%s --dry-run", line);

    free(con->confirm_cmd);
    con->confirm_cmd = line;
    con->confirm_kind = kind;
    con->confirm_seq = console_send(con, con->drive_cursor, dry);
    free(dry);
    if (d->worker == NULL)
        console_collect(con);
}

static void
console_confirm_undo(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    char *uri = journal_quote(d->snap.uri);
    console_confirm_run(con, CONFIRM_UNDO, xasprintf("undo %s", uri));
    free(uri);
}

static void
console_confirm_defaults(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    if (!d->snap.has_page || d->snap.values[MODE_REQUEST_CURRENT] == NULL) {
        console_log(con, true,
                    "no page in view: open one (Enter on the Pages list) "
                    "to write the drive's defaults into it");
        return;
    }
    char *uri = journal_quote(d->snap.uri);
    char *line = d->snap.subpage
                     ? xasprintf("defaults %s 0x%02x,0x%02x", uri, d->snap.code,
                                 d->snap.subpage)
                     : xasprintf("defaults %s 0x%02x", uri, d->snap.code);
    free(uri);
    console_confirm_run(con, CONFIRM_DEFAULTS, line);
}

/* y or s in the confirmation: the commit goes to the drive. */
static void
console_commit(struct console *con, bool save)
{
    struct console_drive *d = console_drive(con);

    console_free_lines(&con->confirm_lines, &con->nconfirm);
    con->mode = MODE_NORMAL;
    if (d == NULL)
        return;
    size_t len = d->snap.lens[MODE_REQUEST_CURRENT];
    console_commit_free(&d->commit);
    if (d->snap.staged != NULL && d->snap.values[0] != NULL) {
        d->commit.code = d->snap.code;
        d->commit.subpage = d->snap.subpage;
        d->commit.len = len;
        d->commit.before = xmalloc(len);
        d->commit.sent = xmalloc(len);
        memcpy(d->commit.before, d->snap.values[0], len);
        memcpy(d->commit.sent, d->snap.staged, len);
    }
    /* The preview's last line said nothing was sent; this one says
     * what is under way. */
    console_log(con, false, "%s: committing%s...", d->snap.uri,
                save ? " and saving" : "");
    d->commit_seq =
        console_send(con, con->drive_cursor, save ? "commit --save" : "commit");
    if (d->worker == NULL)
        console_collect(con);
}

size_t
console_help_length(void)
{
    size_t n = 1; /* the blank line between keys and commands */

    for (size_t i = 0; console_keys[i].command != NULL; i++)
        n += console_keys[i].name != NULL;
    for (size_t i = 0; console_commands[i].name != NULL; i++)
        n++;
    for (size_t i = 0; cmd_table[i] != NULL; i++)
        n++;
    return n;
}

/* Staged edits are not left behind unsaid: the first q names them, the
 * next one leaves. */
static void
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

/* ':open DRIVE' alone on the line, the drive's URI a word of the command
 * language (quoted when it holds spaces or quotes, as a password may):
 * opened, its URI kept, shown and listed without its password.  False
 * when the line is more than that, for the drive in view to run. */
static bool
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
    { "confirm-commit", "", "show the staged edits as 'diff' does, then commit on y or s", console_confirm_commit },
    { "confirm-undo", "", "show what undo of the drive's last command sends, then undo it on y", console_confirm_undo },
    { "confirm-defaults", "", "show what defaults of the page in view sends, then send it on y or s", console_confirm_defaults },
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

static void
console_complete(struct console *con)
{
    static const char
        *extra[sizeof console_commands / sizeof console_commands[0]];
    struct cmd_completion c;

    for (size_t i = 0; console_commands[i].name != NULL; i++)
        extra[i] = console_commands[i].name;
    console_free_lines(&con->completions, &con->ncompletions);
    char *before = xstrndup(con->prompt.text, con->prompt.cursor);
    cmd_complete(con->ctx, before, extra, &c);
    free(before);
    size_t common = cmd_completion_common(&c);
    if (c.n == 1 || common > c.prefix_len) {
        char *more =
            xstrndup(c.words[0] + c.prefix_len,
                     (c.n == 1 ? strlen(c.words[0]) : common) - c.prefix_len);
        prompt_insert(&con->prompt, more);
        free(more);
    } else if (c.n > 1) {
        con->completions = c.words;
        con->ncompletions = c.n;
        c.words = NULL;
        c.n = 0;
    }
    cmd_completion_free(&c);
}

static void
console_prompt_key(struct console *con, int key)
{
    enum prompt_result r = prompt_key(&con->prompt, key);

    if (r != PROMPT_COMPLETE)
        console_free_lines(&con->completions, &con->ncompletions);
    switch (r) {
    case PROMPT_EDITING:
        if (con->prompt_is_value)
            console_check_value(con);
        break;
    case PROMPT_COMPLETE:
        if (!con->prompt_is_value)
            console_complete(con);
        break;
    case PROMPT_CANCEL:
        con->mode = MODE_NORMAL;
        prompt_wipe(&con->prompt); /* it may hold a password */
        break;
    case PROMPT_ACCEPT: {
        char *text = xstrdup(con->prompt.text);
        con->mode = MODE_NORMAL;
        if (con->prompt_is_value) {
            if (con->prompt_check[0] != '\0') {
                /* Fix it first: what is typed next replaces it, as it
                 * replaced the value offered. */
                con->mode = MODE_PROMPT;
                prompt_select_all(&con->prompt);
            } else if (text[0] != '\0') {
                console_stage(con, con->value_field, text);
            }
        } else {
            /* Neither the history file nor the screen shows the password
             * of a drive URI. */
            char *clean = transport_redact(text);
            struct err err;
            err_clear(&err);
            if (prompt_remember(&con->prompt, clean, &err) != 0)
                console_log(con, true,
                            "%s; the console's history is no longer saved",
                            err.msg);
            snprintf(con->output_title, sizeof con->output_title, "%s", clean);
            free(clean);
            prompt_wipe(&con->prompt); /* it may hold a password */
            con->output_wanted = true;
            console_run(con, text);
            con->output_wanted = false;
        }
        explicit_bzero(text, strlen(text)); /* it may hold a password */
        free(text);
        break;
    }
    }
}

static void
console_pick_key(struct console *con, int key)
{
    const struct field_row *fr = console_field(con);
    size_t n = fr ? fr->ref.fd->nvalues : 0;

    if (n == 0) {
        con->mode = MODE_NORMAL;
        return;
    }
    if (key == TERM_KEY_UP || key == 'k') {
        if (con->pick_cursor > 0)
            con->pick_cursor--;
    } else if (key == TERM_KEY_DOWN || key == 'j') {
        if (con->pick_cursor + 1 < n)
            con->pick_cursor++;
    } else if (key == TERM_KEY_ENTER || key == ' ') {
        char value[32];
        con->mode = MODE_NORMAL;
        snprintf(
            value, sizeof value, "%llu",
            (unsigned long long)fr->ref.fd->values[con->pick_cursor].value);
        char field[48];
        snprintf(field, sizeof field, "%s", fr->ref.acronym);
        console_stage(con, field, value);
    } else if (key == 0x1b || key == 'q' || key == 0x03) {
        con->mode = MODE_NORMAL;
    }
}

bool
console_page_savable(const struct console *con)
{
    return con->ndrives > 0 &&
           drive_snapshot_savable(&con->drives[con->drive_cursor].snap);
}

bool
console_confirm_saves(const struct console *con)
{
    return con->confirm_kind != CONFIRM_UNDO && console_page_savable(con);
}

/* y or s in an undo's or defaults' dialog: the command it showed. */
static void
console_confirm_send(struct console *con, bool save)
{
    struct console_drive *d = console_drive(con);
    char *line;
    /* y undoes what the dialog showed or nothing: a command recorded
     * meanwhile (another console, a 'modecon set') is not undone
     * unseen. */
    if (con->confirm_kind == CONFIRM_UNDO && d->snap.undo_shown[0] != '\0')
        line =
            xasprintf("%s --expect %s", con->confirm_cmd, d->snap.undo_shown);
    else if (save)
        line = xasprintf("%s --save", con->confirm_cmd);
    else
        line = xstrdup(con->confirm_cmd);

    console_free_lines(&con->confirm_lines, &con->nconfirm);
    con->mode = MODE_NORMAL;
    console_log(con, false, "%s: %s%s...", d->snap.uri,
                con->confirm_kind == CONFIRM_UNDO ? "undoing"
                                                  : "writing the defaults",
                save ? " and saving" : "");
    console_send(con, con->drive_cursor, line);
    free(line);
    if (d->worker == NULL)
        console_collect(con);
}

/* The dialog: y sends, s sends saving where the page can be saved, n
 * (Esc, q) sends nothing; Up and Down scroll a long one. */
static void
console_confirm_key(struct console *con, int key)
{
    static const char *const cancelled[] = {
        [CONFIRM_COMMIT] = "commit cancelled: the edits stay staged",
        [CONFIRM_UNDO] = "undo cancelled: nothing was sent",
        [CONFIRM_DEFAULTS] = "defaults cancelled: nothing was sent",
    };
    bool commit = con->confirm_kind == CONFIRM_COMMIT;

    if (key == TERM_KEY_UP || key == 'k') {
        if (con->confirm_top > 0)
            con->confirm_top--;
    } else if (key == TERM_KEY_DOWN || key == 'j') {
        /* The view wraps long lines and stops at the last row; a line
         * takes at most a few. */
        if (con->confirm_top + 1 < 3 * con->nconfirm)
            con->confirm_top++;
    } else if (key == 'y' || key == 'Y') {
        if (commit)
            console_commit(con, false);
        else
            console_confirm_send(con, false);
    } else if ((key == 's' || key == 'S') && console_confirm_saves(con)) {
        if (commit)
            console_commit(con, true);
        else
            console_confirm_send(con, true);
    } else if ((key == 's' || key == 'S') &&
               con->confirm_kind == CONFIRM_UNDO) {
        console_log(con, true,
                    "undo puts back saved values itself where the command "
                    "saved them: y undoes, n cancels");
    } else if (key == 's' || key == 'S') {
        console_log(con, true,
                    "this page is not savable on this drive (its PS bit is "
                    "0): y %s the current values",
                    commit ? "commits to" : "writes the defaults into");
    } else if (key == 'n' || key == 'N' || key == 0x1b || key == 'q') {
        console_free_lines(&con->confirm_lines, &con->nconfirm);
        con->mode = MODE_NORMAL;
        console_log(con, false, "%s", cancelled[con->confirm_kind]);
    }
}

static void console_apply_key(struct console *con, int key);

/* Lines of the output view that fit the screen below its title. */
static size_t
console_output_height(const struct console *con)
{
    int rows = con->screen_rows > 0 ? con->screen_rows : CONSOLE_MIN_ROWS;
    return rows > 2 ? (size_t)rows - 2 : 1;
}

static void
console_output_key(struct console *con, int key)
{
    size_t height = console_output_height(con);
    size_t last = con->noutput > height ? con->noutput - height : 0;
    size_t widest = 0;
    for (size_t i = 0; i < con->noutput; i++) {
        size_t w = (size_t)canvas_text_width(con->output[i].text);
        if (w > widest)
            widest = w;
    }
    size_t cols = con->screen_cols > 2 ? (size_t)con->screen_cols - 2
                                       : CONSOLE_MIN_COLS - 2;
    size_t right = widest > cols ? widest - cols : 0;
    size_t *top = &con->output_top, *left = &con->output_left;

    if (key == TERM_KEY_UP || key == 'k')
        *top = *top > 0 ? *top - 1 : 0;
    else if (key == TERM_KEY_DOWN || key == 'j')
        *top = *top < last ? *top + 1 : last;
    else if (key == TERM_KEY_PGUP)
        *top = *top > height ? *top - height : 0;
    else if (key == TERM_KEY_PGDN || key == ' ')
        *top = *top + height < last ? *top + height : last;
    else if (key == TERM_KEY_HOME || key == 'g')
        *top = 0;
    else if (key == TERM_KEY_END || key == 'G')
        *top = last;
    else if (key == TERM_KEY_LEFT || key == 'h')
        *left = *left > 10 ? *left - 10 : 0;
    else if (key == TERM_KEY_RIGHT || key == 'l')
        *left = *left + 10 < right ? *left + 10 : right;
    else if (key == 0x1b || key == 'q' || key == TERM_KEY_ENTER)
        con->mode = MODE_NORMAL;
    else {
        /* Any other key closes the view and does what it does: keys
         * typed ahead behind a command (":edit ...", then c, y) are not
         * swallowed by its answer. */
        con->mode = MODE_NORMAL;
        console_apply_key(con, key);
    }
}

static void
console_apply_key(struct console *con, int key)
{
    switch (con->mode) {
    case MODE_OUTPUT:
        console_output_key(con, key);
        return;
    case MODE_PROMPT:
        console_prompt_key(con, key);
        return;
    case MODE_PICK:
        console_pick_key(con, key);
        return;
    case MODE_CONFIRM:
        console_confirm_key(con, key);
        return;
    case MODE_HELP:
        if (key == TERM_KEY_DOWN && con->help_top + 1 < console_help_length())
            con->help_top++;
        else if (key == TERM_KEY_UP && con->help_top > 0)
            con->help_top--;
        else if (key != TERM_KEY_UP && key != TERM_KEY_DOWN)
            con->mode = MODE_NORMAL;
        return;
    case MODE_LOG:
        if (key == TERM_KEY_UP && con->log_top + 1 < con->nlog)
            con->log_top++;
        else if (key == TERM_KEY_DOWN && con->log_top > 0)
            con->log_top--;
        else if (key != TERM_KEY_UP && key != TERM_KEY_DOWN)
            con->mode = MODE_NORMAL;
        return;
    case MODE_NORMAL:
        break;
    }
    for (size_t i = 0; console_keys[i].command != NULL; i++) {
        if (console_keys[i].key == key) {
            console_run(con, console_keys[i].command);
            return;
        }
    }
}

bool
console_too_small(const struct console *con)
{
    return con->screen_rows > 0 && (con->screen_rows < CONSOLE_MIN_ROWS ||
                                    con->screen_cols < CONSOLE_MIN_COLS);
}

static bool
console_is_quit_key(int key)
{
    return key == 'q' || key == TERM_KEY_F10;
}

void
console_drop_typed(struct console *con, const char *why)
{
    if (con->ntyped > 0 && con->await_drive < con->ndrives)
        console_log(con, true,
                    "%s: %zu key%s typed while %s was busy were dropped; "
                    "its answer still comes",
                    why, con->ntyped, con->ntyped == 1 ? "" : "s",
                    con->drives[con->await_drive].snap.uri);
    con->ntyped = 0;
    con->await_seq = 0;
}

/* The drive in view has not yet answered its first INQUIRY and page
 * list (nor failed them): keys typed now would act on a screen without
 * its pages, so they wait for it as for a job of theirs. */
static bool
console_identifying(struct console *con)
{
    const struct console_drive *d = console_drive(con);

    if (d == NULL || d->snap.failed ||
        (d->snap.identified && d->snap.pages_known))
        return false;
    con->await_drive = con->drive_cursor;
    return true;
}

static bool
console_waiting(struct console *con)
{
    return con->await_seq != 0 || console_identifying(con);
}

/* Apply the keys typed, in order, until one hands a job to a drive: the
 * rest wait for its answer (console_collect feeds them then). */
static void
console_feed(struct console *con)
{
    if (con->feeding)
        return; /* a key being applied collected an answer */
    con->feeding = true;
    while (con->ntyped > 0 && !console_waiting(con) && !con->quit) {
        int key = con->typed[0];
        memmove(con->typed, con->typed + 1, --con->ntyped * sizeof *con->typed);
        console_apply_key(con, key);
    }
    con->feeding = false;
}

void
console_key(struct console *con, int key)
{
    /* Too small a screen shows no drive: only leaving and redrawing work
     * (the redraw key is Ctrl-L). */
    if (console_too_small(con) && !console_is_quit_key(key) && key != 0x0c)
        return;
    if (console_waiting(con)) {
        /* Esc while keys wait for a drive drops them, rather than have
         * them applied later to a screen that moved on; with none
         * waiting it waits its turn as any key (it closes the dialog
         * that 'c' is about to open). */
        if (key == 0x1b && con->ntyped > 0) {
            console_drop_typed(con, "Esc");
            return;
        }
        /* q pressed again behind a waiting q leaves without waiting
         * for the drive, as q does when nothing waits (staged edits are
         * still named first).  Only a q that is a key: one typed where a
         * prompt may be open by then is text. */
        if (console_is_quit_key(key) && con->mode == MODE_NORMAL &&
            con->ntyped > 0 &&
            console_is_quit_key(con->typed[con->ntyped - 1])) {
            bool text = false;
            for (size_t i = 0; i < con->ntyped; i++)
                text = text || con->typed[i] == ':' || con->typed[i] == 'e' ||
                       con->typed[i] == TERM_KEY_ENTER;
            if (!text) {
                con->ntyped = 0;
                con->await_seq = 0;
                console_quit(con, "");
                return;
            }
        }
    }
    if (con->ntyped == con->typed_cap) {
        con->typed_cap = con->typed_cap ? 2 * con->typed_cap : 16;
        con->typed = xrealloc(con->typed, con->typed_cap * sizeof *con->typed);
    }
    con->typed[con->ntyped++] = key;
    console_feed(con);
}
