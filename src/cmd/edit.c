#include "cmd/edit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/changes.h"
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
    int header = ed->len > 0 && (ed->page[0] & 0x40) ? 4 : 2;
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
        if (!edit_changed(ref, base, ed->page))
            continue;
        /* Shown once: a field already shown for current values is not
         * repeated for saved ones. */
        if (base != ed->before && edit_changed(ref, ed->before, ed->page))
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
        bool changed = edit_changed(ref, base, ed->page);
        bool missing = edit_changed(ref, ed->page, held);
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
            ed->rec, ed->page[0] & 0x3f, (ed->page[0] & 0x40) ? ed->page[1] : 0,
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
        changes_note_saving_others(ctx, ed->rec, ed->page[0] & MODE_PAGE_CODE,
                                   (ed->page[0] & MODE_PAGE_SPF) ? ed->page[1]
                                                                 : 0);
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
        } else {
            cmd_print(ctx, "not verified (--no-verify)");
            status = CMD_OK;
        }
    }
    free(saved_before);
    set_report_fini(&rep);
    return status;
}

size_t
edit_differences(const struct page_def *pd, const uint8_t *a, const uint8_t *b,
                 const uint8_t *mask, size_t len, struct field_ref **fields,
                 uint8_t **loose)
{
    struct field_ref *refs = NULL;
    size_t nrefs = pd != NULL ? field_list(pd, a, len, &refs) : 0, n = 0;
    uint8_t *mine = xcalloc(1, len);

    *loose = xcalloc(1, len);
    for (size_t k = (a[0] & MODE_PAGE_SPF) ? 4 : 2; k < len; k++)
        (*loose)[k] = (uint8_t)((a[k] ^ b[k]) & (mask ? mask[k] : 0xff));
    for (size_t i = 0; i < nrefs; i++) {
        memset(mine, 0, len);
        field_mark(mine, &refs[i]);
        bool differs = false;
        for (size_t k = 0; k < len; k++) {
            differs |= ((a[k] ^ b[k]) & mine[k] & (mask ? mask[k] : 0xff)) != 0;
            (*loose)[k] &= (uint8_t)~mine[k];
        }
        if (differs)
            refs[n++] = refs[i];
    }
    free(mine);
    *fields = refs;
    return n;
}

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
    if (ref->fd->kind != FIELD_ENUM || !edit_changed(ref, before, page))
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
    return edit_changed(&plan->refs[plan->word_refs[word]], plan->before,
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
            size_t hdr = (plan->before[0] & 0x40) ? 4 : 2;
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
    uint8_t code, subpage;
    size_t chg_len = 0;

    memset(plan, 0, sizeof *plan);
    if (cmd_open_page(ctx, drive, page_arg, &plan->rec, &code, &subpage,
                      &plan->pd, err) != 0 ||
        recorder_get_mode_page(plan->rec, code, subpage, MODE_REQUEST_CURRENT,
                               &plan->before, &plan->len, err) != 0)
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
