/* test_timestamp.c - unit tests of RFC 3161 timestamps
 * (include/custody/timestamp.h) against a real TSA on loopback:
 * tests/fixtures/tsa-server.py answering with `openssl ts -reply`, keys
 * from tests/fixtures/tsa-setup.sh.
 *
 * The fixtures are found under $CUSTODY_TOP (set by tests/run.sh), else
 * under the current folder (make runs from the top of the tree). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "custody/digest.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "custody/timestamp.h"
#include "testutil.h"

#define PYTHON "/usr/bin/python3"
#define POLICY "1.3.6.1.4.1.99999.1" /* tsa-setup.sh's test policy */

static char top[CUST_PATH_MAX];    /* the source tree */
static char tsadir[CUST_PATH_MAX]; /* what tsa-setup.sh made */
static char ca_pem[CUST_PATH_MAX], other_ca_pem[CUST_PATH_MAX];
static char tsa_pem[CUST_PATH_MAX];
static char data_path[CUST_PATH_MAX], other_path[CUST_PATH_MAX];
static char good_tsr[CUST_PATH_MAX]; /* a genuine reply for data_path */

/* The running server, stopped by the teardown if a test failed early. */
static pid_t server_pid;
static char url[128];

/* The error of the last fetch_fails. */
static struct cust_error last_err;

/* ---- helpers ------------------------------------------------------------ */

/* Run ARGV (a NULL-terminated list) with stdout and stderr appended to
 * TMPDIR/commands.log; its exit status, 128 + signal when killed. */
