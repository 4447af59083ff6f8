/* fake.h - run the fake Codegen API from a test and talk to its control
 * endpoints (docs/FAKE-API.md).
 *
 * The script's path comes from $CG_FAKE_API (set by meson), else
 * scripts/fake-codegen-api relative to the working directory.
 */
#ifndef TEST_FAKE_H
#define TEST_FAKE_H

#include <sys/types.h>

#include <cjson/cJSON.h>

#define FAKE_TOKEN "test-token-0123456789abcdef"

struct fake {
	pid_t pid;
	char url[128];   /* http://127.0.0.1:<port> */
};

/* Start the fake with --port 0 --token FAKE_TOKEN --quiet and the extra
 * arguments (NULL-terminated list, may be NULL).  Waits for its ready line
 * (up to 10 s).  Returns 0 or -1 (with a message on stderr). */
int fake_start(struct fake *f, const char *const *extra_args);

/* SIGTERM and reap; accepts a fake that failed to start. */
void fake_stop(struct fake *f);

/* One request to the fake: method, path (e.g. "/_control/reset"), optional
 * JSON body and optional bearer token.  Returns the HTTP status (or -1) and,
 * when body_out is not NULL, the body (malloc'd, caller frees). */
long fake_http(struct fake *f, const char *method, const char *path,
	       const char *body, const char *token, char **body_out);

/* POST/DELETE/GET a control endpoint; aborts the test process on failure
 * to reach it.  Returns the parsed JSON answer (caller deletes) or NULL. */
cJSON *fake_control(struct fake *f, const char *method, const char *path,
		    const char *body);

/* The request log since `since` (0 = all): the "requests" array detached
 * from the answer (caller deletes). */
cJSON *fake_requests(struct fake *f, long since);

/* Highest seq in the request log (0 when empty). */
long fake_last_seq(struct fake *f);

#endif
