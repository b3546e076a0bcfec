/* lvm_meta.c - LVM2's label, metadata area header and metadata text,
 * parsed (lvm_meta.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvm_meta.h"

#define FMTT_MAGIC " LVM2 x[5A%r0N*>"
#define SECTOR 512u

/* ---- checksum, little-endian fields ------------------------------------- */

uint32_t cust_lvm_meta_crc(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return crc;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- the label ------------------------------------------------------------ */

int cust_lvm_meta_label(const unsigned char *buf, size_t len,
                        struct cust_lvm_meta_label *lab,
                        struct cust_error *err)
{
	size_t s, h, i, o = 0, list;

	memset(lab, 0, sizeof *lab);
	for (s = 0; s + SECTOR <= len && s < CUST_LVM_META_LABEL_SCAN;
	     s += SECTOR) {
		const unsigned char *lb = buf + s;
		uint32_t contents;

		if (memcmp(lb, "LABELONE", 8) != 0)
			continue;
		if (memcmp(lb + 24, "LVM2 001", 8) != 0)
			return cust_error_set(err, CUST_E_INPUT, "a label in sector "
			                      "%zu that is not LVM2's", s / SECTOR);
		lab->sector = (unsigned)(s / SECTOR);
		lab->crc_ok = cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, lb + 20,
		                                SECTOR - 20) == le32(lb + 16);
		contents = le32(lb + 20);
		/* the pv_header, its UUID, size and two lists of at least one
		 * pair of zeros each, all inside the label's sector */
		if (contents < 32 || contents > SECTOR - 32 - 8 - 32)
			return cust_error_set(err, CUST_E_INPUT, "a label whose "
			                      "header lies at byte %" PRIu32
			                      " of its sector", contents);
		h = s + contents;
		for (i = 0; i < 32; i++) {
			unsigned char c = buf[h + i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9')))
				return cust_error_set(err, CUST_E_INPUT, "a label "
				                      "whose UUID is not LVM2's");
			lab->uuid[o++] = (char)c;
			if (i == 5 || i == 9 || i == 13 || i == 17 || i == 21 ||
			    i == 25)
				lab->uuid[o++] = '-';
		}
		lab->uuid[o] = '\0';
		lab->dev_size = le64(buf + h + 32);
		/* the data areas, up to a pair of zeros, then the metadata
		 * areas the same way; neither may run past the sector */
		list = h + 40;
		for (i = 0;; i++, list += 16) {
			uint64_t off, size;
			if (list + 16 > s + SECTOR)
				return cust_error_set(err, CUST_E_INPUT, "a label "
				                      "whose data area list does not "
				                      "end in its sector");
			off = le64(buf + list);
			size = le64(buf + list + 8);
			if (off == 0 && size == 0)
				break;
			if (i == 0) {
				lab->data_off = off;
				lab->data_size = size;
			}
		}
		if (i == 0)
			return cust_error_set(err, CUST_E_INPUT, "a label that "
			                      "lists no data area");
		for (list += 16;; list += 16) {
			uint64_t off, size;
			if (list + 16 > s + SECTOR)
				return cust_error_set(err, CUST_E_INPUT, "a label "
				                      "whose metadata area list does "
				                      "not end in its sector");
			off = le64(buf + list);
			size = le64(buf + list + 8);
			if (off == 0 && size == 0)
				break;
			if (lab->nmdas < 2) {
				lab->mda_off[lab->nmdas] = off;
				lab->mda_size[lab->nmdas] = size;
			}
			lab->nmdas++;
		}
		return 0;
	}
	return cust_error_set(err, CUST_E_INPUT, "no LVM2 label in the first "
	                      "%d sectors", CUST_LVM_META_LABEL_SCAN / 512);
}

/* ---- the metadata area header ------------------------------------------- */

int cust_lvm_meta_area(const unsigned char *hdr, size_t len,
                       uint64_t area_size, struct cust_lvm_meta_area *a,
                       struct cust_error *err)
{
	const unsigned char *rl = hdr + 40; /* the first raw_locn */
	uint64_t room, first;

	memset(a, 0, sizeof *a);
	if (len < CUST_LVM_META_HEADER || memcmp(hdr + 4, FMTT_MAGIC, 16) != 0)
		return cust_error_set(err, CUST_E_INPUT, "no metadata area "
		                      "header (its magic is missing)");
	if (le32(hdr + 20) != 1)
		return cust_error_set(err, CUST_E_INPUT, "a metadata area header "
		                      "of version %" PRIu32 " (1 is read)",
		                      le32(hdr + 20));
	a->crc_ok = cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, hdr + 4,
	                              CUST_LVM_META_HEADER - 4) == le32(hdr);
	a->start = le64(hdr + 24);
	a->size = le64(hdr + 32);
	a->text_off = le64(rl);
	a->text_size = le64(rl + 8);
	a->text_crc = le32(rl + 16);
	/* the area is what the label says, or less if the header says so */
	if (a->size && a->size < area_size)
		area_size = a->size;
	if (a->text_off == 0 && a->text_size == 0)
		return cust_error_set(err, CUST_E_INPUT, "a metadata area that "
		                      "holds no metadata");
	if (area_size <= CUST_LVM_META_HEADER ||
	    a->text_off < CUST_LVM_META_HEADER || a->text_off >= area_size)
		return cust_error_set(err, CUST_E_INPUT, "metadata at byte %"
		                      PRIu64 " of an area of %" PRIu64 " bytes",
		                      a->text_off, area_size);
	room = area_size - CUST_LVM_META_HEADER;
	if (a->text_size == 0 || a->text_size > room)
		return cust_error_set(err, CUST_E_INPUT, "metadata of %" PRIu64
		                      " bytes in an area of %" PRIu64 " bytes",
		                      a->text_size, area_size);
	if (a->text_size > CUST_LVM_META_TEXT_MAX)
		return cust_error_set(err, CUST_E_INPUT, "metadata of %" PRIu64
		                      " bytes (at most %u are read)", a->text_size,
		                      CUST_LVM_META_TEXT_MAX);
	first = area_size - a->text_off;
	a->piece_off[0] = a->text_off;
	if (a->text_size <= first) {
		a->piece_len[0] = a->text_size;
	} else {
		/* circular: the rest goes on after the header */
		a->piece_len[0] = first;
		a->piece_off[1] = CUST_LVM_META_HEADER;
		a->piece_len[1] = a->text_size - first;
		if (a->piece_len[1] > a->text_off - CUST_LVM_META_HEADER)
			return cust_error_set(err, CUST_E_INPUT, "metadata that "
			                      "wraps over its own start");
	}
	return 0;
}

