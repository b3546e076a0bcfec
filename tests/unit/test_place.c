/* test_place.c - unit tests of long places shortened around a marker
 * (include/custody/place.h): whole when they fit, distinct and the same
 * every time when not, never cut inside a character or an escape. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/digest.h"
#include "custody/place.h"
#include "custody/walk.h"
#include "testutil.h"

#define OUT 4096

/* Valid UTF-8 in which every backslash starts a whole \xHH escape. */
static int well_formed(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = strlen(s);
	char tmp[8];

	while (i < n) {
		if (p[i] == '\\') {
			if (i + 4 > n || p[i + 1] != 'x' ||
			    !strchr("0123456789abcdef", p[i + 2]) ||
			    !strchr("0123456789abcdef", p[i + 3]))
				return 0;
			i += 4;
			continue;
		}
		/* a character kept as is must escape to itself */
		{
			size_t len = p[i] < 0x80 ? 1 : p[i] >= 0xf0 ? 4
			             : p[i] >= 0xe0 ? 3 : 2;
			if (i + len > n || p[i] < 0x20 ||
			    cust_walk_escape(p + i, len, tmp, sizeof tmp) ||
			    memcmp(tmp, p + i, len) != 0 || tmp[len] != '\0')
				return 0;
			i += len;
		}
	}
	return 1;
}

/* Check that OUT is FULL shortened: head and tail of it around the marker
 * naming its length and SHA-256. */
static void assert_shortened(const char *out, const char *full, size_t full_len)
{
	char sha[CUST_DIGEST_HEX_MAX], marker[200];
	const char *m;
	size_t head, tail, olen = strlen(out);

	hex_of(CUST_DIGEST_SHA256, full, full_len, sha);
	snprintf(marker, sizeof marker,
	         "[...shortened from %zu bytes; sha256 %s...]", full_len, sha);
	m = strstr(out, marker);
	if (!m)
		fail_msg("no marker '%s' in '%.200s'", marker, out);
	assert_true(olen <= OUT - 1);
	assert_true(olen >= OUT - 1 - 8); /* the room is used */
	head = (size_t)(m - out);
	tail = olen - head - strlen(marker);
	assert_true(head > 1000 && tail > 1000);
	assert_memory_equal(out, full, head);
	assert_memory_equal(out + olen - tail, full + full_len - tail, tail);
	assert_true(well_formed(out));
}

static void test_whole(void **state)
{
	char out[OUT];
	const char *parts[] = { "p1", ":", "/var/www/panel.php" };

	(void)state;
	assert_int_equal(cust_place_shorten("/etc/passwd", out, sizeof out), 0);
	assert_string_equal(out, "/etc/passwd");
	assert_int_equal(cust_place_join(out, sizeof out, parts, 3), 0);
	assert_string_equal(out, "p1:/var/www/panel.php");
	/* exactly OUT - 1 bytes still fit */
	{
		char *p = malloc(OUT);
		assert_non_null(p);
		memset(p, 'a', OUT - 1);
		p[OUT - 1] = '\0';
		assert_int_equal(cust_place_shorten(p, out, sizeof out), 0);
		assert_string_equal(out, p);
		free(p);
	}
}

/* A place of 10,000 bytes of escapes and multi-byte characters: every
 * cut position, shifted one byte at a time, stays on a boundary. */
static void test_escaped(void **state)
{
	static const char *const units[] = { "\\x01", "\xc3\xa9", "a",
		                             "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		                             "/", "\\x5c" };
	char *full = malloc(20000), out[OUT];
	size_t shift, len;

	(void)state;
	assert_non_null(full);
	for (shift = 0; shift < 7; shift++) {
		size_t i;
		len = 0;
		for (i = 0; len < 10000; i++) {
			const char *u = units[(i + shift) % 7];
			memcpy(full + len, u, strlen(u));
			len += strlen(u);
		}
		full[len] = '\0';
		assert_true(well_formed(full));
		assert_int_equal(cust_place_shorten(full, out, sizeof out), 1);
		assert_shortened(out, full, len);
	}
	free(full);
}

/* Two places alike but for one byte in the middle: two texts; the same
 * place twice: one text.  Parts joined are the place they make. */
static void test_distinct(void **state)
{
	char *a = malloc(10001), *b = malloc(10001), oa[OUT], ob[OUT], oc[OUT];
	const char *parts[3];
	char head[5001];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 'x', 10000);
	a[10000] = '\0';
	memcpy(b, a, 10001);
	b[5000] = 'y';
	assert_int_equal(cust_place_shorten(a, oa, sizeof oa), 1);
	assert_int_equal(cust_place_shorten(b, ob, sizeof ob), 1);
	assert_string_not_equal(oa, ob);
	assert_int_equal(strlen(oa), strlen(ob));
	assert_int_equal(cust_place_shorten(a, oc, sizeof oc), 1);
	assert_string_equal(oa, oc);
	memcpy(head, b, 5000);
	head[5000] = '\0';
	parts[0] = head;
	parts[1] = "";
	parts[2] = b + 5000;
	assert_int_equal(cust_place_join(oc, sizeof oc, parts, 3), 1);
	assert_string_equal(oc, ob);
	free(a);
	free(b);
}

/* Raw names of any bytes: the escape of the whole, shortened, as if the
 * whole escaped text had been shortened. */
static void test_raw(void **state)
{
	static const size_t sizes[] = { 1000, 4095, 5000, 300000, 3000000 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i], flen;
		unsigned char *raw = make_data(n, 7 + i);
		char *full = malloc(4 * n + 1), out[OUT], viaplace[OUT];
		size_t k;
		int cut;

		assert_non_null(full);
		/* random bytes, with runs of valid characters among them */
		for (k = 0; k + 4 < n; k += 97)
			memcpy(raw + k, "\xe2\x82\xac", 3);
		cust_walk_escape(raw, n, full, 4 * n + 1);
		flen = strlen(full);
		cut = cust_place_escape(raw, n, out, sizeof out);
		assert_int_equal(cut, flen >= OUT);
		if (!cut) {
			assert_string_equal(out, full);
		} else {
			assert_shortened(out, full, flen);
			/* the same as shortening the escaped whole */
			assert_int_equal(cust_place_shorten(full, viaplace,
			                                    sizeof viaplace), 1);
			assert_string_equal(out, viaplace);
		}
		free(raw);
		free(full);
	}
}

/* Below CUST_PLACE_MIN there is no room for the marker: only cut, at a
 * boundary. */
static void test_small(void **state)
{
	char out[40];
	const char *place = "\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a"
	                    "\\x0b\\x0c";

	(void)state;
	assert_int_equal(cust_place_shorten(place, out, sizeof out), 1);
	assert_string_equal(out, "\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09");
	assert_int_equal(cust_place_escape("\001\002\003\004\005\006\007\010\011"
	                                   "\012\013\014", 12, out, sizeof out),
	                 1);
	assert_string_equal(out, "\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
