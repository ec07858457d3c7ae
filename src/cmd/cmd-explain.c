/* explain PAGE [FIELD]: what a page or a field is, from its definition. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "engine/pagenames.h"
#include "engine/unit.h"

static enum cmd_status cmd_explain_exec(struct cmd_ctx *ctx,
                                        const struct cmd_args *args);

static const struct cmd_option cmd_explain_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_explain_entry = {
    .name = "explain",
    .args = "PAGE [FIELD]",
    .summary = "describe a page and its fields, or one field",
    .options = cmd_explain_options,
    .min_args = 1,
    .max_args = 2,
    .exec = cmd_explain_exec,
};

static void
cmd_explain_position(const struct field_def *fd, char *buf, size_t len)
{
    if (fd->bit == 7 && fd->width % 8 == 0 && fd->width > 8)
        snprintf(buf, len, "bytes %u-%u", fd->byte,
                 fd->byte + fd->width / 8 - 1);
    else if (fd->bit == 7 && fd->width == 8)
        snprintf(buf, len, "byte %u", fd->byte);
    else if (fd->width == 1)
        snprintf(buf, len, "byte %u bit %u", fd->byte, fd->bit);
    else
        snprintf(buf, len, "byte %u bits %u-%u", fd->byte, fd->bit,
                 fd->bit + 1 - fd->width);
}

static void
cmd_explain_field(struct cmd_ctx *ctx, const struct field_def *fd,
                  const char *acronym, bool full)
{
    char pos[48];

    cmd_explain_position(fd, pos, sizeof pos);
    char step[64] = "";
    if (fd->unit != NULL && fd->scale > 1)
        snprintf(step, sizeof step, "%llu %s", (unsigned long long)fd->scale,
                 fd->unit);
    /* One statement of the unit: "in s", or "counts steps of 100 ms". */
    cmd_print(ctx, "%-10s %-20s %-8s %s%s%s%s", acronym, pos,
              field_kind_name(fd->kind), fd->name ? fd->name : "",
              fd->unit == NULL ? ""
              : fd->scale > 1  ? ", counts steps of "
                               : ", in ",
              fd->unit && fd->scale > 1 ? step : "",
              fd->unit && fd->scale <= 1 ? fd->unit : "");
    if (!full)
        return;
    if (fd->has_range) {
        char lo[64], hi[64];
        unit_format_quantity(fd, fd->min, lo, sizeof lo);
        unit_format_quantity(fd, fd->max, hi, sizeof hi);
        cmd_print(ctx, "  range %s to %s", lo, hi);
    }
    char typing[256];
    unit_typing(fd, typing, sizeof typing);
    if (typing[0] != '\0')
        cmd_print(ctx, "  %s", typing);
    for (size_t v = 0; v < fd->nvalues; v++)
        cmd_print(ctx, "  %llu  %-14s %s",
                  (unsigned long long)fd->values[v].value, fd->values[v].name,
                  fd->values[v].desc ? fd->values[v].desc : "");
    if (fd->help)
        cmd_print(ctx, "  %s", fd->help);
    if (fd->danger) {
        char when[96];
        field_danger_when(fd, when, sizeof when);
        cmd_print(ctx, "  DANGER (%s): %s", when, fd->danger);
    }
}

/* A field of 'pd' by its acronym, any case, a unique prefix being
 * enough; repeat group fields as ACRONYM or ACRONYM.N, *group then its
 * group.  A usage error names what is wrong. */
static const struct field_def *
cmd_explain_find(const struct page_def *pd, uint8_t code, const char *page_arg,
                 const char *want, const struct repeat_def **group,
                 struct err *err)
{
    size_t wlen = strcspn(want, ".");
    const struct field_def *found = NULL;
    size_t matches = 0;
    bool exact = false;

