/*
 * The checker: a parsed page's fields fit the page, do not overlap and
 * suit their kinds, so that field.c may read and write them blindly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/pagedef-internal.h"
#include "engine/pagedef.h"
#include "util/xmalloc.h"

/* The last byte a field touches. */
static size_t
pagedef_last_byte(const struct field_def *fd)
{
    return ((size_t)fd->byte * 8 + (7 - fd->bit) + fd->width - 1) / 8;
}

static uint64_t
pagedef_width_max(unsigned width)
{
    return width >= 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
}

/* A problem found, counted: returns 1. */
static int __attribute__((format(printf, 2, 3)))
pagedef_fault(struct pagedb *db, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pagedb_vproblem(db, fmt, ap);
    va_end(ap);
    return 1;
}

/* Checks of one field against its kind; 'where' names it in messages. */
static int
pagedef_check_field(struct pagedb *db, const struct page_def *pd,
                    const struct field_def *fd, const char *where)
{
    int bad = 0;
    bool whole_bytes = fd->bit == 7 && fd->width % 8 == 0;

    switch (fd->kind) {
    case FIELD_FLAG:
        if (fd->width != 1)
            bad += pagedef_fault(
                db, "%s:%d: %s: expected a flag to be one bit, it is %u",
                pd->path, fd->line, where, fd->width);
        break;
    case FIELD_NUMBER:
    case FIELD_ENUM:
        if (fd->width > 64)
            bad += pagedef_fault(
                db, "%s:%d: %s: expected at most 64 bits for a %s, it is %u",
                pd->path, fd->line, where, field_kind_name(fd->kind),
                fd->width);
        break;
    case FIELD_ASCII:
    case FIELD_HEX:
        if (!whole_bytes)
            bad += pagedef_fault(
                db,
                "%s:%d: %s: expected %s to be whole bytes (FIRST-LAST or "
                "BYTE)",
                pd->path, fd->line, where, field_kind_name(fd->kind));
        break;
    case FIELD_RESERVED:
        break;
    }
    if (fd->kind == FIELD_ENUM && fd->nvalues == 0)
        bad +=
            pagedef_fault(db, "%s:%d: %s: expected 'value' lines for an enum",
                          pd->path, fd->line, where);
    for (size_t v = 0; v < fd->nvalues; v++)
        if (fd->width <= 64 &&
            fd->values[v].value > pagedef_width_max(fd->width))
            bad += pagedef_fault(
                db, "%s:%d: %s: value %llu (%s) does not fit in %u bits",
                pd->path, fd->line, where,
                (unsigned long long)fd->values[v].value, fd->values[v].name,
                fd->width);
    if (fd->has_range && fd->width <= 64 &&
        fd->max > pagedef_width_max(fd->width))
        bad += pagedef_fault(
            db, "%s:%d: %s: range up to %llu does not fit in %u bits", pd->path,
            fd->line, where, (unsigned long long)fd->max, fd->width);
    if ((fd->has_range || fd->unit || fd->scale) && fd->kind != FIELD_NUMBER)
        bad += pagedef_fault(
            db, "%s:%d: %s: expected unit, scale and range only on a number",
            pd->path, fd->line, where);
    if ((fd->danger_dir == FIELD_DANGER_LOWER ||
         fd->danger_dir == FIELD_DANGER_HIGHER) &&
        (fd->kind == FIELD_ASCII || fd->kind == FIELD_HEX))
        bad += pagedef_fault(
            db,
            "%s:%d: %s: expected 'danger lower' and 'danger higher' only on "
            "a number, flag or enum, not %s",
            pd->path, fd->line, where, field_kind_name(fd->kind));
    return bad;
}

/* Mark the bits of fd at 'base' in 'used' (one bit per page bit); report
 * a bit that another field already holds. */
static int
pagedef_claim(struct pagedb *db, const struct page_def *pd,
              const struct field_def *fd, size_t base, uint8_t *used,
              const struct field_def **owner, size_t max_len, const char *where)
{
    size_t first = (base + fd->byte) * 8 + (7 - fd->bit);
    for (size_t b = first; b < first + fd->width; b++) {
        size_t byte = b / 8;
        uint8_t mask = (uint8_t)(0x80 >> (b % 8));
        if (byte >= max_len) {
            pagedb_problem(db,
                           "%s:%d: %s: byte %zu is outside the page (%zu "
                           "bytes at the longest listed length)",
                           pd->path, fd->line, where, byte, max_len);
            return 1;
        }
        if (used[byte] & mask) {
            const struct field_def *other = owner[b];
            pagedb_problem(db,
                           "%s:%d: %s overlaps %s (line %d) at byte %zu bit "
                           "%zu",
                           pd->path, fd->line, where,
                           other->acronym ? other->acronym : "reserved bits",
                           other->line, byte, 7 - b % 8);
            return 1;
        }
        used[byte] |= mask;
        owner[b] = fd;
    }
    return 0;
}

/* Problems for fd's acronym among fields[0..n), matched as the command
 * line matches them, without case: one per field that has it already. */
