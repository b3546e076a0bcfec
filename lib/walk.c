/* walk.c - every entry of a disk image through The Sleuth Kit (walk.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tsk/libtsk.h>
#include <libqcow.h>

#include "custody/walk.h"

#define WALK_FILE_MAGIC 0x57414c4bu  /* "WALK": a live cust_walk_file */
#define BLOCK_CHECK_MAX 65536        /* clusters checked for reuse per entry */

struct cust_walk_file {
	uint32_t magic;
	TSK_FS_FILE *file;
	uint64_t size;
	const char *path;
};

/* ---- names -------------------------------------------------------------- */

const char *cust_walk_content_name(enum cust_walk_content c)
{
	switch (c) {
	case CUST_WALK_CONTENT_ALLOCATED: return "allocated";
	case CUST_WALK_CONTENT_EMPTY: return "empty";
	case CUST_WALK_CONTENT_RECOVERED: return "recovered-unverified";
	case CUST_WALK_CONTENT_REUSED: return "unrecoverable-reused";
	case CUST_WALK_CONTENT_NO_RUNS: return "unrecoverable-no-runs";
	}
	return "unknown";
}

const char *cust_walk_type_name(enum cust_walk_type t)
{
	switch (t) {
	case CUST_WALK_REGULAR: return "regular";
	case CUST_WALK_DIRECTORY: return "directory";
	case CUST_WALK_SYMLINK: return "symlink";
	case CUST_WALK_SOCKET: return "socket";
	case CUST_WALK_FIFO: return "fifo";
	case CUST_WALK_CHAR_DEVICE: return "char-device";
	case CUST_WALK_BLOCK_DEVICE: return "block-device";
	case CUST_WALK_VIRTUAL: return "virtual";
	case CUST_WALK_OTHER: return "other";
	}
	return "other";
}

/* ---- escaping ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at P (at most N bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

int cust_walk_escape(const void *in, size_t len, char *out, size_t outsz)
{
	const unsigned char *p = in;
	size_t i = 0, o = 0;

	if (outsz == 0)
		return len > 0;
	while (i < len) {
		size_t n = utf8_len(p + i, len - i);
		int plain = n > 0 && !(n == 1 && (p[i] < 0x20 || p[i] == 0x7f ||
		                                  p[i] == '\\'));
		if (plain) {
			if (o + n >= outsz)
				break;
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			if (o + 4 >= outsz)
				break;
			snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
			i++;
		}
	}
	out[o] = '\0';
	return i < len;
}

/* ---- segments of a split image ----------------------------------------- */

/* Advance the segment suffix S in place (digits, or EWF's E01..E99, EAA..
 * EZZ).  0, or -1 when there is no next name. */
static int next_suffix(char *s, size_t n, int ewf)
{
	size_t i;

	if (ewf) {
		/* s[0] is E/e; s[1..2] two digits, then letters */
		int upper = s[0] == 'E';
		char a = upper ? 'A' : 'a', z = upper ? 'Z' : 'z';
		if (s[1] >= '0' && s[1] <= '9') {
			if (s[1] == '9' && s[2] == '9') {
				s[1] = a;
				s[2] = a;
				return 0;
			}
		} else {
			if (s[2] < z) {
				s[2]++;
				return 0;
			}
			if (s[1] < z) {
				s[1]++;
				s[2] = a;
				return 0;
			}
			return -1;
		}
	}
	for (i = n; i-- > (ewf ? 1u : 0u);) {
		if (s[i] < '9') {
			s[i]++;
			return 0;
		}
		s[i] = '0';
	}
	return -1;
}

void cust_walk_segments_free(char **segs, size_t n)
{
	size_t i;

	if (!segs)
		return;
	for (i = 0; i < n; i++)
		free(segs[i]);
	free(segs);
}

int cust_walk_segments(const char *first, char ***out, size_t *n,
                       struct cust_error *err)
{
	const char *dot = strrchr(first, '.');
	const char *slash = strrchr(first, '/');
	size_t flen = strlen(first), slen = 0, i;
	char **segs = NULL;
	char *name = NULL;
	int ewf = 0, numeric = 0;

