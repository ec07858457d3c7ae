#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <histedit.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/histfile.h"
#include "testutil.h"
#include "util/atomicfile.h"
#include "util/xmalloc.h"

static char *
state_path(const char *name)
{
    return xasprintf("%s/%s", getenv("XDG_STATE_HOME"), name);
}

static History *
history_new(void)
{
    HistEvent ev;
    History *h = history_init();
    cr_assert_not_null(h);
    history(h, &ev, H_SETSIZE, 100);
    return h;
}

/* The number of lines in 'h'. */
static int
history_count(History *h)
{
    HistEvent ev;
    history(h, &ev, H_GETSIZE);
    return ev.num;
}

/* Lines with what libedit escapes (spaces, a backslash, a quote, a
 * newline) come back as they were, from a private file. */
Test(histfile, a_saved_history_loads_back,
     .init = (void (*)(void))testutil_fresh_state)
{
    static const char *const lines[] = { "get emu:dvd-writer 5",
                                         "set 5 'WR_T=TAO' \\ x",
                                         "two\nlines" };
    char *path = state_path("history");
    struct err err;
    HistEvent ev;
    History *h = history_new();

    err_clear(&err);
    for (size_t i = 0; i < 3; i++)
        history(h, &ev, H_ENTER, lines[i]);
    cr_assert_eq(histfile_save(h, path, &err), 0, "%s", err.msg);
    history_end(h);
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0);
    cr_assert(S_ISREG(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0600);

    h = history_new();
    cr_assert_eq(histfile_load(h, path, &err), 0, "%s", err.msg);
    cr_assert_eq(history_count(h), 3);
    history(h, &ev, H_LAST);
    cr_assert_str_eq(ev.str, lines[0]);
    history(h, &ev, H_FIRST);
    cr_assert_str_eq(ev.str, lines[2]);
    history_end(h);
    free(path);
}

/* No file yet is an empty history, not an error. */
Test(histfile, an_absent_file_is_an_empty_history,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("history");
    struct err err;
    History *h = history_new();

    err_clear(&err);
    cr_assert_eq(histfile_load(h, path, &err), 0, "%s", err.msg);
    cr_assert(!err_is_set(&err));
    cr_assert_eq(history_count(h), 0);
    history_end(h);
    free(path);
}

/* A link is not read, even to a history; nor is it replaced or written
 * through when saving. */
Test(histfile, a_link_is_neither_read_nor_written_through,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *target = state_path("elsewhere");
    char *path = state_path("history");
    struct err err;
    HistEvent ev;
    History *h = history_new();

    err_clear(&err);
    history(h, &ev, H_ENTER, "secret line");
    cr_assert_eq(histfile_save(h, target, &err), 0, "%s", err.msg);
    cr_assert_eq(symlink(target, path), 0);
    History *loaded = history_new();
    cr_assert_eq(histfile_load(loaded, path, &err), -1);
    cr_assert_eq(err.os_errno, ELOOP);
    cr_assert_not_null(strstr(err.msg, "is a symbolic link"), "%s", err.msg);
    cr_assert_eq(history_count(loaded), 0);
    history_end(loaded);

    size_t before_len, after_len;
    char *before = atomicfile_read(target, 1 << 20, &before_len, &err);
    cr_assert_not_null(before, "%s", err.msg);
    history(h, &ev, H_ENTER, "another line");
    err_clear(&err);
    cr_assert_eq(histfile_save(h, path, &err), -1);
    cr_assert_not_null(strstr(err.msg, "is a symbolic link"), "%s", err.msg);
    char *after = atomicfile_read(target, 1 << 20, &after_len, &err);
    cr_assert_not_null(after, "%s", err.msg);
    cr_assert_eq(before_len, after_len);
    cr_assert_eq(memcmp(before, after, before_len), 0);
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
    free(before);
    free(after);
    history_end(h);
    free(path);
    free(target);
}

/* A FIFO is refused at once, not waited on (the test would hang). */
Test(histfile, a_fifo_is_refused_without_waiting,
     .init = (void (*)(void))testutil_fresh_state, .timeout = 20)
{
    char *path = state_path("history");
    struct err err;
    History *h = history_new();

    err_clear(&err);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_eq(histfile_load(h, path, &err), -1);
    cr_assert_str_eq(strstr(err.msg, "is a FIFO"),
                     "is a FIFO, not a regular file");
    history_end(h);
    free(path);
}

/* A file that is no history (no libedit header) loads nothing and is
 * no error: the next save replaces it. */
Test(histfile, a_file_that_is_no_history_loads_nothing,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = testutil_write_file("history", "not a history\n");
    struct err err;
    HistEvent ev;
    History *h = history_new();

    err_clear(&err);
    cr_assert_eq(histfile_load(h, path, &err), 0, "%s", err.msg);
    cr_assert_eq(history_count(h), 0);
    history(h, &ev, H_ENTER, "open emu:dvd-writer");
    cr_assert_eq(histfile_save(h, path, &err), 0, "%s", err.msg);
    size_t len;
    char *text = atomicfile_read(path, 1 << 20, &len, &err);
    cr_assert_not_null(text, "%s", err.msg);
    cr_assert_str_eq(text, "_HiStOrY_V2_\nopen\\040emu:dvd-writer\n");
    free(text);
    history_end(h);
    free(path);
}
