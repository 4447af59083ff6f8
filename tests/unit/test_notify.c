/* test_notify.c - readiness (fs/notify.c): the datagrams a service
 * manager gets at the socket of $NOTIFY_SOCKET, a path or an abstract
 * name, and the values that are refused. */
#include "notify.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

/* Bind a datagram socket at name ("@x": abstract); its fd. */
static int listen_at(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(addr.sun_path, name, strlen(name));
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	else
		len++;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, len), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void expect(int fd, const char *want)
{
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	ck_assert_msg(n > 0, "no datagram: %s", strerror(errno));
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

static void ready_and_stopping_at(const char *name)
{
	int fd = listen_at(name);
	struct cgfs_notify *n;

	setenv("NOTIFY_SOCKET", name, 1);
	n = cgfs_notify_from_env();
	ck_assert_ptr_nonnull(n);
	/* Nothing this process starts is the service. */
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	ck_assert_int_eq(cgfs_notify_send(n, "READY=1"), 0);
	ck_assert_int_eq(cgfs_notify_send(n, "STOPPING=1"), 0);
	expect(fd, "READY=1");
	expect(fd, "STOPPING=1");
	cgfs_notify_free(n);
	close(fd);
}

START_TEST(a_socket_path)
{
	char dir[] = "/tmp/cgfs-test-notify-XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	ready_and_stopping_at(path);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(an_abstract_name)
{
	char name[64];

	snprintf(name, sizeof(name), "@cgfs-test-notify-%ld", (long)getpid());
	ready_and_stopping_at(name);
}
END_TEST

START_TEST(unset_or_unusable_is_nothing_to_tell)
{
	char long_path[200];

	unsetenv("NOTIFY_SOCKET");
	ck_assert_ptr_null(cgfs_notify_from_env());
	ck_assert_int_eq(cgfs_notify_send(NULL, "READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	ck_assert_ptr_null(cgfs_notify_from_env());
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	setenv("NOTIFY_SOCKET", long_path, 1);
	ck_assert_ptr_null(cgfs_notify_from_env());
}
END_TEST

/* Nobody listens any more: the send says so, and nothing breaks. */
START_TEST(a_gone_manager_is_an_error)
{
	char dir[] = "/tmp/cgfs-test-notify-XXXXXX", path[64];
	struct cgfs_notify *n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	setenv("NOTIFY_SOCKET", path, 1);
	n = cgfs_notify_from_env();
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(cgfs_notify_send(n, "READY=1"), -ENOENT);
	cgfs_notify_free(n);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, a_socket_path);
	tcase_add_test(tc, an_abstract_name);
	tcase_add_test(tc, unset_or_unusable_is_nothing_to_tell);
	tcase_add_test(tc, a_gone_manager_is_an_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
