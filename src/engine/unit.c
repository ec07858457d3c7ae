#include "engine/unit.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Typed numbers are read in millionths, so that "1.5s" and "2.4xDVD" are
 * exact. */
#define UNIT_MICRO        UINT64_C(1000000)
#define UNIT_MICRO_DIGITS 6

/* Time units, largest first: a value is shown in the largest in which it
 * is a whole number. */
static const struct {
    const char *name;
    uint64_t ms;
} unit_times[] = {
    { "h", 3600000 },
    { "min", 60000 },
    { "s", 1000 },
    { "ms", 1 },
};

/* Speeds by their multiple of a disc's 1x speed, in tenths of kB/s with
 * kB = 1000 bytes (MMC-6 gives every speed in kB/s and 1x CD as 176.4
 * kB/s, 1x DVD as 1385 kB/s, 1x BD as 4495.5 kB/s). */
static const struct {
    const char *name;
    uint64_t tenths;
} unit_speeds[] = {
    { "xCD", 1764 },
    { "xDVD", 13850 },
    { "xBD", 44955 },
};

static uint64_t
unit_scale(const struct field_def *fd)
{
    return fd->scale ? fd->scale : 1;
}

/* Milliseconds in one 'name', or 0 when it is no time unit. */
static uint64_t
unit_time_ms(const char *name)
{
    for (size_t i = 0; name && i < sizeof unit_times / sizeof *unit_times; i++)
        if (strcasecmp(name, unit_times[i].name) == 0)
            return unit_times[i].ms;
    return 0;
}

static bool
unit_is_speed(const struct field_def *fd)
{
    return fd->unit != NULL && strcasecmp(fd->unit, "kB/s") == 0;
}

void
unit_format_quantity(const struct field_def *fd, uint64_t raw, char *buf,
                     size_t len)
{
    uint64_t total, ms, per = unit_time_ms(fd->unit);

    if (fd->unit == NULL) {
        snprintf(buf, len, "%llu", (unsigned long long)raw);
        return;
    }
    if (__builtin_mul_overflow(raw, unit_scale(fd), &total)) {
        snprintf(buf, len, "%llu steps", (unsigned long long)raw);
        return;
    }
    if (per != 0 && !__builtin_mul_overflow(total, per, &ms)) {
        /* Nothing is a whole number of every unit: 0 is shown in seconds
         * (or in the field's own unit when that is longer). */
        if (ms == 0) {
            snprintf(buf, len, "0 %s", per > 1000 ? fd->unit : "s");
            return;
        }
        for (size_t i = 0; i < sizeof unit_times / sizeof *unit_times; i++)
            if (ms % unit_times[i].ms == 0) {
                snprintf(buf, len, "%llu %s",
                         (unsigned long long)(ms / unit_times[i].ms),
                         unit_times[i].name);
                return;
            }
    }
    /* "1 block", not "1 blocks": a unit that is a plural word. */
    size_t n = strlen(fd->unit);
    bool plural = n > 2 && fd->unit[n - 1] == 's' &&
                  isalpha((unsigned char)fd->unit[n - 2]) &&
                  isalpha((unsigned char)fd->unit[0]);
    snprintf(buf, len, "%llu %.*s", (unsigned long long)total,
             (int)(total == 1 && plural ? n - 1 : n), fd->unit);
}

void
unit_format(const struct field_def *fd, uint64_t raw, char *buf, size_t len)
{
    unit_format_quantity(fd, raw, buf, len);
    if (fd->unit != NULL && unit_scale(fd) > 1) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, " (%llu)", (unsigned long long)raw);
    }
}

void
unit_format_typeable(const struct field_def *fd, uint64_t raw, char *buf,
                     size_t len)
{
    if (fd->unit != NULL && unit_time_ms(fd->unit) != 0) {
        char quantity[64];
        unit_format_quantity(fd, raw, quantity, sizeof quantity);
        char *blank = strchr(quantity, ' ');
        if (blank != NULL && strchr(blank + 1, ' ') == NULL) {
            memmove(blank, blank + 1, strlen(blank));
            snprintf(buf, len, "%s", quantity);
            return;
        }
    }
    if (fd->unit != NULL && unit_scale(fd) > 1)
        snprintf(buf, len, "%llusteps", (unsigned long long)raw);
    else
        snprintf(buf, len, "%llu", (unsigned long long)raw);
}

void
unit_step(const struct field_def *fd, char *buf, size_t len)
{
    if (fd->unit == NULL)
        snprintf(buf, len, "%s", "");
    else if (unit_scale(fd) > 1)
        snprintf(buf, len, "%llu %s steps", (unsigned long long)unit_scale(fd),
                 fd->unit);
    else
        snprintf(buf, len, "%s", fd->unit);
}

