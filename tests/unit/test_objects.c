/* test_objects.c - the copy policy, files of interest on real samples,
 * and the content-addressed store. */
#include "testutil.h"

#include <ctype.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>

#include <magic.h>

#include "custody/objects.h"

/* ---- helpers ------------------------------------------------------------ */

/* Run the shell command built from FMT; its exit status. */
static int sh(const char *fmt, ...) CUST_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
	char cmd[3 * CUST_PATH_MAX];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof cmd);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static int have(const char *tool)
{
	return sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

/* The hex SHA-256 of PATH's content, read with stdio. */
static void sha256_of_file(const char *path, char hex[65])
{
	size_t len;
	char *data = slurp(path, &len);

	hex_of(CUST_DIGEST_SHA256, data, len, hex);
	free(data);
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return s[n] == '\0';
}

/*
 * Check UNIT/objects holds nothing but <aa>/<sha256> files: folders of two
 * lower-case hex digits, each holding regular files named by 64 of them
 * that begin with the folder's name, mode 0444, whose content hashes to
 * their name.  Returns the number of objects.
 */
static int check_store(const char *unit)
{
	char dir[CUST_PATH_MAX];
	DIR *d;
	struct dirent *de;
	int count = 0;

	join(dir, unit, CUST_OBJECTS_DIR);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char sub[CUST_PATH_MAX];
		struct stat st;
		DIR *sd;
		struct dirent *se;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!is_hex(de->d_name, 2))
			fail_msg("stray entry '%s' in objects/", de->d_name);
		join(sub, dir, de->d_name);
		assert_int_equal(lstat(sub, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		sd = opendir(sub);
		assert_non_null(sd);
		while ((se = readdir(sd)) != NULL) {
			char obj[CUST_PATH_MAX], hex[65];

			if (strcmp(se->d_name, ".") == 0 ||
			    strcmp(se->d_name, "..") == 0)
				continue;
			if (!is_hex(se->d_name, 64) ||
			    strncmp(se->d_name, de->d_name, 2) != 0)
				fail_msg("stray entry '%s/%s' in objects/",
				         de->d_name, se->d_name);
			join(obj, sub, se->d_name);
			assert_int_equal(lstat(obj, &st), 0);
			assert_true(S_ISREG(st.st_mode));
			assert_int_equal(st.st_mode & 07777, 0444);
			sha256_of_file(obj, hex);
			assert_string_equal(hex, se->d_name);
			count++;
		}
		closedir(sd);
	}
	closedir(d);
	return count;
}

/* The path of the object HEX in UNIT. */
static void object_path(char *out, const char *unit, const char *hex)
{
	int n = snprintf(out, CUST_PATH_MAX, "%s/%s/%.2s/%s", unit,
	                 CUST_OBJECTS_DIR, hex, hex);
	assert_true(n > 0 && n < CUST_PATH_MAX);
}

/* A fresh unit folder TMPDIR/NAME. */
static void make_unit(char *unit, const char *name)
{
	tpath(unit, name);
	assert_int_equal(mkdir(unit, 0755), 0);
}

/* ---- the copy policy ---------------------------------------------------- */

static void test_policy_parse(void **state)
{
	static const char *const bad[] = { "", "ALL", "interest ", "some",
	                                   "nonee", "1" };
	enum cust_copy_policy p = CUST_COPY_ALL;
	struct cust_error err;
	size_t i;

	(void)state;
	assert_int_equal(cust_copy_policy_parse("none", &p, NULL), 0);
	assert_int_equal(p, CUST_COPY_NONE);
	assert_int_equal(cust_copy_policy_parse("interest", &p, NULL), 0);
	assert_int_equal(p, CUST_COPY_INTEREST);
	assert_int_equal(cust_copy_policy_parse("all", &p, NULL), 0);
	assert_int_equal(p, CUST_COPY_ALL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = CUST_COPY_INTEREST;
		cust_error_clear(&err);
		assert_int_equal(cust_copy_policy_parse(bad[i], &p, &err), -1);
		assert_int_equal(err.kind, CUST_E_USAGE);
		assert_non_null(strstr(err.message, "copy policy"));
		assert_int_equal(p, CUST_COPY_INTEREST); /* untouched */
	}
	cust_error_clear(&err);
	assert_int_equal(cust_copy_policy_parse(NULL, &p, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	for (i = CUST_COPY_NONE; i <= CUST_COPY_ALL; i++) {
		enum cust_copy_policy want = (enum cust_copy_policy)i;
		const char *name = cust_copy_policy_name(want);
		assert_non_null(name);
		assert_int_equal(cust_copy_policy_parse(name, &p, NULL), 0);
		assert_int_equal(p, want);
	}
	assert_null(cust_copy_policy_name((enum cust_copy_policy)3));
}

/* ---- interest, on real samples ------------------------------------------ */

struct sample {
	const char *file;     /* in TMPDIR, made by the test */
	const char *path;     /* the path it is given in the evidence */
	const char *reason;   /* expected; NULL: not of interest */
};

static magic_t mime_cookie, desc_cookie;
/* What libmagic said of the last sample, for a failure's message. */
static char last_types[512];

/* What libmagic says of FILE (in TMPDIR), then what cust_interest makes
 * of it under the evidence path PATH. */
static const char *interest_of(const char *file, const char *path)
{
	char p[CUST_PATH_MAX], mime[256], desc[256];
	const char *m, *d, *r;
	size_t len;
	char *data;

	tpath(p, file);
	data = slurp(p, &len);
	m = magic_buffer(mime_cookie, data, len);
	assert_non_null(m);
	snprintf(mime, sizeof mime, "%s", m);
	d = magic_buffer(desc_cookie, data, len);
	assert_non_null(d);
	snprintf(desc, sizeof desc, "%s", d);
	free(data);
	r = cust_interest(mime, desc, path);
	snprintf(last_types, sizeof last_types, "%s; %.80s", mime, desc);
	return r;
}

static void check_samples(const struct sample *s, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		const char *r = interest_of(s[i].file, s[i].path);
		if ((r == NULL) != (s[i].reason == NULL) ||
		    (r && strcmp(r, s[i].reason) != 0)) {
			print_message("sample '%s' as '%s' (%s): got %s, "
			              "want %s\n", s[i].file, s[i].path,
			              last_types, r ? r : "(none)",
			              s[i].reason ? s[i].reason : "(none)");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void put_sample(const char *name, const char *text)
{
	char p[CUST_PATH_MAX];

	tpath(p, name);
	write_file(p, text, strlen(text));
}

static void put_sample_bytes(const char *name, const void *data, size_t len)
{
	char p[CUST_PATH_MAX];

	tpath(p, name);
	write_file(p, data, len);
}

static int setup_magic(void **state)
{
	if (setup_tmp(state) != 0)
		return -1;
	mime_cookie = magic_open(MAGIC_MIME_TYPE);
	desc_cookie = magic_open(MAGIC_NONE);
	if (!mime_cookie || !desc_cookie ||
	    magic_load(mime_cookie, NULL) != 0 ||
	    magic_load(desc_cookie, NULL) != 0)
		return -1;
	return 0;
}

static int teardown_magic(void **state)
{
	magic_close(mime_cookie);
	magic_close(desc_cookie);
	return teardown_tmp(state);
}

static const char php_config[] =
	"<?php\n"
	"define('DB_NAME', 'panel');\n"
	"define('DB_USER', 'admin');\n"
	"define('DB_PASSWORD', 'hunter2');\n"
	"$table_prefix = 'wp_';\n";

static const char mysql_dump[] =
	"-- MySQL dump 10.13  Distrib 5.1.49, for debian-linux-gnu (x86_64)\n"
	"--\n"
	"-- Host: localhost    Database: bots\n"
	"-- ------------------------------------------------------\n"
	"DROP TABLE IF EXISTS `bots`;\n"
	"CREATE TABLE `bots` (\n"
	"  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
	"  `ip` varchar(15) NOT NULL,\n"
	"  PRIMARY KEY (`id`)\n"
	") ENGINE=MyISAM;\n"
	"INSERT INTO `bots` VALUES (1,'10.1.2.3');\n";

static const char mbox[] =
	"From bot@example.com Mon Jan  3 12:00:00 2011\n"
	"Return-Path: <bot@example.com>\n"
	"From: bot@example.com\n"
	"To: victim@example.org\n"
	"Subject: Your account\n"
	"Date: Mon, 3 Jan 2011 12:00:00 +0000\n"
	"\n"
	"Click here.\n";

static const char mail_message[] =
	"Return-Path: <bot@example.com>\n"
	"Delivered-To: victim@example.org\n"
	"Received: from mx.example.com by mail.example.org; Mon, 3 Jan 2011\n"
	"From: bot@example.com\n"
	"To: victim@example.org\n"
	"Subject: Your account\n"
	"\n"
	"Click here.\n";

static const char notes[] =
	"Meeting notes\n"
	"Bring the printed forms to the second floor on Tuesday.\n";

static void test_interest_text(void **state)
{
	static const struct sample s[] = {
		/* PHP: a panel's config by its name, any other PHP a script */
		{ "php", "/var/www/html/wp-config.php", "config" },
		{ "php", "/var/www/html/panel/gate.php", "script" },
		{ "php", "/var/www/html/PANEL/Config.PHP", "config" },
		{ "php", "/srv/blob", "script" },
		{ "shell", "/usr/local/bin/update", "script" },
		{ "python", "/opt/bot/run", "script" },
		{ "perl", "/opt/bot/spam", "script" },
		/* a script libmagic cannot type: its name is the hint */
		{ "shell-noshebang", "/root/start.sh", "script" },
		{ "shell-noshebang", "/root/start.txt", NULL },
		/* an SQL dump is plain text to libmagic */
		{ "dump", "/root/backup/bots.sql", "database" },
		{ "dump", "/root/backup/bots.txt", NULL },
		/* configs */
		{ "ini", "/etc/mysql/my.cnf", "config" },
		{ "ini", "/opt/bot/bot.conf", "config" },
		{ "ini", "/opt/bot/settings.ini", "config" },
		{ "ini", "/var/www/.env", "config" },
		{ "ini", "/opt/bot/settings", NULL },
		{ "crontab", "/var/spool/cron/crontabs/root", "config" },
		{ "crontab", "/etc/crontab", "config" },
		{ "crontab", "/etc/cron.d/bot", "config" },
		{ "htpasswd", "/var/www/html/admin/.htpasswd", "key-material" },
		/* mail: spools by their path, messages by their content */
		{ "mbox", "/var/mail/root", "mail" },
		{ "mbox", "/var/spool/mail/www-data", "mail" },
		{ "mbox", "p1/var/mail/root", "mail" },
		{ "mbox", "/home/ops/mbox", "mail" },
		{ "mbox", "/home/ops/Maildir/cur/1294056000.M1P2.mx:2,S",
		  "mail" },
		{ "mbox", "/home/ops/inbox.txt", NULL },
		{ "mbox", "/var/mailman/root", NULL },
		{ "mbox", "/home/ops/new/1.txt", NULL },
		{ "message", "/home/ops/saved", "mail" },
		/* plain text is not of interest, wherever it lies */
		{ "notes", "/home/ops/notes.txt", NULL },
		{ "notes", "/etc/motd", NULL },
		{ "notes", "", NULL },
	};

	(void)state;
	put_sample("php", php_config);
	put_sample("shell", "#!/bin/sh\nwhile true; do ./bot -c bot.conf; "
	                    "sleep 60; done\n");
	put_sample("python", "#!/usr/bin/env python3\nimport socket\n"
	                     "print(socket.gethostname())\n");
	put_sample("perl", "#!/usr/bin/perl\nuse strict;\nprint \"x\\n\";\n");
	put_sample("shell-noshebang", "cd /tmp/.x\nnohup ./bot &\n");
	put_sample("dump", mysql_dump);
	put_sample("ini", "[server]\nhost=10.1.2.3\nport=8080\n");
	put_sample("crontab", "*/5 * * * * /tmp/.x/bot >/dev/null 2>&1\n");
	put_sample("htpasswd", "admin:$apr1$Zk1b8CqS$JhN7mS0oZ3Cdm1E3r6xWk/\n");
	put_sample("mbox", mbox);
	put_sample("message", mail_message);
	put_sample("notes", notes);
	check_samples(s, sizeof s / sizeof s[0]);
}

static void test_interest_binary(void **state)
{
	static const struct sample s[] = {
		{ "elf", "/usr/local/bin/kworker", "executable" },
		{ "elf", "/tmp/.x/settings.conf", "executable" },
		{ "pe", "/var/www/html/files/setup.exe", "executable" },
		{ "macho", "/tmp/payload", "executable" },
		{ "gzip", "/root/panel.tar.gz", "archive" },
		{ "tar", "/root/panel.tar", "archive" },
		{ "sqlite", "/var/lib/panel/bots.dat", "database" },
		{ "myisam", "/var/lib/mysql/bots/bots.MYI", "database" },
		/* a picture is not of interest, even named like a config or
		 * a key: the name is a hint for text only */
		{ "jpeg", "/var/www/html/logo.jpg", NULL },
		{ "jpeg", "/etc/bot.conf", NULL },
		{ "png", "/root/.ssh/id_rsa", NULL },
		{ "png", "/root/dump.sql", NULL },
	};
	static const unsigned char jpeg[] = {
		0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
		0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9
	};
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
		0x90, 0x77, 0x53, 0xde
	};
	unsigned char pe[512] = { 'M', 'Z' }, macho[128] = { 0 },
	              myisam[1024] = { 0xfe, 0xfe, 0x07, 0x01 };

	(void)state;
	/* the smallest PE32 header libmagic takes for one: DOS stub pointing
	 * at "PE\0\0", an i386 COFF header and a PE32 optional header */
	pe[0x3c] = 0x40;
	memcpy(pe + 0x40, "PE\0\0", 4);
	pe[0x44] = 0x4c;        /* machine 0x14c: i386 */
	pe[0x45] = 0x01;
	pe[0x46] = 1;           /* one section */
	pe[0x54] = 0xe0;        /* optional header size */
	pe[0x56] = 0x02;        /* characteristics: executable image */
	pe[0x57] = 0x01;
	pe[0x58] = 0x0b;        /* PE32 magic 0x10b */
	pe[0x59] = 0x01;
	pe[0x58 + 68] = 2;      /* subsystem: GUI */
	/* Mach-O 64-bit x86_64 executable */
	memcpy(macho, "\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00"
	              "\x02\x00\x00\x00", 16);
	put_sample_bytes("pe", pe, sizeof pe);
	put_sample_bytes("macho", macho, sizeof macho);
	put_sample_bytes("myisam", myisam, sizeof myisam);
	put_sample_bytes("jpeg", jpeg, sizeof jpeg);
	put_sample_bytes("png", png, sizeof png);
	assert_int_equal(sh("cp /bin/true '%s/elf'", tmpdir), 0);
	put_sample("plain", notes);
	assert_int_equal(sh("gzip -c '%s/plain' > '%s/gzip'", tmpdir, tmpdir),
	                 0);
	assert_int_equal(sh("cd '%s' && tar cf tar plain", tmpdir), 0);
	if (have("sqlite3")) {
		assert_int_equal(sh("sqlite3 '%s/sqlite' 'CREATE TABLE bots"
		                    "(ip TEXT); INSERT INTO bots VALUES"
		                    "(\"10.1.2.3\");'", tmpdir), 0);
	} else {
		/* the header sqlite3 writes, for a machine without it */
		unsigned char db[512] = "SQLite format 3";
		db[16] = 0x10; /* page size 4096 */
		db[18] = db[19] = 1;
		put_sample_bytes("sqlite", db, sizeof db);
	}
	check_samples(s, sizeof s / sizeof s[0]);
}

static void test_interest_keys(void **state)
{
	static const struct sample s[] = {
		/* libmagic knows a traditional PEM key by its content */
		{ "ec-trad", "/srv/blob", "key-material" },
		{ "rsa-trad", "/srv/blob", "key-material" },
		/* a PKCS#8 key is plain text to libmagic: its name tells */
		{ "pkcs8", "/etc/ssl/private/panel.key", "key-material" },
		{ "pkcs8", "/etc/ssl/private/panel.pem", "key-material" },
		{ "cert", "/srv/blob", "key-material" },
		{ "cert-der", "/srv/blob", "key-material" },
		/* PKCS#12 is noise to libmagic: only its name tells */
		{ "p12", "/root/panel.p12", "key-material" },
		{ "p12", "/root/panel.bin", NULL },
	};
	static const struct sample ssh[] = {
		{ "id_ed25519", "/srv/blob", "key-material" },
		{ "id_ed25519.pub", "/srv/blob", "key-material" },
		{ "id_ed25519.pub", "/root/.ssh/authorized_keys",
		  "key-material" },
	};

	(void)state;
	assert_int_equal(sh("(cd '%s' && "
	                    "openssl genpkey -algorithm EC "
	                    "-pkeyopt ec_paramgen_curve:P-256 -out pkcs8 && "
	                    "openssl pkey -in pkcs8 -traditional "
	                    "-out ec-trad && "
	                    "openssl genpkey -algorithm RSA "
	                    "-pkeyopt rsa_keygen_bits:1024 -out rsa8 && "
	                    "openssl pkey -in rsa8 -traditional "
	                    "-out rsa-trad && "
	                    "openssl req -x509 -key pkcs8 -subj /CN=panel "
	                    "-days 1 -out cert && "
	                    "openssl x509 -in cert -outform DER "
	                    "-out cert-der && "
	                    "openssl pkcs12 -export -inkey pkcs8 -in cert "
	                    "-passout pass:x -out p12) 2>/dev/null",
	                    tmpdir), 0);
	check_samples(s, sizeof s / sizeof s[0]);
	if (!have("ssh-keygen")) {
		print_message("no ssh-keygen: OpenSSH keys not tried\n");
		return;
	}
	assert_int_equal(sh("ssh-keygen -q -t ed25519 -N '' -f '%s/id_ed25519'",
	                    tmpdir), 0);
	check_samples(ssh, sizeof ssh / sizeof ssh[0]);
}

/* The table alone: edges that need no sample. */
static void test_interest_table(void **state)
{
	(void)state;
	assert_null(cust_interest(NULL, NULL, NULL));
	assert_null(cust_interest("", "", ""));
	/* an empty file has nothing to keep, whatever its name */
	assert_null(cust_interest("inode/x-empty", "empty", "/wp-config.php"));
	assert_null(cust_interest("inode/directory", "directory", "/x.sql"));
	/* description first, whatever the name */
	assert_string_equal(cust_interest("text/plain", "PEM RSA private key",
	                                  "/notes.txt"), "key-material");
	assert_string_equal(cust_interest("application/octet-stream",
	                                  "MySQL MyISAM index file Version 1",
	                                  NULL), "database");
	/* text hints: case, prefixes of the path, folders */
	assert_string_equal(cust_interest("text/plain", "ASCII text",
	                                  "/var/www/WP-CONFIG.PHP"), "config");
	assert_string_equal(cust_interest("text/plain", "ASCII text",
	                                  "var/mail/root"), "mail");
	assert_string_equal(cust_interest("text/plain", "ASCII text",
	                                  "archive.tar//var/mail/root"),
	                    "mail");
	assert_null(cust_interest("text/plain", "ASCII text", "/var/mail/"));
	assert_null(cust_interest("text/plain", "ASCII text", "/var/mail"));
	assert_null(cust_interest("text/plain", "ASCII text",
	                          "/x/var/mailx/y"));
	assert_string_equal(cust_interest("text/plain", "ASCII text",
	                                  "cur/1294056000.M1.mx"), "mail");
	assert_null(cust_interest("text/plain", "ASCII text", "1294056000.M1"));
	assert_null(cust_interest("text/plain", "ASCII text", "/x/secure/1.a"));
	assert_null(cust_interest("text/plain", "ASCII text", "/x/cur/12ab"));
	assert_null(cust_interest("text/plain", "ASCII text", "/x/cur/12.ab"));
	assert_null(cust_interest("text/plain", "ASCII text",
	                          "/x/recur/1294056000.M1.mx"));
	assert_string_equal(cust_interest("application/json", "JSON text data",
	                                  "/opt/bot/config.yml"), "config");
	assert_null(cust_interest("application/json", "JSON text data",
	                          "/opt/bot/package.json"));
	/* names are no hint for binaries */
	assert_null(cust_interest("application/octet-stream", "data",
	                          "/root/.ssh/id_rsa"));
	assert_null(cust_interest("image/png", "PNG image data", "/x.pem"));
	assert_string_equal(cust_interest("application/octet-stream", "data",
	                                  "/root/CERT.PFX"), "key-material");
	/* MIME types libmagic gives */
	assert_string_equal(cust_interest("application/x-7z-compressed",
	                                  "7-zip archive data", "/a"),
	                    "archive");
	assert_string_equal(cust_interest("application/x-sharedlib",
	                                  "ELF 64-bit LSB shared object", "/a"),
	                    "executable");
	assert_string_equal(cust_interest("application/pgp-keys",
	                                  "PGP private key block", "/a"),
	                    "key-material");
	/* a long hostile path is only read */
	{
		char *p = malloc(100000);
		assert_non_null(p);
		memset(p, '/', 99999);
		p[99999] = '\0';
		assert_null(cust_interest("text/plain", "ASCII text", p));
		memcpy(p + 99980, "cur/1294056000.a", 17);
		assert_string_equal(cust_interest("text/plain", "ASCII text",
		                                  p), "mail");
		free(p);
	}
}

/* ---- the store ---------------------------------------------------------- */

static void test_put_and_dedupe(void **state)
{
	char unit[CUST_PATH_MAX], obj[CUST_PATH_MAX], hex[65], want[65];
	struct cust_objects *s;
	struct cust_objects_stats st;
	struct cust_error err;
	struct stat sb;
	int stored = -1;
	char *back;
	size_t len;

	(void)state;
	make_unit(unit, "unit");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	assert_int_equal(check_store(unit), 0);

	assert_int_equal(cust_object_put(s, php_config, strlen(php_config), hex,
	                                 &stored, &err), 0);
	hex_of(CUST_DIGEST_SHA256, php_config, strlen(php_config), want);
	assert_string_equal(hex, want);
	assert_int_equal(stored, 1);
	object_path(obj, unit, hex);
	assert_int_equal(lstat(obj, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0444);
	back = slurp(obj, &len);
	assert_int_equal(len, strlen(php_config));
	assert_memory_equal(back, php_config, len);
	free(back);

	/* the same content again: dropped, the first copy untouched */
	stored = -1;
	assert_int_equal(cust_object_put(s, php_config, strlen(php_config), hex,
	                                 &stored, &err), 0);
	assert_int_equal(stored, 0);
	assert_string_equal(hex, want);

	/* other content; empty content is an object too */
	assert_int_equal(cust_object_put(s, mbox, strlen(mbox), NULL, NULL,
	                                 &err), 0);
	assert_int_equal(cust_object_put(s, "", 0, hex, &stored, &err), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                         "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(stored, 1);

	st = cust_objects_stats(s);
	assert_int_equal(st.stored, 3);
	assert_int_equal(st.bytes, strlen(php_config) + strlen(mbox));
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(check_store(unit), 3);
	cust_objects_free(s);

	/* a second handle on the same unit sees what is there */
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	assert_int_equal(cust_object_put(s, mbox, strlen(mbox), NULL, &stored,
	                                 &err), 0);
	assert_int_equal(stored, 0);
	st = cust_objects_stats(s);
	assert_int_equal(st.stored, 0);
	assert_int_equal(st.duplicates, 1);
	cust_objects_free(s);
	assert_int_equal(check_store(unit), 3);
}

static void test_stream_equals_put(void **state)
{
	enum { LEN = 3 * 1024 * 1024 + 17 };
	char unit[CUST_PATH_MAX], obj[CUST_PATH_MAX], streamed[65], put[65],
	     want[65];
	unsigned char *data = make_data(LEN, 42);
	struct cust_objects *s;
	struct cust_object_writer *w;
	struct cust_error err;
	uint64_t x = 7;
	size_t off = 0, len;
	int stored = -1;
	char *back;

	(void)state;
	make_unit(unit, "unit");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	w = cust_object_begin(s, &err);
	assert_non_null(w);
	/* pieces of every size from 0 up to 64 KiB, as reads of an image */
	while (off < LEN) {
		size_t n = (size_t)(next_rand(&x) % 65537);
		if (n > LEN - off)
			n = LEN - off;
		assert_int_equal(cust_object_feed(w, data + off, n, &err), 0);
		off += n;
	}
	assert_int_equal(cust_object_commit(w, NULL, streamed, &stored, &err),
	                 0);
	assert_int_equal(stored, 1);
	hex_of(CUST_DIGEST_SHA256, data, LEN, want);
	assert_string_equal(streamed, want);

	assert_int_equal(cust_object_put(s, data, LEN, put, &stored, &err), 0);
	assert_string_equal(put, streamed);
	assert_int_equal(stored, 0);

	object_path(obj, unit, streamed);
	back = slurp(obj, &len);
	assert_int_equal(len, LEN);
	assert_memory_equal(back, data, LEN);
	free(back);
	free(data);
	assert_int_equal(check_store(unit), 1);
	cust_objects_free(s);
}

static void test_expected_hash(void **state)
{
	char unit[CUST_PATH_MAX], want[65], upper[65], hex[65];
	struct cust_objects *s;
	struct cust_object_writer *w;
	struct cust_objects_stats st;
	struct cust_error err;
	int stored = -1;
	size_t i;

	(void)state;
	make_unit(unit, "unit");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	hex_of(CUST_DIGEST_SHA256, mysql_dump, strlen(mysql_dump), want);

	/* the content changed between hashing and copying: nothing kept */
	w = cust_object_begin(s, &err);
	assert_non_null(w);
	assert_int_equal(cust_object_feed(w, mysql_dump, strlen(mysql_dump) - 1,
	                                  &err), 0);
	assert_int_equal(cust_object_feed(w, "X", 1, &err), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_object_commit(w, want, hex, &stored, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, want));
	assert_int_equal(stored, -1);
	assert_int_equal(check_store(unit), 0);

	/* a malformed expectation is the caller's mistake */
	w = cust_object_begin(s, &err);
	assert_non_null(w);
	assert_int_equal(cust_object_feed(w, mysql_dump, strlen(mysql_dump),
	                                  &err), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_object_commit(w, "abc", hex, &stored, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(check_store(unit), 0);

	/* the right digest, in either case, is taken */
	for (i = 0; i < 64; i++)
		upper[i] = (char)toupper((unsigned char)want[i]);
	upper[64] = '\0';
	w = cust_object_begin(s, &err);
	assert_non_null(w);
	assert_int_equal(cust_object_feed(w, mysql_dump, strlen(mysql_dump),
	                                  &err), 0);
	assert_int_equal(cust_object_commit(w, upper, hex, &stored, &err), 0);
	assert_int_equal(stored, 1);
	assert_string_equal(hex, want);

	st = cust_objects_stats(s);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(check_store(unit), 1);
	cust_objects_free(s);
}

static void test_abort(void **state)
{
	char unit[CUST_PATH_MAX];
	struct cust_objects *s;
	struct cust_object_writer *w;
	struct cust_objects_stats st;
	struct cust_error err;
	unsigned char *data = make_data(200000, 3);

	(void)state;
	make_unit(unit, "unit");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	assert_int_equal(cust_object_put(s, notes, strlen(notes), NULL, NULL,
	                                 &err), 0);

	w = cust_object_begin(s, &err);
	assert_non_null(w);
	assert_int_equal(cust_object_feed(w, data, 200000, &err), 0);
	cust_object_abort(w);
	w = cust_object_begin(s, &err); /* nothing fed at all */
	assert_non_null(w);
	cust_object_abort(w);
	cust_object_abort(NULL);

	/* a failed feed leaves the writer only to be ended, cleanly */
	w = cust_object_begin(s, &err);
	assert_non_null(w);
	cust_error_clear(&err);
	assert_int_equal(cust_object_feed(w, NULL, 5, &err), -1);
	assert_int_equal(cust_object_feed(w, data, 5, &err), -1);
	cust_error_clear(&err);
	assert_int_equal(cust_object_commit(w, NULL, NULL, NULL, &err), -1);
	assert_int_not_equal(err.kind, CUST_OK);

	/* not a writer */
	cust_error_clear(&err);
	assert_int_equal(cust_object_feed(NULL, data, 1, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_object_commit(NULL, NULL, NULL, NULL, &err), -1);
	assert_null(cust_object_begin(NULL, &err));

	st = cust_objects_stats(s);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(check_store(unit), 1);
	cust_objects_free(s);
	cust_objects_free(NULL);
	free(data);
}

/* ---- threads ------------------------------------------------------------ */

enum { THREADS = 4, ROUNDS = 25, SHARED_LEN = 300000 };

struct racer {
	struct cust_objects *store;
	pthread_barrier_t *ready;
	const unsigned char *data;
	size_t len;
	int rc;
	int stored;
	char hex[65];
	struct cust_error err;
};

/* Write the whole content, wait for the others, then commit together. */
static void *race(void *arg)
{
	struct racer *r = arg;
	struct cust_object_writer *w = cust_object_begin(r->store, &r->err);
	size_t off;

	r->rc = -1;
	r->stored = -1;
	for (off = 0; w && off < r->len; off += 4096) {
		size_t n = r->len - off < 4096 ? r->len - off : 4096;
		if (cust_object_feed(w, r->data + off, n, &r->err) < 0)
			break;
	}
	pthread_barrier_wait(r->ready);
	if (w)
		r->rc = cust_object_commit(w, NULL, r->hex, &r->stored,
		                           &r->err);
	return NULL;
}

/* THREADS writers at once, each with DATA[i] (LEN bytes); their results
 * in R. */
static void run_race(struct cust_objects *s, unsigned char *const *data,
                     size_t len, struct racer *r)
{
	pthread_barrier_t ready;
	pthread_t t[THREADS];
	int i;

	assert_int_equal(pthread_barrier_init(&ready, NULL, THREADS), 0);
	for (i = 0; i < THREADS; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].store = s;
		r[i].ready = &ready;
		r[i].data = data[i];
		r[i].len = len;
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&ready);
}

static void test_concurrent_same(void **state)
{
	char unit[CUST_PATH_MAX], want[65];
	struct cust_objects *s;
	struct cust_objects_stats st;
	struct cust_error err;
	struct racer r[THREADS];
	int round, i;

	(void)state;
	make_unit(unit, "unit");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	for (round = 0; round < ROUNDS; round++) {
		/* make_data takes SEED | 1: odd seeds, all distinct */
		uint64_t seed = 1001 + 2 * (uint64_t)round;
		unsigned char *data = make_data(SHARED_LEN, seed);
		unsigned char *same[THREADS];
		int kept = 0;

		for (i = 0; i < THREADS; i++)
			same[i] = data;
		hex_of(CUST_DIGEST_SHA256, data, SHARED_LEN, want);
		run_race(s, same, SHARED_LEN, r);
		for (i = 0; i < THREADS; i++) {
			if (r[i].rc != 0)
				fail_msg("round %d thread %d: %s", round, i,
				         r[i].err.message);
			assert_string_equal(r[i].hex, want);
			kept += r[i].stored;
		}
		assert_int_equal(kept, 1);
		assert_int_equal(check_store(unit), round + 1);
		free(data);
	}
	st = cust_objects_stats(s);
	assert_int_equal(st.stored, ROUNDS);
	assert_int_equal(st.bytes, (uint64_t)ROUNDS * SHARED_LEN);
	assert_int_equal(st.duplicates, (uint64_t)ROUNDS * (THREADS - 1));
	cust_objects_free(s);
}

static void test_concurrent_distinct(void **state)
{
	char unit[CUST_PATH_MAX];
	struct cust_objects *s;
	struct cust_objects_stats st;
	struct cust_error err;
	struct racer r[THREADS];
	unsigned char *data[THREADS];
	int i;

	(void)state;
	make_unit(unit, "unit");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	for (i = 0; i < THREADS; i++)
		data[i] = make_data(SHARED_LEN, 77 + 2 * (uint64_t)i); /* odd */
	run_race(s, data, SHARED_LEN, r);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(r[i].rc, 0);
		assert_int_equal(r[i].stored, 1);
		free(data[i]);
	}
	st = cust_objects_stats(s);
	assert_int_equal(st.stored, THREADS);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(check_store(unit), THREADS);
	cust_objects_free(s);
}

/* ---- folders that cannot be written ------------------------------------- */

/* Become "nobody" when root (root writes into any folder); 0 on success. */
static int drop_root(void)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam("nobody");
	if (!pw)
		return -1;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		return -1;
	return geteuid() == 0 ? -1 : 0;
}

/* In a child: the unit ARG (mode 0555) must be refused with CUST_E_IO
 * and nothing made in it.  Exit status 0 when so; cmocka is not used. */
static int open_readonly_unit(const char *unit)
{
	struct cust_error err;
	struct cust_objects *s;
	char dir[CUST_PATH_MAX];
	struct stat st;
	int n;

	if (drop_root() < 0)
		return 10;
	cust_error_clear(&err);
	s = cust_objects_open(unit, &err);
	if (s) {
		cust_objects_free(s);
		return 11;
	}
	if (err.kind != CUST_E_IO || !strstr(err.message, CUST_OBJECTS_DIR))
		return 12;
	n = snprintf(dir, sizeof dir, "%s/%s", unit, CUST_OBJECTS_DIR);
	if (n < 0 || (size_t)n >= sizeof dir)
		return 14;
	if (lstat(dir, &st) == 0)
		return 13;
	return 0;
}

/* In a child: the unit ARG has a store whose objects/ is mode 0555: the
 * store is refused, and a handle opened before (as root) can begin no
 * writer. */
static int write_readonly_store(const char *unit)
{
	struct cust_error err;
	struct cust_objects *s;
	struct cust_object_writer *w;

	cust_error_clear(&err);
	s = cust_objects_open(unit, &err); /* before dropping root */
	if (drop_root() < 0)
		return 20;
	if (!s)
		return geteuid() == 0 ? 21 : 0; /* not root: refused at open */
	w = cust_object_begin(s, &err);
	if (w) {
		cust_object_abort(w);
		cust_objects_free(s);
		return 22;
	}
	cust_objects_free(s);
	if (err.kind != CUST_E_IO)
		return 23;
	cust_error_clear(&err);
	s = cust_objects_open(unit, &err);
	if (s) {
		cust_objects_free(s);
		return 24;
	}
	return err.kind == CUST_E_IO ? 0 : 25;
}

static void test_not_writable(void **state)
{
	char unit[CUST_PATH_MAX], store[CUST_PATH_MAX], file[CUST_PATH_MAX],
	     missing[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_objects *s;

	(void)state;
	if (geteuid() == 0 && !getpwnam("nobody")) {
		skip(); /* root writes anywhere, and there is no one else */
		return;
	}
	/* the children run as nobody: let them reach the units */
	assert_int_equal(chmod(tmpdir, 0755), 0);

	make_unit(unit, "ro-unit");
	assert_int_equal(chmod(unit, 0555), 0);
	assert_int_equal(run_bounded(open_readonly_unit, unit, 20000), 0);

	make_unit(unit, "ro-store");
	s = cust_objects_open(unit, &err);
	assert_non_null(s);
	assert_int_equal(cust_object_put(s, notes, strlen(notes), NULL, NULL,
	                                 &err), 0);
	cust_objects_free(s);
	join(store, unit, CUST_OBJECTS_DIR);
	assert_int_equal(chmod(store, 0555), 0);
	assert_int_equal(run_bounded(write_readonly_store, unit, 20000), 0);
	assert_int_equal(chmod(store, 0755), 0);
	assert_int_equal(check_store(unit), 1);

	/* a unit that is a file, or is missing */
	tpath(file, "a-file");
	write_file(file, "x", 1);
	cust_error_clear(&err);
	assert_null(cust_objects_open(file, &err));
	assert_int_equal(err.kind, CUST_E_IO);
	tpath(missing, "missing");
	cust_error_clear(&err);
	assert_null(cust_objects_open(missing, &err));
	assert_int_equal(err.kind, CUST_E_IO);
	cust_error_clear(&err);
	assert_null(cust_objects_open(NULL, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test_setup_teardown(test_interest_text, setup_magic,
		                                teardown_magic),
		cmocka_unit_test_setup_teardown(test_interest_binary,
		                                setup_magic, teardown_magic),
		cmocka_unit_test_setup_teardown(test_interest_keys, setup_magic,
		                                teardown_magic),
		cmocka_unit_test(test_interest_table),
		cmocka_unit_test_setup_teardown(test_put_and_dedupe, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_stream_equals_put,
		                                setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_expected_hash, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_abort, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_concurrent_same, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_concurrent_distinct,
		                                setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_not_writable, setup_tmp,
		                                teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
