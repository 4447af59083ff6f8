/* cg_multi.h - one thread that drives every transfer over one curl multi handle.
 *
 * libcurl multiplexes HTTP/2 streams over one connection only between the
 * transfers of one multi handle (the share interface hands a connection to
 * another thread only while it is idle).  So every exchange of a cg_http
 * is run here: the calling thread hands its easy handle over and sleeps
 * until the transfer thread reports it done.  Over HTTP/2, parallel
 * requests share one connection (an https transfer waits for the first
 * connection to say whether it multiplexes: CURLOPT_PIPEWAIT); over
 * HTTP/1.1 each request in flight has a connection of its own, as before.
 *
 * The thread starts with the first transfer.  A process that forks (the
 * daemon going to the background) calls cg_multi_before_fork first: the
 * thread ends, the connections stay, and the child's first transfer
 * starts a thread of its own.
 */
#ifndef CG_MULTI_H
#define CG_MULTI_H

#include <curl/curl.h>

struct cg_multi;

/* NULL when out of memory. */
struct cg_multi *cg_multi_new(void);

/* No transfer may be in flight. */
void cg_multi_free(struct cg_multi *m);

/* Run easy (fully set up, not in any multi) to its end, blocking the
 * caller: the transfer's result (CURLE_OUT_OF_MEMORY when the thread
 * cannot start or the handle cannot be added).  Callbacks of easy run on
 * the transfer thread while the caller waits.  Thread-safe. */
CURLcode cg_multi_perform(struct cg_multi *m, CURL *easy);

/* End the transfer thread (waiting for transfers in flight); the next
 * cg_multi_perform starts it again. */
void cg_multi_before_fork(struct cg_multi *m);

/* Connections opened so far (each transfer's CURLINFO_NUM_CONNECTS). */
long cg_multi_connections(struct cg_multi *m);

#endif
