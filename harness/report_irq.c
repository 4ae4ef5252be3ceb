/* SPDX-License-Identifier: MIT */
/*
 * report_irq.c — the interrupt part of run reports: the vectors the drivers allocated and the
 * ITS commands they queued, each MSI's path through its controller (GICv2m frame, or DeviceID
 * -> device table -> ITT -> collection -> redistributor) to the PE that took it, with the
 * latency's parts, and every interrupt taken.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report_irq.h"
#include "scenario_internal.h"

static void ns(char *buf, size_t size, sim_time_t t)
{
	if (t % SIM_NS)
		snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 " ns", t / SIM_NS, t % SIM_NS);
	else
		snprintf(buf, size, "%" PRIu64 " ns", t / SIM_NS);
}

/* Time an interrupt waited once it could have been taken: for an enable, an INV, an unmasked
 * PE or higher priorities. */
static sim_time_t irq_waited(const gic_delivery_t *d, sim_time_t signal)
{
	sim_time_t ready = d->raised_at + d->config + signal;
	return d->taken_at > ready ? d->taken_at - ready : 0;
}

static const char *owner_name(const scenario_t *s, uint32_t pe)
{
	return s->pe_owner ? s->owners[s->pe_owner[pe]] : "host";
}

static void print_cmds(FILE *out, const scenario_t *s, unsigned its, uint32_t from, uint32_t to,
		       const char *indent)
{
	const its_drv_t *d = &s->sys.itsd[its];
	bool pta = s->platform.gic.its[its].params.pta;
	for (uint32_t i = from; i < to && i < d->nlog; i++) {
		char b[160];
		its_cmd_format(b, sizeof b, d->log[i].dw, pta);
		fprintf(out, "%s+0x%04x %s\n", indent, d->log[i].offset, b);
	}
}

void report_irq_setup_text(FILE *out, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	if (!p->gic.present || !s->nvectors)
		return;
	fprintf(out, "\ninterrupt vectors:\n");
	for (uint32_t i = 0; i < s->nvectors; i++) {
		const irq_vector_t *v = &s->vectors[i];
		const char *fn = v->sub >= 0 ? s->subdevs[v->sub].name : p->fabric.funcs[v->fn].name;
		const char *what = v->sub >= 0 ? "IMS entry" : "vector";
		if (v->its)
			fprintf(out, "  %s %s %u: %s DeviceID 0x%x EventID %u -> LPI %u on PE %u (%s)",
				fn, what, v->index, p->gic.its[v->ctrl].name, v->devid, v->event,
				v->intid, v->set.cpu, s->owners[v->owner]);
		else
			fprintf(out, "  %s %s %u: GICv2m frame %s SPI %u on PE %u (%s)", fn, what,
				v->index, p->gic.v2m[v->ctrl].name, v->intid, v->set.cpu,
				s->owners[v->owner]);
		fprintf(out, "; writes 0x%x to 0x%" PRIx64, v->set.data, v->set.address);
		if (v->set.address != v->pa)
			fprintf(out, " (IOVA of 0x%" PRIx64 ")", v->pa);
		fputc('\n', out);
	}
	for (unsigned i = 0; i < p->gic.nits; i++)
		if (s->its_setup_cmds[i] > s->its_boot_cmds[i]) {
			fprintf(out, "  %s commands queued for them (after %u at boot: MAPC + INVALL "
				     "per PE):\n",
				p->gic.its[i].name, s->its_boot_cmds[i]);
			print_cmds(out, s, i, s->its_boot_cmds[i], s->its_setup_cmds[i], "    ");
		}
}

