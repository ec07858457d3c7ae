/*
 * libiscsi's own URI grammar, for iscsi.c, kept apart because libiscsi's
 * header and transport.h both declare the SCSI statuses.
 */
#ifndef MODECON_TRANSPORT_ISCSI_URL_H
#define MODECON_TRANSPORT_ISCSI_URL_H

#include <stdbool.h>

/* The longest URI after "iscsi://" that libiscsi 1.19 reads whole: it
 * copies at most MAX_STRING_SIZE (255) bytes into a buffer of 256 and
 * writes no NUL after 255 of them, so one byte less. */
#define ISCSI_URL_MAX 254

/* What libiscsi reads from a URI: the portal "HOST[:PORT]" as written,
 * the target name with its %XX escapes decoded, the LUN. */
struct iscsi_url_parts {
    char portal[ISCSI_URL_MAX + 2]; /* libiscsi's own size */
    char target[ISCSI_URL_MAX + 2];
    int lun;
};

/*
 * "iscsi://HOST[:PORT]/TARGET/LUN" (or "iscsi://HOST[:PORT][/]" when not
 * 'full') through libiscsi's iscsi_parse_full_url (iscsi_parse_portal_url),
 * without a context, so that libiscsi keeps no error text.  'url' holds no
 * user information and no query: libiscsi would take a password from the
 * one and apply parameters of the other.  False when libiscsi refuses it.
 */
bool iscsi_url_parse(const char *url, bool full, struct iscsi_url_parts *out);

#endif
