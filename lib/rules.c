/* rules.c - YARA rules through libyara; see include/custody/rules.h. */
#include "custody/rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yara.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/walk.h"

#define RULES_MAGIC 0x72756c65u
#define SCANNER_MAGIC 0x7973636eu

enum {
	MSG_MAX = 512,             /* bytes of a libyara message kept */
	DIRS_MAX = 10000           /* folders walked below DIR */
};

struct cust_rules {
	unsigned magic;
	YR_RULES *yr;
	size_t count;
	size_t files;
	char digest[65];
};

/* A reader scan: libyara's block iterator over PREAD, one block held. */
struct reader {
	YR_MEMORY_BLOCK_ITERATOR it;
	YR_MEMORY_BLOCK block;
	uint64_t size;
	cust_rules_pread_fn pread;
	void *ctx;
	unsigned char *buf;        /* CUST_RULES_BLOCK + CUST_RULES_OVERLAP */
	uint64_t held_off;         /* buf[0..held_len) is content from here */
	size_t held_len;
	int failed;                /* a read failed or ended early */
	int ended;                 /* ... by ending before SIZE */
	uint64_t fail_off;
};

struct cust_rules_scanner {
	unsigned magic;
	const struct cust_rules *rules;
	YR_SCANNER *yr;
	unsigned timeout;
	unsigned char *block_buf;  /* allocated by the first reader scan */
	/* the scan in progress */
	struct cust_rule_hit *hits;
	size_t maxhits;
	size_t nhits;
	int truncated;
};

/* ---- libyara's lifetime -------------------------------------------------- */

/* libyara wants one yr_initialize before any use and a yr_finalize after
 * the last; its own counter is not thread-safe, so count loaded rule sets
 * here under a lock. */
static pthread_mutex_t yara_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned yara_users;

static int yara_acquire(struct cust_error *err)
{
	int rc = ERROR_SUCCESS;

	pthread_mutex_lock(&yara_lock);
	if (yara_users == 0) {
		rc = yr_initialize();
		/* no copy of matched bytes: nothing here reads them,
		 * and hostile content makes a million matches a string */
		if (rc == ERROR_SUCCESS)
			yr_set_configuration_uint32(YR_CONFIG_MAX_MATCH_DATA,
			                            0);
	}
	if (rc == ERROR_SUCCESS)
		yara_users++;
	pthread_mutex_unlock(&yara_lock);
	if (rc != ERROR_SUCCESS)
		return cust_error_set(err, CUST_E_IO,
		                      "cannot initialise libyara (error %d)",
		                      rc);
	return 0;
}

static void yara_release(void)
{
	pthread_mutex_lock(&yara_lock);
	if (yara_users > 0 && --yara_users == 0)
		yr_finalize();
	pthread_mutex_unlock(&yara_lock);
}

/* ---- finding the rule files --------------------------------------------- */

struct file_list {
	char **paths;
	size_t n;
	size_t cap;
	size_t dirs;
};

static void file_list_release(struct file_list *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->paths[i]);
	free(fl->paths);
	memset(fl, 0, sizeof *fl);
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && strcmp(name + n - s, suffix) == 0;
}

static int is_rule_name(const char *name)
{
	return has_suffix(name, ".yar") || has_suffix(name, ".yara");
}

/* A relative path that the sha256sum listing and a namespace can carry as
 * it is: short enough, and nothing cust_walk_escape would change. */
static int check_rule_path(const char *dir, const char *rel,
                           struct cust_error *err)
{
	char shown[CUST_PATH_MAX];
	size_t len = strlen(rel);
	int cut = cust_walk_escape(rel, len, shown, sizeof shown);

	if (cut || strcmp(shown, rel) != 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "rule file name '%s/%s' is not plain "
		                      "UTF-8 (control character, backslash "
		                      "or bad byte)", dir, shown);
	if (len >= CUST_RULES_NS_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "rule file path '%s/%s' is longer than "
		                      "%d bytes", dir, rel,
		                      CUST_RULES_NS_MAX - 1);
	return 0;
}

