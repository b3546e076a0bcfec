/* test_checkpoint.c - unit tests of checkpoints of the custody log and of
 * inclusion proofs (include/custody/checkpoint.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custody/caseio.h"
#include "custody/checkpoint.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/log.h"
#include "custody/merkle.h"
#include "testutil.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define MAX_LINES 128

/* ---- helpers ------------------------------------------------------------ */

/* A new case TMPDIR/NAME (path in DIR) whose log holds EVENTS lines:
 * case-created and EVENTS - 1 notes, or an empty log for 0. */
static void make_case(const char *name, unsigned events, char *dir)
{
	struct cust_case_params p = { 0 };
	struct cust_error err;
	char path[CUST_PATH_MAX];
	unsigned i;

	tpath(dir, name);
	p.number = "2011-042";
	p.title = "Checkpoint case";
	p.examiner = EXAMINER;
	cust_error_clear(&err);
	if (cust_case_init(dir, &p, "test", NULL, &err) != 0)
		fail_msg("case init failed: %s", err.message);
	if (events == 0) {
		join(path, dir, CUST_LOG_NAME);
		assert_int_equal(truncate(path, 0), 0);
	}
	for (i = 2; i <= events; i++) {
		struct cust_actor actor = { .name = EXAMINER };
		struct cust_event ev = { 0 };
		char note[32];

		assert_true(snprintf(note, sizeof note, "note %u", i) > 0);
		ev.action = "note";
		ev.tool = "custody-log";
		ev.note = note;
		if (cust_log_append(dir, &actor, &ev, NULL, &err) != 0)
			fail_msg("append failed: %s", err.message);
	}
}

static void add_note(const char *dir, const char *note)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	struct cust_error err;

	ev.action = "note";
	ev.tool = "custody-log";
	ev.note = note;
	cust_error_clear(&err);
	if (cust_log_append(dir, &actor, &ev, NULL, &err) != 0)
		fail_msg("append failed: %s", err.message);
}

static void update(const char *dir, struct cust_checkpoint *cp)
{
	struct cust_error err;

	cust_error_clear(&err);
	if (cust_checkpoint_update(dir, NULL, NULL, cp, &err) != 0)
		fail_msg("update failed: %s", err.message);
}

/* The lines of a log, without their newlines: pointers into BUF. */
struct lines {
	char *buf;
	size_t count;
	const char *line[MAX_LINES];
	size_t len[MAX_LINES];
};

static void read_lines(const char *dir, struct lines *l)
{
	char path[CUST_PATH_MAX];
	size_t size, start = 0;

	join(path, dir, CUST_LOG_NAME);
	memset(l, 0, sizeof *l);
	l->buf = slurp(path, &size);
	while (start < size) {
		char *nl = memchr(l->buf + start, '\n', size - start);
		assert_non_null(nl);
		assert_true(l->count < MAX_LINES);
		l->line[l->count] = l->buf + start;
		l->len[l->count] = (size_t)(nl - (l->buf + start));
		l->count++;
		start = (size_t)(nl - l->buf) + 1;
	}
}

/* Write the lines of L in the order ORDER[0..N) as DIR's custody.log. */
static void write_lines(const char *dir, const struct lines *l,
                        const size_t *order, size_t n)
{
	char path[CUST_PATH_MAX];
	FILE *f;
	size_t i;

	join(path, dir, CUST_LOG_NAME);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		assert_int_equal(fwrite(l->line[order[i]], 1, l->len[order[i]], f),
		                 l->len[order[i]]);
		assert_int_equal(fputc('\n', f), '\n');
	}
	assert_int_equal(fclose(f), 0);
}

/* Edit line I of L in place, keeping it JSON: the examiner's name changes
 * ("Examiner One" <-> "Examiner Onf"). */
static void flip_name(struct lines *l, size_t i)
{
	size_t n = strlen(EXAMINER) - 1; /* the name but its last letter */
	char *at = memmem(l->line[i], l->len[i], EXAMINER, n);

	assert_non_null(at);
	at[n] ^= 3;
}

/* ---- an independent RFC 6962 reference, the naive recursive way --------- */

static void ref_sha256(const void *a, size_t alen, const void *b, size_t blen,
                       const void *c, size_t clen, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, alen), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, b, blen), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, c, clen), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, NULL), 1);
	EVP_MD_CTX_free(ctx);
}

/* MTH(D[a:b]) over the lines of L (RFC 6962 section 2.1). */
static void ref_mth(const struct lines *l, size_t a, size_t b,
                    unsigned char out[32])
{
	static const unsigned char leaf_prefix = 0x00, node_prefix = 0x01;
	unsigned char left[32], right[32];
	size_t k = 1;

	if (b == a) {
		ref_sha256("", 0, "", 0, "", 0, out);
		return;
	}
	if (b - a == 1) {
		ref_sha256(&leaf_prefix, 1, l->line[a], l->len[a], "", 0, out);
		return;
	}
	while (k * 2 < b - a)
		k *= 2;
	ref_mth(l, a, a + k, left);
	ref_mth(l, a + k, b, right);
	ref_sha256(&node_prefix, 1, left, 32, right, 32, out);
}

static void ref_mth_hex(const struct lines *l, size_t a, size_t b, char hex[65])
{
	unsigned char md[32];

	ref_mth(l, a, b, md);
	cust_hex_encode(md, sizeof md, hex);
}

/* ---- updates ------------------------------------------------------------ */

