/* folder.c - every entry of a folder on the examiner's machine, as a walk
 * (walk.h, cust_walk_folder): files a hosting provider exported, or one
 * archive handed over by itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/place.h"
#include "custody/walk.h"
#include "walk_file.h"

/* Names read from one folder: more is recorded as a problem. */
#define FOLDER_NAMES_MAX (1u << 22)
#define FOLDER_READ_CHUNK ((size_t)1 << 20)
/* The raw path of the deepest entry: a name (at most 255 bytes, with its
 * '/') for each level down to CUST_WALK_DEPTH_MAX, and the entry's own. */
#define FOLDER_RAW_MAX ((CUST_WALK_DEPTH_MAX + 2) * 256 + 1)

struct folder {
	const struct cust_walk_options *o;
	cust_walk_fn fn;
	void *ctx;
	struct cust_error *err;
	json_t *problems;  /* borrowed from the report, or NULL */
	uint64_t nproblems;
	uint64_t entries, bytes;
	dev_t dev;         /* of the root: other file systems are not entered */
	int read_links;    /* read symlink targets (which stamps their atime) */
	int stopped;       /* the entry limit was reached */
	int failed;        /* FN failed: ERR holds why */
	/* the raw path of the entry being visited, from the root: whole,
	 * however long (the path reported is shortened from it, place.h) */
	char raw[FOLDER_RAW_MAX];
	size_t raw_len;
	const char **raw_out; /* when not NULL, told of RAW for each entry */
	char path[CUST_WALK_PATH_MAX];
	char name[CUST_WALK_PATH_MAX];
	char link[CUST_WALK_PATH_MAX];
};

static void problem(struct folder *w, const char *fmt, ...) CUST_PRINTF(2, 3);

static void problem(struct folder *w, const char *fmt, ...)
{
	char raw[1024], msg[1024 * 4 + 1];
	va_list ap;
	json_t *p;

	w->nproblems++;
	if (!w->problems || json_array_size(w->problems) >= CUST_WALK_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	cust_walk_escape(raw, strlen(raw), msg, sizeof msg);
	p = json_pack("{s:s, s:s}", "partition", "p0", "message", msg);
	if (p)
		json_array_append_new(w->problems, p);
}

/* A read of an entry's content failed (cust_walk_read): a problem. */
static void note_read(void *ctx, const char *message)
{
	problem(ctx, "%s", message);
}

static struct cust_walk_time host_time(const struct statx_timestamp *ts)
{
	struct cust_walk_time t = { 0, 0, 0, 0 };

	if (ts->tv_sec != 0 || ts->tv_nsec != 0) {
		t.present = 1;
		t.sec = ts->tv_sec;
		t.nsec = ts->tv_nsec < 1000000000u ? ts->tv_nsec : 0;
	}
	return t;
}

static enum cust_walk_type host_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return CUST_WALK_REGULAR;
	case S_IFDIR: return CUST_WALK_DIRECTORY;
	case S_IFLNK: return CUST_WALK_SYMLINK;
	case S_IFSOCK: return CUST_WALK_SOCKET;
	case S_IFIFO: return CUST_WALK_FIFO;
	case S_IFCHR: return CUST_WALK_CHAR_DEVICE;
	case S_IFBLK: return CUST_WALK_BLOCK_DEVICE;
	default: return CUST_WALK_OTHER;
	}
}

/* NAME in the folder DIRFD, for reading (with FLAGS), its access time
 * left alone when the examiner may (O_NOATIME: the owner, or root; a
 * folder's is touched by reading its names), never through a symlink; -1
 * when it cannot be opened. */
static int open_host(int dirfd, const char *name, int flags)
{
	int fd;

	flags |= O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	fd = openat(dirfd, name, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags);
	return fd;
}

/* A name of a folder; a folder sorts as its name with '/' after it. */
struct name {
	char *name;
	int is_dir;
};

/* Full paths in byte order (cust_path_name_cmp): the files of the walk
 * come in the order of `find . -type f | LC_ALL=C sort`. */
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

