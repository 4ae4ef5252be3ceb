// SPDX-License-Identifier: MIT
// test_sim.cpp — the simulation kernel: event order (time, then FIFO on ties, wherever the queue
// kept each event), sim_run limits and sim_stop, independence of simulations, exact clock
// conversions and PRNG determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sim.h"

namespace {

struct SimDeleter {
	void operator()(sim_t *s) const { sim_destroy(s); }
};
using SimPtr = std::unique_ptr<sim_t, SimDeleter>;

SimPtr make_sim(uint64_t seed = 1)
{
	SimPtr s(sim_create(seed));
	EXPECT_NE(s, nullptr);
	return s;
}

// One executed event: when it ran and the tag it was scheduled with.
struct Ran {
	sim_time_t time;
	uint64_t tag;
	bool operator==(const Ran &o) const { return time == o.time && tag == o.tag; }
};

// Records (now, arg) into the std::vector<Ran> passed as ctx.
void record(sim_t *sim, void *ctx, uint64_t arg)
{
	static_cast<std::vector<Ran> *>(ctx)->push_back({sim_now(sim), arg});
}

std::vector<uint64_t> tags(const std::vector<Ran> &log)
{
	std::vector<uint64_t> out;
	for (const Ran &r : log)
		out.push_back(r.tag);
	return out;
}

std::vector<uint64_t> iota_tags(uint64_t from, uint64_t count)
{
	std::vector<uint64_t> out;
	for (uint64_t i = 0; i < count; i++)
		out.push_back(from + i);
	return out;
}

// --- event order -------------------------------------------------------------------------

TEST(SimEvents, RunInTimeOrder)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	const sim_time_t times[] = {500 * SIM_NS, 3, 7 * SIM_MS, 0, 42 * SIM_US, 1, 20 * SIM_US,
				    999};
	for (sim_time_t t : times)
		ASSERT_EQ(sim_schedule_at(sim.get(), t, record, &log, t), SIM_OK);

	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 8u);
	ASSERT_EQ(log.size(), 8u);
	for (size_t i = 0; i < log.size(); i++) {
		EXPECT_EQ(log[i].time, log[i].tag); // each ran at its own time
		if (i > 0) {
			EXPECT_LT(log[i - 1].time, log[i].time);
		}
	}
	EXPECT_EQ(sim_now(sim.get()), 7 * SIM_MS);
	EXPECT_EQ(sim_pending(sim.get()), 0u);
}

TEST(SimEvents, EqualTimesRunInSchedulingOrder)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	for (uint64_t i = 0; i < 5000; i++)
		ASSERT_EQ(sim_schedule_at(sim.get(), 100 * SIM_NS, record, &log, i), SIM_OK);
	sim_run(sim.get(), SIM_TIME_MAX);
	EXPECT_EQ(tags(log), iota_tags(0, 5000));
}

TEST(SimEvents, EqualTimesInterleavedWithOtherTimesKeepFifo)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	// Tags: time index * 1000 + order of scheduling within that time.
	const sim_time_t times[] = {3 * SIM_NS, 1 * SIM_NS, 300, 2 * SIM_NS, 301};
	uint64_t count[5] = {};
	for (int round = 0; round < 50; round++)
		for (int k = 0; k < 5; k++)
			ASSERT_EQ(sim_schedule_at(sim.get(), times[k], record, &log,
						  static_cast<uint64_t>(k) * 1000 + count[k]++),
				  SIM_OK);
	sim_run(sim.get(), SIM_TIME_MAX);
	ASSERT_EQ(log.size(), 250u);
	const int order[] = {2, 4, 1, 3, 0}; // times ascending
	size_t i = 0;
	for (int k : order)
		for (uint64_t j = 0; j < 50; j++, i++)
			EXPECT_EQ(log[i].tag, static_cast<uint64_t>(k) * 1000 + j) << "at " << i;
}

