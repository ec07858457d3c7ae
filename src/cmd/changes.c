#include "cmd/changes.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/edit.h"
#include "cmd/output.h"
#include "cmd/pagecache.h"
#include "engine/errfmt.h"
#include "transport/transport.h"
#include "util/applog.h"
#include "util/hex.h"
#include "util/hresult.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* Bytes of the audit log's end searched for a MODE SELECT's lines when
 * its process ended before it recorded the outcome: the lines of all
 * drives since, which a process that opens a drive soon after finds. */
#define CHANGES_AUDIT_TAIL (8u << 20)

static void
changes_now(char *buf, size_t len, bool millis)
{
    struct timeval tv;
    char secs[32];

    gettimeofday(&tv, NULL);
    struct tm utc;
    gmtime_r(&tv.tv_sec, &utc);
    strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &utc);
    if (millis)
        snprintf(buf, len, "%.19s.%03dZ", secs,
                 (int)(tv.tv_usec / 1000 % 1000));
    else
        snprintf(buf, len, "%.19sZ", secs);
}

int
changes_saving_others(struct recorder *rec, uint8_t code, uint8_t subpage,
                      struct undo_other **others, size_t *n, struct err *err)
{
    struct mode_page_info *pages = NULL;
    size_t npages = 0;
    int rc = 0;

    *others = NULL;
    *n = 0;
    if (recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT, &pages,
                                          &npages, err) != 0)
        return -1;
    *others = xcalloc(npages + 1, sizeof **others);
    for (size_t i = 0; i < npages && rc == 0; i++) {
        struct undo_other *o = &(*others)[*n];
        size_t cur_len = 0, sav_len = 0;
        struct err why;
        if (!pages[i].savable ||
            (pages[i].code == code && pages[i].subpage == subpage))
            continue;
        err_clear(&why);
        if (recorder_get_mode_page(rec, pages[i].code, pages[i].subpage,
                                   MODE_REQUEST_CURRENT, &o->current, &cur_len,
                                   &why) == 0 &&
            recorder_get_mode_page(rec, pages[i].code, pages[i].subpage,
                                   MODE_REQUEST_SAVED, &o->saved, &sav_len,
                                   &why) == 0 &&
            cur_len == sav_len && cur_len >= 2) {
            o->current[0] &= (uint8_t)~MODE_PAGE_PS;
            o->saved[0] &= (uint8_t)~MODE_PAGE_PS;
            o->len = cur_len;
            if (memcmp(o->current, o->saved, cur_len) != 0) {
                ++*n;
                continue;
            }
        } else if (err_is_set(&why) &&
                   why.hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
            /* Only a page without saved values may be left out: one that
             * could not be asked might lose them unseen. */
            *err = why;
            if (pages[i].subpage)
                err_prefix(err,
                           "page 0x%02x,0x%02x: its values could not "
                           "be read",
                           pages[i].code, pages[i].subpage);
            else
                err_prefix(err, "page 0x%02x: its values could not be read",
                           pages[i].code);
            rc = -1;
        }
        free(o->current);
        free(o->saved);
        memset(o, 0, sizeof *o);
    }
    free(pages);
    return rc;
}

void
changes_print_fields(struct cmd_ctx *ctx, const struct page_def *pd,
                     const char *label, const uint8_t *from, const uint8_t *to,
                     size_t len, const char *which)
{
    struct field_ref *refs;
    uint8_t *loose;
    size_t n = edit_differences(pd, from, to, NULL, len, &refs, &loose);
    char old[160], new[160];

    for (size_t i = 0; i < n; i++) {
        field_format(from, &refs[i], old, sizeof old);
        field_format(to, &refs[i], new, sizeof new);
        cmd_print(ctx, "  %s: %s: %s -> %s%s", label, refs[i].acronym, old, new,
                  which);
    }
    for (size_t k = 0; k < len; k++)
        if (loose[k])
            cmd_print(ctx, "  %s: byte %zu: 0x%02x -> 0x%02x%s", label, k,
                      from[k], to[k], which);
    free(loose);
    free(refs);
}

static void
changes_other_label(struct cmd_ctx *ctx, struct recorder *rec,
                    const struct undo_other *o, const struct page_def **pd,
                    char *label, size_t len)
{
    uint8_t code = o->current[0] & MODE_PAGE_CODE;
    uint8_t sub = (o->current[0] & MODE_PAGE_SPF) ? o->current[1] : 0;
    struct err ignored;

    *pd = NULL;
    err_clear(&ignored);
    cmd_page_def(ctx, rec, code, sub, pd, &ignored);
    cmd_page_label(*pd, code, sub, label, len);
}

int
changes_list_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                           uint8_t code, uint8_t subpage, struct err *err)
{
    struct undo_other *others;
    size_t n = 0;

    int rc = changes_saving_others(rec, code, subpage, &others, &n, err);
    for (size_t i = 0; i < n; i++) {
        const struct page_def *pd;
        char label[128];
        if (rc == 0) {
            changes_other_label(ctx, rec, &others[i], &pd, label, sizeof label);
            changes_print_fields(ctx, pd, label, others[i].saved,
                                 others[i].current, others[i].len,
                                 " (saved values)");
        }
        free(others[i].current);
        free(others[i].saved);
    }
    free(others);
    return rc < 0 ? -1 : (int)n;
}

