/* test_device.c - unit tests of source device identity and write safety
 * (include/custody/device.h).
 *
 * lib/device.c is included whole, so that its static mountinfo parser and
 * ATA decoding are tested directly without widening the public API (the
 * program then defines the cust_device_* functions itself and never pulls
 * device.o from the library).  The public functions run on real loop
 * devices made with losetup; each such test needs root and is skipped,
 * with the reason, where loop devices or mounts cannot be had.  Mounts and
 * loop devices are undone in the teardown, also when a test fails.
 */
#include "../../lib/device.c"

#include "testutil.h"

#define MIB (1024 * 1024)

/* ---- commands ----------------------------------------------------------- */

/* Skip the running test, saying why on a TAP comment line. */
#define SKIP(...)                                                             \
	do {                                                                  \
		print_message("# skipped: ");                                 \
		print_message(__VA_ARGS__);                                   \
		print_message("\n");                                          \
		skip();                                                       \
	} while (0)

static int sh_status(int st)
{
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run the shell command made from FMT: its exit status, -1 when it could
 * not run or was killed. */
static int sh(const char *fmt, ...) CUST_PRINTF(1, 2);

static int sh(const char *fmt, ...)
{
	char cmd[3 * CUST_PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof cmd);
	return sh_status(system(cmd));
}

/* As sh, with the first SIZE - 1 bytes of the command's output in OUT,
 * trailing newlines removed. */
static int sh_out(char *out, size_t size, const char *fmt, ...)
	CUST_PRINTF(3, 4);

static int sh_out(char *out, size_t size, const char *fmt, ...)
{
	char cmd[3 * CUST_PATH_MAX], drop[256];
	size_t used = 0, n;
	va_list ap;
	FILE *p;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_true(len > 0 && (size_t)len < sizeof cmd);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (used + 1 < size && (n = fread(out + used, 1, size - 1 - used, p)) > 0)
		used += n;
	while (fread(drop, 1, sizeof drop, p) > 0)
		;
	out[used] = '\0';
	while (used > 0 && out[used - 1] == '\n')
		out[--used] = '\0';
	return sh_status(pclose(p));
}

/* Paths go into commands between single quotes. */
static void assert_quotable(const char *path)
{
	assert_null(strchr(path, '\''));
}

/* ---- loop devices and mounts, undone in the teardown -------------------- */

/* BLKROSET outlives the loop device: the next user of /dev/loopN would
 * find it read-only, so the flag is cleared before detaching. */
enum { UNDO_DETACH, UNDO_UMOUNT, UNDO_SETRW };

static struct {
	int what;
	char path[CUST_PATH_MAX];
} undo[16];
static size_t nundo;

static void push_undo(int what, const char *path)
{
	assert_true(nundo < sizeof undo / sizeof undo[0]);
	undo[nundo].what = what;
	copy_cut(undo[nundo].path, sizeof undo[nundo].path, path);
	nundo++;
}

/* Teardown: unmount and detach what the test made, last first, then
 * remove the scratch folder. */
static int teardown_dev(void **state)
{
	while (nundo > 0) {
		const char *p = undo[--nundo].path;
		if (undo[nundo].what == UNDO_UMOUNT) {
			if (sh("umount '%s' 2>/dev/null", p) != 0)
				sh("umount -l '%s' 2>/dev/null", p);
		} else if (undo[nundo].what == UNDO_SETRW) {
			sh("blockdev --setrw '%s' 2>/dev/null", p);
		} else {
			sh("losetup -d '%s' 2>/dev/null", p);
		}
	}
	return teardown_tmp(state);
}

static void need_root(void)
{
	if (geteuid() != 0)
		SKIP("loop devices and mounts need root");
}

/* A file TMPDIR/NAME of SIZE bytes (a hole) into PATH. */
static void make_image(const char *name, off_t size, char *path)
{
	int fd;

	tpath(path, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	assert_int_equal(close(fd), 0);
}

/* Attach FILE to a free loop device (with the further losetup OPTIONS);
 * its path into DEV.  Skips the test when losetup cannot. */
static void loop_attach(const char *file, const char *options, char *dev)
{
	char out[512];

	need_root();
	assert_quotable(file);
	if (sh_out(out, sizeof out, "losetup -f --show %s '%s' 2>&1", options,
	           file) != 0 ||
	    strncmp(out, "/dev/loop", 9) != 0)
		SKIP("losetup %s failed: %s", options, out);
	copy_cut(dev, CUST_PATH_MAX, out);
	push_undo(UNDO_DETACH, dev);
}

static void make_fs(const char *dev)
{
	if (sh("mke2fs -q -F -t ext4 '%s' >/dev/null 2>&1", dev) != 0)
		fail_msg("mke2fs on '%s' failed", dev);
}

/* Mount DEV on the new folder DIR (read-write).  Skips when mounting is
 * not allowed here. */
static void mount_dev(const char *dev, const char *dir)
{
	assert_quotable(dir);
	assert_true(mkdir(dir, 0700) == 0 || errno == EEXIST);
	if (sh("mount '%s' '%s' 2>/dev/null", dev, dir) != 0)
		SKIP("cannot mount '%s' (no privilege to mount here?)", dev);
	push_undo(UNDO_UMOUNT, dir);
}

static dev_t rdev_of(const char *dev)
{
	struct stat st;

	assert_int_equal(stat(dev, &st), 0);
	assert_true(S_ISBLK(st.st_mode));
	return st.st_rdev;
}

/* A loop device with an ext4 file system of SIZE bytes, mounted on
 * TMPDIR/MNT: device into DEV, mount point (links resolved) into DIR. */
static void mounted_loop(const char *name, off_t size, const char *mnt,
                         char *dev, char *dir)
{
	char img[CUST_PATH_MAX], *real;

	make_image(name, size, img);
	loop_attach(img, "", dev);
	make_fs(dev);
	tpath(dir, mnt);
	mount_dev(dev, dir);
	real = realpath(dir, NULL);
	assert_non_null(real);
	copy_cut(dir, CUST_PATH_MAX, real);
	free(real);
}

static uint64_t json_u64(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("'%s' is missing or not an integer", key);
	assert_true(json_integer_value(v) >= 0);
	return (uint64_t)json_integer_value(v);
}

/* The unsigned decimal number starting at *P; *P moves past it. */
static uint64_t take_number(const char **p, int base)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(*p, &end, base);
	assert_true(errno == 0 && end != *p);
	*p = end;
	return v;
}

/* ---- identity ----------------------------------------------------------- */

static void test_identity_file(void **state)
{
	struct cust_error err;
	char path[CUST_PATH_MAX];
	unsigned char *data = make_data(3000, 7);
	json_t *id;
	int fd;

	(void)state;
	tpath(path, "provider.dd");
	write_file(path, data, 3000);
	free(data);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	id = cust_device_identity(fd, path, &err);
	assert_non_null(id);
	assert_string_equal(cust_json_string(id, "kind"), "file");
	assert_string_equal(cust_json_string(id, "path"), path);
	assert_true(json_u64(id, "size") == 3000);
	assert_true(json_u64(id, "logical_sector_size") == 512);
	assert_null(json_object_get(id, "hpa"));
	assert_null(json_object_get(id, "device"));
	json_decref(id);
	close(fd);
}

static void test_identity_stream(void **state)
{
	struct cust_error err;
	json_t *id;
	int fds[2], fd;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	id = cust_device_identity(fds[0], "-", &err);
	assert_non_null(id);
	assert_string_equal(cust_json_string(id, "kind"), "stream");
	assert_string_equal(cust_json_string(id, "path"), "-");
	assert_null(json_object_get(id, "size"));
	assert_null(json_object_get(id, "hpa"));
	json_decref(id);
	close(fds[0]);
	close(fds[1]);

	/* a character device such as a terminal is read as a stream too */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	id = cust_device_identity(fd, "/dev/null", &err);
	assert_non_null(id);
	assert_string_equal(cust_json_string(id, "kind"), "stream");
	json_decref(id);
	close(fd);
}

static void test_identity_refuses(void **state)
{
	struct cust_error err;
	int fd;

	(void)state;
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	cust_error_clear(&err);
	assert_null(cust_device_identity(fd, tmpdir, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, tmpdir));
	close(fd);

	cust_error_clear(&err);
	assert_null(cust_device_identity(-1, "/dev/sdz", &err));
	assert_int_equal(err.kind, CUST_E_IO);
	assert_non_null(strstr(err.message, "'/dev/sdz'"));
}

static void test_identity_loop(void **state)
{
	char img[CUST_PATH_MAX], dev[CUST_PATH_MAX], out[512], want[64];
	struct cust_error err;
	const char *p, *reason;
	const json_t *check;
	char *real;
	json_t *id;
	uint64_t size, ss, pbs, maj, min;
	int fd, i;

	(void)state;
	make_image("disk.img", 16 * MIB, img);
	loop_attach(img, "", dev);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	id = cust_device_identity(fd, dev, &err);
	close(fd);
	if (!id)
		fail_msg("identity: %s", err.message);
	dump_findings(id);

	assert_string_equal(cust_json_string(id, "kind"), "block");
	assert_string_equal(cust_json_string(id, "path"), dev);
	assert_true(json_u64(id, "size") == 16 * MIB);

	assert_int_equal(sh_out(out, sizeof out,
	                        "blockdev --getsize64 --getss --getpbsz '%s'",
	                        dev), 0);
	p = out;
	size = take_number(&p, 10);
	ss = take_number(&p, 10);
	pbs = take_number(&p, 10);
	assert_true(json_u64(id, "size") == size);
	assert_true(json_u64(id, "logical_sector_size") == ss);
	assert_true(json_u64(id, "physical_sector_size") == pbs);

	/* stat prints the device number in hex */
	assert_int_equal(sh_out(out, sizeof out, "stat -c %%t:%%T '%s'", dev), 0);
	p = out;
	maj = take_number(&p, 16);
	assert_int_equal(*p++, ':');
	min = take_number(&p, 16);
	assert_true(snprintf(want, sizeof want, "%llu:%llu",
	                     (unsigned long long)maj,
	                     (unsigned long long)min) < (int)sizeof want);
	assert_string_equal(cust_json_string(id, "device"), want);

	assert_string_equal(cust_json_string(id, "transport"), "loop");
	real = realpath(img, NULL);
	assert_non_null(real);
	assert_string_equal(cust_json_string(id, "backing_file"), real);
	free(real);
	assert_true(json_is_false(json_object_get(id, "read_only")));

	/* a loop device answers no ATA command: both say why */
	for (i = 0; i < 2; i++) {
		check = json_object_get(id, i == 0 ? "hpa" : "dco");
		assert_true(json_is_object(check));
		assert_true(json_is_false(json_object_get(check, "checked")));
		reason = cust_json_string(check, "reason");
		assert_non_null(reason);
		assert_non_null(strstr(reason, "ATA pass-through"));
		assert_non_null(strstr(reason, "SG_IO"));
		assert_null(json_object_get(check, "hidden_sectors"));
	}
	assert_null(json_object_get(id, "ata"));
	json_decref(id);
}

static void test_identity_loop_4k(void **state)
{
	char img[CUST_PATH_MAX], dev[CUST_PATH_MAX];
	struct cust_error err;
	unsigned sector = 0;
	uint64_t size = 0;
	json_t *id;
	int fd;

	(void)state;
	make_image("disk4k.img", 16 * MIB, img);
	loop_attach(img, "--sector-size 4096", dev);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	id = cust_device_identity(fd, dev, &err);
	assert_non_null(id);
	assert_true(json_u64(id, "logical_sector_size") == 4096);
	assert_true(json_u64(id, "size") == 16 * MIB);
	json_decref(id);
	assert_int_equal(cust_device_geometry(fd, &size, &sector, &err), 0);
	assert_int_equal(sector, 4096);
	assert_true(size == 16 * MIB);
	close(fd);
}

/* ---- geometry and read-only --------------------------------------------- */

static void test_geometry(void **state)
{
	char img[CUST_PATH_MAX], dev[CUST_PATH_MAX];
	struct cust_error err;
	unsigned sector = 0;
	uint64_t size = 0;
	int fd;

	(void)state;
	make_image("disk.img", 16 * MIB, img);

	/* a regular file has no geometry; the message names it */
	fd = open(img, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	cust_error_clear(&err);
	assert_int_equal(cust_device_geometry(fd, &size, &sector, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, img));
	close(fd);

	loop_attach(img, "", dev);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cust_device_geometry(fd, &size, &sector, &err), 0);
	assert_true(size == 16 * MIB);
	assert_int_equal(sector, 512);
	close(fd);
}

static void test_set_readonly(void **state)
{
	char img[CUST_PATH_MAX], dev[CUST_PATH_MAX], out[64];
	struct cust_error err;
	int fd, ro = 0;

	(void)state;
	make_image("disk.img", 16 * MIB, img);

	/* refused on a file, naming it */
	fd = open(img, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	cust_error_clear(&err);
	assert_int_equal(cust_device_set_readonly(fd, &err), -1);
	assert_non_null(strstr(err.message, img));
	assert_non_null(strstr(err.message, "not a block device"));
	close(fd);

	loop_attach(img, "", dev);
	assert_int_equal(sh_out(out, sizeof out, "blockdev --getro '%s'", dev), 0);
	assert_string_equal(out, "0");
	push_undo(UNDO_SETRW, dev);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (cust_device_set_readonly(fd, &err) != 0)
		fail_msg("set_readonly: %s", err.message);
	assert_int_equal(ioctl(fd, BLKROGET, &ro), 0);
	assert_int_equal(ro, 1);
	close(fd);
	assert_int_equal(sh_out(out, sizeof out, "blockdev --getro '%s'", dev), 0);
	assert_string_equal(out, "1");
	/* and a write through a new descriptor is refused */
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		assert_true(pwrite(fd, "x", 1, 0) < 0);
		close(fd);
	}
}

/* ---- mounted read-write ------------------------------------------------- */

static void test_mounted_rw(void **state)
{
	char dev[CUST_PATH_MAX], dir[CUST_PATH_MAX], other[CUST_PATH_MAX];
	char img[CUST_PATH_MAX], where[CUST_PATH_MAX];
	struct cust_error err;
	int rw = -1;

	(void)state;
	/* a space in the mount point: mountinfo shows it as \040 */
	mounted_loop("disk.img", 16 * MIB, "mount point", dev, dir);
	make_image("other.img", 16 * MIB, img);
	loop_attach(img, "", other);

	assert_int_equal(cust_device_mounted_rw(rdev_of(dev), &rw, where,
	                                        sizeof where, &err), 0);
	assert_int_equal(rw, 1);
	assert_string_equal(where, dir);

	/* an unrelated device is not mounted at all */
	assert_int_equal(cust_device_mounted_rw(rdev_of(other), &rw, where,
	                                        sizeof where, &err), 0);
	assert_int_equal(rw, 0);
	assert_string_equal(where, "");

	/* remounted read-only: no longer read-write */
	assert_int_equal(sh("mount -o remount,ro '%s'", dir), 0);
	assert_int_equal(cust_device_mounted_rw(rdev_of(dev), &rw, where,
	                                        sizeof where, &err), 0);
	assert_int_equal(rw, 0);

	/* and back; a short WHERE gets the mount point cut, never overrun */
	assert_int_equal(sh("mount -o remount,rw '%s'", dir), 0);
	memset(where, 'x', 16);
	assert_int_equal(cust_device_mounted_rw(rdev_of(dev), &rw, where, 8,
	                                        &err), 0);
	assert_int_equal(rw, 1);
	assert_int_equal(strlen(where), 7);
	assert_string_equal(where + 4, "...");
	assert_int_equal(where[8], 'x');

	/* no device number, no device */
	assert_int_equal(cust_device_mounted_rw(0, &rw, NULL, 0, &err), 0);
	assert_int_equal(rw, 0);
}

/* A DOS partition table with one Linux partition of COUNT sectors from
 * sector START, written at the start of PATH (sfdisk is not needed). */
static void write_mbr(const char *path, uint32_t start, uint32_t count)
{
	unsigned char mbr[512];
	unsigned char *e = mbr + 446;
	int fd, i;

	memset(mbr, 0, sizeof mbr);
	e[1] = 0xfe; /* CHS fields out of range: use the LBA fields */
	e[2] = 0xff;
	e[3] = 0xff;
	e[4] = 0x83;
	e[5] = 0xfe;
	e[6] = 0xff;
	e[7] = 0xff;
	for (i = 0; i < 4; i++) {
		e[8 + i] = (unsigned char)(start >> (8 * i));
		e[12 + i] = (unsigned char)(count >> (8 * i));
	}
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, mbr, sizeof mbr, 0), (ssize_t)sizeof mbr);
	assert_int_equal(close(fd), 0);
}

