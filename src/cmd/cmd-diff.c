/* diff: what commit would send: old -> new per field, the CDB and the
 * parameter list.  diff A B: how two drives or snapshots differ, page by
 * page, by field where the page has a definition. */
#include <stdlib.h>
#include <string.h>

#include "cmd/changes-saving.h"
#include "cmd/cmd.h"
#include "cmd/edit.h"
#include "util/xmalloc.h"

static enum cmd_status cmd_diff_exec(struct cmd_ctx *ctx,
                                     const struct cmd_args *args);
static enum cmd_status cmd_diff_sides(struct cmd_ctx *ctx,
                                      const struct cmd_args *args);

static const struct cmd_option cmd_diff_options[] = {
    { "save", false, NULL, "as commit --save would send it", 0 },
    { "type", true, "TYPE",
      "A B: the values compared: current (default), changeable, default, "
      "saved, or all",
      0 },
    { NULL, false, NULL, NULL, 0 },
};

const struct cmd_entry cmd_diff_entry = {
    .name = "diff",
    .args = "[A B]",
    .summary = "show the staged changes, or how two drives or snapshots "
               "differ",
    .options = cmd_diff_options,
    .min_args = 0,
    .max_args = 2,
    .flags = 0,
    .exec = cmd_diff_exec,
};

/* One side of 'diff A B'. */
struct diff_side {
    const char *name; /* as given */
    struct recorder *rec;
    struct mode_page_info *pages;
    size_t npages;
};

/* What a comparison found, for the summary. */
struct diff_count {
    size_t differ, same, one_sided;
};

/* The bits that differ, by field where 'pd' defines them, else by byte. */
static void
cmd_diff_fields(struct cmd_ctx *ctx, const char *label, const uint8_t *a,
                const uint8_t *b, size_t len, const struct page_def *pd)
{
    struct field_ref *refs;
    uint8_t *loose;
    size_t n = edit_differences(pd, a, b, NULL, len, &refs, &loose);
    char va[160], vb[160];

    for (size_t i = 0; i < n; i++) {
        field_format(a, &refs[i], va, sizeof va);
        field_format(b, &refs[i], vb, sizeof vb);
        cmd_print(ctx, "%s  %s (%s): %s | %s", label, refs[i].acronym,
                  refs[i].fd->name ? refs[i].fd->name : "no name", va, vb);
    }
    /* PS (byte 0 bit 7) says whether the page can be saved. */
    if ((a[0] ^ b[0]) & MODE_PAGE_PS)
        cmd_print(ctx, "%s  PS (parameters savable): %d | %d", label, a[0] >> 7,
                  b[0] >> 7);
    for (size_t k = 0; k < len; k++)
        if (loose[k])
            cmd_print(ctx, "%s  byte %zu: 0x%02x | 0x%02x", label, k, a[k],
                      b[k]);
    free(loose);
    free(refs);
}

/* One page under one page control on both sides. */
static int
cmd_diff_page(struct cmd_ctx *ctx, struct diff_side *side, uint8_t code,
              uint8_t subpage, enum mode_request rt, bool all,
              struct diff_count *count, struct err *err)
{
    uint8_t *data[2] = { NULL, NULL };
    size_t len[2] = { 0, 0 };
    const struct page_def *pd = NULL;
    char label[160], name[128];
    int rc = -1;

    for (int s = 0; s < 2; s++)
        if (recorder_get_mode_page(side[s].rec, code, subpage, rt, &data[s],
                                   &len[s], err) != 0) {
            err_prefix(err, "%s", side[s].name);
            goto out;
        }
    if (cmd_page_def(ctx, side[0].rec, code, subpage, &pd, err) != 0)
        goto out;
    cmd_page_label(pd, code, subpage, name, sizeof name);
    if (all)
        snprintf(label, sizeof label, "%s, %s values", name,
                 mode_request_name(rt));
    else
        snprintf(label, sizeof label, "%s", name);
    if (len[0] == len[1] && memcmp(data[0], data[1], len[0]) == 0)
        count->same++;
    else if (len[0] != len[1]) {
        cmd_print(ctx, "%s  length: %zu | %zu bytes", label, len[0], len[1]);
        count->differ++;
    } else {
        cmd_diff_fields(ctx, label, data[0], data[1], len[0], pd);
        count->differ++;
    }
    rc = 0;
out:
    free(data[0]);
    free(data[1]);
    return rc;
}

/* Every page either side reports under 'rt'. */
static int
cmd_diff_values(struct cmd_ctx *ctx, struct diff_side *side,
                enum mode_request rt, bool all, struct diff_count *count,
                struct err *err)
{
    int rc = -1;

