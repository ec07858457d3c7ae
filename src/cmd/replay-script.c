/*
 * A replay file loaded once and run on a context: its lines, checked
 * before any runs (replay-check.c), then run one by one and counted.
 */
#include "cmd/replay-script.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/line.h"
#include "engine/errfmt.h"
#include "util/atomicfile.h"
#include "util/xmalloc.h"

#define REPLAY_FILE_MAX (16u << 20)

const char *
replay_identity_line(const char *line, const char **uri, size_t *uri_len)
{
    const char *p = line + strspn(line, " \t");

    if (*p != '#')
        return NULL;
    p++;
    p += strspn(p, " \t");
    if (strncmp(p, "drive ", 6) != 0)
        return NULL;
    p += 6;
    const char *colon = strstr(p, ": ");
    /* A URI longer than any drive's is a comment, not a drive. */
    if (colon == NULL || colon - p > 2 * TRANSPORT_NAME_LEN)
        return NULL;
    *uri = p;
    *uri_len = (size_t)(colon - p);
    return colon + 2;
}

/* A journal's identity line: warn when the drive replayed on is another
 * model than the one recorded. */
static void
cmd_replay_identity(struct cmd_ctx *ctx, const char *path, unsigned lineno,
                    const char *line)
{
    const char *at;
    size_t at_len;
    const char *recorded = replay_identity_line(line, &at, &at_len);

    if (recorded == NULL)
        return;
    char *written = xstrndup(at, at_len);
    char *uri = transport_redact(written); /* a journal of any origin */
    /* A journal's identity is at most 30 characters (8 + 16 + 4 and two
     * blanks): a longer one, from some other file, is quoted bounded. */
    char quoted[ERR_QUOTE_MAX];
    if (strlen(recorded) > ERR_QUOTE_CHARS)
        recorded = err_quote(quoted, recorded);
    const char *drive = cmd_drive_uri(ctx, uri);
    struct scsi_identity id;
    struct recorder *rec;
    struct err err;
    char now[64];

    err_clear(&err);
    if (cmd_open_drive(ctx, drive, &rec, &err) != 0 ||
        recorder_inquiry(rec, &id, &err) != 0) {
        cmd_warn(ctx, "%s:%u: recorded on %s (%s); %s cannot be asked: %s",
                 path, lineno, uri, recorded, drive, err.msg);
    } else {
        snprintf(now, sizeof now, "%s %s %s", id.vendor, id.product,
                 id.revision);
        if (strcmp(now, recorded) != 0)
            cmd_warn(ctx,
                     "%s:%u: warning: recorded on %s (%s), replaying on %s "
                     "(%s)",
                     path, lineno, uri, recorded, drive, now);
    }
    free(uri);
    free(written);
}

/* Where a replay's commands report: through to the context's own
 * output, or, in the pre-flight, held per command so that a refusal can
 * say why.  Standard input is read once, for every pass. */
struct replay_sink {
    const struct cmd_output *through; /* the context's own output */
    struct cmd_output output;         /* the context's while replaying */
    bool hold;                        /* the pre-flight's */
    char *held;                       /* what the command reported */
    size_t held_len;
    bool input_read;
    char *input; /* or NULL, input_err saying why */
    struct err input_err;
};

static void
replay_sink_out(void *arg, const char *text)
{
    struct replay_sink *sink = arg;

    if (!sink->hold)
        sink->through->out(sink->through->arg, text);
}

static void
replay_sink_err(void *arg, const char *text)
{
    struct replay_sink *sink = arg;
    size_t len = strlen(text);

    if (!sink->hold) {
        sink->through->err(sink->through->arg, text);
        return;
    }
    sink->held = xrealloc(sink->held, sink->held_len + len + 2);
    memcpy(sink->held + sink->held_len, text, len);
    sink->held_len += len;
    sink->held[sink->held_len++] = '\n';
    sink->held[sink->held_len] = '\0';
}

static char *
replay_sink_input(void *arg, struct err *err)
{
    struct replay_sink *sink = arg;

    if (!sink->input_read) {
        err_clear(&sink->input_err);
        sink->input =
            sink->through->read_input(sink->through->arg, &sink->input_err);
        sink->input_read = true;
    }
    if (sink->input == NULL) {
        *err = sink->input_err;
        return NULL;
    }
    return xstrdup(sink->input);
}

