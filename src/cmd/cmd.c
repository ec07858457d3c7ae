#include "cmd/cmd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/changes.h"
#include "cmd/journal.h"
#include "cmd/line.h"
#include "engine/errfmt.h"
#include "engine/pagenames.h"
#include "transport/trace.h"
#include "transport/transport.h"
#include "util/atomicfile.h"
#include "util/paths.h"
#include "util/text.h"
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

void
cmd_ctx_init(struct cmd_ctx *ctx, const struct cmd_output *output)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->output = output;
    recorder_options_init(&ctx->recorder);
    err_clear(&ctx->last_error);
}

void
cmd_ctx_fini(struct cmd_ctx *ctx)
{
    for (size_t i = 0; i < ctx->ndrives; i++) {
        recorder_free(ctx->drives[i].rec);
        free(ctx->drives[i].uri);
    }
    free(ctx->drives);
    ctx->drives = NULL;
    ctx->ndrives = 0;
    if (ctx->pagedb_loaded)
        pagedb_fini(&ctx->pagedb);
    sense_map_fini(&ctx->sense_map);
    free(ctx->selected_drive);
    free(ctx->selected_page);
    free(ctx->journal_data);
    ctx->journal_data = NULL;
    cmd_stage_clear(ctx);
    for (size_t i = 0; i < ctx->nsession_lines; i++)
        free(ctx->session_lines[i]);
    free(ctx->session_lines);
    ctx->session_lines = NULL;
    ctx->nsession_lines = 0;
    ctx->selected_drive = ctx->selected_page = NULL;
    ctx->pagedb_loaded = false;
    trace_close(ctx->trace);
    ctx->trace = NULL;
}

/*
 * Every line a command shows goes out through here, to whatever front end
 * runs it.  Lines quote what drives, targets, drive files, page
 * definitions and replay files hold, and any of those may carry escape
 * sequences meant for the terminal: this one place shows them as text
 * (util/text.h), so that no command can forget to.  Newlines and tabs are
 * the command's own layout and stay.
 */
static void
cmd_emit(void (*emit)(void *, const char *), void *arg, const char *text)
{
    if (text_is_safe(text, true)) {
        emit(arg, text);
        return;
    }
    char *visible = text_visible(text, true);
    emit(arg, visible);
    free(visible);
}

