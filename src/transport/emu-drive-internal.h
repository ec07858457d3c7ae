/*
 * What the files that load a drive file share, private to
 * src/transport/emu-drive*.c: emu-drive-json.c reads JSON members of one
 * type each, naming the file and the member's path in every refusal;
 * emu-drive-pages.c reads the mode pages; emu-drive.c the rest.
 */
#ifndef MODECON_TRANSPORT_EMU_DRIVE_INTERNAL_H
#define MODECON_TRANSPORT_EMU_DRIVE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/emu.h"
#include "util/err.h"

/* Loading context: where messages point. */
struct emu_load {
    const char *file;
    struct err *err;
};

/* emu-drive-json.c */
int __attribute__((format(printf, 3, 4)))
emu_drive_bad(struct emu_load *ld, const char *where, const char *fmt, ...);
const char *emu_drive_type_name(const json_t *v);
void emu_drive_where(char *buf, size_t len, const char *parent,
                     const char *key);
int emu_drive_keys(struct emu_load *ld, json_t *obj, const char *parent,
                   const char *const *allowed);
int emu_drive_object(struct emu_load *ld, json_t *obj, const char *key,
                     bool required, json_t **out);
int emu_drive_bool(struct emu_load *ld, json_t *obj, const char *parent,
                   const char *key, bool def, bool *out);
int emu_drive_number(struct emu_load *ld, json_t *v, const char *where,
                     unsigned long max, unsigned long *out);
int emu_drive_uint(struct emu_load *ld, json_t *obj, const char *parent,
                   const char *key, unsigned long max, bool required,
                   unsigned long def, unsigned long *out);
int emu_drive_choice(struct emu_load *ld, json_t *obj, const char *parent,
                     const char *key, const char *const *names, size_t count,
                     size_t def, size_t *out);
int emu_drive_ascii(struct emu_load *ld, json_t *obj, const char *key,
                    size_t max, char *out);
int emu_drive_hex(struct emu_load *ld, json_t *v, const char *where,
                  uint8_t **out, size_t *len);

/* emu-drive-pages.c */
void emu_drive_page_free(struct emu_page *pg);
int emu_drive_pages(struct emu_load *ld, json_t *root, struct emu_drive *drive);

#endif
