#include "ui/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"
#include "engine/unit.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

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

/* The pages pane is at least this wide; the fields pane keeps at least
 * the other, or the third when it shows the fields' names. */
#define VIEW_PAGES_MIN       26
#define VIEW_FIELDS_MIN      54
#define VIEW_FIELDS_WIDE_MIN 78
/* A page's row around its name: the marker, the code and a space before,
 * then a space, the length and flags ("%3zu %c%c") and the pane's rule. */
#define VIEW_PAGE_TAIL 6

static const char *view_page_name(const struct console *con,
                                  const struct drive_snapshot *s,
                                  const struct mode_page_info *mp,
                                  bool *has_def);

/* Columns the pages pane needs to show every page name whole. */
static int
view_pages_width(const struct console *con)
{
    int most = 0;

    if (con->ndrives == 0)
        return 0;
    const struct drive_snapshot *s = &con->drives[con->drive_cursor].snap;
    for (size_t i = 0; i < s->npages; i++) {
        bool has_def;
        const struct mode_page_info *mp = &s->pages[i];
        char code[PAGENAMES_CODE_LEN];
        pagenames_code(mp->code, mp->subpage, code);
        int w = 1 + canvas_text_width(code) + 1 +
                canvas_text_width(view_page_name(con, s, mp, &has_def)) + 1 +
                VIEW_PAGE_TAIL + 1;
        if (w > most)
            most = w;
    }
    return most;
}

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

static const char *view_changeable(int state);

/* What each value column of the field table needs to show every value
 * of the page in view whole, its header and the gap after it included,
 * and then the CHG column, the last, which needs no gap; all 0 when no
 * field table is shown. */
static void
view_values_need(const struct console *con, int need[4])
{
    const struct field_model *m = &con->fields;
    static const char *const headers[4] = { "CURRENT", "DEFAULT", "SAVED",
                                            "CHG" };

    need[0] = need[1] = need[2] = need[3] = 0;
    if (con->ndrives == 0 || con->show_hex || !m->has_def ||
        !con->drives[con->drive_cursor].snap.has_page)
        return;
    for (int k = 0; k < 4; k++)
        need[k] = canvas_text_width(headers[k]) + (k < 3);
    for (size_t i = 0; i < m->nrows; i++) {
        const struct field_row *fr = &m->rows[i];
        const char *values[4] = {
            fr->change == FIELD_CHANGE_STAGED ? fr->staged : fr->current,
            fr->deflt, fr->saved, view_changeable(fr->changeable)
        };
        for (int k = 0; k < 4; k++) {
            int w = canvas_text_width(values[k]) + (k < 3);
            if (w > need[k])
                need[k] = w;
        }
    }
}

/* Columns the field table needs to show every value whole, with the
 * fields' names at their narrowest when 'wide'. */
static int
view_fields_need(const struct console *con, bool wide)
{
    int need[4];

    view_values_need(con, need);
    if (need[0] == 0)
        return 0;
    return 2 + 10 + (wide ? VIEW_NAME_MIN : 0) + need[0] + need[1] + need[2] +
           need[3];
}

static void
view_layout(const struct console *con, int rows, int cols, struct layout *l)
{
    memset(l, 0, sizeof *l);
    l->rows = rows;
    l->cols = cols;
    l->wide = cols >= 110;
    l->keys_row = rows - 1;
    l->message_row = rows - 2;
    l->help_rows = rows >= 34 ? 4 : rows >= 28 ? 3 : 2;
    /* An error takes the room it needs, up to five rows: HRESULT,
     * meaning, sense and field, then what to try. */
    if (con->has_error && l->help_rows < 5)
        l->help_rows = rows >= 24 ? 5 : 3;
    l->help_top = l->message_row - l->help_rows;
    l->drives_top = 1;
    int avail = l->help_top - 2;
    int want = con->ndrives > 0 ? (int)con->ndrives : 1;
    int most = avail / 3 > 3 ? avail / 3 : 3;
    l->drives_rows = want < most ? want : most;
    l->body_top = l->drives_top + 1 + l->drives_rows;
    l->body_rows = l->help_top - l->body_top;
    /* The pages pane is as wide as the drive's longest page name needs,
     * as far as the fields leave room. */
    int most_pages = cols - (l->wide ? VIEW_FIELDS_WIDE_MIN : VIEW_FIELDS_MIN);
    l->pages_cols = view_pages_width(con);
    if (l->pages_cols > most_pages)
        l->pages_cols = most_pages;
    /* A value cut is worse than a page name cut (the page's title shows
     * it whole): the pages pane gives up width, down to its minimum,
     * before the field table cuts a value. */
    int fields_need = view_fields_need(con, l->wide);
    if (fields_need > cols - l->pages_cols)
        l->pages_cols = cols - fields_need;
    if (l->pages_cols < VIEW_PAGES_MIN)
        l->pages_cols = VIEW_PAGES_MIN;
}

