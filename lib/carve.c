/* carve.c - email addresses, domains, URLs and IP addresses in a byte
 * stream; see include/custody/carve.h for what each kind accepts. */
#include "custody/carve.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CARVER_MAGIC 0x63617276u

enum {
	LOCAL_MAX = 64,
	EMAIL_MAX = 254,
	EMAIL_DOMAIN_MAX = 255,
	DOMAIN_MAX = 253,
	LABEL_MAX = 63,
	SHORT_LABEL = 3,     /* see short_name_set_apart */
	HOST_RUN_MAX = 260,  /* longest run of host bytes that may hold a name */
	IPV6_RUN_MAX = 47,
	URL_MAX = CUST_CARVE_URL_MAX,
	/* Bytes kept before the next anchor to scan: more than any left
	 * expansion reads (HOST_RUN_MAX + 2 at most). */
	LEFT_CONTEXT = 320,
	/* Bytes needed after an anchor before it is scanned: more than any
	 * right expansion reads (URL_MAX + 2 at most). */
	RIGHT_CONTEXT = URL_MAX + 64,
	CHUNK = 64 * 1024,
	TLD_SLOTS = 1024
};

/* Byte classes. */
enum {
	K_ALNUM = 1 << 0,
	K_HOST = 1 << 1,  /* letters, digits, '.', '-' */
	K_LOCAL = 1 << 2, /* local-part bytes, '.' included */
	K_V6 = 1 << 3,    /* hex digits, ':', '.' */
	K_URL = 1 << 4,   /* RFC 3986 bytes without quotes */
	K_ALPHA = 1 << 5,
	K_DIGIT = 1 << 6,
	K_WORD = 1 << 7   /* letters, digits, '_' */
};

/* A remembered verdict on one top-level label. */
struct tld_slot {
	unsigned char len; /* 0: empty */
	unsigned char known;
	char label[LABEL_MAX + 1];
};

struct cust_carver {
	unsigned magic;
	unsigned kinds;
	int failed;
	const psl_ctx_t *psl;
	unsigned char cls[256];
	/* win[0..win_len) holds stream bytes from offset win_off; anchors
	 * before win[scan] have been handled. */
	unsigned char *win;
	size_t win_cap;
	size_t win_len;
	size_t scan;
	uint64_t win_off;
	/* '.' and ':' anchors before these stream offsets belong to a run
	 * already handled. */
	uint64_t dot_skip;
	uint64_t colon_skip;
	/* the callback of the running feed */
	cust_carve_hit_fn fn;
	void *ctx;
	struct cust_error *err;
	char value[URL_MAX + 64];
	struct tld_slot tld[TLD_SLOTS];
};

static void init_classes(unsigned char *cls)
{
	static const char local_extra[] = "!#$%&*+-^_~.";
	static const char url_extra[] = "-._~:/?#[]@!$&()*+,;=%";
	int ch;

	memset(cls, 0, 256);
	for (ch = 0; ch < 256; ch++) {
		unsigned char k = 0;
		int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		int digit = ch >= '0' && ch <= '9';
		int hex = digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');

		if (alpha)
			k |= K_ALPHA;
		if (digit)
			k |= K_DIGIT;
		if (alpha || digit)
			k |= K_ALNUM | K_HOST | K_LOCAL | K_URL | K_WORD;
		if (ch == '.' || ch == '-')
			k |= K_HOST;
		if (ch == '_')
			k |= K_WORD;
		if (hex || ch == ':' || ch == '.')
			k |= K_V6;
		if (ch != 0 && strchr(local_extra, ch))
			k |= K_LOCAL;
		if (ch != 0 && strchr(url_extra, ch))
			k |= K_URL;
		cls[ch] = k;
	}
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* ---- validation --------------------------------------------------------- */

/* Whether the lower-case LABEL[0..LEN) is a top-level domain of the ICANN
 * section (remembered per label: psl lookups cost ~300 ns). */
static int tld_known(struct cust_carver *c, const unsigned char *label,
                     size_t len)
{
	uint32_t h = 2166136261u;
	struct tld_slot *slot;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)lower(label[i])) * 16777619u;
	slot = &c->tld[h % TLD_SLOTS];
	for (i = 0; i < len && slot->len == len; i++)
		if (slot->label[i] != lower(label[i]))
			break;
	if (slot->len != len || i < len) {
		for (i = 0; i < len; i++)
			slot->label[i] = (char)lower(label[i]);
		slot->label[len] = '\0';
		slot->len = (unsigned char)len;
		slot->known = psl_is_public_suffix2(
			c->psl, slot->label,
			PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
	}
	return slot->known;
}

