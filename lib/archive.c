/* archive.c - members of archives and compressed streams, recursively and
 * bounded; see include/custody/archive.h. */
#include "custody/archive.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "custody/place.h"

#define READ_BUF ((size_t)64 << 10)
/* Bytes the filters may read, looking for a compression, from a source
 * that cannot be read again (they are given again to the formats); the
 * filters' bidders look at a few dozen. */
#define PROBE_MAX ((size_t)4 << 20)
/* Bytes of a compressed stream the formats may read, guessing, before the
 * stream is reported and tapped (a bidder reads at most a few hundred
 * KiB looking for a self-extracting archive). */
#define STREAM_PENDING_MAX ((size_t)16 << 20)

enum source_kind { SOURCE_READ, SOURCE_PREAD, SOURCE_MEMBER };

/* One archive being read: where its bytes come from and what it expanded. */
struct level {
	struct walk *w;
	struct archive *a;  /* the formats */
	struct archive *d;  /* a compressed stream's filters, or NULL: the
	                     * formats read the stream D decompresses */
	const char *filters;                /* D's, or "none" */
	struct cust_archive_reader *stream; /* with D: the stream member */
	int stream_failed;  /* D could not read on (recorded) */
	enum source_kind kind;
	uint64_t pos;                       /* SOURCE_PREAD */
	struct cust_archive_reader *parent; /* SOURCE_MEMBER */
	uint64_t data_read;                 /* member bytes read from it */
	uint64_t bytes_in;                  /* bytes given to libarchive */
	int dead;                           /* libarchive gave up on it */
	unsigned char *buf;     /* handed to libarchive: it reads ahead in it */
	unsigned char *scratch; /* where the walk reads members' leftovers */
	unsigned char *sbuf;    /* the decompressed stream handed on */
	/* what the filters read from a source that cannot be read again,
	 * given again to the formats when there was no compression */
	unsigned char *probe;
	size_t probe_len, probe_pos;
	int probing, probe_lost;
};

struct cust_archive_reader {
	struct walk *w;
	struct level *lv;
	const char *name;
	int is_stream; /* the stream of LV: read by the walk, only tapped */
	int has_data;  /* a regular file or hardlink whose content we read */
	int encrypted;
	int eof, failed;
	unsigned char *replay; /* what the member callback read, for reopening */
	size_t replay_len, replay_pos;
	int replay_lost;
	cust_archive_tap_fn tap;
	cust_archive_tap_end_fn tap_end;
	void *tap_ctx;
	int tap_missed;
};

struct walk {
	const struct cust_archive_input *in;
	cust_archive_member_fn fn;
	cust_archive_problem_fn on_problem;
	void *ctx;
	unsigned max_depth;
	uint64_t max_expanded, max_members;
	struct timespec deadline;
	uint64_t expanded_done; /* of archives already closed */
	uint64_t members;
	unsigned depth_seen;
	struct level *levels[CUST_ARCHIVE_DEPTH_MAX + 2];
	size_t nlevels;
	int bomb;   /* a limit of the whole file was hit: read nothing more */
	int failed; /* the member callback or the system failed: stop */
	int complete;
	json_t *problems;
	size_t nproblems;
	/* the whole chain, each name escaped whole up to
	 * CUST_ARCHIVE_NAME_WHOLE_MAX: what a member reports is shortened
	 * from it (place.h), never cut */
	char *chain;
	size_t chain_len, chain_cap;
	int chain_truncated; /* a level could not be held (out of memory) */
	char shown[CUST_ARCHIVE_CHAIN_MAX]; /* the chain as reported */
	int shown_shortened;
	char top_format[64], top_filters[64];
	struct cust_error *err;
};

const char *cust_archive_type_name(enum cust_archive_type t)
{
	switch (t) {
	case CUST_ARCHIVE_FILE: return "file";
	case CUST_ARCHIVE_DIR: return "dir";
	case CUST_ARCHIVE_SYMLINK: return "symlink";
	case CUST_ARCHIVE_HARDLINK: return "hardlink";
	default: return "other";
	}
}

const char *cust_archive_problem_name(enum cust_archive_problem_kind k)
{
	switch (k) {
	case CUST_ARCHIVE_DAMAGED: return "damaged";
	case CUST_ARCHIVE_BOMB_DEPTH: return "bomb-depth";
	case CUST_ARCHIVE_BOMB_EXPANDED: return "bomb-expanded";
	case CUST_ARCHIVE_BOMB_MEMBERS: return "bomb-members";
	case CUST_ARCHIVE_BOMB_TIME: return "bomb-time";
	default: return "not-opened";
	}
}

/* ---- the chain ---------------------------------------------------------- */

/* The chain as reported (members, problems): whole, or shortened from
 * the whole when longer than CUST_ARCHIVE_CHAIN_MAX allows. */
static const char *chain_shown(struct walk *w)
{
	w->shown_shortened = cust_place_shorten(w->chain, w->shown,
	                                        sizeof w->shown);
	return w->shown;
}

