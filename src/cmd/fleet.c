/* replay FILE onto many drives at once: the drives named, identified,
 * then each given the file by a worker of its own (cmd/fleet.h). */
#include "cmd/fleet.h"

#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/fleet-internal.h"
#include "cmd/line.h"
#include "cmd/replay-script.h"
#include "cmd/undolog.h"
#include "engine/errfmt.h"
#include "transport/transport.h"
#include "util/atomicfile.h"
#include "util/parallel.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* Lock-free, so that a signal handler may read and set them. */
static atomic_int fleet_active;   /* replays onto many drives running */
static atomic_bool fleet_stop;    /* asked to stop between commands */
static atomic_bool fleet_stopped; /* one was stopped so */

bool
fleet_interrupt(void)
{
    if (atomic_load(&fleet_active) == 0)
        return false;
    atomic_store(&fleet_stop, true);
    atomic_store(&fleet_stopped, true);
    replay_interruption();
    return true;
}

bool
fleet_stopping(void)
{
    return atomic_load(&fleet_active) > 0 && atomic_load(&fleet_stop);
}

bool
fleet_interrupted(void)
{
    return atomic_load(&fleet_stopped);
}

bool
fleet_wanted(const struct cmd_entry *replay, const struct cmd_args *args)
{
    static const char *const options[] = { "drives", "all",        "jobs",
                                           "json",   "same-model", NULL };
    int ndrives;

    cmd_arg_values(replay, args, "drive", &ndrives);
    if (ndrives > 1)
        return true;
    for (size_t i = 0; options[i] != NULL; i++)
        if (cmd_arg_value(replay, args, options[i]) != NULL)
            return true;
    return false;
}

double
fleet_seconds(const struct timespec *from, const struct timespec *to)
{
    return (double)(to->tv_sec - from->tv_sec) +
           (double)(to->tv_nsec - from->tv_nsec) / 1e9;
}

/* A command as its progress names it: its name and, for a command on a
 * page, the page as written ("set 05"), made visible. */
static char *
fleet_doing(struct cmd_ctx *scratch, const struct cmd_words *w)
{
    struct err err;
    struct cmd_args args;
    bool help = false;

    err_clear(&err);
    const struct cmd_entry *entry = cmd_find(w->argv[0], &err);
    if (entry == NULL)
        return text_visible(w->argv[0], false);
    char *doing = NULL;
    if ((entry->flags & CMD_PAGE_ARG) &&
        cmd_parse(scratch, entry, w->argc, w->argv, &args, &help, &err) == 0) {
        int at = (entry->flags & CMD_DRIVE_ARG) ? 1 : 0;
        if (!help && args.argc > at)
            doing = xasprintf("%s %s", entry->name, args.argv[at]);
    }
    if (entry->flags & CMD_PAGE_ARG)
        free(args.argv);
    if (doing == NULL)
        doing = xstrdup(entry->name);
    char *shown = text_visible(doing, false);
    free(doing);
    return shown;
}

/* What 'open DRIVE' and 'page PAGE' select, for the commands after
 * them. */
static void
fleet_follow_selection(struct cmd_ctx *scratch, const struct cmd_words *w)
{
    struct err err;

    err_clear(&err);
    const struct cmd_entry *entry = cmd_find(w->argv[0], &err);
    if (entry == NULL || w->argc != 2)
        return;
    char **selected =
        strcmp(entry->name, "open") == 0   ? &scratch->selected_drive
        : strcmp(entry->name, "page") == 0 ? &scratch->selected_page
                                           : NULL;
    if (selected == NULL)
        return;
    free(*selected);
    *selected = xstrdup(w->argv[1]);
}

/* A journal's "# drive URI: VENDOR PRODUCT REVISION" line: the identity
 * recorded, kept once. */
static void
fleet_recorded(struct fleet_run *run, const char *line)
{
    const char *uri;
    size_t uri_len;
    const char *identity = replay_identity_line(line, &uri, &uri_len);
    if (identity == NULL)
        return;
    for (size_t i = 0; i < run->nrecorded; i++)
        if (strcmp(run->recorded[i], identity) == 0)
            return;
    run->recorded =
        xrealloc(run->recorded, (run->nrecorded + 1) * sizeof *run->recorded);
    run->recorded[run->nrecorded++] = xstrdup(identity);
}

static void
fleet_drop(void *arg, const char *text)
{
    (void)arg;
    (void)text;
}