	*out = NULL;
	*n = 0;
	if (dot && (!slash || dot > slash)) {
		const char *s = dot + 1;
		slen = strlen(s);
		numeric = slen >= 2 && slen <= 4;
		for (i = 0; i < slen; i++)
			if (s[i] < '0' || s[i] > '9')
				numeric = 0;
		ewf = slen == 3 && (s[0] == 'E' || s[0] == 'e') &&
		      s[1] == '0' && s[2] == '1';
	}
	segs = calloc(CUST_WALK_SEGMENTS_MAX, sizeof *segs);
	name = strdup(first);
	if (!segs || !name) {
		free(segs);
		free(name);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                            "listing the segments of '%s'", first);
	}
	segs[0] = strdup(first);
	if (!segs[0])
		goto nomem;
	*n = 1;
	while ((numeric || ewf) && *n < CUST_WALK_SEGMENTS_MAX) {
		struct stat st;
		if (next_suffix(name + flen - slen, slen, ewf) < 0)
			break;
		if (stat(name, &st) != 0 || !S_ISREG(st.st_mode))
			break;
		segs[*n] = strdup(name);
		if (!segs[*n])
			goto nomem;
		(*n)++;
	}
	free(name);
	*out = segs;
	return 0;
nomem:
	free(name);
	cust_walk_segments_free(segs, *n);
	*n = 0;
	return cust_error_set_errno(err, CUST_E_IO, ENOMEM,
	                            "listing the segments of '%s'", first);
}

/* ---- QCOW2 through libqcow, handed to libtsk --------------------------- */

/* TSK_IMG_INFO must come first: libtsk casts this to it. */
struct qcow_img {
	TSK_IMG_INFO img;
	libqcow_file_t *file;
};

static ssize_t qcow_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf,
                         size_t len)
{
	struct qcow_img *q = (struct qcow_img *)img;
	libqcow_error_t *qe = NULL;
	ssize_t n;

	if (off < 0 || off >= img->size)
		return 0;
	if ((TSK_OFF_T)len > img->size - off)
		len = (size_t)(img->size - off);
	n = libqcow_file_read_buffer_at_offset(q->file, buf, len, off, &qe);
	if (n < 0) {
		char msg[256] = "";
		if (qe)
			libqcow_error_sprint(qe, msg, sizeof msg);
		libqcow_error_free(&qe);
		tsk_error_reset();
		tsk_error_set_errno(TSK_ERR_IMG_READ);
		tsk_error_set_errstr("qcow2 read at %" PRIdOFF ": %s", off, msg);
		return -1;
	}
	return n;
}

static void qcow_close(TSK_IMG_INFO *img)
{
	struct qcow_img *q = (struct qcow_img *)img;

	libqcow_file_close(q->file, NULL);
	libqcow_file_free(&q->file, NULL);
	free(q);
}

static void qcow_imgstat(TSK_IMG_INFO *img, FILE *f)
{
	(void)img;
	(void)f; /* the library never prints */
}

/* The container format of PATH from its signature.  libtsk's own
 * detection tries libvmdk and libvhdi on every image and leaks their
 * handles when they refuse it (TSK 4.11), so the type is chosen here and
 * libtsk is asked for that one format. */
enum container { C_RAW, C_QCOW, C_EWF, C_VMDK, C_VHD };

