/* test_pool.c - unit tests of the ordered worker pool
 * (include/custody/pool.h): commits in submission order whatever the
 * workers' speed, the bounds on jobs and weight in flight, drain, a failing
 * commit and a failing worker state stop the pool without a hang or a
 * leak. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custody/pool.h"
#include "testutil.h"

struct job {
	size_t seq;
	size_t weight;
	unsigned worked_by_state; /* the state's tag, set by work */
};

struct ctx {
	pthread_mutex_t lock;
	size_t next_commit; /* the sequence number the next commit must have */
	size_t committed, discarded, worked;
	size_t fail_at;      /* commit of this seq fails (SIZE_MAX: never) */
	int fail_state;      /* state_new fails */
	size_t weight_now, weight_peak, jobs_now, jobs_peak;
	int out_of_order;
	unsigned states;
};

static void *state_new(void *c_, struct cust_error *err)
{
	struct ctx *c = c_;
	unsigned *s;

	if (c->fail_state) {
		cust_error_set(err, CUST_E_IO, "no state for this worker");
		return NULL;
	}
	s = malloc(sizeof *s);
	pthread_mutex_lock(&c->lock);
	*s = ++c->states;
	pthread_mutex_unlock(&c->lock);
	return s;
}

static void state_free(void *c_, void *s)
{
	(void)c_;
	free(s);
}

static void work(void *c_, void *state, void *j_)
{
	struct ctx *c = c_;
	struct job *j = j_;
	struct timespec ts = { 0, (long)(j->seq * 7919 % 50) * 1000 };

	nanosleep(&ts, NULL); /* uneven work: later jobs often finish first */
	j->worked_by_state = *(unsigned *)state;
	pthread_mutex_lock(&c->lock);
	c->worked++;
	pthread_mutex_unlock(&c->lock);
}

static void leave(struct ctx *c, struct job *j)
{
	pthread_mutex_lock(&c->lock);
	c->weight_now -= j->weight;
	c->jobs_now--;
	pthread_mutex_unlock(&c->lock);
	free(j);
}

static int commit(void *c_, void *j_, struct cust_error *err)
{
	struct ctx *c = c_;
	struct job *j = j_;
	size_t seq = j->seq;
	int bad = j->worked_by_state == 0;

	if (seq != c->next_commit)
		c->out_of_order = 1;
	c->next_commit = seq + 1;
	leave(c, j);
	if (bad)
		c->out_of_order = 1; /* committed without its work */
	if (seq == c->fail_at)
		return cust_error_set(err, CUST_E_IO, "commit %zu fails", seq);
	c->committed++;
	return 0;
}

static void discard(void *c_, void *j_)
{
	struct ctx *c = c_;

	/* from the submitter or the committer: they may race */
	pthread_mutex_lock(&c->lock);
	c->discarded++;
	pthread_mutex_unlock(&c->lock);
	leave(c, j_);
}

static const struct cust_pool_ops ops = { state_new, state_free, work, commit,
	                                  discard };

static void ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	c->fail_at = SIZE_MAX;
}

/* Submit N jobs of weight 1..16; returns the submits that failed. */
static size_t run(struct cust_pool *p, struct ctx *c, size_t n)
{
	struct cust_error err;
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		struct job *j = calloc(1, sizeof *j);
		j->seq = i;
		j->weight = 1 + i % 16;
		pthread_mutex_lock(&c->lock);
		c->weight_now += j->weight;
		c->jobs_now++;
		if (c->weight_now > c->weight_peak)
			c->weight_peak = c->weight_now;
		if (c->jobs_now > c->jobs_peak)
			c->jobs_peak = c->jobs_now;
		pthread_mutex_unlock(&c->lock);
		if (cust_pool_submit(p, j, j->weight, &err) < 0)
			failed++;
	}
	return failed;
}

