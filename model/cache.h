/* SPDX-License-Identifier: MIT */
/*
 * cache.h — the set-associative cache hardware blocks build their caches from: the SMMU's TLBs,
 * configuration and walk caches, the ITS's device, event and collection caches. Geometry
 * (entries, ways) and replacement (LRU, round robin, or random from the simulation's seeded
 * PRNG) come from the platform, so tests can use tiny caches to exercise eviction.
 *
 * An entry has a key (up to four 64-bit words compared exactly), a "region" number used to
 * pick the set (for a TLB: the address divided by the entry's page size), and a payload.
 * Invalidation walks the entries with a predicate.
 */
#ifndef IOFAB_CACHE_H
#define IOFAB_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

typedef enum cache_repl {
	CACHE_REPL_LRU,
	CACHE_REPL_RR,    /* round robin per set */
	CACHE_REPL_RANDOM /* from the simulation seed */
} cache_repl_t;

typedef struct cache_geom {
	uint32_t entries; /* 0: no cache */
	uint32_t ways;    /* entries for fully associative */
	cache_repl_t repl;
} cache_geom_t;

#define CACHE_KEY_WORDS 4
#define CACHE_DATA_WORDS 4

typedef struct cache_line {
	bool valid;
	uint64_t key[CACHE_KEY_WORDS];
	uint64_t data[CACHE_DATA_WORDS];
	uint64_t stamp; /* LRU: last use */
} cache_line_t;

typedef struct cache {
	char name[24];
	cache_geom_t g;
	uint32_t nsets;
	cache_line_t *lines; /* nsets * ways */
	uint32_t *rr;             /* round-robin pointer per set */
	sim_rng_t rng;
	uint64_t tick;
	uint64_t hits, misses, fills, evictions, invalidations;
} cache_t;

/* Sets the cache up (entries must be a multiple of ways). false on bad geometry or no memory. */
bool cache_init(cache_t *c, const char *name, cache_geom_t g, const sim_t *sim);
void cache_free(cache_t *c);

/* The line holding `key` in the set of `region`, or NULL (counted as hit or miss). */
cache_line_t *cache_lookup(cache_t *c, uint64_t region, const uint64_t *key);
/* The same, not counted: for a lookup made of several probes (one per page size), which
 * counts itself once with cache_count(). */
cache_line_t *cache_probe(cache_t *c, uint64_t region, const uint64_t *key);
static inline void cache_count(cache_t *c, bool hit)
{
	if (hit)
		c->hits++;
	else
		c->misses++;
}
/* Inserts (replacing an equal key, else an invalid line, else a victim). */
void cache_fill(cache_t *c, uint64_t region, const uint64_t *key, const uint64_t *data);
/* Invalidates every line for which pred(line, ctx) is true; returns how many. */
unsigned cache_invalidate(cache_t *c, bool (*pred)(const cache_line_t *, const void *),
			       const void *ctx);
/* Invalidates everything. */
void cache_flush(cache_t *c);

#endif /* IOFAB_CACHE_H */
