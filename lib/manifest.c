/* manifest.c - SHA256SUMS and manifest.hashdeep; see include/custody/manifest.h. */
#include "custody/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/digest.h"
#include "custody/fsutil.h"

#define HASHDEEP_HEADER "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n"
#define HASHDEEP_HEADER_SHA256 "%%%% HASHDEEP-1.0\n%%%% size,sha256,filename\n"
/* SHA256SUMS of a full unit, read back: CUST_MANIFEST_MAX_FILES lines of
 * ~200 bytes. */
#define SUMS_MAX_BYTES (256u << 20)

void cust_manifest_init(struct cust_manifest *m)
{
	memset(m, 0, sizeof *m);
}

void cust_manifest_release(struct cust_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->count; i++)
		free(m->entries[i].path);
	free(m->entries);
	cust_manifest_init(m);
}

int cust_manifest_is_seal_file(const char *path)
{
	return strcmp(path, CUST_MANIFEST_SUMS) == 0 ||
	       strcmp(path, CUST_MANIFEST_HASHDEEP) == 0 ||
	       strcmp(path, CUST_MANIFEST_SIGNATURE) == 0 ||
	       strcmp(path, CUST_MANIFEST_TIMESTAMP) == 0;
}

/* What to say of the unlisted file PATH when it is the temporary a signing
 * or timestamping writes before renaming it into place: what a custody-sign
 * killed at that moment leaves (the signature and token in place are still
 * the ones from before).  NULL for any other file. */
static const char *seal_leftover(const char *path)
{
	if (cust_fs_is_temporary_of(path, CUST_MANIFEST_SIGNATURE))
		return "an interrupted signing left this file (custody-sign "
		       "stopped before putting the new signature in place): it "
		       "is not part of the seal; remove it";
	if (cust_fs_is_temporary_of(path, CUST_MANIFEST_TIMESTAMP))
		return "an interrupted timestamping left this file (custody-sign "
		       "stopped before putting the new token in place): it is "
		       "not part of the seal; remove it";
	return NULL;
}

static struct cust_manifest_entry *add_entry(struct cust_manifest *m,
                                             const char *path,
                                             struct cust_error *err)
{
	struct cust_manifest_entry *e;

	if (m->count >= CUST_MANIFEST_MAX_FILES) {
		cust_error_set(err, CUST_E_INPUT, "more than %u files in one unit",
		               CUST_MANIFEST_MAX_FILES);
		return NULL;
	}
	if (m->count == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		e = realloc(m->entries, cap * sizeof *e);
		if (!e) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			return NULL;
		}
		m->entries = e;
		m->cap = cap;
	}
	e = &m->entries[m->count];
	memset(e, 0, sizeof *e);
	e->path = strdup(path);
	if (!e->path) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	m->count++;
	return e;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cust_manifest_entry *x = a, *y = b;
	return strcmp(x->path, y->path);
}

static void sort_entries(struct cust_manifest *m)
{
	if (m->count > 1)
		qsort(m->entries, m->count, sizeof *m->entries, entry_cmp);
}

int cust_manifest_add(struct cust_manifest *m, const char *path, uint64_t size,
                      const unsigned char md5[16],
                      const unsigned char sha256[32], struct cust_error *err)
{
	struct cust_manifest_entry *e = add_entry(m, path, err);

	if (!e)
		return -1;
	e->size = size;
	e->hashed = 1;
	e->has_md5 = md5 != NULL;
	if (md5)
		memcpy(e->md5, md5, sizeof e->md5);
	memcpy(e->sha256, sha256, sizeof e->sha256);
	sort_entries(m);
	return 0;
}

struct cust_manifest_entry *cust_manifest_find(const struct cust_manifest *m,
                                               const char *path)
{
	struct cust_manifest_entry key;

	if (m->count == 0)
		return NULL;
	key.path = (char *)path;
	return bsearch(&key, m->entries, m->count, sizeof key, entry_cmp);
}

/* ---- the payload in manifest order ------------------------------------ */

/* A payload file: its unit-relative path and size. */
typedef int (*file_fn)(void *ctx, const char *rel, uint64_t size,
                       struct cust_error *err);
/* A folder below the top that holds nothing: its unit-relative path. */
typedef int (*empty_fn)(void *ctx, const char *rel, struct cust_error *err);

/* What a walk of the payload calls: FILE on every file, EMPTY (or, when
 * NULL, an error) on every empty folder. */
