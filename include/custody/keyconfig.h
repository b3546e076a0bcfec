/*
 * keyconfig.h - where a command finds the examiner's key: the
 * configuration file that names it, its certificate, the timestamp
 * authority and the passphrase file.  The file is read whole, at most
 * 64 KiB, and parsed as hostile input: every line and value is bounded.
 */
#ifndef CUSTODY_KEYCONFIG_H
#define CUSTODY_KEYCONFIG_H

#include <stddef.h>

#include "custody/error.h"

/*
 * --key/--cert/--tsa given on the command line win, then the
 * configuration file: $CUSTODY_CONFIG, else
 * $XDG_CONFIG_HOME/custody/config (when absolute), else
 * $HOME/.config/custody/config.  Lines are `name = value` (key, cert,
 * chain, tsa, tsa_cafile, passphrase_file), at most 4160 bytes, name and
 * value trimmed of blanks; `#` at the start of a line or after a blank
 * starts a comment; blank lines are skipped.  Relative paths are relative
 * to the file's folder; tsa must be an http:// or https:// URL.  A missing
 * file is no error (every field ""); a malformed one is (CUST_E_INPUT,
 * naming the file and line): an unknown name, a line without '=', an empty
 * value, a name given twice, a control character, a NUL byte.
 */
struct cust_key_config {
	char key[4096];
	char cert[4096];
	char chain[4096];       /* extra certificates to include, may be "" */
	char tsa[4096];         /* URL of an RFC 3161 authority, may be "" */
	char tsa_cafile[4096];  /* trust anchor for that authority, may be "" */
	char passphrase_file[4096];
	char source[4096];      /* the config file read, or "" */
};
int cust_key_config_load(struct cust_key_config *cfg, struct cust_error *err);

/* Parse the LEN bytes of TEXT as the configuration file SOURCE (which
 * names it in messages and anchors relative paths), as above. */
int cust_key_config_parse(struct cust_key_config *cfg, const char *text,
                          size_t len, const char *source,
                          struct cust_error *err);

#endif
