/* fuzz_x.h - what the extractors' harnesses share: the input held in
 * memory behind the pread callback, and one extractor run on it whether it
 * identifies it or not. */
#ifndef CUSTODY_FUZZ_X_H
#define CUSTODY_FUZZ_X_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/extractor.h"

struct mem {
	const uint8_t *data;
	size_t size;
};

static inline long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = m->size - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

/* Run extractor NAME on DATA[0..SIZE) named FILE: parse must succeed on
 * content held in memory, and every record carry a family and a status;
 * anything else aborts. */
static inline void fuzz_x_one(const char *name, const char *file, const uint8_t *data,
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

#endif
