/* help [COMMAND]: usage from the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_help_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_help_options[] = {
    { "man", false, NULL, "print the manual page (roff) made from this table",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .args = "[COMMAND]",
    .summary = "describe the commands, or one command",
    .options = cmd_help_options,
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_help_exec,
};

/* Text for roff: a leading '.' or '\'' would be a request, '\\' an
 * escape, '-' a hyphen rather than a minus. */
static void
cmd_help_roff(struct cmd_ctx *ctx, const char *prefix, const char *text)
{
    char *out = xmalloc(strlen(prefix) + strlen(text) * 2 + 3), *o = out;

    o += sprintf(o, "%s", prefix);
    if (text[0] == '.' || text[0] == '\'')
        o += sprintf(o, "\\&");
    for (const char *p = text; *p; p++) {
        if (*p == '\\' || *p == '-')
            *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    cmd_print_text(ctx, out);
    free(out);
}

static void
cmd_help_man_options(struct cmd_ctx *ctx, const struct cmd_option *options)
{
    for (size_t i = 0; options[i].name != NULL; i++) {
        char letter[8] = "";
        if (options[i].letter != 0)
            snprintf(letter, sizeof letter, "-%c, ", options[i].letter);
        char *left = xasprintf("%s--%s%s%s", letter, options[i].name,
                               options[i].has_arg ? " " : "",
                               options[i].has_arg ? options[i].arg_name : "");
        cmd_print_text(ctx, ".TP");
        cmd_help_roff(ctx, ".B ", left);
        cmd_help_roff(ctx, "", options[i].help);
        free(left);
    }
}

/* The man page's name and synopsis sections. */
static void
cmd_help_man_synopsis(struct cmd_ctx *ctx)
{
    cmd_print_text(ctx, ".TH MODECON 1 \"\" \"modecon " MODECON_VERSION
                        "\" \"User Commands\"");
    cmd_print_text(ctx, ".SH NAME");
    cmd_print_text(ctx, "modecon \\- read and change the mode pages of "
                        "optical and other SCSI drives");
    cmd_print_text(ctx, ".SH SYNOPSIS");
    cmd_print_text(ctx, ".B modecon");
    cmd_print_text(ctx, "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR "
                        "[\\fIARGS\\fR]");
    cmd_print_text(ctx, ".br");
    cmd_print_text(ctx, ".B modecon");
    cmd_print_text(ctx, "[\\fB\\-\\-batch\\fR] \\fB\\-c\\fR "
                        "\\fI'COMMAND; COMMAND ...'\\fR");
    cmd_print_text(ctx, ".br");
    cmd_print_text(ctx, ".B modecon shell");
    cmd_print_text(ctx, ".br");
    cmd_print_text(ctx, ".B modecon");
    cmd_print_text(ctx, "[\\fIGLOBAL OPTIONS\\fR] [\\fBconsole\\fR "
                        "[\\fB\\-\\-poll\\fR \\fISECONDS\\fR] "
                        "[\\fIDRIVE\\fR ...]]");
}

/* What modecon is, its console, and values in their units. */
static void
cmd_help_man_description(struct cmd_ctx *ctx)
{
    cmd_print_text(ctx, ".SH DESCRIPTION");
    cmd_help_roff(ctx, "",
                  "modecon reads and changes the mode pages of a drive the "
                  "way IMAPI2's SetModePage does: it builds the MODE "
                  "SELECT(10) header, checks an edit against the drive's "
                  "changeable values before sending it, reads the page back "
                  "afterwards and answers with an IMAPI HRESULT, the decoded "
                  "sense data and the field the drive rejected.  Commands "
                  "are one language: on the command line, with -c, in replay "
                  "files and in the shell, which edits lines with libedit, "
                  "completes command, drive, page and field names with Tab "
                  "and keeps its history in $XDG_STATE_HOME/modecon/history.");
    cmd_help_roff(ctx, ".PP\n",
                  "modecon with no command, on a terminal, opens the "
                  "console: every drive found (the emulated ones, those "
                  "named after 'console' and those listed one a line in "
                  "$XDG_CONFIG_HOME/modecon/drives) with its medium, the "
                  "selected drive's pages, and the selected page's fields "
                  "with current, default and saved values and whether the "
                  "drive lets each change.  Edits are staged, shown as "
                  "'diff' shows them, and committed on confirmation; every "
                  "key runs a command string, and ':' opens the command "
                  "line, so a console session lands in the journal like "
                  "any other.  F1 lists the keys.  The console asks each "
                  "idle drive its state every 2 seconds, or every SECONDS "
                  "given with --poll (0: never); a drive that did not "
                  "answer at first is identified again then, and by the r "
                  "key.");
    cmd_help_roff(ctx, ".PP\n",
                  "Values are shown and typed in their real units: a field "
                  "counting 100 ms steps shows '30 s (300)' and takes 5s, "
                  "500ms, 1.5s, 10min or 1h, or its raw count as 300steps "
                  "(a bare number there reads two ways and is refused); a "
                  "speed is kB/s (kB = 1000 bytes) or NxCD, NxDVD, NxBD.  A "
                  "value that is no whole number of steps is refused naming "
                  "the two nearest, and a number an enum's legend does not "
                  "name is refused unless --force.  A field's warning is "
                  "given only for a change in the direction its definition "
                  "names ('explain' says which).");
}

/* Every command of the table with its options. */
static void
cmd_help_man_commands(struct cmd_ctx *ctx)
{
    cmd_print_text(ctx, ".SH COMMANDS");
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        const struct cmd_entry *entry = cmd_table[i];
        char *head = xasprintf("%s%s%s", entry->name, entry->args[0] ? " " : "",
                               entry->args);
        cmd_print_text(ctx, ".TP");
        cmd_help_roff(ctx, ".B ", head);
        cmd_help_roff(ctx, "", entry->summary);
        free(head);
        if (entry->options[0].name != NULL) {
            cmd_print_text(ctx, ".RS");
            cmd_help_man_options(ctx, entry->options);
            cmd_print_text(ctx, ".RE");
        }
    }
}

