/* checkpoint.c - checkpoints of the custody log and inclusion proofs; see
 * include/custody/checkpoint.h. */
#include "custody/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/log.h"
#include "custody/merkle.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
/* RFC 6962: the root of an empty tree is the SHA-256 of nothing. */
#define EMPTY_ROOT "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CHECKPOINT_TYPE "custody-checkpoint"
#define PROOF_TYPE "custody-inclusion-proof"
#define FORMAT_VERSION 1
/* An audit path has one hash per level: 64 covers any 64-bit tree size. */
#define PATH_MAX_HASHES 64
/* Base64 text of the largest signature accepted. */
#define P7S_B64_MAX (4 * ((CUST_CHECKPOINT_P7S_MAX + 2) / 3))

/* ---- small checks ------------------------------------------------------- */

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" exactly as cust_time_format writes it, and a
 * real date. */
static int is_time(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	struct cust_time t;
	char again[CUST_TIME_LEN];
	size_t i;

	for (i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return 0;
	}
	return s[i] == '\0' && cust_time_parse(s, &t, NULL) == 0 &&
	       cust_time_format(&t, again, NULL) == 0 && strcmp(again, s) == 0;
}

/* ---- RFC 6962 audit paths over leaf hashes ------------------------------ */

/* SHA-256(0x01 || LEFT || RIGHT), an interior node; OUT may alias either. */
static int node_hash(const unsigned char left[32], const unsigned char right[32],
                     unsigned char out[32], struct cust_error *err)
{
	unsigned char buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, left, 32);
	memcpy(buf + 33, right, 32);
	return cust_digest_buffer(CUST_DIGEST_SHA256, buf, sizeof buf, out, err);
}

/* The largest power of two strictly below N (N >= 2), as merkle.c splits. */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/*
 * PATH(M, D[N]) of RFC 6962 section 2.1.1 over the leaf hashes LEAVES[0..N),
 * appended to OUT[*COUNT..] from the leaf upward:
 *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])     for m < k
 *                 = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k
 * Recursion depth and path length are at most log2(N) + 1 <= 64.
 */
static int audit_path(const unsigned char (*leaves)[32], uint64_t n,
                      uint64_t m, unsigned char (*out)[32], size_t *count,
                      struct cust_error *err)
{
	uint64_t k;

	if (n <= 1)
		return 0;
	if (*count >= PATH_MAX_HASHES)
		return cust_error_set(err, CUST_E_INPUT, "audit path too long");
	k = split_point(n);
	if (m < k) {
		if (audit_path(leaves, k, m, out, count, err) < 0)
			return -1;
		return cust_merkle_root(leaves + k, n - k, out[(*count)++], err);
	}
	if (audit_path(leaves + k, n - k, m - k, out, count, err) < 0)
		return -1;
	return cust_merkle_root(leaves, k, out[(*count)++], err);
}

/*
 * The root that the audit path PATH[0..COUNT) leads to from the leaf hash
 * LEAF at INDEX of a tree of SIZE leaves (RFC 9162 section 2.1.3.2).  A
 * path of the wrong length for INDEX and SIZE is CUST_E_MISMATCH.
 */
static int root_from_path(const unsigned char leaf[32], uint64_t index,
                          uint64_t size, const unsigned char (*path)[32],
                          size_t count, unsigned char root[32],
                          struct cust_error *err)
{
	uint64_t fn = index, sn;
	unsigned char r[32];
	size_t i;

