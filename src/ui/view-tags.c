/* The tagged drives' screens: a commit, undo or defaults for all of them
 * (each drive's pre-check, then its outcome), and the page in view
 * compared across them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/view-internal.h"
#include "util/xmalloc.h"

/* A drive's state in a word or two, and how it is drawn; the words say
 * it without colour. */
static const char *
view_fleet_state(const struct console_fleet *f, const struct fleet_drive *fd,
                 enum style *style)
{
    *style = STYLE_NORMAL;
    switch (fd->state) {
    case FLEET_WAITING:
        *style = STYLE_WARNING;
        return f->phase == FLEET_CHECKING ? "checking" : "sending";
    case FLEET_PASSES:
        *style = STYLE_APPLIED;
        return "applies";
    case FLEET_REFUSED:
        *style = STYLE_ERROR;
        return "REFUSED";
    case FLEET_UNREADABLE:
        *style = STYLE_ERROR;
        return "NO ANSWER";
    case FLEET_LEFT:
        return "not sent";
    case FLEET_APPLIED:
        *style = STYLE_APPLIED;
        return "applied";
    case FLEET_UNCHANGED:
        return "no change";
    case FLEET_NOT_APPLIED:
        *style = STYLE_ERROR;
        return "NOT APPLIED";
    case FLEET_FAILED:
        *style = STYLE_ERROR;
        return "FAILED";
    }
    return "";
}

/* The state column's width: its longest word and a gap. */
#define VIEW_FLEET_STATE 14

/* The key bar of the fleet screen, for its phase. */
static void
view_fleet_footer(const struct console *con, char *buf, size_t len)
{
    const struct console_fleet *f = &con->fleet;
    size_t passes = console_fleet_count(f, FLEET_PASSES);
    char typed[64] = "", dropped[64] = "";

    if (con->ntyped > 0)
        snprintf(typed, sizeof typed, "; %zu key%s typed wait", con->ntyped,
                 con->ntyped == 1 ? "" : "s");
    switch (f->phase) {
    case FLEET_CHECKING:
        snprintf(buf, len,
                 "dry runs: %zu of %zu answered%s   Esc leaves, nothing is "
                 "sent",
                 f->ndrives - console_fleet_count(f, FLEET_WAITING), f->ndrives,
                 typed);
        break;
    case FLEET_READY:
        if (f->dropped > 0)
            snprintf(dropped, sizeof dropped,
                     "%zu key%s typed before dropped   ", f->dropped,
                     f->dropped == 1 ? "" : "s");
        if (passes == 0)
            snprintf(buf, len,
                     "%sno drive passed: any key leaves, nothing is "
                     "sent",
                     dropped);
        else
            snprintf(buf, len,
                     "%sy send to the %zu drive%s that passed   any other key "
                     "leaves, nothing is sent",
                     dropped, passes, passes == 1 ? "" : "s");
        break;
    case FLEET_SENDING:
        snprintf(buf, len, "sending: %zu of %zu answered%s",
                 f->ndrives - console_fleet_count(f, FLEET_WAITING), f->ndrives,
                 typed);
        break;
    case FLEET_DONE:
        snprintf(buf, len,
                 "%zu applied, %zu unchanged, %zu not applied, %zu failed, "
                 "%zu not sent   Esc returns",
                 console_fleet_count(f, FLEET_APPLIED),
                 console_fleet_count(f, FLEET_UNCHANGED),
                 console_fleet_count(f, FLEET_NOT_APPLIED),
                 console_fleet_count(f, FLEET_FAILED),
                 console_fleet_count(f, FLEET_REFUSED) +
                     console_fleet_count(f, FLEET_UNREADABLE) +
                     console_fleet_count(f, FLEET_LEFT));
        break;
    }
}

/* A drive's block: its state, URI and model on one row, then what its
 * dry run (or its command, once sent) said, indented and wrapped to
 * 'width'.  Returns the rows used. */
static int
view_fleet_drive(const struct console *con, struct canvas *cv, int row,
                 int rows, int width, const struct fleet_drive *fd)
{
    const struct console_fleet *f = &con->fleet;
    enum style style;
    const char *state = view_fleet_state(f, fd, &style);
    char head[256];
    int used = 1;

    if (rows <= 0)
        return 0;
    snprintf(head, sizeof head, "%s  %s%s", fd->uri, fd->model,
             fd->other_model ? "  (another model)" : "");
    view_cell(cv, row, 1, VIEW_FLEET_STATE - 2, style, state);
    view_cell(cv, row, VIEW_FLEET_STATE, width - VIEW_FLEET_STATE - 1,
              fd->other_model ? STYLE_WARNING : STYLE_NORMAL, head);
    const char *said = fd->state >= FLEET_APPLIED ? fd->outcome : fd->check;
    if (said == NULL)
        return used;
    /* Each line of it wraps under the URI. */
    for (const char *t = said; *t != '\0' && used < rows;) {
        size_t n = strcspn(t, "\n");
        char *line = xstrndup(t, n);
        used += view_wrap(cv, row + used, VIEW_FLEET_STATE + 2,
                          width - VIEW_FLEET_STATE - 3, rows - used,
                          STYLE_NORMAL, line);
        free(line);
        t += n;
        if (*t == '\n')
            t++;
    }
    return used;
}

