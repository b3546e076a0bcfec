/* lvm.h - LVM2 volume groups, read through libvslvm or custody's own
 * reader of the metadata (lvm_meta.h), for the walk (walk.c); not
 * installed.
 *
 * The walk hands every range it finds (a partition, a whole image, later
 * a volume of another layer) to cust_lvm_add_pv; a range holding an LVM2
 * physical volume label ("LABELONE" in one of its first four 512-byte
 * sectors) is kept.  Once every range of every disk is known, the walk
 * asks for the volume groups one at a time (cust_lvm_next_vg).  Each is
 * read from its first physical volume found, twice: custody parses its
 * label, metadata area and text (lvm_meta.h; a checksum that does not
 * match is a problem, and the metadata is read anyway), and libvslvm
 * opens it.  Then one of two readers reads its logical volumes:
 *
 *  - custody's ("reader": "custody" in the record, "reader_reason" saying
 *    why), when libvslvm refuses the group (its error is the reason: the
 *    libvslvm of Debian 12, 20181227, refuses a striped volume's stripes
 *    list), when the group has more than one physical volume (that
 *    libvslvm cannot open the pool of such a group, and its handle then
 *    crashes when closed) or a segment of more than one stripe.  An offset
 *    of a logical volume goes to its segment, then to its stripe (chunk c
 *    = offset in the segment / stripe_size lies on stripe c mod
 *    stripe_count, at (c / stripe_count) * stripe_size + offset mod
 *    stripe_size of that stripe's area), then to the physical volume's
 *    byte pe_start + extent * extent_size.  A physical volume the
 *    metadata lists but no range holds is a problem naming its UUID, and
 *    reads of its extents are errors: the rest of the volume is read;
 *  - libvslvm's ("reader": "libvslvm"), otherwise: a group of one
 *    physical volume and linear segments, read through
 *    libvslvm_logical_volume_read_buffer_at_offset with a libbfio pool.
 *
 * On both readers, a logical volume that custody's parse finds damaged
 * (lvm_meta.h) or with a segment of a type other than "striped" (thin,
 * thin-pool, raid1, mirror, snapshot, cache... whose data lies in other
 * volumes through maps custody does not read; libvslvm would read them as
 * linear) is not walked: a problem names its type, and its extents are
 * carved with the space outside the volumes.  When custody cannot parse
 * the metadata and libvslvm can, libvslvm reads it and a problem says the
 * types were not checked.  Each volume walked becomes a TSK_IMG_INFO
 * (tsk_img_open_external), to be walked like any image.
 *
 * The metadata is hostile: at most CUST_LVM_PVS_MAX physical volumes,
 * CUST_LVM_LVS_MAX logical volumes per group, CUST_LVM_SEGMENTS_MAX
 * segments and CUST_LVM_STRIPES_MAX stripes each are looked at
 * (lvm_meta.h); names are escaped (anything but LVM2's own characters
 * A-Z a-z 0-9 + _ . - is \xHH) and cut to CUST_LVM_NAME_MAX bytes; a
 * stripe past the end of its physical volume, a stripe on a volume the
 * group does not list or no range holds, a group neither reader can
 * read: each is a problem handed to the NOTE callback, and what can be
 * read is still read.
 *
 * Reads of a logical volume may come from any thread: one mutex per
 * group serialises libvslvm; custody's reader reads the physical volumes'
 * images through tsk_img_read, which locks each image itself.
 */
#ifndef CUSTODY_LVM_H
#define CUSTODY_LVM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tsk/libtsk.h>

#include "custody/error.h"
#include "lvm_meta.h" /* CUST_LVM_PVS_MAX, _LVS_MAX, _SEGMENTS_MAX, ... */

#define CUST_LVM_NAME_MAX 120     /* bytes of an escaped VG, LV, PV name */

/* Problem MESSAGE of the range WHERE ("p1"); the walk records it. */
typedef void (*cust_lvm_note_fn)(void *ctx, const char *where,
                                 const char *message);

struct cust_lvm;    /* the physical volumes found, across disks */
struct cust_lvm_vg; /* one volume group, open */

struct cust_lvm *cust_lvm_new(cust_lvm_note_fn note, void *ctx,
                              struct cust_error *err);
/* Free L (NULL is fine); its groups must be closed first. */
void cust_lvm_free(struct cust_lvm *l);

