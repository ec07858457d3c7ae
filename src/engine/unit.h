/*
 * Values in their real units: the one place that knows what a number
 * field's 'unit' and 'scale' mean, for showing a value ("30 s (300)") and
 * for reading one typed ("5s", "500ms", "8xCD", "300steps").
 *
 * A field counts steps of 'scale' units (1 when no scale is given).  Time
 * units are ms, s, min and h; speeds are kB/s with kB = 1000 bytes, as MMC
 * gives every speed field.
 */
#ifndef MODECON_ENGINE_UNIT_H
#define MODECON_ENGINE_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/pagedef.h"

/* The quantity 'raw' steps of the field stand for, with its unit: "30 s",
 * "90 s", "1 h", "16 blocks", "5540 kB/s"; a bare number without a unit. */
void unit_format_quantity(const struct field_def *fd, uint64_t raw, char *buf,
                          size_t len);

/* As unit_format_quantity, followed by the raw count where a step is more
 * than one unit: "30 s (300)". */
void unit_format(const struct field_def *fd, uint64_t raw, char *buf,
                 size_t len);

/* The value as a user types it back, unambiguous for unit_parse: "30s",
 * "16", "300steps". */
void unit_format_typeable(const struct field_def *fd, uint64_t raw, char *buf,
                          size_t len);

/* What one step of the field is, or "" without a unit: "100 ms steps",
 * "s", "kB/s". */
void unit_step(const struct field_def *fd, char *buf, size_t len);

/* What a value of the field is typed as, or "" when only a bare number:
 * "a time (30s, 500ms, 1.5s, 10min, 1h) or a count of steps (300steps)". */
void unit_expected(const struct field_def *fd, char *buf, size_t len);

/* The same as a phrase of its own: "typed as a time (30s, ...) or a count
 * of steps (300steps)", or "". */
void unit_typing(const struct field_def *fd, char *buf, size_t len);

/*
 * Read 'text' typed for field 'fd' (named 'acronym' in messages) as a
 * quantity: a decimal number, blanks allowed before a unit of the field
 * (ms/s/min/h for a time, kB/s or NxCD/NxDVD/NxBD for a speed, the
 * field's own unit, each as written, in its case) or the word steps for
 * the raw count (in decimal or hex; a hex number takes no other unit).
 * Returns 0 with the raw count in *raw; 1 when 'text' is a bare number
 * the caller reads as before; -1 with a usage error (an unknown unit, a
 * value that is not a whole number of steps, naming the two nearest that
 * are, or input that reads two ways, naming both).
 */
int unit_parse(const struct field_def *fd, const char *acronym,
               const char *text, uint64_t *raw, struct err *err);

#endif
