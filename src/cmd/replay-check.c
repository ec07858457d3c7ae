/*
 * The checks of a replay file before anything of it runs: every line
 * parsed, every command found and its words split as running it would,
 * drive URIs, pages and FIELD=VALUE words checked against the page
 * definitions, and the files it replays checked in turn.  No drive is
 * asked; every fault is listed, not just the first.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "cmd/line.h"
#include "cmd/replay-script.h"
#include "engine/pagenames.h"
#include "util/xmalloc.h"

/* A file being checked, and the line of it that replays the next. */
struct replay_link {
    const char *path;
    unsigned lineno;
    bool known; /* dev and ino say which file it is */
    dev_t dev;
    ino_t ino;
};

struct replay_check {
    struct cmd_ctx *ctx;    /* where the faults are reported */
    struct cmd_ctx scratch; /* the selection as the lines leave it */
    unsigned faults;
    /* The files being checked, each replaying the next: 'depth' of them
     * here, after the 'above' that replay the first (a replay running
     * in another's run, which checked it). */
    struct replay_link chain[REPLAY_MAX_DEPTH];
    int above, depth;
    /* The lines run on many drives at once: a command that writes a
     * file is a fault. */
    bool many_drives;
    bool reads_input; /* a command reads standard input (set --data -) */
};

static void
replay_link_set(struct replay_link *link, const char *path)
{
    struct stat st;

    *link = (struct replay_link){ .path = path };
    if (stat(path, &st) == 0) {
        link->known = true;
        link->dev = st.st_dev;
        link->ino = st.st_ino;
    }
}

/* "a.cmd:3 -> b.cmd:1 -> NEXT": the files that replay 'next'. */
static void
replay_chain_text(const struct replay_check *check, const char *next, char *buf,
                  size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < check->depth && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s:%u -> ",
                         check->chain[i].path, check->chain[i].lineno);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < len)
        snprintf(buf + used, len - used, "%s", next);
}

static void
replay_check_quiet(void *arg, const char *text)
{
    (void)arg;
    (void)text;
}

static char *
replay_check_no_input(void *arg, struct err *err)
{
    (void)arg;
    err_usage(err, "standard input is not read while checking");
    return NULL;
}

static const struct cmd_output replay_check_output = {
    .out = replay_check_quiet,
    .err = replay_check_quiet,
    .read_input = replay_check_no_input,
    .arg = NULL,
};

/* A fault of line 'lineno': the first line of the error, which says what
 * was expected (the usage text after it is the command's own). */
static void
replay_fault(struct replay_check *check, const char *path, unsigned lineno,
             const struct err *err)
{
    size_t len = strcspn(err->msg, "\n");

    cmd_warn(check->ctx, "%s:%u: %.*s", path, lineno, (int)len, err->msg);
    check->faults++;
}

static void replay_check_lines(struct replay_check *check,
                               const struct replay_script *script);

/* A file the file replays: loaded and checked in turn, unless it is one
 * of those replaying it (which would replay each other for ever) or one
 * too deep. */
static void
replay_check_nested(struct replay_check *check, const char *path,
                    unsigned lineno, const char *nested)
{
    char chain[512];
    struct replay_link link;
    struct err err;

    err_clear(&err);
    check->chain[check->depth - 1].lineno = lineno;
    replay_link_set(&link, nested);
    for (int i = 0; i < check->depth && link.known; i++) {
        if (!check->chain[i].known || check->chain[i].dev != link.dev ||
            check->chain[i].ino != link.ino)
            continue;
        replay_chain_text(check, nested, chain, sizeof chain);
        err_usage(&err, "replay %s: the file replays itself: %s", nested,
                  chain);
        replay_fault(check, path, lineno, &err);
        return;
    }
    if (check->above + check->depth >= REPLAY_MAX_DEPTH) {
        replay_chain_text(check, nested, chain, sizeof chain);
        err_usage(&err, "replay %s: more than %d files replaying files: %s",
                  nested, REPLAY_MAX_DEPTH, chain);
        replay_fault(check, path, lineno, &err);
        return;
    }
    struct replay_script *script = replay_script_load(nested, &err);
    if (script == NULL) {
        replay_fault(check, path, lineno, &err);
        return;
    }
    check->chain[check->depth++] = link;
    replay_check_lines(check, script);
    check->depth--;
    replay_script_free(script);
}

