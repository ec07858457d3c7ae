#include "util/err.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xmalloc.h"

void
err_clear(struct err *err)
{
    memset(err, 0, sizeof *err);
    err->field_byte = -1;
    err->field_bit = -1;
}

static void __attribute__((format(printf, 4, 0)))
err_vset(struct err *err, uint32_t hr, bool usage, const char *fmt, va_list ap)
{
    err->hr = hr;
    err->usage = usage;
    err_vformat(err->msg, sizeof err->msg, fmt, ap);
}

int
err_setv(struct err *err, uint32_t hr, const char *fmt, va_list ap)
{
    err_vset(err, hr, false, fmt, ap);
    return -1;
}

int
err_set(struct err *err, uint32_t hr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(err, hr, false, fmt, ap);
    va_end(ap);
    return -1;
}

int
err_usage(struct err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(err, E_INVALIDARG, true, fmt, ap);
    va_end(ap);
    return -1;
}

void
err_prefix(struct err *err, const char *fmt, ...)
{
    char prefix[ERR_MSG_MAX], joined[2 * ERR_MSG_MAX + 2];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    /* Truncation keeps the start, which names where the error is. */
    joined[sizeof err->msg - 1] = '\0';
    memcpy(err->msg, joined, sizeof err->msg);
}

bool
err_is_set(const struct err *err)
{
    return err->hr != S_OK || err->usage;
}

const char *
err_quote(char buf[ERR_QUOTE_MAX], const char *text)
{
    char excerpt[ERR_QUOTE_MAX - 40];
    size_t cut =
        text_excerpt(excerpt, sizeof excerpt, text, ERR_QUOTE_CHARS, false);

    if (cut > 0)
        snprintf(buf, ERR_QUOTE_MAX, "\"%s\" (%zu bytes)", excerpt, cut);
    else
        snprintf(buf, ERR_QUOTE_MAX, "\"%s\"", excerpt);
    return buf;
}

/* The text of one conversion, appended to *out (of *used bytes). */
static void __attribute__((format(printf, 3, 4)))
err_append(char **out, size_t *used, const char *fmt, ...)
{
    va_list ap, ap2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        *out = xrealloc(*out, *used + (size_t)n + 1);
        vsnprintf(*out + *used, (size_t)n + 1, fmt, ap2);
        *used += (size_t)n;
    }
    va_end(ap2);
}

/* The most %s arguments a message is cut by; more are left whole. */
#define ERR_FORMAT_ARGS 16

/*
 * The message as a new string, each %s argument i cut to an excerpt of
 * cut[i] characters when it is longer (cut NULL: none is), and the length
 * of each in length[] (*nargs of them).  printf's own conversions do the
 * rest: each conversion is taken apart and printed on its own, with the
 * argument of its type.
 */