static enum container container_of(const char *path)
{
	unsigned char head[512], tail[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n, t = 0;
	struct stat st;

	if (fd < 0)
		return C_RAW;
	n = pread(fd, head, sizeof head, 0);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= (off_t)sizeof tail)
		t = pread(fd, tail, sizeof tail, st.st_size - (off_t)sizeof tail);
	close(fd);
	if (n >= 4 && memcmp(head, "QFI\xfb", 4) == 0)
		return C_QCOW;
	if (n >= 8 && (memcmp(head, "EVF\x09\x0d\x0a\xff\x00", 8) == 0 ||
	               memcmp(head, "EVF2\x0d\x0a\x81\x00", 8) == 0))
		return C_EWF;
	if ((n >= 4 && memcmp(head, "KDMV", 4) == 0) ||
	    (n >= 21 && memcmp(head, "# Disk DescriptorFile", 21) == 0))
		return C_VMDK;
	/* VHD: the footer cookie at the end (fixed) or its copy first (dynamic) */
	if ((t == (ssize_t)sizeof tail && memcmp(tail, "conectix", 8) == 0) ||
	    (n >= 8 && memcmp(head, "conectix", 8) == 0))
		return C_VHD;
	return C_RAW;
}

static TSK_IMG_INFO *qcow_open(const char *path, struct cust_error *err)
{
	struct qcow_img *q = calloc(1, sizeof *q);
	libqcow_error_t *qe = NULL;
	size64_t size = 0;
	char msg[256] = "";
	TSK_IMG_INFO *img;

	if (!q) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "opening '%s'", path);
		return NULL;
	}
	if (libqcow_file_initialize(&q->file, &qe) != 1)
		goto fail;
	if (libqcow_file_open(q->file, path, LIBQCOW_OPEN_READ, &qe) != 1)
		goto fail;
	if (libqcow_file_get_media_size(q->file, &size, &qe) != 1)
		goto fail;
	if (size > (size64_t)INT64_MAX) {
		snprintf(msg, sizeof msg, "media size %" PRIu64 " too large",
		         (uint64_t)size);
		goto fail_msg;
	}
	img = tsk_img_open_external(q, (TSK_OFF_T)size, 512, qcow_read,
	                            qcow_close, qcow_imgstat);
	if (!img) {
		const char *te = tsk_error_get();
		snprintf(msg, sizeof msg, "%s", te ? te : "libtsk refused it");
		tsk_error_reset();
		goto fail_msg;
	}
	return img;
fail:
	if (qe)
		libqcow_error_sprint(qe, msg, sizeof msg);
	libqcow_error_free(&qe);
fail_msg:
	if (q->file) {
		libqcow_file_close(q->file, NULL);
		libqcow_file_free(&q->file, NULL);
	}
	free(q);
	cust_error_set(err, CUST_E_INPUT, "cannot open QCOW image '%s': %s",
	               path, msg[0] ? msg : "unknown libqcow error");
	return NULL;
}

/* ---- the walk ----------------------------------------------------------- */

struct walk {
	const struct cust_walk_options *o;
	cust_walk_fn fn;
	void *ctx;
	json_t *problems;   /* borrowed from the report, or NULL */
	uint64_t nproblems;
	uint64_t entries;   /* reported in the whole image */
	uint64_t part_entries;
	int stopped;        /* a limit was reached */
	int failed;         /* FN failed: ERR holds why */
	int deep_noted;
	struct cust_error *err;
	const char *part;
	TSK_FS_INFO *fs;
	struct cust_walk_run runs[CUST_WALK_RUNS_MAX];
	char raw[CUST_WALK_PATH_MAX];
	char path[CUST_WALK_PATH_MAX];
	char name[CUST_WALK_PATH_MAX];
	char link[CUST_WALK_LINK_MAX];
};

/* libtsk's pending error as text, then cleared ("" when none). */
static const char *tsk_message(char *buf, size_t size)
{
	const char *m = tsk_error_get();
	char *nl;

	snprintf(buf, size, "%s", m ? m : "");
	tsk_error_reset();
	/* libtsk's message ends with ")" or a newline; one line is enough */
	while ((nl = strchr(buf, '\n')) != NULL)
		*nl = ' ';
	return buf;
}

static void problem(struct walk *w, const char *fmt, ...) CUST_PRINTF(2, 3);

static void problem(struct walk *w, const char *fmt, ...)
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
	p = json_pack("{s:s?, s:s}", "partition", w->part, "message", msg);
	if (p)
		json_array_append_new(w->problems, p);
}

