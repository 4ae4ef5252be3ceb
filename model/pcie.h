/* SPDX-License-Identifier: MIT */
/*
 * pcie.h — the PCI Express fabric: root complexes, root ports, switches, bridges, endpoints,
 * and TLP routing through them with Access Control Services.
 *
 * The fabric is a tree of *functions* (anything with a configuration header). A bridge
 * function (Type 1 header: root port, switch upstream/downstream port, PCIe-to-PCI bridge,
 * conventional PCI-to-PCI bridge) owns a secondary bus; the functions on that bus are its
 * children. The functions on a root complex's root bus (root ports, RC-integrated endpoints)
 * are the root complex's children.
 *
 * Routing uses only what the hardware uses: bus numbers (secondary/subordinate), the bridges'
 * memory windows, the BARs, and the ACS Control register of the port that receives the TLP.
 * Those registers are written by an enumeration pass (harness/enumerate.c), as firmware does.
 *
 * The model never prints and never allocates during routing: a route is written into a
 * caller-provided pcie_route_t.
 */
#ifndef IOFAB_PCIE_H
#define IOFAB_PCIE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcie_regs.h"
#include "sim.h"
#include "tlp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCIE_NAME_MAX 48
#define PCIE_MAX_BARS 6
#define PCIE_MAX_HOPS 96 /* > 2 x the deepest tree the loader accepts, plus host hops */
#define PCIE_NONE (-1)

typedef struct pcie_bar {
	uint64_t size; /* 0: no BAR in this slot */
	uint64_t base; /* assigned address */
	bool is64;
	bool prefetchable;
} pcie_bar_t;

/* An address window [base, limit], limit inclusive; empty when base > limit. */
typedef struct pcie_window {
	uint64_t base;
	uint64_t limit;
} pcie_window_t;

typedef struct pcie_func {
	char name[PCIE_NAME_MAX];
	uint16_t vendor_id;
	uint16_t device_id;
	uint32_t class_code; /* 24 bits */

	/* What kind of function this is, as its capabilities say. */
	bool is_pcie;       /* has a PCI Express Capability */
	uint8_t pcie_type;  /* PCI_EXP_TYPE_*, when is_pcie */
	bool is_bridge;     /* Type 1 header */
	bool multifunction; /* Header Type bit 7 of its device */
	bool is_vf;         /* SR-IOV Virtual Function */
	int32_t pf;         /* for a VF: its Physical Function */

	/* Location (written by enumeration). */
	uint32_t rc;      /* index of its root complex */
	uint8_t bus;      /* bus number */
	uint8_t devfn;    /* device/function */
	int32_t parent;   /* bridge whose secondary bus it sits on; PCIE_NONE on a root bus */
	int32_t first_child; /* first function on its secondary bus (bridges) */
	int32_t next_sibling; /* next function on the same bus */

	/* Type 1 header (bridges). */
	uint8_t secondary_bus;
	uint8_t subordinate_bus;
	pcie_window_t mem;  /* Memory Base/Limit (non-prefetchable) */
	pcie_window_t pref; /* Prefetchable Memory Base/Limit */
	uint8_t port_number; /* Link Capabilities Port Number (Egress Control Vector index) */

	/* ACS Extended Capability. */
	bool has_acs;
	uint16_t acs_cap;  /* ACS Capability register (bits [6:0] used) */
	uint16_t acs_ctrl; /* ACS Control register */
	uint32_t acs_egress_vector; /* Egress Control Vector (first 32 ports/functions) */
	/* The vendor states this function isolates as if SV, RR, CR and UF were enabled, without
	 * an ACS capability to say so (what a Linux ACS quirk asserts). Routing honours it. */
	bool acs_equivalent;

	/* Other capabilities. */
	bool has_pasid;
	uint8_t pasid_width; /* Max PASID Width (bits) */
	bool has_ats;
	bool has_sriov;
	uint16_t sriov_num_vfs;
	uint16_t sriov_offset; /* First VF Offset */
	uint16_t sriov_stride; /* VF Stride */

	pcie_bar_t bars[PCIE_MAX_BARS];
} pcie_func_t;

/* Latencies a TLP accumulates through the fabric (picoseconds). */
typedef struct pcie_timing {
	sim_time_t switch_hop;   /* ingress port to egress port through a switch */
	sim_time_t rc_upstream;  /* root port ingress to the root complex's upstream exit */
	sim_time_t rc_downstream; /* root complex to a root port's egress */
	sim_time_t rc_p2p;       /* root port to root port inside the root complex */
	sim_time_t bridge_hop;   /* through a PCIe-to-PCI or conventional bridge */
	sim_time_t device_internal; /* function to function inside one device */
	sim_time_t memory_read;  /* host memory access for a read */
	sim_time_t memory_write; /* host memory accepts a posted write */
	sim_time_t doorbell_write; /* an MSI doorbell (GICv2m frame, ITS) accepts a write */
} pcie_timing_t;

