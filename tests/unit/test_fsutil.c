/* test_fsutil.c - unit tests of the file-system primitives
 * (include/custody/fsutil.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

/* Whether PATH holds exactly the LEN bytes of WANT (read with stdio). */
static void assert_file_is(const char *path, const char *want, size_t len)
{
	size_t n;
	char *got = slurp(path, &n);

	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* Whether any entry of TMPDIR has ".tmp" in its name. */
static int temp_file_left(void)
{
	return count_entries_named(".tmp") > 0;
}

static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	       (long)(b->tv_nsec - a->tv_nsec) / 1000000;
}

/* ---- cust_id_check ------------------------------------------------------ */

static void test_id_check_accepts(void **state)
{
	static const char *const good[] = {
		"E001", "E001-A1", "a.b_c", "0", "A", "x-", "_", NULL
	};
	char id64[CUST_ID_MAX + 1];
	struct cust_error err;
	size_t i;

	(void)state;
	for (i = 0; good[i]; i++) {
		cust_error_clear(&err);
		if (cust_id_check(good[i], "item id", &err) != 0)
			fail_msg("'%s' refused: %s", good[i], err.message);
	}
	memset(id64, 'a', CUST_ID_MAX);
	id64[CUST_ID_MAX] = '\0';
	assert_int_equal(strlen(id64), 64);
	assert_int_equal(cust_id_check(id64, "item id", NULL), 0);
}

static void test_id_check_refuses(void **state)
{
	static const char *const bad[] = {
		"", ".hidden", "../x", "a/b", "a b", "\xc3\xa9", "..", ".",
		"a\tb", "a\\b", "E001:1", NULL
	};
	char id65[CUST_ID_MAX + 2];
	struct cust_error err;
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		cust_error_clear(&err);
		if (cust_id_check(bad[i], "item id", &err) != -1)
			fail_msg("'%s' accepted as an id", bad[i]);
		assert_int_equal(err.kind, CUST_E_USAGE);
		/* the message names what was checked */
		assert_non_null(strstr(err.message, "item id"));
	}
	memset(id65, 'a', CUST_ID_MAX + 1);
	id65[CUST_ID_MAX + 1] = '\0';
	assert_int_equal(strlen(id65), 65);
	cust_error_clear(&err);
	assert_int_equal(cust_id_check(id65, "unit name", &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "unit name"));
	cust_error_clear(&err);
	assert_int_equal(cust_id_check(NULL, "item id", &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
}

/* ---- cust_path_check_relative ------------------------------------------- */

static void test_path_check_accepts(void **state)
{
	static const char *const good[] = {
		"files/photos/IMG 1.jpg", "a", "a/b/c", "..a", "a..", "a/.b",
		"a/b..c/d", "\xc3\xa9t\xc3\xa9.txt", NULL
	};
	struct cust_error err;
	size_t i;

	(void)state;
	for (i = 0; good[i]; i++) {
		cust_error_clear(&err);
		if (cust_path_check_relative(good[i], strlen(good[i]), &err) != 0)
			fail_msg("'%s' refused: %s", good[i], err.message);
	}
	/* LEN bounds the name: only "ab" of "ab/../x" is looked at */
	assert_int_equal(cust_path_check_relative("ab/../x", 2, NULL), 0);
}

static void test_path_check_refuses(void **state)
{
	static const char *const bad[] = {
		"/etc/passwd", "/", "..", "../x", "a/..", "a/../b", "a//b", "./a",
		"a/./b", ".", "a/", "a\nb", "a\rb", "a\x01", "a\x7f", "\x1b[31m",
		"a\\b", "..\\x", "", NULL
	};
	struct cust_error err;
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		cust_error_clear(&err);
		if (cust_path_check_relative(bad[i], strlen(bad[i]), &err) != -1)
			fail_msg("'%s' accepted as a relative path", bad[i]);
		assert_true(err.kind != CUST_OK);
		assert_true(err.message[0] != '\0');
	}
}