/* The names of the folder open at FD (REL names it), sorted (name_cmp):
 * readdir's order is the host file system's, not the evidence's. */
static int read_names(struct folder *w, int fd, const char *rel,
                      struct name **out, size_t *count)
{
	struct name *names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;

	*out = NULL;
	*count = 0;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		problem(w, "cannot read the folder '%s': %s", rel, strerror(errno));
		return 0;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == FOLDER_NAMES_MAX) {
			problem(w, "the folder '%s' holds more than %u names: the "
			           "rest are left out", rel, FOLDER_NAMES_MAX);
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct name *nn = realloc(names, nc * sizeof *nn);
			if (!nn)
				goto oom;
			names = nn;
			cap = nc;
		}
		if (!(names[n].name = strdup(de->d_name)))
			goto oom;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			names[n].is_dir = fstatat(fd, de->d_name, &st,
			                          AT_SYMLINK_NOFOLLOW) == 0 &&
			                  S_ISDIR(st.st_mode);
		} else {
			names[n].is_dir = de->d_type == DT_DIR;
		}
		n++;
	}
	if (errno != 0)
		problem(w, "reading the folder '%s' stopped: %s", rel,
		        strerror(errno));
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, name_cmp);
	*out = names;
	*count = n;
	return 0;
oom:
	closedir(d);
	names_free(names, n);
	w->failed = 1;
	return cust_error_set(w->err, CUST_E_IO, "out of memory");
}

static int walk_dir(struct folder *w, int fd, int depth);

/* Add "/NAME" to the raw path; the length to go back to, or (size_t)-1
 * (recorded) when it does not fit, which no file system's names allow. */
static size_t raw_push(struct folder *w, const char *name)
{
	size_t before = w->raw_len, n = strlen(name);

	if (n + 1 >= sizeof w->raw - before) {
		problem(w, "a path longer than %zu bytes in '%.200s': '%.200s' "
		           "left out", sizeof w->raw - 1, w->raw, name);
		return (size_t)-1;
	}
	w->raw[before] = '/';
	memcpy(w->raw + before + 1, name, n + 1);
	w->raw_len = before + 1 + n;
	return before;
}

static void raw_pop(struct folder *w, size_t len)
{
	w->raw_len = len;
	w->raw[len] = '\0';
}

/* Report the entry NAME of the folder DIRFD, whose raw path from the root
 * is W->RAW (with its last name); recurse into a folder. */
