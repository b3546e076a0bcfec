/* fsutil.c - careful file-system primitives; see include/custody/fsutil.h. */
#include "custody/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cust_id_check(const char *id, const char *what, struct cust_error *err)
{
	size_t len, i;

	if (!id || !*id)
		return cust_error_set(err, CUST_E_USAGE, "%s is empty", what);
	len = strnlen(id, CUST_ID_MAX + 1);
	if (len > CUST_ID_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s is longer than %d characters", what,
		                      CUST_ID_MAX);
	if (id[0] == '.')
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s '%s' starts with a dot", what, id);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
			continue;
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s '%s' may hold only letters, digits, '.', "
		                      "'_' and '-'", what, id);
	}
	return 0;
}

int cust_path_check_relative(const char *name, size_t len,
                             struct cust_error *err)
{
	size_t i, start = 0;

	if (len == 0)
		return cust_error_set(err, CUST_E_INPUT, "empty path");
	if (name[0] == '/')
		return cust_error_set(err, CUST_E_INPUT,
		                      "absolute path '%.*s' refused", (int)len, name);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '\0')
			return cust_error_set(err, CUST_E_INPUT,
			                      "path contains a NUL byte");
		if (c < 0x20 || c == 0x7f || c == '\\')
			return cust_error_set(err, CUST_E_INPUT,
			                      "path '%.*s' contains a control character "
			                      "or backslash", (int)len, name);
	}
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		size_t clen = i - start;
		if (clen == 0 || (clen == 1 && name[start] == '.') ||
		    (clen == 2 && name[start] == '.' && name[start + 1] == '.'))
			return cust_error_set(err, CUST_E_INPUT,
			                      "path '%.*s' has an empty, '.' or '..' "
			                      "component", (int)len, name);
		start = i + 1;
	}
	return 0;
}

int cust_path_format(char *out, size_t outsz, struct cust_error *err,
                     const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0'; /* never leave a cut path behind */
		return cust_error_set(err, CUST_E_USAGE, "path too long");
	}
	return 0;
}

int cust_path_join(char *out, size_t outsz, const char *base, const char *rel,
                   struct cust_error *err)
{
	if (cust_path_check_relative(rel, strlen(rel), err) < 0)
		return -1;
	return cust_path_format(out, outsz, err, "%s/%s", base, rel);
}

int cust_fs_refuse_existing(const char *path, struct cust_error *err)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return cust_error_set(err, CUST_E_IO,
		                      "'%s' already exists; custody never "
		                      "overwrites", path);
	if (errno != ENOENT)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot check '%s'", path);
	return 0;
}

int cust_fs_create(const char *path, mode_t mode, struct cust_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	              mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return cust_error_set(err, CUST_E_IO,
			                      "'%s' already exists; custody never "
			                      "overwrites", path);
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot create '%s'", path);
	}
	return fd;
}

int cust_fs_open_read(const char *path, int nofollow, struct cust_error *err)
{
	/* O_NONBLOCK: opening a FIFO planted in place of a file must not wait
	 * for a writer; cleared at once for ordinary reads */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	                            (nofollow ? O_NOFOLLOW : 0));
	int flags;

	if (fd < 0)
		return cust_error_set_errno(err,
		                            errno == ENOENT || errno == ELOOP
		                                    ? CUST_E_INPUT
		                                    : CUST_E_IO,
		                            errno, "cannot open '%s'", path);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, e, "cannot open '%s'",
		                            path);
	}
	return fd;
}

int cust_fs_open_evidence(const char *path, int flags)
{
	int fd, fl, e;

	flags |= O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	do
		fd = open(path, flags | O_NOATIME);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == EPERM) /* not the owner: atime as mounted */
		do
			fd = open(path, flags);
		while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int cust_fs_write_all(int fd, const void *buf, size_t len, const char *name,
                      struct cust_error *err)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot write '%s'", name);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cust_fs_close_synced(int fd, const char *name, struct cust_error *err)
{
	int rc = 0;

	if (fsync(fd) < 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot sync '%s'", name);
	if (close(fd) < 0 && rc == 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot close '%s'", name);
	return rc;
}

int cust_path_name_cmp(const char *a, int a_dir, const char *b, int b_dir)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;
	int cp, cq;

	while (*p && *p == *q)
		p++, q++;
	cp = *p ? *p : a_dir ? '/' : 0;
	cq = *q ? *q : b_dir ? '/' : 0;
	return cp - cq;
}

FILE *cust_fs_fcreate(const char *path, mode_t mode, struct cust_error *err)
{
	int fd = cust_fs_create(path, mode, err);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot write '%s'",
		                     path);
		close(fd);
		unlink(path);
	}
	return f;
}

int cust_fs_fclose_synced(FILE *f, const char *name, struct cust_error *err)
{
	int rc = 0;

	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write '%s'", name);
	if (fclose(f) != 0 && rc == 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write '%s'", name);
	return rc;
}

int cust_path_dir(const char *path, char *dir, size_t dirsz,
                  struct cust_error *err)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return cust_path_format(dir, dirsz, err, ".");
	if (slash == path)
		return cust_path_format(dir, dirsz, err, "/");
	return cust_path_format(dir, dirsz, err, "%.*s", (int)(slash - path),
	                        path);
}

