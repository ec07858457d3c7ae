/*
 * The engine's IMAPI semantics, over the emulated drives.  Bits to change
 * are chosen from each drive's own changeable values, so the tests hold
 * for any drive file that has a changeable and a locked bit on page 05.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/recorder.h"
#include "engine/sense.h"
#include "testutil.h"
#include "transport/trace.h"
#include "util/atomicfile.h"
#include "util/xmalloc.h"

static struct recorder *
open_drive(const char *uri, struct trace *trace)
{
    struct recorder_options opts;
    struct recorder *rec;
    struct err err;

    recorder_options_init(&opts);
    opts.timeout_ms = 300;
    opts.ready_wait_ms = 400;
    opts.trace = trace;
    opts.client = "modecon test";
    err_clear(&err);
    cr_assert_eq(recorder_open(uri, &opts, &rec, &err), 0, "%s", err.msg);
    return rec;
}

static uint8_t *
get_page(struct recorder *rec, uint8_t code, enum mode_request rt, size_t *len)
{
    struct err err;
    uint8_t *page;

    err_clear(&err);
    cr_assert_eq(recorder_get_mode_page(rec, code, 0, rt, &page, len, &err), 0,
                 "%s", err.msg);
    return page;
}

/* A byte and bit of page 'code' whose changeable bit is 'changeable'. */
static void
find_bit(struct recorder *rec, uint8_t code, bool changeable, size_t *byte,
         int *bit)
{
    size_t len;
    uint8_t *chg = get_page(rec, code, MODE_REQUEST_CHANGEABLE, &len);

    for (size_t i = 2; i < len; i++) {
        for (int b = 7; b >= 0; b--) {
            if (((chg[i] >> b) & 1) == changeable) {
                *byte = i;
                *bit = b;
                free(chg);
                return;
            }
        }
    }
    cr_assert_fail("page 0x%02x has no %s bit", code,
                   changeable ? "changeable" : "locked");
}

/* The current page 'code' with one bit flipped whose changeable bit is
 * 'changeable'; the caller frees it. */
static uint8_t *
flipped_page(struct recorder *rec, uint8_t code, bool changeable, size_t *len,
             size_t *byte, int *bit)
{
    find_bit(rec, code, changeable, byte, bit);
    uint8_t *page = get_page(rec, code, MODE_REQUEST_CURRENT, len);
    page[*byte] ^= (uint8_t)(1u << *bit);
    return page;
}

static int
set_page(struct recorder *rec, enum mode_request rt, const uint8_t *page,
         size_t len, struct set_options opts, struct set_report *rep,
         struct err *err)
{
    err_clear(err);
    return recorder_set_mode_page(rec, rt, page, len, &opts, rep, err);
}

static const struct set_options verify = { .verify = true };
/* For the tests of what goes out: the page as the drive holds it is sent
 * all the same. */
static const struct set_options resend = { .verify = true,
                                           .send_unchanged = true };

Test(recorder, get_returns_the_page_without_header,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    size_t len;
    uint8_t *page = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len);

    cr_assert_eq(page[0] & 0x3f, 0x05);
    cr_assert_eq(len, (size_t)page[1] + 2);
    cr_assert_eq(len, 0x34, "page 05 is 0x32 + 2 bytes, got %zu", len);
    free(page);
    recorder_free(rec);
}

Test(recorder, set_builds_header_clears_ps_and_sets_sp_only_for_saved,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_options dry = { .dry_run = true,
                               .verify = true,
                               .send_unchanged = true };
    struct set_report rep;
    struct err err;
    size_t len;
    uint8_t *page = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len);

    page[0] |= 0x80; /* PS as MODE SENSE reports it */
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, dry, &rep, &err), 0,
        "%s", err.msg);
    cr_assert_not(rep.sent);
    cr_assert_eq(rep.param_len, 8 + len);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(rep.param_list[i], 0, "header byte %d", i);
    cr_assert_eq(rep.param_list[8], 0x05, "PS must be cleared");
    cr_assert_arr_eq(rep.param_list + 9, page + 1, len - 1);
    uint8_t cdb[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, (uint8_t)(8 + len), 0 };
    cr_assert_arr_eq(rep.cdb, cdb, 10);
    set_report_fini(&rep);

    /* Page 05 is not savable (PS=0): saving it is refused unsent. */
    cr_assert_eq(set_page(rec, MODE_REQUEST_SAVED, page, len, dry, &rep, &err),
                 -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
    cr_assert_not_null(strstr(err.msg, "cannot save this page"), "%s", err.msg);
    set_report_fini(&rep);
    free(page);

    page = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert(page[0] & 0x80, "page 08 is savable");
    cr_assert_eq(set_page(rec, MODE_REQUEST_SAVED, page, len, dry, &rep, &err),
                 0, "%s", err.msg);
    cr_assert_eq(rep.cdb[1], 0x11, "SP=1 for saved values");
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

Test(recorder, invalid_request_types_and_null_data,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    uint8_t page[4] = { 0x08, 0x02, 0, 0 };

    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CHANGEABLE, page, 4, verify, &rep, &err),
        -1);
    cr_assert_eq(err.hr, E_INVALIDARG);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_DEFAULT, page, 4, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_INVALIDARG);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, NULL, 4, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_POINTER);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, 1, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_INVALIDARG);
    /* A sub_page format header (SPF) needs 4 bytes; 3 are too short. */
    uint8_t subpage[3] = { 0x5c, 0x01, 0x00 };
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, subpage, 3, verify, &rep, &err),
        -1);
    cr_assert_eq(err.hr, E_INVALIDARG);
    cr_assert_str_eq(err.msg, "3 bytes is too short for a mode page header");
    recorder_free(rec);
}

static size_t
count_mode_selects(const char *trace_path)
{
    struct err err;
    char *text;
    size_t n = 0;

    err_clear(&err);
    text = atomicfile_read(trace_path, 1 << 24, NULL, &err);
    cr_assert_not_null(text, "%s", err.msg);
    for (char *p = text; (p = strstr(p, "\"cdb\": \"55")) != NULL; p++)
        n++;
    for (char *p = text; (p = strstr(p, "\"cdb\":\"55")) != NULL; p++)
        n++;
    free(text);
    return n;
}

