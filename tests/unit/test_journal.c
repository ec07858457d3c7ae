/* The journal written by many contexts of one process at once, and by
 * another process in between. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/journal.h"
#include "testutil.h"
#include "util/xmalloc.h"

#define JOURNAL_THREADS 8
#define JOURNAL_RECORDS 100

static const struct cmd_option journal_test_options[] = {
    { NULL, false, NULL, NULL, 0 },
};

/* A command that names no drive: its record is the command alone. */
static const struct cmd_entry journal_test_entry = {
    .name = "set",
    .args = "WORD...",
    .summary = "a command for the test",
    .options = journal_test_options,
    .min_args = 0,
    .max_args = 4,
    .flags = CMD_MUTATES,
};

static void
journal_test_record(struct cmd_ctx *ctx, const char *a, const char *b)
{
    char *argv[] = { (char *)a, (char *)b, NULL };
    struct cmd_args args = { .argc = 2, .argv = argv };
    struct err err;

    err_clear(&err);
    cr_assert_eq(journal_record(ctx, &journal_test_entry, &args, &err), 0, "%s",
                 err.msg);
}

static void *
journal_test_thread(void *arg)
{
    struct cmd_ctx ctx;
    char who[16], seq[16];

    cmd_ctx_init(&ctx, &testutil_quiet_output);
    snprintf(who, sizeof who, "t%d", (int)(long)arg);
    for (int i = 0; i < JOURNAL_RECORDS; i++) {
        snprintf(seq, sizeof seq, "%d", i);
        journal_test_record(&ctx, who, seq);
    }
    cmd_ctx_fini(&ctx);
    return NULL;
}

static char *
journal_test_text(void)
{
    char *path = xasprintf("%s/modecon/journal", getenv("XDG_STATE_HOME"));
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp);
    char *text = xcalloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, fp);
    text[n] = '\0';
    fclose(fp);
    free(path);
    return text;
}

Test(journal, contexts_of_threads_write_whole_lines_under_one_header,
     .init = (void (*)(void))testutil_fresh_state)
{
    pthread_t threads[JOURNAL_THREADS];

    for (long t = 0; t < JOURNAL_THREADS; t++)
        cr_assert_eq(
            pthread_create(&threads[t], NULL, journal_test_thread, (void *)t),
            0);
    for (int t = 0; t < JOURNAL_THREADS; t++)
        pthread_join(threads[t], NULL);
    char *text = journal_test_text();
    int headers = 0, next[JOURNAL_THREADS] = { 0 };
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "# modecon ", 10) == 0) {
            headers++;
            continue;
        }
        int t, i, end = 0;
        cr_assert_eq(sscanf(line, "set t%d %d%n", &t, &i, &end), 2,
                     "a mixed line: '%s'", line);
        cr_assert_eq(line[end], '\0', "a mixed line: '%s'", line);
        cr_assert(t >= 0 && t < JOURNAL_THREADS);
        /* Each context's records in the order it wrote them. */
        cr_assert_eq(i, next[t], "t%d: record %d where %d was due", t, i,
                     next[t]);
        next[t]++;
    }
    for (int t = 0; t < JOURNAL_THREADS; t++)
        cr_assert_eq(next[t], JOURNAL_RECORDS);
    /* One process, one header: its contexts' lines follow under it. */
    cr_assert_eq(headers, 1, "%d headers", headers);
    free(text);
}

Test(journal, the_header_comes_again_after_another_writer,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct cmd_ctx ctx;

    cmd_ctx_init(&ctx, &testutil_quiet_output);
    journal_test_record(&ctx, "a", "1");
    journal_test_record(&ctx, "a", "2");
    char *path = xasprintf("%s/modecon/journal", getenv("XDG_STATE_HOME"));
    FILE *fp = fopen(path, "a");
    cr_assert_not_null(fp);
    fputs("# modecon 0.0.1 session 2026-01-01T00:00:00Z pid 1\nset b 1\n", fp);
    fclose(fp);
    journal_test_record(&ctx, "a", "3");
    cmd_ctx_fini(&ctx);
    char *text = journal_test_text();
    char *first = strdup(text);
    first[strcspn(first, "\n") + 1] = '\0';
    char *want = xasprintf("%sset a 1\nset a 2\n"
                           "# modecon 0.0.1 session 2026-01-01T00:00:00Z pid "
                           "1\nset b 1\n%sset a 3\n",
                           first, first);
    cr_assert_str_eq(text, want);
    free(want);
    free(first);
    free(text);
    free(path);
}
