/* SPDX-License-Identifier: MIT */
/*
 * smmu_regs.h — the SMMUv3 programming interface (Arm IHI 0070): register offsets and fields,
 * the Stream Table Entry, the Context Descriptor, level-1 descriptors, commands and event
 * records. Defined once here; the SMMU model decodes with these and the driver layer
 * (harness/) encodes with them.
 *
 * Fields are (SHIFT, WIDTH) pairs within a 64-bit word of the structure ("dword" n = bytes
 * 8n..8n+7, little-endian); SMMU_GET / SMMU_PREP (regfield.h) extract and build them. Names
 * follow the specification's, prefixed by the structure.
 */
#ifndef IOFAB_SMMU_REGS_H
#define IOFAB_SMMU_REGS_H

#include <stdint.h>

#include "regfield.h"

#define SMMU_FIELD FIELD
#define SMMU_MASK FIELD_MASK
#define SMMU_GET FIELD_GET
#define SMMU_PREP FIELD_PREP

/* --- register map (§6.3): page 0 at base, page 1 at base + 64 KiB ----------------------- */

#define SMMU_MMIO_SIZE 0x20000u
#define SMMU_IDR0 0x00
#define SMMU_IDR1 0x04
#define SMMU_IDR2 0x08
#define SMMU_IDR3 0x0C
#define SMMU_IDR4 0x10
#define SMMU_IDR5 0x14
#define SMMU_IIDR 0x18
#define SMMU_AIDR 0x1C
#define SMMU_CR0 0x20
#define SMMU_CR0ACK 0x24
#define SMMU_CR1 0x28
#define SMMU_CR2 0x2C
#define SMMU_STATUSR 0x40
#define SMMU_GBPA 0x44
#define SMMU_IRQ_CTRL 0x50
#define SMMU_IRQ_CTRLACK 0x54
#define SMMU_GERROR 0x60
#define SMMU_GERRORN 0x64
#define SMMU_GERROR_IRQ_CFG0 0x68 /* 64-bit */
#define SMMU_GERROR_IRQ_CFG1 0x70
#define SMMU_GERROR_IRQ_CFG2 0x74
#define SMMU_STRTAB_BASE 0x80 /* 64-bit */
#define SMMU_STRTAB_BASE_CFG 0x88
#define SMMU_CMDQ_BASE 0x90 /* 64-bit */
#define SMMU_CMDQ_PROD 0x98
#define SMMU_CMDQ_CONS 0x9C
#define SMMU_EVENTQ_BASE 0xA0 /* 64-bit */
#define SMMU_EVENTQ_PROD 0x100A8 /* page 1 */
#define SMMU_EVENTQ_CONS 0x100AC /* page 1 */
#define SMMU_EVENTQ_IRQ_CFG0 0xB0 /* 64-bit */
#define SMMU_EVENTQ_IRQ_CFG1 0xB8
#define SMMU_EVENTQ_IRQ_CFG2 0xBC

/* SMMU_IDR0 */
SMMU_FIELD(IDR0_S2P, 0, 1);
SMMU_FIELD(IDR0_S1P, 1, 1);
SMMU_FIELD(IDR0_TTF, 2, 2);        /* 2: AArch64 tables */
SMMU_FIELD(IDR0_COHACC, 4, 1);
SMMU_FIELD(IDR0_BTM, 5, 1);
SMMU_FIELD(IDR0_HTTU, 6, 2);
SMMU_FIELD(IDR0_HYP, 9, 1);
SMMU_FIELD(IDR0_ATS, 10, 1);
SMMU_FIELD(IDR0_ASID16, 12, 1);
SMMU_FIELD(IDR0_MSI, 13, 1);
SMMU_FIELD(IDR0_SEV, 14, 1);
SMMU_FIELD(IDR0_PRI, 16, 1);
SMMU_FIELD(IDR0_VMID16, 18, 1);
SMMU_FIELD(IDR0_CD2L, 19, 1);
SMMU_FIELD(IDR0_TTENDIAN, 21, 2);  /* 2: little-endian only */
SMMU_FIELD(IDR0_STALL_MODEL, 24, 2); /* 0 stall and terminate, 1 terminate only */
SMMU_FIELD(IDR0_TERM_MODEL, 26, 1);
SMMU_FIELD(IDR0_ST_LEVEL, 27, 2);  /* 1: 2-level stream table supported */

