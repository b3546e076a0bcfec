/*
 * mdraid.h - Linux md RAID members and arrays, read without the md driver.
 *
 * A seized server's disks are often members of md arrays: no file system
 * is found on one alone.  This module recognises a member by its md
 * superblock and reads the array the members make, through callbacks that
 * read the members (the caller does every read: the module does no I/O of
 * its own and keeps no global state).
 *
 * Superblocks (as the kernel's md_p.h defines them, magic 0xa92b4efc):
 *
 *   0.90  4 KiB at the last 64 KiB-aligned 64 KiB block of the device,
 *         (size & ~65535) - 65536; in the byte order of the host that
 *         wrote it (both orders are read; "0.90" either way, the reason or
 *         note says "big-endian").  Data from byte 0: for RAID1/4/5/6/10
 *         its length is the superblock's size field, for linear and RAID0
 *         all bytes before the superblock.  Version 0.91 (a reshape under
 *         way) is refused.
 *   1.0   at sector ((size >> 9) - 16) & ~7, near the end; 1.1 at 0; 1.2
 *         at 4 KiB.  Little-endian.  data_offset and data_size (sectors)
 *         are the member's own.
 *
 * cust_md_probe looks at the four places and keeps the superblock that
 * passes every check (when several do, the one created last, as mdadm
 * does); it says how many carried the magic.  Checks, each failure a
 * reason in the member (valid 0), never a crash:
 *
 *   - the checksum: 0.90, the 1024 words summed in 64 bits with sb_csum
 *     taken as 0, the carry folded in once; 1.x the same over the
 *     256 + 2 * max_dev bytes (max_dev at most 1920: 4 KiB in all);
 *   - major/minor version; for 1.x the superblock's own super_offset;
 *     no feature bit unknown to md; no reshape in progress;
 *   - level linear, 0, 1, 4, 5, 6 or 10 (multipath and faulty are
 *     refused); raid_disks 1 .. CUST_MD_DISKS_MAX (0.90: at most 27), at
 *     least 2 for RAID4/5/10 and 4 for RAID6; a layout md knows for the
 *     level; the chunk a power of two of CUST_MD_CHUNK_MIN ..
 *     CUST_MD_CHUNK_MAX bytes (linear: also 0; RAID1: not used);
 *   - the member's role inside 0 .. raid_disks-1, or spare, faulty, or
 *     journal; the data area inside the device and clear of the
 *     superblock; the size the array uses of each member (RAID1/4/5/6/10)
 *     inside the data area, and of at least one chunk.
 *
 * Features read past, not refused: the write-intent bitmap and the bad
 * block log are ignored (a region the bitmap marks dirty, or a sector the
 * log marks bad, is read as it is); the RAID5 write journal and the
 * partial parity log are ignored (writes held only there are not
 * replayed; the journal device is a member of role "journal" and is not
 * used); clustered md is read as any array.  A member still being
 * recovered (1.x recovery offset) or being replaced (replacement flag) is
 * valid but not in sync: it is not used for data.
 *
 * Assembly (cust_md_array_new): the members given, in any order, are
 * matched by array UUID and role, never by their order.  Members of other
 * arrays, stale members (fewer events than the freshest), spares, faulty
 * and journal devices, and members not in sync are listed as unused with
 * the reason; two members claiming one role, or fresh members disagreeing
 * on the geometry, fail.  The array's geometry is the freshest members'.
 * Levels read:
 *
 *   linear  members in role order, each rounded down to the chunk when
 *           there is one;
 *   RAID0   one zone only: members whose sizes (rounded down to the chunk)
 *           differ make several zones, which are refused;
 *   RAID1   from the member of the lowest role present, the next one when
 *           a read fails;
 *   RAID4   parity on the last member;
 *   RAID5   left-asymmetric (0), right-asymmetric (1), left-symmetric (2,
 *           mdadm's default), right-symmetric (3), parity-first (4),
 *           parity-last (5);
 *   RAID6   the same six with Q beside P, the DDF rotations
 *           (ddf-zero-restart 8, ddf-N-restart 9, ddf-N-continue 10) and
 *           the -6 layouts (16 .. 20: a RAID5 layout on the first members,
 *           Q on the last).  Q is md's syndrome over GF(2^8)
 *           (x^8+x^4+x^3+x^2+1, generator 2);
 *   RAID10  near, far and offset copies, and their combinations, with
 *           md's far sets (layout versions 0, 1 and 2).
 *
 * A RAID4/5 array may miss one role, a RAID6 two (any two: data, P, Q;
 * two data roles are solved from P and Q), a RAID1 all but one, a RAID10
 * any roles that leave a copy of every chunk; the missing data is rebuilt
 * from the others as it is read, and the array says it is degraded and
 * which roles were rebuilt.  More missing than that is an error naming
 * the missing roles.  Parity is never checked against the data (a read
 * of a complete array reads only data chunks).  Not supported: reshapes
 * in progress, multi-zone RAID0, external metadata (Intel IMSM, DDF
 * containers), RAID5/6 layouts of a reshape's "previous" geometry.
 */
