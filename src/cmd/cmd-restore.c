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
    size_t hdr = mode_page_header_decode(now, len).header_len;
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

/* One restore: the two sides, the pages to restore and what to write. */
struct restore_job {
    struct cmd_ctx *ctx;
    struct recorder *drive, *snap;
    const char *file;
    bool save, dry_run;
    struct mode_page_info *pages, *on_drive, *wanted;
    size_t npages, ndrive, nwanted;
    const struct mode_page_info *todo; /* pages, or those of --page */
    size_t ntodo;
    struct restore_plan *plan; /* per page of todo */
    struct apply_page *apply;  /* the pages to write */
    size_t napply;
    size_t nlength;  /* pages of another length on the drive */
    char *unsavable; /* pages the drive cannot save: "0x05 0x08" */
};

/* The drive's changeable values of page 'p' (SPC-4 6.13, PC 01b).
 * Without the mask every bit is offered, and the drive judges. */
static uint8_t *
cmd_restore_changeable(struct restore_job *job, const struct restore_plan *p,
                       uint8_t code, uint8_t subpage, size_t drive_len)
{
    uint8_t *chg = NULL;
    size_t chg_len = 0;
    struct err err;

    err_clear(&err);
    if (recorder_get_mode_page(job->drive, code, subpage,
                               MODE_REQUEST_CHANGEABLE, &chg, &chg_len,
                               &err) == 0 &&
        chg_len == drive_len)
        return chg;
    free(chg);
    chg = xmalloc(drive_len);
    memset(chg, 0xff, drive_len);
    cmd_warn(job->ctx,
             "note: %s: the drive does not report which values are "
             "changeable",
             p->label);
    return chg;
}

/* Pages the drive cannot save at all are listed once, not each. */
static void
cmd_restore_add_unsavable(struct restore_job *job, uint8_t code,
                          uint8_t subpage)
{
    const char *sep = job->unsavable[0] ? " " : "";
    char *longer = subpage ? xasprintf("%s%s0x%02x,0x%02x", job->unsavable, sep,
                                       code, subpage)
                           : xasprintf("%s%s0x%02x", job->unsavable, sep, code);

    free(job->unsavable);
    job->unsavable = longer;
}

/* Plan the saved values of page 'p' of 'len' bytes, with --save. */
static int
cmd_restore_plan_saved(struct restore_job *job, struct restore_plan *p,
                       const struct mode_page_info *page, bool drive_savable,
                       size_t len, const uint8_t *chg, struct err *err)
{
    uint8_t *now = NULL, *want = NULL;
    const char *why_not = cmd_restore_unsaved(
        job->drive, job->snap, job->file, p, page->code, page->subpage,
        drive_savable, page->savable, len, &now, &want, err);

    if (why_not == restore_not_savable) {
        cmd_restore_add_unsavable(job, page->code, page->subpage);
    } else if (why_not != NULL) {
        cmd_print(job->ctx, "%s: %s", p->label, why_not);
    } else if (!err_is_set(err)) {
        p->save = true;
        p->saved = cmd_restore_merge(job->ctx, p, job->file, MODE_REQUEST_SAVED,
                                     now, want, len, chg);
    }
    free(now);
    free(want);
    return err_is_set(err) ? -1 : 0;
}

