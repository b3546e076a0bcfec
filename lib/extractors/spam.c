/*
 * spam.c - a spam campaign's material, as the controllers of spam botnets
 * (Rustock, Cutwail and the like) keep it: message templates, recipient,
 * sender and subject lists, and lists of SMTP relays and proxies.  Three
 * extractors share this file.
 *
 * spam-template  A message with RFC 822 headers (Subject: and From: or
 *     To:, at the top) whose text holds the engine's macros or spintax.
 *     Macros are written %%NAME%%, %NAME% (3 characters at least, so the
 *     %E2%80 of a URL is none), %NAME_WITH_UNDERSCORE, {%name} and
 *     {%name%}, {NAME} and {NAME[args]} in capitals, #NAME# and [NAME]
 *     (for [NAME], RND or RAND first, or a '_' or a digit in it, or one of
 *     EMAIL NAME FROM TO DATE SUBJECT MAIL USER DOMAIN URL LINK WORD
 *     NUMBER ID: "[URGENT]" is a subject, not a macro).  Spintax is a
 *     brace group with a '|' in it, {a|b|c}, nested or not ("||" is code,
 *     not a choice).  The record holds the Subject and From lines as they
 *     are written (targets.subjects, targets.senders), the macros used
 *     (other.macros, each once), the number of spintax groups
 *     (other.spintax_groups), and the URLs and domains of the text
 *     (targets.urls as written, macros and all; targets.domains from the
 *     URLs' hosts less their labels holding macros, and the domains the
 *     carver finds in the body).  Text parts in quoted-printable or base64
 *     are decoded first, as far as MIME goes simply (boundaries found in
 *     Content-Type, parts of other types skipped); a base64 part that does
 *     not decode (macros in it) is named in a problem, its URLs not read.
 *
 * spam-list  A list, one entry a line, read as a stream (lists run to
 *     gigabytes): recipients when 80% at least of the first 100 non-empty
 *     lines of the head are one e-mail address (alone, first field of a CSV
 *     line split at , ; tab | or :, quoted or not, or in <angle brackets>),
 *     3 lines at least; senders when the file's name says so ("sender" in
 *     it, or "from" first) and its lines are addresses or short text;
 *     subjects when "subj" is in its name and its lines are text of 998
 *     bytes at most.  Every line is counted; the record holds the first
 *     CUST_X_LIST_MAX entries (targets.recipients, senders or subjects) and
 *     the totals (counts: lines, the entries, unparsed lines of a
 *     recipient list).  Advertised URLs and domains: a file whose name
 *     says so ("url", "link", "domain", "site", "adv", "promo", "redir" or
 *     "spam" in it) and whose lines are 80% URLs (http, https, hxxp, hxxps
 *     or ftp) or bare domain names, a path after them or not, 3 at least:
 *     targets.urls (lines as written) and targets.domains (each host once),
 *     counted.  The name is asked for because mirror lists, bookmarks and
 *     crawl queues are URL lists too.
 *
 * relay-list  Lines `host:port`, `[IPv6]:port`, `user:password@host:port`,
 *     `host:port:user:password`, `scheme://host:port` or `host port`, with
 *     anything after white space ignored and #, ; and // lines skipped;
 *     claimed as for recipients (80% of the first 100 lines, 3 at least).
 *     Each endpoint goes to targets.smtp_relays or targets.proxies:
 *     smtp, smtps and submission schemes and ports 25, 465, 587 and 2525
 *     are SMTP; socks4, socks4a, socks5, socks5h, socks, http and https
 *     schemes and ports 80, 443, 1080, 1081, 3127, 3128, 3129, 6588, 8000,
 *     8008, 8080, 8081, 8088, 8118, 8443, 8888, 9050, 9150 and 9999 are
 *     proxies; any other port goes where the file's name points ("smtp",
 *     "relay" or "mail" in it: SMTP) and to the proxies otherwise, since
 *     open proxies listen on any port and SMTP relays on a few.  Counted
 *     as the lists above.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "custody/carve.h"
#include "extractors.h"

#define FAMILY "spam"
#define HEAD_LINES 100    /* non-empty lines of the head a list is judged on */
#define MACROS_MAX 256u   /* distinct macros kept */
#define MACRO_NAME_MAX 40 /* longest macro name */
#define SPIN_DEPTH 64     /* spintax nesting followed */
#define BOUNDARIES_MAX 16
#define BOUNDARY_MAX 200  /* RFC 2046: 70; templates put macros in them */
#define HEADER_MAX (64u * 1024) /* an unfolded header value */
#define SUBJECT_LINE_MAX 998   /* RFC 5322's line limit */

/* 1 when NAME holds WORD, or begins with it less its first letter after
 * a '_': FAT marks a deleted entry in its name's first byte, which
 * The Sleuth Kit shows as '_' ("links.txt" deleted reads "_inks.txt"). */
static int name_has(const char *name, const char *word)
{
	const char *base;

	if (!name)
		return 0;
	if (strcasestr(name, word))
		return 1;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return base[0] == '_' && word[0] &&
	       strncasecmp(base + 1, word + 1, strlen(word) - 1) == 0;
}

static int rule_is(const struct cust_x_input *in, const char *name)
{
	return in->rule && strcmp(in->rule, name) == 0;
}

static int space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\f' || ch == '\v';
}

