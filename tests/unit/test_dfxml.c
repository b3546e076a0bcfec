/* test_dfxml.c - unit tests of the DFXML writer (include/custody/dfxml.h):
 * every output validated against the DFXML schema with xmllint, the
 * example inventory, hostile names, hostile twins of every field and of
 * the unit's files, and the DFTT FAT image extracted here compared with
 * fiwalk's own DFXML of it.  The schema comes from the shared test data;
 * the escaping of hostile names and the refusal of hostile fields are
 * checked without it, their validity against it in tests of their own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/dfxml.h"
#include "custody/extract.h"
#include "custody/unit.h"
#include "testutil.h"

static void need_xmllint(void)
{
	if (system("command -v xmllint >/dev/null 2>&1") != 0) {
		print_message("# xmllint missing (Debian libxml2-utils): "
		              "skipped\n");
		skip();
	}
}

/* Skip unless the schema and xmllint are there: called first, before a
 * test allocates anything (a skip jumps out of the test). */
static void need_schema(void)
{
	char xsd[CUST_PATH_MAX];

	need_xmllint();
	testdata_path(xsd, "schemas/dfxml", "dfxml.xsd");
}

/* Whether xmllint finds PATH valid against the DFXML schema; its
 * complaints are printed when not. */
static int schema_valid(const char *path)
{
	char xsd[CUST_PATH_MAX], cmd[4 * CUST_PATH_MAX], log[CUST_PATH_MAX];
	int rc;

	need_xmllint();
	testdata_path(xsd, "schemas/dfxml", "dfxml.xsd");
	tpath(log, "xmllint.log");
	snprintf(cmd, sizeof cmd,
	         "xmllint --noout --nonet --schema '%s' '%s' >'%s' 2>&1", xsd,
	         path, log);
	rc = system(cmd);
	if (rc != 0) {
		char *l = slurp(log, NULL);
		print_message("%s", l);
		free(l);
	}
	return rc == 0;
}

/* The XPath 1.0 string value of EXPR (no single quotes in it) on PATH,
 * into OUT (SIZE bytes). */