/* ---- the text: a tree of items ------------------------------------------ */

enum kind { K_SECTION, K_STRING, K_INT, K_LIST, K_OTHER };

#define NONE UINT32_MAX

struct item {
	const char *key;        /* in the text; NULL for a list element */
	uint32_t keylen;
	uint8_t kind;
	const char *s;          /* K_STRING: raw, between the quotes */
	uint32_t slen;
	int64_t num;            /* K_INT */
	uint32_t child, last;   /* K_SECTION, K_LIST: first and last */
	uint32_t next;          /* the next sibling */
};

struct parser {
	const char *t;
	size_t len, pos;
	struct item *items;
	size_t n, cap;
	struct cust_error *err;
};

static size_t line_of(const struct parser *p, size_t pos)
{
	size_t i, line = 1;

	for (i = 0; i < pos && i < p->len; i++)
		line += p->t[i] == '\n';
	return line;
}

static int syntax(struct parser *p, const char *what)
{
	return cust_error_set(p->err, CUST_E_INPUT, "metadata line %zu: %s",
	                      line_of(p, p->pos), what);
}

static uint32_t new_item(struct parser *p, uint8_t kind)
{
	struct item *it;

	if (p->n == CUST_LVM_META_ITEMS_MAX) {
		cust_error_set(p->err, CUST_E_INPUT, "metadata of more than %d "
		               "items", CUST_LVM_META_ITEMS_MAX);
		return NONE;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct item *grown = realloc(p->items, cap * sizeof *grown);
		if (!grown) {
			cust_error_set_errno(p->err, CUST_E_IO, ENOMEM,
			                     "lvm metadata");
			return NONE;
		}
		p->items = grown;
		p->cap = cap;
	}
	it = &p->items[p->n];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->child = it->last = it->next = NONE;
	return (uint32_t)p->n++;
}