void
changes_preview_saving(struct cmd_ctx *ctx, struct recorder *rec,
                       const struct page_def *pd, const char *label,
                       const uint8_t *page, size_t len, const char *how)
{
    uint8_t code = page[0] & MODE_PAGE_CODE;
    uint8_t subpage = (page[0] & MODE_PAGE_SPF) ? page[1] : 0;
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    struct err err;

    err_clear(&err);
    /* Short enough for the console's dialog at 80 columns. */
    cmd_print(ctx, "%s would also change saved values (SPC-4 6.11):", how);
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_SAVED, &saved,
                               &saved_len, &err) == 0 &&
        saved_len == len) {
        saved[0] = page[0];
        changes_print_fields(ctx, pd, label, saved, page, len,
                             " (saved values)");
    } else if (err_is_set(&err)) {
        cmd_warn(ctx, "  %s: its saved values could not be read: %s", label,
                 err.msg);
    }
    free(saved);
    err_clear(&err);
    if (changes_list_saving_others(ctx, rec, code, subpage, &err) < 0)
        cmd_warn(ctx,
                 "  other pages' saved values could not all be read, so "
                 "saving may change more: %s",
                 err.msg);
}

void
changes_note_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                           uint8_t code, uint8_t subpage)
{
    struct undo_other *others;
    size_t n = 0;
    struct err unknown;

    err_clear(&unknown);
    if (changes_saving_others(rec, code, subpage, &others, &n, &unknown) != 0)
        cmd_warn(ctx,
                 "warning: saving may replace the saved values of other "
                 "pages, which could not all be read: %s",
                 unknown.msg);

    for (size_t i = 0; i < n; i++) {
        const struct page_def *pd;
        char label[128];
        changes_other_label(ctx, rec, &others[i], &pd, label, sizeof label);
        cmd_warn(ctx,
                 "note: %s: its saved values become its current values too: "
                 "a drive that follows SPC-4 6.11 saves every page's current "
                 "values ('modecon undo' puts them back)",
                 label);
        changes_print_fields(ctx, pd, label, others[i].saved, others[i].current,
                             others[i].len, " (saved values)");
        free(others[i].current);
        free(others[i].saved);
    }
    free(others);
}

/* ---- A MODE SELECT in flight ------------------------------------------- */

/* MODE SELECTs sent and not yet answered and recorded (console workers
 * send from several threads; lock-free, so a signal handler reads it). */
static atomic_int changes_flying;
/* A SIGINT or SIGTERM that came while one was in flight, or 0. */
static volatile sig_atomic_t changes_pending_signal;

bool
changes_in_flight(void)
{
    return atomic_load(&changes_flying) > 0;
}

static void
changes_die(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
changes_on_signal(int sig)
{
    static const char waiting[] =
        "\nmodecon: interrupted while a MODE SELECT is with the drive: "
        "waiting for its answer, so that the audit log and the undo record "
        "say what it did (again to leave at once)\n";

    /* Raised inside its handler, the signal waits until it returns. */
    if (!changes_in_flight() || changes_pending_signal != 0) {
        changes_die(sig);
        return;
    }
    changes_pending_signal = sig;
    ssize_t ignored = write(STDERR_FILENO, waiting, sizeof waiting - 1);
    (void)ignored;
}

void
changes_guard_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = changes_on_signal;
    /* The wait for the drive goes on after the handler. */
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}


/* ---- The intent of a MODE SELECT ----------------------------------------- */

/* The MODE SELECT's name in both logs, unique on this machine. */
static void
changes_new_select(char *buf, size_t len)
{
    static atomic_ulong selects;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(buf, len, "%lld.%09ld-%ld-%lu", (long long)now.tv_sec, now.tv_nsec,
             (long)getpid(), atomic_fetch_add(&selects, 1) + 1);
}

/* The MODE SELECT this thread has in flight, named by its intent: the
 * hooks before and after it run on the thread that sends it. */
static _Thread_local char changes_select[64];

/* The page's name in messages: "0x08" or "0x08,0x01". */
static void
changes_page_name(const uint8_t *page, char *buf, size_t len)
{
    if (page[0] & MODE_PAGE_SPF)
        snprintf(buf, len, "0x%02x,0x%02x", page[0] & MODE_PAGE_CODE, page[1]);
    else
        snprintf(buf, len, "0x%02x", page[0] & MODE_PAGE_CODE);
}

/* The oldest commands' changes that drop off the stack to make room for
 * this one's, as "dropped" lines; each is named. */
