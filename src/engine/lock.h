/*
 * Exclusive access to a drive across processes, after IMAPI's
 * AcquireExclusiveAccess: the holder's client name is recorded so that a
 * refused process can say who holds the drive.  The lock is an flock on a
 * file in the state directory, so it vanishes with a crashed holder.  The
 * file stays open between commits, so taking the lock is one flock.
 */
#ifndef MODECON_ENGINE_LOCK_H
#define MODECON_ENGINE_LOCK_H

#include "util/err.h"

struct drive_lock;

/* The lock for 'drive' (a URI), not yet taken. */
int lock_open(const char *drive, struct drive_lock **out, struct err *err);
void lock_close(struct drive_lock *lock);

/* Take it for 'client'; E_IMAPI_RECORDER_LOCKED naming the owner when
 * another process holds it. */
int lock_acquire(struct drive_lock *lock, const char *client, struct err *err);
void lock_release(struct drive_lock *lock);

#endif
