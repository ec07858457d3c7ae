/* What covers the panes: the enum picker and the confirmation dialog,
 * and the help, message log and command output screens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "ui/view-internal.h"
#include "util/xmalloc.h"

/* A box in the middle of the screen with a title and lines: scrolled to
 * keep 'cursor' in view, or without one ((size_t)-1) from line 'from'. */
static void
view_box(struct canvas *cv, const struct layout *l, const char *title,
         char *const *lines, size_t n, size_t cursor, size_t from,
         const char *footer)
{
    int width = l->cols - 8 < 100 ? l->cols - 8 : 100;
    int height = (int)n + 4;
    if (height > l->rows - 4)
        height = l->rows - 4;
    int top = (l->rows - height) / 2, left = (l->cols - width) / 2;
    for (int r = top; r < top + height; r++) {
        canvas_fill(cv, r, left, width, STYLE_NORMAL);
        canvas_text(cv, r, left, 1, STYLE_HEADER, "|");
        canvas_text(cv, r, left + width - 1, 1, STYLE_HEADER, "|");
    }
    canvas_fill(cv, top, left, width, STYLE_TITLE);
    canvas_printf(cv, top, left + 1, width - 2, STYLE_TITLE, " %s", title);
    int shown = height - 4;
    size_t first = n > (size_t)shown ? view_scroll(cursor, n, shown) : 0;
    if (cursor == (size_t)-1 && n > (size_t)shown)
        first = from + (size_t)shown > n ? n - (size_t)shown : from;
    for (int i = 0; i < shown && first + (size_t)i < n; i++) {
        size_t k = first + (size_t)i;
        enum style st = k == cursor ? STYLE_SELECTED : STYLE_NORMAL;
        if (k == cursor)
            canvas_fill(cv, top + 2 + i, left + 1, width - 2, st);
        view_cell(cv, top + 2 + i, left + 2, width - 4, st, lines[k]);
    }
    canvas_fill(cv, top + height - 1, left, width, STYLE_TITLE);
    view_cell(cv, top + height - 1, left + 1, width - 2, STYLE_TITLE, footer);
}

void
view_pick(const struct console *con, struct canvas *cv, const struct layout *l)
{
    const struct field_row *fr = console_field(con);
    if (fr == NULL)
        return;
    const struct field_def *fd = fr->ref.fd;
    char **lines = xcalloc(fd->nvalues ? fd->nvalues : 1, sizeof *lines);
    for (size_t i = 0; i < fd->nvalues; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%-4llu %s%s%s",
                 (unsigned long long)fd->values[i].value, fd->values[i].name,
                 fd->values[i].desc ? ": " : "",
                 fd->values[i].desc ? fd->values[i].desc : "");
        lines[i] = xstrdup(buf);
    }
    char title[96];
    snprintf(title, sizeof title, "%s: pick a value", fr->ref.acronym);
    view_box(cv, l, title, lines, fd->nvalues, con->pick_cursor, 0,
             "Enter stage it   Esc cancel");
    for (size_t i = 0; i < fd->nvalues; i++)
        free(lines[i]);
    free(lines);
}

/* The dialog before a commit, an undo or defaults: what its dry run
 * showed, and what each key sends. */
