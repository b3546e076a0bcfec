/*
 * dfxml.h - an extraction's inventory as Digital Forensics XML.
 *
 * Examiners' DFXML tools read what fiwalk writes, so the file uses
 * fiwalk's element names in the order the DFXML schema (2.0.0-beta.0,
 * dfxml.xsd) requires, and validates against that schema:
 *
 *   <dfxml version=...>            DFXML namespace, dc/xsi declared
 *     <metadata> <dc:type>Disk Image</dc:type> </metadata>
 *     <creator> program, version, execution_environment (command_line,
 *               start_time) </creator>
 *     <source> <image_filename>...</image_filename> </source>
 *     <volume offset=N> partition_offset, sector_size, ftype, ftype_str,
 *       (a volume of a layer, "pN/lvm:VG/LV", has custody:name,
 *       custody:layer, custody:volume_group and _uuid, custody:logical_volume
 *       and _uuid, custody:physical_volume and _uuid attributes; its
 *       fileobjects' <partition> is N; its offset and partition_offset
 *       are its record's "image_offset", where it is one window of one
 *       image, custody:image_disk naming that disk with several: a volume
 *       spread over chunks, stripes, segments or disks has none, as no
 *       one offset says where it lies),
 *       <fileobject> filename, error, partition, id, name_type, filesize,
 *         alloc_inode, alloc_name, used, orphan, inode, meta_type, mode,
 *         uid, gid, mtime, ctime, atime, crtime, link_target, libmagic,
 *         byte_runs/byte_run (file_offset, fs_offset, img_offset, len,
 *         fill='0' for a hole; as fiwalk's, runs stop at the file size;
 *         custody:disk='dK' with several disks; a run in no image, rebuilt
 *         from parity or on a missing physical volume, has fs_offset and
 *         custody:no_image and no img_offset: walk.h, "Runs through the
 *         layers"),
 *         hashdigest type='md5' and 'sha256',
 *         then custody's own facts in the namespace urn:custody:dfxml
 *         (content, path_truncated, runs_truncated, read_short)
 *       </fileobject> ...
 *       custody:fs_uuid, custody:fs_label (a file system custody reads
 *       the identity of: XFS)
 *     </volume> ...
 *   </dfxml>
 *
 * fiwalk's xmloutputversion attribute and its byte_runs facet attribute
 * are left out: the schema refuses both.
 *
 * The input is hostile (an inventory line may have been edited): every
 * field is checked for type and range, a line of the wrong shape is an
 * input error naming the field, and the output is always well-formed:
 * &, <, > and quotes are escaped, and characters XML 1.0 does not allow
 * (control characters other than tab, LF and CR, U+FFFE, U+FFFF, invalid
 * UTF-8 such as lone surrogates) are written as \xHH of their bytes, the
 * form the inventory already uses.  Tab, LF and CR are written as
 * character references so readers get them back unchanged.
 *
 * Same inventory and record, same bytes: nothing comes from the machine
 * that converts.  The run facts (command line, start time of the
 * extraction) are in <creator> only and CUST_DFXML_NO_RUN_FACTS leaves
 * them out, so two extractions of one image give identical files.
 */
#ifndef CUSTODY_DFXML_H
#define CUSTODY_DFXML_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

#define CUST_DFXML_FILE "inventory.dfxml"
/* The DFXML schema version the output validates against. */
#define CUST_DFXML_VERSION "2.0.0-beta.0"
/* custody's facts that DFXML has no element for live in this namespace. */
#define CUST_DFXML_CUSTODY_NS "urn:custody:dfxml"

/* Longest inventory line read (1024 runs and a 4095-character path,
 * escaped, fit many times over). */
#define CUST_DFXML_LINE_MAX ((size_t)1 << 20)
/* Image files and partitions taken from the record. */
#define CUST_DFXML_IMAGES_MAX 1000
#define CUST_DFXML_PARTS_MAX 1024
/* Runs of one entry (the inventory schema's maxItems). */
#define CUST_DFXML_RUNS_MAX 1024

/* Flags of cust_dfxml_open and cust_dfxml_convert. */
#define CUST_DFXML_NO_RUN_FACTS 1u /* no command line, no start time */

struct cust_dfxml;

