/* test_x_mirai.c - the Mirai string table extractor on a table.c and a
 * scanner.c written as Mirai's public source writes them (every string
 * XORed with the byte k1^k2^k3^k4 of the table key, the scanner's
 * credentials XORed with the constants of its deobf), the test encoding the
 * strings itself; and on hostile twins. */
#include "xtest.h"

/* ---- building sources as Mirai's are written ---------------------------- */

/* The byte Mirai's toggle_obf XORs every byte with: the four bytes of the
 * table key XORed together. */
static unsigned char key_byte(uint32_t key)
{
	return (unsigned char)((key & 0xff) ^ ((key >> 8) & 0xff) ^
	                       ((key >> 16) & 0xff) ^ ((key >> 24) & 0xff));
}

/* Append to OUT S[0..N) XORed with K, as \xHH escapes. */
static void escaped(char *out, size_t cap, const void *s, size_t n,
                    unsigned char k)
{
	const unsigned char *p = s;
	size_t o = strlen(out), i;

	for (i = 0; i < n; i++) {
		int w = snprintf(out + o, cap - o, "\\x%02X", p[i] ^ k);
		assert_true(w == 4);
		o += 4;
	}
}

/* Append a line add_entry(ID, "<S[0..N) and a NUL, encoded>", LEN); */
static void add_entry(char *out, size_t cap, const char *id, const void *s,
                      size_t n, int with_nul, unsigned char k,
                      const char *comment)
{
	size_t o = strlen(out);

	snprintf(out + o, cap - o, "    add_entry(%s, \"", id);
	escaped(out, cap, s, n, k);
	if (with_nul)
		escaped(out, cap, "", 1, k);
	o = strlen(out);
	snprintf(out + o, cap - o, "\", %zu);%s%s\n", n + (with_nul ? 1 : 0),
	         comment ? " // " : "", comment ? comment : "");
}

static void add_str(char *out, size_t cap, const char *id, const char *s,
                    unsigned char k, const char *comment)
{
	add_entry(out, cap, id, s, strlen(s), 1, k, comment);
}

static void add_port(char *out, size_t cap, const char *id, unsigned port,
                     unsigned char k, const char *comment)
{
	unsigned char be[2] = { (unsigned char)(port >> 8),
	                        (unsigned char)(port & 0xff) };

	add_entry(out, cap, id, be, 2, 0, k, comment);
}

static void append(char *out, size_t cap, const char *s)
{
	size_t o = strlen(out);
	int w = snprintf(out + o, cap - o, "%s", s);

	assert_true(w >= 0 && (size_t)w < cap - o);
}

/* A table.c with KEY declared (or none when DECLARE is 0) and its strings
 * encoded with ENC_KEY; the comments say other things, and a commented
 * add_entry names a decoy. */
static char *table_c(uint32_t key, int declare, uint32_t enc_key)
{
	size_t cap = 16384;
	char *t = calloc(1, cap);
	unsigned char k = key_byte(enc_key);
	char line[128];

	assert_non_null(t);
	append(t, cap, "#define _GNU_SOURCE\n\n#include <stdint.h>\n"
	               "#include \"includes.h\"\n#include \"table.h\"\n\n");
	if (declare) {
		snprintf(line, sizeof line, "uint32_t table_key = 0x%08x;\n", key);
		append(t, cap, line);
	}
	append(t, cap, "struct table_value table[TABLE_MAX_KEYS];\n\n"
	               "void table_init(void)\n{\n");
	add_str(t, cap, "TABLE_CNC_DOMAIN", "cnc.botlab-test.com", k,
	        "cnc.changeme.com");
	add_port(t, cap, "TABLE_CNC_PORT", 23, k, NULL);
	add_str(t, cap, "TABLE_SCAN_CB_DOMAIN", "report.botlab-test.com", k,
	        "report.changeme.com");
	add_port(t, cap, "TABLE_SCAN_CB_PORT", 48101, k, NULL);
	append(t, cap, "    /*\n");
	add_str(t, cap, "TABLE_CNC_DOMAIN", "decoy.example.net", k, NULL);
	append(t, cap, "    */\n    // ");
	add_str(t, cap, "TABLE_SCAN_CB_DOMAIN", "decoy2.example.net", k, NULL);
	add_str(t, cap, "TABLE_EXEC_SUCCESS", "listening tun0", k, NULL);
	add_str(t, cap, "TABLE_KILLER_PROC", "/proc/", k, "\"/proc/\"");
	add_str(t, cap, "TABLE_KILLER_EXE", "/exe", k, NULL);
	add_str(t, cap, "TABLE_SCAN_QUERY", "/bin/busybox MIRAI", k, NULL);
	add_str(t, cap, "TABLE_ATK_RESOLVER", "/etc/resolv.conf", k, NULL);
	append(t, cap,
	       "}\n\n"
	       "static void toggle_obf(uint8_t id)\n{\n"
	       "    int i;\n"
	       "    struct table_value *val = &table[id];\n"
	       "    uint8_t k1 = table_key & 0xff,\n"
	       "            k2 = (table_key >> 8) & 0xff,\n"
	       "            k3 = (table_key >> 16) & 0xff,\n"
	       "            k4 = (table_key >> 24) & 0xff;\n\n"
	       "    for (i = 0; i < val->val_len; i++)\n    {\n"
	       "        val->val[i] ^= k1;\n        val->val[i] ^= k2;\n"
	       "        val->val[i] ^= k3;\n        val->val[i] ^= k4;\n"
	       "    }\n}\n");
	return t;
}