// Far-future events wait outside the wheel; events for the same time scheduled once time has
// come closer go straight into it. They must still run in scheduling order.
TEST(SimEvents, FifoAcrossFarAndNearPlacement)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	const sim_time_t T = 5 * SIM_MS;
	ASSERT_EQ(sim_schedule_at(sim.get(), T, record, &log, 0), SIM_OK);
	ASSERT_EQ(sim_schedule_at(sim.get(), T + 1, record, &log, 1), SIM_OK);
	ASSERT_EQ(sim_schedule_at(sim.get(), T, record, &log, 2), SIM_OK);
	// Advance to just before T.
	ASSERT_EQ(sim_schedule_at(sim.get(), T - 100 * SIM_NS, nullptr, nullptr, 0), SIM_OK);
	EXPECT_EQ(sim_run(sim.get(), T - 1), 1u);
	EXPECT_EQ(sim_now(sim.get()), T - 100 * SIM_NS);
	ASSERT_EQ(sim_schedule_at(sim.get(), T + 1, record, &log, 3), SIM_OK);
	ASSERT_EQ(sim_schedule_at(sim.get(), T, record, &log, 4), SIM_OK);
	ASSERT_EQ(sim_schedule_in(sim.get(), 100 * SIM_NS, record, &log, 5), SIM_OK);
	sim_run(sim.get(), SIM_TIME_MAX);
	EXPECT_EQ(tags(log), (std::vector<uint64_t>{0, 2, 4, 5, 1, 3}));
}

// The same, but without advancing first: a near event scheduled while the far ones wait,
// then the far time reached directly from an empty wheel, plus handlers adding to it.
struct ChainCtx {
	std::vector<Ran> *log;
	uint64_t next_tag;
};

void record_and_add_same_time(sim_t *sim, void *ctx, uint64_t arg)
{
	auto *c = static_cast<ChainCtx *>(ctx);
	c->log->push_back({sim_now(sim), arg});
	if (arg == 0) {
		EXPECT_EQ(sim_schedule_in(sim, 0, record, c->log, c->next_tag), SIM_OK);
	}
}

TEST(SimEvents, FifoWhenFarTimeIsReachedFromAnEmptyWheel)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	ChainCtx chain{&log, 100};
	const sim_time_t T = 3 * SIM_MS + 123;
	for (uint64_t i = 0; i < 20; i++)
		ASSERT_EQ(sim_schedule_at(sim.get(), T, record_and_add_same_time, &chain, i),
			  SIM_OK);
	// Run to a limit short of T: nothing runs and time does not move...
	EXPECT_EQ(sim_run(sim.get(), T - 1), 0u);
	EXPECT_EQ(sim_now(sim.get()), 0u);
	// ...so an event far earlier than T can still be scheduled, and runs first.
	ASSERT_EQ(sim_schedule_at(sim.get(), 10 * SIM_NS, record, &log, 50), SIM_OK);
	sim_run(sim.get(), SIM_TIME_MAX);
	std::vector<uint64_t> want{50};
	for (uint64_t i = 0; i < 20; i++)
		want.push_back(i);
	want.push_back(100); // scheduled by tag 0's handler at T: after everything queued at T
	EXPECT_EQ(tags(log), want);
}

TEST(SimEvents, SchedulingInThePastFails)
{
	SimPtr sim = make_sim();
	ASSERT_EQ(sim_schedule_at(sim.get(), 100, nullptr, nullptr, 0), SIM_OK);
	sim_run(sim.get(), SIM_TIME_MAX);
	ASSERT_EQ(sim_now(sim.get()), 100u);
	EXPECT_EQ(sim_schedule_at(sim.get(), 99, nullptr, nullptr, 0), SIM_ERR_PAST);
	EXPECT_EQ(sim_schedule_at(sim.get(), 0, nullptr, nullptr, 0), SIM_ERR_PAST);
	EXPECT_EQ(sim_pending(sim.get()), 0u);
	EXPECT_EQ(sim_schedule_at(sim.get(), 100, nullptr, nullptr, 0), SIM_OK); // now is fine
	// A delay that would wrap past SIM_TIME_MAX is refused too.
	EXPECT_EQ(sim_schedule_in(sim.get(), SIM_TIME_MAX, nullptr, nullptr, 0), SIM_ERR_PAST);
	EXPECT_EQ(sim_schedule_in(sim.get(), SIM_TIME_MAX - 100, nullptr, nullptr, 0), SIM_OK);
	EXPECT_EQ(sim_pending(sim.get()), 2u);
}

TEST(SimEvents, EventAtTheEndOfTime)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	ASSERT_EQ(sim_schedule_at(sim.get(), SIM_TIME_MAX, record, &log, 1), SIM_OK);
	ASSERT_EQ(sim_schedule_at(sim.get(), SIM_TIME_MAX - 1, record, &log, 0), SIM_OK);
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 2u);
	EXPECT_EQ(tags(log), (std::vector<uint64_t>{0, 1}));
	EXPECT_EQ(sim_now(sim.get()), SIM_TIME_MAX);
}

// --- sim_run, sim_step, sim_stop -----------------------------------------------------------

