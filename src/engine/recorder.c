#include "engine/recorder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/lock.h"
#include "engine/pagenames.h"
#include "engine/sense.h"
#include "util/xmalloc.h"

struct recorder {
    struct transport *tp;
    struct recorder_options opts;
    struct drive_lock *lock;
    unsigned lock_count;
    bool refuses_all_pages; /* page 3Fh refused: pages were asked one by one */
    struct recorder_hooks hooks;
    struct scsi_identity identity; /* the last INQUIRY answer */
    bool identified;               /* 'identity' holds one */
    bool vendor_asked; /* INQUIRY answered, or asked for the rules once */
    unsigned long mode_attentions; /* UNIT ATTENTIONs 29h and 2Ah seen */
};

static const char *const mode_request_names[] = { "current", "changeable",
                                                  "default", "saved" };

const char *
mode_request_name(enum mode_request rt)
{
    return (unsigned)rt < 4 ? mode_request_names[rt] : "unknown";
}

int
mode_request_parse(const char *text, enum mode_request *rt, struct err *err)
{
    for (unsigned i = 0; i < 4; i++) {
        if (strcasecmp(text, mode_request_names[i]) == 0 ||
            (text[0] == (char)('0' + i) && text[1] == '\0')) {
            *rt = (enum mode_request)i;
            return 0;
        }
    }
    return err_usage(err,
                     "type '%s': expected current, changeable, default or "
                     "saved",
                     text);
}

void
recorder_options_init(struct recorder_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->timeout_ms = RECORDER_DEFAULT_TIMEOUT_MS;
    opts->ready_wait_ms = RECORDER_DEFAULT_READY_WAIT_MS;
    opts->client = "modecon";
}

int
recorder_open(const char *uri, const struct recorder_options *opts,
              struct recorder **out, struct err *err)
{
    struct recorder *rec = xcalloc(1, sizeof *rec);

    rec->opts = *opts;
    if (transport_open(uri, opts->trace, &rec->tp, err) != 0) {
        free(rec);
        return -1;
    }
    *out = rec;
    return 0;
}

void
recorder_free(struct recorder *rec)
{
    if (rec == NULL)
        return;
    lock_close(rec->lock);
    transport_close(rec->tp);
    free(rec);
}

const char *
recorder_name(const struct recorder *rec)
{
    return rec->tp->name;
}

struct transport *
recorder_transport(struct recorder *rec)
{
    return rec->tp;
}

void
recorder_set_hooks(struct recorder *rec, const struct recorder_hooks *hooks)
{
    rec->hooks = *hooks;
}

unsigned long
recorder_mode_attentions(const struct recorder *rec)
{
    return rec->mode_attentions;
}

const struct scsi_identity *
recorder_known_identity(const struct recorder *rec)
{
    return rec->identified ? &rec->identity : NULL;
}

const char *
recorder_id(const struct recorder *rec)
{
    return rec->tp->id[0] ? rec->tp->id : rec->tp->name;
}

void
recorder_set_client(struct recorder *rec, const char *client)
{
    rec->opts.client = client;
}

int
recorder_acquire_exclusive(struct recorder *rec, struct err *err)
{
    if (rec->lock_count == 0) {
        if (rec->lock == NULL &&
            lock_open(recorder_id(rec), &rec->lock, err) != 0)
            return -1;
        if (lock_acquire(rec->lock, rec->opts.client, err) != 0)
            return -1;
        /* The lock file excludes this user's other modecon processes; the
         * device's own claim (O_EXCL on a local drive) excludes the rest. */
        if (transport_claim(rec->tp, true, err) != 0) {
            lock_release(rec->lock);
            return -1;
        }
    }
    rec->lock_count++;
    return 0;
}

