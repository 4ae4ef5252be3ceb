/* SPDX-License-Identifier: MIT */
/*
 * scenario.h — scenarios, first form: a platform and a list of TLPs injected by functions (or
 * by the host), each with an expectation on where it ends up. Format: docs/scenario-format.md.
 *
 * Steps run on the simulation kernel: a step starts when the previous one has completed (or at
 * its own `at_ns`, whichever is later), takes the latency of its route (plus the completion's
 * for non-posted requests), and is checked against its expectation.
 */
#ifndef IOFAB_SCENARIO_H
#define IOFAB_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "groups.h"
#include "iopgtable.h"
#include "pcie.h"
#include "platform.h"
#include "system.h"
#include "ydoc.h"

typedef enum exp_outcome {
	EXP_ANY = -1,
	EXP_DELIVERED, /* claimed by a function */
	EXP_MEMORY,    /* reached system memory (a region of the memory map) */
	EXP_BLOCKED,   /* blocked by ACS */
	EXP_UNSUPPORTED, /* Unsupported Request: nobody claims it */
	EXP_HOST,       /* arrived at the root complex itself (a message to the RC, a completion
			 * to the host) */
	EXP_TRANSLATED, /* an ATS translation request answered by the IOMMU */
	EXP_STALLED     /* still stalled in the IOMMU when the scenario ended */
} exp_outcome_t;

#define STEP_FROM_HOST (-2)
#define EXP_AT_RC (-2)

typedef struct expectation {
	bool present;
	exp_outcome_t outcome;
	int32_t to;       /* function (delivered), or PCIE_NONE */
	int32_t region;   /* memory region (memory), or PCIE_NONE */
	int bar;          /* -1: any */
	int32_t at;       /* blocked/unsupported: function, EXP_AT_RC, or PCIE_NONE (any) */
	uint32_t at_rc;
	int reason;       /* pcie_why_t of the decisive hop, or -1 */
	int redirected;   /* -1 any, 0, 1 */
	int p2p;          /* -1 any, 0, 1 */
	int64_t latency_ns; /* -1 any */
	int32_t requester_id; /* -1 any: the Requester ID as last seen */
	int completion;   /* -1 any, -2 none, else the tlp_cpl_status_t of the completion */
	int event;        /* -1 any, 0 none, else the SMMU event ID the IOMMU raised */
	int64_t pa;       /* -1 any: the address after IOMMU translation */
	int atc;          /* -1 any, 0 the device's ATC missed, 1 it hit */
	/* Action steps. */
	/* Interrupts (MSI writes reaching a doorbell). */
	int irq;          /* -1 any, else an irq_state_t */
	int64_t intid;    /* -1 any */
	int pe;           /* -1 any */
	int owner;        /* -1 any, else an index into scenario owners */
	int irq_error;    /* -1 any, else the its_status_t or (0x100 | gicv2m_result_t) */
	int64_t delivery_ns; /* -1 any: from the step's start until a PE took the interrupt */
	int its_error;    /* -1 any, 0 none, else an ITS command error code (its command steps) */
	int violations;   /* -1 any, else a bit mask of inv_kind_t the step must break (0: none) */
	int its_stalled;  /* -1 any, 0, 1 */
	int assignment;   /* -1 any, else the refusal_t a hotplug step must end with */
	int cerror;       /* -1 any, else the CERROR code the wait for CMD_SYNC saw (0 none) */
	int64_t deliveries; /* -1 any: interrupts PEs took for the step (a stream: all of them) */
	uint64_t pes;     /* 0 any, else bit per PE: exactly the PEs that took them */
	int nevents;      /* -1 any, else the exact list of events drained */
	uint8_t events[16];
} expectation_t;

/* What an action step does (a driver's doing, possibly a buggy or hostile one). */
typedef enum step_action {
	ACT_NONE,    /* a TLP step */
	ACT_WRITE,   /* raw bytes into memory (tables, descriptors, queues) */
	ACT_MAP,     /* add a mapping to a domain's tables (no invalidation) */
	ACT_UNMAP,   /* remove mappings from a domain's tables (no invalidation) */
	ACT_COMMAND, /* queue one SMMU command */
	ACT_SYNC,    /* queue a CMD_SYNC and wait for it */
	ACT_EVENTS,  /* drain an SMMU's event queue */
	ACT_ITS_COMMAND, /* queue one ITS command (and maybe a SYNC), wait for the ITS */
	ACT_ITS_RETRY,   /* write GITS_CWRITER.Retry: restart a stalled ITS queue */
	ACT_PE_MASK,     /* mask or unmask interrupts on a PE */
	ACT_HOTPLUG,     /* assign a function to a VM while the scenario runs */
	ACT_UNPLUG,      /* take it back (to the host) */
	ACT_MIGRATE,     /* move a VM (its devices' assignment) to another platform */
	ACT_AFFINITY,    /* the host moves a vector to another PE (MOVI, or GICD_IROUTER) */
	ACT_IMS_WRITE    /* an owner's driver writes an IMS entry of a sub-device */
} step_action_t;