/* The file's commands, counted and named for the progress, and the
 * identities it was recorded on, from the script loaded once. */
static void
fleet_read_script(struct fleet_run *run)
{
    static const struct cmd_output quiet = { fleet_drop, fleet_drop, NULL, NULL,
                                             NULL };
    struct cmd_ctx scratch;
    const char *line = run->script->text;

    cmd_ctx_init(&scratch, &quiet);
    /* The drive and page the lines start from, and then select: a
     * command that leaves out its page is named with the one selected. */
    if (run->ctx->selected_drive != NULL)
        scratch.selected_drive = xstrdup(run->ctx->selected_drive);
    if (run->ctx->selected_page != NULL)
        scratch.selected_page = xstrdup(run->ctx->selected_page);
    for (unsigned n = 0; n < run->script->nlines;
         n++, line = replay_next_line(line)) {
        fleet_recorded(run, line);
        struct cmd_line parsed;
        struct err parse_err;
        err_clear(&parse_err);
        if (cmd_line_parse(line, &parsed, &parse_err) != 0)
            continue; /* replay's own checks said what is wrong with it */
        run->doing = xrealloc(run->doing, (run->commands + parsed.ncmds + 1) *
                                              sizeof *run->doing);
        for (size_t i = 0; i < parsed.ncmds; i++) {
            run->doing[run->commands++] =
                fleet_doing(&scratch, &parsed.cmds[i]);
            fleet_follow_selection(&scratch, &parsed.cmds[i]);
        }
        cmd_line_free(&parsed);
    }
    cmd_ctx_fini(&scratch);
}

/* A line for the caller's output, under the run's lock. */
static void
fleet_say(struct fleet_run *run, bool diagnostic, const char *drive,
          const char *text)
{
    /* Each line of a block (a page's bytes) led by its drive too, so
     * that every line says whose it is; once, when the line names it
     * already. */
    size_t named = strlen(drive);
    do {
        int len = (int)strcspn(text, "\n");
        bool says = strncmp(text, drive, named) == 0 &&
                    strncmp(text + named, ": ", 2) == 0;
        const char *lead = says ? "" : drive, *sep = says ? "" : ": ";
        if (diagnostic)
            cmd_warn(run->ctx, "%s%s%.*s", lead, sep, len, text);
        else
            cmd_print(run->ctx, "%s%s%.*s", lead, sep, len, text);
        text += len;
    } while (*text++ != '\0');
}

static void
fleet_keep(struct fleet_drive *d, bool diagnostic, const char *text)
{
    d->lines = xrealloc(d->lines, (d->nlines + 1) * sizeof *d->lines);
    d->lines[d->nlines].diagnostic = diagnostic;
    d->lines[d->nlines++].text = xstrdup(text);
}

/* The batch markers of the drive's context ("%begin N", "%end N",
 * "%error N") tell which command it is at; true when 'text' was one. */
static bool
fleet_marker(struct fleet_drive *d, const char *text)
{
    unsigned n;
    char word[8], extra;

    if (text[0] != '%' || sscanf(text, "%%%7[a-z] %u%c", word, &n, &extra) != 2)
        return false;
    if (strcmp(word, "begin") == 0 && n == d->begun + 1) {
        d->begun = n;
        pthread_cond_broadcast(&d->run->changed);
        return true;
    }
    return (strcmp(word, "end") == 0 || strcmp(word, "error") == 0) &&
           n == d->begun;
}

static void
fleet_out(void *arg, const char *text)
{
    struct fleet_drive *d = arg;
    struct fleet_run *run = d->run;

    pthread_mutex_lock(&run->lock);
    /* Kept for the end, each drive's together and the drives in their
     * order, so that the output reads the same however the drives
     * interleaved. */
    if (!fleet_marker(d, text))
        fleet_keep(d, false, text);
    pthread_mutex_unlock(&run->lock);
}

static void
fleet_err(void *arg, const char *text)
{
    struct fleet_drive *d = arg;
    struct fleet_run *run = d->run;

    pthread_mutex_lock(&run->lock);
    /* The error a command reported is in ctx.last_error before its first
     * line comes: the first of the run, not an interruption, is the
     * drive's first error. */
    if (!d->has_error && d->ctx.last_error.hr != 0 &&
        !atomic_load(&fleet_stop)) {
        d->first_error = d->ctx.last_error;
        d->has_error = true;
    }
    if (run->hold_diagnostics || run->json)
        fleet_keep(d, true, text);
    if (!run->hold_diagnostics)
        fleet_say(run, true, d->shown, text);
    pthread_mutex_unlock(&run->lock);
}

