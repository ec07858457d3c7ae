#include "engine/pagedef.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/xmalloc.h"

#define PAGEDEF_FILE_MAX   (1u << 20)
#define PAGEDEF_MAX_TOKENS 64
#define PAGEDEF_MAX_FIELDS 512
#define PAGEDEF_MAX_VALUES 256

static const char *const field_kind_names[] = {
    "flag", "number", "enum", "ascii", "hex", "reserved",
};

const char *
field_kind_name(enum field_kind kind)
{
    return field_kind_names[kind];
}

void
pagedb_init(struct pagedb *db)
{
    memset(db, 0, sizeof *db);
}

static void
field_def_fini(struct field_def *fd)
{
    free(fd->acronym);
    free(fd->name);
    free(fd->unit);
    free(fd->help);
    free(fd->danger);
    for (size_t v = 0; v < fd->nvalues; v++) {
        free(fd->values[v].name);
        free(fd->values[v].desc);
    }
    free(fd->values);
}

static void
pagedef_fields_free(struct field_def *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        field_def_fini(&fields[i]);
    free(fields);
}

void
pagedef_free(struct page_def *pd)
{
    if (pd == NULL)
        return;
    free(pd->path);
    free(pd->name);
    free(pd->imapi);
    free(pd->help);
    free(pd->danger);
    free(pd->vendor);
    free(pd->product);
    pagedef_fields_free(pd->fields, pd->nfields);
    for (size_t i = 0; i < pd->nrepeats; i++) {
        free(pd->repeats[i].name);
        free(pd->repeats[i].title);
        pagedef_fields_free(pd->repeats[i].fields, pd->repeats[i].nfields);
    }
    free(pd->repeats);
    free(pd);
}

void
pagedb_fini(struct pagedb *db)
{
    for (size_t i = 0; i < db->npages; i++)
        pagedef_free(db->pages[i]);
    free(db->pages);
    for (size_t i = 0; i < db->nproblems; i++)
        free(db->problems[i]);
    free(db->problems);
    memset(db, 0, sizeof *db);
}

static void __attribute__((format(printf, 2, 3)))
pagedb_problem(struct pagedb *db, const char *fmt, ...)
{
    va_list ap;
    char *text;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    text = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    db->problems =
        xrealloc(db->problems, (db->nproblems + 1) * sizeof *db->problems);
    db->problems[db->nproblems++] = text;
}

/* ---- Tokens of one line ---- */

struct token {
    char *text; /* unescaped; owned by the line */
    bool quoted;
    int col; /* 1-based */
};

struct parse {
    struct pagedb *db;
    const char *path;
    int line;
    struct token tok[PAGEDEF_MAX_TOKENS];
    int ntok;
    char *buf; /* the line's unescaped text */
};

static int __attribute__((format(printf, 3, 4)))
parse_error(struct parse *ps, int col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pagedb_problem(ps->db, "%s:%d:%d: %s", ps->path, ps->line, col, msg);
    return -1;
}

/* Split 'line' (len bytes) into tokens; strings lose their quotes. */
static int
parse_tokens(struct parse *ps, const char *line, size_t len)
{
    char *out;
    size_t i = 0;

    free(ps->buf);
    ps->buf = out = xmalloc(len + 1);
    ps->ntok = 0;
    while (i < len) {
        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
            i++;
            continue;
        }
        if (line[i] == '#')
            break;
        if (ps->ntok == PAGEDEF_MAX_TOKENS)
            return parse_error(ps, (int)i + 1, "more than %d words on a line",
                               PAGEDEF_MAX_TOKENS);
        struct token *t = &ps->tok[ps->ntok++];
        t->col = (int)i + 1;
        t->text = out;
        t->quoted = line[i] == '"';
        if (t->quoted) {
            i++;
            for (;;) {
                if (i >= len)
                    return parse_error(ps, t->col,
                                       "expected a closing '\"' for the "
                                       "string started here");
                if (line[i] == '"')
                    break;
                if (line[i] == '\\' && i + 1 < len &&
                    (line[i + 1] == '"' || line[i + 1] == '\\'))
                    i++;
                *out++ = line[i++];
            }
            i++;
            if (i < len && line[i] != ' ' && line[i] != '\t' &&
                line[i] != '\r' && line[i] != '#')
                return parse_error(ps, (int)i + 1,
                                   "expected a blank after the string");
        } else {
            while (i < len && line[i] != ' ' && line[i] != '\t' &&
                   line[i] != '\r' && line[i] != '#') {
                if (line[i] == '"')
                    return parse_error(ps, (int)i + 1,
                                       "expected a blank before '\"'");
                *out++ = line[i++];
            }
        }
        *out++ = '\0';
    }
    return 0;
}

/* ---- Values ---- */

static bool
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    char *end;

    if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    /* strtoull reads a leading 0 as octal; the format has no octal. */
    if (s[0] == '0' && s[1] != '\0' && s[1] != 'x' && s[1] != 'X')
        return false;
    *out = v;
    return true;
}

