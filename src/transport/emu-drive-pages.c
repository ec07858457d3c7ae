/* The mode pages of a drive file: each page's bytes, checked against its
 * own header, and the values the file leaves out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/emu-drive-internal.h"
#include "transport/modepage.h"
#include "util/hex.h"
#include "util/xmalloc.h"

/* MODE SENSE(10) returns at most 65535 bytes, its allocation length
 * being 16 bits (SPC-4 6.14), however long its mode data length says the
 * data is; keep room for the header and one block descriptor (SPC-4
 * 7.5.5, 7.5.6), so that every page can be read. */
#define EMU_DRIVE_PAGES_MAX (65535u - 8u - 8u)

/* Values given with PS set: the emulator owns that bit. */
static int
emu_drive_bad_ps(struct emu_load *ld, const char *where)
{
    return emu_drive_bad(ld, where,
                         "PS (byte 0 bit 7) must be 0 in the file; the "
                         "emulator sets it for savable pages");
}

/* Bytes of a page's current values: the header must agree with the
 * page's own code, subpage and length (SPC-4 7.5.7). */
static int
emu_drive_page_header(struct emu_load *ld, const char *where, const uint8_t *b,
                      size_t n, struct emu_page *pg)
{
    /* Cut short, it is reported below, before its bytes 1-3 are used. */
    struct mode_page_header h = mode_page_header_decode(b, n);
    bool spf;

    if (n < 2)
        return emu_drive_bad(ld, where,
                             "expected at least the 2-byte page header, "
                             "found %zu byte%s",
                             n, n == 1 ? "" : "s");
    if (h.ps)
        return emu_drive_bad_ps(ld, where);
    if (h.code != pg->code)
        return emu_drive_bad(ld, where,
                             "byte 0 says page 0x%02x, but \"page\" is "
                             "0x%02x",
                             h.code, pg->code);
    spf = h.spf;
    if (spf && pg->subpage == 0)
        return emu_drive_bad(ld, where,
                             "SPF (byte 0 bit 6) is set, but subpage 0x00 "
                             "uses the page_0 format");
    if (!spf && pg->subpage != 0)
        return emu_drive_bad(ld, where,
                             "\"subpage\" is 0x%02x, so byte 0 needs SPF "
                             "(bit 6, the 4-byte sub_page format header)",
                             pg->subpage);
    pg->spf = spf;
    if (spf) {
        if (n < 4)
            return emu_drive_bad(ld, where,
                                 "expected at least the 4-byte sub_page "
                                 "header, found %zu bytes",
                                 n);
        if (h.subpage != pg->subpage)
            return emu_drive_bad(ld, where,
                                 "byte 1 says subpage 0x%02x, but "
                                 "\"subpage\" is 0x%02x",
                                 h.subpage, pg->subpage);
        if (h.page_length != n - 4)
            return emu_drive_bad(ld, where,
                                 "the page length (bytes 2-3) is %zu, but "
                                 "%zu bytes follow the header",
                                 h.page_length, n - 4);
    } else if (h.page_length != n - 2) {
        return emu_drive_bad(ld, where,
                             "the page length (byte 1) is 0x%02zx (%zu), but "
                             "%zu bytes follow the header",
                             h.page_length, h.page_length, n - 2);
    }
    pg->len = n;
    return 0;
}

/* Changeable, default or saved values: same length and header as the
 * current ones. */
static int
emu_drive_page_values(struct emu_load *ld, json_t *page, const char *parent,
                      const char *key, struct emu_page *pg, uint8_t **out)
{
    json_t *v = json_object_get(page, key);
    size_t n, hdr = pg->spf ? 4 : 2;
    char where[128];
    uint8_t *b;

    *out = NULL;
    if (v == NULL || (json_is_null(v) && strcmp(key, "saved") == 0))
        return 0;
    emu_drive_where(where, sizeof where, parent, key);
    if (emu_drive_hex(ld, v, where, &b, &n) != 0)
        return -1;
    if (n != pg->len) {
        free(b);
        return emu_drive_bad(ld, where,
                             "expected %zu bytes of hex like the current "
                             "page, found %zu",
                             pg->len, n);
    }
    if (mode_page_header_decode(b, n).ps) {
        free(b);
        return emu_drive_bad_ps(ld, where);
    }
    if (memcmp(b, pg->current, hdr) != 0) {
        char *want = hex_format(pg->current, hdr, 0);
        emu_drive_bad(ld, where,
                      "the page header must be %s, as in the current page",
                      want);
        free(want);
        free(b);
        return -1;
    }
    *out = b;
    return 0;
}

void
emu_drive_page_free(struct emu_page *pg)
{
    free(pg->current);
    free(pg->changeable);
    free(pg->defaults);
    free(pg->saved);
}

/* A page's "page" and "subpage", which must name one page. */
static int
emu_drive_page_id(struct emu_load *ld, json_t *page, const char *where,
                  struct emu_page *pg)
{
    static const char *const keys[] = { "page",    "subpage",    "savable",
                                        "current", "changeable", "default",
                                        "saved",   NULL };
    unsigned long code, subpage;

