#include "transport/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/hex.h"
#include "util/xmalloc.h"

struct trace {
    int fd;
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
    trace = xmalloc(sizeof *trace);
    trace->fd = fd;
    return trace;
}

void
trace_close(struct trace *trace)
{
    if (trace == NULL)
        return;
    close(trace->fd);
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
    /* O_APPEND with one write() keeps lines whole; a failed trace write
     * must not fail the drive command, so the result is dropped. */
    ssize_t written = write(trace->fd, line, n + 1);
    (void)written;
    free(line);
}
