/*
 * Sense data: decoding of the fixed (70h/71h) and descriptor (72h/73h)
 * formats of SPC-4 4.5, and the one place where an answered command is
 * turned into an HRESULT.
 */
#ifndef MODECON_ENGINE_SENSE_H
#define MODECON_ENGINE_SENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/transport.h"

enum sense_key {
    SENSE_NO_SENSE = 0x0,
    SENSE_RECOVERED_ERROR = 0x1,
    SENSE_NOT_READY = 0x2,
    SENSE_MEDIUM_ERROR = 0x3,
    SENSE_HARDWARE_ERROR = 0x4,
    SENSE_ILLEGAL_REQUEST = 0x5,
    SENSE_UNIT_ATTENTION = 0x6,
    SENSE_DATA_PROTECT = 0x7,
    SENSE_ABORTED_COMMAND = 0xb,
};

struct sense {
    bool valid;            /* a response code this decoder knows */
    bool descriptor;       /* descriptor format */
    bool deferred;         /* about an earlier command */
    uint8_t response_code; /* with the VALID bit masked off */
    uint8_t key, asc, ascq;

    /* Sense-key-specific data (SPC-4 4.5.2.4), when SKSV is set. */
    bool sksv;
    bool field_in_cdb; /* C/D: the field pointer is into the CDB */
    bool bit_valid;    /* BPV */
    uint8_t bit;
    uint16_t field; /* field pointer, or progress for NOT READY */
    bool has_progress;
    uint16_t progress; /* fraction of 65536 */
};

/*
 * Decode the 'len' bytes a drive returned, through libsgutils2; no byte
 * past 'len', nor past the additional sense length, is read.  False (and
 * s->valid false) when not sense data.
 */
bool sense_decode(const uint8_t *buf, size_t len, struct sense *s);

/* "ILLEGAL REQUEST" etc. from libsgutils2's table, into buf; returns buf. */
const char *sense_key_name(uint8_t key, char *buf, size_t len);

/* The ASC/ASCQ text from libsgutils2's table, lower case as a phrase. */
void sense_asc_text(uint8_t asc, uint8_t ascq, char *buf, size_t len);

/* Progress in tenths of a percent from a progress field. */
unsigned sense_progress_permille(uint16_t progress);

/*
 * A user's rule for sense data no standard gives the meaning IMAPI names:
 * vendor specific additional sense codes (80h-FFh, SPC-4 4.5.6), and
 * the HRESULTs no standard code carries (E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN,
 * E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH).  Rules come before the built-in
 * mapping.
 */
struct sense_rule {
    uint8_t key, asc, ascq;
    bool any_ascq;  /* QQ given as a star: any ASCQ */
    char vendor[9]; /* the INQUIRY vendor it applies to, or "" for any */
    uint32_t hr;
    char origin[96]; /* "PATH:LINE", named in messages */
};

struct sense_map {
    struct sense_rule *rules;
    size_t count;
};

/*
 * Parse the rules file: one rule a line, "KK/AA/QQ HRESULT [VENDOR]", hex
 * codes, QQ may be '*', '#' starts a comment.  On a bad line, -1 with a
 * usage error naming 'path', the line and what was expected; the map then
 * holds no rules.
 */
int sense_map_parse(const char *text, const char *path, struct sense_map *map,
                    struct err *err);
void sense_map_fini(struct sense_map *map);

/*
 * The one mapping from an answered command (status and sense) to an
 * HRESULT, following the table in docs/errors.md (MODE SENSE and MODE
 * SELECT context decides 05/24/00).  Returns 0 when the
 * command succeeded, else -1 with err filled: HRESULT, a message naming
 * the command and the sense, and a copy of the CDB, status and raw sense.
 */
int sense_check(const struct scsi_io *io, struct err *err);

/* The same with the user's rules ('map' may be NULL) for a drive whose
 * INQUIRY vendor is 'vendor' ("" when not yet known). */
int sense_check_mapped(const struct scsi_io *io, const struct sense_map *map,
                       const char *vendor, struct err *err);

/* The command's name for messages: "MODE SELECT(10)". */
const char *sense_opcode_name(uint8_t opcode);

#endif
