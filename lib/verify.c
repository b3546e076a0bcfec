/* verify.c - check a whole case; see include/custody/verify.h. */
#include "custody/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/acquire.h"
#include "custody/attest.h"
#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/log.h"
#include "custody/manifest.h"
#include "custody/recover.h"
#include "custody/run.h"
#include "custody/unit.h"

struct report {
	json_t *findings;
	json_int_t failed, warnings;
};

static void note(struct report *r, const char *check, const char *subject,
                 const char *status, const char *fmt, ...) CUST_PRINTF(5, 6);

static void note(struct report *r, const char *check, const char *subject,
                 const char *status, const char *fmt, ...)
{
	va_list ap;

	if (strcmp(status, "failed") == 0)
		r->failed++;
	else if (strcmp(status, "warning") == 0)
		r->warnings++;
	va_start(ap, fmt);
	cust_json_vfinding(r->findings, check, subject, status, fmt, ap);
	va_end(ap);
}

/* Move the findings a module appended to ADDED into the report, counting
 * its failures. */
static void absorb(struct report *r, json_t *added)
{
	size_t i;
	json_t *f;

	json_array_foreach(added, i, f) {
		const char *status = cust_json_string(f, "status");
		if (status && strcmp(status, "failed") == 0)
			r->failed++;
		else if (status && strcmp(status, "warning") == 0)
			r->warnings++;
		json_array_append(r->findings, f);
	}
}

/* What the log says about records and units, gathered in one read. */
struct log_index {
	json_t *units; /* unit path -> {"sha256", "line"} */
	/* unit path -> {"signature": {"sha256", "line"}, "timestamp": ...}:
	 * the last signature logged, and a token logged after it */
	json_t *seals;
	json_t *items; /* item id -> {"sha256", "line"} */
	json_t *created; /* the case-created event */
	/* unit path -> line of the `recovered` event that logged it */
	json_t *recovered;
	/* events that name an examiner's key: [{"seq", "action", "name",
	 * "fingerprint"}], which only a signed checkpoint can vouch for */
	json_t *keyed;
};

static void index_record(json_t *index, const char *key, const char *sha256,
                         unsigned long lineno)
{
	if (key && sha256 && !json_object_get(index, key))
		json_object_set_new(index, key,
		                    json_pack("{s:s, s:I}", "sha256", sha256, "line",
		                              (json_int_t)lineno));
}

static void index_seal(json_t *seals, const json_t *ev, const char *action,
                       unsigned long lineno)
{
	const char *unit = cust_json_string(ev, "unit");
	const char *sha256 = cust_json_string(json_object_get(ev, "details"),
	                                      "sha256");
	json_t *seal;

	if (!unit || !sha256)
		return;
	seal = json_object_get(seals, unit);
	if (!seal) {
		seal = json_object();
		if (!seal || json_object_set_new(seals, unit, seal) < 0)
			return;
	}
	if (strcmp(action, "signed") == 0) {
		/* a new signature drops the token over the old one */
		json_object_del(seal, "timestamp");
		json_object_set_new(seal, "signature",
		                    json_pack("{s:s, s:I}", "sha256", sha256,
		                              "line", (json_int_t)lineno));
	} else {
		json_object_set_new(seal, "timestamp",
		                    json_pack("{s:s, s:I}", "sha256", sha256,
		                              "line", (json_int_t)lineno));
	}
}

/* The units a `recovered` event logged for interrupted runs. */
static void index_recovered(struct log_index *ix, const json_t *ev,
                            unsigned long lineno)
{
	const json_t *u;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(ev, "details"),
	                                   "units"), i, u) {
		const char *unit = cust_json_string(u, "unit");
		if (!unit)
			continue;
		index_record(ix->units, unit, cust_json_string(u, "manifest_sha256"),
		             lineno);
		if (!json_object_get(ix->recovered, unit))
			json_object_set_new(ix->recovered, unit,
			                    json_integer((json_int_t)lineno));
	}
}

static void index_keyed(struct log_index *ix, const json_t *ev,
                        unsigned long lineno)
{
	const json_t *actor = json_object_get(ev, "actor");
	const char *fp = cust_json_string(actor, "fingerprint");

	if (fp)
		json_array_append_new(ix->keyed,
		                      json_pack("{s:I, s:s?, s:s?, s:s}", "seq",
		                                (json_int_t)lineno, "action",
		                                cust_json_string(ev, "action"),
		                                "name", cust_json_string(actor, "name"),
		                                "fingerprint", fp));
}

