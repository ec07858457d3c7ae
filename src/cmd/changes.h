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
 * the other (changes_load).
 */
#ifndef MODECON_CMD_CHANGES_H
#define MODECON_CMD_CHANGES_H

#include "cmd/changes-audit.h"
#include "cmd/ctx.h"

/* Record every MODE SELECT sent through 'rec', a drive 'ctx' opened. */
void changes_watch(struct cmd_ctx *ctx, struct recorder *rec);

/* Whether a MODE SELECT is with a drive, sent but not yet answered and
 * recorded (any thread). */
bool changes_in_flight(void);

/* Told, on the thread that sent it, when the last MODE SELECT in flight
 * is answered and its outcome ("applied", "refused", ...) is in the audit
 * log and the undo record: a front end that holds back an interruption
 * while a MODE SELECT is with the drive ends the process here.  Set once,
 * before any drive is opened; NULL: no one is told. */
typedef void changes_settled_fn(const char *outcome);
void changes_on_settled(changes_settled_fn *settled);

#endif
