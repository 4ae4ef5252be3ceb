/* SPDX-License-Identifier: MIT */
/*
 * bench_smmu.c — SMMU translations per host second, with timing:
 *   (a) ~95 % TLB hits (a working set slightly larger than the TLB reaches),
 *   (b) every translation a single-stage 4-level miss (TLB and walk caches too small to help),
 *   (c) every translation a nested miss,
 * and the host memory of 64 k streams and 1 M mapped 4 KiB pages beyond the page tables.
 * Prints figures; asserts nothing. Usage: bench_smmu [translations]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iopgtable.h"
#include "smmu.h"
#include "smmu_drv.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Heap bytes in use (glibc). */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

typedef struct bench {
	sim_t *sim;
	mem_t *mem;
	physalloc_t alloc, guest;
	smmu_t *smmu;
	smmu_drv_t drv;
	iopgtable_t s1, s2;
} bench_t;

static int setup(bench_t *b, smmu_params_t p, bool nested, uint64_t pages)
{
	b->sim = sim_create(1);
	b->mem = mem_create();
	physalloc_init(&b->alloc, 0x80000000ull, 8ull << 30);
	b->smmu = smmu_create(b->sim, &p, mem_port_direct(b->mem), "smmu0");
	if (!b->smmu || smmu_drv_probe(&b->drv, b->smmu, b->sim, b->mem, &b->alloc, true))
		return -1;
	uint64_t cdtab;
	unsigned fmt;
	if (nested) {
		/* Stage 2 identity over the guest pool (4 KiB pages) and the buffers. */
		iopgtable_init(&b->s2, b->mem, &b->alloc, 2, 12, 48, 48);
		physalloc_init(&b->guest, 0x4000000000ull, 64ull << 20);
		for (uint64_t off = 0; off < (64ull << 20); off += 4096)
			iopgtable_map(&b->s2, 0x4000000000ull + off, 0x4000000000ull + off, 4096,
				      IOPT_READ | IOPT_WRITE);
		iopgtable_map_range(&b->s2, 0x1000000000ull, 0x1000000000ull, pages * 4096,
				    IOPT_READ | IOPT_WRITE);
		iopgtable_init(&b->s1, b->mem, &b->guest, 1, 12, 48, 48);
		cdtab = physalloc_alloc(&b->guest, 64, 64);
		fmt = STE_S1FMT_LINEAR;
	} else {
		iopgtable_init(&b->s1, b->mem, &b->alloc, 1, 12, 48, 48);
		cdtab = smmu_drv_alloc_cdtab(&b->drv, 0, false, &fmt);
	}
	uint64_t cd[8];
	smmu_cd_build(cd, &b->s1, 1, true);
	if (nested) {
		uint8_t raw[64];
		for (int i = 0; i < 8; i++)
			mem_put_le64(raw + 8 * i, cd[i]);
		mem_write(b->mem, cdtab, raw, 64);
	} else {
		smmu_drv_write_cd(&b->drv, 1, cdtab, fmt, 0, cd);
	}
	/* Pages spread one per 2 MiB so that every walk needs its own level-3 table. */
	for (uint64_t i = 0; i < pages; i++)
		iopgtable_map(&b->s1, i << 21, 0x1000000000ull + i * 4096, 4096, IOPT_READ | IOPT_WRITE);
	uint64_t ste[8];
	if (nested)
		smmu_ste_nested(ste, cdtab, 0, fmt, STE_S1DSS_SSID0, &b->s2, 1, 0);
	else
		smmu_ste_s1(ste, cdtab, 0, fmt, STE_S1DSS_SSID0, 0);
	return smmu_drv_write_ste(&b->drv, 1, ste);
}

static void teardown(bench_t *b)
{
	smmu_drv_free(&b->drv);
	smmu_destroy(b->smmu);
	mem_destroy(b->mem);
	sim_destroy(b->sim);
}

