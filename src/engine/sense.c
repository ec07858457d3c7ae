#include "engine/sense.h"

#include <ctype.h>
#include <scsi/sg_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/scsi.h"
#include "util/xmalloc.h"

/*
 * How far the sense data reaches: the bytes that arrived, cut at the end
 * the additional sense length gives (SPC-4 4.5.2, 4.5.3) and, in the
 * descriptor format, at the end of the last whole descriptor.  libsgutils2
 * 1.46 returns a descriptor whose length runs past the end and reads its
 * fields (sg_get_sense_progress_fld), so it is only ever given this many
 * bytes.
 */
static size_t
sense_extent(const uint8_t *buf, size_t len, bool descriptor)
{
    size_t end = len;

    if (len >= 8 && (size_t)buf[7] + 8 < end)
        end = (size_t)buf[7] + 8;
    if (!descriptor || end < 8)
        return end;
    size_t whole = 8;
    while (whole + 2 <= end && whole + 2 + buf[whole + 1] <= end)
        whole += 2 + (size_t)buf[whole + 1];
    return whole;
}

/* Sense-key-specific bytes (SPC-4 4.5.2.4), SKSV set. */
static void
sense_sks(const uint8_t *sks, struct sense *s)
{
    s->sksv = true;
    switch (s->key) {
    case SENSE_ILLEGAL_REQUEST:
        s->field_in_cdb = (sks[0] & 0x40) != 0;
        s->bit_valid = (sks[0] & 0x08) != 0;
        s->bit = sks[0] & 0x07;
        s->field = (uint16_t)(sks[1] << 8 | sks[2]);
        break;
    case SENSE_NO_SENSE:
    case SENSE_NOT_READY:
        break; /* progress: sg_get_sense_progress_fld */
    default:
        s->field = (uint16_t)(sks[1] << 8 | sks[2]);
        break;
    }
}

bool
sense_decode(const uint8_t *buf, size_t len, struct sense *s)
{
    /* A copy holding only what arrived, zeros after it: libsgutils2 1.46
     * reads byte 4 of descriptor sense however short it is, and the
     * caller's buffer past 'len' may hold an earlier command's sense. */
    uint8_t copy[SCSI_SENSE_MAX] = { 0 };
    struct sg_scsi_sense_hdr hdr;

    memset(s, 0, sizeof *s);
    if (len < 1)
        return false;
    /* Bit 7 is VALID (the information field is valid), not part of the
     * response code: ATAPI drives answer F0h (SPC-4 4.5.3). */
    uint8_t response_code = buf[0] & 0x7f;
    bool descriptor = response_code == 0x72 || response_code == 0x73;
    /* A sense key (fixed, byte 2) or ASC and ASCQ (descriptor, bytes 2
     * and 3) that did not arrive is no sense data worth decoding. */
    if (len < (descriptor ? 4u : 3u))
        return false;
    size_t end =
        sense_extent(buf, len > sizeof copy ? sizeof copy : len, descriptor);
    memcpy(copy, buf, end);
    copy[0] = response_code; /* libsgutils2 finds descriptors in 72h/73h */
    if (!sg_scsi_normalize_sense(copy, (int)end, &hdr))
        return false;
    s->response_code = response_code;
    s->descriptor = descriptor;
    s->deferred = hdr.response_code == 0x71 || hdr.response_code == 0x73;
    s->key = hdr.sense_key;
    s->asc = hdr.asc;
    s->ascq = hdr.ascq;
    if (s->descriptor) {
        /* Sense key specific descriptor, SPC-4 4.5.2.4. */
        const uint8_t *d = sg_scsi_sense_desc_find(copy, (int)end, 0x02);
        if (d != NULL && d[1] >= 6 && (d[4] & 0x80))
            sense_sks(&d[4], s);
    } else if (end >= 18 && (copy[15] & 0x80)) {
        sense_sks(&copy[15], s);
    }
    int progress;
    if (sg_get_sense_progress_fld(copy, (int)end, &progress)) {
        s->has_progress = true;
        s->progress = (uint16_t)progress;
    }
    s->valid = true;
    return true;
}

