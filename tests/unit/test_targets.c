/* test_targets.c - unit tests of the target lists
 * (include/custody/targets.h): deduplication and counts, caps, CSV quoting
 * and order, determinism, the occurrence log and hostile arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/carve.h"
#include "custody/json.h"
#include "custody/targets.h"
#include "testutil.h"

static void add(struct cust_targets *t, unsigned kind, const char *value,
                const char *where, uint64_t offset)
{
	struct cust_error err;

	assert_int_equal(cust_targets_add(t, kind, value, strlen(value), where,
	                                  offset, &err), 0);
}

/* The file NAME of folder DIR (TMPDIR/DIR). */
static char *read_out(const char *dir, const char *name)
{
	char d[CUST_PATH_MAX], path[CUST_PATH_MAX];

	tpath(d, dir);
	join(path, d, name);
	return slurp(path, NULL);
}

static void make_dir(const char *name, char *out)
{
	struct cust_error err;

	tpath(out, name);
	assert_int_equal(cust_fs_mkdir(out, 0, &err), 0);
}

static struct cust_targets *sample_targets(void)
{
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(1000, 1u << 20, &err);

	assert_non_null(t);
	add(t, CUST_CARVE_DOMAIN, "zeta.example.com", "p1:/a.txt", 10);
	add(t, CUST_CARVE_DOMAIN, "evil.com", "p1:/a.txt", 20);
	add(t, CUST_CARVE_DOMAIN, "evil.com", "p1:/b.txt", 30);
	add(t, CUST_CARVE_DOMAIN, "evil.com", "p2:/c.txt", 40);
	add(t, CUST_CARVE_EMAIL, "bob@evil.com", "p2:/var/www/panel.zip!install/config,1.php", 7);
	add(t, CUST_CARVE_URL, "http://evil.com/a,\"b\"", "p1:/\"quoted\".html", 99);
	add(t, CUST_CARVE_IPV4, "8.8.8.8", "p1:/a.txt", 1);
	add(t, CUST_CARVE_IPV6, "::1", "p1:/a.txt", 2);
	add(t, CUST_CARVE_IPV4, "10.0.0.1", "p1:/a.txt", 3);
	add(t, CUST_CARVE_IPV4, "10.0.0.1", "p1:/a.txt", 4);
	return t;
}

static void test_counts_and_csv(void **state)
{
	struct cust_error err;
	struct cust_targets *t = sample_targets();
	struct cust_targets_stats s;
	char dir[CUST_PATH_MAX];
	char *csv;

	(void)state;
	s = cust_targets_stats(t, CUST_CARVE_DOMAIN);
	assert_int_equal(s.distinct, 2);
	assert_int_equal(s.occurrences, 4);
	assert_int_equal(s.dropped, 0);
	s = cust_targets_stats(t, CUST_CARVE_IPV4);
	assert_int_equal(s.distinct, 2);
	assert_int_equal(s.occurrences, 3);

	make_dir("out", dir);
	assert_int_equal(cust_targets_write(t, dir, &err), 0);
	csv = read_out("out", "domains.csv");
	/* sorted by value, count and first place of each */
	assert_string_equal(csv,
	                    "value,count,first_seen,first_offset\n"
	                    "evil.com,3,p1:/a.txt,20\n"
	                    "zeta.example.com,1,p1:/a.txt,10\n");
	free(csv);
	csv = read_out("out", "emails.csv");
	assert_string_equal(csv,
	                    "value,count,first_seen,first_offset\n"
	                    "bob@evil.com,1,\"p2:/var/www/panel.zip!install/config,1.php\",7\n");
	free(csv);
	/* a comma and quotes: quoted, quotes doubled (RFC 4180) */
	csv = read_out("out", "urls.csv");
	assert_string_equal(csv,
	                    "value,count,first_seen,first_offset\n"
	                    "\"http://evil.com/a,\"\"b\"\"\",1,\"p1:/\"\"quoted\"\".html\",99\n");
	free(csv);
	csv = read_out("out", "ips.csv");
	assert_string_equal(csv,
	                    "value,count,first_seen,first_offset,class\n"
	                    "10.0.0.1,2,p1:/a.txt,3,private\n"
	                    "8.8.8.8,1,p1:/a.txt,1,public\n"
	                    "::1,1,p1:/a.txt,2,loopback\n");
	free(csv);
	/* never over existing lists */
	assert_int_equal(cust_targets_write(t, dir, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "exists"));
	cust_targets_free(t);
}

