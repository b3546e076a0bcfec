/* test_unit.c - unit tests of sealed units and their manifests
 * (include/custody/unit.h, include/custody/manifest.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/log.h"
#include "custody/manifest.h"
#include "custody/sign.h"
#include "custody/unit.h"
#include "testutil.h"

#define HASHDEEP_HEAD "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n"
#define SUBJECT "artifacts/E001-H1"
#define MAX_FILES 16

/* ---- helpers ------------------------------------------------------------ */

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int is_dir(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The number of lines of CASE/custody.log. */
static size_t log_lines(void)
{
	char path[CUST_PATH_MAX];
	size_t len, i, n = 0;
	char *buf;

	join(path, casedir, CUST_LOG_NAME);
	buf = slurp(path, &len);
	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			n++;
	free(buf);
	return n;
}

/* The payload files a test put in a unit, to build the expected manifests. */
struct payload {
	size_t count;
	char *path[MAX_FILES];
	unsigned char *data[MAX_FILES];
	size_t len[MAX_FILES];
};

static void payload_add(struct payload *p, const char *rel,
                        const unsigned char *data, size_t len)
{
	assert_true(p->count < MAX_FILES);
	p->path[p->count] = strdup(rel);
	assert_non_null(p->path[p->count]);
	p->data[p->count] = malloc(len ? len : 1);
	assert_non_null(p->data[p->count]);
	if (len)
		memcpy(p->data[p->count], data, len);
	p->len[p->count] = len;
	p->count++;
}

static void payload_free(struct payload *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		free(p->path[i]);
		free(p->data[i]);
	}
	p->count = 0;
}

