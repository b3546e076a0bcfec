/* fuzz_timestamp.c - a .tsr file as hostile input: cust_timestamp_check
 * must parse it within bounds, never crash, and never call a token good
 * under a CA file that it would call bad without one.
 *
 * The seeds in corpus/fuzz_timestamp/ were made by tests/fixtures/
 * tsa-setup.sh and `openssl ts -reply` over DATA below; ROOT is the public
 * certificate of that test root, so a genuine seed goes all the way through
 * the signature and chain checks (until the root expires in 2036). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/fsutil.h"
#include "custody/timestamp.h"
#include "fuzz.h"

#define DATA "custody fuzz_timestamp data\n"

static const char ROOT[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBtDCCAVqgAwIBAgIUFn3XBWe96NaMnKmkVdpTLW0hVYMwCgYIKoZIzj0EAwIw\n"
	"ODEWMBQGA1UECgwNY3VzdG9keSB0ZXN0czEeMBwGA1UEAwwVY3VzdG9keSB0ZXN0\n"
	"IFRTQSByb290MB4XDTI2MTEyNzAzMjE1MVoXDTM2MTEyNDAzMjE1MVowODEWMBQG\n"
	"A1UECgwNY3VzdG9keSB0ZXN0czEeMBwGA1UEAwwVY3VzdG9keSB0ZXN0IFRTQSBy\n"
	"b290MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXJo4h56bRBtxInxwYqlgiyIs\n"
	"dvhPe/ywIpx9huHf3AU6P19lo1KQnzQ4f0rxmfCYZ/l/+T/75X6OGo2lkuHWH6NC\n"
	"MEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFCZq\n"
	"uT5wH18LrkWwA2mii+MbgFV8MAoGCCqGSM49BAMCA0gAMEUCIQCIzmBzLHs3WlgX\n"
	"8n78opSXBlRADlnKoFomUqv3e5sIaQIgO0CBUjs2E0rNWiQLYhAA/jlXYeaMCIoL\n"
	"az+AaTXbXiA=\n"
	"-----END CERTIFICATE-----\n";

static void put(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[CUST_PATH_MAX];
	static char data_path[CUST_PATH_MAX + 16], ca_path[CUST_PATH_MAX + 16];
	char tsr_path[CUST_PATH_MAX + 16];
	struct cust_timestamp_info info;
	int trusted;

	if (!dir[0]) {
		if (fuzz_tempdir(dir, sizeof dir) < 0)
			abort();
		(void)snprintf(data_path, sizeof data_path, "%s/data", dir);
		(void)snprintf(ca_path, sizeof ca_path, "%s/tsa-ca.pem", dir);
		put(data_path, DATA, strlen(DATA));
		put(ca_path, ROOT, strlen(ROOT));
	}
	(void)snprintf(tsr_path, sizeof tsr_path, "%s/data.tsr", dir);
	put(tsr_path, data, size);

	trusted = cust_timestamp_check(data_path, tsr_path, ca_path, &info,
	                               NULL) == 0;
	if (trusted && info.tsa_trusted != 1)
		abort();
	/* the chain check only ever adds a condition */
	if (cust_timestamp_check(data_path, tsr_path, NULL, &info, NULL) != 0) {
		if (trusted)
			abort();
	} else if (info.tsa_trusted != 0 || strlen(info.imprint_sha256) != 64) {
		abort();
	}
	return 0;
}