static char *
changes_drop_oldest(struct cmd_ctx *ctx, struct undo_stack *st, size_t *len)
{
    char *text = xstrdup("");
    bool joins = st->count > 0 &&
                 undo_same_run(st->changes[st->count - 1].run, ctx->run);

    *len = 0;
    while (undo_stack_runs(st) + (joins ? 0 : 1) > UNDO_STACK_MAX) {
        const struct undo_change *old = &st->changes[0];
        size_t drop = 1;
        while (drop < st->count &&
               undo_same_run(st->changes[0].run, st->changes[drop].run))
            drop++;
        char page[16], more[48] = "";
        changes_page_name(old->sent, page, sizeof page);
        if (drop > 1)
            snprintf(more, sizeof more, " and %zu more MODE SELECT%s", drop - 1,
                     drop == 2 ? "" : "s");
        cmd_warn(ctx,
                 "note: the undo record keeps the changes of the last %d "
                 "commands on a drive: '%s' of page %s%s at %s can no "
                 "longer be undone",
                 UNDO_STACK_MAX, old->command, page, more, old->time);
        for (size_t k = 0; k < drop; k++) {
            json_t *line = json_object();
            size_t n;
            json_object_set_new(line, "dropped",
                                json_string(st->changes[k].select));
            char *one = undo_json_line(line, &n);
            text = xrealloc(text, *len + n + 1);
            memcpy(text + *len, one, n + 1);
            *len += n;
            free(one);
            undo_change_fini(&st->changes[k]);
        }
        memmove(st->changes, st->changes + drop,
                (st->count - drop) * sizeof *st->changes);
        st->count -= drop;
    }
    return text;
}

/* What undo needs of the change about to be sent. */
static int
changes_undo_intent(struct cmd_ctx *ctx, struct recorder *rec,
                    const struct select_event *ev, struct undo_change *c,
                    struct err *err)
{
    memset(c, 0, sizeof *c);
    changes_now(c->time, sizeof c->time, false);
    c->command = xstrdup(ctx->client);
    c->run = ctx->run[0] != '\0' ? xstrdup(ctx->run) : NULL;
    c->uri = transport_redact(recorder_name(rec));
    c->rt = ev->rt;
    c->len = ev->len;
    c->before = xmalloc(ev->len);
    c->sent = xmalloc(ev->len);
    memcpy(c->before, ev->rep->before, ev->len);
    c->before[0] &= (uint8_t)~MODE_PAGE_PS;
    memcpy(c->sent, ev->page, ev->len);
    /* A saving change replaces the saved values too, which may differ
     * from the current ones; a drive that does not show them leaves only
     * the current values to go back to. */
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    struct err ignored;
    err_clear(&ignored);
    if (ev->rt == MODE_REQUEST_SAVED &&
        recorder_get_mode_page(rec, ev->page[0] & MODE_PAGE_CODE,
                               (ev->page[0] & MODE_PAGE_SPF) ? ev->page[1] : 0,
                               MODE_REQUEST_SAVED, &saved, &saved_len,
                               &ignored) == 0 &&
        saved_len == ev->len) {
        c->saved_before = saved;
        c->saved_before[0] &= (uint8_t)~MODE_PAGE_PS;
    } else {
        free(saved);
    }
    if (ev->rt == MODE_REQUEST_SAVED)
        return changes_saving_others(rec, ev->page[0] & MODE_PAGE_CODE,
                                     (ev->page[0] & MODE_PAGE_SPF) ? ev->page[1]
                                                                   : 0,
                                     &c->others, &c->nothers, err);
    return 0;
}

/* The intent line of the undo record for the MODE SELECT 'ev' (with the
 * lines of changes that drop off before it): a change's, an undo's, or
 * one that cannot be undone. */
static char *
changes_intent_lines(struct cmd_ctx *ctx, struct recorder *rec,
                     struct undo_stack *st, const struct select_event *ev,
                     const char *select, size_t *len, struct err *err)
{
    json_t *intent;
    char *dropped = NULL;
    size_t ndropped = 0;

    if (ctx->undoing || ev->rep->before_len != ev->len) {
        /* A page forced through at another length than the drive's has
         * no previous bytes of its own length to go back to. */
        if (!ctx->undoing)
            cmd_warn(ctx,
                     "warning: not recorded for undo: %zu bytes are sent for "
                     "a %zu-byte page",
                     ev->len, ev->rep->before_len);
        char when[32];
        changes_now(when, sizeof when, false);
        intent = json_object();
        json_object_set_new(intent, "time", json_string(when));
        json_object_set_new(intent, "command", text_json(ctx->client));
        if (ctx->run[0] != '\0')
            json_object_set_new(intent, "run", json_string(ctx->run));
        char *uri = transport_redact(recorder_name(rec));
        json_object_set_new(intent, "uri", text_json(uri));
        free(uri);
        json_object_set_new(intent, "request",
                            json_string(mode_request_name(ev->rt)));
        uint8_t *before = xmalloc(ev->rep->before_len);
        memcpy(before, ev->rep->before, ev->rep->before_len);
        before[0] &= (uint8_t)~MODE_PAGE_PS;
        json_object_set_new(intent, "before",
                            jsonhex_string(before, ev->rep->before_len));
        free(before);
        json_object_set_new(intent, "sent", jsonhex_string(ev->page, ev->len));
        if (ctx->undoing)
            json_object_set_new(intent, "undo_of",
                                json_string(ctx->undo_of ? ctx->undo_of : ""));
        else
            json_object_set_new(intent, "undoable", json_false());
    } else {
        struct undo_change c;
        int rc = changes_undo_intent(ctx, rec, ev, &c, err);
        if (rc == 0) {
            intent = undo_change_json(&c);
            dropped = changes_drop_oldest(ctx, st, &ndropped);
        }
        undo_change_fini(&c);
        if (rc != 0)
            return NULL;
    }
    /* The MODE SELECT's name first, where a reader of the record looks. */
    json_t *whole = json_object();
    json_object_set_new(whole, "intent", json_string(select));
    json_object_set_new(whole, "pid", json_integer((json_int_t)getpid()));
    json_object_update(whole, intent);
    json_decref(intent);
    size_t n;
    char *line = undo_json_line(whole, &n);
    char *text = xasprintf("%s%s", dropped ? dropped : "", line);
    *len = ndropped + n;
    free(dropped);
    free(line);
    return text;
}

