/* fuzz_time.c - timestamps (api/cg_time.h) and Retry-After (api/cg_retry.h).
 *
 * Input: a text, as a JSON string field or a header value would carry it.
 * Properties: cg_time_parse returns 0 or -EINVAL; a parsed time that
 * cg_time_format can write parses back to the same second;
 * cg_retry_after_parse returns -1 or a finite number >= 0.
 */
#include <errno.h>
#include <math.h>

#include "cg_retry.h"
#include "cg_time.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);
	int64_t epoch = 0, again = 0;
	int ret = cg_time_parse(text, &epoch);

	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	if (ret == 0) {
		char *buf = malloc(21);   /* the documented least size */

		FUZZ_ASSERT(buf != NULL);
		if (cg_time_format(epoch, buf, 21) == 0) {
			FUZZ_ASSERT(cg_time_parse(buf, &again) == 0);
			FUZZ_ASSERT(again == epoch);
		}
		free(buf);
	}
	double wait = cg_retry_after_parse(text, (time_t)1750504804);   /* 2025-06-21T11:20:04Z */
	FUZZ_ASSERT(wait == -1 || (isfinite(wait) && wait >= 0));
	free(text);
	return 0;
}
