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

void
view_compare_screen(const struct console *con, struct canvas *cv,
                    const struct layout *l)
{
    const struct console_compare *c = &con->compare;
    struct field_ref *refs = NULL;
    const struct compare_drive *first;
    size_t nrows = console_compare_rows(con, &refs, &first);
    char value[96], ref[96], why[1200];

    canvas_clear(cv, STYLE_NORMAL);
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    view_cell(cv, 0, 1, l->cols - 2, STYLE_TITLE, c->title);

    /* Each drive's column as wide as its widest value or its URI, within
     * bounds; as many as fit from the one scrolled to. */
    size_t ndrives = c->ndrives;
    int *widths = xcalloc(ndrives ? ndrives : 1, sizeof *widths);
    for (size_t d = 0; d < ndrives; d++) {
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
    int field_w = refs != NULL ? 10 : 6;
    /* The drives that could not be read say why under the table, whole,
     * in up to a third of the screen. */
    int error_rows = 0, most = (l->rows - 3) / 3;
    for (size_t d = 0; d < ndrives; d++)
        if (c->drives[d].error != NULL)
            error_rows +=
                view_wrap(NULL, 0, 0, l->cols - 2, most, STYLE_ERROR,
                          view_compare_error(&c->drives[d], why, sizeof why));
    if (error_rows > most)
        error_rows = most;
    int errors_top = l->rows - 1 - error_rows;
    int height = errors_top - 2;

    canvas_fill(cv, 1, 0, l->cols, STYLE_HEADER);
    canvas_text(cv, 1, 1, field_w, STYLE_HEADER, refs ? "FIELD" : "BYTE");
    size_t left = c->left < ndrives ? c->left : 0;
    int col = 1 + field_w;
    size_t shown_to = left;
    for (size_t d = left; d < ndrives && col + widths[d] <= l->cols; d++) {
        view_cell(cv, 1, col, widths[d] - 1, STYLE_HEADER, c->drives[d].uri);
        col += widths[d];
        shown_to = d + 1;
    }
    size_t top = c->top < nrows ? c->top : 0;
    if (height > 0 && nrows > (size_t)height && top + (size_t)height > nrows)
        top = nrows - (size_t)height;
    for (int i = 0; i < height && top + (size_t)i < nrows; i++) {
        size_t r = top + (size_t)i;
        int rr = 2 + i;
        if (refs != NULL)
            view_cell(cv, rr, 1, field_w - 1, STYLE_NORMAL, refs[r].acronym);
        else
            canvas_printf(cv, rr, 1, field_w - 1, STYLE_NORMAL, "%zu", r);
        ref[0] = '\0';
        if (first != NULL)
            view_compare_value(first, refs, r, ref, sizeof ref);
        col = 1 + field_w;
        for (size_t d = left; d < shown_to; d++) {
            view_compare_value(&c->drives[d], refs, r, value, sizeof value);
            /* Differing from the first drive with values: marked, with
             * or without colour; a drive without the value differs too. */
            bool differs = first != NULL && &c->drives[d] != first &&
                           c->drives[d].page != NULL && strcmp(value, ref) != 0;
            char cell[100];
            snprintf(cell, sizeof cell, "%s%s", differs ? "*" : "", value);
            view_cell(cv, rr, col, widths[d] - 1,
                      differs ? STYLE_WARNING : STYLE_NORMAL, cell);
            col += widths[d];
        }
    }
    int row = errors_top;
    for (size_t d = 0; d < ndrives && row < l->rows - 1; d++) {
        if (c->drives[d].error == NULL)
            continue;
        row +=
            view_wrap(cv, row, 1, l->cols - 2, l->rows - 1 - row, STYLE_ERROR,
                      view_compare_error(&c->drives[d], why, sizeof why));
    }
    canvas_fill(cv, l->rows - 1, 0, l->cols, STYLE_TITLE);
    /* The drive compared with is named: the first tagged one may have no
     * values. */
    /* While reads are out, keys typed wait for them, as the fleet's. */
    char reading[96] = "";
    size_t out = 0;
    for (size_t d = 0; d < ndrives; d++)
        out += c->drives[d].seq != 0;
    if (out > 0)
        snprintf(reading, sizeof reading, "reading: %zu of %zu answered%s   ",
                 ndrives - out, ndrives,
                 con->ntyped > 0 ? "; keys typed wait" : "");
    char *footer = xasprintf(
        "%s%s%s   Up/Down fields%s   r reads again   Esc returns", reading,
        first != NULL ? "* differs from " : "", first != NULL ? first->uri : "",
        left > 0 || shown_to < ndrives ? "   Left/Right drives" : "");
    view_cell(cv, l->rows - 1, 1, l->cols - 2, STYLE_TITLE, footer);
    free(footer);
    free(widths);
    free(refs);
}
