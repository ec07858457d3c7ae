#include "engine/field.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/unit.h"
#include "util/hex.h"
#include "util/xmalloc.h"

/* The absolute bit number of the field's first (most significant) bit,
 * counting from bit 7 of byte 0. */
static size_t
field_first_bit(const struct field_def *fd, size_t base)
{
    return (base + fd->byte) * 8 + (7 - fd->bit);
}

bool
field_fits(const struct field_def *fd, size_t base, size_t len)
{
    return field_first_bit(fd, base) + fd->width <= len * 8;
}

uint64_t
field_get(const uint8_t *page, const struct field_def *fd, size_t base)
{
    size_t first = field_first_bit(fd, base);
    uint64_t value = 0;

    for (size_t b = first; b < first + fd->width && b - first < 64; b++)
        value = value << 1 | ((page[b / 8] >> (7 - b % 8)) & 1u);
    return value;
}

void
field_set(uint8_t *page, const struct field_def *fd, size_t base,
          uint64_t value)
{
    size_t first = field_first_bit(fd, base);
    size_t width = fd->width > 64 ? 64 : fd->width;

    for (size_t k = 0; k < width; k++) {
        size_t b = first + (fd->width - 1 - k);
        uint8_t mask = (uint8_t)(0x80u >> (b % 8));
        if ((value >> k) & 1u)
            page[b / 8] |= mask;
        else
            page[b / 8] &= (uint8_t)~mask;
    }
}

void
field_mark(uint8_t *mask, const struct field_ref *ref)
{
    size_t first = field_first_bit(ref->fd, ref->base);

    for (size_t b = first; b < first + ref->fd->width; b++)
        mask[b / 8] |= (uint8_t)(0x80u >> (b % 8));
}

int
field_mask_state(const uint8_t *mask, const struct field_def *fd, size_t base)
{
    size_t first = field_first_bit(fd, base), set = 0;

    for (size_t b = first; b < first + fd->width; b++)
        set += (mask[b / 8] >> (7 - b % 8)) & 1u;
    return set == fd->width ? 1 : set == 0 ? 0 : -1;
}

static void
field_add(struct field_ref **refs, size_t *n, const struct field_def *fd,
          size_t base, const char *suffix)
{
    *refs = xrealloc(*refs, (*n + 1) * sizeof **refs);
    struct field_ref *ref = &(*refs)[(*n)++];
    ref->fd = fd;
    ref->base = base;
    snprintf(ref->acronym, sizeof ref->acronym, "%s%s", fd->acronym, suffix);
}

size_t
field_list(const struct page_def *pd, const uint8_t *page, size_t len,
           struct field_ref **refs)
{
    size_t n = 0;

    *refs = NULL;
    for (size_t i = 0; i < pd->nfields; i++) {
        const struct field_def *fd = &pd->fields[i];
        if (fd->kind != FIELD_RESERVED && field_fits(fd, 0, len))
            field_add(refs, &n, fd, 0, "");
    }
    for (size_t r = 0; r < pd->nrepeats; r++) {
        const struct repeat_def *rd = &pd->repeats[r];
        size_t count = rd->at < len ? (len - rd->at) / rd->size : 0;
        if (rd->has_count) {
            struct field_def cf = { .byte = rd->count_byte,
                                    .bit = rd->count_bit,
                                    .width = rd->count_width };
            if (!field_fits(&cf, 0, len))
                continue;
            uint64_t said = field_get(page, &cf, 0);
            if (said < count)
                count = (size_t)said; /* never past the page's end */
        }
        for (size_t d = 0; d < count; d++) {
            char suffix[24];
            snprintf(suffix, sizeof suffix, ".%zu", d);
            for (size_t i = 0; i < rd->nfields; i++) {
                const struct field_def *fd = &rd->fields[i];
                size_t base = rd->at + d * rd->size;
                if (fd->kind != FIELD_RESERVED && field_fits(fd, base, len))
                    field_add(refs, &n, fd, base, suffix);
            }
        }
    }
    return n;
}

