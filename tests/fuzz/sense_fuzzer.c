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

    /* As a drive's answer and a rules file: the first byte is how many
     * of the following bytes are the answer (the second picks the
     * command, the third the status, the rest is the sense data); the
     * bytes after them are the rules, which then map that answer. */
    size_t answer = size > 0 ? data[0] : 0;
    if (size > 0) {
        data++;
        size--;
    }
    if (answer > size)
        answer = size;
    io.cdb[0] = answer > 0 ? data[0] : 0;
    io.cdb[1] = answer > 1 ? data[1] : 0;
    io.cdb_len = 10;
    io.status = answer > 1 && (data[1] & 0x80) ? data[1] & 0x7e : 0x02;
    io.sense_len =
        (uint8_t)(answer > 2 ? (answer - 2 < sizeof io.sense ? answer - 2
                                                             : sizeof io.sense)
                             : 0);
    if (io.sense_len > 0)
        memcpy(io.sense, data + 2, io.sense_len);
    err_clear(&err);
    sense_check(&io, &err);
    errfmt_line(&err, line, sizeof line);

    size_t rules_len = size - answer;
    char *text = malloc(rules_len + 1);
    memcpy(text, data + answer, rules_len);
    text[rules_len] = '\0';
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
