/* extract.c - the inventory and target lists of a disk image as a sealed
 * unit; see include/custody/extract.h. */
#include "custody/extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custody/archive.h"
#include "custody/carve.h"
#include "custody/classify.h"
#include "custody/dfxml.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/targets.h"
#include "custody/time.h"
#include "custody/unit.h"
#include "custody/version.h"
#include "custody/walk.h"

#define READ_CHUNK CUST_CLASSIFY_BYTES
/* Distinct targets kept, and the bytes of their values and places: far
 * beyond any real controller, and bounded against a disk of junk. */
#define TARGETS_MAX_VALUES ((size_t)1 << 22)
#define TARGETS_MAX_BYTES ((size_t)512 << 20)
#define RECORD_MAX ((size_t)16 << 20)

/* The image files of the source and what the record says of them. */
struct source {
	char **paths;
	size_t n;
	json_t *record;
	char item[CUST_PATH_MAX];
};

struct run {
	FILE *inventory;
	struct cust_classifier *classifier;
	struct cust_carver *carver;
	struct cust_targets *targets;
	unsigned char *buf;  /* READ_CHUNK bytes of content */
	unsigned char *head; /* the first READ_CHUNK bytes of the file */
	int member_failed;   /* a member's digests or line failed (in ERR) */
	const char *where; /* "p1:/var/www/config.php" of the file carved */
	uint64_t entries, files, deleted, bytes, unreadable;
	struct cust_error err;
};

static void source_free(struct source *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
	json_decref(s->record);
}

/* The acquisition NAME of the case: its first image file (the walk finds
 * the other segments), the item it images, the hash of its seal. */
static int acquisition_source(const struct cust_case *c, const char *name,
                              struct source *s, struct cust_error *err)
{
	static const char *const firsts[] = { "image.raw", "image.000",
		                              "image.E01", NULL };
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], sums[65];
	unsigned char d[1][CUST_DIGEST_MAX_SIZE];
	const char *const *f;
	json_t *rec;
	char *text = NULL;
	size_t len = 0;
	uint64_t size;

	if (cust_id_check(name, "acquisition", err) < 0 ||
	    cust_path_format(dir, sizeof dir, err, "%s/acquisitions/%s",
	                     cust_case_dir(c), name) < 0 ||
	    cust_path_format(path, sizeof path, err, "%s/acquisition.json",
	                     dir) < 0)
		return -1;
	if (cust_fs_read_file(path, RECORD_MAX, &text, &len, err) < 0)
		return cust_error_prefix(err, "no sealed acquisition '%s'", name);
	rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	if (!rec || !cust_json_string(rec, "item")) {
		json_decref(rec);
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is not an acquisition record", path);
	}
	snprintf(s->item, sizeof s->item, "%s", cust_json_string(rec, "item"));
	json_decref(rec);
	for (f = firsts; *f; f++) {
		if (cust_path_format(path, sizeof path, err, "%s/%s", dir, *f) < 0)
			return -1;
		if (access(path, F_OK) == 0)
			break;
	}
	if (!*f)
		return cust_error_set(err, CUST_E_INPUT,
		                      "acquisition '%s' holds no image file", name);
	if (cust_walk_segments(path, &s->paths, &s->n, err) < 0 ||
	    cust_path_format(path, sizeof path, err, "%s/SHA256SUMS", dir) < 0 ||
	    cust_digest_file(path, CUST_DIGEST_SHA256, 1, d, &size, err) < 0)
		return -1;
	cust_hex_encode(d[0], 32, sums);
	s->record = json_pack("{s:s, s:s}", "acquisition", name,
	                      "manifest_sha256", sums);
	return s->record ? 0 : cust_error_set(err, CUST_E_IO, "out of memory");
}

/* Image files given by path: an external source, each file hashed. */
static int external_source(const struct cust_extract_options *o,
                           struct source *s, struct cust_error *err)
{
	unsigned char d[1][CUST_DIGEST_MAX_SIZE];
	char hex[65];
	json_t *files;
	uint64_t size;
	size_t i;