TEST(SimRun, StopsAtTheLimitAndLeavesLaterEventsPending)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	for (uint64_t t : {10u, 20u, 30u, 40u})
		ASSERT_EQ(sim_schedule_at(sim.get(), t * SIM_NS, record, &log, t), SIM_OK);

	EXPECT_EQ(sim_run(sim.get(), 20 * SIM_NS), 2u); // the limit is inclusive
	EXPECT_EQ(sim_now(sim.get()), 20 * SIM_NS);
	EXPECT_EQ(sim_pending(sim.get()), 2u);

	EXPECT_EQ(sim_run(sim.get(), 25 * SIM_NS), 0u); // time does not jump to the limit
	EXPECT_EQ(sim_now(sim.get()), 20 * SIM_NS);

	// Something between now and the next pending event runs in its place.
	ASSERT_EQ(sim_schedule_at(sim.get(), 21 * SIM_NS, record, &log, 21), SIM_OK);
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 3u);
	EXPECT_EQ(tags(log), (std::vector<uint64_t>{10, 20, 21, 30, 40}));
	EXPECT_EQ(sim_events_run(sim.get()), 5u);
}

TEST(SimRun, EmptyQueueRunsNothing)
{
	SimPtr sim = make_sim();
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 0u);
	EXPECT_FALSE(sim_step(sim.get()));
	EXPECT_EQ(sim_now(sim.get()), 0u);
}

void stop_on_tag_2(sim_t *sim, void *ctx, uint64_t arg)
{
	record(sim, ctx, arg);
	if (arg == 2)
		sim_stop(sim);
}

TEST(SimRun, StopReturnsAfterTheRunningHandler)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	for (uint64_t i = 0; i < 5; i++)
		ASSERT_EQ(sim_schedule_at(sim.get(), 7, stop_on_tag_2, &log, i), SIM_OK);
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 3u);
	EXPECT_EQ(tags(log), (std::vector<uint64_t>{0, 1, 2}));
	EXPECT_EQ(sim_pending(sim.get()), 2u);
	// A later sim_run carries on where it stopped.
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 2u);
	EXPECT_EQ(tags(log), iota_tags(0, 5));
}

TEST(SimRun, StopOutsideARunDoesNotCarryOver)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	for (uint64_t i = 0; i < 3; i++)
		ASSERT_EQ(sim_schedule_at(sim.get(), i, record, &log, i), SIM_OK);
	sim_stop(sim.get());
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 3u);
}

TEST(SimRun, StepRunsExactlyOneEvent)
{
	SimPtr sim = make_sim();
	std::vector<Ran> log;
	ASSERT_EQ(sim_schedule_at(sim.get(), 9 * SIM_MS, record, &log, 2), SIM_OK);
	ASSERT_EQ(sim_schedule_at(sim.get(), 5, record, &log, 1), SIM_OK);
	EXPECT_TRUE(sim_step(sim.get()));
	EXPECT_EQ(tags(log), (std::vector<uint64_t>{1}));
	EXPECT_EQ(sim_now(sim.get()), 5u);
	EXPECT_TRUE(sim_step(sim.get())); // far away: reached in one step
	EXPECT_EQ(sim_now(sim.get()), 9 * SIM_MS);
	EXPECT_FALSE(sim_step(sim.get()));
	EXPECT_EQ(sim_events_run(sim.get()), 2u);
}

struct SameTimeCtx {
	std::vector<Ran> log;
	int spawned = 0;
};

void spawn_at_now(sim_t *sim, void *ctx, uint64_t arg)
{
	auto *c = static_cast<SameTimeCtx *>(ctx);
	c->log.push_back({sim_now(sim), arg});
	if (arg == 0) {
		// Two at the current time, one a little later.
		EXPECT_EQ(sim_schedule_in(sim, 0, spawn_at_now, c, 10), SIM_OK);
		EXPECT_EQ(sim_schedule_at(sim, sim_now(sim), spawn_at_now, c, 11), SIM_OK);
		EXPECT_EQ(sim_schedule_in(sim, 1, spawn_at_now, c, 12), SIM_OK);
	}
}

TEST(SimRun, HandlersSchedulingAtTheCurrentTimeRunInTheSameCall)
{
	SimPtr sim = make_sim();
	SameTimeCtx c;
	for (uint64_t i = 0; i < 3; i++)
		ASSERT_EQ(sim_schedule_at(sim.get(), 100, spawn_at_now, &c, i), SIM_OK);
	EXPECT_EQ(sim_run(sim.get(), 100), 5u); // 0, 1, 2 then 10, 11; 12 is past the limit
	EXPECT_EQ(tags(c.log), (std::vector<uint64_t>{0, 1, 2, 10, 11}));
	EXPECT_EQ(sim_pending(sim.get()), 1u);
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 1u);
	EXPECT_EQ(c.log.back(), (Ran{101, 12}));
}

