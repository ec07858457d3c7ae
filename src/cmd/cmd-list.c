/* list: the drives modecon can reach, with identity and medium state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/errfmt.h"
#include "transport/transport.h"
#include "util/parallel.h"
#include "util/text.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_list_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_list_options[] = {
    { "json", false, NULL, "print JSON", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_list_entry = {
    .name = "list",
    .args = "[DRIVE|PORTAL...]",
    .summary = "list drives: identity and medium state (an iSCSI portal "
               "lists its LUNs)",
    .options = cmd_list_options,
    .min_args = 0,
    .max_args = 1024,
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

/* One drive's answers, filled by a scan thread. */
struct cmd_list_row {
    const char *uri;
    char name[256]; /* the URI without a password */
    bool ok;
    struct scsi_identity id;
    enum media_state state;
    int progress;
    struct err err;
    size_t order; /* where the arguments or the drive list put it */
};

struct cmd_list_scan {
    struct cmd_list_row *rows;
    const struct recorder_options *opts;
};

static void
cmd_list_identify(void *arg, size_t i)
{
    struct cmd_list_scan *scan = arg;
    struct cmd_list_row *row = &scan->rows[i];
    struct recorder *rec;

    err_clear(&row->err);
    /* Until the drive names itself: the URI without a password. */
    char *safe = transport_redact(row->uri);
    snprintf(row->name, sizeof row->name, "%s", safe);
    free(safe);
    if (recorder_open(row->uri, scan->opts, &rec, &row->err) != 0)
        return;
    snprintf(row->name, sizeof row->name, "%s", recorder_name(rec));
    row->ok =
        recorder_inquiry(rec, &row->id, &row->err) == 0 &&
        recorder_media_state(rec, &row->state, &row->progress, &row->err) == 0;
    recorder_free(rec);
}

