/*
 * Bringing pages of a drive to wanted current and saved values, for
 * 'restore' and 'undo'.
 *
 * Saved values can only be written through the current ones: MODE SELECT
 * with SP set saves the page sent and, on a drive that follows SPC-4 6.11,
 * the current values of every other savable page too.  So saving goes in
 * three passes: the saved values wanted go into the current values of
 * every savable page whose saved values must come out as wanted (kept
 * ones included); each page to save is sent with SP; then every page's
 * current values become the ones wanted, or those it had before.
 */
#ifndef MODECON_CMD_APPLY_H
#define MODECON_CMD_APPLY_H

#include "cmd/cmd.h"

struct apply_page {
    uint8_t code, subpage;
    const struct page_def *pd; /* or NULL */
    const char *label;
    size_t len;
    const uint8_t *saved;   /* the saved values wanted, or NULL: as now */
    const uint8_t *current; /* the current values wanted, or NULL: as now */
    /* Out: MODE SELECTs sent for it (or shown, in a dry run), and whether
     * the drive did not take all of one. */
    size_t sent;
    bool not_applied;
};

struct apply_result {
    size_t sent;       /* MODE SELECTs, every page */
    char stopped[128]; /* the page a failure stopped at, or "" */
    char written[256]; /* pages sent before it: "0x05 0x08" */
};

/*
 * Send what brings each page to its wanted values; pages already as
 * wanted get nothing.  Savable pages outside the list whose saved values
 * differ from their current ones are kept as they are.  Each MODE SELECT
 * is shown and verified as 'set' does.  Returns CMD_OK, CMD_NOT_APPLIED
 * when the drive did not take all, or the error that stopped it.
 */
enum cmd_status apply_pages(struct cmd_ctx *ctx, struct recorder *rec,
                            struct apply_page *pages, size_t npages,
                            bool dry_run, struct apply_result *res);

#endif
