/* test_json.c - unit tests of canonical JSON records (include/custody/json.h). */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "custody/fsutil.h"
#include "custody/json.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

/* The same content, built in two opposite insertion orders at every depth. */
static json_t *build_forward(void)
{
	json_t *o = json_object(), *inner = json_object(), *arr = json_array(),
	       *elem = json_object();

	assert_non_null(o);
	assert_non_null(inner);
	assert_non_null(arr);
	assert_non_null(elem);
	assert_int_equal(json_object_set_new(elem, "alpha", json_integer(1)), 0);
	assert_int_equal(json_object_set_new(elem, "zulu", json_integer(2)), 0);
	assert_int_equal(json_array_append_new(arr, elem), 0);
	assert_int_equal(json_array_append_new(arr, json_string("x")), 0);
	assert_int_equal(json_object_set_new(inner, "c", json_string("see")), 0);
	assert_int_equal(json_object_set_new(inner, "d", arr), 0);
	assert_int_equal(json_object_set_new(o, "a", inner), 0);
	assert_int_equal(json_object_set_new(o, "b", json_integer(7)), 0);
	assert_int_equal(json_object_set_new(o, "e", json_true()), 0);
	return o;
}

static json_t *build_backward(void)
{
	json_t *o = json_object(), *inner = json_object(), *arr = json_array(),
	       *elem = json_object();

	assert_non_null(o);
	assert_non_null(inner);
	assert_non_null(arr);
	assert_non_null(elem);
	assert_int_equal(json_object_set_new(o, "e", json_true()), 0);
	assert_int_equal(json_object_set_new(o, "b", json_integer(7)), 0);
	assert_int_equal(json_object_set_new(elem, "zulu", json_integer(2)), 0);
	assert_int_equal(json_object_set_new(elem, "alpha", json_integer(1)), 0);
	assert_int_equal(json_array_append_new(arr, elem), 0);
	assert_int_equal(json_array_append_new(arr, json_string("x")), 0);
	assert_int_equal(json_object_set_new(inner, "d", arr), 0);
	assert_int_equal(json_object_set_new(inner, "c", json_string("see")), 0);
	assert_int_equal(json_object_set_new(o, "a", inner), 0);
	return o;
}

#define FORWARD_CANONICAL \
	"{\"a\":{\"c\":\"see\",\"d\":[{\"alpha\":1,\"zulu\":2},\"x\"]}," \
	"\"b\":7,\"e\":true}"

#define FORWARD_PRETTY                    \
	"{\n"                             \
	"  \"a\": {\n"                    \
	"    \"c\": \"see\",\n"           \
	"    \"d\": [\n"                  \
	"      {\n"                       \
	"        \"alpha\": 1,\n"         \
	"        \"zulu\": 2\n"           \
	"      },\n"                      \
	"      \"x\"\n"                   \
	"    ]\n"                         \
	"  },\n"                          \
	"  \"b\": 7,\n"                   \
	"  \"e\": true\n"                 \
	"}\n"

/* ---- canonical and pretty output ---------------------------------------- */

static void test_canonical_sorted_compact(void **state)
{
	struct cust_error err;
	json_t *o = build_backward();
	char *s;

	(void)state;
	cust_error_clear(&err);
	s = cust_json_canonical(o, &err);
	assert_non_null(s);
	/* keys sorted at the top, in the nested object and inside the array */
	assert_string_equal(s, FORWARD_CANONICAL);
	assert_null(strchr(s, ' '));
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\t'));
	free(s);
	json_decref(o);
}

/* A random string of up to MAX bytes into BUF: ASCII of every kind
 * (controls, quotes, backslash, DEL, '/') and valid UTF-8 of 2, 3 and 4
 * bytes; its length. */
