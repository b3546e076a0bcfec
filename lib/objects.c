/* objects.c - content-addressed copies of files of interest; see
 * include/custody/objects.h. */
#include "custody/objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custody/digest.h"
#include "custody/fsutil.h"

#define OBJECTS_MAGIC 0x6f626a73u /* "objs" */
#define WRITER_MAGIC 0x6f626a77u  /* "objw" */
#define SHA256_HEX 64
/* Tries for a free temporary name; a clash only follows a crash of a
 * process that had the same pid. */
#define TMP_TRIES 64

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- copy policy -------------------------------------------------------- */

static const char *const policy_names[] = {
	[CUST_COPY_NONE] = "none",
	[CUST_COPY_INTEREST] = "interest",
	[CUST_COPY_ALL] = "all",
};

int cust_copy_policy_parse(const char *s, enum cust_copy_policy *out,
                           struct cust_error *err)
{
	size_t i;

	for (i = 0; s && i < COUNT(policy_names); i++) {
		if (strcmp(s, policy_names[i]) == 0) {
			*out = (enum cust_copy_policy)i;
			return 0;
		}
	}
	return cust_error_set(err, CUST_E_USAGE,
	                      "unknown copy policy '%s' "
	                      "(all, interest or none)", s ? s : "");
}

const char *cust_copy_policy_name(enum cust_copy_policy p)
{
	if ((unsigned)p >= COUNT(policy_names))
		return NULL;
	return policy_names[p];
}

/* ---- interest ----------------------------------------------------------- */

static const char R_CONFIG[] = "config";
static const char R_SCRIPT[] = "script";
static const char R_DATABASE[] = "database";
static const char R_ARCHIVE[] = "archive";
static const char R_EXECUTABLE[] = "executable";
static const char R_MAIL[] = "mail";
static const char R_KEY[] = "key-material";

struct rule {
	const char *text;
	const char *reason;
};

/* Descriptions (prefixes) of content libmagic knows without a MIME type
 * of its own: checked first, whatever the type and the name. */
static const struct rule desc_rules[] = {
	{ "PEM RSA private key", R_KEY },
	{ "PEM DSA private key", R_KEY },
	{ "PEM EC private key", R_KEY },
	{ "PEM ECDSA private key", R_KEY },
	{ "OpenSSH ", R_KEY },
	{ "PEM certificate", R_KEY },
	{ "Certificate, Version=", R_KEY },
	{ "DER Encoded Certificate", R_KEY },
	{ "RFC1421 Security Certificate", R_KEY },
	{ "PGP private key block", R_KEY },
	{ "PGP public key block", R_KEY },
	{ "OpenPGP Secret Key", R_KEY },
	{ "OpenPGP Public Key", R_KEY },
	{ "PuTTY Private Key File", R_KEY },
	{ "Java KeyStore", R_KEY },
	{ "Java JCE KeyStore", R_KEY },
	{ "GNOME keyring", R_KEY },
	{ "GPG keybox database", R_KEY },
	{ "Keepass password database", R_KEY },
	{ "Password Safe V3 database", R_KEY },
	{ "SQLite ", R_DATABASE },
	{ "MySQL ", R_DATABASE },
	{ "PostgreSQL custom database dump", R_DATABASE },
	{ "Berkeley DB", R_DATABASE },
	{ "GNU dbm", R_DATABASE },
	{ "Microsoft Access Database", R_DATABASE },
	{ "H2 Database file", R_DATABASE },
	{ "DuckDB database file", R_DATABASE },
	{ "TDB database", R_DATABASE },
	{ "Quick Database Manager", R_DATABASE },
	{ "MBX mail folder", R_MAIL },
	{ "MMDF mailbox", R_MAIL },
	{ "Sendmail frozen configuration", R_CONFIG },
};