static enum cust_walk_type type_of(const TSK_FS_FILE *f)
{
	if (f->meta) {
		switch (f->meta->type) {
		case TSK_FS_META_TYPE_REG: return CUST_WALK_REGULAR;
		case TSK_FS_META_TYPE_DIR: return CUST_WALK_DIRECTORY;
		case TSK_FS_META_TYPE_LNK: return CUST_WALK_SYMLINK;
		case TSK_FS_META_TYPE_SOCK: return CUST_WALK_SOCKET;
		case TSK_FS_META_TYPE_FIFO: return CUST_WALK_FIFO;
		case TSK_FS_META_TYPE_CHR: return CUST_WALK_CHAR_DEVICE;
		case TSK_FS_META_TYPE_BLK: return CUST_WALK_BLOCK_DEVICE;
		case TSK_FS_META_TYPE_VIRT:
		case TSK_FS_META_TYPE_VIRT_DIR: return CUST_WALK_VIRTUAL;
		default: break;
		}
	}
	if (f->name) {
		switch (f->name->type) {
		case TSK_FS_NAME_TYPE_REG: return CUST_WALK_REGULAR;
		case TSK_FS_NAME_TYPE_DIR: return CUST_WALK_DIRECTORY;
		case TSK_FS_NAME_TYPE_LNK: return CUST_WALK_SYMLINK;
		case TSK_FS_NAME_TYPE_SOCK: return CUST_WALK_SOCKET;
		case TSK_FS_NAME_TYPE_FIFO: return CUST_WALK_FIFO;
		case TSK_FS_NAME_TYPE_CHR: return CUST_WALK_CHAR_DEVICE;
		case TSK_FS_NAME_TYPE_BLK: return CUST_WALK_BLOCK_DEVICE;
		case TSK_FS_NAME_TYPE_VIRT:
		case TSK_FS_NAME_TYPE_VIRT_DIR: return CUST_WALK_VIRTUAL;
		default: break;
		}
	}
	return CUST_WALK_OTHER;
}

static struct cust_walk_time time_of(time_t sec, uint32_t nsec)
{
	struct cust_walk_time t = { 0, 0, 0 };

	if (sec != 0 || nsec != 0) {
		t.present = 1;
		t.sec = (int64_t)sec;
		t.nsec = nsec < 1000000000u ? nsec : 0;
	}
	return t;
}

/* The runs of F's default data stream into W->runs and E. */
static void describe_runs(struct walk *w, TSK_FS_FILE *f,
                          struct cust_walk_entry *e)
{
	const TSK_FS_ATTR *a = tsk_fs_file_attr_get(f);
	const TSK_FS_ATTR_RUN *r;
	uint64_t bs = w->fs->block_size;

	if (!a) {
		tsk_error_reset(); /* no data stream: an empty file, a device */
		return;
	}
	if (a->flags & TSK_FS_ATTR_RES) {
		e->runs_resident = 1;
		return;
	}
	if (!(a->flags & TSK_FS_ATTR_NONRES))
		return;
	for (r = a->nrd.run; r; r = r->next) {
		struct cust_walk_run *out;
		if (e->nruns == CUST_WALK_RUNS_MAX) {
			e->runs_truncated = 1;
			break;
		}
		out = &w->runs[e->nruns++];
		out->sparse = (r->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) != 0;
		out->filler = (r->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) != 0;
		out->length = (uint64_t)r->len * bs;
		out->offset = out->sparse || out->filler ? 0 :
		              (uint64_t)w->fs->offset + (uint64_t)r->addr * bs;
	}
}

