/* test_x_binstorage.c - the ZeuS 2.x config.bin extractor (zeus-binstorage)
 * on a config.bin the test builds from the public format: a BinStorage of
 * items, some UCL NRV2B-compressed (by libucl, with the 32-bit bit buffer
 * the ZeuS builder writes and with libucl's default 8-bit one), sealed
 * with the MD5 of its items, visually encrypted, then RC4-encrypted with
 * the builder's key; and on its hostile twins: no key, wrong keys, cut
 * short, altered, huge counts and sizes, a 1 GiB file. */
#include "testutil.h"

#include <ucl/ucl.h>

#include "custody/extractor.h"

#define KEY "kN9#q2!Lr"

/* Content held in memory, read through the pread callback; TOP is the end
 * of the furthest read. */
struct mem {
	const unsigned char *data;
	size_t len;
	uint64_t size; /* what the file claims: LEN, or more for lazy content */
	uint64_t top;
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;
	unsigned char *b = buf;
	size_t i;

	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = (size_t)(m->size - off);
	for (i = 0; i < len; i++) /* past DATA: bytes made on demand */
		b[i] = off + i < m->len ? m->data[off + i]
		                        : (unsigned char)((off + i) * 2654435761u >> 13);
	if (off + len > m->top)
		m->top = off + len;
	return (long)len;
}

struct result {
	int identified;
	json_t *records;
	json_t *learned;
	int needs_knowledge;
	uint64_t top; /* the furthest byte read */
};

static void result_release(struct result *r)
{
	json_decref(r->records);
	json_decref(r->learned);
}

/* Run zeus-binstorage on DATA[0..LEN) (a file of SIZE bytes, SIZE >= LEN:
 * the rest made on demand) named FILE, with MIME and RULE (may be NULL)
 * and KNOWN (may be NULL). */
static struct result run_sized(const char *file, const char *mime,
                               const char *rule, const void *data, size_t len,
                               uint64_t size, const json_t *known)
{
	const struct cust_extractor *x = cust_extractor_find("zeus-binstorage");
	struct mem m = { data, len, size, 0 };
	unsigned char *head = malloc(CUST_X_HEAD);
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	struct cust_error err;
	struct result r = { 0 };
	json_t *none = json_array();

	assert_non_null(x);
	assert_non_null(head);
	assert_string_equal(x->family, "zeus");
	in.head_len = size < CUST_X_HEAD ? (size_t)size : CUST_X_HEAD;
	assert_int_equal(mem_pread(&m, head, in.head_len, 0), (long)in.head_len);
	in.head = head;
	in.size = size;
	in.name = file;
	in.mime = mime;
	in.rule = rule;
	in.pread = mem_pread;
	in.pctx = &m;
	r.identified = x->identify(&in);
	if (r.identified) {
		m.top = 0;
		cust_error_clear(&err);
		if (x->parse(&in, known ? known : none, &out, &err) != 0)
			fail_msg("zeus-binstorage: %s", err.message);
	}
	r.records = out.records;
	r.learned = out.learned;
	r.needs_knowledge = out.needs_knowledge;
	r.top = m.top;
	json_decref(none);
	free(head);
	return r;
}

static struct result run(const char *file, const void *data, size_t len,
                         const json_t *known)
{
	return run_sized(file, NULL, NULL, data, len, len, known);
}

/* The value at a dotted path of V ("targets.webinjects.0"), NULL if none. */
static const json_t *at(const json_t *v, const char *path)
{
	char buf[256], *save = NULL, *part;

	snprintf(buf, sizeof buf, "%s", path);
	for (part = strtok_r(buf, ".", &save); part && v;
	     part = strtok_r(NULL, ".", &save)) {
		char *end;
		long i = strtol(part, &end, 10);
		v = *end ? json_object_get(v, part) : json_array_get(v, (size_t)i);
	}
	return v;
}