void
view_fleet_screen(const struct console *con, struct canvas *cv,
                  const struct layout *l)
{
    const struct console_fleet *f = &con->fleet;
    char title[512], footer[256];
    int row = 1, last = l->rows - 1;

    canvas_clear(cv, STYLE_NORMAL);
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    /* The count first: a long page name is cut, never it. */
    snprintf(title, sizeof title, "%zu tagged drive%s: %s", f->ndrives,
             f->ndrives == 1 ? "" : "s", f->what);
    view_cell(cv, 0, 1, l->cols - 2, STYLE_TITLE, title);
    if (f->note != NULL)
        row += view_wrap(cv, row, 1, l->cols - 2, last - row, STYLE_WARNING,
                         f->note);
    size_t first = f->top < f->ndrives ? f->top : 0;
    if (first > 0 && row < last)
        canvas_printf(cv, row++, 1, l->cols - 2, STYLE_NORMAL,
                      "(%zu drive%s above)", first, first == 1 ? "" : "s");
    size_t k = first;
    for (; k < f->ndrives && row < last; k++)
        row +=
            view_fleet_drive(con, cv, row, last - row, l->cols, &f->drives[k]);
    view_fleet_footer(con, footer, sizeof footer);
    if (k < f->ndrives || first > 0)
        snprintf(footer + strlen(footer), sizeof footer - strlen(footer),
                 "   Up/Down scroll");
    canvas_fill(cv, last, 0, l->cols, STYLE_TITLE);
    view_cell(cv, last, 1, l->cols - 2, STYLE_TITLE, footer);
}

/* A comparison cell: the value, or byte, of row 'r' on drive 'cd'. */
static void
view_compare_value(const struct compare_drive *cd, const struct field_ref *refs,
                   size_t r, char *buf, size_t len)
{
    if (cd->page == NULL)
        snprintf(buf, len, "%s", cd->error != NULL ? "-" : "...");
    else if (refs == NULL)
        snprintf(buf, len, r < cd->len ? "%02x" : "-",
                 r < cd->len ? cd->page[r] : 0);
    else if (!field_fits(refs[r].fd, refs[r].base, cd->len))
        snprintf(buf, len, "-");
    else
        field_format(cd->page, &refs[r], buf, len);
}

/* Why drive 'cd' has no values, after its URI. */
static const char *
view_compare_error(const struct compare_drive *cd, char *buf, size_t len)
{
    snprintf(buf, len, "%s: %s", cd->uri, cd->error);
    return buf;
}

/* The widest a drive's column gets: a value is cut past it ("~"). */
#define VIEW_COMPARE_COL_MAX 24

/* Each drive's column as wide as its widest value or its URI, within
 * bounds (a new array). */
static int *
view_compare_widths(const struct console_compare *c,
                    const struct field_ref *refs, size_t nrows)
{
    int *widths = xcalloc(c->ndrives ? c->ndrives : 1, sizeof *widths);
    char value[96];

    for (size_t d = 0; d < c->ndrives; d++) {
        int w = canvas_text_width(c->drives[d].uri) + 2;
        for (size_t r = 0; r < nrows; r++) {
            view_compare_value(&c->drives[d], refs, r, value, sizeof value);
            if (canvas_text_width(value) + 3 > w)
                w = canvas_text_width(value) + 3;
        }
        widths[d] = w < 10                     ? 10
                    : w > VIEW_COMPARE_COL_MAX ? VIEW_COMPARE_COL_MAX
                                               : w;
    }
    return widths;
}

/* The rows the drives that could not be read take under the table, to
 * say why whole: up to a third of the screen. */
static int
view_compare_error_rows(const struct console_compare *c, const struct layout *l)
{
    int rows = 0, most = (l->rows - 3) / 3;
    char why[1200];

    for (size_t d = 0; d < c->ndrives; d++)
        if (c->drives[d].error != NULL)
            rows +=
                view_wrap(NULL, 0, 0, l->cols - 2, most, STYLE_ERROR,
                          view_compare_error(&c->drives[d], why, sizeof why));
    return rows > most ? most : rows;
}

/* What the table shows: its rows from 'top', its drives [left, shown_to),
 * each 'widths' wide after a field column 'field_w' wide. */
struct view_compare_table {
    const struct field_ref *refs;
    const struct compare_drive *first;
    const int *widths;
    int field_w;
    size_t left, shown_to, top;
};