static int file_list_add(struct file_list *fl, const char *rel,
                         struct cust_error *err)
{
	if (fl->n >= CUST_RULES_FILES_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "more than %d rule files",
		                      CUST_RULES_FILES_MAX);
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 64;
		char **p = realloc(fl->paths, cap * sizeof *p);
		if (!p)
			return cust_error_set(err, CUST_E_IO, "out of memory "
			                      "listing rule files");
		fl->paths = p;
		fl->cap = cap;
	}
	fl->paths[fl->n] = strdup(rel);
	if (!fl->paths[fl->n])
		return cust_error_set(err, CUST_E_IO,
		                      "out of memory listing rule files");
	fl->n++;
	return 0;
}

static int collect(const char *dir, int dfd, const char *rel, int depth,
                   struct file_list *fl, struct cust_error *err);

/* Entry NAME of the folder D, at PATH relative to DIR: a subfolder is
 * walked, a rule file listed, anything else skipped. */
static int collect_entry(const char *dir, DIR *d, const char *name,
                         const char *path, int depth, struct file_list *fl,
                         struct cust_error *err)
{
	char shown[CUST_PATH_MAX];
	struct stat st;
	int sub;

	/* for messages: the name as it may be printed */
	cust_walk_escape(path, strlen(path), shown, sizeof shown);
	if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot stat '%s/%s'", dir, shown);
	if (S_ISDIR(st.st_mode)) {
		if (depth >= CUST_RULES_DEPTH_MAX)
			return cust_error_set(err, CUST_E_USAGE,
			                      "rule folder '%s/%s' is nested "
			                      "deeper than %d levels", dir,
			                      shown, CUST_RULES_DEPTH_MAX);
		if (++fl->dirs > DIRS_MAX)
			return cust_error_set(err, CUST_E_USAGE,
			                      "more than %d folders below '%s'",
			                      DIRS_MAX, dir);
		sub = openat(dirfd(d), name,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot open rule folder "
			                            "'%s/%s'", dir, shown);
		return collect(dir, sub, path, depth + 1, fl, err);
	}
	if (!is_rule_name(name))
		return 0;
	if (S_ISLNK(st.st_mode))
		return cust_error_set(err, CUST_E_USAGE,
		                      "rule file '%s/%s' is a symbolic link: "
		                      "not followed", dir, shown);
	if (!S_ISREG(st.st_mode))
		return cust_error_set(err, CUST_E_USAGE,
		                      "rule file '%s/%s' is not a regular file",
		                      dir, shown);
	if (check_rule_path(dir, path, err) < 0)
		return -1;
	return file_list_add(fl, path, err);
}

/* The rule files in the folder open as DFD (which this closes), whose path
 * relative to DIR is REL ("" for DIR itself), DEPTH levels down. */
static int collect(const char *dir, int dfd, const char *rel, int depth,
                   struct file_list *fl, struct cust_error *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		int e = errno;
		close(dfd);
		return cust_error_set_errno(err, CUST_E_IO, e,
		                            "cannot read rule folder '%s/%s'",
		                            dir, rel);
	}
	for (;;) {
		char path[CUST_PATH_MAX];
		int n;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno != 0)
				rc = cust_error_set_errno(err, CUST_E_IO, errno,
				                          "cannot read rule "
				                          "folder '%s/%s'",
				                          dir, rel);
			break;
		}
		/* hidden: ".", "..", editor and version-control files */
		if (de->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "",
		             de->d_name);
		if (n < 0 || (size_t)n >= sizeof path) {
			rc = cust_error_set(err, CUST_E_USAGE,
			                    "path below rule folder '%s' too "
			                    "long", dir);
			break;
		}
		rc = collect_entry(dir, d, de->d_name, path, depth, fl, err);
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc;
}

static int cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- reading one rule file ---------------------------------------------- */