static int
parse_number(struct parse *ps, int i, uint64_t max, const char *what,
             uint64_t *out)
{
    if (i >= ps->ntok)
        return parse_error(ps, ps->ntok ? ps->tok[ps->ntok - 1].col : 1,
                           "expected %s after this", what);
    if (ps->tok[i].quoted || !parse_uint(ps->tok[i].text, max, out))
        return parse_error(ps, ps->tok[i].col,
                           "expected %s (a number from 0 to %llu, decimal or "
                           "0x hex), found '%s'",
                           what, (unsigned long long)max, ps->tok[i].text);
    return 0;
}

static int
parse_string(struct parse *ps, int i, const char *what, char **out)
{
    if (i >= ps->ntok)
        return parse_error(ps, ps->ntok ? ps->tok[ps->ntok - 1].col : 1,
                           "expected %s after this", what);
    if (!ps->tok[i].quoted)
        return parse_error(ps, ps->tok[i].col,
                           "expected %s in double quotes, found '%s'", what,
                           ps->tok[i].text);
    *out = xstrdup(ps->tok[i].text);
    return 0;
}

static int
parse_end(struct parse *ps, int i)
{
    if (i < ps->ntok)
        return parse_error(ps, ps->tok[i].col,
                           "expected the end of the line, found '%s'",
                           ps->tok[i].text);
    return 0;
}

/* "help" and "danger" may be given on several lines: the texts join. */
static void
parse_join(char **dst, const char *more)
{
    if (*dst == NULL) {
        *dst = xstrdup(more);
        return;
    }
    char *joined = xasprintf("%s %s", *dst, more);
    free(*dst);
    *dst = joined;
}

