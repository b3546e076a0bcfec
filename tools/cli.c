/* cli.c - option tables, usage and exit codes shared by the commands. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "custody/recover.h"
#include "custody/run.h"
#include "custody/attest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/keyconfig.h"
#include "custody/keys.h"
#include "custody/passphrase.h"
#include "custody/version.h"
#include "prompt.h"

/* Options of every command, after the command's own. */
static const struct cli_option common_options[] = {
	{ "json", NULL, "write machine-readable JSON on stdout" },
	{ "help", NULL, "show this help and exit" },
	{ "version", NULL, "show the version and exit" },
	{ NULL, NULL, NULL }
};

static size_t table_size(const struct cli_option *t)
{
	size_t n = 0;
	while (t && t[n].name)
		n++;
	return n;
}

static void print_table(FILE *out, const struct cli_option *t)
{
	for (; t && t->name; t++) {
		char left[64];
		int n = snprintf(left, sizeof left, "--%s%s%s", t->name,
		                 t->arg ? " " : "", t->arg ? t->arg : "");
		if (n < 0 || (size_t)n >= sizeof left || n > 22)
			fprintf(out, "  %s\n  %24s%s\n", left, "", t->help);
		else
			fprintf(out, "  %-24s%s\n", left, t->help);
	}
}

static void print_help(const struct cli *cli)
{
	printf("usage: %s\n\n%s\n\noptions:\n", cli->synopsis, cli->summary);
	print_table(stdout, cli->options);
	print_table(stdout, common_options);
	printf("\nExit codes: 0 success, 1 mismatch, 2 usage, 3 bad input, "
	       "4 I/O error, 5 incomplete, 6 unreadable data (docs/exit-codes.md).\n");
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", cli->synopsis);
	return CUST_E_USAGE;
}

static const char *interrupted_prog = "custody";

/* A command stopped by a signal exits 5 with a message; what it had not
 * sealed stays as NAME.partial, which status and verify report.  The
 * library holds signals back where a half-done step would harm the case. */
static void on_signal(int sig)
{
	static const char tail[] = ": interrupted; unsealed work is left in "
	                           "*.partial\n";
	(void)sig;
	(void)!write(STDERR_FILENO, interrupted_prog, strlen(interrupted_prog));
	(void)!write(STDERR_FILENO, tail, sizeof tail - 1);
	_exit(CUST_E_INCOMPLETE);
}

static void catch_signals(const char *prog)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction ign;
	struct sigaction sa;
	size_t i;

	interrupted_prog = prog;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		(void)sigaction(sigs[i], &sa, NULL);
	/* a file size limit reached is a write error (EFBIG) the command
	 * handles, undoing a half-written log line, not a silent death */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	(void)sigaction(SIGXFSZ, &ign, NULL);
}

void cli_ignore_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGPIPE, &sa, NULL);
}

static int repeatable(const struct cli *cli, const char *name)
{
	const char *const *r;

	for (r = cli->repeatable; r && *r; r++)
		if (strcmp(*r, name) == 0)
			return 1;
	return 0;
}

