/* xfs.h - XFS file systems walked through libfsxfs, where libtsk opens
 * none (walk.c calls it from walk_part); the content backend of their
 * entries (struct cust_walk_file's XFS member).  Not installed. */
#ifndef CUSTODY_XFS_H
#define CUSTODY_XFS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tsk/libtsk.h>

#include "custody/error.h"
#include "walk_internal.h"

/*
 * The LEN bytes at OFF of IMG, where libtsk opened no file system: when
 * they hold an XFS file system, walk it as partition W->part (entries
 * through W->fn, then its space with W->o->space), fill JP (the
 * partition's report object, may be NULL) and return 1.  0 when it is not
 * XFS (nothing done); -1 when it looks like XFS (its signature) but
 * cannot be opened: WHY (WHYSZ bytes) says why, nothing was reported.
 */
int walk_xfs(struct walk *w, TSK_IMG_INFO *img, uint64_t off, uint64_t len,
             json_t *jp, char *why, size_t whysz);

/* The content of an XFS entry: cust_walk_read, cust_walk_span,
 * cust_walk_holes and cust_walk_slack (walk.h) for a cust_walk_file whose
 * member xfs is set.  F's magic and size are checked by the caller. */
struct cust_walk_file;
int xfs_file_read(struct cust_walk_file *f, uint64_t offset, void *buf,
                  size_t len, size_t *got, struct cust_error *err);
void xfs_file_span(struct cust_walk_file *f, uint64_t offset, int *hole,
                   uint64_t *len);
uint64_t xfs_file_holes(struct cust_walk_file *f);
void xfs_file_slack(struct cust_walk_file *f, void *buf, size_t cap,
                    size_t *got, uint64_t *image_offset);

#endif