/* Whether the lower-case NAME[0..LEN) is a host name under a real ICANN
 * public suffix (see carve.h). */
static int domain_ok(struct cust_carver *c, const char *name, size_t len)
{
	char buf[DOMAIN_MAX + 1];
	size_t i, label = 0, labels = 1, tld = 0;
	int digits_only = 1;

	if (len < 3 || len > DOMAIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = name[i];
		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			tld = i + 1;
			digits_only = 1;
			continue;
		}
		if (ch == '-' && label == 0)
			return 0;
		if (!(ch >= '0' && ch <= '9'))
			digits_only = 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	if (label == 0 || name[len - 1] == '-' || labels < 2 || digits_only)
		return 0;
	if (!tld_known(c, (const unsigned char *)name + tld, len - tld))
		return 0;
	/* "co.uk" is a suffix, not a name; so is "x.ck" under "*.ck" */
	memcpy(buf, name, len);
	buf[len] = '\0';
	return psl_is_public_suffix2(c->psl, buf, PSL_TYPE_ICANN) == 0;
}

/* Whether P[0..LEN) is a dotted quad as carve.h describes. */
static int ipv4_ok(const unsigned char *p, size_t len)
{
	unsigned parts = 0, value = 0, digits = 0;
	size_t i;

	if (len < 7 || len > 15)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '.') {
			if (digits == 0 || value > 255)
				return 0;
			parts++;
			value = 0;
			digits = 0;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			return 0;
		if (digits == 1 && value == 0)
			return 0; /* leading zero */
		value = value * 10 + (unsigned)(p[i] - '0');
		if (++digits > 3)
			return 0;
	}
	return parts == 4;
}

/* ---- reporting ---------------------------------------------------------- */

static int report(struct cust_carver *c, enum cust_carve_kind kind,
                  size_t value_len, size_t raw_pos, size_t raw_len)
{
	struct cust_carve_hit hit;

	c->value[value_len] = '\0';
	hit.kind = kind;
	hit.value = c->value;
	hit.value_len = value_len;
	hit.offset = c->win_off + raw_pos;
	hit.length = raw_len;
	/* the window holds LEFT_CONTEXT bytes before the scan point and
	 * RIGHT_CONTEXT after it (less at the ends of the stream) */
	hit.context_at = raw_pos < CUST_CARVE_CONTEXT ? raw_pos : CUST_CARVE_CONTEXT;
	hit.context = c->win + raw_pos - hit.context_at;
	hit.context_len = hit.context_at + raw_len +
	                  (c->win_len - raw_pos - raw_len < CUST_CARVE_CONTEXT
	                   ? c->win_len - raw_pos - raw_len : CUST_CARVE_CONTEXT);
	hit.path = NULL;
	if (c->fn(c->ctx, &hit, c->err) != 0) {
		if (!c->err || c->err->kind == CUST_OK)
			cust_error_set(c->err, CUST_E_IO,
			               "carving stopped by the hit handler at offset %llu",
			               (unsigned long long)hit.offset);
		c->failed = 1;
		return -1;
	}
	return 0;
}

/* Lower-case B[from..to) into c->value at AT; returns the new length. */
static size_t put_lower(struct cust_carver *c, size_t at,
                        const unsigned char *b, size_t from, size_t to)
{
	for (; from < to; from++)
		c->value[at++] = (char)lower(b[from]);
	return at;
}