static size_t random_text(char *buf, size_t max, unsigned *seed)
{
	static const char *const multi[] = { "\xc3\xa9", "\xe2\x82\xac",
		                             "\xf0\x9f\x94\x91", "\xef\xbf\xbd",
		                             "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf" };
	size_t n = (size_t)rand_r(seed) % max, len = 0;

	while (len + 4 < n) {
		int r = rand_r(seed) % 10;
		if (r < 6) {
			buf[len++] = (char)(rand_r(seed) % 0x80);
			if (buf[len - 1] == 0)
				buf[len - 1] = 0x7f;
		} else {
			const char *m = multi[rand_r(seed) % 6];
			memcpy(buf + len, m, strlen(m));
			len += strlen(m);
		}
	}
	buf[len] = '\0';
	return len;
}

static json_t *random_value(int depth, unsigned *seed)
{
	char text[64];
	size_t len, i, n;
	json_t *v;
	int kind = depth > 4 ? 2 + rand_r(seed) % 6 : rand_r(seed) % 8;

	switch (kind) {
	case 0:
		v = json_object();
		n = (size_t)rand_r(seed) % 80; /* past the keys sorted on the stack */
		for (i = 0; i < n; i++) {
			len = random_text(text, sizeof text, seed);
			json_object_setn_new(v, text, len,
			                     random_value(depth + 1, seed));
		}
		return v;
	case 1:
		v = json_array();
		n = (size_t)rand_r(seed) % 6;
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(depth + 1, seed));
		return v;
	case 2:
	case 3:
		len = random_text(text, sizeof text, seed);
		return json_stringn(text, len);
	case 4: {
		static const json_int_t edges[] = { 0, -1, 1, INT64_MAX,
			                            INT64_MIN, 1000000007 };
		return json_integer(rand_r(seed) % 2 ? edges[rand_r(seed) % 6]
		                                     : (json_int_t)rand_r(seed) -
		                                               RAND_MAX / 2);
	}
	case 5:
		return json_boolean(rand_r(seed) % 2);
	case 6:
		return json_null();
	default:
		return rand_r(seed) % 4 ? json_string("plain") : json_real(0.5);
	}
}

/* Byte for byte what jansson writes with the canonical flags, on 3000
 * random values of every kind; a string that is not UTF-8 fails both. */
static void test_canonical_is_janssons(void **state)
{
	unsigned seed = 20111;
	json_t *bad;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		json_t *v = random_value(0, &seed);
		char *ours = cust_json_canonical(v, NULL);
		char *theirs = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT |
		                                     JSON_ENCODE_ANY);
		assert_non_null(theirs);
		assert_non_null(ours);
		assert_string_equal(ours, theirs);
		free(ours);
		free(theirs);
		json_decref(v);
	}
	bad = json_pack("{s:[o]}", "k", json_string_nocheck("a\xc0\xafz"));
	assert_null(json_dumps(bad, JSON_SORT_KEYS | JSON_COMPACT));
	assert_null(cust_json_canonical(bad, NULL));
	json_decref(bad);
}

static void test_canonical_order_independent(void **state)
{
	json_t *a = build_forward(), *b = build_backward();
	char *ca, *cb, *pa, *pb;

	(void)state;
	ca = cust_json_canonical(a, NULL);
	cb = cust_json_canonical(b, NULL);
	pa = cust_json_pretty(a, NULL);
	pb = cust_json_pretty(b, NULL);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_int_equal(strlen(ca), strlen(cb));
	assert_memory_equal(ca, cb, strlen(ca));
	assert_int_equal(strlen(pa), strlen(pb));
	assert_memory_equal(pa, pb, strlen(pa));
	free(ca);
	free(cb);
	free(pa);
	free(pb);
	json_decref(a);
	json_decref(b);
}

static void test_pretty_format(void **state)
{
	json_t *o = build_backward();
	char *p = cust_json_pretty(o, NULL);
	size_t n;

	(void)state;
	assert_non_null(p);
	/* two-space indentation, sorted keys */
	assert_string_equal(p, FORWARD_PRETTY);
	n = strlen(p);
	/* exactly one final newline */
	assert_true(n >= 2);
	assert_int_equal(p[n - 1], '\n');
	assert_true(p[n - 2] != '\n');
	free(p);
	json_decref(o);
}

