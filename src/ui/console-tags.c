/* Tagged drives: a commit, undo or defaults for all of them at once,
 * each drive's dry run shown before anything is sent, and the page in
 * view compared across them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/journal.h"
#include "cmd/pagecache.h"
#include "engine/errfmt.h"
#include "engine/pagenames.h"
#include "transport/transport.h"
#include "ui/console-internal.h"
#include "ui/term.h"
#include "util/xmalloc.h"

size_t
console_tagged(const struct console *con)
{
    size_t n = 0;

    for (size_t i = 0; i < con->ndrives; i++)
        n += con->drives[i].tagged;
    return n;
}

static void
console_tag_said(struct console *con, const struct console_drive *d)
{
    console_log(con, false, "%s: %s (%zu tagged)", d->snap.uri,
                d->tagged ? "tagged" : "untagged", console_tagged(con));
}

/* t: the drive in view (or the one named) tagged, or untagged. */
void
console_tag(struct console *con, const char *uri)
{
    if (con->ndrives == 0)
        return;
    ptrdiff_t at = uri[0] != '\0' ? console_find_drive(con, uri)
                                  : (ptrdiff_t)con->drive_cursor;
    if (at < 0) {
        char *shown = transport_redact(uri);
        console_log(con, true, "tag: %s is not in the Drives list", shown);
        free(shown);
        return;
    }
    struct console_drive *d = &con->drives[at];
    d->tagged = !d->tagged;
    console_tag_said(con, d);
}

/* T: every drive untagged, or, when none is, every drive tagged. */
void
console_tag_all(struct console *con, const char *arg)
{
    (void)arg;
    bool tag = console_tagged(con) == 0;

    if (con->ndrives == 0)
        return;
    for (size_t i = 0; i < con->ndrives; i++)
        con->drives[i].tagged = tag;
    console_log(con, false, "%s (%zu tagged)",
                tag ? "every drive tagged" : "every drive untagged",
                console_tagged(con));
}

static void
console_fleet_free(struct console_fleet *f)
{
    for (size_t i = 0; i < f->ndrives; i++) {
        free(f->drives[i].uri);
        free(f->drives[i].check);
        free(f->drives[i].base);
        free(f->drives[i].outcome);
    }
    free(f->drives);
    free(f->what);
    free(f->note);
    free(f->args);
    free(f->source);
    free(f->page);
    memset(f, 0, sizeof *f);
}

static void
console_compare_free(struct console_compare *c)
{
    for (size_t i = 0; i < c->ndrives; i++) {
        free(c->drives[i].uri);
        free(c->drives[i].page);
        free(c->drives[i].error);
    }
    free(c->drives);
    memset(c, 0, sizeof *c);
}

void
console_tags_fini(struct console *con)
{
    console_fleet_free(&con->fleet);
    console_compare_free(&con->compare);
}

/* Lines of bytes as the dry run prints a CDB or a parameter list, and
 * as 'get' prints a page. */
static bool
console_hex_line(const char *text)
{
    size_t n = 0;

    for (; text[0] != '\0'; text += text[2] == ' ' ? 3 : 2, n++)
        if (!isxdigit((unsigned char)text[0]) ||
            !isxdigit((unsigned char)text[1]) ||
            (text[2] != ' ' && text[2] != '\0'))
            return false;
    return n > 0;
}

/* What a job said, in short, one line each: the fields' changes and
 * outcomes, the notes and warnings; not the CDBs and parameter lists,
 * which the message log keeps, nor the dry run's "nothing was sent",
 * which the screen says for every drive. */
