/*
 * The other pages a saving change replaces the saved values of: a drive
 * that follows SPC-4 6.11 saves every savable page with the one a MODE
 * SELECT with SP=1 names.  Found for the undo record, which keeps their
 * saved values, and named to the user before and when it happens.
 */
#ifndef MODECON_CMD_CHANGES_SAVING_H
#define MODECON_CMD_CHANGES_SAVING_H

#include <stddef.h>
#include <stdint.h>

#include "cmd/ctx.h"
#include "cmd/undolog.h"
#include "engine/pagedef.h"
#include "engine/recorder.h"
#include "util/err.h"

/* With a saving change of page 'code'/'subpage': the drive's other
 * savable pages whose current and saved values differ, both kept in a new
 * *others (*n of them; free it whatever the result).  A page without
 * saved values is left out; one that cannot be read is an error. */
int changes_saving_others(struct recorder *rec, uint8_t code, uint8_t subpage,
                          struct undo_other **others, size_t *n,
                          struct err *err);

/* Hold the drive for a saving change, and read every page's current and
 * saved values at once (page 3Fh, twice): the saving change needs them
 * all (SPC-4 6.11), and the reads of single pages that follow while the
 * drive is held take them from what the recorder kept.  A drive that
 * refuses page 3Fh is asked page by page later, as before.  0 when held
 * (release it with recorder_release_exclusive), -1 with err set. */
int changes_hold_for_saving(struct recorder *rec, struct err *err);

/* "  LABEL: FIELD: old -> new WHICH" for each field of a page that
 * differs between 'from' and 'to', by byte where no field of 'pd' (or
 * NULL) covers it. */
void changes_print_fields(struct cmd_ctx *ctx, const struct page_def *pd,
                          const char *label, const uint8_t *from,
                          const uint8_t *to, size_t len, const char *which);

/* Print, for each other page whose saved values a saving change of
 * page 'code'/'subpage' replaces on a drive that follows SPC-4 6.11, its
 * fields old -> new ("  LABEL: FIELD: 0 -> 1 (saved values)").  Returns
 * how many pages, or -1 with err set when not all could be read. */
int changes_list_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                               uint8_t code, uint8_t subpage, struct err *err);

/* For a change of current values 'page' of a savable page, what doing
 * it with SP=1 instead ('how': "commit --save (s)") would also change:
 * the page's saved values, and those of every other savable page whose
 * saved values differ from its current ones, which a drive that follows
 * SPC-4 6.11 saves with it.  Shown before the choice is made. */
void changes_preview_saving(struct cmd_ctx *ctx, struct recorder *rec,
                            const struct page_def *pd, const char *label,
                            const uint8_t *page, size_t len, const char *how);

/* Say, before a saving change, which other pages' saved values it
 * replaces on a drive that follows SPC-4 6.11, and how. */
void changes_note_saving_others(struct cmd_ctx *ctx, struct recorder *rec,
                                uint8_t code, uint8_t subpage);

#endif
