/*
 * passphrase.h - where the passphrase of an examiner's key comes from, and
 * how a copy of it is wiped.
 *
 * The library never talks to a terminal: asking someone is the program's
 * job, handed in as a callback (custody's commands ask on the terminal,
 * echo off; tools/prompt.h).  The library reads the passphrase from a file
 * or the environment, calls the callback otherwise, checks whatever it got
 * and compares the two answers of a confirmation.
 */
#ifndef CUSTODY_PASSPHRASE_H
#define CUSTODY_PASSPHRASE_H

#include <stddef.h>

#include "custody/error.h"

#define CUST_PASSPHRASE_MAX 1024 /* bytes; a buffer of MAX + 1 holds any */
#define CUST_PASSPHRASE_MIN 8    /* bytes, for a new key */

/*
 * Ask someone for a passphrase, showing PROMPT: the answer into BUF (CAP
 * bytes), NUL-terminated, *LEN its length.  0 when answered (an empty
 * answer too: the library refuses it), 1 when there is no one to ask (no
 * terminal), -1 on a failure with ERR set (an answer longer than CAP - 1
 * bytes is one).  CTX is the caller's, passed through.
 */
typedef int (*cust_passphrase_ask_fn)(void *ctx, const char *prompt,
                                      char *buf, size_t cap, size_t *len,
                                      struct cust_error *err);

/*
 * The passphrase, from the first of: the file PASS_FILE when not NULL
 * (its first line without the newline, as `openssl -passin file:` reads
 * it; a pipe is fine), the environment variable CUSTODY_PASSPHRASE, and
 * ASK (with ASK_CTX, showing PROMPT; with CONFIRM asked a second time,
 * "the same passphrase again: ", and two different answers are
 * CUST_E_USAGE "the passphrases do not match").  BUF (CAP bytes) receives
 * it, NUL-terminated, *LEN its length.  An empty passphrase, one holding a
 * NUL byte, or one longer than CUST_PASSPHRASE_MAX or CAP - 1 bytes is
 * refused.  No source at all (no file, no variable, ASK NULL or with no
 * one to ask) is CUST_E_USAGE "no passphrase: give --passphrase-file, set
 * CUSTODY_PASSPHRASE, or run on a terminal".  Every temporary copy is
 * wiped, and BUF on failure; callers wipe BUF with cust_wipe.
 */
int cust_passphrase_get(const char *pass_file, cust_passphrase_ask_fn ask,
                        void *ask_ctx, const char *prompt, int confirm,
                        char *buf, size_t cap, size_t *len,
                        struct cust_error *err);

/* Overwrite LEN bytes at P in a way the compiler keeps. */
void cust_wipe(void *p, size_t len);

#endif
