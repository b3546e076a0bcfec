/*
 * archive.h - the members of archives and compressed streams, recursively,
 * through libarchive, bounded against bombs.
 *
 * cust_archive_walk reads one file's content (a seized file, handed in as
 * a reader), decides whether it is an archive or a compressed stream, and
 * calls back once per member, depth first: a member that is itself an
 * archive is opened in turn, from the bytes of its parent, never from a
 * copy on disk.  Nothing is ever written and no member name is ever used
 * as a host path.
 *
 * What is an archive.  The formats zip, tar (every variant), 7z, rar (4
 * and 5), cpio, ISO 9660, ar, cab, lha and xar, behind any of the filters
 * gzip, bzip2, xz, lzma, lzip, zstd, lz4, compress (.Z) and rpm.  A bare
 * compressed stream (syslog.gz) is an archive of one member; a file
 * libarchive would only read as "raw" with no filter is not an archive.
 * libarchive's mtree format is left out on purpose: it reads the files an
 * mtree names from the host.  Filters that run external programs are not
 * enabled.
 *
 * Streams.  A compressed stream is decompressed by a reader of its own
 * (the filters alone), and a second reader looks for a format in what it
 * gives.  When that finds nothing but raw bytes (syslog.gz), the stream is
 * the container's one member, named as below.  Otherwise (the tar of a
 * .tar.gz; or whatever a format takes for its header: an SQL dump behind
 * 1 KiB of zeros reads as an empty tar, behind "!<arch>\n" as ar, behind
 * "070707" as cpio, behind "PK\3\4" as a damaged zip) the stream is
 * reported as well, before the members found in it, as a member of its
 * own: stream = 1, named like a bare stream's member ("backup.tar" in
 * backup.tar.gz), format "raw", size unknown.  Its tap sees every byte of
 * the decompressed stream, those the format reader took and those after
 * where it stopped, whatever it found, and ends after the members found
 * in it; it cannot be read with cust_archive_read.  So no byte of a
 * compressed stream goes unseen because of a wrong guess.
 *
 * Chains.  Each member carries its chain: the forensic path suffix that
 * follows the top-level file's own path, one "!NAME" per level, the name
 * being the member's name as stored, escaped by cust_walk_escape:
 *
 *     outer.7z  +  "!mid.tar.gz!inner.zip!deep/config.php"
 *
 * The member of a bare compressed stream is named after its container
 * with the compression suffix taken off (".gz", ".bz2", ".xz", ".lzma",
 * ".lz", ".zst", ".lz4", ".Z"; ".tgz" and the like give ".tar"), or
 * "data" when the name has no such suffix.  '!' inside a name is kept as
 * is: the chain is for people, the per-level names are in the members.
 *
 * Bounds, per top-level file (struct cust_archive_options): nesting depth,
 * bytes expanded (every byte decompressed at every depth: for each
 * archive opened, the larger of the bytes its filters produced and the
 * member bytes read from it), members at every depth, and wall time
 * (checked between reads).  A limit hit is a bomb: it is recorded as a
 * problem on the member or container where it was hit, that container is
 * not followed further, and the walk goes on; the byte, member and time
 * limits hold for the whole top-level file, so once one is hit nothing
 * more is read.  Damage (a truncated zip, a corrupt gzip) is a problem on
 * that container with libarchive's message, never a failure of the walk.
 */
#ifndef CUSTODY_ARCHIVE_H
#define CUSTODY_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/walk.h"

/* Defaults of struct cust_archive_options (a 0 field takes these). */
#define CUST_ARCHIVE_DEPTH 8
#define CUST_ARCHIVE_RATIO 64                      /* x the file's size */
#define CUST_ARCHIVE_EXPANDED_FLOOR ((uint64_t)1 << 20) /* ratio floor */
#define CUST_ARCHIVE_EXPANDED_MAX ((uint64_t)16 << 30)
#define CUST_ARCHIVE_MEMBERS 1000000
#define CUST_ARCHIVE_SECONDS 300

