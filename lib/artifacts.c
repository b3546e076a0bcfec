/* artifacts.c - registered artifacts; see include/custody/artifacts.h. */
#include "custody/artifacts.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/manifest.h"
#include "custody/time.h"
#include "custody/unit.h"
#include "custody/version.h"

/* What will be copied, worked out before anything is written. */
struct plan {
	json_t *files;   /* [{"source", "path"}] */
	json_t *skipped; /* [{"source", "reason"}] */
	json_t *dests;   /* set of unit paths, to refuse duplicates */
	const char *case_dir; /* the case folder, which is never registered */
	struct stat case_st;
	const char *arg; /* the argument being planned, for messages */
};

static int is_case(const struct plan *pl, const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_dev == pl->case_st.st_dev &&
	       st->st_ino == pl->case_st.st_ino;
}

/*
 * Refuse the argument PATH (whose stat is ST) when it is the case folder
 * or inside it, however it is named (a relative path, "..", a symlink, a
 * bind mount of the case): the case's live log and its own units are
 * never sealed into the case.  The folders a folder holds are looked at
 * as it is walked (plan_dir).
 */
static int refuse_case(const struct plan *pl, const char *path,
                       const struct stat *st, struct cust_error *err)
{
	char resolved[PATH_MAX];
	size_t len;

	if (is_case(pl, st))
		return cust_error_set(err, CUST_E_USAGE, "cannot register '%s': "
		                      "it is the case folder", path);
	if (!realpath(path, resolved))
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot resolve '%s'", path);
	/* every folder above it, up to the root */
	for (len = strlen(resolved); len > 0;) {
		struct stat up;

		while (len > 0 && resolved[len - 1] != '/')
			len--;
		resolved[len > 1 ? len - 1 : len] = '\0';
		if (stat(resolved, &up) == 0 && is_case(pl, &up))
			return cust_error_set(err, CUST_E_USAGE, "cannot register "
			                      "'%s': it is inside the case folder "
			                      "'%s'", path, pl->case_dir);
		if (len <= 1)
			break;
		len--;
	}
	return 0;
}

static int plan_file(struct plan *pl, const char *src, const char *dest,
                     struct cust_error *err)
{
	json_t *f;

	if (cust_path_check_relative(dest, strlen(dest), err) < 0)
		return cust_error_prefix(err, "cannot register '%s'", src);
	if (json_object_get(pl->dests, dest))
		return cust_error_set(err, CUST_E_USAGE,
		                      "two artifacts would be stored as '%s'; "
		                      "register them in separate runs", dest);
	if (json_array_size(pl->files) >= CUST_MANIFEST_MAX_FILES)
		return cust_error_set(err, CUST_E_INPUT,
		                      "more than %u files in one registration",
		                      CUST_MANIFEST_MAX_FILES);
	f = json_object();
	if (!f || cust_json_set_string(f, "source", src, err) < 0 ||
	    cust_json_set_string(f, "path", dest, err) < 0) {
		json_decref(f);
		return cust_error_prefix(err, "cannot register '%s'", src);
	}
	json_array_append_new(pl->files, f);
	json_object_set_new(pl->dests, dest, json_true());
	return 0;
}

static int plan_skip(struct plan *pl, const char *src, const char *reason,
                     struct cust_error *err)
{
	json_t *s = json_object();

