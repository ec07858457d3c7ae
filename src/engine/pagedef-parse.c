/*
 * The page definition language (pages/README.md): the lines of a file,
 * split into tokens by pagedef-token.c, to a page_def.  The parser only
 * reads; pagedef-check.c judges the layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/pagedef-internal.h"
#include "engine/pagedef-token.h"
#include "engine/pagedef.h"
#include "util/xmalloc.h"

#define PAGEDEF_MAX_FIELDS 512
#define PAGEDEF_MAX_VALUES 256

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
