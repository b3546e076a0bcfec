/* caseio.c - the case folder and its items; see include/custody/caseio.h. */
#include "custody/caseio.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/checkpoint.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/sign.h"
#include "custody/time.h"
#include "custody/version.h"

#define CASE_MAGIC 0x43415345u /* "CASE" */
#define MAX_ITEMS 100000u

/* The folders cust_case_init makes: items, the unit kinds (unit.h) and
 * examiners. */
static const char *const case_folders[] = {
	CUST_CASE_ITEMS, "acquisitions", "artifacts", "extractions", "reports",
	CUST_EXAMINERS_DIR, NULL
};

/* The files custody keeps at the top of a case, and the folders besides
 * those above: the history of signed checkpoints, the records of runs in
 * progress, and the units recovery writes. */
static const char *const case_files[] = {
	CUST_CASE_RECORD, CUST_LOG_NAME, CUST_CHECKPOINT_NAME,
	CUST_CHECKPOINT_NAME CUST_CHECKPOINT_P7S_SUFFIX,
	CUST_CHECKPOINT_NAME CUST_CHECKPOINT_TSR_SUFFIX, NULL
};
static const char *const other_folders[] = {
	"checkpoints", "runs", "recoveries", NULL
};

struct cust_case {
	unsigned magic;
	char dir[CUST_PATH_MAX];
	json_t *record;
};

/* A random (version 4) UUID, the case id: unique across agencies without
 * coordination. */
static int new_uuid(char out[37], struct cust_error *err)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cust_error_set_errno(err, CUST_E_IO, errno,
			                            "cannot get random bytes");
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	(void)snprintf(out, 37,
	               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	               "%02x%02x%02x%02x%02x%02x",
	               b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	               b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* Write REC as the new record file PATH; SHA256 receives the hex SHA-256 of
 * the bytes written, for the event that records it. */
static int write_record(const char *path, const json_t *rec, char sha256[65],
                        struct cust_error *err)
{
	unsigned char md[32];
	char *text = cust_json_pretty(rec, err);
	int rc;

	if (!text)
		return -1;
	rc = cust_digest_buffer(CUST_DIGEST_SHA256, text, strlen(text), md, err);
	if (rc == 0) {
		cust_hex_encode(md, sizeof md, sha256);
		rc = cust_fs_write_atomic(path, text, strlen(text), CUST_FS_NOREPLACE,
		                          err);
	}
	free(text);
	return rc;
}

static int require(const char *value, const char *what, struct cust_error *err)
{
	if (!value || !*value)
		return cust_error_set(err, CUST_E_USAGE, "%s is required", what);
	return 0;
}

static json_t *tool_record(const char *tool)
{
	return json_pack("{s:s, s:s}", "name", tool, "version", cust_version());
}

static json_t *case_record(const struct cust_case_params *p, const char *tool,
                           struct cust_error *err)
{
	char id[37], now[CUST_TIME_LEN];
	json_t *rec = json_object(), *examiner = json_object();

	if (!rec || !examiner)
		goto oom;
	if (new_uuid(id, err) < 0 || cust_time_now_string(now, err) < 0 ||
	    cust_json_set_string(examiner, "name", p->examiner, err) < 0 ||
	    cust_json_set_string(examiner, "role", "lead", err) < 0)
		goto fail;
	if (cust_json_set_new(rec, "examiners", json_pack("[o]", examiner), err) < 0) {
		examiner = NULL; /* stolen by the failed set */
		goto fail;
	}
	examiner = NULL;
	if (cust_json_set_string(rec, "id", id, err) < 0 ||
	    cust_json_set_string(rec, "number", p->number, err) < 0 ||
	    cust_json_set_string(rec, "title", p->title, err) < 0 ||
	    cust_json_set_string(rec, "agency", p->agency, err) < 0 ||
	    cust_json_set_string(rec, "authority", p->authority, err) < 0 ||
	    cust_json_set_string(rec, "created", now, err) < 0 ||
	    cust_json_set_new(rec, "format_version",
	                      json_integer(CUST_CASE_FORMAT), err) < 0 ||
	    cust_json_set_new(rec, "tool", tool_record(tool), err) < 0)
		goto fail;
	return rec;
oom:
	cust_error_set(err, CUST_E_IO, "out of memory");
fail:
	json_decref(examiner);
	json_decref(rec);
	return NULL;
}

int cust_case_init(const char *dir, const struct cust_case_params *p,
                   const char *tool, json_t **record, struct cust_error *err)
{
	char path[CUST_PATH_MAX], record_sha256[65];
	const char *const *f;
	struct cust_actor actor;
	struct cust_event ev = { 0 };
	json_t *rec = NULL, *details = NULL;
	int exists, empty, fd, rc = -1;

	if (record)
		*record = NULL;
	if (require(p->number, "a case number (--number)", err) < 0 ||
	    require(p->title, "a case title (--title)", err) < 0 ||
	    require(p->examiner, "the lead examiner (--examiner)", err) < 0)
		return -1;
	if (cust_fs_dir_state(dir, &exists, &empty, err) < 0)
		return -1;
	if (exists && !empty)
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is not empty; a case is created only in a "
		                      "new or empty folder", dir);
	rec = case_record(p, tool, err);
	if (!rec)
		return -1;
	if (!exists && cust_fs_mkdir(dir, 0, err) < 0)
		goto out;
	if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                     CUST_CASE_RECORD) < 0 ||
	    write_record(path, rec, record_sha256, err) < 0)
		goto out;
	if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                     CUST_LOG_NAME) < 0 ||
	    (fd = cust_fs_create(path, 0644, err)) < 0 ||
	    cust_fs_close_synced(fd, path, err) < 0)
		goto out;
	for (f = case_folders; *f; f++)
		if (cust_path_format(path, sizeof path, err, "%s/%s", dir, *f) < 0 ||
		    cust_fs_mkdir(path, 0, err) < 0)
			goto out;
	if (cust_fs_sync_dir(dir, err) < 0)
		goto out;
	details = json_pack("{s:O, s:O}", "case_id", json_object_get(rec, "id"),
	                    "number", json_object_get(rec, "number"));
	memset(&actor, 0, sizeof actor);
	actor.name = p->examiner;
	ev.action = "case-created";
	ev.tool = tool;
	ev.record_sha256 = record_sha256;
	ev.details = details;
	if (!details) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (cust_log_append(dir, &actor, &ev, NULL, err) < 0)
		goto out;
	if (record) {
		*record = rec;
		rec = NULL;
	}
	rc = 0;