/* Hard bounds. */
#define CUST_ARCHIVE_DEPTH_MAX 64          /* max_depth is cut to this */
#define CUST_ARCHIVE_CHAIN_MAX 8192        /* bytes of a chain, with NUL */
#define CUST_ARCHIVE_NAME_MAX CUST_WALK_PATH_MAX /* escaped name, link */
#define CUST_ARCHIVE_NAME_WHOLE_MAX ((size_t)64 << 10) /* a name in
                                     * chain_whole, escaped, with NUL */
#define CUST_ARCHIVE_REPLAY_MAX ((size_t)1 << 20) /* see cust_archive_read */
#define CUST_ARCHIVE_PROBLEMS_MAX 1000     /* problems kept in the report */

enum cust_archive_type {
	CUST_ARCHIVE_FILE,
	CUST_ARCHIVE_DIR,
	CUST_ARCHIVE_SYMLINK,
	CUST_ARCHIVE_HARDLINK,
	CUST_ARCHIVE_OTHER /* devices, fifos, sockets, unknown */
};

/* One member.  Every pointer is borrowed for the callback.  A name or a
 * chain longer than its bound is shortened (place.h: head and tail kept
 * around a marker with the length and SHA-256 of the whole), never cut. */
struct cust_archive_member {
	const char *chain;      /* "!mid.tar.gz!inner.zip!deep/config.php" */
	int chain_truncated;    /* CHAIN (or a name in it) was shortened to
	                         * fit CUST_ARCHIVE_CHAIN_MAX */
	/* the chain with every name whole (a name whose escape is longer
	 * than CUST_ARCHIVE_NAME_WHOLE_MAX is shortened within it), for a
	 * caller that puts the chain after a path and shortens it once */
	const char *chain_whole;
	const char *name;       /* this level's name, escaped, as stored */
	int name_truncated;     /* NAME was shortened to CUST_ARCHIVE_NAME_MAX */
	unsigned depth;         /* 1: a member of the top-level file */
	const char *format;     /* of its container: archive_format_name() */
	const char *filters;    /* of its container: "gzip", "xz", "none" */
	enum cust_archive_type type;
	int size_known;         /* 0: the format does not say (bare .gz) */
	uint64_t size;          /* declared size, 0 when not known */
	struct cust_walk_time mtime;
	uint32_t mode;          /* permission bits and set-id/sticky bits */
	int has_owner;          /* the format stores uid/gid (tar, cpio, ...) */
	int64_t uid, gid;
	const char *link_target; /* symlink or hardlink target, escaped; NULL */
	int encrypted;          /* content (or metadata) encrypted: not read */
	int stream;             /* the whole decompressed stream of its
	                         * container, not a member it names (see
	                         * "Streams" above) */
};

/* What a problem is. */
enum cust_archive_problem_kind {
	CUST_ARCHIVE_DAMAGED,       /* libarchive could not read on */
	CUST_ARCHIVE_BOMB_DEPTH,    /* an archive nested deeper than allowed */
	CUST_ARCHIVE_BOMB_EXPANDED, /* too many bytes expanded */
	CUST_ARCHIVE_BOMB_MEMBERS,  /* too many members */
	CUST_ARCHIVE_BOMB_TIME,     /* too long */
	CUST_ARCHIVE_NOT_OPENED     /* a member left unopened (see below) */
};

struct cust_archive_problem {
	const char *chain; /* where: "" is the top-level file itself */
	enum cust_archive_problem_kind kind;
	const char *message; /* escaped, e.g. libarchive's own message */
};

/* How many bytes of content the member being reported has left; valid
 * only during the member callback. */
struct cust_archive_reader;

/*
 * Called once per member, in archive order, depth first (a container's
 * members come right after it).  R reads the member's content; the
 * callback may read all of it, part of it or nothing: what it leaves is
 * read by the walk afterwards (to open it as an archive, or skipped).
 * Return 0 to go on, -1 (with ERR set) to stop the walk: cust_archive_walk
 * then returns -1 with that error.
 */
typedef int (*cust_archive_member_fn)(void *ctx,
                                      const struct cust_archive_member *m,
                                      struct cust_archive_reader *r,
                                      struct cust_error *err);

/* Called with the walk's CTX for every problem, as it is met (may be NULL
 * in the options). */
typedef void (*cust_archive_problem_fn)(void *ctx,
                                        const struct cust_archive_problem *p);

