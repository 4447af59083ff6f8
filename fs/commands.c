/* commands.c - the verbs of the control files, as tables (see commands.h).
 *
 * Read top to bottom: the client calls, one small function per verb; the
 * tables; then the two runners (lines, whole text) that every control
 * file shares.
 */
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_BIT CGFS_RES_BIT(CGFS_RES_RUN)
/* Every list that can hold a run just started. */
#define NEW_RUN_BITS (CGFS_RES_BIT(CGFS_RES_RUNS) | CGFS_RES_BIT(CGFS_RES_USER_RUNS) | \
		      CGFS_RES_BIT(CGFS_RES_SOURCE_RUNS))

static int usage(const char *verb, const char *args, struct cg_error *err)
{
	cg_error_set(err, 0, EINVAL, "usage: %s %s", verb, args);
	return -EINVAL;
}

static int answer_message(int ret, const struct cg_message *m, struct cg_buf *answer,
			  const char *otherwise)
{
	if (!ret)
		ret = cg_buf_printf(answer, "%s\n", m->message ? m->message : otherwise);
	return ret;
}

/* ---- a run's ctl --------------------------------------------------------------------- */

#define RUN_VERB(name, call)                                                            \
	static int name(struct cgfs_req *r, const char *arg, struct cg_buf *answer,   \
			struct cg_error *err)                                           \
	{                                                                               \
		struct cg_message m = { 0 };                                            \
		int ret = call(r->fs->client, r->org, r->run, &m, err);                 \
									                \
		(void)arg;                                                              \
		(void)answer;                                                           \
		cg_message_free(&m);                                                    \
		return ret;                                                             \
	}

RUN_VERB(ban, cg_ban_run)
RUN_VERB(unban, cg_unban_run)
RUN_VERB(remove_from_pr, cg_remove_from_pr)
RUN_VERB(stop, cg_stop_run)

/* refresh: nothing to send; the row's forget does the work. */
static int refresh_run(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
		       struct cg_error *err)
{
	(void)r; (void)arg; (void)answer; (void)err;
	return 0;
}

/* resume <text>; as a whole file, blank text is never sent. */
static int resume(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
		  struct cg_error *err)
{
	struct cg_run run = { 0 };
	int ret;

	(void)answer;
	if (!arg[strspn(arg, " \t\r\n")])
		return 1;  /* a blank follow-up is never sent */
	ret = cg_resume_run(r->fs->client, r->org, r->run, arg, NULL, 0, &run, err);
	cg_run_free(&run);
	return ret;
}

/* pr <pr-id> open|closed|draft|ready_for_review */
static int edit_pr(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
		   struct cg_error *err)
{
	struct cg_pr_edit e = { 0 };
	char state[32];
	long long pr;
	int used = 0, ret;

	(void)answer;
	if (sscanf(arg, "%lld %31s %n", &pr, state, &used) != 2 || arg[used] || pr <= 0)
		return usage("pr", "<pr-id> open|closed|draft|ready_for_review", err);
	ret = cg_edit_pr(r->fs->client, r->org, CG_NONE, pr, state, &e, err);
	if (!ret && e.success == 0) {
		cg_error_set(err, 200, EIO, "PR %lld not changed: %s", pr,
			     e.error ? e.error : "the server gave no reason");
		ret = -EIO;
	}
	cg_pr_edit_free(&e);
	return ret;
}

static const struct cgfs_command run_rows[] = {
	{ "stop", CGFS_ARG_NONE, "", stop, RUN_BIT },
	{ "ban", CGFS_ARG_NONE, "", ban, RUN_BIT },
	{ "unban", CGFS_ARG_NONE, "", unban, RUN_BIT },
	{ "remove-from-pr", CGFS_ARG_NONE, "", remove_from_pr, RUN_BIT },
	{ "resume", CGFS_ARG_TEXT, "<text>", resume, RUN_BIT },
	{ "refresh", CGFS_ARG_NONE, "", refresh_run, RUN_BIT },
	{ "pr", CGFS_ARG_TEXT, "<pr-id> <state>", edit_pr, RUN_BIT },
};

/* ---- an org's ctl: answered in ctl.out ------------------------------------------------ */

static int analyze_sandbox(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
			   struct cg_error *err)
{
	struct cg_started_run s = { 0 };
	char *end;
	long long sandbox = strtoll(arg, &end, 10);
	int ret;

