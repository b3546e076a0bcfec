/* prompt.c - the passphrase asked on the terminal; see prompt.h. */
#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "custody/passphrase.h"

static const int prompt_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, /* end the program */
	SIGTSTP, SIGTTIN, SIGTTOU         /* stop it */
};
#define NSIGNALS (sizeof prompt_signals / sizeof prompt_signals[0])

/* What the handler needs while a prompt waits: set before the handler is
 * installed, only read by it. */
static int tty_fd = -1;
static struct termios tty_saved, tty_quiet;
static const char *tty_prompt = "";
static const char *tty_prog = "custody";

static void say(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s));
}

/* The terminal as it was, without the half-typed line (it would go to
 * the shell), and on a new line: the newline typed was not echoed. */
static void put_back(void)
{
	(void)tcsetattr(tty_fd, TCSANOW, &tty_saved);
	(void)tcflush(tty_fd, TCIFLUSH);
	say(tty_fd, "\n");
}

/* Only async-signal-safe calls. */
static void on_signal(int sig)
{
	int e = errno;

	put_back();
	if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
		struct sigaction dfl, mine;
		sigset_t set, old;

		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		(void)sigaction(sig, &dfl, &mine);
		sigemptyset(&set);
		sigaddset(&set, sig);
		(void)sigprocmask(SIG_UNBLOCK, &set, &old);
		(void)raise(sig); /* stopped here until SIGCONT */
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		(void)sigaction(sig, &mine, NULL);
		(void)tcsetattr(tty_fd, TCSANOW, &tty_quiet);
		say(tty_fd, tty_prompt);
		errno = e;
		return;
	}
	say(STDERR_FILENO, tty_prog);
	say(STDERR_FILENO, ": interrupted\n");
	_exit(CUST_E_INCOMPLETE);
}

/*
 * Read one line from FD into BUF (CAP bytes: at most CAP - 1 characters,
 * NUL-terminated, without the newline) a byte at a time.  1 when the line
 * fit (the end of the input ends it too), 0 when it did not (the rest of
 * the line is read and dropped), -1 on a read error with errno set.
 */
static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int fits = 1;
	char c = 0;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			cust_wipe(&c, sizeof c);
			buf[n] = '\0';
			*len = n;
			errno = e;
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap) {
			fits = 0;
			continue;
		}
		buf[n++] = c;
	}
	cust_wipe(&c, sizeof c);
	buf[n] = '\0';
	*len = n;
	return fits;
}

int cli_prompt_passphrase(void *ctx, const char *prompt, char *buf,
                          size_t cap, size_t *len, struct cust_error *err)
{
	struct sigaction sa, old[NSIGNALS];
	int installed[NSIGNALS] = { 0 };
	size_t i;
	int fd, rc, e;

	*len = 0;
	if (cap < 1)
		return cust_error_set(err, CUST_E_USAGE, "no room for a passphrase");
	buf[0] = '\0';
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (tcgetattr(fd, &tty_saved) < 0) {
		close(fd);
		return 1;
	}
	tty_fd = fd;
	tty_prompt = prompt ? prompt : "passphrase: ";
	tty_prog = ctx ? (const char *)ctx : "custody";
	tty_quiet = tty_saved;
	tty_quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSIGNALS; i++) {
		if (sigaction(prompt_signals[i], NULL, &old[i]) < 0 ||
		    old[i].sa_handler == SIG_IGN)
			continue;
		installed[i] = sigaction(prompt_signals[i], &sa, NULL) == 0;
	}
	/* EINTR: stopped by SIGTTOU in the background, and on again */
	while ((rc = tcsetattr(fd, TCSAFLUSH, &tty_quiet)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		rc = cust_error_set_errno(err, CUST_E_IO, errno,
		                          "cannot turn the terminal's echo off");
		goto out;
	}
	/* a prompt that cannot be shown is no reason to refuse the answer */
	say(fd, tty_prompt);
	rc = read_line(fd, buf, cap, len);
	e = errno;
	(void)tcsetattr(fd, TCSAFLUSH, &tty_saved);
	say(fd, "\n"); /* the newline typed was not echoed */
	if (rc < 0)
		rc = cust_error_set_errno(err, CUST_E_IO, e,
		                          "cannot read the passphrase from the "
		                          "terminal");
	else if (rc == 0)
		rc = cust_error_set(err, CUST_E_USAGE,
		                    "the passphrase is longer than %zu bytes",
		                    cap - 1);
	else
		rc = 0;
out:
	for (i = 0; i < NSIGNALS; i++)
		if (installed[i])
			(void)sigaction(prompt_signals[i], &old[i], NULL);
	tty_fd = -1;
	close(fd);
	if (rc < 0) {
		cust_wipe(buf, cap);
		*len = 0;
	}
	return rc;
}
