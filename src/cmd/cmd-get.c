/* get DRIVE PAGE: the page's bytes as the drive holds them (GetModePage). */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"
#include "util/hex.h"
#include "util/text.h"

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
    .args = "DRIVE PAGE",
    .summary = "print a mode page in hex, without header (GetModePage)",
    .options = cmd_get_options,
    .min_args = 2,
    .max_args = 2,
    .flags = CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .exec = cmd_get_exec,
};

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
    if (pagenames_parse(cmd_pagedb(ctx), args->argv[1], &code, &subpage,
                        &err) != 0 ||
        cmd_request_type(self, args, &rt, &err) != 0 ||
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