/* SMMU_IDR1 */
SMMU_FIELD(IDR1_SIDSIZE, 0, 6);
SMMU_FIELD(IDR1_SSIDSIZE, 6, 5);
SMMU_FIELD(IDR1_PRIQS, 11, 5);
SMMU_FIELD(IDR1_EVENTQS, 16, 5);
SMMU_FIELD(IDR1_CMDQS, 21, 5);

/* SMMU_IDR5 */
SMMU_FIELD(IDR5_OAS, 0, 3); /* 0:32 1:36 2:40 3:42 4:44 5:48 bits */
SMMU_FIELD(IDR5_GRAN4K, 4, 1);
SMMU_FIELD(IDR5_GRAN16K, 5, 1);
SMMU_FIELD(IDR5_GRAN64K, 6, 1);
SMMU_FIELD(IDR5_STALL_MAX, 16, 16);

/* SMMU_CR0 / CR0ACK */
SMMU_FIELD(CR0_SMMUEN, 0, 1);
SMMU_FIELD(CR0_PRIQEN, 1, 1);
SMMU_FIELD(CR0_EVENTQEN, 2, 1);
SMMU_FIELD(CR0_CMDQEN, 3, 1);
SMMU_FIELD(CR0_ATSCHK, 4, 1);

/* SMMU_CR2 */
SMMU_FIELD(CR2_E2H, 0, 1);
SMMU_FIELD(CR2_RECINVSID, 1, 1);
SMMU_FIELD(CR2_PTM, 2, 1);

/* SMMU_GBPA */
SMMU_FIELD(GBPA_SHCFG, 12, 2);
SMMU_FIELD(GBPA_ABORT, 20, 1);
SMMU_FIELD(GBPA_UPDATE, 31, 1);

/* SMMU_IRQ_CTRL */
SMMU_FIELD(IRQ_CTRL_GERROR_IRQEN, 0, 1);
SMMU_FIELD(IRQ_CTRL_EVENTQ_IRQEN, 2, 1);

/* SMMU_GERROR / GERRORN: an error is active while the two bits differ. */
SMMU_FIELD(GERROR_CMDQ_ERR, 0, 1);
SMMU_FIELD(GERROR_EVENTQ_ABT_ERR, 2, 1);
SMMU_FIELD(GERROR_MSI_CMDQ_ABT_ERR, 4, 1);
SMMU_FIELD(GERROR_MSI_EVENTQ_ABT_ERR, 5, 1);
SMMU_FIELD(GERROR_SFM_ERR, 8, 1);

/* SMMU_*_IRQ_CFG0 (MSI address), CFG1 (data) */
SMMU_FIELD(IRQ_CFG0_ADDR, 2, 50);

/* SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_CFG */
SMMU_FIELD(STRTAB_BASE_ADDR, 6, 46);
SMMU_FIELD(STRTAB_BASE_RA, 62, 1);
SMMU_FIELD(STRTAB_BASE_CFG_LOG2SIZE, 0, 6);
SMMU_FIELD(STRTAB_BASE_CFG_SPLIT, 6, 5);
SMMU_FIELD(STRTAB_BASE_CFG_FMT, 16, 2);
#define STRTAB_FMT_LINEAR 0
#define STRTAB_FMT_2LEVEL 1

/* SMMU_CMDQ_BASE / SMMU_EVENTQ_BASE */
SMMU_FIELD(Q_BASE_LOG2SIZE, 0, 5);
SMMU_FIELD(Q_BASE_ADDR, 5, 47);
SMMU_FIELD(Q_BASE_RWA, 62, 1);
/* *_PROD / *_CONS: index in [LOG2SIZE-1:0], wrap at bit LOG2SIZE. */
SMMU_FIELD(CMDQ_CONS_ERR, 24, 7);
SMMU_FIELD(EVENTQ_PROD_OVFLG, 31, 1);
SMMU_FIELD(EVENTQ_CONS_OVACKFLG, 31, 1);

/* CMDQ_CONS.ERR codes (§7.1) */
#define SMMU_CERROR_NONE 0
#define SMMU_CERROR_ILL 1
#define SMMU_CERROR_ABT 2
#define SMMU_CERROR_ATC_INV_SYNC 3

/* --- Stream table (§5.1, §5.2) ------------------------------------------------------------ */

#define SMMU_STE_SIZE 64
#define SMMU_L1STD_SIZE 8

