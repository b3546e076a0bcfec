/* fuzz_x_spam.c - the spam extractors (spam-template, spam-list,
 * relay-list) on hostile bytes: each parses every input whether it
 * identifies it or not, under a file name drawn from the input's first
 * byte (the lists are told apart by name); parse must never crash, read
 * out of bounds or fail on content held in memory, and every record must
 * carry a family and a status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/extractor.h"
#include "fuzz.h"
#include "fuzz_x.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "list.txt", "subjects.txt",
	                                     "senders.txt", "proxies.txt",
	                                     "smtp-relays.txt", "msg.eml" };
	const char *file = names[size ? data[0] % 6 : 0];

	fuzz_x_one("spam-template", file, data, size);
	fuzz_x_one("spam-list", file, data, size);
	fuzz_x_one("relay-list", file, data, size);
	return 0;
}
