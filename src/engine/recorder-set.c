/*
 * Writing a mode page: MODE SELECT(10) (SetModePage) in its phases,
 * validate, read the drive's state, check, build the parameter list,
 * send, verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/recorder-internal.h"
#include "engine/recorder.h"
#include "engine/sense.h"
#include "util/xmalloc.h"

void
set_report_fini(struct set_report *rep)
{
    free(rep->after);
    free(rep->param_list);
    free(rep->before);
    free(rep->unapplied);
    memset(rep, 0, sizeof *rep);
}

/* The page a MODE SELECT is for, as the caller gave it. */
struct select_target {
    const uint8_t *data;
    size_t len;
    struct mode_page_header h; /* of data */
    char label[RECORDER_LABEL_LEN];
};

/* The page's name for a message. */
static const char *
select_label(const struct recorder *rec, struct select_target *t)
{
    return recorder_label(rec, t->label, t->h.code, t->h.subpage);
}

static int
recorder_highest_bit(uint8_t bits)
{
    for (int b = 7; b >= 0; b--)
        if (bits & (1u << b))
            return b;
    return -1;
}

/*
 * The checks a drive makes on MODE SELECT (SPC-4 6.11 and 7.5; the page
 * length and changeable-bit rules are those drives enforce, see
 * docs/engine.md), made before anything is sent so that the user learns which
 * byte and bit without a round trip.
 */
static int
recorder_precheck(const struct recorder *rec, struct select_target *t,
                  const uint8_t *cur, size_t cur_len, const uint8_t *chg,
                  struct err *err)
{
    const uint8_t *page = t->data;
    size_t len = t->len, hdr = t->h.header_len;

    /* Page code, SPF, subpage and page length must be the drive's own
     * (PS aside): the byte offsets below depend on them. */
    if (len >= hdr && cur_len >= hdr &&
        ((page[0] ^ cur[0]) & (uint8_t)~MODE_PAGE_PS ||
         memcmp(page + 1, cur + 1, hdr - 1))) {
        err->field_byte = 0;
        return err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                       "%s: the page header %02x %02x does not match the "
                       "drive's %02x %02x (page code, format and length)",
                       select_label(rec, t), page[0], page[1], cur[0], cur[1]);
    }
    if (len != cur_len) {
        err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                "%s: the data is %zu bytes but the drive's page is %zu "
                "bytes",
                select_label(rec, t), len, cur_len);
        err->field_byte = 1;
        return -1;
    }
    if (chg == NULL)
        return 0;
    for (size_t i = hdr; i < len; i++) {
        uint8_t locked = (uint8_t)((cur[i] ^ page[i]) & ~chg[i]);
        if (locked == 0)
            continue;
        err->field_byte = (int)i;
        err->field_bit = recorder_highest_bit(locked);
        return err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                       "%s: byte %zu bit %d is not changeable (current "
                       "0x%02x, new 0x%02x, changeable mask 0x%02x)",
                       select_label(rec, t), i, err->field_bit, cur[i], page[i],
                       chg[i]);
    }
    return 0;
}

/* Point the drive's sense-key-specific field pointer into the page. */
static void
recorder_locate_field(struct err *err, size_t page_len)
{
    struct sense s;

    if (!sense_decode(err->sense, err->sense_len, &s) || !s.sksv ||
        s.key != SENSE_ILLEGAL_REQUEST)
        return;
    /* A pointer into the CDB, or into the header, is shown from the sense
     * data as it is.  One into the page counts from the start of the
     * parameter list (SPC-4 4.5.2.4.2); the engine sends no block
     * descriptors, so the page starts right after the header. */
    if (s.field_in_cdb || s.field < MODE_HEADER10_LEN ||
        (size_t)(s.field - MODE_HEADER10_LEN) >= page_len)
        return;
    err->field_byte = s.field - MODE_HEADER10_LEN;
    err->field_bit = s.bit_valid ? s.bit : -1;
}