/* FIELD=VALUE words of 'set' or 'edit' on page code,subpage: taken when
 * some definition of the page takes them (a vendor's may name other
 * fields); else the fault the generic definition finds. */
static int
replay_check_fields(struct replay_check *check, const struct pagedb *db,
                    uint8_t code, uint8_t subpage, char *const *words,
                    int nwords, bool force, struct err *err)
{
    const struct page_def *generic = pagenames_def(db, code, subpage, NULL);

    if (edit_plan_check_def(&check->scratch, generic, code, subpage, words,
                            nwords, force, err) == 0)
        return 0;
    for (size_t i = 0; generic != NULL && i < db->npages; i++) {
        const struct page_def *pd = db->pages[i];
        struct err other;
        err_clear(&other);
        if (pd != generic && pd->code == code && pd->subpage == subpage &&
            edit_plan_check_def(&check->scratch, pd, code, subpage, words,
                                nwords, force, &other) == 0)
            return 0;
    }
    return -1;
}

/* The drive, page and field words of a command that names a page. */
static int
replay_check_page_args(struct replay_check *check,
                       const struct cmd_entry *entry,
                       const struct cmd_args *args, struct err *err)
{
    uint8_t code, subpage;
    const struct pagedb *db = cmd_pagedb(&check->scratch);

    if (args->argc < 2)
        return 0;
    if (!transport_uri_known(args->argv[0]))
        return err_usage(err,
                         "'%s' is not a drive: expected %s (see 'modecon "
                         "list')",
                         args->argv[0], TRANSPORT_URI_FORMS);
    if (pagenames_parse(db, args->argv[1], &code, &subpage, err) != 0)
        return -1;
    bool set = strcmp(entry->name, "set") == 0;
    if (!set && strcmp(entry->name, "edit") != 0)
        return 0;
    const char *data = set ? cmd_arg_value(entry, args, "data") : NULL;
    if (data != NULL) {
        check->reads_input |= strcmp(data, "-") == 0;
        return 0;
    }
    bool force = cmd_arg_flag(entry, args, "force") ||
                 (set && cmd_arg_value(entry, args, "force-field") != NULL);
    if (args->argc < 3)
        return 0; /* the command says what it needs */
    return replay_check_fields(check, db, code, subpage, args->argv + 2,
                               args->argc - 2, force, err);
}

/* The file a command writes, named by the user, or NULL.  Run on many
 * drives at once, every drive's replay (and its pre-flight) would write
 * the same path, each over the last: a snapshot would hold whichever
 * drive came last, and a later 'restore' of it would put one drive's
 * values on another. */
static const char *
replay_check_written(const struct cmd_entry *entry, const struct cmd_args *args)
{
    if (strcmp(entry->name, "snapshot") == 0)
        return cmd_arg_value(entry, args, "output");
    if (strcmp(entry->name, "history") == 0 && args->argc == 2 &&
        strcmp(args->argv[0], "save") == 0)
        return args->argv[1];
    return NULL;
}

/* Whether a 'replay' line runs its file on many drives at once. */
static bool
replay_check_fleet_line(const struct cmd_entry *entry,
                        const struct cmd_args *args)
{
    int ndrives;

    cmd_arg_values(entry, args, "drive", &ndrives);
    return ndrives > 1 || cmd_arg_value(entry, args, "drives") != NULL ||
           cmd_arg_flag(entry, args, "all");
}

/* One command's words, as running it would split them, and what 'open'
 * and 'page' select for the commands after it. */
static int
replay_check_command(struct replay_check *check, const char *path,
                     unsigned lineno, const struct cmd_words *words,
                     struct err *err)
{
    struct cmd_args args;
    bool help;

