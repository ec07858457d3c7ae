/* A page of a drive with FIELD=VALUE words applied to its current values,
 * checked word by word against the page's definition, the drive's
 * changeable values and the other words. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/edit.h"
#include "util/xmalloc.h"

/* One decimal part of BYTE:BIT:WIDTH, all digits and at most 'max'. */
static bool
edit_part(const char **p, char stop, unsigned long max, unsigned *out)
{
    unsigned long v = 0;
    const char *s = *p;

    if (!isdigit((unsigned char)*s))
        return false;
    for (; isdigit((unsigned char)*s); s++) {
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return false;
    }
    if (*s != stop)
        return false;
    *out = (unsigned)v;
    *p = stop ? s + 1 : s;
    return true;
}

/* sdparm's BYTE:BIT:WIDTH address of bits without a definition (BIT is
 * the most significant bit of the run). */
static bool
edit_numeric(const char *name, struct field_def *fd)
{
    unsigned byte, bit, width;
    const char *p = name;

    if (!edit_part(&p, ':', 0xffff, &byte) || !edit_part(&p, ':', 7, &bit) ||
        !edit_part(&p, '\0', 64, &width) || width < 1)
        return false;
    memset(fd, 0, sizeof *fd);
    fd->kind = FIELD_NUMBER;
    fd->byte = byte;
    fd->bit = bit;
    fd->width = width;
    return true;
}

/* Refuse an edit of bits the drive does not let change, naming the field
 * and what may change; with --force only warn. */
static int
edit_check_changeable(struct cmd_ctx *ctx, const struct field_ref *ref,
                      const uint8_t *before, const uint8_t *page,
                      const uint8_t *chg, bool force, struct err *err)
{
    size_t first = (ref->base + ref->fd->byte) * 8 + (7 - ref->fd->bit);
    bool locked = false;

    if (chg == NULL)
        return 0;
    for (size_t b = first; b < first + ref->fd->width; b++) {
        uint8_t mask = (uint8_t)(0x80u >> (b % 8));
        if (((before[b / 8] ^ page[b / 8]) & mask) && !(chg[b / 8] & mask))
            locked = true;
    }
    if (!locked)
        return 0;
    int state = field_mask_state(chg, ref->fd, ref->base);
    if (force) {
        cmd_warn(ctx,
                 "warning: %s is %s on this drive; sending anyway "
                 "(--force)",
                 ref->acronym,
                 state == 0 ? "not changeable"
                            : "only partly "
                              "changeable");
        return 0;
    }
    if (state == 0)
        return err_usage(err,
                         "%s is not changeable on this drive (its "
                         "changeable value is 0); nothing was sent",
                         ref->acronym);
    /* The mask as the field's bits, most significant first. */
    char mask[72];
    size_t n = 0;
    for (size_t b = first; b < first + ref->fd->width && n + 1 < sizeof mask;
         b++)
        mask[n++] = ((chg[b / 8] >> (7 - b % 8)) & 1u) ? '1' : '0';
    mask[n] = '\0';
    return err_usage(err,
                     "%s is only partly changeable on this drive: of its "
                     "bits (most significant first) those marked 1 may "
                     "change: %s; nothing was sent",
                     ref->acronym, mask);
}

/* A forced enum value the legend does not name goes, said as a forced
 * not-changeable field is, so that diff (and the console's commit dialog)
 * shows it before it is sent. */
static void
edit_warn_undefined(struct cmd_ctx *ctx, const struct field_ref *ref,
                    const uint8_t *before, const uint8_t *page)
{
    if (ref->fd->kind != FIELD_ENUM || !edit_field_changed(ref, before, page))
        return;
    uint64_t value = field_get(page, ref->fd, ref->base);
    if (!field_value_undefined(ref->fd, value))
        return;
    cmd_warn(ctx,
             "warning: %s=%llu is no value of %s (reserved or undefined); "
             "sending anyway (--force)",
             ref->acronym, (unsigned long long)value,
             ref->fd->name ? ref->fd->name : ref->acronym);
}

