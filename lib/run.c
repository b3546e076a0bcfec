/* run.c - records of commands at work on a case; see include/custody/run.h. */
#include "custody/run.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/time.h"

#define RUN_MAGIC 0x72756e31u /* "run1" */
#define RUN_TYPE "custody-run"
#define UNITS_MAX 64u

struct cust_run {
	unsigned magic;
	char path[CUST_PATH_MAX];
	json_t *record;
	/* what this process did, to tell at the end whether it left the
	 * case consistent */
	const char *units[UNITS_MAX]; /* borrowed from RECORD's "units" */
	int logged[UNITS_MAX];
	size_t nunits;
	uint64_t last_seq;     /* last event appended, 0 for none */
	uint64_t checkpointed; /* events of the last checkpoint written */
};

/* The first line of a small file under /proc into BUF, without newline. */
static int read_proc_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* When process PID started, in clock ticks after boot (field 22 of
 * /proc/PID/stat): with the pid it names one process, never a later one
 * given the same pid.  0 when it does not run. */
static unsigned long long start_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0;
	int field;

	(void)snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (read_proc_line(path, buf, sizeof buf) < 0)
		return 0;
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return 0;
	/* after ") " comes field 3, the state */
	if (p[1] != ' ')
		return 0;
	for (field = 3, p += 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field == 22)
		ticks = strtoull(p, NULL, 10);
	return ticks;
}

static const char *boot_id(void)
{
	static char id[64];

	if (!id[0] && read_proc_line("/proc/sys/kernel/random/boot_id", id,
	                             sizeof id) < 0)
		(void)snprintf(id, sizeof id, "unknown");
	return id;
}

/* HOST with anything but letters, digits, '.', '-' and '_' replaced, for a
 * file name. */
static void safe_host(const char *host, char *out, size_t size)
{
	size_t i;

	for (i = 0; host[i] && i + 1 < size; i++) {
		char c = host[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
		out[i] = keep ? c : '_';
	}
	out[i] = '\0';
}

static int write_record(struct cust_run *run, struct cust_error *err)
{
	char *text = cust_json_canonical(run->record, err);
	size_t len;
	int rc;

	if (!text)
		return -1;
	len = strlen(text);
	text[len] = '\n'; /* the NUL goes: written with its length */
	rc = cust_fs_write_atomic(run->path, text, len + 1, 0, err);
	free(text);
	return rc;
}

const char *cust_run_host(void)
{
	static char host[256];

	if (!host[0] && gethostname(host, sizeof host - 1) < 0)
		(void)snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	return host;
}

struct cust_run *cust_run_begin(const char *case_dir, const char *tool,
                                uint64_t events, struct cust_error *err)
{
	char dir[CUST_PATH_MAX], host[65], now[CUST_TIME_LEN];
	struct cust_run *run;
	long pid = (long)getpid();
	unsigned long long ticks = start_ticks(pid);

	if (cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
	                     CUST_RUNS_DIR) < 0 ||
	    cust_fs_mkdir(dir, 1, err) < 0 ||
	    cust_time_now_string(now, err) < 0)
		return NULL;
	run = calloc(1, sizeof *run);
	if (!run) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	run->magic = RUN_MAGIC;
	safe_host(cust_run_host(), host, sizeof host);
	run->record = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:I, s:s, s:I, "
	                        "s:[]}",
	                        "type", RUN_TYPE, "version", 1, "tool", tool,
	                        "pid", (json_int_t)pid, "host",
	                        cust_run_host(), "boot_id", boot_id(),
	                        "start_ticks", (json_int_t)ticks, "started", now,
	                        "events_at_start", (json_int_t)events, "units");
	if (!run->record) {
		cust_error_set(err, CUST_E_IO, "cannot build the run record");
		goto fail;
	}
	if (cust_path_format(run->path, sizeof run->path, err, "%s/%s-%ld-%llu.json",
	                     dir, host, pid, ticks) < 0 ||
	    write_record(run, err) < 0)
		goto fail;
	return run;
