#include "cmd/changes-undo.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/changes-audit.h"
#include "cmd/changes-saving.h"
#include "cmd/output.h"
#include "engine/scsi.h"
#include "transport/transport.h"
#include "util/applog.h"
#include "util/hex.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* Bytes of the audit log's end searched for a MODE SELECT's lines when
 * its process ended before it recorded the outcome: the lines of all
 * drives since, which a process that opens a drive soon after finds. */
#define CHANGES_AUDIT_TAIL (8u << 20)


/* ---- The intent of a MODE SELECT ----------------------------------------- */

/* The page's name in messages: "0x08" or "0x08,0x01". */
void
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
    struct mode_page_header head = mode_page_header_decode(ev->page, ev->len);
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    struct err ignored;
    err_clear(&ignored);
    if (ev->rt == MODE_REQUEST_SAVED &&
        recorder_get_mode_page(rec, head.code, head.subpage, MODE_REQUEST_SAVED,
                               &saved, &saved_len, &ignored) == 0 &&
        saved_len == ev->len) {
        c->saved_before = saved;
        c->saved_before[0] &= (uint8_t)~MODE_PAGE_PS;
    } else {
        free(saved);
    }
    if (ev->rt == MODE_REQUEST_SAVED)
        return changes_saving_others(rec, head.code, head.subpage, &c->others,
                                     &c->nothers, err);
    return 0;
}

/* The intent line of the undo record for the MODE SELECT 'ev' (with the
 * lines of changes that drop off before it): a change's, an undo's, or
 * one that cannot be undone. */
char *
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
int
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
     * a lost line here is found there again (changes_load). */
    int rc = applog_append(st->path, text, len, false, err);
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
    struct mode_page_header head = mode_page_header_decode(sent, sent_len);
    uint8_t code = head.code, subpage = head.subpage;
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

/* The audit line's members of a pending intent, as the undo record holds
 * it: the MODE SELECT built again from the page it sent (its parameter
 * list, returned new, and its CDB in 'io', which 'a' points into). */
static uint8_t *
changes_pending_select(const struct changes_pending *pi, struct scsi_io *io,
                       struct audit_select *a)
{
    size_t param_len = MODE_HEADER10_LEN + pi->sent_len;
    uint8_t *param = xcalloc(1, param_len);

    memcpy(param + MODE_HEADER10_LEN, pi->sent, pi->sent_len);
    param[MODE_HEADER10_LEN] &= (uint8_t)~MODE_PAGE_PS;
    scsi_build_mode_select10(io, pi->rt == MODE_REQUEST_SAVED, param,
                             (uint16_t)param_len);
    json_t *pid = json_object_get(pi->in, "pid");
    *a = (struct audit_select){
        .event = "intent",
        .select = pi->select,
        .time = NULL,
        .pid = json_is_integer(pid) ? (long)json_integer_value(pid) : 0,
        .command = json_string_value(json_object_get(pi->in, "command")),
        .run = json_string_value(json_object_get(pi->in, "run")),
        .rt = pi->rt,
        .before = pi->before,
        .before_len = pi->before_len,
        .cdb = io->cdb,
        .param_list = param,
        .param_len = param_len,
        .undo_of = json_string_value(json_object_get(pi->in, "undo_of")),
        .recovered = true,
    };
    if (a->command == NULL)
        a->command = "modecon";
    return param;
}

/* The outcome line of a pending intent, found by reading the page back:
 * as its intent in the audit log has it ('audit_intent', taken), or
 * built from 'a'. */
static json_t *
changes_recovered_outcome(struct recorder *rec, struct audit_select *a,
                          json_t *audit_intent, const uint8_t *cur,
                          size_t cur_len, const char *verdict,
                          const struct err *readback)
{
    char when[40];

    a->event = "outcome";
    json_t *outcome = audit_intent != NULL ? json_deep_copy(audit_intent)
                                           : changes_audit_common(rec, a);
    json_decref(audit_intent);
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
    return outcome;
}

/* The audit log's lines for 'pi', as they would have been: the intent
 * too, where it was lost with the process, and the outcome found. */
static char *
changes_pending_lines(struct recorder *rec, const struct changes_pending *pi,
                      const char *tail, const uint8_t *cur, size_t cur_len,
                      const char *verdict, const struct err *readback,
                      size_t *len_out)
{
    struct scsi_io io = { 0 };
    struct audit_select a;
    uint8_t *param = changes_pending_select(pi, &io, &a);
    json_t *audit_intent = changes_audit_find(tail, pi->select, "intent");
    char *lines = xstrdup("");
    size_t len = 0;

    if (audit_intent == NULL) {
        /* Its time is the intent's, kept in the undo record. */
        a.time = json_string_value(json_object_get(pi->in, "time"));
        free(lines);
        lines = undo_json_line(changes_audit_common(rec, &a), &len);
        a.time = NULL;
    }
    json_t *outcome = changes_recovered_outcome(rec, &a, audit_intent, cur,
                                                cur_len, verdict, readback);
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
