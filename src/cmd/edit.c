/* Committing a page edited field by field: show, send, report per field
 * what the drive took. */
#include "cmd/edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/changes-saving.h"
#include "util/hex.h"
#include "util/xmalloc.h"

bool
edit_field_changed(const struct field_ref *ref, const uint8_t *a,
                   const uint8_t *b)
{
    size_t first = (ref->base + ref->fd->byte) * 8 + (7 - ref->fd->bit);
    for (size_t bit = first; bit < first + ref->fd->width; bit++) {
        uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
        if ((a[bit / 8] ^ b[bit / 8]) & mask)
            return true;
    }
    return false;
}

/* The field the drive (or the pre-check) pointed at, named; without a
 * bit pointer, every field of that byte. */
static void
edit_name_field(struct cmd_ctx *ctx, const struct edit *ed,
                const struct err *err)
{
    const char *who = err->has_scsi ? "drive" : "check";
    char names[256] = "";

    if (err->field_byte < 0)
        return;
    for (int bit = 7; bit >= 0; bit--) {
        if (err->field_bit >= 0 && bit != err->field_bit)
            continue;
        const struct field_ref *ref =
            field_at(ed->refs, ed->nrefs, err->field_byte, bit);
        if (ref == NULL || strstr(names, ref->acronym) != NULL)
            continue;
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s (%s)",
                 used ? ", " : "", ref->acronym,
                 ref->fd->name ? ref->fd->name : "no name");
    }
    /* The page code and length (SPC-4 7.5.7): a drive points there when
     * it does not let the page be selected at all. */
    int header =
        ed->len > 0 ? (int)mode_page_header_decode(ed->page, ed->len).header_len
                    : 2;
    if (names[0] == '\0' && err->field_byte < header)
        cmd_warn(ctx,
                 "the %s pointed at page byte %d, the page's header: it "
                 "does not take this page, or not at this length",
                 who, err->field_byte);
    else if (names[0] == '\0')
        cmd_warn(ctx,
                 "the %s pointed at page byte %d, which no field of the "
                 "definition covers",
                 who, err->field_byte);
    else if (err->field_bit >= 0)
        cmd_warn(ctx, "the %s pointed at field %s", who, names);
    else
        cmd_warn(ctx, "the %s pointed at page byte %d: %s", who,
                 err->field_byte, names);
}

/* The page without its PS bit, which MODE SELECT clears. */
static bool
edit_same_page(const uint8_t *a, const uint8_t *b, size_t len)
{
    return ((a[0] ^ b[0]) & 0x7f) == 0 && memcmp(a + 1, b + 1, len - 1) == 0;
}

/* old -> new for each field that differs from 'base'; returns how many. */
static size_t
edit_print_changes(struct cmd_ctx *ctx, const struct edit *ed,
                   const uint8_t *base, const char *which)
{
    char old[160], new[160];
    size_t n = 0;

    for (size_t i = 0; i < ed->nrefs; i++) {
        const struct field_ref *ref = &ed->refs[i];
        if (!edit_field_changed(ref, base, ed->page))
            continue;
        /* Shown once: a field already shown for current values is not
         * repeated for saved ones. */
        if (base != ed->before && edit_field_changed(ref, ed->before, ed->page))
            continue;
        field_format(base, ref, old, sizeof old);
        field_format(ed->page, ref, new, sizeof new);
        cmd_print(ctx, "%s: %s -> %s%s", ref->acronym, old, new, which);
        if (field_change_is_dangerous(base, ed->page, ref))
            cmd_warn(ctx, "warning: %s: %s", ref->acronym, ref->fd->danger);
        n++;
    }
    return n;
}

/* Per field, whether the drive holds what was sent: for every field that
 * was to change, and every field the drive did not take. */
