/* undo DRIVE: put back the bits the last recorded change of the drive
 * changed, and nothing else, after checking that they still hold what
 * that change sent. */
#include <stdlib.h>
#include <string.h>

#include "cmd/changes.h"
#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_undo_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_undo_options[] = {
    { "dry-run", false, NULL,
      "show the change and the MODE SELECT; send nothing", 0 },
    { "force", false, NULL, "undo even where the page was changed again since",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_undo_entry = {
    .name = "undo",
    .args = "DRIVE",
    .summary = "put back what the drive's last change changed",
    .options = cmd_undo_options,
    .min_args = 1,
    .max_args = 1,
    .flags = CMD_MUTATES | CMD_DRIVE_ARG,
    .exec = cmd_undo_exec,
};

/* One kind of values a change touched, and where they stand now. */
struct undo_values {
    enum mode_request rt;  /* the MODE SELECT that puts them back */
    const uint8_t *held;   /* what they hold now */
    const uint8_t *before; /* what they held before the change */
    uint8_t *mask;         /* the bits the change touched */
    enum {
        UNDO_IN_EFFECT,
        UNDO_AS_BEFORE,
        UNDO_CHANGED
    } state;
    size_t where; /* the first byte changed since */
};

/* The bits a change touched: where the page has a definition, every bit
 * of each field it touched, so that a number is put back whole and never
 * mixed from two values. */
static void
cmd_undo_values(struct undo_values *v, const struct undo_change *c, size_t hdr,
                const struct page_def *pd)
{
    v->mask = xcalloc(1, c->len);
    for (size_t i = hdr; i < c->len; i++)
        v->mask[i] = v->before[i] ^ c->sent[i];
    struct field_ref *refs = NULL;
    size_t nrefs = pd != NULL ? field_list(pd, c->sent, c->len, &refs) : 0;
    uint8_t *field = xcalloc(1, c->len);
    for (size_t r = 0; r < nrefs; r++) {
        memset(field, 0, c->len);
        field_mark(field, &refs[r]);
        bool touched = false;
        for (size_t i = hdr; i < c->len && !touched; i++)
            touched = (field[i] & v->mask[i]) != 0;
        for (size_t i = hdr; touched && i < c->len; i++)
            v->mask[i] |= field[i];
    }
    free(field);
    free(refs);
    v->state = UNDO_AS_BEFORE;
    for (size_t i = 0; i < c->len && v->state == UNDO_AS_BEFORE; i++)
        if ((v->held[i] ^ v->before[i]) & v->mask[i])
            v->state = UNDO_IN_EFFECT;
    if (v->state == UNDO_AS_BEFORE)
        return;
    for (size_t i = 0; i < c->len; i++) {
        if ((v->held[i] ^ c->sent[i]) & v->mask[i]) {
            v->state = UNDO_CHANGED;
            v->where = i;
            return;
        }
    }
}

/* Drop the last change from the record, saying so if that fails. */
static void
cmd_undo_drop(struct cmd_ctx *ctx, struct undo_stack *st)
{
    struct err err;

    err_clear(&err);
    undo_stack_drop_last(st);
    if (undo_stack_save(st, &err) != 0)
        cmd_warn(ctx, "warning: the undo record keeps that change: %s",
                 err.msg);
}

/* Send 'page' as 'rt' values, the drive's current values being
 * 'current'. */
static enum cmd_status
cmd_undo_send(struct cmd_ctx *ctx, const struct cmd_args *args,
              struct recorder *rec, const struct page_def *pd,
              const char *label, enum mode_request rt, const uint8_t *current,
              uint8_t *page, size_t len)
{
    struct field_ref *refs = NULL;
    size_t nrefs = pd != NULL ? field_list(pd, current, len, &refs) : 0;
    struct edit ed = {
        .rec = rec,
        .pd = pd,
        .label = label,
        .rt = rt,
        .before = current,
        .page = page,
        .len = len,
        .refs = refs,
        .nrefs = nrefs,
        .opts = { .dry_run = cmd_arg_flag(&cmd_undo_entry, args, "dry-run") ||
                             ctx->dry_run,
                  .verify = true },
    };
    ctx->undoing = true;
    enum cmd_status status = edit_commit(ctx, &ed);
    ctx->undoing = false;
    free(refs);
    return status;
}

static enum cmd_status
cmd_undo_page(struct cmd_ctx *ctx, const struct cmd_args *args,
              struct recorder *rec, struct undo_stack *st)
{
    const struct undo_change *c = &st->changes[st->count - 1];
    uint8_t code = c->sent[0] & MODE_PAGE_CODE;
    uint8_t subpage = (c->sent[0] & MODE_PAGE_SPF) ? c->sent[1] : 0;
    size_t hdr = (c->sent[0] & MODE_PAGE_SPF) ? 4 : 2, len = 0, saved_len = 0,
           after_len = 0;
    bool dry_run =
        cmd_arg_flag(&cmd_undo_entry, args, "dry-run") || ctx->dry_run;
    const struct page_def *pd = NULL;
    uint8_t *now = NULL, *saved = NULL, *after = NULL, *page = NULL;
    struct undo_values values[2];
    size_t nvalues = 0;
    enum cmd_status status = CMD_OK;
    char label[128];
    struct err err;

    err_clear(&err);
    if (cmd_page_def(ctx, rec, code, subpage, &pd, &err) != 0 ||
        recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT, &now,
                               &len, &err) != 0 ||
        (c->saved_before != NULL &&
         recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_SAVED, &saved,
                                &saved_len, &err) != 0)) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    cmd_page_label(pd, code, subpage, label, sizeof label);
    cmd_print(ctx, "undoing '%s' of %s (%s values) at %s", c->command, label,
              mode_request_name(c->rt), c->time);
    if (len != c->len || (saved != NULL && saved_len != c->len)) {
        err_set(&err, E_FAIL,
                "%s is %zu bytes on the drive now but was %zu when changed: "
                "the record does not fit it; nothing was sent",
                label, len, c->len);
        status = cmd_error(ctx, &err);
        goto out;
    }
    /* A saving change is put back in the saved values first (which sets
     * the current ones too, SPC-4 7.5.4), then in the current values.  A
     * change recorded without the saved values puts back the current
     * values through the same request. */
    if (saved != NULL)
        values[nvalues++] = (struct undo_values){ .rt = MODE_REQUEST_SAVED,
                                                  .held = saved,
                                                  .before = c->saved_before };
    values[nvalues++] = (struct undo_values){
        .rt = saved != NULL ? MODE_REQUEST_CURRENT : c->rt,
        .held = now,
        .before = c->before,
    };
    bool in_effect = false;
    for (size_t i = 0; i < nvalues; i++) {
        struct undo_values *v = &values[i];
        cmd_undo_values(v, c, hdr, pd);
        in_effect |= v->state != UNDO_AS_BEFORE;
        if (v->state == UNDO_CHANGED &&
            !cmd_arg_flag(&cmd_undo_entry, args, "force")) {
            err_usage(&err,
                      "%s was changed again since (%s values): byte %zu is "
                      "0x%02x, that change left 0x%02x; give --force to put "
                      "back 0x%02x anyway; nothing was sent",
                      label,
                      mode_request_name(v->held == saved
                                            ? MODE_REQUEST_SAVED
                                            : MODE_REQUEST_CURRENT),
                      v->where, v->held[v->where],
                      c->sent[v->where] & v->mask[v->where],
                      v->before[v->where] & v->mask[v->where]);
            status = cmd_error(ctx, &err);
            goto out;
        }
    }
    if (!in_effect) {
        cmd_print(ctx,
                  "%s is as it was before that change (the drive did not "
                  "take it, or it was put back since): nothing to send",
                  label);
        if (!dry_run)
            cmd_undo_drop(ctx, st);
        goto out;
    }
    const uint8_t *current = now;
    page = xmalloc(len);
    for (size_t i = 0; i < nvalues && status == CMD_OK; i++) {
        const struct undo_values *v = &values[i];
        /* The saved values' bits go into the saved page; the current
         * values' into the current page as it was before this undo. */
        const uint8_t *base = v->held == saved ? saved : now;
        for (size_t k = 0; k < len; k++)
            page[k] = (uint8_t)((base[k] & ~v->mask[k]) |
                                (v->before[k] & v->mask[k]));
        page[0] = (uint8_t)(current[0] & ~MODE_PAGE_PS);
        if (v->rt == MODE_REQUEST_SAVED && saved != NULL
                ? v->state == UNDO_AS_BEFORE
                : memcmp(page + 1, current + 1, len - 1) == 0)
            continue;
        status =
            cmd_undo_send(ctx, args, rec, pd, label, v->rt, current, page, len);
        if (status != CMD_OK || i + 1 == nvalues)
            break;
        /* The next step starts from what the drive holds now; a dry run
         * from what it would hold. */
        free(after);
        after = NULL;
        if (dry_run) {
            after = xmalloc(len);
            memcpy(after, page, len);
        } else if (recorder_get_mode_page(rec, code, subpage,
                                          MODE_REQUEST_CURRENT, &after,
                                          &after_len, &err) != 0 ||
                   after_len != len) {
            if (!err_is_set(&err))
                err_set(&err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                        "%s is %zu bytes now, %zu a moment ago", label,
                        after_len, len);
            status = cmd_error(ctx, &err);
            break;
        }
        current = after;
    }
    /* A change only partly put back stays on record, so that the next
     * undo can finish it. */
    if (status == CMD_OK && !dry_run)
        cmd_undo_drop(ctx, st);
