/* modecon: a console for the mode pages of optical and other SCSI drives. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "util/xmalloc.h"

static void
main_out(void *arg, const char *text)
{
    (void)arg;
    fputs(text, stdout);
    fputc('\n', stdout);
}

static void
main_err(void *arg, const char *text)
{
    (void)arg;
    fflush(stdout); /* keep the two streams in order on a terminal */
    fprintf(stderr, "modecon: %s\n", text);
}

#define MAIN_INPUT_MAX (1u << 20)

static char *
main_read_input(void *arg, struct err *err)
{
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);

    (void)arg;
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len - 1, stdin);
        len += n;
        if (n == 0)
            break;
        if (len + 1 == cap) {
            if (cap >= MAIN_INPUT_MAX) {
                free(buf);
                err_usage(err, "standard input: more than %u bytes",
                          MAIN_INPUT_MAX);
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    if (ferror(stdin)) {
        free(buf);
        err_usage(err, "standard input: %s", strerror(errno));
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int
main(int argc, char **argv)
{
    static const struct cmd_output output = {
        .out = main_out,
        .err = main_err,
        .read_input = main_read_input,
        .arg = NULL,
    };
    struct cmd_ctx ctx;
    int first = 1, status;

    if (argc > 1 && (strcmp(argv[1], "--version") == 0)) {
        printf("modecon %s\n", MODECON_VERSION);
        return 0;
    }
    cmd_ctx_init(&ctx, &output);
    /* Global options before the command name go to the command, which
     * accepts them anywhere among its arguments. */
    while (first < argc && argv[first][0] == '-' &&
           strcmp(argv[first], "-") != 0) {
        if (strcmp(argv[first], "--help") == 0 ||
            strcmp(argv[first], "-h") == 0) {
            char *help[] = { (char *)"help", NULL };
            status = (int)cmd_run_argv(&ctx, 1, help);
            cmd_ctx_fini(&ctx);
            return status;
        }
        /* "--trace FILE" takes the next word; "--trace=FILE" does not;
         * anything else is left for the command to reject. */
        bool takes_value = false;
        for (size_t i = 0; cmd_global_options[i].name != NULL; i++)
            if (strncmp(argv[first], "--", 2) == 0 &&
                strcmp(argv[first] + 2, cmd_global_options[i].name) == 0)
                takes_value = cmd_global_options[i].has_arg;
        first += takes_value ? 2 : 1;
    }
    if (first >= argc) {
        char *help[] = { (char *)"help", NULL };
        cmd_run_argv(&ctx, 1, help);
        cmd_ctx_fini(&ctx);
        return 2;
    }
    /* Move the command name first: "modecon --trace f get D 5" runs
     * "get --trace f D 5". */
    char **words = xcalloc((size_t)argc + 1, sizeof *words);
    int n = 0;
    words[n++] = argv[first];
    for (int i = 1; i < argc; i++)
        if (i != first)
            words[n++] = argv[i];
    status = (int)cmd_run_argv(&ctx, n, words);
    free(words);
    cmd_ctx_fini(&ctx);
    fflush(stdout);
    return status;
}
