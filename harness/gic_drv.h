/* SPDX-License-Identifier: MIT */
/*
 * gic_drv.h — the software layer's interrupt drivers, modelled on Linux's irq-gic-v3.c,
 * irq-gic-v3-its.c and irq-gic-v2m.c (docs/models/its.md lists what is taken from where):
 *
 *   gic_drv   enables the distributor, gives every redistributor its LPI configuration table
 *             (shared, one byte per LPI, priority 0xc0 | Group1, disabled) and a zeroed
 *             pending table, sets EnableLPIs; allocates LPI ranges first-fit from 8192.
 *   its_drv   probes an ITS as its_probe_one() does (command queue of 64 KiB, device table
 *             flat or two-level by Linux's rule, collection table, page size probed 64K ->
 *             16K -> 4K), maps one collection per CPU (MAPC + SYNC, INVALL + SYNC); gives a
 *             device vectors as its_msi_prepare() and the activate/unmask paths do (MAPD with
 *             the ITT size it computes, MAPTI per vector to the least-loaded CPU, INV on
 *             unmask, SYNC after each command Linux follows with one).
 *   v2m_drv   allocates SPIs from the first frame with a free aligned block, and routes and
 *             enables them at the distributor.
 *
 * Everything goes through MMIO writes and memory, as a kernel's would; commands are waited
 * for by running the simulation until GITS_CREADR passes them. Every command queued is kept
 * in a log (the trace a scenario report shows).
 */
#ifndef IOFAB_GIC_DRV_H
#define IOFAB_GIC_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "gic.h"
#include "gicv2m.h"
#include "iopgtable.h"
#include "its.h"

#define GIC_DRV_PRIO 0xc0 /* Linux's GICV3_PRIO_IRQ */

typedef struct gic_drv {
	gic_t *gic;
	sim_t *sim;
	mem_t *mem;
	physalloc_t *alloc;
	uint32_t pes;
	uint64_t prop;          /* the LPI configuration table */
	uint64_t *pend;         /* per PE: its pending table */
	unsigned lpi_bits;      /* INTID bits the LPI tables cover */
	/* Free LPI ranges, sorted: [base, base + len). */
	struct gic_lpi_range {
		uint32_t base, len;
	} *free;
	uint32_t nfree;
} gic_drv_t;

int gic_drv_init(gic_drv_t *d, gic_t *gic, sim_t *sim, mem_t *mem, physalloc_t *alloc);
void gic_drv_free(gic_drv_t *d);

/* First-fit LPI range of exactly n INTIDs (0 if none left). iofab's scenarios never free
 * vectors, so there is no release. */
uint32_t gic_drv_lpi_alloc(gic_drv_t *d, uint32_t n);
/* Writes an LPI's configuration byte (enable, priority) as lpi_update_config() does. */
void gic_drv_lpi_config(gic_drv_t *d, uint32_t intid, bool enable, uint8_t prio);

/* --- ITS ------------------------------------------------------------------------------------ */

/* A command the driver queued, for the trace. */
typedef struct its_drv_cmd {
	uint64_t dw[4];
	uint32_t offset;  /* where in the queue */
	sim_time_t at;    /* when CWRITER was written for it */
} its_drv_cmd_t;

/* A device with vectors, as Linux's struct its_device. */
typedef struct its_drv_dev {
	uint32_t devid;
	uint32_t nr_ites;   /* EventIDs the ITT covers (a power of two, >= 2) */
	uint64_t itt;
	uint32_t lpi_base, nr_lpis;
	uint8_t *used;      /* per EventID */
	uint16_t *col;      /* per EventID: the collection (CPU) it is mapped to */
} its_drv_dev_t;

typedef struct its_drv {
	gic_drv_t *gd;
	its_t *its;
	uint64_t pa;        /* the ITS's frame: MSIs go to pa + GITS_TRANSLATER */
	uint64_t cmdq;
	uint32_t cmdq_bytes, widx;
	uint64_t dt, ct;    /* device (level-1 when indirect) and collection tables */
	bool dt_indirect;
	uint64_t psz;       /* the table page size the ITS accepted */
	uint64_t *l2;       /* indirect: level-2 page per level-1 entry (0: none yet) */
	uint32_t nl1;
	uint64_t *target;   /* per CPU: the collection's RDbase << 16 */
	uint32_t *load;     /* per CPU: LPIs mapped to it (its_select_cpu) */
	its_drv_dev_t *devs;
	uint32_t ndevs;
	its_drv_cmd_t *log;
	uint32_t nlog, caplog;
	bool stalled;       /* the last wait ended on a stalled queue */
	uint32_t last_error; /* the command error that made the last set-up call fail, or 0 */
} its_drv_t;

