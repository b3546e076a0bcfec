/* test_x_sql.c - the sql-dump extractor: a panel's database as mysqldump
 * and phpMyAdmin write it, read as a stream through the pread callback, on
 * faithful samples built here and on hostile twins (some made as they are
 * read, never held in memory). */
#include "testutil.h"

#include <malloc.h>

#include "custody/extractor.h"

#define NAME "sql-dump"
#include "xmem.h"

static long long num(const json_t *v, const char *path)
{
	const json_t *j = at(v, path);

	assert_true(json_is_integer(j));
	return (long long)json_integer_value(j);
}

/* The summary of table NAME in REC. */
static const json_t *table(const json_t *rec, const char *name)
{
	const json_t *tables = at(rec, "controller.tables");
	size_t i;

	for (i = 0; i < json_array_size(tables); i++)
		if (strcmp(str(json_array_get(tables, i), "name"), name) == 0)
			return json_array_get(tables, i);
	return NULL;
}

/* A ZeuS panel's database as mysqldump writes it: botnet_list (ipv4 a
 * varbinary(4) written as escaped bytes, in hex and as a number), cp_users,
 * a report table, an attack history, and a trigger whose INSERT is no
 * data. */
static const char mysqldump[] =
	"-- MySQL dump 10.13  Distrib 5.1.49, for debian-linux-gnu (x86_64)\n"
	"--\n"
	"-- Host: localhost    Database: cpdb\n"
	"-- ------------------------------------------------------\n"
	"-- Server version\t5.1.49-3\n"
	"\n"
	"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
	"/*!40101 SET NAMES utf8 */;\n"
	"/*!40103 SET TIME_ZONE='+00:00' */;\n"
	"\n"
	"--\n"
	"-- Table structure for table `botnet_list`\n"
	"--\n"
	"\n"
	"DROP TABLE IF EXISTS `botnet_list`;\n"
	"/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
	"CREATE TABLE `botnet_list` (\n"
	"  `bot_id` varchar(100) NOT NULL,\n"
	"  `botnet` varchar(20) NOT NULL DEFAULT '-- default',\n"
	"  `bot_version` int(10) unsigned NOT NULL DEFAULT '0',\n"
	"  `net_latency` int(10) unsigned NOT NULL DEFAULT '0',\n"
	"  `tcpport_s1` smallint(5) unsigned NOT NULL DEFAULT '0',\n"
	"  `time_localbias` int(10) NOT NULL DEFAULT '0',\n"
	"  `os_version` tinyblob NOT NULL,\n"
	"  `language_id` smallint(5) unsigned NOT NULL DEFAULT '0',\n"
	"  `ipv4` varbinary(4) NOT NULL DEFAULT '\\0\\0\\0\\0',\n"
	"  `country` varchar(2) NOT NULL DEFAULT '--',\n"
	"  `rtime_first` int(10) unsigned NOT NULL DEFAULT '0',\n"
	"  `rtime_last` int(10) unsigned NOT NULL DEFAULT '0',\n"
	"  `rtime_online` int(10) unsigned NOT NULL DEFAULT '0',\n"
	"  `comment` tinytext COMMENT 'a comment, (with) ''quotes''',\n"
	"  PRIMARY KEY (`bot_id`),\n"
	"  KEY `botnet` (`botnet`)\n"
	") ENGINE=MyISAM DEFAULT CHARSET=utf8;\n"
	"/*!40101 SET character_set_client = @saved_cs_client */;\n"
	"\n"
	"LOCK TABLES `botnet_list` WRITE;\n"
	"/*!40000 ALTER TABLE `botnet_list` DISABLE KEYS */;\n"
	"INSERT INTO `botnet_list` VALUES "
	"('WIN-PC_7A3F0B1C2D3E4F50','btn1',33620225,120,0,-3600,'Windows XP',"
	"1049,'\\n\\0\\0\\n','RU',1300284300,1300290000,0,"
	"'it\\'s; a (comment), with \\\"quotes\\\" and '')'''),"
	"('HOME_1234567890ABCDEF','btn1',33620225,80,0,3600,'Windows 7',"
	"1033,0xCB007101,'US',1300284360,1300295000,0,NULL),"
	"('LAB-\\\\3','btn2',33620225,80,0,0,'',1031,3325256705,'DE',"
	"1300300000,1300300001,0,'#not a comment -- nor this /* */');\n"
	"/*!40000 ALTER TABLE `botnet_list` ENABLE KEYS */;\n"
	"UNLOCK TABLES;\n"
	"\n"
	"CREATE TABLE `cp_users` (\n"
	"  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `name` varchar(20) NOT NULL,\n"
	"  `pass` varchar(32) NOT NULL,\n"
	"  `language` varchar(2) NOT NULL DEFAULT 'en',\n"
	"  `flag_enabled` tinyint(1) unsigned NOT NULL DEFAULT '1',\n"
	"  `comment` tinytext,\n"
	"  PRIMARY KEY (`id`),\n"
	"  UNIQUE KEY `name` (`name`)\n"
	") ENGINE=MyISAM AUTO_INCREMENT=3 DEFAULT CHARSET=utf8;\n"
	"INSERT INTO `cp_users` VALUES "
	"(1,'admin','21232f297a57a5a743894a0e4a801fc3','en',1,'Default user'),"
	"(2,'oper','5f4dcc3b5aa765d61d8327deb882cf99','ru',1,NULL);\n"
	"\n"
	"CREATE TABLE `botnet_reports_110316` (\n"
	"  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `bot_id` varchar(100) NOT NULL,\n"
	"  `ipv4` varbinary(4) NOT NULL,\n"
	"  `context` longblob NOT NULL,\n"
	"  PRIMARY KEY (`id`)\n"
	");\n"
	"INSERT INTO `botnet_reports_110316` VALUES "
	"(1,'WIN-PC_7A3F0B1C2D3E4F50','\\n\\0\\0\\n','user=jdoe&pass=x');\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS `attacks` (\n"
	"  `id` int NOT NULL AUTO_INCREMENT,\n"
	"  `target` varchar(255),\n"
	"  `method` varchar(16),\n"
	"  `started` datetime,\n"
	"  `duration` int,\n"
	"  `port` int,\n"
	"  PRIMARY KEY (`id`)\n"
	");\n"
	"INSERT INTO `attacks` (`id`,`target`,`method`,`started`,`duration`,"
	"`port`) VALUES "
	"(1,'http://shop.example/','HTTP','2011-03-16 14:05:00',3600,80),"
	"(2,'203.0.113.7','SYN','2011-03-17 02:00:00',600,443)"
	" ON DUPLICATE KEY UPDATE `duration`=VALUES(`duration`);\n"
	"DELIMITER ;;\n"
	"CREATE TRIGGER `tr` AFTER INSERT ON `botnet_list` FOR EACH ROW BEGIN\n"
	"  INSERT INTO attacks VALUES (99,'trigger.example','X','2000-01-01',1,1);\n"
	"END ;;\n"
	"DELIMITER ;\n"
	"CREATE TABLE `options` (`key` varchar(32), `value` text);\n"
	"INSERT INTO `options` VALUES ('theme','dark');\n"
	"-- Dump completed on 2011-03-16 14:05:00\n";

