/*
 * A page's fields as show, get and the comparison of drives give them:
 * read under the page controls, each value formatted in one place, looked
 * up by name.
 */
#ifndef MODECON_CMD_SHOW_H
#define MODECON_CMD_SHOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/ctx.h"
#include "engine/field.h"
#include "engine/pagedef.h"
#include "engine/recorder.h"
#include "util/err.h"

/* The page under each page control; a control the drive does not answer
 * for is NULL, with why in 'why'. */
struct show_values {
    uint8_t *page[4];
    size_t len[4];
    char why[4][160];
};

/* Read the page's current values, then its changeable, default and saved
 * values where the drive answers them (a drive without saved values is
 * not an error).  Free with show_values_free, also after a failure. */
int show_read_values(struct recorder *rec, uint8_t code, uint8_t subpage,
                     struct show_values *sv, struct err *err);
void show_values_free(struct show_values *sv);

/* The field's value under page control 'pc' as a person reads it
 * (field_format: "TAO (1)", "30 s (300)"), or "-" when that control was
 * not answered or the page is too short for it. */
void show_value(const struct show_values *sv, int pc,
                const struct field_ref *ref, char *buf, size_t len);
/* Whether the drive lets the field change: "yes", "no", "partly", "-". */
const char *show_changeable(const struct show_values *sv,
                            const struct field_ref *ref);

/* The field's value in 'page' as JSON: a number in the field's unit
 * (30000 for 300 steps of 100 ms) for numeric fields, the formatted text
 * for text and bytes, null when the page is too short for it. */
json_t *show_value_json(const uint8_t *page, size_t len,
                        const struct field_ref *ref);

/* The field 'name' of a page (any case, a unique prefix is enough); NULL
 * with a usage error naming the page ('label') and the fields whose
 * names are close to 'name'. */
const struct field_ref *show_find_field(const struct field_ref *refs, size_t n,
                                        const char *name, const char *label,
                                        struct err *err);

/* The page as 'show DRIVE PAGE' prints it: a heading, then a line per
 * field (or its bytes, when it has no definition). */
void show_page_print(struct cmd_ctx *ctx, const struct page_def *pd,
                     uint8_t code, uint8_t subpage,
                     const struct show_values *sv);
/* The page as 'show DRIVE PAGE --json' gives it; a new reference. */
json_t *show_page_json(struct recorder *rec, const struct page_def *pd,
                       uint8_t code, uint8_t subpage,
                       const struct show_values *sv);

/* What 'show PAGE FIELD... --drive A --drive B' compares. */
struct show_compare {
    const char *page;
    const char *const *fields;
    size_t nfields;
    const char *const *drives; /* as named: URIs */
    size_t ndrives;
    const char *reference; /* a snapshot file (or a drive), or NULL: the
                              first drive read */
    bool json;
};

/* The named fields' current values on every drive, a row per drive and a
 * column per field, the values that differ from the reference marked.  A
 * drive that cannot be read is a row saying why, and CMD_FAILED. */
enum cmd_status show_compare(struct cmd_ctx *ctx,
                             const struct show_compare *cmp);

#endif
