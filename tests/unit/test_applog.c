#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "util/applog.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

static char *
applog_test_path(const char *name)
{
    return xasprintf("%s/%s", testutil_fresh_state(), name);
}

static char *
applog_test_read(const char *path)
{
    struct err err;
    err_clear(&err);
    char *text = statefile_read(path, 1 << 20, NULL, &err);
    cr_assert_not_null(text, "%s", err.msg);
    return text;
}

Test(applog, makes_a_private_file_and_appends_whole_lines)
{
    char *path = applog_test_path("log.jsonl");
    struct err err;
    struct stat st;

    err_clear(&err);
    cr_assert_eq(applog_append(path, "{\"a\":1}\n", 8, true, &err), 0);
    cr_assert_eq(applog_append(path, "{\"b\":2}\n", 8, false, &err), 0);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    char *text = applog_test_read(path);
    cr_assert_str_eq(text, "{\"a\":1}\n{\"b\":2}\n");
    free(text);
    free(path);
}

Test(applog, cuts_a_torn_last_line_before_the_next)
{
    char *path = applog_test_path("torn.jsonl");
    struct err err;

    free(testutil_write_file("torn.jsonl", "{\"a\":1}\n{\"b\":"));
    err_clear(&err);
    cr_assert_eq(applog_append(path, "{\"c\":3}\n", 8, false, &err), 0);
    char *text = applog_test_read(path);
    cr_assert_str_eq(text, "{\"a\":1}\n{\"c\":3}\n");
    free(text);
    free(path);
}

Test(applog, refuses_a_symlink_and_names_it)
{
    char *target = applog_test_path("target");
    char *path = xasprintf("%s.link", target);
    struct err err;

    free(testutil_write_file("target", "keep\n"));
    cr_assert_eq(symlink(target, path), 0);
    err_clear(&err);
    cr_assert_eq(applog_append(path, "x\n", 2, false, &err), -1);
    cr_assert(strstr(err.msg, "is a symbolic link, not a regular file") != NULL,
              "%s", err.msg);
    char *text = applog_test_read(target);
    cr_assert_str_eq(text, "keep\n");
    free(text);
    free(path);
    free(target);
}

Test(applog, refuses_a_fifo_at_once)
{
    char *path = applog_test_path("fifo");
    struct err err;

    cr_assert_eq(mkfifo(path, 0600), 0);
    err_clear(&err);
    /* Without a reader, an open for writing would wait for one. */
    cr_assert_eq(applog_append(path, "x\n", 2, true, &err), -1);
    cr_assert(strstr(err.msg, "is a FIFO, not a regular file") != NULL, "%s",
              err.msg);
    err_clear(&err);
    cr_assert_null(statefile_read(path, 100, NULL, &err));
    cr_assert(strstr(err.msg, "is a FIFO, not a regular file") != NULL, "%s",
              err.msg);
    free(path);
}

Test(applog, reads_a_tail_from_a_line_start)
{
    char *path = applog_test_path("tail.jsonl");
    struct err err;

    free(testutil_write_file("tail.jsonl", "first line\nsecond\nthird\n"));
    err_clear(&err);
    char *text = applog_read_tail(path, 10, &err);
    cr_assert_str_eq(text, "third\n");
    free(text);
    text = applog_read_tail(path, 1000, &err);
    cr_assert_str_eq(text, "first line\nsecond\nthird\n");
    free(text);
    cr_assert_null(statefile_read(path, 10, NULL, &err));
    cr_assert(strstr(err.msg, "is too large") != NULL, "%s", err.msg);
    free(path);
}

Test(applog, counts_bytes_and_flushes)
{
    char *path = applog_test_path("count.jsonl");
    struct applog_counts a, b;
    struct err err;

    err_clear(&err);
    applog_counts(&a);
    /* A new file: its line and its directory entry flushed. */
    cr_assert_eq(applog_append(path, "one\n", 4, true, &err), 0);
    cr_assert_eq(applog_append(path, "two\n", 4, false, &err), 0);
    applog_counts(&b);
    cr_assert_eq(b.bytes - a.bytes, 8);
    cr_assert_eq(b.flushes - a.flushes, 2);
    free(path);
}
