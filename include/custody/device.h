/*
 * device.h - what a source device is, and whether it is safe to image.
 *
 * Identity as it goes into the acquisition record, for block devices
 * (ioctls and sysfs), regular files (an image handed over by a provider)
 * and streams (standard input, a pipe, a character device):
 *
 *   {"path", "kind": "block"|"file"|"stream",
 *    "size", "logical_sector_size", "physical_sector_size",
 *    "read_only": true|false,           BLKROGET, block devices only
 *    "vendor", "model", "serial", "wwid", "transport", "device": "MAJ:MIN",
 *    "backing_file",                    loop devices only
 *    "ata": {"model", "serial", "firmware"},  the drive's own IDENTIFY
 *    "hpa": {"checked": true, "supported": true, "native_max_sectors",
 *            "current_max_sectors", "hidden_sectors"}
 *         | {"checked": true, "supported": false, "hidden_sectors": 0}
 *         | {"checked": false, "reason": "..."},
 *    "dco": {"checked": true, "supported": true, "dco_max_sectors",
 *            "native_max_sectors", "hidden_sectors"}
 *         | {"checked": true, "supported": false, "hidden_sectors": 0}
 *         | {"checked": false, "reason": "..."}}
 *
 * Block devices: vendor, model, serial and wwid come from sysfs (of the
 * whole disk when PATH is a partition), trimmed, at most 256 bytes, bytes
 * outside printable ASCII shown as '?'; serial is the device's serial
 * attribute (NVMe, MMC, virtio) or SCSI VPD page 0x80 (SCSI, SATA, most
 * USB bridges).  transport is one of "nvme", "usb", "sata", "ata", "mmc",
 * "iscsi", "scsi", "virtio", "loop", "device-mapper", "md", "nbd".
 * "ata" holds what the drive itself answers to IDENTIFY DEVICE through
 * ATA pass-through (behind a USB bridge, sysfs names the bridge; this
 * names the drive).
 *
 * "hpa" and "dco" are always there for block devices.  They are read with
 * read-only ATA commands only (IDENTIFY DEVICE, READ NATIVE MAX ADDRESS
 * (EXT) or GET NATIVE MAX ADDRESS EXT, DEVICE CONFIGURATION IDENTIFY),
 * never SET MAX or a DCO SET/RESTORE, each bounded to 5 seconds.  Counts
 * are in sectors: hidden_sectors is native_max_sectors -
 * current_max_sectors for the HPA, dco_max_sectors - native_max_sectors
 * for the DCO.  "supported": false means the drive lacks the feature set,
 * so nothing can be hidden by it.  When the device does not answer (loop,
 * virtio, NVMe, a SCSI disk, a bridge without SAT) "checked" is false and
 * "reason" says why, e.g. "device does not support ATA pass-through
 * (SG_IO: Invalid argument)" or "NVMe has no HPA/DCO".
 *
 * Regular files: "size", and "logical_sector_size": 512, which is no
 * property of the file but the unit in which the error map of a file
 * source counts.
 *
 * Other fields that do not apply or cannot be read are left out; a
 * missing optional field never fails the identity.
 */
#ifndef CUSTODY_DEVICE_H
#define CUSTODY_DEVICE_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "custody/error.h"

/* The identity of the source open at FD (PATH names it in the record;
 * "-" for standard input).  New reference or NULL: CUST_E_IO when FD
 * cannot be examined, CUST_E_INPUT for a folder or other kind of file. */
json_t *cust_device_identity(int fd, const char *path, struct cust_error *err);

/* The size in bytes and the logical sector size of the block device at FD
 * (BLKGETSIZE64, BLKSSZGET).  CUST_E_USAGE when FD is not a block device;
 * a sector size that is not a power of two from 512 to 65536 is refused. */
int cust_device_geometry(int fd, uint64_t *size, unsigned *sector_size,
                         struct cust_error *err);

/*
 * Software write-block: set the block device at FD read-only (BLKROSET)
 * and check it took (BLKROGET).  Messages name the device by the path FD
 * was opened with.  The flag belongs to the kernel's block device, not to
 * FD: it stays after FD is closed (for a loop device, even after it is
 * detached) until `blockdev --setrw` or a reboot.
 */
int cust_device_set_readonly(int fd, struct cust_error *err);

/*
 * Whether the block device DEV is mounted read-write, directly or
 * through something on it: a partition of it, a device stacked on it
 * (device-mapper, md: sysfs slaves/), a loop device whose backing file or
 * device lies on it, followed to 8 levels.  From /proc/self/mountinfo, so
 * mounts of this mount namespace; a file system with no device number of
 * its own (btrfs) is matched through its mount source.  A mount counts as
 * read-write when its per-mount options or its super options say "rw":
 * a read-only bind of a file system mounted read-write elsewhere can
 * still be written.  *MOUNTED_RW is set, and WHERE (WHERE_SIZE bytes; NULL
 * for none) receives the first such mount point, unescaped ("" for none;
 * one too long ends in "...").  DEV 0 is never mounted.
 */
int cust_device_mounted_rw(dev_t dev, int *mounted_rw, char *where,
                           size_t where_size, struct cust_error *err);

/*
 * Whether writing into the folder DIR would write onto the block device
 * DEV: DIR's file system lives on DEV, on a partition of DEV, or on a
 * device stacked on them (device-mapper, md: sysfs slaves/; a loop device
 * whose backing file lives there, even deleted), found through sysfs to
 * 8 levels.  *SAME is set when it would.  DEV 0 (no block device, a file
 * or stream source) gives *SAME = 0 without looking at DIR; otherwise a
 * DIR that cannot be examined is an error (CUST_E_IO).
 */
int cust_device_output_on_source(const char *dir, dev_t dev, int *same,
                                 struct cust_error *err);

#endif
