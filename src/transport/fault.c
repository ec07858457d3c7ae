#include "transport/fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport/modepage.h"
#include "util/xmalloc.h"

enum fault_kind {
    FAULT_SENSE,   /* answer CHECK CONDITION with this sense */
    FAULT_TIMEOUT, /* no answer until the command's time-out */
    FAULT_GONE,    /* the device vanishes, for this and every later command */
    FAULT_GARBAGE, /* corrupt MODE SENSE(10) data */
    FAULT_LATENCY, /* answer late */
    FAULT_STATUS,  /* answer with this status and no sense */
};

enum garbage_kind {
    GARBAGE_LENGTH,    /* mode data length claims more than was sent */
    GARBAGE_TRUNCATED, /* the first page's length runs past the data */
    GARBAGE_SHORT,     /* fewer bytes than the mode parameter header */
    GARBAGE_PAGE,      /* a different page than the one asked for */
    GARBAGE_BDLEN,     /* block descriptor length beyond the data */
};

struct fault_spec {
    enum fault_kind kind;
    uint8_t key, asc, ascq;
    uint8_t status;
    enum garbage_kind garbage;
    unsigned latency_ms;
    int opcode;         /* -1: every command */
    unsigned skip;      /* matching commands to let through first */
    unsigned remaining; /* 0: unlimited */
    bool limited;
};

#define FAULT_MAX_SPECS 16

struct fault_transport {
    struct transport base;
    struct transport *inner;
    struct fault_spec specs[FAULT_MAX_SPECS];
    size_t nspecs;
    bool gone;
};

static const struct {
    const char *name;
    enum garbage_kind kind;
} fault_garbage_names[] = {
    { "length", GARBAGE_LENGTH }, { "truncated", GARBAGE_TRUNCATED },
    { "short", GARBAGE_SHORT },   { "page", GARBAGE_PAGE },
    { "bdlen", GARBAGE_BDLEN },
};

static int
fault_bad_spec(struct err *err, const char *spec, const char *expected)
{
    return err_usage(err, "fault spec '%s': expected %s", spec, expected);
}

/* Parse an unsigned number in 'base' that fills all of [s, end). */
static bool
fault_number(const char *s, const char *end, int base, unsigned long max,
             unsigned long *out)
{
    char *stop;

    if (s == end)
        return false;
    errno = 0;
    *out = strtoul(s, &stop, base);
    return errno == 0 && stop == end && *out <= max && *s != '-' && *s != '+';
}

/* Suffixes, in this order: "@OP" (one opcode), "+N" (after N matching
 * commands), "*N" (for N matching commands).  *end is moved back to
 * where the suffixes begin. */
static int
fault_parse_suffixes(const char *spec, const char **end, struct fault_spec *fs,
                     struct err *err)
{
    const char *star = strrchr(spec, '*'), *plus, *at;
    unsigned long v;

    if (star != NULL) {
        if (!fault_number(star + 1, *end, 10, 1000000, &v) || v == 0)
            return fault_bad_spec(err, spec, "a count of 1 or more after '*'");
        fs->remaining = (unsigned)v;
        fs->limited = true;
        *end = star;
    }
    plus = memchr(spec, '+', (size_t)(*end - spec));
    if (plus != NULL) {
        if (!fault_number(plus + 1, *end, 10, 1000000, &v))
            return fault_bad_spec(err, spec,
                                  "a number of commands to skip after '+'");
        fs->skip = (unsigned)v;
        *end = plus;
    }
    at = memchr(spec, '@', (size_t)(*end - spec));
    if (at != NULL) {
        if (!fault_number(at + 1, *end, 16, 0xff, &v))
            return fault_bad_spec(err, spec,
                                  "a hex opcode after '@', e.g. @55");
        fs->opcode = (int)v;
        *end = at;
    }
    return 0;
}

/* Each kind's argument, 'arg' to 'end' (arg NULL when there is none);
 * 'spec' is the whole text, for messages. */

