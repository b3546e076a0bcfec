/* extract.c - the inventory and target lists of a disk image as a sealed
 * unit; see include/custody/extract.h. */
#include "custody/botconfigs.h"
#include "custody/extract.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "custody/analyze.h"
#include "custody/archive.h"
#include "custody/carve.h"
#include "custody/decode.h"
#include "custody/features.h"
#include "custody/classify.h"
#include "custody/dfxml.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/objects.h"
#include "custody/place.h"
#include "custody/pool.h"
#include "custody/targets.h"
#include "custody/time.h"
#include "custody/unit.h"
#include "custody/version.h"
#include "custody/walk.h"

#define READ_CHUNK CUST_CLASSIFY_BYTES
/* Files up to this size are read whole and analyzed by the workers;
 * larger ones stream on the walk's thread. */
#define JOB_CONTENT_MAX ((size_t)4 << 20)
/* Files handed to the pool together: at most this many, or bytes. */
#define BATCH_JOBS 32
#define BATCH_BYTES ((size_t)1 << 20)
/* In flight between the walk and the inventory: batches and their bytes. */
#define POOL_JOBS 16
#define POOL_BYTES ((size_t)64 << 20)
/* Types remembered by content (about 550 bytes each: 9 MiB at most). */
#define TYPE_CACHE_ENTRIES 16384
/* Archive members held for the YARA rules, at most. */
#define MEMBER_SCAN_MAX ((size_t)16 << 20)
/* Targets of a compressed stream held until its end (so that its members'
 * own places come first), at most; past that they are counted at once. */
#define HELD_MAX ((size_t)1 << 16)
#define HELD_TEXT_MAX ((size_t)4 << 20)
/* Distinct targets kept, and the bytes of their values and places: far
 * beyond any real controller, and bounded against a disk of junk. */
#define TARGETS_MAX_VALUES ((size_t)1 << 22)
#define TARGETS_MAX_BYTES ((size_t)512 << 20)
/* targets/bulk_extractor/: bytes of feature lines, distinct features */
#define FEATURES_MAX_BYTES ((uint64_t)1 << 30)
#define FEATURES_MAX_VALUES TARGETS_MAX_VALUES
/* decode bombs listed in the record (all are counted) */
#define DECODE_BOMBS_MAX 100
#define RECORD_MAX ((size_t)16 << 20)

/* What a source given by path is: a disk image (its segments), a folder
 * of loose files, or one archive by itself. */
enum source_kind { SOURCE_IMAGE, SOURCE_FOLDER, SOURCE_ARCHIVE };

/* The files of the source and what the record says of them. */
struct source {
	enum source_kind kind;
	/* a folder fixed by the digest of the run's own inventory lines
	 * (with SHA-256 among the digests), not by reading it again */
	int listed;
	char **paths;
	size_t n;
	json_t *record;
	char item[CUST_PATH_MAX];
	/* image files given by path are hashed on a thread of their own
	 * while the walk reads them (the page cache serves both) */
	pthread_t hasher;
	int hashing, hash_rc;
	struct cust_error hash_err;
	/* the other disks of the server, walked with this one (images) */
	struct source *more;
	size_t nmore;
};

struct run {
	FILE *inventory;
	struct cust_dfxml *dfxml; /* written with the inventory, line by line */
	/* a listed folder's digest, from the lines (source.listed) */
	struct cust_folder_listing *listing;
	int listing_gap;          /* a file without its SHA-256: read again */
	char declared[CUST_WALK_PART_NAME_MAX]; /* the last partition told of */
	struct cust_analysis_options ao;
	struct cust_type_cache *cache;
	struct cust_pool *pool;
	struct batch *batch; /* files waiting to be handed to the pool */
	/* the walk's thread after a drain, and the committer: never both */
	struct cust_analyzer *serial;
	/* one per archive nesting level, sharing the serial's libmagic */
	struct cust_analyzer *levels[CUST_ARCHIVE_DEPTH_MAX + 2];
	/* and one per level for a compressed stream, which streams while
	 * the members found in it do */
	struct cust_analyzer *streams[CUST_ARCHIVE_DEPTH_MAX + 2];
	struct cust_targets *targets;
	struct cust_targets_log *occurrences; /* --all-occurrences */
	struct cust_features *features; /* targets/bulk_extractor/ */
	/* decoded streams: every content's, slack's and space's counts */
	struct cust_decode_stats decoded;
	json_t *decode_bombs; /* the first DECODE_BOMBS_MAX, with places */
	uint64_t features_dropped; /* feature lines past their bound */
	struct cust_unit *unit;
	struct cust_objects *objects; /* NULL with --copy none */
	struct cust_objects_stats copies;
	unsigned char *buf; /* READ_CHUNK bytes of content */
	int member_failed;  /* a member's analysis or line failed (in ERR) */
	/* counted by the walk's thread */
	uint64_t entries, files, deleted, unreadable, read;
	const struct cust_extract_options *o;
	struct timespec started, shown;
	/* counted where lines are written (committer, or walk after drain) */
	uint64_t members, member_files, bytes, rule_files;
	uint64_t read_short; /* files of the walk read short */
	/* the space outside files (walk's thread, pool drained) */
	struct cust_carver *space_carver;
	struct cust_decoder *space_decoder; /* NULL with --no-decode */
	char space_where[CUST_WALK_PART_NAME_MAX + 32];
	uint64_t space_base, space_bytes, slack_bytes;
	int space_open;
	/* the run of space lies in a volume of a layer (space_base is its
	 * offset there), placed through SPACE_VOL while the walk keeps it
	 * valid: NULL once the run ended (space_end) */
	int space_layer;
	const struct cust_walk_volume *space_vol;
	uint64_t space_origin; /* where the volume's first byte lies */
	struct cust_rules *rules;
	struct cust_botconfigs *bc; /* the extractors, or NULL when off */
	struct cust_error err;
};

static int source_hashed(struct source *s, struct cust_error *err);

static void source_free(struct source *s)
{
	size_t i;

	source_hashed(s, NULL);
	for (i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
	json_decref(s->record);
	for (i = 0; i < s->nmore; i++)
		source_free(&s->more[i]);
	free(s->more);
}

/* The acquisition NAME of the case: its first image file (the walk finds
 * the other segments), the item it images, the hash of its seal. */
static int acquisition_source(const struct cust_case *c, const char *name,
                              struct source *s, struct cust_error *err)
{
	static const char *const firsts[] = { "image.raw", "image.000",
		                              "image.E01", NULL };
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], sums[65];
	unsigned char d[1][CUST_DIGEST_MAX_SIZE];
	const char *const *f;
	json_t *rec;
	char *text = NULL;
	size_t len = 0;
	uint64_t size;

	if (cust_id_check(name, "acquisition", err) < 0 ||
	    cust_path_format(dir, sizeof dir, err, "%s/acquisitions/%s",
	                     cust_case_dir(c), name) < 0 ||
	    cust_path_format(path, sizeof path, err, "%s/acquisition.json",
	                     dir) < 0)
		return -1;
	if (cust_fs_read_file(path, RECORD_MAX, &text, &len, err) < 0)
		return cust_error_prefix(err, "no sealed acquisition '%s'", name);
	rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	if (!rec || !cust_json_string(rec, "item") ||
	    cust_id_check(cust_json_string(rec, "item"), "item", NULL) < 0) {
		json_decref(rec);
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is not an acquisition record", path);
	}
	/* an item id (cust_id_check) always fits */
	snprintf(s->item, sizeof s->item, "%s", cust_json_string(rec, "item"));
	json_decref(rec);
	for (f = firsts; *f; f++) {
		if (cust_path_format(path, sizeof path, err, "%s/%s", dir, *f) < 0)
			return -1;
		if (access(path, F_OK) == 0)
			break;
	}
	if (!*f)
		return cust_error_set(err, CUST_E_INPUT,
		                      "acquisition '%s' holds no image file", name);
	if (cust_walk_segments(path, &s->paths, &s->n, err) < 0 ||
	    cust_path_format(path, sizeof path, err, "%s/SHA256SUMS", dir) < 0 ||
	    cust_digest_file(path, CUST_DIGEST_SHA256, 1, d, &size, err) < 0)
		return -1;
	cust_hex_encode(d[0], 32, sums);
	s->record = json_pack("{s:s, s:s}", "acquisition", name,
	                      "manifest_sha256", sums);
	return s->record ? 0 : cust_error_set(err, CUST_E_IO, "out of memory");
}

/* A folder source's record: its path and the digest of its files. */
static void folder_record(struct source *s, const char hex[65],
                          uint64_t files, uint64_t bytes)
{
	json_object_set_new(s->record, "folder",
	                    json_pack("{s:s, s:I, s:I, s:s}", "path", s->paths[0],
	                              "files", (json_int_t)files, "bytes",
	                              (json_int_t)bytes, "sha256", hex));
}

/* The SHA-256 of every image file of S into its record. */
static void *hash_source(void *arg)
{
	struct source *s = arg;
	json_t *files = json_object_get(s->record, "files");
	unsigned char d[1][CUST_DIGEST_MAX_SIZE];
	char hex[65];
	uint64_t size, count;
	size_t i;

	if (s->kind == SOURCE_FOLDER) {
		if (cust_walk_folder_digest(s->paths[0], hex, &count, &size,
		                            &s->hash_err) < 0)
			s->hash_rc = -1;
		else
			folder_record(s, hex, count, size);
		return NULL;
	}
	for (i = 0; i < s->n; i++) {
		if (cust_digest_file(s->paths[i], CUST_DIGEST_SHA256, 0, d, &size,
		                     &s->hash_err) < 0) {
			s->hash_rc = -1;
			break;
		}
		cust_hex_encode(d[0], 32, hex);
		json_array_append_new(files,
		                      json_pack("{s:s, s:I, s:s}", "path",
		                                s->paths[i], "size",
		                                (json_int_t)size, "sha256", hex));
	}
	return NULL;
}

/* A listed folder's digest, from the run's lines; read again only when a
 * file's line has no SHA-256 (it could not be read). */
static int folder_listed(struct source *s, struct run *r,
                         struct cust_error *err)
{
	char hex[65];
	uint64_t files, bytes;

	if (!s->listed)
		return 0;
	if (r->listing_gap) {
		if (cust_walk_folder_digest(s->paths[0], hex, &files, &bytes,
		                            err) < 0)
			return -1;
	} else {
		cust_folder_listing_end(r->listing, hex, &files, &bytes);
		r->listing = NULL;
	}
	folder_record(s, hex, files, bytes);
	return 0;
}

/* Wait for the hashes of the source; -1 with the hasher's error. */
static int source_hashed(struct source *s, struct cust_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->nmore; i++)
		if (source_hashed(&s->more[i], err) < 0)
			rc = -1;
	if (!s->hashing)
		return rc;
	pthread_join(s->hasher, NULL);
	s->hashing = 0;
	if (s->hash_rc < 0 && err)
		*err = s->hash_err;
	return s->hash_rc < 0 ? -1 : rc;
}

static int archive_type(const char *mime);

/* Whether the file PATH is an archive or compressed stream by its content
 * (as file(1) says), not a disk image: an ISO 9660 image is walked as a
 * file system. */
static int is_archive_file(const char *path, struct cust_error *err)
{
	struct cust_classifier *c = NULL;
	char mime[CUST_CLASSIFY_TEXT_MAX], desc[CUST_CLASSIFY_TEXT_MAX];
	unsigned char *head = malloc(CUST_CLASSIFY_BYTES);
	unsigned char *tail = malloc(CUST_CLASSIFY_BYTES);
	ssize_t hn = -1, tn = 0;
	struct stat st;
	int fd = cust_fs_open_evidence(path, 0), rc = -1;

	if (!head || !tail) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* it was one a moment ago (source_kind) */
		cust_error_set(err, CUST_E_INPUT, "cannot read '%s': no longer "
		               "a regular file", path);
		goto out;
	}
	if (fd < 0 || fstat(fd, &st) < 0 ||
	    (hn = pread(fd, head, CUST_CLASSIFY_BYTES, 0)) < 0 ||
	    ((uint64_t)st.st_size > CUST_CLASSIFY_BYTES &&
	     (tn = pread(fd, tail, CUST_CLASSIFY_BYTES,
	                 st.st_size - (off_t)CUST_CLASSIFY_BYTES)) < 0)) {
		cust_error_set_errno(err, CUST_E_INPUT, errno, "cannot read '%s'",
		                     path);
		goto out;
	}
	if (!(c = cust_classifier_new(err)) ||
	    cust_classify_file(c, head, (size_t)hn, tail, (size_t)tn,
	                       (uint64_t)st.st_size, mime, desc, err) < 0)
		goto out;
	rc = archive_type(mime) &&
	     strcmp(mime, "application/x-iso9660-image") != 0;
out:
	cust_classifier_free(c);
	if (fd >= 0)
		close(fd);
	free(head);
	free(tail);
	return rc;
}

