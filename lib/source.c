/* source.c - reading the evidence; see include/custody/source.h. */
#include "custody/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "custody/device.h"
#include "custody/fsutil.h"

#define SOURCE_MAGIC 0x43535243u /* "CSRC" */
/* Past this many recorded ranges the reader stops narrowing: the map stays
 * exact, only coarser, and memory stays bounded on a dying disk. */
#define MAX_RANGES (1u << 20)
/* Past the time or map bound, failing areas are narrowed no further than
 * this: readable data around a large bad area is still saved, in a bounded
 * number of reads. */
#define COARSE_BYTES ((size_t)64 << 10)

struct cust_source {
	unsigned magic;
	char path[CUST_PATH_MAX];
	int fd;          /* bulk reads */
	int direct_fd;   /* sector reads of a block device (O_DIRECT), or -1 */
	int own_fd;      /* 0 for standard input */
	enum cust_source_kind kind;
	uint64_t size;
	unsigned sector;
	dev_t rdev;
	uint64_t pos;
	struct cust_source_options opt;
	struct cust_source_range *ranges;
	size_t nranges, cap;
	uint64_t filled;
	uint64_t retry_ns;    /* spent narrowing and retrying */
	int coarse;           /* time or map bound reached: no more narrowing */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Errors that mean the source is gone, not that a sector is bad (a FUSE
 * or network disk whose server died gives ENOTCONN, or ECONNABORTED for a
 * read in flight). */
static int vanished(int e)
{
	return e == ENXIO || e == ENODEV || e == ENOTCONN || e == ECONNABORTED ||
	       e == ESHUTDOWN || e == ENOMEDIUM;
}

static int open_path(struct cust_source *s, const char *path,
                     struct cust_error *err)
{
	if (strcmp(path, "-") == 0) {
		s->fd = STDIN_FILENO;
		s->own_fd = 0;
		return 0;
	}
	/* device paths are often symlinks (/dev/disk/by-id): follow them;
	 * a FIFO does not block the open, and reading leaves the access
	 * time of a file alone where the examiner may (fsutil.h) */
	s->fd = cust_fs_open_evidence(path, 0);
	if (s->fd < 0)
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot open '%s'", path);
	s->own_fd = 1;
	return 0;
}

static int setup_block(struct cust_source *s, const struct stat *st,
                       struct cust_error *err)
{
	char where[CUST_PATH_MAX];
	int rw = 0;

	s->kind = CUST_SOURCE_BLOCK;
	s->rdev = st->st_rdev;
	if (cust_device_geometry(s->fd, &s->size, &s->sector, err) < 0)
		return -1;
	if (cust_device_mounted_rw(st->st_rdev, &rw, where, sizeof where, err) < 0)
		return -1;
	if (rw && !s->opt.force)
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is mounted read-write on '%s': imaging "
		                      "it would not give a stable image; unmount it "
		                      "or use --force", s->path, where);
	if (s->opt.set_readonly && cust_device_set_readonly(s->fd, err) < 0)
		return -1;
	/* a second descriptor bypassing the page cache, so that narrowing
	 * finds single bad sectors rather than whole bad pages */
	s->direct_fd = cust_fs_open_evidence(s->path, O_DIRECT);
	return 0;
}

struct cust_source *cust_source_open(const char *path,
                                     const struct cust_source_options *o,
                                     struct cust_error *err)
{
	struct cust_source *s = calloc(1, sizeof *s);
	struct stat st;

	if (!s) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	s->fd = s->direct_fd = -1;
	if (o)
		s->opt = *o;
	s->sector = 512;
	if (cust_path_format(s->path, sizeof s->path, err, "%s", path) < 0 ||
	    open_path(s, path, err) < 0)
		goto fail;
	if (fstat(s->fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot stat '%s'", path);
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (setup_block(s, &st, err) < 0)
			goto fail;
	} else if (S_ISREG(st.st_mode)) {
		s->kind = CUST_SOURCE_FILE;
		s->size = (uint64_t)st.st_size;
		(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	} else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	           (S_ISCHR(st.st_mode) && strcmp(path, "-") == 0)) {
		s->kind = CUST_SOURCE_STREAM;
		s->size = s->opt.stream_size ? s->opt.stream_size
		                             : CUST_SOURCE_SIZE_UNKNOWN;
	} else {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is not a block device, a regular file or a "
		               "stream", path);
		goto fail;
	}
	s->magic = SOURCE_MAGIC;
	return s;
fail:
	s->magic = SOURCE_MAGIC;
	cust_source_free(s);
	return NULL;
}

