/*
 * prompt.h - the passphrase asked on the terminal.  The library never
 * talks to a terminal: it takes this as the callback of
 * cust_passphrase_get (passphrase.h), which calls it when there is no
 * passphrase file and no CUSTODY_PASSPHRASE.
 */
#ifndef CUSTODY_PROMPT_H
#define CUSTODY_PROMPT_H

#include <stddef.h>

#include "custody/error.h"

/*
 * A cust_passphrase_ask_fn.  Ask on the controlling terminal (/dev/tty,
 * never stdin, stdout or stderr): PROMPT shown, the line typed read with
 * echo off into BUF (CAP bytes, NUL-terminated, *LEN its length), the
 * terminal's settings put back however the prompt ends.  CTX is the
 * program's name (a const char *) for messages.  1 when the process has
 * no terminal; -1 (CUST_E_USAGE) for a line longer than CAP - 1 bytes,
 * read to its end so that none of it reaches the shell after.
 *
 * While it waits, SIGINT (Ctrl-C), SIGTERM, SIGHUP and SIGQUIT put the
 * terminal back (echo on, the half-typed line dropped), print
 * "PROG: interrupted" on stderr and end the program with exit 5: a
 * command asks before it starts work, so there is nothing to leave
 * behind.  SIGTSTP, SIGTTIN and SIGTTOU (Ctrl-Z) put the terminal back and
 * stop the program; when it goes on, echo goes off again and the prompt
 * is shown again.  A signal the program ignores stays ignored; the
 * program's own handlers are back when the prompt returns.
 */
int cli_prompt_passphrase(void *ctx, const char *prompt, char *buf,
                          size_t cap, size_t *len, struct cust_error *err);

#endif
