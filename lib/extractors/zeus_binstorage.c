/*
 * zeus_binstorage.c - the ZeuS 2.x builder's encrypted configuration
 * (config.bin, a "BinStorage").
 *
 * The builder "visually encrypts" the storage (each byte from the second
 * on XORed with the one before it, as already encrypted), then encrypts it
 * with RC4 under its encryption_key (config.txt's StaticConfig, which
 * zeus-config learns; a panel keeps it too).  Reading undoes RC4, then
 * XORs each byte, from the last down to the second, with the byte before
 * it, which gives, all little-endian:
 *   header  20 random bytes, u32 size (of the whole storage), u32 flags,
 *           u32 item count, the 16-byte MD5 of the size - 48 bytes after
 *           the header;
 *   items   u32 id, u32 flags, u32 stored size, u32 real size, then the
 *           stored bytes; flag 0x1: UCL NRV2B-compressed (the builder's
 *           UCL writes its bit buffer in 32-bit little-endian words,
 *           libucl's _le32; the 8-bit form is taken too), 0x10000000 an
 *           option, 0x20000000 a setting, 0x40000000 HTTP inject data.
 * The MD5 is what proves a key: every rc4 key of what is known is tried,
 * and the one whose MD5 matches opens the file ("key_used").  A key that
 * matches nothing is never taken for one that does: with no key known the
 * record is "needs-key"; with keys and no match "wrong-key" (nothing
 * decoded); a file cut short, or altered after it was built, whose header
 * or item chain one key makes whole is "damaged" (nothing decoded either,
 * since the MD5 cannot confirm it).
 *
 * Items, numbered as the ZeuS 2.0.8.9 builder and panel number them:
 *   20001 CFGID_LAST_VERSION        u32 a.b.c.d (a in the high byte): version
 *   20002 CFGID_LAST_VERSION_URL    the bot's download URL: c2 "loader"
 *   20003 CFGID_URL_SERVER_0        the gate: c2 "report"
 *   20004 CFGID_URL_ADV_SERVERS     multi-string of backup config URLs:
 *                                   c2 "config"
 *   20005 CFGID_HTTP_FILTER         multi-string of URL masks, '!' not
 *                                   logged, '@' screenshots:
 *                                   targets.web_filters (and exclusions)
 *   20006 CFGID_HTTP_POSTDATA_FILTER multi-string of (URL mask, fields)
 *                                   pairs: targets.web_data_filters
 *   20007 CFGID_HTTP_INJECTS_LIST   HttpInject headers (eight u16: flags,
 *                                   size, then the offsets in it of the URL
 *                                   mask, fake URL, POST black and white
 *                                   masks, block-on URL and context mask)
 *                                   with their strings; fakes (flag 0x1 or
 *                                   0x2) go to targets.web_fakes, injects
 *                                   (0x4) and captures (0x8) to
 *                                   targets.webinjects with the flags as
 *                                   the webinjects letters (G 0x40, P 0x20,
 *                                   L 0x8, F 0x200, H 0x100, D 0x10,
 *                                   I 0x1000, C 0x2000); other.injects is
 *                                   the number of entries
 *   20008 CFGID_DNS_LIST            kept with its strings, as are the ids
 *                                   later derivatives add (20009 on)
 * and the HTTP inject data of entry N (from 0) of the list is the item of
 * id N + 1 flagged 0x40000000: u16 size (with itself), u16 flags and the data, three
 * blocks (data_before, data_after, data_inject) an inject: a webinject's
 * "injects".  Every item is listed in other.items ({"id", "name", "flags",
 * "size", "real_size"}); those not mapped to a field, inject data among
 * them, keep their "strings": the first 64 runs of at least 4 printable
 * characters (of each block of inject data), each cut at 512, 4 MiB of
 * them at most in the record.
 *
 * Bounds: the file is read whole up to CUST_X_WHOLE_MAX; at most 256 keys
 * are tried, 100,000 items read; an item is decompressed only when it
 * claims at most CUST_X_WHOLE_MAX bytes, by libucl's safe decompressor
 * bound to that size, and only while the file's decompressed bytes stay
 * under four times that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <ucl/ucl.h>

#include "custody/digest.h"
#include "extractors.h"

#define NAME "zeus-binstorage"
#define FAMILY "zeus"

#define HEADER 48u      /* random[20], size, flags, count, md5[16] */
#define ITEM_HEADER 16u /* id, flags, stored size, real size */
#define KEYS_MAX 256u
#define ITEMS_MAX 100000u
#define REAL_MAX CUST_X_WHOLE_MAX
#define DECODED_MAX (4ull * CUST_X_WHOLE_MAX)
#define STRINGS_MAX 64u   /* kept of one item */
#define STRING_MIN 4u     /* printable characters in a row */
#define STRING_CUT 512u   /* longest string kept of an item */
#define STRINGS_BYTES_MAX (4u * 1024 * 1024) /* of all items' strings */
#define IDENTIFY_MIN 1024u /* bytes of head to judge a *.bin's entropy */

