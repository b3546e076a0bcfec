/*
 * xfs.c - XFS file systems, which libtsk 4.11 does not read, walked
 * through libyal's libfsxfs (xfs.h; the contract is walk.h's).
 *
 * libfsxfs lists the directories, gives each entry's name, type, owner,
 * size and symlink target, and reads the content.  What it does not give,
 * or gives wrong, custody reads from the on-disk structures itself
 * (xfs_disk.h): the times (libfsxfs 20201117 misreads the big timestamps
 * of every file system made by xfsprogs 5.15 and later), the extents (the
 * runs, holes and slack of a file), the raw bytes of a name that is not
 * UTF-8 (libfsxfs refuses such a name), the UUID, and the free space.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfsxfs.h>

#include "bfio_img.h"
#include "custody/walk.h"
#include "walk_file.h"
#include "walk_internal.h"
#include "xfs.h"
#include "xfs_disk.h"

#define XFS_NAME_MAX 255
/* the raw path of the deepest entry: a name and its '/' for each level */
#define XFS_RAW_MAX ((CUST_WALK_DEPTH_MAX + 2) * (XFS_NAME_MAX + 1) + 1)
#define XFS_MSG_MAX 512

/* The content of one entry (cust_walk_file's xfs member). */
struct xfs_file {
	libfsxfs_file_entry_t *entry;
	TSK_IMG_INFO *img;
	const struct cust_walk_run *runs; /* in file order, holes sparse */
	size_t nruns;
	int runs_whole;   /* the runs describe every byte up to the size */
	uint64_t block_size;
	size_t span_i;    /* cust_walk_span's place: run and its start */
	uint64_t span_start;
};

/* The directory inodes entered, so that none is entered twice (a loop,
 * or a directory with two names on a damaged file system). */
struct inode_set {
	uint64_t *v; /* open addressing; 0 is free (no inode is 0) */
	size_t cap, n;
};

struct name_find {
	uint64_t ino;
	size_t index, at;
	unsigned char name[XFS_NAME_MAX + 1];
	size_t len;
	int found;
};

struct xw {
	struct walk *w;
	TSK_IMG_INFO *img;
	uint64_t base, len;    /* the volume: LEN bytes at BASE of IMG */
	libfsxfs_volume_t *vol;
	struct xfs_sb sb;
	unsigned char *ibuf;   /* one inode */
	struct inode_set dirs;
	int deep_noted;
	char raw[XFS_RAW_MAX]; /* the raw path of the entry being reported */
	size_t raw_len;
	/* scratch of walk_dir, shared by every level of it */
	uint8_t name[XFS_NAME_MAX * 4 + 1];
	char path[CUST_WALK_PATH_MAX];
	char msg[XFS_MSG_MAX];
	struct name_find nf;
	char uuid[37];
	char label[12 * 4 + 1];
};

/* libfsxfs's error *E on one line in BUF; frees *E. */
static const char *fsx_message(libfsxfs_error_t **e, char *buf, size_t size)
{
	char *p;

	snprintf(buf, size, "unknown libfsxfs error");
	if (e && *e && libfsxfs_error_backtrace_sprint(*e, buf, size) > 0) {
		buf[size - 1] = '\0';
		for (p = buf; *p; p++)
			if (*p == '\n')
				*p = p[1] ? ' ' : '\0';
	}
	libfsxfs_error_free(e);
	return buf;
}

/* ---- reading the volume for xfs_disk ----------------------------------- */

static int vol_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct xw *x = ctx;
	ssize_t n;

	if (off > x->len || len > x->len - off)
		return -1;
	n = tsk_img_read(x->img, (TSK_OFF_T)(x->base + off), buf, len);
	tsk_error_reset();
	return n == (ssize_t)len ? 0 : -1;
}

