#include "util/hex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

char *
hex_format(const uint8_t *data, size_t len, size_t per_line)
{
    static const char digits[] = "0123456789abcdef";
    char *out = xmalloc(len * 3 + 1);
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (i > 0)
            out[n++] = (per_line && i % per_line == 0) ? '\n' : ' ';
        out[n++] = digits[data[i] >> 4];
        out[n++] = digits[data[i] & 0x0f];
    }
    out[n] = '\0';
    return out;
}

static int
hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
hex_separator(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',' ||
           c == '\f' || c == '\v';
}

int
hex_parse(const char *text, uint8_t **out, size_t *out_len, struct err *err)
{
    size_t cap = strlen(text) / 2 + 1, len = 0;
    uint8_t *buf = xmalloc(cap);
    unsigned line = 1, col = 1;
    const char *p = text;

    while (*p != '\0') {
        if (*p == '#') {
            while (*p != '\0' && *p != '\n')
                p++;
            continue;
        }
        if (hex_separator(*p)) {
            if (*p == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            p++;
            continue;
        }
        /* One token. */
        unsigned tok_col = col;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            col += 2;
        }
        size_t digits = 0;
        while (*p != '\0' && !hex_separator(*p) && *p != '#') {
            if (hex_digit((unsigned char)*p) < 0) {
                free(buf);
                return err_usage(err,
                                 "hex data, line %u column %u: '%c' is not "
                                 "a hex digit (expected 0-9, a-f)",
                                 line, col, *p);
            }
            digits++;
            p++;
            col++;
        }
        if (digits == 0 || digits % 2 != 0) {
            free(buf);
            return err_usage(err,
                             "hex data, line %u column %u: expected two hex "
                             "digits a byte, found %zu digit%s",
                             line, tok_col, digits, digits == 1 ? "" : "s");
        }
        for (const char *q = p - digits; q < p; q += 2)
            buf[len++] = (uint8_t)(hex_digit((unsigned char)q[0]) << 4 |
                                   hex_digit((unsigned char)q[1]));
    }
    *out = buf;
    *out_len = len;
    return 0;
}
