/* routes.c - the route table of the mount, and matching against it (see routes.h).
 *
 * Read top to bottom: the table; the matching of one component against a
 * row's; nodes (qids) and requests; lookup, listing and stat, which every
 * row shares.
 */
#include "routes.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "commands.h"
#include "files.h"
#include "views.h"

/* ---- the table ------------------------------------------------------------------- */

#define DIR_ROW(p) { .pattern = (p), .node = CGFS_DIR }
#define ID_DIR(p, kind, chk, lst) \
	{ .pattern = (p), .node = CGFS_DIR, .res = (kind), .check = (chk), .list = (lst) }
#define FILE_ROW(p, fn, ...) \
	{ .pattern = (p), .node = CGFS_FILE, .render = (fn), __VA_ARGS__ }
/* A field of an object, in a format: `name` of a run is FIELD(RUN "name", RUN_F(name), VALUE). */
#define FIELD(p, kind_field, format, ...) \
	{ .pattern = (p), .node = CGFS_FILE, .render = cgfs_file_field, kind_field, \
	  .fmt = CGFS_FMT_##format, __VA_ARGS__ }
/* The object as a whole, in a format. */
#define WHOLE(p, kind, format, ...) \
	FIELD(p, .res = (kind), format, __VA_ARGS__)
#define RUN_F(f) .res = CGFS_RES_RUN, .field = offsetof(struct cg_run, f)
#define REPO_F(f) .res = CGFS_RES_REPO, .field = offsetof(struct cg_repo, f)
#define ORG_F(f) .res = CGFS_RES_ORG, .field = offsetof(struct cg_org, f)
#define USER_F(kind, f) .res = (kind), .field = offsetof(struct cg_user, f)
#define INTEGRATIONS_F(f) .res = CGFS_RES_INTEGRATIONS, .field = offsetof(struct cg_integrations, f)
#define CHECK_SUITE_F(f) .res = CGFS_RES_CHECK_SUITE, .field = offsetof(struct cg_check_suite, f)

/* The files of a user: /me and orgs/<org>/users/<id>. */
#define USER_FILES(dir, kind) \
	FIELD(dir "user.json", USER_F(kind, raw), JSON), \
	FIELD(dir "email", USER_F(kind, email), VALUE), \
	FIELD(dir "github_username", USER_F(kind, github_username), VALUE), \
	FIELD(dir "full_name", USER_F(kind, full_name), VALUE), \
	FIELD(dir "role", USER_F(kind, role), VALUE), \
	FIELD(dir "id", USER_F(kind, id), INT)
/* An outbox under dir: the directory, and the names users make in it. */
#define OUTBOX_ROWS(dir) \
	{ .pattern = dir "new", .node = CGFS_DIR, .flags = CGFS_OUTBOX_DIR, \
	  .doc = "write a prompt into any name here to create a run; the name becomes a " \
		 "link to it, kept across remounts (rm drops it; --keep-receipts)" }, \
	{ .pattern = dir "new/{entry}", .node = CGFS_FILE, .open = CGFS_OPEN_DRAFT, \
	  .check = cgfs_check_entry, .list = cgfs_list_entries, .size = cgfs_entry_size, \
	  .render = cgfs_link_receipt }
#define ORG "/orgs/{org}/"
#define RUN "/orgs/{org}/runs/{run}/"
#define REPO "/orgs/{org}/repos/{repo}/"
#define USER "/orgs/{org}/users/{user}/"

static const struct cgfs_route routes[] = {
	DIR_ROW("/"),
	FILE_ROW("/README", cgfs_file_readme),
	FILE_ROW("/errors", cgfs_file_errors, .open = CGFS_OPEN_STREAM, .flags = CGFS_OWNER_READ,
		 .doc = "failures, with the server's message"),
	FILE_ROW("/stats", cgfs_file_stats, .doc = "requests per endpoint, cache hits and misses"),
	WHOLE("/mcp-providers", CGFS_RES_PROVIDERS, PROVIDERS, .doc = "MCP providers"),

	DIR_ROW("/me"),
	USER_FILES("/me/", CGFS_RES_ME),

	DIR_ROW("/orgs"),
	ID_DIR("/orgs/{org}", CGFS_RES_ORG, cgfs_check_object, cgfs_list_items),
	{ .pattern = "/orgs/{orgname}", .node = CGFS_LINK, .render = cgfs_link_orgname,
	  .check = cgfs_check_orgname, .list = cgfs_list_orgnames },
	FIELD(ORG "name", ORG_F(name), VALUE),
	FIELD(ORG "org.json", ORG_F(raw), JSON),
	WHOLE(ORG "rules", CGFS_RES_RULES, RULES),
	WHOLE(ORG "integrations", CGFS_RES_INTEGRATIONS, INTEGRATIONS),
	FIELD(ORG "integrations.json", INTEGRATIONS_F(raw), JSON),
	WHOLE(ORG "oauth", CGFS_RES_OAUTH, LINES, .doc = "the OAuth providers connected"),
	FILE_ROW(ORG "ctl", cgfs_file_nothing, .open = CGFS_OPEN_LINES, .commands = &cgfs_org_ctl,
		 .doc = "commands, one per line:"),
	FILE_ROW(ORG "ctl.out", cgfs_file_answer, .arg = CGFS_ANSWER_CTL_OUT,
		 .flags = CGFS_OWNER_READ, .doc = "the answer of the last command written to ctl"),
	{ .pattern = ORG "events", .node = CGFS_FILE, .open = CGFS_OPEN_FEED,
	  .size = cgfs_events_size, .read = cgfs_events_read_at, .arg = 0,
	  .doc = "a line per run change seen: <time> <id> <old> -> <new>, new runs, PRs "
		 "(events.jsonl: as JSON); tail -f follows it" },
	{ .pattern = ORG "events.jsonl", .node = CGFS_FILE, .open = CGFS_OPEN_FEED,
	  .size = cgfs_events_size, .read = cgfs_events_read_at, .arg = 1 },
	OUTBOX_ROWS(ORG),

	DIR_ROW("/orgs/{org}/runs"),
	{ .pattern = "/orgs/{org}/runs/{run}", .node = CGFS_DIR, .res = CGFS_RES_RUN,
	  .check = cgfs_check_run, .list = cgfs_list_runs,
	  .doc = "runs/ lists the newest runs; any other run id resolves when named" },
	FIELD(RUN "id", RUN_F(id), INT),
	FIELD(RUN "status", RUN_F(status), VALUE),
	FIELD(RUN "summary", RUN_F(summary), VALUE),
	FIELD(RUN "result", RUN_F(result), VALUE),
	FIELD(RUN "web_url", RUN_F(web_url), VALUE),
	FIELD(RUN "created_at", RUN_F(created_at), TIME),
	FIELD(RUN "source_type", RUN_F(source_type), VALUE),
	WHOLE(RUN "prs", CGFS_RES_RUN, PRS),
	WHOLE(RUN "prs.json", CGFS_RES_RUN, PRS_JSON, .doc = "the run's PR objects, as JSON"),
	WHOLE(RUN "branches", CGFS_RES_RUN, BRANCHES,
	      .doc = "the head branch of each PR, one per line: git fetch origin \"$(cat branches)\""),
	FIELD(RUN "metadata.json", RUN_F(metadata), JSON),
	FIELD(RUN "run.json", RUN_F(raw), JSON),
	{ .pattern = RUN "logs", .node = CGFS_FILE, .open = CGFS_OPEN_LOG,
	  .size = cgfs_logs_size, .read = cgfs_logs_read_at, .arg = 0,
	  .doc = "one line per log entry; tail -f follows a live run" },
	{ .pattern = RUN "logs.jsonl", .node = CGFS_FILE, .open = CGFS_OPEN_LOG,
	  .size = cgfs_logs_size, .read = cgfs_logs_read_at, .arg = 1 },
	FIELD(RUN "wait", RUN_F(status), VALUE, .open = CGFS_OPEN_WAIT,
	      .doc = "a read blocks until the run has finished, then gives its status"),
	FILE_ROW(RUN "error", cgfs_file_run_error, .doc = "the last failure met about the run"),
	FILE_ROW(RUN "ctl", cgfs_file_nothing, .open = CGFS_OPEN_LINES, .commands = &cgfs_run_ctl,
		 .doc = "commands, one per line:"),
	FILE_ROW(RUN "resume", cgfs_file_nothing, .open = CGFS_OPEN_WHOLE,
		 .commands = &cgfs_resume_file, .doc = "write a follow-up prompt"),

	{ .pattern = ORG "by-status", .node = CGFS_DIR,
	  .doc = "<STATUS>/<id>: the runs of runs/ by status, as links; asks nothing more" },
	{ .pattern = ORG "by-status/{status}", .node = CGFS_DIR, .check = cgfs_check_status,
	  .list = cgfs_list_statuses },
	{ .pattern = ORG "by-status/{status}/{run}", .node = CGFS_LINK, .render = cgfs_link_run,
	  .check = cgfs_check_status_run, .list = cgfs_list_status_runs },
	{ .pattern = ORG "by-source", .node = CGFS_DIR,
	  .doc = "<SOURCE>/<id>: the newest runs of each origin (API, SLACK, ...), as links" },
	{ .pattern = ORG "by-source/{source}", .node = CGFS_DIR, .list = cgfs_list_sources },
	{ .pattern = ORG "by-source/{source}/{run}", .node = CGFS_LINK,
	  .res = CGFS_RES_SOURCE_RUNS, .render = cgfs_link_run, .check = cgfs_check_listed_run,
	  .list = cgfs_list_runs },

	DIR_ROW("/orgs/{org}/repos"),
	ID_DIR("/orgs/{org}/repos/{repo}", CGFS_RES_REPO, cgfs_check_object, cgfs_list_items),
	FIELD(REPO "name", REPO_F(name), VALUE),
	FIELD(REPO "full_name", REPO_F(full_name), VALUE),
	FIELD(REPO "language", REPO_F(language), VALUE),
	FIELD(REPO "visibility", REPO_F(visibility), VALUE),
	FIELD(REPO "setup_status", REPO_F(setup_status), VALUE),
	FIELD(REPO "repo.json", REPO_F(raw), JSON),
	FIELD(REPO "check-suite.json", CHECK_SUITE_F(raw), JSON, .open = CGFS_OPEN_WHOLE,
	      .commands = &cgfs_check_suite_file, .doc = "read and written as JSON (one PUT)"),
	FILE_ROW(REPO "setup-commands", cgfs_file_answer, .arg = CGFS_ANSWER_SETUP,
		 .open = CGFS_OPEN_WHOLE, .flags = CGFS_OWNER_READ, .commands = &cgfs_setup_commands_file,
		 .doc = "write (an optional prompt) to generate them; reads as the run doing it"),
	OUTBOX_ROWS(REPO),

	DIR_ROW("/orgs/{org}/users"),
	ID_DIR("/orgs/{org}/users/{user}", CGFS_RES_USER, cgfs_check_object, cgfs_list_items),
	USER_FILES(USER, CGFS_RES_USER),
	DIR_ROW(USER "runs"),
	{ .pattern = USER "runs/{run}", .node = CGFS_LINK, .res = CGFS_RES_USER_RUNS,
	  .render = cgfs_link_run, .check = cgfs_check_listed_run, .list = cgfs_list_runs },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))
