/* targets.c - the deduplicating collector of carved values and its CSV and
 * JSON Lines writers; see include/custody/targets.h. */
#include "custody/targets.h"
#include "custody/decode.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/place.h"

#define TARGETS_MAGIC 0x74617267u
#define LOG_MAGIC 0x746c6f67u
#define OUT_BUFFER (64 * 1024)
#define KINDS 11 /* CUST_CARVE_ALL's bits */

struct value {
	unsigned kind;
	uint64_t count;
	uint64_t first_offset;
	const char *where; /* interned, owned by the collector */
	const char *path;  /* decode.h's path after FIRST_OFFSET, in TEXT, or
	                    * NULL */
	size_t len;
	char text[];       /* LEN bytes and a NUL, then PATH and a NUL */
};

/* An interned place. */
struct place {
	struct place *next;
	char text[];
};

struct cust_targets {
	unsigned magic;
	size_t max_values;
	size_t max_bytes;
	size_t bytes;
	size_t used;
	size_t cap;            /* slots, a power of two */
	struct value **slots;
	struct place *places;  /* newest first */
	struct cust_targets_stats stats[KINDS];
};

/* The bit number of KIND, one CUST_CARVE_* bit; -1 for anything else. */
static int kind_index(unsigned kind)
{
	int k;

	if (kind == 0 || (kind & (kind - 1)) != 0 || (kind & ~CUST_CARVE_ALL))
		return -1;
	for (k = 0; (1u << k) != kind; k++)
		;
	return k;
}

