/*
 * snapshot DRIVE [-o FILE]: the drive's identity, profiles and every page
 * it reports, under all four page controls, as a drive file
 * (drives/README.md), so that `emu:FILE` answers as the drive did.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/journal.h"
#include "engine/sense.h"
#include "util/atomicfile.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_snapshot_exec(struct cmd_ctx *ctx,
                                         const struct cmd_args *args);

static const struct cmd_option cmd_snapshot_options[] = {
    { "output", true, "FILE",
      "write it to FILE (NAME.json), replaced whole; else print it", 'o' },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_snapshot_entry = {
    .name = "snapshot",
    .args = "DRIVE",
    .summary = "save the drive's pages, all four page controls, as a drive "
               "file",
    .options = cmd_snapshot_options,
    .min_args = 1,
    .max_args = 1,
    .flags = CMD_DRIVE_ARG,
    .exec = cmd_snapshot_exec,
};

/* What the page controls other than current showed, over all pages. */
struct snapshot_seen {
    bool answered[4]; /* some page answered that page control */
    bool refused[4];  /* some page refused it */
    bool has_sense;   /* the first refusal's sense data, which shows how */
    uint8_t sense[ERR_SENSE_MAX]; /* the drive reports errors */
    uint8_t sense_len;
};

static json_t *
snapshot_code(unsigned value, int digits)
{
    char text[16];
    snprintf(text, sizeof text, "0x%0*X", digits, value);
    return json_string(text);
}

/* One page under every page control the drive answers for it.  A page
 * control it refuses is left out, as the drive file format reads it. */
static int
snapshot_page(struct recorder *rec, const struct mode_page_info *info,
              struct snapshot_seen *seen, json_t **out, struct err *err)
{
    static const char *const keys[] = { "current", "changeable", "default",
                                        "saved" };
    json_t *page = json_object();
    size_t current_len = 0;

    json_object_set_new(page, "page", snapshot_code(info->code, 2));
    json_object_set_new(page, "subpage", snapshot_code(info->subpage, 2));
    json_object_set_new(page, "savable", json_boolean(info->savable));
    for (int rt = MODE_REQUEST_CURRENT; rt <= MODE_REQUEST_SAVED; rt++) {
        uint8_t *data;
        size_t len;
        if (rt == MODE_REQUEST_SAVED && !info->savable)
            break; /* the file holds saved values of savable pages only */
        if (recorder_get_mode_page(rec, info->code, info->subpage,
                                   (enum mode_request)rt, &data, &len,
                                   err) != 0) {
            if (rt == MODE_REQUEST_CURRENT ||
                err->hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
                json_decref(page);
                return -1;
            }
            seen->refused[rt] = true;
            if (!seen->has_sense && err->sense_len > 0) {
                seen->has_sense = true;
                seen->sense_len = err->sense_len;
                memcpy(seen->sense, err->sense, err->sense_len);
            }
            err_clear(err);
            continue;
        }
        data[0] &= (uint8_t)~0x80; /* PS is 0 in the file */
        if (rt == MODE_REQUEST_CURRENT)
            current_len = len;
        if (len == current_len) {
            json_object_set_new(page, keys[rt], jsonhex_string(data, len));
            seen->answered[rt] = true;
        } else {
            char note[128];
            snprintf(note, sizeof note,
                     "the drive's %s values are %zu bytes for a %zu-byte "
                     "page: left out",
                     keys[rt], len, current_len);
            json_object_set_new(page, "comment", json_string(note));
        }
        free(data);
    }
    /* Saved values the drive did not give are marked unknown, so that
     * the snapshot opened as a drive refuses them rather than answering
     * with its defaults, which 'restore --save' would then save. */
    if (info->savable && json_object_get(page, "saved") == NULL)
        json_object_set_new(page, "saved", json_null());
    *out = page;
    return 0;
}

/* How a refusal showed the drive's sense data: its format, its first
 * byte (F0h from ATAPI drives that set VALID) and whether it points at the
 * field (SPC-4 4.5.2.4). */