static int index_line(void *ctx, unsigned long lineno, const char *line,
                      size_t len, json_t *ev, const char *line_err)
{
	struct log_index *ix = ctx;
	const char *action;

	(void)line;
	(void)len;
	if (line_err || !ev || !(action = cust_json_string(ev, "action")))
		return 0;
	index_record(ix->units, cust_json_string(ev, "unit"),
	             cust_json_string(ev, "manifest_sha256"), lineno);
	if (strcmp(action, "signed") == 0 || strcmp(action, "timestamped") == 0)
		index_seal(ix->seals, ev, action, lineno);
	if (strcmp(action, "item-added") == 0)
		index_record(ix->items, cust_json_string(ev, "item"),
		             cust_json_string(ev, "record_sha256"), lineno);
	if (strcmp(action, "case-created") == 0 && !ix->created)
		ix->created = json_incref(ev);
	if (strcmp(action, "recovered") == 0)
		index_recovered(ix, ev, lineno);
	index_keyed(ix, ev, lineno);
	return 0;
}

/* Compare the record file PATH with the SHA-256 logged for it in LOGGED
 * ({"sha256", "line"}); a finding on SUBJECT when they differ. */
static void check_logged_record(struct report *r, const char *check,
                                const char *subject, const char *path,
                                const json_t *logged)
{
	unsigned char md[32];
	char hex[65];
	struct cust_error err;
	char *buf;
	size_t len;

	if (!logged) {
		note(r, check, subject, "failed",
		     "record has no event in the custody log");
		return;
	}
	if (cust_fs_read_file(path, CUST_JSON_MAX_FILE, &buf, &len, &err) < 0) {
		note(r, check, subject, "failed", "%s", err.message);
		return;
	}
	if (cust_digest_buffer(CUST_DIGEST_SHA256, buf, len, md, &err) == 0) {
		cust_hex_encode(md, sizeof md, hex);
		if (strcmp(hex, cust_json_string(logged, "sha256")) != 0)
			note(r, check, subject, "failed",
			     "record changed since it was written (its SHA-256 differs "
			     "from custody.log line %lld)",
			     (long long)json_integer_value(json_object_get(logged, "line")));
	}
	free(buf);
}

static void check_case_record(struct report *r, const char *dir,
                              const json_t *record, struct log_index *ix)
{
	char path[CUST_PATH_MAX];
	const char *logged_id;
	json_t *logged;

	if (!ix->created) {
		note(r, "case", CUST_CASE_RECORD, "failed",
		     "the custody log has no case-created event");
		return;
	}
	logged_id = cust_json_string(json_object_get(ix->created, "details"),
	                             "case_id");
	if (record && (!logged_id ||
	               strcmp(logged_id, cust_json_string(record, "id")) != 0))
		note(r, "case", CUST_CASE_RECORD, "failed",
		     "case id differs from the one in the custody log's first event");
	if (!cust_json_string(ix->created, "record_sha256"))
		return; /* nothing logged to compare with */
	logged = json_pack("{s:s, s:O}", "sha256",
	                   cust_json_string(ix->created, "record_sha256"), "line",
	                   json_object_get(ix->created, "seq"));
	if (cust_path_format(path, sizeof path, NULL, "%s/%s", dir,
	                     CUST_CASE_RECORD) == 0)
		check_logged_record(r, "case", CUST_CASE_RECORD, path, logged);
	json_decref(logged);
}

static void check_items(struct report *r, const struct cust_case *c,
                        struct log_index *ix, json_int_t *count)
{
	struct cust_error err;
	json_t *ids = cust_case_item_ids(c, &err);
	size_t i;
	json_t *id;

