/* decode.c - compressed and encoded streams at any offset, decoded and
 * carved; see include/custody/decode.h. */
#include "custody/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <libdeflate.h>
#include <lzma.h>
#include <zlib.h>

#include "custody/archive.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

#define DECODER_MAGIC 0x6465636fu

enum {
	CHUNK = 128 << 10,    /* bytes a window takes before it is scanned */
	LOOK = 4096,          /* bytes after a marker needed to judge it */
	LEFT = 4096,          /* bytes before the scan point a marker reads */
	/* the window keeps LEFT bytes before the scan point, and the bytes
	 * from the oldest waiting marker, which is at most HOLD before it */
	WIN_CAP = CUST_DECODE_HOLD + LEFT + LOOK + CHUNK,
	OUT = 64 << 10,       /* decoded bytes handed on at a time */
	/* a deflate stream wholly at hand that gives at most FAST_OUT is
	 * inflated at once (libdeflate) into FAST_OUT bytes, or, a gzip
	 * stream whose last bytes say it gives more, into as many as that
	 * up to FAST_MAX: at most CUST_ARCHIVE_EXPANDED_FLOOR, so that no
	 * stream's own bound can stop it */
	FAST_OUT = 256 << 10,
	FAST_MAX = 1 << 20,
	SUB = 1024,           /* bytes scanned per batch of markers */
	CANDS = 4 * SUB,
	PCT_RUN_MAX = 4096,   /* bytes of a percent-encoded run */
	EDITS_MAX = 1 << 16,
	B64_LINE_MIN = 60,
	B64_LINE_MAX = 76,
	URI_MIN = 16
};

enum end_how { END_OK, END_DAMAGED, END_BOMB };

/* A marker: where it was met (KEY, for the order), where its stream
 * begins, what it is. */
struct cand {
	uint64_t key, at;
	enum cust_decode_kind kind;
	unsigned arg;   /* ZIP: header bytes; BASE64: 1 = a one-line URI */
	uint64_t left;  /* ZIP: compressed bytes, UINT64_MAX unknown */
	int stored;     /* ZIP: method 0 */
};

/* The stream decoded from a level into the next. */
struct stream {
	int on;
	enum cust_decode_kind kind;
	uint64_t start, pos; /* in the level: first byte, next byte to take */
	uint64_t out;        /* bytes given */
	uint64_t skip;       /* ZIP header bytes still to pass */
	uint64_t left;       /* ZIP: compressed bytes left, UINT64_MAX unknown */
	int stored;          /* ZIP method 0 */
	int z_on, bz_on, xz_on;
	int stepped;         /* bytes were handed to its decoder */
	z_stream z;
	bz_stream bz;
	lzma_stream xz;
	/* text decoders */
	uint32_t acc;
	int nbits, nl, pad, oneline, state;
	unsigned char held; /* UTF-16: first byte of a pair; QP/%: a hex */
	int have_held;
	size_t run;         /* PERCENT: bytes taken */
	/* QP, PERCENT: output offsets of bytes an escape or a join made */
	uint64_t *edits;
	size_t nedits;
	int edits_over;
};

struct cust_decoder;

struct level {
	struct cust_decoder *d;
	unsigned depth;
	unsigned char *win;
	size_t win_len, scan;
	uint64_t win_off;
	uint64_t skip_until;
	struct cand pend[CUST_DECODE_PENDING];
	size_t npend;
	/* lines: base64 runs and MIME headers */
	uint64_t line_start;
	uint64_t run_start;
	unsigned run_lines;
	int run_emitted;
	int mime; /* 0, or 1 + the kind a header declared, to its blank line */
	uint64_t last_end;  /* where the last stream stopped */
	struct cand *cands; /* CANDS, met in one batch */
	struct cust_carver *carver; /* depth >= 1 */
	struct stream s;            /* into the next level */
	unsigned char *out;         /* OUT bytes for S */
	unsigned char *fast;        /* fast_cap bytes, made when needed */
	size_t fast_cap;
	size_t out_len;
	/* forensic path of this level's bytes (depth >= 1) */
	uint64_t top;
	char prefix[CUST_DECODE_PATH_MAX];
	size_t prefix_len;
};

struct cust_decoder {
	unsigned magic;
	struct cust_decode_options o;
	unsigned depth_max;
	struct level *lv; /* depth_max + 1 */
	uint64_t fed, expanded;
	int total_blown;
	int failed;
	int avx2; /* the CPU has AVX2: markers looked for 32 bytes at a time */
	struct libdeflate_decompressor *ld; /* made when first needed */
	struct cust_decode_stats st;
	signed char b64v[256];
	unsigned char urlc[256];
	cust_carve_hit_fn fn;
	void *ctx;
	struct cust_error *err;
};

