/* cg_client.h - the Codegen API client: one function per operation.
 *
 * A cg_client is shared by every thread of the filesystem.  Each call is
 * one logical request: it waits for a rate-limit token of its class
 * (cg_ratelimit.h), sends, and - for GETs only - retries 5xx, 429,
 * malformed bodies and transport errors with jittered exponential backoff
 * honouring Retry-After, all within one deadline (default 30 s, or the
 * caller's when earlier: cg_op_args.deadline).  A server that cannot be
 * reached at all gets one quick retry; a proxy's 407 none.  Creating
 * a run or any other POST/PUT/PATCH is sent at most once.
 *
 * Every operation returns 0 and fills *out, or returns -errno and fills
 * *err (when not NULL) with the HTTP status and the server's message
 * (cg_error.h).  Out structs are freed with their cg_*_free (cg_models.h).
 * The token never appears in err, in stats or in anything logged.
 */
#ifndef CG_CLIENT_H
#define CG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "cg_endpoint.h"
#include "cg_error.h"
#include "cg_http.h"
#include "cg_models.h"

struct cg_client;
struct cg_op_args;          /* cg_request.h */

/* One HTTP exchange, as cg_http_perform() does it (cg_http.h): the seam
 * where tests put a scripted server in place of the network.  The request's
 * auth_header is the secret; a test double must not keep or print it. */
typedef int (*cg_transport_fn)(void *arg, const struct cg_http_request *req,
			       struct cg_http_response *resp, struct cg_error *err);

/* One HTTP exchange as the client saw it, for a request log: what was
 * asked and how it ended.  It holds no header, no body and no token. */
struct cg_request_record {
	enum cg_endpoint ep;
	const char *method;         /* "GET", "POST", ... */
	const char *target;         /* the URL's path and query: "/v1/users/me" */
	long status;                /* the HTTP status; 0 when no answer came */
	int err;                    /* 0, or the errno of a transport failure (status 0) */
	long ms;                    /* the exchange alone: no rate-limit wait, no backoff */
	int attempt;                /* 1, then 2, 3... for retries of the same call */
};

/* Called after every exchange (each attempt of a call), from the thread
 * that made it: several at once when the client is shared. */
typedef void (*cg_request_log_fn)(void *arg, const struct cg_request_record *rec);

struct cg_client_config {
	const char *base_url;       /* NULL: $CODEGEN_API_BASE_URL, else https://api.codegen.com */
	const char *token;          /* required; copied (and wiped on free) */
	long connect_timeout_ms;    /* 0: 10000 */
	long deadline_ms;           /* 0: 30000; per call, retries and waits included */
	size_t max_response_bytes;  /* 0: 32 MiB */
	int no_rate_limit;          /* 1: do not wait for rate-limit tokens */
	double rate_time_scale;     /* 0: 1.0; multiplies every rate-limit window */
	double backoff_base_s;      /* 0: 0.25 */
	double backoff_cap_s;       /* 0: 8 */
	int max_retries;            /* 0: 10 (a bound besides the deadline) */
	const char *user_agent;     /* NULL: "codegen-fs/<version>" */
	const char *ca_file;        /* NULL: cg_client_trust's order */
	cg_transport_fn transport;  /* NULL: libcurl (cg_http_perform) */
	void *transport_arg;
	cg_request_log_fn log;      /* NULL: no request log */
	void *log_arg;
};

/* Create a client.  Refuses (-EINVAL, reason in err) a bad token or a base
 * URL outside the policy of cg_base_url_check.  Free with cg_client_free. */
int cg_client_new(const struct cg_client_config *cfg, struct cg_client **out,
		  struct cg_error *err);
void cg_client_free(struct cg_client *c);

/* Whom TLS trusts, as the curl tool decides it: ca_file when given, else
 * $CURL_CA_BUNDLE, else $SSL_CERT_FILE (and $SSL_CERT_DIR as the directory
 * when no file was named by the first two), else the system's store.
 * Fills *trust with pointers to ca_file or the environment and *from with
 * where the file came from ("--ca-file", "CURL_CA_BUNDLE", ...; NULL: the
 * system's).  A named file that cannot be read: -errno and why. */
int cg_client_trust(const char *ca_file, struct cg_http_trust *trust, const char **from,
		    char *why, size_t whylen);

/* Before the process forks (fuse_daemonize): the HTTP transfer thread
 * ends, the connections stay open; the next request starts it again. */
void cg_client_before_fork(struct cg_client *c);

/* The base URL in use (no trailing slash). */
const char *cg_client_base_url(const struct cg_client *c);

/* ---- counters ------------------------------------------------------------- */

struct cg_endpoint_stats {
	uint64_t requests;     /* attempts sent (retries included) */
	uint64_t retries;      /* attempts that repeated an earlier one */
	uint64_t http_429;     /* answers with status 429 */
	uint64_t rate_waits;   /* calls that waited for a rate-limit token */
	uint64_t errors;       /* calls that ended in an error */
	uint64_t bytes_in;     /* response body bytes */
	uint64_t bytes_out;    /* request body bytes */
};

/* Connections to the API opened so far (every endpoint). */
long cg_client_connections(struct cg_client *c);

/* Copy a consistent snapshot of the counters, one row per endpoint. */
void cg_client_stats(struct cg_client *c, struct cg_endpoint_stats out[CG_EP_COUNT]);

/* ---- requests ------------------------------------------------------------- */