const struct field_ref *
field_find(const struct field_ref *refs, size_t n, const char *name,
           const char *page_name, struct err *err)
{
    const struct field_ref *found = NULL;
    char candidates[256] = "";
    size_t matches = 0, len = strlen(name);

    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(refs[i].acronym, name) == 0)
            return &refs[i];
        if (len > 0 && strncasecmp(refs[i].acronym, name, len) == 0) {
            found = &refs[i];
            matches++;
            size_t used = strlen(candidates);
            snprintf(candidates + used, sizeof candidates - used, "%s%s",
                     used ? ", " : "", refs[i].acronym);
        }
    }
    if (matches == 1)
        return found;
    if (matches > 1) {
        err_usage(err, "field '%s' is ambiguous on %s: could be %s", name,
                  page_name, candidates);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(candidates);
        snprintf(candidates + used, sizeof candidates - used, "%s%s",
                 used ? " " : "", refs[i].acronym);
    }
    err_usage(err, "%s has no field '%s'; its fields are: %s", page_name, name,
              candidates);
    return NULL;
}

const struct field_ref *
field_at(const struct field_ref *refs, size_t n, int byte, int bit)
{
    for (size_t i = 0; i < n; i++) {
        size_t first = field_first_bit(refs[i].fd, refs[i].base);
        size_t last = first + refs[i].fd->width - 1;
        size_t lo = (size_t)byte * 8 + (bit >= 0 ? (size_t)(7 - bit) : 0);
        size_t hi = (size_t)byte * 8 + (bit >= 0 ? (size_t)(7 - bit) : 7);
        if (lo <= last && hi >= first)
            return &refs[i];
    }
    return NULL;
}

void
field_format(const uint8_t *page, const struct field_ref *ref, char *buf,
             size_t len)
{
    const struct field_def *fd = ref->fd;
    const uint8_t *bytes = page + ref->base + fd->byte;
    size_t nbytes = fd->width / 8;

    switch (fd->kind) {
    case FIELD_ASCII: {
        size_t n = 0;
        buf[n++] = '"';
        for (size_t i = 0; i < nbytes && n + 2 < len; i++)
            buf[n++] =
                (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? (char)bytes[i] : '.';
        buf[n++] = '"';
        buf[n < len ? n : len - 1] = '\0';
        return;
    }
    case FIELD_HEX: {
        char *hex = hex_format(bytes, nbytes, 0);
        snprintf(buf, len, "%s", hex);
        free(hex);
        return;
    }
    case FIELD_ENUM: {
        uint64_t v = field_get(page, fd, ref->base);
        for (size_t i = 0; i < fd->nvalues; i++)
            if (fd->values[i].value == v) {
                snprintf(buf, len, "%s (%llu)", fd->values[i].name,
                         (unsigned long long)v);
                return;
            }
        snprintf(buf, len, "%llu", (unsigned long long)v);
        return;
    }
    case FIELD_NUMBER:
        unit_format(fd, field_get(page, fd, ref->base), buf, len);
        return;
    default:
        snprintf(buf, len, "%llu",
                 (unsigned long long)field_get(page, fd, ref->base));
        return;
    }
}

void
field_format_typeable(const uint8_t *page, const struct field_ref *ref,
                      char *buf, size_t len)
{
    const struct field_def *fd = ref->fd;

    if (fd->kind == FIELD_NUMBER)
        unit_format_typeable(fd, field_get(page, fd, ref->base), buf, len);
    else if (fd->kind == FIELD_FLAG || fd->kind == FIELD_ENUM)
        snprintf(buf, len, "%llu",
                 (unsigned long long)field_get(page, fd, ref->base));
    else
        field_format(page, ref, buf, len);
}

/* "0 to 65535", or in the field's unit "0 s to 6553500 ms". */
static void
field_range_text(const struct field_def *fd, uint64_t lo, uint64_t hi,
                 char *buf, size_t len)
{
    char a[64], b[64];

    unit_format_quantity(fd, lo, a, sizeof a);
    unit_format_quantity(fd, hi, b, sizeof b);
    snprintf(buf, len, "%s to %s", a, b);
}

/* The legend of an enum: "0 PACKET, 1 TAO, 2 SAO". */
static void
field_legend(const struct field_def *fd, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < fd->nvalues; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%llu %s", used ? ", " : "",
                 (unsigned long long)fd->values[i].value, fd->values[i].name);
    }
}

