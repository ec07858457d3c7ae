#include "cmd/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/edit.h"
#include "util/hex.h"
#include "util/xmalloc.h"

/* A page as the drive holds it while its values are brought in. */
struct apply_held {
    struct apply_page *page;
    uint8_t *current, *saved; /* now; saved NULL unless savable */
    uint8_t *current0;        /* the current values at the start */
    bool savable;
    /* Its current values hold a step's values that the last pass has
     * yet to replace. */
    bool temporary;
    /* A savable page outside the list, kept as it is: owned here. */
    struct apply_page kept;
    char label[128];
};

/* The same page but for PS, which MODE SELECT clears. */
static bool
apply_same(const uint8_t *a, const uint8_t *b, size_t len)
{
    return ((a[0] ^ b[0]) & (uint8_t)~MODE_PAGE_PS) == 0 &&
           memcmp(a + 1, b + 1, len - 1) == 0;
}

static int
apply_read(struct recorder *rec, const struct apply_page *p,
           enum mode_request rt, uint8_t **out, struct err *err)
{
    size_t len = 0;

    free(*out);
    *out = NULL;
    if (recorder_get_mode_page(rec, p->code, p->subpage, rt, out, &len, err) !=
        0)
        return -1;
    if (len != p->len) {
        free(*out);
        *out = NULL;
        return err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                       "%s: the drive reports %zu bytes of %s values, "
                       "%zu expected",
                       p->label, len, mode_request_name(rt), p->len);
    }
    return 0;
}

/* A page's saved values: 0, or 1 when the drive keeps none of it
 * (05/24/00 or 05/39/00, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE), or -1 with
 * err set when it could not be asked (a time-out, a hardware error):
 * then nothing may be saved, lest those values be lost unseen. */
static int
apply_read_saved(struct recorder *rec, const struct apply_page *p,
                 uint8_t **out, struct err *err)
{
    struct err why;

    err_clear(&why);
    if (apply_read(rec, p, MODE_REQUEST_SAVED, out, &why) == 0)
        return 0;
    if (why.hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE)
        return 1;
    *err = why;
    err_prefix(err,
               "%s: its saved values could not be read, so nothing is "
               "saved",
               p->label);
    return -1;
}

/* What the drive holds now: its current values, and its saved ones when
 * 'saved' asks.  A dry run changes nothing, so it goes on from the values
 * it would have sent. */
static int
apply_refresh(struct recorder *rec, struct apply_held *h, bool saved,
              bool dry_run, struct err *err)
{
    if (dry_run)
        return 0;
    return apply_read(rec, h->page, MODE_REQUEST_CURRENT, &h->current, err) ||
                   (saved && h->savable &&
                    apply_read(rec, h->page, MODE_REQUEST_SAVED, &h->saved,
                               err))
               ? -1
               : 0;
}

static void
apply_note_written(struct apply_result *res, const struct apply_page *p)
{
    size_t used = strlen(res->written);
    char one[16];

    if (p->subpage)
        snprintf(one, sizeof one, "0x%02x,0x%02x", p->code, p->subpage);
    else
        snprintf(one, sizeof one, "0x%02x", p->code);
    if (used + strlen(one) + 5 < sizeof res->written)
        snprintf(res->written + used, sizeof res->written - used, "%s%s",
                 used ? " " : "", one);
    else if (!strstr(res->written, "..."))
        snprintf(res->written + used, sizeof res->written - used, " ...");
}

/* One MODE SELECT of 'want' as 'rt' values, shown and verified. */
static enum cmd_status
apply_send(struct cmd_ctx *ctx, struct recorder *rec, struct apply_held *h,
           enum mode_request rt, const uint8_t *want, bool dry_run,
           struct apply_result *res)
{
    struct apply_page *p = h->page;
    struct field_ref *refs = NULL;
    uint8_t *page = xmalloc(p->len);