static uint64_t hash_value(unsigned kind, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ kind;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

struct cust_targets *cust_targets_new(size_t max_values, size_t max_bytes,
                                      struct cust_error *err)
{
	struct cust_targets *t;

	if (max_values == 0 || max_bytes == 0 || max_values > ((size_t)1 << 40)) {
		cust_error_set(err, CUST_E_USAGE, "bad target list limits");
		return NULL;
	}
	t = calloc(1, sizeof *t);
	if (!t || !(t->slots = calloc(1024, sizeof *t->slots))) {
		free(t);
		cust_error_set(err, CUST_E_IO, "out of memory for target lists");
		return NULL;
	}
	t->cap = 1024;
	t->max_values = max_values;
	t->max_bytes = max_bytes;
	t->magic = TARGETS_MAGIC;
	return t;
}

void cust_targets_free(struct cust_targets *t)
{
	size_t i;

	if (!t || t->magic != TARGETS_MAGIC)
		return;
	t->magic = 0;
	for (i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	while (t->places) {
		struct place *next = t->places->next;
		free(t->places);
		t->places = next;
	}
	free(t);
}

/* Double the table (load factor stays under a half). */
static int grow(struct cust_targets *t)
{
	size_t cap = t->cap * 2, i;
	struct value **slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (i = 0; i < t->cap; i++) {
		struct value *v = t->slots[i];
		size_t j;
		if (!v)
			continue;
		j = (size_t)hash_value(v->kind, v->text, v->len) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = v;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* WHERE, stored once for a run of additions from the same place; NULL
 * when the byte cap does not allow it (ENOMEM: out of memory). */
static const char *intern(struct cust_targets *t, const char *where,
                          size_t len)
{
	struct place *p;

	if (t->places && strcmp(t->places->text, where) == 0)
		return t->places->text;
	if (len + 1 > t->max_bytes - t->bytes)
		return NULL;
	p = malloc(sizeof *p + len + 1);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(p->text, where, len + 1);
	p->next = t->places;
	t->places = p;
	t->bytes += len + 1;
	return p->text;
}

int cust_targets_add(struct cust_targets *t, enum cust_carve_kind kind,
                     const char *value, size_t len, const char *where,
                     uint64_t offset, struct cust_error *err)
{
	return cust_targets_add_at(t, kind, value, len, where, offset, NULL,
	                           err);
}

int cust_targets_add_at(struct cust_targets *t, enum cust_carve_kind kind,
                        const char *value, size_t len, const char *where,
                        uint64_t offset, const char *path,
                        struct cust_error *err)
{
	char shortened[CUST_TARGETS_WHERE_MAX + 1];
	int k = kind_index(kind);
	size_t where_len, j, plen = path ? strnlen(path, CUST_DECODE_PATH_MAX) : 0;
	struct value *v;
	uint64_t h;

	if (!t || t->magic != TARGETS_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a target list");
	if (k < 0)
		return cust_error_set(err, CUST_E_USAGE, "bad target kind %d",
		                      (int)kind);
	if (!value || len == 0 || len > CUST_CARVE_VALUE_MAX ||
	    memchr(value, '\0', len))
		return cust_error_set(err, CUST_E_INPUT,
		                      "bad %s value of %zu bytes (%s at %" PRIu64
		                      "%s): empty, longer than %d or holding NUL",
		                      cust_carve_kind_name(kind), len,
		                      where ? where : "?", offset,
		                      path ? path : "", CUST_CARVE_VALUE_MAX);
	if (!where)
		return cust_error_set(err, CUST_E_USAGE, "a %s value without a place",
		                      cust_carve_kind_name(kind));
	if ((where_len = strnlen(where, CUST_TARGETS_WHERE_MAX + 1)) >
	    CUST_TARGETS_WHERE_MAX) {
		cust_place_shorten(where, shortened, sizeof shortened);
		where = shortened;
		where_len = strlen(shortened);
	}
	h = hash_value((unsigned)kind, value, len);
	for (j = (size_t)h & (t->cap - 1); (v = t->slots[j]) != NULL;
	     j = (j + 1) & (t->cap - 1))
		if (v->kind == (unsigned)kind && v->len == len &&
		    memcmp(v->text, value, len) == 0) {
			if (v->count < UINT64_MAX)
				v->count++;
			t->stats[k].occurrences++;
			return 0;
		}
	/* a new value: within the caps, or dropped and counted */
	if (path && (plen == 0 || plen >= CUST_DECODE_PATH_MAX))
		return cust_error_set(err, CUST_E_USAGE, "bad decoded path");
	if (t->used >= t->max_values ||
	    sizeof *v + len + 2 + plen > t->max_bytes - t->bytes)
		goto drop;
	errno = 0;
	where = intern(t, where, where_len);
	if (!where) {
		if (errno == ENOMEM)
			return cust_error_set(err, CUST_E_IO,
			                      "out of memory for target lists");
		goto drop;
	}
	if (sizeof *v + len + 2 + plen > t->max_bytes - t->bytes)
		goto drop;
	v = malloc(sizeof *v + len + 2 + plen);
	if (!v)
		return cust_error_set(err, CUST_E_IO, "out of memory for target lists");
	v->kind = (unsigned)kind;
	v->count = 1;
	v->first_offset = offset;
	v->where = where;
	v->len = len;
	memcpy(v->text, value, len);
	v->text[len] = '\0';
	v->path = NULL;
	if (path) {
		memcpy(v->text + len + 1, path, plen + 1);
		v->path = v->text + len + 1;
	}
	t->slots[j] = v;
	t->used++;
	t->bytes += sizeof *v + len + 2 + plen;
	t->stats[k].distinct++;
	t->stats[k].occurrences++;
	if (t->used * 2 > t->cap && grow(t) < 0)
		return cust_error_set(err, CUST_E_IO, "out of memory for target lists");
	return 0;
drop:
	t->stats[k].dropped++;
	return 0;
}

struct cust_targets_stats cust_targets_stats(const struct cust_targets *t,
                                             enum cust_carve_kind kind)
{
	struct cust_targets_stats none = { 0, 0, 0 };
	int k = kind_index(kind);

	if (!t || t->magic != TARGETS_MAGIC || k < 0)
		return none;
	return t->stats[k];
}

/* ---- buffered output to a new file -------------------------------------- */

struct out {
	int fd;
	const char *name;
	size_t used;
	char buf[OUT_BUFFER];
};

static int out_flush(struct out *o, struct cust_error *err)
{
	if (o->used > 0 &&
	    cust_fs_write_all(o->fd, o->buf, o->used, o->name, err) < 0)
		return -1;
	o->used = 0;
	return 0;
}

static int out_put(struct out *o, const char *s, size_t len,
                   struct cust_error *err)
{
	while (len > 0) {
		size_t n = sizeof o->buf - o->used;
		if (n == 0) {
			if (out_flush(o, err) < 0)
				return -1;
			continue;
		}
		if (n > len)
			n = len;
		memcpy(o->buf + o->used, s, n);
		o->used += n;
		s += n;
		len -= n;
	}
	return 0;
}

/* One CSV field, quoted when it holds a comma, a quote, CR or LF. */
static int out_field(struct out *o, const char *s, size_t len,
                     struct cust_error *err)
{
	size_t i, from = 0;

	if (strcspn(s, ",\"\r\n") >= len)
		return out_put(o, s, len, err);
	if (out_put(o, "\"", 1, err) < 0)
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] == '"') {
			if (out_put(o, s + from, i + 1 - from, err) < 0 ||
			    out_put(o, "\"", 1, err) < 0)
				return -1;
			from = i + 1;
		}
	if (out_put(o, s + from, len - from, err) < 0)
		return -1;
	return out_put(o, "\"", 1, err);
}

/* ---- CSV files ---------------------------------------------------------- */

static int compare_values(const void *a, const void *b)
{
	const struct value *x = *(const struct value *const *)a;
	const struct value *y = *(const struct value *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->text, y->text, n);

	if (r != 0)
		return r;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

static int write_rows(struct out *o, struct value **rows, size_t n,
                      int with_class, struct cust_error *err)
{
	static const char head[] = "value,count,first_seen,first_offset";
	char num[64];
	size_t i;

	if (out_put(o, head, sizeof head - 1, err) < 0 ||
	    out_put(o, with_class ? ",class\n" : "\n", with_class ? 7 : 1, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct value *v = rows[i];
		int len;
		if (out_field(o, v->text, v->len, err) < 0)
			return -1;
		len = snprintf(num, sizeof num, ",%" PRIu64 ",", v->count);
		if (out_put(o, num, (size_t)len, err) < 0 ||
		    out_field(o, v->where, strlen(v->where), err) < 0)
			return -1;
		len = snprintf(num, sizeof num, ",%" PRIu64, v->first_offset);
		if (out_put(o, num, (size_t)len, err) < 0 ||
		    (v->path && out_put(o, v->path, strlen(v->path), err) < 0))
			return -1;
		if (with_class) {
			const char *cls = cust_carve_ip_class(v->kind, v->text);
			if (!cls)
				cls = "unknown";
			if (out_put(o, ",", 1, err) < 0 ||
			    out_put(o, cls, strlen(cls), err) < 0)
				return -1;
		}
		if (out_put(o, "\n", 1, err) < 0)
			return -1;
	}
	return 0;
}

/* DIR/NAME with the values of KINDS. */
static int write_csv(const struct cust_targets *t, const char *dir,
                     const char *name, unsigned kinds, struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	struct value **rows = NULL;
	struct out *o = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (cust_path_format(path, sizeof path, err, "%s/%s", dir, name) < 0)
		return -1;
	rows = malloc((t->used ? t->used : 1) * sizeof *rows);
	o = malloc(sizeof *o);
	if (!rows || !o) {
		cust_error_set(err, CUST_E_IO, "out of memory writing '%s'", path);
		goto out;
	}
	for (i = 0; i < t->cap; i++)
		if (t->slots[i] && (t->slots[i]->kind & kinds))
			rows[n++] = t->slots[i];
	qsort(rows, n, sizeof *rows, compare_values);
	o->fd = cust_fs_create(path, 0644, err);
	o->name = path;
	o->used = 0;
	if (o->fd < 0)
		goto out;
	if (write_rows(o, rows, n, kinds == (CUST_CARVE_IPV4 | CUST_CARVE_IPV6),
	               err) < 0 ||
	    out_flush(o, err) < 0) {
		(void)close(o->fd);
		(void)unlink(path);
		goto out;
	}
	if (cust_fs_close_synced(o->fd, path, err) < 0) {
		(void)unlink(path);
		goto out;
	}
	rc = 0;
out:
	free(rows);
	free(o);
	return rc;
}

int cust_targets_write(const struct cust_targets *t, const char *dir,
                       struct cust_error *err)
{
	if (!t || t->magic != TARGETS_MAGIC || !dir)
		return cust_error_set(err, CUST_E_USAGE, "not a target list");
	if (write_csv(t, dir, "emails.csv", CUST_CARVE_EMAIL, err) < 0 ||
	    write_csv(t, dir, "domains.csv", CUST_CARVE_DOMAIN, err) < 0 ||
	    write_csv(t, dir, "urls.csv", CUST_CARVE_URL, err) < 0 ||
	    write_csv(t, dir, "ips.csv", CUST_CARVE_IPV4 | CUST_CARVE_IPV6,
	              err) < 0 ||
	    write_csv(t, dir, "ccns.csv", CUST_CARVE_CCN, err) < 0 ||
	    write_csv(t, dir, "bitcoin.csv", CUST_CARVE_BITCOIN, err) < 0 ||
	    write_csv(t, dir, "onions.csv", CUST_CARVE_ONION, err) < 0 ||
	    write_csv(t, dir, "phones.csv", CUST_CARVE_PHONE, err) < 0 ||
	    write_csv(t, dir, "macs.csv", CUST_CARVE_MAC, err) < 0 ||
	    write_csv(t, dir, "hostports.csv", CUST_CARVE_HOSTPORT, err) < 0)
		return -1;
	return cust_fs_sync_dir(dir, err);
}

/* ---- JSON Lines of every occurrence ------------------------------------- */

struct cust_targets_log {
	unsigned magic;
	int failed;
	uint64_t lines;
	char path[CUST_PATH_MAX];
	struct out out;
};

struct cust_targets_log *cust_targets_log_new(const char *path,
                                              struct cust_error *err)
{
	struct cust_targets_log *l;

	if (!path || strlen(path) >= CUST_PATH_MAX) {
		cust_error_set(err, CUST_E_USAGE, "bad path for the occurrence log");
		return NULL;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		cust_error_set(err, CUST_E_IO, "out of memory for '%s'", path);
		return NULL;
	}
	memcpy(l->path, path, strlen(path) + 1);
	l->out.name = l->path;
	l->out.fd = cust_fs_create(path, 0644, err);
	if (l->out.fd < 0) {
		free(l);
		return NULL;
	}
	l->magic = LOG_MAGIC;
	return l;
}

int cust_targets_log_add(struct cust_targets_log *l, enum cust_carve_kind kind,
                         const char *value, size_t len, const char *where,
                         uint64_t offset, uint64_t length,
                         struct cust_error *err)
{
	return cust_targets_log_add_at(l, kind, value, len, where, offset,
	                               NULL, length, err);
}

int cust_targets_log_add_at(struct cust_targets_log *l,
                            enum cust_carve_kind kind, const char *value,
                            size_t len, const char *where, uint64_t offset,
                            const char *path, uint64_t length,
                            struct cust_error *err)
{
	char shortened[CUST_TARGETS_WHERE_MAX + 1];
	json_t *o = NULL, *s;
	char *line = NULL;
	int rc = -1;

	if (!l || l->magic != LOG_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not an occurrence log");
	if (l->failed)
		return cust_error_set(err, CUST_E_IO,
		                      "'%s' failed earlier; nothing more is written",
		                      l->path);
	if (!cust_carve_kind_name(kind) || !value || !where ||
	    offset > INT64_MAX || length > INT64_MAX)
		return cust_error_set(err, CUST_E_USAGE, "bad occurrence for '%s'",
		                      l->path);
	o = json_object();
	if (!o)
		goto nomem;
	s = json_stringn(value, len);
	if (!s) {
		cust_error_set(err, CUST_E_INPUT,
		               "%s value at offset %" PRIu64 " of '%s' is not valid UTF-8",
		               cust_carve_kind_name(kind), offset, where);
		goto out;
	}
	if (json_object_set_new(o, "value", s) < 0)
		goto nomem;
	if (strnlen(where, CUST_TARGETS_WHERE_MAX + 1) > CUST_TARGETS_WHERE_MAX) {
		cust_place_shorten(where, shortened, sizeof shortened);
		where = shortened;
	}
	s = json_string(where);
	if (!s) {
		cust_error_set(err, CUST_E_INPUT,
		               "place of a %s value is not valid UTF-8",
		               cust_carve_kind_name(kind));
		goto out;
	}
	if (json_object_set_new(o, "where", s) < 0 ||
	    json_object_set_new(o, "kind", json_string(cust_carve_kind_name(kind))) < 0 ||
	    json_object_set_new(o, "offset", json_integer((json_int_t)offset)) < 0 ||
	    json_object_set_new(o, "length", json_integer((json_int_t)length)) < 0 ||
	    (path && json_object_set_new(o, "path", json_string(path)) < 0))
		goto nomem;
	line = cust_json_canonical(o, err);
	if (!line)
		goto out;
	if (out_put(&l->out, line, strlen(line), err) < 0 ||
	    out_put(&l->out, "\n", 1, err) < 0) {
		l->failed = 1;
		goto out;
	}
	l->lines++;
	rc = 0;
	goto out;
nomem:
	cust_error_set(err, CUST_E_IO, "out of memory writing '%s'", l->path);
out:
	free(line);
	json_decref(o);
	return rc;
}

int cust_targets_log_close(struct cust_targets_log *l, struct cust_error *err)
{
	int rc;

	if (!l)
		return 0;
	if (l->magic != LOG_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not an occurrence log");
	l->magic = 0;
	if (l->failed || out_flush(&l->out, err) < 0) {
		(void)close(l->out.fd);
		if (l->failed)
			cust_error_set(err, CUST_E_IO, "'%s' is incomplete", l->path);
		rc = -1;
	} else {
		rc = cust_fs_close_synced(l->out.fd, l->path, err);
	}
	free(l);
	return rc;
}