/* Interruptions so far: never reset, so that a replay that ran a replay
 * onto many drives sees one however many such replays began since; lock
 * free, for a signal handler. */
static atomic_uint replay_interruptions;

void
replay_interruption(void)
{
    atomic_fetch_add(&replay_interruptions, 1);
}

enum cmd_status
replay_status_worse(enum cmd_status a, enum cmd_status b)
{
    static const enum cmd_status order[] = { CMD_USAGE, CMD_FAILED,
                                             CMD_NOT_APPLIED };

    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (a == order[i] || b == order[i])
            return order[i];
    return CMD_OK;
}

/* One pass over the script: the pre-flight, or the run. */
struct replay_pass {
    struct cmd_ctx *ctx;
    struct replay_sink *sink;
    struct replay_count *count;
    bool preflight;
    bool identity_said; /* the pre-flight warned of other models */
    /* The pre-flight: whether the run goes on after a failure, and how
     * many of the commands that would fail stop it before it starts: all
     * of them, or with --keep-going those that may change a drive. */
    bool run_keeps_going;
    unsigned stopping;
    unsigned interruptions; /* replay_interruptions as the pass began */
};

/* Whether the pass was interrupted: its context stopped (a drive's
 * replay onto many), or a replay onto many drives that one of its
 * commands ran was stopped by Ctrl-C.  Either stops the pass whatever
 * --keep-going says. */
static bool
replay_interrupted(const struct replay_pass *pass)
{
    const struct cmd_ctx *ctx = pass->ctx;

    return (ctx->stop != NULL && atomic_load(ctx->stop)) ||
           atomic_load(&replay_interruptions) != pass->interruptions;
}

