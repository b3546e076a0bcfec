/*
 * carve.h - email addresses, domains, URLs, IP addresses, card numbers,
 * Bitcoin addresses, Tor onion addresses, phone numbers, MAC addresses and
 * host:port pairs in any byte stream (file contents, archive members, slack
 * and unallocated space).
 *
 * A carver scans one stream fed in pieces of any size.  It anchors on the
 * bytes '.', '@', ':', '+' and '-', and on 16-byte blocks holding seven
 * digits or more (card numbers) or a run of 13 letters and digits at one of
 * their ends (Bitcoin addresses), all found 16 bytes at a time, and expands
 * left and right from each anchor with a byte-class table; no regular
 * expression runs.
 * A feature that spans two feeds is found exactly once, with its offset in
 * the stream.  Memory is fixed: a window of the last CUST_CARVE_TAIL bytes
 * plus one 64 KiB chunk, whatever the stream's length.
 *
 * What each kind accepts (bytes of ASCII / UTF-8 text):
 *
 *   DOMAIN  a run of letters, digits, '.' and '-' of at most 260 bytes
 *           (a longer run holds no host name and yields nothing), split at
 *           "..", leading and trailing '.' and '-' dropped; labels of
 *           1..63 letters, digits and inner hyphens, 253 bytes at most, two
 *           labels at least.  The last label must be a top-level domain of
 *           the ICANN section of the public suffix list (libpsl's built-in
 *           list, no '*' default rule), and the name must not itself be an
 *           ICANN public suffix ("co.uk"), so file.txt, config.php,
 *           a.b.invalid and version.1 are dropped.  The private section is
 *           ignored on purpose: "duckdns.org" or "x.blogspot.com" are
 *           registrable under ICANN rules and are exactly the names C&C
 *           servers hide behind, so they are reported.  A run followed by
 *           '@' is a local part, not a domain.  File names whose extension
 *           is a real TLD (readme.md, libc.so, data.zip) are reported: the
 *           list cannot tell them from host names.  A name of two labels
 *           whose first has at most three bytes ("t.co", "0ba.sk") must
 *           stand between delimiters (white space, NUL, quotes, brackets,
 *           '@', '/', ',', ';', ':', '=' and the like; a full stop after
 *           it): random bytes make such names by the thousand per GiB, text
 *           and strings tables set real ones apart.  Lower-cased, no
 *           trailing dot.
 *   EMAIL   local@domain: the local part is at most 64 bytes of atext
 *           without ' ` = / ? { } | (which delimit carved addresses far more
 *           often than they belong to one: 'a@b', key=a@b, mailto=...),
 *           dots inside; it is cut after the last ".." and begins at the
 *           first letter, digit or '_'; it may not end with '.'; a run of
 *           more than 64 such bytes before '@' yields nothing.  The domain
 *           is checked as for DOMAIN, at most 255 bytes; the whole address
 *           at most 254.  No quoted local parts.  The domain is
 *           lower-cased, the local part kept as it is.
 *   URL     http, https or ftp (any case, not preceded by a letter), "://",
 *           optional userinfo "...@", a host (a DOMAIN as above, a strict
 *           IPv4 address, or an IPv6 literal in brackets), an optional port
 *           (1..65535), then path, query and fragment bytes of RFC 3986
 *           (letters, digits, -._~:/?#[]@!$&()*+,;=% but not quotes).  The
 *           URL stops at any other byte (white space, quotes, <>, control
 *           and non-ASCII bytes) and loses trailing . , ; : ! ? ' " and an
 *           unbalanced ) or ].  At most CUST_CARVE_URL_MAX bytes: a longer
 *           run is not reported as a URL (its host still is, as DOMAIN).
 *           Scheme and host lower-cased, a trailing dot of the host dropped.
 *   IPV4    a dotted quad, each part 0..255 in decimal without a leading
 *           zero ("01.2.3.4" is not taken: it reads as octal in many
 *           parsers), not preceded or followed by a digit or a dot and a
 *           digit (1.2.3.4.5 and 10.0.19041.1 yield nothing), nor directly
 *           by a letter or '_' (v1.2.3.4 is a version).  Every valid
 *           address is kept, 0.0.0.0 included; cust_carve_ip_class says
 *           what kind of address it is.
 *   IPV6    a run of hex digits, ':' and '.' of at most 47 bytes, not
 *           touching a letter, digit or '_', trailing dots and a single
 *           trailing or leading ':' dropped, with two colons at least and
 *           one hex digit at least ("::" alone is not reported), valid for
 *           inet_pton (:: compression and IPv4 tails included), and not
 *           written with "::" in space IANA never allocated (the
 *           "reserved" of cust_carve_ip_class: "1::", "5b::" are what
 *           random bytes make).  Written in inet_ntop's canonical form.
 *
 *   CCN     a payment card number: 13..19 digits written together, or in
 *           groups separated by single spaces or by single dashes (one
 *           kind of separator in a number), as cards print them: groups of
 *           four with a last group of 1..4 digits (4-4-4-1 to 4-4-4-4),
 *           4-4-4-4 and a group of 1..3 (17..19 digits), or 4-6-5 and 4-6-4
 *           (Amex, Diners).  A run of digits and separators of more than
 *           CCN_RUN_MAX (96) bytes yields nothing; in a shorter run the
 *           longest number that passes is taken, from its first group on.
 *           The number must not touch a letter, a digit or '_' (a group of a
 *           longer run is set apart by its separator), must pass the Luhn
 *           check and must lie in an issuer's range with one of its
 *           lengths: Visa 4 (13, 16, 19), Mastercard 51-55 and 2221-2720
 *           (16), Amex 34, 37 (15), Discover 6011, 644-649, 65 (16-19), JCB
 *           3528-3589 (16-19), Diners 300-305, 36, 38 (14-19), UnionPay 62
 *           (16-19), Maestro 5018, 5020, 5038, 5893, 6304, 6759, 6761-6763
 *           (13-19); no other prefix is taken (50, 56-58 and 6 alone are
 *           Maestro too, but shared with numbers of every other sort).
 *           Written as digits only.
 *   BITCOIN a run of letters and digits, not touching a letter, digit or
 *           '_', that is a mainnet address: Base58Check of 26..35
 *           characters starting with '1' or '3' that decodes to 25 bytes,
 *           version 0x00 ('1', P2PKH) or 0x05 ('3', P2SH), whose last four
 *           bytes are the first four of the double SHA-256 of the other
 *           21; or a SegWit address of 26..90 characters, human-readable
 *           part "bc" (all lower or all upper case), witness version 0
 *           with a 20- or 32-byte program and the Bech32 checksum
 *           (BIP-173), or version 1..16 with a 2..40-byte program and the
 *           Bech32m checksum (BIP-350).  Shorter SegWit addresses (future
 *           versions with programs under 12 bytes) are valid but not
 *           looked for: no address in use is shorter than 26 characters.
 *           Base58 addresses kept as they are, SegWit ones lower-cased.
 *   ONION   a Tor v3 onion address: 56 base32 letters (a-z, 2-7, any
 *           case) then ".onion", within a run of host bytes as for DOMAIN,
 *           not preceded by a letter or digit (a subdomain before it, with
 *           its dot, is allowed and dropped: the value names the service).
 *           The 35 decoded bytes are a public key, a two-byte checksum and
 *           the version 3; the checksum must be the first two bytes of
 *           SHA3-256(".onion checksum" || key || version).  Lower-cased.
 *   PHONE   an international number: '+' (not preceded by a letter, digit,
 *           '_' or '+') then a digit and 8..15 digits in all, in groups
 *           separated by one space, dash or dot, a group optionally in
 *           parentheses ("+1 (202) 555-0123"); "(0)" right after the
 *           country code is a trunk prefix of national dialling
 *           ("+44 (0)20 ...") and is dropped.  Groups are taken while the
 *           number stays within 15 digits; the last group must not touch a
 *           letter, a digit or '_'.  The country code (1 to 3 digits; the
 *           codes are prefix-free) must be one ITU-T E.164 assigns to a
 *           country, a territory or a global service, and in service (Annex
 *           to the ITU Operational Bulletin; 388, 991, 997 and 999 are
 *           not).  National forms (without '+') are not looked for: too
 *           ambiguous.  Written as '+' and the digits.
 *   MAC     six pairs of hex digits separated by ':' or by '-' (one kind
 *           in an address), or Cisco's three groups of four separated by
 *           '.', not touching a letter, a digit, '_' or the separator;
 *           00:00:00:00:00:00 and ff:ff:ff:ff:ff:ff are dropped.  Written
 *           lower-case with ':'.
 *   HOSTPORT a host, ':' and a port: the host is a DOMAIN as above (after
 *           the same trimming, its trailing dot dropped) or a strict IPV4
 *           address, ending at the ':'; the port is 1..65535 in decimal
 *           without a leading zero, not followed by a letter, digit, '_' or
 *           a dot and a digit.  Not reported when the host is the
 *           authority of a URL that URL reports (after "http://",
 *           "https://" or "ftp://", with or without userinfo: the URL is
 *           the hit), nor when the host follows a ':' (an IPv6 address, a
 *           list like "a:b.com:80"), '_' or a '.' after a digit, so that
 *           "12:30" and IPv6 addresses are never taken.  Other schemes
 *           ("socks5://1.2.3.4:1080") are reported.  Host lower-cased, then
 *           ':' and the port.
 *
 * Kinds are independent: a domain is reported wherever its name occurs,
 * standing alone or inside an email address or a URL, once per occurrence
 * (as bulk_extractor does); an IPv4 address inside a URL or an IPv4-mapped
 * IPv6 address is reported as IPV4 too.  So `http://evil.com/` gives one
 * URL hit and one DOMAIN hit, never two DOMAIN hits; "evil.com:8080" gives
 * a HOSTPORT and a DOMAIN hit, "1.2.3.4:80" a HOSTPORT and an IPV4 hit, an
 * onion address an ONION and a DOMAIN hit (".onion" is on the ICANN list),
 * and a MAC address is never an IPV6 one.
 */
