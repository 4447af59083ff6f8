/* cg_client.c - the client: attempts, retries and the 26 operations.
 *
 * Every operation is one op() call: the request is built from the
 * endpoint table's row (cg_request.h), sent by call() (rate limit,
 * transport, status to errno, retry policy) and parsed with the row's
 * model.  The operation functions only name their arguments.
 */
#include "cg_client.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cg_auth.h"
#include "cg_http.h"
#include "cg_json.h"
#include "cg_request.h"
#include "cg_retry.h"

/* The least time a retry must have before the deadline (seconds). */
#define RETRY_MIN_SLICE 0.25
/* Retries of a request whose server cannot be reached at all (connection
 * refused, no such host): one quick retry, then the error, rather than
 * the whole deadline spent knocking on a closed door. */
#define DOWN_RETRIES 1
#define DOWN_DELAY_CAP 0.5

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_DEADLINE_MS 30000L
#define DEFAULT_MAX_RESPONSE (32u << 20)

/* stats_lock guards stats[]; everything else is read-only after creation. */
struct cg_client {
	char *base_url;
	char *token;
	char *auth_header;
	struct cg_http *http;
	cg_transport_fn transport;  /* NULL: http */
	void *transport_arg;
	cg_request_log_fn log;      /* NULL: no request log */
	void *log_arg;
	struct cg_ratelimit *rl;    /* NULL when rate limiting is off */
	long connect_timeout_ms;
	long deadline_ms;
	size_t max_response;
	double backoff_base, backoff_cap;
	int max_retries;
	pthread_mutex_t stats_lock;
	struct cg_endpoint_stats stats[CG_EP_COUNT];
};

enum stat_field { ST_REQUESTS, ST_RETRIES, ST_429, ST_RATE_WAITS, ST_ERRORS, ST_BYTES_IN, ST_BYTES_OUT };

static void count(struct cg_client *c, enum cg_endpoint ep, enum stat_field f, uint64_t n)
{
	struct cg_endpoint_stats *s = &c->stats[ep];

	pthread_mutex_lock(&c->stats_lock);
	switch (f) {
	case ST_REQUESTS:   s->requests += n; break;
	case ST_RETRIES:    s->retries += n; break;
	case ST_429:        s->http_429 += n; break;
	case ST_RATE_WAITS: s->rate_waits += n; break;
	case ST_ERRORS:     s->errors += n; break;
	case ST_BYTES_IN:   s->bytes_in += n; break;
	case ST_BYTES_OUT:  s->bytes_out += n; break;
	}
	pthread_mutex_unlock(&c->stats_lock);
}

void cg_client_stats(struct cg_client *c, struct cg_endpoint_stats out[CG_EP_COUNT])
{
	pthread_mutex_lock(&c->stats_lock);
	memcpy(out, c->stats, sizeof(c->stats));
	pthread_mutex_unlock(&c->stats_lock);
}

const char *cg_client_base_url(const struct cg_client *c)
{
	return c->base_url;
}

int cg_client_trust(const char *ca_file, struct cg_http_trust *trust, const char **from,
		    char *why, size_t whylen)
{
	static const char *const vars[] = { "CURL_CA_BUNDLE", "SSL_CERT_FILE" };
	const char *dir = getenv("SSL_CERT_DIR");

	*trust = (struct cg_http_trust){ 0 };
	*from = NULL;
	if (ca_file && *ca_file) {
		trust->ca_file = ca_file;
		*from = "--ca-file";
	}
	for (size_t i = 0; !trust->ca_file && i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v) {
			trust->ca_file = v;
			*from = vars[i];
		}
	}
	if (trust->ca_file && access(trust->ca_file, R_OK)) {
		int e = errno;

		snprintf(why, whylen, "cannot read the CA bundle %s (from %s): %s", trust->ca_file,
			 *from, strerror(e));
		return -e;
	}
	if (dir && *dir && (!*from || !strcmp(*from, "SSL_CERT_FILE"))) {
		trust->ca_dir = dir;
		if (!*from)
			*from = "SSL_CERT_DIR";
	}
	return 0;
}

int cg_client_new(const struct cg_client_config *cfg, struct cg_client **out,
		  struct cg_error *err)
{
	struct cg_http_trust trust;
	const char *trust_from;
	struct cg_client *c;
	const char *base = cfg->base_url;
	char why[256], ua[64];
	size_t len;
	int ret;

