/* fuzz_draft.c - an outbox draft's front matter (fs/draft.h).
 *
 * Input: the bytes a user wrote into new/<name>, not NUL-terminated.
 * Properties: cgfs_draft_parse returns 0, -EINVAL, -ENODATA or -ENOMEM; on
 * success the prompt is a suffix of the input and metadata, when set, is
 * one JSON object; the reason written on failure is NUL-terminated inside
 * its buffer.  The input, as a name, also goes through
 * cgfs_draft_is_scratch and cgfs_draft_is_held (never both).
 */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "draft.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgfs_draft d;
	char *why = malloc(64);
	/* An exact-size copy: the parser must not read past len. */
	char *text = malloc(size ? size : 1);

	FUZZ_ASSERT(why != NULL && text != NULL);
	if (size)
		memcpy(text, data, size);
	memset(&d, 0, sizeof(d));
	why[0] = '\0';
	int ret = cgfs_draft_parse(text, size, &d, why, 64);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENODATA || ret == -ENOMEM);
	FUZZ_ASSERT(strnlen(why, 64) < 64);
	if (ret == 0) {
		size_t plen = strlen(d.prompt);

		FUZZ_ASSERT(plen <= size);
		FUZZ_ASSERT(memcmp(d.prompt, text + size - plen, plen) == 0);
		if (d.metadata) {
			cJSON *m = cJSON_Parse(d.metadata);

			FUZZ_ASSERT(cJSON_IsObject(m));
			cJSON_Delete(m);
		}
		cgfs_draft_free(&d);
	}
	free(text);
	free(why);

	char *name = fuzz_strdup(data, size);
	int scratch = cgfs_draft_is_scratch(name);
	FUZZ_ASSERT(scratch == 0 || scratch == 1);
	FUZZ_ASSERT(!(scratch && cgfs_draft_is_held(name)));
	free(name);
	return 0;
}
