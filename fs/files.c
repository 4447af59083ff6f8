/* files.c - the content of the tree's nodes (see files.h).
 *
 * Read top to bottom: field rows; id directories and their checks; org
 * names; outbox names; logs; the mount's own files, README last (it is
 * made from the route table, so it cannot go stale).
 */
#include "files.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "answers.h"
#include "cache.h"
#include "commands.h"
#include "errlog.h"
#include "events.h"
#include "logs.h"
#include "ops.h"
#include "outbox.h"
#include "whole.h"

/* A name that is a run origin is by-source/'s (only SOURCE_RUNS is scoped
 * by it: elsewhere it is ignored). */
static struct cgfs_ids ids_of(const struct cgfs_req *r)
{
	return (struct cgfs_ids){ r->org, r->run, r->repo, r->user,
				  cg_source_type_named(r->name) };
}

static int get(struct cgfs_req *r, enum cgfs_res kind, struct cgfs_ref *ref)
{
	struct cgfs_ids ids = ids_of(r);

	return cgfs_obj_get(r->fs, kind, &ids, &r->ctx, ref);
}

/* ---- field rows ------------------------------------------------------------------- */

int cgfs_file_field(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_ref ref = { 0 };
	const void *model;
	struct cgfs_whole *whole;
	int ret = get(r, r->route->res, &ref);

	if (ret)
		return ret;
	r->mtime = ref.mtime;
	ret = cgfs_whole_get(r->fs->wholes, r->route->res, &ref, r->route->field, &model, &whole);
	if (!ret)
		ret = cgfs_render_fmt(out, r->route->fmt, (const char *)model + r->route->field);
	cgfs_whole_drop(whole);
	cgfs_ref_drop(&ref);
	return ret;
}

/* ---- id directories ----------------------------------------------------------------- */

int cgfs_check_object(struct cgfs_req *r)
{
	struct cgfs_ref ref = { 0 };
	int ret = get(r, r->route->res, &ref);

	if (!ret)
		cgfs_ref_drop(&ref);
	return ret;
}

int cgfs_check_run(struct cgfs_req *r)
{
	struct cgfs_ref ref = { 0 };
	int ret = get(r, CGFS_RES_RUN, &ref);

	if (!ret) {
		r->mtime = ref.mtime;
		cgfs_ref_drop(&ref);
	}
	return ret;
}

static int has_run(enum cgfs_res kind, const void *list, int64_t id)
{
	for (size_t i = 0; i < cgfs_list_count(kind, list); i++)
		if (cgfs_list_id(kind, list, i) == id)
			return 1;
	return 0;
}

int cgfs_check_listed_run(struct cgfs_req *r)
{
	struct cgfs_ref ref = { 0 };
	int ret = get(r, r->route->res, &ref);

	if (ret)
		return ret;
	ret = has_run(r->route->res, ref.model, r->run) ? 0 : -ENOENT;
	cgfs_ref_drop(&ref);
	return ret;
}

int cgfs_list_items(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	enum cgfs_res list = cgfs_res_list_of(r->route->res);
	struct cgfs_ref ref = { 0 };
	char name[32];
	int ret = get(r, list, &ref);

	for (size_t i = 0; !ret && i < cgfs_list_count(list, ref.model); i++) {
		snprintf(name, sizeof(name), "%" PRId64, cgfs_list_id(list, ref.model, i));
		ret = add(arg, name, r->route->node, ref.mtime, 0, 0);
	}
	cgfs_ref_drop(&ref);
	return ret;
}

/* A run list's runs are directories in runs/ and links elsewhere, to
 * orgs/<org>/runs/<id>: "../" for each component of the link's row
 * between orgs/<org>/ and the link itself, then runs/<id>. */
static void run_link_up(const struct cgfs_route *rt, char *up, size_t size)
{
	size_t len = 0;
	int slashes = 0;

	for (const char *p = rt->pattern; *p; p++)
		slashes += *p == '/';
	/* "/orgs/{org}/" holds three of them; the link's own name is not a level. */
	for (int i = 3; i < slashes && len + 3 < size; i++, len += 3)
		memcpy(up + len, "../", 3);
	up[len] = '\0';
}