const char *
sense_key_name(uint8_t key, char *buf, size_t len)
{
    /* SPC-4 4.5.6 reserves Ch, which libsgutils2 still calls "Equal"
     * after SPC-2. */
    if ((key & 0x0f) == 0x0c) {
        snprintf(buf, len, "RESERVED");
        return buf;
    }
    sg_get_sense_key_str(key & 0x0f, (int)len, buf);
    /* Its words are capitalised; SPC-4 writes sense keys in capitals and
     * messages quote them so.  "Vendor specific(9)" drops its number. */
    buf[strcspn(buf, "(")] = '\0';
    for (char *c = buf; *c != '\0'; c++)
        *c = (char)toupper((unsigned char)*c);
    return buf;
}

void
sense_asc_text(uint8_t asc, uint8_t ascq, char *buf, size_t len)
{
    char text[160];

    const char *phrase = text;

    sg_get_asc_ascq_str(asc, ascq, (int)sizeof text, text);
    /* sg3_utils prefixes its table's text; the bracket already says
     * "sense". */
    if (strncasecmp(phrase, "additional sense: ", 18) == 0)
        phrase += 18;
    snprintf(buf, len, "%s", phrase);
    /* sg3_utils capitalises each word; messages read better in lower case,
     * except for acronyms, which are already upper case. */
    if (buf[0] != '\0' && islower((unsigned char)buf[1]))
        buf[0] = (char)tolower((unsigned char)buf[0]);
}

unsigned
sense_progress_permille(uint16_t progress)
{
    return (unsigned)(((uint32_t)progress * 1000u) / 65536u);
}

const char *
sense_opcode_name(uint8_t opcode)
{
    switch (opcode) {
    case SCSI_TEST_UNIT_READY:
        return "TEST UNIT READY";
    case SCSI_REQUEST_SENSE:
        return "REQUEST SENSE";
    case SCSI_INQUIRY:
        return "INQUIRY";
    case SCSI_MODE_SELECT6:
        return "MODE SELECT(6)";
    case SCSI_MODE_SENSE6:
        return "MODE SENSE(6)";
    case SCSI_GET_CONFIG:
        return "GET CONFIGURATION";
    case SCSI_MODE_SELECT10:
        return "MODE SELECT(10)";
    case SCSI_MODE_SENSE10:
        return "MODE SENSE(10)";
    default:
        return "command";
    }
}

/* 02/xx: why the drive is not ready (SPC-4 4.5.6). */
static uint32_t
sense_not_ready(const struct sense *s)
{
    if (s->asc == 0x3a)
        return E_IMAPI_RECORDER_MEDIA_NO_MEDIA;
    if (s->asc == 0x04) {
        switch (s->ascq) {
        case 0x01:
            return E_IMAPI_RECORDER_MEDIA_BECOMING_READY;
        case 0x04:
            return E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS;
        case 0x07:
        case 0x08:
            return E_IMAPI_RECORDER_MEDIA_BUSY;
        default:
            return E_FAIL;
        }
    }
    if (s->asc == 0x30)
        return s->ascq == 0x10 ? E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED
                               : E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
    return E_FAIL;
}

/* 05/xx: what the drive refused, which depends on the command. */
static uint32_t
sense_illegal_request(const struct scsi_io *io, const struct sense *s)
{
    bool select =
        io->cdb[0] == SCSI_MODE_SELECT10 || io->cdb[0] == SCSI_MODE_SELECT6;
    bool sense =
        io->cdb[0] == SCSI_MODE_SENSE10 || io->cdb[0] == SCSI_MODE_SENSE6;

    switch (s->asc) {
    case 0x24: /* invalid field in CDB */
        if (sense)
            return E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE;
        if (select)
            /* With SP=1 the refused field is the request to save: the
             * page has no saved values ("mode page and type"). */
            return (io->cdb[1] & 0x01)
                       ? E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE
                       : E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS;
        return E_FAIL;
    case 0x39: /* saving parameters not supported */
        return E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE;
    case 0x1a: /* parameter list length error */
    case 0x26: /* invalid field in parameter list, and its ASCQs */
    case 0x64: /* illegal mode for this track */
        return select ? E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS : E_FAIL;
    case 0x30:
        return E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
    default:
        return E_FAIL;
    }
}

