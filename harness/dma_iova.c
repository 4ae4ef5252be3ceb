/* SPDX-License-Identifier: MIT */
/* dma_iova.c — the DMA API's IOVA allocator (see dma_iova.h). */
#include "dma_iova.h"

#include <stdlib.h>
#include <string.h>

void dma_iova_init(dma_iova_t *a, unsigned granule_shift)
{
	memset(a, 0, sizeof *a);
	a->granule_shift = granule_shift;
}

void dma_iova_free(dma_iova_t *a)
{
	free(a->used);
	memset(a, 0, sizeof *a);
}

bool dma_iova_reserve(dma_iova_t *a, uint64_t lo, uint64_t hi)
{
	if (hi < lo)
		return true;
	/* Merge with every range it touches, keep the list sorted. */
	uint32_t i = 0;
	while (i < a->n && a->used[i].hi < lo && a->used[i].hi + 1 < lo)
		i++;
	uint32_t j = i;
	while (j < a->n && (a->used[j].lo <= hi || a->used[j].lo == hi + 1)) {
		if (a->used[j].lo < lo)
			lo = a->used[j].lo;
		if (a->used[j].hi > hi)
			hi = a->used[j].hi;
		j++;
	}
	if (j == i) { /* a new range at i */
		if (a->n == a->cap) {
			uint32_t cap = a->cap ? 2 * a->cap : 16;
			struct dma_iova_range *g = realloc(a->used, cap * sizeof *g);
			if (!g)
				return false;
			a->used = g;
			a->cap = cap;
		}
		memmove(&a->used[i + 1], &a->used[i], (a->n - i) * sizeof *a->used);
		a->n++;
	} else if (j > i + 1) {
		memmove(&a->used[i + 1], &a->used[j], (a->n - j) * sizeof *a->used);
		a->n -= j - i - 1;
	}
	a->used[i].lo = lo;
	a->used[i].hi = hi;
	return true;
}

/* The highest aligned [x, x + size) at or below limit that misses every used range; 0 if
 * none (IOVA 0 is reserved by the caller). Gaps are visited from the top down. */
static uint64_t top_down(const dma_iova_t *a, uint64_t size, uint64_t align, uint64_t limit)
{
	for (uint32_t k = a->n + 1; k-- > 0;) {
		if (k < a->n && a->used[k].lo == 0)
			continue; /* no gap below a range that starts at 0 */
		uint64_t lo = k ? a->used[k - 1].hi + 1 : 0;
		uint64_t hi = k < a->n ? a->used[k].lo - 1 : UINT64_MAX;
		if (k && a->used[k - 1].hi == UINT64_MAX)
			continue;
		if (hi > limit)
			hi = limit;
		if (lo > hi || hi - lo < size - 1)
			continue;
		uint64_t x = (hi - size + 1) & ~(align - 1);
		if (x >= lo)
			return x;
	}
	return 0;
}

uint64_t dma_iova_alloc(dma_iova_t *a, uint64_t size, uint64_t mask)
{
	uint64_t g = 1ull << a->granule_shift;
	uint64_t pages = (size + g - 1) >> a->granule_shift;
	if (!pages)
		pages = 1;
	/* alloc_iova(size_aligned = true): the IOVA is aligned to the size rounded up to a
	 * power of two; the size itself is rounded so only under 32 granules. */
	uint64_t p = 1;
	while (p < pages)
		p <<= 1;
	uint64_t align = p << a->granule_shift;
	if (pages < 32)
		pages = p;
	uint64_t len = pages << a->granule_shift;
	uint64_t x = 0;
	if (mask > 0xffffffffull)
		x = top_down(a, len, align, 0xffffffffull);
	if (!x)
		x = top_down(a, len, align, mask);
	if (x && !dma_iova_reserve(a, x, x + len - 1))
		return 0;
	return x;
}
