/* SPDX-License-Identifier: MIT */
/*
 * iopgtable.h — the software layer's translation tables: what Linux's io-pgtable-arm does for
 * the SMMU driver. Tables are allocated from simulated DRAM and written there in the AArch64
 * VMSA format (model/smmu/vmsa.h), so the SMMU model walks exactly the bytes a driver wrote.
 *
 * Stage 1 starts at the level the input size needs; stage 2, like io-pgtable-arm, starts one
 * level lower with up to 16 concatenated tables when that avoids a level-0 table.
 */
#ifndef IOFAB_IOPGTABLE_H
#define IOFAB_IOPGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "smmu_walk.h"

/* A bump allocator of physical memory for driver structures (tables, queues). */
typedef struct physalloc {
	uint64_t base, limit, next; /* [base, limit) */
} physalloc_t;

void physalloc_init(physalloc_t *a, uint64_t base, uint64_t size);
/* Returns a zeroed (never-written) region aligned to `align` (a power of two), or 0 when the
 * pool is exhausted. */
uint64_t physalloc_alloc(physalloc_t *a, uint64_t size, uint64_t align);

/* Mapping permissions (IOMMU_READ, IOMMU_WRITE, ...). */
#define IOPT_READ (1u << 0)
#define IOPT_WRITE (1u << 1)
#define IOPT_EXEC (1u << 2)
#define IOPT_PRIV (1u << 3) /* stage 1: privileged access only */

typedef enum iopt_status {
	IOPT_OK = 0,
	IOPT_ERR_INVAL = -1, /* unsupported size, misaligned address, address beyond IAS/OAS */
	IOPT_ERR_EXIST = -2, /* something is already mapped there */
	IOPT_ERR_NOMEM = -3  /* the allocator is exhausted */
} iopt_status_t;

typedef struct iopgtable {
	mem_t *mem;
	physalloc_t *alloc;
	uint8_t stage;
	smmu_tt_t tt;      /* what the driver programs into the CD or STE */
	unsigned concat;   /* number of concatenated start-level tables */
	uint64_t tables;   /* tables allocated so far (including the start level) */
	/* Tables kept in a guest's memory are addressed by IPA: table pointers (and tt.ttb) are
	 * written as PA - ipa_delta. 0 for tables in host physical memory. */
	uint64_t ipa_delta;
	/* The largest leaf iopgtable_map_range() uses (0: any the granule allows): a driver
	 * mapping memory backed by small pages, or told not to use blocks. */
	uint64_t max_leaf;
} iopgtable_t;

/* Sets up an empty table tree. granule_shift 12/14/16; ias/oas in bits (25..48). */
iopt_status_t iopgtable_init(iopgtable_t *pt, mem_t *mem, physalloc_t *alloc, uint8_t stage,
			     unsigned granule_shift, unsigned ias, unsigned oas);

/* Maps [iova, iova + size) to pa with one leaf: size must be the page size or a block size
 * of the granule (4K: 4K, 2M, 1G; 16K: 16K, 32M; 64K: 64K, 512M). */
iopt_status_t iopgtable_map(iopgtable_t *pt, uint64_t iova, uint64_t pa, uint64_t size,
			    unsigned prot);
/* Maps a range with the largest leaves that fit (both addresses aligned to the granule),
 * none larger than pt->max_leaf. */
iopt_status_t iopgtable_map_range(iopgtable_t *pt, uint64_t iova, uint64_t pa, uint64_t size,
				  unsigned prot);
/* Removes the leaf mapping iova (a whole leaf of exactly `size`). */
iopt_status_t iopgtable_unmap(iopgtable_t *pt, uint64_t iova, uint64_t size);

/* Physical address of the descriptor that maps iova at `level` (for tests that corrupt or
 * inspect tables), or 0 if the walk does not reach that level. */
uint64_t iopgtable_desc_addr(const iopgtable_t *pt, uint64_t iova, int level);

#endif /* IOFAB_IOPGTABLE_H */
