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

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The label of the PV in BUF (GOT bytes of its start): its UUID, device
 * size and first extent into PV; -1 when there is no readable label. */
static int read_label(const unsigned char *buf, size_t got, struct pv *pv)
{
	size_t s, h, i, o = 0;

	for (s = 0; s + 32 <= got && s < LABEL_BYTES; s += 512) {
		const unsigned char *lb = buf + s;
		uint32_t contents;
		if (memcmp(lb, "LABELONE", 8) != 0 || memcmp(lb + 24, "LVM2 001", 8))
			continue;
		contents = le32(lb + 20);
		if (contents < 32 || contents > 512 || s + contents + 56 > got)
			return -1;
		h = s + contents;
		for (i = 0; i < 32; i++) {
			unsigned char c = buf[h + i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9')))
				return -1;
			pv->uuid[o++] = (char)c;
			if (i == 5 || i == 9 || i == 13 || i == 17 || i == 21 ||
			    i == 25)
				pv->uuid[o++] = '-';
		}
		pv->uuid[o] = '\0';
		pv->dev_size = le64(buf + h + 32);
		/* the first data area descriptor: where the extents start */
		pv->data_off = le64(buf + h + 40);
		return 0;
	}
	return -1;
}

int cust_lvm_add_pv(struct cust_lvm *l, TSK_IMG_INFO *img, uint64_t off,
                    uint64_t len, const char *where, json_t *jp,
                    struct cust_error *err)
{
	libbfio_handle_t *h = NULL;
	libvslvm_error_t *e = NULL;
	unsigned char buf[LABEL_BYTES];
	struct pv pv;
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
	if (got <= 0 || read_label(buf, (size_t)got, &pv) < 0) {
		note(l, where, "an LVM2 physical volume label whose header "
		     "cannot be read: not opened");
		return 0;
	}
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

void cust_lvm_vg_close(struct cust_lvm_vg *vg)
{
	if (!vg || vg->magic != VG_MAGIC)
		return;
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

/* Open the group of PV; 1, 0 when libvslvm refuses it (a problem), -1 on
 * a failure of the system. */
static int open_vg(struct cust_lvm *l, struct pv *pv, struct cust_lvm_vg **out,
                   struct cust_error *err)
{
	struct cust_lvm_vg *vg = calloc(1, sizeof *vg);
	libvslvm_error_t *e = NULL;
	char msg[1024], raw[RAW_NAME_MAX], uuid[CUST_LVM_NAME_MAX + 1];
	size64_t extent = 0;
	uint32_t seq = 0;
	int n = 0, cut = 0, i;

	if (!vg)
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	vg->magic = VG_MAGIC;
	vg->l = l;
	vg->from = pv;
	pthread_mutex_init(&vg->lock, NULL);
	snprintf(vg->name, sizeof vg->name, "(unnamed)");
	pv->state = PV_UNREAD; /* until the group is opened */
	if (cust_bfio_img_open(pv->img, pv->off, pv->len, &vg->first, err) < 0) {
		cust_lvm_vg_close(vg);
		return -1;
	}
	if (libvslvm_handle_initialize(&vg->handle, &e) != 1 ||
	    libvslvm_handle_open_file_io_handle(vg->handle, vg->first,
	                                        LIBVSLVM_OPEN_READ, &e) != 1 ||
	    libvslvm_handle_get_volume_group(vg->handle, &vg->vg, &e) != 1) {
		note(l, pv->where, "LVM2 physical volume %s: libvslvm cannot "
		     "read its volume group (its logical volumes are not "
		     "walked; the volume is read as space): %s", pv->uuid,
		     vslvm_message(&e, msg, sizeof msg));
		goto refused;
	}
	vg_name(vg->vg, raw, vg->name, &cut);
	vg_uuid(vg->vg, raw, uuid, &cut);
	libvslvm_volume_group_get_extent_size(vg->vg, &extent, NULL);
	libvslvm_volume_group_get_sequence_number(vg->vg, &seq, NULL);
	vg->vg_json = json_pack("{s:s, s:s, s:I, s:I}", "name", vg->name,
	                        "uuid", uuid, "extent_size",
	                        (json_int_t)(extent > INT64_MAX ? INT64_MAX
	                                                        : extent),
	                        "sequence", (json_int_t)seq);
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
	/* the extents every volume holds, for the space outside them */
	if (!(vg->used = calloc(USED_MAX, sizeof *vg->used))) {
		cust_lvm_vg_close(vg);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	for (i = 0; i < n; i++) {
		libvslvm_logical_volume_t *lv = NULL;
		if (libvslvm_volume_group_get_logical_volume(vg->vg, i, &lv,
		                                             NULL) != 1)
			continue;
		describe_lv(vg, lv, "", 1, NULL, 0);
		libvslvm_logical_volume_free(&lv, NULL);
	}
	if (vg->used_cut) {
		note(l, pv->where, "LVM2 volume group %s: more than %d extent "
		     "ranges: the space outside its volumes is not read",
		     vg->name, USED_MAX);
		vg->nused = 0;
	} else if (unassigned(vg) < 0) {
		cust_lvm_vg_close(vg);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	for (i = 0; i < (int)vg->npvs; i++) {
		json_t *jpv;
		if (!vg->pvs[i] || !vg->pvs[i]->jp)
			continue;
		json_object_set(vg->pvs[i]->jp, "volume_group", vg->vg_json);
		jpv = json_object_get(vg->pvs[i]->jp, "physical_volume");
		if (jpv)
			json_object_set_new(jpv, "name",
			                    json_string(vg->pv_names[i]));
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
	libvslvm_logical_volume_t *lv;
};

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

	pthread_mutex_lock(&v->vg->lock);
	libvslvm_logical_volume_free(&v->lv, NULL);
	pthread_mutex_unlock(&v->vg->lock);
	free(v);
}

static void lv_imgstat(TSK_IMG_INFO *img, FILE *f)
{
	(void)img;
	(void)f; /* the library never prints */
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
	json_t *segs = NULL, *jpv;
	int cut = 0;
	size_t p;

	*img = NULL;
	*layer = NULL;
	if (!vg || vg->magic != VG_MAGIC || k >= vg->nlvs)
		return cust_error_set(err, CUST_E_USAGE, "lvm: no such volume");
	l = vg->l;
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
	lv_uuid(lv, raw, uuid, &cut);
	if (snprintf(name, namesz, "%s/lvm:%s/%s", vg->from->where, vg->name,
	             lvname) >= (int)namesz) {
		libvslvm_logical_volume_free(&lv, NULL);
		return cust_error_set(err, CUST_E_USAGE, "lvm: name too long");
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
	for (p = 0; p < vg->npvs && vg->pvs[p] != vg->from; p++)
		;
	jpv = json_pack("{s:s, s:s, s:I, s:I}", "name",
	                p < vg->npvs ? vg->pv_names[p] : "", "uuid",
	                vg->from->uuid, "offset", (json_int_t)vg->from->off,
	                "size", (json_int_t)vg->from->len);
	*layer = json_pack("{s:s, s:O, s:{s:s, s:s, s:I, s:o}, s:o}",
	                   "layer", "lvm", "volume_group", vg->vg_json,
	                   "logical_volume", "name", lvname, "uuid", uuid,
	                   "size", (json_int_t)size, "segments",
	                   segs ? segs : json_array(),
	                   "physical_volume", jpv ? jpv : json_object());
	if (!(v = calloc(1, sizeof *v)) || !*layer) {
		free(v);
		json_decref(*layer);
		*layer = NULL;
		libvslvm_logical_volume_free(&lv, NULL);
		return cust_error_set_errno(err, CUST_E_IO, ENOMEM, "lvm");
	}
	v->vg = vg;
	v->lv = lv;
	*img = tsk_img_open_external(v, (TSK_OFF_T)size, 512, lv_read, lv_close,
	                             lv_imgstat);
	if (!*img) {
		const char *te = tsk_error_get();
		note(l, vg->from->where, "LVM2 volume %s: libtsk refused it: %s",
		     name, te ? te : "no reason");
		tsk_error_reset();
		lv_close(&v->img);
		json_decref(*layer);
		*layer = NULL;
		return 0;
	}
	return 1;
}