/* Check page 'i' and work out what to write to it; see cmd_restore_plan. */
static int
cmd_restore_plan_page(struct restore_job *job, size_t i, struct err *err)
{
    struct restore_plan *p = &job->plan[i];
    const struct mode_page_info *page = &job->todo[i];
    uint8_t code = page->code, subpage = page->subpage;
    bool savable = false;
    size_t len = 0, drive_len = 0;

    if (cmd_page_def(job->ctx, job->drive, code, subpage, &p->pd, err) != 0)
        return -1;
    cmd_page_label(p->pd, code, subpage, p->label, sizeof p->label);
    for (size_t k = 0; k < job->ndrive; k++)
        if (job->on_drive[k].code == code &&
            job->on_drive[k].subpage == subpage) {
            p->present = true;
            savable = job->on_drive[k].savable;
            drive_len = job->on_drive[k].length;
        }
    if (!p->present)
        return 0;
    uint8_t *chg = cmd_restore_changeable(job, p, code, subpage, drive_len);
    uint8_t *now = NULL, *want = NULL;
    if (cmd_restore_read(job->drive, job->snap, job->file, p, code, subpage,
                         MODE_REQUEST_CURRENT, &now, &want, &len, err) == 0)
        p->current = cmd_restore_merge(
            job->ctx, p, job->file, MODE_REQUEST_CURRENT, now, want, len, chg);
    free(now);
    free(want);
    int rc = 0;
    if (err_is_set(err) && err->usage) {
        /* Another length: counted, and the others still checked. */
        cmd_warn(job->ctx, "%s", err->msg);
        err_clear(err);
        job->nlength++;
        free(chg);
        return 0;
    }
    if (err_is_set(err) ||
        (job->save &&
         cmd_restore_plan_saved(job, p, page, savable, len, chg, err) != 0))
        rc = -1;
    free(chg);
    if (rc != 0)
        return rc;
    if (p->current == NULL && p->saved == NULL)
        cmd_print(job->ctx, "%s: %s as in %s%s", p->label,
                  p->locked ? "every changeable value already" : "already",
                  job->file, p->save ? " (current and saved values)" : "");
    else
        job->apply[job->napply++] = (struct apply_page){
            .code = code,
            .subpage = subpage,
            .pd = p->pd,
            .label = p->label,
            .len = len,
            .current = p->current,
            .saved = p->saved,
        };
    return 0;
}

/* Check every page before anything is sent: that the drive has it, that
 * it is as long on the drive as in the snapshot, and, with --save, that
 * both sides have saved values of it; and work out what to write.  A page
 * that does not fit stops the restore with nothing sent; job->nlength
 * counts them. */
static int
cmd_restore_plan(struct restore_job *job, struct err *err)
{
    job->unsavable = xstrdup("");
    for (size_t i = 0; i < job->ntodo; i++)
        if (cmd_restore_plan_page(job, i, err) != 0)
            return -1;
    if (job->unsavable[0] != '\0')
        cmd_print(job->ctx,
                  "current values only, as the drive cannot save them: "
                  "page %s",
                  job->unsavable);
    return 0;
}

/* Open the snapshot and list its pages (or those of --page), and the
 * drive's. */
static int
cmd_restore_list_pages(struct restore_job *job, const char *list,
                       struct err *err)
{
    if (cmd_open_drive_or_file(job->ctx, job->file, &job->snap, err) != 0 ||
        recorder_get_supported_mode_pages(job->snap, MODE_REQUEST_CURRENT,
                                          &job->pages, &job->npages,
                                          err) != 0 ||
        (list != NULL &&
         cmd_restore_list(cmd_pagedb(job->ctx), list, job->pages, job->npages,
                          job->file, &job->wanted, &job->nwanted, err) != 0) ||
        recorder_get_supported_mode_pages(job->drive, MODE_REQUEST_CURRENT,
                                          &job->on_drive, &job->ndrive,
                                          err) != 0)
        return -1;
    job->todo = list ? job->wanted : job->pages;
    job->ntodo = list ? job->nwanted : job->npages;
    /* Every page is checked against the drive's changeable values before
     * anything is sent: all of them at once (page 3Fh), kept by the
     * recorder for the checks page by page.  A drive that refuses 3Fh is
     * asked page by page there. */
    struct mode_page_info *changeable = NULL;
    size_t nchangeable = 0;
    struct err ignored;
    err_clear(&ignored);
    if (!recorder_refuses_all_pages(job->drive) &&
        recorder_get_supported_mode_pages(job->drive, MODE_REQUEST_CHANGEABLE,
                                          &changeable, &nchangeable,
                                          &ignored) == 0)
        free(changeable);
    return 0;
}

/* Another model's snapshot may still fit page by page (the lengths are
 * checked); the user is told. */
static void
cmd_restore_check_model(struct restore_job *job)
{
    struct scsi_identity drive_id, file_id;
    struct err err;

    err_clear(&err);
    if (recorder_inquiry(job->drive, &drive_id, &err) == 0 &&
        recorder_inquiry(job->snap, &file_id, &err) == 0 &&
        (strcmp(drive_id.vendor, file_id.vendor) != 0 ||
         strcmp(drive_id.product, file_id.product) != 0))
        cmd_warn(job->ctx, "warning: %s is a snapshot of %s %s; %s is %s %s",
                 job->file, file_id.vendor, file_id.product,
                 recorder_name(job->drive), drive_id.vendor, drive_id.product);
}