static void test_mysqldump(void **state)
{
	json_t *recs, *learned, *r;
	const json_t *t;

	(void)state;
	assert_int_equal(run("cpdb.sql", mysqldump, strlen(mysqldump), &recs,
	                     &learned), 1);
	assert_int_equal(json_array_size(recs), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "family"), "zeus");
	assert_string_equal(str(r, "extractor"), NAME);
	assert_string_equal(str(r, "kind"), "database");
	assert_string_equal(str(r, "status"), "decoded");
	assert_string_equal(str(r, "controller.panel"), "zeus");
	assert_string_equal(str(r, "other.dump"), "mysqldump");
	assert_string_equal(str(r, "other.dump_version"), "10.13");
	assert_string_equal(str(r, "other.host"), "localhost");
	assert_string_equal(str(r, "other.database"), "cpdb");
	assert_string_equal(str(r, "other.server_version"), "5.1.49-3");
	assert_string_equal(str(r, "other.completed"), "2011-03-16 14:05:00");

	/* every table, its columns in order, rows and role */
	assert_int_equal(json_array_size(at(r, "controller.tables")), 5);
	t = table(r, "botnet_list");
	assert_non_null(t);
	assert_string_equal(str(t, "role"), "victims");
	assert_int_equal(num(t, "rows"), 3);
	assert_int_equal(json_array_size(at(t, "columns")), 14);
	assert_string_equal(str(t, "columns.0"), "bot_id");
	assert_string_equal(str(t, "columns.8"), "ipv4");
	assert_string_equal(str(t, "columns.13"), "comment");
	assert_string_equal(str(table(r, "cp_users"), "role"), "operators");
	assert_int_equal(num(table(r, "cp_users"), "rows"), 2);
	assert_string_equal(str(table(r, "botnet_reports_110316"), "role"),
	                    "reports");
	t = table(r, "attacks");
	assert_string_equal(str(t, "role"), "attacks");
	/* the trigger's INSERT is not a row */
	assert_int_equal(num(t, "rows"), 2);
	assert_string_equal(str(table(r, "options"), "role"), "other");
	assert_int_equal(num(table(r, "options"), "rows"), 1);

	/* the victims, their address from 4 bytes, hex or a number */
	assert_int_equal(json_array_size(at(r, "targets.victims")), 3);
	assert_string_equal(str(r, "targets.victims.0.bot_id"),
	                    "WIN-PC_7A3F0B1C2D3E4F50");
	assert_string_equal(str(r, "targets.victims.0.botnet"), "btn1");
	assert_string_equal(str(r, "targets.victims.0.ip"), "10.0.0.10");
	assert_string_equal(str(r, "targets.victims.0.country"), "RU");
	assert_string_equal(str(r, "targets.victims.0.os"), "Windows XP");
	assert_string_equal(str(r, "targets.victims.0.first_seen"),
	                    "2011-03-16T14:05:00.000Z");
	assert_string_equal(str(r, "targets.victims.0.last_seen"),
	                    "2011-03-16T15:40:00.000Z");
	assert_string_equal(str(r, "targets.victims.1.ip"), "203.0.113.1");
	assert_string_equal(str(r, "targets.victims.2.bot_id"), "LAB-\\3");
	assert_string_equal(str(r, "targets.victims.2.ip"), "198.51.100.1");

	/* the panel's operators */
	assert_int_equal(json_array_size(at(r, "credentials")), 2);
	assert_string_equal(str(r, "credentials.0.service"), "panel");
	assert_string_equal(str(r, "credentials.0.username"), "admin");
	assert_string_equal(str(r, "credentials.0.password"),
	                    "21232f297a57a5a743894a0e4a801fc3");
	assert_string_equal(str(r, "credentials.1.username"), "oper");

	/* the attack history */
	assert_int_equal(json_array_size(at(r, "targets.ddos")), 2);
	assert_string_equal(str(r, "targets.ddos.0.target"), "http://shop.example/");
	assert_string_equal(str(r, "targets.ddos.0.command"), "HTTP");
	assert_string_equal(str(r, "targets.ddos.0.time"), "2011-03-16 14:05:00");
	assert_int_equal(num(r, "targets.ddos.0.duration"), 3600);
	assert_string_equal(str(r, "targets.ddos.1.target"), "203.0.113.7");
	assert_null(at(r, "problems"));
	assert_int_equal(json_array_size(learned), 0);
	json_decref(recs);
	json_decref(learned);
}