static void xpath(const char *path, const char *expr, char *out, size_t size)
{
	char cmd[4 * CUST_PATH_MAX];
	size_t n;
	FILE *p;

	need_xmllint();
	snprintf(cmd, sizeof cmd, "xmllint --nonet --xpath 'string(%s)' '%s' "
	                          "2>/dev/null", expr, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	pclose(p);
	/* xmllint ends what it prints with a newline of its own */
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
}

/* The XPath step for the DFXML element NAME, whatever its prefix. */
#define E(name) "*[local-name()=\"" name "\"]"

/* A unit folder TMPDIR/NAME holding extraction.json RECORD and
 * inventory.jsonl INVENTORY (LEN bytes); its path into DIR. */
static void make_unit(char *dir, const char *name, const char *record,
                      const char *inventory, size_t len)
{
	char p[CUST_PATH_MAX];

	tpath(dir, name);
	assert_int_equal(mkdir(dir, 0755), 0);
	join(p, dir, "extraction.json");
	if (record)
		write_file(p, record, strlen(record));
	join(p, dir, "inventory.jsonl");
	if (inventory)
		write_file(p, inventory, len);
}

/* The JSON file PATH as one canonical line plus newline (malloc'd). */
static char *jsonl_of(const char *path)
{
	json_t *v = cust_json_load_file(path, NULL);
	char *line, *out;

	assert_non_null(v);
	line = cust_json_canonical(v, NULL);
	assert_non_null(line);
	json_decref(v);
	out = malloc(strlen(line) + 2);
	assert_non_null(out);
	snprintf(out, strlen(line) + 2, "%s\n", line);
	free(line);
	return out;
}

static char *example_record(void)
{
	return slurp("evidence-schema/examples/extraction.example.json", NULL);
}

/* ---- the example inventory ---------------------------------------------- */

static void test_example(void **state)
{
	need_schema();
	char dir[CUST_PATH_MAX], out[CUST_PATH_MAX], v[256];
	char *rec = example_record();
	char *inv = jsonl_of("evidence-schema/examples/inventory.example.json");
	struct cust_error err;
	char *xml;

	(void)state;
	make_unit(dir, "ex", rec, inv, strlen(inv));
	assert_int_equal(cust_dfxml_convert(dir, NULL, 0, &err), 0);
	join(out, dir, CUST_DFXML_FILE);
	assert_true(schema_valid(out));
	xml = slurp(out, NULL);
	/* fiwalk's order at the top; the namespaces on the root */
	assert_non_null(strstr(xml, "<metadata>\n    <dc:type>Disk Image"));
	assert_non_null(strstr(xml, "xmlns:dc='http://purl.org/dc/elements/1.1/'"));
	assert_non_null(strstr(xml, "xmlns:xsi="));
	free(xml);

#define FO "/" E("dfxml") "/" E("volume") "/" E("fileobject")
	xpath(out, "/" E("dfxml") "/" E("creator") "/" E("program"), v, sizeof v);
	assert_string_equal(v, "custody-extract");
	xpath(out, "/" E("dfxml") "/" E("creator") "/" E("version"), v, sizeof v);
	assert_string_equal(v, "0.1.0");
	xpath(out, "//" E("execution_environment") "/" E("command_line"), v,
	      sizeof v);
	assert_string_equal(v, "custody-extract --case /cases/2011-RX-001 "
	                       "--item E001 /evidence/ext2.E01");
	xpath(out, "//" E("execution_environment") "/" E("start_time"), v,
	      sizeof v);
	assert_string_equal(v, "2026-11-27T04:22:19.190Z");
	xpath(out, "/" E("dfxml") "/" E("source") "/" E("image_filename"), v,
	      sizeof v);
	assert_string_equal(v, "/evidence/ext2.E01");
	xpath(out, "//" E("volume") "/" E("partition_offset"), v, sizeof v);
	assert_string_equal(v, "0");
	xpath(out, "//" E("volume") "/" E("sector_size"), v, sizeof v);
	assert_string_equal(v, "512");
	xpath(out, "//" E("volume") "/" E("ftype_str"), v, sizeof v);
	assert_string_equal(v, "ext2");
	xpath(out, "//" E("volume") "/" E("ftype"), v, sizeof v);
	assert_string_equal(v, "128"); /* TSK_FS_TYPE_EXT2, 0x80 */
	xpath(out, FO "/" E("filename"), v, sizeof v);
	assert_string_equal(v, "passwords.txt");
	xpath(out, FO "/" E("partition"), v, sizeof v);
	assert_string_equal(v, "1");
	xpath(out, FO "/" E("id"), v, sizeof v);
	assert_string_equal(v, "1");
	xpath(out, FO "/" E("name_type"), v, sizeof v);
	assert_string_equal(v, "r");
	xpath(out, FO "/" E("meta_type"), v, sizeof v);
	assert_string_equal(v, "1");
	xpath(out, FO "/" E("inode"), v, sizeof v);
	assert_string_equal(v, "14");
	xpath(out, FO "/" E("filesize"), v, sizeof v);
	assert_string_equal(v, "116");
	xpath(out, FO "/" E("mode"), v, sizeof v);
	assert_string_equal(v, "436"); /* 0664 */
	xpath(out, FO "/" E("uid"), v, sizeof v);
	assert_string_equal(v, "1000");
	xpath(out, FO "/" E("alloc_name"), v, sizeof v);
	assert_string_equal(v, "1");
	xpath(out, FO "/" E("mtime"), v, sizeof v);
	assert_string_equal(v, "2021-07-22T14:07:32Z");
	xpath(out, FO "/" E("byte_runs") "/" E("byte_run") "[1]/@img_offset", v,
	      sizeof v);
	assert_string_equal(v, "526336");
	xpath(out, FO "/" E("byte_runs") "/" E("byte_run") "[1]/@fs_offset", v,
	      sizeof v);
	assert_string_equal(v, "526336");
	/* runs stop at the file size, as fiwalk's: 116 of the 1024 bytes, the
	 * hole after them is slack */
	xpath(out, FO "/" E("byte_runs") "/" E("byte_run") "[1]/@len", v,
	      sizeof v);
	assert_string_equal(v, "116");
	xpath(out, "count(" FO "/" E("byte_runs") "/" E("byte_run") ")", v,
	      sizeof v);
	assert_string_equal(v, "1");
	xpath(out, FO "/" E("hashdigest") "[@type=\"md5\"]", v, sizeof v);
	assert_string_equal(v, "39cb097008d17660abd0539891a672af");
	xpath(out, FO "/" E("hashdigest") "[@type=\"sha256\"]", v, sizeof v);
	assert_string_equal(v, "02a2a6af2f1ecf4720d7d49d640f0d0a269a7ec733e41"
	                       "973bdd34f09dad0e252");
	xpath(out, FO "/" E("content"), v, sizeof v);
	assert_string_equal(v, "allocated");
	free(rec);
	free(inv);
}

/* Same inventory, other run: identical bytes without the run facts, and
 * only <creator> differs with them. */
static void test_deterministic(void **state)
{
	need_schema();
	char d1[CUST_PATH_MAX], d2[CUST_PATH_MAX], o1[CUST_PATH_MAX],
		o2[CUST_PATH_MAX], f1[CUST_PATH_MAX], f2[CUST_PATH_MAX];
	char *rec = example_record(), *rec2, *p, *x1, *x2;
	char *inv = jsonl_of("evidence-schema/examples/inventory.example.json");
	struct cust_error err;

	(void)state;
	rec2 = strdup(rec);
	assert_non_null(rec2);
	p = strstr(rec2, "04:22:19.190Z");
	assert_non_null(p);
	memcpy(p, "05:00:00.000Z", 13);
	p = strstr(rec2, "2011-RX-001");
	assert_non_null(p);
	memcpy(p, "2011-RX-002", 11);
	make_unit(d1, "run1", rec, inv, strlen(inv));
	make_unit(d2, "run2", rec2, inv, strlen(inv));
	tpath(o1, "run1.dfxml");
	tpath(o2, "run2.dfxml");
	assert_int_equal(cust_dfxml_convert(d1, o1, CUST_DFXML_NO_RUN_FACTS,
	                                    &err), 0);
	assert_int_equal(cust_dfxml_convert(d2, o2, CUST_DFXML_NO_RUN_FACTS,
	                                    &err), 0);
	assert_true(schema_valid(o1));
	x1 = slurp(o1, NULL);
	x2 = slurp(o2, NULL);
	assert_string_equal(x1, x2);
	assert_null(strstr(x1, "start_time"));
	assert_null(strstr(x1, "command_line"));
	free(x1);
	free(x2);
	/* with the run facts: they differ, and only inside <creator> */
	join(f1, d1, CUST_DFXML_FILE);
	join(f2, d2, CUST_DFXML_FILE);
	assert_int_equal(cust_dfxml_convert(d1, NULL, 0, &err), 0);
	assert_int_equal(cust_dfxml_convert(d2, NULL, 0, &err), 0);
	x1 = slurp(f1, NULL);
	x2 = slurp(f2, NULL);
	assert_string_not_equal(x1, x2);
	assert_string_equal(strstr(x1, "</creator>"), strstr(x2, "</creator>"));
	free(x1);
	free(x2);
	/* never over an existing file */
	assert_int_equal(cust_dfxml_convert(d1, NULL, 0, &err), -1);
	free(rec);
	free(rec2);
	free(inv);
}

/* ---- hostile names through the streaming writer ------------------------- */

/* A valid inventory entry of PATH (LEN bytes, not checked as UTF-8). */
static json_t *entry(const char *part, const char *path, size_t len,
                     int deleted)
{
	const char *slash = memrchr(path, '/', len);
	json_t *o = json_pack("{s:s, s:s, s:I, s:b, s:b, s:s, s:I, s:s, s:I, "
	                      "s:I, s:s, s:s}",
	                      "partition", part, "fs_type", "fat16", "meta_addr",
	                      (json_int_t)5, "name_allocated", !deleted,
	                      "meta_allocated", !deleted, "type", "regular",
	                      "size", (json_int_t)1584, "mode", "0777", "uid",
	                      (json_int_t)0, "gid", (json_int_t)0, "content",
	                      deleted ? "recovered-unverified" : "allocated",
	                      "mtime", "2004-02-14T17:51:16Z");

	assert_non_null(o);
	json_object_set_new(o, "path", json_stringn_nocheck(path, len));
	json_object_set_new(o, "name",
	                    json_stringn_nocheck(slash + 1,
	                                         len - (size_t)(slash + 1 - path)));
	json_object_set_new(o, "runs",
	                    json_pack("[{s:I, s:I}]", "offset",
	                              (json_int_t)45056, "length",
	                              (json_int_t)1584));
	return o;
}

static void add_ok(struct cust_dfxml *w, json_t *o)
{
	struct cust_error err;
	int rc = cust_dfxml_add(w, o, &err);

	if (rc != 0)
		print_message("%s\n", cust_error_message(&err));
	assert_int_equal(rc, 0);
	json_decref(o);
}

/* A name beyond the Basic Multilingual Plane: written as it is. */
static const char nonbmp[] = "/\xf0\x9f\x98\x80 smile";

/* TMPDIR/names.dfxml, written of entries with hostile names, into OUT; the
 * longest name (4095 bytes, malloc'd) into *LONGEST. */
static void write_hostile_names(char *out, char **longest)
{
	static const char specials[] = "/dir/a<b&c>d\"e'f";
	static const char escaped[] = "/\\xFF\\x5Cname";   /* as walk writes */
	static const char controls[] = "/c\x01\x1f\x7f|\t|\n|\r|";
	static const char nonchars[] = "/n\xef\xbf\xbe\xef\xbf\xbf";
	static const char invalid[] = "/s\xed\xa0\x80|\xff|\xc0\xaf";
	struct cust_dfxml *w;
	struct cust_error err;
	char *lng;
	size_t i;

	tpath(out, "names.dfxml");
	w = cust_dfxml_open(out, NULL, 0, &err);
	assert_non_null(w);
	add_ok(w, entry("p1", specials, strlen(specials), 0));
	add_ok(w, entry("p1", escaped, strlen(escaped), 1));
	add_ok(w, entry("p1", controls, strlen(controls), 1));
	add_ok(w, entry("p2", nonchars, strlen(nonchars), 0));
	add_ok(w, entry("p2", nonbmp, strlen(nonbmp), 0));
	add_ok(w, entry("p2", invalid, strlen(invalid), 0));
	lng = malloc(4096);
	assert_non_null(lng);
	lng[0] = '/';
	for (i = 1; i < 4095; i++)
		lng[i] = (char)('a' + i % 26);
	lng[4095] = '\0';
	add_ok(w, entry("p2", lng, 4095, 1));
	assert_int_equal(cust_dfxml_close(w, &err), 0);
	*longest = lng;
}

/* Hostile names escaped as fiwalk does, read back as they were (the
 * schema's view of the same file: test_hostile_names_schema). */
static void test_hostile_names(void **state)
{
	char out[CUST_PATH_MAX], v[256], *xml, *lng;

	(void)state;
	write_hostile_names(out, &lng);
	xml = slurp(out, NULL);
	assert_non_null(strstr(xml, "<filename>dir/a&lt;b&amp;c&gt;d&quot;e"
	                            "&apos;f</filename>"));
	assert_non_null(strstr(xml, "<filename>\\xFF\\x5Cname</filename>"));
	assert_non_null(strstr(xml, "<filename>c\\x01\\x1F\\x7F|&#9;|&#10;|"
	                            "&#13;|</filename>"));
	assert_non_null(strstr(xml, "<filename>n\\xEF\\xBF\\xBE\\xEF\\xBF\\xBF"
	                            "</filename>"));
	assert_non_null(strstr(xml, "<filename>\xf0\x9f\x98\x80 smile"));
	assert_non_null(strstr(xml, "<filename>s\\xED\\xA0\\x80|\\xFF|\\xC0\\xAF"
	                            "</filename>"));
	assert_non_null(strstr(xml, lng + 1));
	free(xml);
	free(lng);
	/* what a reader gets back: the name, quotes and all */
	xpath(out, "//" E("fileobject") "[1]/" E("filename"), v, sizeof v);
	assert_string_equal(v, "dir/a<b&c>d\"e'f");
	xpath(out, "(//" E("fileobject") ")[5]/" E("filename"), v, sizeof v);
	assert_string_equal(v, nonbmp + 1);
	/* deleted entries: both allocation flags 0 */
	xpath(out, "//" E("fileobject") "[2]/" E("alloc_name"), v, sizeof v);
	assert_string_equal(v, "0");
	xpath(out, "//" E("fileobject") "[2]/" E("alloc_inode"), v, sizeof v);
	assert_string_equal(v, "0");
	xpath(out, "//" E("fileobject") "[2]/" E("content"), v, sizeof v);
	assert_string_equal(v, "recovered-unverified");
	/* two partitions, two volumes; ids run on */
	xpath(out, "count(//" E("volume") ")", v, sizeof v);
	assert_string_equal(v, "2");
	xpath(out, "//" E("volume") "[2]/" E("fileobject") "[1]/" E("partition"),
	      v, sizeof v);
	assert_string_equal(v, "2");
	xpath(out, "//" E("volume") "[2]/" E("fileobject") "[1]/" E("id"), v,
	      sizeof v);
	assert_string_equal(v, "4");
	/* fiwalk's FAT precisions */
	xpath(out, "//" E("fileobject") "[1]/" E("mtime") "/@prec", v, sizeof v);
	assert_string_equal(v, "2");
}

static void test_hostile_names_schema(void **state)
{
	char out[CUST_PATH_MAX], *lng;

	(void)state;
	need_schema();
	write_hostile_names(out, &lng);
	free(lng);
	assert_true(schema_valid(out));
}

/* ---- hostile twins of each field ----------------------------------------- */

/* TMPDIR/twins.dfxml into OUT: every hostile twin of an entry's fields is
 * refused with a message naming the field, then one good entry is added. */
static void write_hostile_fields(char *out)
{
	static const struct {
		const char *key, *json, *what;
	} cases[] = {
		{ "size", "-1", "'size' is not a non-negative integer" },
		{ "size", "\"12\"", "'size' is not a non-negative integer" },
		{ "meta_addr", NULL, "'meta_addr' is missing" },
		{ "mode", "\"0999\"", "'mode' is not four octal digits" },
		{ "mode", "\"07777\"", "'mode' is not four octal digits" },
		{ "partition", "\"x1\"", "'partition' is not p0" },
		{ "partition", "\"p01\"", "'partition' is not p0" },
		{ "path", "\"relative\"", "'path' does not start with /" },
		{ "type", "\"door\"", "'type' is not a known type" },
		{ "content", "\"fine\"", "'content' is not a known" },
		{ "mtime", "\"2021-13-01T00:00:00Z\"", "'mtime' is not a UTC time" },
		{ "atime", "\"0000-01-01T00:00:00Z\"", "'atime' is not a UTC time" },
		{ "ctime", "\"2021-01-01T00:00:00+01:00\"", "'ctime' is not a UTC" },
		{ "crtime", "\"2021-02-30T00:00:00Z\"", "'crtime' is not a UTC" },
		{ "mtime", "\"2021-01-01T00:00:00.1234567890Z\"", "'mtime' is not" },
		{ "md5", "\"39CB097008D17660ABD0539891A672AF\"", "'md5' is not 32" },
		{ "sha256", "\"<script>\"", "'sha256' is not 64" },
		{ "fs_type", "\"\"", "'fs_type' is not a file system name" },
		{ "name_allocated", "1", "'name_allocated' is not true or false" },
		{ "runs", "{}", "'runs' is not an array" },
		{ "runs", "[{\"length\":5}]", "run 1 is not" },
		{ "runs", "[{\"offset\":1,\"length\":-5}]", "run 1 is not" },
		{ "runs", "[{\"length\":5,\"sparse\":false}]", "run 1 is not" },
		{ "runs", "[{\"offset\":0,\"length\":9223372036854775807},"
		          "{\"offset\":0,\"length\":9223372036854775807},"
		          "{\"offset\":0,\"length\":9223372036854775807}]",
		  "'runs' add up beyond 64 bits" },
		{ "link_target", "7", "'link_target' is not a string" },
	};
	struct cust_dfxml *w;
	struct cust_error err;
	json_t *runs;
	size_t i;

	tpath(out, "twins.dfxml");
	w = cust_dfxml_open(out, NULL, 0, &err);
	assert_non_null(w);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *o = entry("p1", "/f", 2, 0);
		if (cases[i].json)
			json_object_set_new(o, cases[i].key,
			                    json_loads(cases[i].json, JSON_DECODE_ANY,
			                               NULL));
		else
			json_object_del(o, cases[i].key);
		assert_int_equal(cust_dfxml_add(w, o, &err), -1);
		assert_int_equal(err.kind, CUST_E_INPUT);
		if (!strstr(err.message, cases[i].what))
			print_message("case %zu: '%s'\n", i, err.message);
		assert_non_null(strstr(err.message, cases[i].what));
		assert_non_null(strstr(err.message, "inventory entry 1"));
		json_decref(o);
	}
	/* 1025 runs: beyond the inventory's own bound */
	runs = json_array();
	for (i = 0; i < CUST_DFXML_RUNS_MAX + 1; i++)
		json_array_append_new(runs, json_pack("{s:I, s:I}", "offset",
		                                      (json_int_t)i, "length",
		                                      (json_int_t)1));
	{
		json_t *o = entry("p1", "/f", 2, 0);
		json_object_set_new(o, "runs", runs);
		assert_int_equal(cust_dfxml_add(w, o, &err), -1);
		assert_non_null(strstr(err.message, "more than 1024 runs"));
		json_decref(o);
	}
	{
		/* a time without its Z is a FAT time; on ext4 it is refused */
		json_t *o = entry("p1", "/f", 2, 0);
		json_object_set_new(o, "fs_type", json_string("ext4"));
		json_object_set_new(o, "mtime", json_string("2004-02-14T17:51:16"));
		assert_int_equal(cust_dfxml_add(w, o, &err), -1);
		assert_non_null(strstr(err.message, "'mtime' is not a UTC time"));
		json_decref(o);
	}
	{
		json_t *a = json_array();
		assert_int_equal(cust_dfxml_add(w, a, &err), -1);
		assert_non_null(strstr(err.message, "not a JSON object"));
		json_decref(a);
	}
	add_ok(w, entry("p1", "/good", 5, 0));
	assert_int_equal(cust_dfxml_close(w, &err), 0);
}

