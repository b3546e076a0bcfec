/* custody-extract - the inventory and target lists of a seized disk, as a
 * sealed extraction unit. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "custody/extractor.h"
#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/extract.h"
#include "custody/json.h"
#include "custody/pool.h"

#define TOOL "custody-extract"
#define FILE_SECONDS_MAX 31536000 /* a year */

static const char *const extract_repeatable[] = { "acq", "disk", "key-hint",
	                                           NULL };

static const struct cli_option options[] = {
	{ "case", "DIR", "the case folder (or $CUSTODY_CASE)" },
	{ "acq", "UNIT", "a sealed acquisition of the case (E001-A1); again "
	                 "for each other disk of the same server" },
	{ "item", "ID", "the item a source given by path belongs to" },
	{ "disk", "IMAGE", "another disk of the same server, by path (its "
	                   "first segment), walked with SOURCE; repeatable" },
	{ "no-deleted", NULL, "leave deleted entries out" },
	{ "hash", "LIST", "digests of every file: md5,sha1,sha256 "
	                  "(default md5,sha256)" },
	{ "no-types", NULL, "no file types (libmagic), so no archives opened" },
	{ "no-targets", NULL, "no carving for targets, and no extractors "
	                      "unless --extractors names some" },
	{ "no-decode", NULL, "carve only the bytes as they lie: no compressed "
	                     "or encoded stream decoded" },
	{ "all-occurrences", NULL, "every occurrence of every target in "
	                           "targets/occurrences.jsonl" },
	{ "rules", "DIR", "YARA rules (*.yar, *.yara) to run on every file "
	                  "and member" },
	{ "copy", "WHICH", "copies into objects/: interest (default), all "
	                   "or none" },
	{ "jobs", "N", "worker threads (default: one per processor; 0: none)" },
	{ "max-sparse", "SIZE", "bytes of a file's holes hashed as zeros "
	                        "(default: 64 times what the image holds of "
	                        "it, 1G to 64G)" },
	{ "file-seconds", "N", "seconds to read one file's content "
	                       "(default 3600)" },
	{ "extractors", "LIST", "bot-config extractors to run, by name, "
	  "comma-separated, or none (default: all)" },
	{ "list-extractors", NULL, "list the extractors and exit" },
	{ "key-hint", "KEY", "a key to try on encrypted configs, besides "
	  "the keys found on the disk (may be repeated)" },
	{ "quiet", NULL, "no progress, no summary" },
	{ "note", "T", "a note for the record and the custody log" },
	{ "examiner", "NAME", "acting examiner (or $CUSTODY_EXAMINER)" },
	CLI_SIGNING_OPTIONS,
	{ NULL, NULL, NULL }
};

/* One line on the terminal, redrawn in place. */
static void show_progress(void *ctx, const struct cust_extract_progress *p)
{
	double secs = (double)p->elapsed_ms / 1000.0;

	(void)ctx;
	fprintf(stderr, "\r%s: %llu entries, %llu files, %.1f MB, %.0f files/s, "
	        "%.0f MB/s   ", p->partition, (unsigned long long)p->entries,
	        (unsigned long long)p->files, (double)p->bytes / 1e6,
	        secs > 0 ? (double)p->files / secs : 0,
	        secs > 0 ? (double)p->bytes / 1e6 / secs : 0);
}

static int list_extractors(const struct cli *cli)
{
	const struct cust_extractor *const *x;

	for (x = cust_extractors(); *x; x++) {
		if (cli->json)
			printf("{\"name\":\"%s\",\"family\":\"%s\"}\n", (*x)->name,
			       (*x)->family);
		else
			printf("%-20s %-8s %s\n", (*x)->name, (*x)->family,
			       (*x)->summary);
	}
	return cli_exit(cli, 0);
}

