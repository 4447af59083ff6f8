/* fuzz_routes.c - paths from the kernel against the route table (fs/routes.h).
 *
 * Input: a path (the bytes up to the first NUL).  cgfs_route_match matches
 * it against the table only; cgfs_parse_id reads it as an id.  Properties:
 * a match returns 0 with a row of the table, or -ENOENT / -ENAMETOOLONG
 * with no row; an id parsed is 1..15 digits without a leading zero (or "0") and
 * prints back as the input.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "routes.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_strdup(data, size);
	struct cgfs_req *r = malloc(sizeof(*r));

	FUZZ_ASSERT(r != NULL);
	int ret = cgfs_route_match(path, r);
	FUZZ_ASSERT(ret == 0 || ret == -ENOENT || ret == -ENAMETOOLONG);
	if (ret == 0) {
		FUZZ_ASSERT(r->route != NULL);
		FUZZ_ASSERT(cgfs_route_index(r->route) < cgfs_route_count());
		FUZZ_ASSERT(cgfs_route_at(cgfs_route_index(r->route)) == r->route);
		FUZZ_ASSERT(strnlen(r->name, sizeof(r->name)) < sizeof(r->name));
	} else {
		FUZZ_ASSERT(r->route == NULL);
	}
	free(r);

	int64_t id;
	if (cgfs_parse_id(path, &id) == 0) {
		char back[32];

		FUZZ_ASSERT(id >= 0);   /* "0" is an id: test_routes.c matches /orgs/0 */
		snprintf(back, sizeof(back), "%" PRId64, id);
		FUZZ_ASSERT(strcmp(back, path) == 0);
	}
	free(path);
	return 0;
}
