/*
 * The recorder: IMAPI2's IDiscRecorder2Ex mode page methods over any
 * transport.  GetModePage returns a page without the mode parameter header
 * or block descriptors; SetModePage takes a page without a header, builds
 * the MODE SELECT(10) header itself, checks the edit against the drive's
 * changeable values first and reads the page back afterwards.  Every result
 * is an IMAPI HRESULT in struct err.
 *
 * Ownership.  Arguments are borrowed for the call only, except those
 * recorder_options, recorder_set_client and recorder_set_hooks keep, which
 * must outlive the recorder.  Memory a call returns is new and the
 * caller's, to free(); a set_report's with set_report_fini.  A failed call
 * returns none.  A const char * or struct pointer the recorder returns is
 * its own, valid until recorder_free (the names of enum values are
 * static).
 *
 * Threads.  A recorder is not locked inside: one thread at a time uses it,
 * and its hooks run on that thread.  Calls on different recorders may run
 * at once, on different threads, even on one drive; MODE SELECT takes the
 * drive's lock (recorder_acquire_exclusive), which a second recorder, in
 * this process or another, finds taken (E_IMAPI_RECORDER_LOCKED).
 * Process-global: the page definitions (struct pagedb) and the sense rules
 * (struct sense_map) in recorder_options are read, never written, by the
 * recorders: load them once before the first recorder_open, share them
 * among all recorders and threads, and free them after the last
 * recorder_free.  A struct trace may be shared (it locks itself).  The
 * iSCSI password prompt (transport_set_password_prompt) is set once, before
 * any recorder_open; the environment (HOME, XDG_STATE_HOME, XDG_CONFIG_HOME,
 * MODECON_DATA_DIR) is read when drives and their locks are opened.
 *
 * Nothing here prints or exits; an allocation that fails prints one line
 * and aborts (util/xmalloc.h), as do the program's own bugs.
 */
#ifndef MODECON_ENGINE_RECORDER_H
#define MODECON_ENGINE_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/scsi.h"
#include "engine/sense.h"
#include "transport/transport.h"

/* IMAPI_MODE_PAGE_REQUEST_TYPE, equal to the SCSI page control field. */
enum mode_request {
    MODE_REQUEST_CURRENT = 0,
    MODE_REQUEST_CHANGEABLE = 1,
    MODE_REQUEST_DEFAULT = 2,
    MODE_REQUEST_SAVED = 3,
};

const char *mode_request_name(enum mode_request rt); /* "current" */
/* "current", "changeable", "default", "saved" (any case) or 0 to 3. */
int mode_request_parse(const char *text, enum mode_request *rt,
                       struct err *err);

#define RECORDER_DEFAULT_TIMEOUT_MS    10000 /* IMAPI2_DEFAULT_COMMAND_TIMEOUT */
#define RECORDER_DEFAULT_READY_WAIT_MS 5000

struct pagedb;

struct recorder_options {
    uint32_t timeout_ms;    /* each command's time-out */
    uint32_t ready_wait_ms; /* how long BECOMING READY is retried */
    struct trace *trace;    /* borrowed; may be NULL */
    const char *client;     /* named to others while holding the drive */
    const struct sense_map *sense_map; /* the user's rules; borrowed, or NULL */
    const struct pagedb *pages; /* names pages in messages; borrowed, or NULL */
};

void recorder_options_init(struct recorder_options *opts);

struct recorder;

/* A recorder for the drive at 'uri' (transport_open's forms): *out is new,
 * for recorder_free.  opts is copied; what it points to is borrowed. */
int recorder_open(const char *uri, const struct recorder_options *opts,
                  struct recorder **out, struct err *err);
/* Closes the drive and drops its lock; NULL is allowed. */
void recorder_free(struct recorder *rec);
/* The drive's URI without its query; the recorder's. */
const char *recorder_name(const struct recorder *rec);
/* The transport under the recorder, for raw commands and control ops; the
 * recorder's, used on the recorder's thread. */
struct transport *recorder_transport(struct recorder *rec);

/* The drive's identity into the caller's *id: INQUIRY the first time, and
 * again only after a UNIT ATTENTION that can change it (power on or reset,
 * INQUIRY DATA HAS CHANGED, REPORTED LUNS DATA HAS CHANGED); kept by the
 * recorder in between, so that a drive is asked once per process. */
int recorder_inquiry(struct recorder *rec, struct scsi_identity *id,
                     struct err *err);

/* The identity from the last INQUIRY answered, or NULL before one and
 * after a UNIT ATTENTION that can change it; the recorder's, overwritten
 * by the next INQUIRY. */
const struct scsi_identity *recorder_known_identity(const struct recorder *rec);

