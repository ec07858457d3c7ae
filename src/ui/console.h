/*
 * The console: every drive, its pages and the selected page's fields, a
 * command line and a message log.  This is the console's state, owned by
 * the UI thread; drives answer through their workers (ui/worker.c), and
 * the view (ui/view.h) draws the state into a canvas.
 *
 * Every key is bound to a command string (ui/keys.c).  Strings whose
 * first word is a console command (below) move the cursor or open a
 * dialog; all others are lines of the command language, run on the
 * selected drive's worker, so they land in the journal as any command
 * does.
 *
 * The console's files, one job each, are listed in ui/console-internal.h.
 */
#ifndef MODECON_UI_CONSOLE_H
#define MODECON_UI_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/drive.h"
#include "ui/model.h"
#include "ui/prompt.h"

struct worker;
struct worker_gate;

enum console_pane {
    PANE_DRIVES,
    PANE_PAGES,
    PANE_FIELDS,
};

/* What the confirmation dialog sends on y (or s). */
enum console_confirm {
    CONFIRM_COMMIT,   /* the staged edits: commit, or commit --save */
    CONFIRM_UNDO,     /* undo of the drive's last command */
    CONFIRM_DEFAULTS, /* defaults of the page in view, or defaults --save */
};

enum console_mode {
    MODE_NORMAL,
    MODE_PROMPT,  /* the command line, or a field's value */
    MODE_PICK,    /* an enum field's values */
    MODE_CONFIRM, /* a commit, undo or defaults waits for y / s / n */
    MODE_HELP,
    MODE_LOG,
    MODE_OUTPUT,  /* a command's output, whole */
    MODE_FLEET,   /* a commit, undo or defaults for the tagged drives */
    MODE_COMPARE, /* the page in view on every tagged drive */
};

/* Where a commit, undo or defaults for the tagged drives is: each drive's
 * dry run first, then the technician's answer, then the drives that
 * passed, each on its own worker. */
enum fleet_phase {
    FLEET_CHECKING, /* dry runs out; keys typed wait for them */
    FLEET_READY,    /* y sends, anything else leaves */
    FLEET_SENDING,  /* the commands out; keys typed wait for them */
    FLEET_DONE,     /* every outcome shown */
};

/* A tagged drive's pre-check, then its outcome. */
enum fleet_state {
    FLEET_WAITING,     /* its dry run, or its command, not answered yet */
    FLEET_PASSES,      /* the dry run passed: y sends to it */
    FLEET_REFUSED,     /* the dry run refused the command: not sent */
    FLEET_UNREADABLE,  /* the drive did not answer the dry run: not sent */
    FLEET_LEFT,        /* the technician left: nothing sent */
    FLEET_APPLIED,     /* sent, and the drive took all of it */
    FLEET_UNCHANGED,   /* sent, but it held the values already: no
                          MODE SELECT went out */
    FLEET_NOT_APPLIED, /* sent, and the drive kept some of its values */
    FLEET_FAILED,      /* sent, and the drive or the checks refused it */
};

struct fleet_drive {
    char *uri;
    char model[48];   /* VENDOR PRODUCT REV, or "" when not identified */
    bool other_model; /* another than the drive the edit was staged on */
    unsigned seq;     /* the job awaited, or 0 */
    enum fleet_state state;
    char *check; /* what the dry run said, in short */
    /* commit: the page's current values its dry run read, as 'get'
     * prints them; y sends only while the drive still holds them. */
    char *base;
    char *outcome;
    char undo_run[48]; /* undo: the run its dry run showed */
};

struct console_fleet {
    enum console_confirm kind;
    enum fleet_phase phase;
    char *what;   /* "page 0x08 (Caching): WCE=0" */
    char *note;   /* about the drive in view when it is not tagged, or NULL */
    char *args;   /* commit: "PAGE WORDS [--force-field F]" for set; defaults:
                     "PAGE" */
    char *source; /* the drive the edit is staged on (commit) */
    char *page;   /* commit: the page, as 'get' and 'set' take it */
    struct fleet_drive *drives;
    size_t ndrives;
    size_t top;     /* the screen's first row shown */
    size_t dropped; /* keys typed during the dry runs, dropped: a y among
                       them would confirm a screen not yet seen */
};