/* Whether a cluster of a deleted entry's runs is allocated now. */
static int clusters_reused(struct walk *w, TSK_FS_FILE *f)
{
	const TSK_FS_ATTR *a = tsk_fs_file_attr_get(f);
	const TSK_FS_ATTR_RUN *r;
	unsigned long checked = 0, runs = 0;

	if (!a || !(a->flags & TSK_FS_ATTR_NONRES) || !w->fs->block_getflags) {
		tsk_error_reset();
		return 0;
	}
	for (r = a->nrd.run; r && runs < CUST_WALK_RUNS_MAX; r = r->next, runs++) {
		TSK_DADDR_T b;
		if (r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE |
		                TSK_FS_ATTR_RUN_FLAG_FILLER))
			continue;
		for (b = 0; b < r->len && checked < BLOCK_CHECK_MAX; b++, checked++) {
			TSK_DADDR_T addr = r->addr + b;
			if (addr > w->fs->last_block)
				return 0;
			if (w->fs->block_getflags(w->fs, addr) & TSK_FS_BLOCK_FLAG_ALLOC)
				return 1;
		}
	}
	return 0;
}

static enum cust_walk_content content_of(struct walk *w, TSK_FS_FILE *f,
                                         const struct cust_walk_entry *e)
{
	int live_data = 0;
	size_t i;

	if (!e->has_meta)
		return CUST_WALK_CONTENT_NO_RUNS;
	if (e->size == 0)
		return CUST_WALK_CONTENT_EMPTY;
	if (e->name_allocated && e->meta_allocated)
		return CUST_WALK_CONTENT_ALLOCATED;
	if (e->meta_allocated)
		return CUST_WALK_CONTENT_REUSED; /* the name's metadata moved on */
	if (e->runs_resident)
		return CUST_WALK_CONTENT_RECOVERED;
	for (i = 0; i < e->nruns; i++)
		if (!e->runs[i].sparse && !e->runs[i].filler && e->runs[i].offset)
			live_data = 1;
	if (!live_data)
		return CUST_WALK_CONTENT_NO_RUNS;
	if (clusters_reused(w, f))
		return CUST_WALK_CONTENT_REUSED;
	return CUST_WALK_CONTENT_RECOVERED;
}

static TSK_WALK_RET_ENUM visit(TSK_FS_FILE *f, const char *dir, void *ptr)
{
	struct walk *w = ptr;
	struct cust_walk_entry e;
	struct cust_walk_file wf;
	const char *nm;
	size_t dlen, nlen, depth = 0, i;
	int rc, cut;

	if (!f->name || !f->name->name)
		return TSK_WALK_CONT;
	nm = f->name->name;
	nlen = strnlen(nm, f->name->name_size ? f->name->name_size : 1);
	if ((nlen == 1 && nm[0] == '.') || (nlen == 2 && nm[0] == '.' && nm[1] == '.'))
		return TSK_WALK_CONT;
	if (!w->o->include_deleted && !(f->name->flags & TSK_FS_NAME_FLAG_ALLOC))
		return TSK_WALK_CONT;
	dir = dir ? dir : "";
	dlen = strnlen(dir, CUST_WALK_PATH_MAX * 4);
	for (i = 0; i < dlen; i++)
		depth += dir[i] == '/';
	if (depth > CUST_WALK_DEPTH_MAX) {
		if (!w->deep_noted)
			problem(w, "entries deeper than %d directories skipped",
			        CUST_WALK_DEPTH_MAX);
		w->deep_noted = 1;
		return TSK_WALK_CONT;
	}
	if (w->o->max_entries && w->entries >= w->o->max_entries) {
		w->stopped = 1;
		problem(w, "entry limit %" PRIu64 " reached: walk stopped",
		        w->o->max_entries);
		return TSK_WALK_STOP;
	}

	memset(&e, 0, sizeof e);
	/* "/" DIR NAME as raw bytes first, then escaped as one */
	cut = snprintf(w->raw, sizeof w->raw, "/%.*s%.*s", (int)dlen, dir,
	               (int)nlen, nm) >= (int)sizeof w->raw;
	cut |= cust_walk_escape(w->raw, strlen(w->raw), w->path, sizeof w->path);
	cust_walk_escape(nm, nlen, w->name, sizeof w->name);
	e.partition = w->part;
	e.fs_type = tsk_fs_type_toname(w->fs->ftype);
	e.path = w->path;
	e.name = w->name;
	e.path_truncated = cut;
	e.meta_addr = f->name->meta_addr;
	e.name_allocated = (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) != 0;
	e.orphan = strncmp(dir, "$OrphanFiles/", 13) == 0;
	e.type = type_of(f);
	e.runs = w->runs;
	if (f->meta) {
		TSK_FS_META *m = f->meta;
		e.has_meta = 1;
		e.meta_addr = m->addr;
		e.meta_allocated = (m->flags & TSK_FS_META_FLAG_ALLOC) != 0;
		e.size = m->size > 0 ? (uint64_t)m->size : 0;
		e.mtime = time_of(m->mtime, m->mtime_nano);
		e.atime = time_of(m->atime, m->atime_nano);
		e.ctime = time_of(m->ctime, m->ctime_nano);
		e.crtime = time_of(m->crtime, m->crtime_nano);
		e.mode = (uint32_t)m->mode & 07777;
		e.uid = (uint32_t)m->uid;
		e.gid = (uint32_t)m->gid;
		if (e.type == CUST_WALK_SYMLINK && m->link) {
			size_t l = strnlen(m->link, CUST_WALK_LINK_MAX);
			cust_walk_escape(m->link, l, w->link, sizeof w->link);
			e.link_target = w->link;
		}
		if (e.type != CUST_WALK_VIRTUAL || e.size > 0)
			describe_runs(w, f, &e);
	}
	e.content = content_of(w, f, &e);

	wf.magic = WALK_FILE_MAGIC;
	wf.file = f;
	wf.size = e.size;
	wf.path = w->path;
	w->entries++;
	w->part_entries++;
	rc = w->fn(w->ctx, &e, &wf, w->err);
	wf.magic = 0;
	tsk_error_reset();
	if (rc != 0) {
		w->failed = 1;
		return TSK_WALK_STOP;
	}
	return TSK_WALK_CONT;
}

