#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "util/applog.h"
#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

static char *
state_path(const char *name)
{
    return xasprintf("%s/%s", getenv("XDG_STATE_HOME"), name);
}

/* Append 'line' as the journal does, keeping the note of a torn tail. */
static int
statefile_test_append(const char *path, const char *line, struct err *err)
{
    int fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);
    if (fd < 0)
        return -1;
    int rc = applog_append_fd(fd, path, line, strlen(line), err);
    close(fd);
    return rc;
}

Test(statefile, opens_and_creates_a_regular_file,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("journal");
    struct err err;

    err_clear(&err);
    int fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    /* Blocking again once open. */
    cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
    err_clear(&err);
    cr_assert_eq(statefile_open(path, O_RDONLY, 0, &err) >= 0, true);
    free(path);
}

Test(statefile, missing_file_is_enoent,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("absent");
    struct err err;

    err_clear(&err);
    cr_assert_eq(statefile_open(path, O_RDONLY, 0, &err), -1);
    cr_assert_eq(err.os_errno, ENOENT);
    free(path);
}

Test(statefile, refuses_a_fifo_at_once_for_reading_and_writing,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("audit.jsonl");
    struct err err;

    cr_assert_eq(mkfifo(path, 0600), 0);
    int flags[] = { O_RDONLY, O_WRONLY | O_APPEND | O_CREAT,
                    O_RDWR | O_APPEND | O_CREAT };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        err_clear(&err);
        cr_assert_eq(statefile_open(path, flags[i], 0600, &err), -1);
        cr_assert(strstr(err.msg, "is a FIFO, not a regular file") != NULL,
                  "%s", err.msg);
        cr_assert_eq(err.os_errno, EINVAL);
    }
    free(path);
}

Test(statefile, refuses_a_link_and_creates_no_target,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("x.lock"), *target = state_path("target");
    struct err err;
    struct stat st;

    cr_assert_eq(symlink(target, path), 0);
    err_clear(&err);
    cr_assert_eq(statefile_open(path, O_RDWR | O_CREAT, 0600, &err), -1);
    cr_assert(strstr(err.msg, "is a symbolic link, not a regular file") != NULL,
              "%s", err.msg);
    cr_assert_eq(err.os_errno, ELOOP);
    cr_assert_eq(lstat(target, &st), -1, "the link's target was created");
    free(path);
    free(target);
}

Test(statefile, refuses_a_directory,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("dir");
    struct err err;

    cr_assert_eq(mkdir(path, 0700), 0);
    err_clear(&err);
    cr_assert_eq(statefile_open(path, O_RDONLY, 0, &err), -1);
    cr_assert(strstr(err.msg, "is a directory, not a regular file") != NULL,
              "%s", err.msg);
    free(path);
}

/* A record cut short never was whole: ended with a newline, it would read
 * (and replay) as another record.  It is removed, and the caller told. */
Test(statefile, append_removes_a_cut_off_record_first,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = testutil_write_file("log", "whole\ncut off");
    struct err err;
    size_t len;

    err_clear(&err);
    cr_assert_eq(statefile_test_append(path, "next\n", &err), 0, "%s", err.msg);
    cr_assert(!err_is_set(&err));
    cr_assert(strstr(err.msg, "\"cut off\" (7 bytes) had no newline") != NULL,
              "%s", err.msg);
    char *text = atomicfile_read(path, 1024, &len, &err);
    cr_assert_str_eq(text, "whole\nnext\n");
    free(text);

    /* Now whole: the next one goes after it, with no note. */
    err_clear(&err);
    cr_assert_eq(statefile_test_append(path, "last\n", &err), 0, "%s", err.msg);
    cr_assert_str_eq(err.msg, "");
    text = atomicfile_read(path, 1024, &len, &err);
    cr_assert_str_eq(text, "whole\nnext\nlast\n");
    free(text);
    free(path);
}

/* A file of one record cut short, longer than any block read back, with
 * control characters: it goes whole, and the note shows them safely. */
Test(statefile, append_removes_a_long_cut_off_first_record,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *cut = xmalloc(10001);
    memset(cut, 'x', 10000);
    memcpy(cut, "\x1b]0;X\x07", 6);
    cut[10000] = '\0';
    char *path = testutil_write_file("log", cut);
    struct err err;
    size_t len;

    err_clear(&err);
    cr_assert_eq(statefile_test_append(path, "next\n", &err), 0, "%s", err.msg);
    cr_assert(strstr(err.msg, "\"\\x1b]0;X\\x07xxx") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "...\" (10000 bytes)") != NULL, "%s", err.msg);
    char *text = atomicfile_read(path, 1024, &len, &err);
    cr_assert_str_eq(text, "next\n");
    free(text);
    free(path);
    free(cut);
}

