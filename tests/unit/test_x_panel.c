/* test_x_panel.c - the panel-php-config extractor: a ZeuS panel's
 * system/config.php and generic panels' PHP settings, as the pure function
 * it is (bytes and what is known in, records and what was learned out), on
 * faithful samples built here and on hostile twins. */
#include "testutil.h"

#include "custody/extractor.h"

#define NAME "panel-php-config"
#include "xmem.h"

/* RC4's key schedule: the state S after the KSA of KEY[0..LEN). */
static void rc4_ksa(const char *key, size_t len, unsigned char s[256])
{
	unsigned i, j = 0;

	for (i = 0; i < 256; i++)
		s[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		unsigned char t = s[i];
		j = (j + s[i] + (unsigned char)key[i % len]) & 255;
		s[i] = s[j];
		s[j] = t;
	}
}

/* A ZeuS panel's system/config.php as its installer writes it, the
 * schedule given by S.  The crypt key holds a quote, escaped as PHP wants
 * it in a single-quoted string. */
static char *zeus_php(const unsigned char s[256], size_t count)
{
	size_t cap = 8192, len = 0, i;
	char *p = malloc(cap);

	assert_non_null(p);
	len += (size_t)snprintf(p + len, cap - len,
		"<?php\n"
		"$config['mysql_host']         = '127.0.0.1';\n"
		"$config['mysql_user']         = 'cpuser';\n"
		"$config['mysql_pass']         = 'Pa\\'ss\\\\word';\n"
		"$config['mysql_db']           = 'cpdb';\n"
		"$config['reports_path']       = '_reports';\n"
		"$config['reports_to_db']      = 1;\n"
		"$config['reports_to_fs']      = 0;\n"
		"$config['botnet_timeout']     = 1500;\n"
		"$config['botnet_cryptkey']    = 'kN9#q\\'2!Lr';\n"
		"$config['botnet_cryptkey_bs'] = array(");
	for (i = 0; i < count; i++)
		len += (size_t)snprintf(p + len, cap - len, "%s%u",
		                        i == 0 ? "" : i % 16 ? ", " : ",\n  ",
		                        s[i % 256]);
	len += (size_t)snprintf(p + len, cap - len, ");\n?>\n");
	assert_true(len < cap);
	return p;
}

static void test_zeus(void **state)
{
	unsigned char s[256];
	json_t *recs, *learned, *r;
	char *php;

	(void)state;
	rc4_ksa("kN9#q'2!Lr", 10, s);
	php = zeus_php(s, 256);
	assert_int_equal(run("config.php", php, strlen(php), &recs, &learned), 1);
	assert_int_equal(json_array_size(recs), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "family"), "zeus");
	assert_string_equal(str(r, "extractor"), NAME);
	assert_string_equal(str(r, "kind"), "panel-config");
	assert_string_equal(str(r, "status"), "decoded");
	assert_string_equal(str(r, "controller.panel"), "zeus");
	assert_int_equal(json_array_size(at(r, "credentials")), 1);
	assert_string_equal(str(r, "credentials.0.service"), "mysql");
	assert_string_equal(str(r, "credentials.0.host"), "127.0.0.1");
	assert_string_equal(str(r, "credentials.0.username"), "cpuser");
	assert_string_equal(str(r, "credentials.0.password"), "Pa'ss\\word");
	assert_string_equal(str(r, "credentials.0.database"), "cpdb");
	assert_string_equal(str(r, "keys.0.algorithm"), "rc4");
	assert_string_equal(str(r, "keys.0.usage"), "panel-crypt");
	assert_string_equal(str(r, "keys.0.value"), "kN9#q'2!Lr");
	assert_null(at(r, "keys.1"));
	assert_string_equal(str(r, "other.botnet_cryptkey_bs"),
	                    "matches botnet_cryptkey");
	assert_string_equal(str(r, "paths.0"), "_reports");
	assert_string_equal(str(r, "intervals.0.name"), "botnet_timeout");
	assert_int_equal(json_integer_value(at(r, "intervals.0.seconds")), 1500);
	assert_int_equal(json_integer_value(at(r, "other.reports_to_db")), 1);
	assert_int_equal(json_integer_value(at(r, "other.reports_to_fs")), 0);
	assert_null(at(r, "problems"));
	/* the crypt key is learned for what the bots sent */
	assert_int_equal(json_array_size(learned), 1);
	assert_string_equal(str(learned, "0.kind"), "key");
	assert_string_equal(str(learned, "0.algorithm"), "rc4");
	assert_string_equal(str(learned, "0.usage"), "panel-crypt");
	assert_string_equal(str(learned, "0.value"), "kN9#q'2!Lr");
	json_decref(recs);
	json_decref(learned);
	free(php);
}

