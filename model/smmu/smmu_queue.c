/* SPDX-License-Identifier: MIT */
/*
 * smmu_queue.c — the SMMU's queues in simulated memory (§3.5).
 *
 * Event queue: records are written at PROD while the queue is enabled and not full; a full
 * queue loses the event and toggles EVENTQ_PROD.OVFLG (once, until software acknowledges it in
 * EVENTQ_CONS.OVACKFLG); an aborted write raises GERROR.EVENTQ_ABT_ERR. When the queue goes
 * from empty to non-empty the SMMU signals its event interrupt by MSI, if configured.
 *
 * Command queue: consumed in order, one command per step on the TCU clock; each step takes
 * cmd_cycles, and an invalidation inval_cycles more before the next command starts, so a
 * CMD_SYNC completes only after every earlier command has taken effect. An illegal command
 * (CERROR_ILL) or a fetch abort (CERROR_ABT) stops consumption with CMDQ_CONS pointing at the
 * command and GERROR.CMDQ_ERR raised, until software acknowledges it in GERRORN.
 */
#include <string.h>

#include "smmu_internal.h"

/* An MSI is a 32-bit write of `data` to `addr`, through the SMMU's memory port. */
static bool msi(smmu_t *s, uint64_t cfg0, uint32_t data)
{
	uint64_t addr = cfg0 & SMMU_MASK(IRQ_CFG0_ADDR);
	if (!addr || !s->p.msi)
		return true;
	uint8_t b[4] = {(uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
			(uint8_t)(data >> 24)};
	return s->mem.write(s->mem.ctx, addr, b, 4) == MEM_OK;
}

void smmu_gerror(smmu_t *s, uint32_t bit)
{
	if ((s->gerror ^ s->gerrorn) & bit)
		return; /* already active */
	s->gerror ^= bit;
	/* The GERROR interrupt; if its own MSI write aborts, that is MSI_GERROR_ABT_ERR, which
	 * iofab records nowhere else (no further interrupt can report it). */
	if (SMMU_GET(s->irq_ctrl, IRQ_CTRL_GERROR_IRQEN))
		(void)msi(s, s->gerror_irq_cfg0, s->gerror_irq_cfg1);
}

static unsigned q_log2(uint64_t base, unsigned max)
{
	unsigned l = (unsigned)SMMU_GET(base, Q_BASE_LOG2SIZE);
	return l > max ? max : l;
}

bool smmu_record_event(smmu_t *s, const smmu_event_t *e)
{
	if (!SMMU_GET(s->cr0, CR0_EVENTQEN)) {
		s->stats.events_lost++;
		return false;
	}
	unsigned l = q_log2(s->eventq_base, s->p.eventqs);
	if (smmu_q_full(s->eventq_prod, s->eventq_cons, l)) {
		/* Overflow: toggle OVFLG unless an overflow is already unacknowledged. */
		if (SMMU_GET(s->eventq_prod, EVENTQ_PROD_OVFLG) ==
		    SMMU_GET(s->eventq_cons, EVENTQ_CONS_OVACKFLG))
			s->eventq_prod ^= (uint32_t)SMMU_MASK(EVENTQ_PROD_OVFLG);
		s->stats.events_lost++;
		return false;
	}
	uint64_t d[4] = {
		SMMU_PREP(EVT0_ID, e->id) | SMMU_PREP(EVT0_SSV, e->ssv) |
			SMMU_PREP(EVT0_SSID, e->ssv ? e->ssid : 0) | SMMU_PREP(EVT0_SID, e->sid),
		SMMU_PREP(EVT1_STAG, e->stag) | SMMU_PREP(EVT1_STALL, e->stall) |
			SMMU_PREP(EVT1_PNU, e->pnu) | SMMU_PREP(EVT1_IND, e->ind) |
			SMMU_PREP(EVT1_RNW, e->rnw) | SMMU_PREP(EVT1_S2, e->s2) |
			SMMU_PREP(EVT1_CLASS, e->class_),
		e->input_addr,
		e->fetch_addr ? (e->fetch_addr & SMMU_MASK(EVT3_FETCH_ADDR))
			      : (e->ipa & SMMU_MASK(EVT3_IPA)),
	};
	uint8_t rec[SMMU_EVT_SIZE];
	for (int i = 0; i < 4; i++)
		mem_put_le64(rec + 8 * i, d[i]);
	uint64_t base = s->eventq_base & SMMU_MASK(Q_BASE_ADDR);
	uint64_t pa = base + (uint64_t)smmu_q_idx(s->eventq_prod, l) * SMMU_EVT_SIZE;
	if (s->mem.write(s->mem.ctx, pa, rec, sizeof rec) != MEM_OK) {
		smmu_gerror(s, (uint32_t)SMMU_MASK(GERROR_EVENTQ_ABT_ERR));
		s->stats.events_lost++;
		return false;
	}
	bool was_empty = smmu_q_empty(s->eventq_prod, s->eventq_cons, l);
	s->eventq_prod = smmu_q_inc(s->eventq_prod, l);
	s->stats.events_written++;
	if (was_empty && SMMU_GET(s->irq_ctrl, IRQ_CTRL_EVENTQ_IRQEN) &&
	    !msi(s, s->eventq_irq_cfg0, s->eventq_irq_cfg1))
		smmu_gerror(s, (uint32_t)SMMU_MASK(GERROR_MSI_EVENTQ_ABT_ERR));
	return true;
}

/* --- command queue ---------------------------------------------------------------------- */

static bool cmdq_error_active(const smmu_t *s)
{
	return (s->gerror ^ s->gerrorn) & (uint32_t)SMMU_MASK(GERROR_CMDQ_ERR);
}

/* The invalidation a command asks for. TLBI ranges (IDR3.RIL): NUM+1 times 2^SCALE pages of
 * the granule TG names; TG = 0 is a single address. */
static smmu_inval_t inval_of(const uint64_t *cmd, unsigned op)
{
	smmu_inval_t inv;
	memset(&inv, 0, sizeof inv);
	inv.op = (uint8_t)op;
	inv.sid = inv.sid_last = (uint32_t)SMMU_GET(cmd[0], CMD0_SID);
	inv.ssid = (uint32_t)SMMU_GET(cmd[0], CMD0_SSID);
	inv.asid = (uint16_t)SMMU_GET(cmd[0], CMD0_ASID);
	inv.vmid = (uint16_t)SMMU_GET(cmd[0], CMD0_VMID);
	inv.leaf = SMMU_GET(cmd[1], CMD1_LEAF);
	inv.addr = SMMU_GET(cmd[1], CMD1_ADDR) << 12;
	unsigned tg = (unsigned)SMMU_GET(cmd[1], CMD1_TG);
	inv.len = 1;
	if (tg)
		inv.len = (SMMU_GET(cmd[0], CMD0_NUM) + 1)
			  << (SMMU_GET(cmd[0], CMD0_SCALE) + 2 * tg + 10);
	if (op == SMMU_CMD_CFGI_STE_RANGE) {
		unsigned range = (unsigned)SMMU_GET(cmd[1], CMD1_RANGE);
		if (range >= 31) {
			inv.sid = 0;
			inv.sid_last = UINT32_MAX;
		} else {
			uint32_t n = 1u << (range + 1);
			inv.sid &= ~(n - 1);
			inv.sid_last = inv.sid + n - 1;
		}
	}
	return inv;
}

/* Executes one command. Returns a CERROR code; *extra is the time its effect takes. */
static unsigned execute(smmu_t *s, const uint64_t *cmd, uint32_t *extra)
{
	const smmu_params_t *p = &s->p;
	unsigned op = (unsigned)SMMU_GET(cmd[0], CMD0_OPCODE);
	*extra = 0;
	if (SMMU_GET(cmd[0], CMD0_SSEC))
		return SMMU_CERROR_ILL; /* secure command on the non-secure queue */
	switch (op) {
	case SMMU_CMD_PREFETCH_CONFIG:
	case SMMU_CMD_PREFETCH_ADDR:
		return SMMU_CERROR_NONE; /* a hint; iofab keeps no prefetch state */
	case SMMU_CMD_TLBI_NH_ALL:
	case SMMU_CMD_TLBI_NH_ASID:
	case SMMU_CMD_TLBI_NH_VA:
	case SMMU_CMD_TLBI_NH_VAA:
		if (!p->s1p)
			return SMMU_CERROR_ILL;
		goto invalidate;
	case SMMU_CMD_TLBI_S12_VMALL:
	case SMMU_CMD_TLBI_S2_IPA:
		if (!p->s2p)
			return SMMU_CERROR_ILL;
		goto invalidate;
	case SMMU_CMD_CFGI_STE:
	case SMMU_CMD_CFGI_STE_RANGE:
	case SMMU_CMD_CFGI_CD:
	case SMMU_CMD_CFGI_CD_ALL:
	case SMMU_CMD_TLBI_NSNH_ALL:
	invalidate: {
		smmu_inval_t inv = inval_of(cmd, op);
		smmu_invalidate(s, &inv);
		*extra = p->inval_cycles;
		return SMMU_CERROR_NONE;
	}
	case SMMU_CMD_ATC_INV: {
		if (!p->ats)
			return SMMU_CERROR_ILL;
		/* Size: 2^Size 4 KiB pages from Address, aligned to that size; 52 is everything. */
		unsigned size = (unsigned)SMMU_GET(cmd[1], CMD1_ATC_SIZE);
		if (size > 52)
			return SMMU_CERROR_ILL;
		uint64_t len = size >= 52 ? UINT64_MAX : 4096ull << size;
		uint64_t addr = size >= 52 ? 0 : (SMMU_GET(cmd[1], CMD1_ADDR) << 12) & ~(len - 1);
		if (s->atc_fn)
			s->atc_fn(s->atc_ctx, (uint32_t)SMMU_GET(cmd[0], CMD0_SID),
				  SMMU_GET(cmd[0], CMD0_SSV) != 0, (uint32_t)SMMU_GET(cmd[0], CMD0_SSID),
				  SMMU_GET(cmd[0], CMD0_ATC_GLOBAL) != 0, addr, len);
		*extra = p->inval_cycles;
		return SMMU_CERROR_NONE;
	}
	case SMMU_CMD_RESUME:
	case SMMU_CMD_STALL_TERM: {
		if (!p->stall)
			return SMMU_CERROR_ILL;
		unsigned action = (unsigned)SMMU_GET(cmd[0], CMD0_RESUME_ACTION);
		if (op == SMMU_CMD_RESUME && action > SMMU_RESUME_ABORT)
			return SMMU_CERROR_ILL;
		smmu_stall_end(s, (uint32_t)SMMU_GET(cmd[0], CMD0_SID),
			       (uint16_t)SMMU_GET(cmd[1], CMD1_STAG), op == SMMU_CMD_STALL_TERM, action);
		return SMMU_CERROR_NONE;
	}
	case SMMU_CMD_SYNC: {
		unsigned cs = (unsigned)SMMU_GET(cmd[0], CMD0_SYNC_CS);
		if (cs == 3)
			return SMMU_CERROR_ILL;
		s->stats.syncs++;
		if (cs == SMMU_SYNC_CS_IRQ && p->msi) {
			uint64_t addr = cmd[1] & SMMU_MASK(CMD1_SYNC_MSIADDR);
			uint32_t data = (uint32_t)SMMU_GET(cmd[0], CMD0_SYNC_MSIDATA);
			uint8_t b[4] = {(uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
					(uint8_t)(data >> 24)};
			if (addr && s->mem.write(s->mem.ctx, addr, b, 4) != MEM_OK)
				smmu_gerror(s, (uint32_t)SMMU_MASK(GERROR_MSI_CMDQ_ABT_ERR));
		}
		return SMMU_CERROR_NONE;
	}
	default:
		return SMMU_CERROR_ILL; /* unknown opcode, or a PRI/EL2/EL3 command this SMMU lacks */
	}
}

void smmu_set_atc_client(smmu_t *s, smmu_atc_inv_fn fn, void *ctx)
{
	s->atc_fn = fn;
	s->atc_ctx = ctx;
}

static void cmdq_step(sim_t *sim, void *ctx, uint64_t arg);

static void schedule(smmu_t *s, uint32_t cycles)
{
	sim_time_t now = sim_now(s->sim);
	if (sim_schedule_in(s->sim, sim_cycles_from(s->sim, s->tcu_clk, now, cycles), cmdq_step, s,
			    0) == SIM_OK)
		s->cmdq_scheduled = true;
}

void smmu_cmdq_kick(smmu_t *s)
{
	unsigned l = q_log2(s->cmdq_base, s->p.cmdqs);
	if (s->cmdq_scheduled || !SMMU_GET(s->cr0, CR0_CMDQEN) || cmdq_error_active(s) ||
	    smmu_q_empty(s->cmdq_prod, s->cmdq_cons, l))
		return;
	schedule(s, s->p.cmd_cycles);
}

static void cmdq_step(sim_t *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	(void)arg;
	smmu_t *s = ctx;
	s->cmdq_scheduled = false;
	unsigned l = q_log2(s->cmdq_base, s->p.cmdqs);
	if (!SMMU_GET(s->cr0, CR0_CMDQEN) || cmdq_error_active(s) ||
	    smmu_q_empty(s->cmdq_prod, s->cmdq_cons, l))
		return;
	uint64_t pa = (s->cmdq_base & SMMU_MASK(Q_BASE_ADDR)) +
		      (uint64_t)smmu_q_idx(s->cmdq_cons, l) * SMMU_CMD_SIZE;
	uint8_t raw[SMMU_CMD_SIZE];
	unsigned err;
	uint32_t extra = 0;
	uint64_t cmd[2];
	if (s->mem.read(s->mem.ctx, pa, raw, sizeof raw) != MEM_OK) {
		err = SMMU_CERROR_ABT;
	} else {
		cmd[0] = mem_le64(raw);
		cmd[1] = mem_le64(raw + 8);
		err = execute(s, cmd, &extra);
	}
	if (err != SMMU_CERROR_NONE) {
		/* CONS stays at the failing command; ERR says why. */
		s->cmdq_cons = (s->cmdq_cons & ~(uint32_t)SMMU_MASK(CMDQ_CONS_ERR)) |
			       (uint32_t)SMMU_PREP(CMDQ_CONS_ERR, err);
		s->stats.cmd_errors++;
		smmu_gerror(s, (uint32_t)SMMU_MASK(GERROR_CMDQ_ERR));
		return;
	}
	s->stats.commands++;
	s->cmdq_cons = smmu_q_inc(s->cmdq_cons & ~(uint32_t)SMMU_MASK(CMDQ_CONS_ERR), l);
	if (!smmu_q_empty(s->cmdq_prod, s->cmdq_cons, l))
		schedule(s, s->p.cmd_cycles + extra);
}
