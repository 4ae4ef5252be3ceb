/* SPDX-License-Identifier: MIT */
/*
 * vmsa.h — the AArch64 VMSA translation table format (Arm ARM DDI 0487, chapter D8), as the
 * SMMU walks it and as the software layer (harness/iopgtable.c) writes it. Defined once here.
 *
 * Granules of 4, 16 and 64 KiB; 48-bit input and output addresses (no LPA/LPA2). A table at
 * level L resolves `stride` = granule_shift - 3 bits of the input address starting at
 * vmsa_level_shift(L); level 3 maps pages.
 */
#ifndef IOFAB_VMSA_H
#define IOFAB_VMSA_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptor type, bits [1:0]. */
#define VMSA_DESC_VALID (1ull << 0)
#define VMSA_DESC_TABLE (1ull << 1)  /* levels 0-2: table (1) or block (0); level 3: page (1) */

/* Output / next-level table address: bits [47:granule_shift]. */
#define VMSA_ADDR_MASK 0x0000FFFFFFFFF000ull

/* Block and page descriptors: attributes common to both stages. */
#define VMSA_AF (1ull << 10)          /* Access Flag */
#define VMSA_SH_SHIFT 8               /* Shareability [9:8] */
#define VMSA_SH_MASK (3ull << 8)
#define VMSA_SH_IS (3ull << 8)
#define VMSA_CONTIG (1ull << 52)      /* Contiguous hint */

/* Stage 1 block/page attributes. */
#define VMSA_S1_ATTRINDX_SHIFT 2      /* AttrIndx [4:2], an index into MAIR */
#define VMSA_S1_ATTRINDX_MASK (7ull << 2)
#define VMSA_S1_NS (1ull << 5)
#define VMSA_S1_AP_UNPRIV (1ull << 6) /* AP[1]: unprivileged (EL0) access allowed */
#define VMSA_S1_AP_RDONLY (1ull << 7) /* AP[2]: read-only */
#define VMSA_S1_NG (1ull << 11)       /* not global: ASID-tagged */
#define VMSA_S1_PXN (1ull << 53)      /* privileged execute never */
#define VMSA_S1_UXN (1ull << 54)      /* unprivileged execute never (XN) */

/* Stage 1 table descriptor attributes (hierarchical permissions). */
#define VMSA_S1_PXNTABLE (1ull << 59)
#define VMSA_S1_UXNTABLE (1ull << 60)
#define VMSA_S1_APTABLE_NOUNPRIV (1ull << 61) /* APTable[0]: no unprivileged access below */
#define VMSA_S1_APTABLE_RDONLY (1ull << 62)   /* APTable[1]: no writes below */
#define VMSA_S1_NSTABLE (1ull << 63)

/* Stage 2 block/page attributes. */
#define VMSA_S2_MEMATTR_SHIFT 2       /* MemAttr [5:2] */
#define VMSA_S2_MEMATTR_MASK (0xFull << 2)
#define VMSA_S2_MEMATTR_NORMAL_WB (0xFull << 2)
#define VMSA_S2_MEMATTR_DEVICE (0x1ull << 2)
#define VMSA_S2AP_READ (1ull << 6)    /* S2AP[0] */
#define VMSA_S2AP_WRITE (1ull << 7)   /* S2AP[1] */
#define VMSA_S2_XN (1ull << 54)       /* XN[1]: execute never (no FEAT_XNX) */

/* Granule geometry. */
static inline unsigned vmsa_stride(unsigned granule_shift)
{
	return granule_shift - 3;
}

/* Lowest input-address bit resolved by a table at `level` (0..3). */
static inline unsigned vmsa_level_shift(unsigned granule_shift, int level)
{
	return granule_shift + (unsigned)(3 - level) * vmsa_stride(granule_shift);
}

/* Start level of a stage-1 walk for an input size of `ias` bits: enough levels to resolve
 * ias - granule_shift bits, `stride` bits per level. */
static inline int vmsa_s1_start_level(unsigned granule_shift, unsigned ias)
{
	unsigned stride = vmsa_stride(granule_shift);
	unsigned levels = (ias - granule_shift + stride - 1) / stride;
	return 4 - (int)levels;
}

/* Whether a block descriptor is allowed at `level` (48-bit output addresses, no LPA2):
 * 4 KiB granule at levels 1 and 2; 16 and 64 KiB at level 2 only. */
static inline bool vmsa_block_allowed(unsigned granule_shift, int level)
{
	if (granule_shift == 12)
		return level == 1 || level == 2;
	return level == 2;
}

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_VMSA_H */
