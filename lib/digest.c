/* digest.c - the parallel multi-digest engine; see include/custody/digest.h. */
#include "custody/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "custody/fsutil.h"

#define ENGINE_MAGIC 0x43444745u /* "CDGE" */
#define NALGS 5
#define MAX_SINKS 16
#define MAX_CONSUMERS (NALGS + 1 + MAX_SINKS)

#define DEFAULT_BUFFER_SIZE ((size_t)4 << 20)
#define DEFAULT_BUFFER_COUNT 8u
#define MAX_BUFFER_SIZE ((size_t)1 << 30)
#define MAX_BUFFER_COUNT 1024u
#define MAX_RING_BYTES ((uint64_t)4 << 30)
#define BUFFER_ALIGN 4096 /* the producer may read with O_DIRECT */

#define BLOCK_HASH_SIZE 32
#define FIRST_BLOCK_CAP 1024u
#define MAX_BLOCKS ((uint64_t)1 << 28) /* 8 GiB of block hashes */

/* Pacing: see pace_locked. */
#define PACE_SAMPLE_BYTES ((uint64_t)8 << 20)
#define PACE_NICE 5 /* weight 1:3; at 10 a busy neighbour starved them */

#define SMALL_FILE_MAX ((off_t)8 << 20)
#define SMALL_READ_SIZE ((size_t)256 << 10)
#define NAME_SHOWN_MAX 64 /* of a bad list item quoted in a message */

static const struct alg_info {
	enum cust_digest_alg alg;
	const char *name;      /* ours, as in records and on command lines */
	const char *ossl_name; /* OpenSSL's fetch name */
	size_t size;
} alg_table[NALGS] = {
	{ CUST_DIGEST_MD5, "md5", "MD5", 16 },
	{ CUST_DIGEST_SHA1, "sha1", "SHA1", 20 },
	{ CUST_DIGEST_SHA256, "sha256", "SHA256", 32 },
	{ CUST_DIGEST_SHA512, "sha512", "SHA512", 64 },
	{ CUST_DIGEST_SHA3_256, "sha3-256", "SHA3-256", 32 },
};
#define SHA256_INDEX 2

static int alg_index(unsigned alg)
{
	int i;

	for (i = 0; i < NALGS; i++)
		if (alg_table[i].alg == alg)
			return i;
	return -1;
}

const char *cust_digest_name(enum cust_digest_alg alg)
{
	int i = alg_index(alg);

	return i < 0 ? NULL : alg_table[i].name;
}

size_t cust_digest_size(enum cust_digest_alg alg)
{
	int i = alg_index(alg);

	return i < 0 ? 0 : alg_table[i].size;
}

/* ---- OpenSSL ---------------------------------------------------------- */

/* Fetched once per process: an implicit fetch on every init costs a
 * provider lookup under a global lock. */
static EVP_MD *fetched_md[NALGS];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	int i;

	for (i = 0; i < NALGS; i++)
		fetched_md[i] = EVP_MD_fetch(NULL, alg_table[i].ossl_name, NULL);
}

/* Record OpenSSL's own reason after WHAT (always ends in a digest name). */
static int ossl_error(struct cust_error *err, const char *what,
                      const char *name)
{
	unsigned long code = ERR_get_error();
	char reason[256];

	ERR_clear_error();
	if (code == 0)
		return cust_error_set(err, CUST_E_IO, "%s %s", what, name);
	ERR_error_string_n(code, reason, sizeof reason);
	return cust_error_set(err, CUST_E_IO, "%s %s: %s", what, name, reason);
}

static const EVP_MD *get_md(int i, struct cust_error *err)
{
	int rc = pthread_once(&fetch_once, fetch_all);

	if (rc != 0) {
		cust_error_set_errno(err, CUST_E_IO, rc,
		                     "cannot load the digests of OpenSSL");
		return NULL;
	}
	if (!fetched_md[i]) {
		ossl_error(err, "OpenSSL does not provide", alg_table[i].name);
		return NULL;
	}
	return fetched_md[i];
}

