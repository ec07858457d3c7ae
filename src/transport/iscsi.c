/*
 * Drives on other hosts: an iSCSI LUN as a transport, through libiscsi
 * (iscsi-link.c).  A lost connection fails the command in flight with
 * HRESULT_ERROR_DEV_NOT_EXIST and the next command logs in again, so a
 * target that restarts is reached again without reopening the drive.
 */
#include "transport/iscsi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/iscsi-link.h"
#include "transport/iscsi-secret.h"
#include "transport/iscsi-uri.h"
#include "transport/secret.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

/* Connecting and logging in at open; later reconnects use the command's
 * own time-out. */
#define ISCSI_OPEN_TIMEOUT_MS 10000

#define SCSI_REPORT_LUNS 0xa0
#define ISCSI_MAX_LUNS   256

/* "iscsi://user@host:port?q" with "/target/lun" put before the query. */
static char *
iscsi_uri_with(const char *portal_uri, const char *target, int lun)
{
    const char *q = strchr(portal_uri, '?');
    size_t head = q != NULL ? (size_t)(q - portal_uri) : strlen(portal_uri);

    while (head > 8 && portal_uri[head - 1] == '/')
        head--;
    return xasprintf("%.*s/%s/%d%s", (int)head, portal_uri, target, lun,
                     q != NULL ? q : "");
}

struct iscsi_transport {
    struct transport base;
    struct iscsi_address addr;
    struct iscsi_link *link; /* NULL once lost, until the next command */
};

/* The LUN number of an 8-byte REPORT LUNS entry in peripheral or flat
 * space addressing (SAM-5 4.7.6 and 4.7.7); -1 for other methods. */
static int
iscsi_lun_number(const uint8_t *entry)
{
    unsigned method = entry[0] >> 6;

    if (method == 0 && entry[0] == 0)
        return entry[1];
    if (method == 1)
        return (entry[0] & 0x3f) << 8 | entry[1];
    return -1;
}

/*
 * REPORT LUNS (SPC-4 6.33) on LUN 0: the LUN numbers into luns[], at most
 * ISCSI_MAX_LUNS.  Returns 1 when the target refused the command.  It
 * reports no UNIT ATTENTION (SAM-5), which stays for the engine's
 * first command.
 */
static int
iscsi_report_luns(struct iscsi_link *link, int *luns, size_t *count,
                  unsigned timeout_ms, struct err *err)
{
    uint8_t cdb[12] = { SCSI_REPORT_LUNS };
    uint8_t list[8 + 8 * ISCSI_MAX_LUNS];
    struct iscsi_link_answer answer;

    *count = 0;
    cdb[6] = (uint8_t)(sizeof list >> 24);
    cdb[7] = (uint8_t)(sizeof list >> 16);
    cdb[8] = (uint8_t)(sizeof list >> 8);
    cdb[9] = (uint8_t)sizeof list;
    if (iscsi_link_command(link, 0, cdb, sizeof cdb, ISCSI_LINK_READ, list,
                           sizeof list, timeout_ms, &answer, err) != 0)
        return -1;
    if (answer.status != SCSI_STATUS_GOOD || answer.transferred < 8)
        return 1;
    size_t n = (size_t)list[0] << 24 | (size_t)list[1] << 16 |
               (size_t)list[2] << 8 | list[3];
    if (n > answer.transferred - 8)
        n = answer.transferred - 8;
    for (size_t off = 8; off + 8 <= 8 + n; off += 8) {
        int lun = iscsi_lun_number(&list[off]);
        if (lun >= 0)
            luns[(*count)++] = lun;
    }
    return 0;
}

/* Whether the target has the LUN, so that a wrong one is named at open
 * instead of failing each command with 05/25/00.  A target that refuses
 * REPORT LUNS is not second-guessed. */
