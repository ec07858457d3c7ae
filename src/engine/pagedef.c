#include "engine/pagedef.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pagedef-internal.h"
#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/xmalloc.h"

/*
 * The loaded database: files found, parsed (pagedef-parse.c), checked
 * (pagedef-check.c) and kept; a page looked up for a drive.
 */

#define PAGEDEF_FILE_MAX (1u << 20)

static const char *const field_kind_names[] = {
    "flag", "number", "enum", "ascii", "hex", "reserved",
};

const char *
field_kind_name(enum field_kind kind)
{
    return field_kind_names[kind];
}

void
pagedb_init(struct pagedb *db)
{
    memset(db, 0, sizeof *db);
}

void
field_def_fini(struct field_def *fd)
{
    free(fd->acronym);
    free(fd->name);
    free(fd->unit);
    free(fd->help);
    free(fd->danger);
    for (size_t v = 0; v < fd->nvalues; v++) {
        free(fd->values[v].name);
        free(fd->values[v].desc);
    }
    free(fd->values);
}

static void
pagedef_fields_free(struct field_def *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        field_def_fini(&fields[i]);
    free(fields);
}

void
pagedef_free(struct page_def *pd)
{
    if (pd == NULL)
        return;
    free(pd->path);
    free(pd->name);
    free(pd->imapi);
    free(pd->help);
    free(pd->danger);
    free(pd->vendor);
    free(pd->product);
    pagedef_fields_free(pd->fields, pd->nfields);
    for (size_t i = 0; i < pd->nrepeats; i++) {
        free(pd->repeats[i].name);
        free(pd->repeats[i].title);
        pagedef_fields_free(pd->repeats[i].fields, pd->repeats[i].nfields);
    }
    free(pd->repeats);
    free(pd);
}

void
pagedb_fini(struct pagedb *db)
{
    for (size_t i = 0; i < db->npages; i++)
        pagedef_free(db->pages[i]);
    free(db->pages);
    for (size_t i = 0; i < db->nproblems; i++)
        free(db->problems[i]);
    free(db->problems);
    memset(db, 0, sizeof *db);
}

void
pagedb_vproblem(struct pagedb *db, const char *fmt, va_list ap)
{
    va_list again;
    char *text;
    int n;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    text = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(text, (size_t)(n < 0 ? 0 : n) + 1, fmt, again);
    va_end(again);
    db->problems =
        xrealloc(db->problems, (db->nproblems + 1) * sizeof *db->problems);
    db->problems[db->nproblems++] = text;
}

void
pagedb_problem(struct pagedb *db, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pagedb_vproblem(db, fmt, ap);
    va_end(ap);
}

size_t
pagedef_max_len(const struct page_def *pd)
{
    size_t max = 0;
    for (size_t i = 0; i < pd->nlengths; i++)
        if (pd->lengths[i] > max)
            max = pd->lengths[i];
    return max + (pd->spf ? 4 : 2);
}

static bool
pagedef_same_slot(const struct page_def *a, const struct page_def *b)
{
    return a->code == b->code && a->subpage == b->subpage &&
           a->applies == b->applies &&
           strcmp(a->vendor ? a->vendor : "", b->vendor ? b->vendor : "") ==
               0 &&
           strcmp(a->product ? a->product : "", b->product ? b->product : "") ==
               0;
}

int
pagedb_load_file(struct pagedb *db, const char *path)
{
    struct err err;
    size_t len;
    char *text;

    err_clear(&err);
    text = atomicfile_read(path, PAGEDEF_FILE_MAX, &len, &err);
    if (text == NULL) {
        pagedb_problem(db, "%s: %s", path, err.msg);
        return -1;
    }
    if (strlen(text) != len) {
        pagedb_problem(db,
                       "%s: expected text, found a NUL byte at offset "
                       "%zu",
                       path, strlen(text));
        free(text);
        return -1;
    }
    struct page_def *pd = pagedef_parse(db, path, text);
    free(text);
    if (pd == NULL)
        return -1;
    if (pagedef_check(db, pd) != 0) {
        pagedef_free(pd);
        return -1;
    }
    for (size_t i = 0; i < db->npages; i++) {
        if (pagedef_same_slot(db->pages[i], pd)) {
            pagedef_free(db->pages[i]);
            db->pages[i] = pd;
            return 0;
        }
    }
    db->pages = xrealloc(db->pages, (db->npages + 1) * sizeof *db->pages);
    db->pages[db->npages++] = pd;
    return 0;
}