/* The runs of commands in the drive's undo record, newest last, or
 * false when it cannot be read. */
static bool
fleet_undo_runs(struct recorder *rec, char ***runs, size_t *nruns)
{
    struct undo_stack st;
    struct err err;

    err_clear(&err);
    *runs = NULL;
    *nruns = 0;
    if (undo_stack_load(rec, &st, &err) != 0) {
        undo_stack_free(&st);
        return false;
    }
    for (size_t i = 0; i < st.count; i++) {
        const char *name = undo_run_name(&st.changes[i]);
        if (*nruns > 0 && strcmp((*runs)[*nruns - 1], name) == 0)
            continue;
        *runs = xrealloc(*runs, (*nruns + 1) * sizeof **runs);
        (*runs)[(*nruns)++] = xstrdup(name);
    }
    undo_stack_free(&st);
    return true;
}

static void
fleet_free_runs(char **runs, size_t nruns)
{
    for (size_t i = 0; i < nruns; i++)
        free(runs[i]);
    free(runs);
}

/* Standard input for a drive's command: a copy of what the caller read
 * once for every drive. */
static char *
fleet_input(void *arg, struct err *err)
{
    struct fleet_drive *d = arg;

    if (d->run->input == NULL) {
        /* The checks found no command that reads it: the file changed
         * since. */
        err_usage(err, "standard input was not read for this replay: the "
                       "file changed since it was checked");
        return NULL;
    }
    return xstrdup(d->run->input);
}

/* The drive's own context: the caller's options, its own drives, its
 * output to the run. */
static void
fleet_drive_init(struct fleet_run *run, struct fleet_drive *d)
{
    struct cmd_ctx *parent = run->ctx;

    d->run = run;
    d->output =
        (struct cmd_output){ fleet_out, fleet_err, fleet_input, d, NULL };
    cmd_ctx_init(&d->ctx, &d->output);
    /* The page definitions, vendor sense rules and trace the caller
     * opened, shared: their problems were reported once, by the caller. */
    d->ctx.recorder = parent->recorder;
    d->ctx.pagedb_loaded = true;
    d->ctx.sense_map_loaded = true;
    d->ctx.trace = parent->trace; /* borrowed: fleet_drive_fini */
    d->ctx.front = "replay";
    d->ctx.batch = true; /* its markers say which command it is at */
    d->ctx.dry_run = run->dry_run;
    d->ctx.keep_going = run->keep_going;
    d->ctx.undo_elsewhere = run->undo_elsewhere;
    d->ctx.models_said = true; /* fleet_preflight */
    d->ctx.drive_override = d->uri;
    /* As deep as the caller: each drive's replay is the file's own, with
     * the pre-flight of a file replayed on its own. */
    d->ctx.depth = parent->depth;
    d->ctx.stop = &fleet_stop;
    if (parent->selected_drive != NULL)
        d->ctx.selected_drive = xstrdup(parent->selected_drive);
    if (parent->selected_page != NULL)
        d->ctx.selected_page = xstrdup(parent->selected_page);
    d->status = CMD_OK;
    d->count.first = CMD_OK;
}

static void
fleet_drive_fini(struct fleet_drive *d)
{
    d->ctx.trace = NULL;
    cmd_ctx_fini(&d->ctx);
    for (size_t i = 0; i < d->nlines; i++)
        free(d->lines[i].text);
    free(d->lines);
    free(d->uri);
    free(d->shown);
    free(d->recorder_id);
    fleet_free_runs(d->runs_before, d->nruns_before);
}

/* The drive's model against the identities the file was recorded on. */
static enum fleet_model
fleet_model_of(const struct fleet_run *run, const struct scsi_identity *id)
{
    char full[64], model[48];
    enum fleet_model best =
        run->nrecorded > 0 ? FLEET_MODEL_OTHER : FLEET_MODEL_UNRECORDED;

    snprintf(full, sizeof full, "%s %s %s", id->vendor, id->product,
             id->revision);
    snprintf(model, sizeof model, "%s %s ", id->vendor, id->product);
    for (size_t i = 0; i < run->nrecorded; i++) {
        if (strcmp(run->recorded[i], full) == 0)
            return FLEET_MODEL_SAME;
        if (strncmp(run->recorded[i], model, strlen(model)) == 0)
            best = FLEET_MODEL_OTHER_REVISION;
    }
    return best;
}