fail:
	json_decref(run->record);
	free(run);
	return NULL;
}

int cust_run_sealing(struct cust_run *run, const char *unit,
                     struct cust_error *err)
{
	json_t *units;

	if (!run)
		return 0;
	if (run->magic != RUN_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a run handle");
	if (run->nunits == UNITS_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "more than %u units in one run", UNITS_MAX);
	units = json_object_get(run->record, "units");
	if (json_array_append_new(units, json_string(unit)) < 0)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	run->units[run->nunits] =
		json_string_value(json_array_get(units, run->nunits));
	run->logged[run->nunits] = 0;
	run->nunits++;
	return write_record(run, err);
}

void cust_run_logged(struct cust_run *run, uint64_t seq, const char *unit)
{
	size_t i;

	if (!run || run->magic != RUN_MAGIC)
		return;
	run->last_seq = seq;
	for (i = 0; unit && i < run->nunits; i++)
		if (strcmp(run->units[i], unit) == 0)
			run->logged[i] = 1;
}

void cust_run_checkpointed(struct cust_run *run, uint64_t events)
{
	if (run && run->magic == RUN_MAGIC)
		run->checkpointed = events;
}

int cust_run_appended(const struct cust_run *run)
{
	return run && run->magic == RUN_MAGIC && run->last_seq > 0;
}

int cust_run_consistent(const struct cust_run *run)
{
	size_t i;

	if (!run || run->magic != RUN_MAGIC)
		return 1;
	for (i = 0; i < run->nunits; i++)
		if (!run->logged[i])
			return 0;
	return run->last_seq <= run->checkpointed;
}

int cust_run_end(struct cust_run *run, struct cust_error *err)
{
	int rc = 0;

	if (!run)
		return 0;
	if (run->magic != RUN_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a run handle");
	if (!cust_run_consistent(run))
		rc = 1;
	else if (unlink(run->path) < 0 && errno != ENOENT)
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot remove '%s'", run->path);
	json_decref(run->record);
	run->magic = 0;
	free(run);
	return rc;
}

/* ---- reading records ---------------------------------------------------- */

/* Whether the process of record REC still runs. */
static const char *run_state(const json_t *rec)
{
	json_int_t pid = json_integer_value(json_object_get(rec, "pid"));
	json_int_t ticks = json_integer_value(json_object_get(rec, "start_ticks"));
	const char *host = cust_json_string(rec, "host");
	const char *boot = cust_json_string(rec, "boot_id");

	if (!host || strcmp(host, cust_run_host()) != 0)
		return "unknown";
	if (!boot || strcmp(boot, boot_id()) != 0)
		return "interrupted"; /* this host rebooted since */
	if (pid > 0 && ticks > 0 &&
	    start_ticks((long)pid) == (unsigned long long)ticks)
		return "running";
	return "interrupted";
}

static int record_ok(const json_t *rec)
{
	const char *type = cust_json_string(rec, "type");
	const json_t *units = json_object_get(rec, "units");
	size_t i;
	json_t *u;

	if (!type || strcmp(type, RUN_TYPE) != 0 || !cust_json_string(rec, "tool") ||
	    !json_is_integer(json_object_get(rec, "pid")) ||
	    !json_is_integer(json_object_get(rec, "events_at_start")) ||
	    !cust_json_string(rec, "started") || !json_is_array(units) ||
	    json_array_size(units) > UNITS_MAX)
		return 0;
	json_array_foreach(units, i, u)
		if (!json_is_string(u))
			return 0;
	return 1;
}

static json_t *read_record(const char *dir, const char *name)
{
	char path[CUST_PATH_MAX], file[CUST_PATH_MAX];
	struct cust_error err;
	char *text = NULL;
	size_t len = 0;
	json_t *rec = NULL, *out;

	(void)snprintf(file, sizeof file, "%s/%s", CUST_RUNS_DIR, name);
	cust_error_clear(&err);
	if (cust_path_format(path, sizeof path, &err, "%s/%s", dir, name) == 0 &&
	    cust_fs_read_file(path, CUST_RUN_RECORD_MAX, &text, &len, &err) == 0)
		rec = cust_json_parse(text, len, name, 0, &err);
	free(text);
	if (rec && !record_ok(rec)) {
		json_decref(rec);
		rec = NULL;
		cust_error_set(&err, CUST_E_INPUT, "not a run record");
	}
	if (!rec)
		return json_pack("{s:s, s:s, s:s}", "file", file, "state",
		                 "unreadable", "problem", err.message);
	out = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:s}", "file", file,
	                "tool", json_object_get(rec, "tool"), "pid",
	                json_object_get(rec, "pid"), "host",
	                json_object_get(rec, "host") ? json_object_get(rec, "host")
	                                              : json_null(),
	                "started", json_object_get(rec, "started"),
	                "events_at_start", json_object_get(rec, "events_at_start"),
	                "units", json_object_get(rec, "units"), "state",
	                run_state(rec));
	json_decref(rec);
	return out;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(cust_json_string(*(json_t *const *)a, "file"),
	              cust_json_string(*(json_t *const *)b, "file"));
}

