/* test_auth.c - where the token comes from, and which base URLs are safe
 * (api/cg_auth.h, DESIGN.md §5).
 *
 * Every test runs in a fresh temporary directory that serves as $HOME and
 * holds the token files, so the user's real ~/.codegen is never read.
 */
#include "cg_auth.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* rootdir: made once per TCase in the parent (unchecked fixture), removed
 * even when a test dies; tmpdir: a fresh directory inside it per test. */
static char rootdir[2048];
static char tmpdir[PATH_MAX];
static char why[1024];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void root_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(rootdir, sizeof(rootdir), "%s/cgfs-auth-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(rootdir));
}

static void root_teardown(void)
{
	nftw(rootdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t-XXXXXX", rootdir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	why[0] = '\0';
	unsetenv("CODEGEN_API_TOKEN");
	unsetenv("CODEGEN_USER_ACCESS_TOKEN");
}

static void teardown(void)
{
	nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("CODEGEN_API_TOKEN");
	unsetenv("CODEGEN_USER_ACCESS_TOKEN");
}

/* tmpdir/name into buf. */
static const char *path_of(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", tmpdir, name);

	ck_assert(n > 0 && (size_t)n < size);
	return buf;
}

/* Write len bytes to path and give it exactly `mode` (whatever the umask). */
static void put_bytes(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

static void put_file(const char *path, const char *text, mode_t mode)
{
	put_bytes(path, text, strlen(text), mode);
}

/* tmpdir/<name> as a token file, path returned in buf. */
static const char *token_file(char *buf, size_t size, const char *name,
			      const char *text, mode_t mode)
{
	path_of(buf, size, name);
	put_file(buf, text, mode);
	return buf;
}

/* tmpdir/.codegen/auth.json (tmpdir is HOME). */
static void put_auth_json(const char *text, mode_t mode)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), ".codegen");
	ck_assert(mkdir(path, 0700) == 0 || errno == EEXIST);
	path_of(path, sizeof(path), ".codegen/auth.json");
	put_file(path, text, mode);
}

/* Run cg_token_find, check the result code, and return the token (to be
 * freed) or NULL. */
static char *find_expect(const struct cg_token_query *q, int want,
			 enum cg_token_source want_source)
{
	char *tok = NULL;
	enum cg_token_source src = (enum cg_token_source)-1;
	int ret;

	why[0] = '\0';
	ret = cg_token_find(q, &tok, &src, why, sizeof(why));
	ck_assert_msg(ret == want, "cg_token_find: %d, want %d (%s)", ret, want, why);
	if (want == 0) {
		ck_assert_ptr_nonnull(tok);
		ck_assert_int_eq(src, want_source);
	} else {
		ck_assert_ptr_null(tok);
		ck_assert_msg(why[0] != '\0', "error %d without a reason", ret);
	}
	return tok;
}

static void expect_token(const struct cg_token_query *q, const char *want,
			 enum cg_token_source want_source)
{
	char *tok = find_expect(q, 0, want_source);

	ck_assert_str_eq(tok, want);
	cg_token_free(tok);
}

/* ---- precedence ------------------------------------------------------------- */

START_TEST(precedence)
{
	char file[PATH_MAX];
	struct cg_token_query q = {
		.token_file = token_file(file, sizeof(file), "tok", "from-file", 0600),
		.env_api_token = "from-api-env",
		.env_user_token = "from-user-env",
		.home = tmpdir,
		.use_environment = 0,
	};

	put_auth_json("{\"token\": \"from-cli-auth\"}", 0600);
	expect_token(&q, "from-file", CG_TOKEN_FROM_FILE);
	q.token_file = NULL;
	expect_token(&q, "from-api-env", CG_TOKEN_FROM_ENV_API);
	q.env_api_token = NULL;
	expect_token(&q, "from-user-env", CG_TOKEN_FROM_ENV_USER);
	q.env_user_token = NULL;
	expect_token(&q, "from-cli-auth", CG_TOKEN_FROM_CLI_AUTH);
	/* Each source also wins over those below it on its own. */
	q.env_user_token = "from-user-env";
	expect_token(&q, "from-user-env", CG_TOKEN_FROM_ENV_USER);
	/* An empty variable counts as unset, as in `CODEGEN_API_TOKEN= cmd`. */
	q.env_api_token = "";
	expect_token(&q, "from-user-env", CG_TOKEN_FROM_ENV_USER);
	q.env_user_token = "";
	expect_token(&q, "from-cli-auth", CG_TOKEN_FROM_CLI_AUTH);
}
END_TEST