out:
    for (size_t i = 0; i < nvalues; i++)
        free(values[i].mask);
    free(page);
    free(after);
    free(saved);
    free(now);
    return status;
}

static enum cmd_status
cmd_undo_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct recorder *rec;
    struct undo_stack st;
    enum cmd_status status;
    struct err err;

    err_clear(&err);
    memset(&st, 0, sizeof st);
    /* The drive held from reading its record to saving it, so that no
     * other process's change comes in between. */
    if (cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        recorder_acquire_exclusive(rec, &err) != 0)
        return cmd_error(ctx, &err);
    if (undo_stack_load(rec, &st, &err) != 0) {
        undo_stack_free(&st);
        recorder_release_exclusive(rec);
        return cmd_error(ctx, &err);
    }
    if (st.count == 0) {
        err_usage(&err,
                  "%s: no change of this drive is recorded (modecon records "
                  "each change it sends, in %s)",
                  recorder_name(rec), st.path);
        status = cmd_error(ctx, &err);
    } else {
        size_t recorded = st.count;
        status = cmd_undo_page(ctx, args, rec, &st);
        if (st.count < recorded && st.count == 0)
            cmd_print(ctx, "no earlier change of this drive is on record");
        else if (st.count < recorded)
            cmd_print(ctx, "%zu earlier change%s of this drive on record",
                      st.count, st.count == 1 ? "" : "s");
    }
    undo_stack_free(&st);
    recorder_release_exclusive(rec);
    return status;
}