static int run(const char *const argv[])
{
	char log[CUST_PATH_MAX];
	int status;
	pid_t pid;

	tpath(log, "commands.log");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		alarm(60);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `openssl ts -verify` of TSR over DATA with the test root, as a defense
 * expert would run it: its exit status. */
static int stock_verify(const char *data, const char *tsr, const char *ca)
{
	const char *argv[] = { "openssl", "ts", "-verify", "-data", data,
		               "-in", tsr, "-CAfile", ca, "-untrusted", tsa_pem,
		               NULL };
	return run(argv);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Start tsa-server.py in MODE on a port of the kernel's choice; URL is
 * then its address. */
static void server_start(const char *mode)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	char script[CUST_PATH_MAX], portfile[CUST_PATH_MAX], log[CUST_PATH_MAX];
	int i;

	assert_int_equal(server_pid, 0);
	join(script, top, "tests/fixtures/tsa-server.py");
	tpath(portfile, "tsa.port");
	tpath(log, "tsa-server.log");
	unlink(portfile);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* never outlive a crashed test program */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(PYTHON, PYTHON, script, "--dir", tsadir, "--port-file",
		      portfile, "--mode", mode, "--delay", "20", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) { /* 10 s */
		FILE *f = fopen(portfile, "r");
		unsigned port = 0;
		int n = f ? fscanf(f, "%u", &port) : 0;

		if (f)
			fclose(f);
		if (n == 1 && port > 0 && port < 65536) {
			n = snprintf(url, sizeof url, "http://127.0.0.1:%u/tsa", port);
			assert_true(n > 0 && (size_t)n < sizeof url);
			return;
		}
		assert_int_equal(waitpid(server_pid, NULL, WNOHANG), 0);
		nanosleep(&tick, NULL);
	}
	fail_msg("tsa-server.py did not start (see %s)", log);
}

/* Stop the server with SIGTERM; it must exit cleanly with status 0. */
static void server_stop(void)
{
	int status;

	assert_true(server_pid > 0);
	assert_int_equal(kill(server_pid, SIGTERM), 0);
	assert_int_equal(waitpid(server_pid, &status, 0), server_pid);
	server_pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Teardown of every test: a server left by a failed test is killed. */
static int teardown_server(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("'%s' not in '%s'", part, text);
}

/* A failed call left nothing behind: no TSR_PATH, no temporary file. */
static void assert_nothing_written(const char *tsr)
{
	assert_false(exists(tsr));
	assert_int_equal(count_entries_named(".tmp-"), 0);
}

/* Fetch from a server in MODE; must fail with KIND and a message holding
 * URL and WHAT (kept in last_err), and write nothing. */
static void fetch_fails(const char *mode, const char *cafile,
                        enum cust_error_kind kind, const char *what)
{
	struct cust_timestamp_info info;
	struct cust_error *err = &last_err;
	char tsr[CUST_PATH_MAX];

	tpath(tsr, "fail.tsr");
	server_start(mode);
	assert_int_equal(cust_timestamp_fetch(url, data_path, tsr, cafile, 10,
	                                      &info, err), -1);
	server_stop();
	print_message("# %s: %s\n", mode, err->message);
	assert_int_equal(err->kind, kind);
	assert_contains(err->message, url);
	assert_contains(err->message, what);
	assert_nothing_written(tsr);
	assert_int_equal(info.tsa_trusted, 0);
	assert_string_equal(info.time, "");
}

static int is_lower_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* INFO is what the test TSA says about data_path. */
static void assert_info(const struct cust_timestamp_info *info, int trusted)
{
	char want[CUST_DIGEST_HEX_MAX];
	char *data;
	size_t len;

	data = slurp(data_path, &len);
	hex_of(CUST_DIGEST_SHA256, data, len, want);
	free(data);
	assert_string_equal(info->imprint_sha256, want);
	assert_string_equal(info->policy, POLICY);
	assert_string_equal(info->tsa, "O=custody tests, CN=custody test TSA");
	assert_true(is_lower_hex(info->serial, 1, 40));
	/* YYYY-MM-DDTHH:MM:SSZ */
	assert_int_equal(strlen(info->time), 20);
	assert_int_equal(info->time[10], 'T');
	assert_int_equal(info->time[19], 'Z');
	assert_int_equal(info->tsa_trusted, trusted);
}

/* A copy of good_tsr as TMPDIR/NAME into OUT. */
static void copy_good(const char *name, char *out)
{
	char *buf;
	size_t len;

	buf = slurp(good_tsr, &len);
	tpath(out, name);
	write_file(out, buf, len);
	free(buf);
}

/* ---- fixtures ------------------------------------------------------------ */

static int group_setup(void **state)
{
	const char *t = getenv("CUSTODY_TOP");
	struct cust_error err;
	char setup[CUST_PATH_MAX];
	int n;

	if (setup_tmp(state) != 0)
		return -1;
	n = snprintf(top, sizeof top, "%s", t && *t ? t : ".");
	if (n < 0 || (size_t)n >= sizeof top)
		return -1;
	if (snprintf(setup, sizeof setup, "%s/tests/fixtures/tsa-setup.sh",
	             top) >= (int)sizeof setup ||
	    snprintf(tsadir, sizeof tsadir, "%s/tsa", tmpdir) >=
	            (int)sizeof tsadir)
		return -1;
	{
		const char *argv[] = { "sh", setup, tsadir, NULL };
		if (run(argv) != 0) {
			fprintf(stderr, "tsa-setup.sh failed\n");
			return -1;
		}
	}
	join(ca_pem, tsadir, "tsa-ca.pem");
	join(other_ca_pem, tsadir, "other-ca.pem");
	join(tsa_pem, tsadir, "tsa.pem");
	/* a stand-in for a unit's SHA256SUMS.p7s, and some other file */
	tpath(data_path, "SHA256SUMS.p7s");
	tpath(other_path, "other.p7s");
	{
		unsigned char *d = make_data(3000, 42);
		write_file(data_path, d, 3000);
		d[100] ^= 1;
		write_file(other_path, d, 3000);
		free(d);
	}
	/* the genuine reply the check tests start from */
	tpath(good_tsr, "good.tsr");
	server_start("ok");
	n = cust_timestamp_fetch(url, data_path, good_tsr, ca_pem, 10, NULL,
	                         &err);
	server_stop();
	if (n != 0) {
		fprintf(stderr, "fetch of the good token: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	teardown_server(state);
	return teardown_tmp(state);
}

/* ---- fetch --------------------------------------------------------------- */

static void test_fetch_untrusted(void **state)
{
	struct cust_timestamp_info info, checked;
	struct cust_error err;
	char tsr[CUST_PATH_MAX];

	(void)state;
	tpath(tsr, "untrusted.tsr");
	server_start("ok");
	assert_int_equal(cust_timestamp_fetch(url, data_path, tsr, NULL, 10,
	                                      &info, &err), 0);
	server_stop();
	assert_info(&info, 0);
	assert_int_equal(count_entries_named(".tmp-"), 0);

	/* the defense expert's command accepts it, for this file only */
	assert_int_equal(stock_verify(data_path, tsr, ca_pem), 0);
	assert_int_not_equal(stock_verify(other_path, tsr, ca_pem), 0);

	/* and custody's own check agrees with what the fetch reported */
	assert_int_equal(cust_timestamp_check(data_path, tsr, ca_pem, &checked,
	                                      &err), 0);
	assert_info(&checked, 1);
	assert_string_equal(checked.serial, info.serial);
	assert_string_equal(checked.time, info.time);
}

static void test_fetch_trusted_replaces(void **state)
{
	struct cust_timestamp_info first, second;
	struct cust_error err;
	char tsr[CUST_PATH_MAX];

	(void)state;
	tpath(tsr, "trusted.tsr");
	server_start("ok");
	assert_int_equal(cust_timestamp_fetch(url, data_path, tsr, ca_pem, 10,
	                                      &first, &err), 0);
	assert_info(&first, 1);
	/* the caller may ask again: the new reply replaces the old */
	assert_int_equal(cust_timestamp_fetch(url, data_path, tsr, ca_pem, 10,
	                                      &second, &err), 0);
	server_stop();
	assert_info(&second, 1);
	assert_string_not_equal(first.serial, second.serial);
	assert_int_equal(cust_timestamp_check(data_path, tsr, ca_pem, &first,
	                                      &err), 0);
	assert_string_equal(first.serial, second.serial);
	assert_int_equal(stock_verify(data_path, tsr, ca_pem), 0);
}

static void test_fetch_other_ca(void **state)
{
	(void)state;
	fetch_fails("ok", other_ca_pem, CUST_E_INPUT, "is not certified by");
}

static void test_fetch_http_error(void **state)
{
	(void)state;
	fetch_fails("http-error", NULL, CUST_E_IO, "500");
}

static void test_fetch_wrong_type(void **state)
{
	(void)state;
	fetch_fails("wrong-type", ca_pem, CUST_E_IO, "text/html");
}

static void test_fetch_rejected(void **state)
{
	char want[CUST_ERROR_MESSAGE_MAX];

	(void)state;
	fetch_fails("reject", ca_pem, CUST_E_INPUT, "refused");
	(void)snprintf(want, sizeof want,
	               "the timestamp authority at '%s' refused: rejection, "
	               "'policy not accepted by the test TSA', failure info "
	               "unacceptedPolicy", url);
	assert_string_equal(last_err.message, want);
}

static void test_fetch_garbage(void **state)
{
	(void)state;
	fetch_fails("garbage", ca_pem, CUST_E_INPUT,
	            "is not an RFC 3161 TimeStampResp");
}

static void test_fetch_wrong_imprint(void **state)
{
	(void)state;
	fetch_fails("wrong-imprint", ca_pem, CUST_E_INPUT,
	            "timestamped other data than");
}

static void test_fetch_wrong_nonce(void **state)
{
	(void)state;
	fetch_fails("wrong-nonce", ca_pem, CUST_E_INPUT, "another nonce");
}

static void test_fetch_bad_signature(void **state)
{
	(void)state;
	fetch_fails("bad-signature", NULL, CUST_E_INPUT, "bad signature");
}

/* A reply announcing 2 MiB is refused from its length, not read. */
static void test_fetch_huge(void **state)
{
	(void)state;
	fetch_fails("huge", NULL, CUST_E_INPUT, "more than 1048576 bytes");
}

/* An authority that resets the connection is an I/O error, and never
 * kills the program with SIGPIPE, whatever the program does with it. */
static void test_fetch_reset(void **state)
{
	void (*old)(int) = signal(SIGPIPE, SIG_DFL);

	(void)state;
	fetch_fails("reset", NULL, CUST_E_IO, "timestamp authority");
	signal(SIGPIPE, old);
}

/* A failed fetch leaves an earlier reply as it was. */
static void test_fetch_failure_keeps_old(void **state)
{
	struct cust_error err;
	char tsr[CUST_PATH_MAX];
	char *buf;
	size_t len;

	(void)state;
	tpath(tsr, "kept.tsr");
	write_file(tsr, "old", 3);
	server_start("garbage");
	assert_int_equal(cust_timestamp_fetch(url, data_path, tsr, NULL, 10,
	                                      NULL, &err), -1);
	server_stop();
	assert_int_equal(err.kind, CUST_E_INPUT);
	buf = slurp(tsr, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "old", 3);
	free(buf);
	assert_int_equal(count_entries_named(".tmp-"), 0);
}

static void test_fetch_timeout(void **state)
{
	struct cust_error err;
	char tsr[CUST_PATH_MAX];
	double t0, took;

	(void)state;
	tpath(tsr, "slow.tsr");
	server_start("slow"); /* answers after 20 s */
	t0 = now_s();
	assert_int_equal(cust_timestamp_fetch(url, data_path, tsr, NULL, 2,
	                                      NULL, &err), -1);
	took = now_s() - t0;
	server_stop(); /* SIGTERM in the middle of its sleep: still clean */
	print_message("# slow: %.1f s: %s\n", took, err.message);
	assert_true(took >= 1.0 && took < 5.0);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_contains(err.message, "cannot reach the timestamp authority at '");
	assert_contains(err.message, url);
	assert_contains(err.message, "within 2 s");
	assert_nothing_written(tsr);
}

/* Whether another socket, even one asking SO_REUSEADDR, can bind A. */
static int port_takeable(const struct sockaddr_in *a)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	                            sizeof one), 0);
	rc = bind(fd, (const struct sockaddr *)a, sizeof *a);
	if (rc != 0)
		assert_int_equal(errno, EADDRINUSE);
	close(fd);
	return rc == 0;
}

static void test_fetch_closed_port(void **state)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof a;
	struct cust_error err;
	char tsr[CUST_PATH_MAX], closed[128];
	double t0, took;
	int fd;

	(void)state;
	/* a port bound here and never listened on, held until the fetch is
	 * over: a connection to it is refused at once (not timed out), and no
	 * other process can take it meanwhile */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	assert_false(port_takeable(&a));
	(void)snprintf(closed, sizeof closed, "http://127.0.0.1:%u/tsa",
	               (unsigned)ntohs(a.sin_port));

	tpath(tsr, "closed.tsr");
	t0 = now_s();
	assert_int_equal(cust_timestamp_fetch(closed, data_path, tsr, NULL, 10,
	                                      NULL, &err), -1);
	took = now_s() - t0;
	close(fd);
	print_message("# closed port: %.2f s: %s\n", took, err.message);
	assert_int_equal(err.kind, CUST_E_IO);
	{
		char want[300];
		(void)snprintf(want, sizeof want,
		               "cannot reach the timestamp authority at '%s': "
		               "Connection refused", closed);
		assert_string_equal(err.message, want);
	}
	assert_nothing_written(tsr);
}