static void
recorder_verify(struct recorder *rec, enum mode_request rt, const uint8_t *page,
                size_t len, struct set_report *rep, struct err *err)
{
    enum mode_request which[2] = { MODE_REQUEST_CURRENT, MODE_REQUEST_SAVED };
    size_t nwhich = rt == MODE_REQUEST_SAVED ? 2 : 1;
    struct mode_page_header h = mode_page_header_decode(page, len);

    for (size_t w = 0; w < nwhich; w++) {
        uint8_t *back;
        size_t back_len;

        /* Asked of the drive, never kept: this is the verification. */
        if (recorder_read_mode_page(rec, h.code, h.subpage, which[w], true,
                                    &back, &back_len, err) != 0) {
            err_prefix(err, "the drive accepted the change, but reading it "
                            "back failed");
            return;
        }
        for (size_t i = h.header_len; i < len; i++) {
            uint8_t got = i < back_len ? back[i] : 0;
            if (got == page[i])
                continue;
            rep->unapplied = xrealloc(
                rep->unapplied, (rep->nunapplied + 1) * sizeof *rep->unapplied);
            rep->unapplied[rep->nunapplied++] = (struct set_unapplied){
                .offset = i, .sent = page[i], .got = got, .where = which[w]
            };
        }
        if (which[w] == MODE_REQUEST_CURRENT) {
            rep->after = back;
            rep->after_len = back_len;
        } else {
            free(back);
        }
    }
    rep->verified = true;
}

bool
recorder_changed_since(const uint8_t *now, size_t now_len, const uint8_t *then,
                       size_t len, const char *label, struct err *err)
{
    size_t at = 0;

    if (now_len == len) {
        if (((now[0] ^ then[0]) & (uint8_t)~MODE_PAGE_PS) == 0)
            for (at = 1; at < len && now[at] == then[at]; at++)
                ;
        if (at == len)
            return false;
        err->field_byte = (int)at;
        err_set(err, E_FAIL,
                "%s changed since it was read (byte %zu: 0x%02x, now 0x%02x), "
                "by another program or the drive; nothing was sent: read it "
                "again and repeat the change",
                label, at, then[at], now[at]);
    } else {
        err_set(err, E_FAIL,
                "%s changed since it was read (%zu bytes, now %zu); nothing "
                "was sent: read it again and repeat the change",
                label, len, now_len);
    }
    return true;
}

/* What the caller asks for, before the drive is held or asked. */
static int
recorder_select_validate(const struct recorder *rec, enum mode_request rt,
                         struct select_target *t,
                         const struct set_options *opts, struct err *err)
{
    size_t declared;

    if (rt == MODE_REQUEST_CHANGEABLE || rt == MODE_REQUEST_DEFAULT)
        return err_set(err, E_INVALIDARG,
                       "MODE SELECT writes current or saved values; the "
                       "drive's %s values cannot be set",
                       mode_request_name(rt));
    if ((unsigned)rt > MODE_REQUEST_SAVED)
        return err_set(err, E_INVALIDARG, "request type %u is not valid",
                       (unsigned)rt);
    if (t->data == NULL)
        return err_set(err, E_POINTER, "no page data was given");
    t->h = mode_page_header_decode(t->data, t->len);
    if (!t->h.complete)
        return err_set(err, E_INVALIDARG,
                       "%zu bytes is too short for a mode page header", t->len);
    if (t->len > 0xffff - MODE_HEADER10_LEN)
        return err_set(err, E_INVALIDARG,
                       "%zu bytes is more than one MODE SELECT(10) carries",
                       t->len);
    declared = t->h.header_len + t->h.page_length;
    if (declared != t->len && !opts->force) {
        err->field_byte = t->h.spf ? 2 : 1;
        return err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                       "%s: the page length byte says %zu bytes but %zu "
                       "were given; nothing was sent",
                       select_label(rec, t), declared, t->len);
    }
    if (t->h.code == MODE_PAGE_ALL)
        return err_set(err, E_INVALIDARG,
                       "page 0x3f means all pages; give a single page");
    return 0;
}

/* What the drive holds now (rep->before), unchanged since opts->based_on,
 * and what it lets change (*chg, or NULL with rep->notice saying why). */
static int
recorder_select_read_state(struct recorder *rec, struct select_target *t,
                           const struct set_options *opts,
                           struct set_report *rep, uint8_t **chg,
                           struct err *err)
{
    size_t chg_len = 0;

