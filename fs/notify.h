/* notify.h - readiness for a service manager: systemd's notify protocol.
 *
 * Under a unit of Type=notify, systemd names a socket in $NOTIFY_SOCKET
 * and waits for the service's "READY=1" before it counts it as started;
 * "STOPPING=1" says the service is on its way out.  codegen-fs sends READY=1
 * once the mount answers (the kernel's INIT is being answered) and
 * STOPPING=1 when the mount has ended, before it is torn down.
 *
 * The protocol is spoken directly (one datagram per state to the AF_UNIX
 * socket, a path or "@name" for the abstract namespace), not through
 * libsystemd's sd_notify(): the same datagram, and no new dependency.
 */
#ifndef CGFS_NOTIFY_H
#define CGFS_NOTIFY_H

struct cgfs_notify;

/* The socket of $NOTIFY_SOCKET, which is then taken out of the
 * environment (nothing this process starts is the service).  NULL when
 * it is unset, and when it is unusable (not absolute nor "@...", too long;
 * a warning to the log).  Call before any thread starts (setenv).  Free
 * with cgfs_notify_free (accepts NULL). */
struct cgfs_notify *cgfs_notify_from_env(void);
void cgfs_notify_free(struct cgfs_notify *n);

/* Send one state ("READY=1", "STOPPING=1"): 0 (also for n NULL: nothing
 * to tell), or -errno with a warning to the log.  Safe from any thread. */
int cgfs_notify_send(const struct cgfs_notify *n, const char *state);

#endif