static void print_summary(const json_t *rec)
{
	const json_t *counts = json_object_get(rec, "counts");
	const json_t *t = json_object_get(rec, "targets"), *p;
	size_t i;

	printf("sealed %s: %lld entries (%lld deleted), %lld files read, "
	       "%lld unreadable\n",
	       cust_json_string(rec, "unit"),
	       (long long)json_integer_value(json_object_get(counts, "entries")),
	       (long long)json_integer_value(json_object_get(counts, "deleted")),
	       (long long)json_integer_value(json_object_get(counts,
	                                                     "files_read")),
	       (long long)json_integer_value(json_object_get(counts,
	                                                     "unreadable")));
	json_array_foreach(json_object_get(json_object_get(rec, "walk"),
	                                   "partitions"), i, p)
		printf("  %s  %s\n", cust_json_string(p, "name"),
		       cust_json_string(p, "fs_type")
		               ? cust_json_string(p, "fs_type")
		               : cust_json_string(p, "fs_error"));
	{
		const json_t *bc = json_object_get(rec, "botconfigs");
		const json_t *fam;
		size_t k;
		if (json_is_true(json_object_get(bc, "enabled"))) {
			printf("  bot configurations: %lld record%s",
			       (long long)json_integer_value(
				       json_object_get(bc, "records")),
			       json_integer_value(json_object_get(bc, "records")) == 1
				       ? ""
				       : "s");
			json_array_foreach(json_object_get(bc, "families"), k, fam)
				printf("%s%s", k ? ", " : " (", json_string_value(fam));
			printf("%s\n", json_array_size(json_object_get(bc, "families"))
			                   ? ")"
			                   : "");
		}
	}
	{
		static const struct {
			const char *kind, *label;
		} kinds[] = {
			{ "email", "emails" }, { "domain", "domains" },
			{ "url", "URLs" }, { "ipv4", "IPv4" }, { "ipv6", "IPv6" },
			{ "ccn", "card numbers" }, { "bitcoin", "Bitcoin" },
			{ "onion", "onions" }, { "phone", "phones" },
			{ "mac", "MACs" }, { "hostport", "host:ports" },
		};
		size_t k;
		printf("  targets:");
		for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			printf("%s %lld %s", k ? "," : "",
			       (long long)json_integer_value(json_object_get(
				       json_object_get(t, kinds[k].kind),
				       "distinct")),
			       kinds[k].label);
		printf(" (distinct)\n");
	}
}

#define NAMES_SHOWN 8 /* partitions named in one line of findings */

/* The walk's findings that are no damage (walk.notes), one line each on
 * stderr: the ranges in which no file system was found, carved as
 * unrecognised space (one line for all of them), and each range that
 * holds more than one file system. */
static void say_notes(const json_t *rec)
{
	const json_t *walk = json_object_get(rec, "walk");
	const json_t *notes = json_object_get(walk, "notes");
	const json_t *parts = json_object_get(walk, "partitions");
	const json_t *n, *p;
	size_t i, k, none = 0, carved = 0;
	const char *first = NULL;

	json_array_foreach(notes, i, n) {
		const char *kind = cust_json_string(n, "kind");
		const char *part = cust_json_string(n, "partition");
		if (!kind || !part || strcmp(kind, "no-file-system") != 0)
			continue;
		if (!first)
			first = part;
		none++;
		json_array_foreach(parts, k, p) {
			const char *name = cust_json_string(p, "name");
			if (name && strcmp(name, part) == 0 &&
			    json_object_get(p, "unrecognised_bytes"))
				carved++;
		}
	}
	if (none == 1 && json_is_null(json_object_get(walk, "volume_system")) &&
	    !json_object_get(walk, "disks")) {
		fprintf(stderr, "%s: no file system found: the whole image was "
		        "%s\n", TOOL, carved ? "carved as unrecognised space"
		                             : "not carved (--no-targets)");
	} else if (none > 0) {
		size_t shown = 0;
		fprintf(stderr, "%s: no file system found in ", TOOL);
		json_array_foreach(notes, i, n) {
			const char *kind = cust_json_string(n, "kind");
			if (!kind || strcmp(kind, "no-file-system") != 0)
				continue;
			if (shown++ == NAMES_SHOWN)
				break;
			fprintf(stderr, "%s%s", shown > 1 ? ", " : "",
			        cust_json_string(n, "partition"));
		}
		if (none > NAMES_SHOWN)
			fprintf(stderr, " and %zu more", none - NAMES_SHOWN);
		fprintf(stderr, ": %s\n", carved ? "carved as unrecognised space"
		                                 : "not carved (--no-targets)");
	}
	json_array_foreach(notes, i, n) {
		const char *kind = cust_json_string(n, "kind");
		const char *part = cust_json_string(n, "partition");
		size_t len, shown = 0;
		if (!kind || !part || strcmp(kind, "several-file-systems") != 0)
			continue;
		len = strlen(part);
		fprintf(stderr, "%s: %s holds more than one file system (", TOOL,
		        part);
		json_array_foreach(parts, k, p) {
			const char *name = cust_json_string(p, "name");
			if (name && strncmp(name, part, len) == 0 &&
			    name[len] == '#' && cust_json_string(p, "fs_type"))
				fprintf(stderr, "%s%s", shown++ ? ", " : "",
				        cust_json_string(p, "fs_type"));
		}
		fprintf(stderr, "): each walked as its own\n");
	}
}

