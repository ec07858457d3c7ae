#include "cmd/complete.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/line.h"
#include "engine/pagenames.h"
#include "util/xmalloc.h"

static void
complete_offer(struct cmd_completion *c, const char *prefix, const char *word,
               const char *suffix)
{
    if (strncasecmp(word, prefix, c->prefix_len) != 0)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (strncmp(c->words[i], word, strlen(word)) == 0)
            return; /* offered already */
    c->words = xrealloc(c->words, (c->n + 1) * sizeof *c->words);
    c->words[c->n++] = xasprintf("%s%s", word, suffix);
}

/* Field acronyms of the page named in the line, or of the selected one:
 * "FIELD=" for a command that changes or stages (set, edit), "FIELD "
 * for one that only reads fields by name (get, show, explain). */
static void
complete_fields(struct cmd_ctx *ctx, struct cmd_completion *c,
                const char *prefix, const char *line)
{
    const struct pagedb *db = cmd_pagedb(ctx);
    uint8_t code = 0xff, subpage = 0;
    const char *suffix = "=";
    struct err err;
    struct cmd_line parsed;

    err_clear(&err);
    if (cmd_line_parse(line, &parsed, &err) == 0 && parsed.ncmds > 0) {
        struct cmd_words *w = &parsed.cmds[parsed.ncmds - 1];
        const struct cmd_entry *entry = cmd_find(w->argv[0], &err);
        if (entry != NULL && !(entry->flags & (CMD_MUTATES | CMD_SELECTS)))
            suffix = " ";
        for (int i = 1; i < w->argc; i++) {
            err_clear(&err);
            if (pagenames_parse(db, w->argv[i], &code, &subpage, &err) == 0)
                break;
            code = 0xff;
        }
        cmd_line_free(&parsed);
    }
    err_clear(&err);
    if (code == 0xff && ctx->selected_page != NULL &&
        pagenames_parse(db, ctx->selected_page, &code, &subpage, &err) != 0)
        return;
    for (size_t i = 0; code != 0xff && i < db->npages; i++) {
        const struct page_def *pd = db->pages[i];
        if (pd->code != code || pd->subpage != subpage)
            continue;
        for (size_t f = 0; f < pd->nfields; f++)
            if (pd->fields[f].acronym != NULL)
                complete_offer(c, prefix, pd->fields[f].acronym, suffix);
    }
}

void
cmd_complete(struct cmd_ctx *ctx, const char *before, const char *const *extra,
             struct cmd_completion *c)
{
    size_t len = strlen(before), start = len;

    memset(c, 0, sizeof *c);
    while (start > 0 && before[start - 1] != ' ' && before[start - 1] != ';')
        start--;
    c->prefix_len = len - start;
    const char *prefix = before + start;
    char *head = xstrndup(before, start);
    const char *cmd_start = strrchr(head, ';');
    cmd_start = cmd_start ? cmd_start + 1 : head;

    if (strspn(cmd_start, " ") == strlen(cmd_start)) {
        for (size_t i = 0; cmd_table[i] != NULL; i++)
            complete_offer(c, prefix, cmd_table[i]->name, " ");
        for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
            complete_offer(c, prefix, extra[i], "");
    } else {
        char **uris;
        size_t nuris;
        struct err err;
        err_clear(&err);
        if (transport_list_drives(&uris, &nuris, &err) == 0) {
            for (size_t i = 0; i < nuris; i++)
                complete_offer(c, prefix, uris[i], " ");
            transport_free_list(uris, nuris);
        }
        size_t nwords;
        char **words = pagenames_words(cmd_pagedb(ctx), &nwords);
        for (size_t i = 0; i < nwords; i++)
            complete_offer(c, prefix, words[i], " ");
        pagenames_words_free(words, nwords);
        complete_fields(ctx, c, prefix, head);
    }
    free(head);
}

void
cmd_completion_free(struct cmd_completion *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->words[i]);
    free(c->words);
    memset(c, 0, sizeof *c);
}

size_t
cmd_completion_common(const struct cmd_completion *c)
{
    if (c->n == 0)
        return 0;
    size_t common = strlen(c->words[0]);
    for (size_t i = 1; i < c->n; i++) {
        size_t k = 0;
        while (k < common && c->words[i][k] == c->words[0][k])
            k++;
        common = k;
    }
    return common;
}