static int
fault_parse_sense(const char *spec, const char *arg, const char *end,
                  struct fault_spec *fs, struct err *err)
{
    unsigned long k, a, q;

    if (arg == NULL || end - arg != 8 || arg[2] != '/' || arg[5] != '/' ||
        !fault_number(arg, arg + 2, 16, 0x0f, &k) ||
        !fault_number(arg + 3, arg + 5, 16, 0xff, &a) ||
        !fault_number(arg + 6, arg + 8, 16, 0xff, &q))
        return fault_bad_spec(err, spec,
                              "sense:KK/AA/QQ in hex, e.g. sense:02/3a/00");
    fs->key = (uint8_t)k;
    fs->asc = (uint8_t)a;
    fs->ascq = (uint8_t)q;
    return 0;
}

static int
fault_parse_status(const char *spec, const char *arg, const char *end,
                   struct fault_spec *fs, struct err *err)
{
    unsigned long v;

    if (arg == NULL || !fault_number(arg, end, 16, 0xff, &v) || v == 0 ||
        v == SCSI_STATUS_CHECK_CONDITION)
        return fault_bad_spec(err, spec,
                              "status:HH with a hex status other than 00 "
                              "and 02, e.g. status:18");
    fs->status = (uint8_t)v;
    return 0;
}

static int
fault_parse_no_argument(const char *spec, const char *arg, const char *end,
                        struct fault_spec *fs, struct err *err)
{
    (void)end;
    (void)fs;
    if (arg != NULL)
        return fault_bad_spec(err, spec, "no argument after timeout/gone");
    return 0;
}

static int
fault_parse_latency(const char *spec, const char *arg, const char *end,
                    struct fault_spec *fs, struct err *err)
{
    unsigned long v;

    if (arg == NULL || !fault_number(arg, end, 10, 600000, &v))
        return fault_bad_spec(err, spec, "latency:MS with MS from 0 to 600000");
    fs->latency_ms = (unsigned)v;
    return 0;
}

static int
fault_parse_garbage(const char *spec, const char *arg, const char *end,
                    struct fault_spec *fs, struct err *err)
{
    size_t i, n = sizeof fault_garbage_names / sizeof fault_garbage_names[0];

    fs->garbage = GARBAGE_LENGTH;
    if (arg == NULL)
        return 0;
    for (i = 0; i < n; i++) {
        const char *g = fault_garbage_names[i].name;
        if ((size_t)(end - arg) == strlen(g) && strncmp(arg, g, strlen(g)) == 0)
            break;
    }
    if (i == n)
        return fault_bad_spec(err, spec,
                              "garbage[:length|truncated|short|page|bdlen]");
    fs->garbage = fault_garbage_names[i].kind;
    return 0;
}

static const struct {
    const char *name;
    enum fault_kind kind;
    int (*parse)(const char *spec, const char *arg, const char *end,
                 struct fault_spec *fs, struct err *err);
} fault_kinds[] = {
    { "sense", FAULT_SENSE, fault_parse_sense },
    { "status", FAULT_STATUS, fault_parse_status },
    { "timeout", FAULT_TIMEOUT, fault_parse_no_argument },
    { "gone", FAULT_GONE, fault_parse_no_argument },
    { "latency", FAULT_LATENCY, fault_parse_latency },
    { "garbage", FAULT_GARBAGE, fault_parse_garbage },
};

