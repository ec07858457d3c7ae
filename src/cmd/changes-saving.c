#include "cmd/changes-saving.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/differences.h"
#include "cmd/output.h"
#include "cmd/pagecache.h"
#include "engine/scsi.h"
#include "util/hex.h"
#include "util/xmalloc.h"

/* The pages' 'rt' values all read by one MODE SENSE of page 3Fh, kept by
 * the recorder while it holds the drive; nothing for a drive that refuses
 * it, which is asked page by page instead. */
static void
changes_read_all(struct recorder *rec, enum mode_request rt)
{
    struct mode_page_info *pages = NULL;
    size_t npages = 0;
    struct err ignored;

    err_clear(&ignored);
    if (recorder_refuses_all_pages(rec))
        return;
    if (recorder_get_supported_mode_pages(rec, rt, &pages, &npages, &ignored) ==
        0)
        free(pages);
}

int
changes_hold_for_saving(struct recorder *rec, struct err *err)
{
    if (recorder_acquire_exclusive(rec, err) != 0)
        return -1;
    changes_read_all(rec, MODE_REQUEST_CURRENT);
    changes_read_all(rec, MODE_REQUEST_SAVED);
    return 0;
}

int
changes_saving_others(struct recorder *rec, uint8_t code, uint8_t subpage,
                      struct undo_other **others, size_t *n, struct err *err)
{
    struct mode_page_info *pages = NULL;
    size_t npages = 0;
    int rc = 0;

    *others = NULL;
    *n = 0;
    if (recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT, &pages,
                                          &npages, err) != 0)
        return -1;
    *others = xcalloc(npages + 1, sizeof **others);
    for (size_t i = 0; i < npages && rc == 0; i++) {
        struct undo_other *o = &(*others)[*n];
        size_t cur_len = 0, sav_len = 0;
        struct err why;
        if (!pages[i].savable ||
            (pages[i].code == code && pages[i].subpage == subpage))
            continue;
        err_clear(&why);
        if (recorder_get_mode_page(rec, pages[i].code, pages[i].subpage,
                                   MODE_REQUEST_CURRENT, &o->current, &cur_len,
                                   &why) == 0 &&
            recorder_get_mode_page(rec, pages[i].code, pages[i].subpage,
                                   MODE_REQUEST_SAVED, &o->saved, &sav_len,
                                   &why) == 0 &&
            cur_len == sav_len && cur_len >= 2) {
            o->current[0] &= (uint8_t)~MODE_PAGE_PS;
            o->saved[0] &= (uint8_t)~MODE_PAGE_PS;
            o->len = cur_len;
            if (memcmp(o->current, o->saved, cur_len) != 0) {
                ++*n;
                continue;
            }
        } else if (err_is_set(&why) &&
                   why.hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
            /* Only a page without saved values may be left out: one that
             * could not be asked might lose them unseen. */
            *err = why;
            if (pages[i].subpage)
                err_prefix(err,
                           "page 0x%02x,0x%02x: its values could not "
                           "be read",
                           pages[i].code, pages[i].subpage);
            else
                err_prefix(err, "page 0x%02x: its values could not be read",
                           pages[i].code);
            rc = -1;
        }
        free(o->current);
        free(o->saved);
        memset(o, 0, sizeof *o);
    }
    free(pages);
    return rc;
}

void
changes_print_fields(struct cmd_ctx *ctx, const struct page_def *pd,
                     const char *label, const uint8_t *from, const uint8_t *to,
                     size_t len, const char *which)
{
    struct field_ref *refs;
    uint8_t *loose;
    size_t n = edit_differences(pd, from, to, NULL, len, &refs, &loose);
    char old[160], new[160];

    for (size_t i = 0; i < n; i++) {
        field_format(from, &refs[i], old, sizeof old);
        field_format(to, &refs[i], new, sizeof new);
        cmd_print(ctx, "  %s: %s: %s -> %s%s", label, refs[i].acronym, old, new,
                  which);
    }
    for (size_t k = 0; k < len; k++)
        if (loose[k])
            cmd_print(ctx, "  %s: byte %zu: 0x%02x -> 0x%02x%s", label, k,
                      from[k], to[k], which);
    free(loose);
    free(refs);
}

static void
changes_other_label(struct cmd_ctx *ctx, struct recorder *rec,
                    const struct undo_other *o, const struct page_def **pd,
                    char *label, size_t len)
{
    uint8_t code = o->current[0] & MODE_PAGE_CODE;
    uint8_t sub = (o->current[0] & MODE_PAGE_SPF) ? o->current[1] : 0;
    struct err ignored;

    *pd = NULL;
    err_clear(&ignored);
    cmd_page_def(ctx, rec, code, sub, pd, &ignored);
    cmd_page_label(*pd, code, sub, label, len);
}

int
changes_list_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                           uint8_t code, uint8_t subpage, struct err *err)
{
    struct undo_other *others;
    size_t n = 0;

    int rc = changes_saving_others(rec, code, subpage, &others, &n, err);
    for (size_t i = 0; i < n; i++) {
        const struct page_def *pd;
        char label[128];
        if (rc == 0) {
            changes_other_label(ctx, rec, &others[i], &pd, label, sizeof label);
            changes_print_fields(ctx, pd, label, others[i].saved,
                                 others[i].current, others[i].len,
                                 " (saved values)");
        }
        free(others[i].current);
        free(others[i].saved);
    }
    free(others);
    return rc < 0 ? -1 : (int)n;
}

void
changes_preview_saving(struct cmd_ctx *ctx, struct recorder *rec,
                       const struct page_def *pd, const char *label,
                       const uint8_t *page, size_t len, const char *how)
{
    struct mode_page_header head = mode_page_header_decode(page, len);
    uint8_t code = head.code, subpage = head.subpage;
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    struct err err;

    err_clear(&err);
    /* Short enough for the console's dialog at 80 columns. */
    cmd_print(ctx, "%s would also change saved values (SPC-4 6.11):", how);
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_SAVED, &saved,
                               &saved_len, &err) == 0 &&
        saved_len == len) {
        saved[0] = page[0];
        changes_print_fields(ctx, pd, label, saved, page, len,
                             " (saved values)");
    } else if (err_is_set(&err)) {
        cmd_warn(ctx, "  %s: its saved values could not be read: %s", label,
                 err.msg);
    }
    free(saved);
    err_clear(&err);
    if (changes_list_saving_others(ctx, rec, code, subpage, &err) < 0)
        cmd_warn(ctx,
                 "  other pages' saved values could not all be read, so "
                 "saving may change more: %s",
                 err.msg);
}

void
changes_note_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                           uint8_t code, uint8_t subpage)
{
    struct undo_other *others;
    size_t n = 0;
    struct err unknown;

    err_clear(&unknown);
    if (changes_saving_others(rec, code, subpage, &others, &n, &unknown) != 0)
        cmd_warn(ctx,
                 "warning: saving may replace the saved values of other "
                 "pages, which could not all be read: %s",
                 unknown.msg);

    for (size_t i = 0; i < n; i++) {
        const struct page_def *pd;
        char label[128];
        changes_other_label(ctx, rec, &others[i], &pd, label, sizeof label);
        cmd_warn(ctx,
                 "note: %s: its saved values become its current values too: "
                 "a drive that follows SPC-4 6.11 saves every page's current "
                 "values ('modecon undo' puts them back)",
                 label);
        changes_print_fields(ctx, pd, label, others[i].saved, others[i].current,
                             others[i].len, " (saved values)");
        free(others[i].current);
        free(others[i].saved);
    }
    free(others);
}