Test(recorder, locked_bit_is_refused_before_sending_with_byte_and_bit,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *trace_path = testutil_write_file("trace.jsonl", "");
    struct err err;
    struct trace *trace = trace_open(trace_path, &err);
    struct recorder *rec = open_drive("emu:dvd-writer", trace);
    struct set_report rep;
    size_t len, byte;
    int bit;

    uint8_t *page = flipped_page(rec, 0x05, false, &len, &byte, &bit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
    cr_assert_eq(err.field_byte, (int)byte);
    cr_assert_eq(err.field_bit, bit);
    cr_assert_not(err.has_scsi, "nothing was sent, so no sense");
    cr_assert_not_null(strstr(err.msg, "nothing was sent"), "%s", err.msg);
    cr_assert_eq(count_mode_selects(trace_path), 0);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
    trace_close(trace);
    free(trace_path);
}

Test(recorder, forced_locked_bit_is_rejected_by_the_drive_at_that_field,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_options force = { .force = true, .verify = true };
    struct set_report rep;
    struct err err;
    size_t len, byte;
    int bit;

    uint8_t *page = flipped_page(rec, 0x05, false, &len, &byte, &bit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, force, &rep, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
    cr_assert(err.has_scsi);
    struct sense s;
    cr_assert(sense_decode(err.sense, err.sense_len, &s));
    cr_assert_eq(s.key, 5);
    cr_assert_eq(s.asc, 0x26);
    cr_assert_eq(err.field_byte, (int)byte, "drive pointed at %d",
                 err.field_byte);
    cr_assert_eq(err.field_bit, bit);
    cr_assert_not_null(strstr(rep.notice, "--force"), "%s", rep.notice);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

Test(recorder, wrong_length_is_refused_before_sending,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len;
    uint8_t *page = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);

    /* Length byte and data agree, but the drive's page is longer. */
    page[1] = (uint8_t)(len - 4);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len - 2, verify, &rep, &err),
        -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
    cr_assert_eq(err.field_byte, 0);
    cr_assert_not_null(strstr(err.msg, "page header 88 08 does not match"),
                       "%s", err.msg);
    set_report_fini(&rep);
    /* Length byte and data disagree. */
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
    cr_assert_not_null(strstr(err.msg, "length byte"), "%s", err.msg);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

Test(recorder, change_is_applied_verified_and_seen_by_the_next_process,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len, byte;
    int bit;

    uint8_t *page = flipped_page(rec, 0x05, true, &len, &byte, &bit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert(rep.sent);
    cr_assert(rep.checked);
    cr_assert(rep.verified);
    cr_assert_eq(rep.nunapplied, 0);
    set_report_fini(&rep);
    recorder_free(rec);

    rec = open_drive("emu:dvd-writer", NULL);
    size_t len2;
    uint8_t *now = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len2);
    cr_assert_eq(len2, len);
    cr_assert_eq(now[byte], page[byte]);
    free(now);
    free(page);
    recorder_free(rec);
}

Test(recorder, saved_values_survive_a_power_cycle_and_current_ones_do_not,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len, byte;
    int bit;

    find_bit(rec, 0x08, true, &byte, &bit);
    uint8_t *orig = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);
    uint8_t *page = malloc(len);
    memcpy(page, orig, len);
    page[byte] ^= (uint8_t)(1u << bit);

    /* Current only: a power cycle brings back the saved value. */
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    set_report_fini(&rep);
    uint8_t *saved = get_page(rec, 0x08, MODE_REQUEST_SAVED, &len);
    cr_assert_eq(transport_control(recorder_transport(rec),
                                   TRANSPORT_CONTROL_POWER_CYCLE, NULL, &err),
                 0, "%s", err.msg);
    uint8_t *after = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert_eq(after[byte], saved[byte]);
    free(after);

    /* Saved: it survives. */
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_SAVED, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert_eq(rep.nunapplied, 0);
    set_report_fini(&rep);
    cr_assert_eq(transport_control(recorder_transport(rec),
                                   TRANSPORT_CONTROL_POWER_CYCLE, NULL, &err),
                 0, "%s", err.msg);
    after = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert_eq(after[byte], page[byte]);
    free(after);
    free(saved);
    free(page);
    free(orig);
    recorder_free(rec);
}

Test(recorder, drive_that_ignores_mode_select_is_reported_not_applied,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:ignoring", NULL);
    struct set_report rep;
    struct err err;
    size_t len, byte;
    int bit;

    uint8_t *page = flipped_page(rec, 0x05, true, &len, &byte, &bit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert(rep.sent);
    cr_assert(rep.verified);
    cr_assert_eq(rep.nunapplied, 1);
    cr_assert_eq(rep.unapplied[0].offset, byte);
    cr_assert_eq(rep.unapplied[0].sent, page[byte]);
    cr_assert_eq(rep.unapplied[0].got, page[byte] ^ (1u << bit));
    cr_assert_eq(rep.unapplied[0].where, MODE_REQUEST_CURRENT);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

Test(recorder, supported_pages_are_sorted_with_lengths_and_savable,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    static const uint8_t want[] = { 0x01, 0x03, 0x05, 0x08, 0x0d,
                                    0x0e, 0x1a, 0x1c, 0x1d, 0x2a };
    struct mode_page_info *pages;
    size_t count;
    struct err err;

    err_clear(&err);
    cr_assert_eq(recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT,
                                                   &pages, &count, &err),
                 0, "%s", err.msg);
    cr_assert_eq(count, sizeof want);
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(pages[i].code, want[i]);
        cr_assert_geq(pages[i].length, 2);
    }
    cr_assert_eq(pages[2].length, 0x34);
    free(pages);
    recorder_free(rec);
}

Test(recorder, atapi_drive_without_page_3f_is_asked_page_by_page,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:cd-atapi", NULL);
    struct mode_page_info *pages;
    size_t count;
    struct err err;

    err_clear(&err);
    cr_assert_eq(recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT,
                                                   &pages, &count, &err),
                 0, "%s", err.msg);
    cr_assert_eq(count, 3);
    cr_assert_eq(pages[0].code, 0x01);
    cr_assert_eq(pages[0].length, 8, "the ATAPI drive's page 01 is short");
    cr_assert_eq(pages[1].code, 0x0e);
    cr_assert_eq(pages[2].code, 0x2a);
    free(pages);

    /* No changeable values, no saved values. */
    cr_assert_eq(recorder_get_supported_mode_pages(rec, MODE_REQUEST_CHANGEABLE,
                                                   &pages, &count, &err),
                 -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
    uint8_t *page;
    size_t len;
    err_clear(&err);
    cr_assert_eq(recorder_get_mode_page(rec, 0x01, 0, MODE_REQUEST_SAVED, &page,
                                        &len, &err),
                 -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
    recorder_free(rec);
}

Test(recorder, atapi_drive_refuses_mode_select_as_an_unknown_command,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:cd-atapi", NULL);
    struct set_report rep;
    struct err err;
    size_t len;
    uint8_t *page = get_page(rec, 0x01, MODE_REQUEST_CURRENT, &len);

    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, resend, &rep, &err), -1);
    cr_assert_eq(err.hr, E_FAIL);
    struct sense s;
    cr_assert(sense_decode(err.sense, err.sense_len, &s));
    cr_assert_eq(err.sense[0], 0xf0, "ATAPI sense response code kept raw");
    cr_assert_eq(s.asc, 0x20);
    cr_assert_not_null(strstr(err.msg, "the drive does not support MODE "
                                       "SELECT(10)"),
                       "%s", err.msg);
    cr_assert_not_null(strstr(rep.notice, "not checked"), "%s", rep.notice);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

Test(recorder, another_process_holding_the_drive_gets_locked_with_owner,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *holder = open_drive("emu:dvd-writer", NULL);
    struct recorder *other = open_drive("emu:dvd-writer?fault=latency:0", NULL);
    struct set_report rep;
    struct err err;
    size_t len;

    err_clear(&err);
    cr_assert_eq(recorder_acquire_exclusive(holder, &err), 0, "%s", err.msg);
    uint8_t *page = get_page(other, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert_eq(
        set_page(other, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err),
        -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_LOCKED);
    cr_assert_not_null(strstr(err.msg, "modecon test (pid "), "%s", err.msg);
    recorder_release_exclusive(holder);
    cr_assert_eq(
        set_page(other, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    set_report_fini(&rep);
    free(page);
    recorder_free(other);
    recorder_free(holder);
}

/* The trace file's text; the caller frees it. */
static char *
trace_text(const char *path)
{
    struct err err;
    err_clear(&err);
    char *text = atomicfile_read(path, 1 << 24, NULL, &err);
    cr_assert_not_null(text, "%s", err.msg);
    return text;
}

static size_t
count_in(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(recorder, unit_attention_after_another_change_is_retried_once,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *trace_path = testutil_write_file("b.jsonl", "");
    struct err err;
    struct trace *trace = trace_open(trace_path, &err);
    struct recorder *a = open_drive("emu:dvd-writer", NULL);
    struct recorder *b = open_drive("emu:dvd-writer", trace);
    struct set_report rep;
    size_t len, byte;
    int bit;

    uint8_t *page = flipped_page(a, 0x08, true, &len, &byte, &bit);
    cr_assert_eq(
        set_page(a, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    set_report_fini(&rep);
    /* b's next command meets 06/2A/01 once; the engine retries it. */
    uint8_t *seen = get_page(b, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert_eq(seen[byte], page[byte]);
    char *text = trace_text(trace_path);
    cr_assert_eq(count_in(text, "\"cdb\":\"5a"), 2, "%s", text);
    cr_assert_eq(count_in(text, "00 00 00 00 2a 01 00"), 1, "%s", text);
    free(text);
    free(seen);
    free(page);
    recorder_free(a);
    recorder_free(b);
    trace_close(trace);
    free(trace_path);
}

Test(recorder, mode_select_meeting_a_parameter_change_is_not_retried,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *trace_path = testutil_write_file("t.jsonl", "");
    struct err err;
    struct trace *trace = trace_open(trace_path, &err);
    struct recorder *rec =
        open_drive("emu:dvd-writer?fault=sense:06/2a/01@55*1", trace);
    struct set_report rep;
    size_t len, byte;
    int bit;

    /* Retrying would write values read before another initiator's change
     * over that change. */
    uint8_t *page = flipped_page(rec, 0x08, true, &len, &byte, &bit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_FAIL);
    cr_assert_not_null(strstr(err.msg, "changed after they were read, so "
                                       "nothing was applied"),
                       "%s", err.msg);
    cr_assert_not(rep.sent);
    char *text = trace_text(trace_path);
    cr_assert_eq(count_in(text, "\"cdb\":\"55"), 1, "%s", text);
    free(text);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
    trace_close(trace);
    free(trace_path);
}

Test(recorder, page_header_unlike_the_drives_is_refused,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len;
    uint8_t *page = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);

    /* The same bytes claimed as sub_page format: every offset shifts. */
    uint8_t spf[12] = { 0x48, 0x00, 0x00, 0x08 };
    memcpy(spf + 4, page + 2, 8);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, spf, 12, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
    cr_assert_not_null(strstr(err.msg, "page header 48 00 does not match "
                                       "the drive's"),
                       "%s", err.msg);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

Test(recorder, subpages_are_listed,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *path = testutil_write_file(
        "subpages.json",
        "{ \"modecon_drive\": 1,\n"
        "  \"inquiry\": { \"peripheral_device_type\": 5, \"vendor\": "
        "\"TEST\", \"product\": \"SUBPAGES\", \"revision\": \"1\" },\n"
        "  \"mode_pages\": [\n"
        "    { \"page\": \"0x0a\", \"current\": \"0a 0a 02 00 00 80 00 00 "
        "00 00 02 4b\" },\n"
        "    { \"page\": \"0x0a\", \"subpage\": \"0x01\", \"current\": "
        "\"4a 01 00 1c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 00 00 00 00 00 00 00 00 00 00\" } ] }\n");
    char *uri = malloc(strlen(path) + 8);
    sprintf(uri, "emu:%s", path);
    struct recorder *rec = open_drive(uri, NULL);
    struct mode_page_info *pages;
    size_t count;
    struct err err;

    err_clear(&err);
    cr_assert_eq(recorder_get_supported_mode_pages(rec, MODE_REQUEST_CURRENT,
                                                   &pages, &count, &err),
                 0, "%s", err.msg);
    cr_assert_eq(count, 2);
    cr_assert_eq(pages[0].code, 0x0a);
    cr_assert_eq(pages[0].subpage, 0x00);
    cr_assert_eq(pages[1].code, 0x0a);
    cr_assert_eq(pages[1].subpage, 0x01);
    cr_assert_eq(pages[1].length, 32);
    free(pages);
    recorder_free(rec);
    free(uri);
    free(path);
}

Test(recorder, one_drive_spelt_two_ways_is_locked_as_one,
     .init = (void (*)(void))testutil_fresh_state)
{
    const char *state = getenv("XDG_STATE_HOME");
    char plain[512], doubled[512], *copy_cmd;
    struct set_report rep;
    struct err err;
    size_t len;

    snprintf(plain, sizeof plain, "emu:%s/d.json", state);
    snprintf(doubled, sizeof doubled, "emu:%s//./d.json", state);
    copy_cmd = malloc(strlen(MODECON_SOURCE_DATADIR) + strlen(state) + 64);
    sprintf(copy_cmd, "cp %s/drives/dvd-writer.json %s/d.json",
            MODECON_SOURCE_DATADIR, state);
    cr_assert_eq(system(copy_cmd), 0);
    free(copy_cmd);

    struct recorder *holder = open_drive(plain, NULL);
    struct recorder *other = open_drive(doubled, NULL);
    err_clear(&err);
    cr_assert_eq(recorder_acquire_exclusive(holder, &err), 0, "%s", err.msg);
    uint8_t *page = get_page(other, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert_eq(
        set_page(other, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err),
        -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_LOCKED, "%s", err.msg);
    set_report_fini(&rep);
    recorder_release_exclusive(holder);
    free(page);
    recorder_free(other);
    recorder_free(holder);
}

/* Faults: the HRESULT each injected failure turns into. */
struct fault_case {
    const char *uri;
    uint32_t hr;
};

static void
expect_get_fails(const char *uri, uint32_t hr)
{
    struct recorder *rec = open_drive(uri, NULL);
    struct err err;
    uint8_t *page = NULL;
    size_t len;

    err_clear(&err);
    cr_assert_eq(recorder_get_mode_page(rec, 0x05, 0, MODE_REQUEST_CURRENT,
                                        &page, &len, &err),
                 -1, "%s should fail", uri);
    cr_assert_eq(err.hr, hr, "%s: got 0x%08X (%s)", uri, err.hr, err.msg);
    cr_assert_null(page);
    recorder_free(rec);
}

/* TEST UNIT READY cannot tell a write-protected disc; the WP bit of the
 * mode parameter header can, where the drive answers page 3F. */
Test(recorder, media_state_reads_write_protection_from_the_header,
     .init = (void (*)(void))testutil_fresh_state)
{
    static const char present[] = "\"state\": \"present\"";
    static const char protected[] = "\"state\": \"write-protected\"";
    struct {
        char *uri;
        enum media_state want;
    } cases[] = {
        { xstrdup("emu:dvd-writer"), MEDIA_READY },
        { testutil_drive_variant("dvd-writer", "wp.json", present, protected),
          MEDIA_WRITE_PROTECTED },
        /* Refuses page 3F, like QEMU's ide-cd: unknown, so "ready". */
        { testutil_drive_variant("cd-atapi", "wp-atapi.json", present,
                                 protected),
          MEDIA_READY },
        { xstrdup("emu:dvd-writer?fault=sense:02/3a/00@00"), MEDIA_NONE },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct recorder *rec = open_drive(cases[i].uri, NULL);
        enum media_state state;
        int progress;
        struct err err;

        err_clear(&err);
        cr_assert_eq(recorder_media_state(rec, &state, &progress, &err), 0,
                     "%s: %s", cases[i].uri, err.msg);
        cr_assert_eq(state, cases[i].want, "%s: %s, expected %s", cases[i].uri,
                     media_state_name(state), media_state_name(cases[i].want));
        cr_assert_eq(progress, -1);
        recorder_free(rec);
        free(cases[i].uri);
    }
}

Test(recorder, faults_map_to_their_hresults,
     .init = (void (*)(void))testutil_fresh_state)
{
    static const struct fault_case cases[] = {
        { "emu:dvd-writer?fault=sense:02/3a/00",
          E_IMAPI_RECORDER_MEDIA_NO_MEDIA },
        { "emu:dvd-writer?fault=sense:02/04/04",
          E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS },
        { "emu:dvd-writer?fault=sense:02/04/08", E_IMAPI_RECORDER_MEDIA_BUSY },
        { "emu:dvd-writer?fault=sense:02/04/07", E_IMAPI_RECORDER_MEDIA_BUSY },
        { "emu:dvd-writer?fault=sense:02/30/10",
          E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED },
        { "emu:dvd-writer?fault=sense:05/30/00",
          E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE },
        { "emu:dvd-writer?fault=sense:07/27/00",
          E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED },
        { "emu:dvd-writer?fault=sense:05/24/00@5a",
          E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
        { "emu:dvd-writer?fault=sense:05/39/00",
          E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
        { "emu:dvd-writer?fault=sense:04/44/00", E_FAIL },
        { "emu:dvd-writer?fault=sense:06/29/00", E_FAIL },
        { "emu:dvd-writer?fault=status:18", E_IMAPI_RECORDER_LOCKED },
        { "emu:dvd-writer?fault=status:08", E_FAIL },
        { "emu:dvd-writer?fault=timeout", E_IMAPI_RECORDER_COMMAND_TIMEOUT },
        { "emu:dvd-writer?fault=gone", HRESULT_ERROR_DEV_NOT_EXIST },
        { "emu:dvd-writer?fault=garbage",
          E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE },
        { "emu:dvd-writer?fault=garbage:truncated",
          E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE },
        { "emu:dvd-writer?fault=garbage:short",
          E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE },
        { "emu:dvd-writer?fault=garbage:page",
          E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE },
        { "emu:dvd-writer?fault=garbage:bdlen",
          E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE },
        { "emu:dvd-writer?fault=sense:02/04/01",
          E_IMAPI_RECORDER_MEDIA_BECOMING_READY },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_get_fails(cases[i].uri, cases[i].hr);
}

Test(recorder, passing_conditions_are_retried_until_the_command_succeeds,
     .init = (void (*)(void))testutil_fresh_state)
{
    static const char *const uris[] = {
        /* one UNIT ATTENTION, then a drive becoming ready twice */
        "emu:dvd-writer?fault=sense:06/29/00*1,sense:02/04/01*2",
        /* two different UNIT ATTENTIONs queued */
        "emu:dvd-writer?fault=sense:06/29/00*1,sense:06/28/00*1",
    };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct recorder *rec = open_drive(uris[i], NULL);
        size_t len;
        uint8_t *page = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len);
        cr_assert_eq(page[0] & 0x3f, 5, "%s", uris[i]);
        free(page);
        recorder_free(rec);
    }
}

Test(recorder, write_faults_during_mode_select,
     .init = (void (*)(void))testutil_fresh_state)
{
    static const struct fault_case cases[] = {
        { "emu:dvd-writer?fault=sense:07/27/00@55",
          E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED },
        { "emu:dvd-writer?fault=sense:03/0c/09@55", E_IMAPI_LOSS_OF_STREAMING },
        { "emu:dvd-writer?fault=sense:05/26/00@55",
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { "emu:dvd-writer?fault=sense:05/1a/00@55",
          E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
        { "emu:dvd-writer?fault=gone@55", HRESULT_ERROR_DEV_NOT_EXIST },
        { "emu:dvd-writer?fault=timeout@55", E_IMAPI_RECORDER_COMMAND_TIMEOUT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct recorder *rec = open_drive(cases[i].uri, NULL);
        struct set_report rep;
        struct err err;
        size_t len;
        uint8_t *page = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);

        cr_assert_eq(
            set_page(rec, MODE_REQUEST_CURRENT, page, len, resend, &rep, &err),
            -1, "%s", cases[i].uri);
        cr_assert_eq(err.hr, cases[i].hr, "%s: 0x%08X %s", cases[i].uri, err.hr,
                     err.msg);
        cr_assert_not(rep.sent);
        if (!err.has_scsi)
            cr_assert_not_null(strstr(err.msg, "may or may not"), "%s",
                               err.msg);
        set_report_fini(&rep);
        free(page);
        recorder_free(rec);
    }
}

Test(recorder, read_back_failure_after_a_good_select_is_an_error,
     .init = (void (*)(void))testutil_fresh_state)
{
    /* MODE SENSE answers twice (current and changeable values), MODE
     * SELECT is applied, then the read-back meets a vanished drive. */
    struct recorder *rec = open_drive("emu:dvd-writer?fault=gone@5a+2", NULL);
    struct set_report rep;
    struct err err;
    size_t len, byte;
    int bit;
    uint8_t *page;

    {
        struct recorder *plain = open_drive("emu:dvd-writer", NULL);
        find_bit(plain, 0x08, true, &byte, &bit);
        page = get_page(plain, 0x08, MODE_REQUEST_CURRENT, &len);
        recorder_free(plain);
    }
    page[byte] ^= (uint8_t)(1u << bit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), -1);
    cr_assert_eq(err.hr, HRESULT_ERROR_DEV_NOT_EXIST);
    cr_assert(rep.sent, "the change went out and was accepted");
    cr_assert_not(rep.verified);
    cr_assert_not_null(strstr(err.msg, "reading it back failed"), "%s",
                       err.msg);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

static int
count_select(void *arg, struct recorder *rec, const struct select_event *ev,
             struct err *err)
{
    (void)rec;
    (void)ev;
    (void)err;
    ++*(int *)arg;
    return 0;
}

Test(recorder, current_values_held_already_are_not_sent,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    int selects = 0;
    struct recorder_hooks hooks = { .before_select = count_select,
                                    .arg = &selects };
    struct set_report rep;
    struct err err;
    size_t len;
    uint8_t *page = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);

    recorder_set_hooks(rec, &hooks);
    /* PS as MODE SENSE reports it is no change. */
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert(rep.unchanged);
    cr_assert_not(rep.sent);
    cr_assert_eq(selects, 0, "no MODE SELECT may go out");
    set_report_fini(&rep);
    /* Saving them is a request of its own. */
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_SAVED, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert_not(rep.unchanged);
    cr_assert(rep.sent);
    cr_assert_eq(selects, 1);
    set_report_fini(&rep);
    /* And so is a change. */
    page[2] ^= 0x04;
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert(rep.sent);
    cr_assert_eq(selects, 2);
    set_report_fini(&rep);
    free(page);
    recorder_free(rec);
}

/* A page goes in one MODE SELECT(10): with its 8-byte header, at most
 * 65535 bytes of parameter list, so a page of 65527 bytes and no more.
 * The one past is refused before the drive is asked anything. */
Test(recorder, page_length_up_to_what_one_mode_select_carries,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);

    for (size_t len = 65527; len <= 65528; len++) {
        /* A subpage page (4-byte header) whose length field agrees. */
        uint8_t *page = xcalloc(1, len);
        page[0] = 0x40 | 0x30;
        page[1] = 0x01;
        page[2] = (uint8_t)((len - 4) >> 8);
        page[3] = (uint8_t)(len - 4);
        struct set_report rep;
        struct err err;
        cr_assert_eq(
            set_page(rec, MODE_REQUEST_CURRENT, page, len, verify, &rep, &err),
            -1);
        if (len == 65527)
            cr_assert_null(strstr(err.msg, "more than one MODE SELECT"),
                           "%zu bytes: %s", len, err.msg);
        else
            cr_assert_not_null(strstr(err.msg, "65528 bytes is more than one "
                                               "MODE SELECT(10) carries"),
                               "%s", err.msg);
        cr_assert(!rep.sent);
        set_report_fini(&rep);
        free(page);
    }
    recorder_free(rec);
}

/* The commands in a trace whose CDB starts with opcode 'op' ("12"). */
static size_t
count_opcode(const char *trace_path, const char *op)
{
    struct err err;
    char needle[32];
    size_t n = 0;

    err_clear(&err);
    char *text = atomicfile_read(trace_path, 1 << 24, NULL, &err);
    cr_assert_not_null(text, "%s", err.msg);
    snprintf(needle, sizeof needle, "\"cdb\":\"%s ", op);
    for (char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    free(text);
    return n;
}

Test(recorder, identity_is_asked_once_and_again_after_a_power_on,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *trace_path = testutil_write_file("trace.jsonl", "");
    struct err err;
    struct trace *trace = trace_open(trace_path, &err);
    /* The second MODE SENSE meets a power-on UNIT ATTENTION (29h). */
    struct recorder *rec =
        open_drive("emu:dvd-writer?fault=sense:06/29/00@5a+1*1", trace);
    struct scsi_identity id;
    size_t len;

    err_clear(&err);
    cr_assert_eq(recorder_inquiry(rec, &id, &err), 0, "%s", err.msg);
    cr_assert_eq(recorder_inquiry(rec, &id, &err), 0, "%s", err.msg);
    free(get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len));
    cr_assert_eq(count_opcode(trace_path, "12"), 1, "asked once");
    cr_assert_not_null(recorder_known_identity(rec));
    free(get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len));
    cr_assert_null(recorder_known_identity(rec),
                   "a power on may bring another identity");
    cr_assert_eq(recorder_inquiry(rec, &id, &err), 0, "%s", err.msg);
    cr_assert_eq(count_opcode(trace_path, "12"), 2, "asked again");
    cr_assert_str_eq(id.product, "DVD-RW WRITER");
    recorder_free(rec);
    trace_close(trace);
    free(trace_path);
}

Test(recorder, mode_sense_answers_are_kept_only_while_the_drive_is_held,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *trace_path = testutil_write_file("trace.jsonl", "");
    struct err err;
    struct trace *trace = trace_open(trace_path, &err);
    struct recorder *rec = open_drive("emu:dvd-writer", trace);
    size_t len;

    free(get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len));
    free(get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len));
    cr_assert_eq(count_opcode(trace_path, "5a"), 2,
                 "not held: asked each time");
    free(get_page(rec, 0x08, MODE_REQUEST_CHANGEABLE, &len));
    free(get_page(rec, 0x08, MODE_REQUEST_CHANGEABLE, &len));
    cr_assert_eq(count_opcode(trace_path, "5a"), 3, "changeable values kept");
    err_clear(&err);
    cr_assert_eq(recorder_acquire_exclusive(rec, &err), 0, "%s", err.msg);
    free(get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len));
    free(get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len));
    cr_assert_eq(count_opcode(trace_path, "5a"), 4, "held: asked once");
    recorder_release_exclusive(rec);
    free(get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len));
    cr_assert_eq(count_opcode(trace_path, "5a"), 5, "released: asked again");
    recorder_free(rec);
    trace_close(trace);
    free(trace_path);
}

/* Another initiator (a second opener of the emulated drive, past the
 * lock as a program on another host is) changes the page while this
 * recorder holds the drive and keeps its values: the MODE SELECT built
 * from them is refused by the drive's UNIT ATTENTION, nothing is applied
 * over the other change, and the next read sees it. */
Test(recorder, another_initiators_change_drops_the_kept_values,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct recorder *other = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len, byte, mine_byte;
    int bit, mine_bit;

    err_clear(&err);
    cr_assert_eq(recorder_acquire_exclusive(rec, &err), 0, "%s", err.msg);
    uint8_t *mine = flipped_page(rec, 0x08, true, &len, &mine_byte, &mine_bit);
    /* The other initiator's change, of the same bit, straight to the
     * drive. */
    uint8_t *theirs = flipped_page(other, 0x08, true, &len, &byte, &bit);
    uint8_t list[64] = { 0 };
    struct scsi_io io = { 0 };
    memcpy(list + MODE_HEADER10_LEN, theirs, len);
    list[MODE_HEADER10_LEN] &= (uint8_t)~MODE_PAGE_PS;
    scsi_build_mode_select10(&io, false, list,
                             (uint16_t)(MODE_HEADER10_LEN + len));
    cr_assert_eq(transport_exec(recorder_transport(other), &io, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(io.status, 0);
    /* Kept: read again without asking the drive. */
    size_t again_len;
    uint8_t *again = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &again_len);
    cr_assert_neq(again[byte] & (1u << bit), theirs[byte] & (1u << bit));
    free(again);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, mine, len, resend, &rep, &err), -1);
    cr_assert_not_null(strstr(err.msg, "mode parameters changed after they "
                                       "were read, so nothing was applied"),
                       "%s", err.msg);
    set_report_fini(&rep);
    again = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &again_len);
    cr_assert_eq(again[byte], theirs[byte], "the other change is seen");
    recorder_release_exclusive(rec);
    free(again);
    free(mine);
    free(theirs);
    recorder_free(other);
    recorder_free(rec);
}

/* The simulation (recorder_simulate): a dry run's page, applied to the
 * overlay, is what the next dry run reads; nothing reaches the drive. */

static const struct set_options dry = { .dry_run = true, .verify = true };

/* A dry run of 'page' as 'rt' values that must pass. */
static void
dry_set(struct recorder *rec, enum mode_request rt, const uint8_t *page,
        size_t len, struct set_options opts)
{
    struct set_report rep;
    struct err err;

    opts.dry_run = true;
    cr_assert_eq(set_page(rec, rt, page, len, opts, &rep, &err), 0, "%s",
                 err.msg);
    cr_assert(!rep.sent);
    set_report_fini(&rep);
}

static void
assert_page(struct recorder *rec, uint8_t code, enum mode_request rt,
            const uint8_t *want, size_t len, const char *what)
{
    size_t got_len;
    uint8_t *got = get_page(rec, code, rt, &got_len);

    cr_assert_eq(got_len, len, "%s: %zu bytes", what, got_len);
    cr_assert_arr_eq(got, want, len, "%s", what);
    free(got);
}

Test(recorder, simulated_dry_runs_build_on_one_another_and_send_nothing,
     .init = (void (*)(void))testutil_fresh_state)
{
    char *trace_path = testutil_write_file("trace.jsonl", "");
    struct err err;
    struct trace *trace = trace_open(trace_path, &err);
    struct recorder *rec = open_drive("emu:dvd-writer", trace);
    size_t len, byte, byte2;
    int bit;
    uint8_t *drive = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len);
    uint8_t *chg0 = get_page(rec, 0x05, MODE_REQUEST_CHANGEABLE, &len);
    uint8_t *dflt0 = get_page(rec, 0x05, MODE_REQUEST_DEFAULT, &len);
    uint8_t *first = flipped_page(rec, 0x05, true, &len, &byte, &bit);

    /* Not simulating, a dry run leaves nothing behind. */
    cr_assert(!recorder_simulating(rec));
    dry_set(rec, MODE_REQUEST_CURRENT, first, len, dry);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, drive, len, "not simulating");

    recorder_simulate(rec, true);
    cr_assert(recorder_simulating(rec));
    dry_set(rec, MODE_REQUEST_CURRENT, first, len, dry);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, first, len, "the dry run's");
    /* The next one reads the first's page and builds on it. */
    uint8_t *second = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len);
    for (byte2 = byte + 1; byte2 < len && chg0[byte2] == 0; byte2++)
        ;
    cr_assert_lt(byte2, len, "a second changeable byte");
    /* Its lowest changeable bit. */
    second[byte2] ^= (uint8_t)(chg0[byte2] & -chg0[byte2]);
    dry_set(rec, MODE_REQUEST_CURRENT, second, len, dry);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, second, len, "both");
    cr_assert_neq(second[byte] & (1u << bit), drive[byte] & (1u << bit));
    /* The same page again changes nothing: no MODE SELECT to show. */
    struct set_report rep;
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, second, len, dry, &rep, &err), 0,
        "%s", err.msg);
    cr_assert(rep.unchanged);
    set_report_fini(&rep);
    /* Changeable and default values are the drive's. */
    assert_page(rec, 0x05, MODE_REQUEST_CHANGEABLE, chg0, len, "changeable");
    assert_page(rec, 0x05, MODE_REQUEST_DEFAULT, dflt0, len, "default");

    /* A preview (diff's) shows and leaves the overlay as it was. */
    uint8_t *third = xmalloc(len);
    memcpy(third, second, len);
    third[byte] ^= (uint8_t)(1u << bit);
    struct set_options preview = dry;
    preview.preview = true;
    dry_set(rec, MODE_REQUEST_CURRENT, third, len, preview);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, second, len, "previewed");
    free(third);
    /* Not simulating, the drive is read: it holds what it held. */
    recorder_simulate(rec, false);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, drive, len, "the drive's");
    struct recorder *other = open_drive("emu:dvd-writer", NULL);
    assert_page(other, 0x05, MODE_REQUEST_CURRENT, drive, len, "another's");
    recorder_free(other);
    cr_assert_eq(count_opcode(trace_path, "55"), 0, "no MODE SELECT");
    /* Kept while not simulating, until dropped. */
    recorder_simulate(rec, true);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, second, len, "kept");
    recorder_simulation_drop(rec);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, drive, len, "dropped");
    free(second);
    free(first);
    free(dflt0);
    free(chg0);
    free(drive);
    recorder_free(rec);
    trace_close(trace);
    free(trace_path);
}

