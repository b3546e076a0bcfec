/* custody-case - create a case folder, register seized items, show a case. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "custody/caseio.h"
#include "custody/json.h"
#include "custody/recover.h"
#include "custody/run.h"
#include "custody/status.h"

#define TOOL "custody-case"

static const char synopsis[] =
	"custody-case init DIR --number N --title T --examiner NAME [--agency A] "
	"[--authority TEXT]\n"
	"             [--key FILE --cert FILE] [--passphrase-file FILE] "
	"[--tsa URL] [--no-sign]\n"
	"       custody-case add-item --case DIR --item ID [--exhibit N] "
	"[--description T] [--make M]\n"
	"             [--model M] [--serial S] [--seized-at PLACE] "
	"[--seized-on TIME] [--seized-by NAME] [--seal N]\n"
	"             [--examiner NAME] [--key FILE --cert FILE] "
	"[--passphrase-file FILE] [--tsa URL] [--no-sign]\n"
	"       custody-case show|status --case DIR\n"
	"       custody-case recover --case DIR [--examiner NAME] "
	"[--key FILE --cert FILE] [--passphrase-file FILE]\n"
	"             [--tsa URL] [--no-sign]";

static const struct cli_option init_options[] = {
	{ "number", "N", "the agency's case number (required)" },
	{ "title", "T", "case title (required)" },
	{ "examiner", "NAME", "lead examiner (required)" },
	{ "agency", "A", "agency or unit" },
	{ "authority", "TEXT", "legal authority: warrant, court order" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

static const struct cli_option item_options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "item", "ID", "item id: letters, digits, '.', '_', '-' (required)" },
	{ "exhibit", "N", "exhibit number" },
	{ "description", "T", "what the item is" },
	{ "make", "M", "manufacturer" },
	{ "model", "M", "model" },
	{ "serial", "S", "serial number" },
	{ "seized-at", "PLACE", "where it was seized" },
	{ "seized-on", "TIME", "when, RFC 3339 (2011-03-16T14:05:00Z)" },
	{ "seized-by", "NAME", "who seized it" },
	{ "seal", "N", "evidence bag or seal number" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

static const struct cli_option case_options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ NULL, NULL, NULL }
};

static const struct cli_option recover_options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

static void print_field(const char *label, const char *value)
{
	if (value)
		printf("  %-12s %s\n", label, value);
}

static int cmd_init(struct cli *cli)
{
	struct cust_case_params p;
	struct cust_actor actor = { 0 };
	struct cust_signer *signer = NULL;
	struct cust_error err;
	json_t *rec = NULL;
	int rc;

	if (cli->nargs != 1)
		return cli_usage_error(cli, "expected one folder, got %d arguments",
		                       cli->nargs);
	p.number = cli_get(cli, "number");
	p.title = cli_get(cli, "title");
	p.examiner = cli_get(cli, "examiner");
	p.agency = cli_get(cli, "agency");
	p.authority = cli_get(cli, "authority");
	if (!p.number || !p.title || !p.examiner)
		return cli_usage_error(cli, "--number, --title and --examiner are "
		                            "required");
	actor.name = p.examiner;
	rc = cli_signing_open(cli, &actor, &signer);
	if (rc)
		return rc;
	if (cust_case_init(cli->args[0], &p, TOOL, &rec, &err) < 0) {
		cli_signing_close(signer);
		return cli_fail(cli, &err);
	}
	rc = cli_checkpoint(cli, cli->args[0], &actor);
	cli_signing_close(signer);
	if (rc) {
		json_decref(rec);
		return rc;
	}
	if (cli->json)
		cli_print_json(rec);
	else
		printf("created case %s \"%s\" in %s\n  id %s\n",
		       cust_json_string(rec, "number"), cust_json_string(rec, "title"),
		       cli->args[0], cust_json_string(rec, "id"));
	json_decref(rec);
	return 0;
}

static int cmd_add_item(struct cli *cli)
{
	struct cust_item_params p;
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	json_t *rec = NULL;
	int rc = 0;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	p.id = cli_get(cli, "item");
	if (!p.id)
		return cli_usage_error(cli, "--item is required");
	p.exhibit = cli_get(cli, "exhibit");
	p.description = cli_get(cli, "description");
	p.make = cli_get(cli, "make");
	p.model = cli_get(cli, "model");
	p.serial = cli_get(cli, "serial");
	p.seized_at = cli_get(cli, "seized-at");
	p.seized_on = cli_get(cli, "seized-on");
	p.seized_by = cli_get(cli, "seized-by");
	p.seal = cli_get(cli, "seal");
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	cust_case_actor(c, cli_get(cli, "examiner"), &actor);
	rc = cli_signing_open(cli, &actor, &signer);
	if (rc) {
		cust_case_free(c);
		return rc;
	}
	rc = cli_run_start(cli, cust_case_dir(c), &actor);
	if (rc) {
		cli_signing_close(signer);
		cust_case_free(c);
		return rc;
	}
	if (cust_case_add_item(c, &p, &actor, TOOL, &rec, &err) < 0) {
		rc = cli_fail(cli, &err);
		cli_run_end(cli, &actor);
	} else {
		rc = cli_checkpoint(cli, cust_case_dir(c), &actor);
	}
	if (!rc && cli->json)
		cli_print_json(rec);
	else if (!rc)
		printf("added item %s to case %s\n", p.id,
		       cust_json_string(cust_case_record(c), "number"));
	json_decref(rec);
	cli_signing_close(signer);
	cust_case_free(c);
	return rc;
}

static void print_case(const json_t *rec)
{
	const json_t *examiners = json_object_get(rec, "examiners"), *e;
	size_t i;

	printf("case %s: %s\n", cust_json_string(rec, "number"),
	       cust_json_string(rec, "title"));
	print_field("id", cust_json_string(rec, "id"));
	print_field("agency", cust_json_string(rec, "agency"));
	print_field("authority", cust_json_string(rec, "authority"));
	print_field("created", cust_json_string(rec, "created"));
	json_array_foreach(examiners, i, e)
		print_field(i == 0 ? "examiners" : "", cust_json_string(e, "name"));
}

static void print_item(const json_t *item)
{
	const json_t *seized = json_object_get(item, "seized");

	printf("\nitem %s\n", cust_json_string(item, "id"));
	print_field("exhibit", cust_json_string(item, "exhibit"));
	print_field("description", cust_json_string(item, "description"));
	print_field("make", cust_json_string(item, "make"));
	print_field("model", cust_json_string(item, "model"));
	print_field("serial", cust_json_string(item, "serial"));
	print_field("seized at", cust_json_string(seized, "at"));
	print_field("seized on", cust_json_string(seized, "on"));
	print_field("seized by", cust_json_string(seized, "by"));
	print_field("seal", cust_json_string(item, "seal"));
}

static int cmd_show(struct cli *cli)
{
	struct cust_error err;
	struct cust_case *c;
	json_t *ids, *items, *id, *out;
	size_t i;
	int rc = 0;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	ids = cust_case_item_ids(c, &err);
	items = json_array();
	if (!ids || !items) {
		rc = cli_fail(cli, &err);
		goto out;
	}
	json_array_foreach(ids, i, id) {
		json_t *item = cust_case_load_item(c, json_string_value(id), &err);
		if (!item) {
			rc = cli_fail(cli, &err);
			goto out;
		}
		json_array_append_new(items, item);
	}
	if (cli->json) {
		out = json_pack("{s:O, s:O}", "case", cust_case_record(c), "items",
		                items);
		cli_print_json(out);
		json_decref(out);
	} else {
		print_case(cust_case_record(c));
		json_array_foreach(items, i, id)
			print_item(id);
	}
out:
	json_decref(ids);
	json_decref(items);
	cust_case_free(c);
	return rc;
}

static void print_unfinished(const json_t *u);

static int cmd_status(struct cli *cli)
{
	struct cust_error err;
	struct cust_case *c;
	json_t *st, *units, *u, *last;
	size_t i, sealed = 0, partial = 0;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	st = cust_case_status(c, &err);
	cust_case_free(c);
	if (!st)
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_print_json(st);
		json_decref(st);
		return 0;
	}
	units = json_object_get(st, "units");
	print_case(json_object_get(st, "case"));
	printf("  %-12s %zu\n", "items", json_array_size(json_object_get(st, "items")));
	json_array_foreach(units, i, u) {
		const char *state = cust_json_string(u, "state");
		if (strcmp(state, "sealed") == 0)
			sealed++;
		else
			partial++;
	}
	printf("  %-12s %zu sealed, %zu not sealed\n", "units", sealed, partial);
	json_array_foreach(units, i, u)
		printf("    %-8s %s\n", cust_json_string(u, "state"),
		       cust_json_string(u, "path"));
	last = json_object_get(json_object_get(st, "log"), "last");
	printf("  %-12s %lld events", "custody log",
	       (long long)json_integer_value(
		       json_object_get(json_object_get(st, "log"), "events")));
	if (last)
		printf(", last: %s %s", cust_json_string(last, "time"),
		       cust_json_string(last, "action"));
	printf("\n");
	if (partial)
		printf("note: unfinished units are left by interrupted runs; they "
		       "are not evidence\n");
	print_unfinished(json_object_get(st, "unfinished"));
	json_decref(st);
	return 0;
}

/* What an interrupted run or a torn log left, as status shows it. */
static void print_unfinished(const json_t *u)
{
	const json_t *torn = json_object_get(u, "torn");
	const json_t *uncovered = json_object_get(u, "uncovered");
	const json_t *r, *x;
	char who[512];
	size_t i;

	json_array_foreach(json_object_get(u, "runs"), i, r) {
		const char *state = cust_json_string(r, "state");
		if (strcmp(state, "unreadable") == 0)
			printf("  %-12s %s: not a run record (%s)\n", "runs",
			       cust_json_string(r, "file"),
			       cust_json_string(r, "problem"));
		else
			printf("  %-12s %s %s\n", "runs", state,
			       cust_run_describe(r, who, sizeof who));
	}
	json_array_foreach(json_object_get(u, "unlogged"), i, x)
		printf("  %-12s %s: sealed by an interrupted run, not logged\n",
		       "unfinished", cust_json_string(x, "unit"));
	if (json_is_object(uncovered))
		printf("  %-12s events %lld to %lld are not covered by the "
		       "checkpoint\n", "unfinished",
		       (long long)json_integer_value(json_object_get(uncovered,
		                                                     "first")),
		       (long long)json_integer_value(json_object_get(uncovered,
		                                                     "last")));
	if (json_is_object(torn))
		printf("  %-12s the custody log ends in a torn line (%lld bytes "
		       "at offset %lld): a write was cut short\n", "unfinished",
		       (long long)json_integer_value(json_object_get(torn, "length")),
		       (long long)json_integer_value(json_object_get(torn, "offset")));
	if (json_is_true(json_object_get(u, "unfinished")))
		printf("note: the case is unfinished, and no command works on it "
		       "until the examiner runs custody-case recover\n");
}