/* Indices of P sorted by path (strcmp), into ORDER. */
static void payload_order(const struct payload *p, size_t *order)
{
	size_t i, j;

	for (i = 0; i < p->count; i++)
		order[i] = i;
	for (i = 1; i < p->count; i++)
		for (j = i; j > 0 && strcmp(p->path[order[j - 1]],
		                            p->path[order[j]]) > 0; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

/* Append to a NUL-terminated growing string. */
static void str_add(char **s, size_t *len, const char *add)
{
	size_t n = strlen(add);

	*s = realloc(*s, *len + n + 1);
	assert_non_null(*s);
	memcpy(*s + *len, add, n + 1);
	*len += n;
}

static char *expected_sums(const struct payload *p)
{
	size_t order[MAX_FILES], i, len = 0;
	char *s = NULL, line[CUST_PATH_MAX + 128], sha[65];

	str_add(&s, &len, "");
	payload_order(p, order);
	for (i = 0; i < p->count; i++) {
		size_t k = order[i];
		hex_of(CUST_DIGEST_SHA256, p->data[k], p->len[k], sha);
		assert_true(snprintf(line, sizeof line, "SHA256 (%s) = %s\n",
		                     p->path[k], sha) > 0);
		str_add(&s, &len, line);
	}
	return s;
}

/* The entry lines of manifest.hashdeep (after the header and comments). */
static char *expected_hashdeep_entries(const struct payload *p)
{
	size_t order[MAX_FILES], i, len = 0;
	char *s = NULL, line[CUST_PATH_MAX + 128], md5[33], sha[65];

	str_add(&s, &len, "");
	payload_order(p, order);
	for (i = 0; i < p->count; i++) {
		size_t k = order[i];
		hex_of(CUST_DIGEST_MD5, p->data[k], p->len[k], md5);
		hex_of(CUST_DIGEST_SHA256, p->data[k], p->len[k], sha);
		assert_true(snprintf(line, sizeof line, "%zu,%s,%s,./%s\n",
		                     p->len[k], md5, sha, p->path[k]) > 0);
		str_add(&s, &len, line);
	}
	return s;
}

/* manifest.hashdeep of the unit at DIR split into its header (the "%%%%"
 * lines), whether "##" comment lines follow, and the entry lines. */
static void read_hashdeep(const char *dir, char **head, char **entries)
{
	char path[CUST_PATH_MAX];
	size_t len, hlen = 0, elen = 0, start = 0;
	char *buf;

	join(path, dir, CUST_MANIFEST_HASHDEEP);
	buf = slurp(path, &len);
	*head = NULL;
	*entries = NULL;
	str_add(head, &hlen, "");
	str_add(entries, &elen, "");
	while (start < len) {
		char *nl = memchr(buf + start, '\n', len - start);
		size_t end;
		assert_non_null(nl); /* every line ends with a newline */
		end = (size_t)(nl - buf);
		*nl = '\0';
		if (strncmp(buf + start, "%%%%", 4) == 0) {
			str_add(head, &hlen, buf + start);
			str_add(head, &hlen, "\n");
		} else if (strncmp(buf + start, "##", 2) != 0) {
			str_add(entries, &elen, buf + start);
			str_add(entries, &elen, "\n");
		}
		start = end + 1;
	}
	free(buf);
}

/* Write DATA as REL into the unit's folder directly, as a command writing
 * its output would (folders of REL must exist). */
static void unit_put(struct cust_unit *u, struct payload *p, const char *rel,
                     const void *data, size_t len)
{
	char path[CUST_PATH_MAX];

	join(path, cust_unit_dir(u), rel);
	write_file(path, data, len);
	if (p)
		payload_add(p, rel, data, len);
}

static void unit_mkdir(struct cust_unit *u, const char *rel)
{
	char path[CUST_PATH_MAX];

	join(path, cust_unit_dir(u), rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* A source file outside the case holding DATA; its path into OUT. */
static void source_file(const char *name, const void *data, size_t len,
                        char *out)
{
	tpath(out, name);
	write_file(out, data, len);
}

static int seal(struct cust_unit *u, json_t **written, struct cust_error *err)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };

	ev.action = "hashed";
	ev.tool = "test";
	return cust_unit_seal(u, &actor, &ev, written, err);
}

/*
 * The standard unit: artifacts/E001-H1 holding a JSON record, a copied
 * file in a nested folder and files written directly, sealed.  Its final
 * folder goes to DIR; P (if given) receives the payload.
 */
static void make_sealed(char *dir, struct payload *p)
{
	static const char notes[] = "Seized from desk drawer.\n";
	struct payload local = { 0 };
	struct payload *pl = p ? p : &local;
	struct cust_error err;
	struct cust_unit *u;
	unsigned char *big = make_data(70000, 42);
	char src[CUST_PATH_MAX];
	json_t *rec;
	char *text;

	cust_error_clear(&err);
	u = cust_unit_begin(casedir, "artifacts", "E001-H", &err);
	if (!u)
		fail_msg("begin: %s", err.message);
	assert_string_equal(cust_unit_name(u), "E001-H1");

	rec = json_pack("{s:s, s:i}", "item", "E001", "files", 4);
	assert_non_null(rec);
	assert_int_equal(cust_unit_write_json(u, "report.json", rec, &err), 0);
	text = cust_json_pretty(rec, NULL);
	assert_non_null(text);
	payload_add(pl, "report.json", (const unsigned char *)text, strlen(text));
	free(text);
	json_decref(rec);

	source_file("src-deep.bin", big, 70000, src);
	assert_int_equal(cust_unit_copy_file(u, src, "b/c/deep.bin", NULL, &err),
	                 0);
	payload_add(pl, "b/c/deep.bin", big, 70000);
	free(big);

	unit_put(u, pl, "a.txt", "alpha\n", 6);
	unit_put(u, pl, "Z upper.txt", "zulu\n", 5);
	unit_put(u, pl, "empty", "", 0);
	unit_mkdir(u, "docs");
	unit_put(u, pl, "docs/notes.txt", notes, sizeof notes - 1);

	cust_error_clear(&err);
	if (seal(u, NULL, &err) != 0)
		fail_msg("seal: %s", err.message);
	join(dir, casedir, SUBJECT);
	assert_string_equal(cust_unit_dir(u), dir);
	cust_unit_free(u);
	payload_free(&local);
}

/* Run cust_manifest_check on DIR; returns the findings, *FAILED set. */
static json_t *check(const char *dir, int *failed, char sums[65])
{
	json_t *findings = json_array();
	struct cust_error err;

	assert_non_null(findings);
	cust_error_clear(&err);
	*failed = -1;
	if (cust_manifest_check(dir, SUBJECT, findings, failed, sums, &err) != 0)
		fail_msg("check could not run: %s", err.message);
	return findings;
}

/* Whether FINDINGS has one about SUBJECT/PATH (or SUBJECT when PATH is
 * NULL) whose message contains WHAT (anything when NULL). */
static int has_finding(const json_t *findings, const char *path,
                       const char *what)
{
	char subject[CUST_PATH_MAX];
	size_t i;

	if (path)
		join(subject, SUBJECT, path);
	else
		assert_true(snprintf(subject, sizeof subject, "%s", SUBJECT) > 0);
	for (i = 0; i < json_array_size(findings); i++)
		if (finding_matches(json_array_get(findings, i), "unit", subject,
		                    what))
			return 1;
	return 0;
}

static void expect_finding(const json_t *findings, const char *path,
                           const char *what)
{
	if (!has_finding(findings, path, what)) {
		dump_findings(findings);
		fail_msg("no finding about '%s' saying '%s'", path ? path : "",
		         what ? what : "anything");
	}
}

/* Make the sealed (read-only) file REL of DIR writable. */
static void unlock_file(const char *dir, const char *rel, char *path)
{
	join(path, dir, rel);
	assert_int_equal(chmod(path, 0644), 0);
}

/* ---- cust_unit_begin ---------------------------------------------------- */

static void test_begin_numbering(void **state)
{
	struct cust_unit *h1, *h2, *e1, *e2;
	char want[CUST_PATH_MAX];

	(void)state;
	h1 = cust_unit_begin(casedir, "artifacts", "H", NULL);
	h2 = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(h1);
	assert_non_null(h2);
	assert_string_equal(cust_unit_name(h1), "H1");
	assert_string_equal(cust_unit_name(h2), "H2");
	assert_string_equal(cust_unit_relpath(h1), "artifacts/H1");
	join(want, casedir, "artifacts/H1.partial");
	assert_string_equal(cust_unit_dir(h1), want);
	assert_true(is_dir(want));
	join(want, casedir, "artifacts/H2.partial");
	assert_string_equal(cust_unit_dir(h2), want);
	assert_true(is_dir(want));
	/* the sealed name is not taken yet */
	join(want, casedir, "artifacts/H1");
	assert_false(exists(want));

	/* another stem numbers on its own */
	e1 = cust_unit_begin(casedir, "artifacts", "E001-H", NULL);
	e2 = cust_unit_begin(casedir, "artifacts", "E001-H", NULL);
	assert_non_null(e1);
	assert_non_null(e2);
	assert_string_equal(cust_unit_name(e1), "E001-H1");
	assert_string_equal(cust_unit_name(e2), "E001-H2");
	assert_string_equal(cust_unit_relpath(e2), "artifacts/E001-H2");
	cust_unit_free(h1);
	cust_unit_free(h2);
	cust_unit_free(e1);
	cust_unit_free(e2);
	cust_unit_free(NULL);
}

static void test_begin_after_existing(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_unit *u;
	int i;

	(void)state;
	/* H1..H9 taken (sealed or partial): the next is H10, numerically */
	for (i = 1; i <= 9; i++) {
		char name[32];
		assert_true(snprintf(name, sizeof name, "reports/H%d%s", i,
		                     i % 2 ? "" : ".partial") > 0);
		join(path, casedir, name);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	u = cust_unit_begin(casedir, "reports", "H", NULL);
	assert_non_null(u);
	assert_string_equal(cust_unit_name(u), "H10");
	cust_unit_free(u);
	u = cust_unit_begin(casedir, "reports", "H", NULL);
	assert_non_null(u);
	assert_string_equal(cust_unit_name(u), "H11");
	cust_unit_free(u);
}

static void test_begin_refuses(void **state)
{
	static const char *const bad_stems[] = { "", "../x", ".H", "a/b", "a b",
	                                         NULL };
	struct cust_error err;
	size_t i;

	(void)state;
	cust_error_clear(&err);
	assert_null(cust_unit_begin(casedir, "evidence", "H", &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "evidence"));
	for (i = 0; bad_stems[i]; i++) {
		cust_error_clear(&err);
		if (cust_unit_begin(casedir, "artifacts", bad_stems[i], &err))
			fail_msg("stem '%s' accepted", bad_stems[i]);
		assert_int_equal(err.kind, CUST_E_USAGE);
	}
	assert_int_equal(cust_unit_kind_known("acquisitions"), 1);
	assert_int_equal(cust_unit_kind_known("artifacts"), 1);
	assert_int_equal(cust_unit_kind_known("extractions"), 1);
	assert_int_equal(cust_unit_kind_known("reports"), 1);
	assert_int_equal(cust_unit_kind_known("items"), 0);
	assert_int_equal(cust_unit_kind_known("examiners"), 0);
}

/* A run that gives up before sealing takes its unit away: every file and
 * folder it wrote, never what a symlink in it points to. */
static void test_discard(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], outside[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;
	int i;

	(void)state;
	join(outside, casedir, "outside.txt");
	write_file(outside, "keep me\n", 8);
	u = cust_unit_begin(casedir, "extractions", "E001-X", NULL);
	assert_non_null(u);
	assert_string_equal(cust_unit_name(u), "E001-X1");
	assert_int_equal(snprintf(dir, sizeof dir, "%s", cust_unit_dir(u)) > 0, 1);
	join(path, dir, "targets");
	assert_int_equal(mkdir(path, 0755), 0);
	/* folders nested a few levels, files in each */
	for (i = 0; i < 5; i++) {
		char sub[CUST_PATH_MAX];
		join(sub, path, "d");
		assert_int_equal(mkdir(sub, 0755), 0);
		memcpy(path, sub, sizeof path);
		join(sub, path, "f.csv");
		write_file(sub, "a,b\n", 4);
	}
	join(path, dir, "link");
	assert_int_equal(symlink(outside, path), 0);
	join(path, dir, "dirlink");
	assert_int_equal(symlink(casedir, path), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_unit_discard(u, &err), 0);
	assert_false(exists(dir));
	assert_true(exists(outside));
	assert_true(is_dir(casedir));
	/* the handle is done with: nothing more goes into it */
	cust_error_clear(&err);
	assert_int_equal(cust_unit_write_json(u, "x.json", NULL, &err), -1);
	assert_int_equal(cust_unit_discard(u, &err), -1);
	cust_unit_free(u);
	/* its number is free again: nothing named it */
	u = cust_unit_begin(casedir, "extractions", "E001-X", NULL);
	assert_non_null(u);
	assert_string_equal(cust_unit_name(u), "E001-X1");
	cust_unit_free(u);
	assert_int_equal(cust_unit_discard(NULL, &err), -1);
}

/* ---- cust_unit_copy_file ------------------------------------------------ */

static void test_copy_file(void **state)
{
	const size_t len = 300000;
	unsigned char *data = make_data(len, 7);
	char src[CUST_PATH_MAX], dst[CUST_PATH_MAX];
	char md5[33], sha1[41], sha256[65];
	struct cust_error err;
	struct cust_unit *u;
	json_t *rec = NULL;
	char *copied;
	size_t clen;

	(void)state;
	source_file("source.jpg", data, len, src);
	u = cust_unit_begin(casedir, "artifacts", "E001-A", NULL);
	assert_non_null(u);
	cust_error_clear(&err);
	if (cust_unit_copy_file(u, src, "files/photos/IMG 1.jpg", &rec, &err) != 0)
		fail_msg("copy: %s", err.message);
	assert_non_null(rec);

	hex_of(CUST_DIGEST_MD5, data, len, md5);
	hex_of(CUST_DIGEST_SHA1, data, len, sha1);
	hex_of(CUST_DIGEST_SHA256, data, len, sha256);
	assert_string_equal(cust_json_string(rec, "path"),
	                    "files/photos/IMG 1.jpg");
	assert_int_equal(json_integer_value(json_object_get(rec, "size")),
	                 (json_int_t)len);
	assert_string_equal(cust_json_string(rec, "md5"), md5);
	assert_string_equal(cust_json_string(rec, "sha1"), sha1);
	assert_string_equal(cust_json_string(rec, "sha256"), sha256);
	json_decref(rec);

	/* the copy is byte-identical, folders made on the way */
	join(dst, cust_unit_dir(u), "files/photos/IMG 1.jpg");
	copied = slurp(dst, &clen);
	assert_int_equal(clen, len);
	assert_memory_equal(copied, data, len);
	free(copied);

	/* never replacing a file */
	{
		static const char other[] = "other";
		char src2[CUST_PATH_MAX];
		source_file("other.bin", other, sizeof other - 1, src2);
		cust_error_clear(&err);
		rec = (json_t *)&rec;
		assert_int_equal(cust_unit_copy_file(u, src2, "files/photos/IMG 1.jpg",
		                                     &rec, &err), -1);
		assert_null(rec);
		assert_non_null(strstr(err.message, "already exists"));
		copied = slurp(dst, &clen);
		assert_int_equal(clen, len);
		assert_memory_equal(copied, data, len);
		free(copied);
	}
	cust_unit_free(u);
	free(data);
}

static void test_copy_file_empty(void **state)
{
	char src[CUST_PATH_MAX];
	char md5[33], sha256[65];
	struct cust_unit *u;
	json_t *rec = NULL;

	(void)state;
	source_file("empty.bin", "", 0, src);
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	assert_int_equal(cust_unit_copy_file(u, src, "empty.bin", &rec, NULL), 0);
	hex_of(CUST_DIGEST_MD5, "", 0, md5);
	hex_of(CUST_DIGEST_SHA256, "", 0, sha256);
	assert_int_equal(json_integer_value(json_object_get(rec, "size")), 0);
	assert_string_equal(cust_json_string(rec, "md5"), md5);
	assert_string_equal(cust_json_string(rec, "sha256"), sha256);
	json_decref(rec);
	cust_unit_free(u);
}

static void test_copy_file_refuses(void **state)
{
	char src[CUST_PATH_MAX], missing[CUST_PATH_MAX], outside[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;

	(void)state;
	source_file("src.bin", "data", 4, src);
	tpath(missing, "missing.bin");
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	/* REL must stay below the unit */
	cust_error_clear(&err);
	assert_int_equal(cust_unit_copy_file(u, src, "../../escape.bin", NULL,
	                                     &err), -1);
	join(outside, casedir, "escape.bin");
	assert_false(exists(outside));
	assert_int_equal(cust_unit_copy_file(u, src, "/tmp/abs.bin", NULL, NULL),
	                 -1);
	/* the source must exist and be a regular file */
	cust_error_clear(&err);
	assert_int_equal(cust_unit_copy_file(u, missing, "m.bin", NULL, &err), -1);
	assert_true(err.kind != CUST_OK);
	cust_error_clear(&err);
	assert_int_equal(cust_unit_copy_file(u, tmpdir, "d.bin", NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	join(outside, cust_unit_dir(u), "d.bin");
	assert_false(exists(outside));
	cust_unit_free(u);
}

/* ---- cust_unit_seal ----------------------------------------------------- */

static void test_seal_manifests(void **state)
{
	struct payload p = { 0 };
	struct cust_error err;
	struct cust_unit *u;
	unsigned char *big = make_data(70000, 42);
	char src[CUST_PATH_MAX], path[CUST_PATH_MAX], partial[CUST_PATH_MAX];
	char sums_hex[65];
	char *sums, *want, *head, *entries;
	size_t len, lines_before;
	json_t *written = NULL, *rec;
	char *text;

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "E001-H", NULL);
	assert_non_null(u);
	assert_string_equal(cust_unit_name(u), "E001-H1");
	rec = json_pack("{s:s}", "item", "E001");
	assert_int_equal(cust_unit_write_json(u, "report.json", rec, NULL), 0);
	text = cust_json_pretty(rec, NULL);
	payload_add(&p, "report.json", (const unsigned char *)text, strlen(text));
	free(text);
	json_decref(rec);
	source_file("src.bin", big, 70000, src);
	assert_int_equal(cust_unit_copy_file(u, src, "b/c/deep.bin", NULL, NULL), 0);
	payload_add(&p, "b/c/deep.bin", big, 70000);
	free(big);
	unit_put(u, &p, "a.txt", "alpha\n", 6);
	unit_put(u, &p, "Z upper.txt", "zulu\n", 5);
	unit_mkdir(u, "docs");
	unit_put(u, &p, "docs/notes.txt", "n\n", 2);
	/* by full path, "b.txt" < "b/c/deep.bin" < "b0.txt" ('.' < '/' < '0'):
	 * the folder "b" sorts as "b/" among its neighbours */
	unit_put(u, &p, "b.txt", "b\n", 2);
	unit_put(u, &p, "b0.txt", "b0\n", 3);
	assert_int_equal(p.count, 7);

	lines_before = log_lines();
	join(partial, casedir, "artifacts/E001-H1.partial");
	assert_true(is_dir(partial));
	cust_error_clear(&err);
	if (seal(u, &written, &err) != 0)
		fail_msg("seal: %s", err.message);

	/* NAME.partial renamed to NAME */
	assert_false(exists(partial));
	join(path, casedir, "artifacts/E001-H1");
	assert_true(is_dir(path));
	assert_string_equal(cust_unit_dir(u), path);

	/* SHA256SUMS: BSD tag lines sorted by path */
	join(path, casedir, "artifacts/E001-H1/SHA256SUMS");
	sums = slurp(path, &len);
	want = expected_sums(&p);
	assert_string_equal(sums, want);
	hex_of(CUST_DIGEST_SHA256, sums, len, sums_hex);
	free(want);
	free(sums);

	/* manifest.hashdeep: hashdeep's header, then size,md5,sha256,./path */
	join(path, casedir, "artifacts/E001-H1");
	read_hashdeep(path, &head, &entries);
	assert_string_equal(head, HASHDEEP_HEAD);
	want = expected_hashdeep_entries(&p);
	assert_string_equal(entries, want);
	free(want);
	free(head);
	free(entries);
	join(path, casedir, "artifacts/E001-H1/" CUST_MANIFEST_HASHDEEP);
	sums = slurp(path, &len);
	assert_memory_equal(sums, HASHDEEP_HEAD, strlen(HASHDEEP_HEAD));
	free(sums);

	/* the event: logged, naming the unit and the SHA-256 of SHA256SUMS */
	assert_non_null(written);
	assert_string_equal(cust_json_string(written, "action"), "hashed");
	assert_string_equal(cust_json_string(written, "unit"),
	                    "artifacts/E001-H1");
	assert_string_equal(cust_json_string(written, "manifest_sha256"),
	                    sums_hex);
	assert_int_equal(log_lines(), lines_before + 1);
	json_decref(written);

	/* a sealed unit is never modified again through the handle */
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "already sealed"));
	assert_int_equal(cust_unit_copy_file(u, src, "late.bin", NULL, NULL), -1);
	rec = json_object();
	assert_int_equal(cust_unit_write_json(u, "late.json", rec, NULL), -1);
	json_decref(rec);
	assert_int_equal(log_lines(), lines_before + 1);
	join(path, casedir, "artifacts/E001-H1/late.bin");
	assert_false(exists(path));
	cust_unit_free(u);
	payload_free(&p);
}

static void test_sealed_log_verifies(void **state)
{
	char dir[CUST_PATH_MAX];
	json_t *findings = json_array();
	uint64_t events = 0;

	(void)state;
	make_sealed(dir, NULL);
	assert_int_equal(cust_log_verify(casedir, findings, &events, NULL), 0);
	assert_int_equal(json_array_size(findings), 0);
	assert_int_equal(events, 2); /* case-created, hashed */
	json_decref(findings);
}

static void test_check_clean(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], sums[65], want[65];
	json_t *findings;
	size_t len;
	char *buf;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	findings = check(dir, &failed, sums);
	if (json_array_size(findings) != 0)
		dump_findings(findings);
	assert_int_equal(json_array_size(findings), 0);
	assert_int_equal(failed, 0);
	join(path, dir, CUST_MANIFEST_SUMS);
	buf = slurp(path, &len);
	hex_of(CUST_DIGEST_SHA256, buf, len, want);
	assert_string_equal(sums, want);
	free(buf);
	json_decref(findings);
}

/* ---- tampered twins ----------------------------------------------------- */

static void test_tamper_changed_byte(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed, fd;

	(void)state;
	make_sealed(dir, NULL);
	unlock_file(dir, "b/c/deep.bin", path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	{
		unsigned char b = 0;
		assert_int_equal(pread(fd, &b, 1, 4096), 1);
		b ^= 0x01; /* one bit of one byte */
		assert_int_equal(pwrite(fd, &b, 1, 4096), 1);
	}
	assert_int_equal(close(fd), 0);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "b/c/deep.bin", "changed");
	assert_false(has_finding(findings, "a.txt", NULL));
	json_decref(findings);
}

static void test_tamper_changed_same_size_small(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	unlock_file(dir, "a.txt", path);
	write_file(path, "alphA\n", 6); /* same size, one byte differs */
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "a.txt", "changed");
	json_decref(findings);
}

static void test_tamper_missing(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	join(path, dir, "docs/notes.txt");
	assert_int_equal(unlink(path), 0);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "docs/notes.txt", "missing");
	json_decref(findings);
}

