/*
 * Work on many drives at once.  Scanning a rack is mostly waiting on each
 * drive, so the scans overlap; a bound keeps a rack of thousands from
 * starting thousands of threads.
 */
#ifndef MODECON_UTIL_PARALLEL_H
#define MODECON_UTIL_PARALLEL_H

#include <stddef.h>

/* The most drives scanned at once, by list, pages and the console.  Above
 * the number of drives a rack holds, so that a rack costs one drive's time;
 * bounded so that a portal with thousands of LUNs stays within thread and
 * descriptor limits. */
#define PARALLEL_SCAN_MAX 256

/*
 * Call fn(arg, i) for every i below 'count', on at most 'limit' threads at
 * once (the calling thread is one of them), and return when all calls
 * have.  A thread that cannot be started only makes it slower.
 */
void parallel_for(size_t count, size_t limit, void (*fn)(void *arg, size_t i),
                  void *arg);

#endif
