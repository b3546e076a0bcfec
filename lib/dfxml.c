/* dfxml.c - an extraction's inventory as Digital Forensics XML, with
 * fiwalk's element names; see include/custody/dfxml.h. */
#include "custody/dfxml.h"
#include "custody/walk.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tsk/libtsk.h>

#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/pool.h"

#define DFXML_MAGIC 0x44465831u /* "DFX1" */
#define DFXML_NS "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define DC_NS "http://purl.org/dc/elements/1.1/"
#define NAME_MAX_BYTES 64 /* partition names, fs types */
#define VATTRS_MAX 8192   /* custody's attributes of a layer's <volume> */
#define VATTR_VALUE_MAX 160 /* bytes of one such attribute's value */
#define RECORD_NAME "extraction.json"
#define BODY_SUFFIX ".body"
#define COPY_CHUNK ((size_t)1 << 20)
#define INVENTORY_NAME "inventory.jsonl"

/* The partitions of a walk in progress, declared by the walk's thread
 * while another one writes entries. */
struct declared {
	pthread_mutex_t lock;
	json_t *parts;         /* [{"name", "offset"}] */
	json_int_t sector_size;
};

struct cust_dfxml {
	unsigned magic;
	FILE *f;
	char *path;
	char *body_path;             /* begun: F writes here until finished */
	struct declared *declared;   /* begun: partitions come from here */
	json_t *parts;               /* the record's walk.partitions, copied */
	json_int_t sector_size;      /* 0: unknown */
	char volume[CUST_WALK_PART_NAME_MAX]; /* partition of the open
	                                       * <volume>, or "" */
	char vattrs[VATTRS_MAX];     /* its layer's attributes (LVM2), or "" */
	uint64_t part_offset;        /* of the open volume ... */
	int has_part_offset;         /* ... when the record gave it */
	char fs_uuid[40];            /* ... and its file system's, or "" */
	char fs_label[64];
	uint64_t entries;            /* fileobjects written: fiwalk's <id> */
};

/* ---- XML text ------------------------------------------------------------ */

/* The code point of the UTF-8 sequence at S (N bytes left) and its length
 * in *LEN, or -1 when it is not valid UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF). */
static long utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned long cp;
	size_t need, i;

	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return -1;
	}
	if (n < need)
		return -1;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = need;
	return (long)cp;
}

/* Whether XML 1.0 allows the code point as it is.  DEL and the C1
 * controls are allowed but invisible and refused by XML 1.1 readers:
 * escaped as well, as the inventory escapes control characters. */
static int xml_plain(long cp)
{
	if (cp < 0x20)
		return 0;
	if (cp >= 0x7F && cp <= 0x9F)
		return 0;
	return cp != 0xFFFE && cp != 0xFFFF;
}

/* LEN bytes of S as XML character data or attribute value. */
static void put_text(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;

	while (i < len) {
		long cp = utf8_next(p + i, len - i, &n);

		if (cp < 0) {
			fprintf(f, "\\x%02X", p[i]);
			i++;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		/* references, so that readers do not normalise them away */
		case '\t': fputs("&#9;", f); break;
		case '\n': fputs("&#10;", f); break;
		case '\r': fputs("&#13;", f); break;
		default:
			if (xml_plain(cp))
				fwrite(p + i, 1, n, f);
			else
				for (k = 0; k < n; k++)
					fprintf(f, "\\x%02X", p[i + k]);
		}
		i += n;
	}
}

/* <NAME>TEXT</NAME> on its own line, INDENT spaces in. */
static void put_elem(FILE *f, int indent, const char *name, const char *text,
                     size_t len)
{
	fprintf(f, "%*s<%s>", indent, "", name);
	put_text(f, text, len);
	fprintf(f, "</%s>\n", name);
}

static void put_elem_u64(FILE *f, int indent, const char *name, uint64_t v)
{
	fprintf(f, "%*s<%s>%" PRIu64 "</%s>\n", indent, "", name, v, name);
}

/* ---- checks of hostile values -------------------------------------------- */

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/*
 * Whether S is a UTC time xs:dateTime accepts, in the form custody
 * writes: [-]YYYY-MM-DDTHH:MM:SS[.1-9 digits]Z, year not 0000 (XML
 * Schema 1.0 has no year zero), fields in range.
 */
static int time_ok(const char *s, size_t len, int local_ok)
{
	const char *p = s;
	size_t rest = len, frac = 0;
	unsigned mon, day, hour, min, sec;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30,
		                          31, 31, 30, 31, 30, 31 };

	if (rest > 0 && *p == '-') {
		p++;
		rest--;
	}
	if (rest < 19 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) ||
	    p[7] != '-' || !digits(p + 8, 2) || p[10] != 'T' ||
	    !digits(p + 11, 2) || p[13] != ':' || !digits(p + 14, 2) ||
	    p[16] != ':' || !digits(p + 17, 2))
		return 0;
	if (num(p, 4) == 0)
		return 0;
	mon = num(p + 5, 2);
	day = num(p + 8, 2);
	hour = num(p + 11, 2);
	min = num(p + 14, 2);
	sec = num(p + 17, 2);
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    hour > 23 || min > 59 || sec > 59)
		return 0;
	p += 19;
	rest -= 19;
	if (*p == '.') {
		p++;
		rest--;
		while (frac < rest && p[frac] >= '0' && p[frac] <= '9')
			frac++;
		if (frac < 1 || frac > 9)
			return 0;
		p += frac;
		rest -= frac;
	}
	/* no Z: a local time in an unknown zone (FAT), as fiwalk writes it */
	return (rest == 0 && local_ok) || (rest == 1 && *p == 'Z');
}

static int hex_ok(const char *s, size_t len, size_t want)
{
	size_t i;

	if (len != want)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The DFXML partition number of the walk's partition NAME: N of "pN" (1
 * for "p0", fiwalk's number for a file system without a partition
 * table), of "pN/lvm:VG/LV" too, and of each of several file systems in
 * one of these, "pN#TYPE"; NO_NUMBER for an md array's "md:NAME"
 * and a partition "dK/pN" of one of several disks (and their logical
 * volumes), which are no partition of one image's numbering (their
 * <volume> names them); 0 for a name that is none of these. */
#define NO_NUMBER ((unsigned long)-1)

