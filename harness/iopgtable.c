/* SPDX-License-Identifier: MIT */
/* iopgtable.c — building VMSA translation tables in simulated memory. See iopgtable.h. */
#include "iopgtable.h"

void physalloc_init(physalloc_t *a, uint64_t base, uint64_t size)
{
	a->base = base;
	a->limit = base + size;
	a->next = base;
}

uint64_t physalloc_alloc(physalloc_t *a, uint64_t size, uint64_t align)
{
	uint64_t p = (a->next + align - 1) & ~(align - 1);
	if (p < a->next || p + size > a->limit || p + size < p)
		return 0;
	a->next = p + size;
	return p;
}

static uint64_t rd64(const iopgtable_t *pt, uint64_t pa)
{
	uint8_t b[8];
	mem_read(pt->mem, pa, b, 8);
	return mem_le64(b);
}

static bool wr64(iopgtable_t *pt, uint64_t pa, uint64_t v)
{
	uint8_t b[8];
	mem_put_le64(b, v);
	return mem_write(pt->mem, pa, b, 8) == MEM_OK;
}

iopt_status_t iopgtable_init(iopgtable_t *pt, mem_t *mem, physalloc_t *alloc, uint8_t stage,
			     unsigned granule_shift, unsigned ias, unsigned oas)
{
	if ((granule_shift != 12 && granule_shift != 14 && granule_shift != 16) ||
	    (stage != 1 && stage != 2) || ias < 25 || ias > 48 || oas < 32 || oas > 48)
		return IOPT_ERR_INVAL;
	pt->mem = mem;
	pt->alloc = alloc;
	pt->stage = stage;
	pt->tables = 0;
	pt->ipa_delta = 0;
	int start = vmsa_s1_start_level(granule_shift, ias);
	unsigned stride = vmsa_stride(granule_shift);
	/* io-pgtable-arm, stage 2: replace a level-0 start by up to 16 concatenated level-1
	 * tables (fewer levels to walk). */
	if (stage == 2 && start == 0 &&
	    ias - vmsa_level_shift(granule_shift, 1) <= stride + 4)
		start = 1;
	unsigned bits = ias - vmsa_level_shift(granule_shift, start);
	pt->concat = bits > stride ? 1u << (bits - stride) : 1;
	/* The start table holds 2^bits entries (at least 8 bytes each), aligned to its size. */
	uint64_t bytes = (8ull << bits) < (1ull << granule_shift) ? 1ull << granule_shift
								  : 8ull << bits;
	uint64_t root = physalloc_alloc(alloc, bytes, bytes);
	if (!root)
		return IOPT_ERR_NOMEM;
	pt->tables = pt->concat;
	pt->tt = (smmu_tt_t){
		.ttb = root,
		.granule_shift = (uint8_t)granule_shift,
		.ias = (uint8_t)ias,
		.start_level = (int8_t)start,
		.oas = (uint8_t)oas,
		.affd = false,
	};
	return IOPT_OK;
}

/* The leaf attributes io-pgtable-arm writes for `prot`. */
static uint64_t leaf_attrs(const iopgtable_t *pt, unsigned prot)
{
	uint64_t d = VMSA_AF | VMSA_SH_IS;
	if (pt->stage == 1) {
		d |= VMSA_S1_NG; /* ASID-tagged */
		if (!(prot & IOPT_PRIV))
			d |= VMSA_S1_AP_UNPRIV;
		if (!(prot & IOPT_WRITE))
			d |= VMSA_S1_AP_RDONLY;
		if (!(prot & IOPT_EXEC))
			d |= VMSA_S1_PXN | VMSA_S1_UXN;
	} else {
		d |= VMSA_S2_MEMATTR_NORMAL_WB;
		if (prot & IOPT_READ)
			d |= VMSA_S2AP_READ;
		if (prot & IOPT_WRITE)
			d |= VMSA_S2AP_WRITE;
		if (!(prot & IOPT_EXEC))
			d |= VMSA_S2_XN;
	}
	return d;
}

/* The level whose leaves are `size` bytes, or -1. */
static int leaf_level(const iopgtable_t *pt, uint64_t size)
{
	unsigned g = pt->tt.granule_shift;
	for (int l = 3; l >= pt->tt.start_level && l >= 1; l--)
		if (size == 1ull << vmsa_level_shift(g, l) && (l == 3 || vmsa_block_allowed(g, l)))
			return l;
	return -1;
}

/* Index of iova's entry in the table at `level`. */
static uint64_t index_at(const iopgtable_t *pt, uint64_t iova, int level)
{
	unsigned g = pt->tt.granule_shift, shift = vmsa_level_shift(g, level);
	unsigned bits = level == pt->tt.start_level ? pt->tt.ias - shift : vmsa_stride(g);
	return (iova >> shift) & ((1ull << bits) - 1);
}

