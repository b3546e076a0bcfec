/* fuzz_archive.c - arbitrary bytes as one seized file: cust_archive_walk
 * must bound depth, members, expansion and time on whatever libarchive
 * recognises in them, never crash or hang, and hand out every member's
 * content without overrunning. */
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "custody/archive.h"
#include "fuzz.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static ssize_t input_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct input *in = ctx;

	if (off >= in->size)
		return 0;
	if (len > in->size - off)
		len = (size_t)(in->size - off);
	memcpy(buf, in->data + off, len);
	return (ssize_t)len;
}

static void tap(void *ctx, const void *buf, size_t len)
{
	size_t *sum = ctx;

	*sum += len ? ((const unsigned char *)buf)[len - 1] : 0;
}

static int visit(void *ctx, const struct cust_archive_member *m,
                 struct cust_archive_reader *r, struct cust_error *err)
{
	unsigned char buf[512];

	(void)err;
	/* touch every string the member hands out */
	if (strlen(m->chain) + strlen(m->name) + strlen(m->format) +
	    strlen(m->filters) + (m->link_target ? strlen(m->link_target) : 0) ==
	    (size_t)-1)
		return -1;
	/* read a little (replayed into a nested archive), tap the rest */
	(void)cust_archive_read(r, buf, m->depth % 2 ? sizeof buf : 3, NULL);
	cust_archive_tap(r, tap, NULL, ctx);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct cust_archive_input src = { 0 };
	struct cust_archive_options o = { 0 };
	json_t *report = json_object();
	size_t sum = 0;

	src.name = "fuzz.tar.gz";
	src.size = size;
	src.pread = input_pread;
	src.ctx = &in;
	o.max_members = 2000;
	o.max_expanded = 64u << 20;
	o.max_seconds = 10;
	(void)cust_archive_walk(&src, &o, visit, &sum, report, NULL);
	json_decref(report);
	return 0;
}
