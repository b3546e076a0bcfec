/*
 * attest.c - signing and timestamping units and the log's checkpoint; see
 * include/custody/attest.h.
 */
#include "custody/attest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/checkpoint.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/keys.h"
#include "custody/manifest.h"
#include "custody/run.h"
#include "custody/timestamp.h"

static const char *const mode_names[] = { "signed", "re-signed", "co-signed" };

static int file_sha256(const char *path, char hex[65], struct cust_error *err)
{
	unsigned char d[1][CUST_DIGEST_MAX_SIZE];
	uint64_t size;

	if (cust_digest_file(path, CUST_DIGEST_SHA256, 1, d, &size, err) < 0)
		return -1;
	cust_hex_encode(d[0], 32, hex);
	return 0;
}

/* Remove PATH if it is there: a token over a signature that changed. */
static int drop_stale(const char *path, struct cust_error *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot remove the stale '%s'", path);
	return 0;
}

/* Timestamp SIG_PATH into SIG_PATH.tsr; the facts go to FACTS. */
static int timestamp(const char *sig_path, const struct cust_actor *actor,
                     json_t *facts, struct cust_error *err)
{
	struct cust_timestamp_info info;
	char tsr[CUST_PATH_MAX], hex[65];
	const char *base;

	if (cust_path_format(tsr, sizeof tsr, err, "%s%s", sig_path,
	                     CUST_TIMESTAMP_SUFFIX) < 0)
		return -1;
	memset(&info, 0, sizeof info);
	if (cust_timestamp_fetch(actor->tsa_url, sig_path, tsr, actor->tsa_cafile,
	                         CUST_TSA_TIMEOUT_S, &info, err) < 0 ||
	    file_sha256(tsr, hex, err) < 0)
		return -1;
	base = strrchr(tsr, '/');
	json_object_set_new(facts, "timestamp",
	                    json_pack("{s:s, s:s, s:s, s:s}", "file",
	                              base ? base + 1 : tsr, "sha256", hex,
	                              "time", info.time, "tsa", info.tsa));
	return 0;
}

int cust_attest_unit(const char *case_dir, const char *unit_dir,
                     const struct cust_actor *actor, enum cust_sign_mode mode,
                     json_t **facts, struct cust_error *err)
{
	char sums[CUST_PATH_MAX], sig[CUST_PATH_MAX], tsr[CUST_PATH_MAX];
	char hex[65];
	struct cust_error terr;
	json_t *f;

	if (facts)
		*facts = NULL;
	if (!actor || !actor->signer)
		return 0;
	if (cust_path_format(sums, sizeof sums, err, "%s/%s", unit_dir,
	                     CUST_MANIFEST_SUMS) < 0 ||
	    cust_path_format(sig, sizeof sig, err, "%s%s", sums,
	                     CUST_SIGNATURE_SUFFIX) < 0 ||
	    cust_path_format(tsr, sizeof tsr, err, "%s%s", sig,
	                     CUST_TIMESTAMP_SUFFIX) < 0)
		return -1;
	if (cust_sign_store_examiner(case_dir, actor->signer, err) < 0 ||
	    cust_sign_file(actor->signer, sums, sig, mode, err) < 0 ||
	    drop_stale(tsr, err) < 0 || file_sha256(sig, hex, err) < 0)
		return -1;
	f = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "signature", "file",
	              CUST_MANIFEST_SUMS CUST_SIGNATURE_SUFFIX, "sha256", hex,
	              "signer", cust_signer_fingerprint(actor->signer), "subject",
	              cust_signer_subject(actor->signer), "mode",
	              mode_names[mode]);
	if (!f)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	if (actor->tsa_url && *actor->tsa_url) {
		cust_error_clear(&terr);
		if (timestamp(sig, actor, f, &terr) < 0) {
			json_object_set_new(f, "timestamp_error",
			                    json_string(terr.message));
			if (actor->warning && actor->warning_size)
				snprintf(actor->warning, actor->warning_size,
				         "signed but not timestamped (custody-sign "
				         "--timestamp adds it later): %s",
				         terr.message);
		}
	}
	if (facts)
		*facts = f;
	else
		json_decref(f);
	return 0;
}