int cgfs_list_run_entries(struct cgfs_req *r, enum cgfs_res kind, const char *status,
			  cgfs_add_fn add, void *arg)
{
	struct cgfs_ref list = { 0 };
	char name[32], up[32];
	int ret = get(r, kind, &list);

	run_link_up(r->route, up, sizeof(up));
	for (size_t i = 0; !ret && i < cgfs_list_count(kind, list.model); i++) {
		struct cgfs_ids ids = { r->org, cgfs_list_id(kind, list.model, i), CG_NONE,
					CG_NONE, NULL };
		struct cgfs_ref run = { 0 };
		time_t mtime = list.mtime;
		int held = !cgfs_obj_peek(r->fs, CGFS_RES_RUN, &ids, &run);
		const char *st = held ? ((const struct cg_run *)run.model)->status : NULL;
		int wanted = !status || (st && !strcmp(st, status));

		/* The list put every run in the cache: no request per entry. */
		if (held) {
			mtime = run.mtime;
			cgfs_ref_drop(&run);
		}
		if (!wanted)
			continue;
		snprintf(name, sizeof(name), "%" PRId64, ids.run);
		ret = r->route->node == CGFS_DIR
			      ? add(arg, name, CGFS_DIR, mtime, 0, 0)
			      : add(arg, name, CGFS_LINK, mtime,
				    strlen(up) + strlen("runs/") + strlen(name), 0);
	}
	cgfs_ref_drop(&list);
	return ret;
}

int cgfs_list_runs(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	enum cgfs_res kind = r->route->node == CGFS_DIR ? CGFS_RES_RUNS : r->route->res;

	return cgfs_list_run_entries(r, kind, NULL, add, arg);
}

int cgfs_link_run(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_ids ids = { r->org, r->run, CG_NONE, CG_NONE, NULL };
	struct cgfs_ref run = { 0 };
	char up[32];

	/* The run's time when it is held, as the listing gives it. */
	r->mtime = r->fs->mounted_at;
	if (!cgfs_obj_peek(r->fs, CGFS_RES_RUN, &ids, &run)) {
		r->mtime = run.mtime;
		cgfs_ref_drop(&run);
	}
	run_link_up(r->route, up, sizeof(up));
	return cg_buf_printf(out, "%sruns/%" PRId64, up, r->run);
}

/* ---- org names ---------------------------------------------------------------------- */

/* The org a name entry stands for: the first org in server order with
 * that name, when the name is usable (render.h). */
static const struct cg_org *org_named(const struct cg_org_page *orgs, const char *name)
{
	if (!cgfs_name_usable(name))
		return NULL;
	for (size_t i = 0; i < orgs->n; i++)
		if (orgs->items[i].name && !strcmp(orgs->items[i].name, name))
			return &orgs->items[i];
	return NULL;
}

int cgfs_check_orgname(struct cgfs_req *r)
{
	struct cgfs_ref ref = { 0 };
	int ret = get(r, CGFS_RES_ORGS, &ref);

	if (ret)
		return ret;
	ret = org_named(ref.model, r->name) ? 0 : -ENOENT;
	cgfs_ref_drop(&ref);
	return ret;
}

int cgfs_list_orgnames(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	struct cgfs_ref ref = { 0 };
	const struct cg_org_page *orgs;
	char id[32];
	int ret = get(r, CGFS_RES_ORGS, &ref);

	orgs = ref.model;
	/* An unusable name, and a name an earlier org has, are left out
	 * (objects.c names them in /errors when the list comes). */
	for (size_t i = 0; !ret && i < orgs->n; i++) {
		if (cgfs_orgname_owner(orgs, i) != i)
			continue;
		snprintf(id, sizeof(id), "%" PRId64, orgs->items[i].id);
		ret = add(arg, orgs->items[i].name, CGFS_LINK, ref.mtime, strlen(id), 0);
	}
	cgfs_ref_drop(&ref);
	return ret;
}