	if (!o->item)
		return cust_error_set(err, CUST_E_USAGE,
		                      "an image given by path needs --item");
	if (cust_id_check(o->item, "item", err) < 0)
		return -1;
	snprintf(s->item, sizeof s->item, "%s", o->item);
	if (o->nsources == 1) {
		if (cust_walk_segments(o->sources[0], &s->paths, &s->n, err) < 0)
			return -1;
	} else {
		s->paths = calloc(o->nsources, sizeof *s->paths);
		if (!s->paths)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		for (i = 0; i < o->nsources; i++, s->n++)
			if (!(s->paths[i] = strdup(o->sources[i])))
				return cust_error_set(err, CUST_E_IO,
				                      "out of memory");
	}
	files = json_array();
	s->record = json_pack("{s:o}", "files", files);
	if (!s->record)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	for (i = 0; i < s->n; i++) {
		if (cust_digest_file(s->paths[i], CUST_DIGEST_SHA256, 0, d, &size,
		                     err) < 0)
			return -1;
		cust_hex_encode(d[0], 32, hex);
		json_array_append_new(files,
		                      json_pack("{s:s, s:I, s:s}", "path",
		                                s->paths[i], "size",
		                                (json_int_t)size, "sha256", hex));
	}
	return 0;
}

/* "2011-03-16T14:05:00Z", or with nanoseconds; NULL when not a time. */
static json_t *time_json(const struct cust_walk_time *t)
{
	char text[64];
	struct tm tm;
	time_t sec = (time_t)t->sec;

	if (!t->present || (int64_t)sec != t->sec || !gmtime_r(&sec, &tm) ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return NULL;
	if (!strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm))
		return NULL;
	if (t->nsec)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         ".%09uZ", (unsigned)(t->nsec % 1000000000u));
	else
		snprintf(text + strlen(text), sizeof text - strlen(text), "Z");
	return json_string(text);
}

static json_t *entry_json(const struct cust_walk_entry *e)
{
	static const char *const time_names[] = { "mtime", "atime", "ctime",
		                                  "crtime" };
	const struct cust_walk_time *times[] = { &e->mtime, &e->atime,
		                                 &e->ctime, &e->crtime };
	json_t *o, *runs;
	char mode[16];
	size_t i;

	snprintf(mode, sizeof mode, "%04o", (unsigned)(e->mode & 07777));
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:s, s:I, s:s, "
	              "s:I, s:I, s:s}",
	              "partition", e->partition, "fs_type", e->fs_type, "path",
	              e->path, "name", e->name, "meta_addr",
	              (json_int_t)e->meta_addr, "name_allocated",
	              e->name_allocated, "meta_allocated", e->meta_allocated,
	              "type", cust_walk_type_name(e->type), "size",
	              (json_int_t)(e->size > INT64_MAX ? INT64_MAX : e->size),
	              "mode", mode, "uid", (json_int_t)e->uid, "gid",
	              (json_int_t)e->gid, "content",
	              cust_walk_content_name(e->content));
	if (!o)
		return NULL;
	if (e->orphan)
		json_object_set_new(o, "orphan", json_true());
	if (e->path_truncated)
		json_object_set_new(o, "path_truncated", json_true());
	if (e->link_target)
		json_object_set_new(o, "link_target", json_string(e->link_target));
	for (i = 0; i < 4; i++) {
		json_t *t = time_json(times[i]);
		if (t)
			json_object_set_new(o, time_names[i], t);
	}
	if (e->nruns) {
		runs = json_array();
		for (i = 0; runs && i < e->nruns; i++)
			json_array_append_new(
				runs,
				e->runs[i].sparse
					? json_pack("{s:I, s:b}", "length",
					            (json_int_t)e->runs[i].length,
					            "sparse", 1)
					: json_pack("{s:I, s:I}", "offset",
					            (json_int_t)e->runs[i].offset,
					            "length",
					            (json_int_t)e->runs[i].length));
		json_object_set_new(o, "runs", runs);
		if (e->runs_truncated)
			json_object_set_new(o, "runs_truncated", json_true());
	}
	return o;
}

static int on_hit(void *ctx, const struct cust_carve_hit *h,
                  struct cust_error *err)
{
	struct run *r = ctx;

