/*
 * Undoing the newest MODE SELECT on a drive's undo record, for 'undo'.
 */
#ifndef MODECON_CMD_UNDOSTEP_H
#define MODECON_CMD_UNDOSTEP_H

#include "cmd/cmd.h"
#include "cmd/undolog.h"

/*
 * Put back the bits the newest change of 'st' changed on 'rec' (with a
 * saving change, in its saved and current values, and the saved values of
 * the other pages it saved), after checking that they still hold what it
 * sent: one changed again since is refused unless 'force'.  A change put
 * back whole, or found put back already, is marked undone and leaves
 * 'st'; one stopped part-way stays on record, so that the next undo
 * finishes it.  A dry run shows what
 * would be sent and changes nothing.
 */
enum cmd_status undo_step(struct cmd_ctx *ctx, struct recorder *rec,
                          struct undo_stack *st, bool dry_run, bool force);

#endif