static const char phpmyadmin[] =
	"-- phpMyAdmin SQL Dump\n"
	"-- version 3.4.10.1deb1\n"
	"-- http://www.phpmyadmin.net\n"
	"--\n"
	"-- Host: localhost\n"
	"-- Generation Time: Mar 16, 2011 at 02:05 PM\n"
	"-- Server version: 5.5.22\n"
	"-- PHP Version: 5.3.10-1ubuntu3\n"
	"\n"
	"SET SQL_MODE=\"NO_AUTO_VALUE_ON_ZERO\";\n"
	"SET time_zone = \"+00:00\";\n"
	"\n"
	"--\n"
	"-- Database: `panel`\n"
	"--\n"
	"\n"
	"-- --------------------------------------------------------\n"
	"\n"
	"--\n"
	"-- Table structure for table `bots`\n"
	"--\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS `bots` (\n"
	"  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
	"  `hwid` varchar(64) NOT NULL,\n"
	"  `ip` int(10) unsigned NOT NULL,\n"
	"  `cc` char(2) NOT NULL,\n"
	"  `os` varchar(64) NOT NULL,\n"
	"  `installed` datetime NOT NULL,\n"
	"  `lastseen` datetime NOT NULL,\n"
	"  PRIMARY KEY (`id`)\n"
	") ENGINE=InnoDB  DEFAULT CHARSET=latin1 AUTO_INCREMENT=4 ;\n"
	"\n"
	"--\n"
	"-- Dumping data for table `bots`\n"
	"--\n"
	"\n"
	"INSERT INTO `bots` (`id`, `hwid`, `ip`, `cc`, `os`, `installed`, "
	"`lastseen`) VALUES\n"
	"(1, 'A1B2C3D4', 3405803777, 'US', 'Windows 7 SP1 x64', "
	"'2013-05-01 10:00:00', '2013-05-02 11:00:00'),\n"
	"(2, 'E5F6A7B8', '3325256705', 'DE', 'Windows XP SP3', "
	"'2013-05-01 12:00:00', '2013-05-03 09:30:00'),\n"
	"(3, 'C0FFEE00', '192.0.2.77', 'FR', 'Windows 8', "
	"'2013-05-04 12:00:00', '2013-05-04 13:00:00');\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS `users` (\n"
	"  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
	"  `login` varchar(32) NOT NULL,\n"
	"  `password` varchar(64) NOT NULL,\n"
	"  PRIMARY KEY (`id`)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=latin1;\n"
	"\n"
	"INSERT INTO `users` (`id`, `login`, `password`) VALUES\n"
	"(1, 'boss', 'e10adc3949ba59abbe56e057f20f883e');\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS `tasks` (\n"
	"  `id` int(11) NOT NULL,\n"
	"  `command` varchar(32) NOT NULL,\n"
	"  `host` varchar(255) NOT NULL,\n"
	"  `created` int(11) NOT NULL,\n"
	"  `length` int(11) NOT NULL\n"
	");\n"
	"INSERT INTO `tasks` (`id`, `command`, `host`, `created`, `length`) "
	"VALUES\n"
	"(1, 'udpflood', 'game.example', 1367402400, 120);\n";