static void test_tamper_extra(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	join(path, dir, "planted.txt");
	write_file(path, "planted\n", 8);
	join(path, dir, "b/c/also-planted.bin");
	write_file(path, "x", 1);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "planted.txt", "extra");
	expect_finding(findings, "b/c/also-planted.bin", "extra");
	json_decref(findings);
}

static void test_seal_files_not_findings(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	join(path, dir, "SHA256SUMS.p7s");
	write_file(path, "signature", 9);
	join(path, dir, "SHA256SUMS.p7s.tsr");
	write_file(path, "timestamp", 9);
	findings = check(dir, &failed, NULL);
	if (json_array_size(findings) != 0)
		dump_findings(findings);
	assert_int_equal(failed, 0);
	assert_int_equal(json_array_size(findings), 0);
	json_decref(findings);

	/* the same name below the top is payload, not a seal file */
	join(path, dir, "docs/SHA256SUMS.p7s");
	write_file(path, "signature", 9);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "docs/SHA256SUMS.p7s", "extra");
	json_decref(findings);

	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS"), 1);
	assert_int_equal(cust_manifest_is_seal_file("manifest.hashdeep"), 1);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS.p7s"), 1);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS.p7s.tsr"), 1);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMSX"), 0);
	assert_int_equal(cust_manifest_is_seal_file("a.txt"), 0);
	/* the names attest.c gives the signature and its token */
	assert_string_equal(CUST_MANIFEST_SIGNATURE,
	                    CUST_MANIFEST_SUMS CUST_SIGNATURE_SUFFIX);
	assert_string_equal(CUST_MANIFEST_TIMESTAMP,
	                    CUST_MANIFEST_SUMS CUST_SIGNATURE_SUFFIX
	                    CUST_TIMESTAMP_SUFFIX);
	/* only the exact names custody writes */
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS.txt"), 0);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS.tsr"), 0);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS.p7s.tmp-42"), 0);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS.p7s.tsr.x"), 0);
	assert_int_equal(cust_manifest_is_seal_file("SHA256SUMS."), 0);
}

