/* custody-hash - register artifacts (photos, paperwork, logical copies) as a
 * sealed unit of the case. */
#include <stdio.h>

#include "cli.h"
#include "custody/artifacts.h"
#include "custody/caseio.h"
#include "custody/json.h"

#define TOOL "custody-hash"

static const struct cli_option options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "item", "ID", "the seized item the artifacts belong to" },
	{ "note", "T", "a note for the record and the custody log" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	struct cli cli = {
		TOOL,
		"custody-hash --case DIR [--item ID] [--note T] [--examiner NAME]\n"
		"             [--key FILE --cert FILE] [--passphrase-file FILE] "
		"[--tsa URL] [--no-sign] PATH...",
		"Copy files and folders into a new sealed unit artifacts/<ID>/, "
		"hashed (MD5, SHA-1, SHA-256) while copied, and log it.",
		.options = options
	};
	struct cust_artifacts_params p;
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	json_t *rec = NULL, *f;
	size_t i;
	int rc = 0;

	cli_parse(&cli, argc, argv);
	if (cli.nargs == 0)
		return cli_usage_error(&cli, "no file or folder to register");
	p.paths = cli.args;
	p.npaths = (size_t)cli.nargs;
	p.item = cli_get(&cli, "item");
	p.note = cli_get(&cli, "note");
	c = cust_case_open(cli_case_dir(&cli), &err);
	if (!c)
		return cli_fail(&cli, &err);
	cust_case_actor(c, cli_get(&cli, "examiner"), &actor);
	rc = cli_signing_open(&cli, &actor, &signer);
	if (rc) {
		cust_case_free(c);
		return rc;
	}
	rc = cli_run_start(&cli, cust_case_dir(c), &actor);
	if (rc) {
		cli_signing_close(signer);
		cust_case_free(c);
		return rc;
	}
	if (cust_artifacts_register(c, &p, &actor, TOOL, &rec, &err) < 0) {
		rc = cli_fail(&cli, &err);
	} else if (cli.json) {
		cli_print_json(rec);
	} else {
		json_array_foreach(json_object_get(rec, "files"), i, f)
			printf("%s  %s\n", cust_json_string(f, "sha256"),
			       cust_json_string(f, "source"));
		json_array_foreach(json_object_get(rec, "skipped"), i, f)
			fprintf(stderr, "%s: skipped '%s': %s\n", TOOL,
			        cust_json_string(f, "source"),
			        cust_json_string(f, "reason"));
		size_t nfiles = json_array_size(json_object_get(rec, "files"));
		printf("sealed %s (%zu file%s)\n", cust_json_string(rec, "unit"),
		       nfiles, nfiles == 1 ? "" : "s");
	}
	json_decref(rec);
	{
		int crc = cli_checkpoint(&cli, cust_case_dir(c), &actor);
		if (!rc)
			rc = crc;
	}
	cli_signing_close(signer);
	cust_case_free(c);
	return cli_exit(&cli, rc);
}