/* The page in view compared across the tagged drives: each one's
 * current values, read with 'get'. */
struct compare_drive {
    char *uri;
    /* Whose page definition decodes its values: the drive's own. */
    struct scsi_identity id;
    unsigned seq; /* the read awaited, or 0 */
    uint8_t *page;
    size_t len;
    char *error; /* why it has no values */
};

struct console_compare {
    uint8_t code, subpage;
    struct scsi_identity id; /* whose page definition names the fields */
    char title[160];
    struct compare_drive *drives;
    size_t ndrives;
    size_t top, left; /* the first field row and drive column shown */
};

/* The smallest terminal the console works in; smaller, it says so and
 * ignores the keys that act on drives. */
#define CONSOLE_MIN_ROWS 24
#define CONSOLE_MIN_COLS 80

struct console_drive {
    /* Either a worker thread, or a session run on the caller's thread
     * (the screen tests): a job's snapshot waits in 'pending' then. */
    struct worker *worker;
    struct drive_session *session;
    struct drive_snapshot pending;
    bool has_pending;
    unsigned sync_seq;
    struct drive_snapshot snap;
    unsigned last_seq; /* the last job whose lines were logged */
    unsigned sent_seq; /* the last job the console sent it */
    bool busy;
    char busy_job[128];
    double busy_since;
    struct commit_record commit; /* the last commit, or len 0 */
    unsigned commit_seq;         /* the commit job in flight, or 0 */
    bool tagged; /* a commit, undo or defaults goes to every tagged drive */
};

struct log_entry {
    bool is_error;
    char *text;
};

#define CONSOLE_LOG_MAX 200

struct console {
    struct cmd_ctx *ctx; /* the console's own: completion, help */
    struct console_drive *drives;
    size_t ndrives;
    int notify_fd; /* workers write here */
    int poll_ms;
    struct worker_gate *gate; /* bounds the workers' own jobs; made by the
                                 first threaded drive */

    enum console_pane focus;
    enum console_mode mode;
    size_t drive_cursor, page_cursor, field_cursor;
    size_t log_top;  /* the log screen's first line from the end */
    size_t help_top; /* the help screen's first line */
    bool show_hex;   /* the hex view in place of the fields when short */

    struct field_model fields; /* of the selected drive's page */

    struct prompt prompt;
    bool prompt_is_value;           /* editing one field's value */
    char value_field[48];           /* that field */
    char prompt_check[ERR_MSG_MAX]; /* what is wrong with the value typed */
    char **completions;             /* shown above the prompt */
    size_t ncompletions;

    size_t pick_cursor; /* MODE_PICK over the selected field's values */

    /* MODE_OUTPUT: the lines a command typed at ':' answered. */
    struct log_entry *output;
    size_t noutput;
    char output_title[160];
    size_t output_top, output_left; /* the first line and column shown */
    size_t output_drive;
    unsigned output_seq; /* the command awaited, or 0 */
    bool output_wanted;  /* the next job sent is such a command */

    /*
     * Keys are applied in the order typed, each after the state the
     * earlier ones produced: once a key has handed a job to a drive, the
     * keys after it wait here until its answer is collected.
     */
    int *typed;
    size_t ntyped, typed_cap;
    size_t await_drive;
    unsigned await_seq; /* the job the keys wait for, or 0 */
    bool feeding;       /* applying typed keys now */

    int screen_rows, screen_cols; /* the terminal's size, for the keys */

    /* The dialog: what its dry run ('diff', 'undo --dry-run', 'defaults
     * --dry-run') said, and what y sends. */
    enum console_confirm confirm_kind;
    char **confirm_lines;
    size_t nconfirm;
    size_t confirm_top; /* its first line shown */
    /* The dry run awaited, or 0, and its drive: a worker numbers its own
     * jobs, so another drive's answer may carry the same number. */
    size_t confirm_drive;
    unsigned confirm_seq;
    /* r: the page read again, awaited to say so, or 0. */
    size_t refresh_drive;
    unsigned refresh_seq;
    char *confirm_cmd; /* undo or defaults: the command y runs */

