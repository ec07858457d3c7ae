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

/* An inner transport with only the hooks a test gives it. */
struct stub_transport {
    struct transport base;
    int claims, closes;
};

static int
stub_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    (void)tp;
    (void)err;
    io->status = SCSI_STATUS_GOOD;
    return 0;
}

static int
stub_claim(struct transport *tp, bool exclusive, struct err *err)
{
    (void)exclusive;
    (void)err;
    ((struct stub_transport *)tp)->claims++;
    return 0;
}

static int
stub_control(struct transport *tp, enum transport_control_op op, void *arg,
             struct err *err)
{
    (void)tp;
    (void)op;
    (void)arg;
    return err_set(err, E_INVALIDARG, "stub control called");
}

static void
stub_close(struct transport *tp)
{
    ((struct stub_transport *)tp)->closes++;
}

Test(fault, the_wrapper_has_the_hooks_of_the_transport_it_wraps)
{
    static const struct transport_ops bare = { .scheme = "stub",
                                               .exec = stub_exec,
                                               .close = stub_close };
    static const struct transport_ops hooked = { .scheme = "stub",
                                                 .exec = stub_exec,
                                                 .control = stub_control,
                                                 .claim = stub_claim,
                                                 .close = stub_close };
    const struct transport_ops *inner_ops[] = { &bare, &hooked };

    for (size_t i = 0; i < 2; i++) {
        struct stub_transport inner = { .base.ops = inner_ops[i] };
        struct transport *tp;
        struct err err;

        snprintf(inner.base.name, sizeof inner.base.name, "stub:%zu", i);
        err_clear(&err);
        cr_assert_eq(fault_wrap(&inner.base, "latency:0", &tp, &err), 0, "%s",
                     err.msg);
        cr_assert_str_eq(tp->name, inner.base.name);
        cr_assert_eq(transport_claim(tp, true, &err), 0);
        cr_assert_eq(inner.claims, i == 1 ? 1 : 0);
        err_clear(&err);
        cr_assert_eq(
            transport_control(tp, TRANSPORT_CONTROL_POWER_CYCLE, NULL, &err),
            -1);
        if (i == 0)
            cr_assert(strstr(err.msg, "stub:0 does not support this "
                                      "operation") != NULL,
                      "%s", err.msg);
        else
            cr_assert_str_eq(err.msg, "stub control called");
        transport_close(tp);
        cr_assert_eq(inner.closes, 1);
    }
}
