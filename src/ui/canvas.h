/*
 * A screen as a grid of cells, written by the views and shown by
 * ui/curses.c.  Views never touch the terminal, so a screen can be
 * rendered and compared as text in a test.
 */
#ifndef MODECON_UI_CANVAS_H
#define MODECON_UI_CANVAS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* How a cell looks; ui/curses.c alone turns these into colours. */
#define STYLE_LIST(X)                                                     \
    X(NORMAL)    /* text */                                               \
    X(TITLE)     /* the top and bottom bars */                            \
    X(HEADER)    /* a pane's title and column heads */                    \
    X(SELECTED)  /* the row under the cursor in the focused pane */       \
    X(CURSOR)    /* the row under the cursor in another pane */           \
    X(LOCKED)    /* a field the drive does not let change: dimmed */      \
    X(STAGED)    /* a value edited and not yet committed */               \
    X(APPLIED)   /* a value the drive took */                             \
    X(ERROR)     /* an error, a refused value, a field the drive named */ \
    X(WARNING)   /* a danger note, a busy drive */                        \
    X(HIGHLIGHT) /* the selected field's bits in the hex view */          \
    X(KEY)       /* a key name in the key hints */

enum style {
#define STYLE_ENUM(name) STYLE_##name,
    STYLE_LIST(STYLE_ENUM)
#undef STYLE_ENUM
    STYLE_COUNT
};

/* A cell: one character, or the right half of a wide one (glyph 0). */
struct cell {
    uint32_t glyph;
    uint8_t style;
};

struct canvas {
    int rows, cols;
    struct cell *cells;
};

void canvas_init(struct canvas *cv, int rows, int cols);
void canvas_fini(struct canvas *cv);
/* Spaces in 'style' everywhere. */
void canvas_clear(struct canvas *cv, enum style style);
/* 'width' cells of row 'row' from 'col' set to spaces in 'style'. */
void canvas_fill(struct canvas *cv, int row, int col, int width,
                 enum style style);

/*
 * UTF-8 text at (row, col), clipped to 'width' columns (-1: to the right
 * edge); a wide character that does not fit whole is left out.  Returns
 * the columns written.
 */
int canvas_text(struct canvas *cv, int row, int col, int width,
                enum style style, const char *text);
int canvas_printf(struct canvas *cv, int row, int col, int width,
                  enum style style, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The style of a cell range, keeping the glyphs. */
void canvas_restyle(struct canvas *cv, int row, int col, int width,
                    enum style style);

/* Columns 'text' takes on screen. */
int canvas_text_width(const char *text);

/* The grid as UTF-8 text, one line a row, trailing blanks dropped. */
void canvas_dump(const struct canvas *cv, FILE *f);

const struct cell *canvas_cell(const struct canvas *cv, int row, int col);

const char *style_name(enum style style);

#endif
