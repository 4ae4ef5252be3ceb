/* SPDX-License-Identifier: MIT */
/* forkpool.c — independent jobs in child processes (see forkpool.h). */
#include "forkpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slot {
	pid_t pid;
	int fd;
	bool started, finished, ok;
	int signal;
} slot_t;

static bool start(forkpool_t *fp, size_t i, slot_t *sl)
{
	int fds[2];
	if (pipe(fds))
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		char *rec = calloc(1, fp->rec_size);
		if (!rec)
			_exit(3);
		fp->child(i, rec, fp->ctx);
		const char *p = rec;
		size_t left = fp->rec_size;
		while (left) {
			ssize_t w = write(fds[1], p, left);
			if (w <= 0)
				_exit(3);
			p += w;
			left -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	sl->pid = pid;
	sl->fd = fds[0];
	return true;
}

/* Reads a finished child's record (a child that died without one crashed). */
static void finish(forkpool_t *fp, size_t i, slot_t *sl, int status)
{
	char *p = (char *)fp->recs + i * fp->rec_size;
	size_t got = 0;
	while (got < fp->rec_size) {
		ssize_t n = read(sl->fd, p + got, fp->rec_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(sl->fd);
	sl->ok = got == fp->rec_size;
	sl->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	sl->finished = true;
}

bool forkpool_run(forkpool_t *fp)
{
	slot_t *sl = calloc(fp->n + 1, sizeof *sl);
	if (!sl)
		return false;
	unsigned jobs = fp->jobs ? fp->jobs : 1;
	size_t next = 0, handed = 0, running = 0;
	while (handed < fp->n) {
		while (next < fp->n && running < jobs) {
			sl[next].started = start(fp, next, &sl[next]);
			if (sl[next].started)
				running++;
			else
				sl[next].finished = true; /* could not start: no record */
			next++;
		}
		if (running) {
			int status;
			pid_t pid = wait(&status);
			for (size_t i = 0; pid > 0 && i < next; i++)
				if (sl[i].started && !sl[i].finished && sl[i].pid == pid) {
					finish(fp, i, &sl[i], status);
					running--;
				}
		}
		/* In index order: job i is handed over once every earlier one was. */
		while (handed < next && sl[handed].finished) {
			fp->done(handed, (char *)fp->recs + handed * fp->rec_size, sl[handed].ok,
				 sl[handed].signal, fp->ctx);
			handed++;
		}
	}
	free(sl);
	return true;
}