/* An outcome line of the undo record. */
static int
changes_undo_outcome(struct undo_stack *st, const char *select,
                     const char *verification, bool recovered, struct err *err)
{
    json_t *outcome = json_object();
    size_t len;

    json_object_set_new(outcome, "outcome", json_string(select));
    json_object_set_new(outcome, "verification", json_string(verification));
    json_object_set_new(outcome, "recovered", json_boolean(recovered));
    char *text = undo_json_line(outcome, &len);
    /* Not flushed: the audit log's outcome, flushed, is the durable one;
     * a lost line here is found there again (changes_recover). */
    int rc = applog_append(st->path, text, len, false, err);
    free(text);
    return rc;
}

/* ---- The audit log ----------------------------------------------------- */

/* What became of the change, as far as modecon can tell. */
static const char *
changes_outcome(const struct select_event *ev)
{
    const struct set_report *rep = ev->rep;

    if (!rep->sent)
        return ev->result->has_scsi ? "refused" : "unknown: no answer";
    if (rep->verified)
        return rep->nunapplied == 0 ? "applied" : "not applied";
    return ev->readback != NULL && err_is_set(ev->readback)
               ? "unknown: read-back failed"
               : "not verified";
}

/* What an audit line says of a MODE SELECT, its intent or its outcome. */
struct audit_select {
    const char *event; /* "intent" or "outcome" */
    const char *select;
    const char *time; /* NULL: now */
    long pid;
    const char *command;
    const char *run; /* or NULL */
    enum mode_request rt;
    const uint8_t *before; /* the current values before it */
    size_t before_len;
    const uint8_t *cdb;
    const uint8_t *param_list;
    size_t param_len;
    const char *undo_of; /* or NULL */
    bool recovered;
};

/* The members of every audit line (docs/errors.md, "The audit log"). */
static json_t *
changes_audit_common(struct recorder *rec, const struct audit_select *a)
{
    char when[40], value[16];
    json_t *line = json_object(), *drive = json_object();
    const uint8_t *page = a->param_list + MODE_HEADER10_LEN;

    if (a->time == NULL)
        changes_now(when, sizeof when, true);
    json_object_set_new(line, "event", json_string(a->event));
    json_object_set_new(line, "select", json_string(a->select));
    json_object_set_new(line, "time", json_string(a->time ? a->time : when));
    json_object_set_new(line, "pid", json_integer((json_int_t)a->pid));
    json_object_set_new(line, "command", text_json(a->command));
    json_object_set_new(line, "run",
                        a->run ? json_string(a->run) : json_null());

    char *uri = transport_redact(recorder_name(rec));
    char *drive_id = transport_redact(recorder_id(rec));
    json_object_set_new(drive, "uri", text_json(uri));
    json_object_set_new(drive, "id", text_json(drive_id));
    free(uri);
    free(drive_id);
    /* The identity as the drive answered before the change; a drive gone
     * since is recorded without it. */
    const struct scsi_identity *id = recorder_known_identity(rec);
    json_object_set_new(drive, "vendor",
                        id ? text_json(id->vendor) : json_null());
    json_object_set_new(drive, "product",
                        id ? text_json(id->product) : json_null());
    json_object_set_new(drive, "revision",
                        id ? text_json(id->revision) : json_null());
    json_object_set_new(line, "drive", drive);

    snprintf(value, sizeof value, "0x%02x", page[0] & MODE_PAGE_CODE);
    json_object_set_new(line, "page", json_string(value));
    snprintf(value, sizeof value, "0x%02x",
             (page[0] & MODE_PAGE_SPF) ? page[1] : 0);
    json_object_set_new(line, "subpage", json_string(value));
    json_object_set_new(line, "request", json_string(mode_request_name(a->rt)));
    json_object_set_new(line, "before",
                        jsonhex_string(a->before, a->before_len));
    json_object_set_new(line, "cdb", jsonhex_string(a->cdb, 10));
    json_object_set_new(line, "parameter_list",
                        jsonhex_string(a->param_list, a->param_len));
    json_object_set_new(line, "undo_of",
                        a->undo_of ? json_string(a->undo_of) : json_null());
    json_object_set_new(line, "recovered", json_boolean(a->recovered));
    return line;
}

/* An outcome's members after the common ones, from the MODE SELECT's
 * answer and read-back. */