	if (*end || sandbox <= 0)
		return usage("analyze-sandbox", "<sandbox-id>", err);
	ret = cg_analyze_sandbox_logs(r->fs->client, r->org, sandbox, &s, err);
	if (!ret)
		ret = cg_buf_printf(answer, "%" PRId64 "\n", s.agent_run_id);
	cg_started_run_free(&s);
	return ret;
}

static int revoke_oauth(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
			struct cg_error *err)
{
	struct cg_message m = { 0 };
	int ret = cg_revoke_oauth(r->fs->client, r->org, arg, &m, err);

	ret = answer_message(ret, &m, answer, "revoked");
	cg_message_free(&m);
	return ret;
}

static int slack_connect(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
			 struct cg_error *err)
{
	struct cg_slack_token t = { 0 };
	int ret = cg_slack_connect_token(r->fs->client, r->org, &t, err);

	(void)arg;
	if (!ret)
		ret = cg_buf_printf(answer, "%s\n", t.token);
	cg_slack_token_free(&t);
	return ret;
}

/* refresh: forget everything of the org (its answer is empty). */
static int refresh_org(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
		       struct cg_error *err)
{
	(void)r; (void)arg; (void)err;
	return cg_buf_append(answer, "", 0);
}

static const struct cgfs_command org_rows[] = {
	{ "analyze-sandbox", CGFS_ARG_TEXT, "<sandbox-id>", analyze_sandbox, NEW_RUN_BITS },
	{ "revoke-oauth", CGFS_ARG_WORD, "<provider>", revoke_oauth,
	  CGFS_RES_BIT(CGFS_RES_OAUTH) },
	{ "slack-connect", CGFS_ARG_NONE, "", slack_connect, 0 },
	{ "refresh", CGFS_ARG_NONE, "", refresh_org,
	  NEW_RUN_BITS | CGFS_RES_BIT(CGFS_RES_REPOS) | CGFS_RES_BIT(CGFS_RES_USERS) |
	  CGFS_RES_BIT(CGFS_RES_INTEGRATIONS) | CGFS_RES_BIT(CGFS_RES_RULES) |
	  CGFS_RES_BIT(CGFS_RES_OAUTH) | CGFS_RES_BIT(CGFS_RES_ORGS) },
};

/* ---- files written whole ---------------------------------------------------------------- */

/* check-suite.json: a complete write of valid JSON is one PUT. */
static int put_check_suite(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
			   struct cg_error *err)
{
	struct cg_message m = { 0 };
	int ret = cg_put_check_suite(r->fs->client, r->org, r->repo, arg, &m, err);

	(void)answer;
	cg_message_free(&m);
	return ret;
}

/* setup-commands: writing (an optional prompt) starts the generation; the
 * file then reads as the id of the run that does it. */
static int setup_commands(struct cgfs_req *r, const char *arg, struct cg_buf *answer,
			  struct cg_error *err)
{
	struct cg_started_run started = { 0 };
	const char *prompt = arg[strspn(arg, " \t\r\n")] ? arg : NULL;
	int ret = cg_generate_setup_commands(r->fs->client, r->org, r->repo, prompt, &started,
					     err);

	if (!ret)
		ret = cg_buf_printf(answer, "%" PRId64 "\n", started.agent_run_id);
	cg_started_run_free(&started);
	return ret;
}

static const struct cgfs_command resume_row[] = {
	{ "resume", CGFS_ARG_ANY, "<text>", resume, RUN_BIT },
};
static const struct cgfs_command check_suite_row[] = {
	{ "check-suite.json", CGFS_ARG_ANY, "<json>", put_check_suite,
	  CGFS_RES_BIT(CGFS_RES_CHECK_SUITE) },
};
static const struct cgfs_command setup_row[] = {
	{ "setup-commands", CGFS_ARG_ANY, "[<prompt>]", setup_commands, NEW_RUN_BITS },
};

/* ---- the sets ------------------------------------------------------------------------- */

#define SET(rows, subject, answer) { rows, sizeof(rows) / sizeof(rows[0]), subject, answer }

const struct cgfs_command_set cgfs_run_ctl =
	SET(run_rows, CGFS_RES_RUN, CGFS_ANSWER_NONE);
const struct cgfs_command_set cgfs_org_ctl = SET(org_rows, CGFS_RES_ORG, CGFS_ANSWER_CTL_OUT);
const struct cgfs_command_set cgfs_resume_file =
	SET(resume_row, CGFS_RES_RUN, CGFS_ANSWER_NONE);
