/*
 * What the console's own files share and nothing else uses: the view
 * and the terminal loop see only ui/console.h.  The console is one state
 * (struct console) in several files, one job each:
 *
 *   console.c          the state: drives, their jobs, the log, the error
 *   console-collect.c  the drives' answers taken into the state
 *   console-commands.c the console's commands and their table
 *   console-drives.c   ':open' and ':close'
 *   console-edit.c     a field's edit, the enum picker, the dialog that
 *                      confirms a commit, undo or defaults
 *   console-input.c    keys: typed ahead, the prompt, the output view
 *   console-tags.c     tagged drives: a commit, undo or defaults for all
 *                      of them, and their pages compared
 */
#ifndef MODECON_UI_CONSOLE_INTERNAL_H
#define MODECON_UI_CONSOLE_INTERNAL_H

#include "ui/console.h"

/* console.c */
void console_free_lines(char ***lines, size_t *n);
void console_commit_free(struct commit_record *c);
void console_output_free(struct console *con);
/* Stop the drive's worker and free what the console kept of it. */
void console_drive_free(struct console_drive *d);
/* Hold a drive session's snapshot for console_collect, as a worker's. */
void console_hold(struct console_drive *d, unsigned seq);
/* Send a line to drive 'i'; the job's number, which the keys typed after
 * it wait for. */
unsigned console_send(struct console *con, size_t i, const char *line);
/* The same for a dialog's dry run: the page is not read again after it. */
unsigned console_send_preview(struct console *con, size_t i, const char *line);
void console_clear_error(struct console *con);
/* An error under the editor, the field it names marked. */
void console_show_error(struct console *con, const struct err *err,
                        char *const *lines, size_t n);
void console_show_drive_error(struct console *con,
                              const struct drive_snapshot *snap);

/* console-commands.c */
/* q: leaves, unless staged edits are to be named first. */
void console_quit(struct console *con, const char *arg);

/* console-drives.c */
/* The drive 'uri' in the Drives list, or -1. */
ptrdiff_t console_find_drive(const struct console *con, const char *uri);
/* The drive under the cursor became the one in view. */
void console_drive_selected(struct console *con);
/* ':open DRIVE' alone on a line: true when it was, and is done. */
bool console_open_line(struct console *con, const char *line);
void console_close(struct console *con, const char *uri);

/* console-edit.c */
/* Stage FIELD=VALUE on the drive in view, as 'edit' does. */
void console_stage(struct console *con, const char *field, const char *value);
/* What is wrong with the value typed at the value prompt, if anything,
 * into con->prompt_check. */
void console_check_value(struct console *con);
/* Edit the field under the cursor; 'typed': the value prompt even for an
 * enum. */
void console_edit_field(struct console *con, bool typed);
void console_edit_typed(struct console *con, const char *arg);
void console_pick_key(struct console *con, int key);
void console_confirm_commit(struct console *con, const char *arg);
void console_confirm_undo(struct console *con, const char *arg);
void console_confirm_defaults(struct console *con, const char *arg);
void console_confirm_key(struct console *con, int key);
void console_confirm_open(struct console *con,
                          const struct drive_snapshot *snap);
/* The commit about to be sent on drive 'd' kept, for its fields' marks
 * (applied or not) once it answers. */
void console_commit_record(struct console_drive *d);

/* console-input.c */
/* Apply the keys typed until one hands a job to a drive. */
void console_feed(struct console *con);
/* Apply one key now, in the mode the console is in. */
void console_apply_key(struct console *con, int key);

/* console-tags.c */
void console_tag(struct console *con, const char *uri);
void console_tag_all(struct console *con, const char *arg);
void console_tags_fini(struct console *con);
/* A commit, undo or defaults for the tagged drives: their dry runs. */
void console_fleet_start(struct console *con, enum console_confirm kind);
/* The fleet's dry runs or commands are out: keys typed wait for them. */
bool console_fleet_waiting(const struct console *con);
void console_fleet_key(struct console *con, int key);
void console_compare_start(struct console *con, const char *arg);
/* The comparison's reads are out: keys typed wait for them, as the rows
 * they move over come with the values. */
bool console_compare_waiting(const struct console *con);
void console_compare_key(struct console *con, int key);
/* Whose a job that drive 'i' answered was. */
enum console_tags_job {
    TAGS_NONE,    /* not the tagged drives' */
    TAGS_FLEET,   /* a dry run or a command of the fleet's */
    TAGS_COMPARE, /* a read for the comparison */
};
enum console_tags_job console_tags_job(struct console *con, size_t i,
                                       const struct drive_snapshot *snap);
/* Such a job answered: the fleet's screen or the comparison takes it. */
void console_tags_answered(struct console *con, size_t i,
                           const struct drive_snapshot *snap);

#endif
