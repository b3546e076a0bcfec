/* passphrase.c - where a key's passphrase comes from; see
 * include/custody/passphrase.h. */
#include "custody/passphrase.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "custody/fsutil.h"

void cust_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

/*
 * Read one line from FD into BUF (CAP bytes: at most CAP - 1 characters,
 * NUL-terminated, without the newline) a byte at a time, so that nothing
 * past the line is consumed.  1 when the line fit (the end of the input
 * ends it too), 0 when it did not, -1 on a read error with errno set.
 */
static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int fits = 1;
	char c = 0;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			cust_wipe(&c, sizeof c);
			buf[n] = '\0';
			*len = n;
			errno = e;
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap) {
			fits = 0;
			break;
		}
		buf[n++] = c;
	}
	cust_wipe(&c, sizeof c);
	buf[n] = '\0';
	*len = n;
	return fits;
}

/* A passphrase of N bytes from SOURCE in BUF is usable: not empty, no NUL
 * byte (BUF would end early for whoever takes it as a string). */
static int check_passphrase(const char *buf, size_t n, const char *source,
                            struct cust_error *err)
{
	if (n == 0)
		return cust_error_set(err, CUST_E_INPUT, "the passphrase from %s "
		                      "is empty", source);
	if (memchr(buf, '\0', n))
		return cust_error_set(err, CUST_E_INPUT, "the passphrase from %s "
		                      "contains a NUL byte", source);
	return 0;
}

static int from_file(const char *path, char *buf, size_t limit, size_t *len,
                     struct cust_error *err)
{
	char source[CUST_PATH_MAX + 8];
	struct stat st;
	int fd, rc;

	(void)snprintf(source, sizeof source, "'%s'", path);
	fd = cust_fs_open_read(path, 0, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return cust_error_set(err, CUST_E_INPUT,
		                      "the passphrase file '%s' is a folder", path);
	}
	rc = read_line(fd, buf, limit + 1, len);
	if (rc < 0)
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'", path);
	else if (rc == 0)
		cust_error_set(err, CUST_E_INPUT,
		               "the passphrase in '%s' is longer than %zu bytes",
		               path, limit);
	close(fd);
	if (rc == 1 && check_passphrase(buf, *len, source, err) == 0)
		return 0;
	return -1;
}

static int from_env(const char *value, char *buf, size_t limit, size_t *len,
                    struct cust_error *err)
{
	size_t n = strnlen(value, limit + 1);

	if (n > limit)
		return cust_error_set(err, CUST_E_INPUT,
		                      "CUSTODY_PASSPHRASE is longer than %zu bytes",
		                      limit);
	memcpy(buf, value, n);
	buf[n] = '\0';
	*len = n;
	return check_passphrase(buf, n, "CUSTODY_PASSPHRASE", err);
}

static int no_passphrase(struct cust_error *err)
{
	return cust_error_set(err, CUST_E_USAGE,
	                      "no passphrase: give --passphrase-file, set "
	                      "CUSTODY_PASSPHRASE, or run on a terminal");
}

/* One answer of ASK into BUF (LIMIT + 1 bytes), checked. */
static int ask_once(cust_passphrase_ask_fn ask, void *ctx, const char *prompt,
                    char *buf, size_t limit, size_t *len,
                    struct cust_error *err)
{
	int rc;

	*len = 0;
	buf[0] = '\0';
	cust_error_clear(err);
	rc = ask(ctx, prompt, buf, limit + 1, len, err);
	if (rc == 1)
		return no_passphrase(err);
	if (rc != 0) {
		if (err && err->kind == CUST_OK) /* an asker that did not say */
			cust_error_set(err, CUST_E_IO, "cannot read the passphrase");
		return -1;
	}
	if (*len > limit || buf[*len] != '\0')
		return cust_error_set(err, CUST_E_USAGE,
		                      "the passphrase is longer than %zu bytes",
		                      limit);
	return check_passphrase(buf, *len, "the terminal", err);
}

static int from_ask(cust_passphrase_ask_fn ask, void *ctx, const char *prompt,
                    int confirm, char *buf, size_t limit, size_t *len,
                    struct cust_error *err)
{
	char again[CUST_PASSPHRASE_MAX + 1];
	size_t again_len = 0;
	int rc;

	if (!ask)
		return no_passphrase(err);
	rc = ask_once(ask, ctx, prompt ? prompt : "passphrase: ", buf, limit,
	              len, err);
	if (rc == 0 && confirm) {
		rc = ask_once(ask, ctx, "the same passphrase again: ", again, limit,
		              &again_len, err);
		if (rc == 0 && (again_len != *len ||
		                CRYPTO_memcmp(again, buf, *len) != 0))
			rc = cust_error_set(err, CUST_E_USAGE,
			                    "the passphrases do not match");
	}
	cust_wipe(again, sizeof again);
	return rc;
}

int cust_passphrase_get(const char *pass_file, cust_passphrase_ask_fn ask,
                        void *ask_ctx, const char *prompt, int confirm,
                        char *buf, size_t cap, size_t *len,
                        struct cust_error *err)
{
	const char *env;
	size_t limit;
	int rc;

	if (!buf || cap < 2 || !len)
		return cust_error_set(err, CUST_E_USAGE, "no room for a passphrase");
	*len = 0;
	buf[0] = '\0';
	limit = cap - 1 < CUST_PASSPHRASE_MAX ? cap - 1 : CUST_PASSPHRASE_MAX;
	env = getenv("CUSTODY_PASSPHRASE");
	if (pass_file)
		rc = from_file(pass_file, buf, limit, len, err);
	else if (env)
		rc = from_env(env, buf, limit, len, err);
	else
		rc = from_ask(ask, ask_ctx, prompt, confirm, buf, limit, len, err);
	if (rc < 0) {
		cust_wipe(buf, limit + 1);
		*len = 0;
	}
	return rc;
}