int cgfs_link_orgname(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_ref ref = { 0 };
	const struct cg_org *o;
	int ret = get(r, CGFS_RES_ORGS, &ref);

	if (ret)
		return ret;
	r->mtime = ref.mtime;
	o = org_named(ref.model, r->name);
	ret = o ? cg_buf_printf(out, "%" PRId64, o->id) : -ENOENT;
	cgfs_ref_drop(&ref);
	return ret;
}

/* ---- outbox names ------------------------------------------------------------------- */

/* A receipt links to its run: orgs/<org>/runs/<id>, seen from the outbox. */
static const char *receipt_up(const struct cgfs_req *r)
{
	return r->repo == CG_NONE ? "../" : "../../../";
}

/* An entry as the tree shows it: a draft or an error file is a file of
 * its text's size, a receipt a link of its target's length. */
static enum cgfs_node entry_node(const struct cgfs_req *r, const struct cgfs_ob_stat *st,
				 size_t *size)
{
	if (st->kind != CGFS_OB_RECEIPT) {
		*size = st->size;
		return CGFS_FILE;
	}
	*size = (size_t)snprintf(NULL, 0, "%sruns/%" PRId64, receipt_up(r), st->run);
	return CGFS_LINK;
}

int cgfs_check_entry(struct cgfs_req *r)
{
	struct cgfs_ob_stat st;
	size_t size;
	int ret = cgfs_outbox_stat(r->fs->outbox, r->org, r->repo, r->name, &st);

	if (ret)
		return ret;
	r->node = entry_node(r, &st, &size);
	r->writable = st.kind == CGFS_OB_DRAFT;
	r->mtime = st.mtime;
	return 0;
}

int cgfs_entry_size(struct cgfs_req *r, size_t *size)
{
	struct cgfs_ob_stat st;
	int ret = cgfs_outbox_stat(r->fs->outbox, r->org, r->repo, r->name, &st);

	if (!ret) {
		r->mtime = st.mtime;
		entry_node(r, &st, size);
	}
	return ret;
}

int cgfs_link_receipt(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_ob_stat st;
	int ret = cgfs_outbox_stat(r->fs->outbox, r->org, r->repo, r->name, &st);

	if (!ret && st.kind != CGFS_OB_RECEIPT)
		ret = -EINVAL;
	return ret ? ret : cg_buf_printf(out, "%sruns/%" PRId64, receipt_up(r), st.run);
}

struct entry_lister {
	struct cgfs_req *r;
	cgfs_add_fn add;
	void *arg;
};

static int add_outbox_entry(void *arg, const char *name, const struct cgfs_ob_stat *st)
{
	struct entry_lister *l = arg;
	size_t size;
	enum cgfs_node node = entry_node(l->r, st, &size);

	return l->add(l->arg, name, node, st->mtime, size, st->kind == CGFS_OB_DRAFT);
}

int cgfs_list_entries(struct cgfs_req *r, cgfs_add_fn add, void *arg)
{
	struct entry_lister l = { r, add, arg };

	return cgfs_outbox_list(r->fs->outbox, r->org, r->repo, add_outbox_entry, &l);
}

/* ---- logs ------------------------------------------------------------------------------ */

/* A stat reports what is held unless the file is open (logs.h): listing a
 * run directory downloads no logs. */
int cgfs_logs_size(struct cgfs_req *r, size_t *size)
{
	size_t text, jsonl;
	int ret = 0;

	if (cgfs_logs_peek(r->fs, r->org, r->run, &text, &jsonl, &r->mtime))
		ret = cgfs_logs_sync(r->fs, r->org, r->run, &r->ctx, &text, &jsonl, &r->mtime);
	if (!ret)
		*size = r->route->arg ? jsonl : text;
	return ret;
}

ssize_t cgfs_logs_read_at(struct cgfs_req *r, char *buf, size_t size, off_t off)
{
	size_t text, jsonl;
	time_t mtime;
	int ret = cgfs_logs_sync(r->fs, r->org, r->run, &r->ctx, &text, &jsonl, &mtime);

	if (ret)
		return ret;
	return cgfs_logs_read(r->fs, r->org, r->run, (int)r->route->arg, buf, size, off);
}

