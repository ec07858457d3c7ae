/* The keys: applied in the order typed, each after the answer the keys
 * before it wait for; the prompt, its completion and the output view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/complete.h"
#include "transport/transport.h"
#include "ui/canvas.h"
#include "ui/console-internal.h"
#include "ui/term.h"
#include "util/xmalloc.h"

static void
console_complete(struct console *con)
{
    struct cmd_completion c;
    size_t ncommands = 0;

    while (console_commands[ncommands].name != NULL)
        ncommands++;
    /* The console's own commands are offered beside the language's. */
    const char **extra = xcalloc(ncommands + 1, sizeof *extra);
    for (size_t i = 0; i < ncommands; i++)
        extra[i] = console_commands[i].name;
    console_free_lines(&con->completions, &con->ncompletions);
    char *before = xstrndup(con->prompt.text, con->prompt.cursor);
    cmd_complete(con->ctx, before, extra, &c);
    free(before);
    free(extra);
    size_t common = cmd_completion_common(&c);
    if (c.n == 1 || common > c.prefix_len) {
        char *more =
            xstrndup(c.words[0] + c.prefix_len,
                     (c.n == 1 ? strlen(c.words[0]) : common) - c.prefix_len);
        prompt_insert(&con->prompt, more);
        free(more);
    } else if (c.n > 1) {
        con->completions = c.words;
        con->ncompletions = c.n;
        c.words = NULL;
        c.n = 0;
    }
    cmd_completion_free(&c);
}

static void
console_prompt_key(struct console *con, int key)
{
    enum prompt_result r = prompt_key(&con->prompt, key);

    if (r != PROMPT_COMPLETE)
        console_free_lines(&con->completions, &con->ncompletions);
    switch (r) {
    case PROMPT_EDITING:
        if (con->prompt_is_value)
            console_check_value(con);
        break;
    case PROMPT_COMPLETE:
        if (!con->prompt_is_value)
            console_complete(con);
        break;
    case PROMPT_CANCEL:
        con->mode = MODE_NORMAL;
        prompt_wipe(&con->prompt); /* it may hold a password */
        break;
    case PROMPT_ACCEPT: {
        char *text = xstrdup(con->prompt.text);
        con->mode = MODE_NORMAL;
        if (con->prompt_is_value) {
            if (con->prompt_check[0] != '\0') {
                /* Fix it first: what is typed next replaces it, as it
                 * replaced the value offered. */
                con->mode = MODE_PROMPT;
                prompt_select_all(&con->prompt);
            } else if (text[0] != '\0') {
                console_stage(con, con->value_field, text);
            }
        } else {
            /* Neither the history file nor the screen shows the password
             * of a drive URI. */
            char *clean = transport_redact(text);
            struct err err;
            err_clear(&err);
            if (prompt_remember(&con->prompt, clean, &err) != 0)
                console_log(con, true,
                            "%s; the console's history is no longer saved",
                            err.msg);
            snprintf(con->output_title, sizeof con->output_title, "%s", clean);
            free(clean);
            prompt_wipe(&con->prompt); /* it may hold a password */
            con->output_wanted = true;
            console_run(con, text);
            con->output_wanted = false;
        }
        explicit_bzero(text, strlen(text)); /* it may hold a password */
        free(text);
        break;
    }
    }
}

/* The command a key runs on the main screen, or NULL. */
static const char *
console_key_command(int key)
{
    for (size_t i = 0; console_keys[i].command != NULL; i++)
        if (console_keys[i].key == key)
            return console_keys[i].command;
    return NULL;
}

/* Lines of the output view that fit the screen below its title. */
static size_t
console_output_height(const struct console *con)
{
    int rows = con->screen_rows > 0 ? con->screen_rows : CONSOLE_MIN_ROWS;
    return rows > 2 ? (size_t)rows - 2 : 1;
}

