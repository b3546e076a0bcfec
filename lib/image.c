/* image.c - image files: raw, split raw and EWF; see include/custody/image.h. */
#include "custody/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libdeflate.h>
#include <libewf.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/version.h"

#define WRITER_MAGIC 0x43494d57u /* "CIMW" */
#define READER_MAGIC 0x43494d52u /* "CIMR" */

#define SPLIT_DEFAULT_SEGMENT (UINT64_C(2) << 30)
#define MODE_WRITING 0644 /* while written (a resume reopens it) */
#define MODE_SEALED 0444  /* after a successful close */

/* ---- names -------------------------------------------------------------- */

static const char *const format_names[] = { "raw", "split", "ewf" };
static const char *const compression_names[] = { "none", "fast", "best" };
#define NFORMATS (sizeof format_names / sizeof format_names[0])
#define NCOMPRESSIONS (sizeof compression_names / sizeof compression_names[0])

const char *cust_image_format_name(enum cust_image_format f)
{
	return (size_t)f < NFORMATS ? format_names[f] : NULL;
}

int cust_image_format_parse(const char *name, enum cust_image_format *f)
{
	size_t i;

	for (i = 0; name && i < NFORMATS; i++)
		if (strcmp(name, format_names[i]) == 0) {
			*f = (enum cust_image_format)i;
			return 0;
		}
	return -1;
}

const char *cust_image_compression_name(enum cust_image_compression c)
{
	return (size_t)c < NCOMPRESSIONS ? compression_names[c] : NULL;
}

int cust_image_compression_parse(const char *name,
                                 enum cust_image_compression *c)
{
	size_t i;

	for (i = 0; name && i < NCOMPRESSIONS; i++)
		if (strcmp(name, compression_names[i]) == 0) {
			*c = (enum cust_image_compression)i;
			return 0;
		}
	return -1;
}

/* ---- paths and split segments ------------------------------------------- */

static int segment_path(char *out, const char *dir, uint64_t index,
                        struct cust_error *err)
{
	return cust_path_format(out, CUST_PATH_MAX, err, "%s/image.%03" PRIu64,
	                        dir, index);
}

/* Whether NAME is "image.NNN", the name the writer gives split segment
 * *INDEX (three digits, more only past 999; "image.0001" is not one). */
static int split_name(const char *name, uint64_t *index)
{
	const char *digits;
	char canon[32];
	size_t len;

	if (strncmp(name, "image.", 6) != 0)
		return 0;
	digits = name + 6;
	len = strlen(digits);
	if (len < 3 || len > 7 || strspn(digits, "0123456789") != len ||
	    cust_parse_u64(digits, index) < 0)
		return 0;
	snprintf(canon, sizeof canon, "%03" PRIu64, *index);
	return strcmp(canon, digits) == 0;
}

/* Scan DIR: *COUNT = 1 + the highest index of a split segment in it (0 for
 * none).  With EWF set, instead: an error naming the first entry named
 * like an EWF segment ("image.E.."), as the writer would clobber it. */
static int scan_dir(const char *dir, int ewf, uint64_t *count,
                    struct cust_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t index;

	*count = 0;
	if (!d)
		return cust_error_set_errno(err, errno == ENOENT ? CUST_E_INPUT
		                                                 : CUST_E_IO,
		                            errno, "cannot read folder '%s'", dir);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (ewf) {
			if (strncmp(de->d_name, "image.E", 7) == 0 ||
			    strncmp(de->d_name, "image.e", 7) == 0) {
				cust_error_set(err, CUST_E_IO,
				               "'%s/%s' already exists; custody never "
				               "overwrites", dir, de->d_name);
				closedir(d); /* frees DE */
				return -1;
			}
		} else if (split_name(de->d_name, &index)) {
			if (index >= CUST_IMAGE_MAX_SEGMENTS) {
				cust_error_set(err, CUST_E_INPUT,
				               "'%s/%s': a split image has at most %"
				               PRIu64 " segments", dir, de->d_name,
				               (uint64_t)CUST_IMAGE_MAX_SEGMENTS);
				closedir(d);
				return -1;
			}
			if (index + 1 > *count)
				*count = index + 1;
		}
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		return cust_error_set_errno(err, CUST_E_IO, e,
		                            "cannot read folder '%s'", dir);
	}
	closedir(d);
	return 0;
}

/* The split image in DIR: COUNT segments, each but the last of FIRST
 * bytes (the size of image.000), the last of LAST bytes. */
struct split_set {
	uint64_t count, first, last;
};

/* Take stock of the split segments of DIR: consecutive from image.000,
 * regular files, all but the last of the same size, the last no larger.
 * A gap is reported by the name of the first missing segment. */
static int split_inventory(const char *dir, struct split_set *s,
                           struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	struct stat st;
	uint64_t i;

	memset(s, 0, sizeof *s);
	if (scan_dir(dir, 0, &s->count, err) < 0)
		return -1;
	if (s->count == 0) {
		if (segment_path(path, dir, 0, err) < 0)
			return -1;
		return cust_error_set(err, CUST_E_INPUT,
		                      "split image segment '%s' is missing", path);
	}
	for (i = 0; i < s->count; i++) {
		if (segment_path(path, dir, i, err) < 0)
			return -1;
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				return cust_error_set(err, CUST_E_INPUT,
				                      "split image segment '%s' is "
				                      "missing", path);
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot examine '%s'", path);
		}
		if (!S_ISREG(st.st_mode))
			return cust_error_set(err, CUST_E_INPUT,
			                      "split image segment '%s' is not a "
			                      "regular file", path);
		if (i == 0)
			s->first = (uint64_t)st.st_size;
		else if (i + 1 < s->count && (uint64_t)st.st_size != s->first)
			return cust_error_set(err, CUST_E_INPUT,
			                      "split image segment '%s' holds %jd "
			                      "bytes, not %" PRIu64 " as the ones "
			                      "before it", path, (intmax_t)st.st_size,
			                      s->first);
		s->last = (uint64_t)st.st_size;
	}
	if (s->count > 1 && s->first == 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "split image segment '%s/image.000' is "
		                      "empty, yet more segments follow", dir);
	if (s->count > 1 && s->last > s->first)
		return cust_error_set(err, CUST_E_INPUT,
		                      "split image segment '%s' holds %" PRIu64
		                      " bytes, more than the %" PRIu64 " of the "
		                      "ones before it", path, s->last, s->first);
	/* sparse files could claim more than a 64-bit size holds */
	if (s->count > 1 && s->first > (UINT64_MAX - s->last) / (s->count - 1))
		return cust_error_set(err, CUST_E_INPUT,
		                      "split image in '%s' is larger than any "
		                      "stream", dir);
	return 0;
}

/* ---- libewf errors ------------------------------------------------------ */

/*
 * The most specific line of the libewf error *E (the first of its
 * backtrace, "libcfile_file_open_with_error_code: no such file: x.E01."),
 * without the function name and the final period, into BUF; frees *E.
 */
static void ewf_detail(libewf_error_t **e, char *buf, size_t size)
{
	char trace[2048];
	const char *p = trace;
	const char *colon;
	size_t n;

	snprintf(buf, size, "unknown libewf error");
	if (!e || !*e)
		return;
	if (libewf_error_backtrace_sprint(*e, trace, sizeof trace) > 0) {
		trace[sizeof trace - 1] = '\0';
		trace[strcspn(trace, "\n")] = '\0';
		colon = strstr(trace, ": ");
		if (colon && !memchr(trace, ' ', (size_t)(colon - trace)))
			p = colon + 2;
		n = strlen(p);
		while (n > 0 && (p[n - 1] == '.' || p[n - 1] == ' '))
			n--;
		if (n > 0)
			snprintf(buf, size, "%.*s", (int)n, p);
	}
	libewf_error_free(e);
}

