/* Editing the page in view: a field's value staged (typed, toggled or
 * picked from an enum's values), then the dialog that shows what a
 * commit, undo or defaults would send and sends it on y or s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/journal.h"
#include "ui/console-internal.h"
#include "ui/term.h"
#include "util/xmalloc.h"

/* The page of the selected field with the staged edits, to edit from. */
static const uint8_t *
console_edit_base(const struct console_drive *d)
{
    return d->snap.staged ? d->snap.staged
                          : d->snap.values[MODE_REQUEST_CURRENT];
}

/* Stage FIELD=VALUE on the selected drive, as 'edit' does. */
void
console_stage(struct console *con, const char *field, const char *value)
{
    char *word = xasprintf("%s=%s", field, value);
    char *quoted = journal_quote(word);
    char *line = xasprintf("edit %s", quoted);
    console_run(con, line);
    free(line);
    free(quoted);
    free(word);
}

/* What is wrong with the value typed for the field, or "". */
void
console_check_value(struct console *con)
{
    const struct field_row *fr = console_field(con);
    struct console_drive *d = console_drive(con);
    struct err err;

    con->prompt_check[0] = '\0';
    if (fr == NULL || d == NULL || con->prompt.len == 0)
        return;
    size_t len = d->snap.lens[MODE_REQUEST_CURRENT];
    uint8_t *copy = xmalloc(len);
    memcpy(copy, console_edit_base(d), len);
    err_clear(&err);
    if (field_parse_set(copy, &fr->ref, con->prompt.text, &err) != 0)
        snprintf(con->prompt_check, sizeof con->prompt_check, "%s", err.msg);
    free(copy);
}

/* Edit the field under the cursor: a flag toggles; an enum opens its
 * legend to pick from, or, when 'typed' (e), the value prompt as any
 * other field, for its name or number. */
void
console_edit_field(struct console *con, bool typed)
{
    const struct field_row *fr = console_field(con);
    struct console_drive *d = console_drive(con);

    if (fr == NULL || d == NULL)
        return;
    if (fr->changeable == 0) {
        struct err err;
        char line[300];
        err_usage(&err, "%s", "");
        err.field_byte = (int)(fr->ref.base + fr->ref.fd->byte);
        err.field_bit = (int)fr->ref.fd->bit;
        snprintf(line, sizeof line,
                 "%s is not changeable on this drive (its changeable value is "
                 "0): nothing was staged; ':edit --force %s=VALUE' stages it "
                 "anyway",
                 fr->ref.acronym, fr->ref.acronym);
        char *lines[] = { line };
        console_log(con, true, "%s: %s", d->snap.uri, line);
        console_show_error(con, &err, lines, 1);
        console_refresh_fields(con);
        return;
    }
    const struct field_def *fd = fr->ref.fd;
    uint64_t value = field_get(console_edit_base(d), fd, fr->ref.base);
    if (fd->kind == FIELD_FLAG) {
        char text[4];
        snprintf(text, sizeof text, "%u", value ? 0u : 1u);
        console_stage(con, fr->ref.acronym, text);
        return;
    }
    if (fd->kind == FIELD_ENUM && fd->nvalues > 0 && !typed) {
        con->pick_cursor = 0;
        for (size_t i = 0; i < fd->nvalues; i++)
            if (fd->values[i].value == value)
                con->pick_cursor = i;
        con->mode = MODE_PICK;
        return;
    }
    char label[64], text[32] = "";
    snprintf(label, sizeof label, "%s = ", fr->ref.acronym);
    if (fd->kind == FIELD_NUMBER || fd->kind == FIELD_ENUM)
        field_format_typeable(console_edit_base(d), &fr->ref, text,
                              sizeof text);
    prompt_open(&con->prompt, label, text);
    prompt_select_all(&con->prompt);
    con->prompt_is_value = true;
    snprintf(con->value_field, sizeof con->value_field, "%s", fr->ref.acronym);
    con->mode = MODE_PROMPT;
    console_check_value(con);
}

/* e: the value prompt, an enum's too, for its name or number. */
void
console_edit_typed(struct console *con, const char *arg)
{
    (void)arg;
    console_edit_field(con, true);
}

