/* test_archive.c - unit tests of the archive walk (include/custody/archive.h)
 * on archives built here with the stock tools (tar, gzip, bzip2, xz, zstd,
 * lz4, zip, 7z, cpio, ar; a test whose tool is missing is skipped, saying
 * so) and on the dfvfs test data (CUSTODY_TESTDATA). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custody/archive.h"
#include "custody/digest.h"
#include "testutil.h"

#define MAX_SEEN 256

/* Skip the running test, saying why on a TAP comment line. */
#define SKIP(...)                                                             \
	do {                                                                  \
		print_message("# skipped: ");                                 \
		print_message(__VA_ARGS__);                                   \
		print_message("\n");                                          \
		skip();                                                       \
	} while (0)

/* What the walk reported of one member. */
struct seen {
	char chain[CUST_ARCHIVE_CHAIN_MAX];
	char name[CUST_ARCHIVE_NAME_MAX];
	enum cust_archive_type type;
	unsigned depth;
	int encrypted, ended, complete, stream;
	uint64_t size, got;
	EVP_MD_CTX *md5;
	char md5_hex[33];
	int pull_failed;
};

struct seen_problem {
	char chain[CUST_ARCHIVE_CHAIN_MAX];
	enum cust_archive_problem_kind kind;
	char message[1024];
};

struct results {
	struct seen s[MAX_SEEN];
	size_t n;
	struct seen_problem p[MAX_SEEN];
	size_t np;
	size_t pull; /* bytes the callback reads itself before tapping */
};

static struct results res;

static void on_data(void *ctx, const void *buf, size_t len)
{
	struct seen *s = ctx;

	s->got += len;
	assert_int_equal(EVP_DigestUpdate(s->md5, buf, len), 1);
}

static void on_end(void *ctx, int complete)
{
	struct seen *s = ctx;
	unsigned char d[16];

	s->ended++;
	s->complete = complete;
	assert_int_equal(EVP_DigestFinal_ex(s->md5, d, NULL), 1);
	cust_hex_encode(d, sizeof d, s->md5_hex);
	EVP_MD_CTX_free(s->md5);
	s->md5 = NULL;
}

static int on_member(void *ctx, const struct cust_archive_member *m,
                     struct cust_archive_reader *r, struct cust_error *err)
{
	struct results *rs = ctx;
	struct seen *s;
	unsigned char buf[4096];

	(void)err;
	assert_true(rs->n < MAX_SEEN);
	s = &rs->s[rs->n++];
	memset(s, 0, sizeof *s);
	assert_false(m->chain_truncated);
	snprintf(s->chain, sizeof s->chain, "%s", m->chain);
	snprintf(s->name, sizeof s->name, "%s", m->name);
	s->type = m->type;
	s->depth = m->depth;
	s->encrypted = m->encrypted;
	s->stream = m->stream;
	s->size = m->size;
	s->md5 = EVP_MD_CTX_new();
	assert_non_null(s->md5);
	assert_int_equal(EVP_DigestInit_ex(s->md5, EVP_md5(), NULL), 1);
	if (rs->pull) {
		/* read a little first: the tap must still see it, and the
		 * member must still be opened as an archive */
		size_t want = rs->pull < sizeof buf ? rs->pull : sizeof buf;
		if (cust_archive_read(r, buf, want, NULL) < 0)
			s->pull_failed = 1;
	}
	cust_archive_tap(r, on_data, on_end, s);
	return 0;
}

static void on_problem(void *ctx, const struct cust_archive_problem *p)
{
	struct results *rs = ctx;
	struct seen_problem *sp;

	assert_true(rs->np < MAX_SEEN);
	sp = &rs->p[rs->np++];
	snprintf(sp->chain, sizeof sp->chain, "%s", p->chain);
	sp->kind = p->kind;
	snprintf(sp->message, sizeof sp->message, "%s", p->message);
}

static ssize_t fd_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread(*(int *)ctx, buf, len, (off_t)off);
}

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	return read(*(int *)ctx, buf, len);
}

/* Walk PATH (positional reads, or sequential when SEQUENTIAL) with O
 * (problems added); RES receives what was seen.  The walk's return. */