void
edit_plan_free(struct edit_plan *plan)
{
    free(plan->refs);
    free(plan->numeric);
    free(plan->page);
    free(plan->chg);
    free(plan->before);
    free(plan->overridden);
    free(plan->word_refs);
    memset(plan, 0, sizeof *plan);
}

bool
edit_plan_word_changes(const struct edit_plan *plan, int word)
{
    return edit_field_changed(&plan->refs[plan->word_refs[word]], plan->before,
                              plan->page);
}

bool
edit_plan_words_overlap(const struct edit_plan *plan, int a, int b)
{
    uint8_t *bits_a = xcalloc(1, plan->len), *bits_b = xcalloc(1, plan->len);

    field_mark(bits_a, &plan->refs[plan->word_refs[a]]);
    field_mark(bits_b, &plan->refs[plan->word_refs[b]]);
    bool overlap = false;
    for (size_t i = 0; i < plan->len; i++)
        overlap |= (bits_a[i] & bits_b[i]) != 0;
    free(bits_a);
    free(bits_b);
    return overlap;
}

/* Whether two page-sized bit masks share a bit. */
static bool
edit_overlap(const uint8_t *a, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (a[i] & b[i])
            return true;
    return false;
}

/* Whether every bit of 'b' is in 'a'. */
static bool
edit_covers(const uint8_t *a, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (b[i] & ~a[i])
            return false;
    return true;
}

/* Apply FIELD=VALUE words to plan->page, each checked against the
 * drive's changeable mask (unless forced) and against the bits the words
 * before it set.  'bits' holds a page-sized mask per word. */
static int
edit_plan_fields(struct cmd_ctx *ctx, struct edit_plan *plan,
                 char *const *words, int nwords, int first_new, bool new_force,
                 const bool *staged_forced, uint8_t *bits, struct err *err)
{
    size_t nnumeric = 0;

    for (int i = 0; i < nwords; i++) {
        bool force = i >= first_new ? new_force
                                    : staged_forced != NULL && staged_forced[i];
        const char *word = words[i], *eq = strchr(word, '=');
        const struct field_ref *ref;
        struct field_ref one;
        char name[64];

        if (eq == NULL || eq == word || (size_t)(eq - word) >= sizeof name)
            return err_usage(err, "'%s': expected FIELD=VALUE", word);
        snprintf(name, sizeof name, "%.*s", (int)(eq - word), word);
        if (edit_numeric(name, &plan->numeric[nnumeric])) {
            one.fd = &plan->numeric[nnumeric++];
            one.base = 0;
            snprintf(one.acronym, sizeof one.acronym, "%.40s", name);
            size_t hdr =
                mode_page_header_decode(plan->before, plan->len).header_len;
            if (!field_fits(one.fd, 0, plan->len) || one.fd->byte < hdr)
                return err_usage(err,
                                 "%s: outside the page's %zu bytes (byte %zu "
                                 "is the first after the header)",
                                 name, plan->len, hdr);
            plan->refs =
                xrealloc(plan->refs, (plan->nrefs + 1) * sizeof *plan->refs);
            plan->refs[plan->nrefs++] = one;
            ref = &plan->refs[plan->nrefs - 1];
        } else if (plan->pd == NULL) {
            return err_usage(err,
                             "%s has no definition, so no field '%s': "
                             "address bits as BYTE:BIT:WIDTH=VALUE (e.g. "
                             "2:3:4=1), or give the page with --data",
                             plan->label, name);
        } else if ((ref = field_find(plan->refs, plan->nrefs, name, plan->label,
                                     err)) == NULL) {
            return -1;
        }
        plan->word_refs[i] = (size_t)(ref - plan->refs);
        if (plan->pd != NULL && plan->pd->readonly && !force)
            return err_usage(err,
                             "%s is read-only (its fields report what the "
                             "drive can do); nothing was sent",
                             plan->label);
        uint8_t *mine = bits + (size_t)i * plan->len;
        field_mark(mine, ref);
        for (int j = 0; j < i; j++) {
            if (!edit_overlap(mine, bits + (size_t)j * plan->len, plan->len))
                continue;
            if (j >= first_new)
                return err_usage(err,
                                 "'%s': '%s' of this edit sets the same "
                                 "bits; give each field once",
                                 word, words[j]);
            /* A staged value is replaced whole, never in part. */
            if (!edit_covers(mine, bits + (size_t)j * plan->len, plan->len))
                return err_usage(err,
                                 "'%s' sets some of the bits of the staged "
                                 "'%s': stage all of them again, or discard",
                                 word, words[j]);
            plan->overridden[j] = true;
        }
        if (field_parse_value(plan->page, ref, eq + 1, force, err) != 0 ||
            edit_check_changeable(ctx, ref, plan->before, plan->page, plan->chg,
                                  force, err) != 0)
            return -1;
        edit_warn_undefined(ctx, ref, plan->before, plan->page);
    }
    return 0;
}