/* The first row to show so that 'cursor' is visible in 'height' rows. */
static size_t
view_scroll(size_t cursor, size_t count, int height)
{
    if (height <= 0 || count <= (size_t)height || cursor < (size_t)height / 2)
        return 0;
    size_t top = cursor - (size_t)height / 2;
    if (top + (size_t)height > count)
        top = count - (size_t)height;
    return top;
}

static void
view_title(const struct console *con, struct canvas *cv, const struct layout *l)
{
    canvas_fill(cv, 0, 0, l->cols, STYLE_TITLE);
    int col = canvas_text(cv, 0, 0, -1, STYLE_TITLE, " modecon");
    if (con->ndrives == 0) {
        canvas_text(cv, 0, col, -1, STYLE_TITLE, "  no drives");
        return;
    }
    const struct console_drive *d = &con->drives[con->drive_cursor];
    const struct drive_snapshot *s = &d->snap;
    char media[64];
    model_media_text(s, media, sizeof media);
    if (s->identified)
        canvas_printf(cv, 0, col, -1, STYLE_TITLE, "  %s  %s %s %s  %s", s->uri,
                      s->id.vendor, s->id.product, s->id.revision, media);
    else
        canvas_printf(cv, 0, col, -1, STYLE_TITLE, "  %s", s->uri);
}

/* A table cell: text cut to 'width' columns, with "~" at the cut. */
static void
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
static void
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

static void
view_header(struct canvas *cv, int row, int col, int width, const char *text,
            bool focused)
{
    canvas_fill(cv, row, col, width, STYLE_HEADER);
    canvas_printf(cv, row, col, width, STYLE_HEADER, "%s%s",
                  focused ? "> " : "  ", text);
}

/* The drives table: the URI column (indent and gap included) is at least
 * this wide, and leaves the medium column at least the other. */
#define VIEW_URI_MIN    22
#define VIEW_MEDIUM_MIN 24

static void
view_drives(const struct console *con, struct canvas *cv,
            const struct layout *l)
{
    int row = l->drives_top, w_tp = 6, w_vend = 9, w_prod = 17, w_rev = 5;
    char head[160];

    /* The URI column grows to the longest URI (an iSCSI one or a file's
     * path is long), as far as the room left for the medium allows. */
    int w_uri = VIEW_URI_MIN, longest = 0;
    for (size_t n = 0; n < con->ndrives; n++) {
        int w = canvas_text_width(con->drives[n].snap.uri);
        if (w > longest)
            longest = w;
    }
    int room = l->cols - (w_tp + w_vend + w_prod + w_rev) - VIEW_MEDIUM_MIN;
    if (longest + 3 > w_uri)
        w_uri = longest + 3 < room ? longest + 3 : room;
    if (w_uri < VIEW_URI_MIN)
        w_uri = VIEW_URI_MIN;

    snprintf(head, sizeof head, "%-*s%-*s%-*s%-*s%-*s%s", w_uri - 2, "Drives",
             w_tp, "LINK", w_vend, "VENDOR", w_prod, "PRODUCT", w_rev, "REV",
             "MEDIUM");
    view_header(cv, row, 0, l->cols, head, con->focus == PANE_DRIVES);
    size_t top = view_scroll(con->drive_cursor, con->ndrives, l->drives_rows);
    for (int i = 0; i < l->drives_rows; i++) {
        size_t n = top + (size_t)i;
        int r = row + 1 + i;
        if (n >= con->ndrives)
            break;
        const struct console_drive *d = &con->drives[n];
        const struct drive_snapshot *s = &d->snap;
        bool at = n == con->drive_cursor;
        enum style st =
            at ? (con->focus == PANE_DRIVES ? STYLE_SELECTED : STYLE_CURSOR)
               : STYLE_NORMAL;
        char state[700];
        enum style state_style = st;
        canvas_fill(cv, r, 0, l->cols, st);
        view_cell(cv, r, 2, w_uri - 3, st, s->uri);
        view_cell(cv, r, w_uri, w_tp - 1, st, s->scheme);
        if (s->identified) {
            view_cell(cv, r, w_uri + w_tp, w_vend - 1, st, s->id.vendor);
            view_cell(cv, r, w_uri + w_tp + w_vend, w_prod - 1, st,
                      s->id.product);
            view_cell(cv, r, w_uri + w_tp + w_vend + w_prod, w_rev - 1, st,
                      s->id.revision);
        }
        if (d->busy) {
            snprintf(state, sizeof state, "busy %.1fs: %s",
                     con->now - d->busy_since, d->busy_job);
            if (!at)
                state_style = STYLE_WARNING;
        } else if (!s->identified && s->failed) {
            snprintf(state, sizeof state, "failed: %s",
                     hresult_name(s->error.hr));
            if (!at)
                state_style = STYLE_ERROR;
        } else {
            model_media_text(s, state, sizeof state);
        }
        int at_col = w_uri + w_tp + w_vend + w_prod + w_rev;
        view_cell(cv, r, at_col, l->cols - at_col, state_style, state);
    }
}

