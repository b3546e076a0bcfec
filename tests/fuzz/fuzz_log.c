/* fuzz_log.c - the custody log as a hostile file: chain verification and the
 * tail read of an append must stay bounded and never crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "custody/log.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[CUST_PATH_MAX];
	char path[CUST_PATH_MAX + 16];
	struct cust_actor actor = { .name = "Fuzz Examiner" };
	struct cust_event ev = { .action = "note", .tool = "fuzz_log" };
	json_t *findings = json_array();
	uint64_t events = 0;
	FILE *f;

	if (!dir[0] && fuzz_tempdir(dir, sizeof dir) < 0)
		abort();
	(void)snprintf(path, sizeof path, "%s/%s", dir, CUST_LOG_NAME);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	(void)cust_log_verify(dir, findings, &events, NULL);
	(void)cust_log_append(dir, &actor, &ev, NULL, NULL);
	json_decref(findings);
	return 0;
}