static void append(struct parser *p, uint32_t parent, uint32_t it)
{
	struct item *par = &p->items[parent];

	if (par->last == NONE)
		par->child = it;
	else
		p->items[par->last].next = it;
	par->last = it;
}

/* Skip blanks and comments; the byte then (0 at the end). */
static int peek(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->t[p->pos];
		if (c == '#') {
			while (p->pos < p->len && p->t[p->pos] != '\n')
				p->pos++;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		           c == '\f' || c == '\v') {
			p->pos++;
		} else {
			return (unsigned char)c;
		}
	}
	return 0;
}

static int is_word(int c)
{
	return c > ' ' && c != 0x7f && !strchr("{}[]=,\"'#", c);
}

/* A scalar value into IT: a string or a number. */
static int scalar(struct parser *p, uint32_t it)
{
	int c = peek(p);

	if (c == '"' || c == '\'') {
		size_t start = ++p->pos;
		while (p->pos < p->len && p->t[p->pos] != c) {
			if (p->t[p->pos] == '\\')
				p->pos++;
			p->pos++;
		}
		if (p->pos >= p->len)
			return syntax(p, "a string without its closing quote");
		p->items[it].kind = K_STRING;
		p->items[it].s = p->t + start;
		p->items[it].slen = (uint32_t)(p->pos - start);
		p->pos++;
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		size_t start = p->pos;
		int neg = c == '-', digits = 0, other = 0;
		uint64_t v = 0;

		if (neg)
			p->pos++;
		while (p->pos < p->len && is_word((unsigned char)p->t[p->pos])) {
			char d = p->t[p->pos++];
			if (d >= '0' && d <= '9' && !other) {
				if (v > (UINT64_MAX - (uint64_t)(d - '0')) / 10)
					return syntax(p, "a number too large");
				v = v * 10 + (uint64_t)(d - '0');
				digits++;
			} else {
				other = 1; /* 1.5, 0x10: kept, never used */
			}
		}
		if (!digits)
			return syntax(p, "a number without digits");
		if (v > (uint64_t)INT64_MAX)
			return syntax(p, "a number too large");
		p->items[it].kind = other ? K_OTHER : K_INT;
		p->items[it].num = neg ? -(int64_t)v : (int64_t)v;
		p->items[it].s = p->t + start;
		p->items[it].slen = (uint32_t)(p->pos - start);
		return 0;
	}
	return syntax(p, "a value that is not a string, a number or a list");
}

static int value(struct parser *p, uint32_t it)
{
	if (peek(p) != '[')
		return scalar(p, it);
	p->pos++;
	p->items[it].kind = K_LIST;
	for (;;) {
		uint32_t el;
		int c = peek(p);
		if (c == ']') {
			p->pos++;
			return 0;
		}
		if (c == 0)
			return syntax(p, "a list without its closing ]");
		if ((el = new_item(p, K_OTHER)) == NONE ||
		    scalar(p, el) < 0)
			return -1;
		append(p, it, el);
		c = peek(p);
		if (c == ',')
			p->pos++;
		else if (c != ']')
			return syntax(p, "list items not separated by a comma");
	}
}

/* The items of the section PARENT, up to its } (or the end of the text
 * at DEPTH 0). */
static int items(struct parser *p, uint32_t parent, int depth)
{
	for (;;) {
		size_t start;
		uint32_t it;
		int c = peek(p);

		if (c == 0) {
			if (depth > 0)
				return syntax(p, "a section without its closing }");
			return 0;
		}
		if (c == '}') {
			if (depth == 0)
				return syntax(p, "a } that closes no section");
			p->pos++;
			return 0;
		}
		if (!is_word(c))
			return syntax(p, "a name was expected");
		start = p->pos;
		while (p->pos < p->len && is_word((unsigned char)p->t[p->pos]))
			p->pos++;
		if ((it = new_item(p, K_OTHER)) == NONE)
			return -1;
		p->items[it].key = p->t + start;
		p->items[it].keylen = (uint32_t)(p->pos - start);
		append(p, parent, it);
		c = peek(p);
		if (c == '{') {
			if (depth + 1 > CUST_LVM_META_DEPTH_MAX)
				return syntax(p, "sections nested too deep");
			p->pos++;
			p->items[it].kind = K_SECTION;
			if (items(p, it, depth + 1) < 0)
				return -1;
		} else if (c == '=') {
			p->pos++;
			if (value(p, it) < 0)
				return -1;
		} else {
			return syntax(p, "a name not followed by { or =");
		}
	}
}

