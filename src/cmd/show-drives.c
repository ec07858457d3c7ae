/*
 * show PAGE FIELD... --drive A --drive B ... (or --all-drives): a few
 * fields across many drives, a row per drive, the values that differ
 * from the reference (the first drive read, or a snapshot) marked.  The
 * drives are asked at once, so a rack answers in about the time of its
 * slowest drive.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/show.h"
#include "engine/errfmt.h"
#include "engine/pagenames.h"
#include "transport/transport.h"
#include "util/parallel.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* A long value (an MCN, vendor bytes) is cut in the table; --json gives
 * it whole. */
#define SHOW_CELL_MAX 32

/* One drive's answer, filled by a scan thread. */
struct show_row {
    const char *uri;
    char *safe;           /* the URI without a password, for JSON */
    char *name;           /* and made visible, for the table */
    struct recorder *rec; /* kept open by the context, or opened here */
    bool opened;          /* by the scan: the context is to keep it */
    bool reference;       /* the row the others are compared with */
    bool ok;
    /* Read, but the drive does not have the page: every field differs
     * from a reference that has it, and nothing failed. */
    bool no_page;
    struct err err;
    uint8_t *page; /* current values, or NULL without the page */
    size_t len;
    struct field_ref *refs;
    size_t nrefs;
    /* Per field asked: its ref, or NULL when this drive's page has no
     * such field (why in field_err). */
    const struct field_ref **found;
    struct err *field_err;
    char **cells; /* per field: the value as show prints it, or "-" */
};

struct show_scan {
    struct show_row *rows;
    const struct show_compare *cmp;
    const struct recorder_options *opts;
    const struct pagedb *db;
    uint8_t code, subpage;
};

/* Read the page on one drive and find the fields in it. */
static void
show_scan_row(void *arg, size_t i)
{
    struct show_scan *scan = arg;
    struct show_row *row = &scan->rows[i];
    struct scsi_identity id;
    char label[128];

    err_clear(&row->err);
    if (row->rec == NULL) {
        if (recorder_open(row->uri, scan->opts, &row->rec, &row->err) != 0)
            return;
        row->opened = true;
    }
    /* The identity picks the page's definition, as show's does. */
    if (recorder_inquiry(row->rec, &id, &row->err) != 0)
        return;
    if (recorder_get_mode_page(row->rec, scan->code, scan->subpage,
                               MODE_REQUEST_CURRENT, &row->page, &row->len,
                               &row->err) != 0) {
        if (row->err.hr != E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE)
            return;
        row->no_page = true;
    }
    const struct page_def *pd =
        pagedb_find(scan->db, scan->code, scan->subpage, id.peripheral_type,
                    id.vendor, id.product);
    cmd_page_label(pd, scan->code, scan->subpage, label, sizeof label);
    size_t nfields = scan->cmp->nfields;
    row->found = xcalloc(nfields, sizeof *row->found);
    row->field_err = xcalloc(nfields, sizeof *row->field_err);
    row->cells = xcalloc(nfields, sizeof *row->cells);
    if (pd != NULL && !row->no_page)
        row->nrefs = field_list(pd, row->page, row->len, &row->refs);
    for (size_t f = 0; f < nfields; f++) {
        char value[160] = "-";
        err_clear(&row->field_err[f]);
        if (row->no_page)
            ; /* "-": no field is there */
        else if (pd == NULL)
            err_usage(&row->field_err[f],
                      "%s has no definition here: its fields have no "
                      "names ('get DRIVE PAGE' prints its bytes)",
                      label);
        else
            row->found[f] =
                show_find_field(row->refs, row->nrefs, scan->cmp->fields[f],
                                label, &row->field_err[f]);
        if (row->found[f] != NULL)
            field_format(row->page, row->found[f], value, sizeof value);
        row->cells[f] = text_visible(value, false);
    }
    row->ok = true;
}

static void
show_row_free(struct show_row *row, size_t nfields)
{
    free(row->safe);
    free(row->name);
    free(row->page);
    free(row->refs);
    free(row->found);
    free(row->field_err);
    if (row->cells != NULL)
        for (size_t f = 0; f < nfields; f++)
            free(row->cells[f]);
    free(row->cells);
}

/* A field no drive read has is a mistake in the command: refused as get
 * refuses it, with what the first drive's page says of it. */
static int
show_check_fields(const struct show_row *rows, size_t nrows, size_t nfields,
                  struct err *err)
{
    for (size_t f = 0; f < nfields; f++) {
        const struct show_row *first = NULL;
        bool somewhere = false;
        for (size_t i = 0; i < nrows && !somewhere; i++) {
            if (!rows[i].ok || rows[i].no_page)
                continue;
            if (first == NULL)
                first = &rows[i];
            somewhere = rows[i].found[f] != NULL;
        }
        if (first != NULL && !somewhere) {
            *err = first->field_err[f];
            return -1;
        }
    }
    return 0;
}

