/* fuzz.h - shared by the libFuzzer harnesses in tests/fuzz/. */
#ifndef CUSTODY_FUZZ_H
#define CUSTODY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private folder for harnesses that must feed files, on tmpfs when there
 * is one; left behind on purpose (a fuzzer is killed, not stopped). */
static inline int fuzz_tempdir(char *out, size_t size)
{
	const char *base = getenv("TMPDIR");
	int n = snprintf(out, size, "%s/custody-fuzz.XXXXXX",
	                 base && *base ? base : "/tmp");
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

#endif
