#include "engine/errfmt.h"

#include <stdio.h>
#include <string.h>

#include "engine/sense.h"

char *
errfmt_sense(const struct err *err, char *buf, size_t len)
{
    struct sense s;
    char text[160];
    size_t n;

    buf[0] = '\0';
    if (!err->has_scsi || !sense_decode(err->sense, err->sense_len, &s)) {
        if (err->field_byte >= 0)
            snprintf(buf, len, "page byte %d%s", err->field_byte, "");
        if (err->field_byte >= 0 && err->field_bit >= 0) {
            n = strlen(buf);
            snprintf(buf + n, len - n, " bit %d", err->field_bit);
        }
        return buf;
    }
    sense_asc_text(s.asc, s.ascq, text, sizeof text);
    snprintf(buf, len, "%02x/%02x/%02x %s", s.key, s.asc, s.ascq, text);
    n = strlen(buf);
    if (s.deferred) {
        snprintf(buf + n, len - n, " (deferred error)");
        n = strlen(buf);
    }
    if (s.has_progress) {
        unsigned pm = sense_progress_permille(s.progress);
        snprintf(buf + n, len - n, ", %u.%u%% done", pm / 10, pm % 10);
    } else if (s.sksv && s.key == SENSE_ILLEGAL_REQUEST) {
        if (s.field_in_cdb)
            snprintf(buf + n, len - n, ", CDB byte %u", s.field);
        else if (err->field_byte >= 0)
            snprintf(buf + n, len - n, ", page byte %d", err->field_byte);
        else
            snprintf(buf + n, len - n, ", parameter list byte %u", s.field);
        n = strlen(buf);
        if (s.bit_valid)
            snprintf(buf + n, len - n, " bit %u", s.bit);
    }
    return buf;
}

char *
errfmt_line(const struct err *err, char *buf, size_t len)
{
    char sense[256];
    const char *name = hresult_name(err->hr);

    if (err->usage) {
        snprintf(buf, len, "%s", err->msg);
        return buf;
    }
    errfmt_sense(err, sense, sizeof sense);
    if (name != NULL)
        snprintf(buf, len, "%s (0x%08X): %s: %s%s%s%s", name, err->hr,
                 hresult_text(err->hr), err->msg, sense[0] ? " [" : "",
                 sense[0] && err->has_scsi ? "sense " : "", sense);
    else
        snprintf(buf, len, "HRESULT 0x%08X: %s%s%s%s", err->hr, err->msg,
                 sense[0] ? " [" : "",
                 sense[0] && err->has_scsi ? "sense " : "", sense);
    if (sense[0]) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "]");
    }
    return buf;
}
