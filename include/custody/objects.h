/*
 * objects.h - copies of files of interest, named by their content.
 *
 * An extraction keeps a copy of each file of interest as
 * UNIT/objects/<aa>/<sha256>: the lower-case hex SHA-256 of the content,
 * in a folder named by its first two hex digits.  No name from the
 * evidence ever becomes a path, and the same content is stored once
 * however many files hold it.
 *
 * Which files: `--copy all|interest|none` (cust_copy_policy_parse).  With
 * "interest" a file is copied when cust_interest() gives a reason for it,
 * or when a YARA rule or an extractor hit it (the caller's decision).
 *
 * A copy streams from the image into a writer (cust_object_begin, _feed,
 * _commit), which hashes while it writes; it is never held whole.  The
 * store is safe to share between threads: each worker takes writers of
 * its own.
 */
#ifndef CUSTODY_OBJECTS_H
#define CUSTODY_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "custody/error.h"

/* The folder of the store inside a unit. */
#define CUST_OBJECTS_DIR "objects"

enum cust_copy_policy {
	CUST_COPY_NONE,     /* no copies */
	CUST_COPY_INTEREST, /* files of interest (the default) */
	CUST_COPY_ALL       /* every regular file with content */
};

/* "none" | "interest" | "all" into *OUT; -1 with CUST_E_USAGE otherwise. */
int cust_copy_policy_parse(const char *s, enum cust_copy_policy *out,
                           struct cust_error *err);

/* The name cust_copy_policy_parse takes for P ("interest"), for the
 * record; NULL for a value outside the enum. */
const char *cust_copy_policy_name(enum cust_copy_policy p);

