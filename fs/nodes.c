/* nodes.c - inode numbers <-> nodes (qids) (see nodes.h).
 *
 * Two chained hash tables over the same nodes: by number (every known
 * node) and by qid (only the nodes a lookup can still find).  Numbers are
 * never reused within a mount, so a stale number from the kernel can only
 * miss, never name another file.
 */
#include "nodes.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct node {
	uint64_t ino;
	uint64_t refs;          /* lookups the kernel holds */
	int kind;
	int attached;           /* in the qid table */
	int frozen;             /* the kernel was last told: cannot change (nodes.h) */
	unsigned row;
	int64_t org, run, repo, user;
	char *name;             /* NULL when the qid has none */
	struct node *next_ino, *next_path;
};

struct cgfs_nodes {
	pthread_mutex_t lock;
	struct node **by_ino, **by_path;
	size_t nbuckets;        /* a power of two, for both tables */
	uint64_t count;
	uint64_t next_ino;
	struct node root;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)      /* FNV-1a over the bytes */
		h = (h ^ (v & 0xff)) * 1099511628211ull;
	return h;
}

static uint64_t hash_qid(const struct cgfs_qid *q)
{
	uint64_t h = 1469598103934665603ull;

	h = mix(mix(mix(mix(mix(h, q->row), (uint64_t)q->org), (uint64_t)q->run),
		    (uint64_t)q->repo), (uint64_t)q->user);
	for (const char *p = q->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static int same(const struct node *n, const struct cgfs_qid *q)
{
	return n->row == q->row && n->org == q->org && n->run == q->run && n->repo == q->repo &&
	       n->user == q->user && !strcmp(n->name ? n->name : "", q->name);
}

static void qid_of(const struct node *n, struct cgfs_qid *q)
{
	q->row = n->row;
	q->org = n->org;
	q->run = n->run;
	q->repo = n->repo;
	q->user = n->user;
	snprintf(q->name, sizeof(q->name), "%s", n->name ? n->name : "");
}

/* Set n's qid (copying the name): 0 or -ENOMEM. */
static int set_qid(struct node *n, const struct cgfs_qid *q)
{
	char *name = q->name[0] ? strdup(q->name) : NULL;

	if (q->name[0] && !name)
		return -ENOMEM;
	free(n->name);
	n->name = name;
	n->row = q->row;
	n->org = q->org;
	n->run = q->run;
	n->repo = q->repo;
	n->user = q->user;
	return 0;
}

static size_t ino_slot(const struct cgfs_nodes *t, uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 7) & (t->nbuckets - 1);
}

static size_t path_slot(const struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	return (size_t)hash_qid(q) & (t->nbuckets - 1);
}

static size_t node_slot(const struct cgfs_nodes *t, const struct node *n)
{
	struct cgfs_qid q;

	qid_of(n, &q);
	return path_slot(t, &q);
}

struct cgfs_nodes *cgfs_nodes_new(void)
{
	struct cgfs_nodes *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nbuckets = 1024;
	t->by_ino = calloc(t->nbuckets, sizeof(*t->by_ino));
	t->by_path = calloc(t->nbuckets, sizeof(*t->by_path));
	if (!t->by_ino || !t->by_path) {
		free(t->by_ino);
		free(t->by_path);
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->root.ino = CGFS_ROOT_INO;
	t->next_ino = CGFS_ROOT_INO + 1;
	return t;
}

void cgfs_nodes_free(struct cgfs_nodes *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct node *n = t->by_ino[i];

		while (n) {
			struct node *next = n->next_ino;

			free(n->name);
			free(n);
			n = next;
		}
	}
	free(t->by_ino);
	free(t->by_path);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct node *find_ino(struct cgfs_nodes *t, uint64_t ino)
{
	if (ino == CGFS_ROOT_INO)
		return &t->root;
	for (struct node *n = t->by_ino[ino_slot(t, ino)]; n; n = n->next_ino)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct node *find_path(struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	for (struct node *n = t->by_path[path_slot(t, q)]; n; n = n->next_path)
		if (same(n, q))
			return n;
	return NULL;
}

static void unlink_path(struct cgfs_nodes *t, struct node *n)
{
	struct node **p = &t->by_path[node_slot(t, n)];

	if (!n->attached)
		return;
	while (*p != n)
		p = &(*p)->next_path;
	*p = n->next_path;
	n->next_path = NULL;
	n->attached = 0;
}

static void link_path(struct cgfs_nodes *t, struct node *n)
{
	size_t s = node_slot(t, n);

	n->next_path = t->by_path[s];
	t->by_path[s] = n;
	n->attached = 1;
}

/* Double both tables when they hold more nodes than buckets. */
static void grow(struct cgfs_nodes *t)
{
	size_t old = t->nbuckets;
	struct node **by_ino, **by_path, **old_ino = t->by_ino;

	if (t->count <= old)
		return;
	by_ino = calloc(old * 2, sizeof(*by_ino));
	by_path = calloc(old * 2, sizeof(*by_path));
	if (!by_ino || !by_path) {      /* longer chains, still correct */
		free(by_ino);
		free(by_path);
		return;
	}
	free(t->by_path);
	t->by_ino = by_ino;
	t->by_path = by_path;
	t->nbuckets = old * 2;
	for (size_t i = 0; i < old; i++) {
		struct node *n = old_ino[i];

		while (n) {
			struct node *next = n->next_ino;
			size_t s = ino_slot(t, n->ino);

			n->next_ino = t->by_ino[s];
			t->by_ino[s] = n;
			if (n->attached)
				link_path(t, n);
			n = next;
		}
	}
	free(old_ino);
}

uint64_t cgfs_nodes_ref(struct cgfs_nodes *t, const struct cgfs_qid *q, int kind)
{
	struct node *n;
	uint64_t ino = 0;

	if (q->row == 0)
		return CGFS_ROOT_INO;
	pthread_mutex_lock(&t->lock);
	n = find_path(t, q);
	if (n && n->kind != kind) {
		unlink_path(t, n);
		n = NULL;
	}
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (n && !set_qid(n, q)) {
			size_t s;

			n->ino = t->next_ino++;
			n->kind = kind;
			s = ino_slot(t, n->ino);
			n->next_ino = t->by_ino[s];
			t->by_ino[s] = n;
			link_path(t, n);
			t->count++;
			grow(t);
		} else {
			free(n);
			n = NULL;
		}
	}
	if (n) {
		n->refs++;
		ino = n->ino;
	}
	pthread_mutex_unlock(&t->lock);
	return ino;
}

int cgfs_nodes_get(struct cgfs_nodes *t, uint64_t ino, struct cgfs_qid *q, int *kind)
{
	struct node *n;

	pthread_mutex_lock(&t->lock);
	n = find_ino(t, ino);
	if (n) {
		qid_of(n, q);
		if (n == &t->root)
			q->org = q->run = q->repo = q->user = CG_NONE;
		if (kind)
			*kind = n == &t->root ? -1 : n->kind;
	}
	pthread_mutex_unlock(&t->lock);
	return n ? 0 : -ESTALE;
}

uint64_t cgfs_nodes_find(struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	struct node *n;
	uint64_t ino;

	if (q->row == 0)
		return CGFS_ROOT_INO;
	pthread_mutex_lock(&t->lock);
	n = find_path(t, q);
	ino = n ? n->ino : 0;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

void cgfs_nodes_forget(struct cgfs_nodes *t, uint64_t ino, uint64_t count)
{
	struct node **p, *n;

	if (ino == CGFS_ROOT_INO)
		return;
	pthread_mutex_lock(&t->lock);
	p = &t->by_ino[ino_slot(t, ino)];
	while (*p && (*p)->ino != ino)
		p = &(*p)->next_ino;
	n = *p;
	if (n) {
		n->refs = count < n->refs ? n->refs - count : 0;
		if (!n->refs) {
			unlink_path(t, n);
			*p = n->next_ino;
			t->count--;
			free(n->name);
			free(n);
		}
	}
	pthread_mutex_unlock(&t->lock);
}

void cgfs_nodes_detach(struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	struct node *n;

	pthread_mutex_lock(&t->lock);
	n = find_path(t, q);
	if (n)
		unlink_path(t, n);
	pthread_mutex_unlock(&t->lock);
}

void cgfs_nodes_rename(struct cgfs_nodes *t, const struct cgfs_qid *from,
		       const struct cgfs_qid *to)
{
	struct node *n, *old;

	pthread_mutex_lock(&t->lock);
	old = find_path(t, to);
	if (old)
		unlink_path(t, old);
	n = find_path(t, from);
	if (n) {
		unlink_path(t, n);
		/* Out of memory: the node stays detached (its number still
		 * works; the next lookup of to makes a new one). */
		if (!set_qid(n, to))
			link_path(t, n);
	}
	pthread_mutex_unlock(&t->lock);
}

uint64_t cgfs_nodes_count(struct cgfs_nodes *t)
{
	uint64_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int cgfs_nodes_set_frozen(struct cgfs_nodes *t, uint64_t ino, int frozen)
{
	struct node *n;
	int was = 0;

	pthread_mutex_lock(&t->lock);
	n = find_ino(t, ino);
	if (n) {
		was = n->frozen;
		n->frozen = frozen;
	}
	pthread_mutex_unlock(&t->lock);
	return was;
}

size_t cgfs_nodes_thaw(struct cgfs_nodes *t, int64_t org, int64_t run, uint64_t *inos,
		       size_t max)
{
	size_t k = 0;

	pthread_mutex_lock(&t->lock);
	/* Rare (a command): a walk of the whole table is fine. */
	for (size_t i = 0; i < t->nbuckets && k < max; i++)
		for (struct node *n = t->by_ino[i]; n && k < max; n = n->next_ino)
			if (n->frozen && n->org == org && (run == CG_NONE || n->run == run)) {
				n->frozen = 0;
				inos[k++] = n->ino;
			}
	pthread_mutex_unlock(&t->lock);
	return k;
}
