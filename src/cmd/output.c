#include "cmd/output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errfmt.h"
#include "transport/transport.h"
#include "util/text.h"
#include "util/xmalloc.h"

/*
 * Every line a command shows goes out through here, to whatever front end
 * runs it.  Lines quote what drives, targets, drive files, page
 * definitions and replay files hold, and any of those may carry escape
 * sequences meant for the terminal: this one place shows them as text
 * (util/text.h), so that no command can forget to.  Newlines and tabs are
 * the command's own layout and stay.
 */
static void
cmd_emit(void (*emit)(void *, const char *), void *arg, const char *text)
{
    if (text_is_safe(text, true)) {
        emit(arg, text);
        return;
    }
    char *visible = text_visible(text, true);
    emit(arg, visible);
    free(visible);
}

static void cmd_vemit(void (*emit)(void *, const char *), void *arg,
                      const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
cmd_vemit(void (*emit)(void *, const char *), void *arg, const char *fmt,
          va_list ap)
{
    char line[256], *text = line;
    va_list ap2;
    int n;

    /* Most lines fit on the stack; only long ones need the heap. */
    va_copy(ap2, ap);
    n = vsnprintf(line, sizeof line, fmt, ap);
    if (n >= (int)sizeof line) {
        text = xmalloc((size_t)n + 1);
        vsnprintf(text, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    cmd_emit(emit, arg, n < 0 ? "" : text);
    if (text != line)
        free(text);
}

void
cmd_print(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cmd_vemit(ctx->output->out, ctx->output->arg, fmt, ap);
    va_end(ap);
}

void
cmd_print_text(struct cmd_ctx *ctx, const char *text)
{
    cmd_emit(ctx->output->out, ctx->output->arg, text);
}

void
cmd_warn(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cmd_vemit(ctx->output->err, ctx->output->arg, fmt, ap);
    va_end(ap);
}

void
cmd_print_json(struct cmd_ctx *ctx, json_t *json)
{
    char *text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    json_decref(json);
    if (text == NULL)
        abort(); /* jansson fails only when out of memory */
    /* jansson writes C0 characters as \u00XX but DEL and C1 (CSI U+009B)
     * as they are; they can only stand inside strings, where \u00XX is
     * the same value and nothing a terminal acts on. */
    char *escaped = xmalloc(6 * strlen(text) + 1);
    size_t used = 0;
    for (const char *p = text; *p != '\0';) {
        const char *start = p;
        uint32_t c = text_next_char(&p);
        if (text_is_control(c) && c != '\n') {
            used += (size_t)snprintf(escaped + used, 7, "\\u%04X", c);
        } else {
            memcpy(escaped + used, start, (size_t)(p - start));
            used += (size_t)(p - start);
        }
    }
    escaped[used] = '\0';
    free(text);
    cmd_emit(ctx->output->out, ctx->output->arg, escaped);
    free(escaped);
}

json_t *
cmd_drive_error_json(const char *drive, const struct err *err)
{
    char value[16];
    char *safe = transport_redact(drive);
    json_t *error = json_object(), *obj = json_object();

    snprintf(value, sizeof value, "0x%08X", err->hr);
    json_object_set_new(error, "hresult", json_string(hresult_name(err->hr)));
    json_object_set_new(error, "hresult_value", json_string(value));
    json_object_set_new(error, "message", text_json(err->msg));
    json_object_set_new(obj, "drive", text_json(safe));
    json_object_set_new(obj, "error", error);
    free(safe);
    return obj;
}

enum cmd_status
cmd_drive_error(struct cmd_ctx *ctx, const char *drive, const struct err *err,
                bool alone)
{
    char *safe = transport_redact(drive);
    struct err named = *err;

    if (strstr(err->msg, safe) == NULL)
        err_prefix(&named, "%s", safe);
    free(safe);
    enum cmd_status status = cmd_error(ctx, &named);
    return alone ? status : CMD_FAILED;
}

enum cmd_status
cmd_error(struct cmd_ctx *ctx, const struct err *err)
{
    char line[1024];
    const char *advice = hresult_advice(err->hr);

    ctx->last_error = *err;
    errfmt_line(err, line, sizeof line);
    cmd_warn(ctx, "%s", line);
    if (!err->usage && advice[0] != '\0')
        cmd_warn(ctx, "  try: %s", advice);
    return err->usage ? CMD_USAGE : CMD_FAILED;
}
