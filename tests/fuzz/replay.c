/* replay.c - a main() that feeds files to a harness, without fuzzing.
 *
 *   replay_<name> PATH...
 *
 * Every regular file given, or found directly in a directory given, is read
 * whole and passed once to LLVMFuzzerTestOneInput (fuzz.h).  Prints
 * "replay: N inputs" and exits 0; a harness that crashes or aborts ends the
 * run.  A missing path is an error (exit 1), an empty directory is not.
 * Builds with gcc as well as clang, so the normal suite keeps every seed and
 * every kept crash passing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *bigger;

			cap = cap ? cap * 2 : 4096;
			bigger = realloc(data, cap);
			if (!bigger) {
				free(data);
				fclose(f);
				fprintf(stderr, "replay: %s: out of memory\n", path);
				return -1;
			}
			data = bigger;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	/* A copy of exactly len bytes, so that an overread is seen. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(data);
		return -1;
	}
	if (len)
		memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int replay_path(const char *path, size_t *count)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	DIR *d = opendir(path);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (stat(child, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		(*count)++;
		ret = replay_file(child);
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) != 0)
			return 1;
	printf("replay: %zu inputs\n", count);
	return 0;
}