void cgfs_logs_grew(struct cgfs *fs, int64_t org, int64_t run)
{
	static const char *const files[] = {
		"/orgs/{org}/runs/{run}/logs", "/orgs/{org}/runs/{run}/logs.jsonl",
	};

	/* Complete: frozen now, and the next open tells the kernel
	 * (frozen.h).  An invalidation here could race with the kernel's
	 * GETATTR for a read of that open, whose size it would then drop:
	 * the read would end at the size held before (an empty `cat`). */
	if (cgfs_logs_complete(fs, org, run))
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cgfs_qid q;

		if (!cgfs_qid_of(files[i], org, run, CG_NONE, CG_NONE, NULL, &q))
			cgfs_ops_changed(fs, &q);
	}
}

/* ---- what cannot change -------------------------------------------------------------- */

int cgfs_req_frozen(struct cgfs_req *r)
{
	const struct cgfs_route *rt = r->route;
	struct cgfs_ids ids = ids_of(r);
	struct cgfs_ref ref = { 0 };
	int finished;

	if (!rt || rt->node != CGFS_FILE || r->run == CG_NONE)
		return 0;
	/* The logs: once complete (cgfs_logs_reopen ends that). */
	if (rt->open == CGFS_OPEN_LOG && rt->size == cgfs_logs_size)
		return cgfs_logs_complete(r->fs, r->org, r->run);
	/* The fields of a finished run, and nothing else of its directory:
	 * not `error`, `wait`, `ctl` nor `resume`. */
	if (rt->open != CGFS_OPEN_SNAPSHOT || rt->render != cgfs_file_field ||
	    rt->res != CGFS_RES_RUN || r->writable)
		return 0;
	if (cgfs_obj_peek(r->fs, CGFS_RES_RUN, &ids, &ref))
		return 0;
	finished = cg_run_state_of(((const struct cg_run *)ref.model)->status) ==
		   CG_RUN_FINISHED;
	cgfs_ref_drop(&ref);
	return finished;
}

/* ---- events ---------------------------------------------------------------------------- */

int cgfs_events_size(struct cgfs_req *r, size_t *size)
{
	cgfs_events_stat(r->fs, r->org, (int)r->route->arg, size, &r->mtime);
	return 0;
}

ssize_t cgfs_events_read_at(struct cgfs_req *r, char *buf, size_t size, off_t off)
{
	return cgfs_events_read(r->fs, r->org, (int)r->route->arg, buf, size, off);
}

void cgfs_events_grew(struct cgfs *fs, int64_t org)
{
	static const char *const files[] = { "/orgs/{org}/events", "/orgs/{org}/events.jsonl" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cgfs_qid q;

		if (!cgfs_qid_of(files[i], org, CG_NONE, CG_NONE, CG_NONE, NULL, &q))
			cgfs_ops_changed(fs, &q);
	}
}

/* ---- the mount's own files ------------------------------------------------------------ */

int cgfs_file_errors(struct cgfs_req *r, struct cg_buf *out)
{
	size_t size;

	cgfs_errlog_stat(r->fs->errors, &size, &r->mtime);
	if (!r->mtime)
		r->mtime = r->fs->mounted_at;
	return cgfs_errlog_render(r->fs->errors, out);
}

int cgfs_file_stats(struct cgfs_req *r, struct cg_buf *out)
{
	struct cg_endpoint_stats st[CG_EP_COUNT];
	struct cgfs_cache_counters cc;

	cg_client_stats(r->fs->client, st);
	cgfs_cache_counters(r->fs->cache, &cc);
	r->mtime = time(NULL);
	return cgfs_render_stats(out, st, &cc, cg_client_connections(r->fs->client));
}

int cgfs_file_run_error(struct cgfs_req *r, struct cg_buf *out)
{
	struct cgfs_ids ids = ids_of(r);

	r->mtime = r->fs->mounted_at;
	return cgfs_obj_last_error(r->fs, CGFS_RES_RUN, &ids, out);
}

int cgfs_file_nothing(struct cgfs_req *r, struct cg_buf *out)
{
	(void)out;
	r->mtime = r->fs->mounted_at;
	return 0;
}