static size_t put_raw(struct cust_carver *c, size_t at, const unsigned char *b,
                      size_t from, size_t to)
{
	memcpy(c->value + at, b + from, to - from);
	return at + (to - from);
}

/* ---- '.' anchors: domains and IPv4 addresses ---------------------------- */

static int ipv4_in_run(struct cust_carver *c, size_t start, size_t end)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t i = start;

	while (i < end) {
		size_t j, s, e;
		if (!(cls[b[i]] & K_DIGIT) && b[i] != '.') {
			i++;
			continue;
		}
		j = i;
		while (j < end && ((cls[b[j]] & K_DIGIT) || b[j] == '.'))
			j++;
		s = i;
		e = j;
		while (s < e && b[s] == '.')
			s++;
		while (e > s && b[e - 1] == '.')
			e--;
		/* the run's neighbours are never digits or dots: j is maximal */
		if (ipv4_ok(b + s, e - s) &&
		    !(s == i && s > 0 && (cls[b[s - 1]] & K_WORD)) &&
		    !(e == j && e < c->win_len && (cls[b[e]] & K_WORD))) {
			size_t n = put_raw(c, 0, b, s, e);
			if (report(c, CUST_CARVE_IPV4, n, s, e - s) < 0)
				return -1;
		}
		i = j;
	}
	return 0;
}

/* Where the last label of B[s..e) starts when it could be a top-level
 * domain (two letters at least, or an "xn--" label), else 0: rejects
 * most junk (2.4.1, e.g) before any lookup. */
static size_t tld_start(const unsigned char *b, size_t s, size_t e)
{
	size_t t = e, k;

	while (t > s && b[t - 1] != '.')
		t--;
	if (t == s || e - t < 2 || e - t > LABEL_MAX)
		return 0;
	if (e - t > 4 && (b[t] | 0x20) == 'x' && (b[t + 1] | 0x20) == 'n' &&
	    b[t + 2] == '-' && b[t + 3] == '-')
		return t;
	for (k = t; k < e; k++)
		if (!((b[k] | 0x20) >= 'a' && (b[k] | 0x20) <= 'z'))
			return 0;
	return t;
}

/* Whether CH sets a name apart in text or among a binary's strings. */
static int delimiter(int ch)
{
	return ch == 0 || ch == ' ' || (ch >= '\t' && ch <= '\r') ||
	       (ch > 0 && strchr("\"'`<>()[]{}@/\\|,;:=!?#*&+", ch) != NULL);
}

/* Random bytes make two-label names with a short first label by the
 * thousand per GiB ("0.ai", "05.tm", "0ba.sk"), each touching bytes that
 * are no text; so the name C->value (N bytes) at B[S..E), when it is such
 * a name (a first label of 1..SHORT_LABEL bytes, one dot), must stand
 * between delimiters (white space, NUL, quotes, brackets, '@', '/', ...;
 * a full stop after it) as it does in text and in strings, "t.co" among
 * them.  Longer names come from random bytes a hundred times less often. */
static int short_name_set_apart(const struct cust_carver *c, size_t n,
                                size_t s, size_t e)
{
	const unsigned char *b = c->win;
	const char *dot = memchr(c->value, '.', n);

	if (!dot || (size_t)(dot - c->value) > SHORT_LABEL ||
	    memchr(dot + 1, '.', n - (size_t)(dot - c->value) - 1))
		return 1;
	return (s == 0 || delimiter(b[s - 1])) &&
	       (e >= c->win_len || delimiter(b[e]) || b[e] == '.');
}

/* The piece B[s..e) of a host run (no ".." inside); LOCAL_NEXT says the
 * piece is followed by '@'. */