typedef struct pcie_rc {
	char name[PCIE_NAME_MAX];
	uint16_t segment;  /* PCI segment (domain) */
	uint8_t root_bus;  /* bus number of the root bus */
	uint8_t last_bus;  /* last bus number the root complex decodes */
	bool p2p_between_root_ports; /* forwards peer-to-peer between its root ports */
	pcie_window_t mem;  /* MMIO window for non-prefetchable BARs */
	pcie_window_t pref; /* MMIO window for prefetchable BARs (may be empty) */
	int32_t first_child; /* first function on the root bus */
} pcie_rc_t;

typedef enum pcie_region_kind {
	PCIE_REGION_DRAM,
	PCIE_REGION_DEVICE, /* platform MMIO (interrupt controllers, SMMU registers, ...) */
	PCIE_REGION_MSI     /* an MSI doorbell page (GICv2m frame, ITS GITS_TRANSLATER page) */
} pcie_region_kind_t;

/* A region of the system memory map outside the PCIe windows. */
typedef struct pcie_region {
	char name[PCIE_NAME_MAX];
	pcie_region_kind_t kind;
	uint64_t base;
	uint64_t size;
} pcie_region_t;

typedef struct pcie_fabric {
	pcie_func_t *funcs;
	uint32_t nfuncs;
	uint32_t funcs_cap;
	pcie_rc_t *rcs;
	uint32_t nrcs;
	uint32_t rcs_cap;
	pcie_region_t *regions;
	uint32_t nregions;
	uint32_t regions_cap;
	pcie_timing_t timing;
} pcie_fabric_t;

/* --- building ------------------------------------------------------------------------- */

/* Default timing: docs/models/pcie.md gives each figure and its source. */
pcie_timing_t pcie_timing_default(void);

/* Initialises an empty fabric with default timing. */
void pcie_fabric_init(pcie_fabric_t *f);
void pcie_fabric_free(pcie_fabric_t *f);

/* Appends a root complex; returns its index or PCIE_NONE when out of memory. */
int32_t pcie_add_rc(pcie_fabric_t *f, const char *name);
/* Appends a function under `parent` (a bridge function) or, when parent is PCIE_NONE, on the
 * root bus of root complex `rc`. Children keep insertion order. Returns its index or
 * PCIE_NONE when out of memory. */
int32_t pcie_add_func(pcie_fabric_t *f, uint32_t rc, int32_t parent, const char *name);
int32_t pcie_add_region(pcie_fabric_t *f, const char *name, pcie_region_kind_t kind,
			uint64_t base, uint64_t size);

/* --- lookups -------------------------------------------------------------------------- */

/* The functions on a bus — the root bus of rc when bridge is PCIE_NONE, else the bridge's
 * secondary bus — in device/function order, the order a bus scan finds them. SR-IOV VFs are
 * left out (they are not found by scanning). Writes at most `cap` indices; returns the count. */
uint32_t pcie_bus_scan_order(const pcie_fabric_t *f, uint32_t rc, int32_t bridge, int32_t *out,
			     uint32_t cap);

/* The Requester ID the root complex (the host) uses: root bus, the first device/function no
 * root-bus function occupies (normally 00.0). Completions to it end at the host. */
uint16_t pcie_rc_host_id(const pcie_fabric_t *f, uint32_t rc);

/* The function with routing ID `id` in segment `segment`, or PCIE_NONE. */
int32_t pcie_find_id(const pcie_fabric_t *f, uint16_t segment, uint16_t id);
int32_t pcie_find_name(const pcie_fabric_t *f, const char *name);
/* The function and BAR claiming `addr` (BAR index into *bar), or PCIE_NONE. */
int32_t pcie_find_bar(const pcie_fabric_t *f, uint32_t rc, uint64_t addr, int *bar);
/* The system-memory region containing addr, or PCIE_NONE. */
int32_t pcie_find_region(const pcie_fabric_t *f, uint64_t addr);
/* The root complex whose MMIO windows contain addr, or PCIE_NONE. */
int32_t pcie_find_rc_window(const pcie_fabric_t *f, uint64_t addr);

static inline uint16_t pcie_func_id(const pcie_func_t *fn)
{
	return PCI_DEVID(fn->bus, fn->devfn);
}
static inline bool pcie_window_contains(pcie_window_t w, uint64_t a)
{
	return w.base <= w.limit && a >= w.base && a <= w.limit;
}
/* True when the bridge's memory windows claim addr. */
bool pcie_bridge_claims(const pcie_func_t *br, uint64_t addr);
/* True for root ports and switch downstream ports (ports that face a link downward). */
bool pcie_is_downstream_port(const pcie_func_t *fn);
/* The ACS controls in force at a function: its ACS Control register, plus SV|RR|CR|UF for a
 * function the vendor declares equivalent (acs_equivalent). */
