/* SPDX-License-Identifier: MIT */
/* cache.c — a set-associative cache with LRU, round-robin or random replacement. */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

bool cache_init(cache_t *c, const char *name, cache_geom_t g, const sim_t *sim)
{
	memset(c, 0, sizeof *c);
	size_t n = strlen(name);
	memcpy(c->name, name, n < sizeof c->name - 1 ? n : sizeof c->name - 1);
	c->g = g;
	if (!g.entries)
		return true; /* no cache: every lookup misses */
	if (!g.ways || g.ways > g.entries || g.entries % g.ways)
		return false;
	c->nsets = g.entries / g.ways;
	c->lines = calloc(g.entries, sizeof *c->lines);
	c->rr = calloc(c->nsets, sizeof *c->rr);
	if (!c->lines || !c->rr) {
		cache_free(c);
		return false;
	}
	sim_rng_fork(sim, c->name, &c->rng);
	return true;
}

void cache_free(cache_t *c)
{
	free(c->lines);
	free(c->rr);
	c->lines = NULL;
	c->rr = NULL;
}

static cache_line_t *set_of(cache_t *c, uint64_t region)
{
	/* Mix the region so that strided addresses spread over the sets. */
	uint64_t h = region * 0x9E3779B97F4A7C15ull;
	return &c->lines[(size_t)((h >> 20) % c->nsets) * c->g.ways];
}

static bool key_eq(const uint64_t *a, const uint64_t *b)
{
	for (int i = 0; i < CACHE_KEY_WORDS; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

cache_line_t *cache_probe(cache_t *c, uint64_t region, const uint64_t *key)
{
	if (!c->g.entries)
		return NULL;
	cache_line_t *set = set_of(c, region);
	for (uint32_t w = 0; w < c->g.ways; w++)
		if (set[w].valid && key_eq(set[w].key, key)) {
			set[w].stamp = ++c->tick;
			return &set[w];
		}
	return NULL;
}

cache_line_t *cache_lookup(cache_t *c, uint64_t region, const uint64_t *key)
{
	cache_line_t *l = cache_probe(c, region, key);
	cache_count(c, l != NULL);
	return l;
}

void cache_fill(cache_t *c, uint64_t region, const uint64_t *key, const uint64_t *data)
{
	if (!c->g.entries)
		return;
	cache_line_t *set = set_of(c, region);
	cache_line_t *victim = NULL;
	for (uint32_t w = 0; w < c->g.ways && !victim; w++)
		if (set[w].valid && key_eq(set[w].key, key))
			victim = &set[w];
	for (uint32_t w = 0; w < c->g.ways && !victim; w++)
		if (!set[w].valid)
			victim = &set[w];
	if (!victim) {
		uint32_t way = 0;
		switch (c->g.repl) {
		case CACHE_REPL_LRU:
			for (uint32_t w = 1; w < c->g.ways; w++)
				if (set[w].stamp < set[way].stamp)
					way = w;
			break;
		case CACHE_REPL_RR: {
			uint32_t *p = &c->rr[(size_t)(set - c->lines) / c->g.ways];
			way = *p;
			*p = (*p + 1) % c->g.ways;
			break;
		}
		case CACHE_REPL_RANDOM:
			way = (uint32_t)sim_rng_below(&c->rng, c->g.ways);
			break;
		}
		victim = &set[way];
		c->evictions++;
	}
	victim->valid = true;
	memcpy(victim->key, key, sizeof victim->key);
	memcpy(victim->data, data, sizeof victim->data);
	victim->stamp = ++c->tick;
	c->fills++;
}

unsigned cache_invalidate(cache_t *c, bool (*pred)(const cache_line_t *, const void *),
			       const void *ctx)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < c->g.entries; i++)
		if (c->lines[i].valid && pred(&c->lines[i], ctx)) {
			c->lines[i].valid = false;
			n++;
		}
	c->invalidations += n;
	return n;
}

void cache_flush(cache_t *c)
{
	for (uint32_t i = 0; i < c->g.entries; i++)
		c->lines[i].valid = false;
}
