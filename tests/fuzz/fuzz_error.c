/* fuzz_error.c - error bodies to messages (api/cg_error.h).
 *
 * Input: one byte that picks the size of the message buffer (0..255, or
 * 512, the size of struct cg_error's, when the byte is 0xff), then the body
 * as the server sent it.  cg_error_message_from_body fills a heap buffer of
 * exactly that size, with the body's first word as the secret to redact.
 * Properties: the message is NUL-terminated inside the buffer, holds no
 * control byte, and holds no secret (before and after cg_redact).  The same
 * body also goes to cg_error_route_missing: 0 or 1, always 1 for a 405,
 * never 1 for a status other than 404 and 405.
 */
#include <string.h>

#include "cg_error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t bufsize = data[0] == 0xff ? 512 : data[0];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	char *buf = malloc(bufsize ? bufsize : 1);

	FUZZ_ASSERT(buf != NULL);
	/* A secret: the body's first 4..16 printable non-space bytes (one that
	 * CG_REDACTED itself holds, such as "dact", cannot be hidden by it). */
	char secret[17];
	size_t k = 0;
	while (k < len && k < 16 && body[k] > 0x20 && body[k] < 0x7f && body[k] != '[' &&
	       body[k] != ']') {
		secret[k] = body[k];
		k++;
	}
	secret[k] = '\0';
	int hidden = k >= 4 && !strstr(CG_REDACTED, secret);

	int missing = cg_error_route_missing(404, body, len);

	FUZZ_ASSERT(missing == 0 || missing == 1);
	FUZZ_ASSERT(cg_error_route_missing(405, body, len) == 1);
	FUZZ_ASSERT(cg_error_route_missing(400, body, len) == 0);
	cg_error_message_from_body(body, len, hidden ? secret : NULL, buf, bufsize);
	if (bufsize == 0) {
		free(buf);
		return 0;
	}
	size_t n = strnlen(buf, bufsize);
	FUZZ_ASSERT(n < bufsize);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f);
	/* Redacted before it was cut: no 4-byte piece of the secret is left
	 * at the cut either. */
	if (hidden) {
		FUZZ_ASSERT(strstr(buf, secret) == NULL);
		cg_redact(buf, bufsize, secret);
		FUZZ_ASSERT(strnlen(buf, bufsize) < bufsize);
		FUZZ_ASSERT(strstr(buf, secret) == NULL);
	}
	free(buf);
	return 0;
}
