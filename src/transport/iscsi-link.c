#include "transport/iscsi-link.h"

#include <errno.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/hresult.h"
#include "util/xmalloc.h"

/* libiscsi asks for a pause of this long when it has no events to wait
 * for (iscsi_which_events returned 0). */
#define ISCSI_IDLE_POLL_MS 100

/* One asynchronous request in flight: its callback's outcome. */
struct iscsi_wait {
    bool done;
    int status;
    char **names; /* discovery: the targets */
    size_t nnames;
};

struct iscsi_link {
    struct iscsi_context *ctx;
    bool connected; /* the TCP connection came up */
    bool lost;      /* and went down since */
    struct iscsi_wait wait;
    struct scsi_task *task; /* in flight after a time-out, freed at close */
    char name[600];
};

/* --- The event loop ---------------------------------------------------- */

static double
iscsi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Serve the connection until the request completes.  -1 with 'what' named
 * when the deadline passes or the connection drops. */
static int
iscsi_run(struct iscsi_link *link, double deadline, const char *what,
          struct err *err)
{
    while (!link->wait.done) {
        double left = deadline - iscsi_now_ms();
        if (left <= 0)
            return err_set(err, E_IMAPI_RECORDER_COMMAND_TIMEOUT,
                           "%s: no answer to %s within the time-out",
                           link->name, what);
        struct pollfd pfd = { .fd = iscsi_get_fd(link->ctx),
                              .events = (short)iscsi_which_events(link->ctx) };
        int wait_ms = pfd.events == 0 ? ISCSI_IDLE_POLL_MS : (int)left + 1;
        if (wait_ms > (int)left + 1)
            wait_ms = (int)left + 1;
        int rc = poll(&pfd, 1, wait_ms);
        if (rc < 0 && errno != EINTR)
            return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST, "%s: poll: %s",
                           link->name, strerror(errno));
        if (rc > 0 && iscsi_service(link->ctx, pfd.revents) < 0)
            link->lost = true;
        if (link->lost && !link->wait.done)
            return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                           "%s: the connection was lost during %s (the "
                           "target closed it or went away)",
                           link->name, what);
    }
    return 0;
}

static void
iscsi_done(struct iscsi_context *ctx, int status, void *data, void *opaque)
{
    struct iscsi_link *link = opaque;

    (void)ctx;
    (void)data;
    link->wait.done = true;
    link->wait.status = status;
}

/* The connect callback comes again when an established connection fails
 * (libiscsi's iscsi_connect_async). */
static void
iscsi_connected(struct iscsi_context *ctx, int status, void *data, void *opaque)
{
    struct iscsi_link *link = opaque;

    if (link->connected) {
        link->lost = true;
        return;
    }
    link->connected = status == SCSI_STATUS_GOOD;
    iscsi_done(ctx, status, data, opaque);
}

static void
iscsi_start_wait(struct iscsi_link *link)
{
    memset(&link->wait, 0, sizeof link->wait);
}

/* --- Sessions ---------------------------------------------------------- */

/* The login response's status class and detail (RFC 7143 11.13.5) reach
 * us only inside libiscsi's message, as "...(513)": 0x0201 and 0x0202 are
 * authentication and authorisation failures, 0x0203 and 0x0204 a target
 * that is not there. */
static int
iscsi_login_failed(struct iscsi_link *link, const struct iscsi_address *addr,
                   struct err *err)
{
    const char *why = iscsi_get_error(link->ctx);

    /* 0x0202: the initiator is not allowed, whatever its credentials
     * (an ACL of initiator names, as LIO keeps). */
    if (strstr(why, "(514)") != NULL)
        return err_set(err, E_ACCESS_DENIED,
                       "%s: the target does not admit the initiator %s (its "
                       "access list names the initiators it admits: "
                       "?initiator=IQN or MODECON_ISCSI_INITIATOR gives "
                       "another): %s",
                       link->name, addr->initiator, why);
    if (strstr(why, "(513)") != NULL)
        return err_set(err, E_ACCESS_DENIED,
                       "%s: the target refused the login%s: %s", link->name,
                       addr->user[0] ? " with these CHAP credentials"
                                     : " (it may need CHAP: "
                                       "iscsi://USER@..., the password "
                                       "in MODECON_ISCSI_PASSWORD_FILE)",
                       why);
    if (strstr(why, "(515)") != NULL || strstr(why, "(516)") != NULL)
        return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                       "%s: the portal %s:%d has no target named %s "
                       "('modecon list iscsi://%s:%d' shows its targets)",
                       link->name, addr->host, addr->port, addr->target,
                       addr->host, addr->port);
    return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST, "%s: login failed: %s",
                   link->name, why);
}

