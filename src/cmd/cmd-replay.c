/* replay FILE: run a file of commands, as the shell's 'source' will. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/fleet.h"
#include "cmd/replay-script.h"

static enum cmd_status cmd_replay_exec(struct cmd_ctx *ctx,
                                       const struct cmd_args *args);

static const struct cmd_option cmd_replay_options[] = {
    { "drive", true, "URI",
      "run every command on this drive instead; given again, on each "
      "drive at once",
      0 },
    { "drives", true, "FILE", "the same for each drive of FILE, one URI a line",
      0 },
    { "all", false, NULL, "the same for every MMC drive 'list' finds", 0 },
    { "jobs", true, "N", "at most N drives at once (default: all, up to 64)",
      0 },
    { "same-model", false, NULL,
      "skip drives of another model than the file was recorded on", 0 },
    { "json", false, NULL, "many drives: print the table as JSON", 0 },
    { "dry-run", false, NULL,
      "send no MODE SELECT; show each that would be sent", 0 },
    { "keep-going", false, NULL, "go on after a command fails", 0 },
    { "check", false, NULL,
      "check the file and run its pre-flight on the drive; send nothing", 0 },
    { "undo-elsewhere", false, NULL,
      "with --drive, run the file's undo lines there too", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_replay_entry = {
    .name = "replay",
    .alias = "source", /* the shell's word for it */
    .args = "FILE",
    .summary = "run the commands of a file, stopping at the first failure "
               "(also: source)",
    .options = cmd_replay_options,
    .min_args = 1,
    .max_args = 1,
    .flags = 0,
    .repeatable = "drive",
    .exec = cmd_replay_exec,
};

/* What happened, counted: a change the drive answered GOOD but kept is
 * not applied, and never said to have changed it. */
static void
cmd_replay_summary(struct cmd_ctx *ctx, const char *path,
                   const struct replay_count *count)
{
    cmd_print(ctx,
              "replay %s: %u command%s run, %u change%s applied%s, %u not "
              "applied by the drive, %u refused, %u failed",
              path, count->run, count->run == 1 ? "" : "s", count->applied,
              count->applied == 1 ? "" : "s",
              ctx->dry_run ? " (dry run: nothing was sent)" : "",
              count->not_applied, count->refused, count->failed);
}

/* --check: the checks, then the pre-flight on the drive; nothing is
 * sent.  The exit status is the worst of what would fail. */
static enum cmd_status
cmd_replay_check(struct cmd_ctx *ctx, const struct replay_script *script,
                 const char *path)
{
    struct replay_count count = { .first = CMD_OK };
    unsigned faults = replay_script_check(ctx, script);
    const char *drive = ctx->drive_override;

    if (faults > 0) {
        cmd_print(ctx, "replay %s: %u fault%s found; nothing would run", path,
                  faults, faults == 1 ? "" : "s");
        return CMD_USAGE;
    }
    replay_script_preflight(ctx, script, &count);
    cmd_print(ctx,
              "replay %s: checked%s%s: %u command%s, %u would fail; nothing "
              "was sent",
              path, drive ? " on " : "", drive ? drive : "", count.run,
              count.run == 1 ? "" : "s", count.refused);
    return count.worst;
}

/* Load and check the file, then run it line by line with the options
 * given, which hold for this file only. */
static enum cmd_status
cmd_replay_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_replay_entry;
    const char *path = args->argv[0];
    struct cmd_ctx saved = *ctx;
    struct replay_count count = { .first = CMD_OK };
    struct err err;

    err_clear(&err);
    if (ctx->depth >= REPLAY_MAX_DEPTH) {
        err_usage(&err, "replay %s: more than %d files replaying files", path,
                  REPLAY_MAX_DEPTH);
        return cmd_error(ctx, &err);
    }
    if (fleet_wanted(self, args))
        return fleet_replay(ctx, self, args);
    struct replay_script *script = replay_script_load(path, &err);
    if (script == NULL)
        return cmd_error(ctx, &err);
    if (cmd_arg_value(self, args, "drive") != NULL)
        ctx->drive_override = cmd_arg_value(self, args, "drive");
    ctx->dry_run = ctx->dry_run || cmd_arg_flag(self, args, "dry-run");
    ctx->keep_going = cmd_arg_flag(self, args, "keep-going");
    ctx->undo_elsewhere =
        ctx->undo_elsewhere || cmd_arg_flag(self, args, "undo-elsewhere");
    ctx->front = "replay";
    enum cmd_status status;
    if (cmd_arg_flag(self, args, "check")) {
        status = cmd_replay_check(ctx, script, path);
    } else {
        status = replay_script_run(ctx, script, &count);
        cmd_replay_summary(ctx, path, &count);
    }
    replay_script_free(script);
    ctx->drive_override = saved.drive_override;
    ctx->dry_run = saved.dry_run;
    ctx->keep_going = saved.keep_going;
    ctx->undo_elsewhere = saved.undo_elsewhere;
    ctx->front = saved.front;
    return status;
}