static void test_mounted_rw_partition(void **state)
{
	char img[CUST_PATH_MAX], dev[CUST_PATH_MAX], part[CUST_PATH_MAX];
	char dir[CUST_PATH_MAX], where[CUST_PATH_MAX], *real;
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct cust_error err;
	struct stat st;
	json_t *id;
	int rw = 0, same = 0, i, fd;

	(void)state;
	make_image("parted.img", 16 * MIB, img);
	write_mbr(img, 2048, 30720);
	loop_attach(img, "-P", dev);
	assert_true(snprintf(part, sizeof part, "%sp1", dev) < (int)sizeof part);
	for (i = 0; i < 50 && stat(part, &st) != 0; i++)
		nanosleep(&tick, NULL);
	/* a kernel built without the DOS partition parser still takes the
	 * partition through BLKPG */
	if (stat(part, &st) != 0)
		sh("addpart '%s' 1 2048 30720 2>/dev/null", dev);
	if (stat(part, &st) != 0 || !S_ISBLK(st.st_mode))
		SKIP("no partition device '%s' appeared", part);

	make_fs(part);
	tpath(dir, "mnt");
	mount_dev(part, dir);
	real = realpath(dir, NULL);
	assert_non_null(real);

	/* the whole device reports the partition mounted on it */
	assert_int_equal(cust_device_mounted_rw(rdev_of(dev), &rw, where,
	                                        sizeof where, &err), 0);
	assert_int_equal(rw, 1);
	assert_string_equal(where, real);
	assert_int_equal(cust_device_mounted_rw(rdev_of(part), &rw, where,
	                                        sizeof where, &err), 0);
	assert_int_equal(rw, 1);

	/* writing below the mount point writes onto the whole device */
	assert_int_equal(cust_device_output_on_source(real, rdev_of(dev), &same,
	                                              &err), 0);
	assert_int_equal(same, 1);
	free(real);

	/* a partition is described by its disk */
	fd = open(part, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	id = cust_device_identity(fd, part, &err);
	close(fd);
	assert_non_null(id);
	assert_true(json_u64(id, "size") == 30720ULL * 512);
	assert_string_equal(cust_json_string(id, "transport"), "loop");
	assert_non_null(cust_json_string(id, "backing_file"));
	json_decref(id);
}

/* ---- output on the source ----------------------------------------------- */

static void test_output_on_source(void **state)
{
	char dev[CUST_PATH_MAX], dir[CUST_PATH_MAX], other[CUST_PATH_MAX];
	char img[CUST_PATH_MAX], out[CUST_PATH_MAX];
	struct cust_error err;
	int same = -1;

	(void)state;
	mounted_loop("disk.img", 16 * MIB, "mnt", dev, dir);
	make_image("other.img", 16 * MIB, img);
	loop_attach(img, "", other);
	join(out, dir, "case");
	assert_int_equal(mkdir(out, 0700), 0);

	assert_int_equal(cust_device_output_on_source(out, rdev_of(dev), &same,
	                                              &err), 0);
	assert_int_equal(same, 1);
	assert_int_equal(cust_device_output_on_source(out, rdev_of(other), &same,
	                                              &err), 0);
	assert_int_equal(same, 0);
	/* the scratch folder is on another file system altogether */
	assert_int_equal(cust_device_output_on_source(tmpdir, rdev_of(dev), &same,
	                                              &err), 0);
	assert_int_equal(same, 0);
	/* no device: nothing to write onto */
	same = -1;
	assert_int_equal(cust_device_output_on_source(out, 0, &same, &err), 0);
	assert_int_equal(same, 0);

	/* a folder that is not there */
	join(out, dir, "missing");
	cust_error_clear(&err);
	assert_int_equal(cust_device_output_on_source(out, rdev_of(dev), &same,
	                                              &err), -1);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_non_null(strstr(err.message, out));
}

static void test_output_on_source_stacked(void **state)
{
	char outer[CUST_PATH_MAX], outer_dir[CUST_PATH_MAX];
	char inner[CUST_PATH_MAX], inner_dir[CUST_PATH_MAX];
	char file[CUST_PATH_MAX], other[CUST_PATH_MAX], img[CUST_PATH_MAX];
	struct cust_error err;
	int same = -1, rw = 0;
	int fd;

	(void)state;
	/* a loop device over a file inside the file system of another */
	mounted_loop("outer.img", 16 * MIB, "outer", outer, outer_dir);
	join(file, outer_dir, "inner.img");
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 6 * MIB), 0);
	assert_int_equal(close(fd), 0);
	loop_attach(file, "", inner);
	make_fs(inner);
	tpath(inner_dir, "inner");
	mount_dev(inner, inner_dir);
	make_image("other.img", 16 * MIB, img);
	loop_attach(img, "", other);

	assert_int_equal(cust_device_output_on_source(inner_dir, rdev_of(inner),
	                                              &same, &err), 0);
	assert_int_equal(same, 1);
	assert_int_equal(cust_device_output_on_source(inner_dir, rdev_of(outer),
	                                              &same, &err), 0);
	assert_int_equal(same, 1);
	assert_int_equal(cust_device_output_on_source(inner_dir, rdev_of(other),
	                                              &same, &err), 0);
	assert_int_equal(same, 0);

	/* with the backing file deleted, sysfs names a path that is gone; the
	 * loop device itself still tells where it lies */
	assert_int_equal(unlink(file), 0);
	assert_int_equal(cust_device_output_on_source(inner_dir, rdev_of(outer),
	                                              &same, &err), 0);
	assert_int_equal(same, 1);

	assert_int_equal(cust_device_mounted_rw(rdev_of(outer), &rw, NULL, 0,
	                                        &err), 0);
	assert_int_equal(rw, 1);
}

