/*
 * The transport layer moves bytes: it executes one CDB against a drive and
 * returns the SCSI status, the sense bytes and the residual.  It never
 * builds CDBs, decodes sense or prints.  Each transport is one ops table;
 * transport.c picks it by the drive's URI, wraps it in the fault injector
 * when the URI asks for faults, and writes the trace of every command.
 * The transports include types.h and each other's private headers, never
 * this one, so that transport.c can include theirs without a circle.
 */
#ifndef MODECON_TRANSPORT_TRANSPORT_H
#define MODECON_TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "transport/secret.h"
#include "transport/types.h"
#include "util/err.h"

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

/* The directory of the emulated drives' state files, whose modification
 * time moves with every change another process makes to one of them (the
 * console watches it): a new string, or NULL with err set. */
char *transport_emu_state_dir(struct err *err);
void transport_free_list(char **uris, size_t count);

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