static int walk_file(const char *path, struct cust_archive_options *o,
                     int sequential, json_t *report)
{
	struct cust_archive_options dflt = { 0 };
	struct cust_archive_input in = { 0 };
	struct cust_error err;
	struct stat st;
	size_t pull = res.pull, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	for (i = 0; i < res.n; i++)
		EVP_MD_CTX_free(res.s[i].md5);
	memset(&res, 0, sizeof res);
	res.pull = pull;
	if (!o)
		o = &dflt;
	o->on_problem = on_problem;
	in.name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	in.size = (uint64_t)st.st_size;
	in.ctx = &fd;
	if (sequential)
		in.read = fd_read;
	else
		in.pread = fd_pread;
	cust_error_clear(&err);
	rc = cust_archive_walk(&in, o, on_member, &res, report, &err);
	close(fd);
	if (rc < 0)
		print_message("walk: %s\n", err.message);
	return rc;
}

static const struct seen *find(const char *chain)
{
	size_t i;

	for (i = 0; i < res.n; i++)
		if (strcmp(res.s[i].chain, chain) == 0)
			return &res.s[i];
	return NULL;
}

static const struct seen_problem *find_problem(enum cust_archive_problem_kind k)
{
	size_t i;

	for (i = 0; i < res.np; i++)
		if (res.p[i].kind == k)
			return &res.p[i];
	return NULL;
}

static void dump(void)
{
	size_t i;

	for (i = 0; i < res.n; i++)
		print_message("member %s depth %u md5 %s\n", res.s[i].chain,
		              res.s[i].depth, res.s[i].md5_hex);
	for (i = 0; i < res.np; i++)
		print_message("problem %s %s: %s\n", res.p[i].chain,
		              cust_archive_problem_name(res.p[i].kind),
		              res.p[i].message);
}

static int have(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Run the shell command FMT in TMPDIR; fails the test when it fails. */
static void sh(const char *fmt, ...) CUST_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	char body[2048], cmd[CUST_PATH_MAX + 2100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "cd '%s' && (%s) >/dev/null 2>&1", tmpdir,
	         body);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", body);
}

static void md5_of_file(const char *path, char *hex)
{
	size_t len;
	char *data = slurp(path, &len);

	hex_of(CUST_DIGEST_MD5, data, len, hex);
	free(data);
}

/* TESTDATA/dfvfs/NAME into OUT: 1 when it is there. */
static int dfvfs_file(char *out, const char *name)
{
	struct stat st;
	int n = snprintf(out, CUST_PATH_MAX, "%s/dfvfs/%s", testdata(), name);

	return n > 0 && n < CUST_PATH_MAX && stat(out, &st) == 0;
}

/* ---- compressed streams of the dfvfs data ------------------------------- */

static void test_dfvfs_streams(void **state)
{
	static const char *const names[] = { "syslog.gz", "syslog.bz2",
		                             "syslog.xz", "syslog.tgz" };
	char path[CUST_PATH_MAX], want[CUST_DIGEST_HEX_MAX];
	size_t i;

	(void)state;
	testdata_path(path, "dfvfs", "syslog");
	md5_of_file(path, want);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct seen *s;
		json_t *report = json_object();
		assert_true(dfvfs_file(path, names[i]));
		assert_int_equal(walk_file(path, NULL, (int)(i % 2), report), 1);
		s = find("!syslog");
		if (!s)
			dump();
		assert_non_null(s);
		/* a bare stream is its one member; a tar in it has its
		 * members and the stream besides */
		assert_int_equal(res.n, i == 3 ? 2 : 1);
		assert_int_equal(res.np, 0);
		assert_int_equal(s->depth, 1);
		assert_true(s->complete);
		assert_false(s->stream);
		assert_string_equal(s->md5_hex, want);
		if (i == 3) {
			s = find("!syslog.tar");
			assert_non_null(s);
			assert_true(s->stream);
			assert_true(s->complete);
		}
		assert_true(json_is_true(json_object_get(report, "complete")));
		json_decref(report);
	}
}

