/* test_carve.c - unit tests of the carver (include/custody/carve.h):
 * each kind's positives and negatives, features split across feeds at
 * every position, stream edges, hostile runs and address classes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "custody/carve.h"
#include "testutil.h"

#define MAX_HITS 4096

struct hit {
	unsigned kind;
	uint64_t offset;
	size_t length;
	char value[CUST_CARVE_VALUE_MAX + 1];
};

struct hits {
	size_t n;
	int stop_after; /* the handler fails on this hit (1-based); 0 never */
	struct hit *h;
};

static int collect(void *ctx, const struct cust_carve_hit *hit,
                   struct cust_error *err)
{
	struct hits *hs = ctx;
	struct hit *h;

	(void)err;
	assert_true(hs->n < MAX_HITS);
	assert_int_equal(strlen(hit->value), hit->value_len);
	assert_true(hit->value_len <= CUST_CARVE_VALUE_MAX);
	h = &hs->h[hs->n++];
	h->kind = hit->kind;
	h->offset = hit->offset;
	h->length = hit->length;
	memcpy(h->value, hit->value, hit->value_len + 1);
	if (hs->stop_after && hs->n == (size_t)hs->stop_after)
		return -1;
	return 0;
}

static void hits_init(struct hits *hs)
{
	memset(hs, 0, sizeof *hs);
	hs->h = calloc(MAX_HITS, sizeof *hs->h);
	assert_non_null(hs->h);
}

static void hits_free(struct hits *hs)
{
	free(hs->h);
	hs->h = NULL;
}

/* All hits of DATA fed in pieces that end at the offsets CUTS (sorted,
 * NCUTS of them), then ended. */
static void carve_cuts(const void *data, size_t len, const size_t *cuts,
                       size_t ncuts, struct hits *hs)
{
	struct cust_error err;
	struct cust_carver *c = cust_carver_new(CUST_CARVE_ALL, &err);
	const unsigned char *p = data;
	size_t at = 0, i;

	assert_non_null(c);
	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		assert_int_equal(cust_carver_feed(c, p + at, to - at, collect, hs,
		                                  &err), 0);
		at = to;
	}
	assert_int_equal(cust_carver_offset(c), len);
	assert_int_equal(cust_carver_end(c, collect, hs, &err), 0);
	assert_int_equal(cust_carver_offset(c), 0);
	cust_carver_free(c);
}

static void carve_all(const void *data, size_t len, struct hits *hs)
{
	carve_cuts(data, len, NULL, 0, hs);
}

/* How many hits of KIND have VALUE (any value when VALUE is NULL). */
static size_t count(const struct hits *hs, unsigned kind, const char *value)
{
	size_t i, n = 0;

	for (i = 0; i < hs->n; i++)
		if (hs->h[i].kind == kind && (!value || strcmp(hs->h[i].value, value) == 0))
			n++;
	return n;
}

static void dump(const struct hits *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		print_message("  %s @%llu+%zu '%s'\n",
		              cust_carve_kind_name(hs->h[i].kind),
		              (unsigned long long)hs->h[i].offset, hs->h[i].length,
		              hs->h[i].value);
}

static void assert_same_hits(const struct hits *a, const struct hits *b)
{
	size_t i;

	if (a->n != b->n) {
		print_message("expected:\n");
		dump(a);
		print_message("got:\n");
		dump(b);
	}
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->h[i].kind, b->h[i].kind);
		assert_int_equal(a->h[i].offset, b->h[i].offset);
		assert_int_equal(a->h[i].length, b->h[i].length);
		assert_string_equal(a->h[i].value, b->h[i].value);
	}
}

/* ---- the table of cases ------------------------------------------------- */

#define E CUST_CARVE_EMAIL
#define D CUST_CARVE_DOMAIN
#define U CUST_CARVE_URL
#define V4 CUST_CARVE_IPV4
#define V6 CUST_CARVE_IPV6
#define CC CUST_CARVE_CCN
#define BTC CUST_CARVE_BITCOIN
#define ON CUST_CARVE_ONION
#define PH CUST_CARVE_PHONE
#define MAC CUST_CARVE_MAC
#define HP CUST_CARVE_HOSTPORT

/* A real v3 onion (the search engine's) and the same with its last
 * character changed, which breaks the checksum. */
#define ONION56 "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"
#define ONION56_BAD "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczae"

/* INPUT gives exactly one hit of KIND valued WANT; with WANT NULL, no hit
 * of KIND with the value NOT (or none at all when NOT is NULL too). */
struct tcase {
	const char *input;
	unsigned kind;
	const char *want;
	const char *not;
};