/* ---- mountinfo parser --------------------------------------------------- */

static void test_mountinfo_parse(void **state)
{
	struct mount_entry m;
	char line[512];

	(void)state;
	copy_cut(line, sizeof line,
	         "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root "
	         "rw,errors=continue");
	assert_int_equal(mountinfo_parse(line, &m), 0);
	assert_true(m.dev == makedev(98, 0));
	assert_string_equal(m.point, "/mnt2");
	assert_int_equal(m.rw, 1);
	assert_string_equal(m.fstype, "ext3");
	assert_string_equal(m.source, "/dev/root");
	assert_int_equal(m.super_rw, 1);

	/* escapes in mount point and source; bad escapes are kept as they are */
	copy_cut(line, sizeof line,
	         "1 0 8:17 / /media/my\\040disk\\011x\\134y\\0\\9\\777\\000z\\ "
	         "ro,relatime shared:5 master:2 - ext4 /dev/sd\\040b1 ro");
	assert_int_equal(mountinfo_parse(line, &m), 0);
	assert_true(m.dev == makedev(8, 17));
	assert_string_equal(m.point, "/media/my disk\tx\\y\\0\\9\\777\\000z\\");
	assert_int_equal(m.rw, 0);
	assert_string_equal(m.source, "/dev/sd b1");
	assert_int_equal(m.super_rw, 0);

	/* read-only here, read-write underneath (a read-only bind) */
	copy_cut(line, sizeof line, "2 1 7:0 / /b ro - ext4 /dev/loop0 rw,x");
	assert_int_equal(mountinfo_parse(line, &m), 0);
	assert_int_equal(m.rw, 0);
	assert_int_equal(m.super_rw, 1);

	/* a line cut before its "-" still has fields 1-6 */
	copy_cut(line, sizeof line, "3 1 259:1 / /c rw,nosuid shared:1");
	assert_int_equal(mountinfo_parse(line, &m), 0);
	assert_true(m.dev == makedev(259, 1));
	assert_null(m.fstype);
	assert_null(m.source);
	assert_int_equal(m.super_rw, 0);

	/* runs of spaces, "rw" as a later option, large device numbers */
	copy_cut(line, sizeof line,
	         "4  1  4294967295:4294967295  /  /d  noatime,rw  -  xfs");
	assert_int_equal(mountinfo_parse(line, &m), 0);
	assert_int_equal(major(m.dev), 4294967295U);
	assert_int_equal(m.rw, 1);
	assert_string_equal(m.fstype, "xfs");
	assert_null(m.source);
}