/* Names as stored, absolute ones included; nothing written anywhere. */
static void test_dfvfs_paths(void **state)
{
	static const struct {
		const char *file, *first, *second;
	} cases[] = {
		{ "tar_absolute_paths.tar", "!/folder/syslog", "!/folder/wtmp.1" },
		{ "tar_mixed_paths.tar", "!/folder/syslog", "!folder/wtmp.1" },
		{ "zip_absolute_paths.zip", "!/folder/syslog", "!/folder/wtmp.1" },
		{ "zip_mixed_paths.zip", "!/folder/syslog", "!folder/wtmp.1" },
	};
	char path[CUST_PATH_MAX], cwd[CUST_PATH_MAX], want[CUST_DIGEST_HEX_MAX];
	struct stat st;
	size_t i;

	(void)state;
	testdata_path(path, "dfvfs", "syslog");
	md5_of_file(path, want);
	assert_true(stat("/folder", &st) < 0); /* so its absence means something */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmpdir), 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct seen *s;
		assert_true(dfvfs_file(path, cases[i].file));
		assert_int_equal(walk_file(path, NULL, 0, NULL), 1);
		if (res.n != 2)
			dump();
		assert_int_equal(res.n, 2);
		s = find(cases[i].first);
		assert_non_null(s);
		assert_string_equal(s->md5_hex, want);
		assert_int_equal(s->size, 1247);
		assert_non_null(find(cases[i].second));
		assert_int_equal(find(cases[i].second)->got, 1537);
	}
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(count_entries(), 0);
	assert_true(stat("/folder", &st) < 0);
}

/* ---- nesting ------------------------------------------------------------ */

static void make_nested(const char **outer, const char **chain)
{
	sh("mkdir -p deep && printf '<?php $c2 = \"10.0.0.1\";' > deep/config.php"
	   " && zip -q -r inner.zip deep && tar -czf mid.tar.gz inner.zip");
	if (have("7z")) {
		sh("7z a -bd outer.7z mid.tar.gz");
		*outer = "outer.7z";
		*chain = "!mid.tar.gz!inner.zip!deep/config.php";
	} else {
		sh("tar -cJf outer.tar.xz mid.tar.gz");
		*outer = "outer.tar.xz";
		*chain = "!mid.tar.gz!inner.zip!deep/config.php";
	}
}

static void test_nested(void **state)
{
	char path[CUST_PATH_MAX], src[CUST_PATH_MAX], want[CUST_DIGEST_HEX_MAX];
	const char *outer, *chain;
	const struct seen *s;
	int pass;

	(void)state;
	if (!have("zip"))
		SKIP("zip is not installed");
	make_nested(&outer, &chain);
	if (strcmp(outer, "outer.7z") != 0)
		print_message("# 7z is not installed: outer archive is a tar.xz\n");
	tpath(src, "deep/config.php");
	md5_of_file(src, want);
	tpath(path, outer);
	/* twice: the callback reading nothing, then reading the first bytes
	 * of every member itself (replayed into the nested archive) */
	for (pass = 0; pass < 2; pass++) {
		res.pull = pass ? 7 : 0;
		assert_int_equal(walk_file(path, NULL, 0, NULL), 1);
		s = find(chain);
		if (!s)
			dump();
		assert_non_null(s);
		assert_int_equal(s->depth, 3);
		assert_int_equal(s->type, CUST_ARCHIVE_FILE);
		assert_true(s->complete);
		assert_string_equal(s->md5_hex, want);
		assert_non_null(find("!mid.tar.gz"));
		assert_non_null(find("!mid.tar.gz!inner.zip"));
		assert_int_equal(res.np, 0);
	}
	res.pull = 0;
}

/* 10 levels of zips in zips: members to depth 8, a depth bomb there. */
static void test_depth_bomb(void **state)
{
	char path[CUST_PATH_MAX], chain[CUST_ARCHIVE_CHAIN_MAX] = "";
	const struct seen_problem *p;
	size_t i;
	int level;

	(void)state;
	if (!have("zip"))
		SKIP("zip is not installed");
	sh("echo bottom > f.txt && zip -q z10.zip f.txt && "
	   "for i in 9 8 7 6 5 4 3 2 1; do zip -q z$i.zip z$((i+1)).zip; done");
	tpath(path, "z1.zip");
	assert_int_equal(walk_file(path, NULL, 0, NULL), 1);
	for (i = 0; i < res.n; i++)
		assert_true(res.s[i].depth <= CUST_ARCHIVE_DEPTH);
	/* z1 holds z2 (depth 1) ... z9 at depth 8, itself an archive */
	for (level = 2; level <= 9; level++)
		snprintf(chain + strlen(chain), sizeof chain - strlen(chain),
		         "!z%d.zip", level);
	assert_non_null(find(chain));
	assert_null(find("!z2.zip!z3.zip!z4.zip!z5.zip!z6.zip!z7.zip!z8.zip"
	                 "!z9.zip!z10.zip"));
	p = find_problem(CUST_ARCHIVE_BOMB_DEPTH);
	if (!p)
		dump();
	assert_non_null(p);
	assert_string_equal(p->chain, chain);
	assert_int_equal(res.np, 1);
	/* the hostile twin's control: a deeper limit reaches the bottom */
	{
		struct cust_archive_options o = { 0 };
		o.max_depth = 12;
		assert_int_equal(walk_file(path, &o, 0, NULL), 1);
		assert_null(find_problem(CUST_ARCHIVE_BOMB_DEPTH));
		assert_int_equal(res.n, 10);
	}
}