static char *
console_job_summary(const struct drive_snapshot *snap)
{
    /* The undo's run is sent with --expect by the console itself; the
     * staged edit, sent, goes as a commit's does. */
    static const char *const left_out[] = { "MODE SELECT", "parameter list",
                                            "dry run:", "this is run ",
                                            "discarded " };
    char line[1024];
    /* A failure first, whole, with its HRESULT and sense; what to try
     * and the notes after it. */
    char *text = xstrdup(
        snap->failed ? errfmt_line(&snap->error, line, sizeof line) : "");

    for (size_t k = 0; k < snap->nlines; k++) {
        const char *said = snap->lines[k].text;
        bool skip = console_hex_line(said);
        for (size_t j = 0; j < sizeof left_out / sizeof *left_out && !skip; j++)
            skip = strncmp(said, left_out[j], strlen(left_out[j])) == 0;
        if (skip || (snap->failed && snap->lines[k].is_error &&
                     strstr(said, snap->error.msg) != NULL))
            continue;
        char *more = xasprintf("%s%s%s", text, text[0] ? "\n" : "",
                               said + strspn(said, " "));
        free(text);
        text = more;
    }
    return text;
}

static void
console_model(const struct drive_snapshot *snap, char *buf, size_t len)
{
    if (snap->identified)
        snprintf(buf, len, "%s %s %s", snap->id.vendor, snap->id.product,
                 snap->id.revision);
    else
        snprintf(buf, len, "%s", "");
}

/* The line that runs 'kind' on drive 'uri'; 'dry' for its pre-check. */
static char *
console_fleet_line(const struct console_fleet *f, const struct fleet_drive *fd,
                   bool dry)
{
    char *uri = journal_quote(fd->uri);
    char *line = NULL;

    switch (f->kind) {
    case CONFIRM_COMMIT:
        if (dry) {
            /* The page as the dry run builds on it, for y to expect. */
            line = xasprintf("get %s %s; set %s %s --dry-run", uri, f->page,
                             uri, f->args);
        } else {
            /* Every drive, the one the edit is staged on too, is sent the
             * line its dry run showed, and only while its page holds the
             * values that dry run read; there, the staged edit is then
             * sent and goes, as a commit's does. */
            char *base = journal_quote(fd->base);
            line =
                xasprintf("set %s %s --expect-page %s%s", uri, f->args, base,
                          strcmp(fd->uri, f->source) == 0 ? "; discard" : "");
            free(base);
        }
        break;
    case CONFIRM_UNDO:
        /* Each drive undoes what its own dry run showed, or nothing. */
        if (!dry && fd->undo_run[0] != '\0')
            line = xasprintf("undo %s --expect %s", uri, fd->undo_run);
        else
            line = xasprintf("undo %s%s", uri, dry ? " --dry-run" : "");
        break;
    case CONFIRM_DEFAULTS:
        line = xasprintf("defaults %s %s%s", uri, f->args,
                         dry ? " --dry-run" : "");
        break;
    }
    free(uri);
    return line;
}

/* Send 'line' to drive 'i' as a job of the fleet's or the comparison's:
 * the keys typed after it wait for all of them together, not for it. */
static unsigned
console_tags_send(struct console *con, size_t i, const char *line, bool dry)
{
    unsigned seq =
        dry ? console_send_preview(con, i, line) : console_send(con, i, line);
    con->await_seq = 0;
    return seq;
}

/* Drives without a worker (the screen tests) answered at once. */
static void
console_tags_collect(struct console *con)
{
    for (size_t i = 0; i < con->ndrives; i++)
        if (con->drives[i].worker == NULL) {
            console_collect(con);
            return;
        }
}

/* The staged edit of the drive in view, as the arguments 'set' takes
 * after the drive: the page, the words, the forced fields. */
static char *
console_fleet_set_args(const struct drive_snapshot *snap, char *page)
{
    char *args = xstrdup(page);
    char *forced = xstrdup("");

    for (int i = 0; i < snap->nstage_words; i++) {
        char *word = journal_quote(snap->stage_words[i]);
        char *more = xasprintf("%s %s", args, word);
        free(word);
        free(args);
        args = more;
        if (snap->stage_forced == NULL || !snap->stage_forced[i])
            continue;
        const char *w = snap->stage_words[i];
        more = xasprintf("%s%s%.*s", forced, forced[0] ? "," : "",
                         (int)strcspn(w, "="), w);
        free(forced);
        forced = more;
    }
    if (forced[0] != '\0') {
        char *quoted = journal_quote(forced);
        char *more = xasprintf("%s --force-field %s", args, quoted);
        free(quoted);
        free(args);
        args = more;
    }
    free(forced);
    return args;
}

