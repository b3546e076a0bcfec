/* lvm.c - LVM2 volume groups through libvslvm (lvm.h). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HAVE_LIBBFIO 1 /* libvslvm.h declares its libbfio calls then */
#include <libbfio.h>
#include <libvslvm.h>

#include "bfio_img.h"
#include "lvm.h"
#include "lvm_meta.h"

#define LVM_MAGIC 0x4c564d32u    /* "LVM2": a live struct cust_lvm */
#define VG_MAGIC 0x4c564d47u     /* "LVMG": a live struct cust_lvm_vg */
#define LABEL_BYTES 2048         /* the label is in one of 4 sectors */
#define USED_MAX 65536           /* extents ranges of a group weighed */
#define RAW_NAME_MAX 1024        /* bytes of a name asked of libvslvm */
#define WHERE_MAX 256

enum pv_state { PV_WAITING, PV_OPENED, PV_UNREAD };

struct pv {
	TSK_IMG_INFO *img;
	uint64_t off, len;      /* the range, as given */
	uint64_t avail;         /* its bytes inside the image */
	char where[WHERE_MAX];
	char uuid[40];          /* as LVM2 prints it: 6-4-4-4-4-4-6 */
	uint64_t dev_size;      /* the label's device size */
	uint64_t data_off;      /* the first physical extent (pe_start) */
	struct cust_lvm_meta_label lab; /* its label, as custody reads it */
	json_t *jp;             /* the walk's report object, held */
	enum pv_state state;
};

struct cust_lvm {
	uint32_t magic;
	cust_lvm_note_fn note;
	void *note_ctx;
	struct pv pvs[CUST_LVM_PVS_MAX];
	size_t npvs;
	int full_noted;
};

struct used {
	size_t pv;              /* index in the group's PVS */
	uint64_t start, end;    /* bytes of that physical volume */
};

struct range {
	struct pv *pv;
	uint64_t off, len;      /* in the physical volume */
};

struct cust_lvm_vg {
	uint32_t magic;
	struct cust_lvm *l;
	pthread_mutex_t lock;   /* libvslvm's reads, one at a time */
	libvslvm_handle_t *handle;
	libbfio_handle_t *first;  /* the handle the metadata was read from */
	libbfio_pool_t *pool;
	libvslvm_volume_group_t *vg;
	struct pv *from;          /* the physical volume it was opened from */
	/* the physical volumes of the metadata, in its order */
	size_t npvs;
	struct pv *pvs[CUST_LVM_PVS_MAX]; /* NULL: not found */
	char pv_names[CUST_LVM_PVS_MAX][CUST_LVM_NAME_MAX + 1]; /* escaped */
	char pv_raw[CUST_LVM_PVS_MAX][RAW_NAME_MAX];
	size_t nlvs;
	char name[CUST_LVM_NAME_MAX + 1];
	json_t *vg_json;
	struct used *used;
	size_t nused;
	int used_cut;
	struct range *free;
	size_t nfree;
	/* the metadata as custody reads it (NULL when it cannot), and
	 * whether custody's reader, not libvslvm, reads the volumes */
	struct cust_lvm_meta *meta;
	int crcs_ok;
	int custody;
};

/* ---- messages ----------------------------------------------------------- */

static void note(struct cust_lvm *l, const char *where, const char *fmt, ...)
	CUST_PRINTF(3, 4);

static void note(struct cust_lvm *l, const char *where, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (l->note)
		l->note(l->note_ctx, where, msg);
}

/* libvslvm's error *E on one line in BUF (its last, most general, line
 * left out when there are several); frees *E. */
static const char *vslvm_message(libvslvm_error_t **e, char *buf, size_t size)
{
	char *nl;

	snprintf(buf, size, "libvslvm gave no reason");
	if (e && *e && libvslvm_error_backtrace_sprint(*e, buf, size) > 0) {
		buf[size - 1] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL)
			*nl = nl[1] ? ' ' : '\0';
	}
	libvslvm_error_free(e);
	return buf;
}

/* NAME (LEN bytes) with anything but LVM2's name characters written as
 * \xHH, cut to CUST_LVM_NAME_MAX bytes; 1 when cut. */
static int escape_name(const char *name, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		            (c >= '0' && c <= '9') || c == '+' || c == '_' ||
		            c == '.' || c == '-';
		if (o + (plain ? 1 : 4) > CUST_LVM_NAME_MAX)
			break;
		if (plain)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = '\0';
	if (o == 0 && len == 0)
		snprintf(out, CUST_LVM_NAME_MAX + 1, "\\x00"); /* never empty */
	return i < len;
}

/* A name libvslvm gave (OK: its size N was asked first and bounded, then
 * the name read into RAW, RAW_NAME_MAX bytes): its escaped form in OUT;
 * -1 when it could not be read. */
static int name_done(int ok, size_t n, char *raw, char *out, int *cut)
{
	*cut = 0;
	if (!ok) {
		raw[0] = '\0';
		snprintf(out, CUST_LVM_NAME_MAX + 1, "(unnamed)");
		return -1;
	}
	raw[n - 1] = '\0';
	*cut = escape_name(raw, strnlen(raw, n), out);
	return 0;
}

/* FN(OBJ, RAW, OUT, CUT): one of libvslvm's names, through its size. */
#define NAME_GETTER(fn, type, size_of, get)                                   \
	static int fn(type *o, char *raw, char *out, int *cut)                \
	{                                                                     \
		size_t n = 0;                                                 \
		int ok = size_of(o, &n, NULL) == 1 && n > 0 &&                \
		         n <= RAW_NAME_MAX && get(o, raw, n, NULL) == 1;      \
		return name_done(ok, n, raw, out, cut);                       \
	}

NAME_GETTER(vg_name, libvslvm_volume_group_t,
            libvslvm_volume_group_get_name_size, libvslvm_volume_group_get_name)
NAME_GETTER(vg_uuid, libvslvm_volume_group_t,
            libvslvm_volume_group_get_identifier_size,
            libvslvm_volume_group_get_identifier)
NAME_GETTER(pv_name, libvslvm_physical_volume_t,
            libvslvm_physical_volume_get_name_size,
            libvslvm_physical_volume_get_name)
NAME_GETTER(pv_uuid, libvslvm_physical_volume_t,
            libvslvm_physical_volume_get_identifier_size,
            libvslvm_physical_volume_get_identifier)
NAME_GETTER(lv_name, libvslvm_logical_volume_t,
            libvslvm_logical_volume_get_name_size,
            libvslvm_logical_volume_get_name)
NAME_GETTER(lv_uuid, libvslvm_logical_volume_t,
            libvslvm_logical_volume_get_identifier_size,
            libvslvm_logical_volume_get_identifier)
NAME_GETTER(stripe_pv, libvslvm_stripe_t,
            libvslvm_stripe_get_physical_volume_name_size,
            libvslvm_stripe_get_physical_volume_name)

/* ---- the set of physical volumes ---------------------------------------- */

struct cust_lvm *cust_lvm_new(cust_lvm_note_fn fn, void *ctx,
                              struct cust_error *err)
{
	struct cust_lvm *l = calloc(1, sizeof *l);

	if (!l) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
		return NULL;
	}
	l->magic = LVM_MAGIC;
	l->note = fn;
	l->note_ctx = ctx;
	return l;
}

void cust_lvm_free(struct cust_lvm *l)
{
	size_t i;

	if (!l || l->magic != LVM_MAGIC)
		return;
	for (i = 0; i < l->npvs; i++)
		json_decref(l->pvs[i].jp);
	l->magic = 0;
	free(l);
}

