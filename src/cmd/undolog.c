/*
 * A drive's undo record: an append-only log of JSON lines, one file per
 * drive ($XDG_STATE_HOME/modecon/undo/KEY.jsonl).
 *
 *   {"version": 2, "drive": ID}                  the first line
 *   {"intent": SELECT, "pid", "time", "command", "run", "uri", "request",
 *    "before", "saved_before", "sent", "also_saved"}
 *                                                before a change's MODE SELECT
 *   {"intent": SELECT, ..., "undo_of": SELECT}   before one of an undo
 *   {"intent": SELECT, ..., "undoable": false}   a page of another length
 *   {"outcome": SELECT, "verification", "recovered"}   after its answer
 *   {"undone": SELECT}                           a change put back
 *   {"dropped": SELECT}                          beyond the last 32 commands
 *
 * The stack of changes is the intents of changes neither undone nor
 * dropped.  Each MODE SELECT appends a line or two, never rewrites: the
 * cost of a change does not grow with the record.  The file is rewritten
 * (atomically) only when it holds well over what undo needs, at least
 * twice the lines it keeps and 8 times the 32-command limit's worth more,
 * so that each rewrite is paid for by as many appends as it copies
 * lines: O(1) per MODE SELECT, amortised.
 */
#include "cmd/undolog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/applog.h"
#include "util/atomicfile.h"
#include "util/hex.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/statefile.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* Bytes of a version 1 record: 32 changes of pages up to 64 KiB, three
 * hex copies of each. */
#define UNDO_FILE_MAX (32u * 3 * 3 * 65540 + 65536)
/* Bytes of a log: what compaction keeps, twice, and the slack. */
#define UNDO_LOG_MAX (16u * UNDO_FILE_MAX)
/* Lines beyond twice those kept before the record is rewritten. */
#define UNDO_LOG_SLACK (8u * UNDO_STACK_MAX)

enum undo_kind {
    UNDO_INTENT,     /* of a change, on the stack until undone */
    UNDO_STEP,       /* of an undo */
    UNDO_UNRECORDED, /* of a change that cannot be undone */
    UNDO_OUTCOME,
    UNDO_UNDONE,
    UNDO_DROPPED,
};

struct undo_line {
    enum undo_kind kind;
    char *id;      /* the MODE SELECT it is about */
    char *undo_of; /* UNDO_STEP: the change it undoes */
    char *text;    /* the line with its newline */
    size_t len;
    size_t lineno;
    bool resolved;   /* an intent whose outcome is on record */
    bool kept;       /* needed by undo: kept when the record is rewritten */
    bool not_sent;   /* an outcome: the MODE SELECT never went out */
    bool no_effect;  /* an outcome: the drive did not change by it */
    uint8_t *before; /* UNDO_STEP: the current values before it */
    uint8_t *sent;   /* UNDO_STEP: the page it sent */
    size_t before_len;
};

char *
undo_json_line(json_t *value, size_t *len)
{
    char *text = json_dumps(value, JSON_COMPACT);

    json_decref(value);
    /* jansson fails only without memory, which ends modecon as xmalloc
     * does. */
    if (text == NULL) {
        fputs("modecon: out of memory writing JSON\n", stderr);
        abort();
    }
    *len = strlen(text);
    text = xrealloc(text, *len + 2);
    memcpy(text + (*len)++, "\n", 2);
    return text;
}

/* The record's first line, for a new record. */
static char *
undo_log_header(const struct undo_stack *st, size_t *len)
{
    json_t *header = json_object();

    json_object_set_new(header, "version", json_integer(2));
    json_object_set_new(header, "drive", text_json(st->drive));
    return undo_json_line(header, len);
}
void
undo_change_fini(struct undo_change *c)
{
    free(c->select);
    for (size_t i = 0; i < c->nbegan; i++) {
        free(c->began[i].current);
        free(c->began[i].sent);
    }
    free(c->began);
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
    for (size_t i = 0; i < st->nlines; i++) {
        free(st->lines[i].id);
        free(st->lines[i].undo_of);
        free(st->lines[i].text);
        free(st->lines[i].before);
        free(st->lines[i].sent);
    }
    free(st->lines);
    free(st->pending);
    free(st->path);
    free(st->drive);
    memset(st, 0, sizeof *st);
}