	if (!base || !*base)
		base = getenv("CODEGEN_API_BASE_URL");
	if (!base || !*base)
		base = CG_DEFAULT_BASE_URL;
	ret = cg_token_check(cfg->token, why, sizeof(why));
	if (ret) {
		cg_error_set(err, 0, -ret, "%s", why);
		return ret;
	}
	ret = cg_client_trust(cfg->ca_file, &trust, &trust_from, why, sizeof(why));
	if (ret) {
		cg_error_set(err, 0, -ret, "%s", why);
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out_nomem;
	ret = cg_base_url_check(base, &c->base_url, why, sizeof(why));
	if (ret) {
		cg_error_set(err, 0, -ret, "%s", why);
		free(c);
		return ret;
	}
	c->token = strdup(cfg->token);
	len = strlen(cfg->token) + sizeof("Authorization: Bearer ");
	c->auth_header = malloc(len);
	snprintf(ua, sizeof(ua), "codegen-fs/%s", CGFS_VERSION);
	c->http = cg_http_new(cfg->user_agent ? cfg->user_agent : ua, &trust);
	if (!c->token || !c->auth_header || !c->http)
		goto out_free_client;
	snprintf(c->auth_header, len, "Authorization: Bearer %s", cfg->token);
	c->transport = cfg->transport;
	c->transport_arg = cfg->transport_arg;
	c->log = cfg->log;
	c->log_arg = cfg->log_arg;
	if (!cfg->no_rate_limit) {
		c->rl = cg_ratelimit_new(cfg->rate_time_scale > 0 ? cfg->rate_time_scale : 1.0);
		if (!c->rl)
			goto out_free_client;
	}
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
							    : DEFAULT_CONNECT_MS;
	c->deadline_ms = cfg->deadline_ms > 0 ? cfg->deadline_ms : DEFAULT_DEADLINE_MS;
	c->max_response = cfg->max_response_bytes ? cfg->max_response_bytes
						  : DEFAULT_MAX_RESPONSE;
	c->backoff_base = cfg->backoff_base_s > 0 ? cfg->backoff_base_s : 0.25;
	c->backoff_cap = cfg->backoff_cap_s > 0 ? cfg->backoff_cap_s : 8.0;
	c->max_retries = cfg->max_retries > 0 ? cfg->max_retries : 10;
	pthread_mutex_init(&c->stats_lock, NULL);
	*out = c;
	return 0;
out_free_client:
	cg_token_free(c->token);
	cg_token_free(c->auth_header);
	cg_http_free(c->http);
	free(c->base_url);
	free(c);
out_nomem:
	cg_error_set(err, 0, ENOMEM, "out of memory");
	return -ENOMEM;
}

void cg_client_before_fork(struct cg_client *c)
{
	if (c && c->http)
		cg_http_before_fork(c->http);
}

long cg_client_connections(struct cg_client *c)
{
	return c && c->http ? cg_http_connections(c->http) : 0;
}

void cg_client_free(struct cg_client *c)
{
	if (!c)
		return;
	cg_http_free(c->http);
	cg_ratelimit_free(c->rl);
	cg_token_free(c->token);
	cg_token_free(c->auth_header);
	free(c->base_url);
	pthread_mutex_destroy(&c->stats_lock);
	free(c);
}

/* ---- the request core ------------------------------------------------------ */

static void sleep_seconds(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* May the same request be sent again after this outcome? */
static int worth_retrying(int ret, long http_status)
{
	switch (-ret) {
	case EFBIG: case ENOMEM: case EINVAL: case EPROTO: case EINTR:
		return 0;
	}
	/* 407: the proxy wants credentials we do not have; asking again will
	 * not change that. */
	if (http_status == 407)
		return 0;
	if (http_status == 0 || http_status == 429 || http_status >= 500)
		return 1;
	/* A 2xx whose body was not JSON. */
	return http_status >= 200 && http_status < 300;
}

/* The path and query of a URL made by cg_request_build (scheme://host[:port]/...). */
static const char *url_target(const char *url)
{
	const char *p = strstr(url, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;

	return slash ? slash : "/";
}

/* Tell the request log how one exchange ended (ret: the transport's). */
static void log_exchange(struct cg_client *c, enum cg_endpoint ep, const char *method,
			 const char *url, int n, double started, int ret,
			 const struct cg_http_response *resp)
{
	struct cg_request_record rec = {
		.ep = ep,
		.method = method,
		.target = url_target(url),
		.status = ret ? 0 : resp->status,
		.err = ret < 0 ? -ret : 0,
		.ms = lround((cg_monotonic() - started) * 1000),
		.attempt = n,
	};

	c->log(c->log_arg, &rec);
}

/* One attempt (the n-th of its call): a rate-limit token, the exchange,
 * the status.  On a 2xx with a JSON body returns 0 and *out. */
static int attempt(struct cg_client *c, enum cg_endpoint ep, const char *url,
		   const char *body, double deadline, int n, cJSON **out,
		   double *retry_after, struct cg_error *err)
{
	const struct cg_endpoint_info *info = cg_endpoint_info(ep);
	struct cg_http_request req = {
		.method = info->method,
		.url = url,
		.auth_header = c->auth_header,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.connect_timeout_ms = c->connect_timeout_ms,
		.max_body = c->max_response,
		.fresh_connection = !info->retry,
	};
	struct cg_http_response resp;
	int slot = -1, waited = 0, ret;
	double left, started;

	*retry_after = -1;
	if (c->rl) {
		slot = cg_ratelimit_acquire(c->rl, info->rl_class, deadline, &waited);
		if (waited)
			count(c, ep, ST_RATE_WAITS, 1);
		if (slot < 0) {
			cg_error_set(err, 0, EAGAIN,
				     "rate limit (%s: %d requests per %.0f s) leaves no slot before the deadline",
				     cg_rl_spec_of(info->rl_class)->name,
				     cg_rl_spec_of(info->rl_class)->limit,
				     cg_rl_spec_of(info->rl_class)->window_s);
			return -EAGAIN;
		}
	}
	left = deadline - cg_monotonic();
	if (left <= 0.001) {
		if (c->rl)
			cg_ratelimit_release(c->rl, info->rl_class, slot);
		cg_error_set(err, 0, ETIMEDOUT, "deadline reached before %s was sent", info->name);
		return -ETIMEDOUT;
	}
	req.timeout_ms = (long)ceil(left * 1000);
	count(c, ep, ST_REQUESTS, 1);
	count(c, ep, ST_BYTES_OUT, req.body_len);
	memset(&resp, 0, sizeof(resp));
	resp.retry_after = -1;
	started = cg_monotonic();
	ret = c->transport ? c->transport(c->transport_arg, &req, &resp, err)
			   : cg_http_perform(c->http, &req, &resp, err);
	if (c->log)
		log_exchange(c, ep, req.method, url, n, started, ret, &resp);
	if (c->rl)
		cg_ratelimit_release(c->rl, info->rl_class, slot);
	if (ret)
		return ret;
	count(c, ep, ST_BYTES_IN, resp.len);
	*retry_after = resp.retry_after;
	if (resp.status >= 200 && resp.status < 300) {
		/* An empty 2xx body (possible for the schema-less answers) is null. */
		*out = resp.len ? cJSON_ParseWithLength(resp.body, resp.len) : cJSON_CreateNull();
		if (!*out) {
			cg_error_set(err, resp.status, EIO, "malformed JSON in the answer to %s",
				     info->name);
			ret = -EIO;
		}
	} else {
		char msg[sizeof(err->message)];

		if (resp.status == 429)
			count(c, ep, ST_429, 1);
		ret = -cg_errno_from_http(resp.status);
		if (!ret)  /* 1xx/3xx: we neither expect nor follow them */
			ret = -EIO;
		cg_error_message_from_body(resp.body, resp.len, c->token, msg, sizeof(msg));
		if (info->unlisted && cg_error_route_missing(resp.status, resp.body, resp.len)) {
			ret = -ENOTSUP;
			cg_error_set(err, resp.status, ENOTSUP,
				     "the API does not offer %s: %s %s answered %ld (%s)", info->name,
				     info->method, info->path, resp.status,
				     msg[0] ? msg : "no message");
		} else if (resp.status == 401)
			cg_error_set(err, resp.status, -ret, "the API token was rejected: %s", msg);
		else if (resp.status == 407)
			cg_error_set(err, resp.status, -ret,
				     "the proxy asks for authentication (407): %s",
				     msg[0] ? msg : "(no message)");
		else
			cg_error_set(err, resp.status, -ret, "%s", msg[0] ? msg : "(no message)");
	}
	free(resp.body);
	return ret;
}

/* Did this outcome say that the server cannot be reached at all? */
static int server_down(int ret, long http_status)
{
	return ret == -EHOSTUNREACH && http_status == 0;
}

/* Send the request (url, JSON body text or NULL) of endpoint ep and return
 * its JSON answer in *out (caller frees with cJSON_Delete), retrying as
 * the row allows within the client's deadline or the caller's, whichever
 * comes first (caller_deadline 0: the client's alone). */
static int call(struct cg_client *c, enum cg_endpoint ep, const char *url,
		const char *body_text, double caller_deadline, cJSON **out,
		struct cg_error *err)
{
	const struct cg_endpoint_info *info = cg_endpoint_info(ep);
	double deadline = cg_monotonic() + (double)c->deadline_ms / 1000.0;
	struct cg_error last = { 0 };
	double retry_after, delay;
	int ret, down = 0;

	if (caller_deadline > 0 && caller_deadline < deadline)
		deadline = caller_deadline;
	for (int n = 1;; n++) {
		ret = attempt(c, ep, url, body_text, deadline, n, out, &retry_after, &last);
		if (!ret || !info->retry || !worth_retrying(ret, last.http_status) ||
		    n > c->max_retries)
			break;
		if (server_down(ret, last.http_status) && ++down > DOWN_RETRIES)
			break;
		if (last.http_status == 429 && retry_after >= 0)
			delay = retry_after;
		else
			delay = cg_backoff_delay(n, c->backoff_base, c->backoff_cap,
						 (double)arc4random() / 4294967296.0);
		if (down && delay > DOWN_DELAY_CAP)
			delay = DOWN_DELAY_CAP;
		/* Give up now rather than sleep past the deadline, or start an
		 * attempt too late to be answered: that would turn the server's
		 * answer (a 5xx, with its message) into a bare timeout. */
		if (cg_monotonic() + delay + RETRY_MIN_SLICE >= deadline)
			break;
		sleep_seconds(delay);
		count(c, ep, ST_RETRIES, 1);
	}
	if (ret) {
		count(c, ep, ST_ERRORS, 1);
		cg_redact(last.message, sizeof(last.message), c->token);
		if (err)
			*err = last;
	}
	return ret;
}

/* The one body of every operation: build the request from the arguments
 * (refusals are not counted as calls), send it, parse the answer with the
 * endpoint's model into out. */
int cg_call(struct cg_client *c, enum cg_endpoint ep, const struct cg_op_args *a, void *out,
	    struct cg_error *err)
{
	const struct cg_endpoint_info *info = cg_endpoint_info(ep);
	struct cg_request req;
	cJSON *json = NULL;
	int ret;

	ret = cg_request_build(c->base_url, ep, a, &req, err);
	if (ret)
		return ret;
	ret = call(c, ep, req.url, req.body, a->deadline, &json, err);
	cg_request_free(&req);
	if (ret)
		return ret;
	ret = cg_json_parse(info->answer, json, out);
	cJSON_Delete(json);
	if (ret) {
		cg_error_set(err, 200, EIO, "unexpected answer shape from %s", info->name);
		return -EIO;
	}
	return 0;
}

size_t cg_answer_size(enum cg_endpoint ep)
{
	return cg_endpoint_info(ep)->answer->size;
}

void cg_answer_free(enum cg_endpoint ep, void *out)
{
	cg_json_free(cg_endpoint_info(ep)->answer, out);
}

#define ARGS(...) (&(const struct cg_op_args){ __VA_ARGS__ })

/* ---- operations ------------------------------------------------------------ */

int cg_list_users(struct cg_client *c, int64_t org, int64_t skip, int64_t limit,
		  struct cg_user_page *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_LIST_USERS, ARGS(.org_id = org, .skip = skip, .limit = limit), out, err);
}

int cg_get_user(struct cg_client *c, int64_t org, int64_t user,
		struct cg_user *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_GET_USER, ARGS(.org_id = org, .user_id = user), out, err);
}

int cg_get_me(struct cg_client *c, struct cg_user *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_GET_ME, ARGS(0), out, err);
}