void
recorder_release_exclusive(struct recorder *rec)
{
    if (rec->lock_count == 0 || --rec->lock_count > 0)
        return;
    /* A device that cannot be reopened after its claim fails the next
     * command with the reason, so the reason is not lost here. */
    struct err ignored;
    err_clear(&ignored);
    transport_claim(rec->tp, false, &ignored);
    lock_release(rec->lock);
}

static void
recorder_sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

#define RECORDER_MAX_UA_RETRIES 3

static int recorder_exec(struct recorder *rec, struct scsi_io *io,
                         bool wait_ready, struct err *err);

/* A user's vendor sense rule may name a vendor: a drive not yet asked
 * for its INQUIRY is asked now, once.  True when the vendor is newly
 * known. */
static bool
recorder_learn_vendor(struct recorder *rec)
{
    const struct sense_map *map = rec->opts.sense_map;
    bool wanted = false;

    for (size_t i = 0; map != NULL && i < map->count; i++)
        wanted |= map->rules[i].vendor[0] != '\0';
    if (!wanted || rec->vendor_asked)
        return false;
    rec->vendor_asked = true;
    struct scsi_identity id;
    struct err ignored;
    err_clear(&ignored);
    return recorder_inquiry(rec, &id, &ignored) == 0;
}

/*
 * Execute with the engine's bounded retries.  A UNIT ATTENTION reports an
 * event (reset, medium or mode parameters changed) and not a fault in this
 * command, so each new one is retried (SAM-5), up to three.  BECOMING READY
 * means the drive will answer soon: retried with doubling back-off up to
 * ready_wait_ms when 'wait_ready'.  Each try shows in the trace.
 */
static int
recorder_exec(struct recorder *rec, struct scsi_io *io, bool wait_ready,
              struct err *err)
{
    unsigned ua_retries = 0, waited = 0, delay = 100;
    uint16_t last_ua = 0;

    for (;;) {
        io->timeout_ms = rec->opts.timeout_ms;
        if (transport_exec(rec->tp, io, err) != 0)
            return -1;
        if (sense_check_mapped(io, rec->opts.sense_map, rec->identity.vendor,
                               err) == 0)
            return 0;
        if (recorder_learn_vendor(rec)) {
            err_clear(err);
            if (sense_check_mapped(io, rec->opts.sense_map,
                                   rec->identity.vendor, err) == 0)
                return 0;
        }
        struct sense s;
        sense_decode(io->sense, io->sense_len, &s);
        if (s.valid && s.key == SENSE_UNIT_ATTENTION) {
            uint16_t ua = (uint16_t)(s.asc << 8 | s.ascq);
            if (s.asc == 0x29 || s.asc == 0x2a)
                rec->mode_attentions++;
            /* A MODE SELECT built from values read before a reset or
             * another initiator's change would undo what happened since;
             * the drive did not execute it (SAM-5), so say so. */
            if (io->cdb[0] == SCSI_MODE_SELECT10 &&
                (s.asc == 0x29 || s.asc == 0x2a)) {
                err_prefix(err, "the drive's mode parameters changed after "
                                "they were read, so nothing was applied: "
                                "read the page again");
                return -1;
            }
            /* Drives queue several (a reset, then a medium change): each
             * new one is retried, a repeated one is not. */
            if (ua != last_ua && ua_retries < RECORDER_MAX_UA_RETRIES) {
                ua_retries++;
                last_ua = ua;
                err_clear(err);
                continue;
            }
        }
        if (wait_ready && err->hr == E_IMAPI_RECORDER_MEDIA_BECOMING_READY &&
            waited < rec->opts.ready_wait_ms) {
            unsigned step = delay;
            if (step > rec->opts.ready_wait_ms - waited)
                step = rec->opts.ready_wait_ms - waited;
            recorder_sleep_ms(step);
            waited += step;
            delay = delay * 2 > 1000 ? 1000 : delay * 2;
            err_clear(err);
            continue;
        }
        if (err->hr == E_IMAPI_RECORDER_MEDIA_BECOMING_READY && waited > 0)
            err_prefix(err, "still not ready after %u ms", waited);
        return -1;
    }
}

