/* SPDX-License-Identifier: MIT */
/*
 * smmu_cache.h — the set-associative cache the SMMU's TLBs, configuration cache and walk
 * caches are built from. Geometry (entries, ways) and replacement (LRU, round robin, or random
 * from the simulation's seeded PRNG) come from the platform, so tests can use tiny caches to
 * exercise eviction.
 *
 * An entry has a key (up to four 64-bit words compared exactly), a "region" number used to
 * pick the set (for a TLB: the address divided by the entry's page size), and a payload.
 * Invalidation walks the entries with a predicate.
 */
#ifndef IOFAB_SMMU_CACHE_H
#define IOFAB_SMMU_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

typedef enum smmu_repl {
	SMMU_REPL_LRU,
	SMMU_REPL_RR,    /* round robin per set */
	SMMU_REPL_RANDOM /* from the simulation seed */
} smmu_repl_t;

typedef struct smmu_cache_geom {
	uint32_t entries; /* 0: no cache */
	uint32_t ways;    /* entries for fully associative */
	smmu_repl_t repl;
} smmu_cache_geom_t;

#define SMMU_CACHE_KEY_WORDS 4
#define SMMU_CACHE_DATA_WORDS 4

typedef struct smmu_cache_line {
	bool valid;
	uint64_t key[SMMU_CACHE_KEY_WORDS];
	uint64_t data[SMMU_CACHE_DATA_WORDS];
	uint64_t stamp; /* LRU: last use */
} smmu_cache_line_t;

typedef struct smmu_cache {
	char name[24];
	smmu_cache_geom_t g;
	uint32_t nsets;
	smmu_cache_line_t *lines; /* nsets * ways */
	uint32_t *rr;             /* round-robin pointer per set */
	sim_rng_t rng;
	uint64_t tick;
	uint64_t hits, misses, fills, evictions, invalidations;
} smmu_cache_t;

/* Sets the cache up (entries must be a multiple of ways). false on bad geometry or no memory. */
bool smmu_cache_init(smmu_cache_t *c, const char *name, smmu_cache_geom_t g, const sim_t *sim);
void smmu_cache_free(smmu_cache_t *c);

/* The line holding `key` in the set of `region`, or NULL (counted as hit or miss). */
smmu_cache_line_t *smmu_cache_lookup(smmu_cache_t *c, uint64_t region, const uint64_t *key);
/* Inserts (replacing an equal key, else an invalid line, else a victim). */
void smmu_cache_fill(smmu_cache_t *c, uint64_t region, const uint64_t *key, const uint64_t *data);
/* Invalidates every line for which pred(line, ctx) is true; returns how many. */
unsigned smmu_cache_invalidate(smmu_cache_t *c, bool (*pred)(const smmu_cache_line_t *, const void *),
			       const void *ctx);
/* Invalidates everything. */
void smmu_cache_flush(smmu_cache_t *c);

#endif /* IOFAB_SMMU_CACHE_H */
