#include "engine/recorder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/lock.h"
#include "engine/pagenames.h"
#include "engine/recorder-internal.h"
#include "engine/sense.h"
#include "util/xmalloc.h"

/*
 * The recorder's session with one drive: opening it, the exclusive lock,
 * every command through recorder_exec's retries, the drive's identity and
 * media state.  Reading pages is recorder-read.c, writing them
 * recorder-set.c.
 */


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
    recorder_cache_drop(rec, RECORDER_CACHE_DROP_ALL);
    recorder_simulation_drop(rec);
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
    /* Not held, the drive's values may change under any kept answer. */
    recorder_cache_drop(rec, RECORDER_CACHE_DROP_VALUES);
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

static int recorder_exec_retried(struct recorder *rec, struct scsi_io *io,
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
int
recorder_exec(struct recorder *rec, struct scsi_io *io, bool wait_ready,
              struct err *err)
{
    int rc = recorder_exec_retried(rec, io, wait_ready, err);

    /* An error other than a refusal (ILLEGAL REQUEST: nothing was done,
     * SPC-4 4.5.6) leaves the drive's state unknown. */
    struct sense s;
    if (rc != 0 &&
        !(err->has_scsi && sense_decode(err->sense, err->sense_len, &s) &&
          s.key == SENSE_ILLEGAL_REQUEST))
        recorder_cache_drop(rec, RECORDER_CACHE_DROP_VALUES);
    return rc;
}

/* What a UNIT ATTENTION says is no longer known: every kept MODE SENSE
 * answer (the event may have changed any of them), and the identity when
 * the event can change it: power on or reset (29h, SAM-5: the drive may
 * come back with other firmware), INQUIRY DATA HAS CHANGED (3Fh/03h, SPC-4
 * 6.6) or REPORTED LUNS DATA HAS CHANGED (3Fh/0Eh, SPC-4 6.33: another
 * logical unit may answer at this LUN now). */
static void
recorder_attention(struct recorder *rec, const struct sense *s)
{
    recorder_cache_drop(rec, RECORDER_CACHE_DROP_ALL);
    if (s->asc == 0x29 ||
        (s->asc == 0x3f && (s->ascq == 0x03 || s->ascq == 0x0e))) {
        rec->identified = false;
        rec->vendor_asked = false;
    }
}

static int
recorder_exec_retried(struct recorder *rec, struct scsi_io *io, bool wait_ready,
                      struct err *err)
{
    unsigned ua_retries = 0, waited = 0, delay = 100;
    uint16_t last_ua = 0;

    /* What the drive held before it may not hold after (SPC-4 6.11). */
    if (io->cdb[0] == SCSI_MODE_SELECT10)
        recorder_cache_drop(rec, RECORDER_CACHE_DROP_VALUES);
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
            recorder_attention(rec, &s);
            if (s.asc == 0x29 || s.asc == 0x2a) {
                rec->mode_attentions++;
                /* The pages changed under the dry runs, which do not
                 * know which: they build on the drive as it is now. */
                recorder_simulation_drop(rec);
            }
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

    /* Asked once: the identity stays until a UNIT ATTENTION that can
     * change it (recorder_attention). */
    if (rec->identified) {
        *id = rec->identity;
        return 0;
    }
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
const char *
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