TEST(SimRun, NullHandlerIsAnEventThatOnlyMovesTime)
{
	SimPtr sim = make_sim();
	ASSERT_EQ(sim_schedule_in(sim.get(), 77, nullptr, nullptr, 0), SIM_OK);
	EXPECT_EQ(sim_run(sim.get(), SIM_TIME_MAX), 1u);
	EXPECT_EQ(sim_now(sim.get()), 77u);
}

TEST(SimRun, DestroyWithPendingEvents)
{
	SimPtr sim = make_sim();
	for (uint64_t i = 0; i < 10000; i++)
		ASSERT_EQ(sim_schedule_at(sim.get(), i * 997 * SIM_NS, nullptr, nullptr, 0),
			  SIM_OK);
	EXPECT_EQ(sim_pending(sim.get()), 10000u);
	// sim_destroy through the deleter; the sanitizer build checks nothing leaks.
}

// --- independence of simulations ------------------------------------------------------------

// A small self-sustaining model: each event draws a delay from the simulation's PRNG and
// schedules its successor; the trace records when each ran.
struct Workload {
	std::vector<Ran> trace;
	uint64_t left = 0;
};

void workload_event(sim_t *sim, void *ctx, uint64_t arg)
{
	auto *w = static_cast<Workload *>(ctx);
	w->trace.push_back({sim_now(sim), arg});
	if (w->left == 0)
		return;
	w->left--;
	sim_rng_t *r = sim_rng(sim);
	sim_time_t delay = sim_rng_below(r, 4) == 0 ? sim_rng_below(r, 50 * SIM_US)
						    : sim_rng_below(r, 3) * SIM_NS;
	EXPECT_EQ(sim_schedule_in(sim, delay, workload_event, w, sim_rng_next(r) & 0xffff), SIM_OK);
}

void workload_start(sim_t *sim, Workload *w, uint64_t events)
{
	w->left = events;
	for (uint64_t i = 0; i < 8; i++)
		EXPECT_EQ(sim_schedule_at(sim, i * 3, workload_event, w, i), SIM_OK);
}

TEST(SimInstances, InterleavedSimulationsMatchSeparateRuns)
{
	const uint64_t kEvents = 20000;
	Workload alone_a, alone_b;
	{
		SimPtr a = make_sim(11);
		workload_start(a.get(), &alone_a, kEvents);
		sim_run(a.get(), SIM_TIME_MAX);
	}
	{
		SimPtr b = make_sim(22);
		workload_start(b.get(), &alone_b, kEvents);
		sim_run(b.get(), SIM_TIME_MAX);
	}
	ASSERT_NE(alone_a.trace, alone_b.trace);

	Workload both_a, both_b;
	SimPtr a = make_sim(11);
	SimPtr b = make_sim(22);
	workload_start(a.get(), &both_a, kEvents);
	workload_start(b.get(), &both_b, kEvents);
	for (sim_time_t until = 0; sim_pending(a.get()) || sim_pending(b.get());
	     until += 7 * SIM_US) {
		sim_run(a.get(), until);
		sim_step(b.get());
		sim_run(b.get(), until / 2);
	}
	EXPECT_EQ(both_a.trace, alone_a.trace);
	EXPECT_EQ(both_b.trace, alone_b.trace);
}

// --- randomized stress ------------------------------------------------------------------------

struct Stress {
	std::mt19937_64 gen{12345};
	uint64_t next_seq = 0; // our own count of successful schedules: the reference FIFO order
	uint64_t budget = 0;   // events still to create from handlers
	std::vector<std::pair<sim_time_t, uint64_t>> scheduled; // (time, seq) of every event
	std::vector<std::pair<sim_time_t, uint64_t>> ran;

	sim_time_t delay()
	{
		switch (gen() % 8) {
		case 0:
			return 0;
		case 1:
			return gen() % 300; // within one wheel bucket or two
		case 2:
			return (gen() % 8) * SIM_NS; // many ties
		case 3:
			return gen() % (20 * SIM_US);
		case 4:
			return (gen() % 4) * SIM_MS; // far, with ties
		default:
			return gen() % (10 * SIM_MS);
		}
	}
};

void stress_schedule(sim_t *sim, Stress *s, sim_time_t when);

