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

/* Bytes of a message left for the prefixes it is likely to get. */
#define ERR_PREFIX_ROOM 64

static void err_cut_middle(char *buf, size_t len, const char *text);

static void __attribute__((format(printf, 4, 0)))
err_vset(struct err *err, uint32_t hr, bool usage, const char *fmt, va_list ap)
{
    err->hr = hr;
    err->usage = usage;
    /* Room is left for a prefix or two ("the journal was not written:"),
     * so that they rarely need to cut the message. */
    err_vformat(err->msg, sizeof err->msg - ERR_PREFIX_ROOM, fmt, ap);
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
    char prefix[ERR_MSG_MAX / 2];
    va_list ap;

    va_start(ap, fmt);
    err_vformat(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Too long for the message, the middle goes: the prefix names where
     * the error is, the end of the message says what it is. */
    char *joined = xasprintf("%s: %s", prefix, err->msg);
    err_cut_middle(err->msg, sizeof err->msg, joined);
    free(joined);
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
/* The fewest characters an argument is cut to when even excerpts of
 * ERR_QUOTE_CHARS leave no room for the reason. */
#define ERR_QUOTE_MIN 8

/* A message being formatted, each %s argument i cut to cut[i] characters
 * (SIZE_MAX: whole), its length in bytes in length[i] and the bytes it
 * took in the message in shown[i]. */
struct err_format {
    char *out;
    size_t used;
    size_t nargs;
    size_t cut[ERR_FORMAT_ARGS];
    size_t length[ERR_FORMAT_ARGS];
    size_t shown[ERR_FORMAT_ARGS];
};

/* One conversion of the format, taken apart. */
struct err_spec {
    char spec[32]; /* the conversion alone, '%' to its letter */
    char mods[4];  /* its length modifier: "", "l", "ll", "z", ... */
    char conv;
    bool star_width, star_precision;
    int width, precision;
};

/* Take apart the conversion at *p (at its '%'), advancing past it.  False
 * at one that is cut off or too long to be one messages use. */
static bool
err_parse_spec(const char **p, struct err_spec *s)
{
    const char *start = (*p)++;

    s->width = 0;
    s->precision = -1;
    s->star_width = s->star_precision = false;
    *p += strspn(*p, "-+ #0'");
    if (**p == '*') {
        s->star_width = true;
        (*p)++;
    } else {
        *p += strspn(*p, "0123456789");
    }
    if (**p == '.') {
        (*p)++;
        if (**p == '*') {
            s->star_precision = true;
            (*p)++;
        } else {
            s->precision = atoi(*p);
            *p += strspn(*p, "0123456789");
        }
    }
    const char *length_mod = *p;
    *p += strspn(*p, "hlzjtL");
    s->conv = **p;
    if (s->conv == '\0')
        return false;
    (*p)++;
    size_t all = (size_t)(*p - start), nmods = (size_t)(*p - 1 - length_mod);
    if (all >= sizeof s->spec || nmods >= sizeof s->mods)
        return false;
    memcpy(s->spec, start, all);
    s->spec[all] = '\0';
    memcpy(s->mods, length_mod, nmods);
    s->mods[nmods] = '\0';
    return true;
}

/* 'value' printed by the conversion alone; a '*' in it takes its value
 * as printf would (read before the argument). */
#define ERR_PRINT(f, s, value)                                               \
    do {                                                                     \
        if ((s)->star_width && (s)->star_precision)                          \
            err_append(&(f)->out, &(f)->used, (s)->spec, (s)->width,         \
                       (s)->precision, value);                               \
        else if ((s)->star_width)                                            \
            err_append(&(f)->out, &(f)->used, (s)->spec, (s)->width, value); \
        else if ((s)->star_precision)                                        \
            err_append(&(f)->out, &(f)->used, (s)->spec, (s)->precision,     \
                       value);                                               \
        else                                                                 \
            err_append(&(f)->out, &(f)->used, (s)->spec, value);             \
    } while (0)
/* The next argument, of type 'type', printed by the conversion alone. */
#define ERR_ARG(f, s, ap, type)           \
    do {                                  \
        type value = va_arg(*(ap), type); \
        ERR_PRINT(f, s, value);           \
    } while (0)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static void
err_format_signed(struct err_format *f, const struct err_spec *s, va_list *ap)
{
    if (strcmp(s->mods, "l") == 0)
        ERR_ARG(f, s, ap, long);
    else if (strcmp(s->mods, "ll") == 0)
        ERR_ARG(f, s, ap, long long);
    else if (strcmp(s->mods, "z") == 0)
        ERR_ARG(f, s, ap, ssize_t);
    else if (strcmp(s->mods, "j") == 0)
        ERR_ARG(f, s, ap, intmax_t);
    else if (strcmp(s->mods, "t") == 0)
        ERR_ARG(f, s, ap, ptrdiff_t);
    else
        ERR_ARG(f, s, ap, int);
}

static void
err_format_unsigned(struct err_format *f, const struct err_spec *s, va_list *ap)
{
    if (strcmp(s->mods, "l") == 0)
        ERR_ARG(f, s, ap, unsigned long);
    else if (strcmp(s->mods, "ll") == 0)
        ERR_ARG(f, s, ap, unsigned long long);
    else if (strcmp(s->mods, "z") == 0)
        ERR_ARG(f, s, ap, size_t);
    else if (strcmp(s->mods, "j") == 0)
        ERR_ARG(f, s, ap, uintmax_t);
    else if (strcmp(s->mods, "t") == 0)
        ERR_ARG(f, s, ap, ptrdiff_t);
    else
        ERR_ARG(f, s, ap, unsigned);
}

static void
err_format_float(struct err_format *f, const struct err_spec *s, va_list *ap)
{
    if (strcmp(s->mods, "L") == 0)
        ERR_ARG(f, s, ap, long double);
    else
        ERR_ARG(f, s, ap, double);
}

/* A %s argument: whole, or cut to an excerpt ("start... (N bytes)", made
 * visible) of the characters its cut[] allows. */
static void
err_format_string(struct err_format *f, const struct err_spec *s, va_list *ap)
{
    const char *text = va_arg(*ap, const char *);
    size_t n = text == NULL        ? 0
               : s->precision >= 0 ? strnlen(text, (size_t)s->precision)
                                   : strlen(text);
    size_t arg = f->nargs, before = f->used;

    if (arg < ERR_FORMAT_ARGS)
        f->length[f->nargs++] = n;
    if (text != NULL && arg < ERR_FORMAT_ARGS && n > f->cut[arg]) {
        /* Newlines are kept: the message's own, as in a usage text, are
         * its layout. */
        size_t room = 4 * f->cut[arg] + 8;
        char *excerpt = xmalloc(room), *whole = xstrndup(text, n);
        if (text_excerpt(excerpt, room, whole, f->cut[arg], true) > 0)
            err_append(&f->out, &f->used, "%s (%zu bytes)", excerpt, n);
        else
            err_append(&f->out, &f->used, "%s", excerpt);
        free(whole);
        free(excerpt);
    } else {
        ERR_PRINT(f, s, text);
    }
    if (arg < ERR_FORMAT_ARGS)
        f->shown[arg] = f->used - before;
}

/* The message with the cuts of f->cut, in f->out (a new string), each %s
 * argument's length and the bytes it took noted in f.  printf's own
 * conversions do the rest: each conversion is taken apart and printed on
 * its own, with the argument of its type. */
static void
err_format_cut(struct err_format *f, const char *fmt, va_list ap)
{
    va_list args;

    va_copy(args, ap);
    f->out = xmalloc(1);
    f->out[0] = '\0';
    f->used = 0;
    f->nargs = 0;
    for (const char *p = fmt; *p != '\0';) {
        if (*p != '%') {
            size_t n = strcspn(p, "%");
            err_append(&f->out, &f->used, "%.*s", (int)n, p);
            p += n;
            continue;
        }
        struct err_spec spec;
        if (!err_parse_spec(&p, &spec))
            break;
        if (spec.star_width)
            spec.width = va_arg(args, int);
        if (spec.star_precision)
            spec.precision = va_arg(args, int);
        if (spec.conv == '%')
            err_append(&f->out, &f->used, "%%");
        else if (strchr("di", spec.conv) != NULL)
            err_format_signed(f, &spec, &args);
        else if (strchr("uoxX", spec.conv) != NULL)
            err_format_unsigned(f, &spec, &args);
        else if (spec.conv == 'c')
            ERR_ARG(f, &spec, &args, int);
        else if (strchr("eEfFgGaA", spec.conv) != NULL)
            err_format_float(f, &spec, &args);
        else if (spec.conv == 'p')
            ERR_ARG(f, &spec, &args, void *);
        else if (spec.conv == 's')
            err_format_string(f, &spec, &args);
        else
            break; /* not one messages use: stop rather than guess its type */
    }
    va_end(args);
}

#pragma GCC diagnostic pop
#undef ERR_ARG
#undef ERR_PRINT

/* The argument to cut next: of those that cutting to 'floor' characters
 * makes shorter, the one that takes the most bytes; f->nargs if none. */
static size_t
err_longest_cuttable(const struct err_format *f, size_t floor)
{
    const size_t overhead = 32; /* "..." and " (N bytes)" */
    size_t longest = f->nargs;

    for (size_t i = 0; i < f->nargs; i++) {
        bool cuttable = f->cut[i] == SIZE_MAX ? f->length[i] > floor + overhead
                                              : f->cut[i] > floor;
        if (cuttable &&
            (longest == f->nargs || f->shown[i] > f->shown[longest]))
            longest = i;
    }
    return longest;
}

/* How many characters argument i keeps to take 'excess' bytes out of a
 * message of 'len' bytes: a first cut leaves room for the rest of the
 * message, a huge one (over 4 * len, from outside) becoming an excerpt at
 * once; a later one takes the excess off again, each character being a
 * byte at least. */
static size_t
err_next_cut(const struct err_format *f, size_t i, size_t excess, size_t floor,
             size_t len)
{
    const size_t overhead = 32;

    if (f->cut[i] != SIZE_MAX)
        return f->cut[i] > floor + excess ? f->cut[i] - excess : floor;
    size_t most = f->length[i] - overhead;
    size_t keep = most > excess ? most - excess : 0;
    if (keep < floor || f->length[i] > 4 * len)
        keep = floor;
    return keep;
}

/* Where a character or a "\xHH" that shows a control character starts
 * in 'text', when byte 'at' is within one; else 'at'. */
static size_t
err_char_start(const char *text, size_t at)
{
    while (at > 0 && ((unsigned char)text[at] & 0xc0) == 0x80)
        at--;
    for (size_t back = 1; back <= 3 && back <= at; back++)
        if (text[at - back] == '\\' && text[at - back + 1] == 'x')
            return at - back;
    return at;
}

/* The first character boundary at or after byte 'at' of 'text' (of n
 * bytes). */
static size_t
err_char_next(const char *text, size_t n, size_t at)
{
    size_t start = err_char_start(text, at);

    if (start == at)
        return at;
    if (text[start] == '\\')
        return start + 4 < n ? start + 4 : n;
    for (at = start + 1; at < n && ((unsigned char)text[at] & 0xc0) == 0x80;)
        at++;
    return at;
}

/* 'text' into buf (of len bytes): whole when it fits, else its start and
 * its end with "..." between, cut between characters: the end of a
 * message is its reason, the start names what it is about. */
static void
err_cut_middle(char *buf, size_t len, const char *text)
{
    static const char gap[] = "...";
    size_t n = strlen(text);

    if (n < len) {
        memcpy(buf, text, n + 1);
        return;
    }
    if (len < 2 * sizeof gap) {
        snprintf(buf, len, "%s", gap);
        return;
    }
    size_t room = len - sizeof gap; /* the NUL is in sizeof gap */
    size_t tail = err_char_next(text, n, n - room * 2 / 3);
    size_t head = err_char_start(text, room - (n - tail));
    memcpy(buf, text, head);
    memcpy(buf + head, gap, sizeof gap - 1);
    memcpy(buf + head + sizeof gap - 1, text + tail, n - tail + 1);
}

char *
err_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
    struct err_format f;
    size_t floor = ERR_QUOTE_CHARS;
    va_list again;

    va_copy(again, ap);
    int n = vsnprintf(buf, len, fmt, again);
    va_end(again);
    if (n < 0 || (size_t)n < len)
        return buf;
    /* The longest arguments first, cut until the message fits in bytes
     * as it will be shown (a character made visible takes up to four), but
     * never below an excerpt's length while another can be cut: a huge
     * one, from outside, becomes an excerpt of ERR_QUOTE_CHARS, a long one
     * such as a usage text loses only its end.  Should even excerpts not
     * fit, they are cut shorter, and at last the middle of the message
     * goes: never its end, the reason. */
    for (size_t i = 0; i < ERR_FORMAT_ARGS; i++)
        f.cut[i] = SIZE_MAX;
    err_format_cut(&f, fmt, ap);
    while (f.used >= len) {
        size_t i = err_longest_cuttable(&f, floor);
        if (i == f.nargs && floor > ERR_QUOTE_MIN) {
            floor = ERR_QUOTE_MIN;
            continue;
        }
        if (i == f.nargs)
            break;
        f.cut[i] = err_next_cut(&f, i, f.used - (len - 1), floor, len);
        free(f.out);
        err_format_cut(&f, fmt, ap);
    }
    err_cut_middle(buf, len, f.out);
    free(f.out);
    return buf;
}
