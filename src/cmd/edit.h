/*
 * Committing a page edited field by field: shared by 'set FIELD=VALUE' and
 * 'defaults'.  Reports old -> new per field, sends the page through the
 * engine, names the field a drive's refusal points at, and says per field
 * whether the drive applied it.
 */
#ifndef MODECON_CMD_EDIT_H
#define MODECON_CMD_EDIT_H

#include "cmd/cmd.h"

struct edit {
    struct recorder *rec;
    const struct page_def *pd; /* or NULL: bytes only */
    const char *label;         /* "page 0x05 (Write Parameters)" */
    enum mode_request rt;
    const uint8_t *before; /* current values */
    uint8_t *page;         /* edited */
    size_t len;
    const struct field_ref *refs;
    size_t nrefs;
    struct set_options opts;
};

enum cmd_status edit_commit(struct cmd_ctx *ctx, const struct edit *ed);

#endif