/* Level-1 stream table descriptor */
SMMU_FIELD(L1STD_SPAN, 0, 5); /* L2 table holds 2^(Span-1) STEs; 0: invalid */
SMMU_FIELD(L1STD_L2PTR, 6, 46);

/* STE dword 0 */
SMMU_FIELD(STE0_V, 0, 1);
SMMU_FIELD(STE0_CONFIG, 1, 3);
SMMU_FIELD(STE0_S1FMT, 4, 2);
SMMU_FIELD(STE0_S1CTXPTR, 6, 46);
SMMU_FIELD(STE0_S1CDMAX, 59, 5);
#define STE_CONFIG_ABORT 0x0
#define STE_CONFIG_BYPASS 0x4
#define STE_CONFIG_S1 0x5
#define STE_CONFIG_S2 0x6
#define STE_CONFIG_NESTED 0x7
#define STE_S1FMT_LINEAR 0
#define STE_S1FMT_4K_L2 1
#define STE_S1FMT_64K_L2 2

/* STE dword 1 */
SMMU_FIELD(STE1_S1DSS, 0, 2);
SMMU_FIELD(STE1_S1CIR, 2, 2);
SMMU_FIELD(STE1_S1COR, 4, 2);
SMMU_FIELD(STE1_S1CSH, 6, 2);
SMMU_FIELD(STE1_MEV, 19, 1);
SMMU_FIELD(STE1_S1STALLD, 27, 1);
SMMU_FIELD(STE1_EATS, 28, 2);
SMMU_FIELD(STE1_STRW, 30, 2);
SMMU_FIELD(STE1_SHCFG, 44, 2);
#define STE_S1DSS_TERMINATE 0
#define STE_S1DSS_BYPASS 1
#define STE_S1DSS_SSID0 2
#define STE_EATS_ABORT 0
#define STE_EATS_TRANS 1 /* full ATS */
#define STE_EATS_S1CHK 2 /* split-stage ATS */

/* STE dword 2 */
SMMU_FIELD(STE2_S2VMID, 0, 16);
SMMU_FIELD(STE2_S2T0SZ, 32, 6);
SMMU_FIELD(STE2_S2SL0, 38, 2);
SMMU_FIELD(STE2_S2IR0, 40, 2);
SMMU_FIELD(STE2_S2OR0, 42, 2);
SMMU_FIELD(STE2_S2SH0, 44, 2);
SMMU_FIELD(STE2_S2TG, 46, 2); /* 0: 4K, 1: 64K, 2: 16K */
SMMU_FIELD(STE2_S2PS, 48, 3);
SMMU_FIELD(STE2_S2AA64, 51, 1);
SMMU_FIELD(STE2_S2ENDI, 52, 1);
SMMU_FIELD(STE2_S2AFFD, 53, 1);
SMMU_FIELD(STE2_S2PTW, 54, 1);
SMMU_FIELD(STE2_S2S, 57, 1);
SMMU_FIELD(STE2_S2R, 58, 1);

/* STE dword 3 */
SMMU_FIELD(STE3_S2TTB, 4, 48);

/* --- Context descriptors (§5.3, §5.4) ---------------------------------------------------- */

#define SMMU_CD_SIZE 64
#define SMMU_L1CD_SIZE 8

SMMU_FIELD(L1CD_V, 0, 1);
SMMU_FIELD(L1CD_L2PTR, 12, 40);

/* CD dword 0 */
SMMU_FIELD(CD0_T0SZ, 0, 6);
SMMU_FIELD(CD0_TG0, 6, 2); /* 0: 4K, 1: 64K, 2: 16K */
SMMU_FIELD(CD0_IR0, 8, 2);
SMMU_FIELD(CD0_OR0, 10, 2);
SMMU_FIELD(CD0_SH0, 12, 2);
SMMU_FIELD(CD0_EPD0, 14, 1);
SMMU_FIELD(CD0_ENDI, 15, 1);
SMMU_FIELD(CD0_T1SZ, 16, 6);
SMMU_FIELD(CD0_TG1, 22, 2); /* 1: 16K, 2: 4K, 3: 64K (TTBR1 encoding) */
SMMU_FIELD(CD0_EPD1, 30, 1);
SMMU_FIELD(CD0_V, 31, 1);
SMMU_FIELD(CD0_IPS, 32, 3);
SMMU_FIELD(CD0_AFFD, 35, 1);
SMMU_FIELD(CD0_TBI0, 38, 1);
SMMU_FIELD(CD0_TBI1, 39, 1);
SMMU_FIELD(CD0_AA64, 41, 1);
SMMU_FIELD(CD0_HD, 42, 1);
SMMU_FIELD(CD0_HA, 43, 1);
SMMU_FIELD(CD0_S, 44, 1);
SMMU_FIELD(CD0_R, 45, 1);
SMMU_FIELD(CD0_A, 46, 1);
SMMU_FIELD(CD0_ASET, 47, 1);
SMMU_FIELD(CD0_ASID, 48, 16);

