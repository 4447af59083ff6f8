/* fuzz.h - what every harness in tests/fuzz/ defines and may use.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput, the libFuzzer entry
 * point; it is linked either with libFuzzer (-Dfuzz=true, scripts/fuzz) or
 * with replay.c, a main() that feeds it the files of the seed corpus and of
 * the regressions (the 'fuzz' suite of meson test).  A harness returns 0 and
 * abort()s (through FUZZ_ASSERT) when a property of the parser fails.
 */
#ifndef CGFS_FUZZ_H
#define CGFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* A NUL-terminated heap copy of the input (so ASan sees every overread);
 * aborts when out of memory. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_ASSERT(s != NULL);
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif
