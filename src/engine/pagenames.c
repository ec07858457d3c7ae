#include "engine/pagenames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct page_name pagenames_table[] = {
    { 0x01, "read-write-error-recovery",
      "IMAPI_MODE_PAGE_TYPE_READ_WRITE_ERROR_RECOVERY",
      "Read/Write Error Recovery" },
    { 0x03, "mrw", "IMAPI_MODE_PAGE_TYPE_MRW", "MRW (Mount Rainier)" },
    { 0x05, "write-parameters", "IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS",
      "Write Parameters" },
    { 0x08, "caching", "IMAPI_MODE_PAGE_TYPE_CACHING", "Caching" },
    { 0x0a, "control", NULL, "Control" },
    { 0x0d, "cd-device-parameters", NULL, "CD Device Parameters" },
    { 0x0e, "cd-audio-control", NULL, "CD Audio Control" },
    { 0x1a, "power-condition", "IMAPI_MODE_PAGE_TYPE_POWER_CONDITION",
      "Power Condition" },
    { 0x1c, "informational-exceptions",
      "IMAPI_MODE_PAGE_TYPE_INFORMATIONAL_EXCEPTIONS",
      "Fault/Failure Reporting Control" },
    { 0x1d, "timeout-and-protect", "IMAPI_MODE_PAGE_TYPE_TIMEOUT_AND_PROTECT",
      "Time-out and Protect" },
    { 0x2a, "legacy-capabilities", "IMAPI_MODE_PAGE_TYPE_LEGACY_CAPABILITIES",
      "MM Capabilities and Mechanical Status" },
};

#define PAGENAMES_COUNT (sizeof pagenames_table / sizeof pagenames_table[0])

const struct page_name *
pagenames_find(uint8_t code)
{
    for (size_t i = 0; i < PAGENAMES_COUNT; i++)
        if (pagenames_table[i].code == code)
            return &pagenames_table[i];
    return NULL;
}

const struct page_name *
pagenames_all(size_t *count)
{
    *count = PAGENAMES_COUNT;
    return pagenames_table;
}

/* A byte value: decimal, 0xHH or HHh. */
static bool
pagenames_number(const char *s, size_t len, unsigned long max,
                 unsigned long *out)
{
    char buf[16], *end;
    int base = 10;

    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (len > 1 && (buf[len - 1] == 'h' || buf[len - 1] == 'H')) {
        buf[len - 1] = '\0';
        base = 16;
    } else if (len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
        base = 16;
    }
    if (buf[0] == '-' || buf[0] == '+' || buf[0] == '\0')
        return false;
    errno = 0;
    *out = strtoul(buf, &end, base);
    return errno == 0 && *end == '\0' && *out <= max;
}

int
pagenames_parse(const char *text, uint8_t *code, uint8_t *subpage,
                struct err *err)
{
    const char *comma = strchr(text, ',');
    size_t len = comma ? (size_t)(comma - text) : strlen(text);
    unsigned long v;

    *subpage = 0;
    if (comma != NULL) {
        if (!pagenames_number(comma + 1, strlen(comma + 1), 0xfe, &v))
            return err_usage(err,
                             "page '%s': expected a subpage number from 0 to "
                             "0xfe after the comma",
                             text);
        *subpage = (uint8_t)v;
    }
    if (pagenames_number(text, len, 0x3e, &v)) {
        *code = (uint8_t)v;
        return 0;
    }
    for (size_t i = 0; i < PAGENAMES_COUNT; i++) {
        if (strlen(pagenames_table[i].name) == len &&
            strncasecmp(pagenames_table[i].name, text, len) == 0) {
            *code = pagenames_table[i].code;
            return 0;
        }
    }
    return err_usage(err,
                     "page '%.*s': expected a page code from 0x00 to 0x3e or "
                     "a page name (write-parameters, caching, "
                     "read-write-error-recovery, mrw, power-condition, "
                     "informational-exceptions, timeout-and-protect, "
                     "legacy-capabilities, cd-device-parameters, "
                     "cd-audio-control, control)",
                     (int)len, text);
}
