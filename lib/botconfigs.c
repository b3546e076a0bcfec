/* botconfigs.c - the extraction's side of the extractors; see
 * include/custody/botconfigs.h. */
#include "custody/botconfigs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "custody/json.h"

#define BOTCONFIGS_MAGIC 0x42434653u /* "BCFS" */
#define EXTRACTORS_MAX 64

/* One content taken by extractors. */
struct content {
	char sha256[65];
	uint64_t size;
	json_t *places;  /* where it was found, in walk order */
	json_t *names;   /* the extractors that took it, sorted */
	json_t *results; /* extractor name -> {"records", "learned", "needs"} */
};

struct cust_botconfigs {
	unsigned magic;
	const struct cust_extractor *enabled[EXTRACTORS_MAX];
	size_t nenabled;
	json_t *hints; /* knowledge items given by hand */
	struct content *items;
	size_t n, cap;
	json_t *index; /* sha256 -> index in items */
};

struct cust_botconfigs *
cust_botconfigs_new(const struct cust_botconfigs_options *o,
                    struct cust_error *err)
{
	const struct cust_extractor *const *x;
	struct cust_botconfigs *b = calloc(1, sizeof *b);
	size_t i;

	if (!b) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	b->magic = BOTCONFIGS_MAGIC;
	b->hints = json_array();
	b->index = json_object();
	if (!b->hints || !b->index) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto fail;
	}
	for (i = 0; o && i < o->nonly; i++)
		if (!cust_extractor_find(o->only[i])) {
			cust_error_set(err, CUST_E_USAGE,
			               "no extractor named '%s' (see "
			               "--list-extractors)", o->only[i]);
			goto fail;
		}
	for (x = cust_extractors(); *x && b->nenabled < EXTRACTORS_MAX; x++) {
		int on = !o || !o->only;
		for (i = 0; !on && i < o->nonly; i++)
			on = strcmp(o->only[i], (*x)->name) == 0;
		if (on)
			b->enabled[b->nenabled++] = *x;
	}
	for (i = 0; o && i < o->nhints; i++)
		json_array_append_new(
			b->hints,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "kind", "key",
			          "algorithm", "rc4", "usage", "hint", "value",
			          o->hints[i], "encoding", "text", "source", "given",
			          "--key-hint"));
	return b;
fail:
	cust_botconfigs_free(b);
	return NULL;
}

void cust_botconfigs_free(struct cust_botconfigs *b)
{
	size_t i;

	if (!b || b->magic != BOTCONFIGS_MAGIC)
		return;
	for (i = 0; i < b->n; i++) {
		json_decref(b->items[i].places);
		json_decref(b->items[i].names);
		json_decref(b->items[i].results);
	}
	free(b->items);
	json_decref(b->hints);
	json_decref(b->index);
	b->magic = 0;
	free(b);
}

json_t *cust_botconfigs_identify(const struct cust_botconfigs *b,
                                 const struct cust_x_input *in)
{
	json_t *names = NULL;
	size_t i;

	if (!b || b->magic != BOTCONFIGS_MAGIC)
		return NULL;
	for (i = 0; i < b->nenabled; i++) {
		if (!b->enabled[i]->identify(in))
			continue;
		if (!names && !(names = json_array()))
			return NULL;
		json_array_append_new(names, json_string(b->enabled[i]->name));
	}
	return names;
}