static uint32_t
sense_hresult(const struct scsi_io *io, const struct sense *s)
{
    switch (s->key) {
    case SENSE_NOT_READY:
        return sense_not_ready(s);
    case SENSE_ILLEGAL_REQUEST:
        return sense_illegal_request(io, s);
    case SENSE_DATA_PROTECT:
        return E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED;
    case SENSE_MEDIUM_ERROR:
        if (s->asc == 0x0c && s->ascq == 0x09)
            return E_IMAPI_LOSS_OF_STREAMING;
        if (s->asc == 0x30)
            return s->ascq == 0x10 ? E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED
                                   : E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
        return E_FAIL;
    default:
        /* UNIT ATTENTION that outlived its retry, hardware errors, aborted
         * commands: the drive failed without a more specific meaning. */
        return E_FAIL;
    }
}

static void
sense_keep(const struct scsi_io *io, struct err *err)
{
    err->has_scsi = true;
    memcpy(err->cdb, io->cdb, sizeof err->cdb);
    err->cdb_len = io->cdb_len;
    err->status = io->status;
    err->sense_len = io->sense_len;
    memcpy(err->sense, io->sense, io->sense_len);
}

void
sense_map_fini(struct sense_map *map)
{
    free(map->rules);
    memset(map, 0, sizeof *map);
}

/* Two hex digits and the separator after them. */
static bool
sense_map_byte(const char **p, char stop, uint8_t *out)
{
    unsigned v = 0;

    for (int i = 0; i < 2; i++) {
        char c = (*p)[i];
        if (!isxdigit((unsigned char)c))
            return false;
        v = v * 16 + (unsigned)(isdigit((unsigned char)c)
                                    ? c - '0'
                                    : tolower((unsigned char)c) - 'a' + 10);
    }
    if ((*p)[2] != stop)
        return false;
    *out = (uint8_t)v;
    *p += 3;
    return true;
}

static int
sense_map_line(char *line, const char *path, int lineno,
               struct sense_rule *rule, struct err *err)
{
    char *save = NULL;
    char *code = strtok_r(line, " \t", &save);
    char *name = strtok_r(NULL, " \t", &save);
    char *vendor = strtok_r(NULL, " \t", &save);
    const char *p = code;

    memset(rule, 0, sizeof *rule);
    if (name == NULL || !sense_map_byte(&p, '/', &rule->key) ||
        !sense_map_byte(&p, '/', &rule->asc) ||
        !(strcmp(p, "*") == 0 ? (rule->any_ascq = true)
                              : sense_map_byte(&p, '\0', &rule->ascq)))
        return err_usage(err,
                         "%s:%d: '%s': expected KK/AA/QQ HRESULT [VENDOR], "
                         "e.g. 02/b0/* E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN",
                         path, lineno, code);
    if (rule->key > 0x0f)
        return err_usage(err, "%s:%d: sense key %02x: expected 00 to 0f", path,
                         lineno, rule->key);
    if (!hresult_by_name(name, &rule->hr) || !hresult_failed(rule->hr))
        return err_usage(err,
                         "%s:%d: '%s': expected the name of an error "
                         "HRESULT (see 'modecon explain' or docs/errors.md)",
                         path, lineno, name);
    if (vendor != NULL && (strlen(vendor) > 8 || strtok_r(NULL, " \t", &save)))
        return err_usage(err,
                         "%s:%d: '%s': expected one INQUIRY vendor of at most "
                         "8 characters",
                         path, lineno, vendor);
    snprintf(rule->vendor, sizeof rule->vendor, "%s", vendor ? vendor : "");
    snprintf(rule->origin, sizeof rule->origin, "%.80s:%d", path, lineno);
    return 0;
}

