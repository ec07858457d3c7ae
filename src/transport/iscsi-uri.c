/*
 * iSCSI addresses: libiscsi reads its own URI grammar (iscsi-url.c);
 * modecon reads the user information, the query and the target names,
 * and writes an address back as a URI without its password.
 */
#include "transport/iscsi-uri.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/iscsi-url.h"
#include "transport/redact.h"
#include "transport/secret.h"
#include "util/xmalloc.h"

/* --- Addresses --------------------------------------------------------- */

/* What modecon calls itself when the user names no initiator: an iSCSI
 * qualified name (RFC 7143 4.2.7.1) under a reserved domain. */
#define ISCSI_DEFAULT_INITIATOR "iqn.2026-11.invalid.modecon:initiator"
#define ISCSI_DEFAULT_PORT      3260

/* A URI refused, quoted without its password: the message may be shown,
 * traced or kept. */
static int
iscsi_bad_uri(struct err *err, const char *uri, const char *what)
{
    char *shown = transport_redact(uri);

    err_usage(err,
              "'%s': %s; expected "
              "iscsi://[USER@]HOST[:PORT]/TARGET-IQN/LUN",
              shown, what);
    free(shown);
    return -1;
}

/* Copy [p, end) into dst (size n), decoding %XX; false when it does not
 * fit or an escape is bad. */
static bool
iscsi_copy_decoded(char *dst, size_t n, const char *p, const char *end)
{
    size_t o = 0;

    while (p < end) {
        unsigned v;
        char c = *p;
        if (c == '%') {
            /* Two hex digits: sscanf's "%2x" alone would read "%6i" as 6. */
            if (end - p < 3 || !isxdigit((unsigned char)p[1]) ||
                !isxdigit((unsigned char)p[2]) ||
                sscanf(p + 1, "%2x", &v) != 1 || v == 0)
                return false;
            c = (char)v;
            p += 3;
        } else {
            p++;
        }
        if (o + 1 >= n)
            return false;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return true;
}

static bool
iscsi_copy(char *dst, size_t n, const char *p, const char *end)
{
    if ((size_t)(end - p) >= n)
        return false;
    memcpy(dst, p, (size_t)(end - p));
    dst[end - p] = '\0';
    return true;
}

/* "?initiator=IQN"; other parameters are not iSCSI's.  The name must be an
 * iSCSI name (RFC 3720 3.2.6): a target checks it, and nothing else in it
 * ('/', '%', "://") can read as the start of another URI, whose redaction
 * would then cut the name. */
static int
iscsi_parse_query(const char *uri, const char *q, struct iscsi_address *addr,
                  struct err *err)
{
    if (q == NULL || q[1] == '\0')
        return 0;
    if (strncmp(q + 1, "initiator=", 10) != 0 || strchr(q + 1, '&') != NULL)
        return iscsi_bad_uri(err, uri,
                             "the only parameter is initiator=IQN "
                             "(fault= must come after it)");
    if (!iscsi_copy_decoded(addr->initiator, sizeof addr->initiator, q + 11,
                            q + strlen(q)) ||
        addr->initiator[0] == '\0')
        return iscsi_bad_uri(err, uri, "the initiator name is empty or long");
    if (!iscsi_name_valid(addr->initiator))
        return iscsi_bad_uri(err, uri,
                             "the initiator is not an iSCSI name (iqn., eui. "
                             "or naa.)");
    addr->initiator_given = true;
    return 0;
}

/* A host part holding '%' is refused before any lookup, quoted only up to
 * the '%': without an '@' after it, what follows may be a password. */
static int
iscsi_bad_host(struct err *err, const char *uri, const char *pct)
{
    char *head = xstrndup(uri, (size_t)(pct - uri));
    int rc = iscsi_bad_uri(err, head,
                           "the host holds '%' (a CHAP password is "
                           "followed by @HOST)");

    free(head);
    return rc;
}

/* USER[%PASSWORD] in [authority, at).  Not libiscsi's USER:PASSWORD: CHAP
 * names are often initiator names, which hold ':'. */
static int
iscsi_parse_userinfo(const char *uri, const char *authority,
                     const char *user_end, const char *at,
                     struct iscsi_address *addr, struct err *err)
{
    if (user_end == authority ||
        !iscsi_copy(addr->user, sizeof addr->user, authority, user_end))
        return iscsi_bad_uri(err, uri, "the CHAP user name is empty");
    if (strcspn(addr->user, "/?") != strlen(addr->user))
        return iscsi_bad_uri(err, uri, "the CHAP user name holds '/' or '?'");
    if (user_end != at &&
        !iscsi_copy(addr->password, sizeof addr->password, user_end + 1, at))
        return iscsi_bad_uri(err, uri, "the CHAP password is too long");
    return 0;
}

/* HOST, [IPV6] or HOST:PORT: libiscsi's portal, which it splits only when
 * it connects. */
static int
iscsi_parse_portal(const char *uri, const char *portal,
                   struct iscsi_address *addr, struct err *err)
{
    const char *end = portal + strlen(portal);
    const char *port = NULL, *name_end = end;

    if (*portal == '[') {
        const char *close = strchr(portal, ']');
        if (close == NULL)
            return iscsi_bad_uri(err, uri, "an IPv6 address lacks its ']'");
        if (close[1] == ':')
            port = close + 2;
        else if (close + 1 != end)
            return iscsi_bad_uri(err, uri, "junk after the IPv6 address");
        name_end = close + 1;
    } else {
        const char *colon = strchr(portal, ':');
        if (colon != NULL) {
            port = colon + 1;
            name_end = colon;
        }
    }
    if (name_end == portal ||
        !iscsi_copy(addr->host, sizeof addr->host, portal, name_end))
        return iscsi_bad_uri(err, uri, "the host is missing");
    if (port != NULL) {
        char *stop;
        long v = strtol(port, &stop, 10);
        if (port == end || stop != end || v < 1 || v > 65535)
            return iscsi_bad_uri(err, uri, "the port is not 1 to 65535");
        addr->port = (int)v;
    }
    return 0;
}

/* Whether every '%' in [p, end) starts an escape of a byte other than NUL:
 * libiscsi decodes any '%' and the two bytes after it. */
static bool
iscsi_escapes_valid(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == '%' &&
            (end - p < 3 || !isxdigit((unsigned char)p[1]) ||
             !isxdigit((unsigned char)p[2]) || (p[1] == '0' && p[2] == '0')))
            return false;
    return true;
}

