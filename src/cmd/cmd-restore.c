/* restore DRIVE FILE: write back, page by page, the changeable bits of a
 * snapshot's values, verify them, and say what the drive did not take. */
#include <stdlib.h>
#include <string.h>

#include "cmd/apply.h"
#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "engine/pagenames.h"
#include "util/paths.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_restore_exec(struct cmd_ctx *ctx,
                                        const struct cmd_args *args);

static const struct cmd_option cmd_restore_options[] = {
    { "page", true, "PAGE[,PAGE...]",
      "only these pages (a subpage as PAGE/SUBPAGE)", 0 },
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

/* One page of the snapshot to restore, as checked before anything is
 * sent. */
struct restore_plan {
    const struct page_def *pd;
    char label[128];
    bool present; /* the drive has it */
    bool save;    /* its saved values are restored too */
    bool locked;  /* some value differs where the drive lets no change */
    uint8_t *current, *saved; /* the values to write, or NULL */
};

/* Bits the snapshot has other than the drive where the drive lets no
 * change, named by field where the page has a definition. */
static size_t
cmd_restore_locked(struct cmd_ctx *ctx, const struct restore_plan *p,
                   const char *file, const uint8_t *now, const uint8_t *want,
                   const uint8_t *chg, size_t len, const char *which)
{
    uint8_t *locked = xmalloc(len), *loose;
    struct field_ref *refs;
    char have[160], snap[160];

    for (size_t k = 0; k < len; k++)
        locked[k] = (uint8_t)~chg[k];
    size_t n = edit_differences(p->pd, now, want, locked, len, &refs, &loose);
    for (size_t i = 0; i < n; i++) {
        field_format(now, &refs[i], have, sizeof have);
        field_format(want, &refs[i], snap, sizeof snap);
        cmd_print(ctx,
                  "%s: %s: not changeable on this drive: stays %s (%s has "
                  "%s%s)",
                  p->label, refs[i].acronym, have, file, snap, which);
    }
    for (size_t k = 0; k < len; k++)
        if (loose[k]) {
            cmd_print(ctx,
                      "%s: byte %zu: not changeable on this drive: stays "
                      "0x%02x (%s has 0x%02x%s)",
                      p->label, k, now[k], file, want[k], which);
            n++;
        }
    free(loose);
    free(locked);
    free(refs);
    return n;
}

/* The drive's values 'now' with the snapshot's 'want' in every bit the
 * drive lets change; the others are named.  NULL when that is what the
 * drive has already. */
static uint8_t *
cmd_restore_merge(struct cmd_ctx *ctx, struct restore_plan *p, const char *file,
                  enum mode_request rt, const uint8_t *now, const uint8_t *want,
                  size_t len, const uint8_t *chg)
{
    size_t hdr = (now[0] & MODE_PAGE_SPF) ? 4 : 2;
    uint8_t *page = xmalloc(len);
    memcpy(page, now, len);
    page[0] &= (uint8_t)~MODE_PAGE_PS;
    for (size_t k = hdr; k < len; k++)
        page[k] = (uint8_t)((now[k] & ~chg[k]) | (want[k] & chg[k]));
    const char *which = rt == MODE_REQUEST_SAVED ? ", saved values" : "";
    p->locked |=
        cmd_restore_locked(ctx, p, file, now, want, chg, len, which) > 0;
    if (memcmp(page + 1, now + 1, len - 1) == 0) {
        free(page);
        page = NULL;
    }
    return page;
}

/* Both sides' 'rt' values of a page, *now the drive's and *want the
 * snapshot's, of one length *len; a usage error when the lengths
 * differ. */
static int
cmd_restore_read(struct recorder *drive, struct recorder *snap,
                 const char *file, const struct restore_plan *p, uint8_t code,
                 uint8_t subpage, enum mode_request rt, uint8_t **now,
                 uint8_t **want, size_t *len, struct err *err)
{
    size_t want_len = 0;

    *now = *want = NULL;
    if (recorder_get_mode_page(snap, code, subpage, rt, want, &want_len, err) !=
            0 ||
        recorder_get_mode_page(drive, code, subpage, rt, now, len, err) != 0)
        return -1;
    if (*len != want_len)
        return err_usage(err,
                         "%s is %zu bytes on the drive and %zu in %s: it "
                         "does not fit this drive",
                         p->label, *len, want_len, file);
    return 0;
}

/* The pages of the --page list, each checked to be in the snapshot. */
static int
cmd_restore_list(const struct pagedb *db, const char *list,
                 const struct mode_page_info *pages, size_t n, const char *file,
                 struct mode_page_info **wanted, size_t *nwanted,
                 struct err *err)
{
    char *copy = xstrdup(list), *save = NULL;
    int rc = 0;

    for (char *word = strtok_r(copy, ",", &save); word && rc == 0;
         word = strtok_r(NULL, ",", &save)) {
        uint8_t code, subpage;
        bool found = false;
        /* In the list a subpage is PAGE/SUB, as the comma separates
         * pages. */
        if ((rc = pagenames_parse(db, word, &code, &subpage, err)) != 0)
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

static const char restore_not_savable[] = "the drive cannot save it";

/* Why a page's saved values cannot be restored, or NULL when they can,
 * with both sides' saved values in *now and *want (see cmd_restore_read).
 * A snapshot without them ("saved": null, or a drive that kept none) is
 * refused by the file as the drive refused them; the drive's own are then
 * kept. */
static const char *
cmd_restore_unsaved(struct recorder *drive, struct recorder *snap,
                    const char *file, const struct restore_plan *p,
                    uint8_t code, uint8_t subpage, bool drive_savable,
                    bool snap_savable, size_t len, uint8_t **now,
                    uint8_t **want, struct err *err)
{
    size_t now_len = 0, want_len = 0;
    struct err none;

    *now = *want = NULL;
    err_clear(&none);
    if (!drive_savable)
        return restore_not_savable;
    if (recorder_get_mode_page(drive, code, subpage, MODE_REQUEST_SAVED, now,
                               &now_len, &none) != 0)
        return "the drive cannot save it: it reports no saved values";
    if (!snap_savable ||
        recorder_get_mode_page(snap, code, subpage, MODE_REQUEST_SAVED, want,
                               &want_len, &none) != 0 ||
        want_len != len)
        return "the snapshot holds no saved values of it: the drive's are kept";
    if (now_len != want_len)
        err_usage(err,
                  "%s is %zu bytes on the drive and %zu in %s: it does not "
                  "fit this drive",
                  p->label, now_len, want_len, file);
    return NULL;
}

/* Check every page before anything is sent: that the drive has it, that
 * it is as long on the drive as in the snapshot, and, with --save, that
 * both sides have saved values of it; and work out what to write.  A page
 * that does not fit stops the restore with nothing sent; *nlength counts
 * them. */
static int
cmd_restore_plan(struct cmd_ctx *ctx, struct recorder *drive,
                 struct recorder *snap, const char *file,
                 const struct mode_page_info *todo, size_t ntodo,
                 const struct mode_page_info *on_drive, size_t ndrive,
                 bool save, struct restore_plan *plan, struct apply_page *apply,
                 size_t *napply, size_t *nlength, struct err *err)
{
    /* Pages the drive cannot save at all are listed once, not each. */
    char *unsavable = xstrdup("");
    int rc = 0;

    for (size_t i = 0; i < ntodo && rc == 0; i++) {
        struct restore_plan *p = &plan[i];
        uint8_t code = todo[i].code, subpage = todo[i].subpage, *chg = NULL;
        bool savable = false;
        size_t len = 0, chg_len = 0, drive_len = 0;

        if (cmd_page_def(ctx, drive, code, subpage, &p->pd, err) != 0) {
            rc = -1;
            break;
        }
        cmd_page_label(p->pd, code, subpage, p->label, sizeof p->label);
        for (size_t k = 0; k < ndrive; k++)
            if (on_drive[k].code == code && on_drive[k].subpage == subpage) {
                p->present = true;
                savable = on_drive[k].savable;
                drive_len = on_drive[k].length;
            }
        if (!p->present)
            continue;
        if (recorder_get_mode_page(drive, code, subpage,
                                   MODE_REQUEST_CHANGEABLE, &chg, &chg_len,
                                   err) != 0 ||
            chg_len != drive_len) {
            /* Without the mask every bit is offered, and the drive
             * judges. */
            free(chg);
            chg = xmalloc(drive_len);
            memset(chg, 0xff, drive_len);
            cmd_warn(ctx,
                     "note: %s: the drive does not report which values are "
                     "changeable",
                     p->label);
            err_clear(err);
        }
        uint8_t *now = NULL, *want = NULL;
        if (cmd_restore_read(drive, snap, file, p, code, subpage,
                             MODE_REQUEST_CURRENT, &now, &want, &len, err) == 0)
            p->current = cmd_restore_merge(ctx, p, file, MODE_REQUEST_CURRENT,
                                           now, want, len, chg);
        free(now);
        free(want);
        now = want = NULL;
        if (err_is_set(err) && err->usage) {
            /* Another length: counted, and the others still checked. */
            cmd_warn(ctx, "%s", err->msg);
            err_clear(err);
            ++*nlength;
            free(chg);
            continue;
        }
        if (err_is_set(err)) {
            free(chg);
            rc = -1;
            break;
        }
        const char *why_not =
            save ? cmd_restore_unsaved(drive, snap, file, p, code, subpage,
                                       savable, todo[i].savable, len, &now,
                                       &want, err)
                 : NULL;
        if (why_not == restore_not_savable) {
            char *longer = xasprintf("%s%s0x%02x", unsavable,
                                     unsavable[0] ? " " : "", code);
            if (subpage) {
                free(longer);
                longer = xasprintf("%s%s0x%02x,0x%02x", unsavable,
                                   unsavable[0] ? " " : "", code, subpage);
            }
            free(unsavable);
            unsavable = longer;
        } else if (why_not != NULL) {
            cmd_print(ctx, "%s: %s", p->label, why_not);
        } else if (save && !err_is_set(err)) {
            p->save = true;
            p->saved = cmd_restore_merge(ctx, p, file, MODE_REQUEST_SAVED, now,
                                         want, len, chg);
        }
        free(now);
        free(want);
        if (err_is_set(err)) {
            free(chg);
            rc = -1;
            break;
        }
        free(chg);
        if (p->current == NULL && p->saved == NULL)
            cmd_print(ctx, "%s: %s as in %s%s", p->label,
                      p->locked ? "every changeable value already" : "already",
                      file, p->save ? " (current and saved values)" : "");
        else
            apply[(*napply)++] = (struct apply_page){
                .code = code,
                .subpage = subpage,
                .pd = p->pd,
                .label = p->label,
                .len = len,
                .current = p->current,
                .saved = p->saved,
            };
    }
    if (rc == 0 && unsavable[0] != '\0')
        cmd_print(ctx,
                  "current values only, as the drive cannot save them: "
                  "page %s",
                  unsavable);
    free(unsavable);
    return rc;
}

static enum cmd_status
cmd_restore_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_restore_entry;
    const char *file = args->argv[1], *list = cmd_arg_value(self, args, "page");
    bool save = cmd_arg_flag(self, args, "save");
    bool dry_run = cmd_arg_flag(self, args, "dry-run") || ctx->dry_run;
    struct recorder *drive, *snap;
    struct mode_page_info *pages = NULL, *on_drive = NULL, *wanted = NULL;
    struct restore_plan *plan = NULL;
    struct apply_page *apply = NULL;
    size_t npages = 0, ndrive = 0, nwanted = 0, nlength = 0, napply = 0;
    enum cmd_status status = CMD_OK;
    bool held = false;
    struct err err;

    err_clear(&err);
    if (!paths_is_json_file(file)) {
        err_usage(&err,
                  "'%s': expected a snapshot file FILE.json (made by "
                  "'modecon snapshot DRIVE -o FILE.json')",
                  file);
        return cmd_error(ctx, &err);
    }
    /* The drive held from the plan's reads to the last MODE SELECT, so
     * that no other command's change comes between them: undo takes the
     * restore back whole. */
    if (cmd_open_drive(ctx, args->argv[0], &drive, &err) != 0 ||
        (!dry_run && recorder_acquire_exclusive(drive, &err) != 0))
        return cmd_error(ctx, &err);
    held = !dry_run;
    if (cmd_open_drive_or_file(ctx, file, &snap, &err) != 0 ||
        recorder_get_supported_mode_pages(snap, MODE_REQUEST_CURRENT, &pages,
                                          &npages, &err) != 0 ||
        (list != NULL &&
         cmd_restore_list(cmd_pagedb(ctx), list, pages, npages, file, &wanted,
                          &nwanted, &err) != 0) ||
        recorder_get_supported_mode_pages(drive, MODE_REQUEST_CURRENT,
                                          &on_drive, &ndrive, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    /* Another model's snapshot may still fit page by page (the lengths
     * are checked); the user is told. */
    struct scsi_identity drive_id, file_id;
    if (recorder_inquiry(drive, &drive_id, &err) == 0 &&
        recorder_inquiry(snap, &file_id, &err) == 0 &&
        (strcmp(drive_id.vendor, file_id.vendor) != 0 ||
         strcmp(drive_id.product, file_id.product) != 0))
        cmd_warn(ctx, "warning: %s is a snapshot of %s %s; %s is %s %s", file,
                 file_id.vendor, file_id.product, recorder_name(drive),
                 drive_id.vendor, drive_id.product);
    err_clear(&err);
    /* Every page of the snapshot, or those of --page. */
    const struct mode_page_info *todo = list ? wanted : pages;
    size_t ntodo = list ? nwanted : npages;
    plan = xcalloc(ntodo + 1, sizeof *plan);
    apply = xcalloc(ntodo + 1, sizeof *apply);
    if (cmd_restore_plan(ctx, drive, snap, file, todo, ntodo, on_drive, ndrive,
                         save, plan, apply, &napply, &nlength, &err) != 0) {
        err_prefix(&err, "checking %s before restoring it: nothing was sent",
                   file);
        status = cmd_error(ctx, &err);
        goto out;
    }
    if (nlength > 0) {
        err_usage(&err,
                  "%zu page%s of %s %s not fit %s: nothing was sent (give "
                  "--page for the pages that fit)",
                  nlength, nlength == 1 ? "" : "s", file,
                  nlength == 1 ? "does" : "do", recorder_name(drive));
        status = cmd_error(ctx, &err);
        goto out;
    }
    size_t same = 0, partly = 0;
    for (size_t i = 0; i < ntodo; i++) {
        if (!plan[i].present)
            cmd_print(ctx, "%s: the drive does not have it: not restored",
                      plan[i].label);
        if (!plan[i].present || plan[i].locked)
            partly++;
        else if (plan[i].current == NULL && plan[i].saved == NULL)
            same++;
    }
    struct apply_result res;
    status = apply_pages(ctx, drive, apply, napply, dry_run, &res);
    if (status != CMD_OK && status != CMD_NOT_APPLIED) {
        cmd_warn(ctx, "restore stopped at %s; pages written before it: %s",
                 res.stopped[0] ? res.stopped : "the start",
                 res.written[0] ? res.written : "none");
        goto out;
    }
    for (size_t i = 0; i < napply; i++)
        if (apply[i].not_applied) {
            for (size_t k = 0; k < ntodo; k++)
                if (plan[k].label == apply[i].label && !plan[k].locked)
                    partly++;
        }
    if (partly > 0)
        status = CMD_NOT_APPLIED;
    cmd_print(ctx,
              "%s %zu page value set%s, %zu already as in %s, %zu not taken "
              "in full",
              dry_run ? "would write" : "wrote", res.sent,
              res.sent == 1 ? "" : "s", same, file, partly);
out:
    if (held)
        recorder_release_exclusive(drive);
    for (size_t i = 0; plan != NULL && i < ntodo; i++) {
        free(plan[i].current);
        free(plan[i].saved);
    }
    free(apply);
    free(plan);
    free(wanted);
    free(pages);
    free(on_drive);
    return status;
}