bool
recorder_refuses_all_pages(const struct recorder *rec)
{
    return rec->refuses_all_pages;
}

/* Room for the feature header, the Profile List and the Core feature, which
 * come first (MMC-6 5.2); the rest may be cut off. */
#define RECORDER_CONFIG_ALLOC 2048

int
recorder_get_configuration(struct recorder *rec, struct scsi_configuration *cfg,
                           struct err *err)
{
    uint8_t *buf = xcalloc(1, RECORDER_CONFIG_ALLOC);
    struct scsi_io io = { 0 };
    int rc;

    scsi_build_get_configuration(&io, buf, RECORDER_CONFIG_ALLOC);
    rc = recorder_exec(rec, &io, true, err);
    if (rc == 0)
        rc = scsi_parse_configuration(buf, io.len - io.resid, cfg, err);
    if (rc != 0)
        err_prefix(err, "GET CONFIGURATION");
    free(buf);
    return rc;
}

int
recorder_inquiry(struct recorder *rec, struct scsi_identity *id,
                 struct err *err)
{
    uint8_t buf[96];
    struct scsi_io io = { 0 };

    scsi_build_inquiry(&io, buf, sizeof buf);
    if (recorder_exec(rec, &io, false, err) != 0)
        return -1;
    if (scsi_parse_inquiry(buf, io.len - io.resid, id, err) != 0)
        return -1;
    /* Kept for the user's vendor sense rules and the audit log. */
    rec->identity = *id;
    rec->identified = true;
    rec->vendor_asked = true;
    return 0;
}

const char *
media_state_name(enum media_state state)
{
    switch (state) {
    case MEDIA_READY:
        return "ready";
    case MEDIA_NONE:
        return "no medium";
    case MEDIA_BECOMING_READY:
        return "becoming ready";
    case MEDIA_FORMATTING:
        return "formatting";
    case MEDIA_BUSY:
        return "long write in progress";
    case MEDIA_WRITE_PROTECTED:
        return "write protected";
    case MEDIA_UNKNOWN:
        break;
    }
    return "unknown";
}

/*
 * TEST UNIT READY says GOOD for a write-protected disc too.  Drives with a
 * write-protect tab or a cartridge report it in the WP bit (bit 7) of the
 * mode parameter header's device-specific parameter (SPC-4 7.5.5 leaves
 * the byte to the command set; SBC-3 6.4.1 defines WP), so the header
 * alone is asked for.  A drive that refuses it, or leaves the byte 0 as
 * QEMU does, counts as writable: the state is a hint, and the write
 * itself still answers DATA PROTECT.
 */
static bool
recorder_header_write_protected(struct recorder *rec)
{
    uint8_t header[MODE_HEADER10_LEN];
    struct scsi_io io = { 0 };
    struct err err;

    err_clear(&err);
    scsi_build_mode_sense10(&io, 0, MODE_PAGE_ALL, 0, true, header,
                            sizeof header);
    if (recorder_exec(rec, &io, false, &err) != 0 || io.len - io.resid < 4)
        return false;
    return (header[3] & MODE_DEVICE_SPECIFIC_WP) != 0;
}

int
recorder_media_state(struct recorder *rec, enum media_state *state,
                     int *progress, struct err *err)
{
    struct scsi_io io = { 0 };
    struct sense s;

    *state = MEDIA_UNKNOWN;
    *progress = -1;
    scsi_build_test_unit_ready(&io);
    if (recorder_exec(rec, &io, false, err) == 0) {
        *state = recorder_header_write_protected(rec) ? MEDIA_WRITE_PROTECTED
                                                      : MEDIA_READY;
        return 0;
    }
    if (!err->has_scsi)
        return -1; /* no answer at all */
    sense_decode(io.sense, io.sense_len, &s);
    if (s.has_progress)
        *progress = (int)sense_progress_permille(s.progress);
    switch (err->hr) {
    case E_IMAPI_RECORDER_MEDIA_NO_MEDIA:
        *state = MEDIA_NONE;
        break;
    case E_IMAPI_RECORDER_MEDIA_BECOMING_READY:
        *state = MEDIA_BECOMING_READY;
        break;
    case E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS:
        *state = MEDIA_FORMATTING;
        break;
    case E_IMAPI_RECORDER_MEDIA_BUSY:
        *state = MEDIA_BUSY;
        break;
    default:
        return -1;
    }
    err_clear(err);
    return 0;
}