/* Record a libewf failure: the formatted context, ": ", the detail of *E
 * (which is freed).  Returns -1. */
static int ewf_fail(struct cust_error *err, enum cust_error_kind kind,
                    libewf_error_t **e, const char *fmt, ...)
	CUST_PRINTF(4, 5);

static int ewf_fail(struct cust_error *err, enum cust_error_kind kind,
                    libewf_error_t **e, const char *fmt, ...)
{
	char what[CUST_ERROR_MESSAGE_MAX], detail[CUST_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	ewf_detail(e, detail, sizeof detail);
	return cust_error_set(err, kind, "%s: %s", what, detail);
}

/* ---- EWF parallel compression ------------------------------------------- */

/*
 * libewf 20140813 compresses inside libewf_handle_write_buffer, on the
 * calling thread, with zlib.  Its lower-level libewf_handle_write_chunk
 * takes a chunk already packed by the caller, so the chunks are packed
 * here with libdeflate on EWF_WORKERS threads, each with a compressor of
 * its own, and written in stream order on the writer's own thread; the
 * workers never touch the handle.
 *
 * A chunk is packed as libewf_handle_prepare_write_chunk of that version
 * packs it: a zlib stream (EWF chunks are zlib streams, whose trailer is
 * the Adler-32 of the data) when that is shorter than the data, written
 * with is_compressed set and no separate checksum; otherwise the data as
 * it is, with is_compressed clear and write_checksum set, so that
 * libewf_handle_write_chunk appends the Adler-32 of the data, little
 * endian, from its checksum buffer.  The output buffer holds one byte
 * less than the data, so libdeflate gives up (returns 0) on data that
 * does not shrink.  libewf's special case for all-zero chunks (a cached
 * compressed empty block) is only a shortcut to the same kind of stream.
 *
 * The stream is cut into jobs of about 1 MiB of whole chunks, copied from
 * the caller's buffer (which only lives during the call).  Jobs live in a
 * ring of EWF_JOBS slots and carry sequence numbers: the slot of `filling`
 * belongs to the writer thread while it fills it; slots from `oldest` up
 * to `filling` are queued, being compressed or done, and the writer thread
 * writes them in order as they are done, so memory stays bounded.
 */
#define EWF_WORKERS 2
#define EWF_JOBS 4
#define EWF_JOB_BYTES (1u << 20)
#define EWF_LEVEL_FAST 1 /* libdeflate levels: 1 fastest ... 12 smallest */
#define EWF_LEVEL_BEST 9 /* about zlib -9 in size; 12 is ~4x slower for <1% */

enum job_state { JOB_FREE, JOB_QUEUED, JOB_BUSY, JOB_DONE };

struct ewf_chunk {
	size_t size;        /* bytes to write: compressed or the data itself */
	size_t data_size;   /* stream bytes it stands for */
	uint32_t checksum;
	int8_t compressed, write_checksum;
};

struct ewf_job {
	unsigned char *in;  /* job_bytes of the stream */
	unsigned char *out; /* job_chunks compressed chunks, chunk_size apart */
	struct ewf_chunk *chunks;
	size_t len;         /* stream bytes in IN */
	size_t nchunks;     /* prepared */
	enum job_state state;
};

struct ewf_pool;

struct ewf_worker {
	struct ewf_pool *pool;
	struct libdeflate_compressor *compressor; /* this thread's own */
	pthread_t thread;
};

struct ewf_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;     /* a job was queued, or stop */
	pthread_cond_t done;     /* a job was prepared */
	struct ewf_worker workers[EWF_WORKERS];
	unsigned nthreads;
	int stop;
	uint64_t oldest, filling; /* job sequence numbers, see above */
	size_t chunk_size, job_chunks, job_bytes;
	struct ewf_job jobs[EWF_JOBS];
};

/* Pack (compress, or checksum) every chunk of JOB with compressor C. */
static void ewf_prepare_job(struct ewf_pool *p, struct ewf_job *job,
                            struct libdeflate_compressor *c)
{
	size_t off;

	job->nchunks = 0;
	for (off = 0; off < job->len; off += p->chunk_size) {
		struct ewf_chunk *ch = &job->chunks[job->nchunks];
		const unsigned char *in = job->in + off;
		unsigned char *out = job->out + job->nchunks * p->chunk_size;
		size_t n = job->len - off < p->chunk_size ? job->len - off
		                                          : p->chunk_size;
		size_t z;

		/* n >= 1; a stream of n bytes or more is no gain */
		z = libdeflate_zlib_compress(c, in, n, out, n - 1);
		if (z >= 4) {
			/* the zlib trailer, as libewf takes it */
			memcpy(&ch->checksum, out + z - 4, 4);
			ch->size = z;
			ch->compressed = 1;
			ch->write_checksum = 0;
		} else {
			ch->checksum = libdeflate_adler32(1, in, n);
			ch->size = n;
			ch->compressed = 0;
			ch->write_checksum = 1;
		}
		ch->data_size = n;
		job->nchunks++;
	}
}