struct walk_ops {
	file_fn file;
	empty_fn empty;
	void *ctx;
};

/* One name of a folder; a folder sorts as its name with '/' after it. */
struct name {
	char *name;
	int is_dir;
	uint64_t size;
};

/* The manifest's order: strcmp of the full paths (cust_path_name_cmp). */
static int name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;

	return cust_path_name_cmp(x->name, x->is_dir, y->name, y->is_dir);
}

static void names_free(struct name *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}

/* The names of the folder D (unit-relative path PREFIX), checked: regular
 * files and folders only, names fit for a manifest line, at most
 * CUST_MANIFEST_MAX_FILES files altogether (*TOTAL counts them).  The
 * seal files of the top folder are left out. */
static int read_names(DIR *d, const char *prefix, struct name **out,
                      size_t *count, size_t *total, struct cust_error *err)
{
	struct name *names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;

	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		char rel[CUST_PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*prefix)
			rc = cust_path_format(rel, sizeof rel, err, "%s/%s", prefix,
			                      de->d_name);
		else
			rc = cust_path_format(rel, sizeof rel, err, "%s", de->d_name);
		if (rc < 0)
			break;
		if (cust_path_check_relative(rel, strlen(rel), err) < 0) {
			rc = cust_error_prefix(err, "unit holds a file whose name "
			                            "cannot be listed");
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = cust_error_set_errno(err, CUST_E_IO, errno,
			                          "cannot stat '%s'", rel);
			break;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			rc = cust_error_set(err, CUST_E_INPUT,
			                    "'%s' is not a regular file or folder "
			                    "(symlinks and devices are not allowed in "
			                    "a unit)", rel);
			break;
		}
		if (S_ISREG(st.st_mode) && !*prefix &&
		    cust_manifest_is_seal_file(rel))
			continue;
		if (S_ISREG(st.st_mode) && ++*total > CUST_MANIFEST_MAX_FILES) {
			rc = cust_error_set(err, CUST_E_INPUT,
			                    "more than %u files in one unit",
			                    CUST_MANIFEST_MAX_FILES);
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct name *nn = realloc(names, nc * sizeof *nn);
			if (!nn) {
				rc = cust_error_set(err, CUST_E_IO, "out of memory");
				break;
			}
			names = nn;
			cap = nc;
		}
		names[n].is_dir = S_ISDIR(st.st_mode);
		names[n].size = (uint64_t)st.st_size;
		if (!(names[n].name = strdup(de->d_name))) {
			rc = cust_error_set(err, CUST_E_IO, "out of memory");
			break;
		}
		n++;
	}
	if (rc == 0 && errno != 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot read folder '%s'", prefix);
	if (rc < 0) {
		names_free(names, n);
		return -1;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, name_cmp);
	*out = names;
	*count = n;
	return 0;
}

/* Call OPS on every payload file and empty folder below the folder open
 * at FD (PREFIX), in manifest order, holding one folder's names per
 * level. */
static int walk_sorted(int fd, const char *prefix, int depth, size_t *total,
                       const struct walk_ops *ops, struct cust_error *err)
{
	struct name *names = NULL;
	size_t n = 0, i;
	DIR *d;
	int rc;

	if (depth > CUST_MANIFEST_MAX_DEPTH) {
		close(fd);
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is nested more than %d folders deep",
		                      prefix, CUST_MANIFEST_MAX_DEPTH);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read folder '%s'", prefix);
	}
	rc = read_names(d, prefix, &names, &n, total, err);
	/* a manifest lists files only: an empty folder is in none */
	if (rc == 0 && n == 0 && *prefix) {
		if (ops->empty)
			rc = ops->empty(ops->ctx, prefix, err);
		else
			rc = cust_error_set(err, CUST_E_INPUT,
			                    "'%s' is an empty folder: a manifest "
			                    "cannot list it", prefix);
	}
	for (i = 0; rc == 0 && i < n; i++) {
		char rel[CUST_PATH_MAX];

		if (*prefix)
			rc = cust_path_format(rel, sizeof rel, err, "%s/%s", prefix,
			                      names[i].name);
		else
			rc = cust_path_format(rel, sizeof rel, err, "%s",
			                      names[i].name);
		if (rc < 0)
			break;
		if (names[i].is_dir) {
			int sub = openat(dirfd(d), names[i].name,
			                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				rc = cust_error_set_errno(err, CUST_E_IO, errno,
				                          "cannot open folder '%s'", rel);
			else
				rc = walk_sorted(sub, rel, depth + 1, total, ops,
				                 err);
		} else {
			rc = ops->file(ops->ctx, rel, names[i].size, err);
		}
	}
	names_free(names, n);
	closedir(d);
	return rc;
}