    *group = NULL;
    if (want[wlen] == '.' &&
        strspn(want + wlen + 1, "0123456789N") != strlen(want + wlen + 1)) {
        err_usage(err, "field '%s': expected ACRONYM or ACRONYM.N", want);
        return NULL;
    }
    for (size_t r = 0; r <= pd->nrepeats && !exact; r++) {
        const struct field_def *fields =
            r == 0 ? pd->fields : pd->repeats[r - 1].fields;
        size_t n = r == 0 ? pd->nfields : pd->repeats[r - 1].nfields;
        for (size_t i = 0; i < n && !exact; i++) {
            const char *a = fields[i].acronym;
            if (a == NULL || strncasecmp(a, want, wlen) != 0)
                continue;
            exact = strlen(a) == wlen;
            matches = exact ? 1 : matches + 1;
            found = &fields[i];
            *group = r == 0 ? NULL : &pd->repeats[r - 1];
        }
    }
    if (found == NULL || matches > 1) {
        err_usage(err,
                  "page 0x%02x (%s) has %s field '%s' (see 'modecon "
                  "explain %s')",
                  code, pd->name, found ? "more than one" : "no", want,
                  page_arg);
        return NULL;
    }
    return found;
}

/* One field in full, and the descriptors it repeats in. */
static enum cmd_status
cmd_explain_one(struct cmd_ctx *ctx, const struct page_def *pd, uint8_t code,
                const char *page_arg, const char *want)
{
    const struct repeat_def *group;
    struct err err;

    err_clear(&err);
    const struct field_def *found =
        cmd_explain_find(pd, code, page_arg, want, &group, &err);
    if (found == NULL)
        return cmd_error(ctx, &err);
    char name[48];
    snprintf(name, sizeof name, "%s%s", found->acronym, group ? ".N" : "");
    cmd_explain_field(ctx, found, name, true);
    if (group != NULL)
        cmd_print(ctx, "  in %s descriptors from byte %u, %u bytes each",
                  group->name, group->at, group->size);
    return CMD_OK;
}

/* The page: what it is, where it is defined, and a line per field. */
static void
cmd_explain_page(struct cmd_ctx *ctx, const struct page_def *pd, uint8_t code)
{
    cmd_print(ctx, "page 0x%02x%s: %s", code,
              pd->readonly ? " (read-only)" : "", pd->name);
    if (pd->imapi)
        cmd_print(ctx, "IMAPI: %s", pd->imapi);
    char lengths[128] = "";
    for (size_t i = 0; i < pd->nlengths; i++) {
        size_t used = strlen(lengths);
        snprintf(lengths + used, sizeof lengths - used, "%s0x%02x",
                 used ? " " : "", pd->lengths[i]);
    }
    cmd_print(ctx, "page length byte seen: %s", lengths);
    if (pd->help)
        cmd_print(ctx, "%s", pd->help);
    if (pd->danger)
        cmd_print(ctx, "DANGER: %s", pd->danger);
    cmd_print(ctx, "defined in %s", pd->path);
    cmd_print_text(ctx, "");
    for (size_t i = 0; i < pd->nfields; i++)
        if (pd->fields[i].kind != FIELD_RESERVED)
            cmd_explain_field(ctx, &pd->fields[i], pd->fields[i].acronym,
                              false);
    for (size_t r = 0; r < pd->nrepeats; r++) {
        cmd_print(ctx, "%s: descriptors of %u bytes from byte %u",
                  pd->repeats[r].title ? pd->repeats[r].title
                                       : pd->repeats[r].name,
                  pd->repeats[r].size, pd->repeats[r].at);
        for (size_t i = 0; i < pd->repeats[r].nfields; i++) {
            const struct field_def *fd = &pd->repeats[r].fields[i];
            char name[48];
            if (fd->kind == FIELD_RESERVED)
                continue;
            snprintf(name, sizeof name, "%s.N", fd->acronym);
            cmd_explain_field(ctx, fd, name, false);
        }
    }
}

static enum cmd_status
cmd_explain_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct page_def *pd;
    uint8_t code, subpage;
    struct err err;

    err_clear(&err);
    const struct pagedb *db = cmd_pagedb(ctx);
    if (pagenames_parse(db, args->argv[0], &code, &subpage, &err) != 0)
        return cmd_error(ctx, &err);
    /* The definition for an optical drive, else for any device. */
    pd = pagenames_def(db, code, subpage, NULL);
    if (pd == NULL) {
        err_usage(&err,
                  "no definition for page 0x%02x%s: 'modecon pagedefs "
                  "check' lists the pages defined",
                  code, subpage ? " with that subpage" : "");
        return cmd_error(ctx, &err);
    }
    if (args->argc == 2)
        return cmd_explain_one(ctx, pd, code, args->argv[0], args->argv[1]);
    cmd_explain_page(ctx, pd, code);
    return CMD_OK;
}
