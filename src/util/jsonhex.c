#include "util/jsonhex.h"

#include <stdlib.h>

#include "util/hex.h"

json_t *
jsonhex_string(const uint8_t *data, size_t len)
{
    char *text = hex_format(data, len, 0);
    json_t *value = json_string(text);

    free(text);
    return value;
}