/* What became of an MSI write that reached a doorbell. */
typedef enum irq_state {
	IRQ_DROPPED,   /* the controller dropped it (see the step's irq error) */
	IRQ_PENDING,   /* raised, never taken by a PE (disabled, masked, or still in flight) */
	IRQ_DELIVERED, /* a PE took it */
	IRQ_MERGED     /* it was pending already: this raise merged into it (taken once) */
} irq_state_t;

/* An MSI vector the drivers allocated for a function (interrupts.vectors). */
typedef struct irq_vector {
	int32_t fn;
	uint32_t index;     /* the function's vector number */
	bool its;           /* through an ITS (else a GICv2m frame) */
	int ctrl;           /* ITS or GICv2m frame index */
	uint32_t devid, event; /* ITS */
	uint32_t intid;
	uint32_t cpu;       /* the PE the driver targeted */
	int owner;
	int sub;            /* the SIOV sub-device whose IMS entry it is, or -1 */
	uint64_t pa;        /* the doorbell's physical address */
	uint64_t address;   /* what the device writes (an IOVA in the MSI window when translated) */
	uint32_t data;
	struct {             /* address, data and cpu as the drivers set them up */
		uint64_t address;
		uint32_t data, cpu;
	} set;
} irq_vector_t;

#define SCENARIO_MAX_OWNERS 16
#define SCENARIO_PROGRESS_EVERY 16384
#define VM_MAX_RAM 8

/* A VM (an owner other than the host): its guest-physical RAM, backed by host DRAM the VMM
 * allocated, and the IOMMU domain (IOVA = GPA; stage 1 when the SMMU has it, as
 * arm-smmu-v3 gives VFIO) its assigned devices share. */
typedef struct vm {
	struct vm_ram {
		uint64_t gpa, size, hpa;
	} ram[VM_MAX_RAM];
	unsigned nram;
	uint64_t buf_used;  /* bytes of its first RAM range given to buffers (from the top) */
	int domain;         /* iommu domain index, -1 until a device is assigned */
	uint64_t page_size; /* the largest IOMMU leaf its RAM is mapped with (0: any) */
	unsigned line;
} vm_t;

/* Why an assignment was refused (the checks a VFIO-style stack makes). */
typedef enum refusal {
	REFUSE_NONE,
	REFUSE_GROUP_NOT_VIABLE,  /* another endpoint of the group is not given to this VM */
	REFUSE_GROUP_IN_USE,      /* the group is already another VM's */
	REFUSE_MSI_NOT_ISOLATED,  /* unsafe interrupts and allow_unsafe_interrupts is off */
	REFUSE_RESERVED_REGION,   /* a reserved region of the group overlaps the VM's RAM */
	REFUSE_NO_IOMMU           /* the function is not behind an IOMMU */
} refusal_t;

const char *refusal_token(refusal_t r);

/* One line of `assign`. */
typedef struct assignment {
	int32_t fn;
	int owner;          /* the VM (an index into owners) */
	refusal_t refused;
	char why[320];      /* the refusal message, as the stack would print it */
	int expect;         /* -1 any, else the refusal_t expected (REFUSE_NONE: accepted) */
	bool unsafe_msi;    /* accepted with allow_unsafe_interrupts although not isolated */
	unsigned line;
	int step;           /* the hotplug step that made it (index), -1: the assign section */
	bool unplugged;     /* taken back by an unplug step */
} assignment_t;

/* An isolation invariant a TLP or an interrupt broke. */
typedef enum inv_kind {
	INV_DMA,
	INV_P2P,
	INV_MSI,
	INV_GROUP,
	INV_PASID,
	INV_ATS,
	INV_RESV, /* a mapping over a reserved region of the domain's groups */
	INV_KINDS
} inv_kind_t;
const char *inv_token(inv_kind_t k);