static int domain_piece(struct cust_carver *c, size_t s, size_t e,
                        int local_next)
{
	const unsigned char *b = c->win;
	size_t n, t;

	while (s < e && (b[s] == '.' || b[s] == '-'))
		s++;
	while (e > s && (b[e - 1] == '.' || b[e - 1] == '-'))
		e--;
	if (local_next || e - s < 3 || e - s > DOMAIN_MAX)
		return 0;
	t = tld_start(b, s, e);
	if (t == 0 || !tld_known(c, b + t, e - t))
		return 0;
	n = put_lower(c, 0, b, s, e);
	if (!domain_ok(c, c->value, n) || !short_name_set_apart(c, n, s, e))
		return 0;
	return report(c, CUST_CARVE_DOMAIN, n, s, e - s);
}

static int on_dot(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, start, end, ps;
	unsigned seen = 0; /* classes of the run's bytes */

	if (c->win_off + p < c->dot_skip || p == 0 || p + 1 >= n ||
	    !(cls[b[p - 1]] & K_ALNUM) || !(cls[b[p + 1]] & K_ALNUM))
		return 0;
	start = p;
	while (start > 0 && (cls[b[start - 1]] & K_HOST) &&
	       p - start <= HOST_RUN_MAX)
		seen |= cls[b[--start]];
	end = p + 1;
	while (end < n && (cls[b[end]] & K_HOST) && end - start <= HOST_RUN_MAX)
		seen |= cls[b[end++]];
	if (end - start > HOST_RUN_MAX) {
		/* too long for a name: skip the whole run, which may go on
		 * into the next feed, where its anchors see it is too long */
		while (end < n && (cls[b[end]] & K_HOST))
			end++;
		c->dot_skip = c->win_off + end;
		return 0;
	}
	c->dot_skip = c->win_off + end;
	if ((c->kinds & CUST_CARVE_IPV4) && (seen & K_DIGIT) &&
	    ipv4_in_run(c, start, end) < 0)
		return -1;
	if (!(c->kinds & CUST_CARVE_DOMAIN) || !(seen & K_ALPHA))
		return 0;
	ps = start;
	for (;;) {
		size_t pe = ps;
		while (pe < end && !(b[pe] == '.' && pe + 1 < end && b[pe + 1] == '.'))
			pe++;
		if (domain_piece(c, ps, pe, pe == end && end < n && b[end] == '@') < 0)
			return -1;
		if (pe >= end)
			break;
		ps = pe;
		while (ps < end && b[ps] == '.')
			ps++;
	}
	return 0;
}

/* ---- '@' anchors: email addresses --------------------------------------- */

/* Whether the text at B[LS] follows "//" or "//user:", so that the '@'
 * after it ends the userinfo of a URL (ftp://user:pw@host) rather than
 * an address. */
static int in_userinfo(const struct cust_carver *c, size_t ls)
{
	const unsigned char *b = c->win;
	size_t k = ls;

	if (k >= 1 && b[k - 1] == ':') {
		k--;
		while (k > 0 && ls - k <= LOCAL_MAX && b[k - 1] != '/' &&
		       (c->cls[b[k - 1]] & K_URL))
			k--;
	}
	return k >= 2 && b[k - 1] == '/' && b[k - 2] == '/';
}

static int on_at(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, ls, ds, de, i, len, local_len;

	if (p == 0 || p + 1 >= n || !(cls[b[p - 1]] & K_LOCAL) ||
	    !(cls[b[p + 1]] & K_ALNUM))
		return 0;
	ls = p;
	while (ls > 0 && (cls[b[ls - 1]] & K_LOCAL)) {
		if (p - ls >= LOCAL_MAX + 1)
			return 0; /* longer than any local part */
		ls--;
	}
	for (i = p; i > ls + 1; i--)
		if (b[i - 1] == '.' && b[i - 2] == '.') {
			ls = i;
			break;
		}
	while (ls < p && !(cls[b[ls]] & K_WORD))
		ls++;
	local_len = p - ls;
	if (local_len == 0 || local_len > LOCAL_MAX || b[p - 1] == '.' ||
	    in_userinfo(c, ls))
		return 0;
	ds = p + 1;
	de = ds;
	while (de < n && (cls[b[de]] & K_HOST)) {
		if (de - ds >= EMAIL_DOMAIN_MAX + 1)
			return 0;
		if (b[de] == '.' && de + 1 < n && b[de + 1] == '.')
			break;
		de++;
	}
	while (de > ds && (b[de - 1] == '.' || b[de - 1] == '-'))
		de--;
	if (de - ds < 3 || local_len + 1 + (de - ds) > EMAIL_MAX)
		return 0;
	len = put_raw(c, 0, b, ls, p);
	c->value[len++] = '@';
	len = put_lower(c, len, b, ds, de);
	if (!domain_ok(c, c->value + local_len + 1, de - ds))
		return 0;
	return report(c, CUST_CARVE_EMAIL, len, ls, de - ls);
}