/* The name of a kind of file that is no source. */
static const char *not_a_source(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFDIR: return "a folder among image files";
	default: return "not a regular file";
	}
}

/* What the source PATH given is: a folder (ONLY: the one source given),
 * an archive, or an image (a regular file or a block device).  Anything
 * else is refused before it is opened: a FIFO would wait for a writer. */
static int source_kind(const char *path, int only, enum source_kind *kind,
                       struct cust_error *err)
{
	struct stat st;
	int archive;

	*kind = SOURCE_IMAGE;
	if (stat(path, &st) < 0)
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot read '%s'", path);
	if (S_ISDIR(st.st_mode) && only) {
		*kind = SOURCE_FOLDER;
		return 0;
	}
	if (S_ISBLK(st.st_mode))
		return 0; /* a device: an image */
	if (!S_ISREG(st.st_mode))
		return cust_error_set(err, CUST_E_INPUT,
		                      "cannot read '%s': %s, not an image, a "
		                      "folder or an archive", path,
		                      not_a_source(st.st_mode));
	if (!only)
		return 0;
	if ((archive = is_archive_file(path, err)) < 0)
		return -1;
	if (archive)
		*kind = SOURCE_ARCHIVE;
	return 0;
}

/* Hash the files of S on a thread of their own (source_hashed waits). */
static int start_hashing(struct source *s, struct cust_error *err)
{
	int rc = pthread_create(&s->hasher, NULL, hash_source, s);

	if (rc != 0)
		return cust_error_set_errno(err, CUST_E_IO, rc,
		                            "cannot start hashing the source");
	s->hashing = 1;
	return 0;
}

/* The files of image (or archive) source S, each readable: recorded,
 * and hashed on a thread of their own. */
static int hash_files(struct source *s, struct cust_error *err)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (access(s->paths[i], R_OK) != 0)
			return cust_error_set_errno(err, CUST_E_INPUT, errno,
			                            "cannot read '%s'",
			                            s->paths[i]);
	if (!(s->record = json_pack("{s:[]}", "files")))
		return cust_error_set(err, CUST_E_IO, "out of memory");
	return start_hashing(s, err);
}

/* Another disk of the server given by path (its first segment): the
 * files of its image, hashed as the first disk's are. */
static int image_disk(const char *first, struct source *s,
                      struct cust_error *err)
{
	enum source_kind k;

	if (source_kind(first, 1, &k, err) < 0)
		return -1;
	if (k != SOURCE_IMAGE)
		return cust_error_set(err, CUST_E_USAGE, "'%s' is not a disk "
		                      "image: only images are walked together",
		                      first);
	s->kind = SOURCE_IMAGE;
	if (cust_walk_segments(first, &s->paths, &s->n, err) < 0)
		return -1;
	return hash_files(s, err);
}

/* The other disks of O (o->more_disks: acquisitions with an acquisition,
 * images by path with images) into S->more. */
static int more_disks(const struct cust_case *c,
                      const struct cust_extract_options *o, struct source *s,
                      struct cust_error *err)
{
	size_t i;

	if (o->nmore_disks == 0)
		return 0;
	if (s->kind != SOURCE_IMAGE)
		return cust_error_set(err, CUST_E_USAGE, "several disks are "
		                      "walked together only as disk images, not "
		                      "with a folder or an archive");
	if (o->nmore_disks + 1 > CUST_WALK_DISKS_MAX)
		return cust_error_set(err, CUST_E_USAGE, "more than %d disks",
		                      CUST_WALK_DISKS_MAX);
	if (!(s->more = calloc(o->nmore_disks, sizeof *s->more)))
		return cust_error_set(err, CUST_E_IO, "out of memory");
	for (i = 0; i < o->nmore_disks; i++) {
		s->nmore++;
		if ((o->acquisition
		             ? acquisition_source(c, o->more_disks[i], &s->more[i],
		                                  err)
		             : image_disk(o->more_disks[i], &s->more[i], err)) < 0)
			return -1;
	}
	return 0;
}

/* The source's record with its disks, when there are several: "disks",
 * each disk's own record under its walk name ("d1", "d2", ...). */
static json_t *source_record(const struct source *s)
{
	json_t *rec = json_deep_copy(s->record), *disks, *d;
	size_t i;

	if (!rec || s->nmore == 0)
		return rec;
	disks = json_array();
	for (i = 0; disks && i <= s->nmore; i++) {
		d = json_deep_copy(i == 0 ? s->record : s->more[i - 1].record);
		if (d)
			json_object_set_new(d, "name", json_sprintf("d%zu", i + 1));
		json_array_append_new(disks, d);
	}
	json_object_set_new(rec, "disks", disks);
	return rec;
}

/* Image files given by path: an external source, each file hashed (on a
 * thread, during the walk: source_hashed waits for it). */
static int external_source(const struct cust_extract_options *o,
                           struct source *s, struct cust_error *err)
{
	size_t i;

	if (!o->item)
		return cust_error_set(err, CUST_E_USAGE,
		                      "an image given by path needs --item");
	if (cust_id_check(o->item, "item", err) < 0)
		return -1;
	/* an item id (cust_id_check) always fits */
	snprintf(s->item, sizeof s->item, "%s", o->item);
	for (i = 0; i < o->nsources; i++) {
		enum source_kind k;
		if (source_kind(o->sources[i], o->nsources == 1, &k, err) < 0)
			return -1;
		if (i == 0)
			s->kind = k;
	}
	if (s->kind != SOURCE_IMAGE) {
		s->paths = calloc(1, sizeof *s->paths);
		if (!s->paths || !(s->paths[0] = strdup(o->sources[0])))
			return cust_error_set(err, CUST_E_IO, "out of memory");
		s->n = 1;
	} else if (o->nsources == 1) {
		if (cust_walk_segments(o->sources[0], &s->paths, &s->n, err) < 0)
			return -1;
	} else {
		s->paths = calloc(o->nsources, sizeof *s->paths);
		if (!s->paths)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		for (i = 0; i < o->nsources; i++, s->n++)
			if (!(s->paths[i] = strdup(o->sources[i])))
				return cust_error_set(err, CUST_E_IO,
				                      "out of memory");
	}
	if (s->kind != SOURCE_FOLDER)
		return hash_files(s, err);
	if (!(s->record = json_object()))
		return cust_error_set(err, CUST_E_IO, "out of memory");
	if (access(s->paths[0], R_OK) != 0)
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot read '%s'", s->paths[0]);
	s->listed = !o->digests || (o->digests & CUST_DIGEST_SHA256);
	if (s->listed)
		return 0;
	return start_hashing(s, err);
}

/* "2011-03-16T14:05:00Z", or with nanoseconds; without the Z for a
 * wall-clock time in an unknown zone (FAT); NULL when not a time. */
static json_t *time_json(const struct cust_walk_time *t)
{
	char text[64];
	struct tm tm;
	time_t sec = (time_t)t->sec;

	if (!t->present || (int64_t)sec != t->sec || !gmtime_r(&sec, &tm) ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return NULL;
	if (!strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm))
		return NULL;
	if (t->nsec)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         ".%09u", (unsigned)(t->nsec % 1000000000u));
	if (!t->local)
		snprintf(text + strlen(text), sizeof text - strlen(text), "Z");
	return json_string(text);
}

/* One run of E for the inventory.  A filler run (ext4's gap between
 * extents) reads as zeros and lies nowhere in the image: a hole, as
 * fiwalk says.  In a volume of a layer, a run's offset in the volume
 * ("fs_offset") is no image offset less the partition's: it is said;
 * one in no image says why ("no_image") and has no "offset"; with
 * several disks, "disk" names the one holding it. */
static json_t *run_json(const struct cust_walk_entry *e,
                        const struct cust_walk_run *r)
{
	static const char *const no_image[] = {
		[CUST_WALK_REBUILT] = "rebuilt", [CUST_WALK_MISSING] = "missing",
		[CUST_WALK_UNPLACED] = "unplaced"
	};
	json_t *o;

	if (r->sparse || r->filler)
		return json_pack("{s:I, s:b}", "length", (json_int_t)r->length,
		                 "sparse", 1);
	if (r->place != CUST_WALK_IN_IMAGE)
		return json_pack("{s:I, s:I, s:s}", "fs_offset",
		                 (json_int_t)r->fs_offset, "length",
		                 (json_int_t)r->length, "no_image",
		                 r->place <= CUST_WALK_UNPLACED ? no_image[r->place]
		                                                : "unplaced");
	o = json_pack("{s:I, s:I}", "offset", (json_int_t)r->offset, "length",
	              (json_int_t)r->length);
	if (o && e->layer)
		json_object_set_new(o, "fs_offset",
		                    json_integer((json_int_t)r->fs_offset));
	if (o && r->disk)
		json_object_set_new(o, "disk", json_integer((json_int_t)r->disk));
	return o;
}

static json_t *entry_json(const struct cust_walk_entry *e)
{
	static const char *const time_names[] = { "mtime", "atime", "ctime",
		                                  "crtime" };
	const struct cust_walk_time *times[] = { &e->mtime, &e->atime,
		                                 &e->ctime, &e->crtime };
	json_t *o, *runs;
	char mode[16];
	size_t i;

	snprintf(mode, sizeof mode, "%04o", (unsigned)(e->mode & 07777));
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:s, s:I, s:s, "
	              "s:I, s:I, s:s}",
	              "partition", e->partition, "fs_type", e->fs_type, "path",
	              e->path, "name", e->name, "meta_addr",
	              (json_int_t)e->meta_addr, "name_allocated",
	              e->name_allocated, "meta_allocated", e->meta_allocated,
	              "type", cust_walk_type_name(e->type), "size",
	              (json_int_t)(e->size > INT64_MAX ? INT64_MAX : e->size),
	              "mode", mode, "uid", (json_int_t)e->uid, "gid",
	              (json_int_t)e->gid, "content",
	              cust_walk_content_name(e->content));
	if (!o)
		return NULL;
	if (e->orphan)
		json_object_set_new(o, "orphan", json_true());
	if (e->path_truncated)
		json_object_set_new(o, "path_truncated", json_true());
	if (e->link_target)
		json_object_set_new(o, "link_target", json_string(e->link_target));
	for (i = 0; i < 4; i++) {
		json_t *t = time_json(times[i]);
		if (t)
			json_object_set_new(o, time_names[i], t);
	}
	if (e->nruns) {
		runs = json_array();
		for (i = 0; runs && i < e->nruns; i++)
			json_array_append_new(runs, run_json(e, &e->runs[i]));
		json_object_set_new(o, "runs", runs);
		if (e->runs_truncated)
			json_object_set_new(o, "runs_truncated", json_true());
	}
	return o;
}

/* The place "PARTITION:PATH" and SUFFIX ("" or " (slack)") of a target
 * into WHERE (CUST_TARGETS_WHERE_MAX + 1 bytes): a path is at most
 * CUST_WALK_PATH_MAX, so it fits; were it longer, shortened (place.h). */
static void place_of(char *where, size_t size, const char *partition,
                     const char *path, const char *suffix)
{
	const char *parts[] = { partition, ":", path, suffix };

	cust_place_join(where, size, parts, 4);
}

/* Where the bytes carved lie in the image, for the feature files
 * (features.h has the rule). */
enum at {
	AT_IMAGE = 1, /* at image offset IMG */
	AT_VOLUME,    /* at offset IMG of a volume of a layer, placed by VOL
	                 (NULL: in no image); else at FIRST, its first byte */
	AT_RUNS,      /* a file's content, at offset BASE, held by RUNS */
	AT_MEMBER     /* a member of an archive in the file at FIRST */
};

/* A target found in WHERE: counted, and logged when every occurrence is
 * wanted. */
struct place {
	struct run *r;
	const char *where;
	uint64_t base; /* added to the carver's offsets */
	enum at at;
	uint64_t img;  /* AT_IMAGE */
	/* AT_RUNS: the file's runs (borrowed) and whether they hold its
	 * content byte for byte; AT_RUNS, AT_MEMBER: the image offset of the
	 * file's first byte */
	const struct cust_walk_run *runs;
	size_t nruns;
	int plain;
	uint64_t first;
	const struct cust_walk_volume *vol; /* AT_VOLUME, borrowed */
};

/* The image offset of the first byte of a file with runS (N of them):
 * its first run that lies in the image, else NONE. */
static uint64_t first_byte(const struct cust_walk_run *runs, size_t n,
                           uint64_t none)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!runs[i].sparse && !runs[i].filler &&
		    runs[i].place == CUST_WALK_IN_IMAGE)
			return runs[i].offset;
	return none;
}

/* The forensic path of hit H carved in P's bytes: the image offset it
 * returns, and MARK (CUST_FEATURES_MARK_MAX bytes) to follow it. */