/* The page's name from its definition; none without one. */
static const char *
view_page_name(const struct console *con, const struct drive_snapshot *s,
               const struct mode_page_info *mp, bool *has_def)
{
    const struct page_def *pd = NULL;
    if (con->ctx != NULL && con->ctx->pagedb_loaded)
        pd = pagenames_def(&con->ctx->pagedb, mp->code, mp->subpage, &s->id);
    *has_def = pd != NULL;
    return pd != NULL ? pd->name : "";
}

static void
view_pages(const struct console *con, struct canvas *cv, const struct layout *l)
{
    int w = l->pages_cols - 1;
    view_header(cv, l->body_top, 0, w, "Pages", con->focus == PANE_PAGES);
    if (con->ndrives == 0)
        return;
    const struct drive_snapshot *s = &con->drives[con->drive_cursor].snap;
    int height = l->body_rows - 1;
    if (!s->pages_known) {
        canvas_text(cv, l->body_top + 1, 2, w - 2, STYLE_LOCKED,
                    s->failed ? "(no answer)" : "(asking...)");
        return;
    }
    size_t top = view_scroll(con->page_cursor, s->npages, height);
    for (int i = 0; i < height && top + (size_t)i < s->npages; i++) {
        size_t n = top + (size_t)i;
        const struct mode_page_info *mp = &s->pages[n];
        int r = l->body_top + 1 + i;
        bool at = n == con->page_cursor;
        bool shown =
            s->has_page && s->code == mp->code && s->subpage == mp->subpage;
        enum style st =
            at ? (con->focus == PANE_PAGES ? STYLE_SELECTED : STYLE_CURSOR)
               : STYLE_NORMAL;
        bool has_def;
        const char *name = view_page_name(con, s, mp, &has_def);
        char code[PAGENAMES_CODE_LEN], tail[16];
        pagenames_code(mp->code, mp->subpage, code);
        /* length, S savable, ? no definition */
        snprintf(tail, sizeof tail, "%3zu %c%c", mp->length,
                 mp->savable ? 'S' : ' ', has_def ? ' ' : '?');
        canvas_fill(cv, r, 0, w, st);
        canvas_text(cv, r, 0, 1, st, shown ? ">" : " ");
        canvas_text(cv, r, 1, (int)strlen(code), st, code);
        int name_col = 1 + (int)strlen(code) + 1;
        int tail_w = (int)strlen(tail);
        view_name_cell(cv, r, name_col, w - name_col - tail_w - 1,
                       has_def ? st : (at ? st : STYLE_LOCKED), name);
        canvas_text(cv, r, w - tail_w, tail_w, st, tail);
    }
}

/* The field table's columns in 'width': each value column as wide as
 * its widest value, the room left shared among them; the fields' names
 * (when 'wide') narrow first when the values need it; only when the values do
 * not fit whole, even with the names narrowed, are they cut, the current ones
 * least. */
