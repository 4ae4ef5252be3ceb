/* SPDX-License-Identifier: MIT */
/*
 * dma_iova.h — the host kernel's IOVA allocator for DMA-API mappings, with the policy of
 * Linux's iommu-dma (drivers/iommu/dma-iommu.c iommu_dma_alloc_iova(), drivers/iommu/iova.c):
 *
 *   - sizes are whole granules, rounded up to a power of two below 32 granules; the IOVA
 *     is aligned to the size rounded up to a power of two (alloc_iova_fast(...,
 *     size_aligned = true));
 *   - addresses come top-down: the highest free range under the limit;
 *   - a PCI device tries below 4 GiB first (32-bit DMA addresses, a single-address-cycle
 *     TLP), then up to its DMA mask;
 *   - IOVA 0 is never handed out, nor anything the domain reserves: the group's reserved
 *     regions (the MSI window first) and the host bridges' MMIO windows, which a switch
 *     would route peer to peer before any IOMMU saw them (iova_reserve_pci_windows()).
 */
#ifndef IOFAB_DMA_IOVA_H
#define IOFAB_DMA_IOVA_H

#include <stdbool.h>
#include <stdint.h>

typedef struct dma_iova {
	struct dma_iova_range {
		uint64_t lo, hi; /* inclusive */
	} *used;                 /* reserved and allocated, sorted by lo, disjoint */
	uint32_t n, cap;
	unsigned granule_shift;
} dma_iova_t;

void dma_iova_init(dma_iova_t *a, unsigned granule_shift);
void dma_iova_free(dma_iova_t *a);
/* Takes [lo, hi] (inclusive) out of the allocator. false when out of memory. */
bool dma_iova_reserve(dma_iova_t *a, uint64_t lo, uint64_t hi);
/* An IOVA for size bytes, below 4 GiB if possible, else below `mask` (inclusive, e.g.
 * 2^48 - 1); 0 when none is free. */
uint64_t dma_iova_alloc(dma_iova_t *a, uint64_t size, uint64_t mask);

#endif /* IOFAB_DMA_IOVA_H */