static const char *str(const json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

static long long num(const json_t *v, const char *path)
{
	const json_t *j = at(v, path);

	assert_true(json_is_integer(j));
	return json_integer_value(j);
}

/* 1 when some problem of REC holds NEEDLE. */
static int problem_has(const json_t *rec, const char *needle)
{
	const json_t *p = json_object_get(rec, "problems"), *v;
	size_t i;

	json_array_foreach(p, i, v)
		if (strstr(json_string_value(v), needle))
			return 1;
	return 0;
}

/* What the run knows: rc4 keys, as text or hex. */
static json_t *keys(const char *first, ...)
{
	json_t *a = json_array();
	const char *k;
	va_list ap;

	va_start(ap, first);
	for (k = first; k; k = va_arg(ap, const char *))
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		                                   "kind", "key", "algorithm",
		                                   "rc4", "usage",
		                                   "config-encryption", "value", k,
		                                   "encoding", "text"));
	va_end(ap);
	return a;
}

/* ---- the builder's side: a BinStorage, sealed and encrypted ------------ */

#define ITEMF_COMPRESSED 0x00000001u
#define ITEMF_COMBINE_OVERWRITE 0x00020000u
#define ITEMF_IS_OPTION 0x10000000u
#define ITEMF_IS_SETTING 0x20000000u
#define ITEMF_IS_HTTP_INJECT 0x40000000u

struct store {
	unsigned char *b;
	size_t len, cap;
	uint32_t count;
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void grow(struct store *s, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->b = realloc(s->b, s->cap);
		assert_non_null(s->b);
	}
}

static void store_init(struct store *s)
{
	size_t i;

	memset(s, 0, sizeof *s);
	grow(s, 48);
	for (i = 0; i < 20; i++) /* the builder's random bytes */
		s->b[i] = (unsigned char)(i * 37 + 11);
	memset(s->b + 20, 0, 28);
	s->len = 48;
}

/* An item whose header says STORED and REAL bytes, with DATA[0..LEN). */
static void store_raw(struct store *s, uint32_t id, uint32_t flags,
                      uint32_t stored, uint32_t real, const void *data,
                      size_t len)
{
	grow(s, 16 + len);
	put32(s->b + s->len, id);
	put32(s->b + s->len + 4, flags);
	put32(s->b + s->len + 8, stored);
	put32(s->b + s->len + 12, real);
	if (len)
		memcpy(s->b + s->len + 16, data, len);
	s->len += 16 + len;
	s->count++;
}

/* An item of DATA[0..LEN), UCL NRV2B-compressed with a bit buffer of BB
 * bits (32: as the ZeuS builder writes it; 8: libucl's default) when
 * FLAGS has ITEMF_COMPRESSED. */
static void store_item(struct store *s, uint32_t id, uint32_t flags,
                       const void *data, size_t len, int bb)
{
	struct ucl_compress_config_t conf;
	unsigned char *z;
	ucl_uint zlen = (ucl_uint)(len + len / 8 + 256);

	if (!(flags & ITEMF_COMPRESSED)) {
		store_raw(s, id, flags, (uint32_t)len, (uint32_t)len, data, len);
		return;
	}
	assert_int_equal(ucl_init(), UCL_E_OK);
	memset(&conf, 0xff, sizeof conf);
	conf.bb_size = bb;
	z = malloc(zlen);
	assert_non_null(z);
	assert_int_equal(ucl_nrv2b_99_compress(data, (ucl_uint)len, z, &zlen,
	                                       NULL, 10, &conf, NULL),
	                 UCL_E_OK);
	store_raw(s, id, flags, (uint32_t)zlen, (uint32_t)len, z, zlen);
	free(z);
}

/* Seal S as the builder does: its size, item count (COUNT when not 0) and
 * the MD5 of the bytes after the header. */
static void store_seal(struct store *s, uint32_t count)
{
	unsigned char md5[16];

	put32(s->b + 20, (uint32_t)s->len);
	put32(s->b + 28, count ? count : s->count);
	assert_int_equal(cust_digest_buffer(CUST_DIGEST_MD5, s->b + 48,
	                                    s->len - 48, md5, NULL), 0);
	memcpy(s->b + 32, md5, 16);
}

