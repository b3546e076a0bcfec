/* unit.c - sealed units; see include/custody/unit.h. */
#include "custody/unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/attest.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/manifest.h"
#include "custody/run.h"

#define UNIT_MAGIC 0x43554e49u /* "CUNI" */

static const char *const unit_kinds[] = {
	"acquisitions", "artifacts", "extractions", "recoveries", "reports",
	NULL
};

struct cust_unit {
	unsigned magic;
	char case_dir[CUST_PATH_MAX];
	char kind_dir[CUST_PATH_MAX];
	char name[CUST_ID_MAX + 1];
	char relpath[CUST_PATH_MAX];
	char partial[CUST_PATH_MAX];
	char final[CUST_PATH_MAX];
	struct cust_manifest noted; /* files hashed while written */
	int sealed;
	int discarded;
};

static int unit_ok(const struct cust_unit *u, struct cust_error *err)
{
	if (!u || u->magic != UNIT_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "invalid unit handle");
	if (u->sealed)
		return cust_error_set(err, CUST_E_USAGE, "unit '%s' is already sealed",
		                      u->name);
	if (u->discarded)
		return cust_error_set(err, CUST_E_USAGE, "unit '%s' was discarded",
		                      u->name);
	return 0;
}

int cust_unit_kind_known(const char *kind)
{
	const char *const *k;

	for (k = unit_kinds; *k; k++)
		if (strcmp(*k, kind) == 0)
			return 1;
	return 0;
}

/* The number N when NAME is STEM followed by decimal digits (and maybe the
 * partial suffix), else 0. */
static uint64_t unit_number(const char *name, const char *stem)
{
	size_t sl = strlen(stem), i;
	uint64_t n = 0;

	if (strncmp(name, stem, sl) != 0)
		return 0;
	for (i = sl; name[i] >= '0' && name[i] <= '9'; i++) {
		if (n > 1000000000u)
			return 0;
		n = n * 10 + (uint64_t)(name[i] - '0');
	}
	if (i == sl)
		return 0;
	if (name[i] && strcmp(name + i, CUST_UNIT_PARTIAL_SUFFIX) != 0)
		return 0;
	return n;
}

/* A unit handle for CASE_DIR/KIND/ with PREFIX (a name or a stem) checked;
 * its name and paths come later (set_name). */
static struct cust_unit *unit_new(const char *case_dir, const char *kind,
                                  const char *prefix, struct cust_error *err)
{
	struct cust_unit *u;

	if (!cust_unit_kind_known(kind)) {
		cust_error_set(err, CUST_E_USAGE, "unknown unit kind '%s'", kind);
		return NULL;
	}
	if (cust_id_check(prefix, "unit name", err) < 0)
		return NULL;
	u = calloc(1, sizeof *u);
	if (!u) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	cust_manifest_init(&u->noted);
	if (cust_path_format(u->case_dir, sizeof u->case_dir, err, "%s",
	                     case_dir) < 0 ||
	    cust_path_format(u->kind_dir, sizeof u->kind_dir, err, "%s/%s",
	                     case_dir, kind) < 0) {
		free(u);
		return NULL;
	}
	return u;
}

/* Name the unit and derive its paths. */
static int set_name(struct cust_unit *u, const char *kind, const char *name,
                    struct cust_error *err)
{
	if (cust_path_format(u->name, sizeof u->name, err, "%s", name) < 0 ||
	    cust_id_check(u->name, "unit name", err) < 0 ||
	    cust_path_format(u->final, sizeof u->final, err, "%s/%s",
	                     u->kind_dir, u->name) < 0 ||
	    cust_path_format(u->partial, sizeof u->partial, err, "%s%s",
	                     u->final, CUST_UNIT_PARTIAL_SUFFIX) < 0 ||
	    cust_path_format(u->relpath, sizeof u->relpath, err, "%s/%s",
	                     kind, u->name) < 0)
		return -1;
	return 0;
}