static uint64_t feature_pos(const struct place *p,
                            const struct cust_carve_hit *h, char *mark)
{
	uint64_t off = p->base + h->offset, start = 0;
	size_t i;

	mark[0] = '\0';
	if (p->at == AT_IMAGE)
		return p->img + h->offset;
	if (p->at == AT_VOLUME) {
		uint64_t at;
		unsigned disk;
		/* in the image of the disk holding it (features.h) */
		off = p->img + h->offset;
		if (p->vol && cust_walk_volume_place(p->vol, off, &disk, &at) ==
		                      CUST_WALK_IN_IMAGE)
			return at;
	}
	if (p->at == AT_RUNS && p->plain) {
		/* laid end to end from the content's first byte, as the
		 * DFXML's byte runs are */
		for (i = 0; i < p->nruns; i++) {
			const struct cust_walk_run *run = &p->runs[i];
			if (off - start < run->length) {
				if (!run->sparse && !run->filler &&
				    run->place == CUST_WALK_IN_IMAGE &&
				    run->offset <= UINT64_MAX - (off - start))
					return run->offset + (off - start);
				break;
			}
			if (run->length > UINT64_MAX - start)
				break;
			start += run->length;
		}
	}
	/* no byte of the image is its place: the file's (the volume's)
	 * first, and where in it (20 digits and a name fit
	 * CUST_FEATURES_MARK_MAX) */
	int w = snprintf(mark, CUST_FEATURES_MARK_MAX, "-%s-%" PRIu64,
	                 p->at == AT_MEMBER   ? "MEMBER"
	                 : p->at == AT_VOLUME ? "VOLUME"
	                                      : "FILE",
	                 off);

	if (w < 0 || w >= CUST_FEATURES_MARK_MAX)
		mark[0] = '\0';
	return p->first;
}

static int on_target(void *ctx, const struct cust_carve_hit *h,
                     struct cust_error *err)
{
	struct place *p = ctx;

	if (cust_targets_add_at(p->r->targets, h->kind, h->value, h->value_len,
	                        p->where, p->base + h->offset, h->path,
	                        err) < 0)
		return -1;
	if (p->r->occurrences &&
	    cust_targets_log_add_at(p->r->occurrences, h->kind, h->value,
	                            h->value_len, p->where,
	                            p->base + h->offset, h->path, h->length,
	                            err) < 0)
		return -1;
	if (p->r->features) {
		char mark[CUST_FEATURES_MARK_MAX];
		uint64_t pos;
		if (!p->at)
			return cust_error_set(err, CUST_E_USAGE,
			                      "'%s': no place in the image",
			                      p->where);
		pos = feature_pos(p, h, mark);
		if (cust_features_add(p->r->features, h, pos, mark, err) < 0)
			return -1;
	}
	return 0;
}

/* The counts of a decoded content, slack or run of space in WHERE. */
static void note_decoded(struct run *r, const struct cust_decode_stats *d,
                         const char *where)
{
	struct cust_decode_stats *t = &r->decoded;
	size_t i;

	for (i = 0; i < CUST_DECODE_NKINDS; i++) {
		t->streams[i] += d->streams[i];
		t->bytes[i] += d->bytes[i];
	}
	t->damaged += d->damaged;
	t->bombs += d->bombs;
	t->too_deep += d->too_deep;
	t->missed += d->missed;
	t->left_to_archives += d->left_to_archives;
	if (d->first_bomb[0] && r->decode_bombs &&
	    json_array_size(r->decode_bombs) < DECODE_BOMBS_MAX)
		json_array_append_new(r->decode_bombs,
		                      json_pack("{s:s, s:s, s:I}", "where", where,
		                                "at", d->first_bomb, "bombs",
		                                (json_int_t)d->bombs));
}

/* The rules that matched: each with where its first string matched and
 * the extractor its meta names.  No extractor runs yet (the lookup finds
 * none): the line says which one would. */
static json_t *rules_json(const struct cust_analysis *a)
{
	json_t *hits = json_array();
	size_t i;

	for (i = 0; hits && i < a->nrule_hits; i++) {
		const struct cust_rule_hit *h = &a->rule_hits[i];
		json_t *o = json_pack("{s:s, s:s}", "rule", h->rule, "namespace",
		                      h->ns);
		if (!o)
			continue;
		if (h->tags[0])
			json_object_set_new(o, "tags", json_string(h->tags));
		if (h->offset != UINT64_MAX)
			json_object_set_new(o, "offset",
			                    json_integer((json_int_t)h->offset));
		if (h->extractor[0])
			json_object_set_new(
				o, "extractor",
				json_pack("{s:s, s:s}", "name", h->extractor,
				          "status",
				          cust_extractor_find(h->extractor)
				                  ? "available"
				                  : "not available"));
		json_array_append_new(hits, o);
	}
	return hits;
}

/* The analysis of a content into its inventory line. */
static void set_analysis(struct run *r, json_t *o,
                         const struct cust_analysis *a, uint64_t size)
{
	if (a->md5[0])
		json_object_set_new(o, "md5", json_string(a->md5));
	if (a->sha1[0])
		json_object_set_new(o, "sha1", json_string(a->sha1));
	if (a->sha256[0])
		json_object_set_new(o, "sha256", json_string(a->sha256));
	if (a->typed) {
		json_object_set_new(o, "mime", json_string(a->mime));
		json_object_set_new(o, "description",
		                    json_string(a->description));
	}
	if (a->bytes < size) {
		json_object_set_new(o, "read_short",
		                    json_integer((json_int_t)a->bytes));
		/* a bound says why it stopped (stream_large); else the
		 * content ended before its size */
		if (!json_object_get(o, "read_short_reason"))
			json_object_set_new(o, "read_short_reason",
			                    json_string("ended-early"));
		r->read_short++;
	}
	if (a->nrule_hits) {
		json_object_set_new(o, "rules", rules_json(a));
		r->rule_files++;
	}
	if (a->rule_hits_truncated)
		json_object_set_new(o, "rules_truncated", json_true());
	if (a->rules_error[0])
		json_object_set_new(o, "rules_error", json_string(a->rules_error));
	if (a->decoded) {
		char where[CUST_TARGETS_WHERE_MAX + 1];
		const char *part = cust_json_string(o, "partition");
		const char *path = cust_json_string(o, "path");
		place_of(where, sizeof where, part ? part : "", path ? path : "",
		         "");
		note_decoded(r, &a->decode, where);
	}
}

/* ---- the extractors (botconfigs.h) */

/* The extractors that take the content of SIZE bytes at PATH whose first
 * bytes are HEAD[0..LEN), typed and scanned in A: a new array of their
 * names, or NULL (none, or no extractors run).  Safe from any thread. */
static json_t *taken_by(const struct run *r, const unsigned char *head,
                        size_t len, uint64_t size, const char *path,
                        const struct cust_analysis *a)
{
	struct cust_x_input in = { 0 };
	const char *slash = path ? strrchr(path, '/') : NULL;
	size_t i;

	if (!r->bc || !head)
		return NULL;
	in.head = head;
	in.head_len = len < CUST_X_HEAD ? len : CUST_X_HEAD;
	in.size = size;
	in.name = slash ? slash + 1 : path;
	in.mime = a->typed ? a->mime : NULL;
	/* a YARA rule that routes the file to an extractor */
	for (i = 0; i < a->nrule_hits && !in.rule; i++)
		if (a->rule_hits[i].extractor[0] &&
		    cust_extractor_find(a->rule_hits[i].extractor))
			in.rule = a->rule_hits[i].extractor;
	return cust_botconfigs_identify(r->bc, &in);
}

/* Note the copy SHA256 of a content TAKEN by extractors, found where the
 * inventory line O says. */
static int note_taken(struct run *r, json_t *o, const json_t *taken,
                      const char *sha256, uint64_t size,
                      const struct cust_analysis *a, struct cust_error *err)
{
	json_t *place;
	int rc;

	if (!taken || !sha256 || !sha256[0])
		return 0;
	json_object_set(o, "extractors", (json_t *)taken);
	place = json_object();
	if (!place)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	{
		static const char *const keys[] = { "partition", "path",
		                                    "meta_addr", NULL };
		size_t i;
		for (i = 0; keys[i]; i++)
			if (json_object_get(o, keys[i]))
				json_object_set(place, keys[i],
				                json_object_get(o, keys[i]));
	}
	if (a->typed)
		json_object_set_new(place, "mime", json_string(a->mime));
	rc = cust_botconfigs_note(r->bc, sha256, size, place, taken, err);
	json_decref(place);
	return rc;
}

/* ---- copies of files of interest (objects.h) */

/* Why the analyzed file at PATH is kept: its interest, or "all" when
 * every file is; NULL when it is not copied. */
static const char *copy_reason(const struct run *r,
                               const struct cust_analysis *a,
                               const char *path, const json_t *taken,
                               const char **interest)
{
	*interest = cust_interest(a->typed ? a->mime : NULL,
	                          a->typed ? a->description : NULL, path);
	/* what an extractor takes is kept, whatever else makes it of
	 * interest: its records are made from the copy after the walk
	 * (botconfigs.h) */
	if (taken) {
		if (!*interest)
			*interest = "bot-config";
		return *interest;
	}
	if (!*interest && a->nrule_hits)
		*interest = "rule";
	if (!r->objects)
		return NULL;
	if (*interest)
		return *interest;
	return r->o->copy == CUST_COPY_ALL ? "all" : NULL;
}

/* The copy of a file in its line, and noted for the seal when it was
 * stored now (the digests are known: sealing need not read it again). */
static int record_copy(struct run *r, json_t *o, const char *interest,
                       const char *sha256, int stored,
                       const struct cust_analysis *a, uint64_t size,
                       struct cust_error *err)
{
	char rel[3 + sizeof CUST_OBJECTS_DIR + 65];
	unsigned char md5[16], sha[32];

	if (interest)
		json_object_set_new(o, "interest", json_string(interest));
	if (!sha256 || !sha256[0])
		return 0;
	snprintf(rel, sizeof rel, "%s/%.2s/%s", CUST_OBJECTS_DIR, sha256,
	         sha256);
	json_object_set_new(o, "object", json_string(rel));
	if (stored && a->md5[0] && strcmp(a->sha256, sha256) == 0 &&
	    cust_hex_decode(a->md5, md5, sizeof md5) == 0 &&
	    cust_hex_decode(sha256, sha, sizeof sha) == 0)
		return cust_unit_note_file(r->unit, rel, size, md5, sha, err);
	return 0;
}

/* A regular file of a listed folder (not a member) into its digest. */
static int list_file(struct run *r, const json_t *o, struct cust_error *err)
{
	static const char empty[] = "e3b0c44298fc1c149afbf4c8996fb924"
	                            "27ae41e4649b934ca495991b7852b855";
	const char *type = cust_json_string(o, "type");
	const char *sha = cust_json_string(o, "sha256");
	json_int_t size = json_integer_value(json_object_get(o, "size"));

	if (!r->listing || !type || strcmp(type, "regular") != 0)
		return 0;
	/* a shortened path is not the one the digest's line holds: the
	 * folder is read again for the whole paths */
	if (json_is_true(json_object_get(o, "path_truncated"))) {
		r->listing_gap = 1;
		return 0;
	}
	if (size == 0)
		sha = empty; /* no content read, no digest on the line */
	if (!sha || strlen(sha) != 64) {
		r->listing_gap = 1;
		return 0;
	}
	return cust_folder_listing_add(r->listing, sha,
	                               cust_json_string(o, "path"),
	                               (uint64_t)size, err);
}

