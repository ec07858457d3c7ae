/*
 * The fault injector wraps any transport and makes chosen commands fail the
 * way real drives and links fail, so that every error path above the
 * transport can be tested without hardware.  drives/README.md documents
 * the SPEC grammar.
 */
#ifndef MODECON_TRANSPORT_FAULT_H
#define MODECON_TRANSPORT_FAULT_H

#include "transport/types.h"

/* Whether 'specs' (SPEC[,SPEC...]) parse; usage error naming the first
 * that does not. */
int fault_check(const char *specs, struct err *err);

/* Wrap 'inner' (ownership passes to the wrapper, also on failure). */
int fault_wrap(struct transport *inner, const char *specs,
               struct transport **out, struct err *err);

#endif
