/* SPDX-License-Identifier: MIT */
/*
 * groups.h — IOMMU groups as Linux forms them (drivers/iommu/iommu.c pci_device_group(),
 * drivers/pci/pci.c pci_acs_enabled(), drivers/pci/search.c pci_for_each_dma_alias()).
 *
 * Linux builds groups one device at a time in probe order, each joining the first existing
 * group it finds. iofab computes the order-independent answer: the closure of the
 * "must share a group" relation those rules define (a union-find), which is what the probe
 * order converges to. Groups are numbered in probe order: root complexes in platform order,
 * each bus's functions in scan order before the buses below them (pci_bus_add_devices()); VFs
 * last, as they appear when sriov_numvfs is written.
 */
#ifndef IOFAB_GROUPS_H
#define IOFAB_GROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include "platform.h"

/* Why a function is in the group it is in. */
typedef enum group_why {
	GROUP_OWN,           /* isolated: a group of its own (or the root of one) */
	GROUP_DMA_ALIAS,     /* its DMA alias is a bridge's: it shares the bridge's group */
	GROUP_ACS_UPSTREAM,  /* ACS path not enabled at the bridge above: joins that bridge */
	GROUP_MULTIFUNCTION  /* multi-function device without ACS: joins its sibling function */
} group_why_t;

typedef struct sid_refusal {
	int32_t func;   /* refused function */
	int32_t holder; /* function that holds the stream ID */
	uint16_t sid;
} sid_refusal_t;

typedef struct iommu_groups {
	uint32_t n;         /* number of groups */
	int32_t *of;        /* per function: group number, or -1 when the SMMU driver refused it */
	group_why_t *why;   /* per function */
	int32_t *with;      /* per function: the function `why` names, or PCIE_NONE */
	uint16_t *dma_alias; /* per function: the Requester ID the IOMMU sees (topmost alias) */
	sid_refusal_t *refused;
	uint32_t nrefused;
	int32_t *order;     /* functions in probe order */
} iommu_groups_t;

bool groups_compute(const platform_t *p, iommu_groups_t *g);
void groups_free(iommu_groups_t *g);

/* pci_acs_enabled(): quirks, the ACS override patch, then the rules by device type. */
bool groups_acs_enabled(const platform_t *p, int32_t fn, uint16_t flags);
/* pci_acs_path_enabled(fn, NULL, flags): enabled on fn and every bridge above it. */
bool groups_acs_path_enabled(const platform_t *p, int32_t fn, uint16_t flags);

const char *group_why_text(group_why_t why);

/* The Requester ID the IOMMU sees for function fn's DMA: its topmost DMA alias (a bridge
 * taking ownership of it), or its own ID. */
uint16_t groups_dma_alias(const platform_t *p, int32_t fn);

#endif /* IOFAB_GROUPS_H */
