/* SPDX-License-Identifier: MIT */
/*
 * sweep.h — `iofab sweep`: one scenario run for every combination of settings (the cross
 * product of each --set KEY=V1,V2,...), several at a time, with each stream's statistics in
 * a CSV table and one metric plotted against the first key in an SVG chart.
 */
#ifndef IOFAB_SWEEP_H
#define IOFAB_SWEEP_H

#include <stdbool.h>
#include <stdio.h>

#define SWEEP_MAX_KEYS 4
#define SWEEP_MAX_VALUES 64

typedef struct sweep_opts {
	const char *scenario;
	struct sweep_key {
		const char *key;          /* a path into the scenario (platform.PATH: its platform) */
		const char *values[SWEEP_MAX_VALUES];
		unsigned n;
	} keys[SWEEP_MAX_KEYS];
	unsigned nkeys;
	unsigned jobs;
	const char *csv;     /* NULL: standard output */
	const char *svg;     /* NULL: no chart */
	const char *metric;  /* min p50 p90 p99 p99.9 max mean requests_per_s (default p50) */
	bool progress;       /* show progress on standard error (a terminal) */
} sweep_opts_t;

/* Parses "KEY=V1,V2,..." into the next key; NULL, or what is wrong. */
const char *sweep_add_key(sweep_opts_t *o, char *arg);
/* Whether the metric is one of the names above. */
bool sweep_metric_known(const char *m);

/* Runs the sweep. Returns 0 when every variant ran (whatever their expectations), 2 when the
 * scenario or a setting is bad (the first variant's messages on stderr; nothing written). */
int sweep_run(const sweep_opts_t *o);

#endif /* IOFAB_SWEEP_H */
