/* fuzz_logs.c - a log entry from the API to the lines of `logs` and
 * `logs.jsonl` (api/cg_models.h, fs/render.h).
 *
 * Input: the JSON text of one entry.  cg_log_entry_parse reads it;
 * cgfs_render_log_line and cgfs_render_log_jsonl render it.  Properties:
 * each renders exactly one line (one "\n", the last byte) and the line of
 * `logs` holds no other control byte.
 */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cg_models.h"
#include "render.h"
#include "fuzz.h"

static void check_one_line(const struct cg_buf *b, int plain)
{
	const char *s = cg_buf_data(b);
	size_t n = cg_buf_len(b);

	FUZZ_ASSERT(n >= 1 && s[n - 1] == '\n');
	for (size_t i = 0; i + 1 < n; i++) {
		FUZZ_ASSERT(s[i] != '\n');
		if (plain)
			FUZZ_ASSERT((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *json = cJSON_ParseWithLength((const char *)data, size);
	struct cg_log_entry e;

	if (cg_log_entry_parse(json, &e) == 0) {
		struct cg_buf line = { 0 }, jsonl = { 0 };

		FUZZ_ASSERT(cgfs_render_log_line(&line, &e) == 0);
		check_one_line(&line, 1);
		FUZZ_ASSERT(cgfs_render_log_jsonl(&jsonl, &e) == 0);
		check_one_line(&jsonl, 0);
		cg_buf_free(&line);
		cg_buf_free(&jsonl);
		cg_log_entry_free(&e);
	}
	cJSON_Delete(json);
	return 0;
}
