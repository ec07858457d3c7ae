/* The command layer through its one entry point, with a collecting sink
 * in place of a terminal. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "testutil.h"
#include "util/xmalloc.h"

struct sink {
    char *out;
    char *err;
    const char *input;
};

static void
append(char **buf, const char *text)
{
    char *joined = xasprintf("%s%s\n", *buf ? *buf : "", text);
    free(*buf);
    *buf = joined;
}

static void
sink_out(void *arg, const char *text)
{
    append(&((struct sink *)arg)->out, text);
}

static void
sink_err(void *arg, const char *text)
{
    append(&((struct sink *)arg)->err, text);
}

static char *
sink_input(void *arg, struct err *err)
{
    (void)err;
    return xstrdup(((struct sink *)arg)->input);
}

/* Run words (NULL-terminated) and return the exit status. */
static int
run(struct sink *sink, ...)
{
    struct cmd_output output = { sink_out, sink_err, sink_input, sink, NULL };
    char *words[16];
    int n = 0;
    va_list ap;

    free(sink->out);
    free(sink->err);
    sink->out = sink->err = NULL;
    va_start(ap, sink);
    while ((words[n] = va_arg(ap, char *)) != NULL)
        n++;
    va_end(ap);
    struct cmd_ctx ctx;
    cmd_ctx_init(&ctx, &output);
    int status = (int)cmd_run_argv(&ctx, n, words);
    cmd_ctx_fini(&ctx);
    return status;
}

static struct sink s;

static void
sink_free(void)
{
    free(s.out);
    free(s.err);
}

TestSuite(cmd, .fini = sink_free);

#define OUT(s) ((s).out ? (s).out : "")
#define ERR(s) ((s).err ? (s).err : "")

Test(cmd, unknown_ambiguous_and_prefix_commands,
     .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "frobnicate", NULL), CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "unknown command 'frobnicate'"));
    cr_assert_eq(run(&s, "p", "emu:dvd-writer", NULL), CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "ambiguous: could be page, pages, "
                                      "pagedefs, power-cycle"),
                       "%s", ERR(s));
    cr_assert_eq(run(&s, "pages", "emu:dvd-writer", NULL), CMD_OK, "%s",
                 ERR(s));
    cr_assert_not_null(strstr(OUT(s), "Write Parameters"));
    /* A unique prefix is enough. */
    cr_assert_eq(run(&s, "po", "emu:dvd-writer", NULL), CMD_OK, "%s", ERR(s));
    cr_assert_not_null(strstr(OUT(s), "power-cycled"));
}

Test(cmd, wrong_argument_count_shows_usage,
     .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "get", "emu:dvd-writer", NULL), CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "usage: modecon get DRIVE PAGE"), "%s",
                       ERR(s));
    cr_assert_eq(run(&s, "get", "--bogus", "emu:dvd-writer", "5", NULL),
                 CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "unknown option '--bogus'"));
    cr_assert_eq(run(&s, "get", "emu:dvd-writer", "5", "--type", NULL),
                 CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "--type needs a value"));
}

Test(cmd, get_prints_hex_sixteen_bytes_a_line_and_nothing_else,
     .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "get", "emu:dvd-writer", "write-parameters", NULL),
                 CMD_OK, "%s", ERR(s));
    /* 0x34 bytes: three full lines and one of four. */
    const char *p = OUT(s);
    int lines = 0;
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        size_t len = (size_t)(nl - p);
        cr_assert(len == 47 || (lines == 3 && len == 11), "line %d: %zu", lines,
                  len);
        lines++;
    }
    cr_assert_eq(lines, 4);
    cr_assert_eq(strncmp(OUT(s), "05 32", 5), 0, "%s", OUT(s));
}

