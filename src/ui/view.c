/* The frame: which parts of the screen are drawn in each mode, and the
 * cells, wrapping and scrolling that every part draws with. */
#include "ui/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/view-internal.h"
#include "util/xmalloc.h"

/* The first row to show so that 'cursor' is visible in 'height' rows. */
size_t
view_scroll(size_t cursor, size_t count, int height)
{
    if (height <= 0 || count <= (size_t)height || cursor < (size_t)height / 2)
        return 0;
    size_t top = cursor - (size_t)height / 2;
    if (top + (size_t)height > count)
        top = count - (size_t)height;
    return top;
}

/* A table cell: text cut to 'width' columns, with "~" at the cut. */
void
view_cell(struct canvas *cv, int row, int col, int width, enum style style,
          const char *text)
{
    if (width <= 0)
        return;
    if (canvas_text_width(text) <= width) {
        canvas_text(cv, row, col, width, style, text);
        return;
    }
    canvas_text(cv, row, col, width - 1, style, text);
    canvas_text(cv, row, col + width - 1, 1, style, "~");
}

/* A name in a cell: cut, when it must be, after its last whole word
 * that fits, with "~" at the cut, unless that would leave a third of
 * the cell or more empty ("MM~"): then, or when its first word alone is
 * too long, it is cut as view_cell does. */
void
view_name_cell(struct canvas *cv, int row, int col, int width, enum style style,
               const char *text)
{
    if (width <= 0 || canvas_text_width(text) <= width) {
        view_cell(cv, row, col, width, style, text);
        return;
    }
    size_t best = 0;
    for (size_t at = 1; text[at] != '\0'; at++) {
        if (text[at] != ' ' || text[at - 1] == ' ')
            continue;
        char *head = xstrndup(text, at);
        bool fits = canvas_text_width(head) <= width - 1;
        free(head);
        if (!fits)
            break;
        best = at;
    }
    char *head = xstrndup(text, best);
    if (best == 0 || 3 * (canvas_text_width(head) + 1) < 2 * width) {
        free(head);
        view_cell(cv, row, col, width, style, text);
        return;
    }
    int used = canvas_text(cv, row, col, width - 1, style, head);
    free(head);
    canvas_text(cv, row, col + used, 1, style, "~");
}

void
view_header(struct canvas *cv, int row, int col, int width, const char *text,
            bool focused)
{
    canvas_fill(cv, row, col, width, STYLE_HEADER);
    canvas_printf(cv, row, col, width, STYLE_HEADER, "%s%s",
                  focused ? "> " : "  ", text);
}

/* How much of 'text' goes on a row of 'width' when wrapping: up to the
 * last space that fits, or the width when there is none. */
size_t
view_wrap_cut(const char *text, int width)
{
    size_t len = strlen(text), cut = len;

    if (canvas_text_width(text) > width) {
        cut = (size_t)width < len ? (size_t)width : len;
        size_t space = cut;
        while (space > 0 && text[space] != ' ')
            space--;
        if (space > 0)
            cut = space;
    }
    return cut;
}

/* 'text' over up to 'rows' rows of 'width', broken at spaces; returns the
 * rows used.  A NULL canvas only counts them. */
int
view_wrap(struct canvas *cv, int row, int col, int width, int rows,
          enum style style, const char *text)
{
    int used = 0;
    while (*text != '\0' && used < rows) {
        size_t len = strlen(text), cut = view_wrap_cut(text, width);
        char *piece = xstrndup(text, cut);
        if (cv == NULL)
            ; /* counting */
        else if (used == rows - 1 && cut < len)
            view_cell(cv, row + used, col, width, style, text);
        else
            canvas_text(cv, row + used, col, width, style, piece);
        free(piece);
        used++;
        text += cut;
        while (*text == ' ')
            text++;
    }
    return used;
}

void
view_render(const struct console *con, struct canvas *cv, int *cursor_row,
            int *cursor_col)
{
    struct layout l;

    *cursor_row = *cursor_col = -1;
    canvas_clear(cv, STYLE_NORMAL);
    if (cv->rows < CONSOLE_MIN_ROWS || cv->cols < CONSOLE_MIN_COLS) {
        /* Said in few words, broken to fit the small screen itself; the
         * keys that act on drives wait for a bigger one (console_key). */
        char text[96];
        snprintf(text, sizeof text, "terminal %dx%d: modecon needs %dx%d",
                 cv->cols, cv->rows, CONSOLE_MIN_COLS, CONSOLE_MIN_ROWS);
        int used = view_wrap(cv, 0, 0, cv->cols, cv->rows, STYLE_ERROR, text);
        view_wrap(cv, used, 0, cv->cols, cv->rows - used, STYLE_NORMAL,
                  "q quits");
        return;
    }
    view_layout(con, cv->rows, cv->cols, &l);
    if (con->mode == MODE_HELP) {
        view_help_screen(con, cv, &l);
        return;
    }
    if (con->mode == MODE_LOG) {
        view_log_screen(con, cv, &l);
        return;
    }
    if (con->mode == MODE_OUTPUT) {
        view_output_screen(con, cv, &l);
        return;
    }
    if (con->mode == MODE_FLEET) {
        view_fleet_screen(con, cv, &l);
        return;
    }
    if (con->mode == MODE_COMPARE) {
        view_compare_screen(con, cv, &l);
        return;
    }
    view_title(con, cv, &l);
    view_drives(con, cv, &l);
    view_pages(con, cv, &l);
    view_fields(con, cv, &l);
    view_help(con, cv, &l);
    view_message(con, cv, &l);
    view_keys(con, cv, &l, cursor_row, cursor_col);
    if (con->mode == MODE_PICK)
        view_pick(con, cv, &l);
    if (con->mode == MODE_CONFIRM)
        view_confirm(con, cv, &l);
}
