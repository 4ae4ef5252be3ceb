/* SPDX-License-Identifier: MIT */
/*
 * its_cmd.c — the ITS command queue (§5.3): 32-byte commands in the circular buffer GITS_CBASER
 * describes, consumed from GITS_CREADR up to GITS_CWRITER while GITS_CTLR.Enabled is set.
 *
 * Each command starts cmd_cycles (ITS clock) after the previous one completed, takes effect
 * when it starts, and completes after its table accesses (mem_read each, dependent); CREADR
 * then moves past it. So a SYNC completes after every earlier command's effect, and software
 * polling CREADR sees commands finish in simulated time.
 *
 * Errors, as the architecture allows (§5.3, "command errors") and as QEMU's model chooses:
 *   - bad parameters (IDs out of range, unmapped device, interrupt or collection): the command
 *     is skipped, recorded with its §5.5 error code, and the queue goes on;
 *   - a memory fault (the command itself or a table entry cannot be read or written): the
 *     queue stalls at that command with GITS_CREADR.Stalled set, until software writes
 *     GITS_CWRITER with Retry = 1, which retries it.
 */
#include <stdio.h>
#include <string.h>

#include "its_internal.h"

#define CMD_DONE 0u
#define CMD_STALL 1u

const char *its_cmd_name(unsigned op)
{
	switch (op) {
	case GITS_CMD_MOVI: return "MOVI";
	case GITS_CMD_INT: return "INT";
	case GITS_CMD_CLEAR: return "CLEAR";
	case GITS_CMD_SYNC: return "SYNC";
	case GITS_CMD_MAPD: return "MAPD";
	case GITS_CMD_MAPC: return "MAPC";
	case GITS_CMD_MAPTI: return "MAPTI";
	case GITS_CMD_MAPI: return "MAPI";
	case GITS_CMD_INV: return "INV";
	case GITS_CMD_INVALL: return "INVALL";
	case GITS_CMD_MOVALL: return "MOVALL";
	case GITS_CMD_DISCARD: return "DISCARD";
	default: return "?";
	}
}

const char *its_error_name(uint32_t code, char *buf, unsigned size)
{
	unsigned op = code >> 8 & 0xff;
	if (op == 0x05)
		op = GITS_CMD_CLEAR; /* SYNC reports no errors: 0x05 is CLEAR's (see ITS_ERR) */
	const char *why;
	switch (code & 0xff) {
	case ITS_ERR_DEVICE_OOR: why = op == GITS_CMD_MOVALL ? "PROCNUM_OOR" : "DEVICE_OOR"; break;
	case ITS_ERR_SIZE_OOR: why = op == GITS_CMD_MAPC ? "PROCNUM_OOR" : "ITTSIZE_OOR"; break;
	case ITS_ERR_COLLECTION_OOR: why = "COLLECTION_OOR"; break;
	case ITS_ERR_UNMAPPED_DEVICE: why = "UNMAPPED_DEVICE"; break;
	case ITS_ERR_ID_OOR: why = "ID_OOR"; break;
	case ITS_ERR_PHYSICALID_OOR: why = "PHYSICALID_OOR"; break;
	case ITS_ERR_UNMAPPED_INTERRUPT: why = "UNMAPPED_INTERRUPT"; break;
	case ITS_ERR_UNMAPPED_COLLECTION: why = "UNMAPPED_COLLECTION"; break;
	case ITS_ERR_UNKNOWN_COMMAND: why = "UNKNOWN_COMMAND"; break;
	default: why = "?"; break;
	}
	const char *cmd = its_cmd_name(op);
	if (!strcmp(cmd, "?"))
		snprintf(buf, size, "CMD_0x%02x_%s", op, why);
	else
		snprintf(buf, size, "%s_%s", cmd, why);
	return buf;
}

unsigned its_cmd_errors(const its_t *its, its_cmd_error_t *out, unsigned max)
{
	unsigned n = its->nerrs < ITS_ERR_LOG ? its->nerrs : ITS_ERR_LOG;
	if (n > max)
		n = max;
	unsigned first = its->nerrs - n;
	for (unsigned i = 0; i < n; i++)
		out[i] = its->errs[(first + i) % ITS_ERR_LOG];
	return n;
}

bool its_stalled(const its_t *its)
{
	return FIELD_GET(its->creadr, GITS_CREADR_STALLED) != 0;
}

/* --- execution ------------------------------------------------------------------------------ */

typedef struct exec {
	its_t *its;
	unsigned op;
	uint32_t accesses; /* table reads and writes: the command's duration */
} exec_t;

static bool rd(exec_t *e, uint64_t pa, uint64_t *v)
{
	e->accesses++;
	return its_read_entry(e->its, pa, v);
}

