#include "engine/pagenames.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* A page code is 0 to 0x3e: 0x3f asks for all pages (SPC-4 6.13). */
#define PAGENAMES_CODE_MAX 0x3e
/* A subpage is 0 to 0xfe: 0xff asks for all subpages (SPC-4 6.13). */
#define PAGENAMES_SUBPAGE_MAX 0xfe
#define PAGENAMES_WORD_LEN    64
/* The peripheral device type of CD/DVD/BD drives (SPC-4 6.6.2). */
#define PAGENAMES_MMC_TYPE 5

void
pagenames_word(const char *name, char *buf, size_t len)
{
    size_t used = 0;
    bool gap = false;

    if (len == 0)
        return;
    if (strncmp(name, PAGENAMES_IMAPI_PREFIX, strlen(PAGENAMES_IMAPI_PREFIX)) ==
        0)
        name += strlen(PAGENAMES_IMAPI_PREFIX);
    for (const char *p = name; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (!isalnum(c)) {
            gap = used > 0;
            continue;
        }
        if (gap && used + 2 < len)
            buf[used++] = '-';
        gap = false;
        if (used + 1 < len)
            buf[used++] = (char)tolower(c);
    }
    buf[used] = '\0';
}

void
pagenames_code(uint8_t code, uint8_t subpage, char buf[PAGENAMES_CODE_LEN])
{
    if (subpage != 0)
        snprintf(buf, PAGENAMES_CODE_LEN, "0x%02x,0x%02x", code, subpage);
    else
        snprintf(buf, PAGENAMES_CODE_LEN, "0x%02x", code);
}

const struct page_def *
pagenames_def(const struct pagedb *db, uint8_t code, uint8_t subpage,
              const struct scsi_identity *id)
{
    const struct page_def *pd;

    if (db == NULL)
        return NULL;
    if (id != NULL)
        return pagedb_find(db, code, subpage, id->peripheral_type, id->vendor,
                           id->product);
    /* An MMC drive when none is named: the drives modecon is for. */
    pd = pagedb_find(db, code, subpage, PAGENAMES_MMC_TYPE, NULL, NULL);
    for (size_t i = 0; pd == NULL && i < db->npages; i++)
        if (db->pages[i]->code == code && db->pages[i]->subpage == subpage)
            pd = db->pages[i];
    return pd;
}

/*
 * Read s[0..len) as a number.  0 when it is none; 1 when it has one
 * reading, in *value (0x1a, 1Ah, 1a, 05); 2 when hex and decimal read it
 * differently, *value hex and *decimal decimal (10).  Numbers start with
 * a digit, so that a name never reads as one.
 */
static int
pagenames_number(const char *s, size_t len, unsigned long *value,
                 unsigned long *decimal)
{
    char buf[16];
    size_t start = 0, end = len;
    bool based = false, hex_letter = false;

    if (len == 0 || len >= sizeof buf || !isdigit((unsigned char)s[0]))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
        start = 2;
        based = true;
    } else if (len > 1 && (buf[len - 1] == 'h' || buf[len - 1] == 'H')) {
        end = len - 1;
        based = true;
    }
    for (size_t i = start; i < end; i++) {
        if (!isxdigit((unsigned char)buf[i]))
            return 0;
        hex_letter = hex_letter || !isdigit((unsigned char)buf[i]);
    }
    buf[end] = '\0';
    *value = strtoul(buf + start, NULL, 16);
    if (based || hex_letter)
        return 1;
    *decimal = strtoul(buf, NULL, 10);
    return *value == *decimal ? 1 : 2;
}

/* One word that names a page. */
struct pagenames_entry {
    char word[PAGENAMES_WORD_LEN];
    uint8_t code, subpage;
    bool imapi; /* the word of its IMAPI name */
};

static int
pagenames_entry_order(const void *a, const void *b)
{
    const struct pagenames_entry *x = a, *y = b;

    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->subpage != y->subpage)
        return x->subpage < y->subpage ? -1 : 1;
    if (x->imapi != y->imapi)
        return x->imapi ? 1 : -1;
    return strcmp(x->word, y->word);
}

static void
pagenames_add(struct pagenames_entry *entries, size_t *n, const char *name,
              const struct page_def *pd, bool imapi)
{
    struct pagenames_entry e = { .code = pd->code,
                                 .subpage = pd->subpage,
                                 .imapi = imapi };

    pagenames_word(name, e.word, sizeof e.word);
    if (e.word[0] == '\0')
        return;
    for (size_t i = 0; i < *n; i++)
        if (entries[i].code == e.code && entries[i].subpage == e.subpage &&
            strcmp(entries[i].word, e.word) == 0)
            return;
    entries[(*n)++] = e;
}