	if (index >= size)
		return cust_error_set(err, CUST_E_MISMATCH,
		                      "leaf %llu is outside a tree of %llu",
		                      (unsigned long long)index,
		                      (unsigned long long)size);
	sn = size - 1;
	memcpy(r, leaf, 32);
	for (i = 0; i < count; i++) {
		if (sn == 0)
			return cust_error_set(err, CUST_E_MISMATCH,
			                      "the audit path has %zu hashes, more than "
			                      "event %llu of %llu needs (%zu)", count,
			                      (unsigned long long)index + 1,
			                      (unsigned long long)size, i);
		if ((fn & 1) || fn == sn) {
			if (node_hash(path[i], r, r, err) < 0)
				return -1;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (node_hash(r, path[i], r, err) < 0) {
			return -1;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return cust_error_set(err, CUST_E_MISMATCH,
		                      "the audit path has %zu hashes, fewer than "
		                      "event %llu of %llu needs", count,
		                      (unsigned long long)index + 1,
		                      (unsigned long long)size);
	memcpy(root, r, 32);
	return 0;
}

/* ---- reading the log ---------------------------------------------------- */

/* One pass over custody.log: the leaf hashes of lines 1..LIMIT and what
 * the caller asked to keep. */
struct walk {
	uint64_t limit;       /* collect leaves of lines 1..limit */
	int count_rest;       /* 1: go on counting lines after LIMIT */
	int strict;           /* 1: refuse a damaged or unlinked line */
	uint64_t keep_line;   /* copy this line's bytes (0: none) */

	unsigned char (*leaves)[32];
	uint64_t nleaves, cap;
	uint64_t lines;       /* lines seen */
	char prev[65];        /* SHA-256 of the last line hashed (strict) */
	char last[65];        /* SHA-256 of line LIMIT, or of the last line */
	char *kept;
	size_t kept_len;
	int failed;
	struct cust_error err;
};

static void walk_init(struct walk *w, uint64_t limit, int count_rest,
                      int strict, uint64_t keep_line)
{
	memset(w, 0, sizeof *w);
	w->limit = limit;
	w->count_rest = count_rest;
	w->strict = strict;
	w->keep_line = keep_line;
	memcpy(w->prev, ZERO_HASH, sizeof w->prev);
	memcpy(w->last, ZERO_HASH, sizeof w->last);
	cust_error_clear(&w->err);
}

static void walk_release(struct walk *w)
{
	free(w->leaves);
	free(w->kept);
	w->leaves = NULL;
	w->kept = NULL;
}

static int walk_fail(struct walk *w)
{
	w->failed = 1;
	return 1; /* stop the walk */
}

/* Why a line cannot be checkpointed, or NULL: the chain must hold, so a
 * checkpoint never vouches for a damaged log. */
static const char *unlinked(const struct walk *w, unsigned long lineno,
                            const json_t *ev, char *buf, size_t size)
{
	const json_t *seq = json_object_get(ev, "seq");
	const char *prev = cust_json_string(ev, "prev");

	if (!json_is_integer(seq) || json_integer_value(seq) < 0 ||
	    (uint64_t)json_integer_value(seq) != lineno) {
		(void)snprintf(buf, size, "its seq is not %lu", lineno);
		return buf;
	}
	if (!prev || strcmp(prev, w->prev) != 0) {
		if (lineno == 1)
			(void)snprintf(buf, size, "its prev is not 64 zeros");
		else
			(void)snprintf(buf, size, "it does not link to line %lu",
			               lineno - 1);
		return buf;
	}
	return NULL;
}

static int walk_line(void *ctx, unsigned long lineno, const char *line,
                     size_t len, json_t *ev, const char *line_err)
{
	struct walk *w = ctx;
	char why[64], hex[65];
	const char *problem = line_err;
	int want_hash;

	w->lines = lineno;
	if (lineno > w->limit) {
		if (w->count_rest)
			return 0;
		if (w->limit == CUST_CHECKPOINT_MAX_EVENTS)
			cust_error_set(&w->err, CUST_E_INPUT,
			               "'%s' has more than %u events, more than a "
			               "checkpoint covers", CUST_LOG_NAME,
			               CUST_CHECKPOINT_MAX_EVENTS);
		return w->limit == CUST_CHECKPOINT_MAX_EVENTS ? walk_fail(w) : 1;
	}
	if (w->strict && !problem)
		problem = unlinked(w, lineno, ev, why, sizeof why);
	if (w->strict && problem) {
		/* a parse error already names the log and the line */
		if (problem[0] == '\'' &&
		    strncmp(problem + 1, CUST_LOG_NAME, strlen(CUST_LOG_NAME)) == 0)
			cust_error_set(&w->err, CUST_E_INPUT,
			               "cannot checkpoint the log: %s; run "
			               "custody-verify", problem);
		else
			cust_error_set(&w->err, CUST_E_INPUT,
			               "cannot checkpoint the log: '%s' line %lu: %s; "
			               "run custody-verify", CUST_LOG_NAME, lineno,
			               problem);
		return walk_fail(w);
	}
	if (w->nleaves == w->cap) {
		uint64_t cap = w->cap ? w->cap * 2 : 1024;
		void *p;
		if (cap > CUST_CHECKPOINT_MAX_EVENTS)
			cap = CUST_CHECKPOINT_MAX_EVENTS;
		p = realloc(w->leaves, (size_t)cap * sizeof w->leaves[0]);
		if (!p) {
			cust_error_set(&w->err, CUST_E_IO, "out of memory");
			return walk_fail(w);
		}
		w->leaves = p;
		w->cap = cap;
	}
	if (cust_merkle_leaf(line, len, w->leaves[w->nleaves], &w->err) < 0)
		return walk_fail(w);
	w->nleaves++;
	/* the strict walk links every line; otherwise only line LIMIT counts */
	want_hash = w->strict || lineno == w->limit;
	if (want_hash) {
		if (cust_log_line_sha256(line, len, hex, &w->err) < 0)
			return walk_fail(w);
		memcpy(w->prev, hex, sizeof hex);
		memcpy(w->last, hex, sizeof hex);
	}
	if (lineno == w->keep_line) {
		w->kept = malloc(len + 1);
		if (!w->kept) {
			cust_error_set(&w->err, CUST_E_IO, "out of memory");
			return walk_fail(w);
		}
		memcpy(w->kept, line, len);
		w->kept[len] = '\0';
		w->kept_len = len;
	}
	return 0;
}

/* Walk the log of CASE_DIR; -1 with ERR on a read failure or a refusal. */
static int walk_log(const char *case_dir, struct walk *w,
                    struct cust_error *err)
{
	if (cust_log_read(case_dir, walk_line, w, err) < 0)
		return -1;
	if (w->failed) {
		if (err)
			*err = w->err;
		return -1;
	}
	return 0;
}

static int walk_root(const struct walk *w, char hex[65], struct cust_error *err)
{
	unsigned char root[32];

	if (cust_merkle_root((const unsigned char (*)[32])w->leaves, w->nleaves,
	                     root, err) < 0)
		return -1;
	cust_hex_encode(root, sizeof root, hex);
	return 0;
}

/* ---- files of the case -------------------------------------------------- */

/*
 * Open CASE_DIR/custody.log as cust_log_append does and take its lock, so
 * no event is appended while the caller works.  The descriptor holds the
 * lock until it is closed.
 */
static int lock_log(const char *case_dir, struct cust_error *err)
{
	char path[CUST_PATH_MAX];

	return cust_log_open_locked(case_dir, path, err);
}

/* The id of the case at CASE_DIR, from case.json, into OUT. */
static int read_case_id(const char *case_dir,
                        char out[CUST_CHECKPOINT_CASE_ID_MAX + 1],
                        struct cust_error *err)
{
	struct cust_case *c = cust_case_open(case_dir, err);
	const char *id;
	int rc = 0;

	if (!c)
		return -1;
	id = cust_json_string(cust_case_record(c), "id");
	if (!id || !*id || strlen(id) > CUST_CHECKPOINT_CASE_ID_MAX)
		rc = cust_error_set(err, CUST_E_INPUT,
		                    "'%s/%s' has no case id a checkpoint can hold",
		                    case_dir, CUST_CASE_RECORD);
	else
		memcpy(out, id, strlen(id) + 1);
	cust_case_free(c);
	return rc;
}

/* CASE_DIR/custody.checkpoint followed by SUFFIX ("" for the checkpoint). */
static int checkpoint_path(char *out, const char *case_dir, const char *suffix,
                           struct cust_error *err)
{
	return cust_path_format(out, CUST_PATH_MAX, err, "%s/%s%s", case_dir,
	                        CUST_CHECKPOINT_NAME, suffix);
}

/* Remove PATH if it is there. */
static int remove_stale(const char *path, struct cust_error *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot remove the stale '%s'", path);
	return 0;
}

/* ---- the checkpoint record ---------------------------------------------- */

/* The text of CP: canonical JSON and a newline (malloc'd, *LEN bytes). */
static char *checkpoint_text(const struct cust_checkpoint *cp, size_t *len,
                             struct cust_error *err)
{
	json_t *o = json_object();
	char *text = NULL, *out;
	size_t n;

	if (!o) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	if (cust_json_set_string(o, "case_id", cp->case_id, err) < 0 ||
	    cust_json_set_new(o, "events", json_integer((json_int_t)cp->events),
	                      err) < 0 ||
	    cust_json_set_string(o, "last_sha256", cp->last_sha256, err) < 0 ||
	    cust_json_set_string(o, "root", cp->root, err) < 0 ||
	    cust_json_set_string(o, "time", cp->time, err) < 0 ||
	    cust_json_set_string(o, "type", CHECKPOINT_TYPE, err) < 0 ||
	    cust_json_set_new(o, "version", json_integer(FORMAT_VERSION), err) < 0 ||
	    !(text = cust_json_canonical(o, err))) {
		json_decref(o);
		return NULL;
	}
	json_decref(o);
	n = strlen(text);
	out = realloc(text, n + 2);
	if (!out) {
		free(text);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}

static const char *const checkpoint_fields[] = {
	"case_id", "events", "last_sha256", "root", "time", "type", "version",
	NULL
};

static int known_field(const char *const *fields, const char *key)
{
	for (; *fields; fields++)
		if (strcmp(*fields, key) == 0)
			return 1;
	return 0;
}

/* Check every field of the parsed checkpoint O and fill CP from them. */
static int checkpoint_fields_check(const json_t *o, struct cust_checkpoint *cp,
                                   struct cust_error *err)
{
	const char *const *f;
	const char *key, *s;
	const json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		if (!known_field(checkpoint_fields, key))
			return cust_error_set(err, CUST_E_INPUT,
			                      "checkpoint has an unknown field '%.64s'",
			                      key);
	}
	for (f = checkpoint_fields; *f; f++)
		if (!json_object_get(o, *f))
			return cust_error_set(err, CUST_E_INPUT,
			                      "checkpoint has no '%s'", *f);
	s = cust_json_string(o, "type");
	if (!s || strcmp(s, CHECKPOINT_TYPE) != 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's type is not \"%s\"",
		                      CHECKPOINT_TYPE);
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) != FORMAT_VERSION)
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's version is not %d",
		                      FORMAT_VERSION);
	v = json_object_get(o, "case_id");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > CUST_CHECKPOINT_CASE_ID_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's case_id is not a string of 1 to "
		                      "%u bytes", CUST_CHECKPOINT_CASE_ID_MAX);
	for (s = json_string_value(v); *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return cust_error_set(err, CUST_E_INPUT,
			                      "checkpoint's case_id holds a control "
			                      "character");
	memcpy(cp->case_id, json_string_value(v), json_string_length(v) + 1);
	v = json_object_get(o, "events");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)CUST_CHECKPOINT_MAX_EVENTS)
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's events is not a count from 0 to "
		                      "%u", CUST_CHECKPOINT_MAX_EVENTS);
	cp->events = (uint64_t)json_integer_value(v);
	s = cust_json_string(o, "root");
	if (!s || !is_hex64(s))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's root is not 64 lower-case hex "
		                      "digits");
	memcpy(cp->root, s, 65);
	s = cust_json_string(o, "last_sha256");
	if (!s || !is_hex64(s))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's last_sha256 is not 64 lower-case "
		                      "hex digits");
	memcpy(cp->last_sha256, s, 65);
	s = cust_json_string(o, "time");
	if (!s || !is_time(s))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint's time is not a UTC time such as "
		                      "2011-03-16T14:05:00.000Z");
	memcpy(cp->time, s, CUST_TIME_LEN);
	if (cp->events == 0 && (strcmp(cp->root, EMPTY_ROOT) != 0 ||
	                        strcmp(cp->last_sha256, ZERO_HASH) != 0))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint of 0 events has the root or "
		                      "last_sha256 of a non-empty log");
	if (cp->events > 0 && strcmp(cp->last_sha256, ZERO_HASH) == 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint of %llu events has the last_sha256 "
		                      "of an empty log",
		                      (unsigned long long)cp->events);
	return 0;
}

