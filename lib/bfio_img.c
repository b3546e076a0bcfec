/*
 * bfio_img.c - a libbfio handle over a range of a libtsk image (see
 * bfio_img.h).  libbfio calls back with an opaque io handle: ours is the
 * range and the current offset.  Clones (libyal clones a handle to read
 * with two at once) share the image and keep offsets of their own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfio_img.h"

struct range {
	TSK_IMG_INFO *img;
	uint64_t offset, length;
	uint64_t at;  /* the current offset, from OFFSET */
	int open;
};

static int range_free(intptr_t **io, libbfio_error_t **error)
{
	(void)error;
	if (io && *io) {
		free(*io);
		*io = NULL;
	}
	return 1;
}

static int range_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **error)
{
	struct range *r;

	(void)error;
	if (!dst || !src)
		return -1;
	if (!(r = malloc(sizeof *r)))
		return -1;
	memcpy(r, src, sizeof *r);
	r->at = 0;
	r->open = 0;
	*dst = (intptr_t *)r;
	return 1;
}

static int range_open(intptr_t *io, int flags, libbfio_error_t **error)
{
	struct range *r = (struct range *)io;

	(void)error;
	if (!r || (flags & LIBBFIO_ACCESS_FLAG_WRITE))
		return -1; /* evidence is never written */
	r->open = 1;
	r->at = 0;
	return 1;
}

static int range_close(intptr_t *io, libbfio_error_t **error)
{
	struct range *r = (struct range *)io;

	(void)error;
	if (!r)
		return -1;
	r->open = 0;
	return 0;
}

static ssize_t range_read(intptr_t *io, uint8_t *buf, size_t size,
                          libbfio_error_t **error)
{
	struct range *r = (struct range *)io;
	ssize_t got;

	(void)error;
	if (!r || !r->open || (size > 0 && !buf) || size > SSIZE_MAX)
		return -1;
	if (r->at >= r->length || size == 0)
		return 0;
	if (size > r->length - r->at)
		size = (size_t)(r->length - r->at);
	got = tsk_img_read(r->img, (TSK_OFF_T)(r->offset + r->at), (char *)buf,
	                   size);
	tsk_error_reset(); /* a failed read is the caller's to report */
	if (got < 0)
		return -1;
	r->at += (uint64_t)got;
	return got;
}

static ssize_t range_write(intptr_t *io, const uint8_t *buf, size_t size,
                           libbfio_error_t **error)
{
	(void)io, (void)buf, (void)size, (void)error;
	return -1;
}

static off64_t range_seek(intptr_t *io, off64_t offset, int whence,
                          libbfio_error_t **error)
{
	struct range *r = (struct range *)io;
	int64_t base;

	(void)error;
	if (!r)
		return -1;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)r->at; break;
	case SEEK_END: base = (int64_t)r->length; break;
	default: return -1;
	}
	if ((offset < 0 && base < -offset) ||
	    (offset > 0 && base > INT64_MAX - offset))
		return -1;
	r->at = (uint64_t)(base + offset);
	return (off64_t)r->at;
}

static int range_exists(intptr_t *io, libbfio_error_t **error)
{
	(void)error;
	return io ? 1 : -1;
}

static int range_is_open(intptr_t *io, libbfio_error_t **error)
{
	(void)error;
	return io ? ((struct range *)io)->open : -1;
}

static int range_size(intptr_t *io, size64_t *size, libbfio_error_t **error)
{
	(void)error;
	if (!io || !size)
		return -1;
	*size = ((struct range *)io)->length;
	return 1;
}

int cust_bfio_img_open(TSK_IMG_INFO *img, uint64_t offset, uint64_t length,
                       libbfio_handle_t **out, struct cust_error *err)
{
	struct range *r;
	libbfio_error_t *e = NULL;

	*out = NULL;
	if (!img || offset > (uint64_t)img->size)
		return cust_error_set(err, CUST_E_USAGE, "bfio: a range outside "
		                      "the image");
	if (length > (uint64_t)img->size - offset)
		length = (uint64_t)img->size - offset; /* a truncated image */
	if (!(r = calloc(1, sizeof *r)))
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "bfio");
	r->img = img;
	r->offset = offset;
	r->length = length;
	if (libbfio_handle_initialize(out, (intptr_t *)r, range_free,
	                              range_clone, range_open, range_close,
	                              range_read, range_write, range_seek,
	                              range_exists, range_is_open, range_size,
	                              LIBBFIO_FLAG_IO_HANDLE_MANAGED |
	                                      LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
	                              &e) != 1) {
		libbfio_error_free(&e);
		free(r);
		*out = NULL;
		return cust_error_set(err, CUST_E_IO, "bfio: cannot make a handle");
	}
	return 0;
}
