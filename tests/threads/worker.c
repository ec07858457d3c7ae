/*
 * The console's drive workers driven from a plain C program, not a
 * Criterion suite, so that it also runs under ThreadSanitizer (which
 * Criterion does not start under): every call the console makes on a
 * worker, from the console's thread while the workers run their jobs, and
 * workers stopped at every moment of their lives.  Under ASan a worker
 * freed twice, used after it is freed or never freed fails it; under
 * TSan any data race does.  Prints what it did; exits 1 on a failed
 * check.
 *
 * Usage: threads_worker [ROUNDS]  (the stop rounds; default 300)
 */
#include "ui/worker.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

#define DRIVES 4

static int wake[2];
static int failures;

static void
check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

static void
drop(void *arg, const char *text)
{
    (void)arg;
    (void)text;
}

static const struct cmd_output quiet = { drop, drop, NULL, NULL, NULL };

static void
drain(void)
{
    char bytes[64];

    while (read(wake[0], bytes, sizeof bytes) > 0)
        ;
}

/* Wait (polling, at most until 'deadline') for w to answer job 'seq',
 * asking it what it does meanwhile as the console's screen does. */
static bool
await_answer(struct worker *w, unsigned seq, double deadline)
{
    while (worker_now() < deadline) {
        struct drive_snapshot snap;
        char job[64];
        double since;

        drain();
        (void)worker_busy(w, job, sizeof job, &since);
        (void)worker_has_user_jobs(w);
        (void)worker_queued(w);
        (void)worker_at_gate(w);
        if (worker_take(w, &snap)) {
            bool done = snap.job_seq == seq;
            drive_snapshot_free(&snap);
            if (done)
                return true;
        }
        usleep(500);
    }
    return false;
}

/* Drives polled every few milliseconds through a gate of two slots, with
 * the user's commands, reloads and identifications queued among the
 * polls. */
static void
jobs_among_polls(const struct cmd_ctx *ctx)
{
    struct worker_gate *gate = worker_gate_new(2);
    struct worker *w[DRIVES];
    double deadline = worker_now() + 120;
    int answered = 0;

    for (int i = 0; i < DRIVES; i++)
        w[i] = worker_start(i % 2 ? "emu:cd-atapi" : "emu:dvd-writer", ctx,
                            gate, wake[1], 5);
    for (int i = 0; i < DRIVES; i++)
        answered += await_answer(w[i], 1, deadline);
    const char *lines[] = { "page caching", "show", "pages",
                            "edit WCE=0",   "diff", "discard" };
    for (size_t j = 0; j < sizeof lines / sizeof *lines; j++) {
        unsigned seq[DRIVES];
        for (int i = 0; i < DRIVES; i++) {
            worker_watch(w[i], j % 2 == 0);
            seq[i] = worker_send(w[i], lines[j]);
            worker_reload(w[i]);
        }
        for (int i = 0; i < DRIVES; i++)
            answered += await_answer(w[i], seq[i], deadline);
    }
    unsigned again = worker_identify(w[0]);
    answered += await_answer(w[0], again, deadline);
    for (int i = 0; i < DRIVES; i++)
        worker_quit(w[i]);
    for (int i = 0; i < DRIVES; i++)
        worker_stop(w[i], 10000);
    check(worker_gate_most_taken(gate) <= 2, "the gate let more than two in");
    worker_gate_release(gate);
    check(answered == DRIVES * 7 + 1, "a job went unanswered");
    printf("jobs among polls: %d jobs answered\n", answered);
}

/* Drives whose commands write files stamped with the time (the session's
 * history saved, a change's journal) at once: the calls that format the
 * time are each worker's own. */