/* Sees every byte of the member's content once, in order, whoever reads
 * it (the callback through cust_archive_read, or the walk afterwards). */
typedef void (*cust_archive_tap_fn)(void *ctx, const void *buf, size_t len);

/* Called once when the walk is done with a tapped member (after the
 * members nested in it were reported): COMPLETE is 1 when the tap saw the
 * whole content, 0 when damage, encryption or a bomb cut it short. */
typedef void (*cust_archive_tap_end_fn)(void *ctx, int complete);

/*
 * The top-level file.  Either READ (sequential) or PREAD (positional,
 * which lets formats that need to seek, 7z and zip's central directory,
 * be read best); both return the bytes read, 0 at the end, -1 on error.
 */
struct cust_archive_input {
	const char *name; /* its name or forensic path, for messages and the
	                   * name of a bare compressed stream's member */
	uint64_t size;    /* its size (the expansion limit is a ratio of it) */
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	ssize_t (*pread)(void *ctx, void *buf, size_t len, uint64_t offset);
	void *ctx;
};

/* Limits; 0 in a field takes the default named after it. */
struct cust_archive_options {
	unsigned max_depth;       /* CUST_ARCHIVE_DEPTH */
	unsigned expand_ratio;    /* CUST_ARCHIVE_RATIO */
	uint64_t max_expanded;    /* bytes; default: ratio x size, at least
	                           * CUST_ARCHIVE_EXPANDED_FLOOR, at most
	                           * CUST_ARCHIVE_EXPANDED_MAX */
	uint64_t max_members;     /* CUST_ARCHIVE_MEMBERS */
	unsigned max_seconds;     /* CUST_ARCHIVE_SECONDS */
	cust_archive_problem_fn on_problem;
};

/*
 * Read up to LEN bytes of the member's content into BUF: the count, 0 at
 * its end, -1 (CUST_E_INPUT, naming the member and carrying libarchive's
 * message; or a bomb limit hit) when it cannot be read.  Encrypted
 * members read as an error.  The first CUST_ARCHIVE_REPLAY_MAX bytes read
 * this way are kept so that the member can still be opened as an archive
 * afterwards; a callback that reads further leaves the member unopened
 * (a CUST_ARCHIVE_NOT_OPENED problem): to see the whole content of a big
 * member and have it opened too, use cust_archive_tap instead.  A
 * compressed stream (member.stream) is read by the walk: -1
 * (CUST_E_USAGE), tap it.
 */
ssize_t cust_archive_read(struct cust_archive_reader *r, void *buf,
                          size_t len, struct cust_error *err);

/* Have FN(CTX, ...) see every byte of the member's content (see
 * cust_archive_tap_fn), the bytes the callback already read included, and
 * END(CTX, complete) (may be NULL) once at the end.  A second call
 * replaces the first (whose END is then never called). */
void cust_archive_tap(struct cust_archive_reader *r, cust_archive_tap_fn fn,
                      cust_archive_tap_end_fn end, void *ctx);

/*
 * Walk the members of IN (see the top of this file).  O may be NULL (all
 * defaults).  REPORT, when not NULL, must be a JSON object; it receives
 *   "archive": true/false, "format", "filters" (of the top level),
 *   "members": count at every depth, "expanded": bytes,
 *   "max_depth_seen", "problems": [{"chain", "kind", "message"}] (at
 *   most CUST_ARCHIVE_PROBLEMS_MAX), "complete": false when damage or a
 *   limit left something unread.
 * Returns 1 when IN is an archive or compressed stream (walked, even past
 * damage or bombs: the problems say what was missed), 0 when it is not
 * one (FN never called), -1 when FN failed or on a failure of the
 * system (CUST_E_IO).
 */
int cust_archive_walk(const struct cust_archive_input *in,
                      const struct cust_archive_options *o,
                      cust_archive_member_fn fn, void *ctx, json_t *report,
                      struct cust_error *err);

/* "file", "dir", "symlink", "hardlink", "other". */
const char *cust_archive_type_name(enum cust_archive_type t);

/* "damaged", "bomb-depth", "bomb-expanded", "bomb-members", "bomb-time",
 * "not-opened". */
const char *cust_archive_problem_name(enum cust_archive_problem_kind k);

#endif
