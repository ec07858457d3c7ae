/*
 * How an error reads: the HRESULT's name and value, what it means, the
 * engine's message, and the decoded sense with the field the drive pointed
 * at.  Every front end shows errors through this one function.
 */
#ifndef MODECON_ENGINE_ERRFMT_H
#define MODECON_ENGINE_ERRFMT_H

#include <stddef.h>

#include "util/err.h"

/*
 * "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208): <meaning>:
 * <message> [sense 05/26/00 invalid field in parameter list, page byte 10
 * bit 6]".  Usage errors are just their message.  Returns 'buf'.
 */
char *errfmt_line(const struct err *err, char *buf, size_t len);

/* The decoded sense part alone ("05/26/00 invalid field ..."), or "" when
 * the error carries no sense. */
char *errfmt_sense(const struct err *err, char *buf, size_t len);

#endif