static int walk_unit(const char *dir, const struct walk_ops *ops,
                     struct cust_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	size_t total = 0;

	if (fd < 0)
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot open unit '%s'", dir);
	return walk_sorted(fd, "", 0, &total, ops, err);
}

static int scan_file(void *ctx, const char *rel, uint64_t size,
                     struct cust_error *err)
{
	struct cust_manifest_entry *e = add_entry(ctx, rel, err);

	if (!e)
		return -1;
	e->size = size;
	return 0;
}

int cust_manifest_scan(const char *dir, struct cust_manifest *m,
                       struct cust_error *err)
{
	const struct walk_ops ops = { scan_file, NULL, m };

	return walk_unit(dir, &ops, err);
}

/* What a check finds in a unit: its files, and its empty folders (which
 * count against the same bound). */
struct found {
	struct cust_manifest files, empty;
};

static int found_file(void *ctx, const char *rel, uint64_t size,
                      struct cust_error *err)
{
	return scan_file(&((struct found *)ctx)->files, rel, size, err);
}

static int found_empty(void *ctx, const char *rel, struct cust_error *err)
{
	struct found *f = ctx;

	if (f->files.count + f->empty.count >= CUST_MANIFEST_MAX_FILES)
		return cust_error_set(err, CUST_E_INPUT,
		                      "more than %u files in one unit",
		                      CUST_MANIFEST_MAX_FILES);
	return add_entry(&f->empty, rel, err) ? 0 : -1;
}

static int hash_entry(const char *dir, struct cust_manifest_entry *e,
                      uint64_t *size, struct cust_error *err)
{
	unsigned char out[2][CUST_DIGEST_MAX_SIZE];
	char path[CUST_PATH_MAX];

	if (cust_path_join(path, sizeof path, dir, e->path, err) < 0 ||
	    cust_digest_file(path, CUST_DIGEST_MD5 | CUST_DIGEST_SHA256, 1, out,
	                     size, err) < 0)
		return -1;
	memcpy(e->md5, out[0], sizeof e->md5);
	memcpy(e->sha256, out[1], sizeof e->sha256);
	e->hashed = e->has_md5 = 1;
	return 0;
}

/* ---- writing the manifests --------------------------------------------- */

struct listing {
	const char *dir;
	FILE *sums, *deep;
	char sums_path[CUST_PATH_MAX], deep_path[CUST_PATH_MAX];
	int with_md5;
	cust_manifest_known_fn known;
	void *ctx;
	uint64_t count;
};

/* One payload file's lines, from the digests known or taken now. */
static int list_file(void *ctx, const char *rel, uint64_t size,
                     struct cust_error *err)
{
	struct listing *l = ctx;
	struct cust_manifest_entry e = { .path = (char *)rel, .size = size };
	char md5[33], sha[65];

	if (!(l->known && l->known(l->ctx, rel, &e) == 1 && e.size == size &&
	      (e.has_md5 || !l->with_md5)) &&
	    hash_entry(l->dir, &e, &e.size, err) < 0)
		return -1;
	cust_hex_encode(e.md5, sizeof e.md5, md5);
	cust_hex_encode(e.sha256, sizeof e.sha256, sha);
	fprintf(l->sums, "SHA256 (%s) = %s\n", rel, sha);
	if (l->with_md5)
		fprintf(l->deep, "%llu,%s,%s,./%s\n", (unsigned long long)e.size,
		        md5, sha, rel);
	else
		fprintf(l->deep, "%llu,%s,./%s\n", (unsigned long long)e.size, sha,
		        rel);
	l->count++;
	if (ferror(l->sums) || ferror(l->deep))
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot write the manifests of '%s'",
		                            l->dir);
	return 0;
}

/* A new manifest file NAME in DIR, for writing; its path into PATH. */
static FILE *create_manifest(const char *dir, const char *name, char *path,
                             struct cust_error *err)
{
	if (cust_path_join(path, CUST_PATH_MAX, dir, name, err) < 0)
		return NULL;
	return cust_fs_fcreate(path, 0444, err);
}

