/*
 * Text from outside (drive answers, iSCSI target names, file names, drive
 * files, page definitions, replay lines) is hostile: a control character
 * in it would reach the terminal as an escape sequence (colours, a window
 * title, a clipboard write).  This is the one rule for what is safe to
 * show: UTF-8 text without control characters.  The console draws by it
 * and the command line's output passes through text_visible.
 */
#ifndef MODECON_UTIL_TEXT_H
#define MODECON_UTIL_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD, what text that is not UTF-8 reads as. */
#define TEXT_REPLACEMENT 0xfffd

/* The next character of UTF-8 text, advancing *text past it.  What is
 * not UTF-8 (RFC 3629) reads as U+FFFD: a byte that starts no sequence,
 * a sequence cut short (up to the byte that cuts it), an overlong form, a
 * surrogate.  *text must not be at the terminating NUL. */
uint32_t text_next_char(const char **text);

/* 'c' (a code point below U+110000) as UTF-8 in 'out', which is not
 * NUL-terminated; returns its length, 1 to 4 bytes. */
size_t text_encode(uint32_t c, char out[4]);

/* C0 (U+0000 to U+001F), DEL (U+007F) and C1 (U+0080 to U+009F, CSI
 * U+009B among them): the characters a terminal acts on instead of
 * showing; and the bidirectional marks, embeddings, overrides and
 * isolates (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and the
 * line and paragraph separators (U+2028, U+2029), which make text read
 * otherwise than it is (a name shown backwards, a line that seems to
 * end). */
bool text_is_control(uint32_t c);

/* Whether 'text' shows as it is: valid UTF-8 without control characters,
 * but for newline and tab when 'lines' is true. */
bool text_is_safe(const char *text, bool lines);

/*
 * 'text' as it may be shown, a new string: a control character as \xHH
 * (its code point: ESC is \x1b, CSI \x9b), what is not UTF-8
 * as U+FFFD; newline and tab are kept when 'lines' is true (whole lines of
 * output), shown as \x0a and \x09 otherwise (a name within a line).
 */
char *text_visible(const char *text, bool lines);

/* 'text' as valid UTF-8, a new string: what is not UTF-8 shows as
 * U+FFFD, control characters stay (for JSON, which escapes them, and
 * which cannot hold text that is not UTF-8). */
char *text_utf8(const char *text);

/* A JSON string of text from outside (a drive's name, a message quoting a
 * file): json_string refuses text that is not UTF-8, which would drop the
 * member; here a bad byte is U+FFFD.  A new reference, never NULL. */
json_t *text_json(const char *text);

/*
 * At most 'max_chars' characters of 'text' made visible as text_visible
 * does, into buf: the whole text when it fits, else its start and "..."
 * (cut between characters).  Returns the length of 'text' in bytes when
 * it was cut, else 0.
 */
size_t text_excerpt(char *buf, size_t len, const char *text, size_t max_chars,
                    bool lines);

#endif