/* Send the plan and sum up: pages written, already as in the file, and
 * not taken in full. */
static enum cmd_status
cmd_restore_send(struct restore_job *job)
{
    struct cmd_ctx *ctx = job->ctx;
    size_t same = 0, partly = 0;

    for (size_t i = 0; i < job->ntodo; i++) {
        const struct restore_plan *p = &job->plan[i];
        if (!p->present)
            cmd_print(ctx, "%s: the drive does not have it: not restored",
                      p->label);
        if (!p->present || p->locked)
            partly++;
        else if (p->current == NULL && p->saved == NULL)
            same++;
    }
    struct apply_result res;
    enum cmd_status status = apply_pages(ctx, job->drive, job->apply,
                                         job->napply, job->dry_run, &res);
    if (status != CMD_OK && status != CMD_NOT_APPLIED) {
        cmd_warn(ctx, "restore stopped at %s; pages written before it: %s",
                 res.stopped[0] ? res.stopped : "the start",
                 res.written[0] ? res.written : "none");
        return status;
    }
    for (size_t i = 0; i < job->napply; i++)
        if (job->apply[i].not_applied) {
            for (size_t k = 0; k < job->ntodo; k++)
                if (job->plan[k].label == job->apply[i].label &&
                    !job->plan[k].locked)
                    partly++;
        }
    if (partly > 0)
        status = CMD_NOT_APPLIED;
    cmd_print(ctx,
              "%s %zu page value set%s, %zu already as in %s, %zu not taken "
              "in full",
              job->dry_run ? "would write" : "wrote", res.sent,
              res.sent == 1 ? "" : "s", same, job->file, partly);
    return status;
}

static void
cmd_restore_job_free(struct restore_job *job)
{
    for (size_t i = 0; job->plan != NULL && i < job->ntodo; i++) {
        free(job->plan[i].current);
        free(job->plan[i].saved);
    }
    free(job->apply);
    free(job->plan);
    free(job->wanted);
    free(job->pages);
    free(job->on_drive);
    free(job->unsavable);
}

static enum cmd_status
cmd_restore_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_restore_entry;
    const char *list = cmd_arg_value(self, args, "page");
    struct restore_job job = {
        .ctx = ctx,
        .file = args->argv[1],
        .save = cmd_arg_flag(self, args, "save"),
        .dry_run = cmd_arg_flag(self, args, "dry-run") || ctx->dry_run,
    };
    enum cmd_status status;
    struct err err;

    err_clear(&err);
    if (!paths_is_json_file(job.file)) {
        err_usage(&err,
                  "'%s': expected a snapshot file FILE.json (made by "
                  "'modecon snapshot DRIVE -o FILE.json')",
                  job.file);
        return cmd_error(ctx, &err);
    }
    /* The drive held from the plan's reads to the last MODE SELECT, so
     * that no other command's change comes between them: undo takes the
     * restore back whole. */
    if (cmd_open_drive(ctx, args->argv[0], &job.drive, &err) != 0 ||
        (!job.dry_run && recorder_acquire_exclusive(job.drive, &err) != 0))
        return cmd_error(ctx, &err);
    if (cmd_restore_list_pages(&job, list, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    cmd_restore_check_model(&job);
    job.plan = xcalloc(job.ntodo + 1, sizeof *job.plan);
    job.apply = xcalloc(job.ntodo + 1, sizeof *job.apply);
    if (cmd_restore_plan(&job, &err) != 0) {
        err_prefix(&err, "checking %s before restoring it: nothing was sent",
                   job.file);
        status = cmd_error(ctx, &err);
    } else if (job.nlength > 0) {
        err_usage(&err,
                  "%zu page%s of %s %s not fit %s: nothing was sent (give "
                  "--page for the pages that fit)",
                  job.nlength, job.nlength == 1 ? "" : "s", job.file,
                  job.nlength == 1 ? "does" : "do", recorder_name(job.drive));
        status = cmd_error(ctx, &err);
    } else {
        status = cmd_restore_send(&job);
    }
out:
    if (!job.dry_run)
        recorder_release_exclusive(job.drive);
    cmd_restore_job_free(&job);
    return status;
}