static EVP_MD_CTX *new_ctx(int i, struct cust_error *err)
{
	const EVP_MD *md = get_md(i, err);
	EVP_MD_CTX *ctx;

	if (!md)
		return NULL;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex2(ctx, md, NULL)) {
		ossl_error(err, "cannot start", alg_table[i].name);
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int cust_digest_buffer(enum cust_digest_alg alg, const void *data, size_t len,
                       unsigned char *out, struct cust_error *err)
{
	int i = alg_index(alg);
	const EVP_MD *md;
	unsigned int n;

	if (i < 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "unknown digest algorithm %u", (unsigned)alg);
	if (!out || (!data && len > 0))
		return cust_error_set(err, CUST_E_USAGE,
		                      "no buffer given for %s", alg_table[i].name);
	md = get_md(i, err);
	if (!md)
		return -1;
	if (!EVP_Digest(data ? data : "", len, out, &n, md, NULL))
		return ossl_error(err, "cannot compute", alg_table[i].name);
	return 0;
}

/* ---- names and hex ---------------------------------------------------- */

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Locale-free on purpose: strncasecmp follows LC_CTYPE. */
static int alg_by_name(const char *p, size_t n)
{
	int i;
	size_t k;

	for (i = 0; i < NALGS; i++) {
		const char *name = alg_table[i].name;

		if (strlen(name) != n)
			continue;
		for (k = 0; k < n; k++)
			if (ascii_lower((unsigned char)p[k]) != name[k])
				break;
		if (k == n)
			return i;
	}
	return -1;
}

int cust_digest_parse_list(const char *list, unsigned *algs,
                           struct cust_error *err)
{
	unsigned set = 0;
	const char *p = list;

	if (!list || !algs || *list == '\0')
		return cust_error_set(err, CUST_E_USAGE, "empty digest list");
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int i;

		if (n == 0)
			return cust_error_set(err, CUST_E_USAGE,
			                      "empty item in digest list '%s'",
			                      list);
		i = alg_by_name(p, n);
		if (i < 0)
			return cust_error_set(err, CUST_E_USAGE,
			                      "unknown digest '%.*s'",
			                      (int)(n < NAME_SHOWN_MAX ? n : NAME_SHOWN_MAX),
			                      p);
		set |= alg_table[i].alg;
		if (!end)
			break;
		p = end + 1;
	}
	*algs = set;
	return 0;
}

