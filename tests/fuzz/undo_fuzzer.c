/* libFuzzer target: an undo record of any shape (a version 1 document or
 * version 2 JSON lines) is read, or refused with
 * a message naming the file, without a crash; every change read holds
 * whole pages, and the changes group into commands' runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/undolog.h"
#include "util/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The record's drive, as the seeds name it. */
#define FUZZ_DRIVE "emu:dvd-writer"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct undo_stack st = { 0 };
    struct err err;
    char *text = xmalloc(size + 1);

    memcpy(text, data, size);
    text[size] = '\0';
    st.path = xstrdup("fuzz.json");
    st.drive = xstrdup(FUZZ_DRIVE);
    err_clear(&err);
    if (undo_stack_parse(&st, text, &err) != 0 &&
        strncmp(err.msg, "fuzz.json", 9) != 0)
        abort(); /* every refusal names the file */
    for (size_t i = 0; i < st.count; i++) {
        const struct undo_change *c = &st.changes[i];
        if (c->len < 2 || c->before == NULL || c->sent == NULL)
            abort();
        for (size_t k = 0; k < c->nothers; k++)
            if (c->others[k].len < 2)
                abort();
    }
    /* The last command's changes are some of the changes, and there are
     * no more commands than changes. */
    size_t last = undo_stack_last_run(&st), runs = undo_stack_runs(&st);
    if (last > st.count || runs > st.count || (st.count > 0) != (last > 0) ||
        (st.count > 0) != (runs > 0))
        abort();
    undo_stack_free(&st);
    free(text);
    return 0;
}