static void test_mountinfo_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"36",
		"36 35 98:0 /mnt1 /mnt2",
		"x6 35 98:0 / /m rw - ext4 /dev/x rw",
		"36 -1 98:0 / /m rw - ext4 /dev/x rw",
		"36 35 98 / /m rw - ext4 /dev/x rw",
		"36 35 98: / /m rw - ext4 /dev/x rw",
		"36 35 :0 / /m rw - ext4 /dev/x rw",
		"36 35 98:0:1 / /m rw - ext4 /dev/x rw",
		"36 35 4294967296:0 / /m rw - ext4 /dev/x rw",
		"36 35 98:99999999999999999999 / /m rw",
		"36 35 9a:0 / /m rw",
		"36 35 98:0 / /m relatime,rwx,xro - ext4 /dev/x rw",
		"36 35 98:0 / /m RW",
		NULL
	};
	struct mount_entry m;
	char line[512];
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		copy_cut(line, sizeof line, bad[i]);
		if (mountinfo_parse(line, &m) != -1)
			fail_msg("line accepted: '%s'", bad[i]);
	}
}

static int within(const char *buf, size_t size, const char *p)
{
	return p >= buf && p < buf + size;
}

/* Random and mutated lines: the parser never reads or writes outside the
 * line, and what it returns points into it. */
