/* custody-verify - check a whole case: records, custody log, every unit. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "custody/json.h"
#include "custody/verify.h"

#define TOOL "custody-verify"

static const struct cli_option options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "require-signatures", NULL, "count unsigned units as failures" },
	{ "quiet", NULL, "print only what failed" },
	{ NULL, NULL, NULL }
};

static void print_report(const json_t *report, int quiet)
{
	const json_t *counts = json_object_get(report, "counts"), *f;
	size_t i;

	json_array_foreach(json_object_get(report, "findings"), i, f) {
		const char *status = cust_json_string(f, "status");
		if (quiet && strcmp(status, "failed") != 0)
			continue;
		printf("%-8s %-9s %s: %s\n", status, cust_json_string(f, "check"),
		       cust_json_string(f, "subject"), cust_json_string(f, "message"));
	}
	printf("%s: %lld events, %lld items, %lld sealed units; %lld failed, "
	       "%lld warnings\n",
	       cust_json_string(report, "result"),
	       (long long)json_integer_value(json_object_get(counts, "events")),
	       (long long)json_integer_value(json_object_get(counts, "items")),
	       (long long)json_integer_value(json_object_get(counts, "units")),
	       (long long)json_integer_value(json_object_get(counts, "failed")),
	       (long long)json_integer_value(json_object_get(counts, "warnings")));
}

int main(int argc, char **argv)
{
	struct cli cli = {
		TOOL, "custody-verify --case DIR [--require-signatures] [--quiet]",
		"Check a case: case and item records, the custody log's chain, "
		"every unit against its manifests and its logged seal.  Exit 0 "
		"when everything holds, 1 with the list of what failed.",
		options, { 0 }, 0, NULL, 0
	};
	struct cust_verify_options opt = { 0 };
	struct cust_error err;
	json_t *report;
	int rc;

	cli_parse(&cli, argc, argv);
	if (cli.nargs != 0)
		return cli_usage_error(&cli, "unexpected argument '%s'", cli.args[0]);
	opt.require_signatures = cli_get(&cli, "require-signatures") != NULL;
	report = cust_verify_case(cli_case_dir(&cli), &opt, &err);
	if (!report)
		return cli_fail(&cli, &err);
	if (cli.json)
		cli_print_json(report);
	else
		print_report(report, cli_get(&cli, "quiet") != NULL);
	rc = cust_verify_passed(report) ? 0 : CUST_E_MISMATCH;
	json_decref(report);
	return cli_exit(&cli, rc);
}