/* The manual page, from the command table: the installed modecon.1 is
 * this output, and a test keeps the two the same. */
static void
cmd_help_man(struct cmd_ctx *ctx)
{
    cmd_help_man_synopsis(ctx);
    cmd_help_man_description(ctx);
    cmd_help_man_commands(ctx);
    cmd_print_text(ctx, ".SH GLOBAL OPTIONS");
    cmd_help_man_options(ctx, cmd_global_options);
    cmd_print_text(ctx, ".SH EXIT STATUS");
    cmd_help_roff(ctx, "",
                  "0 success; 1 the drive or the engine reported an error; "
                  "2 bad usage or bad input; 3 the drive accepted a change "
                  "but did not apply all of it.");
    cmd_print_text(ctx, ".SH FILES");
    cmd_help_roff(ctx, "",
                  "$XDG_STATE_HOME/modecon/journal: every command that "
                  "changed a drive.  $XDG_STATE_HOME/modecon/emu: the "
                  "emulated drives' state.  "
                  "$XDG_CONFIG_HOME/modecon/pages: the user's page "
                  "definitions.");
}

static enum cmd_status
cmd_help_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *entry = NULL;
    struct err err;

    err_clear(&err);
    if (cmd_arg_flag(&cmd_help_entry, args, "man")) {
        cmd_help_man(ctx);
        return CMD_OK;
    }
    /* The front ends are not commands of the language, but a user asks
     * for them by name. */
    if (args->argc == 1 && (strcmp(args->argv[0], "shell") == 0 ||
                            strcmp(args->argv[0], "console") == 0)) {
        cmd_print_text(ctx, CMD_FRONT_ENDS);
        return CMD_OK;
    }
    if (args->argc == 1 && (entry = cmd_find(args->argv[0], &err)) == NULL)
        return cmd_error(ctx, &err);
    char *text = cmd_usage(entry);
    cmd_print_text(ctx, text);
    free(text);
    return CMD_OK;
}