enum {
	ITEMF_COMPRESSED = 0x00000001u,
	ITEMF_IS_HTTP_INJECT = 0x40000000u,
};

enum {
	CFGID_LAST_VERSION = 20001,
	CFGID_LAST_VERSION_URL = 20002,
	CFGID_URL_SERVER_0 = 20003,
	CFGID_URL_ADV_SERVERS = 20004,
	CFGID_HTTP_FILTER = 20005,
	CFGID_HTTP_POSTDATA_FILTER = 20006,
	CFGID_HTTP_INJECTS_LIST = 20007,
};

/* HttpInject header flags */
enum {
	INJ_IS_FAKE = 0x0001,
	INJ_IS_MIRRORFAKE = 0x0002,
	INJ_IS_INJECT = 0x0004,
	INJ_IS_CAPTURE = 0x0008,
};

static const struct {
	unsigned bit;
	char letter;
} inject_letters[] = {
	{ 0x0040, 'G' }, { 0x0020, 'P' }, { 0x0008, 'L' }, { 0x0200, 'F' },
	{ 0x0100, 'H' }, { 0x0010, 'D' }, { 0x1000, 'I' }, { 0x2000, 'C' },
};

/* The names the ZeuS 2.0.8.9 builder and panel give the config ids, and
 * those later derivatives' panels add. */
