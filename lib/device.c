/* device.c - what a source device is, and whether it is safe to image;
 * see include/custody/device.h.
 *
 * Three sources of facts, none trusted further than its bounds: ioctls on
 * the open device, sysfs (/sys/dev/block/MAJ:MIN and what it links to)
 * and /proc/self/mountinfo.  Every value read is capped, every stack of
 * devices is followed to a bounded depth with a bounded number of visits,
 * and the only commands sent to a drive are the read-only ATA commands
 * IDENTIFY DEVICE, READ NATIVE MAX ADDRESS (EXT), GET NATIVE MAX ADDRESS
 * EXT and DEVICE CONFIGURATION IDENTIFY.
 */
#include "custody/device.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/loop.h>
#include <scsi/sg.h>

#include "custody/fsutil.h"
#include "custody/json.h"

/* Longest value taken from sysfs or a drive (vendor, model, serial...). */
#define VALUE_MAX 256
/* Stacks of devices (partition, device-mapper, md, loop over a file) are
 * followed this deep, visiting at most this many devices per question,
 * and at most this many entries of one slaves/ folder. */
#define STACK_DEPTH_MAX 8
#define STACK_VISITS_MAX 256
#define SLAVES_MAX 64
/* The part of a mountinfo line that is kept; the rest of a longer line is
 * read and dropped.  Fields 1-6 of any real line fit: the root and mount
 * point are at most PATH_MAX bytes each, four times that escaped. */
#define MOUNTINFO_LINE_MAX 65536
/* More mounts than the kernel allows by default (fs.mount-max). */
#define MOUNTINFO_LINES_MAX 1000000UL
#define MOUNTINFO "/proc/self/mountinfo"
#define SYS_BLOCK "/sys/dev/block"
/* How long one ATA command may take before SG_IO gives up. */
#define SG_TIMEOUT_MS 5000
/* Length of a reason given for an unchecked "hpa" or "dco". */
#define REASON_MAX 256

/* ---- small helpers ------------------------------------------------------ */

/* A name for the device open at FD in messages: the path it was opened
 * by, else "descriptor N".  Always NUL-terminated. */
static void fd_name(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n = -1;

	if (snprintf(link, sizeof link, "/proc/self/fd/%d", fd) <
	    (int)sizeof link)
		n = readlink(link, out, size - 1);
	if (n > 0) {
		out[n] = '\0';
		return;
	}
	if (snprintf(out, size, "descriptor %d", fd) >= (int)size)
		out[0] = '\0';
}

/* Copy S into OUT (SIZE bytes), ending a value too long with "...". */
static void copy_cut(char *out, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (!out || size == 0)
		return;
	if (len < size) {
		memcpy(out, s, len + 1);
		return;
	}
	memcpy(out, s, size - 1);
	out[size - 1] = '\0';
	if (size >= 4)
		memcpy(out + size - 4, "...", 4);
}

/* Format a reason into WHY (REASON_MAX bytes); a reason too long is cut,
 * which is harmless for a description.  Returns -1. */
static int say(char *why, const char *fmt, ...) CUST_PRINTF(2, 3);

static int say(char *why, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, REASON_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		copy_cut(why, REASON_MAX, "unknown reason");
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f' || c == '\0';
}

/*
 * Make the LEN bytes at S a value fit for a record: white space (and NUL
 * padding) trimmed at both ends, every other byte outside printable ASCII
 * replaced by '?', NUL-terminated (S must hold LEN + 1 bytes).  Returns
 * the new length.
 */
static size_t clean_value(char *s, size_t len)
{
	size_t start = 0, i;

	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	while (start < len && is_space((unsigned char)s[start]))
		start++;
	len -= start;
	memmove(s, s + start, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f)
			s[i] = '?';
	}
	s[len] = '\0';
	return len;
}

/*
 * Up to SIZE - 1 bytes of the regular file PATH (a sysfs attribute) into
 * BUF, NUL-terminated.  The number of bytes read, or -1.
 */