int cust_checkpoint_parse(const char *text, size_t len,
                          struct cust_checkpoint *cp, struct cust_error *err)
{
	struct cust_checkpoint tmp;
	json_t *o;
	char *canon;
	int rc;

	memset(&tmp, 0, sizeof tmp);
	if (len > CUST_CHECKPOINT_MAX)
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint is larger than %u bytes",
		                      CUST_CHECKPOINT_MAX);
	if (len == 0 || text[len - 1] != '\n')
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint does not end in a newline");
	if (memchr(text, '\n', len - 1))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint is more than one line");
	if (memchr(text, '\0', len))
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint holds a NUL byte");
	o = cust_json_parse(text, len - 1, CUST_CHECKPOINT_NAME, 1, err);
	if (!o)
		return -1;
	rc = checkpoint_fields_check(o, &tmp, err);
	if (rc == 0) {
		/* one text per checkpoint: a signature over it means one thing */
		canon = cust_json_canonical(o, err);
		if (!canon)
			rc = -1;
		else if (strlen(canon) != len - 1 || memcmp(canon, text, len - 1) != 0)
			rc = cust_error_set(err, CUST_E_INPUT,
			                    "checkpoint is not in the canonical form "
			                    "custody writes (sorted keys, no spaces)");
		free(canon);
	}
	json_decref(o);
	if (rc == 0)
		*cp = tmp;
	return rc;
}