START_TEST(environment_ignored_when_disabled)
{
	struct cg_token_query q = { .home = tmpdir, .use_environment = 0 };

	setenv("CODEGEN_API_TOKEN", "from-real-env", 1);
	setenv("CODEGEN_USER_ACCESS_TOKEN", "from-real-user-env", 1);
	put_auth_json("{\"token\": \"from-cli-auth\"}", 0600);
	expect_token(&q, "from-cli-auth", CG_TOKEN_FROM_CLI_AUTH);
	q.home = NULL;
	find_expect(&q, -ENOENT, 0);
}
END_TEST

START_TEST(environment_lookup)
{
	struct cg_token_query q = { .use_environment = 1 };

	setenv("HOME", tmpdir, 1);
	put_auth_json("{\"token\": \"from-cli-auth\"}", 0600);
	setenv("CODEGEN_API_TOKEN", "from-api-env", 1);
	setenv("CODEGEN_USER_ACCESS_TOKEN", "from-user-env", 1);
	expect_token(&q, "from-api-env", CG_TOKEN_FROM_ENV_API);
	unsetenv("CODEGEN_API_TOKEN");
	expect_token(&q, "from-user-env", CG_TOKEN_FROM_ENV_USER);
	unsetenv("CODEGEN_USER_ACCESS_TOKEN");
	expect_token(&q, "from-cli-auth", CG_TOKEN_FROM_CLI_AUTH);

	/* A field given explicitly is not replaced by the environment. */
	setenv("CODEGEN_API_TOKEN", "from-api-env", 1);
	q.env_api_token = "explicit-api";
	expect_token(&q, "explicit-api", CG_TOKEN_FROM_ENV_API);
	q.env_api_token = NULL;
	q.home = "/nonexistent-home-for-cgfs-test";
	unsetenv("CODEGEN_API_TOKEN");
	find_expect(&q, -ENOENT, 0);
}
END_TEST

START_TEST(whitespace_stripped)
{
	char file[PATH_MAX];
	struct cg_token_query q = { .home = tmpdir };

	q.token_file = token_file(file, sizeof(file), "tok", "  \tfile-token\r\n\n", 0600);
	expect_token(&q, "file-token", CG_TOKEN_FROM_FILE);
	q.token_file = NULL;
	q.env_api_token = " env-token\n";
	expect_token(&q, "env-token", CG_TOKEN_FROM_ENV_API);
	q.env_api_token = NULL;
	q.env_user_token = "\tuser-token \r\n";
	expect_token(&q, "user-token", CG_TOKEN_FROM_ENV_USER);
	q.env_user_token = NULL;
	put_auth_json("{\"token\": \" cli-token\\n\"}\n", 0600);
	expect_token(&q, "cli-token", CG_TOKEN_FROM_CLI_AUTH);
}
END_TEST

/* ---- file permissions ------------------------------------------------------ */

static const mode_t refused_modes[] = { 0644, 0640, 0604 };

START_TEST(mode_refused)
{
	static const char secret[] = "sk-very-secret-token-0123456789";
	mode_t mode = refused_modes[_i];
	char file[PATH_MAX], auth[PATH_MAX];
	struct cg_token_query q = { .env_api_token = "would-be-used-next", .home = tmpdir };

	q.token_file = token_file(file, sizeof(file), "tok", secret, mode);
	find_expect(&q, -EACCES, 0);
	ck_assert_msg(strstr(why, file) != NULL, "message does not name %s: %s", file, why);
	ck_assert_msg(strstr(why, "chmod 600") != NULL, "message does not say chmod 600: %s", why);
	ck_assert_msg(strstr(why, secret) == NULL, "message shows the token: %s", why);

	/* Same for the CLI's auth.json: refused, not skipped. */
	q.token_file = NULL;
	q.env_api_token = NULL;
	put_auth_json("{\"token\": \"sk-very-secret-token-0123456789\"}", mode);
	find_expect(&q, -EACCES, 0);
	path_of(auth, sizeof(auth), ".codegen/auth.json");
	ck_assert_msg(strstr(why, auth) != NULL, "message does not name %s: %s", auth, why);
	ck_assert_msg(strstr(why, "chmod 600") != NULL, "message does not say chmod 600: %s", why);
	ck_assert_msg(strstr(why, secret) == NULL, "message shows the token: %s", why);

	/* And through cg_token_read_file directly. */
	char *tok = NULL;
	ck_assert_int_eq(cg_token_read_file(file, 0, &tok, why, sizeof(why)), -EACCES);
	ck_assert_ptr_null(tok);
}
END_TEST

