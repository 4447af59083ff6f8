/* notify.c - readiness for a service manager (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"

/* Read-only once made: sends from several threads share nothing else. */
struct cgfs_notify {
	struct sockaddr_un addr;
	socklen_t len;
};

struct cgfs_notify *cgfs_notify_from_env(void)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct cgfs_notify *n;
	size_t len;

	if (!name || !*name)
		return NULL;
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof(n->addr.sun_path)) {
		cgfs_log(CGFS_LOG_WARNING,
			 "NOTIFY_SOCKET is not a socket path or @name; not telling the service manager");
		unsetenv("NOTIFY_SOCKET");
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n) {
		n->addr.sun_family = AF_UNIX;
		memcpy(n->addr.sun_path, name, len);
		/* The abstract namespace: a leading NUL, and the length counts. */
		if (name[0] == '@')
			n->addr.sun_path[0] = '\0';
		n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				     (name[0] == '/'));
	}
	unsetenv("NOTIFY_SOCKET");
	return n;
}

void cgfs_notify_free(struct cgfs_notify *n)
{
	free(n);
}

int cgfs_notify_send(const struct cgfs_notify *n, const char *state)
{
	int fd, ret = 0;

	if (!n)
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			     (const struct sockaddr *)&n->addr, n->len) < 0) {
		ret = -errno;
		cgfs_log(CGFS_LOG_WARNING, "cannot tell the service manager %s: %s", state,
			 strerror(-ret));
	}
	if (fd >= 0)
		close(fd);
	return ret;
}