/* A file named like a seal file but not one is a file planted in the
 * unit, whatever it holds. */
static void test_tamper_seal_like_names(void **state)
{
	static const char *const names[] = {
		"SHA256SUMS.txt", "SHA256SUMS.old", "SHA256SUMS.tsr",
		"SHA256SUMS.", "manifest.hashdeep.bak", "SHA256SUMS.p7s.tsr.1"
	};
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	size_t i;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		join(path, dir, names[i]);
		write_file(path, "planted\n", 8);
	}
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	for (i = 0; i < sizeof names / sizeof *names; i++)
		expect_finding(findings, names[i], "extra file");
	assert_int_equal(json_array_size(findings), sizeof names / sizeof *names);
	json_decref(findings);
}

/* What a custody-sign killed while writing leaves: the temporary names of
 * the signature and of the token.  Reported as such, and as failures: the
 * unit is no longer exactly what was sealed. */
static void test_tamper_signing_leftover(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	join(path, dir, "SHA256SUMS.p7s.tmp-4242");
	write_file(path, "half a signature", 16);
	join(path, dir, "SHA256SUMS.p7s.tsr.tmp-77");
	write_file(path, "half a token", 12);
	/* not the shape of a temporary: planted */
	join(path, dir, "SHA256SUMS.p7s.tmp-");
	write_file(path, "x", 1);
	join(path, dir, "SHA256SUMS.p7s.tmp-12x");
	write_file(path, "x", 1);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "SHA256SUMS.p7s.tmp-4242",
	               "an interrupted signing left this file");
	expect_finding(findings, "SHA256SUMS.p7s.tmp-4242",
	               "not part of the seal");
	expect_finding(findings, "SHA256SUMS.p7s.tsr.tmp-77",
	               "an interrupted timestamping left this file");
	expect_finding(findings, "SHA256SUMS.p7s.tmp-", "extra file");
	expect_finding(findings, "SHA256SUMS.p7s.tmp-12x", "extra file");
	assert_int_equal(json_array_size(findings), 4);
	json_decref(findings);

	/* below the top the same name is a payload file, planted */
	join(path, dir, "docs/SHA256SUMS.p7s.tmp-4242");
	write_file(path, "x", 1);
	findings = check(dir, &failed, NULL);
	expect_finding(findings, "docs/SHA256SUMS.p7s.tmp-4242", "extra file");
	json_decref(findings);
}

/* A manifest lists files: an empty folder in a sealed unit came later.
 * Only the empty folder itself is named, not the folders above it. */
