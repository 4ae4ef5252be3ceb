/* SPDX-License-Identifier: MIT */
/*
 * mem.c — sparse simulated memory: an open-addressing hash table from page number to a
 * 4 KiB page, grown at 50 % load. Lookups are O(1); nothing is allocated for pages that are
 * only read.
 */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
	uint64_t pfn; /* page frame number + 1; 0 marks an empty slot */
	uint8_t *page;
} slot_t;

#define MEM_PCACHE 256 /* direct-mapped cache of recently used pages, in front of the hash */

struct mem {
	slot_t *slots;
	size_t cap; /* power of two */
	size_t used;
	slot_t pcache[MEM_PCACHE]; /* pages never move, so their pointers stay valid */
};

static size_t hash(uint64_t pfn, size_t cap)
{
	/* Fibonacci hashing: page numbers are often consecutive. */
	return (size_t)((pfn * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

mem_t *mem_create(void)
{
	mem_t *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->cap = 256;
	m->slots = calloc(m->cap, sizeof *m->slots);
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void mem_destroy(mem_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].page);
	free(m->slots);
	free(m);
}

static uint8_t *lookup(mem_t *m, uint64_t pfn)
{
	slot_t *c = &m->pcache[pfn & (MEM_PCACHE - 1)];
	if (c->pfn == pfn + 1)
		return c->page;
	for (size_t i = hash(pfn, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].pfn == 0)
			return NULL;
		if (m->slots[i].pfn == pfn + 1) {
			*c = m->slots[i];
			return c->page;
		}
	}
}

static bool grow(mem_t *m)
{
	size_t ncap = m->cap * 2;
	slot_t *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].pfn)
			continue;
		size_t j = hash(m->slots[i].pfn - 1, ncap);
		while (ns[j].pfn)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return true;
}

static uint8_t *page_for_write(mem_t *m, uint64_t pfn)
{
	uint8_t *p = lookup(m, pfn);
	if (p)
		return p;
	if ((m->used + 1) * 2 > m->cap && !grow(m))
		return NULL;
	p = calloc(1, MEM_PAGE_SIZE);
	if (!p)
		return NULL;
	size_t i = hash(pfn, m->cap);
	while (m->slots[i].pfn)
		i = (i + 1) & (m->cap - 1);
	m->slots[i].pfn = pfn + 1;
	m->slots[i].page = p;
	m->used++;
	return p;
}

mem_status_t mem_read(mem_t *m, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t off = pa & (MEM_PAGE_SIZE - 1);
		size_t n = MEM_PAGE_SIZE - off < len ? (size_t)(MEM_PAGE_SIZE - off) : len;
		const uint8_t *p = lookup(m, pa >> MEM_PAGE_SHIFT);
		if (p)
			memcpy(out, p + off, n);
		else
			memset(out, 0, n);
		out += n;
		pa += n;
		len -= n;
	}
	return MEM_OK;
}

mem_status_t mem_write(mem_t *m, uint64_t pa, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	while (len) {
		uint64_t off = pa & (MEM_PAGE_SIZE - 1);
		size_t n = MEM_PAGE_SIZE - off < len ? (size_t)(MEM_PAGE_SIZE - off) : len;
		uint8_t *p = page_for_write(m, pa >> MEM_PAGE_SHIFT);
		if (!p)
			return MEM_ERR_NOMEM;
		memcpy(p + off, in, n);
		in += n;
		pa += n;
		len -= n;
	}
	return MEM_OK;
}

mem_status_t mem_fill(mem_t *m, uint64_t pa, uint8_t byte, size_t len)
{
	uint8_t chunk[256];
	memset(chunk, byte, sizeof chunk);
	while (len) {
		size_t n = len < sizeof chunk ? len : sizeof chunk;
		mem_status_t st = mem_write(m, pa, chunk, n);
		if (st != MEM_OK)
			return st;
		pa += n;
		len -= n;
	}
	return MEM_OK;
}

size_t mem_pages(const mem_t *m)
{
	return m->used;
}

uint64_t mem_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void mem_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static mem_status_t direct_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	return mem_read(ctx, pa, buf, len);
}

static mem_status_t direct_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	return mem_write(ctx, pa, buf, len);
}

mem_port_t mem_port_direct(mem_t *m)
{
	mem_port_t p = {direct_read, direct_write, m};
	return p;
}