void
console_pick_key(struct console *con, int key)
{
    const struct field_row *fr = console_field(con);
    size_t n = fr ? fr->ref.fd->nvalues : 0;

    if (n == 0) {
        con->mode = MODE_NORMAL;
        return;
    }
    if (key == TERM_KEY_UP || key == 'k') {
        if (con->pick_cursor > 0)
            con->pick_cursor--;
    } else if (key == TERM_KEY_DOWN || key == 'j') {
        if (con->pick_cursor + 1 < n)
            con->pick_cursor++;
    } else if (key == TERM_KEY_ENTER || key == ' ') {
        char value[32];
        con->mode = MODE_NORMAL;
        snprintf(
            value, sizeof value, "%llu",
            (unsigned long long)fr->ref.fd->values[con->pick_cursor].value);
        char field[48];
        snprintf(field, sizeof field, "%s", fr->ref.acronym);
        console_stage(con, field, value);
    } else if (key == 0x1b || key == 'q' || key == 0x03) {
        con->mode = MODE_NORMAL;
    }
}

void
console_confirm_commit(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    if ((d->snap.nstage_words == 0 || d->snap.staged == NULL) &&
        d->snap.pending_edits > 0) {
        console_log(con, true,
                    "the staged edits are for page %s, not this one: open "
                    "it to commit them, or d discards them",
                    d->snap.pending_page);
        return;
    }
    if (d->snap.nstage_words == 0 || d->snap.staged == NULL) {
        console_log(con, true,
                    "nothing is staged for this page: edit a field first "
                    "(Enter or e)");
        return;
    }
    /* With drives tagged, the edit goes to them. */
    if (console_tagged(con) > 0) {
        console_fleet_start(con, CONFIRM_COMMIT);
        return;
    }
    con->confirm_kind = CONFIRM_COMMIT;
    con->confirm_drive = con->drive_cursor;
    con->confirm_seq = console_send_preview(con, con->drive_cursor, "diff");
    if (d->worker == NULL)
        console_collect(con);
}

/* The dry run a dialog waited for answered: its lines fill the dialog,
 * which opens unless the dry run failed or said nothing. */
void
console_confirm_open(struct console *con, const struct drive_snapshot *snap)
{
    con->confirm_seq = 0;
    console_free_lines(&con->confirm_lines, &con->nconfirm);
    if (snap->failed || snap->nlines == 0)
        return;
    static const char sent_nothing[] = "dry run: nothing was sent";
    con->confirm_lines = xcalloc(snap->nlines, sizeof(char *));
    for (size_t k = 0; k < snap->nlines; k++)
        /* The dry run ends saying it sent nothing; the dialog is about to
         * send it. */
        if (strncmp(snap->lines[k].text, sent_nothing,
                    sizeof sent_nothing - 1) != 0)
            con->confirm_lines[con->nconfirm++] = xstrdup(snap->lines[k].text);
    con->confirm_top = 0;
    con->mode = MODE_CONFIRM;
}

/* Undo or defaults: the command's dry run fills the dialog, and y runs
 * 'line' itself (s with --save), so the dialog shows what is sent. */
static void
console_confirm_run(struct console *con, enum console_confirm kind, char *line)
{
    struct console_drive *d = console_drive(con);
    if (d == NULL) {
        free(line);
        return;
    }
    char *dry = xasprintf("%s --dry-run", line);

    free(con->confirm_cmd);
    con->confirm_cmd = line;
    con->confirm_kind = kind;
    con->confirm_drive = con->drive_cursor;
    con->confirm_seq = console_send_preview(con, con->drive_cursor, dry);
    free(dry);
    if (d->worker == NULL)
        console_collect(con);
}

void
console_confirm_undo(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    if (console_tagged(con) > 0) {
        console_fleet_start(con, CONFIRM_UNDO);
        return;
    }
    char *uri = journal_quote(d->snap.uri);
    console_confirm_run(con, CONFIRM_UNDO, xasprintf("undo %s", uri));
    free(uri);
}

void
console_confirm_defaults(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);

    if (d == NULL)
        return;
    if (!d->snap.has_page || d->snap.values[MODE_REQUEST_CURRENT] == NULL) {
        console_log(con, true,
                    "no page in view: open one (Enter on the Pages list) "
                    "to write the drive's defaults into it");
        return;
    }
    if (console_tagged(con) > 0) {
        console_fleet_start(con, CONFIRM_DEFAULTS);
        return;
    }
    char *uri = journal_quote(d->snap.uri);
    char *line = d->snap.subpage
                     ? xasprintf("defaults %s 0x%02x,0x%02x", uri, d->snap.code,
                                 d->snap.subpage)
                     : xasprintf("defaults %s 0x%02x", uri, d->snap.code);
    free(uri);
    console_confirm_run(con, CONFIRM_DEFAULTS, line);
}