struct cust_unit *cust_unit_begin(const char *case_dir, const char *kind,
                                  const char *stem, struct cust_error *err)
{
	struct cust_unit *u = unit_new(case_dir, kind, stem, err);
	char name[CUST_ID_MAX + 24];
	uint64_t next = 0;
	DIR *d;
	struct dirent *de;
	int attempt;

	if (!u)
		return NULL;
	if (cust_fs_mkdir(u->kind_dir, 1, err) < 0)
		goto fail;
	d = opendir(u->kind_dir);
	if (!d) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read folder '%s'",
		                     u->kind_dir);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t n = unit_number(de->d_name, stem);
		if (n > next)
			next = n;
	}
	closedir(d);
	/* mkdir is the atomic claim: a parallel command taking the same number
	 * gets EEXIST and moves on to the next */
	for (attempt = 0; attempt < 1000; attempt++) {
		next++;
		if (cust_path_format(name, sizeof name, err, "%s%llu", stem,
		                     (unsigned long long)next) < 0 ||
		    set_name(u, kind, name, err) < 0)
			goto fail;
		if (access(u->final, F_OK) == 0)
			continue;
		if (mkdir(u->partial, 0755) == 0) {
			/* another command may have sealed this number between the
			 * check and the mkdir: its partial is gone, its unit is not */
			if (access(u->final, F_OK) == 0) {
				(void)rmdir(u->partial);
				continue;
			}
			u->magic = UNIT_MAGIC;
			return u;
		}
		if (errno != EEXIST) {
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot create unit '%s'", u->partial);
			goto fail;
		}
	}
	cust_error_set(err, CUST_E_IO, "no free unit name for '%s' in '%s'", stem,
	               u->kind_dir);
fail:
	cust_manifest_release(&u->noted);
	free(u);
	return NULL;
}

struct cust_unit *cust_unit_resume(const char *case_dir, const char *kind,
                                   const char *name, struct cust_error *err)
{
	struct cust_unit *u = unit_new(case_dir, kind, name, err);
	struct stat st;

	if (!u)
		return NULL;
	if (set_name(u, kind, name, err) < 0)
		goto fail;
	if (lstat(u->partial, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cust_error_set(err, CUST_E_INPUT, "no unfinished unit '%s'",
		               u->partial);
		goto fail;
	}
	if (access(u->final, F_OK) == 0) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is already sealed", u->final);
		goto fail;
	}
	u->magic = UNIT_MAGIC;
	return u;
fail:
	cust_manifest_release(&u->noted);
	free(u);
	return NULL;
}

const char *cust_unit_name(const struct cust_unit *u)
{
	return u->name;
}

const char *cust_unit_relpath(const struct cust_unit *u)
{
	return u->relpath;
}

const char *cust_unit_dir(const struct cust_unit *u)
{
	return u->sealed ? u->final : u->partial;
}

int cust_unit_note_file(struct cust_unit *u, const char *rel, uint64_t size,
                        const unsigned char md5[16],
                        const unsigned char sha256[32], struct cust_error *err)
{
	struct cust_manifest_entry *e;

	if (unit_ok(u, err) < 0 ||
	    cust_path_check_relative(rel, strlen(rel), err) < 0)
		return -1;
	if (u->noted.count == u->noted.cap) {
		size_t cap = u->noted.cap ? u->noted.cap * 2 : 16;
		e = realloc(u->noted.entries, cap * sizeof *e);
		if (!e)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		u->noted.entries = e;
		u->noted.cap = cap;
	}
	e = &u->noted.entries[u->noted.count];
	memset(e, 0, sizeof *e);
	e->path = strdup(rel);
	if (!e->path)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	e->size = size;
	e->hashed = 1;
	e->has_md5 = md5 != NULL;
	if (md5)
		memcpy(e->md5, md5, 16);
	memcpy(e->sha256, sha256, 32);
	u->noted.count++;
	return 0;
}

/* REL may be a payload file: the seal files' names are taken. */
static int payload_name_ok(const char *rel, struct cust_error *err)
{
	if (cust_manifest_is_seal_file(rel))
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is the name of a seal file, not of a "
		                      "payload file", rel);
	return 0;
}

/* Create the folders of REL below the unit, one checked component at a time. */
static int make_parents(struct cust_unit *u, const char *rel,
                        struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	const char *slash = rel;

	while ((slash = strchr(slash, '/')) != NULL) {
		if (cust_path_format(path, sizeof path, err, "%s/%.*s", u->partial,
		                     (int)(slash - rel), rel) < 0 ||
		    cust_fs_mkdir(path, 1, err) < 0)
			return -1;
		slash++;
	}
	return 0;
}

struct copy_sink {
	int fd;
	const char *name;
};

static int write_sink(void *ctx, const unsigned char *data, size_t len,
                      uint64_t offset, struct cust_error *err)
{
	struct copy_sink *s = ctx;
	(void)offset;
	return cust_fs_write_all(s->fd, data, len, s->name, err);
}