static char *
err_format_cut(const char *fmt, va_list ap, const size_t *cut, size_t *length,
               size_t *nargs)
{
    char *out = xmalloc(1);
    size_t used = 0;

    out[0] = '\0';
    *nargs = 0;
    for (const char *p = fmt; *p != '\0';) {
        if (*p != '%') {
            size_t n = strcspn(p, "%");
            err_append(&out, &used, "%.*s", (int)n, p);
            p += n;
            continue;
        }
        const char *start = p++;
        int width = 0, precision = -1;
        bool star_width = false, star_precision = false;
        p += strspn(p, "-+ #0'");
        if (*p == '*') {
            star_width = true;
            p++;
        } else {
            p += strspn(p, "0123456789");
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                star_precision = true;
                p++;
            } else {
                precision = atoi(p);
                p += strspn(p, "0123456789");
            }
        }
        const char *length_mod = p;
        p += strspn(p, "hlzjtL");
        char conv = *p;
        if (conv == '\0')
            break;
        p++;
        if (star_width)
            width = va_arg(ap, int);
        if (star_precision)
            precision = va_arg(ap, int);

        /* The conversion alone; a '*' in it takes its value as printf
         * would. */
        char spec[32], mods[4];
        size_t all = (size_t)(p - start), nmods = (size_t)(p - 1 - length_mod);
        if (all >= sizeof spec || nmods >= sizeof mods)
            break;
        memcpy(spec, start, all);
        spec[all] = '\0';
        memcpy(mods, length_mod, nmods);
        mods[nmods] = '\0';
#define ERR_ARG(type)                                               \
    do {                                                            \
        type value = va_arg(ap, type);                              \
        if (star_width && star_precision)                           \
            err_append(&out, &used, spec, width, precision, value); \
        else if (star_width)                                        \
            err_append(&out, &used, spec, width, value);            \
        else if (star_precision)                                    \
            err_append(&out, &used, spec, precision, value);        \
        else                                                        \
            err_append(&out, &used, spec, value);                   \
    } while (0)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        switch (conv) {
        case '%':
            err_append(&out, &used, "%%");
            break;
        case 'd':
        case 'i':
            if (strcmp(mods, "l") == 0)
                ERR_ARG(long);
            else if (strcmp(mods, "ll") == 0)
                ERR_ARG(long long);
            else if (strcmp(mods, "z") == 0)
                ERR_ARG(ssize_t);
            else if (strcmp(mods, "j") == 0)
                ERR_ARG(intmax_t);
            else if (strcmp(mods, "t") == 0)
                ERR_ARG(ptrdiff_t);
            else
                ERR_ARG(int);
            break;
        case 'u':
        case 'o':
        case 'x':
        case 'X':
            if (strcmp(mods, "l") == 0)
                ERR_ARG(unsigned long);
            else if (strcmp(mods, "ll") == 0)
                ERR_ARG(unsigned long long);
            else if (strcmp(mods, "z") == 0)
                ERR_ARG(size_t);
            else if (strcmp(mods, "j") == 0)
                ERR_ARG(uintmax_t);
            else if (strcmp(mods, "t") == 0)
                ERR_ARG(ptrdiff_t);
            else
                ERR_ARG(unsigned);
            break;
        case 'c':
            ERR_ARG(int);
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            if (strcmp(mods, "L") == 0)
                ERR_ARG(long double);
            else
                ERR_ARG(double);
            break;
        case 'p':
            ERR_ARG(void *);
            break;
        case 's': {
            const char *text = va_arg(ap, const char *);
            size_t n = text == NULL     ? 0
                       : precision >= 0 ? strnlen(text, (size_t)precision)
                                        : strlen(text);
            size_t arg = *nargs;
            if (arg < ERR_FORMAT_ARGS) {
                length[arg] = n;
                (*nargs)++;
            }
            if (text != NULL && cut != NULL && arg < ERR_FORMAT_ARGS &&
                n > cut[arg]) {
                /* Newlines are kept: the message's own, as in a usage
                 * text, are its layout. */
                size_t room = 4 * cut[arg] + 8;
                char *excerpt = xmalloc(room), *whole = xstrndup(text, n);
                text_excerpt(excerpt, room, whole, cut[arg], true);
                err_append(&out, &used, "%s (%zu bytes)", excerpt, n);
                free(whole);
                free(excerpt);
            } else if (star_width && star_precision) {
                err_append(&out, &used, spec, width, precision, text);
            } else if (star_width) {
                err_append(&out, &used, spec, width, text);
            } else if (star_precision) {
                err_append(&out, &used, spec, precision, text);
            } else {
                err_append(&out, &used, spec, text);
            }
            break;
        }
        default:
            /* Not a conversion messages use: stop rather than guess the
             * argument's type. */
            p = "";
            break;
        }
#pragma GCC diagnostic pop
#undef ERR_ARG
    }
    return out;
}

char *
err_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
    size_t length[ERR_FORMAT_ARGS], cut[ERR_FORMAT_ARGS], nargs;
    va_list again;

    va_copy(again, ap);
    int n = vsnprintf(buf, len, fmt, again);
    va_end(again);
    if (n < 0 || (size_t)n < len)
        return buf;
    va_copy(again, ap);
    free(err_format_cut(fmt, again, NULL, length, &nargs));
    va_end(again);
    /* The longest arguments first, each cut to what leaves room for the
     * rest of the message (" (N bytes)" and "..." included), but never
     * below an excerpt's length: a huge one, from outside, becomes an
     * excerpt of ERR_QUOTE_CHARS, a long one such as a usage text loses
     * only its end. */
    size_t excess = (size_t)n - (len - 1);
    const size_t overhead = 32; /* "..." and " (N bytes)" */
    for (size_t i = 0; i < nargs; i++)
        cut[i] = SIZE_MAX;
    while (excess > 0) {
        size_t longest = nargs;
        for (size_t i = 0; i < nargs; i++)
            if (cut[i] == SIZE_MAX && length[i] > ERR_QUOTE_CHARS + overhead &&
                (longest == nargs || length[i] > length[longest]))
                longest = i;
        if (longest == nargs)
            break;
        size_t most = length[longest] - overhead;
        size_t keep = most > excess ? most - excess : 0;
        /* Many times the message's room is no text of modecon's own. */
        if (keep < ERR_QUOTE_CHARS || length[longest] > 4 * len)
            keep = ERR_QUOTE_CHARS;
        cut[longest] = keep;
        excess = most - keep >= excess ? 0 : excess - (most - keep);
    }
    va_copy(again, ap);
    char *text = err_format_cut(fmt, again, cut, length, &nargs);
    va_end(again);
    snprintf(buf, len, "%s", text);
    free(text);
    return buf;
}