static void
snapshot_sense_behaviour(const struct snapshot_seen *seen, json_t *behaviour)
{
    struct sense s;

    if (!seen->has_sense || !sense_decode(seen->sense, seen->sense_len, &s))
        return;
    json_object_set_new(behaviour, "sense_format",
                        json_string(s.descriptor ? "descriptor" : "fixed"));
    if (!s.descriptor)
        json_object_set_new(behaviour, "sense_response_code",
                            snapshot_code(seen->sense[0], 2));
    json_object_set_new(behaviour, "field_pointers", json_boolean(s.sksv));
}

static const char *
snapshot_medium(enum media_state state)
{
    switch (state) {
    case MEDIA_NONE:
        return "none";
    case MEDIA_WRITE_PROTECTED:
        return "write-protected";
    default:
        return "present"; /* a passing state is captured as what follows */
    }
}

static json_t *
snapshot_identity(const struct scsi_identity *id)
{
    json_t *inquiry = json_object();
    json_object_set_new(inquiry, "peripheral_device_type",
                        json_integer(id->peripheral_type));
    json_object_set_new(inquiry, "removable", json_boolean(id->removable));
    json_object_set_new(inquiry, "version", json_integer(id->version));
    json_object_set_new(inquiry, "vendor", json_string(id->vendor));
    json_object_set_new(inquiry, "product", json_string(id->product));
    json_object_set_new(inquiry, "revision", json_string(id->revision));
    return inquiry;
}

/* GET CONFIGURATION, or NULL for a drive without it (05/20/00) or
 * without a Profile List; other failures are errors. */
static int
snapshot_configuration(struct recorder *rec, json_t **out, struct err *err)
{
    struct scsi_configuration cfg;

    *out = NULL;
    if (recorder_get_configuration(rec, &cfg, err) != 0) {
        if (!err->has_scsi)
            return -1;  /* no answer, or a broken one */
        err_clear(err); /* refused: the file says so by leaving it out */
        return 0;
    }
    if (cfg.nprofiles == 0)
        return 0;
    json_t *config = json_object(), *profiles = json_array();
    bool current_listed = false;
    for (size_t i = 0; i < cfg.nprofiles; i++) {
        json_array_append_new(profiles, snapshot_code(cfg.profiles[i], 4));
        current_listed |= cfg.profiles[i] == cfg.current_profile;
    }
    json_object_set_new(config, "profiles", profiles);
    if (current_listed)
        json_object_set_new(config, "current_profile",
                            snapshot_code(cfg.current_profile, 4));
    json_object_set_new(config, "interface",
                        json_string(cfg.interface == 2 ? "atapi" : "scsi"));
    *out = config;
    return 0;
}

/* The file's "description": the drive's name, without a password, its
 * identity and the time now. */
static json_t *
snapshot_description(struct recorder *rec, const struct scsi_identity *id)
{
    char when[32], description[256];
    time_t now = time(NULL);
    struct tm utc;

    gmtime_r(&now, &utc);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    char *safe = transport_redact(recorder_name(rec)); /* no password */
    snprintf(description, sizeof description, "snapshot of %s (%s %s %s), %s",
             safe, id->vendor, id->product, id->revision, when);
    free(safe);
    return json_string(description);
}

/* What the drive showed of itself; how it checks MODE SELECT, its sense
 * format and the rest cannot be seen without changing it, so they keep
 * the format's defaults. */
static json_t *
snapshot_behaviour(struct recorder *rec, const struct snapshot_seen *seen)
{
    json_t *behaviour = json_object();

    json_object_set_new(behaviour, "all_pages",
                        json_boolean(!recorder_refuses_all_pages(rec)));
    json_object_set_new(behaviour, "report_changeable",
                        json_boolean(!seen->refused[MODE_REQUEST_CHANGEABLE] ||
                                     seen->answered[MODE_REQUEST_CHANGEABLE]));
    json_object_set_new(behaviour, "report_default",
                        json_boolean(!seen->refused[MODE_REQUEST_DEFAULT] ||
                                     seen->answered[MODE_REQUEST_DEFAULT]));
    json_object_set_new(behaviour, "saving",
                        json_boolean(seen->answered[MODE_REQUEST_SAVED]));
    snapshot_sense_behaviour(seen, behaviour);
    return behaviour;
}