static int write_line(struct run *r, const json_t *o, struct cust_error *err)
{
	char *line = cust_json_canonical(o, err);
	int rc = 0;

	if (!line)
		return -1;
	if (fputs(line, r->inventory) < 0 || fputc('\n', r->inventory) < 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write the inventory");
	free(line);
	/* DFXML has no element for a member of an archive (fiwalk does not
	 * open them): those stay in the inventory alone */
	if (rc == 0 && !json_is_true(json_object_get(o, "member")) &&
	    (cust_dfxml_add(r->dfxml, o, err) < 0 || list_file(r, o, err) < 0))
		rc = -1;
	return rc;
}

/* Types worth opening as archives or compressed streams. */
static int archive_type(const char *mime)
{
	static const char *const types[] = {
		"application/zip", "application/gzip", "application/x-gzip",
		"application/x-bzip2", "application/x-xz", "application/x-lzma",
		"application/zstd", "application/x-lz4", "application/x-compress",
		"application/x-7z-compressed", "application/x-tar",
		"application/x-rar", "application/vnd.rar", "application/x-cpio",
		"application/x-archive", "application/vnd.ms-cab-compressed",
		"application/x-iso9660-image", "application/java-archive", NULL
	};
	const char *const *t;

	for (t = types; mime && *t; t++)
		if (strcmp(mime, *t) == 0)
			return 1;
	return 0;
}

/* ---- archive members: analyzed as their content streams past */

/* A target of a compressed stream, held (struct member). */
struct held {
	enum cust_carve_kind kind;
	uint64_t offset;
	size_t length, value, len; /* VALUE: where in the held text */
	size_t path;               /* in the held text, or SIZE_MAX */
	size_t context, context_len, context_at; /* in the held text */
};

/* One member of an archive as its content passes: the archive walk reads
 * it (it may be an archive in turn, whose members come meanwhile), and the
 * tap hands every byte to the analyzer of its nesting level.  Its line is
 * written when its content has passed.  A compressed stream (a tar.gz's
 * tar) is one too: every byte of it is hashed and carved whatever members
 * are found in it, and its targets are held to its end, after theirs. */
struct member {
	struct run *r;
	json_t *o;
	struct cust_analyzer *an;
	struct cust_analysis a;
	struct place place;
	struct cust_object_writer *copy; /* decided when its type is known */
	unsigned char *keep; /* its content for the rules, up to a bound */
	size_t keep_len, keep_cap;
	int spill;           /* more than that: a scratch file, or -1 */
	uint64_t spilled;    /* bytes in it */
	int too_large;       /* no scratch file could hold it: not scanned */
	int failed;
	char path[CUST_WALK_PATH_MAX];         /* container's path + chain */
	char where[CUST_TARGETS_WHERE_MAX + 1]; /* "PARTITION:" + path */
	int stream;
	/* a stream is copied only when an extractor takes it (a gzipped SQL
	 * dump): decided on its first CUST_X_SNIFF bytes, held until then */
	unsigned char *sniff;
	size_t sniff_len;
	json_t *stream_taken;
	struct held *held;   /* a stream's targets, in the order found */
	size_t nheld, held_cap;
	char *held_text;
	size_t text_len, text_cap;
	int held_off;        /* past the bound: counted as found */
};

static void member_free(struct member *m)
{
	free(m->held);
	free(m->held_text);
	json_decref(m->o);
	cust_analysis_clear(&m->a);
	cust_object_abort(m->copy);
	free(m->sniff);
	json_decref(m->stream_taken);
	free(m->keep);
	if (m->spill >= 0)
		close(m->spill);
	free(m);
}

/* The analyzer of nesting level DEPTH for a member (or, STREAM, for a
 * compressed stream), made when first needed; types through the serial
 * analyzer's libmagic. */
static struct cust_analyzer *level_analyzer(struct run *r, unsigned depth,
                                            int stream,
                                            struct cust_error *err)
{
	struct cust_analyzer **set = stream ? r->streams : r->levels;

	if (depth >= sizeof r->levels / sizeof r->levels[0]) {
		cust_error_set(err, CUST_E_INPUT, "archives nested too deep");
		return NULL;
	}
	if (!set[depth])
		set[depth] = cust_analyzer_new_sharing(&r->ao, r->serial, err);
	return set[depth];
}

/* Count the targets a stream held, in the order they were found. */
static int held_flush(struct member *m, struct cust_error *err)
{
	size_t i;

	for (i = 0; i < m->nheld; i++) {
		const struct held *t = &m->held[i];
		struct cust_carve_hit h;
		memset(&h, 0, sizeof h);
		h.kind = t->kind;
		h.value = m->held_text + t->value;
		h.value_len = t->len;
		h.offset = t->offset;
		h.length = t->length;
		h.path = t->path == SIZE_MAX ? NULL : m->held_text + t->path;
		if (t->context_len) {
			h.context = (const unsigned char *)m->held_text + t->context;
			h.context_len = t->context_len;
			h.context_at = t->context_at;
		}
		if (on_target(&m->place, &h, err) < 0)
			return -1;
	}
	m->nheld = 0;
	m->text_len = 0;
	return 0;
}

/* A target of a compressed stream: held until the stream ends, so the
 * members found in it are the first places of what they hold; past
 * HELD_MAX targets or HELD_TEXT_MAX bytes, counted as they come. */
static int stream_hit(void *ctx, const struct cust_carve_hit *h,
                      struct cust_error *err)
{
	struct member *m = ctx;
	struct held *t;
	size_t plen = h->path ? strlen(h->path) + 1 : 0;
	size_t clen = h->context ? h->context_len : 0;
	size_t need = h->value_len + 1 + plen + clen;

	if (!m->held_off &&
	    (m->nheld == HELD_MAX || need >= HELD_TEXT_MAX - m->text_len)) {
		if (held_flush(m, err) < 0)
			return -1;
		m->held_off = 1;
	}
	if (!m->held_off && m->nheld == m->held_cap) {
		size_t cap = m->held_cap ? 2 * m->held_cap : 64;
		struct held *nh = realloc(m->held, cap * sizeof *nh);
		if (!nh)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		m->held = nh;
		m->held_cap = cap;
	}
	if (!m->held_off && m->text_len + need > m->text_cap) {
		size_t cap = m->text_cap ? m->text_cap : 4096;
		char *nt;
		while (cap < m->text_len + need)
			cap *= 2;
		if (!(nt = realloc(m->held_text, cap)))
			return cust_error_set(err, CUST_E_IO, "out of memory");
		m->held_text = nt;
		m->text_cap = cap;
	}
	if (m->held_off)
		return on_target(&m->place, h, err);
	t = &m->held[m->nheld++];
	t->kind = h->kind;
	t->offset = h->offset;
	t->length = h->length;
	t->value = m->text_len;
	t->len = h->value_len;
	memcpy(m->held_text + m->text_len, h->value, h->value_len);
	m->held_text[m->text_len + h->value_len] = '\0';
	m->text_len += h->value_len + 1;
	t->path = SIZE_MAX;
	if (h->path) {
		t->path = m->text_len;
		memcpy(m->held_text + m->text_len, h->path, plen);
		m->text_len += plen;
	}
	t->context = m->text_len;
	t->context_len = clen;
	t->context_at = clen ? h->context_at : 0;
	if (clen) {
		memcpy(m->held_text + m->text_len, h->context, clen);
		m->text_len += clen;
	}
	return 0;
}

/* Keep a member's content for the rules: a member streams once, and
 * libyara wants the whole of it. */
/* Move what M kept, and from now on all of its content, to a scratch
 * file of the unit folder that has no name (O_TMPFILE: it goes when it is
 * closed, whatever happens), for the rules to read in blocks. */
static void member_spill(struct member *m, const void *buf, size_t len)
{
	struct cust_error werr;

	if (m->spill < 0) {
		m->spill = open(cust_unit_dir(m->r->unit),
		                O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (m->spill < 0 ||
		    cust_fs_write_all(m->spill, m->keep, m->keep_len, "scratch",
		                      &werr) < 0) {
			m->too_large = 1;
		} else {
			m->spilled = m->keep_len;
		}
		free(m->keep);
		m->keep = NULL;
		m->keep_len = m->keep_cap = 0;
		if (m->too_large)
			return;
	}
	if (cust_fs_write_all(m->spill, buf, len, "scratch", &werr) < 0)
		m->too_large = 1;
	else
		m->spilled += len;
}

static long spill_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct member *m = ctx;
	ssize_t n;

	do
		n = pread(m->spill, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : (long)n;
}

static void member_keep(struct member *m, const void *buf, size_t len)
{
	if (m->too_large || len == 0)
		return;
	if (m->spill >= 0 || len > MEMBER_SCAN_MAX - m->keep_len) {
		member_spill(m, buf, len);
		return;
	}
	if (m->keep_len + len > m->keep_cap) {
		size_t cap = m->keep_cap ? m->keep_cap : 65536;
		unsigned char *k;
		while (cap < m->keep_len + len)
			cap *= 2;
		if (cap > MEMBER_SCAN_MAX)
			cap = MEMBER_SCAN_MAX;
		if (!(k = realloc(m->keep, cap))) {
			cust_error_set(&m->r->err, CUST_E_IO, "out of memory");
			m->failed = 1;
			return;
		}
		m->keep = k;
		m->keep_cap = cap;
	}
	memcpy(m->keep + m->keep_len, buf, len);
	m->keep_len += len;
}

/* Whether an extractor takes the stream M, on the bytes it held: if one
 * does, its copy starts with them. */
static void sniff_decide(struct member *m)
{
	struct run *r = m->r;

	/* the tar of a .tar.gz: its members are offered one by one, and the
	 * whole tar would only repeat them in one blob */
	if (m->sniff_len >= 262 && memcmp(m->sniff + 257, "ustar", 5) == 0) {
		free(m->sniff);
		m->sniff = NULL;
		return;
	}
	m->stream_taken = taken_by(r, m->sniff, m->sniff_len, m->a.bytes,
	                           m->path, &m->a);
	if (m->stream_taken &&
	    (!(m->copy = cust_object_begin(r->objects, &r->err)) ||
	     cust_object_feed(m->copy, m->sniff, m->sniff_len, &r->err) < 0))
		m->failed = 1;
	free(m->sniff);
	m->sniff = NULL;
}

static void member_bytes(void *ctx, const void *buf, size_t len)
{
	struct member *m = ctx;
	const unsigned char *rest = buf;

	if (m->r->ao.rules)
		member_keep(m, buf, len);
	if (!m->failed &&
	    cust_analyzer_feed(m->an, &m->a, buf, len, &m->r->err) < 0)
		m->failed = 1;
	if (m->sniff) {
		size_t take = CUST_X_SNIFF - m->sniff_len;
		if (take > len)
			take = len;
		memcpy(m->sniff + m->sniff_len, buf, take);
		m->sniff_len += take;
		if (m->sniff_len < CUST_X_SNIFF)
			return;
		sniff_decide(m);
		rest += take;
		len -= take;
	}
	if (!m->failed && m->copy &&
	    cust_object_feed(m->copy, rest, len, &m->r->err) < 0)
		m->failed = 1;
}

static void member_end(void *ctx, int complete)
{
	struct member *m = ctx;
	struct run *r = m->r;
	struct cust_error werr;

	if (!m->failed &&
	    (cust_analyzer_end(m->an, &m->a, NULL, 0, m->a.bytes, &r->err) < 0 ||
	     held_flush(m, &r->err) < 0))
		m->failed = 1;
	if (m->sniff && !m->failed)
		sniff_decide(m); /* a stream shorter than what is sniffed */
	if (!m->failed && r->ao.rules) {
		if (m->too_large)
			cust_analysis_not_scanned(&m->a, "not scanned: a member "
			                                 "larger than 16 MiB that "
			                                 "no scratch file could "
			                                 "hold");
		else if (m->spill >= 0
		                 ? cust_analyzer_scan_reader(m->an, &m->a,
		                                             m->spilled,
		                                             spill_pread, m,
		                                             &r->err) < 0
		                 : cust_analyzer_scan(m->an, &m->a, m->keep,
		                                      m->keep_len, &r->err) < 0)
			m->failed = 1;
	}
	if (!m->failed) {
		const char *interest, *why;
		const unsigned char *head;
		char sha[65] = "";
		size_t head_len;
		int stored = 0;
		json_t *taken;

		set_analysis(r, m->o, &m->a, m->a.bytes);
		head = cust_analyzer_head(m->an, &head_len);
		if (m->stream) {
			taken = m->stream_taken;
			m->stream_taken = NULL;
		} else {
			taken = m->copy ? taken_by(r, head, head_len, m->a.bytes,
			                           m->path, &m->a)
			                : NULL;
		}
		why = copy_reason(r, &m->a, m->path, taken, &interest);
		if (m->copy && why &&
		    cust_object_commit(m->copy, m->a.sha256[0] ? m->a.sha256
		                                               : NULL,
		                       sha, &stored, &r->err) < 0)
			m->failed = 1;
		if (m->copy && !why)
			cust_object_abort(m->copy);
		m->copy = NULL; /* committed or aborted: freed */
		if (!m->failed &&
		    (record_copy(r, m->o, interest, sha, stored, &m->a,
		                 m->a.bytes, &r->err) < 0 ||
		     note_taken(r, m->o, taken, sha, m->a.bytes, &m->a,
		                &r->err) < 0))
			m->failed = 1;
		json_decref(taken);
	}
	if (m->failed)
		r->member_failed = 1;
	if (!complete)
		json_object_set_new(m->o, "read_short",
		                    json_integer((json_int_t)m->a.bytes));
	r->bytes += m->a.bytes;
	if (write_line(r, m->o, &werr) < 0) {
		r->member_failed = 1;
		r->err = werr;
	}
	member_free(m);
}

static const char *member_type(enum cust_archive_type t)
{
	switch (t) {
	case CUST_ARCHIVE_FILE: return "regular";
	case CUST_ARCHIVE_DIR: return "directory";
	case CUST_ARCHIVE_SYMLINK: return "symlink";
	default: return "other";
	}
}

/* A file opened as an archive: where it is, and how to read it (from the
 * image, or from its content in memory). */
struct container {
	struct run *r;
	const char *partition, *path, *name;
	uint64_t size;
	struct cust_walk_file *f;    /* or */
	const unsigned char *data;
	uint64_t first; /* the image offset of its first byte (features.h) */
};

static int on_member(void *ctx, const struct cust_archive_member *am,
                     struct cust_archive_reader *rd, struct cust_error *err)
{
	struct container *c = ctx;
	struct run *r = c->r;
	struct member *m = calloc(1, sizeof *m);
	const char *parts[2];
	json_t *t;
	int cut;

	if (!m)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	m->r = r;
	m->spill = -1;
	/* the container's path and the whole chain: shortened once, as a
	 * whole, to a path's bound */
	parts[0] = c->path;
	parts[1] = am->chain_whole;
	cut = cust_place_join(m->path, sizeof m->path, parts, 2);
	place_of(m->where, sizeof m->where, c->partition, m->path, "");
	m->o = json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}",
	                 "member", 1, "partition", c->partition, "path",
	                 m->path, "container",
	                 c->path, "name", am->name, "depth",
	                 (json_int_t)am->depth, "type", member_type(am->type),
	                 "format", am->format, "filters", am->filters);
	if (!m->o) {
		member_free(m);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	if (am->size_known)
		json_object_set_new(m->o, "size",
		                    json_integer((json_int_t)am->size));
	if (am->has_owner) {
		json_object_set_new(m->o, "uid", json_integer((json_int_t)am->uid));
		json_object_set_new(m->o, "gid", json_integer((json_int_t)am->gid));
	}
	if ((t = time_json(&am->mtime)))
		json_object_set_new(m->o, "mtime", t);
	if (am->link_target)
		json_object_set_new(m->o, "link_target",
		                    json_string(am->link_target));
	if (am->chain_truncated || am->name_truncated || cut)
		json_object_set_new(m->o, "path_truncated", json_true());
	/* a compressed stream, whole: hashed and carved whatever members
	 * are found in it, never copied (its container is) */
	m->stream = am->stream;
	if (am->stream)
		json_object_set_new(m->o, "stream", json_true());
	r->members++;
	if (am->encrypted)
		json_object_set_new(m->o, "encrypted", json_true());
	if (am->encrypted || am->type != CUST_ARCHIVE_FILE) {
		int rc = write_line(r, m->o, err);
		member_free(m);
		return rc;
	}
	if (am->stream && r->objects && r->bc &&
	    !(m->sniff = malloc(CUST_X_SNIFF))) {
		member_free(m);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	m->place.r = r;
	m->place.where = m->where;
	m->place.at = AT_MEMBER;
	m->place.first = c->first;
	/* its content is copied as it passes; kept or dropped at its end */
	if (!(m->an = level_analyzer(r, am->depth, am->stream, err)) ||
	    cust_analyzer_begin(m->an, &m->a, am->stream ? stream_hit : on_target,
	                        am->stream ? (void *)m : &m->place, err) < 0 ||
	    (r->objects && !am->stream &&
	     !(m->copy = cust_object_begin(r->objects, err)))) {
		member_free(m);
		return -1;
	}
	r->member_files++;
	/* member_end writes the line and frees M */
	cust_archive_tap(rd, member_bytes, member_end, m);
	return 0;
}

static ssize_t container_pread(void *ctx, void *buf, size_t len,
                               uint64_t offset)
{
	struct container *c = ctx;
	struct cust_error rerr;
	size_t got = 0;

	if (c->data) {
		if (offset >= c->size)
			return 0;
		if (len > c->size - offset)
			len = (size_t)(c->size - offset);
		memcpy(buf, c->data + offset, len);
		return (ssize_t)len;
	}
	if (cust_walk_read(c->f, offset, buf, len, &got, &rerr) < 0)
		return -1;
	return (ssize_t)got;
}

/* Open the file in C as an archive: every member goes into the inventory
 * before it, the bombs and damage into its record O. */
static int open_archive(struct container *c, json_t *o,
                        struct cust_error *err)
{
	struct run *r = c->r;
	struct cust_archive_input in = { 0 };
	json_t *report = json_object();
	int rc;

	if (!report)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	in.name = c->name;
	in.size = c->size;
	in.pread = container_pread;
	in.ctx = c;
	r->member_failed = 0;
	rc = cust_archive_walk(&in, NULL, on_member, c, report, err);
	if (rc >= 0 && r->member_failed) {
		*err = r->err;
		rc = -1;
	}
	if (rc == 1) {
		json_object_set_new(o, "archive",
		                    json_pack("{s:O, s:O, s:O, s:O, s:O}", "format",
		                              json_object_get(report, "format"),
		                              "members",
		                              json_object_get(report, "members"),
		                              "expanded",
		                              json_object_get(report, "expanded"),
		                              "complete",
		                              json_object_get(report, "complete"),
		                              "problems",
		                              json_object_get(report, "problems")));
	}
	json_decref(report);
	return rc < 0 ? -1 : 0;
}

/* ---- files: small ones analyzed by the workers, large ones in place */

/* One entry of the walk on its way to the inventory. */
struct job {
	json_t *o;
	char *partition, *path, *name;
	unsigned char *data; /* the whole content, or NULL */
	size_t len;          /* bytes of it read */
	unsigned char *slack; /* past its end in its last cluster, or NULL */
	size_t slack_len;
	struct cust_analysis slack_a;
	uint64_t size;       /* the entry's size */
	/* the slack's first byte: at image offset SLACK_AT, or (SLACK_VOLUME
	 * set) in no image, at SLACK_AT of the volume that starts at image
	 * offset SLACK_ORIGIN */
	uint64_t slack_at, slack_origin;
	int slack_volume;
	struct cust_walk_run *runs; /* its runs (features.h), or NULL */
	size_t nruns;
	int plain;           /* they hold its content byte for byte */
	uint64_t first;      /* the image offset of its first byte */
	struct cust_analysis a;
	const char *interest; /* why it is of interest, or NULL */
	json_t *taken;        /* the extractors that take it, or NULL */
	char object[65];      /* the SHA-256 of its copy, or "" */
	int stored;           /* the copy is new */
	int failed;
	struct cust_error err;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	json_decref(j->o);
	free(j->partition);
	free(j->path);
	free(j->name);
	free(j->data);
	free(j->slack);
	free(j->runs);
	json_decref(j->taken);
	cust_analysis_clear(&j->a);
	cust_analysis_clear(&j->slack_a);
	free(j);
}

static void *worker_new(void *ctx, struct cust_error *err)
{
	struct run *r = ctx;

	return cust_analyzer_new(&r->ao, err);
}

static void worker_free(void *ctx, void *state)
{
	(void)ctx;
	cust_analyzer_free(state);
}

static void worker_work(void *ctx, void *state, void *job)
{
	struct run *r = ctx;
	struct job *j = job;

	if (j->slack && cust_analyze_carve(state, &j->slack_a, j->slack,
	                                   j->slack_len, &j->err) < 0) {
		j->failed = 1;
		return;
	}
	if (!j->data)
		return;
	if (cust_analyze_buffer(state, &j->a, j->data, j->len, NULL, NULL,
	                        &j->err) < 0) {
		j->failed = 1;
		return;
	}
	j->taken = taken_by(r, j->data, j->len, j->size, j->path, &j->a);
	/* copies are written here, on every worker at once */
	if (copy_reason(r, &j->a, j->path, j->taken, &j->interest) &&
	    cust_object_put(r->objects, j->data, j->len, j->object, &j->stored,
	                    &j->err) < 0)
		j->failed = 1;
}

static void job_discard(void *ctx, void *job)
{
	(void)ctx;
	job_free(job);
}

/* In walk order: the targets counted, the archive opened, the line. */
static int job_commit(void *ctx, void *job, struct cust_error *err)
{
	struct run *r = ctx;
	struct job *j = job;
	char where[CUST_TARGETS_WHERE_MAX + 1];
	struct place p = { r, where, 0, AT_RUNS, 0, NULL, 0, 0, 0, NULL };
	int rc = -1;

	p.runs = j->runs;
	p.nruns = j->nruns;
	p.plain = j->plain;
	p.first = j->first;
	if (j->failed) {
		*err = j->err;
		job_free(j);
		return -1;
	}
	if (j->data) {
		place_of(where, sizeof where, j->partition, j->path, "");
		set_analysis(r, j->o, &j->a, j->size);
		r->bytes += j->a.bytes;
		if (cust_analysis_replay(&j->a, on_target, &p, err) < 0 ||
		    record_copy(r, j->o, j->interest, j->object, j->stored,
		                &j->a, j->len, err) < 0 ||
		    note_taken(r, j->o, j->taken, j->object, j->len, &j->a,
		               err) < 0)
			goto out;
		if (j->a.typed && archive_type(j->a.mime)) {
			struct container c = { r, j->partition, j->path,
				               j->name, j->len, NULL, j->data,
				               j->first };
			if (open_archive(&c, j->o, err) < 0)
				goto out;
		}
	}
	if (j->slack) {
		/* a file's slack: its offsets go on from its end */
		place_of(where, sizeof where, j->partition, j->path, " (slack)");
		p.base = j->size;
		p.at = j->slack_volume ? AT_VOLUME : AT_IMAGE;
		p.img = j->slack_at;
		p.first = j->slack_origin;
		p.vol = NULL;
		if (cust_analysis_replay(&j->slack_a, on_target, &p, err) < 0)
			goto out;
		if (j->slack_a.decoded)
			note_decoded(r, &j->slack_a.decode, where);
	}
	rc = write_line(r, j->o, err);
out:
	job_free(j);
	return rc;
}

/* ---- batches: the pool's unit of work.  Files of a few KB are many;
 * handing them over one by one costs a thread wake-up each, more than
 * hashing them. */

struct batch {
	struct job *jobs[BATCH_JOBS];
	size_t n, bytes;
};

static void batch_work(void *ctx, void *state, void *b_)
{
	struct batch *b = b_;
	size_t i;

	for (i = 0; i < b->n; i++)
		worker_work(ctx, state, b->jobs[i]);
}

static void batch_discard(void *ctx, void *b_)
{
	struct batch *b = b_;
	size_t i;

	for (i = 0; i < b->n; i++)
		job_discard(ctx, b->jobs[i]);
	free(b);
}

static int batch_commit(void *ctx, void *b_, struct cust_error *err)
{
	struct batch *b = b_;
	size_t i;
	int rc = 0;

	for (i = 0; i < b->n; i++) {
		if (rc == 0)
			rc = job_commit(ctx, b->jobs[i], err); /* frees it */
		else
			job_discard(ctx, b->jobs[i]);
	}
	free(b);
	return rc;
}

/* Hand the batch being filled to the pool. */
static int batch_flush(struct run *r, struct cust_error *err)
{
	struct batch *b = r->batch;

	r->batch = NULL;
	if (!b)
		return 0;
	return cust_pool_submit(r->pool, b, b->bytes, err);
}

/* Add J to the batch being filled; hand it over when full. */
static int batch_add(struct run *r, struct job *j, struct cust_error *err)
{
	if (!r->batch && !(r->batch = calloc(1, sizeof *r->batch))) {
		job_free(j);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	r->batch->jobs[r->batch->n++] = j;
	r->batch->bytes += j->len + j->slack_len + sizeof *j;
	if (r->batch->n == BATCH_JOBS || r->batch->bytes >= BATCH_BYTES)
		return batch_flush(r, err);
	return 0;
}

/* Everything before this point committed: the walk's thread may write. */
static int drain(struct run *r, struct cust_error *err)
{
	if (batch_flush(r, err) < 0)
		return -1;
	return cust_pool_drain(r->pool, err);
}

/* Read all of a small file's content into its job; damage in one file
 * is a fact about it (its line says so), not a stop. */
static void read_whole(struct run *r, struct cust_walk_file *f,
                       struct job *j)
{
	struct cust_error rerr;
	size_t got;

	while (j->len < j->size) {
		cust_error_clear(&rerr);
		if (cust_walk_read(f, j->len, j->data + j->len, j->size - j->len,
		                   &got, &rerr) < 0) {
			json_object_set_new(j->o, "read_error",
			                    json_string(rerr.message));
			r->unreadable++;
			free(j->data);
			j->data = NULL;
			j->len = 0;
			return;
		}
		if (got == 0)
			break;
		j->len += got;
		r->read += got;
	}
}

/* A file of the image read by the rules' block reader. */
static long file_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct cust_error rerr;
	size_t got = 0;

	if (cust_walk_read(ctx, off, buf, len, &got, &rerr) < 0)
		return -1;
	return (long)got;
}

/* The copy of a large file of interest: W, written as it was read, or
 * (W NULL: its type or a rule asked for it) its content read again. */
static int copy_large(struct run *r, const struct cust_walk_entry *e,
                      struct cust_walk_file *f, json_t *o,
                      const struct cust_analysis *a, const json_t *taken,
                      struct cust_object_writer *w, struct cust_error *err)
{
	const char *interest;
	char sha[65] = "";
	struct cust_error rerr;
	uint64_t off = 0;
	size_t got;
	int stored = 0;

	/* read short once: no copy to trust */
	if (!copy_reason(r, a, e->path, taken, &interest) ||
	    a->bytes != e->size) {
		cust_object_abort(w);
		return record_copy(r, o, interest, NULL, 0, a, 0, err);
	}
	if (w) /* written as it was read */
		off = a->bytes;
	else if (!(w = cust_object_begin(r->objects, err)))
		return -1;
	while (off < a->bytes) {
		size_t want = a->bytes - off < READ_CHUNK
		                      ? (size_t)(a->bytes - off)
		                      : READ_CHUNK;
		if (cust_walk_read(f, off, r->buf, want, &got, &rerr) < 0 ||
		    got == 0) {
			cust_object_abort(w);
			json_object_set_new(o, "copy_error",
			                    json_string(got == 0 ? "ended early"
			                                         : rerr.message));
			return record_copy(r, o, interest, NULL, 0, a, 0, err);
		}
		if (cust_object_feed(w, r->buf, got, err) < 0) {
			cust_object_abort(w);
			return -1;
		}
		off += got;
	}
	/* the image gave other bytes the second time: the copy is refused */
	if (cust_object_commit(w, a->sha256[0] ? a->sha256 : NULL, sha, &stored,
	                       err) < 0)
		return -1;
	if (record_copy(r, o, interest, sha, stored, a, a->bytes, err) < 0)
		return -1;
	return note_taken(r, o, taken, sha, a->bytes, a, err);
}

/* A file's slack, for the workers to carve (what libtsk cannot read is
 * simply none). */
static int read_slack(struct run *r, const struct cust_walk_entry *e,
                      struct cust_walk_file *f, struct job *j)
{
	struct cust_error rerr;
	struct cust_walk_run at;
	size_t got = 0;

	if (cust_walk_slack(f, r->buf, READ_CHUNK, &got, &at, &rerr) < 0 ||
	    got == 0)
		return 0;
	if (!(j->slack = malloc(got)))
		return -1;
	/* placed now: the walk has moved on when the job is committed */
	j->slack_volume = at.place != CUST_WALK_IN_IMAGE;
	j->slack_at = j->slack_volume ? at.fs_offset : at.offset;
	j->slack_origin = e->origin;
	memcpy(j->slack, r->buf, got);
	j->slack_len = got;
	r->slack_bytes += got;
	return 0;
}

/* ---- the space outside files: unallocated blocks, volume slack,
 * unpartitioned gaps; carved on the walk's thread, in image order */

/* End the run of space being carved: its last targets. */
static int space_end(struct run *r, struct cust_error *err)
{
	struct place p = { r, r->space_where, r->space_base, AT_IMAGE,
		           r->space_base, NULL, 0, 0, 0, NULL };
	int rc = 0;

	if (!r->space_open)
		return 0;
	r->space_open = 0;
	if (r->space_layer) {
		p.at = AT_VOLUME;
		p.vol = r->space_vol;
		p.first = r->space_origin;
	}
	if (cust_carver_end(r->space_carver, on_target, &p, err) < 0)
		rc = -1;
	else if (r->space_decoder) {
		if (cust_decoder_end(r->space_decoder, on_target, &p, err) < 0)
			rc = -1;
		else
			note_decoded(r, cust_decoder_stats(r->space_decoder),
			             r->space_where);
	}
	r->space_vol = NULL; /* valid no longer than the run */
	return rc;
}

/* The walk ends a run of space, the volume it lies in still open. */
static int on_space_end(void *ctx, struct cust_error *err)
{
	return space_end(ctx, err);
}

static int on_space(void *ctx, const struct cust_walk_space *s,
                    const void *buf, size_t len, struct cust_error *err)
{
	struct run *r = ctx;
	struct place p = { r, r->space_where, 0, AT_IMAGE, 0, NULL, 0, 0, 0, NULL };

	/* the file system's files are all committed before its space */
	if (drain(r, err) < 0)
		return -1;
	if (!s->continues || !r->space_open) {
		if (space_end(r, err) < 0)
			return -1;
		/* "p1 (unallocated)": offsets are the image's */
		const char *parts[] = { s->partition, " (", s->kind, ")" };
		cust_place_join(r->space_where, sizeof r->space_where, parts,
		                4);
		r->space_base = s->image_offset;
		r->space_layer = s->volume != NULL;
		r->space_vol = s->volume;
		r->space_origin = s->origin;
		r->space_open = 1;
		cust_carver_reset(r->space_carver);
		cust_decoder_begin(r->space_decoder);
	}
	p.base = p.img = r->space_base;
	if (r->space_layer) {
		p.at = AT_VOLUME;
		p.vol = r->space_vol;
		p.first = r->space_origin;
	}
	r->space_bytes += len;
	if (cust_carver_feed(r->space_carver, buf, len, on_target, &p, err) < 0)
		return -1;
	return r->space_decoder
	       ? cust_decoder_feed(r->space_decoder, buf, len, on_target, &p, err)
	       : 0;
}

/* The slack of a large file, carved as it is read (the walk's thread,
 * after a drain, between two runs of space). */
static int carve_large_slack(struct run *r, const struct cust_walk_entry *e,
                             struct cust_walk_file *f, struct cust_error *err)
{
	char where[CUST_TARGETS_WHERE_MAX + 1];
	struct place p = { r, where, e->size, AT_IMAGE, 0, NULL, 0, 0, 0, NULL };
	struct cust_error rerr;
	struct cust_walk_run at;
	size_t got = 0;

	if (!r->ao.carve || e->content != CUST_WALK_CONTENT_ALLOCATED ||
	    cust_walk_slack(f, r->buf, READ_CHUNK, &got, &at, &rerr) < 0 ||
	    got == 0)
		return 0;
	p.img = at.offset;
	if (at.place != CUST_WALK_IN_IMAGE) {
		/* in no image: at its offset in the volume */
		p.at = AT_VOLUME;
		p.img = at.fs_offset;
		p.first = e->origin;
	}
	place_of(where, sizeof where, e->partition, e->path, " (slack)");
	r->slack_bytes += got;
	cust_carver_reset(r->space_carver);
	if (cust_carver_feed(r->space_carver, r->buf, got, on_target, &p,
	                     err) < 0 ||
	    cust_carver_end(r->space_carver, on_target, &p, err) < 0)
		return -1;
	if (r->space_decoder) {
		cust_decoder_begin(r->space_decoder);
		if (cust_decoder_feed(r->space_decoder, r->buf, got, on_target,
		                      &p, err) < 0 ||
		    cust_decoder_end(r->space_decoder, on_target, &p, err) < 0)
			return -1;
		note_decoded(r, cust_decoder_stats(r->space_decoder), where);
	}
	return 0;
}

/* ---- the bounds of one large file (extract.h, "Bounds of one file") */

static uint64_t ms_between(const struct timespec *a, const struct timespec *b);

struct bound {
	uint64_t holes, max_holes; /* hole bytes hashed, and allowed */
	struct timespec started;
	uint64_t ms;               /* to read the file */
};

static void bound_begin(const struct run *r, struct cust_walk_file *f,
                        uint64_t size, struct bound *b)
{
	uint64_t holes = cust_walk_holes(f);
	uint64_t held = size - (holes < size ? holes : size);

	b->holes = 0;
	b->max_holes = r->o->max_sparse;
	if (!b->max_holes) {
		b->max_holes = held > CUST_EXTRACT_SPARSE_MAX /
		                              CUST_EXTRACT_SPARSE_RATIO
		                       ? CUST_EXTRACT_SPARSE_MAX
		                       : held * CUST_EXTRACT_SPARSE_RATIO;
		if (b->max_holes < CUST_EXTRACT_SPARSE_FLOOR)
			b->max_holes = CUST_EXTRACT_SPARSE_FLOOR;
		if (b->max_holes > CUST_EXTRACT_SPARSE_MAX)
			b->max_holes = CUST_EXTRACT_SPARSE_MAX;
	}
	b->ms = (uint64_t)(r->o->file_seconds ? r->o->file_seconds
	                                      : CUST_EXTRACT_FILE_SECONDS) *
	        1000;
	clock_gettime(CLOCK_MONOTONIC, &b->started);
}

static int bound_timed_out(const struct bound *b)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ms_between(&b->started, &now) >= b->ms;
}

/* What the image holds of a large file from OFF on, once its holes ran
 * past the bound and its digests stopped: carved at its offsets in the
 * file (on the space carver, free once the space run is ended), within
 * the file's time.  *TIMED_OUT is set when the time ran out first. */
static int carve_rest(struct run *r, const struct cust_walk_entry *e,
                      struct cust_walk_file *f, uint64_t off,
                      const struct bound *b, int *timed_out,
                      struct cust_error *err)
{
	char where[CUST_WALK_PATH_MAX + 16];
	struct place p = { r, where, 0, AT_RUNS, 0, e->runs, e->nruns,
		           e->runs_plain,
		           first_byte(e->runs, e->nruns, e->origin), NULL };
	struct cust_error rerr;
	uint64_t span, span_end = off;
	size_t got;
	int hole = 0, open = 0;

	if (!r->ao.carve)
		return 0;
	if (space_end(r, err) < 0)
		return -1;
	snprintf(where, sizeof where, "%s:%s", e->partition, e->path);
	while (off < e->size) {
		if (bound_timed_out(b)) {
			*timed_out = 1;
			break;
		}
		if (off >= span_end) {
			if (cust_walk_span(f, off, &hole, &span, NULL) < 0 ||
			    span == 0)
				break;
			span_end = off + span;
		}
		if (hole) {
			if (open && cust_carver_end(r->space_carver, on_target, &p,
			                            err) < 0)
				return -1;
			open = 0;
			off = span_end;
			continue;
		}
		if (!open) {
			cust_carver_reset(r->space_carver);
			p.base = off;
			open = 1;
		}
		if (cust_walk_read(f, off, r->buf, span_end - off < READ_CHUNK
		                                           ? (size_t)(span_end - off)
		                                           : READ_CHUNK,
		                   &got, &rerr) < 0 || got == 0)
			break; /* the walk's problems say why */
		if (cust_carver_feed(r->space_carver, r->buf, got, on_target, &p,
		                     err) < 0)
			return -1;
		off += got;
		r->read += got;
	}
	if (open && cust_carver_end(r->space_carver, on_target, &p, err) < 0)
		return -1;
	return 0;
}

/* A large file, on the walk's thread once everything before it is
 * committed: streamed through the serial analyzer, targets counted as
 * found, opened as an archive through the image.  Its holes are zeros
 * fed here, never read, within the file's bounds. */
static int stream_large(struct run *r, const struct cust_walk_entry *e,
                        struct cust_walk_file *f, json_t *o,
                        struct cust_error *err)
{
	char where[CUST_TARGETS_WHERE_MAX + 1];
	struct place p = { r, where, 0, AT_RUNS, 0, e->runs, e->nruns,
		           e->runs_plain,
		           first_byte(e->runs, e->nruns, e->origin), NULL };
	struct cust_analysis a;
	struct cust_error rerr;
	struct cust_object_writer *copy = NULL;
	uint64_t off = 0, span, span_end = 0;
	size_t got, tail_len = 0;
	struct bound b;
	const char *why = NULL; /* a bound stopped the read */
	int rc = -1, hole = 0, timed_out = 0;

	place_of(where, sizeof where, e->partition, e->path, "");
	bound_begin(r, f, e->size, &b);
	cust_analysis_init(&a);
	if (cust_analyzer_begin(r->serial, &a, on_target, &p, err) < 0)
		goto out;
	/* a copy its name already asks for is written as the file is read,
	 * not read again after (one whose type asks for it still is) */
	if (r->objects && (r->o->copy == CUST_COPY_ALL ||
	                   cust_interest(NULL, NULL, e->path)) &&
	    !(copy = cust_object_begin(r->objects, err)))
		goto out;
	while (off < e->size) {
		size_t want = e->size - off < READ_CHUNK ? (size_t)(e->size - off)
		                                          : READ_CHUNK;
		if (bound_timed_out(&b)) {
			why = "time-limit";
			break;
		}
		cust_error_clear(&rerr);
		if (off >= span_end) { /* where the next hole or data begins */
			if (cust_walk_span(f, off, &hole, &span, &rerr) < 0 ||
			    span == 0)
				span = e->size - off; /* libtsk says */
			span_end = off + span;
		}
		if (span_end - off < want)
			want = (size_t)(span_end - off);
		if (hole && b.holes >= b.max_holes) {
			why = "sparse-limit";
			break;
		}
		if (hole) { /* zeros, never read */
			if (want > b.max_holes - b.holes)
				want = (size_t)(b.max_holes - b.holes);
			memset(r->buf, 0, want);
			b.holes += want;
			got = want;
		} else if (cust_walk_read(f, off, r->buf, want, &got,
		                          &rerr) < 0) {
			json_object_set_new(o, "read_error",
			                    json_string(rerr.message));
			r->unreadable++;
			rc = 0;
			goto out;
		}
		if (got == 0)
			break;
		if (cust_analyzer_feed(r->serial, &a, r->buf, got, err) < 0 ||
		    (copy && cust_object_feed(copy, r->buf, got, err) < 0))
			goto out;
		off += got;
		r->read += got;
	}
	/* file(1) looks at both ends: the tail is read again */
	if (off == e->size && off > CUST_CLASSIFY_BYTES) {
		uint64_t rest = off - CUST_CLASSIFY_BYTES;
		tail_len = rest < READ_CHUNK ? (size_t)rest : READ_CHUNK;
		if (cust_walk_read(f, off - tail_len, r->buf, tail_len, &got,
		                   &rerr) < 0 || got != tail_len)
			tail_len = 0;
	}
	if (cust_analyzer_end(r->serial, &a, tail_len ? r->buf : NULL,
	                      tail_len, off, err) < 0 ||
	    cust_analyzer_scan_reader(r->serial, &a, off, file_pread, f,
	                              err) < 0)
		goto out;
	/* past the hole bound, what the image holds is still carved */
	if (why && strcmp(why, "sparse-limit") == 0 &&
	    carve_rest(r, e, f, off, &b, &timed_out, err) < 0)
		goto out;
	if (why)
		json_object_set_new(o, "read_short_reason",
		                    json_string(timed_out ? "time-limit" : why));
	set_analysis(r, o, &a, e->size);
	r->bytes += a.bytes;
	{
		size_t head_len;
		const unsigned char *head = cust_analyzer_head(r->serial,
		                                               &head_len);
		json_t *taken = taken_by(r, head, head_len, a.bytes, e->path,
		                         &a);
		rc = copy_large(r, e, f, o, &a, taken, copy, err); /* takes COPY */
		json_decref(taken);
	}
	copy = NULL;
	if (rc < 0)
		goto out;
	rc = -1;
	if (a.typed && archive_type(a.mime)) {
		/* as far as it was read: a file read short is opened as
		 * the bytes its type is of, not as the size it claims */
		struct container c = { r, e->partition, e->path, e->name,
			               a.bytes, f, NULL, p.first };
		if (open_archive(&c, o, err) < 0)
			goto out;
	}
	rc = 0;
out:
	cust_object_abort(copy);
	cust_analysis_clear(&a);
	return rc;
}

static uint64_t ms_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ms = (int64_t)(b->tv_sec - a->tv_sec) * 1000 +
	             (b->tv_nsec - a->tv_nsec) / 1000000;

	return ms > 0 ? (uint64_t)ms : 0;
}