    /* What the messages quote holds no password (cmd_run_argv). */
    for (int i = 0; i < words->argc; i++)
        transport_take_secrets(words->argv[i]);
    const struct cmd_entry *entry = cmd_find(words->argv[0], err);
    if (entry == NULL)
        return -1;
    int rc = cmd_parse(&check->scratch, entry, words->argc, words->argv, &args,
                       &help, err);
    if (rc != 0 || help) {
        free(args.argv);
        return rc;
    }
    const char *written = replay_check_written(entry, &args);
    if (check->many_drives && written != NULL) {
        char quoted[ERR_QUOTE_MAX];
        rc = err_usage(err,
                       "%s writes the file %s, which every drive would write "
                       "in turn, each over the last: replay such a file onto "
                       "one drive at a time",
                       entry->name, err_quote(quoted, written));
        free(args.argv);
        return rc;
    }
    if (strcmp(entry->name, "open") == 0 && args.argc == 1) {
        if (!transport_uri_known(args.argv[0])) {
            rc = err_usage(err,
                           "'%s' is not a drive: expected %s (see 'modecon "
                           "list')",
                           args.argv[0], TRANSPORT_URI_FORMS);
        } else {
            free(check->scratch.selected_drive);
            check->scratch.selected_drive = xstrdup(args.argv[0]);
        }
    } else if (strcmp(entry->name, "page") == 0 && args.argc == 1) {
        uint8_t code, subpage;
        rc = pagenames_parse(cmd_pagedb(&check->scratch), args.argv[0], &code,
                             &subpage, err);
        if (rc == 0) {
            free(check->scratch.selected_page);
            check->scratch.selected_page = xstrdup(args.argv[0]);
        }
    } else if (entry->flags & CMD_PAGE_ARG) {
        rc = replay_check_page_args(check, entry, &args, err);
    } else if (strcmp(entry->name, "replay") == 0) {
        bool many = check->many_drives;
        check->many_drives |= replay_check_fleet_line(entry, &args);
        replay_check_nested(check, path, lineno, args.argv[0]);
        check->many_drives = many;
    }
    free(args.argv);
    return rc;
}

static void
replay_check_lines(struct replay_check *check,
                   const struct replay_script *script)
{
    const char *line = script->text;

    for (unsigned lineno = 1; lineno <= script->nlines;
         lineno++, line = replay_next_line(line)) {
        struct cmd_line parsed;
        struct err err;
        err_clear(&err);
        if (cmd_line_parse(line, &parsed, &err) != 0) {
            replay_fault(check, script->path, lineno, &err);
            continue;
        }
        for (size_t i = 0; i < parsed.ncmds; i++) {
            err_clear(&err);
            if (replay_check_command(check, script->path, lineno,
                                     &parsed.cmds[i], &err) != 0)
                replay_fault(check, script->path, lineno, &err);
        }
        cmd_line_free(&parsed);
    }
}

unsigned
replay_script_check(struct cmd_ctx *ctx, const struct replay_script *script)
{
    return replay_script_check_fleet(ctx, script, NULL);
}

unsigned
replay_script_check_fleet(struct cmd_ctx *ctx,
                          const struct replay_script *script,
                          struct replay_fleet_check *fleet)
{
    struct replay_check check = { .ctx = ctx,
                                  .above = ctx->depth,
                                  .depth = 1,
                                  .many_drives =
                                      fleet != NULL && fleet->many_drives };

    /* Loaded for the context, which reports the definitions' problems:
     * a field the checks refuse may be one of a definition refused. */
    (void)cmd_pagedb(ctx);
    replay_link_set(&check.chain[0], script->path);
    cmd_ctx_init(&check.scratch, &replay_check_output);
    if (ctx->selected_drive != NULL)
        check.scratch.selected_drive = xstrdup(ctx->selected_drive);
    if (ctx->selected_page != NULL)
        check.scratch.selected_page = xstrdup(ctx->selected_page);
    replay_check_lines(&check, script);
    cmd_ctx_fini(&check.scratch);
    if (fleet != NULL)
        fleet->reads_input = check.reads_input;
    return check.faults;
}