/* The refusals need no schema: nothing of the refused entries was
 * written, the good one is the first and only fileobject. */
static void test_hostile_fields(void **state)
{
	char out[CUST_PATH_MAX], *xml, *fo;

	(void)state;
	write_hostile_fields(out);
	xml = slurp(out, NULL);
	fo = strstr(xml, "<fileobject>");
	assert_non_null(fo);
	assert_null(strstr(fo + 1, "<fileobject>"));
	assert_non_null(strstr(fo, "<filename>good</filename>"));
	assert_non_null(strstr(fo, "<id>1</id>"));
	free(xml);
}

/* and what is left is valid DFXML */
static void test_hostile_fields_schema(void **state)
{
	char out[CUST_PATH_MAX];

	(void)state;
	need_schema();
	write_hostile_fields(out);
	assert_true(schema_valid(out));
}

/* ---- hostile twins of the unit's files ----------------------------------- */

/* Convert the unit NAME made of RECORD and INVENTORY: must fail with
 * KIND, a message containing WHAT, and leave no DFXML behind. */
static void convert_fails(const char *name, const char *record,
                          const char *inventory, size_t len,
                          enum cust_error_kind kind, const char *what)
{
	char dir[CUST_PATH_MAX], out[CUST_PATH_MAX];
	struct cust_error err;
	struct stat st;

