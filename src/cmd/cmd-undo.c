/* undo DRIVE [-n N | --all]: put back the bits the last recorded
 * command (or the last N, or all, newest first) changed on the drive, and
 * nothing else, after checking that they still hold what that change
 * sent. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/changes-undo.h"
#include "cmd/cmd.h"
#include "cmd/undostep.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_undo_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);

static const struct cmd_option cmd_undo_options[] = {
    { "dry-run", false, NULL,
      "show the change and the MODE SELECT; send nothing", 0 },
    { "force", false, NULL, "undo even where the page was changed again since",
      0 },
    { "count", true, "N", "undo the last N commands, newest first", 'n' },
    { "all", false, NULL, "undo every command on record, newest first", 0 },
    { "expect", true, "RUN",
      "undo only if the newest command on record is still run RUN, as "
      "--dry-run showed it; else send nothing",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_undo_entry = {
    .name = "undo",
    .args = "DRIVE",
    .summary = "put back what the last command (-n N: commands) changed on "
               "the drive",
    .options = cmd_undo_options,
    .min_args = 1,
    .max_args = 1,
    .flags = CMD_MUTATES | CMD_DRIVE_ARG,
    .guard = "expect",
    .exec = cmd_undo_exec,
};

/* Undo the last command's changes, its last MODE SELECT first: each
 * step finds the drive as the one after it left it, so each is checked
 * as a change of its own. */
static enum cmd_status
cmd_undo_run(struct cmd_ctx *ctx, const struct cmd_args *args,
             struct recorder *rec, struct undo_stack *st, bool alone,
             bool *whole)
{
    bool dry_run =
        cmd_arg_flag(&cmd_undo_entry, args, "dry-run") || ctx->dry_run;
    size_t steps = undo_stack_last_run(st), done = 0;
    const struct undo_change *last = &st->changes[st->count - 1];
    char *command = xstrdup(last->command), when[sizeof last->time];
    enum cmd_status status = CMD_OK;

    snprintf(when, sizeof when, "%s", last->time);
    if (steps > 1)
        cmd_print(ctx, "'%s' at %s: %zu MODE SELECTs to undo, the last first",
                  command, when, steps);
    while (done < steps) {
        size_t recorded = st->count;
        status = undo_step(ctx, rec, st, dry_run,
                           cmd_arg_flag(&cmd_undo_entry, args, "force"));
        if (st->count == recorded)
            break; /* a dry run, or a step that did not finish */
        done++;
        if (status != CMD_OK)
            break;
    }
    size_t earlier = undo_stack_runs(st);
    *whole = done == steps;
    /* Of several commands, the caller sums up those undone whole. */
    if (!alone && done == steps) {
        free(command);
        return status;
    }
    if (dry_run && steps > 1)
        cmd_print(ctx,
                  "dry run: that is the last of the %zu; undo checks each "
                  "of the others against what the one after it puts back",
                  steps);
    else if (done < steps && steps > 1)
        cmd_warn(ctx,
                 "undo stopped with %zu of the %zu MODE SELECTs of '%s' put "
                 "back; the rest stay on record, and 'modecon undo' again "
                 "goes on from there",
                 done, steps, command);
    else if (done == steps && earlier == 0)
        cmd_print(ctx, "undone; no earlier change of this drive is on "
                       "record");
    else if (done == steps)
        cmd_print(ctx, "undone; %zu earlier change%s of this drive on record",
                  earlier, earlier == 1 ? "" : "s");
    free(command);
    return status;
}

/* How many commands to undo: 1, -n N or --all (*all, with 0 in *want
 * until the record is read).  Checked before the record is read, so that
 * a mistyped option is named whatever the record holds. */
static int
cmd_undo_count(const struct cmd_args *args, size_t *want, bool *all,
               struct err *err)
{
    const char *text = cmd_arg_value(&cmd_undo_entry, args, "count");