static void test_order(void **state)
{
	static const unsigned workers[] = { 0, 1, 2, 4, 8 };
	struct cust_error err;
	size_t w;

	(void)state;
	for (w = 0; w < sizeof workers / sizeof workers[0]; w++) {
		struct ctx c;
		struct cust_pool *p;

		ctx_init(&c);
		p = cust_pool_new(workers[w], 8, 40, &ops, &c, &err);
		assert_non_null(p);
		assert_int_equal(run(p, &c, 3000), 0);
		assert_int_equal(cust_pool_drain(p, &err), 0);
		/* after a drain every job so far is committed */
		assert_int_equal(c.committed, 3000);
		assert_int_equal(run(p, &c, 0), 0);
		assert_int_equal(cust_pool_finish(p, &err), 0);
		assert_false(c.out_of_order);
		assert_int_equal(c.committed, 3000);
		assert_int_equal(c.worked, 3000);
		assert_int_equal(c.discarded, 0);
		/* the submitter counts a job in before the pool does, so the
		 * peak seen here is at most one job over the pool's bound */
		assert_true(c.jobs_peak <= 8 + 1);
		assert_true(c.weight_peak <= 40 + 16);
		assert_int_equal(c.states, workers[w] ? workers[w] : 1);
		pthread_mutex_destroy(&c.lock);
	}
}

static void test_heavy_job_goes_alone(void **state)
{
	struct cust_error err;
	struct ctx c;
	struct cust_pool *p;
	struct job *j;

	(void)state;
	ctx_init(&c);
	p = cust_pool_new(2, 8, 4, &ops, &c, &err);
	assert_non_null(p);
	j = calloc(1, sizeof *j);
	j->weight = 100;
	c.jobs_now = 1;
	c.weight_now = 100;
	assert_int_equal(cust_pool_submit(p, j, 100, &err), 0);
	assert_int_equal(cust_pool_finish(p, &err), 0);
	assert_int_equal(c.committed, 1);
	pthread_mutex_destroy(&c.lock);
}

static void test_commit_fails(void **state)
{
	static const unsigned workers[] = { 0, 3 };
	struct cust_error err;
	size_t w;

	(void)state;
	for (w = 0; w < 2; w++) {
		struct ctx c;
		struct cust_pool *p;
		size_t failed;

		ctx_init(&c);
		c.fail_at = 500;
		p = cust_pool_new(workers[w], 16, 1000, &ops, &c, &err);
		assert_non_null(p);
		failed = run(p, &c, 2000);
		assert_true(failed > 0);
		cust_error_clear(&err);
		assert_int_equal(cust_pool_finish(p, &err), -1);
		assert_non_null(strstr(err.message, "commit 500 fails"));
		/* every job was committed once or discarded once */
		assert_int_equal(c.committed, 500);
		assert_int_equal(c.committed + 1 + c.discarded, 2000);
		assert_int_equal(c.jobs_now, 0);
		assert_false(c.out_of_order);
		pthread_mutex_destroy(&c.lock);
	}
}

static void test_state_fails(void **state)
{
	static const unsigned workers[] = { 0, 2 };
	struct cust_error err;
	size_t w;

	(void)state;
	for (w = 0; w < 2; w++) {
		struct ctx c;
		struct cust_pool *p;

		ctx_init(&c);
		c.fail_state = 1;
		p = cust_pool_new(workers[w], 4, 100, &ops, &c, &err);
		assert_non_null(p);
		run(p, &c, 200);
		cust_error_clear(&err);
		assert_int_equal(cust_pool_drain(p, &err), -1);
		assert_non_null(strstr(err.message, "no state"));
		assert_int_equal(cust_pool_finish(p, NULL), -1);
		assert_int_equal(c.committed, 0);
		assert_int_equal(c.discarded, 200);
		assert_int_equal(c.worked, 0);
		pthread_mutex_destroy(&c.lock);
	}
}

static void test_bad_arguments(void **state)
{
	struct cust_pool_ops none = { 0 };
	struct cust_error err;

	(void)state;
	assert_null(cust_pool_new(CUST_POOL_WORKERS_MAX + 1, 4, 4, &ops, NULL,
	                          &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_null(cust_pool_new(1, 0, 4, &ops, NULL, &err));
	assert_null(cust_pool_new(1, 4, 4, &none, NULL, &err));
	assert_int_equal(cust_pool_finish(NULL, &err), 0);
	assert_true(cust_pool_default_workers() >= 1);
	assert_true(cust_pool_default_workers() <= CUST_POOL_WORKERS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_heavy_job_goes_alone),
		cmocka_unit_test(test_commit_fails),
		cmocka_unit_test(test_state_fails),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
