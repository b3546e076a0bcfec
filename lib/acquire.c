/* acquire.c - image a source into a sealed unit; see include/custody/acquire.h. */
#include "custody/acquire.h"

#include <errno.h>
#include <libewf.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "custody/device.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/merkle.h"
#include "custody/time.h"
#include "custody/unit.h"
#include "custody/version.h"
#include "resume.h"

#define PROGRESS_EVERY_NS 250000000u /* four updates a second */
/* Block hashes that differ are listed up to this many; the count is exact. */
#define MAX_LISTED_BLOCKS 1000

static const char *const scope_names[] = { "blocks", "full", "none" };

const char *cust_verify_scope_name(enum cust_verify_scope v)
{
	return (unsigned)v < 3 ? scope_names[v] : NULL;
}

int cust_verify_scope_parse(const char *name, enum cust_verify_scope *v)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, scope_names[i]) == 0) {
			*v = (enum cust_verify_scope)i;
			return 0;
		}
	return -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reports progress at most every PROGRESS_EVERY_NS. */
struct meter {
	const struct cust_acquire_options *o;
	struct cust_acquire_progress p;
	uint64_t start, last;
};

static void meter_start(struct meter *m, const struct cust_acquire_options *o,
                        const char *phase, uint64_t total)
{
	memset(m, 0, sizeof *m);
	m->o = o;
	m->p.phase = phase;
	m->p.total = total;
	m->start = now_ns();
}

static void meter_tick(struct meter *m, uint64_t done, uint64_t filled, int last)
{
	uint64_t t = now_ns();

	m->p.done = done;
	m->p.filled_sectors = filled;
	if (!m->o->progress || (!last && t - m->last < PROGRESS_EVERY_NS))
		return;
	m->last = t;
	m->p.elapsed_ms = (t - m->start) / 1000000u;
	m->o->progress(m->o->progress_ctx, &m->p);
}

/* Feed the engine from SRC (the acquisition) until the source ends, saving
 * the unreadable ranges for a resume as they become final. */
static int pump_source(struct cust_digest_engine *e, struct cust_source *src,
                       struct resume_state *st, struct meter *m,
                       struct cust_error *err)
{
	for (;;) {
		size_t cap, got;
		unsigned char *buf = cust_digest_engine_buffer(e, &cap, err);

		if (!buf || cust_source_read(src, buf, cap, &got, err) < 0 ||
		    cust_digest_engine_commit(e, got, err) < 0)
			return -1;
		if (st)
			resume_state_ranges(st, src);
		meter_tick(m, cust_source_position(src),
		           cust_source_filled_sectors(src), got < cap);
		if (got < cap)
			return 0;
	}
}

/* Feed the engine from an image read back: all of it, or its first LIMIT
 * bytes. */
static int pump_image(struct cust_digest_engine *e, struct cust_image_reader *r,
                      uint64_t limit, struct meter *m, struct cust_error *err)
{
	uint64_t done = 0;

	while (done < limit) {
		size_t cap, got;
		unsigned char *buf = cust_digest_engine_buffer(e, &cap, err);

		if (!buf)
			return -1;
		if (cap > limit - done)
			cap = (size_t)(limit - done);
		if (cust_image_reader_read(r, buf, cap, &got, err) < 0 ||
		    cust_digest_engine_commit(e, got, err) < 0)
			return -1;
		done += got;
		meter_tick(m, done, 0, got < cap);
		if (got < cap)
			break;
	}
	return 0;
}

/* The digests of a finished engine as {"md5": hex, ...}. */
static json_t *digests_json(const struct cust_digest_engine *e, unsigned algs)
{
	json_t *o = json_object();
	unsigned bit;

	for (bit = 1; o && bit <= CUST_DIGEST_ALL; bit <<= 1)
		if (algs & bit)
			json_object_set_new(o, cust_digest_name(bit),
			                    json_string(cust_digest_engine_hex(e, bit)));
	return o;
}

/* Compare the block hashes of A and B: {"result", "blocks_compared",
 * "blocks_differing", "differing": [index...]}. */
static json_t *compare_blocks(const struct cust_digest_engine *a,
                              const struct cust_digest_engine *b)
{
	uint64_t n = cust_digest_engine_block_count(a), i, bad = 0;
	json_t *list = json_array();

	if (cust_digest_engine_block_count(b) != n ||
	    cust_digest_engine_length(a) != cust_digest_engine_length(b))
		bad = n ? n : 1; /* different lengths: nothing matches */
	else
		for (i = 0; i < n; i++)
			if (memcmp(cust_digest_engine_block(a, i),
			           cust_digest_engine_block(b, i), 32) != 0) {
				if (bad++ < MAX_LISTED_BLOCKS)
					json_array_append_new(list, json_integer((json_int_t)i));
			}
	return json_pack("{s:s, s:I, s:I, s:I, s:o}", "result",
	                 bad ? "mismatch" : "verified", "bytes",
	                 (json_int_t)cust_digest_engine_length(b),
	                 "blocks_compared", (json_int_t)n, "blocks_differing",
	                 (json_int_t)bad, "differing", list);
}