int cust_attest_timestamp(const char *unit_dir, const struct cust_actor *actor,
                          json_t **facts, struct cust_error *err)
{
	char sig[CUST_PATH_MAX];
	json_t *f;

	*facts = NULL;
	if (!actor || !actor->tsa_url || !*actor->tsa_url)
		return cust_error_set(err, CUST_E_USAGE,
		                      "no timestamp authority: give --tsa URL or "
		                      "set tsa in the configuration");
	if (cust_path_format(sig, sizeof sig, err, "%s/%s%s", unit_dir,
	                     CUST_MANIFEST_SUMS, CUST_SIGNATURE_SUFFIX) < 0)
		return -1;
	if (access(sig, F_OK) < 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is not signed: sign it first", unit_dir);
	f = json_object();
	if (!f)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	if (timestamp(sig, actor, f, err) < 0) {
		json_decref(f);
		return -1;
	}
	*facts = f;
	return 0;
}

int cust_attest_log(const char *case_dir, const char *unit, const char *sums_sha256,
                    const struct cust_actor *actor, const char *tool,
                    const json_t *facts, struct cust_error *err)
{
	struct cust_event ev;
	json_t *sig, *ts, *details;
	int rc = 0;

	if (!facts)
		return 0;
	sig = json_object_get(facts, "signature");
	ts = json_object_get(facts, "timestamp");
	memset(&ev, 0, sizeof ev);
	ev.tool = tool;
	ev.unit = unit;
	ev.manifest_sha256 = sums_sha256;
	if (sig) {
		details = json_deep_copy(sig);
		if (!details)
			return cust_error_set(err, CUST_E_IO, "out of memory");
		if (json_object_get(facts, "timestamp_error"))
			json_object_set(details, "timestamp_error",
			                json_object_get(facts, "timestamp_error"));
		ev.action = "signed";
		ev.details = details;
		rc = cust_log_append(case_dir, actor, &ev, NULL, err);
		json_decref(details);
	}
	if (rc == 0 && ts) {
		ev.action = "timestamped";
		ev.details = (json_t *)ts;
		rc = cust_log_append(case_dir, actor, &ev, NULL, err);
	}
	return rc;
}

struct checkpoint_ctx {
	const char *case_dir;
	const struct cust_actor *actor;
	char *warning;
	size_t warning_size;
};

/* Under the log's lock, with the new checkpoint in place at PATH. */
static int sign_checkpoint(void *arg, const char *path, struct cust_error *err)
{
	struct checkpoint_ctx *ctx = arg;
	const struct cust_actor *actor = ctx->actor;
	char sig[CUST_PATH_MAX], tsr[CUST_PATH_MAX];
	struct cust_error terr;
	json_t *ignored;

	if (cust_path_format(sig, sizeof sig, err, "%s%s", path,
	                     CUST_SIGNATURE_SUFFIX) < 0 ||
	    cust_path_format(tsr, sizeof tsr, err, "%s%s", sig,
	                     CUST_TIMESTAMP_SUFFIX) < 0)
		return -1;
	/* whatever signed or timestamped the previous checkpoint no longer
	 * matches it */
	if (drop_stale(tsr, err) < 0)
		return -1;
	if (!actor || !actor->signer)
		return drop_stale(sig, err);
	if (cust_sign_file(actor->signer, path, sig, CUST_SIGN_REPLACE, err) < 0)
		return -1;
	if (!actor->tsa_url || !*actor->tsa_url)
		return 0;
	ignored = json_object();
	cust_error_clear(&terr);
	if (!ignored || timestamp(sig, actor, ignored, &terr) < 0) {
		if (ctx->warning)
			snprintf(ctx->warning, ctx->warning_size,
			         "the checkpoint is signed but not timestamped: %s",
			         ignored ? terr.message : "out of memory");
	}
	json_decref(ignored);
	return 0;
}

/* Sign (and timestamp) the new checkpoint, then keep it in the history. */
static int sign_and_keep(void *arg, const char *path, struct cust_error *err)
{
	struct checkpoint_ctx *ctx = arg;

	if (sign_checkpoint(arg, path, err) < 0)
		return -1;
	return ctx->actor && ctx->actor->signer
		       ? cust_checkpoint_keep(ctx->case_dir, err)
		       : 0;
}

int cust_attest_checkpoint(const char *case_dir, const struct cust_actor *actor,
                           char *warning, size_t warning_size,
                           struct cust_error *err)
{
	struct checkpoint_ctx ctx = { case_dir, actor, warning, warning_size };
	struct cust_checkpoint written;

	if (warning && warning_size)
		warning[0] = '\0';
	if (actor && actor->signer &&
	    cust_sign_store_examiner(case_dir, actor->signer, err) < 0)
		return -1;
	if (cust_checkpoint_update(case_dir, sign_and_keep, &ctx, &written,
	                           err) < 0)
		return -1;
	if (actor)
		cust_run_checkpointed(actor->run, written.events);
	return 0;
}

/* --- checking --- */

/* Every finding of these checks (json.h). */
#define finding cust_json_finding

/* "CN=A (fp...) at T; CN=B (...) at T" for the report. */
static void describe_signers(const json_t *signers, char *out, size_t size)
{
	size_t i, used = 0;
	json_t *s;

	out[0] = '\0';
	json_array_foreach(signers, i, s) {
		int n = snprintf(out + used, size - used, "%s%s (%.16s...) at %s",
		                 i ? "; " : "", cust_json_string(s, "subject"),
		                 cust_json_string(s, "fingerprint"),
		                 cust_json_string(s, "signing_time"));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* Compare the file PATH with the SHA-256 LOGGED ({"sha256", "line"}). */
static void check_logged_file(json_t *findings, const char *check,
                              const char *subject, const char *path,
                              const char *name, const json_t *logged)
{
	char hex[65];
	struct cust_error err;

	if (!logged) {
		finding(findings, check, subject, "failed",
		        "%s is not in the custody log: added after the fact", name);
		return;
	}
	if (file_sha256(path, hex, &err) < 0) {
		finding(findings, check, subject, "failed", "%s", err.message);
		return;
	}
	if (strcmp(hex, cust_json_string(logged, "sha256")) != 0)
		finding(findings, check, subject, "failed",
		        "%s is not the one logged at custody.log line %lld: "
		        "replaced", name,
		        (long long)json_integer_value(json_object_get(logged,
		                                                      "line")));
}

/* Check the token SIG_PATH.tsr over SIG_PATH; 1 when it holds. */
static int check_token(const char *sig_path, const char *subject,
                       const char *check, const struct cust_attest_trust *t,
                       const json_t *signers, json_t *findings)
{
	struct cust_timestamp_info info;
	struct cust_error err;
	char tsr[CUST_PATH_MAX];
	size_t i;
	json_t *s;

	if (cust_path_format(tsr, sizeof tsr, &err, "%s%s", sig_path,
	                     CUST_TIMESTAMP_SUFFIX) < 0) {
		finding(findings, check, subject, "failed", "%s", err.message);
		return 0;
	}
	if (access(tsr, F_OK) != 0)
		return -1;
	if (cust_timestamp_check(sig_path, tsr, t->tsa_cafile, &info, &err) < 0) {
		finding(findings, check, subject, "failed", "%s", err.message);
		return 0;
	}
	/* a signature cannot have been made after it was timestamped */
	json_array_foreach(signers, i, s) {
		const char *when = cust_json_string(s, "signing_time");
		if (when && *when && strcmp(when, info.time) > 0) {
			finding(findings, check, subject, "failed",
			        "signed at %s, after its timestamp of %s: the "
			        "signing time is false", when, info.time);
			return 0;
		}
	}
	finding(findings, check, subject, "ok", "timestamped at %s by %s%s",
	        info.time, info.tsa,
	        info.tsa_trusted ? "" : " (authority not checked against an "
	                                "anchor: give --tsa-cafile)");
	return 1;
}

/* The signature SIG over CONTENT, as SUBJECT: one finding; its signers
 * (NULL when it does not hold) for the token check. */
static json_t *check_signature(const char *content, const char *sig,
                               const char *subject,
                               const struct cust_attest_trust *t,
                               json_t *findings)
{
	struct cust_error err;
	json_t *signers = NULL;
	char who[2048];

	if (cust_sign_check(content, sig, t->signers, &signers, &err) < 0) {
		finding(findings, "signature", subject, "failed", "%s",
		        err.message);
	} else {
		describe_signers(signers, who, sizeof who);
		finding(findings, "signature", subject, "ok", "signed by %s",
		        who);
	}
	return signers;
}

void cust_attest_check_unit(const char *unit_dir, const char *subject,
                            const struct cust_attest_trust *t,
                            const json_t *logged, json_t *findings)
{
	char sums[CUST_PATH_MAX], sig[CUST_PATH_MAX];
	const json_t *lsig = json_object_get(logged, "signature");
	const json_t *lts = json_object_get(logged, "timestamp");
	struct cust_error err;
	json_t *signers = NULL;
	int token;

	if (cust_path_format(sums, sizeof sums, &err, "%s/%s", unit_dir,
	                     CUST_MANIFEST_SUMS) < 0 ||
	    cust_path_format(sig, sizeof sig, &err, "%s%s", sums,
	                     CUST_SIGNATURE_SUFFIX) < 0) {
		finding(findings, "signature", subject, "failed", "%s",
		        err.message);
		return;
	}
	if (access(sig, F_OK) != 0) {
		if (lsig)
			finding(findings, "signature", subject, "failed",
			        "SHA256SUMS.p7s logged at custody.log line %lld "
			        "is missing: removed",
			        (long long)json_integer_value(
				        json_object_get(lsig, "line")));
		else
			finding(findings, "signature", subject,
			        t->require_signatures ? "failed" : "unsigned",
			        "unit is not signed");
		return;
	}
	signers = check_signature(sums, sig, subject, t, findings);
	check_logged_file(findings, "signature", subject, sig,
	                  "SHA256SUMS.p7s", lsig);
	token = check_token(sig, subject, "timestamp", t, signers, findings);
	json_decref(signers);
	if (token >= 0) {
		char tsr[CUST_PATH_MAX];

		if (cust_path_format(tsr, sizeof tsr, &err, "%s%s", sig,
		                     CUST_TIMESTAMP_SUFFIX) == 0)
			check_logged_file(findings, "timestamp", subject, tsr,
			                  "SHA256SUMS.p7s.tsr", lts);
	} else if (lts) {
		finding(findings, "timestamp", subject, "failed",
		        "SHA256SUMS.p7s.tsr logged at custody.log line %lld is "
		        "missing: removed",
		        (long long)json_integer_value(json_object_get(lts,
		                                                      "line")));
	}
}

/* The signature (and token) of a checkpoint file PATH, as SUBJECT; a
 * missing signature is a failure when REQUIRED.  1 when it holds. */
static int check_checkpoint_seal(const char *path, const char *subject,
                                 const struct cust_attest_trust *t,
                                 int required, json_t *findings)
{
	char sig[CUST_PATH_MAX];
	struct cust_error err;
	json_t *signers = NULL;
	size_t before = json_array_size(findings);

	if (cust_path_format(sig, sizeof sig, &err, "%s%s", path,
	                     CUST_SIGNATURE_SUFFIX) < 0) {
		finding(findings, "signature", subject, "failed", "%s",
		        err.message);
		return 0;
	}
	if (access(sig, F_OK) != 0) {
		finding(findings, "signature", subject,
		        required || t->require_signatures ? "failed" : "unsigned",
		        "checkpoint is not signed");
		return 0;
	}
	signers = check_signature(path, sig, subject, t, findings);
	(void)check_token(sig, subject, "timestamp", t, signers, findings);
	json_decref(signers);
	return !cust_json_findings_failed(findings, before);
}

/* Read and parse the checkpoint file PATH into CP; -1 when it does not
 * parse (the checks that read it report why). */
static int read_checkpoint(const char *path, struct cust_checkpoint *cp,
                           char **text, size_t *len)
{
	struct cust_error err;

	*text = NULL;
	if (cust_fs_read_file(path, CUST_CHECKPOINT_MAX, text, len, &err) < 0)
		return -1;
	if (cust_checkpoint_parse(*text, *len, cp, &err) < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

/* Give the findings from index FROM on the subject SUBJECT. */
static void resubject(json_t *findings, size_t from, const char *subject)
{
	for (size_t i = from; i < json_array_size(findings); i++)
		json_object_set_new(json_array_get(findings, i), "subject",
		                    json_string(subject));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NAME is NNNNNNNN.checkpoint followed by SUFFIX. */
static int kept_name(const char *name, const char *suffix)
{
	size_t i, n = strlen(name);
	size_t stem = 8 + strlen(CUST_CHECKPOINT_KEPT_SUFFIX);

	if (n != stem + strlen(suffix))
		return 0;
	for (i = 0; i < 8; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return strncmp(name + 8, CUST_CHECKPOINT_KEPT_SUFFIX,
	               strlen(CUST_CHECKPOINT_KEPT_SUFFIX)) == 0 &&
	       strcmp(name + stem, suffix) == 0;
}

/* One kept checkpoint NAME: signed, trusted, and the log consistent with
 * it; *COVERED grows to its event count when all holds. */
static int check_kept_one(const char *case_dir, const char *dir,
                          const char *name, const struct cust_attest_trust *t,
                          json_t *findings, uint64_t *covered,
                          struct cust_error *err)
{
	char path[CUST_PATH_MAX], subject[64], want[64];
	struct cust_checkpoint cp;
	size_t before = json_array_size(findings);
	char *text = NULL;
	size_t len = 0;
	int sealed;

	(void)snprintf(subject, sizeof subject, "%s/%s", CUST_CHECKPOINTS_DIR,
	               name);
	if (cust_path_format(path, sizeof path, err, "%s/%s", dir, name) < 0 ||
	    cust_checkpoint_verify(case_dir, path, 0, findings, err) < 0)
		return -1;
	resubject(findings, before, subject);
	sealed = check_checkpoint_seal(path, subject, t, 1, findings);
	if (read_checkpoint(path, &cp, &text, &len) == 0 &&
	    (cust_checkpoint_kept_name(cp.events, want, sizeof want) < 0 ||
	     strcmp(want, subject) != 0))
		finding(findings, "checkpoint", subject, "failed",
		        "holds a checkpoint of %llu events under another number: "
		        "renamed", (unsigned long long)cp.events);
	if (text && sealed && !cust_json_findings_failed(findings, before) &&
	    cp.events > *covered)
		*covered = cp.events;
	free(text);
	return 0;
}

/* Every checkpoint kept in checkpoints/ (checkpoint.h). */
static int check_kept(const char *case_dir, const struct cust_attest_trust *t,
                      json_t *findings, uint64_t *covered,
                      struct cust_error *err)
{
	char dir[CUST_PATH_MAX], stem[CUST_PATH_MAX];
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	int rc = -1;
	DIR *d;

	if (cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
	                     CUST_CHECKPOINTS_DIR) < 0)
		return -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cust_error_set_errno(err, CUST_E_IO,
		                                                   errno,
		                                                   "cannot read '%s'",
		                                                   dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **p = ncap <= CUST_CHECKPOINT_MAX_EVENTS
				           ? realloc(names, ncap * sizeof *names)
				           : NULL;
			if (!p) {
				cust_error_set(err, CUST_E_IO, "too many files in '%s'",
				               dir);
				goto out;
			}
			names = p;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		char subject[CUST_PATH_MAX];

		(void)snprintf(subject, sizeof subject, "%s/%s",
		               CUST_CHECKPOINTS_DIR, names[i]);
		if (kept_name(names[i], "")) {
			if (check_kept_one(case_dir, dir, names[i], t, findings,
			                   covered, err) < 0)
				goto out;
			continue;
		}
		if (kept_name(names[i], CUST_CHECKPOINT_P7S_SUFFIX) ||
		    kept_name(names[i], CUST_CHECKPOINT_TSR_SUFFIX)) {
			/* checked with its checkpoint, which must be there */
			int cut = 8 + (int)strlen(CUST_CHECKPOINT_KEPT_SUFFIX);
			if (cust_path_format(stem, sizeof stem, NULL, "%s/%.*s", dir,
			                     cut, names[i]) == 0 &&
			    access(stem, F_OK) != 0)
				finding(findings, "checkpoint", subject, "failed",
				        "a signature or timestamp whose checkpoint is "
				        "gone: removed");
			continue;
		}
		finding(findings, "checkpoint", subject, "failed",
		        "not a file custody keeps in %s/", CUST_CHECKPOINTS_DIR);
	}
	rc = 0;
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* The case's own checkpoint: against the log, its signature, and against
 * the signed copy kept of it.  *COVERED grows to its event count when it
 * is signed and holds. */
static int check_current(const char *case_dir, const char *path,
                         const struct cust_attest_trust *t, json_t *findings,
                         uint64_t *covered, struct cust_error *err)
{
	char p7s[CUST_PATH_MAX], name[64], kept[CUST_PATH_MAX];
	struct cust_checkpoint cp;
	size_t before = json_array_size(findings);
	char *text = NULL, *kept_text = NULL;
	size_t len = 0, kept_len = 0;
	int parsed, sealed;

	if (cust_checkpoint_verify(case_dir, path, 1, findings, err) < 0 ||
	    cust_path_format(p7s, sizeof p7s, err, "%s%s", path,
	                     CUST_SIGNATURE_SUFFIX) < 0)
		return -1;
	parsed = read_checkpoint(path, &cp, &text, &len) == 0;
	if (parsed && access(p7s, F_OK) != 0 &&
	    cust_checkpoint_kept_name(cp.events, name, sizeof name) == 0 &&
	    cust_path_format(kept, sizeof kept, err, "%s/%s", case_dir, name) == 0 &&
	    cust_fs_read_file(kept, CUST_CHECKPOINT_MAX, &kept_text, &kept_len,
	                      err) == 0 &&
	    kept_len == len && memcmp(kept_text, text, len) == 0) {
		finding(findings, "signature", CUST_CHECKPOINT_NAME, "failed",
		        "checkpoint is not signed: its signature was removed (%s "
		        "keeps the signed copy)", name);
		sealed = 0;
	} else {
		sealed = check_checkpoint_seal(path, CUST_CHECKPOINT_NAME, t, 0,
		                               findings);
	}
	if (parsed && sealed && !cust_json_findings_failed(findings, before) &&
	    cp.events > *covered)
		*covered = cp.events;
	free(text);
	free(kept_text);
	return 0;
}

int cust_attest_check_log(const char *case_dir, const char *older,
                          const struct cust_attest_trust *t, json_t *findings,
                          uint64_t *covered, struct cust_error *err)
{
	char path[CUST_PATH_MAX];

	*covered = 0;
	if (cust_path_format(path, sizeof path, err, "%s/%s", case_dir,
	                     CUST_CHECKPOINT_NAME) < 0)
		return -1;
	if (access(path, F_OK) != 0)
		finding(findings, "checkpoint", CUST_CHECKPOINT_NAME,
		        t->require_signatures ? "failed" : "warning",
		        "no checkpoint: the end of the log is not sealed");
	else if (check_current(case_dir, path, t, findings, covered, err) < 0)
		return -1;
	if (check_kept(case_dir, t, findings, covered, err) < 0)
		return -1;
	if (older) {
		if (cust_checkpoint_verify(case_dir, older, 0, findings, err) < 0)
			return -1;
		check_checkpoint_seal(older, older, t, 0, findings);
	}
	return 0;
}

#define PROOF_MAX ((size_t)1 << 20)

int cust_attest_check_proof(const char *proof_path,
                            const struct cust_attest_trust *t,
                            json_t *findings, struct cust_error *err)
{
	struct cust_error perr;
	char *text = NULL, *cp_text = NULL, who[2048];
	unsigned char *p7s = NULL;
	size_t len = 0, cp_len = 0, p7s_len = 0;
	json_t *proof, *signers = NULL, *event;
	json_error_t jerr;

	if (cust_fs_read_file(proof_path, PROOF_MAX, &text, &len, err) < 0)
		return -1;
	proof = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!proof) {
		finding(findings, "proof", proof_path, "failed",
		        "not JSON: %s (line %d)", jerr.text, jerr.line);
		return 0;
	}
	if (cust_proof_check(proof, &cp_text, &cp_len, &p7s, &p7s_len,
	                     &perr) < 0) {
		finding(findings, "proof", proof_path, "failed", "%s",
		        perr.message);
		json_decref(proof);
		return 0;
	}
	event = json_loads(cust_json_string(proof, "line"), 0, NULL);
	finding(findings, "proof", proof_path, "ok",
	        "event %lld (%s, %s) is event %lld of the %lld the checkpoint "
	        "of case %s covers",
	        (long long)json_integer_value(json_object_get(proof, "seq")),
	        event ? cust_json_string(event, "action") : "?",
	        event ? cust_json_string(event, "time") : "?",
	        (long long)json_integer_value(json_object_get(proof, "seq")),
	        (long long)json_integer_value(json_object_get(proof,
	                                                      "tree_size")),
	        cust_json_string(proof, "case_id"));
	json_decref(event);
	if (!p7s) {
		finding(findings, "signature", proof_path,
		        t->require_signatures ? "failed" : "unsigned",
		        "the proof's checkpoint is not signed");
	} else if (cust_sign_check_buffer(cp_text, cp_len, p7s, p7s_len,
	                                  "the proof's checkpoint signature",
	                                  t->signers, &signers, &perr) < 0) {
		finding(findings, "signature", proof_path, "failed", "%s",
		        perr.message);
	} else {
		describe_signers(signers, who, sizeof who);
		finding(findings, "signature", proof_path, "ok",
		        "checkpoint signed by %s", who);
	}
	json_decref(signers);
	free(cp_text);
	free(p7s);
	json_decref(proof);
	return 0;
}
