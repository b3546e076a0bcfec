/* custody-log - record a manual custody event, show the custody timeline,
 * prove one event to a third party. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "custody/caseio.h"
#include "custody/checkpoint.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/log.h"
#include "custody/time.h"

#define TOOL "custody-log"

static const char synopsis[] =
	"custody-log add --case DIR --action ACTION [--item ID] [--from WHO] "
	"[--to WHO] [--location L] [--note T]\n"
	"             [--at TIME] [--examiner NAME] [--key FILE --cert FILE] "
	"[--passphrase-file FILE] [--tsa URL] [--no-sign]\n"
	"       custody-log show --case DIR\n"
	"       custody-log proof --case DIR --seq N [-o FILE]";

static const struct cli_option add_options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "action", "ACTION", "transferred, stored, sealed or note (required)" },
	{ "item", "ID", "the item concerned" },
	{ "from", "WHO", "who handed it over" },
	{ "to", "WHO", "who received it" },
	{ "location", "L", "where it is now" },
	{ "note", "T", "free text" },
	{ "at", "TIME", "when it happened, RFC 3339, if not now" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

static const struct cli_option show_options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ NULL, NULL, NULL }
};

static const struct cli_option proof_options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "seq", "N", "the number of the event to prove (required)" },
	{ "output", "FILE", "write the proof to FILE (-o FILE), a new file" },
	{ NULL, NULL, NULL }
};

static int cmd_add(struct cli *cli)
{
	struct cust_event ev = { 0 };
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	char occurred[CUST_TIME_LEN];
	json_t *written = NULL, *item = NULL;
	int rc = 0;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	ev.action = cli_get(cli, "action");
	if (!ev.action)
		return cli_usage_error(cli, "--action is required");
	if (!cust_log_action_manual(ev.action))
		return cli_usage_error(cli, "action '%s' cannot be recorded by hand "
		                            "(use transferred, stored, sealed or note)",
		                       ev.action);
	ev.tool = TOOL;
	ev.item = cli_get(cli, "item");
	ev.from = cli_get(cli, "from");
	ev.to = cli_get(cli, "to");
	ev.location = cli_get(cli, "location");
	ev.note = cli_get(cli, "note");
	if (cli_get(cli, "at")) {
		struct cust_time t;
		if (cust_time_parse(cli_get(cli, "at"), &t, &err) < 0 ||
		    cust_time_format(&t, occurred, &err) < 0)
			return cli_usage_error(cli, "--at: %s", err.message);
		ev.occurred = occurred;
	}
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	if (ev.item && !(item = cust_case_load_item(c, ev.item, &err))) {
		rc = cli_fail(cli, &err);
		goto out;
	}
	cust_case_actor(c, cli_get(cli, "examiner"), &actor);
	rc = cli_signing_open(cli, &actor, &signer);
	if (rc)
		goto out;
	rc = cli_run_start(cli, cust_case_dir(c), &actor);
	if (rc)
		goto out;
	if (cust_log_append(cust_case_dir(c), &actor, &ev, &written, &err) < 0) {
		rc = cli_fail(cli, &err);
		cli_run_end(cli, &actor);
		goto out;
	}
	if (cli->json)
		cli_print_json(written);
	else
		printf("logged event %lld: %s\n",
		       (long long)json_integer_value(json_object_get(written, "seq")),
		       ev.action);
	/* the event is in the log; now the checkpoint covers it too */
	rc = cli_checkpoint(cli, cust_case_dir(c), &actor);
out:
	cli_signing_close(signer);
	json_decref(item);
	json_decref(written);
	cust_case_free(c);
	return rc;
}

struct show_state {
	int json;
	json_t *events;
	const char *bad;     /* first unreadable line's problem */
	unsigned long badline;
};

static void print_event(const json_t *ev)
{
	static const char *const extras[] = { "item", "unit", "occurred", "from",
		                              "to", "location", "note", NULL };
	const char *const *k;

	printf("%5lld  %s  %-12s %s",
	       (long long)json_integer_value(json_object_get(ev, "seq")),
	       cust_json_string(ev, "time"), cust_json_string(ev, "action"),
	       cust_json_string(json_object_get(ev, "actor"), "name"));
	for (k = extras; *k; k++)
		if (cust_json_string(ev, *k))
			printf("  %s=%s", *k, cust_json_string(ev, *k));
	printf("\n");
}