/* Read the written image back and check it against the acquisition. */
static json_t *verify_image(const char *dir, const struct cust_acquire_options *o,
                            const struct cust_digest_engine *acq,
                            unsigned algs, struct cust_error *err)
{
	struct cust_digest_config cfg = { 0 };
	struct cust_digest_engine *e = NULL;
	struct cust_image_reader *r;
	struct meter m;
	json_t *res = NULL;
	unsigned bit;

	if (o->verify == CUST_VERIFY_NONE)
		return json_pack("{s:s, s:s}", "scope", "none", "result", "not done");
	cfg.block_size = o->block_size;
	cfg.algs = o->verify == CUST_VERIFY_FULL ? algs : 0;
	r = cust_image_reader_open(dir, o->image.format, err);
	if (!r)
		return NULL;
	e = cust_digest_engine_new(&cfg, err);
	meter_start(&m, o, "verifying image", cust_image_reader_size(r));
	if (!e || pump_image(e, r, UINT64_MAX, &m, err) < 0 ||
	    cust_digest_engine_finish(e, err) < 0)
		goto out;
	res = compare_blocks(acq, e);
	for (bit = 1; res && cfg.algs && bit <= CUST_DIGEST_ALL; bit <<= 1)
		if ((cfg.algs & bit) &&
		    strcmp(cust_digest_engine_hex(acq, bit),
		           cust_digest_engine_hex(e, bit)) != 0)
			json_object_set_new(res, "result", json_string("mismatch"));
	if (res)
		json_object_set_new(res, "scope", json_string(cust_verify_scope_name(
			                                      o->verify)));
out:
	cust_digest_engine_free(e);
	cust_image_reader_free(r);
	return res;
}

/* Read the source a second time and compare block hashes. */
static json_t *verify_source(const struct cust_acquire_options *o,
                             const struct cust_digest_engine *acq,
                             struct cust_error *err)
{
	struct cust_digest_config cfg = { .block_size = o->block_size };
	struct cust_source_options so = o->source_opt;
	struct cust_digest_engine *e = NULL;
	struct cust_source *src;
	struct meter m;
	json_t *res = NULL;

	so.set_readonly = 0; /* done once already */
	src = cust_source_open(o->source, &so, err);
	if (!src)
		return NULL;
	e = cust_digest_engine_new(&cfg, err);
	meter_start(&m, o, "verifying source", cust_source_size(src));
	if (e && pump_source(e, src, NULL, &m, err) == 0 &&
	    cust_digest_engine_finish(e, err) == 0) {
		res = compare_blocks(acq, e);
		if (res)
			json_object_set_new(res, "scope", json_string("blocks"));
	}
	cust_digest_engine_free(e);
	cust_source_free(src);
	return res;
}

/* blocks.sha256, and the Merkle root over the blocks into ROOT. */
static int write_blocks(struct cust_unit *u, const struct cust_digest_engine *e,
                        uint64_t block_size, char root[65],
                        struct cust_error *err)
{
	uint64_t n = cust_digest_engine_block_count(e), len = 0, i;
	uint64_t total = cust_digest_engine_length(e);
	unsigned char (*leaves)[32] = NULL, md[32];
	char path[CUST_PATH_MAX], hex[65], line[160];
	int fd = -1, rc = -1;

	if (cust_path_format(path, sizeof path, err, "%s/%s", cust_unit_dir(u),
	                     CUST_ACQUIRE_BLOCKS) < 0 ||
	    (fd = cust_fs_create(path, 0444, err)) < 0)
		return -1;
	leaves = malloc((size_t)(n ? n : 1) * sizeof *leaves);
	if (!leaves) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint64_t off = i * block_size;
		int k;
		len = total - off < block_size ? total - off : block_size;
		cust_hex_encode(cust_digest_engine_block(e, i), 32, hex);
		k = snprintf(line, sizeof line, "%llu %llu %llu %s\n",
		             (unsigned long long)i, (unsigned long long)off,
		             (unsigned long long)len, hex);
		if (k < 0 || (size_t)k >= sizeof line ||
		    cust_fs_write_all(fd, line, (size_t)k, path, err) < 0 ||
		    cust_merkle_leaf(cust_digest_engine_block(e, i), 32, leaves[i],
		                     err) < 0)
			goto out;
	}
	if (cust_merkle_root((const unsigned char (*)[32])leaves, n, md, err) < 0)
		goto out;
	cust_hex_encode(md, sizeof md, root);
	rc = cust_fs_close_synced(fd, path, err);
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(leaves);
	return rc;
}

/* errors.map in GNU ddrescue's mapfile format: the whole domain as good
 * ('+') ranges and the unreadable ones between them. */
static int write_map(struct cust_unit *u, const struct cust_source *src,
                     uint64_t total, const char *started,
                     const struct cust_acquire_options *o,
                     struct cust_error *err)
{
	const struct cust_source_range *r;
	char path[CUST_PATH_MAX], now[CUST_TIME_LEN];
	size_t n, i;
	uint64_t pos = 0;
	FILE *f;
	int fd, ok, k;