static json_t *digest_record(const char *rel, const struct cust_digest_engine *e)
{
	return json_pack("{s:s, s:I, s:s, s:s, s:s}", "path", rel, "size",
	                 (json_int_t)cust_digest_engine_length(e), "md5",
	                 cust_digest_engine_hex(e, CUST_DIGEST_MD5), "sha1",
	                 cust_digest_engine_hex(e, CUST_DIGEST_SHA1), "sha256",
	                 cust_digest_engine_hex(e, CUST_DIGEST_SHA256));
}

int cust_unit_copy_file(struct cust_unit *u, const char *src_path,
                        const char *rel, json_t **record,
                        struct cust_error *err)
{
	struct cust_digest_config cfg = {
		.algs = CUST_DIGEST_MD5 | CUST_DIGEST_SHA1 | CUST_DIGEST_SHA256
	};
	struct cust_digest_engine *e = NULL;
	struct copy_sink sink = { -1, NULL };
	char dst[CUST_PATH_MAX];
	struct stat st;
	int in = -1, rc = -1;

	if (record)
		*record = NULL;
	if (unit_ok(u, err) < 0 || payload_name_ok(rel, err) < 0 ||
	    cust_path_join(dst, sizeof dst, u->partial, rel, err) < 0 ||
	    make_parents(u, rel, err) < 0)
		return -1;
	in = cust_fs_open_read(src_path, 0, err);
	if (in < 0)
		return -1;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is not a regular file",
		               src_path);
		goto out;
	}
	(void)posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	sink.fd = cust_fs_create(dst, 0444, err);
	sink.name = dst;
	if (sink.fd < 0)
		goto out;
	e = cust_digest_engine_new(&cfg, err);
	if (!e || cust_digest_engine_add_sink(e, write_sink, &sink, err) < 0)
		goto out;
	if (cust_digest_engine_read_fd(e, in, src_path, err) < 0 ||
	    cust_digest_engine_finish(e, err) < 0)
		goto out;
	rc = cust_fs_close_synced(sink.fd, dst, err);
	sink.fd = -1;
	if (rc < 0 ||
	    cust_unit_note_file(u, rel, cust_digest_engine_length(e),
	                        cust_digest_engine_result(e, CUST_DIGEST_MD5),
	                        cust_digest_engine_result(e, CUST_DIGEST_SHA256),
	                        err) < 0) {
		rc = -1;
		goto out;
	}
	if (record && !(*record = digest_record(rel, e)))
		rc = cust_error_set(err, CUST_E_IO, "out of memory");
out:
	if (rc < 0 && e)
		cust_digest_engine_cancel(e);
	cust_digest_engine_free(e);
	if (sink.fd >= 0)
		close(sink.fd);
	close(in);
	return rc;
}

int cust_unit_write_json(struct cust_unit *u, const char *rel, const json_t *rec,
                         struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	char *text;
	int fd, rc;

	if (unit_ok(u, err) < 0 || payload_name_ok(rel, err) < 0 ||
	    cust_path_join(path, sizeof path, u->partial, rel, err) < 0 ||
	    make_parents(u, rel, err) < 0)
		return -1;
	text = cust_json_pretty(rec, err);
	if (!text)
		return -1;
	fd = cust_fs_create(path, 0444, err);
	if (fd < 0) {
		free(text);
		return -1;
	}
	rc = cust_fs_write_all(fd, text, strlen(text), path, err);
	free(text);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return cust_fs_close_synced(fd, path, err);
}