    memcpy(page, want, p->len);
    page[0] = (uint8_t)(h->current[0] & ~MODE_PAGE_PS);
    size_t nrefs = p->pd ? field_list(p->pd, h->current, p->len, &refs) : 0;
    struct edit ed = {
        .rec = rec,
        .pd = p->pd,
        .label = p->label,
        .rt = rt,
        .before = h->current,
        .page = page,
        .len = p->len,
        .refs = refs,
        .nrefs = nrefs,
        /* The passes decide what goes out, against the values they
         * hold; a dry run's drive still holds those of the pass before. */
        .opts = { .dry_run = dry_run, .verify = true, .send_unchanged = true },
    };
    enum cmd_status status = edit_commit(ctx, &ed);
    free(refs);
    if (status == CMD_OK || status == CMD_NOT_APPLIED) {
        if (p->sent++ == 0)
            apply_note_written(res, p);
        res->sent++;
        p->not_applied |= status == CMD_NOT_APPLIED;
        if (dry_run) {
            /* PS as the drive reported it, the rest as sent. */
            memcpy(h->current + 1, page + 1, p->len - 1);
            if (rt == MODE_REQUEST_SAVED && h->saved != NULL)
                memcpy(h->saved + 1, page + 1, p->len - 1);
        }
    }
    free(page);
    return status;
}

/* Read page 'h' of the list: its current values, and its saved values
 * when they are wanted or may have to be kept. */
static int
apply_collect_listed(struct recorder *rec, struct apply_held *h,
                     const struct mode_page_info *info, size_t ninfo,
                     bool may_save, struct err *err)
{
    const struct apply_page *p = h->page;

    for (size_t k = 0; k < ninfo; k++)
        if (info[k].code == p->code && info[k].subpage == p->subpage)
            h->savable = info[k].savable;
    if (apply_read(rec, p, MODE_REQUEST_CURRENT, &h->current, err) != 0)
        return -1;
    /* A drive may report PS and still keep no saved values (05/39/00):
     * there is nothing to keep then. */
    if (p->saved != NULL)
        return apply_read(rec, p, MODE_REQUEST_SAVED, &h->saved, err);
    /* Kept only when some page's saved values change: a list of current
     * values alone goes out in the last pass, which needs none. */
    if (h->savable && may_save) {
        int kept = apply_read_saved(rec, p, &h->saved, err);
        h->savable = kept == 0;
        return kept < 0 ? -1 : 0;
    }
    return 0;
}

/* Read savable page 'info' outside the list into 'h', to keep its saved
 * values: 1 when saving leaves it as it is (nothing to keep), 0 when it
 * is kept, -1 on an error (h is then kept, to be freed). */
static int
apply_collect_kept(struct cmd_ctx *ctx, struct recorder *rec,
                   struct apply_held *h, const struct mode_page_info *info,
                   struct err *err)
{
    h->page = &h->kept;
    h->savable = true;
    h->kept.code = info->code;
    h->kept.subpage = info->subpage;
    h->kept.len = info->length;
    h->kept.label = h->label;
    if (cmd_page_def(ctx, rec, info->code, info->subpage, &h->kept.pd, err) !=
            0 ||
        apply_read(rec, h->page, MODE_REQUEST_CURRENT, &h->current, err))
        return -1;
    cmd_page_label(h->kept.pd, h->kept.code, h->kept.subpage, h->label,
                   sizeof h->label);
    int kept = apply_read_saved(rec, h->page, &h->saved, err);
    if (kept < 0)
        return -1;
    return kept > 0 || apply_same(h->current, h->saved, h->kept.len) ? 1 : 0;
}

/* Read the pages of the list, and with 'saving' the savable pages outside
 * it whose saved values differ from their current ones, to keep them. */
static int
apply_collect(struct cmd_ctx *ctx, struct recorder *rec,
              struct apply_page *pages, size_t npages, bool *saving,
              struct apply_held **held, size_t *nheld, struct err *err)
{
    struct mode_page_info *info = NULL;
    size_t ninfo = 0;