/* The same additions in another order of distinct values give the same
 * files byte for byte. */
static void test_deterministic(void **state)
{
	static const char *const names[] = {
		"emails.csv", "domains.csv", "urls.csv", "ips.csv", "ccns.csv",
		"bitcoin.csv", "onions.csv", "phones.csv", "macs.csv",
		"hostports.csv",
	};
	struct cust_error err;
	struct cust_targets *a = sample_targets(), *b;
	char da[CUST_PATH_MAX], db[CUST_PATH_MAX];
	size_t i;

	(void)state;
	b = cust_targets_new(1000, 1u << 20, &err);
	assert_non_null(b);
	/* the same first occurrences, then the rest, values interleaved */
	add(b, CUST_CARVE_IPV4, "8.8.8.8", "p1:/a.txt", 1);
	add(b, CUST_CARVE_IPV6, "::1", "p1:/a.txt", 2);
	add(b, CUST_CARVE_IPV4, "10.0.0.1", "p1:/a.txt", 3);
	add(b, CUST_CARVE_DOMAIN, "evil.com", "p1:/a.txt", 20);
	add(b, CUST_CARVE_URL, "http://evil.com/a,\"b\"", "p1:/\"quoted\".html", 99);
	add(b, CUST_CARVE_DOMAIN, "zeta.example.com", "p1:/a.txt", 10);
	add(b, CUST_CARVE_EMAIL, "bob@evil.com", "p2:/var/www/panel.zip!install/config,1.php", 7);
	add(b, CUST_CARVE_DOMAIN, "evil.com", "p2:/c.txt", 40);
	add(b, CUST_CARVE_IPV4, "10.0.0.1", "p1:/a.txt", 4);
	add(b, CUST_CARVE_DOMAIN, "evil.com", "p1:/b.txt", 30);
	make_dir("det-a", da);
	make_dir("det-b", db);
	assert_int_equal(cust_targets_write(a, da, &err), 0);
	assert_int_equal(cust_targets_write(b, db, &err), 0);
	for (i = 0; i < 4; i++) {
		char *x = read_out("det-a", names[i]), *y = read_out("det-b", names[i]);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	cust_targets_free(a);
	cust_targets_free(b);
}

/* Past the caps new values are dropped and counted, known ones still
 * counted. */
static void test_caps(void **state)
{
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(3, 1u << 20, &err);
	struct cust_targets_stats s;
	char value[64];
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 10; i++) {
		snprintf(value, sizeof value, "host%d.example.com", i);
		add(t, CUST_CARVE_DOMAIN, value, "p1:/x", (uint64_t)i);
	}
	add(t, CUST_CARVE_DOMAIN, "host0.example.com", "p1:/x", 99);
	s = cust_targets_stats(t, CUST_CARVE_DOMAIN);
	assert_int_equal(s.distinct, 3);
	assert_int_equal(s.occurrences, 4);
	assert_int_equal(s.dropped, 7);
	cust_targets_free(t);

	/* a byte cap too */
	t = cust_targets_new(1000, 200, &err);
	assert_non_null(t);
	for (i = 0; i < 20; i++) {
		snprintf(value, sizeof value, "host%d.example.com", i);
		add(t, CUST_CARVE_DOMAIN, value, "p1:/x", (uint64_t)i);
	}
	s = cust_targets_stats(t, CUST_CARVE_DOMAIN);
	assert_true(s.distinct >= 1 && s.distinct < 20);
	assert_int_equal(s.distinct + s.dropped, 20);
	cust_targets_free(t);
}

/* Many values: the table grows and every count stays right. */
static void test_many(void **state)
{
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(100000, 64u << 20, &err);
	struct cust_targets_stats s;
	char value[64];
	int i, round;

	(void)state;
	assert_non_null(t);
	for (round = 0; round < 3; round++)
		for (i = 0; i < 5000; i++) {
			snprintf(value, sizeof value, "10.%d.%d.1", i / 256, i % 256);
			add(t, CUST_CARVE_IPV4, value, "p1:/x", (uint64_t)i);
		}
	s = cust_targets_stats(t, CUST_CARVE_IPV4);
	assert_int_equal(s.distinct, 5000);
	assert_int_equal(s.occurrences, 15000);
	cust_targets_free(t);
}

