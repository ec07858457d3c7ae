/*
 * The lexical layer of the page definition language (pages/README.md):
 * one line's tokens and the values written in them.  Private to the
 * pagedef files.
 */
#ifndef MODECON_ENGINE_PAGEDEF_TOKEN_H
#define MODECON_ENGINE_PAGEDEF_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pagedef.h"

#define PAGEDEF_MAX_TOKENS 64

struct token {
    char *text; /* unescaped; owned by the line */
    bool quoted;
    int col; /* 1-based */
};

struct parse {
    struct pagedb *db;
    const char *path;
    int line;
    struct token tok[PAGEDEF_MAX_TOKENS];
    int ntok;
    char *buf; /* the line's unescaped text */
    /* Where in the file the parser is: */
    bool seen_page;                 /* the 'page' line */
    struct repeat_def *open_repeat; /* inside 'repeat' ... 'end' */
    bool after_end;                 /* 'end' closed a group, no field yet */
};

/* Report "PATH:LINE:COL: message" in ps->db; returns -1. */
int parse_error(struct parse *ps, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Split 'line' (len bytes) into ps->tok; strings lose their quotes. */
int parse_tokens(struct parse *ps, const char *line, size_t len);

/* A number of the format: decimal or 0x hex, no sign, no octal. */
bool parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Token i as a number up to max, a quoted string (new, the caller's), or
 * the end of the line; each reports what it expected.  0 or -1. */
int parse_number(struct parse *ps, int i, uint64_t max, const char *what,
                 uint64_t *out);
int parse_string(struct parse *ps, int i, const char *what, char **out);
int parse_end(struct parse *ps, int i);

/* Append 'more' to *dst with a blank between. */
void parse_join(char **dst, const char *more);

/* Upper case letters, digits and '_', starting with a letter. */
bool parse_acronym_ok(const char *s);

/* Token i as a field's position (byte, bit and width). */
int parse_position(struct parse *ps, int i, struct field_def *fd);

#endif