out:
	json_decref(details);
	json_decref(rec);
	return rc;
}

static int check_string(const json_t *rec, const char *key, int required,
                        const char *name, struct cust_error *err)
{
	const json_t *v = json_object_get(rec, key);

	if (!v && !required)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s': \"%s\" must be a non-empty string", name,
		                      key);
	return 0;
}

static int check_time(const json_t *rec, const char *key, int required,
                      const char *name, struct cust_error *err)
{
	struct cust_time t;
	const char *s;

	if (check_string(rec, key, required, name, err) < 0)
		return -1;
	s = cust_json_string(rec, key);
	if (s && cust_time_parse(s, &t, NULL) < 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s': \"%s\" is not an RFC 3339 time", name, key);
	return 0;
}

static int check_format(const json_t *rec, const char *name,
                        struct cust_error *err)
{
	const json_t *v = json_object_get(rec, "format_version");

	if (!json_is_integer(v) || json_integer_value(v) != CUST_CASE_FORMAT)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s': format_version must be %d", name,
		                      CUST_CASE_FORMAT);
	return 0;
}

int cust_case_check_record(const json_t *rec, const char *name,
                           struct cust_error *err)
{
	const json_t *examiners = json_object_get(rec, "examiners");
	const char *id = cust_json_string(rec, "id");
	size_t i;

	if (check_format(rec, name, err) < 0 ||
	    check_string(rec, "id", 1, name, err) < 0 ||
	    check_string(rec, "number", 1, name, err) < 0 ||
	    check_string(rec, "title", 1, name, err) < 0 ||
	    check_string(rec, "agency", 0, name, err) < 0 ||
	    check_string(rec, "authority", 0, name, err) < 0 ||
	    check_time(rec, "created", 1, name, err) < 0)
		return -1;
	if (strlen(id) != 36)
		return cust_error_set(err, CUST_E_INPUT, "'%s': id is not a UUID",
		                      name);
	if (!json_is_array(examiners) || json_array_size(examiners) == 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s': \"examiners\" must list at least one "
		                      "examiner", name);
	for (i = 0; i < json_array_size(examiners); i++)
		if (check_string(json_array_get(examiners, i), "name", 1, name,
		                 err) < 0)
			return -1;
	return 0;
}

struct cust_case *cust_case_open(const char *dir, struct cust_error *err)
{
	struct cust_case *c;
	char path[CUST_PATH_MAX];

	if (cust_path_format(path, sizeof path, err, "%s/%s", dir,
	                     CUST_CASE_RECORD) < 0)
		return NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is not a custody case (no %s); create one with "
		               "custody-case init", dir, CUST_CASE_RECORD);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	if (cust_path_format(c->dir, sizeof c->dir, err, "%s", dir) < 0)
		goto fail;
	c->record = cust_json_load_file(path, err);
	if (!c->record || cust_case_check_record(c->record, path, err) < 0)
		goto fail;
	c->magic = CASE_MAGIC;
	return c;
