#include "transport/transport.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "transport/emu.h"
#include "transport/fault.h"
#include "transport/iscsi-secret.h"
#include "transport/iscsi-uri.h"
#include "transport/iscsi.h"
#include "transport/sg.h"
#include "transport/trace.h"
#include "util/xmalloc.h"

/* Transports chosen by URI prefix. */
static const struct {
    const char *prefix;
    const struct transport_ops *ops;
} transport_table[] = {
    { "emu:", &transport_emu_ops },
    { "iscsi:", &transport_iscsi_ops },
    { "/dev/", &transport_sg_ops },
};

#define TRANSPORT_DEFAULT_TIMEOUT_MS 10000

static int
transport_not_a_drive(const char *uri, struct err *err)
{
    char *shown = transport_redact(uri);

    err_usage(err, "'%s' is not a drive: expected %s (see 'modecon list')",
              shown, TRANSPORT_URI_FORMS);
    free(shown);
    return -1;
}

const char *
transport_scheme(const char *uri)
{
    for (size_t i = 0; i < sizeof transport_table / sizeof transport_table[0];
         i++)
        if (strncmp(uri, transport_table[i].prefix,
                    strlen(transport_table[i].prefix)) == 0)
            return transport_table[i].ops->scheme;
    return "";
}

bool
transport_uri_known(const char *uri)
{
    return transport_scheme(uri)[0] != '\0';
}

/*
 * Split "scheme:target?a=1&fault=x&b=2" into the target "target?a=1&b=2"
 * and the fault specs "x".  Both are new strings the caller frees, also
 * on failure; *faults is NULL when the URI has no fault parameter.
 */
static int
transport_split_faults(const char *rest, char **target, char **faults,
                       struct err *err)
{
    const char *q = strchr(rest, '?');
    char *query, *save = NULL, *kept;

    *faults = NULL;
    if (q == NULL) {
        *target = xstrdup(rest);
        return 0;
    }
    *target = xstrndup(rest, (size_t)(q - rest));
    query = xstrdup(q + 1);
    kept = xstrdup("");
    for (char *p = strtok_r(query, "&", &save); p != NULL;
         p = strtok_r(NULL, "&", &save)) {
        if (strncmp(p, "fault=", 6) == 0) {
            if (*faults != NULL) {
                free(query);
                free(kept);
                return err_usage(err,
                                 "%s: give fault= once, with specs "
                                 "separated by commas",
                                 rest);
            }
            *faults = xstrdup(p + 6);
        } else {
            char *joined = xasprintf("%s%s%s", kept, *kept ? "&" : "", p);
            free(kept);
            kept = joined;
        }
    }
    if (*kept != '\0') {
        char *joined = xasprintf("%s?%s", *target, kept);
        free(*target);
        *target = joined;
    }
    free(kept);
    free(query);
    return 0;
}

/* The transport of 'uri' and what follows its prefix, or NULL. */
static const struct transport_ops *
transport_find(const char *uri, const char **rest)
{
    for (size_t i = 0; i < sizeof transport_table / sizeof transport_table[0];
         i++) {
        size_t n = strlen(transport_table[i].prefix);
        if (strncmp(uri, transport_table[i].prefix, n) == 0) {
            *rest = uri + n;
            return transport_table[i].ops;
        }
    }
    return NULL;
}

int
transport_check_name(const char *uri, struct err *err)
{
    const char *rest = NULL;
    const struct transport_ops *ops = transport_find(uri, &rest);
    char *target = NULL, *faults = NULL;
    int rc;

    if (ops == NULL)
        return transport_not_a_drive(uri, err);
    rc = transport_split_faults(rest, &target, &faults, err);
    if (rc == 0 && ops->check != NULL)
        rc = ops->check(target, err);
    if (rc == 0 && faults != NULL)
        rc = fault_check(faults, err);
    free(target);
    free(faults);
    return rc;
}

int
transport_open(const char *uri, struct trace *trace, struct transport **out,
               struct err *err)
{
    const char *rest = NULL;
    const struct transport_ops *ops = transport_find(uri, &rest);
    char *target = NULL, *faults = NULL;
    struct transport *tp;
    int rc;

