#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "engine/unit.h"
#include "util/hex.h"
#include "util/text.h"

int
show_read_values(struct recorder *rec, uint8_t code, uint8_t subpage,
                 struct show_values *sv, struct err *err)
{
    memset(sv, 0, sizeof *sv);
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT,
                               &sv->page[0], &sv->len[0], err) != 0)
        return -1;
    for (int pc = 1; pc < 4; pc++) {
        struct err pc_err;
        err_clear(&pc_err);
        if (recorder_get_mode_page(rec, code, subpage, pc, &sv->page[pc],
                                   &sv->len[pc], &pc_err) == 0)
            continue;
        if (pc_err.hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
            *err = pc_err;
            return -1;
        }
        sv->page[pc] = NULL;
        snprintf(sv->why[pc], sizeof sv->why[pc],
                 "%s values: the drive "
                 "does not report them",
                 mode_request_name(pc));
    }
    return 0;
}

void
show_values_free(struct show_values *sv)
{
    for (int pc = 0; pc < 4; pc++) {
        free(sv->page[pc]);
        sv->page[pc] = NULL;
    }
}

const char *
show_changeable(const struct show_values *sv, const struct field_ref *ref)
{
    if (sv->page[MODE_REQUEST_CHANGEABLE] == NULL ||
        !field_fits(ref->fd, ref->base, sv->len[MODE_REQUEST_CHANGEABLE]))
        return "-";
    switch (field_mask_state(sv->page[MODE_REQUEST_CHANGEABLE], ref->fd,
                             ref->base)) {
    case 1:
        return "yes";
    case 0:
        return "no";
    default:
        return "partly";
    }
}

void
show_value(const struct show_values *sv, int pc, const struct field_ref *ref,
           char *buf, size_t len)
{
    if (sv->page[pc] == NULL || !field_fits(ref->fd, ref->base, sv->len[pc]))
        snprintf(buf, len, "-");
    else
        field_format(sv->page[pc], ref, buf, len);
}

json_t *
show_value_json(const uint8_t *page, size_t len, const struct field_ref *ref)
{
    const struct field_def *fd = ref->fd;
    char value[160];

    if (page == NULL || !field_fits(fd, ref->base, len))
        return json_null();
    if (fd->kind != FIELD_ASCII && fd->kind != FIELD_HEX && fd->width <= 64) {
        uint64_t raw = field_get(page, fd, ref->base);
        uint64_t scale = fd->scale ? fd->scale : 1, in_unit;
        return __builtin_mul_overflow(raw, scale, &in_unit) ||
                       in_unit > INT64_MAX
                   ? json_null()
                   : json_integer((json_int_t)in_unit);
    }
    field_format(page, ref, value, sizeof value);
    return text_json(value);
}

/* Whether 'name' is close to a field's acronym: a typing slip away (two
 * in a long name: one in a short name is already most of it), or one
 * holding the other ("WR_TYPE" holds "WR_T"). */
static bool
show_name_close(const char *name, const char *acronym)
{
    char upper[48];
    size_t i;

    for (i = 0; name[i] != '\0' && i + 1 < sizeof upper; i++)
        upper[i] = (char)toupper((unsigned char)name[i]);
    upper[i] = '\0';
    return cmd_distance(upper, acronym) <= (i >= 6 ? 2u : 1u) ||
           (strlen(acronym) >= 2 && strstr(upper, acronym) != NULL) ||
           (strlen(upper) >= 2 && strstr(acronym, upper) != NULL);
}

const struct field_ref *
show_find_field(const struct field_ref *refs, size_t n, const char *name,
                const char *label, struct err *err)
{
    size_t len = strlen(name), prefixed = 0;

    for (size_t i = 0; i < n; i++)
        if (len > 0 && strncasecmp(refs[i].acronym, name, len) == 0)
            prefixed++;
    /* Found, by a unique prefix, or ambiguous: field_find says which. */
    if (prefixed > 0)
        return field_find(refs, n, name, label, err);
    char close[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(close);
        if (show_name_close(name, refs[i].acronym))
            snprintf(close + used, sizeof close - used, "%s%s",
                     used ? ", " : "", refs[i].acronym);
    }
    if (close[0] != '\0') {
        err_usage(err, "%s has no field '%s'; did you mean %s?", label, name,
                  close);
        return NULL;
    }
    /* Nothing close: every name, as set says. */
    return field_find(refs, n, name, label, err);
}

static void
show_bytes(struct cmd_ctx *ctx, const struct show_values *sv)
{
    for (int pc = 0; pc < 4; pc++) {
        if (sv->page[pc] == NULL) {
            cmd_print(ctx, "%s values: -", mode_request_name(pc));
            continue;
        }
        char *hex = hex_format(sv->page[pc], sv->len[pc], 16);
        cmd_print(ctx, "%s values:", mode_request_name(pc));
        cmd_print_text(ctx, hex);
        free(hex);
    }
}

/* A table cell: long values (MCN, ISRC, vendor bytes) end in "..." so the
 * columns stay aligned; --json and explain give them whole. */
static void
show_cell(char *value, size_t width)
{
    if (strlen(value) > width)
        memcpy(value + width - 3, "...", 4);
}

