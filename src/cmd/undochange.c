/*
 * One change of a drive's undo record as JSON, the body of its intent's
 * line (undolog.c lists the lines): parsed and checked, and written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/undolog-internal.h"
#include "util/hex.h"
#include "util/jsonhex.h"
#include "util/text.h"
#include "util/xmalloc.h"

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

int
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