/* A forced dry run is applied as a drive applies it: its changeable bits
 * only; a page of another length not at all. */
Test(recorder, simulated_dry_run_applies_only_changeable_bits,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    size_t len, cbyte, lbyte;
    int cbit, lbit;
    uint8_t *drive = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len);
    uint8_t *page = flipped_page(rec, 0x05, true, &len, &cbyte, &cbit);
    find_bit(rec, 0x05, false, &lbyte, &lbit);
    page[lbyte] ^= (uint8_t)(1u << lbit);

    recorder_simulate(rec, true);
    struct set_options forced = dry;
    forced.force = true;
    dry_set(rec, MODE_REQUEST_CURRENT, page, len, forced);
    uint8_t *want = xmalloc(len);
    memcpy(want, drive, len);
    want[cbyte] ^= (uint8_t)(1u << cbit);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, want, len,
                "the changeable bit taken, the locked one not");
    /* One byte short (forced past the length check): nothing taken. */
    page[1]--;
    want[cbyte] ^= (uint8_t)(1u << cbit);
    page[cbyte] = want[cbyte];
    dry_set(rec, MODE_REQUEST_CURRENT, page, len - 1, forced);
    want[cbyte] ^= (uint8_t)(1u << cbit);
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, want, len, "unchanged");
    free(want);
    free(page);
    free(drive);
    recorder_free(rec);
}