/* ---- ':' anchors: URLs and IPv6 addresses ------------------------------- */

static int scheme_ok(const unsigned char *s, size_t len)
{
	char buf[6];
	size_t i;

	if (len < 3 || len > 5)
		return 0;
	for (i = 0; i < len; i++)
		buf[i] = (char)lower(s[i]);
	buf[len] = '\0';
	return strcmp(buf, "http") == 0 || strcmp(buf, "https") == 0 ||
	       strcmp(buf, "ftp") == 0;
}

static int trailing_punct(int ch)
{
	return ch != 0 && strchr(".,;:!?'\"", ch) != NULL;
}

static int on_url(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, s, a, ue, ae, h, he, q, k, len;
	long parens = 0, brackets = 0;
	char host[DOMAIN_MAX + 2];

	s = p;
	while (s > 0 && p - s < 5 && (cls[b[s - 1]] & K_ALPHA))
		s--;
	if ((s > 0 && (cls[b[s - 1]] & K_ALPHA)) || !scheme_ok(b + s, p - s))
		return 0;
	a = p + 3;
	ue = a;
	while (ue < n && (cls[b[ue]] & K_URL)) {
		if (ue - s >= URL_MAX)
			return 0; /* longer than any URL kept */
		if (b[ue] == '(')
			parens++;
		else if (b[ue] == ')')
			parens--;
		else if (b[ue] == '[')
			brackets++;
		else if (b[ue] == ']')
			brackets--;
		ue++;
	}
	/* trailing punctuation belongs to the text around the URL */
	while (ue > a) {
		unsigned char ch = b[ue - 1];
		if (trailing_punct(ch))
			ue--;
		else if (ch == ')' && parens < 0)
			ue--, parens++;
		else if (ch == ']' && brackets < 0)
			ue--, brackets++;
		else
			break;
	}
	ae = a;
	while (ae < ue && b[ae] != '/' && b[ae] != '?' && b[ae] != '#')
		ae++;
	h = a;
	for (k = a; k < ae; k++)
		if (b[k] == '@')
			h = k + 1;
	if (h >= ae)
		return 0;
	if (b[h] == '[') {
		unsigned char addr[16];
		he = h + 1;
		while (he < ae && b[he] != ']')
			he++;
		if (he >= ae || he - h - 1 > IPV6_RUN_MAX || he - h - 1 < 2)
			return 0;
		memcpy(host, b + h + 1, he - h - 1);
		host[he - h - 1] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return 0;
		he++;
		q = he;
	} else {
		size_t hl;
		he = h;
		while (he < ae && (cls[b[he]] & K_HOST))
			he++;
		q = he;
		if (he > h && b[he - 1] == '.')
			he--; /* the root's dot */
		hl = he - h;
		if (hl == 0 || hl > DOMAIN_MAX)
			return 0;
		for (k = 0; k < hl; k++)
			host[k] = (char)lower(b[h + k]);
		if (!ipv4_ok(b + h, hl) && !domain_ok(c, host, hl))
			return 0;
	}
	if (q < ae) {
		/* a port, and nothing else, may follow the host */
		unsigned long port = 0;
		if (b[q] != ':' || ae - q < 2 || ae - q > 6)
			return 0;
		for (k = q + 1; k < ae; k++) {
			if (!(cls[b[k]] & K_DIGIT))
				return 0;
			port = port * 10 + (unsigned long)(b[k] - '0');
		}
		if (port == 0 || port > 65535)
			return 0;
	}
	len = put_lower(c, 0, b, s, a);
	len = put_raw(c, len, b, a, h);
	len = put_lower(c, len, b, h, he);
	len = put_raw(c, len, b, q, ue);
	return report(c, CUST_CARVE_URL, len, s, ue - s);
}

