/*
 * The console's command line: a line being edited (UTF-8, a cursor),
 * with history through libedit's history(3), kept between sessions in the
 * state directory.  Pure data and key handling: the view draws it.
 */
#ifndef MODECON_UI_PROMPT_H
#define MODECON_UI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct prompt {
    char label[64]; /* ":" or "WR_T = " */
    char *text;     /* what is typed */
    size_t len, cap;
    size_t cursor; /* byte offset into text */
    void *history; /* History *, or NULL */
    char *history_path;
    bool browsing; /* Up/Down walked into the history */
    /* The whole text is selected (a value offered to be typed over): the
     * first character typed replaces it, a key that moves or deletes
     * drops the selection and edits the text as usual. */
    bool selected;
};

enum prompt_result {
    PROMPT_EDITING,
    PROMPT_ACCEPT,   /* Enter */
    PROMPT_CANCEL,   /* Esc, Ctrl-C, or Backspace on an empty line */
    PROMPT_COMPLETE, /* Tab: the caller completes */
};

/* 'history_file' (or NULL: no history) is loaded now and saved on each
 * accepted line, mode 0600 (cmd/histfile.h).  -1 with err set when the
 * file is refused: the prompt works, its history kept for this session
 * only. */
int prompt_init(struct prompt *p, const char *history_file, struct err *err);
void prompt_fini(struct prompt *p);

/* Start editing with 'label' and the initial text. */
void prompt_open(struct prompt *p, const char *label, const char *text);

/* Select the whole text, the cursor at its end. */
void prompt_select_all(struct prompt *p);

enum prompt_result prompt_key(struct prompt *p, int key);

/* Forget the text, every byte the prompt holds wiped: what was typed may
 * hold a password. */
void prompt_wipe(struct prompt *p);

/* Insert text at the cursor (a completion). */
void prompt_insert(struct prompt *p, const char *text);

/* Remember an accepted line.  -1 with err set when the history file
 * cannot be written; it is then no longer saved. */
int prompt_remember(struct prompt *p, const char *line, struct err *err);

/* Columns from the start of the text to the cursor. */
int prompt_cursor_col(const struct prompt *p);

#endif
