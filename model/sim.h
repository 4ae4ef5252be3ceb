/* SPDX-License-Identifier: MIT */
/*
 * sim.h — iofab's discrete-event simulation kernel.
 *
 * Time is an unsigned 64-bit count of picoseconds (2^64 ps ≈ 213 days of simulated time).
 * It maps 1:1 onto SystemC's sc_time with a 1 ps resolution, so a TLM wrapper never rounds.
 *
 * All state hangs off a sim_t: there are no globals, and any number of simulations may live in
 * one process (each used from one thread at a time).
 *
 * Ordering: events run in increasing time; events scheduled for the same time run in the order
 * they were scheduled (FIFO), whoever scheduled them. This is what makes runs deterministic.
 *
 * Clock domains: a clock is named and has an integer frequency in Hz. Edge k of a clock falls at
 * floor(k * 10^12 / hz) ps, computed exactly (no accumulated rounding), so a 600 MHz clock's
 * edges are 0, 1666, 3333, 5000, ... ps.
 *
 * Randomness: every simulation has a seeded PRNG (xoshiro256**); components that need their own
 * stream fork one by name, so adding draws in one block never changes another block's numbers.
 */
#ifndef IOFAB_SIM_H
#define IOFAB_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t sim_time_t; /* picoseconds */

#define SIM_PS ((sim_time_t)1)
#define SIM_NS ((sim_time_t)1000)
#define SIM_US ((sim_time_t)1000000)
#define SIM_MS ((sim_time_t)1000000000)
#define SIM_TIME_MAX UINT64_MAX

typedef struct sim sim_t;

/* An event handler. `ctx` and `arg` are whatever the scheduler passed. */
typedef void (*sim_event_fn)(sim_t *sim, void *ctx, uint64_t arg);

typedef enum sim_status {
	SIM_OK = 0,
	SIM_ERR_NOMEM = -1,   /* allocation failed */
	SIM_ERR_PAST = -2,    /* event time earlier than sim_now() */
	SIM_ERR_CLOCK = -3,   /* unknown clock id, frequency 0 or above 10^12 Hz, name empty or
			       * longer than 31 bytes, or clock table full */
	SIM_ERR_DUPLICATE = -4 /* a clock of that name exists already */
} sim_status_t;

/* --- lifetime ------------------------------------------------------------------------- */

/* Creates a simulation at time 0 with the given PRNG seed. NULL if out of memory. */
sim_t *sim_create(uint64_t seed);
void sim_destroy(sim_t *sim);

/* --- time and events ------------------------------------------------------------------ */

sim_time_t sim_now(const sim_t *sim);

/* Schedules fn(sim, ctx, arg) at absolute time `when` (>= sim_now()). */
sim_status_t sim_schedule_at(sim_t *sim, sim_time_t when, sim_event_fn fn, void *ctx,
			     uint64_t arg);
/* Schedules fn at sim_now() + delay; SIM_ERR_PAST if that would pass SIM_TIME_MAX. A NULL fn
 * schedules an event that does nothing (it still counts and still moves time). */
sim_status_t sim_schedule_in(sim_t *sim, sim_time_t delay, sim_event_fn fn, void *ctx,
			     uint64_t arg);

/* Runs events whose time is <= `until`, in order, until none is left, the limit is passed, or
 * a handler calls sim_stop(). Time then stands at the last event run (it never jumps to
 * `until` by itself). Returns the number of events run by this call. */
uint64_t sim_run(sim_t *sim, sim_time_t until);

/* Runs exactly one event if there is one; returns false if the queue was empty. */
bool sim_step(sim_t *sim);

/* Makes the current sim_run() return after the running handler. */
void sim_stop(sim_t *sim);

/* Number of events scheduled and not yet run. */
size_t sim_pending(const sim_t *sim);

/* Total number of events run since creation. */
uint64_t sim_events_run(const sim_t *sim);

/* --- clock domains -------------------------------------------------------------------- */

typedef int sim_clock_t; /* an index, >= 0 when valid */

#define SIM_MAX_CLOCKS 32

/* Adds a clock domain; returns its id (>= 0) or a negative sim_status_t. */
int sim_clock_add(sim_t *sim, const char *name, uint64_t hz);
/* Looks a clock up by name; returns its id or SIM_ERR_CLOCK. */
int sim_clock_find(const sim_t *sim, const char *name);
const char *sim_clock_name(const sim_t *sim, sim_clock_t clk);
uint64_t sim_clock_hz(const sim_t *sim, sim_clock_t clk);

/* Time of edge `cycle` of the clock: floor(cycle * 10^12 / hz). */
sim_time_t sim_cycle_time(const sim_t *sim, sim_clock_t clk, uint64_t cycle);
/* Number of the last edge at or before t: the largest k with sim_cycle_time(k) <= t, i.e.
 * floor(((t + 1) * hz - 1) / 10^12). Round-trips with sim_cycle_time(). An invalid clock gives
 * 0 here and SIM_TIME_MAX from the functions returning times. */
uint64_t sim_time_cycle(const sim_t *sim, sim_clock_t clk, sim_time_t t);
/* Time of the first edge at or after t. */
sim_time_t sim_next_edge(const sim_t *sim, sim_clock_t clk, sim_time_t t);
/* Time from t until n edges after the first edge at or after t: with k0 that first edge's
 * number, sim_cycle_time(k0 + n) - t. n = 0 is the wait for the next edge (0 on an edge);
 * each further n adds one cycle. Used by blocks that "take n cycles" from now. */
sim_time_t sim_cycles_from(const sim_t *sim, sim_clock_t clk, sim_time_t t, uint64_t n);

/* --- randomness ----------------------------------------------------------------------- */

typedef struct sim_rng {
	uint64_t s[4];
} sim_rng_t;

void sim_rng_seed(sim_rng_t *rng, uint64_t seed);
uint64_t sim_rng_next(sim_rng_t *rng);
/* Uniform in [0, n) without modulo bias; 0 when n is 0. */
uint64_t sim_rng_below(sim_rng_t *rng, uint64_t n);

/* The simulation's own stream. */
sim_rng_t *sim_rng(sim_t *sim);
uint64_t sim_seed(const sim_t *sim);
/* A stream derived from the simulation seed and `name` alone (FNV-1a of the name mixed into the
 * seed): the same name gives the same stream in every run with that seed. */
void sim_rng_fork(const sim_t *sim, const char *name, sim_rng_t *out);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_SIM_H */