/* Open the fleet screen for 'kind' and send every tagged drive its dry
 * run; nothing else goes out before y. */
void
console_fleet_start(struct console *con, enum console_confirm kind)
{
    struct console_drive *d = console_drive(con);
    struct console_fleet *f = &con->fleet;
    char page[PAGENAMES_CODE_LEN], name[160] = "";

    con->output_wanted = false;
    if (f->phase == FLEET_SENDING) {
        /* Left while sending (Esc): the answers still come to this
         * batch, which a new one would drop. */
        console_log(con, true,
                    "tagged drives: %zu still answering the last command: "
                    "c, u and D once they have (the log says when)",
                    console_fleet_count(f, FLEET_WAITING));
        return;
    }
    if (kind == CONFIRM_COMMIT && d->worker != NULL &&
        d->sent_seq > d->last_seq) {
        /* What the screen shows is the edit as the console has it: an
         * edit still on its way to the drive would be sent unseen. */
        console_log(con, true,
                    "%s is still answering a command: c again once it has, "
                    "to see its edit whole",
                    d->snap.uri);
        return;
    }
    console_fleet_free(f);
    f->kind = kind;
    pagenames_code(d->snap.code, d->snap.subpage, page);
    if (d->snap.pd != NULL)
        snprintf(name, sizeof name, " (%s)", d->snap.pd->name);
    if (kind == CONFIRM_COMMIT) {
        f->page = xstrdup(page);
        f->args = console_fleet_set_args(&d->snap, page);
        f->source = xstrdup(d->snap.uri);
        char *words = xstrdup("");
        for (int i = 0; i < d->snap.nstage_words; i++) {
            char *more = xasprintf("%s %s", words, d->snap.stage_words[i]);
            free(words);
            words = more;
        }
        f->what = xasprintf("commit page %s%s:%s", page, name, words);
        free(words);
        if (!d->tagged)
            f->note = xasprintf("%s, where the edit is staged, is not "
                                "tagged: it keeps the edit staged",
                                d->snap.uri);
    } else if (kind == CONFIRM_DEFAULTS) {
        f->args = xstrdup(page);
        f->what = xasprintf("their defaults into page %s%s", page, name);
    } else {
        f->what = xstrdup("undo each one's last command");
    }
    f->drives = xcalloc(console_tagged(con), sizeof *f->drives);
    for (size_t i = 0; i < con->ndrives; i++) {
        const struct console_drive *t = &con->drives[i];
        if (!t->tagged)
            continue;
        struct fleet_drive *fd = &f->drives[f->ndrives++];
        fd->uri = xstrdup(t->snap.uri);
        console_model(&t->snap, fd->model, sizeof fd->model);
        /* A drive not identified yet is not called another model: its
         * dry run says what it is. */
        fd->other_model = kind == CONFIRM_COMMIT && t->snap.identified &&
                          (strcmp(t->snap.id.vendor, d->snap.id.vendor) != 0 ||
                           strcmp(t->snap.id.product, d->snap.id.product) != 0);
    }
    f->phase = FLEET_CHECKING;
    con->mode = MODE_FLEET;
    for (size_t k = 0; k < f->ndrives; k++) {
        struct fleet_drive *fd = &f->drives[k];
        char *line = console_fleet_line(f, fd, true);
        ptrdiff_t i = console_find_drive(con, fd->uri);
        fd->state = FLEET_WAITING;
        fd->seq = console_tags_send(con, (size_t)i, line, true);
        free(line);
    }
    console_tags_collect(con);
}

