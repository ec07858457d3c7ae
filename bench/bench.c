#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double
bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_discard(void *arg, const char *text)
{
    (void)arg;
    (void)text;
}

void
bench_complain(void *arg, const char *text)
{
    (void)arg;
    fprintf(stderr, "bench: %s\n", text);
    exit(1);
}
