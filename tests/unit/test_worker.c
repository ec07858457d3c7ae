/*
 * The console's drive workers on real threads: their own jobs share a
 * bounded gate, the user's commands do not wait for it.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"
#include "ui/worker.h"

#define DRIVES 6

static struct cmd_ctx ctx;
static int wake[2];

static void
setup(void)
{
    testutil_fresh_state();
    cmd_ctx_init(&ctx, &testutil_quiet_output);
    cmd_pagedb(&ctx);
    cr_assert_eq(pipe(wake), 0);
    fcntl(wake[1], F_SETFL, O_NONBLOCK);
    fcntl(wake[0], F_SETFL, O_NONBLOCK);
}

static void
teardown(void)
{
    cmd_ctx_fini(&ctx);
    close(wake[0]);
    close(wake[1]);
}

/* Whether w has posted the answer to job 'seq'; drains the wake-ups. */
static bool
answered(struct worker *w, unsigned seq)
{
    struct drive_snapshot snap;
    char drain[64];

    while (read(wake[0], drain, sizeof drain) > 0)
        ;
    if (!worker_take(w, &snap))
        return false;
    bool done = snap.job_seq == seq;
    drive_snapshot_free(&snap);
    return done;
}

TestSuite(worker, .init = setup, .fini = teardown, .timeout = 60);

Test(worker, identifying_many_drives_keeps_within_the_gate)
{
    struct worker_gate *gate = worker_gate_new(2);
    struct worker *w[DRIVES];
    bool done[DRIVES] = { false };
    size_t ndone = 0, most = 0;

    for (int i = 0; i < DRIVES; i++)
        w[i] = worker_start("emu:dvd-writer?fault=latency:40", &ctx, gate,
                            wake[1], 0);
    double deadline = worker_now() + 50;
    while (ndone < DRIVES && worker_now() < deadline) {
        size_t busy = 0;
        for (int i = 0; i < DRIVES; i++) {
            char job[64];
            double since;
            busy += worker_busy(w[i], job, sizeof job, &since);
            if (!done[i] && answered(w[i], 1)) {
                done[i] = true;
                ndone++;
            }
        }
        most = busy > most ? busy : most;
        usleep(1000);
    }
    for (int i = 0; i < DRIVES; i++)
        worker_stop(w[i], 1000);
    worker_gate_release(gate);
    cr_assert_eq(ndone, DRIVES, "%zu of %d drives identified", ndone, DRIVES);
    cr_assert_leq(most, 2, "%zu drives were asked at once through a gate of 2",
                  most);
    /* Each identification is several commands of 40 ms: the two slots
     * are both taken for most of the run. */
    cr_assert_eq(most, 2, "the drives were never asked two at a time");
}

Test(worker, a_users_command_does_not_wait_for_the_gate)
{
    struct worker_gate *gate = worker_gate_new(1);

    ctx.recorder.timeout_ms = 3000;
    struct worker *ready = worker_start("emu:cd-atapi", &ctx, gate, wake[1], 0);
    double deadline = worker_now() + 30;
    while (!answered(ready, 1) && worker_now() < deadline)
        usleep(1000);

    /* A hanging drive's identification takes the only slot... */
    struct worker *hung =
        worker_start("emu:dvd-writer?fault=timeout", &ctx, gate, wake[1], 0);
    char job[64];
    double since;
    while (!worker_busy(hung, job, sizeof job, &since) &&
           worker_now() < deadline)
        usleep(1000);
    cr_assert_str_eq(job, "identify");

    /* ...and the user's command on the other drive runs all the same. */
    unsigned seq = worker_send(ready, "pages");
    bool ran = false;
    while (!(ran = answered(ready, seq)) && worker_now() < deadline &&
           worker_busy(hung, job, sizeof job, &since))
        usleep(1000);
    bool hung_still = worker_busy(hung, job, sizeof job, &since);
    worker_stop(ready, 1000);
    worker_stop(hung, 6000);
    worker_gate_release(gate);
    cr_assert(ran, "the command waited behind the hanging drive");
    cr_assert(hung_still, "the hanging drive answered before the command did");
}