iopt_status_t iopgtable_map(iopgtable_t *pt, uint64_t iova, uint64_t pa, uint64_t size,
			    unsigned prot)
{
	const smmu_tt_t *tt = &pt->tt;
	unsigned g = tt->granule_shift;
	int target = leaf_level(pt, size);
	if (target < 0 || (iova & (size - 1)) || (pa & (size - 1)) || (iova >> tt->ias) ||
	    ((pa + size - 1) >> tt->oas))
		return IOPT_ERR_INVAL;
	uint64_t table = tt->ttb + pt->ipa_delta;
	for (int level = tt->start_level;; level++) {
		uint64_t dpa = table + index_at(pt, iova, level) * 8;
		uint64_t d = rd64(pt, dpa);
		if (level == target) {
			if (d & VMSA_DESC_VALID)
				return IOPT_ERR_EXIST;
			uint64_t leaf = (pa & VMSA_ADDR_MASK) | leaf_attrs(pt, prot) | VMSA_DESC_VALID;
			if (level == 3)
				leaf |= VMSA_DESC_TABLE; /* page descriptor */
			return wr64(pt, dpa, leaf) ? IOPT_OK : IOPT_ERR_NOMEM;
		}
		if (d & VMSA_DESC_VALID) {
			if (!(d & VMSA_DESC_TABLE))
				return IOPT_ERR_EXIST; /* a block covers it */
			table = (d & VMSA_ADDR_MASK & ~((1ull << g) - 1)) + pt->ipa_delta;
			continue;
		}
		uint64_t next = physalloc_alloc(pt->alloc, 1ull << g, 1ull << g);
		if (!next)
			return IOPT_ERR_NOMEM;
		pt->tables++;
		if (!wr64(pt, dpa, (next - pt->ipa_delta) | VMSA_DESC_TABLE | VMSA_DESC_VALID))
			return IOPT_ERR_NOMEM;
		table = next;
	}
}

iopt_status_t iopgtable_map_range(iopgtable_t *pt, uint64_t iova, uint64_t pa, uint64_t size,
				  unsigned prot)
{
	unsigned g = pt->tt.granule_shift;
	if ((iova | pa | size) & ((1ull << g) - 1))
		return IOPT_ERR_INVAL;
	while (size) {
		uint64_t leaf = 1ull << g;
		for (int l = 1; l < 3; l++) {
			uint64_t b = 1ull << vmsa_level_shift(g, l);
			if (l >= pt->tt.start_level && vmsa_block_allowed(g, l) && size >= b &&
			    (!pt->max_leaf || b <= pt->max_leaf) &&
			    !(iova & (b - 1)) && !(pa & (b - 1))) {
				leaf = b;
				break;
			}
		}
		iopt_status_t st = iopgtable_map(pt, iova, pa, leaf, prot);
		if (st != IOPT_OK)
			return st;
		iova += leaf;
		pa += leaf;
		size -= leaf;
	}
	return IOPT_OK;
}

uint64_t iopgtable_desc_addr(const iopgtable_t *pt, uint64_t iova, int level)
{
	const smmu_tt_t *tt = &pt->tt;
	uint64_t table = tt->ttb + pt->ipa_delta;
	for (int l = tt->start_level; l <= 3; l++) {
		uint64_t dpa = table + index_at(pt, iova, l) * 8;
		if (l == level)
			return dpa;
		uint64_t d = rd64(pt, dpa);
		if (!(d & VMSA_DESC_VALID) || !(d & VMSA_DESC_TABLE))
			return 0;
		table = (d & VMSA_ADDR_MASK & ~((1ull << tt->granule_shift) - 1)) + pt->ipa_delta;
	}
	return 0;
}

iopt_status_t iopgtable_unmap(iopgtable_t *pt, uint64_t iova, uint64_t size)
{
	int level = leaf_level(pt, size);
	if (level < 0 || (iova & (size - 1)))
		return IOPT_ERR_INVAL;
	uint64_t dpa = iopgtable_desc_addr(pt, iova, level);
	if (!dpa)
		return IOPT_ERR_INVAL;
	uint64_t d = rd64(pt, dpa);
	bool leaf = (d & VMSA_DESC_VALID) && (level == 3 || !(d & VMSA_DESC_TABLE));
	if (!leaf)
		return IOPT_ERR_INVAL;
	return wr64(pt, dpa, 0) ? IOPT_OK : IOPT_ERR_NOMEM;
}