static void show_progress(struct run *r, const char *partition)
{
	struct cust_extract_progress p;
	struct timespec now;

	if (!r->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms_between(&r->shown, &now) < 500)
		return;
	r->shown = now;
	p.partition = partition;
	p.entries = r->entries;
	p.files = r->files;
	p.bytes = r->read;
	p.elapsed_ms = ms_between(&r->started, &now);
	r->o->progress(r->o->progress_ctx, &p);
}

static int on_entry(void *ctx, const struct cust_walk_entry *e,
                    struct cust_walk_file *f, struct cust_error *err)
{
	struct run *r = ctx;
	struct job *j;
	json_t *o = entry_json(e);
	int rc;

	if (!o)
		return cust_error_set(err, CUST_E_IO, "cannot describe '%s'",
		                      e->path);
	r->entries++;
	if (!e->name_allocated)
		r->deleted++;
	show_progress(r, e->partition);
	/* told before any line of the partition can be written */
	if (strcmp(e->partition, r->declared) != 0) {
		snprintf(r->declared, sizeof r->declared, "%s", e->partition);
		if (cust_dfxml_partition(r->dfxml, e->partition,
		                         e->partition_offset, e->sector_size,
		                         e->layer, err) < 0 ||
		    ((e->fs_uuid || e->fs_label) &&
		     cust_dfxml_partition_id(r->dfxml, e->partition, e->fs_uuid,
		                             e->fs_label, err) < 0)) {
			json_decref(o);
			return -1;
		}
	}
	if (e->type != CUST_WALK_REGULAR || e->size == 0 ||
	    (e->content != CUST_WALK_CONTENT_ALLOCATED &&
	     e->content != CUST_WALK_CONTENT_RECOVERED)) {
		j = calloc(1, sizeof *j);
	} else if (e->size > JOB_CONTENT_MAX) {
		r->files++;
		/* its members and its line follow everything before it */
		rc = 0;
		if (drain(r, err) < 0 ||
		    stream_large(r, e, f, o, err) < 0 ||
		    carve_large_slack(r, e, f, err) < 0 ||
		    write_line(r, o, err) < 0)
			rc = -1;
		json_decref(o);
		return rc;
	} else {
		r->files++;
		j = calloc(1, sizeof *j);
		if (j) {
			/* the line first: read_whole notes a read error on it */
			j->o = o;
			o = NULL;
			j->size = e->size;
			j->data = malloc((size_t)e->size);
			if (j->data)
				read_whole(r, f, j);
		}
	}
	if (j && r->ao.carve && e->type == CUST_WALK_REGULAR &&
	    e->content == CUST_WALK_CONTENT_ALLOCATED &&
	    read_slack(r, e, f, j) < 0) {
		job_free(j);
		json_decref(o);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	if (j) {
		if (!j->o) {
			j->o = o;
			o = NULL;
		}
		j->partition = strdup(e->partition);
		j->path = strdup(e->path);
		j->name = strdup(e->name);
		j->first = first_byte(e->runs, e->nruns, e->origin);
		j->plain = e->runs_plain;
		if (j->data && e->nruns &&
		    (j->runs = malloc(e->nruns * sizeof *j->runs))) {
			memcpy(j->runs, e->runs, e->nruns * sizeof *j->runs);
			j->nruns = e->nruns;
		}
	}
	if (!j || !j->partition || !j->path || !j->name ||
	    (j->data && e->nruns && !j->runs) ||
	    (j->size && !j->data && !json_object_get(j->o, "read_error"))) {
		json_decref(o);
		job_free(j);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	return batch_add(r, j, err);
}

static json_t *targets_json(const struct cust_targets *t)
{
	static const enum cust_carve_kind kinds[] = {
		CUST_CARVE_EMAIL, CUST_CARVE_DOMAIN, CUST_CARVE_URL,
		CUST_CARVE_IPV4, CUST_CARVE_IPV6, CUST_CARVE_CCN,
		CUST_CARVE_BITCOIN, CUST_CARVE_ONION, CUST_CARVE_PHONE,
		CUST_CARVE_MAC, CUST_CARVE_HOSTPORT
	};
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < sizeof kinds / sizeof kinds[0]; i++) {
		struct cust_targets_stats s = cust_targets_stats(t, kinds[i]);
		json_object_set_new(o, cust_carve_kind_name(kinds[i]),
		                    json_pack("{s:I, s:I, s:I}", "distinct",
		                              (json_int_t)s.distinct,
		                              "occurrences",
		                              (json_int_t)s.occurrences, "dropped",
		                              (json_int_t)s.dropped));
	}
	return o;
}

/* What the decoders found (decode.h), in the record. */
static json_t *decode_json(struct run *r)
{
	const struct cust_decode_stats *d = &r->decoded;
	json_t *streams = json_object(), *bytes = json_object(), *o;
	size_t i;

	for (i = 0; streams && bytes && i < CUST_DECODE_NKINDS; i++) {
		const char *name = cust_decode_kind_name((enum cust_decode_kind)i);
		json_object_set_new(streams, name,
		                    json_integer((json_int_t)d->streams[i]));
		json_object_set_new(bytes, name,
		                    json_integer((json_int_t)d->bytes[i]));
	}
	o = json_pack("{s:i, s:o, s:o, s:I, s:I, s:I, s:I, s:O, s:I}",
	              "max_depth", CUST_DECODE_DEPTH, "streams", streams,
	              "bytes", bytes, "damaged", (json_int_t)d->damaged,
	              "bombs", (json_int_t)d->bombs, "too_deep",
	              (json_int_t)d->too_deep, "missed", (json_int_t)d->missed,
	              "bomb_places", r->decode_bombs, "features_dropped",
	              (json_int_t)r->features_dropped);
	if (o)
		json_object_set_new(o, "left_to_archives",
		                    json_integer((json_int_t)d->left_to_archives));
	return o;
}

static json_t *argv_json(const struct cust_extract_options *o)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < o->argc; i++) {
		json_t *s = json_string(o->argv[i]);
		json_array_append_new(a, s ? s
		                           : json_string("(argument not UTF-8)"));
	}
	return a;
}