/* MMC drives first (peripheral device type 5), then the others. */
static int
cmd_list_order(const void *a, const void *b)
{
    const struct cmd_list_row *x = a, *y = b;
    bool mx = x->ok && x->id.peripheral_type == 5;
    bool my = y->ok && y->id.peripheral_type == 5;

    if (mx != my)
        return mx ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The names SPC-4 6.6.2 gives the types other than MMC. */
static const char *
cmd_list_type_name(uint8_t type)
{
    static const char *const names[] = {
        [0x00] = "disk",
        [0x01] = "tape",
        [0x02] = "printer",
        [0x03] = "processor",
        [0x04] = "write-once",
        [0x05] = "cd/dvd",
        [0x06] = "scanner",
        [0x07] = "optical",
        [0x08] = "changer",
        [0x09] = "communications",
        [0x0c] = "array controller",
        [0x0d] = "enclosure",
        [0x0e] = "simplified disk",
        [0x0f] = "card reader",
        [0x11] = "object storage",
        [0x12] = "automation",
        [0x1e] = "well-known LU",
    };
    if (type < sizeof names / sizeof names[0] && names[type] != NULL)
        return names[type];
    return "other";
}

static void
cmd_list_print(struct cmd_ctx *ctx, const struct cmd_list_row *row, int width,
               json_t *list)
{
    char media[96];

    cmd_list_media(row->state, row->progress, media, sizeof media);
    if (row->id.peripheral_type != 5) {
        char note[64];
        snprintf(note, sizeof note, "not MMC: %s (type 0x%02x)",
                 cmd_list_type_name(row->id.peripheral_type),
                 row->id.peripheral_type);
        snprintf(media, sizeof media, "%s", note);
    }
    if (list == NULL) {
        /* Made visible here rather than only by the output, so that the
         * column is as wide as what is shown. */
        char *name = text_visible(row->name, false);
        cmd_print(ctx, "%-*s %-8s %-16s %-4s  %s", width, name, row->id.vendor,
                  row->id.product, row->id.revision, media);
        free(name);
        return;
    }
    json_t *obj = json_object();
    json_object_set_new(obj, "drive", text_json(row->name));
    json_object_set_new(obj, "transport",
                        json_string(transport_scheme(row->name)));
    json_object_set_new(obj, "vendor", json_string(row->id.vendor));
    json_object_set_new(obj, "product", json_string(row->id.product));
    json_object_set_new(obj, "revision", json_string(row->id.revision));
    json_object_set_new(obj, "peripheral_type",
                        json_integer(row->id.peripheral_type));
    json_object_set_new(obj, "medium",
                        json_string(media_state_name(row->state)));
    json_object_set_new(obj, "progress_percent",
                        row->progress >= 0 ? json_real(row->progress / 10.0)
                                           : json_null());
    json_array_append_new(list, obj);
}

static void
cmd_list_warn(void *data, const char *message)
{
    cmd_warn(data, "warning: %s", message);
}

/* The URIs to scan: the arguments' drives and portals' LUNs, else every
 * drive found. */
static int
cmd_list_uris(struct cmd_ctx *ctx, const struct cmd_args *args, char ***uris,
              size_t *count, struct err *err)
{
    if (args->argc == 0)
        return transport_list_drives(uris, count, err);
    *uris = NULL;
    *count = 0;
    for (int a = 0; a < args->argc; a++) {
        char **found;
        size_t n;
        if (transport_discover(args->argv[a], cmd_list_warn, ctx, &found, &n,
                               err) != 0) {
            transport_free_list(*uris, *count);
            return -1;
        }
        /* A drive named twice (or found behind two portals) once. */
        *uris = xrealloc(*uris, (*count + n + 1) * sizeof **uris);
        for (size_t f = 0; f < n; f++) {
            bool seen = false;
            for (size_t i = 0; i < *count && !seen; i++)
                seen = strcmp((*uris)[i], found[f]) == 0;
            if (seen)
                free(found[f]);
            else
                (*uris)[(*count)++] = found[f];
        }
        free(found);
    }
    return 0;
}

static enum cmd_status
cmd_list_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    bool json = cmd_arg_flag(&cmd_list_entry, args, "json");
    enum cmd_status status = CMD_OK;
    char **uris;
    size_t count;
    struct err err;

    err_clear(&err);
    if (cmd_open_trace(ctx, &err) != 0)
        return cmd_error(ctx, &err);
    if (cmd_list_uris(ctx, args, &uris, &count, &err) != 0)
        return cmd_error(ctx, &err);
    struct cmd_list_row *rows = xcalloc(count ? count : 1, sizeof *rows);
    for (size_t i = 0; i < count; i++) {
        rows[i].uri = uris[i];
        rows[i].order = i;
    }
    struct cmd_list_scan scan = { rows, &ctx->recorder };
    parallel_for(count, CMD_SCAN_PARALLEL, cmd_list_identify, &scan);
    qsort(rows, count, sizeof *rows, cmd_list_order);

    /* A drive argument misspelt (a bad port, an unknown fault) was
     * refused by cmd_list_uris alone, as a bad argument is.  A drive
     * that is missing, broken or gone is one failure among good drives:
     * named, and the others listed. */
    json_t *list = json ? json_array() : NULL;
    int width = 22; /* the DRIVE column fits the longest name */
    for (size_t i = 0; i < count; i++) {
        char *name = text_visible(rows[i].name, false);
        if (rows[i].ok && (int)strlen(name) > width)
            width = (int)strlen(name);
        free(name);
    }
    /* A drive named alone that failed has no table: its error says all. */
    bool alone_failed = args->argc == 1 && count == 1 && !rows[0].ok;
    if (!json && !alone_failed)
        cmd_print(ctx, "%-*s %-8s %-16s %-4s  %s", width, "DRIVE", "VENDOR",
                  "PRODUCT", "REV", "MEDIUM");
    for (size_t i = 0; i < count; i++) {
        if (!rows[i].ok) {
            /* One broken drive must not hide the others; in JSON it is
             * there, with its error. */
            status =
                cmd_drive_error(ctx, rows[i].name, &rows[i].err, alone_failed);
            if (list != NULL)
                json_array_append_new(
                    list, cmd_drive_error_json(rows[i].name, &rows[i].err));
            continue;
        }
        cmd_list_print(ctx, &rows[i], width, list);
    }
    free(rows);
    transport_free_list(uris, count);
    if (json)
        cmd_print_json(ctx, list);
    return status;
}
