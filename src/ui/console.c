#include "ui/console.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errfmt.h"
#include "ui/console-internal.h"
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

void
console_free_lines(char ***lines, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*lines)[i]);
    free(*lines);
    *lines = NULL;
    *n = 0;
}

void
console_commit_free(struct commit_record *c)
{
    free(c->before);
    free(c->sent);
    memset(c, 0, sizeof *c);
}

void
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
void
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
    console_tags_fini(con);
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
void
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

/* Send a line to drive 'i': its worker, or at once when it has none. */
static unsigned
console_send_line(struct console *con, size_t i, const char *line, bool preview)
{
    struct console_drive *d = &con->drives[i];
    unsigned seq = d->worker == NULL ? ++d->sync_seq
                   : preview         ? worker_send_preview(d->worker, line)
                                     : worker_send(d->worker, line);

    /* The keys typed after this one wait for its answer: what they do
     * depends on it (an edit staged, a page shown, a dialog opened). */
    con->await_drive = i;
    con->await_seq = seq;
    d->sent_seq = seq;
    if (con->output_wanted) {
        con->output_wanted = false;
        con->output_drive = i;
        con->output_seq = seq;
    }
    if (d->worker == NULL) {
        drive_session_run(d->session, line, !preview);
        console_hold(d, seq);
    }
    return seq;
}

unsigned
console_send(struct console *con, size_t i, const char *line)
{
    return console_send_line(con, i, line, false);
}

unsigned
console_send_preview(struct console *con, size_t i, const char *line)
{
    return console_send_line(con, i, line, true);
}

void
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
void
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
void
console_show_drive_error(struct console *con, const struct drive_snapshot *snap)
{
    char line[1024], advice[512];
    char *shown[2] = { errfmt_line(&snap->error, line, sizeof line), advice };
    const char *tip = hresult_advice(snap->error.hr);

    snprintf(advice, sizeof advice, "try: %s", tip);
    console_show_error(con, &snap->error, shown,
                       !snap->error.usage && tip[0] ? 2 : 1);
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

bool
console_page_savable(const struct console *con)
{
    return con->ndrives > 0 &&
           drive_snapshot_savable(&con->drives[con->drive_cursor].snap);
}