#ifndef CUSTODY_MDRAID_H
#define CUSTODY_MDRAID_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "custody/error.h"

#define CUST_MD_DISKS_MAX 256u          /* raid_disks of an array */
#define CUST_MD_MEMBERS_MAX 1024u       /* members given to one assembly */
#define CUST_MD_CHUNK_MIN 4096u         /* bytes */
#define CUST_MD_CHUNK_MAX (256u << 20)  /* bytes */
#define CUST_MD_SB_BYTES 4096u          /* bytes read at each place */

#define CUST_MD_REASON_MAX 256
#define CUST_MD_NAME_MAX (32 * 4 + 1)   /* 32 bytes, each perhaps \xHH */
#define CUST_MD_UUID_STR 36             /* 8:8:8:8 hex digits and NUL */
#define CUST_MD_SOURCE_MAX 512

/* The level field of a superblock. */
#define CUST_MD_LINEAR (-1)

/* Roles that are not a slot of the array. */
#define CUST_MD_ROLE_SPARE (-1)
#define CUST_MD_ROLE_FAULTY (-2)
#define CUST_MD_ROLE_JOURNAL (-3)

/*
 * Read exactly LEN bytes at byte OFF of a member device into BUF: 0, or
 * -1 with ERR set (a read past the device's end is a failure).  LEN is
 * never 0 and at most CUST_MD_SB_BYTES for a probe, at most a chunk or
 * the length asked of cust_md_array_read during assembly reads.
 */
typedef int (*cust_md_read_fn)(void *ctx, uint64_t off, void *buf,
                               size_t len, struct cust_error *err);

/* One member device, as cust_md_probe found it. */
struct cust_md_member {
	int found;        /* a superblock with md's magic is there */
	int valid;        /* it passed every check; else REASON says why */
	char reason[CUST_MD_REASON_MAX]; /* "" when valid */
	char note[CUST_MD_REASON_MAX];   /* what is valid but worth saying
	                                    ("big-endian", "recovering", other
	                                    superblocks found), or "" */
	unsigned superblocks; /* places where md's magic was found (0 .. 4) */

	char version[8];  /* "0.90", "1.0", "1.1", "1.2" */
	uint64_t sb_offset;                /* bytes */
	unsigned char uuid[16];            /* the array's UUID */
	char uuid_str[CUST_MD_UUID_STR];   /* as mdadm prints it */
	char name[CUST_MD_NAME_MAX];       /* 1.x set_name ("host:name"),
	                                      bytes outside printable ASCII and
	                                      '\\' written \xHH; 0.90: "" */
	int level;        /* CUST_MD_LINEAR, 0, 1, 4, 5, 6, 10 */
	uint32_t layout;  /* md's layout number (raid5.h, raid10) */
	uint32_t chunk_size;  /* bytes; 0 when the level has none */
	uint32_t raid_disks;
	int role;         /* slot 0 .. raid_disks-1, or CUST_MD_ROLE_* */
	int in_sync;      /* the slot's data is whole (not recovering, not a
	                     replacement, not spare or faulty) */
	uint64_t data_offset; /* bytes from the device's start */
	uint64_t data_size;   /* bytes of data area on this member */
	uint64_t used_size;   /* bytes of it each member gives the array
	                         (RAID1/4/5/6/10); 0 for linear and RAID0 */
	uint64_t array_size;  /* bytes, as this superblock alone gives it;
	                         0 for linear and RAID0 (all members needed) */
	uint64_t events;
	int64_t ctime, utime; /* seconds since the epoch */
	uint32_t feature_map; /* 1.x; 0 for 0.90 */
	uint64_t dev_size;    /* as given to the probe */

	/* Set by the probe, used by the assembly to read this member. */
	cust_md_read_fn read;
	void *ctx;
	/* The caller's name for the device (an image path, a partition),
	 * for messages and the record; the probe leaves it "". */
	char source[CUST_MD_SOURCE_MAX];
};