/*
 * Why a file is of interest: "config", "script", "database", "archive",
 * "executable", "mail" or "key-material"; NULL when it is not.  A static
 * string.  Pure: no I/O, safe from any thread.
 *
 * MIME and DESCRIPTION are what libmagic says of the content
 * (MAGIC_MIME_TYPE and the plain description, as classify.h gives them);
 * PATH is the file's path in the evidence ("/var/mail/root").  Any of the
 * three may be NULL or empty.  The verdict, first match wins:
 *
 *  1. An empty file or a non-file ("inode/..." MIME type): NULL.
 *  2. DESCRIPTION starting with one of these (content libmagic knows but
 *     types only as text/plain or application/octet-stream):
 *       key-material  "PEM RSA private key", "PEM DSA private key",
 *                     "PEM EC private key", "PEM ECDSA private key",
 *                     "OpenSSH " (private and public keys),
 *                     "PEM certificate" (and "... request"),
 *                     "Certificate, Version=" and "DER Encoded Certificate"
 *                     (DER), "RFC1421 Security Certificate",
 *                     "PGP private key block", "PGP public key block",
 *                     "OpenPGP Secret Key", "OpenPGP Public Key",
 *                     "PuTTY Private Key File", "Java KeyStore",
 *                     "Java JCE KeyStore", "GNOME keyring",
 *                     "GPG keybox database", "Keepass password database",
 *                     "Password Safe V3 database"
 *       database      "SQLite " (databases, journals, write-ahead logs),
 *                     "MySQL " (MyISAM/ISAM/Maria data and index files,
 *                     table definitions, replication logs),
 *                     "PostgreSQL custom database dump", "Berkeley DB",
 *                     "GNU dbm", "Microsoft Access Database",
 *                     "H2 Database file", "DuckDB database file",
 *                     "TDB database", "Quick Database Manager"
 *       mail          "MBX mail folder", "MMDF mailbox"
 *       config        "Sendmail frozen configuration"
 *  3. Text (MIME "text/...", "message/...", application/json,
 *     application/javascript, application/x-wine-extension-ini): hints
 *     from PATH, compared without regard to case.  The name is only a
 *     hint because libmagic sees a config, a PKCS#8 key ("-----BEGIN
 *     PRIVATE KEY-----"), an SQL dump, a crontab or an mbox ("From ...")
 *     as plain "ASCII text":
 *       config        wp-config.php, config.php, config.inc.php,
 *                     configuration.php, settings.php, localsettings.php,
 *                     .htaccess, crontab, *.conf, *.cnf, *.cfg, *.config,
 *                     *.ini, *.env (and .env), *.yml, *.yaml, *.toml,
 *                     *.properties; anything below /etc/cron.d/ or
 *                     /var/spool/cron/
 *       key-material  id_rsa, id_dsa, id_ecdsa, id_ed25519, id_ecdsa_sk,
 *                     id_ed25519_sk, identity, authorized_keys,
 *                     authorized_keys2, known_hosts, .htpasswd, shadow,
 *                     gshadow, .netrc, .pgpass, *.pem, *.key, *.crt,
 *                     *.cer, *.csr, *.ppk
 *       database      *.sql
 *       mail          mbox, *.mbox; anything below /var/mail/ or
 *                     /var/spool/mail/; a Maildir message: a name that
 *                     starts with 9 digits or more and a dot (a time:
 *                     "1294056000.M1P2.host") in a folder "cur" or "new"
 *       script        *.sh, *.bash, *.pl, *.pm, *.py, *.php, *.phtml,
 *                     *.rb, *.lua, *.tcl, *.cgi, *.ps1, *.bat, *.cmd,
 *                     *.vbs
 *     The path hints ("/var/mail/", ...) match at the start of PATH
 *     (with or without its leading slash) or after any slash, so a
 *     partition or archive prefix does not hide them.
 *  4. MIME type, exactly:
 *       executable    application/x-executable, application/x-pie-executable,
 *                     application/x-sharedlib, application/x-object (kernel
 *                     modules), application/x-mach-binary,
 *                     application/vnd.microsoft.portable-executable,
 *                     application/x-dosexec, application/x-ms-ne-executable,
 *                     application/x-msi, application/java-archive,
 *                     application/x-java-applet,
 *                     application/vnd.android.package-archive,
 *                     application/x-bytecode.python, application/wasm
 *       archive       application/zip, application/gzip, application/x-gzip,
 *                     application/x-bzip2, application/x-bzip,
 *                     application/x-xz, application/x-lzma,
 *                     application/x-lzip, application/x-lz4,
 *                     application/x-lrzip, application/zstd,
 *                     application/zlib, application/x-7z-compressed,
 *                     application/x-rar, application/vnd.rar,
 *                     application/x-tar, application/x-gtar,
 *                     application/x-ustar, application/x-cpio,
 *                     application/x-archive, application/x-compress,
 *                     application/x-lzh-compressed, application/x-lha,
 *                     application/x-arj, application/x-ace-compressed,
 *                     application/x-zoo, application/x-arc,
 *                     application/x-stuffit, application/x-xar,
 *                     application/vnd.ms-cab-compressed, application/x-rpm,
 *                     application/vnd.debian.binary-package,
 *                     application/x-svr4-package,
 *                     application/x-iso9660-image,
 *                     application/x-apple-diskimage, application/x-ms-wim,
 *                     application/x-chrome-extension
 *       database      application/vnd.sqlite3, application/x-sqlite3,
 *                     application/x-dbf, application/x-dbm,
 *                     application/x-gdbm, application/x-msaccess,
 *                     application/msaccess, application/x-ms-ese,
 *                     application/x-tokyocabinet-{btree,fixed,hash,table}
 *       mail          message/rfc822, message/x-gnu-rmail,
 *                     application/vnd.ms-outlook, application/x-ms-dbx,
 *                     application/vnd.ms-tnef, application/x-incredimail
 *       key-material  application/pgp-keys, application/x-putty-private-key,
 *                     application/x-java-keystore,
 *                     application/x-java-jce-keystore,
 *                     application/x-pkcs12, application/x-x509-ca-cert,
 *                     application/pkix-cert
 *       script        text/x-php, text/x-shellscript, text/x-script.python,
 *                     text/x-perl, text/x-ruby, text/x-lua, text/x-tcl,
 *                     text/x-awk, text/x-gawk, text/x-nawk,
 *                     text/x-msdos-batch, text/x-execline,
 *                     application/javascript, text/javascript,
 *                     application/x-shellscript, text/x-python
 *       config        text/x-ms-regedit, text/x-wine-extension-reg,
 *                     application/x-wine-extension-ini
 *  5. One exception to "names only for text": libmagic cannot tell a
 *     PKCS#12 bundle from noise ("application/octet-stream", "data"), so
 *     that MIME type with a name *.p12 or *.pfx is key-material.
 *
 * (file 5.44, as in Debian 12, says "text/plain" for scripts without a
 * "#!" line, and "message/rfc822" for a mail file only when it starts
 * with a header line, hence the name hints.)
 */