bool
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
        err_set(err, E_FAIL, "%s: %s %zu: '%s' is missing or not a string",
                st->path, st->unit, i + 1, key);
    return text;
}

/* SPC-4 7.5.7: two header bytes, four in the sub_page format. */
bool
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

bool
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
        return err_set(err, E_FAIL, "%s: %s %zu: 'also_saved' must be an array",
                       st->path, st->unit, i + 1);
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
                           "%s: %s %zu: also_saved[%zu]: expected "
                           "'current' and 'saved', whole pages in hex of "
                           "one header, each page once and not the page "
                           "changed",
                           st->path, st->unit, i + 1, k);
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
        return err_set(err, E_FAIL, "%s: %s %zu is not an object", st->path,
                       st->unit, i + 1);
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
                       "%s: %s %zu: 'run' must be a string that names "
                       "the command's run",
                       st->path, st->unit, i + 1);
    err_clear(&bad);
    if (mode_request_parse(request, &out->rt, &bad) != 0 ||
        (out->rt != MODE_REQUEST_CURRENT && out->rt != MODE_REQUEST_SAVED))
        return err_set(err, E_FAIL,
                       "%s: %s %zu: request '%s': expected current or "
                       "saved",
                       st->path, st->unit, i + 1, request);
    if (hex_parse(before, &out->before, &before_len, &bad) != 0 ||
        hex_parse(sent, &out->sent, &out->len, &bad) != 0 ||
        before_len != out->len || !undo_whole_page(out->sent, out->len) ||
        memcmp(out->before, out->sent, undo_header_len(out->sent)) != 0) {
        free(out->before);
        free(out->sent);
        return err_set(err, E_FAIL,
                       "%s: %s %zu: 'before' and 'sent' must be whole "
                       "pages in hex with one header",
                       st->path, st->unit, i + 1);
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
                       "%s: %s %zu: 'saved_before' must be a page of the "
                       "same length in hex",
                       st->path, st->unit, i + 1);
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

/* Version 1: one JSON document, {"version": 1, "drive", "changes": [...]},
 * rewritten whole at each change. */
static int
undo_parse_v1(struct undo_stack *st, const char *text, struct err *err)
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

json_t *
undo_change_json(const struct undo_change *c)
{
    json_t *one = json_object();
    json_object_set_new(one, "time", json_string(c->time));
    json_object_set_new(one, "command", text_json(c->command));
    if (c->run != NULL)
        json_object_set_new(one, "run", json_string(c->run));
    json_object_set_new(one, "uri", text_json(c->uri));
    json_object_set_new(one, "request", json_string(mode_request_name(c->rt)));
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
    return one;
}

/* The outcomes of a MODE SELECT that left the drive as it was: never
 * sent, refused, not answered, or found not applied after its process
 * ended. */
static const char *const undo_no_effect_outcomes[] = {
    "not sent",
    "refused",
    "unknown: no answer",
    "not applied (found after the process ended)",
};

static bool
undo_no_effect(const char *verification)
{
    for (size_t k = 0;
         verification != NULL &&
         k < sizeof undo_no_effect_outcomes / sizeof undo_no_effect_outcomes[0];
         k++)
        if (strcmp(verification, undo_no_effect_outcomes[k]) == 0)
            return true;
    return false;
}