	make_unit(dir, name, record, inventory, len);
	assert_int_equal(cust_dfxml_convert(dir, NULL, 0, &err), -1);
	if (err.kind != kind || !strstr(err.message, what))
		print_message("%s: %d '%s'\n", name, err.kind, err.message);
	assert_int_equal(err.kind, kind);
	assert_non_null(strstr(err.message, what));
	join(out, dir, CUST_DFXML_FILE);
	assert_int_not_equal(stat(out, &st), 0);
}

static void test_hostile_unit(void **state)
{
	char *rec = example_record();
	char *inv = jsonl_of("evidence-schema/examples/inventory.example.json");
	size_t il = strlen(inv), big = CUST_DFXML_LINE_MAX + 10;
	char *buf = malloc(2 * il + big + 2);
	char *p;

	(void)state;
	assert_non_null(buf);
	/* a bad second line: named by file and line */
	snprintf(buf, 2 * il + big + 2, "%s%.*s\n", inv, (int)il - 2, inv);
	convert_fails("badjson", rec, buf, strlen(buf), CUST_E_INPUT,
	              "inventory.jsonl' line 2");
	/* a field of the wrong shape on line 2 */
	snprintf(buf, 2 * il + big + 2, "%s%s", inv, inv);
	p = strstr(buf + il, "\"size\":116");
	assert_non_null(p);
	memcpy(p, "\"size\":-16", 10);
	convert_fails("badsize", rec, buf, strlen(buf), CUST_E_INPUT,
	              "line 2: inventory entry 2: 'size'");
	/* a line longer than the bound: refused, not grown */
	memcpy(buf, inv, il);
	memset(buf + il, ' ', big);
	buf[il + big] = '\n';
	convert_fails("longline", rec, buf, il + big + 1, CUST_E_INPUT,
	              "line 2: too long");
	/* a NUL byte inside a line */
	memcpy(buf, inv, il);
	buf[5] = '\0';
	convert_fails("nul", rec, buf, il, CUST_E_INPUT, "line 1: holds a NUL");
	/* a record that is no record, an absent one, a bad start time */
	convert_fails("badrec", "[1]", inv, il, CUST_E_INPUT, "extraction.json");
	convert_fails("norec", NULL, inv, il, CUST_E_INPUT, "extraction.json");
	p = strstr(rec, "2026-11-27T04:22:19.190Z");
	assert_non_null(p);
	memcpy(p, "2026-11-27T04:22:19.190+", 24);
	convert_fails("badstart", rec, inv, il, CUST_E_INPUT,
	              "'started' is not a time");
	free(buf);
	free(rec);
	free(inv);
}

