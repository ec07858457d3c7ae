/*
 * Version 1 undo records: one JSON document per drive
 * ($XDG_STATE_HOME/modecon/undo/KEY.json), rewritten whole at each
 * change.  Read once, and converted to a version 2 record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/undolog-internal.h"
#include "util/atomicfile.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

/* Version 1: one JSON document, {"version": 1, "drive", "changes": [...]},
 * rewritten whole at each change. */
int
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
undo_v1_convert(struct undo_stack *st, char *old, char **text, size_t *len,
                struct err *err)
{
    char *path = st->path;
    int rc = 0;

    /* Read as version 1 records are, naming the old file; written whole
     * as version 2, then the old file goes. */
    st->path = old;
    st->unit = "change";
    *text = statefile_read(old, UNDO_FILE_MAX, NULL, err);
    if (*text == NULL && err->os_errno == ENOENT) {
        err_clear(err);
    } else if (*text == NULL || undo_parse_v1(st, *text, err) != 0) {
        rc = -1;
    } else {
        free(*text);
        *text = undo_convert(st, len);
        if (atomicfile_write(path, *text, *len, 0600, true, err) != 0)
            rc = -1;
        else
            unlink(old);
    }
    st->path = path;
    st->unit = "line";
    /* The changes are read again from the new record. */
    for (size_t i = 0; i < st->count; i++)
        undo_change_fini(&st->changes[i]);
    free(st->changes);
    st->changes = NULL;
    st->count = 0;
    if (rc != 0) {
        free(*text);
        *text = NULL;
    }
    return rc;
}
