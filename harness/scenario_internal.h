/* SPDX-License-Identifier: MIT */
/* scenario_internal.h — what scenario.c shares with the scenario's interrupt part. */
#ifndef IOFAB_SCENARIO_INTERNAL_H
#define IOFAB_SCENARIO_INTERNAL_H

#include "scenario.h"

/* A function by name or PCI address (an error at c if none). */
int32_t scenario_func_ref(const scenario_t *s, const ycur_t *c);
/* page_size: a leaf size of the granule (the largest leaf mappings use). */
bool scenario_page_size(const ycur_t *c, unsigned granule_shift, uint64_t *out);
/* An address expression (docs/scenario-format.md). */
bool scenario_address(const scenario_t *s, const ycur_t *c, uint64_t *out);
void scenario_appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Address functions of the interrupt tables: dt_l1(F), dte(F), itt(F), lpi(INTID),
 * pending(PE). Returns 1 (found, *out set), 0 (error reported) or -1 (not one of them). */
int scenario_irq_address(const scenario_t *s, const ycur_t *c, const char *fn, char **argv,
			 int argc, uint64_t *out);

/* Owners and assignment (scenario_vm.c). */
int scenario_owner(const scenario_t *s, const char *name); /* -1 if none */
bool scenario_init_owners(scenario_t *s);                  /* the host; the VMM's pool */
bool scenario_parse_options(scenario_t *s, const ycur_t *c);
bool scenario_parse_vms(scenario_t *s, const ycur_t *c);
bool scenario_parse_assign(scenario_t *s, const ycur_t *c); /* after iommu */
/* Host functions nobody attached get options.host_iommu; then `buffers:` (after assign). */
bool scenario_host_domains(scenario_t *s, const ycur_t *at);
bool scenario_parse_buffers(scenario_t *s, const ycur_t *c);
/* Whether host address pa lies in a buffer its owner shares with `owner`. */
bool scenario_buffer_shared(const scenario_t *s, uint64_t pa, unsigned owner);
/* Action steps hotplug and unplug (parse), and what they do when they run. */
bool scenario_parse_vm_action(scenario_t *s, step_t *st, const char *kind, const ycur_t *v);
void scenario_vm_action(scenario_t *s, step_t *st);
/* Maps the MSI window of fn's SMMU into domain dom (load time). */
bool scenario_prepare_domain(scenario_t *s, int32_t fn, int dom, const ycur_t *at);
/* IOMMU domains made by the VMM (scenario.c): a new empty domain (its index, -1 on error);
 * a mapping in it; a function attached to it (MSI window included). */
int scenario_new_domain(scenario_t *s, const char *name, uint8_t stage, const ycur_t *at);
bool scenario_domain_map(scenario_t *s, iommu_domain_t *d, uint64_t iova, uint64_t pa,
			 uint64_t size, const ycur_t *at);
bool scenario_attach(scenario_t *s, int32_t fn, int dom, const ycur_t *at);
/* The same while the scenario runs (the domain's MSI window already mapped): a plain
 * stage-1 or stage-2 domain, or dom < 0 to abort the function's traffic. false when the
 * driver failed. */
bool scenario_attach_now(scenario_t *s, int32_t fn, int dom);  /* dom ATTACH_BYPASS: bypass */

/* Isolation invariants (invariants.c): recomputes the step's violations. */
void scenario_invariants(const scenario_t *s, step_t *st);
/* An msi stream's interrupts, judged when the run ends: adds the first violation, counted. */
void scenario_stream_msi_invariants(const scenario_t *s, step_t *st);

/* scenario_irq.c: the `interrupts:` section (after `iommu:`). */
bool scenario_parse_interrupts(scenario_t *s, const ycur_t *c);
/* A step's `msi: N`: the TLP is vector N of the sending function, as its driver set it. */
bool scenario_parse_msi(scenario_t *s, step_t *st, const ycur_t *c);
/* (Re)builds a step's MSI write from its vector's message (an IMS entry changes). */
void scenario_msi_tlp(const scenario_t *s, step_t *st);
/* Allocates count vectors of function fn for owner from ITS its (or the GICv2m frames when
 * its < 0), as IMS entries of sub-device sub (or the function's own, sub = -1). */
bool scenario_alloc_vectors(scenario_t *s, int32_t fn, uint32_t count, int owner, int its,
			    int sub, const ycur_t *c);
/* The VM's IOMMU domain (created, IOVA = GPA, with its first device fn). */
int scenario_vm_domain(scenario_t *s, int owner, int32_t fn, const ycur_t *at);
/* Programs fn's STE again: its default domain, and the PASIDs of its sub-devices. */
bool scenario_attach_subdevs(scenario_t *s, int32_t fn, const ycur_t *at);
/* scenario_migrate.c: a migrate step the destination accepted re-maps the VM's vectors there:
 * dfn[k] on dst is the VM's device sfn[k] here (-1: none). Fills st->mig_irq*. */
void scenario_migrate_irqs(scenario_t *s, step_t *st, const platform_t *dst, const int32_t *dfn,
			   const int32_t *sfn, uint32_t n);
/* scenario_expect.c: the top-level `expect` (after subdevices); the run's counts when it
 * starts and its check when it ends. */
bool scenario_parse_run_expect(scenario_t *s, const ycur_t *c);
void scenario_run_expect_start(scenario_t *s);
void scenario_check_run(scenario_t *s);
/* scenario_siov.c: `subdevices:` (after interrupts), `from: SUBDEVICE`, ims_write steps. */
bool scenario_parse_subdevs(scenario_t *s, const ycur_t *c);
int scenario_subdev(const scenario_t *s, const char *name); /* -1 if none */
bool scenario_parse_ims_write(scenario_t *s, step_t *st, const ycur_t *c);
void scenario_ims_write(scenario_t *s, step_t *st);
/* Action steps its_command, its_retry, mask, unmask, set_affinity. */
bool scenario_parse_irq_action(scenario_t *s, step_t *st, const char *kind, const ycur_t *v);
/* A set_affinity step: moves the vector; true when ITS commands were queued (the step
 * then waits for the ITS as an its_command step does). */
bool scenario_irq_affinity(scenario_t *s, step_t *st);
/* Expectation keys interrupt, intid, pe, owner, interrupt_error, delivery_ns, its_error,
 * its_stalled; sets their defaults when c is NULL. */
bool scenario_parse_irq_expect(scenario_t *s, step_t *st, const ycur_t *c);
/* An MWr that reached the memory map at t->address: if that is a doorbell, the MSI. */
void scenario_msi(scenario_t *s, step_t *st, uint32_t idx, const tlp_t *t);
/* The GIC's delivery client (ctx: the scenario). */
void scenario_irq_delivered(void *ctx, const gic_delivery_t *d);
/* Appends the interrupt expectations' mismatches. */
void scenario_irq_check(const scenario_t *s, const step_t *st, char *buf, size_t size);
/* What became of a step's MSI, and the controller's error code for it (0 when raised). */
irq_state_t scenario_irq_state(const step_t *st);
int scenario_irq_error(const step_t *st);
/* Name of an irq error code (expectation irq_error). */
const char *scenario_irq_error_name(int code);

#endif /* IOFAB_SCENARIO_INTERNAL_H */
