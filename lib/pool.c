/* pool.c - workers that finish in any order, commits in submission order;
 * see include/custody/pool.h. */
#include "custody/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A job in flight, in the list of submission order. */
struct slot {
	void *job;
	size_t weight;
	int done; /* its work has run */
	struct slot *next;
};

struct cust_pool {
	struct cust_pool_ops ops;
	void *ctx;
	unsigned nworkers;
	size_t max_jobs, max_weight;

	pthread_mutex_t lock;
	pthread_cond_t work_cv;  /* a job to work on, or stopping */
	pthread_cond_t done_cv;  /* the oldest job is done, or stopping */
	pthread_cond_t space_cv; /* a job was committed */
	struct slot *head, *tail; /* in flight, oldest first */
	struct slot *todo;        /* the oldest job no worker took yet */
	size_t jobs, weight;
	int stopping, failed;
	struct cust_error err; /* the first failure */

	pthread_t workers[CUST_POOL_WORKERS_MAX];
	unsigned started;
	pthread_t committer;
	int committer_started;
	void *inline_state; /* 0 workers: the submitting thread's state */
	int inline_state_made;
};

/* Record the first failure; called with the lock held. */
static void fail_locked(struct cust_pool *p, const struct cust_error *err)
{
	if (!p->failed) {
		p->failed = 1;
		p->err = *err;
	}
}

static void *worker_main(void *arg)
{
	struct cust_pool *p = arg;
	struct cust_error err;
	void *state = NULL;
	int usable = 1;

	cust_error_clear(&err);
	if (p->ops.state_new && !(state = p->ops.state_new(p->ctx, &err))) {
		/* keep taking jobs, so none waits forever; the committer
		 * discards them */
		usable = 0;
		pthread_mutex_lock(&p->lock);
		fail_locked(p, &err);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct slot *s;
		int skip;

		while (!p->todo && !p->stopping)
			pthread_cond_wait(&p->work_cv, &p->lock);
		if (!p->todo)
			break;
		s = p->todo;
		p->todo = s->next;
		skip = !usable || p->failed; /* its commit discards it */
		pthread_mutex_unlock(&p->lock);
		if (!skip)
			p->ops.work(p->ctx, state, s->job);
		pthread_mutex_lock(&p->lock);
		s->done = 1;
		if (s == p->head)
			pthread_cond_signal(&p->done_cv);
	}
	pthread_mutex_unlock(&p->lock);
	if (state && p->ops.state_free)
		p->ops.state_free(p->ctx, state);
	return NULL;
}