/* CD dwords 1, 2, 3 */
SMMU_FIELD(CD1_TTB0, 4, 48);
SMMU_FIELD(CD2_TTB1, 4, 48);
/* dword 3: MAIR, whole */

/* --- commands (§4): 16 bytes ------------------------------------------------------------ */

#define SMMU_CMD_SIZE 16

SMMU_FIELD(CMD0_OPCODE, 0, 8);
SMMU_FIELD(CMD0_SSEC, 10, 1);
SMMU_FIELD(CMD0_SSV, 11, 1);
SMMU_FIELD(CMD0_SSID, 12, 20);
SMMU_FIELD(CMD0_SID, 32, 32);
SMMU_FIELD(CMD0_VMID, 32, 16);
SMMU_FIELD(CMD0_ASID, 48, 16);
SMMU_FIELD(CMD0_NUM, 12, 5);
SMMU_FIELD(CMD0_SCALE, 20, 5);
SMMU_FIELD(CMD0_ATC_GLOBAL, 9, 1);
SMMU_FIELD(CMD0_SYNC_CS, 12, 2);
SMMU_FIELD(CMD0_SYNC_MSH, 22, 2);
SMMU_FIELD(CMD0_SYNC_MSIATTR, 24, 4);
SMMU_FIELD(CMD0_SYNC_MSIDATA, 32, 32);
SMMU_FIELD(CMD0_RESUME_ACTION, 12, 2);

SMMU_FIELD(CMD1_LEAF, 0, 1);
SMMU_FIELD(CMD1_RANGE, 0, 5);
SMMU_FIELD(CMD1_TTL, 8, 2);
SMMU_FIELD(CMD1_TG, 10, 2);
SMMU_FIELD(CMD1_ADDR, 12, 52);     /* Address[63:12] (VA) or IPA[51:12] */
SMMU_FIELD(CMD1_ATC_SIZE, 0, 6);   /* 2^Size 4 KiB pages; 52: everything */
SMMU_FIELD(CMD1_SYNC_MSIADDR, 2, 50);
SMMU_FIELD(CMD1_STAG, 0, 16);

#define SMMU_CMD_PREFETCH_CONFIG 0x01
#define SMMU_CMD_PREFETCH_ADDR 0x02
#define SMMU_CMD_CFGI_STE 0x03
#define SMMU_CMD_CFGI_STE_RANGE 0x04 /* CFGI_ALL: this opcode with Range = 31 */
#define SMMU_CMD_CFGI_CD 0x05
#define SMMU_CMD_CFGI_CD_ALL 0x06
#define SMMU_CMD_TLBI_NH_ALL 0x10
#define SMMU_CMD_TLBI_NH_ASID 0x11
#define SMMU_CMD_TLBI_NH_VA 0x12
#define SMMU_CMD_TLBI_NH_VAA 0x13
#define SMMU_CMD_TLBI_EL2_ALL 0x20
#define SMMU_CMD_TLBI_S12_VMALL 0x28
#define SMMU_CMD_TLBI_S2_IPA 0x2A
#define SMMU_CMD_TLBI_NSNH_ALL 0x30
#define SMMU_CMD_ATC_INV 0x40
#define SMMU_CMD_PRI_RESP 0x41
#define SMMU_CMD_RESUME 0x44
#define SMMU_CMD_STALL_TERM 0x45
#define SMMU_CMD_SYNC 0x46
#define SMMU_CFGI_RANGE_ALL 31

#define SMMU_SYNC_CS_NONE 0
#define SMMU_SYNC_CS_IRQ 1 /* MSI write of MSIData to MSIAddress */
#define SMMU_SYNC_CS_SEV 2

#define SMMU_RESUME_TERMINATE 0
#define SMMU_RESUME_RETRY 1
#define SMMU_RESUME_ABORT 2

