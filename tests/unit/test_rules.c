/* test_rules.c - unit tests of the YARA rules module
 * (include/custody/rules.h): real rule files written to a scratch folder,
 * compiled by libyara and run over buffers and through block readers. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "custody/extractor.h"
#include "custody/rules.h"
#include "testutil.h"

#define MAXHITS 16
#define MIB (1u << 20)

/* TMPDIR/rules, the folder every test loads. */
static char rulesdir[CUST_PATH_MAX];

/* Setup: a scratch folder holding an empty rules/. */
static int setup_rules(void **state)
{
	if (setup_tmp(state) != 0)
		return -1;
	if (snprintf(rulesdir, sizeof rulesdir, "%s/rules", tmpdir) >=
	    (int)sizeof rulesdir)
		return -1;
	return mkdir(rulesdir, 0755);
}

/* Write rules/REL (its folders made as needed) holding TEXT. */
static void put(const char *rel, const char *text)
{
	char path[CUST_PATH_MAX];
	char *slash;

	join(path, rulesdir, rel);
	for (slash = strchr(path + strlen(rulesdir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*slash = '/';
	}
	write_file(path, text, strlen(text));
}

/* Append S to the string in BUF (SIZE bytes); fails the test when it
 * does not fit. */
static void append(char *buf, size_t size, const char *s)
{
	size_t used = strlen(buf), n = strlen(s);

	assert_true(used + n < size);
	memcpy(buf + used, s, n + 1);
}

/* D/ LEVELS times, then x.yar, into OUT (CUST_PATH_MAX bytes). */
static void nested(char *out, int levels)
{
	out[0] = '\0';
	while (levels-- > 0)
		append(out, CUST_PATH_MAX, "d/");
	append(out, CUST_PATH_MAX, "x.yar");
}

static struct cust_rules *load_ok(void)
{
	struct cust_error err;
	struct cust_rules *r = cust_rules_load(rulesdir, &err);

	if (!r)
		print_message("load: %s\n", err.message);
	assert_non_null(r);
	return r;
}

/* Load must fail with KIND and a message containing WHAT. */
static void load_fails(enum cust_error_kind kind, const char *what)
{
	struct cust_error err;
	struct cust_rules *r = cust_rules_load(rulesdir, &err);

	if (r)
		cust_rules_free(r);
	assert_null(r);
	if (!strstr(err.message, what))
		print_message("message: %s\n", err.message);
	assert_int_equal(err.kind, kind);
	assert_non_null(strstr(err.message, what));
}

/* Scan LEN bytes of BUF with a fresh scanner over R: the number of hits
 * kept in HITS (MAXHITS room). */
static size_t scan(const struct cust_rules *r, const void *buf, size_t len,
                   struct cust_rule_hit *hits)
{
	struct cust_error err;
	struct cust_rules_scanner *s = cust_rules_scanner_new(r, &err);
	size_t n = 99;
	int trunc = -1, rc;

	assert_non_null(s);
	rc = cust_rules_scan(s, buf, len, hits, MAXHITS, &n, &trunc, &err);
	if (rc != 0)
		print_message("scan: %s\n", err.message);
	assert_int_equal(rc, 0);
	assert_int_equal(trunc, 0);
	cust_rules_scanner_free(s);
	return n;
}

/* The hit of rule NAME among the N HITS, or NULL. */
static const struct cust_rule_hit *find(const struct cust_rule_hit *hits,
                                        size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(hits[i].rule, name) == 0)
			return &hits[i];
	return NULL;
}

/* Whether S is one line of printable text (bytes >= 0x20 but 0x7f). */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ---- rules and hits ----------------------------------------------------- */

static const char cc_rules[] =
	"rule cc_gate : botnet cc\n"
	"{\n"
	"    meta:\n"
	"        description = \"C&C gate and drop address\"\n"
	"    strings:\n"
	"        $mail = \"drop@evil-cc.example.com\"\n"
	"        $gate = \"/gate.php\" nocase\n"
	"    condition:\n"
	"        all of them\n"
	"}\n";

static const char mail_buf[] =
	"[config]\nurl=http://evil-cc.example.com/GATE.PHP?id=1\n"
	"report=drop@evil-cc.example.com\n";

static void test_string_hit(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	struct cust_rules *r;
	const char *twin = "[config]\nurl=http://evil-cc.example.com/gate.ph\n"
	                   "report=drop@evil-cc.example.com\n";
	size_t n;

	(void)state;
	put("cc.yar", cc_rules);
	r = load_ok();
	assert_int_equal(cust_rules_count(r), 1);
	assert_int_equal(cust_rules_files(r), 1);
	n = scan(r, mail_buf, strlen(mail_buf), hits);
	assert_int_equal(n, 1);
	assert_string_equal(hits[0].rule, "cc_gate");
	assert_string_equal(hits[0].ns, "cc.yar");
	assert_string_equal(hits[0].tags, "botnet cc");
	assert_string_equal(hits[0].extractor, "");
	/* the lowest match: "/GATE.PHP" (nocase) comes before the address */
	assert_int_equal(hits[0].offset,
	                 (uint64_t)(strstr(mail_buf, "/GATE") - mail_buf));
	/* hostile twin: one string missing, no hit */
	assert_int_equal(scan(r, twin, strlen(twin), hits), 0);
	assert_int_equal(scan(r, "", 0, hits), 0);
	cust_rules_free(r);
}

static void test_extractor_meta(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	const struct cust_rule_hit *h;
	struct cust_rules *r;
	char text[2048], longname[301];
	size_t n;

	(void)state;
	memset(longname, 'z', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	snprintf(text, sizeof text,
	         "rule zeus_cfg {\n"
	         "  meta:\n"
	         "    author = \"lab\"\n"
	         "    extractor = \"zeus\"\n"
	         "    extractor = \"second\"\n"
	         "  strings: $a = \"ZEUSCFG\"\n"
	         "  condition: $a\n}\n"
	         "rule not_a_string {\n"
	         "  meta: extractor = 5\n"
	         "  strings: $a = \"ZEUSCFG\"\n"
	         "  condition: $a\n}\n"
	         "rule hostile_meta {\n"
	         "  meta: extractor = \"ev\\x01il\\nname\\\\\"\n"
	         "  strings: $a = \"ZEUSCFG\"\n"
	         "  condition: $a\n}\n"
	         "rule long_meta {\n"
	         "  meta: extractor = \"%s\"\n"
	         "  strings: $a = \"ZEUSCFG\"\n"
	         "  condition: $a\n}\n", longname);
	put("zeus.yar", text);
	r = load_ok();
	n = scan(r, "xxZEUSCFGxx", 11, hits);
	assert_int_equal(n, 4);
	h = find(hits, n, "zeus_cfg");
	assert_non_null(h);
	assert_string_equal(h->extractor, "zeus");
	assert_int_equal(h->offset, 2);
	h = find(hits, n, "not_a_string");
	assert_non_null(h);
	assert_string_equal(h->extractor, "");
	h = find(hits, n, "hostile_meta");
	assert_non_null(h);
	assert_string_equal(h->extractor, "ev\\x01il\\x0aname\\x5c");
	assert_true(printable(h->extractor));
	h = find(hits, n, "long_meta");
	assert_non_null(h);
	assert_int_equal(strlen(h->extractor), sizeof h->extractor - 1);
	assert_int_equal(strspn(h->extractor, "z"), sizeof h->extractor - 1);
	/* what a rule names is looked up among the extractors */
	assert_non_null(cust_extractor_find("zeus-config"));
	assert_null(cust_extractor_find("zeus"));
	assert_null(cust_extractor_find(""));
	assert_null(cust_extractor_find(NULL));
	cust_rules_free(r);
}

static void test_condition_only(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	unsigned char mz[512] = { 'M', 'Z' };
	struct cust_rules *r;
	size_t n;

	(void)state;
	put("pe.yara",
	    "rule small_mz {\n"
	    "  condition: uint16(0) == 0x5a4d and filesize < 1KB\n}\n"
	    "rule big { condition: filesize >= 1KB }\n");
	r = load_ok();
	assert_int_equal(cust_rules_count(r), 2);
	n = scan(r, mz, sizeof mz, hits);
	assert_int_equal(n, 1);
	assert_string_equal(hits[0].rule, "small_mz");
	assert_string_equal(hits[0].ns, "pe.yara");
	assert_string_equal(hits[0].tags, "");
	assert_int_equal(hits[0].offset, UINT64_MAX);
	/* twins: not MZ, or too big */
	mz[0] = 'N';
	assert_int_equal(scan(r, mz, sizeof mz, hits), 0);
	{
		unsigned char *big = calloc(1, 4096);
		assert_non_null(big);
		big[0] = 'M';
		big[1] = 'Z';
		n = scan(r, big, 4096, hits);
		assert_int_equal(n, 1);
		assert_string_equal(hits[0].rule, "big");
		free(big);
	}
	cust_rules_free(r);
}

/* Tags longer than their field are cut between two tags. */
static void test_tags_cut(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	struct cust_rules *r;
	char text[1024], tag[101];
	int i;

	(void)state;
	text[0] = '\0';
	append(text, sizeof text, "rule many_tags :");
	for (i = 0; i < 4; i++) {
		memset(tag, 'a' + i, sizeof tag - 1);
		tag[sizeof tag - 1] = '\0';
		append(text, sizeof text, " ");
		append(text, sizeof text, tag);
	}
	append(text, sizeof text, " { condition: true }\n");
	put("tags.yar", text);
	r = load_ok();
	assert_int_equal(scan(r, "x", 1, hits), 1);
	/* two tags of 100 and a space fit in 255 bytes, a third does not */
	assert_int_equal(strlen(hits[0].tags), 201);
	assert_int_equal(strspn(hits[0].tags, "a"), 100);
	assert_int_equal(hits[0].tags[100], ' ');
	assert_int_equal(strspn(hits[0].tags + 101, "b"), 100);
	cust_rules_free(r);
}

/* Namespaces in byte order of the relative paths, rules in file order,
 * private rules used but not reported. */
static void test_order(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	struct cust_rules *r;
	const char *all = "rule r1 { condition: true }\n"
	                  "private rule helper { condition: true }\n"
	                  "rule r2 { condition: helper }\n";
	size_t n;

	(void)state;
	put("b.yar", all);
	put("a/x.yar", all);
	put("a.yar", all);
	put("a/sub/deep.yara", "rule d { condition: true }\n");
	put("README.txt", "rule junk { condition: nothing }\n");
	put(".hidden.yar", "this would not compile\n");
	put(".git/x.yar", "nor this\n");
	r = load_ok();
	assert_int_equal(cust_rules_files(r), 4);
	assert_int_equal(cust_rules_count(r), 10);
	n = scan(r, "x", 1, hits);
	assert_int_equal(n, 7);
	/* '.' < '/' in byte order: a.yar before a/... */
	assert_string_equal(hits[0].ns, "a.yar");
	assert_string_equal(hits[0].rule, "r1");
	assert_string_equal(hits[1].ns, "a.yar");
	assert_string_equal(hits[1].rule, "r2");
	assert_string_equal(hits[2].ns, "a/sub/deep.yara");
	assert_string_equal(hits[3].ns, "a/x.yar");
	assert_string_equal(hits[4].ns, "a/x.yar");
	assert_string_equal(hits[5].ns, "b.yar");
	assert_string_equal(hits[5].rule, "r1");
	assert_string_equal(hits[6].rule, "r2");
	assert_null(find(hits, n, "helper"));
	cust_rules_free(r);
}

/* The digest is what the stock pipeline of rules.h prints. */
static void test_digest(void **state)
{
	struct cust_rules *r;
	char cmd[CUST_PATH_MAX + 512], line[256], first[65];
	FILE *p;

	(void)state;
	put("b.yar", "rule b { condition: true }\n");
	put("a b.yar", "rule ab { condition: true }\n");
	put("sub/c.yara", "rule c { condition: false }\n");
	put("notes.txt", "not a rule\n");
	put(".old.yar", "rule old { condition: true }\n");
	r = load_ok();
	assert_int_equal(strlen(cust_rules_digest(r)), 64);
	snprintf(cmd, sizeof cmd,
	         "cd '%s' && find . -name '.?*' -prune -o -type f "
	         "\\( -name '*.yar' -o -name '*.yara' \\) -print | "
	         "sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | "
	         "sha256sum", rulesdir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	assert_int_equal(pclose(p), 0);
	line[64] = '\0';
	assert_string_equal(cust_rules_digest(r), line);
	memcpy(first, line, sizeof first);
	cust_rules_free(r);

	/* one byte changed in one file: another digest */
	put("sub/c.yara", "rule c { condition: true }\n");
	r = load_ok();
	assert_string_not_equal(cust_rules_digest(r), first);
	cust_rules_free(r);
	/* ... and back: the same again */
	put("sub/c.yara", "rule c { condition: false }\n");
	r = load_ok();
	assert_string_equal(cust_rules_digest(r), first);
	cust_rules_free(r);
	assert_string_equal(cust_rules_digest(NULL), "");
	assert_int_equal(cust_rules_count(NULL), 0);
}

/* ---- refusals ----------------------------------------------------------- */

static void test_syntax_error(void **state)
{
	char want[CUST_PATH_MAX + 64];

	(void)state;
	put("good.yar", "rule good { condition: true }\n");
	put("sub/bad.yar", "rule ok { condition: true }\n"
	                   "\n"
	                   "rule bad { condition: true and }\n");
	snprintf(want, sizeof want, "%s/sub/bad.yar:3: ", rulesdir);
	load_fails(CUST_E_USAGE, want);
	load_fails(CUST_E_USAGE, "syntax error");

	put("sub/bad.yar",
	    "rule u {\n strings: $a = \"x\"\n condition: $b }\n");
	load_fails(CUST_E_USAGE, "bad.yar:3: undefined string");
}

static void test_empty(void **state)
{
	char missing[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	load_fails(CUST_E_USAGE, "no rule files");
	put("notes.txt", "rule x { condition: true }\n");
	put(".x.yar", "rule x { condition: true }\n");
	load_fails(CUST_E_USAGE, "no rule files");
	put("only-comments.yar", "// nothing here\n/* nor here */\n");
	load_fails(CUST_E_USAGE, "no rules");

	join(missing, tmpdir, "missing");
	assert_null(cust_rules_load(missing, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "cannot open rule folder"));
	assert_null(cust_rules_load(NULL, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
}

static void test_include_refused(void **state)
{
	(void)state;
	put("a.yar", "rule a { condition: true }\n");
	put("index.yar", "include \"a.yar\"\nrule i { condition: true }\n");
	load_fails(CUST_E_USAGE, "index.yar:1: include \"a.yar\" refused");
	put("index.yar", "include \"../../../../etc/passwd\"\n");
	load_fails(CUST_E_USAGE, "include \"../../../../etc/passwd\" refused");
}

static void test_hostile_folder(void **state)
{
	char path[CUST_PATH_MAX], deep[CUST_PATH_MAX];

	(void)state;
	put("a.yar", "rule a { condition: true }\n");

	/* a link named like a rule file is refused, not followed */
	join(path, rulesdir, "link.yar");
	assert_int_equal(symlink("/etc/passwd", path), 0);
	load_fails(CUST_E_USAGE, "link.yar' is a symbolic link");
	assert_int_equal(unlink(path), 0);

	/* a linked folder is not walked */
	put("../outside/evil.yar", "this does not compile\n");
	join(path, rulesdir, "shared");
	join(deep, tmpdir, "outside");
	assert_int_equal(symlink(deep, path), 0);
	{
		struct cust_rules *r = load_ok();
		assert_int_equal(cust_rules_files(r), 1);
		cust_rules_free(r);
	}

	/* a FIFO named like a rule file: refused without blocking */
	join(path, rulesdir, "pipe.yar");
	assert_int_equal(mkfifo(path, 0644), 0);
	load_fails(CUST_E_USAGE, "pipe.yar' is not a regular file");
	assert_int_equal(unlink(path), 0);

	/* a NUL byte would end the file early for libyara */
	join(path, rulesdir, "nul.yar");
	write_file(path, "rule n { condition: true }\n\0rule m {", 36);
	load_fails(CUST_E_USAGE, "contains a NUL byte");
	assert_int_equal(unlink(path), 0);

	/* names the sha256sum listing would have to escape */
	put("new\nline.yar", "rule nl { condition: true }\n");
	load_fails(CUST_E_USAGE, "new\\x0aline.yar' is not plain UTF-8");
	join(path, rulesdir, "new\nline.yar");
	assert_int_equal(unlink(path), 0);
	put("back\\slash.yar", "rule bs { condition: true }\n");
	load_fails(CUST_E_USAGE, "is not plain UTF-8");
	join(path, rulesdir, "back\\slash.yar");
	assert_int_equal(unlink(path), 0);

	/* folders nested deeper than the bound */
	nested(deep, CUST_RULES_DEPTH_MAX + 1);
	put(deep, "rule deep { condition: true }\n");
	load_fails(CUST_E_USAGE, "deeper than 8 levels");
	/* one level less is fine */
	join(path, rulesdir, "d");
	assert_int_equal(nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	nested(deep, CUST_RULES_DEPTH_MAX);
	put(deep, "rule deep { condition: true }\n");
	{
		struct cust_rules *r = load_ok();
		assert_int_equal(cust_rules_files(r), 2);
		cust_rules_free(r);
	}
}

/* ---- truncation and bad arguments --------------------------------------- */

static void test_truncated(void **state)
{
	struct cust_rule_hit hits[3];
	struct cust_error err;
	struct cust_rules *r;
	struct cust_rules_scanner *s;
	size_t n;
	int trunc;

	(void)state;
	put("many.yar", "rule m1 { condition: true }\n"
	                "rule m2 { condition: true }\n"
	                "rule m3 { condition: true }\n"
	                "rule m4 { condition: true }\n"
	                "rule m5 { condition: true }\n");
	r = load_ok();
	s = cust_rules_scanner_new(r, &err);
	assert_non_null(s);
	assert_int_equal(cust_rules_scan(s, "x", 1, hits, 3, &n, &trunc, &err),
	                 0);
	assert_int_equal(n, 3);
	assert_int_equal(trunc, 1);
	assert_string_equal(hits[0].rule, "m1");
	assert_string_equal(hits[2].rule, "m3");
	assert_int_equal(cust_rules_scan(s, "x", 1, NULL, 0, &n, &trunc, &err),
	                 0);
	assert_int_equal(n, 0);
	assert_int_equal(trunc, 1);
	/* exactly enough room: not truncated */
	{
		struct cust_rule_hit five[5];
		assert_int_equal(cust_rules_scan(s, "x", 1, five, 5, &n, &trunc,
		                                 &err), 0);
		assert_int_equal(n, 5);
		assert_int_equal(trunc, 0);
		assert_string_equal(five[4].rule, "m5");
	}
	cust_rules_scanner_free(s);
	cust_rules_free(r);
}

static void test_bad_arguments(void **state)
{
	struct cust_rule_hit hits[2];
	struct cust_error err;
	struct cust_rules *r;
	struct cust_rules_scanner *s;
	size_t n;
	int trunc;

	(void)state;
	put("one.yar", "rule one { condition: true }\n");
	r = load_ok();
	assert_null(cust_rules_scanner_new(NULL, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	s = cust_rules_scanner_new(r, &err);
	assert_non_null(s);
	assert_int_equal(cust_rules_scan(NULL, "x", 1, hits, 2, &n, &trunc,
	                                 &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_rules_scan(s, "x", 1, NULL, 2, &n, &trunc, &err),
	                 -1);
	assert_int_equal(cust_rules_scan(s, NULL, 1, hits, 2, &n, &trunc, &err),
	                 -1);
	assert_int_equal(cust_rules_scan_reader(s, 1, NULL, NULL, hits, 2, &n,
	                                        &trunc, &err), -1);
	assert_int_equal(cust_rules_scanner_set_timeout(s, 0, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_rules_scanner_set_timeout(s, 86401, &err), -1);
	assert_int_equal(cust_rules_scanner_set_timeout(s, 5, &err), 0);
	/* still usable after refusals */
	assert_int_equal(cust_rules_scan(s, "x", 1, hits, 2, &n, &trunc, &err),
	                 0);
	assert_int_equal(n, 1);
	assert_int_equal(trunc, 0);
	cust_rules_scanner_free(s);
	cust_rules_scanner_free(NULL);
	cust_rules_free(r);
	cust_rules_free(NULL);
}

/* Two rule sets alive at once, freed in any order, then loaded again:
 * libyara's start and end are counted. */
static void test_two_sets(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	struct cust_rules *a, *b;

	(void)state;
	put("cc.yar", cc_rules);
	a = load_ok();
	b = load_ok();
	assert_string_equal(cust_rules_digest(a), cust_rules_digest(b));
	cust_rules_free(a);
	assert_int_equal(scan(b, mail_buf, strlen(mail_buf), hits), 1);
	cust_rules_free(b);
	a = load_ok();
	assert_int_equal(scan(a, mail_buf, strlen(mail_buf), hits), 1);
	cust_rules_free(a);
}

/* ---- block readers ------------------------------------------------------ */

struct memsrc {
	const unsigned char *data;
	size_t size;
	size_t chunk;      /* most bytes one read returns; 0: all asked */
	uint64_t fail_at;  /* reads at or past this offset fail */
	int eof_at_fail;   /* ... by returning 0 instead of -1 */
	unsigned reads;
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct memsrc *m = ctx;
	size_t n = len;

	m->reads++;
	if (off >= m->fail_at)
		return m->eof_at_fail ? 0 : -1;
	if (off >= m->size)
		return 0;
	if (n > m->size - off)
		n = m->size - (size_t)off;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	if (off + n > m->fail_at)
		n = (size_t)(m->fail_at - off);
	memcpy(buf, m->data + off, n);
	return (long)n;
}

#define MARK "C2GATE-STRADDLE-MARK"

/* Content of 4 MiB and a bit: MARK across the first block boundary, in
 * the overlap after it, across the end of the second block's overlap,
 * ending at the third boundary, and at the very end; an integer across
 * the second boundary. */
static unsigned char *block_content(size_t *size)
{
	const size_t len = 4 * MIB + 12345, m = strlen(MARK);
	const size_t at[] = { MIB - 10, MIB + 100,
	                      2 * MIB + CUST_RULES_OVERLAP - 10, 3 * MIB - m,
	                      len - m };
	unsigned char *d = make_data(len, 42);
	size_t i;

	for (i = 0; i < sizeof at / sizeof at[0]; i++)
		memcpy(d + at[i], MARK, m);
	memcpy(d + 2 * MIB - 2, "ABCD", 4);
	*size = len;
	return d;
}

static void put_block_rules(size_t size)
{
	char text[1024];

	snprintf(text, sizeof text,
	         "rule marks {\n"
	         "  strings: $a = \"" MARK "\"\n"
	         "  condition: #a == 5 and @a[1] == %u and @a[2] == %u and\n"
	         "             @a[5] == filesize - %zu\n"
	         "}\n"
	         "rule across { condition: uint32(%u) == 0x44434241 }\n"
	         "rule size { condition: filesize == %zu }\n"
	         "rule at_end {\n"
	         "  strings: $a = \"" MARK "\"\n"
	         "  condition: $a at %zu\n}\n",
	         MIB - 10, MIB + 100, strlen(MARK), 2 * MIB - 2, size,
	         size - strlen(MARK));
	put("blocks.yar", text);
}

static void scan_reader(struct cust_rules_scanner *s, struct memsrc *m,
                        struct cust_rule_hit *hits, size_t *n, int expect_rc,
                        struct cust_error *err)
{
	int trunc;

	assert_int_equal(cust_rules_scan_reader(s, m->size, mem_pread, m, hits,
	                                        MAXHITS, n, &trunc, err),
	                 expect_rc);
	assert_int_equal(trunc, 0);
}

static void test_reader_equals_buffer(void **state)
{
	struct cust_rule_hit bh[MAXHITS], rh[MAXHITS];
	struct cust_error err;
	struct cust_rules *r;
	struct cust_rules_scanner *s;
	struct memsrc m = { 0 };
	size_t size, nb, nr;
	unsigned char *d = block_content(&size);

	(void)state;
	put_block_rules(size);
	r = load_ok();
	s = cust_rules_scanner_new(r, &err);
	assert_non_null(s);

	assert_int_equal(cust_rules_scan(s, d, size, bh, MAXHITS, &nb, NULL,
	                                 &err), 0);
	assert_int_equal(nb, 4);
	assert_string_equal(bh[0].rule, "marks");
	assert_int_equal(bh[0].offset, MIB - 10);
	assert_string_equal(bh[1].rule, "across");
	assert_string_equal(bh[2].rule, "size");
	assert_string_equal(bh[3].rule, "at_end");
	assert_int_equal(bh[3].offset, size - strlen(MARK));

	/* whole reads, then reads of at most 4097 bytes: the same hits */
	m.data = d;
	m.size = size;
	m.fail_at = UINT64_MAX;
	scan_reader(s, &m, rh, &nr, 0, &err);
	assert_int_equal(nr, nb);
	assert_memory_equal(rh, bh, nb * sizeof *bh);
	/* each byte read once but the overlaps, plus the first block again
	 * for uint32(): bounded */
	assert_true(m.reads <= 8);
	m.chunk = 4097;
	m.reads = 0;
	scan_reader(s, &m, rh, &nr, 0, &err);
	assert_int_equal(nr, nb);
	assert_memory_equal(rh, bh, nb * sizeof *bh);

	/* hostile twin: the mark at the boundary broken, in both paths */
	d[MIB - 1] ^= 0x20;
	assert_int_equal(cust_rules_scan(s, d, size, bh, MAXHITS, &nb, NULL,
	                                 &err), 0);
	m.chunk = 0;
	scan_reader(s, &m, rh, &nr, 0, &err);
	assert_int_equal(nr, nb);
	assert_memory_equal(rh, bh, nb * sizeof *bh);
	assert_null(find(rh, nr, "marks"));
	assert_non_null(find(rh, nr, "at_end"));

	/* empty content: filesize 0, no block */
	put("blocks.yar",
	    "rule size { condition: filesize == 0 }\n"
	    "rule some { strings: $a = \"" MARK "\" condition: $a }\n"
	    "rule at0 { condition: uint8(0) == 0 }\n");
	cust_rules_scanner_free(s);
	cust_rules_free(r);
	r = load_ok();
	s = cust_rules_scanner_new(r, &err);
	assert_non_null(s);
	m.size = 0;
	scan_reader(s, &m, rh, &nr, 0, &err);
	assert_int_equal(nr, 1);
	assert_string_equal(rh[0].rule, "size");

	cust_rules_scanner_free(s);
	cust_rules_free(r);
	free(d);
}

static void test_reader_fails(void **state)
{
	struct cust_rule_hit rh[MAXHITS];
	struct cust_error err;
	struct cust_rules *r;
	struct cust_rules_scanner *s;
	struct memsrc m = { 0 };
	size_t size, nr;
	unsigned char *d = block_content(&size);

	(void)state;
	put_block_rules(size);
	r = load_ok();
	s = cust_rules_scanner_new(r, &err);
	assert_non_null(s);
	m.data = d;
	m.size = size;
	m.chunk = 4096;
	m.fail_at = 2 * MIB;
	scan_reader(s, &m, rh, &nr, -1, &err);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message,
	                       "cannot read content at offset 2097152"));
	assert_true(nr <= MAXHITS);

	m.eof_at_fail = 1;
	scan_reader(s, &m, rh, &nr, -1, &err);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "content ended at offset 2097152"));

	/* the same scanner still scans whole content afterwards */
	m.fail_at = UINT64_MAX;
	scan_reader(s, &m, rh, &nr, 0, &err);
	assert_int_equal(nr, 4);
	cust_rules_scanner_free(s);
	cust_rules_free(r);
	free(d);
}

/* ---- time bound --------------------------------------------------------- */

static void test_timeout(void **state)
{
	struct cust_rule_hit hits[MAXHITS];
	struct cust_error err;
	struct cust_rules *r;
	struct cust_rules_scanner *s;
	unsigned char *d = make_data(200000, 7);
	struct timespec t0, t1;
	size_t n;
	int trunc;

	(void)state;
	/* about 4e10 steps: far more than a second on any machine */
	put("slow.yar",
	    "rule quick { condition: true }\n"
	    "rule slow {\n"
	    "  condition: for all i in (0..filesize) : (\n"
	    "    for all j in (0..filesize) : (uint8(i) != uint8(j) or true))\n"
	    "}\n");
	r = load_ok();
	s = cust_rules_scanner_new(r, &err);
	assert_non_null(s);
	assert_int_equal(cust_rules_scanner_set_timeout(s, 1, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cust_rules_scan(s, d, 200000, hits, MAXHITS, &n,
	                                 &trunc, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "YARA scan timed out"));
	assert_true(t1.tv_sec - t0.tv_sec < 30);
	assert_true(n <= 1);
	/* the same scanner, on content small enough: both rules */
	assert_int_equal(cust_rules_scan(s, d, 10, hits, MAXHITS, &n, &trunc,
	                                 &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(hits[1].rule, "slow");
	cust_rules_scanner_free(s);
	cust_rules_free(r);
	free(d);
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
	const struct cust_rules *rules;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct cust_rule_hit hits[MAXHITS];
	struct cust_error err;
	struct cust_rules_scanner *s = cust_rules_scanner_new(w->rules, &err);
	unsigned char mz[64] = { 'M', 'Z' };
	int i;

	if (!s) {
		w->failures++;
		return NULL;
	}
	for (i = 0; i < 200; i++) {
		size_t n;
		int trunc;
		if (cust_rules_scan(s, mail_buf, strlen(mail_buf), hits,
		                    MAXHITS, &n, &trunc, &err) != 0 || n != 1 ||
		    strcmp(hits[0].rule, "cc_gate") != 0 ||
		    hits[0].offset != (uint64_t)(strstr(mail_buf, "/GATE") -
		                                 mail_buf))
			w->failures++;
		if (cust_rules_scan(s, mz, sizeof mz, hits, MAXHITS, &n, &trunc,
		                    &err) != 0 || n != 1 ||
		    strcmp(hits[0].rule, "small_mz") != 0 ||
		    hits[0].offset != UINT64_MAX)
			w->failures++;
		if (cust_rules_scan(s, "nothing", 7, hits, MAXHITS, &n, &trunc,
		                    &err) != 0 || n != 0)
			w->failures++;
	}
	cust_rules_scanner_free(s);
	return NULL;
}

static void test_threads(void **state)
{
	struct worker w[4];
	pthread_t t[4];
	struct cust_rules *r;
	int i;

	(void)state;
	put("cc.yar", cc_rules);
	put("pe.yar", "rule small_mz { condition: uint16(0) == 0x5a4d and "
	              "filesize < 1KB }\n");
	r = load_ok();
	for (i = 0; i < 4; i++) {
		w[i].rules = r;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	cust_rules_free(r);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup_rules, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_string_hit),
		TEST(test_extractor_meta),
		TEST(test_condition_only),
		TEST(test_tags_cut),
		TEST(test_order),
		TEST(test_digest),
		TEST(test_syntax_error),
		TEST(test_empty),
		TEST(test_include_refused),
		TEST(test_hostile_folder),
		TEST(test_truncated),
		TEST(test_bad_arguments),
		TEST(test_two_sets),
		TEST(test_reader_equals_buffer),
		TEST(test_reader_fails),
		TEST(test_timeout),
		TEST(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
