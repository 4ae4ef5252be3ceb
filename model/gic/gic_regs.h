/* SPDX-License-Identifier: MIT */
/*
 * gic_regs.h — the programming interface of the GICv3 blocks iofab models (Arm IHI 0069): the
 * GICv2m MSI frame, the ITS (registers, commands, and the table entry formats iofab's ITS
 * uses), the redistributor's LPI registers and tables, and the distributor's SPI registers.
 * Defined once here; the models decode with these and the driver layer (harness/) encodes
 * with them. Fields are (SHIFT, WIDTH) pairs in a 64-bit word (regfield.h).
 */
#ifndef IOFAB_GIC_REGS_H
#define IOFAB_GIC_REGS_H

#include <stdint.h>

#include "regfield.h"

/* --- INTID space (§2.2) ---------------------------------------------------------------- */

#define GIC_SPI_FIRST 32u
#define GIC_SPI_LIMIT 1020u /* SPIs are 32..1019 */
#define GIC_LPI_FIRST 8192u

/* --- GICv2m MSI frame (Arm "Server Base System Architecture", GICv2m appendix) ----------- */

#define V2M_FRAME_SIZE 0x1000u
#define V2M_MSI_TYPER 0x008
#define V2M_MSI_SETSPI_NS 0x040
#define V2M_MSI_IIDR 0xFCC
FIELD(V2M_TYPER_BASE, 16, 10);   /* first SPI of the frame */
FIELD(V2M_TYPER_NUMBER, 0, 10);  /* SPIs in the frame */

/* --- ITS registers (§12.19): control frame at ITS_base, translation frame at +64 KiB ---- */

#define GITS_FRAME_SIZE 0x20000u
#define GITS_CTLR 0x0000
#define GITS_IIDR 0x0004
#define GITS_TYPER 0x0008   /* 64-bit */
#define GITS_CBASER 0x0080  /* 64-bit */
#define GITS_CWRITER 0x0088 /* 64-bit */
#define GITS_CREADR 0x0090  /* 64-bit */
#define GITS_BASER(n) (0x0100u + 8u * (n)) /* 64-bit, n = 0..7 */
#define GITS_PIDR2 0xFFE8
#define GITS_TRANSLATER 0x10040

FIELD(GITS_CTLR_ENABLED, 0, 1);
FIELD(GITS_CTLR_QUIESCENT, 31, 1);

FIELD(GITS_TYPER_PHYSICAL, 0, 1);
FIELD(GITS_TYPER_VIRTUAL, 1, 1);
FIELD(GITS_TYPER_ITT_ENTRY_SIZE, 4, 4); /* bytes - 1 */
FIELD(GITS_TYPER_ID_BITS, 8, 5);        /* EventID bits - 1 */
FIELD(GITS_TYPER_DEVBITS, 13, 5);       /* DeviceID bits - 1 */
FIELD(GITS_TYPER_SEIS, 18, 1);          /* command errors raise SError */
FIELD(GITS_TYPER_PTA, 19, 1);           /* RDbase is a physical address (1) or PE number (0) */
FIELD(GITS_TYPER_HCC, 24, 8);           /* collections held in the ITS itself */
FIELD(GITS_TYPER_CIDBITS, 32, 4);       /* collection ID bits - 1, when CIL */
FIELD(GITS_TYPER_CIL, 36, 1);           /* CIDbits is valid; else collection IDs are 16 bits */

FIELD(GITS_CBASER_VALID, 63, 1);
FIELD(GITS_CBASER_ADDR, 12, 40);        /* Physical_Address [51:12], in place */
FIELD(GITS_CBASER_SIZE, 0, 8);          /* 4 KiB pages - 1 */

FIELD(GITS_CWRITER_OFFSET, 5, 15);      /* in 32-byte commands */
FIELD(GITS_CWRITER_RETRY, 0, 1);        /* retry the stalled command */
FIELD(GITS_CREADR_OFFSET, 5, 15);
FIELD(GITS_CREADR_STALLED, 0, 1);

FIELD(GITS_BASER_VALID, 63, 1);
FIELD(GITS_BASER_INDIRECT, 62, 1);      /* two-level table */
FIELD(GITS_BASER_TYPE, 56, 3);
FIELD(GITS_BASER_ENTRY_SIZE, 48, 5);    /* bytes - 1 (read-only) */
FIELD(GITS_BASER_ADDR, 12, 36);         /* Physical_Address [47:12], in place */
FIELD(GITS_BASER_PAGE_SIZE, 8, 2);      /* 0: 4 KiB, 1: 16 KiB, 2 (and 3): 64 KiB */
FIELD(GITS_BASER_SIZE, 0, 8);           /* pages - 1 */
#define GITS_BASER_TYPE_NONE 0
#define GITS_BASER_TYPE_DEVICE 1
#define GITS_BASER_TYPE_COLLECTION 4

/* A level-1 entry of a two-level table (§5.2.2): Valid and the level-2 page's address. */
FIELD(GITS_L1E_VALID, 63, 1);
FIELD(GITS_L1E_ADDR, 12, 40);           /* [51:12], in place */
#define GITS_L1E_SIZE 8u

/* --- ITS commands (§5.3): 32 bytes, four little-endian dwords ----------------------------- */