static void test_tamper_empty_folder(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	join(path, dir, "stash");
	assert_int_equal(mkdir(path, 0755), 0);
	join(path, dir, "b/c/new");
	assert_int_equal(mkdir(path, 0755), 0);
	join(path, dir, "b/c/new/deeper");
	assert_int_equal(mkdir(path, 0755), 0);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, "stash", "empty folder");
	expect_finding(findings, "b/c/new/deeper", "empty folder");
	assert_int_equal(json_array_size(findings), 2);
	json_decref(findings);
}

/* Sealing leaves no empty folder behind (a command that made a folder
 * for output it never wrote): the sealed unit then checks clean. */
static void test_seal_drops_empty_folders(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;
	json_t *findings;
	int failed;

	(void)state;
	u = cust_unit_begin(casedir, "extractions", "E001-X", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "extraction.json", "{}\n", 3);
	unit_mkdir(u, "objects");
	unit_mkdir(u, "targets");
	unit_put(u, NULL, "targets/emails.csv", "", 0);
	unit_mkdir(u, "x");
	unit_mkdir(u, "x/y");
	unit_mkdir(u, "x/y/z");
	cust_error_clear(&err);
	if (seal(u, NULL, &err) != 0)
		fail_msg("seal: %s", err.message);
	assert_string_equal(cust_unit_relpath(u), "extractions/E001-X1");
	join(dir, casedir, "extractions/E001-X1");
	join(path, dir, "objects");
	assert_false(exists(path));
	join(path, dir, "x");
	assert_false(exists(path));
	join(path, dir, "targets/emails.csv");
	assert_true(exists(path));
	cust_unit_free(u);
	findings = json_array();
	assert_non_null(findings);
	assert_int_equal(cust_manifest_check(dir, "extractions/E001-X1", findings,
	                                     &failed, NULL, &err), 0);
	if (failed)
		dump_findings(findings);
	assert_int_equal(failed, 0);
	json_decref(findings);
}

static void test_tamper_symlink(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], target[CUST_PATH_MAX];
	json_t *findings;
	int failed;
	size_t i;
	int named = 0;

	(void)state;
	make_sealed(dir, NULL);
	/* same bytes behind a link: only the link itself is wrong */
	source_file("alpha-copy.txt", "alpha\n", 6, target);
	join(path, dir, "a.txt");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	assert_true(json_array_size(findings) >= 1);
	for (i = 0; i < json_array_size(findings); i++) {
		const json_t *f = json_array_get(findings, i);
		if (strstr(cust_json_string(f, "subject"), "a.txt") ||
		    strstr(cust_json_string(f, "message"), "a.txt"))
			named = 1;
	}
	if (!named)
		dump_findings(findings);
	assert_true(named);
	json_decref(findings);
}

static void test_tamper_forged_sums(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], sums_before[65],
	     sums_after[65], old_sha[65], new_sha[65];
	json_t *findings;
	char *sums, *at;
	size_t len;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	findings = check(dir, &failed, sums_before);
	assert_int_equal(failed, 0);
	json_decref(findings);
	/* change a file and rewrite its SHA256SUMS line to match */
	unlock_file(dir, "a.txt", path);
	write_file(path, "ALPHA\n", 6);
	hex_of(CUST_DIGEST_SHA256, "alpha\n", 6, old_sha);
	hex_of(CUST_DIGEST_SHA256, "ALPHA\n", 6, new_sha);
	unlock_file(dir, CUST_MANIFEST_SUMS, path);
	sums = slurp(path, &len);
	at = strstr(sums, old_sha);
	assert_non_null(at);
	memcpy(at, new_sha, 64);
	write_file(path, sums, len);
	free(sums);
	findings = check(dir, &failed, sums_after);
	assert_int_equal(failed, 1);
	/* manifest.hashdeep still holds the old hashes */
	expect_finding(findings, "a.txt", "manifest.hashdeep disagrees");
	/* and SHA256SUMS no longer has the hash the log recorded */
	assert_true(strcmp(sums_before, sums_after) != 0);
	json_decref(findings);
}

static void test_tamper_manifest_missing(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	join(path, dir, CUST_MANIFEST_HASHDEEP);
	assert_int_equal(unlink(path), 0);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, NULL, CUST_MANIFEST_HASHDEEP);
	json_decref(findings);

	join(path, dir, CUST_MANIFEST_SUMS);
	assert_int_equal(unlink(path), 0);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, NULL, CUST_MANIFEST_SUMS);
	json_decref(findings);
}

/* 0 when cust_manifest_check of the unit at DIR ends with a failure. */
static int check_fails(const char *dir)
{
	json_t *findings = json_array();
	int failed = 0, rc;

	if (!findings)
		return 3;
	rc = cust_manifest_check(dir, SUBJECT, findings, &failed, NULL, NULL);
	json_decref(findings);
	return rc == 0 && failed == 1 ? 0 : 1;
}

static void test_tamper_sums_fifo(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	int rc;

	(void)state;
	make_sealed(dir, NULL);
	/* a hostile unit: SHA256SUMS replaced by a FIFO.  The check must end
	 * with a finding, not wait forever for a writer */
	join(path, dir, CUST_MANIFEST_SUMS);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0644), 0);
	rc = run_bounded(check_fails, dir, 3000);
	if (rc == -1)
		fail_msg("cust_manifest_check blocked on a FIFO SHA256SUMS");
	assert_int_equal(rc, 0);
}

/* ---- seal refusals ------------------------------------------------------ */

static void test_seal_refuses_symlink(void **state)
{
	char path[CUST_PATH_MAX], target[CUST_PATH_MAX], final[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;
	size_t lines_before = log_lines();

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "a.txt", "a", 1);
	unit_mkdir(u, "sub");
	source_file("target.txt", "t", 1, target);
	join(path, cust_unit_dir(u), "sub/link");
	assert_int_equal(symlink(target, path), 0);
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "sub/link"));
	/* still partial, nothing written, nothing logged */
	assert_true(is_dir(cust_unit_dir(u)));
	join(final, casedir, "artifacts/H1");
	assert_false(exists(final));
	join(path, cust_unit_dir(u), CUST_MANIFEST_SUMS);
	assert_false(exists(path));
	assert_int_equal(log_lines(), lines_before);
	cust_unit_free(u);
}

static void test_seal_refuses_dangling_symlink(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "a.txt", "a", 1);
	join(path, cust_unit_dir(u), "dangling");
	assert_int_equal(symlink("/nonexistent/target", path), 0);
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_true(is_dir(cust_unit_dir(u)));
	cust_unit_free(u);
}

static void test_seal_refuses_empty(void **state)
{
	char final[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;
	size_t lines_before = log_lines();

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "empty"));
	/* empty folders are not payload either */
	unit_mkdir(u, "only-folders");
	unit_mkdir(u, "only-folders/deeper");
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	assert_non_null(strstr(err.message, "empty"));
	assert_true(is_dir(cust_unit_dir(u)));
	join(final, casedir, "artifacts/H1");
	assert_false(exists(final));
	assert_int_equal(log_lines(), lines_before);
	cust_unit_free(u);
}

