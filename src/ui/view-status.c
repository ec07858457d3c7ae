/* The rows below the panes: the selected field's help or the error
 * shown, the message line, and the key hints or the prompt. */
#include <stdio.h>
#include <string.h>

#include "engine/unit.h"
#include "ui/view-internal.h"

/* The error shown, in the help rows: the field it points at first. */
static void
view_help_error(const struct console *con, struct canvas *cv,
                const struct layout *l)
{
    int row = l->help_top, rows = l->help_rows, used = 0;
    const struct field_row *named = NULL;

    for (size_t i = 0; i < con->fields.nrows; i++)
        if (con->fields.rows[i].rejected)
            named = &con->fields.rows[i];
    if (named != NULL) {
        canvas_printf(cv, row, 1, l->cols - 2, STYLE_ERROR,
                      "X %s%s%s: the field the error points at",
                      named->ref.acronym, named->ref.fd->name ? " " : "",
                      named->ref.fd->name ? named->ref.fd->name : "");
        used = 1;
    }
    for (size_t i = 0; i < con->nerror_lines && used < rows; i++)
        used += view_wrap(cv, row + used, 1, l->cols - 2, rows - used,
                          STYLE_ERROR, con->error_lines[i]);
}

/* Where the field lies in the page: "byte 2 bit 6", "bytes 10-11". */
static void
view_field_range(const struct field_row *fr, char *out, size_t size)
{
    const struct field_def *fd = fr->ref.fd;
    size_t byte = fr->ref.base + fd->byte;

    if (fd->width == 1)
        snprintf(out, size, "byte %zu bit %u", byte, fd->bit);
    else if (fd->bit + 1 >= fd->width)
        snprintf(out, size, "byte %zu bits %u-%u", byte, fd->bit,
                 fd->bit + 1 - fd->width);
    else
        snprintf(out, size, "bytes %zu-%zu", byte,
                 byte + (fd->width - fd->bit - 1 + 7) / 8);
}

/* The field's line after its acronym: its name, place, kind, unit,
 * whether it is changeable, its range, and what is staged or marked. */
static void
view_field_summary(const struct field_row *fr, char *line, size_t size)
{
    const struct field_def *fd = fr->ref.fd;
    char range[96], step[64];

    view_field_range(fr, range, sizeof range);
    unit_step(fd, step, sizeof step);
    snprintf(line, size, " %s: %s, %s%s%s; %s", fd->name ? fd->name : "", range,
             field_kind_name(fd->kind),
             fd->unit == NULL ? ""
             : fd->scale > 1  ? ", counts "
                              : ", in ",
             step,
             fr->changeable == 0    ? "not changeable on this drive"
             : fr->changeable == -1 ? "partly changeable"
             : fr->changeable == 1  ? "changeable"
                                    : "changeable values unknown");
    if (fd->has_range) {
        char lo[64], hi[64];
        unit_format_quantity(fd, fd->min, lo, sizeof lo);
        unit_format_quantity(fd, fd->max, hi, sizeof hi);
        snprintf(line + strlen(line), size - strlen(line), "; %s..%s", lo, hi);
    }
    if (fr->change == FIELD_CHANGE_STAGED)
        snprintf(line + strlen(line), size - strlen(line), "; staged %s -> %s",
                 fr->current, fr->staged);
    else if (fr->change == FIELD_CHANGE_APPLIED)
        snprintf(line + strlen(line), size - strlen(line),
                 "; the drive applied the last commit");
    else if (fr->change == FIELD_CHANGE_NOT_APPLIED)
        snprintf(line + strlen(line), size - strlen(line),
                 "; the drive did NOT apply the last commit");
    else if (fr->change == FIELD_CHANGE_OUTSIDE)
        snprintf(line + strlen(line), size - strlen(line),
                 "; changed on the drive, not by this console (%s)", fr->was);
}

void
view_help(const struct console *con, struct canvas *cv, const struct layout *l)
{
    int row = l->help_top, rows = l->help_rows;

    for (int r = row; r < row + rows; r++)
        canvas_fill(cv, r, 0, l->cols, STYLE_NORMAL);
    if (con->has_error) {
        view_help_error(con, cv, l);
        return;
    }
    const struct field_row *fr = console_field(con);
    if (fr == NULL)
        return;
    const struct field_def *fd = fr->ref.fd;
    char line[512];
    int col =
        canvas_printf(cv, row, 1, -1, STYLE_HEADER, "%s", fr->ref.acronym);
    view_field_summary(fr, line, sizeof line);
    view_cell(cv, row, 1 + col, l->cols - 2 - col, STYLE_NORMAL, line);
    int used = 1;
    if (fd->danger != NULL) {
        char when[96];
        field_danger_when(fd, when, sizeof when);
        snprintf(line, sizeof line, "%s: %s", when, fd->danger);
        used += view_wrap(cv, row + used, 1, l->cols - 2, rows - used,
                          STYLE_WARNING, line);
    }
    /* The field table left out the default and saved values: here they
     * are, for the field selected, after any warning. */
    struct field_cols fc;
    view_field_cols(con, l->cols - l->pages_cols, l->wide, &fc);
    if (fc.deflt == 0 && used < rows) {
        snprintf(line, sizeof line, "default %s, saved %s", fr->deflt,
                 fr->saved);
        used += view_wrap(cv, row + used, 1, l->cols - 2, rows - used,
                          STYLE_NORMAL, line);
    }
    if (fd->help != NULL && used < rows)
        view_wrap(cv, row + used, 1, l->cols - 2, rows - used, STYLE_NORMAL,
                  fd->help);
}

