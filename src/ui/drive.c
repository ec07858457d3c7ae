#include "ui/drive.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/edit.h"
#include "cmd/line.h"
#include "engine/pagenames.h"
#include "transport/transport.h"
#include "util/xmalloc.h"

static void
drive_lines_free(struct drive_snapshot *snap)
{
    for (size_t i = 0; i < snap->nlines; i++) {
        free(snap->lines[i].text);
        free(snap->lines[i].drive);
    }
    free(snap->lines);
    snap->lines = NULL;
    snap->nlines = 0;
}

/* The page's staged edit, if any, dropped. */
static void
drive_stage_free(struct drive_snapshot *snap)
{
    free(snap->staged);
    snap->staged = NULL;
    for (int i = 0; i < snap->nstage_words; i++)
        free(snap->stage_words[i]);
    free(snap->stage_words);
    snap->stage_words = NULL;
    free(snap->stage_forced);
    snap->stage_forced = NULL;
    snap->nstage_words = 0;
}

static void
drive_page_free(struct drive_snapshot *snap)
{
    for (int pc = 0; pc < 4; pc++) {
        free(snap->values[pc]);
        snap->values[pc] = NULL;
        snap->lens[pc] = 0;
    }
    drive_stage_free(snap);
    snap->has_page = false;
    snap->pd = NULL;
}

/* Forget what changed outside: the marks go. */
static void
drive_forget_changes(struct drive_snapshot *snap)
{
    for (int pc = 0; pc < 4; pc++) {
        free(snap->changed_from[pc]);
        snap->changed_from[pc] = NULL;
        snap->changed_from_lens[pc] = 0;
    }
}

/* Seconds on the monotonic clock, as worker_now. */
static double
drive_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
drive_snapshot_init(struct drive_snapshot *snap, const char *uri)
{
    memset(snap, 0, sizeof *snap);
    snap->uri = xstrdup(uri);
    snap->progress = -1;
    err_clear(&snap->media_error);
    snprintf(snap->scheme, sizeof snap->scheme, "%s", transport_scheme(uri));
}

void
drive_snapshot_free(struct drive_snapshot *snap)
{
    drive_lines_free(snap);
    drive_page_free(snap);
    drive_forget_changes(snap);
    free(snap->pages);
    free(snap->uri);
    memset(snap, 0, sizeof *snap);
}

static void *
drive_dup(const void *p, size_t len)
{
    if (p == NULL)
        return NULL;
    void *q = xmalloc(len ? len : 1);
    memcpy(q, p, len);
    return q;
}

void
drive_snapshot_copy(struct drive_snapshot *dst,
                    const struct drive_snapshot *src)
{
    *dst = *src;
    dst->uri = src->uri ? xstrdup(src->uri) : NULL;
    dst->pages = drive_dup(src->pages, src->npages * sizeof *src->pages);
    for (int pc = 0; pc < 4; pc++)
        dst->values[pc] = drive_dup(src->values[pc], src->lens[pc]);
    dst->staged = drive_dup(src->staged, src->lens[MODE_REQUEST_CURRENT]);
    for (int pc = 0; pc < 4; pc++)
        dst->changed_from[pc] =
            drive_dup(src->changed_from[pc], src->changed_from_lens[pc]);
    dst->stage_words = NULL;
    dst->stage_forced = NULL;
    if (src->nstage_words > 0) {
        dst->stage_words =
            xcalloc((size_t)src->nstage_words, sizeof *dst->stage_words);
        for (int i = 0; i < src->nstage_words; i++)
            dst->stage_words[i] = xstrdup(src->stage_words[i]);
        dst->stage_forced = drive_dup(src->stage_forced,
                                      (size_t)src->nstage_words * sizeof(bool));
    }
    dst->lines = NULL;
    if (src->nlines > 0) {
        dst->lines = xcalloc(src->nlines, sizeof *dst->lines);
        for (size_t i = 0; i < src->nlines; i++) {
            dst->lines[i].is_error = src->lines[i].is_error;
            dst->lines[i].text = xstrdup(src->lines[i].text);
            dst->lines[i].drive =
                src->lines[i].drive ? xstrdup(src->lines[i].drive) : NULL;
        }
    }
}

