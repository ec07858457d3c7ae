/* libFuzzer target: whatever a drive answers to MODE SENSE, INQUIRY or
 * GET CONFIGURATION is parsed or refused with a message, never read
 * beyond what arrived. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly 'size' bytes, so that AddressSanitizer sees any
     * read past the answer. */
    uint8_t *buf = malloc(size ? size : 1);
    struct mode_data md;
    struct scsi_identity id;
    struct scsi_configuration cfg;
    struct err err;

    memcpy(buf, data, size);
    /* The allocation length the command would have given: the answer's
     * own size, and a larger one (the answer was all there was). */
    err_clear(&err);
    scsi_parse_mode_data(buf, size, size, &md, &err);
    err_clear(&err);
    scsi_parse_mode_data(buf, size, 0xffff, &md, &err);
    err_clear(&err);
    scsi_parse_inquiry(buf, size, &id, &err);
    err_clear(&err);
    scsi_parse_configuration(buf, size, &cfg, &err);
    free(buf);
    return 0;
}
