/* resume.c - the state of an interrupted acquisition; see lib/resume.h. */
#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"

/* Lines of the state files are short; a longer one is torn or forged. */
#define STATE_LINE_MAX 128

static int open_state(const char *dir, const char *name, struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	int fd;

	if (cust_path_format(path, sizeof path, err, "%s/%s", dir, name) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW |
	                        O_CLOEXEC, 0644);
	if (fd < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot create '%s'", path);
	return fd;
}

int resume_state_begin(struct resume_state *st, const char *dir,
                       const json_t *plan, struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	char *text = NULL;
	int rc;

	st->blocks_fd = st->errors_fd = -1;
	st->ranges_saved = 0;
	text = cust_json_pretty(plan, err);
	if (!text || cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                              RESUME_PLAN) < 0) {
		free(text);
		return -1;
	}
	rc = cust_fs_write_atomic(path, text, strlen(text), 0, err);
	free(text);
	if (rc < 0)
		return -1;
	st->blocks_fd = open_state(dir, RESUME_BLOCKS, err);
	st->errors_fd = st->blocks_fd < 0 ? -1 : open_state(dir, RESUME_ERRORS, err);
	if (st->errors_fd < 0) {
		resume_state_close(st);
		return -1;
	}
	return 0;
}

static void put_line(int fd, const char *line, int len)
{
	if (fd >= 0 && len > 0 && len < STATE_LINE_MAX)
		(void)cust_fs_write_all(fd, line, (size_t)len, "state", NULL);
}

void resume_state_block(void *ctx, uint64_t index, const unsigned char hash[32])
{
	struct resume_state *st = ctx;
	char hex[65], line[STATE_LINE_MAX];

	cust_hex_encode(hash, 32, hex);
	put_line(st->blocks_fd, line,
	         snprintf(line, sizeof line, "%" PRIu64 " %s\n", index, hex));
}

void resume_state_ranges(struct resume_state *st, const struct cust_source *src)
{
	const struct cust_source_range *r;
	uint64_t pos = cust_source_position(src);
	size_t n;
	char line[STATE_LINE_MAX];

	r = cust_source_ranges(src, &n);
	while (st->ranges_saved < n &&
	       r[st->ranges_saved].offset + r[st->ranges_saved].length < pos) {
		const struct cust_source_range *x = &r[st->ranges_saved++];
		put_line(st->errors_fd, line,
		         snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 " %c\n",
		                  x->offset, x->length, x->status));
	}
}

void resume_state_close(struct resume_state *st)
{
	if (st->blocks_fd >= 0)
		close(st->blocks_fd);
	if (st->errors_fd >= 0)
		close(st->errors_fd);
	st->blocks_fd = st->errors_fd = -1;
}

int resume_state_end(struct resume_state *st, const char *dir,
                     struct cust_error *err)
{
	static const char *const names[] = { RESUME_PLAN, RESUME_BLOCKS,
		                             RESUME_ERRORS };
	char path[CUST_PATH_MAX];
	size_t i;

	resume_state_close(st);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
		                     names[i]) < 0)
			return -1;
		if (unlink(path) < 0 && errno != ENOENT)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot remove '%s'", path);
	}
	return 0;
}

json_t *resume_state_plan(const char *dir, struct cust_error *err)
{
	char path[CUST_PATH_MAX];

	if (cust_path_format(path, sizeof path, err, "%s/%s", dir, RESUME_PLAN) < 0)
		return NULL;
	return cust_json_load_file(path, err);
}

/* Read DIR/NAME whole (bounded by MAX bytes). */
static int read_state(const char *dir, const char *name, size_t max, char **buf,
                      size_t *len, struct cust_error *err)
{
	char path[CUST_PATH_MAX];

	if (cust_path_format(path, sizeof path, err, "%s/%s", dir, name) < 0)
		return -1;
	return cust_fs_read_file(path, max, buf, len, err);
}

int resume_state_blocks(const char *dir, uint64_t max,
                        unsigned char (**hashes)[32], uint64_t *n,
                        struct cust_error *err)
{
	char *buf, *line, *next;
	size_t len;
	uint64_t i = 0;

	*hashes = NULL;
	*n = 0;
	if (max > ((uint64_t)1 << 28))
		max = (uint64_t)1 << 28;
	if (read_state(dir, RESUME_BLOCKS, (size_t)(max + 1) * STATE_LINE_MAX,
	               &buf, &len, err) < 0)
		return -1;
	*hashes = malloc((size_t)(max ? max : 1) * 32);
	if (!*hashes) {
		free(buf);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	/* a line without its newline was cut by the interruption: not used */
	for (line = buf; i < max && (next = memchr(line, '\n', len - (size_t)(line - buf)));
	     line = next + 1) {
		unsigned long long idx;
		char hex[65];
		*next = '\0';
		if (sscanf(line, "%llu %64s", &idx, hex) != 2 || idx != i ||
		    strlen(hex) != 64 || cust_hex_decode(hex, (*hashes)[i], 32) < 0)
			break;
		i++;
	}
	free(buf);
	*n = i;
	return 0;
}

int resume_state_errors(const char *dir, uint64_t limit,
                        struct cust_source_range **ranges, size_t *n,
                        struct cust_error *err)
{
	char *buf, *line, *next;
	size_t len, cap = 0;

	*ranges = NULL;
	*n = 0;
	if (read_state(dir, RESUME_ERRORS, (size_t)64 << 20, &buf, &len, err) < 0)
		return -1;
	for (line = buf; (next = memchr(line, '\n', len - (size_t)(line - buf)));
	     line = next + 1) {
		unsigned long long off, rlen;
		char status;
		*next = '\0';
		if (sscanf(line, "%llu %llu %c", &off, &rlen, &status) != 3 ||
		    (status != CUST_SOURCE_BAD && status != CUST_SOURCE_NOT_TRIMMED) ||
		    rlen == 0 || off >= limit)
			break;
		if (*n == cap) {
			struct cust_source_range *r;
			cap = cap ? cap * 2 : 64;
			r = realloc(*ranges, cap * sizeof *r);
			if (!r) {
				free(buf);
				return cust_error_set(err, CUST_E_IO, "out of memory");
			}
			*ranges = r;
		}
		(*ranges)[*n].offset = off;
		(*ranges)[*n].length = off + rlen > limit ? limit - off : rlen;
		(*ranges)[*n].status = status;
		(*n)++;
	}
	free(buf);
	return 0;
}
