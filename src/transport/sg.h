/* Local drives through the Linux SCSI generic driver, for transport.c. */
#ifndef MODECON_TRANSPORT_SG_H
#define MODECON_TRANSPORT_SG_H

#include <stddef.h>

#include "transport/types.h"
#include "util/err.h"

extern const struct transport_ops transport_sg_ops;

/*
 * The local CD/DVD drives in sysfs (/sys/class/scsi_generic, peripheral
 * device type 5): each as "/dev/srN" when the sr driver holds it, else
 * "/dev/sgN", in sg order; without the sg driver, the sr nodes
 * (/sys/class/block/srN).  Appends to *uris (new strings); none found is
 * not an error. 'sysfs' is the sysfs root, "/sys" but in tests.
 */
int sg_list_drives(const char *sysfs, char ***uris, size_t *count,
                   struct err *err);

#endif
