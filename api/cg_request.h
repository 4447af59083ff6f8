/* cg_request.h - one operation's request, built from its arguments.
 *
 * The endpoint table (cg_endpoint.h) says what an operation sends; this
 * module turns the caller's arguments into it: the URL (path placeholders
 * filled by name, the query string built and escaped by libcurl's URL API)
 * and the JSON body text, after checking the arguments the API would
 * refuse or that must never be sent (a metadata that is not an object).
 */
#ifndef CG_REQUEST_H
#define CG_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "cg_client.h"

/* Every argument any operation takes; each endpoint reads the ones its
 * path, query and body name and ignores the rest. */
struct cg_op_args {
	/* {placeholders} of the path and ids in query strings and bodies */
	int64_t org_id, agent_run_id, user_id, repo_id, pr_id, sandbox_id;
	int64_t skip, limit;
	int reverse;                          /* CG_Q_REVERSE */
	const struct cg_run_filter *filter;   /* CG_Q_USER_ID, CG_Q_SOURCE_TYPE; may be NULL */
	const char *provider;                 /* CG_Q_PROVIDER */
	const struct cg_create_run_req *create;  /* CG_BODY_CREATE_RUN */
	const char *prompt;                   /* CG_BODY_RESUME_RUN, CG_BODY_SETUP (may be NULL) */
	const char *const *images;            /* CG_BODY_RESUME_RUN */
	size_t n_images;
	const char *settings_json;            /* CG_BODY_SETTINGS */
	const char *state;                    /* CG_BODY_PR_STATE */
	/* Not part of the request: when the caller stops waiting, in monotonic
	 * seconds (cg_monotonic); 0: the client's own deadline.  The earlier
	 * of the two bounds the call, its retries and rate-limit waits. */
	double deadline;
};

/* What to send: both owned, free with cg_request_free (accepts zeroed). */
struct cg_request {
	char *url;
	char *body;   /* JSON text, or NULL for no body */
};

/* Build the request of ep against base_url (no trailing slash).  0, or
 * -EINVAL for arguments the operation refuses (err says which; nothing is
 * to be sent), -ENOMEM.  *out is written only on success. */
int cg_request_build(const char *base_url, enum cg_endpoint ep, const struct cg_op_args *a,
		     struct cg_request *out, struct cg_error *err);
void cg_request_free(struct cg_request *r);

#endif
