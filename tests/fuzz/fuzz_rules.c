/* fuzz_rules.c - YARA rules over hostile content: a fixed rule set (plain,
 * nocase, wide, hex with jumps, regular expressions, integer reads, loops)
 * scans the input as a buffer and through a reader that returns short
 * reads; both must give the same hits (a difference aborts), every hit
 * printable and its offset inside the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/fsutil.h"
#include "custody/rules.h"
#include "fuzz.h"

#define MAXHITS 32

static const char rule_text[] =
	"rule cc : botnet {\n"
	"  meta: extractor = \"zeus\"\n"
	"  strings:\n"
	"    $a = \"gate.php\" nocase\n"
	"    $b = \"config\" wide ascii\n"
	"    $c = { 4D 5A [2-64] 50 45 00 00 }\n"
	"    $d = /https?:\\/\\/[a-z0-9.-]{1,64}\\/[a-z]{0,16}/\n"
	"  condition: any of them\n"
	"}\n"
	"rule mz { condition: uint16(0) == 0x5a4d and\n"
	"  uint32(uint32(0x3c)) == 0x4550 }\n"
	"rule counted {\n"
	"  strings: $x = \"AAAA\"\n"
	"  condition: #x > 2 and for all i in (1..#x) : (@x[i] < filesize)\n"
	"}\n"
	"rule tail { condition: filesize > 4 and uint8(filesize - 1) == 0x0a }\n";

struct src {
	const uint8_t *data;
	size_t size;
	size_t chunk;
};

static long src_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct src *s = ctx;
	size_t n = len;

	if (off >= s->size)
		return 0;
	if (n > s->size - off)
		n = s->size - (size_t)off;
	if (n > s->chunk)
		n = s->chunk;
	memcpy(buf, s->data + off, n);
	return (long)n;
}

static void check_hits(const struct cust_rule_hit *h, size_t n, size_t size)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *f[] = { h[i].rule, h[i].ns, h[i].extractor,
		                    h[i].tags };
		size_t k;
		for (k = 0; k < 4; k++) {
			const unsigned char *p = (const unsigned char *)f[k];
			for (; *p; p++)
				if (*p < 0x20 || *p == 0x7f)
					abort();
		}
		if (h[i].offset != UINT64_MAX && h[i].offset >= size)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[CUST_PATH_MAX];
	static struct cust_rules *rules;
	static struct cust_rules_scanner *scanner;
	struct cust_rule_hit a[MAXHITS], b[MAXHITS];
	struct src s = { data, size, 1 + (size ? data[0] % 61 : 0) };
	size_t na, nb;
	int ta, tb, ra, rb;

	if (!rules) {
		char path[CUST_PATH_MAX + 16];
		FILE *f;
		if (fuzz_tempdir(dir, sizeof dir) < 0)
			abort();
		(void)snprintf(path, sizeof path, "%s/fuzz.yar", dir);
		f = fopen(path, "wb");
		if (!f || fputs(rule_text, f) < 0 || fclose(f) != 0)
			abort();
		rules = cust_rules_load(dir, NULL);
		scanner = rules ? cust_rules_scanner_new(rules, NULL) : NULL;
		if (!scanner ||
		    cust_rules_scanner_set_timeout(scanner, 10, NULL) < 0)
			abort();
	}
	ra = cust_rules_scan(scanner, data, size, a, MAXHITS, &na, &ta, NULL);
	rb = cust_rules_scan_reader(scanner, size, src_pread, &s, b, MAXHITS,
	                            &nb, &tb, NULL);
	if (ra != 0 || rb != 0 || na != nb || ta != tb ||
	    memcmp(a, b, na * sizeof *a) != 0)
		abort();
	check_hits(a, na, size);
	return 0;
}