START_TEST(mode_accepted)
{
	char file[PATH_MAX];
	struct cg_token_query q = { .home = tmpdir };

	q.token_file = token_file(file, sizeof(file), "tok600", "tok-600", 0600);
	expect_token(&q, "tok-600", CG_TOKEN_FROM_FILE);
	q.token_file = token_file(file, sizeof(file), "tok400", "tok-400", 0400);
	expect_token(&q, "tok-400", CG_TOKEN_FROM_FILE);
	q.token_file = NULL;
	put_auth_json("{\"token\": \"cli-400\"}", 0400);
	expect_token(&q, "cli-400", CG_TOKEN_FROM_CLI_AUTH);
}
END_TEST

/* ---- bad files ----------------------------------------------------------- */

START_TEST(auth_json_without_token)
{
	struct cg_token_query q = { .home = tmpdir };

	put_auth_json("{\"user\": \"me\", \"expires\": 0}", 0600);
	find_expect(&q, -EINVAL, 0);
	put_auth_json("{\"token\": 12345}", 0600);
	find_expect(&q, -EINVAL, 0);
	put_auth_json("{\"token\": null}", 0600);
	find_expect(&q, -EINVAL, 0);
	put_auth_json("[\"token\"]", 0600);
	find_expect(&q, -EINVAL, 0);
}
END_TEST

START_TEST(auth_json_malformed)
{
	struct cg_token_query q = { .home = tmpdir };

	put_auth_json("{\"token\": \"abc", 0600);
	find_expect(&q, -EINVAL, 0);
	ck_assert_msg(strstr(why, "abc") == NULL, "message shows the token: %s", why);
	put_auth_json("token=abc\n", 0600);
	find_expect(&q, -EINVAL, 0);
	put_auth_json("", 0600);
	find_expect(&q, -EINVAL, 0);
	put_auth_json("{\"token\": \"\"}", 0600);
	find_expect(&q, -EINVAL, 0);
}
END_TEST

START_TEST(token_file_directory)
{
	char dir[PATH_MAX];
	struct cg_token_query q = { .env_api_token = "from-api-env" };

	path_of(dir, sizeof(dir), "adir");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	q.token_file = dir;
	find_expect(&q, -EINVAL, 0);
	ck_assert_msg(strstr(why, dir) != NULL, "message does not name %s: %s", dir, why);
}
END_TEST

