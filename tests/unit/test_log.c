/* test_log.c - the daemon's log (fs/log.c): the text of a request, the
 * syslog datagram, and both sinks for real (stderr through a pipe, the
 * system log through a datagram socket of the test's own). */
#include "log.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static void format(char *buf, size_t size, const char *method, const char *target,
		   long status, int err, long ms, int attempt)
{
	struct cg_request_record rec = {
		.ep = CG_EP_GET_ME, .method = method, .target = target, .status = status,
		.err = err, .ms = ms, .attempt = attempt,
	};

	cgfs_log_format_request(buf, size, &rec);
}

START_TEST(a_request_is_one_line)
{
	char buf[256];

	format(buf, sizeof(buf), "GET", "/v1/organizations/11/agent/runs?skip=0&limit=100",
	       200, 0, 12, 1);
	ck_assert_str_eq(buf, "api GET /v1/organizations/11/agent/runs?skip=0&limit=100 200 12ms");
	format(buf, sizeof(buf), "GET", "/v1/users/me", 503, 0, 8, 1);
	ck_assert_str_eq(buf, "api GET /v1/users/me 503 8ms");
	format(buf, sizeof(buf), "GET", "/v1/users/me", 200, 0, 9, 2);
	ck_assert_str_eq(buf, "api GET /v1/users/me 200 9ms retry 1");
	format(buf, sizeof(buf), "POST", "/v1/organizations/11/agent/run", 0, ETIMEDOUT,
	       30001, 1);
	ck_assert_str_eq(buf, "api POST /v1/organizations/11/agent/run - 30001ms ETIMEDOUT");
	format(buf, sizeof(buf), "GET", "/v1/users/me", 0, ECONNRESET, 3, 3);
	ck_assert_str_eq(buf, "api GET /v1/users/me - 3ms ECONNRESET retry 2");
	/* Cut, and terminated. */
	format(buf, 12, "GET", "/v1/users/me", 200, 0, 1, 1);
	ck_assert_str_eq(buf, "api GET /v1");
}
END_TEST

START_TEST(a_syslog_datagram_is_what_syslog_3_sends)
{
	char buf[256];
	size_t len;

	setenv("TZ", "UTC", 1);
	tzset();
	/* 2025-06-01 09:05:07 UTC; LOG_DAEMON (24) | level. */
	len = cgfs_log_format_syslog(buf, sizeof(buf), CGFS_LOG_WARNING, 1748768707, 4242,
				     "read /orgs/11/x 500 EIO boom");
	ck_assert_str_eq(buf, "<28>Jun  1 09:05:07 codegen-fs[4242]: read /orgs/11/x 500 EIO boom");
	ck_assert_uint_eq(len, strlen(buf));
	cgfs_log_format_syslog(buf, sizeof(buf), CGFS_LOG_DEBUG, 1748768707, 7, "api");
	ck_assert_str_eq(buf, "<31>Jun  1 09:05:07 codegen-fs[7]: api");
	cgfs_log_format_syslog(buf, sizeof(buf), CGFS_LOG_ERR, 1748768707, 7, "x");
	ck_assert_str_eq(buf, "<27>Jun  1 09:05:07 codegen-fs[7]: x");
	len = cgfs_log_format_syslog(buf, 10, CGFS_LOG_ERR, 1748768707, 7, "x");
	ck_assert_str_eq(buf, "<27>Jun  ");
	ck_assert_uint_eq(len, 9);
}
END_TEST

/* stderr into a pipe, for one test: returns the saved stderr. */
static int capture_stderr(int fds[2])
{
	int saved = dup(2);

	ck_assert_int_eq(pipe(fds), 0);
	dup2(fds[1], 2);
	return saved;
}

