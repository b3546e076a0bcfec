/* fuzz_walk.c - arbitrary bytes as a raw disk image: cust_walk_image must
 * bound every count and length libtsk reads from it, never crash or hang,
 * and read every entry's content without overrunning. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "custody/walk.h"
#include "fuzz.h"

#define READ_CHUNK 4096
#define READ_MAX (256u << 10) /* content read per entry */

static int visit(void *ctx, const struct cust_walk_entry *e,
                 struct cust_walk_file *f, struct cust_error *err)
{
	static unsigned char buf[READ_CHUNK];
	uint64_t off = 0;

	(void)ctx;
	(void)err;
	/* touch every string the entry hands out */
	if (strlen(e->path) + strlen(e->name) + (e->link_target ?
	    strlen(e->link_target) : 0) == (size_t)-1)
		return -1;
	while (off < e->size && off < READ_MAX) {
		size_t got = 0;
		if (cust_walk_read(f, off, buf, sizeof buf, &got, NULL) < 0 ||
		    got == 0)
			break;
		off += got;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[256], path[300];
	struct cust_walk_options o = { .include_deleted = 1, .max_entries = 2000 };
	const char *paths[1] = { path };
	json_t *report;
	int fd;

	if (!dir[0]) {
		if (fuzz_tempdir(dir, sizeof dir) < 0)
			return 0;
		snprintf(path, sizeof path, "%s/image.raw", dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	report = json_object();
	(void)cust_walk_image(paths, 1, &o, visit, NULL, report, NULL);
	json_decref(report);
	return 0;
}