typedef struct violation {
	inv_kind_t kind;
	unsigned count;     /* how many times (a stream's requests or interrupts), >= 1 */
	char source[32];    /* the function or sub-device that sent it */
	char text[640];     /* what happened and each decision that let it through */
} violation_t;

#define STEP_MAX_VIOLATIONS 4

/* An IOMMU domain of the scenario: a translation table tree the driver layer built. */
typedef struct iommu_domain {
	char name[64];
	uint8_t stage; /* 1 or 2 */
	iopgtable_t pt;
	uint16_t asid, vmid;
	unsigned line;
	uint64_t (*maps)[3];  /* the scenario's mappings: iova, size, pa */
	uint32_t nmaps;
	bool msi_mapped;      /* the doorbell pages are in the MSI window */
	int32_t msi_region[8]; /* ... which msi regions' first pages, at msi_iova[i] */
	uint64_t msi_iova[8];
	unsigned nmsi;
	int parent;           /* nested: the stage-2 domain whose IPA space holds the tables */
	physalloc_t guest;    /* nested: the guest memory the tables are allocated from */
} iommu_domain_t;

/* A DMA stream: `count` requests of `size` bytes over a window, one after the other. */
typedef struct stream {
	uint64_t base, window;   /* the addresses: [base, base + window) */
	uint32_t size, count;
	bool random;             /* random offsets (aligned to size), else sequential */
	sim_time_t gap;          /* between one request's end and the next's start */
	sim_rng_t rng;
	uint32_t done;
	uint32_t outcomes[8];    /* per exp_outcome_t */
	sim_time_t *lat;         /* per request: its latency */
	unsigned viol_count[INV_KINDS]; /* per invariant: requests that broke it */
	violation_t first[INV_KINDS];   /* ... and the first of them */
	sim_time_t t0;           /* when the first request started */
	/* Its requests at the IOMMU: how many were translated, TLB hits, table reads, and
	 * the latency parts summed (SMMU_PARTS, in smmu_latency_t order: utlb .. response). */
	uint32_t translated, utlb_hits, tlb_hits;
	uint64_t walk_reads, config_reads;
	sim_time_t iommu_parts[9];
	sim_time_t end;          /* when the last request ended */
	bool msi;                /* each request raises the step's vector (`msi`) */
	bool background;         /* the steps after it start without waiting for it */
} stream_t;

/* A SIOV sub-device (an Assignable Device Interface): a PASID of a function, given to an
 * owner, with its interrupt messages in IMS entries the device stores. */
typedef struct subdev {
	char name[32];
	char label[80];     /* "adi1 (accel0 PASID 1)" */
	int32_t fn;         /* the function (a PF or a VF) */
	uint32_t pasid;
	int owner;
	bool emulated;      /* the VMM traps writes to the IMS entries and writes the host's
			     * message itself (else the entries sit where the owner writes them) */
	bool pasid_tagged;  /* the device tags the interrupt writes with the PASID */
	uint32_t nims;      /* IMS entries (vectors[] with sub = this one) */
	int domain;         /* the IOMMU domain its PASID is bound to */
	unsigned line;
} subdev_t;