static void
view_field_cols(const struct console *con, int width, bool wide,
                struct field_cols *fc)
{
    int need[4];

    fc->mark = 2;
    fc->field = 10;
    fc->chg = 4;
    fc->name = wide ? VIEW_NAME_COLS : 0;
    view_values_need(con, need);
    if (need[0] > 0)
        fc->chg = need[3];
    int fixed = fc->mark + fc->field + fc->chg;
    int values = need[0] + need[1] + need[2];
    if (need[0] > 0 && fixed + fc->name + values > width && wide &&
        fixed + VIEW_NAME_MIN + values <= width)
        fc->name = width - fixed - values;
    if (need[0] > 0 && fixed + fc->name + values <= width) {
        int extra = width - fixed - fc->name - values;
        fc->deflt = need[1] + extra / 3;
        fc->saved = need[2] + extra / 3;
        fc->current = need[0] + extra - 2 * (extra / 3);
        return;
    }
    int rest = width - fc->mark - fc->field - fc->chg - fc->name;
    /* Too narrow for three readable values side by side: the current
     * ones alone, whole, rather than three cut to a letter or two. */
    if (rest < 3 * VIEW_VALUE_MIN) {
        fc->current = rest;
        fc->deflt = fc->saved = 0;
        return;
    }
    fc->current = rest * 2 / 5;
    fc->deflt = (rest - fc->current) / 2;
    fc->saved = rest - fc->current - fc->deflt;
}

static const char *
view_changeable(int state)
{
    switch (state) {
    case 1:
        return "yes";
    case 0:
        return "no";
    case -1:
        return "part";
    default:
        return "-";
    }
}

static void
view_hex(const struct console *con, struct canvas *cv, int top, int left,
         int width, int height)
{
    const struct drive_snapshot *s = &con->drives[con->drive_cursor].snap;
    const uint8_t *page = s->staged ? s->staged : s->values[0];
    size_t len = s->lens[0];
    const struct field_row *fr = console_field(con);
    int per_row = width >= 5 + 16 * 3 ? 16 : 8;
    size_t first = 0, last = 0;
    unsigned bit_hi = 0, bit_lo = 0;

    if (fr != NULL) {
        size_t bits = fr->ref.fd->width;
        first = fr->ref.base + fr->ref.fd->byte;
        size_t end_bit = (7 - fr->ref.fd->bit) + bits; /* from first's MSB */
        last = first + (end_bit - 1) / 8;
        bit_hi = fr->ref.fd->bit;
        bit_lo = (unsigned)((8 - end_bit % 8) % 8);
    }
    int rows_needed = (int)((len + (size_t)per_row - 1) / (size_t)per_row);
    for (int r = 0; r < height - 1 && r < rows_needed; r++) {
        size_t at = (size_t)r * (size_t)per_row;
        canvas_printf(cv, top + r, left, 5, STYLE_HEADER, "%02zx:", at);
        for (int b = 0; b < per_row && at + (size_t)b < len; b++) {
            size_t i = at + (size_t)b;
            bool in = fr != NULL && i >= first && i <= last;
            canvas_printf(cv, top + r, left + 5 + b * 3, 2,
                          in ? STYLE_HIGHLIGHT : STYLE_NORMAL, "%02x", page[i]);
        }
    }
    if (fr == NULL || rows_needed >= height)
        return;
    /* The field's bits within its first byte, most significant first. */
    int row = top + rows_needed, col = left;
    col += canvas_printf(cv, row, col, -1, STYLE_NORMAL, "%s: byte %zu bits ",
                         fr->ref.acronym, first);
    for (int bit = 7; bit >= 0; bit--) {
        bool in = first == last ? (bit <= (int)bit_hi && bit >= (int)bit_lo)
                                : bit <= (int)bit_hi;
        col +=
            canvas_printf(cv, row, col, 1, in ? STYLE_HIGHLIGHT : STYLE_NORMAL,
                          "%d", (page[first] >> bit) & 1);
    }
    if (last > first)
        canvas_printf(cv, row, col, -1, STYLE_NORMAL, " to byte %zu bit %u",
                      last, bit_lo);
}

