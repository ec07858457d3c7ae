#include "util/parallel.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/xmalloc.h"

/* modecon's own functions take at most about 9 KiB of stack each (gcc
 * -fstack-usage; libraries such as libiscsi, jansson and the resolver not
 * counted), so 512 KiB leaves ample room for the deepest chain, under the
 * sanitizers too; the default 8 MiB for each of 256 threads cost a tenth
 * of a 256-drive scan in mapping and unmapping stacks. */
#define PARALLEL_STACK_SIZE (512 * 1024)

struct parallel_run {
    void (*fn)(void *arg, size_t i);
    void *arg;
    size_t count;
    size_t next; /* the next index to take, under 'lock' */
    pthread_mutex_t lock;
};

static void *
parallel_worker(void *arg)
{
    struct parallel_run *run = arg;

    for (;;) {
        pthread_mutex_lock(&run->lock);
        size_t i = run->next < run->count ? run->next++ : run->count;
        pthread_mutex_unlock(&run->lock);
        if (i == run->count)
            return NULL;
        run->fn(run->arg, i);
    }
}

void
parallel_for(size_t count, size_t limit, void (*fn)(void *arg, size_t i),
             void *arg)
{
    struct parallel_run run = { fn, arg, count, 0, PTHREAD_MUTEX_INITIALIZER };
    size_t nthreads = count < limit ? count : limit;
    pthread_t *threads = xcalloc(nthreads ? nthreads : 1, sizeof *threads);
    size_t started = 0;
    pthread_attr_t attr;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PARALLEL_STACK_SIZE);
    for (size_t t = 1; t < nthreads; t++) {
        if (pthread_create(&threads[started], &attr, parallel_worker, &run) !=
            0)
            break;
        started++;
    }
    pthread_attr_destroy(&attr);
    parallel_worker(&run);
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    pthread_mutex_destroy(&run.lock);
}
