/* lvm_meta.h - what LVM2 writes on a physical volume, parsed: bytes in,
 * structures out, no I/O (lvm.c does the reading); not installed.
 *
 * Three pieces, read in this order:
 *
 *  - the label (cust_lvm_meta_label): in one of the first four 512-byte
 *    sectors, "LABELONE", the sector's own number, a CRC-32 of the rest
 *    of the sector, the offset of the pv_header, "LVM2 001"; then the
 *    pv_header: the PV's UUID (32 characters), the device size in bytes,
 *    a list of data areas {offset, size} ended by a pair of zeros (the
 *    first is where the extents start), a list of metadata areas the same
 *    way;
 *  - the header of a metadata area (cust_lvm_meta_area): its first 512
 *    bytes: a CRC-32 of the other 508, the magic " LVM2 x[5A%r0N*>",
 *    version 1, the area's start (bytes, on the device) and size, then
 *    raw_locn entries {offset, size, checksum, flags} ended by zeros, the
 *    first one the current metadata text: OFFSET bytes into the area, SIZE
 *    bytes long, a circular buffer (what runs past the area's end goes on
 *    512 bytes into it, after the header), CHECKSUM the CRC-32 of the text;
 *  - the text (cust_lvm_meta_parse): LVM2's configuration syntax:
 *    `name { ... }` sections, `key = value` with a value a "string" (a
 *    backslash escapes the next byte), an integer, or a list [ v, v ... ];
 *    `#` comments to the end of the line.  One section at the top is the
 *    volume group: id, seqno, extent_size (in 512-byte sectors), a section
 *    physical_volumes of sections (id, device, dev_size, pe_start,
 *    pe_count) and a section logical_volumes of sections (id, status,
 *    segment sections: start_extent, extent_count, type; for "striped",
 *    stripe_count, stripe_size (sectors) and stripes = [ "pv0", 0, ... ],
 *    pairs of a physical volume's name and its first extent).  A linear
 *    volume is "striped" with stripe_count 1.  Other types (thin, raid*,
 *    mirror, snapshot, cache, ...) are kept with their type only: their
 *    data lies in other volumes, through maps custody does not read.
 *
 * LVM2's checksum is CRC-32 (the reflected polynomial 0xedb88320) started
 * from 0xf597a6cf and not inverted at either end (cust_lvm_meta_crc).  A
 * checksum that does not match is not a refusal: the label, header or
 * text is still parsed, and crc_ok says 0 so that the caller can say so.
 * Examiners read damaged evidence; they must be told it is damaged.
 *
 * Everything is bounded: a text of at most CUST_LVM_META_TEXT_MAX bytes,
 * sections nested at most CUST_LVM_META_DEPTH_MAX deep, at most
 * CUST_LVM_META_ITEMS_MAX keys, values and list items, names of at most
 * CUST_LVM_META_NAME_MAX bytes, CUST_LVM_PVS_MAX physical volumes (more is
 * a refusal: stripes could not be placed), the first CUST_LVM_LVS_MAX
 * logical volumes (lvs_total says how many there were),
 * CUST_LVM_SEGMENTS_MAX segments of CUST_LVM_STRIPES_MAX stripes a volume
 * (more: that volume's damage).  Damage of the whole (a syntax error, no
 * volume group, no extent size, a physical volume without a UUID) is a
 * refusal with a reason in ERR (CUST_E_INPUT, the line named); damage of
 * one logical volume (a stripes list shorter than stripe_count, a stripe
 * on a physical volume the group does not list, segments that overlap or
 * leave a gap) is written in its DAMAGE and the others are kept.
 */
#ifndef CUSTODY_LVM_META_H
#define CUSTODY_LVM_META_H

#include <stddef.h>
#include <stdint.h>

#include "custody/error.h"

#define CUST_LVM_PVS_MAX 64        /* physical volumes of a group */
#define CUST_LVM_LVS_MAX 256       /* logical volumes of a group kept */
#define CUST_LVM_SEGMENTS_MAX 1024 /* segments of a volume */
#define CUST_LVM_STRIPES_MAX 64    /* stripes of a segment */

#define CUST_LVM_META_TEXT_MAX (4u << 20) /* bytes of metadata text */
#define CUST_LVM_META_DEPTH_MAX 16        /* nested sections */
#define CUST_LVM_META_ITEMS_MAX 262144    /* keys, values, list items */
#define CUST_LVM_META_NAME_MAX 127        /* bytes of a name or UUID */
#define CUST_LVM_META_TYPE_MAX 31         /* bytes of a segment type */
#define CUST_LVM_META_HEADER 512          /* a metadata area's header */
#define CUST_LVM_META_LABEL_SCAN 2048     /* the label's four sectors */
#define CUST_LVM_META_CRC_INIT 0xf597a6cfu

/* LVM2's CRC-32 of LEN bytes of BUF, going on from CRC (start with
 * CUST_LVM_META_CRC_INIT; a text in two pieces: the second from the
 * first's result). */
