#include "engine/scsi.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

void
scsi_build_test_unit_ready(struct scsi_io *io)
{
    io->cdb[0] = SCSI_TEST_UNIT_READY;
    io->cdb_len = 6;
    io->dir = XFER_NONE;
    io->buf = NULL;
    io->len = 0;
}

void
scsi_build_inquiry(struct scsi_io *io, uint8_t *buf, uint16_t alloc)
{
    io->cdb[0] = SCSI_INQUIRY;
    scsi_put_be16(&io->cdb[3], alloc);
    io->cdb_len = 6;
    io->dir = XFER_IN;
    io->buf = buf;
    io->len = alloc;
}

void
scsi_build_get_configuration(struct scsi_io *io, uint8_t *buf, uint16_t alloc)
{
    io->cdb[0] = SCSI_GET_CONFIG; /* RT 0, starting feature 0 */
    scsi_put_be16(&io->cdb[7], alloc);
    io->cdb_len = 10;
    io->dir = XFER_IN;
    io->buf = buf;
    io->len = alloc;
}

void
scsi_build_mode_sense10(struct scsi_io *io, uint8_t pc, uint8_t page,
                        uint8_t subpage, bool dbd, uint8_t *buf, uint16_t alloc)
{
    io->cdb[0] = SCSI_MODE_SENSE10;
    io->cdb[1] = dbd ? 0x08 : 0x00;
    io->cdb[2] = (uint8_t)((pc & 0x03) << 6 | (page & MODE_PAGE_CODE));
    io->cdb[3] = subpage;
    scsi_put_be16(&io->cdb[7], alloc);
    io->cdb_len = 10;
    io->dir = XFER_IN;
    io->buf = buf;
    io->len = alloc;
}

void
scsi_build_mode_select10(struct scsi_io *io, bool save, uint8_t *list,
                         uint16_t list_len)
{
    io->cdb[0] = SCSI_MODE_SELECT10;
    /* PF=1: the list uses the SPC page format (SPC-4 6.11); SP saves. */
    io->cdb[1] = (uint8_t)(0x10 | (save ? 0x01 : 0x00));
    scsi_put_be16(&io->cdb[7], list_len);
    io->cdb_len = 10;
    io->dir = XFER_OUT;
    io->buf = list;
    io->len = list_len;
}

static int __attribute__((format(printf, 2, 3)))
scsi_malformed(struct err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_setv(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, fmt, ap);
    va_end(ap);
    return -1;
}

static bool
scsi_all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* The mode parameter header (10), SPC-4 7.5.5: its lengths must fit what
 * arrived.  Returns 1 when the answer was cut short by 'alloc'. */
static int
scsi_parse_mode_header(const uint8_t *buf, size_t got, size_t alloc,
                       struct mode_data *md, struct err *err)
{
    if (got < MODE_HEADER10_LEN)
        return scsi_malformed(err,
                              "MODE SENSE(10) returned %zu bytes, fewer than "
                              "the %zu-byte mode parameter header",
                              got, (size_t)MODE_HEADER10_LEN);
    md->total = (size_t)scsi_get_be16(buf) + 2;
    md->medium_type = buf[2];
    md->device_specific = buf[3];
    md->block_descriptor_len = scsi_get_be16(&buf[6]);
    if (md->total < MODE_HEADER10_LEN)
        return scsi_malformed(err,
                              "MODE SENSE(10) mode data length %zu is shorter "
                              "than the header's %zu bytes",
                              md->total - 2, (size_t)MODE_HEADER10_LEN - 2);
    if (md->total > got) {
        /* The drive holds more than fitted: ask again with room for it. */
        if (got == alloc && md->total > alloc)
            return 1;
        return scsi_malformed(err,
                              "MODE SENSE(10) mode data length says %zu bytes "
                              "but only %zu arrived",
                              md->total, got);
    }
    md->usable = md->total;
    if (MODE_HEADER10_LEN + (size_t)md->block_descriptor_len > md->usable)
        return scsi_malformed(err,
                              "MODE SENSE(10) block descriptor length %zu runs "
                              "past the %zu bytes of mode data",
                              (size_t)md->block_descriptor_len, md->usable);
    return 0;
}

/* The page at 'pos', appended to md->pages when it is sound. */
static int
scsi_parse_mode_page(const uint8_t *buf, size_t pos, struct mode_data *md,
                     struct err *err)
{
    struct mode_page_ref *ref;
    struct mode_page_header h =
        mode_page_header_decode(&buf[pos], md->usable - pos);
    size_t len;