	r = cust_source_ranges(src, &n);
	if (cust_time_now_string(now, err) < 0 ||
	    cust_path_format(path, sizeof path, err, "%s/%s", cust_unit_dir(u),
	                     CUST_ACQUIRE_ERRORS) < 0 ||
	    (fd = cust_fs_create(path, 0444, err)) < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, errno, "cannot write '%s'",
		                            path);
	}
	fprintf(f, "# Mapfile. Created by custody-image %s\n# Command line:",
	        cust_version());
	for (k = 0; k < o->argc; k++) {
		const char *a;
		/* one comment line: a newline in an argument must not end it */
		fputc(' ', f);
		for (a = o->argv[k]; *a; a++)
			fputc((unsigned char)*a < 0x20 ? '?' : *a, f);
	}
	fprintf(f, "\n# Start time:   %.10s %.8s\n# Current time: %.10s %.8s\n"
	           "# Finished\n# current_pos  current_status  current_pass\n"
	           "0x%08llX     +               1\n#      pos        size  status\n",
	        started, started + 11, now, now + 11, (unsigned long long)total);
	for (i = 0; i < n; i++) {
		if (r[i].offset > pos)
			fprintf(f, "0x%08llX  0x%08llX  +\n", (unsigned long long)pos,
			        (unsigned long long)(r[i].offset - pos));
		fprintf(f, "0x%08llX  0x%08llX  %c\n", (unsigned long long)r[i].offset,
		        (unsigned long long)r[i].length, r[i].status);
		pos = r[i].offset + r[i].length;
	}
	if (total > pos)
		fprintf(f, "0x%08llX  0x%08llX  +\n", (unsigned long long)pos,
		        (unsigned long long)(total - pos));
	ok = fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok)
		return cust_error_set_errno(err, CUST_E_IO, errno, "cannot write '%s'",
		                            path);
	return 0;
}

static json_t *ranges_json(const struct cust_source *src)
{
	const struct cust_source_range *r;
	json_t *a = json_array();
	size_t n, i;

	r = cust_source_ranges(src, &n);
	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:s%}", "offset",
		                                   (json_int_t)r[i].offset, "length",
		                                   (json_int_t)r[i].length, "status",
		                                   &r[i].status, (size_t)1));
	return a;
}

static json_t *tool_json(const char *tool)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "name", tool, "version",
	                 cust_version(), "libraries", "openssl",
	                 OpenSSL_version(OPENSSL_VERSION), "jansson",
	                 JANSSON_VERSION, "libewf", libewf_get_version());
}

static json_t *host_json(void)
{
	struct utsname u;
	char kernel[2 * sizeof u.release + 2];

	if (uname(&u) < 0 ||
	    snprintf(kernel, sizeof kernel, "%s %s", u.sysname, u.release) < 0)
		kernel[0] = '\0';
	return json_pack("{s:s, s:s}", "hostname", cust_log_hostname(), "kernel",
	                 kernel);
}

static json_t *argv_json(const struct cust_acquire_options *o)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < o->argc; i++) {
		json_t *s = json_string(o->argv[i]);
		/* an argument that is not UTF-8 is kept, escaped, not dropped */
		if (!s)
			s = json_string("(argument not valid UTF-8)");
		json_array_append_new(a, s);
	}
	return a;
}

/* Files of the image with their sizes and digests; notes them in the unit
 * so sealing does not read them again. */
static json_t *image_files(struct cust_unit *u, struct cust_image_writer *w,
                           const struct cust_digest_engine *e,
                           struct cust_error *err)
{
	json_t *files = cust_image_writer_files(w), *f;
	size_t i;

	if (!files) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	json_array_foreach(files, i, f) {
		const char *name = cust_json_string(f, "name");
		unsigned char out[2][CUST_DIGEST_MAX_SIZE];
		char path[CUST_PATH_MAX], md5[33], sha[65];
		uint64_t size;

		if (json_array_size(files) == 1 &&
		    json_integer_value(json_object_get(f, "size")) ==
		            (json_int_t)cust_digest_engine_length(e) &&
		    strcmp(name, "image.raw") == 0) {
			/* a single raw file is the stream: its digests are known */
			const unsigned char *m = cust_digest_engine_result(e, CUST_DIGEST_MD5);
			const unsigned char *s = cust_digest_engine_result(e, CUST_DIGEST_SHA256);
			if (cust_unit_note_file(u, name, cust_digest_engine_length(e), m, s,
			                        err) < 0)
				goto fail;
			if (m)
				json_object_set_new(f, "md5", json_string(
					cust_digest_engine_hex(e, CUST_DIGEST_MD5)));
			json_object_set_new(f, "sha256", json_string(cust_digest_engine_hex(
				                                 e, CUST_DIGEST_SHA256)));
			continue;
		}
		if (cust_path_format(path, sizeof path, err, "%s/%s", cust_unit_dir(u),
		                     name) < 0 ||
		    cust_digest_file(path, CUST_DIGEST_MD5 | CUST_DIGEST_SHA256, 1, out,
		                     &size, err) < 0 ||
		    cust_unit_note_file(u, name, size, out[0], out[1], err) < 0)
			goto fail;
		cust_hex_encode(out[0], 16, md5);
		cust_hex_encode(out[1], 32, sha);
		json_object_set_new(f, "md5", json_string(md5));
		json_object_set_new(f, "sha256", json_string(sha));
	}
	return files;
fail:
	json_decref(files);
	return NULL;
}

static void fill_image_fields(struct cust_case *c,
                              const struct cust_acquire_options *o,
                              const json_t *item, const struct cust_actor *actor,
                              struct cust_image_options *img)
{
	*img = o->image;
	img->case_number = cust_json_string(cust_case_record(c), "number");
	img->evidence_number = cust_json_string(item, "exhibit");
	if (!img->evidence_number)
		img->evidence_number = o->item;
	img->examiner = actor->name;
	img->description = cust_json_string(item, "description");
	img->notes = o->note;
}

