#include "cmd/changes.h"

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
#include "cmd/journal.h"
#include "engine/errfmt.h"
#include "util/atomicfile.h"
#include "util/hex.h"
#include "util/hresult.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/xmalloc.h"

/* Bytes: 32 changes of pages up to 64 KiB, three hex copies of each. */
#define UNDO_FILE_MAX (32u * 3 * 3 * 65540 + 65536)

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

/* 'value' as JSON text ending in a newline, of *len bytes; 'value' is
 * released.  jansson fails only without memory, which ends modecon as
 * xmalloc does. */
static char *
changes_json_line(json_t *value, size_t flags, size_t *len)
{
    char *text = json_dumps(value, flags);

    json_decref(value);
    if (text == NULL) {
        fputs("modecon: out of memory writing JSON\n", stderr);
        abort();
    }
    *len = strlen(text);
    text = xrealloc(text, *len + 2);
    memcpy(text + (*len)++, "\n", 2);
    return text;
}

/* ---- The undo stack ---------------------------------------------------- */

static void
undo_change_fini(struct undo_change *c)
{
    free(c->command);
    free(c->run);
    free(c->uri);
    free(c->before);
    free(c->saved_before);
    free(c->sent);
    for (size_t i = 0; i < c->nothers; i++) {
        free(c->others[i].current);
        free(c->others[i].saved);
    }
    free(c->others);
}

void
undo_stack_free(struct undo_stack *st)
{
    for (size_t i = 0; i < st->count; i++)
        undo_change_fini(&st->changes[i]);
    free(st->changes);
    free(st->path);
    free(st->drive);
    memset(st, 0, sizeof *st);
}

void
undo_stack_drop_last(struct undo_stack *st)
{
    if (st->count == 0)
        return;
    undo_change_fini(&st->changes[--st->count]);
}

/* Two changes of one run of a command; a change without a run (an older
 * record) is a command of its own. */
