/* Bytes as hex text: two digits a byte, separated by spaces, 16 a line. */
#ifndef MODECON_UTIL_HEX_H
#define MODECON_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Format 'len' bytes, 'per_line' a line (0: all on one line), lines joined
 * with '\n' and no trailing newline.  Returns a new string; the caller
 * frees it.
 */
char *hex_format(const uint8_t *data, size_t len, size_t per_line);

/*
 * Parse hex text: tokens separated by white space or commas, each an even
 * number of hex digits ("05 32", "0532", "0x05,0x32").  '#' starts a comment
 * that runs to the end of the line.  On success *out is a new buffer the
 * caller frees.  An error names the line and column (usage error).
 */
int hex_parse(const char *text, uint8_t **out, size_t *out_len,
              struct err *err);

#endif
