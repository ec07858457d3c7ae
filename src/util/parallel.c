#include "util/parallel.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/xmalloc.h"

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

    for (size_t t = 1; t < nthreads; t++) {
        if (pthread_create(&threads[started], NULL, parallel_worker, &run) != 0)
            break;
        started++;
    }
    parallel_worker(&run);
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    pthread_mutex_destroy(&run.lock);
}
