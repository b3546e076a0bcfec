/* fuzz_checkpoint.c - a checkpoint and an inclusion proof as hostile input:
 * the strict checkpoint parser and the proof check must stay bounded, never
 * crash, and never accept what they promise to refuse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/checkpoint.h"
#include "custody/json.h"
#include "fuzz.h"

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cust_checkpoint cp, again;
	json_t *proof;

	/* the input as a checkpoint file: what is accepted is well-formed */
	if (cust_checkpoint_parse((const char *)data, size, &cp, NULL) == 0) {
		if (size > CUST_CHECKPOINT_MAX || !is_hex64(cp.root) ||
		    !is_hex64(cp.last_sha256) || strlen(cp.time) != 24 ||
		    cp.case_id[0] == '\0' || cp.events > CUST_CHECKPOINT_MAX_EVENTS)
			abort();
	}

	/* the input as a proof: a proof that checks carries a checkpoint that
	 * parses, and a signature within its bound */
	proof = cust_json_parse((const char *)data, size, "fuzz", 0, NULL);
	if (proof) {
		char *text = NULL;
		unsigned char *p7s = NULL;
		size_t text_len = 0, p7s_len = 0;

		if (cust_proof_check(proof, &text, &text_len, &p7s, &p7s_len,
		                     NULL) == 0) {
			if (!text || strlen(text) != text_len ||
			    cust_checkpoint_parse(text, text_len, &again, NULL) != 0 ||
			    p7s_len > CUST_CHECKPOINT_P7S_MAX ||
			    (p7s == NULL) != (p7s_len == 0))
				abort();
		} else if (text || p7s || text_len || p7s_len) {
			abort(); /* a refused proof hands nothing out */
		}
		free(text);
		free(p7s);
		json_decref(proof);
	}
	return 0;
}
