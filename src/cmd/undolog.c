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

#include "cmd/undolog-internal.h"
#include "transport/transport.h"
#include "util/applog.h"
#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/statefile.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* Bytes of a log: what compaction keeps, twice, and the slack. */
#define UNDO_LOG_MAX (16u * UNDO_FILE_MAX)
/* Lines beyond twice those kept before the record is rewritten. */
#define UNDO_LOG_SLACK (8u * UNDO_STACK_MAX)

/* The record's first line, for a new record. */
char *
undo_log_header(const struct undo_stack *st, size_t *len)
{
    json_t *header = json_object();

    json_object_set_new(header, "version", json_integer(2));
    json_object_set_new(header, "drive", text_json(st->drive));
    return undo_json_line(header, len);
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

/* The message of a damaged record says how to go on. */
static int
undo_damaged(struct err *err)
{
    size_t n = strlen(err->msg);

    snprintf(err->msg + n, sizeof err->msg - n,
             "; move it away to go on without it");
    return -1;
}

/* Only the last line may be cut short (or, after a power cut, left as
 * zeros); a NUL before the last newline is damage, never a record to cut
 * back to. */
static int
undo_check_text(const struct undo_stack *st, const char *text, size_t len,
                struct err *err)
{
    size_t text_len = strlen(text);

    if (text_len != len &&
        memchr(text + text_len, '\n', len - text_len) != NULL)
        return err_set(err, E_FAIL,
                       "%s: a NUL byte at byte %zu (the undo record is "
                       "damaged)",
                       st->path, text_len);
    return 0;
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
        /* None yet: perhaps a record of version 1, converted once. */
        err_clear(err);
        int rc = undo_v1_convert(st, old, &text, &len, err);
        free(old);
        if (rc != 0)
            return undo_damaged(err);
        if (text == NULL)
            return 0;
    } else {
        free(old);
    }
    if (text == NULL)
        return -1;
    int rc = undo_check_text(st, text, len, err) != 0 ||
                     undo_parse_v2(st, text, err) != 0
                 ? -1
                 : 0;
    free(text);
    if (rc != 0)
        return undo_damaged(err);
    /* A torn last line goes now, while the drive is held, so that the
     * next line starts a line of its own. */
    if ((size_t)st->whole_len < len &&
        applog_truncate(st->path, (off_t)st->whole_len, err) != 0)
        return -1;
    return 0;
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
