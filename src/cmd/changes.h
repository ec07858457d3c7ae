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

#include "cmd/ctx.h"
#include "cmd/undolog.h"

/* Record every MODE SELECT sent through 'rec', a drive 'ctx' opened. */
void changes_watch(struct cmd_ctx *ctx, struct recorder *rec);

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
