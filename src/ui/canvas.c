#include "ui/canvas.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/text.h"
#include "util/xmalloc.h"

static const char *const style_names[] = {
#define STYLE_NAME(name) #name,
    STYLE_LIST(STYLE_NAME)
#undef STYLE_NAME
};

const char *
style_name(enum style style)
{
    return style < STYLE_COUNT ? style_names[style] : "?";
}

void
canvas_init(struct canvas *cv, int rows, int cols)
{
    cv->rows = rows > 0 ? rows : 1;
    cv->cols = cols > 0 ? cols : 1;
    cv->cells = xcalloc((size_t)cv->rows * (size_t)cv->cols, sizeof *cv->cells);
    canvas_clear(cv, STYLE_NORMAL);
}

void
canvas_fini(struct canvas *cv)
{
    free(cv->cells);
    cv->cells = NULL;
    cv->rows = cv->cols = 0;
}

const struct cell *
canvas_cell(const struct canvas *cv, int row, int col)
{
    return &cv->cells[(size_t)row * (size_t)cv->cols + (size_t)col];
}

static struct cell *
canvas_at(struct canvas *cv, int row, int col)
{
    return &cv->cells[(size_t)row * (size_t)cv->cols + (size_t)col];
}

void
canvas_clear(struct canvas *cv, enum style style)
{
    for (int r = 0; r < cv->rows; r++)
        canvas_fill(cv, r, 0, cv->cols, style);
}

/* Clip [col, col + width) to the row; false when nothing is left. */
static bool
canvas_clip(const struct canvas *cv, int row, int *col, int *width)
{
    if (row < 0 || row >= cv->rows || *col >= cv->cols)
        return false;
    if (*width < 0 || *col + *width > cv->cols)
        *width = cv->cols - *col;
    if (*col < 0) {
        *width += *col;
        *col = 0;
    }
    return *width > 0;
}

void
canvas_fill(struct canvas *cv, int row, int col, int width, enum style style)
{
    if (!canvas_clip(cv, row, &col, &width))
        return;
    for (int c = col; c < col + width; c++)
        *canvas_at(cv, row, c) = (struct cell){ ' ', (uint8_t)style };
}

void
canvas_restyle(struct canvas *cv, int row, int col, int width, enum style style)
{
    if (!canvas_clip(cv, row, &col, &width))
        return;
    for (int c = col; c < col + width; c++)
        canvas_at(cv, row, c)->style = (uint8_t)style;
}

/* Columns a character takes: control characters (util/text.h) show as
 * one '?', a bad byte as U+FFFD. */
static int
canvas_char_width(uint32_t c)
{
    if (text_is_control(c))
        return 1;
    int w = wcwidth((wchar_t)c);
    return w < 0 ? 1 : w;
}

static uint32_t
canvas_visible(uint32_t c)
{
    return text_is_control(c) ? '?' : c;
}

int
canvas_text_width(const char *text)
{
    int width = 0;
    while (*text != '\0')
        width += canvas_char_width(text_next_char(&text));
    return width;
}

int
canvas_text(struct canvas *cv, int row, int col, int width, enum style style,
            const char *text)
{
    int start = col;

    if (col < 0 || !canvas_clip(cv, row, &col, &width))
        return 0;
    int end = col + width;
    while (*text != '\0') {
        uint32_t c = text_next_char(&text);
        int w = canvas_char_width(c);
        if (w == 0)
            continue; /* combining marks are not drawn in a cell grid */
        if (col + w > end)
            break;
        *canvas_at(cv, row, col) =
            (struct cell){ canvas_visible(c), (uint8_t)style };
        if (w == 2)
            *canvas_at(cv, row, col + 1) = (struct cell){ 0, (uint8_t)style };
        col += w;
    }
    return col - start;
}

int
canvas_printf(struct canvas *cv, int row, int col, int width, enum style style,
              const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return canvas_text(cv, row, col, width, style, buf);
}

void
canvas_dump(const struct canvas *cv, FILE *f)
{
    for (int r = 0; r < cv->rows; r++) {
        int last = cv->cols - 1;
        while (last >= 0 && canvas_cell(cv, r, last)->glyph == ' ')
            last--;
        for (int c = 0; c <= last; c++) {
            uint32_t g = canvas_cell(cv, r, c)->glyph;
            char utf8[4];
            if (g != 0)
                fwrite(utf8, 1, text_encode(g, utf8), f);
        }
        fputc('\n', f);
    }
}
