/*
 * Reading a version 2 undo record (undolog.c lists its lines) into the
 * stack of changes: each line classified, most without parsing it whole,
 * and only the intents of changes still to undo, and of their undos,
 * parsed whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/undolog-internal.h"
#include "util/hex.h"
#include "util/xmalloc.h"

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
int
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
