/* nodes.c - inode numbers <-> nodes (qids) (see nodes.h).
 *
 * A node is kept as its parent and what its own name adds to the parent's
 * qid: an id ({org}, {run}, ...), a name ({entry}, {status}, ...), or
 * nothing (a fixed name); its qid is rebuilt by walking up to the root.
 * The nodes live in one array, and a number is a slot and that slot's
 * generation, so a stale number from the kernel can only miss, never name
 * another file.  A file with a fixed name (a run's status, summary, ...)
 * is no record at all: its number is its parent's slot and its row, and
 * the parent counts the kernel's references to all of them.  A record
 * stays while the kernel holds it, one of its files, or a child record.
 * One hash table over (parent, row, leaf) finds the nodes a lookup can
 * still find.
 */
#include "nodes.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum leaf { LEAF_NONE, LEAF_NAME, LEAF_ORG, LEAF_RUN, LEAF_REPO, LEAF_USER };

/* What the node table needs of each row of the route table. */
struct row_info {
	unsigned parent;
	enum leaf leaf;
	int bit;        /* >= 0: a fixed-name file, its bit among its parent's */
};

#define USED     0x1
#define ATTACHED 0x2    /* in the hash table */
#define FROZEN   0x4    /* the kernel was last told: cannot change (nodes.h) */

struct node {
	uint64_t refs;          /* lookups the kernel holds of this node */
	uint64_t file_refs;     /* ... of its fixed-name files, all together */
	uint64_t files_seen;    /* bits of the files the kernel was given */
	uint64_t files_frozen;  /* bits of those frozen */
	union {
		int64_t id;
		char *name;
	} leaf;
	uint32_t parent;        /* slot */
	uint32_t next;          /* hash chain, or the free list; 0: the end */
	uint32_t gen;
	uint32_t children;      /* records whose parent this is */
	uint16_t row;
	int8_t kind;
	uint8_t flags;
};

/* A file's number: this bit, its row, its parent's slot and generation. */
#define FILE_INO (1ull << 63)
#define MAX_ROWS 0x8000u
#define MAX_DEPTH 32

struct cgfs_nodes {
	pthread_mutex_t lock;
	struct node *slot;      /* slot 0: the root */
	uint32_t nslots, cap;   /* in use (a prefix) and allocated */
	uint32_t free;          /* a free slot, the others chained by next; 0: none */
	uint32_t *bucket;       /* by (parent, row, leaf): a slot; 0: none */
	size_t nbuckets;        /* a power of two */
	size_t count;           /* records but the root */
	struct row_info *rows;
	size_t nrows;
};

/* The lookup key of a node. */
struct key {
	uint32_t parent;
	unsigned row;
	int64_t id;
	const char *name;
};

static enum leaf leaf_of_pattern(const char *last)
{
	if (last[0] != '{')
		return LEAF_NONE;
	if (!strcmp(last, "{org}"))
		return LEAF_ORG;
	if (!strcmp(last, "{run}"))
		return LEAF_RUN;
	if (!strcmp(last, "{repo}"))
		return LEAF_REPO;
	if (!strcmp(last, "{user}"))
		return LEAF_USER;
	return LEAF_NAME;
}

static int learn_rows(struct cgfs_nodes *t)
{
	t->nrows = cgfs_route_count();
	if (t->nrows >= MAX_ROWS)
		return -1;
	t->rows = calloc(t->nrows, sizeof(*t->rows));
	if (!t->rows)
		return -1;
	for (size_t i = 0; i < t->nrows; i++) {
		const struct cgfs_route *rt = cgfs_route_at(i), *up = cgfs_route_parent(rt);
		struct row_info *ri = &t->rows[i];

		ri->parent = up ? (unsigned)cgfs_route_index(up) : 0;
		ri->leaf = i ? leaf_of_pattern(cgfs_route_last(rt)) : LEAF_NONE;
		ri->bit = -1;
		if (i && ri->leaf == LEAF_NONE && rt->node != CGFS_DIR &&
		    rt->open != CGFS_OPEN_DRAFT) {
			int bit = 0;

			for (size_t j = 1; j < i; j++)
				bit += t->rows[j].bit >= 0 && t->rows[j].parent == ri->parent;
			if (bit < 64)
				ri->bit = bit;
		}
	}
	return 0;
}