static void *ewf_worker(void *arg)
{
	struct ewf_worker *wk = arg;
	struct ewf_pool *p = wk->pool;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct ewf_job *job = NULL;
		uint64_t s;

		while (!p->stop) {
			for (s = p->oldest; s < p->filling && !job; s++)
				if (p->jobs[s % EWF_JOBS].state == JOB_QUEUED)
					job = &p->jobs[s % EWF_JOBS];
			if (job)
				break;
			pthread_cond_wait(&p->work, &p->lock);
		}
		if (!job)
			break;
		job->state = JOB_BUSY;
		pthread_mutex_unlock(&p->lock);
		ewf_prepare_job(p, job, wk->compressor);
		pthread_mutex_lock(&p->lock);
		job->state = JOB_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Stop the workers (they finish the job in hand) and free P. */
static void ewf_pool_free(struct ewf_pool *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->workers[i].thread, NULL);
	for (i = 0; i < EWF_WORKERS; i++)
		libdeflate_free_compressor(p->workers[i].compressor);
	for (i = 0; i < EWF_JOBS; i++) {
		free(p->jobs[i].in);
		free(p->jobs[i].out);
		free(p->jobs[i].chunks);
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* A pool packing chunks of CHUNK_SIZE bytes at libdeflate level LEVEL. */
static struct ewf_pool *ewf_pool_new(size_t chunk_size, int level,
                                     struct cust_error *err)
{
	struct ewf_pool *p = calloc(1, sizeof *p);
	sigset_t all, old;
	unsigned i;
	int rc = 0;

	if (!p) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                     "cannot start compression");
		return NULL;
	}
	p->chunk_size = chunk_size;
	p->job_chunks = EWF_JOB_BYTES / chunk_size ? EWF_JOB_BYTES / chunk_size
	                                           : 1;
	p->job_bytes = p->job_chunks * chunk_size;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (i = 0; i < EWF_JOBS; i++) {
		struct ewf_job *j = &p->jobs[i];
		j->in = malloc(p->job_bytes);
		j->out = malloc(p->job_bytes);
		j->chunks = calloc(p->job_chunks, sizeof *j->chunks);
		if (!j->in || !j->out || !j->chunks) {
			cust_error_set_errno(err, CUST_E_IO, ENOMEM,
			                     "cannot start compression");
			ewf_pool_free(p);
			return NULL;
		}
	}
	for (i = 0; i < EWF_WORKERS; i++) {
		p->workers[i].pool = p;
		p->workers[i].compressor = libdeflate_alloc_compressor(level);
		if (!p->workers[i].compressor) {
			cust_error_set_errno(err, CUST_E_IO, ENOMEM,
			                     "cannot start compression");
			ewf_pool_free(p);
			return NULL;
		}
	}
	/* workers take no signals: a Ctrl-C belongs to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < EWF_WORKERS && rc == 0; i++) {
		rc = pthread_create(&p->workers[i].thread, NULL, ewf_worker,
		                    &p->workers[i]);
		if (rc == 0)
			p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		cust_error_set_errno(err, CUST_E_IO, rc,
		                     "cannot start compression threads");
		ewf_pool_free(p);
		return NULL;
	}
	return p;
}

/* ---- writer ------------------------------------------------------------- */

struct cust_image_writer {
	uint32_t magic;
	enum cust_image_format format;
	char dir[CUST_PATH_MAX];
	uint64_t written;        /* stream bytes taken */
	int closed;              /* close succeeded */
	int failed;              /* a step failed: FAIL says what */
	struct cust_error fail;
	json_t *files;           /* after close */

	/* raw and split */
	char path[CUST_PATH_MAX]; /* the file open on FD */
	int fd;
	uint64_t segment_size;   /* split */
	uint64_t segment;        /* split: index of the open segment */
	uint64_t segment_used;   /* split: bytes in it */

	/* ewf */
	libewf_handle_t *ewf;
	struct ewf_pool *pool;   /* fast and best compression */
	uint64_t media_size;     /* 0 = unknown */
	unsigned sector_size;
	unsigned char checksum_scratch[4]; /* for libewf_handle_write_chunk */
};

static struct cust_image_writer *writer_alloc(const char *dir,
                                              const struct cust_image_options *o,
                                              struct cust_error *err)
{
	struct cust_image_writer *w;

	if (!dir || !o) {
		cust_error_set(err, CUST_E_USAGE,
		               "image writer needs a folder and options");
		return NULL;
	}
	if (!cust_image_format_name(o->format)) {
		cust_error_set(err, CUST_E_USAGE,
		               "unknown image format %d", (int)o->format);
		return NULL;
	}
	if (!cust_image_compression_name(o->compression)) {
		cust_error_set(err, CUST_E_USAGE,
		               "unknown compression %d",
		               (int)o->compression);
		return NULL;
	}
	if (o->format != CUST_IMAGE_EWF &&
	    o->compression != CUST_IMAGE_COMPRESS_NONE) {
		cust_error_set(err, CUST_E_USAGE,
		               "compression needs the ewf format");
		return NULL;
	}
	if (o->format == CUST_IMAGE_RAW && o->segment_size != 0) {
		cust_error_set(err, CUST_E_USAGE,
		               "a raw image has no segments; use the "
		               "split format");
		return NULL;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                     "cannot make an image writer");
		return NULL;
	}
	w->fd = -1;
	w->format = o->format;
	w->segment_size = o->segment_size ? o->segment_size
	                                  : SPLIT_DEFAULT_SEGMENT;
	if (cust_path_format(w->dir, sizeof w->dir, err, "%s", dir) < 0) {
		free(w);
		return NULL;
	}
	w->magic = WRITER_MAGIC;
	return w;
}

static int writer_check(const struct cust_image_writer *w,
                        struct cust_error *err)
{
	if (!w || w->magic != WRITER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "invalid image writer (freed or never "
		                      "opened)");
	return 0;
}

/* A header value of the EWF image: no control character, which would
 * break the tab- and newline-separated header section apart. */
static int header_value_check(const char *what, const char *value,
                              struct cust_error *err)
{
	const unsigned char *p;

	if (!value)
		return 0;
	if (strlen(value) > CUST_IMAGE_HEADER_VALUE_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s is longer than %d bytes", what,
		                      CUST_IMAGE_HEADER_VALUE_MAX);
	for (p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return cust_error_set(err, CUST_E_USAGE,
			                      "%s contains a control character "
			                      "(tab, newline, ...), which the EWF "
			                      "header cannot hold", what);
	return 0;
}

static int ewf_header(struct cust_image_writer *w, const char *id,
                      const char *value, struct cust_error *err)
{
	libewf_error_t *e = NULL;

	if (!value || !*value)
		return 0;
	if (libewf_handle_set_utf8_header_value(w->ewf, (const uint8_t *)id,
	                                        strlen(id),
	                                        (const uint8_t *)value,
	                                        strlen(value), &e) != 1)
		return ewf_fail(err, CUST_E_USAGE, &e,
		                "cannot set EWF header value %s", id);
	return 0;
}

/* The name of the newest segment file of the EWF image being written,
 * to name it in a write error. */
static void ewf_current_segment(const struct cust_image_writer *w, char *out,
                                size_t size)
{
	char first[CUST_PATH_MAX];
	char **names = NULL;
	int n = 0;

	snprintf(out, size, "image.E01");
	if (cust_path_format(first, sizeof first, NULL, "%s/image.E01",
	                     w->dir) < 0)
		return;
	snprintf(out, size, "%s", first);
	if (libewf_glob(first, strlen(first), LIBEWF_FORMAT_UNKNOWN, &names, &n,
	                NULL) == 1) {
		if (n > 0)
			snprintf(out, size, "%s", names[n - 1]);
		libewf_glob_free(names, n, NULL);
	}
}

/*
 * libewf keeps no errno in its errors, and takes a short write (what a
 * full disk gives first) as a failure of its own ("unable to write chunk").
 * When the failed call left no errno, tell the two usual causes apart
 * after the fact: a file system with (almost) no room left, or the
 * segment file at the process's file size limit.
 */
static int ewf_guess_errno(const struct cust_image_writer *w, const char *seg)
{
	const uint64_t margin = 1u << 20;
	struct statvfs sv;
	struct rlimit lim;
	struct stat st;

	if (statvfs(w->dir, &sv) == 0) {
		uint64_t avail = geteuid() == 0 ? (uint64_t)sv.f_bfree
		                                : (uint64_t)sv.f_bavail;
		if (avail * sv.f_frsize < margin)
			return ENOSPC;
	}
	if (getrlimit(RLIMIT_FSIZE, &lim) == 0 &&
	    lim.rlim_cur != RLIM_INFINITY && stat(seg, &st) == 0 &&
	    (uint64_t)st.st_size + margin > (uint64_t)lim.rlim_cur)
		return EFBIG;
	return 0;
}

/*
 * A failed write into the EWF image, naming its newest segment file.
 * ERRNUM is errno as the failed call left it (cleared before the call):
 * the system error of the write that failed, when there was one.
 */
static int ewf_write_error(struct cust_image_writer *w, int errnum,
                           libewf_error_t **e, struct cust_error *err)
{
	char seg[CUST_PATH_MAX], detail[CUST_ERROR_MESSAGE_MAX];

	ewf_current_segment(w, seg, sizeof seg);
	ewf_detail(e, detail, sizeof detail);
	if (errnum == 0)
		errnum = ewf_guess_errno(w, seg);
	if (errnum != 0)
		return cust_error_set_errno(err, CUST_E_IO, errnum,
		                            "cannot write '%s' (libewf: %s)", seg,
		                            detail);
	return cust_error_set(err, CUST_E_IO, "cannot write '%s': %s", seg,
	                      detail);
}

static int ewf_open(struct cust_image_writer *w,
                    const struct cust_image_options *o,
                    struct cust_error *err)
{
	static const int8_t levels[] = { LIBEWF_COMPRESSION_NONE,
	                                 LIBEWF_COMPRESSION_FAST,
	                                 LIBEWF_COMPRESSION_BEST };
	char base[CUST_PATH_MAX], first[CUST_PATH_MAX];
	char *names[1] = { base };
	libewf_error_t *e = NULL;
	struct utsname u;
	char version[64];
	size32_t chunk_size = 0;
	uint64_t count;
	int fd;

