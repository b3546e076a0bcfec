/*
 * mdset.c - the md RAID members of a walk and the arrays they make (see
 * mdset.h).  The reading of superblocks and the assembly are mdraid.c's;
 * this file keeps the members the walk found, reads them through libtsk,
 * and hands each assembled array back as a libtsk image.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/mdraid.h"
#include "mdset.h"

/* A range of an image a member lies in: what its reads read. */
struct range {
	TSK_IMG_INFO *img;
	uint64_t off, len;
};

struct member {
	struct range r;       /* member.ctx points here: allocated once */
	struct cust_md_member m;
	int done;             /* its array was tried */
	int used;             /* ... and assembled */
};

/* An assembled array as a libtsk image: IMG first, for libtsk's cast. */
struct array_img {
	TSK_IMG_INFO img;
	struct cust_md_array *a;
	pthread_mutex_t lock; /* cust_md_array_read keeps scratch buffers */
};

struct cust_mdset {
	cust_mdset_note_fn note;
	void *ctx;
	struct member *mem[CUST_MDSET_MEMBERS_MAX];
	size_t n;
	TSK_IMG_INFO *arrays[CUST_MDSET_MEMBERS_MAX];
	size_t narrays;
	int full_noted;
};

static void note(struct cust_mdset *s, const char *where, const char *fmt,
                 ...) CUST_PRINTF(3, 4);

static void note(struct cust_mdset *s, const char *where, const char *fmt,
                 ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap); /* a long message is cut */
	va_end(ap);
	if (s->note)
		s->note(s->ctx, where, msg);
}

static int range_read(void *ctx, uint64_t off, void *buf, size_t len,
                      struct cust_error *err)
{
	const struct range *r = ctx;
	ssize_t got;

	if (off > r->len || len > r->len - off)
		return cust_error_set(err, CUST_E_INPUT, "a read of %zu bytes at "
		                      "%" PRIu64 " is past the member's end", len,
		                      off);
	got = tsk_img_read(r->img, (TSK_OFF_T)(r->off + off), buf, len);
	tsk_error_reset();
	if (got < 0 || (size_t)got != len)
		return cust_error_set(err, CUST_E_INPUT, "a read of %zu bytes at "
		                      "%" PRIu64 " of the member failed", len, off);
	return 0;
}

struct cust_mdset *cust_mdset_new(cust_mdset_note_fn note_fn, void *ctx,
                                  struct cust_error *err)
{
	struct cust_mdset *s = calloc(1, sizeof *s);

	if (!s) {
		cust_error_set(err, CUST_E_IO, "out of memory (md members)");
		return NULL;
	}
	s->note = note_fn;
	s->ctx = ctx;
	return s;
}

void cust_mdset_free(struct cust_mdset *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->narrays; i++)
		tsk_img_close(s->arrays[i]);
	for (i = 0; i < s->n; i++)
		free(s->mem[i]);
	free(s);
}

int cust_mdset_add(struct cust_mdset *s, TSK_IMG_INFO *img, uint64_t off,
                   uint64_t len, const char *where, json_t *jp,
                   struct cust_error *err)
{
	struct member *m;
	char layout[64];