static const struct tcase cases[] = {
	/* emails */
	{ "mail John.Smith@Example.COM now", E, "John.Smith@example.com", NULL },
	{ "x a@b.co.uk y", E, "a@b.co.uk", NULL },
	{ "'admin@evil.ru'", E, "admin@evil.ru", NULL },
	{ "name=x@evil.com&a=1", E, "x@evil.com", NULL },
	{ "<First.Last+tag@Mail.Example.ORG>", E, "First.Last+tag@mail.example.org", NULL },
	{ "a..b@evil.com", E, "b@evil.com", NULL },
	{ "**bob@evil.com**", E, "bob@evil.com", NULL },
	{ "user@xn--80ak6aa92e.com", E, "user@xn--80ak6aa92e.com", NULL },
	{ "mailto:abuse@host.de.", E, "abuse@host.de", NULL },
	{ "user@file.txt", E, NULL, NULL },
	{ "user@localhost", E, NULL, NULL },
	{ "user@a.b.invalid", E, NULL, NULL },
	{ "john.@evil.com", E, NULL, NULL },
	{ "@evil.com", E, NULL, NULL },
	{ "user@-evil.com", E, NULL, NULL },
	{ "user@co.uk", E, NULL, NULL },
	{ "ftp://user:pw@files.example.net/", E, NULL, NULL },
	{ "http://admin@panel.example.net/", E, NULL, NULL },
	/* domains */
	{ "visit Evil.COM. now", D, "evil.com", NULL },
	/* short two-label names only between delimiters: random bytes make
	 * them by the thousand */
	{ "\x9c" "0.ai" "\x07", D, NULL, NULL },
	{ "\xe1" "ab.cn" "\x02", D, NULL, NULL },
	{ "-0ba.sk" "\x81", D, NULL, NULL },
	{ "see t.co now", D, "t.co", NULL },
	{ "short link: t.co.", D, "t.co", NULL },
	{ "\"0ba.sk\"", D, "0ba.sk", NULL },
	{ "\tab.cn\n", D, "ab.cn", NULL },
	{ "x@ab.cn", D, "ab.cn", NULL },
	{ "\x01" "abcd.cn" "\x02", D, "abcd.cn", NULL },
	{ "\x01" "x.co.uk" "\x02", D, "x.co.uk", NULL },
	{ "WWW.EXAMPLE.ORG", D, "www.example.org", NULL },
	{ "foo.co.uk", D, "foo.co.uk", NULL },
	{ "co.uk", D, NULL, NULL },
	{ "file.txt", D, NULL, NULL },
	{ "config.php", D, NULL, NULL },
	{ "a.b.invalid", D, NULL, NULL },
	{ "version.1", D, NULL, NULL },
	{ "xn--80ak6aa92e.com", D, "xn--80ak6aa92e.com", NULL },
	{ "test.XN--P1AI", D, "test.xn--p1ai", NULL },
	{ "xn--p1ai", D, NULL, NULL },
	{ "x.blogspot.com", D, "x.blogspot.com", NULL },
	{ "duckdns.org", D, "duckdns.org", NULL },
	{ "--evil.com", D, "evil.com", NULL },
	{ "..evil.com", D, "evil.com", NULL },
	{ "bad-.example.com", D, NULL, NULL },
	{ "info.de@evil.com", D, NULL, "info.de" },
	{ "info.de@evil.com", D, "evil.com", NULL },
	{ "1.2.3.4", D, NULL, NULL },
	{ "e.g. i.e. 3.14", D, NULL, NULL },
	/* URLs */
	{ "see http://Evil.COM/Panel/index.php?id=1.", U, "http://evil.com/Panel/index.php?id=1", NULL },
	{ "(https://www.example.org/wiki/Foo_(bar))", U, "https://www.example.org/wiki/Foo_(bar)", NULL },
	{ "HTTPS://EXAMPLE.COM/A", U, "https://example.com/A", NULL },
	{ "ftp://user:pw@files.example.net:2121/x", U, "ftp://user:pw@files.example.net:2121/x", NULL },
	{ "http://[2001:DB8::1]:8080/a", U, "http://[2001:db8::1]:8080/a", NULL },
	{ "http://192.168.1.1/admin", U, "http://192.168.1.1/admin", NULL },
	{ "'http://evil.com/a'", U, "http://evil.com/a", NULL },
	{ "<http://evil.com/a>", U, "http://evil.com/a", NULL },
	{ "\"http://evil.com/a\"b", U, "http://evil.com/a", NULL },
	{ "http://evil.com/path;", U, "http://evil.com/path", NULL },
	{ "[http://evil.com/p]", U, "http://evil.com/p", NULL },
	{ "go to http://evil.com!", U, "http://evil.com", NULL },
	{ "http://evil.com./x", U, "http://evil.com/x", NULL },
	{ "http://file.txt/x", U, NULL, NULL },
	{ "http://evil.com:99999/", U, NULL, NULL },
	{ "http://evil.com_x/", U, NULL, NULL },
	{ "http://1.2.3/", U, NULL, NULL },
	{ "gopher://evil.com/", U, NULL, NULL },
	{ "xhttp://evil.com/", U, NULL, NULL },
	{ "http:/evil.com/", U, NULL, NULL },
	/* IPv4 */
	{ "8.8.8.8", V4, "8.8.8.8", NULL },
	{ "0.0.0.0", V4, "0.0.0.0", NULL },
	{ "255.255.255.255", V4, "255.255.255.255", NULL },
	{ "ip=10.1.2.3,", V4, "10.1.2.3", NULL },
	{ "1.2.3.4:80", V4, "1.2.3.4", NULL },
	{ "host-1.2.3.4", V4, "1.2.3.4", NULL },
	{ "end 1.2.3.4.", V4, "1.2.3.4", NULL },
	{ "256.1.1.1", V4, NULL, NULL },
	{ "01.2.3.4", V4, NULL, NULL },
	{ "1.2.3.04", V4, NULL, NULL },
	{ "1.2.3.4.5", V4, NULL, NULL },
	{ "10.0.19041.1", V4, NULL, NULL },
	{ "v1.2.3.4", V4, NULL, NULL },
	{ "1.2.3.4a", V4, NULL, NULL },
	{ "1.2.3", V4, NULL, NULL },
	{ "1234.1.1.1", V4, NULL, NULL },
	/* IPv6 */
	{ "\x01" "1::" "\x02", V6, NULL, NULL },
	{ "at 5b:: and 2::c", V6, NULL, NULL },
	{ "peer 2a00:1450::1 up", V6, "2a00:1450::1", NULL },
	{ "fe80::1", V6, "fe80::1", NULL },
	{ "2001:DB8:0:0:0:0:0:1", V6, "2001:db8::1", NULL },
	{ "::ffff:1.2.3.4", V6, "::ffff:1.2.3.4", NULL },
	{ "::ffff:1.2.3.4", V4, "1.2.3.4", NULL },
	{ "::1", V6, "::1", NULL },
	{ "1:2:3:4:5:6:7:8", V6, "1:2:3:4:5:6:7:8", NULL },
	{ "addr fe80::1.", V6, "fe80::1", NULL },
	{ "at fe80::1: up", V6, "fe80::1", NULL },
	{ "std::string", V6, NULL, NULL },
	{ "12:30:45", V6, NULL, NULL },
	{ "00:1a:2b:3c:4d:5e", V6, NULL, NULL },
	{ "::", V6, NULL, NULL },
	{ "1:2:3:4:5:6:7:8:9", V6, NULL, NULL },
	{ "2001:db8::g", V6, NULL, NULL },
	{ "1:::2", V6, NULL, NULL },
	/* card numbers: published test numbers and their broken twins */
	{ "card 4111111111111111 exp", CC, "4111111111111111", NULL },
	{ "4111111111111112", CC, NULL, NULL },
	{ "4111 1111 1111 1111", CC, "4111111111111111", NULL },
	{ "4111 1111 1111 1112", CC, NULL, NULL },
	{ "pan=4111-1111-1111-1111;", CC, "4111111111111111", NULL },
	{ "4111-1111 1111-1111", CC, NULL, NULL },
	{ "4111  1111 1111 1111", CC, NULL, NULL },
	{ "4111 1111 11111111", CC, NULL, NULL },
	{ "x4111111111111111", CC, NULL, NULL },
	{ "4111111111111111y", CC, NULL, NULL },
	{ "04111111111111111", CC, NULL, NULL },
	{ "4111111111111111 12 25", CC, "4111111111111111", NULL },
	{ "4012888888881881", CC, "4012888888881881", NULL },
	{ "4222222222222", CC, "4222222222222", NULL },
	{ "4222 2222 2222 2", CC, "4222222222222", NULL },
	{ "4111111111111111110", CC, "4111111111111111110", NULL },
	{ "411111111111116", CC, NULL, NULL },           /* Visa of 15 */
	{ "5555555555554444", CC, "5555555555554444", NULL },
	{ "5555 5555 5555 4444", CC, "5555555555554444", NULL },
	{ "555555555555442", CC, NULL, NULL },           /* MC of 15 */
	{ "2223003122003222", CC, "2223003122003222", NULL },
	{ "2720999999999996", CC, "2720999999999996", NULL },
	{ "2721000000000004", CC, NULL, NULL },
	{ "2220000000000000", CC, NULL, NULL },
	{ "378282246310005", CC, "378282246310005", NULL },
	{ "3782 822463 10005", CC, "378282246310005", NULL },
	{ "3782-822463-10005", CC, "378282246310005", NULL },
	{ "378282246310006", CC, NULL, NULL },
	{ "3782822463100003", CC, NULL, NULL },          /* Amex of 16 */
	{ "371449635398431", CC, "371449635398431", NULL },
	{ "6011111111111117", CC, "6011111111111117", NULL },
	{ "6011000990139424", CC, "6011000990139424", NULL },
	{ "64411111111111112", CC, "64411111111111112", NULL },
	{ "3530111333300000", CC, "3530111333300000", NULL },
	{ "3566002020360505", CC, "3566002020360505", NULL },
	{ "30569309025904", CC, "30569309025904", NULL },
	{ "3056 930902 5904", CC, "30569309025904", NULL },
	{ "38520000023237", CC, "38520000023237", NULL },
	{ "30600000000001", CC, NULL, NULL },            /* 306 is no range */
	{ "6200000000000005", CC, "6200000000000005", NULL },
	{ "6759649826438453", CC, "6759649826438453", NULL },
	{ "5018000000007", CC, "5018000000007", NULL },
	{ "7000000000000005", CC, NULL, NULL },          /* no issuer */
	{ "1234567890123452", CC, NULL, NULL },
	{ "2011-03-16 12:30:45 1300000000000", CC, NULL, NULL },
	/* Bitcoin: classic addresses, BIP-173 and BIP-350 vectors, twins */
	{ "to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.", BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", NULL },
	{ "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", BTC, NULL, NULL },
	{ "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNA", BTC, NULL, NULL },
	{ "x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", BTC, NULL, NULL },
	{ "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa_", BTC, NULL, NULL },
	{ "bitcoin:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy?amount=1", BTC, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", NULL },
	{ "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz", BTC, NULL, NULL },
	{ "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", BTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", NULL },
	{ "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", BTC, NULL, NULL },
	{ "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5xw7kv8f3t4", BTC, NULL, NULL }, /* mixed case */
	{ "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", BTC, "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", NULL },
	{ "(bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0)", BTC, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", NULL },
	/* BIP-350: version 1 with a Bech32 (not Bech32m) checksum */
	{ "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", BTC, NULL, NULL },
	{ "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", BTC, NULL, NULL }, /* testnet */
	/* Tor v3 onions */
	{ "http://" ONION56 ".onion/", ON, ONION56 ".onion", NULL },
	{ "WWW." ONION56 ".ONION", ON, ONION56 ".onion", NULL },
	{ ONION56_BAD ".onion", ON, NULL, NULL },
	{ "x" ONION56 ".onion", ON, NULL, NULL },
	{ ONION56 ".onionx", ON, NULL, NULL },
	{ "facebookwkhpilnemxj7asaniu7vnjjbiltxjqhye3mhbshg7kx5tfyd.onion", ON, "facebookwkhpilnemxj7asaniu7vnjjbiltxjqhye3mhbshg7kx5tfyd.onion", NULL },
	{ "expyuzz4wqqyqhjn.onion", ON, NULL, NULL },   /* v2: gone */
	/* phone numbers in international form */
	{ "call +1 202 555 0123 now", PH, "+12025550123", NULL },
	{ "+1 (202) 555-0123", PH, "+12025550123", NULL },
	{ "tel:+44 20 7946 0958.", PH, "+442079460958", NULL },
	{ "+44 (0)20 7946 0958", PH, "+442079460958", NULL },
	{ "+49-30-1234567", PH, "+49301234567", NULL },
	{ "+33.1.23.45.67.89", PH, "+33123456789", NULL },
	{ "+7 495 123-45-67", PH, "+74951234567", NULL },
	{ "+380441234567", PH, "+380441234567", NULL },
	{ "+86 10 1234 5678", PH, "+861012345678", NULL },
	{ "+882 1234 5678", PH, "+88212345678", NULL },
	{ "+28 1234 5678", PH, NULL, NULL },     /* 28x: unassigned */
	{ "+999 1234 5678", PH, NULL, NULL },    /* reserved */
	{ "+210 1234 5678", PH, NULL, NULL },
	{ "+1 202", PH, NULL, NULL },
	{ "+1234567890123456", PH, NULL, NULL },
	{ "a+12025550123", PH, NULL, NULL },
	{ "+12025550123x", PH, NULL, NULL },
	{ "+ 1 202 555 0123", PH, NULL, NULL },
	{ "+1  202 555 0123", PH, NULL, NULL },
	/* MAC addresses */
	{ "ether 00:1A:2B:3C:4D:5E up", MAC, "00:1a:2b:3c:4d:5e", NULL },
	{ "00-1a-2b-3c-4d-5e", MAC, "00:1a:2b:3c:4d:5e", NULL },
	{ "mac 001A.2b3c.4d5e,", MAC, "00:1a:2b:3c:4d:5e", NULL },
	{ "00:00:00:00:00:00", MAC, NULL, NULL },
	{ "FF:FF:FF:FF:FF:FF", MAC, NULL, NULL },
	{ "ffff.ffff.ffff", MAC, NULL, NULL },
	{ "00:1a:2b:3c:4d:5e:6f", MAC, NULL, NULL },
	{ "00:1a:2b:3c:4d:5e:", MAC, NULL, NULL },
	{ "00:1a-2b:3c:4d:5e", MAC, NULL, NULL },
	{ "a00:1a:2b:3c:4d:5e", MAC, NULL, NULL },
	{ "00:1a:2b:3c:4d:5g", MAC, NULL, NULL },
	{ "0:1a:2b:3c:4d:5e", MAC, NULL, NULL },
	{ "001a.2b3c.4d5e.6f70", MAC, NULL, NULL },
	/* host:port pairs */
	{ "proxy 1.2.3.4:8080 ok", HP, "1.2.3.4:8080", NULL },
	{ "smtp.evil.com:25", HP, "smtp.evil.com:25", NULL },
	{ "SMTP.Evil.COM:587,", HP, "smtp.evil.com:587", NULL },
	{ "socks5://10.0.0.1:1080", HP, "10.0.0.1:1080", NULL },
	{ "1.2.3.4:80:user:pass", HP, "1.2.3.4:80", NULL },
	{ "evil.com.:443", HP, "evil.com:443", NULL },
	{ "t.co:443", HP, "t.co:443", NULL },
	{ "relay=mx.evil.com:65535", HP, "mx.evil.com:65535", NULL },
	{ "http://evil.com:8080/x", HP, NULL, NULL },
	{ "http://user:pw@evil.com:8080/x", HP, NULL, NULL },
	{ "at 12:30 today", HP, NULL, NULL },
	{ "evil.com:0", HP, NULL, NULL },
	{ "evil.com:65536", HP, NULL, NULL },
	{ "evil.com:080", HP, NULL, NULL },
	{ "evil.com:80a", HP, NULL, NULL },
	{ "evil.com:80.5", HP, NULL, NULL },
	{ "file.txt:80", HP, NULL, NULL },
	{ "::ffff:1.2.3.4:80", HP, NULL, NULL },
	{ "x_1.2.3.4:80", HP, NULL, NULL },
	{ "01.2.3.4:80", HP, NULL, NULL },
};

static void test_cases(void **state)
{
	struct hits hs;
	size_t i, failures = 0;

	(void)state;
	assert_true(sizeof cases / sizeof cases[0] >= 200);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *t = &cases[i];
		size_t n;
		int ok;

		hits_init(&hs);
		carve_all(t->input, strlen(t->input), &hs);
		if (t->want) {
			n = count(&hs, t->kind, NULL);
			ok = n == 1 && count(&hs, t->kind, t->want) == 1;
		} else {
			ok = count(&hs, t->kind, t->not) == 0;
		}
		if (!ok) {
			print_message("case %zu '%s' %s: want %s\n", i, t->input,
			              cust_carve_kind_name(t->kind),
			              t->want ? t->want : "nothing");
			dump(&hs);
			failures++;
		}
		hits_free(&hs);
	}
	assert_int_equal(failures, 0);
}

/* Offsets and raw lengths point at the bytes of the stream. */
static void test_offsets(void **state)
{
	static const char text[] = "x http://Evil.com/a. y@Evil.com. 1.2.3.4 ::1";
	struct hits hs;
	size_t i;

	(void)state;
	hits_init(&hs);
	carve_all(text, strlen(text), &hs);
	assert_int_equal(count(&hs, U, "http://evil.com/a"), 1);
	assert_int_equal(count(&hs, E, "y@evil.com"), 1);
	assert_int_equal(count(&hs, D, "evil.com"), 2); /* in the URL and the email */
	for (i = 0; i < hs.n; i++) {
		const struct hit *h = &hs.h[i];
		assert_true(h->offset + h->length <= strlen(text));
		/* values differ from the raw bytes only in case */
		if (h->kind != V6)
			assert_int_equal(strncasecmp(text + h->offset, h->value,
			                             h->length), 0);
	}
	hits_free(&hs);
}

/* ---- lengths ------------------------------------------------------------ */

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static size_t count_in(const char *text, unsigned kind)
{
	struct hits hs;
	size_t n;

	hits_init(&hs);
	carve_all(text, strlen(text), &hs);
	n = count(&hs, kind, NULL);
	hits_free(&hs);
	return n;
}

static void test_length_limits(void **state)
{
	char buf[8192];
	char *a63 = repeat('a', 63), *b63 = repeat('b', 63), *c63 = repeat('c', 63);
	char *l64 = repeat('l', 64), *l65 = repeat('l', 65);
	char *d57 = repeat('d', 57), *d58 = repeat('d', 58);
	char *path = repeat('p', CUST_CARVE_URL_MAX);

	(void)state;
	/* local part: 64 bytes, not 65 */
	snprintf(buf, sizeof buf, "%s@evil.com", l64);
	assert_int_equal(count_in(buf, E), 1);
	snprintf(buf, sizeof buf, "%s@evil.com", l65);
	assert_int_equal(count_in(buf, E), 0);
	/* whole address: 64 + 1 + 189 = 254 bytes, not 255 */
	snprintf(buf, sizeof buf, "%s@%s.%s.%s.com", l64, a63, b63, d57);
	assert_int_equal(strlen(buf), 254);
	assert_int_equal(count_in(buf, E), 1);
	snprintf(buf, sizeof buf, "%s@%s.%s.%s.com", l64, a63, b63, d58);
	assert_int_equal(count_in(buf, E), 0);
	assert_int_equal(count_in(buf, D), 1); /* the domain alone is fine */
	/* domain: 253 bytes, not 254; labels 63 bytes, not 64 */
	snprintf(buf, sizeof buf, "%s.%s.%s.%s.com", a63, b63, c63, d57);
	assert_int_equal(strlen(buf), 253);
	assert_int_equal(count_in(buf, D), 1);
	snprintf(buf, sizeof buf, "%s.%s.%s.%s.com", a63, b63, c63, d58);
	assert_int_equal(count_in(buf, D), 0);
	snprintf(buf, sizeof buf, "%sa.com", a63);
	assert_int_equal(count_in(buf, D), 0);
	/* URL: at most CUST_CARVE_URL_MAX bytes; a longer one still gives
	 * its host */
	snprintf(buf, sizeof buf, "http://evil.com/%.*s", CUST_CARVE_URL_MAX - 16,
	         path);
	assert_int_equal(strlen(buf), CUST_CARVE_URL_MAX);
	assert_int_equal(count_in(buf, U), 1);
	snprintf(buf, sizeof buf, "http://evil.com/%.*s", CUST_CARVE_URL_MAX - 15,
	         path);
	assert_int_equal(count_in(buf, U), 0);
	assert_int_equal(count_in(buf, D), 1);
	free(a63);
	free(b63);
	free(c63);
	free(l64);
	free(l65);
	free(d57);
	free(d58);
	free(path);
}

/* ---- streaming ---------------------------------------------------------- */

static const char sample[] =
	"From: John.Smith@Example.COM To: abuse@host.de\n"
	"GET http://Evil.COM/Panel/gate.php?id=42&x=(1) HTTP/1.1\n"
	"Host: cc1.bad-domain.ru:8080 via 192.168.10.1, 8.8.8.8 and fe80::1:2\n"
	"ftp://drop:pass@files.example.co.uk/up/ [2001:db8::7] ::ffff:10.0.0.1\n"
	"version 10.0.19041.1 file.txt www.example.org.\n";

/* Every split of the sample into two feeds gives the hits of one feed. */
static void test_split_everywhere(void **state)
{
	struct hits ref, hs;
	size_t len = strlen(sample), k;

	(void)state;
	hits_init(&ref);
	carve_all(sample, len, &ref);
	assert_int_equal(ref.n, 17); /* cc1.bad-domain.ru:8080 is a HOSTPORT too */
	for (k = 0; k <= len; k++) {
		hits_init(&hs);
		carve_cuts(sample, len, &k, 1, &hs);
		assert_same_hits(&ref, &hs);
		hits_free(&hs);
	}
	hits_free(&ref);
}

/* One of each of the kinds of botnet cases, with their neighbours. */
static const char sample2[] =
	"cc=4111 1111 1111 1111 exp 12/25 amex 378282246310005;\n"
	"pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa or "
	"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0\n"
	"panel http://" ONION56 ".onion/gate\n"
	"call +44 (0)20 7946 0958, fax +1-202-555-0123\n"
	"hw 00:1A:2B:3C:4D:5E and 001a.2b3c.4d5f, socks5 10.0.0.1:1080\n";

/* Every split of sample2 into two feeds gives the hits of one feed, each
 * new kind among them. */
static void test_split_new_kinds(void **state)
{
	static const struct {
		unsigned kind;
		const char *value;
	} want[] = {
		{ CC, "4111111111111111" },
		{ CC, "378282246310005" },
		{ BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" },
		{ BTC, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0" },
		{ ON, ONION56 ".onion" },
		{ PH, "+442079460958" },
		{ PH, "+12025550123" },
		{ MAC, "00:1a:2b:3c:4d:5e" },
		{ MAC, "00:1a:2b:3c:4d:5f" },
		{ HP, "10.0.0.1:1080" },
	};
	struct hits ref, hs;
	size_t len = strlen(sample2), k, i;

	(void)state;
	hits_init(&ref);
	carve_all(sample2, len, &ref);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (count(&ref, want[i].kind, want[i].value) != 1) {
			print_message("want %s '%s'\n", cust_carve_kind_name(want[i].kind),
			              want[i].value);
			dump(&ref);
		}
		assert_int_equal(count(&ref, want[i].kind, want[i].value), 1);
	}
	/* raw bytes and values differ only in case for these kinds */
	for (i = 0; i < ref.n; i++)
		if (ref.h[i].kind == BTC || ref.h[i].kind == ON || ref.h[i].kind == HP) {
			assert_int_equal(ref.h[i].length, strlen(ref.h[i].value));
			assert_int_equal(strncasecmp(sample2 + ref.h[i].offset,
			                             ref.h[i].value, ref.h[i].length), 0);
		}
	for (k = 0; k <= len; k++) {
		hits_init(&hs);
		carve_cuts(sample2, len, &k, 1, &hs);
		assert_same_hits(&ref, &hs);
		hits_free(&hs);
	}
	hits_free(&ref);
}

/* Card numbers and a Bitcoin address among dates and times, at every
 * alignment to the 16- and 32-byte blocks the carver scans: the blocks
 * with seven digits in short runs ("12:30:45 on 2011-03-16") that it
 * passes over must not hide a number beside them. */
static void test_runs_among_dates(void **state)
{
	static const char line[] =
		"at 12:30:45 on 2011-03-16 pan 4111 1111 1111 1111, on 2011-03-16 "
		"at 12:30:45, 4111111111111111 at 12:30 378282246310005 on "
		"12:30:45 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa at 2011-03-16\n";
	static const struct {
		unsigned kind;
		const char *raw;
		const char *value;
	} want[] = {
		{ CC, "4111 1111 1111 1111", "4111111111111111" },
		{ CC, "4111111111111111", "4111111111111111" },
		{ CC, "378282246310005", "378282246310005" },
		{ BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
		  "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" },
	};
	char buf[64 + sizeof line];
	size_t shift, i, k;

	(void)state;
	for (shift = 0; shift < 64; shift++) {
		struct hits hs;
		size_t len = shift + strlen(line), n = 0;

		memset(buf, ' ', shift);
		memcpy(buf + shift, line, sizeof line);
		hits_init(&hs);
		carve_all(buf, len, &hs);
		for (i = 0; i < sizeof want / sizeof want[0]; i++) {
			const char *at = strstr(buf, want[i].raw);
			size_t found = 0;
			for (k = 0; k < hs.n; k++)
				if (hs.h[k].kind == want[i].kind &&
				    hs.h[k].offset == (uint64_t)(at - buf) &&
				    hs.h[k].length == strlen(want[i].raw) &&
				    strcmp(hs.h[k].value, want[i].value) == 0)
					found++;
			if (found != 1) {
				print_message("shift %zu: want %s '%s'\n", shift,
				              cust_carve_kind_name(want[i].kind),
				              want[i].raw);
				dump(&hs);
			}
			assert_int_equal(found, 1);
		}
		for (k = 0; k < hs.n; k++)
			if (hs.h[k].kind == CC || hs.h[k].kind == BTC)
				n++;
		assert_int_equal(n, sizeof want / sizeof want[0]);
		hits_free(&hs);
	}
}

/* The base32 of 35 bytes: 56 lower-case characters. */
static void base32(const unsigned char *in, char *out)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned acc = 0, bits = 0;
	size_t i, n = 0;

	for (i = 0; i < 35; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = abc[(acc >> bits) & 31];
		}
	}
	out[n] = '\0';
}

/* A v3 onion address made here from a key as rend-spec-v3 says, found;
 * with a wrong checksum or version, not. */
static void test_onion_made(void **state)
{
	unsigned char raw[35], md[32];
	unsigned mdlen = 0;
	char name[57], text[128];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct hits hs;
	size_t i;

	(void)state;
	assert_non_null(ctx);
	for (i = 0; i < 32; i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	raw[34] = 3;
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha3_256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, ".onion checksum", 15), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, raw, 32), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, raw + 34, 1), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, md, &mdlen), 1);
	EVP_MD_CTX_free(ctx);
	memcpy(raw + 32, md, 2);
	base32(raw, name);
	snprintf(text, sizeof text, "c2 %s.onion:443\n", name);
	hits_init(&hs);
	carve_all(text, strlen(text), &hs);
	snprintf(text, sizeof text, "%s.onion", name);
	assert_int_equal(count(&hs, ON, text), 1);
	snprintf(text, sizeof text, "%s.onion:443", name);
	assert_int_equal(count(&hs, HP, text), 1);
	hits_free(&hs);
	/* the checksum's twin, then the version's */
	raw[33] ^= 1;
	base32(raw, name);
	snprintf(text, sizeof text, "c2 %s.onion\n", name);
	assert_int_equal(count_in(text, ON), 0);
	raw[33] ^= 1;
	raw[34] = 2;
	base32(raw, name);
	snprintf(text, sizeof text, "c2 %s.onion\n", name);
	assert_int_equal(count_in(text, ON), 0);
}