/* ---- a real image against fiwalk ---------------------------------------- */

static void run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		print_message("command failed (%d): %s\n", rc, cmd);
	assert_int_equal(rc, 0);
}

/* Extract the image IMG into the case setup_case made, as item E001 (added
 * here); the record, and the unit's folder into UNIT. */
static json_t *extract_image(const char *img, char *unit)
{
	const char *srcs[1] = { img };
	struct cust_extract_options o = { 0 };
	struct cust_item_params ip = { 0 };
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_error err;
	struct cust_case *c = cust_case_open(casedir, &err);
	json_t *rec = NULL;

	assert_non_null(c);
	ip.id = "E001";
	assert_int_equal(cust_case_add_item(c, &ip, &actor, "test", NULL, &err),
	                 0);
	o.sources = srcs;
	o.nsources = 1;
	o.item = "E001";
	o.tool = "custody-extract";
	if (cust_extract(c, &o, &actor, &rec, &err) != 0)
		print_message("%s\n", cust_error_message(&err));
	assert_non_null(rec);
	join(unit, casedir, cust_json_string(rec, "unit"));
	cust_case_free(c);
	return rec;
}

/* The DFTT FAT image with deleted files, extracted by cust_extract into a
 * case, converted, and compared with fiwalk's DFXML of the same image:
 * same element names for the same facts, same values. */