static void init_tables(signed char *b64v, unsigned char *urlc)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char u[] = "-._~:/?#[]@!$&'()*+,;=%";
	int i;

	for (i = 0; i < 256; i++) {
		b64v[i] = -1;
		urlc[i] = (unsigned char)((i >= '0' && i <= '9') ||
		                          (i >= 'a' && i <= 'z') ||
		                          (i >= 'A' && i <= 'Z') ||
		                          (i && strchr(u, i)));
	}
	for (i = 0; i < 64; i++)
		b64v[(unsigned char)a[i]] = (signed char)i;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int text16(int c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

const char *cust_decode_kind_name(enum cust_decode_kind k)
{
	static const char *const names[CUST_DECODE_NKINDS] = {
		"GZIP", "ZLIB", "PDF", "ZIP", "BZIP2", "XZ", "LZMA", "BASE64",
		"QP", "PERCENT", "UTF16"
	};

	return (unsigned)k < CUST_DECODE_NKINDS ? names[k] : NULL;
}

int cust_decode_path_container(const char *path)
{
	static const char *const c[] = { "-GZIP-", "-ZIP-", "-BZIP2-", "-XZ-",
		                         "-LZMA-" };
	size_t i;

	if (!path)
		return 0;
	for (i = 0; i < sizeof c / sizeof c[0]; i++)
		if (strncmp(path, c[i], strlen(c[i])) == 0)
			return 1;
	return 0;
}

/* ---- streams ------------------------------------------------------------ */

static int level_push(struct cust_decoder *d, struct level *L,
                      const unsigned char *p, size_t n);
static int level_end(struct cust_decoder *d, struct level *L);

static void stream_release(struct stream *s)
{
	if (s->z_on)
		inflateEnd(&s->z);
	if (s->bz_on)
		BZ2_bzDecompressEnd(&s->bz);
	if (s->xz_on)
		lzma_end(&s->xz);
	free(s->edits);
	memset(s, 0, sizeof *s);
}

static uint64_t total_allowed(const struct cust_decoder *d)
{
	uint64_t a = d->fed > UINT64_MAX / d->o.expand_ratio
	             ? UINT64_MAX : d->fed * d->o.expand_ratio;

	if (a < CUST_ARCHIVE_EXPANDED_FLOOR)
		a = CUST_ARCHIVE_EXPANDED_FLOOR;
	return a > d->o.max_expanded ? d->o.max_expanded : a;
}

static void note_bomb(struct cust_decoder *d, struct level *L)
{
	const struct level *c = L + 1;
	size_t n = strlen(c->prefix);

	d->st.bombs++;
	if (!d->st.first_bomb[0] && n > 0) {
		int w = snprintf(d->st.first_bomb, sizeof d->st.first_bomb,
		                 "%llu%.*s", (unsigned long long)c->top,
		                 (int)(n - 1), c->prefix);
		if (w < 0 || (size_t)w >= sizeof d->st.first_bomb)
			d->st.first_bomb[0] = '\0';
	}
}


/* Whether an escape or a join made a byte of [FROM, FROM + LEN) of S's
 * output. */
static int edited(const struct stream *s, uint64_t from, uint64_t len)
{
	size_t lo = 0, hi = s->nedits;

	if (s->edits_over && s->nedits > 0 &&
	    from + len > s->edits[s->nedits - 1])
		return 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->edits[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nedits && s->edits[lo] < from + len;
}

/* DST, of room CAP and LEN bytes, with the N bytes at S after them and a
 * NUL: its new length, 0 when that does not fit.  (Forensic paths are
 * made for every hit of a decoded stream: no printf.) */
static size_t append(char *dst, size_t len, size_t cap, const char *s,
                     size_t n)
{
	if (len >= cap || n >= cap - len)
		return 0;
	memcpy(dst + len, s, n);
	dst[len + n] = '\0';
	return len + n;
}

/* The same with V in decimal. */
static size_t append_u64(char *dst, size_t len, size_t cap, uint64_t v)
{
	char t[20];
	size_t n = sizeof t;

	do {
		t[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return append(dst, len, cap, t + n, sizeof t - n);
}

/* A hit in the decoded bytes of level C: its forensic path. */
static int level_hit(void *ctx, const struct cust_carve_hit *hit,
                     struct cust_error *err)
{
	struct level *c = ctx;
	struct cust_decoder *d = c->d;
	const struct stream *s = &(c - 1)->s;
	char path[CUST_DECODE_PATH_MAX + 24];
	struct cust_carve_hit h = *hit;
	size_t n;

	if ((s->kind == CUST_DECODE_QP || s->kind == CUST_DECODE_PERCENT) &&
	    !edited(s, hit->offset, hit->length))
		return 0;
	n = append(path, 0, sizeof path, c->prefix, c->prefix_len);
	if (n == 0 || append_u64(path, n, sizeof path, hit->offset) == 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "forensic path of a decoded hit too long");
	h.offset = c->top;
	h.path = path;
	return d->fn(d->ctx, &h, err);
}

/* Hand LEN decoded bytes of L's stream to the next level, carved and
 * scanned: 0, 1 when a bound stopped the stream (what fitted was handed
 * on), -1 on a failure. */
static int emit(struct cust_decoder *d, struct level *L,
                const unsigned char *p, size_t len)
{
	struct stream *s = &L->s;
	struct level *c = L + 1;
	uint64_t took = s->pos - s->start, allow, total;
	int stop = 0;

	if (len == 0)
		return 0;
	allow = took > (UINT64_MAX - CUST_ARCHIVE_EXPANDED_FLOOR) /
	                       d->o.expand_ratio
	        ? UINT64_MAX
	        : CUST_ARCHIVE_EXPANDED_FLOOR + took * d->o.expand_ratio;
	total = total_allowed(d);
	if (s->out + len > allow) {
		len = s->out < allow ? (size_t)(allow - s->out) : 0;
		stop = 1;
	}
	if (d->expanded + len > total) {
		len = d->expanded < total ? (size_t)(total - d->expanded) : 0;
		stop = 1;
		d->total_blown = 1;
	}
	if (len > 0) {
		if (s->out == 0)
			d->st.streams[s->kind]++;
		s->out += len;
		d->expanded += len;
		d->st.bytes[s->kind] += len;
		if (cust_carver_feed(c->carver, p, len, level_hit, c, d->err) < 0 ||
		    level_push(d, c, p, len) < 0)
			return -1;
	}
	if (stop) {
		note_bomb(d, L);
		return 1;
	}
	return 0;
}

/* One decoded byte of a text decoder. */
static int put(struct cust_decoder *d, struct level *L, unsigned char b)
{
	int rc = 0;

	L->out[L->out_len++] = b;
	if (L->out_len == OUT) {
		rc = emit(d, L, L->out, L->out_len);
		L->out_len = 0;
	}
	return rc;
}

/* The next output byte was made by an escape or a join. */
static void mark(struct level *L)
{
	struct stream *s = &L->s;
	uint64_t at = s->out + L->out_len;

	if (s->nedits > 0 && s->edits[s->nedits - 1] == at)
		return;
	if (s->nedits == EDITS_MAX) {
		s->edits_over = 1;
		return;
	}
	if (!s->edits && !(s->edits = malloc(EDITS_MAX * sizeof *s->edits))) {
		s->edits_over = 1; /* hits reported rather than lost */
		return;
	}
	s->edits[s->nedits++] = at;
}

/* ---- one step of a stream: take bytes P[0..N) (s->pos moves on), set
 * *HOW when the stream ends; 0 or -1 on a failure */

/* After one call of a decompressor that took USED bytes and gave GOT
 * bytes of L->out: those bytes handed on, and whether the step is over.
 * END is how the decompressor said the stream ended (END_BOMB: its own
 * memory bound), or -1 when it goes on; STARVED, that it took all the
 * input with room left.  1 when the step is over (*HOW set when the
 * stream ended), 0 to call it again, -1 on a failure. */
static int after_call(struct cust_decoder *d, struct level *L, size_t used,
                      size_t got, int end, int starved, int *how)
{
	int r;

	L->s.pos += used;
	if ((r = emit(d, L, L->out, got)) < 0)
		return -1;
	if (r == 1) {
		*how = END_BOMB;
		return 1;
	}
	if (end >= 0) {
		if (end == END_BOMB)
			note_bomb(d, L);
		*how = end;
		return 1;
	}
	return starved || got + used == 0;
}

static int step_zlib(struct cust_decoder *d, struct level *L,
                     const unsigned char *p, size_t n, int *how)
{
	z_stream *z = &L->s.z;
	int r = 0;

	z->next_in = (Bytef *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	while (r == 0) {
		uInt in0 = z->avail_in;
		int rc;

		z->next_out = L->out;
		z->avail_out = OUT;
		rc = inflate(z, Z_NO_FLUSH);
		r = after_call(d, L, in0 - z->avail_in, OUT - z->avail_out,
		               rc == Z_STREAM_END                 ? END_OK
		               : rc != Z_OK && rc != Z_BUF_ERROR ? END_DAMAGED
		                                                  : -1,
		               z->avail_in == 0 && z->avail_out != 0, how);
	}
	return r < 0 ? -1 : 0;
}

static int step_bzip2(struct cust_decoder *d, struct level *L,
                      const unsigned char *p, size_t n, int *how)
{
	bz_stream *z = &L->s.bz;
	int r = 0;

	z->next_in = (char *)(uintptr_t)p;
	z->avail_in = (unsigned)n;
	while (r == 0) {
		unsigned in0 = z->avail_in;
		int rc;

		z->next_out = (char *)L->out;
		z->avail_out = OUT;
		rc = BZ2_bzDecompress(z);
		r = after_call(d, L, in0 - z->avail_in, OUT - z->avail_out,
		               rc == BZ_STREAM_END ? END_OK
		               : rc != BZ_OK       ? END_DAMAGED
		                                   : -1,
		               z->avail_in == 0 && z->avail_out != 0, how);
	}
	return r < 0 ? -1 : 0;
}

static int step_lzma(struct cust_decoder *d, struct level *L,
                     const unsigned char *p, size_t n, int *how)
{
	lzma_stream *z = &L->s.xz;
	int r = 0;

	z->next_in = p;
	z->avail_in = n;
	while (r == 0) {
		size_t in0 = z->avail_in;
		lzma_ret rc;

		z->next_out = L->out;
		z->avail_out = OUT;
		rc = lzma_code(z, LZMA_RUN);
		r = after_call(d, L, in0 - z->avail_in, OUT - z->avail_out,
		               rc == LZMA_STREAM_END        ? END_OK
		               : rc == LZMA_MEMLIMIT_ERROR  ? END_BOMB
		               : rc != LZMA_OK && rc != LZMA_BUF_ERROR ? END_DAMAGED
		                                                        : -1,
		               z->avail_in == 0 && z->avail_out != 0, how);
	}
	return r < 0 ? -1 : 0;
}

static int step_stored(struct cust_decoder *d, struct level *L,
                       const unsigned char *p, size_t n, int *how)
{
	struct stream *s = &L->s;
	int r;

	s->pos += n;
	if ((r = emit(d, L, p, n)) < 0)
		return -1;
	if (r == 1)
		*how = END_BOMB;
	return 0;
}

/* Text decoders: byte by byte; *HOW = END_OK before the byte that ends
 * them (not taken). */
static int step_text(struct cust_decoder *d, struct level *L,
                     const unsigned char *p, size_t n, int *how)
{
	struct stream *s = &L->s;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0 && *how < 0; i++) {
		unsigned char c = p[i];
		int v;

		switch (s->kind) {
		case CUST_DECODE_BASE64:
			if ((v = d->b64v[c]) >= 0) {
				if (s->pad) {
					*how = END_OK;
					break;
				}
				s->nl = 0;
				s->acc = (s->acc << 6) | (uint32_t)v;
				s->nbits += 6;
				if (s->nbits >= 8) {
					s->nbits -= 8;
					r = put(d, L, (unsigned char)(s->acc >> s->nbits));
				}
			} else if (c == '=') {
				s->pad = 1;
				s->nbits = 0;
			} else if (c == '\r' && !s->oneline) {
				;
			} else if (c == '\n' && !s->oneline && ++s->nl < 2) {
				;
			} else {
				*how = END_OK;
			}
			break;
		case CUST_DECODE_QP:
			/* state: 0 text, 1 '=', 2 '=' and a hex digit, 3 "=\r",
			 * 4 a line's start, 5 a line's start and '-' */
			switch (s->state) {
			case 1:
				if (hexv(c) >= 0) {
					s->held = c;
					s->state = 2;
				} else if (c == '\n') {
					mark(L);
					s->state = 0;
				} else if (c == '\r') {
					s->state = 3;
				} else {
					r = put(d, L, '=');
					if (r == 0)
						r = put(d, L, c);
					s->state = 0;
				}
				break;
			case 2:
				if ((v = hexv(c)) >= 0) {
					mark(L);
					r = put(d, L, (unsigned char)(hexv(s->held) * 16 + v));
				} else {
					r = put(d, L, '=');
					if (r == 0)
						r = put(d, L, s->held);
					if (r == 0)
						r = put(d, L, c);
				}
				s->state = 0;
				break;
			case 3:
				if (c == '\n')
					mark(L);
				s->state = 0;
				break;
			case 5:
				if (c == '-') {
					*how = END_OK;
					break;
				}
				r = put(d, L, '-');
				s->state = 0;
				/* fall through */
			default:
				if (s->state == 4 && c == '-') {
					s->state = 5;
				} else if (c == '=') {
					s->state = 1;
				} else {
					if (r == 0)
						r = put(d, L, c);
					s->state = c == '\n' ? 4 : 0;
				}
				break;
			}
			break;
		case CUST_DECODE_PERCENT:
			if (++s->run > PCT_RUN_MAX || !d->urlc[c]) {
				*how = END_OK;
				break;
			}
			if (s->state == 1) {
				if (hexv(c) >= 0) {
					s->held = c;
					s->state = 2;
					break;
				}
				r = put(d, L, '%');
				s->state = 0;
			} else if (s->state == 2) {
				v = hexv(s->held) * 16 + hexv(c);
				s->state = 0;
				if (hexv(c) >= 0 && v >= 0x20 && v < 0x7f) {
					mark(L);
					r = put(d, L, (unsigned char)v);
				} else {
					r = put(d, L, '%');
					if (r == 0)
						r = put(d, L, s->held);
					if (r == 0 && c != '%')
						r = put(d, L, c);
					else if (c == '%')
						s->state = 1;
				}
				break;
			}
			if (r != 0)
				break;
			if (c == '%')
				s->state = 1;
			else
				r = put(d, L, c);
			break;
			case CUST_DECODE_UTF16LE:
			if (!s->have_held) {
				s->held = c;
				s->have_held = 1;
				break;
			}
			s->have_held = 0;
			{
				unsigned char ch = s->held, z = c;
				if (z != 0 || !text16(ch)) {
					/* the pair's first byte was taken;
					 * UTF-16BE's last character too */
					if (z != 0 && text16(ch))
						r = put(d, L, ch);
					s->pos += i;
					*how = r == 1 ? END_BOMB : END_OK;
					return r < 0 ? -1 : 0;
				}
				r = put(d, L, ch);
			}
			break;
		default:
			*how = END_DAMAGED;
			break;
		}
	}
	if (*how >= 0 && i > 0)
		i--; /* the byte that ended it is not taken */
	s->pos += i;
	if (r < 0)
		return -1;
	if (r == 1)
		*how = END_BOMB;
	return 0;
}

/* ---- a level's stream --------------------------------------------------- */

static void level_reset(struct level *L)
{
	L->win_len = 0;
	L->scan = 0;
	L->win_off = 0;
	L->skip_until = 0;
	L->npend = 0;
	L->line_start = 0;
	L->run_start = 0;
	L->run_lines = 0;
	L->run_emitted = 0;
	L->mime = 0;
	L->last_end = 0;
	L->out_len = 0;
}

static int settle(struct cust_decoder *d, struct level *L, int final);

static int stream_finish(struct cust_decoder *d, struct level *L, int how)
{
	struct stream *s = &L->s;
	struct level *c = L + 1;
	int rc = 0;

	if (L->out_len > 0 && how != END_BOMB) {
		int r = emit(d, L, L->out, L->out_len);
		if (r < 0)
			rc = -1;
		else if (r == 1)
			how = END_BOMB;
	}
	L->out_len = 0;
	if (rc == 0 && s->out > 0) {
		if (cust_carver_end(c->carver, level_hit, c, d->err) < 0 ||
		    level_end(d, c) < 0)
			rc = -1;
	} else {
		cust_carver_reset(c->carver);
		level_reset(c);
	}
	if (how != END_DAMAGED && s->pos > L->skip_until)
		L->skip_until = s->pos;
	if (how == END_DAMAGED && s->out > 0)
		d->st.damaged++;
	L->last_end = s->pos;
	stream_release(s);
	return rc;
}

/* A deflate stream (GZIP, ZLIB, PDF, a deflated ZIP member) whose bytes
 * are all at hand, P[0..N) (the level's last), inflated at once by
 * libdeflate, which is about twice as fast as zlib's inflate: 1 when it
 * was (*HOW set), 0 when zlib's inflate must (a stream that does not end
 * in P, is damaged, or gives more than the room: at most that much
 * inflated for nothing; a gzip stream that ends P and says it gives more
 * than FAST_MAX is not tried), -1 on a failure.  What follows is exactly
 * what zlib's inflate gives, step_zlib: the same bytes handed on in the
 * same pieces of OUT, so the same bounds met at the same points; a stream
 * stopped by the bound of all streams is inflated again by zlib to the
 * piece that stopped it, to learn where zlib stood. */
static uint32_t le32(const unsigned char *p);

_Static_assert(FAST_MAX <= CUST_ARCHIVE_EXPANDED_FLOOR,
               "a stream inflated at once never meets its own bound");

static int fast_inflate(struct cust_decoder *d, struct level *L,
                        const unsigned char *p, size_t n, int *how)
{
	struct stream *s = &L->s;
	size_t used = 0, got = 0, off, pieces = 0, room = FAST_OUT;
	enum libdeflate_result r;

	if (n < 10 || (s->kind == CUST_DECODE_GZIP && (p[3] & 2)))
		return 0; /* zlib checks a header CRC, libdeflate does not */
	if (!d->ld && !(d->ld = libdeflate_alloc_decompressor()))
		return 0;
	if (s->kind == CUST_DECODE_GZIP) {
		/* a gzip file's size, when the stream ends with the bytes
		 * (a guess otherwise: a matter of speed only) */
		uint32_t size = le32(p + n - 4);
		if (size > FAST_MAX)
			return 0;
		if (size > room) {
			room = ((size_t)size + FAST_OUT - 1) / FAST_OUT * FAST_OUT;
			if (room > FAST_MAX) /* that is, the bound */
				room = FAST_MAX;
		}
	}
	if (L->fast_cap < room) {
		unsigned char *f = realloc(L->fast, room);
		if (!f)
			return 0;
		L->fast = f;
		L->fast_cap = room;
	}
	switch (s->kind) {
	case CUST_DECODE_GZIP:
		r = libdeflate_gzip_decompress_ex(d->ld, p, n, L->fast, room,
		                                  &used, &got);
		break;
	case CUST_DECODE_ZLIB:
	case CUST_DECODE_PDF:
		r = libdeflate_zlib_decompress_ex(d->ld, p, n, L->fast, room,
		                                  &used, &got);
		break;
	default:
		r = libdeflate_deflate_decompress_ex(d->ld, p, n, L->fast, room,
		                                     &used, &got);
		break;
	}
	if (r != LIBDEFLATE_SUCCESS)
		return 0;
	for (off = 0; off < got; off += OUT, pieces++) {
		size_t k = got - off < OUT ? got - off : OUT;
		int e = emit(d, L, L->fast + off, k);
		if (e < 0)
			return -1;
		if (e == 1) {
			/* where zlib's inflate stood after this piece */
			z_stream z;
			size_t i;
			memset(&z, 0, sizeof z);
			if (inflateInit2(&z, s->kind == CUST_DECODE_GZIP ? 16 + 15
			                     : s->kind == CUST_DECODE_ZIP ? -15
			                                                  : 15) != Z_OK)
				return cust_error_set(d->err, CUST_E_IO,
				                      "out of memory for an "
				                      "inflater");
			z.next_in = (Bytef *)(uintptr_t)p;
			z.avail_in = (uInt)n;
			for (i = 0; i <= pieces; i++) {
				z.next_out = L->out;
				z.avail_out = OUT;
				if (inflate(&z, Z_NO_FLUSH) != Z_OK)
					break;
			}
			s->pos += n - z.avail_in;
			inflateEnd(&z);
			*how = END_BOMB;
			return 1;
		}
	}
	s->pos += used;
	*how = END_OK;
	return 1;
}

/* Feed L's stream the bytes of the window it has not taken; FINAL: none
 * will follow. */
static int run(struct cust_decoder *d, struct level *L, int final)
{
	struct stream *s = &L->s;

	while (s->on) {
		size_t at = (size_t)(s->pos - L->win_off);
		size_t n = L->win_len - at;
		const unsigned char *p = L->win + at;
		uint64_t pos0 = s->pos, pos1;
		int how = -1, rc = 0;

		if (s->skip > 0) {
			size_t k = s->skip < n ? (size_t)s->skip : n;
			s->skip -= k;
			s->pos += k;
			p += k;
			n -= k;
		}
		pos1 = s->pos;
		if (s->left != UINT64_MAX && n > s->left)
			n = (size_t)s->left;
		if (n > 0 && s->skip == 0) {
			int fast = 0;
			/* before its first step, when its bytes are all
			 * at hand: libdeflate */
			if (final && !s->stepped && s->z_on &&
			    (fast = fast_inflate(d, L, p, n, &how)) < 0)
				return -1;
			s->stepped = 1;
			switch (fast ? CUST_DECODE_NKINDS : s->kind) {
			case CUST_DECODE_NKINDS:
				break;
			case CUST_DECODE_GZIP:
			case CUST_DECODE_ZLIB:
			case CUST_DECODE_PDF:
				rc = step_zlib(d, L, p, n, &how);
				break;
			case CUST_DECODE_ZIP:
				rc = s->stored ? step_stored(d, L, p, n, &how)
				               : step_zlib(d, L, p, n, &how);
				break;
			case CUST_DECODE_BZIP2:
				rc = step_bzip2(d, L, p, n, &how);
				break;
			case CUST_DECODE_XZ:
			case CUST_DECODE_LZMA:
				rc = step_lzma(d, L, p, n, &how);
				break;
			default:
				rc = step_text(d, L, p, n, &how);
				break;
			}
			if (rc < 0)
				return -1;
		}
		if (s->left != UINT64_MAX) {
			uint64_t took = s->pos - pos1;
			s->left = took < s->left ? s->left - took : 0;
			if (how < 0 && s->left == 0 && s->skip == 0)
				how = s->stored ? END_OK : END_DAMAGED;
		}
		if (how < 0 && final && s->pos >= L->win_off + L->win_len) {
			/* the bytes ended first: a compressed stream was cut
			 * short, a text run simply ends */
			switch (s->kind) {
			case CUST_DECODE_GZIP: case CUST_DECODE_ZLIB:
			case CUST_DECODE_PDF: case CUST_DECODE_BZIP2:
			case CUST_DECODE_XZ: case CUST_DECODE_LZMA:
				how = END_DAMAGED;
				break;
			case CUST_DECODE_ZIP:
				how = s->stored ? END_OK : END_DAMAGED;
				break;
			default:
				how = END_OK;
				break;
			}
		}
		if (how >= 0) {
			if (stream_finish(d, L, how) < 0)
				return -1;
			return settle(d, L, final);
		}
		if (s->pos >= L->win_off + L->win_len || s->pos == pos0)
			break;
	}
	return 0;
}

static int start(struct cust_decoder *d, struct level *L,
                 const struct cand *k, int final)
{
	struct stream *s = &L->s;
	struct level *c = L + 1;
	const char *name = cust_decode_kind_name(k->kind);
	size_t n = 0, cap = sizeof c->prefix;
	int ok = 0;

	/* "-NAME-" at depth 0, else L's with where this one begins */
	if (L->depth == 0) {
		c->top = k->at;
	} else {
		c->top = L->top;
		n = append(c->prefix, 0, cap, L->prefix, L->prefix_len);
		if (n > 0)
			n = append_u64(c->prefix, n, cap, k->at);
	}
	if (L->depth == 0 || n > 0)
		n = append(c->prefix, n, cap, "-", 1);
	if (n > 0)
		n = append(c->prefix, n, cap, name, strlen(name));
	if (n > 0)
		n = append(c->prefix, n, cap, "-", 1);
	if (n == 0) {
		c->prefix[0] = '\0';
		c->prefix_len = 0;
		d->st.missed++;
		return 0;
	}
	c->prefix_len = n;
	memset(s, 0, sizeof *s);
	s->kind = k->kind;
	s->start = s->pos = k->at;
	s->left = UINT64_MAX;
	switch (k->kind) {
	case CUST_DECODE_GZIP:
	case CUST_DECODE_ZLIB:
	case CUST_DECODE_PDF:
		ok = inflateInit2(&s->z, k->kind == CUST_DECODE_GZIP ? 16 + 15
		                                                      : 15) == Z_OK;
		s->z_on = ok;
		break;
	case CUST_DECODE_ZIP:
		s->skip = k->arg;
		s->left = k->left;
		s->stored = k->stored;
		ok = s->stored || (s->z_on = inflateInit2(&s->z, -15) == Z_OK);
		break;
	case CUST_DECODE_BZIP2:
		ok = s->bz_on = BZ2_bzDecompressInit(&s->bz, 0, 0) == BZ_OK;
		break;
	case CUST_DECODE_XZ:
	case CUST_DECODE_LZMA: {
		lzma_stream init = LZMA_STREAM_INIT;
		s->xz = init;
		ok = (k->kind == CUST_DECODE_XZ
		      ? lzma_stream_decoder(&s->xz, CUST_DECODE_LZMA_MEMORY, 0)
		      : lzma_alone_decoder(&s->xz, CUST_DECODE_LZMA_MEMORY)) ==
		     LZMA_OK;
		s->xz_on = ok;
		break;
	}
	case CUST_DECODE_BASE64:
		s->oneline = (int)k->arg;
		ok = 1;
		break;
	case CUST_DECODE_QP:
		s->state = 4;
		ok = 1;
		break;
	default:
		ok = 1;
		break;
	}
	if (!ok) {
		stream_release(s);
		return cust_error_set(d->err, CUST_E_IO,
		                      "out of memory for a %s decoder", name);
	}
	s->on = 1;
	cust_carver_reset(c->carver);
	level_reset(c);
	return run(d, L, final);
}

/* Start the markers that waited, in order. */
static int settle(struct cust_decoder *d, struct level *L, int final)
{
	while (!L->s.on && L->npend > 0) {
		struct cand k = L->pend[0];

		L->npend--;
		memmove(L->pend, L->pend + 1, L->npend * sizeof k);
		if (k.at < L->skip_until)
			continue;
		if (d->total_blown || k.at + CUST_DECODE_HOLD < L->last_end ||
		    k.at < L->win_off) {
			d->st.missed++;
			continue;
		}
		if (start(d, L, &k, final) < 0)
			return -1;
	}
	return 0;
}

static int handle(struct cust_decoder *d, struct level *L,
                  const struct cand *k, int final)
{
	const struct stream *s = &L->s;

	if (d->total_blown || k->at < L->skip_until)
		return 0;
	if (L->depth >= d->depth_max) {
		d->st.too_deep++;
		return 0;
	}
	if (s->on) {
		if (k->kind == s->kind && k->at >= s->start && k->at < s->pos)
			return 0; /* the run being decoded */
		if (L->npend < CUST_DECODE_PENDING)
			L->pend[L->npend++] = *k;
		else
			d->st.missed++;
		return 0;
	}
	return start(d, L, k, final);
}

/* ---- markers ------------------------------------------------------------ */

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static void add(struct cand *v, size_t *n, uint64_t key, uint64_t at,
                enum cust_decode_kind kind)
{
	struct cand *k;

	if (*n >= CANDS)
		return;
	k = &v[(*n)++];
	memset(k, 0, sizeof *k);
	k->key = key;
	k->at = at;
	k->kind = kind;
}

/* A binary or percent marker at B[I]? */
static void bin_at(const struct cust_decoder *d, const struct level *L,
                   size_t i, struct cand *v, size_t *n)
{
	const unsigned char *b = L->win + i;
	size_t avail = L->win_len - i;
	uint64_t at = L->win_off + i;

	switch (b[0]) {
	case 0x1f:
		if (avail >= 10 && b[1] == 0x8b && b[2] == 8 && (b[3] & 0xe0) == 0)
			add(v, n, at, at, CUST_DECODE_GZIP);
		break;
	case 0x78:
		if (avail >= 3 && (b[1] == 0x01 || b[1] == 0x5e || b[1] == 0x9c ||
		                   b[1] == 0xda) && ((b[2] >> 1) & 3) != 3) {
			int pdf = (i >= 7 && memcmp(b - 7, "stream", 6) == 0 &&
			           (b[-1] == '\n' || b[-1] == '\r')) ||
			          (i >= 8 && memcmp(b - 8, "stream\r\n", 8) == 0);
			add(v, n, at, at, pdf ? CUST_DECODE_PDF : CUST_DECODE_ZLIB);
		}
		break;
	case 'P':
		if (avail >= 30 && b[1] == 'K' && b[2] == 3 && b[3] == 4 &&
		    b[4] < 100 && !(le16(b + 6) & 1) &&
		    (le16(b + 8) == 0 || le16(b + 8) == 8)) {
			uint32_t flags = le16(b + 6), csize = le32(b + 18);
			uint32_t usize = le32(b + 22);
			int stored = le16(b + 8) == 0;
			if (stored && ((flags & 8) || csize != usize ||
			               csize == 0xffffffffu || csize == 0))
				break;
			if (*n < CANDS) {
				add(v, n, at, at, CUST_DECODE_ZIP);
				v[*n - 1].arg = 30 + le16(b + 26) + le16(b + 28);
				v[*n - 1].stored = stored;
				v[*n - 1].left = stored || (csize && csize != 0xffffffffu &&
				                            !(flags & 8))
				                 ? csize : UINT64_MAX;
			}
		}
		break;
	case 'B':
		if (avail >= 10 && memcmp(b, "BZh", 3) == 0 && b[3] >= '1' &&
		    b[3] <= '9' && memcmp(b + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0)
			add(v, n, at, at, CUST_DECODE_BZIP2);
		break;
	case 0xfd:
		if (avail >= 12 && memcmp(b, "\xfd" "7zXZ\0\0", 7) == 0 &&
		    (b[7] == 0 || b[7] == 1 || b[7] == 4 || b[7] == 10))
			add(v, n, at, at, CUST_DECODE_XZ);
		break;
	case 0x5d:
		if (avail >= 13 && b[1] == 0) {
			uint32_t dict = le32(b + 1);
			uint64_t size = (uint64_t)le32(b + 5) |
			                (uint64_t)le32(b + 9) << 32;
			int bit = 31 - __builtin_clz(dict | 1);
			uint32_t rest = dict - (1u << bit);
			if (bit >= 16 && bit <= 26 &&
			    (rest == 0 || rest == 1u << (bit - 1)) &&
			    (size == UINT64_MAX || size < ((uint64_t)1 << 38)))
				add(v, n, at, at, CUST_DECODE_LZMA);
		}
		break;
	case '%':
		if (avail >= 3 && hexv(b[1]) >= 0 && hexv(b[2]) >= 0) {
			int c = hexv(b[1]) * 16 + hexv(b[2]);
			size_t j = i;
			if (c != '@' && c != ':' && c != '/' && c != '.')
				break;
			while (j > 0 && i - j < PCT_RUN_MAX / 2 &&
			       d->urlc[L->win[j - 1]])
				j--;
			add(v, n, at, L->win_off + j, CUST_DECODE_PERCENT);
		}
		break;
	case ';':
		if (avail >= 8 + URI_MIN && memcmp(b, ";base64,", 8) == 0) {
			size_t k;
			for (k = 8; k < 8 + URI_MIN && d->b64v[b[k]] >= 0; k++)
				;
			if (k == 8 + URI_MIN && *n < CANDS) {
				add(v, n, at, at + 8, CUST_DECODE_BASE64);
				v[*n - 1].arg = 1;
			}
		}
		break;
	default:
		break;
	}
}

/* UTF-16 text around B[H..H+8), whose bytes alternate text and NUL? */
static void utf16_at(const struct level *L, size_t h, struct cand *v,
                     size_t *n)
{
	const unsigned char *b = L->win;
	size_t end = L->win_len, c0, c, steps, chars = 0;

	c0 = b[h] == 0 ? h + 1 : h;
	if (c0 + 1 >= end || !text16(b[c0]) || b[c0 + 1] != 0)
		return;
	/* back to the run's first character (the hint is the first 8
	 * bytes wholly inside a run: a few steps at most) */
	for (steps = 0; steps < 16 && c0 >= 2 && b[c0 - 1] == 0 &&
	                text16(b[c0 - 2]); steps++)
		c0 -= 2;
	for (c = c0; c + 1 < end && text16(b[c]) && b[c + 1] == 0 &&
	             chars < CUST_DECODE_UTF16_MIN; c += 2)
		chars++;
	if (chars < CUST_DECODE_UTF16_MIN)
		return;
	/* "a\0b\0c\0" (UTF-16LE) and "\0a\0b\0c" (UTF-16BE) are the same
	 * run read from its first character */
	add(v, n, L->win_off + h, L->win_off + c0, CUST_DECODE_UTF16LE);
}

/* One line B[0..LEN) (no end of line) ending at KEY: base64 runs and
 * MIME headers. */
static void line_at(const struct cust_decoder *d, struct level *L,
                    const unsigned char *b, size_t len, uint64_t start,
                    uint64_t key, struct cand *v, size_t *n)
{
	static const char cte[] = "content-transfer-encoding:";
	size_t i;

	if (len == 0) {
		if (L->mime)
			add(v, n, key, key + 1, (enum cust_decode_kind)(L->mime - 1));
		L->mime = 0;
		L->run_lines = 0;
		L->run_emitted = 0;
		return;
	}
	if (len >= B64_LINE_MIN && len <= B64_LINE_MAX) {
		size_t end = len;
		while (end > len - 2 && b[end - 1] == '=')
			end--;
		for (i = 0; i < end && d->b64v[b[i]] >= 0; i++)
			;
		if (i == end) {
			if (L->run_lines++ == 0)
				L->run_start = start;
			if (L->run_lines >= CUST_DECODE_B64_LINES &&
			    !L->run_emitted) {
				add(v, n, key, L->run_start, CUST_DECODE_BASE64);
				L->run_emitted = 1;
			}
			return;
		}
	}
	L->run_lines = 0;
	L->run_emitted = 0;
	if ((b[0] | 0x20) == 'c' && len > sizeof cte - 1 &&
	    strncasecmp((const char *)b, cte, sizeof cte - 1) == 0) {
		const unsigned char *p = b + sizeof cte - 1, *e = b + len;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (e - p >= 6 && strncasecmp((const char *)p, "base64", 6) == 0)
			L->mime = 1 + CUST_DECODE_BASE64;
		else if (e - p >= 16 &&
		         strncasecmp((const char *)p, "quoted-printable", 16) == 0)
			L->mime = 1 + CUST_DECODE_QP;
	}
}

/* The newline at L->win[AT]: the line it ends. */
static void newline(const struct cust_decoder *d, struct level *L, size_t at,
                    struct cand *v, size_t *n)
{
	const unsigned char *b = L->win;

	if (L->line_start >= L->win_off) {
		size_t s = (size_t)(L->line_start - L->win_off);
		size_t len = at - s;
		if (len > 0 && b[at - 1] == '\r')
			len--;
		line_at(d, L, b + s, len, L->line_start, L->win_off + at, v, n);
	} else {
		L->run_lines = 0; /* a line longer than the window keeps */
		L->run_emitted = 0;
	}
	L->line_start = L->win_off + at + 1;
}

#if defined(HAVE_AVX2_PATH) || defined(__SSE2__)
#define BYTES8(x) ((uint64_t)(x) * 0x0101010101010101ull)

/* Whether one of the 8-bit groups of the NUL mask ZM alternates NUL and
 * not (0xaa or 0x55: 8 bytes of UTF-16 text); a few false alarms, never a
 * group missed (the classic test for a zero byte, on ZM ^ each). */
static inline int utf16_hint(uint64_t zm)
{
	uint64_t a = zm ^ BYTES8(0xaa), b = zm ^ BYTES8(0x55);

	return zm && (((a - BYTES8(1)) & ~a) | ((b - BYTES8(1)) & ~b)) &
	             BYTES8(0x80);
}

/* What a block of WIDTH (at most 64) bytes at I holds, as the SIMD loops
 * found it: ZM its NUL bytes (8 of them alternating with text: UTF-16),
 * MM its markers, LN its newlines, one bit a byte. */
static void block_marks(const struct cust_decoder *d, struct level *L,
                        size_t i, unsigned width, uint64_t zm, uint64_t mm,
                        uint64_t ln, struct cand *v, size_t *n)
{
	unsigned q;

	if (utf16_hint(zm))
		for (q = 0; q < width / 8; q++) {
			unsigned h = (unsigned)(zm >> (8 * q)) & 0xff;
			if (h == 0xaa || h == 0x55)
				utf16_at(L, i + 8 * q, v, n);
		}
	while (mm) {
		bin_at(d, L, i + (size_t)__builtin_ctzll(mm), v, n);
		mm &= mm - 1;
	}
	while (ln) {
		newline(d, L, i + (size_t)__builtin_ctzll(ln), v, n);
		ln &= ln - 1;
	}
}
#endif

#ifdef HAVE_AVX2_PATH
/* A marker is a byte and the next, one bit of a byte each: 1f 8b; 78 and
 * a zlib second byte; "PK"; "BZ"; fd "7"; 5d 00; '%' and '2', '3' or '4'
 * (the %XX that decode to '.', '/', ':' and '@'); ";b".  A byte's bits are
 * looked up by its low and its high nibble (pshufb) and the two ANDed:
 * the first bytes are one a bit, so exact; the second ones of 78 give a
 * few more (bin_at checks every marker in full), the others are exact. */
static const unsigned char first_lo[16] = {
	[0x0] = 1 << 2, [0x2] = 1 << 3, [0x5] = 1 << 6, [0x8] = 1 << 1,
	[0xb] = 1 << 7, [0xd] = 1 << 4 | 1 << 5, [0xf] = 1 << 0
};
static const unsigned char first_hi[16] = {
	[0x1] = 1 << 0, [0x2] = 1 << 6, [0x3] = 1 << 7, [0x4] = 1 << 3,
	[0x5] = 1 << 2 | 1 << 5, [0x7] = 1 << 1, [0xf] = 1 << 4
};
static const unsigned char second_lo[16] = {
	[0x0] = 1 << 5, [0x1] = 1 << 1, [0x2] = 1 << 6 | 1 << 7,
	[0x3] = 1 << 6, [0x4] = 1 << 6, [0x7] = 1 << 4, [0xa] = 1 << 1 | 1 << 3,
	[0xb] = 1 << 0 | 1 << 2, [0xc] = 1 << 1, [0xe] = 1 << 1
};
static const unsigned char second_hi[16] = {
	[0x0] = 1 << 1 | 1 << 5, [0x3] = 1 << 4 | 1 << 6, [0x4] = 1 << 2,
	[0x5] = 1 << 1 | 1 << 3, [0x6] = 1 << 7, [0x8] = 1 << 0,
	[0x9] = 1 << 1, [0xd] = 1 << 1
};

struct avx2_tables {
	__m256i f_lo, f_hi, s_lo, s_hi, nib, zero, nl;
};

__attribute__((target("avx2")))
static inline __m256i table32(const unsigned char t[16])
{
	return _mm256_broadcastsi128_si256(
		_mm_loadu_si128((const __m128i *)(const void *)t));
}

/* The bits of V's bytes in the tables LO and HI (by nibble). */
__attribute__((target("avx2")))
static inline __m256i nibbles(__m256i v, __m256i lo, __m256i hi, __m256i nib)
{
	return _mm256_and_si256(
		_mm256_shuffle_epi8(lo, _mm256_and_si256(v, nib)),
		_mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4),
		                                         nib)));
}

/* The masks of the 32 bytes at B (B[32] readable), as block_marks takes
 * them. */
__attribute__((target("avx2")))
static inline void masks_avx2(const struct avx2_tables *t,
                              const unsigned char *b, uint32_t *zm,
                              uint32_t *mm, uint32_t *ln)
{
	const __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)b);
	const __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + 1));
	__m256i pair = _mm256_and_si256(nibbles(v0, t->f_lo, t->f_hi, t->nib),
	                                nibbles(v1, t->s_lo, t->s_hi, t->nib));

	*mm = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(pair, t->zero));
	*zm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, t->zero));
	*ln = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, t->nl));
}

