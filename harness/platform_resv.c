/* SPDX-License-Identifier: MIT */
/*
 * platform_resv.c — the `reserved_regions:` section of a platform file: IOVA ranges the
 * platform's firmware reserves for some or all functions (as ACPI IORT RMR nodes or device
 * tree iommu-addresses do), each of type direct, direct-relaxable or reserved. The IOMMU
 * driver adds its own (the MSI window, hardware MSI doorbells): harness/resv.c.
 * Format: docs/platform-format.md.
 */
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "resv.h"

bool platform_parse_resv(platform_t *p, const ycur_t *c)
{
	if (!yexpect_seq(c))
		return false;
	size_t n = ylen(c);
	p->resv = calloc(n + 1, sizeof *p->resv);
	if (!p->resv) {
		yerr(c, "out of memory");
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		ycur_t e = yat(c, i);
		if (!yexpect_map(&e)) {
			ok = false;
			continue;
		}
		static const char *const keys[] = {"name", "base", "size", "type", "functions", NULL};
		ok &= ykeys(&e, keys);
		platform_resv_t *r = &p->resv[p->nresv];
		r->line = yline(&e);
		ycur_t nm = yneed(&e, "name"), b = yneed(&e, "base"), sz = yneed(&e, "size"),
		       ty = yneed(&e, "type"), fs = yget(&e, "functions");
		static const char *const types[] = {"direct", "direct-relaxable", "reserved", NULL};
		int t = 0;
		bool rok = nm.node && ystr(&nm, r->name, sizeof r->name);
		rok &= b.node && yu64(&b, &r->base, 0, UINT64_MAX);
		rok &= sz.node && ysize(&sz, &r->size, 1, UINT64_MAX);
		rok &= ty.node && yenum(&ty, types, &t);
		r->type = t == 0 ? RESV_DIRECT : t == 1 ? RESV_DIRECT_RELAXABLE : RESV_RESERVED;
		if (rok && r->base + (r->size - 1) < r->base) {
			yerr(&sz, "the region runs past the top of the address space");
			rok = false;
		}
		for (uint32_t k = 0; rok && k < p->nresv; k++)
			if (!strcmp(p->resv[k].name, r->name)) {
				yerr(&nm, "duplicate reserved region name '%s'", r->name);
				rok = false;
			}
		if (rok && fs.node) {
			if (!yexpect_seq(&fs)) {
				rok = false;
			} else {
				r->fns = calloc(ylen(&fs) + 1, sizeof *r->fns);
				if (!r->fns) {
					yerr(&fs, "out of memory");
					return false;
				}
				for (size_t k = 0; k < ylen(&fs); k++) {
					ycur_t f = yat(&fs, k);
					const char *ref = ytext(&f);
					int32_t fn = ref ? platform_find(p, ref) : PCIE_NONE;
					if (fn == PCIE_NONE) {
						yerr(&f, "no function '%s' in this platform", ref ? ref : "");
						rok = false;
						continue;
					}
					r->fns[r->nfns++] = fn;
				}
			}
		}
		if (rok) {
			p->nresv++;
		} else {
			free(r->fns);
			r->fns = NULL;
		}
		ok &= rok;
	}
	return ok;
}
