/*
 * A file of commands loaded once and run on a drive: what 'replay' runs,
 * and what a replay onto many drives runs once per drive, each on its own
 * context.
 */
#ifndef MODECON_CMD_REPLAY_H
#define MODECON_CMD_REPLAY_H

#include "cmd/ctx.h"
#include "util/err.h"

/* What a replay did on one drive. */
struct replay_count {
    unsigned run;          /* commands run */
    unsigned applied;      /* changes the drive took */
    unsigned not_applied;  /* changes the drive answered GOOD but ignored */
    unsigned refused;      /* stopped by a check before anything was sent */
    unsigned failed;       /* failed otherwise */
    enum cmd_status first; /* the first failure's status, or CMD_OK */
};

struct replay_script;

/* The file at 'path' read and checked to hold text whose records are
 * whole; NULL with a usage error naming the file and line. */
struct replay_script *replay_script_load(const char *path, struct err *err);
void replay_script_free(struct replay_script *script);

/* The checks of every line before any runs, no drive asked: syntax,
 * commands, their options and arguments, drive URIs, pages, FIELD=VALUE
 * words against the page definitions, and the files it replays in turn.
 * Each fault is reported on 'ctx' as FILE:LINE: what was expected;
 * returns how many.  The selection of 'ctx' is where the lines start. */
unsigned replay_script_check(struct cmd_ctx *ctx,
                             const struct replay_script *script);

/* Run the script's lines on 'ctx' as its options say (dry_run,
 * keep_going, drive_override), counting into *count; the script is not
 * changed, so that it can run on many contexts at once.  A script that
 * fails replay_script_check runs nothing: its faults are counted as
 * refused.  Returns count->first. */
enum cmd_status replay_script_run(struct cmd_ctx *ctx,
                                  const struct replay_script *script,
                                  struct replay_count *count);

#endif
