/* fuzz_key_config.c - the examiner's configuration file as hostile input:
 * cust_key_config_parse must bound every line and value and never crash. */
#include <stdint.h>
#include <string.h>

#include "custody/keyconfig.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cust_key_config cfg;

	memset(&cfg, 0, sizeof cfg);
	(void)cust_key_config_parse(&cfg, (const char *)data, size,
	                            "/fuzz/config", NULL);
	return 0;
}
