/* test_x_spam.c - the spam campaign extractors (spam-template, spam-list,
 * relay-list) on material of the kind a spam botnet's controller holds:
 * a message template with macros and spintax, recipient, sender and
 * subject lists, relay and proxy lists; each built by the test, the large
 * ones made as they are read; and on hostile twins. */
#include "xtest.h"


/* The Nth string of the array at PATH of REC holds NEEDLE, for some N. */
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

/* ---- templates ------------------------------------------------------------ */

static char *b64(const char *s)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(n * 2 + 8);

	assert_non_null(out);
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* A template as spam engines read them: RFC 822 headers whose values hold
 * macros and spintax, a multipart body with a quoted-printable text part
 * and a base64 HTML part. */
static char *spam_template(void)
{
	char *html = b64("<html><body><a href=\"http://www.replica-watch."
	                 "example.org/buy?r=%%RND_ID%%\">Buy</a></body></html>");
	char *t = malloc(8192);
	int n;

	assert_non_null(t);
	n = snprintf(t, 8192,
		"From: \"{%%FROM_NAME%%}\" <%%%%RND_USER%%%%@{mail|post|inbox}.%%%%RND_DOMAIN%%%%>\n"
		"To: #EMAIL#\n"
		"Subject: {Cheap|Discount|Genuine} {meds|pills} [RND]\n"
		"Date: %%%%DATE%%%%\n"
		"Message-ID: <%%%%RND_HEX%%%%@%%%%RND_DOMAIN%%%%>\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/alternative;\n"
		"\tboundary=\"----=_NextPart_%%%%BOUNDARY%%%%\"\n"
		"\n"
		"This is a multi-part message in MIME format.\n"
		"\n"
		"------=_NextPart_%%%%BOUNDARY%%%%\n"
		"Content-Type: text/plain; charset=\"us-ascii\"\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"{Hello|Hi} {%%NAME%%},\n"
		"Visit http://{shop|store}.pills-direct.example.com/?id=3D%%%%RND_ID%%%% =\n"
		"now for 80%% off.\n"
		"\n"
		"------=_NextPart_%%%%BOUNDARY%%%%\n"
		"Content-Type: text/html; charset=\"us-ascii\"\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"%s\n"
		"\n"
		"------=_NextPart_%%%%BOUNDARY%%%%--\n", html);
	assert_true(n > 0 && n < 8192);
	free(html);
	return t;
}

static void test_template(void **state)
{
	char *t = spam_template();
	struct result r;
	json_t *rec;

	(void)state;
	r = run("spam-template", "msg.tpl", t, strlen(t), NULL);
	assert_int_equal(r.identified, 1);
	assert_int_equal(json_array_size(r.records), 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "family"), "spam");
	assert_string_equal(str(rec, "extractor"), "spam-template");
	assert_string_equal(str(rec, "kind"), "spam-template");
	assert_string_equal(str(rec, "status"), "decoded");
	assert_null(at(rec, "problems"));
	assert_string_equal(str(rec, "targets.subjects.0"),
	                    "{Cheap|Discount|Genuine} {meds|pills} [RND]");
	assert_string_equal(str(rec, "targets.senders.0"),
	                    "\"{%FROM_NAME%}\" <%%RND_USER%%@{mail|post|inbox}."
	                    "%%RND_DOMAIN%%>");
	assert_true(has_item(rec, "other.macros", "{%FROM_NAME%}"));
	assert_true(has_item(rec, "other.macros", "%%RND_USER%%"));
	assert_true(has_item(rec, "other.macros", "#EMAIL#"));
	assert_true(has_item(rec, "other.macros", "[RND]"));
	assert_true(has_item(rec, "other.macros", "%%DATE%%"));
	assert_true(has_item(rec, "other.macros", "{%NAME%}"));
	/* the id inside the base64 part counts once it is decoded */
	assert_true(has_item(rec, "other.macros", "%%RND_ID%%"));
	assert_true(has_item(rec, "other.macros", "%%BOUNDARY%%"));
	/* nothing made of a percentage ("80% off") */
	assert_false(has_item(rec, "other.macros", "% off"));
	/* {mail|post|inbox}, {Cheap|...}, {meds|pills}, {Hello|Hi},
	 * {shop|store} */
	assert_int_equal(num(rec, "other.spintax_groups"), 5);
	/* the quoted-printable part decoded (=3D, the soft break) */
	assert_true(has_item(rec, "targets.urls",
	                     "http://{shop|store}.pills-direct.example.com/?id="
	                     "%%RND_ID%%"));
	/* the base64 HTML part decoded */
	assert_true(has_item(rec, "targets.urls",
	                     "http://www.replica-watch.example.org/buy?r="
	                     "%%RND_ID%%"));
	assert_true(has_item(rec, "targets.domains", "pills-direct.example.com"));
	assert_true(has_item(rec, "targets.domains",
	                     "www.replica-watch.example.org"));
	assert_int_equal(json_array_size(at(rec, "targets.domains")), 2);
	done(&r);
	free(t);
}