/* Walk the source into the unit's inventory and targets. */
/* What the workers and the serial analyzer do with every content. */
static int run_setup(struct run *r, const struct cust_extract_options *o,
                     struct cust_error *err)
{
	r->o = o;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	if (o->jobs > CUST_POOL_WORKERS_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "at most %d workers", CUST_POOL_WORKERS_MAX);
	r->ao.digests = o->digests ? o->digests
	                           : CUST_DIGEST_MD5 | CUST_DIGEST_SHA256;
	if (r->ao.digests & ~(unsigned)(CUST_DIGEST_MD5 | CUST_DIGEST_SHA1 |
	                                CUST_DIGEST_SHA256))
		return cust_error_set(err, CUST_E_USAGE, "an inventory takes "
		                      "md5, sha1 and sha256");
	r->ao.types = !o->no_types;
	r->ao.carve = o->no_targets ? 0 : CUST_CARVE_ALL;
	r->ao.decode = !o->no_decode;
	r->ao.opens_archive = archive_type;
	if (r->ao.types && (r->ao.digests & CUST_DIGEST_SHA256) &&
	    !(r->cache = cust_type_cache_new(TYPE_CACHE_ENTRIES, err)))
		return -1;
	r->ao.cache = r->cache;
	if (o->rules && !(r->rules = cust_rules_load(o->rules, err)))
		return -1;
	r->ao.rules = r->rules;
	if (!o->no_extractors && o->copy != CUST_COPY_NONE) {
		struct cust_botconfigs_options bo = {
			o->nextractors ? o->extractors : NULL, o->nextractors,
			o->key_hints, o->nkey_hints
		};
		if (!(r->bc = cust_botconfigs_new(&bo, err)))
			return -1;
		r->ao.keep_head = 1;
	}
	if (r->ao.carve &&
	    !(r->space_carver = cust_carver_new(r->ao.carve, err)))
		return -1;
	if (r->ao.carve && r->ao.decode) {
		struct cust_decode_options dopt = { 0 };
		dopt.carve = r->ao.carve;
		if (!(r->space_decoder = cust_decoder_new(&dopt, err)) ||
		    !(r->decode_bombs = json_array()))
			return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	r->serial = cust_analyzer_new(&r->ao, err);
	r->targets = cust_targets_new(TARGETS_MAX_VALUES, TARGETS_MAX_BYTES, err);
	if (!r->serial || !r->targets)
		return -1;
	r->buf = malloc(READ_CHUNK);
	if (!r->buf)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	return 0;
}

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < sizeof r->levels / sizeof r->levels[0]; i++) {
		cust_analyzer_free(r->levels[i]);
		cust_analyzer_free(r->streams[i]);
	}
	cust_analyzer_free(r->serial);
	cust_type_cache_free(r->cache);
	cust_targets_free(r->targets);
	cust_rules_free(r->rules);
	cust_botconfigs_free(r->bc);
	cust_carver_free(r->space_carver);
	cust_decoder_free(r->space_decoder);
	json_decref(r->decode_bombs);
	cust_features_close(r->features, 0, NULL);
	cust_dfxml_abort(r->dfxml);
	cust_folder_listing_free(r->listing);
	free(r->buf);
}

