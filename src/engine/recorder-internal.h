/*
 * What the recorder's files (recorder.c, recorder-read.c, recorder-set.c)
 * share: the recorder itself and its command runner.  Not for callers of
 * recorder.h.
 */
#ifndef MODECON_ENGINE_RECORDER_INTERNAL_H
#define MODECON_ENGINE_RECORDER_INTERNAL_H

#include "engine/recorder.h"

struct recorder {
    struct transport *tp;
    struct recorder_options opts;
    struct drive_lock *lock;
    unsigned lock_count;
    bool refuses_all_pages; /* page 3Fh refused: pages were asked one by one */
    struct recorder_hooks hooks;
    struct scsi_identity identity; /* the last INQUIRY answer */
    bool identified;               /* 'identity' holds one */
    bool vendor_asked; /* INQUIRY answered, or asked for the rules once */
    unsigned long mode_attentions; /* UNIT ATTENTIONs 29h and 2Ah seen */
};

/*
 * Execute with the engine's bounded retries (UNIT ATTENTION, BECOMING
 * READY when 'wait_ready'); err set from the sense data as the recorder's
 * options map it.
 */
int recorder_exec(struct recorder *rec, struct scsi_io *io, bool wait_ready,
                  struct err *err);

#define RECORDER_LABEL_LEN 96

/* "page 0x05 (Write Parameters)" in buf, which it returns. */
const char *recorder_label(const struct recorder *rec,
                           char buf[RECORDER_LABEL_LEN], uint8_t code,
                           uint8_t subpage);

#endif
