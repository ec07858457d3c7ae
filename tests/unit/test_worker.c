/*
 * The console's drive workers on real threads: their own jobs share a
 * bounded gate, the user's commands do not wait for it.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/line.h"
#include "testutil.h"
#include "ui/worker.h"
#include "util/xmalloc.h"

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

/* Wait (at most until 'deadline') for w to answer job 'seq'. */
static bool
await_answer(struct worker *w, unsigned seq, double deadline)
{
    while (worker_now() < deadline) {
        if (answered(w, seq))
            return true;
        usleep(1000);
    }
    return false;
}

/* Wait for w to run its identification: the job under way. */
static bool
await_busy(struct worker *w, double deadline)
{
    char job[64] = "";
    double since;

    while (!worker_busy(w, job, sizeof job, &since) && worker_now() < deadline)
        usleep(1000);
    return strcmp(job, "identify") == 0;
}

TestSuite(worker, .init = setup, .fini = teardown, .timeout = 60);

Test(worker, identifying_many_drives_keeps_within_the_gate)
{
    struct worker_gate *gate = worker_gate_new(2);
    struct worker *w[DRIVES];
    size_t ndone = 0;

    for (int i = 0; i < DRIVES; i++)
        w[i] = worker_start("emu:dvd-writer?fault=latency:40", &ctx, gate,
                            wake[1], 0);
    double deadline = worker_now() + 50;
    for (int i = 0; i < DRIVES; i++)
        ndone += await_answer(w[i], 1, deadline);
    for (int i = 0; i < DRIVES; i++)
        worker_stop(w[i], 1000);
    size_t most = worker_gate_most_taken(gate);
    worker_gate_release(gate);
    cr_assert_eq(ndone, DRIVES, "%zu of %d drives identified", ndone, DRIVES);
    cr_assert_leq(most, 2, "%zu drives were asked at once through a gate of 2",
                  most);
    /* Six identifications of several 40 ms commands each: the second slot
     * is taken while the first is. */
    cr_assert_eq(most, 2, "the drives were never asked two at a time");
}

