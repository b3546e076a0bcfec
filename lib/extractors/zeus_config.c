/*
 * zeus_config.c - the ZeuS builder's configuration (config.txt).
 *
 * The 2.x builder reads blocks `entry "Name" ... end`, which nest, holding
 * `key value...` lines (StaticConfig, DynamicConfig) or lists of quoted
 * values, one item a line (WebFilters, WebDataFilters, WebFakes,
 * TANGrabber, DnsMap, AdvancedConfigs).  Values are bare words or "quoted
 * strings"; ';' starts a comment, and the header comments give the build
 * time and version.  The 1.x builder's flatter layout has `[Section]`
 * headers instead of entries.  The timers count minutes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extractors.h"

#define NAME "zeus-config"
#define FAMILY "zeus"
#define DEPTH_MAX 16
#define TOKENS_MAX 16

/* NEEDLE in HEAD: memmem, as fast as the C library makes it, because
 * identify runs on every file of a disk. */
static int has(const unsigned char *head, size_t len, const char *needle)
{
	return memmem(head, len < CUST_X_SNIFF ? len : CUST_X_SNIFF, needle,
	              strlen(needle)) != NULL;
}

static int identify(const struct cust_x_input *in)
{
	if (in->rule && strcmp(in->rule, NAME) == 0)
		return 1;
	/* the builder writes these names as they are here */
	return has(in->head, in->head_len, "\"StaticConfig\"") ||
	       has(in->head, in->head_len, "\"DynamicConfig\"") ||
	       (cust_x_name_is(in->name, "config.txt") &&
	        (has(in->head, in->head_len, "[StaticConfig]") ||
	         has(in->head, in->head_len, "url_config")));
}

struct token {
	const char *s;
	size_t len;
	int quoted;
};

/* Split LINE into at most TOKENS_MAX tokens; a ';' outside a quoted value
 * ends the line.  *COMMENT receives where the comment starts, or NULL. */
static size_t tokenize(const char *line, size_t len, struct token *t,
                       const char **comment, size_t *comment_len)
{
	size_t i = 0, n = 0;

	*comment = NULL;
	while (i < len && n < TOKENS_MAX) {
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i >= len)
			break;
		if (line[i] == ';') {
			*comment = line + i + 1;
			*comment_len = len - i - 1;
			break;
		}
		if (line[i] == '"') {
			size_t start = ++i;
			while (i < len && line[i] != '"')
				i++;
			t[n].s = line + start;
			t[n].len = i - start;
			t[n].quoted = 1;
			n++;
			if (i < len)
				i++; /* the closing quote; an open one ends the line */
			continue;
		}
		t[n].s = line + i;
		while (i < len && !isspace((unsigned char)line[i]) && line[i] != ';')
			i++;
		t[n].len = (size_t)(line + i - t[n].s);
		t[n].quoted = 0;
		n++;
	}
	return n;
}

static int is(const struct token *t, const char *word)
{
	return t->len == strlen(word) && strncasecmp(t->s, word, t->len) == 0;
}

static json_t *other(json_t *rec)
{
	json_t *o = json_object_get(rec, "other");

	if (!o) {
		o = json_object();
		json_object_set_new(rec, "other", o);
	}
	return o;
}

/* The comment " Version: 2.0.8.9" or "Build time: ..." of a header. */
static void header_comment(json_t *rec, const char *c, size_t len)
{
	static const char *const keys[] = { "version:", "version", NULL };
	size_t i = 0, k;

	while (i < len && isspace((unsigned char)c[i]))
		i++;
	for (k = 0; keys[k]; k++) {
		size_t kl = strlen(keys[k]);
		if (len - i > kl && strncasecmp(c + i, keys[k], kl) == 0 &&
		    !json_object_get(rec, "version")) {
			size_t s = i + kl, e;
			while (s < len && (isspace((unsigned char)c[s]) || c[s] == ':'))
				s++;
			for (e = s; e < len && (isdigit((unsigned char)c[e]) ||
			                        c[e] == '.');
			     e++)
				;
			if (e > s)
				cust_x_set(rec, "version", c + s, e - s);
			return;
		}
	}
	if (len - i > 11 && strncasecmp(c + i, "build time:", 11) == 0) {
		size_t s = i + 11;
		while (s < len && isspace((unsigned char)c[s]))
			s++;
		json_object_set_new(other(rec), "build_time",
		                    cust_x_string(c + s, len - s));
	}
}

static long number(const struct token *t)
{
	char buf[24];
	char *end;
	long v;

	if (t->len == 0 || t->len >= sizeof buf)
		return -1;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	v = strtol(buf, &end, 10);
	return *end || v < 0 ? -1 : v;
}