void report_irq_step_text(FILE *out, const scenario_t *s, const step_t *st)
{
	const platform_t *p = &s->platform;
	if (!st->has_msi)
		return;
	if (st->stream && st->stream->msi) {
		/* A stream of MSIs: who took them, how many each, from when to when. */
		uint64_t tag = (uint64_t)(st - s->steps) + 1;
		uint32_t n = 0, per[64] = {0}, merged = 0;
		sim_time_t first = 0, last = 0;
		for (uint32_t i = 0; i < s->ndeliveries; i++) {
			const gic_delivery_t *dl = &s->deliveries[i];
			if (dl->tag != tag)
				continue;
			if (!n++)
				first = dl->taken_at;
			last = dl->taken_at;
			merged += dl->merged;
			if (dl->pe < 64)
				per[dl->pe]++;
		}
		fprintf(out, "    interrupts: %u of %u writes taken", n, st->stream->done);
		for (unsigned pe = 0, k = 0; pe < 64; pe++)
			if (per[pe])
				fprintf(out, "%s PE %u (%s) %u", k++ ? "," : ":", pe, owner_name(s, pe),
					per[pe]);
		if (merged)
			fprintf(out, "; %u raise%s merged into pending ones", merged,
				merged == 1 ? "" : "s");
		if (n) {
			char a[32], b[32];
			ns(a, sizeof a, first - s->t0);
			ns(b, sizeof b, last - s->t0);
			fprintf(out, "; the first at t=%s, the last at t=%s", a, b);
		}
		fputc('\n', out);
		return;
	}
	char a[32], b[32], c[32], d[32], e[32], f[32];
	if (st->msi_ignored) {
		fprintf(out, "    msi: %s's translation frame ignores a write that is not a 16- or "
			     "32-bit write to GITS_TRANSLATER\n",
			p->gic.its[st->msi_ctrl].name);
		return;
	}
	if (st->msi_its) {
		const its_xlate_t *x = &st->msi_x;
		fprintf(out, "    msi: %s GITS_TRANSLATER <- EventID %u from DeviceID 0x%x",
			p->gic.its[st->msi_ctrl].name, x->eventid, x->devid);
		if (st->msi_vector >= 0)
			fprintf(out, " (vector %u)", s->vectors[st->msi_vector].index);
		fputc('\n', out);
		if (x->status == ITS_DISABLED) {
			fprintf(out, "      the ITS is disabled: the write is ignored\n");
		} else if (x->status != ITS_DEVICE_OOR) {
			if (x->event_hit)
				fprintf(out, "      event cache hit (ITT entry 0x%" PRIx64 ")\n", x->ite_pa);
			else if (x->device_hit && x->ite_pa)
				fprintf(out, "      device cache hit, ITT entry read at 0x%" PRIx64 "\n",
					x->ite_pa);
			else if (x->device_hit)
				fprintf(out, "      device cache hit\n");
			else if (x->dte_pa)
				fprintf(out, "      device table entry read at 0x%" PRIx64 "\n", x->dte_pa);
			if (!x->event_hit && !x->device_hit && x->dte_pa && x->ite_pa)
				fprintf(out, "      ITT entry read at 0x%" PRIx64 "\n", x->ite_pa);
			if (x->status == ITS_OK || x->status == ITS_UNMAPPED_COLLECTION ||
			    x->status == ITS_LPI_DROPPED)
			{
				fprintf(out, "      -> LPI %u, collection %u (%s) -> ", x->intid, x->icid,
					x->collection_hit ? "cached" : "collection table read");
				if (x->pe >= 0)
					fprintf(out, "redistributor of PE %d\n", x->pe);
				else
					fprintf(out, "no redistributor (the collection is not mapped)\n");
			}
		}
		if (x->status != ITS_OK)
			fprintf(out, "      dropped: %s%s%s\n", its_status_name(x->status),
				x->status == ITS_LPI_DROPPED ? " by the redistributor: " : "",
				x->status == ITS_LPI_DROPPED ? gic_raise_name(x->raise) : "");
	} else {
		fprintf(out, "    msi: GICv2m frame %s MSI_SETSPI_NS <- %u (the frame does not see who "
			     "wrote)\n",
			p->gic.v2m[st->msi_ctrl].name, st->msi_data);
		int err = scenario_irq_error(st);
		if (err)
			fprintf(out, "      dropped: %s\n", scenario_irq_error_name(err));
		else
			fprintf(out, "      -> SPI %u raised at the distributor\n", st->msi_data & 0x3ff);
	}
	irq_state_t state = scenario_irq_state(st);
	if (state == IRQ_DELIVERED) {
		const gic_delivery_t *dl = &st->delivery;
		ns(a, sizeof a, dl->taken_at - s->t0);
		ns(b, sizeof b, dl->taken_at - st->start);
		ns(c, sizeof c, st->msi_at - st->start);
		sim_time_t sig = gic_params(s->sys.gic)->signal;
		sim_time_t waited = irq_waited(dl, sig);
		fprintf(out, "    interrupt: %s %u taken by PE %u (%s) at t=%s, %s after the write left; "
			     "[fabric %s",
			dl->intid >= GIC_LPI_FIRST ? "LPI" : "SPI", dl->intid, dl->pe,
			owner_name(s, dl->pe), a, b, c);
		if (st->msi_its) {
			ns(d, sizeof d, st->msi_x.lookup);
			ns(e, sizeof e, st->msi_x.table_reads);
			ns(f, sizeof f, st->msi_x.hop);
			fprintf(out, " + ITS lookup %s + table reads %s (%u) + to redistributor %s", d, e,
				st->msi_x.reads, f);
		}
		ns(d, sizeof d, dl->config);
		ns(e, sizeof e, sig);
		ns(f, sizeof f, waited);
		if (st->msi_its)
			fprintf(out, " + configuration %s", d);
		fprintf(out, " + signal %s + waited %s]", e, f);
		if (dl->merged)
			fprintf(out, " (%u later raise%s merged)", dl->merged, dl->merged == 1 ? "" : "s");
		fputc('\n', out);
	} else if (state == IRQ_MERGED) {
		fprintf(out, "    interrupt: merged: %s %u was still pending from an earlier raise, so a "
			     "PE takes it once\n",
			st->msi_its ? "LPI" : "SPI", st->msi_its ? st->msi_x.intid : st->msi_data & 0x3ff);
	} else if (state == IRQ_PENDING) {
		fprintf(out, "    interrupt: raised, never taken (disabled, masked or below the "
			     "priority mask)\n");
	}
}

