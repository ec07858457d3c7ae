/*
 * CDB builders and response parsers for the commands the engine sends.
 * Byte layouts: SPC-4 6.6 (INQUIRY), 6.14 and 6.12 (MODE SENSE(10) and
 * MODE SELECT(10)), 7.5 (mode parameters), MMC-6 6.6 (GET CONFIGURATION).
 */
#ifndef MODECON_ENGINE_SCSI_H
#define MODECON_ENGINE_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/modepage.h"
#include "transport/transport.h"

#define SCSI_TEST_UNIT_READY 0x00
#define SCSI_REQUEST_SENSE   0x03
#define SCSI_INQUIRY         0x12
#define SCSI_MODE_SELECT6    0x15
#define SCSI_MODE_SENSE6     0x1a
#define SCSI_GET_CONFIG      0x46
#define SCSI_MODE_SELECT10   0x55
#define SCSI_MODE_SENSE10    0x5a

/* WP in the header's device-specific parameter, SBC-3 6.4.1 */
#define MODE_DEVICE_SPECIFIC_WP 0x80

static inline uint16_t
scsi_get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
scsi_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Each builder fills cdb, cdb_len, dir, buf and len of a zeroed io. */
void scsi_build_test_unit_ready(struct scsi_io *io);
void scsi_build_inquiry(struct scsi_io *io, uint8_t *buf, uint16_t alloc);
/* GET CONFIGURATION with RT 0 (every feature) from feature 0 (MMC-6
 * 6.6). */
void scsi_build_get_configuration(struct scsi_io *io, uint8_t *buf,
                                  uint16_t alloc);
void scsi_build_mode_sense10(struct scsi_io *io, uint8_t pc, uint8_t page,
                             uint8_t subpage, bool dbd, uint8_t *buf,
                             uint16_t alloc);
void scsi_build_mode_select10(struct scsi_io *io, bool save, uint8_t *list,
                              uint16_t list_len);

/* One page inside mode parameter data. */
struct mode_page_ref {
    uint8_t code;    /* page code without PS/SPF */
    uint8_t subpage; /* 0 for page_0 format */
    bool spf;        /* sub_page format: 4-byte page header */
    bool ps;         /* parameters savable */
    size_t offset;   /* from the start of the mode parameter data */
    size_t length;   /* whole page, page header included */
};

#define MODE_DATA_MAX_PAGES 128

/* A parsed MODE SENSE(10) answer. */
struct mode_data {
    size_t total;  /* mode data length + 2: what the drive says it has */
    size_t usable; /* bytes of it that arrived */
    uint16_t block_descriptor_len;
    uint8_t medium_type;
    uint8_t device_specific;
    size_t npages;
    struct mode_page_ref pages[MODE_DATA_MAX_PAGES];
};

/*
 * Parse MODE SENSE(10) data of which 'got' bytes arrived out of 'alloc'
 * requested.  The transfer count is never trusted on its own: the mode
 * data length, the block descriptor length and each page length must
 * agree.  Returns 1 when the answer was cut short by the allocation length
 * (ask again with md->total), 0 when parsed, -1 with
 * E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE when inconsistent.
 */
int scsi_parse_mode_data(const uint8_t *buf, size_t got, size_t alloc,
                         struct mode_data *md, struct err *err);

/* Standard INQUIRY data, SPC-4 6.6.2. */
struct scsi_identity {
    uint8_t peripheral_type;
    bool removable;
    uint8_t version;
    char vendor[9];
    char product[17];
    char revision[5];
};

int scsi_parse_inquiry(const uint8_t *buf, size_t got, struct scsi_identity *id,
                       struct err *err);

#define SCSI_MAX_PROFILES 63

/* What GET CONFIGURATION says of the drive's profiles and interface. */
struct scsi_configuration {
    uint16_t current_profile; /* 0 without a disc */
    size_t nprofiles;         /* of the Profile List feature, in its order */
    uint16_t profiles[SCSI_MAX_PROFILES];
    uint32_t interface; /* the Core feature's physical interface standard,
                           1 SCSI, 2 ATAPI; 0 when not reported */
};

/* The feature header and the Profile List and Core features (MMC-6 5.2,
 * 5.3.1, 5.3.2) of 'got' bytes of GET CONFIGURATION data. */
int scsi_parse_configuration(const uint8_t *buf, size_t got,
                             struct scsi_configuration *cfg, struct err *err);

#endif