static void test_phpmyadmin(void **state)
{
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("panel (1).sql", phpmyadmin, strlen(phpmyadmin),
	                     &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "family"), "generic");
	assert_string_equal(str(r, "status"), "decoded");
	assert_string_equal(str(r, "other.dump"), "phpmyadmin");
	assert_string_equal(str(r, "other.dump_version"), "3.4.10.1deb1");
	assert_string_equal(str(r, "other.database"), "panel");
	assert_string_equal(str(r, "other.generated"), "Mar 16, 2011 at 02:05 PM");
	assert_string_equal(str(r, "other.server_version"), "5.5.22");
	assert_string_equal(str(table(r, "bots"), "role"), "victims");
	assert_string_equal(str(table(r, "users"), "role"), "operators");
	assert_string_equal(str(table(r, "tasks"), "role"), "attacks");
	assert_int_equal(json_array_size(at(r, "targets.victims")), 3);
	assert_string_equal(str(r, "targets.victims.0.bot_id"), "A1B2C3D4");
	assert_string_equal(str(r, "targets.victims.0.ip"), "203.0.113.1");
	assert_string_equal(str(r, "targets.victims.0.country"), "US");
	assert_string_equal(str(r, "targets.victims.0.os"), "Windows 7 SP1 x64");
	assert_string_equal(str(r, "targets.victims.0.first_seen"),
	                    "2013-05-01 10:00:00");
	assert_string_equal(str(r, "targets.victims.0.last_seen"),
	                    "2013-05-02 11:00:00");
	/* a number quoted as phpMyAdmin once quoted all values */
	assert_string_equal(str(r, "targets.victims.1.ip"), "198.51.100.1");
	assert_string_equal(str(r, "targets.victims.2.ip"), "192.0.2.77");
	assert_string_equal(str(r, "credentials.0.username"), "boss");
	assert_string_equal(str(r, "targets.ddos.0.target"), "game.example");
	assert_string_equal(str(r, "targets.ddos.0.command"), "udpflood");
	assert_string_equal(str(r, "targets.ddos.0.time"),
	                    "2013-05-01T10:00:00.000Z");
	assert_int_equal(num(r, "targets.ddos.0.duration"), 120);
	assert_null(at(r, "problems"));
	json_decref(recs);
	json_decref(learned);
}