/* Inode INO into X->ibuf and *INO; -1 with WHY. */
static int read_inode(struct xw *x, uint64_t ino, struct xfs_inode *in,
                      char *why, size_t whysz)
{
	uint64_t off;

	if (xfs_inode_offset(&x->sb, ino, &off) < 0) {
		snprintf(why, whysz, "inode number outside the file system");
		return -1;
	}
	if (vol_read(x, off, x->ibuf, x->sb.inode_size) < 0) {
		snprintf(why, whysz, "inode at offset %" PRIu64 " cannot be read",
		         off);
		return -1;
	}
	return xfs_inode_read(&x->sb, x->ibuf, x->sb.inode_size, in, why,
	                      whysz);
}

/* ---- the set of directories entered ------------------------------------ */

/* 1 when INO was in S (0 and added when not); -1 out of memory. */
static int set_add(struct inode_set *s, uint64_t ino)
{
	size_t i;

	if (ino == 0)
		return 1;
	if (s->n * 2 >= s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024, j;
		uint64_t *nv = calloc(nc, sizeof *nv);
		if (!nv)
			return -1;
		for (j = 0; j < s->cap; j++) {
			if (!s->v[j])
				continue;
			for (i = (size_t)(s->v[j] * 0x9e3779b97f4a7c15ull) & (nc - 1);
			     nv[i]; i = (i + 1) & (nc - 1))
				;
			nv[i] = s->v[j];
		}
		free(s->v);
		s->v = nv;
		s->cap = nc;
	}
	for (i = (size_t)(ino * 0x9e3779b97f4a7c15ull) & (s->cap - 1); s->v[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i] == ino)
			return 1;
	s->v[i] = ino;
	s->n++;
	return 0;
}

/* ---- runs -------------------------------------------------------------- */

struct run_build {
	struct xw *x;
	struct cust_walk_run *runs;
	size_t n;
	uint64_t next; /* file byte the runs reach */
	uint64_t size;
	int truncated;
};

/* Append a run of LEN bytes (a hole when SPARSE, else at image AT). */
static int run_push(struct run_build *b, uint64_t len, int sparse,
                    uint64_t at)
{
	struct cust_walk_run *r;

	if (b->n > 0) { /* holes that follow each other are one */
		r = &b->runs[b->n - 1];
		if (sparse && r->sparse) {
			r->length += len;
			b->next += len;
			return 0;
		}
	}
	if (b->n == CUST_WALK_RUNS_MAX) {
		b->truncated = 1;
		return 1;
	}
	r = &b->runs[b->n++];
	r->offset = sparse ? 0 : at;
	r->length = len;
	r->sparse = sparse;
	r->filler = 0;
	b->next += len;
	return 0;
}

static int run_extent(void *ctx, const struct xfs_extent *e)
{
	struct run_build *b = ctx;
	uint64_t bs = b->x->sb.block_size, start, len, at;

	if (e->file_block > UINT64_MAX / bs || e->count > UINT64_MAX / bs)
		return 1;
	start = e->file_block * bs;
	len = e->count * bs;
	if (start >= b->size || start < b->next)
		return 1; /* past the content (preallocated): not described */
	if (start > b->next && run_push(b, start - b->next, 1, 0))
		return 1;
	if (e->unwritten)
		return run_push(b, len, 1, 0);
	/* a run no volume could hold ends the description: its last block
	 * must lie in the file system too (the same group) */
	if (xfs_fsb_offset(&b->x->sb, e->fsb + e->count - 1, &at) < 0 ||
	    (e->fsb >> b->x->sb.agblklog) !=
	            ((e->fsb + e->count - 1) >> b->x->sb.agblklog) ||
	    xfs_fsb_offset(&b->x->sb, e->fsb, &at) < 0) {
		b->truncated = 1;
		return 1;
	}
	return run_push(b, len, 0, b->x->base + at);
}

/* The runs of the inode in X->ibuf (IN) into W->runs and E; *WHOLE: they
 * describe every byte of the content.  -1 with WHY on damage. */