void
view_confirm(const struct console *con, struct canvas *cv,
             const struct layout *l)
{
    static const struct {
        const char *title, *yes, *save;
    } kinds[] = {
        [CONFIRM_COMMIT] = { "Commit these changes?",
                             "y commit to current values",
                             "s commit and save" },
        [CONFIRM_UNDO] = { "Undo the drive's last command?", "y undo it",
                           NULL },
        [CONFIRM_DEFAULTS] = { "Write the drive's defaults into this page?",
                               "y write to current values",
                               "s write and save" },
    };
    const char *title = kinds[con->confirm_kind].title;
    const char *yes = kinds[con->confirm_kind].yes;
    const char *save = kinds[con->confirm_kind].save;
    char footer[160];
    /* Every word of what will be sent is shown: long lines wrap, the
     * rows after the first indented. */
    int width = (l->cols - 8 < 100 ? l->cols - 8 : 100) - 4;
    size_t n = 0, room = 0;
    char **rows = NULL;
    for (size_t i = 0; i < con->nconfirm; i++) {
        const char *text = con->confirm_lines[i];
        bool first = true;
        do {
            int w = first ? width : width - 2;
            size_t cut = w > 0 ? view_wrap_cut(text, w) : strlen(text);
            if (n == room) {
                room = room ? room * 2 : 16;
                rows = xrealloc(rows, room * sizeof *rows);
            }
            rows[n++] = xasprintf("%s%.*s", first ? "" : "  ", (int)cut, text);
            text += cut;
            while (*text == ' ')
                text++;
            first = false;
        } while (*text != '\0');
    }
    bool scrolls = n + 4 > (size_t)(l->rows - 4);
    if (save == NULL)
        snprintf(footer, sizeof footer, "%s   n cancel%s", yes,
                 scrolls ? "   Up/Down scroll" : "");
    else if (console_confirm_saves(con))
        snprintf(footer, sizeof footer, "%s   %s   n cancel%s", yes, save,
                 scrolls ? "   Up/Down scroll" : "");
    else
        snprintf(footer, sizeof footer, "%s (not savable)   n cancel%s", yes,
                 scrolls ? "   Up/Down scroll" : "");
    view_box(cv, l, title, rows, n, (size_t)-1, con->confirm_top, footer);
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
}

/* The help screen's column of key names ("S-Tab, Left"). */
#define VIEW_HELP_KEYS 15

/* An entry of the help screen: its head ("NAME ARGS", or a key) in a
 * column of 'left' columns and its summary beside it, both broken at
 * spaces rather than cut; a head too long for its column takes rows of
 * its own above the summary.  Returns the rows used. */
static int
view_help_entry(struct canvas *cv, int row, int rows, int cols, int left,
                enum style head_style, const char *head, const char *summary)
{
    int used = 0;

    if (rows <= 0)
        return 0;
    if (canvas_text_width(head) <= left - 2)
        canvas_text(cv, row, 1, left - 2, head_style, head);
    else
        used = view_wrap(cv, row, 1, cols - 2, rows, head_style, head);
    if (used < rows)
        used += view_wrap(cv, row + used, left, cols - left - 1, rows - used,
                          STYLE_NORMAL, summary);
    return used > 0 ? used : 1;
}

void
view_help_screen(const struct console *con, struct canvas *cv,
                 const struct layout *l)
{
    int height = l->rows - 1;
    size_t total = console_help_length(), line = 0;
    /* Down scrolls until the last line is at the top, Up back: every
     * key moves the screen. */
    size_t top = total > (size_t)height ? con->help_top : 0;
    char head[256];

    /* The heads' column fits the longest one, as far as two fifths of
     * the width; longer ones take a row of their own. */
    int left = VIEW_HELP_KEYS;
    for (size_t i = 0; console_commands[i].name != NULL; i++) {
        snprintf(head, sizeof head, "%s %s", console_commands[i].name,
                 console_commands[i].args);
        if (canvas_text_width(head) + 3 > left)
            left = canvas_text_width(head) + 3;
    }
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        snprintf(head, sizeof head, "%s %s", cmd_table[i]->name,
                 cmd_table[i]->args);
        if (canvas_text_width(head) + 3 > left)
            left = canvas_text_width(head) + 3;
    }
    if (left > l->cols * 2 / 5)
        left = l->cols * 2 / 5;

    canvas_clear(cv, STYLE_NORMAL);
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    canvas_printf(
        cv, 0, 1, -1, STYLE_TITLE, "modecon help: keys, then commands (%s)",
        total > (size_t)height ? "Up/Down scroll, any other key returns"
                               : "any key returns");
    int row = 1;
    for (size_t i = 0; console_keys[i].command != NULL; i++) {
        if (console_keys[i].name == NULL)
            continue; /* another key for the one above */
        if (line++ < top)
            continue;
        row += view_help_entry(cv, row, height + 1 - row, l->cols,
                               VIEW_HELP_KEYS, STYLE_KEY, console_keys[i].name,
                               console_keys[i].command);
    }
    if (line++ >= top)
        row++;
    for (size_t i = 0; console_commands[i].name != NULL; i++) {
        if (line++ < top)
            continue;
        snprintf(head, sizeof head, "%s %s", console_commands[i].name,
                 console_commands[i].args);
        row += view_help_entry(cv, row, height + 1 - row, l->cols, left,
                               STYLE_HEADER, head, console_commands[i].summary);
    }
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        if (line++ < top)
            continue;
        snprintf(head, sizeof head, "%s %s", cmd_table[i]->name,
                 cmd_table[i]->args);
        row += view_help_entry(cv, row, height + 1 - row, l->cols, left,
                               STYLE_HEADER, head, cmd_table[i]->summary);
    }
}