static void trim(const char **s, size_t *n)
{
	while (*n && space((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* ---- the head, line by line --------------------------------------------- */

/* Lines of the head; the last one, cut by the head's end, only when the
 * head is the whole content. */
struct head_lines {
	const char *p, *end;
	int whole;
};

static void head_init(struct head_lines *h, const struct cust_x_input *in)
{
	h->p = (const char *)in->head;
	h->end = h->p + in->head_len;
	h->whole = (uint64_t)in->head_len >= in->size;
}

static int head_next(struct head_lines *h, const char **line, size_t *len)
{
	const char *nl;

	if (h->p >= h->end)
		return 0;
	nl = memchr(h->p, '\n', (size_t)(h->end - h->p));
	if (!nl && !h->whole)
		return 0;
	*line = h->p;
	*len = nl ? (size_t)(nl - h->p) : (size_t)(h->end - h->p);
	h->p = nl ? nl + 1 : h->end;
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	return 1;
}

/* ---- e-mail addresses and endpoints ------------------------------------- */

static int atext(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+/=?^_`{|}~-", ch));
}

/* 1 when S[0..N) is one address: a dot-atom local part of 64 bytes at most
 * and a host name. */
static int email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t local, i;

	if (!at || n > 254)
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++)
		if (!(atext((unsigned char)s[i]) ||
		      (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	return cust_x_hostname(at + 1, n - local - 1);
}

/* The address of a list line: alone, in <angle brackets>, or the first
 * field of a CSV line, quoted or not. */
static int line_address(const char *line, size_t len, const char **a,
                        size_t *alen)
{
	const char *lt = NULL, *gt;
	size_t i;

	trim(&line, &len);
	for (i = 0; i < len; i++)
		if (line[i] == '<')
			lt = line + i;
	if (lt && (gt = memchr(lt, '>', (size_t)(line + len - lt)))) {
		*a = lt + 1;
		*alen = (size_t)(gt - lt - 1);
	} else {
		for (i = 0; i < len && !strchr(",;\t|:", line[i]); i++)
			;
		*a = line;
		*alen = i;
	}
	trim(a, alen);
	if (*alen >= 2 && ((**a == '"' && (*a)[*alen - 1] == '"') ||
	                   (**a == '\'' && (*a)[*alen - 1] == '\''))) {
		(*a)++;
		*alen -= 2;
	}
	return email(*a, *alen);
}

struct relay {
	const char *host, *scheme, *user, *pass;
	size_t hlen, slen, ulen, plen;
	long port;
};

static long port_of(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

static int ipv6(const char *s, size_t n)
{
	char buf[64];
	unsigned char addr[16];

	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, addr) == 1;
}

/* One line of a relay or proxy list into *R. */
static int relay_line(const char *line, size_t len, struct relay *r)
{
	const char *tok, *rest, *p, *colon;
	size_t tl, rl, i;

	memset(r, 0, sizeof *r);
	trim(&line, &len);
	for (tl = 0; tl < len && !space((unsigned char)line[tl]); tl++)
		;
	tok = line;
	rest = line + tl;
	rl = len - tl;
	trim(&rest, &rl);
	for (i = 0; i + 3 <= tl; i++)
		if (memcmp(tok + i, "://", 3) == 0) {
			size_t k;
			for (k = 0; k < i && isalnum((unsigned char)tok[k]); k++)
				;
			if (k != i || i == 0)
				return 0;
			r->scheme = tok;
			r->slen = i;
			tok += i + 3;
			tl -= i + 3;
			break;
		}
	while (tl && tok[tl - 1] == '/')
		tl--;
	for (i = tl; i > 0; i--)
		if (tok[i - 1] == '@') {
			r->user = tok;
			colon = memchr(tok, ':', i - 1);
			r->ulen = colon ? (size_t)(colon - tok) : i - 1;
			if (colon) {
				r->pass = colon + 1;
				r->plen = (size_t)(tok + i - 1 - r->pass);
			}
			tok += i;
			tl -= i;
			break;
		}
	if (tl && tok[0] == '[') {
		const char *close = memchr(tok, ']', tl);
		if (!close || !ipv6(tok + 1, (size_t)(close - tok - 1)))
			return 0;
		r->host = tok + 1;
		r->hlen = (size_t)(close - tok - 1);
		p = close + 1;
		if (p >= tok + tl || *p != ':')
			return 0;
	} else {
		p = memchr(tok, ':', tl);
		r->host = tok;
		r->hlen = p ? (size_t)(p - tok) : tl;
		if (!cust_x_hostname(r->host, r->hlen))
			return 0;
		if (!p) {
			/* "host port" */
			size_t pl;
			for (pl = 0; pl < rl && !space((unsigned char)rest[pl]); pl++)
				;
			r->port = port_of(rest, pl);
			return r->port > 0;
		}
	}
	p++; /* past the ':' before the port */
	colon = memchr(p, ':', (size_t)(tok + tl - p));
	r->port = port_of(p, colon ? (size_t)(colon - p) : (size_t)(tok + tl - p));
	if (r->port < 0)
		return 0;
	if (colon && !r->user) {
		/* host:port:user:password */
		const char *u = colon + 1, *c2 = memchr(u, ':', (size_t)(tok + tl - u));
		r->user = u;
		r->ulen = c2 ? (size_t)(c2 - u) : (size_t)(tok + tl - u);
		if (c2) {
			r->pass = c2 + 1;
			r->plen = (size_t)(tok + tl - r->pass);
		}
	} else if (colon) {
		return 0;
	}
	return 1;
}

static int in_list(long port, const long *list)
{
	for (; *list; list++)
		if (*list == port)
			return 1;
	return 0;
}

/* "smtp_relays" or "proxies", by the rule at the top of this file. */
static const char *relay_kind(const struct relay *r, const char *name)
{
	static const long smtp[] = { 25, 465, 587, 2525, 0 };
	static const long proxy[] = { 80, 443, 1080, 1081, 3127, 3128, 3129,
	                              6588, 8000, 8008, 8080, 8081, 8088, 8118,
	                              8443, 8888, 9050, 9150, 9999, 0 };
	static const char *const smtp_schemes[] = { "smtp", "smtps",
	                                            "submission", NULL };
	static const char *const proxy_schemes[] = { "socks4", "socks4a",
	                                             "socks5", "socks5h",
	                                             "socks", "http", "https",
	                                             NULL };
	size_t i;

	for (i = 0; r->scheme && smtp_schemes[i]; i++)
		if (r->slen == strlen(smtp_schemes[i]) &&
		    strncasecmp(r->scheme, smtp_schemes[i], r->slen) == 0)
			return "smtp_relays";
	for (i = 0; r->scheme && proxy_schemes[i]; i++)
		if (r->slen == strlen(proxy_schemes[i]) &&
		    strncasecmp(r->scheme, proxy_schemes[i], r->slen) == 0)
			return "proxies";
	if (in_list(r->port, smtp))
		return "smtp_relays";
	if (in_list(r->port, proxy))
		return "proxies";
	if (name_has(name, "smtp") || name_has(name, "relay") ||
	    name_has(name, "mail"))
		return "smtp_relays";
	return "proxies";
}

/* ---- lists -------------------------------------------------------------- */

enum list_kind { L_NONE, L_RECIPIENTS, L_SENDERS, L_SUBJECTS, L_RELAYS,
	         L_URLS };

/* The host of a list line that is a URL (a scheme of url_schemes) or a
 * bare domain name, a path after either or not; the line's first word
 * only. */
static int url_line(const char *line, size_t len, const char **host,
                    size_t *hlen)
{
	static const char *const url_schemes[] = { "http", "https", "hxxp",
	                                           "hxxps", "ftp", NULL };
	const char *p, *end, *sep;
	size_t i, sl;

	trim(&line, &len);
	for (i = 0; i < len && !space((unsigned char)line[i]); i++)
		;
	len = i;
	end = line + len;
	sep = memmem(line, len < 9 ? len : 9, "://", 3);
	p = line;
	if (sep) {
		sl = (size_t)(sep - line);
		for (i = 0; url_schemes[i]; i++)
			if (strlen(url_schemes[i]) == sl &&
			    strncasecmp(line, url_schemes[i], sl) == 0)
				break;
		if (!url_schemes[i])
			return 0;
		p = sep + 3;
	}
	*host = p;
	while (p < end && !strchr("/:?#", *p))
		p++;
	*hlen = (size_t)(p - *host);
	if (!sep && p < end && *p != '/')
		return 0; /* "host:port" is a relay's, "a?b" no domain */
	return memchr(*host, '.', *hlen) && cust_x_hostname(*host, *hlen);
}

static int url_list_name(const char *base)
{
	static const char *const words[] = { "url", "link", "domain", "site",
	                                     "adv", "promo", "redir", "spam",
	                                     NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (name_has(base, words[i]))
			return 1;
	return 0;
}

static int is_comment(const char *line, size_t len)
{
	return (len && (line[0] == '#' || line[0] == ';')) ||
	       (len > 1 && line[0] == '/' && line[1] == '/');
}

/* What the head of IN looks like as a list (relays or not).  A line
 * longer than 998 bytes is no address, endpoint nor subject; more than a
 * fifth of the first 100 lines missed is no list, and the look stops
 * there. */
static enum list_kind list_kind(const struct cust_x_input *in, int relays)
{
	struct head_lines h;
	const char *line;
	size_t len, lines = 0, hits = 0, longest = 0;
	int text = 1, subj = 0, from = 0, urls = 0;
	struct relay r;
	const char *name = in->name;
	const char *base = name ? strrchr(name, '/') : NULL;

	base = base ? base + 1 : name;
	if (!relays) {
		subj = name_has(base, "subj");
		from = !subj && (name_has(base, "sender") ||
		                 (base && strncasecmp(base, "from", 4) == 0));
		/* a recipient list has an '@' in its head */
		if (!subj && !from && !memchr(in->head, '@', in->head_len)) {
			if (!url_list_name(base))
				return L_NONE;
			urls = 1;
		}
	}
	head_init(&h, in);
	while (lines < HEAD_LINES && head_next(&h, &line, &len)) {
		const char *a;
		size_t alen, i;

		trim(&line, &len);
		if (len == 0 || (relays && is_comment(line, len)))
			continue;
		lines++;
		if (len > longest)
			longest = len;
		if (len > SUBJECT_LINE_MAX) {
			text = 0;
		} else {
			for (i = 0; i < len && (subj || from); i++)
				if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
					text = 0;
			hits += relays ? relay_line(line, len, &r)
			        : urls ? url_line(line, len, &a, &alen)
			               : line_address(line, len, &a, &alen);
		}
		if ((subj || from) ? !text : (lines - hits) * 5 > HEAD_LINES)
			return L_NONE;
	}
	if (relays)
		return lines >= 3 && hits * 5 >= lines * 4 ? L_RELAYS : L_NONE;
	if (subj)
		return lines >= 1 ? L_SUBJECTS : L_NONE;
	if (from)
		return lines >= 1 && (hits * 2 >= lines || longest <= 256)
		               ? L_SENDERS : L_NONE;
	if (lines < 3 || hits * 5 < lines * 4)
		return L_NONE;
	return urls ? L_URLS : L_RECIPIENTS;
}

static int list_identify(const struct cust_x_input *in)
{
	return rule_is(in, "spam-list") || list_kind(in, 0) != L_NONE;
}

static int relay_identify(const struct cust_x_input *in)
{
	return rule_is(in, "relay-list") || list_kind(in, 1) != L_NONE;
}

static void count(json_t *rec, const char *key, unsigned long long n)
{
	json_t *c = json_object_get(rec, "counts");

	if (!c) {
		c = json_object();
		json_object_set_new(rec, "counts", c);
	}
	json_object_set_new(c, key, json_integer((json_int_t)n));
}

/* Push V to REC.targets.LIST while fewer than CUST_X_LIST_MAX are there:
 * the counts carry the rest. */
static void sample(json_t *rec, const char *list, unsigned long long n,
                   json_t *v)
{
	if (n <= CUST_X_LIST_MAX)
		cust_x_push(rec, "targets", list, v);
	else
		json_decref(v);
}

static json_t *relay_entry(const struct relay *r)
{
	json_t *e = json_pack("{s:o, s:i}", "host",
	                      cust_x_string(r->host, r->hlen), "port",
	                      (int)r->port);
	char scheme[16];
	size_t i;

	if (!e)
		return NULL;
	if (r->scheme && r->slen < sizeof scheme) {
		for (i = 0; i < r->slen; i++)
			scheme[i] = (char)tolower((unsigned char)r->scheme[i]);
		scheme[i] = '\0';
		json_object_set_new(e, "protocol", json_string(scheme));
	}
	if (r->user)
		json_object_set_new(e, "username", cust_x_string(r->user, r->ulen));
	if (r->pass)
		json_object_set_new(e, "password", cust_x_string(r->pass, r->plen));
	return e;
}

/* Push the host H[0..N), lower-cased, to REC.targets.domains the first
 * time SEEN meets it (CUST_X_LIST_MAX of them at most). */
static void domain_once(json_t *rec, json_t *seen, const char *h, size_t n)
{
	char buf[256];
	size_t i;

	if (n >= sizeof buf || json_object_size(seen) >= CUST_X_LIST_MAX)
		return;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)h[i]);
	buf[n] = '\0';
	if (json_object_get(seen, buf))
		return;
	json_object_set_new(seen, buf, json_true());
	cust_x_push(rec, "targets", "domains", json_string(buf));
}

static int list_parse(const struct cust_x_input *in, enum list_kind kind,
                      const char *extractor, struct cust_x_output *out,
                      struct cust_error *err)
{
	static const char *const lists[] = { NULL, "recipients", "senders",
	                                     "subjects", NULL, "urls" };
	struct cust_x_lines l;
	const char *line;
	size_t len;
	unsigned long long lines = 0, taken = 0, unparsed = 0, smtp = 0,
	                   proxies = 0;
	int got, cut_noted = 0;
	json_t *rec = cust_x_record(FAMILY, extractor, "target-list");
	json_t *domains = kind == L_URLS ? json_object() : NULL;

	if (!rec || (kind == L_URLS && !domains)) {
		json_decref(rec);
		json_decref(domains);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	if (cust_x_lines_init(&l, in, err) < 0) {
		json_decref(rec);
		json_decref(domains);
		return -1;
	}
	while ((got = cust_x_lines_next(&l, &line, &len, err)) == 1) {
		const char *a;
		size_t alen;
		struct relay r;

		trim(&line, &len);
		if (len == 0 || (kind == L_RELAYS && is_comment(line, len)))
			continue;
		lines++;
		if (l.cut && !cut_noted++)
			cust_x_problem(rec, "line %lu is longer than %u bytes: %s",
			               l.lineno, CUST_X_LINE_MAX,
			               kind == L_SENDERS || kind == L_SUBJECTS
			                       ? "cut there" : "not taken");
		switch (kind) {
		case L_RECIPIENTS:
			if (!l.cut && line_address(line, len, &a, &alen))
				sample(rec, "recipients", ++taken,
				       cust_x_string(a, alen));
			else
				unparsed++;
			break;
		case L_SENDERS:
		case L_SUBJECTS:
			sample(rec, lists[kind], ++taken, cust_x_string(line, len));
			break;
		case L_URLS:
			if (!l.cut && url_line(line, len, &a, &alen)) {
				sample(rec, "urls", ++taken, cust_x_string(line, len));
				domain_once(rec, domains, a, alen);
			} else {
				unparsed++;
			}
			break;
		case L_RELAYS:
			if (!l.cut && relay_line(line, len, &r)) {
				const char *to = relay_kind(&r, in->name);
				int is_smtp = strcmp(to, "smtp_relays") == 0;
				sample(rec, to, is_smtp ? ++smtp : ++proxies,
				       relay_entry(&r));
			} else {
				unparsed++;
			}
			break;
		default:
			break;
		}
	}
	cust_x_lines_release(&l);
	if (got < 0) {
		json_decref(rec);
		json_decref(domains);
		return -1;
	}
	count(rec, "lines", lines);
	if (kind == L_URLS) {
		count(rec, "domains", json_object_size(domains));
		json_decref(domains);
	}
	if (kind == L_RELAYS) {
		count(rec, "smtp_relays", smtp);
		count(rec, "proxies", proxies);
	} else {
		count(rec, lists[kind], taken);
	}
	if (kind != L_SENDERS && kind != L_SUBJECTS)
		count(rec, "unparsed", unparsed);
	if (json_object_get(rec, "problems"))
		json_object_set_new(rec, "status", json_string("partial"));
	json_array_append_new(out->records, rec);
	return 0;
}

static int spam_list_parse(const struct cust_x_input *in, const json_t *known,
                           struct cust_x_output *out, struct cust_error *err)
{
	enum list_kind kind = list_kind(in, 0);

	(void)known;
	if (kind == L_NONE)
		kind = L_RECIPIENTS; /* named by a rule: taken as recipients */
	return list_parse(in, kind, "spam-list", out, err);
}

static int relay_parse(const struct cust_x_input *in, const json_t *known,
                       struct cust_x_output *out, struct cust_error *err)
{
	(void)known;
	return list_parse(in, L_RELAYS, "relay-list", out, err);
}

/* ---- templates: macros and spintax -------------------------------------- */

static int upper_byte(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static int word_byte(int ch)
{
	return isalnum(ch) || ch == '_';
}

/* The length of the run of bytes at S[0..N) that pass IS, at most MAX. */
static size_t run(const char *s, size_t n, int (*is)(int), size_t max)
{
	size_t i = 0;

	while (i < n && i <= max && is((unsigned char)s[i]))
		i++;
	return i;
}

/* An upper-case name at S: a letter or '_' first, a letter somewhere. */
static size_t upper_name(const char *s, size_t n)
{
	size_t k = run(s, n, upper_byte, MACRO_NAME_MAX), i;
	int letter = 0;

	if (k == 0 || k > MACRO_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < k; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			letter = 1;
	return letter ? k : 0;
}

static int bracket_word(const char *s, size_t k)
{
	static const char *const words[] = { "EMAIL", "NAME", "FROM", "TO",
	                                     "DATE", "SUBJECT", "MAIL", "USER",
	                                     "DOMAIN", "URL", "LINK", "WORD",
	                                     "NUMBER", "ID", NULL };
	size_t i;

	if ((k >= 3 && strncmp(s, "RND", 3) == 0) ||
	    (k >= 4 && strncmp(s, "RAND", 4) == 0))
		return 1;
	for (i = 0; i < k; i++)
		if (s[i] == '_' || (s[i] >= '0' && s[i] <= '9'))
			return 1;
	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == k && strncmp(s, words[i], k) == 0)
			return 1;
	return 0;
}

/* The length of the macro at S[0..N), 0 when there is none. */
static size_t macro_at(const char *s, size_t n)
{
	size_t k, e;

	if (n < 3)
		return 0;
	if (s[0] == '%' && s[1] == '%') { /* %%NAME%% */
		k = run(s + 2, n - 2, word_byte, MACRO_NAME_MAX);
		if (k && k <= MACRO_NAME_MAX && 2 + k + 2 <= n && s[2 + k] == '%' &&
		    s[3 + k] == '%')
			return k + 4;
		return 0;
	}
	if (s[0] == '{' && s[1] == '%') { /* {%name} {%name%} */
		k = run(s + 2, n - 2, word_byte, MACRO_NAME_MAX);
		e = 2 + k;
		if (!k || k > MACRO_NAME_MAX)
			return 0;
		if (e < n && s[e] == '%')
			e++;
		return e < n && s[e] == '}' ? e + 1 : 0;
	}
	if (s[0] == '%') { /* %NAME% %NAME_X */
		int under;
		k = upper_name(s + 1, n - 1);
		if (k < 3)
			return 0;
		if (1 + k < n && s[1 + k] == '%')
			return k + 2;
		under = memchr(s + 1, '_', k) != NULL;
		if (under && (1 + k >= n || !word_byte((unsigned char)s[1 + k])))
			return k + 1;
		return 0;
	}
	if (s[0] == '{') { /* {NAME} {NAME[args]} */
		k = upper_name(s + 1, n - 1);
		e = 1 + k;
		if (k < 2)
			return 0;
		if (e < n && s[e] == '[') {
			size_t j = e + 1;
			while (j < n && j < e + 34 && s[j] != ']' && s[j] != '\n' &&
			       s[j] != '}')
				j++;
			if (j >= n || s[j] != ']')
				return 0;
			e = j + 1;
		}
		return e < n && s[e] == '}' ? e + 1 : 0;
	}
	if (s[0] == '#') { /* #NAME# */
		k = upper_name(s + 1, n - 1);
		return k >= 2 && k <= 32 && 1 + k < n && s[1 + k] == '#' ? k + 2 : 0;
	}
	if (s[0] == '[') { /* [NAME] */
		k = upper_name(s + 1, n - 1);
		return k >= 2 && k <= 32 && 1 + k < n && s[1 + k] == ']' &&
		               bracket_word(s + 1, k)
		               ? k + 2 : 0;
	}
	return 0;
}

/* Spintax groups of a run of text. */
struct spin {
	size_t depth;   /* open braces, followed or not */
	unsigned char marked[SPIN_DEPTH];
	size_t groups;
	int deep;       /* nested deeper than SPIN_DEPTH */
};

static void spin_feed(struct spin *sp, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '{') {
			if (sp->depth < SPIN_DEPTH)
				sp->marked[sp->depth] = 0;
			else
				sp->deep = 1;
			sp->depth++;
		} else if (s[i] == '|' && sp->depth > 0 &&
		           (i == 0 || s[i - 1] != '|') &&
		           (i + 1 >= n || s[i + 1] != '|')) {
			if (sp->depth <= SPIN_DEPTH)
				sp->marked[sp->depth - 1] = 1;
		} else if (s[i] == '}' && sp->depth > 0) {
			sp->depth--;
			if (sp->depth < SPIN_DEPTH && sp->marked[sp->depth])
				sp->groups++;
		}
	}
}

/* ---- templates: the record ---------------------------------------------- */

struct tpl {
	json_t *rec;
	json_t *macros;   /* the set of macros seen */
	json_t *urls;     /* sets, to keep each once */
	json_t *domains;
	struct cust_carver *carver;
	size_t spintax;
	int deep_noted, macros_noted;
};

static void add_once(struct tpl *t, json_t *set, const char *list,
                     const char *s, size_t n)
{
	json_t *v = cust_x_string(s, n);
	const char *key = json_string_value(v);

	if (!key || json_object_get(set, key) ||
	    json_object_size(set) >= CUST_X_LIST_MAX) {
		json_decref(v);
		return;
	}
	json_object_set_new(set, key, json_true());
	cust_x_push(t->rec, list ? "targets" : "other", list ? list : "macros",
	            v);
}

static void macro_seen(struct tpl *t, const char *s, size_t n)
{
	if (json_object_size(t->macros) >= MACROS_MAX) {
		if (!t->macros_noted++)
			cust_x_problem(t->rec, "more than %u macros: the rest left "
			               "out", MACROS_MAX);
		return;
	}
	add_once(t, t->macros, NULL, s, n);
}

static int url_end(int ch)
{
	return ch <= ' ' || ch == 0x7f || ch == '"' || ch == '\'' || ch == '<' ||
	       ch == '>' || ch == '\\' || ch == '`' || ch == '^';
}

/* The domain of a URL's host, its labels holding macros dropped. */
static void url_domain(struct tpl *t, const char *host, size_t n)
{
	char buf[256];
	size_t start = 0, label = 0, i, k;

	for (i = 0; i < n; i++)
		if (host[i] == '.') {
			size_t j;
			for (j = label; j < i; j++)
				if (!isalnum((unsigned char)host[j]) && host[j] != '-')
					break;
			if (j < i)
				start = i + 1; /* the label holds a macro */
			label = i + 1;
		}
	for (i = start; i < n; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' &&
		    host[i] != '.')
			return; /* the last label is a macro */
	if (n - start >= sizeof buf || !cust_x_hostname(host + start, n - start))
		return;
	for (k = 0; start + k < n; k++)
		buf[k] = (char)tolower((unsigned char)host[start + k]);
	add_once(t, t->domains, "domains", buf, k);
}

static void find_urls(struct tpl *t, const char *s, size_t n)
{
	size_t i = 0;

	while (i + 7 < n) {
		const char *p = memchr(s + i, ':', n - i);
		size_t c, b, e, h, hs;
		if (!p)
			break;
		c = (size_t)(p - s);
		i = c + 1;
		if (c + 3 > n || s[c + 1] != '/' || s[c + 2] != '/')
			continue;
		if (c >= 5 && strncasecmp(s + c - 5, "https", 5) == 0)
			b = c - 5;
		else if (c >= 4 && strncasecmp(s + c - 4, "http", 4) == 0)
			b = c - 4;
		else
			continue;
		if (b > 0 && isalpha((unsigned char)s[b - 1]))
			continue;
		for (e = c + 3; e < n && !url_end((unsigned char)s[e]); e++)
			;
		while (e > c + 3 && strchr(".,;:!?)]'", s[e - 1]))
			e--;
		if (e == c + 3)
			continue;
		add_once(t, t->urls, "urls", s + b, e - b);
		/* the host: after any userinfo, up to / ? or a port */
		hs = c + 3;
		for (h = hs; h < e && s[h] != '/' && s[h] != '?'; h++)
			if (s[h] == '@')
				hs = h + 1;
		for (h = hs; h < e && s[h] != '/' && s[h] != '?' && s[h] != ':';
		     h++)
			;
		url_domain(t, s + hs, h - hs);
		i = e;
	}
}

static int on_domain(void *ctx, const struct cust_carve_hit *hit,
                     struct cust_error *err)
{
	struct tpl *t = ctx;

	(void)err;
	add_once(t, t->domains, "domains", hit->value, hit->value_len);
	return 0;
}

/* A run of text of the template: its macros, spintax and URLs (and, in
 * the body, the domains the carver finds); WHERE names it. */
static void text(struct tpl *t, const char *s, size_t n, int body,
                 const char *where, unsigned long line)
{
	struct spin sp;
	size_t i;

	memset(&sp, 0, sizeof sp);
	for (i = 0; i < n; i++) {
		size_t k = macro_at(s + i, n - i);
		if (k) {
			macro_seen(t, s + i, k);
			i += k - 1;
		}
	}
	spin_feed(&sp, s, n);
	t->spintax += sp.groups;
	if (sp.deep && !t->deep_noted++)
		cust_x_problem(t->rec, "braces nested deeper than %d in the %s at "
		               "line %lu: the deeper groups are not counted",
		               SPIN_DEPTH, where, line);
	if (sp.depth > 0) {
		size_t j, open = 0;
		for (j = 0; j < sp.depth && j < SPIN_DEPTH; j++)
			open += sp.marked[j];
		if (open || sp.deep)
			cust_x_problem(t->rec, "%zu brace%s of spintax not closed in "
			               "the %s at line %lu", sp.depth,
			               sp.depth == 1 ? "" : "s", where, line);
	}
	find_urls(t, s, n);
	if (body && t->carver) {
		if (cust_carver_feed(t->carver, s, n, on_domain, t, NULL) < 0 ||
		    cust_carver_end(t->carver, on_domain, t, NULL) < 0)
			cust_carver_reset(t->carver);
	}
}

/* ---- templates: MIME, simply -------------------------------------------- */

enum enc { ENC_NONE, ENC_QP, ENC_B64 };

struct part {
	int text;       /* text/ or no type: read; other types skipped */
	enum enc enc;
	unsigned long line;
	char *buf;      /* its content */
	size_t len, cap;
};

static int part_add(struct part *p, const char *s, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *g;
		while (cap < p->len + n + 1)
			cap *= 2;
		g = realloc(p->buf, cap);
		if (!g)
			return -1;
		p->buf = g;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

static size_t qp_decode(char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] == '=') {
			size_t j = i + 1;
			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j < n && s[j] == '\r')
				j++;
			if (j < n && s[j] == '\n') { /* a soft line break */
				i = j + 1;
				continue;
			}
			if (i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
			    isxdigit((unsigned char)s[i + 2])) {
				char hex[3] = { s[i + 1], s[i + 2], 0 };
				s[o++] = (char)strtol(hex, NULL, 16);
				i += 3;
				continue;
			}
		}
		s[o++] = s[i++];
	}
	return o;
}

/* Base64 S[0..N) decoded in place; -1 when it holds a byte base64 has not. */
static long b64_decode(char *s, size_t n)
{
	unsigned v = 0, bits = 0;
	size_t i, o = 0;
	int pad = 0;

	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i], d;
		if (space(ch))
			continue;
		if (ch == '=') {
			pad = 1;
			continue;
		}
		if (pad)
			return -1;
		if (ch >= 'A' && ch <= 'Z')
			d = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			d = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			d = ch - '0' + 52;
		else if (ch == '+' || ch == '-')
			d = 62;
		else if (ch == '/' || ch == '_')
			d = 63;
		else
			return -1;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[o++] = (char)((v >> bits) & 0xff);
		}
	}
	return (long)o;
}