/* SP=1 saves every savable page's current values (SPC-4 6.11): the
 * page's own, those the overlay holds, and those of the drive. */
Test(recorder, simulated_save_saves_every_savable_page,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    size_t len08, len01, len1c, byte;
    int bit;

    recorder_simulate(rec, true);
    /* The caching page's current values change, unsaved. */
    uint8_t *caching = flipped_page(rec, 0x08, true, &len08, &byte, &bit);
    dry_set(rec, MODE_REQUEST_CURRENT, caching, len08, dry);
    uint8_t *saved08 = get_page(rec, 0x08, MODE_REQUEST_SAVED, &len08);
    cr_assert_neq(saved08[byte], caching[byte], "not saved yet");
    free(saved08);
    /* Page 1c, which no dry run changed: saved as the drive holds it. */
    uint8_t *current1c = get_page(rec, 0x1c, MODE_REQUEST_CURRENT, &len1c);
    /* Page 01 saved. */
    uint8_t *p01 = flipped_page(rec, 0x01, true, &len01, &byte, &bit);
    dry_set(rec, MODE_REQUEST_SAVED, p01, len01, dry);
    assert_page(rec, 0x01, MODE_REQUEST_CURRENT, p01, len01, "01 current");
    assert_page(rec, 0x01, MODE_REQUEST_SAVED, p01, len01, "01 saved");
    assert_page(rec, 0x08, MODE_REQUEST_SAVED, caching, len08, "08 saved");
    assert_page(rec, 0x1c, MODE_REQUEST_SAVED, current1c, len1c,
                "1c saved: the drive's current values");
    /* Write parameters cannot be saved: their saved values are the
     * drive's (its defaults). */
    size_t len05, dlen;
    uint8_t *saved05 = get_page(rec, 0x05, MODE_REQUEST_SAVED, &len05);
    recorder_simulate(rec, false);
    uint8_t *drive05 = get_page(rec, 0x05, MODE_REQUEST_SAVED, &dlen);
    cr_assert_arr_eq(saved05, drive05, len05);
    free(drive05);
    free(saved05);
    free(current1c);
    free(p01);
    free(caching);
    recorder_free(rec);
}