static unsigned long partition_number(const char *name, size_t len)
{
	const char *slash, *hash = len ? memrchr(name, '#', len) : NULL;

	/* "NAME#TYPE": one of several file systems of the range NAME */
	if (hash && hash > name && (size_t)(hash - name) + 1 < len &&
	    strspn(hash + 1, "abcdefghijklmnopqrstuvwxyz0123456789") ==
	            len - (size_t)(hash - name) - 1)
		len = (size_t)(hash - name);
	slash = memchr(name, '/', len);

	if (len > 3 && len < CUST_WALK_PART_NAME_MAX &&
	    memcmp(name, "md:", 3) == 0 && name[3] != '/')
		return NO_NUMBER;
	/* "dK/pN": partition N of disk K of several, no partition of one
	 * image's numbering either */
	if (len > 3 && len < CUST_WALK_PART_NAME_MAX && name[0] == 'd' &&
	    slash && slash - name > 1 && digits(name + 1, (size_t)(slash - name - 1)) &&
	    partition_number(slash + 1, len - (size_t)(slash - name) - 1))
		return NO_NUMBER;
	if (slash) {
		if (len >= CUST_WALK_PART_NAME_MAX || (size_t)(slash - name) + 1 == len)
			return 0;
		len = (size_t)(slash - name);
	}
	if (len < 2 || len > 8 || name[0] != 'p' || !digits(name + 1, len - 1) ||
	    (len > 2 && name[1] == '0'))
		return 0;
	return len == 2 && name[1] == '0' ? 1 : num(name + 1, len - 1);
}

/* ---- one inventory entry -------------------------------------------------- */

/* The entry, checked, its strings borrowed from the json_t. */
struct entry {
	const char *partition, *fs_type, *path, *name, *content;
	size_t partition_len, fs_type_len, path_len;
	unsigned long part_no;
	uint64_t meta_addr, size, uid, gid, read_short;
	int has_read_short;
	unsigned mode;
	int name_alloc, meta_alloc, orphan, path_truncated, runs_truncated;
	char name_type;
	unsigned meta_type;
	const json_t *times[4]; /* mtime, ctime, atime, crtime: schema order */
	const json_t *link_target, *md5, *sha1, *sha256, *read_error;
	const json_t *description;
	const json_t *runs;
};

static const char *const time_names[4] = { "mtime", "ctime", "atime",
	                                   "crtime" };

static int bad(struct cust_error *err, uint64_t n, const char *key,
               const char *what)
{
	return cust_error_set(err, CUST_E_INPUT,
	                      "inventory entry %" PRIu64 ": '%s' %s", n, key,
	                      what);
}

/* The string member KEY of O into *S (NULL when absent and not REQUIRED). */
static int get_string(const json_t *o, const char *key, int required,
                      const json_t **s, uint64_t n, struct cust_error *err)
{
	const json_t *v = json_object_get(o, key);

	*s = NULL;
	if (!v)
		return required ? bad(err, n, key, "is missing") : 0;
	if (!json_is_string(v))
		return bad(err, n, key, "is not a string");
	*s = v;
	return 0;
}

static int get_u64(const json_t *o, const char *key, int required,
                   uint64_t *out, int *present, uint64_t n,
                   struct cust_error *err)
{
	const json_t *v = json_object_get(o, key);

	if (present)
		*present = v != NULL;
	if (!v)
		return required ? bad(err, n, key, "is missing") : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(err, n, key, "is not a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_bool(const json_t *o, const char *key, int required, int *out,
                    uint64_t n, struct cust_error *err)
{
	const json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v)
		return required ? bad(err, n, key, "is missing") : 0;
	if (!json_is_boolean(v))
		return bad(err, n, key, "is not true or false");
	*out = json_is_true(v);
	return 0;
}

/* TSK's name type letter and meta type number, as fiwalk prints them, of
 * the inventory's type.  TSK's only virtual directory is $OrphanFiles. */
static int type_codes(const char *type, const char *name, struct entry *e)
{
	static const struct {
		const char *type;
		char name_type;
		unsigned meta_type;
	} map[] = {
		{ "regular", 'r', 1 },      { "directory", 'd', 2 },
		{ "fifo", 'p', 3 },         { "char-device", 'c', 4 },
		{ "block-device", 'b', 5 }, { "symlink", 'l', 6 },
		{ "socket", 's', 8 },       { "virtual", 'v', 10 },
		{ "other", '-', 0 },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(type, map[i].type) == 0) {
			e->name_type = map[i].name_type;
			e->meta_type = map[i].meta_type;
			if (e->meta_type == 10 && strcmp(name, "$OrphanFiles") == 0) {
				e->name_type = 'V';
				e->meta_type = 11;
			}
			return 0;
		}
	return -1;
}

static int content_ok(const char *c)
{
	static const char *const names[] = { "allocated", "empty",
		                             "recovered-unverified",
		                             "unrecoverable-reused",
		                             "unrecoverable-no-runs" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(c, names[i]) == 0)
			return 1;
	return 0;
}

/* Check every run: lengths, offsets, and that the file offsets they add
 * up to stay within 64 bits. */
static int check_runs(const json_t *runs, uint64_t n, struct cust_error *err)
{
	uint64_t file_off = 0;
	size_t i;

	if (!json_is_array(runs))
		return bad(err, n, "runs", "is not an array");
	if (json_array_size(runs) > CUST_DFXML_RUNS_MAX)
		return bad(err, n, "runs", "has more than 1024 runs");
	for (i = 0; i < json_array_size(runs); i++) {
		const json_t *r = json_array_get(runs, i);
		const json_t *len = json_object_get(r, "length");
		const json_t *off = json_object_get(r, "offset");
		const json_t *sparse = json_object_get(r, "sparse");
		const json_t *fso = json_object_get(r, "fs_offset");
		const json_t *none = json_object_get(r, "no_image");
		const json_t *disk = json_object_get(r, "disk");

		if (!json_is_object(r) || !json_is_integer(len) ||
		    json_integer_value(len) < 0 ||
		    (sparse && !json_is_true(sparse)) ||
		    (!sparse && !off && !json_is_string(none)) ||
		    (off && none) ||
		    (off && (!json_is_integer(off) || json_integer_value(off) < 0)) ||
		    (fso && (!json_is_integer(fso) || json_integer_value(fso) < 0)) ||
		    (disk && (!json_is_integer(disk) ||
		              json_integer_value(disk) < 1 ||
		              json_integer_value(disk) > CUST_WALK_DISKS_MAX)))
			return cust_error_set(err, CUST_E_INPUT,
			                      "inventory entry %" PRIu64
			                      ": run %zu is not {offset, length}, "
			                      "{fs_offset, length, no_image} "
			                      "or {length, sparse: true}",
			                      n, i + 1);
		if ((uint64_t)json_integer_value(len) > UINT64_MAX - file_off)
			return bad(err, n, "runs", "add up beyond 64 bits");
		file_off += (uint64_t)json_integer_value(len);
	}
	return 0;
}

/* File systems whose times are local, in a zone they do not record. */
static int local_times(const char *fs_type)
{
	return strcmp(fs_type, "fat12") == 0 || strcmp(fs_type, "fat16") == 0 ||
	       strcmp(fs_type, "fat32") == 0 || strcmp(fs_type, "exfat") == 0;
}