/* What is wrong with the path "/TARGET/LUN" of a URI libiscsi refused. */
static int
iscsi_bad_path(const char *uri, const char *path, struct err *err)
{
    const char *lun = strchr(path + 1, '/');

    if (lun == NULL || lun == path + 1)
        return iscsi_bad_uri(err, uri, "the LUN is missing after the target");
    if (strchr(lun + 1, '/') != NULL)
        return iscsi_bad_uri(err, uri,
                             "more than /TARGET-IQN/LUN follows the host (a "
                             "target name holds no '/')");
    return iscsi_bad_uri(err, uri, "the LUN is not a number 0 to 16383");
}

/* The target and LUN libiscsi read from the path "/TARGET/LUN", checked
 * further: libiscsi takes an empty target name, decodes bad escapes and
 * wraps large LUNs. */
static int
iscsi_parse_lun(const char *uri, const char *path,
                const struct iscsi_url_parts *url, struct iscsi_address *addr,
                struct err *err)
{
    const char *lun = strchr(path + 1, '/') + 1;
    size_t target_len = strlen(url->target);

    /* libiscsi takes "//LUN" for an empty target name. */
    if (lun - 1 == path + 1)
        return iscsi_bad_uri(err, uri, "the LUN is missing after the target");
    if (!iscsi_escapes_valid(path + 1, lun - 1) ||
        target_len >= sizeof addr->target)
        return iscsi_bad_uri(err, uri, "the target name is not valid");
    /* Five digits at most after leading zeros ("007" is LUN 7): libiscsi
     * keeps strtol's long in an int, so 4294967299 would be LUN 3. */
    const char *digits = lun;
    while (digits[0] == '0' && digits[1] != '\0')
        digits++;
    if (strlen(digits) > 5 || url->lun < 0 || url->lun > 16383)
        return iscsi_bad_uri(err, uri, "the LUN is not a number 0 to 16383");
    memcpy(addr->target, url->target, target_len + 1);
    addr->lun = url->lun;
    return 0;
}

/*
 * libiscsi reads its own grammar, "iscsi://HOST[:PORT][/TARGET/LUN]";
 * modecon reads what it lacks: the user information (CHAP passwords may
 * hold any byte, iscsi_userinfo), "?initiator=", and the checks and
 * messages below.  libiscsi is given the URI without its user information
 * and query, so that no password reaches it or an error text of its own,
 * and none of its query parameters (which it would apply to a context).
 */
int
iscsi_address_parse(const char *uri, bool portal_only,
                    struct iscsi_address *addr, struct err *err)
{
    const char *p, *at, *host_end, *user_end, *q, *end;
    const char *env = getenv("MODECON_ISCSI_INITIATOR");

