/*
 * show DRIVE PAGE: the page's fields with current, changeable, default and
 * saved values side by side.  show DRIVE --all: every page the drive
 * reports, each so.  show PAGE FIELD... --drive A --drive B: the fields
 * across drives (show-drives.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "transport/transport.h"
#include "util/text.h"

static enum cmd_status cmd_show_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_show_options[] = {
    { "json", false, NULL, "print JSON", 0 },
    { "all", false, NULL, "every page the drive reports (show DRIVE --all)",
      0 },
    { "drive", true, "DRIVE",
      "compare the FIELDs across drives: one row per drive (repeatable)", 0 },
    { "all-drives", false, NULL,
      "compare the FIELDs across every drive list finds", 0 },
    { "reference", true, "SNAPSHOT",
      "mark the values that differ from this snapshot file's (default: "
      "from the first drive's)",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_show_entry = {
    .name = "show",
    .args = "DRIVE PAGE | DRIVE --all | PAGE FIELD...",
    .summary = "show a page field by field: current, changeable, default, "
               "saved; every page (--all); fields across drives (--drive)",
    .options = cmd_show_options,
    .min_args = 1,
    .max_args = 1024,
    .flags = CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .repeatable = "drive",
    .exec = cmd_show_exec,
};

static enum cmd_status cmd_show_usage(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum cmd_status
cmd_show_usage(struct cmd_ctx *ctx, const char *fmt, ...)
{
    struct err err;
    char text[sizeof err.msg];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    err_clear(&err);
    err_usage(&err, "%s", text);
    return cmd_error(ctx, &err);
}

/* One page of the drive, read under every page control, printed or added
 * to 'list' (--json). */
static int
cmd_show_one(struct cmd_ctx *ctx, struct recorder *rec, uint8_t code,
             uint8_t subpage, json_t *list, struct err *err)
{
    const struct page_def *pd = NULL;
    struct show_values sv;

    if (cmd_page_def(ctx, rec, code, subpage, &pd, err) != 0 ||
        show_read_values(rec, code, subpage, &sv, err) != 0) {
        show_values_free(&sv);
        return -1;
    }
    if (list != NULL)
        json_array_append_new(list,
                              show_page_json(rec, pd, code, subpage, &sv));
    else
        show_page_print(ctx, pd, code, subpage, &sv);
    show_values_free(&sv);
    return 0;
}

/* show DRIVE --all: every page the drive reports for its current values,
 * as show DRIVE PAGE shows each, a blank line between.  A page that
 * cannot be read is named and the others still shown. */
static enum cmd_status
cmd_show_all(struct cmd_ctx *ctx, const char *drive, bool json)
{
    struct recorder *rec;
    struct mode_page_info *infos = NULL, *masks = NULL;
    size_t ninfos = 0, nmasks = 0;
    enum cmd_status status = CMD_OK;
    struct err err;

    err_clear(&err);
    if (cmd_open_drive(ctx, drive, &rec, &err) != 0)
        return cmd_error(ctx, &err);
    recorder_begin_read_pass(rec);
    if (recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT, &infos,
                                          &ninfos, &err) != 0) {
        recorder_end_read_pass(rec);
        return cmd_error(ctx, &err);
    }
    /* Every page's values under each page control in one answer where
     * the drive gives page 3Fh, kept for the pages below by the read
     * pass.  A drive that refuses page 3Fh would be probed page by page
     * once more: each page asks for its own.  A drive that has none is
     * no error here: each page says so. */
    for (int pc = MODE_REQUEST_CHANGEABLE;
         pc <= MODE_REQUEST_SAVED && !recorder_refuses_all_pages(rec); pc++) {
        struct err ignored;
        err_clear(&ignored);
        if (recorder_get_supported_mode_pages(rec, pc, &masks, &nmasks,
                                              &ignored) == 0)
            free(masks);
    }
    json_t *list = json ? json_array() : NULL;
    for (size_t i = 0; i < ninfos; i++) {
        if (!json && i > 0)
            cmd_print(ctx, "%s", "");
        err_clear(&err);
        if (cmd_show_one(ctx, rec, infos[i].code, infos[i].subpage, list,
                         &err) == 0)
            continue;
        status = cmd_error(ctx, &err);
        if (list != NULL) {
            json_t *failed = cmd_drive_error_json(recorder_name(rec), &err);
            json_object_set_new(failed, "page", json_integer(infos[i].code));
            json_object_set_new(failed, "subpage",
                                json_integer(infos[i].subpage));
            json_array_append_new(list, failed);
        }
    }
    recorder_end_read_pass(rec);
    if (json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "drive", text_json(recorder_name(rec)));
        json_object_set_new(doc, "pages", list);
        cmd_print_json(ctx, doc);
    }
    free(infos);
    return status;
}