static int parse_entry(const json_t *o, uint64_t n, struct entry *e,
                       struct cust_error *err)
{
	const json_t *partition, *fs_type, *path, *name, *type, *mode, *content;
	const char *m;
	size_t i;

	memset(e, 0, sizeof *e);
	if (!json_is_object(o))
		return cust_error_set(err, CUST_E_INPUT,
		                      "inventory entry %" PRIu64
		                      ": not a JSON object", n);
	if (get_string(o, "partition", 1, &partition, n, err) < 0 ||
	    get_string(o, "fs_type", 1, &fs_type, n, err) < 0 ||
	    get_string(o, "path", 1, &path, n, err) < 0 ||
	    get_string(o, "name", 1, &name, n, err) < 0 ||
	    get_string(o, "type", 1, &type, n, err) < 0 ||
	    get_string(o, "mode", 1, &mode, n, err) < 0 ||
	    get_string(o, "content", 1, &content, n, err) < 0 ||
	    get_u64(o, "meta_addr", 1, &e->meta_addr, NULL, n, err) < 0 ||
	    get_u64(o, "size", 1, &e->size, NULL, n, err) < 0 ||
	    get_u64(o, "uid", 1, &e->uid, NULL, n, err) < 0 ||
	    get_u64(o, "gid", 1, &e->gid, NULL, n, err) < 0 ||
	    get_u64(o, "read_short", 0, &e->read_short, &e->has_read_short, n,
	            err) < 0 ||
	    get_bool(o, "name_allocated", 1, &e->name_alloc, n, err) < 0 ||
	    get_bool(o, "meta_allocated", 1, &e->meta_alloc, n, err) < 0 ||
	    get_bool(o, "orphan", 0, &e->orphan, n, err) < 0 ||
	    get_bool(o, "path_truncated", 0, &e->path_truncated, n, err) < 0 ||
	    get_bool(o, "runs_truncated", 0, &e->runs_truncated, n, err) < 0 ||
	    get_string(o, "link_target", 0, &e->link_target, n, err) < 0 ||
	    get_string(o, "md5", 0, &e->md5, n, err) < 0 ||
	    get_string(o, "sha1", 0, &e->sha1, n, err) < 0 ||
	    get_string(o, "sha256", 0, &e->sha256, n, err) < 0 ||
	    get_string(o, "read_error", 0, &e->read_error, n, err) < 0 ||
	    get_string(o, "description", 0, &e->description, n, err) < 0)
		return -1;
	e->partition = json_string_value(partition);
	e->partition_len = json_string_length(partition);
	e->part_no = partition_number(e->partition, e->partition_len);
	if (e->part_no == 0)
		return bad(err, n, "partition", "is not p0, p1, ... nor md:NAME");
	e->fs_type = json_string_value(fs_type);
	e->fs_type_len = json_string_length(fs_type);
	if (e->fs_type_len == 0 || e->fs_type_len >= NAME_MAX_BYTES ||
	    strlen(e->fs_type) != e->fs_type_len)
		return bad(err, n, "fs_type", "is not a file system name");
	e->path = json_string_value(path);
	e->path_len = json_string_length(path);
	if (e->path_len == 0 || e->path[0] != '/')
		return bad(err, n, "path", "does not start with /");
	e->name = json_string_value(name);
	if (type_codes(json_string_value(type), e->name, e) < 0)
		return bad(err, n, "type", "is not a known type");
	m = json_string_value(mode);
	if (json_string_length(mode) != 4 || strspn(m, "01234567") != 4)
		return bad(err, n, "mode", "is not four octal digits");
	e->mode = (unsigned)strtoul(m, NULL, 8);
	e->content = json_string_value(content);
	if (!content_ok(e->content))
		return bad(err, n, "content", "is not a known content state");
	for (i = 0; i < 4; i++) {
		if (get_string(o, time_names[i], 0, &e->times[i], n, err) < 0)
			return -1;
		if (e->times[i] && !time_ok(json_string_value(e->times[i]),
		                            json_string_length(e->times[i]),
		                            local_times(e->fs_type)))
			return bad(err, n, time_names[i], "is not a UTC time");
	}
	if (e->md5 && !hex_ok(json_string_value(e->md5),
	                      json_string_length(e->md5), 32))
		return bad(err, n, "md5", "is not 32 lowercase hex digits");
	if (e->sha1 && !hex_ok(json_string_value(e->sha1),
	                       json_string_length(e->sha1), 40))
		return bad(err, n, "sha1", "is not 40 lowercase hex digits");
	if (e->sha256 && !hex_ok(json_string_value(e->sha256),
	                         json_string_length(e->sha256), 64))
		return bad(err, n, "sha256", "is not 64 lowercase hex digits");
	e->runs = json_object_get(o, "runs");
	if (e->runs && check_runs(e->runs, n, err) < 0)
		return -1;
	return 0;
}

/* ---- the document --------------------------------------------------------- */

/* TSK's number of the file system type, as fiwalk's <ftype>; 0 when TSK
 * does not know the name. */
static unsigned ftype_of(const char *fs_type)
{
	TSK_FS_TYPE_ENUM t = tsk_fs_type_toid(fs_type);

	return t == TSK_FS_TYPE_DETECT || t == TSK_FS_TYPE_UNSUPP ? 0
	                                                          : (unsigned)t;
}

/* The partition named NAME in PARTS, or NULL. */
static const json_t *find_partition(const json_t *parts, const char *name)
{
	size_t i;

	for (i = 0; parts && i < json_array_size(parts); i++) {
		const char *pn = cust_json_string(json_array_get(parts, i),
		                                  "name");
		if (pn && strcmp(pn, name) == 0)
			return json_array_get(parts, i);
	}
	return NULL;
}

/* custody's attribute NAME='TEXT' when TEXT is a string of at most
 * VATTR_VALUE_MAX bytes (from the record: anything longer is left out). */
static void put_attr(FILE *f, const char *name, const json_t *text)
{
	if (!json_is_string(text) || json_string_length(text) > VATTR_VALUE_MAX)
		return;
	fprintf(f, " custody:%s='", name);
	put_text(f, json_string_value(text), json_string_length(text));
	fputc('\'', f);
}

/*
 * The identity of NAME, a volume of a layer (an LVM2 logical volume, an md
 * array) whose partition object is P: its name, the layer, and the names
 * and UUIDs of its group, itself and the physical volume it was found in,
 * or of its md array and the array's level, as custody's
 * attributes of <volume> (the schema takes attributes of other
 * namespaces there), into BUF ("" when P is NULL or they do not fit).
 */
