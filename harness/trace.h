/* SPDX-License-Identifier: MIT */
/*
 * trace.h — a Chrome/Perfetto trace (the JSON "Trace Event Format") of a scenario's run: every
 * request's journey on its sender's track — each fabric hop, the IOMMU's parts (uTLB, TLB,
 * link, slot wait, configuration fetch, walk with its table reads, response), the
 * completion's hops — every MSI's ITS lookup, every interrupt a PE took (on the PE's track),
 * and every action step (on the host's track). Times are the simulation's, in microseconds
 * with picosecond precision. Open it in ui.perfetto.dev or chrome://tracing.
 */
#ifndef IOFAB_TRACE_H
#define IOFAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

/* Stream requests traced at most (a stream's later requests are counted, not traced). */
#define TRACE_MAX_REQUESTS 200000

/* Starts recording (before scenario_run). false when out of memory. */
bool trace_begin(scenario_t *s);
/* Called by the runner: a request (or action step) ended; an interrupt was taken. */
void trace_request(scenario_t *s, const step_t *st);
void trace_delivery(scenario_t *s, const gic_delivery_t *d);
/* An SMMU's TCU occupancy now (slots busy), as a counter track. */
void trace_smmu_slots(scenario_t *s, int smmu);
/* Ends recording: the whole JSON text (malloc'ed; *len its length), or NULL. */
char *trace_end(scenario_t *s, size_t *len);

#endif /* IOFAB_TRACE_H */
