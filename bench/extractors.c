/*
 * extractors.c - time one extractor on one file.
 *
 *     extractors NAME FILE
 *
 * Runs the extractor NAME (include/custody/extractor.h) on FILE as the
 * extraction would: its head, then identify, then parse with the content
 * read through a pread callback over the file's descriptor (pread(2), from
 * the page cache when it is warm), on one core.  Prints on stdout one line
 * per record, "RECORD STATUS KEY=COUNT..." (the counts of its lists:
 * victims, webinjects, tables, credentials...), then
 * "rate BYTES SECONDS MBPS" (MB = 10^6 bytes); on stderr
 * "extractors: NAME: BYTES bytes in SECONDS s (MBPS MB/s)".  Exit 0 on
 * success, 2 on a bad argument, 1 when the extractor does not take the file
 * or yields no record, otherwise the error kind of custody.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "custody/extractor.h"

static const char usage_text[] = "usage: extractors NAME FILE\n";

struct file {
	int fd;
	uint64_t size;
};

static long file_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct file *f = ctx;
	ssize_t n;

	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	do
		n = pread(f->fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return (long)n;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The sizes of the arrays in OBJ (and one level down), as KEY=N. */
static void counts(const json_t *obj, const char *prefix)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (json_is_array(v))
			printf(" %s%s=%zu", prefix, key, json_array_size(v));
		else if (json_is_object(v) && !*prefix &&
		         strcmp(key, "other") != 0) {
			char p[64];
			int n = snprintf(p, sizeof p, "%s.", key);
			if (n > 0 && (size_t)n < sizeof p)
				counts(v, p);
		}
	}
}

int main(int argc, char **argv)
{
	const struct cust_extractor *x;
	struct cust_x_output out = { NULL, NULL, 0 };
	struct cust_x_input in = { 0 };
	struct cust_error err;
	struct timespec t0;
	struct file f = { -1, 0 };
	unsigned char *head = NULL;
	json_t *known = NULL, *rec;
	struct stat st;
	double secs;
	size_t i;
	long n;
	int rc = 0;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? 0 : CUST_E_IO;
	}
	if (argc != 3) {
		fprintf(stderr, "extractors: expected NAME and FILE\n%s",
		        usage_text);
		return CUST_E_USAGE;
	}
	x = cust_extractor_find(argv[1]);
	if (!x) {
		fprintf(stderr, "extractors: no extractor '%s'\n%s", argv[1],
		        usage_text);
		return CUST_E_USAGE;
	}
	f.fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (f.fd < 0 || fstat(f.fd, &st) < 0) {
		fprintf(stderr, "extractors: cannot open '%s': %s\n", argv[2],
		        strerror(errno));
		return CUST_E_INPUT;
	}
	f.size = (uint64_t)st.st_size;
	(void)posix_fadvise(f.fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* advice only */
	head = malloc(CUST_X_HEAD);
	known = json_array();
	out.records = json_array();
	out.learned = json_array();
	if (!head || !known || !out.records || !out.learned) {
		fprintf(stderr, "extractors: out of memory\n");
		rc = CUST_E_IO;
		goto out;
	}
	cust_error_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = file_pread(&f, head, CUST_X_HEAD, 0);
	if (n < 0) {
		fprintf(stderr, "extractors: cannot read '%s': %s\n", argv[2],
		        strerror(errno));
		rc = CUST_E_INPUT;
		goto out;
	}
	in.head = head;
	in.head_len = (size_t)n;
	in.size = f.size;
	in.name = strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2];
	in.pread = file_pread;
	in.pctx = &f;
	if (!x->identify(&in)) {
		fprintf(stderr, "extractors: %s does not take '%s'\n", x->name,
		        argv[2]);
		rc = 1;
		goto out;
	}
	if (x->parse(&in, known, &out, &err) < 0) {
		fprintf(stderr, "extractors: %s: %s\n", x->name,
		        cust_error_message(&err));
		rc = err.kind != CUST_OK ? (int)err.kind : CUST_E_IO;
		goto out;
	}
	secs = seconds_since(&t0);
	if (json_array_size(out.records) == 0) {
		fprintf(stderr, "extractors: %s found nothing in '%s'\n", x->name,
		        argv[2]);
		rc = 1;
		goto out;
	}
	json_array_foreach(out.records, i, rec) {
		printf("record %s", json_string_value(json_object_get(rec,
		                                                      "status")));
		counts(rec, "");
		putchar('\n');
	}
	printf("rate %" PRIu64 " %.3f %.1f\n", f.size, secs,
	       secs > 0 ? (double)f.size / secs / 1e6 : 0.0);
	fprintf(stderr, "extractors: %s: %" PRIu64 " bytes in %.3f s (%.1f MB/s)\n",
	        x->name, f.size, secs,
	        secs > 0 ? (double)f.size / secs / 1e6 : 0.0);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "extractors: cannot write output: %s\n",
		        strerror(errno));
		rc = CUST_E_IO;
	}
out:
	json_decref(out.records);
	json_decref(out.learned);
	json_decref(known);
	free(head);
	(void)close(f.fd);
	return rc;
}
