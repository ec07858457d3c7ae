/* modecon shell: the command language at a libedit prompt. */
#ifndef MODECON_SHELL_H
#define MODECON_SHELL_H

#include "cmd/cmd.h"

/* Read lines until end of input or 'quit'; returns the exit status. */
int shell_run(struct cmd_ctx *ctx);

#endif