static int show_line(void *ctx, unsigned long lineno, const char *line,
                     size_t len, json_t *ev, const char *line_err)
{
	struct show_state *s = ctx;
	(void)line;
	(void)len;
	if (!ev || line_err || !cust_json_string(ev, "action") ||
	    !cust_json_string(ev, "time")) {
		s->bad = line_err ? line_err : "not a custody event";
		s->badline = lineno;
		return 1;
	}
	if (s->json)
		json_array_append(s->events, ev);
	else
		print_event(ev);
	return 0;
}

static int cmd_show(struct cli *cli)
{
	struct show_state s = { cli->json, json_array(), NULL, 0 };
	struct cust_error err;
	struct cust_case *c;
	int rc = 0;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	if (cust_log_read(cust_case_dir(c), show_line, &s, &err) < 0) {
		rc = cli_fail(cli, &err);
	} else if (s.bad) {
		cust_error_set(&err, CUST_E_INPUT, "'%s' line %lu: %s", CUST_LOG_NAME,
		               s.badline, s.bad);
		rc = cli_fail(cli, &err);
	} else if (cli->json) {
		cli_print_json(s.events);
	}
	json_decref(s.events);
	cust_case_free(c);
	return rc;
}

static int cmd_proof(struct cli *cli)
{
	const char *seq_arg = cli_get(cli, "seq"), *out = cli_get(cli, "output");
	struct cust_error err;
	struct cust_case *c;
	json_t *proof = NULL;
	char *text = NULL;
	uint64_t seq;
	int rc = 0;

	if (cli->nargs != 0)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->args[0]);
	if (!seq_arg)
		return cli_usage_error(cli, "--seq is required");
	if (cust_parse_u64(seq_arg, &seq) < 0)
		return cli_usage_error(cli, "--seq: '%s' is not an event number",
		                       seq_arg);
	c = cust_case_open(cli_case_dir(cli), &err);
	if (!c)
		return cli_fail(cli, &err);
	if (cust_proof_make(cust_case_dir(c), seq, &proof, &err) < 0 ||
	    !(text = cust_json_pretty(proof, &err))) {
		rc = cli_fail(cli, &err);
		goto out;
	}
	if (out) {
		/* a proof handed to a court is never overwritten */
		if (cust_fs_write_atomic(out, text, strlen(text), CUST_FS_NOREPLACE,
		                         &err) < 0) {
			rc = cli_fail(cli, &err);
			goto out;
		}
		if (cli->json)
			fputs(text, stdout);
		else
			printf("proof of event %llu of %lld written to %s\n",
			       (unsigned long long)seq,
			       (long long)json_integer_value(json_object_get(proof,
			                                                     "tree_size")),
			       out);
	} else {
		fputs(text, stdout);
	}
out:
	free(text);
	json_decref(proof);
	cust_case_free(c);
	return rc;
}

/* -o FILE is --output FILE: the option table holds long names only. */
static void short_output(int argc, char **argv)
{
	static char output[] = "--output";
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-o") == 0)
			argv[i] = output;
	}
}

int main(int argc, char **argv)
{
	static const struct cli_option none[] = { { NULL, NULL, NULL } };
	struct cli cli = { TOOL, synopsis,
	                   "Record a manual custody event, show the custody "
	                   "timeline, or prove one event.  Subcommands: add, "
	                   "show, proof.",
	                   .options = none };
	char prog[64];

	if (argc < 2 || argv[1][0] == '-') {
		cli_parse(&cli, argc, argv);
		return cli_usage_error(&cli, "missing subcommand");
	}
	if (strcmp(argv[1], "add") == 0) {
		cli.summary = "Append a manual custody event (transferred, stored, "
		              "sealed, note) to the log.";
		cli.options = add_options;
	} else if (strcmp(argv[1], "show") == 0) {
		cli.summary = "Print the custody timeline.";
		cli.options = show_options;
	} else if (strcmp(argv[1], "proof") == 0) {
		cli.summary = "Write an inclusion proof of one event: its line, the "
		              "Merkle audit path to the root of the log's checkpoint, "
		              "and the checkpoint with its signature.";
		cli.options = proof_options;
		short_output(argc - 1, argv + 1);
	} else {
		return cli_usage_error(&cli, "unknown subcommand '%s'", argv[1]);
	}
	(void)snprintf(prog, sizeof prog, "%s %s", TOOL, argv[1]);
	cli.prog = prog;
	cli_parse(&cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return cli_exit(&cli, cmd_add(&cli));
	if (strcmp(argv[1], "show") == 0)
		return cli_exit(&cli, cmd_show(&cli));
	return cli_exit(&cli, cmd_proof(&cli));
}