/* What goes out is checked against the drive, and the page it sends
 * leaves the overlay; the other pages' simulation stays. */
Test(recorder, real_mode_select_checks_the_drive_and_drops_its_page,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len08, len05, byte08, byte05;
    int bit08, bit05;

    recorder_simulate(rec, true);
    uint8_t *drive08 = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len08);
    uint8_t *chg08 = get_page(rec, 0x08, MODE_REQUEST_CHANGEABLE, &len08);
    uint8_t *caching = flipped_page(rec, 0x08, true, &len08, &byte08, &bit08);
    uint8_t *wp = flipped_page(rec, 0x05, true, &len05, &byte05, &bit05);
    dry_set(rec, MODE_REQUEST_CURRENT, caching, len08, dry);
    dry_set(rec, MODE_REQUEST_CURRENT, wp, len05, dry);
    /* Built on the overlay, sent for real: the drive's page differs from
     * the one it was built on, so it is refused and nothing goes out. */
    struct set_options real = verify;
    real.based_on = caching;
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, caching, len08, real, &rep, &err),
        -1);
    cr_assert(!rep.sent);
    cr_assert_not_null(strstr(err.msg, "changed since it was read"), "%s",
                       err.msg);
    set_report_fini(&rep);
    /* The drive's page with another changeable bit flipped than the dry
     * run's: checked against the drive, sent, and then read from it. */
    uint8_t *other = xmalloc(len08);
    memcpy(other, drive08, len08);
    int obit = -1;
    for (int b = 0; b < 8 && obit < 0; b++)
        if ((chg08[byte08] >> b & 1) && b != bit08)
            obit = b;
    cr_assert_geq(obit, 0, "a second changeable bit in byte %zu", byte08);
    other[byte08] ^= (uint8_t)(1u << obit);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, other, len08, verify, &rep, &err),
        0, "%s", err.msg);
    cr_assert(rep.sent);
    cr_assert_eq(rep.nunapplied, 0);
    set_report_fini(&rep);
    assert_page(rec, 0x08, MODE_REQUEST_CURRENT, other, len08,
                "the drive's page, not the dry run's");
    assert_page(rec, 0x05, MODE_REQUEST_CURRENT, wp, len05, "05 simulated");
    free(other);
    free(wp);
    free(caching);
    free(chg08);
    free(drive08);
    recorder_free(rec);
}