static int describe_runs(struct xw *x, const struct xfs_inode *in,
                         struct cust_walk_entry *e, int *whole, char *why,
                         size_t whysz)
{
	struct run_build b;
	int rc;

	*whole = 0;
	memset(&b, 0, sizeof b);
	b.x = x;
	b.runs = x->w->runs;
	b.size = e->size;
	rc = xfs_extents(&x->sb, in, x->ibuf, x->sb.inode_size, vol_read, x,
	                 run_extent, &b, why, whysz);
	/* past the last extent up to the size: a hole */
	if (rc == 0 && !b.truncated && b.next < b.size) {
		uint64_t bs = x->sb.block_size, end = b.size;
		if (end % bs && end <= UINT64_MAX - bs)
			end += bs - end % bs;
		run_push(&b, end - b.next, 1, 0);
	}
	e->nruns = b.n;
	e->runs = x->w->runs;
	e->runs_plain = 1; /* libfsxfs reads the extents as they lie */
	e->runs_truncated = b.truncated || rc < 0;
	*whole = rc == 0 && !b.truncated && b.next >= b.size;
	return rc;
}

/* ---- the content backend ----------------------------------------------- */

int xfs_file_read(struct cust_walk_file *f, uint64_t offset, void *buf,
                  size_t len, size_t *got, struct cust_error *err)
{
	libfsxfs_error_t *e = NULL;
	char msg[XFS_MSG_MAX];
	ssize_t n;

	*got = 0;
	if (offset > (uint64_t)INT64_MAX)
		return 0;
	n = libfsxfs_file_entry_read_buffer_at_offset(f->xfs->entry, buf, len,
	                                              (off64_t)offset, &e);
	if (n < 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "cannot read '%s' at %" PRIu64 ": %s", f->path,
		                      offset, fsx_message(&e, msg, sizeof msg));
	*got = (size_t)n;
	return 0;
}

void xfs_file_span(struct cust_walk_file *f, uint64_t offset, int *hole,
                   uint64_t *len)
{
	struct xfs_file *x = f->xfs;
	uint64_t rest = f->size - offset, start = 0, end;
	size_t i = 0;

	*hole = 0;
	*len = rest;
	if (!x->runs_whole)
		return; /* read it all: libfsxfs knows */
	if (x->span_i < x->nruns && x->span_start <= offset) {
		i = x->span_i;
		start = x->span_start;
	}
	for (; i < x->nruns; start += x->runs[i].length, i++) {
		if (start + x->runs[i].length <= offset)
			continue;
		x->span_i = i;
		x->span_start = start;
		*hole = x->runs[i].sparse;
		/* runs alternate: a hole is one run, data may be several */
		end = start + x->runs[i].length;
		while (!*hole && i + 1 < x->nruns && !x->runs[i + 1].sparse &&
		       end - offset < rest)
			end += x->runs[++i].length;
		if (end - offset < rest)
			*len = end - offset;
		return;
	}
}

uint64_t xfs_file_holes(struct cust_walk_file *f)
{
	struct xfs_file *x = f->xfs;
	uint64_t holes = 0, start = 0;
	size_t i;

	if (!x->runs_whole)
		return 0;
	for (i = 0; i < x->nruns && start < f->size; i++) {
		uint64_t l = x->runs[i].length;
		if (l > f->size - start)
			l = f->size - start;
		if (x->runs[i].sparse)
			holes += l;
		start += x->runs[i].length;
	}
	return holes;
}

void xfs_file_slack(struct cust_walk_file *f, void *buf, size_t cap,
                    size_t *got, uint64_t *image_offset)
{
	struct xfs_file *x = f->xfs;
	uint64_t start = 0, bs = x->block_size, want, at;
	size_t i;
	ssize_t n;

	*got = 0;
	*image_offset = 0;
	if (f->type != CUST_WALK_REGULAR || f->content != CUST_WALK_CONTENT_ALLOCATED ||
	    cap == 0 || bs == 0 || f->size % bs == 0 || !x->runs_whole)
		return;
	if (cap > CUST_WALK_SLACK_MAX)
		cap = CUST_WALK_SLACK_MAX;
	for (i = 0; i < x->nruns; start += x->runs[i].length, i++) {
		if (start + x->runs[i].length <= f->size)
			continue;
		if (x->runs[i].sparse || f->size - start > x->runs[i].length)
			return;
		want = bs - f->size % bs;
		if (want > cap)
			want = cap;
		at = x->runs[i].offset + (f->size - start);
		n = tsk_img_read(x->img, (TSK_OFF_T)at, buf, (size_t)want);
		tsk_error_reset();
		if (n <= 0)
			return;
		*got = (size_t)n;
		*image_offset = at;
		return;
	}
}