/* The twin whose schedule is not the key's (two entries swapped), and one
 * that holds 255 integers: a problem each, the schedule kept as a key of
 * its own when it is a whole RC4 state. */
static void test_zeus_wrong_schedule(void **state)
{
	unsigned char s[256], t;
	json_t *recs, *learned, *r;
	char *php;

	(void)state;
	rc4_ksa("kN9#q'2!Lr", 10, s);
	t = s[7];
	s[7] = s[200];
	s[200] = t;
	php = zeus_php(s, 256);
	assert_int_equal(run("config.php", php, strlen(php), &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_string_equal(str(r, "other.botnet_cryptkey_bs"),
	                    "does not match botnet_cryptkey");
	assert_true(has_problem(r, "not the RC4 key schedule of botnet_cryptkey"));
	assert_string_equal(str(r, "keys.0.value"), "kN9#q'2!Lr");
	assert_string_equal(str(r, "keys.1.algorithm"), "rc4-state");
	assert_string_equal(str(r, "keys.1.encoding"), "hex");
	assert_int_equal(strlen(str(r, "keys.1.value")), 512);
	/* the schedule is what the panel decrypts with: learned too */
	assert_int_equal(json_array_size(learned), 2);
	assert_string_equal(str(learned, "1.algorithm"), "rc4-state");
	json_decref(recs);
	json_decref(learned);
	free(php);

	php = zeus_php(s, 255);
	assert_int_equal(run("config.php", php, strlen(php), &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_string_equal(str(r, "other.botnet_cryptkey_bs"), "malformed");
	assert_true(has_problem(r, "255 integers"));
	assert_null(at(r, "keys.1"));
	json_decref(recs);
	json_decref(learned);
	free(php);
}

static const char generic_define[] =
	"<?php\n"
	"/* Panel settings */\n"
	"define('DB_HOST', 'db.panel.example:3307');\n"
	"define(\"DB_USER\", \"panel\");\n"
	"define('DB_PASS', 'p4' . \"ss\\x21\");   // kept as written\n"
	"define( 'db_name' , 'botdb' );\n"
	"define('PASSWORD', 'admin-secret');\n"
	"define('CRYPT_KEY', 'Xk8#22');\n"
	"define('RC4_KEY', 'b0tn3t');\n"
	"define('LOGS_DIR', '/var/www/panel/logs/');\n"
	"define('KNOCK_INTERVAL_MIN', 20);\n"
	"define('SMTP_HOST', 'mail.example');\n"
	"define('SMTP_USER', 'spam@mail.example');\n"
	"define('SMTP_PASS', 'mailpw');\n"
	"# unused: define('DB_HOST', 'commented.example');\n"
	"?>\n"
	"<html>define('DB_USER', 'not php');</html>\n";

static void test_generic_define(void **state)
{
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("config.php", generic_define, strlen(generic_define),
	                     &recs, &learned), 1);
	assert_int_equal(json_array_size(recs), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "family"), "generic");
	assert_string_equal(str(r, "controller.panel"), "generic");
	assert_string_equal(str(r, "status"), "decoded");
	assert_int_equal(json_array_size(at(r, "credentials")), 2);
	assert_string_equal(str(r, "credentials.0.service"), "mysql");
	assert_string_equal(str(r, "credentials.0.host"), "db.panel.example");
	assert_int_equal(json_integer_value(at(r, "credentials.0.port")), 3307);
	assert_string_equal(str(r, "credentials.0.username"), "panel");
	assert_string_equal(str(r, "credentials.0.password"),
	                    "'p4' . \"ss\\x21\"");
	assert_string_equal(str(r, "credentials.0.database"), "botdb");
	assert_string_equal(str(r, "credentials.1.service"), "smtp");
	assert_string_equal(str(r, "credentials.1.host"), "mail.example");
	assert_string_equal(str(r, "credentials.1.username"), "spam@mail.example");
	assert_string_equal(str(r, "credentials.1.password"), "mailpw");
	assert_string_equal(str(r, "keys.0.value"), "Xk8#22");
	assert_string_equal(str(r, "keys.0.algorithm"), "unknown");
	assert_string_equal(str(r, "keys.1.value"), "b0tn3t");
	assert_string_equal(str(r, "keys.1.algorithm"), "rc4");
	assert_string_equal(str(r, "paths.0"), "/var/www/panel/logs/");
	assert_string_equal(str(r, "intervals.0.name"), "KNOCK_INTERVAL_MIN");
	assert_int_equal(json_integer_value(at(r, "intervals.0.seconds")), 1200);
	/* a setting of no known kind is kept under its name */
	assert_string_equal(str(r, "other.PASSWORD"), "admin-secret");
	assert_null(at(r, "problems"));
	/* a key of a known algorithm is learned, one of no known one is not */
	assert_int_equal(json_array_size(learned), 1);
	assert_string_equal(str(learned, "0.value"), "b0tn3t");
	json_decref(recs);
	json_decref(learned);
}

static const char generic_arrays[] =
	"<?\n"
	"// generated\n"
	"$config = array(\n"
	"    'DB' => array(\n"
	"        'Host'     => \"10.0.0.5\",\n"
	"        'port'     => 3306,\n"
	"        'user'     => 'bots',\n"
	"        'password' => \"tab\\there \\$x \\101\\u{263A}\",\n"
	"        'name'     => 'c2',\n"
	"    ),\n"
	"    'timeout' => 30,\n"
	"    'upload_path' => __DIR__ . '/up',\n"
	"    'admin' => ['user' => 'root', 'pass' => 'toor'],\n"
	"    'secret_key' => <<<'EOT'\n"
	"nowdoc-key\n"
	"EOT,\n"
	");\n"
	"$dbhost = 'localhost'; $dbuser = 'u2'; $dbpass = '';\n"
	"return [\n"
	"  'database' => ['hostname' => 'sql.example', 'username' => 'r',\n"
	"                 'password' => 'rpw', 'dbname' => 'rdb'],\n"
	"];\n";

static void test_generic_arrays(void **state)
{
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("settings.inc.php", generic_arrays,
	                     strlen(generic_arrays), &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "decoded");
	assert_int_equal(json_array_size(at(r, "credentials")), 3);
	assert_string_equal(str(r, "credentials.0.service"), "mysql");
	assert_string_equal(str(r, "credentials.0.host"), "10.0.0.5");
	assert_int_equal(json_integer_value(at(r, "credentials.0.port")), 3306);
	assert_string_equal(str(r, "credentials.0.username"), "bots");
	assert_string_equal(str(r, "credentials.0.password"),
	                    "tab\there $x A\xe2\x98\xba");
	assert_string_equal(str(r, "credentials.0.database"), "c2");
	/* $dbhost, $dbuser, $dbpass: an empty password is a password */
	assert_string_equal(str(r, "credentials.1.host"), "localhost");
	assert_string_equal(str(r, "credentials.1.username"), "u2");
	assert_string_equal(str(r, "credentials.1.password"), "");
	assert_string_equal(str(r, "credentials.2.host"), "sql.example");
	assert_string_equal(str(r, "credentials.2.database"), "rdb");
	assert_int_equal(json_integer_value(at(r, "intervals.0.seconds")), 30);
	assert_string_equal(str(r, "intervals.0.name"), "$config['timeout']");
	assert_string_equal(str(r, "paths.0"), "__DIR__ . '/up'");
	assert_string_equal(str(r, "keys.0.value"), "nowdoc-key");
	/* the panel's own login is no database's: kept as settings */
	assert_string_equal(str(r, "other.$config['admin']['pass']"), "toor");
	assert_null(at(r, "problems"));
	json_decref(recs);
	json_decref(learned);
}

/* A panel's list of C&C servers and its gate: endpoints, not settings;
 * a database's server stays a credential, a word no host. */
static void test_c2_lists(void **state)
{
	static const char php[] =
		"<?php\n"
		"$db_host = 'localhost';\n"
		"$db_user = 'panel';\n"
		"$db_pass = 'pw';\n"
		"$cnc_servers = array('update.example.net', '203.0.113.17:8080',\n"
		"                     'not-a-host');\n"
		"define('GATE_URL', 'http://cdn-check.example.org/gate.php');\n"
		"$config['reserve_domains'] = ['backup.example.com'];\n"
		"$title = 'www.example.com';\n";
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("config.php", php, strlen(php), &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_int_equal(json_array_size(at(r, "credentials")), 1);
	assert_int_equal(json_array_size(at(r, "c2")), 4);
	assert_string_equal(str(r, "c2.0.host"), "update.example.net");
	assert_string_equal(str(r, "c2.0.usage"), "c2");
	assert_string_equal(str(r, "c2.1.host"), "203.0.113.17");
	assert_int_equal(json_integer_value(at(r, "c2.1.port")), 8080);
	assert_string_equal(str(r, "c2.2.url"),
	                    "http://cdn-check.example.org/gate.php");
	assert_string_equal(str(r, "c2.2.usage"), "report");
	assert_string_equal(str(r, "c2.3.host"), "backup.example.com");
	/* a word is no endpoint; a setting named otherwise is no C&C */
	assert_string_equal(json_string_value(json_object_get(at(r, "other"),
	                                       "$cnc_servers['2']")), "not-a-host");
	assert_string_equal(str(r, "other.$title"), "www.example.com");
	json_decref(recs);
	json_decref(learned);
}

/* Files that are not a panel's configuration. */
static void test_not_panel(void **state)
{
	static const char code[] = "<?php\necho 'hello';\n";
	static const char mention[] = "<?php\n// set db_host in config.php\n"
	                              "$x = 1;\n";
	json_t *recs, *learned;

	(void)state;
	assert_int_equal(run("index.php", code, strlen(code), &recs, &learned), 0);
	json_decref(recs);
	json_decref(learned);
	assert_int_equal(run("notes.txt", generic_define, strlen(generic_define),
	                     &recs, &learned), 0);
	json_decref(recs);
	json_decref(learned);
	/* identified by a word in a comment, but nothing in it: no record */
	assert_int_equal(run("x.php", mention, strlen(mention), &recs, &learned),
	                 1);
	assert_int_equal(json_array_size(recs), 0);
	json_decref(recs);
	json_decref(learned);
}

/* Hostile twins: each gives a clear record, never a crash or a hang. */
static void test_hostile(void **state)
{
	static const char open_string[] = "<?php\ndefine('DB_HOST', 'h');\n"
	                                  "define('DB_PASS', 'never closed);\n";
	static const char open_comment[] = "<?php\n$db_host = 'h'; $db_pass = 'p';"
	                                   "\n/* never closed\n";
	static const char open_heredoc[] = "<?php\n$db_host = 'h';\n"
	                                   "$db_pass = <<<EOT\nno end\n";
	static const char bad_utf8[] = "<?php\n$db_host = '\xff\xfe\x80h';\n"
	                               "$db_pass = \"\\xff\";\n";
	/* a NUL byte and a stray brace where values go */
	static const char stray[] = "<?php\n$config = array('db_host' => 'h', "
	                            "\0\5, }, 'db_user' => 'u');\n";
	size_t n = 10000, i, len = 0;
	size_t cap = n * 8 + 200;
	char *deep = malloc(cap);
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("c.php", open_string, strlen(open_string), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "string"));
	assert_string_equal(str(r, "credentials.0.host"), "h");
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("c.php", open_comment, strlen(open_comment), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "comment"));
	assert_string_equal(str(r, "credentials.0.password"), "p");
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("c.php", open_heredoc, strlen(open_heredoc), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "heredoc"));
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("c.php", bad_utf8, strlen(bad_utf8), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "credentials.0.host"), "\\xff\\xfe\\x80h");
	assert_string_equal(str(r, "credentials.0.password"), "\\xff");
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("c.php", stray, sizeof stray - 1, &recs, &learned),
	                 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "credentials.0.host"), "h");
	assert_string_equal(str(r, "credentials.0.username"), "u");
	json_decref(recs);
	json_decref(learned);

	/* arrays nested 10,000 deep around the credentials */
	assert_non_null(deep);
	appendf(deep, cap, &len, "<?php\n$db_pass = 'x'; $db_host = ");
	for (i = 0; i < n; i++)
		appendf(deep, cap, &len, "array(");
	appendf(deep, cap, &len, "'h'");
	for (i = 0; i < n; i++)
		deep[len++] = ')';
	appendf(deep, cap, &len, ";\n$db_user = 'u';\n");
	assert_int_equal(run("c.php", deep, len, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "nested deeper"));
	assert_string_equal(str(r, "credentials.0.username"), "u");
	json_decref(recs);
	json_decref(learned);
	free(deep);
}

