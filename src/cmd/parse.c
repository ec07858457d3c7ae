#include "cmd/parse.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"
#include "util/xmalloc.h"

static const struct cmd_option *
cmd_option_find(const struct cmd_option *options, const char *name, size_t len,
                int *index)
{
    for (int i = 0; options != NULL && options[i].name != NULL; i++) {
        if (strlen(options[i].name) == len &&
            strncmp(options[i].name, name, len) == 0) {
            *index = i;
            return &options[i];
        }
    }
    return NULL;
}

/* Seconds, to the millisecond, from 'least' to an hour. */
static int
cmd_seconds(const char *option, const char *text, double least, uint32_t *ms,
            struct err *err)
{
    char *end;
    double v = strtod(text, &end);

    if (*text == '\0' || *end != '\0' || !isfinite(v) || v < least || v > 3600)
        return err_usage(err,
                         "--%s '%s': expected a number of seconds from %g to "
                         "3600",
                         option, text, least);
    *ms = (uint32_t)(v * 1000.0 + 0.5);
    return 0;
}

int
cmd_global_option(struct cmd_ctx *ctx, const char *name, const char *value,
                  struct err *err)
{
    if (strcmp(name, "trace") == 0) {
        ctx->trace_path = value;
        return 0;
    }
    if (strcmp(name, "timeout") == 0) {
        /* A command needs at least a millisecond to be sent at all. */
        return cmd_seconds(name, value, 0.001, &ctx->recorder.timeout_ms, err);
    }
    if (strcmp(name, "ready-wait") == 0)
        return cmd_seconds(name, value, 0, &ctx->recorder.ready_wait_ms, err);
    return err_usage(err, "unknown option '--%s' (see 'modecon help')", name);
}

int
cmd_take_global_options(struct cmd_ctx *ctx, const char *front_end, int *argc,
                        char **argv, struct err *err)
{
    int kept = 0, i = 0;

    for (; i < *argc; i++) {
        const char *word = argv[i], *name = word + 2, *eq;
        int index;
        if (strcmp(word, "--") == 0)
            break;
        if (strncmp(word, "--", 2) != 0) {
            /* Not an option; a word shorter than "--" ends before name. */
            argv[kept++] = argv[i];
            continue;
        }
        eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct cmd_option *opt =
            cmd_option_find(cmd_global_options, name, len, &index);
        if (opt == NULL) {
            argv[kept++] = argv[i];
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL && i + 1 < *argc)
            value = argv[++i];
        if (value == NULL)
            return err_usage(err, "%s: --%s needs a value (%s)", front_end,
                             opt->name, opt->arg_name);
        if (cmd_global_option(ctx, opt->name, value, err) != 0)
            return -1;
    }
    for (; i < *argc; i++)
        argv[kept++] = argv[i];
    *argc = kept;
    return 0;
}

/* Put the selected drive and page where a command's arguments leave them
 * out: a first argument that is no drive URI means the drive was left
 * out; a next one that is a FIELD=VALUE, or none, means the page was.
 * Any other word is the page, so that a page misspelt or ambiguous is
 * refused as such rather than read as a field of the selected one. */
static void
cmd_fill_selection(struct cmd_ctx *ctx, const struct cmd_entry *entry,
                   struct cmd_args *args)
{
    int at = 0;

    if (!(entry->flags & CMD_DRIVE_ARG))
        return;
    if (args->argc > 0 && transport_uri_known(args->argv[0])) {
        at = 1;
    } else if (ctx->selected_drive != NULL) {
        memmove(&args->argv[1], &args->argv[0],
                (size_t)args->argc * sizeof *args->argv);
        args->argv[0] = ctx->selected_drive;
        args->argc++;
        at = 1;
    } else {
        return;
    }
    if (!(entry->flags & CMD_PAGE_ARG) || ctx->selected_page == NULL)
        return;
    if (args->argc > at && strchr(args->argv[at], '=') == NULL)
        return;
    memmove(&args->argv[at + 1], &args->argv[at],
            (size_t)(args->argc - at) * sizeof *args->argv);
    args->argv[at] = ctx->selected_page;
    args->argc++;
}

/* The option of word "-o", "--name" or "--name=value" (*eq at '=', or
 * NULL), among the command's and then the global ones (*global). */
