/* cg_error.c - HTTP status and CURLcode to errno, and server messages.
 *
 * The two tables here are the only place where a network outcome becomes
 * an errno (DESIGN.md §3).
 */
#include "cg_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

static const struct {
	long status;
	int err;
} http_table[] = {
	{ 400, EINVAL },
	{ 401, EACCES },
	{ 402, EDQUOT },
	{ 403, EACCES },
	{ 404, ENOENT },
	{ 407, EACCES },
	{ 408, ETIMEDOUT },
	{ 413, EFBIG },
	{ 422, EINVAL },
	{ 429, EAGAIN },
};

int cg_errno_from_http(long status)
{
	if (status >= 100 && status < 400)
		return 0;
	for (size_t i = 0; i < sizeof(http_table) / sizeof(http_table[0]); i++)
		if (http_table[i].status == status)
			return http_table[i].err;
	return EIO;
}

static const struct {
	CURLcode code;
	int err;
} curl_table[] = {
	{ CURLE_OK, 0 },
	{ CURLE_OPERATION_TIMEDOUT, ETIMEDOUT },
	{ CURLE_COULDNT_CONNECT, EHOSTUNREACH },
	{ CURLE_COULDNT_RESOLVE_HOST, EHOSTUNREACH },
	{ CURLE_COULDNT_RESOLVE_PROXY, EHOSTUNREACH },
	{ CURLE_GOT_NOTHING, ECONNRESET },
	{ CURLE_SEND_ERROR, ECONNRESET },
	{ CURLE_RECV_ERROR, ECONNRESET },
	{ CURLE_PARTIAL_FILE, EIO },
	{ CURLE_WRITE_ERROR, EFBIG },
	{ CURLE_FILESIZE_EXCEEDED, EFBIG },
	{ CURLE_SSL_CONNECT_ERROR, EPROTO },
	{ CURLE_PEER_FAILED_VERIFICATION, EPROTO },
	{ CURLE_SSL_CERTPROBLEM, EPROTO },
	{ CURLE_SSL_CIPHER, EPROTO },
	{ CURLE_SSL_CACERT_BADFILE, EPROTO },
	{ CURLE_HTTP2, EPROTO },
	{ CURLE_HTTP2_STREAM, EPROTO },
	{ CURLE_WEIRD_SERVER_REPLY, EPROTO },
	{ CURLE_OUT_OF_MEMORY, ENOMEM },
	{ CURLE_ABORTED_BY_CALLBACK, EINTR },
	{ CURLE_URL_MALFORMAT, EINVAL },
	{ CURLE_UNSUPPORTED_PROTOCOL, EINVAL },
};

int cg_errno_from_curl(int curl_code)
{
	for (size_t i = 0; i < sizeof(curl_table) / sizeof(curl_table[0]); i++)
		if ((int)curl_table[i].code == curl_code)
			return curl_table[i].err;
	return EIO;
}

/* glibc knows every errno's name (strerrorname_np, glibc 2.32); it names
 * 0 "0" and gives NULL for unknown values, both "E?" here. */
const char *cg_errno_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	return name ? name : "E?";
}

void cg_error_set(struct cg_error *e, long http_status, int err,
		  const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->http_status = http_status;
	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Copy text into buf, turning control bytes into spaces so one error
 * stays one line in the `errors` file. */
static void copy_printable(char *buf, size_t size, const char *text, size_t len)
{
	size_t n = 0;

	if (!size)
		return;
	for (size_t i = 0; i < len && n + 1 < size; i++) {
		unsigned char ch = (unsigned char)text[i];
		buf[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	buf[n] = '\0';
}

static void append(char *buf, size_t size, const char *text)
{
	size_t used = strnlen(buf, size);

	if (used + 1 < size)
		copy_printable(buf + used, size - used, text, strlen(text));
}

/* "body.prompt: Field required; query.limit: ..." from a 422 detail list. */
static void format_detail_list(const cJSON *detail, char *buf, size_t size)
{
	const cJSON *item;
	int first = 1;

	buf[0] = '\0';
	cJSON_ArrayForEach(item, detail) {
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(item, "loc");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(item, "msg");
		const cJSON *part;
		int first_part = 1;
		char num[32];

		if (!first)
			append(buf, size, "; ");
		first = 0;
		cJSON_ArrayForEach(part, loc) {
			if (!first_part)
				append(buf, size, ".");
			first_part = 0;
			if (cJSON_IsString(part)) {
				append(buf, size, part->valuestring);
			} else if (cJSON_IsNumber(part)) {
				snprintf(num, sizeof(num), "%.0f", part->valuedouble);
				append(buf, size, num);
			}
		}
		if (!first_part)
			append(buf, size, ": ");
		append(buf, size, cJSON_IsString(msg) ? msg->valuestring : "invalid");
	}
}

void cg_error_message_from_body(const char *body, size_t len,
				char *buf, size_t size)
{
	cJSON *json;
	const cJSON *field;

	if (!size)
		return;
	buf[0] = '\0';
	if (!body || !len)
		return;
	json = cJSON_ParseWithLength(body, len);
	if (json) {
		field = cJSON_GetObjectItemCaseSensitive(json, "message");
		if (cJSON_IsString(field)) {
			copy_printable(buf, size, field->valuestring,
				       strlen(field->valuestring));
			goto out_free_json;
		}
		field = cJSON_GetObjectItemCaseSensitive(json, "detail");
		if (cJSON_IsString(field)) {
			copy_printable(buf, size, field->valuestring,
				       strlen(field->valuestring));
			goto out_free_json;
		}
		if (cJSON_IsArray(field) && cJSON_GetArraySize(field) > 0) {
			format_detail_list(field, buf, size);
			goto out_free_json;
		}
	}
	/* Not an API error shape (an HTML page from a proxy, say): show the
	 * start of it rather than nothing. */
	copy_printable(buf, size, body, len < 200 ? len : 200);
out_free_json:
	cJSON_Delete(json);
}

void cg_redact(char *text, size_t size, const char *secret)
{
	static const char mark[] = "[redacted]";
	size_t slen, mlen = sizeof(mark) - 1;
	char *from = text, *hit;

	if (!text || !size || !secret || !*secret)
		return;
	slen = strlen(secret);
	/* Search on after each mark: the mark itself may contain the secret. */
	while ((hit = strstr(from, secret)) != NULL) {
		size_t tail = strlen(hit + slen);
		size_t room = size - (size_t)(hit - text) - 1;
		size_t m = mlen < room ? mlen : room;
		size_t t = tail < room - m ? tail : room - m;

		memmove(hit + m, hit + slen, t);
		memcpy(hit, mark, m);
		hit[m + t] = '\0';
		from = hit + m;
	}
}
