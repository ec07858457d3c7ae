/*
 * The command layer: every action is a named command in one table, run
 * the same way from the command line and, later, the shell, the console
 * and replay files.  Commands never print: they report through the
 * context's output sink, which each front end supplies.
 */
#ifndef MODECON_CMD_CMD_H
#define MODECON_CMD_CMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/field.h"
#include "engine/pagedef.h"
#include "engine/recorder.h"
#include "util/err.h"

/* The most drives asked at once, by list, pages and the console.  Above
 * the number of drives a rack holds, so that a rack costs about one
 * drive's time; bounded so that a portal with thousands of LUNs stays
 * within thread and descriptor limits. */
#define CMD_SCAN_PARALLEL 256

/* The ways to run the commands, for help: a selected drive or page and
 * staged edits last as long as one of these sessions. */
#define CMD_FRONT_ENDS                                                     \
    "front ends (the selected drive and page, and staged edits, last for " \
    "one session):\n"                                                      \
    "  modecon [console [DRIVE...]]   the console: drives, pages, fields " \
    "(on a terminal)\n"                                                    \
    "  modecon shell                  the commands at a prompt, with "     \
    "history and Tab completion\n"                                         \
    "  modecon [--batch] -c 'CMD; CMD' several commands in one session "   \
    "(--batch: one output stream)"

/* Exit statuses of a command. */
enum cmd_status {
    CMD_OK = 0,
    CMD_FAILED = 1,      /* the drive or the engine reported an error */
    CMD_USAGE = 2,       /* bad usage or bad input */
    CMD_NOT_APPLIED = 3, /* the drive accepted a change but did not apply
                            all of it */
};

/* Where a command's output goes; supplied by the front end. */
struct cmd_output {
    void (*out)(void *arg, const char *text); /* result text, one line */
    void (*err)(void *arg, const char *text); /* diagnostics, one line */
    /* All of standard input as a new string, or NULL with err set. */
    char *(*read_input)(void *arg, struct err *err);
    void *arg;
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
    /* Drives opened by commands, kept open for the next command of the
     * same context (a shell session sends many). */
    struct cmd_drive *drives;
    size_t ndrives;
    struct pagedb pagedb; /* loaded on first use */
    bool pagedb_loaded;
    struct sense_map sense_map; /* the user's vendor-sense rules */
    bool sense_map_loaded;

    /* How lines of commands run (line.c, replay). */
    bool batch;                 /* wrap each command's output, %begin/%end */
    unsigned batch_seq;         /* commands run so far, for %begin N */
    bool keep_going;            /* run the rest of a line after a failure */
    bool dry_run;               /* no MODE SELECT, no power cycle: say each */
    const char *drive_override; /* every drive named is this one */
    int depth;                  /* replay files replaying files */
    /* What 'open' and 'page' selected, for commands that omit them. */
    char *selected_drive; /* owned, or NULL */
    char *selected_page;  /* owned, or NULL */
    bool journal_started; /* the session header is written */
    char *journal_data;   /* set's --data as read from stdin, as hex */

    /* Edits staged by 'edit' for one page of one drive (all owned). */
    char *stage_drive;
    char *stage_page;
    char **stage_words;
    bool *stage_forced; /* per word: staged with --force, so sent with it */
    int stage_nwords;
    /* Lines run in this session, for 'history' (owned). */
    char **session_lines;
    size_t nsession_lines;
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
};

struct cmd_drive {
    char *uri;
    struct recorder *rec;
    bool journaled;        /* its identity is in the journal */
    unsigned long changes; /* MODE SELECTs it answered GOOD */
};

/* MODE SELECTs the drive 'rec' answered GOOD in this context: a front end
 * tells from it that a command changed that drive. */
unsigned long cmd_drive_changes(const struct cmd_ctx *ctx,
                                const struct recorder *rec);

#define CMD_MAX_OPTIONS 12

struct cmd_option {
    const char *name; /* long name without "--" */
    bool has_arg;
    const char *arg_name; /* "FILE" */
    const char *help;
    char letter; /* "-o" for the few options short enough to need one; or 0 */
};

/* Arguments after option parsing. */
struct cmd_args {
    int argc;
    char **argv;                         /* positional arguments; borrowed */
    const char *values[CMD_MAX_OPTIONS]; /* per option: value or "" */
    bool present[CMD_MAX_OPTIONS];
};

/* cmd_entry flags */
#define CMD_MUTATES 0x01 /* may change a drive: counted, dry-runnable */
#define CMD_DRIVE_ARG                                                       \
    0x02                  /* the first argument is a DRIVE: 'open' fills it \
                           */
#define CMD_PAGE_ARG 0x04 /* then a PAGE: 'page' fills it */
#define CMD_NO_JOURNAL                                     \
    0x08 /* changes drives through a command that journals \
          */

struct cmd_entry {
    const char *name;
    const char *alias;   /* another name, e.g. "source" for replay; or NULL */
    const char *args;    /* "DRIVE PAGE" for the usage line */
    const char *summary; /* one line */
    const struct cmd_option *options; /* terminated by { NULL } */
    int min_args, max_args;
    int flags;
    enum cmd_status (*exec)(struct cmd_ctx *ctx, const struct cmd_args *args);
};

extern const struct cmd_entry *const cmd_table[];

/* Global options, accepted before the command name and among its
 * arguments. */
extern const struct cmd_option cmd_global_options[];

void cmd_ctx_init(struct cmd_ctx *ctx, const struct cmd_output *output);
void cmd_ctx_fini(struct cmd_ctx *ctx);