	if (!ids) {
		note(r, "item", "items", "failed", "%s", err.message);
		return;
	}
	json_array_foreach(ids, i, id) {
		const char *name = json_string_value(id);
		char subject[CUST_PATH_MAX], path[CUST_PATH_MAX * 2];
		json_int_t before;
		json_t *rec;

		(void)snprintf(subject, sizeof subject, "items/%s", name);
		cust_error_clear(&err);
		rec = cust_case_load_item(c, name, &err);
		if (!rec) {
			note(r, "item", subject, "failed", "%s", err.message);
			json_object_del(ix->items, name); /* present, if broken */
			continue;
		}
		(*count)++;
		json_decref(rec);
		before = r->failed;
		if (cust_path_format(path, sizeof path, &err, "%s/%s/item.json",
		                     cust_case_dir(c), subject) < 0)
			note(r, "item", subject, "failed", "%s", err.message);
		else
			check_logged_record(r, "item", subject, path,
			                    json_object_get(ix->items, name));
		json_object_del(ix->items, name); /* what remains is missing */
		if (r->failed == before)
			note(r, "item", subject, "ok",
			     "item record well-formed and as logged");
	}
	json_decref(ids);
}

/* ---- the layout of the case folder -------------------------------------- */

/* At most this many entries of one folder are looked at (and named): the
 * top of a case and an item folder hold a handful. */
#define LAYOUT_MAX_ENTRIES 10000u

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The entries of the folder PATH (not followed when it is a symlink),
 * sorted, into *NAMES (*N of them); *MORE is set when the folder holds
 * more than LAYOUT_MAX_ENTRIES, which are left out. */
static int folder_names(const char *path, char ***names, size_t *n,
                        int *more, struct cust_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char **v = NULL;
	size_t count = 0;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*names = NULL;
	*n = 0;
	*more = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot read folder '%s'", path);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (count == LAYOUT_MAX_ENTRIES) {
			*more = 1;
			break;
		}
		if (count % 64 == 0) {
			char **nv = realloc(v, (count + 64) * sizeof *v);
			if (!nv) {
				rc = cust_error_set(err, CUST_E_IO, "out of memory");
				break;
			}
			v = nv;
		}
		if (!(v[count] = strdup(de->d_name)))
			rc = cust_error_set(err, CUST_E_IO, "out of memory");
		else
			count++;
	}
	if (rc == 0 && !*more && errno != 0)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot read folder '%s'", path);
	closedir(d);
	if (rc < 0) {
		names_free(v, count);
		return -1;
	}
	if (count > 1)
		qsort(v, count, sizeof *v, strp_cmp);
	*names = v;
	*n = count;
	return 0;
}

/* One entry at the top of the case: only what custody writes there, each
 * of the kind custody writes. */
static void check_case_entry(struct report *r, const char *dir,
                             const char *name)
{
	enum cust_case_entry kind = cust_case_entry_kind(name);
	char path[CUST_PATH_MAX];
	struct stat st;

	if (kind == CUST_CASE_ENTRY_UNKNOWN) {
		note(r, "case", name, "failed",
		     "not part of a case folder: custody never writes this name "
		     "there");
		return;
	}
	if (kind == CUST_CASE_ENTRY_TEMPORARY) {
		/* the case folder as a whole is not sealed: as a partial unit,
		 * what an interrupted command left is reported, not failed */
		note(r, "case", name, "warning",
		     "an interrupted command left this file (the temporary name "
		     "custody writes a case file to before renaming it): it is "
		     "not part of the case; remove it");
		return;
	}
	if (cust_path_format(path, sizeof path, NULL, "%s/%s", dir, name) < 0) {
		note(r, "case", name, "failed", "cannot be examined: path too long");
		return;
	}
	if (lstat(path, &st) < 0) {
		note(r, "case", name, "failed", "cannot be examined: %s",
		     strerror(errno));
		return;
	}
	if (kind == CUST_CASE_ENTRY_FOLDER && S_ISLNK(st.st_mode))
		note(r, "case", name, "failed",
		     "a symlink where custody keeps a folder: custody never "
		     "follows one, so nothing behind it is checked or taken as "
		     "evidence");
	else if (kind == CUST_CASE_ENTRY_FOLDER && !S_ISDIR(st.st_mode))
		note(r, "case", name, "failed",
		     "not a folder, where custody keeps one");
	else if (kind == CUST_CASE_ENTRY_FILE && S_ISLNK(st.st_mode))
		note(r, "case", name, "failed",
		     "a symlink, not a file custody writes: custody never follows "
		     "one");
	else if (kind == CUST_CASE_ENTRY_FILE && !S_ISREG(st.st_mode))
		note(r, "case", name, "failed",
		     "not a regular file, where custody keeps one");
}