void cust_hex_encode(const unsigned char *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cust_hex_decode(const char *hex, unsigned char *out, size_t len)
{
	size_t i;

	if (!hex || !out)
		return -1;
	/* Stops at the first bad digit, so a short string ends at its NUL. */
	for (i = 0; i < len; i++) {
		int hi = hex_value(hex[2 * i]);
		int lo = hi < 0 ? -1 : hex_value(hex[2 * i + 1]);

		if (lo < 0) {
			memset(out, 0, len);
			return -1;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* ---- the engine ------------------------------------------------------- */

/*
 * The ring: slot k holds stream buffer number k (0, 1, 2, ...) modulo
 * nslots.  `published` counts buffers committed; each consumer counts the
 * buffers it is done with.  The producer may fill buffer `published` once
 * every consumer is done with buffer `published - nslots`.
 */
struct slot {
	unsigned char *data;
	size_t len;
	uint64_t offset;
};

enum consumer_kind { CONSUMER_DIGEST, CONSUMER_BLOCKS, CONSUMER_SINK };

struct consumer {
	struct cust_digest_engine *e;
	enum consumer_kind kind;
	int alg;                /* DIGEST: index in alg_table */
	EVP_MD_CTX *ctx;        /* DIGEST and BLOCKS */
	cust_digest_sink_fn fn; /* SINK */
	void *fn_ctx;
	pthread_t thread;
	int running;            /* created and not yet joined */
	uint64_t done;          /* buffers consumed; guarded by e->lock */
	struct cust_error err;  /* copied to the engine on failure */

	/* Pacing of hashing consumers (not sinks). */
	uint64_t fed;           /* bytes hashed; the thread's own */
	uint64_t cpu_start_ns;  /* thread CPU clock at start; 0: no clock */
	uint64_t cost;          /* CPU ns per MiB once sampled; under lock */
	int paced;              /* priority settled; the thread's own */
};

struct cust_digest_engine {
	uint32_t magic;
	unsigned algs;
	uint64_t block_size;
	void (*on_block)(void *, uint64_t, const unsigned char *);
	void *on_block_ctx;
	size_t buffer_size;
	unsigned nslots;
	struct slot *slots;

	pthread_mutex_t lock;
	pthread_cond_t data_cv;  /* consumers: a buffer, the end, or stop */
	pthread_cond_t space_cv; /* producer: a slot came free, or stop */
	unsigned sync_made;      /* how many of the three above exist */

	/* Guarded by lock. */
	uint64_t published;
	int eof;
	int stop;   /* cancel or failure: consumers leave at once */
	int failed;
	struct cust_error fail_err;
	unsigned costed;    /* of them, how many have sampled their cost */
	uint64_t max_cost;
	int pace_off;       /* a thread CPU clock failed: leave priorities */

	/* The producer's own. */
	uint64_t length;
	int started;
	int held;           /* slot of buffer `published` is the caller's */
	size_t update_fill; /* > 0: the held slot is being filled by update */
	int finished;
	int cancelled;
	int ok;

	struct consumer cons[MAX_CONSUMERS];
	unsigned ncons;
	unsigned hashers; /* of them, digests and block hashes */

	/* The block thread's own until joined. */
	uint64_t block_fill;
	unsigned char *blocks;
	uint64_t block_count;
	uint64_t block_cap;

	unsigned char result[NALGS][CUST_DIGEST_MAX_SIZE];
	char hex[NALGS][CUST_DIGEST_HEX_MAX];
};

/* A mutex or condition variable of ours that fails means memory is already
 * corrupt; like libuv's uv_mutex_lock, stop rather than run on. */
static void lock(struct cust_digest_engine *e)
{
	if (pthread_mutex_lock(&e->lock) != 0)
		abort();
}

static void unlock(struct cust_digest_engine *e)
{
	if (pthread_mutex_unlock(&e->lock) != 0)
		abort();
}

static void wait_on(struct cust_digest_engine *e, pthread_cond_t *cv)
{
	if (pthread_cond_wait(cv, &e->lock) != 0)
		abort();
}

static void wake_all(pthread_cond_t *cv)
{
	if (pthread_cond_broadcast(cv) != 0)
		abort();
}

static int valid(const struct cust_digest_engine *e)
{
	return e && e->magic == ENGINE_MAGIC;
}

static int invalid_handle(struct cust_error *err)
{
	return cust_error_set(err, CUST_E_USAGE, "invalid digest engine handle");
}

static int block_close(struct consumer *c)
{
	struct cust_digest_engine *e = c->e;
	unsigned int n;

	if (e->block_count == e->block_cap) {
		uint64_t cap = e->block_cap ? 2 * e->block_cap : FIRST_BLOCK_CAP;
		unsigned char *p;

		if (e->block_cap >= MAX_BLOCKS)
			return cust_error_set(&c->err, CUST_E_INPUT,
			                      "cannot hash more than %llu blocks of %llu bytes",
			                      (unsigned long long)MAX_BLOCKS,
			                      (unsigned long long)e->block_size);
		if (cap > MAX_BLOCKS)
			cap = MAX_BLOCKS;
		p = realloc(e->blocks, (size_t)cap * BLOCK_HASH_SIZE);
		if (!p)
			return cust_error_set_errno(&c->err, CUST_E_IO, ENOMEM,
			                            "cannot store block hashes");
		e->blocks = p;
		e->block_cap = cap;
	}
	if (!EVP_DigestFinal_ex(c->ctx, e->blocks + e->block_count * BLOCK_HASH_SIZE,
	                        &n) ||
	    !EVP_DigestInit_ex2(c->ctx, NULL, NULL))
		return ossl_error(&c->err, "cannot compute block", "sha256");
	if (e->on_block)
		e->on_block(e->on_block_ctx, e->block_count,
		            e->blocks + e->block_count * BLOCK_HASH_SIZE);
	e->block_count++;
	e->block_fill = 0;
	return 0;
}

/* Blocks straddle buffers: block_fill carries over between calls. */
static int blocks_feed(struct consumer *c, const unsigned char *data,
                       size_t len)
{
	struct cust_digest_engine *e = c->e;

	while (len > 0) {
		uint64_t room = e->block_size - e->block_fill;
		size_t take = room < len ? (size_t)room : len;

		if (!EVP_DigestUpdate(c->ctx, data, take))
			return ossl_error(&c->err, "cannot compute block", "sha256");
		e->block_fill += take;
		data += take;
		len -= take;
		if (e->block_fill == e->block_size && block_close(c) < 0)
			return -1;
	}
	return 0;
}

static int consumer_feed(struct consumer *c, const unsigned char *data,
                         size_t len, uint64_t offset)
{
	switch (c->kind) {
	case CONSUMER_DIGEST:
		if (!EVP_DigestUpdate(c->ctx, data, len))
			return ossl_error(&c->err, "cannot compute",
			                  alg_table[c->alg].name);
		return 0;
	case CONSUMER_BLOCKS:
		return blocks_feed(c, data, len);
	case CONSUMER_SINK:
		if (c->fn(c->fn_ctx, data, len, offset, &c->err) == 0)
			return 0;
		if (c->err.kind == CUST_OK)
			cust_error_set(&c->err, CUST_E_IO,
			               "output failed at offset %llu",
			               (unsigned long long)offset);
		return -1;
	}
	return -1;
}

/* End of stream for one consumer. */
static int consumer_end(struct consumer *c)
{
	struct cust_digest_engine *e = c->e;
	unsigned int n;

	switch (c->kind) {
	case CONSUMER_DIGEST:
		if (!EVP_DigestFinal_ex(c->ctx, e->result[c->alg], &n))
			return ossl_error(&c->err, "cannot compute",
			                  alg_table[c->alg].name);
		return 0;
	case CONSUMER_BLOCKS:
		return e->block_fill > 0 ? block_close(c) : 0;
	case CONSUMER_SINK:
		return 0;
	}
	return -1;
}

/* With the lock held: the first failure wins and stops everyone. */
static void fail_locked(struct cust_digest_engine *e,
                        const struct cust_error *why)
{
	if (!e->failed) {
		e->failed = 1;
		e->fail_err = *why;
	}
	e->stop = 1;
	wake_all(&e->data_cv);
	wake_all(&e->space_cv);
}

/*
 * Pacing.  The slowest hash sets the pace of the whole stream (MD5 on a CPU
 * with SHA extensions: it cannot be split, while SHA-1 and SHA-256 are two
 * to three times faster).  With more runnable threads than cores, the fair
 * scheduler would still give the faster hashes an equal share of the core
 * the slowest one runs on, and the stream would slow down for nothing.  So
 * once every hash has sampled its own CPU cost, those clearly cheaper than
 * the slowest lower their priority; they still get every idle cycle.  Once
 * only: an unprivileged thread cannot raise its priority back.
 */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + 1;
}

static void lower_own_priority(void)
{
#if defined(__linux__)
	/* Linux applies a thread id's nice value to that thread alone. */
	id_t tid = (id_t)gettid();
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (now == -1 && errno != 0)
		return;
	/* Advice to the scheduler: refused, the digests are the same. */
	(void)setpriority(PRIO_PROCESS, tid,
	                  now + PACE_NICE > 19 ? 19 : now + PACE_NICE);
#endif
}

/* Called by hashing consumers after each buffer. */
static void pace(struct consumer *c, size_t len)
{
	struct cust_digest_engine *e = c->e;
	uint64_t cost = 0, now;
	int lower = 0;

	if (c->paced)
		return;
	c->fed += len;
	if (c->cost == 0 && c->fed >= PACE_SAMPLE_BYTES) {
		now = thread_cpu_ns();
		if (now != 0 && c->cpu_start_ns != 0)
			cost = (now - c->cpu_start_ns) / (c->fed >> 20);
	}
	lock(e);
	if (c->cost == 0 && c->fed >= PACE_SAMPLE_BYTES) {
		if (cost == 0)
			e->pace_off = 1;
		c->cost = cost ? cost : 1;
		e->costed++;
		if (c->cost > e->max_cost)
			e->max_cost = c->cost;
	}
	if (e->pace_off) {
		c->paced = 1;
	} else if (c->cost != 0 && e->costed == e->hashers) {
		c->paced = 1;
		lower = c->cost * 4 < e->max_cost * 3;
	}
	unlock(e);
	if (lower)
		lower_own_priority();
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct cust_digest_engine *e = c->e;

	if (c->kind != CONSUMER_SINK)
		c->cpu_start_ns = thread_cpu_ns();
	lock(e);
	for (;;) {
		const struct slot *s;
		const unsigned char *data;
		size_t len;
		uint64_t offset;
		int rc;

		while (c->done == e->published && !e->eof && !e->stop)
			wait_on(e, &e->data_cv);
		if (e->stop)
			break;
		if (c->done == e->published) {
			unlock(e);
			rc = consumer_end(c);
			lock(e);
			if (rc < 0)
				fail_locked(e, &c->err);
			break;
		}
		s = &e->slots[c->done % e->nslots];
		data = s->data;
		len = s->len;
		offset = s->offset;
		unlock(e);

		rc = consumer_feed(c, data, len, offset);
		if (rc == 0 && c->kind != CONSUMER_SINK)
			pace(c, len);

		lock(e);
		if (rc < 0) {
			fail_locked(e, &c->err);
			break;
		}
		c->done++;
		/* Only the producer waits on space_cv; broadcast is the same cost. */
		wake_all(&e->space_cv);
	}
	unlock(e);
	return NULL;
}

static void join_all(struct cust_digest_engine *e)
{
	unsigned i;

	for (i = 0; i < e->ncons; i++) {
		if (!e->cons[i].running)
			continue;
		/* Fails only for a thread that is not ours to join. */
		(void)pthread_join(e->cons[i].thread, NULL);
		e->cons[i].running = 0;
	}
}

static void stop_and_join(struct cust_digest_engine *e)
{
	lock(e);
	e->stop = 1;
	wake_all(&e->data_cv);
	wake_all(&e->space_cv);
	unlock(e);
	join_all(e);
}

static int start_threads(struct cust_digest_engine *e, struct cust_error *err)
{
	struct cust_error why;
	sigset_t all, old;
	unsigned i;
	int rc;

	e->started = 1;
	if (e->ncons == 0)
		return 0;
	/* Workers block every signal so a SIGINT reaches the producer, which
	 * decides whether to cancel. */
	sigfillset(&all);
	rc = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc != 0) {
		cust_error_set_errno(&why, CUST_E_IO, rc,
		                     "cannot start digest threads");
		goto fail;
	}
	for (i = 0; i < e->ncons; i++) {
		rc = pthread_create(&e->cons[i].thread, NULL, consumer_main,
		                    &e->cons[i]);
		if (rc != 0)
			break;
		e->cons[i].running = 1;
	}
	if (rc != 0)
		cust_error_set_errno(&why, CUST_E_IO, rc,
		                     "cannot start digest threads");
	if (pthread_sigmask(SIG_SETMASK, &old, NULL) != 0 && rc == 0) {
		rc = -1;
		cust_error_set(&why, CUST_E_IO,
		               "cannot restore the signal mask");
	}
	if (rc == 0)
		return 0;
fail:
	lock(e);
	fail_locked(e, &why);
	unlock(e);
	join_all(e);
	if (err)
		*err = why;
	return -1;
}

/* With the lock held: why the engine stopped, for the producer. */
static int stop_error_locked(const struct cust_digest_engine *e,
                             struct cust_error *err)
{
	if (e->failed) {
		if (err)
			*err = e->fail_err;
		return -1;
	}
	return cust_error_set(err, CUST_E_INCOMPLETE,
	                      "digest engine was cancelled");
}

static int producer_ready(const struct cust_digest_engine *e,
                          struct cust_error *err)
{
	if (!valid(e))
		return invalid_handle(err);
	if (e->cancelled)
		return cust_error_set(err, CUST_E_INCOMPLETE,
		                      "digest engine was cancelled");
	if (e->finished)
		return cust_error_set(err, CUST_E_USAGE,
		                      "digest engine already finished");
	return 0;
}

static uint64_t slowest_locked(const struct cust_digest_engine *e)
{
	uint64_t min = e->published;
	unsigned i;

	for (i = 0; i < e->ncons; i++)
		if (e->cons[i].done < min)
			min = e->cons[i].done;
	return min;
}

/* Take the slot of buffer `published` for the producer. */
static unsigned char *acquire(struct cust_digest_engine *e,
                              struct cust_error *err)
{
	if (!e->started && start_threads(e, err) < 0)
		return NULL;
	lock(e);
	while (!e->stop && e->published - slowest_locked(e) >= e->nslots)
		wait_on(e, &e->space_cv);
	if (e->stop) {
		stop_error_locked(e, err);
		unlock(e);
		return NULL;
	}
	unlock(e);
	e->held = 1;
	e->update_fill = 0;
	return e->slots[e->published % e->nslots].data;
}

static int publish(struct cust_digest_engine *e, size_t len,
                   struct cust_error *err)
{
	struct slot *s = &e->slots[e->published % e->nslots];
	int rc = 0;

	e->held = 0;
	e->update_fill = 0;
	lock(e);
	if (e->stop) {
		rc = stop_error_locked(e, err);
	} else if (len > 0) {
		s->len = len;
		s->offset = e->length;
		e->published++;
		e->length += len;
		wake_all(&e->data_cv);
	}
	unlock(e);
	return rc;
}

static struct consumer *add_consumer(struct cust_digest_engine *e,
                                     enum consumer_kind kind,
                                     struct cust_error *err)
{
	struct consumer *c;

	if (e->ncons == MAX_CONSUMERS) {
		cust_error_set(err, CUST_E_USAGE, "more than %d digest sinks",
		               MAX_SINKS);
		return NULL;
	}
	c = &e->cons[e->ncons++];
	c->e = e;
	c->kind = kind;
	if (kind != CONSUMER_SINK)
		e->hashers++;
	return c;
}

static void engine_destroy(struct cust_digest_engine *e)
{
	unsigned i;

	if (!e)
		return;
	for (i = 0; i < e->ncons; i++)
		EVP_MD_CTX_free(e->cons[i].ctx);
	if (e->slots)
		for (i = 0; i < e->nslots; i++)
			free(e->slots[i].data);
	free(e->slots);
	free(e->blocks);
	if (e->sync_made > 2)
		pthread_cond_destroy(&e->space_cv);
	if (e->sync_made > 1)
		pthread_cond_destroy(&e->data_cv);
	if (e->sync_made > 0)
		pthread_mutex_destroy(&e->lock);
	e->magic = 0;
	free(e);
}

struct cust_digest_engine *cust_digest_engine_new(
	const struct cust_digest_config *cfg, struct cust_error *err)
{
	static const struct cust_digest_config defaults;
	struct cust_digest_engine *e;
	struct consumer *c;
	size_t size;
	unsigned count, i;
	int rc;

	if (!cfg)
		cfg = &defaults;
	if (cfg->algs & ~CUST_DIGEST_ALL) {
		cust_error_set(err, CUST_E_USAGE, "unknown digest bits 0x%x",
		               cfg->algs & ~CUST_DIGEST_ALL);
		return NULL;
	}
	size = cfg->buffer_size ? cfg->buffer_size : DEFAULT_BUFFER_SIZE;
	count = cfg->buffer_count ? cfg->buffer_count : DEFAULT_BUFFER_COUNT;
	if (size > MAX_BUFFER_SIZE || count > MAX_BUFFER_COUNT ||
	    (uint64_t)size * count > MAX_RING_BYTES) {
		cust_error_set(err, CUST_E_USAGE,
		               "digest ring of %u buffers of %zu bytes is too large",
		               count, size);
		return NULL;
	}

	e = calloc(1, sizeof *e);
	if (!e) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                     "cannot allocate a digest engine");
		return NULL;
	}
	e->algs = cfg->algs;
	e->block_size = cfg->block_size;
	e->on_block = cfg->on_block;
	e->on_block_ctx = cfg->on_block_ctx;
	e->buffer_size = size;
	e->nslots = count;

	rc = pthread_mutex_init(&e->lock, NULL);
	if (rc == 0) {
		e->sync_made++;
		rc = pthread_cond_init(&e->data_cv, NULL);
	}
	if (rc == 0) {
		e->sync_made++;
		rc = pthread_cond_init(&e->space_cv, NULL);
	}
	if (rc != 0) {
		cust_error_set_errno(err, CUST_E_IO, rc,
		                     "cannot set up a digest engine");
		goto fail;
	}
	e->sync_made++;

	e->slots = calloc(count, sizeof *e->slots);
	if (!e->slots) {
		rc = ENOMEM;
		goto fail_memory;
	}
	for (i = 0; i < count; i++) {
		void *p;

		rc = posix_memalign(&p, BUFFER_ALIGN, size);
		if (rc != 0)
			goto fail_memory;
		e->slots[i].data = p;
	}

	for (i = 0; i < NALGS; i++) {
		if (!(cfg->algs & alg_table[i].alg))
			continue;
		c = add_consumer(e, CONSUMER_DIGEST, err);
		if (!c)
			goto fail;
		c->alg = (int)i;
		c->ctx = new_ctx((int)i, err);
		if (!c->ctx)
			goto fail;
	}
	if (cfg->block_size > 0) {
		c = add_consumer(e, CONSUMER_BLOCKS, err);
		if (!c)
			goto fail;
		c->ctx = new_ctx(SHA256_INDEX, err);
		if (!c->ctx)
			goto fail;
	}
	e->magic = ENGINE_MAGIC;
	return e;

fail_memory:
	cust_error_set_errno(err, CUST_E_IO, rc,
	                     "cannot allocate %u digest buffers of %zu bytes",
	                     count, size);
fail:
	engine_destroy(e);
	return NULL;
}