static int visit(struct folder *w, int dirfd, const char *name, int depth)
{
	const char *raw = w->raw;
	struct cust_walk_entry e;
	struct cust_walk_file wf;
	struct statx st;
	int rc, cut;

	if (w->o->max_entries && w->entries >= w->o->max_entries) {
		w->stopped = 1;
		return -1;
	}
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS |
	          STATX_BTIME, &st) < 0) {
		problem(w, "cannot stat '%s': %s", raw, strerror(errno));
		return 0;
	}
	memset(&e, 0, sizeof e);
	/* a path too long for a record is shortened, never cut: two long
	 * paths alike at their start stay two */
	cut = cust_place_escape(w->raw, w->raw_len, w->path, sizeof w->path);
	cust_place_escape(name, strlen(name), w->name, sizeof w->name);
	e.partition = "p0";
	e.fs_type = "folder";
	e.path = w->path;
	e.name = w->name;
	e.path_truncated = cut;
	e.meta_addr = st.stx_ino;
	e.name_allocated = e.meta_allocated = e.has_meta = 1;
	e.type = host_type(st.stx_mode);
	e.size = e.type == CUST_WALK_REGULAR || e.type == CUST_WALK_SYMLINK
	                 ? st.stx_size : 0;
	e.mtime = host_time(&st.stx_mtime);
	e.atime = host_time(&st.stx_atime);
	e.ctime = host_time(&st.stx_ctime);
	if (st.stx_mask & STATX_BTIME)
		e.crtime = host_time(&st.stx_btime);
	e.mode = st.stx_mode & 07777;
	e.uid = st.stx_uid;
	e.gid = st.stx_gid;
	e.content = e.size ? CUST_WALK_CONTENT_ALLOCATED : CUST_WALK_CONTENT_EMPTY;
	if (e.type == CUST_WALK_SYMLINK && w->read_links) {
		char target[CUST_WALK_LINK_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof target);
		if (n >= 0) {
			cust_place_escape(target, (size_t)n, w->link,
			                  sizeof w->link);
			e.link_target = w->link;
		}
	}
	memset(&wf, 0, sizeof wf);
	wf.magic = WALK_FILE_MAGIC;
	wf.path = w->path;
	wf.type = e.type;
	wf.content = e.content;
	wf.raw_fd = -1;
	wf.host_fd = -1;
	wf.note = note_read;
	wf.note_ctx = w;
	if (e.type == CUST_WALK_REGULAR && e.size > 0) {
		struct stat fst;

		wf.host_fd = open_host(dirfd, name, 0);
		if (wf.host_fd < 0) {
			problem(w, "cannot open '%s': %s", raw, strerror(errno));
			wf.noted = 1;
		}
		else if (fstat(wf.host_fd, &fst) < 0 || fst.st_ino != st.stx_ino ||
		         (uint64_t)fst.st_size != st.stx_size)
			problem(w, "'%s' changed while it was read", raw);
		/* sparse files of the host may add up past 2^64 */
		w->bytes = e.size > UINT64_MAX - w->bytes ? UINT64_MAX
		                                          : w->bytes + e.size;
	}
	wf.size = e.size;
	w->entries++;
	if (w->raw_out)
		*w->raw_out = w->raw;
	rc = w->fn(w->ctx, &e, &wf, w->err);
	wf.magic = 0;
	if (wf.host_fd >= 0)
		close(wf.host_fd);
	if (rc < 0) {
		w->failed = 1;
		return -1;
	}
	if (e.type == CUST_WALK_DIRECTORY) {
		int sub;

		if (depth >= CUST_WALK_DEPTH_MAX) {
			problem(w, "'%s' is more than %d folders deep: not entered",
			        raw, CUST_WALK_DEPTH_MAX);
			return 0;
		}
		if (makedev(st.stx_dev_major, st.stx_dev_minor) != w->dev) {
			problem(w, "'%s' is another file system: not entered", raw);
			return 0;
		}
		sub = open_host(dirfd, name, O_DIRECTORY);
		if (sub < 0) {
			problem(w, "cannot open the folder '%s': %s", raw,
			        strerror(errno));
			return 0;
		}
		rc = walk_dir(w, sub, depth + 1);
		close(sub);
		return rc;
	}
	return 0;
}

/* Every entry of the folder open at FD (raw path W->RAW from the root,
 * "" for the root itself), in name_cmp order, each folder's entries right
 * after it. */
static int walk_dir(struct folder *w, int fd, int depth)
{
	struct name *names;
	size_t n, i;
	int rc = 0;

	if (read_names(w, fd, w->raw_len ? w->raw : "/", &names, &n) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		size_t saved = raw_push(w, names[i].name);

		if (saved == (size_t)-1)
			continue;
		rc = visit(w, fd, names[i].name, depth);
		raw_pop(w, saved);
	}
	names_free(names, n);
	return rc;
}

/* REPORT's facts of the walk: a container "folder" (or "file"), one
 * partition p0 holding it all. */
static void report_folder(json_t *report, const struct folder *w,
                          const char *path, int is_dir)
{
	char esc[CUST_WALK_PATH_MAX];

	if (!report)
		return;
	cust_place_escape(path, strlen(path), esc, sizeof esc);
	json_object_set_new(report, "container",
	                    json_pack("{s:s, s:I, s:[s]}", "type",
	                              is_dir ? "folder" : "file", "size",
	                              (json_int_t)w->bytes, "segments", esc));
	json_object_set_new(report, "volume_system", json_null());
	json_object_set_new(report, "partitions",
	                    json_pack("[{s:s, s:i, s:I, s:s, s:I}]", "name",
	                              "p0", "offset", 0, "length",
	                              (json_int_t)w->bytes, "fs_type", "folder",
	                              "entries", (json_int_t)w->entries));
	json_object_set_new(report, "entries",
	                    json_integer((json_int_t)w->entries));
	json_object_set_new(report, "complete",
	                    json_boolean(!w->stopped && w->nproblems == 0));
}