static void part_end(struct tpl *t, struct part *p)
{
	if (p->text && p->len) {
		size_t n = p->len;
		if (p->enc == ENC_QP)
			n = qp_decode(p->buf, p->len);
		else if (p->enc == ENC_B64) {
			long d = b64_decode(p->buf, p->len);
			if (d < 0) {
				cust_x_problem(t->rec, "the base64 text part at line %lu "
				               "does not decode (it holds bytes base64 "
				               "has not, macros perhaps): its URLs are "
				               "not read", p->line);
				n = 0;
			} else {
				n = (size_t)d;
			}
		}
		if (n)
			text(t, p->buf, n, 1, "part", p->line);
	}
	p->len = 0;
	p->text = 1;
	p->enc = ENC_NONE;
}

/* The value of parameter PARAM of a header value V, into OUT. */
static size_t param(const char *v, size_t n, const char *name, char *out,
                    size_t max)
{
	size_t nl = strlen(name), i, o = 0;

	for (i = 0; i + nl < n; i++) {
		if (strncasecmp(v + i, name, nl) != 0 || v[i + nl] != '=' ||
		    (i > 0 && isalnum((unsigned char)v[i - 1])))
			continue;
		i += nl + 1;
		if (i < n && v[i] == '"') {
			for (i++; i < n && v[i] != '"' && o < max; i++)
				out[o++] = v[i];
		} else {
			for (; i < n && v[i] != ';' && !space((unsigned char)v[i]) &&
			       o < max; i++)
				out[o++] = v[i];
		}
		return o;
	}
	return 0;
}

