/* SPDX-License-Identifier: MIT */
/*
 * platform.h — a platform: the hardware (a PCIe fabric and a memory map) described by a
 * platforms/NAME.yaml file, plus the kernel policy that decides how Linux sees it (whether ACS
 * is enabled before IOMMU groups form, ATS, quirks, the ACS override patch).
 *
 * The format is documented in docs/platform-format.md.
 */
#ifndef IOFAB_PLATFORM_H
#define IOFAB_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "gic.h"
#include "its.h"
#include "pcie.h"
#include "smmu.h"
#include "ydoc.h"

#define PLATFORM_MAX_IDS 32

/* The kernel policy in force when IOMMU groups are formed. */
typedef struct kernel_policy {
	/* Linux's IOMMU driver called pci_request_acs() before the PCI devices were added, so
	 * pci_enable_acs() set control |= capability & {SV, RR, CR, UF} on every function. */
	bool enable_acs;
	/* ATS in use (false is `pci=noats`: Linux then also enables Translation Blocking). */
	bool ats;
	/* The out-of-tree pcie_acs_override= patch. */
	bool override_downstream;
	bool override_multifunction;
	uint32_t override_ids[PLATFORM_MAX_IDS]; /* vendor << 16 | device */
	unsigned noverride_ids;
	/* Device-specific ACS quirks: vendor:device pairs that isolate without an ACS capability
	 * (pci_dev_specific_acs_enabled). */
	uint32_t quirk_ids[PLATFORM_MAX_IDS];
	unsigned nquirks;
} kernel_policy_t;

/* An SMMU of the platform: its parameters, where its registers are, and which root complexes'
 * traffic it translates (an IORT-like ID mapping: StreamID = Requester ID + sid_base). */
typedef struct platform_smmu {
	char name[PCIE_NAME_MAX];
	uint64_t base; /* MMIO frame (128 KiB) */
	smmu_params_t params;
	unsigned line;
	/* MSIs: either doorbell writes bypass translation (msi_bypass), or the driver maps the
	 * doorbell pages into every domain at this IOVA window (Linux's software MSI window). */
	bool msi_bypass;
	uint64_t msi_window, msi_window_size;
	int32_t region; /* its register frame in the memory map (a `device` region) */
} platform_smmu_t;

/* An ITS: its 128 KiB frame (control frame, then the translation frame whose page holds
 * GITS_TRANSLATER), and its parameters. */
typedef struct platform_its {
	char name[PCIE_NAME_MAX];
	uint64_t base;
	its_params_t params;
	unsigned line;
	int32_t region;   /* the control frame (a `device` region named after the ITS) */
	int32_t doorbell; /* the translation frame (an `msi` region, NAME-doorbell) */
} platform_its_t;

/* A GICv2m frame (4 KiB) and the SPIs it owns. */
typedef struct platform_v2m {
	char name[PCIE_NAME_MAX];
	uint64_t base;
	uint32_t spi_base, spi_count, iidr;
	unsigned line;
	int32_t region;   /* an `msi` region named after the frame */
	uint64_t rcs;     /* bit per root complex whose writes can reach it */
} platform_v2m_t;

/* The interrupt controller: a GICv3 distributor and redistributors, ITSs, GICv2m frames. */
typedef struct platform_gic {
	bool present;
	unsigned line;
	gic_params_t params;
	bool has_gicr;          /* the redistributor frames are in the memory map */
	int32_t gicr_region;
	platform_its_t *its;
	unsigned nits;
	platform_v2m_t *v2m;
	unsigned nv2m;
} platform_gic_t;

/* A reserved IOVA region the platform declares (as an IORT RMR node or a device tree's
 * iommu-addresses do): for the functions listed, or all of them (nfns = 0). */
typedef struct platform_resv {
	char name[PCIE_NAME_MAX];
	uint64_t base, size;
	int type;         /* resv_type_t: direct, direct-relaxable or reserved */
	int32_t *fns;
	uint32_t nfns;
	unsigned line;
} platform_resv_t;

