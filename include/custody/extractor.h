/*
 * extractor.h - bot configuration and target-list extractors.
 *
 * An extractor understands one family of files found on a seized
 * controller: a ZeuS builder's config.txt, its webinjects, its encrypted
 * config.bin, a panel's PHP configuration, an SQL dump of the panel's
 * database...  It is a pure function: the bytes of one file and what the
 * run knows so far (keys, botnet names) go in; records, and what was
 * learned (a key found in this file), come out.  It opens no file, keeps
 * no state between calls, writes nothing and never prints, so extractors
 * run on any thread, in any order, and can move as they are into a worker
 * that holds no key.  The caller (the extraction) adds where each record
 * was found, feeds what was learned to later files, and tries a file again
 * when the knowledge it lacked has grown.
 *
 * Each extractor has two steps:
 *   identify  cheap, on the first CUST_X_HEAD bytes, the file's name and
 *             its libmagic type, or a YARA rule that names the extractor in
 *             its "extractor" meta: 1 when the file is the extractor's;
 *   parse     the content read through a pread callback, bounded: whole
 *             content at most CUST_X_WHOLE_MAX bytes in memory (a larger
 *             file is read as a stream or only in part, and the record
 *             says so), every count and length read from the file capped.
 *
 * A record is one JSON object (evidence-schema/botconfig.schema.json):
 *   {"family", "extractor", "kind": "config"|"webinjects"|"panel-config"|
 *    "database"|"spam-template"|"target-list"|"string-table"|...,
 *    "status": "decoded"|"needs-key"|"wrong-key"|"damaged"|"partial",
 *    "version", "botnet", "campaign",
 *    "c2": [{"url"} | {"host", "port", "protocol"}, "usage"],
 *    "credentials": [{"service", "host", "port", "username", "password",
 *                     "database"}],
 *    "keys": [{"algorithm", "usage", "value", "encoding"}],
 *    "intervals": [{"name", "seconds"}], "paths": [...], "mutexes": [...],
 *    "other": {KEY: VALUE...},
 *    "targets": {"webinjects": [{"pattern", "flags", "host", "injects"}],
 *                "web_filters": [{"pattern", "action": "log"|"exclude"|
 *                                 "screenshot"}],
 *                "web_data_filters": [{"pattern", "fields"}],
 *                "web_fakes": [{"pattern", "fake", "flags"}],
 *                "recipients": [...], "senders": [...], "subjects": [...],
 *                "smtp_relays": [{"host", "port", "protocol", "username",
 *                                 "password"}],
 *                "proxies": [{"host", "port", "protocol", "username",
 *                             "password"}],
 *                "ddos": [{"target", "command", "time", "duration"}],
 *                "exclusions": [...],
 *                "victims": [{"bot_id", "botnet", "ip", "country", "os",
 *                             "first_seen", "last_seen"}],
 *                "urls": [...], "domains": [...],
 *                "default_credentials": [{"username", "password",
 *                                         "weight"}]},
 *    "counts": {LIST: N, "lines": N, "unparsed": N},
 *    "controller": {"panel": "zeus"|"generic", "operators": [...],
 *                   "tables": [{"name", "columns": [...], "rows",
 *                               "role": "victims"|"operators"|"attacks"|
 *                                       "reports"|"other"}]},
 *    "key_used": {"algorithm", "value", "encoding"}, "problems": [...]}
 * where "other" holds what is the family's own (zeus-binstorage: "items",
 * every item of the storage as {"id", "name", "flags", "size",
 * "real_size", "strings"}; "injects", the number of HTTP injects and
 * fakes; "keys_tried" of a wrong key) and "key_used" is the key, one of
 * what the run knows, that opened an encrypted file.  A record has only
 * the fields an extractor found.  A list read as a stream (a recipient
 * list of gigabytes) keeps its first CUST_X_LIST_MAX entries in "targets"
 * and its totals in "counts": every entry of each list, the lines read
 * and the lines that were no entry.  The builders below make the fields,
 * so every family writes the same shapes.  The caller adds "provenance"
 * and, from "key_used", "derived_from".  A credential's "service" is the
 * software it opens: "mysql", "postgresql", "mssql", "smtp", "ftp", or
 * "panel" for a panel's own login (its "password" as the panel stores it,
 * often a hash).  A key's "algorithm" is "rc4", "xor", "aes", ...,
 * "unknown" when only its name says it is a crypt key, or "rc4-state" for
 * the 256 bytes of an RC4 state after the key schedule (ZeuS's panel keeps
 * one).  Victims are each bot once; "ip" is a dotted quad (or IPv6)
 * however the database stored it; a time held as a Unix time is RFC 3339
 * UTC, any other as written; "duration" is seconds when it is a number.
 */
#ifndef CUSTODY_EXTRACTOR_H
#define CUSTODY_EXTRACTOR_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

