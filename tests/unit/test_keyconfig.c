/* test_keyconfig.c - unit tests of the configuration file that names the
 * examiner's key (include/custody/keyconfig.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "custody/keyconfig.h"
#include "testutil.h"

static void expect_error(int rc, const struct cust_error *err,
                         enum cust_error_kind kind, const char *part)
{
	assert_int_equal(rc, -1);
	if (err->kind != kind || !strstr(err->message, part))
		fail_msg("expected kind %d with '%s', got kind %d: %s", (int)kind,
		         part, (int)err->kind, err->message);
}

static void load_config_text(const char *text, struct cust_key_config *cfg,
                             struct cust_error *err, int *rc)
{
	char path[CUST_PATH_MAX];

	tpath(path, "config");
	write_file(path, text, strlen(text));
	setenv("CUSTODY_CONFIG", path, 1);
	cust_error_clear(err);
	*rc = cust_key_config_load(cfg, err);
}

static void test_config_good(void **state)
{
	static const char text[] =
		"# the examiner's key\n"
		"\n"
		"key = examiner.key\n"
		"  cert=sub/examiner.pem   # issued by the agency CA\r\n"
		"chain\t=\t/etc/custody/chain.pem\n"
		"tsa = https://tsa.agency.invalid/rfc3161#x\n"
		"tsa_cafile = tsa ca.pem\n"
		"passphrase_file = ../secret#1";
	struct cust_key_config *cfg = malloc(sizeof *cfg);
	struct cust_error err;
	char want[CUST_PATH_MAX];
	int rc;

	(void)state;
	assert_non_null(cfg);
	load_config_text(text, cfg, &err, &rc);
	if (rc != 0)
		fail_msg("config: %s", err.message);
	tpath(want, "config");
	assert_string_equal(cfg->source, want);
	tpath(want, "examiner.key");
	assert_string_equal(cfg->key, want);
	tpath(want, "sub/examiner.pem");
	assert_string_equal(cfg->cert, want);
	assert_string_equal(cfg->chain, "/etc/custody/chain.pem");
	assert_string_equal(cfg->tsa, "https://tsa.agency.invalid/rfc3161#x");
	tpath(want, "tsa ca.pem");
	assert_string_equal(cfg->tsa_cafile, want);
	tpath(want, "../secret#1");
	assert_string_equal(cfg->passphrase_file, want);
	/* parsing a text directly: relative to the source's folder */
	assert_int_equal(cust_key_config_parse(cfg, "key = k\n", 8, "cfg", &err),
	                 0);
	assert_string_equal(cfg->key, "./k");
	assert_string_equal(cfg->cert, "");
	unsetenv("CUSTODY_CONFIG");
	free(cfg);
}