static void test_seal_refuses_fifo_and_bad_names(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;

	(void)state;
	/* a FIFO is refused, not opened (which would hang the seal) */
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "a.txt", "a", 1);
	join(path, cust_unit_dir(u), "pipe");
	assert_int_equal(mkfifo(path, 0644), 0);
	alarm(60);
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	alarm(0);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "pipe"));
	cust_unit_free(u);

	/* a name that cannot be written on a manifest line */
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "line\nbreak.txt", "a", 1);
	cust_error_clear(&err);
	assert_int_equal(seal(u, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	join(path, cust_unit_dir(u), CUST_MANIFEST_SUMS);
	assert_false(exists(path));
	cust_unit_free(u);
}

static void test_scan_depth_limit(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_manifest m;
	struct cust_error err;
	int i;

	(void)state;
	tpath(dir, "deep");
	assert_int_equal(mkdir(dir, 0755), 0);
	memcpy(path, dir, strlen(dir) + 1);
	for (i = 0; i < CUST_MANIFEST_MAX_DEPTH; i++) {
		char next[CUST_PATH_MAX];
		join(next, path, "d");
		assert_int_equal(mkdir(next, 0755), 0);
		memcpy(path, next, strlen(next) + 1);
	}
	/* a file CUST_MANIFEST_MAX_DEPTH folders down is allowed */
	{
		char file[CUST_PATH_MAX];
		join(file, path, "f");
		write_file(file, "f", 1);
	}
	cust_manifest_init(&m);
	cust_error_clear(&err);
	if (cust_manifest_scan(dir, &m, &err) != 0)
		fail_msg("scan at the depth limit: %s", err.message);
	assert_int_equal(m.count, 1);
	cust_manifest_release(&m);
	/* one folder more is refused */
	{
		char sub[CUST_PATH_MAX], file[CUST_PATH_MAX];
		join(sub, path, "d");
		assert_int_equal(mkdir(sub, 0755), 0);
		join(file, sub, "g");
		write_file(file, "g", 1);
	}
	cust_manifest_init(&m);
	cust_error_clear(&err);
	assert_int_equal(cust_manifest_scan(dir, &m, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "deep"));
	cust_manifest_release(&m);
}

static void test_read_sums_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *what;
	} bad[] = {
		{ "SHA256 (a.txt) = "
		  "0000000000000000000000000000000000000000000000000000000000000000\n"
		  "garbage\n", "line 2" },
		{ "SHA256 (../x) = "
		  "0000000000000000000000000000000000000000000000000000000000000000\n",
		  "line 1" },
		{ "SHA256 (a.txt) = "
		  "000000000000000000000000000000000000000000000000000000000000000g\n",
		  "line 1" },
		{ "SHA256 (a.txt) = "
		  "0000000000000000000000000000000000000000000000000000000000000000\n"
		  "SHA256 (a.txt) = "
		  "0000000000000000000000000000000000000000000000000000000000000000\n",
		  "twice" },
		{ "SHA256 (a.txt) = "
		  "0000000000000000000000000000000000000000000000000000000000000000",
		  "newline" },
		{ NULL, NULL }
	};
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_manifest m;
	struct cust_error err;
	size_t i;

	(void)state;
	tpath(dir, "sums");
	assert_int_equal(mkdir(dir, 0755), 0);
	join(path, dir, CUST_MANIFEST_SUMS);
	for (i = 0; bad[i].text; i++) {
		write_file(path, bad[i].text, strlen(bad[i].text));
		cust_manifest_init(&m);
		cust_error_clear(&err);
		assert_int_equal(cust_manifest_read_sums(dir, &m, NULL, &err), -1);
		assert_int_equal(err.kind, CUST_E_INPUT);
		if (!strstr(err.message, bad[i].what))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err.message,
			         bad[i].what);
		cust_manifest_release(&m);
	}
	/* a good one reads back, sorted */
	{
		static const char good[] =
			"SHA256 (b) = "
			"1111111111111111111111111111111111111111111111111111111111111111\n"
			"SHA256 (a b/c) = "
			"2222222222222222222222222222222222222222222222222222222222222222\n";
		char sums[65], want[65];
		write_file(path, good, sizeof good - 1);
		cust_manifest_init(&m);
		assert_int_equal(cust_manifest_read_sums(dir, &m, sums, NULL), 0);
		assert_int_equal(m.count, 2);
		assert_string_equal(m.entries[0].path, "a b/c");
		assert_string_equal(m.entries[1].path, "b");
		assert_int_equal(m.entries[1].sha256[31], 0x11);
		assert_non_null(cust_manifest_find(&m, "b"));
		assert_null(cust_manifest_find(&m, "c"));
		hex_of(CUST_DIGEST_SHA256, good, sizeof good - 1, want);
		assert_string_equal(sums, want);
		cust_manifest_release(&m);
	}
}

static void test_check_reports_malformed_sums(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	json_t *findings;
	int failed;

	(void)state;
	make_sealed(dir, NULL);
	unlock_file(dir, CUST_MANIFEST_SUMS, path);
	write_file(path, "not a sums line\n", 16);
	findings = check(dir, &failed, NULL);
	assert_int_equal(failed, 1);
	expect_finding(findings, NULL, "line 1");
	json_decref(findings);
}

/* In a child: wait for the start (GATE reads end of file), begin a unit
 * named STEM<n>, write one file naming the child, seal it. */
static void child_seal(const char *stem, int c, int gate)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	char path[CUST_PATH_MAX], text[32], byte;
	struct cust_error err;
	struct cust_unit *u;
	int fd, n;

	alarm(120);
	if (read(gate, &byte, 1) != 0)
		_exit(5);
	cust_error_clear(&err);
	u = cust_unit_begin(casedir, "artifacts", stem, &err);
	if (!u) {
		fprintf(stderr, "# child %d: begin: %s\n", c, err.message);
		_exit(1);
	}
	n = snprintf(text, sizeof text, "child %d\n", c);
	if (n <= 0 || snprintf(path, sizeof path, "%s/who.txt",
	                       cust_unit_dir(u)) <= 0)
		_exit(2);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n || close(fd) < 0)
		_exit(3); /* another child's file already there: shared unit */
	ev.action = "hashed";
	ev.tool = "test";
	if (cust_unit_seal(u, &actor, &ev, NULL, &err) != 0) {
		fprintf(stderr, "# child %d: seal '%s': %s\n", c, cust_unit_name(u),
		        err.message);
		_exit(4);
	}
	cust_unit_free(u);
	_exit(0);
}

#define KIDS 32

/* KIDS children racing for units STEM1..STEM<KIDS>: each gets its own
 * and seals it. */
static void parallel_round(const char *stem)
{
	pid_t pids[KIDS];
	int seen[KIDS], status[KIDS], gate[2], c, found = 0;
	size_t sl = strlen(stem);
	char kdir[CUST_PATH_MAX];
	struct dirent *de;
	DIR *d;

	memset(seen, 0, sizeof seen);
	/* all children start together, to race for the same unit names */
	assert_int_equal(pipe(gate), 0);
	for (c = 0; c < KIDS; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0) {
			close(gate[1]);
			child_seal(stem, c, gate[0]);
		}
	}
	close(gate[0]);
	close(gate[1]); /* opens the gate */
	/* reap every child before judging, so none outlives the test */
	for (c = 0; c < KIDS; c++)
		assert_int_equal(waitpid(pids[c], &status[c], 0), pids[c]);
	for (c = 0; c < KIDS; c++) {
		assert_true(WIFEXITED(status[c]));
		if (WEXITSTATUS(status[c]) != 0)
			fail_msg("child %d of round '%s' exited with %d", c, stem,
			         WEXITSTATUS(status[c]));
	}
	/* KIDS distinct sealed units STEM1..STEM<KIDS>, each with its own
	 * child's file (read from the folder, not through cust_unit_list) */
	join(kdir, casedir, "artifacts");
	d = opendir(kdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char udir[CUST_PATH_MAX], path[CUST_PATH_MAX], *text;
		uint64_t who, num;
		size_t len;

		if (strncmp(de->d_name, stem, sl) != 0)
			continue;
		/* sealed: the stem and a number 1..KIDS, no .partial left */
		assert_int_equal(cust_parse_u64(de->d_name + sl, &num), 0);
		assert_true(num >= 1 && num <= KIDS);
		join(udir, kdir, de->d_name);
		join(path, udir, "who.txt");
		text = slurp(path, &len);
		assert_true(len > 7 && text[len - 1] == '\n');
		text[len - 1] = '\0';
		assert_memory_equal(text, "child ", 6);
		assert_int_equal(cust_parse_u64(text + 6, &who), 0);
		assert_true(who < KIDS);
		seen[who]++;
		found++;
		free(text);
	}
	closedir(d);
	assert_int_equal(found, KIDS);
	for (c = 0; c < KIDS; c++)
		assert_int_equal(seen[c], 1);
}