/* Whether the host name resolves: libiscsi would only say that it could
 * not connect. */
static int
iscsi_resolve(const struct iscsi_address *addr, struct err *err)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *found = NULL;
    int rc = getaddrinfo(addr->host, NULL, &hints, &found);

    if (rc != 0)
        return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                       "cannot find the host '%s': %s", addr->host,
                       gai_strerror(rc));
    freeaddrinfo(found);
    return 0;
}

int
iscsi_link_open(const struct iscsi_address *addr, unsigned timeout_ms,
                struct iscsi_link **out, struct err *err)
{
    double deadline = iscsi_now_ms() + timeout_ms;
    char portal[300];

    if (iscsi_resolve(addr, err) != 0)
        return -1;
    struct iscsi_link *link = xcalloc(1, sizeof *link);
    iscsi_address_name(addr, link->name, sizeof link->name);
    iscsi_portal_text(addr, portal, sizeof portal);
    link->ctx = iscsi_create_context(addr->initiator);
    if (link->ctx == NULL) {
        free(link);
        return err_set(err, E_OUTOFMEMORY, "%s: no iSCSI context", portal);
    }
    /* modecon reconnects itself, on the next command, so that a lost
     * target is reported instead of retried for ever. */
    iscsi_set_noautoreconnect(link->ctx, 1);
    if (addr->target[0] != '\0') {
        iscsi_set_session_type(link->ctx, ISCSI_SESSION_NORMAL);
        iscsi_set_targetname(link->ctx, addr->target);
    } else {
        iscsi_set_session_type(link->ctx, ISCSI_SESSION_DISCOVERY);
    }
    iscsi_set_header_digest(link->ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C);
    if (addr->user[0] != '\0')
        iscsi_set_initiator_username_pwd(link->ctx, addr->user, addr->password);

    iscsi_start_wait(link);
    if (iscsi_connect_async(link->ctx, portal, iscsi_connected, link) != 0 ||
        iscsi_run(link, deadline, "the connection", err) != 0 ||
        link->wait.status != SCSI_STATUS_GOOD) {
        /* libiscsi's own text here speaks of its reconnect logic. */
        if (!err_is_set(err))
            err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                    "%s: cannot connect to %s: nothing accepts iSCSI "
                    "connections there (is the target running, and is the "
                    "port right?)",
                    link->name, portal);
        iscsi_link_close(link);
        return -1;
    }
    iscsi_start_wait(link);
    if (iscsi_login_async(link->ctx, iscsi_done, link) != 0 ||
        iscsi_run(link, deadline, "the login", err) != 0 ||
        link->wait.status != SCSI_STATUS_GOOD) {
        if (!err_is_set(err))
            iscsi_login_failed(link, addr, err);
        iscsi_link_close(link);
        return -1;
    }
    *out = link;
    return 0;
}

void
iscsi_link_close(struct iscsi_link *link)
{
    if (link == NULL)
        return;
    /* A logout is owed only to a target that still listens, and it must
     * not wait long: the session ends when the connection closes anyway. */
    if (!link->lost && iscsi_is_logged_in(link->ctx)) {
        struct err ignored;
        err_clear(&ignored);
        iscsi_start_wait(link);
        if (iscsi_logout_async(link->ctx, iscsi_done, link) == 0)
            iscsi_run(link, iscsi_now_ms() + 500, "the logout", &ignored);
    }
    iscsi_destroy_context(link->ctx);
    if (link->task != NULL)
        scsi_free_scsi_task(link->task);
    free(link);
}

/* --- Commands ---------------------------------------------------------- */

int
iscsi_link_command(struct iscsi_link *link, int lun, const uint8_t *cdb,
                   size_t cdb_len, enum iscsi_link_dir dir, uint8_t *buf,
                   size_t len, unsigned timeout_ms,
                   struct iscsi_link_answer *answer, struct err *err)
{
    static const int dirs[] = { SCSI_XFER_NONE, SCSI_XFER_READ,
                                SCSI_XFER_WRITE };
    struct iscsi_data out = { .size = len, .data = buf };
    struct scsi_task *task;

