/* xmem.h - what the tests of one extractor share: content held in memory
 * and read through the pread callback, running the extractor the test
 * names (#define NAME before including this), and looking into its
 * records.  Included by one test program each, like testutil.h. */
#ifndef CUSTODY_XMEM_H
#define CUSTODY_XMEM_H

#include "testutil.h"

#include "custody/extractor.h"

/* Content held in memory, read through the pread callback. */
struct mem {
	const char *data;
	size_t len;
};

static inline long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

/* Run the extractor NAME on the content IN holds (head, size, pread),
 * named FILE: 1 when it identified the content, then its records and
 * learned items. */
static inline int run_input(struct cust_x_input *in, const char *file,
                     json_t **records, json_t **learned)
{
	const struct cust_extractor *x = cust_extractor_find(NAME);
	struct cust_x_output out = { json_array(), json_array(), 0 };
	struct cust_error err;
	json_t *none = json_array();

	assert_non_null(x);
	in->name = file;
	*records = out.records;
	*learned = out.learned;
	if (!x->identify(in)) {
		json_decref(none);
		return 0;
	}
	cust_error_clear(&err);
	if (x->parse(in, none, &out, &err) != 0)
		fail_msg("%s: %s", NAME, err.message);
	json_decref(none);
	return 1;
}

static inline int run(const char *file, const char *data, size_t len,
               json_t **records, json_t **learned)
{
	struct mem m = { data, len };
	struct cust_x_input in = { 0 };

	in.head = (const unsigned char *)data;
	in.head_len = len < CUST_X_HEAD ? len : CUST_X_HEAD;
	in.size = len;
	in.pread = mem_pread;
	in.pctx = &m;
	return run_input(&in, file, records, learned);
}

/* The value at a dotted path of V ("targets.victims.0.ip"), NULL if none. */
static inline const json_t *at(const json_t *v, const char *path)
{
	char buf[256], *save = NULL, *part;

	snprintf(buf, sizeof buf, "%s", path);
	for (part = strtok_r(buf, ".", &save); part && v;
	     part = strtok_r(NULL, ".", &save)) {
		char *end;
		long i = strtol(part, &end, 10);
		v = *end ? json_object_get(v, part) : json_array_get(v, (size_t)i);
	}
	return v;
}

static inline const char *str(const json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

/* 1 when some problem of REC holds NEEDLE. */
static inline int has_problem(const json_t *rec, const char *needle)
{
	const json_t *p = json_object_get(rec, "problems");
	size_t i;

	for (i = 0; i < json_array_size(p); i++)
		if (strstr(json_string_value(json_array_get(p, i)), needle))
			return 1;
	return 0;
}

#endif