/* ---- the walk ----------------------------------------------------------- */

static enum cust_walk_type type_of_mode(uint16_t mode)
{
	switch (mode & 0xf000) {
	case LIBFSXFS_FILE_TYPE_REGULAR_FILE: return CUST_WALK_REGULAR;
	case LIBFSXFS_FILE_TYPE_DIRECTORY: return CUST_WALK_DIRECTORY;
	case LIBFSXFS_FILE_TYPE_SYMBOLIC_LINK: return CUST_WALK_SYMLINK;
	case LIBFSXFS_FILE_TYPE_SOCKET: return CUST_WALK_SOCKET;
	case LIBFSXFS_FILE_TYPE_FIFO: return CUST_WALK_FIFO;
	case LIBFSXFS_FILE_TYPE_CHARACTER_DEVICE: return CUST_WALK_CHAR_DEVICE;
	case LIBFSXFS_FILE_TYPE_BLOCK_DEVICE: return CUST_WALK_BLOCK_DEVICE;
	default: return CUST_WALK_OTHER;
	}
}

static struct cust_walk_time walk_time(struct xfs_time t)
{
	struct cust_walk_time o = { 0, 0, 0, 0 };

	if (t.present) {
		o.present = 1;
		o.sec = t.sec;
		o.nsec = t.nsec;
	}
	return o;
}

static void note_read(void *ctx, const char *message)
{
	walk_problem(ctx, "%s", message);
}

/* The symlink target of FE (inode IN in X->ibuf, when HAVE_IN) into
 * W->link: through libfsxfs, or the raw bytes of a target kept in the
 * inode when libfsxfs cannot give them (not UTF-8). */
static const char *link_target(struct xw *x, libfsxfs_file_entry_t *fe,
                               const struct xfs_inode *in, int have_in)
{
	struct walk *w = x->w;
	libfsxfs_error_t *e = NULL;
	uint8_t t[CUST_WALK_LINK_MAX];
	size_t sz = 0;

	if (libfsxfs_file_entry_get_utf8_symbolic_link_target_size(fe, &sz,
	                                                           &e) == 1 &&
	    sz > 0 && sz <= sizeof t &&
	    libfsxfs_file_entry_get_utf8_symbolic_link_target(fe, t, sz,
	                                                      &e) == 1) {
		cust_walk_escape(t, strnlen((char *)t, sz), w->link,
		                 sizeof w->link);
		return w->link;
	}
	libfsxfs_error_free(&e);
	if (have_in && in->format == 1 && in->size <= in->fork_len) {
		cust_walk_escape(x->ibuf + in->fork_off, (size_t)in->size, w->link,
		                 sizeof w->link);
		return w->link;
	}
	walk_problem(w, "'%s': its symlink target cannot be read", w->path);
	return NULL;
}

/* Report FE, named by X->raw (its last name: NAME, NLEN bytes), DEPTH
 * levels below the root.  *DIR_INO receives its inode number when it is
 * a directory to enter, else 0.  -1 when the walk stops. */
