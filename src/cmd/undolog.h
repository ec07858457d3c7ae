/*
 * A drive's undo record ($XDG_STATE_HOME/modecon/undo/KEY.jsonl): an
 * append-only log of JSON lines, an intent before each MODE SELECT and an
 * outcome after it (src/cmd/undolog.c describes the lines), from which
 * the stack of changes 'undo' takes back is read.  src/cmd/undolog-internal.h
 * names the files that read and write it.
 */
#ifndef MODECON_CMD_UNDOLOG_H
#define MODECON_CMD_UNDOLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/recorder.h"
#include "util/err.h"

/* Another savable page whose saved values a saving change replaced with
 * its current values, as a drive that follows SPC-4 6.11 does. */
struct undo_other {
    uint8_t *current; /* what the change saved (PS clear) */
    uint8_t *saved;   /* the saved values before it (PS clear) */
    size_t len;
};

/* A page an undo of a change that stopped part-way sent a MODE SELECT
 * for that may have reached the drive: its current values before the
 * first of them, and the page the last of them sent (PS clear). */
struct undo_began {
    uint8_t *current;
    uint8_t *sent;
    size_t len;
};

/* One change that can be undone. */
struct undo_change {
    char time[32]; /* "2026-11-24T10:11:12Z" */
    char *select;  /* its MODE SELECT, as the audit log names it */
    char *command; /* "modecon set" */
    char *run;     /* the run of the command that sent it: changes of one
                      run are undone together; NULL in older records */
    char *uri;     /* as given, without a password */
    enum mode_request rt;
    uint8_t *before;       /* the current values before the change */
    uint8_t *saved_before; /* the saved values before a saving change, or
                              NULL */
    uint8_t *sent;         /* the page as sent (PS clear) */
    size_t len;
    struct undo_other *others; /* with a saving change: the other pages
                                  whose current and saved values differed */
    size_t nothers;
    /* An undo of it that stopped part-way: the pages it sent MODE
     * SELECTs for, as they were before it began. */
    struct undo_began *began;
    size_t nbegan;
};

struct undo_line;

/* A drive's changes, oldest first, read from its undo record. */
struct undo_stack {
    char *path;
    char *drive; /* recorder_id, without a password */
    struct undo_change *changes;
    size_t count;
    /* The record as read: its lines, the bytes of whole lines (a torn
     * last line is cut off before the next append), and the intents
     * without an outcome, oldest first (their JSON text). */
    const char *unit; /* "line", or "change" in a version 1 record */
    struct undo_line *lines;
    size_t nlines;
    long long whole_len;
    const char **pending;
    size_t npending;
};

/* Commands whose changes are kept per drive; older ones drop off. */
#define UNDO_STACK_MAX 32

/* Load the stack of the drive 'rec' (empty when none is recorded); a
 * damaged file is an error that names it and the place.  A record of
 * version 1 (one JSON document) is converted once. */
int undo_stack_load(struct recorder *rec, struct undo_stack *st,
                    struct err *err);
/* The changes of 'text', the record's contents, onto 'st' (whose path
 * and drive are set: the messages name the path, and a record of another
 * drive is refused). */
int undo_stack_parse(struct undo_stack *st, const char *text, struct err *err);
/* Append whole JSON lines to the record (cutting off a torn last line
 * first), flushed to disk with 'flush'.  A record that holds well over
 * what undo needs is rewritten instead, atomically and flushed, without
 * the lines no undo needs any more. */
int undo_log_append(struct undo_stack *st, const char *lines, size_t len,
                    bool flush, struct err *err);
/* Mark the last change undone in the record (and drop it from 'st'). */
int undo_stack_mark_undone(struct undo_stack *st, struct err *err);
/* 'value' as one JSON line ending in a newline, of *len bytes; 'value'
 * is released. */
char *undo_json_line(json_t *value, size_t *len);
/* The change as the intent of its MODE SELECT in the record. */
json_t *undo_change_json(const struct undo_change *c);
/* Two changes of one run of a command (an older record's change without
 * a run is a command of its own). */
bool undo_same_run(const char *a, const char *b);
void undo_change_fini(struct undo_change *c);
void undo_stack_free(struct undo_stack *st);
/* The changes at the top of the stack that one run of a command made:
 * 'undo' puts them back together. */
size_t undo_stack_last_run(const struct undo_stack *st);
/* How many runs of commands the stack holds changes of. */
size_t undo_stack_runs(const struct undo_stack *st);
/* The name of the change's run, as 'undo --expect' takes it: its run, or
 * for an older record without one, its time. */
const char *undo_run_name(const struct undo_change *c);
/* A page with its header, PS clear, its length as the header says. */
bool undo_whole_page(const uint8_t *page, size_t len);
/* Pages 'a' and 'b' are the same page: code, and subpage if any. */
bool undo_same_page(const uint8_t *a, const uint8_t *b);

#endif
