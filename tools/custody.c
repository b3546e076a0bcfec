/* custody - run a custody command: `custody hash ...` runs `custody-hash ...`,
 * looked up next to this program first, then on PATH (as git does). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "custody/fsutil.h"
#include "custody/version.h"

static const struct {
	const char *name, *job;
} commands[] = {
	{ "case", "init a case folder, add-item, show, status" },
	{ "hash", "register artifacts (photos, paperwork, copies) as a sealed unit" },
	{ "image", "acquire a disk, a file or a stream: raw, split raw or E01" },
	{ "extract", "inventory and target lists of a disk, as a sealed unit" },
	{ "log", "add a manual custody event, show the timeline" },
	{ "verify", "check a whole case: records, custody log, every unit" },
	{ "keygen", "create an examiner key and certificate (or a request)" },
	{ "sign", "sign, co-sign or timestamp a sealed unit" },
	{ NULL, NULL }
};

static void list_commands(FILE *out)
{
	size_t i;

	fprintf(out, "usage: custody COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; commands[i].name; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].job);
	fprintf(out, "\n`custody help COMMAND` or `custody COMMAND --help` for "
	             "one command.\n");
}

static int known(const char *name)
{
	size_t i;

	for (i = 0; commands[i].name; i++)
		if (strcmp(commands[i].name, name) == 0)
			return 1;
	return 0;
}

/* Exec custody-NAME with ARGV (argv[0] replaced), preferring the folder
 * this program lives in so a build tree runs its own commands. */
static int run(const char *name, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 64], prog[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (snprintf(prog, sizeof prog, "custody-%s", name) >= (int)sizeof prog)
		return CUST_E_USAGE;
	argv[0] = prog;
	if (n > 0) {
		char *slash;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (cust_path_format(path, sizeof path, NULL, "%s/%s", self,
			                     prog) == 0 &&
			    access(path, X_OK) == 0)
				execv(path, argv);
		}
	}
	execvp(prog, argv);
	fprintf(stderr, "custody: cannot run '%s': %s\n", prog, strerror(errno));
	return CUST_E_IO;
}

int main(int argc, char **argv)
{
	static const struct cli_option none[] = { { NULL, NULL, NULL } };
	struct cli cli = { "custody", "custody COMMAND [ARGS...]",
	                   "Run a custody command.", .options = none };
	char *help_argv[3];

	cli_ignore_sigpipe();
	if (argc < 2 || strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		if (argc == 3 && known(argv[2])) {
			help_argv[0] = argv[2];
			help_argv[1] = "--help";
			help_argv[2] = NULL;
			return run(argv[2], help_argv);
		}
		if (argc >= 3 && strcmp(argv[1], "help") == 0)
			return cli_usage_error(&cli, "unknown command '%s'", argv[2]);
		list_commands(argc < 2 ? stderr : stdout);
		return cli_exit(&cli, argc < 2 ? CUST_E_USAGE : 0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("custody %s\n", cust_version());
		return cli_exit(&cli, 0);
	}
	if (!known(argv[1])) {
		fprintf(stderr, "custody: unknown command '%s'\n", argv[1]);
		list_commands(stderr);
		return CUST_E_USAGE;
	}
	return run(argv[1], argv + 1);
}