uint32_t cust_lvm_meta_crc(uint32_t crc, const void *buf, size_t len);

struct cust_lvm_meta_label {
	unsigned sector;        /* 0-3: where it was found */
	int crc_ok;             /* the label sector's checksum matches */
	char uuid[39];          /* as LVM2 prints it: 6-4-4-4-4-4-6 */
	uint64_t dev_size;      /* bytes, as the label says */
	uint64_t data_off;      /* the first data area: the first extent */
	uint64_t data_size;     /* 0: to the end of the device */
	size_t nmdas;           /* metadata areas listed (at most 2 kept) */
	uint64_t mda_off[2], mda_size[2]; /* bytes from the PV's start */
};

/*
 * The label of a physical volume in the LEN bytes of BUF (its first bytes,
 * CUST_LVM_META_LABEL_SCAN of them to see all four sectors): 0 with *LAB;
 * -1 when there is no label or it cannot be read (ERR says why).
 */
int cust_lvm_meta_label(const unsigned char *buf, size_t len,
                        struct cust_lvm_meta_label *lab,
                        struct cust_error *err);

struct cust_lvm_meta_area {
	int crc_ok;             /* the header's checksum matches */
	uint64_t start;         /* the area's start on the device, as said */
	uint64_t size;          /* the area's size, as said */
	uint64_t text_off, text_size; /* the current text, in the area */
	uint32_t text_crc;      /* its checksum, as said */
	/* where the text lies, in bytes from the area's start: one piece, or
	 * two when it wraps (the second at CUST_LVM_META_HEADER) */
	uint64_t piece_off[2], piece_len[2];
};

/*
 * The header of a metadata area of AREA_SIZE bytes (as the label lists
 * it) in the LEN bytes of HDR (at least CUST_LVM_META_HEADER): 0 with *A;
 * -1 when it is not a metadata area header, holds no current text, or
 * places it outside the area or makes it larger than
 * CUST_LVM_META_TEXT_MAX (ERR says why).
 */
int cust_lvm_meta_area(const unsigned char *hdr, size_t len,
                       uint64_t area_size, struct cust_lvm_meta_area *a,
                       struct cust_error *err);

struct cust_lvm_meta_pv {
	char name[CUST_LVM_META_NAME_MAX + 1];   /* "pv0": its key */
	char uuid[CUST_LVM_META_NAME_MAX + 1];
	char device[CUST_LVM_META_NAME_MAX + 1]; /* a hint, cut; may be "" */
	uint64_t dev_size;  /* bytes (0: not said) */
	uint64_t pe_start;  /* bytes from the PV's start to extent 0 */
	uint64_t pe_count;
};

struct cust_lvm_meta_stripe {
	size_t pv;             /* index in the group's pvs */
	uint64_t start_extent; /* on that physical volume */
};

struct cust_lvm_meta_segment {
	uint64_t start_extent, extent_count; /* in the logical volume */
	char type[CUST_LVM_META_TYPE_MAX + 1];
	int striped;           /* type is "striped": custody can read it */
	uint32_t stripe_count; /* striped: 1 (linear) .. CUST_LVM_STRIPES_MAX */
	uint64_t stripe_size;  /* striped: bytes of a chunk (0 when 1 stripe) */
	size_t nstripes;       /* striped: stripe_count */
	struct cust_lvm_meta_stripe *stripes;
};

struct cust_lvm_meta_lv {
	char name[CUST_LVM_META_NAME_MAX + 1];
	char uuid[CUST_LVM_META_NAME_MAX + 1];
	int visible;           /* "VISIBLE" in its status */
	char damage[256];      /* why it cannot be read; "" when it can */
	uint64_t extents;      /* the sum of its segments' extent_count */
	size_t nsegs;          /* in the order of their start_extent */
	struct cust_lvm_meta_segment *segs;
};

struct cust_lvm_meta {
	char vg_name[CUST_LVM_META_NAME_MAX + 1];
	char vg_uuid[CUST_LVM_META_NAME_MAX + 1];
	uint64_t seqno;
	uint64_t extent_size;  /* bytes */
	size_t npvs;
	struct cust_lvm_meta_pv pvs[CUST_LVM_PVS_MAX];
	size_t nlvs, lvs_total; /* kept (<= CUST_LVM_LVS_MAX), and listed */
	struct cust_lvm_meta_lv *lvs;
};

/*
 * Parse the metadata text of LEN bytes at TEXT (it may end with NULs, as
 * LVM2 writes it; a NUL ends it): 0 with *OUT, the caller's to free with
 * cust_lvm_meta_free; -1 when it is refused (ERR: CUST_E_INPUT and why, or
 * CUST_E_IO when memory runs out).
 */
int cust_lvm_meta_parse(const char *text, size_t len,
                        struct cust_lvm_meta **out, struct cust_error *err);

/* Free M (NULL is fine). */
void cust_lvm_meta_free(struct cust_lvm_meta *m);

#endif