	if (!s || !img || off > (uint64_t)img->size)
		return 0;
	if (len > (uint64_t)img->size - off)
		len = (uint64_t)img->size - off; /* a truncated image */
	if (!(m = calloc(1, sizeof *m)))
		return cust_error_set(err, CUST_E_IO, "out of memory (md member)");
	m->r.img = img;
	m->r.off = off;
	m->r.len = len;
	if (cust_md_probe(range_read, &m->r, len, &m->m, err) < 0) {
		/* a read that fails is damage: nothing is kept, the walk goes on */
		note(s, where, "md superblock not read: %s",
		     cust_error_message(err));
		free(m);
		return 0;
	}
	if (!m->m.found) {
		free(m);
		return 0;
	}
	if (!m->m.valid) {
		note(s, where, "an md superblock (metadata %s) fails a check: %s; "
		     "the range is read as it is", m->m.version[0] ?
		     m->m.version : "?", m->m.reason);
		free(m);
		return 0;
	}
	if (s->n == CUST_MDSET_MEMBERS_MAX) {
		if (!s->full_noted++)
			note(s, where, "more than %d md members: the rest are read "
			     "as they are", CUST_MDSET_MEMBERS_MAX);
		free(m);
		return 0;
	}
	/* a walk's range name (CUST_WALK_PART_NAME_MAX) always fits */
	snprintf(m->m.source, sizeof m->m.source, "%s", where);
	s->mem[s->n++] = m;
	if (jp) {
		json_object_set_new(jp, "layer", json_string("md-member"));
		json_object_set_new(jp, "md_member", json_pack(
			"{s:s, s:s, s:s, s:s?, s:i, s:s, s:I, s:I}",
			"uuid", m->m.uuid_str, "name", m->m.name,
			"level", cust_md_level_name(m->m.level),
			"layout", cust_md_layout_name(m->m.level, m->m.layout, layout,
			                              sizeof layout),
			"role", m->m.role, "metadata", m->m.version,
			"data_offset", (json_int_t)m->m.data_offset,
			"events", (json_int_t)(m->m.events > INT64_MAX ? INT64_MAX :
			                       m->m.events)));
	}
	return 1;
}

static ssize_t array_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf,
                          size_t len)
{
	struct array_img *ai = (struct array_img *)img;
	struct cust_error e = { 0 };
	int rc;

	if (off < 0 || off >= img->size)
		return 0;
	if ((TSK_OFF_T)len > img->size - off)
		len = (size_t)(img->size - off);
	pthread_mutex_lock(&ai->lock);
	rc = cust_md_array_read(ai->a, (uint64_t)off, buf, len, &e);
	pthread_mutex_unlock(&ai->lock);
	if (rc < 0) {
		tsk_error_reset();
		tsk_error_set_errno(TSK_ERR_IMG_READ);
		tsk_error_set_errstr("md array read at %" PRIdOFF ": %s", off,
		                     cust_error_message(&e));
		return -1;
	}
	return (ssize_t)len;
}

static void array_close(TSK_IMG_INFO *img)
{
	struct array_img *ai = (struct array_img *)img;

	cust_md_array_free(ai->a);
	pthread_mutex_destroy(&ai->lock);
	free(ai);
}

static void array_imgstat(TSK_IMG_INFO *img, FILE *f)
{
	(void)img;
	(void)f; /* the library never prints */
}

/* "md:" and the array's name, else its UUID; a '/' is written \x2f, as
 * '/' parts a layer's path, and a '#' \x23, as '#' parts one of several
 * file systems of a range from the range's name (walk.h). */
static int array_name(const struct cust_md_member *m, char *out, size_t cap)
{
	const char *n = m->name[0] ? m->name : m->uuid_str;
	size_t o, i;

	if (cap < 4)
		return -1;
	memcpy(out, "md:", 3);
	o = 3;
	for (i = 0; n[i]; i++) {
		if (n[i] == '/' || n[i] == '#') {
			if (o + 4 >= cap)
				return -1;
			memcpy(out + o, n[i] == '/' ? "\\x2f" : "\\x23", 4);
			o += 4;
		} else {
			if (o + 1 >= cap)
				return -1;
			out[o++] = n[i];
		}
	}
	out[o] = '\0';
	return 0;
}

