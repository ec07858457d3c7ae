/* power-cycle DRIVE: an emulated drive comes back with its saved values. */
#include "cmd/cmd.h"

static enum cmd_status cmd_power_cycle_exec(struct cmd_ctx *ctx,
                                            const struct cmd_args *args);

static const struct cmd_option cmd_power_cycle_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_power_cycle_entry = {
    .name = "power-cycle",
    .args = "DRIVE",
    .summary = "reset an emulated drive's current values to its saved ones",
    .options = cmd_power_cycle_options,
    .min_args = 1,
    .max_args = 1,
    .flags = CMD_MUTATES | CMD_DRIVE_ARG,
    .exec = cmd_power_cycle_exec,
};

static enum cmd_status
cmd_power_cycle_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct recorder *rec = NULL;
    enum cmd_status status = CMD_OK;
    struct err err;

    err_clear(&err);
    if (ctx->dry_run) {
        cmd_print(ctx, "dry run: would power-cycle %s",
                  cmd_drive_uri(ctx, args->argv[0]));
        return CMD_OK;
    }
    if (cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        transport_control(recorder_transport(rec),
                          TRANSPORT_CONTROL_POWER_CYCLE, NULL, &err) != 0)
        status = cmd_error(ctx, &err);
    else
        cmd_print(ctx, "%s: power-cycled; current values are the saved ones",
                  recorder_name(rec));
    /* This opener is told of its own power cycle by no UNIT ATTENTION:
     * the dry runs before it go with the values they built on. */
    if (rec != NULL)
        recorder_simulation_drop(rec);
    return status;
}