void stress_event(sim_t *sim, void *ctx, uint64_t arg)
{
	auto *s = static_cast<Stress *>(ctx);
	s->ran.push_back({sim_now(sim), arg});
	for (uint64_t k = s->gen() % 4; k > 0 && s->budget > 0; k--) {
		s->budget--;
		stress_schedule(sim, s, sim_now(sim) + s->delay());
	}
}

void stress_schedule(sim_t *sim, Stress *s, sim_time_t when)
{
	uint64_t seq = s->next_seq++;
	ASSERT_EQ(sim_schedule_at(sim, when, stress_event, s, seq), SIM_OK);
	s->scheduled.push_back({when, seq});
}

TEST(SimStress, RandomDelaysRunInTimeThenFifoOrder)
{
	SimPtr sim = make_sim();
	Stress s;
	s.budget = 150000;
	for (int i = 0; i < 50000; i++)
		stress_schedule(sim.get(), &s, s.delay());
	// Run in slices, scheduling from outside between them, so runs that end at a limit
	// (with the next event far away) are mixed in.
	while (sim_pending(sim.get())) {
		sim_time_t until = sim_now(sim.get()) + s.delay();
		sim_run(sim.get(), until);
		if (s.budget > 0 && s.gen() % 2) {
			s.budget--;
			stress_schedule(sim.get(), &s, sim_now(sim.get()) + s.delay());
		}
	}
	ASSERT_EQ(s.budget, 0u);
	ASSERT_EQ(s.ran.size(), 200000u);
	EXPECT_EQ(sim_events_run(sim.get()), 200000u);

	std::vector<std::pair<sim_time_t, uint64_t>> want = s.scheduled;
	std::sort(want.begin(), want.end());
	size_t bad = 0;
	for (size_t i = 0; i < want.size(); i++)
		if (s.ran[i] != want[i] && bad++ < 5)
			ADD_FAILURE() << "event " << i << ": ran (" << s.ran[i].first << ", "
				      << s.ran[i].second << "), expected (" << want[i].first << ", "
				      << want[i].second << ")";
	EXPECT_EQ(bad, 0u);
	for (size_t i = 1; i < s.ran.size(); i++)
		ASSERT_LE(s.ran[i - 1].first, s.ran[i].first);
}

// --- clock domains ----------------------------------------------------------------------------

TEST(SimClock, AddFindAndNames)
{
	SimPtr sim = make_sim();
	int core = sim_clock_add(sim.get(), "core", 400000000);
	int link = sim_clock_add(sim.get(), "link", 600000000);
	ASSERT_GE(core, 0);
	ASSERT_GE(link, 0);
	EXPECT_NE(core, link);
	EXPECT_EQ(sim_clock_find(sim.get(), "core"), core);
	EXPECT_EQ(sim_clock_find(sim.get(), "link"), link);
	EXPECT_EQ(sim_clock_find(sim.get(), "nope"), SIM_ERR_CLOCK);
	EXPECT_STREQ(sim_clock_name(sim.get(), link), "link");
	EXPECT_EQ(sim_clock_hz(sim.get(), core), 400000000u);
	EXPECT_EQ(sim_clock_name(sim.get(), 7), nullptr);
	EXPECT_EQ(sim_clock_hz(sim.get(), -1), 0u);
}

TEST(SimClock, NameIsCopied)
{
	SimPtr sim = make_sim();
	std::string name = "pcie_core";
	int id = sim_clock_add(sim.get(), name.c_str(), 250000000);
	ASSERT_GE(id, 0);
	name = "overwritten";
	EXPECT_STREQ(sim_clock_name(sim.get(), id), "pcie_core");
}

TEST(SimClock, RejectsBadClocks)
{
	SimPtr sim = make_sim();
	ASSERT_GE(sim_clock_add(sim.get(), "core", 1000000000), 0);
	EXPECT_EQ(sim_clock_add(sim.get(), "core", 5), SIM_ERR_DUPLICATE);
	EXPECT_EQ(sim_clock_add(sim.get(), "zero", 0), SIM_ERR_CLOCK);
	EXPECT_EQ(sim_clock_add(sim.get(), nullptr, 1), SIM_ERR_CLOCK);
	EXPECT_EQ(sim_clock_add(sim.get(), "", 1), SIM_ERR_CLOCK);
	EXPECT_EQ(sim_clock_add(sim.get(), "thz", 1000000000001ull), SIM_ERR_CLOCK);
	EXPECT_GE(sim_clock_add(sim.get(), "one_thz", 1000000000000ull), 0);
	EXPECT_GE(sim_clock_add(sim.get(), std::string(31, 'n').c_str(), 1), 0);
	EXPECT_EQ(sim_clock_add(sim.get(), std::string(32, 'm').c_str(), 1), SIM_ERR_CLOCK);
}

