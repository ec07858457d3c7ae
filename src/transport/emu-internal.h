/*
 * What emu.c and the files that answer its commands share: the opener's
 * transport, the sense an answer carries and the answers themselves.
 * emu-answer.c builds sense and data-in answers, emu-commands.c answers
 * the commands other than MODE SENSE and MODE SELECT, which emu-mode.c
 * answers; emu.c opens the drive and dispatches each CDB.
 */
#ifndef MODECON_TRANSPORT_EMU_INTERNAL_H
#define MODECON_TRANSPORT_EMU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/emu.h"
#include "transport/types.h"

/* Operation codes of SPC-4 and MMC-6. */
enum emu_opcode {
    EMU_OP_TEST_UNIT_READY = 0x00,
    EMU_OP_REQUEST_SENSE = 0x03,
    EMU_OP_INQUIRY = 0x12,
    EMU_OP_START_STOP_UNIT = 0x1b,
    EMU_OP_PREVENT_ALLOW = 0x1e,
    EMU_OP_WRITE10 = 0x2a,
    EMU_OP_GET_CONFIGURATION = 0x46,
    EMU_OP_MODE_SELECT10 = 0x55,
    EMU_OP_MODE_SENSE10 = 0x5a,
    EMU_OP_WRITE12 = 0xaa,
};

#define EMU_BLOCK_DESC    8    /* short block descriptor, SPC-4 7.5.6 */
#define EMU_BLOCK_SIZE    2048 /* logical block of every MMC medium here */
#define EMU_INQUIRY_LEN   36   /* standard INQUIRY data, SPC-4 6.6.2 */
#define EMU_SENSE_FIXED   18   /* SPC-4 4.5.3 */
#define EMU_ALL_FEATURES  3    /* profile list, core, removable medium */
#define EMU_FEATURES_SIZE (8 + 4 + 4 * EMU_MAX_PROFILES + 12 + 8)

struct emu_transport {
    struct transport base;
    struct emu_drive *drive;
    struct emu_state_file sf;
    /* Generations this opener has been told about: a newer one in the
     * state is a UNIT ATTENTION it has not had yet. */
    uint64_t seen_power_gen;
    uint64_t seen_mode_gen;
};

/* What an answer says went wrong. */
struct emu_sense {
    uint8_t key, asc, ascq;
    bool has_sks;
    uint8_t sks[3]; /* sense-key specific bytes, SPC-4 4.5.2.4 */
};

static inline uint16_t
emu_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
emu_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static inline void
emu_put_be16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* emu-answer.c */
uint8_t emu_sense_build(const struct emu_drive *drive, bool descriptor,
                        const struct emu_sense *s, uint8_t *out);
void emu_fail(struct emu_transport *et, struct scsi_io *io, uint8_t key,
              uint8_t asc, uint8_t ascq);
void emu_fail_field(struct emu_transport *et, struct scsi_io *io, uint8_t asc,
                    bool in_cdb, size_t byte, unsigned bit);
enum emu_medium emu_medium_now(const struct emu_state *st);
bool emu_not_ready_sense(struct emu_transport *et, struct emu_sense *s);
bool emu_not_ready(struct emu_transport *et, struct scsi_io *io);
bool emu_no_medium(struct emu_transport *et, struct scsi_io *io);
bool emu_transfer_ok(struct emu_transport *et, struct scsi_io *io,
                     enum xfer_dir dir, uint32_t need, size_t field);
void emu_data_in(struct scsi_io *io, const uint8_t *data, size_t total,
                 uint32_t alloc);
void emu_good(struct scsi_io *io, uint32_t transferred);

/* emu-commands.c: one function per command of emu.c's table. */
void emu_inquiry(struct emu_transport *et, struct scsi_io *io);
void emu_test_unit_ready(struct emu_transport *et, struct scsi_io *io);
void emu_request_sense(struct emu_transport *et, struct scsi_io *io);
void emu_start_stop_unit(struct emu_transport *et, struct scsi_io *io);
void emu_prevent_allow(struct emu_transport *et, struct scsi_io *io);
void emu_write(struct emu_transport *et, struct scsi_io *io);
void emu_get_configuration(struct emu_transport *et, struct scsi_io *io);

/* emu-mode.c */
void emu_mode_sense(struct emu_transport *et, struct scsi_io *io);
void emu_mode_select(struct emu_transport *et, struct scsi_io *io);

#endif
