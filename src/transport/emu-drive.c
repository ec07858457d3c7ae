/*
 * Drive files: JSON describing an emulated drive (drives/README.md).  The
 * file comes from users and, later, from snapshots of real drives, so
 * every member is checked for type, range and consistency here, once, and
 * the emulator trusts the loaded struct.  Messages name the file, the
 * JSON path of the item and what was expected.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/emu.h"
#include "transport/modepage.h"
#include "util/atomicfile.h"
#include "util/hex.h"
#include "util/xmalloc.h"

#define EMU_DRIVE_FILE_MAX (4u << 20) /* bytes */
#define EMU_DRIVE_VERSION  1
/* MODE SENSE(10) returns at most 65535 bytes, its allocation length
 * being 16 bits (SPC-4 6.14), however long its mode data length says the
 * data is; keep room for the header and one block descriptor (SPC-4
 * 7.5.5, 7.5.6), so that every page can be read. */
#define EMU_DRIVE_PAGES_MAX (65535u - 8u - 8u)

static const char *const emu_medium_names[] = {
    [EMU_MEDIUM_PRESENT] = "present",
    [EMU_MEDIUM_NONE] = "none",
    [EMU_MEDIUM_BECOMING_READY] = "becoming-ready",
    [EMU_MEDIUM_FORMATTING] = "format-in-progress",
    [EMU_MEDIUM_LONG_WRITE] = "long-write-in-progress",
    [EMU_MEDIUM_WRITE_PROTECTED] = "write-protected",
};

#define EMU_NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
emu_medium_name(enum emu_medium medium)
{
    if ((size_t)medium >= EMU_NELEM(emu_medium_names))
        return NULL;
    return emu_medium_names[medium];
}

bool
emu_medium_parse(const char *name, enum emu_medium *medium)
{
    for (size_t i = 0; i < EMU_NELEM(emu_medium_names); i++) {
        if (strcmp(name, emu_medium_names[i]) == 0) {
            *medium = (enum emu_medium)i;
            return true;
        }
    }
    return false;
}

uint64_t
emu_drive_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t hash = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++)
        hash = (hash ^ p[i]) * 1099511628211ull;
    return hash;
}

/* Loading context: where messages point. */
struct emu_load {
    const char *file;
    struct err *err;
};

static int __attribute__((format(printf, 3, 4)))
emu_drive_bad(struct emu_load *ld, const char *where, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    err_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_usage(ld->err, "%s: %s: %s", ld->file, where, msg);
}

static const char *
emu_drive_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* "parent.key": a key is the file's own text, quoted when it is not a
 * plain name so that a long or strange one cannot crowd out the message. */
static void
emu_drive_where(char *buf, size_t len, const char *parent, const char *key)
{
    char quoted[ERR_QUOTE_MAX];
    bool plain =
        key[0] != '\0' && strlen(key) <= ERR_QUOTE_CHARS &&
        strspn(key, "abcdefghijklmnopqrstuvwxyz"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(key);
    const char *shown = plain ? key : err_quote(quoted, key);

    if (parent[0] == '\0')
        snprintf(buf, len, "%s", shown);
    else
        snprintf(buf, len, "%s.%s", parent, shown);
}

/* Unknown members are refused so that a misspelt switch does not
 * silently keep its default; "comment" is allowed everywhere. */
static int
emu_drive_keys(struct emu_load *ld, json_t *obj, const char *parent,
               const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach(obj, key, value)
    {
        bool known = strcmp(key, "comment") == 0;
        char where[ERR_QUOTE_MAX + 64], list[256] = "";

        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (known)
            continue;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", i > 0 ? ", " : "",
                     allowed[i]);
        }
        emu_drive_where(where, sizeof where, parent, key);
        return emu_drive_bad(
            ld, where, "unknown member (expected one of: %s, comment)", list);
    }
    return 0;
}

/* An object member that must be an object; *out NULL when absent. */
static int
emu_drive_object(struct emu_load *ld, json_t *obj, const char *key,
                 bool required, json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        if (required)
            return emu_drive_bad(ld, key, "missing (expected an object)");
        return 0;
    }
    if (!json_is_object(v))
        return emu_drive_bad(ld, key, "expected an object, found %s",
                             emu_drive_type_name(v));
    *out = v;
    return 0;
}

static int
emu_drive_bool(struct emu_load *ld, json_t *obj, const char *parent,
               const char *key, bool def, bool *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    char where[128];

    *out = def;
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v)) {
        emu_drive_where(where, sizeof where, parent, key);
        return emu_drive_bad(ld, where, "expected true or false, found %s",
                             emu_drive_type_name(v));
    }
    *out = json_is_true(v);
    return 0;
}

