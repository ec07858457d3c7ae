/*
 * Running a command: found, parsed, its run named, sent, and what it
 * changed recorded in the journal.
 */
#ifndef MODECON_CMD_RUN_H
#define MODECON_CMD_RUN_H

#include "cmd/ctx.h"

/* Run one command given as words (argv[0] is the command name). */
enum cmd_status cmd_run_argv(struct cmd_ctx *ctx, int argc, char **argv);

#endif