/* MIME types, exactly. */
static const struct rule mime_rules[] = {
	{ "application/x-executable", R_EXECUTABLE },
	{ "application/x-pie-executable", R_EXECUTABLE },
	{ "application/x-sharedlib", R_EXECUTABLE },
	{ "application/x-object", R_EXECUTABLE },
	{ "application/x-mach-binary", R_EXECUTABLE },
	{ "application/vnd.microsoft.portable-executable", R_EXECUTABLE },
	{ "application/x-dosexec", R_EXECUTABLE },
	{ "application/x-ms-ne-executable", R_EXECUTABLE },
	{ "application/x-msi", R_EXECUTABLE },
	{ "application/java-archive", R_EXECUTABLE },
	{ "application/x-java-applet", R_EXECUTABLE },
	{ "application/vnd.android.package-archive", R_EXECUTABLE },
	{ "application/x-bytecode.python", R_EXECUTABLE },
	{ "application/wasm", R_EXECUTABLE },
	{ "application/zip", R_ARCHIVE },
	{ "application/gzip", R_ARCHIVE },
	{ "application/x-gzip", R_ARCHIVE },
	{ "application/x-bzip2", R_ARCHIVE },
	{ "application/x-bzip", R_ARCHIVE },
	{ "application/x-xz", R_ARCHIVE },
	{ "application/x-lzma", R_ARCHIVE },
	{ "application/x-lzip", R_ARCHIVE },
	{ "application/x-lz4", R_ARCHIVE },
	{ "application/x-lrzip", R_ARCHIVE },
	{ "application/zstd", R_ARCHIVE },
	{ "application/zlib", R_ARCHIVE },
	{ "application/x-7z-compressed", R_ARCHIVE },
	{ "application/x-rar", R_ARCHIVE },
	{ "application/vnd.rar", R_ARCHIVE },
	{ "application/x-tar", R_ARCHIVE },
	{ "application/x-gtar", R_ARCHIVE },
	{ "application/x-ustar", R_ARCHIVE },
	{ "application/x-cpio", R_ARCHIVE },
	{ "application/x-archive", R_ARCHIVE },
	{ "application/x-compress", R_ARCHIVE },
	{ "application/x-lzh-compressed", R_ARCHIVE },
	{ "application/x-lha", R_ARCHIVE },
	{ "application/x-arj", R_ARCHIVE },
	{ "application/x-ace-compressed", R_ARCHIVE },
	{ "application/x-zoo", R_ARCHIVE },
	{ "application/x-arc", R_ARCHIVE },
	{ "application/x-stuffit", R_ARCHIVE },
	{ "application/x-xar", R_ARCHIVE },
	{ "application/vnd.ms-cab-compressed", R_ARCHIVE },
	{ "application/x-rpm", R_ARCHIVE },
	{ "application/vnd.debian.binary-package", R_ARCHIVE },
	{ "application/x-svr4-package", R_ARCHIVE },
	{ "application/x-iso9660-image", R_ARCHIVE },
	{ "application/x-apple-diskimage", R_ARCHIVE },
	{ "application/x-ms-wim", R_ARCHIVE },
	{ "application/x-chrome-extension", R_ARCHIVE },
	{ "application/vnd.sqlite3", R_DATABASE },
	{ "application/x-sqlite3", R_DATABASE },
	{ "application/x-dbf", R_DATABASE },
	{ "application/x-dbm", R_DATABASE },
	{ "application/x-gdbm", R_DATABASE },
	{ "application/x-msaccess", R_DATABASE },
	{ "application/msaccess", R_DATABASE },
	{ "application/x-ms-ese", R_DATABASE },
	{ "application/x-tokyocabinet-btree", R_DATABASE },
	{ "application/x-tokyocabinet-fixed", R_DATABASE },
	{ "application/x-tokyocabinet-hash", R_DATABASE },
	{ "application/x-tokyocabinet-table", R_DATABASE },
	{ "message/rfc822", R_MAIL },
	{ "message/x-gnu-rmail", R_MAIL },
	{ "application/vnd.ms-outlook", R_MAIL },
	{ "application/x-ms-dbx", R_MAIL },
	{ "application/vnd.ms-tnef", R_MAIL },
	{ "application/x-incredimail", R_MAIL },
	{ "application/pgp-keys", R_KEY },
	{ "application/x-putty-private-key", R_KEY },
	{ "application/x-java-keystore", R_KEY },
	{ "application/x-java-jce-keystore", R_KEY },
	{ "application/x-pkcs12", R_KEY },
	{ "application/x-x509-ca-cert", R_KEY },
	{ "application/pkix-cert", R_KEY },
	{ "text/x-php", R_SCRIPT },
	{ "text/x-shellscript", R_SCRIPT },
	{ "text/x-script.python", R_SCRIPT },
	{ "text/x-perl", R_SCRIPT },
	{ "text/x-ruby", R_SCRIPT },
	{ "text/x-lua", R_SCRIPT },
	{ "text/x-tcl", R_SCRIPT },
	{ "text/x-awk", R_SCRIPT },
	{ "text/x-gawk", R_SCRIPT },
	{ "text/x-nawk", R_SCRIPT },
	{ "text/x-msdos-batch", R_SCRIPT },
	{ "text/x-execline", R_SCRIPT },
	{ "application/javascript", R_SCRIPT },
	{ "text/javascript", R_SCRIPT },
	{ "application/x-shellscript", R_SCRIPT },
	{ "text/x-python", R_SCRIPT },
	{ "text/x-ms-regedit", R_CONFIG },
	{ "text/x-wine-extension-reg", R_CONFIG },
	{ "application/x-wine-extension-ini", R_CONFIG },
};