static void run(const char *what, smmu_params_t p, bool nested, uint64_t pages, uint64_t n,
		bool hot)
{
	bench_t b;
	if (setup(&b, p, nested, pages)) {
		printf("%-44s setup failed\n", what);
		return;
	}
	sim_rng_t rng;
	sim_rng_seed(&rng, 99);
	uint64_t hits = 0, reads = 0;
	sim_time_t lat = 0;
	double t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		/* hot: 95 % of accesses to a set the uTLB/TLB hold, 5 % anywhere. */
		uint64_t page = hot && sim_rng_below(&rng, 100) < 95 ? sim_rng_below(&rng, 16)
								      : sim_rng_below(&rng, pages);
		smmu_txn_t t = {1, false, 0, (page << 21) | (i & 0xfc0), {false, false, false},
				TLP_AT_UNTRANSLATED};
		smmu_xlate_t x;
		smmu_latency_t l;
		smmu_translate_timed(b.smmu, 0, &t, &x, &l);
		hits += l.utlb_hit || l.tlb_hit;
		reads += l.walk_reads;
		lat += l.total;
		/* Let each translation complete before the next (no queueing in this bench). */
		sim_schedule_in(b.sim, l.total + 1, NULL, NULL, 0);
		sim_run(b.sim, SIM_TIME_MAX);
	}
	double dt = now_s() - t0;
	printf("%-44s %10llu %8.2f %9.2f %7.1f%% %6.1f %8.1f\n", what, (unsigned long long)n, dt,
	       (double)n / dt / 1e6, 100.0 * (double)hits / (double)n, (double)reads / (double)n,
	       (double)lat / (double)n / 1000.0);
	teardown(&b);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	printf("%-44s %10s %8s %9s %8s %6s %8s\n", "workload", "xlations", "seconds", "M/s",
	       "hits", "reads", "mean ns");
	smmu_params_t p = smmu_params_default();
	run("(a) ~95% TLB hits, 4K pages", p, false, 65536, n, true);
	smmu_params_t miss = p;
	miss.utlb = (cache_geom_t){0, 0, CACHE_REPL_LRU};
	miss.tlb = (cache_geom_t){0, 0, CACHE_REPL_LRU};
	miss.walk_cache = (cache_geom_t){0, 0, CACHE_REPL_LRU};
	run("(b) single-stage 4-level miss, no caches", miss, false, 4096, n / 4, false);
	run("(c) nested miss, no caches", miss, true, 4096, n / 10, false);

	/* Host memory: an SMMU with 64 k streams (a 2-level stream table, every STE a stage-1
	 * stream of one domain) and 1 M mapped 4 KiB pages, each stream translated once. Measured
	 * as heap bytes in use (glibc's mallinfo2), less the simulated pages that hold the page
	 * tables themselves. */
	size_t heap0 = heap_in_use();
	bench_t b;
	if (setup(&b, p, false, 0))
		return 1;
	iopgtable_t pt;
	iopgtable_init(&pt, b.mem, &b.alloc, 1, 12, 48, 48);
	const uint64_t pages = 1 << 20;
	for (uint64_t i = 0; i < pages; i++)
		iopgtable_map(&pt, i << 12, 0x1000000000ull + (i << 12), 4096, IOPT_READ);
	unsigned fmt;
	uint64_t cdtab = smmu_drv_alloc_cdtab(&b.drv, 0, false, &fmt), cd[8], ste[8];
	smmu_cd_build(cd, &pt, 1, true);
	smmu_drv_write_cd(&b.drv, 0, cdtab, fmt, 0, cd);
	smmu_ste_s1(ste, cdtab, 0, fmt, STE_S1DSS_SSID0, STE_EATS_ABORT);
	const uint32_t streams = 1u << 16;
	unsigned ok = 0;
	for (uint32_t sid = 0; sid < streams; sid++) {
		if (smmu_drv_write_ste(&b.drv, sid, ste))
			continue;
		smmu_txn_t t = {sid, false, 0, (uint64_t)(sid % pages) << 12, {false, false, false},
				TLP_AT_UNTRANSLATED};
		smmu_xlate_t x;
		smmu_translate(b.smmu, &t, &x);
		ok += x.outcome == SMMU_XLATE_OK;
	}
	double heap = (double)(heap_in_use() - heap0);
	double table_bytes = (double)pt.tables * 4096.0;
	printf("\n64 k streams (%u translated) and 1 M mapped 4 KiB pages: %llu table pages "
	       "(%.1f MiB), host heap %.1f MiB, %.1f bytes per mapped page beyond the page tables\n",
	       ok, (unsigned long long)pt.tables, table_bytes / (1 << 20), heap / (1 << 20),
	       (heap - table_bytes) / (double)pages);
	teardown(&b);
	return 0;
}
