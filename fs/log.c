/* log.c - the daemon's log: stderr, or the system log (see log.h).
 *
 * The system log is spoken to directly rather than through syslog(3): the
 * datagram is the same, and so the socket can be one a test listens on
 * ($CODEGEN_FS_SYSLOG_SOCKET) with the very code a real mount runs, and a
 * send can be made never to block.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define LOG_IDENT "codegen-fs"
#define SYSLOG_PATH "/dev/log"

/* lock guards everything below it: whether the system log is the sink,
 * its address and its socket (-1 when not connected), what stderr is. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int to_syslog;
static struct sockaddr_un syslog_addr;
static int syslog_fd = -1;
static int stderr_known, stderr_journal;

/* Connect to the log socket; the caller holds lock.  Quietly nothing when
 * none listens: there is nowhere to say so. */
static void syslog_connect(void)
{
	if (!syslog_addr.sun_path[0])
		return;
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (syslog_fd < 0)
		return;
	if (connect(syslog_fd, (const struct sockaddr *)&syslog_addr, sizeof(syslog_addr)) < 0) {
		close(syslog_fd);
		syslog_fd = -1;
	}
}

/* Is stderr the journal's stream (systemd names it in $JOURNAL_STREAM as
 * "<device>:<inode>")?  Then a line starts with its level, "<4>", which
 * the journal takes as the priority, and without the name, which the
 * journal shows anyway.  The caller holds lock. */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev = 0, ino = 0;
	char *colon = NULL, *end = NULL;
	struct stat st;

	if (!stderr_known) {
		stderr_known = 1;
		errno = 0;
		if (v && *v >= '0' && *v <= '9')
			dev = strtoull(v, &colon, 10);
		if (colon && *colon == ':' && colon[1] >= '0' && colon[1] <= '9')
			ino = strtoull(colon + 1, &end, 10);
		stderr_journal = end && !*end && !errno && fstat(2, &st) == 0 &&
				 (unsigned long long)st.st_dev == dev &&
				 (unsigned long long)st.st_ino == ino;
	}
	return stderr_journal;
}

void cgfs_log_to_syslog(void)
{
	const char *path = getenv("CODEGEN_FS_SYSLOG_SOCKET");

	if (!path || !*path)
		path = SYSLOG_PATH;
	pthread_mutex_lock(&lock);
	to_syslog = 1;
	syslog_addr.sun_family = AF_UNIX;
	/* Too long a name is no socket: messages are dropped. */
	if (strlen(path) < sizeof(syslog_addr.sun_path))
		memcpy(syslog_addr.sun_path, path, strlen(path) + 1);
	if (syslog_fd < 0)
		syslog_connect();
	pthread_mutex_unlock(&lock);
}

/* Send one datagram; the caller holds lock.  A socket that went away (the
 * journal restarted) is connected again, once per message. */
static void syslog_send(const char *msg, size_t len)
{
	for (int tries = 0; tries < 2; tries++) {
		if (syslog_fd < 0)
			syslog_connect();
		if (syslog_fd < 0)
			return;
		if (send(syslog_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		/* Full: drop the message rather than wait (log.h). */
		if (errno == EAGAIN || errno == EINTR)
			return;
		close(syslog_fd);
		syslog_fd = -1;
	}
}

size_t cgfs_log_format_syslog(char *buf, size_t size, enum cgfs_log_level level, time_t when,
			      pid_t pid, const char *text)
{
	char stamp[32] = "";
	struct tm tm;
	int n;

	if (localtime_r(&when, &tm))
		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S ", &tm);
	n = snprintf(buf, size, "<%d>%s" LOG_IDENT "[%ld]: %s", LOG_DAEMON | (int)level, stamp,
		     (long)pid, text);
	if (n < 0)
		n = 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

void cgfs_log(enum cgfs_log_level level, const char *fmt, ...)
{
	char text[CGFS_LOG_MAX], msg[CGFS_LOG_MAX + 64];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	len = strlen(text);
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = ' ';
	pthread_mutex_lock(&lock);
	if (to_syslog) {
		len = cgfs_log_format_syslog(msg, sizeof(msg), level, time(NULL), getpid(), text);
		syslog_send(msg, len);
	} else {
		/* One write per line: lines of several threads never mix. */
		if (stderr_is_journal())
			len = (size_t)snprintf(msg, sizeof(msg), "<%d>%s\n", (int)level, text);
		else
			len = (size_t)snprintf(msg, sizeof(msg), LOG_IDENT ": %s\n", text);
		fwrite(msg, 1, len < sizeof(msg) ? len : sizeof(msg) - 1, stderr);
	}
	pthread_mutex_unlock(&lock);
}

void cgfs_log_format_request(char *buf, size_t size, const struct cg_request_record *rec)
{
	char status[24] = "-", retry[24] = "";
	const char *err = rec->err ? cg_errno_name(rec->err) : NULL;

	if (rec->status > 0)
		snprintf(status, sizeof(status), "%ld", rec->status);
	if (rec->attempt > 1)
		snprintf(retry, sizeof(retry), " retry %d", rec->attempt - 1);
	snprintf(buf, size, "api %s %s %s %ldms%s%s%s", rec->method, rec->target, status,
		 rec->ms, err ? " " : "", err ? err : "", retry);
}

void cgfs_log_request(void *arg, const struct cg_request_record *rec)
{
	char text[CGFS_LOG_MAX];

	(void)arg;
	cgfs_log_format_request(text, sizeof(text), rec);
	cgfs_log(CGFS_LOG_DEBUG, "%s", text);
}
