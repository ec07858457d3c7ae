/* The main screen's layout and its upper part: the title, the drives
 * table, the pages pane and the field table (or the page as bytes). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"
#include "ui/view-internal.h"
#include "util/hresult.h"

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

void
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

void
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

/* The drives table: the URI column (indent and gap included) is at least
 * this wide, and leaves the medium column at least the other. */
#define VIEW_URI_MIN    22
#define VIEW_MEDIUM_MIN 24

void
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
        /* A tagged drive's mark, which reads without colour too. */
        if (d->tagged)
            canvas_text(cv, r, 0, 1, at ? st : STYLE_STAGED, "*");
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
    if (con->ctx != NULL && cmd_pagedb_if_loaded(con->ctx) != NULL)
        pd = pagenames_def(cmd_pagedb_if_loaded(con->ctx), mp->code,
                           mp->subpage, &s->id);
    *has_def = pd != NULL;
    return pd != NULL ? pd->name : "";
}

void
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
void
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

/* The field pane's header: the page, whether edits are staged, how old
 * the values are.  False when no page is in view (the header says so). */
static bool
view_fields_title(const struct console *con, struct canvas *cv,
                  const struct layout *l)
{
    int left = l->pages_cols, width = l->cols - left;
    const struct field_model *m = &con->fields;
    const struct drive_snapshot *s =
        con->ndrives ? &con->drives[con->drive_cursor].snap : NULL;

    if (s == NULL || !s->has_page || m->title[0] == '\0') {
        view_header(cv, l->body_top, left, width, "Fields",
                    con->focus == PANE_FIELDS);
        canvas_text(cv, l->body_top + 1, left + 2, width - 2, STYLE_LOCKED,
                    s && s->pages_known ? "Enter on a page shows its fields"
                                        : "");
        return false;
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
    return true;
}

/* The field table's column headers, on row 'top'. */
static void
view_field_heads(struct canvas *cv, int top, int left, int width,
                 const struct field_cols *fc)
{
    int c = left;

    canvas_fill(cv, top, left, width, STYLE_HEADER);
    canvas_text(cv, top, c += fc->mark, fc->field, STYLE_HEADER, "FIELD");
    c += fc->field;
    if (fc->name) {
        canvas_text(cv, top, c, fc->name, STYLE_HEADER, "NAME");
        c += fc->name;
    }
    canvas_text(cv, top, c, fc->current, STYLE_HEADER, "CURRENT");
    canvas_text(cv, top, c += fc->current, fc->deflt, STYLE_HEADER, "DEFAULT");
    canvas_text(cv, top, c += fc->deflt, fc->saved, STYLE_HEADER, "SAVED");
    canvas_text(cv, top, c += fc->saved, fc->chg, STYLE_HEADER, "CHG");
}

/* A field's mark in the first column ("*" staged, "X" rejected, ...) and
 * the style of its changed value; 'st' is the row's, which the cursor's
 * row keeps. */
static const char *
view_field_mark(const struct field_row *fr, bool at, enum style st,
                enum style *value_style)
{
    *value_style = st;
    if (fr->rejected) {
        *value_style = at ? st : STYLE_ERROR;
        return "X";
    }
    switch (fr->change) {
    case FIELD_CHANGE_STAGED:
        *value_style = at ? st : STYLE_STAGED;
        return "*";
    case FIELD_CHANGE_APPLIED:
        *value_style = at ? st : STYLE_APPLIED;
        return "+";
    case FIELD_CHANGE_NOT_APPLIED:
        *value_style = at ? st : STYLE_ERROR;
        return "!";
    case FIELD_CHANGE_OUTSIDE:
        *value_style = at ? st : STYLE_WARNING;
        return "^";
    default:
        return " ";
    }
}

/* Row 'r' of the field table: field 'n' of the model. */
static void
view_field_row(const struct console *con, struct canvas *cv, int r, int left,
               int width, const struct field_cols *fc, size_t n)
{
    const struct field_row *fr = &con->fields.rows[n];
    bool at = n == con->field_cursor;
    enum style st = fr->changeable == 0 ? STYLE_LOCKED : STYLE_NORMAL;
    if (at)
        st = con->focus == PANE_FIELDS ? STYLE_SELECTED : STYLE_CURSOR;
    enum style vst;
    const char *mark = view_field_mark(fr, at, st, &vst);

    canvas_fill(cv, r, left, width, st);
    canvas_text(cv, r, left, 1, vst, mark);
    int c = left + fc->mark;
    view_cell(cv, r, c, fc->field - 1, st, fr->ref.acronym);
    c += fc->field;
    if (fc->name) {
        view_name_cell(cv, r, c, fc->name - 1, st,
                       fr->ref.fd->name ? fr->ref.fd->name : "");
        c += fc->name;
    }
    view_cell(cv, r, c, fc->current - 1, vst,
              fr->change == FIELD_CHANGE_STAGED ? fr->staged : fr->current);
    view_cell(cv, r, c += fc->current, fc->deflt - 1, st, fr->deflt);
    view_cell(cv, r, c += fc->deflt, fc->saved - 1, st, fr->saved);
    view_cell(cv, r, c += fc->saved, fc->chg, st,
              view_changeable(fr->changeable));
}

void
view_fields(const struct console *con, struct canvas *cv,
            const struct layout *l)
{
    int left = l->pages_cols, width = l->cols - left;
    const struct field_model *m = &con->fields;

    for (int r = l->body_top; r < l->body_top + l->body_rows; r++)
        canvas_text(cv, r, left - 1, 1, STYLE_HEADER, "|");
    if (!view_fields_title(con, cv, l))
        return;
    const struct drive_snapshot *s = &con->drives[con->drive_cursor].snap;
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
    view_field_heads(cv, top, left, width, &fc);
    size_t first = view_scroll(con->field_cursor, m->nrows, height - 1);
    for (int i = 0; i < height - 1 && first + (size_t)i < m->nrows; i++)
        view_field_row(con, cv, top + 1 + i, left, width, &fc,
                       first + (size_t)i);
    if (hex_below)
        view_hex(con, cv, top + height, left + 1, width - 1, hex_rows);
}
