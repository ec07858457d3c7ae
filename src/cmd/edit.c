#include "cmd/edit.h"

#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/xmalloc.h"

static bool
edit_changed(const struct field_ref *ref, const uint8_t *a, const uint8_t *b)
{
    size_t first = (ref->base + ref->fd->byte) * 8 + (7 - ref->fd->bit);
    for (size_t bit = first; bit < first + ref->fd->width; bit++) {
        uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
        if ((a[bit / 8] ^ b[bit / 8]) & mask)
            return true;
    }
    return false;
}

/* The field the drive (or the pre-check) pointed at, named. */
static void
edit_name_field(struct cmd_ctx *ctx, const struct edit *ed,
                const struct err *err)
{
    if (err->field_byte < 0)
        return;
    const struct field_ref *ref =
        field_at(ed->refs, ed->nrefs, err->field_byte, err->field_bit);
    if (ref != NULL)
        cmd_warn(ctx, "the %s pointed at field %s (%s)",
                 err->has_scsi ? "drive" : "check", ref->acronym,
                 ref->fd->name ? ref->fd->name : "no name");
    else
        cmd_warn(ctx,
                 "the %s pointed at page byte %d, which no field of "
                 "the definition covers",
                 err->has_scsi ? "drive" : "check", err->field_byte);
}

enum cmd_status
edit_commit(struct cmd_ctx *ctx, const struct edit *ed)
{
    struct set_report rep;
    enum cmd_status status;
    size_t nchanged = 0;
    struct err err;
    char old[160], new[160];

    err_clear(&err);
    for (size_t i = 0; i < ed->nrefs; i++) {
        if (!edit_changed(&ed->refs[i], ed->before, ed->page))
            continue;
        field_format(ed->before, &ed->refs[i], old, sizeof old);
        field_format(ed->page, &ed->refs[i], new, sizeof new);
        cmd_print(ctx, "%s: %s -> %s", ed->refs[i].acronym, old, new);
        if (ed->refs[i].fd->danger != NULL)
            cmd_warn(ctx, "warning: %s: %s", ed->refs[i].acronym,
                     ed->refs[i].fd->danger);
        nchanged++;
    }
    if (nchanged == 0 && memcmp(ed->before, ed->page, ed->len) == 0)
        cmd_print(ctx, "%s: no field changes; writing the page as it is",
                  ed->label);

    if (ed->rt == MODE_REQUEST_SAVED && !ed->opts.dry_run)
        cmd_warn(ctx, "note: saving: the drive keeps these values across "
                      "power cycles");
    int rc = recorder_set_mode_page(ed->rec, ed->rt, ed->page, ed->len,
                                    &ed->opts, &rep, &err);
    if (rep.notice[0] != '\0')
        cmd_warn(ctx, "note: %s", rep.notice);
    if (rc != 0) {
        status = cmd_error(ctx, &err);
        edit_name_field(ctx, ed, &err);
        goto out;
    }
    if (ed->opts.dry_run) {
        char *cdb = hex_format(rep.cdb, sizeof rep.cdb, 0);
        char *list = hex_format(rep.param_list, rep.param_len, 16);
        cmd_print(ctx, "MODE SELECT(10) CDB:");
        cmd_print_text(ctx, cdb);
        cmd_print(ctx, "parameter list (%zu bytes):", rep.param_len);
        cmd_print_text(ctx, list);
        free(cdb);
        free(list);
        cmd_warn(ctx, "dry run: nothing was sent to %s",
                 recorder_name(ed->rec));
        status = CMD_OK;
        goto out;
    }
    cmd_print(ctx, "%s: %s written to %s values", recorder_name(ed->rec),
              ed->label, mode_request_name(ed->rt));
    if (!rep.verified) {
        cmd_print(ctx, "not verified (--no-verify)");
        status = CMD_OK;
        goto out;
    }
    /* What the drive holds now: the page sent, with each byte it did not
     * take as it read back. */
    uint8_t *held[2] = { xmalloc(ed->len), xmalloc(ed->len) };
    memcpy(held[0], ed->page, ed->len);
    memcpy(held[1], ed->page, ed->len);
    held[0][0] = held[1][0] = (uint8_t)(ed->page[0] & 0x7f);
    for (size_t i = 0; i < rep.nunapplied; i++)
        held[rep.unapplied[i].where == MODE_REQUEST_SAVED]
            [rep.unapplied[i].offset] = rep.unapplied[i].got;
    size_t not_applied = 0;
    for (size_t i = 0; i < ed->nrefs; i++) {
        if (!edit_changed(&ed->refs[i], ed->before, ed->page))
            continue;
        for (int w = 0; w < (ed->rt == MODE_REQUEST_SAVED ? 2 : 1); w++) {
            if (!edit_changed(&ed->refs[i], ed->page, held[w])) {
                cmd_print(ctx, "%s: applied%s", ed->refs[i].acronym,
                          w ? " to saved values" : "");
                continue;
            }
            field_format(held[w], &ed->refs[i], old, sizeof old);
            cmd_print(ctx, "%s: NOT applied%s: the drive has %s",
                      ed->refs[i].acronym, w ? " to saved values" : "", old);
            not_applied++;
        }
    }
    free(held[0]);
    free(held[1]);
    if (rep.nunapplied == 0) {
        cmd_print(ctx, "verified: the drive applied every byte");
        status = CMD_OK;
    } else {
        if (not_applied == 0)
            for (size_t i = 0; i < rep.nunapplied; i++)
                cmd_print(ctx,
                          "not applied: byte %zu: sent 0x%02x, the "
                          "drive has 0x%02x (%s values)",
                          rep.unapplied[i].offset, rep.unapplied[i].sent,
                          rep.unapplied[i].got,
                          mode_request_name(rep.unapplied[i].where));
        cmd_warn(ctx, "%s accepted the change but did not apply all of it",
                 recorder_name(ed->rec));
        status = CMD_NOT_APPLIED;
    }
out:
    set_report_fini(&rep);
    return status;
}
