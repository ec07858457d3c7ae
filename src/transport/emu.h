/*
 * The emulated MMC drive, private to src/transport/emu*.c.  A drive file
 * (drives/README.md) describes what the drive is; a state file holds what
 * has happened to it since (current and saved page values, the medium,
 * the generation counters that raise UNIT ATTENTION in other openers), so
 * that the drive behaves the same from every process, as a real one does.
 *
 * emu-drive*.c load and validate drive files (emu-drive-internal.h),
 * emu-state.c keeps the state file, emu.c and the files emu-internal.h
 * names answer CDBs.
 */
#ifndef MODECON_TRANSPORT_EMU_H
#define MODECON_TRANSPORT_EMU_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/types.h"
#include "util/err.h"

enum emu_medium {
    EMU_MEDIUM_PRESENT,
    EMU_MEDIUM_NONE,
    EMU_MEDIUM_BECOMING_READY,
    EMU_MEDIUM_FORMATTING,
    EMU_MEDIUM_LONG_WRITE,
    EMU_MEDIUM_WRITE_PROTECTED,
};

/* The drive file's spelling of a medium state, or NULL. */
const char *emu_medium_name(enum emu_medium medium);
/* Parse a spelling; false when unknown. */
bool emu_medium_parse(const char *name, enum emu_medium *medium);

enum emu_select {
    EMU_SELECT_APPLY,       /* check, then change the values */
    EMU_SELECT_IGNORE,      /* GOOD for anything, change nothing (tgt) */
    EMU_SELECT_UNSUPPORTED, /* 05/20/00, as ATAPI drives answer */
    EMU_SELECT_UNCHECKED,   /* GOOD for anything, current values written
                               as sent, never saved */
};

#define EMU_MAX_PROFILES                                 \
    63 /* the profile list's additional length is 1 byte \
        */

/* One mode page, each value array 'len' bytes with the page header and
 * PS=0. */
struct emu_page {
    uint8_t code;       /* without PS and SPF */
    uint8_t subpage;    /* 0 for page_0 format */
    bool spf;           /* sub_page format: 4-byte page header */
    bool savable;       /* PS reported by MODE SENSE */
    bool has_saved;     /* savable and the drive supports saving */
    bool saved_unknown; /* "saved": null, as a snapshot writes for a page
                           whose saved values the drive did not report:
                           MODE SENSE refuses them, SP=1 refuses the page */
    size_t len;         /* bytes, page header included */
    uint8_t *current;
    uint8_t *changeable;
    uint8_t *defaults;
    uint8_t *saved; /* NULL unless has_saved */
};

struct emu_behaviour {
    enum emu_select mode_select;
    bool all_pages;         /* page 3Fh */
    bool report_changeable; /* PC 1 */
    bool report_default;    /* PC 2 */
    bool saving;            /* PC 3 and SP=1 */
    bool select_needs_medium;
    bool descriptor_sense;
    uint8_t response_code; /* fixed format: 70h, or F0h with VALID */
    bool field_pointers;
    bool unit_attention_on_change;
    bool block_descriptor; /* one 8-byte block descriptor unless DBD */
    uint8_t medium_type;   /* mode parameter header byte 2 */
};

/* A loaded drive file; never changed after loading. */
struct emu_drive {
    char *file;    /* as named in messages */
    uint64_t hash; /* of the file's bytes, ties a state file to it */

    uint8_t peripheral_type;
    bool removable;
    uint8_t version;
    char vendor[9], product[17], revision[5];

    bool has_configuration; /* else GET CONFIGURATION is 05/20/00 */
    bool atapi;             /* physical interface of the core feature */
    uint16_t profiles[EMU_MAX_PROFILES];
    size_t nprofiles;
    uint16_t current_profile;

    enum emu_medium medium;
    uint32_t ready_after_ms;  /* becoming-ready */
    uint8_t progress_percent; /* format or long write */

    struct emu_behaviour behaviour;

    struct emu_page *pages; /* in the order MODE SENSE lists them */
    size_t npages;
};

/* The emulated drive as a transport (emu.c), for transport.c. */
extern const struct transport_ops transport_emu_ops;

/* The emulated drives in the data directory's drives/ (emu-list.c), as
 * sorted "emu:NAME" URIs. */
int emu_list_drives(char ***uris, size_t *count, struct err *err);

/*
 * Load and validate the drive file at 'path'; 'display' names it in
 * messages.  Any defect is a usage error naming the file, the JSON path of
 * the item and what was expected.
 */
int emu_drive_load(const char *path, const char *display,
                   struct emu_drive **out, struct err *err);
void emu_drive_free(struct emu_drive *drive);

/* The page with this code and subpage in this format, or NULL. */
const struct emu_page *emu_drive_find_page(const struct emu_drive *drive,
                                           uint8_t code, uint8_t subpage,
                                           bool spf, size_t *index);

/* FNV-1a, 64 bits: names state files and ties them to drive files. */
uint64_t emu_drive_hash(const void *data, size_t len);

/* What has happened to a drive, shared by every process through the state
 * file. */
struct emu_state {
    uint64_t power_gen; /* bumped by a power cycle: 06/29/00 to others */
    uint64_t mode_gen;  /* bumped by a mode change: 06/2A/01 to others */
    enum emu_medium medium;
    int64_t ready_at_ms; /* wall clock ms: becoming-ready ends then */
    bool prevent;        /* PREVENT ALLOW MEDIUM REMOVAL */
    uint8_t **current;   /* per drive page */
    uint8_t **saved;     /* per drive page; NULL without saved values */
};

/* The state file of one drive, and the open lock file that serialises
 * commands across processes. */
struct emu_state_file {
    char *path;
    int lock_fd;
    /* The state file last read or written, kept open so that its inode
     * number cannot be reused by a newer file: a path whose device and
     * inode (and size and mtime) match 'pinned' still holds 'state'. */
    int pin_fd;
    struct stat pinned;
    bool dirty; /* state changed since it was read or written */
    struct emu_state state;
};

/* The directory of the state files, made if missing: a new string, or
 * NULL with err set.  Each change replaces a file there, so the
 * directory's modification time moves with every emulated drive's. */
char *emu_state_dir(struct err *err);

/*
 * Open the state file of 'drive' under 'key' (letters, digits, '-', '_'
 * and '.') in the state directory, creating it from the drive file when
 * missing.  The state is loaded; no lock is held on return.
 */
int emu_state_open(struct emu_state_file *sf, const struct emu_drive *drive,
                   const char *key, struct err *err);
void emu_state_close(struct emu_state_file *sf, const struct emu_drive *drive);

/* Take the lock and bring sf->state up to date with the file: a stat when
 * nothing changed. */
int emu_state_lock(struct emu_state_file *sf, const struct emu_drive *drive,
                   struct err *err);
/* Write the state if sf->dirty, then drop the lock. */
int emu_state_unlock(struct emu_state_file *sf, const struct emu_drive *drive,
                     struct err *err);

/* Power on: saved (else default) values become current, the medium
 * becomes ready again if the drive file says so, the power generation
 * moves on.  The caller marks the state file dirty. */
void emu_state_power_cycle(struct emu_state *state,
                           const struct emu_drive *drive);

/* Milliseconds of the wall clock, which every process shares. */
int64_t emu_state_now_ms(void);

#endif