/* How many UNIT ATTENTIONs this recorder has met that say the drive's mode
 * parameters may differ from what was read: 29h (power on, reset: the
 * saved values are current again) and 2Ah (parameters changed, by another
 * initiator: 2A/01 MODE PARAMETERS CHANGED), SPC-4 6.11.  The engine
 * retries the command each interrupted; a caller that shows values reads
 * them again when the count moves. */
unsigned long recorder_mode_attentions(const struct recorder *rec);

/* GET CONFIGURATION: the profiles and the interface, into the caller's
 * *cfg. */
int recorder_get_configuration(struct recorder *rec,
                               struct scsi_configuration *cfg, struct err *err);

enum media_state {
    MEDIA_READY,
    MEDIA_NONE,
    MEDIA_BECOMING_READY,
    MEDIA_FORMATTING,
    MEDIA_BUSY,
    MEDIA_WRITE_PROTECTED,
    MEDIA_UNKNOWN,
};

const char *media_state_name(enum media_state state);

/* TEST UNIT READY, once, interpreted, and for a ready drive the write
 * protection of its disc; progress in permille or -1. */
int recorder_media_state(struct recorder *rec, enum media_state *state,
                         int *progress, struct err *err);

/*
 * GetModePage: the page 'code'/'subpage' as the drive holds it for 'rt',
 * without header or block descriptors, PS bit as reported.  *data is new;
 * the caller frees it.  On failure *data and *len are left as they were.
 * While the recorder holds the drive an answer is kept and a second call
 * for it sends nothing (changeable values are kept until a UNIT ATTENTION);
 * recorder-read.c says what drops them and why that is safe.  While the
 * recorder simulates, current and saved values come from its overlay
 * where it holds the page (recorder_simulate).
 */
int recorder_get_mode_page(struct recorder *rec, uint8_t code, uint8_t subpage,
                           enum mode_request rt, uint8_t **data, size_t *len,
                           struct err *err);

struct mode_page_info {
    uint8_t code;
    uint8_t subpage;
    size_t length; /* whole page, page header included */
    bool savable;  /* PS */
};

/*
 * GetSupportedModePages: the pages the drive reports for 'rt', sorted by
 * code and subpage.  Drives that refuse page 3Fh are asked page by page.
 * *pages is new (*count entries, perhaps none); the caller frees it.  On
 * failure there is nothing to free.
 */
int recorder_get_supported_mode_pages(struct recorder *rec,
                                      enum mode_request rt,
                                      struct mode_page_info **pages,
                                      size_t *count, struct err *err);

/* A command that only reads: from begin to end, every MODE SENSE answer
 * is kept as while the drive is held (a page 3Fh answer serves each of
 * its pages), without holding it.  Counted; the last end drops the
 * values kept, unless the drive is held. */
void recorder_begin_read_pass(struct recorder *rec);
void recorder_end_read_pass(struct recorder *rec);

/* True once the drive refused page 3Fh, so that its pages were asked one
 * by one. */
bool recorder_refuses_all_pages(const struct recorder *rec);

struct set_options {
    bool force; /* send even if the pre-check fails */
    /* Check and build, send no MODE SELECT; while the recorder simulates
     * (recorder_simulate), applied to its overlay. */
    bool dry_run;
    /* A dry run that only shows what another request would send (diff
     * before commit): the overlay is left as it was. */
    bool preview;
    bool verify; /* read the page back afterwards */
    /* Send current values the drive already holds (by default such a
     * request sends nothing and sets rep->unchanged). */
    bool send_unchanged;
    /* The current page the request was built from, or NULL: a page that
     * reads otherwise once the drive is held (another program changed it
     * meanwhile) is refused and nothing is sent, so that a change of one
     * field never puts back another program's change of another.  A dry
     * run is checked against it, without reading the current values. */
    const uint8_t *based_on;
    /* The page puts back values the drive held before (an undo): the
     * bits it changes were the drive's own, so its changeable values are
     * not read to check them again, and rep->checked stays false. */
    bool puts_back;
};

/* One byte the drive did not take. */
struct set_unapplied {
    size_t offset; /* page byte */
    uint8_t sent;
    uint8_t got;
    enum mode_request where; /* current or saved values */
};

struct set_report {
    uint8_t cdb[10];
    uint8_t *param_list; /* header + page, as sent or as it would be */
    size_t param_len;
    uint8_t *before; /* the current page before the change */
    size_t before_len;
    uint8_t *after; /* the current page as read back, or NULL */
    size_t after_len;
    bool checked;   /* compared with the drive's changeable values */
    bool sent;      /* MODE SELECT went out and was answered GOOD */
    bool verified;  /* read back */
    bool unchanged; /* current values as the drive holds them: not sent */
    char notice[ERR_MSG_MAX]; /* what the user should know, or "" */
    size_t nunapplied;
    struct set_unapplied *unapplied;
};