int
sense_map_parse(const char *text, const char *path, struct sense_map *map,
                struct err *err)
{
    const char *start = text;
    int lineno = 0;

    memset(map, 0, sizeof *map);
    while (*start != '\0') {
        size_t len = strcspn(start, "\n");
        char line[256];
        lineno++;
        snprintf(line, sizeof line, "%.*s", (int)len, start);
        start += len + (start[len] == '\n');
        line[strcspn(line, "#\r")] = '\0';
        if (line[strspn(line, " \t")] == '\0')
            continue;
        struct sense_rule rule;
        if (sense_map_line(line, path, lineno, &rule, err) != 0) {
            sense_map_fini(map);
            return -1;
        }
        map->rules =
            xrealloc(map->rules, (map->count + 1) * sizeof *map->rules);
        map->rules[map->count++] = rule;
    }
    return 0;
}

/* The first rule for this sense and drive, or NULL. */
static const struct sense_rule *
sense_map_find(const struct sense_map *map, const char *vendor,
               const struct sense *s)
{
    for (size_t i = 0; map != NULL && i < map->count; i++) {
        const struct sense_rule *r = &map->rules[i];
        if (r->key == s->key && r->asc == s->asc &&
            (r->any_ascq || r->ascq == s->ascq) &&
            (r->vendor[0] == '\0' || strcasecmp(r->vendor, vendor) == 0))
            return r;
    }
    return NULL;
}

int
sense_check(const struct scsi_io *io, struct err *err)
{
    return sense_check_mapped(io, NULL, "", err);
}

int
sense_check_mapped(const struct scsi_io *io, const struct sense_map *map,
                   const char *vendor, struct err *err)
{
    const char *cmd = sense_opcode_name(io->cdb[0]);
    char key[32];
    struct sense s;

    switch (io->status) {
    case SCSI_STATUS_GOOD:
    case SCSI_STATUS_CONDITION_MET:
        return 0;
    case SCSI_STATUS_CHECK_CONDITION:
        break;
    case SCSI_STATUS_RESERVATION_CONFLICT:
        err_set(err, E_IMAPI_RECORDER_LOCKED,
                "%s: the drive is reserved by another initiator "
                "(RESERVATION CONFLICT)",
                cmd);
        sense_keep(io, err);
        return -1;
    case SCSI_STATUS_BUSY:
    case SCSI_STATUS_TASK_SET_FULL:
        err_set(err, E_FAIL, "%s: the drive is busy (status 0x%02x)", cmd,
                io->status);
        sense_keep(io, err);
        return -1;
    default:
        err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                "%s: unexpected SCSI status 0x%02x", cmd, io->status);
        sense_keep(io, err);
        return -1;
    }

    if (!sense_decode(io->sense, io->sense_len, &s)) {
        err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                "%s: CHECK CONDITION without usable sense data (%u bytes, "
                "response code 0x%02x)",
                cmd, io->sense_len, io->sense_len ? io->sense[0] : 0);
        sense_keep(io, err);
        return -1;
    }
    /* RECOVERED ERROR: the command completed after the drive recovered
     * (SPC-4 4.5.6); its data is good. */
    if (s.key == SENSE_RECOVERED_ERROR)
        return 0;
    const struct sense_rule *rule = sense_map_find(map, vendor, &s);
    if (rule != NULL)
        err_set(err, rule->hr, "%s failed with %s (as %s says)", cmd,
                sense_key_name(s.key, key, sizeof key), rule->origin);
    else if (s.key == SENSE_ILLEGAL_REQUEST && s.asc == 0x20 && s.ascq == 0x00)
        err_set(err, sense_hresult(io, &s), "the drive does not support %s",
                cmd); /* invalid command operation code */
    else
        err_set(err, sense_hresult(io, &s), "%s failed with %s", cmd,
                sense_key_name(s.key, key, sizeof key));
    sense_keep(io, err);
    return -1;
}
