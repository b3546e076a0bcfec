/* custody-keygen - create an examiner's key and certificate (or a request
 * for the agency's CA), or install the certificate the CA issued. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/keyconfig.h"
#include "custody/keys.h"
#include "custody/passphrase.h"
#include "prompt.h"

#define TOOL "custody-keygen"
#define TOOL_CTX ((void *)TOOL) /* the prompt's context: the name */
#define KEY_NAME "examiner.key"
#define CERT_NAME "examiner.pem"
#define CSR_NAME "examiner.csr"
#define CONFIG_NAME "config"

static const struct cli_option options[] = {
	{ "name", "NAME", "examiner's name, the certificate's CN (required)" },
	{ "agency", "A", "agency or unit, the certificate's O" },
	{ "email", "E", "examiner's email address" },
	{ "type", "TYPE", "ecdsa (default), ed25519 or rsa3072" },
	{ "days", "N", "validity of the self-signed certificate (730)" },
	{ "out", "DIR", "where to write (~/.config/custody)" },
	{ "csr", NULL, "write a request for the agency's CA, no certificate" },
	{ "import-cert", "FILE", "install the certificate the agency's CA issued" },
	{ "passphrase-file", "F", "read the passphrase from F's first line" },
	{ NULL, NULL, NULL }
};

/* What a run made, for the report on stdout. */
struct outcome {
	char dir[CUST_PATH_MAX];
	char key[CUST_PATH_MAX];
	char out[CUST_PATH_MAX]; /* certificate or request */
	char config[CUST_PATH_MAX];
	char fingerprint[CUST_FINGERPRINT_LEN];
	enum cust_key_type type;
	int csr;
	int default_dir;
	enum { CONFIG_WRITTEN, CONFIG_NAMES_KEY, CONFIG_OTHER } config_state;
};

/* --out, else $XDG_CONFIG_HOME/custody (when absolute), else
 * $HOME/.config/custody: where cust_key_config_load looks. */
static int choose_dir(struct cli *cli, struct outcome *o,
                      struct cust_error *err)
{
	const char *out = cli_get(cli, "out"), *env;

	if (out)
		return cust_path_format(o->dir, sizeof o->dir, err, "%s", out);
	o->default_dir = 1;
	env = getenv("XDG_CONFIG_HOME");
	if (env && env[0] == '/')
		return cust_path_format(o->dir, sizeof o->dir, err, "%s/custody",
		                        env);
	env = getenv("HOME");
	if (env && *env)
		return cust_path_format(o->dir, sizeof o->dir, err,
		                        "%s/.config/custody", env);
	return cust_error_set(err, CUST_E_USAGE,
	                      "no --out, and neither XDG_CONFIG_HOME nor HOME "
	                      "is set");
}

/* Whether others than the owner may write to the folder of mode MODE:
 * anyone may when it is world-writable without the sticky bit (they can
 * rename or replace what it holds), and the folder that holds the key may
 * not be writable by group or others at all. */
static int open_to_others(mode_t mode, int holds_key)
{
	if (holds_key)
		return (mode & (S_IWGRP | S_IWOTH)) != 0;
	return (mode & (S_IWGRP | S_IWOTH)) != 0 && !(mode & S_ISVTX);
}

/*
 * Warn when DIR, or a folder above it, lets others write: whoever can
 * could swap the key, its certificate or the config that names them
 * (the key is secret, and what signs must be the examiner's).  The first
 * such folder from DIR up is named; a missing DIR (to be made 0700) is
 * judged by the folders above it.
 */
static void warn_open_dir(const char *dir)
{
	char path[CUST_PATH_MAX], resolved[PATH_MAX];
	struct stat st;
	int holds_key = 1;
	size_t len;

	if (cust_path_format(path, sizeof path, NULL, "%s", dir) < 0)
		return;
	/* the nearest folder that exists */
	while (stat(path, &st) < 0) {
		char *slash = strrchr(path, '/');
		holds_key = 0;
		if (!slash || slash == path) {
			(void)snprintf(path, sizeof path, "%s",
			               slash == path ? "/" : ".");
			break;
		}
		*slash = '\0';
	}
	if (!realpath(path, resolved))
		return;
	for (len = strlen(resolved);;) {
		if (stat(resolved, &st) == 0 && S_ISDIR(st.st_mode) &&
		    open_to_others(st.st_mode, holds_key)) {
			fprintf(stderr, "%s: warning: others can write to '%s' "
			        "(mode %o): they could replace the key, its "
			        "certificate or the config; keep them in a folder "
			        "only you can write to\n", TOOL, resolved,
			        (unsigned)(st.st_mode & 07777));
			return;
		}
		holds_key = 0;
		while (len > 1 && resolved[len - 1] != '/')
			len--;
		if (len <= 1) {
			if (strcmp(resolved, "/") == 0)
				return;
			len = 1; /* the root, last */
		} else {
			len--;
		}
		resolved[len] = '\0';
	}
}