bool
field_value_undefined(const struct field_def *fd, uint64_t value)
{
    if (fd->kind != FIELD_ENUM)
        return false;
    for (size_t i = 0; i < fd->nvalues; i++)
        if (fd->values[i].value == value)
            return false;
    return true;
}

/* A number v, typed as 'text', against the field's width, its range and
 * its legend. */
static int
field_check_number(const struct field_ref *ref, const char *text, uint64_t v,
                   uint64_t max, bool force, struct err *err)
{
    const struct field_def *fd = ref->fd;
    char range[160], step[64];

    unit_step(fd, step, sizeof step);
    if (v > max) {
        field_range_text(fd, 0, max, range, sizeof range);
        return err_usage(err, "%s=%s: the field holds %s (%u bit%s%s%s)",
                         ref->acronym, text, range, fd->width,
                         fd->width == 1 ? "" : "s",
                         fd->unit && fd->scale > 1 ? " of " : "",
                         fd->unit && fd->scale > 1 ? step : "");
    }
    if (fd->has_range && (v < fd->min || v > fd->max)) {
        field_range_text(fd, fd->min, fd->max, range, sizeof range);
        return err_usage(err, "%s=%s: expected %s%s%s%s", ref->acronym, text,
                         range, fd->unit && fd->scale > 1 ? " (" : "",
                         fd->unit && fd->scale > 1 ? step : "",
                         fd->unit && fd->scale > 1 ? ")" : "");
    }
    if (!force && field_value_undefined(fd, v)) {
        /* A number the legend does not name is reserved or undefined in
         * the standard: a drive may take it and do anything, so it goes
         * only when forced. */
        char legend[512];
        field_legend(fd, legend, sizeof legend);
        return err_usage(err,
                         "%s=%s: %llu is no value of %s (reserved or "
                         "undefined); its values are %s; --force "
                         "sends it anyway",
                         ref->acronym, text, (unsigned long long)v,
                         fd->name ? fd->name : ref->acronym, legend);
    }
    return 0;
}

/* 'text' is neither a number nor a name of the field's values: what the
 * field takes. */
static int
field_not_a_number(const struct field_ref *ref, const char *text, uint64_t max,
                   struct err *err)
{
    const struct field_def *fd = ref->fd;
    char names[256] = "";

    for (size_t i = 0; i < fd->nvalues; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
                 fd->values[i].name);
    }
    if (fd->kind == FIELD_NUMBER && fd->unit != NULL) {
        /* Say how a quantity is typed and its range in the unit: the bare
         * count "0 to 4294967295" is not what a time field takes. */
        char expected[256], range[160];
        unit_expected(fd, expected, sizeof expected);
        field_range_text(fd, fd->has_range ? fd->min : 0,
                         fd->has_range ? fd->max : max, range, sizeof range);
        return err_usage(err, "%s=%s: expected %s, %s%s%s", ref->acronym, text,
                         expected, range, names[0] ? ", or one of " : "",
                         names);
    }
    return err_usage(err, "%s=%s: expected a number from 0 to %llu%s%s",
                     ref->acronym, text, (unsigned long long)max,
                     names[0] ? " or one of " : "", names);
}

static int
field_parse_number(const struct field_ref *ref, const char *text, bool force,
                   uint64_t *value, struct err *err)
{
    const struct field_def *fd = ref->fd;
    uint64_t max =
        fd->width >= 64 ? UINT64_MAX : (UINT64_C(1) << fd->width) - 1;
    int quantity = 1;
    char *end;

    for (size_t i = 0; i < fd->nvalues; i++)
        if (strcasecmp(fd->values[i].name, text) == 0) {
            *value = fd->values[i].value;
            return 0;
        }
    /* A number with a unit ("5s", "8xCD", "300steps"), or a bare number
     * read as below. */
    if (fd->kind == FIELD_NUMBER && fd->unit != NULL &&
        (quantity = unit_parse(fd, ref->acronym, text, value, err)) < 0)
        return -1;
    if (quantity == 0)
        return field_check_number(ref, text, *value, max, force, err);
    /* strtoull skips blanks and takes a sign; values here have neither,
     * and no octal either. */
    if (text[0] == '-' || text[0] == '+' || text[0] == '\0' ||
        isspace((unsigned char)text[0]))
        return field_not_a_number(ref, text, max, err);
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0' ||
        (text[0] == '0' && text[1] != '\0' && text[1] != 'x' && text[1] != 'X'))
        return field_not_a_number(ref, text, max, err);
    *value = v;
    return field_check_number(ref, text, v, max, force, err);
}