static int
fault_parse_one(const char *spec, struct fault_spec *fs, struct err *err)
{
    const char *end = spec + strlen(spec);
    const char *colon = strchr(spec, ':');

    memset(fs, 0, sizeof *fs);
    fs->opcode = -1;
    if (fault_parse_suffixes(spec, &end, fs, err) != 0)
        return -1;
    if (colon != NULL && colon > end)
        colon = NULL;
    size_t name_len = (size_t)((colon ? colon : end) - spec);
    const char *arg = colon ? colon + 1 : NULL;
    for (size_t i = 0; i < sizeof fault_kinds / sizeof *fault_kinds; i++) {
        if (name_len != strlen(fault_kinds[i].name) ||
            strncmp(spec, fault_kinds[i].name, name_len) != 0)
            continue;
        if (fault_kinds[i].parse(spec, arg, end, fs, err) != 0)
            return -1;
        fs->kind = fault_kinds[i].kind;
        return 0;
    }
    return fault_bad_spec(err, spec,
                          "one of sense:KK/AA/QQ, status:HH, timeout, "
                          "gone, garbage[:KIND], latency:MS");
}

static void
fault_sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool
fault_matches(struct fault_spec *fs, const struct scsi_io *io)
{
    if (fs->opcode >= 0 && fs->opcode != io->cdb[0])
        return false;
    if (fs->kind == FAULT_GARBAGE && fs->opcode < 0 && io->cdb[0] != 0x5a)
        return false;
    if (fs->skip > 0) {
        fs->skip--;
        return false;
    }
    if (fs->limited) {
        if (fs->remaining == 0)
            return false;
        fs->remaining--;
    }
    return true;
}

/* Fixed-format sense data (SPC-4 4.5.3), 18 bytes. */
static void
fault_set_sense(struct scsi_io *io, const struct fault_spec *fs)
{
    memset(io->sense, 0, 18);
    io->sense[0] = 0x70;
    io->sense[2] = fs->key;
    io->sense[7] = 10;
    io->sense[12] = fs->asc;
    io->sense[13] = fs->ascq;
    io->sense_len = 18;
    io->status = SCSI_STATUS_CHECK_CONDITION;
    io->resid = io->len;
}

/* Corrupt a good MODE SENSE(10) answer; the mode parameter header (10) is
 * SPC-4 7.5.5. */
static void
fault_corrupt(struct scsi_io *io, enum garbage_kind kind)
{
    uint32_t got = io->len - io->resid;
    uint8_t *b = io->buf;

    if (io->status != SCSI_STATUS_GOOD || got < 8)
        return;
    unsigned mdl = (unsigned)b[0] << 8 | b[1];
    unsigned bdl = (unsigned)b[6] << 8 | b[7];
    switch (kind) {
    case GARBAGE_LENGTH:
        mdl += 40;
        b[0] = (uint8_t)(mdl >> 8);
        b[1] = (uint8_t)mdl;
        break;
    case GARBAGE_TRUNCATED:
        if (got >= 8 + bdl + 2)
            b[8 + bdl + 1] = (uint8_t)(b[8 + bdl + 1] + 20);
        break;
    case GARBAGE_SHORT:
        io->resid = io->len - 5;
        break;
    case GARBAGE_PAGE:
        if (got >= 8 + bdl + 1)
            b[8 + bdl] = (uint8_t)((b[8 + bdl] & ~MODE_PAGE_CODE) |
                                   (((b[8 + bdl] & MODE_PAGE_CODE) + 1) &
                                    MODE_PAGE_CODE));
        break;
    case GARBAGE_BDLEN:
        bdl = mdl + 8;
        b[6] = (uint8_t)(bdl >> 8);
        b[7] = (uint8_t)bdl;
        break;
    }
}