/*
 * Start the DFXML file PATH (created new, never replacing a file; mode
 * 0444 like every file of a unit) with the facts of RECORD: an extraction
 * record (extraction.json, see evidence-schema/extraction.schema.json),
 * of which it reads tool.name, tool.version, command_line, started,
 * walk.container (segments, sector_size), source.files[].path and
 * walk.partitions (name, offset, fs_type).  Members that are absent are
 * left out of the XML; RECORD may be NULL.  Partitions not in the record
 * get a <volume> without offsets.  RECORD is only read during the call.
 * Returns the writer (free with cust_dfxml_close or cust_dfxml_abort), or
 * NULL.
 */
struct cust_dfxml *cust_dfxml_open(const char *path, const json_t *record,
                                   unsigned flags, struct cust_error *err);

/*
 * Add one entry: ENTRY is one inventory line (the json_t lib/extract.c
 * writes to inventory.jsonl, evidence-schema/inventory.schema.json).
 * Entries of one partition go into one <volume>; a new partition name
 * closes the volume and opens the next.  Members not listed in the schema
 * are ignored.  An entry of the wrong shape is an input error naming the
 * member ("inventory entry 7: 'size' is not a non-negative integer"); the
 * writer stays usable (nothing of the bad entry was written) but the
 * caller decides whether to go on.
 */
int cust_dfxml_add(struct cust_dfxml *w, const json_t *entry,
                   struct cust_error *err);

/*
 * Finish the document, flush, fsync and close.  The writer is freed
 * whatever the outcome; on failure the file is removed, so no partial
 * DFXML is left behind.  Accepts NULL (returns 0).
 */
int cust_dfxml_close(struct cust_dfxml *w, struct cust_error *err);

/* Give up: close and remove the file, free the writer.  Accepts NULL. */
void cust_dfxml_abort(struct cust_dfxml *w);

/*
 * Written during a walk, before the record exists: cust_dfxml_begin
 * starts a writer whose volumes and fileobjects go to PATH.body (created
 * new, mode 0444); cust_dfxml_add adds entries as above, in order, from
 * one thread at a time; cust_dfxml_finish writes PATH itself (created
 * new): the prolog and header from RECORD and FLAGS as cust_dfxml_open
 * would, then the body, then the end; the body is removed.  The output
 * is the one cust_dfxml_open and cust_dfxml_add would write from the
 * finished record, byte for byte.  cust_dfxml_abort removes the body
 * (PATH does not exist before cust_dfxml_finish).  cust_dfxml_finish
 * frees the writer whatever the outcome; on failure nothing is left.
 */
struct cust_dfxml *cust_dfxml_begin(const char *path, struct cust_error *err);

/*
 * Declare partition NAME of the walk, at image offset OFFSET in an image
 * of SECTOR_SIZE-byte sectors, before any entry of it is added: what the
 * record's walk.partitions and walk.container.sector_size will say;
 * LAYER, when not NULL, is the identity of a volume of a layer (the
 * entry's cust_walk_entry.layer: "layer", "volume_group", ...), copied.
 * May be called from another thread than the one adding entries.
 */
int cust_dfxml_partition(struct cust_dfxml *w, const char *name,
                         uint64_t offset, uint32_t sector_size,
                         const json_t *layer, struct cust_error *err);

/*
 * The identity of the file system of partition NAME, declared before:
 * its UUID and label (either may be NULL), as the record's
 * walk.partitions[].fs_uuid and fs_label will say; written at the end of
 * its <volume> as <custody:fs_uuid> and <custody:fs_label>.  Same
 * threads as above.
 */
int cust_dfxml_partition_id(struct cust_dfxml *w, const char *name,
                            const char *uuid, const char *label,
                            struct cust_error *err);

int cust_dfxml_finish(struct cust_dfxml *w, const json_t *record,
                      unsigned flags, struct cust_error *err);

/*
 * Convert the extraction unit UNIT_DIR: read UNIT_DIR/extraction.json and
 * UNIT_DIR/inventory.jsonl (lines of at most CUST_DFXML_LINE_MAX bytes)
 * and write OUT, or UNIT_DIR/inventory.dfxml when OUT is NULL.  Any bad
 * line is an input error naming the file and line; nothing is left at
 * OUT then.
 */
int cust_dfxml_convert(const char *unit_dir, const char *out, unsigned flags,
                       struct cust_error *err);

#endif