#define RECORDER_LABEL_LEN 96

/* "page 0x05 (Write Parameters)", for messages; formatted only when one
 * is written, since commands that succeed need none. */
static const char *
recorder_label(const struct recorder *rec, char buf[RECORDER_LABEL_LEN],
               uint8_t code, uint8_t subpage)
{
    const struct page_def *pd =
        pagenames_def(rec->opts.pages, code, subpage,
                      rec->identified ? &rec->identity : NULL);
    const char *name = pd ? pd->name : NULL;
    char at[PAGENAMES_CODE_LEN];

    pagenames_code(code, subpage, at);
    snprintf(buf, RECORDER_LABEL_LEN, "page %s%s%s%s", at, name ? " (" : "",
             name ? name : "", name ? ")" : "");
    return buf;
}

#define LABEL recorder_label(rec, label, code, subpage)

/* Room for the mode parameter header and any page_0 page, with some
 * block descriptors: the first request of a single page, on the stack. */
#define RECORDER_SENSE_FIRST 512

/*
 * MODE SENSE(10) with DBD set (MMC drives have no block descriptors, and
 * those a drive sends anyway are skipped by the parser).  The first request
 * goes into 'first' (first_len bytes, the caller's); a longer answer is
 * asked for again, into a new buffer, with the length the drive reported.
 * *buf is 'first' or new: free it with recorder_sense_free.
 */
static int
recorder_mode_sense(struct recorder *rec, enum mode_request rt, uint8_t code,
                    uint8_t subpage, uint8_t *first, size_t first_len,
                    uint8_t **buf, struct mode_data *md, struct err *err)
{
    size_t alloc = first_len;

    *buf = first;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct scsi_io io = { 0 };
        int rc;

        /* Zeroed, so that a drive claiming bytes it never sent yields
         * zeros, not stale memory. */
        memset(*buf, 0, alloc);
        scsi_build_mode_sense10(&io, (uint8_t)rt, code, subpage, true, *buf,
                                (uint16_t)alloc);
        if (recorder_exec(rec, &io, true, err) != 0)
            goto fail;
        rc = scsi_parse_mode_data(*buf, io.len - io.resid, alloc, md, err);
        if (rc == 0)
            return 0;
        if (rc < 0)
            goto fail;
        /* Cut short by the allocation length: ask for all of it. */
        if (md->total > 0xffff) {
            err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                    "MODE SENSE(10) data of %zu bytes is more than its "
                    "allocation length can ask for",
                    md->total);
            goto fail;
        }
        alloc = md->total;
        if (*buf != first)
            free(*buf);
        *buf = xmalloc(alloc);
    }
    err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            "MODE SENSE(10) kept growing: the drive reported %zu bytes",
            md->total);
fail:
    if (*buf != first)
        free(*buf);
    *buf = NULL;
    return -1;
}

static void
recorder_sense_free(uint8_t *buf, const uint8_t *first)
{
    if (buf != first)
        free(buf);
}

int
recorder_get_mode_page(struct recorder *rec, uint8_t code, uint8_t subpage,
                       enum mode_request rt, uint8_t **data, size_t *len,
                       struct err *err)
{
    /* Aligned to its size: some local drives (ATAPI through libata) take
     * a transfer straight into the buffer only at 512-byte alignment, and
     * through a bounce copy otherwise. */
    _Alignas(RECORDER_SENSE_FIRST) uint8_t first[RECORDER_SENSE_FIRST];
    uint8_t *buf;
    struct mode_data md;
    char label[RECORDER_LABEL_LEN];