static void test_mountinfo_fuzz(void **state)
{
	static const char alphabet[] = "0123456789:: --\\\\//rwo,ab\t\x80\xff";
	static const char *const seeds[] = {
		"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw",
		"1 0 8:17 / /a\\040b ro shared:5 - ext4 /dev/sd\\134b1 ro",
		"22 27 0:21 / /proc rw,relatime - proc proc rw",
	};
	char line[2048];
	unsigned long parsed = 0, refused = 0;
	uint64_t x = 0x5eed5eedULL;
	unsigned round;

	(void)state;
	for (round = 0; round < 40000; round++) {
		struct mount_entry m;
		size_t len, i, k;
		uint64_t r = next_rand(&x);

		if (r % 4 == 0) {
			len = (size_t)(next_rand(&x) % (sizeof line - 1));
			for (i = 0; i < len; i++)
				line[i] = alphabet[next_rand(&x) % (sizeof alphabet - 1)];
		} else {
			const char *s = seeds[r % 3];
			len = strlen(s);
			memcpy(line, s, len);
			for (k = next_rand(&x) % 6; k > 0 && len > 0; k--) {
				size_t at = (size_t)(next_rand(&x) % len);
				switch (next_rand(&x) % 4) {
				case 0: /* replace */
					line[at] = alphabet[next_rand(&x) % (sizeof alphabet - 1)];
					break;
				case 1: /* cut */
					len = at;
					break;
				case 2: /* drop a byte */
					memmove(line + at, line + at + 1, len - at - 1);
					len--;
					break;
				default: /* a long run of backslashes or digits */
					while (len < sizeof line - 1 && next_rand(&x) % 64)
						line[len++] = (next_rand(&x) & 1) ? '\\' : '7';
					break;
				}
			}
		}
		line[len] = '\0';
		if (mountinfo_parse(line, &m) != 0) {
			refused++;
			continue;
		}
		parsed++;
		assert_true(within(line, sizeof line, m.point));
		assert_true(strlen(m.point) <= len);
		assert_true(m.rw == 0 || m.rw == 1);
		if (m.fstype)
			assert_true(within(line, sizeof line, m.fstype));
		if (m.source)
			assert_true(within(line, sizeof line, m.source));
		if (!m.source)
			assert_int_equal(m.super_rw, 0);
	}
	/* both outcomes were exercised */
	assert_true(parsed > 1000);
	assert_true(refused > 1000);
}

static int count_entry(const struct mount_entry *m, void *arg)
{
	unsigned long *n = arg;

	(void)m;
	(*n)++;
	return 0;
}

struct seen {
	unsigned n;
	dev_t dev[8];
};