/* One acquisition under way: what the phases below share. */
struct run {
	struct cust_acquire_options o;   /* with defaults filled in */
	struct cust_case *c;
	const struct cust_actor *actor;
	struct cust_source *src;
	struct cust_unit *u;
	struct cust_image_writer *w;
	struct cust_image_options img;
	struct resume_state st;
	int saving;                      /* st holds open state files */
	unsigned algs;
	uint64_t resumed_at;             /* bytes taken from the image; 0 = fresh */
	json_t *item, *identity;
	char started[CUST_TIME_LEN];
};

/* The plan a resume must match: the source's identity and how it was
 * being imaged. */
static json_t *make_plan(const struct run *r)
{
	json_t *names = json_array(), *src;
	unsigned bit;
	static const char *const keys[] = { "kind", "size", "serial", "model",
		                            "logical_sector_size", NULL };
	const char *const *k;

	for (bit = 1; names && bit <= CUST_DIGEST_ALL; bit <<= 1)
		if (r->algs & bit)
			json_array_append_new(names, json_string(cust_digest_name(bit)));
	src = json_object();
	for (k = keys; src && *k; k++)
		if (json_object_get(r->identity, *k))
			json_object_set(src, *k, json_object_get(r->identity, *k));
	return json_pack("{s:i, s:o, s:s, s:I, s:I, s:o, s:s, s:s*}",
	                 "format_version", 1, "source", src, "format",
	                 cust_image_format_name(r->img.format), "segment_size",
	                 (json_int_t)r->img.segment_size, "block_size",
	                 (json_int_t)r->o.block_size, "hashes", names, "started",
	                 r->started, "note", r->o.note);
}

/* The newest unfinished acquisition of the item that can be resumed. */
static struct cust_unit *find_resumable(const struct run *r,
                                        struct cust_error *err)
{
	char dir[CUST_PATH_MAX], name[CUST_ID_MAX + 1], path[CUST_PATH_MAX];
	struct cust_unit *u = NULL;
	json_t *units = json_array(), *e;
	size_t i, stem = strlen(r->o.item) + 2; /* "E001-A" */

	if (!units || cust_path_format(dir, sizeof dir, err, "%s",
	                               cust_case_dir(r->c)) < 0 ||
	    cust_unit_list(dir, units, err) < 0)
		goto out;
	name[0] = '\0';
	json_array_foreach(units, i, e) {
		const char *n = cust_json_string(e, "name");
		if (strcmp(cust_json_string(e, "kind"), "acquisitions") ||
		    strcmp(cust_json_string(e, "state"), "partial") ||
		    strncmp(n, r->o.item, stem - 2) || strncmp(n + stem - 2, "-A", 2) ||
		    cust_path_format(path, sizeof path, NULL, "%s/acquisitions/%s.partial/%s",
		                     dir, n, RESUME_PLAN) < 0 ||
		    access(path, F_OK) < 0)
			continue;
		/* units are listed by name; the highest number is the newest */
		if (!name[0] || strlen(n) > strlen(name) ||
		    (strlen(n) == strlen(name) && strcmp(n, name) > 0))
			(void)cust_path_format(name, sizeof name, NULL, "%s", n);
	}
	if (!name[0])
		cust_error_set(err, CUST_E_USAGE,
		               "no interrupted acquisition of item '%s' to resume",
		               r->o.item);
	else
		u = cust_unit_resume(dir, "acquisitions", name, err);
out:
	json_decref(units);
	return u;
}

/* Does the source now open match the plan of the interrupted run? */
static int check_plan(struct run *r, const json_t *plan, struct cust_error *err)
{
	const json_t *want = json_object_get(plan, "source"), *hashes;
	const char *key, *fmt = cust_json_string(plan, "format");
	json_t *value;
	size_t i;

	json_object_foreach((json_t *)want, key, value)
		if (!json_equal(value, json_object_get(r->identity, key)))
			return cust_error_set(err, CUST_E_USAGE,
			                      "the source is not the one being imaged "
			                      "when the acquisition stopped (its %s "
			                      "differs)", key);
	if (!fmt || cust_image_format_parse(fmt, &r->img.format) < 0 ||
	    r->img.format == CUST_IMAGE_EWF)
		return cust_error_set(err, CUST_E_INPUT,
		                      "the interrupted acquisition cannot be resumed "
		                      "(format '%s')", fmt ? fmt : "?");
	r->img.segment_size =
		(uint64_t)json_integer_value(json_object_get(plan, "segment_size"));
	r->o.block_size =
		(uint64_t)json_integer_value(json_object_get(plan, "block_size"));
	hashes = json_object_get(plan, "hashes");
	r->algs = CUST_DIGEST_SHA256;
	json_array_foreach(hashes, i, value) {
		unsigned alg;
		if (json_is_string(value) &&
		    cust_digest_parse_list(json_string_value(value), &alg, NULL) == 0)
			r->algs |= alg;
	}
	if (r->o.block_size < 512 ||
	    cust_path_format(r->started, sizeof r->started, err, "%s",
	                     cust_json_string(plan, "started") ?
	                     cust_json_string(plan, "started") : "") < 0)
		return cust_error_set(err, CUST_E_INPUT, "'%s' is damaged",
		                      RESUME_PLAN);
	return 0;
}

/*
 * How much of the image already written can be trusted: as many whole
 * blocks as the image holds and whose hashes match those saved when they
 * were read.  Everything after the first block that differs is read again.
 */
static int trusted_length(struct run *r, uint64_t *length,
                          struct cust_error *err)
{
	const char *dir = cust_unit_dir(r->u);
	struct cust_digest_config cfg = { .block_size = r->o.block_size };
	unsigned char (*saved)[32] = NULL;
	struct cust_digest_engine *e = NULL;
	struct cust_image_reader *rd = NULL;
	struct cust_acquire_options quiet = { 0 };
	uint64_t n, len, i, size = cust_source_size(r->src);
	struct meter m;
	int rc = -1;

