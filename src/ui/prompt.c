#include "ui/prompt.h"

#include <histedit.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/histfile.h"
#include "ui/canvas.h"
#include "ui/term.h"
#include "util/text.h"
#include "util/xmalloc.h"

#define PROMPT_HISTORY_SIZE 1000

int
prompt_init(struct prompt *p, const char *history_file, struct err *err)
{
    HistEvent ev;

    memset(p, 0, sizeof *p);
    p->cap = 64;
    p->text = xcalloc(1, p->cap);
    if (history_file == NULL)
        return 0;
    History *h = history_init();
    if (h == NULL)
        abort(); /* libedit fails only when out of memory */
    history(h, &ev, H_SETSIZE, PROMPT_HISTORY_SIZE);
    history(h, &ev, H_SETUNIQUE, 1);
    p->history = h;
    /* A file refused (a link, a FIFO) is neither read nor replaced: Up
     * and Down still walk this session's lines. */
    if (histfile_load(h, history_file, err) != 0)
        return -1;
    p->history_path = xstrdup(history_file);
    return 0;
}

void
prompt_fini(struct prompt *p)
{
    if (p->history != NULL)
        history_end(p->history);
    free(p->history_path);
    if (p->text != NULL)
        explicit_bzero(p->text, p->cap);
    free(p->text);
    memset(p, 0, sizeof *p);
}

/* Room for 'need' bytes.  What is typed may hold a password: moved by
 * hand, for realloc would leave the old block as it is. */
static void
prompt_reserve(struct prompt *p, size_t need)
{
    if (need <= p->cap)
        return;
    size_t cap = need + 64;
    char *more = xcalloc(1, cap);
    memcpy(more, p->text, p->cap);
    explicit_bzero(p->text, p->cap);
    free(p->text);
    p->text = more;
    p->cap = cap;
}

void
prompt_wipe(struct prompt *p)
{
    explicit_bzero(p->text, p->cap);
    p->len = p->cursor = 0;
    p->selected = false;
}

static void
prompt_set(struct prompt *p, const char *text)
{
    size_t len = strlen(text);
    /* Nothing of the text before stays after the new one's end. */
    explicit_bzero(p->text, p->cap);
    prompt_reserve(p, len + 1);
    memcpy(p->text, text, len + 1);
    p->len = p->cursor = len;
}

void
prompt_open(struct prompt *p, const char *label, const char *text)
{
    snprintf(p->label, sizeof p->label, "%s", label);
    prompt_set(p, text);
    p->browsing = false;
    p->selected = false;
}

void
prompt_select_all(struct prompt *p)
{
    p->cursor = p->len;
    p->selected = p->len > 0;
}

void
prompt_insert(struct prompt *p, const char *text)
{
    size_t n = strlen(text);
    prompt_reserve(p, p->len + n + 1);
    memmove(p->text + p->cursor + n, p->text + p->cursor,
            p->len - p->cursor + 1);
    memcpy(p->text + p->cursor, text, n);
    p->len += n;
    p->cursor += n;
}

/* Byte offsets of the characters before and after the cursor. */
static size_t
prompt_prev(const struct prompt *p, size_t at)
{
    if (at == 0)
        return 0;
    at--;
    while (at > 0 && ((unsigned char)p->text[at] & 0xc0) == 0x80)
        at--;
    return at;
}

static size_t
prompt_next(const struct prompt *p, size_t at)
{
    if (at >= p->len)
        return p->len;
    at++;
    while (at < p->len && ((unsigned char)p->text[at] & 0xc0) == 0x80)
        at++;
    return at;
}

static void
prompt_delete(struct prompt *p, size_t from, size_t to)
{
    memmove(p->text + from, p->text + to, p->len - to + 1);
    p->len -= to - from;
    p->cursor = from;
    explicit_bzero(p->text + p->len + 1, to - from);
}

/* libedit's list runs from the newest line (H_FIRST) to older ones
 * (H_NEXT); H_PREV goes back towards the newest. */