/* The walk of cust_walk_folder; READ_LINKS: read symlinks' targets;
 * RAW_OUT (may be NULL) receives each entry's whole raw path before its
 * callback (the digest lines are of whole paths). */
static int walk_folder(const char *path, const struct cust_walk_options *o,
                       cust_walk_fn fn, void *ctx, json_t *report,
                       int read_links, const char **raw_out,
                       struct cust_error *err)
{
	static const struct cust_walk_options defaults = {
		.include_deleted = 1
	};
	struct folder *w;
	struct stat st;
	int fd, rc;

	if (!path || !fn || (report && !json_is_object(report)))
		return cust_error_set(err, CUST_E_USAGE, "walk: no folder given");
	if (lstat(path, &st) < 0)
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot read '%s'", path);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is not a folder or a regular file",
		                      path);
	if (!(w = calloc(1, sizeof *w)))
		return cust_error_set(err, CUST_E_IO, "out of memory");
	w->o = o ? o : &defaults;
	w->fn = fn;
	w->ctx = ctx;
	w->err = err;
	w->dev = st.st_dev;
	w->read_links = read_links;
	w->raw_out = raw_out;
	if (report) {
		w->problems = json_array();
		json_object_set_new(report, "problems", w->problems);
	}
	if (S_ISDIR(st.st_mode)) {
		fd = open_host(AT_FDCWD, path, O_DIRECTORY);
		if (fd < 0) {
			free(w);
			return cust_error_set_errno(err, CUST_E_INPUT, errno,
			                            "cannot open the folder '%s'",
			                            path);
		}
		rc = walk_dir(w, fd, 0);
		close(fd);
	} else {
		/* one file by itself: the entry "/NAME" in the folder holding it */
		char *copy = strdup(path), *slash;
		const char *name, *dir;

		if (!copy) {
			free(w);
			return cust_error_set(err, CUST_E_IO, "out of memory");
		}
		slash = strrchr(copy, '/');
		name = slash ? slash + 1 : copy;
		dir = slash ? (slash == copy ? "/" : copy) : ".";
		if (slash)
			*slash = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			rc = cust_error_set_errno(err, CUST_E_INPUT, errno,
			                          "cannot open '%s'", path);
		else if (raw_push(w, name) == (size_t)-1)
			rc = cust_error_set(err, CUST_E_INPUT,
			                    "cannot read '%s': its name is too "
			                    "long", path);
		else
			rc = visit(w, fd, name, 0);
		if (fd >= 0)
			close(fd);
		free(copy);
	}
	if (rc < 0 && w->stopped && !w->failed)
		rc = 0; /* the entry limit: a complete=false report */
	report_folder(report, w, path, S_ISDIR(st.st_mode));
	free(w);
	return rc;
}

int cust_walk_folder(const char *path, const struct cust_walk_options *o,
                     cust_walk_fn fn, void *ctx, json_t *report,
                     struct cust_error *err)
{
	return walk_folder(path, o, fn, ctx, report, 1, NULL, err);
}

/* ---- the digest of a folder ---------------------------------------------- */

struct cust_folder_listing {
	EVP_MD_CTX *md; /* over the lines */
	uint64_t files, bytes;
};

struct cust_folder_listing *cust_folder_listing_new(struct cust_error *err)
{
	struct cust_folder_listing *l = calloc(1, sizeof *l);

