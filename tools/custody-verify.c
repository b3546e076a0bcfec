/* custody-verify - check a whole case: records, custody log, every unit. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "cli.h"
#include "custody/attest.h"
#include "custody/json.h"
#include "custody/verify.h"

#define TOOL "custody-verify"

static const struct cli_option options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "require-signatures", NULL, "count unsigned units as failures" },
	{ "cafile", "FILE", "CA certificates that issued examiner certificates" },
	{ "tsa-cafile", "FILE", "anchor of the timestamp authorities" },
	{ "checkpoint", "FILE", "a checkpoint kept elsewhere: the log only grew" },
	{ "proof", "FILE", "check an inclusion proof (custody-log proof)" },
	{ "quiet", NULL, "print only what failed" },
	{ NULL, NULL, NULL }
};

static void print_report(const json_t *report, int quiet)
{
	const json_t *counts = json_object_get(report, "counts"), *f;
	size_t i;

	if (!counts) { /* a proof's report */
		json_array_foreach(json_object_get(report, "findings"), i, f)
			printf("%-8s %-9s %s: %s\n", cust_json_string(f, "status"),
			       cust_json_string(f, "check"),
			       cust_json_string(f, "subject"),
			       cust_json_string(f, "message"));
		printf("%s\n", cust_json_string(report, "result"));
		return;
	}

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

/* An inclusion proof on its own: trusted through --cafile, or the
 * examiners of a case when one is given. */
static json_t *verify_proof(struct cli *cli, const struct cust_verify_options *opt,
                            struct cust_error *err)
{
	const char *case_dir = cli_get(cli, "case");
	struct cust_attest_trust t;
	struct cust_trust *trust;
	json_t *findings = json_array(), *report = NULL, *f;
	int failed = 0;
	size_t i;

	if (!case_dir)
		case_dir = getenv("CUSTODY_CASE");
	if (!findings)
		return NULL;
	trust = cust_trust_load(case_dir && *case_dir ? case_dir : NULL,
	                        opt->cafile, findings, err);
	if (!trust) {
		json_decref(findings);
		return NULL;
	}
	t.signers = trust;
	t.tsa_cafile = opt->tsa_cafile;
	t.require_signatures = opt->require_signatures;
	if (cust_attest_check_proof(cli_get(cli, "proof"), &t, findings,
	                            err) == 0) {
		json_array_foreach(findings, i, f)
			failed += strcmp(cust_json_string(f, "status"), "failed") == 0;
		report = json_pack("{s:s, s:s, s:O}", "proof", cli_get(cli, "proof"),
		                   "result", failed ? "failed" : "verified",
		                   "findings", findings);
	}
	cust_trust_free(trust);
	json_decref(findings);
	return report;
}

int main(int argc, char **argv)
{
	struct cli cli = {
		TOOL, "custody-verify --case DIR [--require-signatures] "
		"[--cafile FILE] [--tsa-cafile FILE]\n"
		"             [--checkpoint FILE] [--quiet]\n"
		"       custody-verify --proof FILE [--case DIR | --cafile FILE] "
		"[--tsa-cafile FILE]",
		"Check a case: case and item records, the custody log's chain and "
		"checkpoint, every unit against its manifests, its logged seal, "
		"its signatures and timestamps.  Exit 0 when everything holds, 1 "
		"with the list of what failed.",
		.options = options
	};
	struct cust_verify_options opt = { 0 };
	struct cust_error err;
	json_t *report;
	int rc;

	cli_parse(&cli, argc, argv);
	if (cli.nargs != 0)
		return cli_usage_error(&cli, "unexpected argument '%s'", cli.args[0]);
	opt.require_signatures = cli_get(&cli, "require-signatures") != NULL;
	opt.cafile = cli_get(&cli, "cafile");
	opt.tsa_cafile = cli_get(&cli, "tsa-cafile");
	opt.checkpoint = cli_get(&cli, "checkpoint");
	if (cli_get(&cli, "proof")) {
		if (opt.checkpoint)
			return cli_usage_error(&cli, "--proof and --checkpoint "
			                             "are separate checks");
		report = verify_proof(&cli, &opt, &err);
	} else {
		report = cust_verify_case(cli_case_dir(&cli), &opt, &err);
	}
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