/* The line's kind and MODE SELECT, from the whole JSON object. */
static int
undo_classify(const struct undo_stack *st, json_t *one, size_t lineno,
              struct undo_line *line, struct err *err)
{
    static const struct {
        const char *key;
        enum undo_kind kind;
    } kinds[] = {
        { "intent", UNDO_INTENT },
        { "outcome", UNDO_OUTCOME },
        { "undone", UNDO_UNDONE },
        { "dropped", UNDO_DROPPED },
    };
    const char *id = NULL;

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && id == NULL; k++) {
        id = json_string_value(json_object_get(one, kinds[k].key));
        line->kind = kinds[k].kind;
    }
    if (id == NULL || id[0] == '\0')
        return err_set(err, E_FAIL,
                       "%s: line %zu: expected an intent, an outcome, "
                       "'undone' or 'dropped', each naming its MODE SELECT",
                       st->path, lineno);
    line->id = xstrdup(id);
    if (line->kind == UNDO_OUTCOME) {
        const char *v = json_string_value(json_object_get(one, "verification"));
        line->not_sent = v != NULL && strcmp(v, "not sent") == 0;
        line->no_effect = undo_no_effect(v);
    } else if (line->kind == UNDO_INTENT) {
        json_t *undo_of = json_object_get(one, "undo_of");
        if (undo_of != NULL) {
            line->kind = UNDO_STEP;
            if (!json_is_string(undo_of))
                return err_set(err, E_FAIL,
                               "%s: line %zu: 'undo_of' must name a MODE "
                               "SELECT",
                               st->path, lineno);
            line->undo_of = xstrdup(json_string_value(undo_of));
        } else if (json_is_false(json_object_get(one, "undoable"))) {
            line->kind = UNDO_UNRECORDED;
        }
    }
    return 0;
}

/* 'needle' in the 'len' bytes at 'p', or NULL. */
static const char *
undo_find_bytes(const char *p, size_t len, const char *needle, size_t nlen)
{
    for (size_t i = 0; nlen <= len && i <= len - nlen; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, nlen) == 0)
            return p + i;
    return NULL;
}

/* The quoted name after 'key' in a line as modecon writes it, or NULL. */
static char *
undo_quick_name(const char *p, size_t len, const char *key)
{
    size_t klen = strlen(key);
    const char *at = undo_find_bytes(p, len, key, klen);

    if (at == NULL)
        return NULL;
    const char *name = at + klen,
               *end = memchr(name, '"', len - (size_t)(name - p));
    if (end == NULL || end == name || memchr(name, '\\', (size_t)(end - name)))
        return NULL;
    return xasprintf("%.*s", (int)(end - name), name);
}

/* A line as modecon writes it, its kind and MODE SELECT first, classified
 * without parsing it whole: most lines are of changes undone or dropped
 * long ago, which no undo reads again.  False for any other shape, which
 * is then parsed whole. */
static bool
undo_quick(const char *p, size_t len, struct undo_line *line)
{
    static const struct {
        const char *prefix;
        enum undo_kind kind;
    } kinds[] = {
        { "{\"intent\":\"", UNDO_INTENT },
        { "{\"outcome\":\"", UNDO_OUTCOME },
        { "{\"undone\":\"", UNDO_UNDONE },
        { "{\"dropped\":\"", UNDO_DROPPED },
    };

    if (len < 3 || p[len - 2] != '}')
        return false;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t plen = strlen(kinds[k].prefix);
        if (len <= plen || memcmp(p, kinds[k].prefix, plen) != 0)
            continue;
        line->id = undo_quick_name(p, len, kinds[k].prefix);
        if (line->id == NULL)
            return false;
        line->kind = kinds[k].kind;
        if (line->kind == UNDO_OUTCOME) {
            line->not_sent =
                undo_find_bytes(p, len, "\"verification\":\"not sent\"", 25) !=
                NULL;
            for (size_t o = 0; o < sizeof undo_no_effect_outcomes /
                                       sizeof undo_no_effect_outcomes[0] &&
                               !line->no_effect;
                 o++) {
                char *needle = xasprintf("\"verification\":\"%s\"",
                                         undo_no_effect_outcomes[o]);
                line->no_effect =
                    undo_find_bytes(p, len, needle, strlen(needle)) != NULL;
                free(needle);
            }
        }
        if (line->kind == UNDO_INTENT) {
            line->undo_of = undo_quick_name(p, len, "\"undo_of\":\"");
            if (line->undo_of != NULL)
                line->kind = UNDO_STEP;
            else if (undo_find_bytes(p, len, "\"undo_of\":", 10) != NULL)
                return false; /* not as modecon writes it: parsed whole */
            else if (undo_find_bytes(p, len, "\"undoable\":false", 16) != NULL)
                line->kind = UNDO_UNRECORDED;
        }
        return true;
    }
    return false;
}

/* Lines sorted by kind and MODE SELECT, to find one in O(log n). */
static int
undo_line_cmp(const void *a, const void *b)
{
    const struct undo_line *x = *(const struct undo_line *const *)a;
    const struct undo_line *y = *(const struct undo_line *const *)b;

    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(x->id, y->id);
}