	if (!l || !(l->md = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(l->md, EVP_sha256(), NULL) != 1) {
		cust_folder_listing_free(l);
		cust_error_set(err, CUST_E_IO, "cannot start SHA-256");
		return NULL;
	}
	return l;
}

int cust_folder_listing_add(struct cust_folder_listing *l,
                            const char sha256[65], const char *path,
                            uint64_t size, struct cust_error *err)
{
	/* "SHA256  .PATH\n", the path of any length */
	if (strnlen(sha256, 65) != 64 ||
	    EVP_DigestUpdate(l->md, sha256, 64) != 1 ||
	    EVP_DigestUpdate(l->md, "  .", 3) != 1 ||
	    EVP_DigestUpdate(l->md, path, strlen(path)) != 1 ||
	    EVP_DigestUpdate(l->md, "\n", 1) != 1)
		return cust_error_set(err, CUST_E_IO, "cannot hash the listing");
	l->files++;
	/* sizes from statx: a sum of sparse files could wrap */
	l->bytes = size > UINT64_MAX - l->bytes ? UINT64_MAX : l->bytes + size;
	return 0;
}

void cust_folder_listing_end(struct cust_folder_listing *l, char sha256[65],
                             uint64_t *files, uint64_t *bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	EVP_DigestFinal_ex(l->md, md, &len);
	cust_hex_encode(md, 32, sha256);
	*files = l->files;
	*bytes = l->bytes;
	cust_folder_listing_free(l);
}

void cust_folder_listing_free(struct cust_folder_listing *l)
{
	if (!l)
		return;
	EVP_MD_CTX_free(l->md);
	free(l);
}

struct digest_walk {
	struct cust_folder_listing *listing;
	unsigned char *buf;
	const char *raw; /* the entry's whole raw path (walk_folder) */
};

/* One regular file's line into the listing: its content hashed here. */
static int digest_entry(void *ctx, const struct cust_walk_entry *e,
                        struct cust_walk_file *f, struct cust_error *err)
{
	struct digest_walk *d = ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * 32 + 1];
	EVP_MD_CTX *c;
	uint64_t off = 0;
	unsigned len = 0;
	size_t got;

	if (e->type != CUST_WALK_REGULAR)
		return 0;
	if (!(c = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return cust_error_set(err, CUST_E_IO, "cannot start SHA-256");
	}
	while (off < e->size) {
		if (cust_walk_read(f, off, d->buf, FOLDER_READ_CHUNK, &got,
		                   err) < 0 || got == 0 ||
		    EVP_DigestUpdate(c, d->buf, got) != 1) {
			EVP_MD_CTX_free(c);
			if (got == 0)
				cust_error_set(err, CUST_E_INPUT, "'%s' ended early",
				               e->path);
			return -1;
		}
		off += got;
	}
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	cust_hex_encode(md, 32, hex);
	if (e->path_truncated && d->raw) {
		/* the line holds the whole path, escaped, not the shortened
		 * one the entry reports */
		size_t n = strlen(d->raw);
		char *full = malloc(4 * n + 1);
		int rc;
		if (!full)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		cust_walk_escape(d->raw, n, full, 4 * n + 1);
		rc = cust_folder_listing_add(d->listing, hex, full, e->size, err);
		free(full);
		return rc;
	}
	return cust_folder_listing_add(d->listing, hex, e->path, e->size, err);
}

int cust_walk_folder_digest(const char *path, char sha256[65],
                            uint64_t *files, uint64_t *bytes,
                            struct cust_error *err)
{
	struct digest_walk d = { 0 };
	int rc = -1;

	if (!(d.listing = cust_folder_listing_new(err)))
		return -1;
	if (!(d.buf = malloc(FOLDER_READ_CHUNK))) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	/* regular files only: the symlinks' targets are left unread */
	if (walk_folder(path, NULL, digest_entry, &d, NULL, 0, &d.raw, err) < 0)
		goto out;
	cust_folder_listing_end(d.listing, sha256, files, bytes);
	d.listing = NULL;
	rc = 0;
out:
	cust_folder_listing_free(d.listing);
	free(d.buf);
	return rc;
}