static int report_entry(struct xw *x, libfsxfs_file_entry_t *fe,
                        const unsigned char *name, size_t nlen,
                        uint64_t *dir_ino)
{
	struct walk *w = x->w;
	struct cust_walk_entry e;
	struct cust_walk_file wf;
	struct xfs_file xf;
	struct xfs_inode in;
	libfsxfs_error_t *le = NULL;
	char why[XFS_MSG_MAX];
	uint64_t ino = 0;
	size64_t size = 0;
	uint16_t mode = 0;
	uint32_t uid = 0, gid = 0;
	int have_in, whole = 0, rc;

	*dir_ino = 0;
	if (w->o->max_entries && w->entries >= w->o->max_entries) {
		w->stopped = 1;
		walk_problem(w, "entry limit %" PRIu64 " reached: walk stopped",
		             w->o->max_entries);
		return -1;
	}
	memset(&e, 0, sizeof e);
	memset(&in, 0, sizeof in);
	e.path_truncated = cust_walk_escape(x->raw, x->raw_len, w->path,
	                                    sizeof w->path);
	cust_walk_escape(name, nlen, w->name, sizeof w->name);
	e.partition = w->part;
	e.partition_offset = w->part_offset;
	e.origin = w->origin;
	e.layer = w->layer;
	e.sector_size = w->img->sector_size;
	e.fs_type = "xfs";
	e.fs_uuid = x->uuid;
	e.fs_label = x->label;
	e.path = w->path;
	e.name = w->name;
	e.name_allocated = e.meta_allocated = e.has_meta = 1;
	e.runs = w->runs;
	if (libfsxfs_file_entry_get_inode_number(fe, &ino, &le) != 1 ||
	    libfsxfs_file_entry_get_file_mode(fe, &mode, &le) != 1 ||
	    libfsxfs_file_entry_get_size(fe, &size, &le) != 1 ||
	    libfsxfs_file_entry_get_owner_identifier(fe, &uid, &le) != 1 ||
	    libfsxfs_file_entry_get_group_identifier(fe, &gid, &le) != 1) {
		walk_problem(w, "'%s': its metadata cannot be read: %s", w->path,
		             fsx_message(&le, why, sizeof why));
		e.has_meta = 0;
	}
	e.meta_addr = ino;
	e.type = type_of_mode(mode);
	e.mode = mode & 07777;
	e.uid = uid;
	e.gid = gid;
	e.size = size;
	have_in = e.has_meta && read_inode(x, ino, &in, why, sizeof why) == 0;
	if (e.has_meta && !have_in)
		walk_problem(w, "'%s': inode %" PRIu64 " (times, extents) cannot "
		             "be read: %s", w->path, ino, why);
	if (have_in) {
		e.mtime = walk_time(in.mtime);
		e.atime = walk_time(in.atime);
		e.ctime = walk_time(in.ctime);
		e.crtime = walk_time(in.crtime);
		if (e.type == CUST_WALK_DIRECTORY)
			e.size = in.size; /* libfsxfs gives 0 */
		else if (in.size != e.size)
			walk_problem(w, "'%s': libfsxfs reads %" PRIu64 " bytes, the "
			             "inode says %" PRIu64, w->path, (uint64_t)size,
			             in.size);
		if ((in.mode & 0xf000) != (mode & 0xf000))
			walk_problem(w, "'%s': libfsxfs gives mode %o, the inode %o",
			             w->path, mode, in.mode);
		if (e.type == CUST_WALK_REGULAR &&
		    describe_runs(x, &in, &e, &whole, why, sizeof why) < 0)
			walk_problem(w, "'%s': its extents cannot all be read: %s",
			             w->path, why);
	}
	if (e.has_meta && e.type == CUST_WALK_SYMLINK)
		e.link_target = link_target(x, fe, &in, have_in);
	e.content = !e.has_meta ? CUST_WALK_CONTENT_NO_RUNS
	            : e.size == 0 ? CUST_WALK_CONTENT_EMPTY
	                          : CUST_WALK_CONTENT_ALLOCATED;

	memset(&xf, 0, sizeof xf);
	xf.entry = fe;
	xf.img = x->img;
	xf.runs = e.runs; /* offsets in the volume: its slack is read there */
	xf.nruns = e.nruns;
	xf.runs_whole = whole;
	walk_place_runs(w, &e);
	xf.block_size = x->sb.block_size;
	memset(&wf, 0, sizeof wf);
	wf.magic = WALK_FILE_MAGIC;
	wf.size = e.has_meta ? e.size : 0;
	wf.path = w->path;
	wf.type = e.type;
	wf.content = e.content;
	wf.raw_fd = -1;
	wf.host_fd = -1;
	wf.note = note_read;
	wf.note_ctx = w;
	wf.walk = w;
	wf.xfs = &xf;
	w->entries++;
	w->part_entries++;
	rc = w->fn(w->ctx, &e, &wf, w->err);
	wf.magic = 0;
	if (rc != 0) {
		w->failed = 1;
		return -1;
	}
	if (e.type == CUST_WALK_DIRECTORY && e.has_meta)
		*dir_ino = ino;
	return 0;
}