static void test_path_check_embedded_nul(void **state)
{
	static const char name[] = "a\0b";
	struct cust_error err;

	(void)state;
	assert_int_equal(sizeof name - 1, 3);
	cust_error_clear(&err);
	assert_int_equal(cust_path_check_relative(name, sizeof name - 1, &err), -1);
	assert_non_null(strstr(err.message, "NUL"));
	/* the same bytes without the NUL are fine */
	assert_int_equal(cust_path_check_relative("a", 1, NULL), 0);
}

/* ---- cust_path_join / cust_path_format ---------------------------------- */

static void test_path_join(void **state)
{
	char out[32];
	struct cust_error err;

	(void)state;
	assert_int_equal(cust_path_join(out, sizeof out, "base", "a/b.txt", NULL),
	                 0);
	assert_string_equal(out, "base/a/b.txt");
	/* "base/" + 6 = 11 characters and the NUL: fits in 12, not in 11 */
	assert_int_equal(cust_path_join(out, 12, "base", "abcdef", NULL), 0);
	assert_string_equal(out, "base/abcdef");
	cust_error_clear(&err);
	assert_int_equal(cust_path_join(out, 11, "base", "abcdef", &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "too long"));
	/* REL is checked before it becomes a path */
	cust_error_clear(&err);
	assert_int_equal(cust_path_join(out, sizeof out, "base", "../x", &err),
	                 -1);
	assert_int_equal(cust_path_join(out, sizeof out, "base", "/etc", NULL),
	                 -1);
}

static void test_path_format(void **state)
{
	char out[8];
	struct cust_error err;

	(void)state;
	assert_int_equal(cust_path_format(out, sizeof out, NULL, "%s-%d", "ab",
	                                  42), 0);
	assert_string_equal(out, "ab-42");
	cust_error_clear(&err);
	assert_int_equal(cust_path_format(out, sizeof out, &err, "%s",
	                                  "12345678"), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "too long"));
}

/* ---- cust_fs_create ----------------------------------------------------- */

static void test_create_new(void **state)
{
	char path[CUST_PATH_MAX];
	struct stat st;
	int fd;

	(void)state;
	tpath(path, "new.bin");
	fd = cust_fs_create(path, 0600, NULL);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "xyz", 3), 3);
	assert_int_equal(cust_fs_close_synced(fd, path, NULL), 0);
	assert_file_is(path, "xyz", 3);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_create_refuses_existing(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	tpath(path, "exists.bin");
	write_file(path, "keep", 4);
	cust_error_clear(&err);
	assert_int_equal(cust_fs_create(path, 0644, &err), -1);
	assert_non_null(strstr(err.message, "already exists"));
	assert_non_null(strstr(err.message, path));
	assert_file_is(path, "keep", 4);
}