/* Whole file names (the last component of the path), for text. */
static const struct rule name_rules[] = {
	{ "wp-config.php", R_CONFIG },
	{ "config.php", R_CONFIG },
	{ "config.inc.php", R_CONFIG },
	{ "configuration.php", R_CONFIG },
	{ "settings.php", R_CONFIG },
	{ "localsettings.php", R_CONFIG },
	{ ".htaccess", R_CONFIG },
	{ "crontab", R_CONFIG },
	{ "id_rsa", R_KEY },
	{ "id_dsa", R_KEY },
	{ "id_ecdsa", R_KEY },
	{ "id_ed25519", R_KEY },
	{ "id_ecdsa_sk", R_KEY },
	{ "id_ed25519_sk", R_KEY },
	{ "identity", R_KEY },
	{ "authorized_keys", R_KEY },
	{ "authorized_keys2", R_KEY },
	{ "known_hosts", R_KEY },
	{ ".htpasswd", R_KEY },
	{ "shadow", R_KEY },
	{ "gshadow", R_KEY },
	{ ".netrc", R_KEY },
	{ ".pgpass", R_KEY },
	{ "mbox", R_MAIL },
};

/* Name endings, for text; ".env" also matches a file named ".env". */
static const struct rule suffix_rules[] = {
	{ ".conf", R_CONFIG },
	{ ".cnf", R_CONFIG },
	{ ".cfg", R_CONFIG },
	{ ".config", R_CONFIG },
	{ ".ini", R_CONFIG },
	{ ".env", R_CONFIG },
	{ ".yml", R_CONFIG },
	{ ".yaml", R_CONFIG },
	{ ".toml", R_CONFIG },
	{ ".properties", R_CONFIG },
	{ ".pem", R_KEY },
	{ ".key", R_KEY },
	{ ".crt", R_KEY },
	{ ".cer", R_KEY },
	{ ".csr", R_KEY },
	{ ".ppk", R_KEY },
	{ ".sql", R_DATABASE },
	{ ".mbox", R_MAIL },
	{ ".sh", R_SCRIPT },
	{ ".bash", R_SCRIPT },
	{ ".pl", R_SCRIPT },
	{ ".pm", R_SCRIPT },
	{ ".py", R_SCRIPT },
	{ ".php", R_SCRIPT },
	{ ".phtml", R_SCRIPT },
	{ ".rb", R_SCRIPT },
	{ ".lua", R_SCRIPT },
	{ ".tcl", R_SCRIPT },
	{ ".cgi", R_SCRIPT },
	{ ".ps1", R_SCRIPT },
	{ ".bat", R_SCRIPT },
	{ ".cmd", R_SCRIPT },
	{ ".vbs", R_SCRIPT },
};

/* Folders (without slashes) whose files are of interest, for text. */
static const struct rule folder_rules[] = {
	{ "var/mail", R_MAIL },
	{ "var/spool/mail", R_MAIL },
	{ "etc/cron.d", R_CONFIG },
	{ "var/spool/cron", R_CONFIG },
};