/* The name custody reads itself when libfsxfs cannot give it (not
 * UTF-8): entry INDEX of the directory when it is inode INO's, else the
 * first entry naming INO. */
static int name_at(void *ctx, uint64_t ino, const unsigned char *name,
                   size_t len)
{
	struct name_find *nf = ctx;
	size_t at = nf->at++;

	if (ino != nf->ino || len > XFS_NAME_MAX)
		return 0;
	if (at == nf->index || !nf->found) {
		memcpy(nf->name, name, len);
		nf->len = len;
		nf->found = 1;
	}
	return at == nf->index ? 1 : 0;
}

static int raw_name(struct xw *x, uint64_t dir_ino, int index,
                    libfsxfs_file_entry_t *fe, struct name_find *nf)
{
	struct xfs_inode in;
	char why[XFS_MSG_MAX];

	memset(nf, 0, sizeof *nf);
	nf->index = (size_t)index;
	if (libfsxfs_file_entry_get_inode_number(fe, &nf->ino, NULL) != 1 ||
	    read_inode(x, dir_ino, &in, why, sizeof why) < 0 ||
	    xfs_dir_entries(&x->sb, &in, x->ibuf, x->sb.inode_size, vol_read, x,
	                    name_at, nf, why, sizeof why) < 0 ||
	    !nf->found)
		return -1;
	return 0;
}

/* X->raw escaped, for a message ("/" for the root). */
static const char *dir_path(struct xw *x)
{
	if (x->raw_len == 0)
		return "/";
	cust_walk_escape(x->raw, x->raw_len, x->path, sizeof x->path);
	return x->path;
}

/* Walk the entries of directory FE (inode DIR_INO), DEPTH levels down,
 * its raw path in X->raw. */
static void walk_dir(struct xw *x, libfsxfs_file_entry_t *fe,
                     uint64_t dir_ino, unsigned depth)
{
	struct walk *w = x->w;
	libfsxfs_error_t *le = NULL;
	size_t keep = x->raw_len;
	int n = 0, i;

	if (libfsxfs_file_entry_get_number_of_sub_file_entries(fe, &n,
	                                                       &le) != 1) {
		walk_problem(w, "directory '%s' (inode %" PRIu64 ") cannot be "
		             "read, its entries are missing: %s", dir_path(x),
		             dir_ino, fsx_message(&le, x->msg, sizeof x->msg));
		return;
	}
	for (i = 0; i < n && !w->failed && !w->stopped; i++) {
		libfsxfs_file_entry_t *sub = NULL;
		const unsigned char *nm = x->name;
		size_t nsz = 0, nlen = 0;
		uint64_t sub_dir = 0;
		int set, named = 0;

		x->raw_len = keep;
		x->raw[keep] = '\0';
		if (libfsxfs_file_entry_get_sub_file_entry_by_index(fe, i, &sub,
		                                                    &le) != 1) {
			walk_problem(w, "directory '%s': entry %d cannot be read: %s",
			             dir_path(x), i,
			             fsx_message(&le, x->msg, sizeof x->msg));
			continue;
		}
		if (libfsxfs_file_entry_get_utf8_name_size(sub, &nsz, &le) == 1 &&
		    nsz > 0 && nsz <= sizeof x->name &&
		    libfsxfs_file_entry_get_utf8_name(sub, x->name, nsz,
		                                      &le) == 1) {
			nlen = strnlen((char *)x->name, nsz);
			named = 1;
		}
		libfsxfs_error_free(&le);
		if (!named && raw_name(x, dir_ino, i, sub, &x->nf) == 0) {
			nm = x->nf.name; /* not UTF-8: libfsxfs gives no name */
			nlen = x->nf.len;
			named = 1;
		}
		if (!named) {
			walk_problem(w, "directory '%s': the name of entry %d cannot "
			             "be read", dir_path(x), i);
			libfsxfs_file_entry_free(&sub, NULL);
			continue;
		}
		if (nlen > XFS_NAME_MAX)
			nlen = XFS_NAME_MAX;
		x->raw[x->raw_len++] = '/';
		memcpy(x->raw + x->raw_len, nm, nlen);
		x->raw_len += nlen;
		x->raw[x->raw_len] = '\0';
		if (report_entry(x, sub, nm, nlen, &sub_dir) < 0) {
			libfsxfs_file_entry_free(&sub, NULL);
			break;
		}
		if (sub_dir) {
			set = set_add(&x->dirs, sub_dir);
			if (set < 0) {
				walk_problem(w, "directory '%s' not entered: out of memory",
				             w->path);
			} else if (set > 0) {
				walk_problem(w, "directory '%s' not entered: its inode %"
				             PRIu64 " was entered already (a directory "
				             "loop, or a second name of a directory)",
				             w->path, sub_dir);
			} else if (depth + 1 > CUST_WALK_DEPTH_MAX) {
				if (!x->deep_noted)
					walk_problem(w, "entries deeper than %d directories "
					             "skipped", CUST_WALK_DEPTH_MAX);
				x->deep_noted = 1;
			} else {
				walk_dir(x, sub, sub_dir, depth + 1);
			}
		}
		libfsxfs_file_entry_free(&sub, NULL);
	}
	x->raw_len = keep;
	x->raw[keep] = '\0';
}

