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

struct mem {
	const uint8_t *data;
	size_t size;
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = m->size - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

static void one(const char *name, const char *file, const uint8_t *data,
                size_t size)
{
	const struct cust_extractor *x = cust_extractor_find(name);
	struct mem m = { data, size };
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	json_t *known = json_array();
	struct cust_error err;
	size_t i;

	if (!x || !out.records || !out.learned || !known)
		abort();
	in.head = data;
	in.head_len = size < CUST_X_HEAD ? size : CUST_X_HEAD;
	in.size = size;
	in.name = file;
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "configs.h", "bot.ini",
	                                     "config.json", "App.config",
	                                     "agent.yml", "settings" };
	const char *file = names[size ? data[0] % 6 : 0];

	one("irc-bot-config", file, data, size);
	one("generic-c2-config", file, data, size);
	return 0;
}