#ifndef CUSTODY_CARVE_H
#define CUSTODY_CARVE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/error.h"

/* What a carver looks for; a bit set of these. */
enum cust_carve_kind {
	CUST_CARVE_EMAIL = 1u << 0,
	CUST_CARVE_DOMAIN = 1u << 1,
	CUST_CARVE_URL = 1u << 2,
	CUST_CARVE_IPV4 = 1u << 3,
	CUST_CARVE_IPV6 = 1u << 4,
	CUST_CARVE_CCN = 1u << 5,
	CUST_CARVE_BITCOIN = 1u << 6,
	CUST_CARVE_ONION = 1u << 7,
	CUST_CARVE_PHONE = 1u << 8,
	CUST_CARVE_MAC = 1u << 9,
	CUST_CARVE_HOSTPORT = 1u << 10
};
#define CUST_CARVE_ALL 0x7ffu

/* Longest URL reported; the longest value of any kind. */
#define CUST_CARVE_URL_MAX 2048
/* Longest normalised value of any kind, without its NUL. */
#define CUST_CARVE_VALUE_MAX CUST_CARVE_URL_MAX
/* Bytes of context each side of a hit (bulk_extractor's default). */
#define CUST_CARVE_CONTEXT 16
/* Bytes of a stream a carver keeps between two feeds (left context plus
 * the lookahead of the longest feature). */