TEST(SimClock, TableFull)
{
	SimPtr sim = make_sim();
	for (int i = 0; i < SIM_MAX_CLOCKS; i++)
		ASSERT_EQ(sim_clock_add(sim.get(), ("clk" + std::to_string(i)).c_str(), 1000), i);
	EXPECT_EQ(sim_clock_add(sim.get(), "one_more", 1000), SIM_ERR_CLOCK);
}

TEST(SimClock, Period400MHz)
{
	SimPtr sim = make_sim();
	int c = sim_clock_add(sim.get(), "c400", 400000000);
	EXPECT_EQ(sim_cycle_time(sim.get(), c, 0), 0u);
	EXPECT_EQ(sim_cycle_time(sim.get(), c, 1), 2500u);
	EXPECT_EQ(sim_cycle_time(sim.get(), c, 4), 10 * SIM_NS);
	EXPECT_EQ(sim_time_cycle(sim.get(), c, 2499), 0u);
	EXPECT_EQ(sim_time_cycle(sim.get(), c, 2500), 1u);
	EXPECT_EQ(sim_time_cycle(sim.get(), c, 1 * SIM_US), 400u);
}

TEST(SimClock, Edges600MHzAreExactFloors)
{
	SimPtr sim = make_sim();
	int c = sim_clock_add(sim.get(), "c600", 600000000);
	const sim_time_t edges[] = {0, 1666, 3333, 5000, 6666, 8333, 10000};
	for (uint64_t k = 0; k < 7; k++) {
		EXPECT_EQ(sim_cycle_time(sim.get(), c, k), edges[k]);
		// An edge belongs to its own cycle, and the ps before it to the previous one.
		EXPECT_EQ(sim_time_cycle(sim.get(), c, edges[k]), k);
		if (k > 0) {
			EXPECT_EQ(sim_time_cycle(sim.get(), c, edges[k] - 1), k - 1);
		}
	}
	// No drift after many cycles: 600 million cycles are exactly one second.
	EXPECT_EQ(sim_cycle_time(sim.get(), c, 600000000), 1000000000000u);
	EXPECT_EQ(sim_cycle_time(sim.get(), c, 600000001), 1000000001666u);
}

TEST(SimClock, RoundTrips)
{
	SimPtr sim = make_sim();
	const uint64_t rates[] = {1, 33333333, 100000000, 250000000, 400000000, 600000000,
				  666666667, 1000000000, 2500000000ull, 3000000000ull,
				  7777777777ull, 1000000000000ull};
	std::mt19937_64 gen(7);
	for (uint64_t hz : rates) {
		int c = sim_clock_add(sim.get(), ("r" + std::to_string(hz)).c_str(), hz);
		ASSERT_GE(c, 0);
		// Cycles up to 2^40, or as many as fit before the end of time.
		uint64_t kmax = std::min<uint64_t>(1ull << 40,
						  sim_time_cycle(sim.get(), c, SIM_TIME_MAX));
		for (int i = 0; i < 2000; i++) {
			uint64_t k = i == 0 ? kmax : gen() % (kmax + 1);
			sim_time_t t = sim_cycle_time(sim.get(), c, k);
			ASSERT_EQ(sim_time_cycle(sim.get(), c, t), k) << hz << " Hz, cycle " << k;
			ASSERT_EQ(sim_next_edge(sim.get(), c, t), t);
			// The next edge is the first one after the ps before it.
			if (k > 0 && t > 0) {
				ASSERT_LE(sim_cycle_time(sim.get(), c, k - 1), t - 1);
				ASSERT_EQ(sim_next_edge(sim.get(), c, t - 1),
					  sim_cycle_time(sim.get(), c, k - 1) == t - 1 ? t - 1 : t);
			}
		}
	}
}

