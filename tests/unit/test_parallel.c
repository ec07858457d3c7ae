#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/parallel.h"

/* Each call waits until 'limit' calls are in flight together (or 5 s
 * pass), so the test sees the most calls that parallel_for lets overlap
 * without depending on how fast anything runs. */
struct overlap {
    pthread_mutex_t lock;
    pthread_cond_t change;
    size_t limit;
    size_t in_flight;
    size_t most;
    size_t gathered; /* calls that saw 'limit' in flight together */
    atomic_int calls[40];
};

static void
overlap_call(void *arg, size_t i)
{
    struct overlap *o = arg;
    struct timespec deadline;

    atomic_fetch_add(&o->calls[i], 1);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&o->lock);
    o->in_flight++;
    if (o->in_flight > o->most)
        o->most = o->in_flight;
    pthread_cond_broadcast(&o->change);
    while (o->most < o->limit &&
           pthread_cond_timedwait(&o->change, &o->lock, &deadline) == 0)
        ;
    if (o->most == o->limit)
        o->gathered++;
    o->in_flight--;
    pthread_mutex_unlock(&o->lock);
}

static void
overlap_run(size_t count, size_t limit, struct overlap *o)
{
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->change, NULL);
    o->limit = limit < count ? limit : count;
    parallel_for(count, limit, overlap_call, o);
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->change);
}

Test(parallel, runs_every_item_once_and_no_more_at_once_than_the_limit)
{
    static struct overlap o;

    overlap_run(40, 4, &o);
    for (size_t i = 0; i < 40; i++)
        cr_expect_eq(atomic_load(&o.calls[i]), 1, "item %zu ran %d times", i,
                     atomic_load(&o.calls[i]));
    cr_assert_eq(o.most, 4, "%zu calls overlapped; the limit is 4", o.most);
    cr_assert_eq(o.gathered, 40);
}

Test(parallel, fewer_items_than_the_limit_all_run_together)
{
    static struct overlap o;

    overlap_run(3, 256, &o);
    cr_assert_eq(o.most, 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(atomic_load(&o.calls[i]), 1);
}

Test(parallel, nothing_to_do_returns_at_once)
{
    static struct overlap o;

    overlap_run(0, 8, &o);
    cr_assert_eq(o.most, 0);
}
