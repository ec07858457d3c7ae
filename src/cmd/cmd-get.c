/*
 * get DRIVE PAGE: the page's bytes as the drive holds them (GetModePage).
 * get DRIVE PAGE FIELD...: just those fields' values, one a line, in the
 * order asked, for scripts.
 */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "engine/pagenames.h"
#include "util/hex.h"
#include "util/text.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_get_exec(struct cmd_ctx *ctx,
                                    const struct cmd_args *args);

static const struct cmd_option cmd_get_options[] = {
    { "type", true, "TYPE", "current (default), changeable, default, saved",
      0 },
    { "json", false, NULL, "print JSON", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_get_entry = {
    .name = "get",
    .args = "DRIVE PAGE [FIELD...]",
    .summary = "print a mode page in hex, without header (GetModePage), or "
               "the values of its FIELDs, one a line",
    .options = cmd_get_options,
    .min_args = 2,
    .max_args = 1024,
    .flags = CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .exec = cmd_get_exec,
};

/* The fields' values, as show prints them (changeable: whether the drive
 * lets each change), once every name is known: a name misspelt prints
 * nothing, so that a script never reads a shorter list. */
static enum cmd_status
cmd_get_fields(struct cmd_ctx *ctx, const struct cmd_args *args,
               enum mode_request rt, struct err *err)
{
    const struct page_def *pd = NULL;
    struct recorder *rec;
    struct field_ref *refs = NULL;
    uint8_t code, subpage, *page = NULL, *listing = NULL;
    size_t len, listing_len; /* listing: the values that list the fields */
    char label[128];
    enum cmd_status status = CMD_OK;
    int nfields = args->argc - 2;
    const struct field_ref **found = xcalloc((size_t)nfields, sizeof *found);

    if (cmd_open_page(ctx, args->argv[0], args->argv[1], &rec, &code, &subpage,
                      &pd, err) != 0)
        goto failed;
    cmd_page_label(pd, code, subpage, label, sizeof label);
    if (pd == NULL) {
        err_usage(err,
                  "%s has no definition: its fields have no names ('get "
                  "%s %s' prints its bytes)",
                  label, args->argv[0], args->argv[1]);
        goto failed;
    }
    /* The fields are those of the values asked for, where a repeat
     * group's count is read; a changeable page holds a mask, not a
     * count: the current values tell its fields. */
    enum mode_request listed =
        rt == MODE_REQUEST_CHANGEABLE ? MODE_REQUEST_CURRENT : rt;
    if (recorder_get_mode_page(rec, code, subpage, listed, &listing,
                               &listing_len, err) != 0)
        goto failed;
    size_t nrefs = field_list(pd, listing, listing_len, &refs);
    for (int f = 0; f < nfields; f++) {
        found[f] = show_find_field(refs, nrefs, args->argv[2 + f], label, err);
        if (found[f] == NULL)
            goto failed;
    }
    if (rt == listed) {
        page = listing;
        len = listing_len;
        listing = NULL;
    } else if (recorder_get_mode_page(rec, code, subpage, rt, &page, &len,
                                      err) != 0) {
        goto failed;
    }
    struct show_values sv = { .page = { [0] = NULL } };
    sv.page[rt] = page;
    sv.len[rt] = len;
    json_t *obj =
        cmd_arg_flag(&cmd_get_entry, args, "json") ? json_object() : NULL;
    for (int f = 0; f < nfields; f++) {
        char value[160];
        if (rt == MODE_REQUEST_CHANGEABLE)
            snprintf(value, sizeof value, "%s", show_changeable(&sv, found[f]));
        else
            show_value(&sv, rt, found[f], value, sizeof value);
        if (obj == NULL)
            cmd_print(ctx, "%s", value);
        else
            json_object_set_new(obj, found[f]->acronym,
                                rt == MODE_REQUEST_CHANGEABLE
                                    ? json_string(value)
                                    : show_value_json(page, len, found[f]));
    }
    if (obj != NULL)
        cmd_print_json(ctx, obj);
    goto out;
failed:
    status = cmd_error(ctx, err);
out:
    free(found);
    free(refs);
    free(page);
    free(listing);
    return status;
}

static enum cmd_status
cmd_get_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_get_entry;
    struct recorder *rec = NULL;
    enum mode_request rt;
    uint8_t code, subpage, *page = NULL;
    size_t len;
    struct err err;
    enum cmd_status status = CMD_OK;

    err_clear(&err);
    if (cmd_request_type(self, args, &rt, &err) != 0)
        return cmd_error(ctx, &err);
    if (args->argc > 2)
        return cmd_get_fields(ctx, args, rt, &err);
    if (pagenames_parse(cmd_pagedb(ctx), args->argv[1], &code, &subpage,
                        &err) != 0 ||
        cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        recorder_get_mode_page(rec, code, subpage, rt, &page, &len, &err) !=
            0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    char *hex =
        hex_format(page, len, cmd_arg_flag(self, args, "json") ? 0 : 16);
    if (cmd_arg_flag(self, args, "json")) {
        json_t *obj = json_object();
        json_object_set_new(obj, "drive", text_json(recorder_name(rec)));
        json_object_set_new(obj, "page", json_integer(code));
        json_object_set_new(obj, "subpage", json_integer(subpage));
        json_object_set_new(obj, "type", json_string(mode_request_name(rt)));
        json_object_set_new(obj, "savable",
                            json_boolean(page[0] & MODE_PAGE_PS));
        json_object_set_new(obj, "length", json_integer((json_int_t)len));
        json_object_set_new(obj, "data", json_string(hex));
        cmd_print_json(ctx, obj);
    } else {
        cmd_print_text(ctx, hex);
    }
    free(hex);
out:
    free(page);
    return status;
}