/* Values older than this (seconds) show their age: more than two polls
 * missed. */
#define VIEW_STALE_S 5

static void
view_fields(const struct console *con, struct canvas *cv,
            const struct layout *l)
{
    int left = l->pages_cols, width = l->cols - left;
    const struct field_model *m = &con->fields;
    const struct drive_snapshot *s =
        con->ndrives ? &con->drives[con->drive_cursor].snap : NULL;

    for (int r = l->body_top; r < l->body_top + l->body_rows; r++)
        canvas_text(cv, r, left - 1, 1, STYLE_HEADER, "|");
    if (s == NULL || !s->has_page || m->title[0] == '\0') {
        view_header(cv, l->body_top, left, width, "Fields",
                    con->focus == PANE_FIELDS);
        canvas_text(cv, l->body_top + 1, left + 2, width - 2, STYLE_LOCKED,
                    s && s->pages_known ? "Enter on a page shows its fields"
                                        : "");
        return;
    }
    char title[320], age[48] = "";
    /* Values the poll has not confirmed for a while say how old they
     * are: a drive busy or not answering keeps them from being read. */
    double old = con->now - s->read_at;
    if (s->read_at > 0 && old >= VIEW_STALE_S)
        snprintf(age, sizeof age, ", read %.0f s ago", old);
    /* What a narrow pane must not cut comes first: the page, whether
     * edits are staged and how old the values are; its length and
     * whether it is savable (also the pages pane's S) last. */
    snprintf(title, sizeof title, "%s%s%s, %s", m->title,
             s->nstage_words ? " [staged]" : "", age, m->detail);
    view_header(cv, l->body_top, left, width, title, con->focus == PANE_FIELDS);
    int top = l->body_top + 1, height = l->body_rows - 1;
    bool hex_below = l->rows >= 40 && !con->show_hex;
    if (con->show_hex || !m->has_def) {
        view_hex(con, cv, top, left + 1, width - 1, height);
        return;
    }
    int hex_rows = 0;
    if (hex_below) {
        hex_rows = (int)((s->lens[0] + 15) / 16) + 2;
        height -= hex_rows;
    }
    struct field_cols fc;
    view_field_cols(con, width, l->wide, &fc);
    int c = left;
    canvas_fill(cv, top, left, width, STYLE_HEADER);
    canvas_text(cv, top, c += fc.mark, fc.field, STYLE_HEADER, "FIELD");
    c += fc.field;
    if (fc.name) {
        canvas_text(cv, top, c, fc.name, STYLE_HEADER, "NAME");
        c += fc.name;
    }
    canvas_text(cv, top, c, fc.current, STYLE_HEADER, "CURRENT");
    canvas_text(cv, top, c += fc.current, fc.deflt, STYLE_HEADER, "DEFAULT");
    canvas_text(cv, top, c += fc.deflt, fc.saved, STYLE_HEADER, "SAVED");
    canvas_text(cv, top, c += fc.saved, fc.chg, STYLE_HEADER, "CHG");
    size_t first = view_scroll(con->field_cursor, m->nrows, height - 1);
    for (int i = 0; i < height - 1 && first + (size_t)i < m->nrows; i++) {
        size_t n = first + (size_t)i;
        const struct field_row *fr = &m->rows[n];
        int r = top + 1 + i;
        bool at = n == con->field_cursor;
        enum style st = fr->changeable == 0 ? STYLE_LOCKED : STYLE_NORMAL;
        if (at)
            st = con->focus == PANE_FIELDS ? STYLE_SELECTED : STYLE_CURSOR;
        enum style vst = st;
        const char *mark = " ";
        if (fr->rejected) {
            mark = "X";
            vst = at ? st : STYLE_ERROR;
        } else if (fr->change == FIELD_CHANGE_STAGED) {
            mark = "*";
            vst = at ? st : STYLE_STAGED;
        } else if (fr->change == FIELD_CHANGE_APPLIED) {
            mark = "+";
            vst = at ? st : STYLE_APPLIED;
        } else if (fr->change == FIELD_CHANGE_NOT_APPLIED) {
            mark = "!";
            vst = at ? st : STYLE_ERROR;
        } else if (fr->change == FIELD_CHANGE_OUTSIDE) {
            mark = "^";
            vst = at ? st : STYLE_WARNING;
        }
        canvas_fill(cv, r, left, width, st);
        canvas_text(cv, r, left, 1, vst, mark);
        c = left + fc.mark;
        view_cell(cv, r, c, fc.field - 1, st, fr->ref.acronym);
        c += fc.field;
        if (fc.name) {
            view_name_cell(cv, r, c, fc.name - 1, st,
                           fr->ref.fd->name ? fr->ref.fd->name : "");
            c += fc.name;
        }
        view_cell(cv, r, c, fc.current - 1, vst,
                  fr->change == FIELD_CHANGE_STAGED ? fr->staged : fr->current);
        view_cell(cv, r, c += fc.current, fc.deflt - 1, st, fr->deflt);
        view_cell(cv, r, c += fc.deflt, fc.saved - 1, st, fr->saved);
        view_cell(cv, r, c += fc.saved, fc.chg, st,
                  view_changeable(fr->changeable));
    }
    if (hex_below)
        view_hex(con, cv, top + height, left + 1, width - 1, hex_rows);
}