    if (!json_is_object(page))
        return emu_drive_bad(ld, where, "expected an object, found %s",
                             emu_drive_type_name(page));
    if (emu_drive_keys(ld, page, where, keys) != 0 ||
        emu_drive_uint(ld, page, where, "page", MODE_PAGE_CODE, true, 0,
                       &code) != 0 ||
        emu_drive_uint(ld, page, where, "subpage", 0xff, false, 0, &subpage) !=
            0 ||
        emu_drive_bool(ld, page, where, "savable", false, &pg->savable) != 0)
        return -1;
    /* 3Fh and FFh ask MODE SENSE for every page or subpage (SPC-4
     * 6.13); no page has them. */
    if (code == MODE_PAGE_ALL)
        return emu_drive_bad(ld, where,
                             "page code 0x3f means all pages and cannot "
                             "name one");
    if (subpage == MODE_SUBPAGE_ALL)
        return emu_drive_bad(ld, where,
                             "subpage 0xff means all subpages and cannot "
                             "name one");
    pg->code = (uint8_t)code;
    pg->subpage = (uint8_t)subpage;
    return 0;
}

/* The current values, whose header the others must repeat, then the
 * changeable, default and saved values the file gives. */
static int
emu_drive_page_bytes(struct emu_load *ld, json_t *page, const char *where,
                     struct emu_page *pg)
{
    char cur_where[96];
    json_t *v = json_object_get(page, "current");
    size_t n;

    emu_drive_where(cur_where, sizeof cur_where, where, "current");
    if (v == NULL)
        return emu_drive_bad(ld, cur_where,
                             "missing (expected the page's bytes in hex, "
                             "header included)");
    if (emu_drive_hex(ld, v, cur_where, &pg->current, &n) != 0)
        return -1;
    if (emu_drive_page_header(ld, cur_where, pg->current, n, pg) != 0 ||
        emu_drive_page_values(ld, page, where, "changeable", pg,
                              &pg->changeable) != 0 ||
        emu_drive_page_values(ld, page, where, "default", pg, &pg->defaults) !=
            0 ||
        emu_drive_page_values(ld, page, where, "saved", pg, &pg->saved) != 0)
        return -1;
    return 0;
}

/* The values the file leaves out, and whether the page has saved values
 * at all. */
static int
emu_drive_page_fill(struct emu_load *ld, json_t *page, const char *where,
                    const struct emu_behaviour *bh, struct emu_page *pg)
{
    char saved_where[96];

    /* Absent changeable values: nothing can change, but the header is
     * still the page's own. */
    if (pg->changeable == NULL) {
        pg->changeable = xcalloc(1, pg->len);
        memcpy(pg->changeable, pg->current, pg->spf ? 4 : 2);
    }
    if (pg->defaults == NULL) {
        pg->defaults = xmalloc(pg->len);
        memcpy(pg->defaults, pg->current, pg->len);
    }
    pg->saved_unknown = json_is_null(json_object_get(page, "saved"));
    pg->has_saved = pg->savable && bh->saving && !pg->saved_unknown;
    emu_drive_where(saved_where, sizeof saved_where, where, "saved");
    if (pg->saved_unknown && !pg->savable)
        return emu_drive_bad(ld, saved_where,
                             "null (saved values not known) needs "
                             "\"savable\": true");
    if (pg->saved != NULL && !pg->has_saved)
        return emu_drive_bad(ld, saved_where,
                             "saved values need \"savable\": true and "
                             "behaviour.saving true");
    if (pg->has_saved && pg->saved == NULL) {
        pg->saved = xmalloc(pg->len);
        memcpy(pg->saved, pg->defaults, pg->len);
    }
    return 0;
}

static int
emu_drive_page(struct emu_load *ld, json_t *page, size_t index,
               const struct emu_behaviour *bh, struct emu_page *pg)
{
    char where[64];

    snprintf(where, sizeof where, "mode_pages[%zu]", index);
    if (emu_drive_page_id(ld, page, where, pg) != 0 ||
        emu_drive_page_bytes(ld, page, where, pg) != 0)
        return -1;
    return emu_drive_page_fill(ld, page, where, bh, pg);
}

int
emu_drive_pages(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    json_t *pages = json_object_get(root, "mode_pages"), *page;
    size_t i, total = 0;

    if (pages == NULL)
        return emu_drive_bad(ld, "mode_pages",
                             "missing (expected an array of pages)");
    if (!json_is_array(pages))
        return emu_drive_bad(ld, "mode_pages",
                             "expected an array of pages, found %s",
                             emu_drive_type_name(pages));
    drive->pages = xcalloc(json_array_size(pages) + 1, sizeof *drive->pages);
    json_array_foreach(pages, i, page)
    {
        struct emu_page *pg = &drive->pages[i];
        size_t other = 0;

        /* Counted first so that emu_drive_free releases a half-loaded
         * page too. */
        drive->npages = i + 1;
        if (emu_drive_page(ld, page, i, &drive->behaviour, pg) != 0)
            return -1;
        if (emu_drive_find_page(drive, pg->code, pg->subpage, pg->spf,
                                &other) != pg) {
            char where[64];
            snprintf(where, sizeof where, "mode_pages[%zu]", i);
            return emu_drive_bad(ld, where,
                                 "page 0x%02x subpage 0x%02x is already "
                                 "defined by mode_pages[%zu]",
                                 pg->code, pg->subpage, other);
        }
        total += pg->len;
        if (total > EMU_DRIVE_PAGES_MAX)
            return emu_drive_bad(ld, "mode_pages",
                                 "the pages add up to more than %u bytes, "
                                 "more than MODE SENSE(10) can return",
                                 EMU_DRIVE_PAGES_MAX);
    }
    return 0;
}
