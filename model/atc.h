/* SPDX-License-Identifier: MIT */
/*
 * atc.h — a device's Address Translation Cache (PCIe 6.0 §10, ATS).
 *
 * An ATS-capable function keeps the translations its Translation Requests returned and then
 * sends its DMA with AT = Translated, bypassing the IOMMU's tables. The host takes entries
 * back with Invalidate Requests (§10.3), which the SMMU sends for CMD_ATC_INV. The cache is
 * fully associative with LRU replacement; an entry covers the untranslated range the
 * completion's S bit gave (at least 4 KiB), for one PASID or for none.
 */
#ifndef IOFAB_ATC_H
#define IOFAB_ATC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct atc_entry {
	bool valid;
	bool pv;         /* tagged with a PASID */
	uint32_t pasid;
	uint64_t base;   /* untranslated address, aligned to size */
	uint64_t pa;     /* translated address of base */
	uint64_t size;   /* a power of two, >= 4 KiB */
	bool r, w;       /* the completion's permissions */
	bool priv;       /* they were asked for a privileged requester (PASID Priv) */
	uint64_t used;   /* LRU stamp */
} atc_entry_t;

typedef struct atc {
	atc_entry_t *e;
	uint32_t n;
	uint64_t tick;
	uint64_t hits, misses, fills, invalidated;
} atc_t;

/* false when out of memory or entries is 0. */
bool atc_init(atc_t *a, uint32_t entries);
void atc_free(atc_t *a);

/* The translated address of addr for a read or write, privileged or not, if a cached entry
 * of the same tag and privilege allows it. */
bool atc_lookup(atc_t *a, bool pv, uint32_t pasid, bool priv, uint64_t addr, bool write,
		uint64_t *pa);

/* Caches a Translation Completion: [addr & ~(size-1), +size) -> pa & ~(size-1). A completion
 * granting no access (r = w = false) is not cached. */
void atc_fill(atc_t *a, bool pv, uint32_t pasid, bool priv, uint64_t addr, uint64_t pa,
	      uint64_t size, bool r, bool w);

/* An Invalidate Request for [addr, +size) (§10.3.8): with a PASID (pv), the entries of that
 * PASID; without one, every entry in the range, with a PASID or without (there is no way to
 * invalidate only the entries without a PASID); global, every entry in the range. Returns
 * how many entries it removed. */
uint32_t atc_invalidate(atc_t *a, bool pv, uint32_t pasid, bool global, uint64_t addr,
			uint64_t size);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_ATC_H */