	w->sector_size = o->sector_size ? o->sector_size : 512;
	if (w->sector_size < 512 || w->sector_size > 65536 ||
	    (w->sector_size & (w->sector_size - 1)) != 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "sector size %u is not a power of two from "
		                      "512 to 65536", w->sector_size);
	w->media_size = o->media_size;
	if (w->media_size % w->sector_size != 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "an EWF image holds whole sectors: the "
		                      "media size %" PRIu64 " is not a multiple "
		                      "of %u bytes; use the raw format",
		                      w->media_size, w->sector_size);
	if (header_value_check("case number", o->case_number, err) < 0 ||
	    header_value_check("evidence number", o->evidence_number, err) < 0 ||
	    header_value_check("examiner", o->examiner, err) < 0 ||
	    header_value_check("description", o->description, err) < 0 ||
	    header_value_check("notes", o->notes, err) < 0)
		return -1;
	if (cust_path_format(base, sizeof base, err, "%s/image", w->dir) < 0 ||
	    cust_path_format(first, sizeof first, err, "%s/image.E01",
	                     w->dir) < 0)
		return -1;
	/* libewf creates its segment files with O_TRUNC and follows links:
	 * refuse a folder already holding any, and claim image.E01 with
	 * O_EXCL before libewf opens it */
	if (scan_dir(w->dir, 1, &count, err) < 0)
		return -1;
	fd = cust_fs_create(first, MODE_WRITING, err);
	if (fd < 0)
		return -1;
	close(fd);
	if (libewf_handle_initialize(&w->ewf, &e) != 1) {
		ewf_fail(err, CUST_E_IO, &e, "cannot start libewf");
		goto fail;
	}
	if (libewf_handle_open(w->ewf, names, 1, LIBEWF_OPEN_WRITE, &e) != 1) {
		ewf_fail(err, CUST_E_IO, &e, "cannot create '%s'", first);
		goto fail;
	}
	if (libewf_handle_set_format(w->ewf, LIBEWF_FORMAT_ENCASE6, &e) != 1 ||
	    libewf_handle_set_media_type(w->ewf, LIBEWF_MEDIA_TYPE_FIXED,
	                                 &e) != 1 ||
	    libewf_handle_set_media_flags(w->ewf, LIBEWF_MEDIA_FLAG_PHYSICAL,
	                                  &e) != 1 ||
	    libewf_handle_set_bytes_per_sector(w->ewf, w->sector_size,
	                                       &e) != 1 ||
	    (w->media_size &&
	     libewf_handle_set_media_size(w->ewf, w->media_size, &e) != 1) ||
	    libewf_handle_set_compression_values(w->ewf, levels[o->compression],
	                                         0, &e) != 1 ||
	    libewf_handle_set_maximum_segment_size(
	            w->ewf,
	            o->segment_size ? o->segment_size
	                            : (size64_t)LIBEWF_DEFAULT_SEGMENT_FILE_SIZE,
	            &e) != 1 ||
	    libewf_handle_get_chunk_size(w->ewf, &chunk_size, &e) != 1) {
		ewf_fail(err, CUST_E_USAGE, &e, "cannot set up EWF image '%s'",
		         first);
		goto fail;
	}
	if (chunk_size == 0) {
		cust_error_set(err, CUST_E_IO, "libewf reports a chunk size of 0");
		goto fail;
	}
	/* EnCase 6 headers have no field for the program's name (libewf
	 * takes acquiry_software but does not write it): the version field
	 * names it too, or "0.1.0" alone would say nothing */
	snprintf(version, sizeof version, "custody %s", cust_version());
	if (ewf_header(w, "case_number", o->case_number, err) < 0 ||
	    ewf_header(w, "evidence_number", o->evidence_number, err) < 0 ||
	    ewf_header(w, "examiner_name", o->examiner, err) < 0 ||
	    ewf_header(w, "description", o->description, err) < 0 ||
	    ewf_header(w, "notes", o->notes, err) < 0 ||
	    ewf_header(w, "acquiry_software", "custody", err) < 0 ||
	    ewf_header(w, "acquiry_software_version", version, err) < 0 ||
	    (uname(&u) == 0 &&
	     ewf_header(w, "acquiry_operating_system", u.sysname, err) < 0))
		goto fail;
	if (o->compression != CUST_IMAGE_COMPRESS_NONE) {
		w->pool = ewf_pool_new(chunk_size,
		                       o->compression == CUST_IMAGE_COMPRESS_BEST
		                               ? EWF_LEVEL_BEST
		                               : EWF_LEVEL_FAST,
		                       err);
		if (!w->pool)
			goto fail;
	}
	return 0;

fail:
	if (w->ewf)
		libewf_handle_free(&w->ewf, NULL);
	w->ewf = NULL;
	unlink(first);
	return -1;
}

struct cust_image_writer *cust_image_writer_open(
	const char *dir, const struct cust_image_options *o,
	struct cust_error *err)
{
	struct cust_image_writer *w = writer_alloc(dir, o, err);
	uint64_t count;

	if (!w)
		return NULL;
	switch (w->format) {
	case CUST_IMAGE_RAW:
		if (cust_path_format(w->path, sizeof w->path, err,
		                     "%s/image.raw", w->dir) < 0)
			goto fail;
		w->fd = cust_fs_create(w->path, MODE_WRITING, err);
		if (w->fd < 0)
			goto fail;
		break;
	case CUST_IMAGE_SPLIT:
		/* no segment of an earlier image may wait further on */
		if (scan_dir(w->dir, 0, &count, err) < 0)
			goto fail;
		if (count > 0) {
			char old[CUST_PATH_MAX];
			if (segment_path(old, w->dir, count - 1, err) == 0)
				cust_error_set(err, CUST_E_IO,
				               "'%s' already exists; custody never "
				               "overwrites", old);
			goto fail;
		}
		if (segment_path(w->path, w->dir, 0, err) < 0)
			goto fail;
		w->fd = cust_fs_create(w->path, MODE_WRITING, err);
		if (w->fd < 0)
			goto fail;
		break;
	case CUST_IMAGE_EWF:
		if (ewf_open(w, o, err) < 0)
			goto fail;
		break;
	}
	return w;

fail:
	w->magic = 0;
	free(w);
	return NULL;
}

/*
 * Open W->path again to go on writing (or, with READ_ONLY, only to sync
 * and seal it later), its status into *ST.  A file sealed read-only by an
 * earlier run is made writable again; the descriptor must be the very
 * file examined (no link, no swap in between).
 */
static int reopen(struct cust_image_writer *w, int read_only, struct stat *st,
                  struct cust_error *err)
{
	struct stat again;
	int rfd = cust_fs_open_read(w->path, 1, err);