int
edit_plan_build(struct cmd_ctx *ctx, const char *drive, const char *page_arg,
                char *const *words, int nwords, bool force,
                struct edit_plan *plan, struct err *err)
{
    return edit_plan_build_staged(ctx, drive, page_arg, words, nwords, 0, force,
                                  NULL, plan, err);
}

/* What the words ask that the page holds already, for the no-change
 * message. */
static void
edit_plan_unchanged(struct edit_plan *plan, int nwords)
{
    size_t used = 0;

    plan->unchanged[0] = '\0';
    for (int i = 0; i < nwords; i++) {
        char value[160];
        if (plan->overridden[i])
            continue;
        const struct field_ref *ref = &plan->refs[plan->word_refs[i]];
        field_format(plan->before, ref, value, sizeof value);
        int n = snprintf(plan->unchanged + used, sizeof plan->unchanged - used,
                         "%s%s is already %s", used ? ", " : "", ref->acronym,
                         value);
        if (n < 0 || (size_t)n >= sizeof plan->unchanged - used) {
            /* Too many to name: the page is named instead. */
            plan->unchanged[0] = '\0';
            return;
        }
        used += (size_t)n;
    }
}

int
edit_plan_build_staged(struct cmd_ctx *ctx, const char *drive,
                       const char *page_arg, char *const *words, int nwords,
                       int first_new, bool force, const bool *staged_forced,
                       struct edit_plan *plan, struct err *err)
{
    return edit_plan_build_on(ctx, drive, page_arg, NULL, 0, words, nwords,
                              first_new, force, staged_forced, plan, err);
}

/* The page's current values: 'base' when given (and of the page), else
 * read from the drive. */
static int
edit_plan_read_base(struct edit_plan *plan, uint8_t code, uint8_t subpage,
                    const uint8_t *base, size_t base_len, struct err *err)
{
    if (base == NULL || mode_page_header_decode(base, base_len).code != code ||
        mode_page_header_decode(base, base_len).subpage != subpage)
        return recorder_get_mode_page(plan->rec, code, subpage,
                                      MODE_REQUEST_CURRENT, &plan->before,
                                      &plan->len, err);
    plan->before = xmalloc(base_len);
    memcpy(plan->before, base, base_len);
    plan->len = base_len;
    return 0;
}

int
edit_plan_build_on(struct cmd_ctx *ctx, const char *drive, const char *page_arg,
                   const uint8_t *base, size_t base_len, char *const *words,
                   int nwords, int first_new, bool force,
                   const bool *staged_forced, struct edit_plan *plan,
                   struct err *err)
{
    uint8_t code, subpage;
    size_t chg_len = 0;

    memset(plan, 0, sizeof *plan);
    if (cmd_open_page(ctx, drive, page_arg, &plan->rec, &code, &subpage,
                      &plan->pd, err) != 0 ||
        edit_plan_read_base(plan, code, subpage, base, base_len, err) != 0)
        return -1;
    if (recorder_get_mode_page(plan->rec, code, subpage,
                               MODE_REQUEST_CHANGEABLE, &plan->chg, &chg_len,
                               err) != 0 ||
        chg_len != plan->len) {
        free(plan->chg);
        plan->chg = NULL;
        err_clear(err);
    }
    cmd_page_label(plan->pd, code, subpage, plan->label, sizeof plan->label);
    if (plan->pd != NULL)
        plan->nrefs =
            field_list(plan->pd, plan->before, plan->len, &plan->refs);
    plan->numeric = xcalloc((size_t)nwords + 1, sizeof *plan->numeric);
    plan->page = xmalloc(plan->len);
    memcpy(plan->page, plan->before, plan->len);
    plan->page[0] &= 0x7f;