static void rc4(unsigned char *b, size_t n, const void *key, size_t klen)
{
	const unsigned char *k = key;
	unsigned char st[256], t;
	unsigned i, j = 0;
	size_t p;

	for (i = 0; i < 256; i++)
		st[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		j = (j + st[i] + k[i % klen]) & 255;
		t = st[i], st[i] = st[j], st[j] = t;
	}
	i = j = 0;
	for (p = 0; p < n; p++) {
		i = (i + 1) & 255;
		j = (j + st[i]) & 255;
		t = st[i], st[i] = st[j], st[j] = t;
		b[p] ^= st[(st[i] + st[j]) & 255];
	}
}

/* Visual encryption (each byte XORed with the one before it, already
 * encrypted), then RC4 with KEY: the file the builder writes. */
static void store_encrypt(struct store *s, const char *key)
{
	size_t i;

	for (i = 1; i < s->len; i++)
		s->b[i] ^= s->b[i - 1];
	rc4(s->b, s->len, key, strlen(key));
}

/* An HttpInject header (ZeuS 2.x: eight u16: flags, size, and the offsets
 * of the URL mask, fake URL, POST black and white masks, block-on URL and
 * context mask) with its strings, appended to L. */
static void inject_header(struct store *l, unsigned flags, const char *url,
                          const char *fake)
{
	size_t start = l->len, ul = strlen(url) + 1;
	size_t fl = fake ? strlen(fake) + 1 : 0;

	grow(l, 16 + ul + fl);
	memset(l->b + start, 0, 16);
	put16(l->b + start, flags);
	put16(l->b + start + 2, (unsigned)(16 + ul + fl));
	put16(l->b + start + 4, 16);
	if (fake)
		put16(l->b + start + 6, (unsigned)(16 + ul));
	memcpy(l->b + start + 16, url, ul);
	if (fake)
		memcpy(l->b + start + 16 + ul, fake, fl);
	l->len += 16 + ul + fl;
}

/* One inject: its data_before, data_after and data_inject blocks. */
static void inject_blocks(struct store *d, const char *before,
                          const char *after, const char *inject)
{
	const char *parts[3] = { before, after, inject };
	int i;

	for (i = 0; i < 3; i++) {
		size_t n = strlen(parts[i]);
		grow(d, 4 + n);
		put16(d->b + d->len, (unsigned)(4 + n));
		put16(d->b + d->len + 2, 0);
		memcpy(d->b + d->len + 4, parts[i], n);
		d->len += 4 + n;
	}
}

#define FLAG_IS_FAKE 0x0001u
#define FLAG_IS_INJECT 0x0004u
#define FLAG_IS_CAPTURE 0x0008u
#define FLAG_REQUEST_POST 0x0020u
#define FLAG_REQUEST_GET 0x0040u
#define FLAG_URL_CASE_INSENSITIVE 0x1000u

static const char adv[] = "http://backup.example/cfg2.bin\0"
                          "http://backup2.example/cfg3.bin\0";
static const char filters[] = "!*.microsoft.com/*\0"
                              "https://www.bank.example/*\0"
                              "@*/login.osmp.ru/*\0";
static const char datafilters[] = "http://mail.example/*\0passw;login\0";
static const char odd[] = "xx\x01\x02hello world\0\xff\xfe"
                          "another string here\x03";

