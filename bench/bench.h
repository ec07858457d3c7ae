/* What the benchmarks share: a clock and output sinks. */
#ifndef MODECON_BENCH_H
#define MODECON_BENCH_H

/* Seconds on the monotonic clock. */
double bench_now(void);

/* A command's output is not the figure: it is dropped. */
void bench_discard(void *arg, const char *text);

/* A diagnostic means the benchmark measured something else: stop. */
void bench_complain(void *arg, const char *text);

#endif
