/* SPDX-License-Identifier: MIT */
/*
 * sim.c — iofab's discrete-event kernel: event queue, clock domains and PRNG streams.
 *
 * The event queue is a timing wheel (a calendar queue with fixed bucket width) backed by a
 * binary heap for far-future events. Time is cut into buckets of SIM_WHEEL_WIDTH ps; the wheel
 * holds SIM_WHEEL_SLOTS consecutive buckets starting at the bucket of sim_now(), so a typical
 * schedule is "append to a list" and a typical pop is "take the head of the first non-empty
 * slot", found through a two-level bitmap. Events beyond the wheel's window wait in the heap
 * keyed by (time, seq) and move into the wheel as the window slides over them. Every event
 * carries a 64-bit sequence number; a bucket is sorted by (time, seq) when it becomes the
 * earliest one, which gives time order with FIFO ties wherever each event was stored first.
 * Event nodes come from a free list grown in chunks, so steady state never calls malloc.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/*
 * Wheel geometry: 256 ps x 65536 slots covers 16.8 us, so the model's usual latencies (1 ns to
 * 10 us) never touch the heap. Narrow buckets keep most buckets at zero or one event, which
 * measured faster than 1024 ps buckets (fewer lists to sort, fewer dependent loads) at the cost
 * of a 512 KiB slot array per simulation. Both must be powers of two.
 */
#ifndef SIM_WHEEL_SHIFT
#define SIM_WHEEL_SHIFT 8 /* bucket width = 2^8 ps */
#endif
#ifndef SIM_WHEEL_ORDER
#define SIM_WHEEL_ORDER 16 /* 2^16 slots */
#endif
#define SIM_WHEEL_SLOTS ((size_t)1 << SIM_WHEEL_ORDER)
#define SIM_WHEEL_MASK (SIM_WHEEL_SLOTS - 1)
#define SIM_WHEEL_WORDS ((SIM_WHEEL_SLOTS + 63) / 64)	   /* level-0 bitmap: one bit a slot */
#define SIM_WHEEL_SUMMARY ((SIM_WHEEL_WORDS + 63) / 64) /* level-1: one bit a level-0 word */
#define SIM_NO_SLOT SIZE_MAX

#define SIM_POOL_FIRST 1024	   /* nodes in the first chunk; later chunks double... */
#define SIM_POOL_MAX_CHUNK 65536 /* ...up to this many */

#define SIM_CLOCK_NAME_MAX 31 /* longest clock name, in bytes */
#define SIM_PS_PER_S 1000000000000ull

typedef struct sim_node {
	struct sim_node *next;
	sim_time_t time;
	uint64_t seq; /* order of scheduling: breaks ties between equal times */
	sim_event_fn fn;
	void *ctx;
	uint64_t arg;
} sim_node_t;

typedef struct sim_chunk {
	struct sim_chunk *next;
	sim_node_t nodes[];
} sim_chunk_t;

/* Heap entries carry their key, so sifting never touches the nodes. */
typedef struct sim_heap_ent {
	sim_time_t time;
	uint64_t seq;
	sim_node_t *node;
} sim_heap_ent_t;

typedef struct sim_clock_rec {
	char name[SIM_CLOCK_NAME_MAX + 1];
	uint64_t hz;
} sim_clock_rec_t;

struct sim {
	sim_time_t now;
	uint64_t cur;		  /* bucket of `now`: the wheel holds buckets [cur, cur + SLOTS) */
	uint64_t next_seq;
	uint64_t events_run;
	size_t pending;		  /* in the wheel and in the heap */
	size_t wheel_count;	  /* in the wheel */
	size_t sorted_slot;	  /* the slot kept sorted by (time, seq), or SIM_NO_SLOT */
	sim_node_t *sorted_tail; /* its last node */
	bool stop;

	sim_node_t *free_list;
	sim_chunk_t *chunks;
	size_t pool_size;