/* A number given as a JSON integer or as a hex string "0x1A", the way
 * SCSI documents write codes. */
static int
emu_drive_number(struct emu_load *ld, json_t *v, const char *where,
                 unsigned long max, unsigned long *out)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n >= 0 && (unsigned long long)n <= max) {
            *out = (unsigned long)n;
            return 0;
        }
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool prefixed = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        size_t digits = prefixed ? strspn(s + 2, "0123456789abcdefABCDEF") : 0;
        if (digits > 0 && digits <= 8 && s[2 + digits] == '\0') {
            unsigned long n = strtoul(s + 2, NULL, 16);
            if (n <= max) {
                *out = n;
                return 0;
            }
        }
    }
    return emu_drive_bad(ld, where,
                         "expected a number from 0 to %lu (0x%lx), as an "
                         "integer or a hex string like \"0x%02lx\", found %s",
                         max, max, max, emu_drive_type_name(v));
}

static int
emu_drive_uint(struct emu_load *ld, json_t *obj, const char *parent,
               const char *key, unsigned long max, bool required,
               unsigned long def, unsigned long *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    char where[128];

    emu_drive_where(where, sizeof where, parent, key);
    *out = def;
    if (v == NULL) {
        if (required)
            return emu_drive_bad(
                ld, where, "missing (expected a number from 0 to %lu)", max);
        return 0;
    }
    return emu_drive_number(ld, v, where, max, out);
}

