/* history [save FILE]: the lines of this session, or a replayable script
 * of the commands among them that change or select. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/journal.h"
#include "cmd/line.h"
#include "util/atomicfile.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_history_exec(struct cmd_ctx *ctx,
                                        const struct cmd_args *args);

static const struct cmd_option cmd_history_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_history_entry = {
    .name = "history",
    .args = "[save FILE]",
    .summary = "list this session's commands, or save them as a script",
    .options = cmd_history_options,
    .min_args = 0,
    .max_args = 2,
    .flags = 0,
    .exec = cmd_history_exec,
};

/* Whether a command of the session belongs in a script that replays
 * the work: what changes a drive or selects what later commands act on,
 * not what only looks (show, get, diff, help, history). */
static bool
cmd_history_replays(const struct cmd_words *w)
{
    struct err err;

    err_clear(&err);
    const struct cmd_entry *entry = cmd_find(w->argv[0], &err);
    /* An unknown or ambiguous name failed in the session as it would in
     * the script. */
    return entry != NULL && (entry->flags & (CMD_MUTATES | CMD_SELECTS));
}

/* The commands of a session's line that replay, as a line of their own,
 * or NULL when it holds none: those that change or select and ran to
 * their end ('ran', bit i for command i), not one that failed, which
 * would stop the script where the session went on; the others are
 * counted into *left_out.  The line is already without passwords. */
static char *
cmd_history_script_line(const char *text, uint64_t ran, size_t *left_out)
{
    struct cmd_line line;
    struct err err;
    char *out = NULL;

    err_clear(&err);
    if (cmd_line_parse(text, &line, &err) != 0)
        return NULL; /* it ran nothing in the session either */
    for (size_t c = 0; c < line.ncmds; c++) {
        if ((c < 64 && !(ran & (UINT64_C(1) << c))) ||
            !cmd_history_replays(&line.cmds[c])) {
            (*left_out)++;
            continue;
        }
        char *command = xstrdup("");
        for (int i = 0; i < line.cmds[c].argc; i++) {
            char *word = journal_quote(line.cmds[c].argv[i]);
            char *joined = xasprintf("%s%s%s", command, i ? " " : "", word);
            free(word);
            free(command);
            command = joined;
        }
        char *joined =
            out ? xasprintf("%s; %s", out, command) : xstrdup(command);
        free(out);
        free(command);
        out = joined;
    }
    cmd_line_free(&line);
    return out;
}

static enum cmd_status
cmd_history_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct err err;
    /* The 'history' line itself is the last; it is left out. */
    size_t n = ctx->nsession_lines ? ctx->nsession_lines - 1 : 0;

    err_clear(&err);
    if (args->argc == 0) {
        for (size_t i = 0; i < n; i++)
            cmd_print(ctx, "%4zu  %s", i + 1, ctx->session_lines[i]);
        return CMD_OK;
    }
    if (args->argc != 2 || strcmp(args->argv[0], "save") != 0) {
        err_usage(&err, "history: expected nothing, or 'save FILE'");
        return cmd_error(ctx, &err);
    }
    char when[32];
    time_t now = time(NULL);
    struct tm utc;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
    char *text = xasprintf("# modecon %s history saved %s: the commands that "
                           "change or select, for replay\n",
                           MODECON_VERSION, when);
    size_t kept = 0, left_out = 0;
    for (size_t i = 0; i < n; i++) {
        /* The script replays the work, not the looking at it. */
        char *line = cmd_history_script_line(ctx->session_lines[i],
                                             ctx->session_ran[i], &left_out);
        if (line == NULL)
            continue;
        char *joined = xasprintf("%s%s\n", text, line);
        free(line);
        free(text);
        text = joined;
        kept++;
    }
    int rc =
        atomicfile_write(args->argv[1], text, strlen(text), 0644, true, &err);
    free(text);
    if (rc != 0) {
        err.usage = true;
        return cmd_error(ctx, &err);
    }
    cmd_print(ctx,
              "saved to %s: %zu line%s of the commands that change or "
              "select; %zu command%s that only looked or failed left out",
              args->argv[1], kept, kept == 1 ? "" : "s", left_out,
              left_out == 1 ? "" : "s");
    return CMD_OK;
}
