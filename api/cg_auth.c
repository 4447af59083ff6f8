/* cg_auth.c - token discovery and the base URL policy (see cg_auth.h). */
#include "cg_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cg_file.h"

#define TOKEN_MAX 4096
#define TOKEN_FILE_MAX 65536

static int fail(char *why, size_t size, int err, const char *fmt, const char *arg)
{
	if (why && size)
		snprintf(why, size, fmt, arg ? arg : "");
	return -err;
}

int cg_token_check(const char *token, char *why, size_t why_size)
{
	size_t len;

	if (!token || !*token)
		return fail(why, why_size, EINVAL, "the API token is empty%s", NULL);
	len = strnlen(token, TOKEN_MAX + 1);
	if (len > TOKEN_MAX)
		return fail(why, why_size, EINVAL, "the API token is longer than 4096 bytes%s", NULL);
	/* The token goes into a header line: a CR, LF or space would let it
	 * add headers or break the request. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)token[i];
		if (ch <= 0x20 || ch >= 0x7f)
			return fail(why, why_size, EINVAL,
				    "the API token contains a character that is not printable ASCII%s", NULL);
	}
	return 0;
}

void cg_token_free(char *token)
{
	if (!token)
		return;
	explicit_bzero(token, strlen(token));
	free(token);
}

const char *cg_token_source_name(enum cg_token_source source)
{
	switch (source) {
	case CG_TOKEN_FROM_FILE:     return "the token file";
	case CG_TOKEN_FROM_ENV_API:  return "CODEGEN_API_TOKEN";
	case CG_TOKEN_FROM_ENV_USER: return "CODEGEN_USER_ACCESS_TOKEN";
	case CG_TOKEN_FROM_CLI_AUTH: return "~/.codegen/auth.json";
	}
	return "?";
}

/* A copy of text without leading and trailing white space, or NULL. */
static char *strip_dup(const char *text, size_t len)
{
	while (len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
		       text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	return strndup(text, len);
}

/* Read a whole small file that only its owner may read. */
static int read_private_file(const char *path, char **data, size_t *len,
			     char *why, size_t why_size)
{
	mode_t mode;
	int ret;

	ret = cg_file_read(AT_FDCWD, path, TOKEN_FILE_MAX, CG_FILE_PRIVATE, data, len, &mode);
	if (!ret)
		return 0;
	if (!mode) {
		/* ENOTDIR: a stray file where ~/.codegen should be a directory. */
		if (ret == -ENOENT || ret == -ENOTDIR)
			return fail(why, why_size, ENOENT, "token file %s does not exist", path);
		return fail(why, why_size, EACCES, "cannot open token file %s", path);
	}
	switch (ret) {
	case -EINVAL:
		return fail(why, why_size, EINVAL, "token file %s is not a regular file", path);
	case -EPERM:
		if (why && why_size)
			snprintf(why, why_size,
				 "token file %s is accessible by group or others (mode %04o); "
				 "refusing to use it: run 'chmod 600 %s'",
				 path, (unsigned)(mode & 07777), path);
		return -EACCES;
	case -EFBIG:
		return fail(why, why_size, EINVAL, "token file %s is too large", path);
	case -ENOMEM:
		return -ENOMEM;
	default:
		return fail(why, why_size, EIO, "cannot read token file %s", path);
	}
}

int cg_token_read_file(const char *path, int json, char **token,
		       char *why, size_t why_size)
{
	char *data = NULL, *tok = NULL;
	size_t len = 0;
	int ret;

	ret = read_private_file(path, &data, &len, why, why_size);
	if (ret)
		return ret;
	if (json) {
		cJSON *root = cJSON_ParseWithLength(data, len);
		const cJSON *field = cJSON_GetObjectItemCaseSensitive(root, "token");

		if (cJSON_IsString(field))
			tok = strip_dup(field->valuestring, strlen(field->valuestring));
		else
			ret = fail(why, why_size, EINVAL,
				   "%s has no \"token\" string", path);
		if (root && cJSON_IsString(field))
			explicit_bzero(field->valuestring, strlen(field->valuestring));
		cJSON_Delete(root);
	} else if (memchr(data, '\0', len)) {
		/* strndup would silently cut the token at the NUL. */
		ret = fail(why, why_size, EINVAL, "token file %s contains a NUL byte", path);
	} else {
		tok = strip_dup(data, len);
	}
	explicit_bzero(data, len);
	free(data);
	if (ret)
		return ret;
	if (!tok)
		return -ENOMEM;
	ret = cg_token_check(tok, why, why_size);
	if (ret) {
		cg_token_free(tok);
		return ret;
	}
	*token = tok;
	return 0;
}

static int token_from_value(const char *value, enum cg_token_source src,
			    char **token, enum cg_token_source *source,
			    char *why, size_t why_size)
{
	char *tok = strip_dup(value, strlen(value));
	int ret;

	if (!tok)
		return -ENOMEM;
	ret = cg_token_check(tok, why, why_size);
	if (ret) {
		cg_token_free(tok);
		if (why && why_size) {
			size_t used = strlen(why);
			snprintf(why + used, why_size - used, " (from %s)",
				 cg_token_source_name(src));
		}
		return ret;
	}
	*token = tok;
	if (source)
		*source = src;
	return 0;
}

char *cg_home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd pw, *found = NULL;
	char buf[4096];

	if (home && home[0] == '/')
		return strdup(home);
	/* A mount at boot (fstab, a system unit) runs with no HOME. */
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) || !found ||
	    !found->pw_dir || found->pw_dir[0] != '/')
		return NULL;
	return strdup(found->pw_dir);
}

