/*
 * A fatal signal inside the application (SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
 * SIGILL): print a backtrace with libunwind, make sure the checkpoint being
 * written is never completed, then let the signal take its normal course
 * (the previous handler, or the default action).
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "shim.h"

#include <libunwind.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
#define NFATAL (sizeof(fatal) / sizeof(fatal[0]))
static struct sigaction previous[NFATAL];

/* write(2) of a string: stdio is not safe in a signal handler */
static void say(const char *s)
{
	ssize_t n = write(2, s, strlen(s));
	(void)n;
}

static void say_num(unsigned long v, unsigned base)
{
	char buf[32];
	size_t i = sizeof(buf);
	buf[--i] = '\0';
	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && i > 0);
	say(buf + i);
}

static void backtrace_to_stderr(int sig, int rank)
{
	say("scr: rank ");
	say_num((unsigned long)rank, 10);
	say(": fatal signal ");
	say_num((unsigned long)sig, 10);
	say(" (");
	say(sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	say("): the checkpoint being written will not be used; backtrace:\n");
	unw_context_t ctx;
	unw_cursor_t cur;
	if (unw_getcontext(&ctx) != 0 || unw_init_local(&cur, &ctx) != 0)
		return;
	for (int depth = 0; depth < 64 && unw_step(&cur) > 0; depth++) {
		unw_word_t ip = 0, off = 0;
		char name[256];
		unw_get_reg(&cur, UNW_REG_IP, &ip);
		say("  #");
		say_num((unsigned long)depth, 10);
		say(" 0x");
		say_num((unsigned long)ip, 16);
		if (unw_get_proc_name(&cur, name, sizeof(name), &off) == 0) {
			say(" ");
			say(name);
			say("+0x");
			say_num((unsigned long)off, 16);
		}
		say("\n");
	}
}

static void on_fatal(int sig, siginfo_t *info, void *uctx)
{
	shim_inside = 1;   /* nothing more of scr's from this thread */
	shim_crashed();
	backtrace_to_stderr(sig, shim_rank());
	for (size_t i = 0; i < NFATAL; i++) {
		if (fatal[i] != sig)
			continue;
		struct sigaction *old = &previous[i];
		if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
			old->sa_sigaction(sig, info, uctx);
			return;
		}
		if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
			old->sa_handler(sig);
			return;
		}
	}
	/* SA_RESETHAND restored the default: a fault re-executes and takes it,
	 * a sent or raised signal is raised again */
	if (!info || info->si_code <= 0 || sig == SIGABRT)
		raise(sig);
}

void shim_signals_install(void)
{
	for (size_t i = 0; i < NFATAL; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_fatal;
		sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		sigaction(fatal[i], &sa, &previous[i]);
	}
}
