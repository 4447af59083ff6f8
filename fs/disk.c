/* disk.c - the persistent cache of finished runs (see disk.h): one SQLite
 * database per account, written in batches by a background thread so that
 * a FUSE thread only ever enqueues.
 *
 * A put or a drop becomes a pending entry, kept in a hash table (reads see
 * it at once) and a queue (the writer takes the whole queue, writes it in
 * one transaction, then forgets the entries).  Reads that miss the pending
 * entries read the database on their own connection (WAL: readers never
 * wait for the writer).  The writer (which opens its own connection) starts
 * at the first put and the reader's connection opens at the first read, not
 * in cgfs_disk_open: the mount opens the cache before fuse_daemonize forks,
 * and neither threads nor SQLite's locks survive a fork.
 */
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

#define MAX_ENTRY (64u << 20)
#define DB_NAME "cache.db"
#define BUCKETS 4096u
/* The bound of the queue (cgfs_disk_bound lowers the bytes): past it a
 * put waits up to DRAIN_WAIT_MS for the writer to catch up, then is
 * refused (-EAGAIN). */
#define DRAIN_WAIT_MS 1000
#define MAX_QUEUED 65536u
#define MAX_QUEUED_BYTES ((size_t)128 << 20)
/* The writer gathers puts this long (the puts of one listing come within
 * milliseconds), or until this many wait, before it writes them. */
#define BATCH_MS 20
#define BATCH 1024u
#define WRITER_BUSY_MS 5000
#define WRITER_NICE 10        /* below the FUSE threads: the writer only saves requests */
#define CACHE_PAGES "-256"   /* KiB of SQLite page cache per connection */
#define READER_BUSY_MS 1000

/* The statements, once. */
static const char *const sql_setup =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS entry (kind INTEGER NOT NULL, org INTEGER NOT NULL, "
	"run INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (kind, org, run));";
/* Replace, but write nothing when the bytes are the same (persist_run puts
 * every finished run it lists). */
static const char *const sql_put =
	"INSERT INTO entry (kind, org, run, data) VALUES (?1, ?2, ?3, ?4) "
	"ON CONFLICT (kind, org, run) DO UPDATE SET data = excluded.data "
	"WHERE data IS NOT excluded.data";
static const char *const sql_drop = "DELETE FROM entry WHERE kind = ?1 AND org = ?2 AND run = ?3";
static const char *const sql_get =
	"SELECT data FROM entry WHERE kind = ?1 AND org = ?2 AND run = ?3";

/* A put (data) or a drop (data NULL) not yet committed. */
struct pending {
	struct pending *chain;   /* same bucket, newest first */
	struct pending *next;    /* queue order */
	enum cgfs_disk_kind kind;
	int64_t org, run;
	char *data;
	size_t len;
	int taken;               /* in the writer's batch: no longer changed in place */
};

/* lock guards table, queue, counts and the state flags; rlock guards rdb,
 * get_stmt and rbroken; wdb and its statements are the writer's alone. */
struct cgfs_disk {
	char *root;               /* <dir>/<host>-u<user> */
	char *path;               /* <root>/cache.db */
	pthread_mutex_t lock;
	pthread_cond_t more;      /* the queue grew, or stopping */
	pthread_cond_t drained;   /* a batch was written */
	size_t max_bytes;         /* of the queue */
	struct pending *table[BUCKETS];
	struct pending *head, **tail;
	size_t queued, queued_bytes;
	int started, broken, stopping, rbroken;
	pthread_t writer;
	sqlite3 *wdb;
	sqlite3_stmt *put_stmt, *drop_stmt;
	pthread_mutex_t rlock;
	sqlite3 *rdb;
	sqlite3_stmt *get_stmt;
};

char *cgfs_disk_default_dir(void)
{
	return cgfs_private_xdg_dir("XDG_CACHE_HOME", ".cache");
}

/* The host part of a base URL, with anything but [A-Za-z0-9.-] as '_'. */
static void host_label(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n = 0;

	p = p ? p + 3 : url;
	for (; *p && *p != '/' && n + 1 < size; p++) {
		char c = *p;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-';

		out[n++] = plain ? c : '_';
	}
	out[n] = '\0';
}

void cgfs_account_label(const char *base_url, int64_t user_id, char *out, size_t size)
{
	char host[256];

	host_label(base_url, host, sizeof(host));
	snprintf(out, size, "%s-u%" PRId64, host, user_id);
}

/* One connection to the database; NULL when it cannot be opened. */
static sqlite3 *db_connect(const char *path, int busy_ms)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
			    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, busy_ms);
	sqlite3_extended_result_codes(db, 0);
	/* Pages are in the kernel's page cache anyway; SQLite's own (2 MiB
	 * by default, per connection) would count against --cache-mb's RSS. */
	sqlite3_exec(db, "PRAGMA cache_size=" CACHE_PAGES, NULL, NULL, NULL);
	return db;
}

