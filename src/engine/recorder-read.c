/*
 * Reading mode pages: MODE SENSE(10) of one page (GetModePage) and the
 * list of the pages a drive supports (GetSupportedModePages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/recorder-internal.h"
#include "engine/recorder.h"
#include "engine/sense.h"
#include "util/xmalloc.h"


/* Room for the mode parameter header and any page_0 page, with some
 * block descriptors: the first request of a single page, on the stack. */
#define RECORDER_SENSE_FIRST 512

/*
 * MODE SENSE(10) with DBD set (MMC drives have no block descriptors, and
 * those a drive sends anyway are skipped by the parser).  The first request
 * goes into 'first' (first_len bytes, the caller's); a longer answer is
 * asked for again, into a new buffer, with the length the drive reported.
 * *buf is 'first' or new: free it with recorder_sense_free.
 */
static int
recorder_mode_sense(struct recorder *rec, enum mode_request rt, uint8_t code,
                    uint8_t subpage, uint8_t *first, size_t first_len,
                    uint8_t **buf, struct mode_data *md, struct err *err)
{
    size_t alloc = first_len;

    *buf = first;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct scsi_io io = { 0 };
        int rc;

        /* Zeroed, so that a drive claiming bytes it never sent yields
         * zeros, not stale memory. */
        memset(*buf, 0, alloc);
        scsi_build_mode_sense10(&io, (uint8_t)rt, code, subpage, true, *buf,
                                (uint16_t)alloc);
        if (recorder_exec(rec, &io, true, err) != 0)
            goto fail;
        rc = scsi_parse_mode_data(*buf, io.len - io.resid, alloc, md, err);
        if (rc == 0)
            return 0;
        if (rc < 0)
            goto fail;
        /* Cut short by the allocation length: ask for all of it. */
        if (md->total > 0xffff) {
            err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                    "MODE SENSE(10) data of %zu bytes is more than its "
                    "allocation length can ask for",
                    md->total);
            goto fail;
        }
        alloc = md->total;
        if (*buf != first)
            free(*buf);
        *buf = xmalloc(alloc);
    }
    err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            "MODE SENSE(10) kept growing: the drive reported %zu bytes",
            md->total);
fail:
    if (*buf != first)
        free(*buf);
    *buf = NULL;
    return -1;
}

static void
recorder_sense_free(uint8_t *buf, const uint8_t *first)
{
    if (buf != first)
        free(buf);
}

/*
 * The MODE SENSE answers a recorder keeps, so that one command holding the
 * drive does not ask it the same thing twice (on a slow link every CDB
 * costs a round trip):
 *
 * - Current, default and saved values are kept only while this recorder
 *   holds the drive (recorder_acquire_exclusive), and dropped by any MODE
 *   SELECT (before it goes out), any UNIT ATTENTION, any error other than
 *   ILLEGAL REQUEST (which says the drive refused the command and did
 *   nothing), and the release of the hold.  While the drive is held no
 *   other modecon process changes it; another initiator's MODE SELECT
 *   raises MODE PARAMETERS CHANGED (2Ah/01h) on this one's next command
 *   (SPC-4 6.11), which the drive reports instead of executing it: a MODE
 *   SELECT built on kept values is refused then (recorder_exec), never
 *   applied over the change.
 * - Changeable values say what the drive lets change, not what it holds:
 *   no MODE SELECT changes them, so they are kept until a UNIT ATTENTION
 *   (a reset or power on may bring other firmware, SAM-5).
 *
 * So current values kept were all read while this hold lasts, after any
 * read a request was built from before it: SetModePage's check that the
 * page did not change meanwhile (set_options.based_on) may take them.
 * The read-back after a MODE SELECT is never served from here: it is the
 * verification.
 */
static bool
recorder_cache_keeps(const struct recorder *rec, enum mode_request rt)
{
    return rt == MODE_REQUEST_CHANGEABLE || rec->lock_count > 0 ||
           rec->read_passes > 0;
}

/* A read pass keeps every answer without holding the drive: what a
 * command that only shows values reads of page 3Fh serves its pages, one
 * consistent answer per page control.  Nothing is built on those values
 * (a MODE SELECT drops them first, as it drops a hold's), and the end of
 * the pass drops them as a release does. */