typedef struct platform {
	char name[PCIE_NAME_MAX];
	char *description;
	char *file;
	pcie_fabric_t fabric;
	kernel_policy_t kernel;
	bool enumerate;           /* bus numbers and BARs assigned by the enumeration pass */
	uint16_t *acs_ctrl_firmware; /* per function: ACS Control as the platform file left it */
	unsigned *line;           /* per function: line of its description, for messages */
	platform_smmu_t *smmus;
	unsigned nsmmus;
	int32_t *rc_smmu;         /* per root complex: index into smmus, or -1 (no IOMMU) */
	uint32_t *rc_sid_base;    /* per root complex: StreamID = RID + this */
	platform_gic_t gic;
	int32_t *rc_its;          /* per root complex: the ITS its MSIs are allocated from, or -1 */
	uint32_t *rc_devid_base;  /* per root complex: ITS DeviceID = RID + this */
	platform_resv_t *resv;    /* reserved_regions */
	uint32_t nresv;
} platform_t;

/* Loads and enumerates a platform file. On any error, records messages in errs, leaves *p
 * freed, and returns false. */
bool platform_load(platform_t *p, const char *file, yerrs_t *errs);

/* Loads a platform from the mapping at cursor c (a scenario may inline one). When
 * kernel_override is given (a scenario's `kernel:` section), its keys replace the platform's
 * kernel policy before the policy is applied. */
bool platform_load_node(platform_t *p, const ycur_t *c, const ycur_t *kernel_override,
			yerrs_t *errs);
/* platform_load() with a kernel policy override (may be NULL). */
/* The same with settings applied to the file first (ydoc_set; `iofab sweep --set`). */
bool platform_load_set(platform_t *p, const char *file, const ycur_t *kernel_override,
		       const ydoc_setting_t *sets, unsigned nsets, yerrs_t *errs);
bool platform_load_with(platform_t *p, const char *file, const ycur_t *kernel_override,
			yerrs_t *errs);

void platform_free(platform_t *p);

/* Parses the `smmus:` section (harness/platform_smmu.c); root complexes must be loaded. */
bool platform_parse_smmus(platform_t *p, const ycur_t *c);
/* Parses `reserved_regions:` (harness/platform_resv.c), after the root complexes. */
bool platform_parse_resv(platform_t *p, const ycur_t *c);
/* Parses the `gic:` section (harness/platform_gic.c), after the SMMUs. */
bool platform_parse_gic(platform_t *p, const ycur_t *c);
/* Cache geometry {entries, ways, replacement} (shared by the SMMU and GIC sections). */
bool platform_parse_geom(const ycur_t *c, cache_geom_t *g);

/* The DeviceID an ITS sees for a Requester ID of root complex rc. */
/* The GICv2m frames root complex rc's MSIs can reach, as a mask (frames 0..63): those
 * whose `rcs` name it (all of them for a root complex past the 64th). */
static inline uint64_t platform_v2m_reach(const platform_t *p, uint32_t rc)
{
	uint64_t reach = 0;
	for (unsigned fr = 0; fr < p->gic.nv2m && fr < 64; fr++)
		if (rc >= 64 || (p->gic.v2m[fr].rcs >> rc & 1))
			reach |= 1ull << fr;
	return reach;
}

static inline uint32_t platform_device_id(const platform_t *p, uint32_t rc, uint16_t rid)
{
	return p->rc_devid_base[rc] + rid;
}

/* A block's register or doorbell frame [lo, lo + size) must fit the address space and overlap
 * no memory region and no root complex's MMIO window; otherwise reports at `at` ("<what>
 * [lo-hi] overlap ...") and returns false. */
bool platform_check_frame(const platform_t *p, const ycur_t *at, const char *what, uint64_t lo,
			  uint64_t size);

/* The StreamID the platform's SMMU sees for a Requester ID of root complex rc. */
static inline uint32_t platform_stream_id(const platform_t *p, uint32_t rc, uint16_t rid)
{
	return p->rc_sid_base[rc] + rid;
}

/* Formats a function as "SSSS:BB:DD.F". buf needs 13 bytes. */
void platform_bdf(const platform_t *p, int32_t fn, char *buf, size_t size);

/* Finds a function by name or by "SSSS:BB:DD.F" / "BB:DD.F". */
int32_t platform_find(const platform_t *p, const char *ref);

/* Parses "SSSS:BB:DD.F" or "BB:DD.F" into segment and routing ID. */
bool platform_parse_bdf(const char *s, uint16_t *segment, uint16_t *id);

/* True when a quirk entry names this function's vendor:device. */
bool platform_quirk_matches(const platform_t *p, const pcie_func_t *fn);

/* Names of ACS bits: "SV TB RR CR UF EC DT" subset as text ("-" when none). */
void acs_bits_text(uint16_t bits, char *buf, size_t size);

#endif /* IOFAB_PLATFORM_H */
