/* A URI's CHAP password found in a text, and left out of it. */
#include "transport/redact.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "transport/secret.h"
#include "util/xmalloc.h"

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

bool
redact_next_password(const char *text, const char *p, const char **uri,
                     const char **from, const char **to, const char **host_end)
{
    while (*p != '\0') {
        const char *authority = NULL, *at, *user_end;
        if (iscsi_scheme_at(text, p)) {
            authority = p + 6 + strspn(p + 6, "/");
        } else if (strncmp(p, "://", 3) == 0) {
            authority = p + 3;
        } else {
            p++;
            continue;
        }
        const char *end = iscsi_uri_end(authority);
        iscsi_userinfo(authority, end, host_end, &at, &user_end);
        /* An "iscsi:" inside the word, as a password may hold one, ends
         * the URI here but not for its user, and the parser refuses the
         * URI: all that follows its '%' may be the password, so it all
         * goes, to the end of the word or line; the '%' stays, for the
         * refusal to name. */
        const char *pct =
            memchr(authority, '%',
                   (size_t)((at != NULL ? at : *host_end) - authority));
        if (pct != NULL && *end != '\0' && !isspace((unsigned char)end[-1])) {
            *uri = p;
            *from = pct + 1;
            *to = end + strlen(end);
            return true;
        }
        if (at != NULL && user_end != at) {
            *uri = p;
            *from = user_end;
            *to = at;
            return true;
        }
        /* "USER%PASSWORD" with its "@HOST" forgotten: the parser refuses
         * a host holding '%', and what follows the '%' may be a password
         * of any byte, so all of it goes; the '%' stays, for the
         * refusal to name. */
        if (at == NULL && pct != NULL && pct + 1 < end) {
            *uri = p;
            *from = pct + 1;
            *to = end;
            return true;
        }
        /* No URI starting before 'end' has a password either: its user
         * information ends at the same last '@', and its user name is a
         * tail of this one's.  So each text is read once. */
        p = end;
    }
    return false;
}

void
redact_cut(char *from, const char *to)
{
    size_t tail = strlen(to), gone = (size_t)(to - from);

    memmove(from, to, tail + 1);
    explicit_bzero(from + tail + 1, gone);
}

char *
transport_redact(const char *text)
{
    char *out = xstrdup(text);
    const char *uri, *from, *to, *host_end;

    for (char *p = out;
         redact_next_password(out, p, &uri, &from, &to, &host_end);
         p = (char *)from)
        redact_cut((char *)from, to);
    return out;
}