/* Every drive of the fleet has answered the job awaited. */
static bool
console_fleet_answered_all(const struct console_fleet *f)
{
    for (size_t k = 0; k < f->ndrives; k++)
        if (f->drives[k].state == FLEET_WAITING)
            return false;
    return true;
}

/* The bytes of the lines 'get' printed first, as it printed them; ""
 * when it printed none. */
static char *
console_job_page(const struct drive_snapshot *snap)
{
    char *page = xstrdup("");

    for (size_t k = 0; k < snap->nlines; k++) {
        const char *t = snap->lines[k].text;
        if (snap->lines[k].is_error || !console_hex_line(t))
            break;
        char *more = xasprintf("%s%s%s", page, page[0] ? " " : "", t);
        free(page);
        page = more;
    }
    return page;
}

/* The pre-check of one drive, from its dry run. */
static void
console_fleet_checked(const struct console_fleet *f, struct fleet_drive *fd,
                      const struct drive_snapshot *snap)
{
    free(fd->check);
    fd->check = console_job_summary(snap);
    snprintf(fd->undo_run, sizeof fd->undo_run, "%s", snap->undo_shown);
    if (f->kind == CONFIRM_COMMIT) {
        free(fd->base);
        fd->base = console_job_page(snap);
    }
    if (!snap->failed && f->kind == CONFIRM_COMMIT && fd->base[0] == '\0')
        /* Nothing to expect at y: nothing is sent. */
        fd->state = FLEET_UNREADABLE;
    else if (!snap->failed)
        fd->state = FLEET_PASSES;
    else if (snap->error.usage ||
             snap->error.hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE ||
             snap->error.hr == E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS)
        /* The checks, or the drive itself, say the command is wrong for
         * this drive. */
        fd->state = FLEET_REFUSED;
    else
        fd->state = FLEET_UNREADABLE;
}

static void
console_fleet_outcome(struct fleet_drive *fd, const struct drive_snapshot *snap)
{
    free(fd->outcome);
    fd->outcome = console_job_summary(snap);
    if (snap->status == CMD_NOT_APPLIED)
        fd->state = FLEET_NOT_APPLIED;
    else if (snap->failed || snap->status != CMD_OK)
        fd->state = FLEET_FAILED;
    else
        fd->state = snap->sent_select ? FLEET_APPLIED : FLEET_UNCHANGED;
}

/* How many drives of the fleet are in 'state'. */
size_t
console_fleet_count(const struct console_fleet *f, enum fleet_state state)
{
    size_t n = 0;

    for (size_t k = 0; k < f->ndrives; k++)
        n += f->drives[k].state == state;
    return n;
}

static void
console_fleet_done_log(struct console *con)
{
    const struct console_fleet *f = &con->fleet;
    size_t failed = console_fleet_count(f, FLEET_FAILED) +
                    console_fleet_count(f, FLEET_NOT_APPLIED);
    console_log(con, failed > 0,
                "tagged drives: %zu applied, %zu unchanged, %zu not applied, "
                "%zu failed, %zu not sent",
                console_fleet_count(f, FLEET_APPLIED),
                console_fleet_count(f, FLEET_UNCHANGED),
                console_fleet_count(f, FLEET_NOT_APPLIED),
                console_fleet_count(f, FLEET_FAILED),
                console_fleet_count(f, FLEET_REFUSED) +
                    console_fleet_count(f, FLEET_UNREADABLE));
}

/* The comparison's read of drive 'c': the page's bytes as 'get' prints
 * them, two hex digits a byte. */
