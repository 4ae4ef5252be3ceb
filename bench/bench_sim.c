/* SPDX-License-Identifier: MIT */
/*
 * bench_sim.c — event-queue throughput of the simulation kernel, as a "hold model": N events are
 * pending; each handler schedules one new event at now + a random delay, so the queue size stays
 * at N. Delays are uniform in [1 ns, max] drawn from the simulation's own PRNG (fixed seed), so
 * every run does the same work. Prints events per host second for each configuration.
 *
 *   bench_sim [events]   (default 20000000 events per configuration)
 */
#define _POSIX_C_SOURCE 199309L

#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct hold {
	uint64_t left;	/* events still to run */
	sim_time_t span; /* delays are 1 ns + [0, span) */
} hold_t;

static void hold_event(sim_t *sim, void *ctx, uint64_t arg)
{
	hold_t *h = ctx;

	if (--h->left == 0) {
		sim_stop(sim);
		return;
	}
	sim_time_t delay = SIM_NS + sim_rng_below(sim_rng(sim), h->span);
	if (sim_schedule_in(sim, delay, hold_event, h, arg) != SIM_OK) {
		h->left = 0;
		sim_stop(sim);
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns events per second, or a negative value on failure. */
static double run_config(size_t pending, sim_time_t max_delay, uint64_t events, double *secs)
{
	sim_t *sim = sim_create(42);
	hold_t h = { .left = events, .span = max_delay - SIM_NS + 1 };

	if (!sim)
		return -1.0;
	for (size_t i = 0; i < pending; i++) {
		sim_time_t delay = SIM_NS + sim_rng_below(sim_rng(sim), h.span);
		if (sim_schedule_in(sim, delay, hold_event, &h, i) != SIM_OK) {
			sim_destroy(sim);
			return -1.0;
		}
	}

	double t0 = now_seconds();
	uint64_t ran = sim_run(sim, SIM_TIME_MAX);
	double t1 = now_seconds();

	sim_destroy(sim);
	if (ran != events)
		return -1.0;
	*secs = t1 - t0;
	return (double)ran / *secs;
}

int main(int argc, char **argv)
{
	uint64_t events = 20000000;
	static const struct {
		size_t pending;
		sim_time_t max_delay;
	} configs[] = {
		{ 16, 2 * SIM_US },
		{ 1000, 2 * SIM_US },
		{ 100000, 2 * SIM_US },
		{ 1000, 10 * SIM_US },
		{ 1000, 100 * SIM_US }, /* most delays beyond the wheel's 16.8 us: the heap path */
	};

	if (argc > 1) {
		char *end;
		events = strtoull(argv[1], &end, 0);
		if (*end != '\0' || events == 0) {
			fprintf(stderr, "usage: %s [events]\n", argv[0]);
			return 2;
		}
	}

	printf("%10s %12s %14s %10s %10s\n", "pending", "max delay", "events", "seconds",
	       "M ev/s");
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		double secs = 0.0;
		double rate = run_config(configs[i].pending, configs[i].max_delay, events, &secs);
		if (rate < 0.0) {
			fprintf(stderr, "bench_sim: configuration %zu failed\n", i);
			return 1;
		}
		printf("%10zu %9" PRIu64 " ns %14" PRIu64 " %10.3f %10.1f\n", configs[i].pending,
		       configs[i].max_delay / SIM_NS, events, secs, rate / 1e6);
	}
	return 0;
}
