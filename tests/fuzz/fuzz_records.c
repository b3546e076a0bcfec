/* fuzz_records.c - case and item records and typed times as hostile JSON. */
#include <stdint.h>
#include <stdlib.h>

#include "custody/caseio.h"
#include "custody/json.h"
#include "custody/time.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = cust_json_parse((const char *)data, size, "fuzz", 0, NULL);
	const char *key;
	json_t *value;

	if (!v)
		return 0;
	(void)cust_case_check_record(v, "fuzz", NULL);
	(void)cust_item_check_record(v, "E001", "fuzz", NULL);
	json_object_foreach(v, key, value) {
		struct cust_time t;
		char out[CUST_TIME_LEN];
		if (json_is_string(value) &&
		    cust_time_parse(json_string_value(value), &t, NULL) == 0)
			(void)cust_time_format(&t, out, NULL);
	}
	free(cust_json_canonical(v, NULL));
	json_decref(v);
	return 0;
}
