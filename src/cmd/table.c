#include "cmd/table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"
#include "util/xmalloc.h"

extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_pages_entry;
extern const struct cmd_entry cmd_get_entry;
extern const struct cmd_entry cmd_snapshot_entry;
extern const struct cmd_entry cmd_set_entry;
extern const struct cmd_entry cmd_power_cycle_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_explain_entry;
extern const struct cmd_entry cmd_defaults_entry;
extern const struct cmd_entry cmd_pagedefs_entry;
extern const struct cmd_entry cmd_replay_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_open_entry;
extern const struct cmd_entry cmd_page_entry;
extern const struct cmd_entry cmd_edit_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_commit_entry;
extern const struct cmd_entry cmd_discard_entry;
extern const struct cmd_entry cmd_undo_entry;
extern const struct cmd_entry cmd_restore_entry;

/* One command a line, in the order 'help' lists them. */
/* clang-format off */
const struct cmd_entry *const cmd_table[] = {
    &cmd_list_entry,
    &cmd_open_entry,
    &cmd_page_entry,
    &cmd_pages_entry,
    &cmd_get_entry,
    &cmd_snapshot_entry,
    &cmd_restore_entry,
    &cmd_show_entry,
    &cmd_set_entry,
    &cmd_edit_entry,
    &cmd_diff_entry,
    &cmd_commit_entry,
    &cmd_discard_entry,
    &cmd_undo_entry,
    &cmd_defaults_entry,
    &cmd_explain_entry,
    &cmd_pagedefs_entry,
    &cmd_power_cycle_entry,
    &cmd_replay_entry,
    &cmd_history_entry,
    &cmd_help_entry,
    NULL,
};
/* clang-format on */

const struct cmd_option cmd_global_options[] = {
    { "trace", true, "FILE", "append every SCSI command as a JSON line to FILE",
      0 },
    { "timeout", true, "SECONDS", "time-out of each SCSI command (default 10)",
      0 },
    { "ready-wait", true, "SECONDS",
      "how long to retry a drive that is becoming ready (default 5)", 0 },
    { NULL, false, NULL, NULL, 0 },
};

size_t
cmd_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[24][24];

    if (la >= 24 || lb >= 24)
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The command a mistyped name most likely meant, or NULL. */
static const char *
cmd_nearest(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3; /* two edits at most */

    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        size_t dist = cmd_distance(name, cmd_table[i]->name);
        if (dist < best_d) {
            best_d = dist;
            best = cmd_table[i]->name;
        }
    }
    return best;
}

const struct cmd_entry *
cmd_find(const char *name, struct err *err)
{
    const struct cmd_entry *found = NULL;
    char candidates[256] = "";
    int matches = 0;
    size_t len = strlen(name);

    /* Whole names first: they are what scripts and replay files hold. */
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        const struct cmd_entry *entry = cmd_table[i];
        if (entry->name[0] == name[0] && strcmp(entry->name, name) == 0)
            return entry;
        if (entry->alias != NULL && strcmp(entry->alias, name) == 0)
            return entry;
    }
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        const struct cmd_entry *entry = cmd_table[i];
        if (strncmp(entry->name, name, len) == 0) {
            found = entry;
            matches++;
            size_t n = strlen(candidates);
            snprintf(candidates + n, sizeof candidates - n, "%s%s",
                     n ? ", " : "", entry->name);
        }
    }
    if (matches == 1)
        return found;
    if (matches > 1)
        err_usage(err, "'%s' is ambiguous: could be %s", name, candidates);
    else
        err_usage(err, "unknown command '%s'%s%s%s (see 'modecon help')", name,
                  cmd_nearest(name) ? "; did you mean '" : "",
                  cmd_nearest(name) ? cmd_nearest(name) : "",
                  cmd_nearest(name) ? "'?" : "");
    return NULL;
}

static int
cmd_option_index(const struct cmd_entry *entry, const char *name)
{
    for (int i = 0; entry->options[i].name != NULL; i++)
        if (strcmp(entry->options[i].name, name) == 0)
            return i;
    abort(); /* a command asked for an option it does not declare */
}

const char *
cmd_arg_value(const struct cmd_entry *entry, const struct cmd_args *args,
              const char *name)
{
    int i = cmd_option_index(entry, name);
    return args->present[i] ? args->values[i] : NULL;
}

bool
cmd_arg_flag(const struct cmd_entry *entry, const struct cmd_args *args,
             const char *name)
{
    return args->present[cmd_option_index(entry, name)];
}

const char *const *
cmd_arg_values(const struct cmd_entry *entry, const struct cmd_args *args,
               const char *name, int *n)
{
    (void)cmd_option_index(entry, name); /* declared, or abort */
    *n = entry->repeatable != NULL && strcmp(entry->repeatable, name) == 0 &&
                 args->repeated != NULL
             ? args->nrepeated
             : 0;
    return args->repeated;
}

int
cmd_request_type(const struct cmd_entry *entry, const struct cmd_args *args,
                 enum mode_request *rt, struct err *err)
{
    const char *text = cmd_arg_value(entry, args, "type");

    *rt = MODE_REQUEST_CURRENT;
    return text ? mode_request_parse(text, rt, err) : 0;
}

static void
cmd_usage_options(char **text, const struct cmd_option *options)
{
    for (size_t i = 0; options != NULL && options[i].name != NULL; i++) {
        char left[64], letter[8] = "";
        if (options[i].letter != 0)
            snprintf(letter, sizeof letter, "-%c, ", options[i].letter);
        snprintf(left, sizeof left, "%s--%s%s%s", letter, options[i].name,
                 options[i].has_arg ? " " : "",
                 options[i].has_arg ? options[i].arg_name : "");
        char *joined =
            xasprintf("%s\n  %-20s %s", *text, left, options[i].help);
        free(*text);
        *text = joined;
    }
}

char *
cmd_usage(const struct cmd_entry *entry)
{
    char *text;

    if (entry != NULL) {
        text =
            xasprintf("usage: modecon %s%s%s\n%s", entry->name,
                      entry->args[0] ? " " : "", entry->args, entry->summary);
        cmd_usage_options(&text, entry->options);
        return text;
    }
    text = xstrdup("usage: modecon [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
                   "commands:");
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        char left[80];
        snprintf(left, sizeof left, "%s %s", cmd_table[i]->name,
                 cmd_table[i]->args);
        char *joined =
            xasprintf("%s\n  %-28s %s", text, left, cmd_table[i]->summary);
        free(text);
        text = joined;
    }
    char *joined =
        xasprintf("%s\n\n%s\n\nglobal options:", text, CMD_FRONT_ENDS);
    free(text);
    text = joined;
    cmd_usage_options(&text, cmd_global_options);
    joined = xasprintf("%s\n\nDRIVE is %s (see 'modecon list'), optionally "
                       "with ?fault=SPEC; an iSCSI one also with "
                       "?initiator=IQN.\n"
                       "'modecon COMMAND --help' describes a command.",
                       text, TRANSPORT_URI_FORMS);
    free(text);
    return joined;
}