	if (rfd < 0)
		return cust_error_prefix(err, "cannot resume");
	if (fstat(rfd, st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot examine '%s'",
		                     w->path);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is not a regular file",
		               w->path);
		goto fail;
	}
	if (read_only) {
		w->fd = rfd;
		return 0;
	}
	if ((st->st_mode & S_IWUSR) == 0 && fchmod(rfd, MODE_WRITING) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot make '%s' writable to resume",
		                     w->path);
		goto fail;
	}
	w->fd = open(w->path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (w->fd < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot open '%s' to resume", w->path);
		goto fail;
	}
	if (fstat(w->fd, &again) < 0 || again.st_dev != st->st_dev ||
	    again.st_ino != st->st_ino) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' was replaced while reopened", w->path);
		goto fail;
	}
	close(rfd);
	return 0;

fail:
	close(rfd);
	return -1;
}

struct cust_image_writer *cust_image_writer_resume(
	const char *dir, const struct cust_image_options *o, uint64_t offset,
	struct cust_error *err)
{
	struct cust_image_writer *w = writer_alloc(dir, o, err);
	struct split_set s = { 0 };
	struct stat st;
	uint64_t total = 0, keep = 0, i;

	if (!w)
		return NULL;
	switch (w->format) {
	case CUST_IMAGE_EWF:
		cust_error_set(err, CUST_E_USAGE,
		               "an EWF image cannot be resumed; start it anew");
		goto fail;
	case CUST_IMAGE_RAW:
		if (cust_path_format(w->path, sizeof w->path, err,
		                     "%s/image.raw", w->dir) < 0)
			goto fail;
		keep = offset;
		break;
	case CUST_IMAGE_SPLIT:
		if (split_inventory(w->dir, &s, err) < 0)
			goto fail;
		if (s.count > 1 && s.first != w->segment_size) {
			cust_error_set(err, CUST_E_INPUT,
			               "split image in '%s' has segments of %" PRIu64
			               " bytes, not %" PRIu64, w->dir, s.first,
			               w->segment_size);
			goto fail;
		}
		if (s.last > w->segment_size) {
			cust_error_set(err, CUST_E_INPUT,
			               "split image in '%s' has a segment larger "
			               "than %" PRIu64 " bytes", w->dir,
			               w->segment_size);
			goto fail;
		}
		total = (s.count - 1) * w->segment_size + s.last;
		if (total < offset) {
			cust_error_set(err, CUST_E_INPUT,
			               "split image in '%s' holds only %" PRIu64
			               " bytes, cannot resume at %" PRIu64, w->dir,
			               total, offset);
			goto fail;
		}
		/* the segment OFFSET falls in (or ends) goes on; later ones go */
		w->segment = offset == 0 ? 0 : (offset - 1) / w->segment_size;
		keep = offset - w->segment * w->segment_size;
		w->segment_used = keep;
		if (segment_path(w->path, w->dir, w->segment, err) < 0)
			goto fail;
		break;
	}
	/* a segment complete at OFFSET is only synced and sealed again, at
	 * the next write or at close: it is not opened for writing */
	if (reopen(w, w->format == CUST_IMAGE_SPLIT &&
	                      keep == w->segment_size,
	           &st, err) < 0)
		goto fail;
	if ((uint64_t)st.st_size < keep) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' holds only %jd bytes, cannot resume at %"
		               PRIu64, w->path, (intmax_t)st.st_size, offset);
		goto fail;
	}
	for (i = s.count; i-- > w->segment + 1;) {
		char later[CUST_PATH_MAX];
		if (segment_path(later, w->dir, i, err) < 0)
			goto fail;
		if (unlink(later) < 0) {
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot remove '%s'", later);
			goto fail;
		}
	}
	if ((uint64_t)st.st_size > keep && ftruncate(w->fd, (off_t)keep) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot cut '%s' back to %" PRIu64 " bytes",
		                     w->path, keep);
		goto fail;
	}
	if (lseek(w->fd, (off_t)keep, SEEK_SET) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot seek in '%s'",
		                     w->path);
		goto fail;
	}
	/* the cut and the removals must last as the appends will */
	if (fsync(w->fd) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot sync '%s'",
		                     w->path);
		goto fail;
	}
	if (cust_fs_sync_dir(w->dir, err) < 0)
		goto fail;
	w->written = offset;
	return w;

fail:
	if (w->fd >= 0)
		close(w->fd);
	w->magic = 0;
	free(w);
	return NULL;
}

/* Append to the split image, starting segments as the data reaches them
 * (so a stream ending on a boundary leaves no empty segment). */
static int split_write(struct cust_image_writer *w, const unsigned char *data,
                       size_t len, struct cust_error *err)
{
	while (len > 0) {
		uint64_t room;
		size_t n;

		if (w->segment_used == w->segment_size) {
			if (w->segment + 1 >= CUST_IMAGE_MAX_SEGMENTS)
				return cust_error_set(err, CUST_E_INPUT,
				                      "split image in '%s' would need "
				                      "more than %" PRIu64 " segments; "
				                      "choose larger ones", w->dir,
				                      (uint64_t)CUST_IMAGE_MAX_SEGMENTS);
			/* the segment is complete: sealed now, not at the end */
			if (fchmod(w->fd, MODE_SEALED) < 0)
				return cust_error_set_errno(err, CUST_E_IO, errno,
				                            "cannot make '%s' "
				                            "read-only", w->path);
			if (cust_fs_close_synced(w->fd, w->path, err) < 0) {
				w->fd = -1;
				return -1;
			}
			w->fd = -1;
			if (segment_path(w->path, w->dir, w->segment + 1, err) < 0)
				return -1;
			w->fd = cust_fs_create(w->path, MODE_WRITING, err);
			if (w->fd < 0)
				return -1;
			w->segment++;
			w->segment_used = 0;
		}
		room = w->segment_size - w->segment_used;
		n = len < room ? len : (size_t)room;
		if (cust_fs_write_all(w->fd, data, n, w->path, err) < 0)
			return -1;
		w->segment_used += n;
		data += n;
		len -= n;
	}
	return 0;
}

/* Write the prepared chunks of JOB, in order, on the writer's thread. */
static int ewf_write_job(struct cust_image_writer *w, struct ewf_job *job,
                         struct cust_error *err)
{
	struct ewf_pool *p = w->pool;
	libewf_error_t *e = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < job->nchunks && rc == 0; i++) {
		const struct ewf_chunk *c = &job->chunks[i];
		const unsigned char *buf = c->compressed
		                                   ? job->out + i * p->chunk_size
		                                   : job->in + i * p->chunk_size;
		ssize_t n;

		errno = 0;
		n = libewf_handle_write_chunk(w->ewf, buf, c->size, c->data_size,
		                              c->compressed, w->checksum_scratch,
		                              c->checksum, c->write_checksum, &e);
		if (n < 0)
			rc = ewf_write_error(w, errno, &e, err);
		else if (n == 0)
			rc = cust_error_set(err, CUST_E_IO,
			                    "libewf takes no more data for "
			                    "'%s/image.E01'", w->dir);
	}
	return rc;
}

/*
 * Write the jobs that are done, oldest first.  Waits for the oldest one
 * while ALL is set and jobs remain, or while every slot is taken (so the
 * slot of `filling` is free on return).
 */
static int ewf_drain(struct cust_image_writer *w, int all,
                     struct cust_error *err)
{
	struct ewf_pool *p = w->pool;