	*length = 0;
	if (resume_state_blocks(dir, size / r->o.block_size + 1, &saved, &n, err) < 0)
		return -1;
	rd = cust_image_reader_open(dir, r->img.format, err);
	if (!rd)
		goto out;
	len = cust_image_reader_size(rd);
	if (len > n * r->o.block_size)
		len = n * r->o.block_size;
	if (len > size)
		len = size;
	len -= len % r->o.block_size;
	e = cust_digest_engine_new(&cfg, err);
	meter_start(&m, &quiet, "checking", len);
	if (!e || pump_image(e, rd, len, &m, err) < 0 ||
	    cust_digest_engine_finish(e, err) < 0)
		goto out;
	for (i = 0; i < cust_digest_engine_block_count(e) &&
	            memcmp(cust_digest_engine_block(e, i), saved[i], 32) == 0;
	     i++)
		;
	*length = i * r->o.block_size;
	rc = 0;
out:
	cust_digest_engine_free(e);
	cust_image_reader_free(rd);
	free(saved);
	return rc;
}

/* Take up the interrupted acquisition: its unit, its plan, what of its
 * image can be kept, its unreadable ranges so far. */
static int begin_resumed(struct run *r, struct cust_error *err)
{
	struct cust_source_range *ranges = NULL;
	json_t *plan = NULL;
	size_t n;
	int rc = -1;

	if (cust_source_kind(r->src) == CUST_SOURCE_STREAM)
		return cust_error_set(err, CUST_E_USAGE,
		                      "a stream cannot be resumed: image it anew");
	r->u = find_resumable(r, err);
	if (!r->u)
		return -1;
	plan = resume_state_plan(cust_unit_dir(r->u), err);
	if (!plan || check_plan(r, plan, err) < 0 ||
	    trusted_length(r, &r->resumed_at, err) < 0 ||
	    resume_state_errors(cust_unit_dir(r->u), r->resumed_at, &ranges, &n,
	                        err) < 0 ||
	    cust_source_restore_ranges(r->src, ranges, n, err) < 0)
		goto out;
	r->w = cust_image_writer_resume(cust_unit_dir(r->u), &r->img, r->resumed_at,
	                                err);
	if (!r->w || resume_state_begin(&r->st, cust_unit_dir(r->u), plan, err) < 0)
		goto out;
	r->saving = 1;
	rc = 0;
out:
	free(ranges);
	json_decref(plan);
	return rc;
}

static int begin_fresh(struct run *r, struct cust_error *err)
{
	char stem[CUST_ID_MAX + 1];
	json_t *plan;
	int rc;

	if (cust_path_format(stem, sizeof stem, err, "%s-A", r->o.item) < 0 ||
	    cust_time_now_string(r->started, err) < 0)
		return -1;
	r->u = cust_unit_begin(cust_case_dir(r->c), "acquisitions", stem, err);
	if (!r->u)
		return -1;
	r->w = cust_image_writer_open(cust_unit_dir(r->u), &r->img, err);
	if (!r->w)
		return -1;
	/* a stream cannot be read again and an EWF file cannot be extended:
	 * neither can be resumed, so they keep no state */
	if (cust_source_kind(r->src) == CUST_SOURCE_STREAM ||
	    r->img.format == CUST_IMAGE_EWF)
		return 0;
	plan = make_plan(r);
	if (!plan)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	rc = resume_state_begin(&r->st, cust_unit_dir(r->u), plan, err);
	json_decref(plan);
	r->saving = rc == 0;
	return rc;
}

/* A sink passing on only what lies beyond the image already written. */
struct resumed_sink {
	struct cust_image_writer *w;
	uint64_t below;
};

static int write_beyond(void *ctx, const unsigned char *data, size_t len,
                        uint64_t offset, struct cust_error *err)
{
	struct resumed_sink *s = ctx;

	if (offset + len <= s->below)
		return 0;
	if (offset < s->below) {
		data += s->below - offset;
		len -= (size_t)(s->below - offset);
		offset = s->below;
	}
	return cust_image_writer_write(s->w, data, len, offset, err);
}

/* Open the source and check it may be imaged into this case. */
static int open_source(struct run *r, struct cust_error *err)
{
	r->src = cust_source_open(r->o.source, &r->o.source_opt, err);
	if (!r->src)
		return -1;
	if (r->o.verify_source && cust_source_kind(r->src) == CUST_SOURCE_STREAM)
		return cust_error_set(err, CUST_E_USAGE,
		                      "a stream cannot be read twice: --verify-source "
		                      "needs a device or a file");
	if (cust_source_kind(r->src) == CUST_SOURCE_BLOCK) {
		int same = 0;
		if (cust_device_output_on_source(cust_case_dir(r->c),
		                                 cust_source_device(r->src), &same,
		                                 err) < 0)
			return -1;
		if (same)
			return cust_error_set(err, CUST_E_USAGE,
			                      "the case folder '%s' lives on the source "
			                      "'%s': imaging would write onto the evidence",
			                      cust_case_dir(r->c), r->o.source);
	}
	r->identity = cust_source_identity(r->src, err);
	if (!r->identity)
		return -1;
	if (r->o.source_opt.set_readonly)
		json_object_set_new(r->identity, "write_block",
		                    json_string("set read-only by custody (BLKROSET)"));
	return 0;
}