#define MAX_DEPTH 8

size_t cgfs_route_count(void)
{
	return NROUTES;
}

const struct cgfs_route *cgfs_route_at(size_t i)
{
	return i < NROUTES ? &routes[i] : NULL;
}

size_t cgfs_route_index(const struct cgfs_route *rt)
{
	return (size_t)(rt - routes);
}

const char *cgfs_route_last(const struct cgfs_route *rt)
{
	return strrchr(rt->pattern, '/') + 1;
}

/* Each row's parent, found once: the row whose pattern is this one's
 * without its last component. */
static const struct cgfs_route *parents[NROUTES];
static pthread_once_t parents_once = PTHREAD_ONCE_INIT;

static void find_parents(void)
{
	for (size_t i = 1; i < NROUTES; i++) {
		size_t len = (size_t)(cgfs_route_last(&routes[i]) - routes[i].pattern) - 1;

		if (len == 0)
			len = 1;    /* "/x": the root */
		for (size_t j = 0; j < NROUTES; j++)
			if (strlen(routes[j].pattern) == len &&
			    !strncmp(routes[j].pattern, routes[i].pattern, len))
				parents[i] = &routes[j];
	}
}

const struct cgfs_route *cgfs_route_parent(const struct cgfs_route *rt)
{
	pthread_once(&parents_once, find_parents);
	return parents[cgfs_route_index(rt)];
}

