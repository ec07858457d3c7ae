/* CHAP passwords for iSCSI logins, private to src/transport/iscsi*.c and
 * transport.c. */
#ifndef MODECON_TRANSPORT_ISCSI_SECRET_H
#define MODECON_TRANSPORT_ISCSI_SECRET_H

#include "transport/iscsi-uri.h"
#include "util/err.h"

/*
 * The password of a URI that names a user and no password: the one this
 * process was given for that user and portal, else MODECON_ISCSI_PASSWORD,
 * else the file MODECON_ISCSI_PASSWORD_FILE names, else libiscsi's
 * LIBISCSI_CHAP_PASSWORD, else the user's answer at the front end's
 * prompt.  A password found is kept for the next login.
 */
int iscsi_secret_find(struct iscsi_address *addr, struct err *err);

/* See transport_ask_secret: 'uri' is an iSCSI URI without fault specs. */
void iscsi_secret_ask(const char *uri);

#endif