static const struct cmd_option *
cmd_parse_find(const struct cmd_entry *entry, const char *word, int *index,
               bool *global, const char **eq, struct err *err)
{
    const char *name = word + 2;
    const struct cmd_option *opt = NULL;

    *global = false;
    *eq = strchr(name, '=');
    if (word[1] != '-') { /* "-o": a letter, alone */
        for (int k = 0; entry->options[k].name != NULL; k++)
            if (word[2] == '\0' && entry->options[k].letter == word[1]) {
                opt = &entry->options[k];
                *index = k;
            }
        if (opt == NULL)
            err_usage(err, "%s: unknown option '%s'", entry->name, word);
        *eq = NULL;
        return opt;
    }
    size_t len = *eq ? (size_t)(*eq - name) : strlen(name);
    opt = cmd_option_find(entry->options, name, len, index);
    if (opt == NULL) {
        opt = cmd_option_find(cmd_global_options, name, len, index);
        *global = true;
    }
    if (opt == NULL)
        err_usage(err, "%s: unknown option '--%.*s'", entry->name, (int)len,
                  name);
    return opt;
}

/* The option word argv[*i] and its value, which may be the next word
 * (*i then moves past it): applied to ctx when global, else kept in
 * args. */
static int
cmd_parse_option(struct cmd_ctx *ctx, const struct cmd_entry *entry, int argc,
                 char **argv, int *i, struct cmd_args *args, struct err *err)
{
    const char *eq;
    int index;
    bool global;
    const struct cmd_option *opt =
        cmd_parse_find(entry, argv[*i], &index, &global, &eq, err);

    if (opt == NULL)
        return -1;
    const char *value = "";
    if (opt->has_arg) {
        if (eq != NULL)
            value = eq + 1;
        else if (*i + 1 < argc)
            value = argv[++*i];
        else
            return err_usage(err, "%s: --%s needs a value (%s)", entry->name,
                             opt->name, opt->arg_name);
    } else if (eq != NULL) {
        return err_usage(err, "%s: --%s takes no value", entry->name,
                         opt->name);
    }
    if (global)
        return cmd_global_option(ctx, opt->name, value, err);
    if (entry->repeatable != NULL &&
        strcmp(entry->repeatable, opt->name) == 0) {
        args->repeated[args->nrepeated++] = value;
        if (args->present[index])
            return 0;
    }
    /* Given twice, one would silently win: which one is the user's
     * intent cannot be told. */
    if (args->present[index])
        return err_usage(err, "%s: --%s is given twice", entry->name,
                         opt->name);
    args->present[index] = true;
    args->values[index] = value;
    return 0;
}

/* The number of arguments, once the selection filled in what it can. */
static int
cmd_parse_count(const struct cmd_ctx *ctx, const struct cmd_entry *entry,
                const struct cmd_args *args, struct err *err)
{
    if (args->argc >= entry->min_args && args->argc <= entry->max_args)
        return 0;
    char *usage = cmd_usage(entry);
    err_usage(err, "%s: expected %s%s%s\n%s", entry->name,
              entry->args[0] ? entry->args : "no arguments",
              args->argc > entry->max_args ? ", got more" : "",
              (entry->flags & CMD_DRIVE_ARG) && !ctx->selected_drive
                  ? " (or select a drive with 'open DRIVE')"
                  : "",
              usage);
    free(usage);
    return -1;
}

/*
 * Split words into options and positional arguments.  "--name value" and
 * "--name=value"; "--" ends the options; "-" alone is an argument (stdin).
 * Global options are applied to ctx wherever they appear.
 */
int
cmd_parse(struct cmd_ctx *ctx, const struct cmd_entry *entry, int argc,
          char **argv, struct cmd_args *args, bool *help, struct err *err)
{
    bool options_done = false;

    memset(args, 0, sizeof *args);
    /* Room for the selected drive and page (cmd_fill_selection), then
     * for the values of a repeatable option, freed with argv. */
    args->argv = xcalloc(2 * (size_t)argc + 3, sizeof *args->argv);
    args->repeated = (const char **)args->argv + argc + 3;
    *help = false;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (options_done || word[0] != '-' || strcmp(word, "-") == 0)
            args->argv[args->argc++] = argv[i];
        else if (strcmp(word, "--") == 0)
            options_done = true;
        else if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0)
            *help = true;
        else if (cmd_parse_option(ctx, entry, argc, argv, &i, args, err) != 0)
            return -1;
    }
    if (*help)
        return 0;
    cmd_fill_selection(ctx, entry, args);
    return cmd_parse_count(ctx, entry, args, err);
}