/* The top of the case folder DIR holds only what custody writes there
 * (caseio.h), and each known folder is a folder, never a symlink. */
static void check_case_root(struct report *r, const char *dir)
{
	struct cust_error err;
	char **names;
	size_t n, i;
	int more;

	cust_error_clear(&err);
	if (folder_names(dir, &names, &n, &more, &err) < 0) {
		note(r, "case", ".", "failed", "%s", err.message);
		return;
	}
	for (i = 0; i < n; i++)
		check_case_entry(r, dir, names[i]);
	if (more)
		note(r, "case", ".", "failed",
		     "the case folder holds more than %u entries: the rest were "
		     "not looked at", LAYOUT_MAX_ENTRIES);
	names_free(names, n);
}

/* Each item folder holds item.json alone.  Folders that are not there,
 * are symlinks or are not folders are the item check's to report. */
static void check_item_folders(struct report *r, const struct cust_case *c)
{
	struct cust_error err;
	json_t *ids = cust_case_item_ids(c, &err);
	size_t i, j;
	json_t *id;

	if (!ids)
		return; /* reported by check_items */
	json_array_foreach(ids, i, id) {
		const char *name = json_string_value(id);
		char path[CUST_PATH_MAX], folder[CUST_PATH_MAX];
		char subject[CUST_PATH_MAX];
		char **names;
		size_t n;
		struct stat st;
		int more;

		if (cust_id_check(name, "item id", NULL) < 0 ||
		    cust_path_format(folder, sizeof folder, NULL, "%s/%s",
		                     CUST_CASE_ITEMS, name) < 0 ||
		    cust_path_format(path, sizeof path, NULL, "%s/%s",
		                     cust_case_dir(c), folder) < 0 ||
		    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		cust_error_clear(&err);
		if (folder_names(path, &names, &n, &more, &err) < 0) {
			note(r, "item", folder, "failed", "%s", err.message);
			continue;
		}
		for (j = 0; j < n; j++) {
			if (strcmp(names[j], CUST_ITEM_RECORD) == 0 ||
			    cust_path_format(subject, sizeof subject, NULL, "%s/%s",
			                     folder, names[j]) < 0)
				continue;
			if (cust_fs_is_temporary_of(names[j], CUST_ITEM_RECORD))
				note(r, "item", subject, "warning",
				     "an interrupted custody-case add-item left this "
				     "file (the temporary name of item.json): it is "
				     "not part of the item; remove it");
			else
				note(r, "item", subject, "failed",
				     "not part of an item: custody writes only %s in "
				     "an item folder", CUST_ITEM_RECORD);
		}
		if (more)
			note(r, "item", folder, "failed",
			     "the item folder holds more than %u entries: the rest "
			     "were not looked at", LAYOUT_MAX_ENTRIES);
		names_free(names, n);
	}
	json_decref(ids);
}

static void check_log(struct report *r, const char *dir, json_int_t *events)
{
	struct cust_error err;
	json_t *found = json_array();
	uint64_t n = 0;

	cust_error_clear(&err);
	if (!found)
		return;
	if (cust_log_verify(dir, found, &n, &err) < 0) {
		note(r, "log", CUST_LOG_NAME, "failed", "%s", err.message);
	} else {
		json_int_t before = r->failed;
		absorb(r, found);
		if (r->failed == before)
			note(r, "log", CUST_LOG_NAME, "ok",
			     "%llu events, each linked to the one before",
			     (unsigned long long)n);
	}
	*events = (json_int_t)n;
	json_decref(found);
}

/* An acquisition's image against its record, damaged blocks named; the
 * digests of a raw image go to KNOWN for the manifest check. */
static void check_acquisition(struct report *r, const char *unit_dir,
                              const char *subject, struct cust_manifest *known)
{
	struct cust_error err;
	json_t *found = json_array();
	int failed = 0;

	if (!found)
		return;
	cust_error_clear(&err);
	if (cust_acquire_check(unit_dir, subject, found, &failed, known, &err) < 0)
		note(r, "image", subject, "failed", "%s", err.message);
	else
		absorb(r, found);
	json_decref(found);
}

/* The interrupted run that sealed UNIT without logging it, or NULL. */
static const json_t *unlogged_by(const json_t *state, const char *unit)
{
	const json_t *u;
	size_t i;

	json_array_foreach(json_object_get(state, "unlogged"), i, u)
		if (strcmp(cust_json_string(u, "unit"), unit) == 0)
			return u;
	return NULL;
}

/* An entry of a unit folder that is not a unit custody wrote: a symlink
 * (to a copy of a unit, say) is named as one. */
static void check_foreign_unit(struct report *r, const char *dir,
                               const char *path)
{
	char full[CUST_PATH_MAX];
	struct stat st;

	if (cust_path_format(full, sizeof full, NULL, "%s/%s", dir, path) == 0 &&
	    lstat(full, &st) == 0 && S_ISLNK(st.st_mode))
		note(r, "unit", path, "failed",
		     "a symlink, not a unit folder: custody never follows one, so "
		     "nothing behind it is taken as evidence");
	else
		note(r, "unit", path, "failed",
		     "not a unit custody wrote (unexpected name or not a folder)");
}

static void check_unit(struct report *r, const char *dir, const json_t *unit,
                       struct log_index *ix, const json_t *unfinished,
                       const struct cust_attest_trust *t)
{
	const char *path = cust_json_string(unit, "path");
	const char *state = cust_json_string(unit, "state");
	char unit_dir[CUST_PATH_MAX], sums[65];
	struct cust_error err;
	json_t *found, *logged;
	struct cust_manifest known;
	int failed = 0;

	if (strcmp(state, "partial") == 0) {
		note(r, "unit", path, "warning",
		     "unfinished unit (not sealed, not evidence): an interrupted "
		     "run left it");
		return;
	}
	if (strcmp(state, "foreign") == 0) {
		check_foreign_unit(r, dir, path);
		return;
	}
	if (cust_path_format(unit_dir, sizeof unit_dir, &err, "%s/%s", dir,
	                     path) < 0) {
		note(r, "unit", path, "failed", "%s", err.message);
		return;
	}
	found = json_array();
	if (!found)
		return;
	sums[0] = '\0';
	cust_manifest_init(&known);
	if (strcmp(cust_json_string(unit, "kind"), "acquisitions") == 0)
		check_acquisition(r, unit_dir, path, &known);
	if (cust_manifest_check_known(unit_dir, path, found, &failed, sums, &known,
	                              &err) < 0)
		note(r, "unit", path, "failed", "%s", err.message);
	else if (failed)
		absorb(r, found);
	else
		note(r, "unit", path, "ok",
		     "every file matches SHA256SUMS and manifest.hashdeep");
	json_decref(found);
	cust_manifest_release(&known);

	logged = json_object_get(ix->units, path);
	if (!logged && unlogged_by(unfinished, path)) {
		note(r, "log", path, "failed",
		     "sealed unit has no event in the custody log: %s was "
		     "interrupted between sealing and logging it; custody-case "
		     "recover records it",
		     cust_json_string(unlogged_by(unfinished, path), "run"));
	} else if (!logged) {
		note(r, "log", path, "failed",
		     "sealed unit has no event in the custody log");
	} else if (sums[0] &&
	           strcmp(sums, cust_json_string(logged, "sha256")) != 0) {
		note(r, "log", path, "failed",
		     "SHA256SUMS differs from the one logged when the unit was "
		     "sealed (custody.log line %lld)",
		     (long long)json_integer_value(json_object_get(logged, "line")));
	}
	if (logged && json_object_get(ix->recovered, path))
		note(r, "log", path, "warning",
		     "sealed by an interrupted run and logged only by the recovery "
		     "at custody.log line %lld",
		     (long long)json_integer_value(json_object_get(ix->recovered,
		                                                   path)));
	if (logged)
		json_object_del(ix->units, path); /* what remains was not found */
	found = json_array();
	if (!found)
		return;
	cust_attest_check_unit(unit_dir, path, t, json_object_get(ix->seals, path),
	                       found);
	absorb(r, found);
	json_decref(found);
}

/* Certificates in examiners/: a case where someone signed. */
static size_t examiner_certificates(const char *dir)
{
	char path[CUST_PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (cust_path_format(path, sizeof path, NULL, "%s/examiners", dir) < 0 ||
	    !(d = opendir(path)))
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".pem") == 0)
			n++;
	}
	closedir(d);
	return n;
}