/* ---- matching ------------------------------------------------------------------------- */

int cgfs_parse_id(const char *text, int64_t *id)
{
	if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 15 ||
	    (text[0] == '0' && text[1]))
		return -1;
	*id = strtoll(text, NULL, 10);
	return 0;
}

/* Does row rt's last component accept name c?  Fills r's ids. */
static int match_last(const struct cgfs_route *rt, const char *c, struct cgfs_req *r)
{
	const char *pc = cgfs_route_last(rt);
	int64_t id;

	if (pc[0] != '{')
		return !strcmp(pc, c);
	if (!strcmp(pc, "{orgname}")) {
		/* Not only ids: readdir never lists an all-digit name (it would
		 * read as an id), so "011" or a 16-digit number is no name. */
		if (strspn(c, "0123456789") == strlen(c) || strlen(c) >= sizeof(r->name))
			return 0;
		snprintf(r->name, sizeof(r->name), "%s", c);
		return 1;
	}
	if (!strcmp(pc, "{entry}")) {
		/* Any name the user gives (bounded to 255 bytes by the caller). */
		snprintf(r->name, sizeof(r->name), "%s", c);
		return 1;
	}
	/* A status is any name the server could send (its check says which
	 * are there); an origin is one of the API's. */
	if ((!strcmp(pc, "{status}") && cgfs_name_usable(c)) ||
	    (!strcmp(pc, "{source}") && cg_source_type_named(c))) {
		snprintf(r->name, sizeof(r->name), "%s", c);
		return 1;
	}
	if (cgfs_parse_id(c, &id))
		return 0;
	if (!strcmp(pc, "{org}"))
		r->org = id;
	else if (!strcmp(pc, "{run}"))
		r->run = id;
	else if (!strcmp(pc, "{repo}"))
		r->repo = id;
	else if (!strcmp(pc, "{user}"))
		r->user = id;
	else
		return 0;
	return 1;
}

