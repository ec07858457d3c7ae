/*
 * The parts of a drive's undo record that its files share, and no other
 * file needs: the record's lines as read, one change's JSON form, and
 * version 1 records.
 *
 *   undolog.c    the file: loading, appending, compaction, marks
 *   undochange.c one change as JSON, in an intent's line
 *   undoread.c   a version 2 record's lines into the stack of changes
 *   undov1.c     version 1 records (one JSON document), converted once
 */
#ifndef MODECON_CMD_UNDOLOG_INTERNAL_H
#define MODECON_CMD_UNDOLOG_INTERNAL_H

#include "cmd/undolog.h"

/* Bytes of a version 1 record: 32 changes of pages up to 64 KiB, three
 * hex copies of each. */
#define UNDO_FILE_MAX (32u * 3 * 3 * 65540 + 65536)

enum undo_kind {
    UNDO_INTENT,     /* of a change, on the stack until undone */
    UNDO_STEP,       /* of an undo */
    UNDO_UNRECORDED, /* of a change that cannot be undone */
    UNDO_OUTCOME,
    UNDO_UNDONE,
    UNDO_DROPPED,
};

struct undo_line {
    enum undo_kind kind;
    char *id;      /* the MODE SELECT it is about */
    char *undo_of; /* UNDO_STEP: the change it undoes */
    char *text;    /* the line with its newline */
    size_t len;
    size_t lineno;
    bool resolved;   /* an intent whose outcome is on record */
    bool kept;       /* needed by undo: kept when the record is rewritten */
    bool not_sent;   /* an outcome: the MODE SELECT never went out */
    bool no_effect;  /* an outcome: the drive did not change by it */
    uint8_t *before; /* UNDO_STEP: the current values before it */
    uint8_t *sent;   /* UNDO_STEP: the page it sent */
    size_t before_len;
};

/* The change 'change', entry 'i' of the record (its line, or its place
 * in a version 1 record's list), into *out; an error names the member. */
int undo_parse_change(const struct undo_stack *st, json_t *change, size_t i,
                      struct undo_change *out, struct err *err);
/* The record's first line, for a new record. */
char *undo_log_header(const struct undo_stack *st, size_t *len);
/* A version 2 record's text onto 'st'. */
int undo_parse_v2(struct undo_stack *st, const char *text, struct err *err);
/* A version 1 record's text onto 'st'. */
int undo_parse_v1(struct undo_stack *st, const char *text, struct err *err);
/* The version 1 record at 'old', if any, rewritten as version 2 at
 * st->path, then removed.  *text is the new record (*len bytes), or NULL
 * when there was none; -1 when it could not be read or converted. */
int undo_v1_convert(struct undo_stack *st, char *old, char **text, size_t *len,
                    struct err *err);

#endif