int cust_mdset_next(struct cust_mdset *s, TSK_IMG_INFO **img, char *name,
                    size_t namesz, json_t **layer, struct cust_error *err)
{
	struct cust_md_member *list;
	struct cust_error e = { 0 };
	struct array_img *ai;
	size_t i, k, n;

	*img = NULL;
	*layer = NULL;
	if (!s)
		return 0;
	list = calloc(s->n ? s->n : 1, sizeof *list);
	if (!list)
		return cust_error_set(err, CUST_E_IO, "out of memory (md array)");
	for (i = 0; i < s->n; i++) {
		struct member *first = s->mem[i];
		struct cust_md_array *a;
		uint64_t size;

		if (first->done)
			continue;
		for (k = i, n = 0; k < s->n; k++)
			if (!s->mem[k]->done &&
			    memcmp(s->mem[k]->m.uuid, first->m.uuid, 16) == 0) {
				list[n++] = s->mem[k]->m;
				s->mem[k]->done = 1;
			}
		a = cust_md_array_new(list, n, first->m.uuid, &e);
		if (!a) {
			note(s, first->m.source, "md array %s (%s, %zu member%s "
			     "found) cannot be assembled: %s; its members are read "
			     "as they are", first->m.uuid_str,
			     cust_md_level_name(first->m.level), n, n == 1 ? "" : "s",
			     cust_error_message(&e));
			continue;
		}
		size = cust_md_array_size(a);
		if (size == 0 || size > (uint64_t)INT64_MAX ||
		    array_name(&first->m, name, namesz) < 0 ||
		    !(ai = calloc(1, sizeof *ai))) {
			note(s, first->m.source, "md array %s: no volume of %" PRIu64
			     " bytes can be made of it", first->m.uuid_str, size);
			cust_md_array_free(a);
			continue;
		}
		ai->a = a;
		pthread_mutex_init(&ai->lock, NULL);
		*layer = json_pack("{s:s, s:o}", "layer", "md", "md",
		                   cust_md_array_json(a, &e));
		*img = tsk_img_open_external(ai, (TSK_OFF_T)size, 512, array_read,
		                             array_close, array_imgstat);
		if (!*img || !*layer) {
			const char *te = tsk_error_get();
			note(s, first->m.source, "md array %s: libtsk refused it: %s",
			     first->m.uuid_str, te ? te : "out of memory");
			tsk_error_reset();
			if (*img)
				tsk_img_close(*img);
			else
				array_close(&ai->img);
			json_decref(*layer);
			*img = NULL;
			*layer = NULL;
			continue;
		}
		for (k = i; k < s->n; k++)
			if (memcmp(s->mem[k]->m.uuid, first->m.uuid, 16) == 0)
				s->mem[k]->used = 1;
		s->arrays[s->narrays++] = *img;
		free(list);
		return 1;
	}
	free(list);
	return 0;
}

int cust_mdset_owns(const struct cust_mdset *s, const TSK_IMG_INFO *img)
{
	size_t i;

	for (i = 0; s && i < s->narrays; i++)
		if (s->arrays[i] == img)
			return 1;
	return 0;
}

int cust_mdset_place(const struct cust_mdset *s, TSK_IMG_INFO *img,
                     uint64_t off, TSK_IMG_INFO **mimg, uint64_t *moff,
                     uint64_t *len)
{
	const struct array_img *ai = (const struct array_img *)img;
	const struct range *r;
	uint64_t dev_off = 0, span = 0;
	void *ctx = NULL;
	int rc;

	if (!cust_mdset_owns(s, img))
		return -1;
	rc = cust_md_array_place(ai->a, off, &ctx, &dev_off, &span);
	if (rc < 0)
		return -1;
	if (span < *len)
		*len = span;
	if (rc == 0)
		return 0;
	r = ctx; /* cust_mdset_add: each member reads its range */
	if (dev_off >= r->len)
		return 0; /* past a truncated member: no byte of it */
	if (*len > r->len - dev_off)
		*len = r->len - dev_off;
	*mimg = r->img;
	*moff = r->off + dev_off;
	return 1;
}

int cust_mdset_unread(const struct cust_mdset *s, size_t k,
                      TSK_IMG_INFO **img, uint64_t *off, uint64_t *len,
                      const char **where)
{
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		const struct member *m = s->mem[i];
		if (!m->done || m->used)
			continue;
		if (k-- == 0) {
			*img = m->r.img;
			*off = m->r.off;
			*len = m->r.len;
			*where = m->m.source;
			return 1;
		}
	}
	return 0;
}