int cust_digest_engine_add_sink(struct cust_digest_engine *e,
                                cust_digest_sink_fn fn, void *ctx,
                                struct cust_error *err)
{
	struct consumer *c;

	if (producer_ready(e, err) < 0)
		return -1;
	if (!fn)
		return cust_error_set(err, CUST_E_USAGE, "no digest sink given");
	if (e->started)
		return cust_error_set(err, CUST_E_USAGE,
		                      "digest sink added after the stream started");
	c = add_consumer(e, CONSUMER_SINK, err);
	if (!c)
		return -1;
	c->fn = fn;
	c->fn_ctx = ctx;
	return 0;
}

unsigned char *cust_digest_engine_buffer(struct cust_digest_engine *e,
                                         size_t *cap, struct cust_error *err)
{
	unsigned char *buf;

	if (producer_ready(e, err) < 0)
		return NULL;
	if (e->held && e->update_fill > 0 &&
	    publish(e, e->update_fill, err) < 0)
		return NULL;
	/* Taken twice without a commit: still the same buffer. */
	buf = e->held ? e->slots[e->published % e->nslots].data
	              : acquire(e, err);
	if (buf && cap)
		*cap = e->buffer_size;
	return buf;
}

int cust_digest_engine_commit(struct cust_digest_engine *e, size_t len,
                              struct cust_error *err)
{
	if (producer_ready(e, err) < 0)
		return -1;
	if (!e->held || e->update_fill > 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "digest commit without a buffer");
	if (len > e->buffer_size)
		return cust_error_set(err, CUST_E_USAGE,
		                      "digest commit of %zu bytes into a buffer of %zu",
		                      len, e->buffer_size);
	return publish(e, len, err);
}

