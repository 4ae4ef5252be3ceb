/* SPDX-License-Identifier: MIT */
/*
 * smmu_walk.c — AArch64 VMSA table walks for the SMMU: stage 1, stage 2, nested.
 *
 * Fault priority for a descriptor (Arm ARM D8, "Prioritization of faults"): translation
 * (invalid or reserved descriptor, block where none is allowed), then address size (a table
 * or output address beyond the stage's output size), then Access flag, then permission.
 * In a nested walk every stage-1 table address — the TTB and each next-level table — is an
 * IPA translated by a full stage-2 walk before it is read (SMMUv3 3.4.2): a stage-2 fault
 * there is reported with CLASS=TT; a stage-2 fault on the final stage-1 output with CLASS=IN.
 */
#include "smmu_walk.h"

#include <stddef.h>
#include <string.h>

unsigned smmu_perm_needed(smmu_access_t acc)
{
	if (acc.exec)
		return acc.priv ? SMMU_PERM_PX : SMMU_PERM_UX;
	if (acc.write)
		return acc.priv ? SMMU_PERM_PW : SMMU_PERM_UW;
	return acc.priv ? SMMU_PERM_PR : SMMU_PERM_UR;
}

typedef struct walker {
	const mem_port_t *mem;
	const smmu_walk_hooks_t *hooks;
	const smmu_tt_t *s2; /* set while walking stage 1 of a nested translation */
	smmu_access_t acc;
	smmu_walk_result_t *r;
} walker_t;

/* What one stage produced. */
typedef struct leaf {
	uint64_t oa;
	uint64_t size;
	unsigned perm;
	bool global;
} leaf_t;

static void add_read(smmu_walk_result_t *r, uint64_t pa, uint8_t stage, int level, bool for_s1)
{
	if (r->nreads >= SMMU_WALK_MAX_READS) {
		r->reads_truncated = true;
		return;
	}
	smmu_walk_read_t *rd = &r->reads[r->nreads++];
	rd->pa = pa;
	rd->stage = stage;
	rd->level = (int8_t)level;
	rd->for_s1_table = for_s1;
}

static bool fault(smmu_walk_result_t *r, smmu_fault_t f, uint8_t stage, int level)
{
	r->fault = f;
	r->fault_stage = stage;
	r->fault_level = (int8_t)level;
	return false;
}

/* Stage-1 permissions of a leaf, given the table attributes accumulated on the way (APTable,
 * PXNTable, UXNTable). No PAN, no WXN: privileged reads are always allowed. */
static unsigned s1_perm(uint64_t desc, uint64_t tattr)
{
	bool rdonly = (desc & VMSA_S1_AP_RDONLY) || (tattr & VMSA_S1_APTABLE_RDONLY);
	bool unpriv = (desc & VMSA_S1_AP_UNPRIV) && !(tattr & VMSA_S1_APTABLE_NOUNPRIV);
	unsigned p = SMMU_PERM_PR;
	if (!rdonly)
		p |= SMMU_PERM_PW;
	if (unpriv)
		p |= SMMU_PERM_UR | (rdonly ? 0 : SMMU_PERM_UW);
	/* Memory writable at EL0 is never executable at EL1 (Arm ARM D8, "Execute-never"). */
	bool el0_writable = (desc & VMSA_S1_AP_UNPRIV) && !(desc & VMSA_S1_AP_RDONLY);
	if (!(desc & VMSA_S1_PXN) && !(tattr & VMSA_S1_PXNTABLE) && !el0_writable)
		p |= SMMU_PERM_PX;
	if (!(desc & VMSA_S1_UXN) && !(tattr & VMSA_S1_UXNTABLE) && unpriv)
		p |= SMMU_PERM_UX;
	return p;
}

/* Stage-2 permissions: S2AP read/write for every access, execute when readable and not XN. */
static unsigned s2_perm(uint64_t desc)
{
	unsigned p = 0;
	if (desc & VMSA_S2AP_READ)
		p |= SMMU_PERM_PR | SMMU_PERM_UR;
	if (desc & VMSA_S2AP_WRITE)
		p |= SMMU_PERM_PW | SMMU_PERM_UW;
	if ((desc & VMSA_S2AP_READ) && !(desc & VMSA_S2_XN))
		p |= SMMU_PERM_PX | SMMU_PERM_UX;
	return p;
}