	return cust_targets_add(r->targets, h->kind, h->value, h->value_len,
	                        r->where, h->offset, err);
}

/* The type of the content read, SIZE bytes: its head kept while reading,
 * its tail read again (file(1) looks at both ends). */
static int classify(struct run *r, struct cust_walk_file *f, size_t head_len,
                    uint64_t size, json_t *o)
{
	char mime[CUST_CLASSIFY_TEXT_MAX], desc[CUST_CLASSIFY_TEXT_MAX];
	uint64_t rest = size - head_len;
	size_t tail_len = rest < READ_CHUNK ? (size_t)rest : READ_CHUNK, got = 0;
	struct cust_error rerr;

	if (tail_len &&
	    (cust_walk_read(f, size - tail_len, r->buf, tail_len, &got,
	                    &rerr) < 0 || got != tail_len))
		tail_len = 0; /* read once, not twice: judge by the head */
	if (cust_classify_file(r->classifier, r->head, head_len, r->buf,
	                       tail_len, head_len + (tail_len ? rest : 0), mime,
	                       desc, &r->err) < 0)
		return -1;
	json_object_set_new(o, "mime", json_string(mime));
	json_object_set_new(o, "description", json_string(desc));
	return 0;
}

/* Read the content once: the type, MD5, SHA-256 and the carver. */
static int read_content(struct run *r, const struct cust_walk_entry *e,
                        struct cust_walk_file *f, json_t *o)
{
	EVP_MD_CTX *md5 = EVP_MD_CTX_new(), *sha = EVP_MD_CTX_new();
	unsigned char d5[16], d256[32];
	char hex[65], where[CUST_WALK_PATH_MAX + 16];
	struct cust_error rerr;
	uint64_t off = 0;
	size_t got, head_len = 0;
	int rc = -1;

	snprintf(where, sizeof where, "%s:%s", e->partition, e->path);
	r->where = where;
	if (!md5 || !sha || !EVP_DigestInit_ex(md5, EVP_md5(), NULL) ||
	    !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) {
		cust_error_set(&r->err, CUST_E_IO, "cannot start the digests");
		goto out;
	}
	cust_carver_reset(r->carver);
	while (off < e->size) {
		size_t want = e->size - off < READ_CHUNK ? (size_t)(e->size - off)
		                                          : READ_CHUNK;
		cust_error_clear(&rerr);
		if (cust_walk_read(f, off, r->buf, want, &got, &rerr) < 0) {
			/* damage in one file is a fact about it, not a stop */
			json_object_set_new(o, "read_error",
			                    json_string(rerr.message));
			r->unreadable++;
			rc = 0;
			goto out;
		}
		if (got == 0)
			break;
		if (off == 0) {
			memcpy(r->head, r->buf, got);
			head_len = got;
		}
		if (!EVP_DigestUpdate(md5, r->buf, got) ||
		    !EVP_DigestUpdate(sha, r->buf, got)) {
			cust_error_set(&r->err, CUST_E_IO, "cannot hash '%s'",
			               where);
			goto out;
		}
		if (cust_carver_feed(r->carver, r->buf, got, on_hit, r,
		                     &r->err) < 0)
			goto out;
		off += got;
	}
	if (cust_carver_end(r->carver, on_hit, r, &r->err) < 0 ||
	    classify(r, f, head_len, off, o) < 0)
		goto out;
	if (!EVP_DigestFinal_ex(md5, d5, NULL) ||
	    !EVP_DigestFinal_ex(sha, d256, NULL)) {
		cust_error_set(&r->err, CUST_E_IO, "cannot hash '%s'", where);
		goto out;
	}
	if (off < e->size)
		json_object_set_new(o, "read_short", json_integer((json_int_t)off));
	cust_hex_encode(d5, sizeof d5, hex);
	json_object_set_new(o, "md5", json_string(hex));
	cust_hex_encode(d256, sizeof d256, hex);
	json_object_set_new(o, "sha256", json_string(hex));
	r->bytes += off;
	rc = 0;
out:
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(sha);
	r->where = NULL;
	return rc;
}