TEST(SimClock, LargeCycleCountsDoNotOverflow)
{
	SimPtr sim = make_sim();
	int c600 = sim_clock_add(sim.get(), "c600", 600000000);
	int c3g = sim_clock_add(sim.get(), "c3g", 3000000000ull);
	const uint64_t k = (1ull << 40) + 12345; // k * 10^12 is far past 2^64
	// floor(k * 10^12 / 6e8) = floor(k * 5000 / 3)
	EXPECT_EQ(sim_cycle_time(sim.get(), c600, k), k * 5000 / 3);
	EXPECT_EQ(sim_time_cycle(sim.get(), c600, k * 5000 / 3), k);
	EXPECT_EQ(sim_cycle_time(sim.get(), c3g, k), k * 1000 / 3);
	EXPECT_EQ(sim_time_cycle(sim.get(), c3g, SIM_TIME_MAX), 55340232221128654u);
	// 2^64 cycles of a slow clock are past the end of time: saturates.
	int slow = sim_clock_add(sim.get(), "slow", 1000);
	EXPECT_EQ(sim_cycle_time(sim.get(), slow, UINT64_MAX), SIM_TIME_MAX);
	// A 1 THz clock's cycle count equals the time, up to the very end.
	int thz = sim_clock_add(sim.get(), "thz", 1000000000000ull);
	EXPECT_EQ(sim_time_cycle(sim.get(), thz, SIM_TIME_MAX), UINT64_MAX);
	EXPECT_EQ(sim_cycle_time(sim.get(), thz, UINT64_MAX), SIM_TIME_MAX);
}

TEST(SimClock, NextEdge)
{
	SimPtr sim = make_sim();
	int c = sim_clock_add(sim.get(), "c600", 600000000);
	EXPECT_EQ(sim_next_edge(sim.get(), c, 0), 0u);
	EXPECT_EQ(sim_next_edge(sim.get(), c, 1), 1666u);
	EXPECT_EQ(sim_next_edge(sim.get(), c, 1666), 1666u);
	EXPECT_EQ(sim_next_edge(sim.get(), c, 1667), 3333u);
	EXPECT_EQ(sim_next_edge(sim.get(), c, 4999), 5000u);
	EXPECT_EQ(sim_next_edge(sim.get(), c, 5000), 5000u);
	// Past the last representable edge there is none: saturates.
	int slow = sim_clock_add(sim.get(), "slow", 3);
	EXPECT_EQ(sim_next_edge(sim.get(), slow, SIM_TIME_MAX - 5), SIM_TIME_MAX);
}

TEST(SimClock, CyclesFrom)
{
	SimPtr sim = make_sim();
	int c4 = sim_clock_add(sim.get(), "c400", 400000000);
	int c6 = sim_clock_add(sim.get(), "c600", 600000000);
	// On an edge: n = 0 is no wait, each n adds a cycle.
	EXPECT_EQ(sim_cycles_from(sim.get(), c4, 5000, 0), 0u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c4, 5000, 1), 2500u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c4, 5000, 4), 10000u);
	// Between edges: first wait for the next edge, then count.
	EXPECT_EQ(sim_cycles_from(sim.get(), c4, 5001, 0), 2499u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c4, 5001, 2), 2499u + 5000u);
	// 600 MHz: edges 0, 1666, 3333, 5000, 6666.
	EXPECT_EQ(sim_cycles_from(sim.get(), c6, 0, 3), 5000u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c6, 1, 0), 1665u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c6, 1, 1), 3332u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c6, 1666, 1), 1667u);
	EXPECT_EQ(sim_cycles_from(sim.get(), c6, 3000, 2), 3666u);
	// Scheduling with it lands exactly on edges.
	for (sim_time_t t = 0; t < 20000; t += 137) {
		sim_time_t end = t + sim_cycles_from(sim.get(), c6, t, 5);
		uint64_t k = sim_time_cycle(sim.get(), c6, end);
		EXPECT_EQ(sim_cycle_time(sim.get(), c6, k), end);
		EXPECT_EQ(k, sim_time_cycle(sim.get(), c6, sim_next_edge(sim.get(), c6, t)) + 5);
	}
	// Huge counts saturate instead of wrapping.
	EXPECT_EQ(sim_cycles_from(sim.get(), c6, 10, UINT64_MAX), SIM_TIME_MAX - 10);
}

TEST(SimClock, UnknownClockId)
{
	SimPtr sim = make_sim();
	EXPECT_EQ(sim_cycle_time(sim.get(), 0, 5), SIM_TIME_MAX);
	EXPECT_EQ(sim_time_cycle(sim.get(), 3, 5), 0u);
	EXPECT_EQ(sim_next_edge(sim.get(), -1, 5), SIM_TIME_MAX);
	EXPECT_EQ(sim_cycles_from(sim.get(), SIM_MAX_CLOCKS, 5, 1), SIM_TIME_MAX);
	EXPECT_EQ(sim_clock_find(sim.get(), nullptr), SIM_ERR_CLOCK);
}

// --- randomness -------------------------------------------------------------------------------

std::vector<uint64_t> draws(sim_rng_t *r, int n)
{
	std::vector<uint64_t> out;
	for (int i = 0; i < n; i++)
		out.push_back(sim_rng_next(r));
	return out;
}

