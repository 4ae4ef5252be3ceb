/* SPDX-License-Identifier: MIT */
/*
 * pcie_regs.h — PCI/PCIe configuration-space fields the fabric model and the software layer
 * share. Defined once here; the names follow the PCI Express Base Specification (and match
 * Linux's pci_regs.h spelling where one exists, so readers can cross-check).
 */
#ifndef IOFAB_PCIE_REGS_H
#define IOFAB_PCIE_REGS_H

/* PCI Express Capabilities register, Device/Port Type field (PCIe Base Spec §7.5.3.2). */
#define PCI_EXP_TYPE_ENDPOINT 0x0   /* PCI Express Endpoint */
#define PCI_EXP_TYPE_LEG_END 0x1    /* Legacy PCI Express Endpoint */
#define PCI_EXP_TYPE_ROOT_PORT 0x4  /* Root Port of a Root Complex */
#define PCI_EXP_TYPE_UPSTREAM 0x5   /* Upstream Port of a Switch */
#define PCI_EXP_TYPE_DOWNSTREAM 0x6 /* Downstream Port of a Switch */
#define PCI_EXP_TYPE_PCI_BRIDGE 0x7 /* PCI Express to PCI/PCI-X Bridge */
#define PCI_EXP_TYPE_PCIE_BRIDGE 0x8 /* PCI/PCI-X to PCI Express Bridge */
#define PCI_EXP_TYPE_RC_END 0x9     /* Root Complex Integrated Endpoint */
#define PCI_EXP_TYPE_RC_EC 0xa      /* Root Complex Event Collector */

/* ACS Extended Capability (ID 0x000D), ACS Capability and ACS Control registers
 * (PCIe Base Spec §7.7.8). The same bit positions are used in both registers. */
#define PCI_EXT_CAP_ID_ACS 0x000d
#define PCI_ACS_SV 0x0001 /* Source Validation */
#define PCI_ACS_TB 0x0002 /* Translation Blocking */
#define PCI_ACS_RR 0x0004 /* P2P Request Redirect */
#define PCI_ACS_CR 0x0008 /* P2P Completion Redirect */
#define PCI_ACS_UF 0x0010 /* Upstream Forwarding */
#define PCI_ACS_EC 0x0020 /* P2P Egress Control */
#define PCI_ACS_DT 0x0040 /* Direct Translated P2P */
#define PCI_ACS_ALL 0x007f
/* ACS Capability bits [15:8]: Egress Control Vector Size (0 means 256). */
#define PCI_ACS_EGRESS_BITS 0xff00

/* The flags Linux requires on a path before it calls two functions isolated
 * (drivers/iommu/iommu.c, REQ_ACS_FLAGS). */
#define PCI_ACS_REQ_FLAGS (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

/* Header Type register bit 7: multi-function device. */
#define PCI_HEADER_TYPE_MFD 0x80

/* Base Address Register flags (memory BARs). */
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08

/* Bridge memory windows have a 1 MiB granularity (PCI-to-PCI Bridge Spec §3.2.5.8). */
#define PCI_BRIDGE_WINDOW_ALIGN 0x100000ull

#endif /* IOFAB_PCIE_REGS_H */
