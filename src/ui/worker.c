#define _GNU_SOURCE /* pthread_timedjoin_np */
#include "ui/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/line.h"
#include "util/xmalloc.h"

/* What a job does.  All but a line of the user's are the worker's own
 * jobs, which wait for a slot of the gate. */
enum worker_job_kind {
    WORKER_JOB_LINE,     /* a line of the command language, the user's */
    WORKER_JOB_IDENTIFY, /* drive_session_identify */
    WORKER_JOB_POLL,     /* drive_session_poll, while idle */
    WORKER_JOB_RELOAD,   /* drive_session_reload: changed by another */
};

struct worker_job {
    enum worker_job_kind kind;
    char *line; /* WORKER_JOB_LINE's, else NULL */
    unsigned seq;
    /* WORKER_JOB_LINE: a dry run, which sends nothing; the page is not
     * read again after it. */
    bool keep_page;
};

struct worker_gate {
    pthread_mutex_t lock;
    pthread_cond_t change; /* a slot was freed, or a waiting worker has
                              something better to do */
    size_t slots;
    size_t taken, most_taken;
    size_t refs; /* the console's and each worker's: a hung worker left
                    behind outlives the console */
};

struct worker {
    pthread_t thread;
    struct worker_gate *gate;
    bool at_gate; /* waiting for a slot; under the gate's lock */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct drive_session session; /* the thread's alone */
    int notify_fd;
    int poll_ms;

    /* Under 'lock': */
    struct worker_job *queue;
    size_t nqueue;
    unsigned last_seq;
    bool watch; /* the poll reads the page in view again, too */
    bool quit;
    double quit_since; /* when quit was first asked */
    /* Who frees w: whichever of the thread and worker_stop comes second
     * under the lock.  The thread marks 'ended' as it leaves; worker_stop
     * that finds it so joins the thread and frees w, else it marks
     * 'orphaned' and detaches the thread (both under the lock, so the
     * thread cannot have freed w meanwhile) and never touches w again,
     * and the thread frees w as it leaves. */
    bool ended;
    bool orphaned;
    bool running;
    struct worker_job job; /* when running */
    double job_since;
    struct drive_snapshot posted;
    bool has_posted;
};

