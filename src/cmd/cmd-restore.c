/* restore DRIVE FILE: write back, page by page, the changeable bits of a
 * snapshot's values, verify them, and say what the drive did not take. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "engine/pagenames.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_restore_exec(struct cmd_ctx *ctx,
                                        const struct cmd_args *args);

static const struct cmd_option cmd_restore_options[] = {
    { "page", true, "PAGE[,PAGE...]", "only these pages", 0 },
    { "save", false, NULL,
      "also write the snapshot's saved values as the drive's saved values", 0 },
    { "dry-run", false, NULL, "show each change and MODE SELECT; send nothing",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_restore_entry = {
    .name = "restore",
    .args = "DRIVE FILE",
    .summary = "write a snapshot's values back to a drive, and verify them",
    .options = cmd_restore_options,
    .min_args = 2,
    .max_args = 2,
    .flags = CMD_MUTATES | CMD_DRIVE_ARG,
    .exec = cmd_restore_exec,
};

/* How the pages went, for the summary. */
struct restore_tally {
    size_t written, same, partly;
    char done[256]; /* "0x08 0x05", for a failure's message */
};

struct restore_page {
    struct recorder *drive, *file;
    const char *file_name;
    uint8_t code, subpage;
    const struct page_def *pd;
    char label[128];
    bool dry_run;
};

/* Bits the snapshot has other than the drive where the drive lets no
 * change, named by field where the page has a definition. */
static size_t
cmd_restore_locked(struct cmd_ctx *ctx, const struct restore_page *rp,
                   const uint8_t *now, const uint8_t *want, const uint8_t *chg,
                   size_t len, const char *which)
{
    uint8_t *locked = xmalloc(len), *loose;
    struct field_ref *refs;
    char have[160], snap[160];

    for (size_t k = 0; k < len; k++)
        locked[k] = (uint8_t)~chg[k];
    size_t n = edit_differences(rp->pd, now, want, locked, len, &refs, &loose);
    for (size_t i = 0; i < n; i++) {
        field_format(now, &refs[i], have, sizeof have);
        field_format(want, &refs[i], snap, sizeof snap);
        cmd_print(ctx,
                  "%s: %s: not changeable on this drive: stays %s (%s has "
                  "%s%s)",
                  rp->label, refs[i].acronym, have, rp->file_name, snap, which);
    }
    for (size_t k = 0; k < len; k++)
        if (loose[k]) {
            cmd_print(ctx,
                      "%s: byte %zu: not changeable on this drive: stays "
                      "0x%02x (%s has 0x%02x%s)",
                      rp->label, k, now[k], rp->file_name, want[k], which);
            n++;
        }
    free(loose);
    free(locked);
    free(refs);
    return n;
}

/* Bring the drive's 'rt' values (current, or saved through SP) to the
 * snapshot's 'src' values, as far as the drive lets them change. */
static enum cmd_status
cmd_restore_values(struct cmd_ctx *ctx, const struct restore_page *rp,
                   enum mode_request rt, enum mode_request src,
                   struct restore_tally *tally)
{
    uint8_t *now = NULL, *want = NULL, *chg = NULL, *page = NULL;
    size_t len = 0, want_len = 0, chg_len = 0;
    struct field_ref *refs = NULL;
    enum cmd_status status = CMD_OK;
    const char *which = rt == MODE_REQUEST_SAVED ? ", saved values" : "";
    struct err err;