/* Whether the run left evidence unread: the walk not complete (a
 * directory, an entry or a partition it could not read, a limit), a file
 * whose content could not be read, or one read short (its content ended
 * early, or a bound of one file stopped it).  Says so on stderr: 1, else
 * 0. */
static int say_unread(const json_t *rec)
{
	const json_t *walk = json_object_get(rec, "walk");
	const json_t *counts = json_object_get(rec, "counts");
	long long problems = (long long)json_array_size(
		json_object_get(walk, "problems")) +
		(long long)json_integer_value(json_object_get(
			walk, "problems_dropped"));
	long long files = (long long)json_integer_value(json_object_get(
		counts, "unreadable"));
	long long shorts = (long long)json_integer_value(json_object_get(
		counts, "read_short"));

	if (json_is_true(json_object_get(walk, "complete")) && files == 0 &&
	    shorts == 0)
		return 0;
	fprintf(stderr, "%s: completed, but not everything could be read "
	        "(%lld problems, %lld files unreadable, %lld read short); see "
	        "%s/%s\n", TOOL, problems, files, shorts,
	        cust_json_string(rec, "unit"), CUST_EXTRACT_RECORD);
	return 1;
}

int main(int argc, char **argv)
{
	struct cli cli = {
		TOOL,
		"custody-extract --case DIR (--acq UNIT... | --item ID SOURCE... "
		"[--disk IMAGE]...)\n"
		"             [--no-deleted] [--hash LIST]\n"
		"             [--no-types] [--no-targets] [--no-decode] "
		"[--all-occurrences]\n"
		"             [--copy WHICH] [--rules DIR] [--jobs N] [--max-sparse SIZE] "
		"[--file-seconds N]\n"
		"             [--extractors LIST] [--key-hint KEY]... "
		"[--quiet] [--note T]\n"
		"       custody-extract --list-extractors\n"
		"             [--examiner NAME] [--key FILE --cert FILE] "
		"[--passphrase-file FILE] [--tsa URL] [--no-sign]",
		"Walk every partition and file system of an acquisition (or of "
		"image files), allocated and deleted entries, hash and carve "
		"every file, into a sealed unit extractions/<ITEM>-X<n>/.  A "
		"SOURCE may also be a folder of loose files or one archive.",
		.options = options,
		.repeatable = extract_repeatable
	};
	struct cust_extract_options o = { 0 };
	const char *names[64], *hints[CLI_MAX_REPEATS];
	const char *acqs[CLI_MAX_REPEATS], *disks[CLI_MAX_REPEATS];
	size_t nacq, ndisks;
	char list[1024];
	struct cust_actor actor;
	struct cust_signer *signer = NULL;
	struct cust_error err;
	struct cust_case *c;
	json_t *rec = NULL;
	const char *v;
	uint64_t n;
	int rc, crc;

	cli_parse(&cli, argc, argv);
	if (cli_get(&cli, "list-extractors"))
		return list_extractors(&cli);
	if ((v = cli_get(&cli, "extractors"))) {
		char *save = NULL, *name;
		if (strlen(v) >= sizeof list)
			return cli_usage_error(&cli, "--extractors: too long");
		memcpy(list, v, strlen(v) + 1);
		for (name = strtok_r(list, ",", &save); name;
		     name = strtok_r(NULL, ",", &save)) {
			if (strcmp(name, "none") == 0) {
				o.no_extractors = 1;
				continue;
			}
			if (!cust_extractor_find(name))
				return cli_usage_error(&cli, "--extractors: no "
				                             "extractor '%s' (see "
				                             "--list-extractors)", name);
			if (o.nextractors == sizeof names / sizeof names[0])
				return cli_usage_error(&cli, "--extractors: too many");
			names[o.nextractors++] = name;
		}
		if (o.no_extractors && o.nextractors)
			return cli_usage_error(&cli, "--extractors: none with names");
		o.extractors = names;
	}
	o.nkey_hints = cli_get_all(&cli, "key-hint", hints,
	                           sizeof hints / sizeof hints[0]);
	o.key_hints = hints;
	nacq = cli_get_all(&cli, "acq", acqs, sizeof acqs / sizeof acqs[0]);
	ndisks = cli_get_all(&cli, "disk", disks, sizeof disks / sizeof disks[0]);
	if (nacq && ndisks)
		return cli_usage_error(&cli, "--disk goes with image files; give "
		                             "the other disks' acquisitions with "
		                             "--acq");
	o.acquisition = nacq ? acqs[0] : NULL;
	o.more_disks = nacq ? acqs + 1 : disks;
	o.nmore_disks = nacq ? nacq - 1 : ndisks;
	o.sources = (const char *const *)cli.args;
	o.nsources = (size_t)cli.nargs;
	o.item = cli_get(&cli, "item");
	o.no_deleted = cli_get(&cli, "no-deleted") != NULL;
	o.no_types = cli_get(&cli, "no-types") != NULL;
	o.no_targets = cli_get(&cli, "no-targets") != NULL;
	/* no target lists: neither carved nor extracted, unless asked for */
	if (o.no_targets && !cli_get(&cli, "extractors"))
		o.no_extractors = 1;
	o.all_occurrences = cli_get(&cli, "all-occurrences") != NULL;
	o.no_decode = cli_get(&cli, "no-decode") != NULL;
	if ((v = cli_get(&cli, "hash")) &&
	    (cust_digest_parse_list(v, &o.digests, &err) < 0 ||
	     (o.digests & ~(unsigned)(CUST_DIGEST_MD5 | CUST_DIGEST_SHA1 |
	                              CUST_DIGEST_SHA256))))
		return cli_usage_error(&cli, "--hash: '%s' is not a list of md5, "
		                             "sha1 and sha256", v);
	o.rules = cli_get(&cli, "rules");
	o.copy = CUST_COPY_INTEREST;
	if ((v = cli_get(&cli, "copy")) &&
	    cust_copy_policy_parse(v, &o.copy, &err) < 0)
		return cli_usage_error(&cli, "--copy: '%s' is not interest, all "
		                             "or none", v);
	o.jobs = cust_pool_default_workers();
	if ((v = cli_get(&cli, "jobs"))) {
		if (cust_parse_u64(v, &n) < 0 || n > CUST_POOL_WORKERS_MAX)
			return cli_usage_error(&cli, "--jobs: '%s' is not 0..%d", v,
			                       CUST_POOL_WORKERS_MAX);
		o.jobs = (unsigned)n;
	}
	if ((v = cli_get(&cli, "max-sparse")) &&
	    (cli_parse_size(v, &o.max_sparse) < 0 || o.max_sparse == 0))
		return cli_usage_error(&cli, "--max-sparse: '%s' is not a size "
		                             "(64M, 1G ...)", v);
	if ((v = cli_get(&cli, "file-seconds"))) {
		if (cust_parse_u64(v, &n) < 0 || n == 0 || n > FILE_SECONDS_MAX)
			return cli_usage_error(&cli, "--file-seconds: '%s' is not "
			                             "1..%d", v, FILE_SECONDS_MAX);
		o.file_seconds = (unsigned)n;
	}
	if (!cli_get(&cli, "quiet") && isatty(STDERR_FILENO))
		o.progress = show_progress;
	o.note = cli_get(&cli, "note");
	o.tool = TOOL;
	o.argv = argv;
	o.argc = argc;
	if (!o.acquisition == !o.nsources)
		return cli_usage_error(&cli, "give --acq UNIT or image files, "
		                             "not both or neither");
	if (o.acquisition && o.item)
		return cli_usage_error(&cli, "--item goes with image files; an "
		                             "acquisition names its item");
	c = cust_case_open(cli_case_dir(&cli), &err);
	if (!c)
		return cli_fail(&cli, &err);
	cust_case_actor(c, cli_get(&cli, "examiner"), &actor);
	rc = cli_signing_open(&cli, &actor, &signer);
	if (rc) {
		cust_case_free(c);
		return rc;
	}
	rc = cli_run_start(&cli, cust_case_dir(c), &actor);
	if (rc) {
		cli_signing_close(signer);
		cust_case_free(c);
		return rc;
	}
	rc = cust_extract(c, &o, &actor, &rec, &err);
	if (o.progress)
		fputc('\n', stderr);
	if (rc < 0) {
		rc = cli_fail(&cli, &err);
	} else {
		if (cli.json)
			cli_print_json(rec);
		else if (!cli_get(&cli, "quiet"))
			print_summary(rec);
		say_notes(rec);
		/* sealed and logged, but not all of the evidence */
		if (say_unread(rec))
			rc = CUST_E_FILLED;
	}
	json_decref(rec);
	crc = cli_checkpoint(&cli, cust_case_dir(c), &actor);
	if (!rc)
		rc = crc;
	cli_signing_close(signer);
	cust_case_free(c);
	return cli_exit(&cli, rc);
}