struct mime {
	char bound[BOUNDARIES_MAX][BOUNDARY_MAX + 1];
	size_t bound_len[BOUNDARIES_MAX];
	size_t nbound;
	int bounds_noted;
};

/* A header NAME: VALUE of the message (TOP) or of a part. */
static void header(struct tpl *t, struct mime *m, struct part *p, int top,
                   const char *name, size_t nl, const char *v, size_t vl,
                   unsigned long line)
{
	char b[BOUNDARY_MAX + 1];
	size_t bl;

	trim(&v, &vl);
	if (nl == 12 && strncasecmp(name, "Content-Type", 12) == 0) {
		p->text = vl == 0 || strncasecmp(v, "text/", 5) == 0 ||
		          strncasecmp(v, "multipart/", 10) == 0 ||
		          strncasecmp(v, "message/", 8) == 0;
		bl = param(v, vl, "boundary", b, BOUNDARY_MAX);
		if (bl && m->nbound < BOUNDARIES_MAX) {
			memcpy(m->bound[m->nbound], b, bl);
			m->bound_len[m->nbound++] = bl;
		} else if (bl && !m->bounds_noted++) {
			cust_x_problem(t->rec, "more than %d MIME boundaries: parts "
			               "from line %lu on may be read as text",
			               BOUNDARIES_MAX, line);
		}
	} else if (nl == 25 &&
	           strncasecmp(name, "Content-Transfer-Encoding", 25) == 0) {
		p->enc = vl >= 16 && strncasecmp(v, "quoted-printable", 16) == 0
		                 ? ENC_QP
		                 : vl >= 6 && strncasecmp(v, "base64", 6) == 0
		                           ? ENC_B64 : ENC_NONE;
	}
	if (!top)
		return;
	if (vl > CUST_X_STRING_MAX &&
	    ((nl == 7 && strncasecmp(name, "Subject", 7) == 0) ||
	     (nl == 4 && strncasecmp(name, "From", 4) == 0)))
		cust_x_problem(t->rec, "the %.*s at line %lu is longer than %u "
		               "bytes: cut there", (int)nl, name, line,
		               CUST_X_STRING_MAX);
	if (nl == 7 && strncasecmp(name, "Subject", 7) == 0)
		cust_x_push(t->rec, "targets", "subjects", cust_x_string(v, vl));
	else if (nl == 4 && strncasecmp(name, "From", 4) == 0)
		cust_x_push(t->rec, "targets", "senders", cust_x_string(v, vl));
	text(t, v, vl, 0, "header", line);
}