    /* Read while the drive is held: from the drive, or kept from a read
     * made since it was held (recorder-read.c), never from before.  A
     * request built from an earlier read (opts->based_on) is checked
     * against it: a program on this host changes the drive through the
     * same I_T nexus and raises no UNIT ATTENTION (SPC-4 6.11). */
    if (opts->dry_run && opts->based_on != NULL) {
        /* Nothing goes out: the request is shown as built on the values
         * it was made from. */
        rep->before = xmalloc(t->len);
        memcpy(rep->before, opts->based_on, t->len);
        rep->before_len = t->len;
    } else if (opts->dry_run
                   ? recorder_get_mode_page(rec, t->h.code, t->h.subpage,
                                            MODE_REQUEST_CURRENT, &rep->before,
                                            &rep->before_len, err) != 0
                   /* What goes out is checked against the drive, never
                    * against what dry runs would have left. */
                   : recorder_read_mode_page(
                         rec, t->h.code, t->h.subpage, MODE_REQUEST_CURRENT,
                         false, &rep->before, &rep->before_len, err) != 0) {
        return -1;
    }
    if (opts->based_on != NULL &&
        recorder_changed_since(rep->before, rep->before_len, opts->based_on,
                               t->len, select_label(rec, t), err))
        return -1;
    if (opts->puts_back)
        return 0;
    if (recorder_get_mode_page(rec, t->h.code, t->h.subpage,
                               MODE_REQUEST_CHANGEABLE, chg, &chg_len,
                               err) == 0) {
        if (chg_len == rep->before_len)
            rep->checked = true;
        else
            snprintf(rep->notice, sizeof rep->notice,
                     "the drive's changeable values are %zu bytes for a "
                     "%zu-byte page: the edit was not checked",
                     chg_len, rep->before_len);
        return 0;
    }
    if (err->hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE)
        return -1;
    snprintf(rep->notice, sizeof rep->notice,
             "the drive does not report which values are changeable: "
             "the edit was not checked before sending");
    err_clear(err);
    return 0;
}

/* Current values the drive already holds would change nothing: no MODE
 * SELECT goes out, so none is recorded or audited.  Saving them (SP=1) is
 * a request of its own and goes out. */
static bool
recorder_select_unchanged(enum mode_request rt, const struct select_target *t,
                          const struct set_options *opts,
                          const struct set_report *rep)
{
    return rt == MODE_REQUEST_CURRENT && !opts->send_unchanged &&
           t->len == rep->before_len &&
           ((t->data[0] ^ rep->before[0]) & (uint8_t)~MODE_PAGE_PS) == 0 &&
           memcmp(t->data + 1, rep->before + 1, t->len - 1) == 0;
}

/* The drive's own checks, made here first; with opts->force a failed one
 * becomes rep->notice and the request goes out anyway. */
static int
recorder_select_check(const struct recorder *rec, enum mode_request rt,
                      struct select_target *t, const uint8_t *chg,
                      const struct set_options *opts, struct set_report *rep,
                      struct err *err)
{
    struct err check;

    err_clear(&check);
    int bad = recorder_precheck(rec, t, rep->before, rep->before_len,
                                rep->checked ? chg : NULL, &check);
    if (bad == 0 && rt == MODE_REQUEST_SAVED &&
        !(rep->before[0] & MODE_PAGE_PS)) {
        err_set(&check, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
                "%s: the drive cannot save this page (PS is 0)",
                select_label(rec, t));
        bad = -1;
    }
    if (bad == 0)
        return 0;
    if (!opts->force) {
        *err = check;
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "; nothing was sent");
        return -1;
    }
    snprintf(rep->notice, sizeof rep->notice, "sent anyway (--force): %.400s",
             check.msg);
    return 0;
}

/* Mode parameter header (10) with mode data length and block descriptor
 * length 0 (reserved, and none sent: SPC-4 7.5.5), then the page with PS
 * cleared, since PS is reserved in MODE SELECT; and the CDB. */