/* The row of parent_row's fixed-name file with that bit. */
static unsigned file_row(const struct cgfs_nodes *t, unsigned parent_row, int bit)
{
	for (size_t i = 1; i < t->nrows; i++)
		if (t->rows[i].parent == parent_row && t->rows[i].bit == bit)
			return (unsigned)i;
	return 0;
}

/* ---- numbers -------------------------------------------------------------------------- */

static uint64_t record_ino(const struct cgfs_nodes *t, uint32_t s)
{
	return ((uint64_t)(t->slot[s].gen & 0x7fffffffu) << 32) | ((uint64_t)s + 1);
}

static uint64_t file_ino(const struct cgfs_nodes *t, uint32_t parent, unsigned row)
{
	return FILE_INO | ((uint64_t)row << 48) | ((uint64_t)(t->slot[parent].gen & 0xffffu) << 32) |
	       ((uint64_t)parent + 1);
}

/* The slot of ino (the parent's, for a file, whose row goes to *row; 0
 * for a record): 0, or -ESTALE. */
static int decode(const struct cgfs_nodes *t, uint64_t ino, uint32_t *s, unsigned *row)
{
	uint64_t low = ino & 0xffffffffu;
	const struct node *n;

	if (!low || low > t->nslots)
		return -ESTALE;
	*s = (uint32_t)(low - 1);
	n = &t->slot[*s];
	if (!(n->flags & USED))
		return -ESTALE;
	*row = 0;
	if (!(ino & FILE_INO))
		return (ino >> 32) == (n->gen & 0x7fffffffu) ? 0 : -ESTALE;
	*row = (unsigned)((ino >> 48) & 0x7fff);
	if (((ino >> 32) & 0xffff) != (n->gen & 0xffffu) || *row >= t->nrows ||
	    t->rows[*row].bit < 0 || t->rows[*row].parent != n->row)
		return -ESTALE;
	return 0;
}

/* ---- keys and the hash table ---------------------------------------------------------- */

static struct key key_of(const struct cgfs_nodes *t, uint32_t parent, const struct cgfs_qid *q,
			 unsigned row)
{
	struct key k = { parent, row, 0, NULL };

	switch (t->rows[row].leaf) {
	case LEAF_NAME: k.name = q->name; break;
	case LEAF_ORG: k.id = q->org; break;
	case LEAF_RUN: k.id = q->run; break;
	case LEAF_REPO: k.id = q->repo; break;
	case LEAF_USER: k.id = q->user; break;
	case LEAF_NONE: break;
	}
	return k;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)      /* FNV-1a over the bytes */
		h = (h ^ (v & 0xff)) * 1099511628211ull;
	return h;
}

