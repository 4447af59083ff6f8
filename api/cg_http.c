/* cg_http.c - one HTTP exchange: the request's curl handle, its answer (see cg_http.h). */
#include "cg_http.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "cg_buf.h"
#include "cg_multi.h"
#include "cg_retry.h"

/* pool_lock guards pool[]/npool (idle easy handles). */
struct cg_http {
	struct cg_multi *multi;   /* every transfer, and the connections */
	pthread_mutex_t pool_lock;
	CURL **pool;
	size_t npool, cap;
	char *user_agent;
	char *ca_file, *ca_dir;   /* NULL: the system's */
};

struct sink {
	struct cg_buf body;       /* capped at the request's max_body */
	int too_big;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result;

static void global_init(void)
{
	global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int copy_or_null(const char *s, char **out)
{
	*out = s && *s ? strdup(s) : NULL;
	return s && *s && !*out ? -1 : 0;
}

/* A TLS failure's message: what was refused, in words, then libcurl's
 * detail.  1 when rc is one (err set), else 0. */
static int tls_failure(struct cg_error *err, CURLcode rc, const char *errbuf)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	const char *what;

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		what = strstr(detail, "expired") ? "the server's TLS certificate has expired"
		     : strstr(detail, "name") ? "the server's TLS certificate is for another host"
		     : "the server's TLS certificate is not trusted (a private CA: --ca-file or "
		       "SSL_CERT_FILE)";
		break;
	case CURLE_SSL_CACERT_BADFILE:
		what = "the CA bundle cannot be read";
		break;
	case CURLE_SSL_CONNECT_ERROR:
		what = strstr(detail, "unsupported protocol") || strstr(detail, "version")
		     ? "the server offers no TLS version this mount speaks (1.2 or later)"
		     : "the TLS handshake failed";
		break;
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CERTPROBLEM:
		what = "the TLS handshake failed";
		break;
	default:
		return 0;
	}
	cg_error_set(err, 0, EPROTO, "%s: %s", what, detail);
	return 1;
}

struct cg_http *cg_http_new(const char *user_agent, const struct cg_http_trust *trust)
{
	struct cg_http *h;

	pthread_once(&global_once, global_init);
	if (global_result != CURLE_OK)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->user_agent = strdup(user_agent ? user_agent : "codegen-fs");
	h->multi = cg_multi_new();
	if (!h->user_agent || !h->multi ||
	    copy_or_null(trust ? trust->ca_file : NULL, &h->ca_file) ||
	    copy_or_null(trust ? trust->ca_dir : NULL, &h->ca_dir)) {
		free(h->user_agent);
		free(h->ca_file);
		free(h->ca_dir);
		cg_multi_free(h->multi);
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->pool_lock, NULL);
	return h;
}

void cg_http_free(struct cg_http *h)
{
	if (!h)
		return;
	/* The transfer thread ends first: the pooled handles are freed next. */
	cg_multi_free(h->multi);
	for (size_t i = 0; i < h->npool; i++)
		curl_easy_cleanup(h->pool[i]);
	free(h->pool);
	pthread_mutex_destroy(&h->pool_lock);
	free(h->user_agent);
	free(h->ca_file);
	free(h->ca_dir);
	free(h);
}

void cg_http_before_fork(struct cg_http *h)
{
	cg_multi_before_fork(h->multi);
}

long cg_http_connections(struct cg_http *h)
{
	return cg_multi_connections(h->multi);
}

static CURL *take_handle(struct cg_http *h)
{
	CURL *easy = NULL;

	pthread_mutex_lock(&h->pool_lock);
	if (h->npool)
		easy = h->pool[--h->npool];
	pthread_mutex_unlock(&h->pool_lock);
	if (easy)
		curl_easy_reset(easy);
	else
		easy = curl_easy_init();
	return easy;
}

static void return_handle(struct cg_http *h, CURL *easy)
{
	pthread_mutex_lock(&h->pool_lock);
	if (h->npool == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		CURL **grown = realloc(h->pool, cap * sizeof(*grown));

		if (!grown) {
			pthread_mutex_unlock(&h->pool_lock);
			curl_easy_cleanup(easy);
			return;
		}
		h->pool = grown;
		h->cap = cap;
	}
	h->pool[h->npool++] = easy;
	pthread_mutex_unlock(&h->pool_lock);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct sink *s = user;
	size_t n = size * nmemb;
	int ret = cg_buf_append(&s->body, ptr, n);

	if (ret == -EFBIG)
		s->too_big = 1;
	/* A short count makes libcurl stop with CURLE_WRITE_ERROR. */
	return ret ? 0 : n;
}