static void test_table(void **state)
{
	char *src = table_c(0xdeadbeef, 1, 0xdeadbeef);
	struct result r;
	json_t *rec;

	(void)state;
	/* the scheme as Mirai's source has it: 0xdeadbeef gives 0x22, and
	 * port 23 is written "\x22\x35" */
	assert_int_equal(key_byte(0xdeadbeef), 0x22);
	assert_non_null(strstr(src, "add_entry(TABLE_CNC_PORT, \"\\x22\\x35\", 2);"));
	r = run("mirai-table", "table.c", src, strlen(src), NULL);
	assert_int_equal(r.identified, 1);
	assert_int_equal(json_array_size(r.records), 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "family"), "mirai");
	assert_string_equal(str(rec, "extractor"), "mirai-table");
	assert_string_equal(str(rec, "kind"), "string-table");
	assert_string_equal(str(rec, "status"), "decoded");
	assert_null(at(rec, "problems"));
	assert_int_equal(json_array_size(at(rec, "c2")), 2);
	assert_string_equal(str(rec, "c2.0.host"), "cnc.botlab-test.com");
	assert_int_equal(num(rec, "c2.0.port"), 23);
	assert_string_equal(str(rec, "c2.0.usage"), "c2");
	assert_string_equal(str(rec, "c2.0.protocol"), "tcp");
	assert_string_equal(str(rec, "c2.1.host"), "report.botlab-test.com");
	assert_int_equal(num(rec, "c2.1.port"), 48101);
	assert_string_equal(str(rec, "c2.1.usage"), "report");
	assert_string_equal(str(rec, "other.strings.TABLE_EXEC_SUCCESS"),
	                    "listening tun0");
	assert_string_equal(str(rec, "other.strings.TABLE_KILLER_PROC"), "/proc/");
	assert_string_equal(str(rec, "other.strings.TABLE_SCAN_QUERY"),
	                    "/bin/busybox MIRAI");
	assert_string_equal(str(rec, "other.strings.TABLE_ATK_RESOLVER"),
	                    "/etc/resolv.conf");
	assert_null(at(rec, "other.strings.TABLE_CNC_DOMAIN"));
	assert_string_equal(str(rec, "other.obfuscation"), "xor");
	assert_string_equal(str(rec, "other.xor_byte"), "22");
	assert_string_equal(str(rec, "other.key_source"), "file");
	assert_string_equal(str(rec, "keys.0.algorithm"), "xor");
	assert_string_equal(str(rec, "keys.0.usage"), "string-table");
	assert_string_equal(str(rec, "keys.0.value"), "deadbeef");
	assert_string_equal(str(rec, "keys.0.encoding"), "hex");
	/* nothing of the comments: neither the decoys nor changeme */
	{
		char *dump = json_dumps(rec, 0);
		assert_null(strstr(dump, "decoy"));
		assert_null(strstr(dump, "changeme"));
		free(dump);
	}
	/* the key is learned, for a bot binary built with it */
	assert_int_equal(json_array_size(r.learned), 1);
	assert_string_equal(str(r.learned, "0.algorithm"), "xor");
	assert_string_equal(str(r.learned, "0.usage"), "string-table");
	assert_string_equal(str(r.learned, "0.value"), "deadbeef");
	done(&r);
	free(src);
}