/* Read: the trusted part of an interrupted image, then the source. */
static int read_all(struct run *r, struct cust_digest_engine *e,
                    struct cust_error *err)
{
	struct meter m;

	meter_start(&m, &r->o, "reading", cust_source_size(r->src));
	if (r->resumed_at) {
		struct cust_image_reader *rd =
			cust_image_reader_open(cust_unit_dir(r->u), r->img.format, err);
		int rc = rd ? pump_image(e, rd, r->resumed_at, &m, err) : -1;
		cust_image_reader_free(rd);
		if (rc < 0 || cust_source_seek(r->src, r->resumed_at, err) < 0)
			return -1;
	}
	return pump_source(e, r->src, r->saving ? &r->st : NULL, &m, err);
}

int cust_acquire(struct cust_case *c, const struct cust_acquire_options *given,
                 const struct cust_actor *actor, json_t **record,
                 struct cust_error *err)
{
	struct run r;
	struct cust_digest_config cfg = { 0 };
	struct cust_digest_engine *e = NULL;
	struct resumed_sink skip;
	struct cust_event ev = { 0 };
	struct cust_image_hashes hashes;
	json_t *rec = NULL, *event = NULL, *files = NULL, *vimage = NULL;
	json_t *vsource = NULL;
	char ended[CUST_TIME_LEN], root[65];
	uint64_t t0, ms, total;
	int rc = -1;

	if (record)
		*record = NULL;
	memset(&r, 0, sizeof r);
	r.st.blocks_fd = r.st.errors_fd = -1;
	r.o = *given;
	r.c = c;
	r.actor = actor;
	if (!r.o.block_size)
		r.o.block_size = CUST_ACQUIRE_DEFAULT_BLOCK;
	r.algs = given->algs | CUST_DIGEST_SHA256;
	ev.action = "acquired";
	ev.tool = r.o.tool;
	ev.item = r.o.item;
	ev.note = r.o.note;
	if (cust_log_check_event(&ev, err) < 0)
		return -1;
	r.item = cust_case_load_item(c, r.o.item, err);
	if (!r.item || open_source(&r, err) < 0)
		goto out;
	fill_image_fields(c, &r.o, r.item, actor, &r.img);
	total = cust_source_size(r.src);
	if (total != CUST_SOURCE_SIZE_UNKNOWN)
		r.img.media_size = total;
	r.img.sector_size = cust_source_sector_size(r.src);
	if (r.img.format == CUST_IMAGE_EWF && total != CUST_SOURCE_SIZE_UNKNOWN &&
	    total % r.img.sector_size) {
		cust_error_set(err, CUST_E_USAGE,
		               "'%s' is %llu bytes, not a whole number of %u-byte "
		               "sectors, which EWF cannot hold: use raw or split",
		               r.o.source, (unsigned long long)total,
		               r.img.sector_size);
		goto out;
	}
	if ((r.o.resume ? begin_resumed(&r, err) : begin_fresh(&r, err)) < 0)
		goto out;

