/*
 * Drives on other hosts: an iSCSI LUN as a transport, through libiscsi
 * (iscsi-link.c).  A lost connection fails the command in flight with
 * HRESULT_ERROR_DEV_NOT_EXIST and the next command logs in again, so a
 * target that restarts is reached again without reopening the drive.
 */
#include "transport/iscsi.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "transport/iscsi-link.h"
#include "transport/iscsi-url.h"
#include "transport/transport.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

/* Connecting and logging in at open; later reconnects use the command's
 * own time-out. */
#define ISCSI_OPEN_TIMEOUT_MS 10000

#define SCSI_REPORT_LUNS 0xa0
#define ISCSI_MAX_LUNS   256

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
            if (end - p < 3 || sscanf(p + 1, "%2x", &v) != 1 || v == 0)
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

/* "?initiator=IQN"; other parameters are not iSCSI's. */
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
    return 0;
}

bool
iscsi_scheme_at(const char *text, const char *p)
{
    if (strncasecmp(p, "iscsi:", 6) != 0)
        return false;
    if (p == text)
        return true;
    /* Not inside a name: "iqn.2005-03.org.open-iscsi:host1", open-iscsi's
     * own initiator names, is no URI. */
    return !isalnum((unsigned char)p[-1]) && strchr(".-+:", p[-1]) == NULL;
}

const char *
iscsi_uri_end(const char *authority)
{
    const char *c = authority;

    while (*c != '\0' && !iscsi_scheme_at(authority - 1, c))
        c++;
    return c;
}

void
iscsi_userinfo(const char *authority, const char *end, const char **host_end,
               const char **at, const char **user_end)
{
    const char *host = authority;

    *at = NULL;
    for (const char *c = end; c > authority; c--)
        if (c[-1] == '@') {
            *at = c - 1;
            host = c;
            break;
        }
    *host_end = host;
    while (*host_end < end && **host_end != '/' && **host_end != '?')
        (*host_end)++;
    *user_end = *at;
    if (*at == NULL)
        return;
    const char *pct = memchr(authority, '%', (size_t)(*at - authority));
    if (pct != NULL)
        *user_end = pct;
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
    /* Five digits at most: libiscsi keeps strtol's long in an int. */
    if (strlen(lun) > 5 || url->lun < 0 || url->lun > 16383)
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

/* --- CHAP passwords ---------------------------------------------------- */

/*
 * The passwords this process was given, one per user and portal, so that
 * a URI shown or kept without its password still logs in, and so that a
 * drive whose connection was lost logs in again (modecon reconnects
 * itself; libiscsi's own copy dies with each session's context).  This
 * is the one copy modecon keeps: every other is wiped once used, and
 * these at exit.  Drives are opened from the console's worker threads too.
 */
#define ISCSI_WHO_MAX 600

struct iscsi_secret {
    char who[ISCSI_WHO_MAX]; /* "iscsi://user@host:port" */
    char password[sizeof((struct iscsi_address *)0)->password];
};
static struct iscsi_secret *iscsi_secrets;
static size_t iscsi_nsecrets, iscsi_secrets_room;
static pthread_mutex_t iscsi_secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static transport_password_prompt iscsi_prompt;

static void
iscsi_secrets_wipe(void)
{
    pthread_mutex_lock(&iscsi_secrets_lock);
    if (iscsi_secrets != NULL)
        explicit_bzero(iscsi_secrets, iscsi_nsecrets * sizeof *iscsi_secrets);
    pthread_mutex_unlock(&iscsi_secrets_lock);
}

/* Whom a password is for: the user at the portal. */
static void
iscsi_who(const struct iscsi_address *addr, char *who, size_t len)
{
    struct iscsi_address portal = *addr;

    portal.target[0] = '\0';
    iscsi_address_name(&portal, who, len);
    explicit_bzero(&portal, sizeof portal);
}

void
transport_hold_secret(void)
{
    /* No core file, and no ptrace or /proc/PID/mem, environ... for the
     * user's other processes, any of which could read the secret: the
     * kernel owns a process that is not dumpable (prctl(2)). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void
iscsi_secret_store(const struct iscsi_address *addr)
{
    char who[ISCSI_WHO_MAX];
    size_t i;

    iscsi_who(addr, who, sizeof who);
    transport_hold_secret();
    pthread_mutex_lock(&iscsi_secrets_lock);
    if (iscsi_secrets == NULL)
        atexit(iscsi_secrets_wipe);
    for (i = 0; i < iscsi_nsecrets; i++)
        if (strcmp(iscsi_secrets[i].who, who) == 0)
            break;
    if (i == iscsi_secrets_room) {
        /* Moved by hand, for realloc would leave the old block as it is. */
        size_t room = iscsi_secrets_room ? 2 * iscsi_secrets_room : 4;
        struct iscsi_secret *more = xcalloc(room, sizeof *more);
        if (iscsi_secrets != NULL) {
            memcpy(more, iscsi_secrets, i * sizeof *more);
            explicit_bzero(iscsi_secrets, i * sizeof *more);
            free(iscsi_secrets);
        }
        iscsi_secrets = more;
        iscsi_secrets_room = room;
    }
    if (i == iscsi_nsecrets)
        iscsi_nsecrets++;
    snprintf(iscsi_secrets[i].who, sizeof iscsi_secrets[i].who, "%s", who);
    snprintf(iscsi_secrets[i].password, sizeof iscsi_secrets[i].password, "%s",
             addr->password);
    pthread_mutex_unlock(&iscsi_secrets_lock);
}