#define KEYED_REPORTED_MAX 10

/*
 * What signatures vouch for: an event that names an examiner's key must
 * be covered by a signed checkpoint (the command that logged it signed
 * one), or it was forged, or its run was cut short; events after the last
 * signed checkpoint are listed as covered by no signature; and a case
 * where examiners signed but no checkpoint is signed lost its signatures.
 */
static void check_coverage(struct report *r, const char *dir,
                           const struct log_index *ix, uint64_t covered,
                           json_int_t events, int interrupted)
{
	size_t i, late = 0, certs = examiner_certificates(dir);
	const json_t *k;

	json_array_foreach(ix->keyed, i, k) {
		json_int_t seq = json_integer_value(json_object_get(k, "seq"));
		char subject[64];

		if ((uint64_t)seq <= covered)
			continue;
		if (++late > KEYED_REPORTED_MAX)
			continue;
		(void)snprintf(subject, sizeof subject, "%s line %lld",
		               CUST_LOG_NAME, (long long)seq);
		note(r, "signature", subject, "failed",
		     "event %lld (%s by %s) names the key %s, but no signed "
		     "checkpoint covers it: %s", (long long)seq,
		     cust_json_string(k, "action"), cust_json_string(k, "name"),
		     cust_json_string(k, "fingerprint"),
		     interrupted ? "its run was interrupted before its checkpoint "
		                   "(see the run finding), or it was forged"
		                 : "forged, or written behind custody's back");
	}
	if (late > KEYED_REPORTED_MAX)
		note(r, "signature", CUST_LOG_NAME, "failed",
		     "%zu more events name a key no signed checkpoint covers",
		     late - KEYED_REPORTED_MAX);
	if (covered == 0 && json_array_size(ix->keyed) == 0) {
		if (certs && events > 0)
			note(r, "signature", CUST_LOG_NAME, "failed",
			     "examiners/ holds %zu certificate%s but no event names "
			     "a key and no checkpoint is signed: the signatures "
			     "were removed", certs, certs == 1 ? "" : "s");
		return; /* a case worked without keys: reported as unsigned */
	}
	if ((uint64_t)events > covered)
		note(r, "signature", CUST_LOG_NAME, "warning",
		     "events %llu to %lld are covered by no signature: logged "
		     "after the last signed checkpoint (of %llu events)",
		     (unsigned long long)covered + 1, (long long)events,
		     (unsigned long long)covered);
	else
		note(r, "signature", CUST_LOG_NAME, "ok",
		     "every event is covered by a signed checkpoint");
}

