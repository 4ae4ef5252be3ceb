/* SPDX-License-Identifier: MIT */
/*
 * report.h — what iofab prints: IOMMU groups in sysfs form, the enumerated topology, and run
 * reports (text for people, JSON with the schema in docs/scenario-format.md for tools).
 * Output is a pure function of its inputs: the same inputs give byte-identical reports.
 */
#ifndef IOFAB_REPORT_H
#define IOFAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "groups.h"
#include "platform.h"
#include "scenario.h"

/* One line per function: /sys/kernel/iommu_groups/<N>/devices/<DDDD:BB:DD.F>. With explain,
 * each line is followed by a comment saying why the function is in that group. */
void report_groups_text(FILE *out, const platform_t *p, const iommu_groups_t *g, bool explain);
void report_groups_json(FILE *out, const platform_t *p, const iommu_groups_t *g);
/* Warnings a user should see next to the group list (refused StreamIDs), one per line. */
void report_groups_warnings(FILE *out, const platform_t *p, const iommu_groups_t *g);

/* Each group's reserved regions, as `grep . /sys/kernel/iommu_groups/N/reserved_regions`
 * prints them: "/sys/kernel/iommu_groups/N/reserved_regions:0x%016llx 0x%016llx TYPE". false
 * when out of memory. */
bool report_resv_text(FILE *out, const platform_t *p, const iommu_groups_t *g);

/* The enumerated tree: BDFs, kinds, IDs, bus ranges, windows, BARs and ACS. */
void report_topology(FILE *out, const platform_t *p);

/* A stream's latency distribution, nearest rank: min, p50, p90, p99, p99.9, max. false if
 * it sent nothing. */
#define STREAM_QUANTILES 6
extern const char *const stream_quantile_names[STREAM_QUANTILES];
bool stream_percentiles(const stream_t *sm, sim_time_t q[STREAM_QUANTILES]);
/* The same of n values (sorted in place); false when n is 0. */
bool time_quantiles(sim_time_t *v, uint32_t n, sim_time_t q[STREAM_QUANTILES]);
/* Its requests per `per` picoseconds of its duration (1e12: per second; 1e6 x size: MB/s),
 * rounded down. */
uint64_t stream_rate(const stream_t *sm, uint64_t per);

void report_run_text(FILE *out, const scenario_t *s);
void report_run_json(FILE *out, const scenario_t *s);

#endif /* IOFAB_REPORT_H */
