/*
 * What the view's files share; the rest of the console sees only
 * ui/view.h.  The view is one drawing in several files, one part each:
 *
 *   view.c         the frame: which parts are drawn, and the cells,
 *                  wrapping and scrolling they all draw with
 *   view-panes.c   the layout, the title, and the drives, pages and
 *                  fields panes
 *   view-status.c  the rows below the panes: the field's help or the
 *                  error, the message line, the keys or the prompt
 *   view-screens.c the dialogs over the panes (pick, confirm) and the
 *                  screens in their place (help, log, a command's output)
 *   view-tags.c    the tagged drives' screens: a commit, undo or
 *                  defaults for all of them, and their pages compared
 */
#ifndef MODECON_UI_VIEW_INTERNAL_H
#define MODECON_UI_VIEW_INTERNAL_H

#include "ui/view.h"

/* Where each part of the screen goes, from the screen's size. */
struct layout {
    int rows, cols;
    int drives_top, drives_rows; /* the drive table, rows after its header */
    int body_top, body_rows;     /* pages and fields */
    int pages_cols;              /* the pages pane; fields take the rest */
    int help_top, help_rows;     /* the selected field's help, or an error */
    int message_row;
    int keys_row;
    bool wide; /* room for field names and longer values */
};

/* Column widths of the field table.  A value column narrower than this
 * shows too little of a value such as "SAO (2)" to read; a name column
 * narrower than the other shows too little of a field's name. */
enum {
    VIEW_VALUE_MIN = 9,
    VIEW_NAME_COLS = 26,
    VIEW_NAME_MIN = 16,
};
struct field_cols {
    int mark, field, name, current, deflt, saved, chg;
};

/* view.c */
size_t view_scroll(size_t cursor, size_t count, int height);
void view_cell(struct canvas *cv, int row, int col, int width, enum style style,
               const char *text);
void view_name_cell(struct canvas *cv, int row, int col, int width,
                    enum style style, const char *text);
void view_header(struct canvas *cv, int row, int col, int width,
                 const char *text, bool focused);
size_t view_wrap_cut(const char *text, int width);
int view_wrap(struct canvas *cv, int row, int col, int width, int rows,
              enum style style, const char *text);

/* view-panes.c */
void view_layout(const struct console *con, int rows, int cols,
                 struct layout *l);
void view_title(const struct console *con, struct canvas *cv,
                const struct layout *l);
void view_drives(const struct console *con, struct canvas *cv,
                 const struct layout *l);
void view_pages(const struct console *con, struct canvas *cv,
                const struct layout *l);
void view_field_cols(const struct console *con, int width, bool wide,
                     struct field_cols *fc);
void view_fields(const struct console *con, struct canvas *cv,
                 const struct layout *l);

/* view-status.c */
void view_help(const struct console *con, struct canvas *cv,
               const struct layout *l);
void view_keys(const struct console *con, struct canvas *cv,
               const struct layout *l, int *cursor_row, int *cursor_col);
void view_message(const struct console *con, struct canvas *cv,
                  const struct layout *l);

/* view-screens.c */
void view_pick(const struct console *con, struct canvas *cv,
               const struct layout *l);
void view_confirm(const struct console *con, struct canvas *cv,
                  const struct layout *l);
void view_help_screen(const struct console *con, struct canvas *cv,
                      const struct layout *l);
void view_log_screen(const struct console *con, struct canvas *cv,
                     const struct layout *l);
void view_output_screen(const struct console *con, struct canvas *cv,
                        const struct layout *l);

/* view-tags.c */
void view_fleet_screen(const struct console *con, struct canvas *cv,
                       const struct layout *l);
void view_compare_screen(const struct console *con, struct canvas *cv,
                         const struct layout *l);

#endif
