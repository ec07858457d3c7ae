/*
 * A drive's worker thread: runs the console's commands for one drive on
 * that drive's own command context, and polls its medium with TEST UNIT
 * READY while idle.  A drive that hangs until its time-out holds only its
 * own worker; the console goes on with the others and shows how long this
 * one has been busy.
 *
 * Several workers run commands at once, so what a command calls must be
 * reentrant: times are formatted with gmtime_r; strerror keeps its
 * message for an unknown number per thread (glibc since 2.32; musl's are
 * all static); getenv only reads, as nothing sets the environment once
 * the console runs; each readdir reads a stream of its caller's own.
 */
#ifndef MODECON_UI_WORKER_H
#define MODECON_UI_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/drive.h"

struct worker;

/*
 * The workers' own jobs (identifying a drive, polling its medium) each
 * hold one of a gate's slots while they run, so a console of a thousand
 * drives asks at most so many at once.  The user's commands pass by: a
 * person waits for them.  A worker whose own job waits for a slot when
 * the user's command arrives drops its poll, or identifies the drive
 * without a slot, so that the command is not held up.
 */
struct worker_gate;

struct worker_gate *worker_gate_new(size_t slots);
/* Drop the creator's hold: the gate goes when its last worker does. */
void worker_gate_release(struct worker_gate *gate);
/* The most slots that were taken at once. */
size_t worker_gate_most_taken(struct worker_gate *gate);

/*
 * Start a worker for 'uri'; it identifies the drive first.  After each job
 * it writes a byte to 'notify_fd' (non-blocking) so the console wakes.
 * 'poll_ms' is how often an idle worker asks the medium's state (0:
 * never).  'gate' is shared by the console's workers, or NULL for no
 * bound; the worker holds a reference of its own.
 */
struct worker *worker_start(const char *uri, const struct cmd_ctx *global,
                            struct worker_gate *gate, int notify_fd,
                            int poll_ms);

/* Queue a line of the command language; returns the job's number, which
 * the snapshot answering it carries (job_seq).  Identifying is job 1. */
unsigned worker_send(struct worker *w, const char *line);

/* The same for a dry run, which sends nothing (a dialog's preview): the
 * page shown is not read again after it. */
unsigned worker_send_preview(struct worker *w, const char *line);

/* Whether the worker's poll reads its selected page again too: the
 * console watches the drive in view so. */
void worker_watch(struct worker *w, bool watch);

/* Queue reading the selected page again, unless a job is waiting (which
 * reads it when done): another process changed a drive. */
void worker_reload(struct worker *w);

/* Queue identifying the drive again, as a job of the user's (its lines
 * are the user's to read); returns the job's number. */
unsigned worker_identify(struct worker *w);

/* The snapshot posted since the last call, into *snap (which the caller
 * then owns); false when there is none. */
bool worker_take(struct worker *w, struct drive_snapshot *snap);

/* What the worker is doing: the job's text and when it began (seconds on
 * the monotonic clock), or false when idle. */
bool worker_busy(struct worker *w, char *job, size_t len, double *since);

/* Whether one of the worker's own jobs waits for a slot of its gate. */
bool worker_at_gate(struct worker *w);

/* A command of the user's is running or waiting (the worker's own jobs,
 * identifying and polling, are not). */
bool worker_has_user_jobs(struct worker *w);

/* Jobs waiting behind the current one. */
size_t worker_queued(struct worker *w);

/* Ask the worker to stop after its job in progress; returns at once. */
void worker_quit(struct worker *w);

/* Stop the worker: waits until 'wait_ms' after the first worker_quit or
 * worker_stop call for a job in progress, then leaves a hung one behind
 * (the process is about to end), whose thread frees w when the job
 * returns.  Either way w is not the caller's any more. */
void worker_stop(struct worker *w, int wait_ms);

/* Seconds on the monotonic clock. */
double worker_now(void);

#endif