int cg_create_run(struct cg_client *c, int64_t org, const struct cg_create_run_req *req,
		  struct cg_run *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_CREATE_RUN, ARGS(.org_id = org, .create = req), out, err);
}

int cg_get_run(struct cg_client *c, int64_t org, int64_t run,
	       struct cg_run *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_GET_RUN, ARGS(.org_id = org, .agent_run_id = run), out, err);
}

int cg_list_runs(struct cg_client *c, int64_t org, const struct cg_run_filter *filter,
		 int64_t skip, int64_t limit, struct cg_run_page *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_LIST_RUNS, ARGS(.org_id = org, .filter = filter, .skip = skip,
					   .limit = limit), out, err);
}

int cg_resume_run(struct cg_client *c, int64_t org, int64_t run, const char *prompt,
		  const char *const *images, size_t n_images,
		  struct cg_run *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_RESUME_RUN, ARGS(.org_id = org, .agent_run_id = run, .prompt = prompt,
					    .images = images, .n_images = n_images), out, err);
}

int cg_ban_run(struct cg_client *c, int64_t org, int64_t run,
	       struct cg_message *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_BAN_RUN, ARGS(.org_id = org, .agent_run_id = run), out, err);
}

int cg_unban_run(struct cg_client *c, int64_t org, int64_t run,
		 struct cg_message *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_UNBAN_RUN, ARGS(.org_id = org, .agent_run_id = run), out, err);
}

