/* show DRIVE PAGE: the page's fields with current, changeable, default and
 * saved values side by side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/unit.h"
#include "util/hex.h"
#include "util/text.h"

static enum cmd_status cmd_show_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_show_options[] = {
    { "json", false, NULL, "print JSON", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_show_entry = {
    .name = "show",
    .args = "DRIVE PAGE",
    .summary = "show a page field by field: current, changeable, default, "
               "saved",
    .options = cmd_show_options,
    .min_args = 2,
    .max_args = 2,
    .flags = CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .exec = cmd_show_exec,
};

/* The page under each page control; a control the drive does not answer
 * for is NULL, with why in 'why'. */
struct show_values {
    uint8_t *page[4];
    size_t len[4];
    char why[4][160];
};

static const char *
cmd_show_changeable(const struct show_values *sv, const struct field_ref *ref)
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

static void
cmd_show_value(const struct show_values *sv, int pc,
               const struct field_ref *ref, char *buf, size_t len)
{
    if (sv->page[pc] == NULL || !field_fits(ref->fd, ref->base, sv->len[pc]))
        snprintf(buf, len, "-");
    else
        field_format(sv->page[pc], ref, buf, len);
}

/* A table cell: long values (MCN, ISRC, vendor bytes) end in "..." so the
 * columns stay aligned; --json and explain give them whole. */
static void
cmd_show_cell(char *value, size_t width)
{
    if (strlen(value) > width)
        memcpy(value + width - 3, "...", 4);
}

static void
cmd_show_bytes(struct cmd_ctx *ctx, const struct show_values *sv)
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

static json_t *
cmd_show_json(const struct show_values *sv, const struct field_ref *refs,
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
            cmd_show_value(sv, pc, &refs[i], value, sizeof value);
            json_object_set_new(obj, keys[pc],
                                strcmp(value, "-") ? json_string(value)
                                                   : json_null());
        }
        json_object_set_new(obj, "changeable",
                            json_string(cmd_show_changeable(sv, &refs[i])));
        json_object_set_new(obj, "unit",
                            fd->unit ? text_json(fd->unit) : json_null());
        /* The current value as a number: 'value' in the unit (30000 ms),
         * 'raw' as the field holds it (300 steps of 100 ms). */
        if (fd->kind != FIELD_ASCII && fd->kind != FIELD_HEX &&
            fd->width <= 64 &&
            field_fits(fd, refs[i].base, sv->len[MODE_REQUEST_CURRENT])) {
            uint64_t raw =
                field_get(sv->page[MODE_REQUEST_CURRENT], fd, refs[i].base);
            uint64_t scale = fd->scale ? fd->scale : 1, in_unit;
            json_object_set_new(obj, "raw", json_integer((json_int_t)raw));
            json_object_set_new(obj, "value",
                                __builtin_mul_overflow(raw, scale, &in_unit) ||
                                        in_unit > INT64_MAX
                                    ? json_null()
                                    : json_integer((json_int_t)in_unit));
        } else {
            cmd_show_value(sv, MODE_REQUEST_CURRENT, &refs[i], value,
                           sizeof value);
            json_object_set_new(obj, "raw", json_null());
            json_object_set_new(obj, "value", json_string(value));
        }
        json_object_set_new(
            obj, "scale",
            json_integer((json_int_t)(fd->scale ? fd->scale : 1)));
        json_array_append_new(list, obj);
    }
    return list;
}

/* The other page controls' values, shown when the drive answers them; a
 * drive without saved values is not an error here. */