const struct cgfs_command_set cgfs_check_suite_file =
	SET(check_suite_row, CGFS_RES_CHECK_SUITE, CGFS_ANSWER_NONE);
const struct cgfs_command_set cgfs_setup_commands_file =
	SET(setup_row, CGFS_RES_REPO, CGFS_ANSWER_SETUP);

/* ---- the runners ----------------------------------------------------------------------- */

#define CTL_MAX 65536

static struct cgfs_ids ids_of(const struct cgfs_req *r)
{
	return (struct cgfs_ids){ r->org, r->run, r->repo, r->user, NULL };
}

int cgfs_commands_usage(const struct cgfs_command_set *set, struct cg_buf *out)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < set->n; i++)
		ret = cg_buf_printf(out, "%s%s%s%s", i ? ", " : "", set->rows[i].verb,
				      *set->rows[i].args ? " " : "", set->rows[i].args);
	return ret;
}

static const struct cgfs_command *find(const struct cgfs_command_set *set, const char *verb,
				       const char *arg)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct cgfs_command *c = &set->rows[i];

		if (strcmp(c->verb, verb))
			continue;
		switch (c->arg) {
		case CGFS_ARG_NONE: return *arg ? NULL : c;
		case CGFS_ARG_TEXT: return *arg ? c : NULL;
		case CGFS_ARG_WORD: return *arg && !strpbrk(arg, " \t") ? c : NULL;
		case CGFS_ARG_ANY:  return c;
		}
	}
	return NULL;
}

/* Run one command; on success keep its answer and forget what changed. */
static int run_one(struct cgfs_req *r, const struct cgfs_command_set *set,
		   const struct cgfs_command *c, const char *arg, struct cg_error *err)
{
	struct cg_buf answer = { 0 };
	struct cgfs_ids ids = ids_of(r);
	int ret = c->call(r, arg, &answer, err);

	if (ret > 0) {          /* nothing was sent: nothing changed */
		cg_buf_free(&answer);
		return 0;
	}
	if (!ret && set->answer != CGFS_ANSWER_NONE)
		ret = cgfs_answers_set(r->fs->answers, set->answer, r->org, r->repo,
				       answer.data ? answer.data : "", answer.len);
	cg_buf_free(&answer);
	if (!ret)
		cgfs_obj_forget(r->fs, c->forget, &ids);
	return ret;
}

static int unknown(const struct cgfs_command_set *set, const char *verb, const char *arg,
		   struct cg_error *err)
{
	struct cg_buf known = { 0 };
	int ret = cgfs_commands_usage(set, &known);

	if (ret)
		return ret;
	cg_error_set(err, 0, EINVAL, "unknown command '%s%s%s' (known: %s)", verb,
		     *arg ? " " : "", arg, known.data ? known.data : "");
	cg_buf_free(&known);
	return -EINVAL;
}

int cgfs_commands_lines(struct cgfs_req *r, const struct cgfs_command_set *set,
			const char *buf, size_t size)
{
	struct cg_error err = { 0 };
	struct cgfs_ids ids = ids_of(r);
	char *text, *line, *next;
	int ret = 0;

	if (size > CTL_MAX)
		return -EFBIG;
	text = strndup(buf, size);
	if (!text)
		return -ENOMEM;
	for (line = text; line && !ret; line = next) {
		const struct cgfs_command *c;
		char *verb, *arg, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		verb = line + strspn(line, " \t");
		if (!*verb)
			continue;
		arg = verb + strcspn(verb, " \t");
		if (*arg)
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		c = find(set, verb, arg);
		ret = c ? run_one(r, set, c, arg, &err) : unknown(set, verb, arg, &err);
		if (ret)
			cgfs_obj_note_error(r->fs, set->subject, &ids, &r->ctx, &err);
	}
	free(text);
	return ret;
}

int cgfs_commands_whole(struct cgfs_req *r, const struct cgfs_command_set *set,
			const char *text, size_t len)
{
	struct cg_error err = { 0 };
	struct cgfs_ids ids = ids_of(r);
	char *arg = strndup(text, len);
	int ret;

	if (!arg)
		return -ENOMEM;
	ret = run_one(r, set, &set->rows[0], arg, &err);
	free(arg);
	if (ret)
		cgfs_obj_note_error(r->fs, set->subject, &ids, &r->ctx, &err);
	return ret;
}
