/* pages DRIVE...: the mode pages each drive reports (GetSupportedModePages).
 * Several drives are asked at once, so a rack answers in about the time
 * of its slowest drive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"
#include "util/parallel.h"
#include "util/text.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_pages_exec(struct cmd_ctx *ctx,
                                      const struct cmd_args *args);

static const struct cmd_option cmd_pages_options[] = {
    { "type", true, "TYPE", "current (default), changeable, default, saved",
      0 },
    { "json", false, NULL, "print JSON", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_pages_entry = {
    .name = "pages",
    .args = "DRIVE...",
    .summary = "list the mode pages each drive supports",
    .options = cmd_pages_options,
    .min_args = 1,
    .max_args = 1024,
    .flags = CMD_DRIVE_ARG,
    .exec = cmd_pages_exec,
};

/* One drive's answer, filled by a scan thread. */
struct cmd_pages_drive {
    const char *uri;
    struct recorder *rec; /* kept open by the context, or opened by the scan */
    bool opened;          /* by the scan: the context is to keep it */
    struct mode_page_info *pages;
    size_t count;
    struct err err;
    bool ok;
};

struct cmd_pages_scan {
    struct cmd_pages_drive *drives;
    const struct recorder_options *opts;
    enum mode_request rt;
};

static void
cmd_pages_ask(void *arg, size_t i)
{
    struct cmd_pages_scan *scan = arg;
    struct cmd_pages_drive *d = &scan->drives[i];

    err_clear(&d->err);
    if (d->rec == NULL) {
        if (recorder_open(d->uri, scan->opts, &d->rec, &d->err) != 0)
            return;
        d->opened = true;
    }
    d->ok = recorder_get_supported_mode_pages(d->rec, scan->rt, &d->pages,
                                              &d->count, &d->err) == 0;
}

/* The definition of a page of this drive, which names it; or NULL. */
static const struct page_def *
cmd_pages_def(const struct pagedb *db, const struct cmd_pages_drive *d,
              const struct mode_page_info *pi)
{
    return pagenames_def(db, pi->code, pi->subpage,
                         recorder_known_identity(d->rec));
}

static json_t *
cmd_pages_json(const struct pagedb *db, const struct cmd_pages_drive *d,
               enum mode_request rt)
{
    json_t *list = json_array();

    for (size_t i = 0; i < d->count; i++) {
        const struct mode_page_info *pi = &d->pages[i];
        const struct page_def *pd = cmd_pages_def(db, d, pi);
        char word[64];
        json_t *obj = json_object();
        json_object_set_new(obj, "page", json_integer(pi->code));
        json_object_set_new(obj, "subpage", json_integer(pi->subpage));
        json_object_set_new(obj, "name",
                            pd ? text_json(pd->name) : json_null());
        if (pd != NULL)
            pagenames_word(pd->name, word, sizeof word);
        json_object_set_new(obj, "word", pd ? text_json(word) : json_null());
        json_object_set_new(obj, "imapi_name",
                            pd && pd->imapi ? text_json(pd->imapi)
                                            : json_null());
        json_object_set_new(obj, "length",
                            json_integer((json_int_t)pi->length));
        json_object_set_new(obj, "savable", json_boolean(pi->savable));
        json_array_append_new(list, obj);
    }
    json_t *obj = json_object();
    json_object_set_new(obj, "drive", text_json(recorder_name(d->rec)));
    json_object_set_new(obj, "type", json_string(mode_request_name(rt)));
    json_object_set_new(obj, "pages", list);
    return obj;
}

static void
cmd_pages_print(struct cmd_ctx *ctx, const struct pagedb *db,
                const struct cmd_pages_drive *d)
{
    int width = (int)strlen("NAME"); /* the longest name, whole */
    for (size_t i = 0; i < d->count; i++) {
        const struct page_def *pd = cmd_pages_def(db, d, &d->pages[i]);
        if (pd != NULL && (int)strlen(pd->name) > width)
            width = (int)strlen(pd->name);
    }
    cmd_print(ctx, "%-9s %-*s %6s  %s", "PAGE", width, "NAME", "LENGTH",
              "SAVABLE");
    for (size_t i = 0; i < d->count; i++) {
        const struct mode_page_info *pi = &d->pages[i];
        const struct page_def *pd = cmd_pages_def(db, d, pi);
        char code[PAGENAMES_CODE_LEN];

        pagenames_code(pi->code, pi->subpage, code);
        cmd_print(ctx, "%-9s %-*s %6zu  %s", code, width, pd ? pd->name : "-",
                  pi->length, pi->savable ? "yes" : "no");
    }
}

static enum cmd_status
cmd_pages_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_pages_entry;
    struct cmd_pages_scan scan;
    size_t count = 0;
    struct err err;
    enum cmd_status status = CMD_OK;
    bool json = cmd_arg_flag(self, args, "json");

    err_clear(&err);
    const struct pagedb *db = cmd_pagedb(ctx);
    if (cmd_request_type(self, args, &scan.rt, &err) != 0 ||
        cmd_open_trace(ctx, &err) != 0)
        return cmd_error(ctx, &err);

    /* Each drive once, as named; a drive the context holds is asked
     * through it, on the scan thread that alone uses it. */
    scan.drives = xcalloc((size_t)args->argc, sizeof *scan.drives);
    scan.opts = &ctx->recorder;
    for (int a = 0; a < args->argc; a++) {
        const char *uri = cmd_drive_uri(ctx, args->argv[a]);
        bool seen = false;
        /* A drive misspelt (a bad port, an unknown fault) is a usage
         * error, reported alone before any drive is asked, as list does. */
        if (transport_check_name(uri, &err) != 0) {
            free(scan.drives);
            return cmd_error(ctx, &err);
        }
        for (size_t i = 0; i < count; i++)
            seen = seen || strcmp(scan.drives[i].uri, uri) == 0;
        if (seen)
            continue;
        scan.drives[count].uri = uri;
        scan.drives[count].rec = cmd_kept_drive(ctx, uri);
        count++;
    }
    parallel_for(count, CMD_SCAN_PARALLEL, cmd_pages_ask, &scan);
    for (size_t i = 0; i < count; i++)
        if (scan.drives[i].opened)
            cmd_keep_drive(ctx, scan.drives[i].uri, scan.drives[i].rec);

    json_t *all = json_array();
    bool shown = false; /* a table is on the screen: the next needs a gap */
    for (size_t i = 0; i < count; i++) {
        struct cmd_pages_drive *d = &scan.drives[i];
        if (!d->ok) {
            /* One broken drive (missing, a bad file, gone) must not hide
             * the others; in JSON it is there, with its error. */
            status = cmd_drive_error(ctx, d->uri, &d->err, count == 1);
            if (json && count > 1)
                json_array_append_new(all,
                                      cmd_drive_error_json(d->uri, &d->err));
        } else if (json) {
            json_array_append_new(all, cmd_pages_json(db, d, scan.rt));
        } else {
            if (shown)
                cmd_print(ctx, "%s", "");
            if (count > 1)
                cmd_print(ctx, "%s:", recorder_name(d->rec));
            cmd_pages_print(ctx, db, d);
            shown = true;
        }
    }
    /* One drive keeps the form scripts know: its object, not a list. */
    if (json) {
        if (count == 1 && json_array_size(all) == 1)
            cmd_print_json(ctx, json_incref(json_array_get(all, 0)));
        else if (count > 1)
            cmd_print_json(ctx, json_incref(all));
    }
    json_decref(all);
    for (size_t i = 0; i < count; i++)
        free(scan.drives[i].pages);
    free(scan.drives);
    return status;
}