/* Open REL below the folder TOP without following a link on the way. */
static int open_below(int top, const char *rel)
{
	char part[CUST_RULES_NS_MAX];
	const char *p = rel;
	int fd = top;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		int next;

		if (len == 0 || len >= sizeof part) {
			errno = EINVAL;
			next = -1;
		} else {
			memcpy(part, p, len);
			part[len] = '\0';
			next = openat(fd, part,
			              O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			              (slash ? O_DIRECTORY : O_NONBLOCK));
		}
		if (fd != top) {
			int e = errno;
			close(fd);
			errno = e;
		}
		if (next < 0 || !slash)
			return next;
		fd = next;
		p = slash + 1;
	}
}

/* The content of rule file REL as a NUL-terminated string. */
static int read_rule_file(const char *dir, int top, const char *rel,
                          char **out, size_t *outlen, struct cust_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd = open_below(top, rel), rc = -1;

	*out = NULL;
	*outlen = 0;
	if (fd < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open rule file '%s/%s'",
		                            dir, rel);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cust_error_set(err, CUST_E_USAGE,
		               "rule file '%s/%s' is not a regular file", dir,
		               rel);
		goto out;
	}
	if ((uint64_t)st.st_size > CUST_RULES_FILE_MAX)
		goto too_big;
	/* read to the end, whatever fstat said, within the bound */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf)
		goto no_memory;
	for (;;) {
		ssize_t n;
		if (len == cap) {
			char *p;
			if (cap > CUST_RULES_FILE_MAX)
				goto too_big;
			cap = cap > CUST_RULES_FILE_MAX / 2 ?
			      CUST_RULES_FILE_MAX + 1 : cap * 2;
			p = realloc(buf, cap + 1);
			if (!p)
				goto no_memory;
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot read rule file '%s/%s'",
			                     dir, rel);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CUST_RULES_FILE_MAX)
		goto too_big;
	buf[len] = '\0';
	/* libyara compiles a C string: a NUL would silently end the file */
	if (memchr(buf, '\0', len)) {
		cust_error_set(err, CUST_E_USAGE,
		               "rule file '%s/%s' contains a NUL byte", dir,
		               rel);
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
	goto out;

too_big:
	cust_error_set(err, CUST_E_USAGE,
	               "rule file '%s/%s' is larger than %u bytes", dir, rel,
	               CUST_RULES_FILE_MAX);
	goto out;
no_memory:
	cust_error_set(err, CUST_E_IO, "out of memory reading '%s/%s'", dir,
	               rel);
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- compiling ---------------------------------------------------------- */

struct compile_state {
	int failed;
	int line;
	char msg[MSG_MAX];
	int include_refused;
	char include[MSG_MAX];
};

static void on_compile(int level, const char *file, int line,
                       const YR_RULE *rule, const char *message, void *user)
{
	struct compile_state *cs = user;

	(void)file;
	(void)rule;
	/* warnings (slow strings and such) do not stop the examiner */
	if (level != YARA_ERROR_LEVEL_ERROR || cs->failed)
		return;
	cs->failed = 1;
	cs->line = line;
	message = message ? message : "error";
	cust_walk_escape(message, strlen(message), cs->msg, sizeof cs->msg);
}

static const char *on_include(const char *name, const char *from,
                              const char *ns, void *user)
{
	struct compile_state *cs = user;

	(void)from;
	(void)ns;
	if (!cs->include_refused) {
		cs->include_refused = 1;
		name = name ? name : "";
		cust_walk_escape(name, strlen(name), cs->include,
		                 sizeof cs->include);
	}
	return NULL;
}

/* Add "SHA256  REL\n" of CONTENT to the digest listing MD. */
static int digest_line(EVP_MD_CTX *md, const char *rel, const char *content,
                       size_t len, struct cust_error *err)
{
	unsigned char sum[32];
	char hex[65];

	if (cust_digest_buffer(CUST_DIGEST_SHA256, content, len, sum, err) < 0)
		return -1;
	cust_hex_encode(sum, sizeof sum, hex);
	if (EVP_DigestUpdate(md, hex, 64) != 1 ||
	    EVP_DigestUpdate(md, "  ", 2) != 1 ||
	    EVP_DigestUpdate(md, rel, strlen(rel)) != 1 ||
	    EVP_DigestUpdate(md, "\n", 1) != 1)
		return cust_error_set(err, CUST_E_IO, "SHA-256 failed");
	return 0;
}

static int compile_all(const char *dir, int top, const struct file_list *fl,
                       YR_COMPILER *c, EVP_MD_CTX *md, struct cust_error *err)
{
	struct compile_state cs;
	size_t i;

	memset(&cs, 0, sizeof cs);
	yr_compiler_set_callback(c, on_compile, &cs);
	yr_compiler_set_include_callback(c, on_include, NULL, &cs);
	for (i = 0; i < fl->n; i++) {
		const char *rel = fl->paths[i];
		char *text;
		size_t len;
		int errors;

		if (read_rule_file(dir, top, rel, &text, &len, err) < 0)
			return -1;
		if (digest_line(md, rel, text, len, err) < 0) {
			free(text);
			return -1;
		}
		errors = yr_compiler_add_string(c, text, rel);
		free(text);
		if (errors == 0 && !cs.failed)
			continue;
		if (cs.include_refused)
			return cust_error_set(err, CUST_E_USAGE,
			                      "%s/%s:%d: include \"%s\" "
			                      "refused: every rule file of the "
			                      "folder is compiled on its own",
			                      dir, rel, cs.line, cs.include);
		return cust_error_set(err, CUST_E_USAGE, "%s/%s:%d: %s", dir,
		                      rel, cs.line,
		                      cs.failed ? cs.msg : "error");
	}
	return 0;
}

struct cust_rules *cust_rules_load(const char *dir, struct cust_error *err)
{
	struct file_list fl;
	struct cust_rules *r = NULL;
	YR_COMPILER *c = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char sum[32];
	unsigned sumlen = 0;
	int top = -1, acquired = 0, rc;
	const YR_RULE *rule;

	memset(&fl, 0, sizeof fl);
	if (!dir || !*dir) {
		cust_error_set(err, CUST_E_USAGE, "no rule folder given");
		return NULL;
	}
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		cust_error_set_errno(err, CUST_E_USAGE, errno,
		                     "cannot open rule folder '%s'", dir);
		return NULL;
	}
	rc = dup(top);
	if (rc < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot open rule folder '%s'", dir);
		goto out;
	}
	if (collect(dir, rc, "", 0, &fl, err) < 0)
		goto out;
	if (fl.n == 0) {
		cust_error_set(err, CUST_E_USAGE,
		               "no rule files (*.yar, *.yara) in '%s'", dir);
		goto out;
	}
	qsort(fl.paths, fl.n, sizeof *fl.paths, cmp_paths);

	r = calloc(1, sizeof *r);
	md = EVP_MD_CTX_new();
	if (!r || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		cust_error_set(err, CUST_E_IO, "out of memory loading rules");
		goto fail;
	}
	if (yara_acquire(err) < 0)
		goto fail;
	acquired = 1;
	rc = yr_compiler_create(&c);
	if (rc != ERROR_SUCCESS) {
		cust_error_set(err, CUST_E_IO,
		               "cannot create a YARA compiler (error %d)", rc);
		goto fail;
	}
	if (compile_all(dir, top, &fl, c, md, err) < 0)
		goto fail;
	rc = yr_compiler_get_rules(c, &r->yr);
	if (rc != ERROR_SUCCESS) {
		cust_error_set(err, CUST_E_IO,
		               "cannot build the YARA rules (error %d)", rc);
		goto fail;
	}
	yr_rules_foreach(r->yr, rule)
		r->count++;
	if (r->count == 0) {
		cust_error_set(err, CUST_E_USAGE,
		               "no rules in the rule files of '%s'", dir);
		goto fail;
	}
	if (EVP_DigestFinal_ex(md, sum, &sumlen) != 1 || sumlen != sizeof sum) {
		cust_error_set(err, CUST_E_IO, "SHA-256 failed");
		goto fail;
	}
	cust_hex_encode(sum, sizeof sum, r->digest);
	r->files = fl.n;
	r->magic = RULES_MAGIC;
	goto out;

fail:
	if (r && r->yr)
		yr_rules_destroy(r->yr);
	free(r);
	r = NULL;
out:
	if (c)
		yr_compiler_destroy(c);
	if (acquired && !r)
		yara_release();
	EVP_MD_CTX_free(md);
	file_list_release(&fl);
	close(top);
	return r;
}