static bool wr(exec_t *e, uint64_t pa, uint64_t v)
{
	e->accesses++;
	return its_write_entry(e->its, pa, v);
}

static uint32_t err(const exec_t *e, unsigned reason)
{
	return ITS_ERR(e->op, reason);
}

/* The device's table entry. */
static uint32_t read_dte(exec_t *e, uint32_t devid, uint64_t *dte, bool *mapped)
{
	uint64_t pa;
	uint32_t reads = 0;
	its_tbl_t t = its_dte_addr(e->its, devid, &pa, &reads);
	e->accesses += reads;
	*dte = 0;
	*mapped = false;
	if (t == ITS_TBL_OOR)
		return err(e, ITS_ERR_DEVICE_OOR);
	if (t == ITS_TBL_ABORT)
		return CMD_STALL;
	if (t == ITS_TBL_NO_L2)
		return CMD_DONE;
	if (!rd(e, pa, dte))
		return CMD_STALL;
	*mapped = FIELD_GET(*dte, GITS_DTE_VALID) != 0;
	return CMD_DONE;
}

/* A collection's target PE (-1 if unmapped). */
static uint32_t collection_pe(exec_t *e, uint32_t icid, int *pe)
{
	uint64_t cte, pa;
	uint32_t reads = 0;
	*pe = -1;
	if ((uint64_t)icid >= its_collection_limit(e->its))
		return err(e, ITS_ERR_COLLECTION_OOR);
	bool ok = its_read_cte(e->its, icid, &cte, &pa, &reads);
	e->accesses += reads;
	if (!ok)
		return CMD_STALL;
	*pe = its_cte_pe(e->its, cte);
	return *pe < 0 ? err(e, ITS_ERR_UNMAPPED_COLLECTION) : CMD_DONE;
}

/* The ITT entry of (DeviceID, EventID), as INT, CLEAR, DISCARD, INV and MOVI find it, and the
 * PE of its collection. */
typedef struct event_ref {
	uint64_t ite, ite_pa;
	uint32_t intid;
	uint16_t icid;
	int pe;
} event_ref_t;

/* The address of (DeviceID, EventID)'s ITT entry: the device must be mapped and the EventID
 * within its ITT. */
static uint32_t ite_addr(exec_t *e, uint32_t devid, uint32_t eventid, uint64_t *pa)
{
	uint64_t dte;
	bool mapped;
	uint32_t st = read_dte(e, devid, &dte, &mapped);
	if (st != CMD_DONE)
		return st;
	if (!mapped)
		return err(e, ITS_ERR_UNMAPPED_DEVICE);
	unsigned bits = (unsigned)FIELD_GET(dte, GITS_DTE_SIZE_F) + 1;
	if (bits < 32 && eventid >= (1ull << bits))
		return err(e, ITS_ERR_ID_OOR);
	*pa = (FIELD_GET(dte, GITS_DTE_ITT_ADDR) << 8) + (uint64_t)eventid * GITS_ITE_SIZE;
	return CMD_DONE;
}

static uint32_t find_event(exec_t *e, uint32_t devid, uint32_t eventid, event_ref_t *r)
{
	uint32_t st = ite_addr(e, devid, eventid, &r->ite_pa);
	if (st != CMD_DONE)
		return st;
	if (!rd(e, r->ite_pa, &r->ite))
		return CMD_STALL;
	if (!FIELD_GET(r->ite, GITS_ITE_VALID))
		return err(e, ITS_ERR_UNMAPPED_INTERRUPT);
	r->intid = (uint32_t)FIELD_GET(r->ite, GITS_ITE_PINTID);
	r->icid = (uint16_t)FIELD_GET(r->ite, GITS_ITE_ICID);
	return collection_pe(e, r->icid, &r->pe);
}

static bool lpi_in_range(const its_t *its, uint32_t intid)
{
	unsigned bits = gic_params(its->gic)->id_bits;
	return intid >= GIC_LPI_FIRST && (bits >= 32 || intid < (1ull << bits));
}