/* ---- signed checkpoints kept -------------------------------------------- */

/* 1 when the case's checkpoint already says what CP (just computed from
 * the log W walked) says; *WRITTEN then receives it. */
static int current_matches(const char *case_dir, const struct cust_checkpoint *cp,
                           const struct walk *w, struct cust_checkpoint *written)
{
	char path[CUST_PATH_MAX];
	struct cust_checkpoint old;
	struct cust_error err;
	char *text = NULL;
	size_t len = 0;
	int same;

	(void)w;
	cust_error_clear(&err);
	if (checkpoint_path(path, case_dir, "", &err) < 0 ||
	    cust_fs_read_file(path, CUST_CHECKPOINT_MAX, &text, &len, &err) < 0)
		return 0;
	same = cust_checkpoint_parse(text, len, &old, &err) == 0 &&
	       strcmp(old.case_id, cp->case_id) == 0 && old.events == cp->events &&
	       strcmp(old.root, cp->root) == 0 &&
	       strcmp(old.last_sha256, cp->last_sha256) == 0;
	free(text);
	if (same && written)
		*written = old;
	return same;
}

/* Copy FROM to TO unless TO is there already: the history is append-only,
 * and a file in it is never replaced. */
static int keep_copy(const char *from, const char *to, size_t max,
                     struct cust_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (access(to, F_OK) == 0 || access(from, F_OK) != 0)
		return 0;
	if (cust_fs_read_file(from, max, &data, &len, err) < 0)
		return -1;
	rc = cust_fs_write_atomic(to, data, len, CUST_FS_NOREPLACE, err);
	free(data);
	return rc;
}

int cust_checkpoint_kept_name(uint64_t events, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%08llu%s", CUST_CHECKPOINTS_DIR,
	                 (unsigned long long)events, CUST_CHECKPOINT_KEPT_SUFFIX);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int cust_checkpoint_keep(const char *case_dir, struct cust_error *err)
{
	char path[CUST_PATH_MAX], p7s[CUST_PATH_MAX], tsr[CUST_PATH_MAX];
	char dir[CUST_PATH_MAX], name[64], to[CUST_PATH_MAX];
	char to_p7s[CUST_PATH_MAX], to_tsr[CUST_PATH_MAX];
	struct cust_checkpoint cp;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (checkpoint_path(path, case_dir, "", err) < 0 ||
	    checkpoint_path(p7s, case_dir, CUST_CHECKPOINT_P7S_SUFFIX, err) < 0 ||
	    checkpoint_path(tsr, case_dir, CUST_CHECKPOINT_TSR_SUFFIX, err) < 0)
		return -1;
	if (access(p7s, F_OK) != 0)
		return 0; /* unsigned: nothing to keep */
	if (cust_fs_read_file(path, CUST_CHECKPOINT_MAX, &text, &len, err) < 0)
		return -1;
	rc = cust_checkpoint_parse(text, len, &cp, err);
	free(text);
	if (rc < 0)
		return -1;
	if (cust_checkpoint_kept_name(cp.events, name, sizeof name) < 0 ||
	    cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
	                     CUST_CHECKPOINTS_DIR) < 0 ||
	    cust_path_format(to, sizeof to, err, "%s/%s", case_dir, name) < 0 ||
	    cust_path_format(to_p7s, sizeof to_p7s, err, "%s%s", to,
	                     CUST_CHECKPOINT_P7S_SUFFIX) < 0 ||
	    cust_path_format(to_tsr, sizeof to_tsr, err, "%s%s", to,
	                     CUST_CHECKPOINT_TSR_SUFFIX) < 0 ||
	    cust_fs_mkdir(dir, 1, err) < 0)
		return -1;
	/* the signature before the checkpoint it signs: a kept checkpoint
	 * is never without its signature */
	if (keep_copy(p7s, to_p7s, CUST_CHECKPOINT_P7S_MAX, err) < 0 ||
	    keep_copy(path, to, CUST_CHECKPOINT_MAX, err) < 0 ||
	    keep_copy(tsr, to_tsr, CUST_CHECKPOINT_P7S_MAX, err) < 0)
		return -1;
	return 0;
}

/* ---- update ------------------------------------------------------------- */

int cust_checkpoint_update(const char *case_dir, cust_checkpoint_sign_fn sign,
                           void *ctx, struct cust_checkpoint *written,
                           struct cust_error *err)
{
	char path[CUST_PATH_MAX], p7s[CUST_PATH_MAX], tsr[CUST_PATH_MAX];
	struct cust_checkpoint cp;
	struct walk w;
	char *text = NULL;
	size_t len = 0;
	int fd, rc = -1;