/* Another initiator's change (MODE PARAMETERS CHANGED) says the pages
 * changed under the dry runs: they build on the drive as it is. */
Test(recorder, mode_parameters_changed_drops_the_simulation,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct recorder *other = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len, byte;
    int bit;

    recorder_simulate(rec, true);
    uint8_t *mine = flipped_page(rec, 0x05, true, &len, &byte, &bit);
    dry_set(rec, MODE_REQUEST_CURRENT, mine, len, dry);
    size_t cbyte;
    int cbit;
    uint8_t *theirs = flipped_page(other, 0x08, true, &len, &cbyte, &cbit);
    cr_assert_eq(
        set_page(other, MODE_REQUEST_CURRENT, theirs, len, verify, &rep, &err),
        0, "%s", err.msg);
    set_report_fini(&rep);
    recorder_free(other);
    /* The next command meets the UNIT ATTENTION: page 05 is the drive's
     * again, though the change was of another page. */
    size_t len05;
    uint8_t *now = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len);
    cr_assert_arr_eq(now, theirs, len);
    free(now);
    cr_assert_eq(recorder_mode_attentions(rec), 1);
    now = get_page(rec, 0x05, MODE_REQUEST_CURRENT, &len05);
    cr_assert_neq(now[byte] & (1u << bit), mine[byte] & (1u << bit),
                  "the simulation is dropped");
    free(now);
    free(theirs);
    free(mine);
    recorder_free(rec);
}

