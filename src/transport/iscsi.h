/* iSCSI LUNs as a transport, and the discovery of a portal's LUNs, for
 * transport.c. */
#ifndef MODECON_TRANSPORT_ISCSI_H
#define MODECON_TRANSPORT_ISCSI_H

#include <stddef.h>

#include "transport/types.h"
#include "util/err.h"

extern const struct transport_ops transport_iscsi_ops;

/*
 * The LUNs behind the portal "iscsi://[USER@]HOST[:PORT]": a
 * SendTargets discovery, then REPORT LUNS on each target.  *uris is a new
 * array of new strings, in the portal's order.
 */
int iscsi_discover(const char *portal_uri, transport_warn_fn warn, void *data,
                   char ***uris, size_t *count, struct err *err);

#endif
