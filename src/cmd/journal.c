#include "cmd/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/drives.h"
#include "util/applog.h"
#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/statefile.h"
#include "util/xmalloc.h"

char *
journal_quote(const char *word)
{
    bool plain = word[0] != '\0';

    for (const char *p = word; *p && plain; p++)
        plain = !strchr(" \t\n'\"\\;#$`|&<>(){}*?[]~", *p);
    if (plain)
        return xstrdup(word);
    /* Single quotes keep everything but a single quote, which is closed,
     * escaped and reopened. */
    size_t n = 2;
    for (const char *p = word; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *out = xmalloc(n + 1), *o = out;
    *o++ = '\'';
    for (const char *p = word; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

static void
journal_append(char **text, const char *word)
{
    char *quoted = journal_quote(word);
    char *joined = xasprintf("%s%s%s", *text, **text ? " " : "", quoted);
    free(quoted);
    free(*text);
    *text = joined;
}

char *
journal_canonical(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                  const struct cmd_args *args)
{
    char *text = xstrdup("");

    journal_append(&text, entry->name);
    for (int i = 0; i < args->argc; i++) {
        const char *word = args->argv[i];
        if (i == 0 && (entry->flags & CMD_DRIVE_ARG) && ctx->drive_override)
            word = ctx->drive_override;
        char *clean = transport_redact(word);
        journal_append(&text, clean);
        free(clean);
    }
    for (int i = 0; entry->options[i].name != NULL; i++) {
        if (!args->present[i])
            continue;
        char *flag = xasprintf("--%s", entry->options[i].name);
        journal_append(&text, flag);
        free(flag);
        if (!entry->options[i].has_arg)
            continue;
        /* Data read from standard input is written as the bytes. */
        if (strcmp(entry->options[i].name, "data") == 0 &&
            ctx->journal_data != NULL)
            journal_append(&text, ctx->journal_data);
        else {
            char *clean = transport_redact(args->values[i]);
            journal_append(&text, clean);
            free(clean);
        }
    }
    return text;
}

static int
journal_write(const char *path, const char *text, struct err *err)
{
    /* Not through a link planted in its place, nor into a FIFO that would
     * hang the command after its change. */
    int fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);

    if (fd < 0)
        return -1;
    /* The whole record or nothing: a record cut short on a full disk
     * would replay as another command than the one that ran. */
    int rc = applog_append_fd(fd, path, text, strlen(text), err);
    if (close(fd) != 0 && rc == 0) {
        int e = errno;
        err_set(err, E_FAIL, "cannot write %s: %s", path, strerror(e));
        err->os_errno = e;
        rc = -1;
    }
    return rc;
}

int
journal_check(struct err *err)
{
    char *dir = paths_state_dir(NULL, err), *path;
    int fd;

    if (dir == NULL) {
        err_prefix(err, "the journal cannot be written, so nothing was sent");
        return -1;
    }
    path = xasprintf("%s/journal", dir);
    free(dir);
    fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);
    free(path);
    if (fd < 0) {
        err_prefix(err, "the journal cannot be written, so nothing was sent");
        return -1;
    }
    close(fd);
    return 0;
}

int
journal_record(struct cmd_ctx *ctx, const struct cmd_entry *entry,
               const struct cmd_args *args, struct err *err)
{
    char *dir, *path, *record = xstrdup("");
    struct cmd_drive *journaled = NULL;
    bool header = false;

    dir = paths_state_dir(NULL, err);
    if (dir == NULL) {
        free(record);
        err_prefix(err, "the journal was not written");
        return -1;
    }
    path = xasprintf("%s/journal", dir);
    free(dir);
    if (!ctx->journal_started) {
        char when[32];
        time_t now = time(NULL);
        struct tm utc;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
        char *head = xasprintf("# modecon %s session %s pid %ld\n",
                               MODECON_VERSION, when, (long)getpid());
        char *joined = xasprintf("%s%s", record, head);
        free(head);
        free(record);
        record = joined;
        header = true;
    }
    if ((entry->flags & CMD_DRIVE_ARG) && args->argc > 0) {
        const char *drive = cmd_drive_uri(ctx, args->argv[0]);
        struct cmd_drive *cd = cmd_drive_entry(ctx, drive);
        if (cd != NULL && !cd->journaled) {
            struct scsi_identity id;
            struct err id_err;
            char *safe = transport_redact(drive);
            err_clear(&id_err);
            char *line =
                recorder_inquiry(cd->rec, &id, &id_err) == 0
                    ? xasprintf("# drive %s: %s %s %s\n", safe, id.vendor,
                                id.product, id.revision)
                    : xasprintf("# drive %s: identity unknown\n", safe);
            char *joined = xasprintf("%s%s", record, line);
            free(line);
            free(safe);
            free(record);
            record = joined;
            journaled = cd;
        }
    }
    char *canonical = journal_canonical(ctx, entry, args);
    char *joined = xasprintf("%s%s\n", record, canonical);
    free(canonical);
    free(record);
    int rc = journal_write(path, joined, err);
    if (rc == 0) {
        /* Only a header that reached the file counts: the next record
         * carries it otherwise. */
        ctx->journal_started = ctx->journal_started || header;
        if (journaled != NULL)
            journaled->journaled = true;
    } else {
        err_prefix(err, "the journal was not written");
    }
    free(joined);
    free(path);
    return rc;
}