/* Not templates: an ordinary message, a text file. */
static void test_template_not_ours(void **state)
{
	static const char mail[] =
		"From: Alice <alice@example.com>\n"
		"To: bob@example.com\n"
		"Subject: Lunch [URGENT]\n"
		"Date: Tue, 1 Mar 2011 10:00:00 +0000\n"
		"\n"
		"Shall we meet at 12? 100% sure. See http://example.com/{x}\n";
	static const char text[] = "Subject: notes\n{a|b} is spintax\n";
	struct result r;

	(void)state;
	r = run("spam-template", "mail.eml", mail, strlen(mail), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
	r = run("spam-template", "notes.txt", text, strlen(text), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
}

/* Hostile twins: spintax nested 10,000 deep and never closed, a base64
 * part that does not decode, headers never ended, invalid UTF-8, a
 * quoted-printable part ending in '=' and 1 GiB of one header line. */
static void test_template_hostile(void **state)
{
	size_t cap = 64 * 1024, len, i;
	char *t = malloc(cap);
	struct lazy z;
	struct result r;
	json_t *rec;

	(void)state;
	assert_non_null(t);
	len = (size_t)snprintf(t, cap,
		"From: %%%%FROM%%%%\nSubject: \xff\xfe{a|b} \xc3\n"
		"Content-Type: multipart/mixed; boundary=B\n\n--B\n"
		"Content-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
		"PGEgaHJlZj0i%%%%RND%%%%aHR0cDovL2V2aWwuZXhhbXBsZS5jb20vIj4=\n"
		"--B\nContent-Transfer-Encoding: quoted-printable\n\n"
		"http://qp.example.com/a\n=4=\n=");
	for (i = 0; i < 10000; i++)
		t[len++] = '{';
	t[len++] = '|';
	t[len] = '\0';
	r = run("spam-template", "t.txt", t, len, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_string_equal(str(rec, "targets.subjects.0"),
	                    "\\xff\\xfe{a|b} \\xc3");
	assert_true(problem(rec, "base64"));
	assert_true(problem(rec, "deeper"));
	assert_true(problem(rec, "not closed"));
	assert_true(has_item(rec, "targets.urls", "http://qp.example.com/a"));
	done(&r);

	/* headers that never end, 1 GiB of a Subject made as it is read */
	z.head = "From: %%FROM%%\nSubject: {a|b} ";
	z.head_len = strlen(z.head);
	z.size = 1ull << 30;
	z.fill = 'x';
	r = run_lazy("spam-template", "t.txt", &z, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "status"), "partial");
	assert_true(problem(rec, "first"));
	assert_true(json_string_length(at(rec, "targets.subjects.0")) <=
	            CUST_X_STRING_MAX);
	done(&r);
	free(t);
}

/* ---- lists ----------------------------------------------------------------- */

/* A recipient list of LINES lines of 26 bytes made as it is read: line I
 * is an address, but every 997th a line an operator struck out. */
#define LIST_LINE 26
struct gen {
	unsigned long lines;
};

static void gen_line(unsigned long i, char *out)
{
	char buf[64];
	int n;

	if (i % 997 == 996)
		n = snprintf(buf, sizeof buf, "# struck out %012lu\n", i);
	else
		n = snprintf(buf, sizeof buf, "r%07lu@list.example.com\n", i);
	assert_int_equal(n, LIST_LINE);
	memcpy(out, buf, LIST_LINE);
}

static long gen_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct gen *g = ctx;
	uint64_t size = (uint64_t)g->lines * LIST_LINE;
	char line[LIST_LINE];
	size_t done_ = 0;

	if (off >= size)
		return 0;
	if ((uint64_t)len > size - off)
		len = (size_t)(size - off);
	while (done_ < len) {
		uint64_t at_ = off + done_;
		size_t in = (size_t)(at_ % LIST_LINE), n = LIST_LINE - in;
		gen_line((unsigned long)(at_ / LIST_LINE), line);
		if (n > len - done_)
			n = len - done_;
		memcpy((char *)buf + done_, line + in, n);
		done_ += n;
	}
	return (long)len;
}

static struct result run_gen(const char *name, const char *file,
                             struct gen *g)
{
	const struct cust_extractor *x = cust_extractor_find(name);
	struct cust_x_input in = { 0 };
	struct cust_x_output out = { json_array(), json_array(), 0 };
	struct cust_error err;
	struct result r = { 0 };
	json_t *none = json_array();
	unsigned char *head = malloc(CUST_X_HEAD);
	long n;

	assert_non_null(x);
	assert_non_null(head);
	n = gen_pread(g, head, CUST_X_HEAD, 0);
	in.head = head;
	in.head_len = (size_t)n;
	in.size = (uint64_t)g->lines * LIST_LINE;
	in.name = file;
	in.pread = gen_pread;
	in.pctx = g;
	r.records = out.records;
	r.learned = out.learned;
	r.identified = x->identify(&in);
	if (r.identified && x->parse(&in, none, &out, &err) != 0)
		fail_msg("%s: %s", name, err.message);
	json_decref(none);
	free(head);
	return r;
}

static void test_recipients(void **state)
{
	struct gen g = { 200000 };
	unsigned long i, valid = 0, struck = 0, last = 0;
	char line[LIST_LINE + 1], want[LIST_LINE];
	struct result r;
	json_t *rec;

	(void)state;
	for (i = 0; i < g.lines; i++) {
		gen_line(i, line);
		if (line[0] == '#') {
			struck++;
			continue;
		}
		if (++valid == CUST_X_LIST_MAX)
			last = i;
	}
	r = run_gen("spam-list", "list_0042.txt", &g);
	assert_int_equal(r.identified, 1);
	assert_int_equal(json_array_size(r.records), 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "family"), "spam");
	assert_string_equal(str(rec, "extractor"), "spam-list");
	assert_string_equal(str(rec, "kind"), "target-list");
	assert_string_equal(str(rec, "status"), "decoded");
	assert_null(at(rec, "problems"));
	assert_int_equal(num(rec, "counts.recipients"), (long)valid);
	assert_int_equal(num(rec, "counts.lines"), 200000);
	assert_int_equal(num(rec, "counts.unparsed"), (long)struck);
	/* the first CUST_X_LIST_MAX in the record, in order */
	assert_int_equal(json_array_size(at(rec, "targets.recipients")),
	                 CUST_X_LIST_MAX);
	assert_string_equal(str(rec, "targets.recipients.0"),
	                    "r0000000@list.example.com");
	gen_line(last, line);
	memcpy(want, line, LIST_LINE - 1);
	want[LIST_LINE - 1] = '\0';
	{
		char path[64];
		snprintf(path, sizeof path, "targets.recipients.%u",
		         CUST_X_LIST_MAX - 1);
		assert_string_equal(str(rec, path), want);
	}
	assert_null(at(rec, "targets.senders"));
	done(&r);
}