static struct undo_line *
undo_find(struct undo_line **sorted, size_t n, enum undo_kind kind,
          const char *id)
{
    struct undo_line key = { .kind = kind, .id = (char *)id }, *pkey = &key;
    struct undo_line **hit =
        bsearch(&pkey, sorted, n, sizeof *sorted, undo_line_cmp);

    return hit ? *hit : NULL;
}

/* Of an undo of 'c' that stopped part-way, each page it sent for, as
 * before its first MODE SELECT of that page, and as its last one sent
 * it.  Only MODE SELECTs that may have changed the drive count: one
 * refused, never sent or found not applied left the page as it was, and
 * its 'before' may be older than a change another program made since. */
static void
undo_collect_began(const struct undo_stack *st, struct undo_line **sorted,
                   struct undo_change *c)
{
    for (size_t i = 0; i < st->nlines; i++) {
        const struct undo_line *l = &st->lines[i];
        struct undo_began *known = NULL;
        if (l->kind != UNDO_STEP || l->before == NULL || l->sent == NULL ||
            strcmp(l->undo_of, c->select) != 0)
            continue;
        const struct undo_line *o =
            undo_find(sorted, st->nlines, UNDO_OUTCOME, l->id);
        if (o != NULL && o->no_effect)
            continue;
        for (size_t k = 0; k < c->nbegan && known == NULL; k++)
            if (c->began[k].len == l->before_len &&
                undo_same_page(c->began[k].current, l->before))
                known = &c->began[k];
        if (known != NULL) {
            memcpy(known->sent, l->sent, l->before_len);
            continue;
        }
        c->began = xrealloc(c->began, (c->nbegan + 1) * sizeof *c->began);
        c->began[c->nbegan].current = xmalloc(l->before_len);
        memcpy(c->began[c->nbegan].current, l->before, l->before_len);
        c->began[c->nbegan].sent = xmalloc(l->before_len);
        memcpy(c->began[c->nbegan].sent, l->sent, l->before_len);
        c->began[c->nbegan].len = l->before_len;
        c->nbegan++;
    }
}

/* The whole line 'l' of the record as JSON, or NULL with err set. */
static json_t *
undo_line_json(const struct undo_stack *st, const struct undo_line *l,
               struct err *err)
{
    json_error_t jerr;
    json_t *one = json_loadb(l->text, l->len - 1, 0, &jerr);

    if (!json_is_object(one)) {
        json_decref(one);
        err_set(err, E_FAIL, "%s:%zu:%d: %s (the undo record is damaged)",
                st->path, l->lineno, jerr.column,
                one ? "not an object" : jerr.text);
        return NULL;
    }
    return one;
}

/* The first line: the version and the drive.  A record of another
 * version, or of another drive (a file copied or renamed by hand), is not
 * used to change this one. */
static int
undo_parse_header(const struct undo_stack *st, json_t *one, struct err *err)
{
    json_t *version = json_object_get(one, "version");
    const char *drive = json_string_value(json_object_get(one, "drive"));

    if (!json_is_integer(version) || json_integer_value(version) != 2)
        return err_set(err, E_FAIL,
                       "%s: 'version' must be 2 (or 1, which is converted), "
                       "the versions this modecon reads",
                       st->path);
    if (drive == NULL || strcmp(drive, st->drive) != 0)
        return err_set(err, E_FAIL, "%s: the record is of drive '%s', not '%s'",
                       st->path, drive ? drive : "(none)", st->drive);
    return 0;
}

/* Version 2, its lines: each classified, the first (the header) checked;
 * a torn last line is left out. */