void report_irq_action_text(FILE *out, const scenario_t *s, const step_t *st)
{
	const platform_t *p = &s->platform;
	switch (st->act) {
	case ACT_ITS_COMMAND: {
		char b[160], e[48];
		its_cmd_format(b, sizeof b, st->act_its_cmd, p->gic.its[st->act_its].params.pta);
		fprintf(out, "queued %s on %s", b, p->gic.its[st->act_its].name);
		if (st->act_sync_pe >= 0)
			fprintf(out, " + SYNC PE %d", st->act_sync_pe);
		if (st->act_its_stalled)
			fputs("; the queue STALLED (GITS_CREADR.Stalled)", out);
		else
			fputs("; consumed", out);
		if (st->act_its_errors)
			fprintf(out, " with command error %s (0x%06x)",
				its_error_name(st->act_its_code, e, sizeof e), st->act_its_code);
		break;
	}
	case ACT_ITS_RETRY: {
		char e[48];
		fprintf(out, "wrote GITS_CWRITER.Retry on %s; %s", p->gic.its[st->act_its].name,
			st->act_its_stalled ? "the queue STALLED again" : "the queue was consumed");
		if (st->act_its_errors)
			fprintf(out, " with command error %s (0x%06x)",
				its_error_name(st->act_its_code, e, sizeof e), st->act_its_code);
		break;
	}
	case ACT_PE_MASK:
		fprintf(out, "%s interrupts on PE %" PRIu64 " (%s)", st->act_value ? "masked" : "unmasked",
			st->act_addr, owner_name(s, (uint32_t)st->act_addr));
		break;
	case ACT_IMS_WRITE: {
		const irq_vector_t *v = &s->vectors[st->act_len];
		const subdev_t *d = &s->subdevs[st->act_owner];
		fprintf(out, "%s wrote IMS entry %u of %s: 0x%" PRIx64 " <- %" PRIu64 "; %s",
			s->owners[d->owner], v->index, d->label, st->act_addr, st->act_value,
			st->act_detail);
		break;
	}
	case ACT_AFFINITY: {
		const irq_vector_t *v = &s->vectors[st->act_addr];
		fprintf(out, "moved %s's vector %u (%s %u) from PE %d to PE %" PRIu64 " (%s)",
			p->fabric.funcs[v->fn].name, v->index, v->its ? "LPI" : "SPI", v->intid,
			st->act_sync_pe, st->act_value, owner_name(s, (uint32_t)st->act_value));
		if (st->act_sync_pe == (int)st->act_value) {
			fputs(": already there", out);
		} else if (!v->its) {
			fputs(": rewrote GICD_IROUTER", out);
		} else {
			char b[160], e[48];
			its_cmd_format(b, sizeof b, st->act_its_cmd, p->gic.its[v->ctrl].params.pta);
			fprintf(out, ": queued %s + SYNC PE %d on %s; %s", b, st->act_sync_pe,
				p->gic.its[v->ctrl].name,
				st->act_its_stalled ? "the queue STALLED" : "consumed");
			if (st->act_its_errors)
				fprintf(out, " with command error %s (0x%06x)",
					its_error_name(st->act_its_code, e, sizeof e), st->act_its_code);
		}
		break;
	}
	default:
		break;
	}
}

