/*
 * HRESULT values that modecon reports.  The IMAPI2 values are those of the
 * Windows SDK's imapi2error.h; the COM and Win32 ones are those that the
 * IDiscRecorder2Ex methods document.  One list generates the name, meaning
 * and advice tables.
 */
#ifndef MODECON_UTIL_HRESULT_H
#define MODECON_UTIL_HRESULT_H

#include <stdbool.h>
#include <stdint.h>

/* The values: C enumerators must fit an int, HRESULTs do not. */
#define S_OK                                             0x00000000u
#define S_IMAPI_COMMAND_HAS_SENSE_DATA                   0x00AA0200u
#define E_POINTER                                        0x80004003u
#define E_FAIL                                           0x80004005u
#define E_OUTOFMEMORY                                    0x8007000Eu
#define E_INVALIDARG                                     0x80070057u
#define E_ACCESS_DENIED                                  0x80070005u
#define HRESULT_ERROR_INVALID_HANDLE                     0x80070006u
#define HRESULT_ERROR_DEV_NOT_EXIST                      0x80070037u
#define E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE               0xC0AA0201u
#define E_IMAPI_RECORDER_MEDIA_NO_MEDIA                  0xC0AA0202u
#define E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE              0xC0AA0203u
#define E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN               0xC0AA0204u
#define E_IMAPI_RECORDER_MEDIA_BECOMING_READY            0xC0AA0205u
#define E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS        0xC0AA0206u
#define E_IMAPI_RECORDER_MEDIA_BUSY                      0xC0AA0207u
#define E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS         0xC0AA0208u
#define E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED           0xC0AA0209u
#define E_IMAPI_RECORDER_NO_SUCH_FEATURE                 0xC0AA020Au
#define E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT          0xC0AA020Bu
#define E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED 0xC0AA020Cu
#define E_IMAPI_RECORDER_COMMAND_TIMEOUT                 0xC0AA020Du
#define E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT       0xC0AA020Eu
#define E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH            0xC0AA020Fu
#define E_IMAPI_RECORDER_LOCKED                          0xC0AA0210u
#define E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED             0xC0AA0212u
#define E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE    0xC0AA02FFu
#define E_IMAPI_LOSS_OF_STREAMING                        0xC0AA0300u
#define E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE          0xC0AA0301u

/* H(name, what it means for the user, what to try next) */
#define HRESULT_LIST                                                           \
    H(S_OK, "success", "")                                                     \
    H(S_IMAPI_COMMAND_HAS_SENSE_DATA,                                          \
      "the drive answered the command with sense data", "")                    \
    H(E_POINTER, "no data was given", "")                                      \
    H(E_FAIL, "the request failed", "")                                        \
    H(E_OUTOFMEMORY, "out of memory", "")                                      \
    H(E_INVALIDARG, "an argument is not valid for this request", "")           \
    H(E_ACCESS_DENIED, "access to the drive was denied",                       \
      "check the permissions of the device, or the iSCSI CHAP user and "       \
      "password")                                                              \
    H(HRESULT_ERROR_INVALID_HANDLE, "the drive is not open", "")               \
    H(HRESULT_ERROR_DEV_NOT_EXIST, "the drive is no longer available",         \
      "check the cable, the connection or the target, then try again")         \
    H(E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,                                      \
      "the drive does not have this mode page, or not this type of values",    \
      "list the drive's pages with 'modecon pages'")                           \
    H(E_IMAPI_RECORDER_MEDIA_NO_MEDIA, "there is no medium in the drive",      \
      "insert a disc and try again")                                           \
    H(E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,                                     \
      "the medium is incompatible or of an unknown format",                    \
      "try another disc")                                                      \
    H(E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN,                                      \
      "the medium is inserted upside down", "turn the disc over")              \
    H(E_IMAPI_RECORDER_MEDIA_BECOMING_READY,                                   \
      "the drive is still becoming ready", "wait a moment and try again")      \
    H(E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS,                               \
      "the medium is being formatted", "wait until the format has finished")   \
    H(E_IMAPI_RECORDER_MEDIA_BUSY,                                             \
      "the drive is busy with a long operation such as finishing a write",     \
      "wait until the operation has finished")                                 \
    H(E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,                                \
      "the drive does not accept these mode page values",                      \
      "change only fields that the drive reports as changeable")               \
    H(E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED, "the medium is write protected", \
      "use a writable disc")                                                   \
    H(E_IMAPI_RECORDER_NO_SUCH_FEATURE,                                        \
      "the drive does not support this feature", "")                           \
    H(E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT,                                 \
      "the feature is supported but not current", "")                          \
    H(E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED,                        \
      "the drive does not support GET CONFIGURATION", "")                      \
    H(E_IMAPI_RECORDER_COMMAND_TIMEOUT,                                        \
      "the drive did not answer within the time-out",                          \
      "raise --timeout, or power-cycle the drive if it stays silent")          \
    H(E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT,                              \
      "the DVD structure is not present", "")                                  \
    H(E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH,                                   \
      "the medium's speed does not suit the drive", "try another disc")        \
    H(E_IMAPI_RECORDER_LOCKED,                                                 \
      "another program has exclusive access to the drive",                     \
      "wait until it has finished, then try again")                            \
    H(E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED, "the medium is not formatted",     \
      "format the disc first")                                                 \
    H(E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,                           \
      "the drive answered with malformed or inconsistent data",                \
      "run with --trace FILE and look at the data the drive returned")         \
    H(E_IMAPI_LOSS_OF_STREAMING, "the drive ran out of data while writing",    \
      "lower the write speed or enable buffer under-run protection")           \
    H(E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,                                 \
      "the drive returned an error it could not recover from", "")

/* Name of a known HRESULT ("E_FAIL"), or NULL. */
const char *hresult_name(uint32_t hr);
/* A sentence for the user, or "unknown error". */
const char *hresult_text(uint32_t hr);
/* What to try next, or "" when there is nothing useful to say. */
const char *hresult_advice(uint32_t hr);
/* HRESULT by name, case-insensitive; false when unknown. */
bool hresult_by_name(const char *name, uint32_t *hr);

static inline bool
hresult_failed(uint32_t hr)
{
    return (hr & 0x80000000u) != 0;
}

#endif
