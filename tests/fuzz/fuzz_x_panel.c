/* fuzz_x_panel.c - the panel-php-config extractor on hostile bytes: it must
 * never crash, read out of bounds or fail on content it can read, and every
 * record must be a whole object that serialises, with a family and a
 * status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/extractor.h"
#include "fuzz.h"

struct mem {
	const uint8_t *data;
	size_t len;
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cust_extractor *x = cust_extractor_find("panel-php-config");
	struct mem m = { data, size };
	struct cust_x_input in = { 0 };
	struct cust_x_output out;
	struct cust_error err;
	json_t *known = json_array(), *rec;
	size_t i;

	if (!x || !known)
		abort();
	in.head = data;
	in.head_len = size < CUST_X_HEAD ? size : CUST_X_HEAD;
	in.size = size;
	in.name = "config.php";
	in.pread = mem_pread;
	in.pctx = &m;
	(void)x->identify(&in);
	out.records = json_array();
	out.learned = json_array();
	out.needs_knowledge = 0;
	if (!out.records || !out.learned)
		abort();
	/* parse runs whatever identify said: it must cope with anything */
	if (x->parse(&in, known, &out, &err) != 0)
		abort();
	json_array_foreach(out.records, i, rec) {
		char *s = json_dumps(rec, 0);
		if (!s || !json_string_value(json_object_get(rec, "family")) ||
		    !json_string_value(json_object_get(rec, "status")))
			abort();
		free(s);
	}
	json_decref(out.records);
	json_decref(out.learned);
	json_decref(known);
	return 0;
}
