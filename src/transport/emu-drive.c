/*
 * Drive files: JSON describing an emulated drive (drives/README.md).  The
 * file comes from users and, later, from snapshots of real drives, so
 * every member is checked for type, range and consistency here, once, and
 * the emulator trusts the loaded struct.  Messages name the file, the
 * JSON path of the item and what was expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/emu-drive-internal.h"
#include "transport/modepage.h"
#include "util/atomicfile.h"
#include "util/hex.h"
#include "util/xmalloc.h"

#define EMU_DRIVE_FILE_MAX (4u << 20) /* bytes */
#define EMU_DRIVE_VERSION  1

static const char *const emu_medium_names[] = {
    [EMU_MEDIUM_PRESENT] = "present",
    [EMU_MEDIUM_NONE] = "none",
    [EMU_MEDIUM_BECOMING_READY] = "becoming-ready",
    [EMU_MEDIUM_FORMATTING] = "format-in-progress",
    [EMU_MEDIUM_LONG_WRITE] = "long-write-in-progress",
    [EMU_MEDIUM_WRITE_PROTECTED] = "write-protected",
};

#define EMU_NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
emu_medium_name(enum emu_medium medium)
{
    if ((size_t)medium >= EMU_NELEM(emu_medium_names))
        return NULL;
    return emu_medium_names[medium];
}

bool
emu_medium_parse(const char *name, enum emu_medium *medium)
{
    for (size_t i = 0; i < EMU_NELEM(emu_medium_names); i++) {
        if (strcmp(name, emu_medium_names[i]) == 0) {
            *medium = (enum emu_medium)i;
            return true;
        }
    }
    return false;
}

uint64_t
emu_drive_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t hash = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++)
        hash = (hash ^ p[i]) * 1099511628211ull;
    return hash;
}

static int
emu_drive_inquiry(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    static const char *const keys[] = { "peripheral_device_type",
                                        "removable",
                                        "version",
                                        "vendor",
                                        "product",
                                        "revision",
                                        NULL };
    unsigned long pdt, version;
    json_t *inq;

    if (emu_drive_object(ld, root, "inquiry", true, &inq) != 0 ||
        emu_drive_keys(ld, inq, "inquiry", keys) != 0 ||
        emu_drive_uint(ld, inq, "inquiry", "peripheral_device_type", 0x1f,
                       false, 5, &pdt) != 0 ||
        emu_drive_bool(ld, inq, "inquiry", "removable", true,
                       &drive->removable) != 0 ||
        emu_drive_uint(ld, inq, "inquiry", "version", 0xff, false, 5,
                       &version) != 0 ||
        emu_drive_ascii(ld, inq, "vendor", 8, drive->vendor) != 0 ||
        emu_drive_ascii(ld, inq, "product", 16, drive->product) != 0 ||
        emu_drive_ascii(ld, inq, "revision", 4, drive->revision) != 0)
        return -1;
    drive->peripheral_type = (uint8_t)pdt;
    drive->version = (uint8_t)version;
    return 0;
}

static int
emu_drive_configuration(struct emu_load *ld, json_t *root,
                        struct emu_drive *drive)
{
    static const char *const keys[] = { "profiles", "current_profile",
                                        "interface", NULL };
    static const char *const interfaces[] = { "scsi", "atapi" };
    json_t *cfg, *list, *v;
    unsigned long current;
    size_t i, iface;

    if (emu_drive_object(ld, root, "configuration", false, &cfg) != 0)
        return -1;
    if (cfg == NULL)
        return 0;
    if (emu_drive_keys(ld, cfg, "configuration", keys) != 0 ||
        emu_drive_choice(ld, cfg, "configuration", "interface", interfaces, 2,
                         0, &iface) != 0)
        return -1;
    drive->atapi = iface == 1;
    list = json_object_get(cfg, "profiles");
    if (list == NULL || !json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > EMU_MAX_PROFILES)
        return emu_drive_bad(ld, "configuration.profiles",
                             "expected an array of 1 to %d profile numbers "
                             "like \"0x001A\", found %s",
                             EMU_MAX_PROFILES,
                             list ? emu_drive_type_name(list) : "nothing");
    json_array_foreach(list, i, v)
    {
        char where[64];
        unsigned long profile = 0;

        snprintf(where, sizeof where, "configuration.profiles[%zu]", i);
        if (emu_drive_number(ld, v, where, 0xffff, &profile) != 0)
            return -1;
        /* 0000h means "no current profile" in the feature header of
         * GET CONFIGURATION (MMC-6), so it cannot be a profile. */
        if (profile == 0)
            return emu_drive_bad(ld, where,
                                 "profile 0x0000 is reserved for \"no "
                                 "current profile\"");
        for (size_t j = 0; j < i; j++)
            if (drive->profiles[j] == profile)
                return emu_drive_bad(
                    ld, where, "profile 0x%04lx is listed twice", profile);
        drive->profiles[i] = (uint16_t)profile;
    }
    drive->nprofiles = json_array_size(list);
    if (emu_drive_uint(ld, cfg, "configuration", "current_profile", 0xffff,
                       true, 0, &current) != 0)
        return -1;
    for (i = 0; i < drive->nprofiles; i++)
        if (drive->profiles[i] == current)
            break;
    if (i == drive->nprofiles)
        return emu_drive_bad(ld, "configuration.current_profile",
                             "0x%04lx is not in configuration.profiles",
                             current);
    drive->current_profile = (uint16_t)current;
    drive->has_configuration = true;
    return 0;
}

