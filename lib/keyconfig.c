/* keyconfig.c - where a command finds the examiner's key: the
 * configuration file; see include/custody/keyconfig.h. */
#include "custody/keyconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "custody/fsutil.h"

#define CONFIG_FILE_MAX (64u << 10)
#define CONFIG_LINE_MAX 4160 /* the longest path plus a name */

static const char *const config_names[] = {
	"key", "cert", "chain", "tsa", "tsa_cafile", "passphrase_file"
};
#define CONFIG_NAMES (sizeof config_names / sizeof config_names[0])

static char *config_field(struct cust_key_config *cfg, size_t i)
{
	char *const fields[CONFIG_NAMES] = {
		cfg->key, cfg->cert, cfg->chain, cfg->tsa, cfg->tsa_cafile,
		cfg->passphrase_file
	};
	return fields[i];
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* [*B, *E) without blanks at either end. */
static void trim(const char **b, const char **e)
{
	while (*b < *e && is_blank(**b))
		(*b)++;
	while (*e > *b && is_blank((*e)[-1]))
		(*e)--;
}

static int config_line(struct cust_key_config *cfg, const char *dir,
                       const char *line, size_t len, unsigned long lineno,
                       unsigned *seen, struct cust_error *err)
{
	const char *src = cfg->source, *b = line, *e, *eq, *nb, *ne, *vb, *ve;
	char *field;
	size_t i, vlen;

	if (len > CONFIG_LINE_MAX)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: longer than %d bytes", src,
		                      lineno, CONFIG_LINE_MAX);
	if (memchr(line, '\0', len))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: contains a NUL byte", src,
		                      lineno);
	/* a comment starts at a '#' that begins the line or follows a blank */
	for (i = 0; i < len; i++)
		if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) {
			len = i;
			break;
		}
	e = line + len;
	trim(&b, &e);
	if (b == e)
		return 0;
	for (i = 0; i < (size_t)(e - b); i++) {
		unsigned char c = (unsigned char)b[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return cust_error_set(err, CUST_E_INPUT,
			                      "'%s' line %lu: contains a control "
			                      "character", src, lineno);
	}
	eq = memchr(b, '=', (size_t)(e - b));
	if (!eq)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: expected 'name = value'", src,
		                      lineno);
	nb = b, ne = eq, vb = eq + 1, ve = e;
	trim(&nb, &ne);
	trim(&vb, &ve);
	if (nb == ne)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: expected 'name = value'", src,
		                      lineno);
	for (i = 0; i < CONFIG_NAMES; i++)
		if (strlen(config_names[i]) == (size_t)(ne - nb) &&
		    memcmp(config_names[i], nb, (size_t)(ne - nb)) == 0)
			break;
	if (i == CONFIG_NAMES)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: unknown name '%.*s' (known: "
		                      "key, cert, chain, tsa, tsa_cafile, "
		                      "passphrase_file)", src, lineno,
		                      (int)((ne - nb) > 64 ? 64 : (ne - nb)), nb);
	if (*seen & (1u << i))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: '%s' given twice", src, lineno,
		                      config_names[i]);
	*seen |= 1u << i;
	vlen = (size_t)(ve - vb);
	if (vlen == 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: no value for '%s'", src, lineno,
		                      config_names[i]);
	field = config_field(cfg, i);
	if (strcmp(config_names[i], "tsa") == 0) {
		if ((vlen < 8 || strncmp(vb, "https://", 8) != 0) &&
		    (vlen < 7 || strncmp(vb, "http://", 7) != 0))
			return cust_error_set(err, CUST_E_INPUT,
			                      "'%s' line %lu: tsa must be an http:// "
			                      "or https:// URL", src, lineno);
		return cust_path_format(field, sizeof cfg->key, NULL, "%.*s",
		                        (int)vlen, vb) < 0
		               ? cust_error_set(err, CUST_E_INPUT,
		                                "'%s' line %lu: value too long", src,
		                                lineno)
		               : 0;
	}
	if (vb[0] == '/' ? cust_path_format(field, sizeof cfg->key, NULL, "%.*s",
	                                    (int)vlen, vb) < 0
	                 : cust_path_format(field, sizeof cfg->key, NULL,
	                                    "%s/%.*s", dir, (int)vlen, vb) < 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' line %lu: path too long", src, lineno);
	return 0;
}

int cust_key_config_parse(struct cust_key_config *cfg, const char *text,
                          size_t len, const char *source,
                          struct cust_error *err)
{
	char dir[CUST_PATH_MAX];
	unsigned long lineno = 0;
	unsigned seen = 0;
	size_t pos = 0;

	memset(cfg, 0, sizeof *cfg);
	if (!source || cust_path_format(cfg->source, sizeof cfg->source, err,
	                                "%s", source) < 0 ||
	    cust_path_dir(source, dir, sizeof dir, err) < 0) {
		memset(cfg, 0, sizeof *cfg);
		return -1;
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;

		pos += llen + (nl ? 1 : 0);
		lineno++;
		if (config_line(cfg, dir, line, llen, lineno, &seen, err) < 0) {
			memset(cfg, 0, sizeof *cfg);
			return -1;
		}
	}
	return 0;
}

int cust_key_config_load(struct cust_key_config *cfg, struct cust_error *err)
{
	char path[CUST_PATH_MAX], *text = NULL;
	const char *env;
	struct stat st;
	size_t len;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	env = getenv("CUSTODY_CONFIG");
	if (env && *env)
		rc = cust_path_format(path, sizeof path, err, "%s", env);
	else if ((env = getenv("XDG_CONFIG_HOME")) && env[0] == '/')
		rc = cust_path_format(path, sizeof path, err, "%s/custody/config",
		                      env);
	else if ((env = getenv("HOME")) && *env)
		rc = cust_path_format(path, sizeof path, err,
		                      "%s/.config/custody/config", env);
	else
		return 0; /* nowhere to look */
	if (rc < 0)
		return -1;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot open '%s'", path);
	}
	if (cust_fs_read_file_ex(path, CONFIG_FILE_MAX, 0, NULL, &text, &len,
	                         err) < 0)
		return -1;
	rc = cust_key_config_parse(cfg, text, len, path, err);
	free(text);
	return rc;
}
