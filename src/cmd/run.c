#include "cmd/run.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/drives.h"
#include "cmd/journal.h"
#include "cmd/output.h"
#include "cmd/pagecache.h"
#include "cmd/parse.h"
#include "transport/trace.h"
#include "transport/transport.h"

/* Whether a command only showed what it would send. */
static bool
cmd_dry_run(const struct cmd_ctx *ctx, const struct cmd_entry *entry,
            const struct cmd_args *args)
{
    if (ctx->dry_run)
        return true;
    for (int i = 0; entry->options[i].name != NULL; i++)
        if (strcmp(entry->options[i].name, "dry-run") == 0)
            return args->present[i];
    return false;
}

/* Whether the context's dry runs are previews, each of the one command
 * a dialog then sends or drops: the console's.  Elsewhere (the command
 * line, -c, shell, replay) the dry runs of a session build on one
 * another, as a script's lines would. */
static bool
cmd_dry_runs_preview(const struct cmd_ctx *ctx)
{
    return ctx->front != NULL && strcmp(ctx->front, "console") == 0;
}

/* A name for this run of a command, unique on this machine: the undo
 * record groups a command's MODE SELECTs by it.  Console drives run
 * commands on their own threads, hence the atomic count. */
static void
cmd_new_run(struct cmd_ctx *ctx)
{
    static atomic_ulong runs;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(ctx->run, sizeof ctx->run, "%lld.%09ld-%ld-%lu",
             (long long)now.tv_sec, now.tv_nsec, (long)getpid(),
             atomic_fetch_add(&runs, 1) + 1);
}

/* Name the client for drive locks and the run for the undo record. */
static void
cmd_name_run(struct cmd_ctx *ctx, const struct cmd_entry *entry)
{
    if (ctx->front != NULL)
        snprintf(ctx->client, sizeof ctx->client, "modecon %s: %s", ctx->front,
                 entry->name);
    else
        snprintf(ctx->client, sizeof ctx->client, "modecon %s", entry->name);
    ctx->recorder.client = ctx->client;
    cmd_new_run(ctx);
}

/* Record a command that changed drives in the journal: one that could not
 * be recorded fails, saying whether the drive has the change. */
static enum cmd_status
cmd_journal(struct cmd_ctx *ctx, const struct cmd_entry *entry,
            const struct cmd_args *args, enum cmd_status status,
            unsigned long selects_before)
{
    struct err err;

    err_clear(&err);
    if (journal_record(ctx, entry, args, &err) != 0) {
        /* A technician who relies on the journal to replay the change
         * elsewhere must learn that it is not there: the command fails,
         * though the drive has the change (exit 3 stays).  A command that
         * found the drive as asked sent nothing, and the drive has no
         * change to speak of. */
        cmd_error(ctx, &err);
        if (cmd_selects_answered(ctx) > selects_before)
            cmd_warn(ctx, "note: the drive has the change; only the "
                          "journal misses it");
        if (status == CMD_OK)
            status = CMD_FAILED;
    } else if (err.msg[0] != '\0') {
        /* Written, with a note: a record cut short before was removed
         * from the journal. */
        cmd_warn(ctx, "warning: %s", err.msg);
    }
    return status;
}

/* Run the command the words were parsed for, and journal it when it may
 * have changed a drive. */
static enum cmd_status
cmd_exec(struct cmd_ctx *ctx, const struct cmd_entry *entry,
         const struct cmd_args *args)
{
    enum cmd_status status;
    struct err err;
    bool journaled = (entry->flags & CMD_MUTATES) &&
                     !(entry->flags & CMD_NO_JOURNAL) &&
                     !cmd_dry_run(ctx, entry, args);

    err_clear(&err);
    ctx->running_drive =
        (entry->flags & CMD_DRIVE_ARG) && args->argc > 0 ? args->argv[0] : NULL;
    /* A journal that cannot be opened (a link or a FIFO in its place)
     * stops the command before it sends anything; a full disk is only
     * found when the record is written. */
    unsigned long selects = cmd_selects_answered(ctx);
    /* A command nested in this one (commit's set) keeps its own. */
    if (ctx->depth_exec++ == 0)
        cmd_read_back_clear(ctx);
    /* A dry run reads and changes the pages as the dry runs before it
     * would have left them; any other command sees the drive. */
    bool simulating = ctx->simulating;
    ctx->simulating = simulating || cmd_dry_run(ctx, entry, args);
    cmd_drives_simulate(ctx, false);
    if (journaled && journal_check(&err) != 0)
        status = cmd_error(ctx, &err);
    else
        status = entry->exec(ctx, args);
    ctx->running_drive = NULL;
    ctx->simulating = simulating;
    ctx->depth_exec--;
    cmd_drives_simulate(ctx, ctx->depth_exec == 0 && cmd_dry_runs_preview(ctx));
    /* A MODE SELECT this context sent may have changed the values the
     * staged words were checked against: the next edit or diff reads the
     * page again. */
    if (cmd_selects_answered(ctx) != selects) {
        free(ctx->stage_base);
        ctx->stage_base = NULL;
        ctx->stage_base_len = 0;
    }
    if (journaled && (status == CMD_OK || status == CMD_NOT_APPLIED))
        status = cmd_journal(ctx, entry, args, status, selects);
    err_clear(&err);
    if (ctx->trace != NULL && trace_take_failure(ctx->trace, &err) != 0) {
        cmd_error(ctx, &err);
        if (status == CMD_OK)
            status = CMD_FAILED;
    }
    free(ctx->journal_data);
    ctx->journal_data = NULL;
    return status;
}

enum cmd_status
cmd_run_argv(struct cmd_ctx *ctx, int argc, char **argv)
{
    const struct cmd_entry *entry;
    struct cmd_args args;
    enum cmd_status status;
    struct err err;
    bool help;

    err_clear(&err);
    /* A CHAP password in a drive's URI goes no further: the words that
     * commands keep, show and record hold none from here on. */
    for (int i = 0; i < argc; i++)
        transport_take_secrets(argv[i]);
    if (argc < 1)
        return CMD_USAGE;
    entry = cmd_find(argv[0], &err);
    if (entry == NULL)
        return cmd_error(ctx, &err);
    /* Before any drive is opened, by this command or by those that open
     * their own (list, pages). */
    if (!ctx->sense_map_loaded)
        cmd_load_sense_map(ctx);
    if (cmd_parse(ctx, entry, argc, argv, &args, &help, &err) != 0) {
        free(args.argv);
        return cmd_error(ctx, &err);
    }
    cmd_name_run(ctx, entry);
    if (help) {
        char *usage = cmd_usage(entry);
        cmd_print_text(ctx, usage);
        free(usage);
        status = CMD_OK;
    } else {
        status = cmd_exec(ctx, entry, &args);
    }
    free(args.argv);
    return status;
}