void
recorder_begin_read_pass(struct recorder *rec)
{
    rec->read_passes++;
}

void
recorder_end_read_pass(struct recorder *rec)
{
    if (rec->read_passes == 0 || --rec->read_passes > 0)
        return;
    if (rec->lock_count == 0)
        recorder_cache_drop(rec, RECORDER_CACHE_DROP_VALUES);
}

void
recorder_cache_drop(struct recorder *rec, enum recorder_cache_drop what)
{
    size_t kept = 0;

    for (int rt = 0; rt < 4; rt++)
        if (what == RECORDER_CACHE_DROP_ALL || rt != MODE_REQUEST_CHANGEABLE)
            rec->all_kept[rt] = false;
    for (size_t i = 0; i < rec->ncache; i++) {
        if (what == RECORDER_CACHE_DROP_VALUES &&
            rec->cache[i].rt == MODE_REQUEST_CHANGEABLE) {
            rec->cache[kept++] = rec->cache[i];
            continue;
        }
        free(rec->cache[i].data);
    }
    rec->ncache = kept;
    if (kept == 0) {
        free(rec->cache);
        rec->cache = NULL;
    }
}

struct mode_cache_entry *
mode_pages_find(struct mode_cache_entry *pages, size_t n, enum mode_request rt,
                uint8_t code, uint8_t subpage)
{
    for (size_t i = 0; i < n; i++)
        if (pages[i].rt == rt && pages[i].code == code &&
            pages[i].subpage == subpage)
            return &pages[i];
    return NULL;
}

void
mode_pages_put(struct mode_cache_entry **pages, size_t *n, enum mode_request rt,
               uint8_t code, uint8_t subpage, const uint8_t *data, size_t len)
{
    struct mode_cache_entry *e = mode_pages_find(*pages, *n, rt, code, subpage);

    if (e == NULL) {
        *pages = xrealloc(*pages, (*n + 1) * sizeof **pages);
        e = &(*pages)[(*n)++];
        *e = (struct mode_cache_entry){ .rt = rt,
                                        .code = code,
                                        .subpage = subpage };
    } else {
        free(e->data);
    }
    e->data = xmalloc(len ? len : 1);
    memcpy(e->data, data, len);
    e->len = len;
}

static struct mode_cache_entry *
recorder_cache_find(struct recorder *rec, enum mode_request rt, uint8_t code,
                    uint8_t subpage)
{
    return mode_pages_find(rec->cache, rec->ncache, rt, code, subpage);
}

static void
recorder_cache_put(struct recorder *rec, enum mode_request rt, uint8_t code,
                   uint8_t subpage, const uint8_t *data, size_t len)
{
    if (recorder_cache_keeps(rec, rt))
        mode_pages_put(&rec->cache, &rec->ncache, rt, code, subpage, data, len);
}

/* The pages of one MODE SENSE answer, kept as single pages. */
static void
recorder_cache_answer(struct recorder *rec, enum mode_request rt,
                      const uint8_t *buf, const struct mode_data *md)
{
    for (size_t i = 0; i < md->npages; i++)
        recorder_cache_put(rec, rt, md->pages[i].code, md->pages[i].subpage,
                           buf + md->pages[i].offset, md->pages[i].length);
}

/* The list of pages from a kept 3Fh answer, unsorted; false when none is
 * kept. */
static bool
recorder_cache_list(struct recorder *rec, enum mode_request rt,
                    struct mode_page_info **pages, size_t *count)
{
    size_t n = 0;

    if (!rec->all_kept[rt])
        return false;
    *pages = xcalloc(rec->ncache ? rec->ncache : 1, sizeof **pages);
    for (size_t i = 0; i < rec->ncache; i++) {
        const struct mode_cache_entry *e = &rec->cache[i];
        if (e->rt != rt)
            continue;
        (*pages)[n++] = (struct mode_page_info){
            .code = e->code,
            .subpage = e->subpage,
            .length = e->len,
            .savable = e->len > 0 && (e->data[0] & MODE_PAGE_PS) != 0
        };
    }
    *count = n;
    return true;
}