static int name_in(const json_t *names, const char *name)
{
	const json_t *v;
	size_t i;

	json_array_foreach(names, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

int cust_botconfigs_note(struct cust_botconfigs *b, const char *sha256,
                         uint64_t size, const json_t *place,
                         const json_t *names, struct cust_error *err)
{
	json_t *at = json_object_get(b->index, sha256);
	struct content *c;
	const json_t *v;
	size_t i;

	if (at) {
		c = &b->items[json_integer_value(at)];
	} else {
		if (b->n == CUST_BOTCONFIGS_MAX)
			return cust_error_set(err, CUST_E_INPUT,
			                      "more than %u files taken by extractors",
			                      CUST_BOTCONFIGS_MAX);
		if (b->n == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 64;
			struct content *p = realloc(b->items, cap * sizeof *p);
			if (!p)
				return cust_error_set(err, CUST_E_IO, "out of memory");
			b->items = p;
			b->cap = cap;
		}
		c = &b->items[b->n];
		memset(c, 0, sizeof *c);
		(void)snprintf(c->sha256, sizeof c->sha256, "%s", sha256);
		c->size = size;
		c->places = json_array();
		c->names = json_array();
		c->results = json_object();
		if (!c->places || !c->names || !c->results ||
		    json_object_set_new(b->index, sha256,
		                        json_integer((json_int_t)b->n)) < 0) {
			json_decref(c->places);
			json_decref(c->names);
			json_decref(c->results);
			return cust_error_set(err, CUST_E_IO, "out of memory");
		}
		b->n++;
	}
	if (json_array_size(c->places) < CUST_BOTCONFIGS_PLACES_MAX)
		json_array_append_new(c->places, json_deep_copy(place));
	json_array_foreach(names, i, v)
		if (!name_in(c->names, json_string_value(v)))
			json_array_append(c->names, (json_t *)v);
	return 0;
}

/* ---- parsing from the copies -------------------------------------------- */

struct copy {
	int fd;
};

static long copy_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct copy *c = ctx;
	ssize_t n;

	do
		n = pread(c->fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return (long)n;
}

static int by_sha(const void *a, const void *b)
{
	return strcmp(((const struct content *)a)->sha256,
	              ((const struct content *)b)->sha256);
}

/* The last part of a place's path: the name an extractor may look at. */
static const char *base_name(const json_t *place)
{
	const char *path = cust_json_string(place, "path");
	const char *slash;

	if (!path)
		return NULL;
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int same_item(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "kind", "algorithm", "value",
	                                    "encoding", NULL };
	size_t i;

	for (i = 0; keys[i]; i++) {
		const char *x = cust_json_string(a, keys[i]);
		const char *y = cust_json_string(b, keys[i]);
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			return 0;
	}
	return 1;
}

static const json_t *known_item(const json_t *knowledge, const json_t *item)
{
	const json_t *k;
	size_t i;

	json_array_foreach(knowledge, i, k)
		if (same_item(k, item))
			return k;
	return NULL;
}

/* Parse content C with extractor X and KNOWN; its result replaces the one
 * before, and what it learned goes to NEXT (sourced).  *GREW is set when
 * NEXT gained an item. */
static int parse_one(const struct content *c, const char *objects_dir,
                     const struct cust_extractor *x, const json_t *known,
                     json_t *next, int *grew, struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	unsigned char head[CUST_X_HEAD];
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { NULL, NULL, 0 };
	struct copy cp;
	const json_t *place = json_array_get(c->places, 0);
	const json_t *l;
	long got;
	size_t i;
	int rc = -1;

	if (cust_path_format(path, sizeof path, err, "%s/%.2s/%s", objects_dir,
	                     c->sha256, c->sha256) < 0)
		return -1;
	cp.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (cp.fd < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open the copy '%s'", path);
	got = copy_pread(&cp, head, sizeof head, 0);
	if (got < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'",
		                     path);
		goto out;
	}
	in.head = head;
	in.head_len = (size_t)got;
	in.size = c->size;
	in.name = base_name(place);
	in.mime = cust_json_string(place, "mime");
	in.pread = copy_pread;
	in.pctx = &cp;
	out.records = json_array();
	out.learned = json_array();
	if (!out.records || !out.learned) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (x->parse(&in, known, &out, err) < 0) {
		cust_error_prefix(err, "%s on %s", x->name, c->sha256);
		goto out;
	}
	json_array_foreach(out.learned, i, l) {
		json_t *item;
		if (known_item(next, l))
			continue;
		item = json_deep_copy(l);
		if (!item)
			continue;
		json_object_set_new(item, "source",
		                    json_pack("{s:s, s:s?, s:s}", "sha256", c->sha256,
		                              "path", cust_json_string(place, "path"),
		                              "extractor", x->name));
		json_array_append_new(next, item);
		*grew = 1;
	}
	json_object_set_new(c->results, x->name,
	                    json_pack("{s:O, s:b}", "records", out.records,
	                              "needs", out.needs_knowledge));
	rc = 0;
out:
	json_decref(out.records);
	json_decref(out.learned);
	close(cp.fd);
	return rc;
}

/* 1 when the last result of X on C could gain from more knowledge. */
static int wants_more(const struct content *c, const char *name)
{
	const json_t *res = json_object_get(c->results, name);
	const json_t *r;
	size_t i;

	if (!res)
		return 1;
	if (json_is_true(json_object_get(res, "needs")))
		return 1;
	json_array_foreach(json_object_get(res, "records"), i, r) {
		const char *status = cust_json_string(r, "status");
		if (status && (strcmp(status, "needs-key") == 0 ||
		               strcmp(status, "wrong-key") == 0))
			return 1;
	}
	return 0;
}

/* Run the extractors in rounds; *KNOWLEDGE receives what is known at the
 * end, *ROUNDS how many rounds ran. */
static int run_rounds(struct cust_botconfigs *b, const char *objects_dir,
                      json_t **knowledge, int *rounds, struct cust_error *err)
{
	json_t *known = json_deep_copy(b->hints), *next = NULL;
	int round, grew = 1;
	size_t i, j;

	if (!known)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	for (round = 0; round < CUST_BOTCONFIGS_ROUNDS && grew; round++) {
		grew = 0;
		next = json_deep_copy(known);
		if (!next)
			goto oom;
		for (i = 0; i < b->n; i++) {
			const struct content *c = &b->items[i];
			for (j = 0; j < json_array_size(c->names); j++) {
				const char *name =
					json_string_value(json_array_get(c->names, j));
				const struct cust_extractor *x =
					cust_extractor_find(name);
				if (!x || (round > 0 && !wants_more(c, name)))
					continue;
				if (parse_one(c, objects_dir, x, known, next, &grew,
				              err) < 0)
					goto fail;
			}
		}
		json_decref(known);
		known = next;
		next = NULL;
		*rounds = round + 1;
	}
	*knowledge = known;
	return 0;
oom:
	cust_error_set(err, CUST_E_IO, "out of memory");
fail:
	json_decref(known);
	json_decref(next);
	return -1;
}

/* ---- records and target lists ------------------------------------------- */

/* The knowledge item RECORD's "key_used" names, as a derived_from entry. */
static json_t *derived_from(const json_t *record, const json_t *knowledge)
{
	const json_t *used = json_object_get(record, "key_used");
	json_t *probe, *out;
	const json_t *k, *src;

	if (!json_is_object(used))
		return NULL;
	probe = json_deep_copy(used);
	if (!probe)
		return NULL;
	json_object_set_new(probe, "kind", json_string("key"));
	k = known_item(knowledge, probe);
	json_decref(probe);
	if (!k)
		return NULL;
	src = json_object_get(k, "source");
	out = json_pack("[{s:s}]", "kind", "key");
	if (out && src)
		json_object_update(json_array_get(out, 0), (json_t *)src);
	return out;
}

struct line {
	const char *path;      /* the first place's path, for the order */
	const char *extractor;
	size_t index;          /* order of records of one content */
	json_t *record;        /* owned */
};

static int by_place(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if ((c = strcmp(x->extractor, y->extractor)))
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A CSV field, quoted as RFC 4180 says when it needs to be. */
static void csv_field(FILE *f, const char *s, int last)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_int(FILE *f, const json_t *v, int last)
{
	char buf[32];

	if (json_is_integer(v))
		(void)snprintf(buf, sizeof buf, "%lld",
		               (long long)json_integer_value(v));
	else
		buf[0] = '\0';
	csv_field(f, json_is_string(v) ? json_string_value(v) : buf, last);
}

struct csvs {
	FILE *c2, *webinjects, *victims, *recipients, *relays;
	json_t *c2_rows; /* "usage\tendpoint" -> {"family", "records", "path"} */
	json_t *counts;
};

static FILE *csv_open(const char *dir, const char *name, const char *header,
                      struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	FILE *f;

	if (cust_path_format(path, sizeof path, err, "%s/%s", dir, name) < 0)
		return NULL;
	f = cust_fs_fcreate(path, 0444, err);
	if (f)
		fputs(header, f);
	return f;
}

static void count(struct csvs *c, const char *list)
{
	json_t *v = json_object_get(c->counts, list);

	json_object_set_new(c->counts, list,
	                    json_integer(json_integer_value(v) + 1));
}

/* The rows of RECORD found in the content SHA256 at PATH. */
static void add_rows(struct csvs *c, const json_t *record, const char *sha256,
                     const char *path)
{
	const char *family = cust_json_string(record, "family");
	const json_t *targets = json_object_get(record, "targets");
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(record, "c2"), i, e) {
		char key[CUST_X_STRING_MAX * 2 + 64];
		const char *url = cust_json_string(e, "url");
		json_t *row;
		if (url)
			(void)snprintf(key, sizeof key, "%s\t%s",
			               cust_json_string(e, "usage"), url);
		else
			(void)snprintf(key, sizeof key, "%s\t%s:%lld",
			               cust_json_string(e, "usage"),
			               cust_json_string(e, "host"),
			               (long long)json_integer_value(
				               json_object_get(e, "port")));
		row = json_object_get(c->c2_rows, key);
		if (row) {
			json_object_set_new(row, "records",
			                    json_integer(json_integer_value(
				                    json_object_get(row, "records")) + 1));
			continue;
		}
		json_object_set_new(c->c2_rows, key,
		                    json_pack("{s:s?, s:i, s:s?}", "family", family,
		                              "records", 1, "path", path));
	}
	json_array_foreach(json_object_get(targets, "webinjects"), i, e) {
		csv_field(c->webinjects, cust_json_string(e, "pattern"), 0);
		csv_field(c->webinjects, cust_json_string(e, "flags"), 0);
		csv_field(c->webinjects, cust_json_string(e, "host"), 0);
		csv_int(c->webinjects, json_object_get(e, "injects"), 0);
		csv_field(c->webinjects, family, 0);
		csv_field(c->webinjects, sha256, 0);
		csv_field(c->webinjects, path, 1);
		count(c, "webinjects");
	}
	json_array_foreach(json_object_get(targets, "victims"), i, e) {
		csv_int(c->victims, json_object_get(e, "bot_id"), 0);
		csv_field(c->victims, cust_json_string(e, "ip"), 0);
		csv_field(c->victims, cust_json_string(e, "country"), 0);
		csv_field(c->victims, cust_json_string(e, "os"), 0);
		csv_int(c->victims, json_object_get(e, "first_seen"), 0);
		csv_int(c->victims, json_object_get(e, "last_seen"), 0);
		csv_field(c->victims, sha256, 0);
		csv_field(c->victims, path, 1);
		count(c, "victims");
	}
	json_array_foreach(json_object_get(targets, "recipients"), i, e) {
		csv_field(c->recipients, json_string_value(e), 0);
		csv_field(c->recipients, sha256, 0);
		csv_field(c->recipients, path, 1);
		count(c, "recipients");
	}
	json_array_foreach(json_object_get(targets, "smtp_relays"), i, e) {
		csv_field(c->relays, json_is_string(e) ? json_string_value(e)
		                                       : cust_json_string(e, "host"),
		          0);
		csv_int(c->relays, json_object_get(e, "port"), 0);
		csv_field(c->relays, sha256, 0);
		csv_field(c->relays, path, 1);
		count(c, "smtp_relays");
	}
}

/* qsort's comparator takes pointers to the elements: strings here. */
static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_c2(struct csvs *c, struct cust_error *err)
{
	const char **keys;
	const char *key;
	json_t *row;
	size_t n = json_object_size(c->c2_rows), i = 0;

	keys = calloc(n ? n : 1, sizeof *keys);
	if (!keys)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	json_object_foreach(c->c2_rows, key, row)
		keys[i++] = key;
	qsort(keys, n, sizeof *keys, str_cmp);
	for (i = 0; i < n; i++) {
		const char *tab = strchr(keys[i], '\t');
		char usage[64];
		size_t ul = (size_t)(tab - keys[i]);
		row = json_object_get(c->c2_rows, keys[i]);
		(void)snprintf(usage, sizeof usage, "%.*s", (int)ul, keys[i]);
		csv_field(c->c2, tab + 1, 0);
		csv_field(c->c2, usage, 0);
		csv_field(c->c2, cust_json_string(row, "family"), 0);
		csv_int(c->c2, json_object_get(row, "records"), 0);
		csv_field(c->c2, cust_json_string(row, "path"), 1);
	}
	json_object_set_new(c->counts, "c2", json_integer((json_int_t)n));
	free(keys);
	return 0;
}


static void bump(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(json_integer_value(
		                            json_object_get(o, key)) + 1));
}

int cust_botconfigs_finish(struct cust_botconfigs *b, const char *unit_dir,
                           const char *objects_dir, json_t **summary,
                           struct cust_error *err)
{
	char path[CUST_PATH_MAX], tdir[CUST_PATH_MAX];
	struct line *lines = NULL;
	size_t nlines = 0, cap = 0, i, j, k;
	struct csvs c = { 0 };
	json_t *knowledge = NULL, *by_family = json_object();
	json_t *by_kind = json_object(), *by_status = json_object();
	FILE *out = NULL;
	int rounds = 0, rc = -1;

	*summary = NULL;
	c.c2_rows = json_object();
	c.counts = json_object();
	if (!by_family || !by_kind || !by_status || !c.c2_rows || !c.counts) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (b->n)
		qsort(b->items, b->n, sizeof *b->items, by_sha);
	if (run_rounds(b, objects_dir, &knowledge, &rounds, err) < 0)
		goto out;
	/* every record, in the order of where its content was first found */
	for (i = 0; i < b->n; i++) {
		const struct content *ct = &b->items[i];
		const char *name;
		json_t *res;
		json_object_foreach(ct->results, name, res) {
			const json_t *r;
			json_array_foreach(json_object_get(res, "records"), j, r) {
				if (nlines == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					struct line *p = realloc(lines, ncap * sizeof *p);
					if (!p) {
						cust_error_set(err, CUST_E_IO, "out of memory");
						goto out;
					}
					lines = p;
					cap = ncap;
				}
				lines[nlines].path = cust_json_string(
					json_array_get(ct->places, 0), "path");
				if (!lines[nlines].path)
					lines[nlines].path = "";
				lines[nlines].extractor = name;
				lines[nlines].index = j;
				lines[nlines].record = json_deep_copy(r);
				json_object_set_new(
					lines[nlines].record, "provenance",
					json_pack("{s:s, s:I, s:O}", "sha256", ct->sha256,
					          "size", (json_int_t)ct->size, "places",
					          ct->places));
				{
					json_t *d = derived_from(r, knowledge);
					if (d)
						json_object_set_new(lines[nlines].record,
						                    "derived_from", d);
				}
				nlines++;
			}
		}
	}
	if (nlines)
		qsort(lines, nlines, sizeof *lines, by_place);
	if (cust_path_format(path, sizeof path, err, "%s/%s", unit_dir,
	                     CUST_BOTCONFIGS_FILE) < 0 ||
	    !(out = cust_fs_fcreate(path, 0444, err)))
		goto out;
	if (nlines > 0) {
		if (cust_path_format(tdir, sizeof tdir, err, "%s/targets",
		                     unit_dir) < 0 ||
		    cust_fs_mkdir(tdir, 1, err) < 0 ||
		    !(c.c2 = csv_open(tdir, "c2.csv",
		                      "endpoint,usage,family,records,first_path\n",
		                      err)) ||
		    !(c.webinjects = csv_open(tdir, "webinjects.csv",
		                              "pattern,flags,host,injects,family,"
		                              "sha256,path\n", err)) ||
		    !(c.victims = csv_open(tdir, "victims.csv",
		                           "bot_id,ip,country,os,first_seen,"
		                           "last_seen,sha256,path\n", err)) ||
		    !(c.recipients = csv_open(tdir, "recipients.csv",
		                              "value,sha256,path\n", err)) ||
		    !(c.relays = csv_open(tdir, "smtp-relays.csv",
		                          "host,port,sha256,path\n", err)))
			goto out;
	}
	for (i = 0; i < nlines; i++) {
		char *text = cust_json_canonical(lines[i].record, err);
		const json_t *prov = json_object_get(lines[i].record, "provenance");
		if (!text)
			goto out;
		fputs(text, out);
		fputc('\n', out);
		free(text);
		add_rows(&c, lines[i].record, cust_json_string(prov, "sha256"),
		         lines[i].path);
		bump(by_family, cust_json_string(lines[i].record, "family"));
		bump(by_kind, cust_json_string(lines[i].record, "kind"));
		bump(by_status, cust_json_string(lines[i].record, "status"));
	}
	if (nlines > 0 && write_c2(&c, err) < 0)
		goto out;
	{
		FILE **files[] = { &c.c2, &c.webinjects, &c.victims, &c.recipients,
		                   &c.relays, &out };
		int bad = 0;
		for (k = 0; k < sizeof files / sizeof files[0]; k++) {
			if (*files[k] && cust_fs_fclose_synced(*files[k], path,
			                                       bad ? NULL : err) < 0)
				bad = 1;
			*files[k] = NULL;
		}
		if (bad)
			goto out;
	}
	{
		const char **fam = calloc(json_object_size(by_family) + 1,
		                          sizeof *fam);
		const char *key;
		json_t *v, *families = json_array();
		size_t nf = 0, learned = 0;
		if (!fam || !families) {
			free(fam);
			json_decref(families);
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
		json_object_foreach(by_family, key, v)
			fam[nf++] = key;
		qsort(fam, nf, sizeof *fam, str_cmp);
		for (k = 0; k < nf; k++)
			json_array_append_new(families, json_string(fam[k]));
		free(fam);
		json_array_foreach(knowledge, k, v)
			if (!json_object_get(json_object_get(v, "source"), "given"))
				learned++;
		*summary = json_pack("{s:I, s:o, s:O, s:O, s:O, s:O, s:i, s:I}",
		                     "records", (json_int_t)nlines, "families",
		                     families, "by_family", by_family, "by_kind",
		                     by_kind, "by_status", by_status, "targets",
		                     c.counts, "rounds", rounds, "keys_learned",
		                     (json_int_t)learned);
	}
	rc = *summary ? 0 : cust_error_set(err, CUST_E_IO, "out of memory");
out:
	for (i = 0; i < nlines; i++)
		json_decref(lines[i].record);
	free(lines);
	if (c.c2)
		fclose(c.c2);
	if (c.webinjects)
		fclose(c.webinjects);
	if (c.victims)
		fclose(c.victims);
	if (c.recipients)
		fclose(c.recipients);
	if (c.relays)
		fclose(c.relays);
	if (out)
		fclose(out);
	json_decref(c.c2_rows);
	json_decref(c.counts);
	json_decref(knowledge);
	json_decref(by_family);
	json_decref(by_kind);
	json_decref(by_status);
	return rc;
}