/* --- event records (§7): 32 bytes ------------------------------------------------------- */

#define SMMU_EVT_SIZE 32

SMMU_FIELD(EVT0_ID, 0, 8);
SMMU_FIELD(EVT0_SSV, 11, 1);
SMMU_FIELD(EVT0_SSID, 12, 20);
SMMU_FIELD(EVT0_SID, 32, 32);
SMMU_FIELD(EVT1_STAG, 0, 16);
SMMU_FIELD(EVT1_STALL, 31, 1);
SMMU_FIELD(EVT1_PNU, 33, 1);
SMMU_FIELD(EVT1_IND, 34, 1);
SMMU_FIELD(EVT1_RNW, 35, 1);
SMMU_FIELD(EVT1_S2, 39, 1);
SMMU_FIELD(EVT1_CLASS, 40, 2); /* 0 CD, 1 TT, 2 IN */
SMMU_FIELD(EVT1_TTRNW, 44, 1);
/* dword 2: InputAddr, whole */
SMMU_FIELD(EVT3_IPA, 12, 40);
SMMU_FIELD(EVT3_FETCH_ADDR, 3, 49);

#define SMMU_EVT_CLASS_CD 0
#define SMMU_EVT_CLASS_TT 1
#define SMMU_EVT_CLASS_IN 2

#define SMMU_EVT_F_UUT 0x01
#define SMMU_EVT_C_BAD_STREAMID 0x02
#define SMMU_EVT_F_STE_FETCH 0x03
#define SMMU_EVT_C_BAD_STE 0x04
#define SMMU_EVT_F_BAD_ATS_TREQ 0x05
#define SMMU_EVT_F_STREAM_DISABLED 0x06
#define SMMU_EVT_F_TRANSL_FORBIDDEN 0x07
#define SMMU_EVT_C_BAD_SUBSTREAMID 0x08
#define SMMU_EVT_F_CD_FETCH 0x09
#define SMMU_EVT_C_BAD_CD 0x0A
#define SMMU_EVT_F_WALK_EABT 0x0B
#define SMMU_EVT_F_TRANSLATION 0x10
#define SMMU_EVT_F_ADDR_SIZE 0x11
#define SMMU_EVT_F_ACCESS 0x12
#define SMMU_EVT_F_PERMISSION 0x13
#define SMMU_EVT_F_TLB_CONFLICT 0x20
#define SMMU_EVT_F_CFG_CONFLICT 0x21
#define SMMU_EVT_E_PAGE_REQUEST 0x24

#include <stdbool.h>

/* Queue pointer arithmetic (§3.5): `log2size` index bits, a wrap bit above them; empty when
 * index and wrap are equal, full when the indices are equal and the wraps differ. Bits above
 * the wrap bit (CONS.ERR, OVFLG) are kept by smmu_q_inc. */
static inline uint32_t smmu_q_idx(uint32_t v, unsigned log2size)
{
	return v & ((1u << log2size) - 1);
}
static inline uint32_t smmu_q_wrap(uint32_t v, unsigned log2size)
{
	return (v >> log2size) & 1u;
}
static inline bool smmu_q_empty(uint32_t prod, uint32_t cons, unsigned l)
{
	return smmu_q_idx(prod, l) == smmu_q_idx(cons, l) && smmu_q_wrap(prod, l) == smmu_q_wrap(cons, l);
}
static inline bool smmu_q_full(uint32_t prod, uint32_t cons, unsigned l)
{
	return smmu_q_idx(prod, l) == smmu_q_idx(cons, l) && smmu_q_wrap(prod, l) != smmu_q_wrap(cons, l);
}
static inline uint32_t smmu_q_inc(uint32_t v, unsigned l)
{
	return (v & ~((2u << l) - 1)) | ((v + 1) & ((2u << l) - 1));
}

/* Output address sizes of the IPS / S2PS / OAS encodings, in bits (0 for reserved). */
static inline unsigned smmu_oas_bits(unsigned enc)
{
	static const unsigned char bits[8] = {32, 36, 40, 42, 44, 48, 52, 0};
	return bits[enc & 7];
}

/* Granule shift of a TG0 / S2TG encoding (0: 4K, 1: 64K, 2: 16K); 0 when reserved. */
static inline unsigned smmu_tg0_shift(unsigned tg)
{
	return tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0;
}

#endif /* IOFAB_SMMU_REGS_H */
