/* pages DRIVE: the mode pages a drive reports (GetSupportedModePages). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"

static enum cmd_status cmd_pages_exec(struct cmd_ctx *ctx,
                                      const struct cmd_args *args);

static const struct cmd_option cmd_pages_options[] = {
    { "type", true, "TYPE", "current (default), changeable, default, saved" },
    { "json", false, NULL, "print JSON" },
    { NULL, false, NULL, NULL },
};

const struct cmd_entry cmd_pages_entry = {
    .name = "pages",
    .args = "DRIVE",
    .summary = "list the mode pages a drive supports",
    .options = cmd_pages_options,
    .min_args = 1,
    .max_args = 1,
    .flags = CMD_DRIVE_ARG,
    .exec = cmd_pages_exec,
};

static enum cmd_status
cmd_pages_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_pages_entry;
    struct mode_page_info *pages = NULL;
    struct recorder *rec = NULL;
    enum mode_request rt;
    size_t count = 0;
    struct err err;
    enum cmd_status status = CMD_OK;
    bool json = cmd_arg_flag(self, args, "json");

    err_clear(&err);
    if (cmd_request_type(self, args, &rt, &err) != 0 ||
        cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        recorder_get_supported_mode_pages(rec, rt, &pages, &count, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    json_t *list = json_array();
    if (!json)
        cmd_print(ctx, "%-9s %-26s %6s  %s", "PAGE", "NAME", "LENGTH",
                  "SAVABLE");
    for (size_t i = 0; i < count; i++) {
        const struct mode_page_info *pi = &pages[i];
        const struct page_name *pn = pagenames_find(pi->code);
        char code[16];

        if (pi->subpage != 0)
            snprintf(code, sizeof code, "0x%02x,0x%02x", pi->code, pi->subpage);
        else
            snprintf(code, sizeof code, "0x%02x", pi->code);
        if (json) {
            json_t *obj = json_object();
            json_object_set_new(obj, "page", json_integer(pi->code));
            json_object_set_new(obj, "subpage", json_integer(pi->subpage));
            json_object_set_new(obj, "name",
                                pn ? json_string(pn->name) : json_null());
            json_object_set_new(obj, "imapi_name",
                                pn && pn->imapi_name
                                    ? json_string(pn->imapi_name)
                                    : json_null());
            json_object_set_new(obj, "length",
                                json_integer((json_int_t)pi->length));
            json_object_set_new(obj, "savable", json_boolean(pi->savable));
            json_array_append_new(list, obj);
        } else {
            cmd_print(ctx, "%-9s %-26s %6zu  %s", code, pn ? pn->name : "-",
                      pi->length, pi->savable ? "yes" : "no");
        }
    }
    if (json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "drive", json_string(recorder_name(rec)));
        json_object_set_new(obj, "type", json_string(mode_request_name(rt)));
        json_object_set_new(obj, "pages", list);
        cmd_print_json(ctx, obj);
    } else {
        json_decref(list);
    }
out:
    free(pages);
    return status;
}