static int
undo_read_lines(struct undo_stack *st, const char *text, struct err *err)
{
    size_t lineno = 0;
    const char *p = text;

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            break; /* torn: a process ended writing it */
        size_t len = (size_t)(nl - p) + 1;
        bool last = nl[1] == '\0';
        lineno++;
        struct undo_line line = { .lineno = lineno };
        /* The first line and the last are parsed whole: the last may be
         * one a process ended writing. */
        if (lineno == 1 || last || !undo_quick(p, len, &line)) {
            json_error_t jerr;
            json_t *one = json_loadb(p, len - 1, 0, &jerr);
            free(line.id);
            free(line.undo_of);
            memset(&line, 0, sizeof line);
            line.lineno = lineno;
            if (!json_is_object(one)) {
                json_decref(one);
                if (last)
                    break; /* the last line, torn */
                err_set(err, E_FAIL,
                        "%s:%zu:%d: %s (the undo record is damaged)", st->path,
                        lineno, jerr.column, one ? "not an object" : jerr.text);
                return -1;
            }
            int bad = lineno == 1 ? undo_parse_header(st, one, err)
                                  : undo_classify(st, one, lineno, &line, err);
            json_decref(one);
            if (bad != 0) {
                free(line.id);
                free(line.undo_of);
                return -1;
            }
        }
        st->whole_len = (long long)(p + len - text);
        p = nl + 1;
        if (lineno == 1)
            continue;
        line.text = xmalloc(len + 1);
        memcpy(line.text, p - len, len);
        line.text[len] = '\0';
        line.len = len;
        st->lines = xrealloc(st->lines, (st->nlines + 1) * sizeof *st->lines);
        st->lines[st->nlines++] = line;
    }
    return 0;
}

/* Which intents have their outcome, and which are of changes still to
 * undo: those are read whole. */
static int
undo_read_changes(struct undo_stack *st, struct undo_line **sorted,
                  struct err *err)
{
    st->changes = xcalloc(st->nlines + 1, sizeof *st->changes);
    for (size_t i = 0; i < st->nlines; i++) {
        struct undo_line *l = &st->lines[i];
        if (l->kind != UNDO_INTENT && l->kind != UNDO_STEP &&
            l->kind != UNDO_UNRECORDED)
            continue;
        const struct undo_line *o =
            undo_find(sorted, st->nlines, UNDO_OUTCOME, l->id);
        l->resolved = o != NULL;
        if (!l->resolved) {
            st->pending =
                xrealloc(st->pending, (st->npending + 1) * sizeof *st->pending);
            st->pending[st->npending++] = l->text;
        }
        if (l->kind != UNDO_INTENT || (o != NULL && o->not_sent) ||
            undo_find(sorted, st->nlines, UNDO_UNDONE, l->id) ||
            undo_find(sorted, st->nlines, UNDO_DROPPED, l->id)) {
            l->kept = !l->resolved;
            continue;
        }
        json_t *one = undo_line_json(st, l, err);
        struct undo_change *c = &st->changes[st->count];
        if (one == NULL ||
            undo_parse_change(st, one, l->lineno - 1, c, err) != 0) {
            json_decref(one);
            return -1;
        }
        json_decref(one);
        c->select = xstrdup(l->id);
        l->kept = true;
        st->count++;
    }
    return 0;
}

/* The undos of changes still to undo: their pages before and sent. */
static int
undo_read_steps(struct undo_stack *st, struct err *err)
{
    for (size_t i = 0; i < st->nlines; i++) {
        struct undo_line *l = &st->lines[i];
        bool live = false;
        if (l->kind != UNDO_STEP)
            continue;
        for (size_t k = 0; k < st->count && !live; k++)
            live = strcmp(st->changes[k].select, l->undo_of) == 0;
        if (!live)
            continue;
        l->kept = true;
        json_t *one = undo_line_json(st, l, err);
        const char *before = json_string_value(json_object_get(one, "before"));
        const char *sent = json_string_value(json_object_get(one, "sent"));
        size_t sent_len = 0;
        struct err bad;
        err_clear(&bad);
        if (before == NULL || sent == NULL ||
            hex_parse(before, &l->before, &l->before_len, &bad) != 0 ||
            !undo_whole_page(l->before, l->before_len) ||
            hex_parse(sent, &l->sent, &sent_len, &bad) != 0 ||
            sent_len != l->before_len || !undo_same_page(l->sent, l->before)) {
            if (one != NULL)
                err_set(err, E_FAIL,
                        "%s: line %zu: an undo's intent needs 'before' and "
                        "'sent', the same whole page in hex",
                        st->path, l->lineno);
            json_decref(one);
            return -1;
        }
        json_decref(one);
    }
    return 0;
}