void
view_keys(const struct console *con, struct canvas *cv, const struct layout *l,
          int *cursor_row, int *cursor_col)
{
    int row = l->keys_row;
    canvas_fill(cv, row, 0, l->cols, STYLE_TITLE);
    if (con->mode == MODE_PROMPT) {
        canvas_fill(cv, row, 0, l->cols, STYLE_NORMAL);
        int col = canvas_text(cv, row, 0, -1, STYLE_HEADER, con->prompt.label);
        /* The text scrolls so that the cursor stays on screen. */
        int cur = prompt_cursor_col(&con->prompt), room = l->cols - col - 1;
        int shift = cur > room ? cur - room : 0;
        const char *t = con->prompt.text;
        for (int skipped = 0; skipped < shift && *t != '\0'; t++)
            if (((unsigned char)*t & 0xc0) != 0x80)
                skipped++;
        int shown = canvas_text(cv, row, col, room + 1, STYLE_NORMAL, t);
        /* A selected value shows as selected text: typing replaces it. */
        if (con->prompt.selected)
            canvas_restyle(cv, row, col, shown, STYLE_SELECTED);
        *cursor_row = row;
        *cursor_col = col + cur - shift;
        return;
    }
    if (con->ntyped > 0 && con->await_drive < con->ndrives) {
        const struct console_drive *d = &con->drives[con->await_drive];
        char job[200] = "";
        if (d->busy)
            snprintf(job, sizeof job, " (%s, %.1fs)", d->busy_job,
                     con->now - d->busy_since);
        canvas_fill(cv, row, 0, l->cols, STYLE_WARNING);
        canvas_printf(cv, row, 0, l->cols, STYLE_WARNING,
                      " %zu key%s waiting for %s%s: Esc drops them, Ctrl-C "
                      "leaves",
                      con->ntyped, con->ntyped == 1 ? "" : "s", d->snap.uri,
                      job);
        return;
    }
    /* In screen order; a narrow screen keeps the first-ranked ones, so
     * that help and quit are always there (F1 lists the rest). */
    static const struct {
        const char *key, *what;
        int rank;
    } hints[] = {
        { "F1", "help", 0 }, { "Tab", "pane", 8 },   { "Enter", "select", 4 },
        { "e", "edit", 3 },  { "c", "commit", 2 },   { "d", "discard", 5 },
        { "u", "undo", 6 },  { "D", "defaults", 9 }, { "x", "hex", 10 },
        { "L", "log", 11 },  { ":", "command", 7 },  { "q", "quit", 1 },
    };
    enum {
        NHINTS = sizeof hints / sizeof hints[0]
    };
    bool shown[NHINTS] = { false };
    /* Room for the count of tagged drives ("12 tagged"). */
    int width = console_tagged(con) > 0 ? 12 : 0;
    for (int rank = 0; rank < NHINTS; rank++)
        for (int i = 0; i < NHINTS; i++) {
            int need = (int)(strlen(hints[i].key) + strlen(hints[i].what)) + 2;
            if (hints[i].rank == rank && width + need <= l->cols) {
                shown[i] = true;
                width += need;
            }
        }
    int col = 0;
    /* The tagged drives, which c, u and D act on, are counted first. */
    size_t tagged = console_tagged(con);
    if (tagged > 0)
        col +=
            canvas_printf(cv, row, col, -1, STYLE_KEY, " %zu tagged ", tagged);
    for (int i = 0; i < NHINTS; i++) {
        if (!shown[i])
            continue;
        col += canvas_text(cv, row, col, -1, STYLE_KEY, hints[i].key);
        col +=
            canvas_printf(cv, row, col, -1, STYLE_TITLE, " %s ", hints[i].what);
    }
}

void
view_message(const struct console *con, struct canvas *cv,
             const struct layout *l)
{
    int row = l->message_row;
    canvas_fill(cv, row, 0, l->cols, STYLE_NORMAL);
    if (con->mode == MODE_PROMPT && con->prompt_check[0] != '\0') {
        /* What is wrong with the value typed ends with how to write it:
         * too long for the message line, it takes the help rows above
         * it, where the field's help would be, rather than be cut. */
        int room = l->help_rows + 1;
        int n = view_wrap(NULL, 0, 1, l->cols - 2, room, STYLE_ERROR,
                          con->prompt_check);
        for (int r = row - n + 1; r <= row; r++)
            canvas_fill(cv, r, 0, l->cols, STYLE_NORMAL);
        view_wrap(cv, row - n + 1, 1, l->cols - 2, room, STYLE_ERROR,
                  con->prompt_check);
        return;
    }
    if (con->mode == MODE_PROMPT && con->ncompletions > 0) {
        int col = 1;
        for (size_t i = 0; i < con->ncompletions && col < l->cols - 1; i++)
            col += canvas_printf(cv, row, col, l->cols - 1 - col, STYLE_NORMAL,
                                 "%s  ", con->completions[i]);
        return;
    }
    if (con->nlog == 0)
        return;
    const struct log_entry *e = &con->log[con->nlog - 1];
    view_cell(cv, row, 1, l->cols - 2, e->is_error ? STYLE_ERROR : STYLE_NORMAL,
              e->text);
}