static void
changes_audit_answer(json_t *line, const struct select_event *ev)
{
    const struct set_report *rep = ev->rep;
    const struct err *result = ev->result;
    char value[16];

    json_object_set_new(line, "after",
                        rep->after ? jsonhex_string(rep->after, rep->after_len)
                                   : json_null());
    json_object_set_new(line, "hresult", json_string(hresult_name(result->hr)));
    snprintf(value, sizeof value, "0x%08X", result->hr);
    json_object_set_new(line, "hresult_value", json_string(value));
    json_object_set_new(line, "message",
                        err_is_set(result) ? text_json(result->msg)
                                           : json_null());
    bool sensed = result->has_scsi && result->sense_len > 0;
    char sense_text[ERR_MSG_MAX];
    json_object_set_new(line, "sense",
                        sensed
                            ? jsonhex_string(result->sense, result->sense_len)
                            : json_null());
    json_object_set_new(line, "sense_text",
                        sensed ? json_string(errfmt_sense(result, sense_text,
                                                          sizeof sense_text))
                               : json_null());
    json_object_set_new(line, "verification", json_string(changes_outcome(ev)));
    json_object_set_new(line, "readback_error",
                        ev->readback != NULL && err_is_set(ev->readback)
                            ? text_json(ev->readback->msg)
                            : json_null());
    json_t *missing = json_array();
    for (size_t i = 0; i < rep->nunapplied; i++) {
        json_t *one = json_object();
        json_object_set_new(one, "byte",
                            json_integer((json_int_t)rep->unapplied[i].offset));
        snprintf(value, sizeof value, "0x%02x", rep->unapplied[i].sent);
        json_object_set_new(one, "sent", json_string(value));
        snprintf(value, sizeof value, "0x%02x", rep->unapplied[i].got);
        json_object_set_new(one, "got", json_string(value));
        json_object_set_new(
            one, "values",
            json_string(mode_request_name(rep->unapplied[i].where)));
        json_array_append_new(missing, one);
    }
    json_object_set_new(line, "not_applied", missing);
}

static void
changes_audit_live(struct cmd_ctx *ctx, const struct select_event *ev,
                   const char *event, struct audit_select *a)
{
    memset(a, 0, sizeof *a);
    a->event = event;
    a->select = changes_select;
    a->pid = (long)getpid();
    a->command = ctx->client;
    a->run = ctx->run[0] != '\0' ? ctx->run : NULL;
    a->rt = ev->rt;
    a->before = ev->rep->before;
    a->before_len = ev->rep->before_len;
    a->cdb = ev->rep->cdb;
    a->param_list = ev->rep->param_list;
    a->param_len = ev->rep->param_len;
    a->undo_of = ctx->undoing ? ctx->undo_of : NULL;
}

char *
changes_audit_path(struct err *err)
{
    char *dir = paths_state_dir(NULL, err);
    char *path = dir ? xasprintf("%s/audit.jsonl", dir) : NULL;

    free(dir);
    return path;
}

/* Append audit lines, flushed with 'flush'.  A log that cannot be opened
 * is named with the reason. */
static int
changes_audit_write(const char *text, size_t len, bool flush, struct err *err)
{
    char *path = changes_audit_path(err);

    if (path == NULL)
        return -1;
    int rc = applog_append(path, text, len, flush, err);
    /* A refusal (a link, a FIFO) names what is there; a failure, why. */
    if (rc != 0 && err->os_errno != 0 && err->os_errno != ELOOP &&
        err->os_errno != EINVAL) {
        int e = err->os_errno;
        err_set(err, E_FAIL, "the audit log %s cannot be written: %s", path,
                strerror(e));
        err->os_errno = e;
    }
    free(path);
    return rc;
}

static int
changes_audit_append(json_t *line, bool flush, struct err *err)
{
    size_t len;
    char *text = undo_json_line(line, &len);
    int rc = changes_audit_write(text, len, flush, err);
    free(text);
    return rc;
}

/* ---- Recovery ------------------------------------------------------------ */

/* The page but for PS, which MODE SELECT clears. */
static bool
changes_holds(const uint8_t *page, size_t page_len, const uint8_t *want,
              size_t want_len)
{
    return page != NULL && want != NULL && page_len == want_len &&
           page_len > 0 &&
           ((page[0] ^ want[0]) & (uint8_t)~MODE_PAGE_PS) == 0 &&
           memcmp(page + 1, want + 1, page_len - 1) == 0;
}

/* The audit line of event 'event' of MODE SELECT 'select' in the log's
 * tail 'tail', or NULL. */
static json_t *
changes_audit_find(const char *tail, const char *select, const char *event)
{
    char *needle = xasprintf("\"select\":\"%s\"", select);
    json_t *found = NULL;

    for (const char *p = tail; p != NULL && found == NULL;) {
        p = strstr(p, needle);
        if (p == NULL)
            break;
        const char *start = p, *end = strchr(p, '\n');
        while (start > tail && start[-1] != '\n')
            start--;
        if (end == NULL)
            break;
        json_t *line = json_loadb(start, (size_t)(end - start), 0, NULL);
        const char *ev = json_string_value(json_object_get(line, "event"));
        if (ev != NULL && strcmp(ev, event) == 0)
            found = line;
        else
            json_decref(line);
        p = end;
    }
    free(needle);
    return found;
}

/* An intent without an outcome, as the undo record holds it. */
struct changes_pending {
    json_t *in;
    const char *select;
    enum mode_request rt;
    uint8_t *sent, *before, *saved_before;
    size_t sent_len, before_len, sb_len;
};

static void
changes_pending_fini(struct changes_pending *pi)
{
    json_decref(pi->in);
    free(pi->sent);
    free(pi->before);
    free(pi->saved_before);
}