/* Every word of every definition, once, in the order of their pages. */
static struct pagenames_entry *
pagenames_entries(const struct pagedb *db, size_t *n)
{
    size_t max = db != NULL ? 2 * db->npages : 0;
    struct pagenames_entry *entries = xcalloc(max ? max : 1, sizeof *entries);

    *n = 0;
    for (size_t i = 0; i < max / 2; i++) {
        const struct page_def *pd = db->pages[i];
        pagenames_add(entries, n, pd->name, pd, false);
        if (pd->imapi != NULL)
            pagenames_add(entries, n, pd->imapi, pd, true);
    }
    qsort(entries, *n, sizeof *entries, pagenames_entry_order);
    return entries;
}

char **
pagenames_words(const struct pagedb *db, size_t *count)
{
    size_t n;
    struct pagenames_entry *entries = pagenames_entries(db, &n);
    char **words = xcalloc(n ? n : 1, sizeof *words);

    *count = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = entries[i].imapi;
        for (size_t k = 0; k < *count && !seen; k++)
            seen = strcmp(words[k], entries[i].word) == 0;
        if (!seen)
            words[(*count)++] = xstrdup(entries[i].word);
    }
    free(entries);
    return words;
}

void
pagenames_words_free(char **words, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(words[i]);
    free(words);
}

char **
pagenames_shared(const struct pagedb *db, size_t *count)
{
    size_t n;
    struct pagenames_entry *entries = pagenames_entries(db, &n);
    char **lines = xcalloc(n ? n : 1, sizeof *lines);
    bool *done = xcalloc(n ? n : 1, sizeof *done);

    *count = 0;
    for (size_t i = 0; i < n; i++) {
        char line[256], at[PAGENAMES_CODE_LEN];
        size_t pages = 1;
        if (done[i])
            continue;
        pagenames_code(entries[i].code, entries[i].subpage, at);
        size_t used =
            (size_t)snprintf(line, sizeof line, "%s (%s", entries[i].word, at);
        for (size_t k = i + 1; k < n; k++) {
            if (strcmp(entries[k].word, entries[i].word) != 0)
                continue;
            done[k] = true;
            pagenames_code(entries[k].code, entries[k].subpage, at);
            if (used < sizeof line)
                used += (size_t)snprintf(line + used, sizeof line - used,
                                         ", %s", at);
            pages++;
        }
        if (pages > 1)
            lines[(*count)++] = xasprintf("%s)", line);
    }
    free(done);
    free(entries);
    return lines;
}

/* "a, b, c": the page words, for the message that lists what is taken. */
static void
pagenames_word_list(const struct pagedb *db, char *buf, size_t len)
{
    size_t n, used = 0;
    char **words = pagenames_words(db, &n);

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i > 0 ? ", " : "", words[i]);
    pagenames_words_free(words, n);
}

static int
pagenames_unknown(const struct pagedb *db, const char *text, size_t len,
                  struct err *err)
{
    char words[384];

    pagenames_word_list(db, words, sizeof words);
    return err_usage(
        err, "page '%.*s': expected a page code from 0x00 to 0x3e%s%s%s",
        (int)len, text, words[0] ? " or a page name (" : "", words,
        words[0] ? ")" : "");
}

/* A number that hex and decimal read as two pages: neither is guessed. */
static int
pagenames_ambiguous_number(const char *what, const char *text, size_t len,
                           unsigned long hex, unsigned long decimal,
                           struct err *err)
{
    return err_usage(err,
                     "%s '%.*s' is ambiguous: 0x%02lx read as hex, as pages "
                     "are listed, or 0x%02lx read as decimal; write 0x%02lx or "
                     "0x%02lx",
                     what, (int)len, text, hex, decimal, hex, decimal);
}

/* The same for the subpage, the whole argument named. */
static int
pagenames_ambiguous_subpage(const char *text, const char *sub,
                            unsigned long hex, unsigned long decimal,
                            struct err *err)
{
    pagenames_ambiguous_number("subpage", sub, strlen(sub), hex, decimal, err);
    err_prefix(err, "page '%s'", text);
    return -1;
}

/*
 * The page a word names: the one it is, else the one it begins.  Two
 * pages are never chosen between: an ambiguous word is refused naming
 * what it could mean.
 */