static int tally(void *ctx, const struct cust_carve_hit *hit,
                 struct cust_error *err)
{
	uint64_t *n = ctx;
	unsigned k = 0;

	(void)err;
	while ((1u << k) != hit->kind)
		k++;
	n[k]++;
	return 0;
}

/* 256 MiB of pseudo-random bytes (AES-128-CTR of zeros under a fixed key,
 * as bench/carve.sh makes them) yield no card number and no Bitcoin
 * address; the counts of every kind are printed. */
static void test_random_bytes(void **state)
{
	static const unsigned char key[16] = { 0, 1, 2, 3, 4, 5, 6, 7,
	                                       8, 9, 10, 11, 12, 13, 14, 15 };
	static const unsigned char iv[16];
	size_t piece = 1u << 20, i;
	unsigned char *zero = calloc(1, piece), *buf = malloc(piece);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint64_t n[11] = { 0 };
	struct cust_error err;
	struct cust_carver *c = cust_carver_new(CUST_CARVE_ALL, &err);
	int outl;

	(void)state;
	assert_non_null(zero);
	assert_non_null(buf);
	assert_non_null(x);
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(x, EVP_aes_128_ctr(), NULL, key, iv), 1);
	for (i = 0; i < 256; i++) {
		assert_int_equal(EVP_EncryptUpdate(x, buf, &outl, zero, (int)piece), 1);
		assert_int_equal(outl, (int)piece);
		assert_int_equal(cust_carver_feed(c, buf, piece, tally, n, &err), 0);
	}
	assert_int_equal(cust_carver_end(c, tally, n, &err), 0);
	for (i = 0; i < 11; i++)
		print_message("# random 256 MiB: %-8s %llu\n",
		              cust_carve_kind_name(1u << i), (unsigned long long)n[i]);
	assert_int_equal(n[5], 0); /* ccn */
	assert_int_equal(n[6], 0); /* bitcoin */
	cust_carver_free(c);
	EVP_CIPHER_CTX_free(x);
	free(zero);
	free(buf);
}

