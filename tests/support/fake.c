/* fake.c - spawn and drive the fake Codegen API for tests (see fake.h). */
#include "fake.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

int fake_start(struct fake *f, const char *const *extra_args)
{
	const char *script = getenv("CG_FAKE_API");
	const char *argv[64];
	char line[512];
	size_t n = 0, used = 0;
	int fds[2];
	pid_t pid;

	memset(f, 0, sizeof(*f));
	f->pid = -1;
	if (!script)
		script = "scripts/fake-codegen-api";
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--token";
	argv[n++] = FAKE_TOKEN;
	argv[n++] = "--quiet";
	for (size_t i = 0; extra_args && extra_args[i] && n < 63; i++)
		argv[n++] = extra_args[i];
	argv[n] = NULL;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f->pid = pid;
	while (used + 1 < sizeof(line)) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t got;

		if (poll(&p, 1, 10000) <= 0)
			break;
		got = read(fds[0], line + used, 1);
		if (got <= 0)
			break;
		if (line[used] == '\n')
			break;
		used++;
	}
	line[used] = '\0';
	close(fds[0]);
	{
		const char *u = strstr(line, "http://127.0.0.1:");
		size_t len;

		if (!u) {
			fprintf(stderr, "fake: no ready line (got '%s')\n", line);
			fake_stop(f);
			return -1;
		}
		len = strcspn(u, " \t\r\n");
		if (len >= sizeof(f->url))
			len = sizeof(f->url) - 1;
		memcpy(f->url, u, len);
		f->url[len] = '\0';
	}
	return 0;
}

void fake_stop(struct fake *f)
{
	int status;

	if (f->pid <= 0)
		return;
	kill(f->pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			f->pid = -1;
			return;
		}
		usleep(20000);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &status, 0);
	f->pid = -1;
}

struct buf {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct buf *b = user;
	size_t n = size * nmemb;
	char *grown = realloc(b->data, b->len + n + 1);

	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

long fake_http(struct fake *f, const char *method, const char *path,
	       const char *body, const char *token, char **body_out)
{
	struct curl_slist *headers = NULL;
	struct buf b = { 0 };
	char url[512], auth[256];
	long status = -1;
	CURL *easy = curl_easy_init();

	if (!easy)
		return -1;
	snprintf(url, sizeof(url), "%s%s", f->url, path);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &b);
	if (body) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
	}
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		headers = curl_slist_append(headers, auth);
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	if (curl_easy_perform(easy) == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	if (body_out)
		*body_out = b.data ? b.data : strdup("");
	else
		free(b.data);
	return status;
}

cJSON *fake_control(struct fake *f, const char *method, const char *path,
		    const char *body)
{
	char *text = NULL;
	long status = fake_http(f, method, path, body, NULL, &text);
	cJSON *json;

	if (status < 200 || status >= 300) {
		fprintf(stderr, "fake: %s %s -> %ld: %s\n", method, path, status,
			text ? text : "");
		free(text);
		abort();
	}
	json = cJSON_Parse(text);
	free(text);
	return json;
}

cJSON *fake_requests(struct fake *f, long since)
{
	char path[64];
	cJSON *answer, *list;

	snprintf(path, sizeof(path), "/_control/requests?since=%ld", since);
	answer = fake_control(f, "GET", path, NULL);
	list = cJSON_DetachItemFromObjectCaseSensitive(answer, "requests");
	cJSON_Delete(answer);
	return list;
}

long fake_last_seq(struct fake *f)
{
	cJSON *list = fake_requests(f, 0);
	const cJSON *last = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(last, "seq");
	long n = cJSON_IsNumber(seq) ? (long)seq->valuedouble : 0;

	cJSON_Delete(list);
	return n;
}