static void layer_attrs(char *buf, size_t size, const char *name,
                        const json_t *p)
{
	static const char *const keys[] = {
		"volume_group", "logical_volume", "physical_volume", "md"
	};
	char attr[64];
	json_t *jname;
	FILE *f;
	size_t i;

	buf[0] = '\0';
	if (!p || !(f = fmemopen(buf, size, "w")))
		return;
	jname = json_string(name);
	put_attr(f, "name", jname);
	json_decref(jname);
	put_attr(f, "layer", json_object_get(p, "layer"));
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const json_t *o = json_object_get(p, keys[i]);
		put_attr(f, keys[i], json_object_get(o, "name"));
		snprintf(attr, sizeof attr, "%s_uuid", keys[i]);
		put_attr(f, attr, json_object_get(o, "uuid"));
	}
	put_attr(f, "md_level", json_object_get(json_object_get(p, "md"),
	                                        "level"));
	put_attr(f, "image_disk", json_object_get(p, "image_disk"));
	if (ferror(f) || ftell(f) < 0 || (size_t)ftell(f) >= size) {
		fclose(f);
		buf[0] = '\0'; /* cut: none rather than broken XML */
		return;
	}
	fclose(f);
}

/* The string KEY of partition P into BUF (SIZE bytes), or "" when it
 * has none or it does not fit. */
static void copy_id(char *buf, size_t size, const json_t *p, const char *key)
{
	const json_t *v = p ? json_object_get(p, key) : NULL;
	size_t len = json_is_string(v) ? json_string_length(v) : size;

	buf[0] = '\0';
	if (len < size && strlen(json_string_value(v)) == len)
		memcpy(buf, json_string_value(v), len + 1);
}

static void volume_close(struct cust_dfxml *w)
{
	/* the file system's identity: custody's own, after the fileobjects
	 * (the schema takes other namespaces at the end of a volume) */
	if (w->volume[0] && w->fs_uuid[0])
		put_elem(w->f, 4, "custody:fs_uuid", w->fs_uuid,
		         strlen(w->fs_uuid));
	if (w->volume[0] && w->fs_label[0])
		put_elem(w->f, 4, "custody:fs_label", w->fs_label,
		         strlen(w->fs_label));
	if (w->volume[0])
		fputs("  </volume>\n", w->f);
	w->volume[0] = '\0';
}

/* W is inside the <volume> of PARTITION (LEN bytes, shorter than
 * NAME_MAX_BYTES): its name and offset, nothing written. */
static void volume_enter(struct cust_dfxml *w, const char *partition,
                         size_t len)
{
	const json_t *p, *off;
	struct declared *d = w->declared;

	memcpy(w->volume, partition, len);
	w->volume[len] = '\0';
	if (d)
		pthread_mutex_lock(&d->lock);
	p = find_partition(d ? d->parts : w->parts, w->volume);
	off = p ? json_object_get(p, "offset") : NULL;
	/* a layer's volume, a partition of one of several disks, one of
	 * several file systems of a partition: named */
	layer_attrs(w->vattrs, sizeof w->vattrs, w->volume,
	            p && (json_is_string(json_object_get(p, "layer")) ||
	                  strchr(w->volume, '/') || strchr(w->volume, '#'))
	                    ? p : NULL);
	/* a layer's volume lies at "image_offset" when it is one window of
	 * one image; its "offset" (0) is in the volume itself */
	if (p && json_is_string(json_object_get(p, "layer")))
		off = json_object_get(p, "image_offset");
	w->has_part_offset = json_is_integer(off) && json_integer_value(off) >= 0;
	w->part_offset = w->has_part_offset ? (uint64_t)json_integer_value(off)
	                                    : 0;
	copy_id(w->fs_uuid, sizeof w->fs_uuid, p, "fs_uuid");
	copy_id(w->fs_label, sizeof w->fs_label, p, "fs_label");
	if (d) {
		w->sector_size = d->sector_size;
		pthread_mutex_unlock(&d->lock);
	}
}

static void volume_open(struct cust_dfxml *w, const struct entry *e)
{
	unsigned ftype = ftype_of(e->fs_type);

	volume_enter(w, e->partition, e->partition_len);
	fputs("  <volume", w->f);
	if (w->has_part_offset)
		fprintf(w->f, " offset='%" PRIu64 "'", w->part_offset);
	fputs(w->vattrs, w->f);
	fputs(">\n", w->f);
	if (w->has_part_offset)
		put_elem_u64(w->f, 4, "partition_offset", w->part_offset);
	if (w->sector_size > 0)
		put_elem_u64(w->f, 4, "sector_size", (uint64_t)w->sector_size);
	if (ftype)
		put_elem_u64(w->f, 4, "ftype", ftype);
	put_elem(w->f, 4, "ftype_str", e->fs_type, e->fs_type_len);
}

/* fiwalk's precision of FAT times: 2 s, and a day for the access date. */
static const char *time_prec(const struct entry *e, size_t i)
{
	if (strcmp(e->fs_type, "fat12") && strcmp(e->fs_type, "fat16") &&
	    strcmp(e->fs_type, "fat32"))
		return NULL;
	return i == 2 ? "86400" : i == 1 ? NULL : "2";
}

/* fiwalk's byte runs: the bytes of the file in each run, so the last one
 * stops at the file size and runs past it (slack) are left out. */
static void put_runs(struct cust_dfxml *w, const json_t *runs, uint64_t size)
{
	uint64_t file_off = 0;
	size_t i;

	fputs("      <byte_runs>\n", w->f);
	for (i = 0; i < json_array_size(runs) && file_off < size; i++) {
		const json_t *r = json_array_get(runs, i);
		uint64_t len = (uint64_t)json_integer_value(json_object_get(r, "length"));
		const json_t *off = json_object_get(r, "offset");

		if (len > size - file_off)
			len = size - file_off;
		fprintf(w->f, "       <byte_run file_offset='%" PRIu64 "'", file_off);
		const json_t *fso = json_object_get(r, "fs_offset");
		const json_t *disk = json_object_get(r, "disk");

		if (json_object_get(r, "sparse")) {
			fputs(" fill='0'", w->f);
		} else if (!off) {
			/* in no image (rebuilt from parity, on a volume not
			 * found): where it is in its volume, and why, only */
			fprintf(w->f, " fs_offset='%" PRIu64 "'",
			        (uint64_t)json_integer_value(fso));
			put_attr(w->f, "no_image", json_object_get(r, "no_image"));
		} else {
			uint64_t img = (uint64_t)json_integer_value(off);
			if (fso)
				fprintf(w->f, " fs_offset='%" PRIu64 "'",
				        (uint64_t)json_integer_value(fso));
			else if (w->has_part_offset && img >= w->part_offset)
				fprintf(w->f, " fs_offset='%" PRIu64 "'",
				        img - w->part_offset);
			fprintf(w->f, " img_offset='%" PRIu64 "'", img);
			if (disk)
				fprintf(w->f, " custody:disk='d%" PRIu64 "'",
				        (uint64_t)json_integer_value(disk));
		}
		fprintf(w->f, " len='%" PRIu64 "'/>\n", len);
		file_off += len;
	}
	fputs("      </byte_runs>\n", w->f);
}