Test(statefile, append_to_a_full_device_fails_with_its_cause,
     .init = (void (*)(void))testutil_fresh_state)
{
    int fd = open("/dev/full", O_WRONLY | O_APPEND);
    struct err err;

    cr_assert_geq(fd, 0);
    err_clear(&err);
    errno = EEXIST; /* a stale errno must not be reported */
    cr_assert_eq(applog_append_fd(fd, "/dev/full", "line\n", 5, &err), -1);
    cr_assert_eq(err.os_errno, ENOSPC);
    cr_assert(strstr(err.msg, "No space left on device") != NULL, "%s",
              err.msg);
    close(fd);
}

Test(statefile, write_replaces_a_file_and_refuses_a_link,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = state_path("undo.json"), *target = state_path("victim");
    struct err err;
    size_t len;

    err_clear(&err);
    cr_assert_eq(atomicfile_write(path, "{}\n", 3, 0600, true, &err), 0, "%s",
                 err.msg);
    char *text = atomicfile_read(path, 1024, &len, &err);
    cr_assert_str_eq(text, "{}\n");
    free(text);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(symlink(target, path), 0);
    err_clear(&err);
    cr_assert_eq(atomicfile_write(path, "{}\n", 3, 0600, true, &err), -1);
    cr_assert(strstr(err.msg, "is a symbolic link") != NULL, "%s", err.msg);
    struct stat st;
    cr_assert_eq(lstat(target, &st), -1, "written through the link");
    free(path);
    free(target);
}

Test(statefile, state_dir_writable_by_others_is_refused,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct err err;
    char *dir;

    err_clear(&err);
    dir = paths_state_dir("undo", &err);
    cr_assert_not_null(dir, "%s", err.msg);
    cr_assert_eq(chmod(dir, 0770), 0);
    free(dir);
    err_clear(&err);
    cr_assert_null(paths_state_dir("undo", &err));
    cr_assert(strstr(err.msg, "can be written by others (mode 0770)") != NULL,
              "%s", err.msg);
    cr_assert(strstr(err.msg, "chmod 700 ") != NULL, "%s", err.msg);
    err_clear(&err);
    dir = paths_state_dir("emu", &err);
    cr_assert_not_null(dir, "another subdirectory is still usable: %s",
                       err.msg);
    free(dir);
}

/* Whether the state directory is refused, with 'why' in the message. */
static void
expect_refused(const char *sub, const char *why)
{
    struct err err;

    err_clear(&err);
    char *dir = paths_state_dir(sub, &err);
    cr_assert_null(dir, "%s was accepted", dir);
    cr_assert(strstr(err.msg, why) != NULL, "%s", err.msg);
}

static void
expect_accepted(const char *sub)
{
    struct err err;

    err_clear(&err);
    char *dir = paths_state_dir(sub, &err);
    cr_assert_not_null(dir, "%s", err.msg);
    free(dir);
}

Test(statefile, a_state_directory_that_is_a_link_is_refused,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *real = state_path("elsewhere"), *link = state_path("modecon");

    cr_assert_eq(mkdir(real, 0700), 0);
    cr_assert_eq(symlink(real, link), 0);
    expect_refused(NULL, "modecon is a symbolic link");
    cr_assert_eq(unlink(link), 0);
    expect_accepted(NULL);

    char *undo = state_path("modecon/undo");
    cr_assert_eq(symlink(real, undo), 0);
    expect_refused("undo", "undo is a symbolic link");
    free(undo);
    free(real);
    free(link);
}

/* Above modecon/: a directory others can write in could have modecon/
 * renamed away and another put in its place, unless sticky (/tmp). */
Test(statefile, a_directory_above_others_can_write_in_is_refused_unless_sticky,
     .init = (void (*)(void))testutil_fresh_state)
{
    const char *home = getenv("XDG_STATE_HOME");

    expect_accepted("undo");
    cr_assert_eq(chmod(home, 0777), 0);
    expect_refused("undo", "can be written by others (mode 0777) and is not "
                           "sticky");
    cr_assert_eq(chmod(home, 0770), 0);
    expect_refused(NULL, "(mode 0770)");
    cr_assert_eq(chmod(home, 01777), 0);
    expect_accepted("undo");
    cr_assert_eq(chmod(home, 0700), 0);
}

/* Another user's directory above modecon/, or another user's link on the
 * way to it: either could put another directory in its place. */
Test(statefile, another_users_directory_or_link_above_is_refused,
     .init = (void (*)(void))testutil_fresh_state)
{
    const char *home = getenv("XDG_STATE_HOME");
    const uid_t other = 65534; /* nobody */

    if (geteuid() != 0)
        cr_skip_test("giving a file to another user takes root");
    cr_assert_eq(chown(home, other, (gid_t)-1), 0);
    expect_refused(NULL, "above the state directory, belongs to user 65534");
    cr_assert_eq(chown(home, geteuid(), (gid_t)-1), 0);
    expect_accepted(NULL);

    char *link = xasprintf("%s.link", home);
    cr_assert_eq(symlink(home, link), 0);
    setenv("XDG_STATE_HOME", link, 1);
    expect_accepted(NULL);
    cr_assert_eq(lchown(link, other, (gid_t)-1), 0);
    expect_refused(NULL, ".link, on the way to the state directory, is a "
                         "symbolic link of user 65534");
    unlink(link);
    free(link);
}