static const char *cfgid_name(uint32_t id)
{
	static const char *const names[] = {
		"CFGID_LAST_VERSION", "CFGID_LAST_VERSION_URL",
		"CFGID_URL_SERVER_0", "CFGID_URL_ADV_SERVERS",
		"CFGID_HTTP_FILTER", "CFGID_HTTP_POSTDATA_FILTER",
		"CFGID_HTTP_INJECTS_LIST", "CFGID_DNS_LIST",
		"CFGID_DNS_FILTER", "CFGID_CMD_LIST",
		"CFGID_HTTP_MAGICURI_LIST", "CFGID_FILESEARCH_KEYWORDS",
		"CFGID_FILESEARCH_EXCLUDES_NAME", "CFGID_FILESEARCH_EXCLUDES_PATH",
		"CFGID_KEYLOGGER_PROCESSES", "CFGID_KEYLOGGER_TIME",
		"CFGID_FILESEARCH_MINYEAR",
	};

	if (id >= 20001 && id < 20001 + sizeof names / sizeof names[0])
		return names[id - 20001];
	if (id == 20101)
		return "CFGID_VIDEO_QUALITY";
	if (id == 20102)
		return "CFGID_VIDEO_LENGTH";
	return NULL;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* ---- RC4 (by hand: OpenSSL 3 keeps it in the legacy provider) ---------- */

struct rc4 {
	unsigned char s[256];
	unsigned i, j;
};

static void rc4_init(struct rc4 *r, const unsigned char *key, size_t len)
{
	unsigned i, j = 0;
	unsigned char t;

	for (i = 0; i < 256; i++)
		r->s[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		j = (j + r->s[i] + key[i % len]) & 255;
		t = r->s[i];
		r->s[i] = r->s[j];
		r->s[j] = t;
	}
	r->i = r->j = 0;
}

/* OUT[0..N) = IN[0..N) XOR the key stream (OUT may be IN). */
static void rc4_crypt(struct rc4 *r, const unsigned char *in,
                      unsigned char *out, size_t n)
{
	unsigned i = r->i, j = r->j;
	unsigned char t;
	size_t p;

	for (p = 0; p < n; p++) {
		i = (i + 1) & 255;
		j = (j + r->s[i]) & 255;
		t = r->s[i];
		r->s[i] = r->s[j];
		r->s[j] = t;
		out[p] = in[p] ^ r->s[(r->s[i] + r->s[j]) & 255];
	}
	r->i = i;
	r->j = j;
}

/* Undo the visual encryption of B[0..N). */
static void unvisual(unsigned char *b, size_t n)
{
	while (n-- > 1)
		b[n] ^= b[n - 1];
}

/* ---- identify ----------------------------------------------------------- */

/* 1 when the bytes look uniformly random (encrypted or compressed): their
 * index of coincidence, 256 * sum(count^2) / n^2, is at most 1.5 (1 for
 * uniform bytes, about 1.25 for 1 KiB of them; text is above 10). */
static int high_entropy(const unsigned char *p, size_t n)
{
	uint64_t count[256] = { 0 }, sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		count[p[i]]++;
	for (i = 0; i < 256; i++)
		sum += count[i] * count[i];
	return 256 * sum * 2 <= (uint64_t)n * n * 3;
}

/*
 * A config.bin by name (the builder's default), a file a YARA rule names
 * this extractor for, or a *.bin that looks like one: at least a header
 * and an item, at most what is decoded, of a type libmagic does not know,
 * with a head of at least 1 KiB that is uniformly random.  Any other *.bin
 * (firmware, images, data of every kind) is not claimed: a config.bin
 * renamed otherwise, or smaller than 1 KiB, needs a rule.
 */
static int identify(const struct cust_x_input *in)
{
	if (in->rule && strcmp(in->rule, NAME) == 0)
		return 1;
	if (in->name && strcasecmp(in->name, "config.bin") == 0)
		return 1;
	if (!cust_x_name_is(in->name, ".bin") ||
	    in->size < HEADER + ITEM_HEADER || in->size > CUST_X_WHOLE_MAX ||
	    in->head_len < IDENTIFY_MIN)
		return 0;
	if (in->mime && strcmp(in->mime, "application/octet-stream") != 0)
		return 0;
	return high_entropy(in->head, in->head_len);
}

/* ---- the keys known ----------------------------------------------------- */

struct key {
	const char *value; /* as known */
	int hex;
	unsigned char *bytes; /* owned when hex, else VALUE */
	size_t len;
};

struct keys {
	struct key k[KEYS_MAX];
	size_t n;
	size_t more; /* rc4 keys past KEYS_MAX, not tried */
};

static void keys_release(struct keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (ks->k[i].hex) {
			OPENSSL_cleanse(ks->k[i].bytes, ks->k[i].len);
			free(ks->k[i].bytes);
		}
	ks->n = 0;
}

/* Every rc4 key of KNOWN, once each; a hex value that is not hex is no
 * key.  -1 when out of memory. */
static int keys_collect(struct keys *ks, const json_t *known)
{
	const json_t *item;
	size_t i, j;

	memset(ks, 0, sizeof *ks);
	json_array_foreach(known, i, item) {
		const char *kind = json_string_value(json_object_get(item, "kind"));
		const char *alg =
			json_string_value(json_object_get(item, "algorithm"));
		const json_t *v = json_object_get(item, "value");
		const char *enc =
			json_string_value(json_object_get(item, "encoding"));
		struct key k = { 0 };

		if (!kind || strcmp(kind, "key") != 0 || !alg ||
		    strcasecmp(alg, "rc4") != 0 || !json_is_string(v) ||
		    json_string_length(v) == 0)
			continue;
		k.value = json_string_value(v);
		k.hex = enc && strcasecmp(enc, "hex") == 0;
		if (k.hex) {
			size_t hl = json_string_length(v);
			if (hl % 2 || strlen(k.value) != hl)
				continue;
			k.len = hl / 2;
			if (!(k.bytes = malloc(k.len)))
				return -1;
			if (cust_hex_decode(k.value, k.bytes, k.len) < 0) {
				free(k.bytes);
				continue;
			}
		} else {
			k.bytes = (unsigned char *)k.value;
			k.len = json_string_length(v);
		}
		for (j = 0; j < ks->n; j++)
			if (ks->k[j].len == k.len &&
			    memcmp(ks->k[j].bytes, k.bytes, k.len) == 0)
				break;
		if (j < ks->n || ks->n == KEYS_MAX) {
			ks->more += j == ks->n;
			if (k.hex) {
				OPENSSL_cleanse(k.bytes, k.len);
				free(k.bytes);
			}
			continue;
		}
		ks->k[ks->n++] = k;
	}
	return 0;
}

/* ---- opening the storage ------------------------------------------------ */

enum verdict {
	NONE,      /* no key opens it */
	PROVEN,    /* the MD5 matches */
	ALTERED,   /* a whole storage and item chain, the MD5 does not match */
	TRUNCATED, /* a header and items that fit, the rest missing */
};

struct storage {
	enum verdict verdict;
	size_t key;           /* the key of the verdict */
	unsigned char *plain; /* the storage decrypted, SIZE bytes (PROVEN) */
	uint32_t size, flags, count;
};

/* 1 when the items of PLAIN[HEADER..AVAIL) fit a storage of SIZE bytes
 * (each with an id, each within SIZE); with EXACT, when COUNT of them fill
 * it exactly. */
static int chain_fits(const unsigned char *plain, size_t avail, uint32_t size,
                      uint32_t count, int exact)
{
	size_t off = HEADER;
	uint32_t n = 0;

	while (off + ITEM_HEADER <= avail && (!exact || n < count)) {
		uint32_t stored = le32(plain + off + 8);
		if (le32(plain + off) == 0 || stored > size - off - ITEM_HEADER)
			return 0;
		off += ITEM_HEADER + stored;
		n++;
	}
	return !exact || (off == size && n == count);
}

/*
 * Try each key on CIPHER[0..LEN) (CUT: the file goes on past LEN): the
 * first whose MD5 matches opens it; failing that, the first that makes a
 * whole storage and item chain (altered) or a header and items that fit a
 * longer storage (truncated).  -1 with ERR when out of memory or the MD5
 * cannot be computed.
 */
static int storage_open(struct storage *st, const unsigned char *cipher,
                        size_t len, int cut, const struct keys *ks,
                        struct cust_error *err)
{
	unsigned char head[HEADER], md5[16];
	struct rc4 r;
	size_t k;

	memset(st, 0, sizeof *st);
	st->plain = malloc(len);
	if (!st->plain)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	for (k = 0; k < ks->n && st->verdict != PROVEN; k++) {
		uint32_t size, count;
		size_t n;

		rc4_init(&r, ks->k[k].bytes, ks->k[k].len);
		rc4_crypt(&r, cipher, head, HEADER);
		unvisual(head, HEADER);
		size = le32(head + 20);
		count = le32(head + 28);
		if (size < HEADER)
			continue;
		if (size > len && (cut || size > CUST_X_WHOLE_MAX ||
		                   count > (size - HEADER) / ITEM_HEADER ||
		                   st->verdict != NONE))
			continue;
		n = size <= len ? size : len;
		rc4_init(&r, ks->k[k].bytes, ks->k[k].len);
		rc4_crypt(&r, cipher, st->plain, n);
		unvisual(st->plain, n);
		if (size > len) {
			if (chain_fits(st->plain, len, size, count, 0)) {
				st->verdict = TRUNCATED;
				st->key = k;
				st->size = size;
			}
			continue;
		}
		if (cust_digest_buffer(CUST_DIGEST_MD5, st->plain + HEADER,
		                       size - HEADER, md5, err) < 0) {
			OPENSSL_cleanse(&r, sizeof r);
			free(st->plain);
			st->plain = NULL;
			return -1;
		}
		if (memcmp(md5, st->plain + 32, 16) == 0) {
			st->verdict = PROVEN;
		} else if (st->verdict == NONE &&
		           chain_fits(st->plain, size, size, count, 1)) {
			st->verdict = ALTERED;
		} else {
			continue;
		}
		st->key = k;
		st->size = size;
		st->flags = le32(head + 24);
		st->count = count;
	}
	OPENSSL_cleanse(&r, sizeof r);
	if (st->verdict != PROVEN) {
		free(st->plain);
		st->plain = NULL;
	}
	return 0;
}

/* ---- the items ---------------------------------------------------------- */

struct inject_data {
	uint32_t id;
	size_t seq;   /* its place among the inject data items */
	long injects; /* -1: malformed */
};

struct decoder {
	json_t *rec;
	uint64_t decoded;       /* bytes decompressed (or tried) */
	size_t strings_bytes;   /* of the items' strings kept */
	int strings_cut;        /* the strings past STRINGS_BYTES_MAX left out */
	unsigned char *list;    /* the injects list, owned */
	size_t list_len;
	struct inject_data *inj; /* the inject data items */
	size_t n_inj, cap_inj;
};

static json_t *other(json_t *rec)
{
	json_t *o = json_object_get(rec, "other");

	if (!o) {
		o = json_object();
		json_object_set_new(rec, "other", o);
	}
	return o;
}

/* Injects in the inject data P[0..N): its blocks by three; -1 when the
 * blocks do not fill it. */
static long count_injects(const unsigned char *p, size_t n)
{
	size_t off = 0;
	long blocks = 0;

	while (off < n) {
		unsigned size;
		if (n - off < 4)
			return -1;
		size = le16(p + off);
		if (size < 4 || size > n - off)
			return -1;
		off += size;
		blocks++;
	}
	return blocks % 3 ? -1 : blocks / 3;
}

static int printable(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t';
}

/* The runs of printable characters of P[0..N) appended to *LIST (made on
 * first use), while *KEPT, the strings of the item so far, is under
 * STRINGS_MAX. */
static void strings_add(struct decoder *d, json_t **list, size_t *kept,
                        const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && *kept < STRINGS_MAX && !d->strings_cut) {
		size_t start, len;
		while (i < n && !printable(p[i]))
			i++;
		for (start = i; i < n && printable(p[i]); i++)
			;
		if (i - start < STRING_MIN)
			continue;
		len = i - start < STRING_CUT ? i - start : STRING_CUT;
		if (d->strings_bytes + len > STRINGS_BYTES_MAX) {
			d->strings_cut = 1;
			cust_x_problem(d->rec, "the items' strings past %u bytes "
			               "are left out", STRINGS_BYTES_MAX);
			break;
		}
		if (!*list && !(*list = json_array()))
			return;
		json_array_append_new(*list,
		                      cust_x_string((const char *)p + start, len));
		d->strings_bytes += len;
		(*kept)++;
	}
}