/* Another key, whose byte is not 0x22: the key is read, not assumed. */
static void test_table_other_key(void **state)
{
	char *src = table_c(0x1badc0de, 1, 0x1badc0de);
	struct result r;
	json_t *rec;

	(void)state;
	assert_int_not_equal(key_byte(0x1badc0de), 0x22);
	r = run("mirai-table", "table.c", src, strlen(src), NULL);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(rec, "c2.0.host"), "cnc.botlab-test.com");
	assert_int_equal(num(rec, "c2.1.port"), 48101);
	assert_string_equal(str(rec, "keys.0.value"), "1badc0de");
	done(&r);
	free(src);
}

/* scanner.c: add_auth_entry strings XORed with the constants of deobf. */
static char *scanner_c(const unsigned char *consts, size_t n)
{
	static const char *const pairs[][3] = {
		{ "root", "xc3511", "10" }, { "root", "vizxv", "9" },
		{ "admin", "admin", "7" },  { "root", "", "4" },
		{ "support", "support", "5" },
	};
	size_t cap = 8192, i;
	char *t = calloc(1, cap);
	unsigned char k = 0;
	char line[64];

	assert_non_null(t);
	for (i = 0; i < n; i++)
		k ^= consts[i];
	append(t, cap, "#ifdef MIRAI_TELNET\n#include \"scanner.h\"\n\n"
	               "void scanner_init(void)\n{\n    // Set up passwords\n");
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		append(t, cap, "    add_auth_entry(\"");
		escaped(t, cap, pairs[i][0], strlen(pairs[i][0]), k);
		append(t, cap, "\", \"");
		escaped(t, cap, pairs[i][1], strlen(pairs[i][1]), k);
		snprintf(line, sizeof line, "\", %s); // guest guest\n", pairs[i][2]);
		append(t, cap, line);
	}
	append(t, cap, "}\n\nstatic char *deobf(char *str, int *len)\n{\n"
	               "    int i;\n    char *cpy;\n\n"
	               "    *len = util_strlen(str);\n"
	               "    cpy = malloc(*len + 1);\n"
	               "    util_memcpy(cpy, str, *len + 1);\n"
	               "    for (i = 0; i < *len; i++)\n    {\n");
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "        cpy[i] ^= 0x%02X;\n", consts[i]);
		append(t, cap, line);
	}
	append(t, cap, "    }\n    return cpy;\n}\n#endif\n");
	return t;
}

static void test_scanner(void **state)
{
	static const unsigned char mirai[] = { 0xDE, 0xAD, 0xBE, 0xEF };
	static const unsigned char other[] = { 0x5A, 0x3C };
	char *src = scanner_c(mirai, sizeof mirai);
	struct result r;
	json_t *rec;

	(void)state;
	/* the public scanner.c's first entry, as it is written there */
	assert_non_null(strstr(src, "add_auth_entry(\"\\x50\\x4D\\x4D\\x56\", "
	                            "\"\\x5A\\x41\\x11\\x17\\x13\\x13\", 10);"));
	r = run("mirai-table", "scanner.c", src, strlen(src), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_int_equal(json_array_size(at(rec, "targets.default_credentials")), 5);
	assert_string_equal(str(rec, "targets.default_credentials.0.username"), "root");
	assert_string_equal(str(rec, "targets.default_credentials.0.password"), "xc3511");
	assert_int_equal(num(rec, "targets.default_credentials.0.weight"), 10);
	assert_string_equal(str(rec, "targets.default_credentials.3.password"), "");
	assert_string_equal(str(rec, "targets.default_credentials.4.username"), "support");
	assert_null(at(rec, "c2"));
	assert_null(strstr(str(rec, "targets.default_credentials.1.username"), "guest"));
	done(&r);
	free(src);

	/* a variant whose deobf XORs other constants: they are read */
	src = scanner_c(other, sizeof other);
	r = run("mirai-table", "scanner.c", src, strlen(src), NULL);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(rec, "targets.default_credentials.1.password"), "vizxv");
	done(&r);
	free(src);
}

/* A table whose unlock does not XOR (strings kept in the clear, as some
 * published copies of the source have it): the strings are taken as they
 * are, and the record says so. */
static void test_table_clear(void **state)
{
	char *src = table_c(0xdeadbeef, 1, 0);
	struct result r;
	json_t *rec;

	(void)state;
	r = run("mirai-table", "table.c", src, strlen(src), NULL);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(rec, "c2.0.host"), "cnc.botlab-test.com");
	assert_int_equal(num(rec, "c2.0.port"), 23);
	assert_string_equal(str(rec, "other.obfuscation"), "none");
	assert_null(at(rec, "keys"));
	assert_int_equal(json_array_size(r.learned), 0);
	done(&r);
	free(src);
}