/* 100 MiB of zeros deflated into ~100 KiB: a bomb at ratio 64, not at
 * ratio 2000. */
static void test_zip_bomb(void **state)
{
	struct cust_archive_options o = { 0 };
	char path[CUST_PATH_MAX], zeros[CUST_DIGEST_HEX_MAX];
	const struct seen_problem *p;
	const struct seen *s;
	unsigned char *z;
	struct stat st;
	json_t *report;

	(void)state;
	if (!have("zip"))
		SKIP("zip is not installed");
	sh("head -c 104857600 /dev/zero > zeros.bin && zip -q bomb.zip zeros.bin"
	   " && rm zeros.bin");
	tpath(path, "bomb.zip");
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 200 * 1024);
	o.expand_ratio = 64;
	report = json_object();
	assert_int_equal(walk_file(path, &o, 0, report), 1);
	p = find_problem(CUST_ARCHIVE_BOMB_EXPANDED);
	if (!p)
		dump();
	assert_non_null(p);
	assert_string_equal(p->chain, "!zeros.bin");
	s = find("!zeros.bin");
	assert_non_null(s);
	assert_false(s->complete);
	assert_true(s->got <= (uint64_t)st.st_size * 64);
	assert_true(json_is_false(json_object_get(report, "complete")));
	assert_string_equal(cust_json_string(json_array_get(
	                            json_object_get(report, "problems"), 0),
	                                     "kind"),
	                    "bomb-expanded");
	json_decref(report);

	o.expand_ratio = 2000;
	assert_int_equal(walk_file(path, &o, 0, NULL), 1);
	if (res.np)
		dump();
	assert_int_equal(res.np, 0);
	s = find("!zeros.bin");
	assert_non_null(s);
	assert_true(s->complete);
	z = calloc(1, 104857600);
	assert_non_null(z);
	hex_of(CUST_DIGEST_MD5, z, 104857600, zeros);
	free(z);
	assert_string_equal(s->md5_hex, zeros);
}

static void test_member_limit(void **state)
{
	struct cust_archive_options o = { 0 };
	char path[CUST_PATH_MAX];
	const struct seen_problem *p;

	(void)state;
	sh("mkdir many && for i in 1 2 3 4 5 6 7 8 9 10; do echo $i > many/$i;"
	   " done && tar -cf many.tar many");
	tpath(path, "many.tar");
	o.max_members = 5;
	assert_int_equal(walk_file(path, &o, 1, NULL), 1);
	assert_int_equal(res.n, 5);
	p = find_problem(CUST_ARCHIVE_BOMB_MEMBERS);
	assert_non_null(p);
	assert_string_equal(p->chain, "");
	o.max_members = 0;
	assert_int_equal(walk_file(path, &o, 1, NULL), 1);
	assert_int_equal(res.n, 11);
	assert_int_equal(res.np, 0);
}

static int read_encrypted(void *ctx, const struct cust_archive_member *m,
                          struct cust_archive_reader *r,
                          struct cust_error *err)
{
	unsigned char buf[64];
	int *refused = ctx;

	(void)err;
	if (m->encrypted) {
		struct cust_error e;
		cust_error_clear(&e);
		assert_true(cust_archive_read(r, buf, sizeof buf, &e) < 0);
		assert_non_null(strstr(e.message, "encrypted"));
		(*refused)++;
	}
	return 0;
}