static void
stamped_at_once(const struct cmd_ctx *ctx, const char *state)
{
    /* Two drives, each changed by one worker: a worker that found its
     * drive held by another would journal nothing. */
    const char *uris[] = { "emu:dvd-writer", "emu:ignoring" };
    struct worker *w[DRIVES];
    unsigned seq[DRIVES];
    double deadline = worker_now() + 60;
    int answered = 0;

    for (int i = 0; i < DRIVES; i++)
        w[i] = worker_start(uris[i % 2], ctx, NULL, wake[1], 0);
    for (int i = 0; i < DRIVES; i++)
        answered += await_answer(w[i], 1, deadline);
    for (int i = 0; i < DRIVES; i++) {
        char line[200];
        snprintf(line, sizeof line, "history save %s/history-%d", state, i);
        seq[i] = worker_send(w[i], line);
    }
    for (int i = 0; i < DRIVES; i++)
        answered += await_answer(w[i], seq[i], deadline);
    for (int i = 0; i < 2; i++) {
        char line[200];
        snprintf(line, sizeof line, "set %s caching WCE=0", uris[i]);
        seq[i] = worker_send(w[i], line);
    }
    for (int i = 0; i < 2; i++)
        answered += await_answer(w[i], seq[i], deadline);
    for (int i = 0; i < DRIVES; i++)
        worker_stop(w[i], 10000);
    check(answered == 2 * DRIVES + 2, "a job went unanswered");
    printf("stamped at once: %d histories saved, 2 changes journaled\n",
           DRIVES);
}

/*
 * An idle worker stopped without waiting: its thread ends at the moment
 * worker_stop gives up on it, before, during or after, so that over the
 * rounds each side comes second.  Whichever does must free the worker,
 * once.
 */
static void
stopped_as_it_ends(const struct cmd_ctx *ctx, int rounds)
{
    int identified = 0;

    for (int i = 0; i < rounds; i++) {
        struct worker *w =
            worker_start("emu:dvd-writer", ctx, NULL, wake[1], 0);
        identified += await_answer(w, 1, worker_now() + 60);
        worker_stop(w, 0);
    }
    check(identified == rounds, "a drive was not identified");
    printf("stopped as it ends: %d rounds\n", rounds);
}

/* The threads of this process now. */
static int
threads_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    int n = -1;

    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return n;
}

/* A worker stopped while its job hangs on the drive is left behind, and
 * its thread frees it when the job ends, writing nothing to the wake-up
 * pipe, which the console has closed by then and whose number another
 * file may hold: here a second pipe, which must stay empty. */
static void
left_behind(struct cmd_ctx *ctx)
{
    int before = threads_now();
    unsigned long timeout = ctx->recorder.timeout_ms;

    ctx->recorder.timeout_ms = 200;
    struct worker *w =
        worker_start("emu:dvd-writer?fault=timeout", ctx, NULL, wake[1], 0);
    ctx->recorder.timeout_ms = timeout;
    char job[64];
    double since;
    double deadline = worker_now() + 60;
    while (!worker_busy(w, job, sizeof job, &since) && worker_now() < deadline)
        usleep(500);
    worker_stop(w, 0);
    int other[2];
    check(pipe(other) == 0 && dup2(other[1], wake[1]) == wake[1],
          "a pipe in place of the wake-up pipe");
    fcntl(other[0], F_SETFL, O_NONBLOCK);
    drain();
    while (threads_now() > before && worker_now() < deadline)
        usleep(1000);
    check(threads_now() <= before, "the left-behind worker ended");
    char byte;
    check(read(other[0], &byte, 1) != 1,
          "a worker left behind wrote to a pipe the console had closed");
    close(other[0]);
    close(other[1]);
    printf("left behind: one hung worker\n");
}

int
main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 300;
    char state[] = "/tmp/modecon-threads-XXXXXX";
    struct cmd_ctx ctx;

    /* Each line out at once: a sanitizer ending the program at exit
     * skips the flush of a full buffer. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (mkdtemp(state) == NULL || pipe(wake) != 0) {
        perror("threads_worker");
        return 1;
    }
    fcntl(wake[0], F_SETFL, O_NONBLOCK);
    fcntl(wake[1], F_SETFL, O_NONBLOCK);
    setenv("XDG_STATE_HOME", state, 1);
    cmd_ctx_init(&ctx, &quiet);
    cmd_pagedb(&ctx);

    jobs_among_polls(&ctx);
    stamped_at_once(&ctx, state);
    stopped_as_it_ends(&ctx, rounds);
    left_behind(&ctx);

    cmd_ctx_fini(&ctx);
    close(wake[0]);
    close(wake[1]);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", state);
    if (system(rm) != 0)
        fprintf(stderr, "threads_worker: could not remove %s\n", state);
    return failures > 0;
}
