/* cg_http.h - one HTTP exchange over libcurl, safe from many threads.
 *
 * A cg_http owns a pool of curl easy handles and one transfer thread over
 * a curl multi handle (cg_multi.h), so that connections (keep-alive;
 * HTTP/2 where the server offers it over TLS, parallel requests being
 * streams of one connection), DNS answers and TLS sessions are reused
 * across requests and threads.  Each
 * exchange has a connect timeout and a total timeout, and a cap on the
 * response body.  TLS verification is never turned off, redirects are not
 * followed (a redirect could carry the token elsewhere) and only http and
 * https are spoken.  Plain http never goes through a proxy (the token would
 * be in clear there); https honours the environment's HTTPS_PROXY,
 * ALL_PROXY and NO_PROXY, as libcurl reads them (a CONNECT tunnel).
 * TLS is 1.2 or later; the certificates trusted are the system's, or the
 * CA bundle (and directory) named in cg_http_trust.  A TLS failure gets a
 * message that says what was refused (cg_http_perform).
 */
#ifndef CG_HTTP_H
#define CG_HTTP_H

#include <stddef.h>

#include "cg_error.h"

struct cg_http;

struct cg_http_request {
	const char *method;       /* "GET", "POST", "PUT", "PATCH" */
	const char *url;
	const char *auth_header;  /* "Authorization: Bearer ..." (secret) */
	const char *body;         /* JSON text or NULL */
	size_t body_len;
	long connect_timeout_ms;
	long timeout_ms;          /* whole exchange */
	size_t max_body;          /* cap on the response body */
	int fresh_connection;     /* 1: never reuse a kept-alive connection */
};

struct cg_http_response {
	long status;              /* HTTP status; 0 when none arrived */
	char *body;               /* NUL-terminated; caller frees */
	size_t len;
	double retry_after;       /* seconds from Retry-After, -1 if absent */
};

/* Whom TLS trusts: NULL members are the system's defaults. */
struct cg_http_trust {
	const char *ca_file;      /* a PEM bundle (CURLOPT_CAINFO) */
	const char *ca_dir;       /* a hashed certificate directory (CURLOPT_CAPATH) */
};

/* NULL on allocation failure.  user_agent and trust's strings are copied;
 * trust may be NULL. */
struct cg_http *cg_http_new(const char *user_agent, const struct cg_http_trust *trust);
void cg_http_free(struct cg_http *h);

/* Before the process forks: the transfer thread ends (connections stay);
 * the next exchange starts it again. */
void cg_http_before_fork(struct cg_http *h);

/* Connections opened so far. */
long cg_http_connections(struct cg_http *h);

/* Perform one exchange.  Returns 0 when an HTTP answer arrived (whatever
 * its status) and fills *resp (free resp->body).  On transport failure
 * returns -errno (cg_errno_from_curl; -EFBIG past max_body), fills err with
 * a message that never contains the request headers, and leaves *resp
 * with body NULL. */
int cg_http_perform(struct cg_http *h, const struct cg_http_request *req,
		    struct cg_http_response *resp, struct cg_error *err);

#endif