uint16_t pcie_acs_effective(const pcie_func_t *fn);
/* Human name of a function's kind: "root port", "switch downstream port", "endpoint", ... */
const char *pcie_func_kind(const pcie_func_t *fn);

/* --- routing -------------------------------------------------------------------------- */

typedef enum pcie_outcome {
	PCIE_OUT_FUNCTION, /* claimed by a function (BAR, or ID for ID-routed TLPs) */
	PCIE_OUT_HOST,     /* left the root complex upstream, toward the IOMMU and memory */
	PCIE_OUT_BLOCKED,  /* blocked by ACS (an ACS Violation) */
	PCIE_OUT_UR        /* nobody claims it: Unsupported Request */
} pcie_outcome_t;

/* Why a hop went the way it did. Every value has a sentence in pcie_why_text(). */
typedef enum pcie_why {
	PCIE_WHY_SEND,             /* the function put the TLP on its link */
	PCIE_WHY_UPSTREAM,         /* outside the port's windows/bus range: forwarded upstream */
	PCIE_WHY_SWITCH_UP,        /* through the switch to its upstream port */
	PCIE_WHY_RC_EXIT,          /* root port to the root complex's upstream exit */
	PCIE_WHY_BRIDGE_OWNERSHIP, /* a PCIe-to-PCI bridge re-issued it under its own ID */
	PCIE_WHY_P2P_DIRECT,       /* peer-to-peer: RR not set, routed to the peer port */
	PCIE_WHY_P2P_CPL_DIRECT,   /* peer-to-peer completion: CR not set */
	PCIE_WHY_P2P_INTERNAL,     /* function to function inside a multi-function device */
	PCIE_WHY_P2P_BUS,          /* claimed by a peer on a conventional PCI bus */
	PCIE_WHY_RC_P2P,           /* root complex forwards peer-to-peer between root ports */
	PCIE_WHY_RC_NO_P2P,        /* root complex does not route between root ports: upstream */
	PCIE_WHY_ACS_RR,           /* ACS P2P Request Redirect: sent upstream */
	PCIE_WHY_ACS_CR,           /* ACS P2P Completion Redirect: sent upstream */
	PCIE_WHY_ACS_DT,           /* ACS Direct Translated P2P: translated request goes direct */
	PCIE_WHY_ACS_UF,           /* ACS Upstream Forwarding: own-window TLP sent upstream */
	PCIE_WHY_ACS_SV_BLOCK,     /* ACS Source Validation: requester not below the port */
	PCIE_WHY_ACS_TB_BLOCK,     /* ACS Translation Blocking: AT=translated blocked */
	PCIE_WHY_ACS_EC_BLOCK,     /* ACS P2P Egress Control: egress to that port blocked */
	PCIE_WHY_NO_UF_UR,         /* targets the port's own window, no UF: Unsupported Request */
	PCIE_WHY_DOWN,             /* routed down: address in the port's window */
	PCIE_WHY_DOWN_ID,          /* routed down: ID in the port's bus range */
	PCIE_WHY_CLAIMED_BAR,      /* the function's BAR claims the address */
	PCIE_WHY_CLAIMED_ID,       /* the function is the ID's target */
	PCIE_WHY_UNCLAIMED,        /* no window/BAR/bus claims it: Unsupported Request */
	PCIE_WHY_HOST_MEMORY,      /* host: system memory access */
	PCIE_WHY_HOST_DOORBELL,    /* host: a write to an MSI doorbell (an interrupt controller) */
	PCIE_WHY_HOST_P2P,         /* host: address in a PCIe window, routed back down */
	PCIE_WHY_HOST_UNMAPPED,    /* host: address in no region */
	PCIE_WHY_BRIDGE_COMPLETES, /* PCIe-to-PCI bridge completes it for its PCI requester */
	PCIE_WHY_HOST_ID_ROUTE,    /* host: an ID-routed TLP (a redirected completion) goes back down */
	PCIE_WHY_HOST_SELF,        /* the root complex completes the host's own request itself */
	PCIE_WHY_IOMMU_XLATE,      /* the IOMMU translated the address */
	PCIE_WHY_IOMMU_BYPASS,     /* the IOMMU let it through untranslated (bypass, ATS) */
	PCIE_WHY_IOMMU_FAULT,      /* the IOMMU terminated it with a fault */
	PCIE_WHY_IOMMU_ABORT,      /* the IOMMU aborted it (no translation configured) */
	PCIE_WHY_IOMMU_STALL,      /* the IOMMU stalled it: held until software answers */
	PCIE_WHY_IOMMU_RESUME,     /* software retried the stalled transaction (CMD_RESUME) */
	PCIE_WHY_IOMMU_STALL_TERM, /* software terminated the stalled transaction */
	PCIE_WHY_COUNT
} pcie_why_t;