/* Append "!NAME" to the chain; returns the length to restore after.
 * The chain grows with the depth, at most CUST_ARCHIVE_DEPTH_MAX levels
 * of CUST_ARCHIVE_NAME_WHOLE_MAX. */
static size_t chain_push(struct walk *w, const char *name)
{
	size_t before = w->chain_len, n = strlen(name);

	if (before + 1 + n >= w->chain_cap) {
		size_t cap = 2 * w->chain_cap + 1 + n + 1;
		char *c = realloc(w->chain, cap);
		if (!c) {
			w->chain_truncated = 1;
			return before;
		}
		w->chain = c;
		w->chain_cap = cap;
	}
	w->chain[before] = '!';
	memcpy(w->chain + before + 1, name, n + 1);
	w->chain_len = before + 1 + n;
	return before;
}

static void chain_pop(struct walk *w, size_t len)
{
	w->chain_len = len;
	w->chain[len] = '\0';
}

/* ---- problems and limits ------------------------------------------------ */

static void problem(struct walk *w, enum cust_archive_problem_kind kind,
                    const char *fmt, ...) CUST_PRINTF(3, 4);

/* Record a problem at the current chain (the member or container being
 * read); the message is escaped, it may carry libarchive's words about
 * hostile bytes. */
static void problem(struct walk *w, enum cust_archive_problem_kind kind,
                    const char *fmt, ...)
{
	struct cust_archive_problem p;
	char raw[1024], msg[4 * sizeof raw];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	cust_walk_escape(raw, strlen(raw), msg, sizeof msg);
	w->complete = 0;
	p.chain = chain_shown(w);
	p.kind = kind;
	p.message = msg;
	if (w->problems && w->nproblems < CUST_ARCHIVE_PROBLEMS_MAX) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "chain", p.chain, "kind",
		                      cust_archive_problem_name(kind), "message",
		                      msg);
		if (o && json_array_append_new(w->problems, o) == 0)
			w->nproblems++;
	}
	if (w->on_problem)
		w->on_problem(w->ctx, &p);
}

/* What one archive expanded: the larger of what its filters produced and
 * the member bytes read from it (zip and 7z decompress in the format). */
static uint64_t level_expanded(const struct level *lv)
{
	uint64_t filtered = 0;

	if (lv->d) {
		la_int64_t b = archive_filter_bytes(lv->d, 0);
		filtered = b > 0 ? (uint64_t)b : 0;
	}
	return filtered > lv->data_read ? filtered : lv->data_read;
}

static uint64_t expanded(const struct walk *w)
{
	uint64_t total = w->expanded_done;
	size_t i;

	for (i = 0; i < w->nlevels; i++)
		total += level_expanded(w->levels[i]);
	return total;
}

/* Check the byte and time limits of the whole file; a hit is recorded
 * once, at the current chain.  0 while within them. */
static int over_limits(struct walk *w)
{
	struct timespec now;

	if (w->bomb || w->failed)
		return -1;
	if (expanded(w) > w->max_expanded) {
		problem(w, CUST_ARCHIVE_BOMB_EXPANDED,
		        "more than %llu bytes expanded",
		        (unsigned long long)w->max_expanded);
		w->bomb = 1;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > w->deadline.tv_sec ||
	    (now.tv_sec == w->deadline.tv_sec &&
	     now.tv_nsec >= w->deadline.tv_nsec)) {
		problem(w, CUST_ARCHIVE_BOMB_TIME, "time limit reached");
		w->bomb = 1;
		return -1;
	}
	return 0;
}

/* ---- reading a member --------------------------------------------------- */

static void tap_feed(struct cust_archive_reader *r, const void *buf,
                     size_t len)
{
	if (r->tap && len)
		r->tap(r->tap_ctx, buf, len);
}

/* Read the member's next bytes from its archive, counting and tapping
 * them; -1 when it cannot be read (recorded) or a limit stops it. */
