/* libFuzzer target: sense data of any shape decodes, maps to an HRESULT
 * and reads as a message without a crash; the vendor sense rules parser
 * refuses any bad text by line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errfmt.h"
#include "engine/sense.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sense s;
    struct scsi_io io = { 0 };
    struct err err;
    char line[1024];

    sense_decode(data, size, &s);

    /* As a drive's answer: the first byte picks the command and the
     * status, the rest is the sense data. */
    io.cdb[0] = size > 0 ? data[0] : 0;
    io.cdb[1] = size > 1 ? data[1] : 0;
    io.cdb_len = 10;
    io.status = size > 1 && (data[1] & 0x80) ? data[1] & 0x7e : 0x02;
    io.sense_len =
        (uint8_t)(size > 2 ? (size - 2 < sizeof io.sense ? size - 2
                                                         : sizeof io.sense)
                           : 0);
    if (io.sense_len > 0)
        memcpy(io.sense, data + 2, io.sense_len);
    err_clear(&err);
    sense_check(&io, &err);
    errfmt_line(&err, line, sizeof line);

    /* As a rules file, and those rules applied to the same answer. */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct sense_map map;
    err_clear(&err);
    if (sense_map_parse(text, "fuzz", &map, &err) == 0) {
        err_clear(&err);
        sense_check_mapped(&io, &map, "MODECON", &err);
        errfmt_line(&err, line, sizeof line);
        sense_map_fini(&map);
    }
    free(text);
    return 0;
}
