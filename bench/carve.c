/*
 * carve.c - time the carver on one file.
 *
 *     carve [--kinds LIST] [--buffer-size BYTES] [--decode] [--print] FILE
 *
 * Feeds FILE to one carver (include/custody/carve.h) in reads of
 * --buffer-size bytes (default 1 MiB) on one core; with --decode, to a
 * decoder too (include/custody/decode.h), as custody-extract does, the
 * hits of decoded streams counted with the others.  Prints "KIND COUNT"
 * lines on stdout (or, with --print, one "KIND OFFSET VALUE" line per hit)
 * and "carve: BYTES bytes in SECONDS s" on stderr.  LIST is a comma list
 * of email, domain, url, ipv4, ipv6, ccn, bitcoin, onion, phone, mac,
 * hostport (default all).  Exit 0 on success, 2 on
 * a bad argument, otherwise the error kind of custody.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "custody/carve.h"
#include "custody/decode.h"

static const char usage_text[] =
	"usage: carve [--kinds LIST] [--buffer-size BYTES] [--decode] [--print] FILE\n";

struct tally {
	uint64_t count[16];
	int print;
};

static int kind_index(enum cust_carve_kind kind)
{
	int i = 0;

	while (i < 15 && (1u << i) != (unsigned)kind)
		i++;
	return i;
}

static int on_hit(void *ctx, const struct cust_carve_hit *hit,
                  struct cust_error *err)
{
	struct tally *t = ctx;

	(void)err;
	t->count[kind_index(hit->kind)]++;
	if (t->print)
		printf("%s %" PRIu64 "%s %s\n", cust_carve_kind_name(hit->kind),
		       hit->offset, hit->path ? hit->path : "", hit->value);
	return 0;
}

static int parse_kinds(char *list, unsigned *out)
{
	char *save = NULL, *name;
	unsigned kinds = 0, bit;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (bit = 1; bit <= CUST_CARVE_ALL; bit <<= 1)
			if (strcmp(name, cust_carve_kind_name(bit)) == 0)
				break;
		if (bit > CUST_CARVE_ALL)
			return -1;
		kinds |= bit;
	}
	*out = kinds;
	return kinds ? 0 : -1;
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
		{ "kinds", required_argument, NULL, 'k' },
		{ "buffer-size", required_argument, NULL, 's' },
		{ "print", no_argument, NULL, 'p' },
		{ "decode", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tally tally = { { 0 }, 0 };
	struct cust_carver *c = NULL;
	struct cust_decoder *d = NULL;
	int decode = 0;
	struct cust_error err;
	struct timespec t0;
	unsigned kinds = CUST_CARVE_ALL, bit;
	size_t bufsize = 1u << 20;
	uint64_t total = 0;
	unsigned char *buf = NULL;
	const char *path;
	char *end;
	int opt, fd, rc = 0;

	cust_error_clear(&err);
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			if (parse_kinds(optarg, &kinds) < 0) {
				fprintf(stderr, "carve: bad kind list\n%s", usage_text);
				return CUST_E_USAGE;
			}
			break;
		case 's':
			errno = 0;
			bufsize = strtoul(optarg, &end, 10);
			if (errno || *end || bufsize == 0 || bufsize > (1u << 30) ||
			    *optarg < '0' || *optarg > '9') {
				fprintf(stderr, "carve: bad buffer size '%s'\n%s",
				        optarg, usage_text);
				return CUST_E_USAGE;
			}
			break;
		case 'p':
			tally.print = 1;
			break;
		case 'd':
			decode = 1;
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
		fprintf(stderr, "carve: expected one FILE\n%s", usage_text);
		return CUST_E_USAGE;
	}
	path = argv[optind];
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "carve: cannot open '%s': %s\n", path,
		        strerror(errno));
		return CUST_E_INPUT;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* advice only */
	buf = malloc(bufsize);
	c = cust_carver_new(kinds, &err);
	if (c && decode) {
		struct cust_decode_options o = { 0 };
		o.carve = kinds;
		if (!(d = cust_decoder_new(&o, &err))) {
			cust_carver_free(c);
			c = NULL;
		}
	}
	if (!buf || !c) {
		fprintf(stderr, "carve: %s\n",
		        c ? "out of memory" : cust_error_message(&err));
		rc = CUST_E_IO;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "carve: cannot read '%s': %s\n", path,
			        strerror(errno));
			rc = CUST_E_INPUT;
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (cust_carver_feed(c, buf, (size_t)n, on_hit, &tally, &err) < 0 ||
		    (d && cust_decoder_feed(d, buf, (size_t)n, on_hit, &tally,
		                            &err) < 0)) {
			fprintf(stderr, "carve: %s\n", cust_error_message(&err));
			rc = err.kind != CUST_OK ? (int)err.kind : CUST_E_IO;
			goto out;
		}
	}
	if (cust_carver_end(c, on_hit, &tally, &err) < 0 ||
	    (d && cust_decoder_end(d, on_hit, &tally, &err) < 0)) {
		fprintf(stderr, "carve: %s\n", cust_error_message(&err));
		rc = err.kind != CUST_OK ? (int)err.kind : CUST_E_IO;
		goto out;
	}
	fprintf(stderr, "carve: %" PRIu64 " bytes in %.3f s\n", total,
	        seconds_since(&t0));
	if (!tally.print)
		for (bit = 1; bit <= CUST_CARVE_ALL; bit <<= 1)
			if (kinds & bit)
				printf("%s %" PRIu64 "\n", cust_carve_kind_name(bit),
				       tally.count[kind_index(bit)]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "carve: cannot write output: %s\n",
		        strerror(errno));
		rc = CUST_E_IO;
	}
	if (d) {
		const struct cust_decode_stats *st = cust_decoder_stats(d);
		unsigned k;
		uint64_t streams = 0, out = 0;
		for (k = 0; k < CUST_DECODE_NKINDS; k++) {
			streams += st->streams[k];
			out += st->bytes[k];
		}
		fprintf(stderr, "carve: decoded %" PRIu64 " streams, %" PRIu64
		        " bytes, %" PRIu64 " bombs\n", streams, out, st->bombs);
	}
out:
	cust_decoder_free(d);
	cust_carver_free(c);
	free(buf);
	(void)close(fd);
	return rc;
}
