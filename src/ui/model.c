#include "ui/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pagenames.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

static void
model_value(const struct drive_snapshot *snap, int pc,
            const struct field_ref *ref, char *buf, size_t len)
{
    if (snap->values[pc] == NULL ||
        !field_fits(ref->fd, ref->base, snap->lens[pc]))
        snprintf(buf, len, "-");
    else
        field_format(snap->values[pc], ref, buf, len);
}

static bool
model_field_differs(const uint8_t *a, const uint8_t *b,
                    const struct field_ref *ref)
{
    return field_get(a, ref->fd, ref->base) != field_get(b, ref->fd, ref->base);
}

/* The field's value changed between the read before an outside change
 * and now, under page control 'pc'. */
static bool
model_changed_outside(const struct drive_snapshot *snap, int pc,
                      const struct field_ref *ref)
{
    const uint8_t *was = snap->changed_from[pc], *now = snap->values[pc];

    return was != NULL && now != NULL &&
           snap->changed_from_lens[pc] == snap->lens[pc] &&
           field_fits(ref->fd, ref->base, snap->lens[pc]) &&
           model_field_differs(was, now, ref);
}

void
field_model_build(struct field_model *m, const struct drive_snapshot *snap,
                  const struct commit_record *commit, const struct err *error)
{
    const uint8_t *cur = snap->values[MODE_REQUEST_CURRENT];
    const uint8_t *chg = snap->values[MODE_REQUEST_CHANGEABLE];
    size_t len = snap->lens[MODE_REQUEST_CURRENT];
    struct field_ref *refs = NULL;

    memset(m, 0, sizeof *m);
    if (!snap->has_page || cur == NULL)
        return;
    /* A page without a definition is named by its code alone. */
    const char *name = snap->pd ? snap->pd->name : "";
    char code[PAGENAMES_CODE_LEN];
    pagenames_code(snap->code, snap->subpage, code);
    snprintf(m->title, sizeof m->title, "%s %s", code, name);
    snprintf(m->detail, sizeof m->detail, "%zu bytes, %s", len,
             drive_snapshot_savable(snap) ? "savable" : "not savable");
    if (snap->pd == NULL)
        return;
    m->has_def = true;
    m->nrows = field_list(snap->pd, cur, len, &refs);
    m->rows = xcalloc(m->nrows ? m->nrows : 1, sizeof *m->rows);
    const struct field_ref *pointed = NULL;
    if (error != NULL && error->field_byte >= 0)
        pointed = field_at(refs, m->nrows, error->field_byte, error->field_bit);
    for (size_t i = 0; i < m->nrows; i++) {
        struct field_row *row = &m->rows[i];
        row->ref = refs[i];
        model_value(snap, MODE_REQUEST_CURRENT, &refs[i], row->current,
                    sizeof row->current);
        model_value(snap, MODE_REQUEST_DEFAULT, &refs[i], row->deflt,
                    sizeof row->deflt);
        model_value(snap, MODE_REQUEST_SAVED, &refs[i], row->saved,
                    sizeof row->saved);
        row->changeable =
            chg != NULL && field_fits(refs[i].fd, refs[i].base,
                                      snap->lens[MODE_REQUEST_CHANGEABLE])
                ? field_mask_state(chg, refs[i].fd, refs[i].base)
                : -2;
        if (snap->staged != NULL &&
            model_field_differs(cur, snap->staged, &refs[i])) {
            row->change = FIELD_CHANGE_STAGED;
            field_format(snap->staged, &refs[i], row->staged,
                         sizeof row->staged);
        } else if (model_changed_outside(snap, MODE_REQUEST_CURRENT,
                                         &refs[i]) ||
                   model_changed_outside(snap, MODE_REQUEST_SAVED, &refs[i])) {
            int pc = model_changed_outside(snap, MODE_REQUEST_CURRENT, &refs[i])
                         ? MODE_REQUEST_CURRENT
                         : MODE_REQUEST_SAVED;
            char was[96];
            row->change = FIELD_CHANGE_OUTSIDE;
            field_format(snap->changed_from[pc], &refs[i], was, sizeof was);
            snprintf(row->was, sizeof row->was, "%s%s",
                     pc == MODE_REQUEST_SAVED ? "saved was " : "was ", was);
        } else if (commit != NULL && commit->len == len &&
                   commit->code == snap->code &&
                   commit->subpage == snap->subpage &&
                   model_field_differs(commit->before, commit->sent,
                                       &refs[i])) {
            row->change = model_field_differs(commit->sent, cur, &refs[i])
                              ? FIELD_CHANGE_NOT_APPLIED
                              : FIELD_CHANGE_APPLIED;
        }
        row->rejected = pointed == &refs[i];
    }
    free(refs);
}

void
field_model_free(struct field_model *m)
{
    free(m->rows);
    memset(m, 0, sizeof *m);
}

void
model_media_text(const struct drive_snapshot *snap, char *buf, size_t len)
{
    if (!snap->media_known) {
        snprintf(buf, len, "%s", snap->identified ? "" : "...");
        return;
    }
    if (snap->media == MEDIA_UNKNOWN && snap->media_error.hr != S_OK) {
        /* The two a technician meets most get words; the rest their
         * name, which the message log explains. */
        if (snap->media_error.hr == HRESULT_ERROR_DEV_NOT_EXIST)
            snprintf(buf, len, "vanished");
        else if (snap->media_error.hr == E_IMAPI_RECORDER_COMMAND_TIMEOUT)
            snprintf(buf, len, "not answering");
        else
            snprintf(buf, len, "%s", hresult_name(snap->media_error.hr));
        return;
    }
    if (snap->progress >= 0 &&
        (snap->media == MEDIA_FORMATTING || snap->media == MEDIA_BUSY))
        snprintf(buf, len, "%s %d%%", media_state_name(snap->media),
                 snap->progress / 10);
    else
        snprintf(buf, len, "%s", media_state_name(snap->media));
}