static void test_create_refuses_symlink(void **state)
{
	char target[CUST_PATH_MAX], lnk[CUST_PATH_MAX], dangling[CUST_PATH_MAX],
	     nowhere[CUST_PATH_MAX];
	struct stat st;

	(void)state;
	tpath(target, "target.bin");
	tpath(lnk, "link.bin");
	write_file(target, "keep", 4);
	assert_int_equal(symlink(target, lnk), 0);
	assert_int_equal(cust_fs_create(lnk, 0644, NULL), -1);
	assert_file_is(target, "keep", 4);

	/* a dangling symlink must not be followed to create its target */
	tpath(nowhere, "nowhere.bin");
	tpath(dangling, "dangling.bin");
	assert_int_equal(symlink(nowhere, dangling), 0);
	assert_int_equal(cust_fs_create(dangling, 0644, NULL), -1);
	assert_int_equal(lstat(nowhere, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lstat(dangling, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

/* ---- cust_fs_write_atomic ----------------------------------------------- */

static void test_write_atomic_noreplace_new(void **state)
{
	char path[CUST_PATH_MAX];

	(void)state;
	tpath(path, "record.json");
	assert_int_equal(cust_fs_write_atomic(path, "{}\n", 3, CUST_FS_NOREPLACE,
	                                      NULL), 0);
	assert_file_is(path, "{}\n", 3);
	assert_int_equal(count_entries(), 1);
	assert_false(temp_file_left());
}

static void test_write_atomic_noreplace_refuses(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	struct stat before, after;

	(void)state;
	tpath(path, "record.json");
	write_file(path, "old", 3);
	assert_int_equal(stat(path, &before), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_fs_write_atomic(path, "new content", 11,
	                                      CUST_FS_NOREPLACE, &err), -1);
	assert_non_null(strstr(err.message, "already exists"));
	assert_file_is(path, "old", 3);
	assert_int_equal(stat(path, &after), 0);
	assert_true(before.st_ino == after.st_ino);
	/* the temporary file was removed */
	assert_int_equal(count_entries(), 1);
	assert_false(temp_file_left());
}

static void test_write_atomic_replaces(void **state)
{
	char path[CUST_PATH_MAX];
	struct stat before, after;
	int fd;

	(void)state;
	tpath(path, "state.json");
	write_file(path, "old content", 11);
	assert_int_equal(stat(path, &before), 0);
	/* a reader holding the old file keeps seeing the old content */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cust_fs_write_atomic(path, "new", 3, 0, NULL), 0);
	assert_file_is(path, "new", 3);
	assert_int_equal(stat(path, &after), 0);
	/* replaced by a rename (new inode), not rewritten in place */
	assert_true(before.st_ino != after.st_ino);
	{
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof buf, 0);
		assert_int_equal(n, 11);
		assert_memory_equal(buf, "old content", 11);
	}
	close(fd);
	assert_int_equal(count_entries(), 1);
	assert_false(temp_file_left());
}

static void test_write_atomic_missing_folder(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	tpath(path, "no-such-folder/record.json");
	cust_error_clear(&err);
	assert_int_equal(cust_fs_write_atomic(path, "x", 1, 0, &err), -1);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_int_equal(count_entries(), 0);
}

/* A write killed before its rename (here by the file size limit, SIGXFSZ,
 * in the middle of the data) leaves its temporary file, which
 * cust_fs_is_temporary_of recognises by the name write_atomic gave it. */
static void test_write_atomic_killed_leaves_temporary(void **state)
{
	static char data[8192];
	char path[CUST_PATH_MAX], tmp[CUST_PATH_MAX];
	struct dirent *de;
	int status, found = 0;
	pid_t pid;
	DIR *d;

	(void)state;
	tpath(path, "SHA256SUMS.p7s");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 };
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(126);
		(void)cust_fs_write_atomic(path, data, sizeof data, 0, NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	assert_int_equal(count_entries(), 1);
	d = opendir(tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		assert_int_equal(cust_fs_is_temporary_of(de->d_name,
		                                         "SHA256SUMS.p7s"), 1);
		assert_true(snprintf(tmp, sizeof tmp, "SHA256SUMS.p7s.tmp-%ld",
		                     (long)pid) > 0);
		assert_string_equal(de->d_name, tmp);
		found = 1;
	}
	closedir(d);
	assert_true(found);
}

static void test_is_temporary_of(void **state)
{
	(void)state;
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-1", "a.json"), 1);
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-4194304", "a.json"),
	                 1);
	assert_int_equal(cust_fs_is_temporary_of(
	                         "a.json.tmp-1234567890123456789", "a.json"), 1);
	/* the shape only: no digits, too many, anything after them */
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of(
	                         "a.json.tmp-12345678901234567890", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-12x", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-12/", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-+1", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp-1", "b.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("a.json", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("xa.json.tmp-1", "a.json"), 0);
	assert_int_equal(cust_fs_is_temporary_of("a.json.tmp1", "a.json"), 0);
}

/* ---- cust_fs_read_file -------------------------------------------------- */

static void test_read_file_cap(void **state)
{
	char path[CUST_PATH_MAX], data[100];
	struct cust_error err;
	char *buf = (char *)1;
	size_t len = 99;

	(void)state;
	memset(data, 'q', sizeof data);
	tpath(path, "hundred.bin");
	write_file(path, data, sizeof data);

	cust_error_clear(&err);
	assert_int_equal(cust_fs_read_file(path, 99, &buf, &len, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_null(buf);
	assert_int_equal(len, 0);

	assert_int_equal(cust_fs_read_file(path, 100, &buf, &len, NULL), 0);
	assert_non_null(buf);
	assert_int_equal(len, 100);
	assert_memory_equal(buf, data, 100);
	assert_int_equal(buf[100], '\0');
	free(buf);
}

static void test_read_file_empty(void **state)
{
	char path[CUST_PATH_MAX];
	char *buf = NULL;
	size_t len = 7;

	(void)state;
	tpath(path, "empty");
	write_file(path, "", 0);
	assert_int_equal(cust_fs_read_file(path, 0, &buf, &len, NULL), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(buf[0], '\0');
	free(buf);
}

static void test_read_file_not_regular(void **state)
{
	char target[CUST_PATH_MAX], lnk[CUST_PATH_MAX], dir[CUST_PATH_MAX];
	struct cust_error err;
	char *buf = NULL;
	size_t len;

	(void)state;
	tpath(target, "target");
	tpath(lnk, "link");
	tpath(dir, "dir");
	write_file(target, "data", 4);
	assert_int_equal(symlink(target, lnk), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_fs_read_file(lnk, 100, &buf, &len, &err), -1);
	assert_int_equal(err.sys_errno, ELOOP);
	assert_null(buf);
	/* a cap far above the folder's size: refused for what it is */
	cust_error_clear(&err);
	assert_int_equal(cust_fs_read_file(dir, 1u << 20, &buf, &len, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "not a regular file"));
	assert_null(buf);
}

/* 0 when cust_fs_read_file refuses PATH with CUST_E_INPUT. */
static int read_refused(const char *path)
{
	struct cust_error err;
	char *buf = NULL;
	size_t len;

	cust_error_clear(&err);
	if (cust_fs_read_file(path, 1u << 20, &buf, &len, &err) != -1)
		return 1;
	return err.kind == CUST_E_INPUT && !buf ? 0 : 2;
}

static void test_read_file_fifo(void **state)
{
	char fifo[CUST_PATH_MAX];
	int rc;

	(void)state;
	/* a FIFO where a record is expected (hostile input): refused as not
	 * a regular file, not waited on forever for a writer */
	tpath(fifo, "case.json");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	rc = run_bounded(read_refused, fifo, 3000);
	if (rc == -1)
		fail_msg("cust_fs_read_file('%s') blocked on a FIFO", fifo);
	assert_int_equal(rc, 0);
}

/* 0 when cust_fs_open_evidence opens PATH (a FIFO) at once, blocking
 * reads again. */
static int evidence_opens(const char *path)
{
	int fd = cust_fs_open_evidence(path, 0), fl;

	if (fd < 0)
		return 1;
	fl = fcntl(fd, F_GETFL);
	close(fd);
	return fl >= 0 && !(fl & O_NONBLOCK) ? 0 : 2;
}

/* Evidence is opened without waiting for a FIFO's writer, and read
 * without stamping its access time (the tests run as the file's owner). */
static void test_open_evidence(void **state)
{
	char fifo[CUST_PATH_MAX], file[CUST_PATH_MAX], buf[16];
	struct timespec times[2] = { { 1000000000, 0 }, { 0, UTIME_OMIT } };
	struct stat st;
	int fd, rc;

	(void)state;
	tpath(fifo, "disk.img");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	rc = run_bounded(evidence_opens, fifo, 3000);
	if (rc == -1)
		fail_msg("cust_fs_open_evidence('%s') blocked on a FIFO", fifo);
	assert_int_equal(rc, 0);
	/* an access time before the last change: relatime would stamp it */
	tpath(file, "image.raw");
	write_file(file, "evidence", 8);
	assert_int_equal(utimensat(AT_FDCWD, file, times, 0), 0);
	fd = cust_fs_open_evidence(file, O_NOFOLLOW);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof buf), 8);
	close(fd);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	errno = 0;
	assert_int_equal(cust_fs_open_evidence("/nonexistent-custody", 0), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---- cust_fs_lock ------------------------------------------------------- */

static void test_lock_contended(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	struct timespec t0, t1;
	int locked[2], release[2], fd, status;
	char byte = 0;
	pid_t pid;

	(void)state;
	tpath(path, "custody.log");
	write_file(path, "", 0);
	assert_int_equal(pipe(locked), 0);
	assert_int_equal(pipe(release), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* child: hold the lock until told to release it; no cmocka here */
		int cfd;
		alarm(30); /* never outlive a parent that failed */
		close(locked[0]);
		close(release[1]);
		cfd = open(path, O_RDWR | O_CLOEXEC);
		if (cfd < 0 || flock(cfd, LOCK_EX) < 0)
			_exit(2);
		if (write(locked[1], "L", 1) != 1)
			_exit(3);
		if (read(release[0], &byte, 1) != 1)
			_exit(4);
		close(cfd); /* releases the lock */
		_exit(0);
	}
	close(locked[1]);
	close(release[0]);
	assert_int_equal(read(locked[0], &byte, 1), 1);

	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	cust_error_clear(&err);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	assert_int_equal(cust_fs_lock(fd, "custody.log", 200, &err), -1);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	assert_non_null(strstr(err.message, "'custody.log' is locked by another "
	                                    "process"));
	/* it waited for about the timeout, not forever and not at all */
	assert_true(elapsed_ms(&t0, &t1) >= 150);
	assert_true(elapsed_ms(&t0, &t1) < 5000);

	assert_int_equal(write(release[1], "R", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(locked[0]);
	close(release[1]);

	cust_error_clear(&err);
	assert_int_equal(cust_fs_lock(fd, "custody.log", 200, &err), 0);
	assert_int_equal(err.kind, CUST_OK);
	/* the lock is really held, and exclusive: another descriptor cannot
	 * even share it */
	{
		int other = open(path, O_RDWR | O_CLOEXEC);
		assert_true(other >= 0);
		assert_int_equal(flock(other, LOCK_SH | LOCK_NB), -1);
		assert_int_equal(errno, EWOULDBLOCK);
		close(other);
	}
	close(fd);
}

static void test_lock_waits_for_release(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	int locked[2], fd, status;
	char byte = 0;
	pid_t pid;

	(void)state;
	tpath(path, "lockfile");
	write_file(path, "", 0);
	assert_int_equal(pipe(locked), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* child: hold the lock for 300 ms, then exit */
		const struct timespec hold = { 0, 300 * 1000 * 1000 };
		int cfd;
		alarm(30);
		close(locked[0]);
		cfd = open(path, O_RDWR | O_CLOEXEC);
		if (cfd < 0 || flock(cfd, LOCK_EX) < 0)
			_exit(2);
		if (write(locked[1], "L", 1) != 1)
			_exit(3);
		nanosleep(&hold, NULL);
		_exit(0);
	}
	close(locked[1]);
	assert_int_equal(read(locked[0], &byte, 1), 1);
	close(locked[0]);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	/* a timeout longer than the hold: the wait ends with the lock */
	cust_error_clear(&err);
	assert_int_equal(cust_fs_lock(fd, "lockfile", 5000, &err), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
}

static void test_lock_timeout_env(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("CUSTODY_LOCK_TIMEOUT"), 0);
	assert_int_equal(cust_fs_lock_timeout_ms(), 30000);
	assert_int_equal(setenv("CUSTODY_LOCK_TIMEOUT", "5", 1), 0);
	assert_int_equal(cust_fs_lock_timeout_ms(), 5000);
	assert_int_equal(setenv("CUSTODY_LOCK_TIMEOUT", "0", 1), 0);
	assert_int_equal(cust_fs_lock_timeout_ms(), 0);
	assert_int_equal(setenv("CUSTODY_LOCK_TIMEOUT", "abc", 1), 0);
	assert_int_equal(cust_fs_lock_timeout_ms(), 30000);
	assert_int_equal(setenv("CUSTODY_LOCK_TIMEOUT", "-3", 1), 0);
	assert_int_equal(cust_fs_lock_timeout_ms(), 30000);
	assert_int_equal(unsetenv("CUSTODY_LOCK_TIMEOUT"), 0);
}

/* ---- cust_fs_rename_noreplace, mkdir, dir_state ------------------------- */

static void test_rename_noreplace(void **state)
{
	char from[CUST_PATH_MAX], to[CUST_PATH_MAX], fresh[CUST_PATH_MAX];
	struct cust_error err;
	struct stat st;

	(void)state;
	tpath(from, "from");
	tpath(to, "to");
	tpath(fresh, "fresh");
	write_file(from, "FROM", 4);
	write_file(to, "TO", 2);
	cust_error_clear(&err);
	assert_int_equal(cust_fs_rename_noreplace(from, to, &err), -1);
	assert_non_null(strstr(err.message, "already exists"));
	assert_file_is(from, "FROM", 4);
	assert_file_is(to, "TO", 2);

	assert_int_equal(cust_fs_rename_noreplace(from, fresh, NULL), 0);
	assert_file_is(fresh, "FROM", 4);
	assert_int_equal(lstat(from, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_mkdir_and_dir_state(void **state)
{
	char dir[CUST_PATH_MAX], file[CUST_PATH_MAX], missing[CUST_PATH_MAX];
	struct cust_error err;
	int exists = -1, empty = -1;

	(void)state;
	tpath(dir, "folder");
	tpath(file, "folder/f");
	tpath(missing, "missing");
	assert_int_equal(cust_fs_mkdir(dir, 0, NULL), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_fs_mkdir(dir, 0, &err), -1);
	assert_non_null(strstr(err.message, "already exists"));
	assert_int_equal(cust_fs_mkdir(dir, 1, NULL), 0);

	assert_int_equal(cust_fs_dir_state(dir, &exists, &empty, NULL), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(empty, 1);
	write_file(file, "x", 1);
	assert_int_equal(cust_fs_dir_state(dir, &exists, &empty, NULL), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(empty, 0);
	/* a file where a folder is wanted is not "existing" for exist_ok */
	assert_int_equal(cust_fs_mkdir(file, 1, NULL), -1);
	assert_int_equal(cust_fs_dir_state(missing, &exists, &empty, NULL), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(empty, 1);
}

/* ---- cust_parse_u64 ----------------------------------------------------- */

static void test_parse_u64(void **state)
{
	static const char *const bad[] = {
		"18446744073709551616", "99999999999999999999", "", "12a", "-1",
		"+1", " 1", "1 ", "0x10", "1.5", NULL
	};
	uint64_t v;
	size_t i;

	(void)state;
	v = 0;
	assert_int_equal(cust_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cust_parse_u64("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(cust_parse_u64("007", &v), 0);
	assert_true(v == 7);
	assert_int_equal(cust_parse_u64("1844674407370955161", &v), 0);
	assert_true(v == 1844674407370955161ull);
	for (i = 0; bad[i]; i++) {
		v = 12345;
		if (cust_parse_u64(bad[i], &v) != -1)
			fail_msg("'%s' accepted as a number", bad[i]);
		assert_true(v == 12345); /* untouched on failure */
	}
	assert_int_equal(cust_parse_u64(NULL, &v), -1);
}

/* ---- cust_sigpipe_hold -------------------------------------------------- */

/* In a child with SIGPIPE at its default: a write to a pipe nobody reads,
 * between hold and release, fails with EPIPE and the child lives on, the
 * signal neither delivered nor left pending, the mask as it was. */
static int sigpipe_child(const char *unused)
{
	struct cust_sigpipe held;
	sigset_t pending, mask;
	int fds[2];
	ssize_t n;

	(void)unused;
	signal(SIGPIPE, SIG_DFL);
	if (pipe(fds) < 0)
		return 10;
	close(fds[0]);
	cust_sigpipe_hold(&held);
	n = write(fds[1], "x", 1);
	if (n != -1 || errno != EPIPE)
		return 11;
	cust_sigpipe_release(&held);
	if (sigpending(&pending) < 0 || sigismember(&pending, SIGPIPE))
		return 12;
	if (sigprocmask(SIG_BLOCK, NULL, &mask) < 0 ||
	    sigismember(&mask, SIGPIPE))
		return 13;
	return 0;
}

/* The same write without the guard: SIGPIPE kills the child. */
static int sigpipe_unguarded_child(const char *unused)
{
	int fds[2];

	(void)unused;
	signal(SIGPIPE, SIG_DFL);
	if (pipe(fds) < 0)
		return 10;
	close(fds[0]);
	(void)!write(fds[1], "x", 1);
	return 11;
}

/* A SIGPIPE the caller had pending (blocked) before the hold is the
 * caller's: the release leaves it pending, and the mask blocking it. */
static int sigpipe_pending_child(const char *unused)
{
	struct cust_sigpipe held;
	sigset_t set, pending, mask;

	(void)unused;
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || raise(SIGPIPE) != 0)
		return 10;
	cust_sigpipe_hold(&held);
	cust_sigpipe_release(&held);
	if (sigpending(&pending) < 0 || !sigismember(&pending, SIGPIPE))
		return 11;
	if (sigprocmask(SIG_BLOCK, NULL, &mask) < 0 ||
	    !sigismember(&mask, SIGPIPE))
		return 12;
	return 0;
}

static void test_sigpipe_hold(void **state)
{
	(void)state;
	/* without the guard the write kills (run_bounded's 128) */
	assert_int_equal(run_bounded(sigpipe_unguarded_child, NULL, 10000), 128);
	assert_int_equal(run_bounded(sigpipe_child, NULL, 10000), 0);
	assert_int_equal(run_bounded(sigpipe_pending_child, NULL, 10000), 0);
}

/* ---- main --------------------------------------------------------------- */

/* Names of one folder in the order of their full paths: "a.txt" before
 * the folder "a" (its files are "a/..."), "a0" after it. */
static void test_path_name_order(void **state)
{
	(void)state;
	assert_true(cust_path_name_cmp("a.txt", 0, "a", 1) < 0);
	assert_true(cust_path_name_cmp("a", 1, "a0", 0) < 0);
	assert_true(cust_path_name_cmp("a", 0, "a.txt", 0) < 0);
	assert_true(cust_path_name_cmp("a", 0, "a0", 0) < 0);
	assert_true(cust_path_name_cmp("b", 1, "a", 1) > 0);
	assert_true(cust_path_name_cmp("\xc3\xa9", 0, "z", 1) > 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_id_check_accepts),
		T(test_path_name_order),
		T(test_id_check_refuses),
		T(test_path_check_accepts),
		T(test_path_check_refuses),
		T(test_path_check_embedded_nul),
		T(test_path_join),
		T(test_path_format),
		T(test_create_new),
		T(test_create_refuses_existing),
		T(test_create_refuses_symlink),
		T(test_write_atomic_noreplace_new),
		T(test_write_atomic_noreplace_refuses),
		T(test_write_atomic_replaces),
		T(test_write_atomic_missing_folder),
		T(test_write_atomic_killed_leaves_temporary),
		T(test_is_temporary_of),
		T(test_read_file_cap),
		T(test_read_file_empty),
		T(test_read_file_not_regular),
		T(test_read_file_fifo),
		T(test_open_evidence),
		T(test_lock_contended),
		T(test_lock_waits_for_release),
		T(test_lock_timeout_env),
		T(test_rename_noreplace),
		T(test_mkdir_and_dir_state),
		T(test_parse_u64),
		T(test_sigpipe_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
