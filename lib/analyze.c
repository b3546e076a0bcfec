/* analyze.c - digests, type and targets of one content; see
 * include/custody/analyze.h. */
#include "custody/analyze.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "custody/digest.h"

/* ---- the type cache: open addressing on the SHA-256, replaced when full */

struct cache_slot {
	int used;
	unsigned char key[32];
	char mime[CUST_CLASSIFY_TEXT_MAX], description[CUST_CLASSIFY_TEXT_MAX];
};

struct cust_type_cache {
	pthread_mutex_t lock;
	struct cache_slot *slots;
	size_t n; /* a power of two */
	uint64_t hits;
};

struct cust_type_cache *cust_type_cache_new(size_t max_entries,
                                            struct cust_error *err)
{
	struct cust_type_cache *c = calloc(1, sizeof *c);
	size_t n = 16;

	while (n < max_entries && n < ((size_t)1 << 24))
		n <<= 1;
	if (c)
		c->slots = calloc(n, sizeof *c->slots);
	if (!c || !c->slots) {
		free(c);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	c->n = n;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void cust_type_cache_free(struct cust_type_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

uint64_t cust_type_cache_hits(const struct cust_type_cache *c)
{
	return c ? c->hits : 0;
}

/* The slot of KEY: a SHA-256 is already uniform, its first bytes index.
 * One probe only: a collision of indexes replaces the older type. */
static struct cache_slot *cache_slot(struct cust_type_cache *c,
                                     const unsigned char key[32])
{
	size_t i;

	memcpy(&i, key, sizeof i);
	return &c->slots[i & (c->n - 1)];
}

static int cache_get(struct cust_type_cache *c, const unsigned char key[32],
                     struct cust_analysis *r)
{
	struct cache_slot *s;
	int hit = 0;

	pthread_mutex_lock(&c->lock);
	s = cache_slot(c, key);
	if (s->used && memcmp(s->key, key, 32) == 0) {
		memcpy(r->mime, s->mime, sizeof r->mime);
		memcpy(r->description, s->description, sizeof r->description);
		c->hits++;
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void cache_put(struct cust_type_cache *c, const unsigned char key[32],
                      const struct cust_analysis *r)
{
	struct cache_slot *s;

	pthread_mutex_lock(&c->lock);
	s = cache_slot(c, key);
	s->used = 1;
	memcpy(s->key, key, 32);
	memcpy(s->mime, r->mime, sizeof s->mime);
	memcpy(s->description, r->description, sizeof s->description);
	pthread_mutex_unlock(&c->lock);
}

/* ---- the analyzer */

/* What the decoders do with the content being streamed (options.decode):
 * wait for its first bytes, decode it, or leave it to the archive walk. */
enum { DEC_OFF, DEC_ASK, DEC_ON, DEC_LEFT };

/* Bytes of a content's head that name it a compressed stream. */
#define MAGIC_BYTES 6

struct cust_analyzer {
	struct cust_analysis_options o;
	struct cust_classifier *classifier;
	int owns_classifier;
	struct cust_carver *carver;
	struct cust_decoder *decoder; /* with o.decode */
	int dec;                      /* DEC_*, for the content streamed */
	struct cust_analysis *r;      /* the analysis being streamed */
	EVP_MD_CTX *md5, *sha1, *sha256;
	unsigned char *head; /* lent to the analysis being streamed */
	size_t head_len;     /* of the content last streamed */
	struct cust_rules_scanner *scanner; /* with rules */
};

void cust_analyzer_free(struct cust_analyzer *a)
{
	if (!a)
		return;
	if (a->owns_classifier)
		cust_classifier_free(a->classifier);
	cust_carver_free(a->carver);
	cust_decoder_free(a->decoder);
	EVP_MD_CTX_free(a->md5);
	EVP_MD_CTX_free(a->sha1);
	EVP_MD_CTX_free(a->sha256);
	free(a->head);
	cust_rules_scanner_free(a->scanner);
	free(a);
}

static struct cust_analyzer *analyzer_new(const struct cust_analysis_options *o,
                                         struct cust_analyzer *types_from,
                                         struct cust_error *err)
{
	struct cust_analyzer *a = calloc(1, sizeof *a);

	if (!a) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	a->o = *o;
	if (o->types && types_from && types_from->classifier) {
		a->classifier = types_from->classifier;
	} else if (o->types) {
		a->classifier = cust_classifier_new(err);
		a->owns_classifier = a->classifier != NULL;
	}
	if ((o->types && !a->classifier) ||
	    (o->rules && !(a->scanner = cust_rules_scanner_new(o->rules, err))) ||
	    (o->carve && !(a->carver = cust_carver_new(o->carve, err)))) {
		cust_analyzer_free(a);
		return NULL;
	}
	if (o->carve && o->decode) {
		struct cust_decode_options dopt = { 0 };
		dopt.carve = o->carve;
		if (!(a->decoder = cust_decoder_new(&dopt, err))) {
			cust_analyzer_free(a);
			return NULL;
		}
	}
	a->md5 = EVP_MD_CTX_new();
	a->sha1 = EVP_MD_CTX_new();
	a->sha256 = EVP_MD_CTX_new();
	a->head = o->types || o->keep_head ? malloc(CUST_CLASSIFY_BYTES) : NULL;
	if (!a->md5 || !a->sha1 || !a->sha256 ||
	    ((o->types || o->keep_head) && !a->head)) {
		cust_analyzer_free(a);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	return a;
}

struct cust_analyzer *cust_analyzer_new(const struct cust_analysis_options *o,
                                        struct cust_error *err)
{
	return analyzer_new(o, NULL, err);
}

struct cust_analyzer *cust_analyzer_new_sharing(
	const struct cust_analysis_options *o, struct cust_analyzer *types_from,
	struct cust_error *err)
{
	return analyzer_new(o, types_from, err);
}

void cust_analysis_init(struct cust_analysis *r)
{
	memset(r, 0, sizeof *r);
}

void cust_analysis_clear(struct cust_analysis *r)
{
	free(r->found);
	free(r->held);
	free(r->text);
	free(r->rule_hits);
	cust_analysis_init(r);
}

/* Room for LEN more bytes of text in R. */
static int text_room(struct cust_analysis *r, size_t len,
                     struct cust_error *err)
{
	size_t cap;
	char *nt;

	if (r->text_cap - r->text_len >= len)
		return 0;
	cap = r->text_cap ? 2 * r->text_cap : 4096;
	while (cap - r->text_len < len)
		cap *= 2;
	nt = realloc(r->text, cap);
	if (!nt)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	r->text = nt;
	r->text_cap = cap;
	return 0;
}

/* P where R's text now lies, when P pointed into it at OLD (before the
 * text grew and perhaps moved); P itself otherwise. */
static const void *moved(const struct cust_analysis *r, const char *old,
                         size_t old_cap, const void *p)
{
	const char *c = p;

	if (old && c >= old && c < old + old_cap)
		return r->text + (c - old);
	return p;
}

/* Keep hit H in *V (of *N, room for *CAP) and R's text.  H's strings may
 * lie in that text (a held hit kept with the others): they are read from
 * where the text is once it has room. */
static int keep_hit(struct cust_analysis *r, struct cust_found **v, size_t *n,
                    size_t *cap, const struct cust_carve_hit *h,
                    struct cust_error *err)
{
	size_t plen = h->path ? strlen(h->path) + 1 : 0;
	size_t clen = h->context ? h->context_len : 0;
	const char *old = r->text, *value, *path;
	const unsigned char *context;
	size_t old_cap = r->text_cap;
	struct cust_found *f;

	if (r->nfound + r->nheld >= CUST_ANALYSIS_FOUND_MAX) {
		r->found_dropped++;
		return 0;
	}
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct cust_found *nf = realloc(*v, c * sizeof *nf);
		if (!nf)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		*v = nf;
		*cap = c;
	}
	if (text_room(r, h->value_len + 1 + plen + clen, err) < 0)
		return -1;
	value = moved(r, old, old_cap, h->value);
	path = h->path ? moved(r, old, old_cap, h->path) : NULL;
	context = clen ? moved(r, old, old_cap, h->context) : NULL;
	f = &(*v)[(*n)++];
	f->kind = h->kind;
	f->offset = h->offset;
	f->length = h->length;
	f->value = r->text_len;
	f->value_len = h->value_len;
	memcpy(r->text + r->text_len, value, h->value_len);
	r->text_len += h->value_len;
	r->text[r->text_len++] = '\0';
	f->path = SIZE_MAX;
	if (path) {
		f->path = r->text_len;
		memcpy(r->text + r->text_len, path, plen);
		r->text_len += plen;
	}
	f->context = r->text_len;
	f->context_len = clen;
	f->context_at = h->context ? h->context_at : 0;
	if (clen) {
		memcpy(r->text + r->text_len, context, clen);
		r->text_len += clen;
	}
	return 0;
}

/* The default sink: keep the target in the analysis. */
static int collect(void *ctx, const struct cust_carve_hit *h,
                   struct cust_error *err)
{
	struct cust_analysis *r = ctx;

	return keep_hit(r, &r->found, &r->nfound, &r->found_cap, h, err);
}

/* The type file(1) gives a content whose first bytes are H[0..LEN)
 * (MAGIC_BYTES at least) when they begin a compressed stream that the
 * decoders would start at offset 0 (decode.h: gzip's 1f 8b 08, bzip2's
 * "BZh1".."BZh9", xz's fd "7zXZ" 00; libmagic names each by those bytes
 * alone); NULL otherwise. */
static const char *compressed_type(const unsigned char *h, size_t len)
{
	if (len < MAGIC_BYTES)
		return NULL;
	if (h[0] == 0x1f && h[1] == 0x8b && h[2] == 8)
		return "application/gzip";
	if (memcmp(h, "BZh", 3) == 0 && h[3] >= '1' && h[3] <= '9')
		return "application/x-bzip2";
	if (memcmp(h, "\xfd" "7zXZ\0", MAGIC_BYTES) == 0)
		return "application/x-xz";
	return NULL;
}

/* Hits of decoded streams: held until the type says whether the archive
 * walk reads the content's members (opens_archive), else to the sink. */
static int decoded_hit(void *ctx, const struct cust_carve_hit *h,
                       struct cust_error *err)
{
	struct cust_analyzer *a = ctx;
	struct cust_analysis *r = a->r;

	if (a->o.opens_archive)
		return keep_hit(r, &r->held, &r->nheld, &r->held_cap, h, err);
	return r->sink(r->sink_ctx, h, err);
}

static void found_hit(const struct cust_analysis *r,
                      const struct cust_found *f, struct cust_carve_hit *h)
{
	memset(h, 0, sizeof *h);
	h->kind = f->kind;
	h->value = r->text + f->value;
	h->value_len = f->value_len;
	h->offset = f->offset;
	h->length = f->length;
	h->path = f->path == SIZE_MAX ? NULL : r->text + f->path;
	if (f->context_len) {
		h->context = (const unsigned char *)r->text + f->context;
		h->context_len = f->context_len;
		h->context_at = f->context_at;
	}
}

int cust_analysis_replay(const struct cust_analysis *r, cust_carve_hit_fn fn,
                         void *ctx, struct cust_error *err)
{
	size_t i;

	for (i = 0; i < r->nfound; i++) {
		struct cust_carve_hit h;
		found_hit(r, &r->found[i], &h);
		if (fn(ctx, &h, err) != 0)
			return -1;
	}
	return 0;
}

int cust_analyzer_begin(struct cust_analyzer *a, struct cust_analysis *r,
                        cust_carve_hit_fn sink, void *sink_ctx,
                        struct cust_error *err)
{
	unsigned d = a->o.digests;

	r->sink = sink ? sink : collect;
	r->sink_ctx = sink ? sink_ctx : r;
	r->head = a->head;
	r->head_len = 0;
	a->head_len = 0;
	r->bytes = 0;
	r->nheld = 0;
	a->r = r;
	if (a->carver)
		cust_carver_reset(a->carver);
	if (a->decoder) {
		cust_decoder_begin(a->decoder);
		r->decoded = 1;
		memset(&r->decode, 0, sizeof r->decode);
		/* whether the archive walk will read it is told by its
		 * first bytes: wait for them */
		a->dec = a->o.types && a->o.opens_archive && r->head ? DEC_ASK
		                                                      : DEC_ON;
	} else {
		a->dec = DEC_OFF;
	}
	if (((d & CUST_DIGEST_MD5) &&
	     !EVP_DigestInit_ex(a->md5, EVP_md5(), NULL)) ||
	    ((d & CUST_DIGEST_SHA1) &&
	     !EVP_DigestInit_ex(a->sha1, EVP_sha1(), NULL)) ||
	    ((d & CUST_DIGEST_SHA256) &&
	     !EVP_DigestInit_ex(a->sha256, EVP_sha256(), NULL)))
		return cust_error_set(err, CUST_E_IO, "cannot start the digests");
	return 0;
}

int cust_analyzer_feed(struct cust_analyzer *a, struct cust_analysis *r,
                       const void *buf, size_t len, struct cust_error *err)
{
	unsigned d = a->o.digests;

	if (r->head && r->head_len < CUST_CLASSIFY_BYTES) {
		size_t keep = CUST_CLASSIFY_BYTES - r->head_len;
		if (keep > len)
			keep = len;
		memcpy(r->head + r->head_len, buf, keep);
		r->head_len += keep;
	}
	if (((d & CUST_DIGEST_MD5) && !EVP_DigestUpdate(a->md5, buf, len)) ||
	    ((d & CUST_DIGEST_SHA1) && !EVP_DigestUpdate(a->sha1, buf, len)) ||
	    ((d & CUST_DIGEST_SHA256) &&
	     !EVP_DigestUpdate(a->sha256, buf, len)))
		return cust_error_set(err, CUST_E_IO, "cannot hash");
	if (a->carver &&
	    cust_carver_feed(a->carver, buf, len, r->sink, r->sink_ctx, err) < 0)
		return -1;
	if (a->dec == DEC_ASK && r->head_len >= MAGIC_BYTES) {
		/* a content the archive walk opens is decoded there, member
		 * by member: decoding it here too would be thrown away */
		const char *t = compressed_type(r->head, r->head_len);
		if (t && a->o.opens_archive(t)) {
			a->dec = DEC_LEFT;
		} else {
			a->dec = DEC_ON;
			/* the bytes that came before these, held in the head */
			if (r->bytes > 0 &&
			    cust_decoder_feed(a->decoder, r->head, (size_t)r->bytes,
			                      decoded_hit, a, err) < 0)
				return -1;
		}
	}
	if (a->dec == DEC_ON &&
	    cust_decoder_feed(a->decoder, buf, len, decoded_hit, a, err) < 0)
		return -1;
	r->bytes += len;
	return 0;
}

/* End the decoding of the content streamed: it is all in R's head when
 * HELD (it waited there). */
static int decode_end(struct cust_analyzer *a, struct cust_analysis *r,
                      int held, struct cust_error *err)
{
	if ((held && r->head_len > 0 &&
	     cust_decoder_feed(a->decoder, r->head, r->head_len, decoded_hit, a,
	                       err) < 0) ||
	    cust_decoder_end(a->decoder, decoded_hit, a, err) < 0)
		return -1;
	r->decode = *cust_decoder_stats(a->decoder);
	return 0;
}

static int finish_digest(EVP_MD_CTX *ctx, char *hex, struct cust_error *err)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!EVP_DigestFinal_ex(ctx, d, &len))
		return cust_error_set(err, CUST_E_IO, "cannot hash");
	cust_hex_encode(d, len, hex);
	return 0;
}

int cust_analyzer_end(struct cust_analyzer *a, struct cust_analysis *r,
                      const void *tail, size_t tail_len, uint64_t size,
                      struct cust_error *err)
{
	unsigned d = a->o.digests;
	unsigned char key[32];
	int have_key = 0;

	if (a->carver &&
	    cust_carver_end(a->carver, r->sink, r->sink_ctx, err) < 0)
		return -1;
	if (a->dec == DEC_ASK || a->dec == DEC_ON) {
		/* fewer than MAGIC_BYTES waited in the head */
		if (decode_end(a, r, a->dec == DEC_ASK, err) < 0)
			return -1;
		a->dec = DEC_ON;
	}
	if (((d & CUST_DIGEST_MD5) && finish_digest(a->md5, r->md5, err) < 0) ||
	    ((d & CUST_DIGEST_SHA1) &&
	     finish_digest(a->sha1, r->sha1, err) < 0) ||
	    ((d & CUST_DIGEST_SHA256) &&
	     finish_digest(a->sha256, r->sha256, err) < 0))
		return -1;
	if (a->o.types) {
		if (r->sha256[0] && a->o.cache &&
		    cust_hex_decode(r->sha256, key, sizeof key) == 0)
			have_key = 1;
		if (have_key && cache_get(a->o.cache, key, r)) {
			r->typed = 1;
		} else {
			if (tail_len > size - r->head_len)
				tail_len = (size_t)(size - r->head_len);
			if (cust_classify_file(a->classifier, r->head, r->head_len,
			                       tail, tail ? tail_len : 0,
			                       tail && tail_len ? size
			                                        : r->head_len,
			                       r->mime, r->description, err) < 0)
				return -1;
			r->typed = 1;
			if (have_key)
				cache_put(a->o.cache, key, r);
		}
	}
	if (a->dec == DEC_LEFT) {
		if (!(r->typed && a->o.opens_archive(r->mime)) &&
		    r->bytes <= r->head_len) {
			/* libmagic named it otherwise after all, and the
			 * head holds it whole: decoded now */
			if (decode_end(a, r, 1, err) < 0)
				return -1;
		} else {
			r->decode.left_to_archives = 1;
		}
	}
	a->head_len = r->head_len;
	r->head = NULL;
	/* the held hits: the members will carry them, or they are
	 * reported now */
	if (r->nheld > 0 &&
	    !(r->typed && a->o.opens_archive && a->o.opens_archive(r->mime))) {
		size_t i;
		for (i = 0; i < r->nheld; i++) {
			struct cust_carve_hit h;
			found_hit(r, &r->held[i], &h);
			if (r->sink(r->sink_ctx, &h, err) != 0)
				return -1;
		}
	}
	r->nheld = 0;
	return 0;
}

const unsigned char *cust_analyzer_head(const struct cust_analyzer *a,
                                        size_t *len)
{
	*len = a->head ? a->head_len : 0;
	return a->head;
}

/* A scan's own trouble (a timeout, a content that could not be read) is
 * a fact about that content; anything else stops the extraction. */
static int scanned(struct cust_analysis *r, int rc, size_t n, int truncated,
                   const struct cust_error *serr, struct cust_error *err)
{
	r->scanned = 1;
	r->nrule_hits = n;
	r->rule_hits_truncated = truncated;
	if (rc < 0 && serr->kind == CUST_E_INPUT) {
		snprintf(r->rules_error, sizeof r->rules_error, "%s",
		         serr->message);
		return 0;
	}
	if (rc < 0)
		*err = *serr;
	return rc;
}

/* The hits are allocated only with rules: an analysis is made and
 * cleared per file, and most runs have none. */
static int hits_room(struct cust_analysis *r, struct cust_error *err)
{
	if (!r->rule_hits &&
	    !(r->rule_hits = calloc(CUST_ANALYSIS_RULE_HITS_MAX,
	                            sizeof *r->rule_hits)))
		return cust_error_set(err, CUST_E_IO, "out of memory");
	return 0;
}

int cust_analyzer_scan(struct cust_analyzer *a, struct cust_analysis *r,
                       const void *buf, size_t len, struct cust_error *err)
{
	struct cust_error serr;
	size_t n = 0;
	int truncated = 0, rc;

	if (!a->scanner)
		return 0;
	if (hits_room(r, err) < 0)
		return -1;
	cust_error_clear(&serr);
	rc = cust_rules_scan(a->scanner, buf, len, r->rule_hits,
	                     CUST_ANALYSIS_RULE_HITS_MAX, &n, &truncated, &serr);
	return scanned(r, rc, n, truncated, &serr, err);
}

int cust_analyzer_scan_reader(struct cust_analyzer *a,
                              struct cust_analysis *r, uint64_t size,
                              cust_rules_pread_fn pread, void *ctx,
                              struct cust_error *err)
{
	struct cust_error serr;
	size_t n = 0;
	int truncated = 0, rc;

	if (!a->scanner)
		return 0;
	if (hits_room(r, err) < 0)
		return -1;
	cust_error_clear(&serr);
	rc = cust_rules_scan_reader(a->scanner, size, pread, ctx, r->rule_hits,
	                            CUST_ANALYSIS_RULE_HITS_MAX, &n, &truncated,
	                            &serr);
	return scanned(r, rc, n, truncated, &serr, err);
}

void cust_analysis_not_scanned(struct cust_analysis *r, const char *why)
{
	r->scanned = 1;
	snprintf(r->rules_error, sizeof r->rules_error, "%s", why);
}

int cust_analyze_carve(struct cust_analyzer *a, struct cust_analysis *r,
                       const void *buf, size_t len, struct cust_error *err)
{
	r->sink = collect;
	r->sink_ctx = r;
	if (!a->carver)
		return 0;
	cust_carver_reset(a->carver);
	if (cust_carver_feed(a->carver, buf, len, r->sink, r->sink_ctx, err) < 0 ||
	    cust_carver_end(a->carver, r->sink, r->sink_ctx, err) < 0)
		return -1;
	if (a->decoder) {
		/* slack is no content an archive reader opens: nothing held */
		cust_decoder_begin(a->decoder);
		if (cust_decoder_feed(a->decoder, buf, len, r->sink, r->sink_ctx,
		                      err) < 0 ||
		    cust_decoder_end(a->decoder, r->sink, r->sink_ctx, err) < 0)
			return -1;
		r->decoded = 1;
		r->decode = *cust_decoder_stats(a->decoder);
	}
	return 0;
}

int cust_analyze_buffer(struct cust_analyzer *a, struct cust_analysis *r,
                        const void *buf, size_t len, cust_carve_hit_fn sink,
                        void *sink_ctx, struct cust_error *err)
{
	const unsigned char *p = buf;
	size_t tail_len = 0;

	if (cust_analyzer_begin(a, r, sink, sink_ctx, err) < 0 ||
	    cust_analyzer_feed(a, r, buf, len, err) < 0)
		return -1;
	if (len > CUST_CLASSIFY_BYTES)
		tail_len = len - CUST_CLASSIFY_BYTES < CUST_CLASSIFY_BYTES
		                   ? len - CUST_CLASSIFY_BYTES
		                   : CUST_CLASSIFY_BYTES;
	if (cust_analyzer_end(a, r, p + len - tail_len, tail_len, len, err) < 0)
		return -1;
	return cust_analyzer_scan(a, r, buf, len, err);
}