/* Seconds the server asked us to wait, or -1 without a usable Retry-After.
 * libcurl parses both forms (delta-seconds and HTTP-date) but answers 0
 * for "no header", for "now" and for a value it cannot read alike: the
 * header API tells the first apart, and the value's own text the last (a
 * hostile "Retry-After: soon" must not mean "retry at once"; it is as if
 * absent, and the backoff applies).  A date in the past is "now". */
static double retry_after_of(CURL *easy)
{
	struct curl_header *h;
	curl_off_t wait = 0;

	if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return -1;
	if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &wait) != CURLE_OK)
		return -1;
	if (wait > 0)
		return (double)wait;
	return cg_retry_after_parse(h->value, time(NULL)) < 0 ? -1 : 0;
}

int cg_http_perform(struct cg_http *h, const struct cg_http_request *req,
		    struct cg_http_response *resp, struct cg_error *err)
{
	struct curl_slist *headers = NULL, *tmp;
	/* The cap counts the NUL too. */
	struct sink sink = {
		.body.cap_limit = req->max_body < SIZE_MAX ? req->max_body + 1 : SIZE_MAX,
	};
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	CURL *easy;
	long status = 0;
	int ret = 0;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	easy = take_handle(h);
	if (!easy) {
		cg_error_set(err, 0, ENOMEM, "cannot create a curl handle");
		return -ENOMEM;
	}
	static const char *const fixed[] = {
		"Accept: application/json",
		/* libcurl would wait for "100 Continue" before a large body. */
		"Expect:",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		tmp = curl_slist_append(headers, fixed[i]);
		if (!tmp)
			goto out_nomem;
		headers = tmp;
	}
	if (req->auth_header) {
		tmp = curl_slist_append(headers, req->auth_header);
		if (!tmp)
			goto out_nomem;
		headers = tmp;
	}
	if (req->body) {
		tmp = curl_slist_append(headers, "Content-Type: application/json");
		if (!tmp)
			goto out_nomem;
		headers = tmp;
	}

	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* Plain http is spoken to a loopback host only (cg_base_url_check):
	 * through a proxy (http_proxy, ALL_PROXY) the Authorization header
	 * would cross the network in clear.  "" turns the environment's proxy
	 * off.  https keeps the environment's proxy (HTTPS_PROXY, NO_PROXY):
	 * there the proxy sees only a CONNECT, and TLS is end to end. */
	if (!strncasecmp(req->url, "http://", 7)) {
		curl_easy_setopt(easy, CURLOPT_PROXY, "");
		curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
	}
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, h->ca_file);
	if (h->ca_dir)
		curl_easy_setopt(easy, CURLOPT_CAPATH, h->ca_dir);
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* A request that finds the first connection to the server still
	 * connecting waits to learn whether it speaks HTTP/2 (and carries
	 * this request as one more stream) instead of opening its own. */
	if (!strncasecmp(req->url, "https://", 8))
		curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms < req->timeout_ms ? req->connect_timeout_ms
								 : req->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 1L);
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	/* libcurl silently resends a request whose reused connection died
	 * before an answer; that must not happen to a request that may not be
	 * repeated (the server may have acted on it). */
	if (req->fresh_connection)
		curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
	if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
	}

	rc = cg_multi_perform(h->multi, easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		long connect_code = 0;

		ret = sink.too_big || rc == CURLE_FILESIZE_EXCEEDED ? -EFBIG
								      : -cg_errno_from_curl(rc);
		curl_easy_getinfo(easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
		if (connect_code == 407) {
			/* The proxy refused the tunnel for want of credentials: an
			 * answer (not to be asked again), not a lost connection. */
			ret = -cg_errno_from_http(407);
			cg_error_set(err, 407, -ret,
				     "the proxy asks for authentication (407): %s",
				     errbuf[0] ? errbuf : curl_easy_strerror(rc));
		} else if (tls_failure(err, rc, errbuf)) {
			/* err says what TLS refused */
		} else if (-ret == EFBIG)
			cg_error_set(err, status, EFBIG,
				     "response larger than the %zu-byte cap", req->max_body);
		else
			cg_error_set(err, 0, -ret, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		cg_buf_free(&sink.body);
		goto out_cleanup;
	}
	resp->status = status;
	resp->body = cg_buf_take(&sink.body, &resp->len);
	resp->retry_after = retry_after_of(easy);
	if (!resp->body) {
		cg_error_set(err, 0, ENOMEM, "out of memory");
		ret = -ENOMEM;
	}
out_cleanup:
	/* The handle goes back to the pool without our stack pointers. */
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	return_handle(h, easy);
	for (tmp = headers; tmp; tmp = tmp->next)
		explicit_bzero(tmp->data, strlen(tmp->data));  /* the token */
	curl_slist_free_all(headers);
	return ret;
out_nomem:
	cg_error_set(err, 0, ENOMEM, "out of memory");
	ret = -ENOMEM;
	goto out_cleanup;
}