/* The label of the PV in BUF (GOT bytes of its start) into PV; -1 when
 * there is no readable label (WHY says why). */
static int read_label(const unsigned char *buf, size_t got, struct pv *pv,
                      char *why, size_t whysz)
{
	struct cust_error e;

	cust_error_clear(&e);
	if (cust_lvm_meta_label(buf, got, &pv->lab, &e) < 0) {
		snprintf(why, whysz, "%s", e.message);
		return -1;
	}
	memcpy(pv->uuid, pv->lab.uuid, sizeof pv->uuid);
	pv->dev_size = pv->lab.dev_size;
	pv->data_off = pv->lab.data_off;
	return 0;
}

int cust_lvm_add_pv(struct cust_lvm *l, TSK_IMG_INFO *img, uint64_t off,
                    uint64_t len, const char *where, json_t *jp,
                    struct cust_error *err)
{
	libbfio_handle_t *h = NULL;
	libvslvm_error_t *e = NULL;
	unsigned char buf[LABEL_BYTES];
	struct pv pv;
	char why[1024];
	ssize_t got;
	int sig;

	if (!l || l->magic != LVM_MAGIC || !img || img->size <= 0)
		return cust_error_set(err, CUST_E_USAGE, "lvm: no set or image");
	if (off >= (uint64_t)img->size || len < LABEL_BYTES)
		return 0;
	if (cust_bfio_img_open(img, off, len, &h, err) < 0)
		return -1;
	sig = libvslvm_check_volume_signature_file_io_handle(h, &e);
	libvslvm_error_free(&e);
	libbfio_handle_free(&h, NULL);
	if (sig != 1)
		return 0;
	memset(&pv, 0, sizeof pv);
	got = tsk_img_read(img, (TSK_OFF_T)off, (char *)buf, sizeof buf);
	tsk_error_reset();
	if (got <= 0)
		snprintf(why, sizeof why, "it cannot be read");
	if (got <= 0 || read_label(buf, (size_t)got, &pv, why, sizeof why) < 0) {
		note(l, where, "an LVM2 physical volume label whose header "
		     "cannot be read (%s): not opened", why);
		return 0;
	}
	if (!pv.lab.crc_ok)
		note(l, where, "LVM2 physical volume %s: its label's checksum "
		     "does not match (read anyway)", pv.uuid);
	if (l->npvs == CUST_LVM_PVS_MAX) {
		if (!l->full_noted)
			note(l, where, "more than %d LVM2 physical volumes: the "
			     "rest not opened", CUST_LVM_PVS_MAX);
		l->full_noted = 1;
		return 0;
	}
	pv.img = img;
	pv.off = off;
	pv.len = len;
	pv.avail = (uint64_t)img->size - off < len ? (uint64_t)img->size - off
	                                           : len;
	snprintf(pv.where, sizeof pv.where, "%s", where);
	pv.state = PV_WAITING;
	if (jp) {
		pv.jp = json_incref(jp);
		/* an md array holding the PV stays an md array: its
		 * physical_volume says it is a PV too */
		if (!json_object_get(jp, "layer"))
			json_object_set_new(jp, "layer", json_string("lvm"));
		json_object_set_new(jp, "physical_volume", json_pack(
			"{s:s, s:I, s:I, s:I}", "uuid", pv.uuid,
			"offset", (json_int_t)off, "size", (json_int_t)len,
			"data_offset", (json_int_t)(pv.data_off > INT64_MAX ?
			                           INT64_MAX : pv.data_off)));
	}
	if (pv.dev_size > pv.avail)
		note(l, where, "LVM2 physical volume %s of %" PRIu64 " bytes, "
		     "%" PRIu64 " of them in the image: truncated", pv.uuid,
		     pv.dev_size, pv.avail);
	l->pvs[l->npvs++] = pv;
	return 1;
}

int cust_lvm_unread(struct cust_lvm *l, size_t k, TSK_IMG_INFO **img,
                    uint64_t *off, uint64_t *len, const char **where)
{
	size_t i;

	for (i = 0; l && i < l->npvs; i++) {
		if (l->pvs[i].state != PV_UNREAD)
			continue;
		if (k-- > 0)
			continue;
		*img = l->pvs[i].img;
		*off = l->pvs[i].off;
		*len = l->pvs[i].avail;
		*where = l->pvs[i].where;
		return 1;
	}
	return 0;
}

/* ---- a volume group ------------------------------------------------------ */

/* Let go of VG's libvslvm objects (custody's reader needs none). */
static void drop_vslvm(struct cust_lvm_vg *vg)
{
	if (vg->vg)
		libvslvm_volume_group_free(&vg->vg, NULL);
	if (vg->handle) {
		libvslvm_handle_close(vg->handle, NULL);
		libvslvm_handle_free(&vg->handle, NULL);
	}
	if (vg->pool)
		libbfio_pool_free(&vg->pool, NULL); /* and its handles */
	if (vg->first)
		libbfio_handle_free(&vg->first, NULL);
}

void cust_lvm_vg_close(struct cust_lvm_vg *vg)
{
	if (!vg || vg->magic != VG_MAGIC)
		return;
	drop_vslvm(vg);
	cust_lvm_meta_free(vg->meta);
	json_decref(vg->vg_json);
	free(vg->used);
	free(vg->free);
	pthread_mutex_destroy(&vg->lock);
	vg->magic = 0;
	free(vg);
}

/* The kept physical volume of UUID, or NULL. */
static struct pv *pv_by_uuid(struct cust_lvm *l, const char *uuid)
{
	size_t i;

	for (i = 0; i < l->npvs; i++)
		if (strcmp(l->pvs[i].uuid, uuid) == 0)
			return &l->pvs[i];
	return NULL;
}

/* The group's physical volumes in the order of its metadata, each found
 * among the kept ones by UUID, into VG->PVS and the pool (a volume no
 * range holds gets an empty range: libvslvm reads nothing there).  -1 on
 * a failure (MSG says why). */
static int gather_pvs(struct cust_lvm_vg *vg, char *msg, size_t msgsz)
{
	struct cust_lvm *l = vg->l;
	libvslvm_error_t *e = NULL;
	libbfio_error_t *be = NULL;
	struct cust_error err;
	int n = 0, i, entry;

	if (libvslvm_volume_group_get_number_of_physical_volumes(vg->vg, &n,
	                                                         &e) != 1) {
		vslvm_message(&e, msg, msgsz);
		return -1;
	}
	if (n <= 0 || n > CUST_LVM_PVS_MAX) {
		snprintf(msg, msgsz, "its metadata lists %d physical volumes "
		         "(1 to %d are read)", n, CUST_LVM_PVS_MAX);
		return -1;
	}
	if (libbfio_pool_initialize(&vg->pool, 0, 0, &be) != 1) {
		libbfio_error_free(&be);
		snprintf(msg, msgsz, "cannot make a pool of handles");
		return -1;
	}
	for (i = 0; i < n; i++) {
		libvslvm_physical_volume_t *p = NULL;
		libbfio_handle_t *h = NULL;
		char raw[RAW_NAME_MAX], uuid[CUST_LVM_NAME_MAX + 1];
		struct pv *found = NULL;
		int cut;

		if (libvslvm_volume_group_get_physical_volume(vg->vg, i, &p,
		                                              &e) != 1) {
			vslvm_message(&e, msg, msgsz);
			return -1;
		}
		pv_name(p, vg->pv_raw[i], vg->pv_names[i], &cut);
		if (pv_uuid(p, raw, uuid, &cut) == 0)
			found = pv_by_uuid(l, raw);
		libvslvm_physical_volume_free(&p, NULL);
		if (found && found->state == PV_OPENED)
			found = NULL; /* one range, one volume of one group */
		vg->pvs[i] = found;
		if (!found)
			note(l, vg->from->where, "LVM2 volume group %s: its physical "
			     "volume %s (%s) is not among the ranges read: its "
			     "extents are missing", vg->name, vg->pv_names[i], uuid);
		else
			found->state = PV_OPENED;
		cust_error_clear(&err);
		if (found ? cust_bfio_img_open(found->img, found->off, found->len,
		                               &h, &err) < 0
		          : cust_bfio_img_open(vg->from->img, 0, 0, &h, &err) < 0) {
			snprintf(msg, msgsz, "%s", err.message);
			return -1;
		}
		if (libbfio_pool_append_handle(vg->pool, &entry, h,
		                               LIBBFIO_OPEN_READ, &be) != 1) {
			libbfio_error_free(&be);
			libbfio_handle_free(&h, NULL);
			snprintf(msg, msgsz, "cannot add a handle to the pool");
			return -1;
		}
	}
	vg->npvs = (size_t)n;
	return 0;
}