    memset(answer, 0, sizeof *answer);
    task = scsi_create_task((int)cdb_len, (unsigned char *)cdb, dirs[dir],
                            (int)len);
    if (task == NULL)
        return err_set(err, E_OUTOFMEMORY, "%s: no iSCSI task", link->name);
    /* Data-in lands in the caller's buffer; the sense stays in datain. */
    if (dir == ISCSI_LINK_READ && len > 0)
        scsi_task_add_data_in_buffer(task, (int)len, buf);
    iscsi_start_wait(link);
    if (iscsi_scsi_command_async(link->ctx, lun, task, iscsi_done,
                                 dir == ISCSI_LINK_WRITE ? &out : NULL,
                                 link) != 0) {
        scsi_free_scsi_task(task);
        link->lost = true;
        return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST, "%s: cannot send: %s",
                       link->name, iscsi_get_error(link->ctx));
    }
    if (iscsi_run(link, iscsi_now_ms() + timeout_ms, "the command", err) != 0) {
        /* Still queued in libiscsi: freed after the context, at close. */
        link->task = task;
        link->lost = true;
        return -1;
    }
    if (link->wait.status == SCSI_STATUS_CANCELLED ||
        link->wait.status == SCSI_STATUS_ERROR ||
        link->wait.status == SCSI_STATUS_TIMEOUT) {
        scsi_free_scsi_task(task);
        link->lost = true;
        return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                       "%s: the connection was lost before the answer came "
                       "(the target closed it or went away)",
                       link->name);
    }
    answer->status = link->wait.status & 0xff;
    answer->transferred = len;
    if (task->residual_status == SCSI_RESIDUAL_UNDERFLOW)
        answer->transferred = task->residual < len ? len - task->residual : 0;
    /* The SCSI Response's data segment: a 2-byte length, then the sense
     * bytes (RFC 7143 11.4.7.2). */
    if (answer->status == SCSI_STATUS_CHECK_CONDITION &&
        task->datain.size >= 2 && task->datain.data != NULL) {
        size_t n = (size_t)(task->datain.data[0] << 8 | task->datain.data[1]);
        if (n > (size_t)task->datain.size - 2)
            n = (size_t)task->datain.size - 2;
        if (n > sizeof answer->sense)
            n = sizeof answer->sense;
        memcpy(answer->sense, task->datain.data + 2, n);
        answer->sense_len = n;
        answer->transferred = 0;
    }
    scsi_free_scsi_task(task);
    return 0;
}

/* --- Discovery --------------------------------------------------------- */

static void
iscsi_discovered(struct iscsi_context *ctx, int status, void *data,
                 void *opaque)
{
    struct iscsi_link *link = opaque;

    /* The list lives only as long as this call. */
    if (status == SCSI_STATUS_GOOD)
        for (struct iscsi_discovery_address *a = data; a != NULL; a = a->next) {
            link->wait.names =
                xrealloc(link->wait.names,
                         (link->wait.nnames + 1) * sizeof *link->wait.names);
            link->wait.names[link->wait.nnames++] = xstrdup(a->target_name);
        }
    iscsi_done(ctx, status, data, opaque);
}

int
iscsi_link_discover(struct iscsi_link *link, char ***targets, size_t *count,
                    unsigned timeout_ms, struct err *err)
{
    iscsi_start_wait(link);
    if (iscsi_discovery_async(link->ctx, iscsi_discovered, link) != 0 ||
        iscsi_run(link, iscsi_now_ms() + timeout_ms, "SendTargets", err) != 0 ||
        link->wait.status != SCSI_STATUS_GOOD) {
        if (!err_is_set(err))
            err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                    "%s: SendTargets failed: %s", link->name,
                    iscsi_get_error(link->ctx));
        for (size_t i = 0; i < link->wait.nnames; i++)
            free(link->wait.names[i]);
        free(link->wait.names);
        link->wait.names = NULL;
        link->wait.nnames = 0;
        return -1;
    }
    *targets = link->wait.names;
    *count = link->wait.nnames;
    link->wait.names = NULL;
    link->wait.nnames = 0;
    return 0;
}