    if ((unsigned)rt > MODE_REQUEST_SAVED)
        return err_set(err, E_INVALIDARG,
                       "%s: request type %u is not one "
                       "of current, changeable, default, "
                       "saved",
                       LABEL, (unsigned)rt);
    if (code >= MODE_PAGE_ALL)
        return err_set(err, E_INVALIDARG, "page 0x%02x is not a single page",
                       code);
    if (recorder_mode_sense(rec, rt, code, subpage, first, sizeof first, &buf,
                            &md, err) != 0) {
        err_prefix(err, "%s, %s values", LABEL, mode_request_name(rt));
        return -1;
    }
    for (size_t i = 0; i < md.npages; i++) {
        const struct mode_page_ref *ref = &md.pages[i];
        if (ref->code != code || ref->subpage != subpage)
            continue;
        *len = ref->length;
        *data = xmalloc(ref->length);
        memcpy(*data, buf + ref->offset, ref->length);
        recorder_sense_free(buf, first);
        return 0;
    }
    if (md.npages == 0)
        err_set(err, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
                "%s, %s values: the drive answered without any page", LABEL,
                mode_request_name(rt));
    else
        err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                "%s, %s values: the drive answered with page 0x%02x,0x%02x "
                "instead",
                LABEL, mode_request_name(rt), md.pages[0].code,
                md.pages[0].subpage);
    recorder_sense_free(buf, first);
    return -1;
}

static int
recorder_page_order(const void *a, const void *b)
{
    const struct mode_page_info *x = a, *y = b;
    if (x->code != y->code)
        return x->code - y->code;
    return x->subpage - y->subpage;
}

/* Drives that refuse page 3Fh (ATAPI drives often do) are asked for each
 * page in turn; a page they refuse is a page they do not have. */
static int
recorder_probe_pages(struct recorder *rec, enum mode_request rt,
                     struct mode_page_info **pages, size_t *count,
                     struct err *err)
{
    struct mode_page_info *list = xcalloc(MODE_PAGE_ALL, sizeof *list);
    size_t n = 0;

    for (uint8_t code = 0x01; code < MODE_PAGE_ALL; code++) {
        _Alignas(RECORDER_SENSE_FIRST) uint8_t first[RECORDER_SENSE_FIRST];
        uint8_t *buf;
        struct err probe_err;
        struct mode_data md;

        err_clear(&probe_err);
        if (recorder_mode_sense(rec, rt, code, 0, first, sizeof first, &buf,
                                &md, &probe_err) != 0) {
            if (probe_err.hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE ||
                probe_err.hr == E_FAIL)
                continue;
            *err = probe_err; /* no answer, or a broken one: stop */
            free(list);
            return -1;
        }
        for (size_t i = 0; i < md.npages; i++) {
            if (md.pages[i].code != code || md.pages[i].subpage != 0)
                continue;
            list[n].code = code;
            list[n].length = md.pages[i].length;
            list[n].savable = md.pages[i].ps;
            n++;
            break;
        }
        recorder_sense_free(buf, first);
    }
    *pages = list;
    *count = n;
    return 0;
}

/* MODE SENSE(10) of every page (and subpage, with MODE_SUBPAGE_ALL) into a
 * new buffer: more than the stack should hold. */
static int
recorder_sense_all(struct recorder *rec, enum mode_request rt, uint8_t subpage,
                   uint8_t **buf, struct mode_data *md, struct err *err)
{
    uint8_t *heap = xmalloc(4096);
    int rc = recorder_mode_sense(rec, rt, MODE_PAGE_ALL, subpage, heap, 4096,
                                 buf, md, err);
    if (*buf != heap)
        free(heap); /* failed, or answered into a larger buffer */
    return rc;
}