static int write_line(struct run *r, const json_t *o, struct cust_error *err)
{
	char *line = cust_json_canonical(o, err);
	int rc = 0;

	if (!line)
		return -1;
	if (fputs(line, r->inventory) < 0 || fputc('\n', r->inventory) < 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write the inventory");
	free(line);
	return rc;
}

/* Types worth opening as archives or compressed streams. */
static int archive_type(const char *mime)
{
	static const char *const types[] = {
		"application/zip", "application/gzip", "application/x-gzip",
		"application/x-bzip2", "application/x-xz", "application/x-lzma",
		"application/zstd", "application/x-lz4", "application/x-compress",
		"application/x-7z-compressed", "application/x-tar",
		"application/x-rar", "application/vnd.rar", "application/x-cpio",
		"application/x-archive", "application/vnd.ms-cab-compressed",
		"application/x-iso9660-image", "application/java-archive", NULL
	};
	const char *const *t;

	for (t = types; mime && *t; t++)
		if (strcmp(mime, *t) == 0)
			return 1;
	return 0;
}

/* One member of an archive as its content passes: the walk reads it (it
 * may be an archive in turn, whose members come meanwhile), and the tap
 * hands every byte to the member's own digests and carver.  Its line is
 * written when its content has passed. */
struct member {
	struct run *r;
	json_t *o;
	EVP_MD_CTX *md5, *sha;
	struct cust_carver *carver;
	unsigned char *head;
	size_t head_len;
	uint64_t bytes;
	int failed;
	char where[2 * CUST_WALK_PATH_MAX];
};

static void member_free(struct member *m)
{
	json_decref(m->o);
	EVP_MD_CTX_free(m->md5);
	EVP_MD_CTX_free(m->sha);
	cust_carver_free(m->carver);
	free(m->head);
	free(m);
}

static int member_hit(void *ctx, const struct cust_carve_hit *h,
                      struct cust_error *err)
{
	struct member *m = ctx;

	return cust_targets_add(m->r->targets, h->kind, h->value, h->value_len,
	                        m->where, h->offset, err);
}

static void member_bytes(void *ctx, const void *buf, size_t len)
{
	struct member *m = ctx;
	size_t keep = READ_CHUNK - m->head_len;

	if (m->failed)
		return;
	if (keep > len)
		keep = len;
	memcpy(m->head + m->head_len, buf, keep);
	m->head_len += keep;
	m->bytes += len;
	if (!EVP_DigestUpdate(m->md5, buf, len) ||
	    !EVP_DigestUpdate(m->sha, buf, len) ||
	    cust_carver_feed(m->carver, buf, len, member_hit, m,
	                     &m->r->err) < 0)
		m->failed = 1;
}

static void member_end(void *ctx, int complete)
{
	struct member *m = ctx;
	struct run *r = m->r;
	char mime[CUST_CLASSIFY_TEXT_MAX], desc[CUST_CLASSIFY_TEXT_MAX];
	unsigned char d5[16], d256[32];
	char hex[65];
	struct cust_error werr;

	if (!m->failed &&
	    (cust_carver_end(m->carver, member_hit, m, &r->err) < 0 ||
	     !EVP_DigestFinal_ex(m->md5, d5, NULL) ||
	     !EVP_DigestFinal_ex(m->sha, d256, NULL) ||
	     cust_classify(r->classifier, m->head, m->head_len, mime, desc,
	                   &r->err) < 0))
		m->failed = 1;
	if (!m->failed) {
		cust_hex_encode(d5, sizeof d5, hex);
		json_object_set_new(m->o, "md5", json_string(hex));
		cust_hex_encode(d256, sizeof d256, hex);
		json_object_set_new(m->o, "sha256", json_string(hex));
		json_object_set_new(m->o, "mime", json_string(mime));
		json_object_set_new(m->o, "description", json_string(desc));
	} else {
		r->member_failed = 1;
	}
	if (!complete)
		json_object_set_new(m->o, "read_short",
		                    json_integer((json_int_t)m->bytes));
	r->bytes += m->bytes;
	if (write_line(r, m->o, &werr) < 0) {
		r->member_failed = 1;
		r->err = werr;
	}
	member_free(m);
}

static const char *member_type(enum cust_archive_type t)
{
	switch (t) {
	case CUST_ARCHIVE_FILE: return "regular";
	case CUST_ARCHIVE_DIR: return "directory";
	case CUST_ARCHIVE_SYMLINK: return "symlink";
	default: return "other";
	}
}

struct container {
	struct run *r;
	const struct cust_walk_entry *e;
	struct cust_walk_file *f;
};

static int on_member(void *ctx, const struct cust_archive_member *am,
                     struct cust_archive_reader *rd, struct cust_error *err)
{
	struct container *c = ctx;
	struct run *r = c->r;
	struct member *m = calloc(1, sizeof *m);
	json_t *t;

	if (!m)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	m->r = r;
	snprintf(m->where, sizeof m->where, "%s:%s%s", c->e->partition,
	         c->e->path, am->chain);
	m->o = json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}",
	                 "member", 1, "partition", c->e->partition, "path",
	                 m->where + strlen(c->e->partition) + 1, "container",
	                 c->e->path, "name", am->name, "depth",
	                 (json_int_t)am->depth, "type", member_type(am->type),
	                 "format", am->format, "filters", am->filters);
	if (!m->o) {
		member_free(m);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	if (am->size_known)
		json_object_set_new(m->o, "size",
		                    json_integer((json_int_t)am->size));
	if (am->has_owner) {
		json_object_set_new(m->o, "uid", json_integer((json_int_t)am->uid));
		json_object_set_new(m->o, "gid", json_integer((json_int_t)am->gid));
	}
	if ((t = time_json(&am->mtime)))
		json_object_set_new(m->o, "mtime", t);
	if (am->link_target)
		json_object_set_new(m->o, "link_target",
		                    json_string(am->link_target));
	if (am->chain_truncated)
		json_object_set_new(m->o, "path_truncated", json_true());
	r->entries++;
	if (am->encrypted)
		json_object_set_new(m->o, "encrypted", json_true());
	if (am->encrypted || am->type != CUST_ARCHIVE_FILE) {
		int rc = write_line(r, m->o, err);
		member_free(m);
		return rc;
	}
	m->md5 = EVP_MD_CTX_new();
	m->sha = EVP_MD_CTX_new();
	m->head = malloc(READ_CHUNK);
	m->carver = cust_carver_new(CUST_CARVE_ALL, err);
	if (!m->md5 || !m->sha || !m->head || !m->carver ||
	    !EVP_DigestInit_ex(m->md5, EVP_md5(), NULL) ||
	    !EVP_DigestInit_ex(m->sha, EVP_sha256(), NULL)) {
		member_free(m);
		return cust_error_set(err, CUST_E_IO, "cannot start a member");
	}
	r->files++;
	/* member_end writes the line and frees M */
	cust_archive_tap(rd, member_bytes, member_end, m);
	return 0;
}