/* ---- the text: what the tree says --------------------------------------- */

static int key_is(const struct item *it, const char *key)
{
	size_t n = strlen(key);

	return it->key && it->keylen == n && memcmp(it->key, key, n) == 0;
}

/* The first item KEY of the section SEC of kind KIND, or NULL. */
static const struct item *get(const struct parser *p, uint32_t sec,
                              const char *key, int kind)
{
	uint32_t i;

	for (i = p->items[sec].child; i != NONE; i = p->items[i].next)
		if (key_is(&p->items[i], key))
			return p->items[i].kind == kind ? &p->items[i] : NULL;
	return NULL;
}

/* An unsigned number KEY of SEC into *V; -1 when missing or negative. */
static int get_u64(const struct parser *p, uint32_t sec, const char *key,
                   uint64_t *v)
{
	const struct item *it = get(p, sec, key, K_INT);

	if (!it || it->num < 0)
		return -1;
	*v = (uint64_t)it->num;
	return 0;
}

/* The string S (LEN bytes as in the text, escapes undone) into OUT of
 * MAX + 1 bytes; -1 when longer than MAX or holding a NUL. */
static int unescape(const char *s, size_t len, char *out, size_t max)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len)
			c = s[++i];
		if (o == max || c == '\0')
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* The string KEY of SEC into OUT (MAX + 1 bytes); -1 when missing or too
 * long, and when CUT, a string too long is cut instead. */
static int get_str(const struct parser *p, uint32_t sec, const char *key,
                   char *out, size_t max, int cut)
{
	const struct item *it = get(p, sec, key, K_STRING);

	out[0] = '\0';
	if (!it)
		return -1;
	if (unescape(it->s, it->slen, out, max) == 0)
		return 0;
	if (!cut)
		return -1;
	out[0] = '\0';
	return unescape(it->s, it->slen < max ? it->slen : max, out, max);
}

/* The key of IT into OUT (MAX + 1 bytes); -1 when too long. */
static int key_copy(const struct item *it, char *out, size_t max)
{
	if (it->keylen > max)
		return -1;
	memcpy(out, it->key, it->keylen);
	out[it->keylen] = '\0';
	return 0;
}

static int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a && b > UINT64_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct cust_lvm_meta_segment *x = a, *y = b;

	return x->start_extent < y->start_extent ? -1
	     : x->start_extent > y->start_extent;
}

static int damage(struct cust_lvm_meta_lv *lv, const char *fmt, ...)
	CUST_PRINTF(2, 3);

/* Write why LV cannot be read (a message cut to its room is fine); -1. */
static int damage(struct cust_lvm_meta_lv *lv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lv->damage, sizeof lv->damage, fmt, ap);
	va_end(ap);
	return -1;
}

/* The stripes list of segment S (the section SEC) of LV in M. */
static int stripes(const struct parser *p, uint32_t sec,
                   struct cust_lvm_meta *m, struct cust_lvm_meta_lv *lv,
                   struct cust_lvm_meta_segment *s, size_t k)
{
	const struct item *list = get(p, sec, "stripes", K_LIST);
	uint32_t i;
	size_t n = 0;
	uint64_t count, size = 0;