/* The items of the sample, in S (not sealed). */
static void sample_items(struct store *s)
{
	const uint32_t opt = ITEMF_IS_OPTION | ITEMF_COMBINE_OVERWRITE;
	unsigned char version[4];
	struct store list = { 0 }, d1 = { 0 }, d3 = { 0 };

	put32(version, 0x02000809); /* 2.0.8.9 */
	store_item(s, 20001, opt, version, 4, 0);
	store_item(s, 20002, opt, "http://citysvc.example/bot.exe", 31, 0);
	store_item(s, 20003, opt, "http://citysvc.example/gate.php", 32, 0);
	store_item(s, 20004, opt | ITEMF_COMPRESSED, adv, sizeof adv, 32);
	store_item(s, 20005, opt | ITEMF_COMPRESSED, filters, sizeof filters, 8);
	store_item(s, 20006, opt | ITEMF_COMPRESSED, datafilters,
	           sizeof datafilters, 32);
	inject_header(&list, FLAG_IS_INJECT | FLAG_REQUEST_GET | FLAG_REQUEST_POST,
	              "https://www.bank.example/login*", NULL);
	inject_header(&list, FLAG_IS_FAKE | FLAG_REQUEST_GET,
	              "https://fake.example/*", "http://evil.example/page");
	inject_header(&list, FLAG_IS_CAPTURE | FLAG_REQUEST_GET | FLAG_REQUEST_POST |
	                     FLAG_URL_CASE_INSENSITIVE,
	              "https://*.other-bank.example/accounts/*", NULL);
	store_item(s, 20007, opt | ITEMF_COMPRESSED, list.b, list.len, 32);
	inject_blocks(&d1, "<div id=\"login\">", "",
	              "<input name=\"atm_pin\" type=\"password\">");
	inject_blocks(&d1, "<body*>", "</body>",
	              "<script src=\"http://inject.example/a.js\"></script>");
	inject_blocks(&d3, "<td class=\"balance\">", "</td>", "");
	store_item(s, 1, ITEMF_IS_HTTP_INJECT | ITEMF_COMPRESSED, d1.b, d1.len, 32);
	store_item(s, 3, ITEMF_IS_HTTP_INJECT, d3.b, d3.len, 0);
	store_item(s, 30000, ITEMF_IS_SETTING, odd, sizeof odd - 1, 0);
	free(list.b);
	free(d1.b);
	free(d3.b);
}

/* The sample config.bin, sealed and encrypted with KEY. */
static void sample(struct store *s)
{
	store_init(s);
	sample_items(s);
	store_seal(s, 0);
	store_encrypt(s, KEY);
}

static void check_sample(const json_t *r)
{
	const json_t *items = at(r, "other.items"), *it;
	size_t i;
	int seen_odd = 0;

	assert_string_equal(str(r, "family"), "zeus");
	assert_string_equal(str(r, "extractor"), "zeus-binstorage");
	assert_string_equal(str(r, "kind"), "config");
	assert_string_equal(str(r, "version"), "2.0.8.9");
	assert_string_equal(str(r, "c2.0.url"), "http://citysvc.example/bot.exe");
	assert_string_equal(str(r, "c2.0.usage"), "loader");
	assert_string_equal(str(r, "c2.1.url"), "http://citysvc.example/gate.php");
	assert_string_equal(str(r, "c2.1.usage"), "report");
	assert_string_equal(str(r, "c2.2.url"), "http://backup.example/cfg2.bin");
	assert_string_equal(str(r, "c2.2.usage"), "config");
	assert_string_equal(str(r, "c2.3.url"), "http://backup2.example/cfg3.bin");
	assert_null(at(r, "c2.4"));
	/* HTTP filters, the 8-bit-buffer item */
	assert_string_equal(str(r, "targets.web_filters.0.pattern"),
	                    "*.microsoft.com/*");
	assert_string_equal(str(r, "targets.web_filters.0.action"), "exclude");
	assert_string_equal(str(r, "targets.web_filters.1.action"), "log");
	assert_string_equal(str(r, "targets.web_filters.2.action"), "screenshot");
	assert_string_equal(str(r, "targets.exclusions.0"), "*.microsoft.com/*");
	assert_string_equal(str(r, "targets.web_data_filters.0.pattern"),
	                    "http://mail.example/*");
	assert_string_equal(str(r, "targets.web_data_filters.0.fields"),
	                    "passw;login");
	/* the injects list: an inject, a fake, a capture */
	assert_int_equal(num(r, "other.injects"), 3);
	assert_int_equal(json_array_size(at(r, "targets.webinjects")), 2);
	assert_string_equal(str(r, "targets.webinjects.0.pattern"),
	                    "https://www.bank.example/login*");
	assert_string_equal(str(r, "targets.webinjects.0.flags"), "GP");
	assert_string_equal(str(r, "targets.webinjects.0.host"), "www.bank.example");
	assert_int_equal(num(r, "targets.webinjects.0.injects"), 2);
	assert_string_equal(str(r, "targets.webinjects.1.pattern"),
	                    "https://*.other-bank.example/accounts/*");
	assert_string_equal(str(r, "targets.webinjects.1.flags"), "GPLI");
	assert_string_equal(str(r, "targets.webinjects.1.host"),
	                    "*.other-bank.example");
	assert_int_equal(num(r, "targets.webinjects.1.injects"), 1);
	assert_string_equal(str(r, "targets.web_fakes.0.pattern"),
	                    "https://fake.example/*");
	assert_string_equal(str(r, "targets.web_fakes.0.fake"),
	                    "http://evil.example/page");
	assert_string_equal(str(r, "targets.web_fakes.0.flags"), "G");
	/* every item, the unknown one with its strings */
	assert_int_equal(json_array_size(items), 10);
	assert_int_equal(num(r, "other.items.0.id"), 20001);
	assert_string_equal(str(r, "other.items.0.name"), "CFGID_LAST_VERSION");
	assert_string_equal(str(r, "other.items.6.name"), "CFGID_HTTP_INJECTS_LIST");
	/* inject data: the strings of its blocks */
	assert_int_equal(num(r, "other.items.7.id"), 1);
	assert_int_equal(num(r, "other.items.7.flags"),
	                 ITEMF_IS_HTTP_INJECT | ITEMF_COMPRESSED);
	assert_string_equal(str(r, "other.items.7.strings.2"), "<body*>");
	assert_string_equal(str(r, "other.items.7.strings.3"), "</body>");
	assert_string_equal(str(r, "other.items.8.strings.0"),
	                    "<td class=\"balance\">");
	json_array_foreach(items, i, it) {
		if (json_integer_value(json_object_get(it, "id")) != 30000)
			continue;
		seen_odd = 1;
		assert_int_equal(num(it, "flags"), ITEMF_IS_SETTING);
		assert_int_equal(num(it, "size"), sizeof odd - 1);
		assert_null(at(it, "name"));
		assert_string_equal(str(it, "strings.0"), "hello world");
		assert_string_equal(str(it, "strings.1"), "another string here");
		assert_null(at(it, "strings.2"));
	}
	assert_true(seen_odd);
}

