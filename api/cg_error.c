/* cg_error.c - HTTP status and CURLcode to errno, and server messages.
 *
 * The two tables here are the only place where a network outcome becomes
 * an errno (DESIGN.md §3).
 */
#include "cg_error.h"

#include "cg_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
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
 * 0 "0" and gives NULL for unknown values, both "E?" here.  ENOTSUP and
 * EOPNOTSUPP are one value on Linux; glibc names it for sockets, a file
 * operation that is not offered is ENOTSUP. */
const char *cg_errno_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (err == ENOTSUP)
		return "ENOTSUP";

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

/* "body.prompt: Field required; query.limit: ..." from a 422 detail list,
 * whole (the caller redacts, then cuts). */
static int format_detail_list(const cJSON *detail, struct cg_buf *out)
{
	const cJSON *item;
	int first = 1, ret = 0;

	cJSON_ArrayForEach(item, detail) {
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(item, "loc");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(item, "msg");
		const cJSON *part;
		int first_part = 1;

		if (!first)
			ret = ret ? ret : cg_buf_puts(out, "; ");
		first = 0;
		cJSON_ArrayForEach(part, loc) {
			if (!first_part)
				ret = ret ? ret : cg_buf_puts(out, ".");
			first_part = 0;
			if (cJSON_IsString(part))
				ret = ret ? ret : cg_buf_puts(out, part->valuestring);
			else if (cJSON_IsNumber(part))
				ret = ret ? ret : cg_buf_printf(out, "%.0f", part->valuedouble);
		}
		if (!first_part)
			ret = ret ? ret : cg_buf_puts(out, ": ");
		ret = ret ? ret : cg_buf_puts(out, cJSON_IsString(msg) ? msg->valuestring
								 : "invalid");
	}
	return ret;
}

/* The whole text of text with every secret replaced by the mark, into out
 * (a malloc'd copy: a mark longer than the secret needs room the text
 * has not). */
static int redact_into(struct cg_buf *out, const char *text, size_t len, const char *secret)
{
	size_t slen = secret ? strlen(secret) : 0;
	const char *end = text + len, *hit;
	int ret = 0;

	while (!ret && slen && (hit = memmem(text, (size_t)(end - text), secret, slen))) {
		ret = cg_buf_append(out, text, (size_t)(hit - text));
		if (!ret)
			ret = cg_buf_puts(out, CG_REDACTED);
		text = hit + slen;
	}
	return ret ? ret : cg_buf_append(out, text, (size_t)(end - text));
}

void cg_error_message_from_body(const char *body, size_t len, const char *secret,
				char *buf, size_t size)
{
	struct cg_buf whole = { 0 }, clean = { 0 };
	size_t limit = SIZE_MAX;
	cJSON *json;
	const cJSON *field;
	int ret;

	if (!size)
		return;
	buf[0] = '\0';
	if (!body || !len)
		return;
	/* The whole text first, then the secret out of it, then the cut: a
	 * cut first could split the secret and leave its first part shown. */
	json = cJSON_ParseWithLength(body, len);
	field = json ? cJSON_GetObjectItemCaseSensitive(json, "message") : NULL;
	if (!cJSON_IsString(field))
		field = json ? cJSON_GetObjectItemCaseSensitive(json, "detail") : NULL;
	if (cJSON_IsString(field)) {
		ret = cg_buf_puts(&whole, field->valuestring);
	} else if (cJSON_IsArray(field) && cJSON_GetArraySize(field) > 0) {
		ret = format_detail_list(field, &whole);
	} else {
		/* Not an API error shape (an HTML page from a proxy, say): show
		 * the start of it rather than nothing. */
		ret = cg_buf_append(&whole, body, len);
		limit = 200;
	}
	cJSON_Delete(json);
	if (!ret)
		ret = redact_into(&clean, cg_buf_data(&whole), cg_buf_len(&whole), secret);
	/* Out of memory: say so rather than show an unredacted text. */
	if (ret)
		copy_printable(buf, size, "(message lost: out of memory)", 29);
	else
		copy_printable(buf, size, cg_buf_data(&clean),
			       cg_buf_len(&clean) < limit ? cg_buf_len(&clean) : limit);
	if (whole.data)
		explicit_bzero(whole.data, whole.len);
	cg_buf_free(&whole);
	cg_buf_free(&clean);
}

int cg_error_route_missing(long status, const char *body, size_t len)
{
	const cJSON *message, *detail;
	cJSON *json;
	int missing;

	if (status == 405)
		return 1;
	if (status != 404)
		return 0;
	json = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	message = cJSON_IsObject(json) ? cJSON_GetObjectItemCaseSensitive(json, "message") : NULL;
	detail = cJSON_IsObject(json) ? cJSON_GetObjectItemCaseSensitive(json, "detail") : NULL;
	missing = !cJSON_IsString(message) &&
		  (!cJSON_IsString(detail) || !strcmp(detail->valuestring, "Not Found"));
	cJSON_Delete(json);
	return missing;
}

void cg_redact(char *text, size_t size, const char *secret)
{
	static const char mark[] = CG_REDACTED;
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

int cg_error_nomem(struct cg_error *e)
{
	cg_error_set(e, 0, ENOMEM, "out of memory");
	return -ENOMEM;
}