static size_t
edit_report_fields(struct cmd_ctx *ctx, const struct edit *ed,
                   const uint8_t *base, const uint8_t *held, const char *which)
{
    char value[160];
    size_t not_applied = 0;

    for (size_t i = 0; i < ed->nrefs; i++) {
        const struct field_ref *ref = &ed->refs[i];
        bool changed = edit_field_changed(ref, base, ed->page);
        bool missing = edit_field_changed(ref, ed->page, held);
        if (!changed && !missing)
            continue;
        if (!missing) {
            cmd_print(ctx, "%s: applied%s", ref->acronym, which);
            continue;
        }
        field_format(held, ref, value, sizeof value);
        cmd_print(ctx, "%s: NOT applied%s: the drive has %s", ref->acronym,
                  which, value);
        not_applied++;
    }
    return not_applied;
}

/* A page the drive cannot save (PS 0 in its MODE SENSE answer, SPC-4
 * 7.5.7) is refused before any change is shown as if it would be saved;
 * --force still sends it, for the drive's own answer. */
static int
edit_check_savable(const struct edit *ed, struct err *err)
{
    if (ed->rt != MODE_REQUEST_SAVED || (ed->before[0] & MODE_PAGE_PS) ||
        ed->opts.force)
        return 0;
    return err_usage(err,
                     "%s cannot be saved on this drive (its PS bit is 0): "
                     "drop --save, or give --force to send it anyway",
                     ed->label);
}

/* Saving changes the saved values too, which may differ from the current
 * ones: they are the baseline of that half of the report.  NULL when not
 * saving, or when the drive does not show them at the page's length. */
static uint8_t *
edit_read_saved(const struct edit *ed)
{
    uint8_t *saved_before = NULL;
    size_t saved_len = 0;
    struct err err;

    err_clear(&err);
    if (ed->rt != MODE_REQUEST_SAVED)
        return NULL;
    if (recorder_get_mode_page(
            ed->rec, mode_page_header_decode(ed->page, ed->len).code,
            mode_page_header_decode(ed->page, ed->len).subpage,
            MODE_REQUEST_SAVED, &saved_before, &saved_len, &err) != 0 ||
        saved_len != ed->len) {
        free(saved_before);
        return NULL;
    }
    return saved_before;
}

/* What is about to be sent: old -> new per field, and what saving means. */
static void
edit_show_plan(struct cmd_ctx *ctx, const struct edit *ed,
               const uint8_t *saved_before)
{
    bool saving = ed->rt == MODE_REQUEST_SAVED;
    size_t nchanged = edit_print_changes(ctx, ed, ed->before, "");

    if (saved_before != NULL)
        nchanged +=
            edit_print_changes(ctx, ed, saved_before, " (saved values)");
    /* Saving the values held is a request of its own (SP=1). */
    if (saving && nchanged == 0 &&
        edit_same_page(ed->before, ed->page, ed->len))
        cmd_print(ctx,
                  "%s: no field changes; sending the page as it is with "
                  "SP=1, which saves its current values",
                  ed->label);
    if (saving && !ed->opts.dry_run)
        cmd_warn(ctx, "note: saving: the drive keeps these values across "
                      "power cycles");
    if (saving && ed->name_saving_others)
        changes_note_saving_others(
            ctx, ed->rec, mode_page_header_decode(ed->page, ed->len).code,
            mode_page_header_decode(ed->page, ed->len).subpage);
}

/* A request that sent nothing: the page held the values already, or a
 * dry run, which shows the MODE SELECT it would send. */
static void
edit_report_unsent(struct cmd_ctx *ctx, const struct edit *ed,
                   const struct set_report *rep)
{
    if (rep->unchanged && ed->no_change != NULL && ed->no_change[0] != '\0') {
        cmd_print(ctx, "no change: %s; nothing %s sent", ed->no_change,
                  ed->opts.dry_run ? "would be" : "was");
        return;
    }
    if (rep->unchanged) {
        cmd_print(ctx,
                  "no change: %s holds these values already; nothing "
                  "%s sent",
                  ed->label, ed->opts.dry_run ? "would be" : "was");
        return;
    }
    char *cdb = hex_format(rep->cdb, sizeof rep->cdb, 0);
    char *list = hex_format(rep->param_list, rep->param_len, 16);
    cmd_print(ctx, "MODE SELECT(10) CDB:");
    cmd_print_text(ctx, cdb);
    cmd_print(ctx, "parameter list (%zu bytes):", rep->param_len);
    cmd_print_text(ctx, list);
    free(cdb);
    free(list);
    cmd_warn(ctx, "dry run: nothing was sent to %s", recorder_name(ed->rec));
}

