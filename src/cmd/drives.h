/*
 * The drives a context opens: opened on first use with the global
 * options, traced, watched for changes, and kept open for the next
 * command of the same session.
 */
#ifndef MODECON_CMD_DRIVES_H
#define MODECON_CMD_DRIVES_H

#include <stdint.h>

#include "cmd/ctx.h"
#include "engine/pagedef.h"
#include "engine/recorder.h"
#include "util/err.h"

/* The most drives asked at once, by list, pages and the console.  Above
 * the number of drives a rack holds, so that a rack costs about one
 * drive's time; bounded so that a portal with thousands of LUNs stays
 * within thread and descriptor limits. */
#define CMD_SCAN_PARALLEL 256

/* MODE SELECTs the drive 'rec' answered GOOD in this context: a front end
 * tells from it that a command changed that drive. */
unsigned long cmd_drive_changes(const struct cmd_ctx *ctx,
                                const struct recorder *rec);

/* MODE SELECTs the drives of this context answered GOOD so far: a
 * command that raised it sent a change. */
unsigned long cmd_selects_answered(const struct cmd_ctx *ctx);
/* Of those, the ones after which the drive's page, as read back, was not
 * as before: a command that raised it changed a drive. */
unsigned long cmd_selects_changed(const struct cmd_ctx *ctx);

/* The open drive of that URI, or NULL. */
struct cmd_drive *cmd_drive_entry(struct cmd_ctx *ctx, const char *uri);

/* Open the --trace file if one was asked for and is not open yet, and
 * point ctx->recorder's trace at it. */
int cmd_open_trace(struct cmd_ctx *ctx, struct err *err);

/* The URI a drive argument stands for: replay --drive puts its drive in
 * place of every recorded one. */
const char *cmd_drive_uri(const struct cmd_ctx *ctx, const char *uri);

/* Open a drive, or a snapshot or drive file ("x.json", opened as the
 * emulated drive it describes, whatever replay's --drive says). */
int cmd_open_drive_or_file(struct cmd_ctx *ctx, const char *arg,
                           struct recorder **rec, struct err *err);

/* Every drive the context keeps open simulates as ctx->simulating says
 * (recorder_simulate); with 'forget', what their dry runs would have left
 * goes too. */
void cmd_drives_simulate(struct cmd_ctx *ctx, bool forget);

/* The drive the context keeps open under 'uri', or NULL; it takes the
 * context's current trace and client name. */
struct recorder *cmd_kept_drive(struct cmd_ctx *ctx, const char *uri);

/* Keep a drive opened elsewhere (by a parallel scan) open in the context,
 * which now owns 'rec'. */
void cmd_keep_drive(struct cmd_ctx *ctx, const char *uri, struct recorder *rec);

/* The drive named by a command argument, opened with the global options
 * on first use and kept open by the context: *rec is borrowed. */
int cmd_open_drive(struct cmd_ctx *ctx, const char *uri, struct recorder **rec,
                   struct err *err);

/* The drive and page a field-level command names: parses PAGE, opens
 * DRIVE and finds the page's definition (NULL when there is none). */
int cmd_open_page(struct cmd_ctx *ctx, const char *drive, const char *page,
                  struct recorder **rec, uint8_t *code, uint8_t *subpage,
                  const struct page_def **pd, struct err *err);

#endif
