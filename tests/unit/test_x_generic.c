/* test_x_generic.c - IRC bot configurations (irc-bot-config) and generic
 * C&C configuration files (generic-c2-config): an rxBot-style configs.h
 * and an INI-style IRC config; an INI, a JSON, an XML and a YAML C&C
 * configuration; ordinary configuration files of a Linux server that must
 * not be claimed; and hostile twins. */
#include "xtest.h"


static int has_item(const json_t *rec, const char *path, const char *value)
{
	const json_t *a = at(rec, path);
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		if (json_is_string(json_array_get(a, i)) &&
		    strcmp(json_string_value(json_array_get(a, i)), value) == 0)
			return 1;
	return 0;
}

/* The c2 entry of REC whose host or url is VALUE, or NULL. */
static const json_t *c2(const json_t *rec, const char *value)
{
	const json_t *a = json_object_get(rec, "c2");
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		const char *h = str(e, "host"), *u = str(e, "url");
		if ((h && strcmp(h, value) == 0) || (u && strcmp(u, value) == 0))
			return e;
	}
	return NULL;
}

/* The key of REC of USAGE, or NULL. */
static const char *key_of(const json_t *rec, const char *usage)
{
	const json_t *a = json_object_get(rec, "keys");
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		if (strcmp(str(json_array_get(a, i), "usage"), usage) == 0)
			return str(json_array_get(a, i), "value");
	return NULL;
}

/* ---- IRC bots ----------------------------------------------------------- */

/* configs.h as rxBot's builders leave it: the strings encrypted by Crypt()
 * under #ifndef NO_CRYPT, in the clear under #else. */
static const char rxbot[] =
	"// bot configuration (generic) - doesn't need to be changed\n"
	"int port = 6667;\t\t\t\t// server port\n"
	"int port2 = 7000;\t\t\t\t// backup server port\n"
	"BOOL topiccmd = TRUE;\n"
	"char prefix = '.';\n"
	"\n"
	"#ifndef NO_CRYPT // Only use encrypted strings or your binary will not be secure!!\n"
	"char botid[] = \"\\x57\\x59\\x99\\x4F\\x08\";\n"
	"char server[] = \"\\x12\\x1A\\xD4\\x16\\x4A\\xD4\\xF9\";\n"
	"char channel[] = \"\\x07\\x7F\\xB7\\x66\";\n"
	"#else  // Recommended to use this only for Crypt() setup, this is unsecure.\n"
	"char botid[] = \"rx01\";\t\t\t\t// bot id\n"
	"char version[] = \"[rxBot v0.7.7]\";\t\t// Bots !version reply\n"
	"char password[] = \"letmein\";\t\t\t// bot password\n"
	"char server[] = \"irc.botlab-test.net\";\t// server\n"
	"char serverpass[] = \"srvpw\";\t\t\t// server password\n"
	"char channel[] = \"#rxlab\";\t\t\t// channel that the bot should join\n"
	"char chanpass[] = \"chankey1\";\t\t\t// channel password\n"
	"char server2[] = \"irc2.botlab-test.net\";\t// backup server (optional)\n"
	"char channel2[] = \"#rxlab2\";\t\t\t// backup channel (optional)\n"
	"char chanpass2[] = \"\";\t\t\t\t// backup channel password (optional)\n"
	"char filename[] = \"wuamgrd.exe\";\t\t// destination file name\n"
	"char keylogfile[] = \"keys.txt\";\t\t// keylog filename\n"
	"char valuename[] = \"Microsoft Update\";\t// value name for autostart\n"
	"char nickconst[] = \"rx-\";\t\t\t// first part to the bot's nick\n"
	"char szLocalPayloadFile[]=\"msconfig.dat\";\t// Payload filename\n"
	"char modeonconn[] = \"-x+B\";\n"
	"char exploitchan[] = \"#rxexp\";\n"
	"#endif\n"
	"// char server[] = \"decoy.example.com\";\n"
	"/* char channel[] = \"#decoy\"; */\n"
	"char *authost[] = {\"*@*.botlab-test.net\", \"\\0\"};\n";