static uint32_t execute(exec_t *e, const uint64_t *c)
{
	its_t *its = e->its;
	uint32_t devid = (uint32_t)FIELD_GET(c[0], GITS_CMD0_DEVICEID);
	uint32_t eventid = (uint32_t)FIELD_GET(c[1], GITS_CMD1_EVENTID);
	uint32_t icid = (uint32_t)FIELD_GET(c[2], GITS_CMD2_ICID);
	sim_time_t now = sim_now(its->sim);
	event_ref_t r;
	uint32_t st;
	switch (e->op) {
	case GITS_CMD_MAPD: {
		bool valid = FIELD_GET(c[2], GITS_CMD2_VALID) != 0;
		unsigned size = (unsigned)FIELD_GET(c[1], GITS_CMD1_SIZE);
		if ((uint64_t)devid >= its_device_limit(its))
			return err(e, ITS_ERR_DEVICE_OOR);
		if (valid && size + 1u > its->p.id_bits)
			return err(e, ITS_ERR_SIZE_OOR);
		uint64_t pa;
		uint32_t reads = 0;
		its_tbl_t t = its_dte_addr(its, devid, &pa, &reads);
		e->accesses += reads;
		if (t == ITS_TBL_ABORT)
			return CMD_STALL;
		if (t != ITS_TBL_OK)
			return err(e, ITS_ERR_DEVICE_OOR); /* no level-2 page for it */
		uint64_t dte = valid ? FIELD_PREP(GITS_DTE_VALID, 1) | FIELD_PREP(GITS_DTE_SIZE_F, size) |
					       (c[2] & FIELD_MASK(GITS_CMD2_ITT_ADDR))
				     : 0;
		if (!wr(e, pa, dte))
			return CMD_STALL;
		/* Remapping or unmapping a device drops everything cached about it. */
		its->engine->invalidate(its, ITS_INV_DEVICE, devid, 0);
		return CMD_DONE;
	}
	case GITS_CMD_MAPC: {
		bool valid = FIELD_GET(c[2], GITS_CMD2_VALID) != 0;
		if ((uint64_t)icid >= its_collection_limit(its))
			return err(e, ITS_ERR_COLLECTION_OOR);
		uint64_t rdbase = FIELD_GET(c[2], GITS_CMD2_RDBASE);
		if (valid && gic_pe_of_rdbase(its->gic, its->p.pta, rdbase) < 0)
			return err(e, ITS_ERR_SIZE_OOR); /* MAPC_PROCNUM_OOR */
		uint64_t cte = valid ? FIELD_PREP(GITS_CTE_VALID, 1) | FIELD_PREP(GITS_CTE_RDBASE, rdbase)
				     : 0;
		uint64_t pa;
		if (its_cte_addr(its, icid, &pa) == ITS_TBL_HW)
			its->hw_cte[icid] = cte;
		else if (!wr(e, pa, cte))
			return CMD_STALL;
		its->engine->invalidate(its, ITS_INV_COLLECTION, icid, 0);
		return CMD_DONE;
	}
	case GITS_CMD_MAPTI:
	case GITS_CMD_MAPI: {
		uint32_t intid = e->op == GITS_CMD_MAPI ? eventid
							: (uint32_t)FIELD_GET(c[1], GITS_CMD1_PINTID);
		if ((uint64_t)devid >= its_device_limit(its))
			return err(e, ITS_ERR_DEVICE_OOR);
		if ((uint64_t)icid >= its_collection_limit(its))
			return err(e, ITS_ERR_COLLECTION_OOR);
		uint64_t pa;
		if ((st = ite_addr(e, devid, eventid, &pa)) != CMD_DONE)
			return st;
		if (!lpi_in_range(its, intid))
			return err(e, ITS_ERR_PHYSICALID_OOR);
		uint64_t ite = FIELD_PREP(GITS_ITE_VALID, 1) | FIELD_PREP(GITS_ITE_ICID, icid) |
			       FIELD_PREP(GITS_ITE_PINTID, intid);
		if (!wr(e, pa, ite))
			return CMD_STALL;
		its->engine->invalidate(its, ITS_INV_EVENT, devid, eventid);
		return CMD_DONE;
	}
	case GITS_CMD_INT:
	case GITS_CMD_CLEAR:
	case GITS_CMD_DISCARD:
	case GITS_CMD_INV:
		if ((st = find_event(e, devid, eventid, &r)) != CMD_DONE)
			return st;
		if (e->op == GITS_CMD_INT)
			(void)gic_lpi_raise(its->gic, (uint32_t)r.pe, r.intid, 0, now + its->p.rd_hop,
					    NULL);
		else if (e->op == GITS_CMD_INV)
			gic_lpi_inv(its->gic, (uint32_t)r.pe, r.intid);
		else
			(void)gic_lpi_clear(its->gic, (uint32_t)r.pe, r.intid);
		if (e->op == GITS_CMD_DISCARD) {
			if (!wr(e, r.ite_pa, 0))
				return CMD_STALL;
			its->engine->invalidate(its, ITS_INV_EVENT, devid, eventid);
		}
		return CMD_DONE;
	case GITS_CMD_MOVI: {
		if ((st = find_event(e, devid, eventid, &r)) != CMD_DONE)
			return st;
		int to;
		if ((st = collection_pe(e, icid, &to)) != CMD_DONE)
			return st;
		if (to != r.pe)
			(void)gic_lpi_move(its->gic, (uint32_t)r.pe, (uint32_t)to, r.intid);
		uint64_t ite = (r.ite & ~FIELD_MASK(GITS_ITE_ICID)) | FIELD_PREP(GITS_ITE_ICID, icid);
		if (!wr(e, r.ite_pa, ite))
			return CMD_STALL;
		its->engine->invalidate(its, ITS_INV_EVENT, devid, eventid);
		return CMD_DONE;
	}
	case GITS_CMD_INVALL: {
		int pe;
		if ((st = collection_pe(e, icid, &pe)) != CMD_DONE)
			return st;
		gic_lpi_invall(its->gic, (uint32_t)pe);
		return CMD_DONE;
	}
	case GITS_CMD_MOVALL: {
		int from = gic_pe_of_rdbase(its->gic, its->p.pta, FIELD_GET(c[2], GITS_CMD2_RDBASE));
		int to = gic_pe_of_rdbase(its->gic, its->p.pta, FIELD_GET(c[3], GITS_CMD3_RDBASE2));
		if (from < 0 || to < 0)
			return err(e, ITS_ERR_DEVICE_OOR); /* MOVALL_PROCNUM_OOR */
		gic_lpi_move_all(its->gic, (uint32_t)from, (uint32_t)to);
		return CMD_DONE;
	}
	case GITS_CMD_SYNC:
		/* Every earlier command's effect is complete when this one starts. */
		its->stats.syncs++;
		return CMD_DONE;
	default:
		return err(e, ITS_ERR_UNKNOWN_COMMAND);
	}
}