/* What was asked for: the record says, so two extractions compare. */
static json_t *parameters_json(const struct cust_extract_options *o,
                               const struct cust_analysis_options *ao)
{
	json_t *rules = ao->rules ? json_pack("{s:s, s:I, s:I, s:s}",
	                                      "folder", o->rules, "files",
	                                      (json_int_t)cust_rules_files(
	                                              ao->rules),
	                                      "rules",
	                                      (json_int_t)cust_rules_count(
	                                              ao->rules),
	                                      "sha256",
	                                      cust_rules_digest(ao->rules))
	                          : json_null();
	static const enum cust_digest_alg algs[] = {
		CUST_DIGEST_MD5, CUST_DIGEST_SHA1, CUST_DIGEST_SHA256
	};
	json_t *hashes = json_array();
	size_t i;

	for (i = 0; hashes && i < sizeof algs / sizeof algs[0]; i++)
		if (ao->digests & algs[i])
			json_array_append_new(hashes,
			                      json_string(cust_digest_name(algs[i])));
	json_t *p = json_pack("{s:o, s:b, s:b, s:b, s:b, s:b, s:s, s:o}",
	                      "hashes", hashes, "types", ao->types, "targets",
	                      ao->carve != 0, "decode",
	                      ao->carve != 0 && ao->decode, "deleted",
	                      !o->no_deleted,
	                      "all_occurrences", o->all_occurrences, "copy",
	                      cust_copy_policy_name(o->copy), "rules", rules);

	{
		json_t *names = json_array(), *hints = json_array();
		const struct cust_extractor *const *x;
		for (i = 0; hints && i < o->nkey_hints; i++)
			json_array_append_new(hints, json_string(o->key_hints[i]));
		for (x = cust_extractors(); names && *x; x++) {
			size_t k;
			int on = !o->no_extractors && o->copy != CUST_COPY_NONE &&
			         !o->nextractors;
			for (k = 0; !on && !o->no_extractors &&
			            o->copy != CUST_COPY_NONE && k < o->nextractors;
			     k++)
				on = strcmp(o->extractors[k], (*x)->name) == 0;
			if (on)
				json_array_append_new(names, json_string((*x)->name));
		}
		json_object_set_new(p, "extractors", names);
		json_object_set_new(p, "key_hints", hints);
	}
	/* the bounds of one file: null is the default rule */
	json_object_set_new(p, "max_sparse",
	                    o->max_sparse ? json_integer((json_int_t)(
	                                            o->max_sparse > INT64_MAX
	                                                    ? INT64_MAX
	                                                    : o->max_sparse))
	                                  : json_null());
	json_object_set_new(p, "file_seconds",
	                    json_integer(o->file_seconds
	                                         ? o->file_seconds
	                                         : CUST_EXTRACT_FILE_SECONDS));
	return p;
}

