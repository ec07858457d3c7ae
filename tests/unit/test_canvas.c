/* The cell grid the console's screens are drawn into. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/canvas.h"

static char *
dump(const struct canvas *cv)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    canvas_dump(cv, f);
    fclose(f);
    return text;
}

/* Widths come from the locale's wcwidth, as on the user's terminal. */
static void
utf8_locale(void)
{
    cr_assert_not_null(setlocale(LC_ALL, "C.UTF-8"));
}

TestSuite(canvas, .init = utf8_locale);

Test(canvas, text_is_clipped_to_its_width_and_the_edge)
{
    struct canvas cv;
    canvas_init(&cv, 2, 10);
    cr_assert_eq(canvas_text(&cv, 0, 0, 4, STYLE_NORMAL, "abcdefgh"), 4);
    cr_assert_eq(canvas_text(&cv, 1, 7, -1, STYLE_ERROR, "xyz123"), 3);
    cr_assert_eq(canvas_text(&cv, 2, 0, -1, STYLE_NORMAL, "off the grid"), 0);
    char *text = dump(&cv);
    cr_assert_str_eq(text, "abcd\n       xyz\n");
    cr_assert_eq(canvas_cell(&cv, 1, 8)->style, STYLE_ERROR);
    free(text);
    canvas_fini(&cv);
}

Test(canvas, wide_characters_take_two_cells_and_never_half_of_one)
{
    struct canvas cv;
    canvas_init(&cv, 1, 5);
    /* U+6A5F U+5668 ("machine"), each two columns wide. */
    cr_assert_eq(
        canvas_text(&cv, 0, 0, -1, STYLE_NORMAL, "\xe6\xa9\x9f\xe5\x99\xa8!"),
        5);
    cr_assert_eq(canvas_cell(&cv, 0, 1)->glyph, 0);
    canvas_clear(&cv, STYLE_NORMAL);
    /* Three columns for two wide characters: the second is left out. */
    cr_assert_eq(
        canvas_text(&cv, 0, 0, 3, STYLE_NORMAL, "\xe6\xa9\x9f\xe5\x99\xa8"), 2);
    char *text = dump(&cv);
    cr_assert_str_eq(text, "\xe6\xa9\x9f\n");
    free(text);
    canvas_fini(&cv);
}

Test(canvas, bad_utf8_and_control_characters_show_as_placeholders)
{
    struct canvas cv;
    canvas_init(&cv, 1, 8);
    canvas_text(&cv, 0, 0, -1, STYLE_NORMAL,
                "a\xff"
                "b\x1b"
                "c");
    cr_assert_eq(canvas_cell(&cv, 0, 1)->glyph, 0xfffd);
    cr_assert_eq(canvas_cell(&cv, 0, 3)->glyph, '?');
    cr_assert_eq(canvas_text_width("a\xe6\xa9\x9f"), 3);
    canvas_fini(&cv);
}

Test(canvas, c1_controls_and_del_show_as_placeholders_too)
{
    struct canvas cv;
    canvas_init(&cv, 1, 8);
    /* CSI (U+009B) in UTF-8, DEL, then an overlong ESC. */
    canvas_text(&cv, 0, 0, -1, STYLE_NORMAL,
                "a\xc2\x9b"
                "b\x7f"
                "c\xe0\x80\x9b");
    cr_assert_eq(canvas_cell(&cv, 0, 1)->glyph, '?');
    cr_assert_eq(canvas_cell(&cv, 0, 3)->glyph, '?');
    cr_assert_eq(canvas_cell(&cv, 0, 5)->glyph, 0xfffd);
    canvas_fini(&cv);
}
