/*
 * zeus_webinjects.c - ZeuS-style webinjects (webinjects.txt), the format
 * ZeuS, SpyEye, Citadel and their heirs share.
 *
 * Each target starts with `set_url URL FLAGS [POST_FILTER [URL_FILTER]]`
 * and is followed by blocks `data_before`, `data_inject`, `data_after`,
 * each closed by `data_end`.  The URL takes '*' (any run) and '#' (any
 * character) as wildcards; the flags are letters: G (GET), P (POST), L
 * (log instead of inject), F (with L: the whole file), H (with L: without
 * the page's HTML), I (case-insensitive URL), C (case-insensitive
 * content), B (not within a frame).  Every set_url is a webinject target:
 * its pattern, flags, host and number of injects.  Read as a stream of
 * lines: a file of any size in bounded memory.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "extractors.h"

#define NAME "zeus-webinjects"
#define FAMILY "zeus"

static int starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncasecmp(line, word, n) == 0 &&
	       (len == n || isspace((unsigned char)line[n]));
}

static int identify(const struct cust_x_input *in)
{
	const char *h = (const char *)in->head, *p = h;
	size_t end = in->head_len < CUST_X_SNIFF ? in->head_len : CUST_X_SNIFF;
	size_t left = end;

	if (in->rule && strcmp(in->rule, NAME) == 0)
		return 1;
	/* a set_url at the start of a line of the head (memmem: identify
	 * runs on every file of a disk) */
	while ((p = memmem(p, left, "set_url", 7)) != NULL) {
		size_t at = (size_t)(p - h);
		if ((at == 0 || h[at - 1] == '\n') &&
		    starts(p, in->head_len - at, "set_url"))
			return 1;
		p += 7;
		left = end - at - 7;
	}
	return 0;
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

static int flags_ok(const char *f, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr("GPLFHICBgplfhicb", f[i]))
			return 0;
	return 1;
}

/* The whitespace-separated word at *I of LINE. */
static int word(const char *line, size_t len, size_t *i, const char **w,
                size_t *wl)
{
	while (*i < len && isspace((unsigned char)line[*i]))
		(*i)++;
	if (*i >= len)
		return 0;
	*w = line + *i;
	while (*i < len && !isspace((unsigned char)line[*i]))
		(*i)++;
	*wl = (size_t)(line + *i - *w);
	return 1;
}

static int parse(const struct cust_x_input *in, const json_t *known,
                 struct cust_x_output *out, struct cust_error *err)
{
	struct cust_x_lines l;
	const char *line;
	size_t len;
	json_t *rec, *target = NULL;
	const char *block = NULL;
	unsigned long block_line = 0;
	long injects = 0;
	int got;

	(void)known;
	rec = cust_x_record(FAMILY, NAME, "webinjects");
	if (!rec)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	if (cust_x_lines_init(&l, in, err) < 0) {
		json_decref(rec);
		return -1;
	}
	while ((got = cust_x_lines_next(&l, &line, &len, err)) == 1) {
		size_t i = 0, ws;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		line += i;
		len -= i;
		for (ws = len; ws > 0 && isspace((unsigned char)line[ws - 1]); ws--)
			;
		if (block) {
			if (ws == 8 && strncasecmp(line, "data_end", 8) == 0)
				block = NULL;
			else if (starts(line, ws, "set_url")) {
				cust_x_problem(rec, "%s from line %lu not closed by "
				               "data_end", block, block_line);
				block = NULL; /* taken as the next target */
			} else {
				continue; /* the injected HTML itself */
			}
			if (!block && !starts(line, ws, "set_url"))
				continue;
		}
		if (starts(line, ws, "set_url")) {
			const char *url, *flags = "";
			size_t ul, fl = 0, hs, hl;
			i = 7;
			if (target) {
				json_object_set_new(target, "injects",
				                    json_integer(injects));
				json_decref(target);
			}
			target = NULL;
			injects = 0;
			if (!word(line, ws, &i, &url, &ul)) {
				cust_x_problem(rec, "set_url without a URL at line %lu",
				               l.lineno);
				continue;
			}
			(void)word(line, ws, &i, &flags, &fl);
			host_of(url, ul, &hs, &hl);
			target = json_pack("{s:o, s:o, s:o}", "pattern",
			                   cust_x_string(url, ul), "flags",
			                   cust_x_string(flags, fl), "host",
			                   cust_x_string(url + hs, hl));
			if (!target)
				continue;
			/* the list takes a reference (or drops it when it is
			 * full); this one is held until the injects are counted */
			cust_x_push(rec, "targets", "webinjects", json_incref(target));
			if (fl && !flags_ok(flags, fl))
				cust_x_problem(rec, "set_url at line %lu has flags "
				               "other than GPLFHICB", l.lineno);
			continue;
		}
		if (ws == 11 && strncasecmp(line, "data_before", 11) == 0)
			block = "data_before";
		else if (ws == 11 && strncasecmp(line, "data_inject", 11) == 0)
			block = "data_inject", injects++;
		else if (ws == 10 && strncasecmp(line, "data_after", 10) == 0)
			block = "data_after";
		else if (ws == 8 && strncasecmp(line, "data_end", 8) == 0)
			cust_x_problem(rec, "data_end without a block at line %lu",
			               l.lineno);
		if (block) {
			block_line = l.lineno;
			if (!target)
				cust_x_problem(rec, "%s before any set_url at line %lu",
				               block, l.lineno);
		}
	}
	cust_x_lines_release(&l);
	if (target)
		json_object_set_new(target, "injects", json_integer(injects));
	json_decref(target);
	if (got < 0) {
		json_decref(rec);
		return -1;
	}
	if (block)
		cust_x_problem(rec, "%s from line %lu not closed by data_end at "
		               "the end of the file", block, block_line);
	cust_x_emit(out, rec);
	return 0;
}

const struct cust_extractor cust_x_zeus_webinjects = {
	NAME, FAMILY,
	"ZeuS-style webinjects (webinjects.txt): each set_url target with its "
	"flags, host and number of injects",
	identify, parse
};
