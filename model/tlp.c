/* SPDX-License-Identifier: MIT */
/* tlp.c — TLP classification, validation and formatting. */
#include "tlp.h"

#include <inttypes.h>
#include <stdio.h>

bool tlp_is_non_posted(const tlp_t *t)
{
	return t->type == TLP_MRD || t->type == TLP_CFGRD || t->type == TLP_CFGWR;
}

bool tlp_is_request(const tlp_t *t)
{
	return t->type != TLP_CPL && t->type != TLP_CPLD;
}

const char *tlp_type_name(tlp_type_t type)
{
	static const char *const names[TLP_TYPE_COUNT] = {
		[TLP_MRD] = "MRd",	[TLP_MWR] = "MWr",     [TLP_CPL] = "Cpl",
		[TLP_CPLD] = "CplD",	[TLP_MSG] = "Msg",     [TLP_CFGRD] = "CfgRd",
		[TLP_CFGWR] = "CfgWr",
	};
	return (unsigned)type < TLP_TYPE_COUNT ? names[type] : "?";
}

const char *tlp_at_name(tlp_at_t at)
{
	switch (at) {
	case TLP_AT_UNTRANSLATED:
		return "untranslated";
	case TLP_AT_TRANSLATION_REQ:
		return "translation-request";
	case TLP_AT_TRANSLATED:
		return "translated";
	}
	return "reserved";
}

const char *tlp_cpl_status_name(tlp_cpl_status_t st)
{
	switch (st) {
	case TLP_CPL_SC:
		return "SC";
	case TLP_CPL_UR:
		return "UR";
	case TLP_CPL_CRS:
		return "CRS";
	case TLP_CPL_CA:
		return "CA";
	}
	return "reserved";
}

const char *tlp_check(const tlp_t *t)
{
	if ((unsigned)t->type >= TLP_TYPE_COUNT)
		return "unknown TLP type";
	if (t->has_pasid && t->pasid > TLP_PASID_MAX)
		return "PASID wider than 20 bits";
	if ((t->type == TLP_CPL || t->type == TLP_CPLD) &&
	    !(t->cpl_status == TLP_CPL_SC || t->cpl_status == TLP_CPL_UR ||
	      t->cpl_status == TLP_CPL_CRS || t->cpl_status == TLP_CPL_CA))
		return "reserved completion status";
	if ((unsigned)t->at > TLP_AT_TRANSLATED)
		return "reserved AT encoding 11b";
	if (t->at != TLP_AT_UNTRANSLATED && t->type != TLP_MRD && t->type != TLP_MWR)
		return "AT other than untranslated on a non-memory TLP";
	if (t->has_pasid && !tlp_is_memory(t) && t->type != TLP_MSG)
		return "PASID prefix on a TLP that cannot carry one";
	if ((t->type == TLP_MRD || t->type == TLP_MWR) && t->length == 0)
		return "memory request of zero length";
	/* Max_Payload_Size / Max_Read_Request_Size cap at 4096 bytes (§2.2.2). */
	if (t->length > 4096)
		return "length above 4096 bytes";
	if (t->type == TLP_CFGRD || t->type == TLP_CFGWR) {
		if (t->cfg_reg > 0xFFF)
			return "configuration register beyond 4 KiB";
		if (t->length != 4 && t->length != 0)
			return "configuration request longer than one DW";
	}
	return NULL;
}

void tlp_format_bdf(char *buf, size_t size, uint16_t segment, uint16_t id)
{
	snprintf(buf, size, "%04x:%02x:%02x.%x", segment, PCI_BUS_NUM(id),
		 PCI_SLOT(PCI_DEVFN_OF(id)), PCI_FUNC(PCI_DEVFN_OF(id)));
}

int tlp_format(char *buf, size_t size, const tlp_t *t)
{
	char rid[16], other[16];
	tlp_format_bdf(rid, sizeof rid, t->segment, t->requester_id);
	int n;
	switch (t->type) {
	case TLP_CPL:
	case TLP_CPLD:
		tlp_format_bdf(other, sizeof other, t->segment, t->completer_id);
		n = snprintf(buf, size, "%s to %s from %s len=%" PRIu32 " status=%s",
			     tlp_type_name(t->type), rid, other, t->length,
			     tlp_cpl_status_name(t->cpl_status));
		break;
	case TLP_CFGRD:
	case TLP_CFGWR:
		tlp_format_bdf(other, sizeof other, t->segment, t->completer_id);
		n = snprintf(buf, size, "%s %s reg=0x%03x from %s", tlp_type_name(t->type), other,
			     t->cfg_reg, rid);
		break;
	case TLP_MSG:
		if (t->msg_routing != TLP_MSG_BY_ADDR) {
			static const char *const routing[] = {"to-rc", "by-address", "by-id",
							      "broadcast"};
			n = snprintf(buf, size, "Msg %s code=0x%02x %s", rid, t->msg_code,
				     (unsigned)t->msg_routing < 4 ? routing[t->msg_routing] : "?");
		} else { /* address-routed: printed like a memory request */
			n = snprintf(buf, size, "Msg %s addr=0x%" PRIx64 " code=0x%02x", rid,
				     t->address, t->msg_code);
		}
		break;
	default:
		n = snprintf(buf, size, "%s %s addr=0x%" PRIx64 " len=%" PRIu32,
			     tlp_type_name(t->type), rid, t->address, t->length);
		break;
	}
	if (n < 0)
		return n;
	size_t used = (size_t)n < size ? (size_t)n : (size ? size - 1 : 0);
	int extra = 0;
	if (t->at != TLP_AT_UNTRANSLATED)
		extra += snprintf(buf + used, size - used, " AT=%s", tlp_at_name(t->at));
	used = (size_t)(n + extra) < size ? (size_t)(n + extra) : (size ? size - 1 : 0);
	if (t->has_pasid)
		extra += snprintf(buf + used, size - used, " PASID=0x%" PRIx32 "%s%s", t->pasid,
				  t->pasid_exec ? " exe" : "", t->pasid_priv ? " priv" : "");
	used = (size_t)(n + extra) < size ? (size_t)(n + extra) : (size ? size - 1 : 0);
	if (t->poisoned)
		extra += snprintf(buf + used, size - used, " poisoned");
	return n + extra;
}