/* stderr back; what was written to it, NUL-terminated, into buf. */
static ssize_t captured(int fds[2], int saved, char *buf, size_t size)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, size - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* Until the daemon goes to the background: stderr, one line each. */
START_TEST(stderr_gets_one_line_per_message)
{
	int fds[2], saved = capture_stderr(fds);
	char buf[512];
	cgfs_log(CGFS_LOG_WARNING, "read %s 500 EIO %s", "/orgs/11/x", "two\nlines\tand\x1b[1m\n");
	cgfs_log(CGFS_LOG_DEBUG, "api GET /v1/users/me 200 %dms", 3);
	ck_assert_int_gt(captured(fds, saved, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "codegen-fs: read /orgs/11/x 500 EIO two lines and [1m\n"
			      "codegen-fs: api GET /v1/users/me 200 3ms\n");
}
END_TEST

/* A unit's -f daemon writes to the journal's stream: each line starts with
 * its level, which the journal takes as the priority. */
START_TEST(the_journal_stream_gets_levels)
{
	int fds[2], saved = capture_stderr(fds);
	char buf[512], stream[64];
	struct stat st;

	ck_assert_int_eq(fstat(fds[1], &st), 0);
	snprintf(stream, sizeof(stream), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	cgfs_log(CGFS_LOG_WARNING, "read /orgs/11/x 500 EIO boom");
	cgfs_log(CGFS_LOG_DEBUG, "api GET /v1/users/me 200 3ms");
	cgfs_log(CGFS_LOG_ERR, "cannot");
	ck_assert_int_gt(captured(fds, saved, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<4>read /orgs/11/x 500 EIO boom\n<7>api GET /v1/users/me 200 3ms\n"
			      "<3>cannot\n");
}
END_TEST

/* Another stream named: stderr is not the journal's. */
START_TEST(another_journal_stream_is_not_stderr)
{
	int fds[2], saved;
	char buf[512];

	setenv("JOURNAL_STREAM", "1:2", 1);
	saved = capture_stderr(fds);
	cgfs_log(CGFS_LOG_WARNING, "boom");
	ck_assert_int_gt(captured(fds, saved, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "codegen-fs: boom\n");
}
END_TEST

static int listen_at(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 5 };

	ck_assert_int_ge(fd, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void expect_datagram(int fd, const char *prefix, const char *text)
{
	char buf[CGFS_LOG_MAX + 128], want[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
	const char *after;

	ck_assert_msg(n > 0, "no datagram: %s", strerror(errno));
	buf[n] = '\0';
	/* <PRI>Mmm dd hh:mm:ss codegen-fs[pid]: text */
	ck_assert_msg(strncmp(buf, prefix, strlen(prefix)) == 0, "got \"%s\"", buf);
	after = strstr(buf, " codegen-fs[");
	ck_assert_ptr_nonnull(after);
	ck_assert_int_eq(after - buf, (long)strlen(prefix) + 15);
	snprintf(want, sizeof(want), " codegen-fs[%ld]: %s", (long)getpid(), text);
	ck_assert_str_eq(after, want);
}

/* In the background: one datagram per message to the log socket, again
 * after the socket was replaced (journald restarted), nothing to stderr. */
START_TEST(syslog_gets_one_datagram_per_message)
{
	char path[] = "/tmp/cgfs-test-log-XXXXXX", sock[64];
	int fd, fds[2], saved;
	char buf[64];

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/log", path);
	fd = listen_at(sock);
	setenv("CODEGEN_FS_SYSLOG_SOCKET", sock, 1);
	saved = capture_stderr(fds);
	cgfs_log_to_syslog();
	cgfs_log(CGFS_LOG_WARNING, "read /orgs/11/x 500 EIO boom\n");
	cgfs_log(CGFS_LOG_DEBUG, "api GET /v1/users/me 200 1ms");
	expect_datagram(fd, "<28>", "read /orgs/11/x 500 EIO boom");
	expect_datagram(fd, "<31>", "api GET /v1/users/me 200 1ms");
	close(fd);
	fd = listen_at(sock);
	cgfs_log(CGFS_LOG_ERR, "after a restart");
	expect_datagram(fd, "<27>", "after a restart");
	close(fd);
	unlink(sock);
	/* Nobody listens: dropped, and no trouble. */
	cgfs_log(CGFS_LOG_ERR, "lost");
	ck_assert_int_eq(captured(fds, saved, buf, sizeof(buf)), 0);
	rmdir(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, a_request_is_one_line);
	tcase_add_test(tc, a_syslog_datagram_is_what_syslog_3_sends);
	tcase_add_test(tc, stderr_gets_one_line_per_message);
	tcase_add_test(tc, syslog_gets_one_datagram_per_message);
	tcase_add_test(tc, the_journal_stream_gets_levels);
	tcase_add_test(tc, another_journal_stream_is_not_stderr);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