static void test_against_fiwalk(void **state)
{
	need_schema();
	static const char *const files[] = { "_rag1.dat", "_rag2.dat",
		                             "_ing.dat", "_ult1.dat" };
	static const char *const facts[] = { "inode", "filesize", "name_type",
		                             "meta_type", "mode", "alloc_name",
		                             "alloc_inode", "uid", "gid",
		                             "partition" };
	char zip[CUST_PATH_MAX], ref[CUST_PATH_MAX], img[CUST_PATH_MAX];
	char cmd[3 * CUST_PATH_MAX], unit[CUST_PATH_MAX], out[CUST_PATH_MAX];
	char expr[512], a[256], b[256];
	struct cust_error err;
	json_t *rec = NULL;
	size_t i, j;

	(void)state;
	need_xmllint();
	testdata_path(zip, "dftt", "6-undel-fat.zip");
	testdata_path(ref, "dftt", "6-fat-undel.dd.xml");
	if (system("command -v unzip >/dev/null 2>&1") != 0) {
		print_message("# unzip missing: skipped\n");
		skip();
	}
	snprintf(cmd, sizeof cmd, "unzip -oq '%s' -d '%s'", zip, tmpdir);
	run(cmd);
	tpath(img, "6-undel-fat/6-fat-undel.dd");

	rec = extract_image(img, unit);
	tpath(out, "fat.dfxml");
	assert_int_equal(cust_dfxml_convert(unit, out, 0, &err), 0);
	assert_true(schema_valid(out));
	{
		char streamed[CUST_PATH_MAX];
		char *x1, *x2;

		join(streamed, unit, CUST_DFXML_FILE);
		x1 = slurp(streamed, NULL);
		x2 = slurp(out, NULL);
		assert_string_equal(x1, x2);
		free(x1);
		free(x2);
	}

	/* every element fiwalk uses in a fileobject, we use too (but nlink,
	 * which the inventory does not record, and fs_offset: same name) */
	{
		static const char *const names[] = {
			"filename", "partition", "id", "name_type", "filesize",
			"alloc_inode", "alloc_name", "used", "inode", "meta_type",
			"mode", "uid", "gid", "mtime", "atime", "crtime",
			"byte_runs", "byte_run", "hashdigest"
		};
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(expr, sizeof expr,
			         "count(//" E("fileobject") "//*[local-name()=\"%s\"])",
			         names[i]);
			xpath(ref, expr, a, sizeof a);
			xpath(out, expr, b, sizeof b);
			if (strcmp(a, "0") == 0 || strcmp(b, "0") == 0)
				print_message("%s: fiwalk %s, custody %s\n",
				              names[i], a, b);
			assert_string_not_equal(a, "0");
			assert_string_not_equal(b, "0");
		}
	}
	/* the deleted files: the same facts under the same names */
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		for (j = 0; j < sizeof facts / sizeof facts[0]; j++) {
			snprintf(expr, sizeof expr,
			         "//" E("fileobject") "[" E("filename") "=\"%s\"]/"
			         "*[local-name()=\"%s\"]",
			         files[i], facts[j]);
			xpath(ref, expr, a, sizeof a);
			xpath(out, expr, b, sizeof b);
			if (strcmp(a, b) != 0)
				print_message("%s %s: fiwalk '%s', custody '%s'\n",
				              files[i], facts[j], a, b);
			assert_string_not_equal(a, "");
			assert_string_equal(a, b);
		}
		snprintf(expr, sizeof expr,
		         "//" E("fileobject") "[" E("filename") "=\"%s\"]//"
		         E("byte_run") "/@img_offset", files[i]);
		xpath(ref, expr, a, sizeof a);
		xpath(out, expr, b, sizeof b);
		assert_string_not_equal(a, "");
		assert_string_equal(a, b);
		snprintf(expr, sizeof expr,
		         "//" E("fileobject") "[" E("filename") "=\"%s\"]//"
		         E("byte_run") "/@len", files[i]);
		xpath(ref, expr, a, sizeof a);
		xpath(out, expr, b, sizeof b);
		assert_string_equal(a, b);
		/* FAT keeps local times in no recorded zone, and neither tool
		 * writes one; fiwalk's run read them through its machine's zone
		 * (custody pins UTC), so the same time but for whole hours */
		snprintf(expr, sizeof expr,
		         "//" E("fileobject") "[" E("filename") "=\"%s\"]/"
		         E("mtime"), files[i]);
		xpath(ref, expr, a, sizeof a);
		xpath(out, expr, b, sizeof b);
		{
			struct tm ta = { 0 }, tb = { 0 };
			long long d;

			assert_non_null(strptime(a, "%Y-%m-%dT%H:%M:%S", &ta));
			assert_non_null(strptime(b, "%Y-%m-%dT%H:%M:%S", &tb));
			assert_null(strchr(b, 'Z'));
			d = (long long)timegm(&ta) - (long long)timegm(&tb);
			if (d % 3600 != 0 || llabs(d) > 14 * 3600)
				print_message("%s mtime: fiwalk '%s', custody "
				              "'%s'\n", files[i], a, b);
			assert_int_equal(d % 3600, 0);
			assert_true(llabs(d) <= 14 * 3600);
		}
		snprintf(expr, sizeof expr,
		         "//" E("fileobject") "[" E("filename") "=\"%s\"]/"
		         E("mtime") "/@prec", files[i]);
		xpath(ref, expr, a, sizeof a);
		xpath(out, expr, b, sizeof b);
		assert_string_equal(a, b);
	}
	json_decref(rec);
}