/* Walk the disks of S (one, or several of one server) into R. */
static int walk_disks(const struct source *s,
                      const struct cust_walk_options *wo, struct run *r,
                      json_t *report, struct cust_error *err)
{
	struct cust_walk_disk disks[CUST_WALK_DISKS_MAX];
	size_t i;

	disks[0].paths = (const char *const *)s->paths;
	disks[0].npaths = s->n;
	for (i = 0; i < s->nmore && i + 1 < CUST_WALK_DISKS_MAX; i++) {
		disks[i + 1].paths = (const char *const *)s->more[i].paths;
		disks[i + 1].npaths = s->more[i].n;
	}
	return cust_walk_disks(disks, i + 1, wo, on_entry, r, report, err);
}

static int walk_into(struct cust_unit *u, const struct source *s,
                     const struct cust_extract_options *o, struct run *r,
                     json_t *report, struct cust_error *err)
{
	static const struct cust_pool_ops ops = { worker_new, worker_free,
		                                  batch_work, batch_commit,
		                                  batch_discard };
	struct cust_walk_options wo = { .include_deleted = !o->no_deleted };

	if (r->ao.carve) {
		wo.space = on_space;
		wo.space_end = on_space_end;
		wo.space_ctx = r;
	}
	char path[CUST_PATH_MAX], targets[CUST_PATH_MAX], dfxml[CUST_PATH_MAX];
	int rc;

	if (cust_path_format(targets, sizeof targets, err, "%s/%s",
	                     cust_unit_dir(u), CUST_EXTRACT_TARGETS) < 0 ||
	    cust_fs_mkdir(targets, 0, err) < 0)
		return -1;
	if (o->all_occurrences &&
	    (cust_path_format(path, sizeof path, err, "%s/%s", targets,
	                      CUST_EXTRACT_OCCURRENCES) < 0 ||
	     !(r->occurrences = cust_targets_log_new(path, err))))
		return -1;
	if (r->ao.carve &&
	    (cust_path_format(path, sizeof path, err, "%s/%s", targets,
	                      CUST_FEATURES_DIR) < 0 ||
	     !(r->features = cust_features_new(path, r->ao.carve,
	                                       cust_version(), s->paths[0],
	                                       FEATURES_MAX_BYTES,
	                                       FEATURES_MAX_VALUES, err))))
		return -1;
	r->unit = u;
	if (o->copy != CUST_COPY_NONE &&
	    !(r->objects = cust_objects_open(cust_unit_dir(u), err)))
		return -1;
	if (cust_path_format(path, sizeof path, err, "%s/%s", cust_unit_dir(u),
	                     CUST_EXTRACT_INVENTORY) < 0)
		return -1;
	if (s->listed && !(r->listing = cust_folder_listing_new(err)))
		return -1;
	if (!(r->inventory = cust_fs_fcreate(path, 0444, err)))
		return -1;
	if (cust_path_format(dfxml, sizeof dfxml, err, "%s/%s",
	                     cust_unit_dir(u), CUST_DFXML_FILE) < 0 ||
	    !(r->dfxml = cust_dfxml_begin(dfxml, err))) {
		fclose(r->inventory);
		r->inventory = NULL;
		return -1;
	}
	r->pool = cust_pool_new(o->jobs, POOL_JOBS, POOL_BYTES, &ops, r, err);
	if (!r->pool)
		rc = -1;
	else if (s->kind == SOURCE_IMAGE)
		rc = walk_disks(s, &wo, r, report, err);
	else
		rc = cust_walk_folder(s->paths[0], &wo, on_entry, r, report, err);
	/* the walk ended every run it handed (on_space_end); a volume's
	 * place would not outlive it anyway */
	r->space_vol = NULL;
	if (rc == 0 && space_end(r, err) < 0)
		rc = -1;
	/* the pool's own failure says more than the walk stopped by it */
	if (rc == 0 && r->pool && batch_flush(r, err) < 0)
		rc = -1;
	if (r->batch) /* the walk failed with files still waiting */
		batch_discard(r, r->batch);
	r->batch = NULL;
	if (cust_pool_finish(r->pool, rc == 0 ? err : NULL) < 0)
		rc = -1;
	r->pool = NULL;
	if (cust_fs_fclose_synced(r->inventory, path, rc == 0 ? err : NULL) < 0)
		rc = -1;
	r->inventory = NULL;
	/* an image without entries is still extracted: where no file system
	 * opened, the walk carved its bytes as unrecognised space and noted
	 * why (walk.notes); an empty folder holds nothing to extract */
	if (rc == 0 && r->entries == 0 && s->kind != SOURCE_IMAGE) {
		/* the walk's first problem says why, when it met one */
		const char *why = cust_json_string(
			json_array_get(json_object_get(report, "problems"), 0),
			"message");
		rc = cust_error_set(err, CUST_E_INPUT,
		                    "nothing to extract: '%s' is empty%s%s",
		                    s->paths[0], why ? ": " : "", why ? why : "");
	}
	if (rc == 0 && cust_targets_write(r->targets, targets, err) < 0)
		rc = -1;
	if (cust_targets_log_close(r->occurrences, rc == 0 ? err : NULL) < 0)
		rc = -1;
	r->occurrences = NULL;
	r->features_dropped = cust_features_dropped(r->features);
	if (cust_features_close(r->features, rc == 0, rc == 0 ? err : NULL) < 0)
		rc = -1;
	r->features = NULL;
	if (r->objects)
		r->copies = cust_objects_stats(r->objects);
	cust_objects_free(r->objects);
	r->objects = NULL;
	return rc;
}

int cust_extract(struct cust_case *c, const struct cust_extract_options *o,
                 const struct cust_actor *actor, json_t **record,
                 struct cust_error *err)
{
	struct source s = { 0 };
	struct run r = { 0 };
	struct cust_unit *u = NULL;
	struct cust_event ev = { 0 };
	char stem[CUST_PATH_MAX], started[CUST_TIME_LEN], ended[CUST_TIME_LEN];
	json_t *report = json_object(), *rec = NULL, *details = NULL;
	struct timespec t0, t1;
	uint64_t ms;
	json_t *item = NULL, *botconfigs = NULL;
	int rc = -1, sealing = 0;

	if (record)
		*record = NULL;
	cust_walk_pin_zone(); /* before any thread: see walk.h */
	ev.action = "extracted";
	ev.tool = o->tool;
	ev.note = o->note;
	if (!report || cust_log_check_event(&ev, err) < 0)
		goto out;
	if ((o->acquisition != NULL) == (o->nsources > 0)) {
		cust_error_set(err, CUST_E_USAGE, "give an acquisition or image "
		                                  "files, not both or neither");
		goto out;
	}
	if ((o->acquisition ? acquisition_source(c, o->acquisition, &s, err)
	                    : external_source(o, &s, err)) < 0 ||
	    more_disks(c, o, &s, err) < 0 ||
	    !(item = cust_case_load_item(c, s.item, err)) ||
	    cust_time_now_string(started, err) < 0)
		goto out;
	if (run_setup(&r, o, err) < 0)
		goto out;
	if (cust_path_format(stem, sizeof stem, err, "%s-X", s.item) < 0)
		goto out;
	u = cust_unit_begin(cust_case_dir(c), "extractions", stem, err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!u || walk_into(u, &s, o, &r, report, err) < 0 ||
	    folder_listed(&s, &r, err) < 0 || source_hashed(&s, err) < 0)
		goto out;
	if (r.bc) {
		char objects[CUST_PATH_MAX];
		if (cust_path_format(objects, sizeof objects, err, "%s/%s",
		                     cust_unit_dir(u), CUST_OBJECTS_DIR) < 0 ||
		    cust_botconfigs_finish(r.bc, cust_unit_dir(u), objects,
		                           &botconfigs, err) < 0)
			goto out;
		json_object_set_new(botconfigs, "enabled", json_true());
	}
	if (cust_time_now_string(ended, err) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ms_between(&t0, &t1);
	rec = json_pack("{s:s, s:s, s:o, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:O, "
	                "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
	                "s:o, s:o, "
	                "s:{s:i, s:I, s:I, s:I}}",
	                "unit", cust_unit_relpath(u), "item", s.item, "source",
	                source_record(&s), "tool", "name", o->tool, "version",
	                cust_version(), "command_line", argv_json(o),
	                "examiner", actor->name, "started", started, "ended",
	                ended, "walk", report, "counts", "entries",
	                (json_int_t)(r.entries + r.members), "deleted",
	                (json_int_t)r.deleted, "files_read",
	                (json_int_t)(r.files + r.member_files), "unreadable",
	                (json_int_t)r.unreadable, "bytes_read",
	                (json_int_t)r.bytes, "objects",
	                (json_int_t)r.copies.stored, "object_bytes",
	                (json_int_t)r.copies.bytes, "space_bytes_carved",
	                (json_int_t)r.space_bytes, "slack_bytes_carved",
	                (json_int_t)r.slack_bytes, "rule_hits",
	                (json_int_t)r.rule_files, "targets",
	                targets_json(r.targets),
	                "parameters", parameters_json(o, &r.ao), "performance",
	                "workers", (int)o->jobs, "milliseconds",
	                (json_int_t)ms, "files_per_second",
	                (json_int_t)(ms ? (r.files + r.member_files) * 1000 / ms
	                                : 0),
	                "type_cache_hits",
	                (json_int_t)cust_type_cache_hits(r.cache));
	if (!rec) {
		cust_error_set(err, CUST_E_IO, "cannot build the record");
		goto out;
	}
	json_object_set_new(json_object_get(rec, "counts"), "read_short",
	                    json_integer((json_int_t)r.read_short));
	if (r.space_decoder)
		json_object_set_new(rec, "decode", decode_json(&r));
	json_object_set_new(rec, "botconfigs",
	                    botconfigs ? botconfigs
	                               : json_pack("{s:b, s:s}", "enabled", 0,
	                                           "why",
	                                           o->no_extractors
	                                                   ? "--extractors none"
	                                                   : "--copy none"));
	botconfigs = NULL;
	if (o->note)
		json_object_set_new(rec, "note", json_string(o->note));
	details = json_pack("{s:I, s:I}", "entries",
	                    (json_int_t)(r.entries + r.members), "files_read",
	                    (json_int_t)(r.files + r.member_files));
	ev.item = s.item;
	ev.details = details;
	/* the DFXML says nothing the inventory and the record do not:
	 * cust_dfxml_convert of the unit's files gives the same bytes */
	rc = cust_dfxml_finish(r.dfxml, rec, 0, err);
	r.dfxml = NULL;
	if (rc < 0)
		goto out;
	rc = -1;
	if (cust_unit_write_json(u, CUST_EXTRACT_RECORD, rec, err) < 0)
		goto out;
	sealing = 1;
	if (cust_unit_seal(u, actor, &ev, NULL, err) < 0)
		goto out;
	if (record) {
		*record = rec;
		rec = NULL;
	}
	rc = 0;
out:
	json_decref(item);
	json_decref(botconfigs);
	json_decref(details);
	json_decref(rec);
	json_decref(report);
	run_free(&r); /* its files in the unit closed first */
	source_free(&s);
	/* a run that gave up before sealing leaves nothing behind: no
	 * event names its unit, and an extraction is never resumed */
	if (rc < 0 && u && !sealing)
		(void)cust_unit_discard(u, NULL);
	cust_unit_free(u);
	return rc;
}
