/*
 * cli.h - what every custody command shares: option tables, usage, output
 * and exit codes.  Commands are thin mains over libcustody; this is the
 * only place besides them that prints.
 *
 * Options are data: one table drives parsing and --help.  Every command
 * also takes --help, --version and --json.
 */
#ifndef CUSTODY_CLI_H
#define CUSTODY_CLI_H

#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

#define CLI_MAX_OPTIONS 32
#define CLI_MAX_REPEATS 64 /* values of repeatable options, all together */

struct cli_option {
	const char *name; /* long name without the dashes; NULL ends a table */
	const char *arg;  /* placeholder of its argument, NULL for a flag */
	const char *help;
};

struct cli {
	const char *prog;     /* as printed in messages: "custody-case init" */
	const char *synopsis; /* usage lines, man-page synopsis form */
	const char *summary;  /* one sentence: what the command does */
	const struct cli_option *options;
	const char *const *repeatable; /* names of the options that may be
	                                  given more than once, NULL-ended
	                                  (cli_get_all); NULL: none */
	/* filled by cli_parse */
	const char *values[CLI_MAX_OPTIONS]; /* argument, "" for a set flag */
	const char *repeats[CLI_MAX_REPEATS]; /* every value of a repeatable */
	int repeat_of[CLI_MAX_REPEATS];        /* option, with its index */
	int nrepeats;
	int json;
	char **args; /* positional arguments */
	int nargs;
};

/*
 * Parse ARGV[1..ARGC) against the table.  --help prints the usage to stdout
 * and exits 0, --version prints the version and exits 0; an unknown option,
 * a missing or empty option argument, an option given twice (unless
 * repeatable; CLI_MAX_REPEATS values at most) or an empty
 * argument ("") prints one line and the synopsis to stderr and exits 2.  From then on SIGINT, SIGTERM and
 * SIGHUP end the command with exit 5 and a message.  SIGPIPE is ignored
 * from the start (cli_ignore_sigpipe).
 */
void cli_parse(struct cli *cli, int argc, char **argv);

/* Ignore SIGPIPE, for the whole process and the commands it runs: a write
 * to a pipe or connection whose reader is gone (`custody-log show | head`,
 * a timestamp authority that reset the connection) then fails with EPIPE,
 * which the command reports (a failed write to stdout is exit 4: cli_exit)
 * instead of dying silently mid-way.  cli_parse calls it first; a command
 * that does not parse with it calls it itself. */
void cli_ignore_sigpipe(void);

/* The value of option NAME, or NULL when not given (the first value of a
 * repeatable option). */
const char *cli_get(const struct cli *cli, const char *name);

/* Every value of the repeatable option NAME, in the order given, into
 * OUT[0..MAX); returns how many were given (more than MAX is a usage
 * error cli_parse already reported). */
size_t cli_get_all(const struct cli *cli, const char *name, const char **out,
                   size_t max);

/* The case folder: --case, else $CUSTODY_CASE; usage error when neither. */
const char *cli_case_dir(struct cli *cli);

/* Parse a size such as "512", "16M" or "2G" (binary multiples K, M, G, T,
 * an optional "iB" or "B" after them); -1 on anything else or overflow. */
int cli_parse_size(const char *s, uint64_t *out);

/* Print "PROG: MESSAGE" and the synopsis to stderr; returns 2. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...)
	CUST_PRINTF(2, 3);

/* Print "PROG: MESSAGE" for ERR to stderr; returns the exit code of its
 * kind. */
int cli_fail(const struct cli *cli, const struct cust_error *err);

/* Print V indented and canonical on stdout. */
void cli_print_json(const json_t *v);

/* The options of every command that seals units or appends events: how
 * the examiner signs.  Put them in the command's table. */
#define CLI_SIGNING_OPTIONS                                                  \
	{ "key", "FILE", "examiner's private key (or key = in the config)" }, \
	{ "cert", "FILE", "examiner's certificate (or cert = in the config)" }, \
	{ "passphrase-file", "FILE",                                          \
	  "the key's passphrase (or $CUSTODY_PASSPHRASE, or the terminal)" }, \
	{ "tsa", "URL", "RFC 3161 timestamp authority, http:// (or tsa =)" }, \
	{ "tsa-cafile", "FILE", "trust anchor of the timestamp authority" },  \
	{ "no-sign", NULL, "do not sign, even with a key configured" }

struct cust_signer;
struct cust_actor;

/*
 * Open the examiner's key named by --key/--cert or the configuration file
 * (keys.h), asking for its passphrase, and give ACTOR the signer, its
 * fingerprint and the timestamp authority.  Without a key anywhere, or
 * with --no-sign, ACTOR stays unsigned.  *SIGNER receives what
 * cli_signing_close frees.  0, or the exit code after printing why.
 */
int cli_signing_open(const struct cli *cli, struct cust_actor *actor,
                     struct cust_signer **signer);
void cli_signing_close(struct cust_signer *signer);

/* What a command that writes to a case does before any work: check that
 * the case can take it and start ACTOR's run (recover.h, run.h).  0, or
 * the exit code after printing why (a torn log, a full disk, a run that
 * was interrupted and not yet recovered). */
int cli_run_start(const struct cli *cli, const char *case_dir,
                  struct cust_actor *actor);

/* End ACTOR's run (NULL is fine) where a command stops without
 * cli_checkpoint; a run that left the case unfinished says so. */
void cli_run_end(const struct cli *cli, struct cust_actor *actor);

/* The last step of a command that writes to a case: write the log's
 * checkpoint when events were appended, signed as ACTOR can (attest.h),
 * then end ACTOR's run, saying so when it left the case unfinished.  0,
 * or the exit code after printing why; a timestamp authority that failed
 * only warns. */
int cli_checkpoint(const struct cli *cli, const char *case_dir,
                   struct cust_actor *actor);

/* Flush and close stdout, as the last step of a successful run: a write
 * error (a full disk, a closed pipe) turns success into exit 4. */
int cli_exit(const struct cli *cli, int code);

#endif