	if (get_u64(p, sec, "stripe_count", &count) < 0 || count == 0 ||
	    count > CUST_LVM_STRIPES_MAX)
		return damage(lv, "segment %zu: a stripe_count that is missing "
		              "or not 1 to %d", k + 1, CUST_LVM_STRIPES_MAX);
	s->stripe_count = (uint32_t)count;
	if (count > 1 && (get_u64(p, sec, "stripe_size", &size) < 0 ||
	                  size == 0 || mul_u64(size, 512, &s->stripe_size) < 0))
		return damage(lv, "segment %zu: %" PRIu64 " stripes without a "
		              "stripe_size", k + 1, count);
	if (!list)
		return damage(lv, "segment %zu: no stripes list", k + 1);
	if (!(s->stripes = calloc((size_t)count, sizeof *s->stripes)))
		return -2;
	for (i = list->child; i != NONE; i = p->items[i].next) {
		const struct item *name = &p->items[i], *ext;
		char raw[CUST_LVM_META_NAME_MAX + 1];
		size_t v;

		if (n == count)
			return damage(lv, "segment %zu: a stripes list longer than "
			              "its stripe_count %" PRIu64, k + 1, count);
		if ((i = name->next) == NONE)
			return damage(lv, "segment %zu: a stripes list of an odd "
			              "length", k + 1);
		ext = &p->items[i];
		if (name->kind != K_STRING || ext->kind != K_INT ||
		    ext->num < 0 ||
		    unescape(name->s, name->slen, raw, CUST_LVM_META_NAME_MAX) < 0)
			return damage(lv, "segment %zu: stripe %zu is not a "
			              "physical volume's name and an extent",
			              k + 1, n + 1);
		for (v = 0; v < m->npvs && strcmp(m->pvs[v].name, raw); v++)
			;
		if (v == m->npvs)
			return damage(lv, "segment %zu: stripe %zu lies on a "
			              "physical volume the group does not list",
			              k + 1, n + 1);
		s->stripes[n].pv = v;
		s->stripes[n].start_extent = (uint64_t)ext->num;
		n++;
	}
	if (n != count)
		return damage(lv, "segment %zu: a stripes list of %zu stripes, "
		              "its stripe_count says %" PRIu64, k + 1, n, count);
	s->nstripes = n;
	if (s->extent_count % count != 0)
		return damage(lv, "segment %zu: %" PRIu64 " extents do not "
		              "divide into %" PRIu64 " stripes", k + 1,
		              s->extent_count, count);
	return 0;
}

/* The logical volume of the section SEC into LV; -2 when memory runs
 * out, else 0 (damage written in LV->DAMAGE). */
static int logical_volume(const struct parser *p, uint32_t sec,
                          struct cust_lvm_meta *m,
                          struct cust_lvm_meta_lv *lv)
{
	const struct item *st = get(p, sec, "status", K_LIST);
	uint32_t i;
	size_t n = 0, k;
	uint64_t next = 0;
	int rc;

	if (key_copy(&p->items[sec], lv->name, CUST_LVM_META_NAME_MAX) < 0) {
		snprintf(lv->name, sizeof lv->name, "(a name too long)");
		damage(lv, "a name longer than %d bytes",
		       CUST_LVM_META_NAME_MAX);
		return 0;
	}
	get_str(p, sec, "id", lv->uuid, CUST_LVM_META_NAME_MAX, 1);
	for (i = st ? st->child : NONE; i != NONE; i = p->items[i].next)
		if (p->items[i].kind == K_STRING && p->items[i].slen == 7 &&
		    memcmp(p->items[i].s, "VISIBLE", 7) == 0)
			lv->visible = 1;
	for (i = p->items[sec].child; i != NONE; i = p->items[i].next)
		n += p->items[i].kind == K_SECTION;
	if (n == 0)
		return damage(lv, "no segment"), 0;
	if (n > CUST_LVM_SEGMENTS_MAX)
		return damage(lv, "%zu segments (at most %d are read)", n,
		              CUST_LVM_SEGMENTS_MAX), 0;
	if (!(lv->segs = calloc(n, sizeof *lv->segs)))
		return -2;
	for (i = p->items[sec].child, k = 0; i != NONE; i = p->items[i].next) {
		struct cust_lvm_meta_segment *s = &lv->segs[k];
		if (p->items[i].kind != K_SECTION)
			continue;
		lv->nsegs = ++k;
		if (get_u64(p, i, "start_extent", &s->start_extent) < 0 ||
		    get_u64(p, i, "extent_count", &s->extent_count) < 0 ||
		    s->extent_count == 0)
			return damage(lv, "segment %zu: no start_extent or "
			              "extent_count", k), 0;
		if (get_str(p, i, "type", s->type, CUST_LVM_META_TYPE_MAX,
		            0) < 0)
			return damage(lv, "segment %zu: no type, or one longer "
			              "than %d bytes", k, CUST_LVM_META_TYPE_MAX), 0;
		if (strcmp(s->type, "striped") != 0)
			continue;
		s->striped = 1;
		if ((rc = stripes(p, i, m, lv, s, k - 1)) == -2)
			return -2;
		if (rc < 0)
			return 0;
	}
	qsort(lv->segs, lv->nsegs, sizeof *lv->segs, cmp_seg);
	for (k = 0; k < lv->nsegs; k++) {
		if (lv->segs[k].start_extent != next)
			return damage(lv, "its segments %s at extent %" PRIu64,
			              lv->segs[k].start_extent < next ? "overlap"
			                                              : "leave a gap",
			              next), 0;
		if (lv->segs[k].extent_count > UINT64_MAX - next)
			return damage(lv, "more extents than can be counted"), 0;
		next += lv->segs[k].extent_count;
	}
	lv->extents = next;
	if (mul_u64(next, m->extent_size, &next) < 0 || next > INT64_MAX)
		return damage(lv, "a size past 2^63 bytes"), 0;
	return 0;
}

