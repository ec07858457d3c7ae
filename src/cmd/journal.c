#include "cmd/journal.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
        if (!args->present[i] ||
            (entry->guard != NULL &&
             strcmp(entry->guard, entry->options[i].name) == 0))
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

/*
 * The journal is written by every modecon process of the user, and by
 * every context of one process (the console's drives, a replay onto many
 * drives), in records that land in the order they are written.  A reader
 * (and replay's warning about another model) attributes each command to
 * the header above it, so this process repeats its header, and the
 * identity of the drive a command names, whenever anything else was
 * written since its own last record: each run of lines under a header is
 * the process's own.  The header is the process's, not a context's: the
 * lines of its contexts may follow one another under it.
 */
static struct {
    pthread_mutex_t lock;
    char header[96]; /* this process's header, or "" before its first */
    dev_t dev;       /* the journal as the last record left it */
    ino_t ino;
    off_t end;
    unsigned block; /* runs of the process's lines: 1 for the first */
} journal_process = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The identity line of the drive a command names, or NULL. */
static char *
journal_identity(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                 const struct cmd_args *args, struct cmd_drive **cd)
{
    *cd = NULL;
    if (!(entry->flags & CMD_DRIVE_ARG) || args->argc == 0)
        return NULL;
    const char *drive = cmd_drive_uri(ctx, args->argv[0]);
    *cd = cmd_drive_entry(ctx, drive);
    if (*cd == NULL)
        return NULL;
    struct scsi_identity id;
    struct err id_err;
    char *safe = transport_redact(drive);
    err_clear(&id_err);
    /* The identity is asked once per drive (recorder_inquiry keeps it):
     * no drive is asked while the journal is locked. */
    char *line = recorder_inquiry((*cd)->rec, &id, &id_err) == 0
                     ? xasprintf("# drive %s: %s %s %s\n", safe, id.vendor,
                                 id.product, id.revision)
                     : xasprintf("# drive %s: identity unknown\n", safe);
    free(safe);
    return line;
}

/* Whether another process, or a file put in the journal's place, wrote
 * since this process's last record: the journal is not as it left it. */
static bool
journal_resumed(int fd)
{
    struct stat st;

    if (journal_process.header[0] == '\0' || fstat(fd, &st) != 0)
        return true;
    return st.st_dev != journal_process.dev ||
           st.st_ino != journal_process.ino ||
           st.st_size != journal_process.end;
}

/* Append 'command' (with its drive's 'identity', or NULL) under this
 * process's header, with the header and the identity again when the
 * journal is not as this process's last record left it. */
static int
journal_write_record(const char *path, struct cmd_drive *cd,
                     const char *identity, const char *command, struct err *err)
{
    /* Not through a link planted in its place, nor into a FIFO that would
     * hang the command after its change. */
    int fd = statefile_open(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&journal_process.lock);
    /* Held from the look at the journal's end to the record's write,
     * which applog_append_fd takes again on the same descriptor and
     * releases. */
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    bool resumed = journal_resumed(fd);
    unsigned block = journal_process.block + (resumed ? 1 : 0);
    if (journal_process.header[0] == '\0') {
        char when[32];
        time_t now = time(NULL);
        struct tm utc;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
        snprintf(journal_process.header, sizeof journal_process.header,
                 "# modecon %s session %s pid %ld\n", MODECON_VERSION, when,
                 (long)getpid());
    }
    bool named = identity != NULL && cd != NULL && cd->journal_block != block;
    char *record = xasprintf("%s%s%s\n", resumed ? journal_process.header : "",
                             named ? identity : "", command);
    /* The whole record in one write with O_APPEND, under the lock: no
     * other record, of this process or another, comes into it.  Whole or
     * nothing: a record cut short on a full disk would replay as another
     * command than the one that ran. */
    int rc = applog_append_fd(fd, path, record, strlen(record), err);
    flock(fd, LOCK_UN);
    if (rc == 0) {
        struct stat st;
        /* O_APPEND left the offset at this record's end; the file may
         * have grown since the lock was released. */
        off_t end = lseek(fd, 0, SEEK_CUR);
        if (fstat(fd, &st) == 0 && end >= 0) {
            journal_process.dev = st.st_dev;
            journal_process.ino = st.st_ino;
            journal_process.end = end;
        }
        journal_process.block = block;
        if (named)
            cd->journal_block = block;
    }
    pthread_mutex_unlock(&journal_process.lock);
    if (close(fd) != 0 && rc == 0) {
        int e = errno;
        err_set(err, E_FAIL, "cannot write %s: %s", path, strerror(e));
        err->os_errno = e;
        rc = -1;
    }
    free(record);
    return rc;
}

int
journal_record(struct cmd_ctx *ctx, const struct cmd_entry *entry,
               const struct cmd_args *args, struct err *err)
{
    char *dir = paths_state_dir(NULL, err);

    if (dir == NULL) {
        err_prefix(err, "the journal was not written");
        return -1;
    }
    char *path = xasprintf("%s/journal", dir);
    free(dir);
    struct cmd_drive *cd;
    char *identity = journal_identity(ctx, entry, args, &cd);
    char *command = journal_canonical(ctx, entry, args);
    int rc = journal_write_record(path, cd, identity, command, err);
    if (rc != 0)
        err_prefix(err, "the journal was not written");
    free(command);
    free(identity);
    free(path);
    return rc;
}