    /* Each bit set once: "WCE=0 WCE=1" is a slip, not an edit. */
    plan->overridden = xcalloc((size_t)nwords + 1, sizeof *plan->overridden);
    plan->word_refs = xcalloc((size_t)nwords + 1, sizeof *plan->word_refs);
    uint8_t *bits = xcalloc((size_t)nwords + 1, plan->len);
    int rc = edit_plan_fields(ctx, plan, words, nwords, first_new, force,
                              staged_forced, bits, err);
    free(bits);
    if (rc == 0)
        edit_plan_unchanged(plan, nwords);
    return rc;
}

void
edit_plan_keep_base(struct cmd_ctx *ctx, const struct edit_plan *plan)
{
    uint8_t *base = xmalloc(plan->len ? plan->len : 1);

    memcpy(base, plan->before, plan->len);
    free(ctx->stage_base);
    ctx->stage_base = base;
    ctx->stage_base_len = plan->len;
}

/* A page of 'len' bytes that the definition's fields all fit: its header
 * says code, subpage and length, and each repeat group's count is as
 * large as its field holds, so that every descriptor the page can hold is
 * listed. */
static uint8_t *
edit_plan_def_page(const struct page_def *pd, uint8_t code, uint8_t subpage,
                   bool spf, size_t len)
{
    uint8_t *page = xcalloc(1, len);

    page[0] = (uint8_t)(code | (spf ? MODE_PAGE_SPF : 0));
    if (spf) {
        page[1] = subpage;
        page[2] = (uint8_t)((len - 4) >> 8);
        page[3] = (uint8_t)(len - 4);
    } else {
        page[1] = (uint8_t)(len - 2);
    }
    for (size_t r = 0; pd != NULL && r < pd->nrepeats; r++) {
        const struct repeat_def *rd = &pd->repeats[r];
        struct field_def count = { .byte = rd->count_byte,
                                   .bit = rd->count_bit,
                                   .width = rd->count_width };
        if (rd->has_count && count.width <= 64 && field_fits(&count, 0, len))
            field_set(page, &count, 0,
                      count.width == 64 ? UINT64_MAX
                                        : (UINT64_C(1) << count.width) - 1);
    }
    return page;
}

int
edit_plan_check_def(struct cmd_ctx *ctx, const struct page_def *pd,
                    uint8_t code, uint8_t subpage, char *const *words,
                    int nwords, bool force, struct err *err)
{
    struct edit_plan plan;
    bool spf = pd != NULL ? pd->spf : subpage != 0;
    /* Without a definition, the longest page a MODE SENSE can return. */
    size_t len = spf ? 4 + 0xffff : 2 + 0xff;

    if (pd != NULL && pagedef_max_len(pd) > (spf ? 4u : 2u))
        len = pagedef_max_len(pd);
    memset(&plan, 0, sizeof plan);
    plan.pd = pd;
    cmd_page_label(pd, code, subpage, plan.label, sizeof plan.label);
    plan.before = edit_plan_def_page(pd, code, subpage, spf, len);
    plan.len = len;
    if (pd != NULL)
        plan.nrefs = field_list(pd, plan.before, plan.len, &plan.refs);
    plan.numeric = xcalloc((size_t)nwords + 1, sizeof *plan.numeric);
    plan.page = xmalloc(plan.len);
    memcpy(plan.page, plan.before, plan.len);
    plan.overridden = xcalloc((size_t)nwords + 1, sizeof *plan.overridden);
    plan.word_refs = xcalloc((size_t)nwords + 1, sizeof *plan.word_refs);
    uint8_t *bits = xcalloc((size_t)nwords + 1, plan.len);
    int rc =
        edit_plan_fields(ctx, &plan, words, nwords, 0, force, NULL, bits, err);
    free(bits);
    edit_plan_free(&plan);
    return rc;
}