static void put_str(FILE *f, int indent, const char *name, const json_t *s)
{
	put_elem(f, indent, name, json_string_value(s), json_string_length(s));
}

static void put_fileobject(struct cust_dfxml *w, const struct entry *e)
{
	FILE *f = w->f;
	int used = e->meta_alloc || e->size > 0 || e->runs;
	size_t i;

	for (i = 0; i < 4; i++)
		used |= e->times[i] != NULL;
	fputs("    <fileobject>\n", f);
	/* fiwalk's file names are relative to the root of the volume */
	put_elem(f, 6, "filename", e->path + 1, e->path_len - 1);
	if (e->read_error)
		put_str(f, 6, "error", e->read_error);
	if (e->part_no != NO_NUMBER)
		put_elem_u64(f, 6, "partition", e->part_no);
	put_elem_u64(f, 6, "id", w->entries);
	fprintf(f, "      <name_type>%c</name_type>\n", e->name_type);
	put_elem_u64(f, 6, "filesize", e->size);
	put_elem_u64(f, 6, "alloc_inode", (uint64_t)e->meta_alloc);
	put_elem_u64(f, 6, "alloc_name", (uint64_t)e->name_alloc);
	/* TSK's USED flag: the metadata holds something */
	if (used)
		put_elem_u64(f, 6, "used", 1);
	if (e->orphan)
		put_elem_u64(f, 6, "orphan", 1);
	put_elem_u64(f, 6, "inode", e->meta_addr);
	put_elem_u64(f, 6, "meta_type", e->meta_type);
	put_elem_u64(f, 6, "mode", e->mode);
	put_elem_u64(f, 6, "uid", e->uid);
	put_elem_u64(f, 6, "gid", e->gid);
	for (i = 0; i < 4; i++) {
		const char *prec = time_prec(e, i);
		if (!e->times[i])
			continue;
		fprintf(f, "      <%s", time_names[i]);
		if (prec)
			fprintf(f, " prec='%s'", prec);
		fputc('>', f);
		put_text(f, json_string_value(e->times[i]),
		         json_string_length(e->times[i]));
		fprintf(f, "</%s>\n", time_names[i]);
	}
	if (e->link_target)
		put_str(f, 6, "link_target", e->link_target);
	if (e->description)
		put_str(f, 6, "libmagic", e->description);
	if (e->runs && json_array_size(e->runs) > 0 && e->size > 0)
		put_runs(w, e->runs, e->size);
	if (e->md5)
		fprintf(f, "      <hashdigest type='md5'>%s</hashdigest>\n",
		        json_string_value(e->md5));
	if (e->sha1)
		fprintf(f, "      <hashdigest type='sha1'>%s</hashdigest>\n",
		        json_string_value(e->sha1));
	if (e->sha256)
		fprintf(f, "      <hashdigest type='sha256'>%s</hashdigest>\n",
		        json_string_value(e->sha256));
	fprintf(f, "      <custody:content>%s</custody:content>\n", e->content);
	if (e->path_truncated)
		fputs("      <custody:path_truncated>1</custody:path_truncated>\n",
		      f);
	if (e->runs_truncated)
		fputs("      <custody:runs_truncated>1</custody:runs_truncated>\n",
		      f);
	if (e->has_read_short)
		fprintf(f, "      <custody:read_short>%" PRIu64
		           "</custody:read_short>\n",
		        e->read_short);
	fputs("    </fileobject>\n", f);
}

int cust_dfxml_add(struct cust_dfxml *w, const json_t *entry,
                   struct cust_error *err)
{
	struct entry e;

	if (!w || w->magic != DFXML_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "dfxml: not an open writer");
	if (parse_entry(entry, w->entries + 1, &e, err) < 0)
		return -1;
	if (!w->volume[0] || strcmp(w->volume, e.partition) != 0) {
		volume_close(w);
		volume_open(w, &e);
	}
	w->entries++;
	put_fileobject(w, &e);
	if (ferror(w->f))
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot write '%s'", w->path);
	return 0;
}

/* The command line, arguments joined by spaces, those with white space,
 * quotes or nothing in them single-quoted as a shell would read them. */
static void put_command_line(FILE *f, const json_t *argv)
{
	size_t i;

	fputs("      <command_line>", f);
	for (i = 0; i < json_array_size(argv); i++) {
		const json_t *a = json_array_get(argv, i);
		const char *s = json_string_value(a);
		size_t len = json_string_length(a), j;

		if (!s)
			continue;
		if (i)
			fputc(' ', f);
		if (len > 0 && strcspn(s, " \t\n\r'\"\\") == len) {
			put_text(f, s, len);
			continue;
		}
		fputs("&apos;", f);
		for (j = 0; j < len; j++) {
			size_t k = j;
			while (k < len && s[k] != '\'')
				k++;
			put_text(f, s + j, k - j);
			if (k < len)
				fputs("&apos;\\&apos;&apos;", f);
			j = k;
		}
		fputs("&apos;", f);
	}
	fputs("</command_line>\n", f);
}

/* <creator> and <source> from the extraction record. */
static int put_header(struct cust_dfxml *w, const json_t *rec, unsigned flags,
                     struct cust_error *err)
{
	FILE *f = w->f;
	const json_t *tool = json_object_get(rec, "tool");
	const json_t *program = json_object_get(tool, "name");
	const json_t *version = json_object_get(tool, "version");
	const json_t *argv = json_object_get(rec, "command_line");
	const json_t *started = json_object_get(rec, "started");
	const json_t *walk = json_object_get(rec, "walk");
	const json_t *container = json_object_get(walk, "container");
	const json_t *images = json_object_get(container, "segments");
	const json_t *files = json_object_get(json_object_get(rec, "source"),
	                                      "files");
	int run_facts = !(flags & CUST_DFXML_NO_RUN_FACTS);
	size_t i;