/* 1 when the run of record FILE left a unit unlogged or events past the
 * checkpoint (STATE from cust_recover_assess). */
static int left_unfinished(const json_t *state, const char *file)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(state, "unlogged"), i, x)
		if (strcmp(cust_json_string(x, "run"), file) == 0)
			return 1;
	json_array_foreach(json_object_get(json_object_get(state, "uncovered"),
	                                   "explained_by"), i, x)
		if (strcmp(json_string_value(x), file) == 0)
			return 1;
	return 0;
}

/* Runs that are still going or were cut short (run.h, recover.h). */
static void check_runs(struct report *r, const json_t *state, int *interrupted)
{
	const json_t *run;
	char who[512];
	size_t i;

	*interrupted = 0;
	json_array_foreach(json_object_get(state, "runs"), i, run) {
		const char *st = cust_json_string(run, "state");
		const char *file = cust_json_string(run, "file");

		if (strcmp(st, "unreadable") == 0) {
			note(r, "run", file, "failed", "not a run record: %s",
			     cust_json_string(run, "problem"));
			continue;
		}
		cust_run_describe(run, who, sizeof who);
		if (strcmp(st, "running") == 0) {
			note(r, "run", file, "warning",
			     "%s is running now: the case may change under this check",
			     who);
			continue;
		}
		if (strcmp(st, "unknown") == 0) {
			note(r, "run", file, "warning",
			     "%s, on another host or before a reboot, is running or "
			     "was interrupted", who);
			continue;
		}
		if (!left_unfinished(state, file)) {
			note(r, "run", file, "warning",
			     "%s was interrupted before it changed the case; the next "
			     "command removes this record", who);
			continue;
		}
		*interrupted = 1;
		note(r, "run", file, "failed",
		     "%s was interrupted and left the case unfinished: "
		     "custody-case recover records what it left", who);
	}
}