/* The strings of the data P[0..N) of ITEM into its "strings": those of
 * each block of inject data (INJECT), or of the whole. */
static void item_strings(struct decoder *d, json_t *item, int inject,
                         const unsigned char *p, size_t n)
{
	json_t *list = NULL;
	size_t kept = 0, off = 0;

	if (!inject || count_injects(p, n) < 0) {
		strings_add(d, &list, &kept, p, n);
	} else {
		while (off < n) { /* whole blocks, as count_injects found */
			unsigned size = le16(p + off);
			strings_add(d, &list, &kept, p + off + 4, size - 4);
			off += size;
		}
	}
	if (list)
		json_object_set_new(item, "strings", list);
}

/* The string at the start of P[0..N), up to its NUL. */
static size_t string_len(const unsigned char *p, size_t n)
{
	const unsigned char *nul = memchr(p, 0, n);

	return nul ? (size_t)(nul - p) : n;
}

/* Call FN on each string of the multi-string P[0..N) (NUL-terminated
 * strings ended by an empty one). */
static void multi_string(const unsigned char *p, size_t n,
                         void (*fn)(struct decoder *, const char *, size_t,
                                    size_t),
                         struct decoder *d)
{
	size_t off = 0, index = 0;

	while (off < n) {
		size_t len = string_len(p + off, n - off);
		if (len == 0)
			break;
		fn(d, (const char *)p + off, len, index++);
		off += len + 1;
	}
}

