/*
 * Page definitions: the fields of each mode page, read from the files
 * that pages/README.md describes.  Parsed once into a pagedb; every field
 * is data, read and written by field.c's one generic routine.
 */
#ifndef MODECON_ENGINE_PAGEDEF_H
#define MODECON_ENGINE_PAGEDEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum field_kind {
    FIELD_FLAG,
    FIELD_NUMBER,
    FIELD_ENUM,
    FIELD_ASCII,
    FIELD_HEX,
    FIELD_RESERVED,
};

const char *field_kind_name(enum field_kind kind);

enum field_danger {
    FIELD_DANGER_ANY,
    FIELD_DANGER_WHEN,
    FIELD_DANGER_LOWER,
    FIELD_DANGER_HIGHER,
};

struct field_value {
    uint64_t value;
    char *name;
    char *desc; /* or NULL */
};

struct field_def {
    char *acronym; /* NULL for reserved bits */
    char *name;    /* or NULL */
    enum field_kind kind;
    unsigned byte;  /* first byte, from the page's byte 0 */
    unsigned bit;   /* most significant bit in the first byte, 7..0 */
    unsigned width; /* in bits */
    char *unit;     /* or NULL */
    uint64_t scale; /* units a step; 0 when not given */
    bool has_range;
    uint64_t min, max;
    char *help;   /* or NULL */
    char *danger; /* or NULL */
    /* Which change the danger is: any change ("danger TEXT"), a change to
     * danger_when ("danger when 0 TEXT"), one that lowers the value
     * ("danger lower TEXT") or one that raises it ("danger higher"). */
    enum field_danger danger_dir;
    uint64_t danger_when;
    struct field_value *values;
    size_t nvalues;
    int line; /* where it is defined */
};

/* Descriptors that repeat from byte 'at', each 'size' bytes. */
struct repeat_def {
    char *name;
    char *title;
    unsigned at, size;
    bool has_count;
    unsigned count_byte, count_bit, count_width; /* the count's position */
    struct field_def *fields;                    /* positions within one */
    size_t nfields;
    int line;
};

#define PAGEDEF_ALL_TYPES   0xffffffffu
#define PAGEDEF_MAX_LENGTHS 16

struct page_def {
    char *path;
    uint8_t code;
    uint8_t subpage;
    bool spf;
    char *name;
    char *imapi; /* or NULL */
    char *help;  /* or NULL */
    char *danger;
    uint32_t applies; /* peripheral device types, bit per type */
    unsigned lengths[PAGEDEF_MAX_LENGTHS]; /* page length byte values */
    size_t nlengths;
    char *vendor, *product; /* patterns, or NULL */
    bool readonly;
    struct field_def *fields;
    size_t nfields;
    struct repeat_def *repeats;
    size_t nrepeats;
};

struct pagedb {
    struct page_def **pages;
    size_t npages;
    /* Every problem found while loading, as "FILE:LINE:COL: ..." lines. */
    char **problems;
    size_t nproblems;
};

void pagedb_init(struct pagedb *db);
void pagedb_fini(struct pagedb *db);

/*
 * Parse one file.  On success its page is checked and, when sound, added
 * to db (replacing a page with the same code, subpage, types and vendor).
 * Returns 0, or -1 when the file was refused; every reason is appended to
 * db->problems.
 */
int pagedb_load_file(struct pagedb *db, const char *path);

/* Every *.page file under 'dir', recursively, in name order.  Returns the
 * number of files refused (0 when all loaded). */
int pagedb_load_dir(struct pagedb *db, const char *dir);

/*
 * The built-in pages, then $MODECON_PAGES (colon-separated directories),
 * then $XDG_CONFIG_HOME/modecon/pages.  Returns the number of files
 * refused.
 */
int pagedb_load_default(struct pagedb *db);

/* The definition for a page of a drive with peripheral device type 'pdt'
 * and INQUIRY vendor/product, or NULL.  A vendor's own page is preferred. */
const struct page_def *pagedb_find(const struct pagedb *db, uint8_t code,
                                   uint8_t subpage, uint8_t pdt,
                                   const char *vendor, const char *product);

/* Parse text as if from 'path' (for tests and fuzzing): returns a new page
 * or NULL with the reasons appended to db->problems. */
struct page_def *pagedef_parse(struct pagedb *db, const char *path,
                               const char *text);
void pagedef_free(struct page_def *pd);

/* The checker: appends a line to db->problems for every fault of pd and
 * returns how many it found. */
int pagedef_check(struct pagedb *db, const struct page_def *pd);

/* The largest page length in bytes (header included) the page lists. */
size_t pagedef_max_len(const struct page_def *pd);

#endif
