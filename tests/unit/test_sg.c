/*
 * Finding local drives in sysfs.  The SG_IO transport itself runs against
 * QEMU's drives in a guest (tests/qemu); here a sysfs tree made the way
 * the kernel lays it out checks the naming and the order.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"
#include "transport/sg.h"
#include "transport/transport.h"
#include "util/xmalloc.h"

static void
make_dirs(const char *root, const char *path)
{
    char *full = xasprintf("%s/%s", root, path);
    for (char *p = full + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(full, 0700);
            *p = '/';
        }
    }
    mkdir(full, 0700);
    free(full);
}

Test(sg, names_cd_drives_by_their_sr_node_and_others_by_sg,
     .init = (void (*)(void))testutil_fresh_state)
{
    const char *root = getenv("XDG_STATE_HOME");
    make_dirs(root, "class/scsi_generic/sg0/device/block/sr0");
    make_dirs(root, "class/scsi_generic/sg1/device");
    make_dirs(root, "class/scsi_generic/sg10/device/block/sda");
    make_dirs(root, "class/scsi_generic/sg2/device/block/sr1");
    char **uris = NULL;
    size_t count = 0;
    struct err err;

    err_clear(&err);
    cr_assert_eq(sg_list_drives(root, &uris, &count, &err), 0);
    cr_assert_eq(count, 4);
    cr_expect_str_eq(uris[0], "/dev/sr0");
    cr_expect_str_eq(uris[1], "/dev/sg1");
    cr_expect_str_eq(uris[2], "/dev/sr1");
    cr_expect_str_eq(uris[3], "/dev/sg10");
    transport_free_list(uris, count);
}

Test(sg, no_sg_driver_means_no_local_drives,
     .init = (void (*)(void))testutil_fresh_state)
{
    char **uris = NULL;
    size_t count = 0;
    struct err err;

    err_clear(&err);
    cr_assert_eq(sg_list_drives(getenv("XDG_STATE_HOME"), &uris, &count, &err),
                 0);
    cr_assert_eq(count, 0);
    cr_assert_not(err_is_set(&err));
    free(uris);
}

Test(sg, a_device_node_that_is_no_drive_is_named)
{
    struct transport *tp;
    struct err err;

    err_clear(&err);
    cr_assert_neq(transport_open("/dev/null", NULL, &tp, &err), 0);
    cr_assert(err.usage);
    cr_assert(strstr(err.msg, "/dev/null is not a SCSI device") != NULL, "%s",
              err.msg);
    err_clear(&err);
    cr_assert_neq(transport_open("/dev/sg-none", NULL, &tp, &err), 0);
    cr_assert_eq(err.hr, HRESULT_ERROR_DEV_NOT_EXIST, "%s", err.msg);
    cr_assert_str_eq(transport_scheme("/dev/sr0"), "sg");
}
