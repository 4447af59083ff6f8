/* commands.h - what writing a control file does, as tables of commands.
 *
 * A run's `ctl` and an org's `ctl` take lines "<verb> [<argument>]"; a
 * run's `resume`, a repo's `check-suite.json` and `setup-commands` are
 * written whole and act once, at the commit point.  Each verb is one row:
 * its name, the argument it takes, the client call, and the object kinds
 * that change when it succeeds (forgotten, so the next read asks the
 * server).  The usage text of an unknown command is made from the rows.
 * DESIGN.md §3 and docs/SEMANTICS.md ("Control files") give the rules.
 */
#ifndef CGFS_COMMANDS_H
#define CGFS_COMMANDS_H

#include <stddef.h>

#include "answers.h"
#include "objects.h"
#include "routes.h"

enum cgfs_arg {
	CGFS_ARG_NONE,      /* the verb alone */
	CGFS_ARG_TEXT,      /* the rest of the line (whole file: the whole text), required */
	CGFS_ARG_WORD,      /* one word */
	CGFS_ARG_ANY,       /* whole file: any text, blank included */
};

struct cgfs_command {
	const char *verb;
	enum cgfs_arg arg;
	const char *args;   /* the argument as the usage text shows it */
	/* The client call: 0, 1 when it had nothing to send (no answer is
	 * kept, nothing is forgotten), or -errno with err set.  What it writes
	 * into answer becomes the set's answer file (when it has one). */
	int (*call)(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
		    struct cg_error *err);
	unsigned forget;    /* CGFS_RES_BIT()s forgotten after a success */
};

struct cgfs_command_set {
	const struct cgfs_command *rows;
	size_t n;
	enum cgfs_res subject;        /* failures are noted on this object */
	enum cgfs_answer answer;      /* where answers are kept, or CGFS_ANSWER_NONE */
};

/* The sets of the tree's control files. */
extern const struct cgfs_command_set cgfs_run_ctl, cgfs_org_ctl;
extern const struct cgfs_command_set cgfs_resume_file, cgfs_check_suite_file,
	cgfs_setup_commands_file;

/* A write to a LINES file: run each non-blank line of buf as "<verb>
 * <argument>"; stop at the first failure (noted in /errors and on the
 * subject).  0, -EINVAL (unknown verb, bad argument: the usage is in the
 * note), -EFBIG (over 64 KiB), or the call's -errno. */
int cgfs_commands_lines(struct cgfs_req *r, const struct cgfs_command_set *set,
			const char *buf, size_t size);

/* The commit of a WHOLE file: its set's one command, with the text as
 * argument.  0 or -errno as above. */
int cgfs_commands_whole(struct cgfs_req *r, const struct cgfs_command_set *set,
			const char *text, size_t len);

/* The usage text of a set: "ban, unban, resume <text>, ..." into out. */
int cgfs_commands_usage(const struct cgfs_command_set *set, struct cg_buf *out);

#endif
