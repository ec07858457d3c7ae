/*
 * What the console knows of one drive: its identity, its medium, its pages
 * and the selected page under all four page controls, with the edits
 * staged for it.  A drive's data is fetched through its own command
 * context (on its worker thread, ui/worker.c) and handed to the screens as
 * a finished snapshot, so the screens never wait on a drive.
 */
#ifndef MODECON_UI_DRIVE_H
#define MODECON_UI_DRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/cmd.h"

/* A line a command printed, in the order printed. */
struct drive_line {
    bool is_error; /* from the error sink */
    char *text;
    char *drive; /* the drive the command named, when another than the
                    session's (password left out); else NULL */
};

struct drive_snapshot {
    char *uri;
    bool identified; /* INQUIRY answered */
    struct scsi_identity id;
    char scheme[16]; /* "emu", "iscsi", "sg" */

    bool media_known;
    enum media_state media;
    int progress; /* permille, or -1 */
    /* Why the last medium poll got no answer (hr S_OK when it got one):
     * a drive that vanishes or hangs between commands shows it here. */
    struct err media_error;

    struct mode_page_info *pages; /* what the drive reports */
    size_t npages;
    bool pages_known;

    /* The selected page ('page' command of the drive's context). */
    bool has_page;
    uint8_t code, subpage;
    const struct page_def *pd; /* or NULL; lives as long as the worker */
    uint8_t *values[4];        /* per enum mode_request, or NULL */
    size_t lens[4];
    uint8_t *staged;    /* current values with the staged edits, or NULL */
    char **stage_words; /* FIELD=VALUE as staged */
    bool *stage_forced; /* per word: staged with --force, sent with it */
    int nstage_words;
    /* When the page's values were last read, in seconds on the monotonic
     * clock (worker_now), or 0. */
    double read_at;
    /* The page's values, per page control (current and saved only), as
     * read before they last changed without a MODE SELECT of this
     * console's (another process or console, a power cycle): what the
     * screen marks.  NULL when nothing changed so since the page was
     * shown or this console last changed it. */
    uint8_t *changed_from[4];
    size_t changed_from_lens[4];
    unsigned outside_changes; /* how many such changes were seen */

    /* The run the last 'undo --dry-run' showed as the newest on record,
     * or "": the undo dialog's y undoes that one or nothing. */
    char undo_shown[48];

    /* Edits staged on the drive, on whichever page: not sent yet. */
    int pending_edits;
    char pending_page[32]; /* the page they are for, as given */

    /* The job this snapshot answers (worker_send's number), 0 for a
     * medium poll, which leaves the last command's outcome as it was. */
    unsigned job_seq;
    /* The last command's outcome. */
    struct drive_line *lines;
    size_t nlines;
    bool failed;
    struct err error;       /* when failed */
    enum cmd_status status; /* the last command's, as 'modecon' exits */
    bool sent_select;       /* this drive took a MODE SELECT it sent */
};

/* The page in the snapshot keeps saved values: the drive reports PS in
 * its current values (SPC-4 7.5.7). */
bool drive_snapshot_savable(const struct drive_snapshot *snap);

/* An empty snapshot of the drive 'uri': nothing known yet. */
void drive_snapshot_init(struct drive_snapshot *snap, const char *uri);
void drive_snapshot_free(struct drive_snapshot *snap);
/* A deep copy, for a screen that keeps one while the worker goes on. */
void drive_snapshot_copy(struct drive_snapshot *dst,
                         const struct drive_snapshot *src);

/* A drive's own command context and what it has learnt of the drive. */
struct drive_session {
    struct cmd_ctx ctx;
    struct cmd_output output;
    struct drive_snapshot snap;
    /* recorder_mode_attentions when the page was last read: a UNIT
     * ATTENTION since says to read it again. */
    unsigned long attentions;
    /* A MODE SELECT of this session's whose outcome was not read back:
     * the next difference is this console's own. */
    bool own_change_unread;
};

/* Opens nothing yet: the first job does.  The global options (time-out,
 * ready wait, trace file) are taken from 'global'. */
void drive_session_init(struct drive_session *ds, const char *uri,
                        const struct cmd_ctx *global);
void drive_session_fini(struct drive_session *ds);

/* INQUIRY, the supported pages and the medium; selects the drive in the
 * session's context. */
void drive_session_identify(struct drive_session *ds);

/* The drive answered INQUIRY and listed its pages: false until then, and
 * a drive that failed either is asked again (drive_session_identify). */
bool drive_session_known(const struct drive_session *ds);

/* TEST UNIT READY: the medium's state alone.  Returns whether it changed. */
bool drive_session_poll(struct drive_session *ds);

/* The page in view once more, current and saved values (two MODE
 * SENSEs): all of it read again, and what changed marked, when they
 * differ from the last read.  False when there is no page, or the drive
 * did not answer (the values shown stay, with their age). */
bool drive_session_reload(struct drive_session *ds);

/* The drive reported a UNIT ATTENTION since the page was read that says
 * its mode parameters may have changed (recorder_mode_attentions). */
bool drive_session_attention(struct drive_session *ds);

/* Run a line of the command language in the drive's context, then read
 * the selected page again under every page control, unless the drive
 * failed the command (a drive that hangs is not asked again at once). */
void drive_session_run(struct drive_session *ds, const char *line,
                       bool read_page);

#endif
