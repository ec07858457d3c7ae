#include "transport/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/applog.h"
#include "util/atomicfile.h"
#include "util/hex.h"
#include "util/xmalloc.h"

struct trace {
    int fd;
    char *path;
    /* Console workers trace from several threads. */
    pthread_mutex_t mutex;
    unsigned lost;      /* lines not written since the last failure taken */
    struct err failure; /* the first of them, when lost > 0 */
};

struct trace *
trace_open(const char *path, struct err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct trace *trace;

    if (fd < 0) {
        int e = errno;
        err_usage(err, "--trace %s: %s", path, strerror(e));
        err->os_errno = e;
        return NULL;
    }
    trace = xcalloc(1, sizeof *trace);
    trace->fd = fd;
    trace->path = xstrdup(path);
    pthread_mutex_init(&trace->mutex, NULL);
    err_clear(&trace->failure);
    return trace;
}

void
trace_close(struct trace *trace)
{
    if (trace == NULL)
        return;
    close(trace->fd);
    pthread_mutex_destroy(&trace->mutex);
    free(trace->path);
    free(trace);
}

static void
trace_hex(json_t *obj, const char *key, const uint8_t *data, size_t len)
{
    char *text = hex_format(data, len, 0);
    json_object_set_new(obj, key, json_string(text));
    free(text);
}

void
trace_record(struct trace *trace, const char *drive, const struct scsi_io *io,
             const struct err *failure, double ms)
{
    json_t *obj;
    char *line;
    size_t moved;

    if (trace == NULL)
        return;
    obj = json_object();
    json_object_set_new(obj, "drive", json_string(drive));
    trace_hex(obj, "cdb", io->cdb, io->cdb_len);
    moved = io->resid <= io->len ? io->len - io->resid : 0;
    if (io->dir == XFER_OUT)
        trace_hex(obj, "data_out", io->buf, io->len);
    else if (io->dir == XFER_IN && failure == NULL)
        trace_hex(obj, "data_in", io->buf, moved);
    if (failure != NULL) {
        json_object_set_new(obj, "error", json_string(failure->msg));
        json_object_set_new(obj, "hresult", json_integer(failure->hr));
    } else {
        json_object_set_new(obj, "status", json_integer(io->status));
        trace_hex(obj, "sense", io->sense, io->sense_len);
    }
    json_object_set_new(obj, "ms", json_real(ms));
    line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    if (line == NULL)
        return;
    size_t n = strlen(line);
    line = xrealloc(line, n + 2);
    line[n] = '\n';
    line[n + 1] = '\0';
    /* Whole lines only, under an flock as other processes tracing to the
     * same file take it.  A failed trace write does not fail the drive
     * command, which has run: the command fails after it, saying so. */
    struct err err;
    err_clear(&err);
    pthread_mutex_lock(&trace->mutex);
    if (applog_append_fd(trace->fd, trace->path, line, n + 1, &err) != 0 &&
        trace->lost++ == 0)
        trace->failure = err;
    pthread_mutex_unlock(&trace->mutex);
    free(line);
}

int
trace_take_failure(struct trace *trace, struct err *err)
{
    unsigned lost;

    pthread_mutex_lock(&trace->mutex);
    lost = trace->lost;
    if (lost > 0) {
        *err = trace->failure;
        trace->lost = 0;
        err_clear(&trace->failure);
    }
    pthread_mutex_unlock(&trace->mutex);
    if (lost == 0)
        return 0;
    err_prefix(err, "--trace: %u command%s not traced", lost,
               lost == 1 ? "" : "s");
    return -1;
}
