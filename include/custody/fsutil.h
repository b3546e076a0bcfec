/*
 * fsutil.h - careful file-system primitives.
 *
 * Everything custody writes goes through here: files are created, never
 * replaced (O_CREAT|O_EXCL|O_NOFOLLOW); record files are written to a
 * temporary name, fsynced, renamed into place and the folder fsynced, so a
 * crash leaves either the old state or the new one; names that come from
 * outside are checked before they become paths.
 */
#ifndef CUSTODY_FSUTIL_H
#define CUSTODY_FSUTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "custody/error.h"

/* Longest path custody builds; longer ones are refused, not truncated. */
#define CUST_PATH_MAX 4096
/* Longest item or unit id. */
#define CUST_ID_MAX 64

/*
 * An id (item, unit) is 1..CUST_ID_MAX characters of [A-Za-z0-9._-], not
 * starting with a dot, so it is always one harmless path component.
 * WHAT names the id in the message ("item id").  CUST_E_USAGE on failure.
 */
int cust_id_check(const char *id, const char *what, struct cust_error *err);

/*
 * A relative path that stays below its base: LEN bytes of NAME without
 * NUL, not absolute, no empty, "." or ".." component, no control
 * characters or backslash (so it can be named in a manifest line).
 */
int cust_path_check_relative(const char *name, size_t len,
                             struct cust_error *err);

/* OUT = BASE "/" REL after cust_path_check_relative(REL); refuses a result
 * longer than OUTSZ instead of cutting it. */
int cust_path_join(char *out, size_t outsz, const char *base, const char *rel,
                   struct cust_error *err);

/* The folder part of PATH into DIR ("." when PATH has no slash, "/" for
 * a name at the root). */
int cust_path_dir(const char *path, char *dir, size_t dirsz,
                  struct cust_error *err);

/* snprintf that fails (CUST_E_USAGE, "path too long") instead of cutting. */
int cust_path_format(char *out, size_t outsz, struct cust_error *err,
                     const char *fmt, ...) CUST_PRINTF(4, 5);

/* Create PATH for writing: O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC.
 * Returns the descriptor; an existing PATH is an error ("already exists"). */
int cust_fs_create(const char *path, mode_t mode, struct cust_error *err);

/* Fail (CUST_E_IO, "already exists") when PATH exists, even as a dangling
 * link: checked before work that would end in writing PATH. */
int cust_fs_refuse_existing(const char *path, struct cust_error *err);

/* Open PATH read-only (O_RDONLY|O_CLOEXEC, plus O_NOFOLLOW if NOFOLLOW),
 * without waiting when PATH is a FIFO; callers check the file type. */
int cust_fs_open_read(const char *path, int nofollow, struct cust_error *err);

/* Open PATH (evidence: an image, an archive, a device) read-only, as
 * custody reads evidence: O_RDONLY|O_CLOEXEC and FLAGS (O_NOFOLLOW,
 * O_DIRECT, O_DIRECTORY), with O_NONBLOCK so that a FIFO cannot hang the
 * open (cleared again before returning), and with O_NOATIME where the
 * examiner may (the file's owner or CAP_FOWNER; otherwise, EPERM, a plain
 * open), so that reading it leaves its access time as it was.  Callers
 * check the file type.  The descriptor, or -1 with errno. */
int cust_fs_open_evidence(const char *path, int flags);

/* Write all LEN bytes, retrying short writes and EINTR; NAME labels errors. */
int cust_fs_write_all(int fd, const void *buf, size_t len, const char *name,
                      struct cust_error *err);

/* fsync and close FD, reporting either failure against NAME.  FD is closed
 * on every path. */
int cust_fs_close_synced(int fd, const char *name, struct cust_error *err);

/*
 * The order of full paths (strcmp) between two names A and B of one
 * folder, each a folder (A_DIR, B_DIR) or not: a folder sorts as its name
 * with '/' after it (no name holds a '/'), so sorting each folder's names
 * this way and listing folders before their contents gives every file in
 * the order `LC_ALL=C sort` gives the full paths.
 */
int cust_path_name_cmp(const char *a, int a_dir, const char *b, int b_dir);

/* cust_fs_create as a stdio stream (a unit's file written in pieces);
 * nothing is left at PATH on failure. */
