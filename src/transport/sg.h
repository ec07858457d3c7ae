/* Local drives through the Linux SCSI generic driver, for transport.c. */
#ifndef MODECON_TRANSPORT_SG_H
#define MODECON_TRANSPORT_SG_H

#include <stddef.h>

#include "util/err.h"

/*
 * The local SCSI devices in sysfs (/sys/class/scsi_generic): each as
 * "/dev/srN" when a CD/DVD driver holds it, else "/dev/sgN", in sg
 * order.  Appends to *uris (new strings); none found is not an error.
 * 'sysfs' is the sysfs root, "/sys" but in tests.
 */
int sg_list_drives(const char *sysfs, char ***uris, size_t *count,
                   struct err *err);

#endif