/* The index in VG->PVS of the physical volume named RAW, or -1. */
static int pv_index(const struct cust_lvm_vg *vg, const char *raw)
{
	size_t i;

	for (i = 0; i < vg->npvs; i++)
		if (strcmp(vg->pv_raw[i], raw) == 0)
			return (int)i;
	return -1;
}

static int cmp_used(const void *a, const void *b)
{
	const struct used *x = a, *y = b;

	if (x->pv != y->pv)
		return x->pv < y->pv ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Look at the segments and stripes of LV (named NAME): their extents go
 * into VG->USED when USE, their description into SEGS when not NULL, and
 * with NOTE each stripe that cannot be read is a problem.
 */
static void describe_lv(struct cust_lvm_vg *vg, libvslvm_logical_volume_t *lv,
                        const char *name, int use, json_t *segs, int notes)
{
	struct cust_lvm *l = vg->l;
	const char *where = vg->from->where;
	int nseg = 0, s, t;

	if (libvslvm_logical_volume_get_number_of_segments(lv, &nseg, NULL) != 1)
		nseg = 0;
	if (nseg > CUST_LVM_SEGMENTS_MAX) {
		if (notes)
			note(l, where, "LVM2 volume %s/%s: %d segments, the first "
			     "%d described", vg->name, name, nseg,
			     CUST_LVM_SEGMENTS_MAX);
		nseg = CUST_LVM_SEGMENTS_MAX;
	}
	for (s = 0; s < nseg; s++) {
		libvslvm_segment_t *seg = NULL;
		off64_t soff = 0;
		size64_t ssize = 0;
		int nstripes = 0;
		uint64_t per;

		if (libvslvm_logical_volume_get_segment(lv, s, &seg, NULL) != 1)
			continue;
		if (libvslvm_segment_get_offset(seg, &soff, NULL) != 1 ||
		    libvslvm_segment_get_size(seg, &ssize, NULL) != 1 ||
		    libvslvm_segment_get_number_of_stripes(seg, &nstripes,
		                                           NULL) != 1 ||
		    soff < 0 || nstripes <= 0) {
			libvslvm_segment_free(&seg, NULL);
			continue;
		}
		if (segs)
			json_array_append_new(segs, json_pack(
				"{s:I, s:I, s:i}", "offset", (json_int_t)soff,
				"size", (json_int_t)(ssize > INT64_MAX ? INT64_MAX
				                                       : ssize),
				"stripes", nstripes));
		if (nstripes > CUST_LVM_STRIPES_MAX) {
			if (notes)
				note(l, where, "LVM2 volume %s/%s: segment %d of %d "
				     "stripes not read", vg->name, name, s + 1,
				     nstripes);
			libvslvm_segment_free(&seg, NULL);
			continue;
		}
		per = (uint64_t)ssize / (uint64_t)nstripes;
		for (t = 0; t < nstripes; t++) {
			libvslvm_stripe_t *st = NULL;
			char raw[RAW_NAME_MAX], pvname[CUST_LVM_NAME_MAX + 1];
			off64_t dao = 0;
			uint64_t start, have;
			struct pv *pv;
			int cut, i;

			if (libvslvm_segment_get_stripe(seg, t, &st, NULL) != 1)
				continue;
			if (stripe_pv(st, raw, pvname, &cut) < 0 ||
			    libvslvm_stripe_get_data_area_offset(st, &dao, NULL) != 1)
				dao = -1;
			libvslvm_stripe_free(&st, NULL);
			i = dao < 0 ? -1 : pv_index(vg, raw);
			if (i < 0) {
				if (notes)
					note(l, where, "LVM2 volume %s/%s: segment %d "
					     "lies on physical volume '%s', which the "
					     "group does not list: not read there",
					     vg->name, name, s + 1, pvname);
				continue;
			}
			if (!(pv = vg->pvs[i]))
				continue; /* noted when the group was opened */
			have = pv->avail;
			if (pv->data_off > UINT64_MAX - (uint64_t)dao ||
			    (start = pv->data_off + (uint64_t)dao) >= have ||
			    per > have - start) {
				if (notes)
					note(l, where, "LVM2 volume %s/%s: segment %d "
					     "lies past the end of physical volume %s "
					     "(%" PRIu64 " bytes there): what lies past "
					     "it cannot be read", vg->name, name, s + 1,
					     vg->pv_names[i], have);
				if (pv->data_off > UINT64_MAX - (uint64_t)dao ||
				    (start = pv->data_off + (uint64_t)dao) >= have)
					continue;
			}
			if (!use)
				continue;
			if (vg->nused == USED_MAX) {
				vg->used_cut = 1;
				continue;
			}
			vg->used[vg->nused].pv = (size_t)i;
			vg->used[vg->nused].start = start;
			vg->used[vg->nused].end = per > have - start ? have
			                                             : start + per;
			vg->nused++;
		}
		libvslvm_segment_free(&seg, NULL);
	}
}

/* The bytes of each found physical volume outside every used range. */
static int unassigned(struct cust_lvm_vg *vg)
{
	size_t i, u = 0, cap = vg->nused + vg->npvs;

	if (!(vg->free = calloc(cap ? cap : 1, sizeof *vg->free)))
		return -1;
	qsort(vg->used, vg->nused, sizeof *vg->used, cmp_used);
	for (i = 0; i < vg->npvs; i++) {
		struct pv *pv = vg->pvs[i];
		uint64_t at = 0;

		for (; u < vg->nused && vg->used[u].pv == i; u++) {
			if (!pv)
				continue;
			if (vg->used[u].start > at) {
				vg->free[vg->nfree].pv = pv;
				vg->free[vg->nfree].off = at;
				vg->free[vg->nfree].len = vg->used[u].start - at;
				vg->nfree++;
			}
			if (vg->used[u].end > at)
				at = vg->used[u].end;
		}
		if (pv && at < pv->avail) {
			vg->free[vg->nfree].pv = pv;
			vg->free[vg->nfree].off = at;
			vg->free[vg->nfree].len = pv->avail - at;
			vg->nfree++;
		}
	}
	return 0;
}

/* ---- custody's reading of the metadata ----------------------------------- */

/*
 * The metadata of PV as custody reads it (lvm_meta.h): 0 with *OUT and
 * *CRCS_OK (0 when a checksum of its label, its metadata area's header
 * or its text does not match: it is read anyway); -1 when it cannot be
 * read (WHY says why).
 */
static int read_meta(struct pv *pv, struct cust_lvm_meta **out, int *crcs_ok,
                     char *why, size_t whysz)
{
	unsigned char hdr[CUST_LVM_META_HEADER];
	struct cust_lvm_meta_area a;
	struct cust_error e;
	uint64_t mda = pv->lab.mda_off[0], done = 0;
	char *text = NULL;
	int i, rc = -1;

	*out = NULL;
	*crcs_ok = pv->lab.crc_ok;
	cust_error_clear(&e);
	if (pv->lab.nmdas == 0) {
		snprintf(why, whysz, "its label lists no metadata area");
		return -1;
	}
	if (mda >= pv->avail || pv->avail - mda < sizeof hdr) {
		snprintf(why, whysz, "its metadata area lies past the end of "
		         "the image");
		return -1;
	}
	if (tsk_img_read(pv->img, (TSK_OFF_T)(pv->off + mda), (char *)hdr,
	                 sizeof hdr) != (ssize_t)sizeof hdr) {
		tsk_error_reset();
		snprintf(why, whysz, "its metadata area cannot be read");
		return -1;
	}
	if (cust_lvm_meta_area(hdr, sizeof hdr, pv->lab.mda_size[0], &a,
	                       &e) < 0) {
		snprintf(why, whysz, "%s", e.message);
		return -1;
	}
	*crcs_ok = *crcs_ok && a.crc_ok;
	/* at most CUST_LVM_META_TEXT_MAX bytes (cust_lvm_meta_area) */
	if (!(text = malloc((size_t)a.text_size))) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	for (i = 0; i < 2 && a.piece_len[i]; i++) {
		uint64_t at = a.piece_off[i], n = a.piece_len[i];
		if (at > pv->avail - mda || n > pv->avail - mda - at ||
		    tsk_img_read(pv->img, (TSK_OFF_T)(pv->off + mda + at),
		                 text + done, (size_t)n) != (ssize_t)n) {
			tsk_error_reset();
			snprintf(why, whysz, "its metadata text cannot be read "
			         "(%" PRIu64 " bytes at byte %" PRIu64 " of its "
			         "area)", n, at);
			goto out;
		}
		done += n;
	}
	if (cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, text, (size_t)done) !=
	    a.text_crc)
		*crcs_ok = 0;
	if (cust_lvm_meta_parse(text, (size_t)done, out, &e) < 0) {
		snprintf(why, whysz, "%s", e.message);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* Whether M has a segment of more than one stripe. */
static int meta_striped(const struct cust_lvm_meta *m)
{
	size_t i, k;

	for (i = 0; i < m->nlvs; i++)
		for (k = 0; k < m->lvs[i].nsegs; k++)
			if (m->lvs[i].segs[k].striped &&
			    m->lvs[i].segs[k].stripe_count > 1)
				return 1;
	return 0;
}

/* The logical volume named RAW in VG's metadata as custody reads it, or
 * NULL. */
static const struct cust_lvm_meta_lv *meta_lv(const struct cust_lvm_vg *vg,
                                              const char *raw)
{
	size_t i;

	for (i = 0; vg->meta && i < vg->meta->nlvs; i++)
		if (strcmp(vg->meta->lvs[i].name, raw) == 0)
			return &vg->meta->lvs[i];
	return NULL;
}

/* Why LV cannot be read (into WHY): 1 when its metadata is damaged or a
 * segment is of a type other than "striped"; 0 when it can be read. */
static int meta_refuses(const struct cust_lvm_meta_lv *lv, char *why,
                        size_t whysz)
{
	char type[CUST_LVM_NAME_MAX + 1];
	size_t k;

	if (lv->damage[0]) {
		snprintf(why, whysz, "its metadata is damaged (%s)", lv->damage);
		return 1;
	}
	for (k = 0; k < lv->nsegs; k++) {
		if (lv->segs[k].striped)
			continue;
		escape_name(lv->segs[k].type, strlen(lv->segs[k].type), type);
		snprintf(why, whysz, "segment %zu is of type '%s', which "
		         "custody does not read (its data lies in other "
		         "volumes, through a map of that type)", k + 1, type);
		return 1;
	}
	return 0;
}

/* Add the bytes [START, END) of the group's physical volume I to the
 * used ranges. */
static void use_range(struct cust_lvm_vg *vg, size_t i, uint64_t start,
                      uint64_t end)
{
	if (vg->nused == USED_MAX) {
		vg->used_cut = 1;
		return;
	}
	vg->used[vg->nused].pv = i;
	vg->used[vg->nused].start = start;
	vg->used[vg->nused].end = end;
	vg->nused++;
}

/*
 * Look at the segments and stripes of logical volume K of VG's metadata
 * (named NAME, escaped): their extents go into VG->USED when USE, their
 * description into SEGS when not NULL, and with NOTES each stripe that
 * cannot be read is a problem.
 */
static void meta_describe(struct cust_lvm_vg *vg, size_t k, const char *name,
                          int use, json_t *segs, int notes)
{
	const struct cust_lvm_meta *m = vg->meta;
	const struct cust_lvm_meta_lv *lv = &m->lvs[k];
	struct cust_lvm *l = vg->l;
	const char *where = vg->from->where;
	size_t s, t;

	for (s = 0; s < lv->nsegs; s++) {
		const struct cust_lvm_meta_segment *seg = &lv->segs[s];
		uint64_t per = seg->extent_count / seg->stripe_count, start;
		json_t *js;

		/* lvm_meta.c checked extents * extent_size for the volume */
		if (segs && (js = json_pack("{s:I, s:I, s:i, s:s}", "offset",
		                (json_int_t)(seg->start_extent * m->extent_size),
		                "size", (json_int_t)(seg->extent_count *
		                                     m->extent_size),
		                "stripes", (int)seg->stripe_count,
		                "type", "striped"))) {
			if (seg->stripe_count > 1)
				json_object_set_new(js, "stripe_size", json_integer(
					(json_int_t)seg->stripe_size));
			json_array_append_new(segs, js);
		}
		per *= m->extent_size;
		for (t = 0; t < seg->nstripes; t++) {
			const struct cust_lvm_meta_stripe *st = &seg->stripes[t];
			struct pv *pv = vg->pvs[st->pv];
			uint64_t have, ext = 0;
			int inside;

			if (!pv)
				continue; /* noted when the group was opened */
			have = pv->avail;
			start = m->pvs[st->pv].pe_start;
			inside = st->start_extent <= UINT64_MAX / m->extent_size &&
			         (ext = st->start_extent * m->extent_size) <=
			         UINT64_MAX - start && (start += ext) < have;
			if (!inside || per > have - start) {
				if (notes)
					note(l, where, "LVM2 volume %s/%s: segment %zu "
					     "lies past the end of physical volume %s "
					     "(%" PRIu64 " bytes there): what lies past "
					     "it cannot be read", vg->name, name, s + 1,
					     vg->pv_names[st->pv], have);
				if (!inside)
					continue;
			}
			if (use)
				use_range(vg, st->pv, start, per > have - start ?
				          have : start + per);
		}
	}
}

/* The end of opening VG (from PV): the space outside its volumes, and
 * its physical volumes' report objects told of the group.  -1 when
 * memory runs out. */
static int vg_done(struct cust_lvm_vg *vg, struct pv *pv)
{
	size_t i;

	if (vg->used_cut) {
		note(vg->l, pv->where, "LVM2 volume group %s: more than %d extent "
		     "ranges: the space outside its volumes is not read",
		     vg->name, USED_MAX);
		vg->nused = 0;
	} else if (unassigned(vg) < 0) {
		return -1;
	}
	for (i = 0; i < vg->npvs; i++) {
		json_t *jpv;
		if (!vg->pvs[i] || !vg->pvs[i]->jp)
			continue;
		json_object_set(vg->pvs[i]->jp, "volume_group", vg->vg_json);
		jpv = json_object_get(vg->pvs[i]->jp, "physical_volume");
		if (jpv)
			json_object_set_new(jpv, "name",
			                    json_string(vg->pv_names[i]));
	}
	return 0;
}

/* VG (from PV) read by custody's reader, REASON saying why; 1, or -1 when
 * memory runs out. */
static int open_custody(struct cust_lvm_vg *vg, struct pv *pv,
                        const char *reason)
{
	struct cust_lvm *l = vg->l;
	const struct cust_lvm_meta *m = vg->meta;
	char uuid[CUST_LVM_NAME_MAX + 1], said[1200];
	size_t i;

	/* libvslvm's message may quote the metadata: printable ASCII only,
	 * which JSON takes as it is */
	for (i = 0; reason[i] && i + 1 < sizeof said; i++)
		said[i] = reason[i] >= 0x20 && reason[i] < 0x7f ? reason[i] : '?';
	said[i] = '\0';
	drop_vslvm(vg);
	vg->custody = 1;
	escape_name(m->vg_name, strlen(m->vg_name), vg->name);
	escape_name(m->vg_uuid, strlen(m->vg_uuid), uuid);
	json_decref(vg->vg_json);
	vg->vg_json = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:b}", "name",
	                        vg->name, "uuid", uuid, "extent_size",
	                        (json_int_t)(m->extent_size > INT64_MAX ?
	                                     INT64_MAX : m->extent_size),
	                        "sequence", (json_int_t)(m->seqno > INT64_MAX ?
	                                                 INT64_MAX : m->seqno),
	                        "reader", "custody", "reader_reason", said,
	                        "metadata_checksums_ok", vg->crcs_ok);
	if (!vg->vg_json)
		return -1;
	pv->state = PV_WAITING;
	vg->npvs = m->npvs;
	for (i = 0; i < m->npvs; i++) {
		struct pv *found = pv_by_uuid(l, m->pvs[i].uuid);
		escape_name(m->pvs[i].name, strlen(m->pvs[i].name),
		            vg->pv_names[i]);
		if (found && found->state == PV_OPENED)
			found = NULL; /* one range, one volume of one group */
		vg->pvs[i] = found;
		if (found) {
			found->state = PV_OPENED;
			continue;
		}
		escape_name(m->pvs[i].uuid, strlen(m->pvs[i].uuid), uuid);
		note(l, pv->where, "LVM2 volume group %s: its physical volume "
		     "%s (%s) is not among the ranges read: its extents read as "
		     "errors", vg->name, vg->pv_names[i], uuid);
	}
	if (pv->state != PV_OPENED) {
		note(l, pv->where, "LVM2 volume group %s: the metadata read from "
		     "physical volume %s does not list it: it is read as space",
		     vg->name, pv->uuid);
		pv->state = PV_UNREAD;
	}
	vg->nlvs = m->nlvs;
	if (m->lvs_total > m->nlvs)
		note(l, pv->where, "LVM2 volume group %s: %zu logical volumes, "
		     "the first %zu walked", vg->name, m->lvs_total, m->nlvs);
	if (!(vg->used = calloc(USED_MAX, sizeof *vg->used)))
		return -1;
	/* the extents of the volumes walked; those of a volume not walked
	 * are read as space */
	for (i = 0; i < m->nlvs; i++) {
		char why[1024];
		if (!meta_refuses(&m->lvs[i], why, sizeof why))
			meta_describe(vg, i, "", 1, NULL, 0);
	}
	return vg_done(vg, pv) < 0 ? -1 : 1;
}