static ssize_t container_pread(void *ctx, void *buf, size_t len,
                               uint64_t offset)
{
	struct container *c = ctx;
	struct cust_error rerr;
	size_t got = 0;

	if (cust_walk_read(c->f, offset, buf, len, &got, &rerr) < 0)
		return -1;
	return (ssize_t)got;
}

/* Open the entry's content as an archive when its type says it is one:
 * every member goes into the inventory after it, the bombs and damage
 * into its record. */
static int open_archive(struct run *r, const struct cust_walk_entry *e,
                        struct cust_walk_file *f, json_t *o,
                        struct cust_error *err)
{
	struct container c = { r, e, f };
	struct cust_archive_input in = { 0 };
	json_t *report = json_object();
	int rc;

	if (!report)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	in.name = e->name;
	in.size = e->size;
	in.pread = container_pread;
	in.ctx = &c;
	r->member_failed = 0;
	rc = cust_archive_walk(&in, NULL, on_member, &c, report, err);
	if (rc >= 0 && r->member_failed) {
		*err = r->err;
		rc = -1;
	}
	if (rc == 1) {
		json_object_set_new(o, "archive",
		                    json_pack("{s:O, s:O, s:O, s:O, s:O}", "format",
		                              json_object_get(report, "format"),
		                              "members",
		                              json_object_get(report, "members"),
		                              "expanded",
		                              json_object_get(report, "expanded"),
		                              "complete",
		                              json_object_get(report, "complete"),
		                              "problems",
		                              json_object_get(report, "problems")));
	}
	json_decref(report);
	return rc < 0 ? -1 : 0;
}

