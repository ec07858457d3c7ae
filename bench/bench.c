#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    /* A note (the undo record dropping its oldest command once it holds
     * 32, on every set of a long run) is no failure: the run goes on. */
    if (strncmp(text, "note: ", 6) == 0)
        return;
    fprintf(stderr, "bench: %s\n", text);
    exit(1);
}

void
bench_rounds_init(struct bench_rounds *br, const char *unit, long per_round,
                  long rounds)
{
    br->unit = unit;
    br->per_round = per_round;
    br->rounds = rounds;
    br->done = 0;
    br->raw = br->modecon = 0;
    br->ratios = calloc((size_t)rounds, sizeof *br->ratios);
}

void
bench_rounds_add(struct bench_rounds *br, double raw_s, double modecon_s)
{
    br->ratios[br->done++] = modecon_s / raw_s;
    br->raw += raw_s;
    br->modecon += modecon_s;
}

static int
bench_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void
bench_rounds_report(struct bench_rounds *br, const char *raw_label,
                    const char *modecon_label)
{
    double n = (double)(br->done * br->per_round);

    qsort(br->ratios, (size_t)br->done, sizeof *br->ratios, bench_compare);
    printf("%-20s %.1f %ss/s  (%.1f us/%s)\n", raw_label, n / br->raw, br->unit,
           br->raw / n * 1e6, br->unit);
    printf("%-20s %.1f %ss/s  (%.1f us/%s)\n", modecon_label, n / br->modecon,
           br->unit, br->modecon / n * 1e6, br->unit);
    printf("ratio of totals      %.3f\n", br->modecon / br->raw);
    printf("median round ratio   %.3f  (%ld rounds of %ld; goal: at most "
           "1.05)\n",
           br->ratios[br->done / 2], br->done, br->per_round);
    free(br->ratios);
    br->ratios = NULL;
}