void
iscsi_secret_keep(const char *uri, size_t len)
{
    struct iscsi_address addr;
    struct err err;
    char *portal = xstrndup(uri, len);

    err_clear(&err);
    if (iscsi_address_parse(portal, true, &addr, &err) == 0 &&
        addr.password[0] != '\0')
        iscsi_secret_store(&addr);
    explicit_bzero(portal, len);
    free(portal);
    explicit_bzero(&addr, sizeof addr);
}

void
iscsi_set_password_prompt(transport_password_prompt ask)
{
    iscsi_prompt = ask;
}

/* The first line of a file only its owner may read. */
static int
iscsi_password_file(const char *path, struct iscsi_address *addr,
                    struct err *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

    if (fd < 0)
        return err_set(err, E_ACCESS_DENIED,
                       "MODECON_ISCSI_PASSWORD_FILE %s: %s", path,
                       strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(err, E_ACCESS_DENIED,
                       "MODECON_ISCSI_PASSWORD_FILE %s: not a regular file",
                       path);
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        close(fd);
        return err_set(err, E_ACCESS_DENIED,
                       "MODECON_ISCSI_PASSWORD_FILE %s: other users may "
                       "read or change it (mode %04o, owner %ld): it must "
                       "be yours and of mode 0600 (chmod 600 %s)",
                       path, (unsigned)(st.st_mode & 07777), (long)st.st_uid,
                       path);
    }
    char buf[sizeof addr->password + 2];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return err_set(err, E_ACCESS_DENIED,
                       "MODECON_ISCSI_PASSWORD_FILE %s: %s", path,
                       strerror(errno));
    buf[n] = '\0';
    size_t len = strcspn(buf, "\r\n");
    int rc = 0;
    if (len == 0)
        rc = err_set(err, E_ACCESS_DENIED,
                     "MODECON_ISCSI_PASSWORD_FILE %s: the first line is empty",
                     path);
    else if (len >= sizeof addr->password)
        rc = err_set(err, E_ACCESS_DENIED,
                     "MODECON_ISCSI_PASSWORD_FILE %s: the password is longer "
                     "than %zu bytes",
                     path, sizeof addr->password - 1);
    else
        snprintf(addr->password, sizeof addr->password, "%.*s", (int)len, buf);
    explicit_bzero(buf, sizeof buf);
    return rc;
}

/* A password from the environment: 1, or 0 when the variable is unset
 * or empty, or -1 when it does not fit. */
static int
iscsi_password_env(const char *name, struct iscsi_address *addr,
                   struct err *err)
{
    const char *value = getenv(name);

    if (value == NULL || value[0] == '\0')
        return 0;
    if (strlen(value) >= sizeof addr->password)
        return err_set(err, E_ACCESS_DENIED,
                       "%s: the password is longer than %zu bytes", name,
                       sizeof addr->password - 1);
    snprintf(addr->password, sizeof addr->password, "%s", value);
    return 1;
}

/*
 * The password of a URI that names a user and no password: the one this
 * process was given for that user and portal, else MODECON_ISCSI_PASSWORD,
 * else the file MODECON_ISCSI_PASSWORD_FILE names, else libiscsi's
 * LIBISCSI_CHAP_PASSWORD, else the user's answer at the front end's
 * prompt.  A password found is kept for the next login.
 */