int cust_walk_read(struct cust_walk_file *f, uint64_t offset, void *buf,
                   size_t len, size_t *got, struct cust_error *err)
{
	ssize_t n;
	char msg[512];

	*got = 0;
	if (!f || f->magic != WALK_FILE_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "walk file read outside its callback");
	if (offset >= f->size || len == 0)
		return 0;
	if (len > f->size - offset)
		len = (size_t)(f->size - offset);
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	tsk_error_reset();
	n = tsk_fs_file_read(f->file, (TSK_OFF_T)offset, buf, len,
	                     TSK_FS_FILE_READ_FLAG_NONE);
	if (n < 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "cannot read '%s' at %" PRIu64 ": %s", f->path,
		                      offset, tsk_message(msg, sizeof msg));
	*got = (size_t)n;
	return 0;
}

/* Walk the file system FS of the partition W->part. */
static void walk_fs(struct walk *w, TSK_FS_INFO *fs, json_t *jpart)
{
	TSK_FS_DIR_WALK_FLAG_ENUM flags = TSK_FS_DIR_WALK_FLAG_ALLOC |
	                                  TSK_FS_DIR_WALK_FLAG_RECURSE;
	char msg[512];

	if (w->o->include_deleted)
		flags |= TSK_FS_DIR_WALK_FLAG_UNALLOC;
	else
		flags |= TSK_FS_DIR_WALK_FLAG_NOORPHAN;
	w->fs = fs;
	w->part_entries = 0;
	w->deep_noted = 0;
	tsk_error_reset();
	if (tsk_fs_dir_walk(fs, fs->root_inum, flags, visit, w) != 0 &&
	    !w->failed && !w->stopped)
		problem(w, "directory walk stopped: %s", tsk_message(msg, sizeof msg));
	else if (tsk_error_get() != NULL && !w->failed)
		problem(w, "damage met during the walk: %s",
		        tsk_message(msg, sizeof msg));
	tsk_error_reset();
	if (jpart)
		json_object_set_new(jpart, "entries",
		                    json_integer((json_int_t)w->part_entries));
	w->fs = NULL;
}

