/*
 * device.h - what a source device is, and whether it is safe to image.
 *
 * Identity as it goes into the acquisition record, for block devices
 * (ioctls and sysfs), regular files (an image handed over by a provider)
 * and streams (standard input):
 *
 *   {"path", "kind": "block"|"file"|"stream",
 *    "size", "logical_sector_size", "physical_sector_size",
 *    "read_only": true|false,           BLKROGET, block devices only
 *    "vendor", "model", "serial", "transport", "device": "MAJ:MIN",
 *    "hpa": {"checked": true, "native_max_sectors", "current_max_sectors",
 *            "hidden_sectors"} | {"checked": false, "reason": "..."},
 *    "dco": {"checked": true, ...} | {"checked": false, "reason": "..."}}
 *
 * Fields that do not apply or cannot be read are left out; "hpa" and "dco"
 * are always there for block devices, saying why they were not checked
 * when the device does not answer ATA pass-through (SG_IO).
 */
#ifndef CUSTODY_DEVICE_H
#define CUSTODY_DEVICE_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "custody/error.h"

/* The identity of the source open at FD (PATH names it in the record;
 * "-" for standard input).  New reference or NULL. */
json_t *cust_device_identity(int fd, const char *path, struct cust_error *err);

/* The size in bytes and the logical sector size of the block device at FD
 * (BLKGETSIZE64, BLKSSZGET). */
int cust_device_geometry(int fd, uint64_t *size, unsigned *sector_size,
                         struct cust_error *err);

/* Software write-block: set the block device at FD read-only (BLKROSET). */
int cust_device_set_readonly(int fd, struct cust_error *err);

/*
 * Whether the block device DEV, or a partition on it, is mounted
 * read-write (from /proc/self/mountinfo): *MOUNTED_RW is set and WHERE
 * (WHERE_SIZE bytes) receives the first such mount point.
 */
int cust_device_mounted_rw(dev_t dev, int *mounted_rw, char *where,
                           size_t where_size, struct cust_error *err);

/*
 * Whether writing into the folder DIR would write onto the block device
 * DEV: DIR's file system lives on DEV, on a partition of DEV, or on a
 * device stacked on them (device-mapper, md, a loop device whose backing
 * file lives there), found through sysfs.  *SAME is set when it would.
 */
int cust_device_output_on_source(const char *dir, dev_t dev, int *same,
                                 struct cust_error *err);

#endif
