/* defaults DRIVE PAGE: put the drive's default values back into every
 * changeable field of a page. */
#include <stdlib.h>
#include <string.h>

#include "cmd/changes-saving.h"
#include "cmd/cmd.h"
#include "cmd/edit.h"

static enum cmd_status cmd_defaults_exec(struct cmd_ctx *ctx,
                                         const struct cmd_args *args);

static const struct cmd_option cmd_defaults_options[] = {
    { "save", false, NULL, "write the saved values too", 0 },
    { "dry-run", false, NULL, "print the CDB and parameter list; send nothing",
      0 },
    { "no-verify", false, NULL, "do not read the page back", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_defaults_entry = {
    .name = "defaults",
    .args = "DRIVE PAGE",
    .summary = "write the drive's default values into every changeable field",
    .options = cmd_defaults_options,
    .min_args = 2,
    .max_args = 2,
    .flags = CMD_MUTATES | CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .exec = cmd_defaults_exec,
};

/* The page's current, changeable and default values, of one length. */
static int
cmd_defaults_read(struct recorder *rec, uint8_t code, uint8_t subpage,
                  uint8_t *pages[3], size_t len[3], struct err *err)
{
    static const enum mode_request controls[3] = { MODE_REQUEST_CURRENT,
                                                   MODE_REQUEST_CHANGEABLE,
                                                   MODE_REQUEST_DEFAULT };

    for (int i = 0; i < 3; i++) {
        if (recorder_get_mode_page(rec, code, subpage, controls[i], &pages[i],
                                   &len[i], err) != 0) {
            if (i > 0 && err->hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE)
                err_prefix(err, "defaults needs the drive's changeable and "
                                "default values");
            return -1;
        }
    }
    if (len[1] != len[0] || len[2] != len[0])
        return err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                       "page 0x%02x: current, changeable and default values "
                       "differ in length (%zu, %zu, %zu bytes)",
                       code, len[0], len[1], len[2]);
    return 0;
}

/* Every changeable bit from the defaults, every other bit as it is (the
 * drive refuses a change to any other): into the current values,
 * pages[0]. */
static void
cmd_defaults_merge(uint8_t *pages[3], size_t len)
{
    uint8_t *page = pages[0];
    size_t hdr = mode_page_header_decode(page, len).header_len;

    for (size_t i = hdr; i < len; i++)
        page[i] =
            (uint8_t)((page[i] & ~pages[1][i]) | (pages[2][i] & pages[1][i]));
}

/* Send 'page' as 'set' sends an edit, against the current values read
 * again; a dry run of the current values shows what --save would add. */
static enum cmd_status
cmd_defaults_commit(struct cmd_ctx *ctx, const struct cmd_args *args,
                    struct recorder *rec, const struct page_def *pd,
                    uint8_t code, uint8_t subpage, uint8_t *page, size_t len)
{
    const struct cmd_entry *self = &cmd_defaults_entry;
    struct field_ref *refs = NULL;
    size_t nrefs = 0, before_len;
    uint8_t *before;
    char label[128];
    struct err err;

    err_clear(&err);
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT,
                               &before, &before_len, &err) != 0)
        return cmd_error(ctx, &err);
    cmd_page_label(pd, code, subpage, label, sizeof label);
    if (pd != NULL)
        nrefs = field_list(pd, before, len, &refs);
    struct edit ed = {
        .rec = rec,
        .pd = pd,
        .label = label,
        .rt = cmd_arg_flag(self, args, "save") ? MODE_REQUEST_SAVED
                                               : MODE_REQUEST_CURRENT,
        .before = before,
        .page = page,
        .len = len,
        .refs = refs,
        .nrefs = nrefs,
        .name_saving_others = true,
        .no_change = "every changeable field holds its default already",
        .opts = { .dry_run =
                      cmd_arg_flag(self, args, "dry-run") || ctx->dry_run,
                  .verify = !cmd_arg_flag(self, args, "no-verify") },
    };
    enum cmd_status status = edit_commit(ctx, &ed);
    if (status == CMD_OK && ed.opts.dry_run && ed.rt == MODE_REQUEST_CURRENT &&
        (before[0] & MODE_PAGE_PS))
        changes_preview_saving(ctx, rec, pd, label, page, len,
                               "defaults --save (s)");
    free(before);
    free(refs);
    return status;
}

static enum cmd_status
cmd_defaults_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct page_def *pd = NULL;
    uint8_t code, subpage, *pages[3] = { NULL, NULL, NULL };
    size_t len[3] = { 0, 0, 0 };
    struct recorder *rec;
    enum cmd_status status;
    struct err err;

    err_clear(&err);
    if (cmd_open_page(ctx, args->argv[0], args->argv[1], &rec, &code, &subpage,
                      &pd, &err) != 0)
        return cmd_error(ctx, &err);
    /* Held from the first read to the read-back: the values read are the
     * drive's until the MODE SELECT, so none is asked twice. */
    if (recorder_acquire_exclusive(rec, &err) != 0)
        return cmd_error(ctx, &err);
    if (cmd_defaults_read(rec, code, subpage, pages, len, &err) != 0) {
        status = cmd_error(ctx, &err);
    } else {
        cmd_defaults_merge(pages, len[0]);
        status = cmd_defaults_commit(ctx, args, rec, pd, code, subpage,
                                     pages[0], len[0]);
    }
    recorder_release_exclusive(rec);
    for (int i = 0; i < 3; i++)
        free(pages[i]);
    return status;
}