static int physical_volume(const struct parser *p, uint32_t sec,
                           struct cust_lvm_meta_pv *pv, struct cust_error *err)
{
	uint64_t sectors;
	size_t i;

	if (key_copy(&p->items[sec], pv->name, CUST_LVM_META_NAME_MAX) < 0)
		return cust_error_set(err, CUST_E_INPUT, "a physical volume "
		                      "name longer than %d bytes",
		                      CUST_LVM_META_NAME_MAX);
	if (get_str(p, sec, "id", pv->uuid, CUST_LVM_META_NAME_MAX, 0) < 0 ||
	    !pv->uuid[0])
		return cust_error_set(err, CUST_E_INPUT, "physical volume %s "
		                      "without its id", pv->name);
	for (i = 0; pv->uuid[i]; i++)
		if (!((pv->uuid[i] >= 'a' && pv->uuid[i] <= 'z') ||
		      (pv->uuid[i] >= 'A' && pv->uuid[i] <= 'Z') ||
		      (pv->uuid[i] >= '0' && pv->uuid[i] <= '9') ||
		      pv->uuid[i] == '-'))
			return cust_error_set(err, CUST_E_INPUT, "physical volume "
			                      "%s: an id that is not LVM2's",
			                      pv->name);
	get_str(p, sec, "device", pv->device, CUST_LVM_META_NAME_MAX, 1);
	if (get_u64(p, sec, "pe_start", &sectors) < 0 ||
	    mul_u64(sectors, 512, &pv->pe_start) < 0 ||
	    get_u64(p, sec, "pe_count", &pv->pe_count) < 0)
		return cust_error_set(err, CUST_E_INPUT, "physical volume %s "
		                      "without pe_start or pe_count", pv->name);
	if (get_u64(p, sec, "dev_size", &sectors) < 0 ||
	    mul_u64(sectors, 512, &pv->dev_size) < 0)
		pv->dev_size = 0;
	return 0;
}

