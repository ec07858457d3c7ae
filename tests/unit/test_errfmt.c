#include <criterion/criterion.h>
#include <string.h>

#include "engine/errfmt.h"

Test(errfmt, sense_error_names_hresult_sense_and_page_byte)
{
    static const uint8_t sense[18] = { 0x70, 0,  0x05, 0,    0,    0,
                                       0,    10, 0,    0,    0,    0,
                                       0x26, 0,  0,    0x8e, 0x00, 0x12 };
    struct err err;
    char line[512];

    err_clear(&err);
    err_set(&err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
            "page 0x05 (write-parameters): MODE SELECT(10) failed with "
            "ILLEGAL REQUEST");
    err.has_scsi = true;
    memcpy(err.sense, sense, sizeof sense);
    err.sense_len = sizeof sense;
    err.field_byte = 10;
    err.field_bit = 6;
    cr_assert_str_eq(
        errfmt_line(&err, line, sizeof line),
        "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208): the drive "
        "does not accept these mode page values: page 0x05 "
        "(write-parameters): MODE SELECT(10) failed with ILLEGAL REQUEST "
        "[sense 05/26/00 invalid field in parameter list, page byte 10 bit "
        "6]");
}

Test(errfmt, cdb_field_pointer_is_named_as_such)
{
    static const uint8_t sense[18] = { 0x70, 0,  0x05, 0,    0,    0,
                                       0,    10, 0,    0,    0,    0,
                                       0x24, 0,  0,    0xc8, 0x00, 0x01 };
    struct err err;
    char text[256];

    err_clear(&err);
    err_set(&err, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE, "x");
    err.has_scsi = true;
    memcpy(err.sense, sense, sizeof sense);
    err.sense_len = sizeof sense;
    cr_assert_str_eq(errfmt_sense(&err, text, sizeof text),
                     "05/24/00 invalid field in cdb, CDB byte 1 bit 0");
}

Test(errfmt, precheck_error_without_sense_names_the_page_byte)
{
    struct err err;
    char line[512];

    err_clear(&err);
    err_set(&err, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS, "byte 2 ...");
    err.field_byte = 2;
    err.field_bit = 7;
    cr_assert_str_eq(errfmt_line(&err, line, sizeof line),
                     "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208): "
                     "the drive does not accept these mode page values: "
                     "byte 2 ... [page byte 2 bit 7]");
}

Test(errfmt, usage_errors_are_just_their_message)
{
    struct err err;
    char line[128];

    err_clear(&err);
    err_usage(&err, "page 'x': expected a page code");
    cr_assert_str_eq(errfmt_line(&err, line, sizeof line),
                     "page 'x': expected a page code");
}

Test(errfmt, progress_of_a_format_is_shown)
{
    static const uint8_t sense[18] = { 0x70, 0,    0x02, 0,    0,    0,
                                       0,    10,   0,    0,    0,    0,
                                       0x04, 0x04, 0,    0x80, 0x80, 0x00 };
    struct err err;
    char text[256];

    err_clear(&err);
    err_set(&err, E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS, "x");
    err.has_scsi = true;
    memcpy(err.sense, sense, sizeof sense);
    err.sense_len = sizeof sense;
    cr_assert_str_eq(errfmt_sense(&err, text, sizeof text),
                     "02/04/04 logical unit not ready, format in progress, "
                     "50.0% done");
}