/* No table_key in the file, strings under a key nobody knows: needs-key,
 * then decoded once the key is known. */
static void test_table_needs_key(void **state)
{
	char *src = table_c(0, 0, 0x12345678);
	json_t *known;
	struct result r;
	json_t *rec;

	(void)state;
	r = run("mirai-table", "table.c", src, strlen(src), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "needs-key");
	assert_int_equal(r.needs_knowledge, 1);
	assert_null(at(rec, "c2"));
	done(&r);

	known = json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "kind", "key",
	                  "algorithm", "xor", "usage", "string-table", "value",
	                  "12345678", "encoding", "hex");
	r = run("mirai-table", "table.c", src, strlen(src), known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_int_equal(r.needs_knowledge, 0);
	assert_string_equal(str(rec, "c2.0.host"), "cnc.botlab-test.com");
	assert_string_equal(str(rec, "key_used.algorithm"), "xor");
	assert_string_equal(str(rec, "key_used.value"), "12345678");
	assert_string_equal(str(rec, "other.key_source"), "known");
	done(&r);
	json_decref(known);

	/* a key given by hand, written as the table key is */
	known = json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "kind", "key",
	                  "algorithm", "rc4", "usage", "hint", "value",
	                  "0x12345678", "encoding", "text");
	r = run("mirai-table", "table.c", src, strlen(src), known);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(rec, "c2.0.host"), "cnc.botlab-test.com");
	assert_string_equal(str(rec, "key_used.value"), "0x12345678");
	done(&r);
	json_decref(known);

	/* without a key in the file, Mirai's public default is tried */
	free(src);
	src = table_c(0, 0, 0xdeadbeef);
	r = run("mirai-table", "table.c", src, strlen(src), NULL);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "decoded");
	assert_string_equal(str(rec, "other.key_source"), "default");
	assert_string_equal(str(rec, "c2.0.host"), "cnc.botlab-test.com");
	done(&r);
	free(src);
}

/* The file's key does not decode its strings. */
static void test_table_wrong_key(void **state)
{
	char *src = table_c(0xdeadbeef, 1, 0x12345678);
	struct result r;
	json_t *rec;

	(void)state;
	r = run("mirai-table", "table.c", src, strlen(src), NULL);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "wrong-key");
	assert_int_equal(r.needs_knowledge, 1);
	assert_null(at(rec, "c2"));
	assert_true(problem(rec, "0xdeadbeef"));
	done(&r);
	free(src);
}

/* Hostile twins: escapes C does not allow, an unterminated literal, a
 * torn call, more entries than any table holds, and 1 GiB of content. */
static void test_table_hostile(void **state)
{
	static const char bad[] =
		"uint32_t table_key = 0xdeadbeef;\n"
		/* \x with one digit is C's, \x with three is not, \x with none
		 * is not */
		"add_entry(TABLE_CNC_DOMAIN, \"\\x41\\x4C\\x41\\x0C\\x4\\x22\", 6);\n"
		"add_entry(TABLE_EXEC_SUCCESS, \"\\x4E\\x4B\\x51\\x56\\x414\\x22\", 5);\n"
		"add_entry(TABLE_KILLER_EXE, \"\\x\\x4E\\x22\", 2);\n"
		"add_entry(TABLE_CNC_PORT, \"\\x22\\x35\\x22\", 3);\n"
		"add_entry(TABLE_KILLER_FD, \"\\x0D\\x44\\x46\\x22\n"
		"add_entry(TABLE_SCAN_CB_DOMAIN, \"\\x0D\\x44\\x46\\x22\", 4";
	static const char notours[] = "#include <stdio.h>\n"
	                              "int main(void) { return add(1, 2); }\n";
	struct lazy z;
	struct result r;
	json_t *rec;
	char *many;
	size_t cap = 5000 * 64, i;

	(void)state;
	r = run("mirai-table", "table.c", bad, strlen(bad), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_string_equal(str(rec, "c2.0.host"), "cnc.&");
	assert_true(problem(rec, "more than two hex digits"));
	assert_true(problem(rec, "without hex digits"));
	assert_true(problem(rec, "3 bytes"));
	assert_true(problem(rec, "not closed"));
	done(&r);

	r = run("mirai-table", "x.c", notours, strlen(notours), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);

	/* 5,000 entries: at most a table's worth is kept */
	many = calloc(1, cap);
	assert_non_null(many);
	append(many, cap, "uint32_t table_key = 0xdeadbeef;\n");
	for (i = 0; i < 5000; i++) {
		char id[32];
		snprintf(id, sizeof id, "TABLE_X%zu", i);
		add_str(many, cap, id, "abc", 0x22, NULL);
	}
	r = run("mirai-table", "table.c", many, strlen(many), NULL);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "entries"));
	assert_true(json_object_size(at(rec, "other.strings")) <= 1024);
	done(&r);
	free(many);

	/* 1 GiB of one string literal that never ends, made as it is read */
	z.head = "uint32_t table_key = 0xdeadbeef;\n"
	         "add_entry(TABLE_CNC_DOMAIN, \"\\x41";
	z.head_len = strlen(z.head);
	z.size = 1ull << 30;
	z.fill = 'A';
	r = run_lazy("mirai-table", "table.c", &z, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "first"));
	done(&r);
}