enum cust_source_kind cust_source_kind(const struct cust_source *s)
{
	return s->kind;
}

uint64_t cust_source_size(const struct cust_source *s)
{
	return s->size;
}

unsigned cust_source_sector_size(const struct cust_source *s)
{
	return s->sector;
}

dev_t cust_source_device(const struct cust_source *s)
{
	return s->kind == CUST_SOURCE_BLOCK ? s->rdev : 0;
}

json_t *cust_source_identity(const struct cust_source *s,
                             struct cust_error *err)
{
	return cust_device_identity(s->fd, s->path, err);
}

uint64_t cust_source_position(const struct cust_source *s)
{
	return s->pos;
}

const struct cust_source_range *cust_source_ranges(const struct cust_source *s,
                                                   size_t *count)
{
	*count = s->nranges;
	return s->ranges;
}

uint64_t cust_source_filled_sectors(const struct cust_source *s)
{
	return s->filled;
}

/* Record [OFFSET, OFFSET+LEN) as filled with STATUS. */
static int record(struct cust_source *s, uint64_t offset, uint64_t len,
                  char status, struct cust_error *err)
{
	struct cust_source_range *last = s->nranges ? &s->ranges[s->nranges - 1]
	                                            : NULL;

	s->filled += (len + s->sector - 1) / s->sector;
	if (last && last->status == status &&
	    last->offset + last->length == offset) {
		last->length += len;
		return 0;
	}
	if (s->nranges == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct cust_source_range *r = realloc(s->ranges, cap * sizeof *r);
		if (!r)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		s->ranges = r;
		s->cap = cap;
	}
	s->ranges[s->nranges++] = (struct cust_source_range){ offset, len, status };
	if (s->nranges >= MAX_RANGES)
		s->coarse = 1;
	return 0;
}

int cust_source_restore_ranges(struct cust_source *s,
                               const struct cust_source_range *r, size_t n,
                               struct cust_error *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (record(s, r[i].offset, r[i].length, r[i].status, err) < 0)
			return -1;
	return 0;
}

int cust_source_seek(struct cust_source *s, uint64_t offset,
                     struct cust_error *err)
{
	if (s->kind == CUST_SOURCE_STREAM)
		return cust_error_set(err, CUST_E_USAGE,
		                      "a stream cannot be resumed");
	if (offset > s->size)
		return cust_error_set(err, CUST_E_INPUT,
		                      "cannot resume at byte %llu of a %llu-byte "
		                      "source", (unsigned long long)offset,
		                      (unsigned long long)s->size);
	s->pos = offset;
	return 0;
}


/*
 * Read [OFF, OFF+LEN) of a seekable source into BUF through FD, resuming
 * after short reads.  0 when all was read, 1 on EIO (*DONE bytes were read
 * before it), -1 on any other failure (recorded in ERR).
 */
static int read_span(struct cust_source *s, int fd, unsigned char *buf,
                     uint64_t off, size_t len, size_t *done,
                     struct cust_error *err)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = pread(fd, buf + *done, len - *done, (off_t)(off + *done));
		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if (n == 0)
			return cust_error_set(err, CUST_E_INCOMPLETE,
			                      "'%s' ended at byte %llu, before its "
			                      "size of %llu bytes", s->path,
			                      (unsigned long long)(off + *done),
			                      (unsigned long long)s->size);
		if (errno == EINTR)
			continue;
		if (errno == EIO || errno == EILSEQ || errno == EBADMSG)
			return 1;
		return cust_error_set_errno(err,
		                            vanished(errno) ? CUST_E_INCOMPLETE
		                                            : CUST_E_IO,
		                            errno, "cannot read '%s' at byte %llu",
		                            s->path,
		                            (unsigned long long)(off + *done));
	}
	return 0;
}

static int over_time(struct cust_source *s)
{
	return s->opt.max_retry_ms &&
	       s->retry_ns / 1000000u >= s->opt.max_retry_ms;
}