	for (;;) {
		struct ewf_job *job;
		int rc;

		pthread_mutex_lock(&p->lock);
		for (;;) {
			if (p->oldest == p->filling) {
				job = NULL;
				break;
			}
			job = &p->jobs[p->oldest % EWF_JOBS];
			if (job->state == JOB_DONE)
				break;
			if (!all && p->filling - p->oldest < EWF_JOBS) {
				job = NULL;
				break;
			}
			pthread_cond_wait(&p->done, &p->lock);
		}
		pthread_mutex_unlock(&p->lock);
		if (!job)
			return 0;
		rc = ewf_write_job(w, job, err);
		pthread_mutex_lock(&p->lock);
		job->state = JOB_FREE;
		job->len = 0;
		job->nchunks = 0;
		p->oldest++;
		pthread_mutex_unlock(&p->lock);
		if (rc < 0)
			return -1;
	}
}

/* Hand the job being filled to the workers and take the next slot. */
static int ewf_submit(struct cust_image_writer *w, struct cust_error *err)
{
	struct ewf_pool *p = w->pool;

	pthread_mutex_lock(&p->lock);
	p->jobs[p->filling % EWF_JOBS].state = JOB_QUEUED;
	p->filling++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return ewf_drain(w, 0, err);
}

static int ewf_write(struct cust_image_writer *w, const unsigned char *data,
                     size_t len, struct cust_error *err)
{
	libewf_error_t *e = NULL;
	struct ewf_pool *p = w->pool;

	if (!p) {
		while (len > 0) {
			ssize_t n;

			errno = 0;
			n = libewf_handle_write_buffer(w->ewf, data, len, &e);
			if (n < 0)
				return ewf_write_error(w, errno, &e, err);
			if (n == 0)
				return cust_error_set(err, CUST_E_IO,
				                      "libewf takes no more data for "
				                      "'%s/image.E01'", w->dir);
			data += n;
			len -= (size_t)n;
		}
		return 0;
	}
	while (len > 0) {
		struct ewf_job *job = &p->jobs[p->filling % EWF_JOBS];
		size_t n = p->job_bytes - job->len;

		if (n > len)
			n = len;
		memcpy(job->in + job->len, data, n);
		job->len += n;
		data += n;
		len -= n;
		if (job->len == p->job_bytes && ewf_submit(w, err) < 0)
			return -1;
	}
	return 0;
}

int cust_image_writer_write(void *writer, const unsigned char *data,
                            size_t len, uint64_t offset,
                            struct cust_error *err)
{
	struct cust_image_writer *w = writer;
	struct cust_error e;
	int rc;

	if (writer_check(w, err) < 0)
		return -1;
	if (w->failed) {
		if (err)
			*err = w->fail;
		return -1;
	}
	if (w->closed || (w->format != CUST_IMAGE_EWF && w->fd < 0) ||
	    (w->format == CUST_IMAGE_EWF && !w->ewf))
		return cust_error_set(err, CUST_E_USAGE,
		                      "image writer for '%s' is closed", w->dir);
	if (offset != w->written)
		return cust_error_set(err, CUST_E_USAGE,
		                      "image write at offset %" PRIu64 ", but %"
		                      PRIu64 " bytes were written to '%s'", offset,
		                      w->written, w->dir);
	if (len == 0)
		return 0;
	cust_error_clear(&e);
	switch (w->format) {
	case CUST_IMAGE_RAW:
		rc = cust_fs_write_all(w->fd, data, len, w->path, &e);
		break;
	case CUST_IMAGE_SPLIT:
		rc = split_write(w, data, len, &e);
		break;
	default:
		if (w->media_size && (len > w->media_size - w->written))
			rc = cust_error_set(&e, CUST_E_INPUT,
			                    "the stream is longer than the media "
			                    "size %" PRIu64 " given for '%s/image.E01'",
			                    w->media_size, w->dir);
		else
			rc = ewf_write(w, data, len, &e);
		break;
	}
	if (rc < 0) {
		w->failed = 1;
		w->fail = e;
		if (err)
			*err = e;
		return -1;
	}
	w->written += len;
	return 0;
}

/* ---- closing ------------------------------------------------------------ */

static int files_add(json_t *files, const char *name, uint64_t size,
                     struct cust_error *err)
{
	json_t *f = json_pack("{s:s, s:I}", "name", name, "size",
	                      (json_int_t)size);

	if (!f || json_array_append_new(files, f) < 0)
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                            "cannot list the image files");
	return 0;
}

static int plain_close(struct cust_image_writer *w, struct cust_error *err)
{
	char name[64];
	uint64_t i;

	if (fchmod(w->fd, MODE_SEALED) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot make '%s' read-only", w->path);
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	if (cust_fs_close_synced(w->fd, w->path, err) < 0) {
		w->fd = -1;
		return -1;
	}
	w->fd = -1;
	if (cust_fs_sync_dir(w->dir, err) < 0)
		return -1;
	w->files = json_array();
	if (!w->files)
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                            "cannot list the image files");
	if (w->format == CUST_IMAGE_RAW)
		return files_add(w->files, "image.raw", w->written, err);
	for (i = 0; i <= w->segment; i++) {
		snprintf(name, sizeof name, "image.%03" PRIu64, i);
		if (files_add(w->files, name,
		              i < w->segment ? w->segment_size : w->segment_used,
		              err) < 0)
			return -1;
	}
	return 0;
}

/* HEX, the lower- or upper-case hex of exactly LEN bytes, into OUT. */
static int hash_decode(const char *what, const char *hex, unsigned char *out,
                       size_t len, struct cust_error *err)
{
	if (strlen(hex) != 2 * len || cust_hex_decode(hex, out, len) < 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s '%s' is not %zu hex digits", what, hex,
		                      2 * len);
	return 0;
}

/* Sync and seal the segment files libewf wrote, and list them. */
static int ewf_seal_files(struct cust_image_writer *w, struct cust_error *err)
{
	char first[CUST_PATH_MAX];
	libewf_error_t *e = NULL;
	char **names = NULL;
	int n = 0, i, rc = 0;

	if (cust_path_format(first, sizeof first, err, "%s/image.E01",
	                     w->dir) < 0)
		return -1;
	if (libewf_glob(first, strlen(first), LIBEWF_FORMAT_UNKNOWN, &names, &n,
	                &e) != 1)
		return ewf_fail(err, CUST_E_IO, &e, "cannot list '%s' and its "
		                "successors", first);
	w->files = json_array();
	if (!w->files)
		rc = cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                          "cannot list the image files");
	for (i = 0; i < n && rc == 0; i++) {
		const char *base = strrchr(names[i], '/');
		struct stat st;
		int fd = cust_fs_open_read(names[i], 1, err);

		if (fd < 0) {
			rc = -1;
			break;
		}
		if (fstat(fd, &st) < 0 || fchmod(fd, MODE_SEALED) < 0) {
			rc = cust_error_set_errno(err, CUST_E_IO, errno,
			                          "cannot seal '%s'", names[i]);
			close(fd);
			break;
		}
		if (cust_fs_close_synced(fd, names[i], err) < 0) {
			rc = -1;
			break;
		}
		rc = files_add(w->files, base ? base + 1 : names[i],
		               (uint64_t)st.st_size, err);
	}
	libewf_glob_free(names, n, NULL);
	if (rc == 0)
		rc = cust_fs_sync_dir(w->dir, err);
	return rc;
}

