/* SPDX-License-Identifier: MIT */
/*
 * tlp.h — PCI Express Transaction Layer Packets, as far as isolation and latency need them.
 *
 * A TLP here is a decoded header (no wire format): its type, who sent it (Requester ID), where
 * it goes (address, or an ID for completions and configuration requests), the Address Type
 * field that ATS uses, and an optional PASID TLP prefix. Payload bytes are carried only where
 * a model needs them (MSI data, doorbell writes): the first 8 bytes inline, larger payloads by
 * reference to caller-owned memory.
 */
#ifndef IOFAB_TLP_H
#define IOFAB_TLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Routing-ID helpers: a 16-bit ID is bus[15:8], device[7:3], function[2:0]. */
#define PCI_DEVFN(dev, fn) ((uint8_t)((((dev) & 0x1f) << 3) | ((fn) & 0x07)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 0x07)
#define PCI_DEVID(bus, devfn) ((uint16_t)((((uint16_t)(bus)) << 8) | (devfn)))
#define PCI_BUS_NUM(id) ((uint8_t)((id) >> 8))
#define PCI_DEVFN_OF(id) ((uint8_t)((id) & 0xff))

typedef enum tlp_type {
	TLP_MRD,   /* Memory Read Request (non-posted) */
	TLP_MWR,   /* Memory Write Request (posted) */
	TLP_CPL,   /* Completion without data */
	TLP_CPLD,  /* Completion with data */
	TLP_MSG,   /* Message (Msg/MsgD) */
	TLP_CFGRD, /* Configuration Read (Type 0/1 decided by routing) */
	TLP_CFGWR, /* Configuration Write */
	TLP_TYPE_COUNT
} tlp_type_t;

/* Address Type field (PCIe Base Spec §10.2.1, ATS). */
typedef enum tlp_at {
	TLP_AT_UNTRANSLATED = 0, /* 00b: the address is an IOVA, to be translated */
	TLP_AT_TRANSLATION_REQ = 1, /* 01b: ATS Translation Request */
	TLP_AT_TRANSLATED = 2 /* 10b: the device claims the address is already translated */
} tlp_at_t;

/* Completion status (PCIe Base Spec §2.2.9). */
typedef enum tlp_cpl_status {
	TLP_CPL_SC = 0, /* Successful Completion */
	TLP_CPL_UR = 1, /* Unsupported Request */
	TLP_CPL_CRS = 2, /* Configuration Request Retry Status */
	TLP_CPL_CA = 4 /* Completer Abort */
} tlp_cpl_status_t;

/* Message routing (the r[2:0] subfield of a Message's Type). */
typedef enum tlp_msg_routing {
	TLP_MSG_TO_RC = 0,    /* 000b routed to Root Complex */
	TLP_MSG_BY_ADDR = 1,  /* 001b routed by address */
	TLP_MSG_BY_ID = 2,    /* 010b routed by ID */
	TLP_MSG_BROADCAST = 3 /* 011b broadcast from Root Complex */
} tlp_msg_routing_t;

#define TLP_PASID_MAX 0xFFFFFu /* 20-bit PASID */
#define TLP_INLINE_DATA 8u

typedef struct tlp {
	tlp_type_t type;
	uint16_t segment;      /* PCI segment (domain) the TLP lives in */
	uint16_t requester_id; /* Requester ID; for completions, the ID being completed to */
	uint16_t completer_id; /* completions: completer; config requests: target ID */
	uint16_t tag;          /* 10-bit tags fit */
	uint64_t address;      /* memory requests and address-routed messages */
	uint32_t length;       /* bytes */
	tlp_at_t at;

	/* PASID TLP prefix (PCIe Base Spec §6.20). */
	bool has_pasid;
	uint32_t pasid;   /* 20 bits */
	bool pasid_exec;  /* Execute Requested */
	bool pasid_priv;  /* Privileged Mode Requested */

	bool poisoned; /* EP bit */

	/* Completions */
	tlp_cpl_status_t cpl_status;
	/* Messages */
	uint8_t msg_code;
	tlp_msg_routing_t msg_routing;
	/* Configuration requests: register (byte offset in config space, 12 bits) */
	uint16_t cfg_reg;

	/* First bytes of the payload, little-endian (MSI data sits here). */
	uint8_t data[TLP_INLINE_DATA];
	/* Whole payload when longer than TLP_INLINE_DATA; owned by the caller. */
	const uint8_t *payload;
} tlp_t;

/* True for the request types that carry an address. (Inline: routing asks it per port.) */
static inline bool tlp_is_memory(const tlp_t *t)
{
	return t->type == TLP_MRD || t->type == TLP_MWR ||
	       (t->type == TLP_MSG && t->msg_routing == TLP_MSG_BY_ADDR);
}

/* True for types routed by ID (completions, configuration requests, ID-routed messages). */
static inline bool tlp_routed_by_id(const tlp_t *t)
{
	switch (t->type) {
	case TLP_CPL:
	case TLP_CPLD:
	case TLP_CFGRD:
	case TLP_CFGWR:
		return true;
	case TLP_MSG:
		return t->msg_routing == TLP_MSG_BY_ID;
	default:
		return false;
	}
}
/* True for non-posted requests (a completion comes back). */
bool tlp_is_non_posted(const tlp_t *t);
/* True for requests (anything but a completion). */
bool tlp_is_request(const tlp_t *t);

/* Short mnemonic: "MRd", "MWr", "Cpl", "CplD", "Msg", "CfgRd", "CfgWr". */
const char *tlp_type_name(tlp_type_t type);
const char *tlp_at_name(tlp_at_t at);
/* "SC", "UR", "CRS", "CA", or "reserved" for the reserved encodings. */
const char *tlp_cpl_status_name(tlp_cpl_status_t st);

/* Checks the header fields for internal consistency (PASID range, AT on a non-memory TLP,
 * zero or oversized length...). Returns NULL if valid, or a static description of the first
 * problem. */
const char *tlp_check(const tlp_t *t);

/* Formats a one-line description ("MWr 0000:03:00.0 addr=0x80001000 len=64 PASID=0x5")
 * into buf (always NUL-terminated); returns the length snprintf would have written. */
int tlp_format(char *buf, size_t size, const tlp_t *t);

/* Formats a routing ID as "SSSS:BB:DD.F". buf needs 13 bytes. */
void tlp_format_bdf(char *buf, size_t size, uint16_t segment, uint16_t id);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_TLP_H */
