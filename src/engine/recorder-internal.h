/*
 * What the recorder's files (recorder.c, recorder-read.c, recorder-set.c,
 * recorder-overlay.c) share: the recorder itself, its command runner and
 * its lists of pages.  Not for callers of recorder.h.
 */
#ifndef MODECON_ENGINE_RECORDER_INTERNAL_H
#define MODECON_ENGINE_RECORDER_INTERNAL_H

#include "engine/recorder.h"

/* One MODE SENSE answer kept: the page as recorder_get_mode_page returns
 * it.  See recorder_cache_* in recorder-read.c for how long. */
struct mode_cache_entry {
    enum mode_request rt;
    uint8_t code, subpage;
    uint8_t *data;
    size_t len;
};

/* The entry for these values in pages[0..n), or NULL (recorder-read.c). */
struct mode_cache_entry *mode_pages_find(struct mode_cache_entry *pages,
                                         size_t n, enum mode_request rt,
                                         uint8_t code, uint8_t subpage);
/* Keep a copy of 'data' as these values in *pages, replacing what it held
 * of them. */
void mode_pages_put(struct mode_cache_entry **pages, size_t *n,
                    enum mode_request rt, uint8_t code, uint8_t subpage,
                    const uint8_t *data, size_t len);

struct recorder {
    struct transport *tp;
    struct recorder_options opts;
    struct drive_lock *lock;
    unsigned lock_count;
    unsigned read_passes;   /* recorder_begin_read_pass, counted */
    bool refuses_all_pages; /* page 3Fh refused: pages were asked one by one */
    struct recorder_hooks hooks;
    struct scsi_identity identity; /* the last INQUIRY answer */
    bool identified;               /* 'identity' holds one */
    bool vendor_asked; /* INQUIRY answered, or asked for the rules once */
    unsigned long mode_attentions;  /* UNIT ATTENTIONs 29h and 2Ah seen */
    struct mode_cache_entry *cache; /* MODE SENSE answers kept */
    size_t ncache;
    bool all_kept[4]; /* per page control: the cache holds a 3Fh answer */
    /* The simulation (recorder-overlay.c): the current and saved pages
     * the dry runs would have left, read instead of the drive's while
     * 'simulating'. */
    bool simulating;
    struct mode_cache_entry *overlay;
    size_t noverlay;
    /* A dry run saved (SP=1), which saves every savable page's current
     * values: the saved values of a page the overlay does not hold are
     * its current ones. */
    bool overlay_saved_all;
};

/*
 * Execute with the engine's bounded retries (UNIT ATTENTION, BECOMING
 * READY when 'wait_ready'); err set from the sense data as the recorder's
 * options map it.
 */
int recorder_exec(struct recorder *rec, struct scsi_io *io, bool wait_ready,
                  struct err *err);

/* Which kept MODE SENSE answers go: every one (a UNIT ATTENTION, the
 * recorder freed), or all but the changeable values (a MODE SELECT, an
 * error, the hold released). */
enum recorder_cache_drop {
    RECORDER_CACHE_DROP_ALL,
    RECORDER_CACHE_DROP_VALUES,
};
void recorder_cache_drop(struct recorder *rec, enum recorder_cache_drop what);

/* GetModePage asking the drive whatever is kept ('fresh'): the read that
 * catches a change made meanwhile, and the read-back after MODE SELECT. */
int recorder_read_mode_page(struct recorder *rec, uint8_t code, uint8_t subpage,
                            enum mode_request rt, bool fresh, uint8_t **data,
                            size_t *len, struct err *err);

/* The overlay's answer for GetModePage while simulating: 1 with *data
 * new, 0 when the drive is to be asked, -1 with err set. */
int recorder_overlay_answer(struct recorder *rec, uint8_t code, uint8_t subpage,
                            enum mode_request rt, uint8_t **data, size_t *len,
                            struct err *err);

/* A dry-run MODE SELECT of 'page' (len bytes) that passed the checks,
 * applied to the overlay as a drive applies it: the bits 'chg' lets
 * change (every bit when chg is NULL) of the page as 'before' holds it. */
void recorder_overlay_apply(struct recorder *rec, enum mode_request rt,
                            const uint8_t *page, size_t len,
                            const uint8_t *before, size_t before_len,
                            const uint8_t *chg);

/* A MODE SELECT goes to the drive, of the page whose current values the
 * drive held as 'current': the overlay's current values of it go (its
 * saved ones stay: a MODE SELECT without SP leaves the saved values), and
 * with 'saving' every saved value it held. */
void recorder_overlay_forget(struct recorder *rec, const uint8_t *current,
                             size_t len, bool saving);

#define RECORDER_LABEL_LEN 96

/* "page 0x05 (Write Parameters)" in buf, which it returns. */
const char *recorder_label(const struct recorder *rec,
                           char buf[RECORDER_LABEL_LEN], uint8_t code,
                           uint8_t subpage);

#endif
