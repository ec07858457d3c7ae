/*
 * Drawing the console: its state into a canvas, and nothing else.  The
 * view reads no clock and touches no drive, so a screen is a function of
 * the state and can be compared as text in a test.
 */
#ifndef MODECON_UI_VIEW_H
#define MODECON_UI_VIEW_H

#include "ui/canvas.h"
#include "ui/console.h"

/* Draw 'con' into 'cv' (its size is the screen's); *cursor_row and
 * *cursor_col get where the terminal's cursor belongs (-1: hidden). */
void view_render(const struct console *con, struct canvas *cv, int *cursor_row,
                 int *cursor_col);

#endif