#define GITS_CMD_SIZE 32u
#define GITS_CMD_MOVI 0x01
#define GITS_CMD_INT 0x03
#define GITS_CMD_CLEAR 0x04
#define GITS_CMD_SYNC 0x05
#define GITS_CMD_MAPD 0x08
#define GITS_CMD_MAPC 0x09
#define GITS_CMD_MAPTI 0x0A
#define GITS_CMD_MAPI 0x0B
#define GITS_CMD_INV 0x0C
#define GITS_CMD_INVALL 0x0D
#define GITS_CMD_MOVALL 0x0E
#define GITS_CMD_DISCARD 0x0F

FIELD(GITS_CMD0_OPCODE, 0, 8);
FIELD(GITS_CMD0_DEVICEID, 32, 32);
FIELD(GITS_CMD1_EVENTID, 0, 32);
FIELD(GITS_CMD1_PINTID, 32, 32);        /* MAPTI */
FIELD(GITS_CMD1_SIZE, 0, 5);            /* MAPD: EventID bits - 1 */
FIELD(GITS_CMD2_ICID, 0, 16);
FIELD(GITS_CMD2_ITT_ADDR, 8, 44);       /* MAPD: ITT address [51:8] >> 8 */
FIELD(GITS_CMD2_RDBASE, 16, 36);        /* MAPC, SYNC: target >> 16 */
FIELD(GITS_CMD2_VALID, 63, 1);          /* MAPD, MAPC */
FIELD(GITS_CMD3_RDBASE2, 16, 36);       /* MOVALL: the destination, >> 16 */
#define GITS_ITT_ALIGN 256u

/* --- iofab's ITS table entries (IMPLEMENTATION DEFINED formats, docs/models/its.md) ------- */

/* Device table entry: the device's ITT and its EventID width. */
#define GITS_DTE_SIZE 8u
FIELD(GITS_DTE_VALID, 63, 1);
FIELD(GITS_DTE_ITT_ADDR, 8, 44);        /* ITT address >> 8, as MAPD gives it */
FIELD(GITS_DTE_SIZE_F, 0, 5);           /* EventID bits - 1 */

/* Interrupt translation table entry: the event's LPI and collection. */
#define GITS_ITE_SIZE 8u
FIELD(GITS_ITE_VALID, 63, 1);
FIELD(GITS_ITE_ICID, 32, 16);
FIELD(GITS_ITE_PINTID, 0, 32);

/* Collection table entry: the collection's target redistributor. */
#define GITS_CTE_SIZE 8u
FIELD(GITS_CTE_VALID, 63, 1);
FIELD(GITS_CTE_RDBASE, 16, 36);         /* as MAPC gives it */

/* --- redistributor (§12.11): RD_base frame, 128 KiB per PE with its SGI frame ------------ */

#define GICR_FRAME_STRIDE 0x20000u
#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008     /* 64-bit */
#define GICR_PROPBASER 0x0070 /* 64-bit */
#define GICR_PENDBASER 0x0078 /* 64-bit */

FIELD(GICR_CTLR_ENABLE_LPIS, 0, 1);
FIELD(GICR_TYPER_PLPIS, 0, 1);
FIELD(GICR_TYPER_LAST, 4, 1);
FIELD(GICR_TYPER_PROCESSOR_NUMBER, 8, 16);
FIELD(GICR_TYPER_AFFINITY, 32, 32);
FIELD(GICR_PROPBASER_IDBITS, 0, 5);     /* INTID bits - 1 the configuration table covers */
FIELD(GICR_PROPBASER_ADDR, 12, 40);     /* [51:12], in place */
FIELD(GICR_PENDBASER_ADDR, 16, 36);     /* [51:16], in place: 64 KiB aligned */
FIELD(GICR_PENDBASER_PTZ, 62, 1);       /* the pending table is known to be zero */

/* LPI configuration table: one byte per LPI at PROPBASER + (INTID - 8192) (§5.1.1). */
FIELD(LPI_CFG_ENABLE, 0, 1);
FIELD(LPI_CFG_GROUP1, 1, 1);            /* RES1 */
FIELD(LPI_CFG_PRIORITY, 2, 6);          /* priority [7:2]; [1:0] read as zero */

/* --- distributor (§12.9): the registers that route SPIs --------------------------------- */

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_ISENABLER(n) (0x0100u + 4u * (n))
#define GICD_ICENABLER(n) (0x0180u + 4u * (n))
#define GICD_ISPENDR(n) (0x0200u + 4u * (n))
#define GICD_ICPENDR(n) (0x0280u + 4u * (n))
#define GICD_IPRIORITYR(n) (0x0400u + (n)) /* one byte per INTID */
#define GICD_IROUTER(n) (0x6000u + 8u * (n)) /* 64-bit, per SPI INTID n */

FIELD(GICD_CTLR_ENABLE_GRP1, 1, 1);
FIELD(GICD_CTLR_ARE, 4, 1);
FIELD(GICD_TYPER_ITLINES, 0, 5);        /* 32 * (N + 1) INTIDs below 1020 */
FIELD(GICD_TYPER_LPIS, 17, 1);
FIELD(GICD_TYPER_IDBITS, 19, 5);        /* INTID bits - 1 */
FIELD(GICD_IROUTER_AFF0, 0, 8);         /* iofab: PE number = Aff1:Aff0 */
FIELD(GICD_IROUTER_AFF1, 8, 8);
FIELD(GICD_IROUTER_IRM, 31, 1);         /* 1-of-N routing: not modelled, Aff decides */

#endif /* IOFAB_GIC_REGS_H */
