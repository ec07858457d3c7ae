/*
 * What the parts of replay share (cmd-replay.c, replay-script.c,
 * replay-check.c, fleet.c): a loaded file's lines, and the bound on files
 * that replay files.
 */
#ifndef MODECON_CMD_REPLAY_SCRIPT_H
#define MODECON_CMD_REPLAY_SCRIPT_H

#include "cmd/replay.h"

/* Replay files replaying files, at most: deeper is surely a mistake, and
 * each level holds its file in memory. */
#define REPLAY_MAX_DEPTH 8

struct replay_script {
    char *path;
    char *text; /* lines NUL-terminated in place */
    unsigned nlines;
};

/* The line after 'line' (each ends in its NUL). */
static inline const char *
replay_next_line(const char *line)
{
    while (*line != '\0')
        line++;
    return line + 1;
}

#endif
