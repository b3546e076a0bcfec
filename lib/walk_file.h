/* walk_file.h - what a cust_walk_file is, shared by the walks of images
 * (walk.c, and xfs.c for XFS) and of host folders (folder.c); not
 * installed. */
#ifndef CUSTODY_WALK_FILE_H
#define CUSTODY_WALK_FILE_H

#include <stdint.h>

#include <tsk/libtsk.h>

#include "custody/walk.h"

#define WALK_FILE_MAGIC 0x57414c4bu /* "WALK": a live cust_walk_file */

struct walk;

struct cust_walk_file {
	uint32_t magic;
	TSK_FS_FILE *file; /* NULL for a host file */
	uint64_t size;
	const char *path;
	enum cust_walk_type type;
	enum cust_walk_content content;
	/* the image file itself, when its content may be read through its
	 * runs directly (see direct_read in walk.c); else -1 */
	int raw_fd;
	uint64_t raw_size;
	uint64_t fs_offset, block_size;
	/* a host file of a folder walk, open for reading; else -1 */
	int host_fd;
	/* the walk's record of what could not be read: cust_walk_read hands
	 * NOTE(NOTE_CTX, message) its first failure on this entry (NOTED
	 * set: the walk recorded the entry already); NULL: none */
	void (*note)(void *note_ctx, const char *message);
	void *note_ctx;
	int noted;
	/* cust_walk_span's place in the runs: the run last looked at and the
	 * content offset it starts at (NULL: start from the first run) */
	const TSK_FS_ATTR_RUN *span_run;
	uint64_t span_start;
	/* an entry of an XFS file system (xfs.c), read through libfsxfs;
	 * else NULL */
	struct xfs_file *xfs;
	/* the image walk reporting the entry, to place its slack in the
	 * disks' images (cust_walk_slack); NULL for a host file */
	const struct walk *walk;
};

#endif
