/*
 * The undo record's side of a change: the intent written before a MODE
 * SELECT (what 'undo' needs to put the page back), its outcome after, and
 * the recovery of an intent whose process ended before its outcome.
 */
#ifndef MODECON_CMD_CHANGES_UNDO_H
#define MODECON_CMD_CHANGES_UNDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/ctx.h"
#include "cmd/undolog.h"
#include "engine/recorder.h"
#include "util/err.h"

/* The page's name in messages: "0x08" or "0x08,0x01". */
void changes_page_name(const uint8_t *page, char *buf, size_t len);

/* The intent line of the undo record for the MODE SELECT 'ev' named
 * 'select' (with the lines of changes that drop off the stack before it,
 * each named in a note): a change's, an undo's, or one that cannot be
 * undone.  A new string of *len bytes, or NULL with err set. */
char *changes_intent_lines(struct cmd_ctx *ctx, struct recorder *rec,
                           struct undo_stack *st, const struct select_event *ev,
                           const char *select, size_t *len, struct err *err);

/* Append an outcome line of MODE SELECT 'select' to the undo record, not
 * flushed: the audit log's outcome, flushed, is the durable one. */
int changes_undo_outcome(struct undo_stack *st, const char *select,
                         const char *verification, bool recovered,
                         struct err *err);

/* Load the drive's undo record, held by this process, and resolve every
 * MODE SELECT of it whose outcome was not recorded (its process ended
 * first): read back from the drive, recorded in the undo record and the
 * audit log as found after the process ended. */
int changes_load(struct cmd_ctx *ctx, struct recorder *rec,
                 struct undo_stack *st, struct err *err);

#endif
