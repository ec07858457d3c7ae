/* What a replay onto many drives did, one row per drive: a table, or one
 * JSON document with --json (cmd/fleet.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/fleet-internal.h"
#include "engine/sense.h"
#include "util/text.h"
#include "util/xmalloc.h"

enum cmd_status
fleet_worse(enum cmd_status a, enum cmd_status b)
{
    static const int rank[] = {
        [CMD_OK] = 0,
        [CMD_NOT_APPLIED] = 1,
        [CMD_FAILED] = 2,
        [CMD_USAGE] = 3,
    };
    return rank[b] > rank[a] ? b : a;
}

static const char *
fleet_model_word(enum fleet_model model)
{
    switch (model) {
    case FLEET_MODEL_UNRECORDED:
        return "-";
    case FLEET_MODEL_SAME:
        return "same";
    case FLEET_MODEL_OTHER_REVISION:
        return "other rev";
    case FLEET_MODEL_OTHER:
        return "other";
    }
    return "?";
}

/* The sense of the first error as KEY/ASC/ASCQ in hex, or "". */
static void
fleet_sense(const struct err *err, char *buf, size_t len)
{
    struct sense s;

    buf[0] = '\0';
    if (err->has_scsi && err->sense_len > 0 &&
        sense_decode(err->sense, err->sense_len, &s))
        snprintf(buf, len, "%02X/%02X/%02X", s.key, s.asc, s.ascq);
}

/* The commands 'undo -n' takes back: the runs the drive's undo record
 * gained; when it could not be read, the changes the drive answered. */
static unsigned
fleet_undo_count(const struct fleet_drive *d)
{
    return d->undo_known ? d->undo_runs
                         : d->count.applied + d->count.not_applied;
}

/* Whether the drive was left changed, from what it answered: a change it
 * kept, recorded for undo; never one it answered GOOD and ignored. */
static bool
fleet_changed(const struct fleet_run *run, const struct fleet_drive *d)
{
    return !run->dry_run && !run->check && d->count.reached > 0 &&
           fleet_undo_count(d) > 0;
}

/* The identity as the row shows it, made visible; a new string. */
static char *
fleet_identity(const struct fleet_drive *d)
{
    if (!d->identified)
        return xstrdup("-");
    char *joined =
        xasprintf("%s %s %s", d->id.vendor, d->id.product, d->id.revision);
    char *shown = text_visible(joined, false);
    free(joined);
    return shown;
}

static void
fleet_first_error(const struct fleet_drive *d, char *buf, size_t len)
{
    char sense[16];

    if (d->state == FLEET_SKIPPED) {
        snprintf(buf, len, "skipped: %s", d->why_skipped);
        return;
    }
    if (d->state == FLEET_NOT_STARTED) {
        snprintf(buf, len, "interrupted before it began");
        return;
    }
    if (!d->has_error) {
        snprintf(buf, len, "%s",
                 d->state == FLEET_STOPPED ? "interrupted" : "-");
        return;
    }
    fleet_sense(&d->first_error, sense, sizeof sense);
    snprintf(buf, len, "%s%s%s", hresult_name(d->first_error.hr),
             sense[0] ? " " : "", sense);
}

static void
fleet_table(struct fleet_run *run)
{
    int drive_w = 5, id_w = 8;
    char **ids = xcalloc(run->ndrives ? run->ndrives : 1, sizeof *ids);

    for (size_t i = 0; i < run->ndrives; i++) {
        ids[i] = fleet_identity(&run->drives[i]);
        int w = (int)strlen(run->drives[i].shown);
        drive_w = w > drive_w ? w : drive_w;
        w = (int)strlen(ids[i]);
        id_w = w > id_w ? w : id_w;
    }
    cmd_print(run->ctx,
              "%-*s  %-*s  %-9s  %-11s  %4s %7s %11s %7s %6s  %-15s  %s",
              drive_w, "DRIVE", id_w, "IDENTITY", "MODEL", "OUTCOME", "RUN",
              "APPLIED", "NOT-APPLIED", "REFUSED", "FAILED", "CHANGED",
              "FIRST ERROR");
    for (size_t i = 0; i < run->ndrives; i++) {
        const struct fleet_drive *d = &run->drives[i];
        char changed[32], error[ERR_MSG_MAX];
        if (fleet_changed(run, d))
            snprintf(changed, sizeof changed, "yes, undo -n %u",
                     fleet_undo_count(d));
        else
            snprintf(changed, sizeof changed, "%s",
                     run->dry_run ? "no (dry run)" : "no");
        fleet_first_error(d, error, sizeof error);
        cmd_print(run->ctx,
                  "%-*s  %-*s  %-9s  %-11s  %4u %7u %11u %7u %6u  %-15s  %s",
                  drive_w, d->shown, id_w, ids[i],
                  d->identified ? fleet_model_word(d->model) : "-",
                  fleet_state_word(d), d->count.run, d->count.applied,
                  d->count.not_applied, d->count.refused, d->count.failed,
                  changed, error);
        free(ids[i]);
    }
    free(ids);
}

