/* walk.c - every entry of a disk image through The Sleuth Kit (walk.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tsk/libtsk.h>
#include <libewf.h>
#include <libqcow.h>

#include "custody/fsutil.h"
#include "custody/walk.h"
#include "lvm.h"
#include "mdset.h"
#include "walk_file.h"
#include "walk_internal.h"
#include "xfs.h"

#define BLOCK_CHECK_MAX 65536        /* clusters checked for reuse per entry */
#define SLACK_RUNS_MAX 65536         /* runs looked through for the last one */
#define HOST_SPANS_MAX 65536         /* holes and data of a host file counted */
#define SPAN_RUNS_MAX 4096           /* runs of one kind one span covers */


/* ---- sizes from the image: every product and sum checked -------------- */

/* *OUT = A * B + C; -1 when that does not fit 64 bits (hostile values). */
static int mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t *out)
{
	if (b != 0 && a > (UINT64_MAX - c) / b)
		return -1;
	*out = a * b + c;
	return 0;
}

/* *OUT = A * B + C as a size a record may hold (a JSON integer: at most
 * INT64_MAX); -1 when it is larger. */
static int bytes_of(uint64_t a, uint64_t b, uint64_t c, uint64_t *out)
{
	if (mul_add(a, b, c, out) < 0 || *out > (uint64_t)INT64_MAX)
		return -1;
	return 0;
}

/* The bytes of FS's blocks 0 .. last_block, checked; -1 beyond 64 bits. */
static int fs_bytes(const TSK_FS_INFO *fs, uint64_t *out)
{
	return mul_add((uint64_t)fs->last_block, fs->block_size,
	               fs->block_size, out);
}

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

static enum container container_of(const char *path)
{
	unsigned char head[512], tail[512];
	int fd = cust_fs_open_evidence(path, 0);
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

/* ---- raw and split raw images, read through descriptors of our own ---- */

/* libtsk would open the segments itself, without O_NOATIME: reading an
 * image given by path would stamp its access time.  TSK_IMG_INFO must
 * come first: libtsk casts this to it. */
struct raw_img {
	TSK_IMG_INFO img;
	size_t n;
	int *fds;
	uint64_t *ends; /* image offset just past each segment */
};

static ssize_t raw_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf,
                        size_t len)
{
	struct raw_img *r = (struct raw_img *)img;
	size_t i = 0, done = 0;

	if (off < 0 || off >= img->size)
		return 0;
	if ((TSK_OFF_T)len > img->size - off)
		len = (size_t)(img->size - off);
	while (i < r->n && r->ends[i] <= (uint64_t)off)
		i++;
	while (done < len && i < r->n) {
		uint64_t at = (uint64_t)off + done;
		uint64_t start = i ? r->ends[i - 1] : 0;
		size_t want = len - done;
		ssize_t got;
		if (at >= r->ends[i]) {
			i++;
			continue;
		}
		if (want > r->ends[i] - at)
			want = (size_t)(r->ends[i] - at);
		got = pread(r->fds[i], buf + done, want, (off_t)(at - start));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			tsk_error_reset();
			tsk_error_set_errno(TSK_ERR_IMG_READ);
			tsk_error_set_errstr("raw read at %" PRIdOFF ": %s", off,
			                     strerror(e));
			return -1;
		}
		if (got == 0)
			break; /* the segment shrank since it was opened */
		done += (size_t)got;
	}
	return (ssize_t)done;
}

static void raw_close(TSK_IMG_INFO *img)
{
	struct raw_img *r = (struct raw_img *)img;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	free(r->fds);
	free(r->ends);
	free(r);
}

static void raw_imgstat(TSK_IMG_INFO *img, FILE *f)
{
	(void)img;
	(void)f; /* the library never prints */
}

/* The segments SEGS of a raw image, each a regular file or a block
 * device, opened as evidence is (fsutil.h: O_NOATIME where allowed, a
 * FIFO refused without waiting for a writer). */
static TSK_IMG_INFO *raw_open(char **segs, size_t n, struct cust_error *err)
{
	struct raw_img *r = calloc(1, sizeof *r);
	TSK_IMG_INFO *img;
	uint64_t total = 0;
	size_t i;

	if (!r || !(r->fds = malloc(n * sizeof *r->fds)) ||
	    !(r->ends = malloc(n * sizeof *r->ends))) {
		if (r)
			free(r->fds);
		free(r);
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "opening '%s'",
		                     segs[0]);
		return NULL;
	}
	for (i = 0; i < n; i++)
		r->fds[i] = -1;
	r->n = n;
	for (i = 0; i < n; i++) {
		struct stat st;
		off_t size;
		r->fds[i] = cust_fs_open_evidence(segs[i], 0);
		if (r->fds[i] < 0 || fstat(r->fds[i], &st) < 0) {
			cust_error_set_errno(err, CUST_E_INPUT, errno,
			                     "cannot open image '%s'", segs[i]);
			goto fail;
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
			cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': "
			               "%s, not a file or a block device", segs[i],
			               S_ISFIFO(st.st_mode) ? "a FIFO"
			               : S_ISSOCK(st.st_mode) ? "a socket"
			               : S_ISDIR(st.st_mode) ? "a folder"
			                                     : "a special file");
			goto fail;
		}
		size = lseek(r->fds[i], 0, SEEK_END); /* a device's size too */
		if (size < 0 || (uint64_t)size > (uint64_t)INT64_MAX - total) {
			cust_error_set_errno(err, CUST_E_INPUT, size < 0 ? errno : EFBIG,
			                     "cannot open image '%s'", segs[i]);
			goto fail;
		}
		total += (uint64_t)size;
		r->ends[i] = total;
	}
	if (total == 0) {
		cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': empty",
		               segs[0]);
		goto fail;
	}
	img = tsk_img_open_external(r, (TSK_OFF_T)total, 512, raw_read,
	                            raw_close, raw_imgstat);
	if (!img) {
		const char *te = tsk_error_get();
		cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': %s",
		               segs[0], te ? te : "libtsk refused it");
		tsk_error_reset();
		goto fail;
	}
	return img;
fail:
	raw_close(&r->img);
	return NULL;
}

/* ---- what libewf says of a damaged E01 --------------------------------- */

/* libewf's error *E, its backtrace on one line, in BUF; frees *E. */
static void ewf_message(libewf_error_t **e, char *buf, size_t size)
{
	char *nl;

	snprintf(buf, size, "unknown libewf error");
	if (e && *e && libewf_error_backtrace_sprint(*e, buf, size) > 0) {
		buf[size - 1] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL)
			*nl = nl[1] ? ' ' : '\0';
	}
	libewf_error_free(e);
}

/*
 * Open the EWF segments SEGS with libewf itself, to say what is wrong
 * with them: -1 (MSG says why) when libewf cannot open them, finds no
 * media in them, or finds their segment files truncated or corrupted
 * (libewf would read what is missing as zeros, but leaks memory on each
 * such read: a walk of a large one would not stay bounded); 0 when they
 * are whole.
 */
static int ewf_check(char **segs, size_t n, char *msg, size_t size)
{
	libewf_handle_t *h = NULL;
	libewf_error_t *e = NULL;
	size64_t media = 0;
	int rc = 0, corrupted;

	if (libewf_handle_initialize(&h, &e) != 1 ||
	    libewf_handle_open(h, segs, (int)n, LIBEWF_OPEN_READ, &e) != 1) {
		ewf_message(&e, msg, size);
		libewf_handle_free(&h, NULL);
		return -1;
	}
	corrupted = libewf_handle_segment_files_corrupted(h, NULL) == 1;
	if (libewf_handle_get_media_size(h, &media, &e) != 1) {
		ewf_message(&e, msg, size);
		rc = -1;
	} else if (media == 0) {
		snprintf(msg, size, "libewf finds no media in it (no volume "
		         "section read)%s", corrupted ? ": the segment files are "
		         "corrupted or truncated" : "");
		rc = -1;
	} else if (corrupted) {
		snprintf(msg, size, "its segment files are truncated or "
		         "corrupted (libewf); ewfrecover makes a complete copy "
		         "(what is missing as zeros) that can be extracted");
		rc = -1;
	}
	libewf_handle_close(h, NULL);
	libewf_handle_free(&h, NULL);
	return rc;
}

/* ---- the walk ----------------------------------------------------------- */


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

static void vproblem(struct walk *w, const char *fmt, va_list ap)
	CUST_PRINTF(2, 0);

static void vproblem(struct walk *w, const char *fmt, va_list ap)
{
	char raw[1024], msg[1024 * 4 + 1];
	json_t *p;

	w->nproblems++;
	if (!w->problems || json_array_size(w->problems) >= CUST_WALK_PROBLEMS_MAX)
		return;
	vsnprintf(raw, sizeof raw, fmt, ap);
	cust_walk_escape(raw, strlen(raw), msg, sizeof msg);
	p = json_pack("{s:s?, s:s}", "partition", w->part, "message", msg);
	if (p)
		json_array_append_new(w->problems, p);
}

static void problem(struct walk *w, const char *fmt, ...) CUST_PRINTF(2, 3);

static void problem(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(w, fmt, ap);
	va_end(ap);
}

/* A finding of the walk that is no damage (nothing was missed): a note
 * {"partition", "kind", "message"} of the report, bounded as problems
 * are; the walk stays complete. */
static void note(struct walk *w, const char *part, const char *kind,
                 const char *fmt, ...) CUST_PRINTF(4, 5);