static int ewf_close(struct cust_image_writer *w,
                     const struct cust_image_hashes *hashes,
                     struct cust_error *err)
{
	unsigned char md5[16], sha1[20];
	libewf_error_t *e = NULL;
	struct ewf_pool *p = w->pool;

	if (hashes && hashes->md5 &&
	    hash_decode("MD5", hashes->md5, md5, sizeof md5, err) < 0)
		return -1;
	if (hashes && hashes->sha1 &&
	    hash_decode("SHA-1", hashes->sha1, sha1, sizeof sha1, err) < 0)
		return -1;
	if (p) {
		if (p->jobs[p->filling % EWF_JOBS].len > 0 &&
		    ewf_submit(w, err) < 0)
			return -1;
		if (ewf_drain(w, 1, err) < 0)
			return -1;
		ewf_pool_free(p);
		w->pool = NULL;
	}
	/* libewf 20140813 stores whole sectors only and silently drops a
	 * partial one; a short stream under a given media size leaves an
	 * image that fails verification */
	if (w->written % w->sector_size != 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "an EWF image holds whole sectors: the "
		                      "stream of %" PRIu64 " bytes is not a "
		                      "multiple of %u; use the raw format",
		                      w->written, w->sector_size);
	if (w->media_size && w->written != w->media_size)
		return cust_error_set(err, CUST_E_INCOMPLETE,
		                      "the stream ended after %" PRIu64 " of the "
		                      "%" PRIu64 " bytes of media size given for "
		                      "'%s/image.E01'", w->written, w->media_size,
		                      w->dir);
	if (hashes && hashes->md5 &&
	    libewf_handle_set_md5_hash(w->ewf, md5, sizeof md5, &e) != 1)
		return ewf_fail(err, CUST_E_IO, &e, "cannot store the MD5 in "
		                "'%s/image.E01'", w->dir);
	if (hashes && hashes->sha1 &&
	    libewf_handle_set_sha1_hash(w->ewf, sha1, sizeof sha1, &e) != 1)
		return ewf_fail(err, CUST_E_IO, &e, "cannot store the SHA-1 in "
		                "'%s/image.E01'", w->dir);
	errno = 0;
	if (libewf_handle_write_finalize(w->ewf, &e) < 0)
		return ewf_write_error(w, errno, &e, err);
	errno = 0;
	if (libewf_handle_close(w->ewf, &e) != 0)
		return ewf_write_error(w, errno, &e, err);
	libewf_handle_free(&w->ewf, NULL);
	w->ewf = NULL;
	return ewf_seal_files(w, err);
}

int cust_image_writer_close(struct cust_image_writer *w,
                            const struct cust_image_hashes *hashes,
                            struct cust_error *err)
{
	struct cust_error e;
	int rc;

	if (writer_check(w, err) < 0)
		return -1;
	if (w->failed) {
		if (err)
			*err = w->fail;
		return -1;
	}
	if (w->closed)
		return cust_error_set(err, CUST_E_USAGE,
		                      "image writer for '%s' is already closed",
		                      w->dir);
	cust_error_clear(&e);
	rc = w->format == CUST_IMAGE_EWF ? ewf_close(w, hashes, &e)
	                                 : plain_close(w, &e);
	if (rc < 0) {
		w->failed = 1;
		w->fail = e;
		json_decref(w->files);
		w->files = NULL;
		if (err)
			*err = e;
		return -1;
	}
	w->closed = 1;
	return 0;
}

json_t *cust_image_writer_files(const struct cust_image_writer *w)
{
	if (!w || w->magic != WRITER_MAGIC || !w->closed || !w->files)
		return NULL;
	return json_deep_copy(w->files);
}

void cust_image_writer_free(struct cust_image_writer *w)
{
	if (!w || w->magic != WRITER_MAGIC)
		return;
	ewf_pool_free(w->pool);
	/* libewf closes (and finalises) a handle it frees: an abandoned EWF
	 * image ends up a shorter image without hashes */
	if (w->ewf)
		libewf_handle_free(&w->ewf, NULL);
	if (w->fd >= 0)
		close(w->fd);
	json_decref(w->files);
	w->magic = 0;
	free(w);
}

/* ---- reader ------------------------------------------------------------- */

struct cust_image_reader {
	uint32_t magic;
	enum cust_image_format format;
	char dir[CUST_PATH_MAX];
	uint64_t size, pos;

	/* raw and split (raw: one segment) */
	struct split_set set;
	uint64_t segment;     /* index of the segment open on FD */
	uint64_t segment_pos; /* bytes read from it */
	int fd;
	char path[CUST_PATH_MAX];

	/* ewf */
	libewf_handle_t *ewf;
};

static uint64_t segment_expected(const struct cust_image_reader *r,
                                 uint64_t i)
{
	return i + 1 < r->set.count ? r->set.first : r->set.last;
}

/* Open segment I of a raw or split image; it must still be the size it
 * had when the image was opened. */
static int reader_open_segment(struct cust_image_reader *r, uint64_t i,
                               struct cust_error *err)
{
	struct stat st;

	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->format == CUST_IMAGE_SPLIT &&
	    segment_path(r->path, r->dir, i, err) < 0)
		return -1;
	r->fd = cust_fs_open_read(r->path, 1, err);
	if (r->fd < 0)
		return -1;
	if (fstat(r->fd, &st) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot examine '%s'", r->path);
	if (!S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != segment_expected(r, i))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' changed while the image was read",
		                      r->path);
	r->segment = i;
	r->segment_pos = 0;
	return 0;
}

/* The name libewf gives segment I (from 1) of DIR/image: image.E01 to
 * image.E99, then image.EAA to image.EZZ, image.FAA and so on. */
static void ewf_segment_name(char *out, size_t size, const char *dir,
                             uint64_t i)
{
	uint64_t k = i - 100;

	if (i < 100)
		snprintf(out, size, "%s/image.E%02" PRIu64, dir, i);
	else
		snprintf(out, size, "%s/image.%c%c%c", dir,
		         (char)('E' + (k / 676) % 22), (char)('A' + (k / 26) % 26),
		         (char)('A' + k % 26));
}

/*
 * libewf_glob stops at the first missing segment and libewf opens such a
 * partial set without complaint: count the EWF segment names in the
 * folder to find a gap (naming the first missing segment), and ask libewf
 * whether the set it opened ends as a complete image should.
 */
static int ewf_check_set(struct cust_image_reader *r, int found,
                         struct cust_error *err)
{
	char missing[CUST_PATH_MAX];
	libewf_error_t *e = NULL;
	DIR *d = opendir(r->dir);
	struct dirent *de;
	int present = 0, corrupted;

	if (!d)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read folder '%s'", r->dir);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "image.", 6) == 0 &&
		    strlen(de->d_name) == 9 && de->d_name[6] >= 'E' &&
		    de->d_name[6] <= 'Z')
			present++;
	closedir(d);
	if (present > found) {
		ewf_segment_name(missing, sizeof missing, r->dir,
		                 (uint64_t)found + 1);
		return cust_error_set(err, CUST_E_INPUT,
		                      "EWF image segment '%s' is missing",
		                      missing);
	}
	corrupted = libewf_handle_segment_files_corrupted(r->ewf, &e);
	if (corrupted < 0)
		return ewf_fail(err, CUST_E_INPUT, &e, "cannot check '%s'",
		                r->path);
	if (corrupted) {
		ewf_segment_name(missing, sizeof missing, r->dir,
		                 (uint64_t)found);
		return cust_error_set(err, CUST_E_INPUT,
		                      "EWF image '%s' is incomplete or damaged: "
		                      "no segment ends it properly (the last "
		                      "found is '%s')", r->path, missing);
	}
	return 0;
}