/* A long stream with features across the carver's internal chunks, fed one
 * byte at a time and in pieces of random sizes, gives the same hits. */
static void test_long_stream(void **state)
{
	size_t len = 300 * 1024, at = 0, ncuts = 0, i;
	unsigned char *data = make_data(len, 42);
	size_t *cuts = calloc(len, sizeof *cuts);
	struct hits ref, hs;
	uint64_t x = 7;
	struct cust_error err;
	struct cust_carver *c;

	(void)state;
	assert_non_null(cuts);
	/* plant the sample every 7 KiB, the carver's 64 KiB chunks fall
	 * inside some of them */
	for (at = 100; at + sizeof sample + sizeof sample2 < len;
	     at += 7 * 1024 + 13) {
		memcpy(data + at, sample, sizeof sample - 1);
		memcpy(data + at + sizeof sample, sample2, sizeof sample2 - 1);
	}
	hits_init(&ref);
	carve_all(data, len, &ref);
	assert_true(ref.n >= 30 * 16);
	for (at = 0; at < len; ncuts++) {
		at += 1 + (size_t)(next_rand(&x) % 5000);
		if (at >= len)
			break;
		cuts[ncuts] = at;
	}
	hits_init(&hs);
	carve_cuts(data, len, cuts, ncuts, &hs);
	assert_same_hits(&ref, &hs);
	hits_free(&hs);

	hits_init(&hs);
	c = cust_carver_new(CUST_CARVE_ALL, &err);
	assert_non_null(c);
	for (i = 0; i < len; i++)
		assert_int_equal(cust_carver_feed(c, data + i, 1, collect, &hs, &err), 0);
	assert_int_equal(cust_carver_end(c, collect, &hs, &err), 0);
	cust_carver_free(c);
	assert_same_hits(&ref, &hs);
	hits_free(&hs);
	hits_free(&ref);
	free(cuts);
	free(data);
}

