/* features.c - bulk_extractor feature files and histograms; see
 * include/custody/features.h. */
#include "custody/features.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/decode.h"
#include "custody/fsutil.h"
#include "custody/targets.h"

#define FEATURES_MAGIC 0x66656174u
#define RECORDERS 32
#define PATH_BUF 4096
/* escaped fields: 4 bytes at most per input byte */
#define FIELD_MAX (4 * (32 + CUST_FEATURES_MARK_MAX + CUST_DECODE_PATH_MAX + \
                        CUST_TARGETS_WHERE_MAX))

/* One distinct feature of a histogram. */
struct entry {
	uint64_t count, count16;
	unsigned rec;
	size_t len;
	char text[];
};

struct recorder {
	char name[32];
	char path[PATH_BUF], hpath[PATH_BUF];
	FILE *f;
	uint64_t dropped;
};

struct cust_features {
	unsigned magic;
	struct recorder rec[RECORDERS];
	unsigned nrec;
	int kind_rec[32]; /* carver kind bit -> recorder */
	char version[64], source[1024];
	uint64_t max_bytes, bytes;
	size_t max_values;
	struct entry **slots;
	size_t cap, used, hist_bytes;
	uint64_t hist_dropped;
	char *line; /* FIELD_MAX * 3 */
	int failed;
};

/* bulk_extractor's recorder name for a carver kind. */
static const char *recorder_name(unsigned kind)
{
	switch (kind) {
	case CUST_CARVE_EMAIL: return "email";
	case CUST_CARVE_DOMAIN: return "domain";
	case CUST_CARVE_URL: return "url";
	case CUST_CARVE_IPV4:
	case CUST_CARVE_IPV6: return "ip";
	default: return cust_carve_kind_name((enum cust_carve_kind)kind);
	}
}

static int cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* The length of the valid UTF-8 sequence at P[0..N) (2 to 4), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;

	if ((p[0] & 0xe0) == 0xc0 && n >= 2 && cont(p[1])) {
		cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return cp >= 0x80 ? 2 : 0;
	}
	if ((p[0] & 0xf0) == 0xe0 && n >= 3 && cont(p[1]) && cont(p[2])) {
		cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
		     (p[2] & 0x3f);
		return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? 3 : 0;
	}
	if ((p[0] & 0xf8) == 0xf0 && n >= 4 && cont(p[1]) && cont(p[2]) &&
	    cont(p[3])) {
		cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
		     (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		return cp >= 0x10000 && cp <= 0x10ffff ? 4 : 0;
	}
	return 0;
}

/* Append P[0..N) to OUT (room for 4 * N bytes) as bulk_extractor escapes
 * a field; returns the bytes written. */
static size_t escape(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t k;
		if (c < 0x80 && c >= 0x20 && c != '\\') {
			out[o++] = (char)c;
			i++;
		} else if (c >= 0x80 && (k = utf8_len(p + i, n - i)) > 0) {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		} else {
			out[o++] = '\\';
			out[o++] = (char)('0' + (c >> 6));
			out[o++] = (char)('0' + ((c >> 3) & 7));
			out[o++] = (char)('0' + (c & 7));
			i++;
		}
	}
	return o;
}

static int header(FILE *f, const struct cust_features *F, const char *name,
                  const char *kind)
{
	return fprintf(f, "# custody-Version: %s\n# Feature-Recorder: %s\n"
	                  "# Filename: %s\n# %s-File-Version: 1.1\n",
	               F->version, name, F->source, kind) < 0 ? -1 : 0;
}

/* TEXT (valid UTF-8 without control characters: escaped already) as
 * XML character data. */
static int put_xml_text(FILE *x, const char *text)
{
	const char *p;

	for (p = text; *p; p++) {
		const char *e = *p == '&'    ? "&amp;"
		                : *p == '<'  ? "&lt;"
		                : *p == '>'  ? "&gt;"
		                : *p == '\'' ? "&apos;"
		                : *p == '"'  ? "&quot;"
		                             : NULL;
		if (e ? fputs(e, x) == EOF : fputc(*p, x) == EOF)
			return -1;
	}
	return 0;
}