static void
view_compare_row(const struct console_compare *c, struct canvas *cv,
                 const struct view_compare_table *t, int rr, size_t r)
{
    char value[96], ref[96] = "", cell[100];

    if (t->refs != NULL)
        view_cell(cv, rr, 1, t->field_w - 1, STYLE_NORMAL, t->refs[r].acronym);
    else
        canvas_printf(cv, rr, 1, t->field_w - 1, STYLE_NORMAL, "%zu", r);
    if (t->first != NULL)
        view_compare_value(t->first, t->refs, r, ref, sizeof ref);
    int col = 1 + t->field_w;
    for (size_t d = t->left; d < t->shown_to; d++) {
        view_compare_value(&c->drives[d], t->refs, r, value, sizeof value);
        /* Differing from the first drive with values: marked, with or
         * without colour; a drive without the value differs too. */
        bool differs = t->first != NULL && &c->drives[d] != t->first &&
                       c->drives[d].page != NULL && strcmp(value, ref) != 0;
        snprintf(cell, sizeof cell, "%s%s", differs ? "*" : "", value);
        view_cell(cv, rr, col, t->widths[d] - 1,
                  differs ? STYLE_WARNING : STYLE_NORMAL, cell);
        col += t->widths[d];
    }
}

/* The key bar: the drive compared with is named (the first tagged one
 * may have no values); while reads are out, keys typed wait for them, as
 * the fleet's do. */
static void
view_compare_footer(const struct console *con, struct canvas *cv,
                    const struct layout *l, const struct view_compare_table *t)
{
    const struct console_compare *c = &con->compare;
    char reading[96] = "";
    size_t out = 0;

    for (size_t d = 0; d < c->ndrives; d++)
        out += c->drives[d].seq != 0;
    if (out > 0)
        snprintf(reading, sizeof reading, "reading: %zu of %zu answered%s   ",
                 c->ndrives - out, c->ndrives,
                 con->ntyped > 0 ? "; keys typed wait" : "");
    canvas_fill(cv, l->rows - 1, 0, l->cols, STYLE_TITLE);
    char *footer = xasprintf(
        "%s%s%s   Up/Down fields%s   r reads again   Esc returns", reading,
        t->first != NULL ? "* differs from " : "",
        t->first != NULL ? t->first->uri : "",
        t->left > 0 || t->shown_to < c->ndrives ? "   Left/Right drives" : "");
    view_cell(cv, l->rows - 1, 1, l->cols - 2, STYLE_TITLE, footer);
    free(footer);
}

void
view_compare_screen(const struct console *con, struct canvas *cv,
                    const struct layout *l)
{
    const struct console_compare *c = &con->compare;
    struct field_ref *refs = NULL;
    const struct compare_drive *first;
    size_t nrows = console_compare_rows(con, &refs, &first);
    char why[1200];

    canvas_clear(cv, STYLE_NORMAL);
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    view_cell(cv, 0, 1, l->cols - 2, STYLE_TITLE, c->title);

    int *widths = view_compare_widths(c, refs, nrows);
    struct view_compare_table t = {
        .refs = refs,
        .first = first,
        .widths = widths,
        .field_w = refs != NULL ? 10 : 6,
        .left = c->left < c->ndrives ? c->left : 0,
    };
    int errors_top = l->rows - 1 - view_compare_error_rows(c, l);
    int height = errors_top - 2;

    /* The header, with as many drives as fit from the one scrolled to. */
    canvas_fill(cv, 1, 0, l->cols, STYLE_HEADER);
    canvas_text(cv, 1, 1, t.field_w, STYLE_HEADER, refs ? "FIELD" : "BYTE");
    int col = 1 + t.field_w;
    t.shown_to = t.left;
    for (size_t d = t.left; d < c->ndrives && col + widths[d] <= l->cols; d++) {
        view_cell(cv, 1, col, widths[d] - 1, STYLE_HEADER, c->drives[d].uri);
        col += widths[d];
        t.shown_to = d + 1;
    }
    t.top = c->top < nrows ? c->top : 0;
    if (height > 0 && nrows > (size_t)height && t.top + (size_t)height > nrows)
        t.top = nrows - (size_t)height;
    for (int i = 0; i < height && t.top + (size_t)i < nrows; i++)
        view_compare_row(c, cv, &t, 2 + i, t.top + (size_t)i);
    int row = errors_top;
    for (size_t d = 0; d < c->ndrives && row < l->rows - 1; d++) {
        if (c->drives[d].error == NULL)
            continue;
        row +=
            view_wrap(cv, row, 1, l->cols - 2, l->rows - 1 - row, STYLE_ERROR,
                      view_compare_error(&c->drives[d], why, sizeof why));
    }
    view_compare_footer(con, cv, l, &t);
    free(widths);
    free(refs);
}
