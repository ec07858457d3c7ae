#include "cmd/differences.h"

#include <stdlib.h>
#include <string.h>

#include "engine/scsi.h"
#include "util/xmalloc.h"

size_t
edit_differences(const struct page_def *pd, const uint8_t *a, const uint8_t *b,
                 const uint8_t *mask, size_t len, struct field_ref **fields,
                 uint8_t **loose)
{
    struct field_ref *refs = NULL;
    size_t nrefs = pd != NULL ? field_list(pd, a, len, &refs) : 0, n = 0;
    uint8_t *mine = xcalloc(1, len);

    *loose = xcalloc(1, len);
    for (size_t k = mode_page_header_decode(a, len).header_len; k < len; k++)
        (*loose)[k] = (uint8_t)((a[k] ^ b[k]) & (mask ? mask[k] : 0xff));
    for (size_t i = 0; i < nrefs; i++) {
        memset(mine, 0, len);
        field_mark(mine, &refs[i]);
        bool differs = false;
        for (size_t k = 0; k < len; k++) {
            differs |= ((a[k] ^ b[k]) & mine[k] & (mask ? mask[k] : 0xff)) != 0;
            (*loose)[k] &= (uint8_t)~mine[k];
        }
        if (differs)
            refs[n++] = refs[i];
    }
    free(mine);
    *fields = refs;
    return n;
}