int cg_remove_from_pr(struct cg_client *c, int64_t org, int64_t run,
		      struct cg_message *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_REMOVE_FROM_PR, ARGS(.org_id = org, .agent_run_id = run), out, err);
}

int cg_stop_run(struct cg_client *c, int64_t org, int64_t run,
		struct cg_message *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_STOP_RUN, ARGS(.org_id = org, .agent_run_id = run), out, err);
}

int cg_list_repos(struct cg_client *c, int64_t org, int64_t skip, int64_t limit,
		  struct cg_repo_page *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_LIST_REPOS, ARGS(.org_id = org, .skip = skip, .limit = limit), out, err);
}

int cg_get_check_suite(struct cg_client *c, int64_t org, int64_t repo,
		       struct cg_check_suite *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_GET_CHECK_SUITE, ARGS(.org_id = org, .repo_id = repo), out, err);
}

int cg_put_check_suite(struct cg_client *c, int64_t org, int64_t repo,
		       const char *settings_json, struct cg_message *out,
		       struct cg_error *err)
{
	return cg_call(c, CG_EP_PUT_CHECK_SUITE, ARGS(.org_id = org, .repo_id = repo,
						 .settings_json = settings_json), out, err);
}

int cg_edit_pr(struct cg_client *c, int64_t org, int64_t repo, int64_t pr,
	       const char *state, struct cg_pr_edit *out, struct cg_error *err)
{
	return cg_call(c, repo == CG_NONE ? CG_EP_EDIT_PR : CG_EP_EDIT_REPO_PR,
		  ARGS(.org_id = org, .repo_id = repo, .pr_id = pr, .state = state), out, err);
}