static int on_ipv6(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, st, en, k, colons = 0, hex = 0;
	unsigned char addr[16];
	char text[IPV6_RUN_MAX + 1];
	const char *range;

	if (c->win_off + p < c->colon_skip)
		return 0;
	st = p;
	while (st > 0 && (cls[b[st - 1]] & K_V6) && p - st <= IPV6_RUN_MAX)
		st--;
	en = p + 1;
	while (en < n && (cls[b[en]] & K_V6) && en - st <= IPV6_RUN_MAX)
		en++;
	if (en - st > IPV6_RUN_MAX) {
		while (en < n && (cls[b[en]] & K_V6))
			en++;
		c->colon_skip = c->win_off + en;
		return 0;
	}
	c->colon_skip = c->win_off + en;
	if ((st > 0 && (cls[b[st - 1]] & K_WORD)) ||
	    (en < n && (cls[b[en]] & K_WORD)))
		return 0;
	while (en > st && b[en - 1] == '.')
		en--;
	if (en - st >= 2 && b[en - 1] == ':' && b[en - 2] != ':')
		en--;
	if (en - st >= 2 && b[st] == ':' && b[st + 1] != ':')
		st++;
	for (k = st; k < en; k++) {
		if (b[k] == ':')
			colons++;
		else if (b[k] != '.')
			hex++;
	}
	/* eight groups need seven colons unless "::" stands for some; six
	 * when an IPv4 tail counts for two (cheaper than inet_pton on every
	 * 12:30:45) */
	if (colons < 2 || hex == 0 ||
	    (colons < 6 && !memmem(b + st, en - st, "::", 2)))
		return 0;
	memcpy(text, b + st, en - st);
	text[en - st] = '\0';
	if (inet_pton(AF_INET6, text, addr) != 1 ||
	    !inet_ntop(AF_INET6, addr, c->value, INET6_ADDRSTRLEN))
		return 0;
	/* "1::", "5b::", "2::c": random bytes make these by the hundred per
	 * GiB; space IANA never allocated, written short, is taken for junk
	 * (all eight groups written out still count) */
	range = cust_carve_ip_class(CUST_CARVE_IPV6, c->value);
	if (strstr(text, "::") && range && strcmp(range, "reserved") == 0)
		return 0;
	return report(c, CUST_CARVE_IPV6, strlen(c->value), st, en - st);
}

static int on_colon(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;

	if ((c->kinds & CUST_CARVE_URL) && p + 2 < c->win_len &&
	    b[p + 1] == '/' && b[p + 2] == '/' && on_url(c, p) < 0)
		return -1;
	if (c->kinds & CUST_CARVE_IPV6)
		return on_ipv6(c, p);
	return 0;
}

/* ---- the scan ----------------------------------------------------------- */

static int on_anchor(struct cust_carver *c, size_t p)
{
	switch (c->win[p]) {
	case '.':
		return (c->kinds & (CUST_CARVE_DOMAIN | CUST_CARVE_IPV4))
		       ? on_dot(c, p) : 0;
	case '@':
		return (c->kinds & CUST_CARVE_EMAIL) ? on_at(c, p) : 0;
	default:
		return on_colon(c, p);
	}
}

/* Handle the anchors of win[c->scan..); all of them at the end of the
 * stream (FINAL), else those with RIGHT_CONTEXT bytes after them.  Then
 * keep only the bytes later anchors need. */