static void test_encrypted(void **state)
{
	struct cust_archive_input in = { 0 };
	char path[CUST_PATH_MAX];
	const struct seen *s;
	int fd, refused = 0;
	struct stat st;

	(void)state;
	if (!have("zip"))
		SKIP("zip is not installed");
	sh("echo secret panel password > plain.txt && echo open > open.txt && "
	   "zip -q -P hunter2 enc.zip plain.txt && zip -q enc.zip open.txt");
	tpath(path, "enc.zip");
	assert_int_equal(walk_file(path, NULL, 0, NULL), 1);
	s = find("!plain.txt");
	if (!s)
		dump();
	assert_non_null(s);
	assert_true(s->encrypted);
	assert_false(s->complete);
	assert_int_equal(s->got, 0);
	s = find("!open.txt");
	assert_non_null(s);
	assert_false(s->encrypted);
	assert_true(s->complete);
	assert_int_equal(s->got, 5);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	in.name = "enc.zip";
	in.size = (uint64_t)st.st_size;
	in.pread = fd_pread;
	in.ctx = &fd;
	assert_int_equal(cust_archive_walk(&in, NULL, read_encrypted, &refused,
	                                   NULL, NULL), 1);
	close(fd);
	assert_int_equal(refused, 1);
}

static void test_truncated(void **state)
{
	char path[CUST_PATH_MAX];
	const struct seen_problem *p;
	int seq;

	(void)state;
	sh("head -c 300000 /dev/urandom > r.bin && tar -czf t.tar.gz r.bin && "
	   "head -c 100000 t.tar.gz > cut.tar.gz && "
	   "head -c 200 t.tar.gz > head.tar.gz");
	for (seq = 0; seq < 2; seq++) {
		tpath(path, "cut.tar.gz");
		assert_int_equal(walk_file(path, NULL, seq, NULL), 1);
		p = find_problem(CUST_ARCHIVE_DAMAGED);
		if (!p)
			dump();
		assert_non_null(p);
		assert_string_equal(p->chain, "!r.bin");
		assert_non_null(find("!r.bin"));
		assert_false(find("!r.bin")->complete);
		tpath(path, "head.tar.gz");
		assert_int_equal(walk_file(path, NULL, seq, NULL), 1);
		assert_non_null(find_problem(CUST_ARCHIVE_DAMAGED));
	}
}

/* A plain file, an empty one and a corrupt gzip. */
static void test_not_archives(void **state)
{
	char path[CUST_PATH_MAX];
	json_t *report = json_object();

	(void)state;
	sh("echo 'just a config line' > plain.txt && : > empty && "
	   "printf '\\037\\213\\010\\000garbage-after-a-gzip-magic' > bad.gz");
	tpath(path, "plain.txt");
	if (walk_file(path, NULL, 0, report) != 0)
		dump();
	assert_int_equal(res.np + res.n, 0);
	assert_true(json_is_false(json_object_get(report, "archive")));
	assert_int_equal(res.n, 0);
	tpath(path, "empty");
	assert_int_equal(walk_file(path, NULL, 1, NULL), 0);
	tpath(path, "bad.gz");
	assert_int_equal(walk_file(path, NULL, 0, NULL), 1);
	if (!find_problem(CUST_ARCHIVE_DAMAGED))
		dump();
	assert_non_null(find_problem(CUST_ARCHIVE_DAMAGED));
	json_decref(report);
}

/* Hostile names: control bytes, "../", absolute; kept escaped. */
static void test_hostile_names(void **state)
{
	char path[CUST_PATH_MAX], cwd[CUST_PATH_MAX];
	const struct seen *s;

	(void)state;
	tpath(path, "a\001b");
	write_file(path, "x", 1);
	sh("mkdir -p sub && cd sub && "
	   "tar -cPf ../names.tar --transform 's,^,../../,' ../a\001b && "
	   "cd .. && tar -rPf names.tar --transform 's,^.*,/etc/passwd,' "
	   "a\001b && rm a\001b && rmdir sub");
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmpdir), 0);
	tpath(path, "names.tar");
	assert_int_equal(walk_file(path, NULL, 0, NULL), 1);
	assert_int_equal(chdir(cwd), 0);
	if (res.n != 2)
		dump();
	assert_int_equal(res.n, 2);
	s = &res.s[0];
	assert_string_equal(s->name, "../../../a\\x01b");
	assert_string_equal(res.s[1].name, "/etc/passwd");
	assert_int_equal(count_entries(), 1); /* names.tar alone */
}