/* --- the queue ------------------------------------------------------------------------------ */

static void cmd_event(sim_t *sim, void *ctx, uint64_t arg);

enum { EV_START, EV_COMPLETE };

static uint64_t queue_bytes(const its_t *its)
{
	return (FIELD_GET(its->cbaser, GITS_CBASER_SIZE) + 1) * 0x1000;
}

static bool can_run(const its_t *its)
{
	return FIELD_GET(its->ctlr, GITS_CTLR_ENABLED) && FIELD_GET(its->cbaser, GITS_CBASER_VALID) &&
	       !its_stalled(its) &&
	       (its->creadr & FIELD_MASK(GITS_CREADR_OFFSET)) !=
		       (its->cwriter & FIELD_MASK(GITS_CWRITER_OFFSET));
}

static void schedule(its_t *its, sim_time_t delay, uint64_t what)
{
	if (sim_schedule_in(its->sim, delay, cmd_event, its, what) == SIM_OK)
		its->cmd_scheduled = true;
}

void its_cmd_kick(its_t *its)
{
	if (its->cmd_scheduled || !can_run(its))
		return;
	sim_time_t now = sim_now(its->sim);
	schedule(its, sim_cycles_from(its->sim, its->clk, now, its->p.cmd_cycles), EV_START);
}

static void record_error(its_t *its, uint32_t code, uint32_t offset, const uint64_t *c)
{
	its_cmd_error_t *r = &its->errs[its->nerrs++ % ITS_ERR_LOG];
	r->code = code;
	r->offset = offset;
	memcpy(r->cmd, c, sizeof r->cmd);
	r->at = sim_now(its->sim);
	its->stats.cmd_errors++;
}

static void cmd_event(sim_t *sim, void *ctx, uint64_t what)
{
	its_t *its = ctx;
	its->cmd_scheduled = false;
	uint32_t off = (uint32_t)(its->creadr & FIELD_MASK(GITS_CREADR_OFFSET));
	if (what == EV_COMPLETE) {
		/* The command at CREADR is done: move past it, and start the next. */
		its->creadr = (off + GITS_CMD_SIZE) % queue_bytes(its);
		its_cmd_kick(its);
		return;
	}
	if (!can_run(its))
		return;
	uint8_t raw[GITS_CMD_SIZE];
	uint64_t c[4];
	uint64_t pa = (its->cbaser & FIELD_MASK(GITS_CBASER_ADDR)) + off;
	uint32_t st;
	exec_t e = {its, 0, 1};
	if (its->mem.read(its->mem.ctx, pa, raw, sizeof raw) != MEM_OK) {
		st = CMD_STALL;
	} else {
		for (int i = 0; i < 4; i++)
			c[i] = mem_le64(raw + 8 * i);
		e.op = (unsigned)FIELD_GET(c[0], GITS_CMD0_OPCODE);
		st = execute(&e, c);
	}
	if (st == CMD_STALL) {
		its->creadr |= FIELD_MASK(GITS_CREADR_STALLED);
		its->stats.stalls++;
		return;
	}
	if (st != CMD_DONE)
		record_error(its, st, off, c);
	its->stats.commands++;
	schedule(its, (sim_time_t)e.accesses * its->p.mem_read, EV_COMPLETE);
	(void)sim;
}