    *all = cmd_arg_flag(&cmd_undo_entry, args, "all");
    *want = *all ? 0 : 1;
    if (*all && text != NULL)
        return err_usage(err, "undo: give -n N or --all, not both");
    if (text == NULL)
        return 0;
    unsigned long n = 0;
    const char *p = text;
    for (; isdigit((unsigned char)*p) && n <= UNDO_STACK_MAX; p++)
        n = n * 10 + (unsigned long)(*p - '0');
    if (*p != '\0' || p == text || n == 0)
        return err_usage(err,
                         "undo -n '%s': expected a number of commands, 1 or "
                         "more",
                         text);
    *want = n;
    return 0;
}

/* More commands asked than are on record is refused before anything is
 * sent. */
static int
cmd_undo_on_record(const struct cmd_args *args, size_t want, size_t runs,
                   struct err *err)
{
    if (want <= runs)
        return 0;
    return err_usage(err,
                     "undo -n %s: %zu command%s of this drive %s on "
                     "record; nothing was sent (--all undoes %s)",
                     cmd_arg_value(&cmd_undo_entry, args, "count"), runs,
                     runs == 1 ? "" : "s", runs == 1 ? "is" : "are",
                     runs == 1 ? "it" : "them");
}

/* Undo 'want' commands, newest first, each whole; the first that does
 * not come back whole stops the rest, which stay on record. */
static enum cmd_status
cmd_undo_runs(struct cmd_ctx *ctx, const struct cmd_args *args,
              struct recorder *rec, struct undo_stack *st, size_t want)
{
    bool dry_run =
        cmd_arg_flag(&cmd_undo_entry, args, "dry-run") || ctx->dry_run;
    enum cmd_status status = CMD_OK;
    size_t done = 0;

    if (dry_run) {
        /* Only the newest can be checked against the drive as it is:
         * each earlier one finds the drive as the one after it leaves
         * it.  They are named, and checked when they come. */
        cmd_print(ctx, "-- command 1 of %zu", want);
        bool whole;
        status = cmd_undo_run(ctx, args, rec, st, true, &whole);
        if (status != CMD_OK && status != CMD_NOT_APPLIED)
            return status;
        /* The stack as it would be without the commands named so far. */
        struct undo_stack rest = *st;
        rest.count -= undo_stack_last_run(st);
        for (size_t k = 2; k <= want && rest.count > 0; k++) {
            const struct undo_change *c = &rest.changes[rest.count - 1];
            size_t steps = undo_stack_last_run(&rest);
            cmd_print(ctx,
                      "-- command %zu of %zu: '%s' at %s, %zu MODE "
                      "SELECT%s to undo",
                      k, want, c->command, c->time, steps,
                      steps == 1 ? "" : "s");
            rest.count -= steps;
        }
        cmd_print(ctx, "dry run: each command after the first is checked, "
                       "when it comes, against the drive as the undo before "
                       "it leaves it");
        return status;
    }
    while (done < want && st->count > 0) {
        char command[160], when[sizeof st->changes[0].time];
        const struct undo_change *last = &st->changes[st->count - 1];
        snprintf(command, sizeof command, "%s", last->command);
        snprintf(when, sizeof when, "%s", last->time);
        cmd_print(ctx, "-- command %zu of %zu", done + 1, want);
        bool whole = false;
        status = cmd_undo_run(ctx, args, rec, st, false, &whole);
        /* A step not put back stays on record, so a command is whole
         * only when every step of it went. */
        if (!whole) {
            cmd_warn(ctx,
                     "undo stopped at command %zu of %zu ('%s' at %s): %zu "
                     "undone before it; it and the earlier ones stay on "
                     "record",
                     done + 1, want, command, when, done);
            return status;
        }
        done++;
    }
    size_t earlier = undo_stack_runs(st);
    cmd_print(ctx,
              "undone: %zu commands, the newest first; %zu earlier "
              "command%s of this drive on record",
              done, earlier, earlier == 1 ? "" : "s");
    return status;
}

/* An undo line replayed on another drive than the one it ran on: it took
 * back the last change recorded for its own drive, and on this one would
 * take back this drive's last change, another change (or none), so it is
 * refused unless the replay was asked to run it there
 * (--undo-elsewhere).  The change it would take back is named. */