/* ---- space -------------------------------------------------------------- */

static int free_extent(void *ctx, uint64_t off, uint64_t len)
{
	struct xw *x = ctx;

	walk_space_add(x->w, x->base + off, len);
	return x->w->failed ? 1 : 0;
}

static void walk_space(struct xw *x, json_t *jp)
{
	struct walk *w = x->w;
	char why[XFS_MSG_MAX];
	uint64_t fs_end = x->sb.dblocks * x->sb.block_size, got;
	uint32_t ag;

	walk_space_begin(w, "unallocated");
	for (ag = 0; ag < x->sb.agcount && !w->failed; ag++) {
		if ((uint64_t)ag * x->sb.agblocks * x->sb.block_size >= x->len) {
			walk_problem(w, "allocation groups %u to %u lie past the end "
			             "of the image: their free space is not read", ag,
			             x->sb.agcount - 1);
			break;
		}
		if (xfs_free_space(&x->sb, ag, vol_read, x, free_extent, x, why,
		                   sizeof why) < 0 && !w->failed)
			walk_problem(w, "unallocated space of allocation group %u not "
			             "read to the end: %s", ag, why);
	}
	walk_space_drain(w, 1);
	if (jp)
		json_object_set_new(jp, "unallocated_bytes",
		                    json_integer((json_int_t)w->space_bytes));
	if (w->failed)
		return;
	got = 0;
	if (fs_end < x->len)
		got = walk_space_range(w, "volume-slack", x->base + fs_end,
		                       x->len - fs_end);
	if (jp)
		json_object_set_new(jp, "volume_slack_bytes",
		                    json_integer((json_int_t)got));
}

/* ---- the file system ---------------------------------------------------- */

/* The identity of the file system into JP. */
static void report_identity(struct xw *x, json_t *jp)
{
	uint8_t version = 0;

	xfs_uuid_format(x->sb.uuid, x->uuid);
	cust_walk_escape(x->sb.label, strnlen(x->sb.label, 12), x->label,
	                 sizeof x->label);
	if (!jp)
		return;
	json_object_set_new(jp, "fs_type", json_string("xfs"));
	json_object_set_new(jp, "fs_uuid", json_string(x->uuid));
	json_object_set_new(jp, "fs_label", json_string(x->label));
	if (libfsxfs_volume_get_format_version(x->vol, &version, NULL) != 1)
		version = (uint8_t)x->sb.version;
	json_object_set_new(jp, "fs_version", json_integer(version));
	json_object_set_new(jp, "deleted", json_string(
		"not listed: libfsxfs reads allocated entries only"));
}

