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
    unsigned run;         /* commands run */
    unsigned applied;     /* changes the drive took (or, sent with
                             --no-verify, answered GOOD) */
    unsigned not_applied; /* changes the drive answered GOOD but did not
                             apply, in whole or in part (CMD_NOT_APPLIED,
                             from the read-back); not counted as failed */
    unsigned refused;     /* stopped by a check before anything was sent */
    /* Commands that left the drive changed: a MODE SELECT answered GOOD
     * after which the page read back was not as before (or was not read
     * back), whatever the command's status (a file it replayed, a change
     * applied in part, one that failed or was stopped part-way). */
    unsigned reached;
    /* Stopped by an interruption (Ctrl-C), of this replay or of a
     * replay onto many drives that it ran: the rest was not run. */
    bool interrupted;
    unsigned failed;       /* failed otherwise */
    enum cmd_status first; /* the first failure's status, or CMD_OK */
    /* The worst failure's status: bad input (CMD_USAGE), then a drive's
     * failure (CMD_FAILED), then a change not applied; or CMD_OK. */
    enum cmd_status worst;
};

/* A replay onto many drives was stopped by an interruption (Ctrl-C):
 * every replay running stops after its command, whatever --keep-going
 * says.  Safe in a signal handler. */
void replay_interruption(void);

/* The worse of two statuses, as replay_count.worst ranks them. */
enum cmd_status replay_status_worse(enum cmd_status a, enum cmd_status b);

/* A journal's "# drive URI: VENDOR PRODUCT REVISION" line: the identity
 * recorded (to the line's end), the URI as written in [*uri, *uri +
 * *uri_len); NULL for any other line. */
const char *replay_identity_line(const char *line, const char **uri,
                                 size_t *uri_len);

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

/* What the checks tell a replay onto many drives, which runs the file on
 * many contexts at once. */
struct replay_fleet_check {
    /* Given: the file runs on more than one drive, and a command that
     * writes a file (snapshot -o, history save) is a fault, as every
     * drive would write it in turn. */
    bool many_drives;
    /* Found: a command reads standard input (set --data -): read once, before
     * any drive begins, each drive given a copy. */
    bool reads_input;
};

/* replay_script_check for a file replayed onto many drives at once,
 * saying what it found in *fleet. */
unsigned replay_script_check_fleet(struct cmd_ctx *ctx,
                                   const struct replay_script *script,
                                   struct replay_fleet_check *fleet);

/* The pre-flight of the script on 'ctx': every line run as a dry run
 * (ctx->dry_run) with its output held, so that every MODE SELECT is built
 * and checked against the drive's pages and changeable values; each
 * command that would fail is reported on 'ctx' (FILE:LINE: "LINE" would
 * fail [on DRIVE]: what it said) and counted as refused.  The context's
 * selection and staged edits are as they were after it.  Files the
 * script writes (a snapshot, a saved history) are written, as the run
 * writes them again: a later line may read one.  Returns count->first. */
enum cmd_status replay_script_preflight(struct cmd_ctx *ctx,
                                        const struct replay_script *script,
                                        struct replay_count *count);

/* Run the script's lines on 'ctx' as its options say (dry_run,
 * keep_going, drive_override), counting into *count; the script is not
 * changed, so that it can run on many contexts at once.  A script that
 * fails replay_script_check runs nothing: its faults are counted as
 * refused.  Unless ctx->dry_run, or the script is replayed by another
 * (whose pre-flight it was in), the pre-flight runs first, and any
 * refusal stops the run before its first MODE SELECT.  Returns
 * count->first. */
enum cmd_status replay_script_run(struct cmd_ctx *ctx,
                                  const struct replay_script *script,
                                  struct replay_count *count);

#endif
