/*
 * extract.h - custody-extract: what is on a seized disk, as a sealed unit.
 *
 * The source is an acquisition of the case (its image files, tied to the
 * unit by the SHA-256 of its SHA256SUMS) or given by path (an external
 * source): image files, each hashed and recorded; one archive, which
 * file(1) tells from an image, hashed the same way and walked as a single
 * loose file; or a folder of loose files (cust_walk_folder), fixed by the
 * digest of its files.  The walk (walk.h)
 * visits every entry of every partition, allocated and deleted; every
 * regular file's content is read once, hashed (MD5, SHA-256), typed,
 * scanned with YARA rules and carved for targets (carve.h); so are the
 * members of archives (and the whole decompressed stream of a compressed
 * one, archive.h: its targets counted after its members', it is not
 * copied), each file's slack (carved only) and the space the
 * walk finds outside files (carved only, in image order after each file
 * system's entries).  The unit extractions/<ITEM>-X<n>/ holds:
 *
 *   inventory.jsonl   one canonical JSON object per entry, in walk order
 *   targets/          emails.csv, domains.csv, urls.csv, ips.csv
 *                     (and occurrences.jsonl with --all-occurrences)
 *   objects/<aa>/<sha256>  copies of files of interest (objects.h)
 *   extraction.json   source, tool, host, times, what the walk found
 *                     (container, partitions, problems), counts
 *   inventory.dfxml   the inventory as DFXML, fiwalk's element names
 *
 * Same image, same inventory and targets: nothing in them depends on the
 * run (times of the run are in extraction.json only).  A path or place
 * longer than a record holds (a path past CUST_WALK_PATH_MAX, a target's
 * place past CUST_TARGETS_WHERE_MAX) is shortened as place.h says and the
 * line says path_truncated: no name from the evidence stops a run.
 *
 * Speed.  The walk reads (libtsk from one thread; live ext and FAT files
 * of a raw image straight through their runs, see walk.h); files up to
 * JOB_CONTENT_MAX are read whole and handed, 32 at a time, to a pool of
 * workers (pool.h), each with its own analyzer (analyze.h: digests,
 * libmagic, carver, YARA); their lines are written in walk order by the
 * pool's committer, which also opens archives from the content in memory,
 * and each line goes into the DFXML body at once (dfxml.h: the header
 * follows from the finished record).  A larger file waits until
 * everything before it is written and streams on the walk's own thread.
 * The order of the output never depends on the workers.  Sealing walks
 * the unit folder by folder, so memory does not grow with the objects.
 *
 * Bounds of one file.  A large file is read through its runs
 * (cust_walk_span): its holes are hashed as the zeros they read as,
 * never read, up to a bound on the hole bytes hashed (max_sparse; by
 * default 64 times what the image holds of the file, at least
 * CUST_EXTRACT_SPARSE_FLOOR and at most CUST_EXTRACT_SPARSE_MAX), so a
 * file that claims a petabyte on a small image costs at most that.  Past
 * the bound its digests and type are those of its first read_short bytes
 * (read_short_reason "sparse-limit"), and what the image holds of it
 * further on is still read and carved, its targets at their offsets in
 * the file.  Reading one file's content also has file_seconds (checked
 * between reads); past them it stops ("time-limit": what the image holds
 * was not all read).  A content that ends before its size is
 * "ended-early".  counts.read_short counts the files read short; the
 * inventory line says by how much and why.
 */
#ifndef CUSTODY_EXTRACT_H
#define CUSTODY_EXTRACT_H

#include <stdint.h>

#include <jansson.h>

#include "custody/caseio.h"
#include "custody/error.h"
#include "custody/log.h"
#include "custody/objects.h"

#define CUST_EXTRACT_RECORD "extraction.json"
#define CUST_EXTRACT_INVENTORY "inventory.jsonl"
#define CUST_EXTRACT_TARGETS "targets"
#define CUST_EXTRACT_OCCURRENCES "occurrences.jsonl" /* in targets/ */

/* Defaults of the bounds of one file (see "Bounds of one file"). */
#define CUST_EXTRACT_SPARSE_RATIO 64 /* x the bytes the image holds of it */
#define CUST_EXTRACT_SPARSE_FLOOR ((uint64_t)1 << 30)
#define CUST_EXTRACT_SPARSE_MAX ((uint64_t)64 << 30)
#define CUST_EXTRACT_FILE_SECONDS 3600

/* How far the walk is, for a terminal (the walk's thread calls it about
 * twice a second). */
struct cust_extract_progress {
	const char *partition; /* "p1" */
	uint64_t entries;      /* seen by the walk */
	uint64_t files;        /* regular files with content */
	uint64_t bytes;        /* of content read */
	uint64_t elapsed_ms;
};

struct cust_extract_options {
	const char *acquisition;     /* "E001-A1": a sealed acquisition, or */
	const char *const *sources;  /* image files given by path */
	size_t nsources;
	const char *item;            /* the item, required with sources */
	/* the other disks of the same server, walked with the first so that
	 * md arrays and LVM2 groups spanning them are assembled: sealed
	 * acquisitions (with ACQUISITION) or images by path, each its first
	 * segment (with SOURCES); at most CUST_WALK_DISKS_MAX - 1 */
	const char *const *more_disks;
	size_t nmore_disks;
	int no_deleted;              /* leave deleted entries out */
	unsigned digests;            /* CUST_DIGEST_MD5|SHA1|SHA256; 0: md5,sha256 */
	int no_types;                /* no libmagic (nor archives opened) */
	int no_targets;              /* no carving */
	int no_decode;               /* no decoders (decode.h) */
	int all_occurrences;         /* targets/occurrences.jsonl too */
	unsigned jobs;               /* worker threads; 0: on the walk's own */
	uint64_t max_sparse;         /* hole bytes hashed per file; 0: the
	                                default bound */
	unsigned file_seconds;       /* per file; 0: CUST_EXTRACT_FILE_SECONDS */
	enum cust_copy_policy copy;  /* objects/ copies (default: interest) */
	const char *rules;           /* a folder of YARA rules, or NULL */
	/* bot-configuration extractors (extractor.h, botconfigs.h): all by
	 * default, only those named in EXTRACTORS, or none with
	 * NO_EXTRACTORS; keys given by hand in KEY_HINTS.  --copy none turns
	 * them off: every record points at a copy kept in the unit. */
	int no_extractors;
	const char *const *extractors;
	size_t nextractors;
	const char *const *key_hints;
	size_t nkey_hints;
	const char *note;
	const char *tool;            /* "custody-extract" */
	char **argv;                 /* the command line, for the record */
	int argc;
	void (*progress)(void *ctx, const struct cust_extract_progress *p);
	void *progress_ctx;
};

/*
 * Extract as ACTOR into a new sealed unit of the case C and log the
 * `extracted` event.  *RECORD (may be NULL) receives extraction.json's
 * content.  An image in which no file system can be opened is extracted
 * as one region of unrecognised space, carved end to end (walk.h,
 * "Nothing opens": the record's walk.notes and the partition's fs_error
 * say why); an empty folder is an input error (CUST_E_INPUT).  Damage
 * met on the way is recorded, not fatal: the record's walk.problems names
 * what could not be read, walk.complete is false and counts.unreadable
 * counts the files (custody-extract exits 6).
 */
int cust_extract(struct cust_case *c, const struct cust_extract_options *o,
                 const struct cust_actor *actor, json_t **record,
                 struct cust_error *err);

#endif