/* A command's text may hold several lines (a hex dump): one entry each. */
static void
drive_add_line(struct drive_session *ds, bool is_error, const char *text)
{
    struct drive_snapshot *snap = &ds->snap;
    const char *named = ds->ctx.running_drive;
    bool other = named != NULL && strcmp(named, snap->uri) != 0;

    do {
        size_t len = strcspn(text, "\n");
        snap->lines =
            xrealloc(snap->lines, (snap->nlines + 1) * sizeof *snap->lines);
        snap->lines[snap->nlines].is_error = is_error;
        snap->lines[snap->nlines].text = xstrndup(text, len);
        snap->lines[snap->nlines].drive =
            other ? transport_redact(named) : NULL;
        snap->nlines++;
        text += len;
    } while (*text++ != '\0' && *text != '\0');
}

static void
drive_out(void *arg, const char *text)
{
    drive_add_line(arg, false, text);
}

static void
drive_err(void *arg, const char *text)
{
    drive_add_line(arg, true, text);
}

/* The console has no standard input to give: 'set --data -' is for
 * scripts. */
static char *
drive_no_input(void *arg, struct err *err)
{
    (void)arg;
    err_usage(err, "the console has no standard input: give the data in the "
                   "command");
    return NULL;
}

bool
drive_snapshot_savable(const struct drive_snapshot *snap)
{
    const uint8_t *cur = snap->values[MODE_REQUEST_CURRENT];

    return snap->has_page && cur != NULL && (cur[0] & MODE_PAGE_PS) != 0;
}

void
drive_session_init(struct drive_session *ds, const char *uri,
                   const struct cmd_ctx *global)
{
    memset(ds, 0, sizeof *ds);
    ds->output =
        (struct cmd_output){ drive_out, drive_err, drive_no_input, ds, NULL };
    cmd_ctx_init(&ds->ctx, &ds->output);
    ds->ctx.front = "console";
    if (global != NULL) {
        ds->ctx.recorder.timeout_ms = global->recorder.timeout_ms;
        ds->ctx.recorder.ready_wait_ms = global->recorder.ready_wait_ms;
        ds->ctx.trace_path = global->trace_path;
    }
    ds->ctx.selected_drive = xstrdup(uri);
    drive_snapshot_init(&ds->snap, uri);
}

void
drive_session_fini(struct drive_session *ds)
{
    cmd_ctx_fini(&ds->ctx);
    drive_snapshot_free(&ds->snap);
}

static void
drive_fail(struct drive_session *ds, const struct err *err)
{
    cmd_error(&ds->ctx, err); /* the lines, and ctx.last_error */
    ds->snap.failed = true;
    ds->snap.error = *err;
}

static void
drive_begin(struct drive_session *ds)
{
    drive_lines_free(&ds->snap);
    ds->snap.failed = false;
    ds->snap.status = CMD_OK;
    err_clear(&ds->snap.error);
}

static void drive_load_page(struct drive_session *ds, bool own_change);

/* The page the staged edits are for, as every message names a page
 * (0x05), however it was typed; as typed when it does not parse. */
static void
drive_pending_page(struct drive_session *ds)
{
    const char *page = ds->ctx.stage_page != NULL ? ds->ctx.stage_page : "";
    uint8_t code, subpage;
    struct err err;

    err_clear(&err);
    if (page[0] != '\0' && pagenames_parse(cmd_pagedb(&ds->ctx), page, &code,
                                           &subpage, &err) == 0) {
        char text[PAGENAMES_CODE_LEN];
        pagenames_code(code, subpage, text);
        snprintf(ds->snap.pending_page, sizeof ds->snap.pending_page, "%s",
                 text);
        return;
    }
    snprintf(ds->snap.pending_page, sizeof ds->snap.pending_page, "%s", page);
}

void
drive_session_identify(struct drive_session *ds)
{
    struct recorder *rec;
    struct err err;

    drive_begin(ds);
    err_clear(&err);
    free(ds->snap.pages);
    ds->snap.pages = NULL;
    ds->snap.npages = 0;
    ds->snap.pages_known = false;
    if (cmd_open_drive(&ds->ctx, ds->snap.uri, &rec, &err) != 0 ||
        recorder_inquiry(rec, &ds->snap.id, &err) != 0) {
        drive_fail(ds, &err);
        return;
    }
    ds->snap.identified = true;
    if (recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT,
                                          &ds->snap.pages, &ds->snap.npages,
                                          &err) != 0) {
        drive_fail(ds, &err);
        return;
    }
    ds->snap.pages_known = true;
    drive_session_poll(ds);
    /* A drive identified late (it was busy, or its file broken, when the
     * console opened) shows the page asked for meanwhile. */
    if (ds->ctx.selected_page != NULL)
        drive_load_page(ds, false);
}