static int
iscsi_check_lun(struct iscsi_transport *it, struct err *err)
{
    int luns[ISCSI_MAX_LUNS];
    char names[256] = "";
    size_t count, used = 0;
    int rc =
        iscsi_report_luns(it->link, luns, &count, ISCSI_OPEN_TIMEOUT_MS, err);

    if (rc != 0)
        return rc < 0 ? -1 : 0;
    for (size_t i = 0; i < count; i++) {
        if (luns[i] == it->addr.lun)
            return 0;
        if (used + 8 < sizeof names)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%d",
                                     used ? ", " : "", luns[i]);
    }
    return err_set(err, HRESULT_ERROR_DEV_NOT_EXIST,
                   "%s: target %s has no LUN %d (its LUNs: %s)", it->base.name,
                   it->addr.target, it->addr.lun, used ? names : "none");
}

/*
 * The LUNs of the target 'name' behind 'portal' appended to *uris as
 * URIs of the portal's URI 'shown'; a name that is not an iSCSI name is
 * left out and named to warn.
 */
static int
iscsi_discover_target(const struct iscsi_address *portal, const char *name,
                      const char *shown, transport_warn_fn warn, void *data,
                      char ***uris, size_t *count, struct err *err)
{
    struct iscsi_address addr = *portal;
    struct iscsi_link *link;
    int luns[ISCSI_MAX_LUNS];
    size_t nluns = 0;
    int rc;

    /* A name that is not an iSCSI name is not logged in to, nor made part
     * of a URI, where a '/', '?' or '%' it holds would read as another
     * target, a LUN or a query of the portal's choosing. */
    if (!iscsi_name_valid(name)) {
        char quoted[ERR_QUOTE_MAX];
        char *message =
            xasprintf("%s: left out the target %s: not an iSCSI name (RFC 3720 "
                      "3.2.6: iqn. with letters, digits, '.', '-' and ':', or "
                      "eui. or naa. with hex digits)",
                      shown, err_quote(quoted, name));
        if (warn != NULL)
            warn(data, message);
        free(message);
        explicit_bzero(&addr, sizeof addr);
        return 0;
    }
    snprintf(addr.target, sizeof addr.target, "%s", name);
    rc = iscsi_link_open(&addr, ISCSI_OPEN_TIMEOUT_MS, &link, err);
    if (rc == 0) {
        rc = iscsi_report_luns(link, luns, &nluns, ISCSI_OPEN_TIMEOUT_MS, err) <
                     0
                 ? -1
                 : 0;
        iscsi_link_close(link);
    }
    explicit_bzero(&addr, sizeof addr);
    *uris = xrealloc(*uris, (*count + nluns + 1) * sizeof **uris);
    /* The portal's URI as given, so that the user and the initiator name
     * carry over to each LUN (and the password, kept by
     * iscsi_secret_find, to its login). */
    for (size_t l = 0; l < nluns; l++)
        (*uris)[(*count)++] = iscsi_uri_with(shown, name, luns[l]);
    return rc;
}

int
iscsi_discover(const char *uri, transport_warn_fn warn, void *data,
               char ***uris, size_t *count, struct err *err)
{
    struct iscsi_address portal;
    struct iscsi_link *link;
    char **targets = NULL;
    size_t ntargets = 0;

    *uris = NULL;
    *count = 0;
    if (iscsi_address_parse(uri, true, &portal, err) != 0 ||
        iscsi_secret_find(&portal, err) != 0 ||
        iscsi_link_open(&portal, ISCSI_OPEN_TIMEOUT_MS, &link, err) != 0) {
        explicit_bzero(&portal, sizeof portal);
        return -1;
    }
    int rc = iscsi_link_discover(link, &targets, &ntargets,
                                 ISCSI_OPEN_TIMEOUT_MS, err);
    iscsi_link_close(link);
    if (rc != 0) {
        explicit_bzero(&portal, sizeof portal);
        return -1;
    }
    char *shown = transport_redact(uri);
    for (size_t t = 0; t < ntargets && rc == 0; t++)
        rc = iscsi_discover_target(&portal, targets[t], shown, warn, data, uris,
                                   count, err);
    for (size_t t = 0; t < ntargets; t++)
        free(targets[t]);
    free(targets);
    free(shown);
    explicit_bzero(&portal, sizeof portal);
    if (rc != 0) {
        for (size_t i = 0; i < *count; i++)
            free((*uris)[i]);
        free(*uris);
        *uris = NULL;
        *count = 0;
    }
    return rc;
}