static int scan(struct cust_carver *c, int final)
{
	const unsigned char *b = c->win;
	size_t i = c->scan, limit, keep;

	if (final)
		limit = c->win_len;
	else if (c->win_len > RIGHT_CONTEXT)
		limit = c->win_len - RIGHT_CONTEXT;
	else
		limit = 0;
#ifdef __SSE2__
	{
		const __m128i dot = _mm_set1_epi8('.');
		const __m128i at = _mm_set1_epi8('@');
		const __m128i colon = _mm_set1_epi8(':');
		for (; i + 16 <= limit; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, at)),
				_mm_cmpeq_epi8(v, colon)));
			while (m) {
				if (on_anchor(c, i + (size_t)__builtin_ctz(m)) < 0)
					return -1;
				m &= m - 1;
			}
		}
	}
#endif
	for (; i < limit; i++)
		if ((b[i] == '.' || b[i] == '@' || b[i] == ':') && on_anchor(c, i) < 0)
			return -1;
	if (i > c->scan)
		c->scan = i;
	if (final)
		return 0;
	keep = c->scan > LEFT_CONTEXT ? c->scan - LEFT_CONTEXT : 0;
	if (keep > 0) {
		memmove(c->win, c->win + keep, c->win_len - keep);
		c->win_len -= keep;
		c->win_off += keep;
		c->scan -= keep;
	}
	return 0;
}

/* ---- API ---------------------------------------------------------------- */