static void test_pretty_empty_object(void **state)
{
	json_t *o = json_object();
	char *p = cust_json_pretty(o, NULL);
	char *c = cust_json_canonical(o, NULL);

	(void)state;
	assert_non_null(p);
	assert_non_null(c);
	assert_string_equal(p, "{}\n");
	assert_string_equal(c, "{}");
	free(p);
	free(c);
	json_decref(o);
}

/* ---- cust_json_set_string ----------------------------------------------- */

static void test_set_string_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "abc\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", NULL
	};
	struct cust_error err;
	json_t *o = json_object();
	size_t i;

	(void)state;
	assert_non_null(o);
	assert_int_equal(cust_json_set_string(o, "k", "kept", NULL), 0);
	for (i = 0; bad[i]; i++) {
		cust_error_clear(&err);
		assert_int_equal(cust_json_set_string(o, "k", bad[i], &err), -1);
		assert_int_equal(err.kind, CUST_E_USAGE);
		assert_non_null(strstr(err.message, "'k'"));
		assert_non_null(strstr(err.message, "UTF-8"));
		/* the object is left as it was */
		assert_string_equal(cust_json_string(o, "k"), "kept");
		assert_int_equal(json_object_size(o), 1);
	}
	json_decref(o);
}

static void test_set_string_valid_and_null(void **state)
{
	struct cust_error err;
	json_t *o = json_object();

	(void)state;
	assert_non_null(o);
	cust_error_clear(&err);
	assert_int_equal(cust_json_set_string(o, "name", "J\xc3\xa9r\xc3\xb4me",
	                                      &err), 0);
	assert_string_equal(cust_json_string(o, "name"), "J\xc3\xa9r\xc3\xb4me");
	/* NULL is a no-op: the key keeps its value, a new key is not added */
	assert_int_equal(cust_json_set_string(o, "name", NULL, &err), 0);
	assert_string_equal(cust_json_string(o, "name"), "J\xc3\xa9r\xc3\xb4me");
	assert_int_equal(cust_json_set_string(o, "absent", NULL, &err), 0);
	assert_null(json_object_get(o, "absent"));
	assert_int_equal(json_object_size(o), 1);
	assert_int_equal(err.kind, CUST_OK);
	json_decref(o);
}

static void test_json_string_getter(void **state)
{
	json_t *o = json_pack("{s:s, s:i}", "s", "text", "n", 5);

	(void)state;
	assert_non_null(o);
	assert_string_equal(cust_json_string(o, "s"), "text");
	assert_null(cust_json_string(o, "n"));       /* not a string */
	assert_null(cust_json_string(o, "missing")); /* absent */
	json_decref(o);
}

/* ---- cust_json_parse ---------------------------------------------------- */

static void test_parse_good(void **state)
{
	static const char line[] = "{\"a\":1,\"b\":{\"c\":\"d\"}}";
	struct cust_error err;
	json_t *v;
	char *c;

	(void)state;
	cust_error_clear(&err);
	v = cust_json_parse(line, sizeof line - 1, "custody.log", 3, &err);
	assert_non_null(v);
	assert_true(json_is_object(v));
	c = cust_json_canonical(v, NULL);
	assert_non_null(c);
	assert_string_equal(c, line);
	free(c);
	json_decref(v);
}

/* Parse BUF and check it is refused with a message naming NAME and LINE. */
static void expect_parse_refused(const char *buf, const char *name,
                                 unsigned long line)
{
	struct cust_error err;
	char want[128];
	json_t *v;
	int n;

	cust_error_clear(&err);
	v = cust_json_parse(buf, strlen(buf), name, line, &err);
	assert_null(v);
	assert_int_equal(err.kind, CUST_E_INPUT);
	n = snprintf(want, sizeof want, "'%s' line %lu", name, line);
	assert_true(n > 0 && (size_t)n < sizeof want);
	if (!strstr(err.message, want))
		fail_msg("message '%s' does not name '%s'", err.message, want);
}

static void test_parse_duplicate_keys(void **state)
{
	(void)state;
	expect_parse_refused("{\"a\":1,\"a\":2}", "custody.log", 7);
	/* also in a nested object */
	expect_parse_refused("{\"a\":{\"x\":1,\"x\":1}}", "custody.log", 8);
}