static int cmd_recover(struct cli *cli)
{
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	json_t *rec = NULL, *u;
	size_t i;
	int rc, crc;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	cust_case_actor(c, cli_get(cli, "examiner"), &actor);
	rc = cli_signing_open(cli, &actor, &signer);
	if (rc) {
		cust_case_free(c);
		return rc;
	}
	if (cust_recover(cust_case_dir(c), &actor, cli->prog, &rec, &err) < 0)
		rc = cli_fail(cli, &err);
	else if (cli->json)
		cli_print_json(rec ? rec : json_null());
	else if (!rec)
		printf("nothing to recover\n");
	else {
		const json_t *torn = json_object_get(rec, "torn_tail");
		printf("recovered into %s\n", cust_json_string(rec, "unit"));
		if (json_is_object(torn))
			printf("  torn line of %lld bytes kept as %s/%s and cut "
			       "from the log\n",
			       (long long)json_integer_value(
				       json_object_get(torn, "length")),
			       cust_json_string(rec, "unit"),
			       cust_json_string(torn, "file"));
		json_array_foreach(json_object_get(rec, "units"), i, u)
			printf("  %s: %s by an interrupted run, now logged\n",
			       cust_json_string(u, "unit"),
			       cust_json_string(u, "state"));
	}
	json_decref(rec);
	crc = cli_checkpoint(cli, cust_case_dir(c), &actor);
	if (!rc)
		rc = crc;
	cli_signing_close(signer);
	cust_case_free(c);
	return rc;
}