static int
pagenames_by_word(const struct pagedb *db, const char *text, size_t len,
                  uint8_t *code, uint8_t *subpage, struct err *err)
{
    char typed[PAGENAMES_WORD_LEN], *copy = xstrndup(text, len);
    size_t n, typed_len;
    struct pagenames_entry *entries = pagenames_entries(db, &n);
    const struct pagenames_entry *found = NULL;
    bool several = false;
    int rc = 0;

    pagenames_word(copy, typed, sizeof typed);
    free(copy);
    typed_len = strlen(typed);
    /* Whole words first, so that one page's word may begin another's. */
    for (int whole = 1; whole >= 0 && found == NULL && typed_len > 0; whole--) {
        for (size_t i = 0; i < n; i++) {
            const struct pagenames_entry *e = &entries[i];
            if (whole ? strcmp(e->word, typed) != 0
                      : strncmp(e->word, typed, typed_len) != 0)
                continue;
            if (found != NULL &&
                (found->code != e->code || found->subpage != e->subpage))
                several = true;
            else if (found == NULL)
                found = e;
        }
    }
    if (found == NULL) {
        rc = pagenames_unknown(db, text, len, err);
    } else if (several) {
        char list[384];
        size_t used = 0, left = 0;
        bool whole = strcmp(found->word, typed) == 0;
        for (size_t i = 0; i < n; i++)
            left += whole ? strcmp(entries[i].word, typed) == 0
                          : strncmp(entries[i].word, typed, typed_len) == 0;
        list[0] = '\0';
        for (size_t i = 0; i < n && used < sizeof list; i++) {
            const struct pagenames_entry *e = &entries[i];
            char at[PAGENAMES_CODE_LEN];
            if (whole ? strcmp(e->word, typed) != 0
                      : strncmp(e->word, typed, typed_len) != 0)
                continue;
            pagenames_code(e->code, e->subpage, at);
            left--;
            used +=
                (size_t)snprintf(list + used, sizeof list - used, "%s%s (%s)",
                                 used == 0   ? ""
                                 : left == 0 ? " or "
                                             : ", ",
                                 e->word, at);
        }
        rc = err_usage(err,
                       whole ? "page '%.*s' is ambiguous: definitions give "
                               "that name to %s; write the page's code"
                             : "page '%.*s' is ambiguous: it could be %s; "
                               "write more of the name",
                       (int)len, text, list);
    } else {
        *code = found->code;
        *subpage = found->subpage;
    }
    free(entries);
    return rc;
}

int
pagenames_parse(const struct pagedb *db, const char *text, uint8_t *code,
                uint8_t *subpage, struct err *err)
{
    size_t len = strcspn(text, ",/");
    unsigned long v, decimal;
    int readings;
    bool has_subpage = false;

    /* A ',' or '/' before a number starts the subpage; elsewhere it is
     * part of a name ("Read/Write Error Recovery"). */
    if (text[len] != '\0' && isdigit((unsigned char)text[len + 1])) {
        const char *sub = text + len + 1;
        readings = pagenames_number(sub, strlen(sub), &v, &decimal);
        if (readings == 2 &&
            (v <= PAGENAMES_SUBPAGE_MAX || decimal <= PAGENAMES_SUBPAGE_MAX))
            return pagenames_ambiguous_subpage(text, sub, v, decimal, err);
        if (readings != 1 || v > PAGENAMES_SUBPAGE_MAX)
            return err_usage(err,
                             "page '%s': expected a subpage number from 0 to "
                             "0xfe after the '%c'",
                             text, text[len]);
        *subpage = (uint8_t)v;
        has_subpage = true;
    } else {
        len = strlen(text);
    }

    readings = pagenames_number(text, len, &v, &decimal);
    if (readings == 2 &&
        (v <= PAGENAMES_CODE_MAX || decimal <= PAGENAMES_CODE_MAX))
        return pagenames_ambiguous_number("page", text, len, v, decimal, err);
    if (readings != 0) {
        if (readings != 1 || v > PAGENAMES_CODE_MAX)
            return pagenames_unknown(db, text, len, err);
        *code = (uint8_t)v;
        if (!has_subpage)
            *subpage = 0;
        return 0;
    }
    uint8_t named_subpage;
    if (pagenames_by_word(db, text, len, code, &named_subpage, err) != 0)
        return -1;
    if (!has_subpage)
        *subpage = named_subpage;
    return 0;
}