/* A header line's name: printable bytes but ':' up to a ':'. */
static size_t header_name(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] == ':')
			return i;
		if (line[i] <= ' ' || line[i] > '~')
			return 0;
	}
	return 0;
}

/* 1 when LINE is the boundary line of one of M's boundaries; *CLOSE set
 * for the closing one. */
static int boundary(const struct mime *m, const char *line, size_t len,
                    int *close)
{
	size_t i;

	while (len && space((unsigned char)line[len - 1]))
		len--;
	if (len < 3 || line[0] != '-' || line[1] != '-')
		return 0;
	for (i = 0; i < m->nbound; i++) {
		size_t bl = m->bound_len[i];
		if (len - 2 >= bl && memcmp(line + 2, m->bound[i], bl) == 0 &&
		    (len - 2 == bl || (len - 2 == bl + 2 &&
		                       line[2 + bl] == '-' && line[3 + bl] == '-'))) {
			*close = len - 2 == bl + 2;
			return 1;
		}
	}
	return 0;
}

static int template_identify(const struct cust_x_input *in)
{
	struct head_lines h;
	const char *line;
	size_t len, headers = 0, i;
	int subject = 0, from = 0, to = 0, found = 0;
	struct spin sp;

	if (rule_is(in, "spam-template"))
		return 1;
	head_init(&h, in);
	h.whole = 1; /* a header cut by the head's end is still one */
	if (h.end - h.p >= 3 && memcmp(h.p, "\xef\xbb\xbf", 3) == 0)
		h.p += 3;
	while (head_next(&h, &line, &len) && len > 0) {
		size_t nl;
		if (line[0] == ' ' || line[0] == '\t') {
			if (headers == 0)
				return 0;
			continue;
		}
		if ((nl = header_name(line, len)) == 0)
			break;
		headers++;
		subject |= nl == 7 && strncasecmp(line, "Subject", 7) == 0;
		from |= nl == 4 && strncasecmp(line, "From", 4) == 0;
		to |= nl == 2 && strncasecmp(line, "To", 2) == 0;
	}
	if (headers < 2 || !subject || !(from || to))
		return 0;
	for (i = 0; i < in->head_len && !found; i++)
		found = macro_at((const char *)in->head + i, in->head_len - i) > 0;
	if (found)
		return 1;
	memset(&sp, 0, sizeof sp);
	spin_feed(&sp, (const char *)in->head, in->head_len);
	return sp.groups > 0;
}