	if (!s || cust_json_set_string(s, "source", src, err) < 0 ||
	    cust_json_set_string(s, "reason", reason, err) < 0) {
		json_decref(s);
		return cust_error_prefix(err, "cannot register '%s'", src);
	}
	json_array_append_new(pl->skipped, s);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk the folder SRC, storing its files below DEST. */
static int plan_dir(struct plan *pl, const char *src, const char *dest,
                    int depth, struct cust_error *err)
{
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = -1;

	if (depth > CUST_MANIFEST_MAX_DEPTH)
		return cust_error_set(err, CUST_E_INPUT,
		                      "'%s' is nested more than %d folders deep", src,
		                      CUST_MANIFEST_MAX_DEPTH);
	d = opendir(src);
	if (!d)
		return cust_error_set_errno(err, CUST_E_INPUT, errno,
		                            "cannot read folder '%s'", src);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (count >= CUST_MANIFEST_MAX_FILES) {
			cust_error_set(err, CUST_E_INPUT, "too many entries in '%s'", src);
			goto out;
		}
		if (count == cap) {
			char **nn;
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof *names);
			if (!nn) {
				cust_error_set(err, CUST_E_IO, "out of memory");
				goto out;
			}
			names = nn;
		}
		if (!(names[count] = strdup(de->d_name))) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
		count++;
	}
	/* sorted, so the record does not depend on directory order */
	if (count > 1)
		qsort(names, count, sizeof *names, name_cmp);
	for (i = 0; i < count; i++) {
		char s[CUST_PATH_MAX], t[CUST_PATH_MAX];
		struct stat st;

		if (cust_path_format(s, sizeof s, err, "%s/%s", src, names[i]) < 0 ||
		    cust_path_format(t, sizeof t, err, "%s/%s", dest, names[i]) < 0)
			goto out;
		if (lstat(s, &st) < 0) {
			cust_error_set_errno(err, CUST_E_INPUT, errno, "cannot stat '%s'",
			                     s);
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (is_case(pl, &st)) {
				cust_error_set(err, CUST_E_USAGE, "cannot register "
				               "'%s': it holds the case folder '%s'",
				               pl->arg, pl->case_dir);
				goto out;
			}
			if (plan_dir(pl, s, t, depth + 1, err) < 0)
				goto out;
		} else if (S_ISREG(st.st_mode)) {
			if (plan_file(pl, s, t, err) < 0)
				goto out;
		} else if (plan_skip(pl, s,
		                     S_ISLNK(st.st_mode)
		                             ? "symbolic link (not followed)"
		                             : "not a regular file",
		                     err) < 0) {
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* The last component of PATH, resolving "." and ".." through realpath. */
static int base_name(const char *path, char *out, size_t outsz,
                     struct cust_error *err)
{
	char resolved[PATH_MAX];
	const char *p = path, *slash;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	slash = memrchr(path, '/', len);
	p = slash ? slash + 1 : path;
	len -= (size_t)(p - path);
	if (len == 0 || (len == 1 && p[0] == '.') ||
	    (len == 2 && p[0] == '.' && p[1] == '.')) {
		if (!realpath(path, resolved))
			return cust_error_set_errno(err, CUST_E_INPUT, errno,
			                            "cannot resolve '%s'", path);
		slash = strrchr(resolved, '/');
		p = slash && slash[1] ? slash + 1 : "root";
		len = strlen(p);
	}
	return cust_path_format(out, outsz, err, "%.*s", (int)len, p);
}

static int make_plan(struct plan *pl, const struct cust_artifacts_params *p,
                     struct cust_error *err)
{
	size_t i;

	if (p->npaths == 0)
		return cust_error_set(err, CUST_E_USAGE, "no file or folder to register");
	for (i = 0; i < p->npaths; i++) {
		char base[CUST_PATH_MAX], dest[CUST_PATH_MAX];
		struct stat st;

		if (stat(p->paths[i], &st) < 0)
			return cust_error_set_errno(err, CUST_E_INPUT, errno,
			                            "cannot register '%s'", p->paths[i]);
		if (refuse_case(pl, p->paths[i], &st, err) < 0)
			return -1;
		pl->arg = p->paths[i];
		if (base_name(p->paths[i], base, sizeof base, err) < 0 ||
		    cust_path_format(dest, sizeof dest, err, "files/%s", base) < 0)
			return -1;
		if (S_ISDIR(st.st_mode)) {
			if (plan_dir(pl, p->paths[i], dest, 0, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			if (plan_file(pl, p->paths[i], dest, err) < 0)
				return -1;
		} else {
			return cust_error_set(err, CUST_E_INPUT,
			                      "cannot register '%s': not a regular file "
			                      "or folder (image devices with "
			                      "custody-image)", p->paths[i]);
		}
	}
	if (json_array_size(pl->files) == 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "nothing to register: no regular file found");
	return 0;
}

static json_t *new_record(const struct cust_artifacts_params *p,
                          const struct cust_unit *u, const char *actor,
                          const char *tool, struct cust_error *err)
{
	char now[CUST_TIME_LEN];
	json_t *rec = json_object();

	if (!rec || cust_time_now_string(now, err) < 0 ||
	    cust_json_set_string(rec, "unit", cust_unit_relpath(u), err) < 0 ||
	    cust_json_set_string(rec, "item", p->item, err) < 0 ||
	    cust_json_set_string(rec, "note", p->note, err) < 0 ||
	    cust_json_set_string(rec, "registered", now, err) < 0 ||
	    cust_json_set_string(rec, "examiner", actor, err) < 0 ||
	    cust_json_set_new(rec, "format_version", json_integer(1), err) < 0 ||
	    cust_json_set_new(rec, "tool",
	                      json_pack("{s:s, s:s}", "name", tool, "version",
	                                cust_version()), err) < 0) {
		json_decref(rec);
		if (!rec)
			cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	return rec;
}

int cust_artifacts_register(struct cust_case *c,
                            const struct cust_artifacts_params *p,
                            const struct cust_actor *actor, const char *tool,
                            json_t **record, struct cust_error *err)
{
	struct plan pl = { json_array(), json_array(), json_object(),
	                   cust_case_dir(c), { 0 }, NULL };
	struct cust_unit *u = NULL;
	struct cust_event ev = { 0 };
	json_t *rec = NULL, *files = NULL, *item = NULL, *event = NULL, *f;
	char stem[CUST_ID_MAX + 1];
	json_int_t bytes = 0;
	size_t i;
	int rc = -1;

	if (record)
		*record = NULL;
	if (!pl.files || !pl.skipped || !pl.dests) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (stat(pl.case_dir, &pl.case_st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'",
		                     pl.case_dir);
		goto out;
	}
	if (p->item) {
		item = cust_case_load_item(c, p->item, err);
		if (!item)
			goto out;
	}
	ev.action = "hashed";
	ev.tool = tool;
	ev.item = p->item;
	ev.note = p->note;
	if (cust_log_check_event(&ev, err) < 0) /* before anything is written */
		goto out;
	if (make_plan(&pl, p, err) < 0 ||
	    cust_path_format(stem, sizeof stem, err, "%s%sH",
	                     p->item ? p->item : "", p->item ? "-" : "") < 0)
		goto out;
	u = cust_unit_begin(cust_case_dir(c), "artifacts", stem, err);
	if (!u)
		goto out;
	rec = new_record(p, u, actor->name, tool, err);
	files = json_array();
	if (!rec || !files)
		goto out;
	json_array_foreach(pl.files, i, f) {
		json_t *copied;
		const char *src = cust_json_string(f, "source");
		if (cust_unit_copy_file(u, src, cust_json_string(f, "path"), &copied,
		                        err) < 0) {
			cust_error_prefix(err, "unit '%s' left unfinished",
			                  cust_unit_dir(u));
			goto out;
		}
		json_object_set(copied, "source", json_object_get(f, "source"));
		bytes += json_integer_value(json_object_get(copied, "size"));
		json_array_append_new(files, copied);
	}
	if (cust_json_set_new(rec, "files", files, err) < 0) {
		files = NULL;
		goto out;
	}
	files = NULL;
	if (json_array_size(pl.skipped) > 0)
		json_object_set(rec, "skipped", pl.skipped);
	if (cust_unit_write_json(u, CUST_ARTIFACTS_RECORD, rec, err) < 0)
		goto out;
	ev.details = json_pack("{s:I, s:I}", "files",
	                       (json_int_t)json_array_size(pl.files), "bytes", bytes);
	rc = cust_unit_seal(u, actor, &ev, &event, err);
	json_decref(ev.details);
	if (rc < 0)
		goto out;
	if (record) {
		json_object_set_new(rec, "event", event);
		event = NULL;
		*record = rec;
		rec = NULL;
	}
out:
	json_decref(event);
	json_decref(files);
	json_decref(rec);
	json_decref(item);
	json_decref(pl.files);
	json_decref(pl.skipped);
	json_decref(pl.dests);
	cust_unit_free(u);
	return rc;
}