bool
drive_session_known(const struct drive_session *ds)
{
    return ds->snap.identified && ds->snap.pages_known;
}

bool
drive_session_poll(struct drive_session *ds)
{
    struct drive_snapshot *snap = &ds->snap;
    struct recorder *rec;
    enum media_state state = MEDIA_UNKNOWN;
    int progress = -1;
    struct err err;

    err_clear(&err);
    if (cmd_open_drive(&ds->ctx, snap->uri, &rec, &err) != 0 ||
        recorder_media_state(rec, &state, &progress, &err) != 0)
        state = MEDIA_UNKNOWN;
    bool changed = !snap->media_known || snap->media != state ||
                   snap->progress != progress || snap->media_error.hr != err.hr;
    snap->media_known = true;
    snap->media = state;
    snap->progress = progress;
    snap->media_error = err;
    return changed;
}

/* The staged words apply to this drive and the page shown. */
static bool
drive_stage_applies(struct drive_session *ds)
{
    struct cmd_ctx *ctx = &ds->ctx;
    uint8_t code, subpage;
    struct err err;

    err_clear(&err);
    return ctx->stage_nwords > 0 && ctx->stage_drive != NULL &&
           ctx->stage_page != NULL &&
           strcmp(ctx->stage_drive, ds->snap.uri) == 0 &&
           pagenames_parse(cmd_pagedb(ctx), ctx->stage_page, &code, &subpage,
                           &err) == 0 &&
           code == ds->snap.code && subpage == ds->snap.subpage;
}

/* Read the selected page under the four page controls, and apply the
 * staged edits to its current values. */
static void
drive_read_page(struct drive_session *ds)
{
    struct drive_snapshot *snap = &ds->snap;
    struct cmd_ctx *ctx = &ds->ctx;
    struct recorder *rec;
    struct err err;

    drive_page_free(snap);
    if (ctx->selected_page == NULL)
        return;
    err_clear(&err);
    if (cmd_open_page(ctx, snap->uri, ctx->selected_page, &rec, &snap->code,
                      &snap->subpage, &snap->pd, &err) != 0) {
        drive_fail(ds, &err);
        return;
    }
    snap->has_page = true;
    for (int pc = 0; pc < 4; pc++) {
        err_clear(&err);
        if (recorder_get_mode_page(rec, snap->code, snap->subpage, pc,
                                   &snap->values[pc], &snap->lens[pc],
                                   &err) == 0)
            continue;
        snap->values[pc] = NULL;
        /* A drive without saved or default values is not failing. */
        if (pc == MODE_REQUEST_CURRENT ||
            err.hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
            drive_fail(ds, &err);
            return;
        }
    }
    if (!drive_stage_applies(ds))
        return;
    struct edit_plan plan;
    size_t nlines = snap->nlines;
    err_clear(&err);
    /* The edits were checked when staged ('edit --force' may have staged
     * a locked field): here they are only applied, and their warnings,
     * given then, are not repeated. */
    /* On the values just read, which the commit then sends them on: a
     * change made outside since the edit shows, and is not refused. */
    if (edit_plan_build_on(
            ctx, snap->uri, ctx->stage_page, snap->values[MODE_REQUEST_CURRENT],
            snap->lens[MODE_REQUEST_CURRENT], ctx->stage_words,
            ctx->stage_nwords, 0, true, NULL, &plan, &err) == 0 &&
        plan.len == snap->lens[MODE_REQUEST_CURRENT]) {
        edit_plan_keep_base(ctx, &plan);
        snap->staged = plan.page;
        plan.page = NULL;
    }
    edit_plan_free(&plan);
    while (snap->nlines > nlines)
        free(snap->lines[--snap->nlines].text);
    snap->nstage_words = ctx->stage_nwords;
    snap->stage_words = xcalloc((size_t)ctx->stage_nwords, sizeof(char *));
    snap->stage_forced = xcalloc((size_t)ctx->stage_nwords, sizeof(bool));
    for (int i = 0; i < ctx->stage_nwords; i++) {
        snap->stage_words[i] = xstrdup(ctx->stage_words[i]);
        snap->stage_forced[i] =
            ctx->stage_forced != NULL && ctx->stage_forced[i];
    }
}