/* Probes and enables the ITS at physical address pa, and maps a collection per PE. */
int its_drv_probe(its_drv_t *d, gic_drv_t *gd, its_t *its, uint64_t pa);
void its_drv_free(its_drv_t *d);

/* Queues one command (and, if sync_pe >= 0, a SYNC to that PE's redistributor), then writes
 * CWRITER. Returns 0, or -1 if the queue is full. */
int its_drv_send(its_drv_t *d, const uint64_t cmd[4], int sync_pe);
/* Whether the ITS has consumed everything queued; sets d->stalled if the queue stalled. */
bool its_drv_done(its_drv_t *d);
/* Runs the simulation until the ITS consumed everything queued (0), or stalled (-1). */
int its_drv_wait(its_drv_t *d);

/* The device for DeviceID devid, creating it for nvec vectors (MAPD, no SYNC) if needed. */
its_drv_dev_t *its_drv_device(its_drv_t *d, uint32_t devid, uint32_t nvec);
/* Allocates, maps (MAPTI + SYNC) and unmasks (config byte, INV + SYNC) one vector of the
 * device, on the least-loaded CPU of `cpus` (a bitmask of PEs; 0 means all). Returns the
 * EventID, or -1. *intid gets its LPI. Waits for the commands. */
int its_drv_vector(its_drv_t *d, its_drv_dev_t *dev, uint64_t cpus, uint32_t *intid);
/* Moves a vector to another CPU (MOVI, then SYNC to the old redistributor, as Linux). */
int its_drv_set_affinity(its_drv_t *d, its_drv_dev_t *dev, uint32_t event, uint32_t cpu);
/* The MSI a vector of the device writes: address and data. */
uint64_t its_drv_msi_address(const its_drv_t *d);

/* Command builders (dwords as Linux's its_encode_* lay them out). */
void its_cmd_mapd(uint64_t c[4], uint32_t devid, unsigned size, uint64_t itt, bool valid);
void its_cmd_mapc(uint64_t c[4], uint32_t icid, uint64_t target, bool valid);
void its_cmd_mapti(uint64_t c[4], uint32_t devid, uint32_t event, uint32_t intid, uint32_t icid);
void its_cmd_event(uint64_t c[4], unsigned op, uint32_t devid, uint32_t event); /* INT, CLEAR,
									  * DISCARD, INV, MAPI */
void its_cmd_movi(uint64_t c[4], uint32_t devid, uint32_t event, uint32_t icid);
void its_cmd_invall(uint64_t c[4], uint32_t icid);
void its_cmd_movall(uint64_t c[4], uint64_t target1, uint64_t target2);
void its_cmd_sync(uint64_t c[4], uint64_t target);

/* A command in words: "MAPTI DeviceID 0x200 EventID 1 pINTID 8193 ICID 2". Targets read as
 * "PE n" (pta false: RDbase is a processor number) or "RDbase 0x..." (pta true). */
void its_cmd_format(char *buf, size_t size, const uint64_t dw[4], bool pta);

/* --- GICv2m ----------------------------------------------------------------------------------- */

typedef struct v2m_drv_frame {
	gicv2m_t *frame;
	uint64_t pa;
	uint8_t *used;      /* per SPI of the frame */
} v2m_drv_frame_t;

typedef struct v2m_drv {
	gic_drv_t *gd;
	v2m_drv_frame_t *frames;
	uint32_t nframes;
} v2m_drv_t;

int v2m_drv_add_frame(v2m_drv_t *d, gicv2m_t *frame, uint64_t pa);
void v2m_drv_free(v2m_drv_t *d);
/* Allocates nr SPIs (a power of two, naturally aligned within a frame) from the first frame
 * with room, routes them to `cpu`, sets their priority and enables them. Returns the first
 * SPI's INTID (0 if none), *frame the frame index; the MSI is (frame pa + 0x40, INTID). */
uint32_t v2m_drv_alloc(v2m_drv_t *d, uint32_t nr, uint32_t cpu, uint32_t *frame);
/* The same among the frames of `frames` (bit n: frame n), those the device can reach. */
uint32_t v2m_drv_alloc_in(v2m_drv_t *d, uint32_t nr, uint32_t cpu, uint64_t frames,
			  uint32_t *frame);

#endif /* IOFAB_GIC_DRV_H */
