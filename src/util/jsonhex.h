/* Bytes in JSON files (drive files, state, the audit log and the undo
 * record) are strings of hex pairs separated by spaces, as hex_format
 * writes them and as a person reads them. */
#ifndef MODECON_UTIL_JSONHEX_H
#define MODECON_UTIL_JSONHEX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A new JSON string "05 32 ...". */
json_t *jsonhex_string(const uint8_t *data, size_t len);

#endif
