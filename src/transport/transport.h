/*
 * The transport layer moves bytes: it executes one CDB against a drive and
 * returns the SCSI status, the sense bytes and the residual.  It never
 * builds CDBs, decodes sense or prints.  Each transport is one ops table;
 * transport.c picks it by the drive's URI, wraps it in the fault injector
 * when the URI asks for faults, and writes the trace of every command.
 */
#ifndef MODECON_TRANSPORT_TRANSPORT_H
#define MODECON_TRANSPORT_TRANSPORT_H

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
    char name[TRANSPORT_NAME_LEN]; /* the drive's URI without its query */
    /* The drive itself, however its URI was spelt ("emu:./x.json" and
     * "emu:/tmp//x.json" are one drive): what exclusive access locks. */
    char id[256];
    struct trace *trace; /* owned by the caller of transport_open; or NULL */
};

/* The emulated drive, iSCSI LUNs, local drives and the fault injector. */
extern const struct transport_ops transport_emu_ops;
extern const struct transport_ops transport_iscsi_ops;
extern const struct transport_ops transport_sg_ops;
extern const struct transport_ops transport_fault_ops;

/*
 * Open the drive named by 'uri': "emu:NAME" (drives/NAME.json),
 * "emu:PATH.json" or "iscsi://[USER@]HOST[:PORT]/IQN/LUN", each
 * optionally followed by "?fault=SPEC[,SPEC...]".
 * 'trace' (may be NULL) receives every command; it must outlive the
 * transport.
 */
int transport_open(const char *uri, struct trace *trace, struct transport **out,
                   struct err *err);

/* Execute one command: validates io, calls the transport, traces it. */
int transport_exec(struct transport *tp, struct scsi_io *io, struct err *err);

int transport_control(struct transport *tp, enum transport_control_op op,
                      void *arg, struct err *err);

/* Calls the transport's claim hook, if it has one. */
int transport_claim(struct transport *tp, bool exclusive, struct err *err);

void transport_close(struct transport *tp);

/* The forms of a drive's URI, for messages. */
#define TRANSPORT_URI_FORMS                           \
    "emu:NAME, emu:PATH.json, /dev/sgN, /dev/srN or " \
    "iscsi://[USER@]HOST[:PORT]/IQN/LUN"

/*
 * 'text' (a URI, a word, a line of commands) with the CHAP password of
 * every URI in it left out: "iscsi://user%secret@host/..." becomes
 * "iscsi://user@host/...".  What is left out is what the iSCSI URI parser
 * reads as the password (iscsi_userinfo), in any scheme's "//" authority
 * and in a misspelt "iscsi:", so that no message, history, journal or
 * record shows it.  Returns a new string.
 */
char *transport_redact(const char *text);

/*
 * Take the CHAP passwords out of 'word' (a command's word, as the command
 * language or the shell passed it): each is kept for the logins of its
 * user at its portal, and 'word' is rewritten in place as
 * transport_redact has it, the bytes freed wiped.  From then on the
 * drive's URI holds no secret wherever it goes.  Returns whether there
 * was one.
 */
bool transport_take_secrets(char *word);

/* The process holds a secret from now until it exits: it is made not
 * dumpable.  Called wherever a CHAP password enters it. */
void transport_hold_secret(void);

/*
 * Asks the user for the CHAP password of 'who' ("iscsi://USER@HOST:PORT")
 * into buf (size len), without echo.  Returns 0, or -1 when it cannot ask
 * (no terminal).  Called from the thread that opens the drive.
 */
typedef int (*transport_password_prompt)(const char *who, char *buf,
                                         size_t len);

/* The front end's prompt for a CHAP password that is found nowhere else
 * (see README "CHAP passwords"); NULL, the default, asks nobody. */
void transport_set_password_prompt(transport_password_prompt ask);

/* Find the CHAP password of the drive 'uri' names now, asking the prompt
 * when it is found nowhere else, and keep it for its logins: for a front
 * end that cannot ask later.  Anything else is left to opening it. */
void transport_ask_secret(const char *uri);

/*
 * Whether 'uri' is well formed as a drive's name: its scheme, its form
 * and its fault specs, without opening it or reading its file.  A name
 * refused here is misspelt (a usage error); one that passes may still
 * name a drive that is missing, broken or gone, which only opening it
 * finds.
 */
int transport_check_name(const char *uri, struct err *err);

/* The name of the transport a URI goes through ("emu", "iscsi", "sg"),
 * or "" when none takes it. */
const char *transport_scheme(const char *uri);

/* The URI's scheme is known; used by list and by command-line parsing. */
bool transport_uri_known(const char *uri);

/*
 * The drives every transport can find without being told: the local SCSI
 * devices (sysfs), then the emulated drives in drives/, sorted.  *uris is
 * a new array of new strings; free it with transport_free_list.
 */
int transport_list_drives(char ***uris, size_t *count, struct err *err);
void transport_free_list(char **uris, size_t count);

/* A warning for the user, the message made visible and bounded. */
typedef void (*transport_warn_fn)(void *data, const char *message);

/*
 * The drives that 'uri' names: the LUNs behind an iSCSI portal
 * ("iscsi://HOST[:PORT]", found by SendTargets and REPORT LUNS), or the
 * one drive of any other URI, once transport_check_name passes it.  Freed
 * with transport_free_list.  A target name the portal gave that is not an
 * iSCSI name is left out, named to warn(data, ...).
 */
int transport_discover(const char *uri, transport_warn_fn warn, void *data,
                       char ***uris, size_t *count, struct err *err);

#endif