void
console_commit_record(struct console_drive *d)
{
    size_t len = d->snap.lens[MODE_REQUEST_CURRENT];

    console_commit_free(&d->commit);
    if (d->snap.staged != NULL && d->snap.values[0] != NULL) {
        d->commit.code = d->snap.code;
        d->commit.subpage = d->snap.subpage;
        d->commit.len = len;
        d->commit.before = xmalloc(len);
        d->commit.sent = xmalloc(len);
        memcpy(d->commit.before, d->snap.values[0], len);
        memcpy(d->commit.sent, d->snap.staged, len);
    }
}

/* y or s in the confirmation: the commit goes to the drive. */
static void
console_commit(struct console *con, bool save)
{
    struct console_drive *d = console_drive(con);

    console_free_lines(&con->confirm_lines, &con->nconfirm);
    con->mode = MODE_NORMAL;
    if (d == NULL)
        return;
    console_commit_record(d);
    /* The preview's last line said nothing was sent; this one says
     * what is under way. */
    console_log(con, false, "%s: committing%s...", d->snap.uri,
                save ? " and saving" : "");
    d->commit_seq =
        console_send(con, con->drive_cursor, save ? "commit --save" : "commit");
    if (d->worker == NULL)
        console_collect(con);
}

bool
console_confirm_saves(const struct console *con)
{
    return con->confirm_kind != CONFIRM_UNDO && console_page_savable(con);
}

/* y or s in an undo's or defaults' dialog: the command it showed. */
static void
console_confirm_send(struct console *con, bool save)
{
    struct console_drive *d = console_drive(con);
    char *line;
    /* y undoes what the dialog showed or nothing: a command recorded
     * meanwhile (another console, a 'modecon set') is not undone
     * unseen. */
    if (con->confirm_kind == CONFIRM_UNDO && d->snap.undo_shown[0] != '\0')
        line =
            xasprintf("%s --expect %s", con->confirm_cmd, d->snap.undo_shown);
    else if (save)
        line = xasprintf("%s --save", con->confirm_cmd);
    else
        line = xstrdup(con->confirm_cmd);

    console_free_lines(&con->confirm_lines, &con->nconfirm);
    con->mode = MODE_NORMAL;
    console_log(con, false, "%s: %s%s...", d->snap.uri,
                con->confirm_kind == CONFIRM_UNDO ? "undoing"
                                                  : "writing the defaults",
                save ? " and saving" : "");
    console_send(con, con->drive_cursor, line);
    free(line);
    if (d->worker == NULL)
        console_collect(con);
}

/* The dialog: y sends, s sends saving where the page can be saved, n
 * (Esc, q) sends nothing; Up and Down scroll a long one. */
void
console_confirm_key(struct console *con, int key)
{
    static const char *const cancelled[] = {
        [CONFIRM_COMMIT] = "commit cancelled: the edits stay staged",
        [CONFIRM_UNDO] = "undo cancelled: nothing was sent",
        [CONFIRM_DEFAULTS] = "defaults cancelled: nothing was sent",
    };
    bool commit = con->confirm_kind == CONFIRM_COMMIT;

    if (key == TERM_KEY_UP || key == 'k') {
        if (con->confirm_top > 0)
            con->confirm_top--;
    } else if (key == TERM_KEY_DOWN || key == 'j') {
        /* The view wraps long lines and stops at the last row; a line
         * takes at most a few. */
        if (con->confirm_top + 1 < 3 * con->nconfirm)
            con->confirm_top++;
    } else if (key == 'y' || key == 'Y') {
        if (commit)
            console_commit(con, false);
        else
            console_confirm_send(con, false);
    } else if ((key == 's' || key == 'S') && console_confirm_saves(con)) {
        if (commit)
            console_commit(con, true);
        else
            console_confirm_send(con, true);
    } else if ((key == 's' || key == 'S') &&
               con->confirm_kind == CONFIRM_UNDO) {
        console_log(con, true,
                    "undo puts back saved values itself where the command "
                    "saved them: y undoes, n cancels");
    } else if (key == 's' || key == 'S') {
        console_log(con, true,
                    "this page is not savable on this drive (its PS bit is "
                    "0): y %s the current values",
                    commit ? "commits to" : "writes the defaults into");
    } else if (key == 'n' || key == 'N' || key == 0x1b || key == 'q') {
        console_free_lines(&con->confirm_lines, &con->nconfirm);
        con->mode = MODE_NORMAL;
        console_log(con, false, "%s", cancelled[con->confirm_kind]);
    }
}
