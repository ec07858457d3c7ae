/*
 * The commands: one table of entries, each with its options, found by
 * name or unique prefix, and the usage text built from it.
 */
#ifndef MODECON_CMD_TABLE_H
#define MODECON_CMD_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/ctx.h"
#include "engine/recorder.h"
#include "util/err.h"

/* The ways to run the commands, for help: a selected drive or page and
 * staged edits last as long as one of these sessions. */
#define CMD_FRONT_ENDS                                                     \
    "front ends (the selected drive and page, and staged edits, last for " \
    "one session):\n"                                                      \
    "  modecon [console [DRIVE...]]   the console: drives, pages, fields " \
    "(on a terminal)\n"                                                    \
    "  modecon shell                  the commands at a prompt, with "     \
    "history and Tab completion\n"                                         \
    "  modecon [--batch] -c 'CMD; CMD' several commands in one session "   \
    "(--batch: one output stream)"

#define CMD_MAX_OPTIONS 12

struct cmd_option {
    const char *name; /* long name without "--" */
    bool has_arg;
    const char *arg_name; /* "FILE" */
    const char *help;
    char letter; /* "-o" for the few options short enough to need one; or 0 */
};

/* Arguments after option parsing. */
struct cmd_args {
    int argc;
    char **argv;                         /* positional arguments; borrowed */
    const char *values[CMD_MAX_OPTIONS]; /* per option: value or "" */
    bool present[CMD_MAX_OPTIONS];
    /* Every value of the repeatable option, in order; in argv's block. */
    const char **repeated;
    int nrepeated;
};

/* cmd_entry flags */
/* May change a drive: counted, dry-runnable. */
#define CMD_MUTATES 0x01
/* The first argument is a DRIVE: 'open' fills it. */
#define CMD_DRIVE_ARG 0x02
/* Then a PAGE: 'page' fills it. */
#define CMD_PAGE_ARG 0x04
/* Changes drives through a command that journals. */
#define CMD_NO_JOURNAL 0x08
/* Selects or stages what later commands act on (open, page, edit,
 * discard): a script saved from a session keeps it, as it keeps every
 * command that may change a drive (CMD_MUTATES), and leaves out the
 * others, which only look. */
#define CMD_SELECTS 0x10

struct cmd_entry {
    const char *name;
    const char *alias;   /* another name, e.g. "source" for replay; or NULL */
    const char *args;    /* "DRIVE PAGE" for the usage line */
    const char *summary; /* one line */
    const struct cmd_option *options; /* terminated by { NULL } */
    int min_args, max_args;
    int flags;
    /* The one option that may be given more than once ("--drive A
     * --drive B"), or NULL. */
    const char *repeatable;
    /* The option that holds the command to the drive as the user saw it
     * ("set --expect-page", "undo --expect"), or NULL: not journalled,
     * for a replay runs on the state its own lines leave. */
    const char *guard;
    enum cmd_status (*exec)(struct cmd_ctx *ctx, const struct cmd_args *args);
};

extern const struct cmd_entry *const cmd_table[];

/* Global options, accepted before the command name and among its
 * arguments. */
extern const struct cmd_option cmd_global_options[];

/* The entry by exact name or unique prefix; NULL with a usage error
 * (unknown, or ambiguous with the candidates named). */
const struct cmd_entry *cmd_find(const char *name, struct err *err);

/* Edit distance (insertions, deletions, substitutions, swaps of two
 * neighbours) between short words, for the names a mistyped one most
 * likely meant; SIZE_MAX for words of 24 characters or more. */
size_t cmd_distance(const char *a, const char *b);

/* The value of option 'name' of 'entry', or NULL when not given. */
const char *cmd_arg_value(const struct cmd_entry *entry,
                          const struct cmd_args *args, const char *name);
bool cmd_arg_flag(const struct cmd_entry *entry, const struct cmd_args *args,
                  const char *name);
/* Every value of the repeatable option 'name', in the order given (*n of
 * them, 0 when not given); borrowed from args. */
const char *const *cmd_arg_values(const struct cmd_entry *entry,
                                  const struct cmd_args *args, const char *name,
                                  int *n);

/* --type TYPE, defaulting to current. */
int cmd_request_type(const struct cmd_entry *entry, const struct cmd_args *args,
                     enum mode_request *rt, struct err *err);

/* The usage text of a command, or of all commands when entry is NULL;
 * a new string the caller frees. */
char *cmd_usage(const struct cmd_entry *entry);

#endif