static ssize_t member_pull(struct cust_archive_reader *r, void *buf,
                           size_t len)
{
	struct walk *w = r->w;
	la_ssize_t n;

	if (r->failed)
		return -1;
	if (r->eof || len == 0)
		return 0;
	if (over_limits(w) < 0) {
		r->failed = 1;
		return -1;
	}
	n = archive_read_data(r->lv->a, buf, len);
	if (n < 0) {
		r->failed = 1;
		/* a stream that failed under the format said why already */
		if (!w->bomb && !w->failed && !r->lv->stream_failed)
			problem(w, CUST_ARCHIVE_DAMAGED, "cannot read '%s': %s",
			        r->name, archive_error_string(r->lv->a)
			                         ? archive_error_string(r->lv->a)
			                         : "unknown error");
		if (n == ARCHIVE_FATAL)
			r->lv->dead = 1;
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->lv->data_read += (uint64_t)n;
	if (over_limits(w) < 0) {
		r->failed = 1; /* the bytes past the limit are not handed out */
		return -1;
	}
	tap_feed(r, buf, (size_t)n);
	return n;
}

ssize_t cust_archive_read(struct cust_archive_reader *r, void *buf,
                          size_t len, struct cust_error *err)
{
	ssize_t n;

	if (r->is_stream)
		return cust_error_set(err, CUST_E_USAGE,
		                      "a compressed stream is read by the walk: "
		                      "tap it");
	if (!r->has_data)
		return 0;
	if (r->encrypted)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is encrypted", r->name);
	n = member_pull(r, buf, len);
	if (n < 0)
		return cust_error_set(err, CUST_E_INPUT, "cannot read '%s'%s",
		                      r->name,
		                      r->w->bomb ? ": a limit was reached" : "");
	if (n > 0 && !r->replay_lost) {
		/* kept so the member can still be opened as an archive */
		if (r->replay_len + (size_t)n > CUST_ARCHIVE_REPLAY_MAX) {
			r->replay_lost = 1;
			free(r->replay);
			r->replay = NULL;
			r->replay_len = 0;
		} else {
			unsigned char *p = realloc(r->replay,
			                           r->replay_len + (size_t)n);
			if (!p) {
				r->replay_lost = 1;
			} else {
				r->replay = p;
				memcpy(p + r->replay_len, buf, (size_t)n);
				r->replay_len += (size_t)n;
			}
		}
	}
	return n;
}

void cust_archive_tap(struct cust_archive_reader *r, cust_archive_tap_fn fn,
                      cust_archive_tap_end_fn end, void *ctx)
{
	r->tap = fn;
	r->tap_end = end;
	r->tap_ctx = ctx;
	r->tap_missed = r->replay_lost;
	tap_feed(r, r->replay, r->replay_len);
}

/* Read what is left of the member, for the tap and the counts. */
static void member_drain(struct cust_archive_reader *r, unsigned char *buf)
{
	while (member_pull(r, buf, READ_BUF) > 0)
		;
}

/* ---- a compressed stream ------------------------------------------------ */

/* Bytes of LV's stream that passed: to the stream member's tap, or kept
 * until it is reported (the formats read some, guessing, before). */
static void stream_keep(struct cust_archive_reader *sr, const void *buf,
                        size_t n)
{
	unsigned char *p;

	if (sr->tap) {
		if (!sr->tap_missed) /* a tap sees all of it, or stops */
			tap_feed(sr, buf, n);
		return;
	}
	if (sr->replay_lost || n == 0)
		return;
	if (n > STREAM_PENDING_MAX - sr->replay_len ||
	    !(p = realloc(sr->replay, sr->replay_len + n))) {
		sr->replay_lost = 1;
		free(sr->replay);
		sr->replay = NULL;
		sr->replay_len = 0;
		return;
	}
	sr->replay = p;
	memcpy(p + sr->replay_len, buf, n);
	sr->replay_len += n;
}

/* The next bytes of LV's decompressed stream into OUT, counted and kept
 * for its tap; 0 at its end, -1 when it cannot be read (recorded where
 * the walk is) or a limit stops it. */
static ssize_t stream_pull(struct level *lv, void *out, size_t len)
{
	struct cust_archive_reader *sr = lv->stream;
	struct walk *w = lv->w;
	la_ssize_t n;

	if (sr->failed)
		return -1;
	if (sr->eof)
		return 0;
	if (over_limits(w) < 0) {
		sr->failed = 1;
		return -1;
	}
	n = archive_read_data(lv->d, out, len);
	if (n < 0) {
		sr->failed = 1;
		lv->stream_failed = 1;
		if (!w->bomb && !w->failed)
			problem(w, CUST_ARCHIVE_DAMAGED, "%s",
			        archive_error_string(lv->d)
			                ? archive_error_string(lv->d)
			                : "the compressed stream cannot be read");
		return -1;
	}
	if (n == 0) {
		sr->eof = 1;
		return 0;
	}
	if (over_limits(w) < 0) {
		sr->failed = 1; /* the bytes past the limit are not handed out */
		return -1;
	}
	stream_keep(sr, out, (size_t)n);
	return n;
}

/* ---- libarchive's input callbacks --------------------------------------- */

/* What the filters read, kept to be given again to the formats. */
static void probe_keep(struct level *lv, const void *buf, size_t n)
{
	unsigned char *p;

	if (lv->probe_lost || n == 0)
		return;
	if (n > PROBE_MAX - lv->probe_len ||
	    !(p = realloc(lv->probe, lv->probe_len + n))) {
		lv->probe_lost = 1;
		return;
	}
	lv->probe = p;
	memcpy(p + lv->probe_len, buf, n);
	lv->probe_len += n;
}

static la_ssize_t source_read(struct archive *a, void *data,
                              const void **buf)
{
	struct level *lv = data;
	const struct cust_archive_input *in = lv->w->in;
	struct cust_archive_reader *pr = lv->parent;
	ssize_t n;

	if (lv->d && a != lv->d) {
		/* the formats of a compressed stream read it decompressed */
		*buf = lv->sbuf;
		n = stream_pull(lv, lv->sbuf, READ_BUF);
		if (n < 0) {
			archive_set_error(a, EIO, "%s",
			                  lv->w->bomb ? "a limit was reached"
			                              : "the content cannot be read");
			return ARCHIVE_FATAL;
		}
		return n;
	}
	if (!lv->probing && lv->probe_pos < lv->probe_len) {
		/* what the filters read, again, for the formats */
		*buf = lv->probe + lv->probe_pos;
		n = (ssize_t)(lv->probe_len - lv->probe_pos);
		lv->probe_pos = lv->probe_len;
		lv->bytes_in += (uint64_t)n;
		return n;
	}
	*buf = lv->buf;
	switch (lv->kind) {
	case SOURCE_MEMBER:
		if (pr->replay_pos < pr->replay_len) {
			*buf = pr->replay + pr->replay_pos;
			n = (ssize_t)(pr->replay_len - pr->replay_pos);
			pr->replay_pos = pr->replay_len;
			break;
		}
		n = member_pull(pr, lv->buf, READ_BUF);
		break;
	case SOURCE_PREAD:
		if (over_limits(lv->w) < 0)
			n = -1;
		else if (lv->pos >= in->size)
			n = 0;
		else
			n = in->pread(in->ctx, lv->buf,
			              in->size - lv->pos < READ_BUF
			                      ? (size_t)(in->size - lv->pos)
			                      : READ_BUF,
			              lv->pos);
		if (n > 0)
			lv->pos += (uint64_t)n;
		break;
	default:
		n = over_limits(lv->w) < 0 ? -1
		                           : in->read(in->ctx, lv->buf, READ_BUF);
		break;
	}
	if (n < 0) {
		archive_set_error(a, EIO, "%s",
		                  lv->w->bomb ? "a limit was reached"
		                              : "the content cannot be read");
		return ARCHIVE_FATAL;
	}
	if (lv->probing)
		probe_keep(lv, *buf, (size_t)n);
	lv->bytes_in += (uint64_t)n;
	return n;
}

static la_int64_t source_seek(struct archive *a, void *data,
                              la_int64_t offset, int whence)
{
	struct level *lv = data;
	int64_t size = lv->w->in->size > INT64_MAX ? INT64_MAX
	                                           : (int64_t)lv->w->in->size;
	int64_t base, to;

	(void)a;
	base = whence == SEEK_SET ? 0
	       : whence == SEEK_CUR ? (int64_t)lv->pos
	                            : size;
	/* the offsets come from the archive: never past either end, and
	 * their sum never wraps */
	if (__builtin_add_overflow(base, (int64_t)offset, &to) || to < 0 ||
	    to > size)
		return ARCHIVE_FATAL;
	lv->pos = (uint64_t)to;
	return (la_int64_t)lv->pos;
}

static la_int64_t source_skip(struct archive *a, void *data,
                              la_int64_t request)
{
	struct level *lv = data;
	uint64_t left = lv->w->in->size - lv->pos;

	(void)a;
	if (request <= 0)
		return 0;
	if ((uint64_t)request > left)
		request = (la_int64_t)left;
	lv->pos += (uint64_t)request;
	return request;
}

/* ---- one archive -------------------------------------------------------- */

/* A reader of the filters alone (FILTERS: its one format is raw, so its
 * data is the decompressed stream), or of the formats alone. */
static struct archive *reader_new(int filters)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	/* named one by one: no mtree (it reads host files), no "empty",
	 * no filter that runs an external program */
	if (filters) {
		if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
		    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
		    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
		    archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
		    archive_read_support_filter_lzip(a) != ARCHIVE_OK ||
		    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
		    archive_read_support_filter_lz4(a) != ARCHIVE_OK ||
		    archive_read_support_filter_compress(a) != ARCHIVE_OK ||
		    archive_read_support_filter_rpm(a) != ARCHIVE_OK ||
		    archive_read_support_format_raw(a) != ARCHIVE_OK) {
			archive_read_free(a);
			return NULL;
		}
		return a;
	}
	if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_7zip(a) != ARCHIVE_OK ||
	    archive_read_support_format_rar(a) != ARCHIVE_OK ||
	    archive_read_support_format_rar5(a) != ARCHIVE_OK ||
	    archive_read_support_format_cpio(a) != ARCHIVE_OK ||
	    archive_read_support_format_iso9660(a) != ARCHIVE_OK ||
	    archive_read_support_format_ar(a) != ARCHIVE_OK ||
	    archive_read_support_format_cab(a) != ARCHIVE_OK ||
	    archive_read_support_format_lha(a) != ARCHIVE_OK ||
	    archive_read_support_format_xar(a) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The member name of a bare compressed stream: CONTAINER's last component
 * (escaped) without its compression suffix, into OUT ("data" when that
 * leaves nothing or does not fit). */