/* ---- written during the walk --------------------------------------------- */

/* A DOS partition table entry I of the disk image PATH: type 0x0c (FAT),
 * START and COUNT sectors; the boot signature with it. */
static void mbr_entry(const char *path, int i, uint32_t start, uint32_t count)
{
	unsigned char e[16] = { 0 };
	FILE *f = fopen(path, "r+b");
	int k;

	assert_non_null(f);
	e[4] = 0x0c;
	for (k = 0; k < 4; k++) {
		e[8 + k] = (unsigned char)(start >> (8 * k));
		e[12 + k] = (unsigned char)(count >> (8 * k));
	}
	assert_int_equal(fseek(f, 446 + 16 * i, SEEK_SET), 0);
	assert_int_equal(fwrite(e, 1, sizeof e, f), sizeof e);
	assert_int_equal(fseek(f, 510, SEEK_SET), 0);
	assert_int_equal(fwrite("\x55\xaa", 1, 2, f), 2);
	assert_int_equal(fclose(f), 0);
}

/* A disk of two FAT partitions, each holding a file, one of them deleted,
 * extracted: the DFXML written during the walk has one volume per
 * partition at its offset, and is byte for byte what cust_dfxml_convert
 * makes of the unit's inventory and record afterwards; no body is left. */
static void test_streamed(void **state)
{
	char disk[CUST_PATH_MAX], part[CUST_PATH_MAX], cmd[16 * CUST_PATH_MAX];
	char unit[CUST_PATH_MAX], streamed[CUST_PATH_MAX], out[CUST_PATH_MAX];
	char body[CUST_PATH_MAX + 8], n[64];
	struct cust_error err;
	json_t *rec = NULL;
	char *x1, *x2;
	int i;

	(void)state;
	need_schema();
	if (system("command -v mkfs.fat >/dev/null && command -v mcopy "
	           ">/dev/null") != 0) {
		print_message("# mkfs.fat or mcopy missing: skipped\n");
		skip();
	}
	tpath(disk, "disk.img");
	tpath(part, "part.img");
	snprintf(cmd, sizeof cmd, "truncate -s 8M '%s'", disk);
	run(cmd);
	for (i = 0; i < 2; i++) {
		unlink(part);
		snprintf(cmd, sizeof cmd,
		         "mkfs.fat -C '%s' 2048 >/dev/null && "
		         "printf 'partition %d: ops%d@botnet.example.com\\n' "
		         ">'%s.txt' && mcopy -i '%s' '%s.txt' ::/gate%d.cfg && "
		         "mcopy -i '%s' '%s.txt' ::/gone%d.cfg && "
		         "mdel -i '%s' ::/gone%d.cfg && "
		         "dd if='%s' of='%s' bs=512 seek=%d conv=notrunc "
		         "2>/dev/null",
		         part, i, i, part, part, part, i, part, part, i, part,
		         i, part, disk, 2048 + 6144 * i);
		run(cmd);
		mbr_entry(disk, i, 2048 + 6144 * (uint32_t)i, 4096);
	}
	rec = extract_image(disk, unit);
	join(streamed, unit, CUST_DFXML_FILE);
	snprintf(body, sizeof body, "%s.body", streamed);
	assert_int_equal(access(body, F_OK), -1);
	assert_true(schema_valid(streamed));
	tpath(out, "converted.dfxml");
	assert_int_equal(cust_dfxml_convert(unit, out, 0, &err), 0);
	x1 = slurp(streamed, NULL);
	x2 = slurp(out, NULL);
	assert_string_equal(x1, x2);
	for (i = 0; i < 2; i++) {
		snprintf(n, sizeof n, "<volume offset='%d'>",
		         (2048 + 6144 * i) * 512);
		assert_non_null(strstr(x1, n));
		snprintf(n, sizeof n, "<filename>gate%d.cfg</filename>", i);
		assert_non_null(strstr(x1, n));
	}
	assert_non_null(strstr(x1, "<alloc_name>0</alloc_name>"));
	free(x1);
	free(x2);
	json_decref(rec);
}