static void test_decoded(void **state)
{
	struct store s;
	json_t *known = keys("not this one", KEY, NULL);
	struct result r;
	const json_t *rec;

	(void)state;
	sample(&s);
	r = run("config.bin", s.b, s.len, known);
	assert_true(r.identified);
	assert_int_equal(json_array_size(r.records), 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_null(at(rec, "problems"));
	check_sample(rec);
	/* the key that opened it, for the caller to link to where it was found */
	assert_string_equal(str(rec, "key_used.algorithm"), "rc4");
	assert_string_equal(str(rec, "key_used.value"), KEY);
	assert_string_equal(str(rec, "key_used.encoding"), "text");
	assert_int_equal(r.needs_knowledge, 0);
	assert_int_equal(json_array_size(r.learned), 0);
	result_release(&r);
	json_decref(known);
	free(s.b);
}

/* The key given as hex ("encoding": "hex") opens it as the text does; a
 * value that is not hex is no key. */
static void test_hex_key(void **state)
{
	struct store s;
	char hex[2 * sizeof KEY + 1];
	json_t *known;
	struct result r;
	const json_t *rec;

	(void)state;
	sample(&s);
	cust_hex_encode((const unsigned char *)KEY, strlen(KEY), hex);
	known = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]",
	                  "kind", "key", "algorithm", "RC4", "value", "zz12",
	                  "encoding", "hex", /* not hex: skipped */
	                  "kind", "key", "algorithm", "rc4", "value", hex,
	                  "encoding", "hex");
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	check_sample(rec);
	assert_string_equal(str(rec, "key_used.value"), hex);
	assert_string_equal(str(rec, "key_used.encoding"), "hex");
	result_release(&r);
	json_decref(known);
	free(s.b);
}

/* No rc4 key known: needs-key, to be tried again when one is learned. */
static void test_needs_key(void **state)
{
	struct store s;
	json_t *xor = json_pack("[{s:s, s:s, s:s}, {s:s, s:s}]", "kind", "key",
	                        "algorithm", "xor", "value", "abc", "kind",
	                        "botnet", "value", "b107");
	struct result r;
	const json_t *rec;

	(void)state;
	sample(&s);
	r = run("config.bin", s.b, s.len, NULL);
	rec = json_array_get(r.records, 0);
	assert_int_equal(json_array_size(r.records), 1);
	assert_string_equal(str(rec, "status"), "needs-key");
	assert_int_equal(r.needs_knowledge, 1);
	assert_null(at(rec, "c2"));
	assert_null(at(rec, "key_used"));
	result_release(&r);
	r = run("config.bin", s.b, s.len, xor);
	assert_string_equal(str(json_array_get(r.records, 0), "status"),
	                    "needs-key");
	assert_int_equal(r.needs_knowledge, 1);
	result_release(&r);
	json_decref(xor);
	free(s.b);
}