/* One sector at OFF failed: re-read it, then give up and fill it. */
static int retry_sector(struct cust_source *s, unsigned char *buf, uint64_t off,
                        size_t len, struct cust_error *err)
{
	int fd = s->direct_fd >= 0 ? s->direct_fd : s->fd;
	unsigned tries;

	for (tries = 0; tries < s->opt.retries && !over_time(s); tries++) {
		size_t done;
		uint64_t t0 = now_ns();
		int rc = read_span(s, fd, buf, off, len, &done, err);
		s->retry_ns += now_ns() - t0;
		if (rc <= 0)
			return rc;
	}
	memset(buf, 0, len);
	return record(s, off, len, CUST_SOURCE_BAD, err);
}

/*
 * [OFF, OFF+LEN) failed as a whole: split it at a sector boundary, read
 * each half, and narrow the failing ones down to single sectors.
 */
static int narrow(struct cust_source *s, unsigned char *buf, uint64_t off,
                  size_t len, struct cust_error *err)
{
	int fd = s->direct_fd >= 0 ? s->direct_fd : s->fd;
	size_t half, done;
	int rc;

	if (over_time(s))
		s->coarse = 1;
	if (s->coarse && len <= COARSE_BYTES) {
		/* past the bounds: whole small areas, neither split nor retried */
		memset(buf, 0, len);
		return record(s, off, len, CUST_SOURCE_NOT_TRIMMED, err);
	}
	if (len <= s->sector)
		return retry_sector(s, buf, off, len, err);
	half = len / 2 / s->sector * s->sector;
	if (half == 0)
		half = s->sector;
	{
		uint64_t t0 = now_ns();
		rc = read_span(s, fd, buf, off, half, &done, err);
		s->retry_ns += now_ns() - t0;
	}
	if (rc < 0)
		return -1;
	if (rc > 0) {
		/* what was read before the error is good; narrow the rest,
		 * starting from the sector where it failed */
		size_t good = done / s->sector * s->sector;
		if (narrow(s, buf + good, off + good, half - good, err) < 0)
			return -1;
	}
	{
		uint64_t t0 = now_ns();
		rc = read_span(s, fd, buf + half, off + half, len - half, &done, err);
		s->retry_ns += now_ns() - t0;
	}
	if (rc <= 0)
		return rc;
	done = done / s->sector * s->sector;
	return narrow(s, buf + half + done, off + half + done, len - half - done,
	              err);
}

static int read_stream(struct cust_source *s, unsigned char *buf, size_t want,
                       size_t *got, struct cust_error *err)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(s->fd, buf + *got, want - *got);
		if (n > 0) {
			*got += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (s->size != CUST_SOURCE_SIZE_UNKNOWN)
				return cust_error_set(err, CUST_E_INCOMPLETE,
				                      "the stream ended at byte %llu, "
				                      "before its announced size of %llu "
				                      "bytes",
				                      (unsigned long long)(s->pos + *got),
				                      (unsigned long long)s->size);
			break;
		}
		if (errno == EINTR)
			continue;
		/* a stream cannot be read again: any error ends it */
		return cust_error_set_errno(err, CUST_E_INCOMPLETE, errno,
		                            "cannot read the stream at byte %llu",
		                            (unsigned long long)(s->pos + *got));
	}
	return 0;
}

int cust_source_read(struct cust_source *s, unsigned char *buf, size_t len,
                     size_t *got, struct cust_error *err)
{
	size_t want = len, done = 0;
	int rc;

	*got = 0;
	if (!s || s->magic != SOURCE_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "invalid source handle");
	if (s->size != CUST_SOURCE_SIZE_UNKNOWN && s->size - s->pos < want)
		want = (size_t)(s->size - s->pos);
	if (s->kind == CUST_SOURCE_STREAM) {
		if (read_stream(s, buf, want, got, err) < 0)
			return -1;
		s->pos += *got;
		return 0;
	}
	rc = read_span(s, s->fd, buf, s->pos, want, &done, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		size_t good = done / s->sector * s->sector;
		if (narrow(s, buf + good, s->pos + good, want - good, err) < 0)
			return -1;
	}
	*got = want;
	s->pos += want;
	return 0;
}

void cust_source_free(struct cust_source *s)
{
	if (!s || s->magic != SOURCE_MAGIC)
		return;
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	if (s->direct_fd >= 0)
		close(s->direct_fd);
	free(s->ranges);
	s->magic = 0;
	free(s);
}