static void
console_compare_read(struct compare_drive *c, const struct drive_snapshot *snap)
{
    c->seq = 0;
    free(c->page);
    c->page = NULL;
    c->len = 0;
    free(c->error);
    c->error = NULL;
    if (snap->failed) {
        char line[1024];
        c->error = xstrdup(errfmt_line(&snap->error, line, sizeof line));
        return;
    }
    size_t room = 0;
    for (size_t k = 0; k < snap->nlines; k++) {
        const char *t = snap->lines[k].text;
        if (snap->lines[k].is_error || !console_hex_line(t))
            continue;
        while (t[0] != '\0') {
            if (c->len == room) {
                room = room ? 2 * room : 64;
                c->page = xrealloc(c->page, room);
            }
            c->page[c->len++] = (uint8_t)strtoul(t, NULL, 16);
            t += t[2] == ' ' ? 3 : 2;
        }
    }
    if (c->len == 0)
        c->error = xstrdup("the drive returned no values");
}

/* The comparison's drive waiting for this answer, or NULL. */
static struct compare_drive *
console_compare_of(struct console *con, const char *uri, unsigned seq)
{
    for (size_t k = 0; k < con->compare.ndrives; k++) {
        struct compare_drive *c = &con->compare.drives[k];
        if (c->seq != 0 && c->seq == seq && strcmp(c->uri, uri) == 0)
            return c;
    }
    return NULL;
}

/* The fleet's drive waiting for this answer, or NULL. */
static struct fleet_drive *
console_fleet_of(struct console *con, const char *uri, unsigned seq)
{
    for (size_t k = 0; k < con->fleet.ndrives; k++) {
        struct fleet_drive *fd = &con->fleet.drives[k];
        if (fd->seq != 0 && fd->seq == seq && strcmp(fd->uri, uri) == 0)
            return fd;
    }
    return NULL;
}

enum console_tags_job
console_tags_job(struct console *con, size_t i,
                 const struct drive_snapshot *snap)
{
    const char *uri = con->drives[i].snap.uri;

    if (console_compare_of(con, uri, snap->job_seq) != NULL)
        return TAGS_COMPARE;
    if (console_fleet_of(con, uri, snap->job_seq) != NULL)
        return TAGS_FLEET;
    return TAGS_NONE;
}

void
console_tags_answered(struct console *con, size_t i,
                      const struct drive_snapshot *snap)
{
    const char *uri = con->drives[i].snap.uri;
    struct console_fleet *f = &con->fleet;
    struct compare_drive *c = console_compare_of(con, uri, snap->job_seq);
    struct fleet_drive *fd = console_fleet_of(con, uri, snap->job_seq);

    if (c != NULL)
        console_compare_read(c, snap);
    if (fd != NULL) {
        fd->seq = 0;
        if (f->phase == FLEET_CHECKING)
            console_fleet_checked(f, fd, snap);
        else
            console_fleet_outcome(fd, snap);
        if (!console_fleet_answered_all(f))
            return;
        if (f->phase == FLEET_SENDING) {
            f->phase = FLEET_DONE;
            console_fleet_done_log(con);
        } else if (f->phase == FLEET_CHECKING) {
            f->phase = FLEET_READY;
            /* y confirms what the screen shows: keys typed before it
             * showed it go, and the screen says so. */
            f->dropped = con->ntyped;
            con->ntyped = 0;
            if (f->dropped > 0)
                console_log(con, true,
                            "tagged drives: %zu key%s typed during the dry "
                            "runs dropped: y sends once they are shown",
                            f->dropped, f->dropped == 1 ? "" : "s");
        }
    }
}

bool
console_compare_waiting(const struct console *con)
{
    if (con->mode != MODE_COMPARE)
        return false;
    for (size_t k = 0; k < con->compare.ndrives; k++)
        if (con->compare.drives[k].seq != 0)
            return true;
    return false;
}

bool
console_fleet_waiting(const struct console *con)
{
    return con->mode == MODE_FLEET && (con->fleet.phase == FLEET_CHECKING ||
                                       con->fleet.phase == FLEET_SENDING);
}

/* y: the command to every drive whose dry run passed, each on its own
 * worker, so that they run at once. */