/* Text types: MIME types libmagic gives text files besides text/... */
static const char *const text_mimes[] = {
	"application/json",
	"application/javascript",
	"application/x-wine-extension-ini",
};

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with_nocase(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

static int is_text(const char *mime)
{
	size_t i;

	if (has_prefix(mime, "text/") || has_prefix(mime, "message/"))
		return 1;
	for (i = 0; i < COUNT(text_mimes); i++)
		if (strcmp(mime, text_mimes[i]) == 0)
			return 1;
	return 0;
}

/* Whether PATH lies below FOLDER ("var/mail"): FOLDER at the start of
 * PATH (after an optional slash) or right after a slash, followed by a
 * slash and at least one more character. */
static int below_folder(const char *path, const char *folder)
{
	size_t n = strlen(folder);
	const char *p = path;

	for (;;) {
		while (*p == '/')
			p++;
		if (strncasecmp(p, folder, n) == 0 && p[n] == '/' && p[n + 1])
			return 1;
		p = strchr(p, '/');
		if (!p)
			return 0;
	}
}

/* A Maildir message: NAME (the last component of PATH) is <time>.<...>,
 * the time in seconds since 1970 (9 digits or more since 1973), and its
 * folder is "cur" or "new". */
static int maildir_message(const char *path, const char *name)
{
	const char *end, *dir;
	size_t digits = strspn(name, "0123456789");

	if (digits < 9 || name[digits] != '.' || name - path < 2)
		return 0;
	end = name - 1; /* the slash before NAME */
	dir = end;
	while (dir > path && dir[-1] != '/')
		dir--;
	return end - dir == 3 && (strncasecmp(dir, "cur", 3) == 0 ||
	                          strncasecmp(dir, "new", 3) == 0);
}

static const char *by_name(const char *path)
{
	const char *name = strrchr(path, '/');
	size_t len, i;

	name = name ? name + 1 : path;
	len = strlen(name);
	if (len == 0)
		return NULL;
	for (i = 0; i < COUNT(name_rules); i++)
		if (strcasecmp(name, name_rules[i].text) == 0)
			return name_rules[i].reason;
	for (i = 0; i < COUNT(suffix_rules); i++)
		if (ends_with_nocase(name, len, suffix_rules[i].text))
			return suffix_rules[i].reason;
	for (i = 0; i < COUNT(folder_rules); i++)
		if (below_folder(path, folder_rules[i].text))
			return folder_rules[i].reason;
	if (maildir_message(path, name))
		return R_MAIL;
	return NULL;
}

const char *cust_interest(const char *mime, const char *description,
                          const char *path)
{
	size_t i;

	mime = mime ? mime : "";
	description = description ? description : "";
	path = path ? path : "";
	if (has_prefix(mime, "inode/"))
		return NULL;
	for (i = 0; i < COUNT(desc_rules); i++)
		if (has_prefix(description, desc_rules[i].text))
			return desc_rules[i].reason;
	if (is_text(mime)) {
		const char *r = by_name(path);
		if (r)
			return r;
	}
	for (i = 0; i < COUNT(mime_rules); i++)
		if (strcmp(mime, mime_rules[i].text) == 0)
			return mime_rules[i].reason;
	/* PKCS#12 is noise to libmagic: the name is all there is */
	if (strcmp(mime, "application/octet-stream") == 0) {
		size_t len = strlen(path);
		if (ends_with_nocase(path, len, ".p12") ||
		    ends_with_nocase(path, len, ".pfx"))
			return R_KEY;
	}
	return NULL;
}

/* ---- the store ---------------------------------------------------------- */

struct cust_objects {
	unsigned magic;
	char dir[CUST_PATH_MAX]; /* UNIT/objects */
	atomic_uint next_tmp;
	_Atomic uint64_t stored, bytes, duplicates;
};

struct cust_object_writer {
	unsigned magic;
	struct cust_objects *store;
	int fd;         /* the temporary file, -1 once closed */
	int failed;     /* a feed failed: only commit (failing) or abort */
	EVP_MD_CTX *md;
	uint64_t size;
	char tmp[CUST_PATH_MAX];
};

struct cust_objects *cust_objects_open(const char *unit_dir,
                                       struct cust_error *err)
{
	struct cust_objects *s;
	struct stat st;
	int created = 0;

	if (!unit_dir || !*unit_dir) {
		cust_error_set(err, CUST_E_USAGE, "no unit folder for objects");
		return NULL;
	}
	if (stat(unit_dir, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot open unit '%s'", unit_dir);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		cust_error_set_errno(err, CUST_E_IO, ENOTDIR,
		                     "cannot open unit '%s'", unit_dir);
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	if (cust_path_format(s->dir, sizeof s->dir, err, "%s/%s", unit_dir,
	                     CUST_OBJECTS_DIR) < 0)
		goto fail;
	if (mkdir(s->dir, 0755) == 0)
		created = 1;
	else if (cust_fs_mkdir(s->dir, 1, err) < 0)
		goto fail;
	/* fail now rather than at the first copy, deep in a walk */
	if (faccessat(AT_FDCWD, s->dir, W_OK | X_OK, AT_EACCESS) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot write into '%s'", s->dir);
		goto fail;
	}
	if (created && cust_fs_sync_dir(unit_dir, err) < 0)
		goto fail;
	s->magic = OBJECTS_MAGIC;
	return s;
fail:
	free(s);
	return NULL;
}

void cust_objects_free(struct cust_objects *s)
{
	if (!s || s->magic != OBJECTS_MAGIC)
		return;
	s->magic = 0;
	free(s);
}

struct cust_objects_stats cust_objects_stats(const struct cust_objects *s)
{
	struct cust_objects_stats st = { 0, 0, 0 };

	if (!s || s->magic != OBJECTS_MAGIC)
		return st;
	st.stored = atomic_load(&s->stored);
	st.bytes = atomic_load(&s->bytes);
	st.duplicates = atomic_load(&s->duplicates);
	return st;
}

/* ---- writers ------------------------------------------------------------ */

static void writer_free(struct cust_object_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp[0])
		unlink(w->tmp);
	EVP_MD_CTX_free(w->md);
	w->magic = 0;
	free(w);
}

struct cust_object_writer *cust_object_begin(struct cust_objects *s,
                                             struct cust_error *err)
{
	struct cust_object_writer *w;
	int i;

	if (!s || s->magic != OBJECTS_MAGIC) {
		cust_error_set(err, CUST_E_USAGE, "not an object store");
		return NULL;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	w->fd = -1;
	w->store = s;
	w->md = EVP_MD_CTX_new();
	if (!w->md || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL)) {
		cust_error_set(err, CUST_E_IO, "cannot start SHA-256");
		goto fail;
	}
	for (i = 0; i < TMP_TRIES && w->fd < 0; i++) {
		unsigned n = atomic_fetch_add(&s->next_tmp, 1);
		if (cust_path_format(w->tmp, sizeof w->tmp, err,
		                     "%s/tmp-%ld-%u", s->dir, (long)getpid(),
		                     n) < 0) {
			w->tmp[0] = '\0';
			goto fail;
		}
		w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		                             O_CLOEXEC, 0600);
		if (w->fd < 0 && errno != EEXIST) {
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot create '%s'", w->tmp);
			w->tmp[0] = '\0';
			goto fail;
		}
	}
	if (w->fd < 0) {
		cust_error_set(err, CUST_E_IO, "no free temporary name in '%s'",
		               s->dir);
		w->tmp[0] = '\0';
		goto fail;
	}
	w->magic = WRITER_MAGIC;
	return w;
fail:
	writer_free(w);
	return NULL;
}