static void adv_server(struct decoder *d, const char *s, size_t len,
                       size_t index)
{
	(void)index;
	cust_x_c2_url(d->rec, s, len, "config");
}

static void http_filter(struct decoder *d, const char *s, size_t len,
                        size_t index)
{
	const char *action = "log";

	(void)index;
	if (s[0] == '!' || s[0] == '@') {
		action = s[0] == '!' ? "exclude" : "screenshot";
		s++;
		len--;
	}
	cust_x_push(d->rec, "targets", "web_filters",
	            json_pack("{s:o, s:s}", "pattern", cust_x_string(s, len),
	                      "action", action));
	if (strcmp(action, "exclude") == 0)
		cust_x_push(d->rec, "targets", "exclusions", cust_x_string(s, len));
}

/* (URL mask, fields) pairs: a mask starts an entry, its fields end it. */
static void postdata_filter(struct decoder *d, const char *s, size_t len,
                            size_t index)
{
	json_t *list, *last;

	if (index % 2 == 0) {
		cust_x_push(d->rec, "targets", "web_data_filters",
		            json_pack("{s:o}", "pattern", cust_x_string(s, len)));
		return;
	}
	list = json_object_get(json_object_get(d->rec, "targets"),
	                       "web_data_filters");
	last = json_array_get(list, json_array_size(list) - 1);
	if (last && !json_object_get(last, "fields"))
		json_object_set_new(last, "fields", cust_x_string(s, len));
}

static void inject_data(struct decoder *d, uint32_t id,
                        const unsigned char *p, size_t n)
{
	if (d->n_inj == d->cap_inj) {
		size_t cap = d->cap_inj ? d->cap_inj * 2 : 64;
		struct inject_data *g = realloc(d->inj, cap * sizeof *g);
		if (!g)
			return;
		d->inj = g;
		d->cap_inj = cap;
	}
	d->inj[d->n_inj].id = id;
	d->inj[d->n_inj].seq = d->n_inj;
	d->inj[d->n_inj].injects = count_injects(p, n);
	d->n_inj++;
}