/* Create the folder PATH with mode 0700 unless it exists. */
static int make_private_dir(const char *path, struct cust_error *err)
{
	struct stat st;

	if (mkdir(path, 0700) == 0) {
		if (chmod(path, 0700) < 0) /* whatever the umask */
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot set the mode of '%s'", path);
		return 0;
	}
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		return cust_error_set(err, CUST_E_IO, "'%s' is not a folder", path);
	return cust_error_set_errno(err, CUST_E_IO, errno,
	                            "cannot create folder '%s'", path);
}

/* The default folder's parent (~/.config) may be missing on a new
 * account; a folder given with --out must have its parent already.
 * *CREATED is set when the folder itself is new. */
static int prepare_dir(const struct outcome *o, int *created,
                       struct cust_error *err)
{
	char parent[CUST_PATH_MAX];
	const char *slash = strrchr(o->dir, '/');
	struct stat st;

	if (o->default_dir && slash && slash != o->dir) {
		if (cust_path_format(parent, sizeof parent, err, "%.*s",
		                     (int)(slash - o->dir), o->dir) < 0 ||
		    make_private_dir(parent, err) < 0)
			return -1;
	}
	*created = stat(o->dir, &st) < 0;
	return make_private_dir(o->dir, err);
}

/* Whether the existing configuration file o->config names the key and
 * certificate of O (a malformed one does not). */
static int config_names_key(const struct outcome *o)
{
	struct cust_key_config *cfg = malloc(sizeof *cfg);
	char cert[CUST_PATH_MAX], *text = NULL;
	size_t len;
	int same = 0;

	if (cfg && cust_path_format(cert, sizeof cert, NULL, "%s/%s", o->dir,
	                            CERT_NAME) == 0 &&
	    cust_fs_read_file(o->config, 64u << 10, &text, &len, NULL) == 0 &&
	    cust_key_config_parse(cfg, text, len, o->config, NULL) == 0)
		same = strcmp(cfg->key, o->key) == 0 && strcmp(cfg->cert, cert) == 0;
	free(text);
	free(cfg);
	return same;
}

/* DIR/config naming the key and certificate (relative: the folder can
 * move), unless one exists: that one is never replaced. */
static int write_config(struct outcome *o, struct cust_error *err)
{
	static const char text[] =
		"# custody: the examiner's key, written by custody-keygen\n"
		"# (relative paths are relative to this folder)\n"
		"key = " KEY_NAME "\n"
		"cert = " CERT_NAME "\n";
	struct stat st;

	if (cust_path_format(o->config, sizeof o->config, err, "%s/%s", o->dir,
	                     CONFIG_NAME) < 0)
		return -1;
	if (lstat(o->config, &st) == 0) {
		o->config_state = config_names_key(o) ? CONFIG_NAMES_KEY
		                                      : CONFIG_OTHER;
		return 0;
	}
	if (cust_fs_write_atomic(o->config, text, sizeof text - 1,
	                         CUST_FS_NOREPLACE, err) < 0)
		return -1;
	o->config_state = CONFIG_WRITTEN;
	return 0;
}

/* OpenSSL before 3.2 makes no CMS signature with an Ed25519 key. */
static void warn_ed25519(enum cust_key_type type)
{
	if (type == CUST_KEY_ED25519 && OpenSSL_version_num() < 0x30200000L)
		fprintf(stderr,
		        "%s: note: this OpenSSL (%s) cannot make or check CMS "
		        "signatures with Ed25519 keys (3.2 and later can); use "
		        "--type ecdsa for signatures checked with this system's "
		        "openssl\n",
		        TOOL, OpenSSL_version(OPENSSL_VERSION));
}

