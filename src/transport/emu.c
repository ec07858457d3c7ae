/*
 * The emulated MMC drive: answers CDBs the way a real drive does at the
 * byte level, from a drive file and a state file shared by every process
 * (emu.h).  It moves bytes only: the engine above builds the CDBs and maps
 * the sense to HRESULTs, and is tested against this.  It never prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/emu-internal.h"
#include "transport/modepage.h"
#include "transport/types.h"
#include "util/paths.h"
#include "util/xmalloc.h"

struct emu_command {
    uint8_t opcode;
    uint8_t cdb_len;
    bool keeps_attention; /* reported without consuming UNIT ATTENTION */
    void (*run)(struct emu_transport *et, struct scsi_io *io);
};

static const struct emu_command emu_commands[] = {
    { EMU_OP_TEST_UNIT_READY, 6, false, emu_test_unit_ready },
    { EMU_OP_REQUEST_SENSE, 6, true, emu_request_sense },
    { EMU_OP_INQUIRY, 6, true, emu_inquiry },
    { EMU_OP_START_STOP_UNIT, 6, false, emu_start_stop_unit },
    { EMU_OP_PREVENT_ALLOW, 6, false, emu_prevent_allow },
    { EMU_OP_WRITE10, 10, false, emu_write },
    { EMU_OP_GET_CONFIGURATION, 10, false, emu_get_configuration },
    { EMU_OP_MODE_SELECT10, 10, false, emu_mode_select },
    { EMU_OP_MODE_SENSE10, 10, false, emu_mode_sense },
    { EMU_OP_WRITE12, 12, false, emu_write },
};

/* The command for an opcode, or NULL when this drive does not know it. */
static const struct emu_command *
emu_command_find(const struct emu_drive *drive, uint8_t opcode)
{
    if (opcode == EMU_OP_MODE_SELECT10 &&
        drive->behaviour.mode_select == EMU_SELECT_UNSUPPORTED)
        return NULL;
    if (opcode == EMU_OP_GET_CONFIGURATION && !drive->has_configuration)
        return NULL;
    for (size_t i = 0; i < sizeof emu_commands / sizeof emu_commands[0]; i++)
        if (emu_commands[i].opcode == opcode)
            return &emu_commands[i];
    return NULL;
}

/* A pending UNIT ATTENTION is reported once, power on before mode
 * parameter changes, which it supersedes (SAM-5); true when it was. */
static bool
emu_unit_attention(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_state *st = &et->sf.state;

    if (st->power_gen != et->seen_power_gen) {
        et->seen_power_gen = st->power_gen;
        et->seen_mode_gen = st->mode_gen;
        emu_fail(et, io, 0x06, 0x29, 0x00);
        return true;
    }
    if (st->mode_gen != et->seen_mode_gen) {
        et->seen_mode_gen = st->mode_gen;
        emu_fail(et, io, 0x06, 0x2a, 0x01);
        return true;
    }
    return false;
}

static void
emu_dispatch(struct emu_transport *et, struct scsi_io *io)
{
    const struct emu_command *cmd = emu_command_find(et->drive, io->cdb[0]);

    /* UNIT ATTENTION comes first, even before an unknown opcode. */
    if ((cmd == NULL || !cmd->keeps_attention) && emu_unit_attention(et, io))
        return;
    if (cmd == NULL)
        emu_fail(et, io, 0x05, 0x20, 0x00);
    else if (io->cdb_len < cmd->cdb_len)
        emu_fail(et, io, 0x05, 0x24, 0x00);
    else
        cmd->run(et, io);
}

static int
emu_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    struct emu_transport *et = (struct emu_transport *)tp;

    io->status = SCSI_STATUS_GOOD;
    io->sense_len = 0;
    io->resid = io->len;
    if (emu_state_lock(&et->sf, et->drive, err) != 0)
        return -1;
    emu_dispatch(et, io);
    return emu_state_unlock(&et->sf, et->drive, err);
}

static int
emu_control(struct transport *tp, enum transport_control_op op, void *arg,
            struct err *err)
{
    struct emu_transport *et = (struct emu_transport *)tp;

    (void)arg;
    if (op != TRANSPORT_CONTROL_POWER_CYCLE)
        return err_set(err, E_INVALIDARG, "%s: unknown control operation %d",
                       tp->name, (int)op);
    if (emu_state_lock(&et->sf, et->drive, err) != 0)
        return -1;
    emu_state_power_cycle(&et->sf.state, et->drive);
    et->sf.dirty = true;
    /* Whoever cycles the power knows; the other openers get 06/29/00. */
    et->seen_power_gen = et->sf.state.power_gen;
    et->seen_mode_gen = et->sf.state.mode_gen;
    return emu_state_unlock(&et->sf, et->drive, err);
}

static void
emu_close(struct transport *tp)
{
    struct emu_transport *et = (struct emu_transport *)tp;

    emu_state_close(&et->sf, et->drive);
    emu_drive_free(et->drive);
    free(et);
}