void cust_rules_free(struct cust_rules *r)
{
	if (!r || r->magic != RULES_MAGIC)
		return;
	r->magic = 0;
	yr_rules_destroy(r->yr);
	free(r);
	yara_release();
}

size_t cust_rules_count(const struct cust_rules *r)
{
	return r && r->magic == RULES_MAGIC ? r->count : 0;
}

size_t cust_rules_files(const struct cust_rules *r)
{
	return r && r->magic == RULES_MAGIC ? r->files : 0;
}

const char *cust_rules_digest(const struct cust_rules *r)
{
	return r && r->magic == RULES_MAGIC ? r->digest : "";
}

/* ---- scanners ----------------------------------------------------------- */

struct cust_rules_scanner *cust_rules_scanner_new(const struct cust_rules *r,
                                                  struct cust_error *err)
{
	struct cust_rules_scanner *s;
	int rc;

	if (!r || r->magic != RULES_MAGIC) {
		cust_error_set(err, CUST_E_USAGE, "not a compiled rule set");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		cust_error_set(err, CUST_E_IO,
		               "out of memory for a YARA scanner");
		return NULL;
	}
	rc = yr_scanner_create(r->yr, &s->yr);
	if (rc != ERROR_SUCCESS) {
		free(s);
		cust_error_set(err, CUST_E_IO,
		               "cannot create a YARA scanner (error %d)", rc);
		return NULL;
	}
	/* no signal handlers around the scan: our buffers are not mapped
	 * files, and a fault must crash rather than pass as no match */
	yr_scanner_set_flags(s->yr, SCAN_FLAGS_NO_TRYCATCH |
	                     SCAN_FLAGS_REPORT_RULES_MATCHING);
	s->timeout = CUST_RULES_TIMEOUT_DEFAULT;
	yr_scanner_set_timeout(s->yr, (int)s->timeout);
	s->rules = r;
	s->magic = SCANNER_MAGIC;
	return s;
}

