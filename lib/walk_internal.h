/* walk_internal.h - the state of an image walk (walk.c), shared with the
 * walkers of file systems libtsk does not read (xfs.c); not installed. */
#ifndef CUSTODY_WALK_INTERNAL_H
#define CUSTODY_WALK_INTERNAL_H

#include <stdint.h>

#include <jansson.h>
#include <tsk/libtsk.h>

#include "custody/error.h"
#include "custody/walk.h"

/* libtsk's directory walk (fs_dir.c) enters at most this many levels, and
 * only while its string of directory names stays shorter than this; past
 * either it gives up the rest of the directory it was listing. */
#define TSK_DIR_DEPTH_MAX 128
#define TSK_DIR_STRSZ 4096

#define WALK_VOLUME_MAGIC 0x564f4c4du /* "VOLM": a volume's place, live */

/* A volume of a layer whose space is being handed over (walk.h,
 * cust_walk_volume_place): the walk and the volume, IMG NULL once the
 * run of space ends. */
struct cust_walk_volume {
	uint32_t magic;
	const struct walk *w;
	TSK_IMG_INFO *img;
};

/* The container format of an image (walk.c, container_of). */
enum container { C_RAW, C_QCOW, C_EWF, C_VMDK, C_VHD };

struct walk {
	const struct cust_walk_options *o;
	cust_walk_fn fn;
	void *ctx;
	TSK_IMG_INFO *img;  /* the image being walked: TOP, or a volume */
	TSK_IMG_INFO *top;  /* the disk's image whose partitions are walked */
	enum container container;
	struct cust_lvm *lvm;   /* LVM2 physical volumes found */
	struct cust_mdset *md;  /* md RAID members found, and their arrays */
	const json_t *layer;    /* keys of the volume walked, for its report */
	TSK_IMG_INFO *lv;       /* the LVM2 logical volume walked, or NULL */
	TSK_IMG_INFO *disks[CUST_WALK_DISKS_MAX]; /* every disk's image */
	size_t ndisks;
	int several;            /* several disks are walked */
	uint64_t fs_base;       /* offset in IMG of the range walked */
	uint64_t origin;        /* where its first byte lies in its disk's
	                           image (0: in none; cust_walk_entry) */
	int raw_fd;         /* a single raw image file, for direct reads */
	uint64_t raw_size;
	/* space outside files (o->space set) */
	unsigned char *buf;     /* CUST_WALK_SPACE_CHUNK bytes */
	const char *kind;       /* of the run being read */
	uint64_t run_start;     /* image offset of the bytes not handed yet */
	uint64_t run_pending;   /* their count */
	int run_active;         /* a run is open (RUN_PENDING may be 0) */
	int run_cont;           /* the next chunk follows the last one handed */
	uint64_t space_bytes;   /* handed over in the current partition/kind */
	int space_told;         /* a chunk was handed since o->space_end */
	struct cust_walk_volume vol; /* the volume of the run of space */
	json_t *problems;   /* borrowed from the report, or NULL */
	json_t *notes;      /* findings that are no damage: borrowed, or NULL */
	uint64_t nproblems;
	uint64_t entries;   /* reported in the whole image */
	uint64_t part_entries;
	int stopped;        /* a limit was reached */
	int failed;         /* FN failed: ERR holds why */
	int deep_noted;
	/* a directory libtsk is about to enter: its entries come next, under
	 * the directory string PENDING_DIR (see expect_dir, settle_dir) */
	int pending;
	TSK_INUM_T pending_addr;
	char pending_dir[TSK_DIR_STRSZ + 1];
	char pending_path[CUST_WALK_PATH_MAX];
	struct cust_error *err;
	const char *part;
	uint64_t part_offset; /* image offset of PART */
	TSK_FS_INFO *fs;
	struct cust_walk_run runs[CUST_WALK_RUNS_MAX];   /* in IMG */
	struct cust_walk_run placed[CUST_WALK_RUNS_MAX]; /* in the disks */
	char raw[CUST_WALK_PATH_MAX];
	char path[CUST_WALK_PATH_MAX];
	char name[CUST_WALK_PATH_MAX];
	char link[CUST_WALK_LINK_MAX];
};

/* Record a problem of the partition W->part in the report (escaped,
 * bounded: see CUST_WALK_PROBLEMS_MAX); the walk is then not complete. */
void walk_problem(struct walk *w, const char *fmt, ...) CUST_PRINTF(2, 3);

/* E's runs, offsets in W->img (E->runs, as the file system gives
 * them), placed in the disks' images (walk.h, "Runs through the
 * layers"): E->runs then points at W->placed, each run split where its
 * bytes stop following each other in one image (runs_truncated when
 * the split would pass CUST_WALK_RUNS_MAX). */
void walk_place_runs(struct walk *w, struct cust_walk_entry *e);

/* Space outside files (walk.h), handed to W->o->space in chunks:
 * walk_space_begin starts counting bytes of KIND (W->space_bytes) with no
 * run open; walk_space_add adds LEN bytes at image offset OFF to the run
 * (contiguous bytes extend it; else the run is handed over and a new one
 * begins; bytes past the image are left out); walk_space_drain hands over
 * the full chunks, and with ALL the rest, closing the run;
 * walk_space_range does all three for one range and returns the bytes
 * handed over.  A failed read is a problem; a failed callback sets
 * W->failed. */
void walk_space_begin(struct walk *w, const char *kind);
void walk_space_add(struct walk *w, uint64_t off, uint64_t len);
void walk_space_drain(struct walk *w, int all);
uint64_t walk_space_range(struct walk *w, const char *kind, uint64_t off,
                          uint64_t len);

#endif