/* The arguments of the comparison: PAGE FIELD..., without the drive and
 * page the session selected, which the parser put in front of them (a
 * drive named there is refused: the drives are --drive's). */
static enum cmd_status
cmd_show_compare(struct cmd_ctx *ctx, const struct cmd_args *args, bool json)
{
    const struct cmd_entry *self = &cmd_show_entry;
    struct show_compare cmp = { .json = json };
    char **listed = NULL;
    size_t nlisted = 0;
    int ndrives, first = 0;
    struct err err;

    err_clear(&err);
    /* No one drive runs: a front end labels no line with one. */
    ctx->running_drive = NULL;
    cmp.drives = cmd_arg_values(self, args, "drive", &ndrives);
    cmp.ndrives = (size_t)ndrives;
    cmp.reference = cmd_arg_value(self, args, "reference");
    if (args->argc > 0 && args->argv[0] == ctx->selected_drive)
        first = 1; /* the selection, not the user's word */
    else if (args->argc > 0 && transport_uri_known(args->argv[0]))
        return cmd_show_usage(ctx,
                              "show: with --drive or --all-drives "
                              "the drives are theirs; name PAGE "
                              "FIELD..., not %s",
                              args->argv[0]);
    if (ndrives > 0 && cmd_arg_flag(self, args, "all-drives"))
        return cmd_show_usage(ctx, "show: --drive or --all-drives, "
                                   "not both");
    if (args->argc - first < 2)
        return cmd_show_usage(ctx, "show: name a PAGE and the FIELDs "
                                   "to compare across drives");
    cmp.page = args->argv[first];
    cmp.fields = (const char *const *)&args->argv[first + 1];
    cmp.nfields = (size_t)(args->argc - first - 1);
    if (cmd_arg_flag(self, args, "all-drives")) {
        if (transport_list_drives(&listed, &nlisted, &err) != 0)
            return cmd_error(ctx, &err);
        cmp.drives = (const char *const *)listed;
        cmp.ndrives = nlisted;
    }
    enum cmd_status status = show_compare(ctx, &cmp);
    transport_free_list(listed, nlisted);
    return status;
}

static enum cmd_status
cmd_show_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_show_entry;
    bool json = cmd_arg_flag(self, args, "json");
    int ndrives;
    struct err err;

    err_clear(&err);
    cmd_arg_values(self, args, "drive", &ndrives);
    bool compare = ndrives > 0 || cmd_arg_flag(self, args, "all-drives");
    if (compare && cmd_arg_flag(self, args, "all"))
        return cmd_show_usage(ctx, "show: --all shows one drive's "
                                   "pages; with --drive, name the "
                                   "FIELDs to compare");
    if (compare)
        return cmd_show_compare(ctx, args, json);
    if (cmd_arg_value(self, args, "reference") != NULL)
        return cmd_show_usage(ctx, "show: --reference compares drives: "
                                   "name them with --drive or "
                                   "--all-drives");
    if (cmd_arg_flag(self, args, "all")) {
        /* The page the session selected, put there by the parser, is no
         * page asked for. */
        int argc = args->argc;
        if (argc == 2 && args->argv[1] == ctx->selected_page)
            argc = 1;
        if (argc != 1)
            return cmd_show_usage(ctx, "show: --all shows every page: "
                                       "name the DRIVE alone");
        return cmd_show_all(ctx, args->argv[0], json);
    }
    if (args->argc != 2) {
        char *usage = cmd_usage(self);
        err_usage(&err, "show: expected DRIVE PAGE%s\n%s",
                  args->argc > 2 ? ", got more (FIELDs go with --drive)"
                  : ctx->selected_page == NULL
                      ? " (or select a page with 'page PAGE')"
                      : "",
                  usage);
        free(usage);
        return cmd_error(ctx, &err);
    }

    const struct page_def *pd = NULL;
    struct show_values sv;
    struct recorder *rec;
    uint8_t code, subpage;
    enum cmd_status status = CMD_OK;

    memset(&sv, 0, sizeof sv);
    if (cmd_open_page(ctx, args->argv[0], args->argv[1], &rec, &code, &subpage,
                      &pd, &err) != 0 ||
        show_read_values(rec, code, subpage, &sv, &err) != 0)
        status = cmd_error(ctx, &err);
    else if (json)
        cmd_print_json(ctx, show_page_json(rec, pd, code, subpage, &sv));
    else
        show_page_print(ctx, pd, code, subpage, &sv);
    show_values_free(&sv);
    return status;
}