void
unit_expected(const struct field_def *fd, char *buf, size_t len)
{
    bool steps = unit_scale(fd) > 1;
    const char *count_of_steps = steps ? " or a count of steps (300steps)" : "";

    if (fd->unit == NULL)
        snprintf(buf, len, "%s", "");
    else if (unit_time_ms(fd->unit) != 0 && steps)
        snprintf(buf, len, "a time (30s, 500ms, 1.5s, 10min, 1h)%s",
                 count_of_steps);
    else if (unit_time_ms(fd->unit) != 0)
        snprintf(buf, len,
                 "a time (30s, 500ms, 1.5s, 10min, 1h) or a number of %s",
                 fd->unit);
    else if (unit_is_speed(fd))
        snprintf(buf, len,
                 "a speed in kB/s (kB = 1000 bytes) or as NxCD (1x = 176.4 "
                 "kB/s), NxDVD (1385 kB/s) or NxBD (4495.5 kB/s), rounded to "
                 "the nearest kB/s%s",
                 count_of_steps);
    else if (steps)
        snprintf(buf, len, "a number of %s (N%s)%s", fd->unit, fd->unit,
                 count_of_steps);
    else
        snprintf(buf, len, "a number of %s", fd->unit);
}

void
unit_typing(const struct field_def *fd, char *buf, size_t len)
{
    char expected[200];

    unit_expected(fd, expected, sizeof expected);
    if (expected[0] == '\0')
        snprintf(buf, len, "%s", "");
    else
        snprintf(buf, len, "typed as %s", expected);
}

/* "the idle timer", or the acronym for a field without a name. */
static void
unit_what(const struct field_def *fd, const char *acronym, char *buf,
          size_t len)
{
    if (fd->name == NULL || fd->name[0] == '\0') {
        snprintf(buf, len, "%s", acronym);
        return;
    }
    snprintf(buf, len, "the %s", fd->name);
    /* "Idle timer" reads "the idle timer"; "CDDA output" keeps its case. */
    if (isupper((unsigned char)buf[4]) && !isupper((unsigned char)buf[5]))
        buf[4] = (char)tolower((unsigned char)buf[4]);
}

/* A decimal number with up to six decimals, or a 0x hex whole number, in
 * millionths; *end is where it stops.  False when 'text' starts no
 * number or it is too large. */
static bool
unit_read_number(const char *text, uint64_t *micro, bool *fraction,
                 const char **end)
{
    const char *p = text;
    uint64_t whole = 0, part = 0, scale = UNIT_MICRO;

    *fraction = false;
    if (!isdigit((unsigned char)*p))
        return false;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!isxdigit((unsigned char)*p))
            return false;
        for (; isxdigit((unsigned char)*p); p++) {
            unsigned digit =
                isdigit((unsigned char)*p)
                    ? (unsigned)(*p - '0')
                    : (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
            if (whole > (UINT64_MAX - digit) / 16)
                return false;
            whole = whole * 16 + digit;
        }
    } else {
        for (; isdigit((unsigned char)*p); p++) {
            unsigned digit = (unsigned)(*p - '0');
            if (whole > (UINT64_MAX - digit) / 10)
                return false;
            whole = whole * 10 + digit;
        }
        if (*p == '.' && isdigit((unsigned char)p[1])) {
            int n = 0;
            for (p++; isdigit((unsigned char)*p); p++, n++) {
                if (n == UNIT_MICRO_DIGITS)
                    return false;
                scale /= 10;
                part += (uint64_t)(*p - '0') * scale;
            }
            *fraction = part != 0;
        }
    }
    if (__builtin_mul_overflow(whole, UNIT_MICRO, micro) ||
        __builtin_add_overflow(*micro, part, micro))
        return false;
    *end = p;
    return true;
}

/* 'text' without its blanks, or false when it is too long to be a unit. */
static bool
unit_squeeze(const char *text, char *buf, size_t len)
{
    size_t n = 0;

    for (; *text; text++) {
        if (isblank((unsigned char)*text))
            continue;
        if (n + 1 >= len)
            return false;
        buf[n++] = *text;
    }
    buf[n] = '\0';
    return true;
}

static int
unit_unknown(const char *acronym, const char *text, const char *unit,
             const char *what, const char *typing, struct err *err)
{
    if (typing[0] == '\0')
        return err_usage(err, "%s=%s: %s has no unit: expected a number",
                         acronym, text, what);
    return err_usage(err, "%s=%s: '%s' is no unit of %s, which is %s", acronym,
                     text, unit, what, typing);
}