/* What 'undo -n N' takes back of the replay: the runs in the drive's
 * undo record that were not there before it began, however the commands
 * that made them ended (a file replayed in turn, a restore that failed
 * part-way, a command interrupted).  Those an 'undo' of the file took
 * back are no longer there; with more runs than the record keeps, all
 * it keeps. */
static void
fleet_count_undo(struct fleet_drive *d)
{
    struct recorder *rec;
    struct err err;
    char **runs;
    size_t nruns;

    err_clear(&err);
    d->undo_runs = 0;
    if (!d->undo_known || cmd_open_drive(&d->ctx, d->uri, &rec, &err) != 0 ||
        !fleet_undo_runs(rec, &runs, &nruns)) {
        d->undo_known = false;
        return;
    }
    for (size_t i = 0; i < nruns; i++) {
        bool before = false;
        for (size_t j = 0; j < d->nruns_before && !before; j++)
            before = strcmp(runs[i], d->runs_before[j]) == 0;
        d->undo_runs += !before;
    }
    fleet_free_runs(runs, nruns);
}

/* Open and identify one drive, on a thread of its own. */
static void
fleet_identify(void *arg, size_t i)
{
    struct fleet_run *run = arg;
    struct fleet_drive *d = &run->drives[i];
    struct recorder *rec;
    struct err err;

    err_clear(&err);
    if (atomic_load(&fleet_stop)) {
        d->state = FLEET_NOT_STARTED;
        d->status = CMD_FAILED; /* the interruption */
        return;
    }
    if (cmd_open_drive(&d->ctx, d->uri, &rec, &err) != 0 ||
        recorder_inquiry(rec, &d->id, &err) != 0) {
        d->state = FLEET_UNREACHABLE;
        d->first_error = err;
        d->has_error = true;
        d->status = CMD_FAILED;
        return;
    }
    d->identified = true;
    d->recorder_id = xstrdup(recorder_id(rec));
    d->undo_known = fleet_undo_runs(rec, &d->runs_before, &d->nruns_before);
    d->model = fleet_model_of(run, &d->id);
    d->state = FLEET_WAITING;
    /* --all takes the drives list shows, but sends mode pages meant for
     * MMC drives to no disk or tape among them. */
    if (run->all && d->id.peripheral_type != 5)
        snprintf(d->why_skipped, sizeof d->why_skipped,
                 "not MMC (device type 0x%02x)", d->id.peripheral_type);
    else if (run->same_model && d->model == FLEET_MODEL_OTHER)
        snprintf(d->why_skipped, sizeof d->why_skipped, "another model");
    if (d->why_skipped[0] != '\0')
        d->state = FLEET_SKIPPED;
}

/* Before anything is sent: a drive named twice under two spellings is
 * run once, and a drive of another model than recorded is named. */
static void
fleet_preflight(struct fleet_run *run)
{
    struct fleet_names identities = { 0 };

    for (size_t i = 0; i < run->ndrives; i++) {
        struct fleet_drive *d = &run->drives[i];
        if (d->state == FLEET_UNREACHABLE) {
            char line[1024];
            errfmt_line(&d->first_error, line, sizeof line);
            cmd_warn(run->ctx, "%s: not replayed: %s", d->shown, line);
        }
        if (!d->identified)
            continue;
        size_t first = fleet_names_add(&identities, d->recorder_id, i);
        bool duplicate = first != i;
        if (duplicate) {
            const struct fleet_drive *e = &run->drives[first];
            snprintf(d->why_skipped, sizeof d->why_skipped,
                     "the same drive as %s", e->shown);
            d->state = FLEET_SKIPPED;
            cmd_warn(run->ctx, "%s: the same drive as %s: replayed once",
                     d->shown, e->shown);
        }
        if (d->model != FLEET_MODEL_OTHER || duplicate)
            continue;
        char *id = text_visible(d->id.vendor, false);
        char *product = text_visible(d->id.product, false);
        char *revision = text_visible(d->id.revision, false);
        /* Every model the file records, made visible: a file of lines
         * from several drives names each. */
        char *recorded = xstrdup("");
        for (size_t r = 0; r < run->nrecorded; r++) {
            char *one = text_visible(run->recorded[r], false);
            char *joined =
                xasprintf("%s%s%s", recorded, r > 0 ? " or " : "", one);
            free(one);
            free(recorded);
            recorded = joined;
        }
        cmd_warn(run->ctx,
                 "%s: warning: another model than recorded: %s %s %s, the "
                 "file was recorded on %s%s",
                 d->shown, id, product, revision, recorded,
                 run->same_model ? "; skipped (--same-model)"
                                 : " (--same-model skips such drives)");
        free(id);
        free(product);
        free(revision);
        free(recorded);
    }
    fleet_names_free(&identities);
}

