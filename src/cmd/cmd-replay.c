/* replay FILE: run a file of commands, as the shell's 'source' will. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/fleet.h"
#include "cmd/line.h"
#include "cmd/replay.h"
#include "util/atomicfile.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_replay_exec(struct cmd_ctx *ctx,
                                       const struct cmd_args *args);

static const struct cmd_option cmd_replay_options[] = {
    { "drive", true, "URI",
      "run every command on this drive instead; given again, on each "
      "drive at once",
      0 },
    { "drives", true, "FILE", "the same for each drive of FILE, one URI a line",
      0 },
    { "all", false, NULL, "the same for every MMC drive 'list' finds", 0 },
    { "jobs", true, "N", "at most N drives at once (default: all, up to 64)",
      0 },
    { "same-model", false, NULL,
      "skip drives of another model than the file was recorded on", 0 },
    { "json", false, NULL, "many drives: print the table as JSON", 0 },
    { "dry-run", false, NULL,
      "send no MODE SELECT; show each that would be sent", 0 },
    { "keep-going", false, NULL, "go on after a command fails", 0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_replay_entry = {
    .name = "replay",
    .alias = "source", /* the shell's word for it */
    .args = "FILE",
    .summary = "run the commands of a file, stopping at the first failure "
               "(also: source)",
    .options = cmd_replay_options,
    .min_args = 1,
    .max_args = 1,
    .flags = 0,
    .repeatable = "drive",
    .exec = cmd_replay_exec,
};

#define REPLAY_FILE_MAX  (16u << 20)
#define REPLAY_MAX_DEPTH 8

/* A journal's "# drive URI: VENDOR PRODUCT REVISION" line: warn when the
 * drive replayed on is another model than the one recorded. */
static void
cmd_replay_identity(struct cmd_ctx *ctx, const char *path, unsigned lineno,
                    const char *line)
{
    const char *p = line + strspn(line, " \t") + 1; /* past '#' */
    p += strspn(p, " \t");
    if (strncmp(p, "drive ", 6) != 0)
        return;
    p += 6;
    const char *colon = strstr(p, ": ");
    /* A URI longer than any drive's is a comment, not a drive. */
    if (colon == NULL || colon - p > 2 * TRANSPORT_NAME_LEN)
        return;
    char *written = xstrndup(p, (size_t)(colon - p));
    char *uri = transport_redact(written); /* a journal of any origin */
    const char *recorded = colon + 2;
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

/* The commands of one line, 'line' of the file parsed, counted into
 * 'count'.  True when the replay stops there. */
static bool
cmd_replay_commands(struct cmd_ctx *ctx, const char *path, unsigned lineno,
                    const char *line, const struct cmd_line *parsed,
                    struct replay_count *count)
{
    for (size_t i = 0; i < parsed->ncmds; i++) {
        struct err err;
        err_clear(&err);
        const struct cmd_entry *entry = cmd_find(parsed->cmds[i].argv[0], &err);
        unsigned long selects = cmd_selects_answered(ctx);
        enum cmd_status status = cmd_run_words(ctx, &parsed->cmds[i]);
        count->run++;
        /* One that found the drive as asked sent nothing. */
        if ((status == CMD_OK || status == CMD_NOT_APPLIED) && entry &&
            (entry->flags & CMD_MUTATES) && !ctx->dry_run &&
            cmd_selects_answered(ctx) > selects)
            count->applied++;
        if (status == CMD_OK)
            continue;
        count->failed++;
        if (count->first == CMD_OK)
            count->first = status;
        char quoted[ERR_QUOTE_MAX];
        cmd_warn(ctx, "%s:%u: %s failed", path, lineno,
                 err_quote(quoted, line));
        if (!ctx->keep_going)
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

/* Run line 'lineno' of the file, counted into 'count'; 'line' is
 * rewritten as messages quote it.  True when the replay stops there. */
static bool
cmd_replay_line(struct cmd_ctx *ctx, const char *path, unsigned lineno,
                char *line, struct replay_count *count)
{
    struct cmd_line parsed;
    struct err err;

    err_clear(&err);
    if (line[strspn(line, " \t")] == '#')
        cmd_replay_identity(ctx, path, lineno, line);
    if (cmd_line_parse(line, &parsed, &err) != 0) {
        err_prefix(&err, "%s:%u", path, lineno);
        cmd_error(ctx, &err);
        count->failed++;
        if (count->first == CMD_OK)
            count->first = CMD_USAGE;
        return !ctx->keep_going;
    }
    /* The line as messages quote it: its words, parsed, keep any
     * password for the logins (cmd_run_argv). */
    char *shown = transport_redact(line);
    strcpy(line, shown);
    free(shown);
    /* Each command on its own, so that the summary can count. */
    bool stop = cmd_replay_commands(ctx, path, lineno, line, &parsed, count);
    cmd_line_free(&parsed);
    if (stop)
        cmd_warn(ctx,
                 "%s: stopped at line %u (--keep-going runs the "
                 "rest)",
                 path, lineno);
    return stop;
}

struct replay_script {
    char *path;
    char *text; /* lines NUL-terminated in place */
    unsigned nlines;
};

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

enum cmd_status
replay_script_run(struct cmd_ctx *ctx, const struct replay_script *script,
                  struct replay_count *count)
{
    /* Each line is rewritten as messages quote it: run on a copy, so
     * that a script can be run on many drives. */
    size_t size = 0;
    const char *line = script->text;
    for (unsigned i = 0; i < script->nlines; i++) {
        size += strlen(line) + 1;
        line += strlen(line) + 1;
    }
    char *text = xmalloc(size);
    memcpy(text, script->text, size);
    char *at = text;
    for (unsigned lineno = 1; lineno <= script->nlines; lineno++) {
        size_t len = strlen(at);
        if (cmd_replay_line(ctx, script->path, lineno, at, count))
            break;
        at += len + 1;
    }
    free(text);
    return count->first;
}

/* Load and check the file, then run it line by line with the options
 * given, which hold for this file only. */
static enum cmd_status
cmd_replay_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_replay_entry;
    const char *path = args->argv[0];
    struct cmd_ctx saved = *ctx;
    struct replay_count count = { .first = CMD_OK };
    struct err err;

    err_clear(&err);
    if (ctx->depth >= REPLAY_MAX_DEPTH) {
        err_usage(&err, "replay %s: more than %d files replaying files", path,
                  REPLAY_MAX_DEPTH);
        return cmd_error(ctx, &err);
    }
    if (fleet_wanted(self, args))
        return fleet_replay(ctx, self, args);
    struct replay_script *script = replay_script_load(path, &err);
    if (script == NULL)
        return cmd_error(ctx, &err);
    if (cmd_arg_value(self, args, "drive") != NULL)
        ctx->drive_override = cmd_arg_value(self, args, "drive");
    ctx->dry_run = ctx->dry_run || cmd_arg_flag(self, args, "dry-run");
    ctx->keep_going = cmd_arg_flag(self, args, "keep-going");
    ctx->front = "replay";
    ctx->depth++;
    replay_script_run(ctx, script, &count);
    replay_script_free(script);
    cmd_print(ctx,
              "replay %s: %u command%s run, %u changed a drive%s, %u "
              "failed",
              path, count.run, count.run == 1 ? "" : "s", count.applied,
              ctx->dry_run ? " (dry run)" : "", count.failed);
    ctx->drive_override = saved.drive_override;
    ctx->dry_run = saved.dry_run;
    ctx->keep_going = saved.keep_going;
    ctx->depth = saved.depth;
    ctx->front = saved.front;
    return count.first;
}