/* Two reads of a page's values differ. */
static bool
drive_values_differ(const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen)
{
    /* Values that could not be read (a time-out, a saved read refused)
     * say nothing of a change: only two reads that answered are
     * compared. */
    if (a == NULL || b == NULL)
        return false;
    return alen != blen || memcmp(a, b, alen) != 0;
}

/* The page controls whose changes are marked: those another initiator's
 * MODE SELECT or a power cycle can change (SPC-4 6.11). */
static const int drive_watched[] = { MODE_REQUEST_CURRENT, MODE_REQUEST_SAVED };

/* Read the selected page again.  When it is the page shown before and
 * its values changed although this session sent no MODE SELECT since
 * ('own_change' says it just did), someone else changed them: the values
 * before are kept for the screen to mark what changed. */
static void
drive_load_page(struct drive_session *ds, bool own_change)
{
    struct drive_snapshot *snap = &ds->snap;
    uint8_t *before[4] = { NULL };
    size_t before_lens[4] = { 0 };
    bool had = snap->has_page;
    uint8_t code = snap->code, subpage = snap->subpage;
    struct recorder *rec;
    struct err err;

    for (size_t k = 0; had && k < 2; k++) {
        int pc = drive_watched[k];
        before[pc] = snap->values[pc];
        before_lens[pc] = snap->lens[pc];
        snap->values[pc] = NULL;
    }
    err_clear(&err);
    /* A UNIT ATTENTION from now on is news this read may not hold. */
    if (cmd_open_drive(&ds->ctx, snap->uri, &rec, &err) == 0)
        ds->attentions = recorder_mode_attentions(rec);
    drive_read_page(ds);
    const uint8_t *cur = snap->values[MODE_REQUEST_CURRENT];
    bool same_page =
        had && snap->has_page && snap->code == code && snap->subpage == subpage;
    own_change = own_change || ds->own_change_unread;
    if (!same_page || own_change) {
        /* Another page, or this console's own change: nothing to mark. */
        drive_forget_changes(snap);
        ds->own_change_unread = own_change && cur == NULL;
    } else if (cur != NULL) {
        bool changed = false;
        for (size_t k = 0; k < 2; k++) {
            int pc = drive_watched[k];
            changed = changed ||
                      drive_values_differ(before[pc], before_lens[pc],
                                          snap->values[pc], snap->lens[pc]);
        }
        if (changed) {
            drive_forget_changes(snap);
            for (int pc = 0; pc < 4; pc++) {
                snap->changed_from[pc] = before[pc];
                snap->changed_from_lens[pc] = before_lens[pc];
                before[pc] = NULL;
            }
            snap->outside_changes++;
        }
    }
    for (int pc = 0; pc < 4; pc++)
        free(before[pc]);
    if (cur != NULL)
        snap->read_at = drive_now();
}

/* After this session's own verified change of the current values of the
 * page in view, with nothing staged any more: the page as read back to
 * verify it, instead of asking the drive again.  Its other values stay
 * as shown: a MODE SELECT of current values changes no changeable,
 * default or saved value (SPC-4 6.11).  False when that does not apply,
 * and the page is read. */
static bool
drive_take_read_back(struct drive_session *ds)
{
    struct drive_snapshot *snap = &ds->snap;
    struct cmd_read_back *rb = &ds->ctx.read_back;
    struct recorder *rec;
    uint8_t code, subpage;
    struct err err;

    err_clear(&err);
    if (rb->current == NULL || rb->rt != MODE_REQUEST_CURRENT ||
        !snap->has_page || snap->values[MODE_REQUEST_CURRENT] == NULL ||
        rb->len != snap->lens[MODE_REQUEST_CURRENT] ||
        ds->ctx.stage_nwords > 0 || ds->ctx.selected_page == NULL ||
        pagenames_parse(cmd_pagedb(&ds->ctx), ds->ctx.selected_page, &code,
                        &subpage, &err) != 0 ||
        code != snap->code || subpage != snap->subpage ||
        cmd_open_drive(&ds->ctx, snap->uri, &rec, &err) != 0 || rec != rb->rec)
        return false;
    struct mode_page_header h = mode_page_header_decode(rb->current, rb->len);
    if (h.code != code || h.subpage != subpage)
        return false;
    free(snap->values[MODE_REQUEST_CURRENT]);
    snap->values[MODE_REQUEST_CURRENT] = rb->current;
    rb->current = NULL;
    drive_stage_free(snap);
    drive_forget_changes(snap);
    ds->own_change_unread = false;
    ds->attentions = recorder_mode_attentions(rec);
    snap->read_at = drive_now();
    return true;
}