static void set_route(struct cgfs_req *r, const struct cgfs_route *rt)
{
	r->route = rt;
	r->node = rt->node;
	r->writable = rt->open == CGFS_OPEN_WHOLE || rt->open == CGFS_OPEN_LINES ||
		      rt->open == CGFS_OPEN_DRAFT || (rt->flags & CGFS_OUTBOX_DIR);
}

int cgfs_route_owner_only(const struct cgfs_route *rt)
{
	return rt->open == CGFS_OPEN_WHOLE || rt->open == CGFS_OPEN_LINES ||
	       rt->open == CGFS_OPEN_DRAFT || (rt->flags & (CGFS_OUTBOX_DIR | CGFS_OWNER_READ));
}

int cgfs_owner_check(const struct cgfs *fs, uid_t uid, const struct cgfs_qid *q, int inside)
{
	const struct cgfs_route *rt = cgfs_route_at(q->row);

	if (rt && inside)
		rt = cgfs_route_parent(rt);
	return rt && uid != fs->uid && cgfs_route_owner_only(rt) ? -EACCES : 0;
}

/* The child row of dir that takes name c, its ids added to r (which holds
 * dir's); -ENOENT when none does. */
static int match_child(const struct cgfs_route *dir, const char *c, struct cgfs_req *r)
{
	for (size_t i = 0; i < NROUTES; i++) {
		struct cgfs_req trial;

		if (cgfs_route_parent(&routes[i]) != dir)
			continue;
		trial = *r;
		if (match_last(&routes[i], c, &trial)) {
			*r = trial;
			set_route(r, &routes[i]);
			return 0;
		}
	}
	return -ENOENT;
}

