/*
 * Where modecon finds its data (drives/, pages/) and keeps its state.
 * Data: $MODECON_DATA_DIR, else ../share/modecon next to the running
 * binary, else the source tree the binary was built from.  State:
 * $XDG_STATE_HOME/modecon, else ~/.local/state/modecon.
 */
#ifndef MODECON_UTIL_PATHS_H
#define MODECON_UTIL_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* The data directory holding 'sub' (e.g. "drives"), as a new string, or
 * NULL when none is found. */
char *paths_data_dir(const char *sub);

/* The state directory, joined with 'sub' when non-NULL, created with mode
 * 0700 if missing.  Both must be the user's own and writable by nobody
 * else (paths_check_private_dir); the directories above (links resolved)
 * the user's or root's and writable by nobody else unless sticky, and a
 * link on the way there the user's or root's, so that nobody else can put
 * another directory in its place.  Returns a new string, or NULL with err
 * set. */
char *paths_state_dir(const char *sub, struct err *err);

/* Whether 'dir' is a directory (not a symbolic link) owned by the user and
 * not writable by group or others; else err says which and how to fix it
 * (chmod 700). */
int paths_check_private_dir(const char *dir, struct err *err);

/* $XDG_CONFIG_HOME/modecon/NAME, else ~/.config/modecon/NAME, as a new
 * string; NULL when neither variable is set.  Nothing is created. */
char *paths_config_file(const char *name);

/* DIR/SLUG-HASH.SUFFIX for a key such as a drive's identity: readable,
 * and unique by the key's hash.  Returns a new string. */
char *paths_key_file(const char *dir, const char *key, const char *suffix);

/* Whether 'name' names a drive or snapshot file: NAME.json, with a name
 * before the suffix. */
bool paths_is_json_file(const char *name);

/* mkdir -p with 'mode' for each created component. */
int paths_mkdirs(const char *path, unsigned mode, struct err *err);

#endif