/* Run the file on one drive, on a worker thread. */
static void
fleet_run_drive(void *arg, size_t i)
{
    struct fleet_run *run = arg;
    struct fleet_drive *d = &run->drives[i];
    bool plain = run->ctx->output->progress == NULL;

    if (d->state != FLEET_WAITING)
        return;
    if (atomic_load(&fleet_stop)) {
        pthread_mutex_lock(&run->lock);
        d->status = CMD_FAILED; /* the interruption */
        d->state = FLEET_NOT_STARTED;
        pthread_cond_broadcast(&run->changed);
        pthread_mutex_unlock(&run->lock);
        return;
    }
    pthread_mutex_lock(&run->lock);
    clock_gettime(CLOCK_MONOTONIC, &d->start);
    d->state = FLEET_RUNNING;
    if (plain)
        cmd_warn(run->ctx, "%s: begins: %u command%s", d->shown, run->commands,
                 run->commands == 1 ? "" : "s");
    pthread_mutex_unlock(&run->lock);

    /* --check: the pre-flight alone, which sends nothing. */
    if (run->check)
        replay_script_preflight(&d->ctx, run->script, &d->count);
    else
        replay_script_run(&d->ctx, run->script, &d->count);
    if (!run->check && !run->dry_run)
        fleet_count_undo(d);
    cmd_line_thread_done();

    pthread_mutex_lock(&run->lock);
    clock_gettime(CLOCK_MONOTONIC, &d->end);
    d->status = d->count.worst;
    /* A command refused for the interruption was counted as run and
     * failed; it was neither. */
    if (d->count.interrupted ||
        (atomic_load(&fleet_stop) && d->count.run > d->begun)) {
        unsigned not_run =
            d->count.run > d->begun ? d->count.run - d->begun : 0;
        d->count.run -= not_run;
        d->count.failed -=
            not_run < d->count.failed ? not_run : d->count.failed;
        d->state = FLEET_STOPPED; /* its status a failure: the interruption */
        d->status = fleet_worse(d->status, CMD_FAILED);
    } else {
        d->state = FLEET_DONE;
    }
    if (plain)
        cmd_warn(run->ctx,
                 "%s: %s after %.1f s: %u of %u command%s run, %u failed",
                 d->shown, d->state == FLEET_STOPPED ? "stopped" : "ends",
                 fleet_seconds(&d->start, &d->end), d->count.run, run->commands,
                 run->commands == 1 ? "" : "s", d->count.failed);
    pthread_cond_broadcast(&run->changed);
    pthread_mutex_unlock(&run->lock);
}

const char *
fleet_state_word(const struct fleet_drive *d)
{
    switch (d->state) {
    case FLEET_WAITING:
        return "waiting";
    case FLEET_RUNNING:
        return "running";
    case FLEET_DONE:
        if (d->run->check)
            return d->status == CMD_OK ? "would pass" : "would fail";
        /* Refused by the checks or the pre-flight: nothing was sent. */
        if (d->status != CMD_OK && d->count.run == 0 && d->count.refused > 0)
            return "refused";
        return d->status == CMD_OK            ? "done"
               : d->status == CMD_NOT_APPLIED ? "not applied"
                                              : "failed";
    case FLEET_UNREACHABLE:
        return "failed";
    case FLEET_SKIPPED:
        return "skipped";
    case FLEET_STOPPED:
    case FLEET_NOT_STARTED:
        return "stopped";
    }
    return "?";
}