    err_clear(&err);
    if (recorder_get_mode_page(rp->file, rp->code, rp->subpage, src, &want,
                               &want_len, &err) != 0 ||
        recorder_get_mode_page(rp->drive, rp->code, rp->subpage, rt, &now, &len,
                               &err) != 0)
        goto fail;
    if (len != want_len) {
        err_usage(&err,
                  "%s is %zu bytes on the drive and %zu in %s: it does not "
                  "fit this drive; nothing was sent for it",
                  rp->label, len, want_len, rp->file_name);
        goto fail;
    }
    if (recorder_get_mode_page(rp->drive, rp->code, rp->subpage,
                               MODE_REQUEST_CHANGEABLE, &chg, &chg_len,
                               &err) != 0 ||
        chg_len != len) {
        /* Without the mask every bit is offered, and the drive judges. */
        free(chg);
        chg = xmalloc(len);
        memset(chg, 0xff, len);
        cmd_warn(ctx,
                 "note: %s: the drive does not report which values are "
                 "changeable",
                 rp->label);
        err_clear(&err);
    }
    size_t hdr = (now[0] & MODE_PAGE_SPF) ? 4 : 2;
    page = xmalloc(len);
    memcpy(page, now, len);
    page[0] &= (uint8_t)~MODE_PAGE_PS;
    for (size_t k = hdr; k < len; k++)
        page[k] = (uint8_t)((now[k] & ~chg[k]) | (want[k] & chg[k]));
    size_t locked = cmd_restore_locked(ctx, rp, now, want, chg, len, which);
    if (memcmp(page + 1, now + 1, len - 1) == 0) {
        cmd_print(ctx, "%s: %s as in %s%s", rp->label,
                  locked ? "every changeable value already" : "already",
                  rp->file_name, which);
        if (locked)
            tally->partly++;
        else
            tally->same++;
        status = locked ? CMD_NOT_APPLIED : CMD_OK;
        goto out;
    }
    /* The saved values are reported against the current ones, which
     * edit_commit reads itself for a saving change. */
    uint8_t *current = NULL;
    size_t current_len = 0;
    if (rt == MODE_REQUEST_SAVED &&
        recorder_get_mode_page(rp->drive, rp->code, rp->subpage,
                               MODE_REQUEST_CURRENT, &current, &current_len,
                               &err) != 0)
        goto fail;
    const uint8_t *base = current ? current : now;
    size_t nrefs = rp->pd ? field_list(rp->pd, base, len, &refs) : 0;
    struct edit ed = {
        .rec = rp->drive,
        .pd = rp->pd,
        .label = rp->label,
        .rt = rt,
        .before = base,
        .page = page,
        .len = len,
        .refs = refs,
        .nrefs = nrefs,
        .opts = { .dry_run = rp->dry_run, .verify = true },
    };
    status = edit_commit(ctx, &ed);
    free(current);
    if (status == CMD_OK || status == CMD_NOT_APPLIED) {
        tally->written++;
        size_t used = strlen(tally->done);
        snprintf(tally->done + used, sizeof tally->done - used, "%s0x%02x",
                 used ? " " : "", rp->code);
    }
    if (status == CMD_OK && locked)
        status = CMD_NOT_APPLIED;
    if (status == CMD_NOT_APPLIED)
        tally->partly++;
    goto out;
fail:
    status = cmd_error(ctx, &err);
out:
    free(refs);
    free(page);
    free(chg);
    free(want);
    free(now);
    return status;
}

/* The pages of the --page list, each checked to be in the snapshot. */
static int
cmd_restore_list(const char *list, const struct mode_page_info *pages, size_t n,
                 const char *file, struct mode_page_info **wanted,
                 size_t *nwanted, struct err *err)
{
    char *copy = xstrdup(list), *save = NULL;
    int rc = 0;

    for (char *word = strtok_r(copy, ",", &save); word && rc == 0;
         word = strtok_r(NULL, ",", &save)) {
        uint8_t code, subpage;
        bool found = false;
        if ((rc = pagenames_parse(word, &code, &subpage, err)) != 0)
            break;
        for (size_t i = 0; i < n && !found; i++) {
            found = pages[i].code == code && pages[i].subpage == subpage;
            if (found) {
                *wanted = xrealloc(*wanted, (*nwanted + 1) * sizeof **wanted);
                (*wanted)[(*nwanted)++] = pages[i];
            }
        }
        if (!found)
            rc = err_usage(err, "--page %s: %s holds no such page", word, file);
    }
    free(copy);
    return rc;
}

