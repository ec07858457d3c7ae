#include "cmd/changes.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/changes-undo.h"
#include "cmd/output.h"
#include "cmd/pagecache.h"
#include "engine/errfmt.h"
#include "transport/transport.h"
#include "util/applog.h"
#include "util/hex.h"
#include "util/hresult.h"
#include "util/jsonhex.h"
#include "util/paths.h"
#include "util/text.h"
#include "util/xmalloc.h"

/* ---- A MODE SELECT in flight ------------------------------------------- */

/* MODE SELECTs sent and not yet answered and recorded (console workers
 * send from several threads; lock-free, so a signal handler reads it). */
static atomic_int changes_flying;
/* Told when the last MODE SELECT in flight is answered and recorded. */
static changes_settled_fn *changes_settled;

bool
changes_in_flight(void)
{
    return atomic_load(&changes_flying) > 0;
}

void
changes_on_settled(changes_settled_fn *settled)
{
    changes_settled = settled;
}

/* ---- The intent of a MODE SELECT ----------------------------------------- */

/* The MODE SELECT's name in both logs, unique on this machine. */
static void
changes_new_select(char *buf, size_t len)
{
    static atomic_ulong selects;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(buf, len, "%lld.%09ld-%ld-%lu", (long long)now.tv_sec, now.tv_nsec,
             (long)getpid(), atomic_fetch_add(&selects, 1) + 1);
}

/* The MODE SELECT this thread has in flight, named by its intent: the
 * hooks before and after it run on the thread that sends it. */
static _Thread_local char changes_select[64];

/* ---- The audit log ----------------------------------------------------- */

static void
changes_audit_live(struct cmd_ctx *ctx, const struct select_event *ev,
                   const char *event, struct audit_select *a)
{
    memset(a, 0, sizeof *a);
    a->event = event;
    a->select = changes_select;
    a->pid = (long)getpid();
    a->command = ctx->client;
    a->run = ctx->run[0] != '\0' ? ctx->run : NULL;
    a->rt = ev->rt;
    a->before = ev->rep->before;
    a->before_len = ev->rep->before_len;
    a->cdb = ev->rep->cdb;
    a->param_list = ev->rep->param_list;
    a->param_len = ev->rep->param_len;
    a->undo_of = ctx->undoing ? ctx->undo_of : NULL;
}

/* ---- The hooks --------------------------------------------------------- */

static int
changes_before_select(void *arg, struct recorder *rec,
                      const struct select_event *ev, struct err *err)
{
    struct cmd_ctx *ctx = arg;
    struct scsi_identity id;
    struct err ignored;
    struct undo_stack st;
    char page[16];

    changes_page_name(ev->page, page, sizeof page);
    /* The identity for the audit line, asked while the drive answers. */
    err_clear(&ignored);
    if (recorder_known_identity(rec) == NULL)
        recorder_inquiry(rec, &id, &ignored);
    /* 1. The intent in the undo record, flushed: nothing goes out that
     * the record does not hold. */
    size_t len = 0;
    char *lines = NULL;
    changes_new_select(changes_select, sizeof changes_select);
    if (changes_load(ctx, rec, &st, err) != 0 ||
        (lines = changes_intent_lines(ctx, rec, &st, ev, changes_select, &len,
                                      err)) == NULL ||
        undo_log_append(&st, lines, len, true, err) != 0) {
        /* An intent written but not flushed (a failing disk) is closed
         * at once, so that no later process takes it for one whose
         * process ended with its MODE SELECT out.  Only in a record that
         * exists: a first record whose writing failed is not there, and
         * an outcome alone would make a file without its header. */
        struct err lost;
        struct stat sb;
        err_clear(&lost);
        if (lines != NULL && st.path != NULL && lstat(st.path, &sb) == 0)
            changes_undo_outcome(&st, changes_select, "not sent", false, &lost);
        err_prefix(err,
                   "page %s: the page's previous bytes could not be "
                   "recorded for undo, so nothing was sent",
                   page);
        free(lines);
        undo_stack_free(&st);
        return -1;
    }
    free(lines);
    /* 2. The intent in the audit log, flushed with its outcome. */
    struct audit_select a;
    changes_audit_live(ctx, ev, "intent", &a);
    if (changes_audit_append(changes_audit_common(rec, &a), false, err) != 0) {
        struct err lost;
        err_clear(&lost);
        changes_undo_outcome(&st, changes_select, "not sent", false, &lost);
        err_prefix(err, "page %s: nothing was sent", page);
        undo_stack_free(&st);
        return -1;
    }
    undo_stack_free(&st);
    atomic_fetch_add(&changes_flying, 1);
    return 0;
}

static int
changes_after_select(void *arg, struct recorder *rec,
                     const struct select_event *ev, struct err *err)
{
    struct cmd_ctx *ctx = arg;

    const struct set_report *rep = ev->rep;
    /* The read-back found the page as it was before: the drive kept its
     * values, whatever it answered. */
    struct err same;
    bool kept = rep->sent && rep->verified && rep->after != NULL &&
                rep->before != NULL &&
                !recorder_changed_since(rep->after, rep->after_len, rep->before,
                                        rep->before_len, "", &same);
    if (rep->sent)
        for (size_t i = 0; i < ctx->ndrives; i++)
            if (ctx->drives[i].rec == rec) {
                ctx->drives[i].changes++;
                ctx->drives[i].kept += kept;
            }
    /* A change the drive refused stays on the undo stack: drives may
     * have changed some values before finding the bad one (QIC-157 asks
     * for INVALID FIELD IN PARAMETER LIST then), and 'undo' compares the
     * page with it before it sends anything.
     *
     * The audit log's outcome first, flushed: the durable word on what
     * the drive did; then the undo record's, which a later process copies
     * from the audit log if it is lost. */
    struct audit_select a;
    changes_audit_live(ctx, ev, "outcome", &a);
    json_t *line = changes_audit_common(rec, &a);
    changes_audit_answer(line, ev);
    int rc = changes_audit_append(line, true, err);
    if (rc != 0)
        err_prefix(err,
                   "%s: the audit log could not be written (the change: %s)",
                   recorder_name(rec), changes_outcome(ev));
    /* Without the audit log's outcome the intent stays without one in
     * the undo record too, so that the next process finds it pending and
     * writes both, from the drive read back. */
    struct undo_stack st;
    struct err lost;
    err_clear(&lost);
    memset(&st, 0, sizeof st);
    char *dir = rc == 0 ? paths_state_dir("undo", &lost) : NULL;
    if (dir != NULL) {
        st.path = paths_key_file(dir, recorder_id(rec), ".jsonl");
        changes_undo_outcome(&st, changes_select, changes_outcome(ev), false,
                             &lost);
        free(st.path);
    }
    free(dir);
    /* A front end that waits for the drive before it ends the process
     * (an interruption) learns that it may. */
    if (atomic_fetch_sub(&changes_flying, 1) == 1 && changes_settled != NULL)
        changes_settled(changes_outcome(ev));
    return rc;
}

void
changes_watch(struct cmd_ctx *ctx, struct recorder *rec)
{
    struct recorder_hooks hooks = {
        .before_select = changes_before_select,
        .after_select = changes_after_select,
        .arg = ctx,
    };
    recorder_set_hooks(rec, &hooks);
}