int
field_parse_set(uint8_t *page, const struct field_ref *ref, const char *text,
                struct err *err)
{
    return field_parse_value(page, ref, text, false, err);
}

int
field_parse_value(uint8_t *page, const struct field_ref *ref, const char *text,
                  bool force, struct err *err)
{
    const struct field_def *fd = ref->fd;
    uint8_t *bytes = page + ref->base + fd->byte;
    size_t nbytes = fd->width / 8;
    uint64_t value;

    switch (fd->kind) {
    case FIELD_ASCII: {
        size_t n = strlen(text);
        if (n > nbytes)
            return err_usage(err,
                             "%s: '%s' is %zu characters, the field "
                             "holds %zu",
                             ref->acronym, text, n, nbytes);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
                return err_usage(err, "%s: expected printable ASCII",
                                 ref->acronym);
        memset(bytes, ' ', nbytes);
        memcpy(bytes, text, n);
        return 0;
    }
    case FIELD_HEX: {
        uint8_t *data;
        size_t len;
        if (hex_parse(text, &data, &len, err) != 0) {
            err_prefix(err, "%s", ref->acronym);
            return -1;
        }
        if (len != nbytes) {
            free(data);
            return err_usage(err, "%s: expected %zu bytes of hex, found %zu",
                             ref->acronym, nbytes, len);
        }
        memcpy(bytes, data, len);
        free(data);
        return 0;
    }
    case FIELD_RESERVED:
        return err_usage(err, "%s: reserved bits cannot be set", ref->acronym);
    default:
        if (field_parse_number(ref, text, force, &value, err) != 0)
            return -1;
        field_set(page, fd, ref->base, value);
        return 0;
    }
}

bool
field_change_is_dangerous(const uint8_t *before, const uint8_t *after,
                          const struct field_ref *ref)
{
    const struct field_def *fd = ref->fd;

    size_t first = field_first_bit(fd, ref->base);
    bool changed = false;

    if (fd->danger == NULL)
        return false;
    for (size_t b = first; b < first + fd->width && !changed; b++)
        changed = ((before[b / 8] ^ after[b / 8]) >> (7 - b % 8)) & 1u;
    if (!changed)
        return false;
    if (fd->danger_dir == FIELD_DANGER_ANY)
        return true; /* text and hex fields too */
    if (fd->width > 64)
        return false;
    uint64_t was = field_get(before, fd, ref->base);
    uint64_t now = field_get(after, fd, ref->base);
    switch (fd->danger_dir) {
    case FIELD_DANGER_WHEN:
        return now == fd->danger_when;
    case FIELD_DANGER_LOWER:
        return now < was;
    case FIELD_DANGER_HIGHER:
        return now > was;
    default:
        return true;
    }
}

void
field_danger_when(const struct field_def *fd, char *buf, size_t len)
{
    char value[64];

    if (fd->danger == NULL) {
        snprintf(buf, len, "%s", "");
        return;
    }
    switch (fd->danger_dir) {
    case FIELD_DANGER_WHEN:
        snprintf(value, sizeof value, "%llu",
                 (unsigned long long)fd->danger_when);
        for (size_t i = 0; i < fd->nvalues; i++)
            if (fd->values[i].value == fd->danger_when)
                snprintf(value, sizeof value, "%s (%llu)", fd->values[i].name,
                         (unsigned long long)fd->danger_when);
        snprintf(buf, len, "warned when set to %s", value);
        return;
    case FIELD_DANGER_LOWER:
        snprintf(buf, len, "%s", "warned when lowered");
        return;
    case FIELD_DANGER_HIGHER:
        snprintf(buf, len, "%s", "warned when raised");
        return;
    default:
        snprintf(buf, len, "%s", "warned on any change");
        return;
    }
}