static void test_bad_arguments(void **state)
{
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(10, 4096, &err);
	char *big = malloc(CUST_TARGETS_WHERE_MAX + 2);

	(void)state;
	assert_non_null(t);
	assert_non_null(big);
	assert_null(cust_targets_new(0, 10, &err));
	assert_non_null(strstr(cust_error_message(&err), "limits"));
	assert_int_equal(cust_targets_add(t, 0, "x", 1, "w", 0, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "kind"));
	assert_int_equal(cust_targets_add(t, CUST_CARVE_EMAIL, "a\0b", 3, "w", 0, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "NUL"));
	assert_int_equal(cust_targets_add(t, CUST_CARVE_URL, "x", 0, "w", 0, &err), -1);
	assert_int_equal(cust_targets_add(t, CUST_CARVE_URL, big,
	                                  CUST_CARVE_VALUE_MAX + 1, "w", 0, &err), -1);
	assert_int_equal(cust_targets_add(t, CUST_CARVE_URL, "x", 1, NULL, 0, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "without a place"));
	assert_int_equal(cust_targets_add(NULL, CUST_CARVE_URL, "x", 1, "w", 0, &err), -1);
	assert_int_equal(cust_targets_write(t, "/nonexistent-custody-dir", &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "nonexistent-custody-dir"));
	free(big);
	cust_targets_free(t);
	cust_targets_free(NULL);
}

/* A place longer than CUST_TARGETS_WHERE_MAX is kept shortened, in the
 * list and in the occurrence log, not refused: one long name must not stop
 * an extraction. */
static void test_long_place(void **state)
{
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(10, 1 << 20, &err);
	struct cust_targets_log *l;
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], *csv, *log, *line, *big;
	size_t i;

	(void)state;
	assert_non_null(t);
	big = malloc(10001);
	assert_non_null(big);
	memcpy(big, "p0:", 3);
	for (i = 3; i < 10000; i++)
		big[i] = i == 5000 ? '1' : 'd';
	big[10000] = '\0';
	make_dir("long", dir);
	join(path, dir, "occurrences.jsonl");
	l = cust_targets_log_new(path, &err);
	assert_non_null(l);
	assert_int_equal(cust_targets_add(t, CUST_CARVE_EMAIL, "a@b.example",
	                                  11, big, 7, &err), 0);
	assert_int_equal(cust_targets_log_add(l, CUST_CARVE_EMAIL, "a@b.example",
	                                      11, big, 7, 11, &err), 0);
	assert_int_equal(cust_targets_log_close(l, &err), 0);
	assert_int_equal(cust_targets_write(t, dir, &err), 0);
	csv = read_out("long", "emails.csv");
	log = read_out("long", "occurrences.jsonl");
	line = strchr(csv, '\n') + 1;
	assert_true(strncmp(line, "a@b.example,1,p0:ddd", 20) == 0);
	assert_non_null(strstr(line, "[...shortened from 10000 bytes; sha256 "));
	assert_true(strlen(line) < CUST_TARGETS_WHERE_MAX + 40);
	assert_non_null(strstr(line, "ddd,7\n"));
	assert_non_null(strstr(log, "[...shortened from 10000 bytes; sha256 "));
	free(csv);
	free(log);
	free(big);
	cust_targets_free(t);
}

static void test_occurrence_log(void **state)
{
	struct cust_error err;
	struct cust_targets_log *l;
	char path[CUST_PATH_MAX];
	char *text;

	(void)state;
	tpath(path, "targets.jsonl");
	l = cust_targets_log_new(path, &err);
	assert_non_null(l);
	assert_int_equal(cust_targets_log_add(l, CUST_CARVE_URL, "http://evil.com/\"x\"", 19,
	                                      "p1:/a,b", 4096, 19, &err), 0);
	assert_int_equal(cust_targets_log_add(l, CUST_CARVE_IPV6, "::1", 3,
	                                      "p1:/a,b", 5, 3, &err), 0);
	/* hostile twin: bytes that are not UTF-8 are refused, named */
	assert_int_equal(cust_targets_log_add(l, CUST_CARVE_DOMAIN, "\xff\xfe", 2,
	                                      "p1:/a,b", 77, 2, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "offset 77"));
	assert_non_null(strstr(cust_error_message(&err), "UTF-8"));
	assert_int_equal(cust_targets_log_close(l, &err), 0);
	text = slurp(path, NULL);
	assert_string_equal(text,
	                    "{\"kind\":\"url\",\"length\":19,\"offset\":4096,"
	                    "\"value\":\"http://evil.com/\\\"x\\\"\",\"where\":\"p1:/a,b\"}\n"
	                    "{\"kind\":\"ipv6\",\"length\":3,\"offset\":5,"
	                    "\"value\":\"::1\",\"where\":\"p1:/a,b\"}\n");
	free(text);
	/* never over an existing file */
	assert_null(cust_targets_log_new(path, &err));
	assert_non_null(strstr(cust_error_message(&err), "exists"));
	assert_int_equal(cust_targets_log_close(NULL, &err), 0);
}