int
unit_parse(const struct field_def *fd, const char *acronym, const char *text,
           uint64_t *raw, struct err *err)
{
    uint64_t micro, per = unit_time_ms(fd->unit), factor = 0, step, q, stepq;
    bool fraction, rounded = false;
    const char *end;
    char suffix[16], what[96], typing[256];

    if (!unit_read_number(text, &micro, &fraction, &end))
        return 1;
    unit_what(fd, acronym, what, sizeof what);
    unit_typing(fd, typing, sizeof typing);
    if (*end != '\0' && !unit_squeeze(end, suffix, sizeof suffix))
        return unit_unknown(acronym, text, end, what, typing, err);
    if (*end == '\0' || suffix[0] == '\0') {
        /* A bare number: in the field's unit where a step is one unit (or
         * a fraction asks for the unit), else it reads two ways. */
        if (fd->unit == NULL || (!fraction && unit_scale(fd) == 1) ||
            *end != '\0')
            return 1;
        if (micro == 0) {
            *raw = 0;
            return 0;
        }
        if (!fraction) {
            uint64_t n = micro / UNIT_MICRO;
            char as_steps[64], as_unit[64];
            unit_format_quantity(fd, n, as_steps, sizeof as_steps);
            if (n % unit_scale(fd) == 0)
                snprintf(as_unit, sizeof as_unit, " = %llu steps",
                         (unsigned long long)(n / unit_scale(fd)));
            else
                snprintf(as_unit, sizeof as_unit,
                         " (not a whole number of steps)");
            return err_usage(
                err,
                "%s=%s is ambiguous: %s counts steps of %llu "
                "%s: %llu %s%s, or %llu steps = %s; write "
                "%s=%llu%s or %s=%llusteps",
                acronym, text, what, (unsigned long long)unit_scale(fd),
                fd->unit, (unsigned long long)n, fd->unit, as_unit,
                (unsigned long long)n, as_steps, acronym, (unsigned long long)n,
                fd->unit, acronym, (unsigned long long)n);
        }
        if (unit_scale(fd) > 1)
            return err_usage(err, "%s=%s needs a unit: %s is %s", acronym, text,
                             what, typing);
        snprintf(suffix, sizeof suffix, "%s", fd->unit);
    }
    if (strcasecmp(suffix, "steps") == 0 || strcasecmp(suffix, "step") == 0) {
        if (fraction)
            return err_usage(err, "%s=%s: a count of steps is a whole number",
                             acronym, text);
        *raw = micro / UNIT_MICRO;
        return 0;
    }
    /* The typed quantity and one step, in the same base: milliseconds for
     * a time, tenths of kB/s for a speed, else the field's unit. */
    if (per != 0) {
        factor = unit_time_ms(suffix);
        step = unit_scale(fd) * per;
    } else if (unit_is_speed(fd)) {
        step = unit_scale(fd) * 10;
        if (strcasecmp(suffix, "kB/s") == 0)
            factor = 10;
        for (size_t i = 0; i < sizeof unit_speeds / sizeof *unit_speeds; i++)
            if (strcasecmp(suffix, unit_speeds[i].name) == 0) {
                factor = unit_speeds[i].tenths;
                rounded = true; /* 8xCD is 1411.2 kB/s: 1411 */
            }
    } else {
        step = unit_scale(fd);
        if (fd->unit != NULL && strcasecmp(suffix, fd->unit) == 0)
            factor = 1;
    }
    if (factor == 0)
        return unit_unknown(acronym, text, suffix, what, typing, err);
    if (__builtin_mul_overflow(micro, factor, &q) ||
        __builtin_mul_overflow(step, UNIT_MICRO, &stepq))
        return err_usage(err, "%s=%s: too large for %s", acronym, text, what);
    if (rounded) {
        *raw = q / stepq + (q % stepq >= stepq - q % stepq ? 1 : 0);
        return 0;
    }
    if (q % stepq != 0) {
        char lo[64], hi[64];
        unit_format_quantity(fd, q / stepq, lo, sizeof lo);
        unit_format_quantity(fd, q / stepq + 1, hi, sizeof hi);
        if (unit_scale(fd) == 1)
            return err_usage(err, "%s=%s: %s is a whole number of %s: %s or %s",
                             acronym, text, what, fd->unit, lo, hi);
        return err_usage(err, "%s=%s: %s counts steps of %llu %s: %s or %s",
                         acronym, text, what,
                         (unsigned long long)unit_scale(fd), fd->unit, lo, hi);
    }
    *raw = q / stepq;
    return 0;
}
