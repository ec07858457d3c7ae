/*
 * The page definition language (pages/README.md): lines to tokens, tokens
 * to a page_def.  The parser only reads; pagedef-check.c judges the layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/pagedef-internal.h"
#include "engine/pagedef.h"
#include "util/xmalloc.h"

#define PAGEDEF_MAX_TOKENS 64
#define PAGEDEF_MAX_FIELDS 512
#define PAGEDEF_MAX_VALUES 256

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
    /* Where in the file the parser is: */
    bool seen_page;                 /* the 'page' line */
    struct repeat_def *open_repeat; /* inside 'repeat' ... 'end' */
    bool after_end;                 /* 'end' closed a group, no field yet */
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
        for (int k = FIELD_FLAG; k <= FIELD_RESERVED; k++)
            if (strcmp(ps->tok[i].text, field_kind_name(k)) == 0) {
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

/* unit TEXT */
static int
parse_attr_unit(struct parse *ps, struct field_def *fd)
{
    if (fd->unit != NULL)
        return parse_error(ps, ps->tok[0].col, "expected one unit a field");
    if (ps->ntok < 2)
        return parse_error(ps, ps->tok[0].col,
                           "expected the unit after 'unit'");
    fd->unit = xstrdup(ps->tok[1].text);
    return parse_end(ps, 2);
}

/* scale N */
static int
parse_attr_scale(struct parse *ps, struct field_def *fd)
{
    uint64_t a;

    if (parse_number(ps, 1, UINT32_MAX, "the scale", &a) != 0)
        return -1;
    if (a == 0)
        return parse_error(ps, ps->tok[1].col, "expected a scale of 1 or more");
    fd->scale = a;
    return parse_end(ps, 2);
}

/* range LOW HIGH */
static int
parse_attr_range(struct parse *ps, struct field_def *fd)
{
    uint64_t a, b;

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

/*
 * The qualifier of a "danger" line, if any: "danger when N TEXT": only a
 * change to N is dangerous (RRC=0 turns read retries off; RRC=3 does
 * not); "danger lower TEXT" and "danger higher TEXT": only a change in
 * that direction (a shorter power timer).  Sets *at to the text's token.
 */
static int
parse_danger_qualifier(struct parse *ps, struct field_def *fd, int *at)
{
    enum field_danger dir = FIELD_DANGER_ANY;
    uint64_t when = 0;

    *at = 1;
    if (ps->ntok < 2 || ps->tok[1].quoted)
        return 0;
    if (strcmp(ps->tok[1].text, "when") == 0) {
        if (parse_number(ps, 2, UINT64_MAX, "the dangerous value", &when) != 0)
            return -1;
        dir = FIELD_DANGER_WHEN;
        *at = 3;
    } else if (strcmp(ps->tok[1].text, "lower") == 0) {
        dir = FIELD_DANGER_LOWER;
        *at = 2;
    } else if (strcmp(ps->tok[1].text, "higher") == 0) {
        dir = FIELD_DANGER_HIGHER;
        *at = 2;
    } else {
        return 0;
    }
    if (fd->danger != NULL &&
        (fd->danger_dir != dir || fd->danger_when != when))
        return parse_error(ps, ps->tok[0].col,
                           "expected one danger per field: this one "
                           "is for another change");
    fd->danger_dir = dir;
    fd->danger_when = when;
    return 0;
}

/* help TEXT, danger [when N | lower | higher] TEXT.  A plain "danger
 * TEXT" after a qualified one goes on with its text. */
static int
parse_attr_text(struct parse *ps, struct field_def *fd)
{
    bool is_help = strcmp(ps->tok[0].text, "help") == 0;
    int at = 1;
    char *text;

    if (!is_help && parse_danger_qualifier(ps, fd, &at) != 0)
        return -1;
    if (parse_string(ps, at, "the text", &text) != 0)
        return -1;
    parse_join(is_help ? &fd->help : &fd->danger, text);
    free(text);
    return parse_end(ps, at + 1);
}

/* value N NAME ["Description"], under an enum */
static int
parse_attr_value(struct parse *ps, struct field_def *fd)
{
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
    if (ps->ntok < 3 || ps->tok[2].quoted || !parse_acronym_ok(ps->tok[2].text))
        return parse_error(ps, ps->ntok < 3 ? ps->tok[1].col : ps->tok[2].col,
                           "expected the value's name in upper case "
                           "letters, digits and '_' (e.g. TAO)");
    for (size_t v = 0; v < fd->nvalues; v++)
        if (strcasecmp(fd->values[v].name, ps->tok[2].text) == 0 ||
            fd->values[v].value == fv.value)
            return parse_error(ps, ps->tok[2].col,
                               "expected each value and name once; "
                               "'%s' or %llu is already a value",
                               ps->tok[2].text, (unsigned long long)fv.value);
    if (ps->ntok > 3 &&
        parse_string(ps, 3, "the value's description", &fv.desc) != 0)
        return -1;
    if (parse_end(ps, ps->ntok > 3 ? 4 : 3) != 0) {
        free(fv.desc);
        return -1;
    }
    fv.name = xstrdup(ps->tok[2].text);
    fd->values = xrealloc(fd->values, (fd->nvalues + 1) * sizeof *fd->values);
    fd->values[fd->nvalues++] = fv;
    return 0;
}

static const struct {
    const char *keyword;
    int (*parse)(struct parse *ps, struct field_def *fd);
} parse_attributes[] = {
    { "unit", parse_attr_unit },   { "scale", parse_attr_scale },
    { "range", parse_attr_range }, { "help", parse_attr_text },
    { "danger", parse_attr_text }, { "value", parse_attr_value },
};

/* The lines that describe the field before them; 1 when the line is not
 * one of them. */
static int
parse_attribute(struct parse *ps, struct field_def *fd)
{
    for (size_t i = 0; i < sizeof parse_attributes / sizeof *parse_attributes;
         i++)
        if (strcmp(ps->tok[0].text, parse_attributes[i].keyword) == 0)
            return parse_attributes[i].parse(ps, fd);
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

/* 'repeat' opens a group of descriptor fields, 'end' closes it. */
static int
parse_group_line(struct parse *ps, struct page_def *pd)
{
    if (strcmp(ps->tok[0].text, "repeat") == 0) {
        if (ps->open_repeat != NULL)
            return parse_error(ps, ps->tok[0].col,
                               "expected 'end' before another 'repeat' "
                               "(groups do not nest)");
        if (parse_repeat(ps, pd) != 0)
            return -1;
        ps->open_repeat = &pd->repeats[pd->nrepeats - 1];
        return 0;
    }
    if (ps->open_repeat == NULL)
        return parse_error(ps, ps->tok[0].col,
                           "expected 'end' only after 'repeat'");
    ps->open_repeat = NULL;
    ps->after_end = true;
    return parse_end(ps, 1);
}

/* One line's tokens, after the 'page' line. */
static int
parse_body_line(struct parse *ps, struct page_def *pd)
{
    const char *kw = ps->tok[0].text;
    struct field_def **fields =
        ps->open_repeat ? &ps->open_repeat->fields : &pd->fields;
    size_t *nfields =
        ps->open_repeat ? &ps->open_repeat->nfields : &pd->nfields;
    int rc;

    if (strcmp(kw, "field") == 0) {
        ps->after_end = false;
        return parse_field(ps, fields, nfields);
    }
    if (strcmp(kw, "repeat") == 0 || strcmp(kw, "end") == 0)
        return parse_group_line(ps, pd);
    if (*nfields > 0 && !ps->after_end &&
        (rc = parse_attribute(ps, &(*fields)[*nfields - 1])) != 1)
        return rc; /* an attribute of the last field */
    if (ps->open_repeat == NULL && pd->nfields == 0 && pd->nrepeats == 0 &&
        (rc = parse_page_line(ps, pd)) != 1)
        return rc; /* a line of the page itself */
    return parse_error(ps, ps->tok[0].col,
                       "expected one of field, repeat, end%s, found '%s'",
                       *nfields > 0 ? ", unit, scale, range, value, help, "
                                      "danger"
                                    : ", name, imapi, applies, lengths, "
                                      "vendor, readonly, help, danger",
                       kw);
}

/* What the whole file must have had, once its last line is read. */
static int
parse_finish(struct parse *ps, const struct page_def *pd)
{
    if (!ps->seen_page) {
        ps->line = ps->line ? ps->line : 1;
        return parse_error(ps, 1, "expected 'page CODE', found an empty file");
    }
    if (ps->open_repeat != NULL)
        return parse_error(ps, 1,
                           "expected 'end' for the repeat group of line %d",
                           ps->open_repeat->line);
    if (pd->name == NULL || pd->nlengths == 0) {
        ps->line = 1;
        return parse_error(ps, 1, "expected %s lines after 'page'",
                           pd->name == NULL ? "'name' and 'lengths'"
                                            : "a 'lengths'");
    }
    return 0;
}

struct page_def *
pagedef_parse(struct pagedb *db, const char *path, const char *text)
{
    struct page_def *pd = xcalloc(1, sizeof *pd);
    struct parse ps = { .db = db, .path = path };
    const char *p = text;
    int rc = 0;

    pd->path = xstrdup(path);
    pd->applies = PAGEDEF_ALL_TYPES;
    while (*p != '\0' && rc == 0) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ps.line++;
        if (memchr(p, '\0', len) != NULL || parse_tokens(&ps, p, len) != 0) {
            rc = -1;
            break;
        }
        p += len + (nl ? 1 : 0);
        if (ps.ntok == 0)
            continue;
        if (ps.tok[0].quoted) {
            rc = parse_error(&ps, ps.tok[0].col,
                             "expected a keyword, found a string");
        } else if (!ps.seen_page) {
            rc = parse_page_header(&ps, pd);
            ps.seen_page = true;
        } else {
            rc = parse_body_line(&ps, pd);
        }
    }
    if (rc == 0)
        rc = parse_finish(&ps, pd);
    free(ps.buf);
    if (rc != 0) {
        pagedef_free(pd);
        return NULL;
    }
    return pd;
}