Test(cmd, set_takes_what_get_prints,
     .init = (void (*)(void))testutil_fresh_state)
{
    /* Page 08 with RCD (byte 2 bit 0, changeable) set, as get prints it. */
    cr_assert_eq(run(&s, "get", "emu:dvd-writer", "8", NULL), CMD_OK);
    cr_assert_eq(strncmp(OUT(s), "88 0a 04 ", 9), 0, "%s", OUT(s));
    char *edited = xstrdup(OUT(s));
    edited[7] = '5';
    s.input = edited;
    cr_assert_eq(run(&s, "set", "emu:dvd-writer", "0x08", "--data", "-", NULL),
                 CMD_OK, "%s", ERR(s));
    cr_assert_not_null(strstr(OUT(s), "verified: the drive applied every "
                                      "byte"),
                       "%s", OUT(s));
    cr_assert_eq(run(&s, "get", "emu:dvd-writer", "caching", NULL), CMD_OK);
    cr_assert_eq(strncmp(OUT(s), "88 0a 05 ", 9), 0, "%s", OUT(s));
    free(edited);
}

Test(cmd, set_with_changeable_type_reaches_the_engine_as_invalidarg,
     .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "set", "emu:dvd-writer", "8", "--type", "changeable",
                     "--data",
                     "08 0a 00 00 00 00 00 00 00 00 "
                     "00 00",
                     NULL),
                 CMD_FAILED);
    cr_assert_not_null(strstr(ERR(s), "E_INVALIDARG (0x80070057)"), "%s",
                       ERR(s));
}

Test(cmd, set_data_for_another_page_is_bad_input,
     .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "set", "emu:dvd-writer", "5", "--data",
                     "08 0a 00 00 00 00 00 00 00 00 00 00", NULL),
                 CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "--data starts with page 0x08"), "%s",
                       ERR(s));
    cr_assert_eq(run(&s, "set", "emu:dvd-writer", "8", "--data", "08 0", NULL),
                 CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "--data: hex data, line 1 column 4"),
                       "%s", ERR(s));
}

Test(cmd, json_output_is_json, .init = (void (*)(void))testutil_fresh_state)
{
    json_error_t jerr;

    cr_assert_eq(run(&s, "pages", "emu:dvd-writer", "--json", NULL), CMD_OK);
    json_t *obj = json_loads(OUT(s), 0, &jerr);
    cr_assert_not_null(obj, "%s", jerr.text);
    json_t *pages = json_object_get(obj, "pages");
    cr_assert_eq(json_array_size(pages), 10);
    json_t *wp = json_array_get(pages, 2);
    cr_assert_eq(json_integer_value(json_object_get(wp, "page")), 5);
    cr_assert_str_eq(json_string_value(json_object_get(wp, "imapi_name")),
                     "IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS");
    /* Write parameters are per session: the drive cannot save them. */
    cr_assert(json_is_false(json_object_get(wp, "savable")));
    json_t *caching = json_array_get(pages, 3);
    cr_assert_eq(json_integer_value(json_object_get(caching, "page")), 8);
    cr_assert(json_is_true(json_object_get(caching, "savable")));
    json_decref(obj);
}

Test(cmd, help_comes_from_the_table,
     .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "help", NULL), CMD_OK);
    for (size_t i = 0; cmd_table[i] != NULL; i++)
        cr_assert_not_null(strstr(OUT(s), cmd_table[i]->summary), "%s",
                           cmd_table[i]->name);
    cr_assert_eq(run(&s, "set", "--help", NULL), CMD_OK);
    cr_assert_not_null(strstr(OUT(s), "--no-verify"));
}

Test(cmd, global_options_anywhere, .init = (void (*)(void))testutil_fresh_state)
{

    cr_assert_eq(run(&s, "get", "emu:dvd-writer?fault=timeout", "5",
                     "--timeout", "0.05", NULL),
                 CMD_FAILED);
    cr_assert_not_null(strstr(ERR(s), "E_IMAPI_RECORDER_COMMAND_TIMEOUT"), "%s",
                       ERR(s));
    cr_assert_eq(run(&s, "get", "emu:dvd-writer", "5", "--timeout=abc", NULL),
                 CMD_USAGE);
    cr_assert_not_null(strstr(ERR(s), "--timeout 'abc': expected a number"));
}

/* Each context (a console drive's, on its worker) asks for the page
 * definitions on its own thread: one parse, shared read-only. */