static void test_config_locations(void **state)
{
	struct cust_key_config *cfg = malloc(sizeof *cfg);
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	assert_non_null(cfg);
	unsetenv("CUSTODY_CONFIG");
	cust_error_clear(&err);
	/* $XDG_CONFIG_HOME/custody/config */
	tpath(dir, "xdg");
	assert_int_equal(mkdir(dir, 0700), 0);
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(cust_key_config_load(cfg, &err), 0); /* missing: fine */
	assert_string_equal(cfg->source, "");
	assert_string_equal(cfg->key, "");
	tpath(dir, "xdg/custody");
	assert_int_equal(mkdir(dir, 0700), 0);
	join(path, dir, "config");
	write_file(path, "key = x.key\n", 12);
	assert_int_equal(cust_key_config_load(cfg, &err), 0);
	assert_string_equal(cfg->source, path);
	join(path, dir, "x.key");
	assert_string_equal(cfg->key, path);
	/* $HOME/.config/custody/config when XDG_CONFIG_HOME is not absolute */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	setenv("HOME", tmpdir, 1);
	tpath(dir, ".config");
	assert_int_equal(mkdir(dir, 0700), 0);
	tpath(dir, ".config/custody");
	assert_int_equal(mkdir(dir, 0700), 0);
	join(path, dir, "config");
	write_file(path, "cert = /abs.pem\n", 16);
	assert_int_equal(cust_key_config_load(cfg, &err), 0);
	assert_string_equal(cfg->cert, "/abs.pem");
	assert_string_equal(cfg->source, path);
	/* $CUSTODY_CONFIG wins, and naming a missing file is no error */
	tpath(path, "nowhere/config");
	setenv("CUSTODY_CONFIG", path, 1);
	assert_int_equal(cust_key_config_load(cfg, &err), 0);
	assert_string_equal(cfg->source, "");
	assert_string_equal(cfg->cert, "");
	unsetenv("CUSTODY_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	free(cfg);
}

static void test_config_errors(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "key = a\n\nfoo = b\n", "line 3: unknown name 'foo'" },
		{ "key a\n", "line 1: expected 'name = value'" },
		{ " = a\n", "line 1: expected 'name = value'" },
		{ "# c\nkey =   # nothing\n", "line 2: no value for 'key'" },
		{ "key = a\ncert = b\nkey = c\n", "line 3: 'key' given twice" },
		{ "key = a\x01b\n", "line 1: contains a control character" },
		{ "key = a\x1b[2J\n", "line 1: contains a control character" },
		{ "tsa = ftp://x\n", "line 1: tsa must be an http:// or https://" },
		{ "tsa = tsa.invalid\n", "line 1: tsa must be" },
		{ "Key = a\n", "line 1: unknown name 'Key'" },
	};
	struct cust_key_config *cfg = malloc(sizeof *cfg);
	char path[CUST_PATH_MAX], want[CUST_PATH_MAX + 64], *big;
	struct cust_error err;
	size_t i;
	int rc;

	(void)state;
	assert_non_null(cfg);
	tpath(path, "config");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		load_config_text(bad[i].text, cfg, &err, &rc);
		snprintf(want, sizeof want, "'%s' %s", path, bad[i].why);
		expect_error(rc, &err, CUST_E_INPUT, want);
		assert_string_equal(cfg->key, ""); /* nothing half-loaded */
	}
	/* a NUL byte */
	write_file(path, "key = a\0b\n", 10);
	assert_int_equal(cust_key_config_load(cfg, &err), -1);
	assert_non_null(strstr(err.message, "line 1: contains a NUL byte"));
	/* an overlong line, and the longest that is still read */
	big = malloc(70000);
	assert_non_null(big);
	memcpy(big, "key = a\n# ", 10);
	memset(big + 10, 'x', 4200);
	big[4210] = '\n';
	write_file(path, big, 4211);
	assert_int_equal(cust_key_config_load(cfg, &err), -1);
	snprintf(want, sizeof want, "'%s' line 2: longer than 4160 bytes", path);
	assert_non_null(strstr(err.message, want));
	write_file(path, big, 8 + 4160);
	assert_int_equal(cust_key_config_load(cfg, &err), 0);
	/* a value that makes too long a path */
	memcpy(big, "key = ", 6);
	memset(big + 6, 'p', 4094);
	write_file(path, big, 4100);
	assert_int_equal(cust_key_config_load(cfg, &err), -1);
	assert_non_null(strstr(err.message, "line 1: path too long"));
	/* too large a file */
	memset(big, '#', 70000);
	write_file(path, big, 70000);
	assert_int_equal(cust_key_config_load(cfg, &err), -1);
	assert_non_null(strstr(err.message, "larger than 65536 bytes"));
	free(big);
	/* a folder in the file's place */
	setenv("CUSTODY_CONFIG", tmpdir, 1);
	assert_int_equal(cust_key_config_load(cfg, &err), -1);
	assert_non_null(strstr(err.message, "not a regular file"));
	unsetenv("CUSTODY_CONFIG");
	free(cfg);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config_good),
		T(test_config_locations),
		T(test_config_errors),
	};

	/* the caller's configuration must not leak in */
	unsetenv("CUSTODY_CONFIG");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
