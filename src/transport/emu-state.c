/*
 * The state file stands in for a drive's NVRAM and its volatile memory at
 * once: current and saved page values, the medium, the generations that
 * raise UNIT ATTENTION.  Every command runs under an exclusive flock on a
 * separate lock file, so processes see one drive.  The file is replaced
 * whole (atomicfile) and not flushed: fsync would dominate every command,
 * and rename alone keeps it whole if the process is killed.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "transport/emu.h"
#include "util/atomicfile.h"
#include "util/hex.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

#define EMU_STATE_VERSION  1
#define EMU_STATE_FILE_MAX (8u << 20) /* bytes */

int64_t
emu_state_now_ms(void)
{
    struct timespec ts;

    /* The wall clock, not the monotonic one: a deadline written by one
     * process must mean the same to the next. */
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
emu_state_os_error(struct err *err, const char *what, const char *path)
{
    int e = errno;

    err_set(err, E_FAIL, "emulated drive state: %s %s: %s", what, path,
            strerror(e));
    err->os_errno = e;
    return -1;
}

static void
emu_state_free_values(struct emu_state *st, size_t npages)
{
    for (size_t i = 0; st->current != NULL && i < npages; i++) {
        free(st->current[i]);
        free(st->saved[i]);
    }
    free(st->current);
    free(st->saved);
    st->current = NULL;
    st->saved = NULL;
}

static void
emu_state_alloc_values(struct emu_state *st, const struct emu_drive *drive)
{
    st->current = xcalloc(drive->npages, sizeof *st->current);
    st->saved = xcalloc(drive->npages, sizeof *st->saved);
}

/* The drive as its file describes it, just powered on. */
static void
emu_state_fresh(struct emu_state *st, const struct emu_drive *drive,
                uint64_t power_gen)
{
    memset(st, 0, sizeof *st);
    emu_state_alloc_values(st, drive);
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        st->current[i] = xmalloc(pg->len);
        memcpy(st->current[i], pg->current, pg->len);
        if (pg->has_saved) {
            st->saved[i] = xmalloc(pg->len);
            memcpy(st->saved[i], pg->saved, pg->len);
        }
    }
    st->power_gen = power_gen;
    st->medium = drive->medium;
    if (drive->medium == EMU_MEDIUM_BECOMING_READY)
        st->ready_at_ms = emu_state_now_ms() + drive->ready_after_ms;
}

void
emu_state_power_cycle(struct emu_state *st, const struct emu_drive *drive)
{
    /* Saved values are what a logical unit loads at power on (SPC-4
     * 7.5.2); pages without them come back with their defaults. */
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        memcpy(st->current[i], pg->has_saved ? st->saved[i] : pg->defaults,
               pg->len);
    }
    st->prevent = false;
    /* A disc in the drive spins up again; an empty tray stays empty. */
    if (drive->medium == EMU_MEDIUM_BECOMING_READY &&
        st->medium != EMU_MEDIUM_NONE) {
        st->medium = EMU_MEDIUM_BECOMING_READY;
        st->ready_at_ms = emu_state_now_ms() + drive->ready_after_ms;
    }
    st->power_gen++;
}

static char *
emu_state_serialise(const struct emu_state *st, const struct emu_drive *drive)
{
    json_t *root = json_object(), *pages = json_array();
    char hash[17];
    char *text;

    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)drive->hash);
    json_object_set_new(root, "modecon_emu_state",
                        json_integer(EMU_STATE_VERSION));
    json_object_set_new(root, "drive_file", json_string(drive->file));
    json_object_set_new(root, "drive_hash", json_string(hash));
    json_object_set_new(root, "power_generation",
                        json_integer((json_int_t)st->power_gen));
    json_object_set_new(root, "mode_generation",
                        json_integer((json_int_t)st->mode_gen));
    json_object_set_new(root, "medium",
                        json_string(emu_medium_name(st->medium)));
    json_object_set_new(root, "ready_at_ms", json_integer(st->ready_at_ms));
    json_object_set_new(root, "prevent", json_boolean(st->prevent));
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        json_t *page = json_object();
        json_object_set_new(page, "page", json_integer(pg->code));
        json_object_set_new(page, "subpage", json_integer(pg->subpage));
        json_object_set_new(page, "current",
                            jsonhex_string(st->current[i], pg->len));
        if (st->saved[i] != NULL)
            json_object_set_new(page, "saved",
                                jsonhex_string(st->saved[i], pg->len));
        json_array_append_new(pages, page);
    }
    json_object_set_new(root, "pages", pages);
    text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL)
        abort(); /* jansson fails only when out of memory */
    return text;
}

