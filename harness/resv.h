/* SPDX-License-Identifier: MIT */
/*
 * resv.h — IOMMU reserved regions, per function and per group, as Linux reports them in
 * /sys/kernel/iommu_groups/<N>/reserved_regions (drivers/iommu/iommu.c
 * iommu_get_group_resv_regions(), iommu_insert_resv_region()):
 *
 *   - behind an SMMUv3: the software MSI window arm-smmu-v3 reserves (IOMMU_RESV_SW_MSI, by
 *     default 0x08000000 + 1 MiB, the platform's `msi` window), and, when the platform's MSI
 *     doorbells bypass the SMMU, each doorbell as a hardware MSI region (IOMMU_RESV_MSI, as
 *     IORT reports an ITS's translation frame);
 *   - the platform's own reserved regions (`reserved_regions:`, IORT RMR-like): direct,
 *     direct-relaxable or reserved, for all functions or the ones listed.
 *
 * A group's list is its functions' lists, sorted by start (then type) with overlapping or
 * adjacent regions of the same type merged.
 */
#ifndef IOFAB_RESV_H
#define IOFAB_RESV_H

#include <stdbool.h>
#include <stdint.h>

#include "groups.h"
#include "platform.h"

typedef enum resv_type {
	RESV_DIRECT,            /* identity-mapped (firmware buffers) */
	RESV_DIRECT_RELAXABLE,  /* identity-mapped, may be dropped on assignment */
	RESV_RESERVED,          /* must never be mapped */
	RESV_MSI,               /* a hardware MSI doorbell (before the IOMMU) */
	RESV_SW_MSI             /* the software MSI window (the doorbell is mapped there) */
} resv_type_t;

typedef struct resv_region {
	uint64_t start, end;    /* inclusive */
	resv_type_t type;
} resv_region_t;

typedef struct resv_list {
	resv_region_t *v;
	uint32_t n, cap;
} resv_list_t;

/* The sysfs name of a type: direct, direct-relaxable, reserved, msi (both MSI kinds). */
const char *resv_type_name(resv_type_t t);
/* Whether VFIO lets a DMA mapping overlap it (only direct-relaxable). */
static inline bool resv_relaxable(resv_type_t t) { return t == RESV_DIRECT_RELAXABLE; }

/* Appends function fn's regions (unsorted). false when out of memory. */
bool resv_of_function(const platform_t *p, int32_t fn, resv_list_t *out);
/* A group's regions, sorted and merged as Linux does. false when out of memory. */
bool resv_of_group(const platform_t *p, const iommu_groups_t *g, uint32_t group,
		   resv_list_t *out);
void resv_free(resv_list_t *l);

#endif /* IOFAB_RESV_H */
