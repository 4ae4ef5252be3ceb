/* SPDX-License-Identifier: MIT */
/*
 * bench_its.c — MSIs translated by the ITS and delivered to a PE, per host second:
 *   warm: 8 devices x 16 vectors, a working set the device, event and collection caches hold;
 *   cold: 4096 devices x 8 vectors in random order, so nearly every MSI misses and reads the
 *         device table (two levels), the ITT and the collection table.
 * Each MSI runs the whole path: ITS lookup, the LPI raised at its redistributor (configuration
 * lookup, pending bit in memory), the PE taking it (pending bit cleared, delivery reported).
 * Prints figures; asserts nothing. Usage: bench_its [msis]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gic.h"
#include "gic_drv.h"
#include "its.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void count(void *ctx, const gic_delivery_t *d)
{
	(void)d;
	(*(uint64_t *)ctx)++;
}

static int run(const char *what, uint32_t devices, uint32_t vectors, uint64_t msis, bool shuffle)
{
	sim_t *sim = sim_create(1);
	mem_t *mem = mem_create();
	physalloc_t alloc;
	physalloc_init(&alloc, 0x80000000ull, 4ull << 30);
	gic_params_t gp = gic_params_default();
	its_params_t ip = its_params_default();
	gic_t *gic = gic_create(sim, &gp, mem_port_direct(mem));
	its_t *its = gic ? its_create(sim, &ip, mem_port_direct(mem), gic, "its0") : NULL;
	gic_drv_t gd;
	its_drv_t d;
	uint64_t delivered = 0;
	if (!its || gic_drv_init(&gd, gic, sim, mem, &alloc) || its_drv_probe(&d, &gd, its, 0x30040000))
		return -1;
	gic_set_deliver_client(gic, count, &delivered);
	uint32_t n = devices * vectors;
	uint32_t(*ev)[2] = malloc(n * sizeof *ev);
	if (!ev)
		return -1;
	for (uint32_t dev = 0; dev < devices; dev++) {
		its_drv_dev_t *x = its_drv_device(&d, dev * 8, vectors); /* DeviceIDs 8 apart */
		if (!x)
			return -1;
		for (uint32_t v = 0; v < vectors; v++) {
			if (its_drv_vector(&d, x, 0, NULL) < 0)
				return -1;
			ev[dev * vectors + v][0] = dev * 8;
			ev[dev * vectors + v][1] = v;
		}
	}
	sim_run(sim, SIM_TIME_MAX);
	uint64_t *order = malloc(msis * sizeof *order);
	sim_rng_t rng;
	sim_rng_seed(&rng, 42);
	for (uint64_t i = 0; i < msis; i++)
		order[i] = shuffle ? sim_rng_below(&rng, n) : i % n;
	const its_stats_t *st = its_stats(its);
	uint64_t reads0 = st->table_reads;
	delivered = 0;
	double t0 = now_s();
	for (uint64_t i = 0; i < msis; i++) {
		its_xlate_t x;
		its_msi(its, ev[order[i]][0], ev[order[i]][1], i + 1, sim_now(sim), &x);
		sim_run(sim, SIM_TIME_MAX); /* the PE takes it */
	}
	double dt = now_s() - t0;
	const cache_t *ec = its_cache(its, "event");
	printf("%-5s %5u devices x %2u vectors: %.2f M MSIs/s delivered (%llu of %llu), "
	       "%.2f table reads per MSI, event cache hit rate %.1f %%\n",
	       what, devices, vectors, (double)delivered / dt / 1e6, (unsigned long long)delivered,
	       (unsigned long long)msis, (double)(st->table_reads - reads0) / (double)msis,
	       100.0 * (double)ec->hits / (double)(ec->hits + ec->misses));
	free(order);
	free(ev);
	its_drv_free(&d);
	gic_drv_free(&gd);
	its_destroy(its);
	gic_destroy(gic);
	mem_destroy(mem);
	sim_destroy(sim);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t msis = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	if (run("warm", 8, 16, msis, false) || run("cold", 4096, 8, msis / 4, true)) {
		fprintf(stderr, "bench_its: set-up failed\n");
		return 1;
	}
	return 0;
}