typedef struct step {
	char name[96];
	unsigned line;
	int32_t from;      /* sending function, or STEP_FROM_HOST */
	int sub;           /* ... on behalf of this SIOV sub-device (its PASID tags the TLP), or -1 */
	uint32_t host_rc;  /* root complex for host-originated steps */
	bool forged;       /* requester_id given explicitly */
	tlp_t tlp;
	/* A request that reached an SMMU's or ITS's register frame: the access it made. */
	bool has_reg;
	bool reg_its;      /* reg_smmu is then an ITS index */
	int reg_smmu;
	uint32_t reg_offset;
	bool reg_write, reg_ignored; /* ignored: not a 4- or 8-byte aligned access */
	uint64_t reg_value;          /* written, or read */
	stream_t *stream;  /* a DMA stream step (its tlp is the template) */
	bool use_atc;      /* the device looks its address up in its ATC first */
	bool atc_hit;      /* ... and found it: the TLP went out translated */
	uint64_t atc_va;   /* the untranslated address it looked up */
	int64_t at_ns;     /* earliest start, or -1 */
	expectation_t expect;

	/* Results. */
	bool ran;
	pcie_route_t route;
	bool has_cpl;
	tlp_cpl_status_t cpl_status;
	pcie_route_t cpl;
	sim_time_t start, end;
	bool met;
	char mismatch[512];

	/* Action steps. */
	step_action_t act;
	int act_smmu, act_domain;
	uint64_t act_addr, act_value, act_len, act_pa;
	unsigned act_size, act_prot;
	uint64_t act_dw[2];
	uint32_t act_seq;    /* ACT_SYNC: the CMD_SYNC waited for */
	unsigned act_cerror; /* ACT_SYNC: CERROR seen while waiting */
	bool act_failed;     /* the action could not be done (reported as a mismatch) */
	char act_detail[160];
	smmu_evt_rec_t act_events[16];
	unsigned act_nevents;

	/* An MSI: the write reached a doorbell (an ITS's translation frame or a GICv2m frame). */
	int msi_vector;        /* the vector the step raises (`msi: N`), or -1 */
	bool has_msi;
	bool msi_its;          /* ITS (else GICv2m) */
	bool msi_ignored;      /* ITS: not a write to GITS_TRANSLATER (ignored) */
	int msi_ctrl;
	uint32_t msi_devid, msi_data;
	sim_time_t msi_at;     /* when the write reached the doorbell */
	its_xlate_t msi_x;     /* ITS: the translation */
	int msi_v2m;           /* GICv2m: the gicv2m_result_t */
	bool delivered;
	uint32_t ndelivered;   /* deliveries attributed to this step (merged raises count once) */
	gic_delivery_t delivery; /* the first */
	/* ITS command steps. */
	int act_its;
	uint64_t act_its_cmd[4];
	int act_sync_pe;
	uint32_t act_its_errors;  /* command errors recorded while it ran */
	uint32_t act_its_code;    /* the first of them */
	bool act_its_stalled;

	/* Hotplug and unplug steps. */
	int32_t act_fn;
	int act_owner;
	int act_assign;        /* the assignment the step made or ended, -1 */
	int mig_result;        /* migrate: the refusal_t on the destination (REFUSE_NONE: moved) */
	char mig_platform[64]; /* migrate: the destination platform's name */
	char mig_why[320];     /* migrate: the refusal's message, or what was assigned there */
	char *mig_irq;         /* migrate: the VM's vectors re-mapped there (lines), or NULL */
	uint32_t mig_irq_total, mig_irq_taken; /* ... how many, and taken by the VM's PEs */

	/* Isolation invariants the step broke. */
	violation_t viol[STEP_MAX_VIOLATIONS];
	unsigned nviol;

	/* What the IOMMU did at the root complex (device-originated TLPs). */
	bool has_iommu;
	int iommu_smmu;
	uint32_t iommu_sid;
	smmu_xlate_t iommu;
	smmu_latency_t iommu_lat;
	/* A stalled transaction: held from stall_at until software ends it. The scenario goes
	 * on meanwhile; the step is checked when the transaction ends (or the scenario does). */
	bool stalled;          /* the SMMU stalled it (at least once) */
	bool stall_pending;    /* ... and it is still held */
	uint16_t stag;
	sim_time_t stall_at;
	bool resumed;          /* software ended the stall: resume_x is the final answer */
	bool resume_retried;   /* ... by a retry (CMD_RESUME retry), not a termination */
	smmu_xlate_t resume_x;
	uint32_t ended_by;     /* the step during which it was ended */
} step_t;

#define RUN_EXPECT_SOURCES 16

/* Expectations on the whole run (the scenario's top-level `expect`). */
typedef struct run_expect {
	bool present;
	unsigned line;
	int viol[INV_KINDS];   /* -1 any, else how many violations of the invariant */
	struct run_source {
		inv_kind_t kind;
		char source[32];
		unsigned count;
	} by_source[RUN_EXPECT_SOURCES]; /* an invariant given by source: its exact sources */
	unsigned nby;
	uint32_t by_kinds;     /* bit per invariant given by source */
	int refusals[8];       /* -1 any, else per refusal_t: assignments, hotplugs, migrations */
	int64_t deliveries;    /* -1 any: interrupts PEs took during the run */
	int64_t faults;        /* -1 any: requests the IOMMUs terminated with a fault */
	/* Results. */
	bool met;
	char mismatch[512];
	unsigned got_viol[INV_KINDS], got_refusals[8];
	uint64_t got_faults;
} run_expect_t;