    if (ops == NULL)
        return transport_not_a_drive(uri, err);
    rc = transport_split_faults(rest, &target, &faults, err);
    if (rc == 0)
        rc = ops->open(target, &tp, err);
    if (rc == 0 && faults != NULL)
        rc = fault_wrap(tp, faults, &tp, err);
    free(target);
    free(faults);
    if (rc != 0)
        return -1;
    tp->trace = trace;
    *out = tp;
    return 0;
}

static double
transport_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
transport_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    double start;
    int rc;

    if (io->cdb_len < 6 || io->cdb_len > 16 ||
        (io->dir != XFER_NONE && io->buf == NULL && io->len > 0) ||
        (io->dir == XFER_NONE && io->len != 0))
        abort(); /* a malformed request is a bug in the caller */
    if (io->timeout_ms == 0)
        io->timeout_ms = TRANSPORT_DEFAULT_TIMEOUT_MS;
    io->status = SCSI_STATUS_GOOD;
    io->sense_len = 0;
    io->resid = 0;

    /* The clock only for the trace: where the clock source is slow (a
     * virtual machine's) two reads cost more than the rest of the engine. */
    start = tp->trace != NULL ? transport_now_ms() : 0;
    rc = tp->ops->exec(tp, io, err);
    if (rc == 0 && io->resid > io->len)
        io->resid = io->len; /* a transport may not claim to over-deliver */
    if (io->sense_len > SCSI_SENSE_MAX)
        io->sense_len = SCSI_SENSE_MAX; /* nor more sense than SPC allows */
    if (tp->trace != NULL)
        trace_record(tp->trace, tp->name, io, rc == 0 ? NULL : err,
                     transport_now_ms() - start);
    return rc;
}

int
transport_control(struct transport *tp, enum transport_control_op op, void *arg,
                  struct err *err)
{
    if (tp->ops->control == NULL)
        return err_usage(err, "%s does not support this operation", tp->name);
    return tp->ops->control(tp, op, arg, err);
}

int
transport_claim(struct transport *tp, bool exclusive, struct err *err)
{
    return tp->ops->claim != NULL ? tp->ops->claim(tp, exclusive, err) : 0;
}

char *
transport_emu_state_dir(struct err *err)
{
    return emu_state_dir(err);
}

int
transport_list_drives(char ***uris, size_t *count, struct err *err)
{
    char **local = NULL, **emulated = NULL;
    size_t nlocal = 0, nemulated = 0;

    /* The drives on this machine first, then the emulated ones, which
     * remain when there are none. */
    if (sg_list_drives("/sys", &local, &nlocal, err) != 0 ||
        emu_list_drives(&emulated, &nemulated, err) != 0) {
        transport_free_list(local, nlocal);
        return -1;
    }
    local = xrealloc(local, (nlocal + nemulated + 1) * sizeof *local);
    memcpy(local + nlocal, emulated, nemulated * sizeof *emulated);
    free(emulated);
    *uris = local;
    *count = nlocal + nemulated;
    return 0;
}

int
transport_discover(const char *uri, transport_warn_fn warn, void *data,
                   char ***uris, size_t *count, struct err *err)
{
    if (strncmp(uri, "iscsi:", 6) == 0 && iscsi_is_portal(uri))
        return iscsi_discover(uri, warn, data, uris, count, err);
    if (transport_check_name(uri, err) != 0)
        return -1;
    *uris = xmalloc(sizeof **uris);
    (*uris)[0] = xstrdup(uri);
    *count = 1;
    return 0;
}

void
transport_free_list(char **uris, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(uris[i]);
    free(uris);
}

void
transport_close(struct transport *tp)
{
    if (tp != NULL)
        tp->ops->close(tp);
}

void
transport_ask_secret(const char *uri)
{
    char *target = NULL, *faults = NULL;
    struct err err;

    err_clear(&err);
    if (strncmp(uri, "iscsi://", 8) != 0)
        return;
    if (transport_split_faults(uri, &target, &faults, &err) == 0)
        iscsi_secret_ask(target);
    free(target);
    free(faults);
}