/* Carver to collector: the counts are those of the occurrences. */
static int to_targets(void *ctx, const struct cust_carve_hit *hit,
                      struct cust_error *err)
{
	return cust_targets_add(ctx, hit->kind, hit->value, hit->value_len,
	                        "p1:/mail.txt", hit->offset, err);
}

static void test_from_carver(void **state)
{
	static const char text[] =
		"a@evil.com b@evil.com a@evil.com http://evil.com/ 1.2.3.4 1.2.3.4";
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(100, 1u << 20, &err);
	struct cust_carver *c = cust_carver_new(CUST_CARVE_ALL, &err);
	struct cust_targets_stats s;

	(void)state;
	assert_non_null(t);
	assert_non_null(c);
	assert_int_equal(cust_carver_feed(c, text, strlen(text), to_targets, t, &err), 0);
	assert_int_equal(cust_carver_end(c, to_targets, t, &err), 0);
	s = cust_targets_stats(t, CUST_CARVE_EMAIL);
	assert_int_equal(s.distinct, 2);
	assert_int_equal(s.occurrences, 3);
	s = cust_targets_stats(t, CUST_CARVE_DOMAIN);
	assert_int_equal(s.distinct, 1);
	assert_int_equal(s.occurrences, 4); /* three emails and the URL */
	s = cust_targets_stats(t, CUST_CARVE_URL);
	assert_int_equal(s.occurrences, 1);
	s = cust_targets_stats(t, CUST_CARVE_IPV4);
	assert_int_equal(s.distinct, 1);
	assert_int_equal(s.occurrences, 2);
	cust_carver_free(c);
	cust_targets_free(t);
}

/* The kinds of botnet cases: each in its own list, counted apart, and the
 * occurrence log names them. */
static void test_new_kinds(void **state)
{
	static const char text[] =
		"card 4111 1111 1111 1111 and 4111111111111111, "
		"pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, "
		"c2 duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion, "
		"call +44 20 7946 0958, hw 00:1a:2b:3c:4d:5e, relay 10.0.0.1:25\n";
	static const struct {
		unsigned kind;
		const char *file, *row;
	} want[] = {
		{ CUST_CARVE_CCN, "ccns.csv", "4111111111111111,2,p1:/mail.txt,5\n" },
		{ CUST_CARVE_BITCOIN, "bitcoin.csv",
		  "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,1,p1:/mail.txt,51\n" },
		{ CUST_CARVE_ONION, "onions.csv",
		  "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion,1,p1:/mail.txt,90\n" },
		{ CUST_CARVE_PHONE, "phones.csv", "+442079460958,1,p1:/mail.txt,159\n" },
		{ CUST_CARVE_MAC, "macs.csv", "00:1a:2b:3c:4d:5e,1,p1:/mail.txt,180\n" },
		{ CUST_CARVE_HOSTPORT, "hostports.csv", "10.0.0.1:25,1,p1:/mail.txt,205\n" },
	};
	struct cust_error err;
	struct cust_targets *t = cust_targets_new(100, 1u << 20, &err);
	struct cust_carver *c = cust_carver_new(CUST_CARVE_ALL, &err);
	char dir[CUST_PATH_MAX], line[256];
	size_t i;

	(void)state;
	assert_non_null(t);
	assert_non_null(c);
	assert_int_equal(cust_carver_feed(c, text, strlen(text), to_targets, t, &err), 0);
	assert_int_equal(cust_carver_end(c, to_targets, t, &err), 0);
	make_dir("kinds", dir);
	assert_int_equal(cust_targets_write(t, dir, &err), 0);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct cust_targets_stats s = cust_targets_stats(t, want[i].kind);
		char *csv = read_out("kinds", want[i].file);
		assert_int_equal(s.distinct, 1);
		assert_int_equal(s.occurrences, i == 0 ? 2 : 1);
		snprintf(line, sizeof line, "value,count,first_seen,first_offset\n%s",
		         want[i].row);
		assert_string_equal(csv, line);
		free(csv);
	}
	cust_carver_free(c);
	cust_targets_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_csv),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_long_place),
		cmocka_unit_test(test_occurrence_log),
		cmocka_unit_test(test_from_carver),
		cmocka_unit_test(test_new_kinds),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