/* ---- a large inventory: converted in chunks on every core ---------------- */

/* 20,000 entries over three volumes with archive members among them: the
 * conversion (chunks of lines on workers) writes what the streaming
 * writer writes, byte for byte; and so it does when lines carry unknown
 * members that mislead the reader's look-ahead (a nested "partition" and
 * "member"), so chunks must be written again from the true state. */
static void test_chunks(void **state)
{
	char d1[CUST_PATH_MAX], d2[CUST_PATH_MAX], o1[CUST_PATH_MAX];
	char o2[CUST_PATH_MAX], o3[CUST_PATH_MAX], path[64];
	char *rec = example_record(), *clean = NULL, *hostile = NULL;
	char *x1, *x2, *x3;
	size_t clean_len = 0, hostile_len = 0, i;
	FILE *fc = open_memstream(&clean, &clean_len);
	FILE *fh = open_memstream(&hostile, &hostile_len);
	json_t *recj = json_loads(rec, 0, NULL);
	struct cust_dfxml *w;
	struct cust_error err;

	(void)state;
	assert_non_null(fc);
	assert_non_null(fh);
	assert_non_null(recj);
	tpath(o3, "streamed.dfxml");
	w = cust_dfxml_open(o3, recj, CUST_DFXML_NO_RUN_FACTS, &err);
	assert_non_null(w);
	for (i = 0; i < 20000; i++) {
		const char *part = i < 9000 ? "p1" : i < 15000 ? "p2" : "p3";
		json_t *o;
		char *line;

		snprintf(path, sizeof path, "/d%zu/f%zu", i / 100, i);
		o = entry(part, path, strlen(path), i % 11 == 0);
		line = cust_json_canonical(o, NULL);
		fprintf(fc, "%s\n", line);
		free(line);
		if (i % 7 == 3)
			json_object_set_new(o, "a", json_pack("{s:s, s:b}",
			                                      "partition", "p9",
			                                      "member", 1));
		line = cust_json_canonical(o, NULL);
		fprintf(fh, "%s\n", line);
		free(line);
		json_object_del(o, "a");
		add_ok(w, o);
		if (i % 5 == 0) {
			/* a member line: in the inventory, not in the DFXML */
			line = "{\"container\":\"/a.zip\",\"member\":true,"
			       "\"name\":\"m\",\"partition\":\"p7\"}";
			fprintf(fc, "%s\n", line);
			fprintf(fh, "%s\n", line);
		}
	}
	assert_int_equal(cust_dfxml_close(w, &err), 0);
	assert_int_equal(fclose(fc), 0);
	assert_int_equal(fclose(fh), 0);
	make_unit(d1, "clean", rec, clean, clean_len);
	make_unit(d2, "hostile", rec, hostile, hostile_len);
	tpath(o1, "clean.dfxml");
	tpath(o2, "hostile.dfxml");
	assert_int_equal(cust_dfxml_convert(d1, o1, CUST_DFXML_NO_RUN_FACTS,
	                                    &err), 0);
	assert_int_equal(cust_dfxml_convert(d2, o2, CUST_DFXML_NO_RUN_FACTS,
	                                    &err), 0);
	x1 = slurp(o1, NULL);
	x2 = slurp(o2, NULL);
	x3 = slurp(o3, NULL);
	assert_true(strlen(x3) > 20000 * 500);
	assert_string_equal(x1, x3);
	assert_string_equal(x2, x3);
	free(x1);
	free(x2);
	free(x3);
	free(clean);
	free(hostile);
	free(rec);
	json_decref(recj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_chunks, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_deterministic, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_names_schema,
		                                setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_fields, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_fields_schema,
		                                setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_unit, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_against_fiwalk, setup_case,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_streamed, setup_case,
		                                teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