/* A line per field: its values under each page control, and its unit. */
static void
show_table(struct cmd_ctx *ctx, const struct show_values *sv,
           const struct field_ref *refs, size_t n)
{
    cmd_print(ctx, "%-10s %-30s %-16s %-10s %-16s %-16s %s", "FIELD", "NAME",
              "CURRENT", "CHANGEABLE", "DEFAULT", "SAVED", "UNIT");
    for (size_t i = 0; i < n; i++) {
        char cur[160], def[160], sav[160], name[31];
        snprintf(name, sizeof name, "%s",
                 refs[i].fd->name ? refs[i].fd->name : "");
        show_value(sv, MODE_REQUEST_CURRENT, &refs[i], cur, sizeof cur);
        show_value(sv, MODE_REQUEST_DEFAULT, &refs[i], def, sizeof def);
        show_value(sv, MODE_REQUEST_SAVED, &refs[i], sav, sizeof sav);
        show_cell(cur, 16);
        show_cell(def, 16);
        show_cell(sav, 16);
        /* Values carry their unit; a value counting steps of more than
         * one unit says here how long a step is. */
        char unit[48] = "";
        if (refs[i].fd->scale > 1)
            unit_step(refs[i].fd, unit, sizeof unit);
        cmd_print(ctx, "%-10s %-30s %-16s %-10s %-16s %-16s %s",
                  refs[i].acronym, name, cur, show_changeable(sv, &refs[i]),
                  def, sav, unit);
    }
    for (int pc = 1; pc < 4; pc++)
        if (sv->why[pc][0] != '\0')
            cmd_print(ctx, "%s", sv->why[pc]);
}

void
show_page_print(struct cmd_ctx *ctx, const struct page_def *pd, uint8_t code,
                uint8_t subpage, const struct show_values *sv)
{
    char label[128];
    struct field_ref *refs = NULL;

    cmd_page_label(pd, code, subpage, label, sizeof label);
    cmd_print(ctx, "%s, %zu bytes, %s", label, sv->len[0],
              (sv->page[0][0] & MODE_PAGE_PS) ? "savable" : "not savable");
    if (pd == NULL) {
        cmd_print(ctx, "no definition for this page: showing bytes");
        show_bytes(ctx, sv);
        return;
    }
    size_t n = field_list(pd, sv->page[0], sv->len[0], &refs);
    show_table(ctx, sv, refs, n);
    free(refs);
}

static json_t *
show_fields_json(const struct show_values *sv, const struct field_ref *refs,
                 size_t n)
{
    json_t *list = json_array();
    static const char *const keys[4] = { "current", "changeable_bits",
                                         "default", "saved" };

    for (size_t i = 0; i < n; i++) {
        const struct field_def *fd = refs[i].fd;
        json_t *obj = json_object();
        char value[160];

        json_object_set_new(obj, "field", text_json(refs[i].acronym));
        json_object_set_new(obj, "name",
                            fd->name ? text_json(fd->name) : json_null());
        json_object_set_new(
            obj, "byte", json_integer((json_int_t)(refs[i].base + fd->byte)));
        json_object_set_new(obj, "bit", json_integer(fd->bit));
        json_object_set_new(obj, "width", json_integer(fd->width));
        json_object_set_new(obj, "kind",
                            json_string(field_kind_name(fd->kind)));
        for (int pc = 0; pc < 4; pc++) {
            if (pc == MODE_REQUEST_CHANGEABLE)
                continue;
            show_value(sv, pc, &refs[i], value, sizeof value);
            json_object_set_new(obj, keys[pc],
                                strcmp(value, "-") ? json_string(value)
                                                   : json_null());
        }
        json_object_set_new(obj, "changeable",
                            json_string(show_changeable(sv, &refs[i])));
        json_object_set_new(obj, "unit",
                            fd->unit ? text_json(fd->unit) : json_null());
        /* The current value as a number: 'value' in the unit (30000 ms),
         * 'raw' as the field holds it (300 steps of 100 ms). */
        const uint8_t *cur = sv->page[MODE_REQUEST_CURRENT];
        size_t cur_len = sv->len[MODE_REQUEST_CURRENT];
        bool numeric = fd->kind != FIELD_ASCII && fd->kind != FIELD_HEX &&
                       fd->width <= 64 && field_fits(fd, refs[i].base, cur_len);
        json_object_set_new(
            obj, "raw",
            numeric ? json_integer((json_int_t)field_get(cur, fd, refs[i].base))
                    : json_null());
        json_object_set_new(obj, "value",
                            numeric || field_fits(fd, refs[i].base, cur_len)
                                ? show_value_json(cur, cur_len, &refs[i])
                                : json_string("-"));
        json_object_set_new(
            obj, "scale",
            json_integer((json_int_t)(fd->scale ? fd->scale : 1)));
        json_array_append_new(list, obj);
    }
    return list;
}

json_t *
show_page_json(struct recorder *rec, const struct page_def *pd, uint8_t code,
               uint8_t subpage, const struct show_values *sv)
{
    json_t *obj = json_object();
    struct field_ref *refs = NULL;
    size_t n = pd ? field_list(pd, sv->page[0], sv->len[0], &refs) : 0;

    json_object_set_new(obj, "drive", text_json(recorder_name(rec)));
    json_object_set_new(obj, "page", json_integer(code));
    json_object_set_new(obj, "subpage", json_integer(subpage));
    json_object_set_new(obj, "name", pd ? text_json(pd->name) : json_null());
    json_object_set_new(obj, "length", json_integer((json_int_t)sv->len[0]));
    json_object_set_new(obj, "savable",
                        json_boolean(sv->page[0][0] & MODE_PAGE_PS));
    json_object_set_new(obj, "fields", show_fields_json(sv, refs, n));
    free(refs);
    return obj;
}