static json_t *
fleet_error_json(const struct fleet_drive *d)
{
    char value[16], sense[16];

    if (!d->has_error)
        return json_null();
    json_t *error = json_object();
    snprintf(value, sizeof value, "0x%08X", d->first_error.hr);
    fleet_sense(&d->first_error, sense, sizeof sense);
    json_object_set_new(error, "hresult",
                        json_string(hresult_name(d->first_error.hr)));
    json_object_set_new(error, "hresult_value", json_string(value));
    json_object_set_new(error, "sense",
                        sense[0] ? json_string(sense) : json_null());
    json_object_set_new(error, "message", text_json(d->first_error.msg));
    return error;
}

static json_t *
fleet_drive_json(const struct fleet_run *run, const struct fleet_drive *d)
{
    json_t *obj = json_object();
    json_t *output = json_array(), *messages = json_array();

    json_object_set_new(obj, "drive", text_json(d->uri));
    json_object_set_new(obj, "vendor",
                        d->identified ? text_json(d->id.vendor) : json_null());
    json_object_set_new(obj, "product",
                        d->identified ? text_json(d->id.product) : json_null());
    json_object_set_new(obj, "revision",
                        d->identified ? text_json(d->id.revision)
                                      : json_null());
    static const char *const models[] = {
        [FLEET_MODEL_UNRECORDED] = "unrecorded",
        [FLEET_MODEL_SAME] = "same",
        [FLEET_MODEL_OTHER_REVISION] = "other revision",
        [FLEET_MODEL_OTHER] = "other",
    };
    json_object_set_new(obj, "model",
                        d->identified ? json_string(models[d->model])
                                      : json_null());
    json_object_set_new(obj, "outcome", json_string(fleet_state_word(d)));
    json_object_set_new(obj, "skipped",
                        d->state == FLEET_SKIPPED ? text_json(d->why_skipped)
                                                  : json_null());
    json_object_set_new(obj, "commands_run", json_integer(d->count.run));
    json_object_set_new(obj, "applied", json_integer(d->count.applied));
    json_object_set_new(obj, "not_applied", json_integer(d->count.not_applied));
    json_object_set_new(obj, "refused", json_integer(d->count.refused));
    json_object_set_new(obj, "failed", json_integer(d->count.failed));
    json_object_set_new(obj, "changed", json_boolean(fleet_changed(run, d)));
    json_object_set_new(
        obj, "undo_count",
        json_integer(fleet_changed(run, d) ? fleet_undo_count(d) : 0));
    json_object_set_new(obj, "exit_status", json_integer(d->status));
    json_object_set_new(obj, "first_error", fleet_error_json(d));
    bool began = d->start.tv_sec != 0 || d->start.tv_nsec != 0;
    json_object_set_new(obj, "seconds",
                        began ? json_real(fleet_seconds(&d->start, &d->end))
                              : json_null());
    for (size_t l = 0; l < d->nlines; l++)
        json_array_append_new(d->lines[l].diagnostic ? messages : output,
                              text_json(d->lines[l].text));
    json_object_set_new(obj, "output", output);
    json_object_set_new(obj, "messages", messages);
    return obj;
}

enum cmd_status
fleet_report(struct fleet_run *run)
{
    enum cmd_status worst = CMD_OK;
    size_t changed = 0, counts[FLEET_NOT_STARTED + 1] = { 0 };

    for (size_t i = 0; i < run->ndrives; i++) {
        const struct fleet_drive *d = &run->drives[i];
        worst = fleet_worse(worst, d->status);
        changed += fleet_changed(run, d);
        counts[d->state]++;
    }
    if (run->json) {
        json_t *doc = json_object(), *drives = json_array(),
               *recorded = json_array();
        json_object_set_new(doc, "replay", text_json(run->path));
        json_object_set_new(doc, "commands", json_integer(run->commands));
        for (size_t i = 0; i < run->nrecorded; i++)
            json_array_append_new(recorded, text_json(run->recorded[i]));
        json_object_set_new(doc, "recorded_on", recorded);
        json_object_set_new(doc, "dry_run", json_boolean(run->dry_run));
        json_object_set_new(doc, "check", json_boolean(run->check));
        json_object_set_new(doc, "interrupted", json_boolean(run->interrupted));
        json_object_set_new(doc, "jobs", json_integer(run->jobs));
        for (size_t i = 0; i < run->ndrives; i++)
            json_array_append_new(drives,
                                  fleet_drive_json(run, &run->drives[i]));
        json_object_set_new(doc, "drives", drives);
        json_object_set_new(doc, "changed", json_integer((json_int_t)changed));
        json_object_set_new(doc, "exit_status", json_integer(worst));
        cmd_print_json(run->ctx, doc);
        return worst;
    }
    fleet_table(run);
    cmd_print(run->ctx,
              "replay %s: %zu drive%s: %zu ran the file, %zu could not be "
              "opened, %zu skipped, %zu stopped; %zu changed%s",
              run->path, run->ndrives, run->ndrives == 1 ? "" : "s",
              counts[FLEET_DONE], counts[FLEET_UNREACHABLE],
              counts[FLEET_SKIPPED],
              counts[FLEET_STOPPED] + counts[FLEET_NOT_STARTED], changed,
              run->check     ? " (checked: nothing was sent)"
              : run->dry_run ? " (dry run)"
                             : "");
    if (changed > 0)
        cmd_print(run->ctx,
                  "'modecon undo DRIVE -n N' takes back what this replay "
                  "changed on DRIVE, N as its CHANGED column says");
    if (run->interrupted)
        cmd_print(run->ctx, "interrupted: each drive stopped after the "
                            "command it was running");
    return worst;
}