/* One of 'names'; *out is its index. */
static int
emu_drive_choice(struct emu_load *ld, json_t *obj, const char *parent,
                 const char *key, const char *const *names, size_t count,
                 size_t def, size_t *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    char where[128], list[160] = "";

    *out = def;
    if (v == NULL)
        return 0;
    if (json_is_string(v)) {
        for (size_t i = 0; i < count; i++) {
            if (strcmp(json_string_value(v), names[i]) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s\"%s\"",
                 i > 0 ? " or " : "", names[i]);
    }
    emu_drive_where(where, sizeof where, parent, key);
    if (json_is_string(v)) {
        char quoted[ERR_QUOTE_MAX];
        return emu_drive_bad(ld, where, "expected %s, found %s", list,
                             err_quote(quoted, json_string_value(v)));
    }
    return emu_drive_bad(ld, where, "expected %s, found %s", list,
                         emu_drive_type_name(v));
}

/* INQUIRY strings are printable ASCII, space padded (SPC-4, standard
 * INQUIRY data). */
static int
emu_drive_ascii(struct emu_load *ld, json_t *obj, const char *key, size_t max,
                char *out)
{
    json_t *v = json_object_get(obj, key);
    char where[128];
    const char *s;

    emu_drive_where(where, sizeof where, "inquiry", key);
    if (v == NULL || !json_is_string(v))
        return emu_drive_bad(ld, where,
                             "expected a string of at most %zu printable "
                             "ASCII characters, found %s",
                             max, v ? emu_drive_type_name(v) : "nothing");
    s = json_string_value(v);
    if (strlen(s) > max) {
        char quoted[ERR_QUOTE_MAX];
        return emu_drive_bad(ld, where,
                             "%s is %zu characters long; INQUIRY has "
                             "room for %zu",
                             err_quote(quoted, s), strlen(s), max);
    }
    for (const char *p = s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e)
            return emu_drive_bad(ld, where,
                                 "character %zu is not printable ASCII "
                                 "(0x20 to 0x7e)",
                                 (size_t)(p - s) + 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

/* Hex text as one string, or an array of strings taken as lines so that
 * each line can carry its own '#' comment. */
static int
emu_drive_hex(struct emu_load *ld, json_t *v, const char *where, uint8_t **out,
              size_t *len)
{
    char *text;

    if (json_is_string(v)) {
        text = xstrdup(json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i, total = 1;
        json_t *line;

        json_array_foreach(v, i, line)
        {
            if (!json_is_string(line))
                return emu_drive_bad(ld, where,
                                     "line %zu: expected a string of hex "
                                     "bytes, found %s",
                                     i + 1, emu_drive_type_name(line));
            total += strlen(json_string_value(line)) + 1;
        }
        text = xmalloc(total);
        text[0] = '\0';
        json_array_foreach(v, i, line)
        {
            strcat(text, json_string_value(line));
            strcat(text, "\n");
        }
    } else {
        return emu_drive_bad(ld, where,
                             "expected hex bytes as a string (\"05 32 ...\") "
                             "or an array of such lines, found %s",
                             emu_drive_type_name(v));
    }
    if (hex_parse(text, out, len, ld->err) != 0) {
        free(text);
        err_prefix(ld->err, "%s: %s", ld->file, where);
        return -1;
    }
    free(text);
    return 0;
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
        return emu_drive_bad(ld, where,
                             "PS (byte 0 bit 7) must be 0 in the file; the "
                             "emulator sets it for savable pages");
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
    if (b[0] & 0x80) {
        free(b);
        return emu_drive_bad(ld, where,
                             "PS (byte 0 bit 7) must be 0 in the file; the "
                             "emulator sets it for savable pages");
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

static void
emu_drive_page_free(struct emu_page *pg)
{
    free(pg->current);
    free(pg->changeable);
    free(pg->defaults);
    free(pg->saved);
}

static int
emu_drive_page(struct emu_load *ld, json_t *page, size_t index,
               const struct emu_behaviour *bh, struct emu_page *pg)
{
    static const char *const keys[] = { "page",    "subpage",    "savable",
                                        "current", "changeable", "default",
                                        "saved",   NULL };
    char where[64], cur_where[96];
    unsigned long code, subpage;
    json_t *v;
    size_t n;

    snprintf(where, sizeof where, "mode_pages[%zu]", index);
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

    emu_drive_where(cur_where, sizeof cur_where, where, "current");
    v = json_object_get(page, "current");
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
    if (pg->saved_unknown && !pg->savable) {
        emu_drive_where(cur_where, sizeof cur_where, where, "saved");
        return emu_drive_bad(ld, cur_where,
                             "null (saved values not known) needs "
                             "\"savable\": true");
    }
    if (pg->saved != NULL && !pg->has_saved) {
        emu_drive_where(cur_where, sizeof cur_where, where, "saved");
        return emu_drive_bad(ld, cur_where,
                             "saved values need \"savable\": true and "
                             "behaviour.saving true");
    }
    if (pg->has_saved && pg->saved == NULL) {
        pg->saved = xmalloc(pg->len);
        memcpy(pg->saved, pg->defaults, pg->len);
    }
    return 0;
}

static int
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

static int
emu_drive_inquiry(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    static const char *const keys[] = { "peripheral_device_type",
                                        "removable",
                                        "version",
                                        "vendor",
                                        "product",
                                        "revision",
                                        NULL };
    unsigned long pdt, version;
    json_t *inq;

    if (emu_drive_object(ld, root, "inquiry", true, &inq) != 0 ||
        emu_drive_keys(ld, inq, "inquiry", keys) != 0 ||
        emu_drive_uint(ld, inq, "inquiry", "peripheral_device_type", 0x1f,
                       false, 5, &pdt) != 0 ||
        emu_drive_bool(ld, inq, "inquiry", "removable", true,
                       &drive->removable) != 0 ||
        emu_drive_uint(ld, inq, "inquiry", "version", 0xff, false, 5,
                       &version) != 0 ||
        emu_drive_ascii(ld, inq, "vendor", 8, drive->vendor) != 0 ||
        emu_drive_ascii(ld, inq, "product", 16, drive->product) != 0 ||
        emu_drive_ascii(ld, inq, "revision", 4, drive->revision) != 0)
        return -1;
    drive->peripheral_type = (uint8_t)pdt;
    drive->version = (uint8_t)version;
    return 0;
}

static int
emu_drive_configuration(struct emu_load *ld, json_t *root,
                        struct emu_drive *drive)
{
    static const char *const keys[] = { "profiles", "current_profile",
                                        "interface", NULL };
    static const char *const interfaces[] = { "scsi", "atapi" };
    json_t *cfg, *list, *v;
    unsigned long current;
    size_t i, iface;

    if (emu_drive_object(ld, root, "configuration", false, &cfg) != 0)
        return -1;
    if (cfg == NULL)
        return 0;
    if (emu_drive_keys(ld, cfg, "configuration", keys) != 0 ||
        emu_drive_choice(ld, cfg, "configuration", "interface", interfaces, 2,
                         0, &iface) != 0)
        return -1;
    drive->atapi = iface == 1;
    list = json_object_get(cfg, "profiles");
    if (list == NULL || !json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > EMU_MAX_PROFILES)
        return emu_drive_bad(ld, "configuration.profiles",
                             "expected an array of 1 to %d profile numbers "
                             "like \"0x001A\", found %s",
                             EMU_MAX_PROFILES,
                             list ? emu_drive_type_name(list) : "nothing");
    json_array_foreach(list, i, v)
    {
        char where[64];
        unsigned long profile = 0;

        snprintf(where, sizeof where, "configuration.profiles[%zu]", i);
        if (emu_drive_number(ld, v, where, 0xffff, &profile) != 0)
            return -1;
        /* 0000h means "no current profile" in the feature header of
         * GET CONFIGURATION (MMC-6), so it cannot be a profile. */
        if (profile == 0)
            return emu_drive_bad(ld, where,
                                 "profile 0x0000 is reserved for \"no "
                                 "current profile\"");
        for (size_t j = 0; j < i; j++)
            if (drive->profiles[j] == profile)
                return emu_drive_bad(
                    ld, where, "profile 0x%04lx is listed twice", profile);
        drive->profiles[i] = (uint16_t)profile;
    }
    drive->nprofiles = json_array_size(list);
    if (emu_drive_uint(ld, cfg, "configuration", "current_profile", 0xffff,
                       true, 0, &current) != 0)
        return -1;
    for (i = 0; i < drive->nprofiles; i++)
        if (drive->profiles[i] == current)
            break;
    if (i == drive->nprofiles)
        return emu_drive_bad(ld, "configuration.current_profile",
                             "0x%04lx is not in configuration.profiles",
                             current);
    drive->current_profile = (uint16_t)current;
    drive->has_configuration = true;
    return 0;
}

static int
emu_drive_medium(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    static const char *const keys[] = { "state", "ready_after_ms",
                                        "progress_percent", NULL };
    size_t state;
    unsigned long ms, percent;
    bool waits, progresses;
    json_t *med;

    if (emu_drive_object(ld, root, "medium", false, &med) != 0 ||
        (med != NULL && emu_drive_keys(ld, med, "medium", keys) != 0) ||
        emu_drive_choice(ld, med, "medium", "state", emu_medium_names,
                         EMU_NELEM(emu_medium_names), EMU_MEDIUM_PRESENT,
                         &state) != 0)
        return -1;
    drive->medium = (enum emu_medium)state;
    waits = drive->medium == EMU_MEDIUM_BECOMING_READY;
    progresses = drive->medium == EMU_MEDIUM_FORMATTING ||
                 drive->medium == EMU_MEDIUM_LONG_WRITE;
    if (med != NULL && !waits && json_object_get(med, "ready_after_ms"))
        return emu_drive_bad(ld, "medium.ready_after_ms",
                             "only for state \"becoming-ready\"");
    if (med != NULL && !progresses && json_object_get(med, "progress_percent"))
        return emu_drive_bad(ld, "medium.progress_percent",
                             "only for states \"format-in-progress\" and "
                             "\"long-write-in-progress\"");
    if (emu_drive_uint(ld, med, "medium", "ready_after_ms", 86400000, waits, 0,
                       &ms) != 0 ||
        emu_drive_uint(ld, med, "medium", "progress_percent", 100, progresses,
                       0, &percent) != 0)
        return -1;
    drive->ready_after_ms = (uint32_t)ms;
    drive->progress_percent = (uint8_t)percent;
    return 0;
}

static int
emu_drive_behaviour(struct emu_load *ld, json_t *root, struct emu_behaviour *bh)
{
    static const char *const keys[] = { "mode_select",
                                        "all_pages",
                                        "report_changeable",
                                        "report_default",
                                        "saving",
                                        "mode_select_needs_medium",
                                        "sense_format",
                                        "sense_response_code",
                                        "field_pointers",
                                        "unit_attention_on_change",
                                        "block_descriptor",
                                        "medium_type",
                                        NULL };
    static const char *const selects[] = { "apply", "ignore", "unsupported",
                                           "unchecked" };
    static const char *const formats[] = { "fixed", "descriptor" };
    static const char *const bds[] = { "never", "unless_dbd" };
    const char *p = "behaviour";
    size_t select, format, bd;
    unsigned long rc, mt;
    json_t *b;

    if (emu_drive_object(ld, root, "behaviour", false, &b) != 0 ||
        (b != NULL && emu_drive_keys(ld, b, p, keys) != 0) ||
        emu_drive_choice(ld, b, p, "mode_select", selects, 4, 0, &select) ||
        emu_drive_bool(ld, b, p, "all_pages", true, &bh->all_pages) ||
        emu_drive_bool(ld, b, p, "report_changeable", true,
                       &bh->report_changeable) ||
        emu_drive_bool(ld, b, p, "report_default", true, &bh->report_default) ||
        emu_drive_bool(ld, b, p, "saving", true, &bh->saving) ||
        emu_drive_bool(ld, b, p, "mode_select_needs_medium", false,
                       &bh->select_needs_medium) ||
        emu_drive_choice(ld, b, p, "sense_format", formats, 2, 0, &format) ||
        emu_drive_uint(ld, b, p, "sense_response_code", 0xff, false, 0x70,
                       &rc) ||
        emu_drive_bool(ld, b, p, "field_pointers", true, &bh->field_pointers) ||
        emu_drive_bool(ld, b, p, "unit_attention_on_change", true,
                       &bh->unit_attention_on_change) ||
        emu_drive_choice(ld, b, p, "block_descriptor", bds, 2, 0, &bd) ||
        emu_drive_uint(ld, b, p, "medium_type", 0xff, false, 0, &mt))
        return -1;
    bh->mode_select = (enum emu_select)select;
    bh->descriptor_sense = format == 1;
    bh->block_descriptor = bd == 1;
    bh->medium_type = (uint8_t)mt;
    /* Current errors only: 70h, or F0h from drives that set VALID
     * (SPC-4 4.5.3); descriptor sense always starts 72h (4.5.2). */
    if (rc != 0x70 && rc != 0xf0)
        return emu_drive_bad(ld, "behaviour.sense_response_code",
                             "expected \"0x70\" or \"0xF0\" (current "
                             "errors, fixed format), found 0x%02lx",
                             rc);
    if (bh->descriptor_sense && rc != 0x70)
        return emu_drive_bad(ld, "behaviour.sense_response_code",
                             "applies to fixed-format sense only; "
                             "descriptor sense is always 0x72");
    bh->response_code = (uint8_t)rc;
    return 0;
}

static int
emu_drive_parse(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    static const char *const keys[] = { "modecon_drive", "description",
                                        "inquiry",       "configuration",
                                        "medium",        "behaviour",
                                        "mode_pages",    NULL };
    json_t *version = json_object_get(root, "modecon_drive");
    json_t *desc = json_object_get(root, "description");

    if (!json_is_object(root))
        return err_usage(ld->err,
                         "%s: expected a JSON object with \"modecon_drive\": "
                         "%d, found %s",
                         ld->file, EMU_DRIVE_VERSION,
                         emu_drive_type_name(root));
    if (version == NULL || !json_is_integer(version) ||
        json_integer_value(version) != EMU_DRIVE_VERSION)
        return emu_drive_bad(ld, "modecon_drive",
                             "expected %d, the drive file version this "
                             "modecon reads",
                             EMU_DRIVE_VERSION);
    if (desc != NULL && !json_is_string(desc))
        return emu_drive_bad(ld, "description", "expected a string, found %s",
                             emu_drive_type_name(desc));
    if (emu_drive_keys(ld, root, "", keys) != 0 ||
        emu_drive_inquiry(ld, root, drive) != 0 ||
        emu_drive_configuration(ld, root, drive) != 0 ||
        emu_drive_medium(ld, root, drive) != 0 ||
        emu_drive_behaviour(ld, root, &drive->behaviour) != 0 ||
        emu_drive_pages(ld, root, drive) != 0)
        return -1;
    return 0;
}

int
emu_drive_load(const char *path, const char *display, struct emu_drive **out,
               struct err *err)
{
    struct emu_load ld = { display, err };
    struct emu_drive *drive;
    json_error_t jerr;
    json_t *root;
    size_t len;
    char *text;

    text = atomicfile_read(path, EMU_DRIVE_FILE_MAX, &len, err);
    if (text == NULL) {
        err->usage = true;
        return -1;
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        free(text);
        return err_usage(err, "%s: line %d column %d: %s", display, jerr.line,
                         jerr.column, jerr.text);
    }
    drive = xcalloc(1, sizeof *drive);
    drive->file = xstrdup(display);
    drive->hash = emu_drive_hash(text, len);
    free(text);
    if (emu_drive_parse(&ld, root, drive) != 0) {
        json_decref(root);
        emu_drive_free(drive);
        return -1;
    }
    json_decref(root);
    *out = drive;
    return 0;
}

void
emu_drive_free(struct emu_drive *drive)
{
    if (drive == NULL)
        return;
    for (size_t i = 0; i < drive->npages; i++)
        emu_drive_page_free(&drive->pages[i]);
    free(drive->pages);
    free(drive->file);
    free(drive);
}

const struct emu_page *
emu_drive_find_page(const struct emu_drive *drive, uint8_t code,
                    uint8_t subpage, bool spf, size_t *index)
{
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        if (pg->code == code && pg->subpage == subpage && pg->spf == spf) {
            if (index != NULL)
                *index = i;
            return pg;
        }
    }
    return NULL;
}
