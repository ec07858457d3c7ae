/*
 * The only file that includes curses.h: the terminal behind ui/term.h.
 * Styles become colour pairs here and nowhere else; without colours (a
 * vt100, NO_COLOR set) they become bold, dim, reverse and underline.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/term.h"

static bool term_started;

struct term_style {
    short fg, bg;
    attr_t color_attr; /* with colours */
    attr_t mono_attr;  /* without */
};

static const struct term_style term_styles[STYLE_COUNT] = {
    [STYLE_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
    [STYLE_TITLE] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
    [STYLE_HEADER] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
    [STYLE_SELECTED] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE },
    [STYLE_CURSOR] = { -1, -1, A_REVERSE, A_UNDERLINE },
    [STYLE_LOCKED] = { COLOR_BLUE, -1, A_DIM, A_DIM },
    [STYLE_STAGED] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
    [STYLE_APPLIED] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
    [STYLE_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
    [STYLE_WARNING] = { COLOR_MAGENTA, -1, A_NORMAL, A_BOLD },
    [STYLE_HIGHLIGHT] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE },
    [STYLE_KEY] = { COLOR_BLACK, COLOR_WHITE, A_BOLD, A_BOLD },
};

static bool term_color;
/* What the terminal shows, to send only the cells that changed. */
static struct canvas term_shown;

int
term_start(bool mono)
{
    /* newterm rather than initscr: initscr exits on a bad TERM. */
    if (newterm(NULL, stdout, stdin) == NULL) {
        fprintf(stderr, "modecon: cannot use the terminal '%s'\n",
                getenv("TERM") ? getenv("TERM") : "(TERM is not set)");
        return -1;
    }
    term_started = true;
    cbreak(); /* Ctrl-C and Ctrl-Z stay signals, so they always work */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    /* A terminal sends the cursor keys as ESC [ A until the program asks
     * for its keypad mode (ESC O A): keys typed or pasted before the
     * console started, and terminals that ignore the request, send the
     * first form, which the terminfo entry may not name.  Both are the
     * same keys. */
    static const struct {
        const char *seq;
        int key;
    } normal_mode_keys[] = {
        { "\033[A", KEY_UP },   { "\033[B", KEY_DOWN }, { "\033[C", KEY_RIGHT },
        { "\033[D", KEY_LEFT }, { "\033[H", KEY_HOME }, { "\033[F", KEY_END },
    };
    for (size_t i = 0; i < sizeof normal_mode_keys / sizeof *normal_mode_keys;
         i++)
        define_key(normal_mode_keys[i].seq, normal_mode_keys[i].key);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    term_color = !mono && has_colors();
    if (term_color) {
        start_color();
        use_default_colors();
        for (int s = 1; s < STYLE_COUNT; s++)
            init_pair((short)s, term_styles[s].fg, term_styles[s].bg);
    }
    canvas_init(&term_shown, 1, 1);
    return 0;
}

void
term_stop(void)
{
    if (!term_started)
        return;
    term_started = false;
    /* A terminal without an alternate screen (vt100) would keep the last
     * frame: leave it blank, the cursor at the top. */
    erase();
    move(0, 0);
    refresh();
    curs_set(1);
    endwin();
    canvas_fini(&term_shown);
}

void
term_size(int *rows, int *cols)
{
    getmaxyx(stdscr, *rows, *cols);
}

void
term_draw(const struct canvas *cv, int row, int col)
{
    bool full = term_shown.rows != cv->rows || term_shown.cols != cv->cols;

    if (full) {
        canvas_fini(&term_shown);
        canvas_init(&term_shown, cv->rows, cv->cols);
        /* The cells not drawn below (the bottom-right one) must not keep
         * what the larger screen had there. */
        erase();
        clearok(curscr, TRUE);
    }
    for (int r = 0; r < cv->rows; r++) {
        for (int c = 0; c < cv->cols; c++) {
            const struct cell *cell = canvas_cell(cv, r, c);
            const struct cell *old = canvas_cell(&term_shown, r, c);
            if (cell->glyph == 0 || (!full && cell->glyph == old->glyph &&
                                     cell->style == old->style))
                continue;
            /* The bottom-right cell would scroll some terminals. */
            if (r == cv->rows - 1 && c == cv->cols - 1)
                continue;
            wchar_t wc[2] = { (wchar_t)cell->glyph, 0 };
            cchar_t cc;
            setcchar(&cc, wc,
                     term_color ? term_styles[cell->style].color_attr
                                : term_styles[cell->style].mono_attr,
                     term_color ? (short)cell->style : 0, NULL);
            mvadd_wch(r, c, &cc);
        }
    }
    memcpy(term_shown.cells, cv->cells,
           (size_t)cv->rows * (size_t)cv->cols * sizeof *cv->cells);
    if (row >= 0) {
        move(row, col);
        curs_set(1);
    } else {
        curs_set(0);
    }
    refresh();
}

int
term_key(void)
{
    wint_t ch;
    int rc = get_wch(&ch);

    if (rc == ERR)
        return TERM_KEY_NONE;
    if (rc == KEY_CODE_YES) {
        switch (ch) {
        case KEY_UP:
            return TERM_KEY_UP;
        case KEY_DOWN:
            return TERM_KEY_DOWN;
        case KEY_LEFT:
            return TERM_KEY_LEFT;
        case KEY_RIGHT:
            return TERM_KEY_RIGHT;
        case KEY_HOME:
            return TERM_KEY_HOME;
        case KEY_END:
            return TERM_KEY_END;
        case KEY_PPAGE:
            return TERM_KEY_PGUP;
        case KEY_NPAGE:
            return TERM_KEY_PGDN;
        case KEY_BACKSPACE:
            return TERM_KEY_BACKSPACE;
        case KEY_DC:
            return TERM_KEY_DELETE;
        case KEY_ENTER:
            return TERM_KEY_ENTER;
        case KEY_BTAB:
            return TERM_KEY_BTAB;
        case KEY_RESIZE:
            return TERM_KEY_RESIZE;
        default:
            if (ch >= KEY_F(1) && ch <= KEY_F(10))
                return TERM_KEY_F1 + (int)(ch - KEY_F(1));
            return TERM_KEY_NONE;
        }
    }
    if (ch == '\r' || ch == '\n')
        return TERM_KEY_ENTER;
    if (ch == 0x7f || ch == 0x08)
        return TERM_KEY_BACKSPACE;
    return (int)ch;
}

int
term_fd(void)
{
    return STDIN_FILENO;
}
