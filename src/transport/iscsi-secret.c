/*
 * CHAP passwords: where a login finds one, and the one copy modecon keeps
 * of each.
 */
#include "transport/iscsi-secret.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "transport/redact.h"
#include "transport/secret.h"
#include "util/hresult.h"
#include "util/xmalloc.h"

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
    portal.initiator_given = false;
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

/* Keep the password of the portal URI uri[0, len) ("iscsi://USER%PASSWORD@
 * HOST[:PORT]") for the logins of that user at that portal. */
static void
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
transport_set_password_prompt(transport_password_prompt ask)
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

int
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

bool
transport_take_secrets(char *word)
{
    const char *uri, *from, *to, *host_end;
    bool taken = false;

    for (char *p = word;
         redact_next_password(word, p, &uri, &from, &to, &host_end);
         p = (char *)to) {
        /* A word of another kind (a file name, a value) is left as it
         * is: only an iSCSI URI, however misspelt, is a drive's, and
         * messages redact the rest. */
        if (strncasecmp(uri, "iscsi:", 6) != 0)
            continue;
        /* Only what the iSCSI transport opens logs in. */
        if (strncmp(uri, "iscsi://", 8) == 0)
            iscsi_secret_keep(uri, (size_t)(host_end - uri));
        redact_cut((char *)from, to);
        to = from;
        taken = true;
    }
    return taken;
}