/* DIR/report.xml: what bulk_extractor_reader.py opens a report folder by
 * (it parses it, and reads the image's name from it). */
static int report_xml(const char *dir, const struct cust_features *F,
                      struct cust_error *err)
{
	char path[PATH_BUF];
	FILE *x;
	int bad;

	if (cust_path_format(path, sizeof path, err, "%s/" CUST_FEATURES_REPORT,
	                     dir) < 0 ||
	    !(x = cust_fs_fcreate(path, 0444, err)))
		return -1;
	bad = fputs("<?xml version='1.0' encoding='UTF-8'?>\n"
	            "<dfxml xmloutputversion='1.0'>\n"
	            "  <metadata xmlns='http://afflib.org/bulk_extractor/' "
	            "xmlns:dc='http://purl.org/dc/elements/1.1/'>\n"
	            "    <dc:type>Feature Extraction</dc:type>\n"
	            "  </metadata>\n"
	            "  <creator version='1.0'>\n"
	            "    <program>custody-extract</program>\n"
	            "    <version>", x) == EOF ||
	      put_xml_text(x, F->version) < 0 ||
	      fputs("</version>\n  </creator>\n  <source>\n"
	            "    <image_filename>", x) == EOF ||
	      put_xml_text(x, F->source) < 0 ||
	      fputs("</image_filename>\n  </source>\n</dfxml>\n", x) == EOF;
	if (bad) {
		fclose(x);
		return cust_error_set(err, CUST_E_IO, "cannot write '%s'", path);
	}
	return cust_fs_fclose_synced(x, path, err);
}

static void features_free(struct cust_features *f)
{
	size_t i;

	if (f->slots)
		for (i = 0; i < f->cap; i++)
			free(f->slots[i]);
	free(f->slots);
	free(f->line);
	f->magic = 0;
	free(f);
}

struct cust_features *cust_features_new(const char *dir, unsigned kinds,
                                        const char *version,
                                        const char *source,
                                        uint64_t max_bytes, size_t max_values,
                                        struct cust_error *err)
{
	struct cust_features *f;
	unsigned bit, i;

	if (!dir || !version || !source || max_bytes == 0 || max_values == 0) {
		cust_error_set(err, CUST_E_USAGE, "bad feature file arguments");
		return NULL;
	}
	if (!(f = calloc(1, sizeof *f)) || !(f->line = malloc(3 * FIELD_MAX + 8)) ||
	    !(f->slots = calloc(1024, sizeof *f->slots))) {
		if (f) {
			free(f->line);
			free(f);
		}
		cust_error_set(err, CUST_E_IO, "out of memory for feature files");
		return NULL;
	}
	f->magic = FEATURES_MAGIC;
	f->cap = 1024;
	f->max_bytes = max_bytes;
	f->max_values = max_values;
	snprintf(f->version, sizeof f->version, "%s", version);
	escape(source, strnlen(source, (sizeof f->source - 1) / 4), f->source);
	for (i = 0; i < 32; i++)
		f->kind_rec[i] = -1;
	if (cust_fs_mkdir(dir, 0, err) < 0 || report_xml(dir, f, err) < 0) {
		features_free(f);
		return NULL;
	}
	for (bit = 0; bit < 32; bit++) {
		const char *name = (kinds >> bit) & 1 ? recorder_name(1u << bit)
		                                       : NULL;
		struct recorder *r;
		if (!name)
			continue;
		for (i = 0; i < f->nrec; i++)
			if (strcmp(f->rec[i].name, name) == 0)
				break;
		f->kind_rec[bit] = (int)i;
		if (i < f->nrec || f->nrec == RECORDERS)
			continue;
		r = &f->rec[f->nrec];
		snprintf(r->name, sizeof r->name, "%s", name);
		if (cust_path_format(r->path, sizeof r->path, err, "%s/%s.txt",
		                     dir, name) < 0 ||
		    cust_path_format(r->hpath, sizeof r->hpath, err,
		                     "%s/%s_histogram.txt", dir, name) < 0 ||
		    !(r->f = cust_fs_fcreate(r->path, 0444, err))) {
			cust_features_close(f, 0, NULL);
			return NULL;
		}
		f->nrec++;
		if (header(r->f, f, name, "Feature") < 0) {
			cust_error_set(err, CUST_E_IO, "cannot write '%s'",
			               r->path);
			cust_features_close(f, 0, NULL);
			return NULL;
		}
	}
	return f;
}

