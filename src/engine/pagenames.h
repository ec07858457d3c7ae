/*
 * Names of the mode pages an optical drive has: IMAPI_MODE_PAGE_TYPE's
 * (imapi2.h) where IMAPI has one, and MMC-6 7.2's for the rest.  Field
 * level definitions live in pages/; this table only names pages so that
 * commands can take "write-parameters" for 0x05.
 */
#ifndef MODECON_ENGINE_PAGENAMES_H
#define MODECON_ENGINE_PAGENAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct page_name {
    uint8_t code;
    const char *name;       /* command-line name, "write-parameters" */
    const char *imapi_name; /* IMAPI_MODE_PAGE_TYPE_..., or NULL */
    const char *title;      /* "Write Parameters" */
};

/* The entry for a page code, or NULL. */
const struct page_name *pagenames_find(uint8_t code);

/* All entries, 'count' of them. */
const struct page_name *pagenames_all(size_t *count);

/*
 * Parse a page argument: a number (5, 0x05, 05h), a name, either with
 * ",SUBPAGE".  Usage error naming what is accepted otherwise.
 */
int pagenames_parse(const char *text, uint8_t *code, uint8_t *subpage,
                    struct err *err);

#endif