/* Every drive's row to the front end's progress; the lock is held. */
static void
fleet_progress(struct fleet_run *run, struct cmd_progress_row *rows, bool final)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    for (size_t i = 0; i < run->ndrives; i++) {
        const struct fleet_drive *d = &run->drives[i];
        unsigned at = d->begun < run->commands ? d->begun : run->commands;
        bool began = d->start.tv_sec != 0 || d->start.tv_nsec != 0;
        bool ended = d->state != FLEET_RUNNING;
        rows[i] = (struct cmd_progress_row){
            .drive = d->shown,
            .state = fleet_state_word(d),
            .command = d->begun,
            .commands = run->commands,
            .doing = at > 0 ? run->doing[at - 1] : "",
            .elapsed = !began  ? 0
                       : ended ? fleet_seconds(&d->start, &d->end)
                               : fleet_seconds(&d->start, &now),
        };
    }
    run->ctx->output->progress(run->ctx->output->arg, rows, run->ndrives,
                               final);
}

static void *
fleet_runner(void *arg)
{
    struct fleet_run *run = arg;

    parallel_for(run->ndrives, run->jobs, fleet_run_drive, run);
    pthread_mutex_lock(&run->lock);
    run->finished = true;
    pthread_cond_broadcast(&run->changed);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* How often the progress is redrawn while nothing changes: the elapsed
 * times move. */
#define FLEET_REDRAW_NS (200 * 1000 * 1000L)

/* Run the file on every drive that passed, on a thread of its own that
 * starts the workers; this one draws the progress until they end. */
static void
fleet_run_all(struct fleet_run *run)
{
    const struct cmd_output *output = run->ctx->output;
    struct cmd_progress_row *rows =
        output->progress != NULL ? xcalloc(run->ndrives, sizeof *rows) : NULL;
    pthread_t runner;

    if (pthread_create(&runner, NULL, fleet_runner, run) != 0) {
        fleet_runner(run); /* no thread: no progress, the same result */
    } else {
        pthread_mutex_lock(&run->lock);
        while (!run->finished) {
            if (rows == NULL) {
                pthread_cond_wait(&run->changed, &run->lock);
                continue;
            }
            fleet_progress(run, rows, false);
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += FLEET_REDRAW_NS;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&run->changed, &run->lock, &until);
        }
        pthread_mutex_unlock(&run->lock);
        pthread_join(runner, NULL);
    }
    if (rows != NULL) {
        pthread_mutex_lock(&run->lock);
        fleet_progress(run, rows, true);
        pthread_mutex_unlock(&run->lock);
    }
    free(rows);
}

/* Each drive's output, and its messages kept while the progress was
 * drawn, each drive's together. */
static void
fleet_flush_lines(struct fleet_run *run)
{
    for (size_t i = 0; i < run->ndrives; i++) {
        const struct fleet_drive *d = &run->drives[i];
        for (size_t l = 0; l < d->nlines; l++) {
            if (d->lines[l].diagnostic && run->hold_diagnostics)
                fleet_say(run, true, d->shown, d->lines[l].text);
            else if (!d->lines[l].diagnostic && !run->json)
                fleet_say(run, false, d->shown, d->lines[l].text);
        }
    }
}

static void
fleet_free(struct fleet_run *run)
{
    for (size_t i = 0; i < run->ndrives; i++)
        fleet_drive_fini(&run->drives[i]);
    free(run->drives);
    for (unsigned i = 0; i < run->commands; i++)
        free(run->doing[i]);
    free(run->doing);
    for (size_t i = 0; i < run->nrecorded; i++)
        free(run->recorded[i]);
    free(run->recorded);
    free(run->input);
    pthread_mutex_destroy(&run->lock);
    pthread_cond_destroy(&run->changed);
}

/* Descriptors a drive holds while it waits its turn (an emulated drive
 * its state's lock and pin, an iSCSI LUN its connection, the drive's
 * lock) and takes while it runs a command (its undo record, the audit
 * log, the journal), with room to spare. */
#define FLEET_FILES_PER_DRIVE 4
#define FLEET_FILES_SPARE     64

/* Every drive is kept open from its identification to its end, so that
 * the identity it was checked on is the drive's that the file runs on: a
 * rack of drives needs more descriptors than a shell's usual soft limit
 * of 1024, which the hard limit usually allows.  Raised for as many as
 * the drives need, never lowered; a drive that finds none is named with
 * its error, as a missing one is. */
static void
fleet_enough_files(size_t ndrives)
{
    struct rlimit lim;
    rlim_t need = (rlim_t)ndrives * FLEET_FILES_PER_DRIVE + FLEET_FILES_SPARE;

    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= need)
        return;
    lim.rlim_cur = lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need
                       ? lim.rlim_max
                       : need;
    setrlimit(RLIMIT_NOFILE, &lim);
}

