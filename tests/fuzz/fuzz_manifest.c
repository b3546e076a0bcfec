/* fuzz_manifest.c - a unit's SHA256SUMS and manifest.hashdeep as hostile
 * files: the input up to its first NUL byte is SHA256SUMS, the rest
 * manifest.hashdeep; the unit holds one payload file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/fsutil.h"
#include "custody/manifest.h"
#include "fuzz.h"

static void put(const char *dir, const char *name, const uint8_t *data,
                size_t size)
{
	char path[CUST_PATH_MAX + 32];
	FILE *f;

	(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[CUST_PATH_MAX];
	const uint8_t *nul = memchr(data, 0, size);
	size_t first = nul ? (size_t)(nul - data) : size;
	json_t *findings = json_array();
	char sums[65];
	int failed = 0;

	if (!dir[0]) {
		if (fuzz_tempdir(dir, sizeof dir) < 0)
			abort();
		put(dir, "a.txt", (const uint8_t *)"payload\n", 8);
	}
	put(dir, CUST_MANIFEST_SUMS, data, first);
	put(dir, CUST_MANIFEST_HASHDEEP, nul ? nul + 1 : data,
	    nul ? size - first - 1 : 0);
	(void)cust_manifest_check(dir, "unit", findings, &failed, sums, NULL);
	json_decref(findings);
	return 0;
}
