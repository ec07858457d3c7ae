#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/hex.h"

Test(hex, formats_sixteen_bytes_a_line)
{
    uint8_t data[18];
    for (int i = 0; i < 18; i++)
        data[i] = (uint8_t)(i * 17);
    char *text = hex_format(data, sizeof data, 16);
    cr_assert_str_eq(text, "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff\n"
                           "10 21");
    free(text);
}

Test(hex, formats_one_line_when_asked)
{
    uint8_t data[3] = { 0x05, 0x32, 0x40 };
    char *text = hex_format(data, 3, 0);
    cr_assert_str_eq(text, "05 32 40");
    free(text);
}

Test(hex, parses_its_own_output_and_other_forms)
{
    size_t len;
    uint8_t *out = testutil_hex("05 32\n40 0x01,0203 # comment 99\nff", &len);
    uint8_t want[] = { 0x05, 0x32, 0x40, 0x01, 0x02, 0x03, 0xff };
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(out, want, sizeof want);
    free(out);
}

Test(hex, names_line_and_column_of_a_bad_digit)
{
    struct err err;
    uint8_t *out;
    size_t len;

    err_clear(&err);
    cr_assert_eq(hex_parse("05 32\n40 g1", &out, &len, &err), -1);
    cr_assert(err.usage);
    cr_assert_str_eq(err.msg, "hex data, line 2 column 4: 'g' is not a hex "
                              "digit (expected 0-9, a-f)");
}

Test(hex, refuses_an_odd_number_of_digits)
{
    struct err err;
    uint8_t *out;
    size_t len;

    err_clear(&err);
    cr_assert_eq(hex_parse("05 3 40", &out, &len, &err), -1);
    cr_assert_str_eq(err.msg, "hex data, line 1 column 4: expected two hex "
                              "digits a byte, found 1 digit");
}

Test(hex, empty_text_is_no_bytes)
{
    size_t len = 99;
    uint8_t *out = testutil_hex("  # nothing\n", &len);
    cr_assert_eq(len, 0);
    free(out);
}