    if (recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT, &info,
                                          &ninfo, err) != 0)
        return -1;
    *held = xcalloc(npages + ninfo + 1, sizeof **held);
    *saving = false;
    bool may_save = false;
    for (size_t i = 0; i < npages; i++)
        may_save |= pages[i].saved != NULL;
    int rc = 0;
    for (size_t i = 0; i < npages && rc == 0; i++) {
        struct apply_held *h = &(*held)[(*nheld)++];
        h->page = &pages[i];
        rc = apply_collect_listed(rec, h, info, ninfo, may_save, err);
        if (rc == 0 && pages[i].saved != NULL)
            *saving |= !apply_same(h->saved, pages[i].saved, pages[i].len);
    }
    for (size_t k = 0; k < ninfo && rc == 0 && *saving; k++) {
        bool listed = false;
        for (size_t i = 0; i < npages; i++)
            listed |= info[k].code == pages[i].code &&
                      info[k].subpage == pages[i].subpage;
        if (listed || !info[k].savable)
            continue;
        struct apply_held *h = &(*held)[(*nheld)++];
        int kept = apply_collect_kept(ctx, rec, h, &info[k], err);
        if (kept < 0) {
            rc = -1;
        } else if (kept > 0) {
            /* Saving leaves it as it is: nothing to keep. */
            free(h->current);
            free(h->saved);
            memset(h, 0, sizeof *h);
            (*nheld)--;
        }
    }
    free(info);
    for (size_t i = 0; i < *nheld && rc == 0; i++) {
        struct apply_held *h = &(*held)[i];
        h->current0 = xmalloc(h->page->len);
        memcpy(h->current0, h->current, h->page->len);
    }
    return rc;
}

/* After a stop part-way, the current values the first pass changed go
 * back to what they were, so that no page is left holding another's
 * values unseen; any that cannot are named with the values they had. */
static void
apply_roll_back(struct cmd_ctx *ctx, struct recorder *rec,
                struct apply_held *held, size_t nheld, struct apply_result *res)
{
    bool any = false;

    for (size_t i = 0; i < nheld; i++) {
        struct apply_held *h = &held[i];
        struct err err;
        if (!h->temporary)
            continue;
        if (!any)
            cmd_print(ctx, "-- putting back the current values changed "
                           "before the stop");
        any = true;
        err_clear(&err);
        enum cmd_status status = CMD_OK;
        if (apply_read(rec, h->page, MODE_REQUEST_CURRENT, &h->current, &err) !=
            0)
            status = CMD_FAILED;
        else if (!apply_same(h->current, h->current0, h->page->len))
            status = apply_send(ctx, rec, h, MODE_REQUEST_CURRENT, h->current0,
                                false, res);
        if (status != CMD_OK) {
            /* As 'set --data' takes it back: PS clear. */
            h->current0[0] &= (uint8_t)~MODE_PAGE_PS;
            char *was = hex_format(h->current0, h->page->len, 0);
            cmd_warn(ctx,
                     "warning: %s: its current values may be left changed; "
                     "they were %s",
                     h->page->label, was);
            free(was);
        }
    }
}

/* Say which savable pages outside the list keep their saved values, and
 * what a dry run assumes of the drive. */
static void
apply_note_kept(struct cmd_ctx *ctx, const struct apply_held *held,
                size_t nheld, bool dry_run)
{
    for (size_t i = 0; i < nheld; i++) {
        const struct apply_held *h = &held[i];
        if (h->savable && h->page->saved == NULL &&
            !apply_same(h->current, h->saved, h->page->len))
            cmd_print(ctx,
                      "%s: its saved values are kept: a drive that "
                      "follows SPC-4 6.11 saves every page's current "
                      "values, so they pass through them",
                      h->page->label);
    }
    if (dry_run)
        cmd_print(ctx, "note: the dry run assumes a drive that follows SPC-4 "
                       "6.11, which saves every page's current values on "
                       "SP=1");
}

/* The values a page is sent in a pass, and as which (*rt). */
static const uint8_t *
apply_want(const struct apply_held *h, int pass, enum mode_request *rt)
{
    const struct apply_page *p = h->page;

    *rt = MODE_REQUEST_CURRENT;
    if (pass == 0)
        return p->saved ? p->saved : h->saved;
    if (pass == 1) {
        *rt = MODE_REQUEST_SAVED;
        return p->saved;
    }
    return p->current ? p->current : h->current0;
}

/* Stop at page 'h': name it and put back what the first pass changed. */
static void
apply_stop(struct cmd_ctx *ctx, struct recorder *rec, struct apply_held *held,
           size_t nheld, const struct apply_held *h, struct apply_result *res)
{
    snprintf(res->stopped, sizeof res->stopped, "%s", h->page->label);
    apply_roll_back(ctx, rec, held, nheld, res);
}

