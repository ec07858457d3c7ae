/*
 * Errors travel in a caller-owned struct err: functions return 0 or -1 (or
 * NULL) and fill it where the error is detected.  The HRESULT is the
 * category that programs act on; the message is for people; the SCSI part
 * keeps the raw answer of the command that failed.
 */
#ifndef MODECON_UTIL_ERR_H
#define MODECON_UTIL_ERR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hresult.h"

#define ERR_MSG_MAX   512
#define ERR_SENSE_MAX 252 /* SPC: sense data is at most 252 bytes */

struct err {
    uint32_t hr;  /* HRESULT; S_OK when there is no error */
    bool usage;   /* bad usage or bad input rather than a drive failure */
    int os_errno; /* errno when an operating system call failed, else 0 */

    /* The command that failed, when a SCSI command did. */
    bool has_scsi;
    uint8_t cdb[16];
    uint8_t cdb_len;
    uint8_t status;
    uint8_t sense_len;
    uint8_t sense[ERR_SENSE_MAX];

    /* Where the drive (or the pre-check) pointed in the page: -1 if unknown. */
    int field_byte;
    int field_bit;

    char msg[ERR_MSG_MAX];
};

void err_clear(struct err *err);

/* Record an error; returns -1 so that callers can 'return err_set(...)'. */
int err_set(struct err *err, uint32_t hr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a va_list. */
int err_setv(struct err *err, uint32_t hr, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Record bad usage or input (exit status 2); returns -1. */
int err_usage(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the message with more context ("page 0x05: ...").  A message
 * set by err_set leaves some room for prefixes; when they do not fit, the
 * middle of the whole goes, between characters, never the reason at its
 * end. */
void err_prefix(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

bool err_is_set(const struct err *err);

/* How many characters of a string from outside an error quotes. */
#define ERR_QUOTE_CHARS 60
/* Room for a quote: each character made visible takes at most four
 * bytes, then "..." and the length. */
#define ERR_QUOTE_MAX (4 * ERR_QUOTE_CHARS + 48)

/*
 * A string from outside (a drive file's value, a replay line, a target's
 * name) as an error quotes it: "text" made visible (util/text.h), or, when
 * longer than ERR_QUOTE_CHARS characters, "its start..." (N bytes), so
 * that the message keeps room for what is wrong with it.  Returns buf.
 */
const char *err_quote(char buf[ERR_QUOTE_MAX], const char *text);

/*
 * vsnprintf for messages: when the text does not fit in 'len' bytes, the
 * longest %s arguments are cut ("start... (N bytes)", made visible) until
 * it does, counted in the bytes they take once made visible, a huge one
 * (over 4 * len) to ERR_QUOTE_CHARS characters at once, so that a string
 * from outside never pushes the reason out of the message.  Should the
 * text still not fit, its middle goes, never its end.  Cuts fall between
 * characters.  Returns buf.
 */
char *err_vformat(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