/* How much of 'text' goes on a row of 'width' when wrapping: up to the
 * last space that fits, or the width when there is none. */
static size_t
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
static int
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

static void
view_help(const struct console *con, struct canvas *cv, const struct layout *l)
{
    int row = l->help_top, rows = l->help_rows;

    for (int r = row; r < row + rows; r++)
        canvas_fill(cv, r, 0, l->cols, STYLE_NORMAL);
    if (con->has_error) {
        int used = 0;
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
        return;
    }
    const struct field_row *fr = console_field(con);
    if (fr == NULL)
        return;
    const struct field_def *fd = fr->ref.fd;
    char line[512], range[96] = "";
    size_t byte = fr->ref.base + fd->byte;
    if (fd->width == 1)
        snprintf(range, sizeof range, "byte %zu bit %u", byte, fd->bit);
    else if (fd->bit + 1 >= fd->width)
        snprintf(range, sizeof range, "byte %zu bits %u-%u", byte, fd->bit,
                 fd->bit + 1 - fd->width);
    else
        snprintf(range, sizeof range, "bytes %zu-%zu", byte,
                 byte + (fd->width - fd->bit - 1 + 7) / 8);
    int col =
        canvas_printf(cv, row, 1, -1, STYLE_HEADER, "%s", fr->ref.acronym);
    char step[64];
    unit_step(fd, step, sizeof step);
    snprintf(line, sizeof line, " %s: %s, %s%s%s; %s", fd->name ? fd->name : "",
             range, field_kind_name(fd->kind),
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
        snprintf(line + strlen(line), sizeof line - strlen(line), "; %s..%s",
                 lo, hi);
    }
    if (fr->change == FIELD_CHANGE_STAGED)
        snprintf(line + strlen(line), sizeof line - strlen(line),
                 "; staged %s -> %s", fr->current, fr->staged);
    else if (fr->change == FIELD_CHANGE_APPLIED)
        snprintf(line + strlen(line), sizeof line - strlen(line),
                 "; the drive applied the last commit");
    else if (fr->change == FIELD_CHANGE_NOT_APPLIED)
        snprintf(line + strlen(line), sizeof line - strlen(line),
                 "; the drive did NOT apply the last commit");
    else if (fr->change == FIELD_CHANGE_OUTSIDE)
        snprintf(line + strlen(line), sizeof line - strlen(line),
                 "; changed on the drive, not by this console (%s)", fr->was);
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

static void
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
    int width = 0;
    for (int rank = 0; rank < NHINTS; rank++)
        for (int i = 0; i < NHINTS; i++) {
            int need = (int)(strlen(hints[i].key) + strlen(hints[i].what)) + 2;
            if (hints[i].rank == rank && width + need <= l->cols) {
                shown[i] = true;
                width += need;
            }
        }
    int col = 0;
    for (int i = 0; i < NHINTS; i++) {
        if (!shown[i])
            continue;
        col += canvas_text(cv, row, col, -1, STYLE_KEY, hints[i].key);
        col +=
            canvas_printf(cv, row, col, -1, STYLE_TITLE, " %s ", hints[i].what);
    }
}

static void
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

static void
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
static void
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

static void
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

static void
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
static void
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
