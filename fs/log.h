/* log.h - the daemon's log: stderr, or the system log in the background.
 *
 * The mount's failures (each line of `/errors`), the daemon's own trouble
 * and, with -o debug_api, every API request are logged here.  Until
 * cgfs_log_to_syslog() a message goes to stderr as one line
 * "codegen-fs: <text>", or "<LEVEL><text>" when stderr is the journal's
 * stream ($JOURNAL_STREAM: a unit's -f daemon), whose priority the journal
 * reads from that prefix.  After it (the daemon in the background, where
 * fuse_daemonize has pointed stderr at /dev/null) each message is one
 * datagram to the system log socket, /dev/log (the journal's where systemd
 * runs), in the format syslog(3) sends:
 *
 *     <PRI>Mmm dd hh:mm:ss codegen-fs[PID]: <text>
 *
 * facility daemon, PRI = facility | level.  $CODEGEN_FS_SYSLOG_SOCKET, when
 * set, names another socket (the tests' own; docs/SEMANTICS.md "Logs").
 * Sending never blocks: a message the log socket has no room for is
 * dropped, as is one sent while no log socket listens (a filesystem call
 * must not wait on the journal).  Control characters in a text become
 * spaces: one message is one line.  Texts are cut at CGFS_LOG_MAX bytes.
 *
 * The sink is process-wide, as syslog(3)'s is: the one mutable state
 * outside the mount's private data.  Safe from every thread; choose the
 * sink before the threads start.
 */
#ifndef CGFS_LOG_H
#define CGFS_LOG_H

#include <stddef.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>

#include "cg_client.h"

#define CGFS_LOG_MAX 2048

/* The levels, syslog's numbers (<syslog.h>). */
enum cgfs_log_level {
	CGFS_LOG_ERR = LOG_ERR,          /* the daemon itself cannot do something */
	CGFS_LOG_WARNING = LOG_WARNING,  /* a failure of the mount: a line of /errors */
	CGFS_LOG_DEBUG = LOG_DEBUG,      /* one API request (-o debug_api) */
};

/* From now on, log to the system log (see above).  The socket is opened
 * now, and again whenever a send finds it gone (the journal restarted). */
void cgfs_log_to_syslog(void);

void cgfs_log(enum cgfs_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The text of one API request, e.g.
 *   "api GET /v1/organizations/11/agent/runs?skip=0&limit=100 200 12ms"
 *   "api GET /v1/users/me 503 8ms"  then  "api GET /v1/users/me 200 9ms retry 1"
 *   "api POST /v1/organizations/11/agent/run - 30001ms ETIMEDOUT"
 * method, target (path and query), HTTP status or "-" when none came, the
 * milliseconds of the exchange, the errno of a transport failure, and the
 * retry number of a repeated attempt.  Never a header, a body or the
 * token: the record holds none (cg_client.h).  Into buf (always
 * terminated, cut to size). */
void cgfs_log_format_request(char *buf, size_t size, const struct cg_request_record *rec);

/* A cg_request_log_fn (cg_client_config.log): rec at CGFS_LOG_DEBUG.  arg
 * is unused. */
void cgfs_log_request(void *arg, const struct cg_request_record *rec);

/* One datagram for the system log, as above, into buf (always terminated,
 * cut to size); its length.  when is local time as syslog(3) writes it. */
size_t cgfs_log_format_syslog(char *buf, size_t size, enum cgfs_log_level level, time_t when,
			      pid_t pid, const char *text);

#endif