static void print_report(const struct cli *cli, const struct outcome *o)
{
	json_t *j;

	if (cli->json) {
		j = json_object();
		if (!j)
			return;
		json_object_set_new(j, "key", json_string(o->key));
		json_object_set_new(j, o->csr ? "csr" : "cert", json_string(o->out));
		json_object_set_new(j, "fingerprint",
		                    o->csr ? json_null()
		                           : json_string(o->fingerprint));
		json_object_set_new(j, "type",
		                    json_string(cust_key_type_name(o->type)));
		json_object_set_new(j, "config", json_string(o->config));
		json_object_set_new(j, "config_written",
		                    json_boolean(o->config_state == CONFIG_WRITTEN));
		cli_print_json(j);
		json_decref(j);
		return;
	}
	if (!o->csr)
		printf("fingerprint  %s\n", o->fingerprint);
	printf("key          %s (%s, encrypted)\n", o->key,
	       cust_key_type_name(o->type));
	printf("%-12s %s\n", o->csr ? "request" : "certificate", o->out);
	printf("config       %s%s\n", o->config,
	       o->config_state == CONFIG_WRITTEN     ? " (written)"
	       : o->config_state == CONFIG_NAMES_KEY ? " (names this key)"
	                                             : " (left unchanged)");
	if (o->csr) {
		printf("next: send %s to your agency's CA, then install the "
		       "certificate it issues:\n"
		       "  custody-keygen --out %s --import-cert FILE\n",
		       o->out, o->dir);
		return;
	}
	if (!o->default_dir)
		printf("next: export CUSTODY_CONFIG=%s so that the commands find "
		       "the key;\n"
		       "  custody-sign then signs with it and copies the "
		       "certificate into the case.\n", o->config);
	else
		printf("next: custody-sign signs with this key and copies the "
		       "certificate into the case.\n");
	printf("Back up the key and keep the passphrase apart from it.\n");
}

static int do_import(struct cli *cli, struct outcome *o,
                     struct cust_error *err)
{
	char pass[CUST_PASSPHRASE_MAX + 1], prompt[CUST_PATH_MAX + 32];
	const char *pass_file = cli_get(cli, "passphrase-file");
	size_t pass_len = 0;
	int need, rc;

	if (cust_path_format(o->key, sizeof o->key, err, "%s/%s", o->dir,
	                     KEY_NAME) < 0 ||
	    cust_path_format(o->out, sizeof o->out, err, "%s/%s", o->dir,
	                     CERT_NAME) < 0 ||
	    cust_fs_refuse_existing(o->out, err) < 0)
		return -1;
	need = cust_key_import_needs_passphrase(o->key);
	if (need) {
		(void)snprintf(prompt, sizeof prompt, "passphrase for '%s': ",
		               o->key);
		if (cust_passphrase_get(pass_file, cli_prompt_passphrase, TOOL_CTX,
		                        prompt, 0, pass, sizeof pass, &pass_len,
		                        err) < 0)
			return -1;
	}
	rc = cust_key_import_cert(o->key, cli_get(cli, "import-cert"), o->out,
	                          need ? pass : NULL, pass_len, err);
	cust_wipe(pass, sizeof pass);
	if (rc < 0)
		return -1;
	if (cust_cert_fingerprint_file(o->out, o->fingerprint, err) < 0 ||
	    cust_cert_key_type_file(o->out, &o->type, err) < 0)
		return -1;
	return write_config(o, err);
}

static int do_generate(struct cli *cli, struct outcome *o,
                       struct cust_error *err)
{
	char pass[CUST_PASSPHRASE_MAX + 1];
	const char *type = cli_get(cli, "type"), *days = cli_get(cli, "days");
	struct cust_keygen_options k = { 0 };
	size_t pass_len = 0;
	uint64_t n;
	int rc, created = 0;