/* A key of StaticConfig or DynamicConfig (or a 1.x section). */
static void setting(json_t *rec, struct cust_x_output *out,
                    const struct token *t, size_t n)
{
	static const char *const timers[] = { "timer_config", "timer_logs",
	                                      "timer_stats", "timer_keylogger",
	                                      NULL };
	const struct token *v = n > 1 ? &t[1] : NULL;
	size_t i;

	if (v && !v->quoted && v->len == 1 && v->s[0] == '=')
		v = n > 2 ? &t[2] : NULL; /* 1.x: key = value */
	if (!v)
		return;
	if (is(&t[0], "botnet")) {
		cust_x_set(rec, "botnet", v->s, v->len);
		return;
	}
	if (is(&t[0], "url_config")) {
		cust_x_c2_url(rec, v->s, v->len, "config");
		return;
	}
	if (is(&t[0], "url_server")) {
		cust_x_c2_url(rec, v->s, v->len, "report");
		return;
	}
	if (is(&t[0], "url_loader")) {
		cust_x_c2_url(rec, v->s, v->len, "loader");
		return;
	}
	if (is(&t[0], "url_compip")) {
		cust_x_c2_url(rec, v->s, v->len, "ip-check");
		return;
	}
	if (is(&t[0], "encryption_key")) {
		cust_x_key(rec, "rc4", "config-encryption", v->s, v->len, 0);
		cust_x_learn_key(out, "rc4", "config-encryption", v->s, v->len, 0);
		return;
	}
	if (is(&t[0], "file_webinjects")) {
		cust_x_push(rec, NULL, "paths", cust_x_string(v->s, v->len));
		json_object_set_new(other(rec), "file_webinjects",
		                    cust_x_string(v->s, v->len));
		return;
	}
	for (i = 0; timers[i]; i++) {
		long minutes;
		if (!is(&t[0], timers[i]))
			continue;
		minutes = number(v);
		if (minutes >= 0 && minutes < 1000000)
			cust_x_push(rec, NULL, "intervals",
			            json_pack("{s:s, s:I}", "name", timers[i],
			                      "seconds", (json_int_t)minutes * 60));
		return;
	}
	{
		char key[64];
		size_t kl = t[0].len < sizeof key - 1 ? t[0].len : sizeof key - 1;
		memcpy(key, t[0].s, kl);
		key[kl] = '\0';
		json_object_set_new(other(rec), key, cust_x_string(v->s, v->len));
	}
}

/* A line of a list block: WebFilters, TANGrabber, ... */
static void list_item(json_t *rec, const char *block, const struct token *t,
                      size_t n)
{
	json_t *e;

	if (strcasecmp(block, "WebFilters") == 0) {
		const char *action = "log";
		const char *p = t[0].s;
		size_t len = t[0].len;
		if (len && (p[0] == '!' || p[0] == '@')) {
			action = p[0] == '!' ? "exclude" : "screenshot";
			p++;
			len--;
		}
		e = json_pack("{s:o, s:s}", "pattern", cust_x_string(p, len),
		              "action", action);
		cust_x_push(rec, "targets", "web_filters", e);
		if (strcmp(action, "exclude") == 0)
			cust_x_push(rec, "targets", "exclusions",
			            cust_x_string(p, len));
	} else if (strcasecmp(block, "WebDataFilters") == 0) {
		e = json_pack("{s:o}", "pattern", cust_x_string(t[0].s, t[0].len));
		if (e && n > 1)
			json_object_set_new(e, "fields", cust_x_string(t[1].s, t[1].len));
		cust_x_push(rec, "targets", "web_data_filters", e);
	} else if (strcasecmp(block, "WebFakes") == 0) {
		e = json_pack("{s:o}", "pattern", cust_x_string(t[0].s, t[0].len));
		if (e && n > 1)
			json_object_set_new(e, "fake", cust_x_string(t[1].s, t[1].len));
		if (e && n > 2)
			json_object_set_new(e, "flags", cust_x_string(t[2].s, t[2].len));
		cust_x_push(rec, "targets", "web_fakes", e);
	} else if (strcasecmp(block, "TANGrabber") == 0) {
		e = json_pack("{s:o}", "pattern", cust_x_string(t[0].s, t[0].len));
		if (e && n > 1)
			json_object_set_new(e, "flags", cust_x_string(t[1].s, t[1].len));
		cust_x_push(rec, "targets", "tan_grabber", e);
	} else if (strcasecmp(block, "DnsMap") == 0 && n > 1) {
		e = json_pack("{s:o, s:o}", "address", cust_x_string(t[0].s, t[0].len),
		              "host", cust_x_string(t[1].s, t[1].len));
		cust_x_push(rec, "targets", "dns_map", e);
	} else if (strcasecmp(block, "AdvancedConfigs") == 0) {
		cust_x_c2_url(rec, t[0].s, t[0].len, "config");
	} else {
		char key[64];
		size_t kl = strlen(block) < sizeof key - 1 ? strlen(block)
		                                             : sizeof key - 1;
		memcpy(key, block, kl);
		key[kl] = '\0';
		cust_x_push(other(rec), NULL, key, cust_x_string(t[0].s, t[0].len));
	}
}