static bool walk(walker_t *w, const smmu_tt_t *tt, uint8_t stage, uint64_t ia, bool for_s1,
		 leaf_t *out);

/* Nested: the physical address of a stage-1 table whose IPA is `ipa`. */
static bool table_pa(walker_t *w, uint64_t ipa, uint64_t *pa)
{
	leaf_t l;
	/* Table reads are data reads; stage-2 permission must allow reading. */
	smmu_access_t saved = w->acc;
	w->acc = (smmu_access_t){.write = false, .exec = false, .priv = true};
	bool ok = walk(w, w->s2, 2, ipa, true, &l);
	w->acc = saved;
	if (!ok) {
		w->r->fault_class = SMMU_CLASS_TT;
		w->r->fault_ipa = ipa;
		return false;
	}
	*pa = l.oa;
	return true;
}

static bool walk(walker_t *w, const smmu_tt_t *tt, uint8_t stage, uint64_t ia, bool for_s1,
		 leaf_t *out)
{
	smmu_walk_result_t *r = w->r;
	const smmu_walk_hooks_t *hk = w->hooks;
	const unsigned g = tt->granule_shift, stride = vmsa_stride(g);
	const bool nested_s1 = stage == 1 && w->s2;
	int level = tt->start_level;

	if (tt->ias < 64 && (ia >> tt->ias) != 0)
		return fault(r, SMMU_FAULT_TRANSLATION, stage, level); /* beyond the input range */

	uint64_t table = tt->ttb;
	bool is_pa = !nested_s1; /* nested: the TTB and every table address are IPAs */
	uint64_t tattr = 0;      /* stage-1 hierarchical attributes (APTable, XNTable) */

	/* Walk caches: start at the deepest level whose table address is cached. The cached
	 * address is physical. Hierarchical attributes are not cached: iofab's tables set none
	 * above a cached level (a limitation stated in docs/models/smmu.md). */
	if (hk && hk->lookup)
		for (int l = 3; l > level; l--) {
			uint64_t pa;
			if (hk->lookup(hk->ctx, stage, l, ia, &pa)) {
				level = l;
				table = pa;
				is_pa = true;
				break;
			}
		}

	for (;;) {
		if (!is_pa) {
			if (!table_pa(w, table, &table))
				return false;
			is_pa = true;
			if (level > tt->start_level && hk && hk->fill)
				hk->fill(hk->ctx, stage, level, ia, table);
		}
		unsigned shift = vmsa_level_shift(g, level);
		/* The start level may resolve fewer bits than a full table (or, with stage-2
		 * concatenated tables, more): exactly the input bits left above `shift`. */
		unsigned bits = level == tt->start_level ? tt->ias - shift : stride;
		uint64_t idx = (ia >> shift) & ((1ull << bits) - 1);
		uint64_t dpa = table + idx * 8;
		add_read(r, dpa, stage, level, for_s1);
		uint64_t desc;
		if (mem_port_read64(w->mem, dpa, &desc) != MEM_OK) {
			r->fetch_addr = dpa;
			return fault(r, SMMU_FAULT_WALK_EABT, stage, level);
		}
		if (!(desc & VMSA_DESC_VALID))
			return fault(r, SMMU_FAULT_TRANSLATION, stage, level);

		if (level < 3 && (desc & VMSA_DESC_TABLE)) {
			uint64_t next = desc & VMSA_ADDR_MASK & ~((1ull << g) - 1);
			if (tt->oas < 64 && (next >> tt->oas))
				return fault(r, SMMU_FAULT_ADDR_SIZE, stage, level);
			if (stage == 1)
				tattr |= desc & (VMSA_S1_PXNTABLE | VMSA_S1_UXNTABLE |
						 VMSA_S1_APTABLE_NOUNPRIV | VMSA_S1_APTABLE_RDONLY);
			table = next;
			level++;
			is_pa = !nested_s1;
			if (is_pa && hk && hk->fill)
				hk->fill(hk->ctx, stage, level, ia, table);
			continue;
		}
		/* A leaf: a page at level 3 (type 1), a block above it (type 0). */
		if (level == 3 && !(desc & VMSA_DESC_TABLE))
			return fault(r, SMMU_FAULT_TRANSLATION, stage, level); /* reserved encoding */
		if (level < 3 && !vmsa_block_allowed(g, level))
			return fault(r, SMMU_FAULT_TRANSLATION, stage, level);
		uint64_t size = 1ull << shift;
		uint64_t oa = (desc & VMSA_ADDR_MASK & ~(size - 1)) | (ia & (size - 1));
		if (tt->oas < 64 && (oa >> tt->oas))
			return fault(r, SMMU_FAULT_ADDR_SIZE, stage, level);
		if (!(desc & VMSA_AF) && !tt->affd)
			return fault(r, SMMU_FAULT_ACCESS, stage, level);
		unsigned perm = stage == 1 ? s1_perm(desc, tattr) : s2_perm(desc);
		unsigned need = smmu_perm_needed(w->acc);
		if ((perm & need) != need)
			return fault(r, SMMU_FAULT_PERMISSION, stage, level);
		out->oa = oa;
		out->size = size;
		out->perm = perm;
		out->global = stage == 1 ? !(desc & VMSA_S1_NG) : true;
		return true;
	}
}

