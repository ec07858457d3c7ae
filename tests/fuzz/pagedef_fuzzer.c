/* libFuzzer target: the page definition parser and checker must refuse
 * any input with messages, never crash, hang or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pagedef.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct pagedb db;

    memcpy(text, data, size);
    text[size] = '\0';
    pagedb_init(&db);
    struct page_def *pd = pagedef_parse(&db, "fuzz.page", text);
    if (pd != NULL) {
        pagedef_check(&db, pd);
        pagedef_free(pd);
    }
    pagedb_fini(&db);
    free(text);
    return 0;
}