int cg_get_integrations(struct cg_client *c, int64_t org,
			struct cg_integrations *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_INTEGRATIONS, ARGS(.org_id = org), out, err);
}

int cg_generate_setup_commands(struct cg_client *c, int64_t org, int64_t repo,
			       const char *prompt, struct cg_started_run *out,
			       struct cg_error *err)
{
	return cg_call(c, CG_EP_SETUP_COMMANDS, ARGS(.org_id = org, .repo_id = repo, .prompt = prompt),
		  out, err);
}

int cg_list_orgs(struct cg_client *c, int64_t skip, int64_t limit,
		 struct cg_org_page *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_LIST_ORGS, ARGS(.skip = skip, .limit = limit), out, err);
}

int cg_get_mcp_providers(struct cg_client *c, struct cg_oauth_provider_list *out,
			 struct cg_error *err)
{
	return cg_call(c, CG_EP_MCP_PROVIDERS, ARGS(0), out, err);
}

int cg_get_oauth_status(struct cg_client *c, int64_t org, struct cg_string_list *out,
			struct cg_error *err)
{
	return cg_call(c, CG_EP_OAUTH_STATUS, ARGS(.org_id = org), out, err);
}

int cg_revoke_oauth(struct cg_client *c, int64_t org, const char *provider,
		    struct cg_message *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_OAUTH_REVOKE, ARGS(.org_id = org, .provider = provider), out, err);
}

int cg_analyze_sandbox_logs(struct cg_client *c, int64_t org, int64_t sandbox,
			    struct cg_started_run *out, struct cg_error *err)
{
	return cg_call(c, CG_EP_ANALYZE_LOGS, ARGS(.org_id = org, .sandbox_id = sandbox), out, err);
}

int cg_get_cli_rules(struct cg_client *c, int64_t org, struct cg_cli_rules *out,
		     struct cg_error *err)
{
	return cg_call(c, CG_EP_CLI_RULES, ARGS(.org_id = org), out, err);
}

int cg_slack_connect_token(struct cg_client *c, int64_t org, struct cg_slack_token *out,
			   struct cg_error *err)
{
	return cg_call(c, CG_EP_SLACK_TOKEN, ARGS(.org_id = org), out, err);
}

int cg_get_run_logs(struct cg_client *c, int64_t org, int64_t run, int64_t skip,
		    int64_t limit, int reverse, struct cg_run_logs *out,
		    struct cg_error *err)
{
	return cg_call(c, CG_EP_RUN_LOGS, ARGS(.org_id = org, .agent_run_id = run, .skip = skip,
					  .limit = limit, .reverse = reverse), out, err);
}