    struct log_entry log[CONSOLE_LOG_MAX];
    size_t nlog;
    /* The error shown under the editor until the selection moves. */
    bool has_error;
    struct err error;
    char **error_lines;
    size_t nerror_lines;

    double now; /* when this frame is drawn: the view reads no clock */
    /* With drives tagged: the commit, undo or defaults under way, and the
     * comparison of their pages. */
    struct console_fleet fleet;
    struct console_compare compare;

    bool redraw;       /* the whole screen again */
    bool quit_asked;   /* a q named staged edits: the next q leaves */
    char *close_asked; /* a ':close' named this drive's staged edits: the
                          next one closes it */

    /* Files that change when a modecon process changes a drive (the
     * audit log, the emulated drives' state directory), watched so that
     * the page in view is read again at once: size and modification
     * time, as last seen. */
    char *watch_paths[2];
    long long watch_marks[2][3];
    double watch_at;              /* when they were last looked at */
    const struct worker *watched; /* the worker told to watch its page */
    bool quit;
};

/* Set up with no drives; 'history_file' may be NULL. */
void console_init(struct console *con, struct cmd_ctx *ctx,
                  const char *history_file);
void console_fini(struct console *con);

/* A drive with a worker thread of its own (notify_fd must be set), or,
 * when not 'threaded', one whose commands run at once on the caller's
 * thread (the screen tests). */
void console_add_drive(struct console *con, const char *uri, bool threaded);

/* Poll the medium of every drive without a worker now, as a worker does
 * every poll_ms (the page again after a UNIT ATTENTION that says it may
 * have changed); console_collect then takes the answers. */
void console_poll_unthreaded(struct console *con);

/* Take what the workers posted; true when anything changed. */
bool console_collect(struct console *con);

/* A key typed: applied now, or after the answer that the keys typed
 * before it wait for. */
void console_key(struct console *con, int key);

/* Drop the keys waiting for a drive's answer (Esc, Ctrl-C): the console
 * answers at once, the drive's job goes on; 'why' names the key. */
void console_drop_typed(struct console *con, const char *why);

/* The terminal is smaller than CONSOLE_MIN_ROWS x CONSOLE_MIN_COLS. */
bool console_too_small(const struct console *con);

/* Run a command string: a console command, or a line for the selected
 * drive's worker. */
void console_run(struct console *con, const char *line);

/* How many drives are tagged. */
size_t console_tagged(const struct console *con);
/* Leave the tagged drives' screen (Esc, Ctrl-C); before y, nothing was
 * sent, and the log says so. */
void console_fleet_leave(struct console *con);
/* How many drives of the fleet are in 'state'. */
size_t console_fleet_count(const struct console_fleet *f,
                           enum fleet_state state);
/* The comparison's rows: the fields of the page definition, laid over
 * the values of the first tagged drive that has any (*refs, the
 * caller's to free), or the bytes (*refs NULL): without a definition, or
 * when the drives' own definitions of the page differ (per vendor or
 * product, pages/README.md); 'first' gets that drive, or NULL when none
 * answered yet. */
size_t console_compare_rows(const struct console *con, struct field_ref **refs,
                            const struct compare_drive **first);

/* The page in view keeps saved values (the drive reports PS). */
bool console_page_savable(const struct console *con);
/* The dialog offers s: a commit or defaults of a savable page. */
bool console_confirm_saves(const struct console *con);
/* Append to the message log. */
void console_log(struct console *con, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct console_drive *console_drive(struct console *con);
const struct field_row *console_field(const struct console *con);

/* Build the field model again from the selected drive's snapshot. */
void console_refresh_fields(struct console *con);

/* The console commands and keys, for the help screen; console_run runs
 * a command with its first argument ("" when none). */
struct console_command {
    const char *name;
    const char *args;
    const char *summary;
    void (*exec)(struct console *con, const char *arg);
};
extern const struct console_command console_commands[];

struct key_binding {
    int key;
    const char *name;    /* "Up", "q", "F10" */
    const char *command; /* what it runs */
};
extern const struct key_binding console_keys[];

/* Lines of the help screen: keys, a blank line, then commands. */
size_t console_help_length(void);

/* The full-screen console on the terminal; returns the exit status. */
int console_main(struct cmd_ctx *ctx, char **extra_drives, int nextra);

#endif