int
recorder_get_mode_page(struct recorder *rec, uint8_t code, uint8_t subpage,
                       enum mode_request rt, uint8_t **data, size_t *len,
                       struct err *err)
{
    int simulated =
        recorder_overlay_answer(rec, code, subpage, rt, data, len, err);
    if (simulated != 0)
        return simulated > 0 ? 0 : -1;
    return recorder_read_mode_page(rec, code, subpage, rt, false, data, len,
                                   err);
}

int
recorder_read_mode_page(struct recorder *rec, uint8_t code, uint8_t subpage,
                        enum mode_request rt, bool fresh, uint8_t **data,
                        size_t *len, struct err *err)
{
    /* Aligned to its size: some local drives (ATAPI through libata) take
     * a transfer straight into the buffer only at 512-byte alignment, and
     * through a bounce copy otherwise. */
    _Alignas(RECORDER_SENSE_FIRST) uint8_t first[RECORDER_SENSE_FIRST];
    uint8_t *buf;
    struct mode_data md;
    char label[RECORDER_LABEL_LEN];

    if ((unsigned)rt > MODE_REQUEST_SAVED)
        return err_set(err, E_INVALIDARG,
                       "%s: request type %u is not one "
                       "of current, changeable, default, "
                       "saved",
                       recorder_label(rec, label, code, subpage), (unsigned)rt);
    if (code >= MODE_PAGE_ALL)
        return err_set(err, E_INVALIDARG, "page 0x%02x is not a single page",
                       code);
    const struct mode_cache_entry *kept =
        fresh ? NULL : recorder_cache_find(rec, rt, code, subpage);
    if (kept != NULL) {
        *len = kept->len;
        *data = xmalloc(kept->len ? kept->len : 1);
        memcpy(*data, kept->data, kept->len);
        return 0;
    }
    if (recorder_mode_sense(rec, rt, code, subpage, first, sizeof first, &buf,
                            &md, err) != 0) {
        err_prefix(err, "%s, %s values",
                   recorder_label(rec, label, code, subpage),
                   mode_request_name(rt));
        return -1;
    }
    for (size_t i = 0; i < md.npages; i++) {
        const struct mode_page_ref *ref = &md.pages[i];
        if (ref->code != code || ref->subpage != subpage)
            continue;
        *len = ref->length;
        *data = xmalloc(ref->length);
        memcpy(*data, buf + ref->offset, ref->length);
        recorder_cache_put(rec, rt, code, subpage, *data, *len);
        recorder_sense_free(buf, first);
        return 0;
    }
    if (md.npages == 0)
        err_set(err, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
                "%s, %s values: the drive answered without any page",
                recorder_label(rec, label, code, subpage),
                mode_request_name(rt));
    else
        err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                "%s, %s values: the drive answered with page 0x%02x,0x%02x "
                "instead",
                recorder_label(rec, label, code, subpage),
                mode_request_name(rt), md.pages[0].code, md.pages[0].subpage);
    recorder_sense_free(buf, first);
    return -1;
}

static int
recorder_page_order(const void *a, const void *b)
{
    const struct mode_page_info *x = a, *y = b;
    if (x->code != y->code)
        return x->code - y->code;
    return x->subpage - y->subpage;
}

/* Drives that refuse page 3Fh (ATAPI drives often do) are asked for each
 * page in turn; a page they refuse is a page they do not have. */
static int
recorder_probe_pages(struct recorder *rec, enum mode_request rt,
                     struct mode_page_info **pages, size_t *count,
                     struct err *err)
{
    struct mode_page_info *list = xcalloc(MODE_PAGE_ALL, sizeof *list);
    size_t n = 0;