    memset(addr, 0, sizeof *addr);
    addr->port = ISCSI_DEFAULT_PORT;
    snprintf(addr->initiator, sizeof addr->initiator, "%s",
             env != NULL && env[0] != '\0' ? env : ISCSI_DEFAULT_INITIATOR);
    if (strncmp(uri, "iscsi://", 8) != 0)
        return iscsi_bad_uri(err, uri, "it does not start with iscsi://");
    p = uri + 8;
    /* Only one URI: a second "iscsi:" starting a word would end this one
     * for transport_redact.  Not quoted, for which part is the password is
     * not known. */
    if (*iscsi_uri_end(p) != '\0')
        return err_usage(err, "an iSCSI URI holds a second 'iscsi:'; "
                              "expected iscsi://[USER@]HOST[:PORT]/"
                              "TARGET-IQN/LUN");
    iscsi_userinfo(p, p + strlen(p), &host_end, &at, &user_end);
    q = strchr(host_end, '?');
    end = q != NULL ? q : host_end + strlen(host_end);
    if (at != NULL) {
        if (iscsi_parse_userinfo(uri, p, user_end, at, addr, err) != 0)
            return -1;
        p = at + 1;
    }
    const char *pct = memchr(p, '%', (size_t)(host_end - p));
    if (pct != NULL)
        return iscsi_bad_host(err, uri, pct);

    char bare[sizeof "iscsi://" + ISCSI_URL_MAX];
    if (end - p > ISCSI_URL_MAX) {
        char what[64];
        snprintf(what, sizeof what,
                 "the host, target and LUN are longer than %d bytes",
                 ISCSI_URL_MAX);
        return iscsi_bad_uri(err, uri, what);
    }
    snprintf(bare, sizeof bare, "iscsi://%.*s", (int)(end - p), p);
    struct iscsi_url_parts url;
    if (!iscsi_url_parse(bare, false, &url))
        return iscsi_bad_uri(err, uri, "the host is missing");
    if (iscsi_parse_portal(uri, url.portal, addr, err) != 0)
        return -1;

    /* /TARGET/LUN, or nothing for a portal. */
    const char *path = bare + strlen("iscsi://") + (host_end - p);
    if (*path == '\0' || path[1] == '\0') {
        if (!portal_only)
            return iscsi_bad_uri(err, uri, "the target and LUN are missing");
        return iscsi_parse_query(uri, q, addr, err);
    }
    if (!iscsi_url_parse(bare, true, &url))
        return iscsi_bad_path(uri, path, err);
    if (iscsi_parse_lun(uri, path, &url, addr, err) != 0)
        return -1;
    return iscsi_parse_query(uri, q, addr, err);
}


/* --- Target names ------------------------------------------------------ */

/* Whether [p, p + n) are n hex digits, either case. */
static bool
iscsi_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)p[i]))
            return false;
    return p[n] == '\0';
}

bool
iscsi_name_valid(const char *name)
{
    size_t len = strlen(name);

    if (len >= ISCSI_NAME_MAX)
        return false;
    /* "eui." and 16 hex digits (RFC 3720 3.2.6.3.2), "naa." and 16 or 32
     * (RFC 3980 2), in either case (the RFCs write them upper-case). */
    if (strncmp(name, "eui.", 4) == 0)
        return iscsi_hex(name + 4, 16);
    if (strncmp(name, "naa.", 4) == 0)
        return len == 20 ? iscsi_hex(name + 4, 16) : iscsi_hex(name + 4, 32);
    /* "iqn." and ASCII letters, digits, '.', '-' and ':' (RFC 3720
     * 3.2.6.2).  Upper-case letters are let through: the stringprep
     * profile (RFC 3722) maps them to lower case, so such a name still
     * names one target, and some targets advertise it so.  Nothing else,
     * non-ASCII included: no '/', '?', '%', '@', space or control byte
     * reaches a URI or a terminal. */
    if (strncmp(name, "iqn.", 4) != 0 || len == 4)
        return false;
    for (const char *c = name + 4; *c != '\0'; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != ':')
            return false;
    return true;
}


bool
iscsi_is_portal(const char *uri)
{
    struct iscsi_address addr;
    struct err err;

    err_clear(&err);
    return iscsi_address_parse(uri, true, &addr, &err) == 0 &&
           addr.target[0] == '\0';
}

void
iscsi_portal_text(const struct iscsi_address *addr, char *buf, size_t len)
{
    bool bare_v6 = strchr(addr->host, ':') != NULL && addr->host[0] != '[';

    snprintf(buf, len, "%s%s%s:%d", bare_v6 ? "[" : "", addr->host,
             bare_v6 ? "]" : "", addr->port);
}

void
iscsi_address_name(const struct iscsi_address *addr, char *buf, size_t len)
{
    char portal[300];

    iscsi_portal_text(addr, portal, sizeof portal);
    int n = snprintf(buf, len, "iscsi://%s%s%s", addr->user,
                     addr->user[0] ? "@" : "", portal);
    if (addr->target[0] != '\0' && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "/%s/%d", addr->target,
                      addr->lun);
    if (addr->initiator_given && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "?initiator=%s", addr->initiator);
}