    for (int s = 0; s < 2; s++) {
        free(side[s].pages);
        side[s].pages = NULL;
        if (recorder_get_supported_mode_pages(side[s].rec, rt, &side[s].pages,
                                              &side[s].npages, err) != 0) {
            /* A side that does not report these values at all. */
            if (all && err->hr == E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE) {
                cmd_print(ctx, "%s values: %s does not report them",
                          mode_request_name(rt), side[s].name);
                err_clear(err);
                return 0;
            }
            err_prefix(err, "%s", side[s].name);
            return -1;
        }
    }
    /* Both lists are sorted by code and subpage: merge them. */
    size_t i = 0, j = 0;
    while (i < side[0].npages || j < side[1].npages) {
        const struct mode_page_info *a =
            i < side[0].npages ? &side[0].pages[i] : NULL;
        const struct mode_page_info *b =
            j < side[1].npages ? &side[1].pages[j] : NULL;
        int order = a == NULL   ? 1
                    : b == NULL ? -1
                                : (a->code != b->code
                                       ? (int)a->code - (int)b->code
                                       : (int)a->subpage - (int)b->subpage);
        if (order != 0) {
            const struct mode_page_info *one = order < 0 ? a : b;
            const struct page_def *pd = NULL;
            char name[128];
            if (cmd_page_def(ctx, side[order < 0 ? 0 : 1].rec, one->code,
                             one->subpage, &pd, err) != 0)
                goto out;
            cmd_page_label(pd, one->code, one->subpage, name, sizeof name);
            cmd_print(ctx, "%s  only in %s%s%s", name,
                      side[order < 0 ? 0 : 1].name, all ? ", " : "",
                      all ? mode_request_name(rt) : "");
            count->one_sided++;
            i += order < 0;
            j += order > 0;
            continue;
        }
        if (cmd_diff_page(ctx, side, a->code, a->subpage, rt, all, count,
                          err) != 0)
            goto out;
        i++;
        j++;
    }
    rc = 0;
out:
    return rc;
}

static enum cmd_status
cmd_diff_sides(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct diff_side side[2] = { { .name = args->argv[0] },
                                 { .name = args->argv[1] } };
    const char *type = cmd_arg_value(&cmd_diff_entry, args, "type");
    enum mode_request first = MODE_REQUEST_CURRENT, last;
    struct diff_count count = { 0, 0, 0 };
    enum cmd_status status = CMD_OK;
    struct err err;
    bool all = type != NULL && strcmp(type, "all") == 0;

    err_clear(&err);
    if (type != NULL && !all && mode_request_parse(type, &first, &err) != 0) {
        err_usage(&err,
                  "--type '%s': expected current, changeable, default, "
                  "saved or all",
                  type);
        return cmd_error(ctx, &err);
    }
    last = all ? MODE_REQUEST_SAVED : first;
    for (int s = 0; s < 2; s++) {
        /* A drive replayed on another (replay --drive) is named as the
         * one opened; a file is opened as itself. */
        if (transport_uri_known(side[s].name))
            side[s].name = cmd_drive_uri(ctx, side[s].name);
        if (cmd_open_drive_or_file(ctx, side[s].name, &side[s].rec, &err) != 0)
            goto fail;
    }
    cmd_print(ctx, "%s | %s", side[0].name, side[1].name);
    for (unsigned rt = first; rt <= last; rt++)
        if (cmd_diff_values(ctx, side, (enum mode_request)rt, all, &count,
                            &err) != 0)
            goto fail;
    /* With --type all each page counts once per page control. */
    const char *noun = all ? "page value set" : "page";
    if (count.differ == 0 && count.one_sided == 0)
        cmd_print(ctx, "no differences (%zu %s%s compared)", count.same, noun,
                  count.same == 1 ? "" : "s");
    else
        cmd_print(ctx, "%zu %s%s, %zu the same, %zu on one side only",
                  count.differ, noun,
                  count.differ == 1 ? " differs" : "s differ", count.same,
                  count.one_sided);
    goto out;
fail:
    status = cmd_error(ctx, &err);
out:
    free(side[0].pages);
    free(side[1].pages);
    return status;
}

static enum cmd_status
cmd_diff_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
    struct edit_plan plan;
    enum cmd_status status;
    struct err err;

    err_clear(&err);
    if (args->argc == 1) {
        err_usage(&err, "diff compares two sides: give A and B (drives, or "
                        "snapshot files FILE.json), or neither for the "
                        "staged changes");
        return cmd_error(ctx, &err);
    }
    if (args->argc == 2)
        return cmd_diff_sides(ctx, args);
    if (ctx->stage_drive == NULL) {
        cmd_print(ctx, "nothing staged ('edit FIELD=VALUE' stages changes)");
        return CMD_OK;
    }
    /* Against the values the words were checked against when staged,
     * which commit sends them on (it refuses if the drive holds others by
     * then); nothing is asked of the drive.  Each word is checked as
     * commit will send it: forced only if it was staged with --force. */
    bool save = cmd_arg_flag(&cmd_diff_entry, args, "save");
    if (edit_plan_build_on(
            ctx, ctx->stage_drive, ctx->stage_page, ctx->stage_base,
            ctx->stage_base_len, ctx->stage_words, ctx->stage_nwords,
            ctx->stage_nwords, false, ctx->stage_forced, &plan, &err) != 0) {
        status = cmd_error(ctx, &err);
    } else {
        struct edit ed = {
            .rec = plan.rec,
            .pd = plan.pd,
            .label = plan.label,
            .rt = save ? MODE_REQUEST_SAVED : MODE_REQUEST_CURRENT,
            .before = plan.before,
            .page = plan.page,
            .len = plan.len,
            .refs = plan.refs,
            .nrefs = plan.nrefs,
            /* What commit would send, shown: commit's own dry run, in a
             * replay --dry-run, is the one that builds on it. */
            .opts = { .dry_run = true,
                      .preview = true,
                      .force = true,
                      .based_on = plan.before },
            .no_change = plan.unchanged,
            /* As commit --save names them before it sends. */
            .name_saving_others = save,
        };
        status = edit_commit(ctx, &ed);
        if (status == CMD_OK && !save && (plan.before[0] & MODE_PAGE_PS))
            changes_preview_saving(ctx, plan.rec, plan.pd, plan.label,
                                   plan.page, plan.len, "commit --save (s)");
    }
    edit_plan_free(&plan);
    return status;
}
