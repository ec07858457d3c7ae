/*
 * The field editor's rows, built from a drive's snapshot: pure data, no
 * terminal, so the screens can be tested as text.
 */
#ifndef MODECON_UI_MODEL_H
#define MODECON_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/drive.h"

enum field_change {
    FIELD_CHANGE_NONE,
    FIELD_CHANGE_STAGED,      /* edited, not committed */
    FIELD_CHANGE_APPLIED,     /* committed and the drive took it */
    FIELD_CHANGE_NOT_APPLIED, /* committed and the drive kept its value */
    FIELD_CHANGE_OUTSIDE,     /* changed on the drive, not by this console
                                 (drive_snapshot.changed_from) */
};

struct field_row {
    struct field_ref ref;
    char current[96], deflt[96], saved[96];
    char staged[96]; /* the staged value, when change is STAGED */
    char was[128];   /* "was 1" or "saved was 1", when change is OUTSIDE */
    int changeable;  /* 1 yes, 0 no, -1 partly, -2 unknown */
    enum field_change change;
    bool rejected; /* the last error pointed at it */
};

struct field_model {
    struct field_row *rows;
    size_t nrows;
    char title[160]; /* "0x05 Write Parameters" */
    char detail[48]; /* "60 bytes, savable" */
    bool has_def;    /* a definition describes the page */
};

/* A commit, kept so the editor can say per field whether the drive took
 * it: the page before and the page sent. */
struct commit_record {
    uint8_t code, subpage;
    uint8_t *before, *sent;
    size_t len;
};

/*
 * Rows for the snapshot's page.  'commit' (or NULL) marks the fields it
 * changed as applied or not, comparing what was sent with the current
 * values read back.  'error' (or NULL) marks the field it points at.
 */
void field_model_build(struct field_model *m, const struct drive_snapshot *snap,
                       const struct commit_record *commit,
                       const struct err *error);
void field_model_free(struct field_model *m);

/* "ready", "no medium", "formatting 42%", ... */
void model_media_text(const struct drive_snapshot *snap, char *buf, size_t len);

#endif
