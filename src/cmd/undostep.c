/*
 * Undoing one MODE SELECT on a drive's undo record: the bits it changed
 * put back, and nothing else, after checking that they still hold what
 * it sent.
 */
#include "cmd/undostep.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/apply.h"
#include "cmd/changes-undo.h"
#include "cmd/edit.h"
#include "util/xmalloc.h"

/* One kind of values a change touched, and where they stand now. */
struct undo_values {
    const char *label;
    enum mode_request rt;  /* which values: current or saved */
    const uint8_t *held;   /* what they hold now */
    const uint8_t *before; /* what they held before the change */
    const uint8_t *sent;   /* what the change left in them */
    size_t len;
    uint8_t *mask; /* the bits the change touched */
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
undo_step_values(struct undo_values *v, const struct page_def *pd)
{
    size_t len = v->len,
           hdr = mode_page_header_decode(v->sent, v->len).header_len;

    v->mask = xcalloc(1, len);
    for (size_t i = hdr; i < len; i++)
        v->mask[i] = v->before[i] ^ v->sent[i];
    struct field_ref *refs = NULL;
    size_t nrefs = pd != NULL ? field_list(pd, v->sent, len, &refs) : 0;
    uint8_t *field = xcalloc(1, len);
    for (size_t r = 0; r < nrefs; r++) {
        memset(field, 0, len);
        field_mark(field, &refs[r]);
        bool touched = false;
        for (size_t i = hdr; i < len && !touched; i++)
            touched = (field[i] & v->mask[i]) != 0;
        for (size_t i = hdr; touched && i < len; i++)
            v->mask[i] |= field[i];
    }
    free(field);
    free(refs);
    v->state = UNDO_AS_BEFORE;
    for (size_t i = 0; i < len && v->state == UNDO_AS_BEFORE; i++)
        if ((v->held[i] ^ v->before[i]) & v->mask[i])
            v->state = UNDO_IN_EFFECT;
    if (v->state == UNDO_AS_BEFORE)
        return;
    for (size_t i = 0; i < len; i++) {
        if ((v->held[i] ^ v->sent[i]) & v->mask[i]) {
            v->state = UNDO_CHANGED;
            v->where = i;
            return;
        }
    }
}

/* The values as they are now with the touched bits as before. */
static uint8_t *
undo_step_target(const struct undo_values *v)
{
    uint8_t *page = xmalloc(v->len);

    for (size_t k = 0; k < v->len; k++)
        page[k] =
            (uint8_t)((v->held[k] & ~v->mask[k]) | (v->before[k] & v->mask[k]));
    page[0] &= (uint8_t)~MODE_PAGE_PS;
    return page;
}

/* Mark the last change undone in the record, saying so if that fails. */
static void
undo_step_drop(struct cmd_ctx *ctx, struct undo_stack *st)
{
    struct err err;

    err_clear(&err);
    if (undo_stack_mark_undone(st, &err) != 0)
        cmd_warn(ctx, "warning: the undo record keeps that change: %s",
                 err.msg);
}

/* The current values 'page', as read now, as they were before an undo
 * of 'c' that stopped part-way first sent the page a MODE SELECT: a byte
 * that still holds what its last MODE SELECT of the page sent goes back
 * to what it was before the first; any other byte was changed since, by
 * another program, and stays as read, so that the check for a change
 * since sees it.  False when no such undo sent the page. */
static bool
undo_step_began(const struct undo_change *c, uint8_t *page, size_t len)
{
    for (size_t i = 0; i < c->nbegan; i++) {
        const struct undo_began *b = &c->began[i];
        if (b->len != len || !undo_same_page(b->current, page))
            continue;
        for (size_t at = 1; at < len; at++)
            if (page[at] == b->sent[at])
                page[at] = b->current[at];
        return true;
    }
    return false;
}

/* Everything an undo reads before it sends: per page its definition,
 * label and values now. */
struct undo_page {
    uint8_t code, subpage;
    const struct page_def *pd;
    char label[128];
    uint8_t *current, *saved;
    bool began; /* current holds values an undo that stopped put back */
};

static int
undo_step_read(struct cmd_ctx *ctx, struct recorder *rec, struct undo_page *up,
               const uint8_t *sent, size_t len, bool saved, struct err *err)
{
    size_t cur_len = 0, sav_len = 0;

    struct mode_page_header head = mode_page_header_decode(sent, len);
    up->code = head.code;
    up->subpage = head.subpage;
    if (cmd_page_def(ctx, rec, up->code, up->subpage, &up->pd, err) != 0)
        return -1;
    cmd_page_label(up->pd, up->code, up->subpage, up->label, sizeof up->label);
    if (recorder_get_mode_page(rec, up->code, up->subpage, MODE_REQUEST_CURRENT,
                               &up->current, &cur_len, err) != 0 ||
        (saved &&
         recorder_get_mode_page(rec, up->code, up->subpage, MODE_REQUEST_SAVED,
                                &up->saved, &sav_len, err) != 0))
        return -1;
    if (cur_len != len || (saved && sav_len != len))
        return err_set(err, E_FAIL,
                       "%s is %zu bytes on the drive now but was %zu when "
                       "changed: the record does not fit it; nothing was "
                       "sent",
                       up->label, saved && sav_len != len ? sav_len : cur_len,
                       len);
    return 0;
}

/* One undo of the newest MODE SELECT on record: what it reads, plans and
 * sends, kept together so that each phase below takes one argument. */
struct undo_job {
    struct cmd_ctx *ctx;
    struct recorder *rec;
    const struct undo_change *c;
    bool dry_run, saving;
    size_t npages; /* the page changed, and the others a saving change kept */
    size_t
        nextra; /* pages an undo that stopped part-way passed values through */
    struct undo_page *pages;
    size_t nvalues;
    struct undo_values *values;
    struct apply_page *apply;
};

/* Read the page changed, and with a saving change the other pages whose
 * saved values it replaced. */
static int
undo_step_read_pages(struct undo_job *job, struct err *err)
{
    const struct undo_change *c = job->c;

    for (size_t i = 0; i < job->npages; i++) {
        struct undo_page *up = &job->pages[i];
        const uint8_t *sent = i == 0 ? c->sent : c->others[i - 1].current;
        size_t len = i == 0 ? c->len : c->others[i - 1].len;
        if (undo_step_read(job->ctx, job->rec, up, sent, len, job->saving,
                           err) != 0)
            return -1;
        if (i == 0)
            cmd_print(job->ctx, "undoing '%s' of %s (%s values) at %s",
                      c->command, up->label, mode_request_name(c->rt), c->time);
        /* An undo of it that stopped part-way left some current values
         * holding its passes' values: they count as they were before it
         * began, so that it is finished as it would have gone, and no
         * page keeps a value that only passed through it. */
        up->began = undo_step_began(c, up->current, len);
        if (up->began && i == 0)
            cmd_print(job->ctx, "an undo of it stopped part-way: going on "
                                "from the values the pages had before it "
                                "began");
    }
    return 0;
}

/* Read the pages outside the change that an undo which stopped part-way
 * passed values through (savable pages whose saved values it kept):
 * their current values go back to what they were before it. */
static int
undo_step_read_passed(struct undo_job *job, struct err *err)
{
    const struct undo_change *c = job->c;

    for (size_t k = 0; k < c->nbegan && job->saving; k++) {
        const struct undo_began *b = &c->began[k];
        bool listed = false;
        for (size_t i = 0; i < job->npages && !listed; i++)
            listed = undo_same_page(job->pages[i].current, b->current);
        if (listed)
            continue;
        struct undo_page *up = &job->pages[job->npages + job->nextra];
        struct apply_page *a = &job->apply[job->npages + job->nextra];
        up->code = b->current[0] & MODE_PAGE_CODE;
        up->subpage = (b->current[0] & MODE_PAGE_SPF) ? b->current[1] : 0;
        if (cmd_page_def(job->ctx, job->rec, up->code, up->subpage, &up->pd,
                         err) != 0)
            return -1;
        cmd_page_label(up->pd, up->code, up->subpage, up->label,
                       sizeof up->label);
        a->code = up->code;
        a->subpage = up->subpage;
        a->pd = up->pd;
        a->label = up->label;
        job->nextra++;
        size_t cur_len = 0;
        if (recorder_get_mode_page(job->rec, up->code, up->subpage,
                                   MODE_REQUEST_CURRENT, &up->current, &cur_len,
                                   err) != 0)
            return -1;
        if (cur_len != b->len)
            return err_set(err, E_FAIL,
                           "%s is %zu bytes on the drive now but was %zu when "
                           "an undo stopped part-way: the record does not fit "
                           "it; nothing was sent",
                           up->label, cur_len, b->len);
        undo_step_began(c, up->current, cur_len);
        a->len = b->len;
        a->current = up->current;
    }
    return 0;
}

/* The values to put back.  A saving change is put back in the saved
 * values and in the current values; one recorded without the saved
 * values puts back the current values through the same request. */
static void
undo_step_plan(struct undo_job *job)
{
    const struct undo_change *c = job->c;
    struct undo_page *pages = job->pages;

    if (job->saving)
        job->values[job->nvalues++] = (struct undo_values){
            .label = pages[0].label,
            .rt = MODE_REQUEST_SAVED,
            .held = pages[0].saved,
            .before = c->saved_before,
            .sent = c->sent,
            .len = c->len,
        };
    job->values[job->nvalues++] = (struct undo_values){
        .label = pages[0].label,
        .rt = MODE_REQUEST_CURRENT,
        .held = pages[0].current,
        .before = c->before,
        .sent = c->sent,
        .len = c->len,
    };
    for (size_t i = 1; i < job->npages; i++)
        job->values[job->nvalues++] = (struct undo_values){
            .label = pages[i].label,
            .rt = MODE_REQUEST_SAVED,
            .held = pages[i].saved,
            .before = c->others[i - 1].saved,
            .sent = c->others[i - 1].current,
            .len = c->others[i - 1].len,
        };
}

/* Find the bits each change touched and where they stand now: refused
 * when one was changed again since, unless --force.  *in_effect is
 * whether any of them still holds the change. */
static int
undo_step_check(struct undo_job *job, bool force, bool *in_effect,
                struct err *err)
{
    *in_effect = false;
    for (size_t i = 0; i < job->nvalues; i++) {
        struct undo_values *v = &job->values[i];
        undo_step_values(v, i < 2 ? job->pages[0].pd : job->pages[i - 1].pd);
        *in_effect |= v->state != UNDO_AS_BEFORE;
        if (v->state == UNDO_CHANGED && !force)
            return err_usage(
                err,
                "%s was changed again since (%s values): byte %zu is "
                "0x%02x, that change left 0x%02x; give --force to put "
                "back 0x%02x anyway; nothing was sent",
                v->label, mode_request_name(v->rt), v->where, v->held[v->where],
                v->sent[v->where] & v->mask[v->where],
                v->before[v->where] & v->mask[v->where]);
    }
    return 0;
}

/* Current values, or a saving change whose saved values the drive did
 * not show: one MODE SELECT of the request made. */
static enum cmd_status
undo_step_send_one(struct undo_job *job)
{
    const struct undo_change *c = job->c;
    struct undo_page *up = &job->pages[0];
    uint8_t *page = undo_step_target(&job->values[0]);
    struct field_ref *refs = NULL;
    size_t nrefs = up->pd ? field_list(up->pd, up->current, c->len, &refs) : 0;

    page[0] = (uint8_t)(up->current[0] & ~MODE_PAGE_PS);
    struct edit ed = {
        .rec = job->rec,
        .pd = up->pd,
        .label = up->label,
        .rt = c->rt,
        .before = up->current,
        .page = page,
        .len = c->len,
        .refs = refs,
        .nrefs = nrefs,
        .opts = { .dry_run = job->dry_run, .verify = true, .puts_back = true },
    };
    job->ctx->undoing = true;
    job->ctx->undo_of = c->select;
    enum cmd_status status = edit_commit(job->ctx, &ed);
    job->ctx->undoing = false;
    job->ctx->undo_of = NULL;
    free(refs);
    free(page);
    return status;
}

/* The saved values of the page and of the others it saved, and the
 * page's current values, in the order apply_pages keeps. */
static enum cmd_status
undo_step_send_saving(struct undo_job *job)
{
    const struct undo_change *c = job->c;
    struct undo_values *values = job->values;
    struct apply_page *apply = job->apply;
    size_t npages = job->npages;
    uint8_t **targets = xcalloc(npages + 1, sizeof *targets);
    struct apply_result res;

    for (size_t i = 0; i < npages; i++) {
        apply[i].code = job->pages[i].code;
        apply[i].subpage = job->pages[i].subpage;
        apply[i].pd = job->pages[i].pd;
        apply[i].label = job->pages[i].label;
        apply[i].len = i == 0 ? c->len : c->others[i - 1].len;
    }
    apply[0].saved = targets[0] =
        values[0].state != UNDO_AS_BEFORE ? undo_step_target(&values[0]) : NULL;
    apply[0].current = targets[npages] = undo_step_target(&values[1]);
    for (size_t i = 1; i < npages; i++) {
        apply[i].saved = targets[i] = values[i + 1].state != UNDO_AS_BEFORE
                                          ? undo_step_target(&values[i + 1])
                                          : NULL;
        /* Current values as they are, or were before an undo that
         * stopped part-way passed others through them. */
        apply[i].current = job->pages[i].began ? job->pages[i].current : NULL;
    }
    job->ctx->undoing = true;
    job->ctx->undo_of = c->select;
    enum cmd_status status = apply_pages(
        job->ctx, job->rec, apply, npages + job->nextra, job->dry_run, &res);
    job->ctx->undoing = false;
    job->ctx->undo_of = NULL;
    for (size_t i = 0; i <= npages; i++)
        free(targets[i]);
    free(targets);
    if (status != CMD_OK && status != CMD_NOT_APPLIED && res.written[0] != '\0')
        cmd_warn(job->ctx,
                 "undo stopped at %s; pages written before it: %s (the "
                 "change stays on record)",
                 res.stopped, res.written);
    return status;
}

static void
undo_step_job_free(struct undo_job *job)
{
    for (size_t i = 0; i < job->nvalues; i++)
        free(job->values[i].mask);
    for (size_t i = 0; i < job->npages + job->nextra; i++) {
        free(job->pages[i].current);
        free(job->pages[i].saved);
    }
    free(job->values);
    free(job->pages);
    free(job->apply);
}

/* Undo the newest MODE SELECT on record: read the pages it touched,
 * plan the values to put back, check that they still hold what it sent,
 * send, and drop it from the record once put back whole. */
enum cmd_status
undo_step(struct cmd_ctx *ctx, struct recorder *rec, struct undo_stack *st,
          bool dry_run, bool force)
{
    const struct undo_change *c = &st->changes[st->count - 1];
    struct undo_job job = {
        .ctx = ctx,
        .rec = rec,
        .c = c,
        .dry_run = dry_run,
        .saving = c->saved_before != NULL,
    };
    enum cmd_status status;
    bool in_effect;
    struct err err;

    err_clear(&err);
    job.npages = 1 + (job.saving ? c->nothers : 0);
    job.pages = xcalloc(job.npages + c->nbegan, sizeof *job.pages);
    job.values = xcalloc(job.npages + 1, sizeof *job.values);
    job.apply = xcalloc(job.npages + c->nbegan, sizeof *job.apply);
    if (undo_step_read_pages(&job, &err) != 0 ||
        undo_step_read_passed(&job, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    undo_step_plan(&job);
    if (undo_step_check(&job, force, &in_effect, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    if (!in_effect) {
        cmd_print(ctx,
                  "%s is as it was before that change (the drive did not "
                  "take it, or it was put back since): nothing to send",
                  job.pages[0].label);
        if (!job.dry_run)
            undo_step_drop(ctx, st);
        status = CMD_OK;
        goto out;
    }
    status =
        job.saving ? undo_step_send_saving(&job) : undo_step_send_one(&job);
    /* A change only partly put back stays on record, so that the next
     * undo can finish it. */
    if (status == CMD_OK && !job.dry_run)
        undo_step_drop(ctx, st);
out:
    undo_step_job_free(&job);
    return status;
}