/* What a dry run's SP=1 saved stays saved when the page's current values
 * change afterwards, by a dry run or by a MODE SELECT sent to the drive
 * (which leaves the saved values). */
Test(recorder, simulated_save_keeps_what_it_saved,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct recorder *rec = open_drive("emu:dvd-writer", NULL);
    struct set_report rep;
    struct err err;
    size_t len01, len08, len1c, byte, byte1c;
    int bit, bit1c;

    recorder_simulate(rec, true);
    uint8_t *p01 = flipped_page(rec, 0x01, true, &len01, &byte, &bit);
    uint8_t *was08 = get_page(rec, 0x08, MODE_REQUEST_CURRENT, &len08);
    uint8_t *was1c = get_page(rec, 0x1c, MODE_REQUEST_CURRENT, &len1c);
    dry_set(rec, MODE_REQUEST_SAVED, p01, len01, dry);
    /* A dry run changes page 08's current values after the save. */
    uint8_t *p08 = flipped_page(rec, 0x08, true, &len08, &byte, &bit);
    dry_set(rec, MODE_REQUEST_CURRENT, p08, len08, dry);
    assert_page(rec, 0x08, MODE_REQUEST_CURRENT, p08, len08, "08 current");
    assert_page(rec, 0x08, MODE_REQUEST_SAVED, was08, len08,
                "08 saved: as it was saved");
    /* A MODE SELECT sent changes page 1c's current values on the drive. */
    uint8_t *p1c = flipped_page(rec, 0x1c, true, &len1c, &byte1c, &bit1c);
    cr_assert_eq(
        set_page(rec, MODE_REQUEST_CURRENT, p1c, len1c, verify, &rep, &err), 0,
        "%s", err.msg);
    cr_assert(rep.sent);
    set_report_fini(&rep);
    assert_page(rec, 0x1c, MODE_REQUEST_CURRENT, p1c, len1c, "1c current");
    assert_page(rec, 0x1c, MODE_REQUEST_SAVED, was1c, len1c,
                "1c saved: as the dry run saved it");
    free(p1c);
    free(p08);
    free(was1c);
    free(was08);
    free(p01);
    recorder_free(rec);
}