static void
recorder_select_build(enum mode_request rt, const struct select_target *t,
                      struct set_report *rep, struct scsi_io *io)
{
    rep->param_len = MODE_HEADER10_LEN + t->len;
    rep->param_list = xcalloc(1, rep->param_len);
    memcpy(rep->param_list + MODE_HEADER10_LEN, t->data, t->len);
    rep->param_list[MODE_HEADER10_LEN] &= (uint8_t)~MODE_PAGE_PS;
    scsi_build_mode_select10(io, rt == MODE_REQUEST_SAVED, rep->param_list,
                             (uint16_t)rep->param_len);
    memcpy(rep->cdb, io->cdb, sizeof rep->cdb);
}

/* The MODE SELECT itself, once the caller's hook lets it go.  -1 only
 * when the hook stopped it; a failed command sets err and rep->sent
 * stays false. */
static int
recorder_select_send(struct recorder *rec, struct select_target *t,
                     struct scsi_io *io, const struct select_event *ev,
                     struct set_report *rep, struct err *err)
{
    if (rec->hooks.before_select != NULL &&
        rec->hooks.before_select(rec->hooks.arg, rec, ev, err) != 0)
        return -1;
    /* Whatever its answer, the drive's page may change now. */
    recorder_overlay_forget(rec, rep->before, rep->before_len,
                            ev->rt == MODE_REQUEST_SAVED);
    if (recorder_exec(rec, io, true, err) == 0) {
        rep->sent = true;
        return 0;
    }
    if (!err->has_scsi) {
        err_prefix(err,
                   "%s: MODE SELECT(10) got no answer, so the drive "
                   "may or may not have applied the change; read "
                   "the page to see",
                   select_label(rec, t));
    } else {
        err_prefix(err, "%s", select_label(rec, t));
        recorder_locate_field(err, t->len);
    }
    return 0;
}

/* The read-back, and the caller's record of the outcome. */
static int
recorder_select_verify(struct recorder *rec, enum mode_request rt,
                       const struct set_options *opts, struct select_event *ev,
                       struct set_report *rep, struct err *err)
{
    /* The MODE SELECT's own result, apart from the read-back's. */
    struct err selected = *err;

    ev->result = &selected;
    if (rep->sent && opts->verify) {
        recorder_verify(rec, rt, ev->page, ev->len, rep, err);
        ev->readback = err;
    }
    if (rec->hooks.after_select != NULL) {
        struct err record;
        err_clear(&record);
        if (rec->hooks.after_select(rec->hooks.arg, rec, ev, &record) != 0) {
            if (!err_is_set(err))
                *err = record;
            else
                snprintf(err->msg + strlen(err->msg),
                         sizeof err->msg - strlen(err->msg), "; %s",
                         record.msg);
        }
    }
    return err_is_set(err) ? -1 : 0;
}

int
recorder_set_mode_page(struct recorder *rec, enum mode_request rt,
                       const uint8_t *data, size_t len,
                       const struct set_options *opts, struct set_report *rep,
                       struct err *err)
{
    struct select_target t = { .data = data, .len = len };
    struct scsi_io io = { 0 };
    uint8_t *chg = NULL;
    int rc = -1;

    memset(rep, 0, sizeof *rep);
    if (recorder_select_validate(rec, rt, &t, opts, err) != 0)
        return -1;
    if (recorder_acquire_exclusive(rec, err) != 0)
        return -1;
    if (recorder_select_read_state(rec, &t, opts, rep, &chg, err) != 0)
        goto out;
    if (recorder_select_unchanged(rt, &t, opts, rep)) {
        rep->unchanged = true;
        rc = 0;
        goto out;
    }
    if (recorder_select_check(rec, rt, &t, chg, opts, rep, err) != 0)
        goto out;
    recorder_select_build(rt, &t, rep, &io);
    if (opts->dry_run) {
        if (rec->simulating && !opts->preview)
            recorder_overlay_apply(rec, rt, data, len, rep->before,
                                   rep->before_len, rep->checked ? chg : NULL);
        rc = 0;
        goto out;
    }
    struct select_event ev = { .rt = rt,
                               .page = rep->param_list + MODE_HEADER10_LEN,
                               .len = len,
                               .rep = rep,
                               .result = err,
                               .readback = NULL };
    if (recorder_select_send(rec, &t, &io, &ev, rep, err) != 0)
        goto out;
    rc = recorder_select_verify(rec, rt, opts, &ev, rep, err);
out:
    free(chg);
    recorder_release_exclusive(rec);
    return rc;
}