    if (md->npages == MODE_DATA_MAX_PAGES)
        return scsi_malformed(err,
                              "MODE SENSE(10) returned more than %zu "
                              "pages (at byte %zu)",
                              (size_t)MODE_DATA_MAX_PAGES, pos);
    if (!h.complete)
        return scsi_malformed(err,
                              h.spf && pos + 2 <= md->usable
                                  ? "MODE SENSE(10) subpage header at byte "
                                    "%zu runs past the %zu bytes of mode "
                                    "data"
                                  : "MODE SENSE(10) page header at byte %zu "
                                    "runs past the %zu bytes of mode data",
                              pos, md->usable);
    len = h.header_len + h.page_length;
    if (pos + len > md->usable)
        return scsi_malformed(err,
                              "MODE SENSE(10) page at byte %zu claims %zu "
                              "bytes, past the end of the mode data",
                              pos, len);
    /* A page length that is wrong but still fits makes the parse
     * resynchronise at the wrong place and invent pages: zero bytes
     * read as empty page 00h, and pages repeat.  An empty vendor page
     * 00h followed by real pages is sent (tgt lists one first); zeros
     * up to the end are not a page. */
    if (len == h.header_len && h.code == 0 &&
        scsi_all_zero(&buf[pos], md->usable - pos))
        return scsi_malformed(err,
                              "MODE SENSE(10) data has an empty page 00h "
                              "at byte %zu (of %zu): a page length "
                              "before it is wrong",
                              pos, md->usable);
    for (size_t i = 0; i < md->npages; i++)
        if (md->pages[i].code == h.code && md->pages[i].subpage == h.subpage)
            return scsi_malformed(err,
                                  "MODE SENSE(10) data has page 0x%02zx "
                                  "twice (again at byte %zu)",
                                  (size_t)h.code, pos);
    ref = &md->pages[md->npages++];
    ref->code = h.code;
    ref->subpage = h.subpage;
    ref->spf = h.spf;
    ref->ps = h.ps;
    ref->offset = pos;
    ref->length = len;
    return 0;
}

int
scsi_parse_mode_data(const uint8_t *buf, size_t got, size_t alloc,
                     struct mode_data *md, struct err *err)
{
    size_t pos;
    int rc;

    /* Only the scalar fields are reset: pages[] is filled as parsed, and
     * zeroing all of it would cost more than the parse. */
    md->total = md->usable = 0;
    md->block_descriptor_len = 0;
    md->medium_type = md->device_specific = 0;
    md->npages = 0;
    if (got > alloc)
        got = alloc;
    rc = scsi_parse_mode_header(buf, got, alloc, md, err);
    if (rc != 0)
        return rc;
    for (pos = MODE_HEADER10_LEN + md->block_descriptor_len; pos < md->usable;
         pos += md->pages[md->npages - 1].length)
        if (scsi_parse_mode_page(buf, pos, md, err) != 0)
            return -1;
    return 0;
}

static void
scsi_copy_ascii(char *dst, const uint8_t *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        dst[i] = isprint(src[i]) ? (char)src[i] : '?';
    while (i > 0 && dst[i - 1] == ' ')
        i--;
    dst[i] = '\0';
}

int
scsi_parse_inquiry(const uint8_t *buf, size_t got, struct scsi_identity *id,
                   struct err *err)
{
    memset(id, 0, sizeof *id);
    if (got < 36)
        return scsi_malformed(err,
                              "INQUIRY returned %zu bytes, fewer than the "
                              "%zu of standard INQUIRY data",
                              got, (size_t)36);
    id->peripheral_type = buf[0] & 0x1f;
    id->removable = (buf[1] & 0x80) != 0;
    id->version = buf[2];
    scsi_copy_ascii(id->vendor, &buf[8], 8);
    scsi_copy_ascii(id->product, &buf[16], 16);
    scsi_copy_ascii(id->revision, &buf[32], 4);
    return 0;
}

int
scsi_parse_configuration(const uint8_t *buf, size_t got,
                         struct scsi_configuration *cfg, struct err *err)
{
    memset(cfg, 0, sizeof *cfg);
    if (got < 8)
        return err_set(err, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                       "GET CONFIGURATION returned %zu bytes, less than its "
                       "8-byte feature header",
                       got);
    /* The data length counts the bytes after itself; trust no more than
     * arrived. */
    size_t end = 4 + ((size_t)buf[0] << 24 | (size_t)buf[1] << 16 |
                      (size_t)buf[2] << 8 | buf[3]);
    if (end > got)
        end = got;
    cfg->current_profile = scsi_get_be16(&buf[6]);
    for (size_t at = 8; at + 4 <= end;) {
        uint16_t feature = scsi_get_be16(&buf[at]);
        size_t body = buf[at + 3], stop = at + 4 + body;
        if (stop > end)
            break;               /* cut short by the allocation length */
        if (feature == 0x0000) { /* Profile List: 4 bytes a profile */
            for (size_t p = at + 4; p + 4 <= stop; p += 4)
                if (cfg->nprofiles < SCSI_MAX_PROFILES)
                    cfg->profiles[cfg->nprofiles++] = scsi_get_be16(&buf[p]);
        } else if (feature == 0x0001 && body >= 4) { /* Core */
            cfg->interface = (uint32_t)buf[at + 4] << 24 |
                             (uint32_t)buf[at + 5] << 16 |
                             (uint32_t)buf[at + 6] << 8 | buf[at + 7];
        }
        at = stop;
    }
    return 0;
}