static void test_irc_rxbot(void **state)
{
	struct result r;
	json_t *rec;
	const json_t *e;
	char *dump;

	(void)state;
	r = run("irc-bot-config", "configs.h", rxbot, strlen(rxbot), NULL);
	assert_int_equal(r.identified, 1);
	assert_int_equal(json_array_size(r.records), 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "family"), "irc-bot");
	assert_string_equal(str(rec, "extractor"), "irc-bot-config");
	assert_string_equal(str(rec, "kind"), "config");
	/* the strings Crypt() encrypted are said to be there, not decoded */
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "not text"));
	assert_int_equal(json_array_size(at(rec, "c2")), 2);
	e = c2(rec, "irc.botlab-test.net");
	assert_non_null(e);
	assert_int_equal(num(e, "port"), 6667);
	assert_string_equal(str(e, "protocol"), "irc");
	assert_string_equal(str(e, "usage"), "c2");
	e = c2(rec, "irc2.botlab-test.net");
	assert_non_null(e);
	assert_int_equal(num(e, "port"), 7000);
	assert_string_equal(key_of(rec, "irc-channel"), "chankey1");
	assert_string_equal(key_of(rec, "bot-command"), "letmein");
	assert_string_equal(str(rec, "credentials.0.service"), "irc");
	assert_string_equal(str(rec, "credentials.0.host"), "irc.botlab-test.net");
	assert_int_equal(num(rec, "credentials.0.port"), 6667);
	assert_string_equal(str(rec, "credentials.0.password"), "srvpw");
	assert_string_equal(str(rec, "other.channels.0.name"), "#rxlab");
	assert_string_equal(str(rec, "other.channels.0.key"), "chankey1");
	assert_string_equal(str(rec, "other.channels.1.name"), "#rxlab2");
	assert_null(at(rec, "other.channels.1.key"));
	assert_string_equal(str(rec, "other.bot_id"), "rx01");
	assert_string_equal(str(rec, "other.nick"), "rx-");
	assert_string_equal(str(rec, "other.host_masks.0"), "*@*.botlab-test.net");
	assert_int_equal(json_array_size(at(rec, "other.host_masks")), 1);
	assert_string_equal(str(rec, "other.exploitchan"), "#rxexp");
	assert_string_equal(str(rec, "other.valuename"), "Microsoft Update");
	assert_string_equal(str(rec, "version"), "[rxBot v0.7.7]");
	assert_true(has_item(rec, "paths", "wuamgrd.exe"));
	assert_true(has_item(rec, "paths", "keys.txt"));
	assert_true(has_item(rec, "paths", "msconfig.dat"));
	dump = json_dumps(rec, 0);
	assert_null(strstr(dump, "decoy"));
	free(dump);
	done(&r);

	/* the generic extractor leaves it to the IRC one */
	r = run("generic-c2-config", "configs.h", rxbot, strlen(rxbot), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
}