/* A file said to be 1 GiB, made as it is read: settings, then a comment
 * that never ends.  Only CUST_X_WHOLE_MAX bytes of it are read. */
struct huge {
	uint64_t size, furthest;
};

static const char huge_head[] = "<?php\ndefine('DB_HOST', 'h');\n"
                                "define('DB_PASS', 'p');\n/*";

static long huge_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct huge *h = ctx;
	size_t i;

	if (off >= h->size)
		return 0;
	if (len > h->size - off)
		len = (size_t)(h->size - off);
	for (i = 0; i < len; i++)
		((char *)buf)[i] = off + i < sizeof huge_head - 1
		                   ? huge_head[off + i] : 'x';
	if (off + len > h->furthest)
		h->furthest = off + len;
	return (long)len;
}

static void test_huge(void **state)
{
	struct huge h = { 1ull << 30, 0 };
	unsigned char head[CUST_X_HEAD];
	struct cust_x_input in = { 0 };
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(huge_pread(&h, head, sizeof head, 0), (long)sizeof head);
	in.head = head;
	in.head_len = sizeof head;
	in.size = h.size;
	in.pread = huge_pread;
	in.pctx = &h;
	assert_int_equal(run_input(&in, "config.php", &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "first 16777216 bytes"));
	assert_string_equal(str(r, "credentials.0.password"), "p");
	assert_true(h.furthest <= CUST_X_WHOLE_MAX);
	json_decref(recs);
	json_decref(learned);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeus),
		cmocka_unit_test(test_zeus_wrong_schedule),
		cmocka_unit_test(test_generic_define),
		cmocka_unit_test(test_generic_arrays),
		cmocka_unit_test(test_c2_lists),
		cmocka_unit_test(test_not_panel),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_huge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