typedef struct pcie_hop {
	int32_t node;  /* function where the decision was taken; PCIE_NONE = root complex */
	uint32_t rc;   /* root complex (meaningful when node is PCIE_NONE) */
	int32_t peer;  /* the other function the decision names (target port...), or PCIE_NONE */
	pcie_why_t why;
	sim_time_t latency; /* time this hop added */
} pcie_hop_t;

typedef struct pcie_route {
	pcie_outcome_t outcome;
	int32_t target;   /* PCIE_OUT_FUNCTION: the function; otherwise PCIE_NONE */
	int bar;          /* BAR that claimed the address, -1 when routed by ID */
	int32_t region;   /* PCIE_OUT_HOST after host resolution: memory region, or PCIE_NONE */
	uint32_t rc;      /* root complex the TLP left by (PCIE_OUT_HOST) */
	int32_t at_node;  /* PCIE_OUT_BLOCKED/UR: where; PCIE_NONE = root complex */
	pcie_why_t why;   /* the decisive reason (copy of the last hop's) */
	bool redirected;  /* an ACS redirect sent it upstream on the way */
	bool p2p;         /* reached a function without passing through the root complex */
	bool via_host;    /* went through the root complex's upstream exit (IOMMU side) */
	uint16_t requester_id; /* Requester ID as the last hop saw it (bridges take ownership) */
	sim_time_t latency;
	uint32_t nhops;
	bool truncated;   /* more hops than PCIE_MAX_HOPS: the list stops, latency still counts */
	pcie_hop_t hops[PCIE_MAX_HOPS];
} pcie_route_t;

/* Routes a TLP sent by function `src` (upstream from its link, or across its own device)
 * until it is claimed by a function, leaves its root complex upstream, is blocked, or is
 * unclaimed. `src` may be a port answering a request (a switch downstream port's TLP goes
 * across the switch to a sibling port or up through the upstream port). The TLP's requester_id is whatever the sender put there (a forged ID is routed
 * as sent; ACS SV is what catches it). Returns 0, or -1 for an invalid src. */
int pcie_route_up(const pcie_fabric_t *f, uint32_t src, const tlp_t *t, pcie_route_t *r);

/* Routes a TLP from the root complex `rc` downward (host MMIO, configuration requests,
 * completions to devices, redirected P2P coming back down). Appends to r's hops; r must have
 * been initialised by pcie_route_init() or a previous route. */
int pcie_route_down(const pcie_fabric_t *f, uint32_t rc, const tlp_t *t, pcie_route_t *r);

/* Finishes a completion claimed by a PCIe-to-PCI bridge on behalf of `requester` below it:
 * the bridge completes it on its conventional bus. No-op for any other route. */
void pcie_route_bridge_completion(const pcie_fabric_t *f, int32_t requester, pcie_route_t *r);

/* Continues a route that ended PCIE_OUT_HOST: the system memory map decides. System memory
 * ends the route there (outcome stays PCIE_OUT_HOST, r->region set); an address in a root
 * complex's MMIO window is routed back down to the function that claims it; anything else is
 * an Unsupported Request. An IOMMU, where the platform has one, translates before this. */
int pcie_route_host(const pcie_fabric_t *f, const tlp_t *t, pcie_route_t *r);

/* Routes a TLP from bridge `bridge` down its secondary bus (a port answering a request it
 * refused, for instance). Appends to r's hops. */
int pcie_route_below(const pcie_fabric_t *f, int32_t bridge, const tlp_t *t, pcie_route_t *r);

void pcie_route_init(pcie_route_t *r);
/* Appends a decision taken outside the fabric (at the IOMMU) to a route. */
void pcie_route_add_hop(pcie_route_t *r, int32_t node, uint32_t rc, pcie_why_t why,
			sim_time_t latency);
/* Ends a route as blocked (outside the fabric: at the IOMMU of root complex rc). */
void pcie_route_block(pcie_route_t *r, uint32_t rc);

/* One sentence explaining a decision, for reports. */
const char *pcie_why_text(pcie_why_t why);
/* Short token for machine-readable reports ("acs-rr", "p2p-direct", ...). */
const char *pcie_why_token(pcie_why_t why);
const char *pcie_outcome_token(pcie_outcome_t o);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_PCIE_H */
