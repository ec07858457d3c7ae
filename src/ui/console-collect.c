/* The drives' answers taken into the console: each job's lines logged,
 * its dialog or output view opened, and the page in view kept current. */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "cmd/changes.h"
#include "engine/errfmt.h"
#include "engine/pagenames.h"
#include "ui/canvas.h"
#include "ui/console-internal.h"
#include "ui/worker.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

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

/* r's read of the page says what it did, rather than the code that
 * 'page' answers: true when this answer is that read. */
static bool
console_refresh_answered(struct console *con, size_t i,
                         const struct drive_snapshot *snap, bool new_job)
{
    bool refreshed = new_job && i == con->refresh_drive &&
                     snap->job_seq == con->refresh_seq && !snap->failed &&
                     snap->has_page;
    if (refreshed) {
        char code[PAGENAMES_CODE_LEN];
        pagenames_code(snap->code, snap->subpage, code);
        console_log(con, false, "%s: page %s read again", snap->uri, code);
        con->refresh_seq = 0;
    }
    return refreshed;
}

/* A job's lines into the message log, each labelled with its drive. */
static void
console_log_job(struct console *con, const struct drive_snapshot *snap)
{
    for (size_t k = 0; k < snap->nlines; k++) {
        const char *label =
            snap->lines[k].drive ? snap->lines[k].drive : snap->uri;
        const char *text = snap->lines[k].text;
        size_t n = strlen(label);
        /* A line that names its drive already is not labelled twice. */
        if (strncmp(text, label, n) == 0 && text[n] == ':')
            console_log(con, snap->lines[k].is_error, "%s", text);
        else
            console_log(con, snap->lines[k].is_error, "%s: %s", label, text);
    }
}

/* A job of drive 'i' answered: its lines, its failure, and the view or
 * dialog it was sent for. */
static void
console_job_answered(struct console *con, size_t i,
                     const struct drive_snapshot *snap, bool refreshed)
{
    struct console_drive *d = &con->drives[i];
    bool selected = i == con->drive_cursor;

    d->last_seq = snap->job_seq;
    /* The tagged drives' jobs are shown on their own screen; the
     * comparison's reads are bytes, kept out of the log. */
    enum console_tags_job tags = console_tags_job(con, i, snap);
    if (!refreshed && tags != TAGS_COMPARE)
        console_log_job(con, snap);
    if (tags != TAGS_NONE)
        console_tags_answered(con, i, snap);
    /* A MODE SELECT by another command ('undo', 'set', 'restore')
     * leaves the last commit's marks telling of values since
     * replaced. */
    if (snap->sent_select && snap->job_seq != d->commit_seq)
        console_commit_free(&d->commit);
    if (tags != TAGS_NONE)
        return;
    if (selected && snap->failed)
        console_show_drive_error(con, snap);
    else if (selected && con->has_error)
        console_clear_error(con);
    if (i == con->output_drive && snap->job_seq == con->output_seq)
        console_output_open(con, snap);
    if (i == con->confirm_drive && snap->job_seq == con->confirm_seq)
        console_confirm_open(con, snap);
}

/* What changed on drive 'i' between its jobs: its medium's answer, its
 * page by another program, its identity found at last. */
static void
console_drive_changed(struct console *con, size_t i,
                      const struct drive_snapshot *snap)
{
    struct console_drive *d = &con->drives[i];

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
        if (i == con->drive_cursor && con->has_error && !snap->failed)
            console_clear_error(con);
    }
}

/* Drive 'i' posted 'snap' (taken: it is left empty): what it answered
 * goes to the log and the screen, and it becomes the drive's state. */
static void
console_accept(struct console *con, size_t i, struct drive_snapshot *snap)
{
    struct console_drive *d = &con->drives[i];
    bool selected = i == con->drive_cursor;
    bool new_job = snap->job_seq != 0 && snap->job_seq != d->last_seq;
    bool refreshed = console_refresh_answered(con, i, snap, new_job);

    if (new_job)
        console_job_answered(con, i, snap, refreshed);
    if (i == con->await_drive && con->await_seq != 0 &&
        snap->job_seq >= con->await_seq)
        con->await_seq = 0;
    console_drive_changed(con, i, snap);
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
            con->watch_paths[1] = transport_emu_state_dir(&err);
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