void cli_parse(struct cli *cli, int argc, char **argv)
{
	struct option longopts[CLI_MAX_OPTIONS + 4];
	size_t own = table_size(cli->options), i;
	int c, idx;

	cli_ignore_sigpipe(); /* before --help writes anything */
	if (own > CLI_MAX_OPTIONS) {
		fprintf(stderr, "%s: too many options in the table\n", cli->prog);
		exit(CUST_E_USAGE);
	}
	for (i = 0; i < own; i++) {
		longopts[i].name = cli->options[i].name;
		longopts[i].has_arg = cli->options[i].arg ? required_argument
		                                          : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 1000 + (int)i;
	}
	for (i = 0; common_options[i].name; i++) {
		longopts[own + i].name = common_options[i].name;
		longopts[own + i].has_arg = no_argument;
		longopts[own + i].flag = NULL;
		longopts[own + i].val = 2000 + (int)i;
	}
	memset(&longopts[own + i], 0, sizeof longopts[0]);
	memset(cli->values, 0, sizeof cli->values);
	cli->nrepeats = 0;
	cli->json = 0;
	opterr = 0;
	optind = 1;
	/* options may follow arguments (custody-case init DIR --number N);
	 * after "--" everything is an argument, and "-" alone is one too */
	while ((c = getopt_long(argc, argv, ":", longopts, &idx)) != -1) {
		if (c >= 1000 && c < 1000 + (int)own) {
			size_t k = (size_t)(c - 1000);
			int many = repeatable(cli, cli->options[k].name);
			if (cli->values[k] && !many)
				exit(cli_usage_error(cli, "option '--%s' given twice",
				                     cli->options[k].name));
			if (optarg && !*optarg)
				exit(cli_usage_error(cli, "option '--%s' needs a non-empty "
				                          "argument", cli->options[k].name));
			if (!cli->values[k])
				cli->values[k] = optarg ? optarg : "";
			if (many) {
				if (cli->nrepeats == CLI_MAX_REPEATS)
					exit(cli_usage_error(cli, "too many repeated "
					                          "options (%d at most)",
					                     CLI_MAX_REPEATS));
				cli->repeat_of[cli->nrepeats] = (int)k;
				cli->repeats[cli->nrepeats++] = optarg ? optarg : "";
			}
		} else if (c == 2000) {
			cli->json = 1;
		} else if (c == 2001) {
			print_help(cli);
			exit(cli_exit(cli, 0));
		} else if (c == 2002) {
			printf("%s %s\n", cli->prog, cust_version());
			exit(cli_exit(cli, 0));
		} else if (c == ':') {
			exit(cli_usage_error(cli, "option '%s' needs an argument",
			                     argv[optind - 1]));
		} else {
			exit(cli_usage_error(cli, "unknown option '%s'",
			                     argv[optind - 1]));
		}
	}
	cli->args = argv + optind;
	cli->nargs = argc - optind;
	for (c = 0; c < cli->nargs; c++)
		if (!cli->args[c][0])
			exit(cli_usage_error(cli, "an argument is empty ('' names "
			                          "nothing)"));
	catch_signals(cli->prog);
}

