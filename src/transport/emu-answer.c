/* The emulated drive's answers: sense in the drive's format, data-in and
 * GOOD, and the checks every command makes before it answers. */
#include <string.h>

#include "transport/emu-internal.h"

/* Sense data in the drive's format into 'out' (at least 18 bytes);
 * returns its length. */
uint8_t
emu_sense_build(const struct emu_drive *drive, bool descriptor,
                const struct emu_sense *s, uint8_t *out)
{
    if (descriptor) {
        /* Descriptor format, SPC-4 4.5.2, with the sense-key specific
         * descriptor (type 02h, 4.5.2.4) when there is one. */
        memset(out, 0, 16);
        out[0] = 0x72;
        out[1] = s->key;
        out[2] = s->asc;
        out[3] = s->ascq;
        if (!s->has_sks)
            return 8;
        out[7] = 8;
        out[8] = 0x02;
        out[9] = 0x06;
        memcpy(&out[12], s->sks, 3);
        return 16;
    }
    /* Fixed format, SPC-4 4.5.3: 10 additional bytes. */
    memset(out, 0, EMU_SENSE_FIXED);
    out[0] = drive->behaviour.response_code;
    out[2] = s->key;
    out[7] = EMU_SENSE_FIXED - 8;
    out[12] = s->asc;
    out[13] = s->ascq;
    if (s->has_sks)
        memcpy(&out[15], s->sks, 3);
    return EMU_SENSE_FIXED;
}

static void
emu_reply_sense(struct emu_transport *et, struct scsi_io *io,
                const struct emu_sense *s)
{
    io->status = SCSI_STATUS_CHECK_CONDITION;
    io->resid = io->len;
    io->sense_len = emu_sense_build(
        et->drive, et->drive->behaviour.descriptor_sense, s, io->sense);
}

void
emu_fail(struct emu_transport *et, struct scsi_io *io, uint8_t key, uint8_t asc,
         uint8_t ascq)
{
    struct emu_sense s = { key, asc, ascq, false, { 0 } };
    emu_reply_sense(et, io, &s);
}

/*
 * ILLEGAL REQUEST pointing at the offending field (SPC-4 4.5.2.4.2): C/D
 * says CDB or parameter list, the field pointer is the byte (for a
 * parameter list, counted from its start, header included) and the bit
 * pointer the field's most significant bit.
 */
void
emu_fail_field(struct emu_transport *et, struct scsi_io *io, uint8_t asc,
               bool in_cdb, size_t byte, unsigned bit)
{
    struct emu_sense s = { 0x05, asc, 0x00, false, { 0 } };

    if (et->drive->behaviour.field_pointers) {
        s.has_sks = true;
        s.sks[0] = (uint8_t)(0x80 | (in_cdb ? 0x40 : 0) | 0x08 | (bit & 7));
        emu_put_be16(&s.sks[1], byte);
    }
    emu_reply_sense(et, io, &s);
}

/* The progress indication of a long operation, SPC-4 4.5.2.4.4: a
 * fraction of 65536. */
static void
emu_progress(const struct emu_drive *drive, struct emu_sense *s)
{
    uint32_t progress = (uint32_t)drive->progress_percent * 65536u / 100u;

    s->has_sks = true;
    s->sks[0] = 0x80;
    emu_put_be16(&s->sks[1], progress > 0xffff ? 0xffff : progress);
}

/* The medium now: becoming-ready ends at its deadline. */
enum emu_medium
emu_medium_now(const struct emu_state *st)
{
    if (st->medium == EMU_MEDIUM_BECOMING_READY &&
        emu_state_now_ms() >= st->ready_at_ms)
        return EMU_MEDIUM_PRESENT;
    return st->medium;
}

/* The NOT READY sense of the drive's condition (SPC-4 4.5.6, ASC 04h);
 * false when it is ready, or merely has no medium. */
bool
emu_not_ready_sense(struct emu_transport *et, struct emu_sense *s)
{
    memset(s, 0, sizeof *s);
    s->key = 0x02;
    s->asc = 0x04;
    switch (emu_medium_now(&et->sf.state)) {
    case EMU_MEDIUM_BECOMING_READY:
        s->ascq = 0x01;
        return true;
    case EMU_MEDIUM_FORMATTING:
        s->ascq = 0x04;
        emu_progress(et->drive, s);
        return true;
    case EMU_MEDIUM_LONG_WRITE:
        s->ascq = 0x08;
        emu_progress(et->drive, s);
        return true;
    case EMU_MEDIUM_PRESENT:
    case EMU_MEDIUM_NONE:
    case EMU_MEDIUM_WRITE_PROTECTED:
        break;
    }
    return false;
}

/* Answer NOT READY if the drive is busy becoming ready, formatting or
 * writing; true when it answered. */
bool
emu_not_ready(struct emu_transport *et, struct scsi_io *io)
{
    struct emu_sense s;

    if (!emu_not_ready_sense(et, &s))
        return false;
    emu_reply_sense(et, io, &s);
    return true;
}

bool
emu_no_medium(struct emu_transport *et, struct scsi_io *io)
{
    if (emu_medium_now(&et->sf.state) != EMU_MEDIUM_NONE)
        return false;
    emu_fail(et, io, 0x02, 0x3a, 0x00);
    return true;
}

/*
 * The caller's buffer must suit what the CDB moves: data-in for an
 * allocation length, data-out for a parameter list length, nothing for
 * commands without data.  A mismatch is the caller's bug, answered as an
 * invalid field in the CDB at the length field rather than trusted.
 */
bool
emu_transfer_ok(struct emu_transport *et, struct scsi_io *io, enum xfer_dir dir,
                uint32_t need, size_t field)
{
    bool ok;

    if (dir == XFER_NONE)
        ok = io->len == 0;
    else
        ok =
            need == 0 || (io->dir == dir && io->len >= need && io->buf != NULL);
    if (!ok)
        emu_fail_field(et, io, 0x24, true, field, 7);
    return ok;
}

/* GOOD with the first 'alloc' bytes of a 'total'-byte answer (SPC-4
 * 4.2.5.6: the allocation length truncates, the answer's own length
 * fields keep the full size). */
void
emu_data_in(struct scsi_io *io, const uint8_t *data, size_t total,
            uint32_t alloc)
{
    size_t n = total < alloc ? total : alloc;

    if (n > 0)
        memcpy(io->buf, data, n);
    io->status = SCSI_STATUS_GOOD;
    io->resid = io->len - (uint32_t)n;
}

void
emu_good(struct scsi_io *io, uint32_t transferred)
{
    io->status = SCSI_STATUS_GOOD;
    io->resid = io->len - transferred;
}
