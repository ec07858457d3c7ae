/* The emulated drives shipped in the data directory's drives/. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "transport/emu.h"
#include "util/paths.h"
#include "util/xmalloc.h"

static int
emu_list_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
emu_list_drives(char ***uris, size_t *count, struct err *err)
{
    char *dir = paths_data_dir("drives");
    struct dirent *de;
    DIR *d;

    (void)err;
    *uris = NULL;
    *count = 0;
    if (dir == NULL)
        return 0; /* no data directory: no emulated drives */
    d = opendir(dir);
    free(dir);
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || !paths_is_json_file(de->d_name))
            continue;
        *uris = xrealloc(*uris, (*count + 1) * sizeof **uris);
        (*uris)[(*count)++] = xasprintf("emu:%.*s", (int)(len - 5), de->d_name);
    }
    closedir(d);
    if (*count > 1)
        qsort(*uris, *count, sizeof **uris, emu_list_compare);
    return 0;
}