static bool
emu_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool
emu_name_valid(const char *name)
{
    if (*name == '\0')
        return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!emu_name_char(*p))
            return false;
    return true;
}

static int
emu_bad_name(const char *target, struct err *err)
{
    return err_usage(err,
                     "'%s' is not a drive: expected emu:NAME (letters, "
                     "digits, '-' and '_') or emu:PATH.json",
                     target);
}

/* "a, b, c": the drives in the data directory, for messages. */
static void
emu_known_drives(char *buf, size_t len)
{
    size_t count = 0, used = 0;
    char **uris = NULL;
    struct err ignored;

    buf[0] = '\0';
    err_clear(&ignored);
    if (emu_list_drives(&uris, &count, &ignored) != 0)
        return;
    for (size_t i = 0; i < count; i++) {
        if (used < len)
            used +=
                (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i > 0 ? ", " : "", uris[i] + strlen("emu:"));
        free(uris[i]);
    }
    free(uris);
}

/* Where the drive file of 'target' is and the key of its state file. */
static int
emu_resolve(const char *target, char **path, char **key, struct err *err)
{
    if (paths_is_json_file(target)) {
        /* A path: the state is keyed by a readable slug of the base name
         * and a hash of the real path.  The '.' keeps it apart from drive
         * names, which have none. */
        char *real = realpath(target, NULL), slug[41];
        const char *base = strrchr(target, '/');
        size_t n;

        if (real == NULL)
            return err_usage(err, "cannot open drive file %s: %s", target,
                             strerror(errno));
        base = base ? base + 1 : target;
        n = strlen(base) - 5;
        if (n > sizeof slug - 1)
            n = sizeof slug - 1;
        for (size_t i = 0; i < n; i++)
            slug[i] = emu_name_char(base[i]) ? base[i] : '_';
        slug[n] = '\0';
        *key =
            xasprintf("%s.%016llx", slug,
                      (unsigned long long)emu_drive_hash(real, strlen(real)));
        free(real);
        *path = xstrdup(target);
        return 0;
    }
    if (!emu_name_valid(target))
        return emu_bad_name(target, err);
    char *dir = paths_data_dir("drives");
    if (dir == NULL)
        return err_usage(err,
                         "unknown drive '%s': no drives directory was found "
                         "(set MODECON_DATA_DIR to the directory that holds "
                         "drives/)",
                         target);
    *path = xasprintf("%s/%s.json", dir, target);
    if (access(*path, F_OK) != 0) {
        char names[256];
        emu_known_drives(names, sizeof names);
        err_usage(err, "unknown drive '%s': looked for %s (drives there: %s)",
                  target, *path, names[0] ? names : "none");
        free(dir);
        free(*path);
        *path = NULL;
        return -1;
    }
    free(dir);
    *key = xstrdup(target);
    return 0;
}

static int
emu_check(const char *target, struct err *err)
{
    if (strlen(target) + strlen("emu:") >= TRANSPORT_NAME_LEN)
        return err_usage(err, "emu:%.40s...: the drive name is too long",
                         target);
    /* transport_open took fault= away: anything left is misspelt. */
    const char *query = strchr(target, '?');
    if (query != NULL)
        return err_usage(err,
                         "emu:%s: unknown parameter '%.*s'; an emulated "
                         "drive takes ?fault=SPEC[,SPEC...]",
                         target, (int)strcspn(query + 1, "=&"), query + 1);
    if (!paths_is_json_file(target) && !emu_name_valid(target))
        return emu_bad_name(target, err);
    return 0;
}

static int
emu_open(const char *target, struct transport **out, struct err *err)
{
    struct emu_transport *et;
    struct emu_drive *drive;
    char *path = NULL, *key = NULL;

    if (emu_check(target, err) != 0)
        return -1;
    if (emu_resolve(target, &path, &key, err) != 0)
        return -1;
    if (emu_drive_load(path, path, &drive, err) != 0) {
        free(path);
        free(key);
        return -1;
    }
    free(path);
    et = xcalloc(1, sizeof *et);
    et->base.ops = &transport_emu_ops;
    snprintf(et->base.name, sizeof et->base.name, "emu:%s", target);
    /* The state key names the drive's state whatever the spelling. */
    snprintf(et->base.id, sizeof et->base.id, "emu:%s", key);
    et->drive = drive;
    if (emu_state_open(&et->sf, drive, key, err) != 0) {
        free(key);
        emu_drive_free(drive);
        free(et);
        return -1;
    }
    free(key);
    /* Changes made before this open are no news to it. */
    et->seen_power_gen = et->sf.state.power_gen;
    et->seen_mode_gen = et->sf.state.mode_gen;
    *out = &et->base;
    return 0;
}

const struct transport_ops transport_emu_ops = {
    .scheme = "emu",
    .open = emu_open,
    .check = emu_check,
    .exec = emu_exec,
    .control = emu_control,
    .close = emu_close,
};