/*
 * Open the group of PV; 1, 0 when it cannot be read (a problem), -1 on a
 * failure of the system.  The metadata is read by custody (lvm_meta.h)
 * and by libvslvm; custody's reader reads the group when libvslvm
 * refuses it (its reason kept), or when the group has more than one
 * physical volume (libvslvm 20181227 cannot open the pool of such a
 * group, and its handle then crashes when closed) or a striped segment.  Otherwise libvslvm reads
 * it, and a volume custody's reading of the metadata finds damaged or of
 * a segment type other than "striped" is not walked.
 */
static int open_vg(struct cust_lvm *l, struct pv *pv, struct cust_lvm_vg **out,
                   struct cust_error *err)
{
	struct cust_lvm_vg *vg = calloc(1, sizeof *vg);
	libvslvm_error_t *e = NULL;
	char msg[1024], raw[RAW_NAME_MAX], uuid[CUST_LVM_NAME_MAX + 1];
	char why[1024] = "", reason[1200];
	size64_t extent = 0;
	uint32_t seq = 0;
	int n = 0, cut = 0, i, rc;

	if (!vg)
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	vg->magic = VG_MAGIC;
	vg->l = l;
	vg->from = pv;
	pthread_mutex_init(&vg->lock, NULL);
	snprintf(vg->name, sizeof vg->name, "(unnamed)");
	pv->state = PV_UNREAD; /* until the group is opened */
	if (read_meta(pv, &vg->meta, &vg->crcs_ok, why, sizeof why) == 0 &&
	    !vg->crcs_ok)
		note(l, pv->where, "LVM2 physical volume %s: a checksum of its "
		     "label or metadata does not match (read anyway)", pv->uuid);
	if (cust_bfio_img_open(pv->img, pv->off, pv->len, &vg->first, err) < 0) {
		cust_lvm_vg_close(vg);
		return -1;
	}
	if (libvslvm_handle_initialize(&vg->handle, &e) != 1 ||
	    libvslvm_handle_open_file_io_handle(vg->handle, vg->first,
	                                        LIBVSLVM_OPEN_READ, &e) != 1 ||
	    libvslvm_handle_get_volume_group(vg->handle, &vg->vg, &e) != 1) {
		vslvm_message(&e, msg, sizeof msg);
		if (vg->meta) {
			snprintf(reason, sizeof reason, "libvslvm cannot read the "
			         "volume group: %s", msg);
			goto custody;
		}
		note(l, pv->where, "LVM2 physical volume %s: neither libvslvm "
		     "nor custody can read its volume group (its logical volumes "
		     "are not walked; the volume is read as space): %s; %s",
		     pv->uuid, msg, why);
		goto refused;
	}
	if (vg->meta && (vg->meta->npvs > 1 || meta_striped(vg->meta))) {
		snprintf(reason, sizeof reason, "%s", vg->meta->npvs > 1 ?
		         "a group of more than one physical volume, whose pool "
		         "libvslvm 20181227 cannot open" :
		         "a striped segment");
		goto custody;
	}
	if (!vg->meta)
		note(l, pv->where, "LVM2 physical volume %s: custody cannot read "
		     "its metadata (%s): libvslvm reads the group, the segment "
		     "types of its volumes unchecked", pv->uuid, why);
	vg_name(vg->vg, raw, vg->name, &cut);
	vg_uuid(vg->vg, raw, uuid, &cut);
	libvslvm_volume_group_get_extent_size(vg->vg, &extent, NULL);
	libvslvm_volume_group_get_sequence_number(vg->vg, &seq, NULL);
	vg->vg_json = json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", vg->name,
	                        "uuid", uuid, "extent_size",
	                        (json_int_t)(extent > INT64_MAX ? INT64_MAX
	                                                        : extent),
	                        "sequence", (json_int_t)seq,
	                        "reader", "libvslvm");
	if (vg->vg_json && vg->meta)
		json_object_set_new(vg->vg_json, "metadata_checksums_ok",
		                    json_boolean(vg->crcs_ok));
	if (libvslvm_volume_group_get_number_of_physical_volumes(vg->vg, &n,
	                                                         NULL) == 1 &&
	    n > 1) {
		/* libvslvm 20181227 fails there and crashes when closed */
		if (vg->meta)
			snprintf(why, sizeof why, "it lists %zu", vg->meta->npvs);
		note(l, pv->where, "LVM2 volume group %s: %d physical volumes, "
		     "which libvslvm cannot open, and custody cannot read its "
		     "metadata (%s): not walked", vg->name, n, why);
		goto refused;
	}
	pv->state = PV_WAITING;
	if (gather_pvs(vg, msg, sizeof msg) < 0) {
		note(l, pv->where, "LVM2 volume group %s: %s", vg->name, msg);
		goto refused;
	}
	if (libvslvm_handle_open_physical_volume_files_file_io_pool(
		    vg->handle, vg->pool, &e) != 1) {
		note(l, pv->where, "LVM2 volume group %s: libvslvm cannot use "
		     "its physical volumes: %s", vg->name,
		     vslvm_message(&e, msg, sizeof msg));
		goto refused;
	}
	/* the group read before knows no pool: its volumes would read
	 * nothing; asked again, it hands them the pool */
	libvslvm_volume_group_free(&vg->vg, NULL);
	if (libvslvm_handle_get_volume_group(vg->handle, &vg->vg, &e) != 1) {
		note(l, pv->where, "LVM2 volume group %s: libvslvm cannot read "
		     "it again: %s", vg->name, vslvm_message(&e, msg, sizeof msg));
		goto refused;
	}
	if (libvslvm_volume_group_get_number_of_logical_volumes(vg->vg, &n,
	                                                        NULL) != 1 ||
	    n < 0)
		n = 0;
	if (n > CUST_LVM_LVS_MAX) {
		note(l, pv->where, "LVM2 volume group %s: %d logical volumes, "
		     "the first %d walked", vg->name, n, CUST_LVM_LVS_MAX);
		n = CUST_LVM_LVS_MAX;
	}
	vg->nlvs = (size_t)n;
	/* the extents every volume walked holds, for the space outside
	 * them (a volume custody's reading refuses is read as space) */
	if (!(vg->used = calloc(USED_MAX, sizeof *vg->used))) {
		cust_lvm_vg_close(vg);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	for (i = 0; i < n; i++) {
		libvslvm_logical_volume_t *lv = NULL;
		const struct cust_lvm_meta_lv *mlv;
		char lvname[CUST_LVM_NAME_MAX + 1];
		if (libvslvm_volume_group_get_logical_volume(vg->vg, i, &lv,
		                                             NULL) != 1)
			continue;
		lv_name(lv, raw, lvname, &cut);
		if (!(mlv = meta_lv(vg, raw)) || !meta_refuses(mlv, why,
		                                              sizeof why))
			describe_lv(vg, lv, "", 1, NULL, 0);
		libvslvm_logical_volume_free(&lv, NULL);
	}
	if (vg_done(vg, pv) < 0) {
		cust_lvm_vg_close(vg);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	*out = vg;
	return 1;
custody:
	if ((rc = open_custody(vg, pv, reason)) < 0) {
		cust_lvm_vg_close(vg);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	*out = vg;
	return 1;
refused:
	/* every range of the group is read as space, none walked */
	for (i = 0; i < (int)vg->npvs; i++)
		if (vg->pvs[i])
			vg->pvs[i]->state = PV_UNREAD;
	pv->state = PV_UNREAD;
	cust_lvm_vg_close(vg);
	return 0;
}

int cust_lvm_next_vg(struct cust_lvm *l, struct cust_lvm_vg **out,
                     struct cust_error *err)
{
	size_t i;
	int rc;

	*out = NULL;
	if (!l || l->magic != LVM_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "lvm: no set");
	for (i = 0; i < l->npvs; i++) {
		if (l->pvs[i].state != PV_WAITING)
			continue;
		rc = open_vg(l, &l->pvs[i], out, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

size_t cust_lvm_vg_count(const struct cust_lvm_vg *vg)
{
	return vg && vg->magic == VG_MAGIC ? vg->nlvs : 0;
}

int cust_lvm_vg_unassigned(struct cust_lvm_vg *vg, size_t k,
                           TSK_IMG_INFO **img, uint64_t *off, uint64_t *len,
                           const char **where)
{
	if (!vg || vg->magic != VG_MAGIC || k >= vg->nfree)
		return 0;
	*img = vg->free[k].pv->img;
	*off = vg->free[k].pv->off + vg->free[k].off;
	*len = vg->free[k].len;
	*where = vg->free[k].pv->where;
	return 1;
}

/* ---- a logical volume as a libtsk image ---------------------------------- */

/* TSK_IMG_INFO must come first: libtsk casts this to it. */
struct lv_img {
	TSK_IMG_INFO img;
	struct cust_lvm_vg *vg;
	libvslvm_logical_volume_t *lv;      /* libvslvm's reader, or */
	const struct cust_lvm_meta_lv *mlv; /* custody's */
	/* the volume in the metadata as custody reads it, for
	 * cust_lvm_place (either reader); NULL when custody cannot read it */
	const struct cust_lvm_meta_lv *map;
};

static ssize_t read_fail(TSK_OFF_T off, size_t done, const char *fmt, ...)
	CUST_PRINTF(3, 4);

/* What a read of a logical volume gives when it fails at OFF after DONE
 * bytes: those bytes, or -1 and libtsk's error (FMT) when none. */
static ssize_t read_fail(TSK_OFF_T off, size_t done, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (done > 0)
		return (ssize_t)done;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tsk_error_reset();
	tsk_error_set_errno(TSK_ERR_IMG_READ);
	tsk_error_set_errstr("LVM2 volume read at %" PRIdOFF ": %s", off, msg);
	return -1;
}

/*
 * Custody's read of LEN bytes at OFF (inside the volume) of the volume of
 * V: each segment in turn, then its stripe: with N stripes of S bytes,
 * chunk c = (offset in the segment) / S lies on stripe c mod N, at
 * (c / N) * S + (offset mod S) of that stripe's area, which begins at its
 * first extent of its physical volume (pe_start + extent * extent_size).
 * A physical volume no range holds, or an area past its range, is an
 * error; what was read before it is given.
 */
/* Where byte POS of the volume LV (extents of ES bytes) lies: segment
 * SEG (the SEG_INDEX-th), stripe STRIPE, WITHIN bytes into that stripe's
 * area, for RUN bytes on there at most (to the end of the stripe's chunk
 * or of the segment). */
struct lv_byte {
	const struct cust_lvm_meta_segment *seg;
	size_t seg_index, stripe;
	uint64_t within, run;
};

/* 0, -1 past the last segment, -2 when the stripe holds no such byte. */
static int lv_byte_at(const struct cust_lvm_meta_lv *lv, uint64_t es,
                      uint64_t pos, struct lv_byte *b)
{
	uint64_t ext = pos / es, in, seglen, per;
	size_t lo = 0, hi = lv->nsegs;

	while (hi - lo > 1) { /* the last segment starting <= ext */
		size_t mid = lo + (hi - lo) / 2;
		if (lv->segs[mid].start_extent <= ext)
			lo = mid;
		else
			hi = mid;
	}
	b->seg = &lv->segs[lo];
	b->seg_index = lo;
	/* lvm_meta.c: contiguous from 0, extents * es < 2^63 */
	in = pos - b->seg->start_extent * es;
	seglen = b->seg->extent_count * es;
	per = b->seg->extent_count / b->seg->stripe_count * es;
	if (in >= seglen)
		return -1;
	if (b->seg->stripe_count == 1) {
		b->stripe = 0;
		b->within = in;
		b->run = seglen - in;
	} else {
		uint64_t ss = b->seg->stripe_size, c = in / ss;
		b->stripe = (size_t)(c % b->seg->stripe_count);
		b->within = (c / b->seg->stripe_count) * ss + in % ss;
		b->run = ss - in % ss;
		if (b->run > seglen - in)
			b->run = seglen - in;
	}
	return b->within < per && b->stripe < b->seg->nstripes ? 0 : -2;
}

/* B's byte in its physical volume's bytes (pe_start on, of M's extents
 * of ES bytes): *AT, or -1 when that is AVAIL or past. */
static int pv_byte_at(const struct cust_lvm_meta *m, uint64_t es,
                      const struct lv_byte *b, uint64_t avail, uint64_t *at)
{
	const struct cust_lvm_meta_stripe *st = &b->seg->stripes[b->stripe];
	uint64_t area;

	*at = m->pvs[st->pv].pe_start;
	if (st->start_extent > UINT64_MAX / es ||
	    b->within > UINT64_MAX - *at ||
	    (area = st->start_extent * es) > UINT64_MAX - *at - b->within ||
	    (*at += area + b->within) >= avail)
		return -1;
	return 0;
}

/*
 * Custody's read of LEN bytes at OFF (inside the volume) of the volume of
 * V: each segment in turn, then its stripe: with N stripes of S bytes,
 * chunk c = (offset in the segment) / S lies on stripe c mod N, at
 * (c / N) * S + (offset mod S) of that stripe's area, which begins at its
 * first extent of its physical volume (pe_start + extent * extent_size).
 * A physical volume no range holds, or an area past its range, is an
 * error; what was read before it is given.
 */
static ssize_t meta_read(struct lv_img *v, TSK_OFF_T off, char *buf,
                         size_t len)
{
	const struct cust_lvm_meta *m = v->vg->meta;
	const struct cust_lvm_meta_lv *lv = v->mlv;
	uint64_t es = m->extent_size;
	size_t done = 0;

	while (done < len) {
		struct lv_byte b;
		uint64_t run, at;
		size_t pvi;
		struct pv *pv;
		ssize_t got;
		int rc = lv_byte_at(lv, es, (uint64_t)off + done, &b);

		if (rc == -1)
			return read_fail(off, done, "past its last segment");
		if (rc < 0)
			return read_fail(off, done, "stripe %zu of segment %zu "
			                 "holds no byte %" PRIu64, b.stripe + 1,
			                 b.seg_index + 1, b.within);
		run = b.run < len - done ? b.run : len - done;
		pvi = b.seg->stripes[b.stripe].pv;
		if (!(pv = v->vg->pvs[pvi]))
			return read_fail(off, done, "its physical volume %s is "
			                 "missing", v->vg->pv_names[pvi]);
		if (pv_byte_at(m, es, &b, pv->avail, &at) < 0)
			return read_fail(off, done, "past the end of physical "
			                 "volume %s", v->vg->pv_names[pvi]);
		if (run > pv->avail - at)
			run = pv->avail - at;
		got = tsk_img_read(pv->img, (TSK_OFF_T)(pv->off + at),
		                   buf + done, (size_t)run);
		if (got <= 0) {
			const char *te = tsk_error_get();
			return read_fail(off, done, "physical volume %s: %s",
			                 v->vg->pv_names[pvi],
			                 te ? te : "nothing read");
		}
		done += (size_t)got;
	}
	return (ssize_t)done;
}

static ssize_t lv_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf,
                       size_t len)
{
	struct lv_img *v = (struct lv_img *)img;
	libvslvm_error_t *e = NULL;
	char msg[512];
	ssize_t n;

	if (off < 0 || off >= img->size)
		return 0;
	if ((TSK_OFF_T)len > img->size - off)
		len = (size_t)(img->size - off);
	if (v->mlv)
		return meta_read(v, off, buf, len);
	pthread_mutex_lock(&v->vg->lock);
	n = libvslvm_logical_volume_read_buffer_at_offset(v->lv, buf, len, off,
	                                                  &e);
	pthread_mutex_unlock(&v->vg->lock);
	if (n < 0) {
		vslvm_message(&e, msg, sizeof msg);
		tsk_error_reset();
		tsk_error_set_errno(TSK_ERR_IMG_READ);
		tsk_error_set_errstr("LVM2 volume read at %" PRIdOFF ": %s", off,
		                     msg);
		return -1;
	}
	libvslvm_error_free(&e);
	return n;
}

static void lv_close(TSK_IMG_INFO *img)
{
	struct lv_img *v = (struct lv_img *)img;

	if (v->lv) {
		pthread_mutex_lock(&v->vg->lock);
		libvslvm_logical_volume_free(&v->lv, NULL);
		pthread_mutex_unlock(&v->vg->lock);
	}
	free(v);
}

static void lv_imgstat(TSK_IMG_INFO *img, FILE *f)
{
	(void)img;
	(void)f; /* the library never prints */
}

/* The layer object of a volume of VG (NAME, UUID, SIZE, SEGS taken). */
static json_t *volume_layer(struct cust_lvm_vg *vg, const char *lvname,
                            const char *uuid, uint64_t size, json_t *segs)
{
	json_t *jpv;
	size_t p;

	for (p = 0; p < vg->npvs && vg->pvs[p] != vg->from; p++)
		;
	jpv = json_pack("{s:s, s:s, s:I, s:I}", "name",
	                p < vg->npvs ? vg->pv_names[p] : "", "uuid",
	                vg->from->uuid, "offset", (json_int_t)vg->from->off,
	                "size", (json_int_t)vg->from->len);
	return json_pack("{s:s, s:O, s:{s:s, s:s, s:I, s:o}, s:o}",
	                 "layer", "lvm", "volume_group", vg->vg_json,
	                 "logical_volume", "name", lvname, "uuid", uuid,
	                 "size", (json_int_t)size, "segments",
	                 segs ? segs : json_array(),
	                 "physical_volume", jpv ? jpv : json_object());
}

/* The logical volume V (its reader set) of SIZE bytes as the image *IMG:
 * 1; 0 when libtsk refuses it, noted for the volume NAME, with V closed
 * and *LAYER released. */
static int open_volume(struct lv_img *v, uint64_t size, const char *name,
                       TSK_IMG_INFO **img, json_t **layer)
{
	const char *te;

	*img = tsk_img_open_external(v, (TSK_OFF_T)size, 512, lv_read, lv_close,
	                             lv_imgstat);
	if (*img)
		return 1;
	te = tsk_error_get();
	note(v->vg->l, v->vg->from->where, "LVM2 volume %s: libtsk refused it: "
	     "%s", name, te ? te : "no reason");
	tsk_error_reset();
	lv_close(&v->img);
	json_decref(*layer);
	*layer = NULL;
	return 0;
}

/* cust_lvm_vg_volume for a group custody's reader reads. */
static int custody_volume(struct cust_lvm_vg *vg, size_t k,
                          TSK_IMG_INFO **img, char *name, size_t namesz,
                          json_t **layer, struct cust_error *err)
{
	struct cust_lvm *l = vg->l;
	const struct cust_lvm_meta_lv *mlv = &vg->meta->lvs[k];
	char lvname[CUST_LVM_NAME_MAX + 1], uuid[CUST_LVM_NAME_MAX + 1];
	char why[1024];
	struct lv_img *v;
	uint64_t size;
	json_t *segs;

	if (escape_name(mlv->name, strlen(mlv->name), lvname))
		note(l, vg->from->where, "LVM2 volume group %s: a logical volume "
		     "name cut to %d bytes: %s", vg->name, CUST_LVM_NAME_MAX,
		     lvname);
	escape_name(mlv->uuid, strlen(mlv->uuid), uuid);
	if (snprintf(name, namesz, "%s/lvm:%s/%s", vg->from->where, vg->name,
	             lvname) >= (int)namesz)
		return cust_error_set(err, CUST_E_USAGE, "lvm: name too long");
	if (meta_refuses(mlv, why, sizeof why)) {
		note(l, vg->from->where, "LVM2 volume %s: %s: not walked (its "
		     "extents are read as space)", name, why);
		return 0;
	}
	/* lvm_meta.c: extents * extent_size < 2^63 */
	size = mlv->extents * vg->meta->extent_size;
	segs = json_array();
	meta_describe(vg, k, lvname, 0, segs, 1);
	*layer = volume_layer(vg, lvname, uuid, size, segs);
	if (!(v = calloc(1, sizeof *v)) || !*layer) {
		free(v);
		json_decref(*layer);
		*layer = NULL;
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	v->vg = vg;
	v->mlv = mlv;
	v->map = mlv;
	return open_volume(v, (uint64_t)size, name, img, layer);
}

int cust_lvm_vg_volume(struct cust_lvm_vg *vg, size_t k, TSK_IMG_INFO **img,
                       char *name, size_t namesz, json_t **layer,
                       struct cust_error *err)
{
	struct cust_lvm *l;
	struct lv_img *v = NULL;
	libvslvm_logical_volume_t *lv = NULL;
	libvslvm_error_t *e = NULL;
	char raw[RAW_NAME_MAX], lvname[CUST_LVM_NAME_MAX + 1];
	char uuid[CUST_LVM_NAME_MAX + 1], msg[512];
	size64_t size = 0;
	json_t *segs = NULL;
	const struct cust_lvm_meta_lv *mlv;
	int cut = 0;

	*img = NULL;
	*layer = NULL;
	if (!vg || vg->magic != VG_MAGIC || k >= vg->nlvs)
		return cust_error_set(err, CUST_E_USAGE, "lvm: no such volume");
	l = vg->l;
	if (vg->custody)
		return custody_volume(vg, k, img, name, namesz, layer, err);
	if (libvslvm_volume_group_get_logical_volume(vg->vg, (int)k, &lv,
	                                             &e) != 1) {
		note(l, vg->from->where, "LVM2 volume group %s: logical volume "
		     "%zu cannot be read: %s", vg->name, k + 1,
		     vslvm_message(&e, msg, sizeof msg));
		return 0;
	}
	lv_name(lv, raw, lvname, &cut);
	if (cut)
		note(l, vg->from->where, "LVM2 volume group %s: a logical volume "
		     "name cut to %d bytes: %s", vg->name, CUST_LVM_NAME_MAX,
		     lvname);
	mlv = meta_lv(vg, raw);
	lv_uuid(lv, raw, uuid, &cut);
	if (snprintf(name, namesz, "%s/lvm:%s/%s", vg->from->where, vg->name,
	             lvname) >= (int)namesz) {
		libvslvm_logical_volume_free(&lv, NULL);
		return cust_error_set(err, CUST_E_USAGE, "lvm: name too long");
	}
	/* libvslvm reads every segment as striped, whatever its type */
	if (mlv && meta_refuses(mlv, msg, sizeof msg)) {
		note(l, vg->from->where, "LVM2 volume %s: %s: not walked (its "
		     "extents are read as space)", name, msg);
		libvslvm_logical_volume_free(&lv, NULL);
		return 0;
	}
	if (libvslvm_logical_volume_get_size(lv, &size, &e) != 1 ||
	    size == 0 || size > (size64_t)INT64_MAX) {
		note(l, vg->from->where, "LVM2 volume %s: its size (%" PRIu64
		     ") cannot be read: not walked", name, (uint64_t)size);
		libvslvm_error_free(&e);
		libvslvm_logical_volume_free(&lv, NULL);
		return 0;
	}
	segs = json_array();
	describe_lv(vg, lv, lvname, 0, segs, 1);
	*layer = volume_layer(vg, lvname, uuid, (uint64_t)size, segs);
	if (!(v = calloc(1, sizeof *v)) || !*layer) {
		free(v);
		json_decref(*layer);
		*layer = NULL;
		libvslvm_logical_volume_free(&lv, NULL);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	v->vg = vg;
	v->lv = lv;
	v->map = mlv;
	return open_volume(v, (uint64_t)size, name, img, layer);
}

/* The physical volume of VG holding the metadata's physical volume I:
 * custody's reader keeps them in the metadata's order, libvslvm's in its
 * own, where it is found by UUID. */
static struct pv *map_pv(const struct cust_lvm_vg *vg, size_t i)
{
	size_t k;

	if (vg->custody)
		return i < vg->npvs ? vg->pvs[i] : NULL;
	for (k = 0; k < vg->npvs; k++)
		if (vg->pvs[k] && strcmp(vg->pvs[k]->uuid,
		                         vg->meta->pvs[i].uuid) == 0)
			return vg->pvs[k];
	return NULL;
}

int cust_lvm_place(TSK_IMG_INFO *img, uint64_t off, TSK_IMG_INFO **pimg,
                   uint64_t *poff, uint64_t *len)
{
	const struct lv_img *v = (const struct lv_img *)img;
	const struct cust_lvm_meta *m;
	const struct cust_lvm_meta_lv *lv = v ? v->map : NULL;
	struct lv_byte b;
	uint64_t at;
	struct pv *pv;

	if (!lv || !(m = v->vg->meta) || lv->nsegs == 0 ||
	    off >= (uint64_t)img->size)
		return -1;
	/* as meta_read goes: the segment, its stripe, the extent */
	if (lv_byte_at(lv, m->extent_size, off, &b) < 0)
		return -1;
	if (b.run < *len)
		*len = b.run;
	if (!(pv = map_pv(v->vg, b.seg->stripes[b.stripe].pv)))
		return 0; /* a physical volume no range holds */
	if (pv_byte_at(m, m->extent_size, &b, pv->avail, &at) < 0)
		return 0; /* past the end of its physical volume's bytes */
	if (*len > pv->avail - at)
		*len = pv->avail - at;
	*pimg = pv->img;
	*poff = pv->off + at;
	return 1;
}