int cgfs_file_answer(struct cgfs_req *r, struct cg_buf *out)
{
	int ret = cgfs_answers_get(r->fs->answers, (enum cgfs_answer)r->route->arg, r->org,
				   r->repo, out, &r->mtime);

	if (ret == -ENOENT) {
		r->mtime = r->fs->mounted_at;
		ret = 0;
	}
	return ret;
}

/* The README: the tree, one line per directory row with its children,
 * then what the documented rows hold; all from the route table. */

/* A pattern as the README shows it: "{run}" reads "<run>". */
static int put_pattern(struct cg_buf *out, const char *p)
{
	int ret = 0;

	for (; *p && !ret; p++)
		ret = cg_buf_append(out, *p == '{' ? "<" : *p == '}' ? ">" : p, 1);
	return ret;
}

static int readme_tree(struct cg_buf *out)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < cgfs_route_count(); i++) {
		const struct cgfs_route *dir = cgfs_route_at(i);
		size_t start = out->len, col;

		if (dir->node != CGFS_DIR)
			continue;
		ret = cg_buf_puts(out, "  ");
		if (!ret)
			ret = put_pattern(out, dir->pattern);
		if (!ret && strcmp(dir->pattern, "/"))
			ret = cg_buf_puts(out, "/");
		for (size_t j = 0; !ret && j < cgfs_route_count(); j++) {
			const struct cgfs_route *c = cgfs_route_at(j);

			if (cgfs_route_parent(c) != dir)
				continue;
			col = out->len - start;
			/* Children start in column 33 and wrap there. */
			if (col > 33 && col + 1 + strlen(cgfs_route_last(c)) > 78) {
				ret = cg_buf_printf(out, "\n%33s", "");
				start = out->len - 33;
			} else {
				ret = cg_buf_printf(out, "%*s", col < 33 ? (int)(33 - col) : 1, "");
			}
			if (!ret)
				ret = put_pattern(out, cgfs_route_last(c));
			if (!ret && c->node == CGFS_DIR)
				ret = cg_buf_puts(out, "/");
			if (!ret && c->node == CGFS_LINK)
				ret = cg_buf_puts(out, "@");
		}
		if (!ret)
			ret = cg_buf_puts(out, "\n");
	}
	return ret;
}

int cgfs_file_readme(struct cgfs_req *r, struct cg_buf *out)
{
	int ret;

	r->mtime = r->fs->mounted_at;
	ret = cg_buf_puts(out, "codegen-fs: the Codegen platform as files\n\n"
			    "The tree (<x> is an id or a name; / marks a directory, @ a link):\n\n");
	if (!ret)
		ret = readme_tree(out);
	if (!ret)
		ret = cg_buf_puts(out, "\nWhat some of them hold:\n\n");
	for (size_t i = 0; !ret && i < cgfs_route_count(); i++) {
		const struct cgfs_route *row = cgfs_route_at(i);

		if (!row->doc)
			continue;
		ret = cg_buf_puts(out, "  ");
		if (!ret)
			ret = put_pattern(out, row->pattern);
		if (!ret)
			ret = cg_buf_printf(out, "\n      %s", row->doc);
		/* A file of line commands: its verbs, from its table. */
		if (!ret && row->open == CGFS_OPEN_LINES) {
			ret = cg_buf_puts(out, "\n        ");
			if (!ret)
				ret = cgfs_commands_usage(row->commands, out);
		}
		if (!ret)
			ret = cg_buf_puts(out, "\n");
	}
	if (!ret)
		ret = cg_buf_puts(out,
			"\nExamples:\n"
			"  cat orgs/11/runs/789/status\n"
			"  grep -l FAILED orgs/11/runs/*/status\n"
			"  tail -f orgs/11/runs/789/logs\n"
			"  st=$(cat orgs/11/runs/789/wait)     # blocks until the run has finished\n"
			"  echo \"Add retries\" > orgs/11/new/retries   # creates a run\n"
			"  echo ban > orgs/11/runs/789/ctl\n"
			"\n"
			"runs/ lists the newest runs; any other run id resolves when named.\n"
			"Finished runs are cached for good; live ones are re-read after a few "
			"seconds.\n");
	return ret;
}