static int check(const struct cust_carver *c, struct cust_error *err)
{
	if (!c || c->magic != CARVER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a carver");
	if (c->failed)
		return cust_error_set(err, CUST_E_USAGE,
		                      "carver stopped by an earlier failure; reset it");
	return 0;
}

struct cust_carver *cust_carver_new(unsigned kinds, struct cust_error *err)
{
	struct cust_carver *c;

	if (kinds == 0 || (kinds & ~CUST_CARVE_ALL) != 0) {
		cust_error_set(err, CUST_E_USAGE, "bad set of carving kinds 0x%x",
		               kinds);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		cust_error_set(err, CUST_E_IO, "out of memory for a carver");
		return NULL;
	}
	c->psl = psl_builtin();
	if (!c->psl) {
		free(c);
		cust_error_set(err, CUST_E_IO,
		               "libpsl has no built-in public suffix list");
		return NULL;
	}
	c->win_cap = LEFT_CONTEXT + RIGHT_CONTEXT + CHUNK;
	c->win = malloc(c->win_cap);
	if (!c->win) {
		free(c);
		cust_error_set(err, CUST_E_IO, "out of memory for a carver");
		return NULL;
	}
	init_classes(c->cls);
	c->kinds = kinds;
	c->magic = CARVER_MAGIC;
	return c;
}

void cust_carver_free(struct cust_carver *c)
{
	if (!c || c->magic != CARVER_MAGIC)
		return;
	c->magic = 0;
	free(c->win);
	free(c);
}

void cust_carver_reset(struct cust_carver *c)
{
	if (!c || c->magic != CARVER_MAGIC)
		return;
	c->failed = 0;
	c->win_len = 0;
	c->scan = 0;
	c->win_off = 0;
	c->dot_skip = 0;
	c->colon_skip = 0;
}

uint64_t cust_carver_offset(const struct cust_carver *c)
{
	return c && c->magic == CARVER_MAGIC ? c->win_off + c->win_len : 0;
}

int cust_carver_feed(struct cust_carver *c, const void *data, size_t len,
                     cust_carve_hit_fn fn, void *ctx, struct cust_error *err)
{
	const unsigned char *p = data;

	if (check(c, err) < 0)
		return -1;
	if (!fn || (!data && len > 0))
		return cust_error_set(err, CUST_E_USAGE,
		                      "carving needs data and a hit handler");
	c->fn = fn;
	c->ctx = ctx;
	c->err = err;
	while (len > 0) {
		size_t n = c->win_cap - c->win_len;
		if (n > len)
			n = len;
		memcpy(c->win + c->win_len, p, n);
		c->win_len += n;
		p += n;
		len -= n;
		if (c->win_len == c->win_cap && scan(c, 0) < 0)
			return -1;
	}
	return 0;
}

int cust_carver_end(struct cust_carver *c, cust_carve_hit_fn fn, void *ctx,
                    struct cust_error *err)
{
	if (check(c, err) < 0)
		return -1;
	if (!fn)
		return cust_error_set(err, CUST_E_USAGE,
		                      "carving needs a hit handler");
	c->fn = fn;
	c->ctx = ctx;
	c->err = err;
	if (scan(c, 1) < 0)
		return -1;
	cust_carver_reset(c);
	return 0;
}

const char *cust_carve_kind_name(enum cust_carve_kind kind)
{
	switch (kind) {
	case CUST_CARVE_EMAIL:
		return "email";
	case CUST_CARVE_DOMAIN:
		return "domain";
	case CUST_CARVE_URL:
		return "url";
	case CUST_CARVE_IPV4:
		return "ipv4";
	case CUST_CARVE_IPV6:
		return "ipv6";
	}
	return NULL;
}

/* ---- address classes ---------------------------------------------------- */

static const char *ipv4_class(const unsigned char *a)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	             (uint32_t)a[2] << 8 | a[3];
	static const struct {
		uint32_t net, mask;
		const char *name;
	} nets[] = {
		{ 0x00000000u, 0xff000000u, "reserved" },      /* 0/8 */
		{ 0x0a000000u, 0xff000000u, "private" },       /* 10/8 */
		{ 0x64400000u, 0xffc00000u, "private" },       /* 100.64/10 */
		{ 0x7f000000u, 0xff000000u, "loopback" },      /* 127/8 */
		{ 0xa9fe0000u, 0xffff0000u, "link-local" },    /* 169.254/16 */
		{ 0xac100000u, 0xfff00000u, "private" },       /* 172.16/12 */
		{ 0xc0000000u, 0xffffff00u, "reserved" },      /* 192.0.0/24 */
		{ 0xc0000200u, 0xffffff00u, "documentation" }, /* 192.0.2/24 */
		{ 0xc0a80000u, 0xffff0000u, "private" },       /* 192.168/16 */
		{ 0xc6120000u, 0xfffe0000u, "reserved" },      /* 198.18/15 */
		{ 0xc6336400u, 0xffffff00u, "documentation" }, /* 198.51.100/24 */
		{ 0xcb007100u, 0xffffff00u, "documentation" }, /* 203.0.113/24 */
		{ 0xe0000000u, 0xf0000000u, "multicast" },     /* 224/4 */
		{ 0xf0000000u, 0xf0000000u, "reserved" },      /* 240/4 */
	};
	size_t i;

	for (i = 0; i < sizeof nets / sizeof nets[0]; i++)
		if ((v & nets[i].mask) == nets[i].net)
			return nets[i].name;
	return "public";
}

const char *cust_carve_ip_class(enum cust_carve_kind kind, const char *value)
{
	unsigned char a[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	                                          0, 0, 0xff, 0xff };
	static const unsigned char zero[16];

	if (!value)
		return NULL;
	if (kind == CUST_CARVE_IPV4) {
		if (!ipv4_ok((const unsigned char *)value, strlen(value)) ||
		    inet_pton(AF_INET, value, a) != 1)
			return NULL;
		return ipv4_class(a);
	}
	if (kind != CUST_CARVE_IPV6 || inet_pton(AF_INET6, value, a) != 1)
		return NULL;
	if (memcmp(a, mapped, 12) == 0)
		return ipv4_class(a + 12);
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return "loopback";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	if ((a[0] & 0xfe) == 0xfc)
		return "private";
	if (a[0] == 0xff)
		return "multicast";
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return "documentation";
	if ((a[0] & 0xe0) == 0x20)
		return "public";
	return "reserved";
}