/* The lines kept with those of changes still to undo. */
static void
undo_keep_companions(struct undo_stack *st, struct undo_line **sorted)
{
    /* An outcome is kept with its intent; so are 'undone' and 'dropped',
     * with an intent kept until its outcome comes, so that the change
     * does not come back on the stack then. */
    for (size_t i = 0; i < st->nlines; i++) {
        struct undo_line *l = &st->lines[i];
        if (l->kind != UNDO_OUTCOME && l->kind != UNDO_UNDONE &&
            l->kind != UNDO_DROPPED)
            continue;
        for (enum undo_kind k = UNDO_INTENT; k <= UNDO_UNRECORDED; k++) {
            const struct undo_line *in =
                undo_find(sorted, st->nlines, k, l->id);
            l->kept |= in != NULL && in->kept;
        }
    }
}

/* Version 2: JSON lines, the first naming the version and the drive.
 * Each line is classified; only those of changes still to undo (and of
 * their undos) are parsed whole, so reading costs little more than the
 * bytes, and the record is rewritten before it grows long. */
static int
undo_parse_v2(struct undo_stack *st, const char *text, struct err *err)
{
    st->unit = "line";
    if (undo_read_lines(st, text, err) != 0)
        return -1;
    struct undo_line **sorted = xcalloc(st->nlines + 1, sizeof *sorted);
    for (size_t i = 0; i < st->nlines; i++)
        sorted[i] = &st->lines[i];
    qsort(sorted, st->nlines, sizeof *sorted, undo_line_cmp);
    int rc = -1;
    if (undo_read_changes(st, sorted, err) == 0 &&
        undo_read_steps(st, err) == 0) {
        for (size_t k = 0; k < st->count; k++)
            undo_collect_began(st, sorted, &st->changes[k]);
        undo_keep_companions(st, sorted);
        rc = 0;
    }
    free(sorted);
    return rc;
}

int
undo_stack_parse(struct undo_stack *st, const char *text, struct err *err)
{
    /* Version 1 is one JSON document; version 2's lines are several (or
     * its first line alone, which says version 2). */
    json_t *whole = json_loads(text, 0, NULL);
    json_t *version = json_object_get(whole, "version");
    bool v1 = json_is_integer(version) && json_integer_value(version) == 1;

    json_decref(whole);
    if (v1 || (text[0] == '{' && text[1] == '\n')) {
        st->unit = "change";
        return undo_parse_v1(st, text, err);
    }
    return undo_parse_v2(st, text, err);
}

/* The changes of a version 1 record 'st' as a new record: each an intent
 * and an outcome, so that nothing is left to resolve. */
static char *
undo_convert(const struct undo_stack *st, size_t *len)
{
    char *text = undo_log_header(st, len);
    char id[64];

    for (size_t i = 0; i < st->count; i++) {
        const struct undo_change *c = &st->changes[i];
        size_t n1, n2;
        snprintf(id, sizeof id, "v1-%zu-%s", i + 1, c->time);
        json_t *intent = json_object(), *body = undo_change_json(c);
        json_object_set_new(intent, "intent", json_string(id));
        json_object_update(intent, body);
        json_decref(body);
        json_t *outcome = json_object();
        json_object_set_new(outcome, "outcome", json_string(id));
        json_object_set_new(outcome, "verification",
                            json_string("recorded before version 2"));
        json_object_set_new(outcome, "recovered", json_false());
        char *a = undo_json_line(intent, &n1),
             *b = undo_json_line(outcome, &n2);
        text = xrealloc(text, *len + n1 + n2 + 1);
        memcpy(text + *len, a, n1);
        memcpy(text + *len + n1, b, n2 + 1);
        *len += n1 + n2;
        free(a);
        free(b);
    }
    return text;
}