/* binary()'s loop 64 bytes at a time (then 32); returns where it
 * stopped.  A block of none of the three is passed over without a call:
 * most blocks of binary data are, and of text all but its newlines. */
__attribute__((target("avx2")))
static size_t binary_avx2(const struct cust_decoder *d, struct level *L,
                          size_t i, size_t to, struct cand *v, size_t *n)
{
	const unsigned char *b = L->win;
	struct avx2_tables t;

	t.f_lo = table32(first_lo);
	t.f_hi = table32(first_hi);
	t.s_lo = table32(second_lo);
	t.s_hi = table32(second_hi);
	t.nib = _mm256_set1_epi8(0x0f);
	t.zero = _mm256_setzero_si256();
	t.nl = _mm256_set1_epi8('\n');
	for (; i + 65 <= L->win_len && i + 64 <= to; i += 64) {
		uint32_t z0, m0, l0, z1, m1, l1;
		uint64_t zm, mm, ln;

		masks_avx2(&t, b + i, &z0, &m0, &l0);
		masks_avx2(&t, b + i + 32, &z1, &m1, &l1);
		zm = (uint64_t)z1 << 32 | z0;
		mm = (uint64_t)m1 << 32 | m0;
		ln = (uint64_t)l1 << 32 | l0;
		if (mm | ln | (uint64_t)utf16_hint(zm))
			block_marks(d, L, i, 64, zm, mm, ln, v, n);
	}
	for (; i + 33 <= L->win_len && i + 32 <= to; i += 32) {
		uint32_t zm, mm, ln;

		masks_avx2(&t, b + i, &zm, &mm, &ln);
		if (mm | ln | (uint32_t)utf16_hint(zm))
			block_marks(d, L, i, 32, zm, mm, ln, v, n);
	}
	return i;
}
#endif