/* The head every identify step sees, and the most content an extractor
 * holds in memory at once.  Identify runs on every file of a disk: a
 * marker that its format puts near the start is looked for in the first
 * CUST_X_SNIFF bytes only, with memmem or memchr, never byte by byte. */
#define CUST_X_HEAD (64u * 1024)
#define CUST_X_SNIFF (16u * 1024)
#define CUST_X_WHOLE_MAX (16u * 1024 * 1024)
/* Most records one file yields, and most entries of one list. */
#define CUST_X_RECORDS_MAX 1024u
#define CUST_X_LIST_MAX 100000u
/* Longest string kept in a record (longer ones are cut and flagged). */
#define CUST_X_STRING_MAX 4096u

/*
 * Read up to LEN bytes of the content at offset OFF into BUF: the number
 * read (0 only at the end), or -1 on failure.
 */
typedef long (*cust_x_pread_fn)(void *ctx, void *buf, size_t len,
                                uint64_t off);

/* What an extractor is told about one file. */
struct cust_x_input {
	const unsigned char *head; /* the first HEAD_LEN bytes */
	size_t head_len;           /* min(size, CUST_X_HEAD) */
	uint64_t size;             /* the content's size */
	const char *name;          /* the last part of its path, or NULL */
	const char *mime;          /* libmagic's MIME type, or NULL */
	const char *rule;          /* a YARA rule's "extractor" meta naming
	                              this extractor, or NULL */
	cust_x_pread_fn pread;     /* the content, for parse */
	void *pctx;
};

/*
 * What the run knows, as a JSON array of items, and what one file teaches:
 *   {"kind": "key", "algorithm": "rc4"|"xor"|"aes"|..., "usage": "...",
 *    "value": "...", "encoding": "text"|"hex"}
 *   {"kind": "botnet", "value": "..."}
 * The caller adds to each learned item where it was found ("source").
 */
struct cust_x_output {
	json_t *records; /* array, appended to */
	json_t *learned; /* array, appended to */
	/* 1 when the file is the extractor's but could not be decoded with
	 * what is known (a config.bin without its key): tried again when the
	 * knowledge grows */
	int needs_knowledge;
};

struct cust_extractor {
	const char *name;    /* "zeus-config": what YARA meta and --extractors
	                        name */
	const char *family;  /* "zeus" */
	const char *summary; /* one line for --list-extractors */
	int (*identify)(const struct cust_x_input *in);
	/* 0 with what was found in OUT (a file that turns out not to be the
	 * extractor's yields no record), -1 with ERR when the content could
	 * not be read; damaged content is a record with status "damaged" */
	int (*parse)(const struct cust_x_input *in, const json_t *known,
	             struct cust_x_output *out, struct cust_error *err);
};

/* Every extractor, in a fixed order, ending with NULL. */
const struct cust_extractor *const *cust_extractors(void);

/* The extractor named NAME, or NULL. */
const struct cust_extractor *cust_extractor_find(const char *name);

/* --- helpers for extractors --- */

/*
 * Read the whole content of IN (at most MAX bytes) into a new buffer,
 * NUL-terminated; *LEN receives its length and *CUT 1 when the content was
 * longer than MAX (then the first MAX bytes are read).  -1 with ERR when a
 * read fails.
 */
int cust_x_slurp(const struct cust_x_input *in, size_t max,
                 unsigned char **data, size_t *len, int *cut,
                 struct cust_error *err);

/*
 * Lines of the content of IN, read through its pread callback in blocks of
 * CUST_X_BLOCK bytes, so a file of any size is read as a stream in bounded
 * memory.  A line longer than CUST_X_LINE_MAX bytes is given cut to that
 * length with CUT set, and the rest of it is skipped.  The line excludes
 * its "\n" (and a "\r" before it).
 */
#define CUST_X_LINE_MAX (64u * 1024)
#define CUST_X_BLOCK (256u * 1024)

struct cust_x_lines {
	const struct cust_x_input *in;
	unsigned char *buf; /* CUST_X_BLOCK + CUST_X_LINE_MAX bytes */
	size_t start, end;  /* unread bytes buf[start..end) */
	uint64_t off;       /* offset of the content after buf[end - 1] */
	uint64_t line_off;  /* offset of the line last given */
	unsigned long lineno;
	int eof;
	int cut;       /* the line last given was cut at CUST_X_LINE_MAX */
	int skip_rest; /* the rest of that line is still to be skipped */
};

int cust_x_lines_init(struct cust_x_lines *l, const struct cust_x_input *in,
                      struct cust_error *err);
/* The next line in *LINE and *LEN: 1, 0 at the end, -1 when a read fails
 * (ERR set).  The line stays valid until the next call. */
int cust_x_lines_next(struct cust_x_lines *l, const char **line, size_t *len,
                      struct cust_error *err);
void cust_x_lines_release(struct cust_x_lines *l);

/* 1 when NAME (may be NULL) ends with SUFFIX, ignoring case. */
int cust_x_name_is(const char *name, const char *suffix);