int
undo_stack_load(struct recorder *rec, struct undo_stack *st, struct err *err)
{
    char *dir = paths_state_dir("undo", err), *text;
    size_t len = 0;

    memset(st, 0, sizeof *st);
    st->unit = "line";
    if (dir == NULL)
        return -1;
    st->path = paths_key_file(dir, recorder_id(rec), ".jsonl");
    /* As the record keeps it: JSON text is UTF-8. */
    char *redacted = transport_redact(recorder_id(rec));
    st->drive = text_utf8(redacted);
    free(redacted);
    char *old = paths_key_file(dir, recorder_id(rec), ".json");
    free(dir);
    text = statefile_read(st->path, UNDO_LOG_MAX, &len, err);
    if (text == NULL && err->os_errno == ENOENT) {
        /* A record of version 1, converted once: written whole as
         * version 2, then the old file goes. */
        err_clear(err);
        char *path = st->path;
        st->path = old;
        st->unit = "change";
        text = statefile_read(old, UNDO_FILE_MAX, NULL, err);
        int rc = 0;
        if (text == NULL && err->os_errno == ENOENT) {
            err_clear(err);
        } else if (text == NULL || undo_parse_v1(st, text, err) != 0) {
            rc = -1;
        } else {
            free(text);
            text = undo_convert(st, &len);
            if (atomicfile_write(path, text, len, 0600, true, err) != 0)
                rc = -1;
            else
                unlink(old);
        }
        st->path = path;
        st->unit = "line";
        if (rc != 0) {
            free(old);
            free(text);
            goto damaged;
        }
        if (text == NULL) {
            free(old);
            return 0;
        }
        for (size_t i = 0; i < st->count; i++)
            undo_change_fini(&st->changes[i]);
        free(st->changes);
        st->changes = NULL;
        st->count = 0;
    }
    free(old);
    if (text == NULL)
        return -1;
    /* Only the last line may be cut short (or, after a power cut, left
     * as zeros); a NUL before the last newline is damage, never a record
     * to cut back to. */
    size_t text_len = strlen(text);
    if (text_len != len &&
        memchr(text + text_len, '\n', len - text_len) != NULL) {
        err_set(err, E_FAIL,
                "%s: a NUL byte at byte %zu (the undo record is damaged)",
                st->path, strlen(text));
        free(text);
        goto damaged;
    }
    int rc = undo_parse_v2(st, text, err);
    free(text);
    if (rc != 0)
        goto damaged;
    /* A torn last line goes now, while the drive is held, so that the
     * next line starts a line of its own. */
    if ((size_t)st->whole_len < len &&
        applog_truncate(st->path, (off_t)st->whole_len, err) != 0)
        return -1;
    return 0;
damaged:;
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n,
             "; move it away to go on without it");
    return -1;
}

int
undo_log_append(struct undo_stack *st, const char *lines, size_t len,
                bool flush, struct err *err)
{
    size_t kept = 0, kept_bytes = 0;

    for (size_t i = 0; i < st->nlines; i++)
        if (st->lines[i].kept) {
            kept++;
            kept_bytes += st->lines[i].len;
        }
    if (st->whole_len > 0 && st->nlines < 2 * kept + UNDO_LOG_SLACK &&
        (size_t)st->whole_len < 2 * kept_bytes + UNDO_FILE_MAX)
        return applog_append(st->path, lines, len, flush, err);
    /* A new record, or one to rewrite: the header, the lines kept, and
     * the new ones, replacing the file whole. */
    size_t total;
    char *text = undo_log_header(st, &total);
    text = xrealloc(text, total + kept_bytes + len + 1);
    for (size_t i = 0; i < st->nlines; i++)
        if (st->lines[i].kept) {
            memcpy(text + total, st->lines[i].text, st->lines[i].len);
            total += st->lines[i].len;
        }
    memcpy(text + total, lines, len);
    total += len;
    int rc = atomicfile_write(st->path, text, total, 0600, true, err);
    /* The file and its directory. */
    if (rc == 0)
        applog_count(total, 2);
    free(text);
    return rc;
}

int
undo_stack_mark_undone(struct undo_stack *st, struct err *err)
{
    if (st->count == 0)
        return 0;
    struct undo_change *c = &st->changes[st->count - 1];
    json_t *line = json_object();
    size_t len;
    json_object_set_new(line, "undone", json_string(c->select));
    char *text = undo_json_line(line, &len);
    /* Not flushed: a mark lost to a power cut leaves a change that undo
     * then finds put back already, and drops again. */
    int rc = applog_append(st->path, text, len, false, err);
    free(text);
    undo_change_fini(c);
    st->count--;
    return rc;
}
