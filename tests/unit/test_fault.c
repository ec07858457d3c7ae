#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "transport/fault.h"
#include "transport/transport.h"

static struct transport *
open_uri(const char *uri)
{
    struct transport *tp;
    struct err err;

    err_clear(&err);
    cr_assert_eq(transport_open(uri, NULL, &tp, &err), 0, "%s: %s", uri,
                 err.msg);
    return tp;
}

/* TEST UNIT READY; returns the ASC of the answer, 0 when GOOD, -1 when no
 * status came back. */
static int
tur(struct transport *tp, struct err *err)
{
    struct scsi_io io = { .cdb = { 0x00 }, .cdb_len = 6, .dir = XFER_NONE };

    err_clear(err);
    if (transport_exec(tp, &io, err) != 0)
        return -1;
    return io.status == SCSI_STATUS_GOOD ? 0 : io.sense[12];
}

Test(fault, bad_specs_are_usage_errors_naming_the_spec,
     .init = (void (*)(void))testutil_fresh_state)
{
    /* Each with the part of its message that says what was expected. */
    static const struct {
        const char *spec, *expected;
    } bad[] = {
        { "sense:2/3a/00", "expected sense:KK/AA/QQ in hex" },
        { "sense:02/3a", "expected sense:KK/AA/QQ in hex" },
        { "sense:zz/3a/00", "expected sense:KK/AA/QQ in hex" },
        { "bogus", "expected one of sense:KK/AA/QQ, status:HH, timeout" },
        { "latency:abc", "expected latency:MS with MS from 0 to 600000" },
        { "latency:", "expected latency:MS" },
        { "timeout:5", "expected no argument after timeout/gone" },
        { "gone:5", "expected no argument after timeout/gone" },
        { "garbage:nope",
          "expected garbage[:length|truncated|short|page|bdlen]" },
        { "gone@zz", "expected a hex opcode after '@'" },
        { "gone*0", "expected a count of 1 or more after '*'" },
        { "gone+x", "expected a number of commands to skip after '+'" },
        { "status:02", "expected status:HH with a hex status other than 00" },
        { "", "expected at least one spec" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char uri[64];
        struct transport *tp = NULL;
        struct err err;

        snprintf(uri, sizeof uri, "emu:dvd-writer?fault=%s", bad[i].spec);
        err_clear(&err);
        cr_assert_eq(transport_open(uri, NULL, &tp, &err), -1, "%s", uri);
        cr_assert(err.usage, "%s", uri);
        cr_assert_not_null(strstr(err.msg, bad[i].expected), "%s: %s", uri,
                           err.msg);
        cr_assert_null(tp);
    }
}

Test(fault, skip_and_count_choose_which_commands_fail,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct transport *tp = open_uri("emu:dvd-writer?fault=sense:02/3a/00+1*2");
    struct err err;

    cr_assert_eq(tur(tp, &err), 0);
    cr_assert_eq(tur(tp, &err), 0x3a);
    cr_assert_eq(tur(tp, &err), 0x3a);
    cr_assert_eq(tur(tp, &err), 0);
    transport_close(tp);
}

Test(fault, opcode_filter_lets_other_commands_through,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct transport *tp = open_uri("emu:dvd-writer?fault=sense:02/3a/00@5a");
    struct err err;

    cr_assert_eq(tur(tp, &err), 0);
    transport_close(tp);
}

Test(fault, a_vanished_device_stays_gone,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct transport *tp = open_uri("emu:dvd-writer?fault=gone+1");
    struct err err;

    cr_assert_eq(tur(tp, &err), 0);
    cr_assert_eq(tur(tp, &err), -1);
    cr_assert_eq(err.hr, HRESULT_ERROR_DEV_NOT_EXIST);
    cr_assert_eq(tur(tp, &err), -1);
    cr_assert_eq(err.hr, HRESULT_ERROR_DEV_NOT_EXIST);
    transport_close(tp);
}

Test(fault, timeout_waits_for_the_commands_timeout,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct transport *tp = open_uri("emu:dvd-writer?fault=timeout");
    struct scsi_io io = {
        .cdb = { 0x00 }, .cdb_len = 6, .dir = XFER_NONE, .timeout_ms = 50
    };
    struct err err;

    err_clear(&err);
    cr_assert_eq(transport_exec(tp, &io, &err), -1);
    cr_assert_eq(err.hr, E_IMAPI_RECORDER_COMMAND_TIMEOUT);
    cr_assert_not_null(strstr(err.msg, "50 ms"), "%s", err.msg);
    transport_close(tp);
}

Test(fault, other_query_parameters_are_refused_by_the_emulator,
     .init = (void (*)(void))testutil_fresh_state)
{
    struct transport *tp = NULL;
    struct err err;

    err_clear(&err);
    cr_assert_eq(transport_open("emu:dvd-writer?fault=gone&fault=timeout", NULL,
                                &tp, &err),
                 -1);
    cr_assert(err.usage);
    cr_assert_eq(transport_open("emu:dvd-writer?foo=1", NULL, &tp, &err), -1);
    cr_assert(err.usage);
    cr_assert_eq(transport_open("nosuch:thing", NULL, &tp, &err), -1);
    cr_assert(err.usage);
    cr_assert_not_null(strstr(err.msg, "emu:NAME"), "%s", err.msg);
}

/* Each number of the grammar at its largest and one past it. */
Test(fault, each_bound_of_the_grammar_holds_at_the_limit_and_not_past_it)
{
    static const struct {
        const char *at, *past;
    } bounds[] = {
        { "gone*1000000", "gone*1000001" },
        { "gone+1000000", "gone+1000001" },
        { "gone@ff", "gone@100" },
        { "latency:600000", "latency:600001" },
        { "sense:0f/ff/ff", "sense:10/00/00" },
        { "status:ff", "status:100" },
        { "gone*1", "gone*0" },
    };
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        struct err err;
        err_clear(&err);
        cr_assert_eq(fault_check(bounds[i].at, &err), 0, "%s: %s", bounds[i].at,
                     err.msg);
        err_clear(&err);
        cr_assert_eq(fault_check(bounds[i].past, &err), -1, "%s",
                     bounds[i].past);
        cr_assert(err.usage, "%s", bounds[i].past);
    }

    /* At most 16 specs in one fault=. */
    char specs[256] = "gone";
    struct err err;
    for (int n = 2; n <= 16; n++)
        strcat(specs, ",gone");
    err_clear(&err);
    cr_assert_eq(fault_check(specs, &err), 0, "16 specs: %s", err.msg);
    strcat(specs, ",gone");
    err_clear(&err);
    cr_assert_eq(fault_check(specs, &err), -1, "17 specs");
    cr_assert_not_null(strstr(err.msg, "at most 16 specs"), "%s", err.msg);
}

/* "*N" fails exactly N matching commands and "+N" lets exactly N through,
 * also at their largest counts' scale. */
Test(fault, counts_are_exact, .init = (void (*)(void))testutil_fresh_state)
{
    struct transport *tp = open_uri("emu:dvd-writer?fault=sense:02/3a/00+3*5");
    struct err err;
    int fails = 0, first = -1;

    for (int i = 0; i < 12; i++) {
        if (tur(tp, &err) == 0x3a) {
            if (first < 0)
                first = i;
            fails++;
        }
    }
    cr_assert_eq(first, 3);
    cr_assert_eq(fails, 5);
    transport_close(tp);
}