/* A new record of FAMILY by EXTRACTOR, of KIND, status "decoded". */
json_t *cust_x_record(const char *family, const char *extractor,
                      const char *kind);

/* Set the string field KEY of REC to S[0..LEN) (valid UTF-8 kept, the rest
 * escaped as \xHH, cut at CUST_X_STRING_MAX with a problem noted). */
void cust_x_set(json_t *rec, const char *key, const char *s, size_t len);

/* A JSON string of S[0..LEN), made as cust_x_set does. */
json_t *cust_x_string(const char *s, size_t len);

/* Append V (stolen) to the array REC[KEY] (REC[GROUP][KEY] with GROUP),
 * made on first use; nothing past CUST_X_LIST_MAX entries, a problem noted
 * once instead. */
void cust_x_push(json_t *rec, const char *group, const char *key, json_t *v);

/* Append a C&C endpoint: URL (may be NULL) or HOST/PORT/PROTOCOL, with its
 * USAGE (c2, config, loader, report, panel, proxy, smtp, download). */
void cust_x_c2_url(json_t *rec, const char *url, size_t len,
                   const char *usage);
void cust_x_c2_host(json_t *rec, const char *host, size_t len, long port,
                    const char *protocol, const char *usage);

/* Append a key: ALGORITHM, USAGE, VALUE[0..LEN), as text or hex. */
void cust_x_key(json_t *rec, const char *algorithm, const char *usage,
                const void *value, size_t len, int as_hex);

/* Note a problem on REC ("unterminated entry at line 12"). */
void cust_x_problem(json_t *rec, const char *fmt, ...) CUST_PRINTF(2, 3);

/* The last step of a parse: REC (stolen) gets status "partial" when it
 * noted problems and a "decoded" status, and goes to OUT->records. */
void cust_x_emit(struct cust_x_output *out, json_t *rec);

/* Append to OUT->learned a key ALGORITHM/USAGE = VALUE[0..LEN). */
void cust_x_learn_key(struct cust_x_output *out, const char *algorithm,
                      const char *usage, const void *value, size_t len,
                      int as_hex);

/*
 * Tokens of C source, or of any file written in C's syntax (a bot's
 * config.h, a table.c): comments are skipped, string and character
 * literals are given between their quotes, undecoded; preprocessor lines
 * are tokens like any other.  A literal runs to the end of its line at
 * most (C's own rule, a backslash-newline excepted): one left open there
 * is given with OPEN set, as is a comment that never ends (then the
 * content has no more tokens).  Nothing is allocated: tokens point into
 * the content, which must outlive them.
 */
enum cust_x_ctok_kind {
	CUST_X_CT_END = 0,
	CUST_X_CT_IDENT,  /* a name: letters, digits, '_' */
	CUST_X_CT_NUMBER, /* 0x1F, 6667, 10u, 1.5e3 */
	CUST_X_CT_STRING, /* "..." (S is what stands between the quotes) */
	CUST_X_CT_CHAR,   /* '...' */
	CUST_X_CT_PUNCT   /* any other byte, one at a time */
};

struct cust_x_ctok {
	enum cust_x_ctok_kind kind;
	const char *s;
	size_t len;
	unsigned long line; /* from 1 */
	int open;           /* a literal or comment not closed */
};

struct cust_x_clex {
	const char *p, *end;
	unsigned long line;
};

void cust_x_clex_init(struct cust_x_clex *lx, const char *s, size_t len);
/* The next token in *T: 1, or 0 at the end (T->kind CUST_X_CT_END). */
int cust_x_clex_next(struct cust_x_clex *lx, struct cust_x_ctok *t);

/*
 * Decode the body S[0..LEN) of a C string literal into OUT (LEN bytes at
 * least: what it decodes to is never longer): \xH and \xHH, octal \N to
 * \NNN, \uXXXX and \UXXXXXXXX (as UTF-8), \n \t \r \a \b \f \v \e
 * \\ \' \" \?, and backslash-newline (nothing).  What C refuses is
 * counted in *BAD, decoded as a reader would take it, and named in WHY
 * (the first one, when WHY is not NULL): \x without hex digits (nothing),
 * \x with more than two (the first two, the rest as text), an octal
 * escape over 0377 (its low byte), an unknown escape (the byte after the
 * backslash), a lone backslash at the end (dropped).  The number of bytes
 * written.
 */
size_t cust_x_c_unescape(const char *s, size_t len, unsigned char *out,
                         unsigned *bad, const char **why);

/* The C integer constant S[0..LEN) (decimal, 0x hex, 0 octal, with u/l
 * suffixes) in *V: 0, or -1 when it is not one or exceeds 64 bits. */
int cust_x_c_number(const char *s, size_t len, uint64_t *v);

/* 1 when S[0..LEN) is a host name (two labels at least of letters, digits
 * and inner hyphens, 63 bytes each and 253 in all, the last label holding
 * a letter) or a dotted-quad IPv4 address; no lookup of any list. */
int cust_x_hostname(const char *s, size_t len);

#endif