static void test_parse_non_object(void **state)
{
	(void)state;
	expect_parse_refused("[1,2]", "custody.log", 4);
	expect_parse_refused("\"text\"", "custody.log", 5);
	expect_parse_refused("42", "custody.log", 6);
	expect_parse_refused("null", "custody.log", 9);
}

static void test_parse_garbage(void **state)
{
	(void)state;
	expect_parse_refused("this is not json", "custody.log", 2);
	expect_parse_refused("{\"a\":", "custody.log", 11);
	expect_parse_refused("", "custody.log", 12);
	expect_parse_refused("{\"a\":1} trailing", "custody.log", 13);
	expect_parse_refused("{\"a\":1}{\"b\":2}", "item.json", 14);
}

static void test_parse_length_respected(void **state)
{
	/* only BUF[0..LEN) is parsed: the tail after LEN must not matter */
	static const char buf[] = "{\"a\":1}GARBAGE";
	json_t *v;

	(void)state;
	v = cust_json_parse(buf, 7, "x", 1, NULL);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	v = cust_json_parse(buf, 8, "x", 1, NULL);
	assert_null(v);
}

/* ---- cust_json_load_file ------------------------------------------------ */

static void test_load_file_good(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	json_t *v;

	(void)state;
	tpath(path, "case.json");
	write_file(path, "{\n  \"number\": \"2011-042\"\n}\n", 27);
	cust_error_clear(&err);
	v = cust_json_load_file(path, &err);
	assert_non_null(v);
	assert_string_equal(cust_json_string(v, "number"), "2011-042");
	json_decref(v);
}