/* Features filling the whole stream, at its very start and end. */
static void test_stream_edges(void **state)
{
	static const struct {
		const char *input;
		unsigned kind;
		size_t length;
	} edges[] = {
		{ "evil.com", D, 8 },
		{ "a@evil.com", E, 10 },
		{ "http://evil.com", U, 15 },
		{ "1.2.3.4", V4, 7 },
		{ "::1", V6, 3 },
		{ "4111111111111111", CC, 16 },
		{ "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", BTC, 34 },
		{ ONION56 ".onion", ON, 62 },
		{ "+12025550123", PH, 12 },
		{ "00:1a:2b:3c:4d:5e", MAC, 17 },
		{ "1.2.3.4:80", HP, 10 },
	};
	struct hits hs;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		hits_init(&hs);
		carve_all(edges[i].input, strlen(edges[i].input), &hs);
		assert_int_equal(count(&hs, edges[i].kind, NULL), 1);
		for (k = 0; hs.h[k].kind != edges[i].kind; k++)
			;
		assert_int_equal(hs.h[k].offset, 0);
		assert_int_equal(hs.h[k].length, edges[i].length);
		hits_free(&hs);
	}
	/* the second stream of a carver starts at offset 0 again */
	hits_init(&hs);
	{
		struct cust_error err;
		struct cust_carver *c = cust_carver_new(D, &err);
		assert_non_null(c);
		assert_int_equal(cust_carver_feed(c, "xx evil.com", 11, collect, &hs, &err), 0);
		assert_int_equal(cust_carver_end(c, collect, &hs, &err), 0);
		assert_int_equal(cust_carver_feed(c, "evil.com", 8, collect, &hs, &err), 0);
		assert_int_equal(cust_carver_end(c, collect, &hs, &err), 0);
		assert_int_equal(hs.n, 2);
		assert_int_equal(hs.h[0].offset, 3);
		assert_int_equal(hs.h[1].offset, 0);
		/* reset drops what is held back */
		assert_int_equal(cust_carver_feed(c, "evil.com", 8, collect, &hs, &err), 0);
		cust_carver_reset(c);
		assert_int_equal(cust_carver_end(c, collect, &hs, &err), 0);
		assert_int_equal(hs.n, 2);
		cust_carver_free(c);
	}
	hits_free(&hs);
}