/* 05/24/00: the drive refused a field of the CDB, here the page or
 * subpage code. */
static bool
recorder_refused_cdb_field(const struct err *err)
{
    struct sense s;
    return err->has_scsi && sense_decode(err->sense, err->sense_len, &s) &&
           s.key == SENSE_ILLEGAL_REQUEST && s.asc == 0x24;
}

int
recorder_get_supported_mode_pages(struct recorder *rec, enum mode_request rt,
                                  struct mode_page_info **pages, size_t *count,
                                  struct err *err)
{
    struct mode_data md;
    uint8_t *buf;

    if ((unsigned)rt > MODE_REQUEST_SAVED)
        return err_set(err, E_INVALIDARG,
                       "request type %u is not one of current, changeable, "
                       "default, saved",
                       (unsigned)rt);
    /* Pages and subpages (3Fh/FFh); drives without subpages may refuse
     * that and answer 3Fh/00h; some refuse 3Fh altogether. */
    int rc = recorder_sense_all(rec, rt, MODE_SUBPAGE_ALL, &buf, &md, err);
    if (rc != 0 && recorder_refused_cdb_field(err)) {
        err_clear(err);
        rc = recorder_sense_all(rec, rt, 0, &buf, &md, err);
    }
    if (rc != 0) {
        if (!recorder_refused_cdb_field(err)) {
            err_prefix(err, "all pages, %s values", mode_request_name(rt));
            return -1;
        }
        struct err first = *err;
        err_clear(err);
        rec->refuses_all_pages = true;
        if (recorder_probe_pages(rec, rt, pages, count, err) != 0)
            return -1;
        if (*count == 0) {
            free(*pages);
            *pages = NULL;
            *err = first;
            err_prefix(err, "no page answers for %s values",
                       mode_request_name(rt));
            return -1;
        }
        qsort(*pages, *count, sizeof **pages, recorder_page_order);
        return 0;
    }
    *pages = xcalloc(md.npages ? md.npages : 1, sizeof **pages);
    *count = md.npages;
    for (size_t i = 0; i < md.npages; i++) {
        (*pages)[i].code = md.pages[i].code;
        (*pages)[i].subpage = md.pages[i].subpage;
        (*pages)[i].length = md.pages[i].length;
        (*pages)[i].savable = md.pages[i].ps;
    }
    free(buf);
    qsort(*pages, *count, sizeof **pages, recorder_page_order);
    return 0;
}

void
set_report_fini(struct set_report *rep)
{
    free(rep->after);
    free(rep->param_list);
    free(rep->before);
    free(rep->unapplied);
    memset(rep, 0, sizeof *rep);
}

static size_t
recorder_page_header_len(const uint8_t *page)
{
    return (page[0] & MODE_PAGE_SPF) ? 4 : 2;
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
 * README.md), made before anything is sent so that the user learns which
 * byte and bit without a round trip.
 */