	k.type = CUST_KEY_ECDSA_P256;
	if (type && cust_key_type_parse(type, &k.type) < 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "unknown key type '%s' (ecdsa, ed25519, "
		                      "rsa3072)", type);
	if (days) {
		if (cust_parse_u64(days, &n) < 0 || n < 1 || n > CUST_KEY_DAYS_MAX)
			return cust_error_set(err, CUST_E_USAGE,
			                      "--days must be a number of days from "
			                      "1 to %d", CUST_KEY_DAYS_MAX);
		k.valid_days = (unsigned)n;
	}
	k.name = cli_get(cli, "name");
	k.agency = cli_get(cli, "agency");
	k.email = cli_get(cli, "email");
	k.csr = cli_get(cli, "csr") != NULL;
	o->type = k.type;
	o->csr = k.csr;
	/* everything that can be refused is, before the passphrase is asked,
	 * and the passphrase before anything is created */
	if (cust_keygen_check(&k, err) < 0 ||
	    cust_path_format(o->key, sizeof o->key, err, "%s/%s", o->dir,
	                     KEY_NAME) < 0 ||
	    cust_path_format(o->out, sizeof o->out, err, "%s/%s", o->dir,
	                     k.csr ? CSR_NAME : CERT_NAME) < 0 ||
	    cust_fs_refuse_existing(o->key, err) < 0 ||
	    cust_fs_refuse_existing(o->out, err) < 0)
		return -1;
	warn_ed25519(k.type);
	if (cust_passphrase_get(cli_get(cli, "passphrase-file"),
	                        cli_prompt_passphrase, TOOL_CTX,
	                        "passphrase for the new key: ", 1, pass,
	                        sizeof pass, &pass_len, err) < 0)
		return -1;
	if (pass_len < CUST_PASSPHRASE_MIN)
		rc = cust_error_set(err, CUST_E_USAGE,
		                    "the passphrase must be at least %d bytes",
		                    CUST_PASSPHRASE_MIN);
	else if ((rc = prepare_dir(o, &created, err)) == 0 &&
	         (rc = cust_keygen(&k, o->key, o->out, pass, pass_len, err)) < 0 &&
	         created)
		(void)rmdir(o->dir); /* nothing left behind */
	cust_wipe(pass, sizeof pass);
	if (rc < 0)
		return -1;
	if (!k.csr && cust_cert_fingerprint_file(o->out, o->fingerprint, err) < 0)
		return -1;
	return write_config(o, err);
}

int main(int argc, char **argv)
{
	static const char *const generate_only[] = {
		"name", "agency", "email", "type", "days", "csr"
	};
	struct cli cli = {
		TOOL,
		"custody-keygen --name NAME [--agency A] [--email E] "
		"[--type ecdsa|ed25519|rsa3072]\n"
		"               [--days N] [--out DIR] [--csr] "
		"[--passphrase-file F] [--json]\n"
		"       custody-keygen --import-cert FILE [--out DIR] "
		"[--passphrase-file F] [--json]",
		"Create an examiner's key, encrypted under a passphrase, and a "
		"self-signed X.509 certificate (or, with --csr, a request for the "
		"agency's CA); or install the certificate the CA issued.",
		.options = options
	};
	struct outcome o;
	struct cust_error err;
	size_t i;
	int rc;

	cli_parse(&cli, argc, argv);
	memset(&o, 0, sizeof o);
	cust_error_clear(&err);
	if (cli.nargs > 0)
		return cli_usage_error(&cli, "unexpected argument '%s'", cli.args[0]);
	if (cli_get(&cli, "import-cert")) {
		for (i = 0; i < sizeof generate_only / sizeof generate_only[0]; i++)
			if (cli_get(&cli, generate_only[i]))
				return cli_usage_error(&cli, "--import-cert does not take "
				                       "--%s", generate_only[i]);
	} else if (!cli_get(&cli, "name")) {
		return cli_usage_error(&cli, "--name is required");
	}
	if (choose_dir(&cli, &o, &err) < 0)
		return err.kind == CUST_E_USAGE ? cli_usage_error(&cli, "%s",
		                                                  err.message)
		                                : cli_fail(&cli, &err);
	warn_open_dir(o.dir); /* before the passphrase is asked */
	if (cli_get(&cli, "import-cert"))
		rc = do_import(&cli, &o, &err);
	else
		rc = do_generate(&cli, &o, &err);
	if (rc < 0)
		return cli_exit(&cli, cli_fail(&cli, &err));
	if (o.config_state == CONFIG_OTHER)
		fprintf(stderr, "%s: '%s' exists and does not name this key and "
		        "certificate; left unchanged\n", TOOL, o.config);
	print_report(&cli, &o);
	return cli_exit(&cli, 0);
}