void report_irq_tail_text(FILE *out, const scenario_t *s)
{
	if (!s->platform.gic.present || !s->ndeliveries)
		return;
	fprintf(out, "\ninterrupts taken: %u\n", s->ndeliveries);
	for (uint32_t i = 0; i < s->ndeliveries; i++) {
		const gic_delivery_t *d = &s->deliveries[i];
		char t[32];
		ns(t, sizeof t, d->taken_at - s->t0);
		fprintf(out, "  t=%s PE %u (%s) took %s %u, priority 0x%02x, raised by %s", t, d->pe,
			owner_name(s, d->pe), d->intid >= GIC_LPI_FIRST ? "LPI" : "SPI", d->intid,
			d->priority, d->tag ? "" : "software (an ITS INT command or a register write)");
		if (d->tag && d->tag <= s->nsteps)
			fprintf(out, "step %" PRIu64 " (%s)", d->tag, s->steps[d->tag - 1].name);
		fputc('\n', out);
	}
}

/* --- JSON ------------------------------------------------------------------------------------ */

void report_irq_step_json(jw_t *j, const scenario_t *s, const step_t *st)
{
	const platform_t *p = &s->platform;
	if (st->act == ACT_ITS_COMMAND || st->act == ACT_ITS_RETRY) {
		char b[160], e[48];
		jw_key(j, "its_command");
		jw_obj(j);
		jw_kstr(j, "its", p->gic.its[st->act_its].name);
		if (st->act == ACT_ITS_COMMAND) {
			its_cmd_format(b, sizeof b, st->act_its_cmd, p->gic.its[st->act_its].params.pta);
			jw_kstr(j, "command", b);
		} else {
			jw_kstr(j, "command", "retry");
		}
		jw_kbool(j, "stalled", st->act_its_stalled);
		jw_kstr(j, "error",
			st->act_its_errors ? its_error_name(st->act_its_code, e, sizeof e) : NULL);
		jw_obj_end(j);
		return;
	}
	if (st->act == ACT_AFFINITY) {
		const irq_vector_t *v = &s->vectors[st->act_addr];
		jw_key(j, "affinity");
		jw_obj(j);
		jw_kstr(j, "function", p->fabric.funcs[v->fn].name);
		jw_ku64(j, "vector", v->index);
		jw_ku64(j, "intid", v->intid);
		jw_ku64(j, "from_pe", (uint64_t)st->act_sync_pe);
		jw_ku64(j, "to_pe", st->act_value);
		jw_obj_end(j);
		return;
	}
	if (!st->has_msi)
		return;
	if (st->stream && st->stream->msi) {
		uint64_t tag = (uint64_t)(st - s->steps) + 1;
		uint32_t n = 0, per[64] = {0};
		for (uint32_t i = 0; i < s->ndeliveries; i++)
			if (s->deliveries[i].tag == tag) {
				n++;
				if (s->deliveries[i].pe < 64)
					per[s->deliveries[i].pe]++;
			}
		jw_key(j, "interrupts");
		jw_obj(j);
		jw_ku64(j, "taken", n);
		jw_key(j, "by_pe");
		jw_obj(j);
		for (unsigned pe = 0; pe < 64; pe++)
			if (per[pe]) {
				char k[8];
				snprintf(k, sizeof k, "%u", pe);
				jw_ku64(j, k, per[pe]);
			}
		jw_obj_end(j);
		jw_obj_end(j);
		return;
	}
	jw_key(j, "interrupt");
	jw_obj(j);
	jw_kstr(j, "controller", st->msi_its ? p->gic.its[st->msi_ctrl].name
					     : p->gic.v2m[st->msi_ctrl].name);
	jw_kstr(j, "kind", st->msi_its ? "its" : "gicv2m");
	if (st->msi_its && !st->msi_ignored) {
		const its_xlate_t *x = &st->msi_x;
		jw_ku64(j, "device_id", x->devid);
		jw_ku64(j, "event_id", x->eventid);
		jw_kbool(j, "event_cache_hit", x->event_hit);
		jw_kbool(j, "device_cache_hit", x->device_hit);
		jw_kbool(j, "collection_cache_hit", x->collection_hit);
		jw_ku64(j, "table_reads", x->reads);
		jw_ku64(j, "collection", x->icid);
	} else {
		jw_ku64(j, "data", st->msi_data);
	}
	int err = scenario_irq_error(st);
	jw_kstr(j, "error", err ? scenario_irq_error_name(err) : NULL);
	jw_kstr(j, "state", irq_state_name(scenario_irq_state(st)));
	if (st->delivered) {
		const gic_delivery_t *d = &st->delivery;
		jw_ku64(j, "intid", d->intid);
		jw_ku64(j, "pe", d->pe);
		jw_kstr(j, "owner", owner_name(s, d->pe));
		jw_ku64(j, "taken_at_ps", d->taken_at - s->t0);
		jw_key(j, "latency_ps");
		jw_obj(j);
		sim_time_t sig = gic_params(s->sys.gic)->signal;
		jw_ku64(j, "total", d->taken_at - st->start);
		jw_ku64(j, "fabric", st->msi_at - st->start);
		if (st->msi_its) {
			jw_ku64(j, "its_lookup", st->msi_x.lookup);
			jw_ku64(j, "its_table_reads", st->msi_x.table_reads);
			jw_ku64(j, "to_redistributor", st->msi_x.hop);
			jw_ku64(j, "configuration", d->config);
		}
		jw_ku64(j, "signal", sig);
		jw_ku64(j, "waited", irq_waited(d, sig));
		jw_obj_end(j);
		jw_ku64(j, "merged", d->merged);
	}
	jw_obj_end(j);
}

