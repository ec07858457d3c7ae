#include "transport/modepage.h"

struct mode_page_header
mode_page_header_decode(const uint8_t *page, size_t avail)
{
    struct mode_page_header h = { 0 };

    if (avail == 0)
        return h;
    h.ps = (page[0] & MODE_PAGE_PS) != 0;
    h.spf = (page[0] & MODE_PAGE_SPF) != 0;
    h.code = page[0] & MODE_PAGE_CODE;
    h.header_len = h.spf ? 4 : 2;
    if (avail < h.header_len)
        return h;
    if (h.spf) {
        h.subpage = page[1];
        h.page_length = (size_t)page[2] << 8 | page[3];
    } else {
        h.page_length = page[1];
    }
    h.complete = true;
    return h;
}