static int note_entry(const struct mount_entry *m, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	s->dev[s->n++] = m->dev;
	return 0;
}

/* Whole files: lines far longer than the buffer, NUL bytes, no final
 * newline, too many lines. */
static void test_mountinfo_scan(void **state)
{
	static const char tail[] =
		"\n10 1 8:1 / /ok rw - ext4 /dev/sda1 rw\n"
		"11 1 8:2 / /nul rw\0 junk 8:9 / /x rw\n"
		"12 1 8:3 / /last rw - ext4 /dev/sda3 rw";
	size_t big = 3 * MOUNTINFO_LINE_MAX, len, i;
	struct seen s = { 0 };
	unsigned long n = 0;
	char *buf;
	FILE *f;

	(void)state;
	/* a line of 192 KiB, then a long-but-valid line whose options run
	 * past the buffer, then short ones */
	buf = malloc(2 * big + 32 + sizeof tail);
	assert_non_null(buf);
	memset(buf, 'a', big);
	len = big;
	memcpy(buf + len, "\n13 1 8:4 / /long rw ", 21);
	len += 21;
	memset(buf + len, 'o', big);
	len += big;
	memcpy(buf + len, tail, sizeof tail - 1);
	len += sizeof tail - 1;
	f = fmemopen(buf, len, "r");
	assert_non_null(f);
	assert_int_equal(mountinfo_scan(f, note_entry, &s), 0);
	fclose(f);
	assert_int_equal(s.n, 4);
	assert_true(s.dev[0] == makedev(8, 4));
	assert_true(s.dev[1] == makedev(8, 1));
	assert_true(s.dev[2] == makedev(8, 2)); /* cut at its NUL byte */
	assert_true(s.dev[3] == makedev(8, 3));

	/* more lines than any system has mounts */
	free(buf);
	len = 2 * (MOUNTINFO_LINES_MAX + 1);
	buf = malloc(len);
	assert_non_null(buf);
	for (i = 0; i < len; i += 2) {
		buf[i] = 'x';
		buf[i + 1] = '\n';
	}
	f = fmemopen(buf, len, "r");
	assert_non_null(f);
	errno = 0;
	assert_int_equal(mountinfo_scan(f, count_entry, &n), -1);
	assert_int_equal(errno, EFBIG);
	fclose(f);
	free(buf);

	/* random bytes, newlines among them */
	{
		uint64_t x = 99;
		len = 1 << 20;
		buf = malloc(len);
		assert_non_null(buf);
		for (i = 0; i < len; i++) {
			uint64_t r = next_rand(&x);
			buf[i] = (r % 97 == 0) ? '\n' : (char)(r >> 24);
		}
		f = fmemopen(buf, len, "r");
		assert_non_null(f);
		assert_true(mountinfo_scan(f, count_entry, &n) >= 0);
		fclose(f);
		free(buf);
	}
}

/* Every line of this machine's own mountinfo parses. */
static void test_mountinfo_real(void **state)
{
	unsigned long parsed = 0;
	size_t lines = 0, len, i;
	char *text;

	(void)state;
	assert_int_equal(mountinfo_each(count_entry, &parsed), 0);
	text = slurp(MOUNTINFO, &len);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	free(text);
	assert_true(parsed > 0);
	assert_true(parsed == lines);
}

/* ---- ATA decoding ------------------------------------------------------- */

static void test_ata_cdb(void **state)
{
	static const uint8_t identify[16] = {
		0x85, 0x08, 0x0e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xec, 0
	};
	static const uint8_t native_ext[16] = {
		0x85, 0x07, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x27, 0
	};
	static const uint8_t dco_identify[16] = {
		0x85, 0x08, 0x0e, 0, 0xc2, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0xb1, 0
	};
	uint8_t cdb[16];

	(void)state;
	ata_cdb(cdb, ATA_PROTO_PIO_IN, 0, 0, 0, ATA_IDENTIFY);
	assert_memory_equal(cdb, identify, 16);
	ata_cdb(cdb, ATA_PROTO_NON_DATA, 1, 0, 0x40, ATA_READ_NATIVE_MAX_EXT);
	assert_memory_equal(cdb, native_ext, 16);
	ata_cdb(cdb, ATA_PROTO_PIO_IN, 0, ATA_DCO_IDENTIFY, 0x40, ATA_DCO);
	assert_memory_equal(cdb, dco_identify, 16);
}

static void test_sense_parse(void **state)
{
	/* descriptor format, RECOVERED ERROR, ATA PASS THROUGH INFORMATION
	 * AVAILABLE, ATA Status Return for a 48-bit native max 0x123456789ABC */
	uint8_t desc[22] = { 0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 14,
	                     0x09, 0x0c, 0x01, 0x00, 0x00, 0x00,
	                     0x56, 0xbc, 0x34, 0x9a, 0x12, 0x78, 0x40, 0x50 };
	uint8_t fixed[18] = { 0x70, 0, 0x01, 0x00, 0x50, 0x40, 0x00, 10,
	                      0x20, 0x33, 0x22, 0x11, 0x00, 0x1d, 0, 0, 0, 0 };
	uint8_t illegal[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10,
	                        0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 0 };
	struct sense_info si;
	size_t cut;

	(void)state;
	sense_parse(desc, sizeof desc, &si);
	assert_int_equal(si.key, 1);
	assert_int_equal(si.ascq, 0x1d);
	assert_true(si.regs.valid);
	assert_true(si.regs.lba == 0x123456789abcULL);
	assert_int_equal(si.regs.status, 0x50);

	/* the descriptor claims more than was written: never read past */
	for (cut = 0; cut < sizeof desc; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, desc, cut);
		sense_parse(copy, cut, &si);
		assert_false(si.regs.valid);
		free(copy);
	}
	desc[7] = 255; /* additional length beyond the buffer */
	sense_parse(desc, sizeof desc, &si);
	assert_true(si.regs.valid);

	sense_parse(fixed, sizeof fixed, &si);
	assert_true(si.regs.valid);
	assert_true(si.regs.lba_partial);
	assert_true(si.regs.lba == 0x112233);

	sense_parse(illegal, sizeof illegal, &si);
	assert_int_equal(si.key, SENSE_ILLEGAL_REQUEST);
	assert_int_equal(si.asc, 0x20);
	assert_false(si.regs.valid);

	sense_parse(illegal, 0, &si);
	assert_int_equal(si.key, -1);
}