/* Keys, none of them the right one: wrong-key, saying how many were
 * tried, and nothing decoded. */
static void test_wrong_key(void **state)
{
	struct store s;
	json_t *known = keys("kN9#q2!Lx", "letmein", "kN9#q2!Lx", NULL);
	struct result r;
	const json_t *rec;

	(void)state;
	sample(&s);
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_int_equal(json_array_size(r.records), 1);
	assert_string_equal(str(rec, "status"), "wrong-key");
	assert_int_equal(num(rec, "other.keys_tried"), 2); /* one twice */
	assert_true(problem_has(rec, "none of the 2 rc4 keys"));
	assert_null(at(rec, "c2"));
	assert_null(at(rec, "targets"));
	assert_null(at(rec, "version"));
	assert_null(at(rec, "other.items"));
	assert_null(at(rec, "key_used"));
	assert_int_equal(r.needs_knowledge, 0);
	result_release(&r);
	json_decref(known);
	free(s.b);
}

/* Cut short, or altered after it was sealed: damaged, nothing decoded,
 * never taken for a wrong key. */
static void test_damaged(void **state)
{
	struct store s, t;
	json_t *known = keys(KEY, NULL);
	struct result r;
	const json_t *rec;
	size_t cuts[] = { 47, 48, 60, 200 }, i;

	(void)state;
	sample(&s);
	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		r = run("config.bin", s.b, cuts[i], known);
		rec = json_array_get(r.records, 0);
		assert_string_equal(str(rec, "status"), "damaged");
		assert_null(at(rec, "c2"));
		assert_null(at(rec, "key_used"));
		assert_true(problem_has(rec, cuts[i] < 48 ? "shorter than"
		                                          : "truncated"));
		result_release(&r);
	}
	/* the file with the last third missing */
	r = run("config.bin", s.b, s.len * 2 / 3, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "damaged");
	assert_true(problem_has(rec, "truncated"));
	result_release(&r);
	/* an empty config.bin */
	r = run("config.bin", s.b, 0, known);
	assert_string_equal(str(json_array_get(r.records, 0), "status"),
	                    "damaged");
	result_release(&r);

	/* one byte of an item changed after sealing */
	store_init(&t);
	sample_items(&t);
	store_seal(&t, 0);
	t.b[t.len - 5] ^= 0x20;
	store_encrypt(&t, KEY);
	r = run("config.bin", t.b, t.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "damaged");
	assert_true(problem_has(rec, "MD5"));
	assert_null(at(rec, "c2"));
	result_release(&r);
	json_decref(known);
	free(t.b);
	free(s.b);
}

/* Counts and sizes no builder writes: a header claiming 2^32-1 items, an
 * item claiming a 4 GiB real size, an item longer than the storage: each
 * said, the rest decoded, in bounded memory. */