static void binary(const struct cust_decoder *d, struct level *L,
                   size_t from, size_t to, struct cand *v, size_t *n)
{
	const unsigned char *b = L->win;
	size_t i = from;

#ifdef HAVE_AVX2_PATH
	if (d->avx2)
		i = binary_avx2(d, L, i, to, v, n);
#endif
#ifdef __SSE2__
	{
		const __m128i zero = _mm_setzero_si128();
		const __m128i x1f = _mm_set1_epi8(0x1f), x8b = _mm_set1_epi8((char)0x8b);
		const __m128i x78 = _mm_set1_epi8(0x78), x01 = _mm_set1_epi8(0x01);
		const __m128i x5e = _mm_set1_epi8(0x5e), x9c = _mm_set1_epi8((char)0x9c);
		const __m128i xda = _mm_set1_epi8((char)0xda);
		const __m128i cP = _mm_set1_epi8('P'), cK = _mm_set1_epi8('K');
		const __m128i cB = _mm_set1_epi8('B'), cZ = _mm_set1_epi8('Z');
		const __m128i xfd = _mm_set1_epi8((char)0xfd), c7 = _mm_set1_epi8('7');
		const __m128i x5d = _mm_set1_epi8(0x5d), pct = _mm_set1_epi8('%');
		const __m128i semi = _mm_set1_epi8(';'), cb = _mm_set1_epi8('b');
		const __m128i nl = _mm_set1_epi8('\n');

		for (; i + 17 <= L->win_len && i + 16 <= to; i += 16) {
			__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 1));
			__m128i z1 = _mm_or_si128(
				_mm_or_si128(_mm_cmpeq_epi8(v1, x01), _mm_cmpeq_epi8(v1, x5e)),
				_mm_or_si128(_mm_cmpeq_epi8(v1, x9c), _mm_cmpeq_epi8(v1, xda)));
			__m128i m = _mm_or_si128(
				_mm_or_si128(
					_mm_and_si128(_mm_cmpeq_epi8(v0, x1f), _mm_cmpeq_epi8(v1, x8b)),
					_mm_and_si128(_mm_cmpeq_epi8(v0, x78), z1)),
				_mm_or_si128(
					_mm_and_si128(_mm_cmpeq_epi8(v0, cP), _mm_cmpeq_epi8(v1, cK)),
					_mm_and_si128(_mm_cmpeq_epi8(v0, cB), _mm_cmpeq_epi8(v1, cZ))));
			unsigned zm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, zero));
			unsigned ln = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, nl));
			unsigned mm;

			m = _mm_or_si128(m, _mm_or_si128(
				_mm_and_si128(_mm_cmpeq_epi8(v0, xfd), _mm_cmpeq_epi8(v1, c7)),
				_mm_and_si128(_mm_cmpeq_epi8(v0, x5d), _mm_cmpeq_epi8(v1, zero))));
			__m128i d1 = _mm_sub_epi8(v1, _mm_set1_epi8('2'));
			__m128i pct1 = _mm_cmpeq_epi8(_mm_min_epu8(d1, _mm_set1_epi8(2)), d1);

			m = _mm_or_si128(m, _mm_or_si128(
				_mm_and_si128(_mm_cmpeq_epi8(v0, pct), pct1),
				_mm_and_si128(_mm_cmpeq_epi8(v0, semi), _mm_cmpeq_epi8(v1, cb))));
			mm = (unsigned)_mm_movemask_epi8(m);
			if (mm | ln | (unsigned)utf16_hint(zm))
				block_marks(d, L, i, 16, zm, mm, ln, v, n);
		}
	}