static int
pagedef_acronym_taken(struct pagedb *db, const struct page_def *pd,
                      const struct field_def *fd,
                      const struct field_def *fields, size_t n)
{
    int bad = 0;

    for (size_t j = 0; j < n && fd->acronym; j++)
        if (fields[j].acronym &&
            strcasecmp(fields[j].acronym, fd->acronym) == 0) {
            pagedb_problem(db,
                           "%s:%d: %s: the acronym is already used on line %d",
                           pd->path, fd->line, fd->acronym, fields[j].line);
            bad++;
        }
    return bad;
}

/* The fields outside repeat groups, each in its place after the header. */
static int
pagedef_check_fields(struct pagedb *db, const struct page_def *pd,
                     size_t max_len)
{
    uint8_t *used = xcalloc(max_len, 1);
    const struct field_def **owner = xcalloc(max_len * 8, sizeof *owner);
    size_t hdr = pd->spf ? 4 : 2;
    int bad = 0;

    /* The page header belongs to no field. */
    memset(used, 0xff, hdr < max_len ? hdr : max_len);
    for (size_t i = 0; i < pd->nfields; i++) {
        const struct field_def *fd = &pd->fields[i];
        char where[64];
        snprintf(where, sizeof where, "%s",
                 fd->acronym ? fd->acronym : "reserved bits");
        bad += pagedef_check_field(db, pd, fd, where);
        if (fd->byte < hdr) {
            bad += pagedef_fault(db, "%s:%d: %s: byte %u is the page header",
                                 pd->path, fd->line, where, fd->byte);
            continue;
        }
        bad += pagedef_claim(db, pd, fd, 0, used, owner, max_len, where);
        bad += pagedef_acronym_taken(db, pd, fd, pd->fields, i);
    }
    free(used);
    free(owner);
    return bad;
}

/* Where a repeat group sits: its count and its descriptors inside the
 * page, the plain fields before it. */
static int
pagedef_check_group_place(struct pagedb *db, const struct page_def *pd,
                          const struct repeat_def *rd, size_t max_len)
{
    size_t hdr = pd->spf ? 4 : 2;
    int bad = 0;

    if (rd->has_count) {
        struct field_def cf = { .byte = rd->count_byte,
                                .bit = rd->count_bit,
                                .width = rd->count_width };
        if (cf.byte < hdr || cf.width > 64 || pagedef_last_byte(&cf) >= rd->at)
            bad += pagedef_fault(db,
                                 "%s:%d: repeat %s: expected the count in the "
                                 "page after its header and before byte %u, "
                                 "in at most 64 bits",
                                 pd->path, rd->line, rd->name, rd->at);
    }
    if (rd->at < hdr || rd->at + rd->size > max_len)
        bad += pagedef_fault(db,
                             "%s:%d: repeat %s: descriptors from byte %u of %u "
                             "bytes do not fit in the page (%zu bytes)",
                             pd->path, rd->line, rd->name, rd->at, rd->size,
                             max_len);
    for (size_t i = 0; i < pd->nfields; i++)
        if (pagedef_last_byte(&pd->fields[i]) >= rd->at)
            bad += pagedef_fault(
                db,
                "%s:%d: %s: bytes %u-%zu run into repeat %s, which starts at "
                "byte %u",
                pd->path, pd->fields[i].line,
                pd->fields[i].acronym ? pd->fields[i].acronym : "reserved bits",
                pd->fields[i].byte, pagedef_last_byte(&pd->fields[i]), rd->name,
                rd->at);
    return bad;
}

/* One descriptor's layout, placed at the group's start. */
static int
pagedef_check_group_fields(struct pagedb *db, const struct page_def *pd,
                           const struct repeat_def *rd)
{
    uint8_t *one = xcalloc(rd->size, 1);
    const struct field_def **one_owner =
        xcalloc((size_t)rd->size * 8, sizeof *one_owner);
    int bad = 0;

    for (size_t i = 0; i < rd->nfields; i++) {
        const struct field_def *fd = &rd->fields[i];
        char where[64];
        snprintf(where, sizeof where, "%s.N",
                 fd->acronym ? fd->acronym : "reserved bits");
        bad += pagedef_check_field(db, pd, fd, where);
        bad += pagedef_claim(db, pd, fd, 0, one, one_owner, rd->size, where);
        bad += pagedef_acronym_taken(db, pd, fd, rd->fields, i);
        bad += pagedef_acronym_taken(db, pd, fd, pd->fields, pd->nfields);
    }
    free(one);
    free(one_owner);
    return bad;
}

int
pagedef_check(struct pagedb *db, const struct page_def *pd)
{
    size_t max_len = pagedef_max_len(pd);
    int bad = pagedef_check_fields(db, pd, max_len);

    /* Descriptors run to the end of the page (or as far as their count
     * says, which only the drive's data tells), so a second group would
     * share their bytes. */
    if (pd->nrepeats > 1)
        bad +=
            pagedef_fault(db,
                          "%s:%d: repeat %s: expected at most one repeat "
                          "group a page (descriptors run to the end of the "
                          "page)",
                          pd->path, pd->repeats[1].line, pd->repeats[1].name);
    for (size_t r = 0; r < pd->nrepeats; r++) {
        bad += pagedef_check_group_place(db, pd, &pd->repeats[r], max_len);
        bad += pagedef_check_group_fields(db, pd, &pd->repeats[r]);
    }
    return bad;
}
