/*
 * The terminal, as the console needs it: start and stop (leaving the
 * terminal as it was, whatever ends the program), draw a canvas, read a
 * key.  ui/curses.c is its one implementation and the only file that
 * includes curses.h.
 */
#ifndef MODECON_UI_TERM_H
#define MODECON_UI_TERM_H

#include <stdbool.h>

#include "ui/canvas.h"

/* Keys beyond Unicode code points. */
enum term_key {
    TERM_KEY_NONE = -1,
    TERM_KEY_UP = 0x110000,
    TERM_KEY_DOWN,
    TERM_KEY_LEFT,
    TERM_KEY_RIGHT,
    TERM_KEY_HOME,
    TERM_KEY_END,
    TERM_KEY_PGUP,
    TERM_KEY_PGDN,
    TERM_KEY_BACKSPACE,
    TERM_KEY_DELETE,
    TERM_KEY_ENTER,
    TERM_KEY_BTAB, /* shift-tab */
    TERM_KEY_RESIZE,
    TERM_KEY_F1,
    TERM_KEY_F10 = TERM_KEY_F1 + 9,
};

/* Start full-screen mode; colours unless 'mono'.  Returns -1 when the
 * terminal cannot be used (the reason on stderr). */
int term_start(bool mono);
/* Restore the terminal; safe to call twice. */
void term_stop(void);
void term_size(int *rows, int *cols);
/* Show 'cv' (only the cells that changed reach the terminal); the cursor
 * at (row, col), hidden when row < 0. */
void term_draw(const struct canvas *cv, int row, int col);
/* The next key without waiting, or TERM_KEY_NONE. */
int term_key(void);
/* The descriptor to poll for keys. */
int term_fd(void);

#endif
