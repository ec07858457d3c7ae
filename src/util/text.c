#include "util/text.h"

#include <stdio.h>
#include <string.h>

#include "util/xmalloc.h"

/* The next character, and whether it was valid UTF-8 (a U+FFFD in the
 * text is, and shows as it is). */
static uint32_t
text_decode(const char **text, bool *valid)
{
    const unsigned char *s = (const unsigned char *)*text;
    uint32_t c = s[0];
    int more = c < 0x80                ? 0
               : c >= 0xf0 && c < 0xf5 ? 3
               : c >= 0xe0 && c < 0xf0 ? 2
               : c >= 0xc2 && c < 0xe0 ? 1
                                       : -1;

    *valid = false;
    if (more < 0) {
        (*text)++;
        return TEXT_REPLACEMENT;
    }
    c &= more == 0 ? 0x7f : (0x3f >> more);
    for (int i = 1; i <= more; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *text += i; /* a cut sequence is one bad character */
            return TEXT_REPLACEMENT;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    *text += more + 1;
    /* Overlong forms, UTF-16 surrogates and code points past U+10FFFF
     * are not UTF-8 (RFC 3629): a terminal might read them as something
     * else, an overlong ESC as ESC. */
    if ((more == 2 && c < 0x800) || (more == 3 && c < 0x10000) ||
        (c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
        return TEXT_REPLACEMENT;
    *valid = true;
    return c;
}

uint32_t
text_next_char(const char **text)
{
    bool valid;

    return text_decode(text, &valid);
}

bool
text_is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x200e || c == 0x200f ||
           (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static bool
text_kept(uint32_t c, bool lines)
{
    return lines && (c == '\n' || c == '\t');
}

bool
text_is_safe(const char *text, bool lines)
{
    const char *p = text;

    while (*p != '\0') {
        /* Printable ASCII, the bulk of all output, needs no decoding. */
        if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f) {
            p++;
            continue;
        }
        bool valid;
        uint32_t c = text_decode(&p, &valid);
        if (!valid || (text_is_control(c) && !text_kept(c, lines)))
            return false;
    }
    return true;
}

/* Appends the visible form of c, taken from [start, end), to out. */
static size_t
text_put_visible(char *out, uint32_t c, bool valid, const char *start,
                 const char *end, bool lines)
{
    if (!valid) {
        memcpy(out, "\xef\xbf\xbd", 3);
        return 3;
    }
    if (text_is_control(c) && !text_kept(c, lines))
        return (size_t)snprintf(out, 7, c < 0x100 ? "\\x%02x" : "\\u%04x",
                                (unsigned)c);
    memcpy(out, start, (size_t)(end - start));
    return (size_t)(end - start);
}

char *
text_visible(const char *text, bool lines)
{
    /* Each byte becomes at most four: "\x1b", or U+FFFD's three. */
    char *out = xmalloc(4 * strlen(text) + 1);
    size_t used = 0;

    for (const char *p = text; *p != '\0';) {
        const char *start = p;
        bool valid;
        uint32_t c = text_decode(&p, &valid);
        used += text_put_visible(out + used, c, valid, start, p, lines);
    }
    out[used] = '\0';
    return out;
}

char *
text_utf8(const char *text)
{
    /* A bad byte becomes U+FFFD's three bytes; the rest stays. */
    char *out = xmalloc(3 * strlen(text) + 1);
    size_t used = 0;

    for (const char *p = text; *p != '\0';) {
        const char *start = p;
        bool valid;
        text_decode(&p, &valid);
        if (valid) {
            memcpy(out + used, start, (size_t)(p - start));
            used += (size_t)(p - start);
        } else {
            memcpy(out + used, "\xef\xbf\xbd", 3);
            used += 3;
        }
    }
    out[used] = '\0';
    return out;
}

size_t
text_excerpt(char *buf, size_t len, const char *text, size_t max_chars,
             bool lines)
{
    static const char more[] = "...";
    size_t used = 0, chars = 0;
    const char *p = text;

    if (len == 0)
        return 0;
    while (*p != '\0' && chars < max_chars) {
        const char *start = p;
        char piece[8];
        bool valid;
        uint32_t c = text_decode(&p, &valid);
        size_t n = text_put_visible(piece, c, valid, start, p, lines);
        if (used + n + sizeof more > len) {
            p = start;
            break;
        }
        memcpy(buf + used, piece, n);
        used += n;
        chars++;
    }
    buf[used] = '\0';
    if (*p == '\0')
        return 0;
    memcpy(buf + used, more, sizeof more);
    return strlen(text);
}

json_t *
text_json(const char *text)
{
    json_t *json = json_string(text);

    if (json == NULL) {
        char *valid = text_utf8(text);
        json = json_string(valid);
        free(valid);
    }
    return json;
}

size_t
text_encode(uint32_t c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}
