/*
 * The simulation (recorder.h, recorder_simulate): the pages the dry runs
 * would have left on the drive, kept per page code, subpage and values
 * (current or saved), and read in place of the drive's while the recorder
 * simulates.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/recorder-internal.h"
#include "engine/recorder.h"
#include "util/xmalloc.h"

void
recorder_simulate(struct recorder *rec, bool on)
{
    rec->simulating = on;
}

bool
recorder_simulating(const struct recorder *rec)
{
    return rec->simulating;
}

/* Keep the entries 'keep' says yes to, free the others. */
static void
recorder_overlay_filter(struct recorder *rec,
                        bool (*keep)(const struct mode_cache_entry *e,
                                     const void *arg),
                        const void *arg)
{
    size_t kept = 0;

    for (size_t i = 0; i < rec->noverlay; i++) {
        if (keep != NULL && keep(&rec->overlay[i], arg))
            rec->overlay[kept++] = rec->overlay[i];
        else
            free(rec->overlay[i].data);
    }
    rec->noverlay = kept;
    if (kept == 0) {
        free(rec->overlay);
        rec->overlay = NULL;
    }
}

bool
recorder_simulation_pending(const struct recorder *rec)
{
    return rec->noverlay > 0;
}

void
recorder_simulation_drop(struct recorder *rec)
{
    recorder_overlay_filter(rec, NULL, NULL);
    rec->overlay_saved_all = false;
}

static struct mode_cache_entry *
recorder_overlay_find(struct recorder *rec, enum mode_request rt, uint8_t code,
                      uint8_t subpage)
{
    return mode_pages_find(rec->overlay, rec->noverlay, rt, code, subpage);
}

static void
recorder_overlay_put(struct recorder *rec, enum mode_request rt, uint8_t code,
                     uint8_t subpage, const uint8_t *data, size_t len)
{
    mode_pages_put(&rec->overlay, &rec->noverlay, rt, code, subpage, data, len);
}

static void
recorder_overlay_copy_out(const uint8_t *page, size_t page_len, uint8_t **data,
                          size_t *len)
{
    *data = xmalloc(page_len ? page_len : 1);
    memcpy(*data, page, page_len);
    *len = page_len;
}

int
recorder_overlay_answer(struct recorder *rec, uint8_t code, uint8_t subpage,
                        enum mode_request rt, uint8_t **data, size_t *len,
                        struct err *err)
{
    if (!rec->simulating ||
        (rt != MODE_REQUEST_CURRENT && rt != MODE_REQUEST_SAVED))
        return 0;
    const struct mode_cache_entry *e =
        recorder_overlay_find(rec, rt, code, subpage);
    if (e != NULL) {
        recorder_overlay_copy_out(e->data, e->len, data, len);
        return 1;
    }
    if (rt != MODE_REQUEST_SAVED || !rec->overlay_saved_all)
        return 0;
    /* Saved since by a dry run with SP=1: a savable page's saved values
     * are its current ones, as the overlay or the drive holds them.  An
     * unsavable page (PS 0) has no saved values of its own to change. */
    uint8_t *current;
    size_t current_len;
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT,
                               &current, &current_len, err) != 0)
        return -1;
    if (current_len > 0 && (current[0] & MODE_PAGE_PS)) {
        *data = current;
        *len = current_len;
        return 1;
    }
    free(current);
    return 0;
}

/* Page 'current' (len bytes) is about to change: if a dry run's SP=1
 * saved it and the overlay does not hold what it saved, that is these
 * values, as they were when it was saved (nothing changed them since). */
static void
recorder_overlay_keep_saved(struct recorder *rec, const uint8_t *current,
                            size_t len)
{
    struct mode_page_header h = mode_page_header_decode(current, len);

    if (!rec->overlay_saved_all || !h.complete ||
        !(current[0] & MODE_PAGE_PS) ||
        recorder_overlay_find(rec, MODE_REQUEST_SAVED, h.code, h.subpage) !=
            NULL)
        return;
    recorder_overlay_put(rec, MODE_REQUEST_SAVED, h.code, h.subpage, current,
                         len);
}

/* The page the drive would hold after taking 'page': the changeable bits
 * from it, the others and the header (PS as the drive reports it) as they
 * were.  NULL when the drive would take none of it: a page of another
 * header or length is refused whole (SPC-4 6.11). */
static uint8_t *
recorder_overlay_result(const uint8_t *page, size_t len, const uint8_t *before,
                        size_t before_len, const uint8_t *chg)
{
    struct mode_page_header h = mode_page_header_decode(before, before_len);

    if (len != before_len || !h.complete || h.header_len > len ||
        ((page[0] ^ before[0]) & (uint8_t)~MODE_PAGE_PS) != 0 ||
        memcmp(page + 1, before + 1, h.header_len - 1) != 0)
        return NULL;
    uint8_t *result = xmalloc(len);
    memcpy(result, before, len);
    for (size_t i = h.header_len; i < len; i++) {
        uint8_t mask = chg != NULL ? chg[i] : 0xff;
        result[i] = (uint8_t)((before[i] & ~mask) | (page[i] & mask));
    }
    return result;
}

void
recorder_overlay_apply(struct recorder *rec, enum mode_request rt,
                       const uint8_t *page, size_t len, const uint8_t *before,
                       size_t before_len, const uint8_t *chg)
{
    uint8_t *result =
        recorder_overlay_result(page, len, before, before_len, chg);
    if (result == NULL)
        return;
    struct mode_page_header h = mode_page_header_decode(result, len);
    bool savable = (result[0] & MODE_PAGE_PS) != 0;

    /* SP=1 on a page the drive cannot save is refused (SPC-4 6.11). */
    if (rt == MODE_REQUEST_SAVED && !savable) {
        free(result);
        return;
    }
    recorder_overlay_keep_saved(rec, before, before_len);
    recorder_overlay_put(rec, MODE_REQUEST_CURRENT, h.code, h.subpage, result,
                         len);
    if (rt == MODE_REQUEST_SAVED) {
        /* SP=1 saves every savable page's current values, the page sent
         * among them (SPC-4 6.11): those the overlay holds now, and those
         * read from the drive later (overlay_saved_all). */
        size_t n = rec->noverlay;
        for (size_t i = 0; i < n; i++) {
            /* A copy: putting may move the array (not the pages). */
            struct mode_cache_entry e = rec->overlay[i];
            if (e.rt == MODE_REQUEST_CURRENT && e.len > 0 &&
                (e.data[0] & MODE_PAGE_PS))
                recorder_overlay_put(rec, MODE_REQUEST_SAVED, e.code, e.subpage,
                                     e.data, e.len);
        }
        rec->overlay_saved_all = true;
    }
    free(result);
}

struct overlay_forget {
    uint8_t code, subpage;
    bool saving;
};

static bool
recorder_overlay_outlives(const struct mode_cache_entry *e, const void *arg)
{
    const struct overlay_forget *f = arg;

    if (e->rt == MODE_REQUEST_SAVED)
        return !f->saving;
    return e->code != f->code || e->subpage != f->subpage;
}

void
recorder_overlay_forget(struct recorder *rec, const uint8_t *current,
                        size_t len, bool saving)
{
    struct mode_page_header h = mode_page_header_decode(current, len);
    struct overlay_forget f = { h.code, h.subpage, saving };

    if (!h.complete)
        return;
    if (!saving)
        recorder_overlay_keep_saved(rec, current, len);
    recorder_overlay_filter(rec, recorder_overlay_outlives, &f);
    if (saving)
        rec->overlay_saved_all = false;
}