/* What the tree of P says of its volume group, into M. */
static int group(struct parser *p, struct cust_lvm_meta *m)
{
	const struct item *pvs, *lvs;
	uint32_t vg = NONE, i;
	uint64_t sectors;
	size_t k, j;

	for (i = p->items[0].child; i != NONE; i = p->items[i].next) {
		if (p->items[i].kind != K_SECTION)
			continue;
		if (vg != NONE)
			return cust_error_set(p->err, CUST_E_INPUT, "metadata of "
			                      "more than one volume group");
		vg = i;
	}
	if (vg == NONE)
		return cust_error_set(p->err, CUST_E_INPUT, "metadata without a "
		                      "volume group");
	if (key_copy(&p->items[vg], m->vg_name, CUST_LVM_META_NAME_MAX) < 0)
		return cust_error_set(p->err, CUST_E_INPUT, "a volume group name "
		                      "longer than %d bytes",
		                      CUST_LVM_META_NAME_MAX);
	get_str(p, vg, "id", m->vg_uuid, CUST_LVM_META_NAME_MAX, 1);
	if (get_u64(p, vg, "seqno", &m->seqno) < 0)
		m->seqno = 0;
	if (get_u64(p, vg, "extent_size", &sectors) < 0 || sectors == 0 ||
	    mul_u64(sectors, 512, &m->extent_size) < 0)
		return cust_error_set(p->err, CUST_E_INPUT, "volume group %s "
		                      "without an extent_size", m->vg_name);
	pvs = get(p, vg, "physical_volumes", K_SECTION);
	for (i = pvs ? pvs->child : NONE; i != NONE; i = p->items[i].next) {
		if (p->items[i].kind != K_SECTION)
			continue;
		if (m->npvs == CUST_LVM_PVS_MAX)
			return cust_error_set(p->err, CUST_E_INPUT, "volume group "
			                      "%s of more than %d physical volumes",
			                      m->vg_name, CUST_LVM_PVS_MAX);
		if (physical_volume(p, i, &m->pvs[m->npvs], p->err) < 0)
			return -1;
		for (k = 0; k < m->npvs; k++)
			if (strcmp(m->pvs[k].name, m->pvs[m->npvs].name) == 0 ||
			    strcmp(m->pvs[k].uuid, m->pvs[m->npvs].uuid) == 0)
				return cust_error_set(p->err, CUST_E_INPUT,
				                      "physical volume %s listed "
				                      "twice", m->pvs[k].name);
		m->npvs++;
	}
	if (m->npvs == 0)
		return cust_error_set(p->err, CUST_E_INPUT, "volume group %s "
		                      "without a physical volume", m->vg_name);
	lvs = get(p, vg, "logical_volumes", K_SECTION);
	for (i = lvs ? lvs->child : NONE; i != NONE; i = p->items[i].next)
		m->lvs_total += p->items[i].kind == K_SECTION;
	k = m->lvs_total < CUST_LVM_LVS_MAX ? m->lvs_total : CUST_LVM_LVS_MAX;
	if (k && !(m->lvs = calloc(k, sizeof *m->lvs)))
		return cust_error_set_errno(p->err, CUST_E_IO, ENOMEM,
		                            "lvm metadata");
	for (i = lvs ? lvs->child : NONE; i != NONE && m->nlvs < k;
	     i = p->items[i].next) {
		struct cust_lvm_meta_lv *lv = &m->lvs[m->nlvs];
		if (p->items[i].kind != K_SECTION)
			continue;
		m->nlvs++;
		if (logical_volume(p, i, m, lv) < 0)
			return cust_error_set_errno(p->err, CUST_E_IO, ENOMEM,
			                            "lvm metadata");
		for (j = 0; j < m->nlvs - 1 && !lv->damage[0]; j++)
			if (strcmp(m->lvs[j].name, lv->name) == 0)
				damage(lv, "a second logical volume of that name");
	}
	return 0;
}

int cust_lvm_meta_parse(const char *text, size_t len,
                        struct cust_lvm_meta **out, struct cust_error *err)
{
	struct parser p = { .t = text, .err = err };
	struct cust_lvm_meta *m = NULL;
	const char *nul;
	int rc = -1;

	*out = NULL;
	if (len > CUST_LVM_META_TEXT_MAX)
		return cust_error_set(err, CUST_E_INPUT, "metadata of %zu bytes "
		                      "(at most %u are read)", len,
		                      CUST_LVM_META_TEXT_MAX);
	p.len = (nul = memchr(text, '\0', len)) ? (size_t)(nul - text) : len;
	if (new_item(&p, K_SECTION) == NONE)
		goto out;
	if (items(&p, 0, 0) < 0)
		goto out;
	if (!(m = calloc(1, sizeof *m))) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm metadata");
		goto out;
	}
	if (group(&p, m) < 0)
		goto out;
	*out = m;
	m = NULL;
	rc = 0;
out:
	cust_lvm_meta_free(m);
	free(p.items);
	return rc;
}

void cust_lvm_meta_free(struct cust_lvm_meta *m)
{
	size_t i, k;

	if (!m)
		return;
	for (i = 0; i < m->nlvs; i++) {
		for (k = 0; k < m->lvs[i].nsegs; k++)
			free(m->lvs[i].segs[k].stripes);
		free(m->lvs[i].segs);
	}
	free(m->lvs);
	free(m);
}