/* Formats and filters whose tools are installed. */
static void test_formats(void **state)
{
	static const struct {
		const char *tool, *make, *file, *chain;
	} cases[] = {
		{ "bzip2", "tar -cjf f.tar.bz2 c.txt", "f.tar.bz2", "!c.txt" },
		{ "zstd", "zstd -q -k c.txt -o c.txt.zst", "c.txt.zst", "!c.txt" },
		{ "lz4", "lz4 -q c.txt c.txt.lz4", "c.txt.lz4", "!c.txt" },
		{ "lzma", "lzma -k -c c.txt > c.txt.lzma", "c.txt.lzma", "!c.txt" },
		{ "cpio", "echo c.txt | cpio -o -H newc > f.cpio", "f.cpio",
		  "!c.txt" },
		{ "ar", "ar rc f.a c.txt", "f.a", "!c.txt" },
		{ "7z", "7z a -bd f.7z c.txt", "f.7z", "!c.txt" },
		{ "zstd", "tar -cf - c.txt | zstd -q > f.tar.zst", "f.tar.zst",
		  "!c.txt" },
	};
	char path[CUST_PATH_MAX], want[CUST_DIGEST_HEX_MAX];
	size_t i;
	int missing = 0;

	(void)state;
	sh("echo 'c2 10.0.0.1:443' > c.txt");
	tpath(path, "c.txt");
	md5_of_file(path, want);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct seen *s;
		if (!have(cases[i].tool)) {
			print_message("# %s is not installed: %s not tested\n",
			              cases[i].tool, cases[i].file);
			missing++;
			continue;
		}
		sh("%s", cases[i].make);
		tpath(path, cases[i].file);
		assert_int_equal(walk_file(path, NULL, (int)(i % 2), NULL), 1);
		s = find(cases[i].chain);
		if (!s || res.np)
			dump();
		assert_non_null(s);
		assert_string_equal(s->md5_hex, want);
		assert_int_equal(res.np, 0);
	}
	if (missing == (int)(sizeof cases / sizeof cases[0]))
		SKIP("none of the compression tools is installed");
}

/* Every byte of a compressed stream is tapped whatever its content looks
 * like: an SQL dump behind what a format takes for its header (a tar's
 * end-of-archive zeros, ar's, cpio's and zip's magic) is the stream
 * member, hashed whole; a tar.gz has its members and the stream. */
static void test_streams(void **state)
{
	static const struct {
		const char *make, *file, *plain, *chain;
	} cases[] = {
		{ "{ head -c 1024 /dev/zero; cat dump.sql; } > zeros.sql",
		  "zeros.sql.gz", "zeros.sql", "!zeros.sql" },
		{ "{ printf '!<arch>\\n'; cat dump.sql; } > ar.sql", "ar.sql.gz",
		  "ar.sql", "!ar.sql" },
		{ "{ printf '070707'; cat dump.sql; } > odc.sql", "odc.sql.gz",
		  "odc.sql", "!odc.sql" },
		{ "{ printf 'PK\\003\\004'; cat dump.sql; } > pk.sql",
		  "pk.sql.gz", "pk.sql", "!pk.sql" },
		{ "tar -cf f.tar dump.sql", "f.tar.gz", "f.tar", "!f.tar" },
	};
	char path[CUST_PATH_MAX], want[CUST_DIGEST_HEX_MAX];
	size_t i;
	int seq;

	(void)state;
	sh("printf 'INSERT INTO bots VALUES (1, \\047admin@cnc.example.com\\047,"
	   " \\047http://gate.example.net/g.php\\047);\\n' > dump.sql");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct seen *s;
		json_t *report;
		sh("%s && gzip -nk %s", cases[i].make, cases[i].plain);
		tpath(path, cases[i].plain);
		md5_of_file(path, want);
		tpath(path, cases[i].file);
		for (seq = 0; seq < 2; seq++) {
			report = json_object();
			assert_int_equal(walk_file(path, NULL, seq, report), 1);
			s = find(cases[i].chain);
			if (!s)
				dump();
			assert_non_null(s);
			assert_true(s->stream);
			assert_true(s->complete);
			assert_int_equal(s->depth, 1);
			assert_string_equal(s->md5_hex, want);
			json_decref(report);
		}
	}
	/* the tar's member as well */
	tpath(path, "dump.sql");
	md5_of_file(path, want);
	assert_non_null(find("!dump.sql"));
	assert_false(find("!dump.sql")->stream);
	assert_string_equal(find("!dump.sql")->md5_hex, want);
	assert_int_equal(res.np, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dfvfs_streams, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dfvfs_paths, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_nested, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_depth_bomb, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_zip_bomb, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_member_limit, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_encrypted, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_truncated, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_not_archives, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_formats, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_streams, setup_tmp,
		                                teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