static void
console_output_key(struct console *con, int key)
{
    size_t height = console_output_height(con);
    size_t last = con->noutput > height ? con->noutput - height : 0;
    size_t widest = 0;
    for (size_t i = 0; i < con->noutput; i++) {
        size_t w = (size_t)canvas_text_width(con->output[i].text);
        if (w > widest)
            widest = w;
    }
    size_t cols = con->screen_cols > 2 ? (size_t)con->screen_cols - 2
                                       : CONSOLE_MIN_COLS - 2;
    size_t right = widest > cols ? widest - cols : 0;
    size_t *top = &con->output_top, *left = &con->output_left;

    if (key == TERM_KEY_UP || key == 'k')
        *top = *top > 0 ? *top - 1 : 0;
    else if (key == TERM_KEY_DOWN || key == 'j')
        *top = *top < last ? *top + 1 : last;
    else if (key == TERM_KEY_PGUP)
        *top = *top > height ? *top - height : 0;
    else if (key == TERM_KEY_PGDN || key == ' ')
        *top = *top + height < last ? *top + height : last;
    else if (key == TERM_KEY_HOME || key == 'g')
        *top = 0;
    else if (key == TERM_KEY_END || key == 'G')
        *top = last;
    else if (key == TERM_KEY_LEFT || key == 'h')
        *left = *left > 10 ? *left - 10 : 0;
    else if (key == TERM_KEY_RIGHT || key == 'l')
        *left = *left + 10 < right ? *left + 10 : right;
    else if (key == 0x1b || key == 'q' || key == TERM_KEY_ENTER)
        con->mode = MODE_NORMAL;
    else {
        /* Any other key closes the view and does what it does: keys
         * typed ahead behind a command (":edit ...", then c, y) are not
         * swallowed by its answer. */
        con->mode = MODE_NORMAL;
        console_apply_key(con, key);
    }
}

void
console_apply_key(struct console *con, int key)
{
    switch (con->mode) {
    case MODE_OUTPUT:
        console_output_key(con, key);
        return;
    case MODE_PROMPT:
        console_prompt_key(con, key);
        return;
    case MODE_PICK:
        console_pick_key(con, key);
        return;
    case MODE_CONFIRM:
        console_confirm_key(con, key);
        return;
    case MODE_FLEET:
        console_fleet_key(con, key);
        return;
    case MODE_COMPARE:
        console_compare_key(con, key);
        return;
    case MODE_HELP:
        if (key == TERM_KEY_DOWN && con->help_top + 1 < console_help_length())
            con->help_top++;
        else if (key == TERM_KEY_UP && con->help_top > 0)
            con->help_top--;
        else if (key != TERM_KEY_UP && key != TERM_KEY_DOWN)
            con->mode = MODE_NORMAL;
        return;
    case MODE_LOG:
        if (key == TERM_KEY_UP && con->log_top + 1 < con->nlog)
            con->log_top++;
        else if (key == TERM_KEY_DOWN && con->log_top > 0)
            con->log_top--;
        else if (key != TERM_KEY_UP && key != TERM_KEY_DOWN)
            con->mode = MODE_NORMAL;
        return;
    case MODE_NORMAL:
        break;
    }
    const char *command = console_key_command(key);
    if (command != NULL)
        console_run(con, command);
}

bool
console_too_small(const struct console *con)
{
    return con->screen_rows > 0 && (con->screen_rows < CONSOLE_MIN_ROWS ||
                                    con->screen_cols < CONSOLE_MIN_COLS);
}

static bool
console_is_quit_key(int key)
{
    return key == 'q' || key == TERM_KEY_F10;
}

void
console_drop_typed(struct console *con, const char *why)
{
    if (con->ntyped > 0 &&
        (console_fleet_waiting(con) || console_compare_waiting(con)))
        console_log(con, true,
                    "%s: %zu key%s typed while the tagged drives were busy "
                    "were dropped; their answers still come",
                    why, con->ntyped, con->ntyped == 1 ? "" : "s");
    else if (con->ntyped > 0 && con->await_drive < con->ndrives)
        console_log(con, true,
                    "%s: %zu key%s typed while %s was busy were dropped; "
                    "its answer still comes",
                    why, con->ntyped, con->ntyped == 1 ? "" : "s",
                    con->drives[con->await_drive].snap.uri);
    con->ntyped = 0;
    con->await_seq = 0;
}