	cfg.algs = r.algs;
	cfg.block_size = r.o.block_size;
	if (r.saving) {
		cfg.on_block = resume_state_block;
		cfg.on_block_ctx = &r.st;
	}
	skip.w = r.w;
	skip.below = r.resumed_at;
	e = cust_digest_engine_new(&cfg, err);
	if (!e || cust_digest_engine_add_sink(e, write_beyond, &skip, err) < 0)
		goto out;
	t0 = now_ns();
	if (read_all(&r, e, err) < 0 || cust_digest_engine_finish(e, err) < 0) {
		/* let what was read before the failure reach the image and the
		 * saved block hashes: a resume then starts after it */
		(void)cust_digest_engine_finish(e, NULL);
		cust_error_prefix(err, "acquisition stopped at byte %llu; the "
		                       "unfinished unit is '%s'%s",
		                  (unsigned long long)cust_source_position(r.src),
		                  cust_unit_dir(r.u),
		                  r.saving ? " (custody-image --resume goes on)" : "");
		goto out;
	}
	ms = (now_ns() - t0) / 1000000u;
	hashes.md5 = cust_digest_engine_hex(e, CUST_DIGEST_MD5);
	hashes.sha1 = cust_digest_engine_hex(e, CUST_DIGEST_SHA1);
	if (cust_image_writer_close(r.w, &hashes, err) < 0 ||
	    (r.saving && resume_state_end(&r.st, cust_unit_dir(r.u), err) < 0) ||
	    cust_time_now_string(ended, err) < 0 ||
	    write_blocks(r.u, e, r.o.block_size, root, err) < 0 ||
	    write_map(r.u, r.src, cust_digest_engine_length(e), r.started, &r.o,
	              err) < 0 ||
	    !(files = image_files(r.u, r.w, e, err)))
		goto out;
	r.saving = 0;
	vimage = verify_image(cust_unit_dir(r.u), &r.o, e, r.algs, err);
	if (!vimage)
		goto out;
	if (r.o.verify_source && !(vsource = verify_source(&r.o, e, err)))
		goto out;
	rec = json_pack(
		"{s:i, s:s, s:{s:O, s:O}, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:O,"
		" s:{s:s, s:o}, s:o, s:{s:I, s:I, s:s, s:s},"
		" s:{s:I, s:I, s:o, s:s}, s:{s:o, s:o*},"
		" s:{s:I, s:I}, s:{s:I, s:I}}",
		"format_version", 1, "unit", cust_unit_relpath(r.u),
		"case", "id", json_object_get(cust_case_record(c), "id"), "number",
		json_object_get(cust_case_record(c), "number"),
		"item", r.o.item, "examiner", actor->name,
		"tool", tool_json(r.o.tool), "command_line", argv_json(&r.o),
		"host", host_json(), "started", r.started, "ended", ended,
		"source", r.identity,
		"output", "format", cust_image_format_name(r.img.format), "files",
		files, "hashes", digests_json(e, r.algs),
		"blocks", "size", (json_int_t)r.o.block_size, "count",
		(json_int_t)cust_digest_engine_block_count(e), "merkle_root", root,
		"file", CUST_ACQUIRE_BLOCKS,
		"errors", "sector_size", (json_int_t)cust_source_sector_size(r.src),
		"filled_sectors", (json_int_t)cust_source_filled_sectors(r.src),
		"ranges", ranges_json(r.src), "map", CUST_ACQUIRE_ERRORS,
		"verification", "image", vimage, "source", vsource,
		"bytes", "read",
		(json_int_t)(cust_source_position(r.src) - r.resumed_at), "written",
		(json_int_t)cust_digest_engine_length(e),
		"throughput", "milliseconds", (json_int_t)ms, "bytes_per_second",
		(json_int_t)(ms ? cust_digest_engine_length(e) * 1000 / ms : 0));
	files = vimage = vsource = NULL; /* stolen by json_pack */
	if (!rec) {
		cust_error_set(err, CUST_E_IO, "cannot build the acquisition record");
		goto out;
	}
	if (r.img.format != CUST_IMAGE_RAW)
		json_object_set_new(json_object_get(rec, "output"), "segment_size",
		                    json_integer((json_int_t)r.img.segment_size));
	if (r.img.format == CUST_IMAGE_EWF)
		json_object_set_new(json_object_get(rec, "output"), "compression",
		                    json_string(cust_image_compression_name(
			                    r.img.compression)));
	if (r.o.note)
		json_object_set_new(rec, "note", json_string(r.o.note));
	if (r.o.resume)
		json_object_set_new(rec, "resumed",
		                    json_pack("{s:I, s:s}", "at_byte",
		                              (json_int_t)r.resumed_at, "time", ended));
	if (cust_unit_write_json(r.u, CUST_ACQUIRE_RECORD, rec, err) < 0)
		goto out;
	ev.details = json_pack("{s:s, s:I, s:I, s:s}", "sha256",
	                       cust_digest_engine_hex(e, CUST_DIGEST_SHA256), "bytes",
	                       (json_int_t)cust_digest_engine_length(e),
	                       "filled_sectors",
	                       (json_int_t)cust_source_filled_sectors(r.src),
	                       "format", cust_image_format_name(r.img.format));
	rc = cust_unit_seal(r.u, actor, &ev, &event, err);
	json_decref(ev.details);
	if (rc == 0 && record) {
		json_object_set_new(rec, "event", event);
		event = NULL;
		*record = json_incref(rec);
	}
out:
	if (r.saving)
		resume_state_close(&r.st);
	json_decref(event);
	json_decref(rec);
	json_decref(files);
	json_decref(vimage);
	json_decref(vsource);
	json_decref(r.identity);
	json_decref(r.item);
	cust_digest_engine_free(e);
	cust_image_writer_free(r.w);
	cust_source_free(r.src);
	cust_unit_free(r.u);
	return rc;
}

/* Every finding of this check (json.h). */
#define finding(findings, subject, status, ...) \
	cust_json_finding(findings, "image", subject, status, __VA_ARGS__)

/* Parse blocks.sha256 of DIR into a new array of N hashes (N from the
 * record bounds the file: a longer or malformed file is a finding). */
static unsigned char (*read_block_file(const char *dir, uint64_t n,
                                       uint64_t block_size,
                                       struct cust_error *err))[32]
{
	unsigned char (*hashes)[32] = NULL;
	char path[CUST_PATH_MAX], *buf = NULL, *line, *save = NULL;
	size_t len;
	uint64_t i = 0;

	if (n > ((uint64_t)1 << 28)) {
		cust_error_set(err, CUST_E_INPUT, "record claims %llu blocks",
		               (unsigned long long)n);
		return NULL;
	}
	if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                     CUST_ACQUIRE_BLOCKS) < 0 ||
	    cust_fs_read_file(path, (size_t)(n + 1) * 160, &buf, &len, err) < 0)
		return NULL;
	hashes = malloc((size_t)(n ? n : 1) * 32);
	if (!hashes) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto fail;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		unsigned long long idx, off, blen;
		char hex[65];
		if (i >= n || sscanf(line, "%llu %llu %llu %64s", &idx, &off, &blen,
		                     hex) != 4 ||
		    idx != i || off != i * block_size || strlen(hex) != 64 ||
		    cust_hex_decode(hex, hashes[i], 32) < 0) {
			cust_error_set(err, CUST_E_INPUT, "'%s' line %llu is malformed",
			               CUST_ACQUIRE_BLOCKS, (unsigned long long)i + 1);
			goto fail;
		}
	}
	if (i != n) {
		cust_error_set(err, CUST_E_INPUT, "'%s' lists %llu blocks, the record "
		               "%llu", CUST_ACQUIRE_BLOCKS, (unsigned long long)i,
		               (unsigned long long)n);
		goto fail;
	}
	free(buf);
	return hashes;