static int noted_cmp(const void *a, const void *b)
{
	const struct cust_manifest_entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int noted_digests(void *ctx, const char *path,
                         struct cust_manifest_entry *e)
{
	const struct cust_manifest_entry *n = cust_manifest_find(ctx, path);

	if (!n)
		return 0;
	e->size = n->size;
	e->has_md5 = n->has_md5;
	memcpy(e->md5, n->md5, sizeof e->md5);
	memcpy(e->sha256, n->sha256, sizeof e->sha256);
	return 1;
}

/* Remove the empty folders below the folder open at FD (PATH names it in
 * messages), deepest first, so that a folder holding only empty folders
 * goes too.  Bounded by the manifests' depth: a deeper unit is refused
 * when its manifests are written.  FD is closed. */
static int drop_empty_folders(int fd, const char *path, int depth,
                              struct cust_error *err)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > CUST_MANIFEST_MAX_DEPTH) {
		close(fd);
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read folder '%s'", path);
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		struct stat st;
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue; /* the manifests check every other entry */
		sub = openat(dirfd(d), de->d_name,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		rc = drop_empty_folders(sub, path, depth + 1, err);
		if (rc == 0 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 &&
		    errno != ENOTEMPTY && errno != EEXIST)
			rc = cust_error_set_errno(err, CUST_E_IO, errno,
			                          "cannot remove the empty folder "
			                          "'%s' from '%s'", de->d_name, path);
	}
	if (rc == 0 && errno != 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot read folder '%s'", path);
	closedir(d);
	return rc;
}

/* SHA256SUMS and manifest.hashdeep of the payload; files noted while
 * written are not read again.  The hashdeep manifest lists MD5 unless a
 * file still as noted was hashed without it. */
static int seal_manifests(struct cust_unit *u, char sums_sha256[65],
                          struct cust_error *err)
{
	int with_md5 = 1, fd;
	size_t i;

	/* a manifest lists files only: a folder made for output that never
	 * came would be in no manifest, and the sealed unit would hold more
	 * than its manifests say */
	fd = open(u->partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open unit '%s'", u->partial);
	if (drop_empty_folders(fd, u->partial, 0, err) < 0)
		return -1;
	if (u->noted.count > 1)
		qsort(u->noted.entries, u->noted.count, sizeof *u->noted.entries,
		      noted_cmp);
	for (i = 0; i < u->noted.count && with_md5; i++) {
		const struct cust_manifest_entry *n = &u->noted.entries[i];
		char path[CUST_PATH_MAX];
		struct stat st;

		if (!n->has_md5 &&
		    cust_path_join(path, sizeof path, u->partial, n->path,
		                   NULL) == 0 &&
		    lstat(path, &st) == 0 && (uint64_t)st.st_size == n->size)
			with_md5 = 0;
	}
	return cust_manifest_write_unit(u->partial, with_md5, noted_digests,
	                                &u->noted, sums_sha256, err);
}

int cust_unit_seal(struct cust_unit *u, const struct cust_actor *actor,
                   struct cust_event *ev, json_t **written,
                   struct cust_error *err)
{
	struct cust_signals held;
	json_t *facts = NULL;
	char sums_sha256[65];
	int rc = -1;

	if (unit_ok(u, err) < 0)
		return -1;
	/* the event must be loggable before the unit is sealed: a sealed unit
	 * without its event would fail verification for good */
	if (cust_log_check_event(ev, err) < 0)
		return -1;
	if (seal_manifests(u, sums_sha256, err) < 0)
		goto out;
	/* signed (and timestamped) before the rename: a sealed unit never
	 * appears without the signature its examiner meant it to have */
	if (cust_attest_unit(u->case_dir, u->partial, actor, CUST_SIGN_NEW,
	                     &facts, err) < 0 ||
	    cust_fs_sync_dir(u->partial, err) < 0)
		goto out;
	/* the log must take the event before the unit is sealed: a torn log
	 * or a full disk is found now, not after the rename; and the run's
	 * record names the unit first, so a kill between the rename and the
	 * log line is told from tampering (run.h) */
	if (cust_log_prepare(u->case_dir, NULL, err) < 0 ||
	    cust_run_sealing(actor ? actor->run : NULL, u->relpath, err) < 0)
		goto out;
	/* signals are held: an interruption between the rename and the log
	 * line would leave a sealed unit without its event */
	cust_signals_hold(&held);
	if (cust_fs_rename_noreplace(u->partial, u->final, err) < 0 ||
	    cust_fs_sync_dir(u->kind_dir, err) < 0) {
		cust_signals_release(&held);
		goto out;
	}
	u->sealed = 1;
	ev->unit = u->relpath;
	ev->manifest_sha256 = sums_sha256;
	rc = cust_log_append(u->case_dir, actor, ev, written, err);
	ev->manifest_sha256 = NULL; /* points into this frame */
	if (rc == 0)
		rc = cust_attest_log(u->case_dir, u->relpath, sums_sha256, actor,
		                     ev->tool, facts, err);
	cust_signals_release(&held);
	if (rc < 0)
		cust_error_prefix(err, "unit '%s' is sealed but its event could not "
		                       "be logged", u->relpath);
out:
	json_decref(facts);
	return rc;
}

static int remove_tree(int fd, const char *path, int depth,
                       struct cust_error *err);

/* Remove NAME from the folder DIRFD (PATH, DEPTH deep): a folder with
 * all it holds, anything else (a symlink too) as the entry it is. */
static int remove_entry(int dirfd, const char *name, const char *path,
                        int depth, struct cust_error *err)
{
	struct stat st;
	int sub, flags = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read '%s' in '%s'", name, path);
	if (S_ISDIR(st.st_mode)) {
		sub = openat(dirfd, name,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot open '%s' in '%s'", name,
			                            path);
		if (remove_tree(sub, path, depth + 1, err) < 0)
			return -1;
		flags = AT_REMOVEDIR;
	}
	if (unlinkat(dirfd, name, flags) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot remove '%s' from '%s'", name,
		                            path);
	return 0;
}

/* Remove everything in the folder FD (PATH, for messages), DEPTH deep;
 * FD is closed. */
static int remove_tree(int fd, const char *path, int depth,
                       struct cust_error *err)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;
	size_t removed;

	if (depth > CUST_MANIFEST_MAX_DEPTH) {
		close(fd);
		return cust_error_set(err, CUST_E_IO, "'%s' holds folders too "
		                      "deep to remove", path);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read folder '%s'", path);
	}
	/* readdir may miss entries once others are unlinked: passes until
	 * one finds nothing left */
	do {
		removed = 0;
		rewinddir(d);
		while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if ((rc = remove_entry(dirfd(d), de->d_name, path, depth,
			                       err)) == 0)
				removed++;
		}
		if (rc == 0 && errno != 0)
			rc = cust_error_set_errno(err, CUST_E_IO, errno,
			                          "cannot read folder '%s'", path);
	} while (rc == 0 && removed > 0);
	closedir(d);
	return rc;
}