static void raw_name(const char *container, char *out, size_t outsz)
{
	static const char *const suffixes[][2] = {
		{ ".tgz", ".tar" }, { ".tbz2", ".tar" }, { ".tbz", ".tar" },
		{ ".txz", ".tar" }, { ".tlz", ".tar" },  { ".tzst", ".tar" },
		{ ".taz", ".tar" }, { ".gz", "" },       { ".bz2", "" },
		{ ".xz", "" },      { ".lzma", "" },     { ".lz", "" },
		{ ".zst", "" },     { ".lz4", "" },      { ".Z", "" }
	};
	const char *base = strrchr(container, '/');
	size_t n, i;

	base = base ? base + 1 : container;
	n = strlen(base);
	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		size_t s = strlen(suffixes[i][0]);
		if (n > s && strcmp(base + n - s, suffixes[i][0]) == 0) {
			int k = snprintf(out, outsz, "%.*s%s", (int)(n - s),
			                 base, suffixes[i][1]);
			if (k > 0 && (size_t)k < outsz)
				return;
			break;
		}
	}
	snprintf(out, outsz, "data");
}

static void member_describe(struct walk *w, const struct level *lv,
                            struct archive_entry *e,
                            struct cust_archive_member *m)
{
	struct archive *a = lv->a;
	int family = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
	mode_t ft = archive_entry_filetype(e);

