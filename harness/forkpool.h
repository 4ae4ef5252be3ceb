/* SPDX-License-Identifier: MIT */
/*
 * forkpool.h — runs n independent jobs, `jobs` at a time, each in a child process (a crash or a
 * leak in one cannot touch another), and hands their fixed-size result records back in index
 * order. Used by `iofab test` (a scenario per job) and `iofab sweep` (a variant per job).
 */
#ifndef IOFAB_FORKPOOL_H
#define IOFAB_FORKPOOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct forkpool {
	size_t n;          /* jobs */
	unsigned jobs;     /* at a time (0: 1) */
	size_t rec_size;   /* bytes of one result record */
	void *recs;        /* n records, filled as jobs end */
	void *ctx;
	/* In the child: fills rec for job i. */
	void (*child)(size_t i, void *rec, void *ctx);
	/* In the parent, in index order (job i once jobs 0..i-1 were handed over): ok is false
	 * when the child died without a record (crashed: `signal` non-zero) or could not start. */
	void (*done)(size_t i, const void *rec, bool ok, int signal, void *ctx);
} forkpool_t;

/* Runs them all; false when out of memory. */
bool forkpool_run(forkpool_t *fp);

#endif /* IOFAB_FORKPOOL_H */
