/* SPDX-License-Identifier: MIT */
/* gic_drv.c — GICv3 distributor/redistributor, ITS and GICv2m drivers (see gic_drv.h). */
#include "gic_drv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put64(mem_t *m, uint64_t pa, uint64_t v)
{
	uint8_t b[8];
	mem_put_le64(b, v);
	(void)mem_write(m, pa, b, 8);
}

static unsigned log2u(uint64_t v)
{
	unsigned n = 0;
	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static uint32_t roundup_pow2(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

/* --- GICv3 ----------------------------------------------------------------------------------- */

int gic_drv_init(gic_drv_t *d, gic_t *gic, sim_t *sim, mem_t *mem, physalloc_t *alloc)
{
	memset(d, 0, sizeof *d);
	d->gic = gic;
	d->sim = sim;
	d->mem = mem;
	d->alloc = alloc;
	d->pes = gic_params(gic)->pes;
	gic_dist_write(gic, GICD_CTLR, FIELD_PREP(GICD_CTLR_ARE, 1) | FIELD_PREP(GICD_CTLR_ENABLE_GRP1, 1),
		       4);
	/* Linux: lpi_id_bits = min(GICD_TYPER.IDbits + 1, ITS_MAX_LPI_NRBITS = 16). */
	unsigned bits = (unsigned)FIELD_GET(gic_dist_read(gic, GICD_TYPER, 4), GICD_TYPER_IDBITS) + 1;
	d->lpi_bits = bits < 16 ? bits : 16;
	uint64_t prop_bytes = 1ull << d->lpi_bits, pend_bytes = prop_bytes / 8;
	prop_bytes = (prop_bytes + 0xffff) & ~0xffffull; /* ALIGN(..., SZ_64K) */
	pend_bytes = (pend_bytes + 0xffff) & ~0xffffull;
	d->prop = physalloc_alloc(alloc, prop_bytes, 0x10000);
	d->pend = calloc(d->pes, sizeof *d->pend);
	d->free = malloc(sizeof *d->free);
	if (!d->prop || !d->pend || !d->free)
		return -1;
	/* "Regular IRQ priority, Group-1, disabled" (its_allocate_prop_table). */
	if (mem_fill(mem, d->prop, GIC_DRV_PRIO | FIELD_PREP(LPI_CFG_GROUP1, 1), prop_bytes) != MEM_OK)
		return -1;
	for (uint32_t pe = 0; pe < d->pes; pe++) {
		if (!(d->pend[pe] = physalloc_alloc(alloc, pend_bytes, 0x10000)))
			return -1;
		gic_redist_write(gic, pe, GICR_PROPBASER,
				 d->prop | FIELD_PREP(GICR_PROPBASER_IDBITS, d->lpi_bits - 1), 8);
		gic_redist_write(gic, pe, GICR_PENDBASER, d->pend[pe], 8); /* PTZ = 0, as Linux */
		gic_redist_write(gic, pe, GICR_CTLR, FIELD_PREP(GICR_CTLR_ENABLE_LPIS, 1), 4);
	}
	d->free[0] = (struct gic_lpi_range){GIC_LPI_FIRST, (uint32_t)((1ull << d->lpi_bits) - GIC_LPI_FIRST)};
	d->nfree = 1;
	return 0;
}

void gic_drv_free(gic_drv_t *d)
{
	free(d->pend);
	free(d->free);
	d->pend = NULL;
	d->free = NULL;
}

uint32_t gic_drv_lpi_alloc(gic_drv_t *d, uint32_t n)
{
	for (uint32_t i = 0; i < d->nfree; i++)
		if (d->free[i].len >= n) { /* alloc_lpi_range(): first fit */
			uint32_t base = d->free[i].base;
			d->free[i].base += n;
			d->free[i].len -= n;
			return base;
		}
	return 0;
}

void gic_drv_lpi_config(gic_drv_t *d, uint32_t intid, bool enable, uint8_t prio)
{
	uint8_t b = (uint8_t)((prio & ~3u) | FIELD_PREP(LPI_CFG_GROUP1, 1) |
			      FIELD_PREP(LPI_CFG_ENABLE, enable));
	(void)mem_write(d->mem, d->prop + (intid - GIC_LPI_FIRST), &b, 1);
}

/* --- ITS commands ------------------------------------------------------------------------------ */

static void cmd_init(uint64_t c[4], unsigned op, uint32_t devid)
{
	c[0] = FIELD_PREP(GITS_CMD0_OPCODE, op) | FIELD_PREP(GITS_CMD0_DEVICEID, devid);
	c[1] = c[2] = c[3] = 0;
}

void its_cmd_mapd(uint64_t c[4], uint32_t devid, unsigned size, uint64_t itt, bool valid)
{
	cmd_init(c, GITS_CMD_MAPD, devid);
	c[1] = FIELD_PREP(GITS_CMD1_SIZE, size);
	c[2] = FIELD_PREP(GITS_CMD2_ITT_ADDR, itt >> 8) | FIELD_PREP(GITS_CMD2_VALID, valid);
}

void its_cmd_mapc(uint64_t c[4], uint32_t icid, uint64_t target, bool valid)
{
	cmd_init(c, GITS_CMD_MAPC, 0);
	c[2] = FIELD_PREP(GITS_CMD2_ICID, icid) | FIELD_PREP(GITS_CMD2_RDBASE, target >> 16) |
	       FIELD_PREP(GITS_CMD2_VALID, valid);
}

void its_cmd_mapti(uint64_t c[4], uint32_t devid, uint32_t event, uint32_t intid, uint32_t icid)
{
	cmd_init(c, GITS_CMD_MAPTI, devid);
	c[1] = FIELD_PREP(GITS_CMD1_EVENTID, event) | FIELD_PREP(GITS_CMD1_PINTID, intid);
	c[2] = FIELD_PREP(GITS_CMD2_ICID, icid);
}

void its_cmd_event(uint64_t c[4], unsigned op, uint32_t devid, uint32_t event)
{
	cmd_init(c, op, devid);
	c[1] = FIELD_PREP(GITS_CMD1_EVENTID, event);
}

void its_cmd_movi(uint64_t c[4], uint32_t devid, uint32_t event, uint32_t icid)
{
	its_cmd_event(c, GITS_CMD_MOVI, devid, event);
	c[2] = FIELD_PREP(GITS_CMD2_ICID, icid);
}

void its_cmd_invall(uint64_t c[4], uint32_t icid)
{
	cmd_init(c, GITS_CMD_INVALL, 0);
	c[2] = FIELD_PREP(GITS_CMD2_ICID, icid);
}

void its_cmd_movall(uint64_t c[4], uint64_t target1, uint64_t target2)
{
	cmd_init(c, GITS_CMD_MOVALL, 0);
	c[2] = FIELD_PREP(GITS_CMD2_RDBASE, target1 >> 16);
	c[3] = FIELD_PREP(GITS_CMD3_RDBASE2, target2 >> 16);
}

void its_cmd_sync(uint64_t c[4], uint64_t target)
{
	cmd_init(c, GITS_CMD_SYNC, 0);
	c[2] = FIELD_PREP(GITS_CMD2_RDBASE, target >> 16);
}

static int fmt_target(char *b, size_t n, uint64_t rdbase, bool pta)
{
	return pta ? snprintf(b, n, "RDbase 0x%" PRIx64, rdbase << 16)
		   : snprintf(b, n, "PE %" PRIu64, rdbase);
}

void its_cmd_format(char *buf, size_t size, const uint64_t c[4], bool pta)
{
	unsigned op = (unsigned)FIELD_GET(c[0], GITS_CMD0_OPCODE);
	uint32_t dev = (uint32_t)FIELD_GET(c[0], GITS_CMD0_DEVICEID);
	uint32_t ev = (uint32_t)FIELD_GET(c[1], GITS_CMD1_EVENTID);
	unsigned icid = (unsigned)FIELD_GET(c[2], GITS_CMD2_ICID);
	const char *name = its_cmd_name(op);
	char t1[40], t2[40];
	fmt_target(t1, sizeof t1, FIELD_GET(c[2], GITS_CMD2_RDBASE), pta);
	fmt_target(t2, sizeof t2, FIELD_GET(c[3], GITS_CMD3_RDBASE2), pta);
	switch (op) {
	case GITS_CMD_MAPD:
		if (FIELD_GET(c[2], GITS_CMD2_VALID))
			snprintf(buf, size, "MAPD DeviceID 0x%x ITT 0x%" PRIx64 " Size %u (%" PRIu64
					    " EventIDs)",
				 dev, (uint64_t)(FIELD_GET(c[2], GITS_CMD2_ITT_ADDR) << 8),
				 (unsigned)FIELD_GET(c[1], GITS_CMD1_SIZE),
				 (uint64_t)(1ull << (FIELD_GET(c[1], GITS_CMD1_SIZE) + 1)));
		else
			snprintf(buf, size, "MAPD DeviceID 0x%x V=0 (unmap)", dev);
		break;
	case GITS_CMD_MAPC:
		if (FIELD_GET(c[2], GITS_CMD2_VALID))
			snprintf(buf, size, "MAPC ICID %u -> %s", icid, t1);
		else
			snprintf(buf, size, "MAPC ICID %u V=0 (unmap)", icid);
		break;
	case GITS_CMD_MAPTI:
		snprintf(buf, size, "MAPTI DeviceID 0x%x EventID %u pINTID %u ICID %u", dev, ev,
			 (uint32_t)FIELD_GET(c[1], GITS_CMD1_PINTID), icid);
		break;
	case GITS_CMD_MAPI:
	case GITS_CMD_MOVI:
		snprintf(buf, size, "%s DeviceID 0x%x EventID %u ICID %u", name, dev, ev, icid);
		break;
	case GITS_CMD_INT:
	case GITS_CMD_CLEAR:
	case GITS_CMD_DISCARD:
	case GITS_CMD_INV:
		snprintf(buf, size, "%s DeviceID 0x%x EventID %u", name, dev, ev);
		break;
	case GITS_CMD_INVALL:
		snprintf(buf, size, "INVALL ICID %u", icid);
		break;
	case GITS_CMD_MOVALL:
		snprintf(buf, size, "MOVALL %s -> %s", t1, t2);
		break;
	case GITS_CMD_SYNC:
		snprintf(buf, size, "SYNC %s", t1);
		break;
	default:
		snprintf(buf, size, "command 0x%02x (%016" PRIx64 " %016" PRIx64 " %016" PRIx64
			 " %016" PRIx64 ")", op, c[0], c[1], c[2], c[3]);
		break;
	}
}

/* --- ITS driver ------------------------------------------------------------------------------- */

static uint64_t itsr(its_drv_t *d, uint32_t off) { return its_mmio_read(d->its, off, 8); }
static void itsw(its_drv_t *d, uint32_t off, uint64_t v) { its_mmio_write(d->its, off, v, 8); }

/* Sets up GITS_BASER<n> as its_setup_baser() does: page size probed 64K, 16K, 4K; the device
 * table two-level when flat would exceed two pages (its_parse_indirect_baser()). */
static int setup_baser(its_drv_t *d, unsigned n)
{
	uint64_t b = itsr(d, GITS_BASER(n));
	unsigned type = (unsigned)FIELD_GET(b, GITS_BASER_TYPE);
	uint64_t esz = FIELD_GET(b, GITS_BASER_ENTRY_SIZE) + 1;
	if (type != GITS_BASER_TYPE_DEVICE && type != GITS_BASER_TYPE_COLLECTION)
		return 0;
	const uint64_t attrs = 7ull << 59 /* RaWaWb */ | 1ull << 10 /* Inner Shareable */;
	unsigned ps = 2;
	for (;; ps--) {
		itsw(d, GITS_BASER(n), FIELD_PREP(GITS_BASER_PAGE_SIZE, ps) | attrs);
		if (FIELD_GET(itsr(d, GITS_BASER(n)), GITS_BASER_PAGE_SIZE) == ps)
			break;
		if (!ps)
			return -1;
	}
	uint64_t psz = ps == 0 ? 0x1000 : ps == 1 ? 0x4000 : 0x10000;
	bool indirect = false;
	uint64_t bytes = psz;
	if (type == GITS_BASER_TYPE_DEVICE) {
		unsigned ids = (unsigned)FIELD_GET(itsr(d, GITS_TYPER), GITS_TYPER_DEVBITS) + 1;
		if ((esz << ids) > psz * 2) {
			itsw(d, GITS_BASER(n), FIELD_PREP(GITS_BASER_PAGE_SIZE, ps) | attrs |
						       FIELD_MASK(GITS_BASER_INDIRECT));
			if (FIELD_GET(itsr(d, GITS_BASER(n)), GITS_BASER_INDIRECT)) {
				indirect = true;
				ids -= log2u(psz / esz);
				esz = GITS_L1E_SIZE;
			}
		}
		bytes = esz << ids;
		if (bytes < psz)
			bytes = psz;
	}
	uint64_t pages = (bytes + psz - 1) / psz;
	if (pages > 256)
		pages = 256;
	uint64_t pa = physalloc_alloc(d->gd->alloc, pages * psz, psz);
	if (!pa)
		return -1;
	itsw(d, GITS_BASER(n), pa | FIELD_PREP(GITS_BASER_PAGE_SIZE, ps) | attrs |
				       FIELD_PREP(GITS_BASER_SIZE, pages - 1) |
				       FIELD_PREP(GITS_BASER_INDIRECT, indirect) |
				       FIELD_PREP(GITS_BASER_VALID, 1));
	if (type == GITS_BASER_TYPE_DEVICE) {
		d->dt = pa;
		d->dt_indirect = indirect;
		d->psz = psz;
		if (indirect) {
			d->nl1 = (uint32_t)(pages * psz / GITS_L1E_SIZE);
			if (!(d->l2 = calloc(d->nl1, sizeof *d->l2)))
				return -1;
		}
	} else {
		d->ct = pa;
	}
	return 0;
}

static void log_cmd(its_drv_t *d, const uint64_t c[4], uint32_t offset)
{
	if (d->nlog == d->caplog) {
		uint32_t cap = d->caplog ? 2 * d->caplog : 64;
		its_drv_cmd_t *n = realloc(d->log, cap * sizeof *n);
		if (!n)
			return;
		d->log = n;
		d->caplog = cap;
	}
	its_drv_cmd_t *e = &d->log[d->nlog++];
	memcpy(e->dw, c, sizeof e->dw);
	e->offset = offset;
	e->at = sim_now(d->gd->sim);
}

static bool queue_cmd(its_drv_t *d, const uint64_t c[4])
{
	uint32_t creadr = (uint32_t)(itsr(d, GITS_CREADR) & FIELD_MASK(GITS_CREADR_OFFSET));
	if ((d->widx + GITS_CMD_SIZE) % d->cmdq_bytes == creadr)
		return false; /* full */
	for (int i = 0; i < 4; i++)
		put64(d->gd->mem, d->cmdq + d->widx + 8u * (unsigned)i, c[i]);
	log_cmd(d, c, d->widx);
	d->widx = (d->widx + GITS_CMD_SIZE) % d->cmdq_bytes;
	return true;
}

int its_drv_send(its_drv_t *d, const uint64_t cmd[4], int sync_pe)
{
	if (!queue_cmd(d, cmd))
		return -1;
	if (sync_pe >= 0 && (uint32_t)sync_pe < d->gd->pes) {
		uint64_t s[4];
		its_cmd_sync(s, d->target[sync_pe]);
		if (!queue_cmd(d, s))
			return -1;
	}
	itsw(d, GITS_CWRITER, d->widx);
	return 0;
}

bool its_drv_done(its_drv_t *d)
{
	uint64_t r = itsr(d, GITS_CREADR);
	d->stalled = FIELD_GET(r, GITS_CREADR_STALLED) != 0;
	return d->stalled || (r & FIELD_MASK(GITS_CREADR_OFFSET)) == d->widx;
}

int its_drv_wait(its_drv_t *d)
{
	while (!its_drv_done(d))
		if (!sim_step(d->gd->sim))
			return -1; /* nothing left to run: the ITS is not consuming */
	return d->stalled ? -1 : 0;
}

/* Sends a command (and its SYNC) and waits; fails on a stall or on a command error, which
 * Linux would not see but which leaves the mapping undone (d->last_error says which). */
static int send_checked(its_drv_t *d, const uint64_t c[4], int sync_pe)
{
	uint64_t before = its_stats(d->its)->cmd_errors;
	d->last_error = 0;
	if (its_drv_send(d, c, sync_pe) || its_drv_wait(d))
		return -1;
	if (its_stats(d->its)->cmd_errors != before) {
		its_cmd_error_t all[ITS_ERR_LOG];
		unsigned n = its_cmd_errors(d->its, all, ITS_ERR_LOG);
		d->last_error = n ? all[n - 1].code : 0;
		return -1;
	}
	return 0;
}

int its_drv_probe(its_drv_t *d, gic_drv_t *gd, its_t *its, uint64_t pa)
{
	memset(d, 0, sizeof *d);
	d->gd = gd;
	d->its = its;
	d->pa = pa;
	/* its_force_quiescent(), then clear every GITS_BASER<n>. */
	its_mmio_write(its, GITS_CTLR, 0, 4);
	if (!FIELD_GET(its_mmio_read(its, GITS_CTLR, 4), GITS_CTLR_QUIESCENT))
		return -1;
	for (unsigned n = 0; n < 8; n++)
		itsw(d, GITS_BASER(n), 0);
	d->cmdq_bytes = 0x10000; /* ITS_CMD_QUEUE_SZ */
	d->cmdq = physalloc_alloc(gd->alloc, d->cmdq_bytes, 0x10000);
	d->target = calloc(gd->pes, sizeof *d->target);
	d->load = calloc(gd->pes, sizeof *d->load);
	if (!d->cmdq || !d->target || !d->load)
		return -1;
	for (unsigned n = 0; n < 8; n++)
		if (setup_baser(d, n))
			return -1;
	itsw(d, GITS_CBASER, d->cmdq | 7ull << 59 | 1ull << 10 |
				     FIELD_PREP(GITS_CBASER_SIZE, d->cmdq_bytes / 0x1000 - 1) |
				     FIELD_PREP(GITS_CBASER_VALID, 1));
	itsw(d, GITS_CWRITER, 0);
	its_mmio_write(its, GITS_CTLR, FIELD_PREP(GITS_CTLR_ENABLED, 1), 4);
	/* its_cpu_init_collections(): collection n is CPU n. */
	bool pta = FIELD_GET(itsr(d, GITS_TYPER), GITS_TYPER_PTA) != 0;
	for (uint32_t cpu = 0; cpu < gd->pes; cpu++) {
		uint64_t typer = gic_redist_read(gd->gic, cpu, GICR_TYPER, 8);
		d->target[cpu] = pta ? gic_params(gd->gic)->gicr_base + (uint64_t)cpu * GICR_FRAME_STRIDE
				     : FIELD_GET(typer, GICR_TYPER_PROCESSOR_NUMBER) << 16;
		uint64_t c[4];
		its_cmd_mapc(c, cpu, d->target[cpu], true);
		if (its_drv_send(d, c, (int)cpu) || its_drv_wait(d))
			return -1;
		its_cmd_invall(c, cpu);
		if (its_drv_send(d, c, (int)cpu) || its_drv_wait(d))
			return -1;
	}
	return 0;
}

void its_drv_free(its_drv_t *d)
{
	for (uint32_t i = 0; i < d->ndevs; i++) {
		free(d->devs[i].used);
		free(d->devs[i].col);
	}
	free(d->devs);
	free(d->l2);
	free(d->target);
	free(d->load);
	free(d->log);
	memset(d, 0, sizeof *d);
}

uint64_t its_drv_msi_address(const its_drv_t *d)
{
	return d->pa + GITS_TRANSLATER;
}

/* its_alloc_table_entry(): a level-2 page for the DeviceID, allocated on first use. */
static bool dt_entry(its_drv_t *d, uint32_t devid)
{
	if (!d->dt_indirect)
		return true;
	uint32_t idx = (uint32_t)(devid / (d->psz / GITS_DTE_SIZE));
	if (idx >= d->nl1)
		return false;
	if (!d->l2[idx]) {
		uint64_t page = physalloc_alloc(d->gd->alloc, d->psz, d->psz);
		if (!page)
			return false;
		d->l2[idx] = page;
		put64(d->gd->mem, d->dt + (uint64_t)idx * GITS_L1E_SIZE,
		      page | FIELD_PREP(GITS_L1E_VALID, 1));
	}
	return true;
}

its_drv_dev_t *its_drv_device(its_drv_t *d, uint32_t devid, uint32_t nvec)
{
	for (uint32_t i = 0; i < d->ndevs; i++)
		if (d->devs[i].devid == devid)
			return &d->devs[i]; /* its_find_device(): shared, no new MAPD */
	/* its_pci_msi_prepare(): a power of two, at least 32 for DeviceID 0. */
	uint32_t nvecs = roundup_pow2(nvec ? nvec : 1);
	if (devid == 0 && nvecs < 32)
		nvecs = 32;
	uint32_t nr_ites = nvecs < 2 ? 2 : nvecs;
	uint64_t ite_size = FIELD_GET(itsr(d, GITS_TYPER), GITS_TYPER_ITT_ENTRY_SIZE) + 1;
	uint64_t sz = nr_ites * ite_size;
	if (sz < GITS_ITT_ALIGN)
		sz = GITS_ITT_ALIGN;
	uint64_t itt = physalloc_alloc(d->gd->alloc, sz, GITS_ITT_ALIGN);
	uint32_t nr_lpis = nvecs, base = 0;
	while (nr_lpis && !(base = gic_drv_lpi_alloc(d->gd, nr_lpis)))
		nr_lpis /= 2; /* its_lpi_alloc() halves on failure */
	if (!itt || !base || !dt_entry(d, devid))
		return NULL;
	its_drv_dev_t *n = realloc(d->devs, (d->ndevs + 1) * sizeof *n);
	if (!n)
		return NULL;
	d->devs = n;
	its_drv_dev_t *dev = &d->devs[d->ndevs];
	memset(dev, 0, sizeof *dev);
	dev->devid = devid;
	dev->nr_ites = nr_ites;
	dev->itt = itt;
	dev->lpi_base = base;
	dev->nr_lpis = nr_lpis;
	dev->used = calloc(nr_lpis, 1);
	dev->col = calloc(nr_lpis, sizeof *dev->col);
	if (!dev->used || !dev->col) {
		free(dev->used);
		free(dev->col);
		return NULL;
	}
	d->ndevs++;
	uint64_t c[4];
	its_cmd_mapd(c, devid, log2u(nr_ites) - 1, itt, true);
	if (send_checked(d, c, -1))
		return NULL; /* MAPD: Linux sends no SYNC after it */
	return dev;
}

int its_drv_vector(its_drv_t *d, its_drv_dev_t *dev, uint64_t cpus, uint32_t *intid)
{
	uint32_t event = 0;
	while (event < dev->nr_lpis && dev->used[event])
		event++;
	if (event >= dev->nr_lpis)
		return -1;
	/* its_select_cpu(): the least-loaded CPU of the mask, the lowest on a tie. */
	int cpu = -1;
	for (uint32_t c = 0; c < d->gd->pes && c < 64; c++)
		if ((!cpus || (cpus >> c & 1)) && (cpu < 0 || d->load[c] < d->load[cpu]))
			cpu = (int)c;
	if (cpu < 0)
		return -1;
	dev->used[event] = 1;
	dev->col[event] = (uint16_t)cpu;
	d->load[cpu]++;
	uint32_t hwirq = dev->lpi_base + event;
	uint64_t c[4];
	its_cmd_mapti(c, dev->devid, event, hwirq, (uint32_t)cpu);
	if (send_checked(d, c, cpu))
		return -1;
	/* Unmask: lpi_update_config() then INV + SYNC (no DirectLPI). */
	gic_drv_lpi_config(d->gd, hwirq, true, GIC_DRV_PRIO);
	its_cmd_event(c, GITS_CMD_INV, dev->devid, event);
	if (its_drv_send(d, c, cpu) || its_drv_wait(d))
		return -1;
	if (intid)
		*intid = hwirq;
	return (int)event;
}

int its_drv_set_affinity(its_drv_t *d, its_drv_dev_t *dev, uint32_t event, uint32_t cpu)
{
	if (event >= dev->nr_lpis || !dev->used[event] || cpu >= d->gd->pes)
		return -1;
	uint32_t old = dev->col[event];
	if (old == cpu)
		return 0;
	uint64_t c[4];
	its_cmd_movi(c, dev->devid, event, cpu);
	/* The SYNC goes to the old collection: col_map is updated after its_send_movi(). */
	if (its_drv_send(d, c, (int)old) || its_drv_wait(d))
		return -1;
	dev->col[event] = (uint16_t)cpu;
	d->load[old]--;
	d->load[cpu]++;
	return 0;
}

/* --- GICv2m ----------------------------------------------------------------------------------- */

int v2m_drv_add_frame(v2m_drv_t *d, gicv2m_t *frame, uint64_t pa)
{
	v2m_drv_frame_t *n = realloc(d->frames, (d->nframes + 1) * sizeof *n);
	if (!n)
		return -1;
	d->frames = n;
	uint32_t count = (uint32_t)FIELD_GET(gicv2m_read(frame, V2M_MSI_TYPER, 4), V2M_TYPER_NUMBER);
	n[d->nframes] = (v2m_drv_frame_t){frame, pa, calloc(count ? count : 1, 1)};
	if (!n[d->nframes].used)
		return -1;
	d->nframes++;
	return 0;
}

void v2m_drv_free(v2m_drv_t *d)
{
	for (uint32_t i = 0; i < d->nframes; i++)
		free(d->frames[i].used);
	free(d->frames);
	d->frames = NULL;
	d->nframes = 0;
}

uint32_t v2m_drv_alloc(v2m_drv_t *d, uint32_t nr, uint32_t cpu, uint32_t *frame)
{
	return v2m_drv_alloc_in(d, nr, cpu, ~0ull, frame);
}

uint32_t v2m_drv_alloc_in(v2m_drv_t *d, uint32_t nr, uint32_t cpu, uint64_t frames,
			  uint32_t *frame)
{
	nr = roundup_pow2(nr ? nr : 1);
	for (uint32_t f = 0; f < d->nframes; f++) {
		if (f < 64 && !(frames >> f & 1))
			continue;
		uint64_t typer = gicv2m_read(d->frames[f].frame, V2M_MSI_TYPER, 4);
		uint32_t base = (uint32_t)FIELD_GET(typer, V2M_TYPER_BASE);
		uint32_t count = (uint32_t)FIELD_GET(typer, V2M_TYPER_NUMBER);
		/* bitmap_find_free_region(): the first free block of nr, aligned to nr. */
		for (uint32_t off = 0; off + nr <= count; off += nr) {
			uint32_t i = 0;
			while (i < nr && !d->frames[f].used[off + i])
				i++;
			if (i < nr)
				continue;
			for (i = 0; i < nr; i++) {
				uint32_t spi = base + off + i;
				d->frames[f].used[off + i] = 1;
				gic_dist_write(d->gd->gic, GICD_IPRIORITYR(spi), GIC_DRV_PRIO, 1);
				gic_dist_write(d->gd->gic, GICD_IROUTER(spi),
					       FIELD_PREP(GICD_IROUTER_AFF0, cpu & 0xff) |
						       FIELD_PREP(GICD_IROUTER_AFF1, cpu >> 8),
					       8);
				gic_dist_write(d->gd->gic, GICD_ISENABLER(spi / 32), 1u << (spi % 32), 4);
			}
			if (frame)
				*frame = f;
			return base + off;
		}
	}
	return 0;
}