static int template_parse(const struct cust_x_input *in, const json_t *known,
                          struct cust_x_output *out, struct cust_error *err)
{
	enum { HEAD, BODY, PART_HEAD } state = HEAD;
	struct tpl t;
	struct mime m;
	struct part p = { 1, ENC_NONE, 0, NULL, 0, 0 };
	unsigned char *data;
	size_t len, off = 0, nl = 0;
	unsigned long lineno = 0, hline = 0;
	char *hv = NULL;
	size_t hvl = 0, hcut = 0;
	const char *hname = NULL;
	int cut, rc = -1, multipart = 0;

	(void)known;
	memset(&t, 0, sizeof t);
	memset(&m, 0, sizeof m);
	if (cust_x_slurp(in, CUST_X_WHOLE_MAX, &data, &len, &cut, err) < 0)
		return -1;
	t.rec = cust_x_record(FAMILY, "spam-template", "spam-template");
	t.macros = json_object();
	t.urls = json_object();
	t.domains = json_object();
	t.carver = cust_carver_new(CUST_CARVE_DOMAIN, NULL);
	hv = malloc(HEADER_MAX);
	if (!t.rec || !t.macros || !t.urls || !t.domains || !hv) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (cut)
		cust_x_problem(t.rec, "only the first %zu bytes of %llu were read",
		               len, (unsigned long long)in->size);
	if (!t.carver)
		cust_x_problem(t.rec, "no carver: the domains of the text alone "
		               "are not read");
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len) {
		const char *line = (const char *)data + off;
		const char *end = memchr(line, '\n', len - off);
		size_t ll = end ? (size_t)(end - line) : len - off;
		size_t whole = ll + (end ? 1 : 0);
		int close = 0;

		off += whole;
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (state == HEAD || state == PART_HEAD) {
			int top = state == HEAD;
			if (hname && ll && (line[0] == ' ' || line[0] == '\t')) {
				size_t room = HEADER_MAX - hvl;
				if (ll > room)
					hcut = 1;
				memcpy(hv + hvl, line, ll < room ? ll : room);
				hvl += ll < room ? ll : room;
				continue;
			}
			if (hname) {
				if (hcut)
					cust_x_problem(t.rec, "the header at line %lu is "
					               "longer than %u bytes: cut there",
					               hline, HEADER_MAX);
				header(&t, &m, &p, top, hname, nl, hv, hvl, hline);
				hname = NULL;
			}
			if (ll == 0) {
				if (top)
					multipart = m.nbound > 0;
				state = BODY;
				p.line = lineno + 1;
				continue;
			}
			if ((nl = header_name(line, ll)) == 0) {
				cust_x_problem(t.rec, "line %lu is no header: the %s end "
				               "there", lineno,
				               top ? "message's headers" : "part's headers");
				if (top)
					multipart = m.nbound > 0;
				state = BODY;
				p.line = lineno;
				/* read as the first line of the body, below */
			} else {
				hname = line;
				hline = lineno;
				hcut = ll - nl - 1 > HEADER_MAX;
				hvl = hcut ? HEADER_MAX : ll - nl - 1;
				memcpy(hv, line + nl + 1, hvl);
				continue;
			}
		}
		if (multipart && boundary(&m, line, ll, &close)) {
			part_end(&t, &p);
			state = close ? BODY : PART_HEAD;
			p.line = lineno + 1;
			continue;
		}
		if (part_add(&p, line, whole) < 0) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
	}
	if (hname) {
		if (hcut)
			cust_x_problem(t.rec, "the header at line %lu is longer than "
			               "%u bytes: cut there", hline, HEADER_MAX);
		header(&t, &m, &p, state == HEAD, hname, nl, hv, hvl, hline);
	}
	if (state == HEAD)
		cust_x_problem(t.rec, "the headers are not ended by an empty "
		               "line");
	part_end(&t, &p);
	if (!json_object_get(t.rec, "other"))
		json_object_set_new(t.rec, "other", json_object());
	json_object_set_new(json_object_get(t.rec, "other"), "spintax_groups",
	                    json_integer((json_int_t)t.spintax));
	if (json_object_get(t.rec, "problems"))
		json_object_set_new(t.rec, "status", json_string("partial"));
	json_array_append_new(out->records, t.rec);
	t.rec = NULL;
	rc = 0;
out:
	json_decref(t.rec);
	json_decref(t.macros);
	json_decref(t.urls);
	json_decref(t.domains);
	cust_carver_free(t.carver);
	free(p.buf);
	free(hv);
	free(data);
	return rc;
}

const struct cust_extractor cust_x_spam_template = {
	"spam-template", FAMILY,
	"spam message templates (RFC 822 headers with macros or spintax): "
	"subjects, senders, macros, spintax groups, URLs and domains",
	template_identify, template_parse
};

const struct cust_extractor cust_x_spam_list = {
	"spam-list", FAMILY,
	"recipient, sender and subject lists of a spam campaign, and lists of "
	"the URLs and domains it advertises, counted in full, the first "
	"entries kept",
	list_identify, spam_list_parse
};

const struct cust_extractor cust_x_relay_list = {
	"relay-list", FAMILY,
	"SMTP relay and proxy lists (host:port lines), each endpoint sorted "
	"by scheme, port and the file's name",
	relay_identify, relay_parse
};
