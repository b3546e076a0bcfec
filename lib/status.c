/* status.c - the state of a case at a glance; see include/custody/status.h. */
#include "custody/status.h"

#include <stdint.h>

#include "custody/log.h"
#include "custody/recover.h"
#include "custody/unit.h"

struct log_tail {
	uint64_t events;
	json_t *last;
};

static int keep_last(void *ctx, unsigned long lineno, const char *line,
                     size_t len, json_t *event, const char *line_err)
{
	struct log_tail *t = ctx;
	(void)line;
	(void)len;
	(void)line_err;
	t->events = lineno;
	json_decref(t->last);
	t->last = json_incref(event);
	return 0;
}

json_t *cust_case_status(const struct cust_case *c, struct cust_error *err)
{
	struct log_tail tail = { 0, NULL };
	json_t *status = NULL, *units = json_array(), *items = NULL, *log = NULL;
	json_t *unfinished = NULL;

	if (!units)
		goto oom;
	items = cust_case_item_ids(c, err);
	if (!items || cust_unit_list(cust_case_dir(c), units, err) < 0 ||
	    cust_log_read(cust_case_dir(c), keep_last, &tail, err) < 0 ||
	    !(unfinished = cust_recover_assess(cust_case_dir(c), err)))
		goto fail;
	log = json_pack("{s:I, s:o?}", "events", (json_int_t)tail.events, "last",
	                tail.last);
	tail.last = NULL;
	if (!log)
		goto oom;
	status = json_pack("{s:O, s:o, s:o, s:o, s:o}", "case",
	                   cust_case_record(c), "items", items, "units", units,
	                   "log", log, "unfinished", unfinished);
	if (!status) {
		/* json_pack steals "o" even on failure */
		items = units = log = unfinished = NULL;
		goto oom;
	}
	return status;
oom:
	cust_error_set(err, CUST_E_IO, "out of memory");
fail:
	json_decref(tail.last);
	json_decref(items);
	json_decref(units);
	json_decref(log);
	json_decref(unfinished);
	return NULL;
}
