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
        if (strcmp(name, unit_times[i].name) == 0)
            return unit_times[i].ms;
    return 0;
}

static bool
unit_is_speed(const struct field_def *fd)
{
    return fd->unit != NULL && strcmp(fd->unit, "kB/s") == 0;
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
    else if (unit_is_speed(fd)) {
        /* "NxCD (1x = 176.4 kB/s), NxDVD (...) or NxBD (...)", from the
         * table: the 1x speeds are written down once. */
        size_t used = (size_t)snprintf(
            buf, len, "a speed in kB/s (kB = 1000 bytes) or as");
        size_t nspeeds = sizeof unit_speeds / sizeof *unit_speeds;
        for (size_t i = 0; i < nspeeds && used < len; i++) {
            uint64_t tenths = unit_speeds[i].tenths;
            char one[24];
            if (tenths % 10 == 0)
                snprintf(one, sizeof one, "%llu",
                         (unsigned long long)(tenths / 10));
            else
                snprintf(one, sizeof one, "%llu.%llu",
                         (unsigned long long)(tenths / 10),
                         (unsigned long long)(tenths % 10));
            used += (size_t)snprintf(buf + used, len - used,
                                     "%s N%s (1x = %s kB/s)",
                                     i == 0             ? ""
                                     : i + 1 == nspeeds ? " or"
                                                        : ",",
                                     unit_speeds[i].name, one);
        }
        if (used < len)
            snprintf(buf + used, len - used,
                     ", when that is a whole number of kB/s%s", count_of_steps);
    } else if (steps)
        snprintf(buf, len, "a number of %s (N%s)%s", fd->unit, fd->unit,
                 count_of_steps);
    else
        snprintf(buf, len, "a number of %s", fd->unit);
}