	sim_heap_ent_t *heap; /* min-heap on (time, seq): the events at or past cur + SLOTS */
	size_t heap_len;
	size_t heap_cap;

	uint64_t seed;
	sim_rng_t rng;

	int nclocks;
	sim_clock_rec_t clocks[SIM_MAX_CLOCKS];

	uint64_t summary[SIM_WHEEL_SUMMARY];
	uint64_t bits[SIM_WHEEL_WORDS];
	sim_node_t *slots[SIM_WHEEL_SLOTS]; /* bucket lists, one pointer each */
};

/* --- node pool ------------------------------------------------------------------------- */

static bool pool_grow(sim_t *sim)
{
	size_t n = sim->pool_size ? sim->pool_size : SIM_POOL_FIRST;

	if (n > SIM_POOL_MAX_CHUNK)
		n = SIM_POOL_MAX_CHUNK;
	sim_chunk_t *c = malloc(sizeof(*c) + n * sizeof(sim_node_t));
	if (!c)
		return false;
	c->next = sim->chunks;
	sim->chunks = c;
	for (size_t i = n; i-- > 0;) {
		c->nodes[i].next = sim->free_list;
		sim->free_list = &c->nodes[i];
	}
	sim->pool_size += n;
	return true;
}

static inline sim_node_t *node_alloc(sim_t *sim)
{
	if (!sim->free_list && !pool_grow(sim))
		return NULL;
	sim_node_t *n = sim->free_list;
	sim->free_list = n->next;
	return n;
}

static inline void node_free(sim_t *sim, sim_node_t *n)
{
	n->next = sim->free_list;
	sim->free_list = n;
}