static void test_irc_ini(void **state)
{
	static const char ini[] =
		"[irc]\n"
		"server=irc.example-bots.com:6697\n"
		"channel=#bots\n"
		"chankey=s3cret\n"
		"nick=bot-%d\n"
		"[irc2]\n"
		"server = 198.51.100.66\n"
		"port = 7777\n"
		"channel = &ops\n";
	struct result r;
	json_t *rec;

	(void)state;
	r = run("irc-bot-config", "bot.ini", ini, strlen(ini), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_int_equal(num(c2(rec, "irc.example-bots.com"), "port"), 6697);
	assert_int_equal(num(c2(rec, "198.51.100.66"), "port"), 7777);
	assert_string_equal(key_of(rec, "irc-channel"), "s3cret");
	assert_string_equal(str(rec, "other.channels.0.name"), "#bots");
	assert_string_equal(str(rec, "other.channels.1.name"), "&ops");
	assert_string_equal(str(rec, "other.nick"), "bot-%d");
	done(&r);
}

/* ---- generic C&C configurations -------------------------------------------- */

static void test_generic_ini(void **state)
{
	static const char ini[] =
		"; bot settings\n"
		"[main]\n"
		"c2_server = http://panel.botlab-test.com/gate.php ; primary\n"
		"backup_server = 203.0.113.50:8443\n"
		"encryption_key = \"0123456789abcdef\"\n"
		"sleep_interval = 300\n"
		"timeout_ms = 5000\n"
		"jitter = 20\n"
		"install_dir = %APPDATA%\\svc\n"
		"language = en\n"
		"[proxy]\n"
		"host = proxy.botlab-test.com\n"
		"port = 3128\n"
		"[database]\n"
		"host = localhost\n"
		"user = bot\n"
		"password = dbpw\n";
	struct result r;
	json_t *rec;
	const json_t *e;

	(void)state;
	r = run("generic-c2-config", "settings.ini", ini, strlen(ini), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "family"), "generic");
	assert_string_equal(str(rec, "extractor"), "generic-c2-config");
	assert_string_equal(str(rec, "status"), "decoded");
	e = c2(rec, "http://panel.botlab-test.com/gate.php");
	assert_non_null(e);
	assert_string_equal(str(e, "usage"), "c2");
	e = c2(rec, "203.0.113.50");
	assert_non_null(e);
	assert_int_equal(num(e, "port"), 8443);
	e = c2(rec, "proxy.botlab-test.com");
	assert_non_null(e);
	assert_string_equal(str(e, "usage"), "proxy");
	assert_int_equal(num(e, "port"), 3128);
	/* localhost is nobody's C&C */
	assert_null(c2(rec, "localhost"));
	assert_string_equal(str(rec, "keys.0.value"), "0123456789abcdef");
	/* an interval whose unit is written is one; a bare number is kept as
	 * it is written */
	assert_string_equal(str(rec, "intervals.0.name"), "timeout_ms");
	assert_int_equal(num(rec, "intervals.0.seconds"), 5);
	assert_string_equal(str(rec, "other.sleep_interval"), "300");
	assert_string_equal(str(rec, "other.jitter"), "20");
	assert_string_equal(str(rec, "credentials.0.username"), "bot");
	assert_string_equal(str(rec, "credentials.0.password"), "dbpw");
	assert_string_equal(str(rec, "credentials.0.service"), "database");
	/* keys that name nothing of a C&C are left */
	assert_null(at(rec, "other.language"));
	done(&r);
}

static void test_generic_json(void **state)
{
	static const char js[] =
		"{\n"
		"  \"botnet\": \"lab7\",\n"
		"  \"c2\": {\"hosts\": [\"cnc1.botlab-test.com\", \"198.51.100.23\"],"
		" \"port\": 443, \"path\": \"/api/v2\"},\n"
		"  \"urls\": {\"panel\": \"https://admin.botlab-test.com/login\",\n"
		"           \"update\": \"http://dl.botlab-test.com/upd.bin\"},\n"
		"  \"rc4_key\": \"k3y!\",\n"
		"  \"sleep\": \"30s\",\n"
		"  \"mutex\": \"Global\\\\lab7mtx\",\n"
		"  \"readme\": \"see https://docs.example.org/\"\n"
		"}\n";
	struct result r;
	json_t *rec;
	const json_t *e;

	(void)state;
	r = run("generic-c2-config", "config.json", js, strlen(js), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(rec, "botnet"), "lab7");
	e = c2(rec, "cnc1.botlab-test.com");
	assert_non_null(e);
	assert_int_equal(num(e, "port"), 443);
	assert_string_equal(str(e, "usage"), "c2");
	e = c2(rec, "198.51.100.23");
	assert_non_null(e);
	assert_int_equal(num(e, "port"), 443);
	assert_string_equal(str(c2(rec, "https://admin.botlab-test.com/login"),
	                        "usage"), "panel");
	assert_string_equal(str(c2(rec, "http://dl.botlab-test.com/upd.bin"),
	                        "usage"), "download");
	assert_null(c2(rec, "https://docs.example.org/"));
	assert_string_equal(str(rec, "keys.0.algorithm"), "rc4");
	assert_string_equal(str(rec, "keys.0.value"), "k3y!");
	assert_string_equal(str(rec, "intervals.0.name"), "sleep");
	assert_int_equal(num(rec, "intervals.0.seconds"), 30);
	assert_string_equal(str(rec, "mutexes.0"), "Global\\lab7mtx");
	/* a key of a known algorithm is learned, for what it may open */
	assert_int_equal(json_array_size(r.learned), 1);
	assert_string_equal(str(r.learned, "0.algorithm"), "rc4");
	assert_string_equal(str(r.learned, "0.value"), "k3y!");
	done(&r);
}

