/* xtest.h - what the extractor tests share: content made lazily behind a
 * pread callback (a head, then a fill byte up to a size: a gigabyte costs
 * nothing), running one extractor by name, and looking into its records.
 * Included by one test program each (static functions, like testutil.h).
 */
#ifndef CUSTODY_XTEST_H
#define CUSTODY_XTEST_H

#include "testutil.h"

#include "custody/extractor.h"

/* Content read through the pread callback: HEAD, then FILL bytes up to
 * SIZE, so a file of any size costs no memory. */

struct lazy {
	const char *head;
	size_t head_len;
	uint64_t size;
	char fill;
};

static long lazy_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct lazy *z = ctx;
	size_t done = 0;

	if (off >= z->size)
		return 0;
	if ((uint64_t)len > z->size - off)
		len = (size_t)(z->size - off);
	if (off < z->head_len) {
		done = z->head_len - (size_t)off < len ? z->head_len - (size_t)off
		                                       : len;
		memcpy(buf, z->head + off, done);
	}
	memset((char *)buf + done, z->fill, len - done);
	return (long)len;
}

struct result {
	int identified;
	json_t *records;
	json_t *learned;
	int needs_knowledge;
};

/* Run extractor NAME on the content of Z named FILE with KNOWN (may be
 * NULL). */
static struct result run_lazy(const char *name, const char *file,
                              const struct lazy *z, const json_t *known)
{
	const struct cust_extractor *x = cust_extractor_find(name);
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	struct cust_error err;
	struct result r = { 0 };
	json_t *none = json_array();
	unsigned char *head = malloc(CUST_X_HEAD);
	long n;

	assert_non_null(x);
	assert_non_null(head);
	n = lazy_pread((void *)z, head, CUST_X_HEAD, 0);
	assert_true(n >= 0);
	in.head = head;
	in.head_len = (size_t)n;
	in.size = z->size;
	in.name = file;
	in.pread = lazy_pread;
	in.pctx = (void *)z;
	r.records = out.records;
	r.learned = out.learned;
	r.identified = x->identify(&in);
	if (r.identified) {
		cust_error_clear(&err);
		if (x->parse(&in, known ? known : none, &out, &err) != 0)
			fail_msg("%s: %s", name, err.message);
		r.needs_knowledge = out.needs_knowledge;
	}
	json_decref(none);
	free(head);
	return r;
}

static struct result run(const char *name, const char *file, const char *data,
                         size_t len, const json_t *known)
{
	struct lazy z = { data, len, len, 0 };

	return run_lazy(name, file, &z, known);
}

static void done(struct result *r)
{
	json_decref(r->records);
	json_decref(r->learned);
}

/* The value at a dotted path of V ("targets.recipients.0"), NULL if none. */
static const json_t *at(const json_t *v, const char *path)
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

static const char *str(const json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

static long num(const json_t *v, const char *path)
{
	const json_t *j = at(v, path);

	assert_true(json_is_integer(j));
	return (long)json_integer_value(j);
}

/* Whether some problem of REC holds NEEDLE. */
static int problem(const json_t *rec, const char *needle)
{
	const json_t *p = json_object_get(rec, "problems");
	size_t i;

	for (i = 0; i < json_array_size(p); i++)
		if (strstr(json_string_value(json_array_get(p, i)), needle))
			return 1;
	return 0;
}

#endif
