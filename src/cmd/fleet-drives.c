/* The drives a replay onto many drives names (--drive, --drives LIST,
 * --all), each checked before any is opened, and the bound on workers
 * (--jobs) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/fleet-internal.h"
#include "cmd/fleet.h"
#include "transport/transport.h"
#include "util/atomicfile.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* --jobs N: at least one, at most as many drives as a scan asks at once. */
int
fleet_jobs(const char *text, unsigned *jobs, struct err *err)
{
    char *end;

    errno = 0;
    long n = text != NULL ? strtol(text, &end, 10) : 0;
    if (text == NULL)
        return 0;
    if (errno != 0 || end == text || *end != '\0' || n < 1 ||
        n > CMD_SCAN_PARALLEL)
        return err_usage(err,
                         "replay: --jobs takes a number of drives from 1 to "
                         "%d, not '%s'",
                         CMD_SCAN_PARALLEL, text);
    *jobs = (unsigned)n;
    return 0;
}

static size_t
fleet_name_hash(const char *name)
{
    size_t h = 14695981039346656037u; /* FNV-1a */

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

static struct fleet_name *
fleet_name_slot(const struct fleet_names *set, const char *name)
{
    size_t i = fleet_name_hash(name) & (set->cap - 1);

    while (set->slots[i].name != NULL && strcmp(set->slots[i].name, name) != 0)
        i = (i + 1) & (set->cap - 1);
    return &set->slots[i];
}

/* The drive already named 'name', or else 'drive' added under it:
 * returns the drive's index either way. */
size_t
fleet_names_add(struct fleet_names *set, const char *name, size_t drive)
{
    if (2 * (set->count + 1) > set->cap) {
        struct fleet_names grown = { .cap = set->cap ? 2 * set->cap : 64 };
        grown.slots = xcalloc(grown.cap, sizeof *grown.slots);
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i].name != NULL)
                *fleet_name_slot(&grown, set->slots[i].name) = set->slots[i];
        grown.count = set->count;
        free(set->slots);
        *set = grown;
    }
    struct fleet_name *slot = fleet_name_slot(set, name);
    if (slot->name == NULL) {
        *slot = (struct fleet_name){ .name = name, .drive = drive };
        set->count++;
    }
    return slot->drive;
}

void
fleet_names_free(struct fleet_names *set)
{
    free(set->slots);
    *set = (struct fleet_names){ 0 };
}

/* Add a drive named by the user ('where' says where, for messages),
 * checked to be well formed and named once. */
static int
fleet_add_drive(struct fleet_run *run, struct fleet_names *named,
                const char *uri, const char *where, struct err *err)
{
    if (transport_check_name(uri, err) != 0) {
        err_prefix(err, "replay: %s", where);
        err->usage = true;
        return -1;
    }
    if (run->ndrives == run->drives_cap) {
        run->drives_cap = run->drives_cap ? 2 * run->drives_cap : 16;
        run->drives =
            xrealloc(run->drives, run->drives_cap * sizeof *run->drives);
    }
    struct fleet_drive *d = &run->drives[run->ndrives];
    memset(d, 0, sizeof *d);
    d->uri = transport_redact(uri);
    size_t first = fleet_names_add(named, d->uri, run->ndrives);
    if (first != run->ndrives) {
        free(d->uri);
        d->uri = NULL;
        return err_usage(err, "replay: %s: %s is named twice", where,
                         run->drives[first].shown);
    }
    d->shown = text_visible(d->uri, false);
    run->ndrives++;
    return 0;
}

/* The size of a --drives file modecon reads: a few thousand URIs. */
#define FLEET_DRIVES_FILE_MAX (1u << 20)

/* --drives FILE: one URI a line; blank lines and lines that begin with
 * '#' are left out.  Every bad line is named before the error. */
static int
fleet_drives_file(struct fleet_run *run, struct fleet_names *named,
                  const char *path, struct err *err)
{
    size_t len;
    char *text = atomicfile_read(path, FLEET_DRIVES_FILE_MAX, &len, err);
    unsigned bad = 0, lineno = 0;

    if (text == NULL) {
        err_prefix(err, "replay: --drives");
        err->usage = true;
        return -1;
    }
    if (strlen(text) != len) {
        free(text);
        return err_usage(err, "replay: --drives %s: a NUL byte: expected text",
                         path);
    }
    for (char *line = text, *next; line != NULL; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *end = line + strlen(line);
        while (end > line && strchr(" \t\r", end[-1]) != NULL)
            *--end = '\0';
        line += strspn(line, " \t");
        if (*line == '\0' || *line == '#')
            continue;
        /* Its password goes to the logins, and out of every message. */
        if (transport_take_secrets(line))
            transport_hold_secret();
        struct err line_err;
        err_clear(&line_err);
        char *where = xasprintf("--drives %s:%u", path, lineno);
        if (fleet_add_drive(run, named, line, where, &line_err) != 0) {
            cmd_warn(run->ctx, "%s", line_err.msg);
            bad++;
        }
        free(where);
    }
    explicit_bzero(text, len);
    free(text);
    if (bad > 0)
        return err_usage(err,
                         "replay: --drives %s: %u bad line%s; nothing was "
                         "sent to any drive",
                         path, bad, bad == 1 ? "" : "s");
    return 0;
}

/* The drives the options name, each checked before any is opened. */
int
fleet_drives(struct fleet_run *run, const struct cmd_entry *replay,
             const struct cmd_args *args, struct err *err)
{
    int n;
    const char *const *named = cmd_arg_values(replay, args, "drive", &n);
    const char *file = cmd_arg_value(replay, args, "drives");

    if (run->all && (n > 0 || file != NULL))
        return err_usage(err, "replay: --all takes every drive 'list' finds; "
                              "not with --drive or --drives");
    struct fleet_names uris_named = { 0 };
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = fleet_add_drive(run, &uris_named, named[i], "--drive", err);
    if (rc == 0 && file != NULL)
        rc = fleet_drives_file(run, &uris_named, file, err);
    if (rc == 0 && run->all) {
        /* Every drive 'list' shows, found as it finds them. */
        char **uris;
        size_t count;
        if (transport_list_drives(&uris, &count, err) != 0) {
            rc = -1;
        } else {
            for (size_t i = 0; i < count && rc == 0; i++)
                rc = fleet_add_drive(run, &uris_named, uris[i], "--all", err);
            transport_free_list(uris, count);
        }
    }
    fleet_names_free(&uris_named);
    if (rc != 0)
        return -1;
    if (run->ndrives == 0)
        return err_usage(err, "replay: no drive to replay onto (--drive, "
                              "--drives FILE or --all)");
    return 0;
}