static size_t key_slot(const struct cgfs_nodes *t, const struct key *k)
{
	uint64_t h = mix(mix(mix(1469598103934665603ull, k->parent), k->row), (uint64_t)k->id);

	for (const char *p = k->name; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (size_t)h & (t->nbuckets - 1);
}

static struct key key_of_node(const struct cgfs_nodes *t, uint32_t s)
{
	const struct node *n = &t->slot[s];
	struct key k = { n->parent, n->row, 0, NULL };

	if (t->rows[n->row].leaf == LEAF_NAME)
		k.name = n->leaf.name;
	else
		k.id = n->leaf.id;
	return k;
}

static int same(const struct cgfs_nodes *t, uint32_t s, const struct key *k)
{
	const struct node *n = &t->slot[s];

	if (n->parent != k->parent || n->row != k->row)
		return 0;
	return t->rows[k->row].leaf == LEAF_NAME ? !strcmp(n->leaf.name, k->name)
						  : n->leaf.id == k->id;
}

static uint32_t find_key(const struct cgfs_nodes *t, const struct key *k)
{
	uint32_t s = t->bucket[key_slot(t, k)];

	while (s && !same(t, s, k))
		s = t->slot[s].next;
	return s;
}

static void link_key(struct cgfs_nodes *t, uint32_t s)
{
	struct key k = key_of_node(t, s);
	size_t b = key_slot(t, &k);

	t->slot[s].next = t->bucket[b];
	t->bucket[b] = s;
	t->slot[s].flags |= ATTACHED;
}

static void unlink_key(struct cgfs_nodes *t, uint32_t s)
{
	struct key k;
	uint32_t *p;

	if (!(t->slot[s].flags & ATTACHED))
		return;
	k = key_of_node(t, s);
	p = &t->bucket[key_slot(t, &k)];
	while (*p != s)
		p = &t->slot[*p].next;
	*p = t->slot[s].next;
	t->slot[s].next = 0;
	t->slot[s].flags &= (uint8_t)~ATTACHED;
}

/* Double the buckets when there are more records than buckets. */
static void grow_buckets(struct cgfs_nodes *t)
{
	uint32_t *old = t->bucket;
	size_t nold = t->nbuckets;

	if (t->count <= nold)
		return;
	t->bucket = calloc(nold * 2, sizeof(*t->bucket));
	if (!t->bucket) {               /* longer chains, still correct */
		t->bucket = old;
		return;
	}
	t->nbuckets = nold * 2;
	for (size_t i = 0; i < nold; i++)
		for (uint32_t s = old[i], next; s; s = next) {
			next = t->slot[s].next;
			link_key(t, s);
		}
	free(old);
}

/* ---- records -------------------------------------------------------------------------- */

/* A new attached record for k, of kind, counted by its parent: its slot,
 * or 0 when out of memory.  Moves the array: slot pointers go stale. */
static uint32_t new_record(struct cgfs_nodes *t, const struct key *k, int kind)
{
	char *name = NULL;
	uint32_t s, gen;
	struct node *n;

	if (t->rows[k->row].leaf == LEAF_NAME && !(name = strdup(k->name)))
		return 0;
	if (t->free) {
		s = t->free;
		t->free = t->slot[s].next;
	} else {
		if (t->nslots == t->cap) {
			uint32_t cap = t->cap * 2;
			struct node *slot = cap > t->cap ? realloc(t->slot, cap * sizeof(*slot))
							 : NULL;

			if (!slot) {
				free(name);
				return 0;
			}
			t->slot = slot;
			t->cap = cap;
		}
		s = t->nslots++;
		t->slot[s].gen = 0;
	}
	n = &t->slot[s];
	gen = n->gen;
	*n = (struct node){ .parent = k->parent, .gen = gen, .row = (uint16_t)k->row,
			    .kind = (int8_t)kind, .flags = USED };
	if (name)
		n->leaf.name = name;
	else
		n->leaf.id = k->id;
	t->slot[k->parent].children++;
	t->count++;
	link_key(t, s);
	grow_buckets(t);
	return s;
}

/* Drop record s, and then its parents, while nothing holds them. */
static void release(struct cgfs_nodes *t, uint32_t s)
{
	while (s) {
		struct node *n = &t->slot[s];
		uint32_t up = n->parent;

		if (n->refs || n->file_refs || n->children)
			return;
		unlink_key(t, s);
		if (t->rows[n->row].leaf == LEAF_NAME)
			free(n->leaf.name);
		n->flags = 0;
		n->gen++;
		n->next = t->free;
		t->free = s;
		t->count--;
		t->slot[up].children--;
		s = up;
	}
}

/* The slot of q's parent, made (unreferenced) where missing when create
 * is set: 0 for the root, UINT32_MAX when missing or out of memory. */
static uint32_t walk(struct cgfs_nodes *t, const struct cgfs_qid *q, int create)
{
	unsigned chain[MAX_DEPTH];
	size_t depth = 0;
	uint32_t s = 0;

	for (unsigned row = t->rows[q->row].parent; row; row = t->rows[row].parent) {
		if (depth == MAX_DEPTH)
			return UINT32_MAX;
		chain[depth++] = row;
	}
	while (depth--) {
		struct key k = key_of(t, s, q, chain[depth]);
		uint32_t found = find_key(t, &k);

		if (!found && create) {
			found = new_record(t, &k, (int)cgfs_route_at(chain[depth])->node);
			if (!found) {
				release(t, s);
				return UINT32_MAX;
			}
		}
		if (!found)
			return UINT32_MAX;
		s = found;
	}
	return s;
}

/* The qid of record s, with row as its row. */
static void qid_of(const struct cgfs_nodes *t, uint32_t s, unsigned row, struct cgfs_qid *q)
{
	unsigned have = 0;

	q->row = row;
	q->org = q->run = q->repo = q->user = CG_NONE;
	q->name[0] = '\0';
	/* Walking up: the nearest leaf of each sort is the one that counts. */
	for (; s; s = t->slot[s].parent) {
		const struct node *n = &t->slot[s];
		enum leaf leaf = t->rows[n->row].leaf;

		if (leaf == LEAF_NONE || (have & (1u << leaf)))
			continue;
		have |= 1u << leaf;
		switch (leaf) {
		case LEAF_NAME: snprintf(q->name, sizeof(q->name), "%s", n->leaf.name); break;
		case LEAF_ORG: q->org = n->leaf.id; break;
		case LEAF_RUN: q->run = n->leaf.id; break;
		case LEAF_REPO: q->repo = n->leaf.id; break;
		case LEAF_USER: q->user = n->leaf.id; break;
		case LEAF_NONE: break;
		}
	}
}

/* ---- the interface -------------------------------------------------------------------- */

struct cgfs_nodes *cgfs_nodes_new(void)
{
	struct cgfs_nodes *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 256;
	t->nbuckets = 256;
	t->slot = calloc(t->cap, sizeof(*t->slot));
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	if (!t->slot || !t->bucket || learn_rows(t)) {
		cgfs_nodes_free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->slot[0] = (struct node){ .kind = -1, .flags = USED };
	t->nslots = 1;
	return t;
}

void cgfs_nodes_free(struct cgfs_nodes *t)
{
	if (!t)
		return;
	for (uint32_t s = 1; s < t->nslots; s++)
		if ((t->slot[s].flags & USED) && t->rows[t->slot[s].row].leaf == LEAF_NAME)
			free(t->slot[s].leaf.name);
	if (t->nslots)
		pthread_mutex_destroy(&t->lock);
	free(t->slot);
	free(t->bucket);
	free(t->rows);
	free(t);
}

/* Under the lock: a reference to q's record (made if missing or of
 * another kind), in parent slot p: its number, or 0. */
static uint64_t ref_record(struct cgfs_nodes *t, uint32_t p, const struct cgfs_qid *q, int kind)
{
	struct key k = key_of(t, p, q, q->row);
	uint32_t s = find_key(t, &k);

	if (s && t->slot[s].kind != kind) {
		/* Another kind: the old number stays with those who hold it. */
		unlink_key(t, s);
		release(t, s);
		s = 0;
	}
	if (!s)
		s = new_record(t, &k, kind);
	if (!s) {
		release(t, p);
		return 0;
	}
	t->slot[s].refs++;
	return record_ino(t, s);
}

uint64_t cgfs_nodes_ref(struct cgfs_nodes *t, const struct cgfs_qid *q, int kind)
{
	uint64_t ino = 0;
	uint32_t p;

	if (q->row == 0)
		return CGFS_ROOT_INO;
	if (q->row >= t->nrows)
		return 0;
	pthread_mutex_lock(&t->lock);
	p = walk(t, q, 1);
	if (p != UINT32_MAX && t->rows[q->row].bit >= 0) {
		t->slot[p].file_refs++;
		t->slot[p].files_seen |= 1ull << t->rows[q->row].bit;
		ino = file_ino(t, p, q->row);
	} else if (p != UINT32_MAX) {
		ino = ref_record(t, p, q, kind);
	}
	pthread_mutex_unlock(&t->lock);
	return ino;
}

int cgfs_nodes_get(struct cgfs_nodes *t, uint64_t ino, struct cgfs_qid *q, int *kind)
{
	uint32_t s;
	unsigned row;
	int ret;

	pthread_mutex_lock(&t->lock);
	ret = decode(t, ino, &s, &row);
	if (!ret) {
		qid_of(t, s, row ? row : t->slot[s].row, q);
		if (kind)
			*kind = row ? (int)cgfs_route_at(row)->node : t->slot[s].kind;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

uint64_t cgfs_nodes_find(struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	uint64_t ino = 0;
	uint32_t p, s;

	if (q->row == 0)
		return CGFS_ROOT_INO;
	if (q->row >= t->nrows)
		return 0;
	pthread_mutex_lock(&t->lock);
	p = walk(t, q, 0);
	if (p != UINT32_MAX && t->rows[q->row].bit >= 0) {
		if (t->slot[p].files_seen & (1ull << t->rows[q->row].bit))
			ino = file_ino(t, p, q->row);
	} else if (p != UINT32_MAX) {
		struct key k = key_of(t, p, q, q->row);

		s = find_key(t, &k);
		ino = s ? record_ino(t, s) : 0;
	}
	pthread_mutex_unlock(&t->lock);
	return ino;
}

static uint64_t less(uint64_t have, uint64_t n)
{
	return n < have ? have - n : 0;
}

void cgfs_nodes_forget(struct cgfs_nodes *t, uint64_t ino, uint64_t count)
{
	uint32_t s;
	unsigned row;

	if (ino == CGFS_ROOT_INO)
		return;
	pthread_mutex_lock(&t->lock);
	if (!decode(t, ino, &s, &row) && s) {
		if (row)
			t->slot[s].file_refs = less(t->slot[s].file_refs, count);
		else
			t->slot[s].refs = less(t->slot[s].refs, count);
		release(t, s);
	}
	pthread_mutex_unlock(&t->lock);
}

/* The attached record of q (not a fixed-name file): its slot or 0. */
static uint32_t record_of(struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	uint32_t p;
	struct key k;

	if (q->row == 0 || q->row >= t->nrows || t->rows[q->row].bit >= 0)
		return 0;
	p = walk(t, q, 0);
	if (p == UINT32_MAX)
		return 0;
	k = key_of(t, p, q, q->row);
	return find_key(t, &k);
}

void cgfs_nodes_detach(struct cgfs_nodes *t, const struct cgfs_qid *q)
{
	uint32_t s;

	pthread_mutex_lock(&t->lock);
	s = record_of(t, q);
	if (s) {
		unlink_key(t, s);
		release(t, s);
	}
	pthread_mutex_unlock(&t->lock);
}

void cgfs_nodes_rename(struct cgfs_nodes *t, const struct cgfs_qid *from,
		       const struct cgfs_qid *to)
{
	uint32_t s, old, p;

	pthread_mutex_lock(&t->lock);
	old = record_of(t, to);
	if (old) {
		unlink_key(t, old);
		release(t, old);
	}
	s = record_of(t, from);
	/* Only a name moves within its directory (outbox entries); out of
	 * memory, the node stays detached (its number still works; the next
	 * lookup of to makes a new one). */
	if (s && to->row == from->row && (p = walk(t, to, 0)) == t->slot[s].parent) {
		struct key k = key_of(t, p, to, to->row);
		char *name = t->rows[to->row].leaf == LEAF_NAME ? strdup(k.name) : NULL;

		unlink_key(t, s);
		if (t->rows[to->row].leaf != LEAF_NAME || name) {
			if (name) {
				free(t->slot[s].leaf.name);
				t->slot[s].leaf.name = name;
			} else {
				t->slot[s].leaf.id = k.id;
			}
			link_key(t, s);
		}
	} else if (s) {
		unlink_key(t, s);
		release(t, s);
	}
	pthread_mutex_unlock(&t->lock);
}

int cgfs_nodes_set_frozen(struct cgfs_nodes *t, uint64_t ino, int frozen)
{
	uint32_t s;
	unsigned row;
	int was = 0;

	pthread_mutex_lock(&t->lock);
	if (!decode(t, ino, &s, &row)) {
		struct node *n = &t->slot[s];

		if (row) {
			uint64_t bit = 1ull << t->rows[row].bit;

			was = !!(n->files_frozen & bit);
			n->files_frozen = frozen ? n->files_frozen | bit : n->files_frozen & ~bit;
		} else {
			was = !!(n->flags & FROZEN);
			n->flags = frozen ? (uint8_t)(n->flags | FROZEN)
					  : (uint8_t)(n->flags & ~FROZEN);
		}
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
	for (uint32_t s = 1; s < t->nslots && k < max; s++) {
		struct node *n = &t->slot[s];
		struct cgfs_qid q;

		if (!(n->flags & USED) || !((n->flags & FROZEN) || n->files_frozen))
			continue;
		qid_of(t, s, n->row, &q);
		if (q.org != org || (run != CG_NONE && q.run != run))
			continue;
		if ((n->flags & FROZEN) && k < max) {
			n->flags &= (uint8_t)~FROZEN;
			inos[k++] = record_ino(t, s);
		}
		for (int bit = 0; bit < 64 && n->files_frozen && k < max; bit++)
			if (n->files_frozen & (1ull << bit)) {
				n->files_frozen &= ~(1ull << bit);
				inos[k++] = file_ino(t, s, file_row(t, n->row, bit));
			}
	}
	pthread_mutex_unlock(&t->lock);
	return k;
}