	if (!json_is_array(argv) || !run_facts)
		argv = NULL;
	if (!json_is_string(started) || !run_facts)
		started = NULL;
	if (started && !time_ok(json_string_value(started),
	                        json_string_length(started), 0))
		return cust_error_set(err, CUST_E_INPUT, "extraction record: "
		                                         "'started' is not a time");
	fputs("  <creator>\n", f);
	if (json_is_string(program))
		put_str(f, 4, "program", program);
	if (json_is_string(version))
		put_str(f, 4, "version", version);
	if (argv || started) {
		fputs("    <execution_environment>\n", f);
		if (argv)
			put_command_line(f, argv);
		if (started)
			put_str(f, 6, "start_time", started);
		fputs("    </execution_environment>\n", f);
	}
	fputs("  </creator>\n", f);
	/* the files walked; source.files when the record lists no segments */
	if (!json_is_array(images) || json_array_size(images) == 0) {
		images = NULL;
		if (!json_is_array(files))
			files = NULL;
	} else {
		files = NULL;
	}
	if ((images && json_array_size(images) > CUST_DFXML_IMAGES_MAX) ||
	    (files && json_array_size(files) > CUST_DFXML_IMAGES_MAX))
		return cust_error_set(err, CUST_E_INPUT,
		                      "extraction record: more than %d image files",
		                      CUST_DFXML_IMAGES_MAX);
	fputs("  <source>\n", f);
	for (i = 0; images && i < json_array_size(images); i++)
		if (json_is_string(json_array_get(images, i)))
			put_str(f, 4, "image_filename", json_array_get(images, i));
	for (i = 0; files && i < json_array_size(files); i++) {
		const json_t *p = json_object_get(json_array_get(files, i), "path");
		if (json_is_string(p))
			put_str(f, 4, "image_filename", p);
	}
	fputs("  </source>\n", f);
	return 0;
}

static void writer_free(struct cust_dfxml *w, int remove_file)
{
	if (w->f)
		fclose(w->f);
	if (remove_file && w->path)
		unlink(w->path);
	if (w->body_path)
		unlink(w->body_path);
	if (w->declared) {
		pthread_mutex_destroy(&w->declared->lock);
		json_decref(w->declared->parts);
		free(w->declared);
	}
	json_decref(w->parts);
	free(w->path);
	free(w->body_path);
	w->magic = 0;
	free(w);
}

static struct cust_dfxml *writer_new(const char *path, struct cust_error *err)
{
	struct cust_dfxml *w = calloc(1, sizeof *w);

	if (!w || !(w->path = strdup(path))) {
		free(w);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	w->magic = DFXML_MAGIC;
	return w;
}

/* The document's start: declaration, root, metadata, creator, source. */
static int put_prolog(struct cust_dfxml *w, FILE *f, const json_t *record,
                      unsigned flags, struct cust_error *err)
{
	FILE *body = w->f;
	int rc;

	fputs("<?xml version='1.0' encoding='UTF-8'?>\n"
	      "<dfxml xmlns='" DFXML_NS "'\n"
	      "  xmlns:xsi='" XSI_NS "'\n"
	      "  xmlns:dc='" DC_NS "'\n"
	      "  xmlns:custody='" CUST_DFXML_CUSTODY_NS "'\n"
	      "  version='" CUST_DFXML_VERSION "'>\n"
	      "  <metadata>\n"
	      "    <dc:type>Disk Image</dc:type>\n"
	      "  </metadata>\n",
	      f);
	w->f = f;
	rc = put_header(w, record, flags, err);
	w->f = body;
	if (rc == 0 && ferror(f))
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write '%s'", w->path);
	return rc;
}

struct cust_dfxml *cust_dfxml_open(const char *path, const json_t *record,
                                   unsigned flags, struct cust_error *err)
{
	struct cust_dfxml *w = writer_new(path, err);
	const json_t *walk = json_object_get(record, "walk");
	const json_t *parts = json_object_get(walk, "partitions");
	const json_t *ss = json_object_get(json_object_get(walk, "container"),
	                                   "sector_size");
	FILE *f;

	if (!w)
		return NULL;
	if (record && !json_is_object(record)) {
		cust_error_set(err, CUST_E_INPUT,
		               "extraction record: not a JSON object");
		writer_free(w, 0);
		return NULL;
	}
	if (json_is_array(parts)) {
		if (json_array_size(parts) > CUST_DFXML_PARTS_MAX) {
			cust_error_set(err, CUST_E_INPUT,
			               "extraction record: more than %d partitions",
			               CUST_DFXML_PARTS_MAX);
			writer_free(w, 0);
			return NULL;
		}
		w->parts = json_deep_copy(parts);
	}
	if (json_is_integer(ss) && json_integer_value(ss) > 0 &&
	    json_integer_value(ss) <= 1 << 20)
		w->sector_size = json_integer_value(ss);
	if (!(f = cust_fs_fcreate(path, 0444, err))) {
		writer_free(w, 0);
		return NULL;
	}
	if (put_prolog(w, f, record, flags, err) < 0) {
		fclose(f);
		writer_free(w, 1);
		return NULL;
	}
	w->f = f;
	return w;
}

struct cust_dfxml *cust_dfxml_begin(const char *path, struct cust_error *err)
{
	struct cust_dfxml *w = writer_new(path, err);

