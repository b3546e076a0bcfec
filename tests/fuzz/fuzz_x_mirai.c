/* fuzz_x_mirai.c - the Mirai string-table extractor on hostile bytes: parse
 * must never crash, read out of bounds or fail on content held in memory,
 * and every record it makes must carry a family and a status; the run
 * knows an xor key, so the known-key path is fuzzed too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/extractor.h"
#include "fuzz.h"
#include "fuzz_x.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cust_extractor *x = cust_extractor_find("mirai-table");
	struct mem m = { data, size };
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	json_t *known = json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "kind", "key",
	                          "algorithm", "xor", "usage", "string-table",
	                          "value", "12345678", "encoding", "hex");
	struct cust_error err;
	size_t i;

	if (!x || !out.records || !out.learned || !known)
		abort();
	in.head = data;
	in.head_len = size < CUST_X_HEAD ? size : CUST_X_HEAD;
	in.size = size;
	in.name = "table.c";
	in.pread = mem_pread;
	in.pctx = &m;
	(void)x->identify(&in);
	if (x->parse(&in, known, &out, &err) != 0)
		abort();
	for (i = 0; i < json_array_size(out.records); i++) {
		json_t *r = json_array_get(out.records, i);
		if (!json_string_value(json_object_get(r, "family")) ||
		    !json_string_value(json_object_get(r, "status")))
			abort();
	}
	json_decref(out.records);
	json_decref(out.learned);
	json_decref(known);
	return 0;
}