static bool
parse_acronym_ok(const char *s)
{
    if (!(*s >= 'A' && *s <= 'Z'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/*
 * A position: "B.b" (one bit), "B.h-l" (bits h..l of byte B), "B" (a
 * byte), "B1-B2" (bytes, big-endian).
 */
static int
parse_position(struct parse *ps, int i, struct field_def *fd)
{
    const struct token *t = &ps->tok[i];
    char text[64];
    uint64_t a, b, c;

    if (t->quoted || strlen(t->text) >= sizeof text)
        goto bad;
    snprintf(text, sizeof text, "%s", t->text);
    char *dot = strchr(text, '.');
    char *dash = strchr(text, '-');
    if (dot != NULL) {
        *dot = '\0';
        if (!parse_uint(text, 0xffff, &a))
            goto bad;
        char *bits = dot + 1;
        dash = strchr(bits, '-');
        if (dash != NULL) {
            *dash = '\0';
            if (!parse_uint(bits, 7, &b) || !parse_uint(dash + 1, 7, &c) ||
                c > b)
                goto bad;
        } else {
            if (!parse_uint(bits, 7, &b))
                goto bad;
            c = b;
        }
        fd->byte = (unsigned)a;
        fd->bit = (unsigned)b;
        fd->width = (unsigned)(b - c + 1);
        return 0;
    }
    if (dash != NULL) {
        *dash = '\0';
        if (!parse_uint(text, 0xffff, &a) ||
            !parse_uint(dash + 1, 0xffff, &b) || b < a)
            goto bad;
        fd->byte = (unsigned)a;
        fd->bit = 7;
        fd->width = (unsigned)((b - a + 1) * 8);
        return 0;
    }
    if (!parse_uint(text, 0xffff, &a))
        goto bad;
    fd->byte = (unsigned)a;
    fd->bit = 7;
    fd->width = 8;
    return 0;
bad:
    return parse_error(ps, t->col,
                       "expected a position: BYTE.BIT, BYTE.HIGH-LOW, BYTE "
                       "or FIRST-LAST (e.g. 2.6, 2.3-0, 5, 10-13), found "
                       "'%s'",
                       t->text);
}

static int
parse_kind(struct parse *ps, int i, enum field_kind *kind)
{
    if (i < ps->ntok && !ps->tok[i].quoted)
        for (size_t k = 0;
             k < sizeof field_kind_names / sizeof *field_kind_names; k++)
            if (strcmp(ps->tok[i].text, field_kind_names[k]) == 0) {
                *kind = (enum field_kind)k;
                return 0;
            }
    return parse_error(ps, i < ps->ntok ? ps->tok[i].col : 1,
                       "expected a kind: flag, number, enum, ascii, hex or "
                       "reserved, found '%s'",
                       i < ps->ntok ? ps->tok[i].text : "nothing");
}

/* field [ACRONYM] POSITION KIND ["Name"] */
static int
parse_field(struct parse *ps, struct field_def **fields, size_t *nfields)
{
    struct field_def fd;
    int i = 1;

    memset(&fd, 0, sizeof fd);
    fd.line = ps->line;
    if (*nfields == PAGEDEF_MAX_FIELDS)
        return parse_error(ps, ps->tok[0].col, "more than %d fields",
                           PAGEDEF_MAX_FIELDS);
    if (i < ps->ntok && !ps->tok[i].quoted && ps->tok[i].text[0] >= 'A' &&
        ps->tok[i].text[0] <= 'z' &&
        !(ps->tok[i].text[0] >= '0' && ps->tok[i].text[0] <= '9')) {
        if (!parse_acronym_ok(ps->tok[i].text))
            return parse_error(ps, ps->tok[i].col,
                               "expected an acronym of upper case letters, "
                               "digits and '_', starting with a letter, found "
                               "'%s'",
                               ps->tok[i].text);
        fd.acronym = xstrdup(ps->tok[i].text);
        i++;
    }
    if (i >= ps->ntok) {
        free(fd.acronym);
        return parse_error(ps, ps->tok[i - 1].col,
                           "expected a position after this");
    }
    if (parse_position(ps, i++, &fd) != 0 || parse_kind(ps, i, &fd.kind) != 0)
        goto fail;
    i++;
    if (fd.kind == FIELD_RESERVED && fd.acronym != NULL) {
        parse_error(ps, ps->tok[1].col,
                    "expected no acronym for reserved bits, found '%s'",
                    fd.acronym);
        goto fail;
    }
    if (fd.kind != FIELD_RESERVED && fd.acronym == NULL) {
        parse_error(ps, ps->tok[1].col,
                    "expected an acronym before the position of a %s field",
                    field_kind_name(fd.kind));
        goto fail;
    }
    if (i < ps->ntok &&
        parse_string(ps, i++, "the field's name", &fd.name) != 0)
        goto fail;
    if (parse_end(ps, i) != 0)
        goto fail;
    *fields = xrealloc(*fields, (*nfields + 1) * sizeof **fields);
    (*fields)[(*nfields)++] = fd;
    return 0;
fail:
    field_def_fini(&fd);
    return -1;
}

/* The lines that describe the field before them. */
static int
parse_attribute(struct parse *ps, struct field_def *fd)
{
    const char *kw = ps->tok[0].text;
    uint64_t a, b;

    if (strcmp(kw, "unit") == 0) {
        if (fd->unit != NULL)
            return parse_error(ps, ps->tok[0].col, "expected one unit a field");
        if (ps->ntok < 2)
            return parse_error(ps, ps->tok[0].col,
                               "expected the unit after 'unit'");
        fd->unit = xstrdup(ps->tok[1].text);
        return parse_end(ps, 2);
    }
    if (strcmp(kw, "scale") == 0) {
        if (parse_number(ps, 1, UINT32_MAX, "the scale", &a) != 0)
            return -1;
        if (a == 0)
            return parse_error(ps, ps->tok[1].col,
                               "expected a scale of 1 or more");
        fd->scale = a;
        return parse_end(ps, 2);
    }
    if (strcmp(kw, "range") == 0) {
        if (parse_number(ps, 1, UINT64_MAX, "the lowest value", &a) != 0 ||
            parse_number(ps, 2, UINT64_MAX, "the highest value", &b) != 0)
            return -1;
        if (b < a)
            return parse_error(ps, ps->tok[2].col,
                               "expected the highest value to be at least "
                               "the lowest");
        fd->has_range = true;
        fd->min = a;
        fd->max = b;
        return parse_end(ps, 3);
    }
    if (strcmp(kw, "help") == 0 || strcmp(kw, "danger") == 0) {
        /* "danger when N TEXT": only a change to N is dangerous (RRC=0
         * turns read retries off; RRC=3 does not); "danger lower TEXT" and
         * "danger higher TEXT": only a change in that direction (a shorter
         * power timer).  A plain "danger TEXT" after one of them goes on
         * with its text. */
        int at = 1;
        enum field_danger dir = FIELD_DANGER_ANY;
        char *text;
        a = 0;
        if (kw[0] == 'd' && ps->ntok > 1 && !ps->tok[1].quoted) {
            if (strcmp(ps->tok[1].text, "when") == 0) {
                if (parse_number(ps, 2, UINT64_MAX, "the dangerous value",
                                 &a) != 0)
                    return -1;
                dir = FIELD_DANGER_WHEN;
                at = 3;
            } else if (strcmp(ps->tok[1].text, "lower") == 0) {
                dir = FIELD_DANGER_LOWER;
                at = 2;
            } else if (strcmp(ps->tok[1].text, "higher") == 0) {
                dir = FIELD_DANGER_HIGHER;
                at = 2;
            }
        }
        if (at > 1) {
            if (fd->danger != NULL &&
                (fd->danger_dir != dir || fd->danger_when != a))
                return parse_error(ps, ps->tok[0].col,
                                   "expected one danger per field: this one "
                                   "is for another change");
            fd->danger_dir = dir;
            fd->danger_when = a;
        }
        if (parse_string(ps, at, "the text", &text) != 0)
            return -1;
        parse_join(kw[0] == 'h' ? &fd->help : &fd->danger, text);
        free(text);
        return parse_end(ps, at + 1);
    }
    if (strcmp(kw, "value") == 0) {
        struct field_value fv = { 0 };
        if (fd->kind != FIELD_ENUM)
            return parse_error(ps, ps->tok[0].col,
                               "expected 'value' lines only under an enum "
                               "field, not a %s",
                               field_kind_name(fd->kind));
        if (fd->nvalues == PAGEDEF_MAX_VALUES)
            return parse_error(ps, ps->tok[0].col, "more than %d values",
                               PAGEDEF_MAX_VALUES);
        if (parse_number(ps, 1, UINT64_MAX, "the value", &fv.value) != 0)
            return -1;
        if (ps->ntok < 3 || ps->tok[2].quoted ||
            !parse_acronym_ok(ps->tok[2].text))
            return parse_error(ps,
                               ps->ntok < 3 ? ps->tok[1].col : ps->tok[2].col,
                               "expected the value's name in upper case "
                               "letters, digits and '_' (e.g. TAO)");
        for (size_t v = 0; v < fd->nvalues; v++)
            if (strcasecmp(fd->values[v].name, ps->tok[2].text) == 0 ||
                fd->values[v].value == fv.value)
                return parse_error(ps, ps->tok[2].col,
                                   "expected each value and name once; "
                                   "'%s' or %llu is already a value",
                                   ps->tok[2].text,
                                   (unsigned long long)fv.value);
        if (ps->ntok > 3 &&
            parse_string(ps, 3, "the value's description", &fv.desc) != 0)
            return -1;
        if (parse_end(ps, ps->ntok > 3 ? 4 : 3) != 0) {
            free(fv.desc);
            return -1;
        }
        fv.name = xstrdup(ps->tok[2].text);
        fd->values =
            xrealloc(fd->values, (fd->nvalues + 1) * sizeof *fd->values);
        fd->values[fd->nvalues++] = fv;
        return 0;
    }
    return 1; /* not an attribute */
}

static const struct {
    const char *name;
    int pdt; /* -1: all */
} pagedef_types[] = {
    { "all", -1 }, { "sbc", 0 }, { "ssc", 1 }, { "mmc", 5 }, { "smc", 8 },
};

static int
parse_applies(struct parse *ps, struct page_def *pd)
{
    if (ps->ntok < 2)
        return parse_error(ps, ps->tok[0].col,
                           "expected device types after 'applies'");
    pd->applies = 0;
    for (int i = 1; i < ps->ntok; i++) {
        uint64_t n;
        size_t k, nt = sizeof pagedef_types / sizeof pagedef_types[0];
        for (k = 0; k < nt; k++)
            if (strcmp(ps->tok[i].text, pagedef_types[k].name) == 0)
                break;
        if (k < nt) {
            if (pagedef_types[k].pdt < 0)
                pd->applies = PAGEDEF_ALL_TYPES;
            else
                pd->applies |= 1u << pagedef_types[k].pdt;
        } else if (parse_uint(ps->tok[i].text, 31, &n)) {
            pd->applies |= 1u << n;
        } else {
            return parse_error(ps, ps->tok[i].col,
                               "expected a device type: all, sbc, ssc, mmc, "
                               "smc or a number from 0 to 31, found '%s'",
                               ps->tok[i].text);
        }
    }
    return 0;
}

/* The page's own lines; 1 when the line is not one of them. */
static int
parse_page_line(struct parse *ps, struct page_def *pd)
{
    const char *kw = ps->tok[0].text;
    uint64_t n;

    if (strcmp(kw, "name") == 0 || strcmp(kw, "imapi") == 0) {
        char **dst = kw[0] == 'n' ? &pd->name : &pd->imapi;
        if (*dst != NULL)
            return parse_error(ps, ps->tok[0].col, "expected one '%s' line",
                               kw);
        if (kw[0] == 'n') {
            if (parse_string(ps, 1, "the page's name", dst) != 0)
                return -1;
        } else {
            if (ps->ntok < 2 ||
                strncmp(ps->tok[1].text, "IMAPI_MODE_PAGE_TYPE_", 21) != 0)
                return parse_error(ps, ps->ntok < 2 ? 1 : ps->tok[1].col,
                                   "expected an IMAPI_MODE_PAGE_TYPE_ name");
            *dst = xstrdup(ps->tok[1].text);
        }
        return parse_end(ps, 2);
    }
    if (strcmp(kw, "applies") == 0)
        return parse_applies(ps, pd);
    if (strcmp(kw, "lengths") == 0) {
        if (ps->ntok < 2)
            return parse_error(ps, ps->tok[0].col,
                               "expected page lengths after 'lengths'");
        if (ps->ntok - 1 > PAGEDEF_MAX_LENGTHS)
            return parse_error(ps, ps->tok[0].col,
                               "expected at most %d lengths",
                               PAGEDEF_MAX_LENGTHS);
        pd->nlengths = 0;
        for (int i = 1; i < ps->ntok; i++) {
            if (parse_number(ps, i, pd->spf ? 0xffff : 0xff, "a page length",
                             &n) != 0)
                return -1;
            pd->lengths[pd->nlengths++] = (unsigned)n;
        }
        return 0;
    }
    if (strcmp(kw, "vendor") == 0) {
        if (pd->vendor != NULL)
            return parse_error(ps, ps->tok[0].col,
                               "expected one 'vendor' line");
        if (parse_string(ps, 1, "the vendor", &pd->vendor) != 0)
            return -1;
        if (ps->ntok > 2) {
            if (strcmp(ps->tok[2].text, "product") != 0 || ps->tok[2].quoted)
                return parse_error(ps, ps->tok[2].col,
                                   "expected 'product' after the vendor");
            if (parse_string(ps, 3, "the product", &pd->product) != 0)
                return -1;
            return parse_end(ps, 4);
        }
        return 0;
    }
    if (strcmp(kw, "readonly") == 0) {
        pd->readonly = true;
        return parse_end(ps, 1);
    }
    if (strcmp(kw, "help") == 0 || strcmp(kw, "danger") == 0) {
        char *text;
        if (parse_string(ps, 1, "the text", &text) != 0)
            return -1;
        parse_join(kw[0] == 'h' ? &pd->help : &pd->danger, text);
        free(text);
        return parse_end(ps, 2);
    }
    return 1;
}

/* repeat NAME at N size N [count POSITION] ["Title"] */
static int
parse_repeat(struct parse *ps, struct page_def *pd)
{
    struct repeat_def rd;
    uint64_t n;
    int i = 2;

    memset(&rd, 0, sizeof rd);
    rd.line = ps->line;
    if (ps->ntok < 2 || ps->tok[1].quoted || !parse_acronym_ok(ps->tok[1].text))
        return parse_error(ps, ps->ntok < 2 ? 1 : ps->tok[1].col,
                           "expected the group's name after 'repeat'");
    if (i >= ps->ntok || strcmp(ps->tok[i].text, "at") != 0 ||
        parse_number(ps, i + 1, 0xffff, "the first byte", &n) != 0)
        return i >= ps->ntok || strcmp(ps->tok[i].text, "at") != 0
                   ? parse_error(ps, i < ps->ntok ? ps->tok[i].col : 1,
                                 "expected 'at BYTE' after the name")
                   : -1;
    rd.at = (unsigned)n;
    i += 2;
    if (i >= ps->ntok || strcmp(ps->tok[i].text, "size") != 0)
        return parse_error(ps, i < ps->ntok ? ps->tok[i].col : 1,
                           "expected 'size BYTES' after 'at'");
    if (parse_number(ps, i + 1, 0xffff, "the size", &n) != 0)
        return -1;
    if (n == 0)
        return parse_error(ps, ps->tok[i + 1].col,
                           "expected a size of 1 or more");
    rd.size = (unsigned)n;
    i += 2;
    if (i < ps->ntok && !ps->tok[i].quoted &&
        strcmp(ps->tok[i].text, "count") == 0) {
        struct field_def cf;
        memset(&cf, 0, sizeof cf);
        if (i + 1 >= ps->ntok)
            return parse_error(ps, ps->tok[i].col,
                               "expected a position after 'count'");
        if (parse_position(ps, i + 1, &cf) != 0)
            return -1;
        rd.has_count = true;
        rd.count_byte = cf.byte;
        rd.count_bit = cf.bit;
        rd.count_width = cf.width;
        i += 2;
    }
    if (i < ps->ntok &&
        parse_string(ps, i++, "the group's title", &rd.title) != 0)
        return -1;
    if (parse_end(ps, i) != 0) {
        free(rd.title);
        return -1;
    }
    rd.name = xstrdup(ps->tok[1].text);
    pd->repeats =
        xrealloc(pd->repeats, (pd->nrepeats + 1) * sizeof *pd->repeats);
    pd->repeats[pd->nrepeats++] = rd;
    return 0;
}

static int
parse_page_header(struct parse *ps, struct page_def *pd)
{
    uint64_t n;

    if (ps->ntok == 0 || strcmp(ps->tok[0].text, "page") != 0 ||
        ps->tok[0].quoted)
        return parse_error(ps, ps->ntok ? ps->tok[0].col : 1,
                           "expected 'page CODE' first");
    if (parse_number(ps, 1, 0x3e, "the page code", &n) != 0)
        return -1;
    pd->code = (uint8_t)n;
    if (ps->ntok > 2) {
        if (strcmp(ps->tok[2].text, "subpage") != 0 || ps->tok[2].quoted)
            return parse_error(ps, ps->tok[2].col,
                               "expected 'subpage SUB' after the code");
        if (parse_number(ps, 3, 0xfe, "the subpage code", &n) != 0)
            return -1;
        if (n == 0)
            return parse_error(ps, ps->tok[3].col,
                               "expected a subpage from 1 to 0xfe (subpage 0 "
                               "is the page itself)");
        pd->subpage = (uint8_t)n;
        pd->spf = true;
        return parse_end(ps, 4);
    }
    return parse_end(ps, 2);
}

struct page_def *
pagedef_parse(struct pagedb *db, const char *path, const char *text)
{
    struct page_def *pd = xcalloc(1, sizeof *pd);
    struct parse ps = { .db = db, .path = path };
    struct repeat_def *open_repeat = NULL;
    bool seen_page = false, after_end = false;
    const char *p = text;

    pd->path = xstrdup(path);
    pd->applies = PAGEDEF_ALL_TYPES;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ps.line++;
        if (memchr(p, '\0', len) != NULL || parse_tokens(&ps, p, len) != 0)
            goto fail;
        p += len + (nl ? 1 : 0);
        if (ps.ntok == 0)
            continue;
        if (ps.tok[0].quoted) {
            parse_error(&ps, ps.tok[0].col,
                        "expected a keyword, found a "
                        "string");
            goto fail;
        }
        const char *kw = ps.tok[0].text;
        if (!seen_page) {
            if (parse_page_header(&ps, pd) != 0)
                goto fail;
            seen_page = true;
            continue;
        }
        struct field_def **fields =
            open_repeat ? &open_repeat->fields : &pd->fields;
        size_t *nfields = open_repeat ? &open_repeat->nfields : &pd->nfields;
        int rc;
        if (strcmp(kw, "field") == 0) {
            after_end = false;
            rc = parse_field(&ps, fields, nfields);
        } else if (strcmp(kw, "repeat") == 0) {
            if (open_repeat != NULL) {
                parse_error(&ps, ps.tok[0].col,
                            "expected 'end' before another 'repeat' "
                            "(groups do not nest)");
                goto fail;
            }
            rc = parse_repeat(&ps, pd);
            if (rc == 0)
                open_repeat = &pd->repeats[pd->nrepeats - 1];
        } else if (strcmp(kw, "end") == 0) {
            if (open_repeat == NULL) {
                parse_error(&ps, ps.tok[0].col,
                            "expected 'end' only after 'repeat'");
                goto fail;
            }
            open_repeat = NULL;
            after_end = true;
            rc = parse_end(&ps, 1);
        } else if (*nfields > 0 && !after_end &&
                   (rc = parse_attribute(&ps, &(*fields)[*nfields - 1])) != 1) {
            /* an attribute of the last field */
        } else if (open_repeat == NULL && pd->nfields == 0 &&
                   pd->nrepeats == 0 && (rc = parse_page_line(&ps, pd)) != 1) {
            /* a line of the page itself */
        } else {
            parse_error(&ps, ps.tok[0].col,
                        "expected one of field, repeat, end%s, found '%s'",
                        *nfields > 0 ? ", unit, scale, range, value, help, "
                                       "danger"
                                     : ", name, imapi, applies, lengths, "
                                       "vendor, readonly, help, danger",
                        kw);
            goto fail;
        }
        if (rc != 0)
            goto fail;
    }
    if (!seen_page) {
        ps.line = ps.line ? ps.line : 1;
        parse_error(&ps, 1, "expected 'page CODE', found an empty file");
        goto fail;
    }
    if (open_repeat != NULL) {
        parse_error(&ps, 1, "expected 'end' for the repeat group of line %d",
                    open_repeat->line);
        goto fail;
    }
    if (pd->name == NULL || pd->nlengths == 0) {
        ps.line = 1;
        parse_error(&ps, 1, "expected %s lines after 'page'",
                    pd->name == NULL ? "'name' and 'lengths'" : "a 'lengths'");
        goto fail;
    }
    free(ps.buf);
    return pd;
fail:
    free(ps.buf);
    pagedef_free(pd);
    return NULL;
}

size_t
pagedef_max_len(const struct page_def *pd)
{
    size_t max = 0;
    for (size_t i = 0; i < pd->nlengths; i++)
        if (pd->lengths[i] > max)
            max = pd->lengths[i];
    return max + (pd->spf ? 4 : 2);
}

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

/* Checks of one field against its kind; 'where' names it in messages. */
static int
pagedef_check_field(struct pagedb *db, const struct page_def *pd,
                    const struct field_def *fd, const char *where)
{
    int bad = 0;
    bool whole_bytes = fd->bit == 7 && fd->width % 8 == 0;

#define BAD(...)                         \
    do {                                 \
        pagedb_problem(db, __VA_ARGS__); \
        bad++;                           \
    } while (0)
    switch (fd->kind) {
    case FIELD_FLAG:
        if (fd->width != 1)
            BAD("%s:%d: %s: expected a flag to be one bit, it is %u", pd->path,
                fd->line, where, fd->width);
        break;
    case FIELD_NUMBER:
    case FIELD_ENUM:
        if (fd->width > 64)
            BAD("%s:%d: %s: expected at most 64 bits for a %s, it is %u",
                pd->path, fd->line, where, field_kind_name(fd->kind),
                fd->width);
        break;
    case FIELD_ASCII:
    case FIELD_HEX:
        if (!whole_bytes)
            BAD("%s:%d: %s: expected %s to be whole bytes (FIRST-LAST or "
                "BYTE)",
                pd->path, fd->line, where, field_kind_name(fd->kind));
        break;
    case FIELD_RESERVED:
        break;
    }
    if (fd->kind == FIELD_ENUM && fd->nvalues == 0)
        BAD("%s:%d: %s: expected 'value' lines for an enum", pd->path, fd->line,
            where);
    for (size_t v = 0; v < fd->nvalues; v++)
        if (fd->width <= 64 &&
            fd->values[v].value > pagedef_width_max(fd->width))
            BAD("%s:%d: %s: value %llu (%s) does not fit in %u bits", pd->path,
                fd->line, where, (unsigned long long)fd->values[v].value,
                fd->values[v].name, fd->width);
    if (fd->has_range && fd->width <= 64 &&
        fd->max > pagedef_width_max(fd->width))
        BAD("%s:%d: %s: range up to %llu does not fit in %u bits", pd->path,
            fd->line, where, (unsigned long long)fd->max, fd->width);
    if ((fd->has_range || fd->unit || fd->scale) && fd->kind != FIELD_NUMBER)
        BAD("%s:%d: %s: expected unit, scale and range only on a number",
            pd->path, fd->line, where);
    if ((fd->danger_dir == FIELD_DANGER_LOWER ||
         fd->danger_dir == FIELD_DANGER_HIGHER) &&
        (fd->kind == FIELD_ASCII || fd->kind == FIELD_HEX))
        BAD("%s:%d: %s: expected 'danger lower' and 'danger higher' only on "
            "a number, flag or enum, not %s",
            pd->path, fd->line, where, field_kind_name(fd->kind));
#undef BAD
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

int
pagedef_check(struct pagedb *db, const struct page_def *pd)
{
    size_t max_len = pagedef_max_len(pd);
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
            pagedb_problem(db, "%s:%d: %s: byte %u is the page header",
                           pd->path, fd->line, where, fd->byte);
            bad++;
            continue;
        }
        bad += pagedef_claim(db, pd, fd, 0, used, owner, max_len, where);
        bad += pagedef_acronym_taken(db, pd, fd, pd->fields, i);
    }
    /* Descriptors run to the end of the page (or as far as their count
     * says, which only the drive's data tells), so a second group would
     * share their bytes. */
    if (pd->nrepeats > 1) {
        pagedb_problem(db,
                       "%s:%d: repeat %s: expected at most one repeat group "
                       "a page (descriptors run to the end of the page)",
                       pd->path, pd->repeats[1].line, pd->repeats[1].name);
        bad++;
    }
    for (size_t r = 0; r < pd->nrepeats; r++) {
        const struct repeat_def *rd = &pd->repeats[r];
        if (rd->has_count) {
            struct field_def cf = { .byte = rd->count_byte,
                                    .bit = rd->count_bit,
                                    .width = rd->count_width };
            if (cf.byte < hdr || cf.width > 64 ||
                pagedef_last_byte(&cf) >= rd->at) {
                pagedb_problem(db,
                               "%s:%d: repeat %s: expected the count in the "
                               "page after its header and before byte %u, "
                               "in at most 64 bits",
                               pd->path, rd->line, rd->name, rd->at);
                bad++;
            }
        }
        /* Check one descriptor's layout, placed at the group's start. */
        uint8_t *one = xcalloc(rd->size, 1);
        const struct field_def **one_owner =
            xcalloc((size_t)rd->size * 8, sizeof *one_owner);
        if (rd->at < hdr || rd->at + rd->size > max_len) {
            pagedb_problem(db,
                           "%s:%d: repeat %s: descriptors from byte %u of %u "
                           "bytes do not fit in the page (%zu bytes)",
                           pd->path, rd->line, rd->name, rd->at, rd->size,
                           max_len);
            bad++;
        }
        for (size_t i = 0; i < pd->nfields; i++)
            if (pagedef_last_byte(&pd->fields[i]) >= rd->at) {
                pagedb_problem(db,
                               "%s:%d: %s: bytes %u-%zu run into repeat %s, "
                               "which starts at byte %u",
                               pd->path, pd->fields[i].line,
                               pd->fields[i].acronym ? pd->fields[i].acronym
                                                     : "reserved bits",
                               pd->fields[i].byte,
                               pagedef_last_byte(&pd->fields[i]), rd->name,
                               rd->at);
                bad++;
            }
        for (size_t i = 0; i < rd->nfields; i++) {
            const struct field_def *fd = &rd->fields[i];
            char where[64];
            snprintf(where, sizeof where, "%s.N",
                     fd->acronym ? fd->acronym : "reserved bits");
            bad += pagedef_check_field(db, pd, fd, where);
            bad +=
                pagedef_claim(db, pd, fd, 0, one, one_owner, rd->size, where);
            bad += pagedef_acronym_taken(db, pd, fd, rd->fields, i);
            bad += pagedef_acronym_taken(db, pd, fd, pd->fields, pd->nfields);
        }
        free(one);
        free(one_owner);
    }
    free(used);
    free(owner);
    return bad;
}

static bool
pagedef_same_slot(const struct page_def *a, const struct page_def *b)
{
    return a->code == b->code && a->subpage == b->subpage &&
           a->applies == b->applies &&
           strcmp(a->vendor ? a->vendor : "", b->vendor ? b->vendor : "") ==
               0 &&
           strcmp(a->product ? a->product : "", b->product ? b->product : "") ==
               0;
}

int
pagedb_load_file(struct pagedb *db, const char *path)
{
    struct err err;
    size_t len;
    char *text;

    err_clear(&err);
    text = atomicfile_read(path, PAGEDEF_FILE_MAX, &len, &err);
    if (text == NULL) {
        pagedb_problem(db, "%s: %s", path, err.msg);
        return -1;
    }
    if (strlen(text) != len) {
        pagedb_problem(db,
                       "%s: expected text, found a NUL byte at offset "
                       "%zu",
                       path, strlen(text));
        free(text);
        return -1;
    }
    struct page_def *pd = pagedef_parse(db, path, text);
    free(text);
    if (pd == NULL)
        return -1;
    if (pagedef_check(db, pd) != 0) {
        pagedef_free(pd);
        return -1;
    }
    for (size_t i = 0; i < db->npages; i++) {
        if (pagedef_same_slot(db->pages[i], pd)) {
            pagedef_free(db->pages[i]);
            db->pages[i] = pd;
            return 0;
        }
    }
    db->pages = xrealloc(db->pages, (db->npages + 1) * sizeof *db->pages);
    db->pages[db->npages++] = pd;
    return 0;
}

static int
pagedef_name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories a load has visited, by device and inode: links among
 * them (a directory with links to itself) are followed once each. */
struct pagedb_visited {
    struct {
        dev_t dev;
        ino_t ino;
    } * dirs;
    size_t n;
};

static bool
pagedb_visit(struct pagedb_visited *seen, const struct stat *st)
{
    for (size_t i = 0; i < seen->n; i++)
        if (seen->dirs[i].dev == st->st_dev && seen->dirs[i].ino == st->st_ino)
            return false;
    seen->dirs = xrealloc(seen->dirs, (seen->n + 1) * sizeof *seen->dirs);
    seen->dirs[seen->n].dev = st->st_dev;
    seen->dirs[seen->n].ino = st->st_ino;
    seen->n++;
    return true;
}

static int
pagedb_load_dir_depth(struct pagedb *db, const char *dir,
                      struct pagedb_visited *seen, int depth)
{
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int refused = 0;
    struct stat st;
    DIR *d;

    if (depth > 8)
        return 0; /* a tree nobody meant */
    d = opendir(dir);
    if (d == NULL) {
        pagedb_problem(db, "%s: cannot read the directory: %s", dir,
                       strerror(errno));
        return 1;
    }
    if (fstat(dirfd(d), &st) != 0 || !pagedb_visit(seen, &st)) {
        closedir(d);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = xasprintf("%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, pagedef_name_order);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
            refused += pagedb_load_dir_depth(db, names[i], seen, depth + 1);
        else if (len > 5 && strcmp(names[i] + len - 5, ".page") == 0)
            refused += pagedb_load_file(db, names[i]) != 0;
        free(names[i]);
    }
    free(names);
    return refused;
}

int
pagedb_load_dir(struct pagedb *db, const char *dir)
{
    struct pagedb_visited seen = { NULL, 0 };
    int refused = pagedb_load_dir_depth(db, dir, &seen, 0);

    free(seen.dirs);
    return refused;
}

int
pagedb_load_default(struct pagedb *db)
{
    char *builtin = paths_data_dir("pages");
    const char *env = getenv("MODECON_PAGES");
    const char *config = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    struct stat st;
    char *user;
    int refused = 0;

    if (builtin != NULL) {
        refused += pagedb_load_dir(db, builtin);
        free(builtin);
    }
    if (env != NULL && *env != '\0') {
        char *copy = xstrdup(env), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir != NULL;
             dir = strtok_r(NULL, ":", &save))
            refused += pagedb_load_dir(db, dir);
        free(copy);
    }
    if (config != NULL && config[0] == '/')
        user = xasprintf("%s/modecon/pages", config);
    else if (home != NULL && *home != '\0')
        user = xasprintf("%s/.config/modecon/pages", home);
    else
        user = NULL;
    if (user != NULL && stat(user, &st) == 0 && S_ISDIR(st.st_mode))
        refused += pagedb_load_dir(db, user);
    free(user);
    return refused;
}

const struct page_def *
pagedb_find(const struct pagedb *db, uint8_t code, uint8_t subpage, uint8_t pdt,
            const char *vendor, const char *product)
{
    const struct page_def *generic = NULL, *own = NULL;

    /* The last match of each kind: a later file replaces an earlier. */
    for (size_t i = 0; i < db->npages; i++) {
        const struct page_def *pd = db->pages[i];
        if (pd->code != code || pd->subpage != subpage ||
            !(pd->applies & (1u << (pdt & 0x1f))))
            continue;
        if (pd->vendor == NULL) {
            generic = pd;
            continue;
        }
        if (vendor != NULL && fnmatch(pd->vendor, vendor, 0) == 0 &&
            (pd->product == NULL ||
             (product != NULL && fnmatch(pd->product, product, 0) == 0)))
            own = pd;
    }
    return own ? own : generic;
}
