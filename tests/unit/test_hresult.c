#include <criterion/criterion.h>
#include <string.h>

#include "util/hresult.h"

/* The values of imapi2error.h and winerror.h that modecon returns. */
Test(hresult, values_match_the_windows_headers)
{
    static const struct {
        const char *name;
        uint32_t value;
    } want[] = {
        { "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE", 0xC0AA0201 },
        { "E_IMAPI_RECORDER_MEDIA_NO_MEDIA", 0xC0AA0202 },
        { "E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE", 0xC0AA0203 },
        { "E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN", 0xC0AA0204 },
        { "E_IMAPI_RECORDER_MEDIA_BECOMING_READY", 0xC0AA0205 },
        { "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS", 0xC0AA0206 },
        { "E_IMAPI_RECORDER_MEDIA_BUSY", 0xC0AA0207 },
        { "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS", 0xC0AA0208 },
        { "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED", 0xC0AA0209 },
        { "E_IMAPI_RECORDER_NO_SUCH_FEATURE", 0xC0AA020A },
        { "E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT", 0xC0AA020B },
        { "E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED", 0xC0AA020C },
        { "E_IMAPI_RECORDER_COMMAND_TIMEOUT", 0xC0AA020D },
        { "E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT", 0xC0AA020E },
        { "E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH", 0xC0AA020F },
        { "E_IMAPI_RECORDER_LOCKED", 0xC0AA0210 },
        { "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED", 0xC0AA0212 },
        { "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE", 0xC0AA02FF },
        { "E_IMAPI_LOSS_OF_STREAMING", 0xC0AA0300 },
        { "S_IMAPI_COMMAND_HAS_SENSE_DATA", 0x00AA0200 },
        { "E_POINTER", 0x80004003 },
        { "E_FAIL", 0x80004005 },
        { "E_OUTOFMEMORY", 0x8007000E },
        { "E_INVALIDARG", 0x80070057 },
        { "HRESULT_ERROR_INVALID_HANDLE", 0x80070006 },
        { "HRESULT_ERROR_DEV_NOT_EXIST", 0x80070037 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint32_t hr = 0;
        cr_assert(hresult_by_name(want[i].name, &hr), "%s", want[i].name);
        cr_assert_eq(hr, want[i].value, "%s: 0x%08X", want[i].name, hr);
        cr_assert_str_eq(hresult_name(hr), want[i].name);
    }
}

Test(hresult, every_failure_has_a_meaning_and_severity)
{
    uint32_t hr;
    cr_assert(hresult_by_name("e_imapi_recorder_locked", &hr));
    cr_assert(hresult_failed(hr));
    cr_assert_not(hresult_failed(S_OK));
    cr_assert_not(hresult_failed(S_IMAPI_COMMAND_HAS_SENSE_DATA));
    cr_assert_str_eq(hresult_text(E_IMAPI_RECORDER_LOCKED),
                     "another program has exclusive access to the drive");
    cr_assert_null(hresult_name(0xC0AA9999));
    cr_assert_str_eq(hresult_text(0xC0AA9999), "unknown error");
}