/* Files that are not SQL dumps. */
static void test_not_sql(void **state)
{
	static const char php[] = "<?php\nmysql_query(\"INSERT INTO t VALUES (1)\");\n";
	static const char prose[] = "Notes from the raid.\nNothing to insert.\n";
	json_t *recs, *learned;

	(void)state;
	assert_int_equal(run("gate.php", php, strlen(php), &recs, &learned), 0);
	json_decref(recs);
	json_decref(learned);
	assert_int_equal(run("notes.txt", prose, strlen(prose), &recs, &learned),
	                 0);
	json_decref(recs);
	json_decref(learned);
	/* named .sql but holding no statement: no record */
	assert_int_equal(run("empty.sql", prose, strlen(prose), &recs, &learned),
	                 1);
	assert_int_equal(json_array_size(recs), 0);
	json_decref(recs);
	json_decref(learned);
}

/* Hostile twins held in memory: unterminated constructs, comments that
 * look nested, invalid UTF-8. */
static void test_hostile(void **state)
{
	static const char open_string[] =
		"CREATE TABLE `botnet_list` (`bot_id` varchar(9), `ipv4` int);\n"
		"INSERT INTO `botnet_list` VALUES ('a',1),('b',2),('never closed";
	static const char open_comment[] =
		"INSERT INTO `t` VALUES (1);\n/* never closed INSERT INTO `t` VALUES (2);";
	static const char nested[] =
		"/* outer /* inner */ INSERT INTO `t` VALUES (1); */\n"
		"INSERT INTO `t` VALUES (2);\n"
		"/*!40101 /* nested */ SET x=1 */;\n"
		"INSERT INTO `t` VALUES (3);\n";
	static const char bad_utf8[] =
		"CREATE TABLE `\xff\xfe` (`bot_id` varchar(9), `ip` varchar(9));\n"
		"INSERT INTO `\xff\xfe` VALUES ('\xc3\x28', '\x80');\n";
	static const char torn[] =
		"CREATE TABLE `t` (`a` int, `b` varchar(3) DEFAULT '(',\n";
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("x.sql", open_string, strlen(open_string), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "string from offset"));
	assert_true(has_problem(r, "not closed at the end"));
	/* the rows before it are read, the torn one is not */
	assert_int_equal(json_array_size(at(r, "targets.victims")), 2);
	assert_int_equal(num(table(r, "botnet_list"), "rows"), 2);
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("x.sql", open_comment, strlen(open_comment), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "comment from offset 28"));
	assert_int_equal(num(table(r, "t"), "rows"), 1);
	json_decref(recs);
	json_decref(learned);

	/* MySQL ends a comment at the first star-slash: the INSERT after the
	 * inner one runs, the '*' '/' after it starts a statement of its own
	 * up to the next ';' */
	assert_int_equal(run("x.sql", nested, strlen(nested), &recs, &learned),
	                 1);
	r = json_array_get(recs, 0);
	assert_int_equal(num(table(r, "t"), "rows"), 2);
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("x.sql", bad_utf8, strlen(bad_utf8), &recs,
	                     &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "controller.tables.0.name"), "\\xff\\xfe");
	assert_string_equal(str(r, "targets.victims.0.bot_id"), "\\xc3(");
	assert_string_equal(str(r, "targets.victims.0.ip"), "\\x80");
	json_decref(recs);
	json_decref(learned);

	assert_int_equal(run("x.sql", torn, strlen(torn), &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "CREATE TABLE"));
	json_decref(recs);
	json_decref(learned);
}

/* Content made as it is read: a head, then a body of LEN bytes in which
 * byte i is fill(i), then a tail. */
