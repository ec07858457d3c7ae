/*
 * What the page definition files (pagedef.c, pagedef-parse.c,
 * pagedef-check.c) share and nobody else needs.
 */
#ifndef MODECON_ENGINE_PAGEDEF_INTERNAL_H
#define MODECON_ENGINE_PAGEDEF_INTERNAL_H

#include <stdarg.h>

#include "engine/pagedef.h"

/* Append one line to db->problems. */
void pagedb_vproblem(struct pagedb *db, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void pagedb_problem(struct pagedb *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Free what a field owns, not the field itself. */
void field_def_fini(struct field_def *fd);

#endif