/* A key that moves the cursor in the Drives list needs nothing of the
 * drive it leaves: a drive that hangs in its first INQUIRY must not keep
 * the technician from moving on to another one. */
static bool
console_moves_between_drives(const struct console *con, int key)
{
    const char *command = console_key_command(key);

    return con->mode == MODE_NORMAL && con->focus == PANE_DRIVES &&
           command != NULL && strncmp(command, "cursor ", 7) == 0;
}

/* The drive in view has not yet answered its first INQUIRY and page
 * list (nor failed them): keys typed now would act on a screen without
 * its pages, so they wait for it as for a job of theirs; only 'key',
 * the next one, moving on to another drive does not. */
static bool
console_identifying(struct console *con, int key)
{
    const struct console_drive *d = console_drive(con);

    if (d == NULL || d->snap.failed ||
        (d->snap.identified && d->snap.pages_known) ||
        console_moves_between_drives(con, key))
        return false;
    con->await_drive = con->drive_cursor;
    return true;
}

/* Whether 'key', the next key to apply, waits for a drive's answer. */
static bool
console_waiting(struct console *con, int key)
{
    return con->await_seq != 0 || console_fleet_waiting(con) ||
           console_compare_waiting(con) || console_identifying(con, key);
}

/* Apply the keys typed, in order, until one hands a job to a drive: the
 * rest wait for its answer (console_collect feeds them then). */
void
console_feed(struct console *con)
{
    if (con->feeding)
        return; /* a key being applied collected an answer */
    con->feeding = true;
    while (con->ntyped > 0 && !console_waiting(con, con->typed[0]) &&
           !con->quit) {
        int key = con->typed[0];
        memmove(con->typed, con->typed + 1, --con->ntyped * sizeof *con->typed);
        console_apply_key(con, key);
    }
    con->feeding = false;
}

void
console_key(struct console *con, int key)
{
    /* Too small a screen shows no drive: only leaving and redrawing work
     * (the redraw key is Ctrl-L). */
    if (console_too_small(con) && !console_is_quit_key(key) && key != 0x0c)
        return;
    if (console_waiting(con, con->ntyped > 0 ? con->typed[0] : key)) {
        /* Esc while keys wait for a drive drops them, rather than have
         * them applied later to a screen that moved on; with none
         * waiting it waits its turn as any key (it closes the dialog
         * that 'c' is about to open). */
        if (key == 0x1b && con->ntyped > 0) {
            console_drop_typed(con, "Esc");
            return;
        }
        /* With none typed, Esc leaves the tagged drives' screen at
         * once: a drive that hangs in its dry run holds nobody. */
        if (key == 0x1b && console_fleet_waiting(con)) {
            console_fleet_leave(con);
            return;
        }
        if (key == 0x1b && console_compare_waiting(con)) {
            con->mode = MODE_NORMAL;
            return;
        }
        /* q pressed again behind a waiting q leaves without waiting
         * for the drive, as q does when nothing waits (staged edits are
         * still named first).  Only a q that is a key: one typed where a
         * prompt may be open by then is text. */
        if (console_is_quit_key(key) && con->mode == MODE_NORMAL &&
            con->ntyped > 0 &&
            console_is_quit_key(con->typed[con->ntyped - 1])) {
            bool text = false;
            for (size_t i = 0; i < con->ntyped; i++)
                text = text || con->typed[i] == ':' || con->typed[i] == 'e' ||
                       con->typed[i] == TERM_KEY_ENTER;
            if (!text) {
                con->ntyped = 0;
                con->await_seq = 0;
                console_quit(con, "");
                return;
            }
        }
    }
    if (con->ntyped == con->typed_cap) {
        con->typed_cap = con->typed_cap ? 2 * con->typed_cap : 16;
        con->typed = xrealloc(con->typed, con->typed_cap * sizeof *con->typed);
    }
    con->typed[con->ntyped++] = key;
    console_feed(con);
}