	memset(&cp, 0, sizeof cp);
	walk_init(&w, CUST_CHECKPOINT_MAX_EVENTS, 0, 1, 0);
	if (checkpoint_path(path, case_dir, "", err) < 0 ||
	    checkpoint_path(p7s, case_dir, CUST_CHECKPOINT_P7S_SUFFIX, err) < 0 ||
	    checkpoint_path(tsr, case_dir, CUST_CHECKPOINT_TSR_SUFFIX, err) < 0 ||
	    read_case_id(case_dir, cp.case_id, err) < 0)
		return -1;
	fd = lock_log(case_dir, err);
	if (fd < 0)
		return -1;
	if (walk_log(case_dir, &w, err) < 0 || walk_root(&w, cp.root, err) < 0 ||
	    cust_time_now_string(cp.time, err) < 0)
		goto out;
	cp.events = w.nleaves;
	memcpy(cp.last_sha256, w.last, sizeof cp.last_sha256);
	/* a run that appended nothing leaves the checkpoint, its signature
	 * and its timestamp as they are */
	if (current_matches(case_dir, &cp, &w, written)) {
		rc = 0;
		goto out;
	}
	text = checkpoint_text(&cp, &len, err);
	if (!text)
		goto out;
	if (len > CUST_CHECKPOINT_MAX) {
		cust_error_set(err, CUST_E_INPUT, "checkpoint longer than %u bytes",
		               CUST_CHECKPOINT_MAX);
		goto out;
	}
	/* the old signature and timestamp vouch for the old checkpoint only:
	 * kept in checkpoints/ first, then removed, so a crash leaves an
	 * unsigned checkpoint, never one beside a signature that does not
	 * match it, and no signature is ever lost */
	if (cust_checkpoint_keep(case_dir, err) < 0 ||
	    remove_stale(p7s, err) < 0 || remove_stale(tsr, err) < 0 ||
	    cust_fs_write_atomic(path, text, len, 0, err) < 0)
		goto out;
	if (written)
		*written = cp;
	if (sign && sign(ctx, path, err) < 0) {
		cust_error_prefix(err, "checkpoint of %llu events written but not "
		                       "signed", (unsigned long long)cp.events);
		goto out;
	}
	rc = 0;
out:
	free(text);
	walk_release(&w);
	close(fd); /* releases the lock */
	return rc;
}

/* ---- verify ------------------------------------------------------------- */

/* Every finding of this check (json.h). */
#define finding(findings, subject, status, ...) \
	cust_json_finding(findings, "checkpoint", subject, status, __VA_ARGS__)

int cust_checkpoint_verify(const char *case_dir, const char *path, int current,
                           json_t *findings, struct cust_error *err)
{
	const char *subject = current ? CUST_CHECKPOINT_NAME : path;
	char case_id[CUST_CHECKPOINT_CASE_ID_MAX + 1];
	struct cust_checkpoint cp;
	struct cust_error perr;
	struct stat st;
	struct walk w;
	char *text = NULL;
	size_t len = 0;
	char root[65];
	unsigned long long n, lines;

	cust_error_clear(&perr);
	walk_init(&w, 0, 1, 0, 0);
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		if (!current)
			return cust_error_set_errno(err, CUST_E_INPUT, ENOENT,
			                            "cannot open '%s'", path);
		finding(findings, subject, "warning",
		        "no checkpoint: nothing shows the log was not cut short");
		return 0;
	}
	if (cust_fs_read_file(path, CUST_CHECKPOINT_MAX, &text, &len, &perr) < 0) {
		if (perr.kind != CUST_E_INPUT) {
			if (err)
				*err = perr;
			return -1;
		}
		finding(findings, subject, "failed", "not a valid checkpoint: %s",
		        perr.message);
		return 0;
	}
	if (cust_checkpoint_parse(text, len, &cp, &perr) < 0) {
		finding(findings, subject, "failed", "not a valid checkpoint: %s",
		        perr.message);
		free(text);
		return 0;
	}
	free(text);
	if (read_case_id(case_dir, case_id, &perr) < 0) {
		finding(findings, subject, "failed",
		        "cannot compare the case id of the checkpoint of %s: %s",
		        cp.time, perr.message);
	} else if (strcmp(case_id, cp.case_id) != 0) {
		finding(findings, subject, "failed",
		        "the checkpoint of %s is of case %s, not of this case (%s)",
		        cp.time, cp.case_id, case_id);
		return 0;
	}
	w.limit = cp.events;
	if (walk_log(case_dir, &w, err) < 0 || walk_root(&w, root, err) < 0) {
		walk_release(&w);
		return -1;
	}
	n = (unsigned long long)cp.events;
	lines = (unsigned long long)w.lines;
	if (lines < n)
		finding(findings, subject, "failed",
		        "%s has %llu events, the checkpoint of %s counts %llu: the "
		        "log was cut after event %llu, or events were removed",
		        CUST_LOG_NAME, lines, cp.time, n, lines);
	else if (strcmp(root, cp.root) != 0)
		finding(findings, subject, "failed",
		        "the first %llu events of %s are not the ones checkpointed at "
		        "%s: edited, inserted, removed or reordered", n, CUST_LOG_NAME,
		        cp.time);
	else if (strcmp(w.last, cp.last_sha256) != 0)
		finding(findings, subject, "failed",
		        "the checkpoint of %s names %s as the SHA-256 of event %llu, "
		        "but line %llu of %s hashes to %s: the checkpoint was altered",
		        cp.time, cp.last_sha256, n, n, CUST_LOG_NAME, w.last);
	/* every command that appends writes a checkpoint after it: events
	 * past the case's own are appended behind custody's back, or the
	 * checkpoint was put back from an older copy (or the command died
	 * between the two) */
	else if (lines > n && current && lines == n + 1)
		finding(findings, subject, "failed",
		        "event %llu is not covered by the checkpoint of %s: "
		        "appended without custody, or an older checkpoint put back",
		        lines, cp.time);
	else if (lines > n && current)
		finding(findings, subject, "failed",
		        "events %llu to %llu are not covered by the checkpoint of "
		        "%s: appended without custody, or an older checkpoint put "
		        "back", n + 1, lines, cp.time);
	else if (lines > n)
		finding(findings, subject, "ok",
		        "%s grew from %llu to %llu events since the checkpoint of %s",
		        CUST_LOG_NAME, n, lines, cp.time);
	else
		finding(findings, subject, "ok",
		        "%s matches the checkpoint of %s (%llu events)", CUST_LOG_NAME,
		        cp.time, n);
	walk_release(&w);
	return 0;
}

