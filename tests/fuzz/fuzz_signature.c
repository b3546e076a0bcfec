/* fuzz_signature.c - a SHA256SUMS.p7s as hostile input: cust_sign_check_buffer
 * must parse it within bounds and never crash, whatever signers,
 * certificates and attributes it claims.  The seeds in
 * corpus/fuzz_signature/ are real detached signatures over DATA below (one
 * signer, two signers), made with
 * openssl cms -sign and test keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/sign.h"
#include "fuzz.h"

#define DATA "SHA256 (image.raw) = 00\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cust_trust *trust;
	json_t *signers = NULL;

	if (!trust && !(trust = cust_trust_load(NULL, NULL, NULL, NULL)))
		abort();
	(void)cust_sign_check_buffer(DATA, strlen(DATA), data, size, "fuzz",
	                             trust, &signers, NULL);
	json_decref(signers);
	return 0;
}