static int
emu_drive_medium(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    static const char *const keys[] = { "state", "ready_after_ms",
                                        "progress_percent", NULL };
    size_t state;
    unsigned long ms, percent;
    bool waits, progresses;
    json_t *med;

    if (emu_drive_object(ld, root, "medium", false, &med) != 0 ||
        (med != NULL && emu_drive_keys(ld, med, "medium", keys) != 0) ||
        emu_drive_choice(ld, med, "medium", "state", emu_medium_names,
                         EMU_NELEM(emu_medium_names), EMU_MEDIUM_PRESENT,
                         &state) != 0)
        return -1;
    drive->medium = (enum emu_medium)state;
    waits = drive->medium == EMU_MEDIUM_BECOMING_READY;
    progresses = drive->medium == EMU_MEDIUM_FORMATTING ||
                 drive->medium == EMU_MEDIUM_LONG_WRITE;
    if (med != NULL && !waits && json_object_get(med, "ready_after_ms"))
        return emu_drive_bad(ld, "medium.ready_after_ms",
                             "only for state \"becoming-ready\"");
    if (med != NULL && !progresses && json_object_get(med, "progress_percent"))
        return emu_drive_bad(ld, "medium.progress_percent",
                             "only for states \"format-in-progress\" and "
                             "\"long-write-in-progress\"");
    if (emu_drive_uint(ld, med, "medium", "ready_after_ms", 86400000, waits, 0,
                       &ms) != 0 ||
        emu_drive_uint(ld, med, "medium", "progress_percent", 100, progresses,
                       0, &percent) != 0)
        return -1;
    drive->ready_after_ms = (uint32_t)ms;
    drive->progress_percent = (uint8_t)percent;
    return 0;
}

static int
emu_drive_behaviour(struct emu_load *ld, json_t *root, struct emu_behaviour *bh)
{
    static const char *const keys[] = { "mode_select",
                                        "all_pages",
                                        "report_changeable",
                                        "report_default",
                                        "saving",
                                        "mode_select_needs_medium",
                                        "sense_format",
                                        "sense_response_code",
                                        "field_pointers",
                                        "unit_attention_on_change",
                                        "block_descriptor",
                                        "medium_type",
                                        NULL };
    static const char *const selects[] = { "apply", "ignore", "unsupported",
                                           "unchecked" };
    static const char *const formats[] = { "fixed", "descriptor" };
    static const char *const bds[] = { "never", "unless_dbd" };
    const char *p = "behaviour";
    size_t select, format, bd;
    unsigned long rc, mt;
    json_t *b;

    if (emu_drive_object(ld, root, "behaviour", false, &b) != 0 ||
        (b != NULL && emu_drive_keys(ld, b, p, keys) != 0) ||
        emu_drive_choice(ld, b, p, "mode_select", selects, 4, 0, &select) ||
        emu_drive_bool(ld, b, p, "all_pages", true, &bh->all_pages) ||
        emu_drive_bool(ld, b, p, "report_changeable", true,
                       &bh->report_changeable) ||
        emu_drive_bool(ld, b, p, "report_default", true, &bh->report_default) ||
        emu_drive_bool(ld, b, p, "saving", true, &bh->saving) ||
        emu_drive_bool(ld, b, p, "mode_select_needs_medium", false,
                       &bh->select_needs_medium) ||
        emu_drive_choice(ld, b, p, "sense_format", formats, 2, 0, &format) ||
        emu_drive_uint(ld, b, p, "sense_response_code", 0xff, false, 0x70,
                       &rc) ||
        emu_drive_bool(ld, b, p, "field_pointers", true, &bh->field_pointers) ||
        emu_drive_bool(ld, b, p, "unit_attention_on_change", true,
                       &bh->unit_attention_on_change) ||
        emu_drive_choice(ld, b, p, "block_descriptor", bds, 2, 0, &bd) ||
        emu_drive_uint(ld, b, p, "medium_type", 0xff, false, 0, &mt))
        return -1;
    bh->mode_select = (enum emu_select)select;
    bh->descriptor_sense = format == 1;
    bh->block_descriptor = bd == 1;
    bh->medium_type = (uint8_t)mt;
    /* Current errors only: 70h, or F0h from drives that set VALID
     * (SPC-4 4.5.3); descriptor sense always starts 72h (4.5.2). */
    if (rc != 0x70 && rc != 0xf0)
        return emu_drive_bad(ld, "behaviour.sense_response_code",
                             "expected \"0x70\" or \"0xF0\" (current "
                             "errors, fixed format), found 0x%02lx",
                             rc);
    if (bh->descriptor_sense && rc != 0x70)
        return emu_drive_bad(ld, "behaviour.sense_response_code",
                             "applies to fixed-format sense only; "
                             "descriptor sense is always 0x72");
    bh->response_code = (uint8_t)rc;
    return 0;
}