static void req_clear(struct cgfs_req *r, struct cgfs *fs, const char *op)
{
	memset(r, 0, offsetof(struct cgfs_req, path));
	r->path[0] = '\0';
	r->fs = fs;
	r->ctx.op = op;
	r->ctx.path = r->path;
	r->org = r->run = r->repo = r->user = CG_NONE;
	cgfs_req_renew(r);
}

void cgfs_req_renew(struct cgfs_req *r)
{
	r->ctx.deadline = r->fs && r->fs->cfg.deadline > 0 ? cgfs_now() + r->fs->cfg.deadline : 0;
}

int cgfs_route_match(const char *path, struct cgfs_req *r)
{
	int depth = 0, ret = 0;

	req_clear(r, NULL, "match");
	set_route(r, &routes[0]);
	snprintf(r->path, sizeof(r->path), "%s", path);
	while (*path) {
		char comp[256];
		size_t len;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		len = strcspn(path, "/");
		if (depth == MAX_DEPTH || len >= sizeof(comp)) {
			r->route = NULL;
			return -ENAMETOOLONG;
		}
		memcpy(comp, path, len);
		comp[len] = '\0';
		path += len;
		depth++;
		/* Keep splitting after a miss: a too-long path says so. */
		if (!ret)
			ret = match_child(r->route, comp, r);
	}
	if (ret)
		r->route = NULL;
	return ret;
}

/* ---- nodes and requests ------------------------------------------------------------------ */

/* The path of a request, for /errors: its row's pattern with its ids. */
static void format_path(struct cgfs_req *r)
{
	const char *p = r->route->pattern;
	size_t len = 0;

	while (*p && len < sizeof(r->path) - 1) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		int64_t id = CG_NONE;
		int n;

		if (!end) {
			r->path[len++] = *p++;
			continue;
		}
		if (!strncmp(p, "{org}", 5)) id = r->org;
		else if (!strncmp(p, "{run}", 5)) id = r->run;
		else if (!strncmp(p, "{repo}", 6)) id = r->repo;
		else if (!strncmp(p, "{user}", 6)) id = r->user;
		n = id != CG_NONE ? snprintf(r->path + len, sizeof(r->path) - len, "%" PRId64, id)
				  : snprintf(r->path + len, sizeof(r->path) - len, "%s", r->name);
		len += (size_t)n < sizeof(r->path) - len ? (size_t)n : sizeof(r->path) - 1 - len;
		p = end + 1;
	}
	r->path[len] = '\0';
}

void cgfs_req_init(struct cgfs *fs, const struct cgfs_qid *q, const char *op,
		   struct cgfs_req *r)
{
	req_clear(r, fs, op);
	set_route(r, &routes[q->row < NROUTES ? q->row : 0]);
	r->org = q->org;
	r->run = q->run;
	r->repo = q->repo;
	r->user = q->user;
	snprintf(r->name, sizeof(r->name), "%s", q->name);
	format_path(r);
}

int cgfs_match_child(const struct cgfs_qid *dir, const char *name, struct cgfs_qid *child)
{
	struct cgfs_req r;

	req_clear(&r, NULL, "match");
	r.org = dir->org;
	r.run = dir->run;
	r.repo = dir->repo;
	r.user = dir->user;
	/* Under by-status/<S>/, a run's node keeps the status it is under. */
	snprintf(r.name, sizeof(r.name), "%s", dir->name);
	if (dir->row >= NROUTES || strlen(name) > 255 ||
	    match_child(&routes[dir->row], name, &r))
		return -ENOENT;
	cgfs_req_qid(&r, child);
	return 0;
}