static void test_hostile_sizes(void **state)
{
	struct store s;
	json_t *known = keys(KEY, NULL);
	struct result r;
	const json_t *rec;
	static const char junk[64] = "compressed? no";
	unsigned i;

	(void)state;
	store_init(&s);
	sample_items(&s);
	store_seal(&s, 0xffffffffu);
	store_encrypt(&s, KEY);
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem_has(rec, "4294967295 items"));
	check_sample(rec);
	assert_string_equal(str(rec, "key_used.value"), KEY);
	result_release(&r);
	free(s.b);

	store_init(&s);
	store_raw(&s, 20004, ITEMF_IS_OPTION | ITEMF_COMPRESSED, sizeof junk,
	          0xffffffffu, junk, sizeof junk);
	store_item(&s, 20003, ITEMF_IS_OPTION, "http://citysvc.example/gate.php",
	           32, 0);
	store_raw(&s, 20002, ITEMF_IS_OPTION, 0xfffffff0u, 0xfffffff0u, junk,
	          sizeof junk);
	store_seal(&s, 0);
	store_encrypt(&s, KEY);
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem_has(rec, "real size of 4294967295 bytes"));
	assert_true(problem_has(rec, "4294967280 bytes"));
	assert_string_equal(str(rec, "c2.0.url"), "http://citysvc.example/gate.php");
	assert_null(at(rec, "c2.1"));
	assert_int_equal(json_array_size(at(rec, "other.items")), 2);
	result_release(&r);
	free(s.b);

	/* items that each claim the most one may decompress to: tried until
	 * the bytes decompressed from the file reach their bound */
	store_init(&s);
	for (i = 0; i < 4; i++)
		store_raw(&s, 30000 + i, ITEMF_IS_SETTING | ITEMF_COMPRESSED,
		          sizeof junk, CUST_X_WHOLE_MAX, junk, sizeof junk);
	store_seal(&s, 0);
	store_encrypt(&s, KEY);
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem_has(rec, "item 0 (id 30000): its UCL data does not"));
	assert_true(problem_has(rec, "item 2 (id 30002) would take the bytes "
	                             "decompressed from the file past"));
	assert_int_equal(json_array_size(at(rec, "other.items")), 4);
	result_release(&r);
	free(s.b);

	/* more strings than a record keeps: an item with a string of 600
	 * characters (512 kept), then 230 items of 64 strings of 300, until
	 * 4 MiB of strings are kept in all */
	{
		size_t n = 64 * 301, total = 0, k;
		char *many = malloc(n);
		const json_t *it;

		assert_non_null(many);
		memset(many, 'A', n);
		store_init(&s);
		store_raw(&s, 39999, ITEMF_IS_SETTING, 600, 600, many, 600);
		for (k = 300; k < n; k += 301)
			many[k] = '\0';
		for (i = 0; i < 230; i++)
			store_raw(&s, 40000 + i, ITEMF_IS_SETTING, (uint32_t)n,
			          (uint32_t)n, many, n);
		store_seal(&s, 0);
		store_encrypt(&s, KEY);
		r = run("config.bin", s.b, s.len, known);
		rec = json_array_get(r.records, 0);
		assert_string_equal(str(rec, "status"), "partial");
		assert_true(problem_has(rec, "strings past"));
		assert_int_equal(json_array_size(at(rec, "other.items")), 231);
		assert_int_equal(strlen(str(rec, "other.items.0.strings.0")), 512);
		assert_int_equal(strlen(str(rec, "other.items.1.strings.63")), 300);
		assert_null(at(rec, "other.items.1.strings.64"));
		json_array_foreach(at(rec, "other.items"), k, it) {
			const json_t *v;
			size_t j;
			json_array_foreach(json_object_get(it, "strings"), j, v)
				total += json_string_length(v);
		}
		assert_true(total <= 4u * 1024 * 1024);
		assert_true(total > 4u * 1024 * 1024 - 300);
		assert_null(at(rec, "other.items.230.strings"));
		result_release(&r);
		free(s.b);
		free(many);
	}

	/* UCL data that does not decompress to the size it claims */
	store_init(&s);
	store_raw(&s, 20005, ITEMF_IS_OPTION | ITEMF_COMPRESSED, sizeof junk,
	          1000, junk, sizeof junk);
	store_seal(&s, 0);
	store_encrypt(&s, KEY);
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem_has(rec, "does not decompress"));
	assert_null(at(rec, "targets"));
	result_release(&r);
	free(s.b);
	json_decref(known);
}

/* An injects list with no inject data item at all: a fake, an inject
 * whose data is missing, and an entry whose string lies outside it. */