/* 1 MiB of one byte, or of short patterns, yields nothing and stays linear
 * (the carver skips a long run once instead of at each anchor in it). */
static void test_hostile_runs(void **state)
{
	static const char *const patterns[] = {
		"a", "@", ".", ":", "a.", "1.", "a@", "a:", "@a.", "ab::", "http://",
		"1", "1 ", "1-", "+1", "+1 ", "-", "a-", "0a:", "0a-", "0a.",
		"1a", "bc1q", "0:1", "a:80",
	};
	size_t len = 1u << 20, i, k;
	char *buf = malloc(len);
	struct hits hs;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		size_t plen = strlen(patterns[i]);
		for (k = 0; k < len; k++)
			buf[k] = patterns[i][k % plen];
		hits_init(&hs);
		carve_all(buf, len, &hs);
		if (hs.n != 0)
			print_message("pattern '%s'\n", patterns[i]);
		assert_int_equal(hs.n, 0);
		hits_free(&hs);
	}
	free(buf);
}

/* ---- the API's hostile twins -------------------------------------------- */

static void test_handler_stops(void **state)
{
	struct cust_error err;
	struct cust_carver *c = cust_carver_new(CUST_CARVE_ALL, &err);
	struct hits hs;

	(void)state;
	assert_non_null(c);
	hits_init(&hs);
	hs.stop_after = 1;
	cust_error_clear(&err);
	assert_int_equal(cust_carver_feed(c, sample, strlen(sample), collect, &hs,
	                                  &err), 0);
	assert_int_equal(cust_carver_end(c, collect, &hs, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "stopped by the hit handler"));
	assert_int_equal(hs.n, 1);
	/* a failed carver refuses more until it is reset */
	assert_int_equal(cust_carver_feed(c, "x", 1, collect, &hs, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "reset it"));
	cust_carver_reset(c);
	hs.stop_after = 0;
	hs.n = 0;
	assert_int_equal(cust_carver_feed(c, "evil.com", 8, collect, &hs, &err), 0);
	assert_int_equal(cust_carver_end(c, collect, &hs, &err), 0);
	assert_int_equal(hs.n, 1);
	cust_carver_free(c);
	hits_free(&hs);
}

