#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/xmalloc.h"

static char testutil_dir[256];

static void
testutil_drop(void *arg, const char *text)
{
    (void)arg;
    (void)text;
}

const struct cmd_output testutil_quiet_output = { testutil_drop, testutil_drop,
                                                  NULL, NULL, NULL };

const char *
testutil_fresh_state(void)
{
    snprintf(testutil_dir, sizeof testutil_dir, "/tmp/modecon-test-XXXXXX");
    cr_assert_not_null(mkdtemp(testutil_dir));
    setenv("XDG_STATE_HOME", testutil_dir, 1);
    return testutil_dir;
}

uint8_t *
testutil_hex(const char *text, size_t *len)
{
    struct err err;
    uint8_t *out;

    err_clear(&err);
    cr_assert_eq(hex_parse(text, &out, len, &err), 0, "%s", err.msg);
    return out;
}

char *
testutil_write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", testutil_dir, name);
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

char *
testutil_drive_variant(const char *base, const char *name, const char *from,
                       const char *to)
{
    char *src =
        xasprintf("%s/drives/%s.json", getenv("MODECON_DATA_DIR"), base);
    FILE *f = fopen(src, "r");
    char text[65536];

    cr_assert_not_null(f, "%s", src);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    cr_assert_lt(n, sizeof text - 1, "%s: larger than the test expects", src);
    text[n] = '\0';
    char *at = strstr(text, from);
    cr_assert_not_null(at, "%s: no \"%s\" to replace", src, from);
    char *variant =
        xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    char *path = testutil_write_file(name, variant);
    char *uri = xasprintf("emu:%s", path);

    free(path);
    free(variant);
    free(src);
    return uri;
}
