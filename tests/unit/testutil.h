/* Helpers shared by the unit tests. */
#ifndef MODECON_TESTUTIL_H
#define MODECON_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "cmd/cmd.h"

/* Point XDG_STATE_HOME at a new empty directory; returns its path. */
const char *testutil_fresh_state(void);

/* Bytes from hex text; asserts that it parses.  The caller frees. */
uint8_t *testutil_hex(const char *text, size_t *len);

/* Write 'text' to a new file in the state directory; returns its path
 * (a new string). */
char *testutil_write_file(const char *name, const char *text);

/* A copy of the built-in drive file drives/BASE.json in the state
 * directory with 'from' replaced by 'to' (which must occur); returns its
 * "emu:PATH" URI (a new string). */
char *testutil_drive_variant(const char *base, const char *name,
                             const char *from, const char *to);

/* A command output that drops everything: the screen or the snapshot
 * is what the test looks at. */
extern const struct cmd_output testutil_quiet_output;

#endif
