/*
 * A line of the command language: commands separated by ';', words split
 * by libedit's tokenizer (quotes and backslash escapes), '#' starting a
 * comment.  The command line's -c, replay files and (later) the shell and
 * the console all go through here.
 */
#ifndef MODECON_CMD_LINE_H
#define MODECON_CMD_LINE_H

#include "cmd/cmd.h"

struct cmd_words {
    int argc;
    char **argv; /* owned, NULL-terminated; one block with the words */
};

struct cmd_line {
    struct cmd_words *cmds;
    size_t ncmds;
};

/* Split 'text'; a usage error names the column of an unterminated quote. */
int cmd_line_parse(const char *text, struct cmd_line *line, struct err *err);
void cmd_line_free(struct cmd_line *line);

/* Find the command and split its words into options and arguments, as
 * running it would, without running it (for checks and fuzzing). */
int cmd_check_words(struct cmd_ctx *ctx, const struct cmd_words *w,
                    struct err *err);

/* Run one command's words; in batch mode its output is wrapped in
 * "%begin N" ... "%end N" (or "%error N"). */
enum cmd_status cmd_run_words(struct cmd_ctx *ctx, const struct cmd_words *w);

/*
 * Run every command of 'text' in order, stopping at the first that fails
 * unless ctx->keep_going.  Returns the status of the first failure, or
 * CMD_OK.  In batch mode each command's output is wrapped in
 * "%begin N" ... "%end N" (or "%error N").
 */
enum cmd_status cmd_run_line(struct cmd_ctx *ctx, const char *text);

/* Free the calling thread's tokenizer; a thread that parsed lines calls
 * this before it ends. */
void cmd_line_thread_done(void);

#endif