typedef struct scenario {
	char *file;
	char name[96];
	char *description;
	uint64_t seed;
	platform_t platform;
	step_t *steps;
	uint32_t nsteps;
	system_t sys;       /* the hardware, built at load (drivers programmed) */
	bool have_sys;
	sim_time_t t0;      /* when the steps start (after the drivers' setup) */
	iommu_domain_t *domains;
	uint32_t ndomains;
	int32_t *attached;  /* per function: its default domain, or ATTACH_* */
	/* Owners: 0 is the host, the others VMs (vms[i] for owner i). */
	vm_t vms[SCENARIO_MAX_OWNERS];
	uint8_t *fn_owner;  /* per function */
	assignment_t *assigns;
	uint32_t nassigns;
	bool allow_unsafe_interrupts;
	bool msi_isolation_global; /* older kernels: one non-isolating MSI controller anywhere
				    * makes every group unsafe */
	iommu_groups_t groups;
	bool have_groups;
	uint32_t *group_size;  /* per group: its functions */
	physalloc_t vm_alloc; /* host DRAM the VMM gives VMs (and the host's DMA buffers) */
	int host_iommu;       /* HOST_IOMMU_*: what host functions nobody attached get */
	struct buffer {
		char name[32];
		uint64_t size, pa, iova;
		int owner;
		uint32_t shared;  /* bit per owner it is shared with (the owner's included) */
		unsigned line;
	} *buffers;
	uint32_t nbuffers;
	subdev_t *subdevs;
	uint32_t nsubdevs;
	uint8_t *pasid_bound;  /* per function: PASIDs bound under iommu.attach (or NULL) */
	run_expect_t expect;   /* the whole run's */
	struct trace_state *trace; /* recording a trace (trace.h), or NULL */
	/* Progress for long runs: called every SCENARIO_PROGRESS_EVERY requests (and once at the
	 * end) with the requests done and the simulated time; NULL for none. */
	void (*progress)(void *ctx, const struct scenario *s, uint64_t requests, sim_time_t now,
			 bool end);
	void *progress_ctx;
	uint64_t requests;     /* requests (TLPs sent by steps) done so far */
	struct lat_log {       /* per SMMU: each timed translation's latency during the run */
		sim_time_t *v;
		uint32_t n, cap;
	} *smmu_lat;
	uint64_t faults0;      /* the SMMUs' fault count when the steps start */
	/* Interrupts: owners of PEs (0 is the host) and the vectors the drivers allocated. */
	char owners[SCENARIO_MAX_OWNERS][32];
	unsigned nowners;
	uint8_t *pe_owner;  /* per PE */
	irq_vector_t *vectors;
	uint32_t nvectors;
	uint32_t *its_boot_cmds; /* per ITS: commands the boot queued (its_drv log index) */
	uint32_t *its_setup_cmds; /* ... and with the vectors' set-up */
	/* Interrupts taken by PEs, in order. */
	gic_delivery_t *deliveries;
	uint32_t ndeliveries, capdeliveries;
} scenario_t;

#define OWNER_UNBOUND 255 /* a function bound to VFIO but in no VM */

enum { HOST_IOMMU_BLOCKED, HOST_IOMMU_IDENTITY, HOST_IOMMU_TRANSLATED };

#define ATTACH_NONE (-1)
#define ATTACH_BYPASS (-2)
#define ATTACH_ABORT (-3)

const char *irq_state_name(irq_state_t s);

bool scenario_load(scenario_t *s, const char *file, yerrs_t *errs);
/* The same with settings applied first (`iofab sweep --set`): PATH=VALUE into the scenario's
 * YAML, platform.PATH into its platform file's. */
bool scenario_load_set(scenario_t *s, const char *file, const ydoc_setting_t *sets,
		       unsigned nsets, yerrs_t *errs);
/* The command name a scenario's `op` uses for an opcode ("TLBI_NH_ASID"), NULL if none. */
const char *scenario_cmd_name(unsigned op);
void scenario_free(scenario_t *s);

/* Runs every step on a fresh simulation; returns false only when out of memory. */
bool scenario_run(scenario_t *s);

/* Counts of steps whose expectation held / did not hold / had none. */
void scenario_tally(const scenario_t *s, uint32_t *met, uint32_t *not_met, uint32_t *none);

/* Names used in reports. */
const char *exp_outcome_token(exp_outcome_t o);
/* The outcome a finished step reached, in expectation terms. */
exp_outcome_t step_outcome(const step_t *st);

#endif /* IOFAB_SCENARIO_H */