Test(worker, the_users_command_passes_a_poll_waiting_at_the_gate)
{
    struct worker_gate *gate = worker_gate_new(1);
    double deadline = worker_now() + 30;

    ctx.recorder.timeout_ms = 3000;
    /* A drive that polls its medium every 20 ms, identified first. */
    struct worker *ready =
        worker_start("emu:cd-atapi", &ctx, gate, wake[1], 20);
    cr_assert(await_answer(ready, 1, deadline));

    /* A hanging drive's identification takes the only slot, so the other
     * drive's next poll waits for it. */
    struct worker *hung =
        worker_start("emu:dvd-writer?fault=timeout", &ctx, gate, wake[1], 0);
    cr_assert(await_busy(hung, deadline), "the hanging drive never started");
    while (!worker_at_gate(ready) && worker_now() < deadline)
        usleep(1000);
    cr_assert(worker_at_gate(ready), "the poll never waited at the gate");

    /* The user's command on that drive runs all the same, at once. */
    unsigned seq = worker_send(ready, "pages");
    bool ran = false;
    char job[64];
    double since;
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

Test(worker, a_worker_waiting_at_the_gate_stops_when_asked)
{
    struct worker_gate *gate = worker_gate_new(1);
    double deadline = worker_now() + 30;

    ctx.recorder.timeout_ms = 3000;
    struct worker *hung =
        worker_start("emu:dvd-writer?fault=timeout", &ctx, gate, wake[1], 0);
    cr_assert(await_busy(hung, deadline), "the hanging drive never started");
    struct worker *waiting =
        worker_start("emu:cd-atapi", &ctx, gate, wake[1], 0);
    while (!worker_at_gate(waiting) && worker_now() < deadline)
        usleep(1000);
    cr_assert(worker_at_gate(waiting));

    /* Stopped while the slot is still held: quitting woke it. */
    worker_stop(waiting, 30000);
    char job[64];
    double since;
    cr_assert(worker_busy(hung, job, sizeof job, &since),
              "the worker stopped only once the slot was free");
    worker_stop(hung, 6000);
    worker_gate_release(gate);
}

/* Wait for w to post a snapshot 'done' says yes to. */
static bool
await_snapshot(struct worker *w, bool (*done)(const struct drive_snapshot *),
               double deadline)
{
    char drain[64];

    while (worker_now() < deadline) {
        struct drive_snapshot snap;
        while (read(wake[0], drain, sizeof drain) > 0)
            ;
        if (worker_take(w, &snap)) {
            bool yes = done(&snap);
            drive_snapshot_free(&snap);
            if (yes)
                return true;
        }
        usleep(1000);
    }
    return false;
}

static bool
identified(const struct drive_snapshot *snap)
{
    return snap->identified && snap->pages_known && snap->npages > 0;
}

static bool
failed(const struct drive_snapshot *snap)
{
    return !snap->identified && snap->failed;
}

Test(worker, the_poll_identifies_a_drive_that_failed_at_first)
{
    char path[600];
    snprintf(path, sizeof path, "%s/x.json", getenv("XDG_STATE_HOME"));
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{ \"this is\": \"not a drive\" ", f);
    fclose(f);
    char *uri = xasprintf("emu:%s", path);
    struct worker *w = worker_start(uri, &ctx, NULL, wake[1], 20);
    double deadline = worker_now() + 30;
    cr_assert(await_snapshot(w, failed, deadline));

    /* The file is fixed: the next poll asks again. */
    char from[512], buf[65536];
    snprintf(from, sizeof from, "%s/drives/dvd-writer.json",
             getenv("MODECON_DATA_DIR"));
    FILE *in = fopen(from, "r"), *out = fopen(path, "w");
    cr_assert(in != NULL && out != NULL, "%s", from);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    bool ok = await_snapshot(w, identified, deadline);
    worker_stop(w, 1000);
    free(uri);
    cr_assert(ok, "the drive was never identified after its file was fixed");
}

static bool
page_changed_outside(const struct drive_snapshot *snap)
{
    return snap->outside_changes > 0;
}

Test(worker, the_page_in_view_is_read_again_after_another_changes_it)
{
    double deadline = worker_now() + 30;
    struct worker *w = worker_start("emu:dvd-writer", &ctx, NULL, wake[1], 0);
    cr_assert(await_answer(w, 1, deadline));
    unsigned seq = worker_send(w, "page caching");
    cr_assert(await_answer(w, seq, deadline));

    struct cmd_ctx other;
    cmd_ctx_init(&other, &testutil_quiet_output);
    cr_assert_eq(cmd_run_line(&other, "set emu:dvd-writer caching WCE=0"),
                 CMD_OK);
    cmd_ctx_fini(&other);
    /* No poll (poll_ms 0): the console asks for the read. */
    worker_reload(w);
    bool ok = await_snapshot(w, page_changed_outside, deadline);
    worker_stop(w, 1000);
    cr_assert(ok, "the change by another was not seen");
}

/* Wait until w posts a snapshot (its wake-up byte), without taking it. */
static bool
await_post(double deadline)
{
    char byte;

    while (worker_now() < deadline) {
        if (read(wake[0], &byte, 1) == 1)
            return true;
        usleep(1000);
    }
    return false;
}

/* A reload's snapshot that replaces a command's answer before the console
 * took it answers for that command: keys typed ahead wait for its number,
 * and its lines are the command's. */
Test(worker, a_reload_posted_before_an_answer_is_taken_keeps_the_answer)
{
    double deadline = worker_now() + 30;
    struct worker *w = worker_start("emu:dvd-writer", &ctx, NULL, wake[1], 0);
    cr_assert(await_answer(w, 1, deadline));
    unsigned seq = worker_send(w, "page caching");
    bool posted = await_post(deadline);
    worker_reload(w);
    posted = posted && await_post(deadline);
    struct drive_snapshot snap;
    bool taken = worker_take(w, &snap);
    worker_stop(w, 1000);
    cr_assert(posted && taken, "the worker did not post twice");
    cr_assert_eq(snap.job_seq, seq, "the answer to job %u was replaced by %u",
                 seq, snap.job_seq);
    bool selected = false;
    for (size_t i = 0; i < snap.nlines; i++)
        selected = selected || strstr(snap.lines[i].text, "selected") != NULL;
    drive_snapshot_free(&snap);
    cr_assert(selected, "the command's lines were lost");
}

static bool
failed_command(const struct drive_snapshot *snap)
{
    return snap->failed && snap->nlines > 0;
}

/* A job's kind is no part of its text: a line that reads as one of the
 * worker's own jobs is still a line of the user's, and the command
 * language answers it. */
Test(worker, a_line_is_the_users_whatever_its_bytes)
{
    double deadline = worker_now() + 30;
    struct worker *w = worker_start("emu:dvd-writer", &ctx, NULL, wake[1], 0);
    cr_assert(await_answer(w, 1, deadline));
    unsigned seq = worker_send(w, "\001reload");
    bool answered_as_command = false;
    while (!answered_as_command && worker_now() < deadline) {
        struct drive_snapshot snap;
        char drain[64];
        while (read(wake[0], drain, sizeof drain) > 0)
            ;
        if (worker_take(w, &snap)) {
            answered_as_command = snap.job_seq == seq && failed_command(&snap);
            drive_snapshot_free(&snap);
        }
        if (!answered_as_command)
            usleep(1000);
    }
    worker_stop(w, 1000);
    cr_assert(answered_as_command,
              "the line was taken for a job of the worker's own");
}