int cust_fs_sync_dir(const char *dir, struct cust_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open folder '%s'", dir);
	if (fsync(fd) < 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot sync folder '%s'", dir);
	close(fd);
	return rc;
}

int cust_fs_write_atomic(const char *path, const void *data, size_t len,
                         int flags, struct cust_error *err)
{
	char tmp[CUST_PATH_MAX], dir[CUST_PATH_MAX];
	int fd, rc;

	if (cust_path_dir(path, dir, sizeof dir, err) < 0 ||
	    cust_path_format(tmp, sizeof tmp, err, "%s%s%ld", path,
	                     CUST_FS_TEMP_INFIX, (long)getpid()) < 0)
		return -1;
	fd = cust_fs_create(tmp, 0644, err);
	if (fd < 0)
		return -1;
	if (cust_fs_write_all(fd, data, len, path, err) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (cust_fs_close_synced(fd, path, err) < 0) {
		unlink(tmp);
		return -1;
	}
	if (flags & CUST_FS_NOREPLACE)
		rc = cust_fs_rename_noreplace(tmp, path, err);
	else if (rename(tmp, path) < 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot rename into '%s'", path);
	else
		rc = 0;
	if (rc < 0) {
		unlink(tmp);
		return -1;
	}
	return cust_fs_sync_dir(dir, err);
}

int cust_fs_is_temporary_of(const char *name, const char *final)
{
	size_t fl = strlen(final), il = sizeof CUST_FS_TEMP_INFIX - 1, i;

	if (strncmp(name, final, fl) != 0 ||
	    strncmp(name + fl, CUST_FS_TEMP_INFIX, il) != 0)
		return 0;
	name += fl + il;
	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++)
		;
	return i >= 1 && i <= 19 && name[i] == '\0';
}

int cust_fs_read_file(const char *path, size_t max, char **out, size_t *len,
                      struct cust_error *err)
{
	return cust_fs_read_file_ex(path, max, 1, NULL, out, len, err);
}

int cust_fs_read_file_ex(const char *path, size_t max, int nofollow,
                         mode_t *mode, char **out, size_t *len,
                         struct cust_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = cust_fs_open_read(path, nofollow, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot stat '%s'", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is larger than %zu bytes", path, max);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		cust_error_set(err, CUST_E_IO, "out of memory reading '%s'", path);
		goto fail;
	}
	/* read to the size seen by fstat; a file that grows meanwhile is cut
	 * there, one that shrinks ends early */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot read '%s'", path);
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	if (mode)
		*mode = st.st_mode & 07777;
	*out = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int cust_fs_mkdir(const char *path, int exist_ok, struct cust_error *err)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && exist_ok && lstat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		return cust_error_set(err, CUST_E_IO, "'%s' already exists", path);
	return cust_error_set_errno(err, CUST_E_IO, errno,
	                            "cannot create folder '%s'", path);
}

int cust_fs_rename_noreplace(const char *from, const char *to,
                             struct cust_error *err)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return cust_error_set(err, CUST_E_IO,
		                      "'%s' already exists; custody never "
		                      "overwrites", to);
	return cust_error_set_errno(err, CUST_E_IO, errno,
	                            "cannot rename '%s' to '%s'", from, to);
}

int cust_fs_dir_state(const char *dir, int *exists, int *empty,
                      struct cust_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*exists = 0;
	*empty = 1;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open folder '%s'", dir);
	}
	*exists = 1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			*empty = 0;
			break;
		}
	}
	closedir(d);
	return 0;
}

int cust_fs_lock(int fd, const char *name, long timeout_ms,
                 struct cust_error *err)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	long waited = 0;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot lock '%s'", name);
		if (waited >= timeout_ms)
			return cust_error_set(err, CUST_E_IO,
			                      "'%s' is locked by another process "
			                      "(waited %ld.%ld s)", name, waited / 1000,
			                      waited % 1000 / 100);
		nanosleep(&pause, NULL);
		waited += 20;
	}
}

long cust_fs_lock_timeout_ms(void)
{
	const char *s = getenv("CUSTODY_LOCK_TIMEOUT");
	uint64_t secs;

	if (s && cust_parse_u64(s, &secs) == 0)
		return secs > 86400 ? 86400L * 1000 : (long)secs * 1000;
	return 30 * 1000;
}

void cust_signals_hold(struct cust_signals *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	s->held = pthread_sigmask(SIG_BLOCK, &set, &s->old) == 0;
}

void cust_signals_release(struct cust_signals *s)
{
	if (s->held)
		(void)pthread_sigmask(SIG_SETMASK, &s->old, NULL);
	s->held = 0;
}

static int sigpipe_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
}

void cust_sigpipe_hold(struct cust_sigpipe *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	s->was_pending = sigpipe_pending();
	s->held = pthread_sigmask(SIG_BLOCK, &set, &s->old) == 0;
}

void cust_sigpipe_release(struct cust_sigpipe *s)
{
	static const struct timespec now = { 0, 0 };
	sigset_t set;
	int r;

	if (!s->held)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	/* a write's SIGPIPE is the thread's own: take it back before it
	 * can be delivered */
	if (!s->was_pending && sigpipe_pending())
		do
			r = sigtimedwait(&set, NULL, &now);
		while (r < 0 && errno == EINTR);
	(void)pthread_sigmask(SIG_SETMASK, &s->old, NULL);
	s->held = 0;
}

int cust_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned d;
		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
