/*
 * iSCSI addresses, private to src/transport/iscsi*.c: a drive's URI read
 * into where and as whom to log in, and an address written back as a URI
 * without its password.
 */
#ifndef MODECON_TRANSPORT_ISCSI_URI_H
#define MODECON_TRANSPORT_ISCSI_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* iSCSI names are at most 223 bytes (RFC 7143 6.1), plus the NUL. */
#define ISCSI_NAME_MAX 224

/* Where and as whom to log in. */
struct iscsi_address {
    char host[256];
    int port; /* 3260 unless given */
    char target[ISCSI_NAME_MAX];
    int lun;
    char user[256]; /* CHAP; empty for none */
    char password[256];
    char initiator[ISCSI_NAME_MAX];
    /* The initiator name came from the URI's query: the drive's name
     * keeps it, so that a URI copied from 'list' or a journal logs in as
     * the same initiator (a target's ACL may admit no other). */
    bool initiator_given;
};

/*
 * Parse "iscsi://[user[%password]@]host[:port]/target-iqn/lun" with
 * optional "?initiator=IQN".  A portal URI (no target and LUN) parses when
 * 'portal_only'; otherwise both are required.  The initiator name is the
 * query's, else $MODECON_ISCSI_INITIATOR, else modecon's own.
 */
int iscsi_address_parse(const char *uri, bool portal_only,
                        struct iscsi_address *addr, struct err *err);

/* "iscsi://user@host:port/target/lun[?initiator=IQN]": the URI without
 * the password, as traces and messages show it; the initiator only when
 * the URI gave it. */
void iscsi_address_name(const struct iscsi_address *addr, char *buf,
                        size_t len);

/* "host:port", an IPv6 address in brackets: the host keeps the brackets
 * it was given in, and gets them when it was not. */
void iscsi_portal_text(const struct iscsi_address *addr, char *buf, size_t len);

/* Whether a target name a portal gave is an iSCSI name modecon lists
 * (RFC 3720 3.2.6): one that reads the same in a URI and on a terminal. */
bool iscsi_name_valid(const char *name);

/* Whether 'uri' names a portal rather than a LUN. */
bool iscsi_is_portal(const char *uri);

#endif