void report_irq_json(jw_t *j, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	if (!p->gic.present)
		return;
	jw_key(j, "interrupts");
	jw_obj(j);
	jw_key(j, "vectors");
	jw_arr(j);
	for (uint32_t i = 0; i < s->nvectors; i++) {
		const irq_vector_t *v = &s->vectors[i];
		jw_obj(j);
		jw_kstr(j, "function", p->fabric.funcs[v->fn].name);
		jw_kstr(j, "subdevice", v->sub >= 0 ? s->subdevs[v->sub].name : NULL);
		jw_ku64(j, "vector", v->index);
		jw_kstr(j, "controller", v->its ? p->gic.its[v->ctrl].name : p->gic.v2m[v->ctrl].name);
		if (v->its) {
			jw_ku64(j, "device_id", v->devid);
			jw_ku64(j, "event_id", v->event);
		}
		jw_ku64(j, "intid", v->intid);
		jw_ku64(j, "pe", v->set.cpu);
		jw_kstr(j, "owner", s->owners[v->owner]);
		jw_khex(j, "address", v->set.address);
		jw_khex(j, "doorbell", v->pa);
		jw_ku64(j, "data", v->set.data);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_key(j, "its_commands");
	jw_arr(j);
	for (unsigned i = 0; i < p->gic.nits; i++) {
		const its_drv_t *d = &s->sys.itsd[i];
		for (uint32_t k = 0; k < d->nlog; k++) {
			char b[160];
			its_cmd_format(b, sizeof b, d->log[k].dw, p->gic.its[i].params.pta);
			jw_obj(j);
			jw_kstr(j, "its", p->gic.its[i].name);
			jw_kstr(j, "phase", k < s->its_boot_cmds[i]    ? "boot"
					    : k < s->its_setup_cmds[i] ? "vectors"
								       : "steps");
			jw_ku64(j, "offset", d->log[k].offset);
			jw_kstr(j, "command", b);
			jw_obj_end(j);
		}
	}
	jw_arr_end(j);
	jw_key(j, "taken");
	jw_arr(j);
	for (uint32_t i = 0; i < s->ndeliveries; i++) {
		const gic_delivery_t *d = &s->deliveries[i];
		jw_obj(j);
		jw_ku64(j, "pe", d->pe);
		jw_kstr(j, "owner", owner_name(s, d->pe));
		jw_ku64(j, "intid", d->intid);
		jw_ku64(j, "priority", d->priority);
		jw_ku64(j, "at_ps", d->taken_at - s->t0);
		jw_key(j, "step");
		if (d->tag && d->tag <= s->nsteps)
			jw_u64(j, d->tag);
		else
			jw_null(j);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_obj_end(j);
}
