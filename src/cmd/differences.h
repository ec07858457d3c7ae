/*
 * Where two values of a page differ, by field: what 'diff', 'restore' and
 * the notes on saved values show, and what an edit checks.
 */
#ifndef MODECON_CMD_DIFFERENCES_H
#define MODECON_CMD_DIFFERENCES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/field.h"
#include "engine/pagedef.h"

/*
 * Where pages 'a' and 'b' differ in the bits of 'mask' (NULL: every bit):
 * the fields of 'pd' (or none) as a new array in *fields, returning how
 * many, and in *loose a new page-sized mask of the differing bits after
 * the page header that no field covers.
 */
size_t edit_differences(const struct page_def *pd, const uint8_t *a,
                        const uint8_t *b, const uint8_t *mask, size_t len,
                        struct field_ref **fields, uint8_t **loose);

#endif