/* The C helpers of extractor.h the table is read with. */
static void test_c_helpers(void **state)
{
	static const char src[] =
		"a /* b \"c\" */ \"d\\\"e\" 'f' 0x1Fu // g\n"
		"\"open\n"
		"#define X 1 /* never closed";
	static const char ok[] = "\\x41\\101\\n\\u00e9\\x4";
	static const char refused[] = "\\x\\x414\\777\\q\\";
	unsigned char out[64];
	struct cust_x_clex lx;
	struct cust_x_ctok t;
	const char *why = NULL;
	unsigned bad = 0;
	uint64_t v;
	size_t n;

	(void)state;
	cust_x_clex_init(&lx, src, strlen(src));
	assert_int_equal(cust_x_clex_next(&lx, &t), 1);
	assert_int_equal(t.kind, CUST_X_CT_IDENT);
	assert_int_equal(cust_x_clex_next(&lx, &t), 1);
	assert_int_equal(t.kind, CUST_X_CT_STRING);
	assert_int_equal(t.len, 4); /* d\"e, the comment before skipped */
	assert_int_equal(cust_x_clex_next(&lx, &t), 1);
	assert_int_equal(t.kind, CUST_X_CT_CHAR);
	assert_int_equal(cust_x_clex_next(&lx, &t), 1);
	assert_int_equal(t.kind, CUST_X_CT_NUMBER);
	assert_int_equal(t.len, 5);
	assert_int_equal(cust_x_clex_next(&lx, &t), 1);
	assert_int_equal(t.kind, CUST_X_CT_STRING);
	assert_int_equal(t.line, 2);
	assert_int_equal(t.open, 1); /* ends with its line */
	assert_int_equal(cust_x_clex_next(&lx, &t), 1);
	assert_int_equal(t.kind, CUST_X_CT_PUNCT);
	assert_int_equal(t.line, 3);
	while (cust_x_clex_next(&lx, &t))
		;
	assert_int_equal(t.kind, CUST_X_CT_END);
	assert_int_equal(t.open, 1); /* the comment never closed */

	n = cust_x_c_unescape(ok, strlen(ok), out, &bad, &why);
	assert_int_equal(bad, 0);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "AA\n\xc3\xa9\x04", 6);
	n = cust_x_c_unescape(refused, strlen(refused), out, &bad, &why);
	assert_int_equal(bad, 5);
	assert_string_equal(why, "\\x without hex digits");
	assert_int_equal(n, 4);
	assert_memory_equal(out, "A4\xffq", 4);

	assert_int_equal(cust_x_c_number("0xdeadbeef", 10, &v), 0);
	assert_true(v == 0xdeadbeefu);
	assert_int_equal(cust_x_c_number("0777UL", 6, &v), 0);
	assert_true(v == 0777);
	assert_int_equal(cust_x_c_number("99999999999999999999", 20, &v), -1);
	assert_int_equal(cust_x_c_number("0x", 2, &v), -1);
	assert_int_equal(cust_x_c_number("12a", 3, &v), -1);

	assert_int_equal(cust_x_hostname("cnc.example.com", 15), 1);
	assert_int_equal(cust_x_hostname("198.51.100.7", 12), 1);
	assert_int_equal(cust_x_hostname("256.1.1.1", 9), 0);
	assert_int_equal(cust_x_hostname("localhost", 9), 0);
	assert_int_equal(cust_x_hostname("a-.example.com", 14), 0);
	assert_int_equal(cust_x_hostname("under_score.com", 15), 0);
	assert_int_equal(cust_x_hostname("version.1", 9), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_helpers),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_other_key),
		cmocka_unit_test(test_scanner),
		cmocka_unit_test(test_table_clear),
		cmocka_unit_test(test_table_needs_key),
		cmocka_unit_test(test_table_wrong_key),
		cmocka_unit_test(test_table_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
