/* mdset.h - the md RAID members a walk finds, and the arrays they make,
 * as images the walk reads (walk.c); not installed.
 *
 * The walk hands every range it finds (a partition, a whole image) to
 * cust_mdset_add; a range holding a valid md superblock (mdraid.h) is
 * kept as a member and not opened as a file system.  Once every range of
 * every disk is known, cust_mdset_next assembles the arrays one at a time,
 * in the order their first member was found (members are matched by the
 * array's UUID and their role, never by order): each array becomes a
 * TSK_IMG_INFO (tsk_img_open_external) reading through cust_md_array_read
 * under one mutex per array, to be walked like any image (an LVM2
 * physical volume or a file system on it).  A member whose superblock
 * fails a check is a problem, and its range is then opened as anything
 * else; an array that cannot be assembled (more roles missing than its
 * level tolerates, members that disagree) is a problem, and its members'
 * ranges are handed back by cust_mdset_unread to be read as space.
 */
#ifndef CUSTODY_MDSET_H
#define CUSTODY_MDSET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tsk/libtsk.h>

#include "custody/error.h"

#define CUST_MDSET_MEMBERS_MAX 256 /* members gathered over every disk */

/* Problem MESSAGE of the range WHERE ("p1"); the walk records it. */
typedef void (*cust_mdset_note_fn)(void *ctx, const char *where,
                                   const char *message);

struct cust_mdset;

struct cust_mdset *cust_mdset_new(cust_mdset_note_fn note, void *ctx,
                                  struct cust_error *err);
/* Free S and every array image it made (NULL is fine). */
void cust_mdset_free(struct cust_mdset *s);

/*
 * Whether the LEN bytes at OFF of IMG hold an md RAID member: 1 when they
 * do and it is kept as the range named WHERE (JP, when not NULL, receives
 * "layer": "md-member" and "md_member": {"uuid", "name", "level", "role",
 * "metadata", "data_offset", "events"}); 0 when not (no superblock, one
 * that fails a check: a problem, or CUST_MDSET_MEMBERS_MAX kept already);
 * -1 only on a failure of the system.  IMG must outlive S.
 */
int cust_mdset_add(struct cust_mdset *s, TSK_IMG_INFO *img, uint64_t off,
                   uint64_t len, const char *where, json_t *jp,
                   struct cust_error *err);

/*
 * The next array: 1 with *IMG (S's: valid until cust_mdset_free), its
 * name "md:NAME" (the array's name, else its UUID) in NAME and *LAYER
 * (the caller's): {"layer": "md", "md": cust_md_array_json}; 0 when no
 * array is left; -1 only on a failure of the system.  An array that
 * cannot be assembled is a problem and is skipped.
 */
int cust_mdset_next(struct cust_mdset *s, TSK_IMG_INFO **img, char *name,
                    size_t namesz, json_t **layer, struct cust_error *err);

/* Whether IMG is an array S made. */
int cust_mdset_owns(const struct cust_mdset *s, const TSK_IMG_INFO *img);

/*
 * Where byte OFF of the array IMG (one S made) lies, at most *LEN bytes
 * from it: 1 with *MIMG, *MOFF (the member's image and the offset in
 * it) and *LEN cut to the bytes that follow on there (cust_md_array_place:
 * the member read first); 0 when no image holds it (a chunk rebuilt
 * from parity, or past the end of a truncated member), *LEN cut to its
 * bytes; -1 when IMG is not S's or OFF lies past it.
 */
int cust_mdset_place(const struct cust_mdset *s, TSK_IMG_INFO *img,
                     uint64_t off, TSK_IMG_INFO **mimg, uint64_t *moff,
                     uint64_t *len);

/*
 * The K-th range of a member that made no array (K from 0): 1 with
 * *IMG, *OFF, *LEN and *WHERE (S's); 0 past the last.  Call after
 * cust_mdset_next returned 0.
 */
int cust_mdset_unread(const struct cust_mdset *s, size_t k,
                      TSK_IMG_INFO **img, uint64_t *off, uint64_t *len,
                      const char **where);

#endif