static inline bool node_before(const sim_node_t *a, const sim_node_t *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* --- far-future heap ------------------------------------------------------------------- */

static inline bool ent_before(const sim_heap_ent_t *a, const sim_heap_ent_t *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static bool heap_push(sim_t *sim, sim_node_t *n)
{
	if (sim->heap_len == sim->heap_cap) {
		size_t cap = sim->heap_cap ? 2 * sim->heap_cap : 256;
		sim_heap_ent_t *h = realloc(sim->heap, cap * sizeof(*h));
		if (!h)
			return false;
		sim->heap = h;
		sim->heap_cap = cap;
	}
	sim_heap_ent_t *h = sim->heap;
	sim_heap_ent_t e = { n->time, n->seq, n };
	size_t i = sim->heap_len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ent_before(&e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
	return true;
}

static sim_node_t *heap_pop(sim_t *sim)
{
	sim_heap_ent_t *h = sim->heap;
	sim_node_t *top = h[0].node;
	sim_heap_ent_t last = h[--sim->heap_len];
	size_t len = sim->heap_len;
	size_t i = 0;

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= len)
			break;
		if (child + 1 < len && ent_before(&h[child + 1], &h[child]))
			child++;
		if (!ent_before(&h[child], &last))
			break;
		h[i] = h[child];
		i = child;
	}
	if (len)
		h[i] = last;
	return top;
}

/* --- wheel ----------------------------------------------------------------------------- */

static inline void bit_set(sim_t *sim, size_t slot)
{
	size_t w = slot / 64;

	sim->bits[w] |= 1ull << (slot % 64);
	sim->summary[w / 64] |= 1ull << (w % 64);
}

static inline void bit_clear(sim_t *sim, size_t slot)
{
	size_t w = slot / 64;

	sim->bits[w] &= ~(1ull << (slot % 64));
	if (!sim->bits[w])
		sim->summary[w / 64] &= ~(1ull << (w % 64));
}

/* First non-empty slot at or after `pos` (not wrapping), or SIM_NO_SLOT. */
static inline size_t bit_find_from(const sim_t *sim, size_t pos)
{
	size_t w = pos / 64;
	uint64_t m = sim->bits[w] & (~0ull << (pos % 64));

	if (m)
		return w * 64 + (size_t)__builtin_ctzll(m);
	if (++w == SIM_WHEEL_WORDS)
		return SIM_NO_SLOT;
	size_t sw = w / 64;
	uint64_t sm = sim->summary[sw] & (~0ull << (w % 64));
	while (!sm) {
		if (++sw == SIM_WHEEL_SUMMARY)
			return SIM_NO_SLOT;
		sm = sim->summary[sw];
	}
	w = sw * 64 + (size_t)__builtin_ctzll(sm);
	return w * 64 + (size_t)__builtin_ctzll(sim->bits[w]);
}

/* The slot of the earliest non-empty bucket; the wheel must not be empty. Slots are visited
 * circularly from cur's slot, which is the order of their buckets within the window. */
static inline size_t first_slot(const sim_t *sim)
{
	size_t s = bit_find_from(sim, sim->cur & SIM_WHEEL_MASK);

	return s != SIM_NO_SLOT ? s : bit_find_from(sim, 0);
}

/* Inserts into the bucket's slot. Slots are unordered stacks (push at the head: one pointer a
 * slot, O(1)) except the one being drained (sorted_slot), which is kept sorted by (time, seq)
 * with its tail at hand, so its head is always the minimum and in-order arrivals append. */
static inline void wheel_insert(sim_t *sim, sim_node_t *n)
{
	size_t s = (size_t)(n->time >> SIM_WHEEL_SHIFT) & SIM_WHEEL_MASK;
	sim_node_t **head = &sim->slots[s];

	sim->wheel_count++;
	if (!*head) {
		n->next = NULL;
		*head = n;
		bit_set(sim, s);
		if (s == sim->sorted_slot)
			sim->sorted_tail = n;
	} else if (s != sim->sorted_slot) {
		n->next = *head;
		*head = n;
	} else if (node_before(sim->sorted_tail, n)) {
		n->next = NULL;
		sim->sorted_tail->next = n;
		sim->sorted_tail = n;
	} else {
		while (!node_before(n, *head))
			head = &(*head)->next;
		n->next = *head;
		*head = n;
	}
}

static sim_node_t *list_merge(sim_node_t *a, sim_node_t *b)
{
	sim_node_t *head = NULL, **tail = &head;

	while (a && b) {
		if (node_before(b, a)) {
			*tail = b;
			b = b->next;
		} else {
			*tail = a;
			a = a->next;
		}
		tail = &(*tail)->next;
	}
	*tail = a ? a : b;
	return head;
}

/* Bottom-up merge sort of a bucket: bin[i] holds a sorted run of 2^i nodes. */
static sim_node_t *list_sort(sim_node_t *list)
{
	sim_node_t *bin[64] = { NULL };
	sim_node_t *out = NULL;

	while (list) {
		sim_node_t *run = list;
		list = list->next;
		run->next = NULL;
		size_t i = 0;
		for (; bin[i]; i++) {
			run = list_merge(bin[i], run);
			bin[i] = NULL;
		}
		bin[i] = run;
	}
	for (size_t i = 0; i < 64; i++)
		if (bin[i])
			out = list_merge(bin[i], out);
	return out;
}

/*
 * Makes slot s the sorted one. A bucket filled by direct schedules is a stack in descending
 * (time, seq) order far more often than not, so check for "descending" (reverse it) and
 * "ascending" (keep it) before sorting: short lists by insertion, long ones by merging.
 */
static void slot_make_sorted(sim_t *sim, size_t s)
{
	sim_node_t **head = &sim->slots[s];
	sim_node_t *p = *head;

	sim->sorted_slot = s;
	if (p->next && node_before(p->next, p)) {
		while (p->next && node_before(p->next, p))
			p = p->next;
		if (!p->next) {
			sim_node_t *list = *head, *rev = NULL;
			sim->sorted_tail = list;
			while (list) {
				sim_node_t *next = list->next;
				list->next = rev;
				rev = list;
				list = next;
			}
			*head = rev;
			return;
		}
	} else {
		while (p->next && node_before(p, p->next))
			p = p->next;
		if (!p->next) {
			sim->sorted_tail = p;
			return;
		}
	}

	size_t len = 0;
	for (p = *head; p; p = p->next)
		len++;
	if (len > 8) {
		*head = list_sort(*head);
	} else {
		sim_node_t *rest = *head, *tail = NULL;
		*head = NULL;
		while (rest) {
			sim_node_t *n = rest, **link = head;
			rest = rest->next;
			if (tail && node_before(tail, n)) {
				link = &tail->next;
			} else {
				while (*link && !node_before(n, *link))
					link = &(*link)->next;
			}
			n->next = *link;
			*link = n;
			if (!n->next)
				tail = n;
		}
	}
	for (p = *head; p->next; p = p->next)
		;
	sim->sorted_tail = p;
}

/* Moves heap events whose bucket has entered the window into the wheel. */
static void drain_heap(sim_t *sim)
{
	while (sim->heap_len &&
	       (sim->heap[0].time >> SIM_WHEEL_SHIFT) - sim->cur < SIM_WHEEL_SLOTS)
		wheel_insert(sim, heap_pop(sim));
}

/*
 * Removes and returns the earliest event if its time is <= until, else NULL. `cur` moves only
 * here, to the bucket of the event being taken, so cur == now >> SHIFT holds whenever a handler
 * or caller can schedule, and every legal time (>= now) lands in the window or beyond it.
 */
static sim_node_t *take_next(sim_t *sim, sim_time_t until)
{
	if (!sim->wheel_count) {
		if (!sim->heap_len || sim->heap[0].time > until)
			return NULL;
		sim->cur = sim->heap[0].time >> SIM_WHEEL_SHIFT;
		drain_heap(sim);
	}

	size_t s = first_slot(sim);
	sim_node_t *n = sim->slots[s];
	if (s != sim->sorted_slot) {
		if (!n->next) {
			sim->sorted_slot = s;
			sim->sorted_tail = n;
		} else {
			slot_make_sorted(sim, s);
			n = sim->slots[s];
		}
	}
	if (n->time > until)
		return NULL;

	sim->slots[s] = n->next;
	if (!n->next) {
		sim->sorted_tail = NULL;
		bit_clear(sim, s);
	}
	sim->wheel_count--;
	uint64_t b = n->time >> SIM_WHEEL_SHIFT;
	if (b != sim->cur) {
		sim->cur = b;
		if (sim->heap_len)
			drain_heap(sim);
	}
	return n;
}

static inline void run_node(sim_t *sim, sim_node_t *n)
{
	sim_event_fn fn = n->fn;
	void *ctx = n->ctx;
	uint64_t arg = n->arg;

	sim->now = n->time;
	sim->pending--;
	sim->events_run++;
	node_free(sim, n);
	if (fn)
		fn(sim, ctx, arg);
}

/* --- lifetime ------------------------------------------------------------------------- */

sim_t *sim_create(uint64_t seed)
{
	sim_t *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->sorted_slot = SIM_NO_SLOT;
	sim->seed = seed;
	sim_rng_seed(&sim->rng, seed);
	if (!pool_grow(sim)) {
		free(sim);
		return NULL;
	}
	return sim;
}

void sim_destroy(sim_t *sim)
{
	if (!sim)
		return;
	while (sim->chunks) {
		sim_chunk_t *c = sim->chunks;
		sim->chunks = c->next;
		free(c);
	}
	free(sim->heap);
	free(sim);
}

/* --- time and events ------------------------------------------------------------------ */

sim_time_t sim_now(const sim_t *sim)
{
	return sim->now;
}

/* A NULL fn schedules an event that does nothing when run (it still counts and moves time). */
sim_status_t sim_schedule_at(sim_t *sim, sim_time_t when, sim_event_fn fn, void *ctx,
			     uint64_t arg)
{
	if (when < sim->now)
		return SIM_ERR_PAST;
	sim_node_t *n = node_alloc(sim);
	if (!n)
		return SIM_ERR_NOMEM;
	n->time = when;
	n->seq = sim->next_seq++;
	n->fn = fn;
	n->ctx = ctx;
	n->arg = arg;
	if ((when >> SIM_WHEEL_SHIFT) - sim->cur < SIM_WHEEL_SLOTS) {
		wheel_insert(sim, n);
	} else if (!heap_push(sim, n)) {
		node_free(sim, n);
		return SIM_ERR_NOMEM;
	}
	sim->pending++;
	return SIM_OK;
}

/* A delay that would carry time past SIM_TIME_MAX is refused with SIM_ERR_PAST (it wraps). */
sim_status_t sim_schedule_in(sim_t *sim, sim_time_t delay, sim_event_fn fn, void *ctx,
			     uint64_t arg)
{
	if (delay > SIM_TIME_MAX - sim->now)
		return SIM_ERR_PAST;
	return sim_schedule_at(sim, sim->now + delay, fn, ctx, arg);
}

uint64_t sim_run(sim_t *sim, sim_time_t until)
{
	uint64_t ran = 0;
	sim_node_t *n;

	sim->stop = false;
	while (!sim->stop && (n = take_next(sim, until)) != NULL) {
		run_node(sim, n);
		ran++;
	}
	sim->stop = false;
	return ran;
}

bool sim_step(sim_t *sim)
{
	sim_node_t *n = take_next(sim, SIM_TIME_MAX);

	if (!n)
		return false;
	run_node(sim, n);
	return true;
}

void sim_stop(sim_t *sim)
{
	sim->stop = true;
}

size_t sim_pending(const sim_t *sim)
{
	return sim->pending;
}

uint64_t sim_events_run(const sim_t *sim)
{
	return sim->events_run;
}

/* --- clock domains -------------------------------------------------------------------- */

/*
 * Edge k of a clock is at floor(k * 10^12 / hz) ps. hz is limited to 10^12 (one edge a ps at
 * most), so edges are distinct and every edge index fits in 64 bits; the conversions are exact
 * in 128-bit arithmetic and saturate at the top of their range. An invalid clock id gives
 * SIM_TIME_MAX from the functions returning a time and 0 from sim_time_cycle.
 */

static const sim_clock_rec_t *clock_get(const sim_t *sim, sim_clock_t clk)
{
	if (clk < 0 || clk >= sim->nclocks)
		return NULL;
	return &sim->clocks[clk];
}

int sim_clock_add(sim_t *sim, const char *name, uint64_t hz)
{
	if (!name || hz == 0 || hz > SIM_PS_PER_S || sim->nclocks >= SIM_MAX_CLOCKS)
		return SIM_ERR_CLOCK;
	size_t len = strlen(name);
	if (len == 0 || len > SIM_CLOCK_NAME_MAX)
		return SIM_ERR_CLOCK;
	if (sim_clock_find(sim, name) >= 0)
		return SIM_ERR_DUPLICATE;
	sim_clock_rec_t *c = &sim->clocks[sim->nclocks];
	memcpy(c->name, name, len + 1);
	c->hz = hz;
	return sim->nclocks++;
}

int sim_clock_find(const sim_t *sim, const char *name)
{
	if (!name)
		return SIM_ERR_CLOCK;
	for (int i = 0; i < sim->nclocks; i++)
		if (strcmp(sim->clocks[i].name, name) == 0)
			return i;
	return SIM_ERR_CLOCK;
}

const char *sim_clock_name(const sim_t *sim, sim_clock_t clk)
{
	const sim_clock_rec_t *c = clock_get(sim, clk);

	return c ? c->name : NULL;
}

uint64_t sim_clock_hz(const sim_t *sim, sim_clock_t clk)
{
	const sim_clock_rec_t *c = clock_get(sim, clk);

	return c ? c->hz : 0;
}

static inline uint64_t sat64(u128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* floor(cycle * 10^12 / hz) for a cycle index below 2^65 (k0 + n in sim_cycles_from). */
static sim_time_t edge_time(uint64_t hz, u128 cycle)
{
	return sat64(cycle * SIM_PS_PER_S / hz);
}

sim_time_t sim_cycle_time(const sim_t *sim, sim_clock_t clk, uint64_t cycle)
{
	const sim_clock_rec_t *c = clock_get(sim, clk);

	return c ? edge_time(c->hz, cycle) : SIM_TIME_MAX;
}

/*
 * The last edge at or before t: the largest k with floor(k * 10^12 / hz) <= t, i.e.
 * k * 10^12 < (t + 1) * hz, so k = floor(((t + 1) * hz - 1) / 10^12). This is the exact inverse
 * of sim_cycle_time: sim_time_cycle(sim_cycle_time(k)) == k. The plainer
 * floor(t * hz / 10^12) differs from it exactly at edge times when the period is not a whole
 * number of ps: at 600 MHz it would put t = 1666 (edge 1) in cycle 0.
 */
uint64_t sim_time_cycle(const sim_t *sim, sim_clock_t clk, sim_time_t t)
{
	const sim_clock_rec_t *c = clock_get(sim, clk);

	if (!c)
		return 0;
	return sat64((((u128)t + 1) * c->hz - 1) / SIM_PS_PER_S);
}

/* Index of the first edge at or after t: the smallest k with floor(k * 10^12 / hz) >= t, which
 * (t being whole) is the smallest k with k * 10^12 >= t * hz, i.e. ceil(t * hz / 10^12). */
static u128 first_edge_index(uint64_t hz, sim_time_t t)
{
	return ((u128)t * hz + SIM_PS_PER_S - 1) / SIM_PS_PER_S;
}

sim_time_t sim_next_edge(const sim_t *sim, sim_clock_t clk, sim_time_t t)
{
	const sim_clock_rec_t *c = clock_get(sim, clk);

	if (!c)
		return SIM_TIME_MAX;
	return edge_time(c->hz, first_edge_index(c->hz, t));
}

/*
 * Let k0 be the index of the first edge at or after t (the edge sim_next_edge(t) returns).
 * The result is sim_cycle_time(k0 + n) - t: n = 0 is the wait until the next edge (0 if t is
 * on an edge), n = 1 is that wait plus one cycle, and so on. Saturates at SIM_TIME_MAX - t.
 */
sim_time_t sim_cycles_from(const sim_t *sim, sim_clock_t clk, sim_time_t t, uint64_t n)
{
	const sim_clock_rec_t *c = clock_get(sim, clk);

	if (!c)
		return SIM_TIME_MAX;
	return edge_time(c->hz, first_edge_index(c->hz, t) + n) - t;
}

/* --- randomness ----------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64 expands the seed; four consecutive outputs are never all zero. */
void sim_rng_seed(sim_rng_t *rng, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

/* xoshiro256** (Blackman and Vigna). */
uint64_t sim_rng_next(sim_rng_t *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Lemire's multiply-and-reject: the high half of x * n is uniform once the low half is at least
 * 2^64 mod n. Returns 0 for n == 0. */
uint64_t sim_rng_below(sim_rng_t *rng, uint64_t n)
{
	if (n == 0)
		return 0;
	u128 m = (u128)sim_rng_next(rng) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = (0 - n) % n;
		while (low < threshold) {
			m = (u128)sim_rng_next(rng) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

sim_rng_t *sim_rng(sim_t *sim)
{
	return &sim->rng;
}

uint64_t sim_seed(const sim_t *sim)
{
	return sim->seed;
}

void sim_rng_fork(const sim_t *sim, const char *name, sim_rng_t *out)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */

	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	uint64_t x = sim->seed ^ h;
	sim_rng_seed(out, splitmix64(&x));
}
