/* custody-image - acquire a seized disk, a file or a stream into the case:
 * raw, split raw or E01, hashed while read, checked after writing. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "custody/acquire.h"
#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"

#define TOOL "custody-image"

static const struct cli_option options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "item", "ID", "the seized item being imaged (required)" },
	{ "format", "FORMAT", "raw (default), split or ewf" },
	{ "segment-size", "SIZE", "split and ewf segment size (2G, 1400M...)" },
	{ "compression", "LEVEL", "ewf: none (default), fast or best" },
	{ "hash", "LIST", "digests: md5,sha1,sha256,sha512 (default md5,sha256)" },
	{ "block-size", "SIZE", "bytes per block hash (default 16M)" },
	{ "retries", "N", "re-reads of an unreadable sector (default 2)" },
	{ "max-retry-time", "SECONDS", "bound on all retrying (default 300)" },
	{ "size", "SIZE", "size of a stream on standard input, when known" },
	{ "verify", "SCOPE", "after writing: blocks (default), full or none" },
	{ "verify-source", NULL, "read the source again and compare" },
	{ "resume", NULL, "go on with the item's interrupted acquisition" },
	{ "set-readonly", NULL, "set the source device read-only (BLKROSET)" },
	{ "force", NULL, "image a device even when mounted read-write" },
	{ "note", "T", "notes for the EWF header, the record and the log" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	{ "quiet", NULL, "no progress, no summary" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

static void human(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (snprintf(out, size, u ? "%.2f %s" : "%.0f %s", v, units[u]) < 0)
		out[0] = '\0';
}

/* One line on the terminal, redrawn in place. */
static void show_progress(void *ctx, const struct cust_acquire_progress *p)
{
	char done[32], total[32];
	double secs = (double)p->elapsed_ms / 1000.0;
	double rate = secs > 0 ? (double)p->done / secs : 0;

	(void)ctx;
	human(p->done, done, sizeof done);
	fprintf(stderr, "\r%s: %s", p->phase, done);
	if (p->total != CUST_SOURCE_SIZE_UNKNOWN && p->total > 0) {
		human(p->total, total, sizeof total);
		fprintf(stderr, " of %s (%.0f%%)", total,
		        100.0 * (double)p->done / (double)p->total);
		if (rate > 0 && p->done < p->total) {
			unsigned long left = (unsigned long)((double)(p->total - p->done) / rate);
			fprintf(stderr, ", %lu:%02lu left", left / 60, left % 60);
		}
	}
	fprintf(stderr, ", %.0f MB/s, %llu unreadable sectors   ", rate / 1e6,
	        (unsigned long long)p->filled_sectors);
	if (p->total != CUST_SOURCE_SIZE_UNKNOWN && p->done >= p->total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int parse_options(struct cli *cli, struct cust_acquire_options *o)
{
	const char *v;
	uint64_t n;
	struct cust_error err;

	if (cli->nargs != 1)
		return cli_usage_error(cli, "expected one source (a device, a file "
		                            "or - for standard input)");
	o->source = cli->args[0];
	o->item = cli_get(cli, "item");
	if (!o->item)
		return cli_usage_error(cli, "--item is required");
	o->note = cli_get(cli, "note");
	o->algs = CUST_DIGEST_MD5 | CUST_DIGEST_SHA256;
	if ((v = cli_get(cli, "hash")) && cust_digest_parse_list(v, &o->algs, &err) < 0)
		return cli_usage_error(cli, "--hash: %s", err.message);
	if ((v = cli_get(cli, "format")) &&
	    cust_image_format_parse(v, &o->image.format) < 0)
		return cli_usage_error(cli, "--format must be raw, split or ewf");
	if ((v = cli_get(cli, "compression"))) {
		if (o->image.format != CUST_IMAGE_EWF)
			return cli_usage_error(cli, "--compression applies to --format ewf");
		if (cust_image_compression_parse(v, &o->image.compression) < 0)
			return cli_usage_error(cli, "--compression must be none, fast or best");
	}
	if ((v = cli_get(cli, "segment-size"))) {
		if (o->image.format == CUST_IMAGE_RAW)
			return cli_usage_error(cli, "--segment-size applies to --format "
			                            "split or ewf");
		if (cli_parse_size(v, &o->image.segment_size) < 0 ||
		    o->image.segment_size < 4096)
			return cli_usage_error(cli, "--segment-size: '%s' is not a size "
			                            "of at least 4K", v);
	}
	if ((v = cli_get(cli, "block-size")) &&
	    (cli_parse_size(v, &o->block_size) < 0 || o->block_size < 4096 ||
	     o->block_size % 512))
		return cli_usage_error(cli, "--block-size: '%s' is not a multiple of "
		                            "512 of at least 4K", v);
	o->source_opt.retries = 2;
	if ((v = cli_get(cli, "retries"))) {
		if (cust_parse_u64(v, &n) < 0 || n > 100)
			return cli_usage_error(cli, "--retries: '%s' is not 0..100", v);
		o->source_opt.retries = (unsigned)n;
	}
	o->source_opt.max_retry_ms = 300 * 1000;
	if ((v = cli_get(cli, "max-retry-time"))) {
		if (cust_parse_u64(v, &n) < 0 || n > 7 * 86400)
			return cli_usage_error(cli, "--max-retry-time: '%s' is not a "
			                            "number of seconds", v);
		o->source_opt.max_retry_ms = n * 1000;
	}
	if ((v = cli_get(cli, "size"))) {
		if (strcmp(o->source, "-") != 0)
			return cli_usage_error(cli, "--size applies to standard input");
		if (cli_parse_size(v, &o->source_opt.stream_size) < 0)
			return cli_usage_error(cli, "--size: '%s' is not a size", v);
	}
	if ((v = cli_get(cli, "verify")) && cust_verify_scope_parse(v, &o->verify) < 0)
		return cli_usage_error(cli, "--verify must be blocks, full or none");
	o->verify_source = cli_get(cli, "verify-source") != NULL;
	o->resume = cli_get(cli, "resume") != NULL;
	o->source_opt.set_readonly = cli_get(cli, "set-readonly") != NULL;
	o->source_opt.force = cli_get(cli, "force") != NULL;
	return 0;
}

static void print_summary(const json_t *rec)
{
	const json_t *hashes = json_object_get(rec, "hashes");
	const json_t *errors = json_object_get(rec, "errors");
	const json_t *vi = json_object_get(json_object_get(rec, "verification"),
	                                   "image");
	const json_t *vs = json_object_get(json_object_get(rec, "verification"),
	                                   "source");
	const char *key;
	json_t *value;
	char size[32];

	human((uint64_t)json_integer_value(
		      json_object_get(json_object_get(rec, "bytes"), "written")),
	      size, sizeof size);
	printf("sealed %s: %s, %s\n", cust_json_string(rec, "unit"), size,
	       cust_json_string(json_object_get(rec, "output"), "format"));
	json_object_foreach((json_t *)hashes, key, value)
		printf("  %-8s %s\n", key, json_string_value(value));
	printf("  unreadable sectors: %lld (filled with zeros)\n",
	       (long long)json_integer_value(json_object_get(errors, "filled_sectors")));
	printf("  image: %s (%s)\n", cust_json_string(vi, "result"),
	       cust_json_string(vi, "scope"));
	if (vs)
		printf("  source: %s (block hashes)\n", cust_json_string(vs, "result"));
}

int main(int argc, char **argv)
{
	struct cli cli = {
		TOOL,
		"custody-image --case DIR --item ID [--format raw|split|ewf] "
		"[--segment-size SIZE]\n"
		"             [--compression none|fast|best] [--hash LIST] "
		"[--block-size SIZE] [--retries N]\n"
		"             [--max-retry-time SECONDS] [--size SIZE] "
		"[--verify blocks|full|none] [--verify-source]\n"
		"             [--resume]"
		" [--set-readonly] [--force] [--note T] [--examiner NAME] "
		"[--quiet]\n"
		"             [--key FILE --cert FILE] [--passphrase-file FILE] "
		"[--tsa URL] [--no-sign] SOURCE",
		"Acquire SOURCE (a block device, a file, or - for standard input) "
		"into a sealed unit acquisitions/<ITEM>-A<n>/, hashed while read, "
		"unreadable sectors retried, zero-filled and mapped, the image read "
		"back and checked.",
		.options = options
	};
	struct cust_acquire_options o = { 0 };
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	json_t *rec = NULL;
	int rc, crc;

	/* EWF compression allocates and frees a few hundred KiB per 32 KiB
	 * chunk; without this glibc hands the pages back to the kernel each
	 * time and takes them again, a fifth of the run in page faults */
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
	cli_parse(&cli, argc, argv);
	rc = parse_options(&cli, &o);
	if (rc)
		return rc;
	o.argv = argv;
	o.argc = argc;
	o.tool = TOOL;
	if (!cli_get(&cli, "quiet") && isatty(STDERR_FILENO))
		o.progress = show_progress;
	c = cust_case_open(cli_case_dir(&cli), &err);
	if (!c)
		return cli_fail(&cli, &err);
	cust_case_actor(c, cli_get(&cli, "examiner"), &actor);
	/* the passphrase is asked before the hours of reading, not after */
	rc = cli_signing_open(&cli, &actor, &signer);
	if (rc) {
		cust_case_free(c);
		return rc;
	}
	rc = cli_run_start(&cli, cust_case_dir(c), &actor);
	if (rc) {
		cli_signing_close(signer);
		cust_case_free(c);
		return rc;
	}
	if (cust_acquire(c, &o, &actor, &rec, &err) < 0) {
		rc = cli_fail(&cli, &err);
	} else {
		const json_t *v = json_object_get(rec, "verification");
		const char *vi = cust_json_string(json_object_get(v, "image"), "result");
		const char *vs = cust_json_string(json_object_get(v, "source"), "result");
		if (cli.json)
			cli_print_json(rec);
		else if (!cli_get(&cli, "quiet"))
			print_summary(rec);
		if (strcmp(vi, "mismatch") == 0 || (vs && strcmp(vs, "mismatch") == 0)) {
			fprintf(stderr, "%s: verification found a mismatch; see %s/%s\n",
			        TOOL, cust_json_string(rec, "unit"), CUST_ACQUIRE_RECORD);
			rc = CUST_E_MISMATCH;
		} else if (json_integer_value(json_object_get(
			           json_object_get(rec, "errors"), "filled_sectors")) > 0) {
			fprintf(stderr, "%s: completed with unreadable sectors filled with "
			                "zeros; see %s/%s\n", TOOL,
			        cust_json_string(rec, "unit"), CUST_ACQUIRE_ERRORS);
			rc = CUST_E_FILLED;
		}
	}
	json_decref(rec);
	crc = cli_checkpoint(&cli, cust_case_dir(c), &actor);
	if (!rc)
		rc = crc;
	cli_signing_close(signer);
	cust_case_free(c);
	return cli_exit(&cli, rc);
}
