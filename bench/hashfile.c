/*
 * hashfile.c - time the digest engine on one file.
 *
 *     hashfile [--hash LIST] [--buffer-size BYTES] [--buffers N] FILE
 *
 * Reads FILE straight into the engine's ring buffers
 * (cust_digest_engine_read_fd), as cust_digest_file does for large files, prints "ALG  HEX" lines on stdout
 * and "hashfile: BYTES bytes in SECONDS s" on stderr.  Exit 0 on success,
 * 2 on a bad argument, otherwise the error kind of custody.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "custody/digest.h"

static const char usage_text[] =
	"usage: hashfile [--hash LIST] [--buffer-size BYTES] [--buffers N] FILE\n";

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "hashfile: %s '%s'\n%s", what, arg, usage_text);
	return CUST_E_USAGE;
}

/* A whole decimal number in [1, MAX]; -1 otherwise. */
static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "hash", required_argument, NULL, 'H' },
		{ "buffer-size", required_argument, NULL, 's' },
		{ "buffers", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5 |
	                                          CUST_DIGEST_SHA1 |
	                                          CUST_DIGEST_SHA256 };
	struct cust_digest_engine *e = NULL;
	struct cust_error err;
	struct timespec t0;
	const char *path;
	uint64_t v;
	unsigned bit;
	int opt, fd, rc;

	cust_error_clear(&err);
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'H':
			if (cust_digest_parse_list(optarg, &cfg.algs, &err) < 0) {
				fprintf(stderr, "hashfile: %s\n%s",
				        cust_error_message(&err), usage_text);
				return CUST_E_USAGE;
			}
			break;
		case 's':
			if (parse_count(optarg, (uint64_t)1 << 30, &v) < 0)
				return usage_error("bad buffer size", optarg);
			cfg.buffer_size = (size_t)v;
			break;
		case 'n':
			if (parse_count(optarg, 1024, &v) < 0)
				return usage_error("bad buffer count", optarg);
			cfg.buffer_count = (unsigned)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fflush(stdout) == 0 ? 0 : CUST_E_IO;
		default:
			fputs(usage_text, stderr);
			return CUST_E_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hashfile: expected one FILE\n%s", usage_text);
		return CUST_E_USAGE;
	}
	path = argv[optind];

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hashfile: cannot open '%s': %s\n", path,
		        strerror(errno));
		return CUST_E_INPUT;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* advice only */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = cust_digest_engine_new(&cfg, &err);
	rc = e && cust_digest_engine_read_fd(e, fd, path, &err) == 0 &&
	             cust_digest_engine_finish(e, &err) == 0
	             ? 0 : -1;
	(void)close(fd);
	if (rc < 0) {
		fprintf(stderr, "hashfile: %s\n", cust_error_message(&err));
		cust_digest_engine_free(e);
		return err.kind != CUST_OK ? (int)err.kind : CUST_E_IO;
	}
	fprintf(stderr, "hashfile: %llu bytes in %.3f s\n",
	        (unsigned long long)cust_digest_engine_length(e),
	        seconds_since(&t0));
	for (bit = 1; bit <= CUST_DIGEST_ALL; bit <<= 1)
		if (cfg.algs & bit)
			printf("%s  %s\n", cust_digest_name(bit),
			       cust_digest_engine_hex(e, bit));
	cust_digest_engine_free(e);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hashfile: cannot write output: %s\n",
		        strerror(errno));
		return CUST_E_IO;
	}
	return 0;
}