/* Clears the result, but not the read list beyond what nreads says (it is large). */
static void result_init(smmu_walk_result_t *r)
{
	memset(r, 0, offsetof(smmu_walk_result_t, reads));
	r->fault_level = -1;
}

void smmu_walk_stage(const mem_port_t *mem, const smmu_tt_t *tt, uint8_t stage, uint64_t ia,
		     smmu_access_t acc, const smmu_walk_hooks_t *hooks, smmu_walk_result_t *r)
{
	result_init(r);
	walker_t w = {mem, hooks, NULL, acc, r};
	leaf_t l;
	if (!walk(&w, tt, stage, ia, false, &l)) {
		if (stage == 2)
			r->fault_ipa = ia;
		return;
	}
	r->oa = l.oa;
	r->ipa = stage == 2 ? ia : l.oa;
	r->size = l.size;
	r->perm = l.perm;
	r->global = l.global;
}

void smmu_walk_nested(const mem_port_t *mem, const smmu_tt_t *s1, const smmu_tt_t *s2,
		      uint64_t ia, smmu_access_t acc, const smmu_walk_hooks_t *hooks,
		      smmu_walk_result_t *r)
{
	if (!s2) {
		smmu_walk_stage(mem, s1, 1, ia, acc, hooks, r);
		return;
	}
	result_init(r);
	walker_t w = {mem, hooks, s2, acc, r};
	leaf_t l1, l2;
	if (!walk(&w, s1, 1, ia, false, &l1))
		return;
	/* The stage-1 output is an IPA: stage 2 translates it (CLASS=IN on a fault). */
	w.s2 = NULL;
	if (!walk(&w, s2, 2, l1.oa, false, &l2)) {
		r->fault_class = SMMU_CLASS_IN;
		r->fault_ipa = l1.oa;
		return;
	}
	r->ipa = l1.oa;
	r->oa = l2.oa;
	r->size = l1.size < l2.size ? l1.size : l2.size;
	r->perm = l1.perm & l2.perm;
	r->global = l1.global;
}

const char *smmu_fault_name(smmu_fault_t f)
{
	switch (f) {
	case SMMU_FAULT_NONE:
		return "none";
	case SMMU_FAULT_TRANSLATION:
		return "F_TRANSLATION";
	case SMMU_FAULT_ADDR_SIZE:
		return "F_ADDR_SIZE";
	case SMMU_FAULT_ACCESS:
		return "F_ACCESS";
	case SMMU_FAULT_PERMISSION:
		return "F_PERMISSION";
	case SMMU_FAULT_WALK_EABT:
		return "F_WALK_EABT";
	}
	return "?";
}
