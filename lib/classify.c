/* classify.c - file types by content through libmagic; see
 * include/custody/classify.h. */
#include "custody/classify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <magic.h>

struct cust_classifier {
	magic_t mime; /* MAGIC_MIME_TYPE */
	magic_t desc; /* the description */
	/* A memory file laid out like the evidence file (its head, its tail,
	 * a hole between): libmagic reads it as it reads a file, end included
	 * (a gzip's size, a zip's directory), so the answers are file(1)'s. */
	int fd;
};

static magic_t open_cookie(int flags, struct cust_error *err)
{
	size_t bytes = CUST_CLASSIFY_BYTES;
	/* file(1)'s own flags, so the answers are file(1)'s: no decompressing
	 * (that is the archive walk's job, bounded), no error mode */
	magic_t m = magic_open(flags);

	if (!m) {
		cust_error_set(err, CUST_E_IO, "cannot start libmagic");
		return NULL;
	}
	if (magic_load(m, NULL) != 0 ||
	    magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes) != 0) {
		cust_error_set(err, CUST_E_IO, "cannot load libmagic's database: %s",
		               magic_error(m) ? magic_error(m) : "unknown error");
		magic_close(m);
		return NULL;
	}
	return m;
}

struct cust_classifier *cust_classifier_new(struct cust_error *err)
{
	struct cust_classifier *c = calloc(1, sizeof *c);

	if (!c) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	c->fd = memfd_create("custody-classify", MFD_CLOEXEC);
	if (c->fd < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot make a memory file");
		free(c);
		return NULL;
	}
	c->mime = open_cookie(MAGIC_MIME_TYPE, err);
	c->desc = c->mime ? open_cookie(MAGIC_NONE, err) : NULL;
	if (!c->desc) {
		cust_classifier_free(c);
		return NULL;
	}
	return c;
}

void cust_classifier_free(struct cust_classifier *c)
{
	if (!c)
		return;
	if (c->mime)
		magic_close(c->mime);
	if (c->desc)
		magic_close(c->desc);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/* One line of printable ASCII, cut to fit: libmagic echoes strings from
 * the content into descriptions. */
static void tidy(const char *in, char out[CUST_CLASSIFY_TEXT_MAX])
{
	size_t i, n = 0;

	for (i = 0; in && in[i] && n < CUST_CLASSIFY_TEXT_MAX - 1; i++) {
		unsigned char ch = (unsigned char)in[i];
		out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[n] = '\0';
}

static int write_at(int fd, const void *buf, size_t len, off_t at)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

/* The memory file as the evidence file: HEAD at 0, TAIL at its end. */
static int lay_out(struct cust_classifier *c, const void *head,
                   size_t head_len, const void *tail, size_t tail_len,
                   uint64_t size)
{
	if (size > (uint64_t)INT64_MAX / 2 || head_len > size ||
	    tail_len > size - head_len)
		return -1;
	if (ftruncate(c->fd, 0) < 0 || ftruncate(c->fd, (off_t)size) < 0 ||
	    write_at(c->fd, head, head_len, 0) < 0 ||
	    (tail_len &&
	     write_at(c->fd, tail, tail_len, (off_t)(size - tail_len)) < 0))
		return -1;
	return 0;
}

static const char *ask(magic_t m, int fd)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	return magic_descriptor(m, fd);
}

int cust_classify_file(struct cust_classifier *c, const void *head,
                       size_t head_len, const void *tail, size_t tail_len,
                       uint64_t size, char mime[CUST_CLASSIFY_TEXT_MAX],
                       char desc[CUST_CLASSIFY_TEXT_MAX],
                       struct cust_error *err)
{
	const char *m, *d;

	if (size == 0) {
		tidy("inode/x-empty", mime);
		tidy("empty", desc);
		return 0;
	}
	if (lay_out(c, head, head_len, tail, tail_len, size) < 0) {
		/* a size no memory file takes (a lying inode): the head alone */
		m = magic_buffer(c->mime, head, head_len);
		d = magic_buffer(c->desc, head, head_len);
	} else {
		m = ask(c->mime, c->fd);
		d = ask(c->desc, c->fd);
	}
	(void)ftruncate(c->fd, 0);
	if (!m || !d)
		return cust_error_set(err, CUST_E_IO, "libmagic: %s",
		                      magic_error(m ? c->desc : c->mime)
		                              ? magic_error(m ? c->desc : c->mime)
		                              : "unknown error");
	tidy(m, mime);
	tidy(d, desc);
	return 0;
}

int cust_classify(struct cust_classifier *c, const void *buf, size_t len,
                  char mime[CUST_CLASSIFY_TEXT_MAX],
                  char desc[CUST_CLASSIFY_TEXT_MAX], struct cust_error *err)
{
	if (len > CUST_CLASSIFY_BYTES)
		len = CUST_CLASSIFY_BYTES;
	return cust_classify_file(c, buf, len, NULL, 0, len, mime, desc, err);
}