/* Open and walk the file system at OFFSET (or in PART) as partition NAME. */
static void walk_part(struct walk *w, TSK_IMG_INFO *img, const TSK_VS_PART_INFO *part,
                      const char *name, json_t *parts)
{
	TSK_FS_INFO *fs;
	json_t *jp = json_object();
	char msg[512], desc[1024];
	uint64_t off = 0, len = (uint64_t)img->size;

	w->part = name;
	if (part) {
		off = (uint64_t)part->start * part->vs->block_size;
		len = (uint64_t)part->len * part->vs->block_size;
	}
	if (jp) {
		json_object_set_new(jp, "name", json_string(name));
		json_object_set_new(jp, "offset", json_integer((json_int_t)off));
		json_object_set_new(jp, "length", json_integer((json_int_t)len));
		if (part && part->desc) {
			cust_walk_escape(part->desc, strnlen(part->desc, 256), desc,
			                 sizeof desc);
			json_object_set_new(jp, "description", json_string(desc));
		}
		json_array_append_new(parts, jp);
	}
	tsk_error_reset();
	fs = part ? tsk_fs_open_vol(part, TSK_FS_TYPE_DETECT) :
	            tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
	if (!fs) {
		tsk_message(msg, sizeof msg);
		problem(w, "no file system could be opened at offset %" PRIu64 ": %s",
		        off, msg[0] ? msg : "unknown type");
		if (jp)
			json_object_set_new(jp, "fs_error", json_string(
				"no file system could be opened"));
		w->part = NULL;
		return;
	}
	if (jp)
		json_object_set_new(jp, "fs_type",
		                    json_string(tsk_fs_type_toname(fs->ftype)));
	/* a truncated image: libtsk opens it, the missing part reads as errors */
	{
		uint64_t need = ((uint64_t)fs->last_block + 1) * fs->block_size;
		uint64_t have = (uint64_t)img->size > off ?
		                (uint64_t)img->size - off : 0;
		if (have > len)
			have = len;
		if (need > have)
			problem(w, "file system of %" PRIu64 " bytes extends past the "
			        "end of the image (%" PRIu64 " bytes there): truncated",
			        need, have);
	}
	walk_fs(w, fs, jp);
	tsk_fs_close(fs);
	w->part = NULL;
}

/* Open the container: QCOW2 through libqcow, anything else through
 * libtsk's detection. */
static TSK_IMG_INFO *open_image(char **segs, size_t n, struct cust_error *err)
{
	TSK_IMG_INFO *img;
	char msg[512];

	static const TSK_IMG_TYPE_ENUM types[] = {
		[C_RAW] = TSK_IMG_TYPE_RAW, [C_QCOW] = TSK_IMG_TYPE_DETECT,
		[C_EWF] = TSK_IMG_TYPE_EWF_EWF, [C_VMDK] = TSK_IMG_TYPE_VMDK_VMDK,
		[C_VHD] = TSK_IMG_TYPE_VHD_VHD
	};
	enum container c = container_of(segs[0]);

	if (c == C_QCOW) {
		if (n > 1) {
			cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': "
			               "a QCOW image has one file, %zu given", segs[0], n);
			return NULL;
		}
		return qcow_open(segs[0], err);
	}
	tsk_error_reset();
	img = tsk_img_open_utf8((int)n, (const char *const *)segs, types[c], 0);
	if (!img) {
		tsk_message(msg, sizeof msg);
		cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': %s",
		               segs[0], msg[0] ? msg : "unknown format");
		return NULL;
	}
	if (img->size <= 0) {
		tsk_img_close(img);
		cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': empty",
		               segs[0]);
		return NULL;
	}
	return img;
}

static const char *container_name(const TSK_IMG_INFO *img)
{
	if (img->itype == TSK_IMG_TYPE_EXTERNAL)
		return "qcow";
	return tsk_img_type_toname(img->itype);
}