static void check_checkpoint_of(const char *dir, unsigned events)
{
	struct cust_checkpoint written, parsed;
	struct cust_case *c;
	struct lines l;
	char path[CUST_PATH_MAX], root[65], last[65];
	unsigned char (*leaves)[32] = NULL, mroot[32];
	char *text;
	size_t len, i;
	json_t *o;

	update(dir, &written);
	join(path, dir, CUST_CHECKPOINT_NAME);
	text = slurp(path, &len);
	assert_int_equal(cust_checkpoint_parse(text, len, &parsed, NULL), 0);
	assert_memory_equal(&written, &parsed, sizeof written);

	/* the fields against an independent computation */
	read_lines(dir, &l);
	assert_int_equal(l.count, events);
	assert_int_equal(parsed.events, events);
	ref_mth_hex(&l, 0, l.count, root);
	assert_string_equal(parsed.root, root);
	if (events == 0)
		memcpy(last, ZERO_HASH, sizeof last);
	else
		hex_of(CUST_DIGEST_SHA256, l.line[l.count - 1], l.len[l.count - 1],
		       last);
	assert_string_equal(parsed.last_sha256, last);
	c = cust_case_open(dir, NULL);
	assert_non_null(c);
	assert_string_equal(parsed.case_id,
	                    cust_json_string(cust_case_record(c), "id"));
	cust_case_free(c);
	assert_int_equal(strlen(parsed.time), 24);

	/* and against cust_merkle_root over the leaves */
	leaves = calloc(l.count ? l.count : 1, 32);
	assert_non_null(leaves);
	for (i = 0; i < l.count; i++)
		assert_int_equal(cust_merkle_leaf(l.line[i], l.len[i], leaves[i],
		                                  NULL), 0);
	assert_int_equal(cust_merkle_root((const unsigned char (*)[32])leaves,
	                                  l.count, mroot, NULL), 0);
	cust_hex_encode(mroot, 32, root);
	assert_string_equal(parsed.root, root);
	free(leaves);

	/* one line of canonical JSON with exactly the documented fields */
	assert_int_equal(text[len - 1], '\n');
	assert_null(memchr(text, '\n', len - 1));
	o = cust_json_parse(text, len - 1, "checkpoint", 1, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 7);
	assert_string_equal(cust_json_string(o, "type"), "custody-checkpoint");
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
	json_decref(o);
	free(text);
	free(l.buf);
}

static void test_update_sizes(void **state)
{
	static const unsigned sizes[] = { 0, 1, 2, 3, 7, 8, 9, 100 };
	char dir[CUST_PATH_MAX], name[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_true(snprintf(name, sizeof name, "c%u", sizes[i]) > 0);
		make_case(name, sizes[i], dir);
		check_checkpoint_of(dir, sizes[i]);
	}
}

static void test_update_follows_appends(void **state)
{
	struct cust_checkpoint cp;
	json_t *findings;
	size_t i;

	(void)state;
	update(casedir, &cp);
	assert_int_equal(cp.events, 1);
	add_note(casedir, "second");
	add_note(casedir, "third");
	check_checkpoint_of(casedir, 3);
	/* the current checkpoint matches: one finding, ok */
	findings = json_array();
	{
		char path[CUST_PATH_MAX];
		join(path, casedir, CUST_CHECKPOINT_NAME);
		assert_int_equal(cust_checkpoint_verify(casedir, path, 1, findings,
		                                        NULL), 0);
	}
	assert_int_equal(json_array_size(findings), 1);
	for (i = 0; i < json_array_size(findings); i++) {
		const json_t *f = json_array_get(findings, i);
		assert_string_equal(cust_json_string(f, "check"), "checkpoint");
		assert_string_equal(cust_json_string(f, "subject"),
		                    CUST_CHECKPOINT_NAME);
		assert_string_equal(cust_json_string(f, "status"), "ok");
		assert_non_null(strstr(cust_json_string(f, "message"),
		                       "matches the checkpoint"));
	}
	json_decref(findings);
}

/* A log that is damaged is not checkpointed: the message names the line. */
static void test_update_refuses_damaged_log(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_error err;
	struct lines l;
	size_t order[] = { 0, 2, 1, 3, 4 };
	FILE *f;

	(void)state;
	make_case("swapped", 5, dir);
	read_lines(dir, &l);
	write_lines(dir, &l, order, 5);
	cust_error_clear(&err);
	assert_int_equal(cust_checkpoint_update(dir, NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "cannot checkpoint the log: 'custody.log' line 2: its seq is not 2"));
	join(path, dir, CUST_CHECKPOINT_NAME);
	assert_int_equal(access(path, F_OK), -1);

	/* the first line edited: the second no longer links to it */
	make_case("edited", 3, dir);
	free(l.buf);
	read_lines(dir, &l);
	flip_name(&l, 0);
	{
		size_t same[] = { 0, 1, 2 };
		write_lines(dir, &l, same, 3);
	}
	cust_error_clear(&err);
	assert_int_equal(cust_checkpoint_update(dir, NULL, NULL, NULL, &err), -1);
	if (!strstr(err.message, "'custody.log' line 2: it does not link to "
	                         "line 1"))
		fail_msg("message: %s", err.message);

	/* a torn last line */
	make_case("torn", 2, dir);
	join(path, dir, CUST_LOG_NAME);
	f = fopen(path, "ab");
	assert_non_null(f);
	fputs("{\"action\":\"note\",\"seq\":", f);
	assert_int_equal(fclose(f), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_checkpoint_update(dir, NULL, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.message, "'custody.log' line 3: last line is "
	                                    "incomplete"));

	/* no log at all */
	assert_int_equal(unlink(path), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_checkpoint_update(dir, NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, CUST_LOG_NAME));
	free(l.buf);
}

/* ---- the sign callback -------------------------------------------------- */

struct sign_probe {
	const char *dir;
	int calls;
	int lock_held;       /* a second flock of custody.log would block */
	int saw_checkpoint;  /* the checkpoint was in place, parsed */
	uint64_t events;
	int fail;            /* 1: report a failure */
	const char *p7s;     /* bytes to write as the signature, or NULL */
};

static int probe_sign(void *ctx, const char *path, struct cust_error *err)
{
	struct sign_probe *p = ctx;
	char log[CUST_PATH_MAX], *text = NULL;
	struct cust_checkpoint cp;
	size_t len;
	int fd;

	p->calls++;
	join(log, p->dir, CUST_LOG_NAME);
	fd = open(log, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		p->lock_held = flock(fd, LOCK_EX | LOCK_NB) < 0 &&
		               errno == EWOULDBLOCK;
		close(fd);
	}
	if (cust_fs_read_file(path, 4096, &text, &len, NULL) == 0 &&
	    cust_checkpoint_parse(text, len, &cp, NULL) == 0) {
		p->saw_checkpoint = 1;
		p->events = cp.events;
	}
	free(text);
	if (p->p7s) {
		char sig[CUST_PATH_MAX];
		assert_true(snprintf(sig, sizeof sig, "%s.p7s", path) > 0);
		if (cust_fs_write_atomic(sig, p->p7s, strlen(p->p7s), 0, err) < 0)
			return -1;
	}
	if (p->fail)
		return cust_error_set(err, CUST_E_IO, "the token is not plugged in");
	return 0;
}

