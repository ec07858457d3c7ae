/* libFuzzer target: a drive file or snapshot (drives/README.md) of any
 * content loads as an emulated drive or is refused with a message naming
 * the place; the loader reads a path, so the input is handed over as an
 * in-memory file. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "transport/emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    struct emu_drive *drive = NULL;
    struct err err;

    if (fd < 0) {
        fd = memfd_create("drive.json", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    err_clear(&err);
    if (emu_drive_load(path, "fuzz.json", &drive, &err) == 0)
        emu_drive_free(drive);
    return 0;
}