static int reader_open_ewf(struct cust_image_reader *r, struct cust_error *err)
{
	libewf_error_t *e = NULL;
	char **names = NULL;
	int n = 0, rc;
	size64_t size = 0;
	struct stat st;

	if (cust_path_format(r->path, sizeof r->path, err, "%s/image.E01",
	                     r->dir) < 0)
		return -1;
	if (lstat(r->path, &st) < 0)
		return cust_error_set_errno(err, errno == ENOENT ? CUST_E_INPUT
		                                                 : CUST_E_IO,
		                            errno, "cannot open '%s'", r->path);
	if (!S_ISREG(st.st_mode))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is not a regular file", r->path);
	if (libewf_glob(r->path, strlen(r->path), LIBEWF_FORMAT_UNKNOWN, &names,
	                &n, &e) != 1)
		return ewf_fail(err, CUST_E_INPUT, &e, "cannot find the segments "
		                "of '%s'", r->path);
	if (libewf_handle_initialize(&r->ewf, &e) != 1)
		rc = ewf_fail(err, CUST_E_IO, &e, "cannot start libewf");
	else if (libewf_handle_open(r->ewf, names, n, LIBEWF_OPEN_READ,
	                            &e) != 1)
		rc = ewf_fail(err, CUST_E_INPUT, &e, "cannot open EWF image '%s'",
		              r->path);
	else if (libewf_handle_get_media_size(r->ewf, &size, &e) != 1)
		rc = ewf_fail(err, CUST_E_INPUT, &e, "cannot read the media size "
		              "of '%s'", r->path);
	else
		rc = ewf_check_set(r, n, err);
	libewf_glob_free(names, n, NULL);
	r->size = size;
	return rc;
}

struct cust_image_reader *cust_image_reader_open(
	const char *dir, enum cust_image_format format, struct cust_error *err)
{
	struct cust_image_reader *r;
	struct stat st;

	if (!dir) {
		cust_error_set(err, CUST_E_USAGE,
		               "image reader needs a folder");
		return NULL;
	}
	if (!cust_image_format_name(format)) {
		cust_error_set(err, CUST_E_USAGE,
		               "unknown image format %d", (int)format);
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                     "cannot make an image reader");
		return NULL;
	}
	r->fd = -1;
	r->format = format;
	r->magic = READER_MAGIC;
	if (cust_path_format(r->dir, sizeof r->dir, err, "%s", dir) < 0)
		goto fail;
	switch (format) {
	case CUST_IMAGE_RAW:
		if (cust_path_format(r->path, sizeof r->path, err,
		                     "%s/image.raw", r->dir) < 0)
			goto fail;
		if (lstat(r->path, &st) < 0) {
			cust_error_set_errno(err, errno == ENOENT ? CUST_E_INPUT
			                                          : CUST_E_IO,
			                     errno, "cannot open '%s'", r->path);
			goto fail;
		}
		r->set.count = 1;
		r->set.first = r->set.last = (uint64_t)st.st_size;
		r->size = r->set.last;
		if (reader_open_segment(r, 0, err) < 0)
			goto fail;
		break;
	case CUST_IMAGE_SPLIT:
		if (split_inventory(r->dir, &r->set, err) < 0)
			goto fail;
		r->size = (r->set.count - 1) * r->set.first + r->set.last;
		if (reader_open_segment(r, 0, err) < 0)
			goto fail;
		break;
	case CUST_IMAGE_EWF:
		if (reader_open_ewf(r, err) < 0)
			goto fail;
		break;
	}
	return r;

fail:
	cust_image_reader_free(r);
	return NULL;
}

uint64_t cust_image_reader_size(const struct cust_image_reader *r)
{
	return r && r->magic == READER_MAGIC ? r->size : 0;
}

/* Fail when libewf met a chunk whose checksum does not match its data
 * (it reads such chunks as zeros and only records them). */
static int ewf_check_checksums(struct cust_image_reader *r,
                               struct cust_error *err)
{
	libewf_error_t *e = NULL;
	uint32_t count = 0;
	uint64_t start = 0, sectors = 0;

	if (libewf_handle_get_number_of_checksum_errors(r->ewf, &count,
	                                                &e) != 1)
		return ewf_fail(err, CUST_E_INPUT, &e, "cannot read '%s'",
		                r->path);
	if (count == 0)
		return 0;
	if (libewf_handle_get_checksum_error(r->ewf, 0, &start, &sectors,
	                                     &e) != 1)
		return ewf_fail(err, CUST_E_MISMATCH, &e,
		                "EWF image '%s' has a checksum error", r->path);
	return cust_error_set(err, CUST_E_MISMATCH,
	                      "EWF image '%s' is damaged: checksum error in "
	                      "sectors %" PRIu64 "-%" PRIu64, r->path, start,
	                      start + (sectors ? sectors - 1 : 0));
}

static int ewf_read(struct cust_image_reader *r, unsigned char *buf,
                    size_t len, size_t *got, struct cust_error *err)
{
	libewf_error_t *e = NULL;

	while (*got < len && r->pos < r->size) {
		uint64_t left = r->size - r->pos;
		size_t want = len - *got < left ? len - *got : (size_t)left;
		ssize_t n = libewf_handle_read_buffer(r->ewf, buf + *got, want,
		                                      &e);
		if (n < 0)
			return ewf_fail(err, CUST_E_INPUT, &e, "cannot read '%s'",
			                r->path);
		if (n == 0)
			return cust_error_set(err, CUST_E_INPUT,
			                      "EWF image '%s' ends after %" PRIu64
			                      " of its %" PRIu64 " bytes", r->path,
			                      r->pos, r->size);
		*got += (size_t)n;
		r->pos += (uint64_t)n;
		if (ewf_check_checksums(r, err) < 0)
			return -1;
	}
	return 0;
}

int cust_image_reader_read(struct cust_image_reader *r, unsigned char *buf,
                           size_t len, size_t *got, struct cust_error *err)
{
	*got = 0;
	if (!r || r->magic != READER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "invalid image reader (freed or never "
		                      "opened)");
	if (r->format == CUST_IMAGE_EWF)
		return ewf_read(r, buf, len, got, err);
	while (*got < len && r->pos < r->size) {
		uint64_t left = segment_expected(r, r->segment) - r->segment_pos;
		size_t want;
		ssize_t n;

		if (left == 0) {
			if (reader_open_segment(r, r->segment + 1, err) < 0)
				return -1;
			continue;
		}
		want = len - *got < left ? len - *got : (size_t)left;
		n = read(r->fd, buf + *got, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot read '%s'", r->path);
		}
		if (n == 0)
			return cust_error_set(err, CUST_E_INPUT,
			                      "'%s' ends after %" PRIu64 " of its %"
			                      PRIu64 " bytes", r->path,
			                      r->segment_pos,
			                      segment_expected(r, r->segment));
		*got += (size_t)n;
		r->pos += (uint64_t)n;
		r->segment_pos += (uint64_t)n;
	}
	return 0;
}

void cust_image_reader_free(struct cust_image_reader *r)
{
	if (!r || r->magic != READER_MAGIC)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->ewf) {
		libewf_handle_close(r->ewf, NULL);
		libewf_handle_free(&r->ewf, NULL);
	}
	r->magic = 0;
	free(r);
}