static bool
emu_state_get_uint(json_t *root, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(root, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* Page bytes from the state file: the right length, and the header that
 * no MODE SELECT can change. */
static uint8_t *
emu_state_get_page(json_t *page, const char *key, const struct emu_page *pg)
{
    json_t *v = json_object_get(page, key);
    struct err err;
    uint8_t *data;
    size_t len;

    err_clear(&err);
    if (!json_is_string(v) ||
        hex_parse(json_string_value(v), &data, &len, &err) != 0)
        return NULL;
    if (len != pg->len || memcmp(data, pg->current, pg->spf ? 4 : 2) != 0) {
        free(data);
        return NULL;
    }
    return data;
}

/* Fill 'st' from the file's text; false when the text is not a state of
 * this very drive file. */
static bool
emu_state_parse(struct emu_state *st, const struct emu_drive *drive,
                const char *text, size_t len)
{
    json_t *root = json_loadb(text, len, 0, NULL), *pages, *medium;
    uint64_t version = 0, ready_at = 0;
    char hash[17];
    bool ok = false;

    memset(st, 0, sizeof *st);
    if (root == NULL)
        return false;
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)drive->hash);
    pages = json_object_get(root, "pages");
    medium = json_object_get(root, "medium");
    if (!emu_state_get_uint(root, "modecon_emu_state", &version) ||
        version != EMU_STATE_VERSION ||
        !json_is_string(json_object_get(root, "drive_hash")) ||
        strcmp(json_string_value(json_object_get(root, "drive_hash")), hash) !=
            0 ||
        !emu_state_get_uint(root, "power_generation", &st->power_gen) ||
        !emu_state_get_uint(root, "mode_generation", &st->mode_gen) ||
        !emu_state_get_uint(root, "ready_at_ms", &ready_at) ||
        !json_is_boolean(json_object_get(root, "prevent")) ||
        !json_is_string(medium) ||
        !emu_medium_parse(json_string_value(medium), &st->medium) ||
        !json_is_array(pages) || json_array_size(pages) != drive->npages)
        goto out;
    st->ready_at_ms = (int64_t)ready_at;
    st->prevent = json_is_true(json_object_get(root, "prevent"));
    emu_state_alloc_values(st, drive);
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        json_t *page = json_array_get(pages, i);
        st->current[i] = emu_state_get_page(page, "current", pg);
        if (st->current[i] == NULL)
            goto out;
        if (pg->has_saved) {
            st->saved[i] = emu_state_get_page(page, "saved", pg);
            if (st->saved[i] == NULL)
                goto out;
        }
    }
    ok = true;
out:
    if (!ok)
        emu_state_free_values(st, drive->npages);
    json_decref(root);
    return ok;
}

static void
emu_state_unpin(struct emu_state_file *sf)
{
    if (sf->pin_fd >= 0)
        close(sf->pin_fd);
    sf->pin_fd = -1;
}

static void
emu_state_pin(struct emu_state_file *sf, int fd)
{
    emu_state_unpin(sf);
    if (fd >= 0 && fstat(fd, &sf->pinned) == 0) {
        sf->pin_fd = fd;
    } else if (fd >= 0) {
        close(fd); /* unpinned: the next command reads the file again */
    }
}

static int
emu_state_write(struct emu_state_file *sf, const struct emu_drive *drive,
                struct err *err)
{
    char *text = emu_state_serialise(&sf->state, drive);
    int rc;

    rc = atomicfile_write(sf->path, text, strlen(text), 0600, false, err);
    free(text);
    if (rc != 0) {
        err_prefix(err, "emulated drive state");
        return -1;
    }
    sf->dirty = false;
    struct err pin_err;
    err_clear(&pin_err);
    emu_state_pin(sf, statefile_open(sf->path, O_RDONLY, 0, &pin_err));
    return 0;
}

/* Replace the state with a fresh one and write it at once, so that every
 * process agrees on it from now on. */
static int
emu_state_replace(struct emu_state_file *sf, const struct emu_drive *drive,
                  uint64_t power_gen, struct err *err)
{
    emu_state_free_values(&sf->state, drive->npages);
    emu_state_fresh(&sf->state, drive, power_gen);
    return emu_state_write(sf, drive, err);
}

