/* open [DRIVE]: select the drive that later commands may leave out. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_open_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_open_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_open_entry = {
    .name = "open",
    .args = "[DRIVE]",
    .summary = "select a drive for the commands that follow (none: show it)",
    .options = cmd_open_options,
    .min_args = 0,
    .max_args = 1,
    .flags = CMD_SELECTS,
    .exec = cmd_open_exec,
};

static enum cmd_status
cmd_open_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct scsi_identity id;
    struct recorder *rec;
    struct err err;

    err_clear(&err);
    if (args->argc == 0) {
        if (ctx->selected_drive == NULL)
            cmd_print(ctx, "no drive selected: 'open DRIVE' selects one");
        else
            cmd_print(ctx, "%s", cmd_drive_uri(ctx, ctx->selected_drive));
        return CMD_OK;
    }
    if (!transport_uri_known(args->argv[0])) {
        err_usage(&err, "'%s' is not a drive: expected %s (see 'modecon list')",
                  args->argv[0], TRANSPORT_URI_FORMS);
        return cmd_error(ctx, &err);
    }
    if (cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        recorder_inquiry(rec, &id, &err) != 0)
        return cmd_error(ctx, &err);
    /* Replayed on another drive (replay --drive): that one is selected
     * and named, the one the file recorded only said as such. */
    const char *drive = cmd_drive_uri(ctx, args->argv[0]);
    free(ctx->selected_drive);
    ctx->selected_drive = xstrdup(drive);
    if (strcmp(drive, args->argv[0]) != 0) {
        char *recorded = transport_redact(args->argv[0]);
        cmd_print(ctx, "%s: %s %s %s (recorded on %s)", drive, id.vendor,
                  id.product, id.revision, recorded);
        free(recorded);
    } else {
        cmd_print(ctx, "%s: %s %s %s", drive, id.vendor, id.product,
                  id.revision);
    }
    return CMD_OK;
}