struct lazy {
	const char *head, *tail;
	size_t head_len, tail_len;
	uint64_t body_len;
	char (*fill)(uint64_t i); /* or, when NULL, "abcdefghij" over and over */
	size_t biggest_read;
	size_t heap_max; /* the most heap in use seen while reading */
};

static uint64_t lazy_size(const struct lazy *z)
{
	return z->head_len + z->body_len + z->tail_len;
}

static long lazy_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct lazy *z = ctx;
	uint64_t size = lazy_size(z);
	struct mallinfo2 mi = mallinfo2();
	char *out = buf;
	size_t i;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > z->biggest_read)
		z->biggest_read = len;
	if (mi.uordblks > z->heap_max)
		z->heap_max = mi.uordblks;
	for (i = 0; i < len;) {
		uint64_t o = off + i;
		if (o < z->head_len) {
			out[i++] = z->head[o];
		} else if (o < z->head_len + z->body_len && z->fill) {
			out[i++] = z->fill(o - z->head_len);
		} else if (o < z->head_len + z->body_len) {
			/* a run of the pattern, copied whole */
			static char pattern[(1u << 16) + 10];
			uint64_t b = o - z->head_len;
			size_t n = sizeof pattern - 10, k;
			if (!pattern[0])
				for (k = 0; k < sizeof pattern; k++)
					pattern[k] = "abcdefghij"[k % 10];
			if (n > len - i)
				n = len - i;
			if (n > z->body_len - b)
				n = (size_t)(z->body_len - b);
			memcpy(out + i, pattern + b % 10, n);
			i += n;
		} else {
			out[i++] = z->tail[o - z->head_len - z->body_len];
		}
	}
	return (long)len;
}

static int run_lazy(struct lazy *z, json_t **recs, json_t **learned)
{
	unsigned char head[CUST_X_HEAD];
	struct cust_x_input in = { 0 };
	long n;

	z->head_len = strlen(z->head);
	z->tail_len = strlen(z->tail);
	n = lazy_pread(z, head, sizeof head, 0);
	assert_true(n > 0);
	z->biggest_read = 0;
	in.head = head;
	in.head_len = (size_t)n;
	in.size = lazy_size(z);
	in.pread = lazy_pread;
	in.pctx = z;
	return run_input(&in, "dump.sql", recs, learned);
}

/* An INSERT line of 1 GiB, never held: the OS of the first bot is a string
 * of 1 GiB (kept cut, and said so), the bot after it is read. */