double
worker_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Now plus 'ms' on the realtime clock, which the pthread waits use. */
static struct timespec
worker_deadline(int ms)
{
    struct timespec t;

    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

struct worker_gate *
worker_gate_new(size_t slots)
{
    struct worker_gate *gate = xcalloc(1, sizeof *gate);

    pthread_mutex_init(&gate->lock, NULL);
    pthread_cond_init(&gate->change, NULL);
    gate->slots = slots;
    gate->refs = 1;
    return gate;
}

static struct worker_gate *
worker_gate_ref(struct worker_gate *gate)
{
    if (gate != NULL) {
        pthread_mutex_lock(&gate->lock);
        gate->refs++;
        pthread_mutex_unlock(&gate->lock);
    }
    return gate;
}

void
worker_gate_release(struct worker_gate *gate)
{
    if (gate == NULL)
        return;
    pthread_mutex_lock(&gate->lock);
    bool last = --gate->refs == 0;
    pthread_mutex_unlock(&gate->lock);
    if (!last)
        return;
    pthread_mutex_destroy(&gate->lock);
    pthread_cond_destroy(&gate->change);
    free(gate);
}

size_t
worker_gate_most_taken(struct worker_gate *gate)
{
    pthread_mutex_lock(&gate->lock);
    size_t most = gate->most_taken;
    pthread_mutex_unlock(&gate->lock);
    return most;
}

/* What a worker waiting at the gate does next. */
enum worker_gate_outcome {
    GATE_TAKEN,  /* a slot is the worker's */
    GATE_PASSED, /* a command of the user's is queued: it goes first */
    GATE_QUIT,   /* the worker is asked to stop */
};

static enum worker_gate_outcome
worker_gate_outcome(struct worker *w)
{
    enum worker_gate_outcome outcome = GATE_TAKEN;

    pthread_mutex_lock(&w->lock);
    if (w->quit)
        outcome = GATE_QUIT;
    else if (w->nqueue > 0)
        outcome = GATE_PASSED;
    pthread_mutex_unlock(&w->lock);
    return outcome;
}

/* Wait for a slot for one of the worker's own jobs.  Locks: the gate's,
 * then the worker's, never the other way round. */
static enum worker_gate_outcome
worker_gate_enter(struct worker *w)
{
    struct worker_gate *gate = w->gate;
    enum worker_gate_outcome outcome;

    if (gate == NULL)
        return GATE_TAKEN;
    pthread_mutex_lock(&gate->lock);
    w->at_gate = true;
    while ((outcome = worker_gate_outcome(w)) == GATE_TAKEN &&
           gate->taken == gate->slots)
        pthread_cond_wait(&gate->change, &gate->lock);
    w->at_gate = false;
    if (outcome == GATE_TAKEN) {
        if (++gate->taken > gate->most_taken)
            gate->most_taken = gate->taken;
    } else if (gate->taken < gate->slots) {
        /* A freed slot's wake-up may have come to this worker: pass it
         * on to one that still waits. */
        pthread_cond_signal(&gate->change);
    }
    pthread_mutex_unlock(&gate->lock);
    return outcome;
}

static void
worker_gate_leave(struct worker *w)
{
    if (w->gate == NULL)
        return;
    pthread_mutex_lock(&w->gate->lock);
    w->gate->taken--;
    /* One waiter takes the slot: waking them all would cost a console of
     * thousands of drives a thundering herd on every job. */
    pthread_cond_signal(&w->gate->change);
    pthread_mutex_unlock(&w->gate->lock);
}

bool
worker_at_gate(struct worker *w)
{
    if (w->gate == NULL)
        return false;
    pthread_mutex_lock(&w->gate->lock);
    bool waiting = w->at_gate;
    pthread_mutex_unlock(&w->gate->lock);
    return waiting;
}

/* Wake w if it waits at the gate, to see its new job or its quit. */
static void
worker_gate_nudge(struct worker *w)
{
    if (w->gate == NULL)
        return;
    pthread_mutex_lock(&w->gate->lock);
    if (w->at_gate)
        pthread_cond_broadcast(&w->gate->change);
    pthread_mutex_unlock(&w->gate->lock);
}

static void
worker_free(struct worker *w)
{
    for (size_t i = 0; i < w->nqueue; i++)
        free(w->queue[i].line);
    free(w->queue);
    free(w->job.line);
    drive_snapshot_free(&w->posted);
    drive_session_fini(&w->session);
    worker_gate_release(w->gate);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}

static void
worker_post(struct worker *w, unsigned seq)
{
    pthread_mutex_lock(&w->lock);
    /* A poll's or a reload's snapshot (0) that comes before the console
     * took a command's answer replaces it, and must answer for it: the
     * session still holds that command's outcome, and keys typed ahead
     * wait for its number. */
    if (seq == 0 && w->has_posted)
        seq = w->posted.job_seq;
    w->session.snap.job_seq = seq;
    drive_snapshot_free(&w->posted);
    drive_snapshot_copy(&w->posted, &w->session.snap);
    w->has_posted = true;
    /* A full pipe already holds a wake-up: losing this byte is harmless.
     * A worker left behind by worker_stop wakes no one: the console may
     * have closed the pipe, and its number may be another file's by now. */
    if (!w->orphaned) {
        ssize_t n = write(w->notify_fd, "w", 1);
        (void)n;
    }
    pthread_mutex_unlock(&w->lock);
}

/* Wait for a job; false when it is time for a medium poll.  Called and
 * returns with the lock held. */
static bool
worker_next(struct worker *w, struct worker_job *job)
{
    struct timespec deadline = worker_deadline(w->poll_ms);

    while (w->nqueue == 0 && !w->quit) {
        int rc = w->poll_ms > 0
                     ? pthread_cond_timedwait(&w->wake, &w->lock, &deadline)
                     : pthread_cond_wait(&w->wake, &w->lock);
        if (rc == ETIMEDOUT && w->nqueue == 0)
            return false;
    }
    if (w->quit)
        return false;
    *job = w->queue[0];
    memmove(w->queue, w->queue + 1, --w->nqueue * sizeof *w->queue);
    return true;
}

/* Run a job on the drive; returns whether it has a snapshot to post. */
static bool
worker_run(struct worker *w, const struct worker_job *job)
{
    switch (job->kind) {
    case WORKER_JOB_LINE:
        drive_session_run(&w->session, job->line, !job->keep_page);
        return true;
    case WORKER_JOB_IDENTIFY:
        drive_session_identify(&w->session);
        return true;
    case WORKER_JOB_RELOAD:
        return drive_session_reload(&w->session);
    case WORKER_JOB_POLL:
        break;
    }
    pthread_mutex_lock(&w->lock);
    bool watch = w->watch;
    pthread_mutex_unlock(&w->lock);
    bool post = drive_session_poll(&w->session);
    /* The page in view, and any page after a UNIT ATTENTION that says its
     * values may have changed, is read again; not from a drive that just
     * failed TEST UNIT READY, which would hold the worker for another
     * time-out. */
    if (w->session.snap.media_error.hr == S_OK &&
        (watch || drive_session_attention(&w->session)) &&
        drive_session_reload(&w->session))
        post = true;
    return post;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        struct worker_job job = { WORKER_JOB_LINE, NULL, 0, false };
        bool got = worker_next(w, &job);
        if (w->quit) {
            free(job.line);
            break;
        }
        /* A drive that was busy, hung or broken when first asked is
         * asked again at each poll, until it answers; its row says so. */
        if (!got)
            job.kind = drive_session_known(&w->session) ? WORKER_JOB_POLL
                                                        : WORKER_JOB_IDENTIFY;
        bool own = job.kind != WORKER_JOB_LINE;
        pthread_mutex_unlock(&w->lock);
        /* The worker's own jobs wait for a slot; the user's pass by. */
        enum worker_gate_outcome gate =
            own ? worker_gate_enter(w) : GATE_PASSED;
        pthread_mutex_lock(&w->lock);
        if (gate == GATE_QUIT) {
            free(job.line);
            break;
        }
        if (own && gate == GATE_PASSED && !got) {
            /* The user's command answers sooner than the poll would. */
            continue;
        }
        /* Identifying goes on without a slot when the user is waiting
         * behind it. */
        bool holds_slot = own && gate == GATE_TAKEN;
        w->job = job;
        w->running = true;
        w->job_since = worker_now();
        pthread_mutex_unlock(&w->lock);

        bool post = worker_run(w, &job);

        pthread_mutex_lock(&w->lock);
        w->running = false;
        free(w->job.line);
        w->job.line = NULL;
        pthread_mutex_unlock(&w->lock);
        if (holds_slot)
            worker_gate_leave(w);
        /* A reload is no command of the user's: its snapshot is a
         * poll's, and leaves the last command's lines unlogged again. */
        if (post)
            worker_post(w, job.kind == WORKER_JOB_RELOAD ? 0 : job.seq);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    cmd_line_thread_done();
    pthread_mutex_lock(&w->lock);
    w->ended = true;
    bool orphaned = w->orphaned;
    pthread_mutex_unlock(&w->lock);
    if (orphaned)
        worker_free(w);
    return NULL;
}

struct worker *
worker_start(const char *uri, const struct cmd_ctx *global,
             struct worker_gate *gate, int notify_fd, int poll_ms)
{
    struct worker *w = xcalloc(1, sizeof *w);

    w->gate = worker_gate_ref(gate);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    drive_session_init(&w->session, uri, global);
    w->notify_fd = notify_fd;
    w->poll_ms = poll_ms;
    w->queue = xmalloc(sizeof *w->queue);
    w->queue[0] = (struct worker_job){ WORKER_JOB_IDENTIFY, NULL, 1, false };
    w->nqueue = 1;
    w->last_seq = 1;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        abort(); /* only when out of resources */
    return w;
}

/* Queue a job of 'kind' ('line' for WORKER_JOB_LINE, else NULL);
 * returns its number. */
static unsigned
worker_queue(struct worker *w, enum worker_job_kind kind, const char *line,
             bool keep_page)
{
    pthread_mutex_lock(&w->lock);
    w->queue = xrealloc(w->queue, (w->nqueue + 1) * sizeof *w->queue);
    unsigned seq = ++w->last_seq;
    w->queue[w->nqueue++] =
        (struct worker_job){ kind, line != NULL ? xstrdup(line) : NULL, seq,
                             keep_page };
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    worker_gate_nudge(w);
    return seq;
}

unsigned
worker_send(struct worker *w, const char *line)
{
    return worker_queue(w, WORKER_JOB_LINE, line, false);
}

unsigned
worker_send_preview(struct worker *w, const char *line)
{
    return worker_queue(w, WORKER_JOB_LINE, line, true);
}

void
worker_watch(struct worker *w, bool watch)
{
    pthread_mutex_lock(&w->lock);
    w->watch = watch;
    pthread_mutex_unlock(&w->lock);
}

void
worker_reload(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    /* A job running or waiting reads the page when it is done. */
    bool waiting = w->nqueue > 0 || w->running;
    pthread_mutex_unlock(&w->lock);
    if (!waiting)
        worker_queue(w, WORKER_JOB_RELOAD, NULL, false);
}

unsigned
worker_identify(struct worker *w)
{
    return worker_queue(w, WORKER_JOB_IDENTIFY, NULL, false);
}

bool
worker_take(struct worker *w, struct drive_snapshot *snap)
{
    bool taken;

    pthread_mutex_lock(&w->lock);
    taken = w->has_posted;
    if (taken) {
        *snap = w->posted;
        memset(&w->posted, 0, sizeof w->posted);
        w->has_posted = false;
    }
    pthread_mutex_unlock(&w->lock);
    return taken;
}

bool
worker_busy(struct worker *w, char *job, size_t len, double *since)
{
    bool busy;

    pthread_mutex_lock(&w->lock);
    busy = w->running;
    if (busy) {
        const char *text[] = {
            [WORKER_JOB_LINE] = w->job.line,
            [WORKER_JOB_IDENTIFY] = "identify",
            [WORKER_JOB_POLL] = "test unit ready",
            [WORKER_JOB_RELOAD] = "read the page again",
        };
        snprintf(job, len, "%s", text[w->job.kind]);
        *since = w->job_since;
    }
    pthread_mutex_unlock(&w->lock);
    return busy;
}

bool
worker_has_user_jobs(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool has = w->running && w->job.kind == WORKER_JOB_LINE;
    for (size_t i = 0; i < w->nqueue && !has; i++)
        has = w->queue[i].kind == WORKER_JOB_LINE;
    pthread_mutex_unlock(&w->lock);
    return has;
}

size_t
worker_queued(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    size_t n = w->nqueue;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void
worker_quit(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    if (!w->quit)
        w->quit_since = worker_now();
    w->quit = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    worker_gate_nudge(w);
}

void
worker_stop(struct worker *w, int wait_ms)
{
    worker_quit(w);
    int left = wait_ms - (int)((worker_now() - w->quit_since) * 1000);
    struct timespec deadline = worker_deadline(left > 0 ? left : 0);
    if (pthread_timedjoin_np(w->thread, NULL, &deadline) == 0) {
        worker_free(w);
        return;
    }
    /* The thread may have ended since the join gave up: decide who frees
     * w under the lock (struct worker, 'ended'). */
    pthread_mutex_lock(&w->lock);
    bool ended = w->ended;
    if (!ended) {
        /* A job is hung on the drive: the thread frees w when it
         * returns. */
        w->orphaned = true;
        pthread_detach(w->thread);
    }
    pthread_mutex_unlock(&w->lock);
    if (ended) {
        pthread_join(w->thread, NULL);
        worker_free(w);
    }
}
