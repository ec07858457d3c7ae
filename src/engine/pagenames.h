/*
 * Page arguments and the names of pages.  A page's one name is its
 * definition's (a file of pages/, its `name`); the word a command takes for it
 * is derived from that name ("Write Parameters" -> write-parameters), and the
 * word of its IMAPI_MODE_PAGE_TYPE_... name is taken too (legacy-
 * capabilities), so that scripts written for either keep working.  A page
 * without a definition is named by its code alone.
 */
#ifndef MODECON_ENGINE_PAGENAMES_H
#define MODECON_ENGINE_PAGENAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pagedef.h"
#include "engine/scsi.h"
#include "util/err.h"

/* The prefix of the IMAPI names that the words leave out. */
#define PAGENAMES_IMAPI_PREFIX "IMAPI_MODE_PAGE_TYPE_"

/*
 * The command word of a name: lower case, each run of other characters
 * than letters and digits one '-', none at either end ("Time-out and
 * Protect" -> time-out-and-protect).  An IMAPI name loses its prefix
 * first.  'buf' holds 'len' bytes; the word is cut to fit.
 */
void pagenames_word(const char *name, char *buf, size_t len);

/*
 * A page code as every screen and message shows it: "0x1a", "0x1a,0x01".
 * Bare hex such as "1A" would read as another page when typed where a
 * number may be decimal ("10"), so no output shows one.
 */
#define PAGENAMES_CODE_LEN 12
void pagenames_code(uint8_t code, uint8_t subpage,
                    char buf[PAGENAMES_CODE_LEN]);

/*
 * The definition that names a page of a drive of identity 'id' (its own
 * first: pagedb_find), or with 'id' NULL of an MMC drive of any vendor,
 * else of any drive.  NULL when none names it; 'db' may be NULL.
 */
const struct page_def *pagenames_def(const struct pagedb *db, uint8_t code,
                                     uint8_t subpage,
                                     const struct scsi_identity *id);

/*
 * Parse a page argument, with an optional subpage after ',' or '/':
 *   - a number with its base: 0x1a, 1Ah;
 *   - a bare number, read as hex when it has a hex letter (1a, 0D, as
 *     pages are listed), and refused when its hex and decimal readings
 *     are different pages (10: 0x10 or 0x0a), naming both;
 *   - a page's word or its IMAPI word, or a prefix of either that only
 *     one page has (cach); a typed name is made a word first, so that
 *     "Power Condition" is power-condition.  An ambiguous prefix is
 *     refused naming the candidates.
 * Names come from 'db' (NULL: numbers only).  Usage error otherwise.
 */
int pagenames_parse(const struct pagedb *db, const char *text, uint8_t *code,
                    uint8_t *subpage, struct err *err);

/*
 * The words of the pages that 'db' defines, each once, in the order of
 * their codes, without the IMAPI words (for completion and messages).
 * Free with pagenames_words_free.
 */
char **pagenames_words(const struct pagedb *db, size_t *count);
void pagenames_words_free(char **words, size_t count);

/*
 * The words that definitions give to more than one page, each once as
 * "caching (0x08, 0x20)" (such a word is refused as ambiguous; the codes
 * still work).  Free with pagenames_words_free.
 */
char **pagenames_shared(const struct pagedb *db, size_t *count);

#endif