json_t *cust_run_list(const char *case_dir, struct cust_error *err)
{
	char dir[CUST_PATH_MAX];
	json_t *runs = json_array(), *sorted = NULL;
	json_t **all = NULL;
	struct dirent *de;
	size_t i, n;
	DIR *d;

	if (!runs || cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
	                              CUST_RUNS_DIR) < 0)
		goto fail;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return runs;
		if (errno == ENOTDIR) {
			/* something else stands where the records go */
			json_array_append_new(runs,
			                      json_pack("{s:s, s:s, s:s}", "file",
			                                CUST_RUNS_DIR, "state",
			                                "unreadable", "problem",
			                                "not a folder"));
			return runs;
		}
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'", dir);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue; /* temporaries of an atomic write, strays */
		if (json_array_size(runs) == CUST_RUNS_MAX)
			break;
		json_array_append_new(runs, read_record(dir, de->d_name));
	}
	closedir(d);
	n = json_array_size(runs);
	all = calloc(n ? n : 1, sizeof *all);
	sorted = json_array();
	if (!all || !sorted)
		goto fail;
	for (i = 0; i < n; i++)
		all[i] = json_array_get(runs, i);
	qsort(all, n, sizeof *all, by_file);
	for (i = 0; i < n; i++)
		json_array_append(sorted, all[i]);
	free(all);
	json_decref(runs);
	return sorted;
fail:
	if (err && !err->message[0])
		cust_error_set(err, CUST_E_IO, "out of memory");
	free(all);
	json_decref(sorted);
	json_decref(runs);
	return NULL;
}

int cust_run_remove(const char *case_dir, const char *file,
                    struct cust_error *err)
{
	char path[CUST_PATH_MAX];

	if (strncmp(file, CUST_RUNS_DIR "/", sizeof CUST_RUNS_DIR) != 0 ||
	    strchr(file + sizeof CUST_RUNS_DIR, '/'))
		return cust_error_set(err, CUST_E_USAGE, "'%s' is not a run record",
		                      file);
	if (cust_path_format(path, sizeof path, err, "%s/%s", case_dir, file) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot remove '%s'", path);
	return 0;
}

const char *cust_run_describe(const json_t *run, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s (pid %lld on %s, started %s)",
	               cust_json_string(run, "tool") ? cust_json_string(run, "tool")
	                                             : "a command",
	               (long long)json_integer_value(json_object_get(run, "pid")),
	               cust_json_string(run, "host") ? cust_json_string(run, "host")
	                                             : "an unknown host",
	               cust_json_string(run, "started")
		               ? cust_json_string(run, "started")
		               : "at an unknown time");
	return buf;
}