/* Create the database file (0600, never through a symlink) and its table
 * in WAL mode.  SQLITE_OK, or the SQLite code with the reason in why. */
static int setup(const char *path, char *why, size_t why_size)
{
	sqlite3 *db;
	struct stat st;
	int fd, rc;

	/* SQLite would create it 0644 & ~umask; its -wal and -shm take its mode. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return SQLITE_CANTOPEN;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    ((st.st_mode & 0777) != 0600 && fchmod(fd, 0600) < 0)) {
		close(fd);
		snprintf(why, why_size, "%s is not a file of yours", path);
		return SQLITE_CANTOPEN;
	}
	close(fd);
	db = db_connect(path, WRITER_BUSY_MS);
	if (!db) {
		snprintf(why, why_size, "%s: cannot be opened", path);
		return SQLITE_CANTOPEN;
	}
	rc = sqlite3_exec(db, sql_setup, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		snprintf(why, why_size, "%s: %s", path, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

/* The database and the files SQLite keeps beside it. */
static void remove_db(const char *path)
{
	char side[4096];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

struct cgfs_disk *cgfs_disk_open(const char *dir, const char *base_url, int64_t user_id,
				 char *why, size_t why_size)
{
	pthread_condattr_t attr;
	struct cgfs_disk *d;
	struct stat st;
	char host[256];
	size_t size;
	int ret, rc;

	if (!dir || !base_url) {
		snprintf(why, why_size, "no cache directory");
		return NULL;
	}
	host_label(base_url, host, sizeof(host));
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	size = strlen(dir) + strlen(host) + 32;
	d->root = malloc(size);
	d->path = malloc(size + sizeof(DB_NAME));
	if (!d->root || !d->path)
		goto out_free;
	snprintf(d->root, size, "%s/%s-u%" PRId64, dir, host, user_id);
	snprintf(d->path, size + sizeof(DB_NAME), "%s/" DB_NAME, d->root);
	ret = cgfs_private_mkdirs(d->root);
	if (ret || stat(dir, &st) < 0 || cgfs_private_check(&st)) {
		snprintf(why, why_size, "cache directory %s is not usable (it must be a "
			 "directory of yours with mode 700)", dir);
		goto out_free;
	}
	rc = setup(d->path, why, why_size);
	/* Only a cache: one that is not a database any more starts again empty. */
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		remove_db(d->path);
		rc = setup(d->path, why, why_size);
	}
	if (rc != SQLITE_OK)
		goto out_free;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->rlock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->more, &attr);
	pthread_cond_init(&d->drained, &attr);
	d->max_bytes = MAX_QUEUED_BYTES;
	pthread_condattr_destroy(&attr);
	d->tail = &d->head;
	return d;
out_free:
	free(d->path);
	free(d->root);
	free(d);
	return NULL;
}

static unsigned bucket(enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	uint64_t h = (uint64_t)run * 0x9e3779b97f4a7c15u ^ (uint64_t)org * 0xc2b2ae3d27d4eb4fu ^
		     (uint64_t)kind;

	return (unsigned)(h >> 32) % BUCKETS;
}

/* The newest pending entry of a key, or NULL.  Under lock. */
static struct pending *pending_find(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org,
				    int64_t run)
{
	struct pending *p = d->table[bucket(kind, org, run)];

	for (; p; p = p->chain)
		if (p->kind == kind && p->org == org && p->run == run)
			return p;
	return NULL;
}

/* Bind the key to the first three parameters of stmt. */
static void bind_key(sqlite3_stmt *stmt, enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	sqlite3_bind_int(stmt, 1, (int)kind);
	sqlite3_bind_int64(stmt, 2, org);
	sqlite3_bind_int64(stmt, 3, run);
}

/* Write one batch in one transaction.  A failure loses the batch: the
 * cache only saves requests. */
