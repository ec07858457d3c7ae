#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
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