void
view_log_screen(const struct console *con, struct canvas *cv,
                const struct layout *l)
{
    canvas_clear(cv, STYLE_NORMAL);
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    canvas_text(
        cv, 0, 1, -1, STYLE_TITLE,
        "Messages, newest last (Up/Down scroll, any other key returns)");
    int height = l->rows - 1, width = l->cols - 2, used = 0;
    size_t end = con->nlog > con->log_top ? con->nlog - con->log_top : 0;
    /* Long lines wrap: as many of the newest as fill the screen. */
    size_t start = end;
    while (start > 0) {
        int rows = view_wrap(NULL, 0, 0, width, height, STYLE_NORMAL,
                             con->log[start - 1].text);
        /* The newest is shown even if it alone is longer. */
        if (used + rows > height && start < end)
            break;
        used += rows;
        start--;
    }
    for (size_t i = start, row = 1; i < end; i++)
        row +=
            (size_t)view_wrap(cv, (int)row, 1, width, height + 1 - (int)row,
                              con->log[i].is_error ? STYLE_ERROR : STYLE_NORMAL,
                              con->log[i].text);
}

/* A command's answer, every line: Up/Down/PgUp/PgDn through the lines,
 * Left/Right across the wide ones, so that a table keeps its columns. */
void
view_output_screen(const struct console *con, struct canvas *cv,
                   const struct layout *l)
{
    int height = l->rows - 2, width = l->cols - 2;
    size_t widest = 0;
    for (size_t i = 0; i < con->noutput; i++) {
        size_t w = (size_t)canvas_text_width(con->output[i].text);
        if (w > widest)
            widest = w;
    }
    canvas_clear(cv, STYLE_NORMAL);
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    canvas_printf(cv, 0, 1, l->cols - 2, STYLE_TITLE, ":%s", con->output_title);
    for (int i = 0; i < height && con->output_top + (size_t)i < con->noutput;
         i++) {
        const struct log_entry *e = &con->output[con->output_top + (size_t)i];
        const char *t = e->text;
        /* Skip the columns scrolled off to the left. */
        for (size_t skipped = 0; skipped < con->output_left && *t != '\0'; t++)
            if (((unsigned char)t[1] & 0xc0) != 0x80)
                skipped++;
        view_cell(cv, 1 + i, 1, width, e->is_error ? STYLE_ERROR : STYLE_NORMAL,
                  t);
    }
    canvas_fill(cv, l->rows - 1, 0, l->cols, STYLE_TITLE);
    size_t last = con->output_top + (size_t)height < con->noutput
                      ? con->output_top + (size_t)height
                      : con->noutput;
    canvas_printf(cv, l->rows - 1, 1, l->cols - 2, STYLE_TITLE,
                  "lines %zu-%zu of %zu   Up Down PgUp PgDn Home End%s   "
                  "Esc closes",
                  con->noutput ? con->output_top + 1 : 0, last, con->noutput,
                  widest > (size_t)width ? " Left Right" : "");
}