static bool
emu_state_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Bring sf->state up to date with the file; the lock is held. */
static int
emu_state_sync(struct emu_state_file *sf, const struct emu_drive *drive,
               struct err *err)
{
    struct emu_state fresh;
    struct stat st;
    size_t len;
    char *text;
    int fd;

    /* lstat: a link in the state's place is refused, not followed. */
    if (lstat(sf->path, &st) != 0) {
        if (errno != ENOENT)
            return emu_state_os_error(err, "cannot stat", sf->path);
        /* No state yet (or it was removed): a drive out of the box, and
         * open transports that knew another state get 06/29/00. */
        return emu_state_replace(sf, drive, 0, err);
    }
    if (!S_ISREG(st.st_mode)) {
        statefile_refuse(sf->path, st.st_mode, err);
        err_prefix(err, "emulated drive state");
        return -1;
    }
    if (sf->pin_fd >= 0 && emu_state_same_file(&st, &sf->pinned))
        return 0;

    /* Not waiting on a FIFO put in the state's place meanwhile: it would
     * hang every process that waits for this drive's lock. */
    fd = statefile_open(sf->path, O_RDONLY, 0, err);
    if (fd < 0) {
        err_prefix(err, "emulated drive state");
        return -1;
    }
    text = statefile_read_fd(fd, sf->path, EMU_STATE_FILE_MAX, &len, err);
    if (text == NULL && err->os_errno != 0) {
        err_prefix(err, "emulated drive state");
        close(fd);
        return -1;
    }
    if (text == NULL || !emu_state_parse(&fresh, drive, text, len)) {
        /* Corrupt, or left by another version of the drive file: the
         * drive starts over, which other openers see as a power on. */
        free(text);
        close(fd);
        err_clear(err);
        uint64_t power_gen = (uint64_t)emu_state_now_ms() << 1 | 1;
        if (power_gen == sf->state.power_gen)
            power_gen += 2;
        return emu_state_replace(sf, drive, power_gen, err);
    }
    free(text);
    emu_state_free_values(&sf->state, drive->npages);
    sf->state = fresh;
    emu_state_pin(sf, fd);
    return 0;
}

int
emu_state_lock(struct emu_state_file *sf, const struct emu_drive *drive,
               struct err *err)
{
    while (flock(sf->lock_fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return emu_state_os_error(err, "cannot lock", sf->path);
    if (emu_state_sync(sf, drive, err) != 0) {
        flock(sf->lock_fd, LOCK_UN);
        return -1;
    }
    return 0;
}

int
emu_state_unlock(struct emu_state_file *sf, const struct emu_drive *drive,
                 struct err *err)
{
    int rc = 0;

    if (sf->dirty)
        rc = emu_state_write(sf, drive, err);
    flock(sf->lock_fd, LOCK_UN);
    return rc;
}

char *
emu_state_dir(struct err *err)
{
    return paths_state_dir("emu", err);
}

int
emu_state_open(struct emu_state_file *sf, const struct emu_drive *drive,
               const char *key, struct err *err)
{
    char *dir = emu_state_dir(err), *lock_path;

    memset(sf, 0, sizeof *sf);
    sf->lock_fd = -1;
    sf->pin_fd = -1;
    if (dir == NULL)
        return -1;
    sf->path = xasprintf("%s/%s.state", dir, key);
    lock_path = xasprintf("%s/%s.lock", dir, key);
    free(dir);
    sf->lock_fd = statefile_open(lock_path, O_RDWR | O_CREAT, 0600, err);
    if (sf->lock_fd < 0) {
        err_prefix(err, "emulated drive state");
        free(lock_path);
        emu_state_close(sf, drive);
        return -1;
    }
    free(lock_path);
    if (emu_state_lock(sf, drive, err) != 0) {
        emu_state_close(sf, drive);
        return -1;
    }
    return emu_state_unlock(sf, drive, err);
}

void
emu_state_close(struct emu_state_file *sf, const struct emu_drive *drive)
{
    emu_state_unpin(sf);
    if (sf->lock_fd >= 0)
        close(sf->lock_fd);
    sf->lock_fd = -1;
    emu_state_free_values(&sf->state, drive->npages);
    free(sf->path);
    sf->path = NULL;
}