static void test_fetch_bad_arguments(void **state)
{
	static const struct {
		const char *url;
		const char *what;
	} bad[] = {
		{ "https://127.0.0.1/tsa", "only http:// timestamp authorities" },
		{ "ftp://127.0.0.1/tsa", "is not an http:// URL" },
		{ "127.0.0.1/tsa", "is not an http:// URL" },
		{ "http://", "http://" },
		{ "http://127.0.0.1/a b", "a space or a control character" },
		{ "http://127.0.0.1/a\r\nX-Injected: 1", "control character" },
		{ "http://127.0.0.1:99999/tsa", "bad timestamp authority URL" },
		{ "", "1 to 2047 characters" },
	};
	struct cust_error err;
	char tsr[CUST_PATH_MAX], missing[CUST_PATH_MAX];
	char *longurl;
	size_t i;

	(void)state;
	tpath(tsr, "args.tsr");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(cust_timestamp_fetch(bad[i].url, data_path, tsr,
		                                      NULL, 10, NULL, &err), -1);
		print_message("# '%s': %s\n", bad[i].url, err.message);
		assert_int_equal(err.kind, CUST_E_USAGE);
		assert_contains(err.message, bad[i].what);
	}
	longurl = malloc(CUST_TSA_URL_MAX + 16);
	assert_non_null(longurl);
	memcpy(longurl, "http://h/", 9);
	memset(longurl + 9, 'a', CUST_TSA_URL_MAX);
	longurl[CUST_TSA_URL_MAX + 5] = '\0';
	assert_int_equal(cust_timestamp_fetch(longurl, data_path, tsr, NULL, 10,
	                                      NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	free(longurl);

	/* timeouts outside 1..3600 s */
	assert_int_equal(cust_timestamp_fetch("http://127.0.0.1/", data_path,
	                                      tsr, NULL, 0, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_timestamp_fetch("http://127.0.0.1/", data_path,
	                                      tsr, NULL, 3601, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);

	/* data that is not there, a CA file that is not one: named, and
	 * refused before any exchange */
	tpath(missing, "missing.p7s");
	assert_int_equal(cust_timestamp_fetch("http://127.0.0.1:9/", missing,
	                                      tsr, NULL, 10, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_contains(err.message, missing);
	assert_int_equal(cust_timestamp_fetch("http://127.0.0.1:9/", data_path,
	                                      tsr, data_path, 10, NULL, &err),
	                 -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_contains(err.message, "no PEM certificate in CA file");
	assert_contains(err.message, data_path);
	{
		/* the right root followed by a damaged certificate */
		static const char damaged[] = "-----BEGIN CERTIFICATE-----\n"
		                              "MIIBtDCCAVqgAwIBAgIU\n"
		                              "-----END CERTIFICATE-----\n";
		char cafile[CUST_PATH_MAX], *pem;
		size_t len;

		pem = slurp(ca_pem, &len);
		pem = realloc(pem, len + sizeof damaged);
		assert_non_null(pem);
		memcpy(pem + len, damaged, sizeof damaged);
		tpath(cafile, "damaged-ca.pem");
		write_file(cafile, pem, len + sizeof damaged - 1);
		free(pem);
		assert_int_equal(cust_timestamp_fetch("http://127.0.0.1:9/",
		                                      data_path, tsr, cafile, 10,
		                                      NULL, &err), -1);
		print_message("# %s\n", err.message);
		assert_int_equal(err.kind, CUST_E_INPUT);
		assert_contains(err.message, "cannot read CA file");
		assert_contains(err.message, cafile);
	}
	assert_nothing_written(tsr);
}

/* ---- check --------------------------------------------------------------- */

static void test_check_good(void **state)
{
	struct cust_timestamp_info info;
	struct cust_error err;

	(void)state;
	assert_int_equal(cust_timestamp_check(data_path, good_tsr, ca_pem, &info,
	                                      &err), 0);
	assert_info(&info, 1);
	assert_int_equal(cust_timestamp_check(data_path, good_tsr, NULL, &info,
	                                      &err), 0);
	assert_info(&info, 0);
	assert_int_equal(stock_verify(data_path, good_tsr, ca_pem), 0);
}

static void test_check_other_data(void **state)
{
	struct cust_timestamp_info info;
	struct cust_error err;
	char want[2 * CUST_PATH_MAX + 64];

	(void)state;
	assert_int_equal(cust_timestamp_check(other_path, good_tsr, ca_pem, &info,
	                                      &err), -1);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	(void)snprintf(want, sizeof want, "'%s' timestamps other data than '%s'",
	               good_tsr, other_path);
	assert_string_equal(err.message, want);
	assert_string_equal(info.imprint_sha256, "");
}

static void test_check_other_ca(void **state)
{
	struct cust_timestamp_info info;
	struct cust_error err;

	(void)state;
	assert_int_equal(cust_timestamp_check(data_path, good_tsr, other_ca_pem,
	                                      &info, &err), -1);
	print_message("# %s\n", err.message);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	assert_contains(err.message, "is not certified by");
	assert_contains(err.message, other_ca_pem);
	assert_contains(err.message, good_tsr);
	assert_int_not_equal(stock_verify(data_path, good_tsr, other_ca_pem), 0);
}

/* One byte flipped in the signature (the last bytes of the reply). */
static void test_check_flipped_signature(void **state)
{
	struct cust_error err;
	char tsr[CUST_PATH_MAX];
	char *buf;
	size_t len;

	(void)state;
	buf = slurp(good_tsr, &len);
	buf[len - 1] ^= 0x01;
	tpath(tsr, "flipped.tsr");
	write_file(tsr, buf, len);
	free(buf);
	assert_int_equal(cust_timestamp_check(data_path, tsr, NULL, NULL, &err),
	                 -1);
	print_message("# %s\n", err.message);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	assert_contains(err.message, "the signature of '");
	assert_contains(err.message, "does not verify");
	assert_int_equal(cust_timestamp_check(data_path, tsr, ca_pem, NULL, &err),
	                 -1);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	assert_int_not_equal(stock_verify(data_path, tsr, ca_pem), 0);
}

/* The time inside the signed token edited: still parses, no longer
 * matches its signature. */
static void test_check_edited_time(void **state)
{
	struct cust_error err;
	char tsr[CUST_PATH_MAX];
	char *buf;
	size_t len, i;
	int edited = 0;

	(void)state;
	buf = slurp(good_tsr, &len);
	/* genTime: GeneralizedTime (0x18) of 15 characters, YYYYMMDDHHMMSSZ */
	for (i = 0; i + 17 <= len; i++)
		if ((unsigned char)buf[i] == 0x18 && buf[i + 1] == 15 &&
		    buf[i + 16] == 'Z') {
			buf[i + 2] = buf[i + 2] == '1' ? '2' : '1'; /* the millennium */
			edited = 1;
			break;
		}
	assert_true(edited);
	tpath(tsr, "edited.tsr");
	write_file(tsr, buf, len);
	free(buf);
	assert_int_equal(cust_timestamp_check(data_path, tsr, ca_pem, NULL, &err),
	                 -1);
	print_message("# %s\n", err.message);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	assert_contains(err.message, "does not verify");
	assert_int_not_equal(stock_verify(data_path, tsr, ca_pem), 0);
}

/* Damaged files: CUST_E_INPUT naming the file and the problem. */
static void check_input_error(const char *name, const void *data, size_t len,
                              const char *what)
{
	struct cust_timestamp_info info;
	struct cust_error err;
	char tsr[CUST_PATH_MAX];

	tpath(tsr, name);
	write_file(tsr, data, len);
	assert_int_equal(cust_timestamp_check(data_path, tsr, ca_pem, &info,
	                                      &err), -1);
	print_message("# %s: %s\n", name, err.message);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_contains(err.message, tsr);
	assert_contains(err.message, what);
	assert_string_equal(info.time, "");
}

static void test_check_damaged(void **state)
{
	/* a refusal as a TSA sends it: status rejection, text "no",
	 * failInfo unacceptedPolicy */
	static const unsigned char refusal[] = {
		0x30, 0x10, 0x30, 0x0e, 0x02, 0x01, 0x02, 0x30, 0x04, 0x0c,
		0x02, 'n', 'o', 0x03, 0x03, 0x00, 0x00, 0x01
	};
	unsigned char *junk;
	char *buf;
	size_t len;

	(void)state;
	buf = slurp(good_tsr, &len);
	check_input_error("empty.tsr", "", 0, "it is empty");
	check_input_error("truncated.tsr", buf, len / 2,
	                  "is not an RFC 3161 timestamp reply");
	check_input_error("short.tsr", buf, len - 1,
	                  "is not an RFC 3161 timestamp reply");
	buf = realloc(buf, len + 1);
	assert_non_null(buf);
	buf[len] = 0;
	check_input_error("trailing.tsr", buf, len + 1, "1 bytes follow the reply");
	free(buf);
	check_input_error("refusal.tsr", refusal, sizeof refusal,
	                  "holds a refusal, not a timestamp: rejection, 'no', "
	                  "failure info unacceptedPolicy");
	junk = make_data(700, 7);
	check_input_error("garbage.tsr", junk, 700,
	                  "is not an RFC 3161 timestamp reply");
	free(junk);
	/* 2 MiB: refused by size before parsing */
	junk = make_data(2u << 20, 9);
	check_input_error("huge.tsr", junk, 2u << 20, "larger than 1048576 bytes");
	free(junk);
}

static void test_check_missing_files(void **state)
{
	struct cust_error err;
	char tsr[CUST_PATH_MAX], missing[CUST_PATH_MAX], copy[CUST_PATH_MAX];

	(void)state;
	tpath(missing, "missing");
	assert_int_equal(cust_timestamp_check(data_path, missing, NULL, NULL,
	                                      &err), -1);
	assert_contains(err.message, missing);
	copy_good("copy.tsr", copy);
	assert_int_equal(cust_timestamp_check(missing, copy, NULL, NULL, &err),
	                 -1);
	assert_contains(err.message, missing);
	assert_int_equal(cust_timestamp_check(data_path, copy, missing, NULL,
	                                      &err), -1);
	assert_contains(err.message, missing);
	/* a symbolic link in place of the reply is not followed */
	tpath(tsr, "link.tsr");
	assert_int_equal(symlink(copy, tsr), 0);
	assert_int_equal(cust_timestamp_check(data_path, tsr, NULL, NULL, &err),
	                 -1);
	assert_contains(err.message, tsr);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_teardown(fn, teardown_server)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fetch_untrusted),
		T(test_fetch_trusted_replaces),
		T(test_fetch_other_ca),
		T(test_fetch_http_error),
		T(test_fetch_wrong_type),
		T(test_fetch_rejected),
		T(test_fetch_garbage),
		T(test_fetch_wrong_imprint),
		T(test_fetch_wrong_nonce),
		T(test_fetch_bad_signature),
		T(test_fetch_huge),
		T(test_fetch_reset),
		T(test_fetch_failure_keeps_old),
		T(test_fetch_timeout),
		T(test_fetch_closed_port),
		T(test_fetch_bad_arguments),
		T(test_check_good),
		T(test_check_other_data),
		T(test_check_other_ca),
		T(test_check_flipped_signature),
		T(test_check_edited_time),
		T(test_check_damaged),
		T(test_check_missing_files),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