#endif
	for (; i < to; i++) {
		bin_at(d, L, i, v, n);
		if (L->win[i] == '\n')
			newline(d, L, i, v, n);
		if (((i - from) & 7) == 0 && i + 8 <= L->win_len) {
			unsigned zm = 0, k;
			for (k = 0; k < 8; k++)
				zm |= (unsigned)(b[i + k] == 0) << k;
			if (zm == 0xaa || zm == 0x55)
				utf16_at(L, i, v, n);
		}
	}
}

/* Markers in order of where they were met; a UTF-16 hint inside the
 * previous one's run is the same run. */
static int order(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

/* Scan L's window from its scan point; FINAL: to its end. */
static int process(struct cust_decoder *d, struct level *L, int final)
{
	size_t limit, keep;

	if (L->s.on && run(d, L, final) < 0)
		return -1;
	if (final)
		limit = L->win_len;
	else
		limit = L->win_len > LOOK ? L->win_len - LOOK : 0;
	while (L->scan < limit) {
		size_t to = L->scan + SUB < limit ? L->scan + SUB : limit;
		size_t n = 0, i;

		binary(d, L, L->scan, to, L->cands, &n);
		L->scan = to;
		if (n > 1)
			qsort(L->cands, n, sizeof *L->cands, order);
		for (i = 0; i < n; i++)
			if (handle(d, L, &L->cands[i], final) < 0)
				return -1;
	}
	if (final) {
		if ((L->s.on && run(d, L, 1) < 0) || settle(d, L, 1) < 0)
			return -1;
		return 0;
	}
	/* a marker waiting since more than HOLD bytes is missed, the others
	 * stay in the window */
	while (L->npend > 0 && L->pend[0].at + CUST_DECODE_HOLD <
	                           L->win_off + L->scan) {
		d->st.missed++;
		L->npend--;
		memmove(L->pend, L->pend + 1, L->npend * sizeof *L->pend);
	}
	keep = L->scan > LEFT ? L->scan - LEFT : 0;
	if (L->npend > 0 && L->pend[0].at - L->win_off < keep)
		keep = (size_t)(L->pend[0].at - L->win_off);
	if (keep > 0) {
		memmove(L->win, L->win + keep, L->win_len - keep);
		L->win_len -= keep;
		L->win_off += keep;
		L->scan -= keep;
	}
	return 0;
}

static int level_push(struct cust_decoder *d, struct level *L,
                      const unsigned char *p, size_t n)
{
	while (n > 0) {
		size_t k = WIN_CAP - L->win_len;
		if (k > n)
			k = n;
		memcpy(L->win + L->win_len, p, k);
		L->win_len += k;
		p += k;
		n -= k;
		if (L->depth == 0)
			d->fed += k;
		if (L->win_len == WIN_CAP && process(d, L, 0) < 0)
			return -1;
	}
	return 0;
}

static int level_end(struct cust_decoder *d, struct level *L)
{
	int rc = process(d, L, 1);

	if (L->s.on)
		stream_release(&L->s);
	level_reset(L);
	return rc;
}

/* ---- API ---------------------------------------------------------------- */

void cust_decoder_free(struct cust_decoder *d)
{
	unsigned i;

	if (!d || d->magic != DECODER_MAGIC)
		return;
	d->magic = 0;
	if (d->lv) {
		for (i = 0; i <= d->depth_max; i++) {
			stream_release(&d->lv[i].s);
			free(d->lv[i].win);
			free(d->lv[i].out);
			free(d->lv[i].fast);
			free(d->lv[i].cands);
			cust_carver_free(d->lv[i].carver);
		}
	}
	free(d->lv);
	if (d->ld)
		libdeflate_free_decompressor(d->ld);
	free(d);
}

struct cust_decoder *cust_decoder_new(const struct cust_decode_options *o,
                                      struct cust_error *err)
{
	struct cust_decoder *d;
	unsigned i;

	if (!o || o->carve == 0) {
		cust_error_set(err, CUST_E_USAGE, "a decoder needs kinds to carve");
		return NULL;
	}
	if (!(d = calloc(1, sizeof *d))) {
		cust_error_set(err, CUST_E_IO, "out of memory for a decoder");
		return NULL;
	}
	d->magic = DECODER_MAGIC;
	d->o = *o;
	d->depth_max = o->max_depth ? o->max_depth : CUST_DECODE_DEPTH;
	if (d->depth_max > CUST_DECODE_DEPTH_MAX)
		d->depth_max = CUST_DECODE_DEPTH_MAX;
	if (!d->o.expand_ratio)
		d->o.expand_ratio = CUST_ARCHIVE_RATIO;
	if (!d->o.max_expanded)
		d->o.max_expanded = CUST_ARCHIVE_EXPANDED_MAX;
	init_tables(d->b64v, d->urlc);
#ifdef HAVE_AVX2_PATH
	d->avx2 = __builtin_cpu_supports("avx2");
#endif
	d->lv = calloc(d->depth_max + 1, sizeof *d->lv);
	if (!d->lv)
		goto oom;
	for (i = 0; i <= d->depth_max; i++) {
		struct level *L = &d->lv[i];
		L->d = d;
		L->depth = i;
		if (!(L->win = malloc(WIN_CAP)) ||
		    !(L->cands = malloc(CANDS * sizeof *L->cands)) ||
		    (i < d->depth_max && !(L->out = malloc(OUT))))
			goto oom;
		if (i > 0 && !(L->carver = cust_carver_new(o->carve, err))) {
			cust_decoder_free(d);
			return NULL;
		}
	}
	return d;
oom:
	cust_decoder_free(d);
	cust_error_set(err, CUST_E_IO, "out of memory for a decoder");
	return NULL;
}

void cust_decoder_begin(struct cust_decoder *d)
{
	unsigned i;

	if (!d || d->magic != DECODER_MAGIC)
		return;
	for (i = 0; i <= d->depth_max; i++) {
		stream_release(&d->lv[i].s);
		level_reset(&d->lv[i]);
		if (d->lv[i].carver)
			cust_carver_reset(d->lv[i].carver);
	}
	memset(&d->st, 0, sizeof d->st);
	d->fed = d->expanded = 0;
	d->total_blown = 0;
	d->failed = 0;
}

static int check(struct cust_decoder *d, cust_carve_hit_fn fn,
                 struct cust_error *err)
{
	if (!d || d->magic != DECODER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a decoder");
	if (d->failed)
		return cust_error_set(err, CUST_E_USAGE,
		                      "decoder stopped by an earlier failure");
	if (!fn)
		return cust_error_set(err, CUST_E_USAGE,
		                      "decoding needs a hit handler");
	return 0;
}

int cust_decoder_feed(struct cust_decoder *d, const void *data, size_t len,
                      cust_carve_hit_fn fn, void *ctx, struct cust_error *err)
{
	if (check(d, fn, err) < 0)
		return -1;
	if (!data && len > 0)
		return cust_error_set(err, CUST_E_USAGE, "decoding needs data");
	d->fn = fn;
	d->ctx = ctx;
	d->err = err;
	if (level_push(d, &d->lv[0], data, len) < 0) {
		d->failed = 1;
		return -1;
	}
	return 0;
}

int cust_decoder_end(struct cust_decoder *d, cust_carve_hit_fn fn, void *ctx,
                     struct cust_error *err)
{
	unsigned i;

	if (check(d, fn, err) < 0)
		return -1;
	d->fn = fn;
	d->ctx = ctx;
	d->err = err;
	if (level_end(d, &d->lv[0]) < 0) {
		d->failed = 1;
		return -1;
	}
	for (i = 1; i <= d->depth_max; i++)
		cust_carver_reset(d->lv[i].carver);
	return 0;
}

const struct cust_decode_stats *cust_decoder_stats(const struct cust_decoder *d)
{
	return d && d->magic == DECODER_MAGIC ? &d->st : NULL;
}