#define CUST_CARVE_TAIL (384 + CUST_CARVE_URL_MAX + 64)

/* One feature found. */
struct cust_carve_hit {
	enum cust_carve_kind kind;
	const char *value;  /* normalised, NUL-terminated; borrowed until the
	                       callback returns */
	size_t value_len;
	uint64_t offset;    /* stream offset of the first raw byte */
	size_t length;      /* raw bytes the value was made from */
	/* the raw bytes around the hit, for feature files: up to
	 * CUST_CARVE_CONTEXT bytes before it, its LENGTH bytes, up to
	 * CUST_CARVE_CONTEXT bytes after it (fewer at the ends of the
	 * stream); borrowed until the callback returns, NULL when not known */
	const unsigned char *context;
	size_t context_len;
	size_t context_at;  /* where the hit's first raw byte is in CONTEXT */
	/* a hit in a decoded stream (decode.h): the forensic path that
	 * follows OFFSET, e.g. "-GZIP-678" (OFFSET is then where the
	 * outermost decoded stream begins); NULL for a hit in the stream
	 * carved, whose offset is OFFSET */
	const char *path;
};

/*
 * Called for each hit, in the order of the stream (hits of different
 * kinds at nearby offsets may come in any order).  Return 0 to go on;
 * anything else stops the feed, which then fails: set ERR to say why (a
 * generic message is recorded when ERR is left clear).
 */
typedef int (*cust_carve_hit_fn)(void *ctx, const struct cust_carve_hit *hit,
                                 struct cust_error *err);

struct cust_carver;

/* A carver looking for KINDS (CUST_CARVE_*; 0 is a usage error).  Free it
 * with cust_carver_free. */
struct cust_carver *cust_carver_new(unsigned kinds, struct cust_error *err);

/* Release C; NULL is accepted. */
void cust_carver_free(struct cust_carver *c);

/*
 * Scan the next LEN bytes of the current stream.  Hits whose bytes are
 * all known are reported through FN before this returns or in a later
 * feed (a hit near the end of DATA waits for what follows).  After a
 * failure (FN stopped it) the carver only accepts reset or free.
 */
int cust_carver_feed(struct cust_carver *c, const void *data, size_t len,
                     cust_carve_hit_fn fn, void *ctx, struct cust_error *err);

/* The stream ends: report the hits still held back, then start a new
 * stream at offset 0 (as cust_carver_reset). */
int cust_carver_end(struct cust_carver *c, cust_carve_hit_fn fn, void *ctx,
                    struct cust_error *err);

/* Drop what is held back (without reporting it) and start a new stream at
 * offset 0; also clears a failure. */
void cust_carver_reset(struct cust_carver *c);

/* Bytes fed in the current stream. */
uint64_t cust_carver_offset(const struct cust_carver *c);

/* "email", "domain", "url", "ipv4", "ipv6", "ccn", "bitcoin", "onion",
 * "phone", "mac", "hostport"; NULL for anything else. */
const char *cust_carve_kind_name(enum cust_carve_kind kind);

/*
 * The class of the address VALUE (a normalised IPV4 or IPV6 value):
 * "public", "private" (RFC 1918, 100.64/10, fc00::/7), "loopback",
 * "link-local", "multicast", "documentation", "reserved" (everything else
 * not routable, 0.0.0.0/8 and 240/4 included).  An IPv4-mapped IPv6
 * address has the class of its IPv4 address.  NULL when VALUE is not an
 * address of KIND.
 */
const char *cust_carve_ip_class(enum cust_carve_kind kind, const char *value);

#endif
