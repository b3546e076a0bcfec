/* custody-sign - sign, re-sign, co-sign or timestamp a sealed unit. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "custody/attest.h"
#include "custody/caseio.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/manifest.h"
#include "custody/unit.h"

#define TOOL "custody-sign"

static const struct cli_option options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "co-sign", NULL, "add a signature next to the ones already there" },
	{ "replace", NULL, "sign again, replacing the signature there" },
	{ "timestamp", NULL, "only timestamp the signature that is there" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

/* UNIT is KIND/NAME or a NAME looked up in every kind of unit. */
static int resolve_unit(const struct cli *cli, const char *case_dir,
                        const char *unit, char *rel, size_t size)
{
	static const char *const kinds[] = { "acquisitions", "artifacts",
		                             "extractions", "reports", NULL };
	const char *slash = strchr(unit, '/');
	char dir[CUST_PATH_MAX];
	struct cust_error err;
	int i, found = 0;

	if (slash) {
		char kind[32];
		size_t n = (size_t)(slash - unit);

		if (n >= sizeof kind)
			return cli_usage_error(cli, "no unit '%s'", unit);
		memcpy(kind, unit, n);
		kind[n] = '\0';
		if (!cust_unit_kind_known(kind) ||
		    cust_id_check(slash + 1, "unit", &err) < 0)
			return cli_usage_error(cli, "'%s' is not KIND/NAME of a "
			                            "unit", unit);
		snprintf(rel, size, "%s", unit);
	} else {
		if (cust_id_check(unit, "unit", &err) < 0)
			return cli_fail(cli, &err);
		for (i = 0; kinds[i]; i++) {
			if (cust_path_format(dir, sizeof dir, &err, "%s/%s/%s",
			                     case_dir, kinds[i], unit) < 0)
				return cli_fail(cli, &err);
			if (access(dir, F_OK) == 0 && !found++)
				snprintf(rel, size, "%s/%s", kinds[i], unit);
		}
		if (found > 1)
			return cli_usage_error(cli, "'%s' names units of several "
			                            "kinds: give KIND/NAME", unit);
		if (!found) {
			fprintf(stderr, "%s: no sealed unit '%s' in '%s'\n", TOOL,
			        unit, case_dir);
			return CUST_E_USAGE;
		}
	}
	if (cust_path_format(dir, sizeof dir, &err, "%s/%s", case_dir, rel) < 0)
		return cli_fail(cli, &err);
	if (access(dir, F_OK) != 0) {
		fprintf(stderr, "%s: no sealed unit '%s' in '%s'\n", TOOL, unit,
		        case_dir);
		return CUST_E_USAGE;
	}
	return 0;
}

/* A unit is signed only as it was sealed: its files must match. */
static int unit_intact(const struct cli *cli, const char *unit_dir,
                       const char *rel, char sums[65])
{
	struct cust_error err;
	json_t *found = json_array();
	int failed = 0, rc = 0;
	size_t i;
	json_t *f;

	if (!found)
		return CUST_E_IO;
	if (cust_manifest_check(unit_dir, rel, found, &failed, sums, &err) < 0) {
		rc = cli_fail(cli, &err);
	} else if (failed) {
		json_array_foreach(found, i, f)
			fprintf(stderr, "%s: %s: %s\n", TOOL,
			        cust_json_string(f, "subject"),
			        cust_json_string(f, "message"));
		fprintf(stderr, "%s: '%s' no longer matches its manifests: not "
		                "signed\n", TOOL, rel);
		rc = CUST_E_MISMATCH;
	}
	json_decref(found);
	return rc;
}