/* Per field, whether the drive applied what was sent, from the read-back:
 * CMD_NOT_APPLIED when it kept some byte. */
static enum cmd_status
edit_report_verified(struct cmd_ctx *ctx, const struct edit *ed,
                     const struct set_report *rep, const uint8_t *saved_before)
{
    uint8_t *held[2];

    /* What the drive holds now: the page sent, with each byte it did not
     * take as it read back. */
    for (int w = 0; w < 2; w++) {
        held[w] = xmalloc(ed->len);
        memcpy(held[w], ed->page, ed->len);
        held[w][0] = (uint8_t)(ed->page[0] & 0x7f);
    }
    for (size_t i = 0; i < rep->nunapplied; i++)
        held[rep->unapplied[i].where == MODE_REQUEST_SAVED]
            [rep->unapplied[i].offset] = rep->unapplied[i].got;
    size_t not_applied = edit_report_fields(ctx, ed, ed->before, held[0], "");
    if (ed->rt == MODE_REQUEST_SAVED)
        not_applied += edit_report_fields(
            ctx, ed, saved_before ? saved_before : ed->before, held[1],
            " to saved values");
    free(held[0]);
    free(held[1]);
    if (rep->nunapplied == 0) {
        cmd_print(ctx, "verified: the drive applied every byte");
        return CMD_OK;
    }
    if (not_applied == 0)
        for (size_t i = 0; i < rep->nunapplied; i++)
            cmd_print(ctx,
                      "not applied: byte %zu: sent 0x%02x, the drive "
                      "has 0x%02x (%s values)",
                      rep->unapplied[i].offset, rep->unapplied[i].sent,
                      rep->unapplied[i].got,
                      mode_request_name(rep->unapplied[i].where));
    cmd_warn(ctx, "%s accepted the change but did not apply all of it",
             recorder_name(ed->rec));
    return CMD_NOT_APPLIED;
}

/* Check, show, send, and report per field what the drive took. */
enum cmd_status
edit_commit(struct cmd_ctx *ctx, const struct edit *ed)
{
    struct set_report rep;
    enum cmd_status status;
    struct err err;

    memset(&rep, 0, sizeof rep);
    err_clear(&err);
    if (edit_check_savable(ed, &err) != 0)
        return cmd_error(ctx, &err);
    bool saving = ed->rt == MODE_REQUEST_SAVED;
    if (saving && changes_hold_for_saving(ed->rec, &err) != 0)
        return cmd_error(ctx, &err);
    uint8_t *saved_before = edit_read_saved(ed);
    edit_show_plan(ctx, ed, saved_before);
    int rc = recorder_set_mode_page(ed->rec, ed->rt, ed->page, ed->len,
                                    &ed->opts, &rep, &err);
    if (rep.notice[0] != '\0')
        cmd_warn(ctx, "note: %s", rep.notice);
    if (rc != 0) {
        status = cmd_error(ctx, &err);
        edit_name_field(ctx, ed, &err);
    } else if (rep.unchanged || ed->opts.dry_run) {
        edit_report_unsent(ctx, ed, &rep);
        status = CMD_OK;
    } else {
        cmd_print(ctx, "%s: %s written to %s values", recorder_name(ed->rec),
                  ed->label, mode_request_name(ed->rt));
        if (rep.verified) {
            status = edit_report_verified(ctx, ed, &rep, saved_before);
            if (rep.after != NULL) {
                cmd_read_back_clear(ctx);
                ctx->read_back = (struct cmd_read_back){
                    .rec = ed->rec,
                    .rt = ed->rt,
                    .current = rep.after,
                    .len = rep.after_len,
                };
                rep.after = NULL;
            }
        } else {
            cmd_print(ctx, "not verified (--no-verify)");
            status = CMD_OK;
        }
    }
    free(saved_before);
    set_report_fini(&rep);
    if (saving)
        recorder_release_exclusive(ed->rec);
    return status;
}