/* ---- base64 ------------------------------------------------------------- */

/* Base64 of DATA[0..LEN) as a new JSON string. */
static json_t *base64_string(const unsigned char *data, size_t len,
                             struct cust_error *err)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	json_t *s;

	if (!out) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	(void)EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	s = json_string(out);
	free(out);
	if (!s)
		cust_error_set(err, CUST_E_IO, "out of memory");
	return s;
}

static int is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decode the base64 text B64[0..LEN) strictly: the canonical encoding of
 * 1 to CUST_CHECKPOINT_P7S_MAX bytes, nothing else (no white space). */
static int base64_decode(const char *b64, size_t len, unsigned char **out,
                         size_t *out_len, struct cust_error *err)
{
	unsigned char *buf = NULL;
	char *again = NULL;
	size_t pad = 0, i;
	int n, rc = -1;

	*out = NULL;
	*out_len = 0;
	if (len == 0 || len % 4 != 0 || len > P7S_B64_MAX)
		return cust_error_set(err, CUST_E_INPUT,
		                      "checkpoint_p7s is not base64 of 1 to %u bytes",
		                      CUST_CHECKPOINT_P7S_MAX);
	while (pad < 2 && b64[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (!is_b64_char(b64[i]))
			return cust_error_set(err, CUST_E_INPUT,
			                      "checkpoint_p7s has a character that is "
			                      "not base64 at offset %zu", i);
	buf = malloc(len / 4 * 3);
	again = malloc(len + 1);
	if (!buf || !again) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off */
	n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad == 0) {
		cust_error_set(err, CUST_E_INPUT, "checkpoint_p7s is not base64");
		goto out;
	}
	*out_len = (size_t)n - pad;
	if (*out_len > CUST_CHECKPOINT_P7S_MAX) {
		cust_error_set(err, CUST_E_INPUT,
		               "checkpoint_p7s is larger than %u bytes",
		               CUST_CHECKPOINT_P7S_MAX);
		*out_len = 0;
		goto out;
	}
	(void)EVP_EncodeBlock((unsigned char *)again, buf, (int)*out_len);
	if (strlen(again) != len || memcmp(again, b64, len) != 0) {
		cust_error_set(err, CUST_E_INPUT,
		               "checkpoint_p7s is not in canonical base64");
		*out_len = 0;
		goto out;
	}
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	free(again);
	return rc;
}

/* ---- inclusion proofs --------------------------------------------------- */

static const char *const proof_fields[] = {
	"case_id", "checkpoint", "checkpoint_p7s", "leaf_index", "line", "path",
	"seq", "tree_size", "type", "version", NULL
};

/* OBJ[KEY] as an integer in [MIN, MAX], else CUST_E_INPUT. */
static int proof_uint(const json_t *obj, const char *key, uint64_t min,
                      uint64_t max, uint64_t *out, struct cust_error *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min ||
	    (uint64_t)json_integer_value(v) > max)
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's %s is not an integer from "
		                      "%llu to %llu", key, (unsigned long long)min,
		                      (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int cust_proof_check(const json_t *proof, char **checkpoint_text,
                     size_t *checkpoint_len, unsigned char **p7s,
                     size_t *p7s_len, struct cust_error *err)
{
	unsigned char path[PATH_MAX_HASHES][32], leaf[32], root[32];
	struct cust_checkpoint cp;
	const char *const *f;
	const char *key, *s, *line, *cp_text;
	const json_t *v, *jpath, *jp7s;
	uint64_t seq, tree_size, leaf_index;
	size_t line_len, cp_len, npath, i;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char *text_copy = NULL;
	char hex[65];
	json_t *ev;
	int rc = -1;

	if (checkpoint_text)
		*checkpoint_text = NULL;
	if (checkpoint_len)
		*checkpoint_len = 0;
	if (p7s)
		*p7s = NULL;
	if (p7s_len)
		*p7s_len = 0;

	/* the shape: every field, of its type, within its bounds */
	if (!json_is_object(proof))
		return cust_error_set(err, CUST_E_INPUT,
		                      "an inclusion proof is a JSON object");
	json_object_foreach((json_t *)proof, key, v) {
		if (!known_field(proof_fields, key))
			return cust_error_set(err, CUST_E_INPUT,
			                      "inclusion proof has an unknown field "
			                      "'%.64s'", key);
	}
	for (f = proof_fields; *f; f++)
		if (!json_object_get(proof, *f))
			return cust_error_set(err, CUST_E_INPUT,
			                      "inclusion proof has no '%s'", *f);
	s = cust_json_string(proof, "type");
	if (!s || strcmp(s, PROOF_TYPE) != 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's type is not \"%s\"",
		                      PROOF_TYPE);
	v = json_object_get(proof, "version");
	if (!json_is_integer(v) || json_integer_value(v) != FORMAT_VERSION)
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's version is not %d",
		                      FORMAT_VERSION);
	if (!cust_json_string(proof, "case_id"))
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's case_id is not a string");
	if (proof_uint(proof, "seq", 1, CUST_CHECKPOINT_MAX_EVENTS, &seq, err) < 0 ||
	    proof_uint(proof, "tree_size", 1, CUST_CHECKPOINT_MAX_EVENTS,
	               &tree_size, err) < 0 ||
	    proof_uint(proof, "leaf_index", 0, CUST_CHECKPOINT_MAX_EVENTS - 1,
	               &leaf_index, err) < 0)
		return -1;
	v = json_object_get(proof, "line");
	if (!json_is_string(v))
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's line is not a string");
	line = json_string_value(v);
	line_len = json_string_length(v);
	if (line_len == 0 || line_len >= CUST_LOG_LINE_MAX ||
	    memchr(line, '\n', line_len) || memchr(line, '\0', line_len))
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's line is not one log line of "
		                      "1 to %u bytes", CUST_LOG_LINE_MAX - 1);
	jpath = json_object_get(proof, "path");
	if (!json_is_array(jpath) || json_array_size(jpath) > PATH_MAX_HASHES)
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's path is not an array of at "
		                      "most %d hashes", PATH_MAX_HASHES);
	npath = json_array_size(jpath);
	for (i = 0; i < npath; i++) {
		s = json_string_value(json_array_get(jpath, i));
		if (!s || !is_hex64(s) || cust_hex_decode(s, path[i], 32) < 0)
			return cust_error_set(err, CUST_E_INPUT,
			                      "inclusion proof's path[%zu] is not 64 "
			                      "lower-case hex digits", i);
	}
	v = json_object_get(proof, "checkpoint");
	if (!json_is_string(v))
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's checkpoint is not a string");
	cp_text = json_string_value(v);
	cp_len = json_string_length(v);
	if (cust_checkpoint_parse(cp_text, cp_len, &cp, err) < 0)
		return cust_error_prefix(err, "inclusion proof");
	jp7s = json_object_get(proof, "checkpoint_p7s");
	if (!json_is_null(jp7s) && !json_is_string(jp7s))
		return cust_error_set(err, CUST_E_INPUT,
		                      "inclusion proof's checkpoint_p7s is neither "
		                      "base64 nor null");
	if (json_is_string(jp7s) &&
	    base64_decode(json_string_value(jp7s), json_string_length(jp7s), &sig,
	                  &sig_len, err) < 0)
		return cust_error_prefix(err, "inclusion proof");

	/* the claims: each field agrees with the others and the path holds */
	if (strcmp(cust_json_string(proof, "case_id"), cp.case_id) != 0) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "inclusion proof is for case %.128s, its checkpoint "
		               "for case %s", cust_json_string(proof, "case_id"),
		               cp.case_id);
		goto out;
	}
	if (tree_size != cp.events) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "inclusion proof's tree_size %llu is not the %llu "
		               "events of its checkpoint of %s",
		               (unsigned long long)tree_size,
		               (unsigned long long)cp.events, cp.time);
		goto out;
	}
	if (seq > tree_size) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "inclusion proof is for event %llu, beyond the %llu "
		               "events of its checkpoint", (unsigned long long)seq,
		               (unsigned long long)tree_size);
		goto out;
	}
	if (leaf_index != seq - 1) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "inclusion proof's leaf_index %llu is not seq - 1 "
		               "(%llu)", (unsigned long long)leaf_index,
		               (unsigned long long)(seq - 1));
		goto out;
	}
	ev = cust_json_parse(line, line_len, "inclusion proof's line", 1, err);
	if (!ev)
		goto out;
	v = json_object_get(ev, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) != seq) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "inclusion proof's line is not event %llu (its seq is "
		               "%lld)", (unsigned long long)seq,
		               json_is_integer(v) ? (long long)json_integer_value(v)
		                                  : -1LL);
		json_decref(ev);
		goto out;
	}
	json_decref(ev);
	if (seq == tree_size) {
		/* the last event: its line is also named by last_sha256 */
		if (cust_log_line_sha256(line, line_len, hex, err) < 0)
			goto out;
		if (strcmp(hex, cp.last_sha256) != 0) {
			cust_error_set(err, CUST_E_MISMATCH,
			               "inclusion proof's line has SHA-256 %s, its "
			               "checkpoint names %s for event %llu", hex,
			               cp.last_sha256, (unsigned long long)seq);
			goto out;
		}
	}
	if (cust_merkle_leaf(line, line_len, leaf, err) < 0)
		goto out;
	if (root_from_path(leaf, leaf_index, tree_size,
	                   (const unsigned char (*)[32])path, npath, root,
	                   err) < 0) {
		cust_error_prefix(err, "inclusion proof of event %llu",
		                  (unsigned long long)seq);
		goto out;
	}
	cust_hex_encode(root, sizeof root, hex);
	if (strcmp(hex, cp.root) != 0) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "inclusion proof of event %llu: the line and audit path "
		               "lead to root %s, the checkpoint of %s has %s",
		               (unsigned long long)seq, hex, cp.time, cp.root);
		goto out;
	}
	if (checkpoint_text) {
		text_copy = malloc(cp_len + 1);
		if (!text_copy) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
		memcpy(text_copy, cp_text, cp_len);
		text_copy[cp_len] = '\0';
		*checkpoint_text = text_copy;
		if (checkpoint_len)
			*checkpoint_len = cp_len;
	}
	if (p7s) {
		*p7s = sig;
		if (p7s_len)
			*p7s_len = sig_len;
		sig = NULL;
	}
	rc = 0;