/* REPORT's "container" object. */
static void report_container(json_t *report, const TSK_IMG_INFO *img,
                             char **segs, size_t n)
{
	json_t *c, *js;
	char esc[CUST_WALK_PATH_MAX];
	size_t i;

	if (!report || !(c = json_object()))
		return;
	json_object_set_new(c, "type", json_string(container_name(img)));
	json_object_set_new(c, "size", json_integer((json_int_t)img->size));
	json_object_set_new(c, "sector_size", json_integer(img->sector_size));
	js = json_array();
	for (i = 0; js && i < n; i++) {
		cust_walk_escape(segs[i], strlen(segs[i]), esc, sizeof esc);
		json_array_append_new(js, json_string(esc));
	}
	json_object_set_new(c, "segments", js ? js : json_null());
	json_object_set_new(report, "container", c);
}

int cust_walk_image(const char *const *paths, size_t npaths,
                    const struct cust_walk_options *o, cust_walk_fn fn,
                    void *ctx, json_t *report, struct cust_error *err)
{
	static const struct cust_walk_options defaults = { 1, 0 };
	struct walk *w = NULL;
	char **segs = NULL;
	size_t nsegs = 0, i;
	TSK_IMG_INFO *img = NULL;
	TSK_VS_INFO *vs;
	json_t *parts = NULL;
	int ret = -1;

	if (!paths || npaths == 0 || !fn || (report && !json_is_object(report)))
		return cust_error_set(err, CUST_E_USAGE, "walk: no image given");
	if (npaths > CUST_WALK_SEGMENTS_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "walk: more than %d segments",
		                      CUST_WALK_SEGMENTS_MAX);
	if (npaths == 1) {
		if (cust_walk_segments(paths[0], &segs, &nsegs, err) < 0)
			return -1;
	} else {
		segs = calloc(npaths, sizeof *segs);
		for (i = 0; segs && i < npaths; i++, nsegs++)
			if (!(segs[i] = strdup(paths[i])))
				break;
		if (!segs || nsegs < npaths) {
			cust_walk_segments_free(segs, nsegs);
			return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "walk");
		}
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "walk");
		goto out;
	}
	w->o = o ? o : &defaults;
	w->fn = fn;
	w->ctx = ctx;
	w->err = err;
	if (!(img = open_image(segs, nsegs, err)))
		goto out;
	report_container(report, img, segs, nsegs);
	if (report) {
		w->problems = json_array();
		parts = json_array();
		json_object_set_new(report, "problems", w->problems);
		json_object_set_new(report, "partitions", parts);
	}

	tsk_error_reset();
	vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
	if (!vs) {
		tsk_error_reset(); /* no volume system: one file system at 0 */
		if (report)
			json_object_set_new(report, "volume_system", json_null());
		walk_part(w, img, NULL, "p0", parts);
	} else {
		TSK_PNUM_T k, count = vs->part_count;
		unsigned named = 0;
		if (report)
			json_object_set_new(report, "volume_system", json_pack(
				"{s:s, s:I, s:i}", "type", tsk_vs_type_toname(vs->vstype),
				"offset", (json_int_t)vs->offset,
				"block_size", (int)vs->block_size));
		for (k = 0; k < count && !w->failed && !w->stopped; k++) {
			const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, k);
			char name[32];
			if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
				continue;
			if (named == CUST_WALK_PARTS_MAX) {
				w->stopped = 1;
				problem(w, "more than %d partitions: the rest skipped",
				        CUST_WALK_PARTS_MAX);
				break;
			}
			snprintf(name, sizeof name, "p%u", ++named);
			walk_part(w, img, p, name, parts);
		}
		tsk_vs_close(vs);
	}
	if (w->failed)
		goto out;
	if (report) {
		json_object_set_new(report, "entries",
		                    json_integer((json_int_t)w->entries));
		json_object_set_new(report, "complete", json_boolean(!w->stopped));
		if (w->nproblems > CUST_WALK_PROBLEMS_MAX)
			json_object_set_new(report, "problems_dropped", json_integer(
				(json_int_t)(w->nproblems - CUST_WALK_PROBLEMS_MAX)));
	}
	ret = 0;
out:
	if (img)
		tsk_img_close(img);
	tsk_error_reset();
	free(w);
	cust_walk_segments_free(segs, nsegs);
	return ret;
}