/*
 * Look for an md superblock on the device of DEV_SIZE bytes that READ
 * reads (with CTX).  0 with OUT filled: OUT->found 0 when there is none,
 * OUT->valid 0 with OUT->reason when there is one that fails a check.
 * -1 only when READ fails (ERR holds its error, prefixed with the place).
 */
int cust_md_probe(cust_md_read_fn read, void *ctx, uint64_t dev_size,
                  struct cust_md_member *out, struct cust_error *err);

/* "linear", "raid0", "raid1", "raid4", "raid5", "raid6", "raid10", or
 * NULL for another level. */
const char *cust_md_level_name(int level);

/*
 * The layout as mdadm names it into BUF of CAP bytes ("left-symmetric",
 * "ddf-N-restart", "near=2", "far=2", "offset=2", "near=2, far=2"); NULL
 * for levels without a layout (linear, RAID0, RAID1, RAID4), for a number
 * md does not know, or when CAP is too small (32 bytes are enough).
 */
const char *cust_md_layout_name(int level, uint32_t layout, char *buf,
                                size_t cap);

struct cust_md_array;

/*
 * Assemble the array of UUID (16 bytes) from the N members (at most
 * CUST_MD_MEMBERS_MAX; they are copied, the caller may free them), in any
 * order.  UUID NULL: the UUID of the valid members, which must then all
 * be of one array.  Fails (NULL, CUST_E_INPUT) when no valid member is of
 * the array, when members of several arrays are given without UUID, when
 * two members claim one role, when fresh members disagree on the
 * geometry, when more roles are missing than the level tolerates (the
 * message names them), or for a multi-zone RAID0.  The read callbacks of
 * the members used must stay usable until cust_md_array_free.
 */
struct cust_md_array *cust_md_array_new(const struct cust_md_member *members,
                                        size_t n, const unsigned char *uuid,
                                        struct cust_error *err);

/* Release A; NULL is accepted. */
void cust_md_array_free(struct cust_md_array *a);

/* The assembled volume's size in bytes (0 for NULL). */
uint64_t cust_md_array_size(const struct cust_md_array *a);

/* Whether roles are missing (their data rebuilt or read from copies). */
int cust_md_array_degraded(const struct cust_md_array *a);

/*
 * Read LEN bytes of the assembled volume at OFFSET into BUF, through the
 * members' read callbacks (chunk by chunk; missing data rebuilt from
 * parity or read from another copy).  OFFSET + LEN past the size is a
 * usage error; a member's read failure fails the read (ERR names the role
 * and source), except for RAID1, which tries the other members first.
 * Not thread-safe on one array (it has scratch buffers): one reader at a
 * time.
 */
int cust_md_array_read(struct cust_md_array *a, uint64_t offset, void *buf,
                       size_t len, struct cust_error *err);

/*
 * Where byte OFFSET of the assembled volume lies: 1 with *CTX the read
 * callback's context of the member holding it (as given in its
 * cust_md_member), *DEV_OFF the byte of that member (its data offset
 * included) and *LEN the bytes from there that follow it on the
 * same member (to the end of the chunk; RAID1 and linear: of the
 * member's data); the member is the one cust_md_array_read reads first
 * (RAID1: the lowest role present; RAID10: the first copy present).
 * 0 when no member holds it: a data chunk of a missing role, rebuilt
 * from parity as it is read (RAID4/5/6), *LEN bytes of it.  Parity
 * chunks hold no byte of the volume and are never a place.  -1 for an
 * OFFSET past the volume.  Reads nothing; safe beside a read.
 */
int cust_md_array_place(const struct cust_md_array *a, uint64_t offset,
                        void **ctx, uint64_t *dev_off, uint64_t *len);

/*
 * The array's identity for the record, a new object:
 *   {"uuid", "name", "metadata", "level", "layout" (null when none),
 *    "chunk_size" (bytes, 0 when none), "raid_disks", "size" (bytes),
 *    "events",
 *    "members": [{"role", "present", "source" (null when absent or not
 *                 named; bytes of a name that is not UTF-8 written \xHH),
 *                 "data_offset" (bytes, null when absent)}] one per role in
 *               role order,
 *    "degraded", "missing_roles": [...], "rebuilt_roles": [...] (the
 *    missing roles whose data is rebuilt from parity: RAID4/5/6),
 *    "unused": [{"source", "reason"}] (members given but not used)}.
 * NULL with ERR set when out of memory.
 */
json_t *cust_md_array_json(const struct cust_md_array *a,
                           struct cust_error *err);

#endif
