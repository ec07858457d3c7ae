/*
 * The audit log, $XDG_STATE_HOME/modecon/audit.jsonl: every MODE SELECT
 * any modecon process sent, as an "intent" JSON line before it and an
 * "outcome" line after (docs/errors.md, "The audit log").  Lines are
 * appended whole; flushed where the caller says.
 */
#ifndef MODECON_CMD_CHANGES_AUDIT_H
#define MODECON_CMD_CHANGES_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/recorder.h"
#include "util/err.h"

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

/* The time now in UTC, "2026-01-31T12:00:00Z" (with 'millis',
 * "...:00.123Z"): the undo record's and the audit log's clock. */
void changes_now(char *buf, size_t len, bool millis);

/* What became of the change, as far as modecon can tell: "applied", "not
 * applied", "refused", "not verified", "unknown: ...". */
const char *changes_outcome(const struct select_event *ev);

/* The members of every audit line (docs/errors.md, "The audit log"), as
 * a new object. */
json_t *changes_audit_common(struct recorder *rec,
                             const struct audit_select *a);

/* An outcome's members after the common ones, from the MODE SELECT's
 * answer and read-back. */
void changes_audit_answer(json_t *line, const struct select_event *ev);

/* The audit log's path, or NULL with err set.  A process that shows a
 * drive's values watches it to learn of changes made by others. */
char *changes_audit_path(struct err *err);

/* Append audit lines, flushed with 'flush'.  A log that cannot be opened
 * is named with the reason. */
int changes_audit_write(const char *text, size_t len, bool flush,
                        struct err *err);

/* Append one line, taking 'line'. */
int changes_audit_append(json_t *line, bool flush, struct err *err);

/* The audit line of event 'event' of MODE SELECT 'select' in the log's
 * tail 'tail', or NULL. */
json_t *changes_audit_find(const char *tail, const char *select,
                           const char *event);

#endif
