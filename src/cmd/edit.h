/*
 * The edit of a page field by field, shared by 'set FIELD=VALUE',
 * 'defaults', the console's edit/diff/commit, restore and undo, in two
 * steps: edit_plan_* (editplan.c) applies FIELD=VALUE words to the
 * page's current values and checks them; edit_commit (edit.c) reports
 * old -> new per field, sends the page through the engine, names the
 * field a drive's refusal points at, and says per field whether the
 * drive applied it.
 */
#ifndef MODECON_CMD_EDIT_H
#define MODECON_CMD_EDIT_H

#include "cmd/cmd.h"
#include "cmd/differences.h"

struct edit {
    struct recorder *rec;
    const struct page_def *pd; /* or NULL: bytes only */
    const char *label;         /* "page 0x05 (Write Parameters)" */
    enum mode_request rt;
    const uint8_t *before; /* current values */
    uint8_t *page;         /* edited */
    size_t len;
    const struct field_ref *refs;
    size_t nrefs;
    struct set_options opts;
    /* Saving: name the other pages whose saved values change too (for
     * a change the user made, not for restore's and undo's steps, which
     * keep those values themselves). */
    bool name_saving_others;
    /* Why a request that changes no current value is already done
     * ("WCE is already 1"), or NULL. */
    const char *no_change;
};

enum cmd_status edit_commit(struct cmd_ctx *ctx, const struct edit *ed);

/* Whether pages 'a' and 'b' differ in a bit of the field 'ref'. */
bool edit_field_changed(const struct field_ref *ref, const uint8_t *a,
                        const uint8_t *b);

/* A page of a drive with FIELD=VALUE words applied to its current values,
 * checked against the definition and the drive's changeable values. */
struct edit_plan {
    struct recorder *rec;
    const struct page_def *pd; /* or NULL */
    char label[128];
    uint8_t *before; /* current values */
    uint8_t *chg;    /* changeable values, or NULL */
    uint8_t *page;   /* with the words applied */
    size_t len;
    struct field_ref *refs;
    size_t nrefs;
    struct field_def *numeric; /* BYTE:BIT:WIDTH fields of the words */
    bool *overridden;          /* per word: a later word sets its bits again */
    size_t *word_refs;         /* per word: its field in refs */
    /* What the words ask that the page holds already: "WCE is already
     * 1, RCD is already 0" (each word not overridden). */
    char unchanged[256];
};

/* Build the plan; a usage error names the word and what is allowed.
 * Each bit is set by one word only.  Free the plan with edit_plan_free
 * whatever the result. */
int edit_plan_build(struct cmd_ctx *ctx, const char *drive, const char *page,
                    char *const *words, int nwords, bool force,
                    struct edit_plan *plan, struct err *err);

/* The same for staged words followed, from 'first_new' on, by a new
 * edit's: a new word may set again bits a staged word set (it wins, and
 * plan->overridden marks the staged word); among the new words each bit
 * is set once.  'force' is the new words'; a staged word is forced when
 * 'staged_forced' (or NULL: none) says it was staged with --force. */
int edit_plan_build_staged(struct cmd_ctx *ctx, const char *drive,
                           const char *page, char *const *words, int nwords,
                           int first_new, bool force, const bool *staged_forced,
                           struct edit_plan *plan, struct err *err);
/* The same on the page's current values 'base' (base_len bytes) instead
 * of the drive's: the staged words on the values they were checked
 * against (cmd_ctx.stage_base), with no MODE SENSE but the changeable
 * values, which the recorder keeps.  A NULL base, or one of another page,
 * reads the drive. */
int edit_plan_build_on(struct cmd_ctx *ctx, const char *drive, const char *page,
                       const uint8_t *base, size_t base_len, char *const *words,
                       int nwords, int first_new, bool force,
                       const bool *staged_forced, struct edit_plan *plan,
                       struct err *err);

/* FIELD=VALUE words checked against the definition 'pd' of page
 * code,subpage alone, before any drive is asked: each field's name and
 * value, the words among themselves, a read-only page.  'pd' NULL: the
 * page has no definition, and only BYTE:BIT:WIDTH words are taken.  What
 * the drive allows (its page's length, its changeable values) is the
 * plan's to check (edit_plan_build). */
int edit_plan_check_def(struct cmd_ctx *ctx, const struct page_def *pd,
                        uint8_t code, uint8_t subpage, char *const *words,
                        int nwords, bool force, struct err *err);

/* Keep the plan's current values as those the staged words were checked
 * against (cmd_ctx.stage_base). */
void edit_plan_keep_base(struct cmd_ctx *ctx, const struct edit_plan *plan);
void edit_plan_free(struct edit_plan *plan);

/* Whether word 'word' of the plan sets its field to other than the
 * drive's current value. */
bool edit_plan_word_changes(const struct edit_plan *plan, int word);

/* Whether words 'a' and 'b' of the plan set some of the same bits. */
bool edit_plan_words_overlap(const struct edit_plan *plan, int a, int b);

#endif