static int
fault_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    struct fault_transport *ft = (struct fault_transport *)tp;
    int garbage = -1;

    if (ft->gone)
        return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                       "%s: the device has gone away", tp->name);
    for (size_t i = 0; i < ft->nspecs; i++) {
        struct fault_spec *fs = &ft->specs[i];
        if (!fault_matches(fs, io))
            continue;
        switch (fs->kind) {
        case FAULT_LATENCY:
            fault_sleep_ms(fs->latency_ms);
            break;
        case FAULT_GONE:
            ft->gone = true;
            return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                           "%s: the device has gone away", tp->name);
        case FAULT_TIMEOUT:
            fault_sleep_ms(io->timeout_ms);
            return err_set(err, E_IMAPI_RECORDER_COMMAND_TIMEOUT,
                           "%s: no answer within %u ms", tp->name,
                           io->timeout_ms);
        case FAULT_SENSE:
            fault_set_sense(io, fs);
            return 0;
        case FAULT_STATUS:
            io->status = fs->status;
            io->resid = io->len;
            return 0;
        case FAULT_GARBAGE:
            garbage = (int)fs->garbage;
            break;
        }
    }
    if (ft->inner->ops->exec(ft->inner, io, err) != 0)
        return -1;
    if (garbage >= 0 && io->dir == XFER_IN)
        fault_corrupt(io, (enum garbage_kind)garbage);
    return 0;
}

/* Only made for an inner transport that has the hook (fault_wrap). */
static int
fault_control(struct transport *tp, enum transport_control_op op, void *arg,
              struct err *err)
{
    struct fault_transport *ft = (struct fault_transport *)tp;
    return ft->inner->ops->control(ft->inner, op, arg, err);
}

static int
fault_claim(struct transport *tp, bool exclusive, struct err *err)
{
    struct fault_transport *ft = (struct fault_transport *)tp;
    return ft->inner->ops->claim(ft->inner, exclusive, err);
}

static void
fault_close(struct transport *tp)
{
    struct fault_transport *ft = (struct fault_transport *)tp;
    ft->inner->ops->close(ft->inner);
    free(ft);
}

/* The wrapper has the optional hooks its inner transport has, so that
 * transport_control and transport_claim answer for it as for the inner
 * one: one table for each combination. */
static const struct transport_ops fault_ops[2][2] = {
    [0][0] = { .scheme = "fault", .exec = fault_exec, .close = fault_close },
    [0][1] = { .scheme = "fault",
               .exec = fault_exec,
               .claim = fault_claim,
               .close = fault_close },
    [1][0] = { .scheme = "fault",
               .exec = fault_exec,
               .control = fault_control,
               .close = fault_close },
    [1][1] = { .scheme = "fault",
               .exec = fault_exec,
               .control = fault_control,
               .claim = fault_claim,
               .close = fault_close },
};

/* Parse SPEC[,SPEC...] into 'parsed' (FAULT_MAX_SPECS of them). */
static int
fault_parse_all(const char *specs, struct fault_spec *parsed, size_t *n,
                struct err *err)
{
    char *copy = xstrdup(specs), *save = NULL;
    int rc = 0;

    *n = 0;
    for (char *s = strtok_r(copy, ",", &save); s != NULL && rc == 0;
         s = strtok_r(NULL, ",", &save)) {
        if (*n == FAULT_MAX_SPECS)
            rc = err_usage(err, "fault=%s: at most %d specs", specs,
                           FAULT_MAX_SPECS);
        else if ((rc = fault_parse_one(s, &parsed[*n], err)) == 0)
            (*n)++;
    }
    if (rc == 0 && *n == 0)
        rc = err_usage(err, "fault=: expected at least one spec");
    free(copy);
    return rc;
}

int
fault_check(const char *specs, struct err *err)
{
    struct fault_spec parsed[FAULT_MAX_SPECS];
    size_t n;

    return fault_parse_all(specs, parsed, &n, err);
}

int
fault_wrap(struct transport *inner, const char *specs, struct transport **out,
           struct err *err)
{
    struct fault_transport *ft = xcalloc(1, sizeof *ft);

    ft->base.ops =
        &fault_ops[inner->ops->control != NULL][inner->ops->claim != NULL];
    memcpy(ft->base.name, inner->name, sizeof ft->base.name);
    memcpy(ft->base.id, inner->id, sizeof ft->base.id);
    ft->inner = inner;
    if (fault_parse_all(specs, ft->specs, &ft->nspecs, err) != 0) {
        fault_close(&ft->base);
        return -1;
    }
    *out = &ft->base;
    return 0;
}