void cgfs_req_qid(const struct cgfs_req *r, struct cgfs_qid *q)
{
	q->row = (unsigned)cgfs_route_index(r->route);
	q->org = r->org;
	q->run = r->run;
	q->repo = r->repo;
	q->user = r->user;
	snprintf(q->name, sizeof(q->name), "%s", r->name);
}

int cgfs_qid_of(const char *pattern, int64_t org, int64_t run, int64_t repo, int64_t user,
		const char *name, struct cgfs_qid *q)
{
	for (size_t i = 0; i < NROUTES; i++)
		if (!strcmp(routes[i].pattern, pattern)) {
			q->row = (unsigned)i;
			q->org = org;
			q->run = run;
			q->repo = repo;
			q->user = user;
			snprintf(q->name, sizeof(q->name), "%s", name ? name : "");
			return 0;
		}
	return -ENOENT;
}

/* Check every id of the node, outermost first (each through the cache).
 * The node's own check may say what it is (an outbox name: file or link). */
static int check_ids(struct cgfs_req *r)
{
	const struct cgfs_route *chain[MAX_DEPTH + 1], *saved = r->route;
	int n = 0, ret = 0;

	for (const struct cgfs_route *a = r->route; a && n <= MAX_DEPTH; a = cgfs_route_parent(a))
		chain[n++] = a;
	while (!ret && n-- > 0) {
		if (!chain[n]->check)
			continue;
		r->route = chain[n];
		ret = chain[n]->check(r);
	}
	r->route = saved;
	return ret;
}

int cgfs_node_req(struct cgfs *fs, const struct cgfs_qid *q, const char *op,
		  struct cgfs_req *r)
{
	cgfs_req_init(fs, q, op, r);
	return check_ids(r);
}

int cgfs_lookup(struct cgfs *fs, const struct cgfs_qid *dir, const char *name,
		const char *op, struct cgfs_req *r)
{
	int ret;

	cgfs_req_init(fs, dir, op, r);
	if (strlen(name) > 255)
		return -ENAMETOOLONG;
	if (r->node != CGFS_DIR)
		return -ENOTDIR;
	if (match_child(r->route, name, r)) {
		r->route = NULL;
		return -ENOENT;
	}
	format_path(r);
	ret = check_ids(r);
	return ret;
}

/* ---- listing and stat ----------------------------------------------------------------------- */

int cgfs_list(struct cgfs_req *dir, cgfs_add_fn add, void *arg)
{
	int ret = 0;

	for (size_t i = 0; i < NROUTES && !ret; i++) {
		const struct cgfs_route *c = &routes[i];
		struct cgfs_req child;

		if (cgfs_route_parent(c) != dir->route)
			continue;
		child = *dir;
		set_route(&child, c);
		if (c->list) {
			ret = c->list(&child, add, arg);
		} else {
			size_t size = 0;

			/* A child whose content fails is listed all the same, of
			 * size 0: reading it reports its errno (only running out
			 * of memory fails the listing). */
			ret = cgfs_stat_node(&child, &size);
			if (ret)
				size = 0;
			if (ret != -ENOMEM)
				ret = add(arg, cgfs_route_last(c), c->node, child.mtime, size,
					  child.writable);
		}
	}
	return ret;
}

int cgfs_stat_node(struct cgfs_req *r, size_t *size)
{
	struct cg_buf out = { 0 };
	int ret;

	if (r->node == CGFS_DIR) {
		*size = 0;
		if (!r->mtime)
			r->mtime = r->fs->mounted_at;
		return 0;
	}
	if (r->route->size) {
		ret = r->route->size(r, size);
	} else {
		ret = r->route->render(r, &out);
		if (!ret)
			*size = out.len;
		cg_buf_free(&out);
	}
	if (!r->mtime)
		r->mtime = r->fs->mounted_at;
	return ret;
}