int walk_xfs(struct walk *w, TSK_IMG_INFO *img, uint64_t off, uint64_t len,
             json_t *jp, char *why, size_t whysz)
{
	libbfio_handle_t *h = NULL;
	libfsxfs_error_t *le = NULL;
	libfsxfs_file_entry_t *root = NULL;
	struct cust_error err;
	struct xw *x = NULL;
	unsigned char sbuf[XFS_SB_SIZE];
	uint64_t root_ino = 0, need;
	int rc = -1, sig;

	why[0] = '\0';
	if (cust_bfio_img_open(img, off, len, &h, &err) < 0) {
		snprintf(why, whysz, "%s", err.message);
		return -1;
	}
	sig = libfsxfs_check_volume_signature_file_io_handle(h, &le);
	libfsxfs_error_free(&le);
	if (sig != 1) {
		libbfio_handle_free(&h, NULL);
		return 0;
	}
	if (!(x = calloc(1, sizeof *x))) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	x->w = w;
	x->img = img;
	x->base = off;
	x->len = len;
	if (x->len > (uint64_t)img->size - off)
		x->len = (uint64_t)img->size - off;
	if (vol_read(x, 0, sbuf, sizeof sbuf) < 0 ||
	    xfs_sb_read(sbuf, sizeof sbuf, &x->sb, why, whysz) < 0) {
		if (!why[0])
			snprintf(why, whysz, "its superblock cannot be read");
		goto out;
	}
	if (!(x->ibuf = malloc(x->sb.inode_size))) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	if (libfsxfs_volume_initialize(&x->vol, &le) != 1 ||
	    libfsxfs_volume_open_file_io_handle(x->vol, h, LIBFSXFS_OPEN_READ,
	                                        &le) != 1 ||
	    libfsxfs_volume_get_root_directory(x->vol, &root, &le) != 1 ||
	    libfsxfs_file_entry_get_inode_number(root, &root_ino, &le) != 1) {
		char msg[XFS_MSG_MAX];
		fsx_message(&le, msg, sizeof msg);
		if (x->sb.dblocks <= UINT64_MAX / x->sb.block_size &&
		    x->sb.dblocks * x->sb.block_size > x->len)
			snprintf(why, whysz, "the file system of %" PRIu64 " bytes "
			         "has %" PRIu64 " bytes in the image: truncated "
			         "(libfsxfs: %s)", x->sb.dblocks * x->sb.block_size,
			         x->len, msg);
		else
			snprintf(why, whysz, "libfsxfs: %s", msg);
		goto out;
	}
	/* opened: from here on it is walked, and what fails is a problem */
	rc = 1;
	report_identity(x, jp);
	if (x->sb.dblocks > UINT64_MAX / x->sb.block_size ||
	    (need = x->sb.dblocks * x->sb.block_size) > x->len)
		walk_problem(w, "file system of %" PRIu64 " blocks of %u bytes "
		             "extends past the end of the image (%" PRIu64 " bytes "
		             "there): truncated", x->sb.dblocks, x->sb.block_size,
		             x->len);
	w->part_entries = 0;
	set_add(&x->dirs, root_ino);
	walk_dir(x, root, root_ino, 0);
	if (jp)
		json_object_set_new(jp, "entries",
		                    json_integer((json_int_t)w->part_entries));
	if (w->o->space && !w->failed && !w->stopped)
		walk_space(x, jp);
out:
	if (root)
		libfsxfs_file_entry_free(&root, NULL);
	if (x && x->vol) {
		libfsxfs_volume_close(x->vol, NULL);
		libfsxfs_volume_free(&x->vol, NULL);
	}
	libfsxfs_error_free(&le);
	libbfio_handle_free(&h, NULL);
	if (x) {
		free(x->ibuf);
		free(x->dirs.v);
	}
	free(x);
	return rc;
}