static void note(struct walk *w, const char *part, const char *kind,
                 const char *fmt, ...)
{
	char raw[1024], msg[1024 * 4 + 1];
	va_list ap;
	json_t *p;

	if (!w->notes || json_array_size(w->notes) >= CUST_WALK_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	cust_walk_escape(raw, strlen(raw), msg, sizeof msg);
	p = json_pack("{s:s?, s:s, s:s}", "partition", part, "kind", kind,
	              "message", msg);
	if (p)
		json_array_append_new(w->notes, p);
}

void walk_problem(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(w, fmt, ap);
	va_end(ap);
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

static struct cust_walk_time time_of(time_t sec, uint32_t nsec, int local)
{
	struct cust_walk_time t = { 0, 0, 0, 0 };

	if (sec != 0 || nsec != 0) {
		t.present = 1;
		t.local = local;
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
	e->runs_plain = !(a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) &&
	                a->nrd.skiplen == 0;
	for (r = a->nrd.run; r; r = r->next) {
		struct cust_walk_run *out;
		if (e->nruns == CUST_WALK_RUNS_MAX) {
			e->runs_truncated = 1;
			break;
		}
		out = &w->runs[e->nruns];
		out->sparse = (r->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) != 0;
		out->filler = (r->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) != 0;
		out->offset = 0;
		/* a run no image could hold ends the description */
		if (bytes_of((uint64_t)r->len, bs, 0, &out->length) < 0 ||
		    (!out->sparse && !out->filler &&
		     bytes_of((uint64_t)r->addr, bs, (uint64_t)w->fs->offset,
		              &out->offset) < 0)) {
			e->runs_truncated = 1;
			break;
		}
		e->nruns++;
	}
}

/* ---- where a volume's bytes lie in the disks' images ------------------ */

/* The layers nest at most this deep: an LVM2 volume on an md array on a
 * disk (a volume inside a logical volume is not opened). */
#define PLACE_DEPTH_MAX 4

/*
 * Where byte OFF of IMG (a disk's image, an md array, the logical volume
 * walked) lies in the disks' images, at most *LEN bytes from it: IN_IMAGE
 * with *DISK (K of "dK" with several disks, else 0) and *AT, *LEN cut to
 * the bytes that follow on there; else where it lies in no image, *LEN
 * cut to the bytes of which that holds.  Each layer says where its byte
 * lies in the image below it (a partition is its disk's image already:
 * its offsets are the image's): a logical volume in its physical
 * volume's range (cust_lvm_place), an array in its member's
 * (cust_mdset_place).
 */
static enum cust_walk_place walk_place(const struct walk *w,
                                       TSK_IMG_INFO *img, uint64_t off,
                                       unsigned *disk, uint64_t *at,
                                       uint64_t *len)
{
	int depth, rc;
	size_t k;

	for (depth = 0; depth < PLACE_DEPTH_MAX; depth++) {
		for (k = 0; k < w->ndisks; k++)
			if (w->disks[k] == img) {
				*disk = w->several ? (unsigned)k + 1 : 0;
				*at = off;
				return CUST_WALK_IN_IMAGE;
			}
		if (img == w->lv && img) {
			rc = cust_lvm_place(img, off, &img, &off, len);
			if (rc <= 0)
				return rc == 0 ? CUST_WALK_MISSING : CUST_WALK_UNPLACED;
		} else if (cust_mdset_owns(w->md, img)) {
			rc = cust_mdset_place(w->md, img, off, &img, &off, len);
			if (rc <= 0)
				return rc == 0 ? CUST_WALK_REBUILT : CUST_WALK_UNPLACED;
		} else {
			return CUST_WALK_UNPLACED;
		}
	}
	return CUST_WALK_UNPLACED;
}

void walk_place_runs(struct walk *w, struct cust_walk_entry *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->nruns; i++) {
		const struct cust_walk_run *r = &e->runs[i];
		uint64_t done = 0;
		int first = 1;

		if (r->sparse || r->filler) {
			if (n == CUST_WALK_RUNS_MAX)
				goto cut;
			w->placed[n] = *r;
			w->placed[n].offset = 0;
			w->placed[n].fs_offset = 0;
			w->placed[n].place = CUST_WALK_IN_IMAGE;
			w->placed[n++].disk = 0;
			continue;
		}
		while (done < r->length) {
			struct cust_walk_run *p = n ? &w->placed[n - 1] : NULL;
			uint64_t len = r->length - done, at = 0;
			uint64_t vol = r->offset + done;
			unsigned disk = 0;
			enum cust_walk_place where;

			if (r->offset > UINT64_MAX - done) {
				where = CUST_WALK_UNPLACED;
			} else {
				where = walk_place(w, w->img, vol, &disk, &at, &len);
				if (len == 0 || len > r->length - done)
					len = r->length - done;
			}
			if (where != CUST_WALK_IN_IMAGE)
				at = 0;
			/* the pieces of one run that follow each other stay one */
			if (!first && p->place == where && p->disk == disk &&
			    (where != CUST_WALK_IN_IMAGE ||
			     p->offset + p->length == at)) {
				p->length += len;
			} else {
				if (n == CUST_WALK_RUNS_MAX)
					goto cut;
				p = &w->placed[n++];
				memset(p, 0, sizeof *p);
				p->offset = at;
				p->length = len;
				p->fs_offset = vol >= w->fs_base ? vol - w->fs_base : 0;
				p->place = where;
				p->disk = disk;
			}
			first = 0;
			done += len;
		}
	}
	e->runs = w->placed;
	e->nruns = n;
	return;
cut:
	e->runs = w->placed;
	e->nruns = n;
	e->runs_truncated = 1;
}

/* Where byte OFF of IMG lies in its disk's image; 0 when in none. */
static uint64_t walk_origin(const struct walk *w, TSK_IMG_INFO *img,
                            uint64_t off)
{
	uint64_t at = 0, len = 1;
	unsigned disk = 0;

	if (walk_place(w, img, off, &disk, &at, &len) != CUST_WALK_IN_IMAGE)
		return 0;
	return at;
}

enum cust_walk_place cust_walk_volume_place(const struct cust_walk_volume *v,
                                            uint64_t off, unsigned *disk,
                                            uint64_t *at)
{
	enum cust_walk_place where = CUST_WALK_UNPLACED;
	uint64_t len = 1;

	*disk = 0;
	*at = 0;
	if (v && v->magic == WALK_VOLUME_MAGIC && v->w && v->img &&
	    (uint64_t)v->img->size > off)
		where = walk_place(v->w, v->img, off, disk, at, &len);
	if (where != CUST_WALK_IN_IMAGE) {
		*disk = 0;
		*at = 0;
	}
	return where;
}

/* Whether IMG is a disk's image (its offsets are the image's), not a
 * volume of a layer. */
static int is_disk(const struct walk *w, const TSK_IMG_INFO *img)
{
	size_t k;

	for (k = 0; k < w->ndisks; k++)
		if (w->disks[k] == img)
			return 1;
	return 0;
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
			TSK_DADDR_T addr;
			if (r->addr > w->fs->last_block ||
			    b > w->fs->last_block - r->addr)
				return 0;
			addr = r->addr + b;
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

/*
 * Whether F's content may be read from the image file directly, run by
 * run, instead of through libtsk's block cache (which reads whole cache
 * chunks for a file of a few KB).  Only where the runs are all there is
 * to it: a single raw image file, ext2/3/4 or FAT, live content, one
 * non-resident stream with no compression, encryption, skipped or
 * uninitialised bytes and no filler runs.  Anything else, and any run
 * that points outside the image, goes through libtsk.
 */
static int direct_readable(const struct walk *w, TSK_FS_FILE *f,
                           const struct cust_walk_entry *e)
{
	const TSK_FS_ATTR *a;
	const TSK_FS_ATTR_RUN *r;

	/* a file system inside a volume (an LVM2 logical volume) has run
	 * offsets in that volume, not in the image file */
	if (w->raw_fd < 0 || w->fs->img_info != w->top ||
	    e->content != CUST_WALK_CONTENT_ALLOCATED ||
	    e->type != CUST_WALK_REGULAR || e->runs_truncated ||
	    !(TSK_FS_TYPE_ISEXT(w->fs->ftype) || TSK_FS_TYPE_ISFAT(w->fs->ftype)))
		return 0;
	a = tsk_fs_file_attr_get(f);
	if (!a) {
		tsk_error_reset();
		return 0;
	}
	if (!(a->flags & TSK_FS_ATTR_NONRES) ||
	    (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	    a->nrd.skiplen != 0 || a->nrd.initsize < a->size ||
	    a->size < 0 || (uint64_t)a->size < e->size)
		return 0;
	for (r = a->nrd.run; r; r = r->next)
		if (r->flags & TSK_FS_ATTR_RUN_FLAG_FILLER)
			return 0;
	return 1;
}

/*
 * libtsk's directory walk skips a directory it cannot read without a
 * word (fs_dir.c resets the error and goes on).  So the walk watches:
 * when it reports a directory libtsk will enter, that directory's own
 * entries must come next (expect_dir); when they do not, it opens the
 * directory itself to learn why (settle_dir).  An empty one, or one whose
 * names the walk's flags leave out, opens and is no problem; one that
 * cannot be read is a problem naming it, and the walk is not complete.
 */
static void settle_dir(struct walk *w)
{
	TSK_FS_DIR *d;
	char msg[512];

	if (!w->pending)
		return;
	w->pending = 0;
	tsk_error_reset();
	d = tsk_fs_dir_open_meta(w->fs, w->pending_addr);
	if (d) {
		tsk_fs_dir_close(d);
		tsk_error_reset();
		return;
	}
	tsk_message(msg, sizeof msg);
	problem(w, "directory '%s' (metadata address %" PRIuINUM ") cannot be "
	        "read, its entries are missing: %s", w->pending_path,
	        w->pending_addr, msg[0] ? msg : "libtsk gave no reason");
}

/* After F, in directory DIR (DEPTH levels down) was reported: when
 * libtsk will enter it (the test of fs_dir.c's tsk_fs_dir_walk_lcl), its
 * entries are expected next.  Where libtsk's limits stop it, it drops the
 * rest of the directory holding F too: a problem. */
static void expect_dir(struct walk *w, TSK_FS_FILE *f, const char *dir,
                       size_t depth)
{
	const TSK_FS_NAME *n = f->name;
	size_t dlen = strlen(dir), nlen = strlen(n->name);

	if ((!TSK_FS_IS_DIR_NAME(n->type) && n->type != TSK_FS_NAME_TYPE_UNDEF) ||
	    !f->meta || !TSK_FS_IS_DIR_META(f->meta->type) ||
	    TSK_FS_ISDOT(n->name))
		return;
	if (!(n->flags & TSK_FS_NAME_FLAG_ALLOC) &&
	    !((n->flags & TSK_FS_NAME_FLAG_UNALLOC) &&
	      (f->meta->flags & TSK_FS_META_FLAG_UNALLOC)))
		return;
	if (n->meta_addr == TSK_FS_ORPHANDIR_INUM(w->fs) &&
	    !w->o->include_deleted)
		return; /* TSK_FS_DIR_WALK_FLAG_NOORPHAN */
	if (depth >= TSK_DIR_DEPTH_MAX || dlen + nlen >= TSK_DIR_STRSZ) {
		problem(w, "directory '%s' not entered: libtsk walks %d levels "
		        "and %d bytes of path at most, and leaves the entries "
		        "after it in its own directory out too",
		        w->path, TSK_DIR_DEPTH_MAX, TSK_DIR_STRSZ);
		return;
	}
	w->pending = 1;
	w->pending_addr = n->meta_addr;
	snprintf(w->pending_dir, sizeof w->pending_dir, "%s%s/", dir, n->name);
	snprintf(w->pending_path, sizeof w->pending_path, "%s", w->path);
}

/* A read of an entry's content failed (cust_walk_read): a problem. */
static void note_read(void *ctx, const char *message)
{
	problem(ctx, "%s", message);
}

static TSK_WALK_RET_ENUM visit(TSK_FS_FILE *f, const char *dir, void *ptr)
{
	struct walk *w = ptr;
	struct cust_walk_entry e;
	struct cust_walk_file wf;
	const char *nm;
	size_t dlen, nlen, depth = 0, i;
	int rc, cut;

	dir = dir ? dir : "";
	if (w->pending) {
		if (strcmp(dir, w->pending_dir) == 0)
			w->pending = 0; /* entered: this is one of its entries */
		else
			settle_dir(w);
	}
	if (!f->name || !f->name->name)
		return TSK_WALK_CONT;
	nm = f->name->name;
	nlen = strnlen(nm, f->name->name_size ? f->name->name_size : 1);
	if ((nlen == 1 && nm[0] == '.') || (nlen == 2 && nm[0] == '.' && nm[1] == '.'))
		return TSK_WALK_CONT;
	if (!w->o->include_deleted && !(f->name->flags & TSK_FS_NAME_FLAG_ALLOC))
		return TSK_WALK_CONT;
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
	e.partition_offset = w->part_offset;
	e.origin = w->origin;
	e.layer = w->layer;
	e.sector_size = w->img->sector_size;
	e.fs_type = tsk_fs_type_toname(w->fs->ftype);
	e.path = w->path;
	e.name = w->name;
	e.path_truncated = cut;
	e.meta_addr = f->name->meta_addr;
	e.name_allocated = (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) != 0;
	e.orphan = strncmp(dir, "$OrphanFiles/", 13) == 0;
	e.type = type_of(f);
	e.runs = w->runs;
	/* a lookup that failed leaves a blank TSK_FS_META behind (ext2fs's
	 * inode_lookup resets it, then cannot load the inode): no flags */
	if (f->meta && (f->meta->flags & (TSK_FS_META_FLAG_ALLOC |
	                                  TSK_FS_META_FLAG_UNALLOC))) {
		TSK_FS_META *m = f->meta;
		int local = TSK_FS_TYPE_ISFAT(w->fs->ftype);

		e.has_meta = 1;
		e.meta_addr = m->addr;
		e.meta_allocated = (m->flags & TSK_FS_META_FLAG_ALLOC) != 0;
		e.size = m->size > 0 ? (uint64_t)m->size : 0;
		e.mtime = time_of(m->mtime, m->mtime_nano, local);
		e.atime = time_of(m->atime, m->atime_nano, local);
		e.ctime = time_of(m->ctime, m->ctime_nano, local);
		e.crtime = time_of(m->crtime, m->crtime_nano, local);
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
	} else if (e.name_allocated) {
		/* libtsk dropped why (fs_dir.c resets the error) */
		problem(w, "'%s': its metadata (address %" PRIuINUM ") cannot be "
		        "read", w->path, f->name->meta_addr);
	}
	e.content = content_of(w, f, &e);
	walk_place_runs(w, &e);

	wf.magic = WALK_FILE_MAGIC;
	wf.file = f;
	wf.size = e.size;
	wf.path = w->path;
	wf.type = e.type;
	wf.content = e.content;
	wf.raw_fd = direct_readable(w, f, &e) ? w->raw_fd : -1;
	wf.host_fd = -1;
	wf.note = note_read;
	wf.note_ctx = w;
	wf.walk = w;
	wf.noted = 0;
	wf.raw_size = w->raw_size;
	wf.span_run = NULL;
	wf.span_start = 0;
	wf.fs_offset = (uint64_t)w->fs->offset;
	wf.block_size = w->fs->block_size;
	wf.xfs = NULL;
	w->entries++;
	w->part_entries++;
	rc = w->fn(w->ctx, &e, &wf, w->err);
	wf.magic = 0;
	tsk_error_reset();
	if (rc != 0) {
		w->failed = 1;
		return TSK_WALK_STOP;
	}
	expect_dir(w, f, dir, depth);
	return TSK_WALK_CONT;
}

/*
 * Read [OFFSET, OFFSET + LEN) of F through its runs straight from the
 * image file: zeros for a sparse run, one pread per run otherwise.  0
 * when every byte was read; -1 when the runs do not cover the range or
 * point past the image (the caller then asks libtsk, which knows what to
 * say about such a file).
 */
/* All LEN bytes at AT of FD; -1 on an error or a short file. */
static int pread_full(int fd, unsigned char *buf, size_t len, off_t at)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

static int direct_read(struct cust_walk_file *f, uint64_t offset,
                       unsigned char *buf, size_t len)
{
	const TSK_FS_ATTR *a = tsk_fs_file_attr_get(f->file);
	const TSK_FS_ATTR_RUN *r;
	uint64_t pos = offset, end = offset + len, bs = f->block_size;

	if (!a) {
		tsk_error_reset();
		return -1;
	}
	for (r = a->nrd.run; r && pos < end; r = r->next) {
		uint64_t start, rlen, at, n;

		if (mul_add((uint64_t)r->offset, bs, 0, &start) < 0 ||
		    mul_add((uint64_t)r->len, bs, 0, &rlen) < 0 ||
		    start > UINT64_MAX - rlen)
			return -1;
		if (start + rlen <= pos)
			continue;
		if (start > pos)
			return -1; /* a hole the runs do not describe */
		n = (start + rlen < end ? start + rlen : end) - pos;
		if (r->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) {
			memset(buf + (pos - offset), 0, (size_t)n);
		} else {
			if (mul_add((uint64_t)r->addr, bs, f->fs_offset, &at) < 0 ||
			    at > UINT64_MAX - (pos - start) ||
			    (at += pos - start) > f->raw_size ||
			    n > f->raw_size - at ||
			    pread_full(f->raw_fd, buf + (pos - offset), (size_t)n,
			               (off_t)at) < 0)
				return -1;
		}
		pos += n;
	}
	return pos == end ? 0 : -1;
}

static int walk_read(struct cust_walk_file *f, uint64_t offset, void *buf,
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
	if (f->xfs)
		return xfs_file_read(f, offset, buf, len, got, err);
	if (!f->file && f->host_fd < 0)
		return cust_error_set(err, CUST_E_INPUT, "cannot read '%s': it "
		                      "could not be opened", f->path);
	if (f->host_fd >= 0) {
		do
			n = pread(f->host_fd, buf, len, (off_t)offset);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return cust_error_set_errno(err, CUST_E_INPUT, errno,
			                            "cannot read '%s' at %" PRIu64,
			                            f->path, offset);
		*got = (size_t)n;
		return 0;
	}
	if (f->raw_fd >= 0 && direct_read(f, offset, buf, len) == 0) {
		*got = len;
		return 0;
	}
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

int cust_walk_read(struct cust_walk_file *f, uint64_t offset, void *buf,
                   size_t len, size_t *got, struct cust_error *err)
{
	struct cust_error mine;

	if (!err)
		err = &mine;
	if (walk_read(f, offset, buf, len, got, err) == 0)
		return 0;
	/* the entry is a problem of the walk, once, whoever reads it */
	if (err->kind != CUST_E_USAGE && f->note && !f->noted) {
		f->noted = 1;
		f->note(f->note_ctx, err->message);
	}
	return -1;
}

/* ---- holes: what reads as zeros without a byte of the image ----------- */

/* Runs libtsk reads as zeros, without a byte of the image: sparse runs,
 * and filler runs (the gaps between ext4's extents; on NTFS a run of
 * another MFT entry libtsk has not placed, which it reads as zeros all
 * the same). */
#define HOLE_RUN (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER)

/* The runs of F's content when its holes are those runs: a stream with
 * no compression (NTFS marks compression units with sparse runs), no
 * encryption and no bytes skipped; else NULL. */
static const TSK_FS_ATTR *hole_runs(struct cust_walk_file *f)
{
	const TSK_FS_ATTR *a;

	if (!f->file || f->block_size == 0)
		return NULL;
	a = tsk_fs_file_attr_get(f->file);
	if (!a || !(a->flags & TSK_FS_ATTR_NONRES) ||
	    (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	    a->nrd.skiplen != 0) {
		tsk_error_reset();
		return NULL;
	}
	return a;
}

/* Where run R lies in the content, in bytes: *START and *LEN; -1 when
 * that does not fit 64 bits. */
static int run_bytes(const TSK_FS_ATTR_RUN *r, uint64_t bs, uint64_t *start,
                     uint64_t *len)
{
	if (mul_add((uint64_t)r->offset, bs, 0, start) < 0 ||
	    mul_add((uint64_t)r->len, bs, 0, len) < 0 ||
	    *start > UINT64_MAX - *len)
		return -1;
	return 0;
}

/* A host file's span at OFFSET (of REST bytes to its end), through
 * SEEK_DATA and SEEK_HOLE; data when the file system cannot tell. */
static void host_span(int fd, uint64_t offset, uint64_t rest, int *hole,
                      uint64_t *len)
{
	off_t data = lseek(fd, (off_t)offset, SEEK_DATA), end;

	*hole = 0;
	*len = rest;
	if (data < 0) {
		if (errno == ENXIO) /* no data from OFFSET to the end */
			*hole = 1;
		return;
	}
	if ((uint64_t)data > offset) {
		*hole = 1;
		if ((uint64_t)data - offset < rest)
			*len = (uint64_t)data - offset;
		return;
	}
	end = lseek(fd, (off_t)offset, SEEK_HOLE);
	if (end >= 0 && (uint64_t)end > offset && (uint64_t)end - offset < rest)
		*len = (uint64_t)end - offset;
}

int cust_walk_span(struct cust_walk_file *f, uint64_t offset, int *hole,
                   uint64_t *len, struct cust_error *err)
{
	const TSK_FS_ATTR *a;
	const TSK_FS_ATTR_RUN *r;
	uint64_t rest, start, rlen, bs, end;
	unsigned merged;

	*hole = 0;
	*len = 0;
	if (!f || f->magic != WALK_FILE_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "walk file span outside its callback");
	if (offset >= f->size)
		return 0;
	rest = f->size - offset;
	*len = rest;
	if (f->host_fd >= 0) {
		host_span(f->host_fd, offset, rest, hole, len);
		return 0;
	}
	if (f->xfs) {
		xfs_file_span(f, offset, hole, len);
		return 0;
	}
	if (!(a = hole_runs(f)))
		return 0;
	bs = f->block_size;
	/* runs come in content order: go on from the last one looked at */
	r = f->span_run && f->span_start <= offset ? f->span_run : a->nrd.run;
	for (; r; r = r->next) {
		if (run_bytes(r, bs, &start, &rlen) < 0)
			break; /* no place for it: libtsk says what it reads */
		if (start + rlen <= offset)
			continue;
		f->span_run = r;
		f->span_start = start;
		if (start > offset) { /* not described: libtsk decides */
			if (start - offset < rest)
				*len = start - offset;
			return 0;
		}
		*hole = (r->flags & HOLE_RUN) != 0;
		end = start + rlen;
		/* the runs of the same kind that follow it without a gap */
		for (merged = 0; r->next && merged < SPAN_RUNS_MAX && end - offset <
		                 rest; merged++) {
			const TSK_FS_ATTR_RUN *n = r->next;
			if (((n->flags & HOLE_RUN) != 0) != *hole ||
			    run_bytes(n, bs, &start, &rlen) < 0 || start != end)
				break;
			r = n;
			end = start + rlen;
		}
		if (end - offset < rest)
			*len = end - offset;
		return 0;
	}
	return 0; /* past the runs: libtsk decides what it reads there */
}

uint64_t cust_walk_holes(struct cust_walk_file *f)
{
	const TSK_FS_ATTR *a;
	const TSK_FS_ATTR_RUN *r;
	uint64_t holes = 0, off = 0, len;
	unsigned long spans = 0;
	int hole;

	if (!f || f->magic != WALK_FILE_MAGIC)
		return 0;
	if (f->xfs)
		return xfs_file_holes(f);
	if (f->host_fd >= 0) {
		while (off < f->size && spans++ < HOST_SPANS_MAX &&
		       cust_walk_span(f, off, &hole, &len, NULL) == 0 && len) {
			holes += hole ? len : 0;
			off += len;
		}
		return holes;
	}
	if (!(a = hole_runs(f)))
		return 0;
	for (r = a->nrd.run; r; r = r->next) {
		uint64_t start, rlen;
		if (!(r->flags & HOLE_RUN))
			continue;
		if (mul_add((uint64_t)r->offset, f->block_size, 0, &start) < 0 ||
		    start >= f->size)
			continue;
		if (mul_add((uint64_t)r->len, f->block_size, 0, &rlen) < 0 ||
		    rlen > f->size - start)
			rlen = f->size - start;
		holes += rlen;
		if (holes >= f->size) /* overlapping runs of a hostile image */
			return f->size;
	}
	return holes;
}

/* WHERE: the place of the slack read, GOT bytes at offset VOL of the
 * volume walked (or of the image: a partition's offsets are its). */
static void slack_place(const struct cust_walk_file *f, uint64_t vol,
                        size_t got, struct cust_walk_run *where)
{
	const struct walk *w = f->walk;
	uint64_t at = 0, len = got ? got : 1;
	unsigned disk = 0;

	memset(where, 0, sizeof *where);
	where->length = got;
	if (!w) {
		where->place = CUST_WALK_UNPLACED;
		return;
	}
	where->fs_offset = vol >= w->fs_base ? vol - w->fs_base : 0;
	/* slack lies in the last block of its file system, within one
	 * chunk of an array or one extent of a logical volume; where a
	 * cluster larger than a chunk would straddle two, the place of its
	 * first byte stands for all of it */
	where->place = walk_place(w, w->img, vol, &disk, &at, &len);
	if (where->place == CUST_WALK_IN_IMAGE) {
		where->offset = at;
		where->disk = disk;
	}
}

int cust_walk_slack(struct cust_walk_file *f, void *buf, size_t cap,
                    size_t *got, struct cust_walk_run *where,
                    struct cust_error *err)
{
	const TSK_FS_ATTR *a;
	const TSK_FS_ATTR_RUN *r;
	TSK_FS_INFO *fs;
	uint64_t bs, pos, alloc, blk, end, len, at;
	unsigned long runs = 0;
	ssize_t n;

	*got = 0;
	memset(where, 0, sizeof *where);
	if (!f || f->magic != WALK_FILE_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "walk file slack read outside its callback");
	if (f->xfs) {
		xfs_file_slack(f, buf, cap, got, &at);
		if (*got)
			slack_place(f, at, *got, where);
		return 0;
	}
	if (f->type != CUST_WALK_REGULAR || !f->file ||
	    f->content != CUST_WALK_CONTENT_ALLOCATED || cap == 0)
		return 0;
	if (cap > CUST_WALK_SLACK_MAX)
		cap = CUST_WALK_SLACK_MAX;
	fs = f->file->fs_info;
	tsk_error_reset();
	a = tsk_fs_file_attr_get(f->file);
	if (!a || !fs || fs->block_size == 0 ||
	    !(a->flags & TSK_FS_ATTR_NONRES) ||
	    (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	    a->size <= 0 || a->nrd.allocsize <= a->size) {
		tsk_error_reset();
		return 0;
	}
	/* positions in the runs, which hold SKIPLEN bytes before the content */
	bs = fs->block_size;
	pos = (uint64_t)a->size + a->nrd.skiplen;
	alloc = (uint64_t)a->nrd.allocsize + a->nrd.skiplen;
	blk = pos / bs;
	for (r = a->nrd.run; r && runs < SLACK_RUNS_MAX; r = r->next, runs++) {
		if (blk < r->offset || blk - r->offset >= r->len)
			continue;
		if (r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE |
		                TSK_FS_ATTR_RUN_FLAG_FILLER |
		                TSK_FS_ATTR_RUN_FLAG_ENCRYPTED))
			return 0;
		/* the slack stays in this run: contiguous in the image */
		if (r->len > UINT64_MAX - r->offset ||
		    r->addr > UINT64_MAX - (blk - r->offset) ||
		    mul_add((uint64_t)r->offset + r->len, bs, 0, &end) < 0 ||
		    mul_add((uint64_t)r->addr + (blk - r->offset), bs,
		            pos % bs, &at) < 0 ||
		    at > UINT64_MAX - (uint64_t)fs->offset)
			return 0;
		if (end > alloc)
			end = alloc;
		if (end <= pos)
			return 0;
		len = end - pos;
		if (len > cap)
			len = cap;
		n = tsk_fs_file_read(f->file, a->size, buf, (size_t)len,
		                     TSK_FS_FILE_READ_FLAG_SLACK);
		tsk_error_reset();
		if (n <= 0)
			return 0; /* the content's read says why */
		*got = (size_t)n;
		slack_place(f, (uint64_t)fs->offset + at, *got, where);
		return 0;
	}
	tsk_error_reset();
	return 0;
}

/* ---- space outside files ------------------------------------------------ */

/* Hand LEN (<= CUST_WALK_SPACE_CHUNK) bytes at image offset OFF to the
 * space callback.  A failed read is a problem and breaks the run. */
static void space_chunk(struct walk *w, uint64_t off, size_t len)
{
	struct cust_walk_space s;
	char msg[512];
	ssize_t n;

	tsk_error_reset();
	n = tsk_img_read(w->img, (TSK_OFF_T)off, (char *)w->buf, len);
	if (n != (ssize_t)len) {
		if (n < 0)
			tsk_message(msg, sizeof msg);
		else
			snprintf(msg, sizeof msg, "short read (%zd bytes)", n);
		problem(w, "cannot read %zu bytes of %s space at offset %" PRIu64
		        ": %s", len, w->kind, off, msg);
		tsk_error_reset();
		w->run_cont = 0;
		return;
	}
	s.partition = w->part ? w->part : "-";
	s.kind = w->kind;
	s.image_offset = off;
	s.continues = w->run_cont;
	s.volume = NULL;
	s.origin = 0;
	if (!is_disk(w, w->img)) {
		/* a volume of a layer: its offsets are placed on demand, until
		 * the run ends (space_drain) */
		w->vol.magic = WALK_VOLUME_MAGIC;
		w->vol.w = w;
		w->vol.img = w->img;
		s.volume = &w->vol;
		s.origin = walk_origin(w, w->img, 0);
	}
	w->space_bytes += len;
	w->space_told = 1;
	if (w->o->space(w->o->space_ctx, &s, w->buf, len, w->err) != 0) {
		w->failed = 1;
		return;
	}
	w->run_cont = 1;
}

/* The run of space ends: the caller hears it (o->space_end) while the
 * volume it lies in is still open, and the volume's place is dropped. */
static void space_told_end(struct walk *w)
{
	if (!w->space_told)
		return;
	w->space_told = 0;
	if (!w->failed && w->o->space_end &&
	    w->o->space_end(w->o->space_ctx, w->err) != 0)
		w->failed = 1;
	w->vol.img = NULL;
}

/* Hand over the full chunks of the pending run, and with ALL its rest. */
static void space_drain(struct walk *w, int all)
{
	while (!w->failed && (w->run_pending >= CUST_WALK_SPACE_CHUNK ||
	                      (all && w->run_pending > 0))) {
		size_t n = w->run_pending < CUST_WALK_SPACE_CHUNK ?
		           (size_t)w->run_pending : CUST_WALK_SPACE_CHUNK;
		space_chunk(w, w->run_start, n);
		w->run_start += n;
		w->run_pending -= n;
	}
	if (all) {
		w->run_pending = 0;
		w->run_active = 0;
		w->run_cont = 0;
		space_told_end(w);
	}
}

/* Add LEN bytes at image offset OFF to the run of W->kind: they extend it
 * when contiguous, else the run is handed over and a new one begins.
 * Bytes past the end of the image are left out. */
static void space_add(struct walk *w, uint64_t off, uint64_t len)
{
	uint64_t size = (uint64_t)w->img->size;

	if (off >= size) {
		len = 0;
	} else if (len > size - off) {
		len = size - off;
	}
	if (len == 0)
		return;
	if (!w->run_active || off != w->run_start + w->run_pending) {
		space_drain(w, 1);
		w->run_start = off;
		w->run_active = 1;
	}
	w->run_pending += len;
	space_drain(w, 0);
}

/* Start counting the bytes of KIND handed over, with no run open. */
static void space_begin(struct walk *w, const char *kind)
{
	space_told_end(w); /* a run left open (none: each ends drained) */
	w->kind = kind;
	w->space_bytes = 0;
	w->run_pending = 0;
	w->run_active = 0;
	w->run_cont = 0;
}

/* Read the LEN bytes at OFF as one run of KIND in partition W->part;
 * returns the bytes handed over. */
static uint64_t space_range(struct walk *w, const char *kind, uint64_t off,
                            uint64_t len)
{
	space_begin(w, kind);
	space_add(w, off, len);
	space_drain(w, 1);
	return w->space_bytes;
}

void walk_space_begin(struct walk *w, const char *kind)
{
	space_begin(w, kind);
}

void walk_space_add(struct walk *w, uint64_t off, uint64_t len)
{
	space_add(w, off, len);
}

void walk_space_drain(struct walk *w, int all)
{
	space_drain(w, all);
}

uint64_t walk_space_range(struct walk *w, const char *kind, uint64_t off,
                          uint64_t len)
{
	return space_range(w, kind, off, len);
}

static TSK_WALK_RET_ENUM space_block(const TSK_FS_BLOCK *b, void *ptr)
{
	struct walk *w = ptr;
	uint64_t bs = w->fs->block_size;
	uint64_t off = (uint64_t)w->fs->offset + (uint64_t)b->addr * bs;

	if (b->flags & TSK_FS_BLOCK_FLAG_UNALLOC)
		space_add(w, off, bs);
	return w->failed ? TSK_WALK_STOP : TSK_WALK_CONT;
}

/* Several file systems in one range (walk_several): their unallocated
 * space is read once.  A byte is handed over by the first file system
 * (in FS order) whose blocks hold it, and only when it is unallocated in
 * every file system that holds it; K is the one being block-walked. */
struct several {
	struct walk *w;
	TSK_FS_INFO **fs;
	size_t n, k;
};

/* [*START, *END): the image bytes of FS's blocks (0 .. last_block). */
static void fs_extent(const TSK_FS_INFO *fs, uint64_t *start, uint64_t *end)
{
	uint64_t bytes;

	*start = (uint64_t)fs->offset;
	if (fs_bytes(fs, &bytes) < 0 || bytes > UINT64_MAX - *start)
		*end = UINT64_MAX;
	else
		*end = *start + bytes;
}

/* Hand over what of [A, B) no file system before S->k holds and every
 * file system from J on (but S->k) leaves unallocated. */
static void several_free(struct several *s, size_t j, uint64_t a, uint64_t b)
{
	uint64_t start, end, ia, ib, bs, addr, ra = 0, rb = 0;
	TSK_FS_INFO *fs;
	int open = 0;

	if (j == s->k)
		j++;
	if (a >= b || s->w->failed)
		return;
	if (j >= s->n) {
		space_add(s->w, a, b - a);
		return;
	}
	fs = s->fs[j];
	fs_extent(fs, &start, &end);
	if (a < start)
		several_free(s, j + 1, a, b < start ? b : start);
	ia = a > start ? a : start;
	ib = b < end ? b : end;
	bs = fs->block_size;
	/* before K: its bytes are that file system's to hand over; after K:
	 * kept where its blocks are unallocated too */
	if (j > s->k && ia < ib && bs > 0 && fs->block_getflags) {
		for (addr = (ia - start) / bs; !s->w->failed; addr++) {
			uint64_t pa = start + addr * bs, pb = pa + bs;
			if (pa >= ib)
				break;
			if (pa < ia)
				pa = ia;
			if (pb > ib)
				pb = ib;
			if (addr <= (uint64_t)fs->last_block &&
			    (fs->block_getflags(fs, (TSK_DADDR_T)addr) &
			     TSK_FS_BLOCK_FLAG_UNALLOC)) {
				if (!open)
					ra = pa;
				rb = pb;
				open = 1;
				continue;
			}
			if (open)
				several_free(s, j + 1, ra, rb);
			open = 0;
		}
		if (open)
			several_free(s, j + 1, ra, rb);
		tsk_error_reset();
	}
	if (b > end)
		several_free(s, j + 1, a > end ? a : end, b);
}

static TSK_WALK_RET_ENUM space_block_several(const TSK_FS_BLOCK *b,
                                             void *ptr)
{
	struct several *s = ptr;
	TSK_FS_INFO *fs = s->fs[s->k];
	uint64_t bs = fs->block_size;
	uint64_t off = (uint64_t)fs->offset + (uint64_t)b->addr * bs;

	if (b->flags & TSK_FS_BLOCK_FLAG_UNALLOC)
		several_free(s, 0, off, off + bs);
	return s->w->failed ? TSK_WALK_STOP : TSK_WALK_CONT;
}

/* The unallocated blocks of FS, then the partition's bytes past its end
 * (the partition is LEN bytes at OFF).  With S (FS is S->fs[S->k]): only
 * the blocks several_free keeps, and no volume slack (walk_several reads
 * it once, past every file system). */
static void space_fs(struct walk *w, TSK_FS_INFO *fs, uint64_t off,
                     uint64_t len, json_t *jp, struct several *s)
{
	uint64_t bs = fs->block_size, size = (uint64_t)w->img->size;
	uint64_t fs_off = (uint64_t)fs->offset, in_image, fs_end;
	TSK_DADDR_T last = fs->last_block;
	char msg[512];

	w->fs = fs;
	space_begin(w, "unallocated");
	/* only whole blocks inside the image and the partition: a hostile
	 * block count never makes the walk longer than the image */
	in_image = size > fs_off ? size - fs_off : 0;
	if (fs_off < off || fs_off - off > len)
		in_image = 0;
	else if (in_image > len - (fs_off - off))
		in_image = len - (fs_off - off);
	if (bs > 0 && in_image >= bs && last >= fs->first_block) {
		TSK_DADDR_T fit = (TSK_DADDR_T)(in_image / bs - 1);
		if (last > fit)
			last = fit;
		tsk_error_reset();
		if (tsk_fs_block_walk(fs, fs->first_block, last,
		                      TSK_FS_BLOCK_WALK_FLAG_UNALLOC |
		                      TSK_FS_BLOCK_WALK_FLAG_AONLY,
		                      s ? space_block_several : space_block,
		                      s ? (void *)s : (void *)w) != 0 &&
		    !w->failed)
			problem(w, "unallocated space not read to the end: %s",
			        tsk_message(msg, sizeof msg));
		tsk_error_reset();
		space_drain(w, 1);
	}
	if (jp)
		json_object_set_new(jp, "unallocated_bytes",
		                    json_integer((json_int_t)w->space_bytes));
	w->fs = NULL;
	if (w->failed || s)
		return;
	/* the partition past the file system */
	if (fs_bytes(fs, &fs_end) < 0 || fs_end > UINT64_MAX - fs_off)
		fs_end = UINT64_MAX;
	else
		fs_end += fs_off;
	if (len <= UINT64_MAX - off && fs_end < off + len) {
		uint64_t got = space_range(w, "volume-slack", fs_end,
		                           off + len - fs_end);
		if (jp)
			json_object_set_new(jp, "volume_slack_bytes",
			                    json_integer((json_int_t)got));
	} else if (jp) {
		json_object_set_new(jp, "volume_slack_bytes", json_integer(0));
	}
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
	w->pending = 0;
	tsk_error_reset();
	if (tsk_fs_dir_walk(fs, fs->root_inum, flags, visit, w) != 0 &&
	    !w->failed && !w->stopped)
		problem(w, "directory walk stopped: %s", tsk_message(msg, sizeof msg));
	else if (tsk_error_get() != NULL && !w->failed)
		problem(w, "damage met during the walk: %s",
		        tsk_message(msg, sizeof msg));
	tsk_error_reset();
	if (!w->failed && !w->stopped)
		settle_dir(w); /* the last directory reported */
	w->pending = 0;
	if (jpart)
		json_object_set_new(jpart, "entries",
		                    json_integer((json_int_t)w->part_entries));
	w->fs = NULL;
}

/* ---- layers: md RAID (mdset.h) and LVM2 (lvm.h) ------------------------ */

/* A problem of a layer, in the range WHERE. */
static void layer_note(void *ctx, const char *where, const char *message)
{
	struct walk *w = ctx;
	const char *part = w->part;

	w->part = where;
	problem(w, "%s", message);
	w->part = part;
}

enum layer { LAYER_MD, LAYER_LVM };

/* Whether the range of IMG walked as W->part (PART, or all of IMG: LEN
 * bytes) is a member of the layer L: an md RAID member, or an LVM2
 * physical volume; it is then kept for walk_md or walk_lvm and JP says so.
 * md members are looked for on the disks' own ranges only; physical
 * volumes there and on md arrays (a volume inside a logical volume is
 * not opened). */
static int layer_member(struct walk *w, enum layer l, TSK_IMG_INFO *img,
                        const TSK_VS_PART_INFO *part, uint64_t len,
                        json_t *jp)
{
	uint64_t off = 0;
	int rc;

	if ((img != w->top && (l == LAYER_MD || !cust_mdset_owns(w->md, img))) ||
	    w->failed || (part && mul_add(part->start, part->vs->block_size,
	                                  (uint64_t)part->vs->offset, &off) < 0))
		return 0;
	if (l == LAYER_MD && !w->md &&
	    !(w->md = cust_mdset_new(layer_note, w, w->err)))
		rc = -1;
	else if (l == LAYER_LVM && !w->lvm &&
	         !(w->lvm = cust_lvm_new(layer_note, w, w->err)))
		rc = -1;
	else
		rc = l == LAYER_MD
		             ? cust_mdset_add(w->md, img, off, len, w->part, jp,
		                              w->err)
		             : cust_lvm_add_pv(w->lvm, img, off, len, w->part, jp,
		                               w->err);
	if (rc < 0)
		w->failed = 1;
	return rc != 0;
}

/* The partition object named NAME of PARTS, or NULL. */
static json_t *part_json(json_t *parts, const char *name)
{
	size_t i;

	for (i = json_array_size(parts); parts && i-- > 0;) {
		json_t *p = json_array_get(parts, i);
		const char *n = json_string_value(json_object_get(p, "name"));
		if (n && strcmp(n, name) == 0)
			return p;
	}
	return NULL;
}

/* Add GOT to the count KEY of the partition object named NAME. */
static void part_count(json_t *parts, const char *name, const char *key,
                       uint64_t got)
{
	json_t *p = part_json(parts, name), *v;

	if (!p)
		return;
	v = json_object_get(p, key);
	json_object_set_new(p, key, json_integer((json_int_t)got +
	                                         (v ? json_integer_value(v) : 0)));
}

static void walk_part(struct walk *w, TSK_IMG_INFO *img,
                      const TSK_VS_PART_INFO *part, const char *name,
                      json_t *parts);

/* Walk the volume IMG named NAME, whose report keys are LAYER, as a
 * partition (one in which nothing opens is read as space).  A volume
 * whose bytes all follow each other in one disk's image is a window of
 * it: LAYER gets "image_offset" (and "image_disk", "dK", with several
 * disks), where DFXML puts its offset; any other volume has none. */
static void walk_volume(struct walk *w, TSK_IMG_INFO *img, const char *name,
                        json_t *layer, json_t *parts)
{
	uint64_t at = 0, len = (uint64_t)img->size;
	unsigned disk = 0;
	char dname[16];

	if (layer && img->size > 0 &&
	    walk_place(w, img, 0, &disk, &at, &len) == CUST_WALK_IN_IMAGE &&
	    len == (uint64_t)img->size && at <= (uint64_t)INT64_MAX) {
		json_object_set_new(layer, "image_offset",
		                    json_integer((json_int_t)at));
		/* "d64" at most (CUST_WALK_DISKS_MAX): fits */
		snprintf(dname, sizeof dname, "d%u", disk);
		if (disk)
			json_object_set_new(layer, "image_disk", json_string(dname));
	}
	w->img = img;
	w->layer = layer;
	walk_part(w, img, NULL, name, parts);
	w->layer = NULL;
	w->img = w->top;
}

/* The LEN bytes at OFF of IMG, in the range WHERE of a layer, read as
 * space of KIND, counted under KEY of WHERE's partition object. */
static void layer_space(struct walk *w, json_t *parts, TSK_IMG_INFO *img,
                        uint64_t off, uint64_t len, const char *where,
                        const char *kind, const char *key)
{
	w->img = img;
	w->part = where;
	part_count(parts, where, key, space_range(w, kind, off, len));
	w->part = NULL;
	w->img = w->top;
}

/* Every md array the members found make, each walked as a partition
 * "md:NAME" (an LVM2 physical volume on it is kept for walk_lvm); then,
 * with space, the members of arrays that could not be assembled. */
static void walk_md(struct walk *w, json_t *parts)
{
	TSK_IMG_INFO *img;
	uint64_t off, len;
	const char *where;
	size_t k;
	int rc = 0;

	while (w->md && !w->failed && !w->stopped) {
		char name[CUST_WALK_PART_NAME_MAX];
		json_t *layer = NULL;

		rc = cust_mdset_next(w->md, &img, name, sizeof name, &layer, w->err);
		if (rc <= 0)
			break;
		walk_volume(w, img, name, layer, parts);
		json_decref(layer);
	}
	if (rc < 0)
		w->failed = 1;
	for (k = 0; w->o->space && !w->failed && !w->stopped &&
	            cust_mdset_unread(w->md, k, &img, &off, &len, &where); k++)
		layer_space(w, parts, img, off, len, where,
		            "unreadable-partition", "unreadable_bytes");
}

/* The logical volumes of every LVM2 volume group found, each walked as a
 * partition "WHERE/lvm:VG/LV", then (with space) the bytes of its
 * physical volumes outside them; the physical volumes of a group that
 * cannot be opened are read as space. */
static void walk_lvm(struct walk *w, json_t *parts)
{
	struct cust_lvm_vg *vg = NULL;
	TSK_IMG_INFO *img;
	uint64_t off, len;
	const char *where;
	size_t k;
	int rc = 0;

	while (w->lvm && !w->failed && !w->stopped &&
	       (rc = cust_lvm_next_vg(w->lvm, &vg, w->err)) == 1) {
		for (k = 0; k < cust_lvm_vg_count(vg) && !w->failed &&
		            !w->stopped; k++) {
			char name[CUST_WALK_PART_NAME_MAX];
			json_t *layer = NULL;
			TSK_IMG_INFO *lv = NULL;

			rc = cust_lvm_vg_volume(vg, k, &lv, name, sizeof name, &layer,
			                        w->err);
			if (rc < 0)
				w->failed = 1;
			if (rc <= 0)
				continue;
			w->lv = lv;
			walk_volume(w, lv, name, layer, parts);
			w->lv = NULL;
			json_decref(layer);
			tsk_img_close(lv);
		}
		for (k = 0; w->o->space && !w->failed && !w->stopped &&
		            cust_lvm_vg_unassigned(vg, k, &img, &off, &len, &where);
		     k++)
			layer_space(w, parts, img, off, len, where, "lvm-unassigned",
			            "lvm_unassigned_bytes");
		cust_lvm_vg_close(vg);
		vg = NULL;
	}
	if (rc < 0)
		w->failed = 1;
	for (k = 0; w->o->space && !w->failed && !w->stopped &&
	            cust_lvm_unread(w->lvm, k, &img, &off, &len, &where); k++)
		layer_space(w, parts, img, off, len, where,
		            "unreadable-partition", "unreadable_bytes");
}

/* ---- a range in which nothing opens, or several file systems ---------- */

/* The file system types libtsk's autodetection tries (tsk_fs_open_img,
 * fs_open.c of TSK 4.11), in its order.  It stops at the second that
 * opens and names both ("Cannot determine file system type (EXT2/3/4 or
 * NTFS)"), so a third is never tried: each is tried by name. */
static const TSK_FS_TYPE_ENUM fs_candidates[] = {
	TSK_FS_TYPE_NTFS_DETECT, TSK_FS_TYPE_FAT_DETECT,
	TSK_FS_TYPE_EXT_DETECT, TSK_FS_TYPE_FFS_DETECT,
	TSK_FS_TYPE_YAFFS2_DETECT, TSK_FS_TYPE_HFS_DETECT,
	TSK_FS_TYPE_ISO9660_DETECT
};
#define FS_CANDIDATES (sizeof fs_candidates / sizeof fs_candidates[0])

/* Whether libtsk's autodetection just refused a range because more than
 * one type opened it (its error: TSK_ERR_FS_UNKTYPE, "X or Y"). */
static int several_types(void)
{
	const char *why = tsk_error_get_errstr();

	return tsk_error_get_errno() == TSK_ERR_FS_UNKTYPE && why &&
	       strstr(why, " or ") != NULL;
}

/* Open the range at OFF of IMG as each type of fs_candidates: the file
 * systems that open into FSS, in that order; their count.  libtsk's
 * error is left as the last type's. */
static size_t open_each(TSK_IMG_INFO *img, uint64_t off,
                        TSK_FS_INFO *fss[FS_CANDIDATES])
{
	size_t i, n = 0;

	for (i = 0; i < FS_CANDIDATES; i++) {
		tsk_error_reset();
		fss[n] = tsk_fs_open_img(img, (TSK_OFF_T)off, fs_candidates[i]);
		if (fss[n])
			n++;
	}
	return n;
}

/* Nothing opened in the range NAME of W->img (LEN bytes at OFF, JP its
 * report object): libtsk said MSG; XFS_WHY when an XFS signature is
 * there but cannot be read (damage: a problem, its bytes "unreadable-
 * partition"); otherwise nothing is known to be damaged: a note, and its
 * bytes are "unrecognised" space. */
static void nothing_opened(struct walk *w, const char *name, json_t *jp, const char *xfs_why,
                           const char *msg, uint64_t off, uint64_t len)
{
	char why[600];
	const char *kind = xfs_why ? "unreadable-partition" : "unrecognised";
	uint64_t got;

	if (xfs_why) {
		problem(w, "no file system could be opened at offset %" PRIu64
		        ": an XFS signature, but %s", off, xfs_why);
		if (jp)
			json_object_set_new(jp, "fs_error", json_string(
				"no file system could be opened: an XFS "
				"signature, but it cannot be read"));
	} else {
		snprintf(why, sizeof why, "no file system could be opened: %s",
		         msg[0] ? msg : "unknown type");
		if (jp) {
			char esc[sizeof why * 4];
			cust_walk_escape(why, strlen(why), esc, sizeof esc);
			json_object_set_new(jp, "fs_error", json_string(esc));
		}
		note(w, name, "no-file-system", "no file system found: %s (%s)",
		     w->o->space ? "carved as unrecognised space"
		                 : "space not read",
		     msg[0] ? msg : "unknown type");
	}
	if (!w->o->space || w->failed || w->stopped)
		return;
	got = space_range(w, kind, off, len);
	if (jp)
		json_object_set_new(jp, xfs_why ? "unreadable_bytes"
		                                : "unrecognised_bytes",
		                    json_integer((json_int_t)got));
}

/* The file system FS opened in a range of IMG that it may not fill: a
 * problem when its blocks reach past the end of the image (libtsk opens
 * a truncated one, the missing part reads as errors; a block count
 * beyond 64 bits of bytes is past any image).  The range is LEN bytes at
 * OFF. */
static void check_truncated(struct walk *w, TSK_IMG_INFO *img,
                            TSK_FS_INFO *fs, uint64_t off, uint64_t len)
{
	uint64_t need, have = (uint64_t)img->size > off ?
	                      (uint64_t)img->size - off : 0;

	if (have > len)
		have = len;
	if (fs_bytes(fs, &need) < 0 || need > have)
		problem(w, "file system of blocks 0 to %" PRIu64 " of %u "
		        "bytes extends past the end of the image (%" PRIu64
		        " bytes there): truncated",
		        (uint64_t)fs->last_block, fs->block_size, have);
}

/*
 * The N (2 or more) file systems FSS that open in the same range, the
 * partition NAME (JP its report object, already in PARTS; OFF and LEN as
 * reported, ROFF its offset in the image): each walked as a partition of
 * its own, "NAME#TYPE", in the order of fs_candidates; then the range's
 * space once (struct several) and the bytes past every file system as
 * volume slack, of the one that ends last.  Closes FSS.
 */
static void walk_several(struct walk *w, TSK_FS_INFO **fss, size_t n,
                         const char *name, json_t *jp, json_t *parts,
                         uint64_t off, uint64_t len, uint64_t roff)
{
	char names[FS_CANDIDATES][CUST_WALK_PART_NAME_MAX];
	json_t *jps[FS_CANDIDATES] = { NULL }, *all = json_array();
	char types[FS_CANDIDATES * 16] = "";
	uint64_t start, end, last_end = 0;
	size_t k, m = 0, last = 0;

	for (k = 0; k < n; k++) {
		const char *t = tsk_fs_type_toname(fss[k]->ftype);
		size_t tl = strlen(types);
		int r = snprintf(names[m], sizeof names[m], "%s#%s", name, t);
		if (r < 0 || (size_t)r >= sizeof names[m]) {
			problem(w, "a %s file system here too: not walked, the "
			        "name of the partition is too long", t);
			tsk_fs_close(fss[k]);
			continue;
		}
		snprintf(types + tl, sizeof types - tl, "%s%s", tl ? ", " : "",
		         t);
		fss[m] = fss[k];
		if (all)
			json_array_append_new(all, json_string(names[m]));
		m++;
	}
	note(w, name, "several-file-systems", "more than one file system "
	     "opens here (%s): each walked as its own partition, its space "
	     "read once", types);
	for (k = 0; k < m; k++) {
		if (jp && k == 0)
			jps[k] = jp;
		else if (jp && (jps[k] = json_deep_copy(jp)))
			json_array_append_new(parts, jps[k]); /* held by PARTS */
		if (jps[k]) {
			json_object_set_new(jps[k], "name", json_string(names[k]));
			json_object_set_new(jps[k], "fs_type", json_string(
				tsk_fs_type_toname(fss[k]->ftype)));
			if (all)
				json_object_set(jps[k], "file_systems", all);
		}
	}
	json_decref(all);
	for (k = 0; k < m && !w->failed && !w->stopped; k++) {
		w->part = names[k];
		check_truncated(w, w->img, fss[k], off, len);
		walk_fs(w, fss[k], jps[k]);
	}
	for (k = 0; k < m && w->o->space && !w->failed && !w->stopped; k++) {
		struct several s = { w, fss, m, k };
		w->part = names[k];
		space_fs(w, fss[k], roff, len, jps[k], &s);
		fs_extent(fss[k], &start, &end);
		if (end > last_end) {
			last_end = end;
			last = k;
		}
	}
	if (w->o->space && !w->failed && !w->stopped && m > 0) {
		uint64_t got = 0;
		w->part = names[last];
		if (len <= UINT64_MAX - roff && last_end < roff + len)
			got = space_range(w, "volume-slack", last_end,
			                  roff + len - last_end);
		for (k = 0; k < m; k++)
			if (jps[k])
				json_object_set_new(jps[k], "volume_slack_bytes",
				                    json_integer(k == last
				                                 ? (json_int_t)got
				                                 : 0));
	}
	for (k = 0; k < m; k++)
		tsk_fs_close(fss[k]);
	w->part = NULL; /* NAMES ends here */
}

/* Open and walk the file system at OFFSET (or in PART) as partition NAME. */
static void walk_part(struct walk *w, TSK_IMG_INFO *img, const TSK_VS_PART_INFO *part,
                      const char *name, json_t *parts)
{
	TSK_FS_INFO *fs;
	json_t *jp = json_object();
	char msg[512], desc[1024];
	uint64_t off = 0, len = (uint64_t)img->size;
	uint64_t roff = 0, rlen = (uint64_t)img->size;

	w->part = name;
	if (part && (bytes_of(part->start, part->vs->block_size, 0, &off) < 0 ||
	             bytes_of(part->len, part->vs->block_size, 0, &len) < 0)) {
		/* a table entry no image could hold: nothing of it is read */
		problem(w, "partition of %" PRIu64 " sectors at sector %" PRIu64
		        " lies beyond any image: not walked",
		        (uint64_t)part->len, (uint64_t)part->start);
		json_decref(jp);
		w->part = NULL;
		return;
	}
	w->part_offset = off;
	if (jp) {
		json_object_set_new(jp, "name", json_string(name));
		json_object_set_new(jp, "offset", json_integer((json_int_t)off));
		json_object_set_new(jp, "length", json_integer((json_int_t)len));
		if (part && part->desc) {
			cust_walk_escape(part->desc, strnlen(part->desc, 256), desc,
			                 sizeof desc);
			json_object_set_new(jp, "description", json_string(desc));
		}
		if (w->layer)
			json_object_update(jp, (json_t *)w->layer);
		json_array_append_new(parts, jp);
	}
	if (layer_member(w, LAYER_MD, img, part, len, jp)) {
		w->part = NULL;
		return; /* its array is walked after the partitions */
	}
	if (layer_member(w, LAYER_LVM, img, part, len, jp)) {
		w->part = NULL;
		return; /* its logical volumes are walked after the partitions */
	}
	/* the range in the image (IMG): the partition's sectors, or all */
	if (part && (mul_add(part->start, part->vs->block_size,
	                     (uint64_t)part->vs->offset, &roff) < 0 ||
	             mul_add(part->len, part->vs->block_size, 0, &rlen) < 0 ||
	             roff > (uint64_t)INT64_MAX)) {
		problem(w, "partition at sector %" PRIu64 " lies beyond any "
		        "image: not walked", (uint64_t)part->start);
		w->part = NULL;
		return;
	}
	w->fs_base = roff;
	w->origin = walk_origin(w, img, roff);
	tsk_error_reset();
	fs = tsk_fs_open_img(img, (TSK_OFF_T)roff, TSK_FS_TYPE_DETECT);
	if (!fs) {
		int several = several_types();

		tsk_message(msg, sizeof msg);
		if (several) {
			TSK_FS_INFO *fss[FS_CANDIDATES];
			size_t n = open_each(img, roff, fss);

			tsk_error_reset();
			if (n > 1) {
				walk_several(w, fss, n, name, jp, parts, off, len,
				             roff);
				w->part = NULL;
				return;
			}
			/* one opened by name: autodetection's doubt, not ours */
			fs = n == 1 ? fss[0] : NULL;
		}
	}
	if (!fs) {
		char why[512];
		int x = 0;

		/* what libtsk does not read: XFS, through libfsxfs */
		if (roff <= (uint64_t)img->size)
			x = walk_xfs(w, img, roff, rlen, jp, why, sizeof why);
		tsk_error_reset();
		if (x > 0) {
			w->part = NULL;
			return;
		}
		nothing_opened(w, name, jp, x < 0 ? why : NULL, msg, roff,
		               rlen);
		w->part = NULL;
		return;
	}
	if (jp)
		json_object_set_new(jp, "fs_type",
		                    json_string(tsk_fs_type_toname(fs->ftype)));
	check_truncated(w, img, fs, off, len);
	walk_fs(w, fs, jp);
	if (w->o->space && !w->failed && !w->stopped)
		space_fs(w, fs, roff, len, jp, NULL);
	tsk_fs_close(fs);
	w->part = NULL;
}

/* The gaps of the volume system VS, after all partitions. */
static void space_vs(struct walk *w, TSK_VS_INFO *vs, json_t *report)
{
	TSK_PNUM_T k;
	uint64_t total = 0;

	for (k = 0; k < vs->part_count && !w->failed && !w->stopped; k++) {
		const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, k);
		uint64_t off, len;
		if (!p || !(p->flags & TSK_VS_PART_FLAG_UNALLOC) ||
		    (p->flags & TSK_VS_PART_FLAG_ALLOC))
			continue;
		if (mul_add(p->start, vs->block_size, (uint64_t)vs->offset,
		            &off) < 0 ||
		    mul_add(p->len, vs->block_size, 0, &len) < 0)
			continue; /* beyond any image: nothing to read */
		total += space_range(w, "unpartitioned", off, len);
	}
	tsk_error_reset();
	if (report)
		json_object_set_new(report, "unpartitioned_bytes",
		                    json_integer((json_int_t)total));
}

/* The raw image file PATH opened again for direct reads, when it is the
 * file libtsk opened (the same size); otherwise every read goes through
 * libtsk. */
static void open_direct(struct walk *w, const char *path)
{
	struct stat st;
	int fd = cust_fs_open_evidence(path, 0);

	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != w->img->size) {
		close(fd);
		return;
	}
	w->raw_fd = fd;
	w->raw_size = (uint64_t)st.st_size;
}

/* Open the container (its kind into *KIND): raw and split raw through
 * descriptors of our own, QCOW2 through libqcow, the other formats
 * through libtsk (and its libraries, which open the files themselves). */
static TSK_IMG_INFO *open_image(char **segs, size_t n, enum container *kind,
                                struct cust_error *err)
{
	TSK_IMG_INFO *img;
	char msg[512];

	static const TSK_IMG_TYPE_ENUM types[] = {
		[C_RAW] = TSK_IMG_TYPE_RAW, [C_QCOW] = TSK_IMG_TYPE_DETECT,
		[C_EWF] = TSK_IMG_TYPE_EWF_EWF, [C_VMDK] = TSK_IMG_TYPE_VMDK_VMDK,
		[C_VHD] = TSK_IMG_TYPE_VHD_VHD
	};
	enum container c = container_of(segs[0]);

	*kind = c;
	if (c == C_RAW)
		return raw_open(segs, n, err);
	/* libtsk takes an EWF libewf finds no media in for an empty image,
	 * and reads a truncated one: libewf itself says what is wrong */
	if (c == C_EWF && ewf_check(segs, n, msg, sizeof msg) < 0) {
		cust_error_set(err, CUST_E_INPUT, "cannot open image '%s': "
		               "damaged EWF: %s", segs[0], msg);
		return NULL;
	}
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

static const char *container_name(const TSK_IMG_INFO *img, enum container c)
{
	if (c == C_RAW)
		return tsk_img_type_toname(TSK_IMG_TYPE_RAW);
	if (img->itype == TSK_IMG_TYPE_EXTERNAL)
		return "qcow";
	return tsk_img_type_toname(img->itype);
}

/* REPORT's "container" object. */
static void report_container(json_t *report, const TSK_IMG_INFO *img,
                             enum container kind, char **segs, size_t n)
{
	json_t *c, *js;
	char esc[CUST_WALK_PATH_MAX];
	size_t i;

	if (!report || !(c = json_object()))
		return;
	json_object_set_new(c, "type", json_string(container_name(img, kind)));
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

void cust_walk_pin_zone(void)
{
	const char *tz = getenv("TZ");

	if (!tz || strcmp(tz, "UTC0") != 0) {
		setenv("TZ", "UTC0", 1);
		tzset();
	}
}

/* One disk of a walk: its image, volume system and report object. */
struct disk {
	char **segs;
	size_t nsegs;
	TSK_IMG_INFO *img;
	TSK_VS_INFO *vs;   /* NULL: none, one file system at 0 */
	json_t *report;    /* the walk's report, or its object in "disks" */
	char name[16];     /* "" (one disk), or "dK" */
	char prefix[16];   /* "" (one disk), or "dK/" */
};

/* The segments of disk D: its first segment alone (the others looked up
 * next to it), or all of them. */
static int disk_segments(const struct cust_walk_disk *d, struct disk *out,
                         struct cust_error *err)
{
	size_t i;

	if (!d->paths || d->npaths == 0)
		return cust_error_set(err, CUST_E_USAGE, "walk: a disk without "
		                      "an image");
	if (d->npaths > CUST_WALK_SEGMENTS_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "walk: more than %d segments",
		                      CUST_WALK_SEGMENTS_MAX);
	if (d->npaths == 1)
		return cust_walk_segments(d->paths[0], &out->segs, &out->nsegs,
		                          err);
	out->segs = calloc(d->npaths, sizeof *out->segs);
	for (i = 0; out->segs && i < d->npaths; i++, out->nsegs++)
		if (!(out->segs[i] = strdup(d->paths[i])))
			break;
	if (!out->segs || out->nsegs < d->npaths)
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "walk");
	return 0;
}

/* Open disk D and walk its partitions (or its one file system) as W's
 * top image: md members and LVM2 physical volumes are kept for the
 * layers, walked once every disk is. */
static int walk_disk(struct walk *w, struct disk *d, json_t *parts)
{
	enum container kind;

	if (!(d->img = open_image(d->segs, d->nsegs, &kind, w->err)))
		return -1;
	w->disks[w->ndisks++] = d->img; /* at most CUST_WALK_DISKS_MAX */
	w->container = kind;
	w->img = d->img;
	w->top = d->img;
	w->raw_fd = -1;
	if (kind == C_RAW && d->nsegs == 1 && !w->o->tsk_reads)
		open_direct(w, d->segs[0]);
	report_container(d->report, d->img, kind, d->segs, d->nsegs);
	tsk_error_reset();
	d->vs = tsk_vs_open(d->img, 0, TSK_VS_TYPE_DETECT);
	if (!d->vs) {
		char name[32];
		tsk_error_reset(); /* no volume system: one file system at 0 */
		if (d->report)
			json_object_set_new(d->report, "volume_system", json_null());
		snprintf(name, sizeof name, "%sp0", d->prefix);
		walk_part(w, d->img, NULL, name, parts);
	} else {
		TSK_PNUM_T k, count = d->vs->part_count;
		unsigned named = 0;
		if (d->report)
			json_object_set_new(d->report, "volume_system", json_pack(
				"{s:s, s:I, s:i}", "type",
				tsk_vs_type_toname(d->vs->vstype), "offset",
				(json_int_t)d->vs->offset, "block_size",
				(int)d->vs->block_size));
		for (k = 0; k < count && !w->failed && !w->stopped; k++) {
			const TSK_VS_PART_INFO *p = tsk_vs_part_get(d->vs, k);
			char name[32];
			if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
				continue;
			if (named == CUST_WALK_PARTS_MAX) {
				w->stopped = 1;
				problem(w, "more than %d partitions: the rest skipped",
				        CUST_WALK_PARTS_MAX);
				break;
			}
			snprintf(name, sizeof name, "%sp%u", d->prefix, ++named);
			walk_part(w, d->img, p, name, parts);
		}
	}
	if (w->raw_fd >= 0)
		close(w->raw_fd); /* direct reads are for this disk's partitions */
	w->raw_fd = -1;
	return 0;
}

int cust_walk_disks(const struct cust_walk_disk *disks, size_t ndisks,
                    const struct cust_walk_options *o, cust_walk_fn fn,
                    void *ctx, json_t *report, struct cust_error *err)
{
	static const struct cust_walk_options defaults = {
		.include_deleted = 1
	};
	struct walk *w = NULL;
	struct disk *d = NULL;
	json_t *parts = NULL, *jdisks = NULL;
	size_t i;
	int ret = -1;

	if (!disks || ndisks == 0 || !fn || (report && !json_is_object(report)))
		return cust_error_set(err, CUST_E_USAGE, "walk: no image given");
	if (ndisks > CUST_WALK_DISKS_MAX)
		return cust_error_set(err, CUST_E_USAGE, "walk: more than %d "
		                      "disks", CUST_WALK_DISKS_MAX);
	cust_walk_pin_zone();
	w = calloc(1, sizeof *w);
	d = calloc(ndisks, sizeof *d);
	if (!w || !d) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "walk");
		goto out;
	}
	for (i = 0; i < ndisks; i++)
		if (disk_segments(&disks[i], &d[i], err) < 0)
			goto out;
	w->o = o ? o : &defaults;
	w->several = ndisks > 1;
	w->fn = fn;
	w->ctx = ctx;
	w->err = err;
	w->raw_fd = -1;
	if (w->o->space && !(w->buf = malloc(CUST_WALK_SPACE_CHUNK))) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "walk");
		goto out;
	}
	if (report) {
		w->problems = json_array();
		w->notes = json_array();
		parts = json_array();
		json_object_set_new(report, "problems", w->problems);
		json_object_set_new(report, "notes", w->notes);
		json_object_set_new(report, "partitions", parts);
		if (ndisks > 1) {
			jdisks = json_array();
			json_object_set_new(report, "disks", jdisks);
		}
	}
	for (i = 0; i < ndisks && !w->failed && !w->stopped; i++) {
		d[i].report = report;
		if (ndisks > 1) { /* "d64/" at most (CUST_WALK_DISKS_MAX): fits */
			snprintf(d[i].name, sizeof d[i].name, "d%zu", i + 1);
			snprintf(d[i].prefix, sizeof d[i].prefix, "d%zu/", i + 1);
			d[i].report = NULL;
			if (report && (d[i].report = json_pack("{s:s}", "name",
			                                       d[i].name)))
				json_array_append_new(jdisks, d[i].report); /* held */
		}
		if (walk_disk(w, &d[i], parts) < 0)
			goto out;
	}
	/* the layers, once every disk's partitions are known: md arrays
	 * first (an LVM2 physical volume may lie on one) */
	walk_md(w, parts);
	walk_lvm(w, parts);
	for (i = 0; i < ndisks && w->o->space && !w->failed; i++) {
		if (!d[i].vs)
			continue;
		w->img = w->top = d[i].img;
		w->part = ndisks > 1 ? d[i].name : NULL; /* "-" for one disk */
		space_vs(w, d[i].vs, d[i].report);
		w->part = NULL;
	}
	if (w->failed)
		goto out;
	if (report) {
		if (ndisks > 1) { /* the first disk's, as for one disk */
			json_object_set(report, "container",
			                json_object_get(d[0].report, "container"));
			json_object_set(report, "volume_system",
			                json_object_get(d[0].report, "volume_system"));
		}
		json_object_set_new(report, "entries",
		                    json_integer((json_int_t)w->entries));
		json_object_set_new(report, "complete",
		                    json_boolean(!w->stopped && w->nproblems == 0));
		if (w->nproblems > CUST_WALK_PROBLEMS_MAX)
			json_object_set_new(report, "problems_dropped", json_integer(
				(json_int_t)(w->nproblems - CUST_WALK_PROBLEMS_MAX)));
	}
	ret = 0;
out:
	cust_lvm_free(w ? w->lvm : NULL); /* its volumes may read md arrays */
	cust_mdset_free(w ? w->md : NULL);
	for (i = 0; d && i < ndisks; i++) {
		if (d[i].vs)
			tsk_vs_close(d[i].vs);
		if (d[i].img)
			tsk_img_close(d[i].img);
		cust_walk_segments_free(d[i].segs, d[i].nsegs);
	}
	tsk_error_reset();
	if (w && w->raw_fd >= 0)
		close(w->raw_fd);
	if (w)
		free(w->buf);
	free(w);
	free(d);
	return ret;
}

int cust_walk_image(const char *const *paths, size_t npaths,
                    const struct cust_walk_options *o, cust_walk_fn fn,
                    void *ctx, json_t *report, struct cust_error *err)
{
	struct cust_walk_disk disk = { paths, npaths };

	return cust_walk_disks(&disk, 1, o, fn, ctx, report, err);
}