static void put_word(uint8_t *d, unsigned i, uint16_t v)
{
	d[2 * i] = (uint8_t)v;
	d[2 * i + 1] = (uint8_t)(v >> 8);
}

static void put_string(uint8_t *d, unsigned first, unsigned words,
                       const char *s)
{
	unsigned i;
	size_t len = strlen(s);

	for (i = 0; i < 2 * words; i++) {
		char c = i < len ? s[i] : ' ';
		d[2 * first + (i ^ 1)] = (uint8_t)c;
	}
}

static void seal(uint8_t *d)
{
	unsigned sum = 0, i;

	d[510] = 0xa5;
	for (i = 0; i < 511; i++)
		sum += d[i];
	d[511] = (uint8_t)(0x100 - (sum & 0xff));
}

static void test_identify_parse(void **state)
{
	char why[REASON_MAX];
	struct ata_identify ai;
	uint8_t d[512], dco[512];
	uint64_t sectors = 0;

	(void)state;
	memset(d, 0, sizeof d);
	put_word(d, 60, 0xffff);
	put_word(d, 61, 0x0fff);
	put_word(d, 82, 0x0400);
	put_word(d, 83, 0x4c00); /* valid, 48-bit, DCO */
	put_word(d, 100, 0x6db0);
	put_word(d, 101, 0x7470);
	put_word(d, 102, 0x0000);
	put_string(d, 27, 20, "WDC WD10EZEX-08WN4A0");
	put_string(d, 10, 10, "  WD-WCC6Y1234567");
	put_string(d, 23, 4, "01.01A01");
	seal(d);
	assert_int_equal(identify_parse(d, &ai, why), 0);
	assert_true(ai.lba48 && ai.hpa && ai.dco && !ai.amac);
	assert_true(ai.user_sectors == 1953525168ULL);
	assert_string_equal(ai.model, "WDC WD10EZEX-08WN4A0");
	assert_string_equal(ai.serial, "WD-WCC6Y1234567");
	assert_string_equal(ai.firmware, "01.01A01");

	/* 28-bit only: words 60-61 */
	put_word(d, 83, 0x4000);
	seal(d);
	assert_int_equal(identify_parse(d, &ai, why), 0);
	assert_false(ai.lba48);
	assert_true(ai.user_sectors == 0x0fffffffULL);

	/* a broken checksum is refused */
	d[200] ^= 1;
	assert_int_equal(identify_parse(d, &ai, why), -1);
	assert_non_null(strstr(why, "checksum"));

	/* DCO IDENTIFY: words 3-6 hold the factory maximum address */
	memset(dco, 0, sizeof dco);
	put_word(dco, 0, 0x0002);
	put_word(dco, 3, 0x6daf);
	put_word(dco, 4, 0x7470);
	seal(dco);
	assert_int_equal(dco_parse(dco, &sectors, why), 0);
	assert_true(sectors == 1953525168ULL);
	memset(dco, 0, sizeof dco);
	assert_int_equal(dco_parse(dco, &sectors, why), -1);
}

static void test_hpa_record(void **state)
{
	json_t *v;

	(void)state;
	v = checked("native_max_sectors", 1000, "current_max_sectors", 900);
	assert_non_null(v);
	assert_true(json_is_true(json_object_get(v, "checked")));
	assert_true(json_u64(v, "hidden_sectors") == 100);
	assert_true(json_u64(v, "native_max_sectors") == 1000);
	json_decref(v);

	/* a drive contradicting itself is not "checked" */
	v = checked("native_max_sectors", 800, "current_max_sectors", 900);
	assert_non_null(v);
	assert_true(json_is_false(json_object_get(v, "checked")));
	assert_non_null(strstr(cust_json_string(v, "reason"), "below"));
	json_decref(v);
}

/* ---- sysfs values ------------------------------------------------------- */

static void put_attr(const char *dir, const char *rel, const void *data,
                     size_t len)
{
	char path[CUST_PATH_MAX];

	join(path, dir, rel);
	write_file(path, data, len);
}

/* A fake sysfs disk folder: values are trimmed, bounded and made
 * printable; VPD page 0x80 is decoded within its length. */
static void test_sys_values(void **state)
{
	static const char vpd[] = "\x00\x80\x00\x0c  S3Z9NB0K\x01\xff" " extra";
	char dir[CUST_PATH_MAX], sub[CUST_PATH_MAX], longv[600];
	struct sys_disk sd;
	struct cust_error err;
	json_t *id;

	(void)state;
	tpath(dir, "sys");
	assert_int_equal(mkdir(dir, 0700), 0);
	join(sub, dir, "device");
	assert_int_equal(mkdir(sub, 0700), 0);
	put_attr(dir, "device/vendor", "ATA     \n", 9);
	put_attr(dir, "device/model", "Samsung\tSSD\x1b[31m 860\n", 21);
	put_attr(dir, "device/vpd_pg80", vpd, sizeof vpd - 1);
	memset(longv, 'w', sizeof longv);
	put_attr(dir, "wwid", longv, sizeof longv);

	memset(&sd, 0, sizeof sd);
	copy_cut(sd.dir, sizeof sd.dir, dir);
	sd.name = "sda";
	sd.transport = "sata";
	id = json_object();
	assert_non_null(id);
	assert_int_equal(sys_identity(&sd, id, &err), 0);
	assert_string_equal(cust_json_string(id, "vendor"), "ATA");
	assert_string_equal(cust_json_string(id, "model"),
	                    "Samsung?SSD?[31m 860");
	assert_string_equal(cust_json_string(id, "serial"), "S3Z9NB0K??");
	assert_int_equal(strlen(cust_json_string(id, "wwid")), VALUE_MAX);
	assert_string_equal(cust_json_string(id, "transport"), "sata");
	assert_null(json_object_get(id, "backing_file"));
	json_decref(id);

	/* a VPD page claiming more than it holds, or of another page */
	put_attr(dir, "device/vpd_pg80", "\x00\x80\xff\xff" "ABC", 7);
	{
		char v[VALUE_MAX + 1];
		assert_int_equal(vpd80_serial(dir, v), 3);
		assert_string_equal(v, "ABC");
		put_attr(dir, "device/vpd_pg80", "\x00\x83\x00\x03" "ABC", 7);
		assert_int_equal(vpd80_serial(dir, v), 0);
	}
}