int cust_unit_discard(struct cust_unit *u, struct cust_error *err)
{
	int fd;

	if (unit_ok(u, err) < 0)
		return -1;
	fd = open(u->partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open unit '%s'", u->partial);
	if (remove_tree(fd, u->partial, 0, err) < 0)
		return -1;
	if (rmdir(u->partial) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot remove unit '%s'", u->partial);
	u->discarded = 1;
	return cust_fs_sync_dir(u->kind_dir, err);
}

void cust_unit_free(struct cust_unit *u)
{
	if (!u || u->magic != UNIT_MAGIC)
		return;
	cust_manifest_release(&u->noted);
	u->magic = 0;
	free(u);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_kind(const char *case_dir, const char *kind, json_t *out,
                     struct cust_error *err)
{
	char dir[CUST_PATH_MAX];
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int fd, rc = -1;

	if (cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir, kind) < 0)
		return -1;
	/* a kind folder that is a symlink holds no unit of this case */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ELOOP || errno == ENOTDIR))
		return 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot read folder '%s'", dir);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (count >= CUST_MANIFEST_MAX_FILES) {
			cust_error_set(err, CUST_E_INPUT, "too many entries in '%s'", dir);
			goto out;
		}
		if (count == cap) {
			char **nn;
			cap = cap ? cap * 2 : 32;
			nn = realloc(names, cap * sizeof *names);
			if (!nn) {
				cust_error_set(err, CUST_E_IO, "out of memory");
				goto out;
			}
			names = nn;
		}
		names[count] = strdup(de->d_name);
		if (!names[count]) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
		count++;
	}
	if (count > 1)
		qsort(names, count, sizeof *names, name_cmp);
	for (i = 0; i < count; i++) {
		char base[CUST_PATH_MAX], path[CUST_PATH_MAX];
		const char *state = "sealed";
		size_t len = strlen(names[i]);
		size_t sl = sizeof CUST_UNIT_PARTIAL_SUFFIX - 1;
		struct stat st;
		json_t *o;

		if (cust_path_format(base, sizeof base, NULL, "%s", names[i]) < 0 ||
		    cust_path_format(path, sizeof path, NULL, "%s/%s", dir,
		                     names[i]) < 0) {
			state = "foreign";
		} else {
			if (len > sl && strcmp(names[i] + len - sl,
			                       CUST_UNIT_PARTIAL_SUFFIX) == 0) {
				state = "partial";
				base[len - sl] = '\0';
			}
			if (cust_id_check(base, "unit name", NULL) < 0 ||
			    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
				state = "foreign";
		}
		o = json_pack("{s:s, s:s, s:s++, s:s}", "kind", kind, "name", base,
		              "path", kind, "/", names[i], "state", state);
		if (!o || json_array_append_new(out, o) < 0) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int cust_unit_list(const char *case_dir, json_t *out, struct cust_error *err)
{
	const char *const *k;

	for (k = unit_kinds; *k; k++)
		if (list_kind(case_dir, *k, out, err) < 0)
			return -1;
	return 0;
}
