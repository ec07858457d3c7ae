/* list: the drives modecon can reach, with identity and medium state. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "engine/errfmt.h"

static enum cmd_status cmd_list_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_list_options[] = {
    { "json", false, NULL, "print JSON" },
    { NULL, false, NULL, NULL },
};

const struct cmd_entry cmd_list_entry = {
    .name = "list",
    .args = "",
    .summary = "list drives: identity and medium state",
    .options = cmd_list_options,
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_list_exec,
};

static void
cmd_list_media(enum media_state state, int progress, char *buf, size_t len)
{
    if (progress >= 0)
        snprintf(buf, len, "%s %d%%", media_state_name(state), progress / 10);
    else
        snprintf(buf, len, "%s", media_state_name(state));
}

static enum cmd_status
cmd_list_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    bool json = cmd_arg_flag(&cmd_list_entry, args, "json");
    enum cmd_status status = CMD_OK;
    json_t *list = json_array();
    char **uris;
    size_t count;
    struct err err;

    err_clear(&err);
    if (transport_list_drives(&uris, &count, &err) != 0) {
        json_decref(list);
        return cmd_error(ctx, &err);
    }
    if (!json)
        cmd_print(ctx, "%-22s %-8s %-16s %-4s  %s", "DRIVE", "VENDOR",
                  "PRODUCT", "REV", "MEDIUM");
    for (size_t i = 0; i < count; i++) {
        struct recorder *rec = NULL;
        struct scsi_identity id;
        enum media_state state;
        char media[48];
        int progress;

        err_clear(&err);
        if (cmd_open_drive(ctx, uris[i], &rec, &err) != 0 ||
            recorder_inquiry(rec, &id, &err) != 0 ||
            recorder_media_state(rec, &state, &progress, &err) != 0) {
            /* One broken drive must not hide the others. */
            cmd_error(ctx, &err);
            status = CMD_FAILED;
            continue;
        }
        cmd_list_media(state, progress, media, sizeof media);
        if (json) {
            json_t *obj = json_object();
            json_object_set_new(obj, "drive", json_string(uris[i]));
            json_object_set_new(obj, "transport", json_string("emulated"));
            json_object_set_new(obj, "vendor", json_string(id.vendor));
            json_object_set_new(obj, "product", json_string(id.product));
            json_object_set_new(obj, "revision", json_string(id.revision));
            json_object_set_new(obj, "peripheral_type",
                                json_integer(id.peripheral_type));
            json_object_set_new(obj, "medium",
                                json_string(media_state_name(state)));
            json_object_set_new(obj, "progress_percent",
                                progress >= 0 ? json_real(progress / 10.0)
                                              : json_null());
            json_array_append_new(list, obj);
        } else {
            cmd_print(ctx, "%-22s %-8s %-16s %-4s  %s", uris[i], id.vendor,
                      id.product, id.revision, media);
        }
    }
    transport_free_list(uris, count);
    if (json)
        cmd_print_json(ctx, list);
    else
        json_decref(list);
    return status;
}