/* Stacks read from a fake sysfs tree (device numbers of major 4000, which
 * no driver has, so the real /sys/dev/block never answers for them). */
static void test_sys_stack(void **state)
{
	char disk[CUST_PATH_MAX], part[CUST_PATH_MAX], dm[CUST_PATH_MAX];
	char sub[CUST_PATH_MAX];
	static const struct {
		const char *name, *dev;
	} slaves[] = {
		{ "junk", "garbage\n" },
		{ "huge", "99999999999:1\n" },
		{ "empty", "" },
		{ "sdx", "4000:16\n" },
	};
	unsigned budget = STACK_VISITS_MAX, none = 0;
	size_t i;

	(void)state;
	/* a partition leads to the disk in the folder above */
	tpath(disk, "disk");
	assert_int_equal(mkdir(disk, 0700), 0);
	put_attr(disk, "dev", "4000:0\n", 7);
	join(part, disk, "part1");
	assert_int_equal(mkdir(part, 0700), 0);
	put_attr(part, "partition", "1\n", 2);
	put_attr(part, "dev", "4000:1\n", 7);
	assert_true(partition_on(part, makedev(4000, 0), 0, &budget));
	assert_false(partition_on(part, makedev(4000, 16), 0, &budget));
	assert_false(partition_on(disk, makedev(4000, 0), 0, &budget));

	/* a stacked device leads to what it sits on; bad entries are passed */
	tpath(dm, "dm-0");
	assert_int_equal(mkdir(dm, 0700), 0);
	join(sub, dm, "slaves");
	assert_int_equal(mkdir(sub, 0700), 0);
	for (i = 0; i < sizeof slaves / sizeof slaves[0]; i++) {
		char entry[CUST_PATH_MAX];
		join(entry, sub, slaves[i].name);
		assert_int_equal(mkdir(entry, 0700), 0);
		put_attr(entry, "dev", slaves[i].dev, strlen(slaves[i].dev));
	}
	assert_true(slaves_on(dm, makedev(4000, 16), 0, &budget));
	assert_false(slaves_on(dm, makedev(4000, 32), 0, &budget));
	assert_false(slaves_on(disk, makedev(4000, 16), 0, &budget));

	/* the walk stops at its depth and visit limits */
	assert_true(dev_on(makedev(4000, 5), makedev(4000, 5), STACK_DEPTH_MAX,
	                   &none));
	assert_false(dev_on(makedev(4000, 5), makedev(4000, 6), 0, &none));
	assert_false(dev_on(makedev(4000, 5), makedev(4000, 6), STACK_DEPTH_MAX,
	                    &budget));
}

static void test_transport(void **state)
{
	static const struct {
		const char *dir, *name, *want;
	} cases[] = {
		{ "/sys/devices/virtual/block/loop3", "loop3", "loop" },
		{ "/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/"
		  "nvme0n1", "nvme0n1", "nvme" },
		{ "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/"
		  "target6:0:0/6:0:0:0/block/sdb", "sdb", "usb" },
		{ "/sys/devices/pci0000:00/0000:00:1f.2/ata99999/host0/"
		  "target0:0:0/0:0:0:0/block/sda", "sda", "ata" },
		{ "/sys/devices/platform/soc/mmc_host/mmc0/mmc0:0001/block/"
		  "mmcblk0", "mmcblk0", "mmc" },
		{ "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda", "vda",
		  "virtio" },
		{ "/sys/devices/pci0000:00/0000:00:03.0/virtio2/host0/"
		  "target0:0:0/0:0:0:0/block/sda", "sda", "scsi" },
		{ "/sys/devices/platform/host3/session1/target3:0:0/3:0:0:0/block/"
		  "sdc", "sdc", "iscsi" },
		{ "/sys/devices/virtual/block/dm-0", "dm-0", "device-mapper" },
		{ "/sys/devices/virtual/block/zram0", "zram0", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = transport_of(cases[i].dir, cases[i].name);
		if (!cases[i].want)
			assert_null(got);
		else if (!got || strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].dir,
			         got ? got : "nothing", cases[i].want);
	}
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_dev)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_file),
		T(test_identity_stream),
		T(test_identity_refuses),
		T(test_identity_loop),
		T(test_identity_loop_4k),
		T(test_geometry),
		T(test_set_readonly),
		T(test_mounted_rw),
		T(test_mounted_rw_partition),
		T(test_output_on_source),
		T(test_output_on_source_stacked),
		T(test_mountinfo_parse),
		T(test_mountinfo_parse_refuses),
		T(test_mountinfo_fuzz),
		T(test_mountinfo_scan),
		T(test_mountinfo_real),
		T(test_ata_cdb),
		T(test_sense_parse),
		T(test_identify_parse),
		T(test_hpa_record),
		T(test_sys_values),
		T(test_sys_stack),
		T(test_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