/* ---- histograms */

static uint64_t hash(unsigned rec, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ rec;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int grow(struct cust_features *f)
{
	size_t cap = f->cap * 2, i, j;
	struct entry **s = calloc(cap, sizeof *s);

	if (!s)
		return -1;
	for (i = 0; i < f->cap; i++) {
		struct entry *e = f->slots[i];
		if (!e)
			continue;
		for (j = (size_t)hash(e->rec, e->text, e->len) & (cap - 1); s[j];
		     j = (j + 1) & (cap - 1))
			;
		s[j] = e;
	}
	free(f->slots);
	f->slots = s;
	f->cap = cap;
	return 0;
}

static int count(struct cust_features *f, unsigned rec, const char *v,
                 size_t n, int utf16, struct cust_error *err)
{
	char low[CUST_CARVE_VALUE_MAX + 1];
	struct entry *e;
	size_t j, i;

	if (strcmp(f->rec[rec].name, "email") == 0 && n < sizeof low) {
		for (i = 0; i < n; i++)
			low[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
		v = low;
	}
	for (j = (size_t)hash(rec, v, n) & (f->cap - 1); (e = f->slots[j]);
	     j = (j + 1) & (f->cap - 1))
		if (e->rec == rec && e->len == n && memcmp(e->text, v, n) == 0) {
			e->count++;
			e->count16 += utf16 != 0;
			return 0;
		}
	if (f->used >= f->max_values) {
		f->hist_dropped++;
		return 0;
	}
	if (!(e = malloc(sizeof *e + n + 1)))
		return cust_error_set(err, CUST_E_IO, "out of memory for histograms");
	e->count = 1;
	e->count16 = utf16 != 0;
	e->rec = rec;
	e->len = n;
	memcpy(e->text, v, n);
	e->text[n] = '\0';
	f->slots[j] = e;
	f->used++;
	if (f->used * 2 > f->cap && grow(f) < 0)
		return cust_error_set(err, CUST_E_IO, "out of memory for histograms");
	return 0;
}

int cust_features_add(struct cust_features *f, const struct cust_carve_hit *h,
                      uint64_t pos, const char *mark, struct cust_error *err)
{
	unsigned bit;
	int rec;
	struct recorder *r;
	char num[32 + CUST_FEATURES_MARK_MAX + CUST_DECODE_PATH_MAX];
	size_t o = 0;
	int w;

	if (!f || f->magic != FEATURES_MAGIC || !h || !mark ||
	    strnlen(mark, CUST_FEATURES_MARK_MAX) == CUST_FEATURES_MARK_MAX)
		return cust_error_set(err, CUST_E_USAGE, "not a feature writer");
	if (f->failed)
		return cust_error_set(err, CUST_E_IO, "feature files failed earlier");
	bit = h->kind ? (unsigned)__builtin_ctz((unsigned)h->kind) : 32;
	if (bit >= 32 || (rec = f->kind_rec[bit]) < 0 || (unsigned)rec >= f->nrec)
		return 0; /* a kind not asked for */
	r = &f->rec[rec];
	if (count(f, (unsigned)rec, h->value, h->value_len,
	          h->path && strstr(h->path, "-UTF16-") != NULL, err) < 0)
		return -1;
	w = snprintf(num, sizeof num, "%" PRIu64 "%s%s", pos, mark,
	             h->path ? h->path : "");
	if (w < 0 || (size_t)w >= sizeof num)
		return cust_error_set(err, CUST_E_USAGE, "decoded path too long");
	o = escape(num, (size_t)w, f->line);
	f->line[o++] = '\t';
	o += escape(h->value, h->value_len, f->line + o);
	f->line[o++] = '\t';
	if (h->context && h->context_len <= 2 * CUST_CARVE_CONTEXT + CUST_CARVE_VALUE_MAX)
		o += escape(h->context, h->context_len, f->line + o);
	f->line[o++] = '\n';
	if (r->dropped || o > f->max_bytes - f->bytes) {
		r->dropped++;
		return 0;
	}
	if (fwrite(f->line, 1, o, r->f) != o) {
		f->failed = 1;
		return cust_error_set(err, CUST_E_IO, "cannot write '%s'", r->path);
	}
	f->bytes += o;
	return 0;
}

uint64_t cust_features_dropped(const struct cust_features *f)
{
	uint64_t n = 0;
	unsigned i;

	if (!f || f->magic != FEATURES_MAGIC)
		return 0;
	for (i = 0; i < f->nrec; i++)
		n += f->rec[i].dropped;
	return n;
}

static int by_count(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = memcmp(x->text, y->text, n)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int histogram(struct cust_features *f, unsigned rec,
                     struct entry **all, size_t n, struct cust_error *err)
{
	struct recorder *r = &f->rec[rec];
	FILE *h = cust_fs_fcreate(r->hpath, 0444, err);
	size_t i;
	int bad = 0;

	if (!h)
		return -1;
	bad = header(h, f, r->name, "Histogram") < 0;
	for (i = 0; i < n && !bad; i++) {
		size_t o;
		if (all[i]->rec != rec)
			continue;
		o = escape(all[i]->text, all[i]->len, f->line);
		bad = fprintf(h, "n=%" PRIu64 "\t%.*s", all[i]->count, (int)o,
		              f->line) < 0 ||
		      (all[i]->count16 &&
		       fprintf(h, "\t(utf16=%" PRIu64 ")", all[i]->count16) < 0) ||
		      fputc('\n', h) == EOF;
	}
	if (!bad && f->hist_dropped &&
	    fprintf(h, "# custody: %" PRIu64 " occurrences of features past "
	               "the bound of %zu distinct features not counted\n",
	            f->hist_dropped, f->max_values) < 0)
		bad = 1;
	if (bad) {
		fclose(h);
		return cust_error_set(err, CUST_E_IO, "cannot write '%s'", r->hpath);
	}
	return cust_fs_fclose_synced(h, r->hpath, err);
}

int cust_features_close(struct cust_features *f, int write_histograms,
                        struct cust_error *err)
{
	struct entry **all = NULL;
	size_t n = 0, i;
	int rc = 0;
	unsigned k;

	if (!f)
		return 0;
	if (f->magic != FEATURES_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a feature writer");
	if (f->failed)
		write_histograms = 0;
	for (k = 0; k < f->nrec; k++) {
		struct recorder *r = &f->rec[k];
		if (!r->f)
			continue;
		if (r->dropped &&
		    fprintf(r->f, "# custody: %" PRIu64 " more features not "
		                  "written: the feature files reached their bound "
		                  "of %" PRIu64 " bytes\n",
		            r->dropped, f->max_bytes) < 0 && rc == 0)
			rc = cust_error_set(err, CUST_E_IO, "cannot write '%s'",
			                    r->path);
		if (cust_fs_fclose_synced(r->f, r->path, rc == 0 ? err : NULL) < 0)
			rc = -1;
		r->f = NULL;
	}
	if (rc == 0 && write_histograms) {
		if (f->used && !(all = malloc(f->used * sizeof *all)))
			rc = cust_error_set(err, CUST_E_IO,
			                    "out of memory for histograms");
		for (i = 0; rc == 0 && i < f->cap; i++)
			if (f->slots[i])
				all[n++] = f->slots[i];
		if (rc == 0 && n > 1)
			qsort(all, n, sizeof *all, by_count);
		for (k = 0; rc == 0 && k < f->nrec; k++)
			if (histogram(f, k, all, n, err) < 0)
				rc = -1;
	}
	free(all);
	features_free(f);
	return rc;
}