    for (uint8_t code = 0x01; code < MODE_PAGE_ALL; code++) {
        _Alignas(RECORDER_SENSE_FIRST) uint8_t first[RECORDER_SENSE_FIRST];
        uint8_t *buf;
        struct err probe_err;
        struct mode_data md;

        err_clear(&probe_err);
        if (recorder_mode_sense(rec, rt, code, 0, first, sizeof first, &buf,
                                &md, &probe_err) != 0) {
            if (probe_err.hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE ||
                probe_err.hr == E_FAIL)
                continue;
            *err = probe_err; /* no answer, or a broken one: stop */
            free(list);
            return -1;
        }
        for (size_t i = 0; i < md.npages; i++) {
            if (md.pages[i].code != code || md.pages[i].subpage != 0)
                continue;
            list[n].code = code;
            list[n].length = md.pages[i].length;
            list[n].savable = md.pages[i].ps;
            n++;
            break;
        }
        recorder_cache_answer(rec, rt, buf, &md);
        recorder_sense_free(buf, first);
    }
    *pages = list;
    *count = n;
    return 0;
}

/* MODE SENSE(10) of every page (and subpage, with MODE_SUBPAGE_ALL) into a
 * new buffer: more than the stack should hold. */
static int
recorder_sense_all(struct recorder *rec, enum mode_request rt, uint8_t subpage,
                   uint8_t **buf, struct mode_data *md, struct err *err)
{
    uint8_t *heap = xmalloc(4096);
    int rc = recorder_mode_sense(rec, rt, MODE_PAGE_ALL, subpage, heap, 4096,
                                 buf, md, err);
    if (*buf != heap)
        free(heap); /* failed, or answered into a larger buffer */
    return rc;
}

/* 05/24/00: the drive refused a field of the CDB, here the page or
 * subpage code. */
static bool
recorder_refused_cdb_field(const struct err *err)
{
    struct sense s;
    return err->has_scsi && sense_decode(err->sense, err->sense_len, &s) &&
           s.key == SENSE_ILLEGAL_REQUEST && s.asc == 0x24;
}

int
recorder_get_supported_mode_pages(struct recorder *rec, enum mode_request rt,
                                  struct mode_page_info **pages, size_t *count,
                                  struct err *err)
{
    struct mode_data md;
    uint8_t *buf;

    if ((unsigned)rt > MODE_REQUEST_SAVED)
        return err_set(err, E_INVALIDARG,
                       "request type %u is not one of current, changeable, "
                       "default, saved",
                       (unsigned)rt);
    if (recorder_cache_list(rec, rt, pages, count)) {
        qsort(*pages, *count, sizeof **pages, recorder_page_order);
        return 0;
    }
    /* Pages and subpages (3Fh/FFh); drives without subpages may refuse
     * that and answer 3Fh/00h; some refuse 3Fh altogether. */
    int rc = recorder_sense_all(rec, rt, MODE_SUBPAGE_ALL, &buf, &md, err);
    if (rc != 0 && recorder_refused_cdb_field(err)) {
        err_clear(err);
        rc = recorder_sense_all(rec, rt, 0, &buf, &md, err);
    }
    if (rc != 0) {
        if (!recorder_refused_cdb_field(err)) {
            err_prefix(err, "all pages, %s values", mode_request_name(rt));
            return -1;
        }
        struct err first = *err;
        err_clear(err);
        rec->refuses_all_pages = true;
        if (recorder_probe_pages(rec, rt, pages, count, err) != 0)
            return -1;
        if (*count == 0) {
            free(*pages);
            *pages = NULL;
            *err = first;
            err_prefix(err, "no page answers for %s values",
                       mode_request_name(rt));
            return -1;
        }
        qsort(*pages, *count, sizeof **pages, recorder_page_order);
        /* Every page asked, each answer kept: not asked again while the
         * drive is held. */
        rec->all_kept[rt] = recorder_cache_keeps(rec, rt);
        return 0;
    }
    *pages = xcalloc(md.npages ? md.npages : 1, sizeof **pages);
    *count = md.npages;
    for (size_t i = 0; i < md.npages; i++) {
        (*pages)[i].code = md.pages[i].code;
        (*pages)[i].subpage = md.pages[i].subpage;
        (*pages)[i].length = md.pages[i].length;
        (*pages)[i].savable = md.pages[i].ps;
    }
    recorder_cache_answer(rec, rt, buf, &md);
    rec->all_kept[rt] = recorder_cache_keeps(rec, rt);
    free(buf);
    qsort(*pages, *count, sizeof **pages, recorder_page_order);
    return 0;
}