/* The intent 'text' read into 'pi'.  One without the request and the
 * pages (which modecon always writes) is damage, reported in 'err'. */
static int
changes_pending_parse(const struct undo_stack *st, const char *text,
                      struct changes_pending *pi, struct err *err)
{
    memset(pi, 0, sizeof *pi);
    pi->in = json_loads(text, 0, NULL);
    pi->select = json_string_value(json_object_get(pi->in, "intent"));
    pi->rt = MODE_REQUEST_CURRENT;
    const char *req = json_string_value(json_object_get(pi->in, "request"));
    const char *sent_hex = json_string_value(json_object_get(pi->in, "sent"));
    const char *before_hex =
        json_string_value(json_object_get(pi->in, "before"));
    struct err bad;

    err_clear(&bad);
    if (pi->select == NULL || req == NULL || sent_hex == NULL ||
        before_hex == NULL || mode_request_parse(req, &pi->rt, &bad) != 0 ||
        hex_parse(sent_hex, &pi->sent, &pi->sent_len, &bad) != 0 ||
        hex_parse(before_hex, &pi->before, &pi->before_len, &bad) != 0 ||
        pi->sent_len < 2 || pi->before_len < 2) {
        char name[64];
        text_excerpt(name, sizeof name, pi->select ? pi->select : "(unnamed)",
                     40, false);
        err_set(err, E_FAIL,
                "%s: the MODE SELECT '%s', without an outcome, needs "
                "'request', 'sent' and 'before', each valid (the undo "
                "record is damaged); move it away to go on without it",
                st->path, name);
        changes_pending_fini(pi);
        return -1;
    }
    const char *sb = json_string_value(json_object_get(pi->in, "saved_before"));
    if (sb != NULL && hex_parse(sb, &pi->saved_before, &pi->sb_len, &bad) != 0)
        pi->saved_before = NULL;
    return 0;
}

/* What became of the MODE SELECT 'pi', from its page read back now
 * (left in 'cur'; a failed read in 'readback'). */
static const char *
changes_pending_verdict(struct recorder *rec, const struct changes_pending *pi,
                        uint8_t **cur_out, size_t *cur_len_out,
                        struct err *readback)
{
    const uint8_t *sent = pi->sent, *before = pi->before,
                  *saved_before = pi->saved_before;
    size_t sent_len = pi->sent_len, before_len = pi->before_len,
           sb_len = pi->sb_len;
    enum mode_request rt = pi->rt;
    uint8_t code = sent[0] & MODE_PAGE_CODE;
    uint8_t subpage = (sent[0] & MODE_PAGE_SPF) ? sent[1] : 0;
    uint8_t *cur = NULL, *sav = NULL;
    size_t cur_len = 0, sav_len = 0;
    const char *verdict = "unknown (found after the process ended)";
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT, &cur,
                               &cur_len, readback) == 0 &&
        (rt != MODE_REQUEST_SAVED ||
         recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_SAVED, &sav,
                                &sav_len, readback) == 0)) {
        /* A saving MODE SELECT shows in the saved values. */
        const uint8_t *held = rt == MODE_REQUEST_SAVED ? sav : cur;
        size_t held_len = rt == MODE_REQUEST_SAVED ? sav_len : cur_len;
        bool was = rt == MODE_REQUEST_SAVED && saved_before != NULL
                       ? changes_holds(sav, sav_len, saved_before, sb_len)
                       : changes_holds(cur, cur_len, before, before_len);
        if (changes_holds(held, held_len, sent, sent_len))
            verdict = "applied (found after the process ended)";
        else if (was)
            verdict = "not applied (found after the process ended)";
    }
    free(sav);
    *cur_out = cur;
    *cur_len_out = cur_len;
    return verdict;
}

/* The audit log's lines for 'pi', as they would have been: the intent
 * too, where it was lost with the process, and the outcome found. */
