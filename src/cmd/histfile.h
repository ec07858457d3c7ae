/*
 * The shell's and the console's command histories are files in the state
 * directory, kept by libedit's history(3).  They are state files like the
 * others (util/statefile.h): loaded only from a regular file reached
 * without following a link and without waiting on a FIFO, and replaced
 * whole (util/atomicfile.h), so that nothing planted in their place is
 * written through and a crash leaves the old history or the new one.
 */
#ifndef MODECON_CMD_HISTFILE_H
#define MODECON_CMD_HISTFILE_H

#include "util/err.h"

struct history; /* libedit's History */

/* Load 'path' into 'h'.  A file that does not exist is an empty history
 * (0).  -1 with err set when the file is refused (a link, a FIFO, a
 * directory) or cannot be opened: the caller goes on without it. */
int histfile_load(struct history *h, const char *path, struct err *err);

/* Replace 'path' with the lines of 'h', mode 0600.  -1 with err set. */
int histfile_save(struct history *h, const char *path, struct err *err);

#endif