static void test_lists(void **state)
{
	static const char csv[] =
		"email,first,last\n"
		"john.smith@mail.example.com,John,Smith\n"
		"\"mary@example.net\",Mary,\n"
		"Jane Roe <jane.roe@example.org>;Jane\n"
		"\n"
		"bob@example.com\n";
	static const char subjects[] =
		"Re: your order #%%RND_NUM%%\n"
		"{Cheap|Genuine} watches\n"
		"\n"
		"Important account notice\n";
	static const char senders[] =
		"Amazon Support <support@amaz0n-help.example.com>\n"
		"PayPal <service@paypa1.example.net>\n"
		"Your Bank\n";
	static const char prose[] =
		"Dear all,\nplease write to helpdesk@example.com if anything\n"
		"breaks.  Thanks,\nthe admins\n";
	struct result r;
	json_t *rec;

	(void)state;
	r = run("spam-list", "mails.csv", csv, strlen(csv), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(rec, "counts.recipients"), 4);
	assert_int_equal(num(rec, "counts.unparsed"), 1);
	assert_string_equal(str(rec, "targets.recipients.0"),
	                    "john.smith@mail.example.com");
	assert_string_equal(str(rec, "targets.recipients.1"), "mary@example.net");
	assert_string_equal(str(rec, "targets.recipients.2"),
	                    "jane.roe@example.org");
	done(&r);

	r = run("spam-list", "subjects.txt", subjects, strlen(subjects), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(rec, "counts.subjects"), 3);
	assert_string_equal(str(rec, "targets.subjects.1"),
	                    "{Cheap|Genuine} watches");
	assert_null(at(rec, "targets.recipients"));
	done(&r);

	r = run("spam-list", "senders.txt", senders, strlen(senders), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(rec, "counts.senders"), 3);
	assert_string_equal(str(rec, "targets.senders.0"),
	                    "Amazon Support <support@amaz0n-help.example.com>");
	assert_string_equal(str(rec, "targets.senders.2"), "Your Bank");
	done(&r);

	/* prose with an address in it is no list */
	r = run("spam-list", "README", prose, strlen(prose), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
}

/* Advertised URLs and domains: a list whose name says so, URLs and bare
 * domains one a line; the same lines under another name are not taken,
 * and a list of host:port lines is a relay list's. */
static void test_url_lists(void **state)
{
	static const char links[] =
		"http://cheap-pills.example.com/?id=%%RND%%\n"
		"hxxps://Rolex-Replica.example.net/buy\n"
		"cheap-pills.example.com/landing\n"
		"  pharma.example.org  \n"
		"not a url at all\n"
		"ftp://files.example.org/x.zip\n";
	static const char relays[] =
		"mx1.example.com:25\nmx2.example.com:25\nmx3.example.com:25\n";
	struct result r;
	json_t *rec;

	(void)state;
	r = run("spam-list", "spam/links.txt", links, strlen(links), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "kind"), "target-list");
	assert_int_equal(num(rec, "counts.urls"), 5);
	assert_int_equal(num(rec, "counts.unparsed"), 1);
	assert_int_equal(num(rec, "counts.domains"), 4);
	assert_string_equal(str(rec, "targets.urls.0"),
	                    "http://cheap-pills.example.com/?id=%%RND%%");
	assert_string_equal(str(rec, "targets.domains.0"), "cheap-pills.example.com");
	assert_string_equal(str(rec, "targets.domains.1"),
	                    "rolex-replica.example.net");
	assert_string_equal(str(rec, "targets.domains.2"), "pharma.example.org");
	assert_null(at(rec, "targets.domains.4"));
	done(&r);

	/* deleted from FAT, its name's first letter lost */
	r = run("spam-list", "/spam/_inks.txt", links, strlen(links), NULL);
	assert_int_equal(r.identified, 1);
	done(&r);

	/* a mirror list is a URL list too: without the name, not ours */
	r = run("spam-list", "etc/yum/mirrorlist", links, strlen(links), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
	r = run("spam-list", "domains.txt", relays, strlen(relays), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
}

/* Hostile twins of a list: invalid UTF-8, NULs, overlong addresses, and a
 * line of 1 GiB between the addresses, made as it is read. */
static void test_lists_hostile(void **state)
{
	static const char odd[] =
		"a@example.com\n"
		"b@example.com\n"
		"\xff\xfe@example.com\n"
		"c@exa\0mple.com\n"
		"d@@example.com\n"
		"e@example.com\n"
		"f@example.com\ng@example.com\nh@example.com\ni@example.com\n"
		"j@example.com\nk@example.com\nl@example.com\nm@example.com\n"
		"n@example.com\n";
	char *head = malloc(20 * 14 + 1);
	struct lazy z;
	struct result r;
	json_t *rec;
	size_t i;

	(void)state;
	r = run("spam-list", "x.lst", odd, sizeof odd - 1, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(rec, "counts.recipients"), 12);
	assert_int_equal(num(rec, "counts.unparsed"), 3);
	done(&r);

	assert_non_null(head);
	for (i = 0; i < 20; i++)
		memcpy(head + i * 14, "a@example.com\n", 14);
	z.head = head;
	z.head_len = 20 * 14;
	z.size = 1ull << 30;
	z.fill = 'a';
	r = run_lazy("spam-list", "x.lst", &z, NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(rec, "counts.recipients"), 20);
	assert_int_equal(num(rec, "counts.unparsed"), 1);
	assert_true(problem(rec, "longer than"));
	done(&r);
	free(head);
}

/* ---- relays and proxies ------------------------------------------------------ */

static void test_relays(void **state)
{
	static const char list[] =
		"# relays checked 2011-03-01\n"
		"203.0.113.5:25\n"
		"mail.relay-one.example.net:587 US\n"
		"198.51.100.7:465\n"
		"198.51.100.8:1080\n"
		"socks5://198.51.100.9:9050\n"
		"user:pw@192.0.2.10:3128\n"
		"192.0.2.11:8080:bob:secret\n"
		"192.0.2.12:31337\n"
		"[2001:db8::25]:25\n";
	static const char smtp[] = "192.0.2.1:2526\n192.0.2.2:2526\n"
	                           "192.0.2.3:2526\n";
	static const char conf[] = "Port: 22\nhost: 10\nListenAddress 0.0.0.0\n"
	                           "retries:3\n";
	struct result r;
	json_t *rec;

	(void)state;
	r = run("relay-list", "proxies.txt", list, strlen(list), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_string_equal(str(rec, "family"), "spam");
	assert_string_equal(str(rec, "kind"), "target-list");
	assert_string_equal(str(rec, "status"), "decoded");
	assert_int_equal(json_array_size(at(rec, "targets.smtp_relays")), 4);
	assert_string_equal(str(rec, "targets.smtp_relays.0.host"), "203.0.113.5");
	assert_int_equal(num(rec, "targets.smtp_relays.0.port"), 25);
	assert_string_equal(str(rec, "targets.smtp_relays.1.host"),
	                    "mail.relay-one.example.net");
	assert_int_equal(num(rec, "targets.smtp_relays.2.port"), 465);
	assert_string_equal(str(rec, "targets.smtp_relays.3.host"), "2001:db8::25");
	assert_int_equal(json_array_size(at(rec, "targets.proxies")), 5);
	assert_int_equal(num(rec, "targets.proxies.0.port"), 1080);
	assert_string_equal(str(rec, "targets.proxies.1.protocol"), "socks5");
	assert_int_equal(num(rec, "targets.proxies.1.port"), 9050);
	assert_string_equal(str(rec, "targets.proxies.2.username"), "user");
	assert_string_equal(str(rec, "targets.proxies.2.password"), "pw");
	assert_string_equal(str(rec, "targets.proxies.3.username"), "bob");
	assert_string_equal(str(rec, "targets.proxies.3.password"), "secret");
	/* a port of neither kind goes where the file's name points */
	assert_int_equal(num(rec, "targets.proxies.4.port"), 31337);
	assert_int_equal(num(rec, "counts.smtp_relays"), 4);
	assert_int_equal(num(rec, "counts.proxies"), 5);
	done(&r);

	r = run("relay-list", "smtp-relays.txt", smtp, strlen(smtp), NULL);
	rec = json_array_get(r.records, 0);
	assert_int_equal(json_array_size(at(rec, "targets.smtp_relays")), 3);
	assert_null(at(rec, "targets.proxies"));
	done(&r);

	r = run("relay-list", "list.txt", smtp, strlen(smtp), NULL);
	rec = json_array_get(r.records, 0);
	assert_int_equal(json_array_size(at(rec, "targets.proxies")), 3);
	done(&r);

	r = run("relay-list", "sshd_config", conf, strlen(conf), NULL);
	assert_int_equal(r.identified, 0);
	done(&r);
}

static void test_relays_hostile(void **state)
{
	static const char bad[] =
		"192.0.2.1:25\n"
		"192.0.2.2:99999\n"
		"192.0.2.3:0\n"
		"192.0.2.4:\n"
		":25\n"
		"[::1:25\n"
		"256.1.1.1:25\n"
		"192.0.2.5:25\n"
		"192.0.2.6:25\n"
		"192.0.2.7:25\n"
		"192.0.2.8:25\n"
		"192.0.2.9:25\n"
		"192.0.2.10:25\n"
		"192.0.2.11:25\n"
		"192.0.2.12:25\n"
		"192.0.2.13:25\n"
		"192.0.2.14:25\n"
		"192.0.2.15:25\n"
		"192.0.2.16:25\n"
		"192.0.2.17:25\n"
		"192.0.2.18:25\n"
		"192.0.2.19:25\n"
		"192.0.2.20:25\n"
		"192.0.2.21:25\n"
		"192.0.2.22:25\n"
		"192.0.2.23:25\n"
		"192.0.2.24:25\n"
		"192.0.2.25:25\n"
		"192.0.2.26:25\n"
		"192.0.2.27:25";
	struct result r;
	json_t *rec;

	(void)state;
	r = run("relay-list", "r.txt", bad, strlen(bad), NULL);
	assert_int_equal(r.identified, 1);
	rec = json_array_get(r.records, 0);
	assert_int_equal(num(rec, "counts.smtp_relays"), 24);
	assert_int_equal(num(rec, "counts.unparsed"), 6);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_template_not_ours),
		cmocka_unit_test(test_template_hostile),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_url_lists),
		cmocka_unit_test(test_lists_hostile),
		cmocka_unit_test(test_relays),
		cmocka_unit_test(test_relays_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
