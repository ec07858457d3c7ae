/*
 * The page definitions and the user's vendor sense rules, loaded once per
 * process and shared read-only by every context and thread (pagecache.c
 * says how), and the definition of a page of a drive found among them.
 */
#ifndef MODECON_CMD_PAGECACHE_H
#define MODECON_CMD_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cmd/ctx.h"
#include "engine/pagedef.h"
#include "engine/recorder.h"
#include "util/err.h"

/* The page definitions (built-in, $MODECON_PAGES, the user's), loaded
 * once per process; files that fail their checks are reported as
 * warnings, once per context. */
const struct pagedb *cmd_pagedb(struct cmd_ctx *ctx);

/* The page definitions when this context has asked for them, else NULL;
 * loads nothing and warns of nothing. */
const struct pagedb *cmd_pagedb_if_loaded(const struct cmd_ctx *ctx);

/* The user's vendor sense rules ($XDG_CONFIG_HOME/modecon/vendor-sense),
 * loaded once per process, for the drives this context opens from now
 * on; rules that fail to load are reported as a warning, once per
 * context, and none is used. */
void cmd_load_sense_map(struct cmd_ctx *ctx);

/* The definition of a page of this drive (by its INQUIRY identity), or
 * NULL when there is none; -1 only when the drive could not be asked. */
int cmd_page_def(struct cmd_ctx *ctx, struct recorder *rec, uint8_t code,
                 uint8_t subpage, const struct page_def **pd, struct err *err);

/* "page 0x05 (Write Parameters)" */
void cmd_page_label(const struct page_def *pd, uint8_t code, uint8_t subpage,
                    char *buf, size_t len);

#endif