static int
pagedef_name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories a load has visited, by device and inode: links among
 * them (a directory with links to itself) are followed once each. */
struct pagedb_visited {
    struct {
        dev_t dev;
        ino_t ino;
    } * dirs;
    size_t n;
};

static bool
pagedb_visit(struct pagedb_visited *seen, const struct stat *st)
{
    for (size_t i = 0; i < seen->n; i++)
        if (seen->dirs[i].dev == st->st_dev && seen->dirs[i].ino == st->st_ino)
            return false;
    seen->dirs = xrealloc(seen->dirs, (seen->n + 1) * sizeof *seen->dirs);
    seen->dirs[seen->n].dev = st->st_dev;
    seen->dirs[seen->n].ino = st->st_ino;
    seen->n++;
    return true;
}

static int
pagedb_load_dir_depth(struct pagedb *db, const char *dir,
                      struct pagedb_visited *seen, int depth)
{
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int refused = 0;
    struct stat st;
    DIR *d;

    if (depth > 8)
        return 0; /* a tree nobody meant */
    d = opendir(dir);
    if (d == NULL) {
        pagedb_problem(db, "%s: cannot read the directory: %s", dir,
                       strerror(errno));
        return 1;
    }
    if (fstat(dirfd(d), &st) != 0 || !pagedb_visit(seen, &st)) {
        closedir(d);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = xasprintf("%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, pagedef_name_order);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
            refused += pagedb_load_dir_depth(db, names[i], seen, depth + 1);
        else if (len > 5 && strcmp(names[i] + len - 5, ".page") == 0)
            refused += pagedb_load_file(db, names[i]) != 0;
        free(names[i]);
    }
    free(names);
    return refused;
}

int
pagedb_load_dir(struct pagedb *db, const char *dir)
{
    struct pagedb_visited seen = { NULL, 0 };
    int refused = pagedb_load_dir_depth(db, dir, &seen, 0);

    free(seen.dirs);
    return refused;
}

int
pagedb_load_default(struct pagedb *db)
{
    char *builtin = paths_data_dir("pages");
    const char *env = getenv("MODECON_PAGES");
    const char *config = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    struct stat st;
    char *user;
    int refused = 0;

    if (builtin != NULL) {
        refused += pagedb_load_dir(db, builtin);
        free(builtin);
    }
    if (env != NULL && *env != '\0') {
        char *copy = xstrdup(env), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir != NULL;
             dir = strtok_r(NULL, ":", &save))
            refused += pagedb_load_dir(db, dir);
        free(copy);
    }
    if (config != NULL && config[0] == '/')
        user = xasprintf("%s/modecon/pages", config);
    else if (home != NULL && *home != '\0')
        user = xasprintf("%s/.config/modecon/pages", home);
    else
        user = NULL;
    if (user != NULL && stat(user, &st) == 0 && S_ISDIR(st.st_mode))
        refused += pagedb_load_dir(db, user);
    free(user);
    return refused;
}

const struct page_def *
pagedb_find(const struct pagedb *db, uint8_t code, uint8_t subpage, uint8_t pdt,
            const char *vendor, const char *product)
{
    const struct page_def *generic = NULL, *own = NULL;

    /* The last match of each kind: a later file replaces an earlier. */
    for (size_t i = 0; i < db->npages; i++) {
        const struct page_def *pd = db->pages[i];
        if (pd->code != code || pd->subpage != subpage ||
            !(pd->applies & (1u << (pdt & 0x1f))))
            continue;
        if (pd->vendor == NULL) {
            generic = pd;
            continue;
        }
        if (vendor != NULL && fnmatch(pd->vendor, vendor, 0) == 0 &&
            (pd->product == NULL ||
             (product != NULL && fnmatch(pd->product, product, 0) == 0)))
            own = pd;
    }
    return own ? own : generic;
}