out:
	free(sig);
	return rc;
}

/* The signature beside the checkpoint, as base64, or JSON null when there
 * is none. */
static json_t *read_p7s(const char *case_dir, struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	json_t *s;

	if (checkpoint_path(path, case_dir, CUST_CHECKPOINT_P7S_SUFFIX, err) < 0)
		return NULL;
	if (lstat(path, &st) < 0 && errno == ENOENT)
		return json_null();
	if (cust_fs_read_file(path, CUST_CHECKPOINT_P7S_MAX, &data, &len, err) < 0)
		return NULL;
	if (len == 0) {
		free(data);
		cust_error_set(err, CUST_E_INPUT, "'%s' is empty", path);
		return NULL;
	}
	s = base64_string((const unsigned char *)data, len, err);
	free(data);
	return s;
}

/* Read and parse CASE_DIR/custody.checkpoint: *TEXT (malloc'd), *LEN. */
static int read_case_checkpoint(const char *case_dir, char **text, size_t *len,
                                struct cust_checkpoint *cp,
                                struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	struct stat st;

	*text = NULL;
	if (checkpoint_path(path, case_dir, "", err) < 0)
		return -1;
	if (lstat(path, &st) < 0 && errno == ENOENT)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' has no checkpoint (%s): a proof is made "
		                      "against the log's checkpoint", case_dir,
		                      CUST_CHECKPOINT_NAME);
	if (cust_fs_read_file(path, CUST_CHECKPOINT_MAX, text, len, err) < 0)
		return -1;
	if (cust_checkpoint_parse(*text, *len, cp, err) < 0) {
		free(*text);
		*text = NULL;
		return cust_error_prefix(err, "'%s'", path);
	}
	return 0;
}