static void *
pagedb_of_a_new_context(void *arg)
{
    struct cmd_ctx ctx;

    (void)arg;
    cmd_ctx_init(&ctx, &testutil_quiet_output);
    const struct pagedb *db = cmd_pagedb(&ctx);
    cmd_ctx_fini(&ctx);
    return (void *)db;
}

Test(cmd, page_definitions_are_loaded_once_and_shared_by_every_context,
     .init = (void (*)(void))testutil_fresh_state)
{
    pthread_t threads[4];
    void *db[4];

    for (int i = 0; i < 4; i++)
        cr_assert_eq(
            pthread_create(&threads[i], NULL, pagedb_of_a_new_context, NULL),
            0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], &db[i]);
    void *main_db = pagedb_of_a_new_context(NULL);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(db[i], main_db, "context %d has a database of its own", i);
    cr_assert_gt(((const struct pagedb *)main_db)->npages, 0);
}

/* A repeatable option keeps every value in order; any other option given
 * twice is refused, as one would silently win. */
Test(cmd, a_repeatable_option_keeps_every_value)
{
    static const struct cmd_option options[] = {
        { "drive", true, "URI", "a drive (again for more)", 0 },
        { "jobs", true, "N", "workers", 0 },
        { NULL, false, NULL, NULL, 0 },
    };
    static const struct cmd_entry entry = {
        .name = "fan",
        .args = "FILE",
        .summary = "",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .repeatable = "drive",
    };
    char words[][16] = { "fan", "--drive",       "emu:a",
                         "f",   "--drive=emu:b", "--jobs",
                         "2",   "--drive",       "emu:c" };
    char *argv[9];
    for (int i = 0; i < 9; i++)
        argv[i] = words[i];
    struct cmd_ctx ctx;
    struct cmd_args args;
    struct err err;
    bool help;
    int n;

    cmd_ctx_init(&ctx, &testutil_quiet_output);
    err_clear(&err);
    cr_assert_eq(cmd_parse(&ctx, &entry, 9, argv, &args, &help, &err), 0, "%s",
                 err.msg);
    const char *const *drives = cmd_arg_values(&entry, &args, "drive", &n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(drives[0], "emu:a");
    cr_assert_str_eq(drives[1], "emu:b");
    cr_assert_str_eq(drives[2], "emu:c");
    cr_assert_str_eq(cmd_arg_value(&entry, &args, "drive"), "emu:a");
    cr_assert_eq(args.argc, 1);
    cr_assert_str_eq(args.argv[0], "f");
    cmd_arg_values(&entry, &args, "jobs", &n);
    cr_assert_eq(n, 0);
    free(args.argv);

    char twice_words[][8] = { "fan", "f", "--jobs", "1", "--jobs", "2" };
    char *twice[6];
    for (int i = 0; i < 6; i++)
        twice[i] = twice_words[i];
    err_clear(&err);
    cr_assert_eq(cmd_parse(&ctx, &entry, 6, twice, &args, &help, &err), -1);
    cr_assert_not_null(strstr(err.msg, "--jobs is given twice"), "%s", err.msg);
    free(args.argv);
    cmd_ctx_fini(&ctx);
}

/* A front end that owns standard input (the console) gives commands none:
 * set --data - says so, never calls through a NULL. */
Test(cmd, set_data_from_stdin_without_input_is_refused,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct cmd_output output = { sink_out, sink_err, NULL, &s, NULL };
    char set[] = "set", drive[] = "emu:dvd-writer", page[] = "8",
         data[] = "--data", dash[] = "-";
    char *words[] = { set, drive, page, data, dash };
    struct cmd_ctx ctx;

    free(s.out);
    free(s.err);
    s.out = s.err = NULL;
    cmd_ctx_init(&ctx, &output);
    cr_assert_eq(cmd_run_argv(&ctx, 5, words), CMD_USAGE);
    cmd_ctx_fini(&ctx);
    cr_assert_not_null(strstr(ERR(s), "standard input cannot be read here"),
                       "%s", ERR(s));
}