static void test_generic_xml_yaml(void **state)
{
	static const char xml[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<configuration>\n"
		"  <!-- <add key=\"ServerUrl\" value=\"http://decoy.example.com/\" /> -->\n"
		"  <appSettings>\n"
		"    <add key=\"ServerUrl\" value=\"http://gate.botlab-test.org/submit.php\" />\n"
		"    <add key=\"Interval\" value=\"60000\" />\n"
		"  </appSettings>\n"
		"  <bot>\n"
		"    <cnc>cnc.botlab-test.org</cnc>\n"
		"    <port>8080</port>\n"
		"    <key>&lt;k&amp;y&gt;</key>\n"
		"    <fallback><![CDATA[http://fb.botlab-test.org/x?a=1&b=2]]></fallback>\n"
		"  </bot>\n"
		"</configuration>\n";
	static const char yaml[] =
		"# agent\n"
		"c2:\n"
		"  host: cnc.botlab-test.net\n"
		"  port: 4443\n"
		"  backups:\n"
		"    - bk1.botlab-test.net\n"
		"    - bk2.botlab-test.net\n"
		"beacon:\n"
		"  sleep: 10s\n"
		"  jitter: 15\n";
	struct result r;
	json_t *rec;
	char *dump;

	(void)state;
	r = run("generic-c2-config", "App.config", xml, strlen(xml), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(c2(rec, "http://gate.botlab-test.org/submit.php"),
	                        "usage"), "c2");
	assert_int_equal(num(c2(rec, "cnc.botlab-test.org"), "port"), 8080);
	assert_non_null(c2(rec, "http://fb.botlab-test.org/x?a=1&b=2"));
	assert_string_equal(str(rec, "keys.0.value"), "<k&y>");
	assert_string_equal(str(rec, "other.Interval"), "60000");
	dump = json_dumps(rec, 0);
	assert_null(strstr(dump, "decoy"));
	free(dump);
	done(&r);

	r = run("generic-c2-config", "agent.yml", yaml, strlen(yaml), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(c2(rec, "cnc.botlab-test.net"), "port"), 4443);
	assert_non_null(c2(rec, "bk1.botlab-test.net"));
	assert_non_null(c2(rec, "bk2.botlab-test.net"));
	assert_int_equal(num(rec, "intervals.0.seconds"), 10);
	done(&r);
}

/* What a Linux server holds in /etc and elsewhere: none of it is claimed,
 * by either extractor. */
static void test_not_claimed(void **state)
{
	static const struct {
		const char *name, *text;
	} files[] = {
		{ "sshd_config", "Port 22\nListenAddress 0.0.0.0\n"
		                 "HostKey /etc/ssh/ssh_host_rsa_key\n"
		                 "PasswordAuthentication no\n" },
		{ "resolv.conf", "nameserver 192.0.2.53\nsearch example.com\n" },
		{ "my.cnf", "[client]\nhost = db.example.com\nport = 3306\n"
		            "user = app\npassword = secret\n" },
		{ "ntp.conf", "server 0.debian.pool.ntp.org iburst\n"
		              "server 1.debian.pool.ntp.org iburst\n" },
		{ "wgetrc", "http_proxy = http://proxy.example.com:3128/\n"
		            "use_proxy = on\ntimeout = 60\n" },
		{ "main.cf", "myhostname = mail.example.com\n"
		             "relayhost = [smtp.example.com]:587\n"
		             "smtpd_tls_cert_file = /etc/ssl/certs/x.pem\n" },
		{ "package.json", "{\"name\": \"x\", \"homepage\": "
		                  "\"https://example.com\", \"repository\": "
		                  "{\"url\": \"https://github.com/x/y\"}}" },
		{ "sources.list", "deb http://deb.debian.org/debian bookworm main\n" },
		{ "irssi.conf", "servers = ( { address = \"irc.libera.chat\"; "
		                "port = \"6697\"; } );\nchannels = ( { name = "
		                "\"#debian\"; chatnet = \"liberachat\"; } );\n" },
		{ "php.ini", "[mail function]\nSMTP = localhost\nsmtp_port = 25\n"
		             "[Session]\nsession.gc_maxlifetime = 1440\n" },
		/* words that let identify look closer, and no C&C */
		{ "eth0.nmconnection", "[connection]\nid=eth0\ntype=ethernet\n"
		                       "[ipv4]\naddress1=192.0.2.10/24\n"
		                       "gateway=192.0.2.1\ndns=192.0.2.53;\n"
		                       "method=manual\n" },
		{ "client.ovpn", "client\nremote vpn.example.com 1194\n"
		                 "cipher AES-256-CBC\nauth SHA256\n" },
		{ "sleep.conf", "[Sleep]\nAllowSuspend=yes\n"
		                "HibernateDelaySec=180min\n" },
		{ "proxy.conf", "# the office proxy\nproxy_host = "
		                "proxy.example.com\nproxy_port = 3128\n"
		                "connect_timeout = 10s\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct result r = run("generic-c2-config", files[i].name,
		                      files[i].text, strlen(files[i].text), NULL);
		if (r.identified)
			fail_msg("generic-c2-config claims %s", files[i].name);
		done(&r);
		r = run("irc-bot-config", files[i].name, files[i].text,
		        strlen(files[i].text), NULL);
		if (r.identified)
			fail_msg("irc-bot-config claims %s", files[i].name);
		done(&r);
	}
}

/* Hostile twins: JSON nested 100,000 deep, invalid UTF-8, an XML document
 * that never closes, 10,000 keys, a line of 1 GiB made as it is read, and
 * a configuration whose one server is no host. */
static void test_hostile(void **state)
{
	size_t n = 100000, i, len;
	size_t cap = 2 * n + 256;
	char *deep = malloc(cap);
	static const char utf8[] =
		"{\"c2\": \"http://cnc.botlab-test.com/\xff\xfe\", "
		"\"key\": \"\xc3\x28\"}";
	static const char open_xml[] =
		"<cfg><cnc>cnc.botlab-test.org</cnc><port>80</port><a><b><c";
	static const char nohost[] = "[bot]\nc2_server = not a host\n"
	                             "sleep = 5\n";
	char *many;
	struct lazy z;
	struct result r;
	json_t *rec;

	(void)state;
	assert_non_null(deep);
	len = 0;
	appendf(deep, cap, &len, "{\"c2\": \"http://cnc.botlab-test.com/\", "
	                         "\"x\": ");
	for (i = 0; i < n; i++)
		deep[len++] = '[';
	for (i = 0; i < n; i++)
		deep[len++] = ']';
	deep[len++] = '}';
	r = run("generic-c2-config", "c.json", deep, len, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "deeper"));
	assert_non_null(c2(rec, "http://cnc.botlab-test.com/"));
	done(&r);
	free(deep);

	r = run("generic-c2-config", "c.json", utf8, strlen(utf8), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_non_null(c2(rec, "http://cnc.botlab-test.com/\\xff\\xfe"));
	assert_string_equal(str(rec, "keys.0.value"), "\\xc3(");
	done(&r);

	r = run("generic-c2-config", "c.xml", open_xml, strlen(open_xml), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(c2(rec, "cnc.botlab-test.org"), "port"), 80);
	done(&r);

	r = run("generic-c2-config", "c.ini", nohost, strlen(nohost), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);

	/* 10,000 keys: bounded */
	many = malloc(10000 * 48 + 64);
	assert_non_null(many);
	len = 0;
	appendf(many, 10000 * 48 + 64, &len, "[bot]\nc2 = cnc.botlab-test.com\n");
	for (i = 0; i < 10000; i++)
		appendf(many, 10000 * 48 + 64, &len,
		        "server%zu = s%zu.botlab-test.com\n", i, i);
	r = run("generic-c2-config", "c.ini", many, len, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "more than"));
	assert_true(json_array_size(at(rec, "c2")) < 10000);
	done(&r);
	free(many);

	/* one line of 1 GiB after a C&C, made as it is read */
	z.head = "c2_server = http://cnc.botlab-test.com/\nnote = ";
	z.head_len = strlen(z.head);
	z.size = 1ull << 30;
	z.fill = 'x';
	r = run_lazy("generic-c2-config", "c.ini", &z, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "first"));
	assert_non_null(c2(rec, "http://cnc.botlab-test.com/"));
	done(&r);

	/* an IRC config of 1 GiB: a channel name that never ends */
	z.head = "server=irc.botlab-test.net\nchannel=#";
	z.head_len = strlen(z.head);
	r = run_lazy("irc-bot-config", "bot.ini", &z, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_non_null(c2(rec, "irc.botlab-test.net"));
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_irc_rxbot),
		cmocka_unit_test(test_irc_ini),
		cmocka_unit_test(test_generic_ini),
		cmocka_unit_test(test_generic_json),
		cmocka_unit_test(test_generic_xml_yaml),
		cmocka_unit_test(test_not_claimed),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
