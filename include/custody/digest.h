/*
 * digest.h - the parallel multi-digest engine.
 *
 * One stream, several digests at once.  The producer (a reader of a disk,
 * a file or a pipe) fills large buffers taken from a bounded ring; every
 * digest runs on its own thread and walks the ring in order; block hashes
 * (SHA-256 of every BLOCK_SIZE bytes) run on one more thread; optional
 * sinks (an image writer, a comparer) run on threads of their own and see
 * the same buffers.  A buffer returns to the producer once every consumer
 * is done with it, so memory stays at buffer_count * buffer_size whatever
 * the stream length, and the slowest consumer sets the pace.
 *
 * Typical use:
 *
 *     struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5 | CUST_DIGEST_SHA256 };
 *     struct cust_digest_engine *e = cust_digest_engine_new(&cfg, err);
 *     for (;;) {
 *             size_t cap;
 *             unsigned char *buf = cust_digest_engine_buffer(e, &cap, err);
 *             ssize_t n = read(fd, buf, cap);     // read straight into the ring
 *             if (n <= 0) break;
 *             if (cust_digest_engine_commit(e, (size_t)n, err) < 0) break;
 *     }
 *     cust_digest_engine_finish(e, err);
 *     cust_digest_engine_hex(e, CUST_DIGEST_SHA256);
 *     cust_digest_engine_free(e);
 *
 * The engine is driven by a single producer thread; its functions are not
 * meant to be called concurrently on one engine.  Worker threads block all
 * signals, so a Ctrl-C reaches the producer.  Once each digest thread has
 * measured its own cost (after 8 MiB), the ones clearly cheaper than the
 * slowest raise their nice value by 5: with more busy threads than cores
 * the slowest digest then keeps a core to itself, and the others still use
 * every idle cycle.
 *
 * Limits: at most 16 sinks; buffers of at most 1 GiB, at most 1024 of them
 * and 4 GiB in all; at most 2^28 block hashes (CUST_E_INPUT beyond).
 */
#ifndef CUSTODY_DIGEST_H
#define CUSTODY_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "custody/error.h"

/* Digest algorithms, as bits so a set of them fits in one unsigned. */
enum cust_digest_alg {
	CUST_DIGEST_MD5 = 1u << 0,
	CUST_DIGEST_SHA1 = 1u << 1,
	CUST_DIGEST_SHA256 = 1u << 2,
	CUST_DIGEST_SHA512 = 1u << 3,
	CUST_DIGEST_SHA3_256 = 1u << 4
};
#define CUST_DIGEST_ALL 0x1fu
#define CUST_DIGEST_MAX_SIZE 64               /* bytes of the longest digest */
#define CUST_DIGEST_HEX_MAX (2 * CUST_DIGEST_MAX_SIZE + 1)

/* Lower-case names as used in records and on command lines:
 * "md5", "sha1", "sha256", "sha512", "sha3-256".  NULL for a non-single bit. */
const char *cust_digest_name(enum cust_digest_alg alg);

/* Digest length in bytes, 0 for an unknown algorithm. */
size_t cust_digest_size(enum cust_digest_alg alg);

/* Parse a comma-separated list such as "md5,sha256" into a set of bits.
 * Unknown names, empty items and an empty list are usage errors. */
int cust_digest_parse_list(const char *list, unsigned *algs,
                           struct cust_error *err);

/* Lower-case hex of LEN bytes into OUT, which holds 2*LEN+1 bytes. */
void cust_hex_encode(const unsigned char *bytes, size_t len, char *out);

/* Decode the first 2*LEN characters of HEX, hex digits of either case,
 * into OUT; -1 on bad input.  Characters past them are not looked at:
 * callers wanting an exact length check it themselves. */
int cust_hex_decode(const char *hex, unsigned char *out, size_t len);

/*
 * One-shot digests of a memory buffer, on the calling thread: for small
 * inputs (a log line, a manifest) where threads would cost more than they
 * save.  OUT receives cust_digest_size(ALG) bytes.
 */
int cust_digest_buffer(enum cust_digest_alg alg, const void *data, size_t len,
                       unsigned char *out, struct cust_error *err);

struct cust_digest_config {
	unsigned algs;          /* set of enum cust_digest_alg bits; may be 0 */
	uint64_t block_size;    /* SHA-256 per block of this size; 0 = none */
	size_t buffer_size;     /* bytes per ring buffer; 0 = 4 MiB */
	unsigned buffer_count;  /* buffers in the ring; 0 = 8 */
	/* Called on the block thread as each block hash is done, in order
	 * (an acquisition saves them as it goes, so it can resume); may be
	 * NULL.  CTX is borrowed and must outlive finish. */
	void (*on_block)(void *ctx, uint64_t index, const unsigned char hash[32]);
	void *on_block_ctx;
};