static const struct show_row *
show_reference_row(const struct show_row *rows, size_t nrows)
{
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].ok && !rows[i].no_page)
            return &rows[i];
    return NULL;
}

static bool
show_cell_differs(const struct show_row *row, const struct show_row *ref,
                  size_t f)
{
    return ref != NULL && row != ref && row->ok &&
           strcmp(row->cells[f], ref->cells[f]) != 0;
}

/* A table line, as long as its columns make it. */
struct show_line {
    char *text;
    size_t len, size;
};

static void show_line_add(struct show_line *line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
show_line_add(struct show_line *line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (line->len + (size_t)n + 1 > line->size) {
        line->size = 2 * (line->len + (size_t)n + 1);
        line->text = xrealloc(line->text, line->size);
    }
    va_start(ap, fmt);
    vsnprintf(line->text + line->len, line->size - line->len, fmt, ap);
    va_end(ap);
    line->len += (size_t)n;
}

static void
show_compare_text(struct cmd_ctx *ctx, const struct show_compare *cmp,
                  const char *label, const struct show_row *rows, size_t nrows)
{
    const struct show_row *ref = show_reference_row(rows, nrows);
    size_t name_width = strlen("DRIVE"), values = 0, drives = 0;
    size_t *width = xcalloc(cmp->nfields, sizeof *width);
    struct show_line line = { NULL, 0, 0 };

    for (size_t i = 0; i < nrows; i++)
        if (strlen(rows[i].name) > name_width)
            name_width = strlen(rows[i].name);
    for (size_t f = 0; f < cmp->nfields; f++) {
        width[f] = strlen(cmp->fields[f]);
        for (size_t i = 0; i < nrows; i++) {
            if (!rows[i].ok)
                continue;
            size_t w = strlen(rows[i].cells[f]);
            w = w > SHOW_CELL_MAX ? SHOW_CELL_MAX : w;
            if (w + 2 > width[f]) /* room for " *" */
                width[f] = w + 2;
        }
    }
    cmd_print(ctx, "%s, current values", label);
    show_line_add(&line, "%-*s", (int)name_width, "DRIVE");
    for (size_t f = 0; f < cmp->nfields; f++)
        show_line_add(&line, "  %-*s", (int)width[f], cmp->fields[f]);
    for (size_t i = 0; i <= nrows; i++) {
        /* No trailing blanks: a script comparing lines need not care. */
        while (line.len > 0 && line.text[line.len - 1] == ' ')
            line.text[--line.len] = '\0';
        cmd_print(ctx, "%s", line.text);
        if (i == nrows)
            break;
        const struct show_row *row = &rows[i];
        line.len = 0;
        show_line_add(&line, "%-*s", (int)name_width, row->name);
        if (!row->ok) {
            char why[1024];
            errfmt_line(&row->err, why, sizeof why);
            show_line_add(&line, "  not read: %s", why);
            continue;
        }
        bool row_differs = false;
        for (size_t f = 0; f < cmp->nfields; f++) {
            char cell[SHOW_CELL_MAX + 3];
            bool differs = show_cell_differs(row, ref, f);
            snprintf(cell, sizeof cell, "%s", row->cells[f]);
            if (strlen(cell) > SHOW_CELL_MAX)
                memcpy(cell + SHOW_CELL_MAX - 3, "...", 4);
            if (differs)
                strcat(cell, " *");
            values += differs;
            row_differs |= differs;
            show_line_add(&line, "  %-*s", (int)width[f], cell);
        }
        drives += row_differs;
        if (row->reference || row->no_page) {
            while (line.len > 0 && line.text[line.len - 1] == ' ')
                line.text[--line.len] = '\0';
            show_line_add(&line, "  %s",
                          row->reference ? "(reference)"
                                         : "(the drive has no such page)");
        }
    }
    if (ref != NULL)
        cmd_print(
            ctx, "* differs from %s%s: %zu value%s on %zu drive%s", ref->name,
            ref->reference ? "" : " (the first drive with the page)", values,
            values == 1 ? "" : "s", drives, drives == 1 ? "" : "s");
    free(line.text);
    free(width);
}

static json_t *
show_compare_json(const struct show_compare *cmp, uint8_t code, uint8_t subpage,
                  const struct show_row *rows, size_t nrows)
{
    const struct show_row *ref = show_reference_row(rows, nrows);
    json_t *doc = json_object(), *list = json_array(), *fields = json_array();

    for (size_t f = 0; f < cmp->nfields; f++)
        json_array_append_new(fields, text_json(cmp->fields[f]));
    json_object_set_new(doc, "page", json_integer(code));
    json_object_set_new(doc, "subpage", json_integer(subpage));
    json_object_set_new(doc, "type", json_string("current"));
    json_object_set_new(doc, "fields", fields);
    json_object_set_new(doc, "reference",
                        ref ? text_json(ref->safe) : json_null());
    for (size_t i = 0; i < nrows; i++) {
        const struct show_row *row = &rows[i];
        if (!row->ok) {
            json_array_append_new(list,
                                  cmd_drive_error_json(row->uri, &row->err));
            continue;
        }
        json_t *obj = json_object(), *values = json_object();
        json_t *differs = json_array();
        json_object_set_new(obj, "drive", text_json(row->safe));
        json_object_set_new(obj, "reference", json_boolean(row == ref));
        json_object_set_new(obj, "has_page", json_boolean(!row->no_page));
        for (size_t f = 0; f < cmp->nfields; f++) {
            json_object_set_new(
                values, cmp->fields[f],
                row->found[f]
                    ? show_value_json(row->page, row->len, row->found[f])
                    : json_null());
            if (show_cell_differs(row, ref, f))
                json_array_append_new(differs, text_json(cmp->fields[f]));
        }
        json_object_set_new(obj, "values", values);
        json_object_set_new(obj, "differs", differs);
        json_array_append_new(list, obj);
    }
    json_object_set_new(doc, "drives", list);
    return doc;
}

/* The drives to ask, each once, the reference first; a drive misspelt
 * (a bad port, an unknown fault) is a usage error before any is asked,
 * as list and pages refuse it. */
static int
show_compare_rows(struct cmd_ctx *ctx, const struct show_compare *cmp,
                  struct show_row **rows, size_t *nrows, struct err *err)
{
    *rows = xcalloc(cmp->ndrives + 1, sizeof **rows);
    *nrows = 0;
    if (cmp->reference != NULL) {
        struct recorder *rec;
        if (cmd_open_drive_or_file(ctx, cmp->reference, &rec, err) != 0)
            return -1;
        (*rows)[0] = (struct show_row){ .uri = cmp->reference,
                                        .rec = rec,
                                        .reference = true };
        (*nrows)++;
    }
    for (size_t d = 0; d < cmp->ndrives; d++) {
        const char *uri = cmd_drive_uri(ctx, cmp->drives[d]);
        bool seen = false;
        if (transport_check_name(uri, err) != 0)
            return -1;
        for (size_t i = cmp->reference != NULL; i < *nrows && !seen; i++)
            seen = strcmp((*rows)[i].uri, uri) == 0;
        struct recorder *kept = cmd_kept_drive(ctx, uri);
        /* The reference named again is the reference: one recorder is
         * used by one thread at a time. */
        if (seen ||
            (kept != NULL && cmp->reference != NULL && kept == (*rows)[0].rec))
            continue;
        (*rows)[*nrows] = (struct show_row){ .uri = uri, .rec = kept };
        (*nrows)++;
    }
    for (size_t i = 0; i < *nrows; i++) {
        (*rows)[i].safe = transport_redact((*rows)[i].uri);
        (*rows)[i].name = text_visible((*rows)[i].safe, false);
    }
    return 0;
}

enum cmd_status
show_compare(struct cmd_ctx *ctx, const struct show_compare *cmp)
{
    struct show_scan scan = { .cmp = cmp, .opts = &ctx->recorder };
    struct show_row *rows = NULL;
    size_t nrows = 0;
    enum cmd_status status = CMD_OK;
    struct err err;

    err_clear(&err);
    /* Loaded here, once, for the scan threads that read them. */
    scan.db = cmd_pagedb(ctx);
    if (!ctx->sense_map_loaded)
        cmd_load_sense_map(ctx);
    if (pagenames_parse(scan.db, cmp->page, &scan.code, &scan.subpage, &err) !=
            0 ||
        cmd_open_trace(ctx, &err) != 0 ||
        show_compare_rows(ctx, cmp, &rows, &nrows, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    scan.rows = rows;
    parallel_for(nrows, CMD_SCAN_PARALLEL, show_scan_row, &scan);
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].opened)
            cmd_keep_drive(ctx, rows[i].uri, rows[i].rec);
    if (cmp->reference != NULL && rows[0].no_page)
        err_set(&rows[0].err, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
                "it does not have page %s", cmp->page);
    if (cmp->reference != NULL && (!rows[0].ok || rows[0].no_page)) {
        err_prefix(&rows[0].err, "the reference %s", rows[0].name);
        status = cmd_error(ctx, &rows[0].err);
        goto out;
    }
    if (show_check_fields(rows, nrows, cmp->nfields, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    for (size_t i = 0; i < nrows; i++)
        if (!rows[i].ok) {
            ctx->last_error = rows[i].err;
            status = CMD_FAILED;
        }
    if (cmp->json) {
        cmd_print_json(
            ctx, show_compare_json(cmp, scan.code, scan.subpage, rows, nrows));
    } else {
        char label[128];
        const struct page_def *pd =
            pagenames_def(scan.db, scan.code, scan.subpage, NULL);
        cmd_page_label(pd, scan.code, scan.subpage, label, sizeof label);
        show_compare_text(ctx, cmp, label, rows, nrows);
    }
out:
    for (size_t i = 0; i < nrows; i++)
        show_row_free(&rows[i], cmp->nfields);
    free(rows);
    return status;
}