static void test_bad_arguments(void **state)
{
	struct cust_error err;
	struct cust_carver *c;

	(void)state;
	assert_null(cust_carver_new(0, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(cust_error_message(&err), "carving kinds"));
	assert_null(cust_carver_new(CUST_CARVE_ALL + 1, &err));
	c = cust_carver_new(CUST_CARVE_EMAIL, &err);
	assert_non_null(c);
	assert_int_equal(cust_carver_feed(c, "x", 1, NULL, NULL, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "hit handler"));
	assert_int_equal(cust_carver_feed(NULL, "x", 1, collect, NULL, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "not a carver"));
	cust_carver_free(c);
	cust_carver_free(NULL);
	assert_null(cust_carve_kind_name(0));
	assert_string_equal(cust_carve_kind_name(CUST_CARVE_IPV6), "ipv6");
}

/* Only the kinds asked for are reported. */
static void test_kind_filter(void **state)
{
	struct cust_error err;
	struct cust_carver *c = cust_carver_new(CUST_CARVE_URL, &err);
	struct hits hs;

	(void)state;
	assert_non_null(c);
	hits_init(&hs);
	assert_int_equal(cust_carver_feed(c, sample, strlen(sample), collect, &hs,
	                                  &err), 0);
	assert_int_equal(cust_carver_end(c, collect, &hs, &err), 0);
	assert_int_equal(count(&hs, U, NULL), 2);
	assert_int_equal(hs.n, 2);
	cust_carver_free(c);
	hits_free(&hs);
}

static void test_ip_class(void **state)
{
	static const struct {
		unsigned kind;
		const char *value, *cls;
	} t[] = {
		{ V4, "8.8.8.8", "public" },
		{ V4, "10.1.2.3", "private" },
		{ V4, "172.16.0.1", "private" },
		{ V4, "172.32.0.1", "public" },
		{ V4, "192.168.1.1", "private" },
		{ V4, "100.64.0.1", "private" },
		{ V4, "127.0.0.1", "loopback" },
		{ V4, "169.254.1.1", "link-local" },
		{ V4, "224.0.0.1", "multicast" },
		{ V4, "0.0.0.0", "reserved" },
		{ V4, "255.255.255.255", "reserved" },
		{ V4, "203.0.113.9", "documentation" },
		{ V6, "::1", "loopback" },
		{ V6, "fe80::1", "link-local" },
		{ V6, "fd00::1", "private" },
		{ V6, "ff02::1", "multicast" },
		{ V6, "2001:db8::1", "documentation" },
		{ V6, "2a00:1450::1", "public" },
		{ V6, "::ffff:10.0.0.1", "private" },
		{ V6, "::", "reserved" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *cls = cust_carve_ip_class(t[i].kind, t[i].value);
		assert_non_null(cls);
		assert_string_equal(cls, t[i].cls);
	}
	assert_null(cust_carve_ip_class(V4, "01.2.3.4"));
	assert_null(cust_carve_ip_class(V4, "::1"));
	assert_null(cust_carve_ip_class(V6, "1.2.3.4"));
	assert_null(cust_carve_ip_class(D, "evil.com"));
	assert_null(cust_carve_ip_class(V4, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_split_new_kinds),
		cmocka_unit_test(test_runs_among_dates),
		cmocka_unit_test(test_onion_made),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_long_stream),
		cmocka_unit_test(test_stream_edges),
		cmocka_unit_test(test_hostile_runs),
		cmocka_unit_test(test_handler_stops),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_kind_filter),
		cmocka_unit_test(test_ip_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