static void test_sign_called_under_lock(void **state)
{
	struct sign_probe probe = { 0 };
	struct cust_checkpoint cp;
	struct cust_error err;
	char log[CUST_PATH_MAX];
	int fd;

	(void)state;
	add_note(casedir, "before signing");
	probe.dir = casedir;
	cust_error_clear(&err);
	assert_int_equal(cust_checkpoint_update(casedir, probe_sign, &probe, &cp,
	                                        &err), 0);
	assert_int_equal(probe.calls, 1);
	assert_true(probe.lock_held);
	assert_true(probe.saw_checkpoint);
	assert_int_equal(probe.events, 2);
	assert_int_equal(cp.events, 2);

	/* the lock is released afterwards */
	join(log, casedir, CUST_LOG_NAME);
	fd = open(log, O_RDWR | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}

static void test_sign_failure_fails_update(void **state)
{
	struct sign_probe probe = { 0 };
	struct cust_error err;
	char log[CUST_PATH_MAX];
	int fd;

	(void)state;
	probe.dir = casedir;
	probe.fail = 1;
	cust_error_clear(&err);
	assert_int_equal(cust_checkpoint_update(casedir, probe_sign, &probe, NULL,
	                                        &err), -1);
	assert_int_equal(probe.calls, 1);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_non_null(strstr(err.message, "not signed"));
	assert_non_null(strstr(err.message, "the token is not plugged in"));
	/* and the failure path releases the lock too */
	join(log, casedir, CUST_LOG_NAME);
	fd = open(log, O_RDWR | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}

/* A stale signature of an older checkpoint is removed by the next update,
 * and a signature made by the callback travels in the proof. */
static void test_signature_files(void **state)
{
	struct sign_probe probe = { 0 };
	char p7s[CUST_PATH_MAX], tsr[CUST_PATH_MAX];
	unsigned char *sig = NULL;
	size_t sig_len = 0, cp_len = 0;
	char *cp_text = NULL;
	json_t *proof = NULL;

	(void)state;
	join(p7s, casedir, CUST_CHECKPOINT_NAME CUST_CHECKPOINT_P7S_SUFFIX);
	join(tsr, casedir, CUST_CHECKPOINT_NAME CUST_CHECKPOINT_TSR_SUFFIX);
	probe.dir = casedir;
	probe.p7s = "not really CMS";
	assert_int_equal(cust_checkpoint_update(casedir, probe_sign, &probe, NULL,
	                                        NULL), 0);
	assert_int_equal(access(p7s, F_OK), 0);
	assert_int_equal(cust_proof_make(casedir, 1, &proof, NULL), 0);
	assert_string_equal(cust_json_string(proof, "checkpoint_p7s"),
	                    "bm90IHJlYWxseSBDTVM=");
	assert_int_equal(cust_proof_check(proof, &cp_text, &cp_len, &sig, &sig_len,
	                                  NULL), 0);
	assert_int_equal(sig_len, strlen(probe.p7s));
	assert_memory_equal(sig, probe.p7s, sig_len);
	assert_int_equal(strlen(cp_text), cp_len);
	free(sig);
	free(cp_text);
	json_decref(proof);

	write_file(tsr, "tsr", 3);
	add_note(casedir, "unsigned update");
	update(casedir, NULL);
	assert_int_equal(access(p7s, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(access(tsr, F_OK), -1);
	assert_int_equal(cust_proof_make(casedir, 2, &proof, NULL), 0);
	assert_true(json_is_null(json_object_get(proof, "checkpoint_p7s")));
	sig = (unsigned char *)"x";
	assert_int_equal(cust_proof_check(proof, NULL, NULL, &sig, &sig_len, NULL),
	                 0);
	assert_null(sig);
	assert_int_equal(sig_len, 0);
	json_decref(proof);
}

static json_t *make_proof(const char *dir, uint64_t seq);

/* Every padding of base64, and the size bound of the signature. */
static void test_p7s_sizes(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 6, 1000,
		                        CUST_CHECKPOINT_P7S_MAX };
	char p7s[CUST_PATH_MAX];
	struct cust_error err;
	size_t i;

	(void)state;
	update(casedir, NULL);
	join(p7s, casedir, CUST_CHECKPOINT_NAME CUST_CHECKPOINT_P7S_SUFFIX);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *data = make_data(sizes[i], i + 1), *sig = NULL;
		size_t sig_len = 0;
		json_t *proof = NULL;

		write_file(p7s, data, sizes[i]);
		assert_int_equal(cust_proof_make(casedir, 1, &proof, NULL), 0);
		assert_int_equal(cust_proof_check(proof, NULL, NULL, &sig, &sig_len,
		                                  NULL), 0);
		assert_int_equal(sig_len, sizes[i]);
		assert_memory_equal(sig, data, sizes[i]);
		free(sig);
		free(data);
		json_decref(proof);
	}
	{
		unsigned char *data = make_data(CUST_CHECKPOINT_P7S_MAX + 1, 9);
		json_t *proof = NULL;
		write_file(p7s, data, CUST_CHECKPOINT_P7S_MAX + 1);
		cust_error_clear(&err);
		assert_int_equal(cust_proof_make(casedir, 1, &proof, &err), -1);
		assert_null(proof);
		assert_int_equal(err.kind, CUST_E_INPUT);
		assert_non_null(strstr(err.message, "larger than"));

		/* the same bound holds for a proof made elsewhere */
		{
			size_t n = CUST_CHECKPOINT_P7S_MAX + 1;
			unsigned char *more = make_data(n + 3, 7);
			char *b64 = malloc(4 * ((n + 5) / 3) + 1);
			json_t *signed_proof;
			assert_non_null(b64);
			write_file(p7s, "s", 1);
			signed_proof = make_proof(casedir, 1);
			EVP_EncodeBlock((unsigned char *)b64, data, (int)n);
			json_object_set_new(signed_proof, "checkpoint_p7s",
			                    json_string(b64));
			cust_error_clear(&err);
			assert_int_equal(cust_proof_check(signed_proof, NULL, NULL,
			                                  NULL, NULL, &err), -1);
			assert_int_equal(err.kind, CUST_E_INPUT);
			assert_non_null(strstr(err.message, "checkpoint_p7s"));
			/* and longer base64 is refused before it is decoded */
			EVP_EncodeBlock((unsigned char *)b64, more, (int)(n + 3));
			json_object_set_new(signed_proof, "checkpoint_p7s",
			                    json_string(b64));
			cust_error_clear(&err);
			assert_int_equal(cust_proof_check(signed_proof, NULL, NULL,
			                                  NULL, NULL, &err), -1);
			assert_int_equal(err.kind, CUST_E_INPUT);
			assert_non_null(strstr(err.message, "1 to 65536 bytes"));
			free(more);
			free(b64);
			json_decref(signed_proof);
		}
		free(data);
	}
}

/* ---- audit paths -------------------------------------------------------- */

/*
 * PATH(m, D[n]) of RFC 6962 for n = 1..9 and every m, worked out by hand
 * from the definition: each entry is the range [a, b) whose MTH is the
 * path's next hash, nearest the leaf first.  "0-0" ends a path.
 */
static const char *const hand_paths[10][9] = {
	[1] = { "" },
	[2] = { "1-2", "0-1" },
	[3] = { "1-2 2-3", "0-1 2-3", "0-2" },
	[4] = { "1-2 2-4", "0-1 2-4", "3-4 0-2", "2-3 0-2" },
	[5] = { "1-2 2-4 4-5", "0-1 2-4 4-5", "3-4 0-2 4-5", "2-3 0-2 4-5",
	        "0-4" },
	[6] = { "1-2 2-4 4-6", "0-1 2-4 4-6", "3-4 0-2 4-6", "2-3 0-2 4-6",
	        "5-6 0-4", "4-5 0-4" },
	[7] = { "1-2 2-4 4-7", "0-1 2-4 4-7", "3-4 0-2 4-7", "2-3 0-2 4-7",
	        "5-6 6-7 0-4", "4-5 6-7 0-4", "4-6 0-4" },
	[8] = { "1-2 2-4 4-8", "0-1 2-4 4-8", "3-4 0-2 4-8", "2-3 0-2 4-8",
	        "5-6 6-8 0-4", "4-5 6-8 0-4", "7-8 4-6 0-4", "6-7 4-6 0-4" },
	[9] = { "1-2 2-4 4-8 8-9", "0-1 2-4 4-8 8-9", "3-4 0-2 4-8 8-9",
	        "2-3 0-2 4-8 8-9", "5-6 6-8 0-4 8-9", "4-5 6-8 0-4 8-9",
	        "7-8 4-6 0-4 8-9", "6-7 4-6 0-4 8-9", "0-8" },
};

static json_t *make_proof(const char *dir, uint64_t seq)
{
	struct cust_error err;
	json_t *proof = NULL;

	cust_error_clear(&err);
	if (cust_proof_make(dir, seq, &proof, &err) != 0)
		fail_msg("proof of event %llu failed: %s", (unsigned long long)seq,
		         err.message);
	return proof;
}

static void test_paths_by_hand(void **state)
{
	char dir[CUST_PATH_MAX];
	unsigned n, m;

	(void)state;
	make_case("paths", 1, dir);
	for (n = 1; n <= 9; n++) {
		struct lines l;

		if (n > 1)
			add_note(dir, "next");
		update(dir, NULL);
		read_lines(dir, &l);
		assert_int_equal(l.count, n);
		for (m = 0; m < n; m++) {
			json_t *proof = make_proof(dir, m + 1);
			const json_t *path = json_object_get(proof, "path");
			const char *p = hand_paths[n][m];
			size_t i = 0;

			assert_int_equal(json_integer_value(json_object_get(proof,
			                 "tree_size")), n);
			assert_int_equal(json_integer_value(json_object_get(proof,
			                 "leaf_index")), m);
			while (*p) {
				unsigned a, b;
				int used;
				char want[65];
				assert_int_equal(sscanf(p, "%u-%u%n", &a, &b, &used), 2);
				p += used;
				while (*p == ' ')
					p++;
				ref_mth_hex(&l, a, b, want);
				assert_true(i < json_array_size(path));
				assert_string_equal(json_string_value(json_array_get(path,
				                    i)), want);
				i++;
			}
			if (i != json_array_size(path))
				fail_msg("n=%u m=%u: path of %zu hashes, %zu expected", n,
				         m, json_array_size(path), i);
			/* the line is the event's line, exactly */
			assert_int_equal(json_string_length(json_object_get(proof,
			                 "line")), l.len[m]);
			assert_memory_equal(json_string_value(json_object_get(proof,
			                    "line")), l.line[m], l.len[m]);
			json_decref(proof);
		}
		free(l.buf);
	}
}

/* ---- proofs and their tampered twins ------------------------------------ */

/* cust_proof_check of a copy of PROOF changed by EDIT must fail with KIND. */
static void expect_refused(const json_t *proof, void (*edit)(json_t *),
                           enum cust_error_kind kind, const char *what,
                           const char *label)
{
	json_t *copy = json_deep_copy(proof);
	struct cust_error err;
	char *text = (char *)"x";
	unsigned char *sig = (unsigned char *)"x";
	size_t text_len = 1, sig_len = 1;

	assert_non_null(copy);
	edit(copy);
	cust_error_clear(&err);
	if (cust_proof_check(copy, &text, &text_len, &sig, &sig_len, &err) == 0)
		fail_msg("%s: the changed proof of event %lld still checks", label,
		         (long long)json_integer_value(json_object_get(proof, "seq")));
	if (err.kind != kind || (what && !strstr(err.message, what)))
		fail_msg("%s: kind %d, message '%s' (expected kind %d, '%s')",
		         label, err.kind, err.message, kind, what ? what : "");
	assert_null(text);
	assert_null(sig);
	assert_int_equal(text_len, 0);
	assert_int_equal(sig_len, 0);
	json_decref(copy);
}

static void edit_line(json_t *p)
{
	json_t *ev = cust_json_parse(cust_json_string(p, "line"),
	                             strlen(cust_json_string(p, "line")), "line", 1,
	                             NULL);
	char *s;

	assert_non_null(ev);
	json_object_set_new(ev, "host", json_string("elsewhere"));
	s = cust_json_canonical(ev, NULL);
	assert_non_null(s);
	json_object_set_new(p, "line", json_string(s));
	free(s);
	json_decref(ev);
}

static void flip_path(json_t *p)
{
	json_t *path = json_object_get(p, "path");
	char hex[65];

	memcpy(hex, json_string_value(json_array_get(path, 0)), sizeof hex);
	hex[17] = hex[17] == '0' ? '1' : '0';
	json_array_set_new(path, 0, json_string(hex));
}

static void shorten_path(json_t *p)
{
	json_t *path = json_object_get(p, "path");
	json_array_remove(path, json_array_size(path) - 1);
}

static void lengthen_path(json_t *p)
{
	json_array_append_new(json_object_get(p, "path"), json_string(ZERO_HASH));
}

static void next_seq(json_t *p)
{
	json_int_t seq = json_integer_value(json_object_get(p, "seq"));
	json_int_t n = json_integer_value(json_object_get(p, "tree_size"));
	json_int_t other = seq % n + 1; /* another event of the tree */

	json_object_set_new(p, "seq", json_integer(other));
	json_object_set_new(p, "leaf_index", json_integer(other - 1));
}

static void seq_only(json_t *p)
{
	json_int_t seq = json_integer_value(json_object_get(p, "seq"));
	json_object_set_new(p, "seq", json_integer(seq + 1));
}

static void grow_tree_size(json_t *p)
{
	json_int_t n = json_integer_value(json_object_get(p, "tree_size"));
	json_object_set_new(p, "tree_size", json_integer(n + 1));
}

/* Change one hex digit of the checkpoint's root: the text still parses. */
static void change_root(json_t *p)
{
	char *text = strdup(cust_json_string(p, "checkpoint"));
	char *root;

	assert_non_null(text);
	root = strstr(text, "\"root\":\"");
	assert_non_null(root);
	root += 8;
	*root = *root == 'a' ? 'b' : 'a';
	json_object_set_new(p, "checkpoint", json_string(text));
	free(text);
}

static void other_case(json_t *p)
{
	json_object_set_new(p, "case_id", json_string("another-case"));
}

static void extra_field(json_t *p)
{
	json_object_set_new(p, "comment", json_string("trust me"));
}

static void drop_checkpoint(json_t *p)
{
	json_object_del(p, "checkpoint");
}

static void bad_base64(json_t *p)
{
	json_object_set_new(p, "checkpoint_p7s", json_string("bm90 IHJl"));
}

static void non_canonical_base64(json_t *p)
{
	json_object_set_new(p, "checkpoint_p7s", json_string("bm91"
	                                                     "IHJlYWxseSBDTVN="));
}

static void line_not_json(json_t *p)
{
	json_object_set_new(p, "line", json_string("{\"seq\":"));
}

static void spaced_checkpoint(json_t *p)
{
	const char *t = cust_json_string(p, "checkpoint");
	size_t len = strlen(t);
	char *s = malloc(len + 2);

	assert_non_null(s);
	s[0] = '{';
	s[1] = ' ';
	memcpy(s + 2, t + 1, len - 1);
	s[len + 1] = '\0';
	json_object_set_new(p, "checkpoint", json_string(s));
	free(s);
}

static void check_every_twin(const json_t *proof, uint64_t n)
{
	/* the last line is also named by last_sha256, the others by the root */
	expect_refused(proof, edit_line, CUST_E_MISMATCH, NULL, "line edited");
	if (n > 1) {
		expect_refused(proof, flip_path, CUST_E_MISMATCH, "root",
		               "path element flipped");
		expect_refused(proof, shorten_path, CUST_E_MISMATCH, "fewer",
		               "path shortened");
		expect_refused(proof, next_seq, CUST_E_MISMATCH, "is not event",
		               "another seq");
	}
	expect_refused(proof, lengthen_path, CUST_E_MISMATCH, "more than",
	               "path lengthened");
	expect_refused(proof, seq_only, CUST_E_MISMATCH, NULL, "seq changed");
	expect_refused(proof, grow_tree_size, CUST_E_MISMATCH, "tree_size",
	               "tree_size changed");
	expect_refused(proof, change_root, CUST_E_MISMATCH, "lead to root",
	               "checkpoint root changed");
	expect_refused(proof, other_case, CUST_E_MISMATCH, "case", "case id");
	expect_refused(proof, extra_field, CUST_E_INPUT, "unknown field 'comment'",
	               "extra field");
	expect_refused(proof, drop_checkpoint, CUST_E_INPUT, "no 'checkpoint'",
	               "checkpoint missing");
	expect_refused(proof, bad_base64, CUST_E_INPUT, "checkpoint_p7s",
	               "bad base64");
	expect_refused(proof, non_canonical_base64, CUST_E_INPUT, "checkpoint_p7s",
	               "non-canonical base64");
	expect_refused(proof, line_not_json, CUST_E_INPUT, "line", "line not JSON");
	expect_refused(proof, spaced_checkpoint, CUST_E_INPUT, "canonical",
	               "checkpoint not canonical");
}

static void test_proofs_every_seq(void **state)
{
	char dir[CUST_PATH_MAX];
	uint64_t n, seq;

	(void)state;
	make_case("proofs", 1, dir);
	for (n = 1; n <= 17; n++) {
		if (n > 1)
			add_note(dir, "one more");
		update(dir, NULL);
		for (seq = 1; seq <= n; seq++) {
			json_t *proof = make_proof(dir, seq);
			struct cust_error err;
			char *text = NULL;
			size_t len = 0;

			cust_error_clear(&err);
			if (cust_proof_check(proof, &text, &len, NULL, NULL, &err) != 0)
				fail_msg("proof of %llu in %llu: %s",
				         (unsigned long long)seq, (unsigned long long)n,
				         err.message);
			{
				/* the checkpoint carried is the case's, byte for byte */
				char path[CUST_PATH_MAX], *file;
				size_t flen;
				join(path, dir, CUST_CHECKPOINT_NAME);
				file = slurp(path, &flen);
				assert_int_equal(flen, len);
				assert_memory_equal(file, text, len);
				free(file);
			}
			free(text);
			check_every_twin(proof, n);
			json_decref(proof);
		}
	}
}

static void test_proof_refusals(void **state)
{
	struct cust_error err;
	json_t *proof = NULL;
	char path[CUST_PATH_MAX];

	(void)state;
	add_note(casedir, "two");
	/* no checkpoint yet */
	cust_error_clear(&err);
	assert_int_equal(cust_proof_make(casedir, 1, &proof, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "no checkpoint"));
	assert_null(proof);

	update(casedir, NULL);
	cust_error_clear(&err);
	assert_int_equal(cust_proof_make(casedir, 0, &proof, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	add_note(casedir, "three, not checkpointed");
	cust_error_clear(&err);
	assert_int_equal(cust_proof_make(casedir, 3, &proof, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "event 3 is not covered by the "
	                                    "checkpoint"));
	assert_null(proof);
	json_decref(make_proof(casedir, 2));

	/* the log changed under its checkpoint: no proof is made */
	{
		struct lines l;
		size_t order[] = { 1, 0, 2 };
		read_lines(casedir, &l);
		write_lines(casedir, &l, order, 3);
		free(l.buf);
	}
	cust_error_clear(&err);
	assert_int_equal(cust_proof_make(casedir, 1, &proof, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT); /* the chain is broken */
	{
		struct lines l;
		size_t order[] = { 0 };
		make_case("short", 3, path);
		update(path, NULL);
		read_lines(path, &l);
		write_lines(path, &l, order, 1);
		free(l.buf);
	}
	cust_error_clear(&err);
	assert_int_equal(cust_proof_make(path, 1, &proof, &err), -1);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	assert_non_null(strstr(err.message, "has 1 events, its checkpoint"));

	/* a malformed checkpoint */
	join(path, casedir, CUST_CHECKPOINT_NAME);
	write_file(path, "{}\n", 3);
	cust_error_clear(&err);
	assert_int_equal(cust_proof_make(casedir, 1, &proof, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, CUST_CHECKPOINT_NAME));
}

/* ---- verify and its tampered twins -------------------------------------- */

/* The only finding of checking DIR against CHECKPOINT (the case's own when
 * NULL): its status and message, into the caller's buffers. */
static void verify_one(const char *dir, const char *checkpoint, char *status,
                       char *message)
{
	char path[CUST_PATH_MAX];
	struct cust_error err;
	json_t *findings = json_array();
	const json_t *f;

	if (!checkpoint)
		join(path, dir, CUST_CHECKPOINT_NAME);
	cust_error_clear(&err);
	if (cust_checkpoint_verify(dir, checkpoint ? checkpoint : path,
	                           checkpoint == NULL, findings, &err) != 0)
		fail_msg("verify could not run: %s", err.message);
	if (json_array_size(findings) != 1) {
		dump_findings(findings);
		fail_msg("%zu findings, 1 expected", json_array_size(findings));
	}
	f = json_array_get(findings, 0);
	assert_string_equal(cust_json_string(f, "check"), "checkpoint");
	assert_string_equal(cust_json_string(f, "subject"),
	                    checkpoint ? checkpoint : CUST_CHECKPOINT_NAME);
	/* the caller's buffers: 16 and 1024 bytes */
	assert_true(strlen(cust_json_string(f, "status")) < 16);
	snprintf(status, 16, "%s", cust_json_string(f, "status"));
	assert_true(strlen(cust_json_string(f, "message")) < 1024);
	snprintf(message, 1024, "%s", cust_json_string(f, "message"));
	json_decref(findings);
}

static void expect_verify(const char *dir, const char *checkpoint,
                          const char *status, const char *what)
{
	char got_status[16], message[1024];

	verify_one(dir, checkpoint, got_status, message);
	if (strcmp(got_status, status) != 0 || !strstr(message, what))
		fail_msg("finding %s '%s', expected %s '%s'", got_status, message,
		         status, what);
}

/* A copy of the 9-event case at SRC as TMPDIR/NAME, with its checkpoint. */
static void copy_case(const char *src, const char *name, char *dir)
{
	char cmd[3 * CUST_PATH_MAX];

	tpath(dir, name);
	assert_true(snprintf(cmd, sizeof cmd, "cp -R '%s' '%s'", src, dir) > 0);
	assert_int_equal(system(cmd), 0);
}

static void test_verify_catches(void **state)
{
	char base[CUST_PATH_MAX], dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	char old[CUST_PATH_MAX], other[CUST_PATH_MAX], time9[CUST_TIME_LEN];
	char want[256];
	struct cust_checkpoint cp;
	struct lines l;

	(void)state;
	make_case("base", 9, base);
	update(base, &cp);
	memcpy(time9, cp.time, sizeof time9);
	read_lines(base, &l);
	expect_verify(base, NULL, "ok", "custody.log matches the checkpoint of");

	{ /* a line edited */
		size_t order[9] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
		copy_case(base, "edited", dir);
		flip_name(&l, 4);
		write_lines(dir, &l, order, 9);
		flip_name(&l, 4);
		assert_true(snprintf(want, sizeof want, "the first 9 events of "
		                     "custody.log are not the ones checkpointed at "
		                     "%s: edited, inserted, removed or reordered",
		                     time9) > 0);
		expect_verify(dir, NULL, "failed", want);
	}
	{ /* a line deleted */
		size_t order[8] = { 0, 1, 2, 3, 5, 6, 7, 8 };
		copy_case(base, "deleted", dir);
		write_lines(dir, &l, order, 8);
		assert_true(snprintf(want, sizeof want, "custody.log has 8 events, "
		                     "the checkpoint of %s counts 9: the log was cut "
		                     "after event 8", time9) > 0);
		expect_verify(dir, NULL, "failed", want);
	}
	{ /* two lines swapped */
		size_t order[9] = { 0, 1, 2, 3, 5, 4, 6, 7, 8 };
		copy_case(base, "swapped", dir);
		write_lines(dir, &l, order, 9);
		expect_verify(dir, NULL, "failed", "are not the ones checkpointed");
	}
	{ /* a line inserted */
		size_t order[10] = { 0, 1, 2, 2, 3, 4, 5, 6, 7, 8 };
		copy_case(base, "inserted", dir);
		write_lines(dir, &l, order, 10);
		expect_verify(dir, NULL, "failed",
		              "the first 9 events of custody.log are not the ones");
	}
	{ /* cut after the checkpoint was taken */
		size_t order[7] = { 0, 1, 2, 3, 4, 5, 6 };
		copy_case(base, "cut", dir);
		write_lines(dir, &l, order, 7);
		assert_true(snprintf(want, sizeof want, "custody.log has 7 events, "
		                     "the checkpoint of %s counts 9: the log was cut "
		                     "after event 7", time9) > 0);
		expect_verify(dir, NULL, "failed", want);
	}
	{ /* the checkpoint replaced by an older one */
		copy_case(base, "replaced", dir);
		tpath(old, "checkpoint-of-9");
		join(path, dir, CUST_CHECKPOINT_NAME);
		{
			size_t len;
			char *text = slurp(path, &len);
			write_file(old, text, len);
			free(text);
		}
		add_note(dir, "ten");
		add_note(dir, "eleven");
		update(dir, NULL);
		expect_verify(dir, NULL, "ok", "matches the checkpoint");
		/* an older copy kept elsewhere: the log only grew */
		expect_verify(dir, old, "ok", "grew from 9 to 11 events");
		/* put back in place of the current one: later events uncovered */
		{
			size_t len;
			char *text = slurp(old, &len);
			write_file(path, text, len);
			free(text);
		}
		expect_verify(dir, NULL, "failed",
		              "events 10 to 11 are not covered by the checkpoint");
		add_note(dir, "twelve");
		update(dir, NULL);
		add_note(dir, "thirteen");
		expect_verify(dir, NULL, "failed",
		              "event 13 is not covered by the checkpoint");
		/* and the older copy against a log later cut below it */
		{
			struct lines m;
			size_t order[5] = { 0, 1, 2, 3, 4 };
			read_lines(dir, &m);
			write_lines(dir, &m, order, 5);
			free(m.buf);
		}
		expect_verify(dir, old, "failed", "custody.log has 5 events");
	}
	{ /* another case's checkpoint */
		char src[CUST_PATH_MAX];
		copy_case(base, "foreign", dir);
		make_case("other", 9, other);
		update(other, &cp);
		join(src, other, CUST_CHECKPOINT_NAME);
		join(path, dir, CUST_CHECKPOINT_NAME);
		{
			size_t len;
			char *text = slurp(src, &len);
			write_file(path, text, len);
			free(text);
		}
		assert_true(snprintf(want, sizeof want, "is of case %s, not of this "
		                     "case", cp.case_id) > 0);
		expect_verify(dir, NULL, "failed", want);
		expect_verify(dir, src, "failed", want);
	}
	{ /* last_sha256 altered while the root still holds */
		size_t len;
		char *text, *p;
		copy_case(base, "last", dir);
		join(path, dir, CUST_CHECKPOINT_NAME);
		text = slurp(path, &len);
		p = strstr(text, "\"last_sha256\":\"");
		assert_non_null(p);
		p[15] = p[15] == 'a' ? 'b' : 'a';
		write_file(path, text, len);
		free(text);
		expect_verify(dir, NULL, "failed", "as the SHA-256 of event 9, but "
		                                   "line 9 of custody.log hashes to");
	}
	{ /* malformed checkpoints */
		static const char *const bad[][2] = {
			{ "not json\n", "not a valid checkpoint: 'custody.checkpoint' "
			                "line 1" },
			{ "{}", "does not end in a newline" },
			{ "{}\n", "not a valid checkpoint: checkpoint has no 'case_id'" },
			{ "{}\n{}\n", "more than one line" },
		};
		size_t i;
		copy_case(base, "malformed", dir);
		join(path, dir, CUST_CHECKPOINT_NAME);
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			write_file(path, bad[i][0], strlen(bad[i][0]));
			expect_verify(dir, NULL, "failed", bad[i][1]);
		}
		/* too large to be one */
		{
			unsigned char *junk = make_data(5000, 3);
			write_file(path, junk, 5000);
			free(junk);
			expect_verify(dir, NULL, "failed", "larger than 4096 bytes");
		}
		/* missing: a warning for the case's own, an error for a copy */
		assert_int_equal(unlink(path), 0);
		expect_verify(dir, NULL, "warning", "no checkpoint");
		{
			json_t *findings = json_array();
			struct cust_error err;
			cust_error_clear(&err);
			assert_int_equal(cust_checkpoint_verify(dir, path, 0, findings,
			                                        &err), -1);
			assert_int_equal(err.kind, CUST_E_INPUT);
			assert_int_equal(json_array_size(findings), 0);
			json_decref(findings);
		}
	}
	{ /* the log unreadable: the check cannot run */
		json_t *findings = json_array();
		struct cust_error err;
		char log[CUST_PATH_MAX];
		copy_case(base, "nolog", dir);
		join(log, dir, CUST_LOG_NAME);
		join(path, dir, CUST_CHECKPOINT_NAME);
		assert_int_equal(unlink(log), 0);
		cust_error_clear(&err);
		assert_int_equal(cust_checkpoint_verify(dir, path, 1, findings, &err),
		                 -1);
		assert_true(err.kind != CUST_OK);
		json_decref(findings);
	}
	free(l.buf);
}

/* ---- parsing ------------------------------------------------------------ */

static const char good_text[] =
	"{\"case_id\":\"3f0c1c0e-8d7a-4b65-9a5e-0d2b7c1e4f10\",\"events\":9,"
	"\"last_sha256\":\"c24ed904853c769cc82dae93cbbe776b4dfdbe93f41e981ef3ba324803254be0\","
	"\"root\":\"6459c7f3dafb953d4b85107624601783c45f5d712b59175ff3dd615da358fc52\","
	"\"time\":\"2026-11-27T01:05:37.172Z\",\"type\":\"custody-checkpoint\","
	"\"version\":1}\n";

/* GOOD_TEXT with FROM replaced by TO must be refused naming WHAT. */
static void expect_parse_refused(const char *from, const char *to,
                                 const char *what)
{
	char text[8192];
	const char *at = strstr(good_text, from);
	struct cust_checkpoint cp;
	struct cust_error err;
	int n;

	assert_non_null(at);
	n = snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good_text),
	             good_text, to, at + strlen(from));
	assert_true(n > 0 && (size_t)n < sizeof text);
	cust_error_clear(&err);
	if (cust_checkpoint_parse(text, (size_t)n, &cp, &err) == 0)
		fail_msg("accepted with '%s' for '%s'", to, from);
	assert_int_equal(err.kind, CUST_E_INPUT);
	if (!strstr(err.message, what))
		fail_msg("'%s' for '%s': message '%s' does not name '%s'", to, from,
		         err.message, what);
}

static void test_parse_strict(void **state)
{
	struct cust_checkpoint cp;
	char long_id[200];
	char *big;

	(void)state;
	assert_int_equal(cust_checkpoint_parse(good_text, strlen(good_text), &cp,
	                                       NULL), 0);
	assert_string_equal(cp.case_id, "3f0c1c0e-8d7a-4b65-9a5e-0d2b7c1e4f10");
	assert_int_equal(cp.events, 9);
	assert_string_equal(cp.time, "2026-11-27T01:05:37.172Z");
	assert_int_equal(cp.root[0], '6');

	expect_parse_refused("\"version\":1}\n", "\"version\":1}", "newline");
	expect_parse_refused("\"version\":1}\n", "\"version\":1}\n\n",
	                     "more than one line");
	expect_parse_refused("\"events\":9,", "\"events\": 9,", "canonical");
	expect_parse_refused("{\"case_id\"", "{\"x\":1,\"case_id\"",
	                     "unknown field 'x'");
	expect_parse_refused("\"time\":\"2026-11-27T01:05:37.172Z\",", "",
	                     "no 'time'");
	expect_parse_refused("\"version\":1", "\"version\":2", "version");
	expect_parse_refused("custody-checkpoint", "custody-proof", "type");
	expect_parse_refused("\"events\":9", "\"events\":-1", "events");
	expect_parse_refused("\"events\":9", "\"events\":16777217", "events");
	expect_parse_refused("\"events\":9", "\"events\":\"9\"", "events");
	expect_parse_refused("\"events\":9", "\"events\":9.0", "events");
	expect_parse_refused("\"root\":\"6459", "\"root\":\"6459C", "root");
	expect_parse_refused("\"root\":\"6459", "\"root\":\"645", "root");
	expect_parse_refused("\"last_sha256\":\"c24e", "\"last_sha256\":\"c24g",
	                     "last_sha256");
	expect_parse_refused("2026-11-27T01:05:37.172Z", "2026-11-27T01:05:37Z",
	                     "time");
	expect_parse_refused("2026-11-27T01:05:37.172Z", "2026-13-27T01:05:37.172Z",
	                     "time");
	expect_parse_refused("\"case_id\":\"3f0c1c0e-8d7a-4b65-9a5e-0d2b7c1e4f10\"",
	                     "\"case_id\":\"\"", "case_id");
	expect_parse_refused("\"case_id\":\"3f0c1c0e-8d7a-4b65-9a5e-0d2b7c1e4f10\"",
	                     "\"case_id\":\"a\\u0000b\"", "column 21");
	expect_parse_refused("\"case_id\":\"3f0c1c0e-8d7a-4b65-9a5e-0d2b7c1e4f10\"",
	                     "\"case_id\":\"a\\nb\"", "case_id");
	memset(long_id, 'a', 128);
	long_id[128] = '\0';
	{
		char field[256];
		assert_true(snprintf(field, sizeof field, "\"case_id\":\"%s\"",
		                     long_id) > 0);
		expect_parse_refused("\"case_id\":\"3f0c1c0e-8d7a-4b65-9a5e-"
		                     "0d2b7c1e4f10\"", field, "case_id");
	}
	expect_parse_refused("\"events\":9", "\"events\":0",
	                     "checkpoint of 0 events");
	expect_parse_refused("\"case_id\"", "\"case_id\":1,\"case_id\"",
	                     "duplicate");
	expect_parse_refused("{", "[", "");
	{
		/* a NUL byte inside: the length, not the NUL, ends the text */
		char text[sizeof good_text];
		struct cust_error err;
		memcpy(text, good_text, sizeof text);
		text[20] = '\0';
		cust_error_clear(&err);
		assert_int_equal(cust_checkpoint_parse(text, sizeof text - 1, &cp,
		                                       &err), -1);
		assert_non_null(strstr(err.message, "NUL"));
	}

	/* bounded: 4 KiB at most, whatever follows */
	big = malloc(10000);
	assert_non_null(big);
	memset(big, ' ', 10000);
	big[9999] = '\n';
	{
		struct cust_error err;
		cust_error_clear(&err);
		assert_int_equal(cust_checkpoint_parse(big, 10000, &cp, &err), -1);
		assert_non_null(strstr(err.message, "larger than 4096"));
	}
	free(big);
}

/* The examples in evidence-schema/ are a real checkpoint and a proof that
 * holds against it. */
static void test_examples_hold(void **state)
{
	const char *top = getenv("CUSTODY_TOP");
	char path[CUST_PATH_MAX], *cp_text, *proof_cp = NULL;
	struct cust_checkpoint cp;
	struct cust_error err;
	size_t len, proof_cp_len = 0;
	json_t *proof;

	(void)state;
	assert_true(snprintf(path, sizeof path, "%s/evidence-schema/examples/"
	                     "checkpoint.example.json", top ? top : ".") > 0);
	cp_text = slurp(path, &len);
	cust_error_clear(&err);
	if (cust_checkpoint_parse(cp_text, len, &cp, &err) != 0)
		fail_msg("checkpoint example: %s", err.message);
	assert_true(snprintf(path, sizeof path, "%s/evidence-schema/examples/"
	                     "proof.example.json", top ? top : ".") > 0);
	proof = cust_json_load_file(path, &err);
	if (!proof)
		fail_msg("proof example: %s", err.message);
	if (cust_proof_check(proof, &proof_cp, &proof_cp_len, NULL, NULL, &err) != 0)
		fail_msg("proof example does not hold: %s", err.message);
	assert_int_equal(proof_cp_len, len);
	assert_memory_equal(proof_cp, cp_text, len);
	free(proof_cp);
	free(cp_text);
	json_decref(proof);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_case, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_update_sizes),
		T(test_update_follows_appends),
		T(test_update_refuses_damaged_log),
		T(test_sign_called_under_lock),
		T(test_sign_failure_fails_update),
		T(test_signature_files),
		T(test_p7s_sizes),
		T(test_paths_by_hand),
		T(test_proofs_every_seq),
		T(test_proof_refusals),
		T(test_verify_catches),
		T(test_parse_strict),
		T(test_examples_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
