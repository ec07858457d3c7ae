#include "transport/iscsi-url.h"

#include <iscsi/iscsi.h>
#include <stdio.h>
#include <string.h>

bool
iscsi_url_parse(const char *url, bool full, struct iscsi_url_parts *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(url) > strlen("iscsi://") + ISCSI_URL_MAX)
        return false;
    struct iscsi_url *parsed = full ? iscsi_parse_full_url(NULL, url)
                                    : iscsi_parse_portal_url(NULL, url);
    if (parsed == NULL)
        return false;
    snprintf(out->portal, sizeof out->portal, "%s", parsed->portal);
    snprintf(out->target, sizeof out->target, "%s", parsed->target);
    out->lun = parsed->lun;
    /* It also copies $LIBISCSI_CHAP_PASSWORD in; this wipes it. */
    iscsi_destroy_url(parsed);
    return true;
}
