/*
 * The mode parameter layout that both sides of a MODE SENSE or MODE
 * SELECT need: the engine that reads and writes pages and the emulated
 * drive that answers them.  It sits in the transport layer because the
 * emulated drive, the lowest of its users, lives there.
 */
#ifndef MODECON_TRANSPORT_MODEPAGE_H
#define MODECON_TRANSPORT_MODEPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODE_HEADER10_LEN 8    /* mode parameter header (10), SPC-4 7.5.5 */
#define MODE_PAGE_ALL     0x3f /* MODE SENSE page code for every page */
#define MODE_SUBPAGE_ALL  0xff /* and subpage code for every subpage */
/* Byte 0 of a page, SPC-4 7.5.7 (also the MODE SENSE CDB's page code). */
#define MODE_PAGE_PS   0x80 /* parameters savable */
#define MODE_PAGE_SPF  0x40 /* sub_page format: 4-byte page header */
#define MODE_PAGE_CODE 0x3f

/* A mode page's header, SPC-4 7.5.7: the page_0 format has 2 bytes (PS,
 * SPF 0, page code; page length), the sub_page format 4 (PS, SPF 1, page
 * code; subpage code; page length in 2 bytes, big-endian). */
struct mode_page_header {
    bool complete; /* the whole header was there */
    bool ps;
    bool spf;
    uint8_t code;       /* without PS and SPF */
    uint8_t subpage;    /* 0 in the page_0 format */
    size_t header_len;  /* 2 or 4 */
    size_t page_length; /* the PAGE LENGTH field: bytes after the header */
};

/*
 * Decode the header of the page at 'page', of which 'avail' bytes are
 * there.  When it is cut short (complete false), only byte 0's fields
 * (ps, spf, code, header_len) are set, and those only when avail is not
 * 0; subpage and page_length are 0.
 */
struct mode_page_header mode_page_header_decode(const uint8_t *page,
                                                size_t avail);

#endif