/* By id, then (for sorting) in the order of the storage. */
static int inject_id_cmp(const void *a, const void *b)
{
	const struct inject_data *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int inject_cmp(const void *a, const void *b)
{
	const struct inject_data *x = a, *y = b;
	int c = inject_id_cmp(a, b);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The string at OFF of an injects-list entry E of SIZE bytes, or NULL when
 * OFF is 0. */
static const char *entry_string(const unsigned char *e, unsigned size,
                                unsigned off, size_t *len)
{
	if (off == 0)
		return NULL;
	*len = string_len(e + off, size - off);
	return (const char *)e + off;
}

/* The host of a URL pattern: after "scheme://", up to '/', '?' or ':'. */
static void host_of(const char *url, size_t len, size_t *start, size_t *n)
{
	size_t i = 0, s;

	for (s = 0; s + 2 < len; s++)
		if (url[s] == ':' && url[s + 1] == '/' && url[s + 2] == '/') {
			i = s + 3;
			break;
		}
	s = i;
	while (i < len && url[i] != '/' && url[i] != '?' && url[i] != ':')
		i++;
	*start = s;
	*n = i - s;
}

/* The injects list, once every item has been read: webinjects with the
 * injects of their data items, and fakes. */
static void injects_list(struct decoder *d)
{
	const unsigned char *p = d->list;
	size_t n = d->list_len, off = 0, index = 0;

	if (d->n_inj) /* d->inj is NULL without them */
		qsort(d->inj, d->n_inj, sizeof *d->inj, inject_cmp);
	while (off < n) {
		const unsigned char *e = p + off;
		unsigned flags, size, field[6], i;
		const char *url, *fake;
		size_t ul = 0, fl = 0, hs, hl;
		char letters[sizeof inject_letters / sizeof inject_letters[0] + 1];
		size_t nl = 0;
		json_t *entry;

		if (n - off < 16) {
			cust_x_problem(d->rec, "the injects list ends in %zu bytes "
			               "that are no entry", n - off);
			break;
		}
		flags = le16(e);
		size = le16(e + 2);
		if (size < 16 || size > n - off) {
			cust_x_problem(d->rec, "injects list entry %zu claims %u "
			               "bytes, %zu remain: the rest not read",
			               index, size, n - off);
			break;
		}
		for (i = 0; i < 6; i++) {
			field[i] = le16(e + 4 + 2 * i);
			if (field[i] != 0 && (field[i] < 16 || field[i] >= size))
				break;
		}
		if (i < 6 || field[0] == 0) {
			cust_x_problem(d->rec, "injects list entry %zu has a string "
			               "outside it: the rest not read", index);
			break;
		}
		url = entry_string(e, size, field[0], &ul);
		fake = entry_string(e, size, field[1], &fl);
		for (i = 0; i < sizeof inject_letters / sizeof inject_letters[0];
		     i++)
			if (flags & inject_letters[i].bit)
				letters[nl++] = inject_letters[i].letter;
		letters[nl] = '\0';
		if (flags & (INJ_IS_FAKE | INJ_IS_MIRRORFAKE)) {
			entry = json_pack("{s:o, s:s}", "pattern",
			                  cust_x_string(url, ul), "flags", letters);
			if (entry && fake)
				json_object_set_new(entry, "fake",
				                    cust_x_string(fake, fl));
			cust_x_push(d->rec, "targets", "web_fakes", entry);
		} else {
			struct inject_data key = { (uint32_t)index + 1, 0, 0 };
			struct inject_data *data =
				d->n_inj ? bsearch(&key, d->inj, d->n_inj,
				                   sizeof *d->inj, inject_id_cmp)
				         : NULL;
			/* bsearch may land on any of an id: take the first */
			while (data && data > d->inj && data[-1].id == key.id)
				data--;
			host_of(url, ul, &hs, &hl);
			entry = json_pack("{s:o, s:s, s:o}", "pattern",
			                  cust_x_string(url, ul), "flags", letters,
			                  "host", cust_x_string(url + hs, hl));
			if (entry && data && data->injects >= 0)
				json_object_set_new(entry, "injects",
				                    json_integer(data->injects));
			else if (data)
				cust_x_problem(d->rec, "the inject data of webinject "
				               "%zu (item id %zu) is not whole blocks",
				               index, index + 1);
			else if (flags & (INJ_IS_INJECT | INJ_IS_CAPTURE))
				cust_x_problem(d->rec, "webinject %zu has no inject "
				               "data (item id %zu)", index, index + 1);
			cust_x_push(d->rec, "targets", "webinjects", entry);
		}
		off += size;
		index++;
	}
	json_object_set_new(other(d->rec), "injects",
	                    json_integer((json_int_t)index));
}

/* The data of item N: its stored bytes, or them decompressed into *OWNED.
 * NULL (a problem noted) when there is none to read. */
static const unsigned char *item_data(struct decoder *d, uint32_t n,
                                      uint32_t id, uint32_t flags,
                                      const unsigned char *stored,
                                      uint32_t stored_len, uint32_t real,
                                      size_t *len, unsigned char **owned)
{
	ucl_uint out;
	int r;

	*owned = NULL;
	*len = stored_len;
	if (!(flags & ITEMF_COMPRESSED)) {
		if (real != stored_len)
			cust_x_problem(d->rec, "item %u (id %u) is stored in %u "
			               "bytes but claims %u", n, id, stored_len, real);
		return stored;
	}
	if (real > REAL_MAX) {
		cust_x_problem(d->rec, "item %u (id %u) claims a real size of %u "
		               "bytes, more than the %u custody decompresses: not "
		               "decompressed", n, id, real, REAL_MAX);
		return NULL;
	}
	if (d->decoded + real > DECODED_MAX) {
		cust_x_problem(d->rec, "item %u (id %u) would take the bytes "
		               "decompressed from the file past %llu: not "
		               "decompressed", n, id, DECODED_MAX);
		return NULL;
	}
	*len = real;
	if (real == 0)
		return stored;
	/* each try is charged, so that data failing late costs what it reads */
	d->decoded += real;
	if (!(*owned = malloc(real))) {
		cust_x_problem(d->rec, "item %u (id %u): out of memory", n, id);
		return NULL;
	}
	/* the builder's bit buffer is 32-bit little-endian; libucl's own
	 * default is 8-bit: the safe decompressors, bound to REAL bytes */
	out = real;
	r = ucl_nrv2b_decompress_safe_le32(stored, stored_len, *owned, &out,
	                                   NULL);
	if (r == UCL_E_OK && out == real)
		return *owned;
	if (d->decoded + real <= DECODED_MAX) {
		d->decoded += real;
		out = real;
		r = ucl_nrv2b_decompress_safe_8(stored, stored_len, *owned, &out,
		                                NULL);
		if (r == UCL_E_OK && out == real)
			return *owned;
	}
	free(*owned);
	*owned = NULL;
	if (stored_len == real) /* flagged, but stored as it was */
		return stored;
	cust_x_problem(d->rec, "item %u (id %u): its UCL data does not "
	               "decompress to the %u bytes it claims", n, id, real);
	return NULL;
}

/* Item N, with its header's ID, FLAGS, sizes and STORED bytes. */
static void item(struct decoder *d, uint32_t n, uint32_t id, uint32_t flags,
                 const unsigned char *stored, uint32_t stored_len,
                 uint32_t real)
{
	const char *name = (flags & ITEMF_IS_HTTP_INJECT) ? NULL : cfgid_name(id);
	const unsigned char *p;
	unsigned char *owned;
	size_t len;
	int mapped = 1;
	json_t *e;

	e = json_pack("{s:I, s:I, s:I, s:I}", "id", (json_int_t)id, "flags",
	              (json_int_t)flags, "size", (json_int_t)stored_len,
	              "real_size", (json_int_t)real);
	if (e && name)
		json_object_set_new(e, "name", json_string(name));
	p = item_data(d, n, id, flags, stored, stored_len, real, &len, &owned);
	if (p && (flags & ITEMF_IS_HTTP_INJECT)) {
		inject_data(d, id, p, len);
		mapped = 0;
	} else if (p) {
		switch (id) {
		case CFGID_LAST_VERSION:
			if (len >= 4 && !json_object_get(d->rec, "version")) {
				char v[32];
				uint32_t x = le32(p);
				int k = snprintf(v, sizeof v, "%u.%u.%u.%u", x >> 24,
				                 x >> 16 & 255, x >> 8 & 255, x & 255);
				if (k > 0 && (size_t)k < sizeof v)
					cust_x_set(d->rec, "version", v, (size_t)k);
			}
			break;
		case CFGID_LAST_VERSION_URL:
		case CFGID_URL_SERVER_0:
			if (string_len(p, len))
				cust_x_c2_url(d->rec, (const char *)p,
				              string_len(p, len),
				              id == CFGID_URL_SERVER_0 ? "report"
				                                       : "loader");
			break;
		case CFGID_URL_ADV_SERVERS:
			multi_string(p, len, adv_server, d);
			break;
		case CFGID_HTTP_FILTER:
			multi_string(p, len, http_filter, d);
			break;
		case CFGID_HTTP_POSTDATA_FILTER:
			multi_string(p, len, postdata_filter, d);
			break;
		case CFGID_HTTP_INJECTS_LIST:
			if (d->list) {
				cust_x_problem(d->rec, "item %u is a second injects "
				               "list: its strings kept", n);
				mapped = 0;
			} else if (owned) {
				d->list = owned;
				d->list_len = len;
				owned = NULL;
			} else if (len && (d->list = malloc(len))) {
				memcpy(d->list, p, len);
				d->list_len = len;
			}
			break;
		default:
			mapped = 0;
		}
	}
	if (p && !mapped && e)
		item_strings(d, e, (flags & ITEMF_IS_HTTP_INJECT) != 0, p, len);
	free(owned);
	cust_x_push(d->rec, "other", "items", e);
}

/* Every item of the storage ST. */
static void decode(struct decoder *d, const struct storage *st)
{
	const unsigned char *plain = st->plain;
	size_t off = HEADER;
	uint32_t n = 0;
	int stopped = 0;

	/* ucl_init checks that libucl matches its header; it keeps no state
	 * but a flag it sets to 1, so it is safe to call on every parse, from
	 * any thread */
	if (ucl_init() != UCL_E_OK) {
		cust_x_problem(d->rec, "libucl does not match its header: "
		               "compressed items not decompressed");
	}
	while (n < st->count && off < st->size) {
		uint32_t id, flags, stored, real;

		if (n == ITEMS_MAX) {
			cust_x_problem(d->rec, "more than %u items: the rest not "
			               "read", ITEMS_MAX);
			stopped = 1;
			break;
		}
		if (st->size - off < ITEM_HEADER) {
			cust_x_problem(d->rec, "item %u: its header is cut by the end "
			               "of the storage", n);
			stopped = 1;
			break;
		}
		id = le32(plain + off);
		flags = le32(plain + off + 4);
		stored = le32(plain + off + 8);
		real = le32(plain + off + 12);
		if (stored > st->size - off - ITEM_HEADER) {
			cust_x_problem(d->rec, "item %u (id %u) claims %u bytes, "
			               "%zu remain in the storage: the rest not read",
			               n, id, stored, st->size - off - ITEM_HEADER);
			stopped = 1;
			break;
		}
		item(d, n, id, flags, plain + off + ITEM_HEADER, stored, real);
		off += ITEM_HEADER + stored;
		n++;
	}
	if (!stopped && n < st->count)
		cust_x_problem(d->rec, "the header claims %u items, the storage "
		               "holds %u", st->count, n);
	else if (!stopped && off < st->size)
		cust_x_problem(d->rec, "%zu bytes after the last of the %u items",
		               st->size - off, n);
	if (d->list)
		injects_list(d);
	if (st->flags)
		json_object_set_new(other(d->rec), "storage_flags",
		                    json_integer(st->flags));
}

/* ---- parse -------------------------------------------------------------- */

static void set_status(json_t *rec, const char *status)
{
	json_object_set_new(rec, "status", json_string(status));
}

static int parse(const struct cust_x_input *in, const json_t *known,
                 struct cust_x_output *out, struct cust_error *err)
{
	struct keys *ks = NULL;
	struct storage st = { 0 };
	struct decoder d = { 0 };
	unsigned char *data = NULL;
	size_t len = 0;
	int cut = 0, rc = -1;
	json_t *rec = cust_x_record(FAMILY, NAME, "config");

	if (!rec || !(ks = malloc(sizeof *ks))) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	ks->n = 0;
	if (in->size < HEADER) {
		set_status(rec, "damaged");
		cust_x_problem(rec, "%llu bytes: shorter than the %u-byte header "
		               "of a BinStorage", (unsigned long long)in->size,
		               HEADER);
		goto done;
	}
	if (keys_collect(ks, known) < 0) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (ks->n == 0) {
		set_status(rec, "needs-key");
		cust_x_problem(rec, "no rc4 key is known to open it (the "
		               "builder's encryption_key)");
		out->needs_knowledge = 1;
		goto done;
	}
	if (cust_x_slurp(in, CUST_X_WHOLE_MAX, &data, &len, &cut, err) < 0)
		goto out;
	if (len < HEADER) {
		set_status(rec, "damaged");
		cust_x_problem(rec, "%zu bytes could be read: shorter than the "
		               "%u-byte header of a BinStorage", len, HEADER);
		goto done;
	}
	if (storage_open(&st, data, len, cut, ks, err) < 0)
		goto out;
	free(data);
	data = NULL;
	switch (st.verdict) {
	case NONE:
		set_status(rec, "wrong-key");
		json_object_set_new(other(rec), "keys_tried",
		                    json_integer((json_int_t)ks->n));
		cust_x_problem(rec, "none of the %zu rc4 keys known opens it: "
		               "with each the MD5 of the storage does not match%s",
		               ks->n, cut ? " (only its first 16 MiB were read)"
		                          : "");
		if (ks->more)
			cust_x_problem(rec, "%zu more rc4 keys known were not tried",
			               ks->more);
		break;
	case TRUNCATED:
		set_status(rec, "damaged");
		cust_x_problem(rec, "truncated: rc4 key %zu of %zu makes a header "
		               "of a storage of %u bytes, of which the file has "
		               "%zu; the MD5 cannot confirm the key without the "
		               "rest: nothing decoded", st.key + 1, ks->n, st.size,
		               len);
		break;
	case ALTERED:
		set_status(rec, "damaged");
		cust_x_problem(rec, "rc4 key %zu of %zu makes a whole storage of "
		               "%u bytes and %u items, but its MD5 does not match "
		               "the header's: altered or corrupted after it was "
		               "built; nothing decoded", st.key + 1, ks->n,
		               st.size, st.count);
		break;
	case PROVEN:
		d.rec = rec;
		decode(&d, &st);
		json_object_set_new(rec, "key_used",
		                    json_pack("{s:s, s:s, s:s}", "algorithm", "rc4",
		                              "value", ks->k[st.key].value,
		                              "encoding",
		                              ks->k[st.key].hex ? "hex" : "text"));
		if (cut)
			cust_x_problem(rec, "the file is %llu bytes, after the "
			               "storage's %u: the rest not read",
			               (unsigned long long)in->size, st.size);
		else if (st.size < len)
			cust_x_problem(rec, "%zu bytes after the storage's %u: not "
			               "part of it", len - st.size, st.size);
		if (json_object_get(rec, "problems"))
			set_status(rec, "partial");
		break;
	}
done:
	json_array_append_new(out->records, rec);
	rec = NULL;
	rc = 0;
out:
	json_decref(rec);
	if (ks) {
		keys_release(ks);
		free(ks);
	}
	free(data);
	free(st.plain);
	free(d.list);
	free(d.inj);
	return rc;
}

const struct cust_extractor cust_x_zeus_binstorage = {
	NAME, FAMILY,
	"ZeuS 2.x encrypted configuration (config.bin, BinStorage): opened "
	"with a known RC4 key proven by its MD5; C&C URLs, HTTP filters, "
	"webinjects and fakes, every item",
	identify, parse
};
