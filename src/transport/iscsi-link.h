/*
 * One iSCSI session through libiscsi, private to src/transport/iscsi*.c.
 *
 * libiscsi's headers define SCSI_STATUS_GOOD and friends as an enum of
 * their own, as transport.h does, so they cannot meet in one file: this
 * module is the only one that includes them, and its interface speaks in
 * plain integers.  Every wait runs libiscsi's event loop under a deadline
 * of our own (libiscsi's timeouts count whole seconds and its automatic
 * reconnect retries forever), so nothing here blocks longer than asked.
 */
#ifndef MODECON_TRANSPORT_ISCSI_LINK_H
#define MODECON_TRANSPORT_ISCSI_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/iscsi-uri.h"
#include "util/err.h"

struct iscsi_link;

/* Connect and log in to addr's target (a discovery session when its
 * target is empty) within timeout_ms. */
int iscsi_link_open(const struct iscsi_address *addr, unsigned timeout_ms,
                    struct iscsi_link **out, struct err *err);
void iscsi_link_close(struct iscsi_link *link);

/* The data direction of a command. */
enum iscsi_link_dir {
    ISCSI_LINK_NONE,
    ISCSI_LINK_READ,
    ISCSI_LINK_WRITE,
};

/* One command's answer. */
struct iscsi_link_answer {
    int status;         /* SCSI status byte */
    uint8_t sense[252]; /* raw sense, as the target sent it */
    size_t sense_len;
    size_t transferred; /* data bytes moved */
};

/*
 * Send one CDB to 'lun' and wait at most timeout_ms.  Returns 0 with the
 * answer whatever its status; -1 with E_IMAPI_RECORDER_COMMAND_TIMEOUT
 * when the time ran out, or HRESULT_ERROR_DEV_NOT_EXIST when the
 * connection was lost.  After -1 the link is unusable: close it.
 */
int iscsi_link_command(struct iscsi_link *link, int lun, const uint8_t *cdb,
                       size_t cdb_len, enum iscsi_link_dir dir, uint8_t *buf,
                       size_t len, unsigned timeout_ms,
                       struct iscsi_link_answer *answer, struct err *err);

/* SendTargets on a discovery session: the target names, new strings. */
int iscsi_link_discover(struct iscsi_link *link, char ***targets, size_t *count,
                        unsigned timeout_ms, struct err *err);

#endif