const char *cust_interest(const char *mime, const char *description,
                          const char *path);

/* The store of the unit folder UNIT_DIR: UNIT_DIR/objects, made when
 * missing.  NULL (CUST_E_IO) when the folder cannot be made or written. */
struct cust_objects;
struct cust_objects *cust_objects_open(const char *unit_dir,
                                       struct cust_error *err);

/* Release the handle; NULL is fine.  Every writer must have been
 * committed or aborted before. */
void cust_objects_free(struct cust_objects *s);

/*
 * A copy being written.  begin creates a temporary file inside objects/
 * (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600); feed appends content and hashes
 * it; commit finishes: the SHA-256 of what was fed is compared with
 * EXPECT_SHA256 (64 hex digits, either case) when that is not NULL, the
 * file is made read-only (0444), fsynced and renamed, never over an
 * existing file, to objects/<aa>/<sha256>, and the folders are fsynced.
 * When that object already exists the copy is dropped (same content,
 * stored once) and *STORED is 0; otherwise *STORED is 1.  SHA256_OUT
 * receives the lower-case hex digest.  STORED and SHA256_OUT may be NULL.
 *
 * Each writer ends with exactly one commit or abort, which frees it
 * whatever the result; on every failure (a failed feed included, which
 * leaves the writer only to be committed or aborted) the temporary file
 * is removed and nothing is kept, save one case: when fsyncing the
 * folders fails after the rename, the object stays (counted as stored:
 * another copy of the same content may already count on it) and commit
 * still fails.  Mismatch with EXPECT_SHA256 is
 * CUST_E_INPUT (the content changed under us), a malformed EXPECT_SHA256
 * CUST_E_USAGE, system failures CUST_E_IO.
 *
 * Distinct writers may run on distinct threads at once, on one store;
 * two committing the same content leave exactly one object.  Commit or
 * abort every writer before the unit is sealed: sealing lists every file
 * of the unit, and a temporary file would be listed with the objects.
 */
struct cust_object_writer;
struct cust_object_writer *cust_object_begin(struct cust_objects *s,
                                             struct cust_error *err);
int cust_object_feed(struct cust_object_writer *w, const void *buf,
                     size_t len, struct cust_error *err);
int cust_object_commit(struct cust_object_writer *w, const char *expect_sha256,
                       char sha256_out[65], int *stored,
                       struct cust_error *err);
/* Drop the copy: the temporary file is removed, W freed; NULL is fine. */
void cust_object_abort(struct cust_object_writer *w);

/* begin + feed + commit for content held in memory. */
int cust_object_put(struct cust_objects *s, const void *buf, size_t len,
                    char sha256_out[65], int *stored, struct cust_error *err);

/* Counts for the record, over every commit on S so far: objects stored,
 * their bytes, copies dropped as duplicates. */
struct cust_objects_stats {
	uint64_t stored, bytes, duplicates;
};
struct cust_objects_stats cust_objects_stats(const struct cust_objects *s);

#endif
