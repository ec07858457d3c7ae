#include "engine/pagedef-token.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pagedef-internal.h"
#include "util/xmalloc.h"

/* ---- Tokens of one line ---- */

int
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
int
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

bool
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

int
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

int
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

int
parse_end(struct parse *ps, int i)
{
    if (i < ps->ntok)
        return parse_error(ps, ps->tok[i].col,
                           "expected the end of the line, found '%s'",
                           ps->tok[i].text);
    return 0;
}

/* "help" and "danger" may be given on several lines: the texts join. */
void
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

bool
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
int
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