FILE *cust_fs_fcreate(const char *path, mode_t mode, struct cust_error *err);

/* Flush, fsync and close F (the file NAME), reporting any failure.  F is
 * closed on every path. */
int cust_fs_fclose_synced(FILE *f, const char *name, struct cust_error *err);

enum { CUST_FS_NOREPLACE = 1 };

/*
 * Atomically give PATH the content DATA[0..LEN): write a temporary file in
 * the same folder, PATH CUST_FS_TEMP_INFIX and the process id
 * ("SHA256SUMS.p7s.tmp-4242"), fsync it, rename it over PATH and fsync the
 * folder.  With CUST_FS_NOREPLACE an existing PATH is left alone and is an
 * error.  A process killed before the rename leaves the temporary file.
 */
#define CUST_FS_TEMP_INFIX ".tmp-"
int cust_fs_write_atomic(const char *path, const void *data, size_t len,
                         int flags, struct cust_error *err);

/* 1 when the file name NAME is a temporary name cust_fs_write_atomic
 * gives the file name FINAL (FINAL, CUST_FS_TEMP_INFIX, 1 to 19 digits):
 * what a write interrupted before its rename leaves. */
int cust_fs_is_temporary_of(const char *name, const char *final);

/* Read the regular file PATH (not following a final symlink) into a new
 * NUL-terminated buffer; files over MAX bytes are refused. */
int cust_fs_read_file(const char *path, size_t max, char **out, size_t *len,
                      struct cust_error *err);

/* As cust_fs_read_file, following a final symlink unless NOFOLLOW; *MODE
 * (when MODE is not NULL) receives the file's permission bits. */
int cust_fs_read_file_ex(const char *path, size_t max, int nofollow,
                         mode_t *mode, char **out, size_t *len,
                         struct cust_error *err);

/* fsync the folder DIR so a rename or creation inside it is durable. */
int cust_fs_sync_dir(const char *dir, struct cust_error *err);

/* Create folder PATH (mode 0755 less umask); an existing one is an error
 * unless EXIST_OK. */
int cust_fs_mkdir(const char *path, int exist_ok, struct cust_error *err);

/* Rename FROM to TO, failing if TO exists (renameat2 RENAME_NOREPLACE). */
int cust_fs_rename_noreplace(const char *from, const char *to,
                             struct cust_error *err);

/* *EMPTY = 1 when DIR has no entries besides . and ..  A missing DIR is
 * reported as empty with *EXISTS = 0. */
int cust_fs_dir_state(const char *dir, int *exists, int *empty,
                      struct cust_error *err);

/*
 * Take an exclusive advisory lock (flock) on FD, waiting at most
 * TIMEOUT_MS milliseconds; NAME labels the message ("'custody.log' is
 * locked by another process").  The lock goes with the descriptor.
 */
int cust_fs_lock(int fd, const char *name, long timeout_ms,
                 struct cust_error *err);

/* The lock wait of every command: CUSTODY_LOCK_TIMEOUT seconds when set
 * to a number (at most a day), else 30 seconds. */
long cust_fs_lock_timeout_ms(void);

/*
 * Hold back SIGINT, SIGTERM and SIGHUP on the calling thread around a step
 * that must not be cut in half (appending a log line, renaming a sealed
 * unit and logging it); a signal that arrives meanwhile is delivered at
 * release.
 */
struct cust_signals {
	sigset_t old;
	int held;
};
void cust_signals_hold(struct cust_signals *s);
void cust_signals_release(struct cust_signals *s);

/*
 * Keep SIGPIPE from the calling thread around writes to a connection the
 * peer may reset (the timestamp authority's): between hold and release
 * such a write fails with EPIPE, and the SIGPIPE it raised is taken back
 * at release instead of killing the program (as libpq does: the library
 * leaves the process's signal dispositions alone).  A SIGPIPE already
 * pending at the hold is left pending.
 */
struct cust_sigpipe {
	sigset_t old;
	int held;
	int was_pending;
};
void cust_sigpipe_hold(struct cust_sigpipe *s);
void cust_sigpipe_release(struct cust_sigpipe *s);

/* Parse a decimal unsigned number with overflow checking; the whole string
 * must be digits.  -1 on anything else. */
int cust_parse_u64(const char *s, uint64_t *out);

#endif
