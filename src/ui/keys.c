/* The console's keys: each runs a command string (ui/console.h), so that
 * anything a key does can also be typed at ':' or bound differently. */
#include "ui/console.h"
#include "ui/term.h"

#define CTRL(c) ((c)&0x1f)

/* clang-format off */
const struct key_binding console_keys[] = {
    { TERM_KEY_UP,     "Up, k",      "cursor up" },
    { 'k',             NULL,         "cursor up" },
    { TERM_KEY_DOWN,   "Down, j",    "cursor down" },
    { 'j',             NULL,         "cursor down" },
    { TERM_KEY_PGUP,   "PgUp",       "cursor page-up" },
    { TERM_KEY_PGDN,   "PgDn",       "cursor page-down" },
    { TERM_KEY_HOME,   "Home, g",    "cursor first" },
    { 'g',             NULL,         "cursor first" },
    { TERM_KEY_END,    "End, G",     "cursor last" },
    { 'G',             NULL,         "cursor last" },
    { '\t',            "Tab, Right", "focus next" },
    { TERM_KEY_RIGHT,  NULL,         "focus next" },
    { TERM_KEY_BTAB,   "S-Tab, Left", "focus previous" },
    { TERM_KEY_LEFT,   NULL,         "focus previous" },
    { TERM_KEY_ENTER,  "Enter, Space", "activate" },
    { ' ',             NULL,         "activate" },
    { 'e',             "e",          "edit-field" },
    { 'c',             "c",          "confirm-commit" },
    { 'd',             "d",          "discard" },
    { 'u',             "u",          "confirm-undo" },
    { 'D',             "D",          "confirm-defaults" },
    { 't',             "t",          "tag" },
    { 'T',             "T",          "tag-all" },
    { '=',             "=",          "compare" },
    { 'r',             "r",          "refresh" },
    { 'x',             "x",          "toggle-hex" },
    { 'L',             "L",          "show-log" },
    { TERM_KEY_F1,     "F1, ?",      "show-help" },
    { '?',             NULL,         "show-help" },
    { ':',             ":",          "prompt" },
    { 0x1b,            "Esc",        "dismiss" },
    { CTRL('l'),       "Ctrl-L",     "redraw" },
    { 'q',             "q, F10",     "quit" },
    { TERM_KEY_F10,    NULL,         "quit" },
    { 0, NULL, NULL },
};
/* clang-format on */
