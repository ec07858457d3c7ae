/* What the benchmarks share: a clock and output sinks. */
#ifndef MODECON_BENCH_H
#define MODECON_BENCH_H

/* Seconds on the monotonic clock. */
double bench_now(void);

/* A command's output is not the figure: it is dropped. */
void bench_discard(void *arg, const char *text);

/* An error means the benchmark measured something else: stop.  A note
 * (the undo record dropping its oldest command) goes on. */
void bench_complain(void *arg, const char *text);

/*
 * Rounds of a raw path against modecon's over it, run interleaved in one
 * process: the figure is the median of the rounds' ratios, which one
 * stray slow round (a rename, a page fault storm) does not move.
 */
struct bench_rounds {
    const char *unit; /* "cycle", "call" */
    long per_round;
    long rounds, done;
    double raw, modecon; /* seconds in all */
    double *ratios;
};

void bench_rounds_init(struct bench_rounds *br, const char *unit,
                       long per_round, long rounds);
void bench_rounds_add(struct bench_rounds *br, double raw_s, double modecon_s);
/* Print both rates, the ratio of totals and the median ratio; frees. */
void bench_rounds_report(struct bench_rounds *br, const char *raw_label,
                         const char *modecon_label);

#endif