static ssize_t read_attr(const char *path, char *buf, size_t size)
{
	struct stat st;
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	while (used + 1 < size) {
		ssize_t n = read(fd, buf + used, size - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	return (ssize_t)used;
}

/* Parse "MAJ:MIN", LEN bytes of S, each number below 2^32, into *DEV. */
static int parse_devnum(const char *s, size_t len, dev_t *dev)
{
	unsigned long v[2] = { 0, 0 };
	size_t i, digits = 0;
	int part = 0;

	for (i = 0; i < len; i++) {
		unsigned d;
		if (s[i] == ':' && part == 0 && digits > 0) {
			part = 1;
			digits = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v[part] > (0xffffffffUL - d) / 10)
			return -1;
		v[part] = v[part] * 10 + d;
		digits++;
	}
	if (part != 1 || digits == 0)
		return -1;
	*dev = makedev((unsigned)v[0], (unsigned)v[1]);
	return 0;
}

/* The device number in the sysfs "dev" file PATH. */
static int read_devfile(const char *path, dev_t *dev)
{
	char buf[32];
	ssize_t n = read_attr(path, buf, sizeof buf);

	if (n <= 0)
		return -1;
	while (n > 0 && is_space((unsigned char)buf[n - 1]))
		n--;
	return parse_devnum(buf, (size_t)n, dev);
}

/* /sys/dev/block/MAJ:MIN of DEV into DIR (CUST_PATH_MAX bytes). */
static int sys_dir(dev_t dev, char *dir)
{
	return cust_path_format(dir, CUST_PATH_MAX, NULL, SYS_BLOCK "/%u:%u",
	                        major(dev), minor(dev));
}

/* ---- /proc/self/mountinfo ----------------------------------------------- */

/* One line of mountinfo, its strings pointing into the line. */
struct mount_entry {
	dev_t dev;          /* field 3, MAJ:MIN (0:N for no block device) */
	const char *point;  /* field 5, the mount point, unescaped */
	int rw;             /* field 6, the per-mount options, include "rw" */
	const char *fstype; /* after "-"; NULL when the line stops early */
	const char *source; /* after the type, unescaped; may be NULL */
	int super_rw;       /* the super options include "rw" */
};

/* The next field of *P, split at spaces and NUL-terminated in place;
 * NULL when the line holds no more. */
static char *next_field(char **p)
{
	char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	for (e = s; *e && *e != ' '; e++)
		;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Undo the kernel's escapes in place: a backslash and three octal digits
 * stand for one byte (space, tab, newline, backslash).  Anything else,
 * including an escape of NUL or above 0377, is kept as it is. */
static void unescape(char *s)
{
	const char *r = s;
	char *w = s;

	while (*r) {
		if (r[0] == '\\' && is_octal(r[1]) && is_octal(r[2]) &&
		    is_octal(r[3])) {
			unsigned v = (unsigned)(r[1] - '0') * 64 +
			             (unsigned)(r[2] - '0') * 8 +
			             (unsigned)(r[3] - '0');
			if (v != 0 && v <= 0xff) {
				*w++ = (char)v;
				r += 4;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Whether the comma-separated OPTS holds exactly the option WANT. */
static int has_option(const char *opts, const char *want)
{
	size_t wl = strlen(want);
	const char *p = opts;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == wl && memcmp(p, want, wl) == 0)
			return 1;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/*
 * Split LINE, one NUL-terminated line of mountinfo without its newline,
 * in place:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)  (4)   (5)   (6)        (7...)  -  type source    super options
 *
 * 0 when fields 1-6 are well formed (numbers, MAJ:MIN, a mount point,
 * options with "rw" or "ro"); the fields after "-" are filled in when the
 * line has them.  -1 for a line of any other shape.
 */
static int mountinfo_parse(char *line, struct mount_entry *m)
{
	char *p = line, *id, *parent, *devs, *root, *point, *opts, *f, *src;

	memset(m, 0, sizeof *m);
	id = next_field(&p);
	parent = id ? next_field(&p) : NULL;
	devs = parent ? next_field(&p) : NULL;
	root = devs ? next_field(&p) : NULL;
	point = root ? next_field(&p) : NULL;
	opts = point ? next_field(&p) : NULL;
	if (!opts)
		return -1;
	if (!all_digits(id) || !all_digits(parent) ||
	    parse_devnum(devs, strlen(devs), &m->dev) < 0)
		return -1;
	m->rw = has_option(opts, "rw");
	if (!m->rw && !has_option(opts, "ro"))
		return -1;
	unescape(point);
	m->point = point;
	/* optional fields (shared:N, master:N...) up to the "-" */
	while ((f = next_field(&p)) != NULL && strcmp(f, "-") != 0)
		;
	if (!f)
		return 0;
	m->fstype = next_field(&p);
	src = m->fstype ? next_field(&p) : NULL;
	if (src)
		unescape(src);
	m->source = src;
	f = src ? next_field(&p) : NULL;
	m->super_rw = f && has_option(f, "rw");
	return 0;
}

/*
 * One line of F into BUF (SIZE bytes), without its newline and cut at a
 * NUL byte; the rest of a longer line is read and dropped.  1 for a line,
 * 0 at the end, -1 on a read error.
 */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t len = 0;
	int c, any = 0;

	while ((c = getc(f)) != EOF && c != '\n') {
		any = 1;
		if (len + 1 < size)
			buf[len++] = (char)c;
	}
	buf[len] = '\0'; /* a NUL byte read into BUF ends the line earlier */
	if (c == EOF && ferror(f))
		return -1;
	return c == '\n' || any;
}

typedef int (*mount_fn)(const struct mount_entry *m, void *arg);

/*
 * Call FN on every well-formed line of the mountinfo text F (lines of any
 * other shape are passed over) until FN returns nonzero.  That value, 0
 * at the end, or -1 with errno set when F cannot be read or holds more
 * than MOUNTINFO_LINES_MAX lines.
 */
static int mountinfo_scan(FILE *f, mount_fn fn, void *arg)
{
	char *line = malloc(MOUNTINFO_LINE_MAX);
	unsigned long lines = 0;
	int rc;

	if (!line) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		struct mount_entry m;
		rc = read_line(f, line, MOUNTINFO_LINE_MAX);
		if (rc <= 0) {
			if (rc < 0 && errno == 0)
				errno = EIO;
			break;
		}
		if (++lines > MOUNTINFO_LINES_MAX) {
			errno = EFBIG;
			rc = -1;
			break;
		}
		if (mountinfo_parse(line, &m) < 0)
			continue;
		rc = fn(&m, arg);
		if (rc != 0)
			break;
	}
	free(line);
	return rc;
}

/* mountinfo_scan over /proc/self/mountinfo. */
static int mountinfo_each(mount_fn fn, void *arg)
{
	FILE *f = fopen(MOUNTINFO, "re");
	int rc, e;

	if (!f)
		return -1;
	errno = 0;
	rc = mountinfo_scan(f, fn, arg);
	e = errno;
	fclose(f);
	errno = e;
	return rc;
}

/* The block device a mount SOURCE names ("/dev/sdb1"), into *DEV. */
static int source_device(const char *source, dev_t *dev)
{
	struct stat st;

	if (!source || strncmp(source, "/dev/", 5) != 0 ||
	    stat(source, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	*dev = st.st_rdev;
	return 1;
}

struct anon_query {
	dev_t anon;
	dev_t dev;
};

static int anon_match(const struct mount_entry *m, void *arg)
{
	struct anon_query *q = arg;

	return m->dev == q->anon && source_device(m->source, &q->dev);
}

/*
 * File systems such as btrfs give their files an anonymous device number
 * (major 0); the block device behind one is the source of its mount.
 * 1 with *DEV set, 0 when there is none, -1 when mountinfo is unreadable.
 */
static int resolve_anon(dev_t anon, dev_t *dev)
{
	struct anon_query q = { anon, 0 };
	int rc = mountinfo_each(anon_match, &q);

	if (rc > 0)
		*dev = q.dev;
	return rc;
}

/* ---- stacks of block devices -------------------------------------------- */

static int dev_on(dev_t x, dev_t target, unsigned depth, unsigned *budget);

/* DEV, or the block device behind it when it is anonymous, lies on
 * TARGET. */
static int any_on(dev_t dev, dev_t target, unsigned depth, unsigned *budget)
{
	if (dev == target)
		return 1;
	if (major(dev) == 0 && resolve_anon(dev, &dev) <= 0)
		return 0;
	return dev_on(dev, target, depth, budget);
}

/* The partition at DIR has its disk as parent folder. */
static int partition_on(const char *dir, dev_t target, unsigned depth,
                        unsigned *budget)
{
	char path[CUST_PATH_MAX];
	struct stat st;
	dev_t disk;

	if (cust_path_format(path, sizeof path, NULL, "%s/partition", dir) < 0 ||
	    stat(path, &st) < 0)
		return 0;
	if (cust_path_format(path, sizeof path, NULL, "%s/../dev", dir) < 0 ||
	    read_devfile(path, &disk) < 0)
		return 0;
	return dev_on(disk, target, depth + 1, budget);
}

/* Device-mapper, md and bcache devices list what they sit on in slaves/. */
static int slaves_on(const char *dir, dev_t target, unsigned depth,
                     unsigned *budget)
{
	char path[CUST_PATH_MAX];
	struct dirent *de;
	unsigned n = 0;
	int found = 0;
	DIR *d;

	if (cust_path_format(path, sizeof path, NULL, "%s/slaves", dir) < 0)
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && n < SLAVES_MAX && (de = readdir(d)) != NULL) {
		dev_t s;
		if (de->d_name[0] == '.')
			continue;
		n++;
		if (cust_path_format(path, sizeof path, NULL, "%s/slaves/%s/dev",
		                     dir, de->d_name) == 0 &&
		    read_devfile(path, &s) == 0 &&
		    dev_on(s, target, depth + 1, budget))
			found = 1;
	}
	closedir(d);
	return found;
}

/* A loop device whose backing file is gone from every path (deleted, or
 * in another mount namespace) still tells where it lies: LOOP_GET_STATUS64
 * on its node /dev/NAME, checked to be the device X. */
static int loop_status_on(dev_t x, const char *dir, dev_t target,
                          unsigned depth, unsigned *budget)
{
	char path[CUST_PATH_MAX], *real = realpath(dir, NULL);
	struct loop_info64 info;
	struct stat st;
	int fd, ok;

	if (!real)
		return 0;
	ok = cust_path_format(path, sizeof path, NULL, "/dev/%s",
	                      strrchr(real, '/') + 1) == 0;
	free(real);
	if (!ok)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == x &&
	     ioctl(fd, LOOP_GET_STATUS64, &info) == 0;
	close(fd);
	if (!ok)
		return 0;
	return any_on((dev_t)info.lo_rdevice, target, depth + 1, budget) ||
	       any_on((dev_t)info.lo_device, target, depth + 1, budget);
}

/* The backing file of the loop device whose sysfs folder is DIR, without
 * its newline, into FILE; its length, or 0 for none (not a loop device,
 * nothing attached). */
static ssize_t loop_backing_file(const char *dir, char file[CUST_PATH_MAX])
{
	char path[CUST_PATH_MAX];
	ssize_t n;

	if (cust_path_format(path, sizeof path, NULL, "%s/loop/backing_file",
	                     dir) < 0)
		return 0;
	n = read_attr(path, file, CUST_PATH_MAX);
	if (n <= 0)
		return 0;
	if (file[n - 1] == '\n')
		file[--n] = '\0';
	return n;
}

#define DELETED " (deleted)"

/* A loop device lies where its backing file does: on the file system
 * holding the file, or on the block device that is the file. */
static int loop_on(dev_t x, const char *dir, dev_t target, unsigned depth,
                   unsigned *budget)
{
	char file[CUST_PATH_MAX];
	struct stat st;
	ssize_t n = loop_backing_file(dir, file);

	if (n == 0)
		return 0; /* not a loop device, or nothing attached */
	/* a deleted file is named with this suffix; another file may now
	 * have that name, so only the loop device itself can tell */
	if ((size_t)n <= sizeof DELETED - 1 ||
	    strcmp(file + n - (sizeof DELETED - 1), DELETED) != 0) {
		if (stat(file, &st) == 0)
			return any_on(S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev,
			              target, depth + 1, budget);
	}
	return loop_status_on(x, dir, target, depth, budget);
}

/*
 * Whether the block device X lies on TARGET: is it, is a partition of
 * it, or sits on it through slaves/ or a loop backing file, followed
 * recursively to STACK_DEPTH_MAX levels and *BUDGET visits.
 */
static int dev_on(dev_t x, dev_t target, unsigned depth, unsigned *budget)
{
	char dir[CUST_PATH_MAX];

	if (x == target)
		return 1;
	if (major(x) == 0 || depth >= STACK_DEPTH_MAX || *budget == 0)
		return 0;
	(*budget)--;
	if (sys_dir(x, dir) < 0)
		return 0;
	return partition_on(dir, target, depth, budget) ||
	       slaves_on(dir, target, depth, budget) ||
	       loop_on(x, dir, target, depth, budget);
}

/* ---- sysfs identity ----------------------------------------------------- */

/* Where sysfs describes a block device. */
struct sys_disk {
	char dir[CUST_PATH_MAX]; /* the whole disk's folder, links resolved */
	const char *name;        /* its last component: "sda", "loop0" */
	const char *transport;   /* how it is attached, or NULL */
};

/* "sata" when the libata port ataN (the digits at DIGITS) has a SATA
 * link speed, else "ata". */
static const char *ata_kind(const char *digits)
{
	char port[16], path[128], speed[64];
	size_t n = 0;

	while (n + 1 < sizeof port && digits[n] >= '0' && digits[n] <= '9') {
		port[n] = digits[n];
		n++;
	}
	port[n] = '\0';
	if (n == 0 || n + 1 >= sizeof port ||
	    cust_path_format(path, sizeof path, NULL,
	                     "/sys/class/ata_link/link%s/sata_spd", port) < 0 ||
	    read_attr(path, speed, sizeof speed) <= 0)
		return "ata";
	return speed[0] >= '1' && speed[0] <= '9' ? "sata" : "ata";
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* How the disk NAME at the sysfs device path DIR is attached. */
static const char *transport_of(const char *dir, const char *name)
{
	const char *p;

	if (starts_with(name, "loop"))
		return "loop";
	if (starts_with(name, "nvme") || strstr(dir, "/nvme"))
		return "nvme";
	if (strstr(dir, "/usb"))
		return "usb";
	for (p = strstr(dir, "/ata"); p; p = strstr(p + 1, "/ata"))
		if (p[4] >= '0' && p[4] <= '9')
			return ata_kind(p + 4);
	if (strstr(dir, "/mmc_host/") || starts_with(name, "mmcblk"))
		return "mmc";
	if (strstr(dir, "/session"))
		return "iscsi";
	if (strstr(dir, "/target") && strstr(dir, "/host"))
		return "scsi"; /* SAS, FC, virtio-scsi, ... */
	if (strstr(dir, "/virtio"))
		return "virtio";
	if (starts_with(name, "dm-"))
		return "device-mapper";
	if (starts_with(name, "md"))
		return "md";
	if (starts_with(name, "nbd"))
		return "nbd";
	return NULL;
}

/* Find the whole disk of the block device DEV in sysfs. */
static int sys_locate(dev_t dev, struct sys_disk *sd)
{
	char link[CUST_PATH_MAX];
	struct stat st;
	char *real;
	int rc;

	if (sys_dir(dev, link) < 0)
		return -1;
	real = realpath(link, NULL);
	if (!real)
		return -1;
	rc = cust_path_format(sd->dir, sizeof sd->dir, NULL, "%s", real);
	free(real);
	if (rc < 0)
		return -1;
	/* a partition: the whole disk is the folder above */
	if (cust_path_format(link, sizeof link, NULL, "%s/partition", sd->dir) ==
	            0 &&
	    stat(link, &st) == 0) {
		char *slash = strrchr(sd->dir, '/');
		if (slash && slash != sd->dir)
			*slash = '\0';
	}
	sd->name = strrchr(sd->dir, '/') + 1;
	sd->transport = transport_of(sd->dir, sd->name);
	return 0;
}

/* A clean value of the attribute DIR/REL into OUT (VALUE_MAX + 1 bytes):
 * its length, 0 when it is missing or empty. */
static size_t attr_value(const char *dir, const char *rel, char *out)
{
	char path[CUST_PATH_MAX];
	ssize_t n;

	if (cust_path_format(path, sizeof path, NULL, "%s/%s", dir, rel) < 0)
		return 0;
	n = read_attr(path, out, VALUE_MAX + 1);
	if (n <= 0)
		return 0;
	return clean_value(out, (size_t)n);
}

/* The unit serial number from SCSI VPD page 0x80 (SCSI, SAS, SATA through
 * libata, most USB bridges): 4 header bytes, then the serial. */
static size_t vpd80_serial(const char *dir, char *out)
{
	char path[CUST_PATH_MAX], raw[4 + VALUE_MAX + 1];
	ssize_t n;
	size_t len;

	if (cust_path_format(path, sizeof path, NULL, "%s/device/vpd_pg80",
	                     dir) < 0)
		return 0;
	n = read_attr(path, raw, sizeof raw);
	if (n < 4 || (unsigned char)raw[1] != 0x80)
		return 0;
	len = (size_t)((unsigned char)raw[2] << 8 | (unsigned char)raw[3]);
	if (len > (size_t)n - 4)
		len = (size_t)n - 4;
	if (len > VALUE_MAX)
		len = VALUE_MAX;
	memcpy(out, raw + 4, len);
	return clean_value(out, len);
}

/* Set ID[KEY] to the clean value VALUE when it is not empty. */
static int set_value(json_t *id, const char *key, const char *value,
                     size_t len, struct cust_error *err)
{
	if (len == 0)
		return 0;
	return cust_json_set_string(id, key, value, err);
}

static int set_u64(json_t *obj, const char *key, uint64_t v,
                   struct cust_error *err)
{
	if (v > (uint64_t)INT64_MAX)
		return 0; /* no such device; leave the field out */
	return cust_json_set_new(obj, key, json_integer((json_int_t)v), err);
}

/* The loop device's backing file: a path, so kept whole up to
 * CUST_PATH_MAX, control bytes shown as '?', and bytes that are not
 * UTF-8 as '?' too. */
static int set_backing_file(json_t *id, const char *dir,
                            struct cust_error *err)
{
	char file[CUST_PATH_MAX];
	json_t *v;
	ssize_t n = loop_backing_file(dir, file);
	size_t i;

	for (i = 0; i < (size_t)n; i++)
		if ((unsigned char)file[i] < 0x20 || file[i] == 0x7f)
			file[i] = '?';
	if (n == 0)
		return 0;
	v = json_string(file);
	if (!v) {
		for (i = 0; i < (size_t)n; i++)
			if ((unsigned char)file[i] >= 0x80)
				file[i] = '?';
		v = json_string(file);
	}
	return cust_json_set_new(id, "backing_file", v, err);
}

/* What sysfs says about the disk SD into ID. */
static int sys_identity(const struct sys_disk *sd, json_t *id,
                        struct cust_error *err)
{
	static const char *const serials[] = {
		"device/serial", /* NVMe controller, MMC */
		"serial",        /* virtio */
	};
	static const char *const wwids[] = { "wwid", "device/wwid" };
	char v[VALUE_MAX + 1];
	size_t n, i;

	n = attr_value(sd->dir, "device/vendor", v);
	if (set_value(id, "vendor", v, n, err) < 0)
		return -1;
	n = attr_value(sd->dir, "device/model", v);
	if (n == 0)
		n = attr_value(sd->dir, "device/name", v); /* MMC */
	if (set_value(id, "model", v, n, err) < 0)
		return -1;
	n = 0;
	for (i = 0; n == 0 && i < sizeof serials / sizeof serials[0]; i++)
		n = attr_value(sd->dir, serials[i], v);
	if (n == 0)
		n = vpd80_serial(sd->dir, v);
	if (set_value(id, "serial", v, n, err) < 0)
		return -1;
	n = 0;
	for (i = 0; n == 0 && i < sizeof wwids / sizeof wwids[0]; i++)
		n = attr_value(sd->dir, wwids[i], v);
	if (set_value(id, "wwid", v, n, err) < 0)
		return -1;
	if (sd->transport &&
	    cust_json_set_string(id, "transport", sd->transport, err) < 0)
		return -1;
	if (sd->transport && strcmp(sd->transport, "loop") == 0 &&
	    set_backing_file(id, sd->dir, err) < 0)
		return -1;
	return 0;
}

/* ---- ATA pass-through: HPA and DCO -------------------------------------- */

#define ATA_PROTO_NON_DATA 3
#define ATA_PROTO_PIO_IN 4
#define ATA_IDENTIFY 0xec
#define ATA_READ_NATIVE_MAX 0xf8
#define ATA_READ_NATIVE_MAX_EXT 0x27
#define ATA_AMAC 0x78 /* ACCESSIBLE MAX ADDRESS CONFIGURATION */
#define ATA_DCO 0xb1
#define ATA_DCO_IDENTIFY 0xc2
#define SENSE_ILLEGAL_REQUEST 0x05

/* The registers an ATA command returned (SAT ATA Status Return). */
struct ata_regs {
	int valid;       /* the translator sent them back */
	int lba_partial; /* fixed-format sense: address bits above 23 left out */
	uint8_t status, error, device;
	uint16_t count;
	uint64_t lba; /* bits 0-47, or 0-23 in fixed format */
};

struct sense_info {
	int key; /* sense key, -1 when there is no sense data */
	uint8_t asc, ascq;
	struct ata_regs regs;
};

/* Read the sense data S[0..LEN): descriptor format (SPC 0x72/0x73) with
 * an ATA Status Return descriptor (type 0x09), or fixed format (0x70/0x71)
 * carrying ATA registers (ASC/ASCQ 00/1D), nothing read past LEN. */
static void sense_parse(const uint8_t *s, size_t len, struct sense_info *si)
{
	memset(si, 0, sizeof *si);
	si->key = -1;
	if (len < 1)
		return;
	switch (s[0] & 0x7f) {
	case 0x72:
	case 0x73: {
		size_t end, off;
		if (len < 8)
			return;
		si->key = s[1] & 0x0f;
		si->asc = s[2];
		si->ascq = s[3];
		end = 8 + (size_t)s[7];
		if (end > len)
			end = len;
		for (off = 8; off + 2 <= end; off += 2 + (size_t)s[off + 1]) {
			const uint8_t *d = s + off;
			int ext;
			if (d[0] != 0x09 || d[1] < 12 || off + 14 > end)
				continue;
			ext = d[2] & 1;
			si->regs.error = d[3];
			si->regs.count = (uint16_t)((ext ? d[4] << 8 : 0) | d[5]);
			si->regs.lba = (uint64_t)d[7] | (uint64_t)d[9] << 8 |
			               (uint64_t)d[11] << 16;
			if (ext)
				si->regs.lba |= (uint64_t)d[6] << 24 |
				                (uint64_t)d[8] << 32 |
				                (uint64_t)d[10] << 40;
			si->regs.device = d[12];
			si->regs.status = d[13];
			si->regs.valid = 1;
			break;
		}
		break;
	}
	case 0x70:
	case 0x71:
		if (len < 3)
			return;
		si->key = s[2] & 0x0f;
		if (len < 14)
			return;
		si->asc = s[12];
		si->ascq = s[13];
		if (si->asc == 0x00 && si->ascq == 0x1d) {
			si->regs.error = s[3];
			si->regs.status = s[4];
			si->regs.device = s[5];
			si->regs.count = s[6];
			si->regs.lba = (uint64_t)s[9] | (uint64_t)s[10] << 8 |
			               (uint64_t)s[11] << 16;
			si->regs.lba_partial = (s[8] & 0x20) != 0;
			si->regs.valid = 1;
		}
		break;
	default:
		break;
	}
}

/* An ATA PASS-THROUGH (16) CDB (SAT, opcode 0x85).  PIO data-in commands
 * move one 512-byte block, its length in the count field; non-data
 * commands ask for the registers back (CK_COND). */
static void ata_cdb(uint8_t cdb[16], int protocol, int ext, uint16_t feature,
                    uint8_t device, uint8_t command)
{
	int data_in = protocol == ATA_PROTO_PIO_IN;

	memset(cdb, 0, 16);
	cdb[0] = 0x85;
	cdb[1] = (uint8_t)(protocol << 1 | (ext ? 1 : 0));
	/* CK_COND, or T_DIR from the device, BYT_BLOK, T_LENGTH in count */
	cdb[2] = data_in ? 0x0e : 0x20;
	cdb[3] = (uint8_t)(feature >> 8);
	cdb[4] = (uint8_t)feature;
	cdb[6] = data_in ? 1 : 0;
	cdb[13] = device;
	cdb[14] = command;
}

/*
 * Send the ATA command in CDB through SG_IO, DATA receiving LEN bytes
 * (none for 0).  0 when the drive completed it, REGS holding what it
 * returned; -1 with WHY saying why not.
 */
static int ata_command(int fd, const char *what, uint8_t cdb[16],
                       unsigned char *data, unsigned len,
                       struct ata_regs *regs, char *why)
{
	unsigned char sense[64];
	struct sense_info si;
	sg_io_hdr_t h;

	memset(&h, 0, sizeof h);
	memset(sense, 0, sizeof sense);
	h.interface_id = 'S';
	h.cmd_len = 16;
	h.cmdp = cdb;
	h.dxfer_direction = len ? SG_DXFER_FROM_DEV : SG_DXFER_NONE;
	h.dxferp = data;
	h.dxfer_len = len;
	h.sbp = sense;
	h.mx_sb_len = sizeof sense;
	h.timeout = SG_TIMEOUT_MS;
	if (ioctl(fd, SG_IO, &h) < 0) {
		int e = errno;
		if (e == ENOTTY || e == EINVAL || e == EOPNOTSUPP || e == ENOSYS)
			return say(why, "device does not support ATA pass-through "
			                "(SG_IO: %s)", strerror(e));
		return say(why, "%s through SG_IO failed: %s", what, strerror(e));
	}
	sense_parse(sense, h.sb_len_wr < sizeof sense ? h.sb_len_wr : sizeof sense,
	            &si);
	*regs = si.regs;
	if (h.host_status == 0x03 || (h.driver_status & 0x0f) == 0x06)
		return say(why, "%s timed out after %d s", what,
		           SG_TIMEOUT_MS / 1000);
	if (h.host_status != 0 ||
	    ((h.driver_status & 0x0f) != 0 && (h.driver_status & 0x0f) != 0x08))
		return say(why, "%s failed (SG_IO host status 0x%x, driver status "
		                "0x%x)", what, h.host_status, h.driver_status);
	if (si.regs.valid && (si.regs.status & 0x01))
		return say(why, "drive aborted %s (ATA status 0x%02x, error 0x%02x)",
		           what, si.regs.status, si.regs.error);
	if (si.key == SENSE_ILLEGAL_REQUEST)
		return say(why, "device does not support ATA pass-through (%s: "
		                "ILLEGAL REQUEST, ASC/ASCQ %02x/%02x)",
		           what, si.asc, si.ascq);
	if (si.key > 0x01)
		return say(why, "%s failed (sense key 0x%x, ASC/ASCQ %02x/%02x)",
		           what, (unsigned)si.key, si.asc, si.ascq);
	if (h.status != 0 && h.status != 0x02)
		return say(why, "%s failed (SCSI status 0x%02x)", what, h.status);
	if (len && h.resid > 0)
		return say(why, "%s returned %u of %u bytes", what,
		           len - ((unsigned)h.resid < len ? (unsigned)h.resid : len),
		           len);
	return 0;
}

static uint16_t word(const uint8_t *d, unsigned i)
{
	return (uint16_t)(d[2 * i] | d[2 * i + 1] << 8);
}

/* Words 0-254 sum to zero with word 255 when its low byte is 0xA5 (the
 * integrity word of IDENTIFY and DCO IDENTIFY data). */
static int checksum_ok(const uint8_t *d)
{
	unsigned sum = 0, i;

	if (d[510] != 0xa5)
		return 1; /* no checksum given */
	for (i = 0; i < 512; i++)
		sum += d[i];
	return (sum & 0xff) == 0;
}

/* An ATA string of WORDS words from word FIRST (two characters to a word,
 * high byte first) into OUT (2 * WORDS + 1 bytes). */
static size_t ata_string(const uint8_t *d, unsigned first, unsigned words,
                         char *out)
{
	unsigned i;

	for (i = 0; i < words; i++) {
		out[2 * i] = (char)d[2 * (first + i) + 1];
		out[2 * i + 1] = (char)d[2 * (first + i)];
	}
	return clean_value(out, 2 * (size_t)words);
}

/* What IDENTIFY DEVICE tells. */
struct ata_identify {
	int lba48; /* 48-bit addresses (word 83 bit 10) */
	int hpa;   /* Host Protected Area feature set (word 82 bit 10) */
	int amac;  /* Accessible Max Address Configuration (word 119 bit 8) */
	int dco;   /* Device Configuration Overlay (word 83 bit 11) */
	uint64_t user_sectors; /* words 100-103, or 60-61 */
	char model[41], serial[21], firmware[9];
};

/* Read the 512 bytes of IDENTIFY DEVICE data D into ID. */
static int identify_parse(const uint8_t *d, struct ata_identify *id,
                          char *why)
{
	uint16_t w82 = word(d, 82), w83 = word(d, 83), w119 = word(d, 119);
	int valid83 = (w83 & 0xc000) == 0x4000;

	memset(id, 0, sizeof *id);
	if (word(d, 0) & 0x8000)
		return say(why, "device is not an ATA disk (IDENTIFY DEVICE word 0 "
		                "is 0x%04x)", word(d, 0));
	if (!checksum_ok(d))
		return say(why, "IDENTIFY DEVICE data failed its checksum");
	id->lba48 = valid83 && (w83 & 0x0400);
	id->dco = valid83 && (w83 & 0x0800);
	id->hpa = w82 != 0 && w82 != 0xffff && (w82 & 0x0400);
	id->amac = (w119 & 0xc000) == 0x4000 && (w119 & 0x0100);
	if (id->lba48)
		id->user_sectors = (uint64_t)word(d, 100) |
		                   (uint64_t)word(d, 101) << 16 |
		                   (uint64_t)word(d, 102) << 32 |
		                   (uint64_t)word(d, 103) << 48;
	if (id->user_sectors == 0)
		id->user_sectors = (uint64_t)word(d, 60) | (uint64_t)word(d, 61) << 16;
	if (id->user_sectors == 0)
		return say(why, "IDENTIFY DEVICE reports no user-addressable "
		                "sectors");
	ata_string(d, 27, 20, id->model);
	ata_string(d, 10, 10, id->serial);
	ata_string(d, 23, 4, id->firmware);
	return 0;
}

/* The highest address a DEVICE CONFIGURATION IDENTIFY answer D allows
 * (words 3-6), as a number of sectors. */
static int dco_parse(const uint8_t *d, uint64_t *sectors, char *why)
{
	uint64_t max;

	if (!checksum_ok(d))
		return say(why, "DEVICE CONFIGURATION IDENTIFY data failed its "
		                "checksum");
	if (word(d, 0) == 0 || word(d, 0) == 0xffff)
		return say(why, "DEVICE CONFIGURATION IDENTIFY returned no data");
	max = (uint64_t)word(d, 3) | (uint64_t)word(d, 4) << 16 |
	      (uint64_t)word(d, 5) << 32 | (uint64_t)word(d, 6) << 48;
	if (max >= 1ULL << 48)
		return say(why, "DEVICE CONFIGURATION IDENTIFY reports an "
		                "impossible maximum address %llu",
		           (unsigned long long)max);
	*sectors = max + 1;
	return 0;
}

/* The native maximum of the drive, in sectors: GET NATIVE MAX ADDRESS
 * EXT for drives with AMAC, else READ NATIVE MAX ADDRESS (EXT). */
static int native_max(int fd, const struct ata_identify *id,
                      uint64_t *sectors, char *why)
{
	const char *what;
	struct ata_regs r;
	uint8_t cdb[16];
	uint64_t lba;
	int ext = id->lba48 || id->amac;

	if (id->amac) {
		what = "GET NATIVE MAX ADDRESS EXT";
		ata_cdb(cdb, ATA_PROTO_NON_DATA, 1, 0x0000, 0x40, ATA_AMAC);
	} else if (id->lba48) {
		what = "READ NATIVE MAX ADDRESS EXT";
		ata_cdb(cdb, ATA_PROTO_NON_DATA, 1, 0, 0x40,
		        ATA_READ_NATIVE_MAX_EXT);
	} else {
		what = "READ NATIVE MAX ADDRESS";
		ata_cdb(cdb, ATA_PROTO_NON_DATA, 0, 0, 0x40, ATA_READ_NATIVE_MAX);
	}
	if (ata_command(fd, what, cdb, NULL, 0, &r, why) < 0)
		return -1;
	if (!r.valid)
		return say(why, "%s returned no ATA registers", what);
	if (r.lba_partial)
		return say(why, "%s: the translator left out the upper address "
		                "bytes (fixed-format sense)", what);
	lba = r.lba;
	if (!ext)
		lba = (lba & 0xffffff) | (uint64_t)(r.device & 0x0f) << 24;
	*sectors = lba + 1;
	return 0;
}

/* {"checked": false, "reason": WHY} */
static json_t *unchecked(const char *why)
{
	return json_pack("{s:b, s:s}", "checked", 0, "reason", why);
}

/* {"checked": true, "supported": true, MAX_KEY: MAX, BASE_KEY: BASE,
 * "hidden_sectors": MAX - BASE}, or unchecked when MAX < BASE. */
static json_t *checked(const char *max_key, uint64_t max, const char *base_key,
                       uint64_t base)
{
	char why[REASON_MAX];

	if (max < base || max > (uint64_t)INT64_MAX) {
		say(why, "drive reports %s %llu below %s %llu", max_key,
		    (unsigned long long)max, base_key, (unsigned long long)base);
		return unchecked(why);
	}
	return json_pack("{s:b, s:b, s:I, s:I, s:I}", "checked", 1, "supported",
	                 1, max_key, (json_int_t)max, base_key, (json_int_t)base,
	                 "hidden_sectors", (json_int_t)(max - base));
}

/* A feature set the drive lacks cannot hide sectors. */
static json_t *unsupported(void)
{
	return json_pack("{s:b, s:b, s:I}", "checked", 1, "supported", 0,
	                 "hidden_sectors", (json_int_t)0);
}

/* "hpa" and "dco" (and "ata") of the block device at FD into ID. */
static int ata_identity(int fd, const struct sys_disk *sd, json_t *id,
                        struct cust_error *err)
{
	_Alignas(512) uint8_t data[512];
	char why[REASON_MAX], dco_why[REASON_MAX];
	struct ata_identify ai;
	struct ata_regs r;
	uint64_t native = 0, dco = 0;
	uint8_t cdb[16];
	json_t *hpa_v, *dco_v;
	int have_native = 0;

	if (sd && sd->transport && strcmp(sd->transport, "nvme") == 0) {
		say(why, "NVMe has no HPA/DCO");
		goto unchecked_both;
	}
	memset(data, 0, sizeof data);
	ata_cdb(cdb, ATA_PROTO_PIO_IN, 0, 0, 0, ATA_IDENTIFY);
	if (ata_command(fd, "IDENTIFY DEVICE", cdb, data, sizeof data, &r,
	                why) < 0 ||
	    identify_parse(data, &ai, why) < 0)
		goto unchecked_both;

	if (ai.model[0] || ai.serial[0] || ai.firmware[0]) {
		json_t *ata = json_object();
		if (cust_json_set_new(id, "ata", ata, err) < 0 ||
		    set_value(ata, "model", ai.model, strlen(ai.model), err) < 0 ||
		    set_value(ata, "serial", ai.serial, strlen(ai.serial), err) < 0 ||
		    set_value(ata, "firmware", ai.firmware, strlen(ai.firmware),
		              err) < 0)
			return -1;
	}

	if (!ai.hpa && !ai.amac) {
		hpa_v = unsupported();
		native = ai.user_sectors; /* nothing can lower the maximum */
		have_native = 1;
	} else if (native_max(fd, &ai, &native, why) == 0) {
		hpa_v = checked("native_max_sectors", native, "current_max_sectors",
		                ai.user_sectors);
		have_native = 1;
	} else {
		hpa_v = unchecked(why);
	}
	if (cust_json_set_new(id, "hpa", hpa_v, err) < 0)
		return -1;

	if (!ai.dco) {
		dco_v = unsupported();
	} else if (!have_native) {
		say(dco_why, "native maximum unknown: %s", why);
		dco_v = unchecked(dco_why);
	} else {
		memset(data, 0, sizeof data);
		ata_cdb(cdb, ATA_PROTO_PIO_IN, 0, ATA_DCO_IDENTIFY, 0x40, ATA_DCO);
		if (ata_command(fd, "DEVICE CONFIGURATION IDENTIFY", cdb, data,
		                sizeof data, &r, dco_why) < 0 ||
		    dco_parse(data, &dco, dco_why) < 0)
			dco_v = unchecked(dco_why);
		else
			dco_v = checked("dco_max_sectors", dco, "native_max_sectors",
			                native);
	}
	return cust_json_set_new(id, "dco", dco_v, err);

unchecked_both:
	if (cust_json_set_new(id, "hpa", unchecked(why), err) < 0 ||
	    cust_json_set_new(id, "dco", unchecked(why), err) < 0)
		return -1;
	return 0;
}

/* ---- public ------------------------------------------------------------- */

/* Everything about the block device at FD (device number RDEV). */
static int block_identity(int fd, dev_t rdev, json_t *id,
                          struct cust_error *err)
{
	char devnum[32];
	struct sys_disk sd;
	uint64_t size;
	unsigned pbs;
	int lss, ro;
	int have_sys;

	if (ioctl(fd, BLKGETSIZE64, &size) == 0 &&
	    set_u64(id, "size", size, err) < 0)
		return -1;
	if (ioctl(fd, BLKSSZGET, &lss) == 0 && lss > 0 &&
	    set_u64(id, "logical_sector_size", (uint64_t)lss, err) < 0)
		return -1;
	if (ioctl(fd, BLKPBSZGET, &pbs) == 0 && pbs > 0 &&
	    set_u64(id, "physical_sector_size", pbs, err) < 0)
		return -1;
	if (ioctl(fd, BLKROGET, &ro) == 0 &&
	    cust_json_set_new(id, "read_only", json_boolean(ro), err) < 0)
		return -1;
	if (snprintf(devnum, sizeof devnum, "%u:%u", major(rdev), minor(rdev)) <
	            (int)sizeof devnum &&
	    cust_json_set_string(id, "device", devnum, err) < 0)
		return -1;
	have_sys = sys_locate(rdev, &sd) == 0;
	if (have_sys && sys_identity(&sd, id, err) < 0)
		return -1;
	return ata_identity(fd, have_sys ? &sd : NULL, id, err);
}

json_t *cust_device_identity(int fd, const char *path, struct cust_error *err)
{
	const char *kind;
	struct stat st;
	json_t *id;

	if (!path)
		path = "-";
	if (fstat(fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot examine '%s'",
		                     path);
		return NULL;
	}
	if (S_ISBLK(st.st_mode))
		kind = "block";
	else if (S_ISREG(st.st_mode))
		kind = "file";
	else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) ||
	         S_ISSOCK(st.st_mode))
		kind = "stream";
	else {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is not a block device, a regular file or a "
		               "stream", path);
		return NULL;
	}
	id = json_object();
	if (!id) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	if (cust_json_set_string(id, "path", path, err) < 0 ||
	    cust_json_set_string(id, "kind", kind, err) < 0)
		goto fail;
	if (S_ISREG(st.st_mode)) {
		/* 512 is no property of a file: it is the unit in which the
		 * error map of a file source counts sectors */
		if (set_u64(id, "size", (uint64_t)st.st_size, err) < 0 ||
		    set_u64(id, "logical_sector_size", 512, err) < 0)
			goto fail;
	} else if (S_ISBLK(st.st_mode)) {
		if (block_identity(fd, st.st_rdev, id, err) < 0)
			goto fail;
	}
	return id;
fail:
	json_decref(id);
	return NULL;
}

int cust_device_geometry(int fd, uint64_t *size, unsigned *sector_size,
                         struct cust_error *err)
{
	char name[CUST_PATH_MAX];
	struct stat st;
	int ss;

	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode)) {
		fd_name(fd, name, sizeof name);
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is not a block device", name);
	}
	if (ioctl(fd, BLKGETSIZE64, size) < 0 || ioctl(fd, BLKSSZGET, &ss) < 0) {
		int e = errno;
		fd_name(fd, name, sizeof name);
		return cust_error_set_errno(err, CUST_E_IO, e,
		                            "cannot read the geometry of '%s'", name);
	}
	/* the block layer allows 512 to the page size, powers of two */
	if (ss < 512 || ss > 65536 || (ss & (ss - 1)) != 0) {
		fd_name(fd, name, sizeof name);
		return cust_error_set(err, CUST_E_IO,
		                      "'%s' reports a sector size of %d bytes", name,
		                      ss);
	}
	*sector_size = (unsigned)ss;
	return 0;
}

int cust_device_set_readonly(int fd, struct cust_error *err)
{
	char name[CUST_PATH_MAX];
	struct stat st;
	int one = 1, ro = 0;

	fd_name(fd, name, sizeof name);
	if (fstat(fd, &st) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot examine '%s'", name);
	if (!S_ISBLK(st.st_mode))
		return cust_error_set(err, CUST_E_USAGE,
		                      "cannot set '%s' read-only: not a block device",
		                      name);
	if (ioctl(fd, BLKROSET, &one) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot set '%s' read-only (BLKROSET)",
		                            name);
	if (ioctl(fd, BLKROGET, &ro) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read back the read-only flag of "
		                            "'%s' (BLKROGET)", name);
	if (ro != 1)
		return cust_error_set(err, CUST_E_IO,
		                      "'%s' is still writable after BLKROSET", name);
	return 0;
}

struct rw_query {
	dev_t dev;
	char *where;
	size_t where_size;
};

static int rw_match(const struct mount_entry *m, void *arg)
{
	struct rw_query *q = arg;
	unsigned budget = STACK_VISITS_MAX;
	dev_t d = m->dev;

	if (!m->rw && !m->super_rw)
		return 0;
	if (major(d) == 0 && !source_device(m->source, &d))
		return 0;
	if (!dev_on(d, q->dev, 0, &budget))
		return 0;
	copy_cut(q->where, q->where_size, m->point);
	return 1;
}

int cust_device_mounted_rw(dev_t dev, int *mounted_rw, char *where,
                           size_t where_size, struct cust_error *err)
{
	struct rw_query q = { dev, where, where_size };
	int rc;

	*mounted_rw = 0;
	if (where && where_size > 0)
		where[0] = '\0';
	if (major(dev) == 0)
		return 0;
	rc = mountinfo_each(rw_match, &q);
	if (rc < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read '%s'", MOUNTINFO);
	*mounted_rw = rc > 0;
	return 0;
}

int cust_device_output_on_source(const char *dir, dev_t dev, int *same,
                                 struct cust_error *err)
{
	unsigned budget = STACK_VISITS_MAX;
	struct stat st;
	dev_t d;

	*same = 0;
	if (major(dev) == 0)
		return 0;
	if (stat(dir, &st) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot examine folder '%s'", dir);
	d = st.st_dev;
	if (d == dev) {
		*same = 1;
		return 0;
	}
	if (major(d) == 0) {
		int rc = resolve_anon(d, &d);
		if (rc < 0)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot read '%s'", MOUNTINFO);
		if (rc == 0)
			return 0; /* tmpfs, NFS, FUSE...: no block device */
	}
	*same = dev_on(d, dev, 0, &budget);
	return 0;
}
