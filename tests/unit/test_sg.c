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

static void
write_type(const char *root, const char *sg, const char *type)
{
    char *path = xasprintf("%s/class/scsi_generic/%s/device/type", root, sg);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fprintf(f, "%s\n", type);
    fclose(f);
    free(path);
}

Test(sg, finds_cd_drives_named_by_their_sr_node_else_sg,
     .init = (void (*)(void))testutil_fresh_state)
{
    const char *root = getenv("XDG_STATE_HOME");
    make_dirs(root, "class/scsi_generic/sg0/device/block/sr0");
    write_type(root, "sg0", "5");
    make_dirs(root, "class/scsi_generic/sg1/device");
    write_type(root, "sg1", "5");
    make_dirs(root, "class/scsi_generic/sg10/device/block/sr2");
    write_type(root, "sg10", "5");
    make_dirs(root, "class/scsi_generic/sg2/device/block/sda");
    write_type(root, "sg2", "0"); /* a disk: reached only when named */
    make_dirs(root, "class/scsi_generic/sg3/device/block/sr1");
    write_type(root, "sg3", "5");
    make_dirs(root, "class/scsi_generic/sg4/device"); /* no type file */
    char **uris = NULL;
    size_t count = 0;
    struct err err;

    err_clear(&err);
    cr_assert_eq(sg_list_drives(root, &uris, &count, &err), 0);
    cr_assert_eq(count, 4);
    cr_expect_str_eq(uris[0], "/dev/sr0");
    cr_expect_str_eq(uris[1], "/dev/sg1");
    cr_expect_str_eq(uris[2], "/dev/sr1");
    cr_expect_str_eq(uris[3], "/dev/sr2");
    transport_free_list(uris, count);
}

Test(sg, without_the_sg_driver_the_sr_nodes_are_found,
     .init = (void (*)(void))testutil_fresh_state)
{
    const char *root = getenv("XDG_STATE_HOME");
    make_dirs(root, "class/block/sr10/device");
    make_dirs(root, "class/block/sr1/device");
    make_dirs(root, "class/block/sda/device");
    make_dirs(root, "class/block/sr/device"); /* not a node's name */
    make_dirs(root, "class/block/sr0p1");     /* nor this */
    char **uris = NULL;
    size_t count = 0;
    struct err err;

    err_clear(&err);
    cr_assert_eq(sg_list_drives(root, &uris, &count, &err), 0);
    cr_assert_eq(count, 2);
    cr_expect_str_eq(uris[0], "/dev/sr1");
    cr_expect_str_eq(uris[1], "/dev/sr10");
    transport_free_list(uris, count);
}

Test(sg, no_scsi_drivers_means_no_local_drives,
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
    cr_assert_neq(transport_open("/dev/tty", NULL, &tp, &err), 0);
    cr_assert(err.usage, "%s", err.msg);
    err_clear(&err);
    cr_assert_neq(transport_open("/dev/sg-none", NULL, &tp, &err), 0);
    cr_assert_eq(err.hr, HRESULT_ERROR_DEV_NOT_EXIST, "%s", err.msg);
    cr_assert(err.usage, "a mistyped name is bad input: %s", err.msg);
    cr_assert(strstr(err.msg, "/dev/sg-none: no such device") != NULL, "%s",
              err.msg);
    err_clear(&err);
    cr_assert_neq(transport_open("/dev/sr0?x=1", NULL, &tp, &err), 0);
    cr_assert(err.usage);
    cr_assert(strstr(err.msg, "unknown parameter 'x'") != NULL, "%s", err.msg);
    cr_assert_str_eq(transport_scheme("/dev/sr0"), "sg");
}
