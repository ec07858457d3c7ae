/* iSCSI discovery, for transport.c. */
#ifndef MODECON_TRANSPORT_ISCSI_H
#define MODECON_TRANSPORT_ISCSI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * The LUNs behind the portal "iscsi://[USER[%PASSWORD]@]HOST[:PORT]": a
 * SendTargets discovery, then REPORT LUNS on each target.  *uris is a new
 * array of new strings, in the portal's order.
 */
int iscsi_discover(const char *portal_uri, char ***uris, size_t *count,
                   struct err *err);

/* Whether 'uri' names a portal rather than a LUN. */
bool iscsi_is_portal(const char *uri);

#endif