/* A copy of a URI that may hold a password, wiped. */
static void
iscsi_free_text(char *text)
{
    explicit_bzero(text, strlen(text));
    free(text);
}

static int
iscsi_check(const char *target, struct err *err)
{
    struct iscsi_address addr;
    char *uri = xasprintf("iscsi:%s", target);
    int rc = iscsi_address_parse(uri, false, &addr, err);

    iscsi_free_text(uri);
    explicit_bzero(&addr, sizeof addr);
    return rc;
}

static int
iscsi_open(const char *target, struct transport **out, struct err *err)
{
    struct iscsi_transport *it = xcalloc(1, sizeof *it);
    char *uri = xasprintf("iscsi:%s", target);

    int parsed = iscsi_address_parse(uri, false, &it->addr, err);

    iscsi_free_text(uri);
    if (parsed != 0) {
        explicit_bzero(it, sizeof *it);
        free(it);
        return -1;
    }
    it->base.ops = &transport_iscsi_ops;
    iscsi_address_name(&it->addr, it->base.name, sizeof it->base.name);
    /* One LUN however the user logs in to it: no user name in the id. */
    struct iscsi_address anon = it->addr;
    anon.user[0] = '\0';
    anon.initiator_given = false;
    iscsi_address_name(&anon, it->base.id, sizeof it->base.id);
    int rc = iscsi_secret_find(&it->addr, err) != 0 ||
                     iscsi_link_open(&it->addr, ISCSI_OPEN_TIMEOUT_MS,
                                     &it->link, err) != 0 ||
                     iscsi_check_lun(it, err) != 0
                 ? -1
                 : 0;
    /* Logged in: the session's context keeps its own copy, and the next
     * login finds the password again where this one did. */
    explicit_bzero(it->addr.password, sizeof it->addr.password);
    if (rc != 0) {
        iscsi_link_close(it->link);
        free(it);
        return -1;
    }
    *out = &it->base;
    return 0;
}

static int
iscsi_exec(struct transport *tp, struct scsi_io *io, struct err *err)
{
    struct iscsi_transport *it = (struct iscsi_transport *)tp;
    static const enum iscsi_link_dir dirs[] = {
        [XFER_NONE] = ISCSI_LINK_NONE,
        [XFER_IN] = ISCSI_LINK_READ,
        [XFER_OUT] = ISCSI_LINK_WRITE,
    };
    struct iscsi_link_answer answer;

    if (it->link == NULL) {
        int rc = iscsi_secret_find(&it->addr, err) != 0 ||
                         iscsi_link_open(&it->addr, io->timeout_ms, &it->link,
                                         err) != 0
                     ? -1
                     : 0;
        explicit_bzero(it->addr.password, sizeof it->addr.password);
        if (rc != 0) {
            it->link = NULL;
            return -1;
        }
    }
    if (iscsi_link_command(it->link, it->addr.lun, io->cdb, io->cdb_len,
                           dirs[io->dir], io->buf, io->len, io->timeout_ms,
                           &answer, err) != 0) {
        /* The session's state is unknown after a time-out: start anew. */
        iscsi_link_close(it->link);
        it->link = NULL;
        return -1;
    }
    io->status = (uint8_t)answer.status;
    io->sense_len = (uint8_t)answer.sense_len;
    memcpy(io->sense, answer.sense, answer.sense_len);
    io->resid =
        io->dir == XFER_NONE ? 0 : io->len - (uint32_t)answer.transferred;
    return 0;
}

static void
iscsi_close(struct transport *tp)
{
    struct iscsi_transport *it = (struct iscsi_transport *)tp;

    iscsi_link_close(it->link);
    explicit_bzero(it, sizeof *it);
    free(it);
}

const struct transport_ops transport_iscsi_ops = {
    .scheme = "iscsi",
    .open = iscsi_open,
    .check = iscsi_check,
    .exec = iscsi_exec,
    .control = NULL,
    .close = iscsi_close,
};
