/* fuzz_x_sql.c - the sql-dump extractor on hostile bytes: it must never
 * crash, read out of bounds, hang or fail on content it can read; every
 * record must be a whole object that serialises, with a family and a
 * status; and reading the input in reads of any size (the callback gives
 * at most a few bytes at a time) must give the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/extractor.h"
#include "fuzz.h"

struct mem {
	const uint8_t *data;
	size_t len;
	size_t most; /* bytes one read gives at most */
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	if (len > m->most)
		len = m->most;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

/* The records of one run, serialised. */
static char *run(const uint8_t *data, size_t size, size_t most)
{
	const struct cust_extractor *x = cust_extractor_find("sql-dump");
	struct mem m = { data, size, most };
	struct cust_x_input in = { 0 };
	struct cust_x_output out;
	struct cust_error err;
	json_t *known = json_array(), *rec;
	char *all;
	size_t i;

	if (!x || !known)
		abort();
	in.head = data;
	in.head_len = size < CUST_X_HEAD ? size : CUST_X_HEAD;
	in.size = size;
	in.name = "dump.sql";
	in.pread = mem_pread;
	in.pctx = &m;
	(void)x->identify(&in);
	out.records = json_array();
	out.learned = json_array();
	out.needs_knowledge = 0;
	if (!out.records || !out.learned)
		abort();
	if (x->parse(&in, known, &out, &err) != 0)
		abort();
	json_array_foreach(out.records, i, rec) {
		if (!json_string_value(json_object_get(rec, "family")) ||
		    !json_string_value(json_object_get(rec, "status")))
			abort();
	}
	all = json_dumps(out.records, JSON_SORT_KEYS);
	if (!all)
		abort();
	json_decref(out.records);
	json_decref(out.learned);
	json_decref(known);
	return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole = run(data, size, (size_t)-1);
	/* reads of 1 to 8 bytes, from the input's first byte */
	char *pieces = run(data, size, size ? 1 + data[0] % 8 : 1);

	if (strcmp(whole, pieces) != 0)
		abort();
	free(whole);
	free(pieces);
	return 0;
}