void
unit_typing(const struct field_def *fd, char *buf, size_t len)
{
    char expected[320];

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

/* A decimal number with up to six decimals, or a 0x hex whole number
 * (*hex), in millionths; *end is where it stops.  False when 'text' starts
 * no number or it is too large. */
static bool
unit_read_number(const char *text, uint64_t *micro, bool *fraction, bool *hex,
                 const char **end)
{
    const char *p = text;
    uint64_t whole = 0, part = 0, scale = UNIT_MICRO;

    *fraction = false;
    *hex = false;
    if (!isdigit((unsigned char)*p))
        return false;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!isxdigit((unsigned char)*p))
            return false;
        *hex = true;
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

/* The unit of the field that 'suffix' names when letter case is ignored,
 * or NULL: "kb/s" is kilobits and "Ms" megaseconds, so a unit is only
 * ever taken as written, and this serves to say which was meant. */
static const char *
unit_case_variant(const struct field_def *fd, const char *suffix)
{
    if (strcasecmp(suffix, "steps") == 0)
        return "steps";
    if (unit_time_ms(fd->unit) != 0) {
        for (size_t i = 0; i < sizeof unit_times / sizeof *unit_times; i++)
            if (strcasecmp(suffix, unit_times[i].name) == 0)
                return unit_times[i].name;
    } else if (unit_is_speed(fd)) {
        if (strcasecmp(suffix, "kB/s") == 0)
            return "kB/s";
        for (size_t i = 0; i < sizeof unit_speeds / sizeof *unit_speeds; i++)
            if (strcasecmp(suffix, unit_speeds[i].name) == 0)
                return unit_speeds[i].name;
    } else if (strcasecmp(suffix, fd->unit) == 0) {
        return fd->unit;
    }
    return NULL;
}

static int
unit_unknown(const struct field_def *fd, const char *acronym, const char *text,
             const char *unit, const char *what, const char *typing,
             struct err *err)
{
    if (typing[0] == '\0')
        return err_usage(err, "%s=%s: %s has no unit: expected a number",
                         acronym, text, what);
    const char *meant = unit_case_variant(fd, unit);
    if (meant != NULL)
        return err_usage(err,
                         "%s=%s: '%s' is no unit of %s (units are "
                         "case-sensitive: '%s'), which is %s",
                         acronym, text, unit, what, meant, typing);
    return err_usage(err, "%s=%s: '%s' is no unit of %s, which is %s", acronym,
                     text, unit, what, typing);
}

/* Whether 'acronym=text' would be accepted (read, and within the field):
 * a suggestion names only what is. */
static bool
unit_accepts(const struct field_def *fd, const char *acronym, const char *text)
{
    uint64_t raw;
    struct err scratch;

    err_clear(&scratch);
    if (unit_parse(fd, acronym, text, &raw, &scratch) != 0)
        return false;
    /* The field must hold it too, as field.c checks after reading. */
    uint64_t max =
        fd->width >= 64 ? UINT64_MAX : (UINT64_C(1) << fd->width) - 1;
    return raw <= max && (!fd->has_range || (raw >= fd->min && raw <= fd->max));
}

/* "%s=%s or %s=%s": the candidates that would be accepted, or "" when
 * none is. */
static void
unit_suggest(const struct field_def *fd, const char *acronym, const char *a,
             const char *b, char *buf, size_t len)
{
    bool take_a = a != NULL && unit_accepts(fd, acronym, a);
    bool take_b = b != NULL && unit_accepts(fd, acronym, b);

    if (take_a && take_b)
        snprintf(buf, len, "; write %s=%s or %s=%s", acronym, a, acronym, b);
    else if (take_a || take_b)
        snprintf(buf, len, "; write %s=%s", acronym, take_a ? a : b);
    else
        snprintf(buf, len, "%s", "");
}

/* A number written in hex followed by a unit reads two ways, as hex
 * digits and a unit's letters mix: "0xCD" is 205 kB/s, or 0 times 1x CD
 * ('zero_times', or NULL).  Refused, naming the readings. */
static int
unit_hex_with_unit(const struct field_def *fd, const char *acronym,
                   const char *text, uint64_t whole, const char *suffix,
                   const char *zero_times, struct err *err)
{
    char as_hex[64], a[64], b[64], suggest[160];

    if (zero_times != NULL) {
        unit_format_quantity(fd, whole, as_hex, sizeof as_hex);
        snprintf(a, sizeof a, "%llukB/s", (unsigned long long)whole);
        unit_suggest(fd, acronym, a, "0kB/s", suggest, sizeof suggest);
        return err_usage(err,
                         "%s=%s is ambiguous: the hex number %s is %s, or 0 "
                         "times 1x %s is 0 kB/s%s",
                         acronym, text, text, as_hex, zero_times + 1, suggest);
    }
    snprintf(a, sizeof a, "%llu%s", (unsigned long long)whole, suffix);
    snprintf(b, sizeof b, "%llusteps", (unsigned long long)whole);
    unit_suggest(fd, acronym, a, unit_scale(fd) > 1 ? b : NULL, suggest,
                 sizeof suggest);
    return err_usage(err,
                     "%s=%s is ambiguous: hex digits and a unit's letters mix, "
                     "so a number with a unit is written in decimal (a hex "
                     "count takes the word steps)%s",
                     acronym, text, suggest);
}

/* 'q' millionths of tenths of a kB/s as "1411.2 kB/s". */
static void
unit_format_speed(uint64_t q, char *buf, size_t len)
{
    uint64_t per = UNIT_MICRO * 10, whole = q / per, part = q % per;
    int digits = 7;

    while (part != 0 && part % 10 == 0) {
        part /= 10;
        digits--;
    }
    if (part == 0)
        snprintf(buf, len, "%llu kB/s", (unsigned long long)whole);
    else
        snprintf(buf, len, "%llu.%0*llu kB/s", (unsigned long long)whole,
                 digits, (unsigned long long)part);
}

/* A bare number of a field whose steps are not one unit each reads two
 * ways: 'n' units or n steps. */
static int
unit_ambiguous(const struct field_def *fd, const char *acronym,
               const char *text, uint64_t n, const char *what, struct err *err)
{
    char as_steps[64], as_unit[64], a[64], b[64], suggest[160];

    unit_format_quantity(fd, n, as_steps, sizeof as_steps);
    if (n % unit_scale(fd) == 0)
        snprintf(as_unit, sizeof as_unit, " = %llu steps",
                 (unsigned long long)(n / unit_scale(fd)));
    else
        snprintf(as_unit, sizeof as_unit, " (not a whole number of steps)");
    snprintf(a, sizeof a, "%llu%s", (unsigned long long)n, fd->unit);
    snprintf(b, sizeof b, "%llusteps", (unsigned long long)n);
    unit_suggest(fd, acronym, a, b, suggest, sizeof suggest);
    return err_usage(err,
                     "%s=%s is ambiguous: %s counts steps of %llu "
                     "%s: %llu %s%s, or %llu steps = %s%s",
                     acronym, text, what, (unsigned long long)unit_scale(fd),
                     fd->unit, (unsigned long long)n, fd->unit, as_unit,
                     (unsigned long long)n, as_steps, suggest);
}

/* The typed quantity and one step, in the same base: milliseconds for a
 * time, tenths of kB/s for a speed, else the field's unit.  Units are
 * compared as written: "kb/s" (kilobits) is not "kB/s".  *factor is 0
 * for a unit the field does not take. */
static void
unit_conversion(const struct field_def *fd, const char *suffix,
                uint64_t *factor, uint64_t *step, bool *disc_speed)
{
    uint64_t per = unit_time_ms(fd->unit);

    *factor = 0;
    *disc_speed = false;
    if (per != 0) {
        *factor = unit_time_ms(suffix);
        *step = unit_scale(fd) * per;
    } else if (unit_is_speed(fd)) {
        *step = unit_scale(fd) * 10;
        if (strcmp(suffix, "kB/s") == 0)
            *factor = 10;
        for (size_t i = 0; i < sizeof unit_speeds / sizeof *unit_speeds; i++)
            if (strcmp(suffix, unit_speeds[i].name) == 0) {
                *factor = unit_speeds[i].tenths;
                *disc_speed = true;
            }
    } else {
        *step = unit_scale(fd);
        if (fd->unit != NULL && strcmp(suffix, fd->unit) == 0)
            *factor = 1;
    }
}

/* One rule for every unit: never rounded, even a multiple of a disc's 1x
 * speed, which is fractional in kB/s (8xCD).  q / stepq steps and a bit. */
static int
unit_not_whole(const struct field_def *fd, const char *acronym,
               const char *text, const char *what, uint64_t q, uint64_t stepq,
               bool disc_speed, struct err *err)
{
    char lo[64], hi[64], exact[48] = "";

    unit_format_quantity(fd, q / stepq, lo, sizeof lo);
    unit_format_quantity(fd, q / stepq + 1, hi, sizeof hi);
    if (disc_speed) {
        snprintf(exact, sizeof exact, " is ");
        unit_format_speed(q, exact + 4, sizeof exact - 4);
    }
    if (unit_scale(fd) == 1)
        return err_usage(err, "%s=%s%s: %s is a whole number of %s: %s or %s",
                         acronym, text, exact, what, fd->unit, lo, hi);
    return err_usage(err, "%s=%s%s: %s counts steps of %llu %s: %s or %s",
                     acronym, text, exact, what,
                     (unsigned long long)unit_scale(fd), fd->unit, lo, hi);
}

int
unit_parse(const struct field_def *fd, const char *acronym, const char *text,
           uint64_t *raw, struct err *err)
{
    uint64_t micro, factor, step, q, stepq;
    bool fraction, hex, disc_speed = false;
    const char *end;
    char what[96], typing[300];

    if (!unit_read_number(text, &micro, &fraction, &hex, &end))
        return 1;
    unit_what(fd, acronym, what, sizeof what);
    unit_typing(fd, typing, sizeof typing);
    /* Blanks may stand between the number and the unit, never inside or
     * after it: "5 m s" is no unit. */
    const char *suffix = end;
    while (isblank((unsigned char)*suffix))
        suffix++;
    for (const char *p = suffix; *p; p++)
        if (isblank((unsigned char)*p))
            return err_usage(err,
                             "%s=%s: blanks may stand only between the number "
                             "and the unit",
                             acronym, text);
    if (hex) {
        const char *zero_times = NULL;
        for (size_t i = 0;
             unit_is_speed(fd) && i < sizeof unit_speeds / sizeof *unit_speeds;
             i++)
            if (strcmp(text + 1, unit_speeds[i].name) == 0)
                zero_times = unit_speeds[i].name;
        if (zero_times != NULL ||
            (*suffix != '\0' && strcmp(suffix, "steps") != 0 &&
             strcmp(suffix, "step") != 0))
            return unit_hex_with_unit(fd, acronym, text, micro / UNIT_MICRO,
                                      suffix, zero_times, err);
    }
    if (*suffix == '\0') {
        /* A bare number: in the field's unit where a step is one unit (or
         * a fraction asks for the unit), else it reads two ways. */
        if (fd->unit == NULL || (!fraction && unit_scale(fd) == 1) ||
            *end != '\0')
            return 1;
        if (micro == 0) {
            *raw = 0;
            return 0;
        }
        if (!fraction)
            return unit_ambiguous(fd, acronym, text, micro / UNIT_MICRO, what,
                                  err);
        if (unit_scale(fd) > 1)
            return err_usage(err, "%s=%s needs a unit: %s is %s", acronym, text,
                             what, typing);
        suffix = fd->unit;
    }
    if (strcmp(suffix, "steps") == 0 || strcmp(suffix, "step") == 0) {
        if (fraction)
            return err_usage(err, "%s=%s: a count of steps is a whole number",
                             acronym, text);
        *raw = micro / UNIT_MICRO;
        return 0;
    }
    unit_conversion(fd, suffix, &factor, &step, &disc_speed);
    if (factor == 0)
        return unit_unknown(fd, acronym, text, suffix, what, typing, err);
    if (__builtin_mul_overflow(micro, factor, &q) ||
        __builtin_mul_overflow(step, UNIT_MICRO, &stepq))
        return err_usage(err, "%s=%s: too large for %s", acronym, text, what);
    if (q % stepq != 0)
        return unit_not_whole(fd, acronym, text, what, q, stepq, disc_speed,
                              err);
    *raw = q / stepq;
    return 0;
}