static void
console_fleet_send(struct console *con)
{
    struct console_fleet *f = &con->fleet;

    f->phase = FLEET_SENDING;
    f->top = 0;
    for (size_t k = 0; k < f->ndrives; k++) {
        struct fleet_drive *fd = &f->drives[k];
        ptrdiff_t i = console_find_drive(con, fd->uri);
        if (fd->state != FLEET_PASSES)
            continue;
        if (i < 0) {
            fd->state = FLEET_FAILED;
            fd->outcome = xstrdup("closed before the command was sent");
            continue;
        }
        struct console_drive *d = &con->drives[i];
        char *line = console_fleet_line(f, fd, false);
        fd->state = FLEET_WAITING;
        if (f->kind == CONFIRM_COMMIT && strcmp(fd->uri, f->source) == 0)
            console_commit_record(d);
        fd->seq = console_tags_send(con, (size_t)i, line, false);
        if (f->kind == CONFIRM_COMMIT && strcmp(fd->uri, f->source) == 0)
            d->commit_seq = fd->seq;
        free(line);
    }
    console_log(con, false, "tagged drives: sending to %zu",
                console_fleet_count(f, FLEET_WAITING));
    if (console_fleet_answered_all(f)) {
        f->phase = FLEET_DONE;
        console_fleet_done_log(con);
    }
    console_tags_collect(con);
}

void
console_fleet_leave(struct console *con)
{
    struct console_fleet *f = &con->fleet;

    con->mode = MODE_NORMAL;
    if (f->phase == FLEET_CHECKING || f->phase == FLEET_READY) {
        for (size_t k = 0; k < f->ndrives; k++) {
            f->drives[k].seq = 0;
            if (f->drives[k].state == FLEET_WAITING)
                f->drives[k].state = FLEET_LEFT;
        }
        f->phase = FLEET_DONE;
        console_log(con, false, "tagged drives: left; nothing was sent");
    }
}

/* The screen scrolls by drive: Up and Down move its first one. */
void
console_fleet_key(struct console *con, int key)
{
    struct console_fleet *f = &con->fleet;

    if (key == TERM_KEY_UP || key == 'k') {
        if (f->top > 0)
            f->top--;
        return;
    }
    if (key == TERM_KEY_DOWN || key == 'j') {
        if (f->top + 1 < f->ndrives)
            f->top++;
        return;
    }
    if (f->phase == FLEET_READY) {
        if ((key == 'y' || key == 'Y') &&
            console_fleet_count(f, FLEET_PASSES) > 0) {
            console_fleet_send(con);
            return;
        }
        console_fleet_leave(con);
        /* s saves on one drive: its dialog lists what saving changes in
         * other pages too (SPC-4 6.11), which this screen does not. */
        if ((key == 's' || key == 'S') && f->kind != CONFIRM_UNDO)
            console_log(con, true,
                        "s saves on one drive at a time: T untags every "
                        "drive, then c or D on each offers s");
        return;
    }
    if (f->phase != FLEET_DONE) {
        /* Only Esc comes here while the drives answer (console_key). */
        console_fleet_leave(con);
        return;
    }
    con->mode = MODE_NORMAL;
    /* As the output view: a key other than these closes the screen and
     * does what it does, so that keys typed ahead are not swallowed. */
    if (key != 0x1b && key != 'q' && key != TERM_KEY_ENTER)
        console_apply_key(con, key);
}