int cust_proof_make(const char *case_dir, uint64_t seq, json_t **proof,
                    struct cust_error *err)
{
	unsigned char path[PATH_MAX_HASHES][32];
	char case_id[CUST_CHECKPOINT_CASE_ID_MAX + 1], root[65], hex[65];
	struct cust_checkpoint cp;
	struct walk w;
	char *text = NULL;
	size_t len = 0, npath = 0, i;
	json_t *o = NULL, *jpath = NULL, *sig = NULL;
	int fd, rc = -1;

	*proof = NULL;
	walk_init(&w, 0, 0, 1, seq);
	if (seq == 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "custody events are numbered from 1");
	if (read_case_id(case_dir, case_id, err) < 0)
		return -1;
	fd = lock_log(case_dir, err);
	if (fd < 0)
		return -1;
	if (read_case_checkpoint(case_dir, &text, &len, &cp, err) < 0)
		goto out;
	if (strcmp(cp.case_id, case_id) != 0) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "'%s/%s' is the checkpoint of case %s, not of this "
		               "case (%s)", case_dir, CUST_CHECKPOINT_NAME, cp.case_id,
		               case_id);
		goto out;
	}
	if (seq > cp.events) {
		cust_error_set(err, CUST_E_USAGE,
		               "event %llu is not covered by the checkpoint of %s "
		               "(%llu events)", (unsigned long long)seq, cp.time,
		               (unsigned long long)cp.events);
		goto out;
	}
	w.limit = cp.events;
	if (walk_log(case_dir, &w, err) < 0 || walk_root(&w, root, err) < 0)
		goto out;
	if (w.nleaves < cp.events) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "%s has %llu events, its checkpoint of %s counts %llu: "
		               "run custody-verify", CUST_LOG_NAME,
		               (unsigned long long)w.nleaves, cp.time,
		               (unsigned long long)cp.events);
		goto out;
	}
	if (strcmp(root, cp.root) != 0 || strcmp(w.last, cp.last_sha256) != 0) {
		cust_error_set(err, CUST_E_MISMATCH,
		               "the first %llu events of %s are not the ones "
		               "checkpointed at %s: run custody-verify",
		               (unsigned long long)cp.events, CUST_LOG_NAME, cp.time);
		goto out;
	}
	if (audit_path((const unsigned char (*)[32])w.leaves, cp.events, seq - 1,
	               path, &npath, err) < 0)
		goto out;
	sig = read_p7s(case_dir, err);
	jpath = json_array();
	o = json_object();
	if (!sig || !jpath || !o) {
		if (sig && (!jpath || !o))
			cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < npath; i++) {
		cust_hex_encode(path[i], 32, hex);
		if (json_array_append_new(jpath, json_string(hex)) < 0) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
	}
	/* set_new steals its value, also on failure */
	rc = cust_json_set_new(o, "path", jpath, err);
	jpath = NULL;
	if (rc == 0)
		rc = cust_json_set_new(o, "checkpoint_p7s", sig, err);
	sig = NULL;
	if (rc < 0) {
		rc = -1;
		goto out;
	}
	rc = -1;
	if (cust_json_set_string(o, "type", PROOF_TYPE, err) < 0 ||
	    cust_json_set_new(o, "version", json_integer(FORMAT_VERSION), err) < 0 ||
	    cust_json_set_string(o, "case_id", cp.case_id, err) < 0 ||
	    cust_json_set_new(o, "seq", json_integer((json_int_t)seq), err) < 0 ||
	    cust_json_set_new(o, "line", json_stringn(w.kept, w.kept_len), err) < 0 ||
	    cust_json_set_new(o, "tree_size", json_integer((json_int_t)cp.events),
	                      err) < 0 ||
	    cust_json_set_new(o, "leaf_index", json_integer((json_int_t)seq - 1),
	                      err) < 0 ||
	    cust_json_set_new(o, "checkpoint", json_stringn(text, len), err) < 0)
		goto out;
	/* hand out only a proof that holds */
	if (cust_proof_check(o, NULL, NULL, NULL, NULL, err) < 0) {
		cust_error_prefix(err, "the proof made does not hold");
		goto out;
	}
	*proof = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	json_decref(jpath);
	json_decref(sig);
	free(text);
	walk_release(&w);
	close(fd); /* releases the lock */
	return rc;
}