static int
cmd_show_read_others(struct recorder *rec, uint8_t code, uint8_t subpage,
                     struct show_values *sv, struct err *err)
{
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

/* show --json: the page and its fields as one object. */
static void
cmd_show_print_json(struct cmd_ctx *ctx, struct recorder *rec,
                    const struct page_def *pd, uint8_t code, uint8_t subpage,
                    const struct show_values *sv, const struct field_ref *refs,
                    size_t n)
{
    json_t *obj = json_object();

    json_object_set_new(obj, "drive", text_json(recorder_name(rec)));
    json_object_set_new(obj, "page", json_integer(code));
    json_object_set_new(obj, "subpage", json_integer(subpage));
    json_object_set_new(obj, "name", pd ? text_json(pd->name) : json_null());
    json_object_set_new(obj, "length", json_integer((json_int_t)sv->len[0]));
    json_object_set_new(obj, "savable",
                        json_boolean(sv->page[0][0] & MODE_PAGE_PS));
    json_object_set_new(obj, "fields", cmd_show_json(sv, refs, n));
    cmd_print_json(ctx, obj);
}

/* A line per field: its values under each page control, and its unit. */
static void
cmd_show_table(struct cmd_ctx *ctx, const struct show_values *sv,
               const struct field_ref *refs, size_t n)
{
    cmd_print(ctx, "%-10s %-30s %-16s %-10s %-16s %-16s %s", "FIELD", "NAME",
              "CURRENT", "CHANGEABLE", "DEFAULT", "SAVED", "UNIT");
    for (size_t i = 0; i < n; i++) {
        char cur[160], def[160], sav[160], name[31];
        snprintf(name, sizeof name, "%s",
                 refs[i].fd->name ? refs[i].fd->name : "");
        cmd_show_value(sv, MODE_REQUEST_CURRENT, &refs[i], cur, sizeof cur);
        cmd_show_value(sv, MODE_REQUEST_DEFAULT, &refs[i], def, sizeof def);
        cmd_show_value(sv, MODE_REQUEST_SAVED, &refs[i], sav, sizeof sav);
        cmd_show_cell(cur, 16);
        cmd_show_cell(def, 16);
        cmd_show_cell(sav, 16);
        /* Values carry their unit; a value counting steps of more than
         * one unit says here how long a step is. */
        char unit[48] = "";
        if (refs[i].fd->scale > 1)
            unit_step(refs[i].fd, unit, sizeof unit);
        cmd_print(ctx, "%-10s %-30s %-16s %-10s %-16s %-16s %s",
                  refs[i].acronym, name, cur, cmd_show_changeable(sv, &refs[i]),
                  def, sav, unit);
    }
    for (int pc = 1; pc < 4; pc++)
        if (sv->why[pc][0] != '\0')
            cmd_print(ctx, "%s", sv->why[pc]);
}

static enum cmd_status
cmd_show_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    bool json = cmd_arg_flag(&cmd_show_entry, args, "json");
    const struct page_def *pd = NULL;
    struct show_values sv;
    struct field_ref *refs = NULL;
    struct recorder *rec;
    uint8_t code, subpage;
    enum cmd_status status = CMD_OK;
    struct err err;
    char label[128];

    memset(&sv, 0, sizeof sv);
    err_clear(&err);
    if (cmd_open_page(ctx, args->argv[0], args->argv[1], &rec, &code, &subpage,
                      &pd, &err) != 0 ||
        recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT,
                               &sv.page[0], &sv.len[0], &err) != 0)
        return cmd_error(ctx, &err);
    if (cmd_show_read_others(rec, code, subpage, &sv, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    cmd_page_label(pd, code, subpage, label, sizeof label);
    size_t n = pd ? field_list(pd, sv.page[0], sv.len[0], &refs) : 0;
    if (json) {
        cmd_show_print_json(ctx, rec, pd, code, subpage, &sv, refs, n);
        goto out;
    }
    cmd_print(ctx, "%s, %zu bytes, %s", label, sv.len[0],
              (sv.page[0][0] & MODE_PAGE_PS) ? "savable" : "not savable");
    if (pd == NULL) {
        cmd_print(ctx, "no definition for this page: showing bytes");
        cmd_show_bytes(ctx, &sv);
        goto out;
    }
    cmd_show_table(ctx, &sv, refs, n);
out:
    free(refs);
    for (int pc = 0; pc < 4; pc++)
        free(sv.page[pc]);
    return status;
}