static bool
undo_same_run(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

const char *
undo_run_name(const struct undo_change *c)
{
    return c->run != NULL ? c->run : c->time;
}

size_t
undo_stack_last_run(const struct undo_stack *st)
{
    size_t n = st->count > 0 ? 1 : 0;

    while (n < st->count && undo_same_run(st->changes[st->count - 1 - n].run,
                                          st->changes[st->count - 1].run))
        n++;
    return n;
}

size_t
undo_stack_runs(const struct undo_stack *st)
{
    size_t runs = 0;

    for (size_t i = 0; i < st->count; i++)
        if (i == 0 ||
            !undo_same_run(st->changes[i - 1].run, st->changes[i].run))
            runs++;
    return runs;
}

/* A string member of change 'i', or an error naming it. */
static const char *
undo_member(const struct undo_stack *st, json_t *change, size_t i,
            const char *key, struct err *err)
{
    const char *text = json_string_value(json_object_get(change, key));
    if (text == NULL)
        err_set(err, E_FAIL, "%s: change %zu: '%s' is missing or not a string",
                st->path, i + 1, key);
    return text;
}

/* A page with its header, PS clear, its length as the header says
 * (SPC-4 7.5.7: two header bytes, four in the sub_page format). */
static bool
undo_whole_page(const uint8_t *page, size_t len)
{
    if (len < 2 || (page[0] & MODE_PAGE_PS))
        return false;
    if (page[0] & MODE_PAGE_SPF)
        return len >= 4 && ((size_t)page[2] << 8 | page[3]) + 4 == len;
    return (size_t)page[1] + 2 == len;
}

/* Bytes of a page's header: two, four in the sub_page format (SPC-4
 * 7.5.7). */
static size_t
undo_header_len(const uint8_t *page)
{
    return (page[0] & MODE_PAGE_SPF) ? 4 : 2;
}

/* Pages 'a' and 'b' are the same page: code, and subpage if any. */
static bool
undo_same_page(const uint8_t *a, const uint8_t *b)
{
    if (((a[0] ^ b[0]) & (MODE_PAGE_CODE | MODE_PAGE_SPF)) != 0)
        return false;
    return !(a[0] & MODE_PAGE_SPF) || a[1] == b[1];
}

static bool
undo_listed(const struct undo_other *others, size_t n, const uint8_t *page)
{
    for (size_t i = 0; i < n; i++)
        if (undo_same_page(others[i].current, page))
            return true;
    return false;
}

/* A saving change's other pages: [{"current": HEX, "saved": HEX}], each
 * a whole page with its header, both of one length. */
static int
undo_parse_others(const struct undo_stack *st, json_t *others, size_t i,
                  struct undo_change *out, struct err *err)
{
    struct err bad;
    size_t k;
    json_t *one;

    if (others == NULL)
        return 0;
    if (!json_is_array(others))
        return err_set(err, E_FAIL,
                       "%s: change %zu: 'also_saved' must be an array",
                       st->path, i + 1);
    out->others = xcalloc(json_array_size(others) + 1, sizeof *out->others);
    json_array_foreach(others, k, one)
    {
        const char *cur = json_string_value(json_object_get(one, "current"));
        const char *sav = json_string_value(json_object_get(one, "saved"));
        struct undo_other *o = &out->others[out->nothers];
        size_t sav_len = 0;
        err_clear(&bad);
        if (cur == NULL || sav == NULL ||
            hex_parse(cur, &o->current, &o->len, &bad) != 0 ||
            hex_parse(sav, &o->saved, &sav_len, &bad) != 0 ||
            sav_len != o->len || !undo_whole_page(o->current, o->len) ||
            memcmp(o->current, o->saved, undo_header_len(o->current)) != 0 ||
            undo_same_page(o->current, out->sent) ||
            undo_listed(out->others, out->nothers, o->current)) {
            free(o->current);
            free(o->saved);
            memset(o, 0, sizeof *o);
            return err_set(err, E_FAIL,
                           "%s: change %zu: also_saved[%zu]: expected "
                           "'current' and 'saved', whole pages in hex of "
                           "one header, each page once and not the page "
                           "changed",
                           st->path, i + 1, k);
        }
        out->nothers++;
    }
    return 0;
}

static int
undo_parse_change(const struct undo_stack *st, json_t *change, size_t i,
                  struct undo_change *out, struct err *err)
{
    const char *when, *command, *uri, *request, *before, *sent;
    size_t before_len = 0;
    struct err bad;

    memset(out, 0, sizeof *out);
    if (!json_is_object(change))
        return err_set(err, E_FAIL, "%s: change %zu is not an object", st->path,
                       i + 1);
    if ((when = undo_member(st, change, i, "time", err)) == NULL ||
        (command = undo_member(st, change, i, "command", err)) == NULL ||
        (uri = undo_member(st, change, i, "uri", err)) == NULL ||
        (request = undo_member(st, change, i, "request", err)) == NULL ||
        (before = undo_member(st, change, i, "before", err)) == NULL ||
        (sent = undo_member(st, change, i, "sent", err)) == NULL)
        return -1;
    /* Older records have none: each change is then a command's own. */
    json_t *run = json_object_get(change, "run");
    if (run != NULL && (!json_is_string(run) || json_string_length(run) == 0))
        return err_set(err, E_FAIL,
                       "%s: change %zu: 'run' must be a string that names "
                       "the command's run",
                       st->path, i + 1);
    err_clear(&bad);
    if (mode_request_parse(request, &out->rt, &bad) != 0 ||
        (out->rt != MODE_REQUEST_CURRENT && out->rt != MODE_REQUEST_SAVED))
        return err_set(err, E_FAIL,
                       "%s: change %zu: request '%s': expected current or "
                       "saved",
                       st->path, i + 1, request);
    if (hex_parse(before, &out->before, &before_len, &bad) != 0 ||
        hex_parse(sent, &out->sent, &out->len, &bad) != 0 ||
        before_len != out->len || !undo_whole_page(out->sent, out->len) ||
        memcmp(out->before, out->sent, undo_header_len(out->sent)) != 0) {
        free(out->before);
        free(out->sent);
        return err_set(err, E_FAIL,
                       "%s: change %zu: 'before' and 'sent' must be whole "
                       "pages in hex with one header",
                       st->path, i + 1);
    }
    const char *saved =
        json_string_value(json_object_get(change, "saved_before"));
    size_t saved_len = 0;
    if (saved != NULL &&
        (hex_parse(saved, &out->saved_before, &saved_len, &bad) != 0 ||
         saved_len != out->len ||
         memcmp(out->saved_before, out->sent, undo_header_len(out->sent)) !=
             0)) {
        free(out->before);
        free(out->saved_before);
        free(out->sent);
        return err_set(err, E_FAIL,
                       "%s: change %zu: 'saved_before' must be a page of the "
                       "same length in hex",
                       st->path, i + 1);
    }
    snprintf(out->time, sizeof out->time, "%s", when);
    out->command = xstrdup(command);
    out->run = run != NULL ? xstrdup(json_string_value(run)) : NULL;
    out->uri = xstrdup(uri);
    if (undo_parse_others(st, json_object_get(change, "also_saved"), i, out,
                          err) != 0) {
        undo_change_fini(out);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

int
undo_stack_parse(struct undo_stack *st, const char *text, struct err *err)
{
    json_error_t jerr;
    json_t *root, *changes;
    int rc = -1;

    root = json_loads(text, 0, &jerr);
    if (root == NULL)
        return err_set(err, E_FAIL, "%s:%d:%d: %s (the undo record is damaged)",
                       st->path, jerr.line, jerr.column, jerr.text);
    /* A record of another version, or of another drive (a file copied
     * or renamed by hand), is not used to change this one. */
    json_t *version = json_object_get(root, "version");
    const char *drive = json_string_value(json_object_get(root, "drive"));
    if (!json_is_integer(version) || json_integer_value(version) != 1) {
        err_set(err, E_FAIL,
                "%s: 'version' must be 1, the only version this modecon "
                "reads",
                st->path);
        goto out;
    }
    if (drive == NULL || strcmp(drive, st->drive) != 0) {
        err_set(err, E_FAIL, "%s: the record is of drive '%s', not '%s'",
                st->path, drive ? drive : "(none)", st->drive);
        goto out;
    }
    changes = json_object_get(root, "changes");
    if (!json_is_array(changes)) {
        err_set(err, E_FAIL, "%s: expected an object with a 'changes' array",
                st->path);
        goto out;
    }
    st->changes = xcalloc(json_array_size(changes) + 1, sizeof *st->changes);
    for (size_t i = 0; i < json_array_size(changes); i++) {
        if (undo_parse_change(st, json_array_get(changes, i), i,
                              &st->changes[st->count], err) != 0)
            goto out;
        st->count++;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int
undo_stack_load(struct recorder *rec, struct undo_stack *st, struct err *err)
{
    char *dir = paths_state_dir("undo", err), *text;

    memset(st, 0, sizeof *st);
    if (dir == NULL)
        return -1;
    st->path = paths_key_file(dir, recorder_id(rec), ".json");
    st->drive = transport_redact(recorder_id(rec));
    free(dir);
    text = atomicfile_read(st->path, UNDO_FILE_MAX, NULL, err);
    if (text == NULL && err->os_errno == ENOENT) {
        err_clear(err);
        return 0;
    }
    if (text == NULL)
        return -1;
    int rc = undo_stack_parse(st, text, err);
    free(text);
    if (rc != 0) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n,
                 "; move it away to go on without it");
    }
    return rc;
}

int
undo_stack_save(const struct undo_stack *st, struct err *err)
{
    json_t *root = json_object(), *changes = json_array();
    char *text;
    int rc;

    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "drive", json_string(st->drive));
    for (size_t i = 0; i < st->count; i++) {
        const struct undo_change *c = &st->changes[i];
        json_t *one = json_object();
        json_object_set_new(one, "time", json_string(c->time));
        json_object_set_new(one, "command", json_string(c->command));
        if (c->run != NULL)
            json_object_set_new(one, "run", json_string(c->run));
        json_object_set_new(one, "uri", json_string(c->uri));
        json_object_set_new(one, "request",
                            json_string(mode_request_name(c->rt)));
        json_object_set_new(one, "before", jsonhex_string(c->before, c->len));
        if (c->saved_before != NULL)
            json_object_set_new(one, "saved_before",
                                jsonhex_string(c->saved_before, c->len));
        json_object_set_new(one, "sent", jsonhex_string(c->sent, c->len));
        if (c->nothers > 0) {
            json_t *others = json_array();
            for (size_t k = 0; k < c->nothers; k++) {
                const struct undo_other *o = &c->others[k];
                json_t *page = json_object();
                json_object_set_new(page, "current",
                                    jsonhex_string(o->current, o->len));
                json_object_set_new(page, "saved",
                                    jsonhex_string(o->saved, o->len));
                json_array_append_new(others, page);
            }
            json_object_set_new(one, "also_saved", others);
        }
        json_array_append_new(changes, one);
    }
    json_object_set_new(root, "changes", changes);
    size_t len;
    text = changes_json_line(root, JSON_INDENT(2), &len);
    rc = atomicfile_write(st->path, text, len, 0600, true, err);
    free(text);
    return rc;
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

/* Push the change about to be sent; the oldest drops off a full stack. */
static int
undo_push(struct cmd_ctx *ctx, struct recorder *rec,
          const struct select_event *ev, struct err *err)
{
    struct undo_stack st;

    /* A page forced through at another length than the drive's has no
     * previous bytes of its own length to go back to. */
    if (ev->rep->before_len != ev->len) {
        cmd_warn(ctx,
                 "warning: not recorded for undo: %zu bytes are sent for "
                 "a %zu-byte page",
                 ev->len, ev->rep->before_len);
        return 0;
    }
    if (undo_stack_load(rec, &st, err) != 0) {
        undo_stack_free(&st);
        return -1;
    }
    /* The oldest command's changes drop off whole, as undo takes them. */
    bool joins =
        st.count > 0 && undo_same_run(st.changes[st.count - 1].run, ctx->run);
    while (undo_stack_runs(&st) + (joins ? 0 : 1) > UNDO_STACK_MAX) {
        const struct undo_change *old = &st.changes[0];
        size_t drop = 1;
        while (drop < st.count &&
               undo_same_run(st.changes[0].run, st.changes[drop].run))
            drop++;
        char page[16], more[48] = "";
        if (old->sent[0] & MODE_PAGE_SPF)
            snprintf(page, sizeof page, "0x%02x,0x%02x",
                     old->sent[0] & MODE_PAGE_CODE, old->sent[1]);
        else
            snprintf(page, sizeof page, "0x%02x",
                     old->sent[0] & MODE_PAGE_CODE);
        if (drop > 1)
            snprintf(more, sizeof more, " and %zu more MODE SELECT%s", drop - 1,
                     drop == 2 ? "" : "s");
        cmd_warn(ctx,
                 "note: the undo record keeps the changes of the last %d "
                 "commands on a drive: '%s' of page %s%s at %s can no "
                 "longer be undone",
                 UNDO_STACK_MAX, old->command, page, more, old->time);
        for (size_t k = 0; k < drop; k++)
            undo_change_fini(&st.changes[k]);
        memmove(st.changes, st.changes + drop,
                (st.count - drop) * sizeof *st.changes);
        st.count -= drop;
    }
    st.changes = xrealloc(st.changes, (st.count + 1) * sizeof *st.changes);
    struct undo_change *c = &st.changes[st.count++];
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
    int rc = 0;
    if (ev->rt == MODE_REQUEST_SAVED)
        rc = changes_saving_others(rec, ev->page[0] & MODE_PAGE_CODE,
                                   (ev->page[0] & MODE_PAGE_SPF) ? ev->page[1]
                                                                 : 0,
                                   &c->others, &c->nothers, err);
    if (rc == 0)
        rc = undo_stack_save(&st, err);
    undo_stack_free(&st);
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

static json_t *
changes_audit_record(struct cmd_ctx *ctx, struct recorder *rec,
                     const struct select_event *ev)
{
    const struct set_report *rep = ev->rep;
    const struct err *result = ev->result;
    char when[40], value[16];
    json_t *rec_json = json_object(), *drive = json_object();
    changes_now(when, sizeof when, true);
    json_object_set_new(rec_json, "time", json_string(when));
    json_object_set_new(rec_json, "pid", json_integer((json_int_t)getpid()));
    json_object_set_new(rec_json, "command", json_string(ctx->client));

    char *uri = transport_redact(recorder_name(rec));
    char *drive_id = transport_redact(recorder_id(rec));
    json_object_set_new(drive, "uri", json_string(uri));
    json_object_set_new(drive, "id", json_string(drive_id));
    free(uri);
    free(drive_id);
    /* The identity as the drive answered before the change; a drive gone
     * since is recorded without it. */
    const struct scsi_identity *id = recorder_known_identity(rec);
    if (id != NULL) {
        json_object_set_new(drive, "vendor", json_string(id->vendor));
        json_object_set_new(drive, "product", json_string(id->product));
        json_object_set_new(drive, "revision", json_string(id->revision));
    }
    json_object_set_new(rec_json, "drive", drive);

    snprintf(value, sizeof value, "0x%02x", ev->page[0] & MODE_PAGE_CODE);
    json_object_set_new(rec_json, "page", json_string(value));
    snprintf(value, sizeof value, "0x%02x",
             (ev->page[0] & MODE_PAGE_SPF) ? ev->page[1] : 0);
    json_object_set_new(rec_json, "subpage", json_string(value));
    json_object_set_new(rec_json, "request",
                        json_string(mode_request_name(ev->rt)));
    json_object_set_new(rec_json, "before",
                        jsonhex_string(rep->before, rep->before_len));
    json_object_set_new(rec_json, "after",
                        rep->after ? jsonhex_string(rep->after, rep->after_len)
                                   : json_null());
    json_object_set_new(rec_json, "cdb",
                        jsonhex_string(rep->cdb, sizeof rep->cdb));
    json_object_set_new(rec_json, "parameter_list",
                        jsonhex_string(rep->param_list, rep->param_len));
    json_object_set_new(rec_json, "hresult",
                        json_string(hresult_name(result->hr)));
    snprintf(value, sizeof value, "0x%08X", result->hr);
    json_object_set_new(rec_json, "hresult_value", json_string(value));
    json_object_set_new(rec_json, "message",
                        err_is_set(result) ? json_string(result->msg)
                                           : json_null());
    bool sensed = result->has_scsi && result->sense_len > 0;
    char sense_text[ERR_MSG_MAX];
    json_object_set_new(rec_json, "sense",
                        sensed
                            ? jsonhex_string(result->sense, result->sense_len)
                            : json_null());
    json_object_set_new(rec_json, "sense_text",
                        sensed ? json_string(errfmt_sense(result, sense_text,
                                                          sizeof sense_text))
                               : json_null());
    json_object_set_new(rec_json, "verification",
                        json_string(changes_outcome(ev)));
    json_object_set_new(rec_json, "readback_error",
                        ev->readback != NULL && err_is_set(ev->readback)
                            ? json_string(ev->readback->msg)
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
    json_object_set_new(rec_json, "not_applied", missing);
    return rec_json;
}

char *
changes_audit_path(struct err *err)
{
    char *dir = paths_state_dir(NULL, err);
    char *path = dir ? xasprintf("%s/audit.jsonl", dir) : NULL;

    free(dir);
    return path;
}

/* Whether a line could be appended now: checked before a MODE SELECT, so
 * that no change goes out that the log cannot hold. */
static int
changes_audit_writable(struct err *err)
{
    char *path = changes_audit_path(err);

    if (path == NULL)
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        err_set(err, E_FAIL, "the audit log %s cannot be written: %s", path,
                strerror(e));
        err->os_errno = e;
    } else {
        close(fd);
    }
    free(path);
    return fd < 0 ? -1 : 0;
}

static int
changes_audit_append(struct cmd_ctx *ctx, struct recorder *rec,
                     const struct select_event *ev, struct err *err)
{
    char *path = changes_audit_path(err);

    if (path == NULL)
        return -1;
    json_t *record = changes_audit_record(ctx, rec, ev);
    size_t len;
    char *text = changes_json_line(record, JSON_COMPACT, &len);
    int rc = atomicfile_append(path, text, len, err);
    free(text);
    free(path);
    return rc;
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

/* ---- The hooks --------------------------------------------------------- */

static int
changes_before_select(void *arg, struct recorder *rec,
                      const struct select_event *ev, struct err *err)
{
    struct cmd_ctx *ctx = arg;
    struct scsi_identity id;
    struct err ignored;

    /* The identity for the audit line, asked while the drive answers. */
    err_clear(&ignored);
    if (recorder_known_identity(rec) == NULL)
        recorder_inquiry(rec, &id, &ignored);
    if (changes_audit_writable(err) != 0) {
        err_prefix(err, "page 0x%02x: nothing was sent",
                   ev->page[0] & MODE_PAGE_CODE);
        return -1;
    }
    if (!ctx->undoing && undo_push(ctx, rec, ev, err) != 0) {
        err_prefix(err,
                   "page 0x%02x: the page's previous bytes could not be "
                   "recorded for undo, so nothing was sent",
                   ev->page[0] & MODE_PAGE_CODE);
        return -1;
    }
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
     * page with it before it sends anything. */
    int rc = changes_audit_append(ctx, rec, ev, err);
    if (rc != 0)
        err_prefix(err,
                   "%s: the audit log could not be written (the change: %s)",
                   recorder_name(rec), changes_outcome(ev));
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
