#include "cmd/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/edit.h"
#include "util/xmalloc.h"

/* A page as the drive holds it while its values are brought in. */
struct apply_held {
    struct apply_page *page;
    uint8_t *current, *saved; /* now; saved NULL unless savable */
    uint8_t *current0;        /* the current values at the start */
    bool savable;
    /* A savable page outside the list, kept as it is: owned here. */
    struct apply_page kept;
    char label[128];
};

/* The same page but for PS, which MODE SELECT clears. */
static bool
apply_same(const uint8_t *a, const uint8_t *b, size_t len)
{
    return ((a[0] ^ b[0]) & 0x7f) == 0 && memcmp(a + 1, b + 1, len - 1) == 0;
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

/* What the drive holds now.  A dry run changes nothing, so it goes on
 * from the values it would have sent. */
static int
apply_refresh(struct recorder *rec, struct apply_held *h, bool dry_run,
              struct err *err)
{
    if (dry_run)
        return 0;
    return apply_read(rec, h->page, MODE_REQUEST_CURRENT, &h->current, err) ||
                   (h->savable && apply_read(rec, h->page, MODE_REQUEST_SAVED,
                                             &h->saved, err))
               ? -1
               : 0;
}

static void
apply_note_written(struct apply_result *res, const struct apply_page *p)
{
    size_t used = strlen(res->written);
    char one[16];

    if (p->subpage)
        snprintf(one, sizeof one, "0x%02x/0x%02x", p->code, p->subpage);
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
        .opts = { .dry_run = dry_run, .verify = true },
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
    int rc = 0;
    for (size_t i = 0; i < npages && rc == 0; i++) {
        struct apply_held *h = &(*held)[(*nheld)++];
        h->page = &pages[i];
        for (size_t k = 0; k < ninfo; k++)
            if (info[k].code == pages[i].code &&
                info[k].subpage == pages[i].subpage)
                h->savable = info[k].savable;
        rc = apply_read(rec, h->page, MODE_REQUEST_CURRENT, &h->current, err);
        /* A drive may report PS and still keep no saved values (05/39/00):
         * there is nothing to keep then. */
        if (rc == 0 && pages[i].saved != NULL) {
            rc = apply_read(rec, h->page, MODE_REQUEST_SAVED, &h->saved, err);
        } else if (rc == 0 && h->savable) {
            struct err none;
            err_clear(&none);
            h->savable = apply_read(rec, h->page, MODE_REQUEST_SAVED, &h->saved,
                                    &none) == 0;
        }
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
        struct apply_held *h = &(*held)[*nheld];
        h->page = &h->kept;
        h->savable = true;
        h->kept.code = info[k].code;
        h->kept.subpage = info[k].subpage;
        h->kept.len = info[k].length;
        h->kept.label = h->label;
        struct err none;
        err_clear(&none);
        if (cmd_page_def(ctx, rec, info[k].code, info[k].subpage, &h->kept.pd,
                         err) != 0 ||
            apply_read(rec, h->page, MODE_REQUEST_CURRENT, &h->current, err)) {
            (*nheld)++;
            rc = -1;
            break;
        }
        cmd_page_label(h->kept.pd, h->kept.code, h->kept.subpage, h->label,
                       sizeof h->label);
        (*nheld)++;
        if (apply_read(rec, h->page, MODE_REQUEST_SAVED, &h->saved, &none) !=
                0 ||
            apply_same(h->current, h->saved, h->kept.len)) {
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

enum cmd_status
apply_pages(struct cmd_ctx *ctx, struct recorder *rec, struct apply_page *pages,
            size_t npages, bool dry_run, struct apply_result *res)
{
    struct apply_held *held = NULL;
    size_t nheld = 0;
    bool saving = false, not_applied = false;
    enum cmd_status status = CMD_OK;
    struct apply_held *h = NULL;
    struct err err;

    err_clear(&err);
    memset(res, 0, sizeof *res);
    if (apply_collect(ctx, rec, pages, npages, &saving, &held, &nheld, &err) !=
        0)
        goto fail;
    if (saving)
        for (size_t i = 0; i < nheld; i++) {
            h = &held[i];
            if (h->savable && h->page->saved == NULL &&
                !apply_same(h->current, h->saved, h->page->len))
                cmd_print(ctx,
                          "%s: its saved values are kept: a drive that "
                          "follows SPC-4 6.11 saves every page's current "
                          "values, so they pass through them",
                          h->page->label);
        }
    for (int pass = saving ? 0 : 2; pass < 3; pass++) {
        static const char *const headings[3] = {
            ("saved values, 1 of 3: the saved values wanted into the current "
             "values"),
            "saved values, 2 of 3: saving them",
            "current values",
        };
        if (saving)
            cmd_print(ctx, "-- %s", headings[pass]);
        for (size_t i = 0; i < nheld; i++) {
            h = &held[i];
            const struct apply_page *p = h->page;
            if ((pass == 0 && !h->savable) || (pass == 1 && !p->saved))
                continue;
            if (apply_refresh(rec, h, dry_run, &err) != 0)
                goto fail;
            const uint8_t *want = p->current ? p->current : h->current0;
            enum mode_request rt = MODE_REQUEST_CURRENT;
            if (pass == 0) {
                want = p->saved ? p->saved : h->saved;
            } else if (pass == 1) {
                want = p->saved;
                rt = MODE_REQUEST_SAVED;
            }
            const uint8_t *held_now =
                rt == MODE_REQUEST_SAVED ? h->saved : h->current;
            if (apply_same(held_now, want, p->len))
                continue;
            status = apply_send(ctx, rec, h, rt, want, dry_run, res);
            if (status == CMD_NOT_APPLIED) {
                not_applied = true;
                status = CMD_OK;
            }
            if (status != CMD_OK) {
                snprintf(res->stopped, sizeof res->stopped, "%s", p->label);
                goto out;
            }
        }
    }
    goto out;
fail:
    status = cmd_error(ctx, &err);
    if (h != NULL)
        snprintf(res->stopped, sizeof res->stopped, "%s", h->page->label);
out:
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