void cust_rules_scanner_free(struct cust_rules_scanner *s)
{
	if (!s || s->magic != SCANNER_MAGIC)
		return;
	s->magic = 0;
	yr_scanner_destroy(s->yr);
	free(s->block_buf);
	free(s);
}

int cust_rules_scanner_set_timeout(struct cust_rules_scanner *s,
                                   unsigned seconds, struct cust_error *err)
{
	if (!s || s->magic != SCANNER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a YARA scanner");
	if (seconds < 1 || seconds > CUST_RULES_TIMEOUT_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "YARA timeout %u s out of range 1..%d",
		                      seconds, CUST_RULES_TIMEOUT_MAX);
	s->timeout = seconds;
	yr_scanner_set_timeout(s->yr, (int)seconds);
	return 0;
}

/* ---- hits --------------------------------------------------------------- */

static void escape_into(const char *in, char *out, size_t outsz)
{
	cust_walk_escape(in, in ? strlen(in) : 0, out, outsz);
}

static void fill_hit(struct cust_rule_hit *h, YR_SCAN_CONTEXT *ctx,
                     const YR_RULE *rule)
{
	const YR_META *meta;
	const YR_STRING *str;
	const char *tag;
	size_t used = 0;

	memset(h, 0, sizeof *h);
	escape_into(rule->identifier, h->rule, sizeof h->rule);
	escape_into(rule->ns->name, h->ns, sizeof h->ns);
	yr_rule_metas_foreach(rule, meta) {
		if (meta->type == META_TYPE_STRING &&
		    strcmp(meta->identifier, "extractor") == 0) {
			escape_into(meta->string, h->extractor,
			            sizeof h->extractor);
			break;
		}
	}
	/* whole tags only: a cut tag would be another tag */
	yr_rule_tags_foreach(rule, tag) {
		char one[sizeof h->tags];
		size_t n;
		if (cust_walk_escape(tag, strlen(tag), one, sizeof one) != 0)
			break;
		n = strlen(one);
		if (used + (used ? 1 : 0) + n >= sizeof h->tags)
			break;
		if (used)
			h->tags[used++] = ' ';
		memcpy(h->tags + used, one, n + 1);
		used += n;
	}
	/* libyara keeps each string's matches sorted by offset */
	h->offset = UINT64_MAX;
	yr_rule_strings_foreach(rule, str) {
		const YR_MATCH *m = ctx->matches[str->idx].head;
		if (m && m->base >= 0 && m->offset >= 0 &&
		    (uint64_t)(m->base + m->offset) < h->offset)
			h->offset = (uint64_t)(m->base + m->offset);
	}
}

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
	struct cust_rules_scanner *s = user;
	const YR_RULE *rule = data;

	if (message != CALLBACK_MSG_RULE_MATCHING || RULE_IS_PRIVATE(rule))
		return CALLBACK_CONTINUE;
	if (s->nhits >= s->maxhits) {
		s->truncated = 1;
		return CALLBACK_CONTINUE;
	}
	fill_hit(&s->hits[s->nhits++], ctx, rule);
	return CALLBACK_CONTINUE;
}

