/* replay.c - run a harness over the files named on the command line, so the
 * seed corpus is replayed by `make check` without libFuzzer. */
#include <stdio.h>
#include <stdlib.h>

#include "custody/fsutil.h"
#include "fuzz.h"

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		char *buf;
		size_t len;
		if (cust_fs_read_file(argv[i], 1u << 20, &buf, &len, NULL) < 0) {
			fprintf(stderr, "replay: cannot read '%s'\n", argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
		printf("ok %d - %s\n", i, argv[i]);
	}
	return 0;
}