	if (!w)
		return NULL;
	w->declared = calloc(1, sizeof *w->declared);
	if (!w->declared || asprintf(&w->body_path, "%s" BODY_SUFFIX, path) < 0) {
		free(w->declared);
		w->declared = NULL;
		w->body_path = NULL;
		cust_error_set(err, CUST_E_IO, "out of memory");
		writer_free(w, 0);
		return NULL;
	}
	pthread_mutex_init(&w->declared->lock, NULL);
	w->declared->parts = json_array();
	if (!w->declared->parts)
		cust_error_set(err, CUST_E_IO, "out of memory");
	if (!w->declared->parts ||
	    !(w->f = cust_fs_fcreate(w->body_path, 0444, err))) {
		free(w->body_path); /* never made: nothing to remove */
		w->body_path = NULL;
		writer_free(w, 0);
		return NULL;
	}
	return w;
}

int cust_dfxml_partition(struct cust_dfxml *w, const char *name,
                         uint64_t offset, uint32_t sector_size,
                         const json_t *layer, struct cust_error *err)
{
	struct declared *d;
	json_t *p;
	int rc = 0;

	if (!w || w->magic != DFXML_MAGIC || !w->declared)
		return cust_error_set(err, CUST_E_USAGE,
		                      "dfxml: not a writer begun for a walk");
	d = w->declared;
	pthread_mutex_lock(&d->lock);
	if (json_array_size(d->parts) >= CUST_DFXML_PARTS_MAX)
		rc = cust_error_set(err, CUST_E_INPUT, "more than %d partitions",
		                    CUST_DFXML_PARTS_MAX);
	else if (!(p = json_pack("{s:s, s:I}", "name", name, "offset",
	                         (json_int_t)offset)) ||
	         (json_is_object(layer) &&
	          json_object_update_missing(p, (json_t *)layer) < 0) ||
	         json_array_append_new(d->parts, p) < 0)
		rc = cust_error_set(err, CUST_E_IO, "out of memory");
	else if (sector_size > 0 && sector_size <= 1u << 20)
		d->sector_size = sector_size;
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int cust_dfxml_partition_id(struct cust_dfxml *w, const char *name,
                            const char *uuid, const char *label,
                            struct cust_error *err)
{
	struct declared *d;
	json_t *p;
	int rc = 0;

	if (!w || w->magic != DFXML_MAGIC || !w->declared)
		return cust_error_set(err, CUST_E_USAGE,
		                      "dfxml: not a writer begun for a walk");
	d = w->declared;
	pthread_mutex_lock(&d->lock);
	p = (json_t *)find_partition(d->parts, name);
	if (!p)
		rc = cust_error_set(err, CUST_E_USAGE, "dfxml: partition '%s' "
		                    "not declared", name);
	else if ((uuid && json_object_set_new(p, "fs_uuid",
	                                      json_string(uuid)) < 0) ||
	         (label && json_object_set_new(p, "fs_label",
	                                       json_string(label)) < 0))
		rc = cust_error_set(err, CUST_E_IO, "out of memory");
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Append the body file to F; 0, or -1 with errno set. */
static int copy_body(const char *body_path, FILE *f)
{
	FILE *in = fopen(body_path, "r");
	char *buf = malloc(COPY_CHUNK);
	size_t n;
	int rc = 0;

	if (!in || !buf) {
		if (in)
			fclose(in);
		free(buf);
		return -1;
	}
	while ((n = fread(buf, 1, COPY_CHUNK, in)) > 0)
		if (fwrite(buf, 1, n, f) != n) {
			rc = -1;
			break;
		}
	if (ferror(in))
		rc = -1;
	fclose(in);
	free(buf);
	return rc;
}

int cust_dfxml_finish(struct cust_dfxml *w, const json_t *record,
                      unsigned flags, struct cust_error *err)
{
	FILE *body, *f = NULL;
	int created = 0, rc;

	if (!w || w->magic != DFXML_MAGIC || !w->declared)
		return cust_error_set(err, CUST_E_USAGE,
		                      "dfxml: not a writer begun for a walk");
	volume_close(w);
	body = w->f;
	w->f = NULL;
	rc = fflush(body) != 0 || ferror(body) ? -1 : 0;
	if (fclose(body) != 0 || rc < 0) {
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                         "cannot write '%s'", w->body_path);
	} else if (!(f = cust_fs_fcreate(w->path, 0444, err)) ||
	           (created = 1, put_prolog(w, f, record, flags, err) < 0)) {
		rc = -1;
	} else if (copy_body(w->body_path, f) < 0) {
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                         "cannot copy '%s' into '%s'",
		                         w->body_path, w->path);
	} else {
		fputs("</dfxml>\n", f);
		rc = cust_fs_fclose_synced(f, w->path, err);
		f = NULL;
	}
	if (f)
		fclose(f);
	writer_free(w, rc < 0 && created);
	return rc;
}

int cust_dfxml_close(struct cust_dfxml *w, struct cust_error *err)
{
	int rc;

	if (!w)
		return 0;
	if (w->magic != DFXML_MAGIC || w->declared)
		return cust_error_set(err, CUST_E_USAGE,
		                      "dfxml: not an open writer");
	volume_close(w);
	fputs("</dfxml>\n", w->f);
	rc = cust_fs_fclose_synced(w->f, w->path, err);
	w->f = NULL;
	writer_free(w, rc < 0);
	return rc;
}

void cust_dfxml_abort(struct cust_dfxml *w)
{
	/* a writer begun for a walk has made its body alone so far */
	if (w && w->magic == DFXML_MAGIC)
		writer_free(w, !w->declared);
}

/* ---- a whole unit --------------------------------------------------------- */

/* One line of IN into BUF (at most MAX bytes, NUL-terminated, without its
 * newline): 1, or 0 at the end, -1 for a line longer than MAX, -2 for a
 * NUL byte in it.  The buffer never grows. */
static int read_line(FILE *in, char *buf, size_t max, size_t *len)
{
	size_t n = 0;
	int c;

	/* the stream is this function's alone: no locking per byte */
	while ((c = getc_unlocked(in)) != EOF && c != '\n') {
		if (n == max)
			return -1;
		if (c == 0)
			return -2;
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return 0;
	buf[n] = '\0';
	*len = n;
	return 1;
}

/*
 * The conversion in chunks of lines on every core: a chunk is parsed and
 * written into memory by a worker, starting from the writer's state (open
 * volume, fileobjects so far) that the reader foresaw for it from the
 * lines' keys alone, and the chunks are written out in order.  A chunk
 * whose foreseen state turns out wrong (a hostile line) is written again
 * in order from the true state, so the output is the serial one, byte for
 * byte.
 */
#define CHUNK_LINES 4096
#define CHUNK_BYTES ((size_t)1 << 20)

struct chunk {
	char *text;          /* the lines, each NUL-terminated */
	size_t len, cap;
	size_t *starts;      /* of each line in TEXT */
	size_t n;
	unsigned long first; /* line number of the first */
	struct cust_dfxml start; /* the state foreseen (F unused) */
	struct cust_dfxml end;   /* the state after it (F unused) */
	char *out;           /* what it writes */
	size_t out_len;
	int failed;
	struct cust_error err;
};

struct conversion {
	struct cust_dfxml *w; /* the real writer, state as written */
	const char *inv_path;
};

static void chunk_free(struct chunk *c)
{
	if (!c)
		return;
	free(c->text);
	free(c->starts);
	free(c->out);
	free(c);
}

/* Write chunk C's lines from its start state into memory. */
static int chunk_format(struct chunk *c, const char *inv_path,
                        struct cust_error *err)
{
	struct cust_dfxml w = c->start;
	size_t i;
	int rc = 0;

	free(c->out);
	c->out = NULL;
	c->out_len = 0;
	w.f = open_memstream(&c->out, &c->out_len);
	if (!w.f)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "out of memory");
	for (i = 0; i < c->n && rc == 0; i++) {
		const char *line = c->text + c->starts[i];
		size_t len = strlen(line);
		unsigned long lineno = c->first + i;
		json_t *o = cust_json_parse(line, len, inv_path, lineno, err);

		if (!o) {
			rc = -1;
			break;
		}
		/* DFXML has no element for a member of an archive (fiwalk does
		 * not open them): those stay in the inventory alone */
		if (!json_is_true(json_object_get(o, "member")) &&
		    cust_dfxml_add(&w, o, err) < 0) {
			cust_error_prefix(err, "'%s' line %lu", inv_path, lineno);
			rc = -1;
		}
		json_decref(o);
	}
	if (fclose(w.f) != 0 && rc == 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno, "out of memory");
	w.f = NULL;
	c->end = w;
	return rc;
}

static void chunk_work(void *ctx, void *state, void *job)
{
	struct conversion *cv = ctx;
	struct chunk *c = job;

	(void)state;
	if (chunk_format(c, cv->inv_path, &c->err) < 0)
		c->failed = 1;
}

static void chunk_discard(void *ctx, void *job)
{
	(void)ctx;
	chunk_free(job);
}

static int same_state(const struct cust_dfxml *a, const struct cust_dfxml *b)
{
	return a->entries == b->entries && strcmp(a->volume, b->volume) == 0;
}

static int chunk_commit(void *ctx, void *job, struct cust_error *err)
{
	struct conversion *cv = ctx;
	struct chunk *c = job;
	struct cust_dfxml *w = cv->w;
	int rc = 0;

	if (!same_state(&c->start, w)) {
		/* foreseen wrong: written again from the true state */
		FILE *f = c->start.f;
		c->start = *w;
		c->start.f = f;
		c->failed = chunk_format(c, cv->inv_path, &c->err) < 0;
	}
	if (c->failed) {
		*err = c->err;
		rc = -1;
	} else if (c->out_len && fwrite(c->out, 1, c->out_len, w->f) != c->out_len) {
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot write '%s'", w->path);
	} else {
		memcpy(w->volume, c->end.volume, sizeof w->volume);
		memcpy(w->vattrs, c->end.vattrs, sizeof w->vattrs);
		w->has_part_offset = c->end.has_part_offset;
		w->part_offset = c->end.part_offset;
		memcpy(w->fs_uuid, c->end.fs_uuid, sizeof w->fs_uuid);
		memcpy(w->fs_label, c->end.fs_label, sizeof w->fs_label);
		w->entries = c->end.entries;
	}
	chunk_free(c);
	return rc;
}

/* What the line's keys say, read as text: canonical JSON writes a key's
 * quotes bare, never inside a string, so this is right for every line
 * custody wrote (and checked against the parse for any other). */
static void foresee(struct cust_dfxml *state, const char *line)
{
	const char *p;
	size_t len;

	if (strstr(line, "\"member\":true"))
		return;
	state->entries++;
	p = strstr(line, "\"partition\":\"");
	if (!p)
		return;
	p += strlen("\"partition\":\"");
	len = strcspn(p, "\"");
	if (len >= sizeof state->volume)
		len = sizeof state->volume - 1;
	if (len != strlen(state->volume) || strncmp(p, state->volume, len) != 0)
		volume_enter(state, p, len);
}

/* A new chunk starting at line FIRST from state STATE. */
static struct chunk *chunk_new(const struct cust_dfxml *state,
                               unsigned long first, struct cust_error *err)
{
	struct chunk *c = calloc(1, sizeof *c);

	if (c) {
		c->starts = malloc(CHUNK_LINES * sizeof *c->starts);
		c->cap = CHUNK_BYTES + CUST_DFXML_LINE_MAX + 1;
		c->text = malloc(c->cap);
	}
	if (!c || !c->starts || !c->text) {
		chunk_free(c);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	c->first = first;
	c->start = *state;
	c->start.f = NULL;
	return c;
}

int cust_dfxml_convert(const char *unit_dir, const char *out, unsigned flags,
                       struct cust_error *err)
{
	static const struct cust_pool_ops ops = { NULL, NULL, chunk_work,
		                                  chunk_commit, chunk_discard };
	struct conversion cv;
	struct cust_pool *pool = NULL;
	struct chunk *c = NULL;
	struct cust_dfxml foreseen;
	char rec_path[CUST_PATH_MAX], inv_path[CUST_PATH_MAX];
	char out_path[CUST_PATH_MAX];
	struct cust_dfxml *w = NULL;
	json_t *rec = NULL;
	FILE *in = NULL;
	char *line = NULL;
	unsigned long lineno = 0;
	int fd, rc = -1;

	if (cust_path_format(rec_path, sizeof rec_path, err, "%s/%s", unit_dir,
	                     RECORD_NAME) < 0 ||
	    cust_path_format(inv_path, sizeof inv_path, err, "%s/%s", unit_dir,
	                     INVENTORY_NAME) < 0 ||
	    cust_path_format(out_path, sizeof out_path, err, "%s",
	                     out ? out : "") < 0)
		return -1;
	if (!out && cust_path_format(out_path, sizeof out_path, err, "%s/%s",
	                             unit_dir, CUST_DFXML_FILE) < 0)
		return -1;
	rec = cust_json_load_file(rec_path, err);
	if (!rec)
		return -1;
	fd = cust_fs_open_read(inv_path, 1, err);
	if (fd < 0)
		goto out;
	in = fdopen(fd, "r");
	if (!in) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'",
		                     inv_path);
		close(fd);
		goto out;
	}
	line = malloc(CUST_DFXML_LINE_MAX + 1);
	if (!line) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	w = cust_dfxml_open(out_path, rec, flags, err);
	if (!w)
		goto out;
	cv.w = w;
	cv.inv_path = inv_path;
	foreseen = *w;
	pool = cust_pool_new(cust_pool_default_workers(), 4, 4 * CHUNK_BYTES,
	                     &ops, &cv, err);
	if (!pool)
		goto out;
	for (;;) {
		size_t len;
		int got = read_line(in, line, CUST_DFXML_LINE_MAX, &len);

		if (got < 0) {
			cust_error_set(err, CUST_E_INPUT, "'%s' line %lu: %s",
			               inv_path, lineno + 1,
			               got == -1 ? "too long" : "holds a NUL byte");
			goto out;
		}
		if (c && (got == 0 || c->n == CHUNK_LINES ||
		          c->len >= CHUNK_BYTES)) {
			struct chunk *full = c;
			c = NULL;
			if (cust_pool_submit(pool, full, full->len, err) < 0)
				goto out;
		}
		if (got == 0)
			break;
		if (!c && !(c = chunk_new(&foreseen, lineno + 1, err)))
			goto out;
		lineno++;
		c->starts[c->n++] = c->len;
		memcpy(c->text + c->len, line, len + 1);
		c->len += len + 1;
		foresee(&foreseen, line);
	}
	if (ferror(in)) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'",
		                     inv_path);
		goto out;
	}
	rc = cust_pool_finish(pool, err);
	pool = NULL;
	if (rc == 0)
		rc = cust_dfxml_close(w, err);
	else
		cust_dfxml_abort(w);
	w = NULL;
out:
	chunk_free(c);
	if (pool)
		cust_pool_finish(pool, NULL);
	cust_dfxml_abort(w);
	if (in)
		fclose(in);
	free(line);
	json_decref(rec);
	return rc;
}