static void
prompt_history(struct prompt *p, bool older)
{
    HistEvent ev;
    int rc;

    if (p->history == NULL)
        return;
    if (older)
        rc = history(p->history, &ev, p->browsing ? H_NEXT : H_FIRST);
    else if (p->browsing)
        rc = history(p->history, &ev, H_PREV);
    else
        return;
    if (rc == -1) {
        if (!older) { /* past the newest: back to an empty line */
            p->browsing = false;
            prompt_set(p, "");
        }
        return;
    }
    p->browsing = true;
    prompt_set(p, ev.str);
    p->text[strcspn(p->text, "\n")] = '\0';
    p->len = p->cursor = strlen(p->text);
}

int
prompt_remember(struct prompt *p, const char *line, struct err *err)
{
    HistEvent ev;

    if (p->history == NULL || line[strspn(line, " ")] == '\0')
        return 0;
    history(p->history, &ev, H_ENTER, line);
    if (p->history_path == NULL)
        return 0;
    if (histfile_save(p->history, p->history_path, err) != 0) {
        /* Said once: the session goes on without saving its history. */
        free(p->history_path);
        p->history_path = NULL;
        return -1;
    }
    return 0;
}

static void
prompt_put_char(struct prompt *p, int key)
{
    char buf[5];

    buf[text_encode((uint32_t)key, buf)] = '\0';
    prompt_insert(p, buf);
}

#define CTRL(c) ((c)&0x1f)

enum prompt_result
prompt_key(struct prompt *p, int key)
{
    bool was_selected = p->selected;

    /* Any key but completion ends the selection; a character typed, or
     * Delete, takes the selected text with it first. */
    if (key != '\t')
        p->selected = false;
    if (was_selected && (key == TERM_KEY_DELETE || key == CTRL('d') ||
                         (key >= 0x20 && key < 0x110000 && key != 0x7f))) {
        prompt_delete(p, 0, p->len);
        if (key == TERM_KEY_DELETE || key == CTRL('d'))
            return PROMPT_EDITING;
    }
    switch (key) {
    case TERM_KEY_ENTER:
        return PROMPT_ACCEPT;
    case 0x1b: /* Esc */
    case CTRL('c'):
    case CTRL('g'):
        return PROMPT_CANCEL;
    case '\t':
        return PROMPT_COMPLETE;
    case TERM_KEY_BACKSPACE:
        if (p->len == 0)
            return PROMPT_CANCEL;
        if (p->cursor > 0)
            prompt_delete(p, prompt_prev(p, p->cursor), p->cursor);
        break;
    case TERM_KEY_DELETE:
    case CTRL('d'):
        if (p->cursor < p->len)
            prompt_delete(p, p->cursor, prompt_next(p, p->cursor));
        break;
    case TERM_KEY_LEFT:
    case CTRL('b'):
        p->cursor = prompt_prev(p, p->cursor);
        break;
    case TERM_KEY_RIGHT:
    case CTRL('f'):
        p->cursor = prompt_next(p, p->cursor);
        break;
    case TERM_KEY_HOME:
    case CTRL('a'):
        p->cursor = 0;
        break;
    case TERM_KEY_END:
    case CTRL('e'):
        p->cursor = p->len;
        break;
    case CTRL('u'):
        prompt_delete(p, 0, p->cursor);
        break;
    case CTRL('k'):
        prompt_delete(p, p->cursor, p->len);
        break;
    case CTRL('w'): {
        size_t at = p->cursor;
        while (at > 0 && p->text[at - 1] == ' ')
            at--;
        while (at > 0 && p->text[at - 1] != ' ')
            at--;
        prompt_delete(p, at, p->cursor);
        break;
    }
    case TERM_KEY_UP:
    case CTRL('p'):
        prompt_history(p, true);
        break;
    case TERM_KEY_DOWN:
    case CTRL('n'):
        prompt_history(p, false);
        break;
    default:
        if (key >= 0x20 && key < 0x110000 && key != 0x7f)
            prompt_put_char(p, key);
        break;
    }
    return PROMPT_EDITING;
}

int
prompt_cursor_col(const struct prompt *p)
{
    char *head = xstrndup(p->text, p->cursor);
    int col = canvas_text_width(head);
    free(head);
    return col;
}
