/*
 * What a transport is made of: the command round trip (struct scsi_io),
 * the ops table each transport fills and the struct it embeds.  Types
 * only, so that every transport and the dispatch in transport.c can share
 * them without including one another; transport.h is the layer's front
 * for everyone above it.
 */
#ifndef MODECON_TRANSPORT_TYPES_H
#define MODECON_TRANSPORT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum xfer_dir {
    XFER_NONE,
    XFER_IN,  /* drive to host */
    XFER_OUT, /* host to drive */
};

/* SCSI status codes (SAM-5 5.3.1). */
enum scsi_status {
    SCSI_STATUS_GOOD = 0x00,
    SCSI_STATUS_CHECK_CONDITION = 0x02,
    SCSI_STATUS_CONDITION_MET = 0x04,
    SCSI_STATUS_BUSY = 0x08,
    SCSI_STATUS_RESERVATION_CONFLICT = 0x18,
    SCSI_STATUS_TASK_SET_FULL = 0x28,
    SCSI_STATUS_ACA_ACTIVE = 0x30,
    SCSI_STATUS_TASK_ABORTED = 0x40,
};

#define SCSI_SENSE_MAX 252

/* One command round trip.  The caller owns the struct and the buffer. */
struct scsi_io {
    uint8_t cdb[16];
    uint8_t cdb_len; /* 6 to 16 */
    enum xfer_dir dir;
    uint8_t *buf; /* data-in or data-out */
    uint32_t len; /* bytes in buf to send, or room for bytes to receive */
    uint32_t timeout_ms;

    /* Filled by exec: */
    uint8_t status;
    uint8_t sense_len;
    uint8_t sense[SCSI_SENSE_MAX];
    uint32_t resid; /* len minus the bytes actually transferred */
};

struct transport;

/* Operations on a transport's control hook. */
enum transport_control_op {
    /* Power the drive off and on; arg NULL.  Current values become the
     * saved ones (the defaults for pages that cannot be saved), a medium
     * lock is released, and other openers get UNIT ATTENTION 06/29/00.
     * Only emulated drives support it. */
    TRANSPORT_CONTROL_POWER_CYCLE = 1,
};

struct transport_ops {
    const char *scheme; /* "emu", "fault", ... */
    /* 'target' is the URI without the scheme and without the fault query.
     * On success *out is a new transport whose 'ops' and 'name' the
     * implementation has set. */
    int (*open)(const char *target, struct transport **out, struct err *err);
    /* Optional: refuse a 'target' that is not well formed, opening and
     * reading nothing (see transport_check_name).  open checks the same. */
    int (*check)(const char *target, struct err *err);
    /*
     * Send io->cdb and wait for the answer.  Returns 0 once the drive has
     * answered with any status, CHECK CONDITION included.  Returns -1 and
     * fills err only when no status was obtained: the time-out passed
     * (E_IMAPI_RECORDER_COMMAND_TIMEOUT), the device is gone
     * (HRESULT_ERROR_DEV_NOT_EXIST) or the operating system failed.
     */
    int (*exec)(struct transport *tp, struct scsi_io *io, struct err *err);
    /* Optional: NULL, or returns -1 with E_INVALIDARG for unknown ops. */
    int (*control)(struct transport *tp, enum transport_control_op op,
                   void *arg, struct err *err);
    /* Optional: take the device for this process alone where the operating
     * system can enforce it (claim true), or give it back (false).  NULL
     * where modecon's own lock file is the only exclusion.  A refused
     * claim is E_IMAPI_RECORDER_LOCKED and leaves the device usable as
     * before. */
    int (*claim)(struct transport *tp, bool exclusive, struct err *err);
    void (*close)(struct transport *tp); /* frees tp */
};

struct trace;

#define TRANSPORT_NAME_LEN 256

/* Implementations embed this as their first member. */
struct transport {
    const struct transport_ops *ops;
    char name[TRANSPORT_NAME_LEN]; /* the URI without password or fault= */
    /* The drive itself, however its URI was spelt ("emu:./x.json" and
     * "emu:/tmp//x.json" are one drive): what exclusive access locks. */
    char id[256];
    struct trace *trace; /* owned by the caller of transport_open; or NULL */
};

/* A warning for the user, the message made visible and bounded. */
typedef void (*transport_warn_fn)(void *data, const char *message);

#endif
