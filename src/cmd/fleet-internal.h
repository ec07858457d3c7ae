/*
 * What the parts of a replay onto many drives share: fleet-drives.c
 * reads the drives named, fleet.c runs the file on them, fleet-report.c
 * shows what happened.
 */
#ifndef MODECON_CMD_FLEET_INTERNAL_H
#define MODECON_CMD_FLEET_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "cmd/ctx.h"
#include "cmd/replay.h"
#include "cmd/table.h"
#include "engine/recorder.h"

/* Where a drive is in the run. */
enum fleet_state {
    FLEET_WAITING,     /* identified, not yet begun */
    FLEET_RUNNING,     /* running the file */
    FLEET_DONE,        /* ran the file (its commands may have failed) */
    FLEET_UNREACHABLE, /* could not be opened or identified: not run */
    FLEET_SKIPPED,     /* left out: another model, or not MMC */
    FLEET_STOPPED,     /* interrupted while running */
    FLEET_NOT_STARTED, /* interrupted before it began */
};

/* The drive's model against the one the file was recorded on. */
enum fleet_model {
    FLEET_MODEL_UNRECORDED, /* the file names no drive's identity */
    FLEET_MODEL_SAME,
    FLEET_MODEL_OTHER_REVISION, /* same vendor and product */
    FLEET_MODEL_OTHER,
};

/* A line a drive's commands printed, kept for later. */
struct fleet_line {
    bool diagnostic; /* from the error stream */
    char *text;
};

struct fleet_run;

struct fleet_drive {
    struct fleet_run *run;
    char *uri;   /* as given, its password taken out */
    char *shown; /* the same made visible, for every message */
    struct cmd_ctx ctx;
    struct cmd_output output;

    bool identified;
    struct scsi_identity id;
    char *recorder_id; /* the drive however spelt, for duplicates */
    enum fleet_model model;
    char why_skipped[160]; /* a skipped drive: why */

    enum fleet_state state;
    struct replay_count count;
    /* The runs of commands in the drive's undo record before the replay
     * began (undo_run_name), and the runs recorded since, which
     * 'modecon undo DRIVE -n N' takes back; undo_known false when the
     * record could not be read. */
    char **runs_before;
    size_t nruns_before;
    unsigned undo_runs;
    bool undo_known;
    enum cmd_status status;
    unsigned begun; /* commands begun, from the batch markers */
    bool has_error;
    struct err first_error; /* the first error, with its sense */
    struct timespec start, end;

    struct fleet_line *lines; /* output, and messages not printed yet */
    size_t nlines;
};

struct fleet_run {
    struct cmd_ctx *ctx; /* the caller's: every line shown goes out here */
    const char *path;
    struct replay_script *script;
    unsigned commands; /* in the file */
    char **doing;      /* per command: "set 05", made visible */
    char **recorded;   /* the identities the file was recorded on */
    size_t nrecorded;
    bool dry_run, keep_going, json, same_model, all;
    bool check; /* --check: each drive's pre-flight alone, nothing sent */
    bool undo_elsewhere; /* --undo-elsewhere, or the caller's */
    unsigned jobs;
    /* Standard input, read once before any drive begins when the file
     * reads it (set --data -): each drive's commands read a copy. */
    char *input;
    /* Messages kept for the end rather than printed as they come: the
     * progress is being drawn over (a terminal).  The drives' output is
     * always kept, for the end or the JSON. */
    bool hold_diagnostics;

    struct fleet_drive *drives;
    size_t ndrives, drives_cap;
    bool interrupted;

    pthread_mutex_t lock; /* drives' states and lines; the caller's output */
    pthread_cond_t changed;
    bool finished;
};

/* A drive's state in a word, as its progress and its row say it. */
const char *fleet_state_word(const struct fleet_drive *d);

/* Seconds between two times. */
double fleet_seconds(const struct timespec *from, const struct timespec *to);

/* The table, or the JSON document, of what happened on each drive;
 * returns the worst exit status among them. */
enum cmd_status fleet_report(struct fleet_run *run);

/* The worse of two exit statuses: a usage error, then a failure, then a
 * change not applied, then success. */
enum cmd_status fleet_worse(enum cmd_status a, enum cmd_status b);

/*
 * Drives by a name (their URI, their identity): a list of a rack's
 * thousands of drives is checked for one named twice in time linear in
 * its length.  Open addressing, at most half full; the names are the
 * drives' own strings, which stay where they are as the drives grow.
 */
struct fleet_name {
    const char *name; /* NULL: a free slot */
    size_t drive;
};

struct fleet_names {
    struct fleet_name *slots;
    size_t cap, count;
};

size_t fleet_names_add(struct fleet_names *set, const char *name, size_t drive);
void fleet_names_free(struct fleet_names *set);

/* --jobs N into *jobs (left as it is when not given). */
int fleet_jobs(const char *text, unsigned *jobs, struct err *err);
/* The drives the options name into run->drives, each checked before any
 * is opened. */
int fleet_drives(struct fleet_run *run, const struct cmd_entry *replay,
                 const struct cmd_args *args, struct err *err);

#endif