static void test_gigabyte_line(void **state)
{
	struct lazy z = { 0 };
	json_t *recs, *learned, *r;

	(void)state;
	z.head = "-- MySQL dump 10.13\n"
	         "CREATE TABLE `botnet_list` (`bot_id` varchar(9), `os_version` "
	         "longblob, `ipv4` int, `country` char(2));\n"
	         "INSERT INTO `botnet_list` VALUES ('first','";
	z.body_len = 1ull << 30;
	z.tail = "',167772161,'RU'),('second','Windows 7',167772162,'NL');\n";
	assert_int_equal(run_lazy(&z, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_true(has_problem(r, "cut"));
	assert_int_equal(json_array_size(at(r, "targets.victims")), 2);
	assert_int_equal(strlen(str(r, "targets.victims.0.os")), CUST_X_STRING_MAX);
	assert_string_equal(str(r, "targets.victims.0.ip"), "10.0.0.1");
	assert_string_equal(str(r, "targets.victims.1.bot_id"), "second");
	assert_string_equal(str(r, "targets.victims.1.ip"), "10.0.0.2");
	/* read in blocks, with bounded memory (64 MiB is far above what it
	 * needs and far below the line) */
	assert_true(z.biggest_read <= 4u << 20);
	assert_true(z.heap_max < 64u << 20);
	json_decref(recs);
	json_decref(learned);
}

/* A CREATE TABLE of 100,000 columns and a row of as many values: the
 * columns past MySQL's 4096 are counted, not kept. */
static char fill_columns(uint64_t i)
{
	/* ", `cNNNNNN` int" is 15 bytes */
	char col[48];
	snprintf(col, sizeof col, ", `c%06llu` int",
	         (unsigned long long)(i / 15) % 1000000);
	return col[i % 15];
}

static char fill_values(uint64_t i)
{
	return ",0"[i % 2];
}

static void test_wide_table(void **state)
{
	struct lazy z = { 0 };
	json_t *recs, *learned, *r;
	const json_t *t;

	(void)state;
	z.head = "CREATE TABLE `botnet_list` (`bot_id` varchar(9), `ipv4` int";
	z.body_len = 15 * 100000ull;
	z.fill = fill_columns;
	z.tail = ");\n";
	assert_int_equal(run_lazy(&z, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	t = table(r, "botnet_list");
	assert_int_equal(json_array_size(at(t, "columns")), 4096);
	assert_true(has_problem(r, "more than 4096 columns"));
	json_decref(recs);
	json_decref(learned);

	z.head = "CREATE TABLE `botnet_list` (`bot_id` varchar(9), `ipv4` int);\n"
	         "INSERT INTO `botnet_list` VALUES ('wide',167772161";
	z.body_len = 2 * 100000ull;
	z.fill = fill_values;
	z.tail = "),('next',167772162);\n";
	assert_int_equal(run_lazy(&z, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_int_equal(num(table(r, "botnet_list"), "rows"), 2);
	assert_string_equal(str(r, "targets.victims.1.ip"), "10.0.0.2");
	json_decref(recs);
	json_decref(learned);
}

/* 10,000 tables, each summarised. */
static char fill_tables(uint64_t i)
{
	/* "CREATE TABLE `tNNNNN` (`a` int);INSERT INTO `tNNNNN` VALUES (1);\n":
	 * 65 bytes */
	char s[128];
	unsigned long long k = i / 65 % 100000;
	snprintf(s, sizeof s, "CREATE TABLE `t%05llu` (`a` int);"
	         "INSERT INTO `t%05llu` VALUES (1);\n", k, k);
	return s[i % 65];
}

static void test_many_tables(void **state)
{
	struct lazy z = { 0 };
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(strlen("CREATE TABLE `t00000` (`a` int);"
	                        "INSERT INTO `t00000` VALUES (1);\n"), 65);
	z.head = "-- MySQL dump 10.13\n";
	z.body_len = 65 * 10000ull;
	z.fill = fill_tables;
	z.tail = "";
	assert_int_equal(run_lazy(&z, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_int_equal(json_array_size(at(r, "controller.tables")), 10000);
	assert_string_equal(str(r, "controller.tables.9999.name"), "t09999");
	assert_int_equal(num(r, "controller.tables.9999.rows"), 1);
	assert_null(at(r, "problems"));
	json_decref(recs);
	json_decref(learned);
}

/* More bots than a list keeps: CUST_X_LIST_MAX victims, the full count in
 * the table's summary. */
static char fill_bots(uint64_t i)
{
	/* "('bot0000000',0000000)," is 23 bytes */
	char s[64];
	unsigned long long k = i / 23 % 10000000;
	snprintf(s, sizeof s, "('bot%07llu',%07llu),", k, k);
	return s[i % 23];
}

static void test_many_victims(void **state)
{
	struct lazy z = { 0 };
	json_t *recs, *learned, *r;
	uint64_t n = CUST_X_LIST_MAX + 5;

	(void)state;
	z.head = "CREATE TABLE `bots` (`bot_id` varchar(16), `ip` int);\n"
	         "INSERT INTO `bots` VALUES ";
	z.body_len = 23 * n;
	z.fill = fill_bots;
	z.tail = "('last',1);\n";
	assert_int_equal(run_lazy(&z, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_int_equal(json_array_size(at(r, "targets.victims")),
	                 CUST_X_LIST_MAX);
	assert_int_equal(num(table(r, "bots"), "rows"), (long long)n + 1);
	assert_true(has_problem(r, "more than 100000 victims"));
	json_decref(recs);
	json_decref(learned);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mysqldump),
		cmocka_unit_test(test_phpmyadmin),
		cmocka_unit_test(test_not_sql),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_gigabyte_line),
		cmocka_unit_test(test_wide_table),
		cmocka_unit_test(test_many_tables),
		cmocka_unit_test(test_many_victims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
