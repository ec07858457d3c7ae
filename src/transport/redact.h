/*
 * Where a URI's CHAP password is in a text, as the iSCSI URI parser reads
 * it (iscsi-uri.c), so that transport_redact (secret.h) leaves out what
 * the parser would take for one, and nothing else.
 */
#ifndef MODECON_TRANSPORT_REDACT_H
#define MODECON_TRANSPORT_REDACT_H

#include <stdbool.h>

/* Whether an "iscsi:" scheme, in any case, starts at p in 'text': at its
 * start or after a byte that cannot be part of a name (not a letter, a
 * digit, '.', '-', '+' or ':'). */
bool iscsi_scheme_at(const char *text, const char *p);

/*
 * Where an iSCSI URI (or any URI with an authority) whose authority
 * starts at 'authority' ends in a text: at the next "iscsi:" scheme
 * (iscsi_scheme_at), else at the text's end.  A URI that holds "iscsi:" again
 * is refused by the parser, so that the two can never read one differently.
 */
const char *iscsi_uri_end(const char *authority);

/*
 * Where the user information of the authority [authority, end) of an
 * iSCSI URI (what follows "iscsi://", to iscsi_uri_end) is, as the URI
 * parser reads it, for the parser and for transport_redact alike.  It
 * ends at the LAST '@' before 'end' (*at; NULL when there is none),
 * whatever comes before it: a password may hold '@', '/', '?' or any
 * byte, while host names, iSCSI names (RFC 3720 3.2.6) and the query
 * never hold '@'.  The host part follows it and ends at the first '/' or
 * '?' after it (*host_end).  The user name ends at its first '%', else at
 * *at (*user_end): the password is what lies between *user_end and *at.
 * A ':' belongs to the user name (CHAP names are often initiator names,
 * which hold ':'), so that the user name, cut at the first '%', reads
 * the same once the password is left out.
 */
void iscsi_userinfo(const char *authority, const char *end,
                    const char **host_end, const char **at,
                    const char **user_end);

/*
 * The next password in 'text' from p on: *from (its separator, '%') to *to (the
 * '@' after it, or the URI's end when its host part holds the '%'); *uri where
 * its scheme ("iscsi:" or the "://") begins and *host_end where its authority
 * ends.  A URI starts at every "iscsi:", in any case and with any number of
 * slashes, and at every "://"; it ends where the next "iscsi:" starts
 * (iscsi_uri_end), its user information at its last '@' (iscsi_userinfo).
 * One that ends at an "iscsi:" inside its word and holds a '%' loses all
 * after the '%' to the end of the text.
 */
bool redact_next_password(const char *text, const char *p, const char **uri,
                          const char **from, const char **to,
                          const char **host_end);

/* Cut [from, to) out of the string, wiping the bytes freed at its end. */
void redact_cut(char *from, const char *to);

#endif