static void test_load_file_error_names_file_and_line(void **state)
{
	static const char text[] = "{\n  \"a\": 1,\n  \"a\": 2\n}\n";
	char path[CUST_PATH_MAX], want[CUST_PATH_MAX + 32];
	struct cust_error err;
	int n;

	(void)state;
	tpath(path, "dup.json");
	write_file(path, text, sizeof text - 1);
	cust_error_clear(&err);
	assert_null(cust_json_load_file(path, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	n = snprintf(want, sizeof want, "'%s' line 3", path);
	assert_true(n > 0 && (size_t)n < sizeof want);
	if (!strstr(err.message, want))
		fail_msg("message '%s' does not name '%s'", err.message, want);
	assert_non_null(strstr(err.message, "column"));

	/* a non-object root is refused too, naming the file */
	tpath(path, "array.json");
	write_file(path, "[1]\n", 4);
	cust_error_clear(&err);
	assert_null(cust_json_load_file(path, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, path));
}

/* A valid object padded with spaces to exactly SIZE bytes. */
static void write_padded_object(const char *path, size_t size)
{
	char *buf = malloc(size);

	assert_non_null(buf);
	assert_true(size >= 3);
	memset(buf, ' ', size);
	buf[0] = '{';
	buf[1] = '}';
	buf[size - 1] = '\n';
	write_file(path, buf, size);
	free(buf);
}

static void test_load_file_size_cap(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	json_t *v;

	(void)state;
	/* exactly at the cap: accepted, so the refusal below is the size's */
	tpath(path, "max.json");
	write_padded_object(path, CUST_JSON_MAX_FILE);
	v = cust_json_load_file(path, NULL);
	assert_non_null(v);
	json_decref(v);

	tpath(path, "big.json");
	write_padded_object(path, (size_t)CUST_JSON_MAX_FILE + 1);
	cust_error_clear(&err);
	assert_null(cust_json_load_file(path, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "larger"));
}

static void test_load_file_symlink_refused(void **state)
{
	char target[CUST_PATH_MAX], lnk[CUST_PATH_MAX];
	struct cust_error err;
	json_t *v;

	(void)state;
	tpath(target, "real.json");
	tpath(lnk, "link.json");
	write_file(target, "{}\n", 3);
	assert_int_equal(symlink(target, lnk), 0);
	v = cust_json_load_file(target, NULL);
	assert_non_null(v); /* the target itself is fine */
	json_decref(v);
	cust_error_clear(&err);
	assert_null(cust_json_load_file(lnk, &err));
	assert_true(err.kind != CUST_OK);
	assert_int_equal(err.sys_errno, ELOOP);
	assert_non_null(strstr(err.message, lnk));
}

static void test_load_file_directory_refused(void **state)
{
	char dir[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	tpath(dir, "folder.json");
	assert_int_equal(mkdir(dir, 0755), 0);
	cust_error_clear(&err);
	assert_null(cust_json_load_file(dir, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "not a regular file"));
}

/* 0 when cust_json_load_file refuses PATH with CUST_E_INPUT. */
static int load_refused(const char *path)
{
	struct cust_error err;
	json_t *v;

	cust_error_clear(&err);
	v = cust_json_load_file(path, &err);
	if (v) {
		json_decref(v);
		return 1;
	}
	return err.kind == CUST_E_INPUT ? 0 : 2;
}

static void test_load_file_fifo_refused(void **state)
{
	char fifo[CUST_PATH_MAX];
	int rc;

	(void)state;
	/* case.json replaced by a FIFO: refused, not waited on forever */
	tpath(fifo, "case.json");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	rc = run_bounded(load_refused, fifo, 3000);
	if (rc == -1)
		fail_msg("cust_json_load_file('%s') blocked on a FIFO", fifo);
	assert_int_equal(rc, 0);
}

static void test_load_file_missing(void **state)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	tpath(path, "absent.json");
	cust_error_clear(&err);
	assert_null(cust_json_load_file(path, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_int_equal(err.sys_errno, ENOENT);
}

/* ---- cust_json_write_new ------------------------------------------------ */

static void test_write_new(void **state)
{
	char path[CUST_PATH_MAX];
	json_t *o = build_backward();
	char *got;
	size_t len;

	(void)state;
	tpath(path, "record.json");
	assert_int_equal(cust_json_write_new(path, o, NULL), 0);
	got = slurp(path, &len);
	assert_int_equal(len, strlen(FORWARD_PRETTY));
	assert_string_equal(got, FORWARD_PRETTY);
	free(got);
	assert_int_equal(count_entries(), 1); /* no temporary file left */
	json_decref(o);
}

static void test_write_new_never_overwrites(void **state)
{
	static const char original[] = "original content, not JSON\n";
	char path[CUST_PATH_MAX];
	struct cust_error err;
	json_t *o = build_forward();
	struct stat before, after;
	char *got;
	size_t len;

	(void)state;
	tpath(path, "exists.json");
	write_file(path, original, sizeof original - 1);
	assert_int_equal(stat(path, &before), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_json_write_new(path, o, &err), -1);
	assert_true(err.kind != CUST_OK);
	assert_non_null(strstr(err.message, "already exists"));
	got = slurp(path, &len);
	assert_int_equal(len, sizeof original - 1);
	assert_string_equal(got, original);
	free(got);
	assert_int_equal(stat(path, &after), 0);
	assert_true(before.st_ino == after.st_ino);
	assert_int_equal(count_entries(), 1); /* no temporary file left */

	/* a second write of a new record over one just written fails too */
	tpath(path, "twice.json");
	assert_int_equal(cust_json_write_new(path, o, NULL), 0);
	assert_int_equal(cust_json_write_new(path, o, NULL), -1);
	assert_int_equal(count_entries(), 2);
	json_decref(o);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_canonical_sorted_compact),
		T(test_canonical_order_independent),
		T(test_canonical_is_janssons),
		T(test_pretty_format),
		T(test_pretty_empty_object),
		T(test_set_string_invalid_utf8),
		T(test_set_string_valid_and_null),
		T(test_json_string_getter),
		T(test_parse_good),
		T(test_parse_duplicate_keys),
		T(test_parse_non_object),
		T(test_parse_garbage),
		T(test_parse_length_respected),
		T(test_load_file_good),
		T(test_load_file_error_names_file_and_line),
		T(test_load_file_size_cap),
		T(test_load_file_symlink_refused),
		T(test_load_file_directory_refused),
		T(test_load_file_fifo_refused),
		T(test_load_file_missing),
		T(test_write_new),
		T(test_write_new_never_overwrites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
