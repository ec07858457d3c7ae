/*
 * The record of changes.  Every MODE SELECT a command sends is recorded
 * twice, each time before it goes out and after its answer: in the
 * drive's undo record ($XDG_STATE_HOME/modecon/undo/), which keeps what
 * 'undo' needs to put the page back, and in the audit log
 * ($XDG_STATE_HOME/modecon/audit.jsonl).  Both are append-only logs of
 * JSON lines: an "intent" before the MODE SELECT and an "outcome" after.
 * A MODE SELECT goes out only once its intent is on disk; a process that
 * ends between intent and outcome leaves the outcome to the next one that
 * changes or undoes the drive, which reads the page back to find it.
 *
 * Flushes: the undo record is flushed before the MODE SELECT (with its
 * intent), the audit log after it (with its intent and outcome); the
 * audit log's intent and the undo record's outcome ride on those.  So
 * after a power loss the undo record holds every intent sent, and the
 * audit log every outcome answered; the next process repairs each from
 * the other (changes_recover).
 */
#ifndef MODECON_CMD_CHANGES_H
#define MODECON_CMD_CHANGES_H

#include <jansson.h>

#include "cmd/cmd.h"

/* Record every MODE SELECT sent through 'rec', a drive 'ctx' opened. */
void changes_watch(struct cmd_ctx *ctx, struct recorder *rec);

/* Another savable page whose saved values a saving change replaced with
 * its current values, as a drive that follows SPC-4 6.11 does. */
struct undo_other {
    uint8_t *current; /* what the change saved (PS clear) */
    uint8_t *saved;   /* the saved values before it (PS clear) */
    size_t len;
};

/* A page an undo of a change that stopped part-way sent a MODE SELECT
 * for: its current values before the first of them (PS clear). */
struct undo_began {
    uint8_t *current;
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

/* With a saving change of page 'code'/'subpage': the drive's other
 * savable pages whose current and saved values differ, both kept in a new
 * *others (*n of them; free it whatever the result).  A page without
 * saved values is left out; one that cannot be read is an error. */
int changes_saving_others(struct recorder *rec, uint8_t code, uint8_t subpage,
                          struct undo_other **others, size_t *n,
                          struct err *err);

/* "  LABEL: FIELD: old -> new WHICH" for each field of a page that
 * differs between 'from' and 'to', by byte where no field of 'pd' (or
 * NULL) covers it. */
void changes_print_fields(struct cmd_ctx *ctx, const struct page_def *pd,
                          const char *label, const uint8_t *from,
                          const uint8_t *to, size_t len, const char *which);

/* Print, for each other page whose saved values a saving change of
 * page 'code'/'subpage' replaces on a drive that follows SPC-4 6.11, its
 * fields old -> new ("  LABEL: FIELD: 0 -> 1 (saved values)").  Returns
 * how many pages, or -1 with err set when not all could be read. */
int changes_list_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                               uint8_t code, uint8_t subpage, struct err *err);

/* For a change of current values 'page' of a savable page, what doing
 * it with SP=1 instead ('how': "commit --save (s)") would also change:
 * the page's saved values, and those of every other savable page whose
 * saved values differ from its current ones, which a drive that follows
 * SPC-4 6.11 saves with it.  Shown before the choice is made. */
void changes_preview_saving(struct cmd_ctx *ctx, struct recorder *rec,
                            const struct page_def *pd, const char *label,
                            const uint8_t *page, size_t len, const char *how);

/* Say, before a saving change, which other pages' saved values it
 * replaces on a drive that follows SPC-4 6.11, and how. */
void changes_note_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                                uint8_t code, uint8_t subpage);

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
/* The record's first line, for a new record. */
char *undo_log_header(const struct undo_stack *st, size_t *len);
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

/* Load the drive's undo record, held by this process, and resolve every
 * MODE SELECT of it whose outcome was not recorded (its process ended
 * first): read back from the drive, recorded in the undo record and the
 * audit log as found after the process ended. */
int changes_load(struct cmd_ctx *ctx, struct recorder *rec,
                 struct undo_stack *st, struct err *err);

/* Whether a MODE SELECT is with a drive, sent but not yet answered and
 * recorded (any thread). */
bool changes_in_flight(void);

/* For front ends without a Ctrl-C of their own (the command line): SIGINT
 * and SIGTERM end the process as usual, but one that comes while a MODE
 * SELECT is in flight waits, saying so, until its answer is in the audit
 * log and the undo record; a second ends it at once. */
void changes_guard_signals(void);

/* The audit log's path, or NULL with err set.  A process that shows a
 * drive's values watches it to learn of changes made by others. */
char *changes_audit_path(struct err *err);

#endif
