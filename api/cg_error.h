/* cg_error.h - how every failure of the API client is described.
 *
 * One table maps HTTP statuses to errno and one maps libcurl's CURLcode to
 * errno (DESIGN.md §3); nothing else in the project invents an errno for a
 * network failure.  The server's own message (either error shape of the
 * API) is kept so that the user sees it, not just "Input/output error".
 */
#ifndef CG_ERROR_H
#define CG_ERROR_H

#include <stddef.h>

struct cg_error {
	long http_status;    /* 0 when no HTTP answer was received */
	int err;             /* positive errno */
	char message[512];   /* server's message, or what went wrong locally */
};

/* errno for an HTTP status: 0 for 1xx-3xx, positive errno otherwise.
 *   400, 422 EINVAL   401, 403, 407 EACCES   402 EDQUOT   404 ENOENT
 *   408 ETIMEDOUT     413 EFBIG         429 EAGAIN   5xx, other 4xx EIO */
int cg_errno_from_http(long status);

/* errno for a CURLcode (passed as int so this header needs no curl.h):
 * timeouts ETIMEDOUT; refused/unresolvable/unreachable EHOSTUNREACH;
 * connection lost mid-exchange ECONNRESET; truncated body EIO; size cap
 * EFBIG; TLS failures EPROTO; out of memory ENOMEM; callback abort EINTR;
 * bad URL EINVAL; anything else EIO. */
int cg_errno_from_curl(int curl_code);

/* The symbolic name of a positive errno ("ENOENT"; glibc's, so EWOULDBLOCK
 * is "EAGAIN", but ENOTSUP is "ENOTSUP", not "EOPNOTSUPP"), or "E?" for 0,
 * negative and unknown values. */
const char *cg_errno_name(int err);

/* Fill *e (if e is not NULL) with a status, errno and printf-style text. */
/* Out of memory: set e (when not NULL) and return -ENOMEM. */
int cg_error_nomem(struct cg_error *e);

void cg_error_set(struct cg_error *e, long http_status, int err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Does an error answer say that the route itself is missing, rather than
 * an object on it?  405 always (the path takes other methods only).  404
 * unless its body is the API's answer about an object: a JSON object with
 * a string `message` ({"message", "status_code"}), or a string `detail`
 * other than "Not Found" (the framework's text for an unknown route, as
 * Starlette answers it).  So {"detail": "Not Found"}, an empty body and a
 * non-JSON body (a proxy's page) are a missing route.  Other statuses: 0. */
int cg_error_route_missing(long status, const char *body, size_t len);

/* What a secret becomes in every message. */
#define CG_REDACTED "[redacted]"

/* Extract the server's message from an error body into buf:
 *   {"message": "..."}                       -> the message
 *   {"detail": "..."}                        -> the detail
 *   {"detail": [{"loc": [..], "msg": ".."}]} -> "body.prompt: Field required; ..."
 * Anything else (HTML, empty, broken JSON) -> a short printable excerpt of
 * the body (200 bytes), or "" when empty.  Control bytes become spaces.
 * Every occurrence of secret (NULL or "": none) in the whole text becomes
 * CG_REDACTED before the text is cut to size, so no part of the secret
 * survives a cut.  Never fails. */
void cg_error_message_from_body(const char *body, size_t len, const char *secret,
				char *buf, size_t size);

/* Replace every occurrence of `secret` in the NUL-terminated text by
 * CG_REDACTED in place (truncating if needed), so that a server echoing
 * the token cannot make it reach a log.  No-op when secret is NULL/"". */
void cg_redact(char *text, size_t size, const char *secret);

#endif