/*
 * A sink sees every committed buffer, in stream order, on its own thread.
 * OFFSET is the position of DATA in the stream.  A sink returns 0, or -1
 * after recording the failure in ERR (owned by the engine); the first
 * failure stops the engine and is reported by commit and finish.
 */
typedef int (*cust_digest_sink_fn)(void *ctx, const unsigned char *data,
                                   size_t len, uint64_t offset,
                                   struct cust_error *err);

struct cust_digest_engine;

/* A new engine; its threads start with the first buffer.  NULL on failure. */
struct cust_digest_engine *cust_digest_engine_new(
	const struct cust_digest_config *cfg, struct cust_error *err);

/* Add a sink before the first buffer is taken.  CTX is borrowed and must
 * outlive cust_digest_engine_finish. */
int cust_digest_engine_add_sink(struct cust_digest_engine *e,
                                cust_digest_sink_fn fn, void *ctx,
                                struct cust_error *err);

/*
 * The next free ring buffer to fill, waiting until the slowest consumer has
 * released one.  *CAP receives its size.  The buffer belongs to the caller
 * until the matching commit; asking again before committing returns the
 * same buffer.  NULL when a consumer failed (detail in ERR).
 */
unsigned char *cust_digest_engine_buffer(struct cust_digest_engine *e,
                                         size_t *cap, struct cust_error *err);

/* Publish the first LEN bytes (LEN <= cap) of the buffer taken last; a
 * commit of 0 bytes publishes nothing.  -1 when a consumer failed. */
int cust_digest_engine_commit(struct cust_digest_engine *e, size_t len,
                              struct cust_error *err);

/* Feed everything FD holds, to its end, reading straight into ring buffers
 * (short reads and EINTR handled).  NAME labels errors.  Does not finish:
 * more data may follow before cust_digest_engine_finish. */
int cust_digest_engine_read_fd(struct cust_digest_engine *e, int fd,
                               const char *name, struct cust_error *err);

/* Copying convenience: feed LEN bytes of DATA through buffer/commit. */
int cust_digest_engine_update(struct cust_digest_engine *e, const void *data,
                              size_t len, struct cust_error *err);

/* End of stream: wait for every consumer, finalise the digests and release
 * the ring's buffers.  After a successful finish the results below are
 * valid until free.  A second finish is a usage error. */
int cust_digest_engine_finish(struct cust_digest_engine *e,
                              struct cust_error *err);

/* Stop early (the producer hit an error): consumers drop what is queued and
 * exit; returns once every worker has, so sink contexts may be freed.  Safe
 * at any point; afterwards the results are invalid. */
void cust_digest_engine_cancel(struct cust_digest_engine *e);

/* Total bytes committed. */
uint64_t cust_digest_engine_length(const struct cust_digest_engine *e);

/* Result of ALG after finish, as raw bytes (cust_digest_size(ALG) of them)
 * or lower-case hex.  NULL if ALG was not configured or finish did not
 * succeed.  Owned by the engine. */
const unsigned char *cust_digest_engine_result(
	const struct cust_digest_engine *e, enum cust_digest_alg alg);
const char *cust_digest_engine_hex(const struct cust_digest_engine *e,
                                   enum cust_digest_alg alg);

/* Block hashes after finish: how many (the last block may be short), and
 * the 32-byte SHA-256 of block I.  Owned by the engine. */
uint64_t cust_digest_engine_block_count(const struct cust_digest_engine *e);
const unsigned char *cust_digest_engine_block(
	const struct cust_digest_engine *e, uint64_t index);

/* Stop the threads if still running and release everything; NULL is fine. */
void cust_digest_engine_free(struct cust_digest_engine *e);

/*
 * Digests of a whole regular file by path, opened as evidence is
 * (cust_fs_open_evidence: read-only, O_NOATIME where allowed, a FIFO
 * refused without waiting; plus O_NOFOLLOW when NOFOLLOW is set).  Small
 * files are hashed on the calling
 * thread; large ones go through the engine.  OUT[i] receives the digest of
 * the i-th set bit of ALGS in increasing bit order; *SIZE the file length.
 */
int cust_digest_file(const char *path, unsigned algs, int nofollow,
                     unsigned char out[][CUST_DIGEST_MAX_SIZE],
                     uint64_t *size, struct cust_error *err);

#endif