/* One pass over the pages (see apply.h): 0 puts the saved values wanted
 * into the current values, 1 saves them, 2 brings in the current values
 * wanted.  CMD_OK to go on (*not_applied set when the drive did not take
 * all of a page); anything else stopped it, and the pages were put back
 * as apply_roll_back can. */
static enum cmd_status
apply_pass(struct cmd_ctx *ctx, struct recorder *rec, struct apply_held *held,
           size_t nheld, int pass, bool dry_run, bool *not_applied,
           struct apply_result *res)
{
    struct err err;

    err_clear(&err);
    for (size_t i = 0; i < nheld; i++) {
        struct apply_held *h = &held[i];
        const struct apply_page *p = h->page;
        if ((pass == 0 && !h->savable) || (pass == 1 && !p->saved))
            continue;
        /* The last pass works on current values only. */
        if (apply_refresh(rec, h, pass < 2, dry_run, &err) != 0) {
            enum cmd_status status = cmd_error(ctx, &err);
            apply_stop(ctx, rec, held, nheld, h, res);
            return status;
        }
        enum mode_request rt;
        const uint8_t *want = apply_want(h, pass, &rt);
        const uint8_t *held_now =
            rt == MODE_REQUEST_SAVED ? h->saved : h->current;
        if (apply_same(held_now, want, p->len)) {
            h->temporary &= pass < 2;
            continue;
        }
        /* Marked before it goes: a MODE SELECT whose answer or read-back
         * is lost may still have changed the page. */
        if (pass < 2 && !dry_run)
            h->temporary = true;
        enum cmd_status status =
            apply_send(ctx, rec, h, rt, want, dry_run, res);
        if (pass == 2 && (status == CMD_OK || status == CMD_NOT_APPLIED))
            h->temporary = false;
        /* A page that did not take the values to save would have others
         * saved in their place. */
        if (status == CMD_NOT_APPLIED && pass == 0) {
            cmd_warn(ctx,
                     "%s did not take the values to save into its current "
                     "values, so nothing is saved",
                     p->label);
            apply_stop(ctx, rec, held, nheld, h, res);
            return status;
        }
        if (status == CMD_NOT_APPLIED) {
            *not_applied = true;
            status = CMD_OK;
        }
        if (status != CMD_OK) {
            apply_stop(ctx, rec, held, nheld, h, res);
            return status;
        }
        /* A drive that follows SPC-4 6.11 saved every page's current
         * values; the dry run goes on as if it had. */
        if (dry_run && pass == 1)
            for (size_t k = 0; k < nheld; k++)
                if (held[k].savable)
                    memcpy(held[k].saved + 1, held[k].current + 1,
                           held[k].page->len - 1);
    }
    return CMD_OK;
}

/* Read what the drive holds, then run the passes: all three when some
 * saved values must change, else only the last. */
enum cmd_status
apply_pages(struct cmd_ctx *ctx, struct recorder *rec, struct apply_page *pages,
            size_t npages, bool dry_run, struct apply_result *res)
{
    static const char *const headings[3] = {
        ("saved values, 1 of 3: the saved values wanted into the current "
         "values"),
        "saved values, 2 of 3: saving them",
        "current values, 3 of 3",
    };
    struct apply_held *held = NULL;
    size_t nheld = 0;
    bool saving = false, not_applied = false;
    enum cmd_status status = CMD_OK;
    struct err err;

    err_clear(&err);
    memset(res, 0, sizeof *res);
    if (apply_collect(ctx, rec, pages, npages, &saving, &held, &nheld, &err) !=
        0) {
        status = cmd_error(ctx, &err);
        apply_roll_back(ctx, rec, held, nheld, res);
    } else {
        if (saving)
            apply_note_kept(ctx, held, nheld, dry_run);
        for (int pass = saving ? 0 : 2; pass < 3 && status == CMD_OK; pass++) {
            if (saving)
                cmd_print(ctx, "-- %s", headings[pass]);
            status = apply_pass(ctx, rec, held, nheld, pass, dry_run,
                                &not_applied, res);
        }
    }
    for (size_t i = 0; i < nheld; i++) {
        free(held[i].current);
        free(held[i].saved);
        free(held[i].current0);
    }
    free(held);
    if (status == CMD_OK && not_applied)
        status = CMD_NOT_APPLIED;
    return status;
}