/* Say, held or not, what the context's own output would show. */
static void replay_say(struct replay_pass *pass, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
replay_say(struct replay_pass *pass, const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    bool hold = pass->sink->hold;
    pass->sink->hold = false;
    cmd_warn(pass->ctx, "%s", text);
    pass->sink->hold = hold;
}

/* The pre-flight's refusal of a command: the line, the drive when replay
 * names another than the line's, and what the command reported, its
 * error first (warnings may come before it). */
static void
replay_refusal(struct replay_pass *pass, const char *path, unsigned lineno,
               const char *line)
{
    char quoted[ERR_QUOTE_MAX], error[1024] = "";
    const char *override = pass->ctx->drive_override;
    const char *said = pass->sink->held != NULL ? pass->sink->held : "";

    if (pass->ctx->last_error.msg[0] != '\0')
        errfmt_line(&pass->ctx->last_error, error, sizeof error);
    else
        snprintf(error, sizeof error, "%.*s", (int)strcspn(said, "\n"), said);
    replay_say(pass, "%s:%u: %s would fail%s%s: %s", path, lineno,
               err_quote(quoted, line), override ? " on " : "",
               override ? override : "", error);
    bool error_said = false;
    for (const char *at = said; *at != '\0';) {
        size_t len = strcspn(at, "\n");
        bool is_error =
            !error_said && len == strlen(error) && strncmp(at, error, len) == 0;
        error_said |= is_error;
        if (len > 0 && !is_error)
            replay_say(pass, "%.*s", (int)len, at);
        at += len + (at[len] == '\n');
    }
}

/* The commands of one line, 'line' of the file parsed, counted into
 * 'count'.  True when the replay stops there. */
static bool
cmd_replay_commands(struct replay_pass *pass, const char *path, unsigned lineno,
                    const char *line, const struct cmd_line *parsed)
{
    struct cmd_ctx *ctx = pass->ctx;
    struct replay_count *count = pass->count;

    for (size_t i = 0; i < parsed->ncmds; i++) {
        struct err err;
        err_clear(&err);
        const struct cmd_entry *entry = cmd_find(parsed->cmds[i].argv[0], &err);
        unsigned long selects = cmd_selects_answered(ctx);
        unsigned long changed = cmd_selects_changed(ctx);
        pass->sink->held_len = 0;
        if (pass->sink->held != NULL)
            pass->sink->held[0] = '\0';
        err_clear(&ctx->last_error);
        enum cmd_status status = cmd_run_words(ctx, &parsed->cmds[i]);
        count->run++;
        /* One that found the drive as asked sent nothing; a drive that
         * answered GOOD and kept its values (CMD_NOT_APPLIED, from the
         * read-back) changed nothing. */
        bool sent = !ctx->dry_run && cmd_selects_answered(ctx) > selects;
        bool mutates = entry != NULL && (entry->flags & CMD_MUTATES);
        if (status == CMD_OK && mutates && sent)
            count->applied++;
        /* What left a drive changed, as read back, whatever the
         * command's status (a file replayed in turn, a change the drive
         * applied in part, one that failed or was stopped part-way). */
        if (!ctx->dry_run && cmd_selects_changed(ctx) > changed)
            count->reached++;
        bool interrupted = replay_interrupted(pass);
        if (interrupted && pass->preflight) {
            /* Stopped, not refused: the pre-flight ends here, and so
             * does the replay, nothing sent. */
            count->interrupted = true;
            return true;
        }
        if (status == CMD_OK && !interrupted)
            continue;
        if (status == CMD_OK) {
            count->interrupted = true;
            return true;
        }
        if (count->first == CMD_OK)
            count->first = status;
        count->worst = replay_status_worse(count->worst, status);
        if (pass->preflight) {
            if (!pass->run_keeps_going || entry == NULL ||
                (entry->flags & CMD_MUTATES) ||
                strcmp(entry->name, "replay") == 0)
                pass->stopping++;
            count->refused++;
            replay_refusal(pass, path, lineno, line);
            continue; /* every refusal is listed */
        }
        char quoted[ERR_QUOTE_MAX];
        /* The line names the drive it was recorded on; replayed on
         * another, the one it ran on is said. */
        const char *override = ctx->drive_override;
        if (status == CMD_NOT_APPLIED) {
            count->not_applied++;
            cmd_warn(ctx, "%s:%u: %s was not applied by %s", path, lineno,
                     err_quote(quoted, line),
                     override ? override : "the drive");
        } else {
            count->failed++;
            cmd_warn(ctx, "%s:%u: %s failed%s%s", path, lineno,
                     err_quote(quoted, line), override ? " on " : "",
                     override ? override : "");
        }
        count->interrupted |= interrupted;
        if (!ctx->keep_going || interrupted)
            return true;
    }
    return false;
}

/* Whether 'line' (up to 'end') holds a journal's session header after a
 * command: the record before it was cut short, and an older modecon
 * appended the next session to the same line. */
static bool
cmd_replay_header_after_command(const char *line, const char *end)
{
    static const char header[] = "# modecon ";
    const char *start = line + strspn(line, " \t");

    for (const char *p = start + 1; p + sizeof header - 1 < end; p++) {
        if (*p != '#' || strncmp(p, header, sizeof header - 1) != 0)
            continue;
        const char *version = p + sizeof header - 1;
        const char *after = version + strcspn(version, " \n");
        if (after < end && strncmp(after, " session ", 9) == 0)
            return true;
    }
    return false;
}

/* Records that may have been cut short are refused before anything runs:
 * a cut record would change less than the command recorded ("WR_T=TAO"
 * of "WR_T=TAO LINK_S=0").  Such is a last line without its newline (a
 * full disk, a crash while the journal was written; a blank last line is
 * no command), and a line that a session header follows on the same
 * line, as an older modecon left a cut record. */
static int
cmd_replay_check_records(const char *path, const char *text, struct err *err)
{
    unsigned lineno = 1;

    for (const char *line = text; *line != '\0'; lineno++) {
        const char *end = strchr(line, '\n');
        if (end == NULL) {
            if (line[strspn(line, " \t\r")] == '\0')
                return 0;
            return err_usage(err,
                             "replay %s: line %u has no newline at its end: "
                             "it may have been cut short (a full disk, a "
                             "crash); nothing was run (end the line if it is "
                             "whole, else remove it)",
                             path, lineno);
        }
        if (cmd_replay_header_after_command(line, end))
            return err_usage(err,
                             "replay %s: line %u: a session header follows a "
                             "command on the same line: the command's record "
                             "was cut short (a full disk, a crash); nothing "
                             "was run (remove the command, or end its line "
                             "where it is whole)",
                             path, lineno);
        line = end + 1;
    }
    return 0;
}

/* The file's text, checked to be text and to hold no record cut short;
 * NULL with a usage error when it cannot be replayed. */
static char *
cmd_replay_load(const char *path, struct err *err)
{
    size_t len;
    char *text = atomicfile_read(path, REPLAY_FILE_MAX, &len, err);

    if (text == NULL) {
        err->usage = true;
        return NULL;
    }
    size_t text_len = strlen(text);
    if (text_len != len) {
        free(text);
        err_usage(err, "replay %s: a NUL byte at offset %zu: expected text",
                  path, text_len);
        return NULL;
    }
    if (cmd_replay_check_records(path, text, err) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Run line 'lineno' of the file, counted into the pass's count; 'line'
 * is rewritten as messages quote it.  True when the replay stops there. */
static bool
cmd_replay_line(struct replay_pass *pass, const char *path, unsigned lineno,
                char *line)
{
    struct cmd_ctx *ctx = pass->ctx;
    struct cmd_line parsed;
    struct err err;

    err_clear(&err);
    /* Another model than recorded is said once, by the first pass. */
    if (line[strspn(line, " \t")] == '#' && !pass->identity_said &&
        !ctx->models_said) {
        bool hold = pass->sink->hold;
        pass->sink->hold = false;
        cmd_replay_identity(ctx, path, lineno, line);
        pass->sink->hold = hold;
    }
    if (cmd_line_parse(line, &parsed, &err) != 0) {
        /* The checks refuse such a file: a file changed since. */
        err_prefix(&err, "%s:%u", path, lineno);
        cmd_error(ctx, &err);
        pass->count->failed++;
        if (pass->count->first == CMD_OK)
            pass->count->first = CMD_USAGE;
        return !ctx->keep_going;
    }
    /* The line as messages quote it: its words, parsed, keep any
     * password for the logins (cmd_run_argv). */
    char *shown = transport_redact(line);
    strcpy(line, shown);
    free(shown);
    /* Each command on its own, so that the summary can count. */
    bool stop = cmd_replay_commands(pass, path, lineno, line, &parsed);
    cmd_line_free(&parsed);
    /* Interrupted, the rest is not run whatever --keep-going says; the
     * pre-flight says nothing: the replay says it stopped. */
    if (stop && !pass->preflight)
        cmd_warn(ctx, "%s: stopped at line %u%s", path, lineno,
                 pass->count->interrupted ? ", as asked (Ctrl-C)"
                                          : " (--keep-going runs the rest)");
    return stop;
}

struct replay_script *
replay_script_load(const char *path, struct err *err)
{
    char *text = cmd_replay_load(path, err);

    if (text == NULL)
        return NULL;
    struct replay_script *script = xcalloc(1, sizeof *script);
    script->path = xstrdup(path);
    script->text = text;
    for (char *line = text; line != NULL; script->nlines++) {
        line = strchr(line, '\n');
        if (line != NULL)
            *line++ = '\0';
    }
    return script;
}

void
replay_script_free(struct replay_script *script)
{
    if (script == NULL)
        return;
    free(script->path);
    free(script->text);
    free(script);
}

/* One pass over the script's lines, on a copy: each line is rewritten
 * as messages quote it, and the script stays as it was for other
 * passes and drives. */
static void
replay_pass_lines(struct replay_pass *pass, const struct replay_script *script)
{
    size_t size = 0;
    const char *line = script->text;
    for (unsigned i = 0; i < script->nlines; i++) {
        size += strlen(line) + 1;
        line += strlen(line) + 1;
    }
    char *text = xmalloc(size);
    memcpy(text, script->text, size);
    char *at = text;
    pass->interruptions = atomic_load(&replay_interruptions);
    pass->ctx->depth++;
    for (unsigned lineno = 1; lineno <= script->nlines; lineno++) {
        size_t len = strlen(at);
        if (cmd_replay_line(pass, script->path, lineno, at))
            break;
        at += len + 1;
    }
    pass->ctx->depth--;
    free(text);
}

/* What a context holds that commands change and the pre-flight must not
 * leave changed: the selection, the staged edits, the batch count. */
struct replay_kept {
    char *selected_drive, *selected_page;
    char *stage_drive, *stage_page;
    char **stage_words;
    bool *stage_forced;
    int stage_nwords;
    uint8_t *stage_base;
    size_t stage_base_len;
    unsigned batch_seq;
    bool keep_going;
    struct err last_error;
};

static char *
replay_dup(const char *text)
{
    return text != NULL ? xstrdup(text) : NULL;
}

/* Keep the context's state, leaving a copy of it in the context. */
static void
replay_keep(struct cmd_ctx *ctx, struct replay_kept *kept)
{
    *kept = (struct replay_kept){
        .selected_drive = ctx->selected_drive,
        .selected_page = ctx->selected_page,
        .stage_drive = ctx->stage_drive,
        .stage_page = ctx->stage_page,
        .stage_words = ctx->stage_words,
        .stage_forced = ctx->stage_forced,
        .stage_nwords = ctx->stage_nwords,
        .stage_base = ctx->stage_base,
        .stage_base_len = ctx->stage_base_len,
        .batch_seq = ctx->batch_seq,
        .keep_going = ctx->keep_going,
        .last_error = ctx->last_error,
    };
    ctx->selected_drive = replay_dup(kept->selected_drive);
    ctx->selected_page = replay_dup(kept->selected_page);
    ctx->stage_drive = replay_dup(kept->stage_drive);
    ctx->stage_page = replay_dup(kept->stage_page);
    ctx->stage_words = NULL;
    ctx->stage_forced = NULL;
    if (kept->stage_nwords > 0) {
        ctx->stage_words =
            xcalloc((size_t)kept->stage_nwords, sizeof *ctx->stage_words);
        for (int i = 0; i < kept->stage_nwords; i++)
            ctx->stage_words[i] = xstrdup(kept->stage_words[i]);
        if (kept->stage_forced != NULL) {
            ctx->stage_forced =
                xcalloc((size_t)kept->stage_nwords, sizeof *ctx->stage_forced);
            memcpy(ctx->stage_forced, kept->stage_forced,
                   (size_t)kept->stage_nwords * sizeof *ctx->stage_forced);
        }
    }
    ctx->stage_base = NULL;
    if (kept->stage_base != NULL) {
        ctx->stage_base = xmalloc(kept->stage_base_len);
        memcpy(ctx->stage_base, kept->stage_base, kept->stage_base_len);
    }
}

/* Put back what replay_keep kept, dropping what the pass left. */
static void
replay_put_back(struct cmd_ctx *ctx, struct replay_kept *kept)
{
    free(ctx->selected_drive);
    free(ctx->selected_page);
    cmd_stage_clear(ctx);
    cmd_read_back_clear(ctx);
    ctx->selected_drive = kept->selected_drive;
    ctx->selected_page = kept->selected_page;
    ctx->stage_drive = kept->stage_drive;
    ctx->stage_page = kept->stage_page;
    ctx->stage_words = kept->stage_words;
    ctx->stage_forced = kept->stage_forced;
    ctx->stage_nwords = kept->stage_nwords;
    ctx->stage_base = kept->stage_base;
    ctx->stage_base_len = kept->stage_base_len;
    ctx->batch_seq = kept->batch_seq;
    ctx->keep_going = kept->keep_going;
    ctx->last_error = kept->last_error;
}

static void
replay_sink_start(struct replay_sink *sink, struct cmd_ctx *ctx)
{
    memset(sink, 0, sizeof *sink);
    sink->through = ctx->output;
    /* Input where the context has none is refused by the command that
     * asks (cmd-set.c), as it is outside a replay. */
    sink->output =
        (struct cmd_output){ .out = replay_sink_out,
                             .err = replay_sink_err,
                             .read_input = ctx->output->read_input != NULL
                                               ? replay_sink_input
                                               : NULL,
                             .arg = sink };
    ctx->output = &sink->output;
}

static void
replay_sink_end(struct replay_sink *sink, struct cmd_ctx *ctx)
{
    ctx->output = sink->through;
    free(sink->held);
    free(sink->input);
}

/* The pre-flight: every line run as a dry run, its output held, every
 * command that would fail reported with what it said.  Counts into
 * 'count': run, refused and first.  Returns how many of those would stop
 * the run. */
static unsigned
replay_preflight_pass(struct cmd_ctx *ctx, struct replay_sink *sink,
                      const struct replay_script *script,
                      struct replay_count *count)
{
    struct replay_pass pass = { .ctx = ctx,
                                .sink = sink,
                                .count = count,
                                .preflight = true,
                                .run_keeps_going = ctx->keep_going };
    struct replay_kept kept;
    bool dry_run = ctx->dry_run;

    replay_keep(ctx, &kept);
    ctx->dry_run = true;
    ctx->keep_going = true;
    sink->hold = true;
    /* The pre-flight starts from the drives as they are, and leaves
     * nothing of its dry runs for the run, or the session, to read. */
    cmd_drives_simulate(ctx, true);
    replay_pass_lines(&pass, script);
    cmd_drives_simulate(ctx, true);
    sink->hold = false;
    ctx->dry_run = dry_run;
    replay_put_back(ctx, &kept);
    return pass.stopping;
}

enum cmd_status
replay_script_preflight(struct cmd_ctx *ctx, const struct replay_script *script,
                        struct replay_count *count)
{
    struct replay_sink sink;

    replay_sink_start(&sink, ctx);
    replay_preflight_pass(ctx, &sink, script, count);
    replay_sink_end(&sink, ctx);
    return count->first;
}

enum cmd_status
replay_script_run(struct cmd_ctx *ctx, const struct replay_script *script,
                  struct replay_count *count)
{
    unsigned faults = replay_script_check(ctx, script);
    if (faults > 0) {
        count->refused += faults;
        if (count->first == CMD_OK)
            count->first = CMD_USAGE;
        count->worst = CMD_USAGE;
        cmd_warn(ctx, "replay %s: %u fault%s found; nothing was run",
                 script->path, faults, faults == 1 ? "" : "s");
        return count->first;
    }
    struct replay_sink sink;
    struct replay_pass pass = { .ctx = ctx, .sink = &sink, .count = count };
    replay_sink_start(&sink, ctx);
    /* A dry run is its own pre-flight; a file replayed by another was
     * in that one's. */
    if (!ctx->dry_run && ctx->depth == 0) {
        struct replay_count pre = { .first = CMD_OK };
        unsigned stopping = replay_preflight_pass(ctx, &sink, script, &pre);
        pass.identity_said = true;
        if (pre.interrupted) {
            count->interrupted = true;
            count->first = count->first == CMD_OK ? CMD_FAILED : count->first;
            count->worst = replay_status_worse(count->worst, CMD_FAILED);
            cmd_warn(ctx,
                     "replay %s: stopped in the pre-flight, as asked "
                     "(Ctrl-C); nothing was sent%s%s",
                     script->path, ctx->drive_override ? " to " : "",
                     ctx->drive_override ? ctx->drive_override : "");
            replay_sink_end(&sink, ctx);
            return count->first;
        }
        if (pre.refused > stopping)
            cmd_warn(ctx,
                     "replay %s: %u command%s that would fail change%s no "
                     "drive: running on (--keep-going)",
                     script->path, pre.refused - stopping,
                     pre.refused - stopping == 1 ? "" : "s",
                     pre.refused - stopping == 1 ? "s" : "");
        if (stopping > 0) {
            count->refused += pre.refused;
            if (count->first == CMD_OK)
                count->first = pre.first;
            count->worst = replay_status_worse(count->worst, pre.worst);
            cmd_warn(ctx,
                     "replay %s: the pre-flight refused %u command%s%s%s; "
                     "nothing was sent",
                     script->path, pre.refused, pre.refused == 1 ? "" : "s",
                     ctx->drive_override ? " on " : "",
                     ctx->drive_override ? ctx->drive_override : "");
            replay_sink_end(&sink, ctx);
            return count->first;
        }
    }
    replay_pass_lines(&pass, script);
    replay_sink_end(&sink, ctx);
    return count->first;
}
