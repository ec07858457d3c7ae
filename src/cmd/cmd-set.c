/*
 * set DRIVE PAGE FIELD=VALUE...: change fields of a page, checked against
 * what the drive allows; set DRIVE PAGE --data HEX: write a whole page.
 * Both go out as one MODE SELECT through SetModePage.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/changes-saving.h"
#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "engine/pagenames.h"
#include "util/hex.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_set_exec(struct cmd_ctx *ctx,
                                    const struct cmd_args *args);

static const struct cmd_option cmd_set_options[] = {
    { "data", true, "HEX",
      "the page without header, as 'get' prints it; - reads stdin", 0 },
    { "type", true, "TYPE", "current (default) or saved", 0 },
    { "save", false, NULL, "write the saved values too (--type saved)", 0 },
    { "dry-run", false, NULL, "print the CDB and parameter list; send nothing",
      0 },
    { "force", false, NULL, "send even when the edit fails the checks", 0 },
    { "force-field", true, "FIELD,...",
      "send these fields even when they fail the checks; the others are "
      "checked",
      0 },
    { "no-verify", false, NULL, "do not read the page back", 0 },
    { "expect-page", true, "HEX",
      "send only while the page's current values are these (as 'get' "
      "prints them); refused, naming the byte that changed, otherwise",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_set_entry = {
    .name = "set",
    .args = "DRIVE PAGE FIELD=VALUE... | --data HEX",
    .summary = "change fields of a page, or write it whole; checked first "
               "and read back",
    .options = cmd_set_options,
    .min_args = 2,
    .max_args = 64,
    .flags = CMD_MUTATES | CMD_DRIVE_ARG | CMD_PAGE_ARG,
    .guard = "expect-page",
    .exec = cmd_set_exec,
};

/* The page bytes from --data, checked against the PAGE argument. */
static int
cmd_set_data(struct cmd_ctx *ctx, const struct cmd_args *args, uint8_t **data,
             size_t *len, struct err *err)
{
    const char *text = cmd_arg_value(&cmd_set_entry, args, "data");
    char *input = NULL;
    uint8_t code, subpage;
    int rc;

    if (pagenames_parse(cmd_pagedb(ctx), args->argv[1], &code, &subpage, err) !=
        0)
        return -1;
    if (text == NULL)
        return err_usage(err, "set: give FIELD=VALUE... or --data HEX (the "
                              "page as 'modecon get' prints it, or - for "
                              "stdin)");
    if (strcmp(text, "-") == 0) {
        /* A front end that owns standard input (the console) reads none
         * for a command. */
        if (ctx->output->read_input == NULL)
            return err_usage(err, "--data -: standard input cannot be read "
                                  "here; give the page's bytes as --data "
                                  "HEX");
        input = ctx->output->read_input(ctx->output->arg, err);
        if (input == NULL)
            return -1;
        text = input;
    }
    rc = hex_parse(text, data, len, err);
    bool from_stdin = input != NULL;
    free(input);
    if (rc == 0 && from_stdin) {
        /* The journal records the bytes, not the '-' that read them. */
        free(ctx->journal_data);
        ctx->journal_data = hex_format(*data, *len, 0);
    }
    if (rc != 0) {
        err_prefix(err, "--data");
        return -1;
    }
    /* A page has at least its header: 2 bytes, 4 in sub_page format. */
    if (!mode_page_header_decode(*data, *len).complete) {
        size_t got = *len;
        free(*data);
        *data = NULL;
        return err_usage(err,
                         "--data: %zu byte%s is not a mode page (at "
                         "least the 2-byte page header, 4 with a "
                         "subpage)",
                         got, got == 1 ? "" : "s");
    }
    uint8_t data_code = mode_page_header_decode(*data, *len).code;
    uint8_t data_subpage = mode_page_header_decode(*data, *len).subpage;
    if (data_code != code || data_subpage != subpage) {
        free(*data);
        *data = NULL;
        return err_usage(err,
                         "--data starts with page 0x%02x,0x%02x but PAGE is "
                         "0x%02x,0x%02x",
                         data_code, data_subpage, code, subpage);
    }
    return 0;
}

static void
cmd_set_print_hex(struct cmd_ctx *ctx, const uint8_t *data, size_t len)
{
    char *hex = hex_format(data, len, 16);
    cmd_print_text(ctx, hex);
    free(hex);
}