int cust_object_feed(struct cust_object_writer *w, const void *buf,
                     size_t len, struct cust_error *err)
{
	if (!w || w->magic != WRITER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "not an object writer");
	if (w->failed)
		return cust_error_set(err, CUST_E_USAGE,
		                      "object copy already failed");
	if (len == 0)
		return 0;
	if (!buf) {
		w->failed = 1;
		return cust_error_set(err, CUST_E_USAGE, "no content to copy");
	}
	if (!EVP_DigestUpdate(w->md, buf, len)) {
		w->failed = 1;
		return cust_error_set(err, CUST_E_IO, "SHA-256 failed");
	}
	if (cust_fs_write_all(w->fd, buf, len, w->tmp, err) < 0) {
		w->failed = 1;
		return -1;
	}
	w->size += len;
	return 0;
}

static int check_hex(const char *hex)
{
	size_t i;

	for (i = 0; i < SHA256_HEX; i++) {
		char c = hex[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return -1;
	}
	return hex[SHA256_HEX] == '\0' ? 0 : -1;
}

/* An object already stored under NAME: the same content, if the store is
 * sound; a wrong kind or size means someone else wrote into it. */
static int check_existing(const char *name, uint64_t size,
                          struct cust_error *err)
{
	struct stat st;

	if (lstat(name, &st) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot stat '%s'", name);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size)
		return cust_error_set(err, CUST_E_IO,
		                      "'%s' is not the object its name says",
		                      name);
	return 0;
}

int cust_object_commit(struct cust_object_writer *w, const char *expect_sha256,
                       char sha256_out[65], int *stored,
                       struct cust_error *err)
{
	struct cust_objects *s;
	unsigned char md[32];
	char hex[SHA256_HEX + 1], sub[CUST_PATH_MAX], name[CUST_PATH_MAX];
	int created = 0, rc = -1, fd, dup = 0;

	if (!w || w->magic != WRITER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE,
		                      "not an object writer");
	s = w->store;
	if (w->failed) {
		cust_error_set(err, CUST_E_USAGE, "object copy already failed");
		goto out;
	}
	if (!EVP_DigestFinal_ex(w->md, md, NULL)) {
		cust_error_set(err, CUST_E_IO, "SHA-256 failed");
		goto out;
	}
	cust_hex_encode(md, sizeof md, hex);
	if (expect_sha256 && check_hex(expect_sha256) < 0) {
		cust_error_set(err, CUST_E_USAGE,
		               "expected SHA-256 is not 64 hex digits");
		goto out;
	}
	if (expect_sha256 && strcasecmp(expect_sha256, hex) != 0) {
		cust_error_set(err, CUST_E_INPUT,
		               "content read for a copy has SHA-256 %s, "
		               "not the expected %s", hex, expect_sha256);
		goto out;
	}
	if (cust_path_format(sub, sizeof sub, err, "%s/%.2s", s->dir,
	                     hex) < 0 ||
	    cust_path_format(name, sizeof name, err, "%s/%s", sub, hex) < 0)
		goto out;
	fd = w->fd;
	w->fd = -1;
	if (fchmod(fd, 0444) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot chmod '%s'",
		                     w->tmp);
		close(fd);
		goto out;
	}
	if (cust_fs_close_synced(fd, w->tmp, err) < 0)
		goto out;
	if (mkdir(sub, 0755) == 0)
		created = 1;
	else if (cust_fs_mkdir(sub, 1, err) < 0)
		goto out;
	if (renameat2(AT_FDCWD, w->tmp, AT_FDCWD, name,
	              RENAME_NOREPLACE) == 0) {
		w->tmp[0] = '\0';
	} else if (errno == EEXIST) {
		/* another file, or another thread, had this content first */
		if (check_existing(name, w->size, err) < 0)
			goto out;
		dup = 1;
	} else {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot rename '%s' to '%s'", w->tmp,
		                     name);
		goto out;
	}
	if (dup) {
		atomic_fetch_add(&s->duplicates, 1);
	} else {
		/* counted as soon as it is in place: another copy of the same
		 * content may already stand on it, so it stays even when
		 * syncing the folders below fails */
		atomic_fetch_add(&s->stored, 1);
		atomic_fetch_add(&s->bytes, w->size);
		if (cust_fs_sync_dir(sub, err) < 0 ||
		    (created && cust_fs_sync_dir(s->dir, err) < 0))
			goto out;
	}
	if (sha256_out)
		memcpy(sha256_out, hex, sizeof hex);
	if (stored)
		*stored = !dup;
	rc = 0;
out:
	writer_free(w); /* removes the temporary file when it is still there */
	return rc;
}

void cust_object_abort(struct cust_object_writer *w)
{
	if (!w || w->magic != WRITER_MAGIC)
		return;
	writer_free(w);
}

int cust_object_put(struct cust_objects *s, const void *buf, size_t len,
                    char sha256_out[65], int *stored, struct cust_error *err)
{
	struct cust_object_writer *w = cust_object_begin(s, err);

	if (!w)
		return -1;
	if (cust_object_feed(w, buf, len, err) < 0) {
		cust_object_abort(w);
		return -1;
	}
	return cust_object_commit(w, NULL, sha256_out, stored, err);
}