static void test_injects_without_data(void **state)
{
	struct store s, list = { 0 };
	json_t *known = keys(KEY, NULL);
	struct result r;
	const json_t *rec;

	(void)state;
	inject_header(&list, FLAG_IS_FAKE | FLAG_REQUEST_GET,
	              "https://fake.example/*", "http://evil.example/page");
	inject_header(&list, FLAG_IS_INJECT | FLAG_REQUEST_GET,
	              "https://www.bank.example/*", NULL);
	inject_header(&list, FLAG_IS_INJECT, "https://cut.example/*", NULL);
	put16(list.b + list.len - 22 - 16 + 4, 400); /* its URL past its end */
	store_init(&s);
	store_item(&s, 20007, ITEMF_IS_OPTION | ITEMF_COMPRESSED, list.b,
	           list.len, 32);
	store_seal(&s, 0);
	store_encrypt(&s, KEY);
	r = run("config.bin", s.b, s.len, known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_string_equal(str(rec, "targets.web_fakes.0.fake"),
	                    "http://evil.example/page");
	assert_string_equal(str(rec, "targets.webinjects.0.host"),
	                    "www.bank.example");
	assert_null(at(rec, "targets.webinjects.0.injects"));
	assert_null(at(rec, "targets.webinjects.1"));
	assert_true(problem_has(rec, "webinject 1 has no inject data (item id 2)"));
	assert_true(problem_has(rec, "entry 2 has a string outside it"));
	assert_int_equal(num(rec, "other.injects"), 2);
	result_release(&r);
	json_decref(known);
	free(s.b);
	free(list.b);
}

/* A config.bin that claims 1 GiB, made as it is read: no more than
 * CUST_X_WHOLE_MAX bytes are read, and the record says why nothing was
 * decoded. */
static void test_huge_file(void **state)
{
	struct store s;
	json_t *known = keys(KEY, NULL);
	struct result r;
	const json_t *rec;

	(void)state;
	sample(&s);
	r = run_sized("config.bin", NULL, NULL, s.b, s.len, 1ull << 30, known);
	rec = json_array_get(r.records, 0);
	assert_true(r.top <= CUST_X_WHOLE_MAX);
	assert_true(r.top > 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem_has(rec, "after the storage"));
	check_sample(rec); /* the storage is whole at the start */
	result_release(&r);
	free(s.b);
	json_decref(known);
}

/* Which files are claimed: config.bin by name, a YARA rule naming the
 * extractor, a *.bin of high entropy that libmagic does not know; never a
 * low-entropy *.bin, a known type, a tiny one, or another name. */
static void test_identify(void **state)
{
	unsigned char *noise = malloc(8192), *zeros = calloc(1, 8192);
	struct result r;
	size_t i;
	uint32_t x = 2463534242u;

	(void)state;
	assert_non_null(noise);
	assert_non_null(zeros);
	for (i = 0; i < 8192; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		noise[i] = (unsigned char)x;
	}
#define ID(file, mime, rule, data, len)                                     \
	(r = run_sized(file, mime, rule, data, len, len, NULL),             \
	 result_release(&r), r.identified)
	assert_true(ID("config.bin", NULL, NULL, zeros, 100));
	assert_true(ID("CONFIG.BIN", "text/plain", NULL, zeros, 10));
	assert_true(ID("blob", NULL, "zeus-binstorage", zeros, 100));
	assert_true(ID("cfg_b107.bin", NULL, NULL, noise, 8192));
	assert_true(ID("cfg_b107.bin", "application/octet-stream", NULL, noise,
	               2048));
	assert_false(ID("cfg_b107.bin", NULL, NULL, zeros, 8192));
	assert_false(ID("cfg_b107.bin", "application/gzip", NULL, noise, 8192));
	assert_false(ID("cfg_b107.bin", NULL, NULL, noise, 300));
	assert_false(ID("cfg_b107.dat", NULL, NULL, noise, 8192));
	assert_false(ID(NULL, NULL, NULL, noise, 8192));
	assert_false(ID("blob", NULL, "zeus-config", noise, 8192));
#undef ID
	/* claimed with no key: needs-key, as for any config.bin */
	r = run("cfg_b107.bin", noise, 8192, NULL);
	assert_string_equal(str(json_array_get(r.records, 0), "status"),
	                    "needs-key");
	result_release(&r);
	free(noise);
	free(zeros);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoded),
		cmocka_unit_test(test_hex_key),
		cmocka_unit_test(test_needs_key),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_injects_without_data),
		cmocka_unit_test(test_huge_file),
		cmocka_unit_test(test_identify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
