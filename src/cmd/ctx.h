/*
 * The context commands run in: where their output goes, the drives and
 * page definitions they keep open, what the user selected and staged.
 * One per session of a front end; every module of the command layer
 * takes it.
 */
#ifndef MODECON_CMD_CTX_H
#define MODECON_CMD_CTX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pagedef.h"
#include "engine/recorder.h"
#include "engine/sense.h"
#include "util/err.h"

/* Exit statuses of a command. */
enum cmd_status {
    CMD_OK = 0,
    CMD_FAILED = 1,      /* the drive or the engine reported an error */
    CMD_USAGE = 2,       /* bad usage or bad input */
    CMD_NOT_APPLIED = 3, /* the drive accepted a change but did not apply
                            all of it */
};

/* One drive of a replay onto many drives (cmd/fleet.h), as a front end
 * shows its progress; every text is made visible. */
struct cmd_progress_row {
    const char *drive; /* its URI without a password */
    const char *state; /* "waiting", "running", "done", "failed",
                          "stopped", "skipped" */
    unsigned command;  /* the command it is at, from 1; 0 before the
                          first */
    unsigned commands; /* in the file */
    const char *doing; /* that command's name and page ("set 05"), or
                          "" */
    double elapsed;    /* seconds since it began, or until it ended */
};

/* Where a command's output goes; supplied by the front end. */
struct cmd_output {
    void (*out)(void *arg, const char *text); /* result text, one line */
    void (*err)(void *arg, const char *text); /* diagnostics, one line */
    /* All of standard input as a new string, or NULL with err set. */
    char *(*read_input)(void *arg, struct err *err);
    void *arg;
    /* A replay onto many drives, every drive's row each time, drawn over
     * the rows of the last call (in place, on a terminal); 'final' on the
     * last.  NULL (front ends that name only the members above): the
     * front end cannot redraw, and a plain line is printed as each drive
     * begins and ends instead. */
    void (*progress)(void *arg, const struct cmd_progress_row *rows,
                     size_t nrows, bool final);
};

struct cmd_ctx {
    const struct cmd_output *output;
    struct recorder_options recorder; /* from the global options */
    const char *trace_path;
    struct trace *trace; /* opened on first use; owned */
    char client[64];     /* "modecon set": who holds a drive we lock */
    char run[48];        /* this run of a command, unique: its MODE
                            SELECTs are undone together */
    char undo_shown[48]; /* the run the last 'undo --dry-run' showed as
                            the newest on record, for 'undo --expect' */
    const char *front;   /* "console", "shell", "replay": what runs the
                            commands, named in client; NULL: the command
                            line */
    /* The process runs one command and ends ('modecon edit ...', not -c,
     * the shell or the console): nothing that command itself stages can
     * be sent (a file it replays is a session of its own). */
    bool lone_command;
    /* Drives opened by commands, kept open for the next command of the
     * same context (a shell session sends many). */
    struct cmd_drive *drives;
    size_t ndrives;
    /* The process's page definitions and vendor sense rules
     * (pagecache.h) are in use by this context: its problems reported. */
    bool pagedb_loaded;
    bool sense_map_loaded;

    /* How lines of commands run (line.c, replay). */
    bool batch;                 /* wrap each command's output, %begin/%end */
    unsigned batch_seq;         /* commands run so far, for %begin N */
    bool keep_going;            /* run the rest of a line after a failure */
    bool dry_run;               /* no MODE SELECT, no power cycle: say each */
    const char *drive_override; /* every drive named is this one */
    /* Set by another thread: a command not yet begun fails, not run, and
     * so does every later one (a replay onto many drives interrupted);
     * NULL: never. */
    const atomic_bool *stop;
    int depth;      /* replay files replaying files */
    int depth_exec; /* commands running (commit runs a set) */
    /* A replay onto many drives said, before any was sent, which drives
     * are of another model than the file records: a file's identity lines
     * say it again for none. */
    bool models_said;
    /* replay --undo-elsewhere: an 'undo' of the file runs on the drive
     * replayed on, though it takes back that drive's own last change. */
    bool undo_elsewhere;
    /* What 'open' and 'page' selected, for commands that omit them. */
    char *selected_drive; /* owned, or NULL */
    char *selected_page;  /* owned, or NULL */
    char *journal_data;   /* set's --data as read from stdin, as hex */

    /* Edits staged by 'edit' for one page of one drive (all owned). */
    char *stage_drive;
    char *stage_page;
    char **stage_words;
    bool *stage_forced; /* per word: staged with --force, so sent with it */
    int stage_nwords;
    /* The current values the staged words were checked against (owned),
     * or NULL: the last edit's read of the page, which diff builds on
     * without asking the drive.  Commit reads the page once more, holding
     * the drive, and sends the words only while it still holds these
     * values: what goes out is what diff showed. */
    uint8_t *stage_base;
    size_t stage_base_len;
    /* What the last command's last verified MODE SELECT left on the
     * drive, as read back (edit_commit), or read_back.current NULL: a
     * front end shows it without asking the drive again. */
    struct cmd_read_back {
        const struct recorder *rec;
        enum mode_request rt; /* the values written: current or saved */
        uint8_t *current;     /* the page's current values; owned */
        size_t len;
    } read_back;
    /* Lines run in this session, for 'history' (owned). */
    char **session_lines;
    size_t nsession_lines;
    /* Per line: bit i set when its command i ran to its end (it succeeded,
     * or the drive did not apply all of its change), for 'history save',
     * which leaves out the others (owned). */
    uint64_t *session_ran;
    /* The last error a command reported, whole, for front ends that show
     * more than its text (the console highlights the field it names). */
    struct err last_error;
    /* 'undo' runs: its own MODE SELECTs are recorded as steps of the
     * change it puts back, not as changes of their own. */
    bool undoing;
    /* While 'undo' sends: the MODE SELECT of the change it puts back, as
     * the record names it. */
    const char *undo_of;
    /* While a command that names a drive runs, that drive as named, for
     * front ends that label its output; else NULL. */
    const char *running_drive;
    /* While a dry run runs, the drives it opens simulate: it reads and
     * changes the pages as the dry runs before it would have left them
     * (recorder_simulate; run.c). */
    bool simulating;
};

struct cmd_drive {
    char *uri;
    struct recorder *rec;
    unsigned journal_block; /* the run of the process's journal lines
                               its identity is in (journal.c), or 0 */
    unsigned long changes;  /* MODE SELECTs it answered GOOD */
    /* Of those, the ones whose read-back found the page as it was: the
     * drive kept its values (a drive that ignores MODE SELECT). */
    unsigned long kept;
};

void cmd_ctx_init(struct cmd_ctx *ctx, const struct cmd_output *output);
void cmd_ctx_fini(struct cmd_ctx *ctx);

/* Drop the staged edits. */
void cmd_stage_clear(struct cmd_ctx *ctx);
/* The staged edits, as the console's q names them: "DRIVE: N staged
 * edits of page PAGE not sent (WORD...)", or NULL when none are staged.
 * A new string, not yet made visible for a terminal (util/text.h). */
char *cmd_stage_describe(const struct cmd_ctx *ctx);
void cmd_read_back_clear(struct cmd_ctx *ctx);

#endif