int cust_digest_engine_update(struct cust_digest_engine *e, const void *data,
                              size_t len, struct cust_error *err)
{
	const unsigned char *p = data;

	if (producer_ready(e, err) < 0)
		return -1;
	if (!p && len > 0)
		return cust_error_set(err, CUST_E_USAGE, "no data to digest");
	while (len > 0) {
		unsigned char *buf;
		size_t room, take;

		/* The held buffer: update's own partial one, or one taken
		 * by buffer() and never committed, refilled from its start. */
		buf = e->held ? e->slots[e->published % e->nslots].data
		              : acquire(e, err);
		if (!buf)
			return -1;
		room = e->buffer_size - e->update_fill;
		take = len < room ? len : room;
		memcpy(buf + e->update_fill, p, take);
		e->update_fill += take;
		p += take;
		len -= take;
		if (e->update_fill == e->buffer_size &&
		    publish(e, e->update_fill, err) < 0)
			return -1;
	}
	return 0;
}

int cust_digest_engine_finish(struct cust_digest_engine *e,
                              struct cust_error *err)
{
	int rc;
	unsigned i;

	rc = producer_ready(e, err);
	if (rc < 0)
		return -1;
	e->finished = 1;
	if (e->held && e->update_fill > 0)
		rc = publish(e, e->update_fill, err);
	e->held = 0;