static enum cmd_status
cmd_set_report(struct cmd_ctx *ctx, const struct set_report *rep,
               const struct set_options *opts, enum mode_request rt,
               const char *drive)
{
    if (rep->unchanged) {
        cmd_print(ctx,
                  "no change: %s holds these current values already; "
                  "nothing %s sent",
                  drive, opts->dry_run ? "would be" : "was");
        return CMD_OK;
    }
    if (opts->dry_run) {
        cmd_print(ctx, "MODE SELECT(10) CDB:");
        cmd_set_print_hex(ctx, rep->cdb, sizeof rep->cdb);
        cmd_print(ctx, "parameter list (%zu bytes):", rep->param_len);
        cmd_set_print_hex(ctx, rep->param_list, rep->param_len);
        cmd_warn(ctx, "dry run: nothing was sent to %s", drive);
        return CMD_OK;
    }
    cmd_print(ctx, "%s: page 0x%02x written to %s values", drive,
              mode_page_header_decode(&rep->param_list[MODE_HEADER10_LEN],
                                      rep->param_len - MODE_HEADER10_LEN)
                  .code,
              mode_request_name(rt));
    if (!rep->verified) {
        cmd_print(ctx, "not verified (--no-verify)");
        return CMD_OK;
    }
    if (rep->nunapplied == 0) {
        cmd_print(ctx, "verified: the drive applied every byte");
        return CMD_OK;
    }
    for (size_t i = 0; i < rep->nunapplied; i++) {
        const struct set_unapplied *u = &rep->unapplied[i];
        cmd_print(ctx,
                  "not applied: byte %zu: sent 0x%02x, the drive has 0x%02x "
                  "(%s values)",
                  u->offset, u->sent, u->got, mode_request_name(u->where));
    }
    cmd_warn(ctx, "%s accepted the change but did not apply %zu byte%s", drive,
             rep->nunapplied, rep->nunapplied == 1 ? "" : "s");
    return CMD_NOT_APPLIED;
}

/* Which words --force-field names, by the FIELD of FIELD=VALUE as typed
 * (in any case), in a new array in *forced, or NULL without the option.
 * A name that matches no word is a slip, refused. */
static int
cmd_set_forced_words(const struct cmd_args *args, bool **forced,
                     struct err *err)
{
    const char *list = cmd_arg_value(&cmd_set_entry, args, "force-field");
    char **words = args->argv + 2;
    int nwords = args->argc - 2;

    *forced = NULL;
    if (list == NULL)
        return 0;
    *forced = xcalloc((size_t)nwords + 1, sizeof **forced);
    for (const char *name = list; *name != '\0';) {
        size_t len = strcspn(name, ",");
        bool found = false;
        for (int i = 0; i < nwords; i++) {
            const char *eq = strchr(words[i], '=');
            if (eq != NULL && (size_t)(eq - words[i]) == len && len > 0 &&
                strncasecmp(words[i], name, len) == 0)
                found = (*forced)[i] = true;
        }
        if (!found)
            return err_usage(err,
                             "--force-field: '%.*s' names no FIELD=VALUE "
                             "word of this set",
                             (int)len, name);
        name += len + (name[len] == ',');
    }
    return 0;
}

/* --expect-page's bytes into *expected (NULL without the option). */
static int
cmd_set_expected(const struct cmd_args *args, uint8_t **expected, size_t *len,
                 struct err *err)
{
    const char *text = cmd_arg_value(&cmd_set_entry, args, "expect-page");

    *expected = NULL;
    *len = 0;
    if (text == NULL)
        return 0;
    if (hex_parse(text, expected, len, err) != 0) {
        err_prefix(err, "--expect-page");
        return -1;
    }
    return 0;
}