TEST(SimRng, KnownSequence)
{
	// xoshiro256** seeded by splitmix64: pinned so that recorded runs stay reproducible.
	sim_rng_t r;
	sim_rng_seed(&r, 0);
	EXPECT_EQ(r.s[0], 0xe220a8397b1dcdafull); // splitmix64's first output for seed 0
	EXPECT_EQ(draws(&r, 3), (std::vector<uint64_t>{0x99ec5f36cb75f2b4ull,
						       0xbf6e1f784956452aull,
						       0x1a5f849d4933e6e0ull}));
	SimPtr sim = make_sim(42);
	EXPECT_EQ(sim_seed(sim.get()), 42u);
	EXPECT_EQ(draws(sim_rng(sim.get()), 3),
		  (std::vector<uint64_t>{0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull,
					 0xae17533239e499a1ull}));
}

TEST(SimRng, SameSeedSameSequenceDifferentSeedsDiffer)
{
	SimPtr a = make_sim(1234), b = make_sim(1234), c = make_sim(1235);
	std::vector<uint64_t> da = draws(sim_rng(a.get()), 100);
	EXPECT_EQ(da, draws(sim_rng(b.get()), 100));
	std::vector<uint64_t> dc = draws(sim_rng(c.get()), 100);
	EXPECT_NE(da, dc);
	size_t same = 0;
	for (size_t i = 0; i < da.size(); i++)
		same += da[i] == dc[i];
	EXPECT_EQ(same, 0u);
}

TEST(SimRng, ForkByNameIsStableAndIndependentOfTheMainStream)
{
	SimPtr a = make_sim(99), b = make_sim(99);
	sim_rng_t fa, fb, other, main_copy;
	sim_rng_fork(a.get(), "smmu.tlb", &fa);
	// Draws on the main stream before forking change nothing.
	draws(sim_rng(b.get()), 1000);
	sim_rng_fork(b.get(), "smmu.tlb", &fb);
	EXPECT_EQ(draws(&fa, 50), draws(&fb, 50));
	// Different names, or the main stream, give different numbers.
	sim_rng_fork(a.get(), "smmu.tlc", &other);
	sim_rng_fork(a.get(), "smmu.tlb", &fa);
	EXPECT_NE(draws(&fa, 50), draws(&other, 50));
	sim_rng_fork(a.get(), "smmu.tlb", &fa);
	sim_rng_seed(&main_copy, 99);
	EXPECT_NE(draws(&fa, 50), draws(&main_copy, 50));
	// Forking does not disturb the simulation's own stream.
	SimPtr c = make_sim(99), d = make_sim(99);
	sim_rng_fork(c.get(), "x", &other);
	EXPECT_EQ(draws(sim_rng(c.get()), 20), draws(sim_rng(d.get()), 20));
	// Another seed, another fork.
	SimPtr e = make_sim(100);
	sim_rng_fork(e.get(), "smmu.tlb", &fb);
	sim_rng_fork(a.get(), "smmu.tlb", &fa);
	EXPECT_NE(draws(&fa, 50), draws(&fb, 50));
}

TEST(SimRng, BelowStaysInRange)
{
	sim_rng_t r;
	sim_rng_seed(&r, 5);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(sim_rng_below(&r, 1), 0u);
	const uint64_t bounds[] = {2, 3, 7, 1000, 1ull << 32, (1ull << 63) + 1, UINT64_MAX};
	for (uint64_t n : bounds)
		for (int i = 0; i < 10000; i++)
			ASSERT_LT(sim_rng_below(&r, n), n);
	// Large n not a power of two: both halves are hit (a modulo-free method, not a mask).
	uint64_t n = (1ull << 63) + (1ull << 62);
	int high = 0;
	for (int i = 0; i < 10000; i++)
		high += sim_rng_below(&r, n) >= n / 2;
	EXPECT_GT(high, 4500);
	EXPECT_LT(high, 5500);
}

TEST(SimRng, BelowIsUniform)
{
	sim_rng_t r;
	sim_rng_seed(&r, 77);
	const int kBins = 6, kDraws = 600000;
	int count[kBins] = {};
	for (int i = 0; i < kDraws; i++)
		count[sim_rng_below(&r, kBins)]++;
	double chi2 = 0;
	for (int c : count) {
		double d = c - kDraws / double(kBins);
		chi2 += d * d / (kDraws / double(kBins));
	}
	EXPECT_LT(chi2, 20.5); // 5 degrees of freedom: p < 0.001 beyond this
}

} // namespace
