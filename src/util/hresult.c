#include "util/hresult.h"

#include <stddef.h>
#include <strings.h>

struct hresult_row {
    uint32_t value;
    const char *name;
    const char *text;
    const char *advice;
};

#define H(name, text, advice) { name, #name, text, advice },
static const struct hresult_row hresult_rows[] = { HRESULT_LIST };
#undef H

static const struct hresult_row *
hresult_find(uint32_t hr)
{
    for (size_t i = 0; i < sizeof hresult_rows / sizeof hresult_rows[0]; i++)
        if (hresult_rows[i].value == hr)
            return &hresult_rows[i];
    return NULL;
}

const char *
hresult_name(uint32_t hr)
{
    const struct hresult_row *row = hresult_find(hr);
    return row ? row->name : NULL;
}

const char *
hresult_text(uint32_t hr)
{
    const struct hresult_row *row = hresult_find(hr);
    return row ? row->text : "unknown error";
}

const char *
hresult_advice(uint32_t hr)
{
    const struct hresult_row *row = hresult_find(hr);
    return row ? row->advice : "";
}

bool
hresult_by_name(const char *name, uint32_t *hr)
{
    for (size_t i = 0; i < sizeof hresult_rows / sizeof hresult_rows[0]; i++) {
        if (strcasecmp(hresult_rows[i].name, name) == 0) {
            *hr = hresult_rows[i].value;
            return true;
        }
    }
    return false;
}