	if (!e->started) {
		/* Nothing was ever taken: no threads needed for an empty stream. */
		e->started = 1;
		for (i = 0; i < e->ncons && rc == 0; i++)
			if (consumer_end(&e->cons[i]) < 0) {
				if (err)
					*err = e->cons[i].err;
				rc = -1;
			}
	} else {
		lock(e);
		e->eof = 1;
		wake_all(&e->data_cv);
		unlock(e);
		join_all(e);
		/* Every thread is gone; the lock only orders memory. */
		lock(e);
		if (e->failed)
			rc = stop_error_locked(e, err);
		unlock(e);
	}
	if (rc < 0)
		return -1;

	for (i = 0; i < NALGS; i++)
		if (e->algs & alg_table[i].alg)
			cust_hex_encode(e->result[i], alg_table[i].size, e->hex[i]);
	/* only the results are used from here on: give the ring back now, so
	 * that a second engine (a read-back check) does not double the memory */
	for (i = 0; i < e->nslots; i++) {
		free(e->slots[i].data);
		e->slots[i].data = NULL;
	}
	e->ok = 1;
	return 0;
}

void cust_digest_engine_cancel(struct cust_digest_engine *e)
{
	if (!valid(e))
		return;
	e->cancelled = 1;
	e->ok = 0;
	e->held = 0;
	stop_and_join(e);
}