/* Commit or discard one job; called without the lock. */
static void settle(struct cust_pool *p, struct slot *s)
{
	struct cust_error err;
	int failed;

	pthread_mutex_lock(&p->lock);
	failed = p->failed;
	pthread_mutex_unlock(&p->lock);
	cust_error_clear(&err);
	if (failed) {
		p->ops.discard(p->ctx, s->job);
	} else if (p->ops.commit(p->ctx, s->job, &err) < 0) {
		pthread_mutex_lock(&p->lock);
		fail_locked(p, &err);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_lock(&p->lock);
	p->jobs--;
	p->weight -= s->weight;
	pthread_cond_broadcast(&p->space_cv);
	pthread_mutex_unlock(&p->lock);
	free(s);
}

static void *committer_main(void *arg)
{
	struct cust_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct slot *s;

		while (!(p->head && p->head->done) &&
		       !(p->stopping && !p->head))
			pthread_cond_wait(&p->done_cv, &p->lock);
		if (!p->head)
			break;
		s = p->head;
		p->head = s->next;
		if (!p->head)
			p->tail = NULL;
		if (p->head && p->head->done)
			pthread_cond_signal(&p->done_cv);
		pthread_mutex_unlock(&p->lock);
		settle(p, s);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

unsigned cust_pool_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > CUST_POOL_WORKERS_MAX ? CUST_POOL_WORKERS_MAX : (unsigned)n;
}

struct cust_pool *cust_pool_new(unsigned workers, size_t max_jobs,
                                size_t max_weight,
                                const struct cust_pool_ops *ops, void *ctx,
                                struct cust_error *err)
{
	struct cust_pool *p;
	int rc;

	if (workers > CUST_POOL_WORKERS_MAX || max_jobs == 0 || !ops ||
	    !ops->work || !ops->commit || !ops->discard) {
		cust_error_set(err, CUST_E_USAGE, "a pool of 0 to %d workers "
		               "with work, commit and discard",
		               CUST_POOL_WORKERS_MAX);
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	p->ops = *ops;
	p->ctx = ctx;
	p->nworkers = workers;
	p->max_jobs = max_jobs;
	p->max_weight = max_weight;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	pthread_cond_init(&p->space_cv, NULL);
	if (workers == 0)
		return p;
	rc = pthread_create(&p->committer, NULL, committer_main, p);
	if (rc == 0) {
		p->committer_started = 1;
		for (; p->started < workers; p->started++)
			if ((rc = pthread_create(&p->workers[p->started], NULL,
			                         worker_main, p)) != 0)
				break;
	}
	if (rc != 0) {
		cust_error_set_errno(err, CUST_E_IO, rc,
		                     "cannot start the worker threads");
		cust_pool_finish(p, NULL);
		return NULL;
	}
	return p;
}

/* 0 workers: work and commit now, on this thread. */
static int run_inline(struct cust_pool *p, void *job, struct cust_error *err)
{
	if (!p->inline_state_made) {
		p->inline_state_made = 1;
		if (p->ops.state_new &&
		    !(p->inline_state = p->ops.state_new(p->ctx, &p->err)))
			p->failed = 1;
	}
	if (p->failed) {
		p->ops.discard(p->ctx, job);
		*err = p->err;
		return -1;
	}
	p->ops.work(p->ctx, p->inline_state, job);
	if (p->ops.commit(p->ctx, job, &p->err) < 0) {
		p->failed = 1;
		*err = p->err;
		return -1;
	}
	return 0;
}

int cust_pool_submit(struct cust_pool *p, void *job, size_t weight,
                     struct cust_error *err)
{
	struct slot *s;

	if (p->nworkers == 0)
		return run_inline(p, job, err);
	s = calloc(1, sizeof *s);
	if (!s) {
		p->ops.discard(p->ctx, job);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	s->job = job;
	s->weight = weight;
	pthread_mutex_lock(&p->lock);
	while (!p->failed &&
	       (p->jobs >= p->max_jobs ||
	        (p->jobs > 0 && p->weight + weight > p->max_weight)))
		pthread_cond_wait(&p->space_cv, &p->lock);
	if (p->failed) {
		*err = p->err;
		pthread_mutex_unlock(&p->lock);
		p->ops.discard(p->ctx, job);
		free(s);
		return -1;
	}
	if (p->tail)
		p->tail->next = s;
	else
		p->head = s;
	p->tail = s;
	if (!p->todo)
		p->todo = s;
	p->jobs++;
	p->weight += weight;
	pthread_cond_signal(&p->work_cv);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int cust_pool_drain(struct cust_pool *p, struct cust_error *err)
{
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	while (p->jobs > 0)
		pthread_cond_wait(&p->space_cv, &p->lock);
	if (p->failed) {
		if (err)
			*err = p->err;
		rc = -1;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int cust_pool_finish(struct cust_pool *p, struct cust_error *err)
{
	unsigned i;
	int rc;

	if (!p)
		return 0;
	if (p->committer_started)
		cust_pool_drain(p, NULL);
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_cond_broadcast(&p->done_cv);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->started; i++)
		pthread_join(p->workers[i], NULL);
	if (p->committer_started)
		pthread_join(p->committer, NULL);
	if (p->inline_state && p->ops.state_free)
		p->ops.state_free(p->ctx, p->inline_state);
	rc = p->failed ? -1 : 0;
	if (rc && err)
		*err = p->err;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->done_cv);
	pthread_cond_destroy(&p->space_cv);
	free(p);
	return rc;
}
