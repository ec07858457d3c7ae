/*
 * replay onto many drives at once (replay FILE --drive A --drive B,
 * --drives FILE, --all): the file loaded and checked once, then run on
 * every drive by a worker of its own, each on a context of its own, at
 * most --jobs at once; progress as it goes, and at the end one row per
 * drive saying what happened to it.
 */
#ifndef MODECON_CMD_FLEET_H
#define MODECON_CMD_FLEET_H

#include <stdbool.h>

#include "cmd/ctx.h"
#include "cmd/table.h"

/* Drives replayed onto at once unless --jobs says otherwise: a tower or
 * a rack at once, without a thread and a connection for each drive of a
 * portal with hundreds of LUNs. */
#define FLEET_JOBS_DEFAULT 64

/* Whether replay's options ask for many drives: more than one --drive,
 * or --drives, --all, --jobs, --json or --same-model. */
bool fleet_wanted(const struct cmd_entry *replay, const struct cmd_args *args);

/* Replay args->argv[0] onto the drives replay's options name; the exit
 * status is the worst of the drives'. */
enum cmd_status fleet_replay(struct cmd_ctx *ctx,
                             const struct cmd_entry *replay,
                             const struct cmd_args *args);

/*
 * Stop every replay onto many drives that is running: each drive ends
 * after the command it is running (a MODE SELECT in flight is answered
 * and recorded), runs no other, and the table is still shown.  Safe in a
 * signal handler.  False when none is running: the caller handles the
 * interruption as it would have.
 */
bool fleet_interrupt(void);

/* Whether a replay onto many drives is running and was asked to stop:
 * a front end drawing its progress says so in the drawing. */
bool fleet_stopping(void);

/* Whether a replay onto many drives was stopped by fleet_interrupt: the
 * front end, once the table is out, ends as the interruption asked. */
bool fleet_interrupted(void);

#endif
