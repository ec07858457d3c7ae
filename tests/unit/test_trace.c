#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/recorder.h"
#include "testutil.h"
#include "transport/trace.h"
#include "util/atomicfile.h"

/* Run 'n' GetModePage calls on 'uri' with a trace; returns the lines. */
static json_t *
traced_gets(const char *uri, int n)
{
    char *path = testutil_write_file("trace.jsonl", "");
    struct recorder_options opts;
    struct recorder *rec;
    struct trace *trace;
    struct err err;
    json_t *lines = json_array();

    err_clear(&err);
    trace = trace_open(path, &err);
    cr_assert_not_null(trace, "%s", err.msg);
    recorder_options_init(&opts);
    opts.trace = trace;
    opts.timeout_ms = 100;
    cr_assert_eq(recorder_open(uri, &opts, &rec, &err), 0, "%s", err.msg);
    for (int i = 0; i < n; i++) {
        uint8_t *page = NULL;
        size_t len;
        err_clear(&err);
        recorder_get_mode_page(rec, 0x08, 0, MODE_REQUEST_CURRENT, &page, &len,
                               &err);
        free(page);
    }
    recorder_free(rec);
    trace_close(trace);

    char *text = atomicfile_read(path, 1 << 20, NULL, &err);
    cr_assert_not_null(text);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        cr_assert_not_null(obj, "not JSON: %s", line);
        json_array_append_new(lines, obj);
    }
    free(text);
    free(path);
    return lines;
}

Test(trace, each_command_is_one_json_line_with_bytes_and_status,
     .init = (void (*)(void))testutil_fresh_state)
{
    json_t *lines = traced_gets("emu:dvd-writer", 2);
    cr_assert_eq(json_array_size(lines), 2);
    json_t *first = json_array_get(lines, 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "drive")),
                     "emu:dvd-writer");
    cr_assert_str_eq(json_string_value(json_object_get(first, "cdb")),
                     "5a 08 08 00 00 00 00 02 00 00");
    const char *data = json_string_value(json_object_get(first, "data_in"));
    cr_assert_not_null(data);
    cr_assert_eq(strncmp(data + 24, "88 0a", 5), 0,
                 "page 08 after the "
                 "header: %s",
                 data);
    cr_assert_eq(json_integer_value(json_object_get(first, "status")), 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "sense")), "");
    cr_assert(json_is_number(json_object_get(first, "ms")));
    json_decref(lines);
}

Test(trace, retries_show_as_separate_lines,
     .init = (void (*)(void))testutil_fresh_state)
{
    json_t *lines = traced_gets("emu:dvd-writer?fault=sense:06/29/00*1", 1);
    cr_assert_eq(json_array_size(lines), 2);
    json_t *first = json_array_get(lines, 0);
    cr_assert_eq(json_integer_value(json_object_get(first, "status")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(first, "sense")),
                     "70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00");
    cr_assert_eq(
        json_integer_value(json_object_get(json_array_get(lines, 1), "status")),
        0);
    json_decref(lines);
}

Test(trace, a_command_without_an_answer_records_the_error,
     .init = (void (*)(void))testutil_fresh_state)
{
    json_t *lines = traced_gets("emu:dvd-writer?fault=timeout", 1);
    cr_assert_eq(json_array_size(lines), 1);
    json_t *line = json_array_get(lines, 0);
    cr_assert_null(json_object_get(line, "status"));
    cr_assert_not_null(
        strstr(json_string_value(json_object_get(line, "error")), "no answer"));
    cr_assert_eq(json_integer_value(json_object_get(line, "hresult")),
                 E_IMAPI_RECORDER_COMMAND_TIMEOUT);
    json_decref(lines);
}