	m->format = archive_format_name(a) ? archive_format_name(a) : "";
	m->filters = lv->filters;
	if (archive_entry_hardlink(e))
		m->type = CUST_ARCHIVE_HARDLINK;
	else if (ft == AE_IFREG)
		m->type = CUST_ARCHIVE_FILE;
	else if (ft == AE_IFDIR)
		m->type = CUST_ARCHIVE_DIR;
	else if (ft == AE_IFLNK)
		m->type = CUST_ARCHIVE_SYMLINK;
	else
		m->type = CUST_ARCHIVE_OTHER;
	m->size_known = archive_entry_size_is_set(e) &&
	                archive_entry_size(e) >= 0;
	m->size = m->size_known ? (uint64_t)archive_entry_size(e) : 0;
	m->mtime.present = archive_entry_mtime_is_set(e);
	m->mtime.sec = m->mtime.present ? (int64_t)archive_entry_mtime(e) : 0;
	m->mtime.nsec = m->mtime.present
	                        ? (uint32_t)archive_entry_mtime_nsec(e) % 1000000000u
	                        : 0;
	m->mode = (uint32_t)archive_entry_perm(e) & 07777;
	m->uid = archive_entry_uid(e);
	m->gid = archive_entry_gid(e);
	m->has_owner = family == ARCHIVE_FORMAT_TAR ||
	               family == ARCHIVE_FORMAT_CPIO ||
	               family == ARCHIVE_FORMAT_AR ||
	               family == ARCHIVE_FORMAT_XAR || m->uid || m->gid;
	m->encrypted = archive_entry_is_encrypted(e) != 0;
	m->chain = chain_shown(w);
	m->chain_truncated = w->shown_shortened || w->chain_truncated;
	m->chain_whole = w->chain;
}

static int walk_level(struct walk *w, struct level *lv, unsigned depth,
                      const char *container);

/* Report the member E of LV, then open it or read what is left of it.
 * ESCAPED, when not NULL, is its name already escaped (a bare compressed
 * stream's, made from its container's). */
static int walk_member(struct walk *w, struct level *lv, unsigned depth,
                       struct archive_entry *e, const char *escaped)
{
	static const char none[] = "(no name)";
	char name[CUST_ARCHIVE_NAME_MAX], link[CUST_ARCHIVE_NAME_MAX];
	struct cust_archive_member m = { 0 };
	struct cust_archive_reader r = { 0 };
	const char *stored, *target;
	char *whole = malloc(CUST_ARCHIVE_NAME_WHOLE_MAX);
	size_t saved;
	int rc = 0;