int cli_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char num[32];
	const char *unit;
	size_t digits = strspn(s, "0123456789");
	uint64_t v, mult = 1;

	if (digits == 0 || digits >= sizeof num)
		return -1;
	memcpy(num, s, digits);
	num[digits] = '\0';
	if (cust_parse_u64(num, &v) < 0)
		return -1;
	unit = s + digits;
	if (*unit) {
		const char *u = strchr(units, *unit);
		if (!u)
			return -1;
		mult = (uint64_t)1 << (10 * (u - units + 1));
		unit++;
		if (strcmp(unit, "") != 0 && strcmp(unit, "B") != 0 &&
		    strcmp(unit, "iB") != 0)
			return -1;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

const char *cli_get(const struct cli *cli, const char *name)
{
	size_t i;

	for (i = 0; cli->options && cli->options[i].name; i++)
		if (strcmp(cli->options[i].name, name) == 0)
			return cli->values[i];
	return NULL;
}

size_t cli_get_all(const struct cli *cli, const char *name, const char **out,
                   size_t max)
{
	size_t i, n = 0;
	int k;

	for (k = 0; cli->options && cli->options[k].name; k++)
		if (strcmp(cli->options[k].name, name) == 0)
			break;
	for (i = 0; i < (size_t)cli->nrepeats; i++)
		if (cli->repeat_of[i] == k && n < max)
			out[n++] = cli->repeats[i];
	return n;
}

const char *cli_case_dir(struct cli *cli)
{
	const char *dir = cli_get(cli, "case");

	if (!dir || !*dir)
		dir = getenv("CUSTODY_CASE");
	if (!dir || !*dir)
		exit(cli_usage_error(cli, "no case given: use --case DIR or set "
		                          "CUSTODY_CASE"));
	return dir;
}

int cli_fail(const struct cli *cli, const struct cust_error *err)
{
	fprintf(stderr, "%s: %s\n", cli->prog, cust_error_message(err));
	return err->kind == CUST_OK ? CUST_E_IO : (int)err->kind;
}

/* One command signs as one examiner: the actor points into these. */
static struct cust_key_config key_config;
static char seal_warning[CUST_ERROR_MESSAGE_MAX + 128];

static const char *given_or(const struct cli *cli, const char *name,
                            const char *configured)
{
	const char *v = cli_get(cli, name);

	return v ? v : *configured ? configured : NULL;
}

/* Unless the examiner was named (--examiner, $CUSTODY_EXAMINER), the one
 * who signs is the one who acts: the certificate's common name, not the
 * case's lead examiner. */
static void name_from_certificate(const struct cli *cli,
                                  struct cust_actor *actor,
                                  const char *subject)
{
	static char name[256];
	const char *env = getenv("CUSTODY_EXAMINER");
	const char *cn = subject ? strstr(subject, "CN=") : NULL;
	size_t n;

	if (cli_get(cli, "examiner") || (env && *env) || !cn)
		return;
	cn += 3;
	n = strcspn(cn, ",");
	if (n == 0 || n >= sizeof name)
		return;
	memcpy(name, cn, n);
	name[n] = '\0';
	actor->name = name;
}

int cli_signing_open(const struct cli *cli, struct cust_actor *actor,
                     struct cust_signer **signer)
{
	struct cust_error err;
	char pass[CUST_PASSPHRASE_MAX + 1], prompt[CUST_PATH_MAX + 32];
	const char *key, *cert, *pass_file;
	size_t len = 0;

	*signer = NULL;
	if (cli_get(cli, "no-sign")) {
		if (cli_get(cli, "key") || cli_get(cli, "cert") ||
		    cli_get(cli, "tsa"))
			return cli_usage_error(cli, "--no-sign with a key or "
			                            "--tsa");
		return 0;
	}
	if (cust_key_config_load(&key_config, &err) < 0)
		return cli_fail(cli, &err);
	key = given_or(cli, "key", key_config.key);
	cert = given_or(cli, "cert", key_config.cert);
	actor->tsa_url = given_or(cli, "tsa", key_config.tsa);
	actor->tsa_cafile = given_or(cli, "tsa-cafile", key_config.tsa_cafile);
	if (!key && !cert) {
		if (actor->tsa_url)
			return cli_usage_error(cli, "a timestamp needs a "
			                            "signature: no key given");
		return 0;
	}
	if (!key || !cert)
		return cli_usage_error(cli, "a key needs its certificate and a "
		                            "certificate its key (--key, --cert)");
	pass_file = given_or(cli, "passphrase-file", key_config.passphrase_file);
	snprintf(prompt, sizeof prompt, "Passphrase for %s: ", key);
	if (cust_passphrase_get(pass_file, cli_prompt_passphrase,
	                        (void *)cli->prog, prompt, 0, pass, sizeof pass,
	                        &len, &err) < 0)
		return cli_fail(cli, &err);
	*signer = cust_signer_open(key, cert,
	                           key_config.chain[0] ? key_config.chain : NULL,
	                           pass, len, &err);
	cust_wipe(pass, sizeof pass);
	if (!*signer)
		return cli_fail(cli, &err);
	actor->signer = *signer;
	actor->fingerprint = cust_signer_fingerprint(*signer);
	name_from_certificate(cli, actor, cust_signer_subject(*signer));
	actor->warning = seal_warning;
	actor->warning_size = sizeof seal_warning;
	return 0;
}

void cli_signing_close(struct cust_signer *signer)
{
	cust_signer_free(signer);
}

int cli_run_start(const struct cli *cli, const char *case_dir,
                  struct cust_actor *actor)
{
	struct cust_error err;

	actor->run = cust_recover_start(case_dir, cli->prog, &err);
	return actor->run ? 0 : cli_fail(cli, &err);
}

void cli_run_end(const struct cli *cli, struct cust_actor *actor)
{
	struct cust_error err;
	int rc;

	cust_error_clear(&err);
	rc = cust_run_end(actor->run, &err);
	actor->run = NULL;
	if (rc == 1)
		fprintf(stderr, "%s: this run left the case unfinished; "
		                "custody-case status says what, custody-case "
		                "recover records it\n", cli->prog);
	else if (rc < 0)
		fprintf(stderr, "%s: warning: %s\n", cli->prog, err.message);
}

int cli_checkpoint(const struct cli *cli, const char *case_dir,
                   struct cust_actor *actor)
{
	struct cust_error err;
	char warning[CUST_ERROR_MESSAGE_MAX + 64];

	/* a run that appended nothing has nothing to checkpoint */
	if (actor->run && !cust_run_appended(actor->run)) {
		cli_run_end(cli, actor);
		return 0;
	}
	if (cust_attest_checkpoint(case_dir, actor, warning, sizeof warning,
	                           &err) < 0) {
		cust_error_prefix(&err, "the events are logged but the log's "
		                        "checkpoint was not written");
		cli_run_end(cli, actor);
		return cli_fail(cli, &err);
	}
	cli_run_end(cli, actor);
	if (seal_warning[0])
		fprintf(stderr, "%s: warning: %s\n", cli->prog, seal_warning);
	if (warning[0])
		fprintf(stderr, "%s: warning: %s\n", cli->prog, warning);
	return 0;
}

void cli_print_json(const json_t *v)
{
	char *text = cust_json_pretty(v, NULL);

	if (text) {
		fputs(text, stdout);
		free(text);
	}
}

int cli_exit(const struct cli *cli, int code)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "%s: cannot write the output: %s\n", cli->prog,
		        strerror(errno));
		return code ? code : CUST_E_IO;
	}
	return code;
}