static void test_parallel_begin_and_seal(void **state)
{
	static const char *const stems[] = { "P", "Q", "R", "S", NULL };
	json_t *findings = json_array();
	uint64_t events = 0;
	size_t i;

	(void)state;
	/* a caller's short lock timeout must not fail the waiting children */
	assert_int_equal(setenv("CUSTODY_LOCK_TIMEOUT", "120", 1), 0);
	for (i = 0; stems[i]; i++)
		parallel_round(stems[i]);
	assert_int_equal(cust_log_verify(casedir, findings, &events, NULL), 0);
	assert_int_equal(json_array_size(findings), 0);
	assert_int_equal(events, 4 * KIDS + 1);
	json_decref(findings);
}

/* ---- cust_unit_list ----------------------------------------------------- */

/*
 * A fresh case has empty unit folders.  Listing them must work; it is also
 * what custody-status and custody-verify do first.  (Under UBSan this
 * catches qsort() being passed a NULL array for an empty folder.)
 */
static void test_unit_list_fresh_case(void **state)
{
	json_t *got = json_array();
	struct cust_error err;

	(void)state;
	cust_error_clear(&err);
	assert_int_equal(cust_unit_list(casedir, got, &err), 0);
	assert_int_equal(json_array_size(got), 0);
	assert_int_equal(err.kind, CUST_OK);
	json_decref(got);
}

static void test_unit_list(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_unit *u;
	json_t *got = json_array(), *want;
	struct cust_error err;

	(void)state;
	make_sealed(dir, NULL);                              /* E001-H1 */
	u = cust_unit_begin(casedir, "artifacts", "E001-H", NULL); /* H2 */
	assert_non_null(u);
	cust_unit_free(u);
	join(path, casedir, "artifacts/stray.txt");
	write_file(path, "stray", 5);
	join(path, casedir, "artifacts/.hidden");
	assert_int_equal(mkdir(path, 0755), 0);
	u = cust_unit_begin(casedir, "reports", "R", NULL);
	assert_non_null(u);
	cust_unit_free(u);

	cust_error_clear(&err);
	assert_int_equal(cust_unit_list(casedir, got, &err), 0);
	want = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s},"
	                 " {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s},"
	                 " {s:s, s:s, s:s, s:s}]",
	                 "kind", "artifacts", "name", ".hidden",
	                 "path", "artifacts/.hidden", "state", "foreign",
	                 "kind", "artifacts", "name", "E001-H1",
	                 "path", "artifacts/E001-H1", "state", "sealed",
	                 "kind", "artifacts", "name", "E001-H2",
	                 "path", "artifacts/E001-H2.partial", "state", "partial",
	                 "kind", "artifacts", "name", "stray.txt",
	                 "path", "artifacts/stray.txt", "state", "foreign",
	                 "kind", "reports", "name", "R1",
	                 "path", "reports/R1.partial", "state", "partial");
	assert_non_null(want);
	if (!json_equal(got, want)) {
		dump_findings(got);
		fail_msg("cust_unit_list gave an unexpected list");
	}
	json_decref(got);
	json_decref(want);
}

static void test_unit_list_foreign_kinds(void **state)
{
	char path[CUST_PATH_MAX], target[CUST_PATH_MAX];
	json_t *got = json_array();
	size_t i;
	int n_foreign = 0;

	(void)state;
	/* a regular file named like a partial unit, and a link to a folder
	 * named like a sealed one: neither is a unit */
	join(path, casedir, "extractions/X1.partial");
	write_file(path, "x", 1);
	tpath(target, "elsewhere");
	assert_int_equal(mkdir(target, 0755), 0);
	join(path, casedir, "extractions/X2");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(cust_unit_list(casedir, got, NULL), 0);
	assert_int_equal(json_array_size(got), 2);
	for (i = 0; i < json_array_size(got); i++) {
		const json_t *e = json_array_get(got, i);
		assert_string_equal(cust_json_string(e, "kind"), "extractions");
		if (strcmp(cust_json_string(e, "state"), "foreign") == 0)
			n_foreign++;
	}
	assert_int_equal(n_foreign, 2);
	json_decref(got);
}

/* A kind folder replaced by a symlink holds no unit of the case, even
 * when what it points to looks like one; so does a kind folder that is a
 * file.  Neither is an error: custody-verify reports them. */
static void test_unit_list_symlinked_kind(void **state)
{
	char path[CUST_PATH_MAX], target[CUST_PATH_MAX];
	json_t *got = json_array();
	struct cust_error err;

	(void)state;
	tpath(target, "elsewhere");
	assert_int_equal(mkdir(target, 0755), 0);
	tpath(path, "elsewhere/R1");
	assert_int_equal(mkdir(path, 0755), 0);
	join(path, casedir, "reports");
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink(target, path), 0);
	join(path, casedir, "extractions");
	assert_int_equal(rmdir(path), 0);
	write_file(path, "x", 1);
	cust_error_clear(&err);
	assert_int_equal(cust_unit_list(casedir, got, &err), 0);
	if (json_array_size(got) != 0) {
		dump_findings(got);
		fail_msg("units listed through a symlink or a file");
	}
	json_decref(got);
}

/* The top of a case knows every unit kind as a folder, and nothing that
 * is not one of custody's names. */
static void test_case_entry_kinds(void **state)
{
	static const char *const kinds[] = {
		"acquisitions", "artifacts", "extractions", "reports"
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		assert_int_equal(cust_unit_kind_known(kinds[i]), 1);
		assert_int_equal(cust_case_entry_kind(kinds[i]),
		                 CUST_CASE_ENTRY_FOLDER);
	}
	assert_int_equal(cust_unit_kind_known("items"), 0);
	assert_int_equal(cust_case_entry_kind("items"), CUST_CASE_ENTRY_FOLDER);
	assert_int_equal(cust_case_entry_kind("examiners"),
	                 CUST_CASE_ENTRY_FOLDER);
	assert_int_equal(cust_case_entry_kind("runs"), CUST_CASE_ENTRY_FOLDER);
	assert_int_equal(cust_case_entry_kind("case.json"), CUST_CASE_ENTRY_FILE);
	assert_int_equal(cust_case_entry_kind("custody.checkpoint.p7s.tsr"),
	                 CUST_CASE_ENTRY_FILE);
	assert_int_equal(cust_case_entry_kind("custody.checkpoint.tmp-9"),
	                 CUST_CASE_ENTRY_TEMPORARY);
	assert_int_equal(cust_case_entry_kind("case.json.tmp-12"),
	                 CUST_CASE_ENTRY_TEMPORARY);
	/* the log is appended to, never written to a temporary name */
	assert_int_equal(cust_case_entry_kind("custody.log.tmp-12"),
	                 CUST_CASE_ENTRY_UNKNOWN);
	assert_int_equal(cust_case_entry_kind("custody.checkpoint.old"),
	                 CUST_CASE_ENTRY_UNKNOWN);
	assert_int_equal(cust_case_entry_kind(".DS_Store"),
	                 CUST_CASE_ENTRY_UNKNOWN);
	assert_int_equal(cust_case_entry_kind("report"), CUST_CASE_ENTRY_UNKNOWN);
}