static char *
changes_pending_lines(struct recorder *rec, const struct changes_pending *pi,
                      const char *tail, const uint8_t *cur, size_t cur_len,
                      const char *verdict, const struct err *readback,
                      size_t *len_out)
{
    const char *select = pi->select;
    const uint8_t *sent = pi->sent, *before = pi->before;
    size_t sent_len = pi->sent_len, before_len = pi->before_len;
    enum mode_request rt = pi->rt;
    json_t *in = pi->in;
    uint8_t *param = xcalloc(1, MODE_HEADER10_LEN + sent_len);
    memcpy(param + MODE_HEADER10_LEN, sent, sent_len);
    param[MODE_HEADER10_LEN] &= (uint8_t)~MODE_PAGE_PS;
    struct scsi_io io = { 0 };
    scsi_build_mode_select10(&io, rt == MODE_REQUEST_SAVED, param,
                             (uint16_t)(MODE_HEADER10_LEN + sent_len));
    json_t *pid = json_object_get(in, "pid");
    struct audit_select a = {
        .event = "intent",
        .select = select,
        .time = NULL,
        .pid = json_is_integer(pid) ? (long)json_integer_value(pid) : 0,
        .command = json_string_value(json_object_get(in, "command")),
        .run = json_string_value(json_object_get(in, "run")),
        .rt = rt,
        .before = before,
        .before_len = before_len,
        .cdb = io.cdb,
        .param_list = param,
        .param_len = MODE_HEADER10_LEN + sent_len,
        .undo_of = json_string_value(json_object_get(in, "undo_of")),
        .recovered = true,
    };
    if (a.command == NULL)
        a.command = "modecon";
    json_t *audit_intent = changes_audit_find(tail, select, "intent");
    char *lines = xstrdup("");
    size_t len = 0;
    if (audit_intent == NULL) {
        /* Its time is the intent's, kept in the undo record. */
        a.time = json_string_value(json_object_get(in, "time"));
        size_t n;
        char *one = undo_json_line(changes_audit_common(rec, &a), &n);
        free(lines);
        lines = one;
        len = n;
        a.time = NULL;
    }
    /* The outcome as its intent has it, where the audit log has that. */
    a.event = "outcome";
    json_t *outcome = audit_intent != NULL ? json_deep_copy(audit_intent)
                                           : changes_audit_common(rec, &a);
    json_decref(audit_intent);
    char when[40];
    changes_now(when, sizeof when, true);
    json_object_set_new(outcome, "event", json_string("outcome"));
    json_object_set_new(outcome, "time", json_string(when));
    json_object_set_new(outcome, "recovered", json_true());
    json_object_set_new(outcome, "after",
                        cur ? jsonhex_string(cur, cur_len) : json_null());
    json_object_set_new(outcome, "hresult", json_null());
    json_object_set_new(outcome, "hresult_value", json_null());
    json_object_set_new(outcome, "message",
                        json_string("the process that sent it ended before "
                                    "recording its outcome; found by reading "
                                    "the page back"));
    json_object_set_new(outcome, "sense", json_null());
    json_object_set_new(outcome, "sense_text", json_null());
    json_object_set_new(outcome, "verification", json_string(verdict));
    json_object_set_new(outcome, "readback_error",
                        err_is_set(readback) ? text_json(readback->msg)
                                             : json_null());
    json_object_set_new(outcome, "not_applied", json_array());
    size_t n;
    char *one = undo_json_line(outcome, &n);
    lines = xrealloc(lines, len + n + 1);
    memcpy(lines + len, one, n + 1);
    len += n;
    free(one);
    free(param);
    *len_out = len;
    return lines;
}

/* Resolve one intent without an outcome: copied from the audit log when
 * it has the outcome, else found by reading the page back.  A damaged
 * intent is reported in 'damage'. */
static int
changes_resolve(struct cmd_ctx *ctx, struct recorder *rec,
                struct undo_stack *st, const char *text, const char *tail,
                struct err *damage)
{
    struct changes_pending pi;
    struct err err;

    if (changes_pending_parse(st, text, &pi, damage) != 0)
        return -1;
    err_clear(&err);
    json_t *audit_outcome = changes_audit_find(tail, pi.select, "outcome");
    if (audit_outcome != NULL) {
        /* Answered and audited; only its line here was lost. */
        const char *v =
            json_string_value(json_object_get(audit_outcome, "verification"));
        changes_undo_outcome(st, pi.select, v ? v : "unknown", false, &err);
        json_decref(audit_outcome);
        changes_pending_fini(&pi);
        return 0;
    }
    uint8_t *cur = NULL;
    size_t cur_len = 0, len = 0;
    struct err readback;
    err_clear(&readback);
    const char *verdict =
        changes_pending_verdict(rec, &pi, &cur, &cur_len, &readback);
    char *lines = changes_pending_lines(rec, &pi, tail, cur, cur_len, verdict,
                                        &readback, &len);
    json_t *pid = json_object_get(pi.in, "pid");
    const char *command = json_string_value(json_object_get(pi.in, "command"));
    char page[16];
    changes_page_name(pi.sent, page, sizeof page);
    if (changes_audit_write(lines, len, true, &err) == 0)
        changes_undo_outcome(st, pi.select, verdict, true, &err);
    if (err_is_set(&err))
        cmd_warn(ctx,
                 "warning: %s: page %s: the outcome of an earlier MODE "
                 "SELECT could not be recorded: %s",
                 recorder_name(rec), page, err.msg);
    else
        cmd_warn(ctx,
                 "note: %s: page %s: '%s' (pid %ld) ended before recording "
                 "the outcome of its MODE SELECT: %s; now in the audit log",
                 recorder_name(rec), page, command ? command : "modecon",
                 json_is_integer(pid) ? (long)json_integer_value(pid) : 0L,
                 verdict);
    free(lines);
    free(cur);
    changes_pending_fini(&pi);
    return 0;
}

int
changes_load(struct cmd_ctx *ctx, struct recorder *rec, struct undo_stack *st,
             struct err *err)
{
    /* Held, so that no other process's MODE SELECT is in flight. */
    if (recorder_acquire_exclusive(rec, err) != 0) {
        memset(st, 0, sizeof *st);
        return -1;
    }
    int rc = undo_stack_load(rec, st, err);
    if (rc == 0 && st->npending > 0) {
        struct err ignored;
        struct scsi_identity id;
        err_clear(&ignored);
        /* The identity for the audit lines. */
        if (recorder_known_identity(rec) == NULL)
            recorder_inquiry(rec, &id, &ignored);
        err_clear(&ignored);
        char *path = changes_audit_path(&ignored);
        char *tail =
            path ? applog_read_tail(path, CHANGES_AUDIT_TAIL, &ignored) : NULL;
        for (size_t i = 0; i < st->npending && rc == 0; i++)
            rc = changes_resolve(ctx, rec, st, st->pending[i], tail ? tail : "",
                                 err);
        free(tail);
        free(path);
        undo_stack_free(st);
        if (rc == 0)
            rc = undo_stack_load(rec, st, err);
    }
    recorder_release_exclusive(rec);
    return rc;
}