static int on_entry(void *ctx, const struct cust_walk_entry *e,
                    struct cust_walk_file *f, struct cust_error *err)
{
	struct run *r = ctx;
	json_t *o = entry_json(e);
	int rc = -1;

	if (!o)
		return cust_error_set(err, CUST_E_IO, "cannot describe '%s'",
		                      e->path);
	r->entries++;
	if (!e->name_allocated)
		r->deleted++;
	if (e->type == CUST_WALK_REGULAR && e->size > 0 &&
	    (e->content == CUST_WALK_CONTENT_ALLOCATED ||
	     e->content == CUST_WALK_CONTENT_RECOVERED)) {
		r->files++;
		if (read_content(r, e, f, o) < 0) {
			*err = r->err;
			goto out;
		}
		/* its members are listed before it: its line carries what
		 * opening it found */
		if (archive_type(cust_json_string(o, "mime")) &&
		    open_archive(r, e, f, o, err) < 0)
			goto out;
	}
	rc = write_line(r, o, err);
out:
	json_decref(o);
	return rc;
}

static json_t *targets_json(const struct cust_targets *t)
{
	static const enum cust_carve_kind kinds[] = {
		CUST_CARVE_EMAIL, CUST_CARVE_DOMAIN, CUST_CARVE_URL,
		CUST_CARVE_IPV4, CUST_CARVE_IPV6
	};
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < sizeof kinds / sizeof kinds[0]; i++) {
		struct cust_targets_stats s = cust_targets_stats(t, kinds[i]);
		json_object_set_new(o, cust_carve_kind_name(kinds[i]),
		                    json_pack("{s:I, s:I, s:I}", "distinct",
		                              (json_int_t)s.distinct,
		                              "occurrences",
		                              (json_int_t)s.occurrences, "dropped",
		                              (json_int_t)s.dropped));
	}
	return o;
}

static json_t *argv_json(const struct cust_extract_options *o)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < o->argc; i++) {
		json_t *s = json_string(o->argv[i]);
		json_array_append_new(a, s ? s
		                           : json_string("(argument not UTF-8)"));
	}
	return a;
}