static enum cmd_status
cmd_set_fields(struct cmd_ctx *ctx, const struct cmd_args *args,
               enum mode_request rt, struct set_options opts,
               const uint8_t *expected, size_t expected_len)
{
    struct edit_plan plan;
    enum cmd_status status;
    struct err err;
    bool *forced;
    int nwords = args->argc - 2, rc;

    err_clear(&err);
    memset(&plan, 0, sizeof plan);
    if (cmd_set_forced_words(args, &forced, &err) != 0) {
        rc = -1;
    } else if (forced == NULL) {
        rc = edit_plan_build(ctx, args->argv[0], args->argv[1], args->argv + 2,
                             nwords, opts.force, &plan, &err);
    } else {
        /* Each word checked with its own force, as 'diff' shows staged
         * words and 'commit' sends them. */
        for (int i = 0; i < nwords; i++)
            forced[i] |= opts.force;
        rc = edit_plan_build_staged(ctx, args->argv[0], args->argv[1],
                                    args->argv + 2, nwords, nwords, false,
                                    forced, &plan, &err);
        for (int i = 0; rc == 0 && i < nwords; i++)
            if (plan.overridden[i])
                rc = err_usage(&err,
                               "'%s': a later word sets the same bits; give "
                               "each field once",
                               args->argv[2 + i]);
        /* The words were checked one by one above; the page as a whole
         * then carries the forced bits, which the drive's changeable
         * values refuse. */
        for (int i = 0; i < nwords; i++)
            opts.force |= forced[i];
    }
    free(forced);
    /* The page read for the words must be the one the caller saw (a dry
     * run's): the words then make the parameter list it showed.  From
     * that read to the MODE SELECT, based_on below holds it so. */
    if (rc == 0 && expected != NULL &&
        recorder_changed_since(plan.before, plan.len, expected, expected_len,
                               plan.label, &err))
        rc = -1;
    if (rc != 0) {
        status = cmd_error(ctx, &err);
    } else {
        struct edit ed = { .rec = plan.rec,
                           .pd = plan.pd,
                           .label = plan.label,
                           .rt = rt,
                           .before = plan.before,
                           .page = plan.page,
                           .len = plan.len,
                           .refs = plan.refs,
                           .nrefs = plan.nrefs,
                           .opts = opts,
                           .name_saving_others = true,
                           .no_change = plan.unchanged };
        /* The fields are set on the values read; a page changed since is
         * not overwritten whole. */
        ed.opts.based_on = plan.before;
        status = edit_commit(ctx, &ed);
    }
    edit_plan_free(&plan);
    return status;
}

/* set DRIVE PAGE --data HEX: the whole page replaces the one expected,
 * or nothing is sent. */
static enum cmd_status
cmd_set_page(struct cmd_ctx *ctx, const struct cmd_args *args,
             enum mode_request rt, struct set_options opts,
             const uint8_t *expected, size_t expected_len)
{
    struct recorder *rec = NULL;
    struct set_report rep;
    enum cmd_status status;
    uint8_t *data = NULL;
    size_t len = 0;
    struct err err;

    err_clear(&err);
    memset(&rep, 0, sizeof rep);
    if (cmd_set_data(ctx, args, &data, &len, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    if (expected != NULL && expected_len != len) {
        err_usage(&err,
                  "--expect-page: %zu bytes, but --data gives a page of %zu",
                  expected_len, len);
        status = cmd_error(ctx, &err);
        goto out;
    }
    opts.based_on = expected;
    if (cmd_open_drive(ctx, args->argv[0], &rec, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    bool saving = rt == MODE_REQUEST_SAVED && len >= 2;
    if (saving && changes_hold_for_saving(rec, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    if (saving)
        changes_note_saving_others(ctx, rec,
                                   mode_page_header_decode(data, len).code,
                                   mode_page_header_decode(data, len).subpage);
    int rc = recorder_set_mode_page(rec, rt, data, len, &opts, &rep, &err);
    if (saving)
        recorder_release_exclusive(rec);
    if (rep.notice[0] != '\0')
        cmd_warn(ctx, "note: %s", rep.notice);
    if (rc != 0)
        status = cmd_error(ctx, &err);
    else
        status = cmd_set_report(ctx, &rep, &opts, rt, recorder_name(rec));
out:
    set_report_fini(&rep);
    free(data);
    return status;
}

static enum cmd_status
cmd_set_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    const struct cmd_entry *self = &cmd_set_entry;
    struct set_options opts = {
        .force = cmd_arg_flag(self, args, "force"),
        .dry_run = cmd_arg_flag(self, args, "dry-run") || ctx->dry_run,
        .verify = !cmd_arg_flag(self, args, "no-verify"),
    };
    enum mode_request rt;
    enum cmd_status status;
    uint8_t *expected = NULL;
    size_t expected_len = 0;
    struct err err;

    err_clear(&err);
    if (cmd_request_type(self, args, &rt, &err) != 0 ||
        cmd_set_expected(args, &expected, &expected_len, &err) != 0) {
        status = cmd_error(ctx, &err);
        goto out;
    }
    if (cmd_arg_flag(self, args, "save")) {
        if (cmd_arg_value(self, args, "type") != NULL &&
            rt != MODE_REQUEST_SAVED) {
            err_usage(&err, "set: --save means --type saved, not --type %s",
                      mode_request_name(rt));
            status = cmd_error(ctx, &err);
            goto out;
        }
        rt = MODE_REQUEST_SAVED;
    }
    if (args->argc > 2) {
        if (cmd_arg_value(self, args, "data") != NULL) {
            err_usage(&err, "set: give FIELD=VALUE... or --data, not both");
            status = cmd_error(ctx, &err);
            goto out;
        }
        status = cmd_set_fields(ctx, args, rt, opts, expected, expected_len);
        goto out;
    }
    status = cmd_set_page(ctx, args, rt, opts, expected, expected_len);
out:
    free(expected);
    return status;
}
