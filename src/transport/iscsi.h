/* iSCSI discovery, for transport.c. */
#ifndef MODECON_TRANSPORT_ISCSI_H
#define MODECON_TRANSPORT_ISCSI_H

#include <stdbool.h>
#include <stddef.h>

#include "transport/transport.h"
#include "util/err.h"

/*
 * The LUNs behind the portal "iscsi://[USER@]HOST[:PORT]": a
 * SendTargets discovery, then REPORT LUNS on each target.  *uris is a new
 * array of new strings, in the portal's order.
 */
int iscsi_discover(const char *portal_uri, transport_warn_fn warn, void *data,
                   char ***uris, size_t *count, struct err *err);

/* Whether a target name a portal gave is an iSCSI name modecon lists
 * (RFC 3720 3.2.6): one that reads the same in a URI and on a terminal. */
bool iscsi_name_valid(const char *name);

/* Whether 'uri' names a portal rather than a LUN. */
bool iscsi_is_portal(const char *uri);

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

/* Keep the password of the portal URI uri[0, len) ("iscsi://USER%PASSWORD@
 * HOST[:PORT]") for the logins of that user at that portal. */
void iscsi_secret_keep(const char *uri, size_t len);

/* See transport_ask_secret. */
void iscsi_secret_ask(const char *uri);

/* See transport_set_password_prompt. */
void iscsi_set_password_prompt(transport_password_prompt ask);

#endif