struct subcommand {
	const char *name;
	const char *summary;
	const struct cli_option *options;
	int (*run)(struct cli *cli);
};

static const struct subcommand subcommands[] = {
	{ "init", "Create a case folder: case.json, the custody log, the unit "
	          "folders.", init_options, cmd_init },
	{ "add-item", "Register a seized item in the case.", item_options,
	  cmd_add_item },
	{ "show", "Show the case and its items.", case_options, cmd_show },
	{ "status", "Show the items, units (sealed or not), the custody log "
	            "of a case and what interrupted runs left.", case_options,
	  cmd_status },
	{ "recover", "Record what an interrupted run or a torn log left, on "
	             "the examiner's word: torn bytes kept in a sealed unit, "
	             "units and events accounted for in the log.",
	  recover_options, cmd_recover },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	static const struct cli_option none[] = { { NULL, NULL, NULL } };
	struct cli cli = { TOOL, synopsis,
	                   "Create a case folder, register seized items, show a "
	                   "case.  Subcommands: init, add-item, show, status, recover.",
	                   .options = none };
	const struct subcommand *s;
	char prog[64];

	if (argc < 2 || argv[1][0] == '-') {
		cli_parse(&cli, argc, argv); /* --help, --version */
		return cli_usage_error(&cli, "missing subcommand");
	}
	for (s = subcommands; s->name; s++) {
		if (strcmp(s->name, argv[1]) != 0)
			continue;
		(void)snprintf(prog, sizeof prog, "%s %s", TOOL, s->name);
		cli.prog = prog;
		cli.summary = s->summary;
		cli.options = s->options;
		cli_parse(&cli, argc - 1, argv + 1);
		return cli_exit(&cli, s->run(&cli));
	}
	return cli_usage_error(&cli, "unknown subcommand '%s'", argv[1]);
}