static int parse(const struct cust_x_input *in, const json_t *known,
                 struct cust_x_output *out, struct cust_error *err)
{
	char stack[DEPTH_MAX][64];
	struct cust_x_lines l;
	struct token t[TOKENS_MAX];
	size_t depth = 0, deeper = 0, n;
	const char *line, *comment;
	size_t len, clen = 0;
	json_t *rec;
	int got, seen = 0, section_1x = 0;

	(void)known;
	rec = cust_x_record(FAMILY, NAME, "config");
	if (!rec || cust_x_lines_init(&l, in, err) < 0) {
		json_decref(rec);
		return rec ? -1 : cust_error_set(err, CUST_E_IO, "out of memory");
	}
	while ((got = cust_x_lines_next(&l, &line, &len, err)) == 1) {
		n = tokenize(line, len, t, &comment, &clen);
		if (n == 0) {
			if (comment && !seen)
				header_comment(rec, comment, clen);
			continue;
		}
		seen = 1;
		if (!t[0].quoted && t[0].len > 2 && t[0].s[0] == '[' &&
		    t[0].s[t[0].len - 1] == ']') {
			/* 1.x: a section, not nested */
			size_t kl = t[0].len - 2 < 63 ? t[0].len - 2 : 63;
			memcpy(stack[0], t[0].s + 1, kl);
			stack[0][kl] = '\0';
			depth = 1;
			section_1x = 1;
			continue;
		}
		if (!t[0].quoted && is(&t[0], "entry")) {
			if (depth == DEPTH_MAX) {
				if (deeper++ == 0)
					cust_x_problem(rec, "entries nested deeper than %d "
					               "from line %lu: skipped", DEPTH_MAX,
					               l.lineno);
				continue;
			}
			size_t kl = n > 1 ? (t[1].len < 63 ? t[1].len : 63) : 0;
			if (kl)
				memcpy(stack[depth], t[1].s, kl);
			stack[depth][kl] = '\0';
			depth++;
			continue;
		}
		if (!t[0].quoted && is(&t[0], "end")) {
			if (deeper)
				deeper--;
			else if (depth > 0 && !section_1x)
				depth--;
			else
				cust_x_problem(rec, "'end' without an entry at line %lu",
				               l.lineno);
			continue;
		}
		if (deeper)
			continue;
		if (depth == 0) {
			cust_x_problem(rec, "a value outside any entry at line %lu",
			               l.lineno);
			continue;
		}
		if (section_1x && n == 1 && !t[0].quoted &&
		    memchr(t[0].s, '=', t[0].len)) {
			/* 1.x: key=value */
			const char *eq = memchr(t[0].s, '=', t[0].len);
			t[1].s = eq + 1;
			t[1].len = t[0].len - (size_t)(eq + 1 - t[0].s);
			t[1].quoted = 0;
			t[0].len = (size_t)(eq - t[0].s);
			n = 2;
		}
		if (strcasecmp(stack[depth - 1], "StaticConfig") == 0 ||
		    strcasecmp(stack[depth - 1], "DynamicConfig") == 0 ||
		    (section_1x && !t[0].quoted))
			setting(rec, out, t, n);
		else
			list_item(rec, stack[depth - 1], t, n);
	}
	cust_x_lines_release(&l);
	if (got < 0) {
		json_decref(rec);
		return -1;
	}
	if (depth > 0 && !section_1x)
		cust_x_problem(rec, "%zu entr%s not closed by 'end' at the end of "
		               "the file", depth, depth == 1 ? "y" : "ies");
	cust_x_emit(out, rec);
	return 0;
}

const struct cust_extractor cust_x_zeus_config = {
	NAME, FAMILY,
	"ZeuS 1.x/2.x builder configuration (config.txt): C&C URLs, timers, "
	"the RC4 key of config.bin, web filters, TAN grabber, DNS map",
	identify, parse
};