static void write_batch(struct cgfs_disk *d, struct pending *batch)
{
	int rc = sqlite3_exec(d->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	for (struct pending *p = batch; rc == SQLITE_OK && p; p = p->next) {
		sqlite3_stmt *stmt = p->data ? d->put_stmt : d->drop_stmt;

		bind_key(stmt, p->kind, p->org, p->run);
		if (p->data)
			sqlite3_bind_blob64(stmt, 4, p->data, p->len, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(d->wdb, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(d->wdb, "ROLLBACK", NULL, NULL, NULL);
}

/* Forget the entries of a written batch.  Under lock. */
static void forget_batch(struct cgfs_disk *d, struct pending *batch)
{
	while (batch) {
		struct pending *p = batch, **at = &d->table[bucket(p->kind, p->org, p->run)];

		batch = p->next;
		while (*at != p)
			at = &(*at)->chain;
		*at = p->chain;
		d->queued--;
		d->queued_bytes -= p->len;
		free(p->data);
		free(p);
	}
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
}

/* The writer's connection: 0, or -EIO. */
static int writer_open(struct cgfs_disk *d)
{
	d->wdb = db_connect(d->path, WRITER_BUSY_MS);
	/* NORMAL in WAL mode: a crash may lose the last commits, never the database. */
	if (d->wdb &&
	    sqlite3_exec(d->wdb, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK &&
	    prepare(d->wdb, sql_put, &d->put_stmt) == SQLITE_OK &&
	    prepare(d->wdb, sql_drop, &d->drop_stmt) == SQLITE_OK)
		return 0;
	sqlite3_finalize(d->put_stmt);
	sqlite3_finalize(d->drop_stmt);
	sqlite3_close(d->wdb);
	d->put_stmt = d->drop_stmt = NULL;
	d->wdb = NULL;
	return -EIO;
}

/* Wait up to BATCH_MS for more puts, unless stopping or BATCH wait.  Under lock. */
static void gather(struct cgfs_disk *d)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += BATCH_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!d->stopping && d->queued < BATCH &&
	       pthread_cond_timedwait(&d->more, &d->lock, &until) == 0)
		;
}

/* The writer: takes the whole queue, writes it, until stopping and empty.
 * When its connection cannot be opened the cache is broken: what waits is
 * forgotten and every later put refused. */
static void *writer(void *arg)
{
	struct cgfs_disk *d = arg;
	int ret;

	/* Linux: a thread's nice value is its own (setpriority on its tid). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WRITER_NICE);
	ret = writer_open(d);

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct pending *batch;

		while (!d->head && !d->stopping)
			pthread_cond_wait(&d->more, &d->lock);
		if (!ret)
			gather(d);
		if (!d->head)
			break;
		batch = d->head;
		d->head = NULL;
		d->tail = &d->head;
		for (struct pending *p = batch; p; p = p->next)
			p->taken = 1;
		if (ret) {
			d->broken = 1;
		} else {
			pthread_mutex_unlock(&d->lock);
			write_batch(d, batch);
			pthread_mutex_lock(&d->lock);
		}
		forget_batch(d, batch);
		pthread_cond_broadcast(&d->drained);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Start the writer, once.  0, or -EIO when the cache takes no more puts.
 * Under lock. */
static int start_writer(struct cgfs_disk *d)
{
	if (d->broken)
		return -EIO;
	if (d->started)
		return 0;
	if (pthread_create(&d->writer, NULL, writer, d)) {
		d->broken = 1;
		return -EIO;
	}
	d->started = 1;
	return 0;
}

/* The reader's connection, at the first read: 0, or -EIO.  Under rlock. */
static int reader_open(struct cgfs_disk *d)
{
	if (d->rdb)
		return 0;
	if (d->rbroken)
		return -EIO;
	d->rdb = db_connect(d->path, READER_BUSY_MS);
	if (d->rdb && prepare(d->rdb, sql_get, &d->get_stmt) == SQLITE_OK)
		return 0;
	sqlite3_close(d->rdb);
	d->rdb = NULL;
	d->rbroken = 1;
	return -EIO;
}

void cgfs_disk_close(struct cgfs_disk *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = 1;
	pthread_cond_signal(&d->more);
	pthread_mutex_unlock(&d->lock);
	if (d->started) {
		pthread_join(d->writer, NULL);
		sqlite3_finalize(d->put_stmt);
		sqlite3_finalize(d->drop_stmt);
		sqlite3_close(d->wdb);
	}
	sqlite3_finalize(d->get_stmt);
	sqlite3_close(d->rdb);
	/* Left only when the writer never ran (nothing was put). */
	for (struct pending *p = d->head, *next; p; p = next) {
		next = p->next;
		free(p->data);
		free(p);
	}
	pthread_cond_destroy(&d->more);
	pthread_cond_destroy(&d->drained);
	pthread_mutex_destroy(&d->rlock);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d->root);
	free(d);
}

/* A malloc'd, NUL-terminated copy of len bytes, or NULL. */
static char *copy(const void *data, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		memcpy(c, data, len);
		c[len] = '\0';
	}
	return c;
}

/* Look in the pending entries: 0 with *data (when data), -ENOENT for a
 * pending drop, -ENOMEM, or 1 when none is pending. */
static int get_pending(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		       char **data, size_t *len)
{
	struct pending *p;
	int ret;

	pthread_mutex_lock(&d->lock);
	p = pending_find(d, kind, org, run);
	if (!p) {
		ret = 1;
	} else if (!p->data) {
		ret = -ENOENT;
	} else if (data) {
		*data = copy(p->data, p->len);
		*len = p->len;
		ret = *data ? 0 : -ENOMEM;
	} else {
		ret = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* Read the database: as cgfs_disk_get, with only *len when data is NULL. */
static int get_db(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  char **data, size_t *len)
{
	int rc, ret;

	pthread_mutex_lock(&d->rlock);
	if (reader_open(d)) {
		pthread_mutex_unlock(&d->rlock);
		return -ENOENT;
	}
	bind_key(d->get_stmt, kind, org, run);
	rc = sqlite3_step(d->get_stmt);
	if (rc == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(d->get_stmt, 0);
		size_t n = (size_t)sqlite3_column_bytes(d->get_stmt, 0);

		if (n > MAX_ENTRY || (!blob && n)) {
			ret = -EINVAL;
		} else if (data) {
			*data = copy(blob ? blob : "", n);
			ret = *data ? 0 : -ENOMEM;
			if (*data)
				*len = n;
		} else {
			ret = 0;
		}
	} else {
		ret = rc == SQLITE_DONE ? -ENOENT : rc == SQLITE_BUSY ? -EAGAIN : -EIO;
	}
	sqlite3_reset(d->get_stmt);
	sqlite3_clear_bindings(d->get_stmt);
	pthread_mutex_unlock(&d->rlock);
	return ret;
}

int cgfs_disk_has(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	int ret;

	if (!d)
		return 0;
	ret = get_pending(d, kind, org, run, NULL, NULL);
	if (ret == 1)
		ret = get_db(d, kind, org, run, NULL, NULL);
	return ret == 0;
}

int cgfs_disk_get(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  char **data, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	int ret;

	if (!d)
		return -ENOENT;
	ret = get_pending(d, kind, org, run, &text, &n);
	if (ret == 1)
		ret = get_db(d, kind, org, run, &text, &n);
	if (!ret) {
		*data = text;
		*len = n;
	}
	return ret;
}

/* Room in the queue for len more bytes: 0, or -EAGAIN when the writer did
 * not make it within DRAIN_WAIT_MS.  Under lock. */
static int wait_for_room(struct cgfs_disk *d, size_t len)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += DRAIN_WAIT_MS / 1000;
	while (d->queued && !d->broken &&
	       (d->queued >= MAX_QUEUED || d->queued_bytes + len > d->max_bytes)) {
		pthread_cond_signal(&d->more);
		if (pthread_cond_timedwait(&d->drained, &d->lock, &until))
			break;
	}
	return d->queued >= MAX_QUEUED || (d->queued && d->queued_bytes + len > d->max_bytes)
	       ? -EAGAIN : 0;
}

void cgfs_disk_bound(struct cgfs_disk *d, size_t memory_bound)
{
	size_t b = memory_bound / 8;

	if (!d)
		return;
	b = b < ((size_t)1 << 20) ? (size_t)1 << 20 : b > MAX_QUEUED_BYTES ? MAX_QUEUED_BYTES : b;
	pthread_mutex_lock(&d->lock);
	d->max_bytes = b;
	pthread_mutex_unlock(&d->lock);
}

/* Queue a put (data) or a drop (data NULL, never refused).  0 or -errno. */
static int enqueue(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		   const char *data, size_t len)
{
	char *c = NULL;
	struct pending *p, **head;
	int ret;

	if (data && !(c = copy(data, len)))
		return -ENOMEM;
	pthread_mutex_lock(&d->lock);
	ret = start_writer(d);
	if (!ret && data)
		ret = wait_for_room(d, len);
	if (ret)
		goto out_unlock;
	p = pending_find(d, kind, org, run);
	if (p && !p->taken) {
		/* Not yet in a batch: the newer value replaces it where it waits. */
		d->queued_bytes -= p->len;
		free(p->data);
		p->data = c;
		p->len = c ? len : 0;
		d->queued_bytes += p->len;
		c = NULL;
		goto out_unlock;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	p->kind = kind;
	p->org = org;
	p->run = run;
	p->data = c;
	p->len = c ? len : 0;
	/* Wake the writer for the first of a batch, or a full one. */
	if (!d->head || d->queued + 1 >= BATCH)
		pthread_cond_signal(&d->more);
	head = &d->table[bucket(kind, org, run)];
	p->chain = *head;
	*head = p;
	*d->tail = p;
	d->tail = &p->next;
	d->queued++;
	d->queued_bytes += p->len;
	c = NULL;
out_unlock:
	pthread_mutex_unlock(&d->lock);
	free(c);
	return ret;
}

int cgfs_disk_put(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run,
		  const char *data, size_t len)
{
	if (!d)
		return 0;
	if (len > MAX_ENTRY)
		return -EFBIG;
	return enqueue(d, kind, org, run, data ? data : "", len);
}

void cgfs_disk_drop(struct cgfs_disk *d, enum cgfs_disk_kind kind, int64_t org, int64_t run)
{
	if (d)
		enqueue(d, kind, org, run, NULL, 0);
}