fail:
	json_decref(c->record);
	free(c);
	return NULL;
}

void cust_case_free(struct cust_case *c)
{
	if (!c || c->magic != CASE_MAGIC)
		return;
	json_decref(c->record);
	c->magic = 0;
	free(c);
}

const char *cust_case_dir(const struct cust_case *c)
{
	return c->dir;
}

const json_t *cust_case_record(const struct cust_case *c)
{
	return c->record;
}

void cust_case_actor(const struct cust_case *c, const char *examiner,
                     struct cust_actor *actor)
{
	const char *env = getenv("CUSTODY_EXAMINER");

	memset(actor, 0, sizeof *actor);
	if (examiner && *examiner)
		actor->name = examiner;
	else if (env && *env)
		actor->name = env;
	else
		actor->name = cust_json_string(
			json_array_get(json_object_get(c->record, "examiners"), 0),
			"name");
}

static int listed_in(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

enum cust_case_entry cust_case_entry_kind(const char *name)
{
	const char *const *f;

	if (listed_in(case_files, name))
		return CUST_CASE_ENTRY_FILE;
	if (listed_in(case_folders, name) || listed_in(other_folders, name))
		return CUST_CASE_ENTRY_FOLDER;
	/* every one but the log, which is only ever appended to, is written
	 * to a temporary name first */
	for (f = case_files; *f; f++)
		if (strcmp(*f, CUST_LOG_NAME) != 0 &&
		    cust_fs_is_temporary_of(name, *f))
			return CUST_CASE_ENTRY_TEMPORARY;
	return CUST_CASE_ENTRY_UNKNOWN;
}

/* Refuse PATH when it is there but is a symlink or not a folder: custody
 * never follows a symlink where it keeps a folder.  A missing PATH is the
 * caller's to report. */
static int not_a_folder(const char *path, struct cust_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is a symlink, not a folder: custody "
		                      "never follows one", path);
	if (!S_ISDIR(st.st_mode))
		return cust_error_set(err, CUST_E_INPUT, "'%s' is not a folder",
		                      path);
	return 0;
}

/* The path of item ID's record, items/ and items/ID checked on the way. */
static int item_record_path(const struct cust_case *c, const char *id,
                            char *path, size_t size, struct cust_error *err)
{
	if (cust_id_check(id, "item id", err) < 0 ||
	    cust_path_format(path, size, err, "%s/%s", c->dir,
	                     CUST_CASE_ITEMS) < 0 ||
	    not_a_folder(path, err) < 0 ||
	    cust_path_format(path, size, err, "%s/%s/%s", c->dir,
	                     CUST_CASE_ITEMS, id) < 0 ||
	    not_a_folder(path, err) < 0)
		return -1;
	return cust_path_format(path, size, err, "%s/%s/%s/%s", c->dir,
	                        CUST_CASE_ITEMS, id, CUST_ITEM_RECORD);
}

int cust_case_add_item(struct cust_case *c, const struct cust_item_params *p,
                       const struct cust_actor *actor, const char *tool,
                       json_t **record, struct cust_error *err)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], now[CUST_TIME_LEN];
	char seized_on[CUST_TIME_LEN], record_sha256[65];
	struct cust_event ev = { 0 };
	json_t *rec = NULL, *seized = NULL;
	int rc = -1;

	if (record)
		*record = NULL;
	if (!c || c->magic != CASE_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "invalid case handle");
	if (item_record_path(c, p->id, path, sizeof path, err) < 0 ||
	    cust_path_format(dir, sizeof dir, err, "%s/items/%s", c->dir,
	                     p->id) < 0)
		return -1;
	if (p->seized_on) {
		struct cust_time t;
		if (cust_time_parse(p->seized_on, &t, err) < 0 ||
		    cust_time_format(&t, seized_on, err) < 0)
			return cust_error_prefix(err, "--seized-on");
	}
	if (cust_time_now_string(now, err) < 0)
		return -1;
	rec = json_object();
	seized = json_object();
	if (!rec || !seized) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (cust_json_set_string(seized, "at", p->seized_at, err) < 0 ||
	    cust_json_set_string(seized, "on", p->seized_on ? seized_on : NULL,
	                         err) < 0 ||
	    cust_json_set_string(seized, "by", p->seized_by, err) < 0 ||
	    cust_json_set_string(rec, "id", p->id, err) < 0 ||
	    cust_json_set_string(rec, "exhibit", p->exhibit, err) < 0 ||
	    cust_json_set_string(rec, "description", p->description, err) < 0 ||
	    cust_json_set_string(rec, "make", p->make, err) < 0 ||
	    cust_json_set_string(rec, "model", p->model, err) < 0 ||
	    cust_json_set_string(rec, "serial", p->serial, err) < 0 ||
	    cust_json_set_string(rec, "seal", p->seal, err) < 0 ||
	    cust_json_set_string(rec, "added", now, err) < 0 ||
	    cust_json_set_string(rec, "added_by", actor->name, err) < 0 ||
	    cust_json_set_new(rec, "format_version",
	                      json_integer(CUST_CASE_FORMAT), err) < 0 ||
	    cust_json_set_new(rec, "tool", tool_record(tool), err) < 0)
		goto out;
	if (json_object_size(seized) > 0) {
		if (cust_json_set_new(rec, "seized", seized, err) < 0) {
			seized = NULL;
			goto out;
		}
		seized = NULL;
	}
	if (mkdir(dir, 0755) < 0) {
		if (errno == EEXIST)
			cust_error_set(err, CUST_E_USAGE, "item '%s' already exists",
			               p->id);
		else
			cust_error_set_errno(err, CUST_E_IO, errno,
			                     "cannot create folder '%s'", dir);
		goto out;
	}
	if (write_record(path, rec, record_sha256, err) < 0)
		goto out;
	ev.action = "item-added";
	ev.tool = tool;
	ev.item = p->id;
	ev.record_sha256 = record_sha256;
	if (cust_log_append(c->dir, actor, &ev, NULL, err) < 0)
		goto out;
	if (record) {
		*record = rec;
		rec = NULL;
	}
	rc = 0;