bool
drive_session_attention(struct drive_session *ds)
{
    struct recorder *rec;
    struct err err;

    err_clear(&err);
    return ds->snap.has_page &&
           cmd_open_drive(&ds->ctx, ds->snap.uri, &rec, &err) == 0 &&
           recorder_mode_attentions(rec) != ds->attentions;
}

bool
drive_session_reload(struct drive_session *ds)
{
    struct drive_snapshot *snap = &ds->snap;
    uint8_t *now[4] = { NULL };
    size_t lens[4] = { 0 };
    struct recorder *rec;
    struct err err;
    bool answered = true, differ = false;

    if (!snap->has_page || ds->ctx.selected_page == NULL)
        return false;
    err_clear(&err);
    if (cmd_open_drive(&ds->ctx, snap->uri, &rec, &err) != 0)
        return false;
    unsigned long attentions = recorder_mode_attentions(rec);
    for (size_t k = 0; k < 2 && answered; k++) {
        int pc = drive_watched[k];
        err_clear(&err);
        if (recorder_get_mode_page(rec, snap->code, snap->subpage, pc, &now[pc],
                                   &lens[pc], &err) != 0) {
            now[pc] = NULL;
            /* A drive without saved values is answering. */
            answered = pc != MODE_REQUEST_CURRENT &&
                       err.hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE;
        }
        differ = differ || drive_values_differ(snap->values[pc], snap->lens[pc],
                                               now[pc], lens[pc]);
    }
    for (int pc = 0; pc < 4; pc++)
        free(now[pc]);
    if (!answered)
        return false;
    if (differ) {
        /* All of it again, the staged edits applied to the new values. */
        drive_load_page(ds, false);
        return true;
    }
    ds->attentions = attentions;
    snap->read_at = drive_now();
    return true;
}

void
drive_session_run(struct drive_session *ds, const char *line, bool read_page)
{
    drive_begin(ds);
    err_clear(&ds->ctx.last_error);
    struct recorder *rec = NULL;
    struct err err;
    err_clear(&err);
    /* Only a change this session's own drive took counts (the drive is
     * open from its first job on). */
    cmd_open_drive(&ds->ctx, ds->snap.uri, &rec, &err);
    unsigned long changes = rec ? cmd_drive_changes(&ds->ctx, rec) : 0;
    enum cmd_status status = cmd_run_line(&ds->ctx, line);
    ds->snap.status = status;
    unsigned long sent = rec ? cmd_drive_changes(&ds->ctx, rec) - changes : 0;
    ds->snap.sent_select = sent > 0;
    ds->snap.pending_edits = ds->ctx.stage_nwords;
    snprintf(ds->snap.undo_shown, sizeof ds->snap.undo_shown, "%s",
             ds->ctx.undo_shown);
    drive_pending_page(ds);
    /* The session's commands go to its own drive: an 'open' inside a
     * longer line would send the next ones to a drive out of view. */
    if (ds->ctx.selected_drive == NULL ||
        strcmp(ds->ctx.selected_drive, ds->snap.uri) != 0) {
        drive_add_line(ds, true,
                       "open: the console's commands go to the drive in view; "
                       "select another in the Drives list");
        free(ds->ctx.selected_drive);
        ds->ctx.selected_drive = xstrdup(ds->snap.uri);
    }
    if (status != CMD_OK && ds->ctx.last_error.hr != 0) {
        ds->snap.failed = true;
        ds->snap.error = ds->ctx.last_error;
        /* A drive that failed is not asked again at once: one that hangs
         * would hold the console's view of it for another time-out. */
        if (!ds->ctx.last_error.usage) {
            /* A change it made, unread: not to be taken for another's. */
            ds->own_change_unread =
                ds->own_change_unread || ds->snap.sent_select;
            return;
        }
    }
    /* A dry run leaves the page as it was read; anything that went out
     * is read back all the same. */
    /* One MODE SELECT: a command of several (a restore's passes) may
     * have changed the page's saved values before its last. */
    if (sent == 1 && drive_take_read_back(ds))
        return;
    if (read_page || ds->snap.sent_select)
        drive_load_page(ds, ds->snap.sent_select);
}
