/* fuzz_x_generic.c - the configuration extractors (irc-bot-config,
 * generic-c2-config) on hostile bytes: each parses every input whether
 * it identifies it or not, under a file name drawn from the input's
 * first byte; parse must never crash, read out of bounds or fail on
 * content held in memory, and every record must carry a family and a
 * status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/extractor.h"
#include "fuzz.h"
#include "fuzz_x.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "configs.h", "bot.ini",
	                                     "config.json", "App.config",
	                                     "agent.yml", "settings" };
	const char *file = names[size ? data[0] % 6 : 0];

	fuzz_x_one("irc-bot-config", file, data, size);
	fuzz_x_one("generic-c2-config", file, data, size);
	return 0;
}