/* ---- cust_unit_note_file ------------------------------------------------ */

static void test_note_file_rehashed_when_size_changed(void **state)
{
	const size_t alen = 1000;
	unsigned char *a = make_data(alen, 99), *b;
	unsigned char md5[16], sha[32];
	char path[CUST_PATH_MAX], line[256], md5b[33], shab[65];
	struct payload p = { 0 };
	struct cust_error err;
	struct cust_unit *u;
	char *sums, *head, *entries, *want;
	json_t *findings;
	int failed;

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "E001-H", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "data.bin", a, alen);
	assert_int_equal(cust_digest_buffer(CUST_DIGEST_MD5, a, alen, md5, NULL), 0);
	assert_int_equal(cust_digest_buffer(CUST_DIGEST_SHA256, a, alen, sha,
	                                    NULL), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_unit_note_file(u, "data.bin", alen, md5, sha, &err),
	                 0);
	/* the file grows after it was noted */
	b = malloc(alen + 10);
	assert_non_null(b);
	memcpy(b, a, alen);
	memcpy(b + alen, "0123456789", 10);
	unit_put(u, &p, "data.bin", b, alen + 10);

	cust_error_clear(&err);
	if (seal(u, NULL, &err) != 0)
		fail_msg("seal: %s", err.message);
	hex_of(CUST_DIGEST_MD5, b, alen + 10, md5b);
	hex_of(CUST_DIGEST_SHA256, b, alen + 10, shab);

	join(path, cust_unit_dir(u), CUST_MANIFEST_SUMS);
	sums = slurp(path, NULL);
	assert_true(snprintf(line, sizeof line, "SHA256 (data.bin) = %s\n",
	                     shab) > 0);
	assert_string_equal(sums, line);
	free(sums);
	read_hashdeep(cust_unit_dir(u), &head, &entries);
	assert_true(snprintf(line, sizeof line, "%zu,%s,%s,./data.bin\n",
	                     alen + 10, md5b, shab) > 0);
	assert_string_equal(entries, line);
	want = expected_hashdeep_entries(&p);
	assert_string_equal(entries, want);
	free(want);
	free(head);
	free(entries);

	findings = json_array();
	assert_int_equal(cust_manifest_check(cust_unit_dir(u), SUBJECT, findings,
	                                     &failed, NULL, NULL), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(json_array_size(findings), 0);
	json_decref(findings);
	cust_unit_free(u);
	payload_free(&p);
	free(a);
	free(b);
}

static void test_note_file_refuses_bad_path(void **state)
{
	unsigned char md5[16] = { 0 }, sha[32] = { 0 };
	struct cust_unit *u;

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	assert_int_equal(cust_unit_note_file(u, "../x", 1, md5, sha, NULL), -1);
	assert_int_equal(cust_unit_note_file(u, "/abs", 1, md5, sha, NULL), -1);
	assert_int_equal(cust_unit_note_file(u, "a//b", 1, md5, sha, NULL), -1);
	assert_int_equal(cust_unit_note_file(u, "ok.bin", 1, md5, sha, NULL), 0);
	cust_unit_free(u);
}

/* ---- the manifests with the standard tools ------------------------------ */

/* Run the shell command CMD in DIR, output discarded; its exit status. */
static int run_in(const char *dir, const char *cmd)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || chdir(dir) < 0)
			_exit(126);
		dup2(null, 1);
		dup2(null, 2);
		alarm(60);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define SUMS_CHECK "sha256sum --check --strict SHA256SUMS"
#define HASHDEEP_AUDIT                                                    \
	"find . -type f ! -path ./manifest.hashdeep ! -path ./SHA256SUMS "  \
	"! -path ./SHA256SUMS.p7s ! -path ./SHA256SUMS.p7s.tsr -print0 | " \
	"xargs -0 hashdeep -a -k manifest.hashdeep -l"

static void test_standard_tools_audit(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];

	(void)state;
	make_sealed(dir, NULL);
	/* the commands manifest.h documents accept the sealed unit */
	assert_int_equal(run_in(dir, SUMS_CHECK), 0);
	assert_int_equal(run_in(dir, HASHDEEP_AUDIT), 0);
	/* and reject it once a payload file changed */
	unlock_file(dir, "docs/notes.txt", path);
	write_file(path, "Seized from desk drawer!\n", 25);
	assert_true(run_in(dir, SUMS_CHECK) != 0);
	assert_true(run_in(dir, HASHDEEP_AUDIT) != 0);
}

/* The audit leaves out the seal files by their exact names: a payload
 * file named like one, at any depth, is audited, and a file planted at
 * the top under such a name is caught. */
static void test_standard_tools_audit_seal_like_names(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_unit *u;

	(void)state;
	u = cust_unit_begin(casedir, "artifacts", "H", NULL);
	assert_non_null(u);
	unit_put(u, NULL, "SHA256SUMS.txt", "a list the bot kept\n", 20);
	unit_mkdir(u, "files");
	unit_put(u, NULL, "files/SHA256SUMS", "another\n", 8);
	unit_put(u, NULL, "files/manifest.hashdeep", "and one more\n", 13);
	cust_error_clear(&err);
	if (seal(u, NULL, &err) != 0)
		fail_msg("seal: %s", err.message);
	join(dir, casedir, "artifacts/H1");
	cust_unit_free(u);
	assert_int_equal(run_in(dir, SUMS_CHECK), 0);
	assert_int_equal(run_in(dir, HASHDEEP_AUDIT), 0);
	join(path, dir, "SHA256SUMS.old");
	write_file(path, "planted\n", 8);
	assert_true(run_in(dir, HASHDEEP_AUDIT) != 0);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_case, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_begin_numbering),
		T(test_begin_after_existing),
		T(test_begin_refuses),
		T(test_discard),
		T(test_copy_file),
		T(test_copy_file_empty),
		T(test_copy_file_refuses),
		T(test_seal_manifests),
		T(test_sealed_log_verifies),
		T(test_check_clean),
		T(test_tamper_changed_byte),
		T(test_tamper_changed_same_size_small),
		T(test_tamper_missing),
		T(test_tamper_extra),
		T(test_seal_files_not_findings),
		T(test_tamper_seal_like_names),
		T(test_tamper_signing_leftover),
		T(test_tamper_empty_folder),
		T(test_seal_drops_empty_folders),
		T(test_tamper_symlink),
		T(test_tamper_forged_sums),
		T(test_tamper_manifest_missing),
		T(test_tamper_sums_fifo),
		T(test_seal_refuses_symlink),
		T(test_seal_refuses_dangling_symlink),
		T(test_seal_refuses_empty),
		T(test_seal_refuses_fifo_and_bad_names),
		T(test_scan_depth_limit),
		T(test_read_sums_malformed),
		T(test_check_reports_malformed_sums),
		T(test_parallel_begin_and_seal),
		T(test_note_file_rehashed_when_size_changed),
		T(test_note_file_refuses_bad_path),
		T(test_standard_tools_audit),
		T(test_standard_tools_audit_seal_like_names),
		/* last: under UBSan these abort the program (lib/unit.c
		 * list_kind passes NULL to qsort for an empty folder) */
		T(test_unit_list_fresh_case),
		T(test_unit_list),
		T(test_unit_list_foreign_kinds),
		T(test_unit_list_symlinked_kind),
		T(test_case_entry_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