static void cmd_vemit(void (*emit)(void *, const char *), void *arg,
                      const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
cmd_vemit(void (*emit)(void *, const char *), void *arg, const char *fmt,
          va_list ap)
{
    char line[256], *text = line;
    va_list ap2;
    int n;

    /* Most lines fit on the stack; only long ones need the heap. */
    va_copy(ap2, ap);
    n = vsnprintf(line, sizeof line, fmt, ap);
    if (n >= (int)sizeof line) {
        text = xmalloc((size_t)n + 1);
        vsnprintf(text, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    cmd_emit(emit, arg, n < 0 ? "" : text);
    if (text != line)
        free(text);
}

void
cmd_print(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cmd_vemit(ctx->output->out, ctx->output->arg, fmt, ap);
    va_end(ap);
}

void
cmd_print_text(struct cmd_ctx *ctx, const char *text)
{
    cmd_emit(ctx->output->out, ctx->output->arg, text);
}

void
cmd_warn(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cmd_vemit(ctx->output->err, ctx->output->arg, fmt, ap);
    va_end(ap);
}

void
cmd_print_json(struct cmd_ctx *ctx, json_t *json)
{
    char *text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    json_decref(json);
    if (text == NULL)
        abort(); /* jansson fails only when out of memory */
    /* jansson writes C0 characters as \u00XX but DEL and C1 (CSI U+009B)
     * as they are; they can only stand inside strings, where \u00XX is
     * the same value and nothing a terminal acts on. */
    char *escaped = xmalloc(6 * strlen(text) + 1);
    size_t used = 0;
    for (const char *p = text; *p != '\0';) {
        const char *start = p;
        uint32_t c = text_next_char(&p);
        if (text_is_control(c) && c != '\n') {
            used += (size_t)snprintf(escaped + used, 7, "\\u%04X", c);
        } else {
            memcpy(escaped + used, start, (size_t)(p - start));
            used += (size_t)(p - start);
        }
    }
    escaped[used] = '\0';
    free(text);
    cmd_emit(ctx->output->out, ctx->output->arg, escaped);
    free(escaped);
}

json_t *
cmd_drive_error_json(const char *drive, const struct err *err)
{
    char value[16];
    char *safe = transport_redact(drive);
    json_t *error = json_object(), *obj = json_object();

    snprintf(value, sizeof value, "0x%08X", err->hr);
    json_object_set_new(error, "hresult", json_string(hresult_name(err->hr)));
    json_object_set_new(error, "hresult_value", json_string(value));
    json_object_set_new(error, "message", text_json(err->msg));
    json_object_set_new(obj, "drive", text_json(safe));
    json_object_set_new(obj, "error", error);
    free(safe);
    return obj;
}

enum cmd_status
cmd_drive_error(struct cmd_ctx *ctx, const char *drive, const struct err *err,
                bool alone)
{
    char *safe = transport_redact(drive);
    struct err named = *err;

    if (strstr(err->msg, safe) == NULL)
        err_prefix(&named, "%s", safe);
    free(safe);
    enum cmd_status status = cmd_error(ctx, &named);
    return alone ? status : CMD_FAILED;
}

enum cmd_status
cmd_error(struct cmd_ctx *ctx, const struct err *err)
{
    char line[1024];
    const char *advice = hresult_advice(err->hr);

    ctx->last_error = *err;
    errfmt_line(err, line, sizeof line);
    cmd_warn(ctx, "%s", line);
    if (!err->usage && advice[0] != '\0')
        cmd_warn(ctx, "  try: %s", advice);
    return err->usage ? CMD_USAGE : CMD_FAILED;
}

/* Edit distance (insertions, deletions, substitutions, swaps of two
 * neighbours) between short words. */
static size_t
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

/*
 * Split words into options and positional arguments.  "--name value" and
 * "--name=value"; "--" ends the options; "-" alone is an argument (stdin).
 * Global options are applied to ctx wherever they appear.
 */
static int
cmd_parse(struct cmd_ctx *ctx, const struct cmd_entry *entry, int argc,
          char **argv, struct cmd_args *args, bool *help, struct err *err)
{
    bool options_done = false;

    memset(args, 0, sizeof *args);
    /* Room for the selected drive and page (cmd_fill_selection). */
    args->argv = xcalloc((size_t)argc + 3, sizeof *args->argv);
    *help = false;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (options_done || word[0] != '-' || strcmp(word, "-") == 0) {
            args->argv[args->argc++] = argv[i];
            continue;
        }
        if (strcmp(word, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
            *help = true;
            continue;
        }
        const char *name = word + 2, *eq = strchr(name, '=');
        const struct cmd_option *opt = NULL;
        int index, global = 0;
        if (word[1] != '-') { /* "-o": a letter, alone */
            for (int k = 0; entry->options[k].name != NULL; k++)
                if (word[2] == '\0' && entry->options[k].letter == word[1]) {
                    opt = &entry->options[k];
                    index = k;
                }
            if (opt == NULL)
                return err_usage(err, "%s: unknown option '%s'", entry->name,
                                 word);
            name = opt->name;
            eq = NULL;
        }
        size_t len = eq ? (size_t)(eq - name) : strlen(name);

        if (opt == NULL)
            opt = cmd_option_find(entry->options, name, len, &index);
        if (opt == NULL) {
            opt = cmd_option_find(cmd_global_options, name, len, &index);
            global = 1;
        }
        if (opt == NULL)
            return err_usage(err, "%s: unknown option '--%.*s'", entry->name,
                             (int)len, name);
        const char *value = "";
        if (opt->has_arg) {
            if (eq != NULL)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return err_usage(err, "%s: --%s needs a value (%s)",
                                 entry->name, opt->name, opt->arg_name);
        } else if (eq != NULL) {
            return err_usage(err, "%s: --%s takes no value", entry->name,
                             opt->name);
        }
        if (global) {
            if (cmd_global_option(ctx, opt->name, value, err) != 0)
                return -1;
            continue;
        }
        /* Given twice, one would silently win: which one is the user's
         * intent cannot be told. */
        if (args->present[index])
            return err_usage(err, "%s: --%s is given twice", entry->name,
                             opt->name);
        args->present[index] = true;
        args->values[index] = value;
    }
    if (*help)
        return 0;
    cmd_fill_selection(ctx, entry, args);
    if (args->argc < entry->min_args || args->argc > entry->max_args) {
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
    return 0;
}

/* Whether a command only showed what it would send. */
static bool
cmd_dry_run(const struct cmd_ctx *ctx, const struct cmd_entry *entry,
            const struct cmd_args *args)
{
    if (ctx->dry_run)
        return true;
    for (int i = 0; entry->options[i].name != NULL; i++)
        if (strcmp(entry->options[i].name, "dry-run") == 0)
            return args->present[i];
    return false;
}

static void cmd_load_sense_map(struct cmd_ctx *ctx);

/* A name for this run of a command, unique on this machine: the undo
 * record groups a command's MODE SELECTs by it.  Console drives run
 * commands on their own threads, hence the atomic count. */
static void
cmd_new_run(struct cmd_ctx *ctx)
{
    static atomic_ulong runs;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(ctx->run, sizeof ctx->run, "%lld.%09ld-%ld-%lu",
             (long long)now.tv_sec, now.tv_nsec, (long)getpid(),
             atomic_fetch_add(&runs, 1) + 1);
}

unsigned long
cmd_selects_answered(const struct cmd_ctx *ctx)
{
    unsigned long n = 0;

    for (size_t i = 0; i < ctx->ndrives; i++)
        n += ctx->drives[i].changes;
    return n;
}

enum cmd_status
cmd_run_argv(struct cmd_ctx *ctx, int argc, char **argv)
{
    const struct cmd_entry *entry;
    struct cmd_args args;
    enum cmd_status status;
    struct err err;
    bool help;

    err_clear(&err);
    /* A CHAP password in a drive's URI goes no further: the words that
     * commands keep, show and record hold none from here on. */
    for (int i = 0; i < argc; i++)
        transport_take_secrets(argv[i]);
    if (argc < 1)
        return CMD_USAGE;
    entry = cmd_find(argv[0], &err);
    if (entry == NULL)
        return cmd_error(ctx, &err);
    /* Before any drive is opened, by this command or by those that open
     * their own (list, pages). */
    if (!ctx->sense_map_loaded)
        cmd_load_sense_map(ctx);
    if (cmd_parse(ctx, entry, argc, argv, &args, &help, &err) != 0) {
        free(args.argv);
        return cmd_error(ctx, &err);
    }
    if (ctx->front != NULL)
        snprintf(ctx->client, sizeof ctx->client, "modecon %s: %s", ctx->front,
                 entry->name);
    else
        snprintf(ctx->client, sizeof ctx->client, "modecon %s", entry->name);
    ctx->recorder.client = ctx->client;
    cmd_new_run(ctx);
    if (help) {
        char *usage = cmd_usage(entry);
        cmd_print_text(ctx, usage);
        free(usage);
        status = CMD_OK;
    } else {
        bool journaled = (entry->flags & CMD_MUTATES) &&
                         !(entry->flags & CMD_NO_JOURNAL) &&
                         !cmd_dry_run(ctx, entry, &args);
        ctx->running_drive = (entry->flags & CMD_DRIVE_ARG) && args.argc > 0
                                 ? args.argv[0]
                                 : NULL;
        /* A journal that cannot be opened (a link or a FIFO in its place)
         * stops the command before it sends anything; a full disk is only
         * found when the record is written. */
        unsigned long selects = cmd_selects_answered(ctx);
        if (journaled && journal_check(&err) != 0)
            status = cmd_error(ctx, &err);
        else
            status = entry->exec(ctx, &args);
        ctx->running_drive = NULL;
        err_clear(&err);
        if (journaled && (status == CMD_OK || status == CMD_NOT_APPLIED) &&
            journal_record(ctx, entry, &args, &err) != 0) {
            /* A technician who relies on the journal to replay the change
             * elsewhere must learn that it is not there: the command
             * fails, though the drive has the change (exit 3 stays).  A
             * command that found the drive as asked sent nothing, and
             * the drive has no change to speak of. */
            cmd_error(ctx, &err);
            if (cmd_selects_answered(ctx) > selects)
                cmd_warn(ctx, "note: the drive has the change; only the "
                              "journal misses it");
            if (status == CMD_OK)
                status = CMD_FAILED;
        } else if (err.msg[0] != '\0') {
            /* Written, with a note: a record cut short before was
             * removed from the journal. */
            cmd_warn(ctx, "warning: %s", err.msg);
        }
        err_clear(&err);
        if (ctx->trace != NULL && trace_take_failure(ctx->trace, &err) != 0) {
            cmd_error(ctx, &err);
            err_clear(&err);
            if (status == CMD_OK)
                status = CMD_FAILED;
        }
        free(ctx->journal_data);
        ctx->journal_data = NULL;
    }
    free(args.argv);
    return status;
}

int
cmd_check_words(struct cmd_ctx *ctx, const struct cmd_words *w, struct err *err)
{
    const struct cmd_entry *entry;
    struct cmd_args args;
    bool help;

    if (w->argc < 1)
        return err_usage(err, "no command");
    /* What the command would be given: no password in what it quotes. */
    for (int i = 0; i < w->argc; i++)
        transport_take_secrets(w->argv[i]);
    if ((entry = cmd_find(w->argv[0], err)) == NULL)
        return -1;
    int rc = cmd_parse(ctx, entry, w->argc, w->argv, &args, &help, err);
    if (rc == 0)
        free(journal_canonical(ctx, entry, &args));
    free(args.argv);
    return rc;
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

void
cmd_stage_clear(struct cmd_ctx *ctx)
{
    for (int i = 0; i < ctx->stage_nwords; i++)
        free(ctx->stage_words[i]);
    free(ctx->stage_words);
    free(ctx->stage_forced);
    ctx->stage_forced = NULL;
    free(ctx->stage_drive);
    free(ctx->stage_page);
    ctx->stage_words = NULL;
    ctx->stage_nwords = 0;
    ctx->stage_drive = ctx->stage_page = NULL;
}

struct cmd_drive *
cmd_drive_entry(struct cmd_ctx *ctx, const char *uri)
{
    for (size_t i = 0; i < ctx->ndrives; i++)
        if (strcmp(ctx->drives[i].uri, uri) == 0)
            return &ctx->drives[i];
    return NULL;
}

int
cmd_open_trace(struct cmd_ctx *ctx, struct err *err)
{
    if (ctx->trace_path != NULL && ctx->trace == NULL) {
        ctx->trace = trace_open(ctx->trace_path, err);
        if (ctx->trace == NULL)
            return -1;
    }
    ctx->recorder.trace = ctx->trace;
    return 0;
}

const char *
cmd_drive_uri(const struct cmd_ctx *ctx, const char *uri)
{
    return ctx->drive_override != NULL ? ctx->drive_override : uri;
}

struct recorder *
cmd_kept_drive(struct cmd_ctx *ctx, const char *uri)
{
    struct cmd_drive *cd = cmd_drive_entry(ctx, uri);

    if (cd == NULL)
        return NULL;
    /* --trace given after the drive was opened traces it too. */
    if (ctx->trace != NULL)
        recorder_transport(cd->rec)->trace = ctx->trace;
    recorder_set_client(cd->rec, ctx->recorder.client);
    return cd->rec;
}

void
cmd_keep_drive(struct cmd_ctx *ctx, const char *uri, struct recorder *rec)
{
    ctx->drives =
        xrealloc(ctx->drives, (ctx->ndrives + 1) * sizeof *ctx->drives);
    ctx->drives[ctx->ndrives] =
        (struct cmd_drive){ .uri = xstrdup(uri), .rec = rec };
    ctx->ndrives++;
}

#define CMD_SENSE_MAP_MAX (1u << 20) /* bytes */

/* The user's vendor sense rules, $XDG_CONFIG_HOME/modecon/vendor-sense;
 * a file with a bad line is not used, and the line is named. */
static void
cmd_load_sense_map(struct cmd_ctx *ctx)
{
    char *path = paths_config_file("vendor-sense"), *text = NULL;
    struct err err;

    ctx->sense_map_loaded = true;
    err_clear(&err);
    if (path != NULL)
        text = atomicfile_read(path, CMD_SENSE_MAP_MAX, NULL, &err);
    if (text == NULL && path != NULL && err.os_errno != ENOENT)
        cmd_warn(ctx, "warning: vendor sense rules not used: %s", err.msg);
    if (text != NULL && sense_map_parse(text, path, &ctx->sense_map, &err) != 0)
        cmd_warn(ctx, "warning: vendor sense rules not used: %s", err.msg);
    ctx->recorder.sense_map = &ctx->sense_map;
    free(text);
    free(path);
}

/* Open 'uri' exactly as given, or find it open already. */
static int
cmd_open_uri(struct cmd_ctx *ctx, const char *uri, struct recorder **rec,
             struct err *err)
{
    if (cmd_open_trace(ctx, err) != 0)
        return -1;
    if (!ctx->sense_map_loaded)
        cmd_load_sense_map(ctx);
    cmd_pagedb(ctx); /* the drive's messages name its pages */
    *rec = cmd_kept_drive(ctx, uri);
    if (*rec != NULL)
        return 0;
    if (recorder_open(uri, &ctx->recorder, rec, err) != 0)
        return -1;
    changes_watch(ctx, *rec);
    cmd_keep_drive(ctx, uri, *rec);
    return 0;
}

int
cmd_open_drive(struct cmd_ctx *ctx, const char *uri, struct recorder **rec,
               struct err *err)
{
    return cmd_open_uri(ctx, cmd_drive_uri(ctx, uri), rec, err);
}

unsigned long
cmd_drive_changes(const struct cmd_ctx *ctx, const struct recorder *rec)
{
    for (size_t i = 0; i < ctx->ndrives; i++)
        if (ctx->drives[i].rec == rec)
            return ctx->drives[i].changes;
    return 0;
}

int
cmd_open_drive_or_file(struct cmd_ctx *ctx, const char *arg,
                       struct recorder **rec, struct err *err)
{
    if (!paths_is_json_file(arg) || transport_uri_known(arg))
        return cmd_open_drive(ctx, arg, rec, err);
    char *uri = xasprintf("emu:%s", arg);
    int rc = cmd_open_uri(ctx, uri, rec, err);
    free(uri);
    return rc;
}

const struct pagedb *
cmd_pagedb(struct cmd_ctx *ctx)
{
    if (!ctx->pagedb_loaded) {
        pagedb_init(&ctx->pagedb);
        pagedb_load_default(&ctx->pagedb);
        for (size_t i = 0; i < ctx->pagedb.nproblems; i++)
            cmd_warn(ctx, "page definitions: %s", ctx->pagedb.problems[i]);
        ctx->pagedb_loaded = true;
        /* Drives opened from now on name pages in their messages. */
        ctx->recorder.pages = &ctx->pagedb;
    }
    return &ctx->pagedb;
}

int
cmd_page_def(struct cmd_ctx *ctx, struct recorder *rec, uint8_t code,
             uint8_t subpage, const struct page_def **pd, struct err *err)
{
    struct scsi_identity id;

    if (recorder_inquiry(rec, &id, err) != 0)
        return -1;
    *pd = pagedb_find(cmd_pagedb(ctx), code, subpage, id.peripheral_type,
                      id.vendor, id.product);
    return 0;
}

int
cmd_open_page(struct cmd_ctx *ctx, const char *drive, const char *page,
              struct recorder **rec, uint8_t *code, uint8_t *subpage,
              const struct page_def **pd, struct err *err)
{
    *pd = NULL;
    if (pagenames_parse(cmd_pagedb(ctx), page, code, subpage, err) != 0 ||
        cmd_open_drive(ctx, drive, rec, err) != 0)
        return -1;
    return cmd_page_def(ctx, *rec, *code, *subpage, pd, err);
}

void
cmd_page_label(const struct page_def *pd, uint8_t code, uint8_t subpage,
               char *buf, size_t len)
{
    char at[PAGENAMES_CODE_LEN];

    pagenames_code(code, subpage, at);
    snprintf(buf, len, "page %s%s%s%s", at, pd ? " (" : "", pd ? pd->name : "",
             pd ? ")" : "");
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
