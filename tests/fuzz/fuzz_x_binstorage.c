/* fuzz_x_binstorage.c - the ZeuS config.bin extractor (zeus-binstorage) on
 * hostile bytes, twice: as a config.bin the run has a key for (the header,
 * the key check, the damage verdicts), and as the storage inside one: the
 * input is taken for the decrypted storage, its MD5 made right when its
 * size field allows, then visually encrypted and RC4-encrypted with the
 * key, so that the items, the UCL decompressor and the injects list see
 * the fuzzer's bytes.  It must never crash, must give exactly one record
 * of a known status, "key_used" exactly when it decoded, and must decode
 * every storage whose MD5 is right (a difference aborts). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/digest.h"
#include "custody/extractor.h"
#include "fuzz.h"

#define KEY "fuzz-key"

struct mem {
	const uint8_t *data;
	size_t len;
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

/* The status of the one record zeus-binstorage gives for DATA[0..LEN) as
 * a config.bin; aborts on anything but one well-formed record. */
static const char *extract(const uint8_t *data, size_t len, const json_t *known,
                           char *status, size_t size)
{
	const struct cust_extractor *x = cust_extractor_find("zeus-binstorage");
	struct mem m = { data, len };
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	struct cust_error err;
	const json_t *rec;
	const char *s;
	char *dump;
	int opened;

	if (!x || !out.records || !out.learned)
		abort();
	in.head = data;
	in.head_len = len < CUST_X_HEAD ? len : CUST_X_HEAD;
	in.size = len;
	in.name = "config.bin";
	in.pread = mem_pread;
	in.pctx = &m;
	if (x->identify(&in) != 1 || x->parse(&in, known, &out, &err) != 0 ||
	    json_array_size(out.records) != 1 ||
	    json_array_size(out.learned) != 0)
		abort();
	rec = json_array_get(out.records, 0);
	s = json_string_value(json_object_get(rec, "status"));
	if (!s)
		abort();
	opened = strcmp(s, "decoded") == 0 || strcmp(s, "partial") == 0;
	if (!opened && strcmp(s, "damaged") != 0 && strcmp(s, "wrong-key") != 0)
		abort();
	if (opened != (json_object_get(rec, "key_used") != NULL) ||
	    out.needs_knowledge)
		abort();
	dump = json_dumps(rec, JSON_COMPACT);
	if (!dump)
		abort();
	free(dump);
	snprintf(status, size, "%s", s);
	json_decref(out.records);
	json_decref(out.learned);
	return status;
}

static void rc4(uint8_t *b, size_t n, const char *key)
{
	size_t klen = strlen(key), p;
	uint8_t st[256], t;
	unsigned i, j = 0;

	for (i = 0; i < 256; i++)
		st[i] = (uint8_t)i;
	for (i = 0; i < 256; i++) {
		j = (j + st[i] + (uint8_t)key[i % klen]) & 255;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *known = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]",
	                          "kind", "key", "algorithm", "rc4", "value",
	                          "not the key", "kind", "key", "algorithm",
	                          "rc4", "value", KEY, "encoding", "text");
	char status[32];
	uint8_t *b;
	size_t i;
	uint32_t claimed = 0;

	if (!known)
		abort();
	/* the input as it would lie on a disk */
	extract(data, size, known, status, sizeof status);

	/* the input as the storage inside a config.bin */
	b = malloc(size ? size : 1);
	if (!b)
		abort();
	memcpy(b, data, size);
	if (size >= 48) {
		claimed = (uint32_t)b[20] | (uint32_t)b[21] << 8 |
		          (uint32_t)b[22] << 16 | (uint32_t)b[23] << 24;
		if (claimed >= 48 && claimed <= size &&
		    cust_digest_buffer(CUST_DIGEST_MD5, b + 48, claimed - 48,
		                       b + 32, NULL) < 0)
			abort();
	}
	for (i = 1; i < size; i++)
		b[i] ^= b[i - 1];
	rc4(b, size, KEY);
	extract(b, size, known, status, sizeof status);
	if (size >= 48 && claimed >= 48 && claimed <= size &&
	    strcmp(status, "decoded") != 0 && strcmp(status, "partial") != 0)
		abort(); /* a storage whose MD5 is right must open */
	free(b);
	json_decref(known);
	return 0;
}