void set_report_fini(struct set_report *rep);

/* Whether the page read now ('now', now_len bytes) differs from the one a
 * request was built from ('then', len bytes), PS aside: then err says
 * where ("LABEL changed since it was read (byte N: ...)"; nothing was
 * sent).  The check recorder_set_mode_page makes with based_on. */
bool recorder_changed_since(const uint8_t *now, size_t now_len,
                            const uint8_t *then, size_t len, const char *label,
                            struct err *err);

/*
 * SetModePage.  rt must be CURRENT or SAVED (E_INVALIDARG otherwise);
 * NULL data is E_POINTER.  Errors before sending leave the drive untouched;
 * rep says what was sent and, after a verified change, which bytes the
 * drive did not apply; release it with set_report_fini after every call,
 * successful or not.  data and opts (opts->based_on too) are borrowed for
 * the call.  The recorder's hooks run inside it, on the caller's thread.
 */
int recorder_set_mode_page(struct recorder *rec, enum mode_request rt,
                           const uint8_t *data, size_t len,
                           const struct set_options *opts,
                           struct set_report *rep, struct err *err);

/*
 * Simulation: dry runs that build on one another.  While the recorder
 * simulates, a dry-run SetModePage that passes its checks is applied to
 * an overlay as a drive applies it (the bits the drive's changeable
 * values let change; with SP=1 the page's current values are saved, and
 * so are those of every savable page, SPC-4 6.11), and GetModePage
 * answers current and saved values from the overlay where it holds the
 * page; changeable and default values always come from the drive.  So
 * each dry run is checked and shown against the state the ones before
 * would have left.  Nothing of it reaches the drive, and while the
 * recorder does not simulate (the default) reads and SetModePage see the
 * drive alone; a MODE SELECT that goes out checks against the drive,
 * whatever the overlay holds.
 *
 * The overlay is kept for the recorder's life, through simulating and
 * not, and what it holds of a page goes when the drive's page changes:
 * a MODE SELECT sent to the drive drops that page's current values (its
 * saved values, which a MODE SELECT without SP leaves, stay; with SP=1
 * every saved value held goes, the drive having saved its own current
 * values), and a UNIT ATTENTION that counts in
 * recorder_mode_attentions (a reset, or parameters changed by another
 * initiator, which does not say which page) drops it all.
 *
 * Like every call, on the recorder's thread; the overlay is the
 * recorder's and goes with recorder_free.
 */
void recorder_simulate(struct recorder *rec, bool on);
bool recorder_simulating(const struct recorder *rec);
/* Whether the overlay holds anything: dry runs would have left the drive
 * otherwise than it is. */
bool recorder_simulation_pending(const struct recorder *rec);
/* Forget what the dry runs would have left: the drive as it is again. */
void recorder_simulation_drop(struct recorder *rec);

/* One MODE SELECT, for a caller that keeps a record of changes: the page
 * as sent (PS cleared), and the report so far (before, CDB, parameter
 * list; after the answer also sent, verified, after and unapplied). */
struct select_event {
    enum mode_request rt;
    const uint8_t *page;
    size_t len;
    const struct set_report *rep;
    const struct err *result;   /* after the answer: the MODE SELECT's */
    const struct err *readback; /* the read-back's, or NULL when none */
};

/* Called with the recorder, on the thread of recorder_set_mode_page; ev
 * and what it points to last only for the call. */
struct recorder_hooks {
    /* Just before MODE SELECT goes out, the drive held: a nonzero return
     * (with err set) stops it, and nothing is sent. */
    int (*before_select)(void *arg, struct recorder *rec,
                         const struct select_event *ev, struct err *err);
    /* After its answer or its failure, and the read-back: a nonzero
     * return (with err set) fails the call, whatever the drive did. */
    int (*after_select)(void *arg, struct recorder *rec,
                        const struct select_event *ev, struct err *err);
    void *arg;
};

/* hooks is copied; hooks->arg is borrowed for the recorder's life. */
void recorder_set_hooks(struct recorder *rec,
                        const struct recorder_hooks *hooks);

/* What identifies the drive however its URI was spelt; the recorder's. */
const char *recorder_id(const struct recorder *rec);

/* The client name others see while this recorder holds the drive;
 * borrowed for the recorder's life. */
void recorder_set_client(struct recorder *rec, const char *client);

/* AcquireExclusiveAccess / ReleaseExclusiveAccess, counted: the drive is
 * held until as many releases as acquires. */
int recorder_acquire_exclusive(struct recorder *rec, struct err *err);
void recorder_release_exclusive(struct recorder *rec);

#endif
