/* bfio_img.h - a libbfio handle reading a byte range of a libtsk image, so
 * that libyal's readers (libvslvm for LVM2, libfsxfs for XFS) read what
 * the walk reads: an image of any container, a partition of it, or a
 * volume made by an earlier layer.  Not installed.
 *
 * The handle reads LENGTH bytes from OFFSET of IMG with tsk_img_read; a
 * read past LENGTH is cut there, a seek past it is allowed (libbfio's
 * contract) and reads nothing.  It never writes.  IMG must outlive the
 * handle; the handle is the caller's to free with libbfio_handle_free. */
#ifndef CUSTODY_BFIO_IMG_H
#define CUSTODY_BFIO_IMG_H

#include <stdint.h>

#include <libbfio.h>
#include <tsk/libtsk.h>

#include "custody/error.h"

int cust_bfio_img_open(TSK_IMG_INFO *img, uint64_t offset, uint64_t length,
                       libbfio_handle_t **out, struct cust_error *err);

#endif