/*
 * Whether the LEN bytes at OFF of IMG (a partition, or a whole image)
 * hold an LVM2 physical volume: 1 when they do, and it is kept as the
 * range named WHERE (copied); 0 when not (or when CUST_LVM_PVS_MAX are
 * kept already: a problem); -1 only on a failure of the system (ERR).
 * IMG must outlive L.  JP, when not NULL, is the walk's report object of
 * the range: it receives "layer": "lvm" (unless it names a layer already:
 * an md array holding a PV stays "md") and "physical_volume" {"uuid",
 * "offset", "size", "data_offset"} now, and the group's name and the
 * volume's name in it once its group is opened (JP is held, not copied).
 */
int cust_lvm_add_pv(struct cust_lvm *l, TSK_IMG_INFO *img, uint64_t off,
                    uint64_t len, const char *where, json_t *jp,
                    struct cust_error *err);

/*
 * Open the group of the first physical volume kept whose group is not
 * opened yet: 1 (*VG, the caller's until cust_lvm_vg_close), 0 when none
 * is left, -1 only on a failure of the system.  A group neither reader
 * can read is a problem; its physical volumes are then in
 * cust_lvm_unread.
 */
int cust_lvm_next_vg(struct cust_lvm *l, struct cust_lvm_vg **vg,
                     struct cust_error *err);

/* The physical volume ranges kept whose group could not be opened, one
 * by one: 1 with *IMG, *OFF, *LEN and *WHERE (borrowed) of the K-th; 0
 * past the last. */
int cust_lvm_unread(struct cust_lvm *l, size_t k, TSK_IMG_INFO **img,
                    uint64_t *off, uint64_t *len, const char **where);

/* The number of logical volumes of VG walked (at most CUST_LVM_LVS_MAX). */
size_t cust_lvm_vg_count(const struct cust_lvm_vg *vg);

/*
 * Logical volume K of VG as an image: 1 with *IMG (the caller's: close it
 * with tsk_img_close before cust_lvm_vg_close), NAME ("WHERE/lvm:VG/LV",
 * WHERE the range the group was opened from) and *LAYER, a new object
 * {"layer": "lvm", "volume_group": {"name", "uuid", "extent_size",
 * "sequence", "reader", "reader_reason" (custody's reader only),
 * "metadata_checksums_ok" (when custody parsed the metadata)},
 * "logical_volume": {"name", "uuid", "size", "segments": [{"offset",
 * "size", "stripes", and from custody's reader "type" and, with more
 * than one stripe, "stripe_size"}]}, "physical_volume": {"name", "uuid",
 * "offset", "size"}} (the physical volume the group was opened from;
 * "offset" is its range's offset in its image); 0 when the volume is not
 * walked (a problem: it cannot be read, its metadata is damaged, or a
 * segment is of a type other than striped); -1 on a failure of the
 * system.
 */
int cust_lvm_vg_volume(struct cust_lvm_vg *vg, size_t k, TSK_IMG_INFO **img,
                       char *name, size_t namesz, json_t **layer,
                       struct cust_error *err);

/*
 * The bytes of VG's physical volumes that no logical volume walked holds
 * (the label, the metadata area, the free extents, the extents of a
 * volume not walked), range by range in the
 * order of the physical volumes and of their offsets: 1 with the K-th
 * (*IMG, *OFF: the image and offset where they lie, *LEN, *WHERE: the
 * range's name, borrowed), 0 past the last.
 */
int cust_lvm_vg_unassigned(struct cust_lvm_vg *vg, size_t k,
                           TSK_IMG_INFO **img, uint64_t *off, uint64_t *len,
                           const char **where);

/*
 * Where byte OFF of the logical volume IMG (an image cust_lvm_vg_volume
 * made, still open) lies, at most *LEN bytes from it: 1 with *PIMG and
 * *POFF (the image of the physical volume's range and the offset in it:
 * a disk's image, or an md array's) and *LEN cut to the bytes that
 * follow on there (to the end of the segment, or of the stripe's chunk);
 * 0 when no range holds it (a physical volume not found, or past the
 * end of its range), *LEN cut to its bytes; -1 when the place cannot be
 * computed (custody could not read the group's metadata; libvslvm reads
 * it its own way) or OFF lies past the volume.  Reads nothing.
 */
int cust_lvm_place(TSK_IMG_INFO *img, uint64_t off, TSK_IMG_INFO **pimg,
                   uint64_t *poff, uint64_t *len);

/* Close VG (NULL is fine); its volumes' images must be closed first. */
void cust_lvm_vg_close(struct cust_lvm_vg *vg);

#endif