fail:
	free(hashes);
	free(buf);
	return NULL;
}

int cust_acquire_check(const char *dir, const char *subject, json_t *findings,
                       int *failed, struct cust_manifest *known,
                       struct cust_error *err)
{
	struct cust_digest_config cfg = { 0 };
	struct cust_digest_engine *e = NULL;
	struct cust_image_reader *r = NULL;
	enum cust_image_format format;
	unsigned char (*want)[32] = NULL, (*leaves)[32] = NULL, root[32];
	char path[CUST_PATH_MAX], hex[65];
	const json_t *hashes, *blocks;
	json_t *rec = NULL, *value;
	const char *key, *want_root, *fmt;
	uint64_t n, i, bad = 0;
	int rc = 0;
	struct cust_error perr;
	struct meter m;
	struct cust_acquire_options none = { 0 };

	*failed = 0;
	cust_error_clear(&perr);
	if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                     CUST_ACQUIRE_RECORD) < 0)
		return -1;
	rec = cust_json_load_file(path, &perr);
	hashes = json_object_get(rec, "hashes");
	blocks = json_object_get(rec, "blocks");
	fmt = cust_json_string(json_object_get(rec, "output"), "format");
	if (!rec || !json_is_object(hashes) || !json_is_object(blocks) || !fmt ||
	    cust_image_format_parse(fmt, &format) < 0) {
		finding(findings, subject, "failed", "acquisition record unusable: %s",
		        perr.message[0] ? perr.message : "missing fields");
		*failed = 1;
		goto out;
	}
	json_object_foreach((json_t *)hashes, key, value) {
		unsigned alg;
		if (cust_digest_parse_list(key, &alg, NULL) == 0)
			cfg.algs |= alg;
	}
	cfg.block_size = (uint64_t)json_integer_value(json_object_get(blocks, "size"));
	n = (uint64_t)json_integer_value(json_object_get(blocks, "count"));
	want_root = cust_json_string(blocks, "merkle_root");
	if (cfg.block_size < 512 || !want_root ||
	    !(want = read_block_file(dir, n, cfg.block_size, &perr))) {
		finding(findings, subject, "failed", "block hashes unusable: %s",
		        perr.message[0] ? perr.message : "bad block size in record");
		*failed = 1;
		goto out;
	}
	/* the Merkle root in the record commits to blocks.sha256 */
	leaves = malloc((size_t)(n ? n : 1) * 32);
	for (i = 0; leaves && i < n; i++)
		cust_merkle_leaf(want[i], 32, leaves[i], NULL);
	if (!leaves || cust_merkle_root((const unsigned char (*)[32])leaves, n, root,
	                                &perr) < 0) {
		rc = cust_error_set(err, CUST_E_IO, "cannot compute the Merkle root");
		goto out;
	}
	cust_hex_encode(root, 32, hex);
	if (strcmp(hex, want_root) != 0) {
		finding(findings, subject, "failed",
		        "Merkle root of blocks.sha256 differs from the record");
		*failed = 1;
	}
	r = cust_image_reader_open(dir, format, &perr);
	if (!r) {
		finding(findings, subject, "failed", "%s", perr.message);
		*failed = 1;
		goto out;
	}
	e = cust_digest_engine_new(&cfg, &perr);
	meter_start(&m, &none, "checking", cust_image_reader_size(r));
	if (!e || pump_image(e, r, UINT64_MAX, &m, &perr) < 0 ||
	    cust_digest_engine_finish(e, &perr) < 0) {
		finding(findings, subject, "failed", "%s", perr.message);
		*failed = 1;
		goto out;
	}
	json_object_foreach((json_t *)hashes, key, value) {
		unsigned alg;
		if (cust_digest_parse_list(key, &alg, NULL) < 0 ||
		    strcmp(cust_digest_engine_hex(e, alg),
		           json_string_value(value) ? json_string_value(value) : "")) {
			finding(findings, subject, "failed",
			        "%s of the image differs from the record", key);
			*failed = 1;
		}
	}
	if (cust_digest_engine_block_count(e) != n) {
		finding(findings, subject, "failed",
		        "image holds %llu blocks, the record %llu",
		        (unsigned long long)cust_digest_engine_block_count(e),
		        (unsigned long long)n);
		*failed = 1;
	} else {
		for (i = 0; i < n; i++) {
			if (memcmp(cust_digest_engine_block(e, i), want[i], 32) == 0)
				continue;
			if (bad++ < MAX_LISTED_BLOCKS)
				finding(findings, subject, "failed",
				        "block %llu (bytes %llu-%llu) is damaged",
				        (unsigned long long)i,
				        (unsigned long long)(i * cfg.block_size),
				        (unsigned long long)((i + 1) * cfg.block_size - 1));
			*failed = 1;
		}
	}
	if (!*failed)
		finding(findings, subject, "ok",
		        "image re-read: every digest and all %llu block hashes match",
		        (unsigned long long)n);
	/* a raw image is the stream: its file digests were just computed */
	if (known && format == CUST_IMAGE_RAW &&
	    cust_manifest_add(known, "image.raw", cust_digest_engine_length(e),
	                      cust_digest_engine_result(e, CUST_DIGEST_MD5),
	                      cust_digest_engine_result(e, CUST_DIGEST_SHA256),
	                      err) < 0)
		rc = -1;
out:
	json_decref(rec);
	free(want);
	free(leaves);
	cust_digest_engine_free(e);
	cust_image_reader_free(r);
	return rc;
}