static int
recorder_precheck(const struct recorder *rec, const uint8_t *page, size_t len,
                  const uint8_t *cur, size_t cur_len, const uint8_t *chg,
                  uint8_t code, uint8_t subpage, struct err *err)
{
    size_t hdr = recorder_page_header_len(page);
    char label[RECORDER_LABEL_LEN];

    /* Page code, SPF, subpage and page length must be the drive's own
     * (PS aside): the byte offsets below depend on them. */
    if (len >= hdr && cur_len >= hdr &&
        ((page[0] ^ cur[0]) & 0x7f || memcmp(page + 1, cur + 1, hdr - 1))) {
        err->field_byte = 0;
        return err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                       "%s: the page header %02x %02x does not match the "
                       "drive's %02x %02x (page code, format and length)",
                       LABEL, page[0], page[1], cur[0], cur[1]);
    }
    if (len != cur_len) {
        err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                "%s: the data is %zu bytes but the drive's page is %zu "
                "bytes",
                LABEL, len, cur_len);
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
                       LABEL, i, err->field_bit, cur[i], page[i], chg[i]);
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
    uint8_t code = page[0] & MODE_PAGE_CODE;
    uint8_t subpage = (page[0] & MODE_PAGE_SPF) ? page[1] : 0;
    size_t hdr = recorder_page_header_len(page);

    for (size_t w = 0; w < nwhich; w++) {
        uint8_t *back;
        size_t back_len;

        if (recorder_get_mode_page(rec, code, subpage, which[w], &back,
                                   &back_len, err) != 0) {
            err_prefix(err, "the drive accepted the change, but reading it "
                            "back failed");
            return;
        }
        for (size_t i = hdr; i < len; i++) {
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

/* Whether the page read now ('now') differs from the one a request was
 * built from ('then', 'len' bytes), with err set saying where. */
static bool
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

int
recorder_set_mode_page(struct recorder *rec, enum mode_request rt,
                       const uint8_t *data, size_t len,
                       const struct set_options *opts, struct set_report *rep,
                       struct err *err)
{
    uint8_t *chg = NULL;
    size_t chg_len = 0, hdr, declared;
    uint8_t code, subpage;
    char label[RECORDER_LABEL_LEN];
    int rc = -1;

    memset(rep, 0, sizeof *rep);
    if (rt == MODE_REQUEST_CHANGEABLE || rt == MODE_REQUEST_DEFAULT)
        return err_set(err, E_INVALIDARG,
                       "MODE SELECT writes current or saved values; the "
                       "drive's %s values cannot be set",
                       mode_request_name(rt));
    if ((unsigned)rt > MODE_REQUEST_SAVED)
        return err_set(err, E_INVALIDARG, "request type %u is not valid",
                       (unsigned)rt);
    if (data == NULL)
        return err_set(err, E_POINTER, "no page data was given");
    if (len < 2 || ((data[0] & MODE_PAGE_SPF) && len < 4))
        return err_set(err, E_INVALIDARG,
                       "%zu bytes is too short for a mode page header", len);
    if (len > 0xffff - MODE_HEADER10_LEN)
        return err_set(err, E_INVALIDARG,
                       "%zu bytes is more than one MODE SELECT(10) carries",
                       len);
    hdr = recorder_page_header_len(data);
    code = data[0] & MODE_PAGE_CODE;
    subpage = hdr == 4 ? data[1] : 0;
    declared = hdr + (hdr == 4 ? scsi_get_be16(&data[2]) : data[1]);
    if (declared != len && !opts->force) {
        err->field_byte = hdr == 4 ? 2 : 1;
        return err_set(err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
                       "%s: the page length byte says %zu bytes but %zu "
                       "were given; nothing was sent",
                       LABEL, declared, len);
    }
    if (code == MODE_PAGE_ALL)
        return err_set(err, E_INVALIDARG,
                       "page 0x3f means all pages; give a single page");

    if (recorder_acquire_exclusive(rec, err) != 0)
        return -1;

    /* What the drive holds now, and what it lets change. */
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CURRENT,
                               &rep->before, &rep->before_len, err) != 0)
        goto out;
    if (opts->based_on != NULL &&
        recorder_changed_since(rep->before, rep->before_len, opts->based_on,
                               len, LABEL, err))
        goto out;
    if (recorder_get_mode_page(rec, code, subpage, MODE_REQUEST_CHANGEABLE,
                               &chg, &chg_len, err) == 0) {
        if (chg_len == rep->before_len)
            rep->checked = true;
        else
            snprintf(rep->notice, sizeof rep->notice,
                     "the drive's changeable values are %zu bytes for a "
                     "%zu-byte page: the edit was not checked",
                     chg_len, rep->before_len);
    } else if (err->hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
        snprintf(rep->notice, sizeof rep->notice,
                 "the drive does not report which values are changeable: "
                 "the edit was not checked before sending");
        err_clear(err);
    } else {
        goto out;
    }

    /* Current values the drive already holds would change nothing: no
     * MODE SELECT goes out, so none is recorded or audited.  Saving them
     * (SP=1) is a request of its own and goes out. */
    if (rt == MODE_REQUEST_CURRENT && !opts->send_unchanged &&
        len == rep->before_len &&
        ((data[0] ^ rep->before[0]) & (uint8_t)~MODE_PAGE_PS) == 0 &&
        memcmp(data + 1, rep->before + 1, len - 1) == 0) {
        rep->unchanged = true;
        rc = 0;
        goto out;
    }

    struct err check;
    err_clear(&check);
    int bad =
        recorder_precheck(rec, data, len, rep->before, rep->before_len,
                          rep->checked ? chg : NULL, code, subpage, &check);
    if (bad == 0 && rt == MODE_REQUEST_SAVED &&
        !(rep->before[0] & MODE_PAGE_PS)) {
        err_set(&check, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
                "%s: the drive cannot save this page (PS is 0)", LABEL);
        bad = -1;
    }
    if (bad != 0) {
        if (!opts->force) {
            *err = check;
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, "; nothing was sent");
            goto out;
        }
        snprintf(rep->notice, sizeof rep->notice,
                 "sent anyway (--force): %.400s", check.msg);
    }

    /* Mode parameter header (10) with mode data length and block
     * descriptor length 0 (reserved, and none sent: SPC-4 7.5.5), then the
     * page with PS cleared, since PS is reserved in MODE SELECT. */
    rep->param_len = MODE_HEADER10_LEN + len;
    rep->param_list = xcalloc(1, rep->param_len);
    memcpy(rep->param_list + MODE_HEADER10_LEN, data, len);
    rep->param_list[MODE_HEADER10_LEN] &= (uint8_t)~MODE_PAGE_PS;

    struct scsi_io io = { 0 };
    scsi_build_mode_select10(&io, rt == MODE_REQUEST_SAVED, rep->param_list,
                             (uint16_t)rep->param_len);
    memcpy(rep->cdb, io.cdb, sizeof rep->cdb);
    if (opts->dry_run) {
        rc = 0;
        goto out;
    }
    struct select_event ev = { .rt = rt,
                               .page = rep->param_list + MODE_HEADER10_LEN,
                               .len = len,
                               .rep = rep,
                               .result = err,
                               .readback = NULL };
    if (rec->hooks.before_select != NULL &&
        rec->hooks.before_select(rec->hooks.arg, rec, &ev, err) != 0)
        goto out;
    if (recorder_exec(rec, &io, true, err) != 0) {
        if (!err->has_scsi)
            err_prefix(err,
                       "%s: MODE SELECT(10) got no answer, so the drive "
                       "may or may not have applied the change; read "
                       "the page to see",
                       LABEL);
        else {
            err_prefix(err, "%s", LABEL);
            recorder_locate_field(err, len);
        }
    } else {
        rep->sent = true;
    }
    /* The MODE SELECT's own result, apart from the read-back's. */
    struct err selected = *err;
    ev.result = &selected;
    if (rep->sent && opts->verify) {
        recorder_verify(rec, rt, ev.page, len, rep, err);
        ev.readback = err;
    }
    if (rec->hooks.after_select != NULL) {
        struct err record;
        err_clear(&record);
        if (rec->hooks.after_select(rec->hooks.arg, rec, &ev, &record) != 0) {
            if (!err_is_set(err))
                *err = record;
            else
                snprintf(err->msg + strlen(err->msg),
                         sizeof err->msg - strlen(err->msg), "; %s",
                         record.msg);
        }
    }
    rc = err_is_set(err) ? -1 : 0;
out:
    free(chg);
    recorder_release_exclusive(rec);
    return rc;
}