static int scan_begin(struct cust_rules_scanner *s, struct cust_rule_hit *hits,
                      size_t maxhits, size_t *nhits, int *truncated,
                      struct cust_error *err)
{
	if (nhits)
		*nhits = 0;
	if (truncated)
		*truncated = 0;
	if (!s || s->magic != SCANNER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a YARA scanner");
	if (!hits && maxhits > 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "no room for YARA hits");
	s->hits = hits;
	s->maxhits = maxhits;
	s->nhits = 0;
	s->truncated = 0;
	yr_scanner_set_callback(s->yr, on_scan, s);
	return 0;
}

static int scan_end(struct cust_rules_scanner *s, int rc, size_t *nhits,
                    int *truncated, struct cust_error *err)
{
	if (nhits)
		*nhits = s->nhits;
	if (truncated)
		*truncated = s->truncated;
	s->hits = NULL;
	switch (rc) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_SCAN_TIMEOUT:
		return cust_error_set(err, CUST_E_INPUT,
		                      "YARA scan timed out after %u s",
		                      s->timeout);
	case ERROR_INSUFFICIENT_MEMORY:
		return cust_error_set(err, CUST_E_IO,
		                      "out of memory in a YARA scan");
	default:
		return cust_error_set(err, CUST_E_INPUT,
		                      "YARA scan failed (libyara error %d)",
		                      rc);
	}
}

int cust_rules_scan(struct cust_rules_scanner *s, const void *buf, size_t size,
                    struct cust_rule_hit *hits, size_t maxhits, size_t *nhits,
                    int *truncated, struct cust_error *err)
{
	static const uint8_t none[1];
	int rc;

	if (scan_begin(s, hits, maxhits, nhits, truncated, err) < 0)
		return -1;
	if (!buf && size > 0) {
		s->hits = NULL;
		return cust_error_set(err, CUST_E_USAGE, "no content to scan");
	}
	rc = yr_scanner_scan_mem(s->yr, buf ? buf : none, size);
	return scan_end(s, rc, nhits, truncated, err);
}

/* ---- reader scans ------------------------------------------------------- */

