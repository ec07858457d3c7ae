/*
 * CHAP passwords in drives' URIs: left out of every text that may be
 * shown or kept (redact.c), and kept for the logins of their user at
 * their portal (iscsi-secret.c).  Included by transport.h for the front
 * ends; the iSCSI transport includes it without the rest of the layer.
 */
#ifndef MODECON_TRANSPORT_SECRET_H
#define MODECON_TRANSPORT_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * 'text' (a URI, a word, a line of commands) with the CHAP password of
 * every URI in it left out: "iscsi://user%secret@host/..." becomes
 * "iscsi://user@host/...".  What is left out is what the iSCSI URI parser
 * reads as the password (iscsi_userinfo), in any scheme's "//" authority
 * and in a misspelt "iscsi:", so that no message, history, journal or
 * record shows it.  Returns a new string.
 */
char *transport_redact(const char *text);

/*
 * Take the CHAP passwords out of 'word' (a command's word, as the command
 * language or the shell passed it): each is kept for the logins of its
 * user at its portal, and 'word' is rewritten in place as
 * transport_redact has it, the bytes freed wiped.  From then on the
 * drive's URI holds no secret wherever it goes.  Returns whether there
 * was one.
 */
bool transport_take_secrets(char *word);

/* The process holds a secret from now until it exits: it is made not
 * dumpable.  Called wherever a CHAP password enters it. */
void transport_hold_secret(void);

/*
 * Asks the user for the CHAP password of 'who' ("iscsi://USER@HOST:PORT")
 * into buf (size len), without echo.  Returns 0, or -1 when it cannot ask
 * (no terminal).  Called from the thread that opens the drive.
 */
typedef int (*transport_password_prompt)(const char *who, char *buf,
                                         size_t len);

/* The front end's prompt for a CHAP password that is found nowhere else
 * (see docs/drives.md, "CHAP passwords"); NULL, the default, asks nobody. */
void transport_set_password_prompt(transport_password_prompt ask);

#endif