static enum cmd_status
cmd_restore_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_restore_entry;
    const char *file = args->argv[1], *list = cmd_arg_value(self, args, "page");
    bool save = cmd_arg_flag(self, args, "save");
    struct mode_page_info *pages = NULL, *on_drive = NULL, *wanted = NULL;
    size_t npages = 0, ndrive = 0, nwanted = 0;
    struct restore_tally tally = { 0, 0, 0, "" };
    struct restore_page rp = {
        .file_name = file,
        .dry_run = cmd_arg_flag(self, args, "dry-run") || ctx->dry_run,
    };
    enum cmd_status status = CMD_OK;
    struct err err;

    err_clear(&err);
    size_t n = strlen(file);
    if (n <= 5 || strcmp(file + n - 5, ".json") != 0) {
        err_usage(&err,
                  "'%s': expected a snapshot file FILE.json (made by "
                  "'modecon snapshot DRIVE -o FILE.json')",
                  file);
        return cmd_error(ctx, &err);
    }
    if (cmd_open_drive(ctx, args->argv[0], &rp.drive, &err) != 0 ||
        cmd_open_drive_or_file(ctx, file, &rp.file, &err) != 0 ||
        recorder_get_supported_mode_pages(rp.file, MODE_REQUEST_CURRENT, &pages,
                                          &npages, &err) != 0 ||
        (list != NULL && cmd_restore_list(list, pages, npages, file, &wanted,
                                          &nwanted, &err) != 0) ||
        recorder_get_supported_mode_pages(rp.drive, MODE_REQUEST_CURRENT,
                                          &on_drive, &ndrive, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    /* With --save, three passes.  A drive that follows SPC-4 6.11 saves
     * every savable page's current values on any MODE SELECT with SP set,
     * so the current values of all pages become the snapshot's saved
     * values first; then each page is saved; then the current values
     * become the snapshot's current values. */
    static const struct {
        enum mode_request rt, src;
        const char *heading;
    } passes[3] = {
        { MODE_REQUEST_CURRENT, MODE_REQUEST_SAVED,
          "saved values, 1 of 3: the snapshot's saved values into the "
          "current values" },
        { MODE_REQUEST_SAVED, MODE_REQUEST_SAVED,
          "saved values, 2 of 3: saving them" },
        { MODE_REQUEST_CURRENT, MODE_REQUEST_CURRENT, "current values" },
    };
    /* Another model's snapshot may still fit page by page (the lengths
     * are checked); the user is told. */
    struct scsi_identity drive_id, file_id;
    if (recorder_inquiry(rp.drive, &drive_id, &err) == 0 &&
        recorder_inquiry(rp.file, &file_id, &err) == 0 &&
        (strcmp(drive_id.vendor, file_id.vendor) != 0 ||
         strcmp(drive_id.product, file_id.product) != 0))
        cmd_warn(ctx, "warning: %s is a snapshot of %s %s; %s is %s %s", file,
                 file_id.vendor, file_id.product, recorder_name(rp.drive),
                 drive_id.vendor, drive_id.product);
    err_clear(&err);
    for (int pass = save ? 0 : 2; pass < 3; pass++) {
        if (save)
            cmd_print(ctx, "-- %s", passes[pass].heading);
        /* Every page of the snapshot, or those of --page. */
        const struct mode_page_info *todo = list ? wanted : pages;
        size_t ntodo = list ? nwanted : npages;
        for (size_t i = 0; i < ntodo; i++) {
            bool present = false, savable = false;
            rp.code = todo[i].code;
            rp.subpage = todo[i].subpage;
            if (cmd_page_def(ctx, rp.drive, rp.code, rp.subpage, &rp.pd,
                             &err) != 0) {
                status = cmd_error(ctx, &err);
                goto out;
            }
            cmd_page_label(rp.pd, rp.code, rp.subpage, rp.label,
                           sizeof rp.label);
            for (size_t k = 0; k < ndrive; k++)
                if (on_drive[k].code == rp.code &&
                    on_drive[k].subpage == rp.subpage) {
                    present = true;
                    savable = on_drive[k].savable;
                }
            if (!present) {
                if (pass == 2) {
                    cmd_print(ctx,
                              "%s: the drive does not have it: not restored",
                              rp.label);
                    tally.partly++;
                    status = CMD_NOT_APPLIED;
                }
                continue;
            }
            if (pass < 2 && (!savable || !todo[i].savable)) {
                if (pass == 0)
                    cmd_print(ctx, "%s: %s", rp.label,
                              !savable ? "the drive cannot save it"
                                       : "the snapshot holds no saved "
                                         "values of it");
                continue;
            }
            enum cmd_status one = cmd_restore_values(ctx, &rp, passes[pass].rt,
                                                     passes[pass].src, &tally);
            if (one != CMD_OK && one != CMD_NOT_APPLIED) {
                cmd_warn(ctx,
                         "restore stopped at %s; pages written before it: "
                         "%s",
                         rp.label, tally.done[0] ? tally.done : "none");
                status = one;
                goto out;
            }
            if (one == CMD_NOT_APPLIED)
                status = CMD_NOT_APPLIED;
        }
    }
    cmd_print(ctx,
              "%s %zu page value set%s, %zu already as in %s, %zu not taken "
              "in full",
              rp.dry_run ? "would write" : "wrote", tally.written,
              tally.written == 1 ? "" : "s", tally.same, file, tally.partly);
out:
    free(wanted);
    free(pages);
    free(on_drive);
    return status;
}