int cust_manifest_write_unit(const char *dir, int with_md5,
                             cust_manifest_known_fn known, void *ctx,
                             char sums_sha256[65], struct cust_error *err)
{
	struct listing l = { .dir = dir, .with_md5 = with_md5, .known = known,
		             .ctx = ctx };
	struct walk_ops ops = { list_file, NULL, NULL };
	unsigned char d[1][CUST_DIGEST_MAX_SIZE];
	int rc = -1;

	if (!(l.sums = create_manifest(dir, CUST_MANIFEST_SUMS, l.sums_path,
	                               err)))
		return -1;
	if (!(l.deep = create_manifest(dir, CUST_MANIFEST_HASHDEEP, l.deep_path,
	                               err))) {
		fclose(l.sums);
		unlink(l.sums_path);
		return -1;
	}
	fprintf(l.deep, "%s## Invoked from: custody\n## $ custody seal\n## \n",
	        with_md5 ? HASHDEEP_HEADER : HASHDEEP_HEADER_SHA256);
	ops.ctx = &l;
	if (walk_unit(dir, &ops, err) == 0) {
		if (l.count == 0)
			cust_error_set(err, CUST_E_USAGE, "unit '%s' is empty", dir);
		else
			rc = 0;
	}
	if (cust_fs_fclose_synced(l.sums, l.sums_path, rc == 0 ? err : NULL) < 0)
		rc = -1;
	if (cust_fs_fclose_synced(l.deep, l.deep_path, rc == 0 ? err : NULL) < 0)
		rc = -1;
	if (rc == 0 && sums_sha256) {
		if (cust_digest_file(l.sums_path, CUST_DIGEST_SHA256, 1, d, NULL,
		                     err) < 0)
			rc = -1;
		else
			cust_hex_encode(d[0], 32, sums_sha256);
	}
	if (rc < 0) {
		unlink(l.sums_path);
		unlink(l.deep_path);
	}
	return rc;
}

/* Split BUF into lines and call FN on each; stops at the first failure. */
static int for_each_line(char *buf, size_t len,
                         int (*fn)(void *, char *, size_t, unsigned long,
                                   struct cust_error *),
                         void *ctx, struct cust_error *err)
{
	unsigned long lineno = 0;
	size_t start = 0;

	while (start < len) {
		char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		lineno++;
		buf[end] = '\0';
		if (fn(ctx, buf + start, end - start, lineno, err) < 0)
			return -1;
		start = end + 1;
	}
	return 0;
}

static int parse_sums_line(void *ctx, char *line, size_t len,
                           unsigned long lineno, struct cust_error *err)
{
	struct cust_manifest *m = ctx;
	static const char head[] = "SHA256 (";
	static const char mid[] = ") = ";
	struct cust_manifest_entry *e;
	const size_t tail = sizeof mid - 1 + 64;
	size_t plen;

	if (len < sizeof head - 1 + 1 + tail || memcmp(line, head, sizeof head - 1) ||
	    memcmp(line + len - tail, mid, sizeof mid - 1))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu is not a \"SHA256 (file) = "
		                      "hash\" line", CUST_MANIFEST_SUMS, lineno);
	plen = len - tail - (sizeof head - 1);
	line[sizeof head - 1 + plen] = '\0';
	if (cust_path_check_relative(line + sizeof head - 1, plen, err) < 0)
		return cust_error_prefix(err, "'%s' line %lu", CUST_MANIFEST_SUMS,
		                         lineno);
	e = add_entry(m, line + sizeof head - 1, err);
	if (!e)
		return -1;
	if (cust_hex_decode(line + len - 64, e->sha256, 32) < 0)
		return cust_error_set(err, CUST_E_INPUT, "'%s' line %lu: bad hash",
		                      CUST_MANIFEST_SUMS, lineno);
	e->hashed = 1;
	return 0;
}

/* Sort M and refuse a path listed twice. */
static int sort_unique(struct cust_manifest *m, const char *name,
                       struct cust_error *err)
{
	size_t i;

	sort_entries(m);
	for (i = 1; i < m->count; i++)
		if (strcmp(m->entries[i - 1].path, m->entries[i].path) == 0)
			return cust_error_set(err, CUST_E_INPUT,
			                      "'%s' lists '%s' twice", name,
			                      m->entries[i].path);
	return 0;
}

