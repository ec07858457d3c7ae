#include "cmd/changes-audit.h"

#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/undolog.h"
#include "engine/errfmt.h"
#include "engine/scsi.h"
#include "transport/transport.h"
#include "util/applog.h"
#include "util/hresult.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/text.h"
#include "util/xmalloc.h"

void
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

/* What became of the change, as far as modecon can tell. */
const char *
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


/* The members of every audit line (docs/errors.md, "The audit log"). */
json_t *
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
void
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
int
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

int
changes_audit_append(json_t *line, bool flush, struct err *err)
{
    size_t len;
    char *text = undo_json_line(line, &len);
    int rc = changes_audit_write(text, len, flush, err);
    free(text);
    return rc;
}


/* The audit line of event 'event' of MODE SELECT 'select' in the log's
 * tail 'tail', or NULL. */
json_t *
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