uint64_t cust_digest_engine_length(const struct cust_digest_engine *e)
{
	return valid(e) ? e->length : 0;
}

const unsigned char *cust_digest_engine_result(
	const struct cust_digest_engine *e, enum cust_digest_alg alg)
{
	int i = alg_index(alg);

	if (!valid(e) || !e->ok || i < 0 || !(e->algs & alg))
		return NULL;
	return e->result[i];
}

const char *cust_digest_engine_hex(const struct cust_digest_engine *e,
                                   enum cust_digest_alg alg)
{
	int i = alg_index(alg);

	if (!valid(e) || !e->ok || i < 0 || !(e->algs & alg))
		return NULL;
	return e->hex[i];
}

uint64_t cust_digest_engine_block_count(const struct cust_digest_engine *e)
{
	return valid(e) && e->ok ? e->block_count : 0;
}

const unsigned char *cust_digest_engine_block(
	const struct cust_digest_engine *e, uint64_t index)
{
	if (!valid(e) || !e->ok || index >= e->block_count)
		return NULL;
	return e->blocks + index * BLOCK_HASH_SIZE;
}

void cust_digest_engine_free(struct cust_digest_engine *e)
{
	if (!valid(e))
		return;
	stop_and_join(e);
	engine_destroy(e);
}

/* ---- whole files ------------------------------------------------------ */

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "of an unknown type";
}

/* Fill BUF up to CAP, through short reads and EINTR; *GOT < CAP only at
 * end of file. */