out:
	json_decref(seized);
	json_decref(rec);
	return rc;
}

int cust_item_check_record(const json_t *rec, const char *id, const char *name,
                           struct cust_error *err)
{
	const json_t *seized = json_object_get(rec, "seized");
	static const char *const optional[] = {
		"exhibit", "description", "make", "model", "serial", "seal", NULL
	};
	const char *const *k;

	if (check_format(rec, name, err) < 0 ||
	    check_string(rec, "id", 1, name, err) < 0 ||
	    check_time(rec, "added", 1, name, err) < 0 ||
	    check_string(rec, "added_by", 1, name, err) < 0)
		return -1;
	for (k = optional; *k; k++)
		if (check_string(rec, *k, 0, name, err) < 0)
			return -1;
	if (strcmp(cust_json_string(rec, "id"), id) != 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s': id '%s' does not match its folder '%s'",
		                      name, cust_json_string(rec, "id"), id);
	if (seized && (!json_is_object(seized) ||
	               check_string(seized, "at", 0, name, err) < 0 ||
	               check_time(seized, "on", 0, name, err) < 0 ||
	               check_string(seized, "by", 0, name, err) < 0))
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s': \"seized\" is malformed", name);
	return 0;
}

json_t *cust_case_load_item(const struct cust_case *c, const char *id,
                            struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	json_t *rec;

	if (item_record_path(c, id, path, sizeof path, err) < 0)
		return NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		cust_error_set(err, CUST_E_USAGE,
		               "no item '%s' in the case; register it with "
		               "custody-case add-item", id);
		return NULL;
	}
	rec = cust_json_load_file(path, err);
	if (rec && cust_item_check_record(rec, id, path, err) < 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *cust_case_item_ids(const struct cust_case *c, struct cust_error *err)
{
	char dir[CUST_PATH_MAX];
	const char **names = NULL;
	size_t count = 0, i;
	json_t *ids = NULL, *all = json_array();
	struct dirent *de;
	DIR *d;

	if (!all ||
	    cust_path_format(dir, sizeof dir, err, "%s/%s", c->dir,
	                     CUST_CASE_ITEMS) < 0 ||
	    not_a_folder(dir, err) < 0)
		goto fail;
	d = opendir(dir);
	if (!d) {
		cust_error_set_errno(err, CUST_E_INPUT, errno,
		                     "cannot read folder '%s'", dir);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (json_array_size(all) >= MAX_ITEMS ||
		    json_array_append_new(all, json_string(de->d_name)) < 0) {
			closedir(d);
			cust_error_set(err, CUST_E_INPUT, "too many items in '%s'", dir);
			goto fail;
		}
	}
	closedir(d);
	count = json_array_size(all);
	names = calloc(count ? count : 1, sizeof *names);
	ids = json_array();
	if (!names || !ids) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto fail;
	}
	for (i = 0; i < count; i++)
		names[i] = json_string_value(json_array_get(all, i));
	if (count > 1)
		qsort(names, count, sizeof *names, str_cmp);
	for (i = 0; i < count; i++)
		json_array_append_new(ids, json_string(names[i]));
	free(names);
	json_decref(all);
	return ids;
fail:
	free(names);
	json_decref(ids);
	json_decref(all);
	return NULL;
}