/* ---- The hooks --------------------------------------------------------- */

static int
changes_before_select(void *arg, struct recorder *rec,
                      const struct select_event *ev, struct err *err)
{
    struct cmd_ctx *ctx = arg;
    struct scsi_identity id;
    struct err ignored;
    struct undo_stack st;
    char page[16];

    changes_page_name(ev->page, page, sizeof page);
    /* The identity for the audit line, asked while the drive answers. */
    err_clear(&ignored);
    if (recorder_known_identity(rec) == NULL)
        recorder_inquiry(rec, &id, &ignored);
    /* 1. The intent in the undo record, flushed: nothing goes out that
     * the record does not hold. */
    size_t len = 0;
    char *lines = NULL;
    changes_new_select(changes_select, sizeof changes_select);
    if (changes_load(ctx, rec, &st, err) != 0 ||
        (lines = changes_intent_lines(ctx, rec, &st, ev, changes_select, &len,
                                      err)) == NULL ||
        undo_log_append(&st, lines, len, true, err) != 0) {
        /* An intent written but not flushed (a failing disk) is closed
         * at once, so that no later process takes it for one whose
         * process ended with its MODE SELECT out.  Only in a record that
         * exists: a first record whose writing failed is not there, and
         * an outcome alone would make a file without its header. */
        struct err lost;
        struct stat sb;
        err_clear(&lost);
        if (lines != NULL && st.path != NULL && lstat(st.path, &sb) == 0)
            changes_undo_outcome(&st, changes_select, "not sent", false, &lost);
        err_prefix(err,
                   "page %s: the page's previous bytes could not be "
                   "recorded for undo, so nothing was sent",
                   page);
        free(lines);
        undo_stack_free(&st);
        return -1;
    }
    free(lines);
    /* 2. The intent in the audit log, flushed with its outcome. */
    struct audit_select a;
    changes_audit_live(ctx, ev, "intent", &a);
    if (changes_audit_append(changes_audit_common(rec, &a), false, err) != 0) {
        struct err lost;
        err_clear(&lost);
        changes_undo_outcome(&st, changes_select, "not sent", false, &lost);
        err_prefix(err, "page %s: nothing was sent", page);
        undo_stack_free(&st);
        return -1;
    }
    undo_stack_free(&st);
    atomic_fetch_add(&changes_flying, 1);
    return 0;
}

static int
changes_after_select(void *arg, struct recorder *rec,
                     const struct select_event *ev, struct err *err)
{
    struct cmd_ctx *ctx = arg;

    if (ev->rep->sent)
        for (size_t i = 0; i < ctx->ndrives; i++)
            if (ctx->drives[i].rec == rec)
                ctx->drives[i].changes++;
    /* A change the drive refused stays on the undo stack: drives may
     * have changed some values before finding the bad one (QIC-157 asks
     * for INVALID FIELD IN PARAMETER LIST then), and 'undo' compares the
     * page with it before it sends anything.
     *
     * The audit log's outcome first, flushed: the durable word on what
     * the drive did; then the undo record's, which a later process copies
     * from the audit log if it is lost. */
    struct audit_select a;
    changes_audit_live(ctx, ev, "outcome", &a);
    json_t *line = changes_audit_common(rec, &a);
    changes_audit_answer(line, ev);
    int rc = changes_audit_append(line, true, err);
    if (rc != 0)
        err_prefix(err,
                   "%s: the audit log could not be written (the change: %s)",
                   recorder_name(rec), changes_outcome(ev));
    /* Without the audit log's outcome the intent stays without one in
     * the undo record too, so that the next process finds it pending and
     * writes both, from the drive read back. */
    struct undo_stack st;
    struct err lost;
    err_clear(&lost);
    memset(&st, 0, sizeof st);
    char *dir = rc == 0 ? paths_state_dir("undo", &lost) : NULL;
    if (dir != NULL) {
        st.path = paths_key_file(dir, recorder_id(rec), ".jsonl");
        changes_undo_outcome(&st, changes_select, changes_outcome(ev), false,
                             &lost);
        free(st.path);
    }
    free(dir);
    /* An interruption waited for this answer: now that it is recorded,
     * the process ends as the signal asked. */
    if (atomic_fetch_sub(&changes_flying, 1) == 1 &&
        changes_pending_signal != 0) {
        fprintf(stderr,
                "modecon: the MODE SELECT's outcome (%s) is in the audit "
                "log; stopping as asked\n",
                changes_outcome(ev));
        fflush(NULL);
        changes_die(changes_pending_signal);
    }
    return rc;
}

void
changes_watch(struct cmd_ctx *ctx, struct recorder *rec)
{
    struct recorder_hooks hooks = {
        .before_select = changes_before_select,
        .after_select = changes_after_select,
        .arg = ctx,
    };
    recorder_set_hooks(rec, &hooks);
}
