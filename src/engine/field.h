/*
 * Field values inside page bytes: one generic big-endian bit-field routine
 * for every field of every page, and the list of a page's fields with its
 * repeating groups expanded.
 */
#ifndef MODECON_ENGINE_FIELD_H
#define MODECON_ENGINE_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pagedef.h"

/* A field of one page: its definition and where its descriptor starts. */
struct field_ref {
    const struct field_def *fd;
    size_t base;      /* 0, or the start of its repeat descriptor */
    char acronym[48]; /* "WR_T", or "WSPD.2" in a repeat group */
};

/* Whether the field's bits lie inside a page of 'len' bytes. */
bool field_fits(const struct field_def *fd, size_t base, size_t len);

/* A field of up to 64 bits, most significant bit first; the field must
 * fit the page. */
uint64_t field_get(const uint8_t *page, const struct field_def *fd,
                   size_t base);
void field_set(uint8_t *page, const struct field_def *fd, size_t base,
               uint64_t value);

/* Whether every bit of the field is set in 'mask' (1), none (0), or some
 * (-1): changeable yes, no, partly. */
int field_mask_state(const uint8_t *mask, const struct field_def *fd,
                     size_t base);

/*
 * The named fields of pd present in a page of 'len' bytes (reserved bits
 * left out), repeat groups expanded by the count in 'page'.  *refs is new;
 * the caller frees it.
 */
size_t field_list(const struct page_def *pd, const uint8_t *page, size_t len,
                  struct field_ref **refs);

/* The field named 'name' (any case; a unique prefix is enough), or NULL
 * with a usage error naming the candidates. */
const struct field_ref *field_find(const struct field_ref *refs, size_t n,
                                   const char *name, const char *page_name,
                                   struct err *err);

/* The field covering byte 'byte', bit 'bit' (bit -1: any bit of it). */
const struct field_ref *field_at(const struct field_ref *refs, size_t n,
                                 int byte, int bit);

/* Set the field's bits in 'mask', a page-sized bit mask. */
void field_mark(uint8_t *mask, const struct field_ref *ref);

/* Whether changing the field from its value in 'before' to its value in
 * 'after' is the change its definition warns of: any change ("danger
 * TEXT"), a change to one value ("danger when N"), or a change in one
 * direction ("danger lower", "danger higher").  An unchanged field, and a
 * change away from the danger (an undo of a lowering), is never one. */
bool field_change_is_dangerous(const uint8_t *before, const uint8_t *after,
                               const struct field_ref *ref);

/* Which change the field's danger is about, as a person reads it:
 * "warned when lowered", "warned when set to 0", "warned on any change";
 * "" without a danger. */
void field_danger_when(const struct field_def *fd, char *buf, size_t len);

/* Whether 'value' of an enum is one its legend does not name: reserved
 * or undefined in the standard, so sent only when forced.  False for
 * other kinds. */
bool field_value_undefined(const struct field_def *fd, uint64_t value);

/* The value as a person reads it: "1", "TAO (1)", "30 s (300)",
 * "16 blocks", "\"text\"", "0a 0b". */
void field_format(const uint8_t *page, const struct field_ref *ref, char *buf,
                  size_t len);

/* The value as it is typed back (the console's edit prompt): "30s", "16",
 * "1"; as field_format for text and hex. */
void field_format_typeable(const uint8_t *page, const struct field_ref *ref,
                           char *buf, size_t len);

/* Parse a value for the field and write it into 'page': a number
 * (decimal or 0x) or an enum name for flags, numbers and enums, with a
 * unit where the field has one (unit.h: "5s", "8xCD", "300steps"); text
 * for ascii; hex for hex.  A number an enum's legend does not name is
 * refused unless 'force'.  Usage errors say what is allowed. */
int field_parse_value(uint8_t *page, const struct field_ref *ref,
                      const char *text, bool force, struct err *err);

/* field_parse_value without force. */
int field_parse_set(uint8_t *page, const struct field_ref *ref,
                    const char *text, struct err *err);

#endif