int cg_token_find(const struct cg_token_query *q, char **token,
		  enum cg_token_source *source, char *why, size_t why_size)
{
	struct cg_token_query look = *q;
	char path[4096], *home = NULL;
	int ret;

	if (look.use_environment) {
		if (!look.env_api_token)
			look.env_api_token = getenv("CODEGEN_API_TOKEN");
		if (!look.env_user_token)
			look.env_user_token = getenv("CODEGEN_USER_ACCESS_TOKEN");
		if (!look.home)
			look.home = home = cg_home_dir();
	}
	if (look.token_file) {
		ret = cg_token_read_file(look.token_file, 0, token, why, why_size);
		if (!ret && source)
			*source = CG_TOKEN_FROM_FILE;
	} else if (look.env_api_token && *look.env_api_token) {
		ret = token_from_value(look.env_api_token, CG_TOKEN_FROM_ENV_API,
				       token, source, why, why_size);
	} else if (look.env_user_token && *look.env_user_token) {
		ret = token_from_value(look.env_user_token, CG_TOKEN_FROM_ENV_USER,
				       token, source, why, why_size);
	} else {
		ret = -ENOENT;
		if (look.home && *look.home) {
			snprintf(path, sizeof(path), "%s/.codegen/auth.json", look.home);
			ret = cg_token_read_file(path, 1, token, why, why_size);
			if (!ret && source)
				*source = CG_TOKEN_FROM_CLI_AUTH;
		}
		if (ret == -ENOENT)
			ret = fail(why, why_size, ENOENT,
				   "no API token: set CODEGEN_API_TOKEN, pass --token-file, "
				   "or log in with the Codegen CLI (~/.codegen/auth.json)%s", NULL);
	}
	free(home);
	return ret;
}

static int host_is_loopback(const char *host)
{
	unsigned char addr[16];
	size_t len = strlen(host);
	char inner[64];

	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	/* curl gives IPv6 hosts in brackets. */
	if (len > 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(inner)) {
		memcpy(inner, host + 1, len - 2);
		inner[len - 2] = '\0';
		if (inet_pton(AF_INET6, inner, addr) == 1) {
			static const unsigned char one[16] = { [15] = 1 };
			return !memcmp(addr, one, 16);
		}
	}
	return 0;
}

int cg_base_url_check(const char *url, char **out, char *why, size_t why_size)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *user = NULL, *extra = NULL;
	int ret = 0;
	size_t len;

	if (!url || !*url)
		return fail(why, why_size, EINVAL, "the API base URL is empty%s", NULL);
	u = curl_url();
	if (!u)
		return -ENOMEM;
	/* Without a scheme curl would guess http: refuse instead. */
	if (!strstr(url, "://") ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		ret = fail(why, why_size, EINVAL, "the API base URL '%s' is not a valid URL", url);
		goto out_free;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &extra, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &extra, 0) == CURLUE_OK) {
		ret = fail(why, why_size, EINVAL,
			   "the API base URL must not have a query or fragment (got '%s')", url);
		goto out_free;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		ret = fail(why, why_size, EINVAL,
			   "the API base URL must not carry a user name or password%s", NULL);
		goto out_free;
	}
	if (!strcasecmp(scheme, "https")) {
		/* fine */
	} else if (!strcasecmp(scheme, "http")) {
		if (!host_is_loopback(host)) {
			ret = fail(why, why_size, EINVAL,
				   "refusing plain http:// to %s: the token would cross the network "
				   "unencrypted (http is allowed for loopback hosts only)", host);
			goto out_free;
		}
	} else {
		ret = fail(why, why_size, EINVAL,
			   "the API base URL must start with https:// (got '%s')", scheme);
		goto out_free;
	}
	if (out) {
		len = strlen(url);
		while (len && url[len - 1] == '/')
			len--;
		*out = strndup(url, len);
		if (!*out)
			ret = -ENOMEM;
	}
out_free:
	curl_free(extra);
	curl_free(user);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ret;
}