/* Apply a global option (name without "--"); a usage error when unknown
 * or its value is bad. */
int cmd_global_option(struct cmd_ctx *ctx, const char *name, const char *value,
                      struct err *err);

/* Apply the global options among 'argv' (up to a "--") and take them out
 * of it, leaving the other words in order in argv[0..*argc): for a front
 * end's arguments, as cmd_run_argv does for a command's.  A usage error
 * for a missing or bad value. */
int cmd_take_global_options(struct cmd_ctx *ctx, const char *front_end,
                            int *argc, char **argv, struct err *err);

/* Run one command given as words (argv[0] is the command name). */
enum cmd_status cmd_run_argv(struct cmd_ctx *ctx, int argc, char **argv);

/* The entry by exact name or unique prefix; NULL with a usage error
 * (unknown, or ambiguous with the candidates named). */
const struct cmd_entry *cmd_find(const char *name, struct err *err);

/* Output helpers for commands. */
void cmd_print(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line of text as it is, without formatting. */
void cmd_print_text(struct cmd_ctx *ctx, const char *text);
void cmd_warn(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cmd_print_json(struct cmd_ctx *ctx, json_t *json); /* steals json */
/* MODE SELECTs the drives of this context answered GOOD so far: a
 * command that raised it sent a change. */
unsigned long cmd_selects_answered(const struct cmd_ctx *ctx);

/* A drive among others that failed, as JSON: {"drive": its URI without a
 * password, "error": {"hresult": NAME, "hresult_value": "0x...",
 * "message": TEXT}}.  A new reference. */
json_t *cmd_drive_error_json(const char *drive, const struct err *err);
/* Report the error of a drive, named by its URI (without a password)
 * where its message does not name it already: a drive file's error names
 * the file, a missing node its path.  Among others ('alone' false) it
 * returns CMD_FAILED: one drive failing, even by bad input, is no misuse
 * of the command, and the others are still shown.  A drive named alone
 * keeps its error's own status (bad input is CMD_USAGE), as get's does. */
enum cmd_status cmd_drive_error(struct cmd_ctx *ctx, const char *drive,
                                const struct err *err, bool alone);
/* Report err and return the exit status it calls for. */
enum cmd_status cmd_error(struct cmd_ctx *ctx, const struct err *err);

/* The value of option 'name' of 'entry', or NULL when not given. */
const char *cmd_arg_value(const struct cmd_entry *entry,
                          const struct cmd_args *args, const char *name);
bool cmd_arg_flag(const struct cmd_entry *entry, const struct cmd_args *args,
                  const char *name);

/* Drop the staged edits. */
void cmd_stage_clear(struct cmd_ctx *ctx);

/* The open drive of that URI, or NULL. */
struct cmd_drive *cmd_drive_entry(struct cmd_ctx *ctx, const char *uri);

/* Open the --trace file if one was asked for and is not open yet, and
 * point ctx->recorder's trace at it. */
int cmd_open_trace(struct cmd_ctx *ctx, struct err *err);

/* The URI a drive argument stands for: replay --drive puts its drive in
 * place of every recorded one. */
const char *cmd_drive_uri(const struct cmd_ctx *ctx, const char *uri);

/* Open a drive, or a snapshot or drive file ("x.json", opened as the
 * emulated drive it describes, whatever replay's --drive says). */
int cmd_open_drive_or_file(struct cmd_ctx *ctx, const char *arg,
                           struct recorder **rec, struct err *err);

/* The drive the context keeps open under 'uri', or NULL; it takes the
 * context's current trace and client name. */
struct recorder *cmd_kept_drive(struct cmd_ctx *ctx, const char *uri);

/* Keep a drive opened elsewhere (by a parallel scan) open in the context,
 * which now owns 'rec'. */
void cmd_keep_drive(struct cmd_ctx *ctx, const char *uri, struct recorder *rec);

/* The drive named by a command argument, opened with the global options
 * on first use and kept open by the context: *rec is borrowed. */
int cmd_open_drive(struct cmd_ctx *ctx, const char *uri, struct recorder **rec,
                   struct err *err);

/* The page definitions (built-in, $MODECON_PAGES, the user's), loaded
 * once; files that fail their checks are reported as warnings. */
const struct pagedb *cmd_pagedb(struct cmd_ctx *ctx);

/* The definition of a page of this drive (by its INQUIRY identity), or
 * NULL when there is none; -1 only when the drive could not be asked. */
int cmd_page_def(struct cmd_ctx *ctx, struct recorder *rec, uint8_t code,
                 uint8_t subpage, const struct page_def **pd, struct err *err);

/* The drive and page a field-level command names: parses PAGE, opens
 * DRIVE and finds the page's definition (NULL when there is none). */
int cmd_open_page(struct cmd_ctx *ctx, const char *drive, const char *page,
                  struct recorder **rec, uint8_t *code, uint8_t *subpage,
                  const struct page_def **pd, struct err *err);

/* "page 0x05 (Write Parameters)" */
void cmd_page_label(const struct page_def *pd, uint8_t code, uint8_t subpage,
                    char *buf, size_t len);

/* --type TYPE, defaulting to current. */
int cmd_request_type(const struct cmd_entry *entry, const struct cmd_args *args,
                     enum mode_request *rt, struct err *err);

/* The usage text of a command, or of all commands when entry is NULL;
 * a new string the caller frees. */
char *cmd_usage(const struct cmd_entry *entry);

#endif