	if (!whole) {
		w->failed = 1;
		return cust_error_set(w->err, CUST_E_IO, "out of memory");
	}
	stored = archive_entry_pathname_utf8(e);
	if (!stored)
		stored = archive_entry_pathname(e);
	if (!stored)
		stored = none;
	/* a name of any length: whole in the chain (up to a bound), and
	 * shortened for the member, never cut (place.h) */
	if (escaped)
		m.name_truncated = cust_place_shorten(escaped, whole,
		                                      CUST_ARCHIVE_NAME_WHOLE_MAX);
	else
		m.name_truncated = cust_place_escape(stored, strlen(stored), whole,
		                                     CUST_ARCHIVE_NAME_WHOLE_MAX);
	m.name_truncated |= cust_place_shorten(whole, name, sizeof name);
	target = archive_entry_hardlink(e) ? archive_entry_hardlink(e)
	                                   : archive_entry_symlink(e);
	if (target)
		cust_place_escape(target, strlen(target), link, sizeof link);
	saved = chain_push(w, whole);
	member_describe(w, lv, e, &m);
	m.name = name;
	m.link_target = target ? link : NULL;
	m.depth = depth;
	if (depth > w->depth_seen)
		w->depth_seen = depth;
	r.w = w;
	r.lv = lv;
	r.name = w->chain;
	r.encrypted = m.encrypted;
	r.has_data = m.type == CUST_ARCHIVE_FILE ||
	             m.type == CUST_ARCHIVE_HARDLINK;
	if (w->fn(w->ctx, &m, &r, w->err) < 0) {
		w->failed = 1;
		rc = -1;
		goto out;
	}
	if (r.encrypted) {
		/* nothing to decompress: step over it */
		if (archive_read_data_skip(lv->a) == ARCHIVE_FATAL) {
			lv->dead = 1;
			problem(w, CUST_ARCHIVE_DAMAGED, "cannot skip: %s",
			        archive_error_string(lv->a)
			                ? archive_error_string(lv->a)
			                : "unknown error");
		}
		r.failed = 1;
		goto out;
	}
	if (r.has_data && !r.failed && !w->bomb) {
		if (r.replay_lost) {
			problem(w, CUST_ARCHIVE_NOT_OPENED,
			        "not opened as an archive: more than %zu bytes "
			        "were read by the caller",
			        CUST_ARCHIVE_REPLAY_MAX);
		} else if (r.replay_len > 0 || !r.eof) {
			struct level child = { 0 };
			child.w = w;
			child.kind = SOURCE_MEMBER;
			child.parent = &r;
			if (walk_level(w, &child, depth + 1, name) < 0) {
				rc = -1;
				goto out;
			}
		}
	}
	/* archive_read_data all through, never a skip: every byte is counted,
	 * and a huge member is read between limit checks */
	if (!r.failed && !w->bomb)
		member_drain(&r, lv->scratch);
out:
	if (r.tap_end && !w->failed)
		r.tap_end(r.tap_ctx, !r.failed && !r.tap_missed && r.eof);
	free(r.replay);
	chain_pop(w, saved);
	free(whole);
	return rc;
}

/* The compressed stream of LV (filtered) as a member of its own, the
 * whole decompressed content, named after CONTAINER: reported before the
 * members the format reader finds in it, tapped as the walk reads it.
 * 1 when reported, 0 when a limit forbids it, -1 when FN failed. */
static int stream_report(struct walk *w, struct level *lv, unsigned depth,
                         const char *container)
{
	struct cust_archive_reader *sr = lv->stream;
	struct cust_archive_member m = { 0 };
	char name[CUST_ARCHIVE_NAME_MAX];
	size_t saved;
	int rc;

	if (++w->members > w->max_members) {
		problem(w, CUST_ARCHIVE_BOMB_MEMBERS, "more than %llu members",
		        (unsigned long long)w->max_members);
		w->bomb = 1;
		return 0;
	}
	raw_name(container, name, sizeof name);
	saved = chain_push(w, name);
	m.chain = chain_shown(w);
	m.chain_truncated = w->shown_shortened || w->chain_truncated;
	m.chain_whole = w->chain;
	m.name = name;
	m.depth = depth;
	m.format = "raw";
	m.filters = lv->filters;
	m.type = CUST_ARCHIVE_FILE;
	m.stream = 1;
	if (depth > w->depth_seen)
		w->depth_seen = depth;
	rc = w->fn(w->ctx, &m, sr, w->err);
	chain_pop(w, saved);
	/* what passed before the report is in the tap now, or unwanted */
	free(sr->replay);
	sr->replay = NULL;
	sr->replay_len = 0;
	sr->replay_lost = 1;
	if (rc < 0) {
		w->failed = 1;
		return -1;
	}
	return 1;
}

/* The rest of LV's stream, past what its format reader took, through the
 * tap; then the tap's end. */
static void stream_finish(struct walk *w, struct level *lv)
{
	struct cust_archive_reader *sr = lv->stream;

	if (!w->bomb && !w->failed)
		while (stream_pull(lv, lv->sbuf, READ_BUF) > 0)
			;
	if (sr->tap_end && !w->failed)
		sr->tap_end(sr->tap_ctx, !sr->failed && !sr->tap_missed &&
		                                 sr->eof);
}

/* Open A on LV's bytes (read by source_read), seeking when SEEKABLE. */
static int reader_open(struct level *lv, struct archive *a, int seekable)
{
	archive_read_set_callback_data(a, lv);
	archive_read_set_read_callback(a, source_read);
	if (seekable) {
		archive_read_set_seek_callback(a, source_seek);
		archive_read_set_skip_callback(a, source_skip);
	}
	return archive_read_open1(a);
}

static const char *error_of(struct archive *a, const char *none)
{
	return archive_error_string(a) ? archive_error_string(a) : none;
}

/*
 * Open LV (an archive whose members are at DEPTH) and walk its members.
 * First its filters alone are tried: a compressed stream is decompressed
 * by a reader of its own, whose every byte is tapped (the stream member)
 * while a second reader looks for a format in it; otherwise the formats
 * read LV's bytes themselves.  1 when it was an archive or a compressed
 * stream, 0 when not, -1 when the walk must stop (the member callback or
 * the system failed).
 */