static int sign_unit(struct cli *cli, const char *case_dir, const char *rel,
                     const struct cust_actor *actor)
{
	char unit_dir[CUST_PATH_MAX], sig[CUST_PATH_MAX], sums[65];
	enum cust_sign_mode mode = CUST_SIGN_NEW;
	struct cust_error err;
	json_t *facts = NULL, *s, *t;
	int timestamp_only = cli_get(cli, "timestamp") != NULL;
	int rc;

	if (cust_path_format(unit_dir, sizeof unit_dir, &err, "%s/%s", case_dir,
	                     rel) < 0 ||
	    cust_path_format(sig, sizeof sig, &err, "%s/%s%s", unit_dir,
	                     CUST_MANIFEST_SUMS, CUST_SIGNATURE_SUFFIX) < 0)
		return cli_fail(cli, &err);
	if (cli_get(cli, "co-sign"))
		mode = CUST_SIGN_ADD;
	else if (cli_get(cli, "replace"))
		mode = CUST_SIGN_REPLACE;
	if (!timestamp_only && mode == CUST_SIGN_NEW && access(sig, F_OK) == 0)
		return cli_usage_error(cli, "'%s' is signed already: --co-sign "
		                            "adds your signature, --replace "
		                            "signs again", rel);
	rc = unit_intact(cli, unit_dir, rel, sums);
	if (rc)
		return rc;
	if (timestamp_only)
		rc = cust_attest_timestamp(unit_dir, actor, &facts, &err);
	else
		rc = cust_attest_unit(case_dir, unit_dir, actor, mode, &facts, &err);
	if (rc < 0 || cust_attest_log(case_dir, rel, sums, actor, TOOL, facts,
	                              &err) < 0) {
		json_decref(facts);
		return cli_fail(cli, &err);
	}
	s = json_object_get(facts, "signature");
	t = json_object_get(facts, "timestamp");
	if (cli->json) {
		json_object_set_new(facts, "unit", json_string(rel));
		cli_print_json(facts);
	} else {
		if (s)
			printf("%s %s by %s (%s)\n", cust_json_string(s, "mode"),
			       rel, cust_json_string(s, "subject"),
			       cust_json_string(s, "signer"));
		if (t)
			printf("timestamped %s at %s by %s\n", rel,
			       cust_json_string(t, "time"),
			       cust_json_string(t, "tsa"));
	}
	json_decref(facts);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = {
		TOOL,
		"custody-sign --case DIR [--co-sign | --replace | --timestamp] "
		"[--key FILE --cert FILE]\n"
		"             [--passphrase-file FILE] [--tsa URL] "
		"[--tsa-cafile FILE] [--examiner NAME] UNIT",
		"Sign a sealed unit's SHA256SUMS (SHA256SUMS.p7s), add a second "
		"examiner's signature, or timestamp the signature, and log it.",
		.options = options
	};
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	char rel[CUST_PATH_MAX];
	int rc, crc, modes;

	cli_parse(&cli, argc, argv);
	if (cli.nargs != 1)
		return cli_usage_error(&cli, "expected one unit, got %d arguments",
		                       cli.nargs);
	modes = !!cli_get(&cli, "co-sign") + !!cli_get(&cli, "replace") +
	        !!cli_get(&cli, "timestamp");
	if (modes > 1)
		return cli_usage_error(&cli, "--co-sign, --replace and "
		                             "--timestamp exclude each other");
	if (cli_get(&cli, "no-sign"))
		return cli_usage_error(&cli, "--no-sign makes no sense here");
	c = cust_case_open(cli_case_dir(&cli), &err);
	if (!c)
		return cli_fail(&cli, &err);
	rc = resolve_unit(&cli, cust_case_dir(c), cli.args[0], rel, sizeof rel);
	if (!rc) {
		cust_case_actor(c, cli_get(&cli, "examiner"), &actor);
		rc = cli_signing_open(&cli, &actor, &signer);
	}
	if (!rc && !signer) {
		fprintf(stderr, "%s: no key: give --key and --cert, or make one "
		                "with custody-keygen\n", TOOL);
		rc = CUST_E_USAGE;
	}
	if (!rc)
		rc = cli_run_start(&cli, cust_case_dir(c), &actor);
	if (!rc) {
		rc = sign_unit(&cli, cust_case_dir(c), rel, &actor);
		crc = cli_checkpoint(&cli, cust_case_dir(c), &actor);
		if (!rc)
			rc = crc;
	}
	cli_signing_close(signer);
	cust_case_free(c);
	return cli_exit(&cli, rc);
}