static int
emu_drive_parse(struct emu_load *ld, json_t *root, struct emu_drive *drive)
{
    static const char *const keys[] = { "modecon_drive", "description",
                                        "inquiry",       "configuration",
                                        "medium",        "behaviour",
                                        "mode_pages",    NULL };
    json_t *version = json_object_get(root, "modecon_drive");
    json_t *desc = json_object_get(root, "description");

    if (!json_is_object(root))
        return err_usage(ld->err,
                         "%s: expected a JSON object with \"modecon_drive\": "
                         "%d, found %s",
                         ld->file, EMU_DRIVE_VERSION,
                         emu_drive_type_name(root));
    if (version == NULL || !json_is_integer(version) ||
        json_integer_value(version) != EMU_DRIVE_VERSION)
        return emu_drive_bad(ld, "modecon_drive",
                             "expected %d, the drive file version this "
                             "modecon reads",
                             EMU_DRIVE_VERSION);
    if (desc != NULL && !json_is_string(desc))
        return emu_drive_bad(ld, "description", "expected a string, found %s",
                             emu_drive_type_name(desc));
    if (emu_drive_keys(ld, root, "", keys) != 0 ||
        emu_drive_inquiry(ld, root, drive) != 0 ||
        emu_drive_configuration(ld, root, drive) != 0 ||
        emu_drive_medium(ld, root, drive) != 0 ||
        emu_drive_behaviour(ld, root, &drive->behaviour) != 0 ||
        emu_drive_pages(ld, root, drive) != 0)
        return -1;
    return 0;
}

int
emu_drive_load(const char *path, const char *display, struct emu_drive **out,
               struct err *err)
{
    struct emu_load ld = { display, err };
    struct emu_drive *drive;
    json_error_t jerr;
    json_t *root;
    size_t len;
    char *text;

    text = atomicfile_read(path, EMU_DRIVE_FILE_MAX, &len, err);
    if (text == NULL) {
        err->usage = true;
        return -1;
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        free(text);
        return err_usage(err, "%s: line %d column %d: %s", display, jerr.line,
                         jerr.column, jerr.text);
    }
    drive = xcalloc(1, sizeof *drive);
    drive->file = xstrdup(display);
    drive->hash = emu_drive_hash(text, len);
    free(text);
    if (emu_drive_parse(&ld, root, drive) != 0) {
        json_decref(root);
        emu_drive_free(drive);
        return -1;
    }
    json_decref(root);
    *out = drive;
    return 0;
}

void
emu_drive_free(struct emu_drive *drive)
{
    if (drive == NULL)
        return;
    for (size_t i = 0; i < drive->npages; i++)
        emu_drive_page_free(&drive->pages[i]);
    free(drive->pages);
    free(drive->file);
    free(drive);
}

const struct emu_page *
emu_drive_find_page(const struct emu_drive *drive, uint8_t code,
                    uint8_t subpage, bool spf, size_t *index)
{
    for (size_t i = 0; i < drive->npages; i++) {
        const struct emu_page *pg = &drive->pages[i];
        if (pg->code == code && pg->subpage == subpage && pg->spf == spf) {
            if (index != NULL)
                *index = i;
            return pg;
        }
    }
    return NULL;
}
