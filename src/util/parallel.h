/*
 * Run many calls that mostly wait (on a drive, a network) at once, on a
 * bounded number of threads.
 */
#ifndef MODECON_UTIL_PARALLEL_H
#define MODECON_UTIL_PARALLEL_H

#include <stddef.h>

/*
 * Call fn(arg, i) for every i below 'count', on at most 'limit' threads at
 * once (the calling thread is one of them), and return when all calls
 * have.  A thread that cannot be started only makes it slower.
 */
void parallel_for(size_t count, size_t limit, void (*fn)(void *arg, size_t i),
                  void *arg);

#endif
