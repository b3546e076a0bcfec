/*
 * pool.h - work on many threads, results in the order the work came.
 *
 * One thread submits jobs (custody-extract's walk: libtsk is read from one
 * thread only); WORKERS threads run the work function on them in any order
 * (hashing, typing, carving: the costly part); one committer thread hands
 * each finished job to the commit function strictly in submission order
 * (the inventory's lines and the first place a target was seen must not
 * depend on which worker was faster).  Jobs in flight are bounded by count
 * and by weight (bytes of content held), so memory stays flat however many
 * files a disk has.
 *
 * With 0 workers the pool runs work and commit on the submitting thread,
 * one job at a time: the same results, for tests and small machines.
 */
#ifndef CUSTODY_POOL_H
#define CUSTODY_POOL_H

#include <stddef.h>

#include "custody/error.h"

#define CUST_POOL_WORKERS_MAX 64

/* Per-worker state (its own libmagic cookie, carver, ...): made on the
 * worker's thread before its first job, freed when the pool ends. */
typedef void *(*cust_pool_state_new_fn)(void *ctx, struct cust_error *err);
typedef void (*cust_pool_state_free_fn)(void *ctx, void *state);
/* Work on JOB with the worker's STATE.  It cannot fail: what goes wrong
 * with one job is written into the job for its commit to report. */
typedef void (*cust_pool_work_fn)(void *ctx, void *state, void *job);
/* Commit JOB (in submission order) and free it.  -1 with ERR set stops
 * the pool: later jobs are freed with DISCARD instead, and the next
 * submit or finish returns the error.  DISCARD runs on the committer or on
 * the submitting thread, possibly at once. */
typedef int (*cust_pool_commit_fn)(void *ctx, void *job,
                                   struct cust_error *err);
typedef void (*cust_pool_discard_fn)(void *ctx, void *job);

struct cust_pool_ops {
	cust_pool_state_new_fn state_new;   /* may be NULL: state is NULL */
	cust_pool_state_free_fn state_free; /* may be NULL */
	cust_pool_work_fn work;
	cust_pool_commit_fn commit;
	cust_pool_discard_fn discard;
};

struct cust_pool;

/*
 * A pool of WORKERS threads (0: none, see above; at most
 * CUST_POOL_WORKERS_MAX) holding at most MAX_JOBS jobs and MAX_WEIGHT
 * weight in flight (a job heavier than MAX_WEIGHT still goes, alone).
 */
struct cust_pool *cust_pool_new(unsigned workers, size_t max_jobs,
                                size_t max_weight,
                                const struct cust_pool_ops *ops, void *ctx,
                                struct cust_error *err);

/* Hand JOB (of WEIGHT) to the pool, waiting while the pool is full.  The
 * pool owns JOB from here on, even when this fails: -1 when an earlier
 * commit failed or a worker's state could not be made (JOB discarded). */
int cust_pool_submit(struct cust_pool *p, void *job, size_t weight,
                     struct cust_error *err);

/* Wait until every job submitted so far is committed.  The submitting
 * thread may then act as the committer would (write in order) until its
 * next submit.  -1 with the pool's error when it failed. */
int cust_pool_drain(struct cust_pool *p, struct cust_error *err);

/* Drain, stop the threads, free the pool (NULL is fine).  Returns the
 * pool's error, if any (ERR may be NULL when the caller already failed). */
int cust_pool_finish(struct cust_pool *p, struct cust_error *err);

/* The number of online processors, at least 1 and at most
 * CUST_POOL_WORKERS_MAX: the default worker count. */
unsigned cust_pool_default_workers(void);

#endif