static const uint8_t *block_fetch(YR_MEMORY_BLOCK *b)
{
	struct reader *rd = b->context;
	uint64_t held_end = rd->held_off + rd->held_len;

	if (rd->failed)
		return NULL;
	if (b->base >= rd->held_off && b->base + b->size <= held_end)
		return rd->buf + (b->base - rd->held_off);
	/* moving forward: keep the overlap already read */
	if (b->base >= rd->held_off && b->base < held_end) {
		size_t keep = (size_t)(held_end - b->base);
		memmove(rd->buf, rd->buf + (b->base - rd->held_off), keep);
		rd->held_len = keep;
	} else {
		rd->held_len = 0;
	}
	rd->held_off = b->base;
	while (rd->held_len < b->size) {
		size_t want = b->size - rd->held_len;
		long n = rd->pread(rd->ctx, rd->buf + rd->held_len, want,
		                   b->base + rd->held_len);
		if (n <= 0 || (unsigned long)n > want) {
			rd->failed = 1;
			rd->ended = n == 0;
			rd->fail_off = b->base + rd->held_len;
			rd->held_len = 0;
			rd->it.last_error = ERROR_COULD_NOT_READ_FILE;
			return NULL;
		}
		rd->held_len += (size_t)n;
	}
	return rd->buf;
}

static YR_MEMORY_BLOCK *block_at(struct reader *rd, uint64_t base)
{
	uint64_t left;

	if (rd->failed || base >= rd->size)
		return NULL;
	left = rd->size - base;
	rd->block.base = base;
	rd->block.size = left < CUST_RULES_BLOCK + CUST_RULES_OVERLAP ?
	                 (size_t)left : CUST_RULES_BLOCK + CUST_RULES_OVERLAP;
	rd->block.context = rd;
	rd->block.fetch_data = block_fetch;
	return &rd->block;
}

static YR_MEMORY_BLOCK *block_first(YR_MEMORY_BLOCK_ITERATOR *it)
{
	return block_at(it->context, 0);
}

static YR_MEMORY_BLOCK *block_next(YR_MEMORY_BLOCK_ITERATOR *it)
{
	struct reader *rd = it->context;

	/* a block that reached the end holds every match starting later */
	if (rd->block.base + rd->block.size >= rd->size)
		return NULL;
	return block_at(rd, rd->block.base + CUST_RULES_BLOCK);
}

static uint64_t block_file_size(YR_MEMORY_BLOCK_ITERATOR *it)
{
	return ((struct reader *)it->context)->size;
}

int cust_rules_scan_reader(struct cust_rules_scanner *s, uint64_t size,
                           cust_rules_pread_fn pread, void *ctx,
                           struct cust_rule_hit *hits, size_t maxhits,
                           size_t *nhits, int *truncated,
                           struct cust_error *err)
{
	struct reader rd;
	int rc;

	if (scan_begin(s, hits, maxhits, nhits, truncated, err) < 0)
		return -1;
	if (!pread) {
		s->hits = NULL;
		return cust_error_set(err, CUST_E_USAGE, "no reader to scan");
	}
	if (!s->block_buf) {
		s->block_buf = malloc(CUST_RULES_BLOCK + CUST_RULES_OVERLAP);
		if (!s->block_buf) {
			s->hits = NULL;
			return cust_error_set(err, CUST_E_IO,
			                      "out of memory for a YARA scan");
		}
	}
	memset(&rd, 0, sizeof rd);
	rd.size = size;
	rd.pread = pread;
	rd.ctx = ctx;
	rd.buf = s->block_buf;
	rd.it.context = &rd;
	rd.it.first = block_first;
	rd.it.next = block_next;
	rd.it.file_size = block_file_size;
	rd.it.last_error = ERROR_SUCCESS;
	rc = yr_scanner_scan_mem_blocks(s->yr, &rd.it);
	if (rd.failed) {
		scan_end(s, ERROR_SUCCESS, nhits, truncated, err);
		if (rd.ended)
			return cust_error_set(err, CUST_E_INPUT,
			                      "content ended at offset %" PRIu64
			                      " of %" PRIu64 " in a YARA scan",
			                      rd.fail_off, size);
		return cust_error_set(err, CUST_E_INPUT,
		                      "cannot read content at offset %" PRIu64
		                      " for a YARA scan", rd.fail_off);
	}
	return scan_end(s, rc, nhits, truncated, err);
}