/* =: the page in view, read on every tagged drive. */
void
console_compare_start(struct console *con, const char *arg)
{
    (void)arg;
    struct console_drive *d = console_drive(con);
    struct console_compare *c = &con->compare;

    con->output_wanted = false;
    if (d == NULL || !d->snap.has_page) {
        console_log(con, true,
                    "no page in view: open one (Enter on the Pages list) to "
                    "compare it across the tagged drives");
        return;
    }
    if (console_tagged(con) == 0) {
        console_log(con, true,
                    "no drive is tagged: t tags the drive in view, T every "
                    "drive");
        return;
    }
    /* Reads still out belong to this comparison: dropped, their answers,
     * bytes, would go to the message log. */
    size_t out = 0;
    for (size_t k = 0; k < c->ndrives; k++)
        out += c->drives[k].seq != 0;
    if (out > 0) {
        console_log(con, true,
                    "compare: %zu drive%s still reading the page: %s once "
                    "%s answered",
                    out, out == 1 ? "" : "s",
                    con->mode == MODE_COMPARE ? "r" : "=",
                    out == 1 ? "it has" : "they have");
        return;
    }
    console_compare_free(c);
    c->code = d->snap.code;
    c->subpage = d->snap.subpage;
    c->id = d->snap.id;
    char page[PAGENAMES_CODE_LEN];
    pagenames_code(c->code, c->subpage, page);
    /* The fields are named after the drive in view's definition. */
    const struct page_def *pd =
        pagenames_def(cmd_pagedb(con->ctx), c->code, c->subpage, &c->id);
    snprintf(c->title, sizeof c->title, "Page %s%s%s%s on %zu tagged drives",
             page, pd ? " (" : "", pd ? pd->name : "", pd ? ")" : "",
             console_tagged(con));
    c->drives = xcalloc(console_tagged(con), sizeof *c->drives);
    for (size_t i = 0; i < con->ndrives; i++) {
        if (!con->drives[i].tagged)
            continue;
        struct compare_drive *cd = &c->drives[c->ndrives++];
        cd->uri = xstrdup(con->drives[i].snap.uri);
        cd->id = con->drives[i].snap.id;
        char *uri = journal_quote(cd->uri);
        char *line = xasprintf("get %s %s", uri, page);
        cd->seq = console_tags_send(con, i, line, true);
        free(line);
        free(uri);
    }
    con->mode = MODE_COMPARE;
    console_tags_collect(con);
}

size_t
console_compare_rows(const struct console *con, struct field_ref **refs,
                     const struct compare_drive **first)
{
    const struct console_compare *c = &con->compare;
    size_t most = 0;

    *refs = NULL;
    *first = NULL;
    for (size_t k = 0; k < c->ndrives; k++) {
        if (c->drives[k].page == NULL)
            continue;
        if (*first == NULL)
            *first = &c->drives[k];
        if (c->drives[k].len > most)
            most = c->drives[k].len;
    }
    const struct pagedb *db = cmd_pagedb_if_loaded(con->ctx);
    if (*first == NULL || db == NULL)
        return most;
    const struct page_def *pd =
        pagenames_def(db, c->code, c->subpage, &(*first)->id);
    /* One drive's fields are not another's bytes: drives whose own
     * definitions differ are compared byte by byte. */
    for (size_t k = 0; k < c->ndrives && pd != NULL; k++)
        if (c->drives[k].page != NULL &&
            pagenames_def(db, c->code, c->subpage, &c->drives[k].id) != pd)
            pd = NULL;
    if (pd == NULL)
        return most;
    return field_list(pd, (*first)->page, (*first)->len, refs);
}

void
console_compare_key(struct console *con, int key)
{
    struct console_compare *c = &con->compare;

    struct field_ref *refs = NULL;
    const struct compare_drive *first;
    size_t rows = console_compare_rows(con, &refs, &first);

    free(refs);
    if (key == TERM_KEY_UP || key == 'k')
        c->top = c->top > 0 ? c->top - 1 : 0;
    else if (key == TERM_KEY_DOWN || key == 'j')
        c->top = c->top + 1 < rows ? c->top + 1 : c->top;
    else if (key == TERM_KEY_LEFT || key == 'h')
        c->left = c->left > 0 ? c->left - 1 : 0;
    else if (key == TERM_KEY_RIGHT || key == 'l')
        c->left = c->left + 1 < c->ndrives ? c->left + 1 : c->left;
    else if (key == 'r')
        console_compare_start(con, "");
    else
        con->mode = MODE_NORMAL;
}