static int read_full(int fd, unsigned char *buf, size_t cap, size_t *got)
{
	size_t have = 0;

	while (have < cap) {
		ssize_t n = read(fd, buf + have, cap - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	*got = have;
	return 0;
}

static int hash_fd_small(int fd, const char *path, unsigned algs,
                         unsigned char out[][CUST_DIGEST_MAX_SIZE],
                         uint64_t *size, struct cust_error *err)
{
	EVP_MD_CTX *ctx[NALGS] = { NULL };
	int which[NALGS];
	unsigned char *buf;
	uint64_t total = 0;
	unsigned n = 0, k;
	int i, rc = -1;

	buf = malloc(SMALL_READ_SIZE);
	if (!buf) {
		cust_error_set_errno(err, CUST_E_IO, ENOMEM,
		                     "cannot hash '%s'", path);
		return -1;
	}
	for (i = 0; i < NALGS; i++) {
		if (!(algs & alg_table[i].alg))
			continue;
		ctx[n] = new_ctx(i, err);
		if (!ctx[n])
			goto out;
		which[n++] = i;
	}
	for (;;) {
		size_t got;

		if (read_full(fd, buf, SMALL_READ_SIZE, &got) < 0) {
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot read '%s'", path);
			goto out;
		}
		for (k = 0; k < n; k++)
			if (got > 0 && !EVP_DigestUpdate(ctx[k], buf, got)) {
				ossl_error(err, "cannot compute",
				           alg_table[which[k]].name);
				goto out;
			}
		total += got;
		if (got < SMALL_READ_SIZE)
			break;
	}
	for (k = 0; k < n; k++) {
		unsigned int len;

		if (!EVP_DigestFinal_ex(ctx[k], out[k], &len)) {
			ossl_error(err, "cannot compute", alg_table[which[k]].name);
			goto out;
		}
	}
	if (size)
		*size = total;
	rc = 0;
out:
	for (k = 0; k < n; k++)
		EVP_MD_CTX_free(ctx[k]);
	free(buf);
	return rc;
}

int cust_digest_engine_read_fd(struct cust_digest_engine *e, int fd,
                               const char *name, struct cust_error *err)
{
	for (;;) {
		size_t cap, got;
		unsigned char *buf = cust_digest_engine_buffer(e, &cap, err);

		if (!buf)
			return -1;
		if (read_full(fd, buf, cap, &got) < 0)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot read '%s'", name);
		if (cust_digest_engine_commit(e, got, err) < 0)
			return -1;
		if (got < cap)
			return 0;
	}
}

static int hash_fd_engine(int fd, const char *path, unsigned algs,
                          unsigned char out[][CUST_DIGEST_MAX_SIZE],
                          uint64_t *size, struct cust_error *err)
{
	struct cust_digest_config cfg = { .algs = algs };
	struct cust_digest_engine *e;
	unsigned k = 0;
	int i, rc = -1;

	e = cust_digest_engine_new(&cfg, err);
	if (!e)
		return -1;
	if (cust_digest_engine_read_fd(e, fd, path, err) < 0 ||
	    cust_digest_engine_finish(e, err) < 0)
		goto out;
	for (i = 0; i < NALGS; i++)
		if (algs & alg_table[i].alg)
			memcpy(out[k++], cust_digest_engine_result(e, alg_table[i].alg),
			       alg_table[i].size);
	if (size)
		*size = cust_digest_engine_length(e);
	rc = 0;
out:
	cust_digest_engine_free(e);
	return rc;
}

int cust_digest_file(const char *path, unsigned algs, int nofollow,
                     unsigned char out[][CUST_DIGEST_MAX_SIZE],
                     uint64_t *size, struct cust_error *err)
{
	struct stat st;
	int fd, rc = -1;

	if (!path || (algs & ~CUST_DIGEST_ALL) || (algs && !out))
		return cust_error_set(err, CUST_E_USAGE,
		                      "bad arguments to hash a file");
	/* as evidence is opened: a FIFO cannot hang it (it is refused
	 * below), and reading leaves the access time alone where allowed */
	fd = cust_fs_open_evidence(path, nofollow ? O_NOFOLLOW : 0);
	if (fd < 0) {
		if (nofollow && errno == ELOOP)
			return cust_error_set(err, CUST_E_INPUT,
			                      "'%s' is a symbolic link", path);
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot open '%s'", path);
	}
	if (fstat(fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot stat '%s'",
		                     path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cust_error_set(err, CUST_E_INPUT,
		               "cannot hash '%s': %s, not a regular file", path,
		               file_kind(st.st_mode));
		goto out;
	}
	/* Advice only: the result is the same if the kernel ignores it. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	if (st.st_size < SMALL_FILE_MAX)
		rc = hash_fd_small(fd, path, algs, out, size, err);
	else
		rc = hash_fd_engine(fd, path, algs, out, size, err);
out:
	(void)close(fd); /* read-only: close cannot lose data */
	return rc;
}