static int
iscsi_secret_find(struct iscsi_address *addr, struct err *err)
{
    char who[ISCSI_WHO_MAX];
    const char *file = getenv("MODECON_ISCSI_PASSWORD_FILE");

    if (addr->user[0] == '\0')
        return 0;
    if (addr->password[0] != '\0') {
        iscsi_secret_store(addr);
        return 0;
    }
    iscsi_who(addr, who, sizeof who);
    pthread_mutex_lock(&iscsi_secrets_lock);
    for (size_t i = 0; i < iscsi_nsecrets; i++)
        if (strcmp(iscsi_secrets[i].who, who) == 0)
            snprintf(addr->password, sizeof addr->password, "%s",
                     iscsi_secrets[i].password);
    pthread_mutex_unlock(&iscsi_secrets_lock);
    if (addr->password[0] != '\0')
        return 0;
    int found = iscsi_password_env("MODECON_ISCSI_PASSWORD", addr, err);
    if (found == 0 && file != NULL && file[0] != '\0')
        found = iscsi_password_file(file, addr, err) == 0 ? 1 : -1;
    if (found == 0)
        found = iscsi_password_env("LIBISCSI_CHAP_PASSWORD", addr, err);
    if (found == 0 && iscsi_prompt != NULL &&
        iscsi_prompt(who, addr->password, sizeof addr->password) == 0 &&
        addr->password[0] != '\0')
        found = 1;
    if (found <= 0) {
        explicit_bzero(addr->password, sizeof addr->password);
        if (found < 0)
            return -1;
        return err_set(err, E_ACCESS_DENIED,
                       "%s: no CHAP password for %s: name a file of mode "
                       "0600 holding it in MODECON_ISCSI_PASSWORD_FILE, "
                       "or put it in MODECON_ISCSI_PASSWORD, or run "
                       "modecon on a terminal to be asked for it",
                       who, addr->user);
    }
    iscsi_secret_store(addr);
    return 0;
}

void
iscsi_secret_ask(const char *uri)
{
    struct iscsi_address addr;
    struct err err;

    err_clear(&err);
    /* A LUN's URI parses as a portal's too, its target and LUN read. */
    if (iscsi_address_parse(uri, true, &addr, &err) == 0)
        iscsi_secret_find(&addr, &err);
    explicit_bzero(&addr, sizeof addr);
}

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

bool
iscsi_is_portal(const char *uri)
{
    struct iscsi_address addr;
    struct err err;

    err_clear(&err);
    return iscsi_address_parse(uri, true, &addr, &err) == 0 &&
           addr.target[0] == '\0';
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
    for (size_t t = 0; t < ntargets && rc == 0; t++) {
        /* A name that is not an iSCSI name is not logged in to, nor made
         * part of a URI, where a '/', '?' or '%' it holds would read as
         * another target, a LUN or a query of the portal's choosing. */
        if (!iscsi_name_valid(targets[t])) {
            char quoted[ERR_QUOTE_MAX];
            char *message = xasprintf(
                "%s: left out the target %s: not an iSCSI name (RFC 3720 "
                "3.2.6: iqn. with letters, digits, '.', '-' and ':', or "
                "eui. or naa. with hex digits)",
                shown, err_quote(quoted, targets[t]));
            if (warn != NULL)
                warn(data, message);
            free(message);
            continue;
        }
        struct iscsi_address addr = portal;
        int luns[ISCSI_MAX_LUNS];
        size_t nluns = 0;
        snprintf(addr.target, sizeof addr.target, "%s", targets[t]);
        rc = iscsi_link_open(&addr, ISCSI_OPEN_TIMEOUT_MS, &link, err);
        if (rc == 0) {
            rc = iscsi_report_luns(link, luns, &nluns, ISCSI_OPEN_TIMEOUT_MS,
                                   err) < 0
                     ? -1
                     : 0;
            iscsi_link_close(link);
        }
        explicit_bzero(&addr, sizeof addr);
        *uris = xrealloc(*uris, (*count + nluns + 1) * sizeof **uris);
        /* The portal's URI as given, so that the user and the
         * initiator name carry over to each LUN (and the password, kept
         * by iscsi_secret_find, to its login). */
        for (size_t l = 0; l < nluns; l++)
            (*uris)[(*count)++] = iscsi_uri_with(shown, targets[t], luns[l]);
    }
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