static int walk_level(struct walk *w, struct level *lv, unsigned depth,
                      const char *container)
{
	struct cust_archive_reader sr = { 0 };
	struct archive_entry *e;
	char raw[CUST_ARCHIVE_NAME_MAX];
	int r, rc = 1, is_raw, bare, streaming = 0;

	if (w->nlevels >= sizeof w->levels / sizeof w->levels[0])
		return 0; /* cannot happen: depth is bounded below */
	lv->buf = malloc(3 * READ_BUF);
	lv->scratch = lv->buf ? lv->buf + READ_BUF : NULL;
	lv->sbuf = lv->buf ? lv->buf + 2 * READ_BUF : NULL;
	lv->d = reader_new(1);
	if (!lv->buf || !lv->d) {
		free(lv->buf);
		if (lv->d)
			archive_read_free(lv->d);
		w->failed = 1;
		return cust_error_set(w->err, CUST_E_IO,
		                      "cannot start libarchive");
	}
	w->levels[w->nlevels++] = lv;
	lv->filters = "none";

	/* the filters: only one that recognised its stream reads at open,
	 * so a failure is a compressed stream that is damaged, unless our
	 * own reading failed (already recorded where it failed) */
	lv->probing = lv->kind != SOURCE_PREAD;
	r = reader_open(lv, lv->d, lv->kind == SOURCE_PREAD);
	lv->probing = 0;
	if (r != ARCHIVE_OK) {
		int ours = w->bomb || w->failed ||
		           (lv->kind == SOURCE_MEMBER && lv->parent->failed);
		if (w->failed)
			rc = -1;
		else if (ours || lv->bytes_in == 0)
			rc = lv->kind == SOURCE_MEMBER || lv->bytes_in == 0 ? 0 : 1;
		else
			problem(w, CUST_ARCHIVE_DAMAGED, "%s",
			        error_of(lv->d, "cannot be read"));
		goto out;
	}
	if (archive_filter_count(lv->d) > 1) {
		/* a compressed stream: its bytes come decompressed from D */
		lv->filters = archive_filter_name(lv->d, 0)
		                      ? archive_filter_name(lv->d, 0)
		                      : "";
		r = archive_read_next_header(lv->d, &e);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (w->failed)
				rc = -1;
			else if (!w->bomb)
				problem(w, CUST_ARCHIVE_DAMAGED, "%s",
				        error_of(lv->d, "cannot be read"));
			goto out;
		}
		sr.w = w;
		sr.lv = lv;
		sr.is_stream = 1;
		lv->stream = &sr;
	} else {
		/* not compressed: the formats read the same bytes again */
		archive_read_free(lv->d);
		lv->d = NULL;
		if (lv->probe_lost) {
			problem(w, CUST_ARCHIVE_NOT_OPENED,
			        "not opened: more than %zu bytes were read to "
			        "look for a compression", (size_t)PROBE_MAX);
			goto out;
		}
		lv->pos = 0;
	}

	/* the formats, on the stream or on the bytes themselves */
	lv->a = reader_new(0);
	if (!lv->a) {
		w->failed = 1;
		rc = cust_error_set(w->err, CUST_E_IO, "cannot start libarchive");
		goto out;
	}
	r = reader_open(lv, lv->a, !lv->d && lv->kind == SOURCE_PREAD);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(lv->a, &e);
	is_raw = archive_format(lv->a) == ARCHIVE_FORMAT_RAW ||
	         archive_format(lv->a) == 0;
	bare = is_raw && (r == ARCHIVE_OK || r == ARCHIVE_WARN);
	if (w->failed) {
		rc = -1;
		goto out;
	}
	if (w->nlevels == 1) {
		snprintf(w->top_format, sizeof w->top_format, "%s",
		         archive_format_name(lv->a) ? archive_format_name(lv->a)
		                                    : "");
		snprintf(w->top_filters, sizeof w->top_filters, "%s",
		         lv->filters);
	}
	if (is_raw && !lv->d) {
		rc = 0; /* a plain file: "raw" reads anything */
		goto out;
	}
	if (depth > w->max_depth) {
		problem(w, CUST_ARCHIVE_BOMB_DEPTH,
		        "an archive nested deeper than %u levels", w->max_depth);
		goto out;
	}
	if (lv->d && !bare) {
		/* a format was guessed in the stream (or none): the stream
		 * itself is a member too, so that every byte of it is seen
		 * whatever the guess finds */
		streaming = stream_report(w, lv, depth, container);
		if (streaming < 0) {
			rc = -1;
			goto out;
		}
	} else if (lv->d) {
		/* a bare stream: its one raw member is the stream */
		free(sr.replay);
		sr.replay = NULL;
		sr.replay_len = 0;
		sr.replay_lost = 1;
	}
	if (r == ARCHIVE_FATAL || r == ARCHIVE_EOF) {
		/* the stream's own damage is recorded where it was met; a
		 * stream in which nothing was recognised is its member */
		if (r == ARCHIVE_FATAL && !w->bomb && !lv->stream_failed &&
		    !(lv->d && archive_format(lv->a) == 0))
			problem(w, CUST_ARCHIVE_DAMAGED, "%s",
			        error_of(lv->a, "cannot be read"));
		goto out;
	}
	if (is_raw)
		raw_name(container, raw, sizeof raw);
	while (!w->bomb && !w->failed && !lv->dead) {
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL) {
			if (!lv->stream_failed)
				problem(w, CUST_ARCHIVE_DAMAGED, "%s",
				        error_of(lv->a, "cannot be read"));
			break;
		}
		if (++w->members > w->max_members) {
			problem(w, CUST_ARCHIVE_BOMB_MEMBERS,
			        "more than %llu members",
			        (unsigned long long)w->max_members);
			w->bomb = 1;
			break;
		}
		if (over_limits(w) < 0)
			break;
		if ((r == ARCHIVE_WARN || r == ARCHIVE_FAILED ||
		     r == ARCHIVE_RETRY) && !lv->stream_failed)
			problem(w, CUST_ARCHIVE_DAMAGED, "member %llu: %s",
			        (unsigned long long)w->members,
			        error_of(lv->a, "cannot be read"));
		if (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
			if (walk_member(w, lv, depth, e, is_raw ? raw : NULL) < 0) {
				rc = -1;
				break;
			}
		}
		if (w->bomb || w->failed || lv->dead)
			break;
		r = archive_read_next_header(lv->a, &e);
	}
	if (w->failed)
		rc = -1;
