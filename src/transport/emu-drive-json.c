/* The members of a drive file, read one type at a time: each refusal
 * names the file, the member's JSON path and what was expected. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/emu-drive-internal.h"
#include "util/hex.h"
#include "util/xmalloc.h"

int __attribute__((format(printf, 3, 4)))
emu_drive_bad(struct emu_load *ld, const char *where, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    err_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_usage(ld->err, "%s: %s: %s", ld->file, where, msg);
}

const char *
emu_drive_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* "parent.key": a key is the file's own text, quoted when it is not a
 * plain name so that a long or strange one cannot crowd out the message. */
void
emu_drive_where(char *buf, size_t len, const char *parent, const char *key)
{
    char quoted[ERR_QUOTE_MAX];
    bool plain =
        key[0] != '\0' && strlen(key) <= ERR_QUOTE_CHARS &&
        strspn(key, "abcdefghijklmnopqrstuvwxyz"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(key);
    const char *shown = plain ? key : err_quote(quoted, key);

    if (parent[0] == '\0')
        snprintf(buf, len, "%s", shown);
    else
        snprintf(buf, len, "%s.%s", parent, shown);
}

/* Unknown members are refused so that a misspelt switch does not
 * silently keep its default; "comment" is allowed everywhere. */
int
emu_drive_keys(struct emu_load *ld, json_t *obj, const char *parent,
               const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach(obj, key, value)
    {
        bool known = strcmp(key, "comment") == 0;
        char where[ERR_QUOTE_MAX + 64], list[256] = "";

        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (known)
            continue;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", i > 0 ? ", " : "",
                     allowed[i]);
        }
        emu_drive_where(where, sizeof where, parent, key);
        return emu_drive_bad(
            ld, where, "unknown member (expected one of: %s, comment)", list);
    }
    return 0;
}

/* An object member that must be an object; *out NULL when absent. */
int
emu_drive_object(struct emu_load *ld, json_t *obj, const char *key,
                 bool required, json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        if (required)
            return emu_drive_bad(ld, key, "missing (expected an object)");
        return 0;
    }
    if (!json_is_object(v))
        return emu_drive_bad(ld, key, "expected an object, found %s",
                             emu_drive_type_name(v));
    *out = v;
    return 0;
}

int
emu_drive_bool(struct emu_load *ld, json_t *obj, const char *parent,
               const char *key, bool def, bool *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    char where[128];

    *out = def;
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v)) {
        emu_drive_where(where, sizeof where, parent, key);
        return emu_drive_bad(ld, where, "expected true or false, found %s",
                             emu_drive_type_name(v));
    }
    *out = json_is_true(v);
    return 0;
}

/* A number given as a JSON integer or as a hex string "0x1A", the way
 * SCSI documents write codes. */
int
emu_drive_number(struct emu_load *ld, json_t *v, const char *where,
                 unsigned long max, unsigned long *out)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n >= 0 && (unsigned long long)n <= max) {
            *out = (unsigned long)n;
            return 0;
        }
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool prefixed = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        size_t digits = prefixed ? strspn(s + 2, "0123456789abcdefABCDEF") : 0;
        if (digits > 0 && digits <= 8 && s[2 + digits] == '\0') {
            unsigned long n = strtoul(s + 2, NULL, 16);
            if (n <= max) {
                *out = n;
                return 0;
            }
        }
    }
    return emu_drive_bad(ld, where,
                         "expected a number from 0 to %lu (0x%lx), as an "
                         "integer or a hex string like \"0x%02lx\", found %s",
                         max, max, max, emu_drive_type_name(v));
}

int
emu_drive_uint(struct emu_load *ld, json_t *obj, const char *parent,
               const char *key, unsigned long max, bool required,
               unsigned long def, unsigned long *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    char where[128];

    emu_drive_where(where, sizeof where, parent, key);
    *out = def;
    if (v == NULL) {
        if (required)
            return emu_drive_bad(
                ld, where, "missing (expected a number from 0 to %lu)", max);
        return 0;
    }
    return emu_drive_number(ld, v, where, max, out);
}

/* One of 'names'; *out is its index. */
int
emu_drive_choice(struct emu_load *ld, json_t *obj, const char *parent,
                 const char *key, const char *const *names, size_t count,
                 size_t def, size_t *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    char where[128], list[160] = "";

    *out = def;
    if (v == NULL)
        return 0;
    if (json_is_string(v)) {
        for (size_t i = 0; i < count; i++) {
            if (strcmp(json_string_value(v), names[i]) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s\"%s\"",
                 i > 0 ? " or " : "", names[i]);
    }
    emu_drive_where(where, sizeof where, parent, key);
    if (json_is_string(v)) {
        char quoted[ERR_QUOTE_MAX];
        return emu_drive_bad(ld, where, "expected %s, found %s", list,
                             err_quote(quoted, json_string_value(v)));
    }
    return emu_drive_bad(ld, where, "expected %s, found %s", list,
                         emu_drive_type_name(v));
}

/* INQUIRY strings are printable ASCII, space padded (SPC-4, standard
 * INQUIRY data). */
int
emu_drive_ascii(struct emu_load *ld, json_t *obj, const char *key, size_t max,
                char *out)
{
    json_t *v = json_object_get(obj, key);
    char where[128];
    const char *s;

    emu_drive_where(where, sizeof where, "inquiry", key);
    if (v == NULL || !json_is_string(v))
        return emu_drive_bad(ld, where,
                             "expected a string of at most %zu printable "
                             "ASCII characters, found %s",
                             max, v ? emu_drive_type_name(v) : "nothing");
    s = json_string_value(v);
    if (strlen(s) > max) {
        char quoted[ERR_QUOTE_MAX];
        return emu_drive_bad(ld, where,
                             "%s is %zu characters long; INQUIRY has "
                             "room for %zu",
                             err_quote(quoted, s), strlen(s), max);
    }
    for (const char *p = s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e)
            return emu_drive_bad(ld, where,
                                 "character %zu is not printable ASCII "
                                 "(0x20 to 0x7e)",
                                 (size_t)(p - s) + 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

/* Hex text as one string, or an array of strings taken as lines so that
 * each line can carry its own '#' comment. */
int
emu_drive_hex(struct emu_load *ld, json_t *v, const char *where, uint8_t **out,
              size_t *len)
{
    char *text;

    if (json_is_string(v)) {
        text = xstrdup(json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i, total = 1;
        json_t *line;

        json_array_foreach(v, i, line)
        {
            if (!json_is_string(line))
                return emu_drive_bad(ld, where,
                                     "line %zu: expected a string of hex "
                                     "bytes, found %s",
                                     i + 1, emu_drive_type_name(line));
            total += strlen(json_string_value(line)) + 1;
        }
        text = xmalloc(total);
        text[0] = '\0';
        json_array_foreach(v, i, line)
        {
            strcat(text, json_string_value(line));
            strcat(text, "\n");
        }
    } else {
        return emu_drive_bad(ld, where,
                             "expected hex bytes as a string (\"05 32 ...\") "
                             "or an array of such lines, found %s",
                             emu_drive_type_name(v));
    }
    if (hex_parse(text, out, len, ld->err) != 0) {
        free(text);
        err_prefix(ld->err, "%s: %s", ld->file, where);
        return -1;
    }
    free(text);
    return 0;
}