json_t *cust_verify_case(const char *dir, const struct cust_verify_options *opt,
                         struct cust_error *err)
{
	struct report r = { 0 };
	struct log_index ix = { 0 };
	struct cust_case *c;
	struct cust_error cerr;
	json_int_t before;
	int opened;
	char path[CUST_PATH_MAX];
	struct stat st;
	json_t *units = NULL, *report = NULL, *u, *found = NULL, *state = NULL;
	uint64_t covered = 0;
	int interrupted = 0;
	struct cust_trust *trust = NULL;
	struct cust_attest_trust t;
	json_int_t events = 0, items = 0, sealed = 0;
	const char *key;
	json_t *value;
	size_t i;

	r.findings = json_array();
	ix.units = json_object();
	ix.items = json_object();
	ix.seals = json_object();
	ix.recovered = json_object();
	ix.keyed = json_array();
	units = json_array();
	found = json_array();
	if (!r.findings || !ix.units || !ix.items || !ix.seals || !units ||
	    !found || !ix.recovered || !ix.keyed) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                     CUST_CASE_RECORD) < 0)
		goto out;
	if (lstat(path, &st) < 0) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is not a custody case (no %s)", dir,
		               CUST_CASE_RECORD);
		goto out;
	}
	check_log(&r, dir, &events);
	if (cust_log_read(dir, index_line, &ix, err) < 0)
		goto out;
	trust = cust_trust_load(dir, opt ? opt->cafile : NULL, found, err);
	if (!trust)
		goto out;
	t.signers = trust;
	t.tsa_cafile = opt ? opt->tsa_cafile : NULL;
	t.require_signatures = opt && opt->require_signatures;
	if (cust_attest_check_log(dir, opt ? opt->checkpoint : NULL, &t, found,
	                          &covered, err) < 0)
		goto out;
	absorb(&r, found);
	state = cust_recover_assess(dir, err);
	if (!state)
		goto out;
	check_runs(&r, state, &interrupted);
	check_coverage(&r, dir, &ix, covered, events, interrupted);
	check_case_root(&r, dir);
	c = cust_case_open(dir, &cerr);
	opened = c != NULL;
	if (c) {
		before = r.failed;
		check_case_record(&r, dir, cust_case_record(c), &ix);
		if (r.failed == before)
			note(&r, "case", CUST_CASE_RECORD, "ok",
			     "case record well-formed and as logged");
		check_items(&r, c, &ix, &items);
		check_item_folders(&r, c);
		cust_case_free(c);
	} else {
		note(&r, "case", CUST_CASE_RECORD, "failed", "%s", cerr.message);
		note(&r, "item", "items", "failed",
		     "items not checked: the case record is unreadable");
	}
	if (opened) {
		json_object_foreach(ix.items, key, value)
			note(&r, "item", key, "failed",
			     "item logged at custody.log line %lld is missing",
			     (long long)json_integer_value(
				     json_object_get(value, "line")));
	}

	if (cust_unit_list(dir, units, err) < 0)
		goto out;
	json_array_foreach(units, i, u) {
		if (strcmp(cust_json_string(u, "state"), "sealed") == 0)
			sealed++;
		check_unit(&r, dir, u, &ix, state, &t);
	}
	json_object_foreach(ix.units, key, value)
		note(&r, "log", key, "failed",
		     "unit logged at custody.log line %lld is missing",
		     (long long)json_integer_value(json_object_get(value, "line")));

	report = json_pack("{s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:O}",
	                   "case", dir, "result",
	                   r.failed ? "failed" : "verified", "counts", "events",
	                   events, "items", items, "units", sealed, "failed",
	                   r.failed, "warnings", r.warnings, "findings",
	                   r.findings);
	if (!report)
		cust_error_set(err, CUST_E_IO, "cannot build the report");
out:
	json_decref(r.findings);
	json_decref(ix.units);
	json_decref(ix.items);
	json_decref(ix.seals);
	json_decref(ix.created);
	json_decref(ix.recovered);
	json_decref(ix.keyed);
	json_decref(state);
	json_decref(found);
	cust_trust_free(trust);
	json_decref(units);
	return report;
}

int cust_verify_passed(const json_t *report)
{
	const char *result = cust_json_string(report, "result");
	return result && strcmp(result, "verified") == 0;
}