/* Walk the source into the unit's inventory and targets. */
static int walk_into(struct cust_unit *u, const struct source *s,
                     const struct cust_extract_options *o, struct run *r,
                     json_t *report, struct cust_error *err)
{
	struct cust_walk_options wo = { !o->no_deleted, 0 };
	char path[CUST_PATH_MAX];
	int fd, rc;

	if (cust_path_format(path, sizeof path, err, "%s/%s", cust_unit_dir(u),
	                     CUST_EXTRACT_INVENTORY) < 0)
		return -1;
	fd = cust_fs_create(path, 0444, err);
	if (fd < 0)
		return -1;
	r->inventory = fdopen(fd, "w");
	if (!r->inventory) {
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot write '%s'", path);
	}
	rc = cust_walk_image((const char *const *)s->paths, s->n, &wo, on_entry,
	                     r, report, err);
	if (fflush(r->inventory) != 0 || fsync(fileno(r->inventory)) != 0) {
		if (rc == 0)
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot write '%s'", path);
		rc = -1;
	}
	if (fclose(r->inventory) != 0 && rc == 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write '%s'", path);
	r->inventory = NULL;
	if (rc == 0 && r->entries == 0)
		rc = cust_error_set(err, CUST_E_INPUT,
		                    "no file system could be read in '%s'",
		                    s->paths[0]);
	if (rc == 0 &&
	    (cust_path_format(path, sizeof path, err, "%s/%s", cust_unit_dir(u),
	                      CUST_EXTRACT_TARGETS) < 0 ||
	     cust_fs_mkdir(path, 0, err) < 0 ||
	     cust_targets_write(r->targets, path, err) < 0))
		rc = -1;
	return rc;
}

int cust_extract(struct cust_case *c, const struct cust_extract_options *o,
                 const struct cust_actor *actor, json_t **record,
                 struct cust_error *err)
{
	struct source s = { 0 };
	struct run r = { 0 };
	struct cust_unit *u = NULL;
	struct cust_event ev = { 0 };
	char stem[CUST_PATH_MAX], started[CUST_TIME_LEN], ended[CUST_TIME_LEN];
	json_t *report = json_object(), *rec = NULL, *details = NULL;
	json_t *item = NULL;
	int rc = -1;

	if (record)
		*record = NULL;
	ev.action = "extracted";
	ev.tool = o->tool;
	ev.note = o->note;
	if (!report || cust_log_check_event(&ev, err) < 0)
		goto out;
	if ((o->acquisition != NULL) == (o->nsources > 0)) {
		cust_error_set(err, CUST_E_USAGE, "give an acquisition or image "
		                                  "files, not both or neither");
		goto out;
	}
	if ((o->acquisition ? acquisition_source(c, o->acquisition, &s, err)
	                    : external_source(o, &s, err)) < 0 ||
	    !(item = cust_case_load_item(c, s.item, err)) ||
	    cust_time_now_string(started, err) < 0)
		goto out;
	r.classifier = cust_classifier_new(err);
	r.carver = r.classifier ? cust_carver_new(CUST_CARVE_ALL, err) : NULL;
	r.targets = cust_targets_new(TARGETS_MAX_VALUES, TARGETS_MAX_BYTES, err);
	r.buf = malloc(READ_CHUNK);
	r.head = malloc(READ_CHUNK);
	if (!r.classifier || !r.carver || !r.targets || !r.buf || !r.head) {
		if (!r.buf || !r.head)
			cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (cust_path_format(stem, sizeof stem, err, "%s-X", s.item) < 0)
		goto out;
	u = cust_unit_begin(cust_case_dir(c), "extractions", stem, err);
	if (!u || walk_into(u, &s, o, &r, report, err) < 0 ||
	    cust_time_now_string(ended, err) < 0)
		goto out;
	rec = json_pack("{s:s, s:s, s:O, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:O, "
	                "s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
	                "unit", cust_unit_relpath(u), "item", s.item, "source",
	                s.record, "tool", "name", o->tool, "version",
	                cust_version(), "command_line", argv_json(o),
	                "examiner", actor->name, "started", started, "ended",
	                ended, "walk", report, "counts", "entries",
	                (json_int_t)r.entries, "deleted", (json_int_t)r.deleted,
	                "files_read", (json_int_t)r.files, "unreadable",
	                (json_int_t)r.unreadable, "bytes_read",
	                (json_int_t)r.bytes, "targets", targets_json(r.targets));
	if (!rec) {
		cust_error_set(err, CUST_E_IO, "cannot build the record");
		goto out;
	}
	if (o->note)
		json_object_set_new(rec, "note", json_string(o->note));
	details = json_pack("{s:I, s:I}", "entries", (json_int_t)r.entries,
	                    "files_read", (json_int_t)r.files);
	ev.item = s.item;
	ev.details = details;
	/* the DFXML is made from the unit's own files: it says nothing the
	 * inventory and the record do not */
	if (cust_unit_write_json(u, CUST_EXTRACT_RECORD, rec, err) < 0 ||
	    cust_dfxml_convert(cust_unit_dir(u), NULL, 0, err) < 0 ||
	    cust_unit_seal(u, actor, &ev, NULL, err) < 0)
		goto out;
	if (record) {
		*record = rec;
		rec = NULL;
	}
	rc = 0;
out:
	json_decref(item);
	json_decref(details);
	json_decref(rec);
	json_decref(report);
	cust_unit_free(u);
	cust_classifier_free(r.classifier);
	cust_carver_free(r.carver);
	cust_targets_free(r.targets);
	free(r.buf);
	free(r.head);
	source_free(&s);
	return rc;
}
