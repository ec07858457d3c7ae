/* replay FILE: run a file of commands, as the shell's 'source' will. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/replay-script.h"

static enum cmd_status cmd_replay_exec(struct cmd_ctx *ctx,
                                       const struct cmd_args *args);

static const struct cmd_option cmd_replay_options[] = {
    { "drive", true, "URI", "run every command on this drive instead", 0 },
    { "dry-run", false, NULL,
      "send no MODE SELECT; show each that would be sent", 0 },
    { "keep-going", false, NULL, "go on after a command fails", 0 },
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
    .exec = cmd_replay_exec,
};

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
    struct replay_script *script = replay_script_load(path, &err);
    if (script == NULL)
        return cmd_error(ctx, &err);
    if (cmd_arg_value(self, args, "drive") != NULL)
        ctx->drive_override = cmd_arg_value(self, args, "drive");
    ctx->dry_run = ctx->dry_run || cmd_arg_flag(self, args, "dry-run");
    ctx->keep_going = cmd_arg_flag(self, args, "keep-going");
    ctx->front = "replay";
    replay_script_run(ctx, script, &count);
    replay_script_free(script);
    cmd_print(ctx,
              "replay %s: %u command%s run, %u changed a drive%s, %u "
              "failed",
              path, count.run, count.run == 1 ? "" : "s", count.applied,
              ctx->dry_run ? " (dry run)" : "", count.failed);
    ctx->drive_override = saved.drive_override;
    ctx->dry_run = saved.dry_run;
    ctx->keep_going = saved.keep_going;
    ctx->depth = saved.depth;
    ctx->front = saved.front;
    return count.first;
}