START_TEST(token_file_fifo)
{
	/* Opening a FIFO for reading blocks until a writer comes: the mount
	 * would hang at startup.  It must be refused at once. */
	char fifo[PATH_MAX];
	struct cg_token_query q = { 0 };

	path_of(fifo, sizeof(fifo), "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	q.token_file = fifo;
	find_expect(&q, -EINVAL, 0);
}
END_TEST

START_TEST(token_file_missing)
{
	char file[PATH_MAX];
	struct cg_token_query q = {
		.env_api_token = "from-api-env",
		.env_user_token = "from-user-env",
		.home = tmpdir,
	};

	/* An explicit file wins even when it is missing: silently using
	 * another identity would be worse than failing. */
	q.token_file = path_of(file, sizeof(file), "no-such-file");
	find_expect(&q, -ENOENT, 0);
	ck_assert_msg(strstr(why, file) != NULL, "message does not name %s: %s", file, why);
}
END_TEST

START_TEST(nothing_anywhere)
{
	char path[PATH_MAX];
	struct cg_token_query q = { .home = tmpdir };

	find_expect(&q, -ENOENT, 0);
	ck_assert_msg(strstr(why, "CODEGEN_API_TOKEN") != NULL, "message: %s", why);
	/* ~/.codegen exists but holds no auth.json. */
	path_of(path, sizeof(path), ".codegen");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	find_expect(&q, -ENOENT, 0);
	ck_assert_msg(strstr(why, "CODEGEN_API_TOKEN") != NULL, "message: %s", why);
	q.home = NULL;
	find_expect(&q, -ENOENT, 0);
	ck_assert_msg(strstr(why, "CODEGEN_API_TOKEN") != NULL, "message: %s", why);
	q.home = "";
	find_expect(&q, -ENOENT, 0);
}
END_TEST

START_TEST(home_codegen_not_a_directory)
{
	/* A stray regular file ~/.codegen means there is no auth.json. */
	char path[PATH_MAX];
	struct cg_token_query q = { .home = tmpdir };

	put_file(path_of(path, sizeof(path), ".codegen"), "junk", 0600);
	find_expect(&q, -ENOENT, 0);
	ck_assert_msg(strstr(why, "CODEGEN_API_TOKEN") != NULL, "message: %s", why);
}
END_TEST

/* ---- token contents --------------------------------------------------------- */

/* Tokens that would inject or break a header line. */
static const char *const bad_tokens[] = {
	"abc\r\nX-Evil: 1",
	"abc\nX-Evil: 1",
	"abc\rdef",
	"abc def",
	"abc\tdef",
	"abc\x7f" "def",
	"abc\x80" "def",
	"t\xc3\xb6ken",
	"abc\x01",
};

START_TEST(token_injection)
{
	const char *bad = bad_tokens[_i];
	char file[PATH_MAX], json[256], *tok = NULL;
	struct cg_token_query q = { 0 };

	ck_assert_int_eq(cg_token_check(bad, why, sizeof(why)), -EINVAL);
	ck_assert(why[0] != '\0');
	ck_assert_ptr_null(strstr(why, bad));

	q.env_api_token = bad;
	find_expect(&q, -EINVAL, 0);
	ck_assert_ptr_null(strstr(why, bad));
	q.env_api_token = NULL;
	q.env_user_token = bad;
	find_expect(&q, -EINVAL, 0);
	q.env_user_token = NULL;

	q.token_file = token_file(file, sizeof(file), "tok", bad, 0600);
	find_expect(&q, -EINVAL, 0);
	ck_assert_ptr_null(strstr(why, bad));
	ck_assert_int_eq(cg_token_read_file(file, 0, &tok, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_null(tok);

	/* The same bytes inside auth.json (JSON-escaped where needed). */
	q.token_file = NULL;
	q.home = tmpdir;
	{
		size_t n = 0;
		n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"token\": \"");
		for (const unsigned char *p = (const unsigned char *)bad; *p; p++)
			n += (size_t)(*p < 0x20 || *p == '"' || *p == '\\'
				      ? snprintf(json + n, sizeof(json) - n, "\\u%04x", *p)
				      : snprintf(json + n, sizeof(json) - n, "%c", *p));
		snprintf(json + n, sizeof(json) - n, "\"}");
	}
	put_auth_json(json, 0600);
	find_expect(&q, -EINVAL, 0);
}
END_TEST

START_TEST(token_nul_byte_in_file)
{
	/* "abc\0def": not a token, and certainly not the token "abc". */
	char file[PATH_MAX];
	struct cg_token_query q = { 0 };

	path_of(file, sizeof(file), "tok");
	put_bytes(file, "abc\0def\n", 8, 0600);
	q.token_file = file;
	find_expect(&q, -EINVAL, 0);
}
END_TEST

START_TEST(token_empty)
{
	char file[PATH_MAX];
	struct cg_token_query q = { 0 };

	ck_assert_int_eq(cg_token_check("", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(cg_token_check(NULL, why, sizeof(why)), -EINVAL);
	q.token_file = token_file(file, sizeof(file), "empty", "", 0600);
	find_expect(&q, -EINVAL, 0);
	q.token_file = token_file(file, sizeof(file), "blank", " \n\t\r\n", 0600);
	find_expect(&q, -EINVAL, 0);
	q.token_file = NULL;
	q.env_api_token = "  \n";
	find_expect(&q, -EINVAL, 0);
}
END_TEST

START_TEST(token_length)
{
	static char big[5001], max[4097], over[4098];
	char file[PATH_MAX];
	struct cg_token_query q = { 0 };

	memset(big, 'a', 5000);
	memset(max, 'b', 4096);
	memset(over, 'c', 4097);
	ck_assert_int_eq(cg_token_check(max, why, sizeof(why)), 0);
	ck_assert_int_eq(cg_token_check(over, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(cg_token_check(big, why, sizeof(why)), -EINVAL);

	q.env_api_token = big;
	find_expect(&q, -EINVAL, 0);
	q.env_api_token = max;
	expect_token(&q, max, CG_TOKEN_FROM_ENV_API);
	q.env_api_token = NULL;
	q.token_file = token_file(file, sizeof(file), "big", big, 0600);
	find_expect(&q, -EINVAL, 0);
	ck_assert_ptr_null(strstr(why, "aaaaaaaa"));
	q.token_file = token_file(file, sizeof(file), "max", max, 0600);
	expect_token(&q, max, CG_TOKEN_FROM_FILE);
}
END_TEST

START_TEST(token_check_accepts_visible_ascii)
{
	char all[128];
	size_t n = 0;

	for (int ch = 0x21; ch <= 0x7e; ch++)
		all[n++] = (char)ch;
	all[n] = '\0';
	ck_assert_int_eq(cg_token_check(all, why, sizeof(why)), 0);
	ck_assert_int_eq(cg_token_check("x", why, sizeof(why)), 0);
	ck_assert_int_eq(cg_token_check("sk-abc_DEF.123~+/=", NULL, 0), 0);
}
END_TEST

START_TEST(out_params_untouched_on_failure)
{
	static char sentinel[] = "sentinel";
	char *tok = sentinel;
	enum cg_token_source src = CG_TOKEN_FROM_CLI_AUTH;
	struct cg_token_query q = { .env_api_token = "bad token" };

	ck_assert_int_eq(cg_token_find(&q, &tok, &src, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_eq(tok, sentinel);
	ck_assert_int_eq(src, CG_TOKEN_FROM_CLI_AUTH);
	q.env_api_token = NULL;
	ck_assert_int_eq(cg_token_find(&q, &tok, &src, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_eq(tok, sentinel);
	ck_assert_int_eq(src, CG_TOKEN_FROM_CLI_AUTH);
	/* A NULL or zero-size reason buffer is allowed. */
	ck_assert_int_eq(cg_token_find(&q, &tok, &src, NULL, 0), -ENOENT);
	q.env_api_token = "ok";
	ck_assert_int_eq(cg_token_find(&q, &tok, NULL, NULL, 0), 0);
	ck_assert_str_eq(tok, "ok");
	cg_token_free(tok);
}
END_TEST

START_TEST(token_free)
{
	char *tok = strdup("secret");

	cg_token_free(NULL);
	ck_assert_ptr_nonnull(tok);
	cg_token_free(tok);
}
END_TEST

START_TEST(source_names)
{
	ck_assert_str_eq(cg_token_source_name(CG_TOKEN_FROM_ENV_API), "CODEGEN_API_TOKEN");
	ck_assert_str_eq(cg_token_source_name(CG_TOKEN_FROM_ENV_USER), "CODEGEN_USER_ACCESS_TOKEN");
	ck_assert_ptr_nonnull(strstr(cg_token_source_name(CG_TOKEN_FROM_CLI_AUTH), "auth.json"));
	ck_assert_ptr_nonnull(strstr(cg_token_source_name(CG_TOKEN_FROM_FILE), "file"));
}
END_TEST

/* ---- base URL policy ------------------------------------------------------- */

static const struct {
	const char *url;
	const char *out;
} good_urls[] = {
	{ "https://api.codegen.com", "https://api.codegen.com" },
	{ "https://api.codegen.com/", "https://api.codegen.com" },
	{ "https://api.codegen.com///", "https://api.codegen.com" },
	{ "https://proxy.example/codegen/", "https://proxy.example/codegen" },
	{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
	{ "http://127.5.6.7", "http://127.5.6.7" },
	{ "http://127.255.255.254:9/", "http://127.255.255.254:9" },
	{ "http://localhost:1", "http://localhost:1" },
	{ "http://LOCALHOST:8080/", "http://LOCALHOST:8080" },
	{ "http://[::1]:9", "http://[::1]:9" },
	{ "http://[::1]", "http://[::1]" },
};

START_TEST(base_url_accepted)
{
	char *out = NULL;
	int ret = cg_base_url_check(good_urls[_i].url, &out, why, sizeof(why));

	ck_assert_msg(ret == 0, "%s refused: %d %s", good_urls[_i].url, ret, why);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, good_urls[_i].out);
	free(out);
	ck_assert_int_eq(cg_base_url_check(good_urls[_i].url, NULL, NULL, 0), 0);
}
END_TEST

static const char *const bad_urls[] = {
	"http://example.com",
	"http://api.codegen.com",
	"http://10.0.0.1",
	"http://128.0.0.1",
	"http://[::2]",
	"http://[::]",
	"http://localhost.evil.example",
	"http://127.0.0.1.evil.example",
	"http://127.0.0.1@evil.example",
	"ftp://x",
	"file:///etc/passwd",
	"api.codegen.com",
	"localhost:8080",
	"",
	"https://user:pw@host",
	"https://user@host",
	"https://:pw@host",
	"https://api.codegen.com\r\nX-Evil: 1",
	"https://api.codegen.com/?x=1",
	"https://api.codegen.com/#top",
};

START_TEST(base_url_refused)
{
	static char sentinel[] = "sentinel";
	char *out = sentinel;
	int ret;

	why[0] = '\0';
	ret = cg_base_url_check(bad_urls[_i], &out, why, sizeof(why));
	ck_assert_msg(ret == -EINVAL, "'%s' gave %d, want -EINVAL", bad_urls[_i], ret);
	ck_assert_msg(why[0] != '\0', "'%s' refused without a reason", bad_urls[_i]);
	ck_assert_ptr_eq(out, sentinel);
}
END_TEST

START_TEST(base_url_null)
{
	char *out = NULL;

	ck_assert_int_eq(cg_base_url_check(NULL, &out, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(cg_base_url_check(CG_DEFAULT_BASE_URL, &out, why, sizeof(why)), 0);
	ck_assert_str_eq(out, "https://api.codegen.com");
	free(out);
}
END_TEST

START_TEST(base_url_reason_names_host)
{
	ck_assert_int_eq(cg_base_url_check("http://example.com/", NULL, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "example.com") != NULL, "reason: %s", why);
	ck_assert_int_eq(cg_base_url_check("https://user:pw@host", NULL, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, ":pw") == NULL, "reason repeats the password: %s", why);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc;

	tc = tcase_create("find");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);  /* a blocking open of a FIFO fails here */
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, environment_ignored_when_disabled);
	tcase_add_test(tc, environment_lookup);
	tcase_add_test(tc, whitespace_stripped);
	tcase_add_loop_test(tc, mode_refused, 0,
			    (int)(sizeof(refused_modes) / sizeof(refused_modes[0])));
	tcase_add_test(tc, mode_accepted);
	tcase_add_test(tc, auth_json_without_token);
	tcase_add_test(tc, auth_json_malformed);
	tcase_add_test(tc, token_file_directory);
	tcase_add_test(tc, token_file_fifo);
	tcase_add_test(tc, token_file_missing);
	tcase_add_test(tc, nothing_anywhere);
	tcase_add_test(tc, home_codegen_not_a_directory);
	suite_add_tcase(s, tc);

	tc = tcase_create("token");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, token_injection, 0,
			    (int)(sizeof(bad_tokens) / sizeof(bad_tokens[0])));
	tcase_add_test(tc, token_nul_byte_in_file);
	tcase_add_test(tc, token_empty);
	tcase_add_test(tc, token_length);
	tcase_add_test(tc, token_check_accepts_visible_ascii);
	tcase_add_test(tc, out_params_untouched_on_failure);
	tcase_add_test(tc, token_free);
	tcase_add_test(tc, source_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("base_url");
	tcase_add_loop_test(tc, base_url_accepted, 0,
			    (int)(sizeof(good_urls) / sizeof(good_urls[0])));
	tcase_add_loop_test(tc, base_url_refused, 0,
			    (int)(sizeof(bad_urls) / sizeof(bad_urls[0])));
	tcase_add_test(tc, base_url_null);
	tcase_add_test(tc, base_url_reason_names_host);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
