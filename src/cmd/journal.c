#include "cmd/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/paths.h"
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
journal_write(int fd, const char *text)
{
    size_t len = strlen(text);
    /* One write a record: O_APPEND keeps records of processes whole. */
    return write(fd, text, len) == (ssize_t)len ? 0 : -1;
}

void
journal_record(struct cmd_ctx *ctx, const struct cmd_entry *entry,
               const struct cmd_args *args)
{
    struct err err;
    char *dir, *path, *record = xstrdup("");

    err_clear(&err);
    dir = paths_state_dir(NULL, &err);
    if (dir == NULL) {
        cmd_warn(ctx, "journal: %s", err.msg);
        free(record);
        return;
    }
    path = xasprintf("%s/journal", dir);
    free(dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        cmd_warn(ctx, "journal %s: %s", path, strerror(errno));
        free(path);
        free(record);
        return;
    }
    if (!ctx->journal_started) {
        char when[32];
        time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        char *head = xasprintf("# modecon %s session %s pid %ld\n",
                               MODECON_VERSION, when, (long)getpid());
        char *joined = xasprintf("%s%s", record, head);
        free(head);
        free(record);
        record = joined;
        ctx->journal_started = true;
    }
    if ((entry->flags & CMD_DRIVE_ARG) && args->argc > 0) {
        const char *drive = cmd_drive_uri(ctx, args->argv[0]);
        struct cmd_drive *cd = cmd_drive_entry(ctx, drive);
        if (cd != NULL && !cd->journaled) {
            struct scsi_identity id;
            char *safe = transport_redact(drive);
            char *line =
                recorder_inquiry(cd->rec, &id, &err) == 0
                    ? xasprintf("# drive %s: %s %s %s\n", safe, id.vendor,
                                id.product, id.revision)
                    : xasprintf("# drive %s: identity unknown\n", safe);
            char *joined = xasprintf("%s%s", record, line);
            free(line);
            free(safe);
            free(record);
            record = joined;
            cd->journaled = true;
        }
    }
    char *canonical = journal_canonical(ctx, entry, args);
    char *joined = xasprintf("%s%s\n", record, canonical);
    free(canonical);
    free(record);
    if (journal_write(fd, joined) != 0)
        cmd_warn(ctx, "journal %s: %s", path, strerror(errno));
    close(fd);
    free(joined);
    free(path);
}