struct cg_create_run_req {
	const char *prompt;             /* required */
	const char *const *images;      /* data URIs ("data:image/png;base64,...") */
	size_t n_images;
	const char *metadata_json;      /* a JSON object as text, or NULL */
	int64_t repo_id;                /* CG_NONE: not sent */
	const char *model;              /* NULL: not sent (org default) */
	const char *agent_type;         /* NULL: not sent ("codegen", "claude_code") */
};

struct cg_run_filter {
	int64_t user_id;                /* CG_NONE: no filter */
	const char *source_type;        /* NULL: no filter */
};

/* ---- the generic call ------------------------------------------------------ */

/* Any operation by its row of the endpoint table (cg_endpoint.h): the
 * request made from a (only the ids and fields the row uses are read), the
 * answer parsed by the row's model into out, an object of that model
 * (cg_answer_size bytes, zeroed; free with cg_answer_free).  0 or -errno
 * as every operation below, which are this call with typed arguments. */
int cg_call(struct cg_client *c, enum cg_endpoint ep, const struct cg_op_args *a, void *out,
	    struct cg_error *err);
size_t cg_answer_size(enum cg_endpoint ep);
/* Free what cg_call parsed into out (not out itself); accepts a zeroed out. */
void cg_answer_free(enum cg_endpoint ep, void *out);

/* ---- operations (openapi3.json, in its order) ------------------------------ */

int cg_list_users(struct cg_client *c, int64_t org, int64_t skip, int64_t limit,
		  struct cg_user_page *out, struct cg_error *err);
int cg_get_user(struct cg_client *c, int64_t org, int64_t user,
		struct cg_user *out, struct cg_error *err);
int cg_get_me(struct cg_client *c, struct cg_user *out, struct cg_error *err);

/* Never retried.  metadata_json that is not a JSON object gives -EINVAL
 * without sending anything. */
int cg_create_run(struct cg_client *c, int64_t org, const struct cg_create_run_req *req,
		  struct cg_run *out, struct cg_error *err);
int cg_get_run(struct cg_client *c, int64_t org, int64_t run,
	       struct cg_run *out, struct cg_error *err);
/* filter may be NULL.  Newest first. */
int cg_list_runs(struct cg_client *c, int64_t org, const struct cg_run_filter *filter,
		 int64_t skip, int64_t limit, struct cg_run_page *out, struct cg_error *err);
int cg_resume_run(struct cg_client *c, int64_t org, int64_t run, const char *prompt,
		  const char *const *images, size_t n_images,
		  struct cg_run *out, struct cg_error *err);
int cg_ban_run(struct cg_client *c, int64_t org, int64_t run,
	       struct cg_message *out, struct cg_error *err);
int cg_unban_run(struct cg_client *c, int64_t org, int64_t run,
		 struct cg_message *out, struct cg_error *err);
int cg_remove_from_pr(struct cg_client *c, int64_t org, int64_t run,
		      struct cg_message *out, struct cg_error *err);

/* Stop a run (POST /v1/beta/.../agent/run/stop; not in the spec's paths).
 * A server without that route (404 for the route, 405) gives -ENOTSUP. */
int cg_stop_run(struct cg_client *c, int64_t org, int64_t run,
		struct cg_message *out, struct cg_error *err);

int cg_list_repos(struct cg_client *c, int64_t org, int64_t skip, int64_t limit,
		  struct cg_repo_page *out, struct cg_error *err);
int cg_get_check_suite(struct cg_client *c, int64_t org, int64_t repo,
		       struct cg_check_suite *out, struct cg_error *err);
/* settings_json must be a JSON object (else -EINVAL, nothing sent); the
 * answer is returned as a message (its raw JSON in out->raw). */
int cg_put_check_suite(struct cg_client *c, int64_t org, int64_t repo,
		       const char *settings_json, struct cg_message *out,
		       struct cg_error *err);
/* state: open, closed, draft or ready_for_review (else -EINVAL, nothing
 * sent).  repo CG_NONE uses the simple endpoint /prs/{pr_id}. */
int cg_edit_pr(struct cg_client *c, int64_t org, int64_t repo, int64_t pr,
	       const char *state, struct cg_pr_edit *out, struct cg_error *err);
int cg_get_integrations(struct cg_client *c, int64_t org,
			struct cg_integrations *out, struct cg_error *err);
/* prompt may be NULL. */
int cg_generate_setup_commands(struct cg_client *c, int64_t org, int64_t repo,
			       const char *prompt, struct cg_started_run *out,
			       struct cg_error *err);
int cg_list_orgs(struct cg_client *c, int64_t skip, int64_t limit,
		 struct cg_org_page *out, struct cg_error *err);
int cg_get_mcp_providers(struct cg_client *c, struct cg_oauth_provider_list *out,
			 struct cg_error *err);
int cg_get_oauth_status(struct cg_client *c, int64_t org, struct cg_string_list *out,
			struct cg_error *err);
int cg_revoke_oauth(struct cg_client *c, int64_t org, const char *provider,
		    struct cg_message *out, struct cg_error *err);
int cg_analyze_sandbox_logs(struct cg_client *c, int64_t org, int64_t sandbox,
			    struct cg_started_run *out, struct cg_error *err);
int cg_get_cli_rules(struct cg_client *c, int64_t org, struct cg_cli_rules *out,
		     struct cg_error *err);
int cg_slack_connect_token(struct cg_client *c, int64_t org, struct cg_slack_token *out,
			   struct cg_error *err);
/* Chronological entries from `skip`; reverse=1 asks for newest first. */
int cg_get_run_logs(struct cg_client *c, int64_t org, int64_t run, int64_t skip,
		    int64_t limit, int reverse, struct cg_run_logs *out,
		    struct cg_error *err);

#endif
