/* libFuzzer target: any line of the command language (the -c argument, a
 * replay file's line, a shell line) splits into commands, and each
 * command's words into options and arguments, or is refused with a
 * message; nothing is run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_discard(void *arg, const char *text)
{
    (void)arg;
    (void)text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct cmd_output output = {
        .out = fuzz_discard,
        .err = fuzz_discard,
    };
    char *text = malloc(size + 1);
    struct cmd_line line;
    struct cmd_ctx ctx;
    struct err err;

    memcpy(text, data, size);
    text[size] = '\0';
    cmd_ctx_init(&ctx, &output);
    err_clear(&err);
    if (cmd_line_parse(text, &line, &err) == 0) {
        for (size_t i = 0; i < line.ncmds; i++)
            cmd_check_words(&ctx, &line.cmds[i], &err);
        cmd_line_free(&line);
    }
    cmd_ctx_fini(&ctx);
    free(text);
    return 0;
}