/* Everything a snapshot holds, read from the drive. */
struct snapshot_read {
    struct scsi_identity id;
    json_t *config; /* or NULL */
    enum media_state media;
    struct mode_page_info *infos;
    size_t ninfos;
    json_t *pages;
    struct snapshot_seen seen;
};

/* Read the drive: identity, configuration, medium and every mode page
 * under every page control. */
static int
snapshot_read_drive(struct recorder *rec, struct snapshot_read *r,
                    struct err *err)
{
    int progress;

    if (recorder_inquiry(rec, &r->id, err) != 0 ||
        snapshot_configuration(rec, &r->config, err) != 0 ||
        recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT, &r->infos,
                                          &r->ninfos, err) != 0)
        return -1;
    if (recorder_media_state(rec, &r->media, &progress, err) != 0)
        err_clear(err); /* no medium state is no reason to fail */
    r->pages = json_array();
    for (size_t i = 0; i < r->ninfos; i++) {
        json_t *page;
        if (snapshot_page(rec, &r->infos[i], &r->seen, &page, err) != 0)
            return -1;
        json_array_append_new(r->pages, page);
    }
    return 0;
}

/* The snapshot as an emulated drive file (drives/README.md); takes the
 * configuration and the pages from 'r'. */
static json_t *
snapshot_drive_file(struct recorder *rec, struct snapshot_read *r)
{
    json_t *drive = json_object();

    json_object_set_new(drive, "modecon_drive", json_integer(1));
    json_object_set_new(drive, "description",
                        snapshot_description(rec, &r->id));
    json_object_set_new(drive, "inquiry", snapshot_identity(&r->id));
    if (r->config != NULL)
        json_object_set_new(drive, "configuration", r->config);
    r->config = NULL;
    json_t *medium = json_object();
    json_object_set_new(medium, "state",
                        json_string(snapshot_medium(r->media)));
    json_object_set_new(drive, "medium", medium);
    json_object_set_new(drive, "behaviour", snapshot_behaviour(rec, &r->seen));
    json_object_set_new(drive, "mode_pages", r->pages);
    r->pages = NULL;
    return drive;
}

/* Write the file whole or not at all, ending in a newline. */
static int
snapshot_write(const char *file, const json_t *drive, struct err *err)
{
    char *text = json_dumps(drive, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    size_t len = strlen(text);

    text = xrealloc(text, len + 2);
    memcpy(text + len, "\n", 2);
    int rc = atomicfile_write(file, text, len + 1, 0644, true, err);
    free(text);
    return rc;
}

static enum cmd_status
cmd_snapshot_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const char *file = cmd_arg_value(&cmd_snapshot_entry, args, "output");
    struct recorder *rec;
    struct snapshot_read r;
    json_t *drive = NULL;
    struct err err;
    enum cmd_status status = CMD_OK;

    memset(&r, 0, sizeof r);
    r.media = MEDIA_UNKNOWN;
    err_clear(&err);
    if (file != NULL && !paths_is_json_file(file)) {
        err_usage(&err,
                  "snapshot: -o %s: the file's name must end in .json, so "
                  "that emu:FILE opens it",
                  file);
        return cmd_error(ctx, &err);
    }
    if (cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0 ||
        snapshot_read_drive(rec, &r, &err) != 0) {
        status = cmd_error(ctx, &err);
    } else if (file == NULL) {
        cmd_print_json(ctx, snapshot_drive_file(rec, &r));
    } else {
        drive = snapshot_drive_file(rec, &r);
        if (snapshot_write(file, drive, &err) != 0) {
            status = cmd_error(ctx, &err);
        } else {
            cmd_print(ctx,
                      "%s: %zu page%s under every page control it answers, "
                      "in %s",
                      recorder_name(rec), r.ninfos, r.ninfos == 1 ? "" : "s",
                      file);
            cmd_print(ctx, "open it as emu:%s", file);
        }
    }
    json_decref(drive);
    json_decref(r.pages);
    json_decref(r.config);
    free(r.infos);
    return status;
}
