/*
 * The command layer: every action is a named command in one table, run
 * the same way from the command line, the shell, the console and replay
 * files.  Commands never print: they report through the context's output
 * sink, which each front end supplies.  This is the header commands and
 * front ends include; each part has its own:
 *   ctx.h        the context a session's commands share
 *   output.h     what commands show, and how errors are reported
 *   table.h      the command table, options and usage
 *   parse.h      a command's words into options and arguments
 *   run.h        running a command
 *   drives.h     the drives a context keeps open
 *   pagecache.h  the page definitions a context loads once
 */
#ifndef MODECON_CMD_CMD_H
#define MODECON_CMD_CMD_H

#include "cmd/ctx.h"
#include "cmd/drives.h"
#include "cmd/output.h"
#include "cmd/pagecache.h"
#include "cmd/parse.h"
#include "cmd/run.h"
#include "cmd/table.h"
/* Most commands read and write a page's fields. */
#include "engine/field.h"

#endif