static int read_text(const char *dir, const char *name, char **buf,
                     size_t *len, struct cust_error *err)
{
	char path[CUST_PATH_MAX];

	if (cust_path_join(path, sizeof path, dir, name, err) < 0)
		return -1;
	return cust_fs_read_file(path, SUMS_MAX_BYTES, buf, len, err);
}

int cust_manifest_read_sums(const char *dir, struct cust_manifest *m,
                            char sums_sha256[65], struct cust_error *err)
{
	unsigned char digest[32];
	char *buf;
	size_t len;
	int rc = -1;

	if (read_text(dir, CUST_MANIFEST_SUMS, &buf, &len, err) < 0)
		return -1;
	if (sums_sha256) {
		if (cust_digest_buffer(CUST_DIGEST_SHA256, buf, len, digest, err) < 0)
			goto out;
		cust_hex_encode(digest, sizeof digest, sums_sha256);
	}
	if (len > 0 && buf[len - 1] != '\n') {
		cust_error_set(err, CUST_E_INPUT, "'%s' does not end with a newline",
		               CUST_MANIFEST_SUMS);
		goto out;
	}
	if (for_each_line(buf, len, parse_sums_line, m, err) < 0 ||
	    sort_unique(m, CUST_MANIFEST_SUMS, err) < 0)
		goto out;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Parsing state of a manifest.hashdeep: which columns its header named. */
struct hashdeep_parse {
	struct cust_manifest *m;
	int with_md5;
};

static int parse_hashdeep_line(void *ctx, char *line, size_t len,
                               unsigned long lineno, struct cust_error *err)
{
	struct hashdeep_parse *hp = ctx;
	struct cust_manifest_entry *e;
	char *c1, *c2, *c3;
	uint64_t size;

	if (lineno <= 2 || strncmp(line, "##", 2) == 0) {
		if (lineno == 1 && strcmp(line, "%%%% HASHDEEP-1.0") != 0)
			goto bad;
		if (lineno == 2) {
			if (strcmp(line, "%%%% size,md5,sha256,filename") == 0)
				hp->with_md5 = 1;
			else if (strcmp(line, "%%%% size,sha256,filename") != 0)
				goto bad;
		}
		return 0;
	}
	c1 = memchr(line, ',', len);
	c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	/* size,md5,sha256,./path or size,sha256,./path: the path may hold
	 * commas, the digests are fixed-width */
	c3 = c2 && hp->with_md5 ? strchr(c2 + 1, ',') : c2;
	if (!c3 || (hp->with_md5 && c2 - c1 != 33) ||
	    c3 - (hp->with_md5 ? c2 : c1) != 65 || strncmp(c3 + 1, "./", 2))
		goto bad;
	*c1 = *c2 = *c3 = '\0';
	if (cust_parse_u64(line, &size) < 0 ||
	    cust_path_check_relative(c3 + 3, strlen(c3 + 3), err) < 0)
		goto bad;
	e = add_entry(hp->m, c3 + 3, err);
	if (!e)
		return -1;
	e->size = size;
	if ((hp->with_md5 && cust_hex_decode(c1 + 1, e->md5, 16) < 0) ||
	    cust_hex_decode((hp->with_md5 ? c2 : c1) + 1, e->sha256, 32) < 0)
		goto bad;
	e->hashed = 1;
	e->has_md5 = hp->with_md5;
	return 0;
bad:
	return cust_error_set(err, CUST_E_INPUT, "'%s' line %lu is malformed",
	                      CUST_MANIFEST_HASHDEEP, lineno);
}

static void add_finding(json_t *findings, const char *subject,
                        const char *path, const char *message)
{
	char where[CUST_PATH_MAX];
	json_t *f;

	if (path)
		(void)snprintf(where, sizeof where, "%s/%s", subject, path);
	else
		(void)snprintf(where, sizeof where, "%s", subject);
	f = json_pack("{s:s, s:s, s:s, s:s}", "check", "unit", "subject", where,
	              "status", "failed", "message", message);
	if (f)
		json_array_append_new(findings, f);
}

int cust_manifest_check(const char *dir, const char *subject, json_t *findings,
                        int *failed, char sums_sha256[65],
                        struct cust_error *err)
{
	return cust_manifest_check_known(dir, subject, findings, failed,
	                                 sums_sha256, NULL, err);
}

int cust_manifest_check_known(const char *dir, const char *subject,
                              json_t *findings, int *failed,
                              char sums_sha256[65],
                              const struct cust_manifest *known,
                              struct cust_error *err)
{
	struct cust_manifest listed, deep;
	struct found actual;
	const struct walk_ops ops = { found_file, found_empty, &actual };
	struct hashdeep_parse hp = { &deep, 0 };
	struct cust_error perr;
	char *buf = NULL;
	size_t len, i;
	int rc = -1, have_deep = 0;

	cust_manifest_init(&listed);
	cust_manifest_init(&deep);
	cust_manifest_init(&actual.files);
	cust_manifest_init(&actual.empty);
	*failed = 0;
	cust_error_clear(&perr);
	if (cust_manifest_read_sums(dir, &listed, sums_sha256, &perr) < 0) {
		add_finding(findings, subject, NULL, perr.message);
		*failed = 1;
		rc = 0;
		goto out;
	}
	if (read_text(dir, CUST_MANIFEST_HASHDEEP, &buf, &len, &perr) < 0 ||
	    for_each_line(buf, len, parse_hashdeep_line, &hp, &perr) < 0 ||
	    sort_unique(&deep, CUST_MANIFEST_HASHDEEP, &perr) < 0) {
		add_finding(findings, subject, NULL, perr.message);
		*failed = 1;
	} else {
		have_deep = 1;
	}
	if (walk_unit(dir, &ops, &perr) < 0) {
		add_finding(findings, subject, NULL, perr.message);
		*failed = 1;
		rc = 0;
		goto out;
	}
	for (i = 0; i < listed.count; i++) {
		struct cust_manifest_entry *want = &listed.entries[i];
		struct cust_manifest_entry *have = cust_manifest_find(&actual.files,
		                                                        want->path);
		struct cust_manifest_entry *d = have_deep
		        ? cust_manifest_find(&deep, want->path) : NULL;
		const struct cust_manifest_entry *k;
		uint64_t size;

		if (!have) {
			add_finding(findings, subject, want->path,
			            "file listed in SHA256SUMS is missing");
			*failed = 1;
			continue;
		}
		k = known ? cust_manifest_find(known, want->path) : NULL;
		if (k && k->hashed && k->size == have->size &&
		    (k->has_md5 || !d || !d->has_md5)) {
			size = k->size;
			memcpy(have->md5, k->md5, sizeof have->md5);
			memcpy(have->sha256, k->sha256, sizeof have->sha256);
		} else if (hash_entry(dir, have, &size, &perr) < 0) {
			add_finding(findings, subject, want->path, perr.message);
			*failed = 1;
			continue;
		}
		if (memcmp(have->sha256, want->sha256, 32) != 0) {
			add_finding(findings, subject, want->path,
			            "file changed: SHA-256 differs from SHA256SUMS");
			*failed = 1;
		}
		if (have_deep && !d) {
			add_finding(findings, subject, want->path,
			            "file missing from manifest.hashdeep");
			*failed = 1;
		} else if (d && (d->size != size ||
		                 (d->has_md5 && memcmp(d->md5, have->md5, 16)) ||
		                 memcmp(d->sha256, want->sha256, 32))) {
			add_finding(findings, subject, want->path,
			            "manifest.hashdeep disagrees with the file or with "
			            "SHA256SUMS (size, MD5 or SHA-256)");
			*failed = 1;
		}
	}
	for (i = 0; i < actual.files.count; i++) {
		const char *path = actual.files.entries[i].path;
		const char *leftover = seal_leftover(path);

		if (!cust_manifest_find(&listed, path)) {
			add_finding(findings, subject, path,
			            leftover ? leftover
			                     : "extra file not listed in SHA256SUMS");
			*failed = 1;
		}
	}
	for (i = 0; i < actual.empty.count; i++) {
		add_finding(findings, subject, actual.empty.entries[i].path,
		            "empty folder: a manifest lists files only, so it is "
		            "not part of what was sealed (planted, or left by "
		            "something other than the seal)");
		*failed = 1;
	}
	for (i = 0; have_deep && i < deep.count; i++) {
		if (!cust_manifest_find(&listed, deep.entries[i].path)) {
			add_finding(findings, subject, deep.entries[i].path,
			            "listed in manifest.hashdeep but not in SHA256SUMS");
			*failed = 1;
		}
	}
	rc = 0;
out:
	free(buf);
	cust_manifest_release(&listed);
	cust_manifest_release(&deep);
	cust_manifest_release(&actual.files);
	cust_manifest_release(&actual.empty);
	(void)err;
	return rc;
}