out:
	if (streaming > 0)
		stream_finish(w, lv);
	w->nlevels--;
	w->expanded_done += level_expanded(lv);
	if (lv->a)
		archive_read_free(lv->a);
	lv->a = NULL;
	if (lv->d)
		archive_read_free(lv->d);
	lv->d = NULL;
	lv->stream = NULL;
	free(sr.replay);
	free(lv->probe);
	lv->probe = NULL;
	free(lv->buf);
	lv->buf = NULL;
	return rc;
}

/* ---- the walk ----------------------------------------------------------- */

int cust_archive_walk(const struct cust_archive_input *in,
                      const struct cust_archive_options *o,
                      cust_archive_member_fn fn, void *ctx, json_t *report,
                      struct cust_error *err)
{
	static const struct cust_archive_options defaults = { 0 };
	struct level top = { 0 };
	struct walk *w;
	uint64_t ratio;
	int rc;

	if (!in || !fn || (!in->read && !in->pread))
		return cust_error_set(err, CUST_E_USAGE,
		                      "cust_archive_walk needs a reader");
	if (!o)
		o = &defaults;
	w = calloc(1, sizeof *w);
	if (!w)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	w->chain_cap = 4096;
	if (!(w->chain = calloc(1, w->chain_cap))) {
		free(w);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	w->in = in;
	w->fn = fn;
	w->on_problem = o->on_problem;
	w->ctx = ctx;
	w->err = err;
	w->complete = 1;
	w->max_depth = o->max_depth ? o->max_depth : CUST_ARCHIVE_DEPTH;
	if (w->max_depth > CUST_ARCHIVE_DEPTH_MAX)
		w->max_depth = CUST_ARCHIVE_DEPTH_MAX;
	ratio = o->expand_ratio ? o->expand_ratio : CUST_ARCHIVE_RATIO;
	if (o->max_expanded) {
		w->max_expanded = o->max_expanded;
	} else {
		w->max_expanded = in->size > CUST_ARCHIVE_EXPANDED_MAX / ratio
		                          ? CUST_ARCHIVE_EXPANDED_MAX
		                          : in->size * ratio;
		if (w->max_expanded < CUST_ARCHIVE_EXPANDED_FLOOR)
			w->max_expanded = CUST_ARCHIVE_EXPANDED_FLOOR;
		if (w->max_expanded > CUST_ARCHIVE_EXPANDED_MAX)
			w->max_expanded = CUST_ARCHIVE_EXPANDED_MAX;
	}
	w->max_members = o->max_members ? o->max_members : CUST_ARCHIVE_MEMBERS;
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += o->max_seconds ? o->max_seconds
	                                     : CUST_ARCHIVE_SECONDS;
	if (report)
		w->problems = json_array();
	top.w = w;
	top.kind = in->pread ? SOURCE_PREAD : SOURCE_READ;
	rc = walk_level(w, &top, 1, in->name ? in->name : "data");
	if (report && rc >= 0) {
		json_object_set_new(report, "archive", json_boolean(rc == 1));
		if (rc == 1) {
			json_object_set_new(report, "format",
			                    json_string(w->top_format));
			json_object_set_new(report, "filters",
			                    json_string(w->top_filters));
		}
		json_object_set_new(report, "members",
		                    json_integer((json_int_t)w->members));
		json_object_set_new(report, "expanded",
		                    json_integer((json_int_t)w->expanded_done));
		json_object_set_new(report, "max_depth_seen",
		                    json_integer((json_int_t)w->depth_seen));
		json_object_set_new(report, "problems", w->problems);
		w->problems = NULL;
		json_object_set_new(report, "complete", json_boolean(w->complete));
	}
	json_decref(w->problems);
	free(w->chain);
	free(w);
	return rc;
}
