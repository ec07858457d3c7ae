/* libFuzzer target: any text as an iSCSI URI, a LUN's and a portal's.
 * What the parser (modecon's and libiscsi's together) accepts, its
 * redaction parses to the same drive as the same user with no password;
 * a property broken aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/iscsi-uri.h"
#include "transport/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_drive(const char *uri, bool portal)
{
    struct iscsi_address a, b;
    struct err err;

    err_clear(&err);
    if (iscsi_address_parse(uri, portal, &a, &err) != 0)
        return;
    char *shown = transport_redact(uri);
    err_clear(&err);
    if (iscsi_address_parse(shown, portal, &b, &err) != 0 ||
        strcmp(a.host, b.host) != 0 || a.port != b.port ||
        strcmp(a.target, b.target) != 0 || a.lun != b.lun ||
        strcmp(a.user, b.user) != 0 || strcmp(a.initiator, b.initiator) != 0 ||
        b.password[0] != '\0')
        abort();
    free(shown);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *uri = malloc(size + 1);

    memcpy(uri, data, size);
    uri[size] = '\0';
    same_drive(uri, false);
    same_drive(uri, true);
    free(uri);
    return 0;
}
