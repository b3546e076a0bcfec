/*
 * place.h - places too long for a record, shortened the same way every
 * time.
 *
 * A place says where something was found: an entry's path from the root
 * of its file system, an archive member's chain
 * ("/var/www/backup.tar.gz!panel.zip!install/config.php"), a target's
 * first place ("p1:/var/www/panel.php (slack)").  Places come from the
 * evidence, escaped (cust_walk_escape: one line of UTF-8, anything else
 * \xHH), and a suspect can make one as long as they like: a tar member
 * named by 10,000 bytes, folders nested past 4096 bytes.  Records hold
 * places of a bounded size; a longer place is shortened, never refused
 * (one name must not stop the extraction of a disk) and never cut blindly
 * (two long places with the same beginning must stay apart).
 *
 * Shortened: the place's head and tail are kept, made of whole characters
 * and whole \xHH escapes, around the marker
 *
 *     [...shortened from N bytes; sha256 HEX...]
 *
 * where N is the length in bytes of the whole place (escaped) and HEX the
 * SHA-256 of those bytes in lower-case hex.  Two places that differ
 * anywhere give different texts, and one place gives the same text in
 * every run.  The record holding a shortened place says so
 * (path_truncated in the inventory).  Nothing is ever opened or written
 * by a place: it is for people.
 */
#ifndef CUSTODY_PLACE_H
#define CUSTODY_PLACE_H

#include <stddef.h>

/* The smallest OUTSZ that leaves room for the marker and some of the
 * place; below it a long place is only cut (at a character boundary). */
#define CUST_PLACE_MIN 256

/*
 * The escaped place made of the NPARTS strings PARTS, one after the other
 * (a partition, ":", a path, a chain, ...), into OUT (OUTSZ bytes,
 * NUL-terminated): whole when it fits, else shortened as above.  Returns
 * 1 when it was shortened (or cut), 0 when it is whole.
 */
int cust_place_join(char *out, size_t outsz, const char *const *parts,
                    size_t nparts);

/* cust_place_join of the one escaped place PLACE. */
int cust_place_shorten(const char *place, char *out, size_t outsz);

/*
 * Escape the LEN bytes of RAW (a name as stored in the evidence, any
 * bytes) as cust_walk_escape does, into OUT (OUTSZ bytes): whole when the
 * escaped text fits, else shortened as above (N and HEX then of the whole
 * escaped text, which is never held in memory).  Returns 1 when
 * shortened (or cut), 0 when whole.
 */
int cust_place_escape(const void *raw, size_t len, char *out, size_t outsz);

#endif