/* Standard input, read once for every drive: the workers cannot each
 * read the one stream. */
static int
fleet_read_input(struct fleet_run *run, struct err *err)
{
    const struct cmd_output *output = run->ctx->output;

    if (output->read_input == NULL)
        return err_usage(err,
                         "replay %s: a command reads standard input (set "
                         "--data -), which cannot be read here; nothing was "
                         "sent",
                         run->path);
    run->input = output->read_input(output->arg, err);
    if (run->input == NULL) {
        err_prefix(err, "replay %s", run->path);
        return -1;
    }
    return 0;
}

/* Everything that can be refused is, before any drive is opened: the
 * options, the file, the drives' names. */
static int
fleet_prepare(struct fleet_run *run, const struct cmd_entry *replay,
              const struct cmd_args *args, struct err *err)
{
    run->dry_run = run->ctx->dry_run || cmd_arg_flag(replay, args, "dry-run");
    run->check = cmd_arg_flag(replay, args, "check");
    run->undo_elsewhere = run->ctx->undo_elsewhere ||
                          cmd_arg_flag(replay, args, "undo-elsewhere");
    run->keep_going = cmd_arg_flag(replay, args, "keep-going");
    run->json = cmd_arg_flag(replay, args, "json");
    run->same_model = cmd_arg_flag(replay, args, "same-model");
    run->all = cmd_arg_flag(replay, args, "all");
    run->jobs = 0;
    if (fleet_jobs(cmd_arg_value(replay, args, "jobs"), &run->jobs, err) != 0)
        return -1;
    if (fleet_drives(run, replay, args, err) != 0)
        return -1;
    if (run->jobs == 0)
        run->jobs = run->ndrives < FLEET_JOBS_DEFAULT ? (unsigned)run->ndrives
                                                      : FLEET_JOBS_DEFAULT;
    run->script = replay_script_load(run->path, err);
    if (run->script == NULL)
        return -1;
    /* The checks once, for every drive: a file with a fault runs on
     * none, its faults said once. */
    struct replay_fleet_check found = { .many_drives = run->ndrives > 1 };
    unsigned faults = replay_script_check_fleet(run->ctx, run->script, &found);
    if (faults > 0)
        return err_usage(err, "replay %s: %u fault%s found; nothing was run",
                         run->path, faults, faults == 1 ? "" : "s");
    if (found.reads_input && fleet_read_input(run, err) != 0)
        return -1;
    fleet_read_script(run);
    if (cmd_open_trace(run->ctx, err) != 0)
        return -1;
    return 0;
}

enum cmd_status
fleet_replay(struct cmd_ctx *ctx, const struct cmd_entry *replay,
             const struct cmd_args *args)
{
    struct fleet_run run;
    struct err err;

    memset(&run, 0, sizeof run);
    err_clear(&err);
    if (ctx->stop != NULL) {
        err_usage(&err,
                  "replay %s: a drive's replay cannot replay onto many "
                  "drives",
                  args->argv[0]);
        return cmd_error(ctx, &err);
    }
    run.ctx = ctx;
    run.path = args->argv[0];
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.changed, NULL);
    if (fleet_prepare(&run, replay, args, &err) != 0) {
        replay_script_free(run.script);
        fleet_free(&run);
        return cmd_error(ctx, &err);
    }
    run.hold_diagnostics = ctx->output->progress != NULL;
    /* Loaded once, by the caller, and shared by every drive's context. */
    cmd_pagedb(ctx);
    if (!ctx->sense_map_loaded)
        cmd_load_sense_map(ctx);
    for (size_t i = 0; i < run.ndrives; i++) {
        fleet_drive_init(&run, &run.drives[i]);
        /* A password to ask for is asked now, not by many workers at
         * once. */
        transport_ask_secret(run.drives[i].uri);
    }
    fleet_enough_files(run.ndrives);
    atomic_store(&fleet_stop, false);
    atomic_fetch_add(&fleet_active, 1);
    parallel_for(run.ndrives, run.jobs, fleet_identify, &run);
    fleet_preflight(&run);
    fleet_run_all(&run);
    run.interrupted = atomic_load(&fleet_stop);
    atomic_fetch_sub(&fleet_active, 1);
    fleet_flush_lines(&run);
    enum cmd_status status = fleet_report(&run);
    replay_script_free(run.script);
    fleet_free(&run);
    return status;
}