static int
cmd_undo_elsewhere(struct cmd_ctx *ctx, const struct cmd_args *args,
                   const struct undo_stack *st, struct err *err)
{
    const char *recorded = args->argv[0];
    const char *drive = cmd_drive_uri(ctx, recorded);

    if (ctx->undo_elsewhere || strcmp(drive, recorded) == 0)
        return 0;
    char there[320];
    if (st->count == 0)
        snprintf(there, sizeof there, "%s has no change on record", drive);
    else
        snprintf(there, sizeof there,
                 "there it would take back '%s' of %s, %s's own last "
                 "change",
                 st->changes[st->count - 1].command,
                 st->changes[st->count - 1].time, drive);
    return err_usage(err,
                     "undo %s: it took back the last change of %s; "
                     "replayed on %s, %s: nothing was sent (replay "
                     "--undo-elsewhere runs it there anyway)",
                     recorded, recorded, drive, there);
}

static enum cmd_status
cmd_undo_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct recorder *rec;
    struct undo_stack st;
    enum cmd_status status;
    struct err err;

    err_clear(&err);
    memset(&st, 0, sizeof st);
    size_t want;
    bool all;
    if (cmd_undo_count(args, &want, &all, &err) != 0)
        return cmd_error(ctx, &err);
    /* The drive held from reading its record to saving it, so that no
     * other process's change comes in between. */
    if (cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        recorder_acquire_exclusive(rec, &err) != 0)
        return cmd_error(ctx, &err);
    if (changes_load(ctx, rec, &st, &err) != 0) {
        undo_stack_free(&st);
        recorder_release_exclusive(rec);
        return cmd_error(ctx, &err);
    }
    size_t runs = undo_stack_runs(&st);
    if (all)
        want = runs;
    const char *expect = cmd_arg_value(&cmd_undo_entry, args, "expect");
    const char *newest =
        st.count > 0 ? undo_run_name(&st.changes[st.count - 1]) : NULL;
    if (cmd_undo_elsewhere(ctx, args, &st, &err) != 0) {
        status = cmd_error(ctx, &err);
    } else if (recorder_simulating(rec) && recorder_simulation_pending(rec)) {
        /* Dry runs before this one would have changed the drive, and a dry
         * run records nothing: the change this undo would take back is
         * theirs, not the record's newest.  What they would have left is
         * forgotten, so that what follows is checked against the drive as
         * it is, as the undo of those changes would leave it. */
        recorder_simulation_drop(rec);
        cmd_warn(ctx,
                 "%s: undo would take back a change of the dry runs before "
                 "it, which are not on record: not checked; what follows "
                 "is checked against the drive as it is",
                 recorder_name(rec));
        status = CMD_OK;
    } else if (st.count > 0 && expect != NULL && strcmp(expect, newest) != 0) {
        /* What a dialog or a script looked at is not what would be undone:
         * another command was recorded since. */
        const struct undo_change *c = &st.changes[st.count - 1];
        err_usage(&err,
                  "%s: the newest command on record is '%s' of %s (run %s), "
                  "not run %s: it came after the undo was shown; nothing "
                  "was sent ('undo --dry-run' shows what undo would do now)",
                  recorder_name(rec), c->command, c->time, newest, expect);
        status = cmd_error(ctx, &err);
    } else if (st.count == 0) {
        err_usage(&err,
                  "%s: no change of this drive is recorded (modecon records "
                  "each change it sends, in %s)",
                  recorder_name(rec), st.path);
        status = cmd_error(ctx, &err);
    } else if (cmd_undo_on_record(args, want, runs, &err) != 0) {
        status = cmd_error(ctx, &err);
    } else if (want == 1) {
        bool whole;
        status = cmd_undo_run(ctx, args, rec, &st, true, &whole);
        if (cmd_arg_flag(&cmd_undo_entry, args, "dry-run") || ctx->dry_run) {
            snprintf(ctx->undo_shown, sizeof ctx->undo_shown, "%s", newest);
            cmd_print(ctx,
                      "this is run %s: 'undo %s --expect %s' undoes it only "
                      "while it is the newest on record",
                      newest, args->argv[0], newest);
        }
    } else {
        status = cmd_undo_runs(ctx, args, rec, &st, want);
    }
    undo_stack_free(&st);
    recorder_release_exclusive(rec);
    return status;
}
